/*
 * group.c - the group's API, and the master's two wait loops.
 *
 * While the group runs, the master sleeps on its doorbell
 * (sf__doorbell_wait()): its SIGCHLD handler rings it, and a set of the
 * flag wakes it.  It never polls; its only deadline is the grace of a task
 * being cycled for a restart.  After every wakeup it reaps (reap.c), which
 * feeds the supervisor's table (supervise.c), then starts whatever waits
 * to be restarted.
 *
 * Its own stop signals (SIGINT, SIGTERM, SIGQUIT, SIGHUP) set the flag and
 * are kept in its own memory too: a task erasing the page cannot make the
 * master miss them, or take them for another cause.
 *
 * Nor can it make the master sleep through one of its handlers, SIGCHLD's
 * included, though it can put back the very word value the master is
 * about to sleep on (erasing it while a task re-arms WAITERS does).  The
 * master never trusts the word to have changed: a handler that runs
 * before its last look at `woken` is seen there; one that runs after it,
 * before the system call, has made the call's deadline one that has
 * passed; one that runs during the call ends it with EINTR (a futex wait
 * with a deadline is not restarted after a handler, SA_RESTART or not).
 * So the master always sleeps with a deadline, a far one if none is due.
 *
 * Once the flag is set the doorbell no longer sleeps, and the master stops
 * trusting the shared page: a task may be scribbling over it.  It takes
 * the cause once, sends the stop to every task, and waits for SIGCHLD
 * with sigtimedwait() (SIGCHLD blocked: one that comes between the reap
 * and the wait stays pending) until the grace runs out.  Then whatever is
 * left gets SIGKILL, again after every reap, until waitid() says that no
 * child is left at all.  The page plays no part in that, so a scribbler
 * cannot keep the master alive past the grace.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <syslog.h>
#include <unistd.h>

#include "group.h"

/* How often the master looks again for processes it cannot list (no
 * /proc): the one case where nothing would wake it. */
#define BLIND_RETRY_NS (100 * 1000000LL)
/* A deadline that never comes (some 68 years of CLOCK_MONOTONIC). */
#define NEVER_NS ((int64_t)INT32_MAX * 1000000000)

static const int stop_signals[] = { SIGINT, SIGTERM, SIGQUIT, SIGHUP };
#define NSTOPS ((int)(sizeof(stop_signals) / sizeof(*stop_signals)))

/* ---------------------------------------------------------------- names */

