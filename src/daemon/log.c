/*
 * log.c - stderr or syslog, one write(2) per line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LINE_MAX_LEN 1024

static bool use_syslog;
static int max_priority = LOG_INFO;

static const char *const level_names[] = {
	[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
	[LOG_ERR] = "error",   [LOG_WARNING] = "warn", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info",   [LOG_DEBUG] = "debug",
};

void sfd_log_use_syslog(void)
{
	openlog("stopflagd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	use_syslog = true;
}

void sfd_log_set_max_priority(int priority)
{
	max_priority = priority;
}

bool sfd_log_to_syslog(void)
{
	return use_syslog;
}

/* Write all of buf to fd 2, retrying short writes and EINTR. */
static void write_stderr(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* Control characters (a value from a config, a name from a plugin) must
 * not reach a terminal or a log as they are: each becomes '?'. */
static void sanitize(char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
			s[i] = '?';
}

/* "2025-01-31 12:00:00.123" in local time. */
static size_t timestamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	n += (size_t)snprintf(buf + n, len - n, ".%03ld", ts.tv_nsec / 1000000);
	return n;
}

/* n += the result of an snprintf into a buffer of len, kept below len. */
static size_t advance(size_t n, int added, size_t len)
{
	n += added < 0 ? 0 : (size_t)added;
	return n < len ? n : len - 1;
}

static void vlog(int priority, const char *who, const char *fmt, va_list ap)
{
	char line[LINE_MAX_LEN];
	size_t n = 0;

	if (priority > max_priority)
		return;
	if (!use_syslog) {
		n = timestamp(line, sizeof(line));
		n = advance(n, snprintf(line + n, sizeof(line) - n, " %-6s ",
					level_names[priority & LOG_PRIMASK]),
			    sizeof(line));
	}
	n = advance(n, snprintf(line + n, sizeof(line) - n, "%s: ",
				who ? who : "stopflagd"), sizeof(line));
	n = advance(n, vsnprintf(line + n, sizeof(line) - n, fmt, ap),
		    sizeof(line) - 1);
	sanitize(line, n);
	if (use_syslog) {
		syslog(priority, "%s", line);
		return;
	}
	line[n++] = '\n';  /* a truncated line is still one whole line */
	write_stderr(line, n);
}

void sfd_log(int priority, const char *who, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(priority, who, fmt, ap);
	va_end(ap);
}

void sfd_log_group(void *ctx, int priority, const char *msg)
{
	(void)ctx;
	sfd_log(priority, NULL, "%s", msg);
}

void sfd_error(const char *fmt, ...)
{
	static const char prefix[] = "stopflagd: ";
	char line[LINE_MAX_LEN];
	size_t n = sizeof(prefix) - 1;
	va_list ap;

	memcpy(line, prefix, n);
	va_start(ap, fmt);
	n = advance(n, vsnprintf(line + n, sizeof(line) - n, fmt, ap),
		    sizeof(line) - 1);
	va_end(ap);
	sanitize(line, n);
	if (use_syslog)
		syslog(LOG_ERR, "%s", line + sizeof(prefix) - 1);
	line[n++] = '\n';
	write_stderr(line, n);
}
