/*
 * procstat-parse.c - the one /proc/PID/stat parser (procstat.c) reads the
 * fields after the command name right whatever the name holds (spaces,
 * parentheses the wrong way round, a newline, nothing at all), refuses
 * text that is not a stat line without touching its output, reads the
 * real file of this process, and the search for living children finds a
 * living child and leaves out a zombie: the caller's own from the kernel's
 * children lists (200 of them, each once; one not wanted is never looked
 * at), another process's from the scan of /proc.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "procstat.h"
#include "testutil.h"

/* A stat line as the kernel writes it, for a process named name. */
static int line(char *buf, size_t size, const char *name)
{
	return snprintf(buf, size, "4242 (%s) S 17 4242 99 34816 4242 "
			"4194560 1 0 0 0 3 4 0 0 20 0 1 0 123456789 "
			"2490368 200 18446744073709551615 1 1 0 0 0 0 0 0 "
			"65536 0 0 0 17 1 0 0 0 0 0\n", name);
}

static void parses_as(const char *name, const char *comm)
{
	struct sf__procstat st;
	char buf[512];
	int n = line(buf, sizeof(buf), name);

	memset(&st, 0x55, sizeof(st));
	assert_int_equal(sf__procstat_parse(buf, (size_t)n, &st), 0);
	assert_int_equal(st.pid, 4242);
	assert_string_equal(st.comm, comm);
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 17);
	assert_int_equal(st.pgrp, 4242);
	assert_int_equal(st.sid, 99);
	assert_true(st.starttime == 123456789);
}

static void test_hostile_names(void **state)
{
	(void)state;
	parses_as("sleep", "sleep");
	parses_as("a) b (", "a) b (");
	parses_as("a b c", "a b c");
	parses_as(") S 1 2 3 4", ") S 1 2 3 4");
	parses_as("((((", "((((");
	parses_as("))))", "))))");
	parses_as("", "");
	parses_as(" ", " ");
	parses_as("x\ny) Z 5", "x\ny) Z 5");
	parses_as("fifteen chars!!", "fifteen chars!!");
	/* a kernel thread's name may be longer than 15: cut, still parsed */
	parses_as("kworker/u8:2-events_unbound) R (",
		  "kworker/u8:2-ev");
}

static void refused(const char *text, size_t len)
{
	struct sf__procstat st, before;

	memset(&st, 0x55, sizeof(st));
	before = st;
	assert_int_equal(sf__procstat_parse(text, len, &st), -EIO);
	assert_memory_equal(&st, &before, sizeof(st));
}

/* head ("PID (NAME) S PPID PGRP SID") and the kernel's other fields. */
static void refused_head(const char *head)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%s 34816 4242 4194560 1 0 0 0 3 "
			 "4 0 0 20 0 1 0 123456789 2490368 200\n", head);

	refused(buf, (size_t)n);
}

static void test_not_a_stat_line(void **state)
{
	char buf[512];
	int n = line(buf, sizeof(buf), "a) b ("), end;

	(void)state;
	refused("", 0);
	refused("garbage", strlen("garbage"));
	refused_head("(sleep) S 1 2 3");      /* no pid */
	refused_head("x (sleep) S 1 2 3");    /* not a number */
	refused_head("0 (sleep) S 1 2 3");    /* not a pid */
	refused_head("-5 (sleep) S 1 2 3");
	refused_head("12(sleep) S 1 2 3");
	refused_head("12  (sleep) S 1 2 3");
	refused_head("12 sleep) S 1 2 3");
	refused_head("12 (sleep S 1 2 3");    /* no ')' at all */
	refused_head("12 (sleep)S 1 2 3");
	refused_head("12 (sleep) S1 2 3");
	refused_head("12 (sleep) S x 2 3");
	refused_head("12 (sleep) S 1 2 3 99999999999999999999");
	/* the text cut anywhere before starttime has ended: refused, never
	 * read past its end */
	end = (int)(strstr(buf, " 2490368") - buf);
	for (int cut = 0; cut <= end; cut++)
		refused(buf, (size_t)cut);
	assert_true(n > end + 1);
	{
		struct sf__procstat st;

		assert_int_equal(sf__procstat_parse(buf, (size_t)end + 1, &st),
				 0);
		assert_true(st.starttime == 123456789);
	}
	assert_int_equal(sf__procstat_parse(NULL, 0, NULL), -EINVAL);
}

