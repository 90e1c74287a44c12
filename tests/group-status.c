/*
 * group-status.c - each task's state as the master reads it
 * (sf_group_task_status()) and the state hook (sf_group_set_state_hook()):
 *   - the table from the supervisor's states to the public ones, row by
 *     row, READY included (white box: a task that said it is ready);
 *   - the hook sees the truth through a whole run: started (pids, no
 *     restarts, a start time), the stop (its cause readable there), the
 *     ends, the last call with the group stopped;
 *   - no call without a change;
 *   - a restart shows as RESTARTING while siblings are cycled, then a new
 *     pid, one more restart and a later start time;
 *   - a task that never started is EXITED once the group stops;
 *   - with a keeper the hook runs in the forked master;
 *   - bad arguments, and the names.
 * A running task is UP, or READY where readiness says it is (a task in
 * the default mode is ready once started): both count as "running" here.
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

#include "group.h"
#include "grouputil.h"
#include "testutil.h"

#define MAX_TASKS 4
#define MAX_SNAPS 64

/* What the hook saw in one call. */
struct snap {
	pid_t caller;
	int group;
	int cause_ret;
	enum sf_reason reason;
	struct sf_task_status t[MAX_TASKS];
};

/* Shared with a forked master (the keeper test). */
struct seen {
	int n, ntasks, overflow;
	struct snap s[MAX_SNAPS];
};

/* The hook's context: where it writes, and when to stop the group;
 * restarting, if not NULL, is set once the hook has seen a task
 * RESTARTING. */
struct watch {
	struct seen *seen;
	sf_group *g;
	bool (*stop_when)(const struct snap *s, int ntasks);
	sf_flag *restarting;
};

static bool running(enum sf_task_state st)
{
	return st == SF_TASK_UP || st == SF_TASK_READY;
}

static void on_change(void *ctx, const sf_group *g)
{
	struct watch *w = ctx;
	struct seen *seen = w->seen;
	struct snap *s;
	struct sf_cause cause;

	if (seen->n == MAX_SNAPS) {
		seen->overflow = 1;
		return;
	}
	s = &seen->s[seen->n];
	s->caller = getpid();
	s->group = sf_group_state(g);
	s->cause_ret = sf_group_cause(g, &cause, NULL);
	s->reason = s->cause_ret == 0 ? cause.reason : SF_REASON_NONE;
	seen->ntasks = sf_group_task_count(g);
	for (int i = 0; i < seen->ntasks && i < MAX_TASKS; i++) {
		assert_int_equal(sf_group_task_status(g, i, &s->t[i]), 0);
		if (w->restarting && s->t[i].state == SF_TASK_RESTARTING)
			sf_flag_set(w->restarting, SF_REASON_REQUEST, 0);
	}
	seen->n++;
	if (s->group == SF_GROUP_RUNNING && w->stop_when &&
	    w->stop_when(s, seen->ntasks))
		sf_flag_set(sf_group_flag(w->g), SF_REASON_REQUEST, 7);
}

static struct watch *watch(sf_group *g,
			   bool (*stop_when)(const struct snap *, int))
{
	struct watch *w = gu_shared(sizeof(*w));

	w->seen = gu_shared(sizeof(*w->seen));
	w->g = g;
	w->stop_when = stop_when;
	assert_int_equal(sf_group_set_state_hook(g, on_change, w), 0);
	return w;
}

static void dump(const struct seen *seen)
{
	for (int i = 0; i < seen->n; i++) {
		const struct snap *s = &seen->s[i];

		printf("# call %d: group %s", i, sf_group_state_name(s->group));
		for (int j = 0; j < seen->ntasks && j < MAX_TASKS; j++)
			printf(", %s %s pid %d restarts %ld", s->t[j].name,
			       sf_task_state_name(s->t[j].state),
			       (int)s->t[j].pid, s->t[j].restarts);
		printf("\n");
	}
}

static bool same(const struct snap *a, const struct snap *b, int n)
{
	if (a->group != b->group)
		return false;
	for (int i = 0; i < n; i++)
		if (a->t[i].state != b->t[i].state || a->t[i].pid != b->t[i].pid)
			return false;
	return true;
}

/* Every call follows a change; the last one is the group stopped, every
 * task exited, no process. */
static void check_calls(const struct seen *seen)
{
	const struct snap *last = &seen->s[seen->n - 1];

	assert_false(seen->overflow);
	assert_true(seen->n >= 2);
	for (int i = 1; i < seen->n; i++)
		if (same(&seen->s[i - 1], &seen->s[i], seen->ntasks)) {
			dump(seen);
			fail_msg("call %d changed nothing", i);
		}
	assert_int_equal(last->group, SF_GROUP_STOPPED);
	for (int i = 0; i < seen->ntasks; i++) {
		assert_int_equal(last->t[i].state, SF_TASK_EXITED);
		assert_int_equal(last->t[i].pid, 0);
		assert_int_equal(last->t[i].started_ns, 0);
	}
}

