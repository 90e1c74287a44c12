/*
 * scale.c - scale mode: start and stop N tasks, N = 10, 100, 1000, and
 * the same with the two floors they are held against, measured in the
 * same run and interleaved round by round:
 *
 *   exec      a group (the library) of N exec tasks, `sleep 1000`
 *   function  a group of N function tasks asleep in sf_task_wait()
 *   vfork     N posix_spawnp() of `sleep 1000` in a loop (glibc's
 *             clone(CLONE_VM | CLONE_VFORK), the spawn floor), stopped by
 *             SIGTERM to each and reaped
 *   floor     N forked waiters on a futex of a fresh shared page, woken by
 *             one FUTEX_WAKE and reaped: the stop floor
 *   python    Python's subprocess.Popen of N `sleep 1000`, then kill()
 *             and wait() each (only where python3 runs)
 *   stopflagd-exec, stopflagd-function
 *             the same N exec tasks, or N heartbeat (function) tasks,
 *             through stopflagd (scale-daemon.c; only with --stopflagd)
 *
 * Every kind runs in a driver process of its own (the group's master, or
 * a loop), a fresh exec of this program for every run, as stopflagd and
 * Python are: where ASLR puts a process and its libraries decides how
 * many page-table pages its forks have, and so how dear their ends are
 * (up to 20% here), and a driver forked from the benchmark would give
 * one run's every round the same layout.  The driver shares only a
 * memfd with us (struct scale_ctl, and a page of its own for the floor's
 * futex word, fresh every run).  The start is timed inside the driver,
 * from just before its first spawn until its last spawn returned (for a
 * group: sf_group_run() to the on_ready hook; an exec task has exec'd by
 * then).
 * Once the driver and its children are asleep we read their ΣPss, take
 * t0 and stop them (SIGTERM to the master; the futex word; a line to
 * Python); t1 is when the driver is reaped, which happens only after it
 * reaped its children.  wait4() gives the driver's CPU time (its
 * children's included) and peak RSS; the CPU time the whole tree had used
 * just before t0 (/proc) splits it into the start's and the stop's.
 *
 * A shared machine's load drifts by a factor of two within a minute, so
 * one sample of each says little.  Rounds repeat, each kind once per
 * round, in an order that puts the two sides of each ratio next to each
 * other and runs backwards every other round (round_order), so that each
 * ratio the targets are stated in can be taken within one round, of two
 * measurements made close together; the report gives those per-round ratios' median and
 * tails, and the load, busy and steal time of every round.  The run is
 * bounded in time: each size may take a share of --time in proportion to
 * its N (what one size leaves unused goes to the next), and a round is
 * begun only if the longest round of that size so far still fits; every
 * size gets one round at least.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/futex.h>

#include "stopflag.h"
#include "bench.h"

extern char **environ;

const char *const scale_kind_names[SCALE_KINDS] = {
	"exec", "function", "vfork", "floor", "python", "stopflagd-exec",
	"stopflagd-function",
};

int scale_kind_index(const char *name)
{
	for (int k = 0; k < SCALE_KINDS; k++)
		if (strcmp(name, scale_kind_names[k]) == 0)
			return k;
	return -1;
}

struct scale_ctl {
	uint32_t ready;          /* 1: started; 2: failed */
	int32_t err;             /* what failed, as a negative errno */
	uint32_t trigger;        /* vfork: stop now */
	int64_t start_ns;        /* the driver's start time */
};

/* The memfd a run shares with its driver: the ctl on its first page, the
 * floor's futex word alone on its second. */
#define RUN_PAGES 2
static void *run_mem;
static struct scale_ctl *ctl;
static uint32_t *floor_word;
static int run_fd = -1;
static int ntasks;

static char sleep_arg[] = "1000", sleep_cmd[] = "sleep";
static char *const sleep_argv[] = { sleep_cmd, sleep_arg, NULL };

static void ready(int64_t t_start, int err)
{
	ctl->start_ns = now_ns() - t_start;
	ctl->err = err;
	__atomic_store_n(&ctl->ready, err ? 2 : 1, __ATOMIC_RELEASE);
	ctl_wake(&ctl->ready);
}

