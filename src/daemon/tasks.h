/*
 * tasks.h - the built-in task types.  Each is an sf_task_fn that runs in
 * its own forked child; arg is the task's struct sfd_task_conf.
 */
#ifndef SFD_TASKS_H
#define SFD_TASKS_H

#include <stopflag.h>

/* Logs "heartbeat N" every interval until the stop.  Returns 0. */
int sfd_heartbeat_task(sf_task *task, void *arg);

/*
 * Asks for the stop (sf_task_stop_all(task, 0)) the moment its path
 * appears: created, moved or linked there, as a file, a directory or a
 * symlink.  inotify watches the directory; a path already there at start
 * asks at once.  Returns 0 once the stop comes, 1 if the directory itself
 * goes away (nothing could appear in it any more), 71 if it cannot watch.
 */
int sfd_watch_file_task(sf_task *task, void *arg);

#endif