const char *sf__signal_name(int signo)
{
	static const char *const names[] = {
		[SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT",
		[SIGILL] = "SIGILL", [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
		[SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE", [SIGKILL] = "SIGKILL",
		[SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
		[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",
		[SIGSTKFLT] = "SIGSTKFLT", [SIGCHLD] = "SIGCHLD",
		[SIGCONT] = "SIGCONT", [SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",
		[SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG",
		[SIGXCPU] = "SIGXCPU", [SIGXFSZ] = "SIGXFSZ",
		[SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
		[SIGWINCH] = "SIGWINCH", [SIGIO] = "SIGIO", [SIGPWR] = "SIGPWR",
		[SIGSYS] = "SIGSYS",
	};

	if (signo > 0 && signo < (int)(sizeof(names) / sizeof(*names)) &&
	    names[signo])
		return names[signo];
	return signo >= SIGRTMIN && signo <= SIGRTMAX ? "a real-time signal" :
	       "an unknown signal";
}

const char *sf__strategy_name(enum sf_strategy strategy)
{
	switch (strategy) {
	case SF_STOP_ALL:     return "stop-all";
	case SF_ONE_FOR_ONE:  return "one-for-one";
	case SF_ONE_FOR_ALL:  return "one-for-all";
	case SF_REST_FOR_ONE: return "rest-for-one";
	}
	return "unknown";
}

/* --------------------------------------------------- shared with the rest */

void sf__log(const sf_group *g, int priority, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!g->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	g->log(g->log_ctx, priority, msg);
}

struct sf_task *sf__task_by_pid(const sf_group *g, pid_t pid)
{
	for (int i = 0; i < g->ntasks; i++)
		if (g->tasks[i]->pid == pid)
			return g->tasks[i];
	return NULL;
}

bool sf__stop_due(const sf_group *g)
{
	return g->stop_seen || g->signal_seen || sf_flag_is_set(g->flag);
}

/* ------------------------------------------------------ create, destroy */

int sf_group_create(sf_group **groupp)
{
	sf_group *g;
	int err;

	if (!groupp)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	err = sf_flag_create(&g->flag);
	if (err < 0) {
		free(g);
		return err;
	}
	g->grace_ms = 5000;
	g->strategy = SF_STOP_ALL;
	g->max_restarts = 3;
	g->period_ms = 5000;
	g->cause_task = -1;
	*groupp = g;
	return 0;
}

static void free_task(struct sf_task *t)
{
	if (!t)
		return;
	for (char **a = t->argv; a && *a; a++)
		free(*a);
	for (int i = 0; i < t->noptions; i++) {
		free(t->options[i].key);
		free(t->options[i].value);
	}
	if (t->pidfd >= 0)
		close(t->pidfd);
	free(t->argv);
	free(t->options);
	free(t->name);
	free(t);
}

void sf_group_destroy(sf_group *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->ntasks; i++)
		free_task(g->tasks[i]);
	free(g->tasks);
	free(g->restarts);
	sf_flag_destroy(g->flag);
	free(g);
}

/* ------------------------------------------------------------ adding */

static int settable(const sf_group *g)
{
	if (!g)
		return -EINVAL;
	return g->phase == SF__NEW ? 0 : -EBUSY;
}

static int task_settable(const sf_group *g, int task_id)
{
	int err = settable(g);

	if (err < 0)
		return err;
	return task_id >= 0 && task_id < g->ntasks ? 0 : -ENOENT;
}

/* A name is logged on one line: no control characters. */
static int check_name(const sf_group *g, const char *name)
{
	if (!name || !*name)
		return -EINVAL;
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return -EINVAL;
	for (int i = 0; i < g->ntasks; i++)
		if (strcmp(g->tasks[i]->name, name) == 0)
			return -EEXIST;
	return 0;
}

/* A new task with its defaults, not yet in the group. */
static int new_task(sf_group *g, const char *name, struct sf_task **tp)
{
	struct sf_task *t;
	int err = settable(g);

	if (err == 0)
		err = check_name(g, name);
	if (err < 0)
		return err;
	t = calloc(1, sizeof(*t));
	if (!t || !(t->name = strdup(name))) {
		free(t);
		return -ENOMEM;
	}
	t->pidfd = -1;
	t->stop_signal = SIGTERM;
	t->restart = SF_TEMPORARY;
	*tp = t;
	return 0;
}

static int append_task(sf_group *g, struct sf_task *t)
{
	if (g->ntasks == g->cap) {
		int cap = g->cap ? 2 * g->cap : 8;
		struct sf_task **tasks = realloc(g->tasks,
						 (size_t)cap * sizeof(struct sf_task *));

		if (!tasks) {
			free_task(t);
			return -ENOMEM;
		}
		g->tasks = tasks;
		g->cap = cap;
	}
	t->id = g->ntasks;
	g->tasks[g->ntasks++] = t;
	return t->id;
}

int sf_group_add(sf_group *g, const char *name, sf_task_fn *fn, void *arg)
{
	struct sf_task *t;
	int err;

	if (!fn)
		return -EINVAL;
	err = new_task(g, name, &t);
	if (err < 0)
		return err;
	t->fn = fn;
	t->arg = arg;
	return append_task(g, t);
}

/* A NULL-terminated copy of argv in *copyp. */
static int copy_argv(char *const argv[], char ***copyp)
{
	size_t n = 0;
	char **copy;

	while (argv[n])
		n++;
	copy = calloc(n + 1, sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	*copyp = copy; /* freed with the task, even if half filled */
	for (size_t i = 0; i < n; i++)
		if (!(copy[i] = strdup(argv[i])))
			return -ENOMEM;
	return 0;
}

int sf_group_add_exec(sf_group *g, const char *name, char *const argv[])
{
	struct sf_task *t;
	int err;

	if (!argv || !argv[0] || !*argv[0])
		return -EINVAL;
	err = new_task(g, name, &t);
	if (err < 0)
		return err;
	err = copy_argv(argv, &t->argv);
	if (err < 0) {
		free_task(t);
		return err;
	}
	return append_task(g, t);
}

static struct sf__option *find_option(const struct sf_task *t, const char *key)
{
	for (int i = 0; i < t->noptions; i++)
		if (strcmp(t->options[i].key, key) == 0)
			return &t->options[i];
	return NULL;
}

/* A new option named key, without a value yet, in *op. */
static int add_option(struct sf_task *t, const char *key,
		      struct sf__option **op)
{
	struct sf__option *opts;
	char *k = strdup(key);

	opts = k ? realloc(t->options, (size_t)(t->noptions + 1) *
				       sizeof(*opts)) : NULL;
	if (!opts) {
		free(k);
		return -ENOMEM;
	}
	t->options = opts;
	*op = &opts[t->noptions++];
	(*op)->key = k;
	(*op)->value = NULL;
	return 0;
}

int sf_group_set_option(sf_group *g, int task_id, const char *key,
			const char *value)
{
	struct sf__option *o;
	char *v;
	int err = task_settable(g, task_id);

	if (err == 0 && (!key || !*key || !value))
		err = -EINVAL;
	if (err < 0)
		return err;
	v = strdup(value);
	if (!v)
		return -ENOMEM;
	o = find_option(g->tasks[task_id], key);
	if (!o && (err = add_option(g->tasks[task_id], key, &o)) < 0) {
		free(v);
		return err;
	}
	free(o->value);
	o->value = v;
	return 0;
}

/* ----------------------------------------------------------- settings */

int sf_group_set_grace(sf_group *g, int grace_ms)
{
	int err = settable(g);

	if (err == 0 && grace_ms < 0)
		err = -EINVAL;
	if (err == 0)
		g->grace_ms = grace_ms;
	return err;
}

int sf_group_set_strategy(sf_group *g, enum sf_strategy strategy)
{
	int err = settable(g);

	if (err == 0 && (strategy < SF_STOP_ALL || strategy > SF_REST_FOR_ONE))
		err = -EINVAL;
	if (err == 0)
		g->strategy = strategy;
	return err;
}

int sf_group_set_intensity(sf_group *g, int max_restarts, int period_ms)
{
	int err = settable(g);

	if (err == 0 && (max_restarts < 0 || max_restarts > SF__MAX_RESTARTS ||
			 period_ms <= 0))
		err = -EINVAL;
	if (err == 0) {
		g->max_restarts = max_restarts;
		g->period_ms = period_ms;
	}
	return err;
}

int sf_group_set_restart(sf_group *g, int task_id, enum sf_restart restart)
{
	int err = task_settable(g, task_id);

	if (err == 0 && (restart < SF_TEMPORARY || restart > SF_PERMANENT))
		err = -EINVAL;
	if (err == 0)
		g->tasks[task_id]->restart = restart;
	return err;
}

/* A stop signal must be one a handler can catch, that the C library does
 * not keep for itself, and whose default action ends a process. */
static bool valid_stop_signal(int signo)
{
	switch (signo) {
	case SIGCHLD: case SIGCONT: case SIGURG: case SIGWINCH:
	case SIGTSTP: case SIGTTIN: case SIGTTOU:
		return false;
	}
	return sf__catchable_signal(signo) &&
	       (signo < 32 || (signo >= SIGRTMIN && signo <= SIGRTMAX));
}

int sf_group_set_stop_signal(sf_group *g, int task_id, int signo)
{
	int err = task_settable(g, task_id);

	if (err == 0 && !valid_stop_signal(signo))
		err = -EINVAL;
	if (err == 0)
		g->tasks[task_id]->stop_signal = signo;
	return err;
}

int sf_group_set_log(sf_group *g, sf_log_fn *log, void *ctx)
{
	int err = settable(g);

	if (err == 0) {
		g->log = log;
		g->log_ctx = ctx;
	}
	return err;
}

int sf_group_set_hooks(sf_group *g, void (*on_ready)(void *ctx),
		       void (*on_stopping)(void *ctx,
					   const struct sf_cause *cause,
					   const char *task_name),
		       void *ctx)
{
	int err = settable(g);

	if (err == 0) {
		g->on_ready = on_ready;
		g->on_stopping = on_stopping;
		g->hook_ctx = ctx;
	}
	return err;
}

/* ------------------------------------------------------------ reports */

int sf_group_set_keeper(sf_group *g, bool keeper)
{
	int err = settable(g);

	if (err == 0)
		g->keeper = keeper;
	return err;
}

int sf_group_cause(const sf_group *g, struct sf_cause *cause,
		   const char **task_name)
{
	if (!g || !cause)
		return -EINVAL;
	if (g->phase != SF__DONE)
		return -EAGAIN;
	*cause = g->cause;
	if (task_name)
		*task_name = g->cause_task >= 0 ?
			     g->tasks[g->cause_task]->name : NULL;
	return 0;
}

sf_flag *sf_group_flag(sf_group *g)
{
	return g ? g->flag : NULL;
}

/* The exit status table (README "Exit status"). */
static int exit_status(const sf_group *g)
{
	const struct sf_cause *c = &g->cause;

	switch (c->reason) {
	case SF_REASON_SIGNAL:
	case SF_REASON_PARENT_DIED:
		return 0;
	case SF_REASON_REQUEST:
	case SF_REASON_EXITED:
		return c->code & 0xff;
	case SF_REASON_KILLED:
		return c->code > 0 && c->code < 128 ? 128 + c->code :
		       SF__EX_SOFTWARE;
	case SF_REASON_START_FAILED:
		return g->own_cause ? g->start_status : SF__EX_OSERR;
	default:
		return SF__EX_SOFTWARE;
	}
}

/* The cause, for the log, in words. */
static void describe_cause(const struct sf_cause *c, const char *task,
			   char *buf, size_t size)
{
	const char *who = task ? task : "a task";

	switch (c->reason) {
	case SF_REASON_SIGNAL:
		snprintf(buf, size, "signal %d (%s)%s%s", c->code,
			 sf__signal_name(c->code), task ? " to task " : "",
			 task ? task : "");
		break;
	case SF_REASON_REQUEST:
		snprintf(buf, size, "request (code %d) from %s%s", c->code,
			 task ? "task " : "", who);
		break;
	case SF_REASON_EXITED:
		snprintf(buf, size, "%s%s exited with status %d",
			 task ? "task " : "", who, c->code);
		break;
	case SF_REASON_KILLED:
		snprintf(buf, size, "%s%s was killed by signal %d (%s)",
			 task ? "task " : "", who, c->code,
			 sf__signal_name(c->code));
		break;
	case SF_REASON_PARENT_DIED:
		snprintf(buf, size, "%s%s saw its parent die",
			 task ? "task " : "", who);
		break;
	case SF_REASON_START_FAILED:
		snprintf(buf, size, "%s%s could not start: %s",
			 task ? "task " : "", who, strerror(c->code));
		break;
	default:
		snprintf(buf, size, "no known cause (reason %d, code %d): "
			 "the shared page was overwritten", (int)c->reason,
			 c->code);
		break;
	}
}

/* ------------------------------------------------------ the master's state */

/* What sf_group_run() changes in the process, to put back. */
struct master_env {
	struct sf__caught caught[NSTOPS];
	struct sigaction chld;
	sigset_t mask;
	sf_flag *ring;
	sf_group *running;
	int subreaper;
};

/* The flag whose doorbell SIGCHLD rings. */
static sf_flag *volatile ring_flag;

/* The group whose master this process is, for its stop signals' handler. */
static sf_group *volatile running;

/* Whatever the master's wait is doing, it must not sleep now: see the
 * top of this file.  Async-signal-safe: stores only. */
static void wake_master(sf_group *g)
{
	volatile struct timespec *by = &g->wake_by;

	g->woken = 1;
	by->tv_sec = 0;
	by->tv_nsec = 0;
}

/* Async-signal-safe: loads, wake_master(), and sf__doorbell_ring(), which
 * keeps errno. */
static void on_sigchld(int signo)
{
	sf_group *g = running;
	sf_flag *flag = ring_flag;

	(void)signo;
	if (g)
		wake_master(g);
	if (flag)
		sf__doorbell_ring(flag);
}

/* The master's stop signals: set the flag, as sf_flag_catch_signal()'s
 * handler would, and keep the signal in the master's own memory, where a
 * task erasing the page between this set and the master's next look
 * cannot take it away.  Async-signal-safe: one load, sf_flag_set() (lock
 * free, keeps errno), stores to volatile sig_atomic_t. */
static void on_stop_signal(int signo)
{
	sf_group *g = running;

	if (!g)
		return;
	if (sf_flag_set(g->flag, SF_REASON_SIGNAL, signo) == 1 &&
	    !g->signal_first)
		g->signal_first = signo;
	if (!g->signal_seen)
		g->signal_seen = signo;
	wake_master(g);
}

/* sf__catch() saves the disposition to restore and installs
 * sf_flag_catch_signal()'s handler; the master's own replaces that. */
static int catch_stop_signal(sf_group *g, int signo, struct sf__caught *saved)
{
	struct sigaction sa = { .sa_handler = on_stop_signal,
				.sa_flags = SA_RESTART };
	int err = sf__catch(g->flag, signo, saved);

	if (err < 0)
		return err;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < NSTOPS; i++)
		sigaddset(&sa.sa_mask, stop_signals[i]);
	if (sigaction(signo, &sa, NULL) < 0) {
		err = -errno;
		sf__uncatch(signo, saved);
	}
	return err;
}

static int master_enter(sf_group *g, struct master_env *env)
{
	struct sigaction sa = { .sa_handler = on_sigchld,
				.sa_flags = SA_RESTART | SA_NOCLDSTOP };
	sigset_t unblock;
	int i, err = 0;

	env->subreaper = 0;
	if (prctl(PR_GET_CHILD_SUBREAPER, &env->subreaper) < 0 ||
	    prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return -errno;
	sigemptyset(&unblock);
	g->signal_seen = g->signal_first = 0;
	env->running = running;
	running = g;
	for (i = 0; i < NSTOPS; i++) {
		err = catch_stop_signal(g, stop_signals[i], &env->caught[i]);
		if (err < 0)
			break;
		sigaddset(&unblock, stop_signals[i]);
	}
	if (err < 0) {
		while (i-- > 0)
			sf__uncatch(stop_signals[i], &env->caught[i]);
		running = env->running;
		prctl(PR_SET_CHILD_SUBREAPER, env->subreaper);
		return err;
	}
	env->ring = ring_flag;
	ring_flag = g->flag;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, &env->chld);
	sigaddset(&unblock, SIGCHLD);
	sigprocmask(SIG_UNBLOCK, &unblock, &env->mask);
	return 0;
}

/* Called with SIGCHLD blocked and every child reaped. */
static void master_leave(struct master_env *env)
{
	struct timespec zero = { 0, 0 };
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	while (sigtimedwait(&chld, NULL, &zero) > 0)
		; /* our children's, not the caller's */
	sigaction(SIGCHLD, &env->chld, NULL);
	ring_flag = env->ring;
	for (int i = NSTOPS; i--;)
		sf__uncatch(stop_signals[i], &env->caught[i]);
	running = env->running;
	sigprocmask(SIG_SETMASK, &env->mask, NULL);
	prctl(PR_SET_CHILD_SUBREAPER, env->subreaper);
}

/* ------------------------------------------------------------ the run */

static void ns_to_timespec(int64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / 1000000000);
	ts->tv_nsec = (long)(ns % 1000000000);
}

static void run_until_stop(sf_group *g)
{
	for (;;) {
		int64_t next;
		int ret;

		g->woken = 0; /* before the looks it stands for */
		sf__reap(g);
		sf__expire(g, sf__now_ns());
		sf__start_pending(g);
		if (sf__stop_due(g))
			return;
		next = sf__next_kill(g);
		ns_to_timespec(next ? next : NEVER_NS, &g->wake_by);
		ret = sf__doorbell_wait(g->flag, &g->wake_by, &g->woken);
		if (ret == 1) {
			g->stop_seen = true;
		} else if (ret < 0 && ret != -ETIMEDOUT) {
			sf__log(g, LOG_CRIT, "cannot wait: %s", sf_strerror(ret));
			g->stop_seen = true;
		}
	}
}

/* The cause, read once.  The master's own is trusted, and so is a stop
 * signal to the master that set the flag first; one a task set is read
 * from the page as it is, and names the task whose pid it carries. */
static void settle_cause(sf_group *g)
{
	if (g->own_cause)
		return;
	if (g->signal_first) { /* the page may have lost it since */
		g->cause = (struct sf_cause){ SF_REASON_SIGNAL, g->signal_first,
					      getpid() };
		return;
	}
	if (sf_flag_cause(g->flag, &g->cause) < 0)
		g->cause = (struct sf_cause){ SF_REASON_NONE, 0, 0 };
	for (int i = 0; i < g->ntasks && g->cause.pid > 0; i++)
		if (g->tasks[i]->last_pid == g->cause.pid)
			g->cause_task = i;
}

static void begin_stop(sf_group *g)
{
	const char *name;
	char what[256];

	settle_cause(g);
	name = g->cause_task >= 0 ? g->tasks[g->cause_task]->name : NULL;
	describe_cause(&g->cause, name, what, sizeof(what));
	sf__log(g, LOG_NOTICE, "stopping: %s", what);
	sf__stop_all(g);
	if (sf__signal_children(g, SIGTERM, false) < 0)
		sf__log(g, LOG_WARNING, "cannot read /proc: processes left "
			"behind by tasks will not be found");
	if (g->on_stopping)
		g->on_stopping(g->hook_ctx, &g->cause, name);
}

/* Sleep until SIGCHLD (blocked in `set`) or the deadline (0: none). */
static void wait_for_child(const sigset_t *set, int64_t deadline)
{
	struct timespec left;
	int64_t ns;

	if (!deadline) {
		sigwaitinfo(set, NULL);
		return;
	}
	ns = deadline - sf__now_ns();
	if (ns <= 0)
		return;
	ns_to_timespec(ns, &left);
	sigtimedwait(set, NULL, &left);
}

static void stop_and_sweep(sf_group *g)
{
	int64_t sweep_at;
	bool final = false;
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	begin_stop(g);
	/* after every task's kill_at, so that each is killed (and logged)
	 * by its own grace first */
	sweep_at = sf__now_ns() + (int64_t)g->grace_ms * 1000000;
	while (sf__reap(g)) {
		int64_t now = sf__now_ns(), next;

		sf__expire(g, now);
		if (now >= sweep_at)
			final = true;
		next = sf__next_kill(g);
		if (!next || sweep_at < next)
			next = sweep_at;
		if (final)
			next = sf__signal_children(g, SIGKILL, true) > 0 ? 0 :
			       now + BLIND_RETRY_NS;
		wait_for_child(&chld, next);
	}
}

static void prepare(sf_group *g)
{
	pid_t self = getpid();

	for (int i = 0; i < g->ntasks; i++) {
		struct sf_task *t = g->tasks[i];

		t->flag = g->flag;
		t->stop_all = g->strategy == SF_STOP_ALL;
		t->master = self;
	}
}

int sf__master_run(sf_group *g)
{
	struct master_env env;
	int err, status;

	g->restarts = calloc((size_t)g->max_restarts + 1, sizeof(*g->restarts));
	if (!g->restarts)
		return -ENOMEM;
	err = master_enter(g, &env);
	if (err < 0) {
		free(g->restarts);
		g->restarts = NULL;
		return err;
	}
	prepare(g);
	g->phase = SF__RUNNING;
	sf__start_all(g);
	if (!sf__stop_due(g) && g->on_ready)
		g->on_ready(g->hook_ctx);
	run_until_stop(g);
	stop_and_sweep(g);
	master_leave(&env);
	g->phase = SF__DONE;
	status = exit_status(g);
	sf__log(g, LOG_INFO, "stopped: every process reaped; exit status %d",
		status);
	return status;
}

int sf_group_run(sf_group *g)
{
	int status;

	if (!g)
		return -EINVAL;
	if (g->phase != SF__NEW)
		return -EBUSY;
	if (g->ntasks == 0)
		return -EINVAL;
	if (!g->keeper)
		return sf__master_run(g);
	status = sf__keeper_run(g); /* keeper.c */
	g->phase = SF__DONE;
	return status;
}
