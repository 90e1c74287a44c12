/*
 * flag-faults.c - what killed and faulty processes leave behind: a waiter
 * killed by SIGKILL, a setter killed between recording its cause and
 * waking, and a page scribbled with garbage.  Nothing crashes, nothing hangs,
 * every surviving waiter wakes.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "testutil.h"

static pid_t fork_waiter(sf_flag *flag)
{
	pid_t pid = tu_fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(sf_flag_wait(flag, -1) == 0 ? 0 : 1);
	return pid;
}

/* Until the n forked waiters sleep on the flag's futex. */
static void let_them_sleep(const pid_t *pids, int n)
{
	for (int i = 0; i < n; i++)
		assert_int_equal(tu_wait_asleep(pids[i]), 0);
}

static void test_killed_waiter_does_not_disturb_others(void **state)
{
	enum { WAITERS = 8, KILLED = 3 };
	pid_t pids[WAITERS];
	sf_flag *flag;
	int i;

	tu_watchdog(20, __func__);
	assert_int_equal(sf_flag_create(&flag), 0);
	for (i = 0; i < WAITERS; i++)
		pids[i] = fork_waiter(flag);
	let_them_sleep(pids, WAITERS);
	for (i = 0; i < KILLED; i++) {
		int st;

		kill(pids[i], SIGKILL);
		st = tu_wait(pids[i]);
		assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	}
	assert_false(sf_flag_is_set(flag));
	assert_int_equal(sf_flag_set(flag, SF_REASON_SIGNAL, SIGTERM), 1);
	for (; i < WAITERS; i++)
		assert_int_equal(tu_wait(pids[i]), 0);
	sf_flag_destroy(flag);
}

/* A setter that dies right after its compare-and-swap: the cause is
 * recorded but the word is unpublished and nobody was woken.  The next set
 * by anybody (the master, when it sees the setter die) keeps that cause and
 * wakes everyone. */
static void test_setter_killed_halfway_next_set_wakes(void **state)
{
	struct sf_cause c = { SF_REASON_REQUEST, 77, 4242 }, got;
	pid_t pids[4];
	sf_flag *flag;

	tu_watchdog(20, __func__);
	assert_int_equal(sf_flag_create(&flag), 0);
	for (int i = 0; i < 4; i++)
		pids[i] = fork_waiter(flag);
	let_them_sleep(pids, 4);
	/* The killed setter's half: cause recorded, word untouched. */
	flag->cause = (uint64_t)SF_REASON_REQUEST << 56 | (uint64_t)4242 << 32 | 77;
	assert_true(sf_flag_is_set(flag));
	assert_int_equal(sf_flag_set(flag, SF_REASON_EXITED, 1), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(tu_wait(pids[i]), 0);
	assert_int_equal(sf_flag_cause(flag, &got), 0);
	assert_int_equal(got.reason, c.reason);
	assert_int_equal(got.code, c.code);
	assert_int_equal(got.pid, c.pid);
	sf_flag_destroy(flag);
}

/* A child scribbles garbage over the shared page; the reader gets what is
 * there, an unknown reason included, and does not crash or assert. */
static void test_scribbled_cause_reads_back_as_is(void **state)
{
	struct sf_cause got;
	sf_flag *flag;
	pid_t pid;

	tu_watchdog(10, __func__);
	assert_int_equal(sf_flag_create(&flag), 0);
	pid = tu_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		memset(flag, 0xc8, sizeof(*flag));
		_exit(0);
	}
	assert_int_equal(tu_wait(pid), 0);
	assert_true(sf_flag_is_set(flag));
	assert_int_equal(sf_flag_cause(flag, &got), 0);
	assert_int_equal((int)got.reason, 0xc8);
	assert_string_equal(sf_reason_name(got.reason), "unknown");
	assert_int_equal(got.code, (int)0xc8c8c8c8u);
	assert_int_equal(sf_flag_wait(flag, -1), 0);
	assert_int_equal(sf_flag_set(flag, SF_REASON_SIGNAL, 2), 0);
	sf_flag_destroy(flag);
}

/* Random garbage in both words, many times: every call returns one of its
 * documented values, and once the flag is really set every waiter wakes. */
static void test_random_scribbles_never_crash_or_hang(void **state)
{
	int rounds = tu_rounds(2000);

	tu_watchdog(60, __func__);
	for (int r = 0; r < rounds; r++) {
		struct sf_cause got;
		sf_flag *flag;
		int ret;

		assert_int_equal(sf_flag_create(&flag), 0);
		flag->cause = (random() & 1) ? 0 :
			      (uint64_t)random() << 33 ^ (uint64_t)random();
		flag->word = (int32_t)random();
		ret = sf_flag_wait(flag, 0);
		assert_true(ret == 0 || ret == -ETIMEDOUT);
		/* set, or its word says so: the wait is over either way */
		assert_int_equal(ret == 0, sf_flag_is_set(flag) ||
					   (flag->word & SF__WORD_SET));
		ret = sf_flag_cause(flag, &got);
		assert_true(ret == 0 || ret == -EAGAIN);
		ret = sf_flag_set(flag, SF_REASON_KILLED, 9);
		assert_true(ret == 0 || ret == 1);
		assert_int_equal(sf_flag_wait(flag, 1000), 0);
		sf_flag_destroy(flag);
	}
}

/* Garbage in the futex word while waiters sleep (the waiters bit happens to
 * survive, the set bit is clear): a wait on that garbage still times out on
 * schedule, and a real set still wakes every sleeper.  (Garbage that clears
 * the waiters bit can leave sleepers asleep; the group's grace period and
 * SIGKILL are what bound that case.) */
static void test_scribbled_word_then_set_wakes_sleepers(void **state)
{
	pid_t pids[4];
	sf_flag *flag;

	tu_watchdog(20, __func__);
	assert_int_equal(sf_flag_create(&flag), 0);
	for (int i = 0; i < 4; i++)
		pids[i] = fork_waiter(flag);
	let_them_sleep(pids, 4);
	flag->word = 0x7ffffffa; /* WAITERS without SET, plus garbage */
	assert_int_equal(sf_flag_wait(flag, 50), -ETIMEDOUT);
	assert_int_equal(sf_flag_set(flag, SF_REASON_SIGNAL, SIGTERM), 1);
	for (int i = 0; i < 4; i++)
		assert_int_equal(tu_wait(pids[i]), 0);
	sf_flag_destroy(flag);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_killed_waiter_does_not_disturb_others),
		cmocka_unit_test(test_setter_killed_halfway_next_set_wakes),
		cmocka_unit_test(test_scribbled_cause_reads_back_as_is),
		cmocka_unit_test(test_random_scribbles_never_crash_or_hang),
		cmocka_unit_test(test_scribbled_word_then_set_wakes_sleepers),
	};

	srandom((unsigned)getpid());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
