/*
 * statuscmd.c - `stopflagd --status`: find the status file, refuse a
 * stale one, print it for people or as JSON, and answer --ready.
 * It only reads a file: nothing it does can stall or crash the daemon.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "statuscmd.h"
#include "statusfile.h"

bool sfd_status_all_ready(const struct sfd_status *st)
{
	if (strcmp(st->state, "running") != 0)
		return false;
	for (size_t i = 0; i < st->ntasks; i++)
		if (strcmp(st->tasks[i].state, "ready") != 0 &&
		    strcmp(st->tasks[i].state, "exited") != 0)
			return false;
	return true;
}

/* "3d04h", "2h05m", "1m03s", "4.2s": at most two units. */
static void format_duration(int64_t ns, char *buf, size_t size)
{
	int64_t s = ns / 1000000000;

	if (ns <= 0)
		snprintf(buf, size, "-");
	else if (s < 10)
		snprintf(buf, size, "%" PRId64 ".%" PRId64 "s", s,
			 ns / 100000000 % 10);
	else if (s < 3600)
		snprintf(buf, size, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, size, "%" PRId64 "h%02" PRId64 "m", s / 3600,
			 s / 60 % 60);
	else
		snprintf(buf, size, "%" PRId64 "d%02" PRId64 "h", s / 86400,
			 s / 3600 % 24);
}

static int64_t uptime_ns(int64_t since, int64_t now)
{
	return since > 0 && now > since ? now - since : 0;
}

static void print_table(const struct sfd_status *st, int64_t now)
{
	char up[32];

	format_duration(uptime_ns(st->since_ns, now), up, sizeof(up));
	printf("stopflagd pid %d: %s, up %s, %zu task%s\n", (int)st->pid,
	       st->state, up, st->ntasks, st->ntasks == 1 ? "" : "s");
	if (st->has_cause)
		printf("cause: %s\n", st->cause);
	printf("%-16s %8s  %-10s %8s  %s\n", "TASK", "PID", "STATE",
	       "RESTARTS", "UPTIME");
	for (size_t i = 0; i < st->ntasks; i++) {
		const struct sfd_status_task *t = &st->tasks[i];
		char pid[16];

		format_duration(t->pid ? uptime_ns(t->started_ns, now) : 0, up,
				sizeof(up));
		snprintf(pid, sizeof(pid), "%d", (int)t->pid);
		printf("%-16s %8s  %-10s %8ld  %s\n", t->name,
		       t->pid ? pid : "-", t->state, t->restarts, up);
	}
}

/* s as a JSON string (names are free of control characters; the cause's
 * text too, but escape them anyway). */
static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned)(unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void json_seconds(int64_t ns)
{
	if (ns > 0)
		printf("%" PRId64 ".%03" PRId64, ns / 1000000000,
		       ns / 1000000 % 1000);
	else
		printf("null");
}

static void json_cause(const struct sfd_status *st)
{
	if (!st->has_cause) {
		printf("null");
		return;
	}
	printf("{\"reason\":");
	json_string(st->reason);
	printf(",\"code\":%d,\"text\":", st->code);
	json_string(st->cause);
	putchar('}');
}

static void print_json(const struct sfd_status *st, int64_t now)
{
	printf("{\"pid\":%d,\"master\":", (int)st->pid);
	if (st->master > 0)
		printf("%d", (int)st->master);
	else
		printf("null");
	printf(",\"state\":");
	json_string(st->state);
	printf(",\"ready\":%s,\"uptime_s\":",
	       sfd_status_all_ready(st) ? "true" : "false");
	json_seconds(uptime_ns(st->since_ns, now));
	printf(",\"cause\":");
	json_cause(st);
	printf(",\"tasks\":[");
	for (size_t i = 0; i < st->ntasks; i++) {
		const struct sfd_status_task *t = &st->tasks[i];

		printf("%s{\"name\":", i ? "," : "");
		json_string(t->name);
		if (t->pid)
			printf(",\"pid\":%d", (int)t->pid);
		else
			printf(",\"pid\":null");
		printf(",\"state\":");
		json_string(t->state);
		printf(",\"restarts\":%ld,\"uptime_s\":", t->restarts);
		json_seconds(t->pid ? uptime_ns(t->started_ns, now) : 0);
		putchar('}');
	}
	printf("]}\n");
}

/* The keeper outlived its master: it ends what is left (stopflagd(8)),
 * whatever the master last wrote. */
static void master_died(struct sfd_status *st)
{
	char *text;

	snprintf(st->state, sizeof(st->state), "stopping");
	if (asprintf(&text, "its master (pid %d) died; the keeper ends what "
		     "is left", (int)st->master) < 0)
		return;
	free(st->cause);
	st->cause = text;
	st->has_cause = true;
	snprintf(st->reason, sizeof(st->reason), "killed");
	st->code = 0;
}

/* Whether the daemon that wrote st runs; says why not.  A keeper whose
 * master is gone is still stopping what is left: say so in st. */
static int check_alive(const char *path, struct sfd_status *st)
{
	int alive = sfd_status_alive(st);

	if (alive < 0) {
		sfd_error("%s: cannot tell whether stopflagd pid %d runs: %s",
			  path, (int)st->pid, strerror(-alive));
		return SFD_STATUS_UNKNOWN;
	}
	if (!alive) {
		sfd_error("%s: stale: stopflagd pid %d that wrote it is not "
			  "running; no stopflagd runs here", path, (int)st->pid);
		return SFD_STATUS_NOT_RUNNING;
	}
	if (sfd_status_master_alive(st) == 0 &&
	    strcmp(st->state, "stopped") != 0)
		master_died(st);
	return SFD_STATUS_OK;
}

static int load(const char *path, struct sfd_status *st)
{
	int line, err = sfd_status_load(path, st, &line);

	if (err == -ENOENT) {
		sfd_error("%s: no such file: no stopflagd runs with this "
			  "status file", path);
		return SFD_STATUS_NOT_RUNNING;
	}
	if (err == -EINVAL)
		sfd_error("%s:%d: not a stopflagd status file", path, line);
	else if (err == -EACCES)
		sfd_error("%s: permission denied: only the daemon's user can "
			  "read it", path);
	else if (err < 0)
		sfd_error("%s: cannot read it: %s", path, strerror(-err));
	return err < 0 ? SFD_STATUS_UNKNOWN : SFD_STATUS_OK;
}

int sfd_status_command(const char *path, bool json, bool ready)
{
	struct sfd_status st;
	int status;

	if (!path) {
		sfd_error("no status file: give the --pidfile or --status-file "
			  "the daemon was given, or run it with "
			  "RUNTIME_DIRECTORY set as the daemon's");
		return SFD_STATUS_NOT_RUNNING;
	}
	status = load(path, &st);
	if (status != SFD_STATUS_OK)
		return status;
	status = check_alive(path, &st);
	if (status == SFD_STATUS_OK) {
		if (json)
			print_json(&st, sfd_status_now_ns());
		else
			print_table(&st, sfd_status_now_ns());
		if (ready && !sfd_status_all_ready(&st))
			status = SFD_STATUS_NOT_READY;
	}
	sfd_status_free(&st);
	return status;
}
