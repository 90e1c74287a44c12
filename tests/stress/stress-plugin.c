/*
 * stress-plugin.c - the function tasks of the campaign's daemon part, as
 * a stopflagd plugin: st_fn_task() (tasks.c) with the task index taken
 * from the `index` key of its config section.  The shared record is the
 * task's standard input, inherited from stopflagd.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "stress.h"

static int plugin_task(sf_task *task, void *arg)
{
	const char *index = sf_task_option(task, "index");
	char *end;
	long idx;
	void *rec;

	(void)arg;
	if (!index)
		return 2;
	idx = strtol(index, &end, 10);
	if (*end || idx < 0 || idx >= ST_MAX_TASKS)
		return 2;
	rec = mmap(NULL, sizeof(struct st_shared), PROT_READ | PROT_WRITE,
		   MAP_SHARED, STDIN_FILENO, 0);
	if (rec == MAP_FAILED)
		return 2;
	st_shared_rec = rec;
	return st_fn_task(task, &(int){ (int)idx });
}

SF_PLUGIN(plugin_task);
