/*
 * oracle.c - what the contract (stopflag.h, README "Exit status") allows
 * the group to report, given what really happened in a scenario.
 *
 * The record says when each fault and each task action took effect.  They
 * become events, and the oracle runs the supervisor of the contract over
 * them in time order:
 *
 *   a stop signal to the master      SIGNAL signo, status 0, no task
 *   sf_task_stop_all(code)           REQUEST code, status code & 255
 *   a task ends (exit, any signal)   stop-all: EXITED status / KILLED signo
 *                                    (status 128 + signo); a restarting
 *                                    strategy restarts it by its restart
 *                                    type, and the restart that exceeds the
 *                                    intensity stops the group with it, as
 *                                    does the end that leaves no task to
 *                                    run
 *   one-for-all, rest-for-one        a restart stops the siblings (their
 *                                    ends are the master's doing and do
 *                                    not count) and starts again those that
 *                                    are not temporary
 *   a shell task's stopflag          REQUEST code, as above, naming the
 *     stop-all code                  shell (the cause's pid is its
 *                                    process group: the shell's pid)
 *   a task fails to start            START_FAILED errno: status 127
 *                                    (ENOENT), 126 (cannot run), 71 (fork)
 *   SIGTERM to a cooperative         stop-all: its handler sets the flag,
 *     function task                  SIGNAL 15 naming the task; else it
 *                                    stops alone and returns 0
 *   SIGKILL to the master            nothing more is reported
 *
 * Times are the trace's, never the plan's: when a fault fired, when a task
 * recorded its start or its action.  A failed start is not recorded; it
 * spans from the run's beginning to the starts recorded by the tasks the
 * master forked ahead of it (start_failed_event()).  A task that ends
 * while the master still forks the first round takes effect as late as
 * the round's end, a signal to the master until the fork in progress is
 * done (slow_first_round()).  What a task does takes it some CPU after
 * its record or the signal that causes it: a SIGSTOP within the window
 * after may hold it until the SIGCONT, or for good (held_after()).
 *
 * The first stop wins.  Two events closer in time than st_window_ns() may
 * take effect in either order (a task's death reaches the master through
 * SIGCHLD and waitpid(), a signal to the master sets the flag at once), so
 * every order they allow is explored, and so are both readings of the end
 * of a process the master had just begun to stop for a restart.  Each path
 * that stops yields one allowed outcome.
 *
 * A shell task's request takes effect somewhere between the record made
 * before `stopflag stop-all` and the one made after it returned: those
 * are its earliest and latest times.  Without the second record (the
 * shell was killed or stopped in between), the request may have come at
 * any time after the first, or never, and the name of the task it gives
 * is not fixed: the shell may be gone when the master reads it.
 *
 * Shell tasks hear the stop only through the flag: they ignore their stop
 * signal.  st_sleepers_check() holds each to ending its `stopflag sleep`
 * loop by itself soon after the stop (see there).
 *
 * A scribbled page (other than garbage in the futex word without its SET
 * bit) makes every cause acceptable: the master reads a cause a task set
 * from the page, a stop a task set there may be erased, and the garbage
 * may itself read as a set flag.  The master must still stop in time, by
 * the first stop it sees for itself: a signal to it, a task's end.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "stress.h"

#define MAX_EV 24
#define MAX_STEPS 200000

enum ev_kind {
	EV_SIGNAL,        /* value: signo */
	EV_REQUEST,       /* value: code */
	EV_END,           /* killed ? signal : exit status */
	EV_TERM_FN,       /* SIGTERM to a cooperative function task */
	EV_START_FAILED,  /* value: errno */
	EV_BOMB,          /* RLIMIT_NPROC is used up from now on */
	EV_SCRIBBLE,      /* garbage that may read as a set flag */
	EV_MASTER_KILLED,
};

struct ev {
	int64_t t;    /* the earliest it may have taken effect */
	int64_t late; /* the latest (t, but for a failed start) */
	int kind;
	int task;
	pid_t pid;
	int killed;
	int value;
	int optional; /* it may not have taken effect at all */
	int or_never; /* at t, or never: a SIGSTOP that no SIGCONT ended
			 may have come first (held_after()) */
};

struct state {
	unsigned done;   /* events taken */
	unsigned up;     /* tasks running, or waiting to start again */
	int restarts;
	int bomb;
	int ncycled;     /* processes the master stopped for a restart */
	pid_t cycled[MAX_EV * ST_MAX_TASKS];
	int64_t cycled_t[MAX_EV * ST_MAX_TASKS];
	unsigned char cycled_maybe[MAX_EV * ST_MAX_TASKS]; /* a guess: below */
};

struct sim {
	const struct st_shared *sh;
	struct st_expect *ex;
	int relaxed;
	long steps;
	int n;
	struct ev ev[MAX_EV];
};

