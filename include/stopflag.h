/*
 * stopflag.h - run subtasks as child processes and stop them all together.
 *
 * This header is the manual.  Every function below states:
 *   returns  - 0 or a non-negative value on success, a negative errno on
 *              failure (sf_strerror() turns either into text);
 *   signal   - whether it may be called from a signal handler;
 *   threads  - whether it may be called from several threads at once;
 *   fork     - what a child created by fork() (and a program after exec())
 *              inherits of it;
 *   blocks   - whether it sleeps, and until when.
 *
 * Link with `pkg-config --cflags --libs stopflag`.
 */
#ifndef STOPFLAG_H
#define STOPFLAG_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define SF_EXPORT __attribute__((visibility("default")))
#else
#define SF_EXPORT
#endif

/* The version of the plugin ABI.  A plugin built against another value is
 * refused by stopflagd.  Bumped whenever sf_task_fn or the sf_task_* calls
 * change in an incompatible way. */
#define SF_ABI_VERSION 1

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

/*
 * sf_strerror - describe a return value of this library.
 *
 * Returns a static string: "success" for err >= 0, the errno text of -err
 * for err < 0 ("Invalid argument" for -EINVAL), and "unknown error" for a
 * negative err that is no errno (a static string has no room for its
 * number; one in a buffer would not be async-signal-safe).
 * The string is never freed and never changes.
 * signal: yes.  threads: yes.  fork: n/a.  blocks: no.
 */
SF_EXPORT const char *sf_strerror(int err);

/* ------------------------------------------------------------------ */
/* The flag: a cross-process Event that can be set from a signal handler */
/* ------------------------------------------------------------------ */

/* Why the flag was set.  `code` in struct sf_cause is explained beside each
 * reason.  A page scribbled by a faulty task may read back a value outside
 * this list; callers must treat unknown values as opaque. */
enum sf_reason {
	SF_REASON_NONE = 0,
	SF_REASON_SIGNAL,       /* code: the signal number */
	SF_REASON_REQUEST,      /* code: what the asking task passed */
	SF_REASON_EXITED,       /* code: exit status of a task that ended */
	SF_REASON_KILLED,       /* code: the signal that killed a task */
	SF_REASON_PARENT_DIED,  /* code: 0 */
	SF_REASON_START_FAILED, /* code: the errno of the failed start */
};

/* The first cause recorded in a flag.  `pid` is the process that set it
 * (or the pid the setter named, see sf_flag_set_cause()). */
struct sf_cause {
	enum sf_reason reason;
	int code;
	pid_t pid;
};

/*
 * sf_reason_name - a short lower-case name for a reason ("signal",
 * "request", "exited", "killed", "parent-died", "start-failed", "none"),
 * or "unknown" for a value outside enum sf_reason.
 * signal: yes.  threads: yes.  fork: n/a.  blocks: no.
 */
SF_EXPORT const char *sf_reason_name(enum sf_reason reason);

/* A stop flag.  It lives on one shared page (never named, never reachable
 * by a path in the filesystem), so that every process forked after
 * sf_flag_create() shares it.  A group's flag is a sealed memfd page that
 * exec tasks inherit too (see sf_flag_from_env()). */
typedef struct sf_flag sf_flag;

/*
 * sf_flag_create - map a new, unset flag.
 *
 * Call it before fork(): children forked afterwards share the flag with the
 * creator and with each other.  A flag created after a fork is not shared
 * with processes forked earlier.
 * Returns 0 and stores the flag in *flagp, or -EINVAL (flagp NULL), or the
 * error of mmap() (typically -ENOMEM).
 * signal: no.  threads: yes.  fork: the child shares the same flag;
 * across exec() it is gone (the mapping does not survive exec).
 * blocks: no.
 */
SF_EXPORT int sf_flag_create(sf_flag **flagp);

/*
 * sf_flag_destroy - unmap a flag in the calling process.
 *
 * Other processes that share it keep their mapping.  Any handler installed by
 * sf_flag_catch_signal() for this flag is disarmed first (its disposition is
 * left in place but does nothing).  NULL is accepted and ignored.
 * signal: no.  threads: no other thread may use the flag meanwhile.
 * fork: affects only the caller.  blocks: no.
 */
SF_EXPORT void sf_flag_destroy(sf_flag *flag);

/*
 * sf_flag_set - set the flag and wake every waiter in every process.
 *
 * The first call to set a flag records its cause (reason, code and
 * pid = getpid()) with a single compare-and-swap; later calls keep that cause
 * but still make sure that the flag is published and every waiter is woken,
 * so a setter killed halfway never leaves waiters asleep.
 * Returns 1 if this call set the flag, 0 if it was already set, -EINVAL if
 * flag is NULL or reason is not one of SF_REASON_SIGNAL..START_FAILED.
 * Cost: no system call but, only when somebody waits, one FUTEX_WAKE.
 * The pid is cached per process (on a page the kernel wipes in every
 * child), so only a process's first set calls getpid(), once.
 * signal: yes - lock-free, no allocation, no stdio, errno preserved.
 * threads: yes.  fork: n/a (acts on the shared page).  blocks: no.
 */
SF_EXPORT int sf_flag_set(sf_flag *flag, enum sf_reason reason, int code);

/*
 * sf_flag_set_cause - like sf_flag_set(), with the pid given explicitly
 * (for a supervisor reporting on behalf of a child).  cause->pid must be
 * between 0 and 16777215 (Linux pids stay below 2^22).
 * Returns 1, 0 or -EINVAL as sf_flag_set().
 * signal: yes.  threads: yes.  fork: n/a.  blocks: no.
 */
SF_EXPORT int sf_flag_set_cause(sf_flag *flag, const struct sf_cause *cause);

/*
 * sf_flag_is_set - whether the flag has been set.  One atomic load, no
 * system call.  Returns false for NULL.
 * signal: yes.  threads: yes.  fork: n/a.  blocks: no.
 */
SF_EXPORT bool sf_flag_is_set(const sf_flag *flag);

