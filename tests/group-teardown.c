/*
 * group-teardown.c - nothing escapes the stop, and the master comes out of
 * it as it went in:
 *   - an exec task and a function task that ignore their stop signal get
 *     SIGKILL after the grace, and not before it;
 *   - when a task ends, the rest of its process group dies with it;
 *   - a grandchild that called setsid() is killed and reaped, whether it
 *     was adopted before the stop or during it;
 *   - a task scribbling over the shared page cannot crash the master or
 *     keep it past the grace;
 *   - the master gives back its signal dispositions (a caller's own
 *     sf_flag_catch_signal() included), its mask and its subreaper setting.
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
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "grouputil.h"
#include "testutil.h"

enum { GRACE_MS = 200 };

static int64_t stop_sent_ms;
static const char *ready_fifo;

/* on_ready: wait until the exec task says it is ready (if it will), then
 * SIGTERM to ourselves, the master. */
static void stop_when_ready(void *ctx)
{
	if (ready_fifo) {
		char line[64];

		gu_read_line(ready_fifo, line, sizeof(line));
	}
	stop_sent_ms = tu_now_ms();
	kill(getpid(), SIGTERM);
}

/* Run g, stopped by SIGTERM once ready; returns how long the stop took. */
static int64_t run_and_time(sf_group *g, int want_status)
{
	int status;

	assert_int_equal(sf_group_set_grace(g, GRACE_MS), 0);
	assert_int_equal(sf_group_set_hooks(g, stop_when_ready, NULL, NULL), 0);
	status = sf_group_run(g);
	if (status != want_status)
		gu_log_dump();
	assert_int_equal(status, want_status);
	return tu_now_ms() - stop_sent_ms;
}

static void assert_killed_after_grace(int64_t took)
{
	printf("# stopped in %lld ms with a %d ms grace\n", (long long)took,
	       GRACE_MS);
	assert_true(took >= GRACE_MS - 5);
	assert_true(took < GRACE_MS + tu_work_bound_ms(4, 1000));
}

static void test_exec_task_ignoring_sigterm(void **state)
{
	sf_group *g = gu_group();
	char script[256];

	tu_watchdog(20, __func__);
	ready_fifo = gu_fifo();
	snprintf(script, sizeof(script),
		 "trap '' TERM; echo ready > %s; exec sleep 1000", ready_fifo);
	assert_int_equal(sf_group_add(g, "waiter", gu_task_wait, NULL), 0);
	assert_int_equal(sf_group_add_exec(g, "stubborn",
					   gu_argv("sh", "-c", script, (char *)NULL)), 1);
	assert_killed_after_grace(run_and_time(g, 0));
	assert_int_equal(gu_logged("task stubborn (pid"), 3);
	assert_int_equal(gu_logged("still running 200 ms after its stop "
				   "signal: SIGKILL"), 1);
	assert_int_equal(gu_logged("killed by signal 9 (SIGKILL)"), 1);
	ready_fifo = NULL;
	sf_group_destroy(g);
}

static void test_function_task_ignoring_stop(void **state)
{
	sf_group *g = gu_group();

	tu_watchdog(20, __func__);
	assert_int_equal(sf_group_add(g, "deaf", gu_task_deaf, NULL), 0);
	assert_int_equal(sf_group_add(g, "waiter", gu_task_wait, NULL), 1);
	assert_killed_after_grace(run_and_time(g, 0));
	assert_int_equal(gu_logged("task deaf (pid"), 3);
	assert_int_equal(gu_logged("SIGKILL"), 2);
	sf_group_destroy(g);
}

/* on_ready: wait until the exec task, which wrote its pid, is stopped
 * (SIGSTOP), then SIGTERM to ourselves, the master. */
static void stop_when_task_stopped(void *ctx)
{
	char line[64];
	siginfo_t si;
	pid_t pid;

	(void)ctx;
	gu_read_line(ready_fifo, line, sizeof(line));
	pid = (pid_t)strtol(line, NULL, 10);
	assert_true(pid > 0);
	/* WNOWAIT: the stop stays reportable; the library waits for exits */
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WSTOPPED | WNOWAIT), 0);
	stop_sent_ms = tu_now_ms();
	kill(getpid(), SIGTERM);
}

