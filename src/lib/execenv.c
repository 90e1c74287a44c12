/*
 * execenv.c - the environment an exec task starts with.
 *
 * It is the master's, less any STOPFLAG_FD the master inherited itself (a
 * stopflagd run as another group's exec task: that fd is not the one its
 * own tasks get), plus STOPFLAG_FD=<fd> naming the group's flag unless the
 * task withholds it.  It is built in the master before fork(), so that the
 * child only has to pass it to execve(): no allocation, no setenv(), no
 * write to memory it may share with the master.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "group.h"

extern char **environ;

char **sf__exec_env(const sf_group *g, const struct sf_task *t,
		    char *buf, size_t len)
{
	size_t n = 0, prefix = strlen(SF_FLAG_ENV);
	char **envp, **out;

	for (char **e = environ; e && *e; e++)
		n++;
	envp = malloc((n + 2) * sizeof(*envp));
	if (!envp)
		return NULL;
	out = envp;
	for (char **e = environ; e && *e; e++)
		if (strncmp(*e, SF_FLAG_ENV, prefix) != 0 || (*e)[prefix] != '=')
			*out++ = *e;
	if (!t->no_flag) {
		snprintf(buf, len, "%s=%d", SF_FLAG_ENV, g->flag_fd);
		*out++ = buf;
	}
	*out = NULL;
	return envp;
}