/*
 * sf_flag_wait - sleep until the flag is set or timeout_ms milliseconds pass.
 *
 * timeout_ms < 0 waits forever; 0 only checks.  The deadline is computed once
 * on CLOCK_MONOTONIC, so signals and spurious wakeups (which are absorbed:
 * this never returns -EINTR) do not stretch it.
 * Returns 0 once the flag is set, -ETIMEDOUT at the deadline, -EINVAL for a
 * NULL flag, -ENOSYS where the kernel has no futex (see
 * sf_flag_wait_until()).
 * signal: yes (futex and clock_gettime are async-signal-safe; errno is
 * preserved).  threads: yes, any number of waiters.  fork: n/a.
 * blocks: yes, until set or the deadline.
 */
SF_EXPORT int sf_flag_wait(sf_flag *flag, int timeout_ms);

/*
 * sf_flag_wait_until - sleep until the flag is set or the absolute
 * CLOCK_MONOTONIC time *deadline passes.  NULL waits forever.
 *
 * Waits use the kernel's FUTEX_WAIT_BITSET directly: liburcu's
 * compatibility fallback takes neither a bitset nor a timeout, so on a kernel
 * without futex every wait, timed or not, returns -ENOSYS instead of
 * polling (the flag is not set then; sf_flag_set() still works there, and
 * a wait on a flag already set returns 0).
 * Returns 0, -ETIMEDOUT, -EINVAL (NULL flag, tv_nsec outside 0..999999999),
 * -ENOSYS.
 * signal: yes.  threads: yes.  fork: n/a.  blocks: yes.
 */
SF_EXPORT int sf_flag_wait_until(sf_flag *flag, const struct timespec *deadline);

/*
 * sf_flag_cause - read the first cause.
 * Returns 0 and fills *cause if the flag is set, -EAGAIN if it is not,
 * -EINVAL for NULL arguments.  A cause scribbled over by a faulty process
 * reads back as it is (possibly an unknown reason); it is never "repaired".
 * signal: yes.  threads: yes.  fork: n/a.  blocks: no.
 */
SF_EXPORT int sf_flag_cause(const sf_flag *flag, struct sf_cause *cause);

/*
 * sf_flag_catch_signal - install a handler for signo that sets flag with
 * reason SF_REASON_SIGNAL and code signo.
 *
 * The handler is installed with SA_RESTART.  One flag per signal: a second
 * call for the same signal replaces the flag it sets.
 * Returns 0, -EINVAL (NULL flag; SIGKILL, SIGSTOP or a number that is not a
 * signal), or the error of sigaction().
 * signal: no.  threads: yes, but the disposition is process-wide.
 * fork: the child inherits the handler, which sets the same shared flag;
 * exec() resets it to the default action.  blocks: no.
 */
SF_EXPORT int sf_flag_catch_signal(sf_flag *flag, int signo);

/* ------------------------------------------------------------------ */
/* In a program a task exec'd (any language, see stopflag(1))          */
/* ------------------------------------------------------------------ */

/* The environment variable that names the group's flag in an exec task:
 * STOPFLAG_FD=<fd>.  The fd is a memfd named "stopflag", one page long,
 * sealed with F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL (ftruncate() on it
 * fails with EPERM), never named in the filesystem.  Like any page, it is
 * reachable through /proc/PID/fd by processes of the same user. */
#define SF_FLAG_ENV "STOPFLAG_FD"

/*
 * sf_flag_from_env - map the group's flag that STOPFLAG_FD names.
 *
 * It trusts the variable only once the fd is a memfd named "stopflag"
 * (checked where /proc is mounted), read-write, with exactly the seals
 * above and one page long; then it maps the page shared.  Every sf_flag_*
 * call works on the result: wait, is_set, cause, set, catch_signal,
 * destroy (which unmaps it and leaves the fd open), and sf_flag_stop_all().
 * The fd is left open and inheritable, so the program's own children (a
 * shell's commands) can join too.
 * Returns 0 and stores the flag in *flagp; -ENOENT (no STOPFLAG_FD),
 * -EBADF (the fd it names is not open), -EINVAL (flagp NULL, the value is
 * not a decimal fd number, or the fd is not a stopflag page), or the error
 * of mmap().
 * signal: no.  threads: yes, unless another thread changes the environment
 * meanwhile (getenv()).  fork: children forked afterwards share the flag;
 * across exec() the mapping is gone, the fd and the variable stay unless
 * closed or unset.  blocks: no.
 */
SF_EXPORT int sf_flag_from_env(sf_flag **flagp);

/*
 * sf_flag_stop_all - ask the whole group to stop, from a program a task
 * exec'd (or any process holding the flag): what sf_task_stop_all() does
 * in a function task.  It sets the flag, reason SF_REASON_REQUEST with
 * `code`, which the group then returns as its exit status (modulo 256),
 * under every strategy.  The cause's pid is the caller's process group
 * (getpgrp()): every task runs in a process group of its own, whose id is
 * the task's pid, so the master names the task the caller belongs to,
 * however deep below it the caller runs (a command of a task's shell
 * script).  It also rings the master's doorbell, so the request is seen
 * even if a task erased the futex word's record of who sleeps on it.
 * Returns 1 if this call set the flag, 0 if it was set already, -EINVAL
 * (NULL flag).
 * signal: yes.  threads: yes.  fork: n/a (acts on the shared page).
 * blocks: no.
 */
SF_EXPORT int sf_flag_stop_all(sf_flag *flag, int code);

/* The environment variable that names the socket an exec task says it is
 * ready on, as systemd's notify protocol has it (sd_notify(3)):
 * NOTIFY_SOCKET=@NAME, an abstract unix datagram socket.  A group sets it
 * for every task whose ready mode is SF_READY_NOTIFY (a socket of its own
 * for each start of the task) and removes the one the master inherited
 * from every other task, so that no task speaks for the master to the
 * master's own supervisor. */
#define SF_NOTIFY_ENV "NOTIFY_SOCKET"

/*
 * sf_notify_ready - say "READY=1" on the socket NOTIFY_SOCKET names: what
 * `stopflag ready`, `systemd-notify --ready` and sd_notify(0, "READY=1")
 * do, for a program a task exec'd (see sf_group_set_ready_mode()).  One
 * datagram from a socket of its own, which it closes: the master tells the
 * task by the socket it arrives on, so the sender may be any process of
 * the task, however short-lived.  An abstract name (@NAME) or a path
 * (/...) is taken, as sd_notify(3) takes them.
 * Returns 0 once sent; -ENOENT (NOTIFY_SOCKET is not set: the task's
 * ready mode is SF_READY_STARTED, or no group runs this program),
 * -EINVAL (it names no unix socket), or the error of socket() or
 * sendto() (-ECONNREFUSED: nobody listens any more, e.g. the group
 * stopped).
 * signal: no (getenv()).  threads: yes, unless another thread changes the
 * environment meanwhile.  fork: n/a.  blocks: no (a full socket buffer
 * gives -EAGAIN).
 */
