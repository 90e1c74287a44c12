/*
 * bench.h - what the files of stopflag-bench share.
 *
 *   main.c        the command line
 *   wake.c        wake mode: waiter processes and the interleaved rounds
 *   mechanisms.c  the seven wake mechanisms, each behind struct mech
 *   nowait.c      the cost of a set that nobody waits for, syscalls counted
 *   group.c       group mode: real groups, four stop scenarios
 *   scale.c       scale mode: N tasks started and stopped, and the floors
 *   scale-daemon.c  scale mode's kinds that run through stopflagd
 *   scale-report.c  scale mode's table, JSON and plot
 *   load.c        how busy the machine was: load average, busy and steal
 *   tree.c        what a process tree costs: ΣPss, CPU time
 *   exec.c        exec mode: an exec task notices the stop, flag vs signal
 *   relay.c       output mode: the output relay's throughput next to cat
 *   asleep.c      making sure a process really sleeps before we time it
 *   sync.c        shared memory, control-plane futexes, clocks, children
 *   stats.c       percentiles
 *   output.c      table, JSON, CSV, progress line
 *   plot.c        the latency CDF through gnuplot
 */
#ifndef SF_BENCH_H
#define SF_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>

#define BENCH_EXIT_USAGE 64

/* Limits of the command line (see stopflag-bench(1)). */
#define BENCH_MAX_WAITERS 1024
#define BENCH_MAX_ROUNDS  10000 /* stopflag needs one flag page per round */
#define BENCH_MAX_TASKS   1024

/* ---------------------------------------------------------------- options */

enum setter_kind { SETTER_DIRECT, SETTER_SIGNAL };

struct wake_opts {
	int waiters;
	int rounds;
	unsigned mechanisms;  /* bit i: mech_all()[i] */
	enum setter_kind setter;
	bool json;
	const char *csv;      /* NULL: none */
	const char *plot;     /* NULL: none */
};

struct group_opts {
	int tasks;
	int rounds;
	bool json;
};

#define SCALE_MAX_SIZES   8
#define SCALE_MAX_ROUNDS  100
#define SCALE_MAX_SECONDS 3600

struct scale_opts {
	int sizes[SCALE_MAX_SIZES]; /* task counts, each up to BENCH_MAX_TASKS */
	int nsizes;
	int rounds;           /* at most this many rounds of each size */
	int seconds;          /* the time the whole run may take (see scale.c) */
	unsigned kinds;       /* bit k: enum scale_kind k is measured */
	const char *stopflagd; /* the daemon to run, or NULL: none */
	bool json;
	const char *plot;     /* NULL: none */
};

int wake_run(const struct wake_opts *opts);
int group_run(const struct group_opts *opts);
int scale_run(const struct scale_opts *opts);
/* A scale run's driver: scale mode execs this program with
 * SCALE_DRIVER_ARG KIND N FD, once for every run (scale.c says why);
 * argv from that word on.  Not for people. */
#define SCALE_DRIVER_ARG "--scale-driver"
int scale_driver_main(int argc, char *argv[]);

/* ---------------------------------------------------------------- scale */

/* What scale mode starts and stops (scale.c says how). */
enum scale_kind { SCALE_EXEC, SCALE_FUNCTION, SCALE_VFORK, SCALE_FLOOR,
		  SCALE_PYTHON, SCALE_DAEMON_EXEC, SCALE_DAEMON_FUNCTION,
		  SCALE_KINDS };
#define SCALE_ALL_KINDS ((1u << SCALE_KINDS) - 1)

/* "exec", "function", ...; -1 for an unknown name. */
extern const char *const scale_kind_names[SCALE_KINDS];
int scale_kind_index(const char *name);

/* One start and stop of one kind at one size. */
struct scale_sample {
	bool valid;
	int64_t start_ns, stop_ns;
	int64_t cpu_ns;       /* the driver's CPU time and its children's */
	int64_t start_cpu_ns; /* of it, what the tree had used before the stop */
	long long faults;     /* minor page faults, counted as cpu_ns is */
	long long start_faults; /* of them, the tree's before the stop */
	long maxrss_kb;       /* the driver's peak RSS */
	long pss_kb;          /* ΣPss of the driver and its descendants */
};
/* Fill s's totals from the rusage of its reaped driver. */
void scale_sample_ended(struct scale_sample *s, const struct rusage *ru);

/* How busy the machine was, at one moment (load average) and between
 * two (CPU time spent working, and stolen by the hypervisor). */
