/*
 * fuzz-config.c - stopflagd's config loader on any file: the whole INI
 * text through libinih, the section and key rules and every value parser,
 * to a task list or a refusal.
 *
 * Beyond not crashing or leaking: a load ends with 0, 78 (refused) or 71
 * (out of memory), the same twice in a row; and a config it accepts is
 * one stopflagd can run: at least one task, unique non-empty names, group
 * settings in range, an argv for every exec task, an absolute directory
 * for every watch-file task, an entry point for every plugin task, one
 * module loaded for each plugin task, and every module closed again
 * when the config is freed or refused.
 *
 * Plugins are not dlopen()ed here (the fuzzer would name any library on
 * the machine): this file stands in for plugin.c, accepting only the
 * module "fuzz-plugin.so" and refusing every other.  Errors are not
 * printed (sfd_error() is a stub too): the status is the verdict.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sysexits.h>
#include <unistd.h>

#include "daemon/conf.h"
#include "daemon/log.h"
#include "daemon/plugin.h"
#include "fuzz.h"

static int fake_task(sf_task *task, void *arg)
{
	(void)task;
	(void)arg;
	return 0;
}

static int fake_handle;
static int open_modules; /* loaded and not closed yet */

int sfd_plugin_load(const char *module, struct sfd_plugin *plugin,
		    char *why, size_t len)
{
	if (strcmp(module, "fuzz-plugin.so") != 0) {
		snprintf(why, len, "cannot load the module: not while fuzzing");
		return -EINVAL;
	}
	plugin->handle = &fake_handle;
	open_modules++;
	plugin->fn = fake_task;
	plugin->abi = SF_ABI_VERSION;
	return 0;
}

void sfd_plugin_close(struct sfd_plugin *plugin)
{
	if (plugin->handle)
		open_modules--;
	plugin->handle = NULL;
	plugin->fn = NULL;
}

void sfd_error(const char *fmt, ...)
{
	(void)fmt;
}

/* Whether plugin task t's entry point is that of a module the config
 * holds. */
static bool loaded(const struct sfd_config *cfg, const struct sfd_task_conf *t)
{
	for (size_t i = 0; i < cfg->n_plugins; i++)
		if (cfg->plugins[i].handle && cfg->plugins[i].fn == t->plugin_fn)
			return true;
	return false;
}

static void check_task(const struct sfd_config *cfg, size_t i)
{
	const struct sfd_task_conf *t = &cfg->tasks[i];

	FZ_CHECK(t->name && *t->name);
	for (size_t k = 0; k < i; k++)
		FZ_CHECK(strcmp(cfg->tasks[k].name, t->name) != 0);
	FZ_CHECK(t->restart >= SF_TEMPORARY && t->restart <= SF_PERMANENT);
	FZ_CHECK(t->stop_signal >= 0);
	switch (t->type) {
	case SFD_EXEC:
		FZ_CHECK(t->argv && t->argv[0] && *t->argv[0]);
		break;
	case SFD_HEARTBEAT:
		FZ_CHECK(t->interval_ms > 0);
		break;
	case SFD_WATCH_FILE:
		FZ_CHECK(t->watch_dir && t->watch_dir[0] == '/');
		FZ_CHECK(t->watch_name && *t->watch_name &&
			 !strchr(t->watch_name, '/'));
		break;
	case SFD_PLUGIN:
		FZ_CHECK(t->plugin_fn != NULL && loaded(cfg, t));
		break;
	default:
		FZ_CHECK(!"a task type outside enum sfd_task_type");
	}
	for (size_t k = 0; k < t->n_options; k++)
		FZ_CHECK(t->type == SFD_PLUGIN && t->options[k].key &&
			 t->options[k].value);
}

static void check_config(const struct sfd_config *cfg)
{
	size_t plugin_tasks = 0;

	FZ_CHECK(cfg->n_tasks >= 1 && cfg->tasks);
	FZ_CHECK(cfg->grace_ms >= 0);
	FZ_CHECK(cfg->strategy >= SF_STOP_ALL && cfg->strategy <= SF_REST_FOR_ONE);
	FZ_CHECK(cfg->max_restarts >= 0 && cfg->max_restarts <= 10000);
	FZ_CHECK(cfg->restart_period_ms > 0);
	for (size_t i = 0; i < cfg->n_tasks; i++) {
		check_task(cfg, i);
		plugin_tasks += cfg->tasks[i].type == SFD_PLUGIN;
	}
	/* one module for each plugin task, and none for anything else */
	FZ_CHECK(cfg->n_plugins == plugin_tasks);
}

/* What sfd_run() does once the group has the tasks: the settings and
 * the modules stay. */
static void check_drop(struct sfd_config *cfg)
{
	struct sfd_config before = *cfg;

	sfd_config_drop_tasks(cfg);
	FZ_CHECK(cfg->n_tasks == 0 && cfg->tasks == NULL);
	FZ_CHECK(cfg->file == before.file && cfg->grace_ms == before.grace_ms);
	FZ_CHECK(cfg->plugins == before.plugins &&
		 cfg->n_plugins == before.n_plugins);
	for (size_t i = 0; i < cfg->n_plugins; i++)
		FZ_CHECK(cfg->plugins[i].handle && cfg->plugins[i].fn);
}

static int load(int fd, const uint8_t *data, size_t size)
{
	struct sfd_config cfg;
	char path[64];
	int status;

	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	status = sfd_config_load(path, &cfg);
	FZ_CHECK(status == 0 || status == EX_CONFIG || status == EX_OSERR);
	if (status == 0) {
		check_config(&cfg);
		check_drop(&cfg);
		sfd_config_free(&cfg);
	}
	/* refused or freed: every module it loaded is closed again */
	FZ_CHECK(open_modules == 0);
	return status;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	int first;

	if (fd < 0 && (fd = memfd_create("fuzz-config", MFD_CLOEXEC)) < 0)
		abort();
	first = load(fd, data, size);
	FZ_CHECK(load(fd, data, size) == first);
	return 0;
}
