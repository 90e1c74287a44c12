/*
 * conf.c - the second half of loading a config: sections and keys
 * become group settings and tasks, or are refused with FILE:LINE and the
 * key.  Every problem is collected first and reported together.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <sys/stat.h>

#include "conf.h"
#include "configfile.h"
#include "log.h"
#include "order.h"
#include "parse.h"
#include "policy.h"

/* The embedded default: what stopflagd runs without -c. */
static const char default_config[] =
	"[task heartbeat]\n"
	"type = heartbeat\n"
	"interval = 5s\n"
	"\n"
	"[task stop-file]\n"
	"type = watch-file\n"
	"path = ./stop\n";

#define TASK_PREFIX "task "
#define TASK_NAME_MAX 40

struct loading {
	struct sfd_config *cfg;
	struct sfd_diag *diag;
	const struct sfd_raw_section *section;  /* being read */
	bool nomem;
};

/* A problem with a key of the section being read. */
static void bad_key(struct loading *l, const struct sfd_raw_key *key,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void bad_key(struct loading *l, const struct sfd_raw_key *key,
		    const char *fmt, ...)
{
	char *msg;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg) {
		l->nomem = true;
		return;
	}
	sfd_diag_add(l->diag, key->line, "[%s] %s: %s", l->section->name,
		     key->name, msg);
	free(msg);
}

/* A value that a parser refused: "KEY: why: 'value'". */
static void bad_value(struct loading *l, const struct sfd_raw_key *key,
		      const char *why)
{
	bad_key(l, key, "%s: '%s'", why, key->value);
}

/* ------------------------------------------------------------------ */
/* [stopflagd]                                                         */
/* ------------------------------------------------------------------ */

static const char *const restart_names[] = {
	[SF_TEMPORARY] = "temporary",
	[SF_TRANSIENT] = "transient",
	[SF_PERMANENT] = "permanent",
};

static int lookup(const char *const *names, size_t n, const char *value)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], value) == 0)
			return (int)i;
	return -1;
}

/* A duration of at least min ms into *ms. */
static void get_duration(struct loading *l, const struct sfd_raw_key *key,
			 int min, int *ms)
{
	const char *why;

	if (sfd_parse_duration(key->value, ms, &why) < 0)
		bad_value(l, key, why);
	else if (*ms < min)
		bad_value(l, key, "must be more than 0");
}

/* An output mode (group or task) into *out; journal only with libsystemd. */
static void get_output(struct loading *l, const struct sfd_raw_key *key,
		       int *out)
{
	int v = lookup(sf__output_names, SF__NOUTPUTS, key->value);

	if (v < 0)
		bad_value(l, key, "not an output (inherit, prefix, journal "
			  "or auto)");
#ifndef HAVE_LIBSYSTEMD
	else if (v == SF_OUTPUT_JOURNAL)
		bad_value(l, key, "this stopflagd was built without "
			  "libsystemd, which journal streams need");
#endif
	else
		*out = v;
}

static void group_key(struct loading *l, const struct sfd_raw_key *key)
{
	struct sfd_config *cfg = l->cfg;
	const char *why;
	int v;

	if (strcmp(key->name, "grace") == 0) {
		get_duration(l, key, 0, &cfg->grace_ms);
	} else if (strcmp(key->name, "restart-period") == 0) {
		get_duration(l, key, 1, &cfg->restart_period_ms);
	} else if (strcmp(key->name, "max-restarts") == 0) {
		if (sfd_parse_count(key->value, SF_MAX_RESTARTS, &cfg->max_restarts,
				    &why) < 0)
			bad_value(l, key, why);
	} else if (strcmp(key->name, "strategy") == 0) {
		v = lookup(sf__strategy_names, SF__NSTRATEGIES, key->value);
		if (v < 0)
			bad_value(l, key, "not a strategy (stop-all, "
				  "one-for-one, one-for-all or rest-for-one)");
		else
			cfg->strategy = (enum sf_strategy)v;
	} else if (strcmp(key->name, "output") == 0) {
		v = (int)cfg->output;
		get_output(l, key, &v);
		cfg->output = (enum sf_output)v;
	} else {
		bad_key(l, key, "unknown key (known here: grace, strategy, "
			"max-restarts, restart-period, output)");
	}
}