/* At the stop's first call: sent its stop signal, with the pid it had,
 * or already ended (and reaped) on its own. */
static void stopping_or_ended(const struct sf_task_status *t, pid_t pid)
{
	if (t->state == SF_TASK_STOPPING) {
		assert_int_equal(t->pid, pid);
		return;
	}
	assert_int_equal(t->state, SF_TASK_EXITED);
	assert_int_equal(t->pid, 0);
}

static bool all_running(const struct snap *s, int ntasks)
{
	for (int i = 0; i < ntasks; i++)
		if (!running(s->t[i].state))
			return false;
	return true;
}

/* ------------------------------------------------------- the table */

/* Each row of status.c's table, on records built by hand. */
static void test_table(void **state)
{
	struct sf_task t = { .name = "t" };
	struct sf_task *tasks[] = { &t };
	sf_group g = { .tasks = tasks, .ntasks = 1, .phase = SF__STARTING };
	struct sf_task_status st;

	assert_int_equal(sf__task_state(&g, &t), SF_TASK_STARTING);
	g.phase = SF__RUNNING; /* an `after` task waits to be started */
	assert_int_equal(sf__task_state(&g, &t), SF_TASK_STARTING);
	t.state = SF__UP;
	t.pid = 1234;
	t.starts = 1;
	t.started_ns = 5;
	assert_int_equal(sf__task_state(&g, &t), SF_TASK_UP);
	t.ready = true;
	assert_int_equal(sf__task_state(&g, &t), SF_TASK_READY);
	assert_int_equal(sf_group_task_status(&g, 0, &st), 0);
	assert_string_equal(st.name, "t");
	assert_int_equal(st.pid, 1234);
	assert_int_equal(st.state, SF_TASK_READY);
	assert_int_equal(st.restarts, 0);
	assert_int_equal(st.started_ns, 5);
	t.state = SF__CYCLING; /* ready no more while it is cycled */
	assert_int_equal(sf__task_state(&g, &t), SF_TASK_RESTARTING);
	t.state = SF__DOWN;
	t.pid = 0;
	t.ready = false;
	t.rerun = true;
	assert_int_equal(sf__task_state(&g, &t), SF_TASK_RESTARTING);
	assert_int_equal(sf_group_task_status(&g, 0, &st), 0);
	assert_int_equal(st.started_ns, 0); /* no process, no start time */
	t.rerun = false;
	assert_int_equal(sf__task_state(&g, &t), SF_TASK_EXITED);
	t.state = SF__UP;
	t.pid = 1235;
	t.starts = 3;
	assert_int_equal(sf_group_task_status(&g, 0, &st), 0);
	assert_int_equal(st.restarts, 2);
	assert_int_equal(st.state, sf__task_state(&g, &t));
	g.phase = SF__ENDING;
	t.state = SF__STOPPING;
	t.ready = true; /* told before the stop: stopping all the same */
	assert_int_equal(sf__task_state(&g, &t), SF_TASK_STOPPING);
	t.state = SF__DOWN;
	t.starts = 0; /* never ran, and never will */
	assert_int_equal(sf__task_state(&g, &t), SF_TASK_EXITED);
	assert_int_equal(sf_group_state(&g), SF_GROUP_STOPPING);
}

/* -------------------------------------------------------- whole runs */

static void test_a_run(void **state)
{
	sf_group *g = gu_group();
	struct watch *w = watch(g, all_running);
	const struct seen *seen = w->seen;
	int64_t before = tu_now_ns();
	int stopping = 0;

	tu_watchdog(20, __func__);
	assert_true(sf_group_add(g, "a", gu_task_wait, NULL) == 0);
	assert_true(sf_group_add(g, "b", gu_task_wait, NULL) == 1);
	gu_run_expect(g, 7, SF_REASON_REQUEST, 7, NULL);
	check_calls(seen);
	/* the first call: both started, before any stop */
	assert_int_equal(seen->s[0].group, SF_GROUP_RUNNING);
	assert_int_equal(seen->s[0].cause_ret, -EAGAIN);
	for (int i = 0; i < 2; i++) {
		const struct sf_task_status *t = &seen->s[0].t[i];

		assert_true(running(t->state));
		assert_true(t->pid > 0);
		assert_int_equal(t->restarts, 0);
		assert_true(t->started_ns >= before);
		assert_true(t->started_ns <= tu_now_ns());
	}
	assert_string_equal(seen->s[0].t[1].name, "b");
	/* the stop: its cause is there; each task was sent its stop signal,
	 * or had already ended, seeing the flag before the master did */
	for (int i = 1; i < seen->n && !stopping; i++)
		if (seen->s[i].group == SF_GROUP_STOPPING)
			stopping = i;
	assert_true(stopping > 0);
	assert_int_equal(seen->s[stopping].cause_ret, 0);
	assert_int_equal(seen->s[stopping].reason, SF_REASON_REQUEST);
	for (int i = 0; i < 2; i++)
		stopping_or_ended(&seen->s[stopping].t[i], seen->s[0].t[i].pid);
	for (int i = stopping; i < seen->n - 1; i++)
		assert_int_equal(seen->s[i].group, SF_GROUP_STOPPING);
	assert_int_equal(seen->s[0].caller, getpid());
	/* and after the run */
	assert_int_equal(sf_group_state(g), SF_GROUP_STOPPED);
	sf_group_destroy(g);
}

