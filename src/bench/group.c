/*
 * group.c - group mode: real groups of N function tasks through the
 * library, stopped four ways, each timed until every process is reaped.
 *
 * For every run we fork a master, which builds a group and calls
 * sf_group_run().  Each task records its pid, counts itself ready and
 * sleeps in sf_task_wait(); the master's on_ready hook says it started them
 * all.  Once every task and the master read 'S' in /proc (asleep, not
 * still starting), we stop the group:
 *
 *   sigterm         t0, kill(master, SIGTERM)
 *   request         task 0 takes t0 and calls sf_task_stop_all()
 *   task-sigkill    t0, kill(last task, SIGKILL)
 *   master-sigkill  t0, kill(master, SIGKILL); we are a child subreaper,
 *                   so the orphaned tasks become ours to reap
 *   keeper-sigkill  with sf_group_set_keeper(): t0, kill(keeper, SIGKILL);
 *                   its master stops the group and becomes ours to reap
 *   keeper-master-sigkill  with a keeper: t0, kill(its master, SIGKILL);
 *                   the keeper stops what the master left, exits 137
 *
 * and t1 is when we have reaped the master (whose sf_group_run() returns
 * only after reaping every task) or, for master-sigkill, the last process.
 * The scenarios are interleaved round by round, in rotating order.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stopflag.h"
#include "bench.h"

enum scenario { SC_SIGTERM, SC_REQUEST, SC_TASK_SIGKILL, SC_MASTER_SIGKILL,
		SC_KEEPER_SIGKILL, SC_INNER_SIGKILL, SC_COUNT };

static const char *const scenario_names[SC_COUNT] = {
	"sigterm", "request", "task-sigkill", "master-sigkill",
	"keeper-sigkill", "keeper-master-sigkill",
};

/* Exit status the process we forked must report (stopflagd(8)'s table);
 * -1: it is killed itself. */
static const int expected_status[SC_COUNT] = { 0, 0, 128 + SIGKILL, -1, -1,
					       128 + SIGKILL };

/* With a keeper, the process we fork keeps and its child is the master. */
static bool keeper_scenario(int sc)
{
	return sc == SC_KEEPER_SIGKILL || sc == SC_INNER_SIGKILL;
}

struct group_ctl {
	uint32_t ready;          /* tasks about to sleep */
	uint32_t master_ready;   /* 1: the on_ready hook ran; 2: it failed */
	int32_t master_err;      /* what failed, as a negative errno */
	uint32_t trigger;        /* request: task 0 may ask for the stop */
	int32_t scenario;
	int64_t t_request;       /* request: when task 0 asked */
	pid_t master;            /* the master (the keeper's child, if any) */
	pid_t pids[BENCH_MAX_TASKS];
};

static struct group_ctl *ctl;
static int ntasks;
static int task_index[BENCH_MAX_TASKS]; /* each task's argument */

/* ---------------------------------------------------------------- the master */

static int task_main(sf_task *task, void *arg)
{
	int me = *(const int *)arg;

	ctl->pids[me] = getpid();
	if (ctl->scenario == SC_REQUEST && me == 0) {
		ctl_count(&ctl->ready, (uint32_t)ntasks);
		ctl_wait(&ctl->trigger, 0, 1 << 30);
		ctl->t_request = now_ns();
		sf_task_stop_all(task, 0);
		return 0;
	}
	ctl_count(&ctl->ready, (uint32_t)ntasks);
	sf_task_wait(task, -1);
	return 0;
}

static void on_ready(void *ctx)
{
	(void)ctx;
	ctl->master = getpid();
	__atomic_store_n(&ctl->master_ready, 1, __ATOMIC_RELEASE);
	ctl_wake(&ctl->master_ready);
}

/* Say at once that the group cannot run, rather than let the benchmark
 * wait for tasks that never come. */
static void __attribute__((noreturn)) master_failed(int err)
{
	ctl->master_err = err;
	__atomic_store_n(&ctl->ready, (uint32_t)ntasks, __ATOMIC_RELEASE);
	ctl_wake(&ctl->ready);
	__atomic_store_n(&ctl->master_ready, 2, __ATOMIC_RELEASE);
	ctl_wake(&ctl->master_ready);
	_exit(70);
}

