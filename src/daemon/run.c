/*
 * run.c - struct sfd_config -> sf_group -> exit status.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <stopflag.h>

#include "daemonize.h"
#include "log.h"
#include "notify.h"
#include "parse.h"
#include "policy.h"
#include "run.h"
#include "statusfile.h"
#include "tasks.h"

struct running {
	size_t n_tasks;
	struct sfd_status_writer *status;
	char progress[256];   /* the last STATUS= of the start, told once */
};

int sfd_ready_progress(const sf_group *g, char *buf, size_t size)
{
	static const char more[] = ", ...";
	int n = sf_group_task_count(g), ready = 0, waiting = 0;
	struct sf_task_status t;
	size_t len;

	for (int i = 0; i < n; i++)
		if (sf_group_task_status(g, i, &t) == 0 &&
		    t.state == SF_TASK_READY)
			ready++;
	len = (size_t)snprintf(buf, size, "%d/%d ready", ready, n);
	for (int i = 0; i < n && len < size; i++) {
		const char *sep;

		if (sf_group_task_status(g, i, &t) < 0 ||
		    t.state == SF_TASK_READY)
			continue;
		sep = waiting++ ? ", " : ", waiting for ";
		/* room for this name, and for ", ..." after it */
		if (len + strlen(sep) + strlen(t.name) + sizeof(more) > size) {
			if (len + sizeof(more) <= size)
				len += (size_t)snprintf(buf + len, size - len,
							"%s", more);
			break;
		}
		len += (size_t)snprintf(buf + len, size - len, "%s%s", sep,
					t.name);
	}
	return (int)len;
}

/* In the master, after any change of a task's state: the status file,
 * and systemd's STATUS= while the start goes on. */
static void on_change(void *ctx, const sf_group *g)
{
	struct running *r = ctx;
	char line[sizeof(r->progress)];

	sfd_status_write(r->status, g);
	if (sf_group_state(g) != SF_GROUP_STARTING ||
	    sfd_ready_progress(g, line, sizeof(line)) < 0 ||
	    strcmp(line, r->progress) == 0)
		return;
	memcpy(r->progress, line, sizeof(line));
	sfd_notify_status(line);
}

static void on_ready(void *ctx)
{
	const struct running *r = ctx;
	char status[128];

	snprintf(status, sizeof(status), "running %zu tasks", r->n_tasks);
	sfd_log(LOG_INFO, NULL, "%s", status);
	sfd_notify_ready(status);
	sfd_daemon_ready();
}

/* The group logs the stop and its cause itself; systemd hears it here, in
 * the same words. */
static void on_stopping(void *ctx, const struct sf_cause *cause,
			const char *task)
{
	char what[256], status[300];

	(void)ctx;
	sf_cause_format(cause, task, what, sizeof(what));
	snprintf(status, sizeof(status), "stopping: %s", what);
	sfd_notify_stopping(status);
}

/* A watch-file task finds its path in its own record, as a plugin finds
 * its keys: the config is gone by the time it runs (tasks.h). */
static int add_watch_file(sf_group *g, const struct sfd_task_conf *t)
{
	int id = sf_group_add(g, t->name, sfd_watch_file_task, NULL), err;

	if (id < 0)
		return id;
	err = sf_group_set_option(g, id, SFD_WATCH_DIR, t->watch_dir);
	if (err == 0)
		err = sf_group_set_option(g, id, SFD_WATCH_NAME, t->watch_name);
	return err < 0 ? err : id;
}

/* Add one task; returns its id or a negative errno.  Nothing a task is
 * given points into the config (sfd_config_drop_tasks()). */
static int add_task(sf_group *g, const struct sfd_task_conf *t)
{
	switch (t->type) {
	case SFD_EXEC:
		return sf_group_add_exec(g, t->name, t->argv);
	case SFD_HEARTBEAT:
		return sf_group_add(g, t->name, sfd_heartbeat_task,
				    SFD_HEARTBEAT_ARG(t->interval_ms));
	case SFD_WATCH_FILE:
		return add_watch_file(g, t);
	case SFD_PLUGIN:
		return sf_group_add(g, t->name, t->plugin_fn, NULL);
	}
	return -EINVAL;
}

/* Whether a task keeps nothing in a stdio buffer: the built-in ones log
 * with write(2) (log.c), and end without fflush(NULL), which with many of
 * them stopping at once is a measurable part of the stop.  A plugin's
 * task may use stdio, and is flushed. */
static bool uses_no_stdio(const struct sfd_task_conf *t)
{
	return t->type == SFD_HEARTBEAT || t->type == SFD_WATCH_FILE;
}

/* The command of an exec task, for the log: the words, space-separated. */
static void log_command(const struct sfd_task_conf *t)
{
	char line[512];
	size_t n = 0;

	line[0] = '\0';
	for (char **w = t->argv; *w && n < sizeof(line) - 1; w++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s",
				      n ? " " : "", *w);
	sfd_log(LOG_INFO, t->name, "runs: %s", line);
}

