/*
 * status.c - what a group and its tasks read as from outside the master:
 * the public states of <stopflag.h> (enum sf_task_state, enum
 * sf_group_state) derived from the supervisor's own (enum sf__state, the
 * group's phase), and the state hook that tells of their changes.
 *
 *   supervisor's state           task's public state
 *   DOWN, never started          STARTING (EXITED once the group stops)
 *   DOWN, rerun                  RESTARTING
 *   DOWN, ended, no rerun        EXITED
 *   UP                           READY if it said so since its start, UP
 *   CYCLING                      RESTARTING
 *   STOPPING                     STOPPING
 *
 * The supervisor (supervise.c) marks g->state_changed when a dispatch
 * changes what a task reads as, the master (master.c) when the group's
 * phase changes; the master calls sf__state_hook() once per wakeup.
 */
#include <errno.h>

#include "group.h"

const char *sf_task_state_name(enum sf_task_state state)
{
	switch (state) {
	case SF_TASK_STARTING:   return "starting";
	case SF_TASK_UP:         return "up";
	case SF_TASK_READY:      return "ready";
	case SF_TASK_STOPPING:   return "stopping";
	case SF_TASK_RESTARTING: return "restarting";
	case SF_TASK_EXITED:     return "exited";
	}
	return "unknown";
}

const char *sf_group_state_name(enum sf_group_state state)
{
	switch (state) {
	case SF_GROUP_NEW:      return "new";
	case SF_GROUP_STARTING: return "starting";
	case SF_GROUP_RUNNING:  return "running";
	case SF_GROUP_STOPPING: return "stopping";
	case SF_GROUP_STOPPED:  return "stopped";
	}
	return "unknown";
}

static enum sf_task_state down_state(const sf_group *g,
				     const struct sf_task *t)
{
	if (t->rerun)
		return SF_TASK_RESTARTING;
	if (t->starts == 0 &&
	    (g->phase == SF__STARTING || g->phase == SF__RUNNING))
		return SF_TASK_STARTING;
	return g->phase == SF__NEW ? SF_TASK_STARTING : SF_TASK_EXITED;
}

enum sf_task_state sf__task_state(const sf_group *g, const struct sf_task *t)
{
	switch (t->state) {
	case SF__UP:
		return t->ready ? SF_TASK_READY : SF_TASK_UP;
	case SF__CYCLING:
		return SF_TASK_RESTARTING;
	case SF__STOPPING:
		return SF_TASK_STOPPING;
	default:
		return down_state(g, t);
	}
}

int sf_group_state(const sf_group *g)
{
	if (!g)
		return -EINVAL;
	switch (g->phase) {
	case SF__NEW:      return SF_GROUP_NEW;
	case SF__STARTING: return SF_GROUP_STARTING;
	case SF__RUNNING:  return SF_GROUP_RUNNING;
	case SF__ENDING:   return SF_GROUP_STOPPING;
	default:           return SF_GROUP_STOPPED;
	}
}

int sf_group_task_count(const sf_group *g)
{
	return g ? g->ntasks : -EINVAL;
}

int sf_group_task_status(const sf_group *g, int task_id,
			 struct sf_task_status *status)
{
	const struct sf_task *t;

	if (!g || !status)
		return -EINVAL;
	if (task_id < 0 || task_id >= g->ntasks)
		return -ENOENT;
	t = g->tasks[task_id];
	*status = (struct sf_task_status){
		.name = t->name,
		.pid = t->pid,
		.state = sf__task_state(g, t),
		.restarts = t->starts > 1 ? t->starts - 1 : 0,
		.started_ns = t->pid ? t->started_ns : 0,
	};
	return 0;
}

void sf__state_hook(sf_group *g)
{
	if (!g->state_changed)
		return;
	g->state_changed = false; /* before: the hook may look, not change */
	if (g->on_change)
		g->on_change(g->state_ctx, g);
}
