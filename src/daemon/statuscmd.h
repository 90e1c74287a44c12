/*
 * statuscmd.h - `stopflagd --status [--json] [--ready]`: the running
 * daemon's state, read from its status file (statusfile.h), for people
 * or, with --json, for scripts; with --ready, the answer of a readiness
 * probe.
 */
#ifndef SFD_STATUSCMD_H
#define SFD_STATUSCMD_H

#include <stdbool.h>

/* Exit statuses of --status (stopflagd(8)); 64 is a usage error. */
#define SFD_STATUS_OK        0  /* answered (with --ready: all ready) */
#define SFD_STATUS_NOT_READY 1  /* --ready: not every task is ready */
#define SFD_STATUS_NOT_RUNNING 3 /* no daemon runs: no file, or a stale one */
#define SFD_STATUS_UNKNOWN   4  /* the file cannot be read or makes no sense */

/*
 * Print the status in path (NULL: no status file is configured) to
 * stdout, as a table or JSON; errors go to stderr.  Returns one of the
 * statuses above.
 */
int sfd_status_command(const char *path, bool json, bool ready);

/*
 * Whether st says the group runs and every task is ready, or has ended
 * for good while the group runs (a temporary task that did its work).
 */
struct sfd_status;
bool sfd_status_all_ready(const struct sfd_status *st);

#endif
