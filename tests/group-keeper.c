/*
 * group-keeper.c - sf_group_set_keeper(): the caller keeps, a forked
 * master runs the group.
 *   - the result, the cause and the task name are the master's, the hooks
 *     run in the master, and the caller's mask comes back as it was;
 *   - a stop signal to the keeper stops the group (cause SIGNAL);
 *   - the master SIGKILLed: the keeper stops what it left (a task that
 *     ignores everything, a setsid() grandchild) and returns 137, cause
 *     KILLED 9 with no task, within the grace + 1 s;
 *   - the keeper SIGKILLed: the master stops the group in order (cause
 *     PARENT_DIED, exit 0), nothing is left after the grace + 1 s.
 * gu_teardown() fails a test that leaves anything alive.
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
#include <unistd.h>

#include <cmocka.h>

#include "grouputil.h"
#include "testutil.h"

#define GRACE_MS 300

struct shared {
	pid_t keeper;        /* the process that called sf_group_run() */
	pid_t hook_pid;      /* where on_ready ran */
	pid_t escaper;       /* the setsid() grandchild */
};

static struct shared *sh;

static void on_ready(void *ctx)
{
	(void)ctx;
	sh->hook_pid = getpid();
}

static sf_group *keeper_group(void)
{
	sf_group *g = gu_group();

	assert_int_equal(sf_group_set_keeper(g, true), 0);
	assert_int_equal(sf_group_set_grace(g, GRACE_MS), 0);
	assert_int_equal(sf_group_set_hooks(g, on_ready, NULL, NULL), 0);
	return g;
}

static int returns_3(sf_task *task, void *arg)
{
	(void)arg;
	sf_task_sleep(task, 50);
	return 3;
}

static void test_result_is_the_masters(void **state)
{
	sf_group *g = keeper_group();
	sigset_t before, after;

	(void)state;
	tu_watchdog(30, __func__);
	sigprocmask(SIG_SETMASK, NULL, &before);
	assert_int_equal(sf_group_add(g, "bystander", gu_task_wait, NULL), 0);
	assert_int_equal(sf_group_add(g, "actor", returns_3, NULL), 1);
	gu_run_expect(g, 3, SF_REASON_EXITED, 3, "actor");
	sigprocmask(SIG_SETMASK, NULL, &after);
	for (int signo = 1; signo < SIGRTMIN; signo++)
		assert_int_equal(sigismember(&before, signo),
				 sigismember(&after, signo));
	assert_true(sh->hook_pid > 0);
	assert_int_not_equal(sh->hook_pid, getpid()); /* ran in the master */
	assert_int_equal(sf_group_set_keeper(g, false), -EBUSY);
	assert_true(gu_logged("keeper: every process reaped; exit status 3"));
	sf_group_destroy(g);
}

static int term_keeper(sf_task *task, void *arg)
{
	(void)arg;
	sf_task_sleep(task, 50);
	kill(sh->keeper, SIGTERM);
	return gu_task_wait(task, NULL);
}

static void test_signal_to_keeper_stops(void **state)
{
	sf_group *g = keeper_group();

	(void)state;
	tu_watchdog(30, __func__);
	sh->keeper = getpid();
	assert_int_equal(sf_group_add(g, "actor", term_keeper, NULL), 0);
	gu_run_expect(g, 0, SF_REASON_SIGNAL, SIGTERM, NULL);
	sf_group_destroy(g);
}

/* A task that leaves a setsid() grandchild blocking every signal, then
 * waits for the stop. */
static int escapes(sf_task *task, void *arg)
{
	pid_t pid = fork();

	(void)arg;
	if (pid == 0) {
		setsid();
		gu_task_deaf(NULL, NULL);
	}
	sh->escaper = pid;
	return gu_task_wait(task, NULL);
}

static int kills_master(sf_task *task, void *arg)
{
	(void)arg;
	while (sh->escaper == 0 && sf_task_sleep(task, 5) == 0)
		;
	kill(getppid(), SIGKILL);
	return gu_task_wait(task, NULL);
}

static void test_master_sigkilled(void **state)
{
	sf_group *g = keeper_group();
	int64_t t0;

	(void)state;
	tu_watchdog(30, __func__);
	assert_int_equal(sf_group_add(g, "deaf", gu_task_deaf, NULL), 0);
	assert_int_equal(sf_group_add(g, "escapes", escapes, NULL), 1);
	assert_int_equal(sf_group_add(g, "killer", kills_master, NULL), 2);
	t0 = tu_now_ms();
	gu_run_expect(g, 128 + SIGKILL, SF_REASON_KILLED, SIGKILL, NULL);
	assert_true(tu_now_ms() - t0 < tu_bound_ms(GRACE_MS + 1000) + 200);
	assert_true(sh->escaper > 0);
	assert_false(gu_exists(sh->escaper));
	assert_true(gu_logged("keeper: the master was killed by SIGKILL"));
	sf_group_destroy(g);
}

static sf_group *build_deaf(void *ctx)
{
	sf_group *g = keeper_group();

	(void)ctx;
	assert_int_equal(sf_group_add(g, "deaf", gu_task_deaf, NULL), 0);
	assert_int_equal(sf_group_add(g, "escapes", escapes, NULL), 1);
	return g;
}

static void test_keeper_sigkilled(void **state)
{
	pid_t keeper, got;
	int64_t t0;
	int status, master_status = -1;

	(void)state;
	tu_watchdog(30, __func__);
	keeper = gu_fork_master(build_deaf, NULL, true);
	while (sh->escaper == 0)
		tu_sleep_ms(5);
	t0 = tu_now_ms();
	assert_int_equal(kill(keeper, SIGKILL), 0);
	/* Its master comes to us (a subreaper), and ends once its group
	 * is down. */
	while ((got = waitpid(-1, &status, 0)) > 0)
		if (got != keeper)
			master_status = status;
	assert_int_equal(errno, ECHILD);
	assert_true(tu_now_ms() - t0 < tu_bound_ms(GRACE_MS + 1000) + 200);
	assert_true(WIFEXITED(master_status));
	assert_int_equal(WEXITSTATUS(master_status), 0);
	assert_false(gu_exists(sh->escaper));
	/* (the master logged the cause, PARENT_DIED, in its own memory) */
}

static int setup(void **state)
{
	if (!sh)
		sh = gu_shared(sizeof(*sh));
	memset(sh, 0, sizeof(*sh));
	return gu_setup(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_result_is_the_masters,
						setup, gu_teardown),
		cmocka_unit_test_setup_teardown(test_signal_to_keeper_stops,
						setup, gu_teardown),
		cmocka_unit_test_setup_teardown(test_master_sigkilled,
						setup, gu_teardown),
		cmocka_unit_test_setup_teardown(test_keeper_sigkilled,
						setup, gu_teardown),
	};

	gu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