int64_t st_window_ns(void)
{
	const char *s = getenv("STRESS_WINDOW_MS");
	long ms = s ? strtol(s, NULL, 10) : 0;

	if (ms <= 0)
		ms = getenv("VALGRIND") || getenv("SF_SLOW") ? 150 : 30;
	return (int64_t)ms * 1000000;
}

static struct ev *add_ev(struct sim *s, int64_t t, int kind, int task,
			 pid_t pid, int killed, int value)
{
	if (s->n < MAX_EV) {
		s->ev[s->n] = (struct ev){ t, t, kind, task, pid, killed, value,
					   0, 0 };
		return &s->ev[s->n++];
	}
	s->ex->overflow = 1;
	return NULL;
}

/* When a signal sent to pid at t is delivered: at once, or, if SIGSTOP
 * holds the process then, at the SIGCONT that follows (-1: none did). */
static int64_t delivered_at(const struct st_shared *sh, pid_t pid, int64_t t)
{
	int64_t last_stop = -1, last_cont = -1, next_cont = -1;

	for (int i = 0; i < sh->sc.nfaults; i++) {
		const struct st_fault_rec *r = &sh->fault[i];

		if (sh->sc.fault[i].kind != ST_F_STOP_TASK || !r->fired ||
		    r->pid != pid)
			continue;
		if (r->ns <= t && r->ns > last_stop)
			last_stop = r->ns;
		if (r->cont_ns && r->cont_ns <= t && r->cont_ns > last_cont)
			last_cont = r->cont_ns;
		if (r->cont_ns > t && (next_cont < 0 || r->cont_ns < next_cont))
			next_cont = r->cont_ns;
	}
	return last_stop > last_cont ? next_cont : t;
}

/* Moves *from to the SIGCONT that ended each SIGSTOP of pid that came
 * after `after` and no later than `reach` past *from (as *from moves);
 * 0 if one never ended. */
static int held(const struct st_shared *sh, pid_t pid, int64_t after,
		int64_t reach, int64_t *from)
{
	int moved = 1;

	for (int pass = 0; moved && pass <= ST_MAX_FAULTS; pass++) {
		moved = 0;
		for (int i = 0; i < sh->sc.nfaults; i++) {
			const struct st_fault_rec *r = &sh->fault[i];

			if (sh->sc.fault[i].kind != ST_F_STOP_TASK || !r->fired ||
			    r->pid != pid || r->ns <= after ||
			    r->ns > *from + reach)
				continue;
			if (!r->cont_ns)
				return 0;
			if (r->cont_ns > *from) {
				*from = r->cont_ns;
				moved = 1;
			}
		}
	}
	return 1;
}

/*
 * What a task's process does at t (ends, asks for a stop, or sets the flag
 * from its SIGTERM handler) takes the process some CPU after t: a SIGSTOP
 * that came within the window after t may have held it first, until the
 * SIGCONT that followed (and one within the window after that, again).
 * Then it took effect as late as that SIGCONT; with none, at t or never:
 * the master stopped the group for something else, and its own SIGCONT
 * came with its stop.  A SIGKILL is not held.
 */
static void held_after(struct sim *s, struct ev *e)
{
	int64_t from = e->t;

	if (!e->pid || (e->kind == EV_END && e->killed && e->value == SIGKILL))
		return;
	if (!held(s->sh, e->pid, e->t, st_window_ns(), &from))
		e->or_never = 1;
	else if (from > e->late)
		e->late = from;
}

static void held_events(struct sim *s)
{
	for (int i = 0; i < s->n; i++)
		if (s->ev[i].kind == EV_END || s->ev[i].kind == EV_TERM_FN ||
		    s->ev[i].kind == EV_REQUEST)
			held_after(s, &s->ev[i]);
}

int st_ignores_stop_signals(const struct st_task_plan *p)
{
	return p->stubborn || p->kind == ST_EXEC_SH;
}

/* SIGTERM from the driver to a task, as its plan makes it react. */
static void term_task_event(struct sim *s, int64_t t, int task, pid_t pid)
{
	const struct st_task_plan *p = &s->sh->sc.task[task];

	t = delivered_at(s->sh, pid, t);
	if (st_ignores_stop_signals(p) || t < 0)
		return;
	if (p->kind == ST_FN)
		add_ev(s, t, EV_TERM_FN, task, pid, 0, 0);
	else if (p->stop_signal == SIGTERM && p->exec_catch)
		add_ev(s, t, EV_END, task, pid, 0, 0);
	else
		add_ev(s, t, EV_END, task, pid, 1, SIGTERM);
}

