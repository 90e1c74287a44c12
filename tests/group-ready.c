/*
 * group-ready.c - readiness and start order (sf_group_set_ready_mode(),
 * sf_group_set_after(), sf_group_set_ready_timeout(), sf_task_ready()):
 *   - B after A, A ready 300 ms after its start: B starts after A's
 *     ready, never before, in the log and by the clock; the same over
 *     hundreds of runs with A ready at once, B added before or after A;
 *   - on_ready comes only once every task is ready;
 *   - a task not ready within its ready-timeout stops the group: START_FAILED,
 *     code ETIME, status 69, naming it, no sooner than the timeout;
 *   - restarts keep the order: under rest-for-one a task after the one
 *     that ended is restarted with it even if added before it, and starts
 *     again only after its dependency's new ready; one-for-all the same;
 *     under one-for-one the dependent keeps running; a temporary task
 *     still waiting for its first start when the others restart keeps
 *     waiting, and starts;
 *   - a READY=1 from a task's earlier start (a helper that outlived it)
 *     is refused and does not count for the new start;
 *   - a READY=1 from another uid does not count (as root only);
 *   - what a task says once the stop is due does not count;
 *   - a dependency that ended for good without being ready is a start
 *     failure of the task after it (status 69, code ESRCH); one that had
 *     been ready holds nobody back;
 *   - the setters refuse what they must.
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
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "grouputil.h"
#include "testutil.h"

#define MAX_RUNS 8

/*
 * A task's plan, one character per start (the last one repeats):
 *   R  ready after delay_ms, then wait for a stop
 *   E  ready at once, wait until `other` has started, then exit 1
 *   Q  (a dependent) stop the group with code 0 at once
 *   W  wait for a stop (ready only if its mode is `started`)
 *   N  never ready: wait for a stop
 *   0  exit 0 at once, never ready
 *   X  exit 1 at once
 *   e  ready at once, then exit 0 after 50 ms
 *   H  fork a helper (its own session) that says READY once this task
 *      has started again, then exit 1 without being ready
 *   h  wait for that helper's word, then 100 ms, then as R
 *   F  a helper of another uid says READY; then 100 ms, then as R
 *   L  wait for the stop, then say READY
 * Times are CLOCK_MONOTONIC ns, in memory shared with the test.
 */
struct node {
	const char *plan;
	int delay_ms;
	struct node *other;
	int runs;
	int64_t start[MAX_RUNS], ready[MAX_RUNS];
	int helper_ret;   /* what the helper's sf_task_ready() returned */
	int helper_apart; /* the helper left the task's process group */
	int helper_done;
	int late_ret;     /* L: what sf_task_ready() returned */
};

static void say_ready(sf_task *task, struct node *n, int run)
{
	n->ready[run] = tu_now_ns();
	assert_int_equal(sf_task_ready(task), 0);
}

