/*
 * supervise.c - what the master does when something happens to a task:
 * one state x event table, the restart strategies and restart intensity.
 *
 *            START       ENDED           CYCLE       STOP          GRACE      READY     LATE
 *   DOWN     down_start  -               down_cycle  down_stop     -          -         -
 *   UP       -           up_ended        up_cycle    up_stop       -          up_ready  up_late
 *   CYCLING  -           cycling_ended   ignore      cycling_stop  kill_task  ignore    -
 *   STOPPING -           stopping_ended  -           ignore        kill_task  ignore    -
 *
 * A cell is named for its state and event (as s6-supervise names its own);
 * ignore and kill_task serve several.
 *
 * "-" cannot happen: a DOWN task has no process to end or to kill, START
 * is only sent to a DOWN task, GRACE only to one that was sent its stop
 * signal, and nothing cycles once the group stops.  A DOWN task has no
 * notify socket to say READY on (it is closed as its process ends), and
 * LATE (its ready-timeout) is due only while it is UP: leaving UP clears
 * the deadline.  Those cells are NULL
 * and log at LOG_CRIT, so a test can tell that none was ever reached.
 *
 * up_ended() holds the strategies.  Under SF_STOP_ALL any end stops the
 * group.  Otherwise the task's restart type decides whether it is
 * restarted; a restart counts against the intensity, and takes the other
 * tasks (SF_ONE_FOR_ALL) or the later ones (SF_REST_FOR_ONE) along: they
 * get their stop signal (CYCLING) and everybody marked `rerun` starts
 * again, in order, once the last of them has ended.  Once the flag is set
 * nothing restarts, and a request, which sets the flag, stops the group
 * under every strategy.
 *
 * sf__dispatch() marks g->state_changed whenever a transition changes
 * what the task reads as in <stopflag.h> (status.c), for the state hook.
 *
 * Readiness and order.  A task is ready once started (SF_READY_STARTED)
 * or once it says so (READY, SF_READY_NOTIFY), and no longer once its
 * process ends.  Every start, the first and the restarts alike, is a
 * DOWN task marked `rerun` that sf__start_pending() starts once no task
 * cycles and every task it is after is ready (may_start()), in the order
 * the tasks were added, again and again while that starts more.  Under
 * SF_REST_FOR_ONE the tasks restarted with a task are those added after
 * it and every task after one of them (restart_set()); the order of the
 * restart then follows `after` as the first start did.
 */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>

#include "group.h"

typedef void action(sf_group *g, struct sf_task *t, int status);

static const char *const state_names[SF__NSTATES] = {
	"down", "up", "cycling", "stopping",
};
static const char *const event_names[SF__NEVENTS] = {
	"start", "ended", "cycle", "stop", "grace", "ready", "late",
};

/* ---------------------------------------------------------------- causes */

static void stop_because_end(sf_group *g, struct sf_task *t, int status)
{
	if (WIFSIGNALED(status))
		sf__cause_record(g, t, SF_REASON_KILLED, WTERMSIG(status), 0);
	else
		sf__cause_record(g, t, SF_REASON_EXITED, WEXITSTATUS(status), 0);
}

static bool abnormal(int status)
{
	return !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}

static void log_end(sf_group *g, struct sf_task *t, int status)
{
	if (WIFSIGNALED(status))
		sf__log(g, LOG_WARNING, "task %s (pid %d): killed by signal %d (%s)",
			t->name, (int)t->last_pid, WTERMSIG(status),
			sf__signal_name(WTERMSIG(status)));
	else
		sf__log(g, abnormal(status) ? LOG_WARNING : LOG_INFO,
			"task %s (pid %d): exited with status %d", t->name,
			(int)t->last_pid, WEXITSTATUS(status));
}

/* ------------------------------------------------------------ intensity */

/* Record a restart now; true if that makes more than max_restarts within
 * period_ms.  The ring holds the last max_restarts + 1 times: the limit is
 * passed when the oldest of them is still inside the period. */
static bool intensity_exceeded(sf_group *g)
{
	long n = g->max_restarts + 1;
	int64_t now = sf__now_ns();

	g->restarts[g->nrestarts % n] = now;
	g->nrestarts++;
	if (g->nrestarts < n)
		return false;
	return now - g->restarts[g->nrestarts % n] <
	       sf__ms_to_ns(g->period_ms);
}

