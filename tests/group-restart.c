/*
 * group-restart.c - the restarting strategies, following Erlang/OTP:
 *   - SF_ONE_FOR_ONE restarts the task that ended, alone;
 *   - SF_ONE_FOR_ALL stops and restarts every task (temporary ones are
 *     not restarted);
 *   - SF_REST_FOR_ONE stops and restarts the task and those added after it;
 *   - permanent tasks always restart, transient ones only after an abnormal
 *     end, temporary ones never, and their end does not stop the group;
 *   - more than max_restarts restarts in period_ms stops the group with the
 *     cause of the last failure; restarts spaced wider than the period
 *     never do; a restart of several tasks counts once;
 *   - a request stops the group under every strategy;
 *   - a task stopped alone (its stop signal) ends and is restarted;
 *   - a task cycled with its siblings that ignores its stop signal gets
 *     SIGKILL after the grace, and is restarted;
 *   - once no task is left to run, the group stops;
 *   - under SF_STOP_ALL restart types do not matter.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "grouputil.h"
#include "testutil.h"

/*
 * A task's plan: one character per run (the last one repeats):
 *   0, 1  exit with that status at once
 *   k     SIGKILL itself
 *   s     sleep 150 ms, then exit 1
 *   t     send itself SIGTERM (a stop for it alone), then return 0
 *   d     deaf: block every signal, wait for the group's flag
 *   w     wait for a stop
 *   r     once `other` has run `wait_for` times, request a stop with
 *         `code`, then wait
 * `runs` counts the starts, in memory shared with the test.
 */
struct spec {
	int runs;
	const char *plan;
	int code;
	struct spec *other;
	int wait_for;
};

static int planned(sf_task *task, void *arg)
{
	struct spec *s = arg;
	int run = __atomic_add_fetch(&s->runs, 1, __ATOMIC_SEQ_CST);
	size_t n = strlen(s->plan);
	sigset_t all;

	switch (s->plan[(size_t)run <= n ? (size_t)run - 1 : n - 1]) {
	case '0':
		return 0;
	case '1':
		return 1;
	case 'k':
		raise(SIGKILL);
		return 99;
	case 's':
		tu_sleep_ms(150);
		return 1;
	case 't':
		kill(getpid(), SIGTERM);
		return sf_task_should_stop(task) ? 0 : 99;
	case 'd':
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
		while (sf_flag_wait(sf_task_flag(task), -1) != 0)
			;
		return 0;
	case 'r':
		while (s->other && __atomic_load_n(&s->other->runs,
						   __ATOMIC_SEQ_CST) < s->wait_for &&
		       !sf_task_should_stop(task))
			sf_task_sleep(task, 1);
		sf_task_stop_all(task, s->code);
		/* fall through */
	default:
		return gu_task_wait(task, NULL);
	}
}

static struct spec *specs(int n)
{
	return gu_shared((size_t)n * sizeof(struct spec));
}

static void add(sf_group *g, const char *name, struct spec *s,
		enum sf_restart restart, const char *plan)
{
	int id;

	s->plan = plan;
	id = sf_group_add(g, name, planned, s);
	assert_true(id >= 0);
	assert_int_equal(sf_group_set_restart(g, id, restart), 0);
}

/* -------------------------------------------------------- strategies */

static void test_one_for_one(void **state)
{
	struct spec *s = specs(2);
	sf_group *g = gu_group();

	tu_watchdog(20, __func__);
	assert_int_equal(sf_group_set_strategy(g, SF_ONE_FOR_ONE), 0);
	s[0].code = 9;
	add(g, "a", &s[0], SF_PERMANENT, "11r");
	add(g, "b", &s[1], SF_PERMANENT, "w");
	gu_run_expect(g, 9, SF_REASON_REQUEST, GU_ANY, "a");
	assert_int_equal(s[0].runs, 3);
	assert_int_equal(s[1].runs, 1);
	assert_int_equal(gu_logged("task a: restarting (one-for-one)"), 2);
	sf_group_destroy(g);
}