/* ------------------------------------------------------------------ */
/* [task NAME]                                                         */
/* ------------------------------------------------------------------ */

static const char *const type_names[] = {
	[SFD_EXEC] = "exec",
	[SFD_HEARTBEAT] = "heartbeat",
	[SFD_WATCH_FILE] = "watch-file",
	[SFD_PLUGIN] = "plugin",
};

static void set_restart(struct loading *l, struct sfd_task_conf *t,
			const struct sfd_raw_key *key)
{
	int v = lookup(restart_names, 3, key->value);

	if (v < 0)
		bad_value(l, key, "not a restart type (temporary, transient "
			  "or permanent)");
	else
		t->restart = (enum sf_restart)v;
}

static void set_command(struct loading *l, struct sfd_task_conf *t,
			const struct sfd_raw_key *key)
{
	const char *why;
	int column, err;

	err = sfd_split_command(key->value, &t->argv, &why, &column);
	if (err == -ENOMEM)
		l->nomem = true;
	else if (err < 0 && column > 0)
		bad_key(l, key, "%s (column %d of '%s')", why, column,
			key->value);
	else if (err < 0)
		bad_value(l, key, why);
}

static void set_stop_signal(struct loading *l, struct sfd_task_conf *t,
			    const struct sfd_raw_key *key)
{
	const char *why;

	if (sfd_parse_signal(key->value, &t->stop_signal, &why) < 0)
		bad_value(l, key, why);
}

static void set_flag(struct loading *l, struct sfd_task_conf *t,
		     const struct sfd_raw_key *key)
{
	if (strcmp(key->value, "yes") == 0)
		t->no_flag = false;
	else if (strcmp(key->value, "no") == 0)
		t->no_flag = true;
	else
		bad_value(l, key, "give yes or no");
}

static void set_output(struct loading *l, struct sfd_task_conf *t,
		       const struct sfd_raw_key *key)
{
	get_output(l, key, &t->output);
}

static void set_interval(struct loading *l, struct sfd_task_conf *t,
			 const struct sfd_raw_key *key)
{
	get_duration(l, key, 1, &t->interval_ms);
}

/* Split path into an absolute directory (which must exist now, so that
 * --daemonize's chdir("/") cannot change what is watched) and a name. */
static void set_path(struct loading *l, struct sfd_task_conf *t,
		     const struct sfd_raw_key *key)
{
	const char *path = key->value, *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	char *dir, *abs;
	struct stat st;

	if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		bad_value(l, key, "give the path of a file to wait for");
		return;
	}
	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	abs = dir ? realpath(dir, NULL) : NULL;
	if (!dir || (!abs && errno == ENOMEM)) {
		l->nomem = true;
	} else if (!abs || stat(abs, &st) < 0 || !S_ISDIR(st.st_mode)) {
		bad_key(l, key, "cannot watch directory '%s': %s", dir,
			abs ? "not a directory" : strerror(errno));
	} else {
		t->watch_dir = abs;
		t->watch_name = strdup(name);
		abs = NULL;
		l->nomem |= t->watch_name == NULL;
	}
	free(abs);
	free(dir);
}

static const char *const ready_names[] = {
	[SF_READY_STARTED] = "started",
	[SF_READY_NOTIFY] = "notify",
};

/* A heartbeat or watch-file task is ready once started: it never says
 * so itself, so under `ready = notify` it could never become ready. */
static void set_ready(struct loading *l, struct sfd_task_conf *t,
		      const struct sfd_raw_key *key)
{
	int v = lookup(ready_names, 2, key->value);

	if (v < 0) {
		bad_value(l, key, "not a ready mode (started or notify)");
		return;
	}
	t->ready_mode = (enum sf_ready)v;
	t->ready_line = key->line;
	if (v == SF_READY_NOTIFY &&
	    (t->type == SFD_HEARTBEAT || t->type == SFD_WATCH_FILE))
		bad_key(l, key, "a %s task never says it is ready: it could "
			"never become ready (it is ready once started, as "
			"with ready = started)", type_names[t->type]);
}