static bool wants_restart(const struct sf_task *t, int status)
{
	return t->restart == SF_PERMANENT ||
	       (t->restart == SF_TRANSIENT && abnormal(status));
}

/* Whether no task runs and none waits to start again. */
static bool nothing_left(const sf_group *g)
{
	for (int i = 0; i < g->ntasks; i++)
		if (g->tasks[i]->state != SF__DOWN || g->tasks[i]->rerun)
			return false;
	return true;
}

/* ------------------------------------------------------------ readiness */

/* Every change of t->ready goes through here (the status hook's cue). */
static void set_ready(sf_group *g, struct sf_task *t, bool ready)
{
	if (t->ready == ready)
		return;
	t->ready = ready;
	g->state_changed = true;
}

/* t's process ended (reaped): it is down and not ready, and its notify
 * socket, with whatever it still holds, goes. */
static void went_down(sf_group *g, struct sf_task *t)
{
	t->state = SF__DOWN;
	t->kill_at = 0;
	t->ready_by = 0;
	t->was_ready = t->ready;
	set_ready(g, t, false);
	sf__notify_close(t);
}

/* Whether t ended and will not be started again. */
static bool ended_for_good(const struct sf_task *t)
{
	return t->state == SF__DOWN && !t->rerun;
}

/* Whether t counts as ready: it is, or it ended for good after it had
 * been (it has done its part and holds nobody back). */
static bool counts_ready(const struct sf_task *t)
{
	return t->ready || (ended_for_good(t) && t->was_ready);
}

/* Whether d, which another task is after, will never be ready again. */
static bool gone_unready(const struct sf_task *d)
{
	return ended_for_good(d) && !d->was_ready;
}

/* Whether every task t is after counts as ready. */
static bool may_start(const sf_group *g, const struct sf_task *t)
{
	for (int i = 0; i < t->nafter; i++)
		if (!counts_ready(g->tasks[t->after[i]]))
			return false;
	return true;
}

/* A task t is after that will never be ready again, or NULL. */
static const struct sf_task *lost_dependency(const sf_group *g,
					     const struct sf_task *t)
{
	for (int i = 0; i < t->nafter; i++)
		if (gone_unready(g->tasks[t->after[i]]))
			return g->tasks[t->after[i]];
	return NULL;
}

/* -------------------------------------------------------------- actions */

static void send_stop(sf_group *g, struct sf_task *t)
{
	sf__signal_task(t, t->stop_signal);
	t->kill_at = sf__now_ns() + sf__ms_to_ns(g->grace_ms);
}

/* Its notify socket first: the task's process is told its name. */
static int spawn_task(sf_group *g, struct sf_task *t, int *errnum,
		      const char **what)
{
	int err, status;

	*what = "notify socket";
	if (t->ready_mode == SF_READY_NOTIFY && (err = sf__notify_open(t)) < 0) {
		*errnum = -err;
		return SF__EX_OSERR;
	}
	status = sf__spawn(g, t, errnum);
	*what = status == SF__EX_OSERR ? "fork" : "exec";
	if (status != 0)
		sf__notify_close(t);
	return status;
}

static void down_start(sf_group *g, struct sf_task *t, int status)
{
	const char *what;
	int errnum = 0;

	t->rerun = false;
	t->was_ready = false;
	status = spawn_task(g, t, &errnum, &what);
	if (status == 0) {
		t->state = SF__UP;
		t->starts++;
		t->started_ns = sf__now_ns();
		sf__log(g, LOG_INFO, "task %s (pid %d): started", t->name,
			(int)t->pid);
		if (t->ready_mode == SF_READY_STARTED)
			set_ready(g, t, true);
		else if (t->ready_timeout_ms > 0)
			t->ready_by = sf__now_ns() +
				      sf__ms_to_ns(t->ready_timeout_ms);
		return;
	}
	sf__log(g, LOG_ERR, "task %s: cannot start: %s: %s", t->name, what,
		strerror(errnum));
	sf__cause_record(g, t, SF_REASON_START_FAILED, errnum, status);
}

/* Mark (cycle_mark) the tasks restarted with t under rest-for-one: those
 * added after it, and every task after one of those, however far. */
static void restart_set(sf_group *g, const struct sf_task *t)
{
	bool more = true;

	for (int i = 0; i < g->ntasks; i++)
		g->tasks[i]->cycle_mark = i >= t->id;
	while (more) {
		more = false;
		for (int i = 0; i < g->ntasks; i++) {
			struct sf_task *s = g->tasks[i];

			for (int k = 0; k < s->nafter && !s->cycle_mark; k++)
				if (g->tasks[s->after[k]]->cycle_mark)
					more = s->cycle_mark = true;
		}
	}
}

