/*
 * group-stop-paths.c - every way a group stops, and that each is fast and
 * leaves nothing behind (checked after every test):
 *   - SIGINT, SIGTERM, SIGQUIT, SIGHUP to the master: reason SIGNAL, 0;
 *   - sf_task_stop_all(): reason REQUEST, the code; the other tasks wake
 *     at once from sf_task_sleep(task, 5000), by the flag alone;
 *   - a task that ends, or is killed by any signal, SIGKILL included;
 *   - a stop signal sent to one task alone (SF_STOP_ALL: the group follows);
 *   - the master SIGKILLed: every child, function or exec task, is gone
 *     within tens of milliseconds, and function tasks saw PARENT_DIED;
 *   - 200 function tasks, reaped well under a second.
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

/* ------------------------------------------------------ signals to master */

/* Sends the signal in arg to the master once it is asleep, then waits. */
static int operator(sf_task *task, void *arg)
{
	sf_task_sleep(task, 30);
	kill(getppid(), (int)(intptr_t)arg);
	return gu_task_wait(task, NULL);
}

static void signal_to_master(int signo)
{
	char **sleep_argv = gu_argv("sleep", "1000", (char *)NULL);
	struct sigaction before, after;
	struct sf_cause cause;
	sf_group *g = gu_group();

	tu_watchdog(20, __func__);
	sigaction(signo, NULL, &before);
	assert_int_equal(sf_group_add(g, "a", gu_task_wait, NULL), 0);
	assert_int_equal(sf_group_add(g, "b", gu_task_wait, NULL), 1);
	assert_int_equal(sf_group_add_exec(g, "sleeper", sleep_argv), 2);
	assert_int_equal(sf_group_add(g, "operator", operator,
				      (void *)(intptr_t)signo), 3);
	gu_run_expect(g, 0, SF_REASON_SIGNAL, signo, NULL);
	assert_int_equal(sf_group_cause(g, &cause, NULL), 0);
	assert_int_equal(cause.pid, getpid());
	/* the exec task got its stop signal; function tasks returned 0 */
	assert_int_equal(gu_logged("task sleeper (pid"), 2);
	assert_int_equal(gu_logged("killed by signal 15 (SIGTERM)"), 1);
	assert_int_equal(gu_logged("exited with status 0"), 3);
	/* and the master's disposition is what it was */
	sigaction(signo, NULL, &after);
	assert_ptr_equal(after.sa_handler, before.sa_handler);
	sf_group_destroy(g);
}

static void test_sigint_to_master(void **state)  { signal_to_master(SIGINT); }
static void test_sigterm_to_master(void **state) { signal_to_master(SIGTERM); }
static void test_sigquit_to_master(void **state) { signal_to_master(SIGQUIT); }
static void test_sighup_to_master(void **state)  { signal_to_master(SIGHUP); }

/* ------------------------------------------------------------- requests */

struct wake {
	int64_t requested_ns;
	int64_t woke_ns[3];
	int slept[3];
};

/* Sleeps 5 s with its stop signals blocked: only the flag can wake it. */
static int sleeper(sf_task *task, void *arg)
{
	struct wake *w = arg;
	int i = sf_task_name(task)[5] - '0';
	sigset_t all;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	w->slept[i] = sf_task_sleep(task, 5000);
	w->woke_ns[i] = tu_now_ns();
	return 0;
}

static int requester(sf_task *task, void *arg)
{
	struct wake *w = arg;

	sf_task_sleep(task, 100);
	w->requested_ns = tu_now_ns();
	return sf_task_stop_all(task, 7) == 1 ? 0 : 1;
}

static void test_stop_all_wakes_sleepers_at_once(void **state)
{
	struct wake *w = gu_shared(sizeof(*w));
	sf_group *g = gu_group();

	tu_watchdog(20, __func__);
	for (int i = 0; i < 3; i++) {
		char n[16];

		snprintf(n, sizeof(n), "sleep%d", i);
		assert_true(sf_group_add(g, n, sleeper, w) >= 0);
	}
	assert_int_equal(sf_group_add(g, "requester", requester, w), 3);
	gu_run_expect(g, 7, SF_REASON_REQUEST, 7, "requester");
	for (int i = 0; i < 3; i++) {
		int64_t us = (w->woke_ns[i] - w->requested_ns) / 1000;

		assert_int_equal(w->slept[i], 1);
		printf("# sleeper %d woke %lld us after the request\n", i,
		       (long long)us);
		assert_true(us >= 0 && us < tu_work_bound_ms(4, 200) * 1000);
	}
	sf_group_destroy(g);
}