static void set_ready_timeout(struct loading *l, struct sfd_task_conf *t,
			      const struct sfd_raw_key *key)
{
	get_duration(l, key, 1, &t->ready_timeout_ms);
}

static void set_after(struct loading *l, struct sfd_task_conf *t,
		      const struct sfd_raw_key *key)
{
	const char *why;
	int column, err;

	t->after_line = key->line;
	err = sfd_split_command(key->value, &t->after, &why, &column);
	if (err == -ENOMEM) {
		l->nomem = true;
		return;
	}
	if (err < 0) {
		bad_value(l, key, "give the names of tasks, separated by blanks");
		return;
	}
	t->n_after = (size_t)err;
}

/* The module is the config's, not the task's: it must stay loaded while
 * the task runs, after sfd_config_drop_tasks(). */
static void set_module(struct loading *l, struct sfd_task_conf *t,
		       const struct sfd_raw_key *key)
{
	struct sfd_config *cfg = l->cfg;
	struct sfd_plugin plugin, *more;
	char why[512];

	if (*key->value == '\0') {
		bad_value(l, key, "empty module path");
		return;
	}
	if (sfd_plugin_load(key->value, &plugin, why, sizeof(why)) < 0) {
		bad_key(l, key, "%s", why);
		return;
	}
	more = reallocarray(cfg->plugins, cfg->n_plugins + 1, sizeof(*more));
	if (!more) {
		sfd_plugin_close(&plugin);
		l->nomem = true;
		return;
	}
	cfg->plugins = more;
	cfg->plugins[cfg->n_plugins++] = plugin;
	t->plugin_fn = plugin.fn;
}

#define ALL_TYPES 0xf
#define TYPE(t) (1u << (t))

static const struct task_key {
	const char *name;
	unsigned types;  /* TYPE() bits of the types that take it */
	bool required;
	void (*set)(struct loading *, struct sfd_task_conf *,
		    const struct sfd_raw_key *);
} task_keys[] = {
	{ "restart", ALL_TYPES, false, set_restart },
	{ "command", TYPE(SFD_EXEC), true, set_command },
	{ "flag", TYPE(SFD_EXEC), false, set_flag },
	{ "stop-signal", ALL_TYPES, false, set_stop_signal },
	{ "output", ALL_TYPES, false, set_output },
	{ "interval", TYPE(SFD_HEARTBEAT), false, set_interval },
	{ "path", TYPE(SFD_WATCH_FILE), true, set_path },
	{ "module", TYPE(SFD_PLUGIN), true, set_module },
	{ "ready", ALL_TYPES, false, set_ready },
	{ "ready-timeout", ALL_TYPES, false, set_ready_timeout },
	{ "after", ALL_TYPES, false, set_after },
};
#define N_TASK_KEYS (sizeof(task_keys) / sizeof(*task_keys))

static const struct task_key *find_task_key(const char *name)
{
	for (size_t i = 0; i < N_TASK_KEYS; i++)
		if (strcmp(task_keys[i].name, name) == 0)
			return &task_keys[i];
	return NULL;
}

/* A key of a plugin task that stopflagd does not use: the plugin's. */
static void add_option(struct loading *l, struct sfd_task_conf *t,
		       const struct sfd_raw_key *key)
{
	struct sfd_option *o;

	o = realloc(t->options, (t->n_options + 1) * sizeof(*o));
	if (!o) {
		l->nomem = true;
		return;
	}
	t->options = o;
	o[t->n_options].key = strdup(key->name);
	o[t->n_options].value = strdup(key->value);
	if (!o[t->n_options].key || !o[t->n_options].value) {
		free(o[t->n_options].key);
		free(o[t->n_options].value);
		l->nomem = true;
		return;
	}
	t->n_options++;
}

static void task_key(struct loading *l, struct sfd_task_conf *t,
		     const struct sfd_raw_key *key)
{
	const struct task_key *k = find_task_key(key->name);
	const char *type = type_names[t->type];

	if (strcmp(key->name, "type") == 0)
		return;
	if (k && (k->types & TYPE(t->type)))
		k->set(l, t, key);
	else if (t->type == SFD_PLUGIN)
		add_option(l, t, key);
	else if (k)
		bad_key(l, key, "not a key of %s tasks", type);
	else
		bad_key(l, key, "unknown key for %s tasks", type);
}