/* Whether a restart of t takes s along. */
static bool cycles_with(const sf_group *g, const struct sf_task *t,
			const struct sf_task *s)
{
	if (s == t)
		return false;
	switch (g->strategy) {
	case SF_ONE_FOR_ALL:
		return true;
	case SF_REST_FOR_ONE:
		return s->cycle_mark;
	default:
		return false;
	}
}

/* An UP task ended on its own: the strategies. */
static void up_ended(sf_group *g, struct sf_task *t, int status)
{
	went_down(g, t);
	log_end(g, t, status);
	if (g->strategy == SF_STOP_ALL) {
		stop_because_end(g, t, status);
		return;
	}
	if (sf__stop_due(g))
		return;
	if (!wants_restart(t, status)) {
		if (nothing_left(g)) {
			sf__log(g, LOG_NOTICE, "no task left to run");
			stop_because_end(g, t, status);
		}
		return;
	}
	if (intensity_exceeded(g)) {
		sf__log(g, LOG_ERR, "more than %d restarts in %d ms: giving up",
			g->max_restarts, g->period_ms);
		stop_because_end(g, t, status);
		return;
	}
	t->rerun = true;
	if (g->strategy == SF_REST_FOR_ONE)
		restart_set(g, t);
	for (int i = 0; i < g->ntasks; i++)
		if (cycles_with(g, t, g->tasks[i]))
			sf__dispatch(g, g->tasks[i], SF__CYCLE, 0);
}

static void up_cycle(sf_group *g, struct sf_task *t, int status)
{
	sf__log(g, LOG_INFO, "task %s (pid %d): stopping, to restart with "
		"its siblings (%s)", t->name, (int)t->pid,
		sf__strategy_name(g->strategy));
	send_stop(g, t);
	t->state = SF__CYCLING;
	t->ready_by = 0;
	t->rerun = t->restart != SF_TEMPORARY;
}

/* A task that is not running is restarted with the others, unless it is
 * temporary (as OTP does it).  One still waiting for its first start (for
 * the tasks it is after) keeps waiting, temporary or not. */
static void down_cycle(sf_group *g, struct sf_task *t, int status)
{
	t->rerun = t->rerun || t->restart != SF_TEMPORARY;
}

static void cycling_ended(sf_group *g, struct sf_task *t, int status)
{
	went_down(g, t);
	log_end(g, t, status);
}

static void up_stop(sf_group *g, struct sf_task *t, int status)
{
	send_stop(g, t);
	t->state = SF__STOPPING;
	t->ready_by = 0;
}

static void up_ready(sf_group *g, struct sf_task *t, int status)
{
	if (t->ready)
		return;
	t->ready_by = 0;
	set_ready(g, t, true);
	sf__log(g, LOG_INFO, "task %s (pid %d): ready", t->name, (int)t->pid);
}

static void up_late(sf_group *g, struct sf_task *t, int status)
{
	t->ready_by = 0;
	sf__log(g, LOG_ERR, "task %s (pid %d): not ready within %d ms",
		t->name, (int)t->pid, t->ready_timeout_ms);
	sf__cause_record(g, t, SF_REASON_START_FAILED, ETIME, SF__EX_NOTREADY);
}

static void cycling_stop(sf_group *g, struct sf_task *t, int status)
{
	t->state = SF__STOPPING;
	t->rerun = false;
}

static void down_stop(sf_group *g, struct sf_task *t, int status)
{
	t->rerun = false;
}

static void stopping_ended(sf_group *g, struct sf_task *t, int status)
{
	cycling_ended(g, t, status);
}

static void kill_task(sf_group *g, struct sf_task *t, int status)
{
	sf__log(g, LOG_WARNING, "task %s (pid %d): still running %d ms after "
		"its stop signal: SIGKILL", t->name, (int)t->pid, g->grace_ms);
	sf__signal_task(t, SIGKILL);
	t->kill_at = 0;
}

static void ignore(sf_group *g, struct sf_task *t, int status)
{
}

