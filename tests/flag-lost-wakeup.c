/*
 * flag-lost-wakeup.c - hunt lost wakeups: fresh flags, waiters that go to
 * sleep at random moments, a setter that fires at a random moment (before,
 * during or after they sleep).  Every waiter must wake; a waiter still
 * asleep after 10 s exits 2, which fails the round.
 *
 * `make check` runs 500 rounds; `make stress` runs SF_STRESS_ROUNDS.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "stopflag.h"
#include "testutil.h"

enum { WAITERS = 4 };

static void test_no_lost_wakeup(void **state)
{
	int rounds = tu_rounds(500);

	for (int r = 0; r < rounds; r++) {
		pid_t pids[WAITERS + 1];
		sf_flag *flag;
		long setter_delay = random() % 200;

		/* per round: make stress runs 20000 of them, at whatever
		 * pace the machine allows */
		tu_watchdog(60, __func__);

		assert_int_equal(sf_flag_create(&flag), 0);
		for (int i = 0; i <= WAITERS; i++) {
			long delay = random() % 200;

			pids[i] = tu_fork();
			assert_true(pids[i] >= 0);
			if (pids[i] != 0)
				continue;
			if (i == WAITERS) { /* the setter */
				tu_sleep_us(setter_delay);
				_exit(sf_flag_set(flag, SF_REASON_REQUEST, r) == 1 ? 0 : 1);
			}
			tu_sleep_us(delay);
			_exit(sf_flag_wait(flag, 10000) == 0 ? 0 : 2);
		}
		/* The master waits too, in the race like the others. */
		assert_int_equal(sf_flag_wait(flag, 10000), 0);
		for (int i = 0; i <= WAITERS; i++) {
			int st = tu_wait(pids[i]);

			if (st != 0)
				fail_msg("round %d: process %d ended with status 0x%x",
					 r, i, st);
		}
		sf_flag_destroy(flag);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_lost_wakeup),
	};

	srandom((unsigned)getpid());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