static void test_one_for_all(void **state)
{
	struct spec *s = specs(3);
	sf_group *g = gu_group();

	tu_watchdog(20, __func__);
	assert_int_equal(sf_group_set_strategy(g, SF_ONE_FOR_ALL), 0);
	s[0].code = 9;
	s[0].other = &s[1];
	s[0].wait_for = 2;
	add(g, "a", &s[0], SF_PERMANENT, "1r");
	add(g, "b", &s[1], SF_TRANSIENT, "w");
	add(g, "c", &s[2], SF_TEMPORARY, "w");
	gu_run_expect(g, 9, SF_REASON_REQUEST, GU_ANY, "a");
	assert_int_equal(s[0].runs, 2);
	assert_int_equal(s[1].runs, 2);
	assert_int_equal(s[2].runs, 1);
	assert_int_equal(gu_logged("to restart with its siblings"), 2);
	sf_group_destroy(g);
}

static void test_rest_for_one(void **state)
{
	struct spec *s = specs(4);
	sf_group *g = gu_group();

	tu_watchdog(20, __func__);
	assert_int_equal(sf_group_set_strategy(g, SF_REST_FOR_ONE), 0);
	s[3].code = 9;
	s[3].other = &s[2];
	s[3].wait_for = 2;
	add(g, "a", &s[0], SF_PERMANENT, "w");
	add(g, "b", &s[1], SF_PERMANENT, "1w");
	add(g, "c", &s[2], SF_PERMANENT, "w");
	add(g, "d", &s[3], SF_PERMANENT, "wr");
	gu_run_expect(g, 9, SF_REASON_REQUEST, GU_ANY, "d");
	assert_int_equal(s[0].runs, 1);
	assert_int_equal(s[1].runs, 2);
	assert_int_equal(s[2].runs, 2);
	assert_int_equal(s[3].runs, 2);
	sf_group_destroy(g);
}

/* -------------------------------------------------------- restart types */

struct targets {
	struct spec *s;
	int n;
	const int *want;
};

/* Waits until every spec has run as often as wanted, then a little more
 * (for any restart that should not come), then asks for the stop. */
static int controller(sf_task *task, void *arg)
{
	const struct targets *t = arg;

	for (int i = 0; i < t->n; i++)
		while (__atomic_load_n(&t->s[i].runs, __ATOMIC_SEQ_CST) <
		       t->want[i] && !sf_task_should_stop(task))
			sf_task_sleep(task, 1);
	sf_task_sleep(task, 50);
	sf_task_stop_all(task, 5);
	return gu_task_wait(task, NULL);
}

static void test_restart_types(void **state)
{
	static const int want[] = { 2, 1, 2, 2, 1 };
	struct spec *s = specs(5);
	struct targets t = { s, 5, want };
	sf_group *g = gu_group();

	tu_watchdog(20, __func__);
	assert_int_equal(sf_group_set_strategy(g, SF_ONE_FOR_ONE), 0);
	assert_int_equal(sf_group_set_intensity(g, 10, 10000), 0);
	add(g, "permanent-ok", &s[0], SF_PERMANENT, "0w");
	add(g, "transient-ok", &s[1], SF_TRANSIENT, "0w");
	add(g, "transient-fail", &s[2], SF_TRANSIENT, "1w");
	add(g, "transient-killed", &s[3], SF_TRANSIENT, "kw");
	add(g, "temporary-fail", &s[4], SF_TEMPORARY, "1w");
	assert_int_equal(sf_group_add(g, "controller", controller, &t), 5);
	gu_run_expect(g, 5, SF_REASON_REQUEST, GU_ANY, "controller");
	for (int i = 0; i < 5; i++)
		if (s[i].runs != want[i])
			fail_msg("task %d ran %d times, not %d", i, s[i].runs,
				 want[i]);
	sf_group_destroy(g);
}

static void test_stop_all_ignores_restart_types(void **state)
{
	struct spec *s = specs(2);
	sf_group *g = gu_group();

	tu_watchdog(20, __func__);
	add(g, "a", &s[0], SF_PERMANENT, "1w");
	add(g, "b", &s[1], SF_PERMANENT, "w");
	gu_run_expect(g, 1, SF_REASON_EXITED, GU_ANY, "a");
	assert_int_equal(s[0].runs, 1);
	assert_int_equal(s[1].runs, 1);
	sf_group_destroy(g);
}

