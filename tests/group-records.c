/*
 * group-records.c - a function task's process has none of the group's
 * task records (arena.h: they are MADV_DONTFORK while the master starts
 * tasks), and runs with a copy of its own that says what the record says;
 * once sf_group_run() has returned, a fork of the caller has them all
 * again, as before the run.
 *
 * White box: the task looks at the master's records through the group,
 * which the test keeps in a global its fork inherits.  Under Valgrind,
 * where the records are forked (arena.c says why), only the copy is
 * checked.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "group.h"
#include "grouputil.h"
#include "testutil.h"

#define NTASKS 40

static sf_group *group; /* the test's, inherited by every fork */

/* Whether the page that holds p is mapped in this process. */
static bool mapped(const void *p)
{
	long page = sysconf(_SC_PAGESIZE);
	void *start = (void *)((uintptr_t)p & ~(uintptr_t)(page - 1));
	unsigned char vec;

	return mincore(start, 1, &vec) == 0;
}

/* Bit 1: one of the group's records is mapped here; bit 2: the task's
 * own record is the master's, or its copy says something else. */
static int probe(sf_task *task, void *arg)
{
	int id = (int)(intptr_t)arg, bad = 0;
	const struct sf_task *mine = group->tasks[id];

	/* under Valgrind the records are forked (arena.c): the copy still
	 * has to be the task's own */
	for (int i = 0; !sf__arena_forks_copy() && i < group->ntasks; i++)
		if (mapped(group->tasks[i]))
			bad |= 1;
	if (task == mine || strcmp(sf_task_name(task), "probe") != 0 ||
	    strcmp(sf_task_option(task, "colour"), "blue") != 0)
		bad |= 2;
	return bad;
}

static int sibling(sf_task *task, void *arg)
{
	(void)arg;
	sf_task_wait(task, -1);
	return 0;
}

static void test_task_has_no_records_but_its_copy(void **state)
{
	int status, id;
	pid_t child;

	(void)state;
	tu_watchdog(30, __func__);
	group = gu_group();
	for (int i = 0; i < NTASKS; i++) {
		char name[24];

		snprintf(name, sizeof(name), "sibling%d", i);
		assert_int_equal(sf_group_add(group, name, sibling, NULL), i);
	}
	id = sf_group_add(group, "probe", probe, (void *)(intptr_t)NTASKS);
	assert_int_equal(id, NTASKS);
	assert_int_equal(sf_group_set_option(group, id, "colour", "blue"), 0);
	status = sf_group_run(group);
	if (status != 0)
		fail_msg("the function task saw records: 0x%x", status);
	/* after the run: the caller's forks have the records again */
	child = tu_fork();
	assert_true(child >= 0);
	if (child == 0) {
		bool all = group->ntasks == NTASKS + 1;

		for (int i = 0; all && i < group->ntasks; i++) {
			char name[24];

			snprintf(name, sizeof(name), "sibling%d", i);
			all = mapped(group->tasks[i]) &&
			      strcmp(group->tasks[i]->name,
				     i < NTASKS ? name : "probe") == 0;
		}
		_exit(all ? 0 : 1);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	sf_group_destroy(group);
	group = NULL;
}

GU_MAIN(
	GU_TEST(test_task_has_no_records_but_its_copy)
)