static void fault_events(struct sim *s)
{
	const struct st_shared *sh = s->sh;

	for (int i = 0; i < sh->sc.nfaults; i++) {
		const struct st_fault_plan *f = &sh->sc.fault[i];
		const struct st_fault_rec *r = &sh->fault[i];

		if (!r->fired)
			continue;
		switch (f->kind) {
		case ST_F_KILL_TASK:
			add_ev(s, r->ns, EV_END, f->target, r->pid, 1, SIGKILL);
			break;
		case ST_F_KILL_MASTER:
			add_ev(s, r->ns, EV_MASTER_KILLED, -1, r->pid, 0, 0);
			break;
		case ST_F_STORM_MASTER:
		case ST_F_SIGNAL_MASTER:
		case ST_F_TERMINATOR:
			add_ev(s, r->ns, EV_SIGNAL, -1, r->pid, 0, f->signo);
			break;
		case ST_F_TERM_TASK:
			term_task_event(s, r->ns, f->target, r->pid);
			break;
		default: /* ST_F_STOP_TASK ends nothing */
			break;
		}
	}
}

/* A scribble makes the page say anything: the cause a task set there may
 * be lost or replaced, and the garbage itself may read as a set flag.
 * Only garbage in the futex word without its SET bit leaves the cause
 * alone (a waiter may then miss a wakeup: the grace still bounds that). */
static void scribble_events(struct sim *s, const struct st_task_plan *p,
			    const struct st_task_rec *r)
{
	if (p->scribble == ST_SCRIB_WORD && !(r->scribbled_word & SF__WORD_SET))
		return;
	s->relaxed = 1;
	if (p->scribble != ST_SCRIB_ZERO_LOOP)
		add_ev(s, r->action_ns, EV_SCRIBBLE, -1, 0, 0, 0);
}

/* Whether the master forks task k in its first round of starts: not a
 * task that is after another, which starts once that one is ready, from
 * the master's loop (sf_group_set_after()). */
static int in_first_round(const struct st_shared *sh, int k)
{
	return sh->sc.task[k].after == 0;
}

/*
 * A start that fails in the group's first round of starts (task `task`,
 * or -2: any), after the master forked the `before` tasks ahead of it.
 * When it took effect is not recorded: it is taken from the trace, not
 * from the plan.  It came no earlier than the run began, and about when
 * the tasks ahead of it recorded their starts: the master forks them one
 * after the other, and each records its start within the window of its
 * fork.  With no such record, and no record of when the run began (a
 * stopflagd still reading its config), it may have come at any time.
 */
static void start_failed_event(struct sim *s, int task, int before, int err)
{
	const struct st_shared *sh = s->sh;
	int64_t begun = sh->res.run_ns ? sh->res.run_ns : sh->t0_ns;
	int64_t late = -1;
	struct ev *e;

	for (int k = 0; k < before && k < sh->sc.ntasks; k++)
		if (in_first_round(sh, k) && sh->task[k].incarnations > 0 &&
		    sh->task[k].start_ns[0] > late)
			late = sh->task[k].start_ns[0];
	if (late < 0)
		late = sh->res.run_ns ? begun : INT64_MAX / 4;
	e = add_ev(s, begun, EV_START_FAILED, task, 0, 0, err);
	if (e)
		e->late = late > begun ? late : begun;
}

/* sf_task_stop_all() takes effect right after its record; a shell's
 * stopflag stop-all between its two records, or perhaps never (above). */
static void request_event(struct sim *s, const struct st_task_plan *p,
			  const struct st_task_rec *r, int task)
{
	struct ev *e = add_ev(s, r->action_ns, EV_REQUEST, task, r->action_pid,
			      0, p->action_code);

	if (!e || p->kind != ST_EXEC_SH)
		return;
	if (r->acted_ns) {
		e->late = r->acted_ns > e->t ? r->acted_ns : e->t;
	} else {
		e->late = INT64_MAX / 4;
		e->optional = 1;
	}
}

static void task_events(struct sim *s)
{
	const struct st_shared *sh = s->sh;
	const struct st_scenario *sc = &sh->sc;

	for (int i = 0; i < sc->ntasks; i++) {
		const struct st_task_plan *p = &sc->task[i];
		const struct st_task_rec *r = &sh->task[i];

		if (p->kind == ST_EXEC_MISSING || p->kind == ST_EXEC_NOEXEC)
			start_failed_event(s, i, i,
					   p->kind == ST_EXEC_MISSING ? ENOENT : EACCES);
		if (!r->action_ns)
			continue;
		switch (p->action) {
		case ST_ACT_EXIT:
			add_ev(s, r->action_ns, EV_END, i, r->action_pid, 0,
			       p->action_code & 255);
			break;
		case ST_ACT_ABORT:
			add_ev(s, r->action_ns, EV_END, i, r->action_pid, 1, SIGABRT);
			break;
		case ST_ACT_REQUEST:
			request_event(s, p, r, i);
			break;
		case ST_ACT_SCRIBBLE:
			scribble_events(s, p, r);
			break;
		case ST_ACT_BOMB:
			add_ev(s, r->action_ns, EV_BOMB, i, r->action_pid, 0, 0);
			break;
		default:
			break;
		}
	}
	/* Fewer processes allowed than the group has tasks (beside the
	 * master and its keeper): a fork fails while the group starts. */
	if (sc->nproc_limit && sc->nproc_limit - 1 - sc->keeper < sc->ntasks)
		start_failed_event(s, -2, sc->nproc_limit - 1 - sc->keeper,
				   EAGAIN);
}

