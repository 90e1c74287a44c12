/*
 * stress.h - the fault campaign: what its files share.
 *
 * One scenario is a random group (scenario.c) run by a master process under
 * test (master.c, tasks.c, stress-task.c for exec tasks) while the driver
 * (stress.c) fires faults at it (inject.c).  Everything that happens is
 * recorded with CLOCK_MONOTONIC times in one shared record (struct st_shared)
 * that lives in a memfd: the master and its function tasks inherit the
 * mapping, exec tasks map it from their standard input.  Afterwards the
 * oracle (oracle.c) turns the record into the outcomes the contract allows
 * (stopflag.h, README "Exit status" and "The fault campaign") and the
 * checker (check.c) compares them with what the library did, and looks for
 * processes left behind (procs.c).  Shell tasks (sleeper.c) are shell
 * scripts that join the flag with stopflag(1): they sleep in
 * `stopflag sleep` loops and ask for the stop with `stopflag stop-all`,
 * recording what they do through stress-task.
 */
#ifndef SF_STRESS_H
#define SF_STRESS_H

#include <stdint.h>
#include <sys/types.h>

#include "stopflag.h"

#define ST_MAX_TASKS 6
#define ST_MAX_FAULTS 8
#define ST_NAME_MAX 16

/* ---------------------------------------------------------------- plans */

enum st_task_kind {
	ST_FN,           /* a function task (tasks.c) */
	ST_EXEC,         /* an exec task running stress-task */
	ST_EXEC_MISSING, /* exec of a binary that does not exist: 127 */
	ST_EXEC_NOEXEC,  /* exec of something that cannot be run: 126 */
	ST_EXEC_SH,      /* a shell script, sleeper.c: a `stopflag sleep` loop,
			    its stop signal and SIGTERM ignored (only the flag
			    ends it in time); its action, `stopflag stop-all` */
};

/* What a task does by itself, once, in its first incarnation, at
 * t0 + action_ms. */
enum st_action {
	ST_ACT_NONE,
	ST_ACT_EXIT,     /* return / exit(action_code) */
	ST_ACT_ABORT,    /* die by SIGABRT */
	ST_ACT_REQUEST,  /* sf_task_stop_all(action_code); function tasks;
			    `stopflag stop-all action_code`: shell tasks */
	ST_ACT_SCRIBBLE, /* write garbage over the shared page; function tasks */
	ST_ACT_BOMB,     /* fork until fork fails (RLIMIT_NPROC scenarios) */
};

enum st_scribble {
	ST_SCRIB_WORD,      /* garbage in the futex word, cause untouched */
	ST_SCRIB_CAUSE,     /* garbage in the cause */
	ST_SCRIB_PAGE,      /* garbage over the whole page */
	ST_SCRIB_ZERO_LOOP, /* zero the whole struct, busily, for 200 ms */
};

struct st_task_plan {
	int kind;          /* enum st_task_kind */
	int restart;       /* enum sf_restart */
	int stop_signal;   /* sf_group_set_stop_signal() */
	int stubborn;      /* ignores its stop (SIGTERM and the flag) */
	int exec_catch;    /* exec: catches its stop signal, exits 0 */
	int grandchildren; /* plain grandchildren, 0..2, pause() forever */
	int setsid_child;  /* a grandchild that calls setsid() */
	int action;        /* enum st_action */
	int action_ms;
	int action_code;
	int scribble;      /* enum st_scribble */
	int sleep_ms;      /* shell: the loop's `stopflag sleep` */
	int ready_ms;      /* 0: ready once started; else ready mode notify,
			      and each incarnation says it is ready this long
			      after its start (function tasks) */
	int after;         /* 0, or 1 + the index of the task it is after
			      (sf_group_set_after()) */
};

