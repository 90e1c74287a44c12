/*
 * tasks.h - the built-in task types.  Each is an sf_task_fn that runs in
 * its own forked child.  Neither is given anything of the config, which
 * stopflagd frees before the first fork (sfd_config_drop_tasks()): a
 * heartbeat gets its interval as its arg, a watch-file task its path as
 * options of its own record.
 */
#ifndef SFD_TASKS_H
#define SFD_TASKS_H

#include <stdint.h>

#include <stopflag.h>

/* Logs "heartbeat N" every interval until the stop.  Returns 0.  arg is
 * SFD_HEARTBEAT_ARG(the interval in ms). */
int sfd_heartbeat_task(sf_task *task, void *arg);
#define SFD_HEARTBEAT_ARG(interval_ms) ((void *)(intptr_t)(interval_ms))

/*
 * Asks for the stop (sf_task_stop_all(task, 0)) the moment its path
 * appears: created, moved or linked there, as a file, a directory or a
 * symlink.  inotify watches the directory; a path already there at start
 * asks at once.  Returns 0 once the stop comes, 1 if the directory itself
 * goes away (nothing could appear in it any more), 71 if it cannot watch
 * or was given no path.  The path is two options of the task's record:
 * SFD_WATCH_DIR, an absolute directory, and SFD_WATCH_NAME, the name in
 * it.  arg is unused.
 */
int sfd_watch_file_task(sf_task *task, void *arg);
#define SFD_WATCH_DIR "watch-dir"
#define SFD_WATCH_NAME "watch-name"

#endif
