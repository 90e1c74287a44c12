/*
 * plugin.c - dlopen() a plugin task and check its ABI.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "plugin.h"

static int refuse(void *handle, char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int refuse(void *handle, char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	dlclose(handle);
	return -EINVAL;
}

int sfd_plugin_load(const char *module, struct sfd_plugin *plugin,
		    char *why, size_t len)
{
	sf_task_fn *const *task;
	const int *abi;
	void *handle;

	handle = dlopen(module, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		snprintf(why, len, "cannot load the module: %s", dlerror());
		return -EINVAL;
	}
	abi = dlsym(handle, SF_PLUGIN_ABI_SYMBOL);
	if (!abi)
		return refuse(handle, why, len, "not a stopflag plugin: it "
			      "exports no " SF_PLUGIN_ABI_SYMBOL " (build it "
			      "with SF_PLUGIN(fn) from stopflag.h)");
	if (*abi != SF_ABI_VERSION)
		return refuse(handle, why, len, "built for plugin ABI %d, but "
			      "this stopflagd runs ABI %d plugins; rebuild it "
			      "against this stopflag.h", *abi, SF_ABI_VERSION);
	task = dlsym(handle, SF_PLUGIN_TASK_SYMBOL);
	if (!task || !*task)
		return refuse(handle, why, len, "not a stopflag plugin: it "
			      "exports no " SF_PLUGIN_TASK_SYMBOL " (build it "
			      "with SF_PLUGIN(fn) from stopflag.h)");
	plugin->handle = handle;
	plugin->fn = *task;
	plugin->abi = *abi;
	return 0;
}

void sfd_plugin_close(struct sfd_plugin *plugin)
{
	if (plugin->handle)
		dlclose(plugin->handle);
	plugin->handle = NULL;
	plugin->fn = NULL;
}
