/*
 * group.c - the group's builder API: create and destroy a group, add its
 * tasks, set what may be set before it runs, and hand out its flag.
 * Running it is master.c's; its stop's record, cause.c's.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "group.h"

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
	/* A memfd page: exec tasks inherit it (flagfd.c, spawn.c). */
	err = sf__flag_create_memfd(&g->flag, &g->flag_fd);
	if (err < 0) {
		free(g);
		return err;
	}
	g->grace_ms = SF__DEFAULT_GRACE_MS;
	g->strategy = SF__DEFAULT_STRATEGY;
	g->max_restarts = SF__DEFAULT_MAX_RESTARTS;
	g->period_ms = SF__DEFAULT_PERIOD_MS;
	*groupp = g;
	return 0;
}

/* What a record holds; the record itself stays in the arena, which
 * goes with the group. */
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
	if (t->notify_fd >= 0)
		close(t->notify_fd);
	free(t->after);
	free(t->argv);
	free(t->options);
	free(t->name);
}

void sf_group_destroy(sf_group *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->ntasks; i++)
		free_task(g->tasks[i]);
	free(g->tasks);
	sf__arena_release(&g->records);
	free(g->restarts);
	sf_flag_destroy(g->flag);
	close(g->flag_fd);
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
	t = sf__arena_alloc(&g->records, sizeof(*t));
	if (!t || !(t->name = strdup(name)))
		return -ENOMEM; /* a record handed out stays until the group goes */
	t->pidfd = -1;
	t->output = -1;
	t->notify_fd = -1;
	t->stop_signal = SF__DEFAULT_STOP_SIGNAL;
	t->restart = SF__DEFAULT_RESTART;
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
	o = sf__task_find_option(g->tasks[task_id], key);
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

	if (err == 0 && (max_restarts < 0 || max_restarts > SF_MAX_RESTARTS ||
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

int sf_group_set_pass_flag(sf_group *g, int task_id, bool pass)
{
	int err = task_settable(g, task_id);

	if (err == 0 && !g->tasks[task_id]->argv)
		err = -EINVAL; /* a function task shares the flag anyway */
	if (err == 0)
		g->tasks[task_id]->no_flag = !pass;
	return err;
}

int sf_group_set_stdio_flush(sf_group *g, int task_id, bool flush)
{
	int err = task_settable(g, task_id);

	if (err == 0 && g->tasks[task_id]->argv)
		err = -EINVAL; /* an exec'd program flushes its own streams */
	if (err == 0)
		g->tasks[task_id]->no_flush = !flush;
	return err;
}

int sf_group_set_output(sf_group *g, int task_id, enum sf_output output)
{
	int err = task_id == -1 ? settable(g) : task_settable(g, task_id);

	if (err == 0 && (output < SF_OUTPUT_INHERIT || output > SF_OUTPUT_AUTO))
		err = -EINVAL;
#ifndef HAVE_LIBSYSTEMD
	if (err == 0 && output == SF_OUTPUT_JOURNAL)
		err = -ENOTSUP; /* sd_journal_stream_fd() is libsystemd's */
#endif
	if (err < 0)
		return task_id < -1 && err == -ENOENT ? -EINVAL : err;
	if (task_id == -1)
		g->output = output;
	else
		g->tasks[task_id]->output = (int)output;
	return 0;
}

int sf_group_set_stop_signal(sf_group *g, int task_id, int signo)
{
	int err = task_settable(g, task_id);

	if (err == 0 && sf__stop_signal_unfit(signo))
		err = -EINVAL;
	if (err == 0)
		g->tasks[task_id]->stop_signal = signo;
	return err;
}

int sf_group_set_ready_mode(sf_group *g, int task_id, enum sf_ready mode)
{
	int err = task_settable(g, task_id);

	if (err == 0 && mode != SF_READY_STARTED && mode != SF_READY_NOTIFY)
		err = -EINVAL;
	if (err == 0)
		g->tasks[task_id]->ready_mode = mode;
	return err;
}

int sf_group_set_ready_timeout(sf_group *g, int task_id, int timeout_ms)
{
	int err = task_settable(g, task_id);

	if (err == 0 && timeout_ms < 0)
		err = -EINVAL;
	if (err == 0)
		g->tasks[task_id]->ready_timeout_ms = timeout_ms;
	return err;
}

/* Whether task `to` can be reached from `from` along `after` (from
 * waits for to, directly or through others).  A search with a stack of
 * its own: each task is pushed once (seen), so ntasks entries do. */
static int waits_for(const sf_group *g, int from, int to)
{
	bool *seen = calloc((size_t)g->ntasks, sizeof(*seen));
	int *stack = calloc((size_t)g->ntasks, sizeof(*stack));
	int n = 0, found = 0;

	if (!seen || !stack) {
		free(seen);
		free(stack);
		return -ENOMEM;
	}
	stack[n++] = from;
	seen[from] = true;
	while (n > 0 && !found) {
		const struct sf_task *t = g->tasks[stack[--n]];

		found = t->id == to;
		for (int i = 0; i < t->nafter; i++)
			if (!seen[t->after[i]]) {
				seen[t->after[i]] = true;
				stack[n++] = t->after[i];
			}
	}
	free(seen);
	free(stack);
	return found;
}

int sf_group_set_after(sf_group *g, int task_id, int after_id)
{
	struct sf_task *t;
	int *after, loop, err = task_settable(g, task_id);

	if (err == 0 && (after_id < 0 || after_id >= g->ntasks))
		err = -ENOENT;
	if (err < 0)
		return err;
	t = g->tasks[task_id];
	for (int i = 0; i < t->nafter; i++)
		if (t->after[i] == after_id)
			return 0;
	loop = waits_for(g, after_id, task_id);
	if (loop != 0)
		return loop < 0 ? loop : -ELOOP;
	after = realloc(t->after, (size_t)(t->nafter + 1) * sizeof(*after));
	if (!after)
		return -ENOMEM;
	after[t->nafter++] = after_id;
	t->after = after;
	return 0;
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

int sf_group_set_state_hook(sf_group *g,
			    void (*on_change)(void *ctx, const sf_group *group),
			    void *ctx)
{
	int err = settable(g);

	if (err == 0) {
		g->on_change = on_change;
		g->state_ctx = ctx;
	}
	return err;
}

int sf_group_set_keeper(sf_group *g, bool keeper)
{
	int err = settable(g);

	if (err == 0)
		g->keeper = keeper;
	return err;
}

sf_flag *sf_group_flag(sf_group *g)
{
	return g ? g->flag : NULL;
}
