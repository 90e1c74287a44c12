/*
 * stress-task.c - the program exec tasks of the campaign run:
 * `stress-task INDEX`, with the shared record (a memfd) as standard input.
 *
 * It first checks what the library promised to hand over: no signal
 * ignored (the default disposition for all: the caught ones exec() resets
 * by itself) and an empty signal mask.  Then it behaves like a
 * function task (tasks.c), with signals instead of the flag: a cooperative
 * one dies by its stop signal (or catches it and exits 0), a stubborn one
 * ignores it and SIGTERM and waits for SIGKILL.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "stress.h"
#include "testutil.h"

static void exit_zero(int signo)
{
	(void)signo;
	_exit(0);
}

/* Bit 0: a signal was ignored; bit 1: the mask was not empty.  (exec()
 * resets caught signals to the default by itself, but keeps ignored ones
 * and the mask; what is caught here, a sanitizer's runtime caught before
 * main().) */
static int inherited_state(void)
{
	sigset_t mask;
	int bad = 0;

	for (int sig = 1; sig < 32; sig++) {
		struct sigaction sa;

		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
			bad |= 1;
	}
	if (sigprocmask(SIG_SETMASK, NULL, &mask) == 0)
		for (int sig = 1; sig < 32; sig++)
			if (sigismember(&mask, sig))
				bad |= 2;
	return bad;
}

int main(int argc, char **argv)
{
	struct st_shared *sh;
	const struct st_task_plan *p;
	int idx, bad = inherited_state();
	char *end;

	if (argc != 2)
		return 2;
	idx = (int)strtol(argv[1], &end, 10);
	if (*end || idx < 0 || idx >= ST_MAX_TASKS)
		return 2;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED,
		  STDIN_FILENO, 0);
	if (sh == MAP_FAILED)
		return 2;
	p = &sh->sc.task[idx];
	__atomic_or_fetch(&sh->task[idx].bad_start, bad, __ATOMIC_SEQ_CST);
	if (p->stubborn) {
		signal(p->stop_signal, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
	} else if (p->exec_catch) {
		signal(p->stop_signal, exit_zero);
	}
	if (st_task_begin(sh, idx) == 1 && p->action != ST_ACT_NONE) {
		st_sleep_until_ns(sh->t0_ns + (int64_t)p->action_ms * 1000000);
		ST_STORE(&sh->task[idx].action_pid, getpid());
		ST_STORE(&sh->task[idx].action_ns, tu_now_ns());
		if (p->action == ST_ACT_ABORT) {
			signal(SIGABRT, SIG_DFL);
			raise(SIGABRT);
		}
		return p->action_code;
	}
	for (;;)
		pause();
}
