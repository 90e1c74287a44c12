/*
 * master.c - the program under test: a master that builds the scenario's
 * group with the public API, runs it, and records what sf_group_run()
 * returned, the cause, and what it left behind.
 *
 * It runs in a child of the driver, in its own process group (so that a
 * stray kill(0, ...) cannot reach the driver), dies with the driver
 * (PR_SET_PDEATHSIG), and has the shared record as standard input, which
 * exec tasks inherit.  Under an RLIMIT_NPROC plan it first becomes a uid
 * of its own with that limit: root is exempt from the limit.
 */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "stress.h"
#include "testutil.h"

static const int stop_signals[] = { SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD };
#define NSTOP (sizeof(stop_signals) / sizeof(stop_signals[0]))

static struct st_shared *rec;
static pid_t program_pid; /* this program's; a keeper's master has another */

/* What each function task gets as its argument: its index. */
static int task_index[ST_MAX_TASKS];

/* The program's own handler, in place before and after the run. */
static void program_handler(int signo)
{
	(void)signo;
	__atomic_add_fetch(&rec->res.program_handler_calls, 1, __ATOMIC_SEQ_CST);
}

static void log_line(void *ctx, int priority, const char *msg)
{
	struct st_shared *sh = ctx;
	unsigned n = sh->log_next++ % ST_LOG_LINES;

	if (getpid() != program_pid) /* a keeper's master: the cause's pid */
		ST_STORE(&sh->inner, getpid());

	snprintf(sh->log[n], ST_LOG_LEN, "%+8.1fms <%d> %s",
		 (double)(tu_now_ns() - sh->t0_ns) / 1e6, priority, msg);
}

static void fail_setup(struct st_shared *sh, int step, int err)
{
	sh->res.setup_step = step;
	sh->res.setup_err = err;
	_exit(ST_MASTER_SETUP);
}

/* Keep in PATH only the directories this uid may search: exec of a
 * missing program must fail with ENOENT, not with the EACCES of a
 * directory that only root could enter. */
static void searchable_path_only(void)
{
	const char *path = getenv("PATH");
	char kept[4096] = "", copy[4096], *dir, *save = NULL;
	size_t len = 0;

	if (!path || strlen(path) >= sizeof(copy))
		return;
	memcpy(copy, path, strlen(path) + 1);
	for (dir = strtok_r(copy, ":", &save); dir;
	     dir = strtok_r(NULL, ":", &save)) {
		if (access(dir, X_OK) < 0 || len + strlen(dir) + 2 > sizeof(kept))
			continue;
		len += (size_t)snprintf(kept + len, sizeof(kept) - len, "%s%s",
					len ? ":" : "", dir);
	}
	setenv("PATH", kept, 1);
}

/* The hard limit leaves room for what the master does once the group is
 * down: a sanitizer's leak check at exit() clones a tracer. */
#define NPROC_AFTER 8

/* What the master execs (stopflagd, stress-task) cannot raise its limit
 * before exit(): in a sanitizer build, LeakSanitizer's check there would
 * find RLIMIT_NPROC used up (by a bomb, by the group itself), fail to
 * clone its tracer and abort a process that did everything right.  Those
 * programs get no leak check in these scenarios (make check has theirs);
 * the master of our own, already running, keeps its own.  Elsewhere the
 * variable means nothing. */
static void no_leak_check_after_exec(void)
{
	const char *asan = getenv("ASAN_OPTIONS");
	char opts[512];

	snprintf(opts, sizeof(opts), "%s%sdetect_leaks=0", asan ? asan : "",
		 asan && *asan ? ":" : "");
	setenv("ASAN_OPTIONS", opts, 1);
}

static void become_limited(struct st_shared *sh)
{
	struct rlimit rl = { (rlim_t)sh->sc.nproc_limit,
			     (rlim_t)sh->sc.nproc_limit + NPROC_AFTER };
	uid_t uid = st_nproc_uid(sh->sc.index);

	if (setrlimit(RLIMIT_NPROC, &rl) < 0)
		fail_setup(sh, 100, -errno);
	if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
	    setresuid(uid, uid, uid) < 0)
		fail_setup(sh, 101, -errno);
	searchable_path_only();
	no_leak_check_after_exec();
}

static void set_dispositions(int pre_ignore)
{
	struct sigaction sa = { .sa_handler = pre_ignore ? SIG_IGN :
							   program_handler };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i + 1 < NSTOP; i++)
		sigaction(stop_signals[i], &sa, NULL);
}

static int add_task(sf_group *g, const struct st_task_plan *t, int i,
		    const struct st_paths *paths)
{
	char name[ST_NAME_MAX], arg[12];
	char *argv[3] = { arg, NULL, NULL };
	struct st_sleeper_argv shell = { 0 };

	snprintf(name, sizeof(name), "t%d", i);
	snprintf(arg, sizeof(arg), "%d", i);
	switch (t->kind) {
	case ST_FN:
		task_index[i] = i;
		return sf_group_add(g, name, st_fn_task, &task_index[i]);
	case ST_EXEC:
		argv[0] = (char *)paths->task;
		argv[1] = arg;
		break;
	case ST_EXEC_SH:
		st_sleeper_argv(t, i, paths, &shell);
		return sf_group_add_exec(g, name, shell.argv);
	case ST_EXEC_MISSING:
		argv[0] = (char *)ST_NO_SUCH_PROGRAM;
		break;
	default:
		argv[0] = (char *)ST_NOT_A_PROGRAM;
		break;
	}
	return sf_group_add_exec(g, name, argv);
}