/* ---------------------------------------------------------------- groups */

static int64_t group_t0;

static int function_task(sf_task *task, void *arg)
{
	(void)arg;
	sf_task_wait(task, -1);
	return 0;
}

static void on_ready(void *ctx)
{
	(void)ctx;
	ready(group_t0, 0);
}

static _Noreturn void group_driver(enum scale_kind kind)
{
	sf_group *g;
	int ret = sf_group_create(&g);

	for (int i = 0; ret >= 0 && i < ntasks; i++) {
		char name[16];

		snprintf(name, sizeof(name), "t%d", i);
		ret = kind == SCALE_EXEC ? sf_group_add_exec(g, name, sleep_argv)
			: sf_group_add(g, name, function_task, NULL);
	}
	if (ret >= 0)
		ret = sf_group_set_hooks(g, on_ready, NULL, NULL);
	group_t0 = now_ns();
	if (ret >= 0)
		ret = sf_group_run(g);
	if (ret < 0 && ctl->ready == 0)
		ready(group_t0, ret);
	_exit(ret < 0 ? 70 : ret & 0xff);
}

/* ---------------------------------------------------------------- floors */

static void reap_all(void)
{
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
}

static _Noreturn void floor_driver(void)
{
	int64_t t0 = now_ns();

	for (int i = 0; i < ntasks; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			ready(t0, -errno);
			_exit(70);
		}
		if (pid > 0)
			continue;
		while (__atomic_load_n(floor_word, __ATOMIC_ACQUIRE) == 0)
			syscall(SYS_futex, floor_word, FUTEX_WAIT, 0, NULL,
				NULL, 0);
		_exit(0);
	}
	ready(t0, 0);
	reap_all();
	_exit(0);
}

