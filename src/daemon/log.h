/*
 * log.h - stopflagd's log: one line per message, to stderr with a
 * timestamp, the level and the task name, or to syslog(3).
 *
 * Every line goes out in a single write(2), so lines from the master and
 * from its tasks (forked children that inherit the log) never interleave.
 */
#ifndef SFD_LOG_H
#define SFD_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* Log to syslog (facility daemon, ident "stopflagd", with the pid) instead
 * of stderr from now on.  Messages above max_priority are dropped either
 * way (default LOG_INFO). */
void sfd_log_use_syslog(void);
void sfd_log_set_max_priority(int max_priority);
bool sfd_log_to_syslog(void);

/* Log msg at priority (LOG_ERR .. LOG_DEBUG) on behalf of `who`: a task
 * name, or NULL for the daemon itself. */
void sfd_log(int priority, const char *who, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The sf_log_fn given to the group: the library's lines, as they are. */
void sfd_log_group(void *ctx, int priority, const char *msg);

/* An error before the daemon runs (usage, config, pidfile): printed to
 * stderr as "stopflagd: msg", the way compilers report, and to syslog as
 * well when it is in use. */
void sfd_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