enum st_fault_kind {
	ST_F_KILL_TASK,     /* SIGKILL to a task */
	ST_F_KILL_MASTER,   /* SIGKILL to the master */
	ST_F_STORM_MASTER,  /* `count` SIGTERMs to the master in a burst */
	ST_F_SIGNAL_MASTER, /* one `signo` (INT, TERM, QUIT, HUP) */
	ST_F_TERM_TASK,     /* `count` SIGTERMs to one task */
	ST_F_STOP_TASK,     /* SIGSTOP a task, SIGCONT after cont_ms (or never:
			       cont_ms < 0) */
	ST_F_TERMINATOR,    /* SIGTERM to the master: every scenario ends */
	/* Keeper scenarios (sf_group_set_keeper()): "the master" above is
	 * the keeper, the process the driver forked; these aim at the
	 * process that keeper forked to run the group. */
	ST_F_KILL_INNER,    /* SIGKILL to the keeper's master */
	ST_F_KILL_BOTH,     /* SIGKILL to the keeper and its master at once */
};

struct st_fault_plan {
	int kind;   /* enum st_fault_kind */
	int target; /* task index */
	int at_ms;  /* after t0 */
	int signo;
	int count;
	int cont_ms;
};

struct st_scenario {
	uint64_t seed;     /* the run's seed */
	unsigned index;    /* scenario number in the run */
	int daemon;        /* run by stopflagd from a config (daemon.c) */
	int keeper;        /* sf_group_set_keeper(): stopflagd always */
	int strategy;      /* enum sf_strategy */
	int grace_ms;
	int max_restarts;
	int period_ms;
	int nproc_limit;   /* 0, or the master runs under RLIMIT_NPROC */
	int pre_ignore;    /* master ignores the stop signals before run */
	int late_end;      /* the terminator comes after grace + 1 s */
	int ntasks;
	struct st_task_plan task[ST_MAX_TASKS];
	int nfaults;
	struct st_fault_plan fault[ST_MAX_FAULTS];
};

/* ---------------------------------------------------------------- record */

#define ST_LOG_LINES 24
#define ST_LOG_LEN 120

#define ST_MAX_INCARNATIONS 32

struct st_task_rec {
	int incarnations;      /* how many times it started */
	uint64_t ident;        /* current incarnation: pid << 42 | starttime */
	pid_t pid[ST_MAX_INCARNATIONS];       /* each incarnation's pid */
	int64_t start_ns[ST_MAX_INCARNATIONS]; /* and when it began */
	int64_t action_ns;     /* when its action fired (0: never) */
	pid_t action_pid;
	int bad_start;         /* exec: inherited SIG_IGN (1) or mask (2) */
	int32_t scribbled_word; /* what ST_SCRIB_WORD wrote */
	int bomb_children;     /* how many the bomb forked */
	/* Shell tasks.  action_ns is taken before `stopflag stop-all`,
	 * acted_ns once it returned (0: never); woke_ns[i] is when
	 * incarnation i's sleep loop ended (0: never), woke_status a status
	 * of `stopflag sleep` that ended one other than 1 ("a stop came"). */
	int64_t acted_ns;
	int64_t woke_ns[ST_MAX_INCARNATIONS];
	int woke_status;
	/* A task whose ready_ms is set: when incarnation i was about to say
	 * it is ready (0: never). */
	int64_t ready_ns[ST_MAX_INCARNATIONS];
};

struct st_fault_rec {
	int fired;      /* 1 once it took effect */
	int64_t ns;     /* when (the first signal of a burst) */
	pid_t pid;      /* the process it hit */
	int sent;       /* signals sent */
	int64_t cont_ns; /* ST_F_STOP_TASK: when SIGCONT followed (0: never) */
	int skipped;    /* why not: ST_SKIP_* */
};

enum { ST_SKIP_NONE, ST_SKIP_ENDED, ST_SKIP_NOT_STARTED, ST_SKIP_NOT_READY };

struct st_result {
	int returned;          /* 1 once sf_group_run() returned */
	int ret;               /* its value */
	int cause_ret;         /* sf_group_cause() */
	struct sf_cause cause;
	char task_name[ST_NAME_MAX];
	int setup_err;         /* a group setter failed: -errno */
	int setup_step;
	int64_t run_ns, end_ns;
	int has_name;          /* sf_group_cause() named a task */
	int children_left;     /* processes still below the master */
	pid_t child_left[4];
	char child_state[4];
	int not_restored;      /* 1 << signo: a disposition sf_group_run()
				  did not restore; bit 0: the mask */
	int program_handler_calls; /* the master program's own handler ran */
};

/* STRESS_SABOTAGE: the master breaks a promise on purpose, so that a test
 * can see the campaign catch it. */