SF_EXPORT int sf_notify_ready(void);

/*
 * sf_notify - send state, lines of systemd's notify protocol ("READY=1",
 * "STATUS=loading 3/7", "STOPPING=1", joined by '\n'), to the socket
 * NOTIFY_SOCKET names, as sf_notify_ready() sends "READY=1" and
 * sd_notify(0, state) does: to a group's master, which takes READY=1 and
 * logs STATUS=, or to systemd itself (stopflagd says READY=1, STATUS= and
 * STOPPING=1 with it, and needs no libsystemd for that).
 * Returns what sf_notify_ready() returns, and -EINVAL for a NULL or empty
 * state.  A message over the socket's limit (about 200 kB) fails with
 * -EMSGSIZE; nothing is split.
 * signal: no (getenv()).  threads: as sf_notify_ready().  fork: n/a.
 * blocks: no.
 */
SF_EXPORT int sf_notify(const char *state);

/* ------------------------------------------------------------------ */
/* Inside a task (a forked child)                                      */
/* ------------------------------------------------------------------ */

/* The handle a task receives.  It is valid only in the task's own process
 * and only until its sf_task_fn returns. */
typedef struct sf_task sf_task;

/*
 * A task's body.  It runs in its own forked child, in its own process
 * group, with every signal disposition at its default except its stop
 * signals (below), and an empty signal mask.  Its return value, modulo
 * 256, becomes the child's exit status: stdio is flushed (unless
 * sf_group_set_stdio_flush() says not to) and the child ends with
 * _exit(), so atexit() handlers of the program (which belong to the
 * master) do not run in it.  It should return promptly once
 * sf_task_should_stop() is true.
 *
 * Stop signals: SIGINT, SIGTERM, SIGQUIT, SIGHUP and the task's own
 * (sf_group_set_stop_signal()).  One sent to the task alone makes
 * sf_task_should_stop() true in that task; under SF_STOP_ALL it also sets
 * the group's flag (reason SIGNAL), so the whole group follows.  When the
 * group stops, the task gets its stop signal too, besides the flag.  The
 * handler is installed without SA_RESTART, so a blocking system call
 * returns EINTR on a stop.  If the master dies, the stop signal comes by
 * PR_SET_PDEATHSIG and sets the flag, reason PARENT_DIED, for every task.
 * A process the task forks inherits the handler (and gets the stop signals
 * sent to the task's process group); there a stop signal only makes
 * sf_task_should_stop() true in that process: it never sets the flag.
 */
typedef int sf_task_fn(sf_task *task, void *arg);

/*
 * sf_task_should_stop - true once this task has been asked to stop: the group
 * flag is set, this task was sent a stop signal, or the master died.
 * One or two loads, no system call.  True for NULL, so that a loop on a
 * bad handle ends.
 * signal: yes.  threads: yes.  fork: meaningful only in the task process.
 * blocks: no.
 */
SF_EXPORT bool sf_task_should_stop(const sf_task *task);

/*
 * sf_task_sleep - sleep for ms milliseconds, waking at once on a stop.
 * Returns 0 if it slept the whole time, 1 if a stop woke it (or had already
 * come), -EINVAL for a NULL task or negative ms.
 * signal: yes.  threads: yes.  fork: task process only.  blocks: yes.
 */
SF_EXPORT int sf_task_sleep(sf_task *task, int ms);

/*
 * sf_task_wait - sleep until a stop comes or timeout_ms passes (< 0: forever).
 * Returns 0 on a stop, -ETIMEDOUT, -EINVAL.
 * signal: yes.  threads: yes.  fork: task process only.  blocks: yes.
 */
SF_EXPORT int sf_task_wait(sf_task *task, int timeout_ms);

/*
 * sf_task_poll - poll(2) on fds until one is ready, a stop comes, or
 * timeout_ms passes (< 0: forever), for a task that waits on files or
 * sockets.  The task's stop signals are blocked except inside the sleep
 * (ppoll(2)), so a stop that comes just before it cannot be missed; the
 * caller's signal mask is restored before it returns.
 * Returns the number of ready fds (> 0), 0 on a stop (as sf_task_wait()),
 * -ETIMEDOUT, -EINVAL (NULL task, NULL fds with nfds > 0), or the error of
 * ppoll().
 * signal: no (it changes the signal mask).  threads: the calling thread's
 * mask only.  fork: task process only.  blocks: yes.
 */
SF_EXPORT int sf_task_poll(sf_task *task, struct pollfd *fds, nfds_t nfds,
			   int timeout_ms);

/*
 * sf_task_stop_all - ask the whole group to stop, reason SF_REASON_REQUEST
 * with `code`, which sf_group_run() then returns as its exit status (taken
 * modulo 256, as exit statuses are).  A request stops the group under every
 * strategy.  Besides setting the flag it wakes the master directly (one
 * system call), so the request is seen even if a task erased the futex
 * word's record of who sleeps on it.  Returns 1 if this call set the flag,
 * 0 if it was set already, -EINVAL.
 * signal: yes.  threads: yes.  fork: task process only.  blocks: no.
 */
SF_EXPORT int sf_task_stop_all(sf_task *task, int code);

/*
 * sf_task_ready - say that this task is ready: a task whose ready mode is
 * SF_READY_NOTIFY is not ready until it calls this (see
 * sf_group_set_ready_mode()).  It sends "READY=1" on the task's notify
 * socket for this start (a socket of its own: the master tells which task
 * spoke, and a message of an earlier start of the task cannot count for
 * this one).  Calling it again is harmless; a process the task forked may
 * call it too.  For a task whose mode is SF_READY_STARTED it sends nothing
 * and returns 0: such a task is ready once it runs.
 * Returns 0, -EINVAL (NULL task), or the error of socket() or sendto()
 * (-ECONNREFUSED once the group has begun to stop: nobody listens).
 * signal: yes - socket(), sendto() and close() only, errno preserved.
 * threads: yes.  fork: task process and its children.  blocks: no.
 */