/* A stopped task cannot act on its stop signal: the master sends SIGCONT
 * after it, so that the task ends by that signal, at once, not by SIGKILL
 * once the grace is over. */
static void test_stopped_exec_task_continued_to_stop(void **state)
{
	enum { LONG_GRACE_MS = 5000 };
	sf_group *g = gu_group();
	char script[256];
	int64_t took;

	tu_watchdog(30, __func__);
	ready_fifo = gu_fifo();
	snprintf(script, sizeof(script),
		 "echo $$ > %s; kill -STOP $$; exec sleep 1000", ready_fifo);
	assert_int_equal(sf_group_add(g, "waiter", gu_task_wait, NULL), 0);
	assert_int_equal(sf_group_add_exec(g, "stopped",
					   gu_argv("sh", "-c", script, (char *)NULL)), 1);
	assert_int_equal(sf_group_set_grace(g, LONG_GRACE_MS), 0);
	assert_int_equal(sf_group_set_hooks(g, stop_when_task_stopped, NULL,
					    NULL), 0);
	assert_int_equal(sf_group_run(g), 0);
	took = tu_now_ms() - stop_sent_ms;
	printf("# stopped in %lld ms with a %d ms grace\n", (long long)took,
	       LONG_GRACE_MS);
	if (gu_logged("killed by signal 15 (SIGTERM)") != 1)
		gu_log_dump();
	assert_int_equal(gu_logged("task stopped (pid"), 2); /* started, killed */
	assert_int_equal(gu_logged("killed by signal 15 (SIGTERM)"), 1);
	assert_int_equal(gu_logged("SIGKILL"), 0);
	assert_true(took < LONG_GRACE_MS);
	ready_fifo = NULL;
	sf_group_destroy(g);
}

/* A task that ends takes its process group with it at once: a background
 * sleep that ignores SIGTERM must not wait for the (5 s) grace. */
static void test_task_end_kills_its_process_group(void **state)
{
	const char *pidfile = gu_tmp("pid");
	sf_group *g = gu_group();
	char script[256], line[64];
	int64_t t0 = tu_now_ms();
	pid_t left;

	tu_watchdog(20, __func__);
	snprintf(script, sizeof(script),
		 "trap '' TERM; sleep 1000 & echo $! > %s; exit 3", pidfile);
	assert_int_equal(sf_group_add(g, "waiter", gu_task_wait, NULL), 0);
	assert_int_equal(sf_group_add_exec(g, "parent",
					   gu_argv("sh", "-c", script, (char *)NULL)), 1);
	assert_int_equal(sf_group_run(g), 3);
	assert_true(tu_now_ms() - t0 < tu_bound_ms(1000));
	gu_read_line(pidfile, line, sizeof(line));
	left = (pid_t)strtol(line, NULL, 10);
	assert_true(left > 0);
	assert_false(gu_exists(left));
	sf_group_destroy(g);
}

/* ------------------------------------------------------- grandchildren */

struct grandchild {
	pid_t pid;
	int exits_early;   /* its parent task ends before the stop */
	int64_t stop_ms;   /* when it sent SIGTERM to the master */
};

/* Forks a grandchild that ignores every signal but SIGKILL and leaves for
 * a session of its own.  Once it is out (and, with exits_early, adopted
 * by the master), the grandchild sends SIGTERM to the master. */
static int parent_of_escapee(sf_task *task, void *arg)
{
	struct grandchild *gc = arg;
	pid_t master = getppid(), parent = getpid();

	if (fork() == 0) {
		sigset_t all;

		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
		setsid();
		gc->pid = getpid();
		while (gc->exits_early && getppid() == parent)
			tu_sleep_us(1000);
		gc->stop_ms = tu_now_ms();
		kill(master, SIGTERM);
		for (;;)
			pause();
	}
	while (!gc->pid)
		sf_task_sleep(task, 1);
	if (gc->exits_early)
		return 0;
	return gu_task_wait(task, NULL);
}