/* ------------------------------------------------------------ intensity */

static void intensity_exceeded(enum sf_strategy strategy, const char *plan,
			       int status, enum sf_reason reason)
{
	struct spec *s = specs(2);
	sf_group *g = gu_group();

	assert_int_equal(sf_group_set_strategy(g, strategy), 0);
	assert_int_equal(sf_group_set_intensity(g, 2, 10000), 0);
	add(g, "crasher", &s[0], SF_PERMANENT, plan);
	add(g, "steady", &s[1], SF_PERMANENT, "w");
	gu_run_expect(g, status, reason, GU_ANY, "crasher");
	assert_int_equal(s[0].runs, 3);
	/* one-for-all takes steady along every time: it counts once */
	assert_int_equal(s[1].runs, strategy == SF_ONE_FOR_ALL ? 3 : 1);
	assert_int_equal(gu_logged("more than 2 restarts in 10000 ms"), 1);
	sf_group_destroy(g);
	gu_log_clear();
}

static void test_intensity_exceeded(void **state)
{
	tu_watchdog(30, __func__);
	intensity_exceeded(SF_ONE_FOR_ONE, "1", 1, SF_REASON_EXITED);
	intensity_exceeded(SF_ONE_FOR_ONE, "k", 137, SF_REASON_KILLED);
	intensity_exceeded(SF_ONE_FOR_ALL, "1", 1, SF_REASON_EXITED);
}

/* Restarts 150 ms apart with a 100 ms period never exceed one. */
static void test_intensity_window_slides(void **state)
{
	struct spec *s = specs(1);
	sf_group *g = gu_group();

	tu_watchdog(20, __func__);
	assert_int_equal(sf_group_set_strategy(g, SF_ONE_FOR_ONE), 0);
	assert_int_equal(sf_group_set_intensity(g, 1, 100), 0);
	s[0].code = 0;
	add(g, "slow", &s[0], SF_PERMANENT, "ssssr");
	gu_run_expect(g, 0, SF_REASON_REQUEST, GU_ANY, "slow");
	assert_int_equal(s[0].runs, 5);
	assert_int_equal(gu_logged("restarts in"), 0);
	sf_group_destroy(g);
}

/* With no restart allowed at all, the first one is too many. */
static void test_intensity_zero(void **state)
{
	struct spec *s = specs(1);
	sf_group *g = gu_group();

	tu_watchdog(20, __func__);
	assert_int_equal(sf_group_set_strategy(g, SF_ONE_FOR_ONE), 0);
	assert_int_equal(sf_group_set_intensity(g, 0, 1000), 0);
	add(g, "once", &s[0], SF_PERMANENT, "1w");
	gu_run_expect(g, 1, SF_REASON_EXITED, GU_ANY, "once");
	assert_int_equal(s[0].runs, 1);
	sf_group_destroy(g);
}

/* ---------------------------------------------------------- and the rest */

static void test_requests_always_stop(void **state)
{
	static const enum sf_strategy all[] = {
		SF_STOP_ALL, SF_ONE_FOR_ONE, SF_ONE_FOR_ALL, SF_REST_FOR_ONE,
	};

	tu_watchdog(30, __func__);
	for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++) {
		struct spec *s = specs(2);
		sf_group *g = gu_group();

		assert_int_equal(sf_group_set_strategy(g, all[i]), 0);
		s[0].code = 300; /* modulo 256 */
		add(g, "asker", &s[0], SF_PERMANENT, "r");
		add(g, "other", &s[1], SF_PERMANENT, "w");
		gu_run_expect(g, 44, SF_REASON_REQUEST, GU_ANY, "asker");
		/* Nobody is restarted.  The request may come before the master
		 * has started "other", and a stopping group starts nothing. */
		assert_int_equal(s[0].runs, 1);
		assert_true(s[1].runs <= 1);
		sf_group_destroy(g);
	}
}

