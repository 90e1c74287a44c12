/*
 * daemonize.h - --daemonize: detach the classic way, and let the process
 * that started us exit only once the daemon is up (or failed to come up),
 * with the right status.
 */
#ifndef SFD_DAEMONIZE_H
#define SFD_DAEMONIZE_H

/* Close every descriptor above 2, before anything else is opened (so the
 * daemon keeps nothing of its starter's, such as make's jobserver pipe). */
void sfd_daemon_close_fds(void);

/*
 * Fork; the child calls setsid() and forks again, so that the daemon
 * leads no session and can never get a controlling terminal; the daemon
 * changes to "/".  The process that called this does not return: it waits
 * for the daemon's report and exits 0 once it is up, with the daemon's
 * exit status if it ended before that, or 1 if it vanished without one.
 * A stop signal it gets meanwhile goes on to the daemon.
 * Returns 0 in the daemon, or -errno (still in the caller) if it cannot.
 */
int sfd_daemonize(void);

/* Reopen descriptors 0, 1 and 2 on /dev/null.  Returns 0 or -errno. */
int sfd_daemon_detach_stdio(void);

/* Report that the daemon is up: its starter exits 0.  Only the first
 * report counts; without --daemonize they do nothing. */
void sfd_daemon_ready(void);

/* Report that the daemon ends with status before it was ever up. */
void sfd_daemon_report_exit(int status);

#endif