SF_EXPORT int sf_task_ready(sf_task *task);

/*
 * sf_task_name - the task's name as given to sf_group_add().
 * signal: yes.  threads: yes.  fork: task process only.  blocks: no.
 */
SF_EXPORT const char *sf_task_name(const sf_task *task);

/*
 * sf_task_option - the value of a configuration key given to this task
 * (stopflagd hands a plugin task the keys it does not know itself), or NULL
 * if there is no such key.
 * signal: yes.  threads: yes.  fork: task process only.  blocks: no.
 */
SF_EXPORT const char *sf_task_option(const sf_task *task, const char *key);

/*
 * sf_task_flag - the group's shared flag, for waiting on it together with
 * other things.  NULL for a NULL task.
 * signal: yes.  threads: yes.  fork: task process only.  blocks: no.
 */
SF_EXPORT sf_flag *sf_task_flag(sf_task *task);

/* ------------------------------------------------------------------ */
/* The group (the master)                                              */
/* ------------------------------------------------------------------ */

typedef struct sf_group sf_group;

/* What happens when a task ends (see README "Strategies"). */
enum sf_strategy {
	SF_STOP_ALL = 0,  /* any end of any task stops the whole group */
	SF_ONE_FOR_ONE,   /* restart the task that ended */
	SF_ONE_FOR_ALL,   /* stop and restart every task */
	SF_REST_FOR_ONE,  /* stop and restart the task and those added after it */
};

/* Whether a task is restarted under the restarting strategies. */
enum sf_restart {
	SF_TEMPORARY = 0, /* never; its end does not stop the group */
	SF_TRANSIENT,     /* only after an abnormal end (non-zero, or a signal) */
	SF_PERMANENT,     /* always */
};

/* Log callback: priority as in syslog(3) (LOG_ERR .. LOG_DEBUG); msg is one
 * line without a newline.  Called only from the master's normal context,
 * never from a signal handler. */
typedef void sf_log_fn(void *ctx, int priority, const char *msg);

/*
 * sf_group_create - a new, empty group: strategy SF_STOP_ALL, grace 5000 ms,
 * intensity 3 restarts in 5000 ms.
 * Returns 0, -EINVAL, -ENOMEM.
 * signal: no.  threads: yes.  fork: do not use a group in a child.
 * blocks: no.
 */
SF_EXPORT int sf_group_create(sf_group **groupp);

/*
 * sf_group_destroy - free a group that is not running.  NULL is ignored.
 * signal: no.  threads: no.  fork: n/a.  blocks: no.
 */
SF_EXPORT void sf_group_destroy(sf_group *group);

/*
 * sf_group_add - add a function task.  fn(task, arg) runs in a forked child.
 * name is copied; it must be non-empty, unique in the group, and free of
 * control characters (it is logged on one line).  Task ids count up from 0
 * in the order tasks are added; tasks start in that order.
 * Returns the task id (>= 0), -EINVAL, -EEXIST (duplicate name), -EBUSY
 * (group running or run), -ENOMEM.
 * signal: no.  threads: no.  fork: n/a.  blocks: no.
 */
SF_EXPORT int sf_group_add(sf_group *group, const char *name, sf_task_fn *fn,
			   void *arg);

/*
 * sf_group_add_exec - add a task that execs argv[0] (searched in PATH) with
 * argv.  argv is copied.  Only fds 0, 1 and 2 are inherited, and the
 * group's flag: its memfd, with STOPFLAG_FD=<fd> and STOPFLAG_TASK=<name>
 * in the environment (see sf_flag_from_env(); sf_group_set_pass_flag()
 * withholds them).  Signal
 * dispositions and mask are reset; it runs in its own process group;
 * PR_SET_PDEATHSIG, kept across the exec, delivers the task's stop signal
 * if the master dies.
 * Returns the task id, -EINVAL (bad name, NULL/empty argv), -EEXIST,
 * -EBUSY, -ENOMEM.
 * signal: no.  threads: no.  fork: n/a.  blocks: no.
 */
SF_EXPORT int sf_group_add_exec(sf_group *group, const char *name,
				char *const argv[]);

/*
 * sf_group_set_option - attach a key = value pair to a task, returned to it
 * by sf_task_option().  Both strings are copied; setting a key again
 * replaces its value.  Returns 0, -EINVAL, -ENOENT (no such task), -EBUSY,
 * -ENOMEM.
 * signal: no.  threads: no.  fork: n/a.  blocks: no.
 */
SF_EXPORT int sf_group_set_option(sf_group *group, int task_id,
				  const char *key, const char *value);

/*
 * sf_group_set_grace - how long tasks get between their stop signal and
 * SIGKILL (to the task and its whole process group), and processes that
 * tasks left behind between SIGTERM and SIGKILL.  0 kills at once.
 * Returns 0, -EINVAL (NULL group, negative), -EBUSY.
 * signal: no.  threads: no.  fork: n/a.  blocks: no.
 */
SF_EXPORT int sf_group_set_grace(sf_group *group, int grace_ms);

/*
 * sf_group_set_strategy - see enum sf_strategy and README "Strategies".
 * Under the restarting strategies, once no task is left running or waiting
 * to restart, the group stops with the end of the last one as its cause.
 * Returns 0, -EINVAL (NULL group, not an sf_strategy), -EBUSY.
 * signal: no.  threads: no.  fork: n/a.  blocks: no.
 */
SF_EXPORT int sf_group_set_strategy(sf_group *group,
				    enum sf_strategy strategy);

/*
 * sf_group_set_intensity - more than max_restarts restarts within period_ms
 * stops the group, with the cause of the last failure.  A restart of
 * several tasks at once (SF_ONE_FOR_ALL, SF_REST_FOR_ONE) counts once.
 * 0 <= max_restarts <= SF_MAX_RESTARTS, period_ms > 0.  Returns 0, -EINVAL,
 * -EBUSY.
 * signal: no.  threads: no.  fork: n/a.  blocks: no.
 */