enum st_sabotage {
	ST_SABOTAGE_NONE,
	ST_SABOTAGE_STRAY,  /* leave a process behind */
	ST_SABOTAGE_ZOMBIE, /* return with an unreaped child */
	ST_SABOTAGE_LATE,   /* return grace + 2 s late */
	ST_SABOTAGE_STATUS, /* report a wrong exit status */
	ST_SABOTAGE_ORDER,  /* start every task at once, none after another */
};

struct st_shared {
	struct st_scenario sc;
	int sabotage;
	int64_t t0_ns;
	pid_t driver;
	pid_t master;
	pid_t inner;       /* a keeper's master, once it logged */
	struct st_task_rec task[ST_MAX_TASKS];
	struct st_fault_rec fault[ST_MAX_FAULTS];
	struct st_result res;
	unsigned log_next;
	char log[ST_LOG_LINES][ST_LOG_LEN];
};

/* Atomic access to the shared record from several processes. */
#define ST_LOAD(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define ST_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)

/* ---------------------------------------------------------------- rng.c */

struct st_rng {
	uint64_t s;
};
void st_rng_seed(struct st_rng *r, uint64_t seed, uint64_t stream);
uint64_t st_rng_next(struct st_rng *r);
/* Uniform in lo..hi, both included. */
int st_rng_range(struct st_rng *r, int lo, int hi);
/* True with probability percent / 100. */
int st_rng_chance(struct st_rng *r, int percent);

/* ---------------------------------------------------------------- scenario.c */

struct st_options {
	int nproc_ok; /* RLIMIT_NPROC faults can be used (root, exec helper
			 reachable by another uid) */
	int daemon;   /* percent of the scenarios stopflagd runs (0: it is
			 not there) */
	int shell;    /* shell tasks can be used (stopflag(1) was found) */
};

void st_scenario_generate(struct st_scenario *sc, uint64_t seed,
			  unsigned index, const struct st_options *opt);
/* Write a description of the plan, several lines, each with `prefix`. */
void st_scenario_describe(const struct st_scenario *sc, const char *prefix);
const char *st_fault_name(int kind);
const char *st_action_name(int action);

/* ---------------------------------------------------------------- tasks.c */

/* The function task body: arg points to the task's index (an int).
 * It finds the record in st_shared_rec, set by the master. */
extern struct st_shared *st_shared_rec;
int st_fn_task(sf_task *task, void *arg);
/* What both kinds of task do: record the incarnation, start the
 * grandchildren; returns the incarnation number (1 = first). */
int st_task_begin(struct st_shared *sh, int idx);
void st_task_grandchildren(const struct st_task_plan *p);
/* Fork until fork fails; returns how many. */
int st_fork_bomb(void);
/* st_task_begin() for process pid (a shell task's script), without the
 * grandchildren. */
int st_task_begin_as(struct st_shared *sh, int idx, pid_t pid);
/* Sleep until the absolute CLOCK_MONOTONIC time ns (not woken by the stop). */
void st_sleep_until_ns(int64_t ns);
/* This process's start time in clock ticks since boot (0 on error). */
uint64_t st_proc_starttime(pid_t pid);
uint64_t st_ident(pid_t pid, uint64_t starttime);
#define ST_IDENT_PID(id) ((pid_t)((id) >> 42))

/* The uid the master of RLIMIT_NPROC scenarios switches to. */
uid_t st_nproc_uid(unsigned index);

/* ---------------------------------------------------------------- master.c */

/* The programs and files a scenario uses. */
struct st_paths {
	char task[4096];   /* stress-task */
	char daemon[4096]; /* stopflagd, or "" (no daemon scenarios) */
	char plugin[4096]; /* stress-plugin.so */
	char stopflag[4096]; /* stopflag(1), or "" (no shell tasks) */
	char sleeper[4200]; /* the shell tasks' script, in dir */
	char dir[4096];    /* a private directory for config files */
	char config[4200]; /* the config file of a daemon scenario, in it */
};

/* ---------------------------------------------------------------- paths.c */

/* Find the programs (STRESS_TASK, STRESS_STOPFLAGD, STRESS_PLUGIN) and make
 * the private directory; 0, or -1 after saying why. */
