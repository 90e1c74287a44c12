/*
 * flag-signal-handler.c - the case that deadlocks Python's
 * multiprocessing.Event: a signal handler sets the flag while the same
 * process is blocked in sf_flag_wait().  Repeated at random moments, with
 * and without SA_RESTART, while 16 children wait on the same flags.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "stopflag.h"
#include "testutil.h"

enum { CHILDREN = 16 };

static sf_flag *current;

static void set_from_handler(int signo)
{
	sf_flag_set(current, SF_REASON_SIGNAL, signo);
}

/* Arm a one-shot SIGALRM 1..400 us from now. */
static void arm_timer(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 1 + random() % 400 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

static void child_waits_on_each(sf_flag **flags, int rounds)
{
	for (int r = 0; r < rounds; r++)
		if (sf_flag_wait(flags[r], 20000) != 0)
			_exit(1);
	_exit(0);
}

/* mode 0: our own handler without SA_RESTART; mode 1: with SA_RESTART;
 * mode 2: the library's handler from sf_flag_catch_signal(). */
static void run_rounds(int mode)
{
	int rounds = tu_rounds(1000);
	sf_flag **flags = calloc((size_t)rounds, sizeof(sf_flag *));
	pid_t pids[CHILDREN];
	struct sigaction sa = { .sa_handler = set_from_handler }, old;

	assert_non_null(flags);
	for (int r = 0; r < rounds; r++)
		assert_int_equal(sf_flag_create(&flags[r]), 0);
	for (int i = 0; i < CHILDREN; i++) {
		pids[i] = tu_fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0)
			child_waits_on_each(flags, rounds);
	}
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = mode == 1 ? SA_RESTART : 0;
	assert_int_equal(sigaction(SIGALRM, NULL, &old), 0);
	if (mode != 2)
		assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
	for (int r = 0; r < rounds; r++) {
		struct sf_cause c;

		current = flags[r];
		if (mode == 2)
			assert_int_equal(sf_flag_catch_signal(flags[r], SIGALRM), 0);
		arm_timer();
		assert_int_equal(sf_flag_wait(flags[r], -1), 0);
		assert_int_equal(sf_flag_cause(flags[r], &c), 0);
		assert_int_equal(c.reason, SF_REASON_SIGNAL);
		assert_int_equal(c.code, SIGALRM);
		assert_int_equal(c.pid, getpid());
	}
	for (int i = 0; i < CHILDREN; i++)
		assert_int_equal(tu_wait(pids[i]), 0);
	sigaction(SIGALRM, &old, NULL);
	for (int r = 0; r < rounds; r++)
		sf_flag_destroy(flags[r]);
	free(flags);
}

/* SIGALRM is ours here, so the watchdog is a child that kills us. */
static pid_t watchdog_child(int seconds)
{
	pid_t parent = getpid(), pid = tu_fork();

	if (pid == 0) {
		sleep((unsigned)(getenv("VALGRIND") ? seconds * 20 : seconds));
		if (getppid() == parent) {
			static const char msg[] =
				"Bail out! watchdog: signal-handler test hung\n";
			(void)!write(STDOUT_FILENO, msg, sizeof(msg) - 1);
			kill(parent, SIGKILL);
		}
		_exit(0);
	}
	return pid;
}

static void end_watchdog(pid_t pid)
{
	kill(pid, SIGKILL);
	tu_wait(pid);
}

static void test_handler_sets_while_waiting_no_restart(void **state)
{
	pid_t wd = watchdog_child(120);

	run_rounds(0);
	end_watchdog(wd);
}

static void test_handler_sets_while_waiting_sa_restart(void **state)
{
	pid_t wd = watchdog_child(120);

	run_rounds(1);
	end_watchdog(wd);
}

static void test_catch_signal_handler_while_waiting(void **state)
{
	pid_t wd = watchdog_child(120);

	run_rounds(2);
	end_watchdog(wd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handler_sets_while_waiting_no_restart),
		cmocka_unit_test(test_handler_sets_while_waiting_sa_restart),
		cmocka_unit_test(test_catch_signal_handler_while_waiting),
	};

	srandom((unsigned)getpid());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
