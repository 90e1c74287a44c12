/*
 * group-exec-hygiene.c - what a task inherits, and what it does not:
 *   - an exec task has only fds 0, 1, 2 and the flag's, which
 *     STOPFLAG_FD names, with STOPFLAG_TASK its name (none of them when
 *     the flag is withheld, even if the master inherited them itself), an
 *     empty signal mask, no
 *     ignored signals (caught ones cannot survive an exec anyway), its own process group (in the master's session),
 *     and PR_SET_PDEATHSIG set to its stop signal, kept across the exec;
 *   - a function task has its own process group, an empty mask, default
 *     dispositions except its stop signals, which it catches,
 *     PDEATHSIG set to its stop signal, and none of its siblings'
 *     pidfds (the master's fds else, as a fork leaves them): not even
 *     when they are scattered among the caller's own fds, one by one in
 *     the holes the caller left, more runs of them than the master
 *     gathers on its stack; and every fd of the caller's it keeps, and
 *     no NOTIFY_SOCKET of the master's (it is ready once started).
 * (That PDEATHSIG really fires after the exec is proven in
 * group-stop-paths: exec tasks die of their own stop signal when the
 * master is SIGKILLed.)
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <dirent.h>

#include <cmocka.h>

#include "grouputil.h"
#include "testutil.h"

/* Dirty the master: an fd without close-on-exec (twice), a STOPFLAG_FD and
 * STOPFLAG_TASK of its own, a NOTIFY_SOCKET (its supervisor's, which no
 * task may reach), SIGUSR2 blocked,
 * SIGUSR1 and SIGPIPE ignored, and the C library's own signals 32 and 33
 * ignored too (sigaction() refuses them; `make check` has been seen to
 * hand them down ignored). */
static int dirty_fd;

/* handler (SIG_IGN = 1, SIG_DFL = 0) first, as the kernel's sigaction
 * has it on x86-64, arm64 and most others */
static void raw_disposition(int signo, unsigned long handler)
{
	unsigned long ksa[16] = { handler };

	syscall(SYS_rt_sigaction, signo, ksa, NULL, (NSIG - 1) / 8);
}

/* on: dirty; off: clean again */
static void dirty(bool on)
{
	sigset_t usr2;

	if (on) {
		dirty_fd = open("/dev/null", O_RDONLY);
		assert_true(dirty_fd > 2);
		assert_int_equal(dup2(dirty_fd, 40), 40);
		setenv("STOPFLAG_FD", "40", 1);
		setenv("STOPFLAG_TASK", "outer", 1);
		setenv("NOTIFY_SOCKET", "@stopflag-test-supervisor", 1);
	} else {
		close(dirty_fd);
		close(40);
		unsetenv("STOPFLAG_FD");
		unsetenv("STOPFLAG_TASK");
		unsetenv("NOTIFY_SOCKET");
	}
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(on ? SIG_BLOCK : SIG_UNBLOCK, &usr2, NULL);
	signal(SIGUSR1, on ? SIG_IGN : SIG_DFL);
	signal(SIGPIPE, on ? SIG_IGN : SIG_DFL);
	raw_disposition(32, on);
	raw_disposition(33, on);
}

static void expect_line(const char *path, const char *key, const char *want)
{
	char line[256];
	size_t n = strlen(key);
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, n) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		fclose(f);
		if (strcmp(line + n, want) != 0)
			fail_msg("%s: \"%s\", want \"%s\"", key, line + n, want);
		return;
	}
	fclose(f);
	fail_msg("%s: no such line in the report", key);
}

static void test_exec_task_runs_clean(void **state)
{
	const char *term = gu_tmp("term"), *hup = gu_tmp("hup");
	char sid[32], flag_fd[32];
	sf_group *g = gu_group();
	long fd;

	tu_watchdog(20, __func__);
	/* two tasks that end on their own: no stop comes between them */
	assert_int_equal(sf_group_set_strategy(g, SF_ONE_FOR_ONE), 0);
	assert_int_equal(sf_group_add_exec(g, "term",
		gu_argv(gu_built("exec-report"), term, (char *)NULL)), 0);
	assert_int_equal(sf_group_add_exec(g, "hup",
		gu_argv(gu_built("exec-report"), hup, (char *)NULL)), 1);
	assert_int_equal(sf_group_set_stop_signal(g, 1, SIGHUP), 0);
	assert_int_equal(sf_group_set_pass_flag(g, 1, false), 0);
	dirty(true);
	assert_int_equal(sf_group_run(g), 0);
	dirty(false);
	snprintf(sid, sizeof(sid), " %d", (int)getsid(0));
	/* term has the flag: one fd above 2, the one its STOPFLAG_FD names */
	expect_line(hup, "fds-above-2", "");
	expect_line(hup, "stopflag-fd", " none");
	expect_line(hup, "stopflag-task", " none");
	expect_line(term, "stopflag-task", " term");
	gu_read_line(term, flag_fd, sizeof(flag_fd));
	flag_fd[strcspn(flag_fd, "\n")] = '\0';
	assert_true(strncmp(flag_fd, "fds-above-2 ", 12) == 0);
	fd = strtol(flag_fd + 12, NULL, 10);
	assert_true(fd > 2 && fd != 40);
	expect_line(term, "stopflag-fd", flag_fd + 11);
	for (int i = 0; i < 2; i++) {
		const char *report = i ? hup : term;

		expect_line(report, "SigBlk:", "\t0000000000000000");
		expect_line(report, "SigIgn:", "\t0000000000000000");
		expect_line(report, "own-pgrp", " 1");
		expect_line(report, "sid", sid);
	}
	expect_line(term, "pdeathsig", " 15");
	expect_line(hup, "pdeathsig", " 1");
	sf_group_destroy(g);
}

