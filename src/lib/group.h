/*
 * group.h - what the files of the task group share: the group and task
 * records, the supervisor's states and events, and the helpers they call
 * in each other.  Calls run one way, never back:
 *
 *   master.c    (the master's signals and loops) -> reap.c, supervise.c,
 *               cause.c, status.c, log.c, output.c, notify.c
 *   output.c    (the tasks' stdout and stderr) -> relay.c, log.c; reap.c
 *               and spawn.c call it too (output.h)
 *   reap.c      (reaping, sweeping)   -> supervise.c, spawn.c, log.c,
 *               pidmap.c (which task a child is; spawn.c fills it)
 *   supervise.c (state x event table) -> spawn.c, notify.c, cause.c,
 *               status.c, log.c
 *   spawn.c     (fork, exec)          -> task.c
 *   notify.c    (the master's notify sockets: tasks say ready) -> log.c
 *   group.c     (the builder API)     -> task.c
 *   cause.c     (the stop's record), status.c (what tasks' states
 *               read as), log.c, task.c (the task's side),
 *   ready.c     (saying ready, from a task or a program it exec'd):
 *               none of the above
 *
 * policy.h holds the rules the daemon shares.  Not installed.
 */
#ifndef SF_GROUP_H
#define SF_GROUP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "internal.h"
#include "pidmap.h"
#include "policy.h"

/* sysexits(3) values the group returns where the table has no row. */
#define SF__EX_SOFTWARE 70 /* the cause makes no sense (a scribbled page) */
#define SF__EX_OSERR    71 /* fork() failed */
#define SF__EX_NOEXEC   126
#define SF__EX_NOTFOUND 127
#define SF__EX_NOTREADY 69 /* EX_UNAVAILABLE: a task not ready in time */

struct sf__option {
	char *key;
	char *value;
};

/* The master's view of one task (see supervise.c for the transitions). */
enum sf__state {
	SF__DOWN,      /* no process: not started yet, or ended and reaped */
	SF__UP,        /* running */
	SF__CYCLING,   /* sent its stop signal to restart with a sibling */
	SF__STOPPING,  /* sent its stop signal because the group stops */
	SF__NSTATES
};

/* What can happen to a task. */
enum sf__event {
	SF__START,     /* start it: the first time, or a pending restart */
	SF__ENDED,     /* its process was reaped */
	SF__CYCLE,     /* a sibling's restart takes it along */
	SF__STOP,      /* the group stops */
	SF__GRACE,     /* the grace after its stop signal ran out */
	SF__READY,     /* it said READY=1 on its notify socket */
	SF__LATE,      /* its ready-timeout ran out before it was ready */
	SF__NEVENTS
};

struct sf_task {
	/* What the task's own process uses; spawn.c hands it a copy of the
	 * whole record (its fork copies none of the group's records).  (Each
	 * half is ordered by size, wide fields first: no padding between.) */
	char *name;
	sf_task_fn *fn;           /* a function task, or NULL */
	void *arg;
	char **argv;              /* an exec task (NULL-terminated), or NULL */
	struct sf__option *options;
	sf_flag *flag;            /* the group's */
	sigset_t stops;           /* the signals that stop this task alone */
	int noptions;
	int stop_signal;
	pid_t master;             /* the master's pid, saved before fork() */
	int output;               /* enum sf_output, or -1: the group's */
	enum sf_ready ready_mode;
	bool no_flag;             /* an exec task not given the flag's fd */
	bool no_flush;            /* a function task ends without fflush(NULL) */
	bool stop_all;            /* the strategy is SF_STOP_ALL */
	char notify_addr[32];     /* "@NAME" of this start's notify socket */

	/* What only the master uses. */
	int64_t kill_at;          /* CLOCK_MONOTONIC ns of its SIGKILL, or 0 */
	int64_t ready_by;         /* CLOCK_MONOTONIC ns of its ready-timeout, or 0 */
	int64_t started_ns;       /* CLOCK_MONOTONIC ns of pid's start, or 0 */
	long starts;              /* processes started (status.c: restarts) */
	int *after;               /* ids of the tasks it starts after */
	int nafter;
	int id;
	enum sf_restart restart;
	enum sf__state state;
	pid_t pid;                /* its process while unreaped, else 0 */
	pid_t last_pid;           /* the last one, to name a cause later */
	int pidfd;                /* a pidfd for pid, or -1 */
	int notify_fd;            /* this start's notify socket, or -1 */
	int ready_timeout_ms;     /* 0: none */
	bool rerun;               /* start it again once no sibling cycles */
	bool ready;               /* said ready since its last start */
	bool was_ready;           /* its last start had been ready when it ended */
	bool cycle_mark;          /* scratch: restarted with the task that ended */
};

/* The group's phase; status.c maps it to enum sf_group_state. */
enum sf__phase {
	SF__NEW, SF__STARTING, SF__RUNNING,
	SF__ENDING,               /* the stop began */
	SF__DONE
};

/* The one record of the stop; only cause.c writes it. */
struct sf__stop {
	bool seen;                /* the doorbell said "set" */
	bool own;                 /* the master set the flag: cause is its own */
	/* Set by the master's handler of its stop signals: one it got, and
	 * the one whose set of the flag came first.  The master's own record,
	 * which no task scribbling over the page can erase. */
	volatile sig_atomic_t signal_seen, signal_first;
	struct sf_cause cause;    /* the first cause, settled at the stop */
	int task;                 /* the task it names, or -1 */
	int start_status;         /* 71, 126 or 127, with own START_FAILED */
};

