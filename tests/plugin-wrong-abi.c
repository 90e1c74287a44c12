/*
 * plugin-wrong-abi.c - a plugin that says it was built for another ABI, as
 * one built against a future stopflag.h would.  stopflagd must refuse it.
 * (It spells out by hand what SF_PLUGIN() would export.)
 */
#include <stopflag.h>

static int never_run(sf_task *task, void *arg)
{
	(void)task;
	(void)arg;
	return 99;
}

SF_EXPORT extern const int sf_plugin_abi;
SF_EXPORT const int sf_plugin_abi = 999;  /* no stopflag.h will have it */
SF_EXPORT extern sf_task_fn *const sf_plugin_task;
SF_EXPORT sf_task_fn *const sf_plugin_task = never_run;
