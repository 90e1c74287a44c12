/*
 * order.c - `after` resolved and checked: names, never-ready tasks and
 * cycles (a depth-first search, with a stack of its own, whose back
 * edges are the cycles).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "order.h"

static int find_task(const struct sfd_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_tasks; i++)
		if (strcmp(cfg->tasks[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Whether task t can become ready at all. */
static bool can_be_ready(const struct sfd_task_conf *t)
{
	return t->ready_mode != SF_READY_NOTIFY ||
	       (t->type != SFD_HEARTBEAT && t->type != SFD_WATCH_FILE);
}

/* One name of t's `after`: its id, or -1 after saying why not. */
static int resolve(const struct sfd_config *cfg,
		   const struct sfd_task_conf *t, const char *name,
		   struct sfd_diag *d)
{
	int id = find_task(cfg, name);

	if (id < 0)
		sfd_diag_add(d, t->after_line, "[task %s] after: no task named "
			     "'%s' in this file", t->name, name);
	else if (&cfg->tasks[id] == t)
		sfd_diag_add(d, t->after_line, "[task %s] after: a task cannot "
			     "be after itself", t->name);
	else if (!can_be_ready(&cfg->tasks[id]))
		sfd_diag_add(d, t->after_line, "[task %s] after: task '%s' can "
			     "never become ready (ready = notify on line %d: a "
			     "%s task never says it is ready)", t->name, name,
			     cfg->tasks[id].ready_line,
			     cfg->tasks[id].type == SFD_HEARTBEAT ?
			     "heartbeat" : "watch-file");
	else
		return id;
	return -1;
}

static int resolve_all(struct sfd_config *cfg, struct sfd_diag *d)
{
	for (size_t i = 0; i < cfg->n_tasks; i++) {
		struct sfd_task_conf *t = &cfg->tasks[i];

		if (t->n_after == 0)
			continue;
		t->after_ids = calloc(t->n_after, sizeof(*t->after_ids));
		if (!t->after_ids)
			return -ENOMEM;
		for (size_t k = 0; k < t->n_after; k++)
			t->after_ids[k] = resolve(cfg, t, t->after[k], d);
	}
	return 0;
}

/* ------------------------------------------------------------ cycles */

enum { WHITE, GREY, BLACK };

struct search {
	const struct sfd_config *cfg;
	struct sfd_diag *d;
	char *color;
	int *path;   /* the grey tasks, in the order they were entered */
	size_t *edge; /* per task: the next of its `after` to follow */
	int depth;
	bool nomem;
};

/* The cycle from path[from] to the end of the path and back. */
static void report_cycle(struct search *s, int from)
{
	const struct sfd_task_conf *first = &s->cfg->tasks[s->path[from]];
	size_t len = 1, at = 0;
	char *text;

	for (int i = from; i < s->depth; i++)
		len += strlen(s->cfg->tasks[s->path[i]].name) + 4;
	len += strlen(first->name);
	text = malloc(len);
	if (!text) {
		s->nomem = true;
		return;
	}
	for (int i = from; i < s->depth; i++)
		at += (size_t)snprintf(text + at, len - at, "%s -> ",
				       s->cfg->tasks[s->path[i]].name);
	snprintf(text + at, len - at, "%s", first->name);
	sfd_diag_add(s->d, first->after_line, "[task %s] after: a cycle, so "
		     "none of them could ever start: %s", first->name, text);
	free(text);
}

static void enter(struct search *s, int id)
{
	s->color[id] = GREY;
	s->path[s->depth++] = id;
}

/* Every task reachable from root, each edge once. */
static void search_from(struct search *s, int root)
{
	enter(s, root);
	while (s->depth > 0) {
		int id = s->path[s->depth - 1], next;
		const struct sfd_task_conf *t = &s->cfg->tasks[id];
		size_t k = s->edge[id]++;

		if (k >= t->n_after) { /* every edge of it followed */
			s->color[id] = BLACK;
			s->depth--;
			continue;
		}
		next = t->after_ids[k];
		if (next < 0 || s->color[next] == BLACK)
			continue;
		if (s->color[next] == WHITE) {
			enter(s, next);
			continue;
		}
		for (int i = 0; i < s->depth; i++) /* grey: a back edge */
			if (s->path[i] == next)
				report_cycle(s, i);
	}
}

int sfd_order_check(struct sfd_config *cfg, struct sfd_diag *d)
{
	struct search s = { .cfg = cfg, .d = d };

	if (resolve_all(cfg, d) < 0)
		return -ENOMEM;
	s.color = calloc(cfg->n_tasks + 1, 1);
	s.path = calloc(cfg->n_tasks + 1, sizeof(*s.path));
	s.edge = calloc(cfg->n_tasks + 1, sizeof(*s.edge));
	if (!s.color || !s.path || !s.edge)
		s.nomem = true;
	for (size_t i = 0; i < cfg->n_tasks && !s.nomem; i++)
		if (s.color[i] == WHITE)
			search_from(&s, (int)i);
	free(s.color);
	free(s.path);
	free(s.edge);
	return s.nomem ? -ENOMEM : 0;
}
