/*
 * flag-doorbell.c - the master's doorbell on the flag's futex word: a ring
 * (from a SIGCHLD handler) wakes the master and never the tasks; no ring is
 * lost, however it races the master's sleep; a set still wakes everybody;
 * a process-local stop (a nudge) ends only that process's wait.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "testutil.h"

static sf_flag *bell_flag;

static void ring_on_sigchld(int signo)
{
	(void)signo;
	sf__doorbell_ring(bell_flag);
}

static void deadline_in(int ms, struct timespec *ts)
{
	sf__deadline_after(ms, ts);
}

static void test_ring_before_wait_is_not_lost(void **state)
{
	struct timespec d;
	sf_flag *flag;

	tu_watchdog(10, __func__);
	assert_int_equal(sf_flag_create(&flag), 0);
	sf__doorbell_ring(flag);
	deadline_in(5000, &d);
	assert_int_equal(sf__doorbell_wait(flag, &d, NULL), 0);
	/* The ring was consumed: the next wait sleeps to its deadline. */
	deadline_in(50, &d);
	assert_int_equal(sf__doorbell_wait(flag, &d, NULL), -ETIMEDOUT);
	assert_int_equal(sf_flag_set(flag, SF_REASON_REQUEST, 1), 1);
	assert_int_equal(sf__doorbell_wait(flag, NULL, NULL), 1);
	sf_flag_destroy(flag);
}

static long voluntary_switches(pid_t pid)
{
	char path[64], line[256];
	long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "voluntary_ctxt_switches:", 24) == 0) {
			n = strtol(line + 24, NULL, 10);
			break;
		}
	fclose(f);
	return n;
}

/* Tasks asleep on the flag are not woken by rings: their count of
 * voluntary context switches (one per wakeup and sleep) stays put. */
static void test_ring_does_not_wake_tasks(void **state)
{
	enum { TASKS = 4, RINGS = 200 };
	long before[TASKS];
	pid_t pids[TASKS];
	sf_flag *flag;

	tu_watchdog(20, __func__);
	assert_int_equal(sf_flag_create(&flag), 0);
	for (int i = 0; i < TASKS; i++) {
		pids[i] = tu_fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0)
			_exit(sf_flag_wait(flag, -1) == 0 ? 0 : 1);
	}
	for (int i = 0; i < TASKS; i++)
		assert_int_equal(tu_wait_asleep(pids[i]), 0);
	for (int i = 0; i < TASKS; i++)
		before[i] = voluntary_switches(pids[i]);
	for (int r = 0; r < RINGS; r++) {
		sf__doorbell_ring(flag);
		assert_int_equal(sf__doorbell_wait(flag, NULL, NULL), 0);
	}
	tu_sleep_ms(50);
	for (int i = 0; i < TASKS; i++) {
		long after = voluntary_switches(pids[i]);
		assert_true(before[i] > 0);
		if (after - before[i] > 5)
			fail_msg("task %d woke %ld times for %d rings", i,
				 after - before[i], RINGS);
	}
	assert_int_equal(sf_flag_set(flag, SF_REASON_SIGNAL, SIGTERM), 1);
	for (int i = 0; i < TASKS; i++)
		assert_int_equal(tu_wait(pids[i]), 0);
	sf_flag_destroy(flag);
}

/* A child that exits at a random moment rings from SIGCHLD; the master's
 * doorbell wait (no deadline) must come back for every one of them. */
static void test_sigchld_ring_is_never_lost(void **state)
{
	struct sigaction sa = { .sa_handler = ring_on_sigchld }, old;
	int rounds = tu_rounds(500);

	tu_watchdog(60, __func__);
	assert_int_equal(sf_flag_create(&bell_flag), 0);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NOCLDSTOP;
	assert_int_equal(sigaction(SIGCHLD, &sa, &old), 0);
	for (int r = 0; r < rounds; r++) {
		pid_t pid = tu_fork(), got = 0;
		int st;

		assert_true(pid >= 0);
		if (pid == 0) {
			tu_sleep_us(random() % 300);
			_exit(0);
		}
		/* Sleep on the doorbell until our child is reaped. */
		while (got != pid) {
			int ret = sf__doorbell_wait(bell_flag, NULL, NULL);

			assert_int_equal(ret, 0);
			got = waitpid(pid, &st, WNOHANG);
			assert_true(got == 0 || got == pid);
		}
	}
	sigaction(SIGCHLD, &old, NULL);
	sf_flag_destroy(bell_flag);
}