/* The first start recorded after t in the first round (of a task's first
 * process), or 0: none. */
static int64_t next_first_start(const struct st_shared *sh, int64_t t)
{
	int64_t next = 0;

	for (int k = 0; k < sh->sc.ntasks; k++) {
		int64_t at = sh->task[k].start_ns[0];

		if (in_first_round(sh, k) && sh->task[k].incarnations > 0 &&
		    at > t &&
		    (next == 0 || at < next))
			next = at;
	}
	return next;
}

/*
 * The master forks the first round of tasks in one go, looking only at the
 * flag between forks, and blocking signals across each fork: under load,
 * both stretch.
 *
 *   - It reaps a task that ended meanwhile only once the round is over:
 *     such an end takes effect as late as the round's end (the last start
 *     the round recorded), so a signal to the master or a request that
 *     came after the end, by more than the window but within the round,
 *     may win; and the restart it causes stops the siblings running then.
 *     (A SIGTERM to a function task under stop-all is not such an end: its
 *     handler sets the flag at once.)
 *   - A signal to the master waits for the fork in progress: it takes
 *     effect as late as the next start the round recorded.
 */
static void slow_first_round(struct sim *s)
{
	const struct st_shared *sh = s->sh;
	int64_t round_end = 0;

	for (int k = 0; k < sh->sc.ntasks; k++)
		if (in_first_round(sh, k) && sh->task[k].incarnations > 0 &&
		    sh->task[k].start_ns[0] > round_end)
			round_end = sh->task[k].start_ns[0];
	for (int i = 0; i < s->n; i++) {
		struct ev *e = &s->ev[i];

		if (e->t >= round_end)
			continue;
		if ((e->kind == EV_END ||
		     (e->kind == EV_TERM_FN && sh->sc.strategy != SF_STOP_ALL)) &&
		    e->late < round_end)
			e->late = round_end;
		else if (e->kind == EV_SIGNAL)
			e->late = next_first_start(sh, e->t);
	}
}

static int start_failed_status(int err)
{
	return err == ENOENT ? 127 : err == EAGAIN ? 71 : 126;
}

static void emit_outcome(struct sim *s, struct st_outcome o)
{
	struct st_expect *ex = s->ex;
	int64_t at = o.at_ns;

	if (s->relaxed) {
		o.kind = ST_OUT_ANY;
		o.reason = o.code = o.status = o.task = 0;
		o.pid = o.alt_pid = 0;
		o.vague = 1;
	}
	for (int i = 0; i < ex->n; i++) {
		struct st_outcome *e = &ex->out[i];

		if (e->kind == o.kind && e->reason == o.reason &&
		    e->code == o.code && e->status == o.status &&
		    e->task == o.task && e->pid == o.pid &&
		    e->alt_pid == o.alt_pid && e->vague == o.vague) {
			if (at > e->at_ns)
				e->at_ns = at;
			return;
		}
	}
	if (ex->n < ST_MAX_OUTCOMES)
		ex->out[ex->n++] = o;
	else
		ex->overflow = 1;
}

/* A failed start is no moment to time a wakeup from (start_failed_event()). */
static void emit(struct sim *s, int reason, int code, int status, int task,
		 pid_t pid, pid_t alt_pid, int64_t at)
{
	emit_outcome(s, (struct st_outcome){
		ST_OUT_STOP, reason, code, status, task, pid, alt_pid, at,
		reason == SF_REASON_START_FAILED });
}

/* A request, as of when it had surely taken effect. */
static void emit_request(struct sim *s, const struct ev *e)
{
	emit_outcome(s, (struct st_outcome){
		ST_OUT_STOP, SF_REASON_REQUEST, e->value, e->value & 255,
		e->optional ? -2 : e->task, e->pid, 0,
		e->optional ? e->t : e->late, e->optional });
}

/*
 * The exploration recurses, take() -> explore() -> take(), one level per
 * event taken: its depth is bounded by MAX_EV and its breadth by
 * MAX_STEPS, which is what an explicit stack would bound too, with more
 * code.  Hence the NOLINT(misc-no-recursion) below.
 */
static void explore(struct sim *s, const struct state *st);

/* Whether the process of event `self` ended in an event taken before. */
static int ended_before(const struct sim *s, const struct state *st, int self)
{
	const struct ev *e = &s->ev[self];

	for (int i = 0; i < s->n; i++)
		if ((st->done & 1u << i) && i != self &&
		    (s->ev[i].kind == EV_END || s->ev[i].kind == EV_TERM_FN) &&
		    s->ev[i].pid == e->pid && s->ev[i].pid != 0)
			return 1;
	return 0;
}

/* Whether some task that runs code of ours had not recorded its first
 * start by t: the master may not have forked it yet. */
