/*
 * group-stress.c - a hunt for races: round after round, a random group
 * (1 to 6 function tasks, 0 to 2 exec tasks, some deaf to their stop
 * signal, any strategy) is stopped by a random path at a random moment,
 * often while it is still starting:
 *   SIGINT/TERM/QUIT/HUP to the master, a request, a task that exits, a
 *   task SIGKILLed, a stop signal to one task, the master SIGKILLed.
 * Every round must end with the expected status and cause, within the
 * grace plus a generous bound, and leave nothing behind (checked after
 * every round, not only after the test).  SF_STRESS_ROUNDS sets the count
 * (`make stress`).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
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

enum path { SIGNAL, REQUEST, EXIT, KILLED, STOP_SIGNAL, MASTER_KILLED, NPATHS };

static const char *const path_names[NPATHS] = {
	"signal to the master", "request", "task exit", "task SIGKILLed",
	"stop signal to one task", "master SIGKILLed",
};

static const char *path_name(enum path p)
{
	return (unsigned)p < NPATHS ? path_names[p] : "?";
}

enum { GRACE_MS = 20 };

struct round {
	enum path path;
	enum sf_strategy strategy;
	int signo;     /* SIGNAL */
	int code;      /* REQUEST, EXIT */
	long delay_us; /* before the operator acts */
};

/* The task that stops the group, after its delay. */
static int operator(sf_task *task, void *arg)
{
	const struct round *r = arg;

	tu_sleep_us(r->delay_us);
	switch (r->path) {
	case SIGNAL:
		kill(getppid(), r->signo);
		break;
	case REQUEST:
		sf_task_stop_all(task, r->code);
		break;
	case EXIT:
		return r->code;
	case KILLED:
		raise(SIGKILL);
		break;
	case STOP_SIGNAL:
		kill(getpid(), SIGTERM);
		return 0;
	case MASTER_KILLED:
	case NPATHS:
		break;
	}
	return gu_task_wait(task, NULL);
}

/* deaf: whether some tasks may ignore their stop signal (not when the
 * master is SIGKILLed: nobody would be left to SIGKILL them). */
static sf_group *random_group(struct round *r, bool deaf)
{
	static const int signals[] = { SIGINT, SIGTERM, SIGQUIT, SIGHUP };
	int nfn = 1 + (int)(random() % 6), nexec = (int)(random() % 3);
	int op = (int)(random() % (nfn + 1));
	sf_group *g = gu_group();

	r->signo = signals[random() % 4];
	r->code = (int)(random() % 256);
	r->delay_us = random() % 3 ? random() % 2000 : 0;
	assert_int_equal(sf_group_set_grace(g, GRACE_MS), 0);
	r->strategy = (enum sf_strategy)(random() % 4);
	assert_int_equal(sf_group_set_strategy(g, r->strategy), 0);
	/* under a restarting strategy the operator's end must stop the group:
	 * it is permanent, and no restart is allowed */
	assert_int_equal(sf_group_set_intensity(g, 0, 60000), 0);
	for (int i = 0; i <= nfn + nexec; i++) {
		char name[16];
		int id;

		snprintf(name, sizeof(name), "t%d", i);
		if (i == op)
			id = sf_group_add(g, name, operator, r);
		else if (i > nfn)
			id = sf_group_add_exec(g, name,
					       gu_argv("sleep", "1000", (char *)NULL));
		else
			id = sf_group_add(g, name, !deaf || random() % 4 ?
					  gu_task_wait : gu_task_deaf, NULL);
		assert_int_equal(id, i);
		assert_int_equal(sf_group_set_restart(g, id, i == op ?
				SF_PERMANENT : (enum sf_restart)(random() % 3)), 0);
	}
	return g;
}

