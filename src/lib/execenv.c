/*
 * execenv.c - the environment an exec task starts with.
 *
 * It is the master's, less any STOPFLAG_FD or STOPFLAG_TASK the master
 * inherited itself (a stopflagd run as another group's exec task: that fd
 * is not the one its own tasks get), plus, unless the task withholds the
 * flag, STOPFLAG_FD=<fd> naming the group's flag and STOPFLAG_TASK=<name>
 * (so that `stopflag cause` can say when the cause names the task
 * itself).  NOTIFY_SOCKET is the task's own notify socket if its ready
 * mode is SF_READY_NOTIFY; the master's own (its supervisor's) never
 * reaches a task.  It is built in the master before fork(), in one allocation,
 * so that the child only has to pass it to execve(): no allocation, no
 * setenv(), no write to memory it may share with the master.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"

#define TASK_ENV "STOPFLAG_TASK"

extern char **environ;

static bool ours(const char *entry, const char *name)
{
	size_t n = strlen(name);

	return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

char **sf__exec_env(const sf_group *g, const struct sf_task *t)
{
	size_t n = 0, fd_len = sizeof(SF_FLAG_ENV "=-2147483648");
	size_t task_len = sizeof(TASK_ENV "=") + strlen(t->name);
	size_t notify_len = sizeof(SF_NOTIFY_ENV "=") + sizeof(t->notify_addr);
	char **envp, **out, *fd_var, *task_var, *notify_var;

	for (char **e = environ; e && *e; e++)
		n++;
	envp = malloc((n + 4) * sizeof(*envp) + fd_len + task_len +
		      notify_len);
	if (!envp)
		return NULL;
	out = envp;
	for (char **e = environ; e && *e; e++)
		if (!ours(*e, SF_FLAG_ENV) && !ours(*e, TASK_ENV) &&
		    !ours(*e, SF_NOTIFY_ENV))
			*out++ = *e;
	notify_var = (char *)(envp + n + 4);
	if (t->ready_mode == SF_READY_NOTIFY) {
		snprintf(notify_var, notify_len, "%s=%s", SF_NOTIFY_ENV,
			 t->notify_addr);
		*out++ = notify_var;
	}
	if (!t->no_flag) {
		fd_var = notify_var + notify_len;
		task_var = fd_var + fd_len;
		snprintf(fd_var, fd_len, "%s=%d", SF_FLAG_ENV, g->flag_fd);
		snprintf(task_var, task_len, "%s=%s", TASK_ENV, t->name);
		*out++ = fd_var;
		*out++ = task_var;
	}
	*out = NULL;
	return envp;
}
