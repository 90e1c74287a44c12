/*
 * supervise.c - what the master does when something happens to a task:
 * one state x event table, the restart strategies and restart intensity.
 *
 *             START       ENDED           CYCLE       STOP          GRACE
 *   DOWN      down_start  -               down_cycle  down_stop     -
 *   UP        -           up_ended        up_cycle    up_stop       -
 *   CYCLING   -           cycling_ended   ignore      cycling_stop  kill_task
 *   STOPPING  -           stopping_ended  -           ignore        kill_task
 *
 * A cell is named for its state and event (as s6-supervise names its own);
 * ignore and kill_task serve several.
 *
 * "-" cannot happen: a DOWN task has no process to end or to kill, START
 * is only sent to a DOWN task, GRACE only to one that was sent its stop
 * signal, and nothing cycles once the group stops.  Those cells are NULL
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
	"start", "ended", "cycle", "stop", "grace",
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

/* -------------------------------------------------------------- actions */

static void send_stop(sf_group *g, struct sf_task *t)
{
	sf__signal_task(t, t->stop_signal);
	t->kill_at = sf__now_ns() + sf__ms_to_ns(g->grace_ms);
}

static void down_start(sf_group *g, struct sf_task *t, int status)
{
	int errnum = 0;

	t->rerun = false;
	status = sf__spawn(g, t, &errnum);
	if (status == 0) {
		t->state = SF__UP;
		t->starts++;
		t->started_ns = sf__now_ns();
		sf__log(g, LOG_INFO, "task %s (pid %d): started", t->name,
			(int)t->pid);
		return;
	}
	sf__log(g, LOG_ERR, "task %s: cannot start: %s: %s", t->name,
		status == SF__EX_OSERR ? "fork" : "exec", strerror(errnum));
	sf__cause_record(g, t, SF_REASON_START_FAILED, errnum, status);
}

/* An UP task ended on its own: the strategies. */
static void up_ended(sf_group *g, struct sf_task *t, int status)
{
	t->state = SF__DOWN;
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
	for (int i = 0; i < g->ntasks; i++) {
		struct sf_task *s = g->tasks[i];

		if (s == t || g->strategy == SF_ONE_FOR_ONE ||
		    (g->strategy == SF_REST_FOR_ONE && s->id < t->id))
			continue;
		sf__dispatch(g, s, SF__CYCLE, 0);
	}
}

static void up_cycle(sf_group *g, struct sf_task *t, int status)
{
	sf__log(g, LOG_INFO, "task %s (pid %d): stopping, to restart with "
		"its siblings (%s)", t->name, (int)t->pid,
		sf__strategy_name(g->strategy));
	send_stop(g, t);
	t->state = SF__CYCLING;
	t->rerun = t->restart != SF_TEMPORARY;
}

/* A task that is not running is restarted with the others, unless it is
 * temporary (as OTP does it). */
static void down_cycle(sf_group *g, struct sf_task *t, int status)
{
	t->rerun = t->restart != SF_TEMPORARY;
}

static void cycling_ended(sf_group *g, struct sf_task *t, int status)
{
	t->state = SF__DOWN;
	t->kill_at = 0;
	log_end(g, t, status);
}

static void up_stop(sf_group *g, struct sf_task *t, int status)
{
	send_stop(g, t);
	t->state = SF__STOPPING;
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
		[SF__STOP] = up_stop,
	},
	[SF__CYCLING] = {
		[SF__ENDED] = cycling_ended, [SF__CYCLE] = ignore,
		[SF__STOP] = cycling_stop, [SF__GRACE] = kill_task,
	},
	[SF__STOPPING] = {
		[SF__ENDED] = stopping_ended, [SF__STOP] = ignore,
		[SF__GRACE] = kill_task,
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
	for (int i = 0; i < g->ntasks && !sf__stop_due(g); i++)
		sf__dispatch(g, g->tasks[i], SF__START, 0);
}

void sf__start_pending(sf_group *g)
{
	for (int i = 0; i < g->ntasks; i++)
		if (g->tasks[i]->state == SF__CYCLING)
			return;
	for (int i = 0; i < g->ntasks && !sf__stop_due(g); i++) {
		struct sf_task *t = g->tasks[i];

		if (t->state != SF__DOWN || !t->rerun)
			continue;
		sf__log(g, LOG_NOTICE, "task %s: restarting (%s)", t->name,
			sf__strategy_name(g->strategy));
		sf__dispatch(g, t, SF__START, 0);
	}
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
	}
}

int64_t sf__next_kill(const sf_group *g)
{
	int64_t next = 0;

	for (int i = 0; i < g->ntasks; i++) {
		int64_t at = g->tasks[i]->kill_at;

		if (at && (!next || at < next))
			next = at;
	}
	return next;
}
