/*
 * notify.c - readiness and status for systemd, sent with sf_notify(), the
 * library's own sender of the notify protocol: stopflagd needs no
 * libsystemd for it, and its tasks, forked from it, do not map one.
 */
#include <stdio.h>

#include <stopflag.h>

#include "notify.h"

/* Over this, STATUS= is cut short: systemd shows one line of it. */
#define NOTIFY_MAX 1024

/* NOTIFY_SOCKET stays set (sd_notify()'s unset_environment = 0): every
 * later message needs it too.  Tasks inherit it, but systemd's default
 * NotifyAccess=main ignores what anyone but the main pid sends.  Without
 * it (not a Type=notify unit) nothing is sent. */
static void notify(const char *what, const char *status)
{
	char msg[NOTIFY_MAX];

	snprintf(msg, sizeof(msg), "%s%sSTATUS=%s", what, *what ? "\n" : "",
		 status);
	(void)sf_notify(msg);
}

void sfd_notify_ready(const char *status)
{
	notify("READY=1", status);
}

void sfd_notify_stopping(const char *status)
{
	notify("STOPPING=1", status);
}

void sfd_notify_status(const char *status)
{
	notify("", status);
}