/* How many pidfds this process holds. */
static int count_pidfds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[300], target[64];
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (strcmp(target, "anon_inode:[pidfd]") == 0)
			n++;
	}
	closedir(d);
	return n;
}

static int sibling(sf_task *task, void *arg)
{
	(void)arg;
	sf_task_wait(task, -1);
	return 0;
}

/* Each check that fails sets a bit of the exit status. */
static int inspect_self(sf_task *task, void *arg)
{
	struct sigaction sa;
	sigset_t mask;
	int pdeathsig = -1, bad = 0;

	if (getpgrp() != getpid())
		bad |= 1;
	sigprocmask(SIG_BLOCK, NULL, &mask);
	if (sigismember(&mask, SIGUSR2))
		bad |= 2;
	sigaction(SIGUSR1, NULL, &sa);
	if (sa.sa_handler != SIG_DFL)
		bad |= 4;
	sigaction(SIGPIPE, NULL, &sa);
	if (sa.sa_handler != SIG_DFL)
		bad |= 8;
	sigaction(SIGTERM, NULL, &sa);
	if (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN ||
	    (sa.sa_flags & SA_RESTART))
		bad |= 16;
	sigaction(SIGALRM, NULL, &sa); /* its own stop signal here */
	if (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN)
		bad |= 32;
	prctl(PR_GET_PDEATHSIG, &pdeathsig);
	if (pdeathsig != SIGALRM)
		bad |= 64;
	if (count_pidfds() != 0)
		bad |= 128;
	return bad;
}

static void test_function_task_runs_clean(void **state)
{
	sf_group *g = gu_group();
	int status;

	int id;

	tu_watchdog(20, __func__);
	/* siblings started before it, their pidfds open in the master */
	for (int i = 0; i < 5; i++) {
		char name[16];

		snprintf(name, sizeof(name), "sibling%d", i);
		assert_int_equal(sf_group_add(g, name, sibling, NULL), i);
	}
	id = sf_group_add(g, "self", inspect_self, NULL);
	assert_int_equal(id, 5);
	assert_int_equal(sf_group_set_stop_signal(g, id, SIGALRM), 0);
	dirty(true);
	status = sf_group_run(g);
	dirty(false);
	if (status != 0)
		fail_msg("the function task saw what it should not: 0x%x",
			 status);
	sf_group_destroy(g);
}

/* The caller's fds, every other one closed: the master's pidfds fill the
 * holes, each a run of its own. */
#define SCATTER 48
static int kept[SCATTER];

/* Bit 1: a pidfd is open; bit 2: one of the caller's fds is not; bit 4:
 * the master's NOTIFY_SOCKET is there (ready once started: none). */
static int inspect_fds(sf_task *task, void *arg)
{
	int bad = 0;

	(void)task;
	(void)arg;
	if (count_pidfds() != 0)
		bad |= 1;
	for (int i = 0; i < SCATTER; i++)
		if (fcntl(kept[i], F_GETFD) < 0)
			bad |= 2;
	if (getenv("NOTIFY_SOCKET"))
		bad |= 4;
	return bad;
}

static void test_function_task_closes_only_the_masters_fds(void **state)
{
	sf_group *g = gu_group();
	int status, id, fds[2 * SCATTER];

	tu_watchdog(30, __func__);
	for (int i = 0; i < 2 * SCATTER; i++)
		assert_true((fds[i] = open("/dev/null", O_RDONLY)) >= 0);
	for (int i = 0; i + 1 < 2 * SCATTER; i += 2) {
		kept[i / 2] = fds[i];
		close(fds[i + 1]);
	}
	for (int i = 0; i < SCATTER; i++) {
		char name[24];

		snprintf(name, sizeof(name), "sibling%d", i);
		assert_int_equal(sf_group_add(g, name, sibling, NULL), i);
	}
	id = sf_group_add(g, "self", inspect_fds, NULL);
	assert_int_equal(id, SCATTER);
	dirty(true);
	status = sf_group_run(g);
	dirty(false);
	for (int i = 0; i < SCATTER; i++)
		close(kept[i]);
	if (status != 0)
		fail_msg("the function task's fds were wrong: 0x%x", status);
	sf_group_destroy(g);
}

GU_MAIN(
	GU_TEST(test_exec_task_runs_clean),
	GU_TEST(test_function_task_runs_clean),
	GU_TEST(test_function_task_closes_only_the_masters_fds)
)