static int configure_task(sf_group *g, const struct sfd_task_conf *t)
{
	int id = add_task(g, t), err = id < 0 ? id : 0;

	if (t->type == SFD_EXEC)
		log_command(t);
	if (err == 0)
		err = sf_group_set_restart(g, id, t->restart);
	if (err == 0 && t->stop_signal)
		err = sf_group_set_stop_signal(g, id, t->stop_signal);
	if (err == 0 && t->no_flag)
		err = sf_group_set_pass_flag(g, id, false);
	if (err == 0 && uses_no_stdio(t))
		err = sf_group_set_stdio_flush(g, id, false);
	if (err == 0 && t->output >= 0)
		err = sf_group_set_output(g, id, (enum sf_output)t->output);
	if (err == 0)
		err = sf_group_set_ready_mode(g, id, t->ready_mode);
	if (err == 0)
		err = sf_group_set_ready_timeout(g, id, t->ready_timeout_ms);
	for (size_t i = 0; err == 0 && i < t->n_options; i++)
		err = sf_group_set_option(g, id, t->options[i].key,
					  t->options[i].value);
	if (err < 0)
		sfd_error("task %s: cannot set it up: %s", t->name,
			  sf_strerror(err));
	return err;
}

/* Once every task is in the group: a task may be after a later one.
 * Task ids are file order, as the tasks were added and as
 * sfd_order_check() resolved the names. */
static int configure_order(sf_group *g, const struct sfd_task_conf *t, int id)
{
	int err = 0;

	for (size_t i = 0; err == 0 && i < t->n_after; i++)
		err = sf_group_set_after(g, id, t->after_ids[i]);
	if (err < 0)
		sfd_error("task %s: cannot set its order: %s", t->name,
			  sf_strerror(err));
	return err;
}

static int configure(sf_group *g, const struct sfd_config *cfg,
		     struct running *r)
{
	/* Two processes: a SIGKILL to either leaves nothing running. */
	int err = sf_group_set_keeper(g, true);

	if (err == 0)
		err = sf_group_set_grace(g, cfg->grace_ms);

	if (err == 0)
		err = sf_group_set_strategy(g, cfg->strategy);
	if (err == 0)
		err = sf_group_set_intensity(g, cfg->max_restarts,
					     cfg->restart_period_ms);
	if (err == 0)
		err = sf_group_set_output(g, -1, cfg->output);
	if (err == 0)
		err = sf_group_set_log(g, sfd_log_group, NULL);
	if (err == 0)
		err = sf_group_set_hooks(g, on_ready, on_stopping, r);
	if (err == 0)
		err = sf_group_set_state_hook(g, on_change, r);
	if (err < 0)
		sfd_error("cannot set up the group: %s", sf_strerror(err));
	for (size_t i = 0; err == 0 && i < cfg->n_tasks; i++)
		err = configure_task(g, &cfg->tasks[i]);
	for (size_t i = 0; err == 0 && i < cfg->n_tasks; i++)
		err = configure_order(g, &cfg->tasks[i], (int)i);
	return err;
}

/* The group logs the end itself; systemd hears it here. */
static void notify_end(const sf_group *g, int status)
{
	struct sf_cause cause;
	const char *task = NULL;
	char what[256], line[300];

	if (sf_group_cause(g, &cause, &task) == 0)
		sf_cause_format(&cause, task, what, sizeof(what));
	else
		snprintf(what, sizeof(what), "no cause recorded");
	snprintf(line, sizeof(line), "stopped: %s; exit status %d", what,
		 status);
	sfd_notify_status(line);
}

/* From here on the stop signals set the group's flag: sf_group_run()
 * takes them over while it runs, and puts these back before it returns.
 * A late one (a storm that outlives the stop) then finds a handler, not
 * the default action, and cannot kill stopflagd before it has cleaned up
 * and exited with the group's status.  One that came earlier has waited,
 * blocked since main()'s first line, and sf_group_run() takes it as a stop
 * before the first start (stopsignals.h). */
static int catch_stop_signals(sf_group *g)
{
	int err = 0;

	for (int i = 0; err == 0 && i < SF__NSTOP_SIGNALS; i++)
		err = sf_flag_catch_signal(sf_group_flag(g), sf__stop_signals[i]);
	if (err < 0)
		sfd_error("cannot catch the stop signals: %s", sf_strerror(err));
	return err;
}

int sfd_run(struct sfd_config *cfg, struct sfd_status_writer *status_file)
{
	struct running r = { .n_tasks = cfg->n_tasks, .status = status_file };
	sf_group *g;
	int status;

	status = sf_group_create(&g);
	if (status < 0) {
		sfd_error("cannot create the group: %s", sf_strerror(status));
		return EX_OSERR;
	}
	sfd_log(LOG_INFO, NULL, "starting %zu tasks from %s", cfg->n_tasks,
		cfg->file);
	if (configure(g, cfg, &r) < 0 || catch_stop_signals(g) < 0) {
		sf_group_destroy(g);
		return EX_OSERR;
	}
	sfd_config_drop_tasks(cfg); /* the group has them now */
	sfd_status_write(status_file, g); /* starting, before the master */
	status = sf_group_run(g);
	if (status < 0) {
		sfd_log(LOG_ERR, NULL, "the group could not run: %s",
			sf_strerror(status));
		status = EX_OSERR;
	} else {
		notify_end(g, status);
	}
	sf_group_destroy(g);
	return status;
}