static void expect(const struct round *r, sf_group *g, int status)
{
	struct sf_cause c = { SF_REASON_NONE, 0, 0 };
	int want_status = 0;
	enum sf_reason want = SF_REASON_SIGNAL;

	assert_int_equal(sf_group_cause(g, &c, NULL), 0);
	switch (r->path) {
	case SIGNAL:
		break;
	case REQUEST:
		want = SF_REASON_REQUEST;
		want_status = r->code;
		break;
	case EXIT:
		want = SF_REASON_EXITED;
		want_status = r->code;
		break;
	case KILLED:
		want = SF_REASON_KILLED;
		want_status = 128 + SIGKILL;
		break;
	case STOP_SIGNAL:
		/* stop-all: the group follows the task; else the task ends,
		 * exits 0, and may not restart */
		if (r->strategy != SF_STOP_ALL)
			want = SF_REASON_EXITED;
		break;
	case MASTER_KILLED:
	case NPATHS:
		break;
	}
	if (status != want_status || c.reason != want) {
		gu_log_dump();
		fail_msg("%s: status %d, cause %s; want %d, %s",
			 path_name(r->path), status, sf_reason_name(c.reason),
			 want_status, sf_reason_name(want));
	}
}

static void one_round(struct round *r, int64_t *worst_ms)
{
	sf_group *g = random_group(r, true);
	int64_t t0 = tu_now_ms(), took;

	expect(r, g, sf_group_run(g));
	took = tu_now_ms() - t0 - r->delay_us / 1000;
	if (took > *worst_ms)
		*worst_ms = took;
	/* up to 8 tasks start and stop (random_group()) */
	if (took > GRACE_MS + tu_work_bound_ms(2 * 8, 1000))
		fail_msg("%s: the stop took %lld ms", path_name(r->path),
			 (long long)took);
	sf_group_destroy(g);
}

/* A random group whose operator just waits: the master will be killed. */
static sf_group *group_to_kill(void *ctx)
{
	struct round *r = ctx;
	sf_group *g = random_group(r, false);

	r->path = SIGNAL;
	r->signo = 0; /* kill(master, 0): nothing */
	return g;
}

/* The master in a child of ours, SIGKILLed at a random moment (maybe
 * before it is ready); every process it started must be gone soon. */
static void master_killed_round(struct round *r, int64_t *worst_ms)
{
	bool ready = random() % 2;
	pid_t kids[64], master = gu_fork_master(group_to_kill, r, ready);
	int n, st;
	int64_t t0;

	if (!ready)
		tu_sleep_us(random() % 2000);
	t0 = tu_now_ms();
	kill(master, SIGKILL);
	st = tu_wait(master);
	assert_true(WIFSIGNALED(st) || WIFEXITED(st));
	/* its children are ours now: every one must end by itself */
	while ((n = gu_children_of(getpid(), kids, 64)) > 0 ||
	       waitpid(-1, &st, WNOHANG) > 0)
		for (int i = 0; i < n; i++)
			tu_wait(kids[i]);
	if (tu_now_ms() - t0 > *worst_ms)
		*worst_ms = tu_now_ms() - t0;
	/* A task that did not end by itself would sleep 1000 s: a bound of
	 * seconds tells it apart, and does not fail a loaded machine whose
	 * run queue delays the PDEATHSIG'd tasks' exits by a second. */
	if (tu_now_ms() - t0 > tu_work_bound_ms(8, 5000))
		fail_msg("the master's children took %lld ms to go",
			 (long long)(tu_now_ms() - t0));
}

static void test_random_stop_paths(void **state)
{
	int rounds = tu_rounds(300), count[NPATHS] = { 0 };
	int64_t worst[NPATHS] = { 0 };

	for (int i = 0; i < rounds; i++) {
		struct round r = { .path = (enum path)(random() % NPATHS) };

		tu_watchdog(30, path_name(r.path));
		count[r.path]++;
		if (r.path == MASTER_KILLED)
			master_killed_round(&r, &worst[r.path]);
		else
			one_round(&r, &worst[r.path]);
		if (gu_teardown(NULL) != 0)
			fail_msg("round %d (%s) left something behind", i,
				 path_name(r.path));
	}
	for (int p = 0; p < NPATHS; p++)
		printf("# %-24s %4d rounds, slowest %lld ms\n", path_names[p],
		       count[p], (long long)worst[p]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_random_stop_paths,
						gu_setup, gu_teardown),
	};
	unsigned seed = (unsigned)getpid() ^ (unsigned)tu_now_ns();

	gu_init();
	printf("# seed %u\n", seed);
	srandom(seed);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