static int load(const int *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void helper(sf_task *task, struct node *n)
{
	int64_t give_up = tu_now_ms() + 20000; /* never outlive the test */

	setsid(); /* outlives its task's process group */
	__atomic_store_n(&n->helper_apart, 1, __ATOMIC_SEQ_CST);
	while (load(&n->runs) < 2 && tu_now_ms() < give_up)
		tu_sleep_ms(1);
	n->helper_ret = sf_task_ready(task); /* the former start's socket */
	__atomic_store_n(&n->helper_done, 1, __ATOMIC_SEQ_CST);
	_exit(0);
}

static void foreign(void)
{
	if (setuid(65534) < 0)
		_exit(1);
	_exit(sf_notify_ready() == 0 ? 0 : 2);
}

static int node_task(sf_task *task, void *arg)
{
	struct node *n = arg;
	int run = __atomic_add_fetch(&n->runs, 1, __ATOMIC_SEQ_CST) - 1;
	size_t len = strlen(n->plan);
	char step = n->plan[(size_t)run < len ? (size_t)run : len - 1];
	pid_t pid;
	int ws;

	n->start[run] = tu_now_ns();
	switch (step) {
	case 'R':
		if (n->delay_ms)
			sf_task_sleep(task, n->delay_ms);
		say_ready(task, n, run);
		return gu_task_wait(task, NULL);
	case 'E':
		say_ready(task, n, run);
		while (load(&n->other->runs) < 1 && !sf_task_should_stop(task))
			sf_task_sleep(task, 1);
		return 1;
	case 'Q':
		sf_task_stop_all(task, 0);
		return gu_task_wait(task, NULL);
	case '0':
		return 0;
	case 'X':
		return 1;
	case 'e':
		say_ready(task, n, run);
		sf_task_sleep(task, 50);
		return 0;
	case 'H':
		if (fork() == 0)
			helper(task, n);
		while (!load(&n->helper_apart))
			tu_sleep_ms(1);
		return 1;
	case 'h':
		while (!load(&n->helper_done) && !sf_task_should_stop(task))
			tu_sleep_ms(1);
		sf_task_sleep(task, 100);
		say_ready(task, n, run);
		return gu_task_wait(task, NULL);
	case 'F':
		pid = fork();
		if (pid == 0)
			foreign();
		waitpid(pid, &ws, 0);
		assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
		sf_task_sleep(task, 100);
		say_ready(task, n, run);
		return gu_task_wait(task, NULL);
	case 'L':
		gu_task_wait(task, NULL);
		n->late_ret = sf_task_ready(task);
		return 0;
	default: /* W, N */
		return gu_task_wait(task, NULL);
	}
}

static struct node *node(const char *plan, int delay_ms)
{
	struct node *n = gu_shared(sizeof(*n));

	n->plan = plan;
	n->delay_ms = delay_ms;
	return n;
}

static int add(sf_group *g, const char *name, struct node *n,
	       enum sf_ready mode, enum sf_restart restart)
{
	int id = sf_group_add(g, name, node_task, n);

	assert_true(id >= 0);
	assert_int_equal(sf_group_set_ready_mode(g, id, mode), 0);
	assert_int_equal(sf_group_set_restart(g, id, restart), 0);
	return id;
}

/* ------------------------------------------------ the log, in order */

static char lines[256][160];
static int nlines;

static void log_in_order(void *ctx, int priority, const char *msg)
{
	if (nlines < 256)
		snprintf(lines[nlines++], sizeof(lines[0]), "%s", msg);
	gu_log(ctx, priority, msg);
}

static sf_group *group(void)
{
	sf_group *g = gu_group();

	nlines = 0;
	assert_int_equal(sf_group_set_log(g, log_in_order, NULL), 0);
	return g;
}

/* The first line logged with both needles, or -1. */
static int line_of(const char *a, const char *b)
{
	for (int i = 0; i < nlines; i++)
		if (strstr(lines[i], a) && strstr(lines[i], b))
			return i;
	return -1;
}

/* ------------------------------------------------------------ order */

/* One run of "b after a": b stops the group as it starts. */
static void run_order(int delay_ms, bool b_first)
{
	struct node *a = node("R", delay_ms), *b = node("Q", 0);
	sf_group *g = group();
	int ia, ib;

	if (b_first) {
		ib = add(g, "b", b, SF_READY_STARTED, SF_TEMPORARY);
		ia = add(g, "a", a, SF_READY_NOTIFY, SF_TEMPORARY);
	} else {
		ia = add(g, "a", a, SF_READY_NOTIFY, SF_TEMPORARY);
		ib = add(g, "b", b, SF_READY_STARTED, SF_TEMPORARY);
	}
	assert_int_equal(sf_group_set_after(g, ib, ia), 0);
	gu_run_expect(g, 0, SF_REASON_REQUEST, 0, "b");
	assert_int_equal(a->runs, 1);
	assert_int_equal(b->runs, 1);
	if (b->start[0] < a->ready[0]) {
		gu_log_dump();
		fail_msg("b started %lld ns before a was ready",
			 (long long)(a->ready[0] - b->start[0]));
	}
	assert_true(b->start[0] - a->start[0] >= (int64_t)delay_ms * 1000000);
	ia = line_of("task a", "ready");
	ib = line_of("task b", "started");
	if (ia < 0 || ib < 0 || ib < ia) {
		gu_log_dump();
		fail_msg("logged: a ready at line %d, b started at line %d",
			 ia, ib);
	}
	sf_group_destroy(g);
}

static void test_order_300ms(void **state)
{
	(void)state;
	tu_watchdog(30, "order, 300 ms");
	run_order(300, false);
	run_order(300, true);
}

static void test_order_many(void **state)
{
	int rounds = tu_rounds(200);

	(void)state;
	tu_watchdog(120, "order, many rounds");
	for (int i = 0; i < rounds; i++)
		run_order(i % 3, i % 2);
}

/* ------------------------------------------------------------ on_ready */

struct hooked {
	int64_t at;
	int calls;
	sf_group *g;
};

static void on_ready(void *ctx)
{
	struct hooked *h = ctx;

	h->at = tu_now_ns();
	h->calls++;
	sf_flag_set(sf_group_flag(h->g), SF_REASON_REQUEST, 0);
}

static void test_on_ready_waits_for_all(void **state)
{
	struct node *a = node("R", 100), *b = node("W", 0);
	struct hooked h = { 0 };
	sf_group *g = group();

	(void)state;
	tu_watchdog(30, "on_ready");
	h.g = g;
	add(g, "a", a, SF_READY_NOTIFY, SF_TEMPORARY);
	add(g, "b", b, SF_READY_STARTED, SF_TEMPORARY);
	assert_int_equal(sf_group_set_hooks(g, on_ready, NULL, &h), 0);
	gu_run_expect(g, 0, SF_REASON_REQUEST, 0, NULL);
	assert_int_equal(h.calls, 1);
	assert_true(h.at >= a->ready[0]);
	sf_group_destroy(g);
}

/* ----------------------------------------------------- ready-timeout */

static void test_ready_timeout(void **state)
{
	struct node *a = node("N", 0), *b = node("W", 0);
	sf_group *g = group();
	int64_t t0, ms;
	int ia;

	(void)state;
	tu_watchdog(30, "ready-timeout");
	ia = add(g, "a", a, SF_READY_NOTIFY, SF_TEMPORARY);
	add(g, "b", b, SF_READY_STARTED, SF_TEMPORARY);
	assert_int_equal(sf_group_set_ready_timeout(g, ia, 200), 0);
	t0 = tu_now_ms();
	gu_run_expect(g, 69, SF_REASON_START_FAILED, ETIME, "a");
	ms = tu_now_ms() - t0;
	assert_true(ms >= 200);
	assert_true(ms < tu_work_bound_ms(8, 2000));
	assert_int_equal(gu_logged_at(LOG_ERR, "not ready within 200 ms"), 1);
	assert_int_equal(gu_logged("was not ready in time"), 1);
	sf_group_destroy(g);
}

/* ---------------------------------------------------------- restarts */

/* b after a, b added first; a ends once b runs and restarts, ready
 * 200 ms after its new start; b must start again only after that. */
static void restart_in_order(enum sf_strategy strategy)
{
	struct node *a = node("ER", 200), *b = node("WQ", 0);
	sf_group *g = group();
	int ia, ib;

	a->other = b;
	assert_int_equal(sf_group_set_strategy(g, strategy), 0);
	ib = add(g, "b", b, SF_READY_STARTED, SF_PERMANENT);
	ia = add(g, "a", a, SF_READY_NOTIFY, SF_PERMANENT);
	assert_int_equal(sf_group_set_after(g, ib, ia), 0);
	gu_run_expect(g, 0, SF_REASON_REQUEST, 0, "b");
	assert_int_equal(a->runs, 2);
	assert_int_equal(b->runs, 2);
	assert_true(b->start[0] >= a->ready[0]);
	assert_true(a->ready[1] - a->start[1] >= 200 * 1000000LL);
	if (b->start[1] < a->ready[1]) {
		gu_log_dump();
		fail_msg("b restarted before a was ready again");
	}
	sf_group_destroy(g);
}

static void test_restart_rest_for_one(void **state)
{
	(void)state;
	tu_watchdog(30, "rest-for-one");
	restart_in_order(SF_REST_FOR_ONE);
}

static void test_restart_one_for_all(void **state)
{
	(void)state;
	tu_watchdog(30, "one-for-all");
	restart_in_order(SF_ONE_FOR_ALL);
}

/* Under one-for-one only a restarts; b, after it, runs on. */
static void test_restart_one_for_one(void **state)
{
	struct node *a = node("EQ", 0), *b = node("W", 0);
	sf_group *g = group();
	int ia, ib;

	(void)state;
	tu_watchdog(30, "one-for-one");
	a->other = b;
	assert_int_equal(sf_group_set_strategy(g, SF_ONE_FOR_ONE), 0);
	ia = add(g, "a", a, SF_READY_NOTIFY, SF_PERMANENT);
	ib = add(g, "b", b, SF_READY_STARTED, SF_PERMANENT);
	assert_int_equal(sf_group_set_after(g, ib, ia), 0);
	gu_run_expect(g, 0, SF_REASON_REQUEST, 0, "a");
	assert_int_equal(a->runs, 2);
	assert_int_equal(b->runs, 1);
	sf_group_destroy(g);
}

/* c fails before a is ready: one-for-all restarts a and c; b, temporary
 * and still waiting for a, must still start once a is ready. */
static void test_waiting_temporary_survives_restart(void **state)
{
	struct node *a = node("R", 100), *b = node("Q", 0), *c = node("XW", 0);
	sf_group *g = group();
	int ia, ib;

	(void)state;
	tu_watchdog(30, "waiting temporary");
	assert_int_equal(sf_group_set_strategy(g, SF_ONE_FOR_ALL), 0);
	ia = add(g, "a", a, SF_READY_NOTIFY, SF_PERMANENT);
	ib = add(g, "b", b, SF_READY_STARTED, SF_TEMPORARY);
	add(g, "c", c, SF_READY_STARTED, SF_PERMANENT);
	assert_int_equal(sf_group_set_after(g, ib, ia), 0);
	gu_run_expect(g, 0, SF_REASON_REQUEST, 0, "b");
	assert_int_equal(b->runs, 1);
	assert_true(c->runs >= 2);
	assert_true(b->start[0] >= a->ready[a->runs - 1]);
	sf_group_destroy(g);
}

/* ------------------------------------------- what must not count */

static void test_stale_ready_refused(void **state)
{
	struct node *a = node("Hh", 0), *b = node("Q", 0);
	sf_group *g = group();
	int ia, ib;

	(void)state;
	tu_watchdog(30, "stale ready");
	assert_int_equal(sf_group_set_strategy(g, SF_ONE_FOR_ONE), 0);
	ia = add(g, "a", a, SF_READY_NOTIFY, SF_PERMANENT);
	ib = add(g, "b", b, SF_READY_STARTED, SF_TEMPORARY);
	assert_int_equal(sf_group_set_after(g, ib, ia), 0);
	gu_run_expect(g, 0, SF_REASON_REQUEST, 0, "b");
	assert_int_equal(a->helper_done, 1);
	assert_int_equal(a->helper_ret, -ECONNREFUSED);
	assert_int_equal(b->runs, 1);
	assert_true(b->start[0] >= a->ready[1]);
	sf_group_destroy(g);
}

static void test_foreign_uid_ignored(void **state)
{
	struct node *a = node("F", 0), *b = node("Q", 0);
	sf_group *g;
	int ia, ib;

	(void)state;
	if (geteuid() != 0) {
		skip(); /* needs another uid to send from */
		return;
	}
	tu_watchdog(30, "foreign uid");
	g = group();
	ia = add(g, "a", a, SF_READY_NOTIFY, SF_TEMPORARY);
	ib = add(g, "b", b, SF_READY_STARTED, SF_TEMPORARY);
	assert_int_equal(sf_group_set_after(g, ib, ia), 0);
	gu_run_expect(g, 0, SF_REASON_REQUEST, 0, "b");
	assert_true(b->start[0] >= a->ready[0]);
	assert_int_equal(gu_logged_at(LOG_WARNING, "from uid 65534 ignored"), 1);
	sf_group_destroy(g);
}

static void test_ready_after_stop_ignored(void **state)
{
	struct node *a = node("L", 0), *b = node("Q", 0);
	sf_group *g = group();

	(void)state;
	tu_watchdog(30, "ready after the stop");
	add(g, "a", a, SF_READY_NOTIFY, SF_TEMPORARY);
	add(g, "b", b, SF_READY_STARTED, SF_TEMPORARY);
	gu_run_expect(g, 0, SF_REASON_REQUEST, 0, "b");
	assert_true(a->late_ret == 0 || a->late_ret == -ECONNREFUSED);
	assert_int_equal(line_of("task a", "ready"), -1);
	assert_int_equal(gu_logged("every task is ready"), 0);
	sf_group_destroy(g);
}

/* ------------------------------------------------ ended dependencies */

static void test_dependency_gone_unready(void **state)
{
	struct node *a = node("0", 0), *b = node("W", 0), *c = node("W", 0);
	sf_group *g = group();
	int ia, ib;

	(void)state;
	tu_watchdog(30, "dependency gone");
	assert_int_equal(sf_group_set_strategy(g, SF_ONE_FOR_ONE), 0);
	ia = add(g, "a", a, SF_READY_NOTIFY, SF_TEMPORARY);
	ib = add(g, "b", b, SF_READY_STARTED, SF_TEMPORARY);
	add(g, "c", c, SF_READY_STARTED, SF_TEMPORARY);
	assert_int_equal(sf_group_set_after(g, ib, ia), 0);
	gu_run_expect(g, 69, SF_REASON_START_FAILED, ESRCH, "b");
	assert_int_equal(b->runs, 0);
	assert_int_equal(gu_logged("ended without being ready"), 1);
	sf_group_destroy(g);
}

static void test_dependency_done(void **state)
{
	struct node *a = node("e", 0), *b = node("Q", 0);
	sf_group *g = group();
	int ia, ib;

	(void)state;
	tu_watchdog(30, "dependency done");
	assert_int_equal(sf_group_set_strategy(g, SF_ONE_FOR_ONE), 0);
	ia = add(g, "a", a, SF_READY_NOTIFY, SF_TEMPORARY);
	ib = add(g, "b", b, SF_READY_STARTED, SF_TEMPORARY);
	assert_int_equal(sf_group_set_after(g, ib, ia), 0);
	gu_run_expect(g, 0, SF_REASON_REQUEST, 0, "b");
	assert_int_equal(b->runs, 1);
	sf_group_destroy(g);
}

/* ------------------------------------------------------------ setters */

static void test_setters(void **state)
{
	sf_group *g = group();
	int a = sf_group_add(g, "a", gu_task_wait, NULL);
	int b = sf_group_add(g, "b", gu_task_wait, NULL);
	int c = sf_group_add(g, "c", gu_task_wait, NULL);

	(void)state;
	assert_int_equal(sf_group_set_ready_mode(NULL, a, SF_READY_NOTIFY), -EINVAL);
	assert_int_equal(sf_group_set_ready_mode(g, 9, SF_READY_NOTIFY), -ENOENT);
	assert_int_equal(sf_group_set_ready_mode(g, a, (enum sf_ready)7), -EINVAL);
	assert_int_equal(sf_group_set_ready_timeout(g, a, -1), -EINVAL);
	assert_int_equal(sf_group_set_ready_timeout(g, 9, 5), -ENOENT);
	assert_int_equal(sf_group_set_after(g, a, a), -ELOOP);
	assert_int_equal(sf_group_set_after(g, a, 9), -ENOENT);
	assert_int_equal(sf_group_set_after(g, 9, a), -ENOENT);
	assert_int_equal(sf_group_set_after(g, b, a), 0);
	assert_int_equal(sf_group_set_after(g, b, a), 0); /* again: no change */
	assert_int_equal(sf_group_set_after(g, c, b), 0);
	assert_int_equal(sf_group_set_after(g, a, c), -ELOOP); /* a<-b<-c<-a */
	assert_int_equal(sf_group_set_after(g, a, b), -ELOOP);
	assert_int_equal(sf_group_set_after(g, c, a), 0);  /* no cycle */
	assert_int_equal(sf_task_ready(NULL), -EINVAL);
	sf_group_destroy(g);
}

GU_MAIN(GU_TEST(test_setters), GU_TEST(test_order_300ms),
	GU_TEST(test_order_many), GU_TEST(test_on_ready_waits_for_all),
	GU_TEST(test_ready_timeout), GU_TEST(test_restart_rest_for_one),
	GU_TEST(test_restart_one_for_all), GU_TEST(test_restart_one_for_one),
	GU_TEST(test_waiting_temporary_survives_restart),
	GU_TEST(test_stale_ready_refused), GU_TEST(test_foreign_uid_ignored),
	GU_TEST(test_ready_after_stop_ignored),
	GU_TEST(test_dependency_gone_unready), GU_TEST(test_dependency_done))
