/*
 * group-badargs.c - every function of the group and task API refuses bad
 * arguments with a clear error, and nothing else changes: NULL pointers,
 * empty, duplicate or multi-line names, empty argv, unknown task ids,
 * values out of range, signals that cannot stop a task, settings after
 * the run, a second run, a cause asked too early.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "grouputil.h"
#include "testutil.h"

static void noop_log(void *ctx, int priority, const char *msg)
{
}

/* Every call that changes a group, with good arguments otherwise: each
 * must return want. */
static void every_change(sf_group *g, int want)
{
	char **argv = gu_argv("true", (char *)NULL);

	assert_int_equal(sf_group_add(g, "new", gu_task_wait, NULL), want);
	assert_int_equal(sf_group_add_exec(g, "new-exec", argv), want);
	assert_int_equal(sf_group_set_option(g, 0, "k", "v"), want);
	assert_int_equal(sf_group_set_grace(g, 1), want);
	assert_int_equal(sf_group_set_strategy(g, SF_ONE_FOR_ONE), want);
	assert_int_equal(sf_group_set_intensity(g, 1, 1), want);
	assert_int_equal(sf_group_set_restart(g, 0, SF_PERMANENT), want);
	assert_int_equal(sf_group_set_stop_signal(g, 0, SIGINT), want);
	assert_int_equal(sf_group_set_log(g, noop_log, NULL), want);
	assert_int_equal(sf_group_set_hooks(g, NULL, NULL, NULL), want);
	assert_int_equal(sf_group_run(g), want);
}

static void test_null_group(void **state)
{
	struct sf_cause cause;

	assert_int_equal(sf_group_create(NULL), -EINVAL);
	sf_group_destroy(NULL);
	every_change(NULL, -EINVAL);
	assert_int_equal(sf_group_cause(NULL, &cause, NULL), -EINVAL);
	assert_null(sf_group_flag(NULL));
}

static void test_bad_tasks(void **state)
{
	char **argv = gu_argv("true", (char *)NULL);
	char *empty_argv[] = { NULL };
	char *blank_argv[] = { gu_argv("", (char *)NULL)[0], NULL };
	sf_group *g = gu_group();

	assert_int_equal(sf_group_add(g, NULL, gu_task_wait, NULL), -EINVAL);
	assert_int_equal(sf_group_add(g, "", gu_task_wait, NULL), -EINVAL);
	assert_int_equal(sf_group_add(g, "two\nlines", gu_task_wait, NULL), -EINVAL);
	assert_int_equal(sf_group_add(g, "tab\there", gu_task_wait, NULL), -EINVAL);
	assert_int_equal(sf_group_add(g, "del\x7f", gu_task_wait, NULL), -EINVAL);
	assert_int_equal(sf_group_add(g, "a", NULL, NULL), -EINVAL);
	assert_int_equal(sf_group_add_exec(g, "e", NULL), -EINVAL);
	assert_int_equal(sf_group_add_exec(g, "e", empty_argv), -EINVAL);
	assert_int_equal(sf_group_add_exec(g, "e", blank_argv), -EINVAL);
	assert_int_equal(sf_group_add_exec(g, NULL, argv), -EINVAL);
	/* none of those made a task: ids still start at 0 */
	assert_int_equal(sf_group_add(g, "a", gu_task_wait, NULL), 0);
	assert_int_equal(sf_group_add(g, "a", gu_task_wait, NULL), -EEXIST);
	assert_int_equal(sf_group_add_exec(g, "a", argv), -EEXIST);
	assert_int_equal(sf_group_add_exec(g, "e", argv), 1);
	sf_group_destroy(g);
}

static void test_bad_settings(void **state)
{
	sf_group *g = gu_group();
	struct sf_cause cause;

	assert_int_equal(sf_group_add(g, "a", gu_task_wait, NULL), 0);
	assert_int_equal(sf_group_set_grace(g, -1), -EINVAL);
	assert_int_equal(sf_group_set_grace(g, 0), 0);
	assert_int_equal(sf_group_set_strategy(g, (enum sf_strategy)-1), -EINVAL);
	assert_int_equal(sf_group_set_strategy(g, (enum sf_strategy)4), -EINVAL);
	assert_int_equal(sf_group_set_intensity(g, -1, 1000), -EINVAL);
	assert_int_equal(sf_group_set_intensity(g, 10001, 1000), -EINVAL);
	assert_int_equal(sf_group_set_intensity(g, 1, 0), -EINVAL);
	assert_int_equal(sf_group_set_intensity(g, 1, -5), -EINVAL);
	assert_int_equal(sf_group_set_intensity(g, 10000, 1), 0);
	assert_int_equal(sf_group_set_restart(g, 1, SF_PERMANENT), -ENOENT);
	assert_int_equal(sf_group_set_restart(g, -1, SF_PERMANENT), -ENOENT);
	assert_int_equal(sf_group_set_restart(g, 0, (enum sf_restart)3), -EINVAL);
	assert_int_equal(sf_group_set_restart(g, 0, (enum sf_restart)-1), -EINVAL);
	assert_int_equal(sf_group_set_option(g, 1, "k", "v"), -ENOENT);
	assert_int_equal(sf_group_set_option(g, 0, NULL, "v"), -EINVAL);
	assert_int_equal(sf_group_set_option(g, 0, "", "v"), -EINVAL);
	assert_int_equal(sf_group_set_option(g, 0, "k", NULL), -EINVAL);
	assert_int_equal(sf_group_set_option(g, 0, "k", "v"), 0);
	assert_int_equal(sf_group_set_option(g, 0, "k", "w"), 0);
	assert_int_equal(sf_group_cause(g, NULL, NULL), -EINVAL);
	assert_int_equal(sf_group_cause(g, &cause, NULL), -EAGAIN);
	sf_group_destroy(g);
}

