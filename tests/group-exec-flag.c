/*
 * group-exec-flag.c - a program a task exec'd joins the group's flag:
 *   - with sf_flag_from_env() it waits for the stop, and reads its cause;
 *   - with sf_flag_stop_all() it stops the group, under every strategy,
 *     which exits with its code, the cause naming its task;
 *   - a program that tries to truncate the page gets EPERM, and the
 *     master carries on; one that scribbles over it is handled as a
 *     function task that does (the group stops, status 70);
 *   - a task whose flag is withheld has no STOPFLAG_FD (the program says
 *     so: -ENOENT), and the group goes on without it.
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

static int add_exec_flag(sf_group *g, const char *name, const char *mode,
			 const char *arg, const char *fifo)
{
	int id = sf_group_add_exec(g, name,
		gu_argv(gu_built("exec-flag"), mode, arg, fifo, (char *)NULL));

	assert_true(id >= 0);
	return id;
}

/* The waiter reads the cause the stopper set: a request, its code, and
 * the stopper's process group, which is the stopper task's pid. */
static void run_stop_all(enum sf_strategy strategy)
{
	const char *report = gu_tmp("cause"), *fifo = gu_fifo();
	char line[128], want[128];
	sf_group *g = gu_group();
	pid_t stopper;

	tu_watchdog(30, __func__);
	assert_int_equal(sf_group_set_strategy(g, strategy), 0);
	add_exec_flag(g, "waiter", "wait", report, fifo);
	add_exec_flag(g, "stopper", "stop", "7", fifo);
	gu_run_expect(g, 7, SF_REASON_REQUEST, 7, "stopper");
	{
		struct sf_cause c;

		assert_int_equal(sf_group_cause(g, &c, NULL), 0);
		stopper = c.pid;
	}
	gu_read_line(report, line, sizeof(line));
	snprintf(want, sizeof(want), "request 7 %d\n", (int)stopper);
	assert_string_equal(line, want);
	assert_true(gu_logged("stopper") > 0);
	sf_group_destroy(g);
}

static void test_stop_all_under_stop_all(void **state)
{
	run_stop_all(SF_STOP_ALL);
}

static void test_stop_all_under_one_for_one(void **state)
{
	run_stop_all(SF_ONE_FOR_ONE);
}

static void test_stop_all_under_one_for_all(void **state)
{
	run_stop_all(SF_ONE_FOR_ALL);
}

static void test_stop_all_under_rest_for_one(void **state)
{
	run_stop_all(SF_REST_FOR_ONE);
}

/* Withheld: the program finds no STOPFLAG_FD and exits 3, which under
 * SF_STOP_ALL ends the group with that status. */
static void test_withheld_flag_is_not_there(void **state)
{
	sf_group *g = gu_group();
	int id;

	tu_watchdog(30, __func__);
	id = add_exec_flag(g, "without", "wait", gu_tmp("never"), gu_fifo());
	assert_int_equal(sf_group_set_pass_flag(g, id, false), 0);
	gu_run_expect(g, 3, SF_REASON_EXITED, 3, "without");
	assert_int_equal(access(gu_tmp("never"), F_OK), -1);
	sf_group_destroy(g);
}

/* The truncater exits 0 after both attempts failed with EPERM; its end
 * stops the group as any task's does, and the master, which would have
 * died of SIGBUS on a shrunk page, reports it. */
static void test_truncate_is_refused(void **state)
{
	sf_group *g = gu_group();

	tu_watchdog(30, __func__);
	add_exec_flag(g, "truncater", "truncate", "-", "-");
	gu_run_expect(g, 0, SF_REASON_EXITED, 0, "truncater");
	sf_group_destroy(g);
}

/* Garbage everywhere: a set with a cause that makes no sense (reason
 * 255, code -1), which the master reports as such; the other task gets
 * its stop signal. */
static void test_scribbler_is_handled(void **state)
{
	sf_group *g = gu_group();

	tu_watchdog(30, __func__);
	add_exec_flag(g, "scribbler", "scribble", "-", "-");
	assert_int_equal(sf_group_add_exec(g, "sleeper",
		gu_argv("sleep", "1000", (char *)NULL)), 1);
	gu_run_expect(g, 70, (enum sf_reason)255, -1, NULL);
	sf_group_destroy(g);
}

static void test_pass_flag_bad_arguments(void **state)
{
	sf_group *g = gu_group();

	assert_int_equal(sf_group_set_pass_flag(NULL, 0, false), -EINVAL);
	assert_int_equal(sf_group_set_pass_flag(g, 0, false), -ENOENT);
	assert_int_equal(sf_group_add(g, "fn", gu_task_wait, NULL), 0);
	assert_int_equal(sf_group_set_pass_flag(g, 0, false), -EINVAL);
	assert_int_equal(sf_group_set_pass_flag(g, -1, true), -ENOENT);
	sf_group_destroy(g);
}

GU_MAIN(GU_TEST(test_stop_all_under_stop_all),
	GU_TEST(test_stop_all_under_one_for_one),
	GU_TEST(test_stop_all_under_one_for_all),
	GU_TEST(test_stop_all_under_rest_for_one),
	GU_TEST(test_withheld_flag_is_not_there),
	GU_TEST(test_truncate_is_refused),
	GU_TEST(test_scribbler_is_handled),
	GU_TEST(test_pass_flag_bad_arguments))