/* With the master asleep on the doorbell and tasks asleep on the flag,
 * one set wakes all of them. */
static void test_set_wakes_master_and_tasks(void **state)
{
	pid_t setter, task;
	sf_flag *flag;

	tu_watchdog(10, __func__);
	assert_int_equal(sf_flag_create(&flag), 0);
	task = tu_fork();
	assert_true(task >= 0);
	if (task == 0)
		_exit(sf_flag_wait(flag, -1) == 0 ? 0 : 1);
	setter = tu_fork();
	assert_true(setter >= 0);
	if (setter == 0) {
		/* once both sleep: the task on the flag, the master on
		 * the doorbell */
		if (tu_wait_asleep(task) < 0 || tu_wait_asleep(getppid()) < 0)
			_exit(2);
		_exit(sf_flag_set(flag, SF_REASON_REQUEST, 3) == 1 ? 0 : 1);
	}
	int ret;
	while ((ret = sf__doorbell_wait(flag, NULL, NULL)) == 0)
		; /* the setter's exit may ring first if SIGCHLD is caught */
	assert_int_equal(ret, 1);
	assert_int_equal(tu_wait(task), 0);
	assert_int_equal(tu_wait(setter), 0);
	sf_flag_destroy(flag);
}

static volatile int local_stop;
static sf_flag *nudge_flag;

static void local_stop_handler(int signo)
{
	(void)signo;
	local_stop = 1;
	sf__flag_nudge(nudge_flag);
}

#define LOST_NUDGE_MS 10000

/* A stop signal meant for this process alone ends its wait at whatever
 * moment it lands, and leaves other sleepers on the flag asleep. */
static void test_local_stop_ends_only_this_wait(void **state)
{
	struct sigaction sa = { .sa_handler = local_stop_handler }, old;
	int rounds = tu_rounds(500);
	pid_t other;

	tu_watchdog(60, __func__);
	assert_int_equal(sf_flag_create(&nudge_flag), 0);
	/* It sleeps for as long as the rounds take (make stress runs
	 * thousands): only the set at the end may wake it. */
	other = tu_fork();
	assert_true(other >= 0);
	if (other == 0)
		_exit(sf_flag_wait(nudge_flag, -1) == 0 ? 0 : 1);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = (rounds & 1) ? SA_RESTART : 0;
	assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
	for (int r = 0; r < rounds; r++) {
		struct timespec d;
		pid_t self = getpid(), killer;

		tu_watchdog(60, __func__); /* per round: the rounds vary */
		local_stop = 0;
		sa.sa_flags = (r & 1) ? SA_RESTART : 0;
		sigaction(SIGUSR1, &sa, NULL);
		killer = tu_fork();
		assert_true(killer >= 0);
		if (killer == 0) {
			tu_sleep_us(random() % 300);
			kill(self, SIGUSR1);
			_exit(0);
		}
		int64_t t0 = tu_now_ms();

		/* Untimed futex waits are restarted under SA_RESTART, so there
		 * only the nudge can end them; timed ones get EINTR. */
		sf__deadline_after(LOST_NUDGE_MS, &d);
		assert_int_equal(sf__flag_wait_local(nudge_flag, (r & 2) ? &d : NULL,
						     &local_stop), 0);
		/* a lost nudge sleeps to the deadline */
		if (tu_now_ms() - t0 >= LOST_NUDGE_MS)
			fail_msg("round %d: the local stop took %lld ms", r,
				 (long long)(tu_now_ms() - t0));
		assert_true(local_stop);
		assert_false(sf_flag_is_set(nudge_flag));
		assert_int_equal(tu_wait(killer), 0);
	}
	sigaction(SIGUSR1, &old, NULL);
	/* The other sleeper is still asleep, and wakes on a real set. */
	assert_int_equal(waitpid(other, NULL, WNOHANG), 0);
	assert_int_equal(sf_flag_set(nudge_flag, SF_REASON_REQUEST, 1), 1);
	assert_int_equal(tu_wait(other), 0);
	sf_flag_destroy(nudge_flag);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_before_wait_is_not_lost),
		cmocka_unit_test(test_ring_does_not_wake_tasks),
		cmocka_unit_test(test_sigchld_ring_is_never_lost),
		cmocka_unit_test(test_set_wakes_master_and_tasks),
		cmocka_unit_test(test_local_stop_ends_only_this_wait),
	};

	srandom((unsigned)getpid());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
