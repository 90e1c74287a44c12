/*
 * master.c - the master: its signals, entering and leaving, one step that
 * both of its wait loops take, the loops, and the whole run
 * (sf__master_run(), which sf_group_run() in keeper.c calls, in the
 * calling process or in a forked master).
 *
 * While the group runs, the master sleeps on its doorbell
 * (sf__doorbell_wait()): its SIGCHLD handler rings it, so does its SIGIO
 * handler (a task's notify socket has a message: notify.c), and a set of
 * the flag wakes it.  It never polls; its only deadline is the grace of a task
 * being cycled for a restart.  After every wakeup it reaps (reap.c), which
 * feeds the supervisor's table (supervise.c), then starts whatever waits
 * to be restarted or waits for the tasks it is after, and calls the
 * on_ready hook the first time every task is ready.  Both loops take the
 * same step, master_step(): reap, read what tasks said on their notify
 * sockets, SIGKILL what outlived its grace, fail what outlived its
 * ready-timeout, and find the next such deadline.
 *
 * The state hook (sf_group_set_state_hook(), status.c) runs once per
 * wakeup if a task's public state changed, in either loop, and once at
 * the stop and at the end; never from a handler.
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
 * the cause once, closes every notify socket (what a task says from then
 * on is refused, not read), sends the stop to every task, and waits for SIGCHLD
 * with sigtimedwait() (SIGCHLD blocked: one that comes between the reap
 * and the wait stays pending) until the grace runs out.  Then whatever is
 * left gets SIGKILL, again after every reap, until waitid() says that no
 * child is left at all.  The page plays no part in that, so a scribbler
 * cannot keep the master alive past the grace.
 */
#include <errno.h>
#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <syslog.h>
#include <unistd.h>

#include "group.h"
#include "output.h"

/* How often the master looks again for processes it cannot list (no
 * /proc): the one case where nothing would wake it. */
#define BLIND_RETRY_NS (100 * 1000000LL)
/* A deadline that never comes (some 68 years of CLOCK_MONOTONIC). */
#define NEVER_NS ((int64_t)INT32_MAX * 1000000000)

/* ------------------------------------------------------ the master's state */

/* What sf_group_run() changes in the process, to put back. */
struct master_env {
	struct sf__caught caught[SF__NSTOP_SIGNALS];
	struct sigaction chld, io;
	sigset_t mask;
	sf_flag *ring;
	sf_group *running;
	int subreaper;
};

/* The flag whose doorbell SIGCHLD and SIGIO ring. */
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

/* SIGCHLD (a child ended) and SIGIO (a notify socket has a message): the
 * master must look.  Async-signal-safe: loads, wake_master(), and
 * sf__doorbell_ring(), which keeps errno. */
static void on_doorbell(int signo)
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
 * cannot take it away.  Async-signal-safe: one load,
 * sf__cause_from_signal() and wake_master(), both async-signal-safe. */
static void on_stop_signal(int signo)
{
	sf_group *g = running;

	if (!g)
		return;
	sf__cause_from_signal(g, signo);
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
	for (int i = 0; i < SF__NSTOP_SIGNALS; i++)
		sigaddset(&sa.sa_mask, sf__stop_signals[i]);
	if (sigaction(signo, &sa, NULL) < 0) {
		err = -errno;
		sf__uncatch(signo, saved);
	}
	return err;
}

static int master_enter(sf_group *g, struct master_env *env)
{
	struct sigaction sa = { .sa_handler = on_doorbell,
				.sa_flags = SA_RESTART | SA_NOCLDSTOP };
	sigset_t unblock;
	int i, err = 0;

	env->subreaper = 0;
	if (prctl(PR_GET_CHILD_SUBREAPER, &env->subreaper) < 0 ||
	    prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return -errno;
	sigemptyset(&unblock);
	sf__cause_begin(g);
	env->running = running;
	running = g;
	for (i = 0; i < SF__NSTOP_SIGNALS; i++) {
		err = catch_stop_signal(g, sf__stop_signals[i],
					&env->caught[i]);
		if (err < 0)
			break;
		sigaddset(&unblock, sf__stop_signals[i]);
	}
	if (err < 0) {
		while (i-- > 0)
			sf__uncatch(sf__stop_signals[i], &env->caught[i]);
		running = env->running;
		prctl(PR_SET_CHILD_SUBREAPER, env->subreaper);
		return err;
	}
	env->ring = ring_flag;
	ring_flag = g->flag;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, &env->chld);
	sigaction(SIGIO, &sa, &env->io);
	sigaddset(&unblock, SIGCHLD);
	sigaddset(&unblock, SIGIO);
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
	sigaction(SIGIO, &env->io, NULL); /* every notify socket is closed */
	ring_flag = env->ring;
	for (int i = SF__NSTOP_SIGNALS; i--;)
		sf__uncatch(sf__stop_signals[i], &env->caught[i]);
	running = env->running;
	sigprocmask(SIG_SETMASK, &env->mask, NULL);
	prctl(PR_SET_CHILD_SUBREAPER, env->subreaper);
}

/* ------------------------------------------------------------ the run */

/* What the tasks said on their notify sockets.  After the reap: a task
 * that ended has lost its socket, and what it said with it.  Nothing is
 * taken once the stop is due, not only once it began (then the sockets
 * are closed): a task that sees the flag may say READY before the master
 * closes them. */
static void take_notices(sf_group *g)
{
	if (sf__stop_due(g))
		return;
	for (int i = 0; i < g->ntasks; i++) {
		struct sf_task *t = g->tasks[i];

		if (t->notify_fd >= 0 && sf__notify_take(g, t))
			sf__dispatch(g, t, SF__READY, 0);
	}
}

