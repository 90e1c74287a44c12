/*
 * grouputil.h - what the group tests share: the no-leftovers check run
 * after every test, a log sink to look at what the group logged, process
 * listings, and tasks many tests use.
 */
#ifndef SF_GROUPUTIL_H
#define SF_GROUPUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "stopflag.h"

/* Make the test process a child subreaper, so that whatever a test leaves
 * behind comes back to it, and stdout line-buffered.  Call once, first
 * thing in main() (GU_MAIN does). */
void gu_init(void);

/* cmocka setup/teardown: the log is emptied before each test; after it,
 * the test fails if anything was left for the test process to reap or is
 * still alive (it is killed and reaped then, so the next test starts
 * clean), or if the group logged an internal error (LOG_CRIT). */
int gu_setup(void **state);
int gu_teardown(void **state);

/* A group that logs to the sink below. */
sf_group *gu_group(void);

/* Run g: the exit status, the cause's reason and code (GU_ANY: any), and
 * the task the cause names (NULL: none) must be as given; if not, the
 * log is shown and the test fails. */
#define GU_ANY (-2147483647 - 1)
void gu_run_expect(sf_group *g, int status, enum sf_reason reason, int code,
		   const char *task);

/* A test with the setup and teardown above, and the main() of a group
 * test file: GU_MAIN(GU_TEST(test_a), GU_TEST(test_b)) */
#define GU_TEST(t) cmocka_unit_test_setup_teardown(t, gu_setup, gu_teardown)
#define GU_MAIN(...)                                                    \
	int main(void)                                                  \
	{                                                               \
		const struct CMUnitTest tests[] = { __VA_ARGS__ };      \
									\
		gu_init();                                              \
		return cmocka_run_group_tests(tests, NULL, NULL);       \
	}

/* The log sink (sf_log_fn) and what it kept. */
void gu_log(void *ctx, int priority, const char *msg);
int gu_logged(const char *needle);  /* lines that contain needle */
int gu_logged_at(int priority, const char *needle); /* at that priority */
void gu_log_clear(void);
void gu_log_dump(void);             /* every line, as TAP comments */

/* The living children of pid (its zombies left out); at most max. */
int gu_children_of(pid_t pid, pid_t *pids, int max);

/* Whether pid exists at all (a zombie counts). */
bool gu_exists(pid_t pid);

/* Tasks.  wait: until a stop, returns 0.  exit: returns (intptr_t)arg at
 * once.  deaf: ignores its stop signals and the flag, runs until killed. */
int gu_task_wait(sf_task *task, void *arg);
int gu_task_exit(sf_task *task, void *arg);
int gu_task_deaf(sf_task *task, void *arg);

/* A NULL-terminated argv of copies of the arguments (the API takes
 * char *const[], as execv() does); freed after the test. */
char **gu_argv(const char *arg0, ...);

/* A path named name in a fresh temporary directory, removed with what is
 * in it after the test. */
const char *gu_tmp(const char *name);

/* A fifo there; and one line read from a fifo (blocks until a writer
 * comes) or a file. */
const char *gu_fifo(void);
void gu_read_line(const char *path, char *buf, size_t size);

/* Fork a master that runs the group build(ctx) makes (in the child), and
 * return its pid: once every task has started if ready, else at once.
 * The master exits 0 once its group is down. */
pid_t gu_fork_master(sf_group *(*build)(void *ctx), void *ctx, bool ready);

/* Zeroed memory shared with every process forked afterwards. */
void *gu_shared(size_t size);

/* The path of a program built in tests/ (from $top_builddir). */
const char *gu_built(const char *name);

#endif