static void test_reads_its_own(void **state)
{
	struct sf__procstat st;

	(void)state;
	assert_int_equal(sf__procstat_read(getpid(), &st), 0);
	assert_int_equal(st.pid, getpid());
	assert_int_equal(st.ppid, getppid());
	assert_int_equal(st.pgrp, getpgrp());
	assert_int_equal(st.sid, getsid(0));
	assert_int_equal(st.state, 'R');
	assert_true(st.starttime > 0);
	assert_int_equal(sf__procstat_read(0, &st), -EINVAL);
}

static int count_child(const struct sf__procstat *st, void *ctx)
{
	pid_t *found = ctx;

	*found = st->pid;
	return 1;
}

static void test_children_scan(void **state)
{
	pid_t child, found = 0;
	struct sf__children how = { NULL, count_child, &found };
	int status;

	(void)state;
	tu_watchdog(20, __func__);
	child = tu_fork();
	assert_true(child >= 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	assert_int_equal(sf__procstat_children(getpid(), &how),
			 1);
	assert_int_equal(found, child);
	kill(child, SIGKILL);
	/* a zombie is not a living child */
	{
		siginfo_t si;

		assert_int_equal(waitid(P_PID, (id_t)child, &si,
					WEXITED | WNOWAIT), 0);
	}
	found = 0;
	assert_int_equal(sf__procstat_children(getpid(), &how),
			 0);
	assert_int_equal(found, 0);
	assert_int_equal(waitpid(child, &status, 0), child);
}

#define MANY 200

struct seen {
	pid_t pids[MANY];
	int times[MANY];
	pid_t unwanted;
	int unwanted_each;
};

static bool all_but_unwanted(pid_t pid, void *ctx)
{
	return pid != ((struct seen *)ctx)->unwanted;
}

static int mark_seen(const struct sf__procstat *st, void *ctx)
{
	struct seen *s = ctx;

	if (st->pid == s->unwanted)
		s->unwanted_each++;
	for (int i = 0; i < MANY; i++)
		if (s->pids[i] == st->pid)
			s->times[i]++;
	return 1;
}

static void kill_all(const struct seen *s)
{
	for (int i = 0; i < MANY; i++)
		if (s->pids[i] > 0) {
			kill(s->pids[i], SIGKILL);
			waitpid(s->pids[i], NULL, 0);
		}
}

/* More children than the first read of the list holds (1024 bytes), one
 * of them not wanted: every other is handed over once, that one never. */
static void test_own_children_many(void **state)
{
	static struct seen s;
	struct sf__children how = { all_but_unwanted, mark_seen, &s };

	(void)state;
	tu_watchdog(60, __func__);
	memset(&s, 0, sizeof(s));
	for (int i = 0; i < MANY; i++) {
		s.pids[i] = tu_fork();
		assert_true(s.pids[i] >= 0);
		if (s.pids[i] == 0) {
			pause();
			_exit(0);
		}
	}
	s.unwanted = s.pids[MANY / 2];
	assert_int_equal(sf__procstat_children(getpid(), &how), MANY - 1);
	assert_int_equal(s.unwanted_each, 0);
	for (int i = 0; i < MANY; i++)
		assert_int_equal(s.times[i], s.pids[i] == s.unwanted ? 0 : 1);
	kill_all(&s);
}

/* Another process's children: the scan of /proc finds its one child. */
static void test_others_children(void **state)
{
	int pipefd[2];
	pid_t child, grandchild = 0, found = 0;
	struct sf__children how = { NULL, count_child, &found };

	(void)state;
	tu_watchdog(20, __func__);
	assert_int_equal(pipe(pipefd), 0);
	child = tu_fork();
	assert_true(child >= 0);
	if (child == 0) {
		pid_t g = tu_fork();

		if (g == 0) {
			pause();
			_exit(0);
		}
		(void)!write(pipefd[1], &g, sizeof(g));
		pause();
		_exit(0);
	}
	assert_int_equal(read(pipefd[0], &grandchild, sizeof(grandchild)),
			 sizeof(grandchild));
	assert_int_equal(sf__procstat_children(child, &how), 1);
	assert_int_equal(found, grandchild);
	how.each = NULL;
	assert_int_equal(sf__procstat_children(child, &how), -EINVAL);
	kill(grandchild, SIGKILL);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(pipefd[0]);
	close(pipefd[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_not_a_stat_line),
		cmocka_unit_test(test_reads_its_own),
		cmocka_unit_test(test_children_scan),
		cmocka_unit_test(test_own_children_many),
		cmocka_unit_test(test_others_children),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
