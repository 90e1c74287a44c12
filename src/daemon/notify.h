/*
 * notify.h - readiness and status for systemd (its notify protocol, as
 * sd_notify(3) speaks it).  Outside a Type=notify unit ($NOTIFY_SOCKET
 * unset) they do nothing.
 */
#ifndef SFD_NOTIFY_H
#define SFD_NOTIFY_H

/* READY=1 with STATUS=status: every task is ready. */
void sfd_notify_ready(const char *status);

/* STOPPING=1 with STATUS=status: the stop began. */
void sfd_notify_stopping(const char *status);

/* STATUS=status alone. */
void sfd_notify_status(const char *status);

#endif