#define SF_MAX_RESTARTS 10000
SF_EXPORT int sf_group_set_intensity(sf_group *group, int max_restarts,
				     int period_ms);

/*
 * sf_group_set_restart - a task's restart type (default SF_TEMPORARY); it
 * matters only under the restarting strategies.  Returns 0, -EINVAL,
 * -ENOENT, -EBUSY.
 * signal: no.  threads: no.  fork: n/a.  blocks: no.
 */
SF_EXPORT int sf_group_set_restart(sf_group *group, int task_id,
				   enum sf_restart restart);

/*
 * sf_group_set_stop_signal - the signal a task gets when the group stops,
 * or when it alone is stopped to be restarted with a sibling (default
 * SIGTERM); also delivered by PR_SET_PDEATHSIG if the master dies.  It
 * goes to the task's whole process group.  A function task sees the flag
 * as well, and catches this signal (see sf_task_fn); an exec task sees
 * the flag if it joins it (sf_flag_from_env(), stopflag(1)).
 * Returns 0, -EINVAL (a signal that cannot be caught, that the C library
 * keeps for itself, or whose default action does not end a process:
 * SIGCHLD, SIGCONT, SIGURG, SIGWINCH, SIGTSTP, SIGTTIN, SIGTTOU), -ENOENT
 * (no such task), -EBUSY.
 * signal: no.  threads: no.  fork: n/a.  blocks: no.
 */
SF_EXPORT int sf_group_set_stop_signal(sf_group *group, int task_id,
				       int signo);

/*
 * sf_group_set_pass_flag - whether an exec task inherits the group's flag
 * (default true): its memfd, STOPFLAG_FD and STOPFLAG_TASK.  With false it
 * gets none of them, and those the master itself inherited are removed
 * from its environment too.  A function task always shares the flag.
 * Returns 0, -EINVAL (NULL group, or a function task), -ENOENT (no such
 * task), -EBUSY.
 * signal: no.  threads: no.  fork: n/a.  blocks: no.
 */
SF_EXPORT int sf_group_set_pass_flag(sf_group *group, int task_id, bool pass);

/*
 * sf_group_set_stdio_flush - whether a function task's process flushes
 * every stdio stream (fflush(NULL)) when its function returns (default
 * true).  With false it ends with _exit() alone, and skips the flush
 * its start makes to have that code in memory before the stop: for a
 * task that writes with write(2), or that flushes what it writes itself.
 * What it leaves in a stdio buffer is lost.  When 1000 tasks stop at
 * once, each one's end is a measurable part of the stop (README,
 * "Scale"); stopflagd's heartbeat and watch-file tasks end this way.  An
 * exec task's program flushes its own.
 * Returns 0, -EINVAL (NULL group, or an exec task), -ENOENT (no such
 * task), -EBUSY.
 * signal: no.  threads: no.  fork: n/a.  blocks: no.
 */
SF_EXPORT int sf_group_set_stdio_flush(sf_group *group, int task_id,
				       bool flush);

/* When a task counts as ready (sf_group_set_ready_mode()). */
enum sf_ready {
	SF_READY_STARTED = 0, /* once its process runs (the default) */
	SF_READY_NOTIFY,      /* once it says so (sf_task_ready(), READY=1) */
};

/*
 * sf_group_set_ready_mode - when a task is ready.  SF_READY_STARTED
 * (default): as soon as its process has been started.  SF_READY_NOTIFY:
 * once it says so, each time it is started:
 *   - a function task calls sf_task_ready();
 *   - an exec task runs `stopflag ready` (stopflag(1)), calls
 *     sf_notify_ready(), or speaks systemd's notify protocol unchanged
 *     (sd_notify(0, "READY=1"), `systemd-notify --ready`) to the socket
 *     NOTIFY_SOCKET names (SF_NOTIFY_ENV).
 * The master serves each start of each such task an abstract unix datagram
 * socket of its own, so that a message is the task's whichever of its
 * processes sent it, and a message from an earlier start (a restarted
 * task's former self) cannot count.  Only messages from the master's own
 * uid or root count (checked with SCM_CREDENTIALS); others are logged and
 * dropped.  Of what arrives it takes READY=1, logs STATUS=TEXT (LOG_INFO,
 * "task NAME: status: TEXT"), and closes every fd sent along (which is
 * what answers BARRIER=1, as `systemd-notify` waits for); the rest is
 * ignored.  A message is read when it arrives: the socket raises SIGIO in
 * the master, whose handler rings the same doorbell as SIGCHLD's (the
 * master takes SIGIO over while it runs, as it does SIGCHLD).  Once the
 * stop begins the sockets are closed: what comes later is refused.
 * A task is no longer ready once its process ends.  The group's on_ready
 * hook (sf_group_set_hooks()) waits for every task to be ready, and tasks
 * that are after others (sf_group_set_after()) wait for those.
 * Returns 0, -EINVAL (NULL group, not an sf_ready), -ENOENT (no such
 * task), -EBUSY.
 * signal: no.  threads: no.  fork: n/a.  blocks: no.
 */
SF_EXPORT int sf_group_set_ready_mode(sf_group *group, int task_id,
				      enum sf_ready mode);

/*
 * sf_group_set_ready_timeout - how long a task whose mode is
 * SF_READY_NOTIFY may take, from each start of its process, to say it is
 * ready; 0 (the default) waits for ever.  A task not ready in time is a
 * start failure: the group stops as for any failed start, with cause
 * START_FAILED, code ETIME (sf_cause_format(): "task NAME was not ready in
 * time"), and sf_group_run() returns 69 (EX_UNAVAILABLE).  A task whose mode
 * is SF_READY_STARTED is ready at once, so it never times out.
 * Returns 0, -EINVAL (NULL group, negative), -ENOENT, -EBUSY.
 * signal: no.  threads: no.  fork: n/a.  blocks: no.
 */
SF_EXPORT int sf_group_set_ready_timeout(sf_group *group, int task_id,
					 int timeout_ms);