static int still_starting(const struct sim *s, int64_t t)
{
	for (int k = 0; k < s->sh->sc.ntasks; k++) {
		int kind = s->sh->sc.task[k].kind;
		const struct st_task_rec *r = &s->sh->task[k];

		if ((kind == ST_FN || kind == ST_EXEC) &&
		    (r->incarnations == 0 || r->start_ns[0] > t))
			return 1;
	}
	return 0;
}

/* The incarnation of task k that ran at time t: its pid, or 0. */
static pid_t running_at(const struct sim *s, int k, int64_t t)
{
	const struct st_task_rec *r = &s->sh->task[k];
	pid_t pid = 0;

	for (int i = 0; i < r->incarnations && i < ST_MAX_INCARNATIONS; i++)
		if (r->start_ns[i] <= t)
			pid = r->pid[i];
	return pid;
}

/* The incarnation of task k the master would stop for the restart that
 * the end e causes: the one running at e->t (*maybe = 0).  If none had
 * recorded its start by then, perhaps the first to record it within the
 * window after the master acted on e, by e->late at the latest
 * (*maybe = 1): the master forks a process before the task records it
 * (an exec task records only after exec()), and may act on an end only
 * after its first round of forks, but that one may also be the process
 * this very restart started, if the one it stopped never got as far as
 * its record. */
static pid_t stopped_for_restart_at(const struct sim *s, int k,
				    const struct ev *e, int *maybe)
{
	const struct st_task_rec *r = &s->sh->task[k];
	pid_t pid = running_at(s, k, e->t);

	*maybe = 0;
	for (int i = 0; !pid && i < r->incarnations && i < ST_MAX_INCARNATIONS;
	     i++)
		if (r->start_ns[i] > e->t &&
		    r->start_ns[i] <= e->late + st_window_ns()) {
			pid = r->pid[i];
			*maybe = 1;
		}
	return pid;
}

/* -1: pid was not stopped by the master for a restart; else when, and
 * *maybe if that is only a guess (stopped_for_restart_at()). */
static int64_t cycled_at(const struct state *st, pid_t pid, int *maybe)
{
	for (int i = 0; i < st->ncycled; i++)
		if (st->cycled[i] == pid) {
			*maybe = st->cycled_maybe[i];
			return st->cycled_t[i];
		}
	*maybe = 0;
	return -1;
}

/* Task k restarts after its end e (by e->late): under one-for-all and
 * rest-for-one the master
 * stops its siblings (the others, or the later ones) and starts again
 * those that are not temporary, and the stopped ones that are not running
 * but not temporary either (README "Strategies"). */
static void restart(const struct sim *s, struct state *st, const struct ev *e)
{
	const struct st_scenario *sc = &s->sh->sc;
	int k = e->task;

	st->up |= 1u << k;
	if (sc->strategy == SF_ONE_FOR_ONE)
		return;
	for (int i = 0; i < sc->ntasks; i++) {
		pid_t pid;
		int maybe;

		if (i == k || (sc->strategy == SF_REST_FOR_ONE && i < k))
			continue;
		pid = stopped_for_restart_at(s, i, e, &maybe);
		if ((st->up & 1u << i) && pid &&
		    st->ncycled < (int)(sizeof(st->cycled) / sizeof(*st->cycled))) {
			st->cycled[st->ncycled] = pid;
			st->cycled_maybe[st->ncycled] = (unsigned char)maybe;
			st->cycled_t[st->ncycled++] = e->late;
		}
		if (sc->task[i].restart == SF_TEMPORARY)
			st->up &= ~(1u << i);
		else
			st->up |= 1u << i;
	}
}

static void task_ended(struct sim *s, struct state *st, int self, // NOLINT(misc-no-recursion)
		       const struct ev *e)
{
	const struct st_scenario *sc = &s->sh->sc;
	int restart_type = sc->task[e->task].restart;
	int reason = e->killed ? SF_REASON_KILLED : SF_REASON_EXITED;
	int status = e->killed ? 128 + e->value : e->value;
	int abnormal = e->killed || e->value != 0;
	int64_t cycled;
	int maybe;

	if (ended_before(s, st, self)) {
		explore(s, st);
		return;
	}
	if (sc->strategy == SF_STOP_ALL) {
		emit(s, reason, e->value, status, e->task, e->pid,
		     s->sh->master, e->late);
		return;
	}
	/* A process the master was stopping for a restart: its end is the
	 * master's doing, unless it came before the master got there (or it
	 * was not that process after all). */
	cycled = cycled_at(st, e->pid, &maybe);
	if (cycled >= 0) {
		explore(s, st);
		if (!maybe && e->t > cycled + st_window_ns())
			return;
	}
	st->up &= ~(1u << e->task);
	if (restart_type == SF_TEMPORARY ||
	    (restart_type == SF_TRANSIENT && !abnormal)) {
		if (st->up == 0) /* nothing left to run: the group stops */
			emit(s, reason, e->value, status, e->task, e->pid,
			     s->sh->master, e->late);
		else
			explore(s, st);
		return;
	}
	if (st->bomb) /* the restart's fork may fail */
		emit(s, SF_REASON_START_FAILED, EAGAIN, 71, -2, 0, 0, e->late);
	if (++st->restarts > sc->max_restarts) {
		emit(s, reason, e->value, status, e->task, e->pid,
		     s->sh->master, e->late);
		return;
	}
	restart(s, st, e);
	explore(s, st);
}