/* A cell left out is NULL: it cannot happen (see the top of this file). */
static action *const table[SF__NSTATES][SF__NEVENTS] = {
	[SF__DOWN] = {
		[SF__START] = down_start, [SF__CYCLE] = down_cycle,
		[SF__STOP] = down_stop,
	},
	[SF__UP] = {
		[SF__ENDED] = up_ended, [SF__CYCLE] = up_cycle,
		[SF__STOP] = up_stop, [SF__READY] = up_ready,
		[SF__LATE] = up_late,
	},
	[SF__CYCLING] = {
		[SF__ENDED] = cycling_ended, [SF__CYCLE] = ignore,
		[SF__STOP] = cycling_stop, [SF__GRACE] = kill_task,
		[SF__READY] = ignore,
	},
	[SF__STOPPING] = {
		[SF__ENDED] = stopping_ended, [SF__STOP] = ignore,
		[SF__GRACE] = kill_task, [SF__READY] = ignore,
	},
};

/* Every transition goes through here, so that the state hook hears of
 * each one that changes what the task reads as (status.c). */
void sf__dispatch(sf_group *g, struct sf_task *t, enum sf__event ev,
		  int status)
{
	action *act = table[t->state][ev];
	enum sf_task_state was = sf__task_state(g, t);
	pid_t pid = t->pid;

	if (!act) {
		sf__log(g, LOG_CRIT, "task %s: internal error: no transition "
			"from state %s on event %s", t->name,
			state_names[t->state], event_names[ev]);
		return;
	}
	act(g, t, status);
	if (sf__task_state(g, t) != was || t->pid != pid)
		g->state_changed = true;
}

/* ---------------------------------------------------- group-wide steps */

void sf__start_all(sf_group *g)
{
	for (int i = 0; i < g->ntasks; i++)
		g->tasks[i]->rerun = true;
	sf__start_pending(g);
}

/* A task waiting for one that will never be ready cannot start: a start
 * failure of its own (it would wait for ever). */
static void cannot_start(sf_group *g, struct sf_task *t,
			 const struct sf_task *d)
{
	sf__log(g, LOG_ERR, "task %s: cannot start: task %s, which it is "
		"after, ended without being ready and will not be restarted",
		t->name, d->name);
	sf__cause_record(g, t, SF_REASON_START_FAILED, ESRCH, SF__EX_NOTREADY);
}

/* One pass in the order tasks were added: whether it started any. */
static bool start_pass(sf_group *g)
{
	const struct sf_task *d;
	bool started = false;

	for (int i = 0; i < g->ntasks && !sf__stop_due(g); i++) {
		struct sf_task *t = g->tasks[i];

		if (t->state != SF__DOWN || !t->rerun)
			continue;
		if ((d = lost_dependency(g, t))) {
			cannot_start(g, t, d);
			break;
		}
		if (!may_start(g, t))
			continue;
		if (t->last_pid)
			sf__log(g, LOG_NOTICE, "task %s: restarting (%s)",
				t->name, sf__strategy_name(g->strategy));
		sf__dispatch(g, t, SF__START, 0);
		started = true;
	}
	return started;
}

void sf__start_pending(sf_group *g)
{
	for (int i = 0; i < g->ntasks; i++)
		if (g->tasks[i]->state == SF__CYCLING)
			return;
	/* a task started ready (SF_READY_STARTED) may let an earlier one go */
	while (start_pass(g) && !sf__stop_due(g))
		;
}

bool sf__all_ready(const sf_group *g)
{
	for (int i = 0; i < g->ntasks; i++)
		if (!counts_ready(g->tasks[i]))
			return false;
	return true;
}

void sf__stop_all(sf_group *g)
{
	for (int i = 0; i < g->ntasks; i++)
		sf__dispatch(g, g->tasks[i], SF__STOP, 0);
}

void sf__expire(sf_group *g, int64_t now)
{
	for (int i = 0; i < g->ntasks; i++) {
		struct sf_task *t = g->tasks[i];

		if (t->kill_at && t->kill_at <= now)
			sf__dispatch(g, t, SF__GRACE, 0);
		if (t->ready_by && t->ready_by <= now)
			sf__dispatch(g, t, SF__LATE, 0);
	}
}

static void earliest(int64_t at, int64_t *next)
{
	if (at && (!*next || at < *next))
		*next = at;
}

int64_t sf__next_deadline(const sf_group *g)
{
	int64_t next = 0;

	for (int i = 0; i < g->ntasks; i++) {
		earliest(g->tasks[i]->kill_at, &next);
		earliest(g->tasks[i]->ready_by, &next);
	}
	return next;
}