/* A ready-timeout waits for a task to say it is ready: one that is ready
 * once started would make it a key that does nothing. */
static void check_ready_timeout(struct loading *l,
				const struct sfd_task_conf *t)
{
	const struct sfd_raw_key *key = sfd_raw_key_find(l->section,
							 "ready-timeout");

	if (key && t->ready_mode != SF_READY_NOTIFY)
		bad_key(l, key, "only a task with ready = notify waits to be "
			"ready; this one is ready once started");
}

static void check_required(struct loading *l, const struct sfd_task_conf *t)
{
	const struct sfd_raw_section *s = l->section;

	for (size_t i = 0; i < N_TASK_KEYS; i++)
		if (task_keys[i].required && (task_keys[i].types & TYPE(t->type)) &&
		    !sfd_raw_key_find(s, task_keys[i].name))
			sfd_diag_add(l->diag, s->line, "[%s] %s: missing; %s "
				     "tasks need it", s->name, task_keys[i].name,
				     type_names[t->type]);
}

static bool valid_task_name(const char *name)
{
	size_t len = strlen(name);

	return len > 0 && len <= TASK_NAME_MAX &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789-_.") == len;
}

/* The type key, first: what the other keys mean depends on it. */
static bool task_type(struct loading *l, struct sfd_task_conf *t)
{
	const struct sfd_raw_section *s = l->section;
	const struct sfd_raw_key *key = sfd_raw_key_find(s, "type");
	int type;

	if (!key) {
		sfd_diag_add(l->diag, s->line, "[%s] type: missing; a task "
			     "needs one (exec, heartbeat, watch-file or plugin)",
			     s->name);
		return false;
	}
	type = lookup(type_names, 4, key->value);
	if (type < 0) {
		bad_value(l, key, "unknown task type (exec, heartbeat, "
			  "watch-file or plugin)");
		return false;
	}
	t->type = (enum sfd_task_type)type;
	return true;
}

static void task_section(struct loading *l, struct sfd_task_conf *t)
{
	const struct sfd_raw_section *s = l->section;

	t->line = s->line;
	t->interval_ms = 5000;
	t->output = -1;
	t->name = strdup(s->name + strlen(TASK_PREFIX));
	if (!t->name) {
		l->nomem = true;
		return;
	}
	if (!valid_task_name(t->name))
		sfd_diag_add(l->diag, s->line, "[%s]: a task name is 1 to %d "
			     "letters, digits, '-', '_' or '.'", s->name,
			     TASK_NAME_MAX);
	if (!task_type(l, t))
		return;
	for (size_t i = 0; i < s->n_keys; i++)
		task_key(l, t, &s->keys[i]);
	check_required(l, t);
	check_ready_timeout(l, t);
}

/* ------------------------------------------------------------------ */
/* The whole file                                                      */
/* ------------------------------------------------------------------ */

static bool is_task_section(const char *name)
{
	return strncmp(name, TASK_PREFIX, strlen(TASK_PREFIX)) == 0;
}

/* Another section of the same name earlier in the file, or NULL. */
static const struct sfd_raw_section *
earlier_section(const struct sfd_raw_config *raw, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(raw->sections[j].name, raw->sections[i].name) == 0)
			return &raw->sections[j];
	return NULL;
}

static void section(struct loading *l, const struct sfd_raw_config *raw,
		    size_t i)
{
	const struct sfd_raw_section *s = &raw->sections[i], *first;

	l->section = s;
	first = earlier_section(raw, i);
	if (first && is_task_section(s->name))
		sfd_diag_add(l->diag, s->line, "[%s]: duplicate task name "
			     "'%s' (first on line %d)", s->name,
			     s->name + strlen(TASK_PREFIX), first->line);
	else if (first)
		sfd_diag_add(l->diag, s->line, "[%s]: given twice (first on "
			     "line %d)", s->name, first->line);
	else if (strcmp(s->name, "stopflagd") == 0)
		for (size_t k = 0; k < s->n_keys; k++)
			group_key(l, &s->keys[k]);
	else if (is_task_section(s->name))
		task_section(l, &l->cfg->tasks[l->cfg->n_tasks++]);
	else if (strcmp(s->name, "task") == 0)
		sfd_diag_add(l->diag, s->line, "[task]: a task section needs "
			     "a name: [task NAME]");
	else
		sfd_diag_add(l->diag, s->line, "[%s]: unknown section (use "
			     "[stopflagd] or [task NAME])", s->name);
}