struct machine_load {
	double load[3];       /* 1, 5, 15 minutes; -1: unknown */
	unsigned long long total, idle, steal; /* /proc/stat, all CPUs */
	int64_t ours_ns;      /* CPU time of this process and what it reaped */
};
void machine_load_read(struct machine_load *m);
/* Shares of all CPUs' time between two readings, in % (-1: unknown). */
struct machine_span {
	double busy_pct;      /* busy: not idle, not stolen */
	double steal_pct;     /* stolen by the hypervisor */
	double others_pct;    /* busy, but not with us: other people's load */
};
void machine_load_span(const struct machine_load *from,
		       const struct machine_load *to,
		       struct machine_span *span);
int machine_cpus(void);

/* One round of one size: every kind once, in a rotating order. */
struct scale_round {
	bool done;
	int64_t ns;           /* how long the whole round took */
	double load1;         /* the 1-minute load average as it began */
	struct machine_span span; /* over the round */
};

/* What a whole run measured, for scale_report(). */
struct scale_result {
	const struct scale_opts *opts;
	unsigned kinds;       /* the kinds measured (opts->kinds, less what
				 cannot run here) */
	struct scale_sample *all;  /* [(size * SCALE_KINDS + kind) * rounds + round] */
	struct scale_round *rounds; /* [size * rounds + round] */
	int done[SCALE_MAX_SIZES];  /* rounds completed, per size */
	struct machine_load begin, end;
	int64_t ns;           /* the whole run */
};

/* Print the table (and JSON, and the plot) of a run.  0, or -errno. */
int scale_report(const struct scale_result *res, FILE *human);

/* scale-daemon.c: one start and stop of N tasks through stopflagd
 * (kind SCALE_DAEMON_EXEC or SCALE_DAEMON_FUNCTION), the start bounded
 * by start_bound ms.  0, or -errno (-EIO: said on stderr). */
int scale_daemon_once(const char *stopflagd, enum scale_kind kind,
		      int ntasks, int start_bound, struct scale_sample *s);
/* Whether stopflagd can be timed (it runs, and sends READY=1); if not,
 * why, in why[len]. */
bool scale_daemon_usable(const char *stopflagd, char *why, size_t len);

/* tree.c: ΣPss of pid and its descendants down to depth levels, in kB. */
long tree_pss_kb(pid_t pid, int depth);
/* Their CPU time, with that of the children each reaped, in ns (at the
 * clock tick's resolution), and their minor page faults, likewise. */
void tree_cost(pid_t pid, int depth, int64_t *cpu_ns, long long *faults);
/* The first child of pid, or 0. */
pid_t first_child(pid_t pid);

/* exec.c: exec mode (its own options), and the exec task it runs. */
int exec_main(int argc, char *argv[]);
int exec_waiter_main(int argc, char *argv[]);

/* relay.c: output mode (its own options). */
int relay_main(int argc, char *argv[]);

/* ---------------------------------------------------------------- mechanisms */

/* What every mechanism sees: the waiter count and, once they are forked,
 * their pids (in shared memory). */
struct mech_env {
	int waiters;
	int rounds;
	const pid_t *pids;
};

/*
 * One way to wake N processes.  Each runs in this order:
 *   prepare   before the waiters are forked: allocate shared state;
 *   arm       in the setter, before the waiters of `round` start waiting
 *             (reset what the previous round left);
 *   wait      in each waiter: call armed(arg) right before blocking, return
 *             once woken for `round`;
 *   set       in the setter: wake every waiter of `round` (the timed part;
 *             async-signal-safe when signal_safe is true);
 *   teardown  in the setter, at the end.
 * Rounds count from 0 for each mechanism.  Returns of prepare: 0 or -errno.
 */
struct mech {
	const char *name;
	const char *what;
	bool signal_safe;
	int (*prepare)(const struct mech_env *env, void **state);
	void (*arm)(void *state, int round);
	void (*set)(void *state, int round);
	void (*wait)(void *state, int round, void (*armed)(void *), void *arg);
	void (*teardown)(void *state);
};

/* Every mechanism, in table order; *count is set to their number. */
const struct mech *const *mech_all(int *count);
/* The index of a mechanism by name, or -1. */
int mech_index(const char *name);

/* ---------------------------------------------------------------- sync.c */

/* A zeroed MAP_SHARED | MAP_ANONYMOUS mapping, or NULL (errno set). */
void *shared_alloc(size_t size);
void shared_free(void *p, size_t size);

/* Control-plane futex on a shared word (never timed): sleep while
 * *word == val, for at most timeout_ms; returns 0, or -ETIMEDOUT. */
