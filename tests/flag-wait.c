/*
 * flag-wait.c - waiting: set before and after the wait, relative and
 * absolute timeouts on schedule (even under a signal storm), never -EINTR,
 * many waiters woken by one set.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "stopflag.h"
#include "testutil.h"

static void test_set_before_wait(void **state)
{
	sf_flag *flag;
	struct timespec past = { 0, 0 };

	tu_watchdog(10, __func__);
	assert_int_equal(sf_flag_create(&flag), 0);
	assert_false(sf_flag_is_set(flag));
	assert_int_equal(sf_flag_set(flag, SF_REASON_REQUEST, 3), 1);
	assert_true(sf_flag_is_set(flag));
	assert_int_equal(sf_flag_wait(flag, -1), 0);
	assert_int_equal(sf_flag_wait(flag, 0), 0);
	assert_int_equal(sf_flag_wait_until(flag, &past), 0);
	assert_int_equal(sf_flag_wait_until(flag, NULL), 0);
	sf_flag_destroy(flag);
}

static void test_set_after_wait(void **state)
{
	sf_flag *flag;
	int64_t t0;
	pid_t pid;

	tu_watchdog(10, __func__);
	assert_int_equal(sf_flag_create(&flag), 0);
	/* before the fork: the child's 100 ms may all pass before the
	 * parent runs again on a loaded machine */
	t0 = tu_now_ms();
	pid = tu_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		tu_sleep_ms(100);
		_exit(sf_flag_set(flag, SF_REASON_REQUEST, 9) == 1 ? 0 : 1);
	}
	assert_int_equal(sf_flag_wait(flag, -1), 0);
	assert_true(tu_now_ms() - t0 >= 90);
	assert_int_equal(tu_wait(pid), 0);

	struct sf_cause c;
	assert_int_equal(sf_flag_cause(flag, &c), 0);
	assert_int_equal(c.reason, SF_REASON_REQUEST);
	assert_int_equal(c.code, 9);
	assert_int_equal(c.pid, pid);
	sf_flag_destroy(flag);
}

static void test_relative_timeout(void **state)
{
	sf_flag *flag;
	int64_t t0, took;

	tu_watchdog(10, __func__);
	assert_int_equal(sf_flag_create(&flag), 0);
	assert_int_equal(sf_flag_wait(flag, 0), -ETIMEDOUT);
	t0 = tu_now_ms();
	assert_int_equal(sf_flag_wait(flag, 150), -ETIMEDOUT);
	took = tu_now_ms() - t0;
	assert_true(took >= 150);
	assert_true(took < tu_bound_ms(1000));
	sf_flag_destroy(flag);
}

static void test_absolute_timeout(void **state)
{
	sf_flag *flag;
	struct timespec deadline, now;
	int64_t t0;

	tu_watchdog(10, __func__);
	assert_int_equal(sf_flag_create(&flag), 0);
	t0 = tu_now_ms();
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_nsec += 150 * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	assert_int_equal(sf_flag_wait_until(flag, &deadline), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &now);
	assert_true(now.tv_sec > deadline.tv_sec ||
		    (now.tv_sec == deadline.tv_sec &&
		     now.tv_nsec >= deadline.tv_nsec));
	assert_true(tu_now_ms() - t0 < tu_bound_ms(1000));
	sf_flag_destroy(flag);
}

static void test_bad_arguments(void **state)
{
	sf_flag *flag;
	struct timespec bad = { 0, 1000000000L }, neg = { 0, -1 };

	assert_int_equal(sf_flag_create(NULL), -EINVAL);
	assert_int_equal(sf_flag_create(&flag), 0);
	assert_int_equal(sf_flag_wait(NULL, 0), -EINVAL);
	assert_int_equal(sf_flag_wait_until(NULL, NULL), -EINVAL);
	assert_int_equal(sf_flag_wait_until(flag, &bad), -EINVAL);
	assert_int_equal(sf_flag_wait_until(flag, &neg), -EINVAL);
	assert_false(sf_flag_is_set(NULL));
	sf_flag_destroy(NULL);
	sf_flag_destroy(flag);
}

static void count_signal(int signo)
{
	(void)signo;
}

/* A child floods us with signals (handler without SA_RESTART, so every one
 * interrupts the futex wait); the timeout still comes on schedule and the
 * wait never reports -EINTR. */
static void test_timeout_on_schedule_under_signal_storm(void **state)
{
	struct sigaction sa = { .sa_handler = count_signal }, old;
	sf_flag *flag;
	pid_t storm;
	int i;

	tu_watchdog(20, __func__);
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
	assert_int_equal(sf_flag_create(&flag), 0);
	storm = tu_fork();
	assert_true(storm >= 0);
	if (storm == 0) {
		pid_t parent = getppid();

		for (;;) {
			kill(parent, SIGUSR1);
			tu_sleep_us(50);
		}
	}
	for (i = 0; i < 3; i++) {
		int64_t t0 = tu_now_ms(), took;

		assert_int_equal(sf_flag_wait(flag, 200), -ETIMEDOUT);
		took = tu_now_ms() - t0;
		assert_true(took >= 200);
		assert_true(took < tu_bound_ms(1200));
	}
	kill(storm, SIGKILL);
	tu_wait(storm);
	sigaction(SIGUSR1, &old, NULL);
	sf_flag_destroy(flag);
}

/* One set wakes every waiter in every process. */
static void test_one_set_wakes_all(void **state)
{
	enum { WAITERS = 32 };
	pid_t pids[WAITERS];
	sf_flag *flag;
	int i;

	tu_watchdog(20, __func__);
	assert_int_equal(sf_flag_create(&flag), 0);
	for (i = 0; i < WAITERS; i++) {
		pids[i] = tu_fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0)
			_exit(sf_flag_wait(flag, -1) == 0 ? 0 : 1);
	}
	for (i = 0; i < WAITERS; i++)
		assert_int_equal(tu_wait_asleep(pids[i]), 0);
	assert_int_equal(sf_flag_set(flag, SF_REASON_SIGNAL, SIGTERM), 1);
	for (i = 0; i < WAITERS; i++)
		assert_int_equal(tu_wait(pids[i]), 0);
	sf_flag_destroy(flag);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_before_wait),
		cmocka_unit_test(test_set_after_wait),
		cmocka_unit_test(test_relative_timeout),
		cmocka_unit_test(test_absolute_timeout),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_timeout_on_schedule_under_signal_storm),
		cmocka_unit_test(test_one_set_wakes_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