static _Noreturn void vfork_driver(void)
{
	pid_t *pids = calloc((size_t)ntasks, sizeof(pid_t));
	int64_t t0 = now_ns();
	int err = pids ? 0 : ENOMEM;

	for (int i = 0; err == 0 && i < ntasks; i++)
		err = posix_spawnp(&pids[i], sleep_cmd, NULL, NULL, sleep_argv,
				   environ);
	ready(t0, -err);
	if (err == 0)
		ctl_wait(&ctl->trigger, 0, INT_MAX);
	for (int i = 0; pids && i < ntasks; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	reap_all();
	_exit(err ? 70 : 0);
}

/* Python's own spawn loop; it prints its start time in ns, then stops and
 * reaps them all at a line on its stdin. */
static const char python_script[] =
	"import subprocess, sys, time\n"
	"n = int(sys.argv[1])\n"
	"t = time.monotonic_ns()\n"
	"ps = [subprocess.Popen(['sleep', '1000']) for _ in range(n)]\n"
	"print(time.monotonic_ns() - t, flush=True)\n"
	"sys.stdin.readline()\n"
	"for p in ps: p.terminate()\n"
	"for p in ps: p.wait()\n";

struct python_run {
	pid_t pid;
	int to, from;            /* its stdin, its stdout */
};

static int python_start(struct python_run *py)
{
	char n[16], script[] = "-c", prog[] = "python3";
	char *argv[] = { prog, script, (char *)python_script, n, NULL };
	posix_spawn_file_actions_t fa;
	int in[2], out[2], err;

	snprintf(n, sizeof(n), "%d", ntasks);
	py->pid = -1;
	py->to = py->from = -1;
	if (pipe2(in, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(out, O_CLOEXEC) < 0) {
		err = -errno;
		close(in[0]);
		close(in[1]);
		return err;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	err = posix_spawnp(&py->pid, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	if (err != 0) {
		close(in[1]);
		close(out[0]);
		return -err;
	}
	py->to = in[1];
	py->from = out[0];
	return 0;
}

/* Python's start time, once it printed it; -errno if it did not. */
static int64_t python_started(const struct python_run *py)
{
	char line[64];
	ssize_t n, got = 0;

	while (got < (ssize_t)sizeof(line) - 1 &&
	       (n = read(py->from, line + got,
			 sizeof(line) - 1 - (size_t)got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		got += n;
		if (memchr(line, '\n', (size_t)got))
			break;
	}
	line[got] = '\0';
	return got > 0 && line[got - 1] == '\n' ? strtoll(line, NULL, 10)
						: -EIO;
}

/* ---------------------------------------------------------------- one run */

static int fail(enum scale_kind kind, const char *what)
{
	fprintf(stderr, "stopflag-bench: scale: %s, %d tasks: %s\n",
		scale_kind_names[kind], ntasks, what);
	return -EIO;
}

void scale_sample_ended(struct scale_sample *s, const struct rusage *ru)
{
	s->cpu_ns = (ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000000000LL +
		    (ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) * 1000LL;
	s->maxrss_kb = ru->ru_maxrss;
	s->faults = ru->ru_minflt;
}

/* Map the run's memory from fd (ours, or the one the driver inherited);
 * 0, or -errno. */
static int run_mem_map(int fd)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, RUN_PAGES * (size_t)page, PROT_READ | PROT_WRITE,
		       MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	run_mem = p;
	ctl = p;
	floor_word = (uint32_t *)((char *)p + page);
	return 0;
}

/* A fresh memfd for one run, mapped; 0, or -errno. */
static int run_mem_open(void)
{
	long page = sysconf(_SC_PAGESIZE);
	int err;

	run_fd = (int)syscall(SYS_memfd_create, "stopflag-bench-run",
			      MFD_CLOEXEC);
	if (run_fd < 0)
		return -errno;
	err = ftruncate(run_fd, RUN_PAGES * page) < 0 ? -errno
						       : run_mem_map(run_fd);
	if (err < 0) {
		close(run_fd);
		run_fd = -1;
	}
	return err;
}

static void run_mem_close(void)
{
	if (run_mem)
		munmap(run_mem, RUN_PAGES * (size_t)sysconf(_SC_PAGESIZE));
	run_mem = NULL;
	ctl = NULL;
	floor_word = NULL;
	if (run_fd >= 0)
		close(run_fd);
	run_fd = -1;
}

/* Start the driver of kind, a fresh exec of this program; 0, or -errno. */
static int start_driver(enum scale_kind kind, pid_t *driver)
{
	static char name[] = "stopflag-bench", mode_arg[] = SCALE_DRIVER_ARG;
	char kind_arg[16], n_arg[16], fd_arg[16];
	char *argv[] = { name, mode_arg, kind_arg, n_arg, fd_arg, NULL };

	snprintf(kind_arg, sizeof(kind_arg), "%d", (int)kind);
	snprintf(n_arg, sizeof(n_arg), "%d", ntasks);
	snprintf(fd_arg, sizeof(fd_arg), "%d", run_fd);
	fflush(NULL);
	*driver = fork_bound();
	if (*driver < 0)
		return (int)*driver;
	if (*driver > 0)
		return 0;
	fcntl(run_fd, F_SETFD, 0); /* the one fd it keeps */
	execv("/proc/self/exe", argv);
	ready(now_ns(), -errno);
	_exit(97);
}

/* A driver, exec'd by start_driver(): argv is that of main(), from
 * SCALE_DRIVER_ARG on. */
int scale_driver_main(int argc, char *argv[])
{
	int kind, fd;

	if (argc != 4)
		return BENCH_EXIT_USAGE;
	if (parse_number(argv[1], 0, SCALE_KINDS - 1, &kind) < 0 ||
	    parse_number(argv[2], 1, INT_MAX, &ntasks) < 0 ||
	    parse_number(argv[3], 0, INT_MAX, &fd) < 0 || run_mem_map(fd) < 0)
		return BENCH_EXIT_USAGE;
	close(fd);
	if (kind == SCALE_FLOOR)
		floor_driver();
	if (kind == SCALE_VFORK)
		vfork_driver();
	group_driver((enum scale_kind)kind);
}

/* The time a start of N may take before we call it stuck. */
static int start_bound_ms(void)
{
	return bound_ms(30000 + 100 * ntasks);
}

static int run_driver(enum scale_kind kind, struct scale_sample *s)
{
	struct rusage ru;
	pid_t driver;
	int err = start_driver(kind, &driver), status;
	int64_t t0;

	if (err < 0)
		return err;
	if (ctl_wait(&ctl->ready, 0, start_bound_ms()) < 0 || ctl->ready != 1) {
		kill(driver, SIGKILL);
		waitpid(driver, NULL, 0);
		return fail(kind, ctl->ready ? sf_strerror(ctl->err)
				  : "did not start in time");
	}
	s->start_ns = ctl->start_ns;
	wait_asleep(driver, bound_ms(10000));
	s->pss_kb = tree_pss_kb(driver, 1);
	tree_cost(driver, 1, &s->start_cpu_ns, &s->start_faults);
	t0 = now_ns();
	if (kind == SCALE_FLOOR) {
		__atomic_store_n(floor_word, 1, __ATOMIC_RELEASE);
		syscall(SYS_futex, floor_word, FUTEX_WAKE, INT_MAX, NULL, NULL,
			0);
	} else if (kind == SCALE_VFORK) {
		__atomic_store_n(&ctl->trigger, 1, __ATOMIC_RELEASE);
		ctl_wake(&ctl->trigger);
	} else {
		kill(driver, SIGTERM);
	}
	while (wait4(driver, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return -errno;
	s->stop_ns = now_ns() - t0;
	scale_sample_ended(s, &ru);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return fail(kind, "the driver ended with an unexpected status");
	return 0;
}

static int run_python(struct scale_sample *s)
{
	struct python_run py;
	struct rusage ru;
	int err = python_start(&py), status;
	int64_t t0 = 0;

	if (err < 0)
		return err;
	s->start_ns = python_started(&py);
	if (s->start_ns >= 0) {
		s->pss_kb = tree_pss_kb(py.pid, 1);
		tree_cost(py.pid, 1, &s->start_cpu_ns, &s->start_faults);
		t0 = now_ns();
		(void)!write(py.to, "\n", 1);
	}
	close(py.to);
	close(py.from);
	while (wait4(py.pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return -errno;
	if (s->start_ns < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return fail(SCALE_PYTHON, "python3 failed");
	s->stop_ns = now_ns() - t0;
	scale_sample_ended(s, &ru);
	return 0;
}

/* Whether python3 can be run at all (and its subprocess imported). */
static bool python_runs(void)
{
	char prog[] = "python3", c[] = "-c", code[] = "import subprocess";
	char *argv[] = { prog, c, code, NULL };
	posix_spawn_file_actions_t fa;
	int status = 1;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null",
					 O_WRONLY, 0);
	if (posix_spawnp(&pid, prog, &fa, NULL, argv, environ) == 0)
		waitpid(pid, &status, 0);
	posix_spawn_file_actions_destroy(&fa);
	return status == 0;
}

static int run_once(const struct scale_opts *opts, enum scale_kind kind,
		    struct scale_sample *s)
{
	int err;

	if (kind == SCALE_PYTHON)
		return run_python(s);
	if (kind == SCALE_DAEMON_EXEC || kind == SCALE_DAEMON_FUNCTION)
		return scale_daemon_once(opts->stopflagd, kind, ntasks,
					 start_bound_ms(), s);
	err = run_mem_open(); /* the floor's word on a fresh page every run */
	if (err < 0)
		return err;
	err = run_driver(kind, s);
	run_mem_close();
	return err;
}

/* ---------------------------------------------------------------- the mode */

/* The kinds of opts that can run here; says on f what is left out. */
static unsigned usable_kinds(const struct scale_opts *opts, FILE *f)
{
	const unsigned daemon = 1u << SCALE_DAEMON_EXEC |
				1u << SCALE_DAEMON_FUNCTION;
	unsigned kinds = opts->kinds;
	char why[512];

	if ((kinds & 1u << SCALE_PYTHON) && !python_runs()) {
		kinds &= ~(1u << SCALE_PYTHON);
		fprintf(f, "python3 cannot be run: no python row\n");
	}
	if ((kinds & daemon) && !opts->stopflagd) {
		kinds &= ~daemon;
		fprintf(f, "no --stopflagd given: no stopflagd rows\n");
	} else if ((kinds & daemon) &&
		   !scale_daemon_usable(opts->stopflagd, why, sizeof(why))) {
		kinds &= ~daemon;
		fprintf(f, "%s: no stopflagd rows\n", why);
	}
	return kinds;
}

/*
 * The order of a round: each ratio's two kinds next to each other, or
 * one apart (exec after python, floor between stopflagd-exec and
 * function), so that the load weighs on both alike; and every other
 * round backwards, so that a load that rises or falls through a pair of
 * rounds (ABBA) favours neither.
 */
static const enum scale_kind round_order[SCALE_KINDS] = {
	SCALE_PYTHON, SCALE_EXEC, SCALE_DAEMON_EXEC, SCALE_FLOOR,
	SCALE_FUNCTION, SCALE_DAEMON_FUNCTION, SCALE_VFORK,
};

/* One round: every kind once. */
static int run_round(struct scale_result *res, int z, int r)
{
	const struct scale_opts *opts = res->opts;
	struct scale_round *round = &res->rounds[z * opts->rounds + r];
	struct machine_load before, after;
	int64_t t0 = now_ns();
	int err = 0;

	machine_load_read(&before);
	round->load1 = before.load[0];
	for (int j = 0; err == 0 && j < SCALE_KINDS; j++) {
		int k = (int)round_order[r % 2 ? SCALE_KINDS - 1 - j : j];
		struct scale_sample *s = &res->all[((size_t)z * SCALE_KINDS +
			(size_t)k) * (size_t)opts->rounds + (size_t)r];

		if (!(res->kinds & 1u << k))
			continue;
		progress("scale: %d tasks, round %d, %s", ntasks, r + 1,
			 scale_kind_names[k]);
		err = run_once(opts, (enum scale_kind)k, s);
		s->valid = err == 0;
	}
	machine_load_read(&after);
	machine_load_span(&before, &after, &round->span);
	round->ns = now_ns() - t0;
	round->done = err == 0;
	return err;
}

/* The rounds of size z, until opts->rounds or its share of the time
 * (ending at `until`) is spent. */
static int run_size(struct scale_result *res, int z, int64_t until)
{
	int64_t longest = 0;
	int err = 0;

	ntasks = res->opts->sizes[z];
	for (int r = 0; err == 0 && r < res->opts->rounds; r++) {
		if (r > 0 && now_ns() + longest > until)
			break;
		err = run_round(res, z, r);
		if (res->rounds[z * res->opts->rounds + r].ns > longest)
			longest = res->rounds[z * res->opts->rounds + r].ns;
		res->done[z] = r + (err == 0);
	}
	return err;
}

int scale_run(const struct scale_opts *opts)
{
	size_t nrounds = (size_t)opts->nsizes * (size_t)opts->rounds;
	struct scale_result res = { .opts = opts };
	FILE *human = opts->json ? stderr : stdout;
	int64_t t0 = now_ns(), budget = opts->seconds * 1000000000LL;
	long total = 0, sofar = 0;
	int err = 0;

	res.all = calloc(nrounds * SCALE_KINDS, sizeof(*res.all));
	res.rounds = calloc(nrounds, sizeof(*res.rounds));
	if (!res.all || !res.rounds) {
		free(res.all);
		free(res.rounds);
		return -ENOMEM;
	}
	res.kinds = usable_kinds(opts, human);
	fprintf(human, "stopflag-bench scale: up to %d round%s in %d s; kinds "
		"interleaved round by round (ABBA order)\n", opts->rounds,
		opts->rounds == 1 ? "" : "s", opts->seconds);
	fflush(human);
	for (int z = 0; z < opts->nsizes; z++)
		total += opts->sizes[z];
	machine_load_read(&res.begin);
	for (int z = 0; err == 0 && z < opts->nsizes; z++) {
		sofar += opts->sizes[z];
		err = run_size(&res, z, t0 + (int64_t)((double)budget *
				(double)sofar / (double)total));
	}
	machine_load_read(&res.end);
	res.ns = now_ns() - t0;
	progress_done();
	if (err == 0)
		err = scale_report(&res, human);
	else if (err != -EIO)
		fprintf(stderr, "stopflag-bench: scale: %s\n", strerror(-err));
	free(res.all);
	free(res.rounds);
	return err;
}
