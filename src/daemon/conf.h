/*
 * conf.h - stopflagd's configuration: an INI file (read with libinih)
 * turned into group settings and a list of tasks, or refused whole.
 *
 * Loading never starts anything.  It does touch the file system where a
 * value can only be checked there: a plugin module is loaded (dlopen) and
 * checked, a watch-file's directory is resolved to an absolute path.
 */
#ifndef SFD_CONF_H
#define SFD_CONF_H

#include <stddef.h>

#include <stopflag.h>

#include "plugin.h"

/* A key given to a plugin task that stopflagd does not know itself. */
struct sfd_option {
	char *key;
	char *value;
};

enum sfd_task_type {
	SFD_EXEC,
	SFD_HEARTBEAT,
	SFD_WATCH_FILE,
	SFD_PLUGIN,
};

struct sfd_task_conf {
	char *name;
	int line;                 /* of its [task NAME] header */
	enum sfd_task_type type;
	enum sf_restart restart;
	int stop_signal;          /* 0: the library's default (SIGTERM) */
	char **argv;              /* exec: one allocation */
	bool no_flag;             /* exec: `flag = no`, no STOPFLAG_FD */
	int output;               /* enum sf_output, or -1: the group's */
	int interval_ms;          /* heartbeat */
	char *watch_dir;          /* watch-file: absolute directory ... */
	char *watch_name;         /* ... and the name that appears in it */
	sf_task_fn *plugin_fn;    /* plugin: its entry point, in a module
				     of cfg->plugins */
	struct sfd_option *options;
	size_t n_options;
	enum sf_ready ready_mode; /* `ready` */
	int ready_line;           /* of `ready = notify`, or 0 */
	int ready_timeout_ms;     /* `ready-timeout`, 0: none */
	char **after;             /* `after`: names (one allocation), or NULL */
	size_t n_after;
	int after_line;           /* of `after`, or 0 */
	int *after_ids;           /* the names as task indexes (order.c) */
};

struct sfd_config {
	char *file;               /* as named in messages */
	int grace_ms;
	enum sf_strategy strategy;
	int max_restarts;
	int restart_period_ms;
	enum sf_output output;
	struct sfd_task_conf *tasks;
	size_t n_tasks;
	struct sfd_plugin *plugins; /* the modules loaded, open until
				       sfd_config_free() */
	size_t n_plugins;
};

/* The name the embedded default goes by in messages. */
#define SFD_DEFAULT_CONFIG_NAME "(embedded default)"

/*
 * Load the config file `path`, or the embedded default when path is NULL.
 * Every problem is reported through sfd_error() as "FILE:LINE: KEY: what"
 * (in line order), and then nothing is returned.
 * Returns 0 and fills *cfg, or the exit status to leave with (sysexits.h): 78 (a bad
 * config, EX_CONFIG), 66 (the file is missing or unreadable, EX_NOINPUT),
 * 71 (out of memory, EX_OSERR).
 */
int sfd_config_load(const char *path, struct sfd_config *cfg);

/*
 * Free the tasks' part of cfg (n_tasks becomes 0); the group settings and
 * the plugin modules stay.  sfd_run() calls it once the group holds what
 * it needs of them: otherwise every function task's fork would copy them
 * (the task array alone is 160 KiB for 1000 tasks), and each task would
 * tear them down again at the stop.
 */
void sfd_config_drop_tasks(struct sfd_config *cfg);

/* Free what sfd_config_load() filled in, and close its plugin modules. */
void sfd_config_free(struct sfd_config *cfg);

#endif