static void take(struct sim *s, struct state *st, int self) // NOLINT(misc-no-recursion)
{
	const struct ev *e = &s->ev[self];
	struct ev as_exit;

	/* One that may never have come (held by a SIGSTOP that never
	 * ended, a shell's request): both ways. */
	if (e->or_never || (e->kind == EV_REQUEST && e->optional))
		explore(s, st);
	switch (e->kind) {
	case EV_SIGNAL:
		emit(s, SF_REASON_SIGNAL, e->value, 0, -1, s->sh->master, 0, e->t);
		break;
	case EV_REQUEST:
		/* Recorded, then killed before it could ask? */
		if (!e->optional && ended_before(s, st, self)) {
			explore(s, st);
			break;
		}
		emit_request(s, e);
		if (s->relaxed && !e->optional) /* a scribbler may have erased it */
			explore(s, st);
		break;
	case EV_SCRIBBLE:
		emit(s, SF_REASON_NONE, 0, 0, -1, 0, 0, e->t);
		explore(s, st);
		break;
	case EV_START_FAILED:
		emit(s, SF_REASON_START_FAILED, e->value,
		     start_failed_status(e->value), e->task, 0, 0, e->t);
		break;
	case EV_BOMB:
		st->bomb = 1;
		/* The master may still be starting the group: a fork of
		 * its first round may fail too. */
		if (still_starting(s, e->t + st_window_ns()))
			emit(s, SF_REASON_START_FAILED, EAGAIN, 71, -2, 0, 0,
			     e->t);
		explore(s, st);
		break;
	case EV_TERM_FN:
		/* Its handler sets the flag under stop-all; otherwise it only
		 * stops this task, which returns 0. */
		if (s->sh->sc.strategy == SF_STOP_ALL && !ended_before(s, st, self)) {
			emit(s, SF_REASON_SIGNAL, SIGTERM, 0, e->task, e->pid, 0,
			     e->late);
			if (!s->relaxed) /* else it may have been erased */
				break;
		}
		as_exit = *e;
		as_exit.kind = EV_END;
		task_ended(s, st, self, &as_exit);
		break;
	case EV_END:
		task_ended(s, st, self, e);
		break;
	default: /* EV_MASTER_KILLED: nothing is reported after it */
		break;
	}
}

static void explore(struct sim *s, const struct state *st) // NOLINT(misc-no-recursion)
{
	int64_t first = INT64_MAX;

	if (++s->steps > MAX_STEPS) {
		s->ex->overflow = 1;
		return;
	}
	/* Whatever took effect by `first` at the latest may come before
	 * everything that took effect later than the window after it. */
	for (int i = 0; i < s->n; i++)
		if (!(st->done & 1u << i) && s->ev[i].late < first)
			first = s->ev[i].late;
	for (int i = 0; i < s->n; i++) {
		struct state next = *st;

		if ((st->done & 1u << i) || s->ev[i].t > first + st_window_ns())
			continue;
		next.done |= 1u << i;
		take(s, &next, i);
	}
}

/*
 * A keeper's master SIGKILLed: whatever the group was doing, the keeper
 * stops everything it left, within the grace from then, and returns
 * 128 + 9 with cause KILLED 9, the master's pid and no task.  Unless the
 * master had already brought the group down and was on its way out: then
 * the keeper returns what it reported, for a stop that began before the
 * SIGKILL.
 */
static void inner_killed(const struct st_shared *sh, struct st_expect *ex)
{
	for (int i = 0; i < sh->sc.nfaults; i++) {
		const struct st_fault_rec *r = &sh->fault[i];
		int n = 0;

		if (sh->sc.fault[i].kind != ST_F_KILL_INNER || !r->fired)
			continue;
		for (int k = 0; k < ex->n; k++)
			if (ex->out[k].at_ns <= r->ns)
				ex->out[n++] = ex->out[k];
		ex->n = n < ST_MAX_OUTCOMES ? n : ST_MAX_OUTCOMES - 1;
		ex->out[ex->n++] = (struct st_outcome){
			ST_OUT_STOP, SF_REASON_KILLED, SIGKILL, 128 + SIGKILL,
			-1, r->pid, 0, r->ns, 1 };
		return;
	}
}

void st_oracle(const struct st_shared *sh, struct st_expect *ex)
{
	static struct sim s;
	struct state st;

	memset(ex, 0, sizeof(*ex));
	memset(&s, 0, sizeof(s));
	memset(&st, 0, sizeof(st));
	st.up = (1u << sh->sc.ntasks) - 1;
	s.sh = sh;
	s.ex = ex;
	fault_events(&s);
	task_events(&s);
	held_events(&s);
	slow_first_round(&s);
	explore(&s, &st);
	inner_killed(sh, ex);
}