/*
 * sf_group_set_after - start task_id only once after_id is ready (see
 * sf_group_set_ready_mode()); call it once for each task it waits for.
 * Tasks that wait for nobody start at once, in the order they were added;
 * each of the others starts as soon as every task it is after is ready.
 * The same holds for restarts (README "Readiness and order"): a task whose
 * dependency is down waits for it to be restarted and ready again; under
 * SF_REST_FOR_ONE the tasks restarted with a task include every task that
 * is after one of them; a dependency that has ended and will not be
 * restarted holds nobody back if it had been ready, and otherwise is a
 * start failure of the task waiting for it (cause START_FAILED, code
 * ESRCH, status 69).  The stop is not ordered: every task gets it at once.
 * Giving the same pair twice changes nothing.
 * Returns 0, -EINVAL (NULL group), -ENOENT (no such task_id or after_id),
 * -ELOOP (after_id is task_id, or already waits for task_id, directly or
 * through others: the tasks could never start), -EBUSY, -ENOMEM.
 * signal: no.  threads: no.  fork: n/a.  blocks: no.
 */
SF_EXPORT int sf_group_set_after(sf_group *group, int task_id, int after_id);

/*
 * Where a task's stdout and stderr go (sf_group_set_output(); README
 * "Output", stopflagd.conf(5) key output).
 *   SF_OUTPUT_INHERIT  the master's own stdout and stderr, as they are
 *                      (the default).
 *   SF_OUTPUT_PREFIX   through the relay: a process the master starts
 *                      before the tasks, which reads their pipes and
 *                      writes each line as "NAME | line" (names padded
 *                      to one width, coloured on a terminal unless
 *                      NO_COLOR is set and not empty).  stdout lines go
 *                      to the master's stdout, stderr lines to its
 *                      stderr.  A line longer than SF_OUTPUT_LINE_MAX
 *                      bytes, prefix and newline included, is cut into
 *                      pieces that fit; every piece but the first has
 *                      '+' for '|'.  A last line without a newline gets
 *                      one.  Nothing else in the bytes is changed.
 *   SF_OUTPUT_JOURNAL  each task gets its own journal stream
 *                      (sd_journal_stream_fd(3), identifier NAME,
 *                      priority LOG_INFO, "<N>" prefixes honoured) for
 *                      both stdout and stderr; only with libsystemd.
 *   SF_OUTPUT_AUTO     decided when the group runs: JOURNAL if stderr is
 *                      the journal stream systemd gave the master
 *                      (JOURNAL_STREAM names its device and inode) and
 *                      the library has libsystemd, PREFIX if stdout is a
 *                      terminal or a pipe, INHERIT otherwise.
 */
enum sf_output {
	SF_OUTPUT_INHERIT = 0,
	SF_OUTPUT_PREFIX,
	SF_OUTPUT_JOURNAL,
	SF_OUTPUT_AUTO,
};
/* The longest line the relay writes, prefix and newline included
 * (PIPE_BUF).  No line is split between two write(2)s, and to a pipe each
 * write holds whole lines and is one the pipe takes at once: no other
 * writer to the same pipe can land inside a line. */
#define SF_OUTPUT_LINE_MAX 4096

/*
 * sf_group_set_output - where a task's stdout and stderr go (enum
 * sf_output): task_id -1 sets the group's (default SF_OUTPUT_INHERIT),
 * a task id sets that task's, which then overrides the group's.  A
 * function task's stdout is made line-buffered when its output is not
 * SF_OUTPUT_INHERIT.  The relay holds these promises (README "Output"):
 *   - no line is lost or torn: each comes out whole, never split
 *     between two write(2)s;
 *   - a slow reader blocks the relay, and through their full pipes the
 *     tasks that write, never the master: stops are handled as ever;
 *   - if the master is killed, the relay writes what the tasks wrote,
 *     then ends (within half the grace period);
 *   - if its stdout or stderr is gone (EPIPE), it goes on reading and
 *     drops what was meant for it: tasks never block or die for it;
 *   - sf_group_run() returns once the relay has written everything.
 * Returns 0, -EINVAL (NULL group, task_id below -1, not an sf_output),
 * -ENOENT (no such task), -ENOTSUP (SF_OUTPUT_JOURNAL without
 * libsystemd), -EBUSY (running or run).  sf_group_run() returns the
 * negative errno of pipe2(), sd_journal_stream_fd() or the relay's
 * fork() if one fails, before any task starts.
 * signal: no.  threads: no.  fork: n/a.  blocks: no.
 */
SF_EXPORT int sf_group_set_output(sf_group *group, int task_id,
				  enum sf_output output);

/*
 * sf_group_set_log - where the group logs starts, exits, restarts, the stop
 * and its cause, and SIGKILL escalations.  NULL log disables logging (the
 * default).  The library never writes to stderr by itself.
 * Returns 0, -EINVAL (NULL group), -EBUSY.
 * signal: no.  threads: no.  fork: n/a.  blocks: no.
 */
SF_EXPORT int sf_group_set_log(sf_group *group, sf_log_fn *log, void *ctx);

/*
 * sf_group_set_hooks - a callback made once, from sf_group_run(), when every
 * task is ready (sf_group_set_ready_mode(): by default, once every task has
 * been started; a task that has ended and will not be restarted counts if
 * it had been ready), the first time that is so (used for sd_notify
 * READY=1; not made if a start failed or the stop came first), and a
 * callback made once when the stop
 * begins, after the tasks were sent it, with its first cause and the task
 * it names (or NULL).  Either may be NULL.  Returns 0, -EINVAL (NULL
 * group), -EBUSY.
 * signal: no.  threads: no.  fork: n/a.  blocks: no.
 */
SF_EXPORT int sf_group_set_hooks(sf_group *group,
				 void (*on_ready)(void *ctx),
				 void (*on_stopping)(void *ctx,
						     const struct sf_cause *cause,
						     const char *task_name),
				 void *ctx);

