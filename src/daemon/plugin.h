/*
 * plugin.h - loading a plugin task: a .so that used SF_PLUGIN(fn).
 */
#ifndef SFD_PLUGIN_H
#define SFD_PLUGIN_H

#include <stddef.h>

#include <stopflag.h>

struct sfd_plugin {
	void *handle;    /* from dlopen(), NULL when not loaded */
	sf_task_fn *fn;  /* its entry point */
	int abi;         /* the ABI version it was built for */
};

/*
 * dlopen() module (RTLD_NOW: every symbol resolved now) and check that it
 * is a stopflag plugin built for this SF_ABI_VERSION.  Returns 0, or
 * -EINVAL with the reason in why (the module is then closed again).
 */
int sfd_plugin_load(const char *module, struct sfd_plugin *plugin,
		    char *why, size_t len);

/* dlclose() it; a plugin that was not loaded is ignored. */
void sfd_plugin_close(struct sfd_plugin *plugin);

#endif