static void escapee_is_reaped(int exits_early)
{
	struct grandchild *gc = gu_shared(sizeof(*gc));
	sf_group *g = gu_group();
	char line[64];

	gc->exits_early = exits_early;
	assert_int_equal(sf_group_set_grace(g, GRACE_MS), 0);
	assert_int_equal(sf_group_set_strategy(g, SF_ONE_FOR_ONE), 0);
	assert_int_equal(sf_group_add(g, "waiter", gu_task_wait, NULL), 0);
	assert_int_equal(sf_group_add(g, "parent", parent_of_escapee, gc), 1);
	assert_int_equal(sf_group_run(g), 0);
	assert_killed_after_grace(tu_now_ms() - gc->stop_ms);
	assert_true(gc->pid > 0);
	assert_false(gu_exists(gc->pid));
	snprintf(line, sizeof(line), "pid %d (left behind by a task): SIGKILL",
		 (int)gc->pid);
	assert_int_equal(gu_logged(line), 1);
	sf_group_destroy(g);
}

static void test_setsid_grandchild_adopted_at_stop(void **state)
{
	tu_watchdog(20, __func__);
	escapee_is_reaped(0);
}

/* Adopted while the group runs: it gets SIGTERM at the stop, then SIGKILL. */
static void test_setsid_grandchild_adopted_before_stop(void **state)
{
	tu_watchdog(20, __func__);
	escapee_is_reaped(1);
	assert_int_equal(gu_logged("(left behind by a task): SIGTERM"), 1);
}

/* ----------------------------------------------------------- scribbles */

static void scribble(sf_task *task, int byte)
{
	unsigned char *page = (unsigned char *)sf_task_flag(task);

	for (int i = 0; i < 64; i++)
		page[i] = byte < 0 ? (unsigned char)random() : (unsigned char)byte;
}

/* arg: 0 scribble 0xff once; 1 scribble at random once; 2 scribble at
 * random without end.  Then SIGTERM to the master, and deaf. */
static int scribbler(sf_task *task, void *arg)
{
	int mode = (int)(intptr_t)arg;
	sigset_t all;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	srandom((unsigned)getpid());
	sf_task_sleep(task, (int)(random() % 3));
	scribble(task, mode == 0 ? 0xff : -1);
	kill(getppid(), SIGTERM);
	/* mode 2 scribbles until it is killed: NOLINTNEXTLINE(bugprone-infinite-loop) */
	while (mode == 2)
		scribble(task, -1);
	return gu_task_deaf(task, NULL);
}

static int64_t scribbled_run(int mode, struct sf_cause *cause)
{
	sf_group *g = gu_group();
	int64_t t0 = tu_now_ms();
	int status;

	assert_int_equal(sf_group_set_grace(g, GRACE_MS), 0);
	assert_int_equal(sf_group_add(g, "waiter", gu_task_wait, NULL), 0);
	assert_int_equal(sf_group_add_exec(g, "sleeper",
					   gu_argv("sleep", "1000", (char *)NULL)), 1);
	assert_int_equal(sf_group_add(g, "scribbler", scribbler,
				      (void *)(intptr_t)mode), 2);
	status = sf_group_run(g);
	assert_true(status >= 0 && status <= 255);
	assert_int_equal(sf_group_cause(g, cause, NULL), 0);
	sf_group_destroy(g);
	return tu_now_ms() - t0;
}

static void test_scribbled_page_all_ones(void **state)
{
	struct sf_cause cause;
	int64_t took;

	tu_watchdog(20, __func__);
	took = scribbled_run(0, &cause);
	assert_int_equal((int)cause.reason, 0xff);
	assert_true(took < GRACE_MS + tu_work_bound_ms(4, 1000));
	assert_int_equal(gu_logged("the shared page was overwritten"), 1);
}

static void test_scribbled_page_at_random(void **state)
{
	int rounds = tu_rounds(30);
	int64_t worst = 0;

	tu_watchdog(120, __func__);
	for (int r = 0; r < rounds; r++) {
		struct sf_cause cause;
		int64_t took = scribbled_run(1 + r % 2, &cause);

		if (took > worst)
			worst = took;
		assert_true(took < GRACE_MS + tu_work_bound_ms(4, 1000));
	}
	printf("# %d scribbled rounds: the master was done within %lld ms\n",
	       rounds, (long long)worst);
}

