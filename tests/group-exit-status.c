/*
 * group-exit-status.c - the exit status table, row by row, with the cause
 * sf_group_cause() reports and the task it names:
 *   SIGNAL 0; REQUEST the code modulo 256; EXITED the task's status;
 *   KILLED 128 + the signal; START_FAILED 127 / 126 (exec), 71 (a task
 *   that reports it); PARENT_DIED 0.  (71 for fork() is in
 *   group-start-failure, 70 for a scribbled page in group-teardown.)
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "grouputil.h"
#include "testutil.h"

enum act { RETURN, RAISE, REQUEST, SET, TERM_MASTER, EXEC };

struct row {
	const char *what;
	enum act act;
	int value;              /* status, signal, code, or reason for SET */
	const char *argv0;      /* EXEC: what to exec ("sh -c" if argv1) */
	const char *argv1;
	int status;
	enum sf_reason reason;
	int code;
	bool named;             /* the cause names the task "actor" */
};

static int actor(sf_task *task, void *arg)
{
	const struct row *r = arg;

	sf_task_sleep(task, 10);
	switch (r->act) {
	case RETURN:
		return r->value;
	case RAISE:
		raise(r->value);
		return 99;
	case REQUEST:
		sf_task_stop_all(task, r->value);
		break;
	case SET:
		sf_flag_set(sf_task_flag(task), (enum sf_reason)r->value, 0);
		break;
	case TERM_MASTER:
		kill(getppid(), SIGTERM);
		break;
	case EXEC:
		break;
	}
	return gu_task_wait(task, NULL);
}

static void check_row(const struct row *r)
{
	sf_group *g = gu_group();
	int id;

	printf("# %s\n", r->what);
	assert_int_equal(sf_group_add(g, "bystander", gu_task_wait, NULL), 0);
	if (r->act != EXEC)
		id = sf_group_add(g, "actor", actor, (void *)r);
	else if (r->argv1)
		id = sf_group_add_exec(g, "actor",
				       gu_argv("sh", "-c", r->argv1, (char *)NULL));
	else
		id = sf_group_add_exec(g, "actor", gu_argv(r->argv0, (char *)NULL));
	assert_int_equal(id, 1);
	gu_run_expect(g, r->status, r->reason, r->code,
		      r->named ? "actor" : NULL);
	sf_group_destroy(g);
}

static void test_exit_status_table(void **state)
{
	static const struct row rows[] = {
		{ "SIGTERM to the master", TERM_MASTER, 0, NULL, NULL,
		  0, SF_REASON_SIGNAL, SIGTERM, false },
		{ "request 7", REQUEST, 7, NULL, NULL,
		  7, SF_REASON_REQUEST, 7, true },
		{ "request 300", REQUEST, 300, NULL, NULL,
		  44, SF_REASON_REQUEST, 300, true },
		{ "request -1", REQUEST, -1, NULL, NULL,
		  255, SF_REASON_REQUEST, -1, true },
		{ "returns 0", RETURN, 0, NULL, NULL,
		  0, SF_REASON_EXITED, 0, true },
		{ "returns 3", RETURN, 3, NULL, NULL,
		  3, SF_REASON_EXITED, 3, true },
		{ "returns 255", RETURN, 255, NULL, NULL,
		  255, SF_REASON_EXITED, 255, true },
		{ "SIGKILL", RAISE, SIGKILL, NULL, NULL,
		  137, SF_REASON_KILLED, SIGKILL, true },
		{ "SIGUSR1", RAISE, SIGUSR1, NULL, NULL,
		  138, SF_REASON_KILLED, SIGUSR1, true },
		{ "exec dies of SIGALRM", EXEC, 0, NULL, "kill -ALRM $$",
		  128 + SIGALRM, SF_REASON_KILLED, SIGALRM, true },
		{ "exec exits 42", EXEC, 0, NULL, "exit 42",
		  42, SF_REASON_EXITED, 42, true },
		{ "exec of nothing", EXEC, 0, "/nonexistent/sf-nothing", NULL,
		  127, SF_REASON_START_FAILED, ENOENT, true },
		{ "exec of a directory", EXEC, 0, "/", NULL,
		  126, SF_REASON_START_FAILED, EACCES, true },
		{ "a task reports a failed start", SET,
		  SF_REASON_START_FAILED, NULL, NULL,
		  71, SF_REASON_START_FAILED, 0, true },
		{ "a task says the parent died", SET,
		  SF_REASON_PARENT_DIED, NULL, NULL,
		  0, SF_REASON_PARENT_DIED, 0, true },
	};

	tu_watchdog(60, __func__);
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		check_row(&rows[i]);
		gu_log_clear();
	}
}

GU_MAIN(GU_TEST(test_exit_status_table))