static void test_bad_stop_signals(void **state)
{
	static const int bad[] = {
		0, -1, SIGKILL, SIGSTOP, SIGCHLD, SIGCONT, SIGURG, SIGWINCH,
		SIGTSTP, SIGTTIN, SIGTTOU, 32, 33, 65, 1000,
	};
	static const int good[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGALRM };
	sf_group *g = gu_group();

	assert_int_equal(sf_group_add(g, "a", gu_task_wait, NULL), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (sf_group_set_stop_signal(g, 0, bad[i]) != -EINVAL)
			fail_msg("stop signal %d was taken", bad[i]);
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		assert_int_equal(sf_group_set_stop_signal(g, 0, good[i]), 0);
	assert_int_equal(sf_group_set_stop_signal(g, 0, SIGRTMIN), 0);
	assert_int_equal(sf_group_set_stop_signal(g, 1, SIGTERM), -ENOENT);
	sf_group_destroy(g);
}

static void test_no_tasks_no_run(void **state)
{
	sf_group *g = gu_group();

	assert_int_equal(sf_group_run(g), -EINVAL);
	/* and it can still be given tasks and run */
	assert_int_equal(sf_group_add(g, "a", gu_task_exit, (void *)2), 0);
	assert_int_equal(sf_group_run(g), 2);
	sf_group_destroy(g);
}

/* After the run: no more changes, no second run. */
static void test_busy_after_run(void **state)
{
	sf_group *g = gu_group();
	struct sf_cause cause;

	tu_watchdog(20, __func__);
	assert_int_equal(sf_group_add(g, "a", gu_task_exit, NULL), 0);
	assert_int_equal(sf_group_run(g), 0);
	assert_int_equal(sf_group_cause(g, &cause, NULL), 0);
	every_change(g, -EBUSY);
	sf_group_destroy(g);
}

static void test_null_task(void **state)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };

	assert_true(sf_task_should_stop(NULL));
	assert_int_equal(sf_task_sleep(NULL, 1), -EINVAL);
	assert_int_equal(sf_task_wait(NULL, 1), -EINVAL);
	assert_int_equal(sf_task_poll(NULL, &pfd, 1, 1), -EINVAL);
	assert_int_equal(sf_task_stop_all(NULL, 1), -EINVAL);
	assert_null(sf_task_name(NULL));
	assert_null(sf_task_option(NULL, "k"));
	assert_null(sf_task_flag(NULL));
}

/* Inside a task: bad arguments to its own calls, and its options. */
static int bad_calls(sf_task *task, void *arg)
{
	int bad = 0;

	if (sf_task_sleep(task, -1) != -EINVAL)
		bad |= 1;
	if (sf_task_poll(task, NULL, 1, 0) != -EINVAL)
		bad |= 2;
	if (sf_task_poll(task, NULL, 0, 0) != -ETIMEDOUT)
		bad |= 4;
	if (sf_task_option(task, NULL) != NULL)
		bad |= 8;
	if (sf_task_option(task, "missing") != NULL)
		bad |= 16;
	if (!sf_task_option(task, "k") || sf_task_option(task, "k")[0] != 'w')
		bad |= 32;
	if (!sf_task_option(task, "x") || sf_task_option(task, "x")[0] != 'y')
		bad |= 64;
	return bad;
}

static void test_bad_calls_in_a_task(void **state)
{
	sf_group *g = gu_group();

	tu_watchdog(20, __func__);
	assert_int_equal(sf_group_add(g, "t", bad_calls, NULL), 0);
	assert_int_equal(sf_group_set_option(g, 0, "k", "v"), 0);
	assert_int_equal(sf_group_set_option(g, 0, "x", "y"), 0);
	assert_int_equal(sf_group_set_option(g, 0, "k", "w"), 0);
	assert_int_equal(sf_group_run(g), 0);
	sf_group_destroy(g);
}

GU_MAIN(
	GU_TEST(test_null_group),
	GU_TEST(test_bad_tasks),
	GU_TEST(test_bad_settings),
	GU_TEST(test_bad_stop_signals),
	GU_TEST(test_no_tasks_no_run),
	GU_TEST(test_busy_after_run),
	GU_TEST(test_null_task),
	GU_TEST(test_bad_calls_in_a_task)
)