/* A task that ends at once on its first two runs, then waits. */
static int flaky(sf_task *task, void *arg)
{
	int *runs = arg;

	if (__atomic_add_fetch(runs, 1, __ATOMIC_SEQ_CST) <= 2)
		return 1;
	return gu_task_wait(task, NULL);
}

static bool restarted_twice(const struct snap *s, int ntasks)
{
	return running(s->t[0].state) && s->t[0].restarts == 2 &&
	       all_running(s, ntasks);
}

/* `other`: stopped, it ends only once the hook has seen a task
 * RESTARTING (arg, a flag forked with it), or when its grace runs out.
 * Without this its end could fall in the very wakeup of the master that
 * cycled it (a slow master, a quick task on the other CPU), and the hook,
 * called once a wakeup, would see it running again and never
 * restarting. */
static int lingering(sf_task *task, void *arg)
{
	gu_task_wait(task, NULL);
	return sf_flag_wait(arg, -1) < 0;
}

/* flaky's first two processes may end before the hook first looks, and
 * its end and restart may fall in one wakeup of the master; `other`
 * ends only after the hook saw it RESTARTING (lingering()), so the hook
 * sees the cycle at least once of the two. */
static void test_restarts(void **state)
{
	sf_group *g = gu_group();
	struct watch *w = watch(g, restarted_twice);
	const struct seen *seen = w->seen;
	int *runs = gu_shared(sizeof(*runs));
	pid_t last_pid = 0;
	long last_restarts = -1;
	int64_t last_start = 0;
	int cycled = 0;

	tu_watchdog(20, __func__);
	assert_int_equal(sf_group_set_strategy(g, SF_ONE_FOR_ALL), 0);
	assert_int_equal(sf_flag_create(&w->restarting), 0);
	assert_int_equal(sf_group_add(g, "flaky", flaky, runs), 0);
	assert_int_equal(sf_group_add(g, "other", lingering, w->restarting),
			 1);
	assert_int_equal(sf_group_set_restart(g, 0, SF_PERMANENT), 0);
	assert_int_equal(sf_group_set_restart(g, 1, SF_PERMANENT), 0);
	gu_run_expect(g, 7, SF_REASON_REQUEST, 7, NULL);
	check_calls(seen);
	for (int i = 0; i < seen->n; i++) {
		const struct snap *s = &seen->s[i];
		const struct sf_task_status *f = &s->t[0];

		/* while `other` is cycled, both are restarting */
		if (s->t[1].state == SF_TASK_RESTARTING) {
			cycled++;
			assert_int_equal(f->state, SF_TASK_RESTARTING);
		}
		if (!running(f->state) || f->pid == last_pid)
			continue;
		/* a new process: more restarts, a later start */
		if (f->restarts <= last_restarts || f->started_ns <= last_start) {
			dump(seen);
			fail_msg("call %d: a new pid of flaky, but restarts %ld "
				 "after %ld", i, f->restarts, last_restarts);
		}
		last_pid = f->pid;
		last_restarts = f->restarts;
		last_start = f->started_ns;
	}
	if (last_restarts != 2 || cycled < 1) {
		dump(seen);
		fail_msg("flaky last seen with %ld restarts, %d calls with "
			 "other restarting; want 2 and at least 1",
			 last_restarts, cycled);
	}
	assert_int_equal(*runs, 3);
	sf_flag_destroy(w->restarting);
	sf_group_destroy(g);
}

