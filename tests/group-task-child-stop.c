/*
 * group-task-child-stop.c - a process a function task forked inherits the
 * task's stop handler; a stop signal reaching it is not the master's death.
 *
 * Found by the fault campaign (tests/stress, STRESS_SEED=21
 * STRESS_ONLY=1547, against the group branch): the master restarting a
 * task with a sibling sends the stop signal to the task's whole process
 * group.  A child the task had forked still ran the inherited handler,
 * which took "my parent is not the master" for the master's death and set
 * the group's flag, reason PARENT_DIED: the whole group stopped, with a
 * cause that was not true, where one task was to be restarted.  Only the
 * task's own process may speak for the task.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "grouputil.h"
#include "testutil.h"

struct counts {
	int forker_runs;
	int failer_runs;
};

/* Forks a worker that runs the task's code, with the task's handlers,
 * until the stop signal (sent to the task's whole process group) reaches
 * it too; the task waits for it to finish cleanly before it ends. */
static int forker(sf_task *task, void *arg)
{
	struct counts *c = arg;
	pid_t worker;

	__atomic_add_fetch(&c->forker_runs, 1, __ATOMIC_SEQ_CST);
	worker = fork();
	if (worker == 0) {
		while (!sf_task_should_stop(task))
			pause();
		_exit(0);
	}
	while (sf_task_wait(task, -1) != 0)
		;
	while (worker > 0 && waitpid(worker, NULL, 0) < 0 && errno == EINTR)
		;
	return 0;
}

/* The first run fails after 200 ms, which restarts both tasks under
 * one-for-all; the second asks for the stop 300 ms later. */
static int failer(sf_task *task, void *arg)
{
	struct counts *c = arg;
	int run = __atomic_add_fetch(&c->failer_runs, 1, __ATOMIC_SEQ_CST);

	if (sf_task_sleep(task, run == 1 ? 200 : 300) != 0)
		return 0;
	if (run == 1)
		return 1;
	sf_task_stop_all(task, 7);
	while (sf_task_wait(task, -1) != 0)
		;
	return 0;
}

static void test_restart_is_not_a_parent_death(void **state)
{
	struct counts *c = gu_shared(sizeof(*c));
	struct sf_cause cause;
	sf_group *g = gu_group();
	int forker_id, failer_id, status;

	(void)state;
	tu_watchdog(20, __func__);
	assert_int_equal(sf_group_set_strategy(g, SF_ONE_FOR_ALL), 0);
	/* the forker and its worker answer within it, under memcheck too */
	assert_int_equal(sf_group_set_grace(g, (int)tu_work_bound_ms(3, 500)), 0);
	assert_int_equal(sf_group_set_intensity(g, 5, 10000), 0);
	forker_id = sf_group_add(g, "forker", forker, c);
	failer_id = sf_group_add(g, "failer", failer, c);
	assert_true(forker_id >= 0 && failer_id >= 0);
	assert_int_equal(sf_group_set_restart(g, forker_id, SF_PERMANENT), 0);
	assert_int_equal(sf_group_set_restart(g, failer_id, SF_PERMANENT), 0);
	status = sf_group_run(g);
	assert_int_equal(sf_group_cause(g, &cause, NULL), 0);
	if (cause.reason != SF_REASON_REQUEST)
		gu_log_dump();
	assert_int_equal(cause.reason, SF_REASON_REQUEST);
	assert_int_equal(status, 7);
	assert_int_equal(cause.code, 7);
	assert_int_equal(c->forker_runs, 2);
	assert_int_equal(c->failer_runs, 2);
	sf_group_destroy(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_restart_is_not_a_parent_death,
						gu_setup, gu_teardown),
	};

	gu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