/* ---------------------------------------------------------------- shells */

int64_t st_wake_ns(void)
{
	const char *s = getenv("STRESS_WAKE_MS");
	long ms = s ? strtol(s, NULL, 10) : 0;

	if (ms <= 0)
		ms = getenv("VALGRIND") || getenv("SF_SLOW") ? 2500 : 500;
	return (int64_t)ms * 1000000;
}

/* Whether something may have kept the flag from waking a sleeper, or its
 * record from telling: a scribble (garbage in the futex word may cost a
 * waiter its wakeup), a SIGKILLed master (nobody sets the flag), a
 * keeper's master SIGKILLed (its keeper stops the group by signals). */
static int no_wake_promised(const struct st_shared *sh)
{
	for (int i = 0; i < sh->sc.ntasks; i++)
		if (sh->sc.task[i].action == ST_ACT_SCRIBBLE && sh->task[i].action_ns)
			return 1;
	for (int i = 0; i < sh->sc.nfaults; i++) {
		int kind = sh->sc.fault[i].kind;

		if (sh->fault[i].fired && (kind == ST_F_KILL_MASTER ||
					   kind == ST_F_KILL_INNER ||
					   kind == ST_F_KILL_BOTH))
			return 1;
	}
	return !sh->res.returned;
}

static int killed_by_fault(const struct st_shared *sh, pid_t pid)
{
	for (int i = 0; i < sh->sc.nfaults; i++)
		if (sh->sc.fault[i].kind == ST_F_KILL_TASK && sh->fault[i].fired &&
		    sh->fault[i].pid == pid)
			return 1;
	return 0;
}

/*
 * A SIGSTOP holds the shell (not its `stopflag sleep`, which wakes and
 * ends) until SIGCONT.  The master sends SIGCONT with its stop signal, so
 * a SIGSTOP from well before the stop is over by then; one from within
 * the window before the stop on may have come after the master's SIGCONT,
 * and holds the shell until the driver's.  Moves *from to the end of
 * every such hold that ends before the shell had to have woken; 0 if one
 * never ended.
 */
static int held_until(const struct st_shared *sh, pid_t pid, int64_t stop,
		      int64_t *from)
{
	return held(sh, pid, stop - st_window_ns() - 1,
		    st_window_ns() + st_wake_ns(), from);
}

/* Whether the master may have stopped task k's process for a sibling's
 * restart (one-for-all: any other task's end, rest-for-one: an earlier
 * one's) after `since`, and until the stop: then the SIGKILL of that
 * restart's grace may beat the record of its wakeup. */
static int may_have_cycled(const struct st_shared *sh, int k, int64_t since,
			   int64_t stop)
{
	const struct st_scenario *sc = &sh->sc;
	int64_t until = stop + st_window_ns();

	if (sc->strategy != SF_ONE_FOR_ALL && sc->strategy != SF_REST_FOR_ONE)
		return 0;
	for (int j = 0; j < sc->ntasks; j++) {
		int64_t t = sh->task[j].action_ns;
		int act = sc->task[j].action;

		if (j == k || (sc->strategy == SF_REST_FOR_ONE && j > k))
			continue;
		if (t >= since && t <= until &&
		    (act == ST_ACT_EXIT || act == ST_ACT_ABORT))
			return 1;
		for (int i = 0; i < sc->nfaults; i++) {
			const struct st_fault_rec *r = &sh->fault[i];
			int kind = sc->fault[i].kind;

			if (r->fired && sc->fault[i].target == j &&
			    (kind == ST_F_KILL_TASK || kind == ST_F_TERM_TASK) &&
			    r->ns >= since && r->ns <= until)
				return 1;
		}
	}
	return 0;
}

/*
 * Shell task k at the group's stop: its process then (the last recorded)
 * must end its sleep loop by itself within the window + st_wake_ns() of
 * the stop (of its own start, if later; of the end of a SIGSTOP that may
 * have held it).  No record of that is a violation only where the grace
 * let it live that long, and where no fault SIGKILLed it and no sibling's
 * restart may have.  A `stopflag sleep` that ended with anything but "a
 * stop came" is always one.
 */