static void test_task_stopped_alone_restarts(void **state)
{
	struct spec *s = specs(2);
	sf_group *g = gu_group();

	tu_watchdog(20, __func__);
	assert_int_equal(sf_group_set_strategy(g, SF_ONE_FOR_ONE), 0);
	s[0].code = 6;
	add(g, "stopped", &s[0], SF_PERMANENT, "tr");
	add(g, "other", &s[1], SF_PERMANENT, "w");
	gu_run_expect(g, 6, SF_REASON_REQUEST, GU_ANY, "stopped");
	assert_int_equal(s[0].runs, 2);
	assert_int_equal(s[1].runs, 1);
	sf_group_destroy(g);
}

static void test_cycled_task_killed_after_grace(void **state)
{
	struct spec *s = specs(2);
	sf_group *g = gu_group();
	/* Long enough for the polite task to answer, on a slow machine and
	 * under memcheck: only the deaf one may outlive it. */
	int grace_ms = (int)tu_work_bound_ms(2, 100);
	char killed_line[80];

	tu_watchdog(20, __func__);
	assert_int_equal(sf_group_set_strategy(g, SF_ONE_FOR_ALL), 0);
	assert_int_equal(sf_group_set_grace(g, grace_ms), 0);
	s[0].code = 3;
	s[0].other = &s[1];
	s[0].wait_for = 2;
	add(g, "a", &s[0], SF_PERMANENT, "1r");
	add(g, "deaf", &s[1], SF_PERMANENT, "d");
	gu_run_expect(g, 3, SF_REASON_REQUEST, GU_ANY, "a");
	assert_int_equal(s[1].runs, 2);
	snprintf(killed_line, sizeof(killed_line), "still running %d ms "
		 "after its stop signal: SIGKILL", grace_ms);
	assert_int_equal(gu_logged(killed_line), 1);
	assert_int_equal(gu_logged("killed by signal 9 (SIGKILL)"), 1);
	sf_group_destroy(g);
}

/* Temporary tasks that end leave the group running, until none is left:
 * then it stops, with the last end as the cause. */
static void test_nothing_left_stops(void **state)
{
	struct spec *s = specs(2);
	sf_group *g = gu_group();

	tu_watchdog(20, __func__);
	assert_int_equal(sf_group_set_strategy(g, SF_ONE_FOR_ONE), 0);
	add(g, "quick", &s[0], SF_TEMPORARY, "0");
	add(g, "last", &s[1], SF_TEMPORARY, "s");
	gu_run_expect(g, 1, SF_REASON_EXITED, GU_ANY, "last");
	assert_int_equal(gu_logged("no task left to run"), 1);
	assert_int_equal(s[0].runs, 1);
	assert_int_equal(s[1].runs, 1);
	sf_group_destroy(g);
}

static void test_exec_task_restarts(void **state)
{
	struct spec *s = specs(1);
	sf_group *g = gu_group();

	tu_watchdog(20, __func__);
	assert_int_equal(sf_group_set_strategy(g, SF_ONE_FOR_ONE), 0);
	assert_int_equal(sf_group_set_intensity(g, 3, 10000), 0);
	assert_int_equal(sf_group_add_exec(g, "sh",
		gu_argv("sh", "-c", "exit 2", (char *)NULL)), 0);
	assert_int_equal(sf_group_set_restart(g, 0, SF_PERMANENT), 0);
	add(g, "other", &s[0], SF_PERMANENT, "w");
	gu_run_expect(g, 2, SF_REASON_EXITED, GU_ANY, "sh");
	assert_int_equal(gu_logged("task sh (pid"), 8); /* 4 starts, 4 ends */
	sf_group_destroy(g);
}

GU_MAIN(
	GU_TEST(test_one_for_one),
	GU_TEST(test_one_for_all),
	GU_TEST(test_rest_for_one),
	GU_TEST(test_restart_types),
	GU_TEST(test_stop_all_ignores_restart_types),
	GU_TEST(test_intensity_exceeded),
	GU_TEST(test_intensity_window_slides),
	GU_TEST(test_intensity_zero),
	GU_TEST(test_requests_always_stop),
	GU_TEST(test_task_stopped_alone_restarts),
	GU_TEST(test_cycled_task_killed_after_grace),
	GU_TEST(test_nothing_left_stops),
	GU_TEST(test_exec_task_restarts)
)