static void __attribute__((noreturn)) master_main(void)
{
	sf_group *g;
	int ret = sf_group_create(&g);

	for (int i = 0; ret >= 0 && i < ntasks; i++) {
		char name[16];

		snprintf(name, sizeof(name), "t%d", i);
		task_index[i] = i;
		ret = sf_group_add(g, name, task_main, &task_index[i]);
	}
	if (ret >= 0)
		ret = sf_group_set_hooks(g, on_ready, NULL, NULL);
	if (ret >= 0)
		ret = sf_group_set_keeper(g, keeper_scenario(ctl->scenario));
	if (ret >= 0)
		ret = sf_group_run(g);
	if (ret < 0)
		master_failed(ret);
	_exit(ret & 0xff);
}

/* ---------------------------------------------------------------- reaping */

static void alarm_interrupts(int signo)
{
	(void)signo;
}

/* waitpid(pid) that gives up at the deadline: an interval timer
 * interrupts the wait (the handler has no SA_RESTART).  Returns the pid
 * reaped, or -errno (-ETIMEDOUT, -ECHILD). */
static pid_t reap(pid_t pid, int *status, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ns();
		struct itimerval it = { { 0, 0 }, { 0, 0 } };
		pid_t got;

		if (left <= 0)
			return -ETIMEDOUT;
		it.it_value.tv_sec = left / 1000000000;
		it.it_value.tv_usec = left % 1000000000 / 1000 + 1;
		setitimer(ITIMER_REAL, &it, NULL);
		got = waitpid(pid, status, 0);
		memset(&it, 0, sizeof(it));
		setitimer(ITIMER_REAL, &it, NULL);
		if (got > 0)
			return got;
		if (errno != EINTR)
			return -errno;
	}
}

/* Kill whatever is left of a failed run and reap it all. */
static void cleanup(pid_t master)
{
	int64_t deadline = now_ns() + (int64_t)bound_ms(5000) * 1000000;

	if (master > 0)
		kill(master, SIGKILL);
	if (ctl->master > 0)
		kill(ctl->master, SIGKILL);
	for (int i = 0; i < ntasks; i++)
		if (ctl->pids[i] > 0)
			kill(ctl->pids[i], SIGKILL);
	while (reap(-1, NULL, deadline) > 0)
		;
}

/* ---------------------------------------------------------------- one run */

static int fail(enum scenario sc, const char *what)
{
	fprintf(stderr, "stopflag-bench: group: %s: %s\n", scenario_names[sc],
		what);
	return -EIO;
}

static int start_group_asleep(enum scenario sc, pid_t *master)
{
	int64_t t = now_ns();
	pid_t watch[BENCH_MAX_TASKS + 2];
	int nwatch = ntasks + 1;
	struct sleepwatch *w;
	int err;

	memset(ctl, 0, sizeof(*ctl));
	ctl->scenario = sc;
	fflush(NULL);
	*master = fork_bound();
	if (*master < 0)
		return (int)*master;
	if (*master == 0)
		master_main();
	if (ctl_wait_count(&ctl->ready, (uint32_t)ntasks, bound_ms(10000)) < 0 ||
	    ctl_wait(&ctl->master_ready, 0,
		     bound_ms(10000) - (int)((now_ns() - t) / 1000000)) < 0)
		return fail(sc, "the group did not start within 10 s");
	if (ctl->master_ready != 1) {
		fprintf(stderr, "stopflag-bench: group: the master could not "
			"run the group: %s\n", sf_strerror(ctl->master_err));
		return -EIO;
	}
	memcpy(watch, ctl->pids, (size_t)ntasks * sizeof(pid_t));
	watch[ntasks] = *master;
	if (ctl->master != *master)
		watch[nwatch++] = ctl->master;
	w = sleepwatch_open(watch, nwatch);
	if (!w)
		return fail(sc, "cannot read /proc/PID/stat");
	err = sleepwatch_all_asleep(w, bound_ms(10000), NULL);
	sleepwatch_close(w);
	return err < 0 ? fail(sc, "the group never settled") : 0;
}

static int64_t trigger(enum scenario sc, pid_t master)
{
	int64_t t0 = now_ns();

	switch (sc) {
	case SC_SIGTERM:
		kill(master, SIGTERM);
		break;
	case SC_REQUEST:
		__atomic_store_n(&ctl->trigger, 1, __ATOMIC_RELEASE);
		ctl_wake(&ctl->trigger);
		break;
	case SC_TASK_SIGKILL:
		kill(ctl->pids[ntasks - 1], SIGKILL);
		break;
	case SC_INNER_SIGKILL:
		kill(ctl->master, SIGKILL);
		break;
	default:
		kill(master, SIGKILL);
		break;
	}
	return t0;
}

/* Reap the master and, after master-sigkill, the orphans (after
 * keeper-sigkill, the keeper and its master); check its exit status and
 * that nothing is left.  Returns t1, or -errno. */
