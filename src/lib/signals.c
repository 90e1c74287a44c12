/*
 * signals.c - handlers that set a flag.
 *
 * The handler is the whole reason the flag exists: it does one atomic load
 * of the table sf__caught_flag[] (flag.c) and one sf_flag_set(), which is lock-free, allocates
 * nothing, touches no stdio and preserves errno.  That is all it does.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>

#include <urcu/uatomic.h>

#include "internal.h"

int sf__catchable_signal(int signo)
{
	return signo > 0 && signo < NSIG && signo != SIGKILL &&
	       signo != SIGSTOP;
}

static void set_flag_handler(int signo)
{
	sf_flag *flag = uatomic_read(&sf__caught_flag[signo]);

	if (flag)
		sf_flag_set(flag, SF_REASON_SIGNAL, signo);
}

int sf_flag_catch_signal(sf_flag *flag, int signo)
{
	struct sigaction sa = { .sa_handler = set_flag_handler,
				.sa_flags = SA_RESTART };

	if (!flag || !sf__catchable_signal(signo))
		return -EINVAL;
	sigemptyset(&sa.sa_mask);
	uatomic_set(&sf__caught_flag[signo], flag);
	cmm_smp_mb();
	if (sigaction(signo, &sa, NULL) < 0)
		return -errno;
	return 0;
}

int sf__catch(sf_flag *flag, int signo, struct sf__caught *saved)
{
	if (sigaction(signo, NULL, &saved->sa) < 0)
		return -errno;
	saved->flag = uatomic_read(&sf__caught_flag[signo]);
	return sf_flag_catch_signal(flag, signo);
}

void sf__uncatch(int signo, const struct sf__caught *saved)
{
	sigset_t one, old;

	/* Blocked while both are put back, so that a signal arriving meanwhile
	 * is delivered afterwards, to the restored disposition and flag. */
	sigemptyset(&one);
	sigaddset(&one, signo);
	sigprocmask(SIG_BLOCK, &one, &old);
	uatomic_set(&sf__caught_flag[signo], saved->flag);
	cmm_smp_mb();
	sigaction(signo, &saved->sa, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
}