/*
 * sf_group_set_keeper - run the group as two processes that cover each
 * other's death (default: false, one process).  With it, sf_group_run()
 * keeps the calling process as the keeper: a child subreaper that forks
 * the master and runs nothing else.
 *   - The master does everything sf_group_run() does without a keeper:
 *     the log callback and the hooks of sf_group_set_hooks() run in it,
 *     not in the caller.  They see a fork of the caller's memory: what
 *     they change there the caller does not see, and the caller's pid
 *     (getpid()) is not theirs.  Tasks' master is that process.
 *   - The caller's SIGINT, SIGTERM, SIGQUIT and SIGHUP are blocked and
 *     forwarded to the master (the cause then names the master's pid);
 *     one already pending when sf_group_run() is called stops the group
 *     before any task starts.
 *     SIGCHLD is blocked and taken with sigwaitinfo(): the keeper reaps
 *     every child it has, the master and whatever is re-parented to it.
 *   - If the keeper is killed, the master (PR_SET_PDEATHSIG with SIGPWR;
 *     the master's own SIGPWR is taken for that while it runs) stops the
 *     group as for a stop signal, cause PARENT_DIED: stop signals, grace,
 *     SIGKILL.
 *   - If the master is killed by signal N, everything it started comes
 *     back to the keeper: every descendant gets SIGTERM and SIGCONT, then
 *     SIGKILL after the grace (found in /proc, signalled through pidfds),
 *     and sf_group_run() returns 128 + N once none is left (137 for
 *     SIGKILL); sf_group_cause() then gives reason KILLED, code N, the
 *     master's pid and no task name.
 *   - Only both killed at once leaves what PR_SET_PDEATHSIG cannot reach
 *     (a task's own children, setsid() escapers, a task that ignores its
 *     stop signal).
 *   - If the master cannot be forked, sf_group_run() returns 71 with
 *     cause START_FAILED (the errno of fork()), the keeper's pid, no task.
 *   - Otherwise the result, the cause and the task name are the master's.
 * The same rule holds for the caller's own children: run none beside a
 * group.  Returns 0, -EINVAL (NULL group), -EBUSY (running or run).
 * signal: no.  threads: no.  fork: n/a.  blocks: no.
 */
SF_EXPORT int sf_group_set_keeper(sf_group *group, bool keeper);

/*
 * sf_group_run - start every task and supervise them until the group stops.
 *
 * The calling process becomes the master: it installs handlers for SIGINT,
 * SIGTERM, SIGQUIT and SIGHUP (they set the flag, reason SIGNAL), SIGCHLD
 * and SIGIO (a task's notify socket has a message: see
 * sf_group_set_ready_mode()), unblocking those six while it runs, becomes
 * a child subreaper, and sleeps on a doorbell that SIGCHLD, SIGIO and
 * every flag set ring; it never polls.  Tasks start in the order they
 * were added, each once the tasks it is after are ready
 * (sf_group_set_after()).  Once the flag is set, every task gets its stop signal (then
 * SIGCONT, so that a stopped task acts on it), and after the grace period
 * whatever is left gets SIGKILL, whole process groups included.  When a task ends, whatever is left in its process group gets
 * SIGKILL.  Adopted descendants get SIGTERM at the stop, SIGKILL after the
 * grace, and are reaped too.  The previous dispositions, signal mask and
 * subreaper setting are restored before it returns.
 *
 * While it runs, every child of the calling process belongs to the group:
 * one the caller forked itself is reaped when it ends, and at the stop it
 * is treated as a process a task left behind (SIGTERM, then SIGKILL).
 * Run no children of your own beside a group.
 * With sf_group_set_keeper(), the caller keeps and a forked master does
 * all of the above (see there).
 *
 * Returns only when every process it started, and every descendant it
 * adopted, has been reaped.  The value is the exit status of the table in
 * stopflagd(8): SIGNAL 0, REQUEST the code (modulo 256), EXITED the task's
 * status, KILLED 128 + the signal, START_FAILED 127 (missing binary), 126
 * (cannot be run), 71 (fork failed, or a task reported it could not
 * start) or 69 (a task was not ready in time, or can never be started
 * because a task it is after ended without being ready: see
 * sf_group_set_ready_timeout(), sf_group_set_after()), PARENT_DIED 0, and 70 for a cause that makes no sense (a page
 * scribbled over).  Negative errno if the group could not run at all
 * (-EINVAL NULL group or no tasks, -EBUSY running or already run,
 * -ENOMEM, or the error of prctl()).
 * signal: no.  threads: call it from the main thread of a single-threaded
 * process (it forks, and changes process-wide signal dispositions).
 * fork: a group is run once; tasks do not inherit the group.
 * blocks: yes, until the whole group is down.
 */
SF_EXPORT int sf_group_run(sf_group *group);

/*
 * sf_group_cause - the first cause of the stop and, if a task caused it, its
 * name (else NULL) in *task_name (which may be NULL).  Valid once the stop
 * began (SF_GROUP_STOPPING: in the master's hooks) and after
 * sf_group_run() returned; the name lives as long as the group.  A cause
 * the master recorded itself (a task's end, a failed start, a stop signal
 * it got) is its own copy; one a task set is read from the shared page
 * once, when the stop begins.
 * Returns 0, -EAGAIN (the group's stop has not begun), -EINVAL.
 * signal: no.  threads: yes.  fork: n/a.  blocks: no.
 */
SF_EXPORT int sf_group_cause(const sf_group *group, struct sf_cause *cause,
			     const char **task_name);

/*
 * sf_cause_format - a cause of a stop in words, as the group's log gives it
 * ("stopping: " and these words): "signal 15 (SIGTERM)", "request (code 0)
 * from task watcher", "task db exited with status 3", "task db was killed
 * by signal 9 (SIGKILL)", "task db saw its parent die", "task db could not
 * start: No such file or directory", "task db was not ready in time"
 * (START_FAILED with code ETIME), and for a cause outside enum
 * sf_reason, "no known cause (reason R, code C): the shared page was
 * overwritten".  task_name is the task the cause names (from
 * sf_group_cause()), or NULL ("a task" then stands for it).  Writes at most
 * size bytes, the '\0' included, into buf (nothing if size is 0).
 * Returns the length of the whole text, as snprintf() does (a return of
 * size or more means it was cut short), or -EINVAL (NULL cause, or NULL buf
 * with size > 0).
 * signal: no (it formats with snprintf()).  threads: yes.  fork: n/a.
 * blocks: no.
 */
SF_EXPORT int sf_cause_format(const struct sf_cause *cause,
			      const char *task_name, char *buf, size_t size);

/* ------------------------------------------------------------------ */
/* Status: each task's state, read in the master                       */
/* ------------------------------------------------------------------ */

