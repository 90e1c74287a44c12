/*
 * pidmap-ops.c - the master's pid -> task index (pidmap.c) finds every
 * pid put and not deleted, and nothing else: through runs of colliding
 * pids that wrap round the end of the table, deletions in the middle of
 * a run (the backward shift), and a long random walk checked against a
 * plain array after every step.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "pidmap.h"
#include "testutil.h"

/* The tasks are only addresses here: task(i) stands for the i-th. */
static struct sf_task *task(size_t i)
{
	static char tasks[4096];

	return (struct sf_task *)&tasks[i % sizeof(tasks)];
}

static void test_empty_and_uninitialised(void **state)
{
	struct sf__pidmap none = { 0 }, m;

	(void)state;
	tu_watchdog(10, __func__);
	assert_null(sf__pidmap_get(&none, 1));
	sf__pidmap_del(&none, 1); /* nothing to do, nothing to crash */
	sf__pidmap_put(&none, 1, task(1)); /* no room: not indexed */
	assert_null(sf__pidmap_get(&none, 1));
	assert_int_equal(sf__pidmap_init(&m, 0), 0);
	assert_null(sf__pidmap_get(&m, 1));
	assert_null(sf__pidmap_get(&m, 0));
	assert_null(sf__pidmap_get(&m, -1));
	sf__pidmap_free(&m);
	assert_null(sf__pidmap_get(&m, 1));
}

/* A full small table (4 pids, 8 slots) of every combination of deleting
 * one pid: the other three are still found, whatever ran through it. */
static void test_delete_each_of_a_full_small_table(void **state)
{
	(void)state;
	tu_watchdog(10, __func__);
	for (pid_t base = 1; base < 2000; base += 7) {
		for (int gone = 0; gone < 4; gone++) {
			struct sf__pidmap m;

			assert_int_equal(sf__pidmap_init(&m, 4), 0);
			for (int i = 0; i < 4; i++)
				sf__pidmap_put(&m, base + i * 8, task((size_t)i));
			sf__pidmap_del(&m, base + gone * 8);
			for (int i = 0; i < 4; i++)
				assert_ptr_equal(sf__pidmap_get(&m, base + i * 8),
						 i == gone ? NULL : task((size_t)i));
			assert_int_equal(m.count, 3);
			sf__pidmap_free(&m);
		}
	}
}

/* Random puts and deletes of pids from a small range (so that runs form,
 * wrap and are cut), checked in full against an array after each. */
static void test_random_walk_matches_an_array(void **state)
{
	enum { MAX = 64, RANGE = 400, STEPS = 20000 };
	struct sf_task *truth[RANGE + 1] = { 0 };
	struct sf__pidmap m;
	size_t live = 0;
	unsigned seed = 12345;

	(void)state;
	tu_watchdog(10, __func__);
	assert_int_equal(sf__pidmap_init(&m, MAX), 0);
	for (int step = 0; step < STEPS; step++) {
		pid_t pid = (pid_t)(rand_r(&seed) % RANGE) + 1;

		if (truth[pid]) {
			sf__pidmap_del(&m, pid);
			truth[pid] = NULL;
			live--;
		} else if (live < MAX) {
			truth[pid] = task((size_t)step);
			sf__pidmap_put(&m, pid, truth[pid]);
			live++;
		}
		assert_int_equal(m.count, live);
		for (pid_t p = 1; p <= RANGE; p++)
			assert_ptr_equal(sf__pidmap_get(&m, p), truth[p]);
	}
	sf__pidmap_free(&m);
}

/* A realistic load: 1000 tasks' pids, consecutive as a fresh machine
 * hands them out, then every one reaped in a scrambled order. */
static void test_thousand_consecutive_pids(void **state)
{
	enum { N = 1000 };
	pid_t order[N];
	struct sf__pidmap m;
	unsigned seed = 99;

	(void)state;
	tu_watchdog(10, __func__);
	assert_int_equal(sf__pidmap_init(&m, N), 0);
	for (int i = 0; i < N; i++) {
		sf__pidmap_put(&m, 30000 + i, task((size_t)i));
		order[i] = 30000 + i;
	}
	for (int i = N - 1; i > 0; i--) {
		int j = (int)(rand_r(&seed) % (unsigned)(i + 1));
		pid_t tmp = order[i];

		order[i] = order[j];
		order[j] = tmp;
	}
	for (int i = 0; i < N; i++) {
		sf__pidmap_del(&m, order[i]);
		assert_null(sf__pidmap_get(&m, order[i]));
		if (i + 1 < N)
			assert_ptr_equal(sf__pidmap_get(&m, order[i + 1]),
					 task((size_t)(order[i + 1] - 30000)));
	}
	assert_int_equal(m.count, 0);
	sf__pidmap_free(&m);
}

/* The master's alone: a forked child finds nothing mapped there. */
static void test_not_inherited(void **state)
{
	struct sf__pidmap m;
	unsigned char vec[64];
	int status;
	pid_t child;

	(void)state;
	tu_watchdog(10, __func__);
	assert_int_equal(sf__pidmap_init(&m, 100), 0);
	sf__pidmap_put(&m, 4242, task(1));
	assert_int_equal(mincore(m.slots, 4096, vec), 0);
	child = tu_fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(mincore(m.slots, 4096, vec) < 0 && errno == ENOMEM ? 0 : 1);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_ptr_equal(sf__pidmap_get(&m, 4242), task(1));
	sf__pidmap_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_uninitialised),
		cmocka_unit_test(test_delete_each_of_a_full_small_table),
		cmocka_unit_test(test_random_walk_matches_an_array),
		cmocka_unit_test(test_thousand_consecutive_pids),
		cmocka_unit_test(test_not_inherited),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