static int64_t reap_group(enum scenario sc, pid_t master)
{
	int64_t deadline = now_ns() + (int64_t)bound_ms(10000) * 1000000;
	int status, left = sc == SC_MASTER_SIGKILL ? ntasks + 1 :
			   sc == SC_KEEPER_SIGKILL ? 2 : 1;
	bool master_ok = false;

	while (left > 0) {
		pid_t got = reap(sc == SC_MASTER_SIGKILL ||
				 sc == SC_KEEPER_SIGKILL ? -1 : master,
				 &status, deadline);

		if (got < 0)
			return fail(sc, "the group did not stop within 10 s");
		left--;
		if (got != master)
			continue;
		if (expected_status[sc] < 0)
			master_ok = WIFSIGNALED(status) &&
				    WTERMSIG(status) == SIGKILL;
		else
			master_ok = WIFEXITED(status) &&
				    WEXITSTATUS(status) == expected_status[sc];
	}
	if (!master_ok)
		return fail(sc, "the master ended with an unexpected status");
	if (waitpid(-1, NULL, WNOHANG) != -1 || errno != ECHILD)
		return fail(sc, "a process of the group outlived its master");
	return now_ns();
}

/* One stop of one group: its time in ns, or -errno. */
static int64_t run_once(enum scenario sc)
{
	pid_t master = 0;
	int64_t t0, t1;
	int err = start_group_asleep(sc, &master);

	if (err < 0) {
		cleanup(master);
		return err;
	}
	t0 = trigger(sc, master);
	t1 = reap_group(sc, master);
	if (t1 < 0) {
		cleanup(master);
		return t1;
	}
	if (sc == SC_REQUEST)
		t0 = ctl->t_request;
	return t1 - t0;
}

/* ---------------------------------------------------------------- the mode */

static int setup(void)
{
	struct sigaction sa = { .sa_handler = alarm_interrupts };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		return -errno;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return -errno;
	ctl = shared_alloc(sizeof(*ctl));
	return ctl ? 0 : -errno;
}

static void summarize(int64_t *ns, int rounds, struct group_row *row)
{
	sort_i64(ns, (size_t)rounds);
	row->p50_ms = (double)percentile_sorted(ns, (size_t)rounds, 50) / 1e6;
	row->p90_ms = (double)percentile_sorted(ns, (size_t)rounds, 90) / 1e6;
	row->max_ms = (double)ns[rounds - 1] / 1e6;
}

static int measure(const struct group_opts *opts, int64_t *ns[SC_COUNT])
{
	for (int r = 0; r < opts->rounds; r++) {
		progress("group: round %d/%d", r + 1, opts->rounds);
		for (int j = 0; j < SC_COUNT; j++) {
			int sc = (j + r) % SC_COUNT;
			int64_t t = run_once((enum scenario)sc);

			if (t < 0)
				return (int)t;
			ns[sc][r] = t;
		}
	}
	progress_done();
	return 0;
}

int group_run(const struct group_opts *opts)
{
	int64_t *ns[SC_COUNT] = { NULL };
	struct group_row rows[SC_COUNT];
	FILE *human = opts->json ? stderr : stdout;
	int err = setup();

	ntasks = opts->tasks;
	for (int i = 0; i < SC_COUNT && err == 0; i++) {
		ns[i] = calloc((size_t)opts->rounds, sizeof(int64_t));
		if (!ns[i])
			err = -ENOMEM;
	}
	if (err == 0) {
		fprintf(human, "stopflag-bench group: %d task%s, %d round%s; "
			"scenarios interleaved round by round (rotating "
			"order), each timed until every process is reaped\n",
			opts->tasks, opts->tasks == 1 ? "" : "s", opts->rounds,
			opts->rounds == 1 ? "" : "s");
		fflush(human);
		err = measure(opts, ns);
	}
	progress_done();
	if (err == 0) {
		for (int i = 0; i < SC_COUNT; i++) {
			rows[i].scenario = scenario_names[i];
			summarize(ns[i], opts->rounds, &rows[i]);
		}
		out_group_table(human, rows, SC_COUNT);
		if (opts->json)
			out_group_json(stdout, opts->tasks, opts->rounds,
				       rows, SC_COUNT);
	} else if (err != -EIO) {
		fprintf(stderr, "stopflag-bench: group: %s\n", strerror(-err));
	}
	for (int i = 0; i < SC_COUNT; i++)
		free(ns[i]);
	shared_free(ctl, sizeof(*ctl));
	return err;
}