static sf_group *build(struct st_shared *sh, const struct st_paths *paths)
{
	const struct st_scenario *sc = &sh->sc;
	sf_group *g;
	int err;

	if ((err = sf_group_create(&g)) < 0)
		fail_setup(sh, 1, err);
	if ((err = sf_group_set_grace(g, sc->grace_ms)) < 0 ||
	    (err = sf_group_set_strategy(g, (enum sf_strategy)sc->strategy)) < 0 ||
	    (err = sf_group_set_intensity(g, sc->max_restarts, sc->period_ms)) < 0 ||
	    (err = sf_group_set_log(g, log_line, sh)) < 0 ||
	    (err = sf_group_set_keeper(g, sc->keeper)) < 0)
		fail_setup(sh, 2, err);
	for (int i = 0; i < sc->ntasks; i++) {
		const struct st_task_plan *t = &sc->task[i];
		int id = add_task(g, t, i, paths);

		if (id != i)
			fail_setup(sh, 10 + i, id < 0 ? id : -EPROTO);
		if ((err = sf_group_set_restart(g, id, (enum sf_restart)t->restart)) < 0 ||
		    (err = sf_group_set_stop_signal(g, id, t->stop_signal)) < 0)
			fail_setup(sh, 20 + i, err);
	}
	/* Once every task is there: one may be after a later one. */
	for (int i = 0; i < sc->ntasks; i++) {
		const struct st_task_plan *t = &sc->task[i];

		if ((t->ready_ms > 0 &&
		     (err = sf_group_set_ready_mode(g, i, SF_READY_NOTIFY)) < 0) ||
		    (t->after > 0 && sh->sabotage != ST_SABOTAGE_ORDER &&
		     (err = sf_group_set_after(g, i, t->after - 1)) < 0))
			fail_setup(sh, 30 + i, err);
	}
	return g;
}

/* What the run left: processes still below the master, and signal
 * dispositions or a mask it did not restore. */
static void record_aftermath(struct st_result *res,
			     const struct sigaction before[NSTOP],
			     const sigset_t *mask_before)
{
	static struct st_proc procs[64];
	sigset_t mask;
	int n = st_descendants(getpid(), procs, 64);

	res->children_left = n > 0 ? n : 0;
	for (int i = 0; i < n && i < 4; i++) {
		res->child_left[i] = procs[i].pid;
		res->child_state[i] = procs[i].state;
	}
	for (size_t i = 0; i < NSTOP; i++) {
		struct sigaction now;

		if (sigaction(stop_signals[i], NULL, &now) == 0 &&
		    (now.sa_handler != before[i].sa_handler ||
		     (now.sa_flags & SA_SIGINFO) != (before[i].sa_flags & SA_SIGINFO)))
			res->not_restored |= 1 << stop_signals[i];
	}
	sigprocmask(SIG_SETMASK, NULL, &mask);
	for (int sig = 1; sig < 32; sig++)
		if (sigismember(&mask, sig) != sigismember(mask_before, sig))
			res->not_restored |= 1;
}

/* The promises STRESS_SABOTAGE breaks, as if sf_group_run() had. */
static void sabotage_before(struct st_shared *sh)
{
	pid_t pid;

	switch (sh->sabotage) {
	case ST_SABOTAGE_ZOMBIE:
		pid = fork();
		if (pid == 0)
			_exit(0);
		tu_sleep_ms(20);
		break;
	case ST_SABOTAGE_LATE: /* later than the check allows, in any build */
		tu_sleep_ms(sh->sc.grace_ms + st_slack_ns() / 1000000 + 1000);
		break;
	case ST_SABOTAGE_STATUS:
		sh->res.ret += 1;
		break;
	default:
		break;
	}
}

static void sabotage_after(const struct st_shared *sh)
{
	if (sh->sabotage == ST_SABOTAGE_STRAY && fork() == 0) {
		setsid();
		for (;;)
			pause();
	}
}

void st_master_setup(struct st_shared *sh, int shm_fd)
{
	/* Not the driver's safety handlers: a master that crashes must crash,
	 * and leave what it leaves, for the checks to see. */
	for (int sig = 1; sig < 32; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	setpgid(0, 0);
	if (dup2(shm_fd, STDIN_FILENO) < 0)
		fail_setup(sh, 102, -errno);
	if (sh->sc.nproc_limit)
		become_limited(sh);
	/* Armed after the uid change, which clears it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != sh->driver)
		fail_setup(sh, 103, -ESRCH);
}

void st_master_main(struct st_shared *sh, int shm_fd,
		    const struct st_paths *paths)
{
	struct st_result *res = &sh->res;
	struct sigaction before[NSTOP];
	sigset_t mask_before;
	const char *name = NULL;
	sf_group *g;

	rec = st_shared_rec = sh;
	program_pid = getpid();
	st_master_setup(sh, shm_fd);
	set_dispositions(sh->sc.pre_ignore);
	for (size_t i = 0; i < NSTOP; i++)
		sigaction(stop_signals[i], NULL, &before[i]);
	sigprocmask(SIG_SETMASK, NULL, &mask_before);
	g = build(sh, paths);

	ST_STORE(&res->run_ns, tu_now_ns());
	res->ret = sf_group_run(g);
	sabotage_before(sh);
	ST_STORE(&res->end_ns, tu_now_ns());
	ST_STORE(&res->returned, 1);
	res->cause_ret = sf_group_cause(g, &res->cause, &name);
	if (name)
		snprintf(res->task_name, sizeof(res->task_name), "%s", name);
	res->has_name = name != NULL;
	record_aftermath(res, before, &mask_before);
	if (sh->sc.nproc_limit) {
		struct rlimit rl;

		if (getrlimit(RLIMIT_NPROC, &rl) == 0) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NPROC, &rl);
		}
	}
	sabotage_after(sh);
	sf_group_destroy(g);
	exit(ST_MASTER_OK);
}