static void build(struct loading *l, const struct sfd_raw_config *raw)
{
	struct sfd_config *cfg = l->cfg;

	cfg->grace_ms = SF__DEFAULT_GRACE_MS;
	cfg->strategy = SF__DEFAULT_STRATEGY;
	cfg->max_restarts = SF__DEFAULT_MAX_RESTARTS;
	cfg->restart_period_ms = SF__DEFAULT_PERIOD_MS;
	cfg->output = SF__DEFAULT_DAEMON_OUTPUT;
	cfg->tasks = calloc(raw->n_sections + 1, sizeof(*cfg->tasks));
	if (!cfg->tasks) {
		l->nomem = true;
		return;
	}
	for (size_t i = 0; i < raw->n_sections && !l->nomem; i++)
		section(l, raw, i);
	if (cfg->n_tasks == 0 && l->diag->n == 0)
		sfd_diag_add(l->diag, 0, "no [task NAME] section: nothing to run");
	if (!l->nomem && sfd_order_check(cfg, l->diag) < 0)
		l->nomem = true;
}

static FILE *open_config(const char *path)
{
	if (!path)
		return fmemopen((void *)default_config,
				sizeof(default_config) - 1, "r");
	return fopen(path, "re");
}

int sfd_config_load(const char *path, struct sfd_config *cfg)
{
	struct sfd_diag diag = { .file = path ? path : SFD_DEFAULT_CONFIG_NAME };
	struct loading l = { .cfg = cfg, .diag = &diag };
	struct sfd_raw_config raw;
	int err, status = 0;
	FILE *f;

	*cfg = (struct sfd_config){ .file = strdup(diag.file) };
	f = open_config(path);
	if (!f || !cfg->file) {
		err = cfg->file ? errno : ENOMEM;
		sfd_error("cannot read %s: %s", diag.file, strerror(err));
		if (f)
			fclose(f);
		sfd_config_free(cfg);
		return err == ENOMEM ? EX_OSERR : EX_NOINPUT;
	}
	err = sfd_configfile_read(f, &raw, &diag);
	fclose(f);
	if (err == 0) {
		build(&l, &raw);
		sfd_configfile_free(&raw);
	}
	if (err == -ENOMEM || l.nomem || diag.nomem)
		status = EX_OSERR;
	else if (err < 0)
		status = EX_NOINPUT;
	else if (diag.n > 0)
		status = EX_CONFIG;
	if (err < 0 && err != -ENOMEM)
		sfd_error("cannot read %s: %s", diag.file, strerror(-err));
	else if (status == EX_OSERR)
		sfd_error("%s: out of memory while loading it", diag.file);
	else if (status == EX_CONFIG && sfd_diag_report(&diag) > 0)
		sfd_error("%s: refused; nothing was started", diag.file);
	sfd_diag_free(&diag);
	if (status != 0)
		sfd_config_free(cfg);
	return status;
}

void sfd_config_drop_tasks(struct sfd_config *cfg)
{
	for (size_t i = 0; i < cfg->n_tasks; i++) {
		struct sfd_task_conf *t = &cfg->tasks[i];

		for (size_t k = 0; k < t->n_options; k++) {
			free(t->options[k].key);
			free(t->options[k].value);
		}
		free(t->options);
		free(t->watch_dir);
		free(t->watch_name);
		free(t->argv);
		free(t->after);
		free(t->after_ids);
		free(t->name);
	}
	free(cfg->tasks);
	cfg->tasks = NULL;
	cfg->n_tasks = 0;
}

void sfd_config_free(struct sfd_config *cfg)
{
	sfd_config_drop_tasks(cfg);
	for (size_t i = 0; i < cfg->n_plugins; i++)
		sfd_plugin_close(&cfg->plugins[i]);
	free(cfg->plugins);
	free(cfg->file);
	*cfg = (struct sfd_config){ 0 };
}