/* A start that fails: the task after it never runs, and is EXITED. */
static void test_never_started(void **state)
{
	sf_group *g = gu_group();
	struct watch *w = watch(g, NULL);
	const struct seen *seen = w->seen;
	const struct snap *s;

	tu_watchdog(20, __func__);
	assert_int_equal(sf_group_add(g, "a", gu_task_wait, NULL), 0);
	assert_int_equal(sf_group_add_exec(g, "missing",
			 gu_argv("/nonexistent/stopflag-test", (char *)NULL)), 1);
	assert_int_equal(sf_group_add(g, "c", gu_task_wait, NULL), 2);
	gu_run_expect(g, 127, SF_REASON_START_FAILED, ENOENT, "missing");
	check_calls(seen);
	s = &seen->s[0]; /* the stop is the first change told */
	assert_int_equal(s->group, SF_GROUP_STOPPING);
	assert_int_equal(s->reason, SF_REASON_START_FAILED);
	assert_true(s->t[0].state == SF_TASK_STOPPING ||
		    s->t[0].state == SF_TASK_EXITED);
	assert_int_equal(s->t[1].state, SF_TASK_EXITED);
	assert_int_equal(s->t[2].state, SF_TASK_EXITED);
	assert_int_equal(s->t[2].pid, 0);
	sf_group_destroy(g);
}

/* With a keeper, the hook runs in the master, a child of the caller. */
static void test_keeper(void **state)
{
	sf_group *g = gu_group();
	struct watch *w = watch(g, all_running);
	const struct seen *seen = w->seen;
	struct sf_task_status st;

	tu_watchdog(20, __func__);
	assert_int_equal(sf_group_set_keeper(g, true), 0);
	assert_int_equal(sf_group_add(g, "a", gu_task_wait, NULL), 0);
	assert_int_equal(sf_group_state(g), SF_GROUP_NEW);
	assert_int_equal(sf_group_task_status(g, 0, &st), 0);
	assert_int_equal(st.state, SF_TASK_STARTING);
	gu_run_expect(g, 7, SF_REASON_REQUEST, 7, NULL);
	check_calls(seen);
	assert_true(seen->s[0].caller != getpid());
	assert_int_equal(seen->s[0].group, SF_GROUP_RUNNING);
	assert_int_equal(sf_group_state(g), SF_GROUP_STOPPED);
	assert_int_equal(sf_group_task_status(g, 0, &st), 0);
	assert_int_equal(st.state, SF_TASK_EXITED);
	assert_int_equal(st.pid, 0);
	sf_group_destroy(g);
}

/* ------------------------------------------------------ bad arguments */

static void test_badargs(void **state)
{
	sf_group *g = gu_group();
	struct sf_task_status st;
	struct sf_cause cause;

	assert_int_equal(sf_group_state(NULL), -EINVAL);
	assert_int_equal(sf_group_task_count(NULL), -EINVAL);
	assert_int_equal(sf_group_task_status(NULL, 0, &st), -EINVAL);
	assert_int_equal(sf_group_set_state_hook(NULL, on_change, NULL),
			 -EINVAL);
	assert_int_equal(sf_group_task_count(g), 0);
	assert_int_equal(sf_group_task_status(g, 0, &st), -ENOENT);
	assert_int_equal(sf_group_add(g, "a", gu_task_exit, NULL), 0);
	assert_int_equal(sf_group_task_count(g), 1);
	assert_int_equal(sf_group_task_status(g, 0, NULL), -EINVAL);
	assert_int_equal(sf_group_task_status(g, 1, &st), -ENOENT);
	assert_int_equal(sf_group_task_status(g, -1, &st), -ENOENT);
	assert_int_equal(sf_group_cause(g, &cause, NULL), -EAGAIN);
	assert_int_equal(sf_group_task_status(g, 0, &st), 0);
	assert_int_equal(st.state, SF_TASK_STARTING);
	assert_int_equal(st.pid, 0);
	tu_watchdog(20, __func__);
	gu_run_expect(g, 0, SF_REASON_EXITED, 0, "a");
	assert_int_equal(sf_group_set_state_hook(g, on_change, NULL), -EBUSY);
	sf_group_destroy(g);
}

static void test_names(void **state)
{
	static const char *const tasks[] = { "starting", "up", "ready",
		"stopping", "restarting", "exited" };
	static const char *const groups[] = { "new", "starting", "running",
		"stopping", "stopped" };

	for (int i = 0; i < 6; i++)
		assert_string_equal(sf_task_state_name(i), tasks[i]);
	for (int i = 0; i < 5; i++)
		assert_string_equal(sf_group_state_name(i), groups[i]);
	assert_string_equal(sf_task_state_name(6), "unknown");
	assert_string_equal(sf_task_state_name(-1), "unknown");
	assert_string_equal(sf_group_state_name(5), "unknown");
}

GU_MAIN(GU_TEST(test_table), GU_TEST(test_a_run), GU_TEST(test_restarts),
	GU_TEST(test_never_started), GU_TEST(test_keeper),
	GU_TEST(test_badargs), GU_TEST(test_names))
