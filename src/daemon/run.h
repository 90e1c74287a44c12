/*
 * run.h - from a loaded config to a running group, and back to an exit
 * status.  The only part of stopflagd that drives sf_group_*.
 */
#ifndef SFD_RUN_H
#define SFD_RUN_H

#include "conf.h"

/*
 * Build the group cfg describes and run it until it has stopped and every
 * process is reaped.  Logs the stop's cause, tells systemd (READY=1,
 * STOPPING=1, STATUS=) and a --daemonize starter (ready) as it goes.
 * Returns stopflagd's exit status: the group's (see stopflagd(8)), or 71
 * (EX_OSERR) if the group could not be set up or run at all.
 */
int sfd_run(const struct sfd_config *cfg);

#endif