static int sleeper_check(const struct st_shared *sh, int k, int64_t stop,
			 char *why, size_t len)
{
	const struct st_task_rec *r = &sh->task[k];
	int n = r->incarnations < ST_MAX_INCARNATIONS ? r->incarnations :
							ST_MAX_INCARNATIONS;
	int64_t from, need, woke;
	pid_t pid;

	if (r->woke_status) {
		snprintf(why, len, "shell task t%d: `stopflag sleep` ended with "
			 "status %d, not 1 (a stop came)", k, r->woke_status);
		return 1;
	}
	if (n == 0)
		return 0;
	pid = r->pid[n - 1];
	woke = r->woke_ns[n - 1];
	from = r->start_ns[n - 1] > stop ? r->start_ns[n - 1] : stop;
	if (!held_until(sh, pid, stop, &from))
		return 0;
	need = from + st_window_ns() + st_wake_ns();
	if (woke > need) {
		snprintf(why, len, "shell task t%d (pid %d): its stopflag sleep "
			 "loop ended %.1fms after the stop at %.1fms: more than "
			 "%.0fms", k, (int)pid, (double)(woke - from) / 1e6,
			 (double)(stop - sh->t0_ns) / 1e6,
			 (double)(need - from) / 1e6);
		return 1;
	}
	if (woke || killed_by_fault(sh, pid) ||
	    may_have_cycled(sh, k, r->start_ns[n - 1] - st_window_ns(), stop) ||
	    stop + (int64_t)sh->sc.grace_ms * 1000000 < need)
		return 0;
	snprintf(why, len, "shell task t%d (pid %d): its stopflag sleep loop "
		 "did not end by itself after the stop at %.1fms (within "
		 "%.0fms; the grace is %dms)", k, (int)pid,
		 (double)(stop - sh->t0_ns) / 1e6, (double)(need - from) / 1e6,
		 sh->sc.grace_ms);
	return 1;
}

int st_sleepers_check(const struct st_shared *sh, const struct st_outcome *o,
		      char *why, size_t len)
{
	if (o->kind != ST_OUT_STOP || o->vague || no_wake_promised(sh))
		return 0;
	for (int k = 0; k < sh->sc.ntasks; k++)
		if (sh->sc.task[k].kind == ST_EXEC_SH &&
		    sleeper_check(sh, k, o->at_ns, why, len))
			return 1;
	return 0;
}

/* ---------------------------------------------------------------- order */

/* The first record of task a saying it is ready, of any incarnation
 * (recorded just before it said so), or 0: none. */
static int64_t first_ready(const struct st_task_rec *a)
{
	int n = a->incarnations < ST_MAX_INCARNATIONS ? a->incarnations :
							ST_MAX_INCARNATIONS;
	int64_t first = 0;

	for (int i = 0; i < n; i++)
		if (a->ready_ns[i] && (first == 0 || a->ready_ns[i] < first))
			first = a->ready_ns[i];
	return first;
}

/*
 * Task b is after task a: b's first process may start only once a is
 * ready.  a records the moment just before it says so, b its start once
 * it runs, so no window applies: b's first record comes after a's first
 * ready record, of whichever incarnation (a killed before it was ready
 * holds b back until a restarted process of a says it).  A b that never
 * started is judged too: it broke nothing.  A start the record lost (b
 * killed between counting and timing its start) is not judged.
 */
int st_order_check(const struct st_shared *sh, struct st_order_count *count,
		   char *why, size_t len)
{
	for (int k = 0; k < sh->sc.ntasks && k < ST_MAX_TASKS; k++) {
		const struct st_task_rec *b = &sh->task[k];
		int a = sh->sc.task[k].after - 1;
		int64_t ready, start = b->start_ns[0];

		if (a < 0 || a >= sh->sc.ntasks || a == k)
			continue;
		if (b->incarnations > 0 && start == 0)
			continue;
		if (count) {
			count->pairs++;
			count->started += b->incarnations > 0;
		}
		if (b->incarnations == 0)
			continue;
		ready = first_ready(&sh->task[a]);
		if (ready && ready <= start)
			continue;
		if (why && ready)
			snprintf(why, len, "task t%d, after t%d, started at "
				 "%.1fms, before t%d said it was ready (at "
				 "%.1fms)", k, a, (double)(start - sh->t0_ns) / 1e6,
				 a, (double)(ready - sh->t0_ns) / 1e6);
		else if (why)
			snprintf(why, len, "task t%d, after t%d, started at "
				 "%.1fms, but t%d never said it was ready", k,
				 a, (double)(start - sh->t0_ns) / 1e6, a);
		return 1;
	}
	return 0;
}

void st_outcome_describe(const struct st_outcome *o, int64_t t0, char *buf,
			 size_t len)
{
	double at = (double)(o->at_ns - t0) / 1e6;
	char task[16];

	if (o->kind == ST_OUT_ANY) {
		snprintf(buf, len, "any cause (the page was scribbled), "
			 "stopping from %.1fms", at);
		return;
	}
	if (o->task >= 0)
		snprintf(task, sizeof(task), "t%d", o->task);
	else
		snprintf(task, sizeof(task), "%s", o->task == -1 ? "none" : "any");
	snprintf(buf, len, "%s code %d, status %d, task %s, pid %d%s, "
		 "stopping from %.1fms", sf_reason_name((enum sf_reason)o->reason),
		 o->code, o->status, task, (int)o->pid,
		 o->alt_pid ? " (or the master's)" : "", at);
}