/* ------------------------------------------------------ ends and deaths */

static int raise_arg(sf_task *task, void *arg)
{
	sf_task_sleep(task, 20);
	raise((int)(intptr_t)arg);
	return 99;
}

struct end_case {
	const char *what;
	sf_task_fn *fn;
	void *arg;
	char *const *argv;
	enum sf_reason reason;
	int code;
	int status;
};

static void one_ending_task(const struct end_case *c)
{
	sf_group *g = gu_group();

	assert_int_equal(sf_group_add(g, "waiter", gu_task_wait, NULL), 0);
	if (c->fn)
		assert_int_equal(sf_group_add(g, "ender", c->fn, c->arg), 1);
	else
		assert_int_equal(sf_group_add_exec(g, "ender", c->argv), 1);
	assert_int_equal(sf_group_add(g, "waiter2", gu_task_wait, NULL), 2);
	printf("# %s\n", c->what);
	gu_run_expect(g, c->status, c->reason, c->code, "ender");
	sf_group_destroy(g);
}

static void test_task_end_or_death_stops_group(void **state)
{
	char **exit5 = gu_argv("sh", "-c", "exit 5", (char *)NULL);
	char **kill9 = gu_argv("sh", "-c", "kill -KILL $$", (char *)NULL);
	char **true_ = gu_argv("true", (char *)NULL);
	const struct end_case cases[] = {
		{ "returns 3", gu_task_exit, (void *)3, NULL,
		  SF_REASON_EXITED, 3, 3 },
		{ "returns 0", gu_task_exit, (void *)0, NULL,
		  SF_REASON_EXITED, 0, 0 },
		{ "SIGKILL", raise_arg, (void *)SIGKILL, NULL,
		  SF_REASON_KILLED, SIGKILL, 137 },
		{ "SIGUSR2", raise_arg, (void *)SIGUSR2, NULL,
		  SF_REASON_KILLED, SIGUSR2, 128 + SIGUSR2 },
		{ "exec exits 5", NULL, NULL, exit5, SF_REASON_EXITED, 5, 5 },
		{ "exec SIGKILL", NULL, NULL, kill9, SF_REASON_KILLED, 9, 137 },
		{ "exec true", NULL, NULL, true_, SF_REASON_EXITED, 0, 0 },
	};

	tu_watchdog(30, __func__);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		one_ending_task(&cases[i]);
}

/* A task that SIGKILLs a sibling: the sibling's end stops the group. */
struct pids {
	pid_t victim;
};

static int victim(sf_task *task, void *arg)
{
	struct pids *p = arg;

	p->victim = getpid();
	return gu_task_wait(task, NULL);
}

static int killer(sf_task *task, void *arg)
{
	struct pids *p = arg;

	while (!p->victim && !sf_task_should_stop(task))
		sf_task_sleep(task, 1);
	kill(p->victim, SIGKILL);
	return gu_task_wait(task, NULL);
}

static void test_sibling_sigkilled_stops_group(void **state)
{
	struct pids *p = gu_shared(sizeof(*p));
	struct sf_cause cause;
	sf_group *g = gu_group();

	tu_watchdog(20, __func__);
	assert_int_equal(sf_group_add(g, "victim", victim, p), 0);
	assert_int_equal(sf_group_add(g, "killer", killer, p), 1);
	gu_run_expect(g, 137, SF_REASON_KILLED, SIGKILL, "victim");
	assert_int_equal(sf_group_cause(g, &cause, NULL), 0);
	assert_int_equal(cause.pid, p->victim);
	sf_group_destroy(g);
}

/* A stop signal for one task alone: under SF_STOP_ALL, the group follows,
 * with that task as the cause. */
static int stops_itself(sf_task *task, void *arg)
{
	sf_task_sleep(task, 20);
	kill(getpid(), SIGTERM);
	if (!sf_task_should_stop(task))
		return 1;
	return 0;
}

static void test_task_stop_signal_stops_group(void **state)
{
	sf_group *g = gu_group();

	tu_watchdog(20, __func__);
	assert_int_equal(sf_group_add(g, "other", gu_task_wait, NULL), 0);
	assert_int_equal(sf_group_add(g, "self", stops_itself, NULL), 1);
	gu_run_expect(g, 0, SF_REASON_SIGNAL, SIGTERM, "self");
	sf_group_destroy(g);
}

/* ------------------------------------------------------- master death */