/* One look at everything a wakeup can mean, the same in both loops: reap
 * what ended (the table decides what follows), read what tasks said,
 * then SIGKILL whatever outlived the grace after its stop signal and
 * fail whatever outlived its ready-timeout.  *now is when it looked,
 * *next the earliest such deadline still to come (0: none).  Returns
 * whether the master has any child left. */
static bool master_step(sf_group *g, int64_t *now, int64_t *next)
{
	bool children = sf__reap(g);

	take_notices(g);
	*now = sf__now_ns();
	sf__expire(g, *now);
	*next = sf__next_deadline(g);
	return children;
}

/* The on_ready hook, the first time every task is ready: the group
 * runs (status.c: its state goes from starting to running). */
static void tell_ready(sf_group *g)
{
	if (g->ready_told || sf__stop_due(g) || !sf__all_ready(g))
		return;
	g->ready_told = true;
	g->phase = SF__RUNNING;
	g->state_changed = true;
	sf__log(g, LOG_INFO, "every task is ready");
	if (g->on_ready)
		g->on_ready(g->hook_ctx);
}

static void run_until_stop(sf_group *g)
{
	for (;;) {
		int64_t now, next;
		int ret;

		g->woken = 0; /* before the looks it stands for */
		master_step(g, &now, &next);
		sf__start_pending(g);
		tell_ready(g);
		if (sf__stop_due(g))
			return;
		sf__state_hook(g);
		next = sf__next_deadline(g); /* with those just started */
		sf__ns_to_timespec(next ? next : NEVER_NS, &g->wake_by);
		ret = sf__doorbell_wait(g->flag, &g->wake_by, &g->woken);
		if (ret == 1) {
			sf__cause_seen(g);
		} else if (ret < 0 && ret != -ETIMEDOUT) {
			sf__log(g, LOG_CRIT, "cannot wait: %s", sf_strerror(ret));
			sf__cause_seen(g);
		}
	}
}

static void begin_stop(sf_group *g)
{
	const char *name = sf__cause_settle(g);
	char what[256];

	sf_cause_format(&g->stop.cause, name, what, sizeof(what));
	sf__log(g, LOG_NOTICE, "stopping: %s", what);
	for (int i = 0; i < g->ntasks; i++)
		sf__notify_close(g->tasks[i]);
	sf__stop_all(g);
	sf__output_stop(g); /* no task starts again: the relay may see EOF */
	if (sf__signal_children(g, SIGTERM, false) < 0)
		sf__log(g, LOG_WARNING, "cannot read /proc: processes left "
			"behind by tasks will not be found");
	g->phase = SF__ENDING;
	g->state_changed = true;
	if (g->on_stopping)
		g->on_stopping(g->hook_ctx, &g->stop.cause, name);
	sf__state_hook(g);
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
	sf__ns_to_timespec(ns, &left);
	sigtimedwait(set, NULL, &left);
}

static void stop_and_sweep(sf_group *g)
{
	int64_t sweep_at, now, next;
	bool final = false;
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	begin_stop(g);
	/* after every task's kill_at, so that each is killed (and logged)
	 * by its own grace first */
	sweep_at = sf__now_ns() + sf__ms_to_ns(g->grace_ms);
	while (master_step(g, &now, &next)) {
		sf__state_hook(g); /* tasks that ended */
		if (now >= sweep_at)
			final = true;
		if (!next || sweep_at < next)
			next = sweep_at;
		if (final)
			next = sf__signal_children(g, SIGKILL, true) > 0 ? 0 :
			       now + BLIND_RETRY_NS;
		wait_for_child(&chld, next);
	}
}

/* Before the first fork, the memory the C library holds free goes back to
 * the kernel: a function task's fork copies the page-table entries of
 * every page the master has, free or not, and the task tears them down
 * again at its end.  What a config was parsed with, the arrays grown to
 * their size, the copies the builder made: stopflagd's heap held 516 KiB
 * for 1000 tasks, 104 KiB of it in use.  (The task records are not
 * copied at all: arena.h.) */
static void shed_free_memory(void)
{
#ifdef HAVE_MALLOC_TRIM
	malloc_trim(0);
#endif
}

/* What each task's process needs to know of its master. */
static void tell_tasks_their_master(sf_group *g)
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
	if (!g->restarts || sf__pidmap_init(&g->pids, (size_t)g->ntasks) < 0) {
		free(g->restarts);
		g->restarts = NULL;
		return -ENOMEM;
	}
	err = master_enter(g, &env);
	if (err == 0 && (err = sf__output_start(g)) < 0)
		master_leave(&env);
	if (err < 0) {
		free(g->restarts);
		g->restarts = NULL;
		sf__pidmap_free(&g->pids);
		return err;
	}
	tell_tasks_their_master(g);
	sf__arena_forked(&g->records, false); /* tasks get a copy of their own */
	shed_free_memory();
	g->phase = SF__STARTING;
	sf__start_all(g);
	tell_ready(g);
	run_until_stop(g);
	stop_and_sweep(g); /* the relay, if any, is reaped there too */
	sf__output_end(g);
	master_leave(&env);
	sf__arena_forked(&g->records, true); /* the caller's forks, as before */
	sf__pidmap_free(&g->pids); /* every task's process is reaped */
	g->phase = SF__DONE;
	g->state_changed = true;
	sf__state_hook(g);
	status = sf__cause_exit_status(g);
	sf__log(g, LOG_INFO, "stopped: every process reaped; exit status %d",
		status);
	return status;
}
