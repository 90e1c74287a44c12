/*
 * notify.c - sd_notify(3), or nothing.
 */
#include "notify.h"

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>

/* unset_environment = 0: every later message needs $NOTIFY_SOCKET too.
 * Tasks inherit it, but systemd's default NotifyAccess=main ignores what
 * anyone but the main pid sends. */
void sfd_notify_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void sfd_notify_stopping(const char *status)
{
	sd_notifyf(0, "STOPPING=1\nSTATUS=%s", status);
}

void sfd_notify_status(const char *status)
{
	sd_notifyf(0, "STATUS=%s", status);
}

#else

void sfd_notify_ready(const char *status)
{
	(void)status;
}

void sfd_notify_stopping(const char *status)
{
	(void)status;
}

void sfd_notify_status(const char *status)
{
	(void)status;
}

#endif