/* ----------------------------------------------- the master's own state */

static volatile int chld_calls;

static void count_chld(int signo)
{
	chld_calls++;
}

static void test_master_state_restored(void **state)
{
	struct sigaction hup, chld, after;
	sigset_t blocked, now;
	sf_flag *mine;
	int subreaper = -1;
	sf_group *g = gu_group();

	tu_watchdog(20, __func__);
	/* a caller's own catch of SIGTERM, a handler of SIGCHLD, an ignored
	 * SIGHUP, and SIGQUIT blocked */
	assert_int_equal(sf_flag_create(&mine), 0);
	assert_int_equal(sf_flag_catch_signal(mine, SIGTERM), 0);
	hup.sa_handler = SIG_IGN;
	sigemptyset(&hup.sa_mask);
	hup.sa_flags = 0;
	sigaction(SIGHUP, &hup, NULL);
	chld = hup;
	chld.sa_handler = count_chld;
	sigaction(SIGCHLD, &chld, NULL);
	chld_calls = 0;
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGQUIT);
	sigprocmask(SIG_BLOCK, &blocked, NULL);

	assert_int_equal(sf_group_add(g, "quitter", gu_task_exit, (void *)4), 0);
	assert_int_equal(sf_group_run(g), 4);

	sigaction(SIGHUP, NULL, &after);
	assert_ptr_equal(after.sa_handler, SIG_IGN);
	sigaction(SIGCHLD, NULL, &after);
	assert_ptr_equal(after.sa_handler, count_chld);
	/* and no SIGCHLD of the group's children reached the caller's */
	assert_int_equal(chld_calls, 0);
	sigprocmask(SIG_BLOCK, NULL, &now);
	assert_int_equal(sigismember(&now, SIGQUIT), 1);
	assert_int_equal(sigismember(&now, SIGTERM), 0);
	assert_int_equal(prctl(PR_GET_CHILD_SUBREAPER, &subreaper), 0);
	assert_int_equal(subreaper, 1);
	/* SIGTERM sets the caller's flag again, not the group's */
	assert_false(sf_flag_is_set(mine));
	kill(getpid(), SIGTERM);
	assert_true(sf_flag_is_set(mine));

	sigprocmask(SIG_UNBLOCK, &blocked, NULL);
	hup.sa_handler = SIG_DFL;
	sigaction(SIGHUP, &hup, NULL);
	sigaction(SIGTERM, &hup, NULL);
	sigaction(SIGCHLD, &hup, NULL);
	sf_flag_destroy(mine);
	sf_group_destroy(g);
}

/* A master that was no subreaper is none afterwards. */
static void test_subreaper_setting_restored(void **state)
{
	pid_t pid;

	tu_watchdog(20, __func__);
	pid = tu_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int before = -1, after = -1;
		sf_group *g;

		prctl(PR_GET_CHILD_SUBREAPER, &before);
		if (sf_group_create(&g) < 0 ||
		    sf_group_add(g, "t", gu_task_exit, NULL) < 0 ||
		    sf_group_run(g) != 0)
			_exit(2);
		prctl(PR_GET_CHILD_SUBREAPER, &after);
		_exit(before == 0 && after == 0 ? 0 : 1);
	}
	assert_int_equal(tu_wait(pid), 0);
}

GU_MAIN(
	GU_TEST(test_exec_task_ignoring_sigterm),
	GU_TEST(test_function_task_ignoring_stop),
	GU_TEST(test_stopped_exec_task_continued_to_stop),
	GU_TEST(test_task_end_kills_its_process_group),
	GU_TEST(test_setsid_grandchild_adopted_at_stop),
	GU_TEST(test_setsid_grandchild_adopted_before_stop),
	GU_TEST(test_scribbled_page_all_ones),
	GU_TEST(test_scribbled_page_at_random),
	GU_TEST(test_master_state_restored),
	GU_TEST(test_subreaper_setting_restored)
)