int st_find_paths(struct st_paths *paths);
/* Remove the private directory.  Async-signal-safe; also run at exit. */
void st_paths_cleanup(void);
/* Whether a master under another uid can run what it must (only root can
 * switch uids, and the build tree must let that uid in). */
int st_nproc_usable(const struct st_paths *paths);

/* What an exec task runs to fail: a name found nowhere in PATH (127), and
 * a file that exists but cannot be executed (126). */
#define ST_NO_SUCH_PROGRAM "stopflag-stress-no-such-program"
#define ST_NOT_A_PROGRAM "/dev/null"

/* In the forked child that becomes the master (ours or stopflagd): its own
 * process group, the shared record as standard input, the uid and
 * RLIMIT_NPROC of the plan, death with the driver. */
void st_master_setup(struct st_shared *sh, int shm_fd);

/* Run in the forked master: build the group, run it, record the result.
 * Never returns. */
void st_master_main(struct st_shared *sh, int shm_fd,
		    const struct st_paths *paths) __attribute__((noreturn));

/* ---------------------------------------------------------------- sleeper.c */

/* Write the shell tasks' script into paths->dir (paths->sleeper); 0, or
 * -1 after saying why. */
int st_sleeper_write(struct st_paths *paths);
/* The words that run shell task idx: `/bin/sh SCRIPT IDX SLEEP CODE
 * STOP-SIGNAL` (the script names stress-task and stopflag itself), in buf (ST_SLEEPER_WORDS pointers into
 * it, NULL-terminated). */
#define ST_SLEEPER_WORDS 10
struct st_sleeper_argv {
	char *argv[ST_SLEEPER_WORDS];
	char num[4][16];
};
void st_sleeper_argv(const struct st_task_plan *t, int idx,
		     const struct st_paths *paths, struct st_sleeper_argv *out);

/* ---------------------------------------------------------------- daemon.c */

/* Write the plan as a stopflagd config file; 0 or -errno. */
int st_daemon_config(const struct st_scenario *sc, const struct st_paths *paths,
		     const char *file);
/* Run in the forked master: exec stopflagd on that file, its log on
 * log_fd.  Never returns. */
void st_daemon_main(struct st_shared *sh, int shm_fd, int log_fd,
		    const struct st_paths *paths) __attribute__((noreturn));

/* ---------------------------------------------------------------- inject.c */

struct st_injector;
/* Fire every fault of the plan at its time, until the master has exited
 * (master_fd is its pidfd) or all have fired.  Returns 1 if the master was
 * SIGKILLed by a fault (its time is in the record). */
int st_inject(struct st_shared *sh, pid_t master, int master_fd);

/* ---------------------------------------------------------------- procs.c */

#define ST_MAX_PROCS 4096

struct st_proc {
	pid_t pid, ppid, pgrp, sid;
	char state;
	uint64_t starttime;
	char comm[16];
};

/* Every descendant of `root` (not root itself), from a scan of /proc.
 * Async-signal-safe: no allocation, no stdio.  Returns how many (at most
 * max), or -errno. */
int st_descendants(pid_t root, struct st_proc *out, int max);
/* Read one /proc/PID/stat; 0 or -errno.  Async-signal-safe. */
int st_proc_read(pid_t pid, struct st_proc *p);
/* A pidfd for pid if it is still the process that started at `starttime`
 * (checked after the pidfd pins it), else -ESRCH or -errno. */
int st_pidfd_exact(pid_t pid, uint64_t starttime);
/* pidfd_send_signal(); 0 or -errno. */
int st_pidfd_signal(int pidfd, int sig);
/* Send sig to pid only if it is still the process that started at
 * `starttime` (a pidfd pins it between the check and the signal).
 * Returns 0, or -errno (-ESRCH: gone or not that process). */
int st_signal_exact(pid_t pid, uint64_t starttime, int sig);
/* SIGKILL every descendant of the calling process (each by pid, checked
 * against its start time) and reap its children, until none is left or
 * timeout_ms passes.  Returns how many SIGKILLs it sent.
 * Async-signal-safe. */
int st_sweep(int timeout_ms);

/* ---------------------------------------------------------------- oracle.c */

enum st_outcome_kind {
	ST_OUT_STOP, /* run() returns with this cause */
	ST_OUT_ANY,  /* a scribbled page: any cause, still in time */
};

