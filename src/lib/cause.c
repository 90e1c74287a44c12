/*
 * cause.c - the one record of a group's stop (struct sf__stop): what
 * started it, the task it names, the exit status it makes, and its text.
 *
 * Three things can stop a group, and the first one counts:
 *   - a stop signal to the master: its handler sets the flag and keeps the
 *     signal in the master's own memory (sf__cause_from_signal());
 *   - the master's own decision, a task's end or a failed start
 *     (sf__cause_record()), kept if the master's set of the flag came
 *     first;
 *   - a set of the flag by somebody else (a task's request, a task's
 *     handler), found on the shared page.
 * The master's own record wins over the page, which a task may scribble
 * over: a stop signal whose set came first, even if a task erased it from
 * the page since, then the master's own decision.  One a task set is read
 * from the page once, at the stop (sf__cause_settle()), and names the
 * task whose pid it carries.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "group.h"

void sf__cause_begin(sf_group *g)
{
	g->stop = (struct sf__stop){ .task = -1 };
}

/* Async-signal-safe: sf_flag_set() (lock free, keeps errno), loads and
 * stores to volatile sig_atomic_t. */
void sf__cause_from_signal(sf_group *g, int signo)
{
	if (sf_flag_set(g->flag, SF_REASON_SIGNAL, signo) == 1 &&
	    !g->stop.signal_first)
		g->stop.signal_first = signo;
	if (!g->stop.signal_seen)
		g->stop.signal_seen = signo;
}

/* Set the flag for the master, and keep the cause if this set came first:
 * the master trusts only its own copy, never the page.  A stop signal the
 * master got before came first, even if a task erased it from the page
 * since. */
void sf__cause_record(sf_group *g, const struct sf_task *t,
		      enum sf_reason reason, int code, int start_status)
{
	struct sf_cause cause = { reason, code, t->last_pid };

	if (sf_flag_set_cause(g->flag, &cause) == 1 && !g->stop.signal_first) {
		g->stop.own = true;
		g->stop.cause = cause;
		g->stop.task = t->id;
		g->stop.start_status = start_status;
	}
}

void sf__cause_seen(sf_group *g)
{
	g->stop.seen = true;
}

bool sf__stop_due(const sf_group *g)
{
	return g->stop.seen || g->stop.signal_seen || sf_flag_is_set(g->flag);
}

const char *sf__cause_settle(sf_group *g)
{
	struct sf__stop *s = &g->stop;

	if (s->own)
		return g->tasks[s->task]->name;
	if (s->signal_first) { /* the page may have lost it since */
		s->cause = (struct sf_cause){ SF_REASON_SIGNAL, s->signal_first,
					      getpid() };
		return NULL;
	}
	if (sf_flag_cause(g->flag, &s->cause) < 0)
		s->cause = (struct sf_cause){ SF_REASON_NONE, 0, 0 };
	for (int i = 0; i < g->ntasks && s->cause.pid > 0; i++)
		if (g->tasks[i]->last_pid == s->cause.pid)
			s->task = i;
	return s->task >= 0 ? g->tasks[s->task]->name : NULL;
}

/* The exit status table (README "Exit status"). */
int sf__cause_exit_status(const sf_group *g)
{
	const struct sf_cause *c = &g->stop.cause;

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
		return g->stop.own ? g->stop.start_status : SF__EX_OSERR;
	default:
		return SF__EX_SOFTWARE;
	}
}

int sf_group_cause(const sf_group *g, struct sf_cause *cause,
		   const char **task_name)
{
	if (!g || !cause)
		return -EINVAL;
	if (g->phase < SF__ENDING)
		return -EAGAIN;
	*cause = g->stop.cause;
	if (task_name)
		*task_name = g->stop.task >= 0 ?
			     g->tasks[g->stop.task]->name : NULL;
	return 0;
}

/* strerror() without its buffer: thread-safe. */
static int format_errno(char *buf, size_t size, const char *task,
			const char *who, int errnum)
{
	const char *text = strerrordesc_np(errnum);

	if (text)
		return snprintf(buf, size, "%s%s could not start: %s",
				task ? "task " : "", who, text);
	return snprintf(buf, size, "%s%s could not start: unknown error %d",
			task ? "task " : "", who, errnum);
}

int sf_cause_format(const struct sf_cause *c, const char *task, char *buf,
		    size_t size)
{
	const char *who = task ? task : "a task";
	const char *as_task = task ? "task " : "";

	if (!c || (!buf && size > 0))
		return -EINVAL;
	switch (c->reason) {
	case SF_REASON_SIGNAL:
		return snprintf(buf, size, "signal %d (%s)%s%s", c->code,
				sf__signal_name(c->code), task ? " to task " : "",
				task ? task : "");
	case SF_REASON_REQUEST:
		return snprintf(buf, size, "request (code %d) from %s%s",
				c->code, as_task, who);
	case SF_REASON_EXITED:
		return snprintf(buf, size, "%s%s exited with status %d",
				as_task, who, c->code);
	case SF_REASON_KILLED:
		return snprintf(buf, size, "%s%s was killed by signal %d (%s)",
				as_task, who, c->code, sf__signal_name(c->code));
	case SF_REASON_PARENT_DIED:
		return snprintf(buf, size, "%s%s saw its parent die", as_task,
				who);
	case SF_REASON_START_FAILED:
		if (c->code == ETIME) /* the ready-timeout (supervise.c) */
			return snprintf(buf, size, "%s%s was not ready in time",
					as_task, who);
		return format_errno(buf, size, task, who, c->code);
	default:
		return snprintf(buf, size, "no known cause (reason %d, code "
				"%d): the shared page was overwritten",
				(int)c->reason, c->code);
	}
}
