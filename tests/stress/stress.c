/*
 * stress.c - the fault campaign's driver.
 *
 *   STRESS_SCENARIOS=N   how many scenarios (default 1000)
 *   STRESS_SEED=S        the run's seed (default: from the clock); with the
 *                        same S every scenario is the same plan again
 *   STRESS_ONLY=I        run only scenario I of that seed (a replay)
 *   STRESS_VERBOSE=1     one line per scenario
 *   STRESS_PLAN=1        print each scenario's plan instead of running it
 *   STRESS_DAEMON=P      percent of the scenarios run by stopflagd (default
 *                        25; 0 where it is not built, see paths.c)
 *   STRESS_TASK=PATH     the exec task program (default: stress-task beside
 *                        this program, or beside its libtool wrapper)
 *   STRESS_STOPFLAG=PATH stopflag(1) for the shell tasks (default: the
 *                        build tree's; "no": no shell tasks)
 *   STRESS_WAKE_MS=MS    how soon a shell task's sleep loop must end after
 *                        the stop (default 500; 2500 under SF_SLOW)
 *   STRESS_SABOTAGE=WHAT the master breaks a promise on purpose (stray,
 *                        zombie, late, status, order), to show the checks catch it
 *
 * Each scenario: generate the plan, fork the master (master.c), fire the
 * faults (inject.c), wait for the master, wait for the rest to go if the
 * master was SIGKILLed, look for strays, ask the oracle what was allowed
 * and check (check.c), then sweep whatever is left.  The driver is a child
 * subreaper, so nothing a scenario starts can get away from it; a watchdog
 * and SIGINT/SIGTERM sweep before the driver exits, so a failing or
 * interrupted campaign leaves nothing running either.
 *
 * The last line is always `stress: N scenarios, V violations, seed S`.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stress.h"
#include "testutil.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* How long a master may take at most before the driver calls it hung. */
#define ST_HARD_MS 15000

struct run {
	uint64_t seed;
	unsigned first, count;
	int verbose;
	int plan_only;
	int sabotage;
	struct st_paths paths;
	int log_fd;
	char log[16384];
	struct st_options opt;
	struct st_shared *sh;
	int shm_fd;
	unsigned done;
	int violations;
	unsigned by_reason[8], master_kills, relaxed, overflow, beyond_reach;
	unsigned daemon_runs;
	unsigned shells, shells_woke, shell_requests; /* shell processes */
	int64_t worst_stop_ns;
	struct st_order_count order; /* ordered pairs judged */
};

static struct st_proc strays[ST_MAX_PROCS];

/* ---------------------------------------------------------------- safety */

static void say(const char *msg)
{
	(void)!write(STDOUT_FILENO, msg, strlen(msg));
}

/* The watchdog, an interruption, or the driver's own crash: sweep what the
 * scenario started, then go (a crash by the same signal again). */
static void emergency(int signo)
{
	say(signo == SIGALRM ? "stress: watchdog: the driver hung; sweeping\n" :
	    signo == SIGINT || signo == SIGTERM || signo == SIGHUP ?
	    "stress: interrupted; sweeping\n" :
	    "stress: the driver crashed; sweeping\n");
	st_sweep(3000);
	st_paths_cleanup();
	if (signo != SIGALRM && signo != SIGINT && signo != SIGTERM &&
	    signo != SIGHUP) {
		signal(signo, SIG_DFL);
		raise(signo);
	}
	_exit(signo == SIGALRM ? 99 : 128 + signo);
}

static void arm_safety(void)
{
	static const int fatal[] = { SIGALRM, SIGINT, SIGTERM, SIGHUP,
				     SIGSEGV, SIGBUS, SIGABRT, SIGFPE };
	struct sigaction sa = { .sa_handler = emergency,
				.sa_flags = SA_RESETHAND };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fatal) / sizeof(*fatal); i++)
		sigaction(fatal[i], &sa, NULL);
}

/* ---------------------------------------------------------------- setup */

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *s = getenv(name);
	char *end;
	unsigned long long v;

	if (!s || !*s)
		return dflt;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end) {
		fprintf(stderr, "stress: %s=%s is not a number\n", name, s);
		exit(2);
	}
	return v;
}