struct st_outcome {
	int kind;
	int reason;    /* enum sf_reason */
	int code;
	int status;    /* what sf_group_run() returns */
	int task;      /* index of the task that caused it, -1 none, -2 any */
	pid_t pid;     /* the process the cause names, 0: any */
	pid_t alt_pid; /* or this one (the master naming a task), 0: none */
	int64_t at_ns; /* when the stop should have begun */
	int vague;     /* when the flag was set is not known closely enough
			  to time a shell task's wakeup from at_ns */
};

#define ST_MAX_OUTCOMES 64

struct st_expect {
	int n;
	int overflow; /* more outcomes than fit: the check is relaxed */
	struct st_outcome out[ST_MAX_OUTCOMES];
};

/* The ordering tolerance: events closer than this may take effect in either
 * order (a SIGCHLD the master has not handled yet loses to a signal). */
int64_t st_window_ns(void);
void st_oracle(const struct st_shared *sh, struct st_expect *ex);
/* Whether a task ignores its stop signal and SIGTERM: a stubborn one, and
 * a shell task (only the flag ends it). */
int st_ignores_stop_signals(const struct st_task_plan *p);
/* How soon after the flag is set a shell task's `stopflag sleep` loop must
 * have ended (and recorded that it did, a fork and an exec later):
 * STRESS_WAKE_MS, default 500 ms, 2.5 s under valgrind and sanitizers;
 * generous, for a loaded machine, where a wakeup missed costs the whole
 * sleep (up to 30 s) or the grace's SIGKILL. */
int64_t st_wake_ns(void);
/* Whether the shell tasks woke in time if the group stopped as outcome o
 * says: every one that ran at the stop ended its sleep loop by itself
 * within the window + st_wake_ns() of it, unless something else was in
 * the way (see oracle.c).  0, or 1 and why. */
int st_sleepers_check(const struct st_shared *sh, const struct st_outcome *o,
		      char *why, size_t len);
void st_outcome_describe(const struct st_outcome *o, int64_t t0, char *buf,
			 size_t len);

/* Ordered pairs (a task after another, sf_group_set_after()) the trace
 * let judge: how many, and how many of them saw the later task start. */
struct st_order_count {
	unsigned pairs, started;
};
/* Whether every task that is after another recorded its first start no
 * earlier than the first record of that other saying it is ready (of any
 * of its incarnations).  0, or 1 and why; adds to *count if not NULL. */
int st_order_check(const struct st_shared *sh, struct st_order_count *count,
		   char *why, size_t len);

/* ---------------------------------------------------------------- check.c */

/* What the driver saw of a scenario. */
struct st_observed {
	int master_status;    /* wait status of the master process */
	int hung;             /* the driver had to kill it: run() never returned */
	int64_t master_gone_ns; /* when the driver saw it end */
	int master_killed;    /* a fault SIGKILLed it */
	int64_t killed_ns;    /* when */
	const struct st_proc *strays; /* processes left, and when looked for */
	int nstrays;
	int64_t strays_ns;
	int beyond_reach;     /* of those, left by a killed master, allowed */
	int strict;           /* a keeper survived or saw its master killed:
				 nothing may be left (no beyond_reach) */
	const char *daemon_log; /* stopflagd's log, for a daemon scenario */
};

/* After the master is SIGKILLed only its tasks hear of it (by
 * PR_SET_PDEATHSIG): whether p is a task process that must then go, that
 * is, one that does not ignore its stop signal.  Anything else (a stubborn
 * task, what tasks forked) is beyond the reach of a dead master. */
int st_must_follow_master(const struct st_shared *sh, const struct st_proc *p);

/* Compare what happened with what the oracle allows; print a violation
 * with everything needed to replay it.  Returns 1 for a violation, else 0. */
int st_check(const struct st_shared *sh, const struct st_expect *ex,
	     const struct st_observed *obs);
/* The +1 s of "grace + 1 s", longer under valgrind and sanitizers. */
int64_t st_slack_ns(void);

/* Exit statuses of our master process (stopflagd has its own); a setup
 * failure also records its step (st_result.setup_step). */
#define ST_MASTER_OK 0
#define ST_MASTER_SETUP 3

#endif