struct sf_group {
	sf_flag *flag;
	int flag_fd;              /* its memfd, close-on-exec (flagfd.c) */
	struct sf_task **tasks;   /* the records, in `records` */
	int ntasks, cap;
	struct sf__arena records; /* not copied by a task's fork (arena.h) */
	struct sf__pidmap pids;   /* while it runs: each task's process */

	int grace_ms;
	enum sf_strategy strategy;
	bool keeper;              /* sf_group_set_keeper() */
	int max_restarts, period_ms;
	int64_t *restarts;        /* ring: times of the last max_restarts + 1 */
	long nrestarts;

	enum sf_output output;    /* the tasks' stdout and stderr (output.c) */
	struct sf__output *out;   /* while it runs: their fds, the relay */

	sf_log_fn *log;
	void *log_ctx;
	void (*on_ready)(void *ctx);
	void (*on_stopping)(void *ctx, const struct sf_cause *cause,
			    const char *task_name);
	void *hook_ctx;
	void (*on_change)(void *ctx, const sf_group *group);
	void *state_ctx;
	bool state_changed;    /* a task's public state changed since the state hook ran */

	enum sf__phase phase;
	bool ready_told;          /* on_ready was called */
	struct sf__stop stop;     /* cause.c */
	/* The master's wait while the group runs (master.c,
	 * run_until_stop()): its deadline, always given, and whether one of
	 * its handlers ran since it last looked.  Both handlers set woken and
	 * make the deadline one that has passed. */
	struct timespec wake_by;
	volatile sig_atomic_t woken;
};

/* log.c: one line to the group's sf_log_fn, if it has one. */
void sf__log(const sf_group *g, int priority, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* cause.c: the stop's record.  sf__cause_begin() clears it for a run;
 * sf__cause_from_signal() is the master's stop signal (async-signal-safe);
 * sf__cause_record() is a stop the master decides (a task's end, a failed
 * start); sf__cause_seen() is the flag found set; sf__stop_due() is
 * whether any of these happened; sf__cause_settle() takes the cause once,
 * at the stop, and returns the name of the task it names, or NULL;
 * sf__cause_exit_status() is the group's exit status. */
void sf__cause_begin(sf_group *g);
void sf__cause_from_signal(sf_group *g, int signo);
void sf__cause_record(sf_group *g, const struct sf_task *t,
		      enum sf_reason reason, int code, int start_status);
void sf__cause_seen(sf_group *g);
bool sf__stop_due(const sf_group *g);
const char *sf__cause_settle(sf_group *g);
int sf__cause_exit_status(const sf_group *g);

/* master.c: the master's whole run (sf_group_run() without a keeper). */
int sf__master_run(sf_group *g);

/* keeper.c: sf_group_run() as a keeper and a forked master; the result
 * and cause are the master's, or its death's.  sf_group_run() itself is
 * in keeper.c too, so that the arrow runs one way: keeper.c to master.c. */
int sf__keeper_run(sf_group *g);

/* supervise.c: one event to one task, through the table. */
void sf__dispatch(sf_group *g, struct sf_task *t, enum sf__event ev,
		  int status);
void sf__start_all(sf_group *g);     /* SF__START in order, until a failure */
void sf__start_pending(sf_group *g); /* restarts, once nobody cycles */
void sf__stop_all(sf_group *g);      /* SF__STOP to every task */
void sf__expire(sf_group *g, int64_t now); /* SF__GRACE, SF__LATE when due */
int64_t sf__next_deadline(const sf_group *g); /* earliest kill_at, ready_by, or 0 */
bool sf__all_ready(const sf_group *g);   /* the on_ready hook's condition */

/* notify.c: a task's notify socket for one start.  sf__notify_open()
 * makes it (abstract, autobound, SO_PASSCRED, non-blocking, SIGIO to the
 * calling process on arrival) and names it in t->notify_addr; returns 0
 * or a negative errno.  sf__notify_close() closes it (no-op if none).
 * sf__notify_take() reads everything waiting on it: true if a READY=1
 * from the master's uid or root was among it; it logs STATUS= and what it
 * drops, and closes every fd that came along. */
int sf__notify_open(struct sf_task *t);
void sf__notify_close(struct sf_task *t);
bool sf__notify_take(const sf_group *g, struct sf_task *t);

/* ready.c: send one datagram to a notify socket named as NOTIFY_SOCKET
 * names it ("@abstract" or "/path").  Async-signal-safe: socket(),
 * sendto(), close(); errno preserved.  0 or a negative errno. */
int sf__notify_send(const char *addr, const char *msg, size_t len);

/* status.c: a task's public state (struct sf_task_status's), and the
 * state hook: sf__state_hook() calls it if something changed since it
 * last did (master.c, once per wakeup). */
enum sf_task_state sf__task_state(const sf_group *g, const struct sf_task *t);
void sf__state_hook(sf_group *g);

/* execenv.c: the environment of an exec task, built in the master before
 * fork(): one allocation (free() it, not its strings); NULL if memory ran
 * out. */
char **sf__exec_env(const sf_group *g, const struct sf_task *t);

/* spawn.c */
int sf__spawn(sf_group *g, struct sf_task *t, int *errnum);
void sf__signal_task(struct sf_task *t, int signo);

/* reap.c */
struct sf_task *sf__task_by_pid(const sf_group *g, pid_t pid);
bool sf__reap(sf_group *g);
int sf__signal_children(sf_group *g, int signo, bool tasks_too);

/* task.c: run a function task in its own process, and _exit() with its
 * status (from the same page of code as the run's end: SF__STOP_PATH).
 * sf__task_find_option(): the option named key, or NULL (sf_task_option()
 * in the task, sf_group_set_option() in the builder). */
_Noreturn void sf__task_run(struct sf_task *t);
struct sf__option *sf__task_find_option(const struct sf_task *t,
					 const char *key);

#endif