/* A group's state.  sf_group_state() gives it. */
enum sf_group_state {
	SF_GROUP_NEW = 0,   /* built, not run yet */
	SF_GROUP_STARTING,  /* running; not every task is ready yet */
	SF_GROUP_RUNNING,   /* every task became ready once (the on_ready
			       hook of sf_group_set_hooks() was made) */
	SF_GROUP_STOPPING,  /* the stop began: sf_group_cause() has it */
	SF_GROUP_STOPPED,   /* every process reaped; sf_group_run() returns */
};

/* A task's state, as sf_group_task_status() gives it. */
enum sf_task_state {
	SF_TASK_STARTING = 0, /* no process yet: waiting to be started */
	SF_TASK_UP,           /* running, not ready (yet) */
	SF_TASK_READY,        /* running, and ready since its last start */
	SF_TASK_STOPPING,     /* sent its stop signal at the group's stop */
	SF_TASK_RESTARTING,   /* being stopped to be restarted with a
				 sibling, or waiting to be restarted */
	SF_TASK_EXITED,       /* no process, and none to come: it ended (or
				 never ran) and is not to be restarted */
};

/* One task's state: what sf_group_task_status() fills in. */
struct sf_task_status {
	const char *name;     /* the task's name; lives as long as the group */
	pid_t pid;            /* its process, or 0 if it has none */
	enum sf_task_state state;
	long restarts;        /* how often it was started again (0: once) */
	int64_t started_ns;   /* CLOCK_MONOTONIC of the current process's
				 start, 0 if none */
};

/*
 * sf_task_state_name, sf_group_state_name - a short lower-case name:
 * "starting", "up", "ready", "stopping", "restarting", "exited" for a
 * task; "new", "starting", "running", "stopping", "stopped" for a group;
 * "unknown" for a value outside the enum.
 * signal: yes.  threads: yes.  fork: n/a.  blocks: no.
 */
SF_EXPORT const char *sf_task_state_name(enum sf_task_state state);
SF_EXPORT const char *sf_group_state_name(enum sf_group_state state);

/*
 * sf_group_state - the group's state (enum sf_group_state, >= 0), or
 * -EINVAL (NULL group).  Meaningful where the group is run: in the master,
 * that is in its hooks (with sf_group_set_keeper(), the caller sees
 * SF_GROUP_NEW until sf_group_run() returns, then SF_GROUP_STOPPED).
 * signal: no.  threads: no (the master changes it as it runs).
 * fork: n/a.  blocks: no.
 */
SF_EXPORT int sf_group_state(const sf_group *group);

/*
 * sf_group_task_count - how many tasks the group has (task ids run from 0
 * to this count - 1), or -EINVAL (NULL group).
 * signal: no.  threads: yes while nobody adds a task.  fork: n/a.
 * blocks: no.
 */
SF_EXPORT int sf_group_task_count(const sf_group *group);

/*
 * sf_group_task_status - the state of task task_id, its process, how often
 * it was restarted and when its process started, into *status.
 *   - A task is READY once it has a process, is neither being stopped nor
 *     restarted, and said it is ready since that process started.
 *   - A task that never ran is STARTING while the group starts or runs,
 *     EXITED once the group stops.
 * The master's truth at the moment of the call: call it in the master,
 * from the hooks (sf_group_set_state_hook(), sf_group_set_hooks()), or
 * after sf_group_run() returned (then every task is EXITED, pid 0).
 * Returns 0, -EINVAL (NULL group or status), -ENOENT (no such task).
 * signal: no.  threads: no (the master changes it as it runs).
 * fork: n/a.  blocks: no.
 */
SF_EXPORT int sf_group_task_status(const sf_group *group, int task_id,
				   struct sf_task_status *status);

/*
 * sf_group_set_state_hook - on_change(ctx, group) is called in the master
 * after the public state of a task (struct sf_task_status: state or pid)
 * or of the group changed: a start, an end, a restart, readiness, the
 * stop.  Calls are coalesced: at most one per wakeup of the master, which
 * may cover several changes, so read every task's status in it.  It is
 * called once when the stop begins (after the on_stopping hook), as tasks
 * end during the stop, and a last time with SF_GROUP_STOPPED once every
 * process is reaped.  Never from a signal handler.
 * The hook runs inside the master's loop: it must be quick, must not wait
 * for children (they are the group's), must not call sf_group_run(), and
 * should not block (nothing is reaped or killed meanwhile).  It may call
 * sf_group_state(), sf_group_task_count(), sf_group_task_status() and
 * sf_group_cause().  With sf_group_set_keeper() it runs in the forked
 * master, as the other hooks do.  NULL on_change removes it.
 * Returns 0, -EINVAL (NULL group), -EBUSY (running or run).
 * signal: no.  threads: no.  fork: n/a.  blocks: no.
 */
SF_EXPORT int sf_group_set_state_hook(sf_group *group,
				      void (*on_change)(void *ctx,
							const sf_group *group),
				      void *ctx);

/*
 * sf_group_flag - the group's flag (created by sf_group_create()), for a
 * master that wants to set it from elsewhere.
 * signal: yes.  threads: yes.  fork: shared.  blocks: no.
 */
SF_EXPORT sf_flag *sf_group_flag(sf_group *group);

/* ------------------------------------------------------------------ */
/* Plugins for stopflagd                                               */
/* ------------------------------------------------------------------ */

/* The symbols a plugin exports.  stopflagd dlopen()s the module, checks that
 * sf_plugin_abi == SF_ABI_VERSION, and runs sf_plugin_task as an ordinary
 * function task. */
#define SF_PLUGIN_ABI_SYMBOL  "sf_plugin_abi"
#define SF_PLUGIN_TASK_SYMBOL "sf_plugin_task"

/*
 * SF_PLUGIN(fn) - use once in a plugin .so, at file scope, naming its
 * sf_task_fn.  Exports the entry point and the ABI version the plugin was
 * built against.
 */
#define SF_PLUGIN(fn)                                                   \
	SF_EXPORT extern const int sf_plugin_abi;                       \
	SF_EXPORT const int sf_plugin_abi = SF_ABI_VERSION;             \
	SF_EXPORT extern sf_task_fn *const sf_plugin_task;              \
	SF_EXPORT sf_task_fn *const sf_plugin_task = (fn)

#ifdef __cplusplus
}
#endif

#endif /* STOPFLAG_H */