/* Returns 42 if it was woken by the master's death. */
static int parent_watcher(sf_task *task, void *arg)
{
	struct sf_cause c;

	while (sf_task_wait(task, -1) != 0)
		;
	if (sf_flag_cause(sf_task_flag(task), &c) == 0 &&
	    c.reason == SF_REASON_PARENT_DIED)
		return 42;
	return 1;
}

/* Three function and two exec tasks, one of them with SIGUSR1 as its
 * stop signal. */
static sf_group *five_tasks(void *ctx)
{
	char **sleep_argv = gu_argv("sleep", "1000", (char *)NULL);
	sf_group *g;

	if (sf_group_create(&g) < 0)
		_exit(90);
	for (int i = 0; i < 3; i++) {
		char n[16];

		snprintf(n, sizeof(n), "f%d", i);
		sf_group_add(g, n, parent_watcher, NULL);
	}
	sf_group_add_exec(g, "term", sleep_argv);
	sf_group_add_exec(g, "usr1", sleep_argv);
	sf_group_set_stop_signal(g, 4, SIGUSR1);
	return g;
}

static void master_sigkilled_once(int64_t *worst_ms)
{
	pid_t kids[16], master = gu_fork_master(five_tasks, NULL, true);
	int n = gu_children_of(master, kids, 16), st, parent_died = 0;
	int term = 0, usr1 = 0;
	int64_t t0, took;

	assert_int_equal(n, 5);
	t0 = tu_now_ns();
	kill(master, SIGKILL);
	st = tu_wait(master);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	/* Its children are ours now (we are their subreaper). */
	for (int i = 0; i < n; i++) {
		st = tu_wait(kids[i]);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 42)
			parent_died++;
		else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM)
			term++;
		else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1)
			usr1++;
		else
			fail_msg("child %d ended with status 0x%x", i, st);
	}
	took = (tu_now_ns() - t0) / 1000000;
	if (took > *worst_ms)
		*worst_ms = took;
	assert_int_equal(parent_died, 3);
	assert_int_equal(term, 1);
	assert_int_equal(usr1, 1);
	/* five processes wake, exit and are reaped */
	assert_true(took < tu_work_bound_ms(5, 100));
}

static void test_master_sigkilled_children_follow(void **state)
{
	int rounds = tu_rounds(20);
	int64_t worst = 0;

	tu_watchdog(60, __func__);
	for (int r = 0; r < rounds; r++)
		master_sigkilled_once(&worst);
	printf("# master SIGKILLed: every child gone within %lld ms "
	       "(worst of %d rounds)\n", (long long)worst, rounds);
}

/* ---------------------------------------------------------- 200 tasks */

static int64_t stop_sent_ns;

static void stop_now(void *ctx)
{
	stop_sent_ns = tu_now_ns();
	kill(getpid(), SIGTERM);
}

static void test_200_tasks_reaped_quickly(void **state)
{
	sf_group *g = gu_group();
	/* Every task answers within the grace: 200 of them may need
	 * seconds under memcheck, and more on a loaded machine. */
	int64_t grace_ms = tu_work_bound_ms(200, 500), took;

	tu_watchdog(60, __func__);
	assert_int_equal(sf_group_set_grace(g, (int)grace_ms), 0);
	for (int i = 0; i < 200; i++) {
		char n[16];

		snprintf(n, sizeof(n), "t%d", i);
		assert_int_equal(sf_group_add(g, n, gu_task_wait, NULL), i);
	}
	assert_int_equal(sf_group_set_hooks(g, stop_now, NULL, NULL), 0);
	assert_int_equal(sf_group_run(g), 0);
	took = (tu_now_ns() - stop_sent_ns) / 1000;
	printf("# 200 function tasks: stopped and reaped in %lld us "
	       "(grace %lld ms)\n", (long long)took, (long long)grace_ms);
	assert_int_equal(gu_logged("exited with status 0"), 200);
	assert_true(took < grace_ms * 1000);
	sf_group_destroy(g);
}

GU_MAIN(
	GU_TEST(test_sigint_to_master),
	GU_TEST(test_sigterm_to_master),
	GU_TEST(test_sigquit_to_master),
	GU_TEST(test_sighup_to_master),
	GU_TEST(test_stop_all_wakes_sleepers_at_once),
	GU_TEST(test_task_end_or_death_stops_group),
	GU_TEST(test_sibling_sigkilled_stops_group),
	GU_TEST(test_task_stop_signal_stops_group),
	GU_TEST(test_master_sigkilled_children_follow),
	GU_TEST(test_200_tasks_reaped_quickly)
)
