/*
 * run.h - from a loaded config to a running group, and back to an exit
 * status.  The only part of stopflagd that drives sf_group_*.
 */
#ifndef SFD_RUN_H
#define SFD_RUN_H

#include <stddef.h>

#include <stopflag.h>

#include "conf.h"

struct sfd_status_writer;

/*
 * Build the group cfg describes and run it until it has stopped and every
 * process is reaped.  Logs the stop's cause, tells systemd (READY=1,
 * STOPPING=1, STATUS=) and a --daemonize starter (ready) as it goes, and
 * writes status_file (statusfile.h; NULL, or a writer with no path, writes
 * none) on
 * every change of a task's state.
 * Once the group holds the tasks, cfg's tasks are freed
 * (sfd_config_drop_tasks()), before the first of them starts; the group
 * settings and the plugin modules stay.
 * Returns stopflagd's exit status: the group's (see stopflagd(8)), or 71
 * (EX_OSERR) if the group could not be set up or run at all.
 */
int sfd_run(struct sfd_config *cfg, struct sfd_status_writer *status_file);

/*
 * The start's progress in words, for systemd's STATUS=: "2/3 ready,
 * waiting for db" (every task not ready yet, in order, cut short with
 * ", ..." where size runs out).  Called in the master.  Returns the
 * length written, as snprintf() does.
 */
int sfd_ready_progress(const sf_group *g, char *buf, size_t size);

#endif
