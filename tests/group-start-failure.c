/*
 * group-start-failure.c - a task that cannot be started stops the group:
 * reason START_FAILED with the errno, the tasks already started are
 * stopped and reaped, the later ones never start, on_ready is not called,
 * and the exit status is 127 for a missing binary, 126 for one that
 * cannot be run, 71 for a failed fork() (under RLIMIT_NPROC, as a user
 * that the limit binds: root is exempt from it).
 */
#include <errno.h>
#include <grp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "grouputil.h"
#include "testutil.h"

static int ready_calls;

static void count_ready(void *ctx)
{
	ready_calls++;
}

/* waiter, then the bad exec task, then one that must never start. */
static sf_group *group_with(char **bad_argv)
{
	sf_group *g = gu_group();

	ready_calls = 0;
	assert_int_equal(sf_group_add(g, "waiter", gu_task_wait, NULL), 0);
	assert_int_equal(sf_group_add_exec(g, "bad", bad_argv), 1);
	assert_int_equal(sf_group_add(g, "never", gu_task_wait, NULL), 2);
	assert_int_equal(sf_group_set_hooks(g, count_ready, NULL, NULL), 0);
	return g;
}

static void expect_start_failed(sf_group *g, int status, int err)
{
	gu_run_expect(g, status, SF_REASON_START_FAILED, err, "bad");
	assert_int_equal(ready_calls, 0);
	assert_int_equal(gu_logged("task waiter (pid"), 2); /* started, ended */
	assert_int_equal(gu_logged("task never"), 0);
	assert_int_equal(gu_logged("task bad: cannot start: exec: "), 1);
	sf_group_destroy(g);
	gu_log_clear();
}

static void test_missing_binary_is_127(void **state)
{
	tu_watchdog(20, __func__);
	expect_start_failed(group_with(gu_argv("/nonexistent/sf-no-such-binary",
					       (char *)NULL)), 127, ENOENT);
	/* and searched in PATH */
	expect_start_failed(group_with(gu_argv("sf-no-such-binary-in-path",
					       (char *)NULL)), 127, ENOENT);
}

static void test_cannot_run_is_126(void **state)
{
	const char *plain = gu_tmp("not-executable");
	FILE *f = fopen(plain, "w");

	tu_watchdog(20, __func__);
	assert_non_null(f);
	fputs("#!/bin/sh\nexit 0\n", f);
	fclose(f);
	assert_int_equal(chmod(plain, 0644), 0);
	expect_start_failed(group_with(gu_argv(plain, (char *)NULL)), 126, EACCES);
	/* a directory */
	expect_start_failed(group_with(gu_argv("/", (char *)NULL)), 126, EACCES);
}

/* An argv of arg0 and n more words, more than the child's stack on the
 * master's holds (spawn.c): it gets a stack mapped for it. */
#define LONG_ARGC 9000

static char **long_argv(const char *arg0)
{
	static char word[] = "w";
	char **argv = calloc(LONG_ARGC + 2, sizeof(char *));

	assert_non_null(argv);
	argv[0] = (char *)arg0;
	for (int i = 1; i <= LONG_ARGC; i++)
		argv[i] = word;
	return argv;
}

/* The error comes back from the mapped stack too; and a script with no
 * #! line, which execvpe() hands to /bin/sh with a copy of the whole argv
 * on the child's stack, runs. */
static void test_long_command_line(void **state)
{
	const char *script = gu_tmp("no-shebang");
	char **missing = long_argv("/nonexistent/sf-no-such-binary");
	char **argv = long_argv(script);
	FILE *f = fopen(script, "w");
	sf_group *g = gu_group();

	tu_watchdog(20, __func__);
	expect_start_failed(group_with(missing), 127, ENOENT);
	assert_non_null(f);
	fputs("exit 7\n", f);
	fclose(f);
	assert_int_equal(chmod(script, 0755), 0);
	assert_int_equal(sf_group_add_exec(g, "long", argv), 0);
	gu_run_expect(g, 7, SF_REASON_EXITED, 7, "long");
	sf_group_destroy(g);
	free(argv);
	free(missing);
}

/* In a child of ours: become a user that RLIMIT_NPROC binds, allow it two
 * processes (this one and the first task), and run a group of three. */
static int fork_fails_under_rlimit(void)
{
	uid_t uid = (uid_t)(40000 + getpid() % 20000);
	struct rlimit two = { 2, 2 };
	struct sf_cause cause;
	const char *name = NULL;
	sf_group *g;
	int status;

	if (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0)
		return 10;
	if (setrlimit(RLIMIT_NPROC, &two) < 0)
		return 11;
	if (sf_group_create(&g) < 0 ||
	    sf_group_add(g, "first", gu_task_wait, NULL) != 0 ||
	    sf_group_add(g, "second", gu_task_wait, NULL) != 1 ||
	    sf_group_add(g, "third", gu_task_wait, NULL) != 2 ||
	    sf_group_set_log(g, gu_log, NULL) < 0)
		return 12;
	status = sf_group_run(g);
	if (status != 71)
		return 13;
	if (sf_group_cause(g, &cause, &name) < 0 ||
	    cause.reason != SF_REASON_START_FAILED || cause.code != EAGAIN ||
	    !name || strcmp(name, "second") != 0)
		return 14;
	if (gu_logged("task second: cannot start: fork: ") != 1 ||
	    gu_logged("task first (pid") != 2 || gu_logged("task third") != 0)
		return 15;
	sf_group_destroy(g);
	return 0;
}

static void test_fork_failure_is_71(void **state)
{
	pid_t pid;
	int st;

	tu_watchdog(20, __func__);
	pid = tu_fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fork_fails_under_rlimit());
	st = tu_wait(pid);
	if (st != 0)
		fail_msg("the child says %d (see fork_fails_under_rlimit)",
			 WEXITSTATUS(st));
}

/* A task that reports a failed start itself (START_FAILED, its errno). */
static int reports_failure(sf_task *task, void *arg)
{
	sf_flag_set(sf_task_flag(task), SF_REASON_START_FAILED, ENOSPC);
	return 1;
}

static void test_task_reported_start_failure_is_71(void **state)
{
	sf_group *g = gu_group();

	tu_watchdog(20, __func__);
	assert_int_equal(sf_group_add(g, "waiter", gu_task_wait, NULL), 0);
	assert_int_equal(sf_group_add(g, "reporter", reports_failure, NULL), 1);
	gu_run_expect(g, 71, SF_REASON_START_FAILED, ENOSPC, "reporter");
	sf_group_destroy(g);
}

GU_MAIN(
	GU_TEST(test_missing_binary_is_127),
	GU_TEST(test_cannot_run_is_126),
	GU_TEST(test_long_command_line),
	GU_TEST(test_fork_failure_is_71),
	GU_TEST(test_task_reported_start_failure_is_71)
)
