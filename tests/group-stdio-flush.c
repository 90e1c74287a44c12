/*
 * group-stdio-flush.c - what a function task leaves in a stdio buffer
 * when its function returns (sf_group_set_stdio_flush()):
 *   - by default it is written: the task's process flushes every stream,
 *     one it opened itself too, as exit() would;
 *   - with the flush turned off it is lost, and what the task wrote with
 *     write(2) is there all the same: the process ends with _exit() alone;
 *   - both at a group stop, the end the option exists for: the writer
 *     wakes from sf_task_wait() and writes;
 *   - the refusals: an exec task, no such task, a group that ran.
 * Under Valgrind a process's end flushes its streams anyway (its
 * __libc_freeres() runs the C library's _IO_cleanup()): there the lost
 * line is not looked for.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#ifdef HAVE_VALGRIND_VALGRIND_H
#include <valgrind/valgrind.h>
#endif

#include "grouputil.h"
#include "testutil.h"

/* Where the writer writes: through stdio, and with write(2). */
struct paths {
	const char *buffered, *direct;
};

/* Waits for the stop, then writes a line with write(2) and leaves one in
 * a stdio buffer (a file it opened itself, fully buffered), unflushed. */
static int writer(sf_task *task, void *arg)
{
	const struct paths *p = arg;
	static const char direct[] = "written\n";
	FILE *f = fopen(p->buffered, "w");
	int fd = open(p->direct, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		      0600);

	if (!f || fd < 0)
		return 90;
	while (!sf_task_should_stop(task))
		sf_task_wait(task, -1);
	if (write(fd, direct, sizeof(direct) - 1) != sizeof(direct) - 1)
		return 91;
	fputs("buffered\n", f);
	return 0;
}

/* The whole file, "" if empty. */
static void read_all(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, size - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
}

/* Whether what a task left in a stdio buffer without the flush is lost
 * here: not under Valgrind (see the top of this file). */
static bool lost_is_seen(void)
{
#ifdef HAVE_VALGRIND_VALGRIND_H
	return !RUNNING_ON_VALGRIND;
#else
	return true;
#endif
}

/* A writer, and a task whose end (status 3) stops the group. */
static void run_writer(bool flush, const char *want_buffered)
{
	struct paths p = { gu_tmp("buffered"), gu_tmp("direct") };
	sf_group *g = gu_group();
	char got[64];
	int id;

	tu_watchdog(30, __func__);
	id = sf_group_add(g, "writer", writer, &p);
	assert_int_equal(id, 0);
	if (!flush)
		assert_int_equal(sf_group_set_stdio_flush(g, id, false), 0);
	/* its end is the stop, whenever the writer gets to its files */
	assert_int_equal(sf_group_add(g, "ender", gu_task_exit,
				      (void *)(intptr_t)3), 1);
	gu_run_expect(g, 3, SF_REASON_EXITED, 3, "ender");
	/* the writer's own end: 90 or 91 would say what it could not do */
	assert_int_equal(gu_logged("exited with status 0"), 1);
	read_all(p.direct, got, sizeof(got));
	assert_string_equal(got, "written\n");
	read_all(p.buffered, got, sizeof(got));
	if (flush || lost_is_seen())
		assert_string_equal(got, want_buffered);
	sf_group_destroy(g);
}

static void test_flushed_by_default(void **state)
{
	run_writer(true, "buffered\n");
}

static void test_lost_without_the_flush(void **state)
{
	run_writer(false, "");
}

static void test_bad_arguments(void **state)
{
	sf_group *g = gu_group();

	tu_watchdog(30, __func__);
	assert_int_equal(sf_group_set_stdio_flush(NULL, 0, false), -EINVAL);
	assert_int_equal(sf_group_set_stdio_flush(g, 0, false), -ENOENT);
	assert_int_equal(sf_group_add_exec(g, "prog",
		gu_argv("sleep", "1000", (char *)NULL)), 0);
	assert_int_equal(sf_group_set_stdio_flush(g, 0, false), -EINVAL);
	assert_int_equal(sf_group_add(g, "fn", gu_task_exit, NULL), 1);
	assert_int_equal(sf_group_set_stdio_flush(g, 1, false), 0);
	assert_int_equal(sf_group_set_stdio_flush(g, 1, true), 0);
	assert_int_equal(sf_group_set_stdio_flush(g, -1, true), -ENOENT);
	assert_int_equal(sf_group_set_stdio_flush(g, 2, true), -ENOENT);
	gu_run_expect(g, 0, SF_REASON_EXITED, 0, "fn");
	assert_int_equal(sf_group_set_stdio_flush(g, 1, false), -EBUSY);
	sf_group_destroy(g);
}

GU_MAIN(GU_TEST(test_flushed_by_default),
	GU_TEST(test_lost_without_the_flush),
	GU_TEST(test_bad_arguments))