static int sabotage_from_env(void)
{
	static const char *const names[] = { "", "stray", "zombie", "late",
					     "status", "order" };
	const char *s = getenv("STRESS_SABOTAGE");

	for (int i = 0; s && *s && i < (int)(sizeof(names) / sizeof(*names)); i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	if (s && *s) {
		fprintf(stderr, "stress: STRESS_SABOTAGE=%s: not one of stray, "
			"zombie, late, status, order\n", s);
		exit(2);
	}
	return ST_SABOTAGE_NONE;
}

static void setup(struct run *run)
{
	char probe[64];

	run->seed = env_u64("STRESS_SEED",
			    (uint64_t)time(NULL) * 1000003u ^ (uint64_t)getpid());
	run->count = (unsigned)env_u64("STRESS_SCENARIOS", 1000);
	run->first = 0;
	if (getenv("STRESS_ONLY")) {
		run->first = (unsigned)env_u64("STRESS_ONLY", 0);
		run->count = 1;
	}
	run->verbose = env_u64("STRESS_VERBOSE", 0) != 0;
	run->plan_only = env_u64("STRESS_PLAN", 0) != 0;
	run->sabotage = sabotage_from_env();
	if (st_find_paths(&run->paths) < 0)
		exit(2);
	snprintf(probe, sizeof(probe), "/proc/%d/task/%d/children",
		 (int)getpid(), (int)getpid());
	if (access(probe, R_OK) < 0) {
		fprintf(stderr, "stress: %s: %s (the kernel needs "
			"CONFIG_PROC_CHILDREN)\n", probe, strerror(errno));
		exit(2);
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		perror("stress: PR_SET_CHILD_SUBREAPER");
		exit(2);
	}
	run->shm_fd = memfd_create("stopflag-stress", MFD_CLOEXEC);
	run->log_fd = memfd_create("stopflagd-log", MFD_CLOEXEC);
	if (run->shm_fd < 0 || run->log_fd < 0 ||
	    ftruncate(run->shm_fd, sizeof(struct st_shared)) < 0 ||
	    (run->sh = mmap(NULL, sizeof(struct st_shared),
			    PROT_READ | PROT_WRITE, MAP_SHARED, run->shm_fd,
			    0)) == MAP_FAILED) {
		perror("stress: shared record");
		exit(2);
	}
	run->opt.daemon = run->paths.daemon[0] ?
			  (int)env_u64("STRESS_DAEMON", 25) : 0;
	run->opt.shell = run->paths.stopflag[0] != '\0';
	run->opt.nproc_ok = st_nproc_usable(&run->paths);
	if (!run->opt.nproc_ok)
		printf("stress: note: no RLIMIT_NPROC faults (needs root, and "
		       "the programs reachable by another uid)\n");
}

/* ---------------------------------------------------------------- one scenario */

/* Wait until the tasks the killed master left are gone, reaping those
 * that became the driver's, or until the deadline; but not before
 * not_before: a task the master forked just before it died may not have
 * recorded itself yet, and is known for a task only once it has. */
static void wait_for_teardown(const struct st_shared *sh, int strict,
			      int64_t not_before, int64_t deadline)
{
	while (tu_now_ns() < deadline) {
		int n = st_descendants(getpid(), strays, ST_MAX_PROCS), left = 0;

		while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
			;
		for (int i = 0; i < n; i++)
			left += (strict || st_must_follow_master(sh, &strays[i])) &&
				!(strays[i].state == 'Z' && strays[i].ppid == getpid());
		if (left == 0 && tu_now_ns() >= not_before)
			return;
		tu_sleep_ms(5);
	}
}

static int wait_master(struct run *run, pid_t pid, int killed,
		       struct st_observed *obs)
{
	struct st_shared *sh = run->sh;
	int status = 0;

	if (!killed) {
		int fd = (int)syscall(SYS_pidfd_open, pid, 0);
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t hard = sh->t0_ns + tu_bound_ms(ST_HARD_MS) * 1000000;
		int64_t left;

		while (fd >= 0 && (left = hard - tu_now_ns()) > 0 &&
		       poll(&pfd, 1, (int)(left / 1000000) + 1) <= 0)
			;
		if (fd >= 0)
			close(fd);
		if (waitpid(pid, &status, WNOHANG) == 0) {
			obs->hung = 1;
			obs->killed_ns = tu_now_ns();
			kill(pid, SIGKILL);
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	obs->master_gone_ns = tu_now_ns();
	return status;
}

/* What stopflagd's exit says: its status is the outcome, and its log is
 * for the report. */
static void daemon_result(struct run *run, struct st_observed *obs)
{
	struct st_result *res = &run->sh->res;
	ssize_t n = pread(run->log_fd, run->log, sizeof(run->log) - 1, 0);
	int status = obs->master_status;

	run->log[n > 0 ? n : 0] = '\0';
	obs->daemon_log = run->log;
	if (obs->hung || !WIFEXITED(status) || res->setup_step)
		return;
	res->returned = 1;
	res->ret = WEXITSTATUS(status);
	res->end_ns = obs->master_gone_ns;
	res->cause_ret = -EAGAIN; /* only the status is known */
}

static void observe(struct run *run, pid_t pid, int killed,
		    struct st_observed *obs)
{
	struct st_shared *sh = run->sh;

	memset(obs, 0, sizeof(*obs));
	obs->master_status = wait_master(run, pid, killed, obs);
	if (sh->sc.daemon)
		daemon_result(run, obs);
	obs->strict = sh->sc.keeper;
	if (killed) {
		obs->master_killed = 1;
		for (int i = 0; i < sh->sc.nfaults; i++) {
			int kind = sh->sc.fault[i].kind;

			if (!sh->fault[i].fired)
				continue;
			if (kind == ST_F_KILL_MASTER || kind == ST_F_KILL_BOTH)
				obs->killed_ns = sh->fault[i].ns;
			if (kind == ST_F_KILL_BOTH || kind == ST_F_KILL_INNER)
				obs->strict = 0; /* both died, one way or another */
		}
		/* Without a keeper's master nobody is left to apply a grace:
		 * tasks must follow at once.  A keeper's master outlives the
		 * keeper, and stops everything within the grace. */
		wait_for_teardown(sh, obs->strict, obs->killed_ns +
				  st_window_ns(), obs->killed_ns +
				  (obs->strict ? (int64_t)sh->sc.grace_ms *
				   1000000 : 0) + st_slack_ns() +
				  st_window_ns());
	}
	while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
		;
	obs->nstrays = st_descendants(getpid(), strays, ST_MAX_PROCS);
	if (obs->nstrays < 0)
		obs->nstrays = 0;
	obs->strays = strays;
	obs->strays_ns = tu_now_ns();
	if (killed && !sh->res.returned && !obs->strict)
		for (int i = 0; i < obs->nstrays; i++)
			obs->beyond_reach += !st_must_follow_master(sh, &strays[i]);
}

static void tally(struct run *run, const struct st_observed *obs,
		  const struct st_expect *ex)
{
	const struct st_result *res = &run->sh->res;

	for (int i = 0; i < run->sh->sc.ntasks; i++) {
		const struct st_task_rec *r = &run->sh->task[i];

		if (run->sh->sc.task[i].kind != ST_EXEC_SH)
			continue;
		run->shell_requests += r->acted_ns != 0;
		for (int k = 0; k < r->incarnations && k < ST_MAX_INCARNATIONS; k++) {
			run->shells++;
			run->shells_woke += r->woke_ns[k] != 0;
		}
	}
	if (run->sh->sc.daemon)
		run->daemon_runs++;
	else if (res->returned && res->cause.reason >= 0 &&
		 res->cause.reason < 8)
		run->by_reason[res->cause.reason]++;
	if (obs->master_killed && !res->returned)
		run->master_kills++;
	run->beyond_reach += (unsigned)obs->beyond_reach;
	run->overflow += ex->overflow;
	run->relaxed += ex->n > 0 && ex->out[0].kind == ST_OUT_ANY;
	if (res->returned && res->end_ns - run->sh->t0_ns > run->worst_stop_ns)
		run->worst_stop_ns = res->end_ns - run->sh->t0_ns;
}

static void scenario(struct run *run, unsigned index)
{
	static struct st_expect ex;
	struct st_shared *sh = run->sh;
	struct st_observed obs;
	int killed, bad;
	pid_t pid;

	memset(sh, 0, sizeof(*sh));
	st_scenario_generate(&sh->sc, run->seed, index, &run->opt);
	sh->sabotage = run->sabotage;
	sh->driver = getpid();
	alarm((unsigned)(tu_bound_ms(ST_HARD_MS) / 1000 + 30));
	if (sh->sc.daemon &&
	    (st_daemon_config(&sh->sc, &run->paths, run->paths.config) < 0 ||
	     ftruncate(run->log_fd, 0) < 0 ||
	     lseek(run->log_fd, 0, SEEK_SET) < 0)) { /* or the log starts
						      * with a hole */
		perror("stress: daemon config");
		exit(2);
	}
	fflush(stdout);
	fflush(stderr);
	sh->t0_ns = tu_now_ns();
	pid = fork();
	if (pid < 0) {
		perror("stress: fork");
		exit(2);
	}
	if (pid == 0 && sh->sc.daemon)
		st_daemon_main(sh, run->shm_fd, run->log_fd, &run->paths);
	if (pid == 0)
		st_master_main(sh, run->shm_fd, &run->paths);
	sh->master = pid;
	{
		int fd = (int)syscall(SYS_pidfd_open, pid, 0);

		killed = st_inject(sh, pid, fd);
		close(fd);
	}
	observe(run, pid, killed, &obs);
	st_oracle(sh, &ex);
	bad = st_check(sh, &ex, &obs);
	st_order_check(sh, &run->order, NULL, 0);
	st_sweep(3000);
	alarm(0);
	run->violations += bad;
	run->done++;
	tally(run, &obs, &ex);
	if (run->verbose && !bad)
		printf("stress: scenario %u: ok: %s%s, status %d\n", index,
		       sh->sc.daemon ? "stopflagd, " : "",
		       !sh->res.returned ? "master killed" :
		       sh->sc.daemon ? "exited" :
		       sf_reason_name(sh->res.cause.reason), sh->res.ret);
}

int main(void)
{
	static struct run run;

	setvbuf(stdout, NULL, _IOLBF, 0);
	arm_safety();
	setup(&run);
	if (run.plan_only) {
		for (unsigned i = 0; i < run.count; i++) {
			st_scenario_generate(&run.sh->sc, run.seed, run.first + i,
					     &run.opt);
			printf("stress: scenario %u:\n", run.first + i);
			st_scenario_describe(&run.sh->sc, "  ");
		}
		return 0;
	}
	for (unsigned i = 0; i < run.count; i++) {
		scenario(&run, run.first + i);
		if (!run.verbose && run.count >= 100 && (i + 1) % 100 == 0)
			printf("stress: %u/%u scenarios, %d violations\n", i + 1,
			       run.count, run.violations);
	}
	printf("stress: library causes: signal %u, request %u, exited %u, "
	       "killed %u, start-failed %u, other %u; stopflagd runs %u; "
	       "master SIGKILLed %u (leaving %u processes beyond its reach); "
	       "scribbled %u; oracle gave up %u; slowest stop %.0fms after t0; "
	       "shell tasks %u (woke by the flag %u, stop-all %u); "
	       "ordered pairs judged %u (the later task started in %u)\n",
	       run.by_reason[SF_REASON_SIGNAL], run.by_reason[SF_REASON_REQUEST],
	       run.by_reason[SF_REASON_EXITED], run.by_reason[SF_REASON_KILLED],
	       run.by_reason[SF_REASON_START_FAILED],
	       run.by_reason[SF_REASON_NONE] + run.by_reason[SF_REASON_PARENT_DIED],
	       run.daemon_runs, run.master_kills, run.beyond_reach, run.relaxed, run.overflow,
	       (double)run.worst_stop_ns / 1e6, run.shells, run.shells_woke,
	       run.shell_requests, run.order.pairs, run.order.started);
	printf("stress: %u scenarios, %d violations, seed %" PRIu64 "\n",
	       run.done, run.violations, run.seed);
	return run.violations ? 1 : 0;
}
