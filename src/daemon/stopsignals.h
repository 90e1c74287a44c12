/*
 * stopsignals.h - stopflagd's stop signals (SIGINT, SIGTERM, SIGQUIT,
 * SIGHUP, as the library takes them over in sf_group_run()) from its
 * first line to its last.
 *
 * main() blocks them before anything else: one that comes while stopflagd
 * reads its config, loads plugins, detaches or takes its pidfile waits,
 * pending, until sf_group_run() unblocks them.  The group then sees a stop
 * before its first start: nothing starts, and the status is a stop by
 * signal's (0).  A process that ends before the group runs (--check, a
 * refused config) ends with its own status, never by the signal.
 */
#ifndef SFD_STOPSIGNALS_H
#define SFD_STOPSIGNALS_H

#include <signal.h>

/* The set itself is the library's (policy.h: sf__stop_signals). */

/* Add the stop signals to set. */
void sfd_stop_signals_add(sigset_t *set);

/* Block them in the calling thread (main's first line). */
void sfd_block_stop_signals(void);

/* Once the group is down, a late one must not cut the cleanup short. */
void sfd_ignore_stop_signals(void);

#endif