int ctl_wait(uint32_t *word, uint32_t val, int timeout_ms);
void ctl_wake(uint32_t *word);
/* Add 1 to *word; the caller whose increment reaches `target` wakes
 * whoever ctl_wait()s on it. */
void ctl_count(uint32_t *word, uint32_t target);
/* Sleep until *word == target (it only grows), for at most timeout_ms:
 * 0 or -ETIMEDOUT. */
int ctl_wait_count(uint32_t *word, uint32_t target, int timeout_ms);

/* s as a whole decimal number from lo to hi, into *out: 0, or -1. */
int parse_number(const char *s, int lo, int hi, int *out);

int64_t now_ns(void);
/* CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID), ns.
 * Async-signal-safe. */
int64_t cpu_ns(void);
void sleep_us(long us);

/* Time bounds that scale under valgrind or sanitizers (SF_SLOW, VALGRIND). */
int bound_ms(int ms);

/* fork() a child that gets SIGKILL when we die; -errno on failure. */
pid_t fork_bound(void);
/* SIGKILL and reap each pid > 0 in pids[0..n). */
void kill_and_reap(const pid_t *pids, int n);

/* ---------------------------------------------------------------- asleep.c */

/* Watches processes' scheduler state through /proc/PID/stat. */
struct sleepwatch;
struct sleepwatch *sleepwatch_open(const pid_t *pids, int n);
void sleepwatch_close(struct sleepwatch *w);
/* Wait until every watched process is in interruptible sleep ('S'), for
 * at most timeout_ms.  Returns 0, -ETIMEDOUT (then *who is the pid that
 * was awake), or -errno of reading /proc. */
int sleepwatch_all_asleep(struct sleepwatch *w, int timeout_ms, pid_t *who);
/* The same for a single pid, without keeping it open. */
int wait_asleep(pid_t pid, int timeout_ms);

/* ---------------------------------------------------------------- stats.c */

/* The p-th percentile (0 < p <= 100, nearest rank) of v[0..n); sorts v. */
int64_t percentile(int64_t *v, size_t n, double p);
/* The same on an already sorted array. */
int64_t percentile_sorted(const int64_t *v, size_t n, double p);
void sort_i64(int64_t *v, size_t n);

/* ---------------------------------------------------------------- output.c */

/* One mechanism's summary, as the JSON schema names it, plus the
 * setter's wall time (table only). */
struct wake_row {
	const char *mechanism;
	double p50_us, p90_us, p99_us, max_us, last_p50_us;
	int64_t set_ns_p50;       /* the setter's CPU time in the set */
	int64_t set_wall_ns_p50;  /* the same, wall clock */
};

struct group_row {
	const char *scenario;
	double p50_ms, p90_ms, max_ms;
};

void out_wake_table(FILE *f, const struct wake_row *rows, int n);
void out_wake_json(FILE *f, int waiters, int rounds,
		   const struct wake_row *rows, int n);
void out_group_table(FILE *f, const struct group_row *rows, int n);
void out_group_json(FILE *f, int tasks, int rounds,
		    const struct group_row *rows, int n);

/* Raw samples of one mechanism, in ns. */
struct wake_samples {
	const char *mechanism;
	int rounds, waiters;
	int64_t *lat;       /* [round * waiters + waiter] */
	int64_t *set_cpu;   /* [round]: the setter's CPU time in the set */
	int64_t *set_wall;  /* [round]: the same, wall clock */
};
/* Write every sample as CSV; 0 or -errno. */
int out_wake_csv(const char *path, const struct wake_samples *s, int n);

/* A progress line on stderr, only if stderr is a terminal; rate-limited.
 * progress_done() erases it. */
void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void progress_done(void);

/* ---------------------------------------------------------------- plot.c */

/* Whether path names a picture plot_cdf() can draw (.svg or .png). */
bool plot_format_ok(const char *path);
/* Draw the latency CDF of the mechanisms names[0..n) in csv (written by
 * out_wake_csv) to out with gnuplot.  Returns 0, or -errno (-ENOENT:
 * gnuplot is not installed); says what went wrong on stderr. */
int plot_cdf(const char *csv, const char *out, const char *title,
	     const char *const *names, int n);
/* Draw the start and stop times against N of the kinds names[0..n) in csv
 * (lines "tasks,kind,start_ms,stop_ms") to out, log-log; as plot_cdf(). */
int plot_scale(const char *csv, const char *out, const char *const *names,
	       int n);

/* ---------------------------------------------------------------- nowait.c */

/* Measure sf_flag_set with nobody waiting and print one line to f. */
void nowait_report(FILE *f);

#endif
