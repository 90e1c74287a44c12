/*
 * stopflag - the group's flag for shell scripts (stopflag(1)).
 *
 * Run inside an exec task, it joins the flag that STOPFLAG_FD names
 * (sf_flag_from_env()) and does one thing with it:
 *
 *   stopflag sleep DURATION    0 slept it all, 1 a stop came
 *   stopflag wait [TIMEOUT]    0 stopped, 1 timed out
 *   stopflag is-set            0 set, 1 not set
 *   stopflag stop-all [CODE]   0 (asks the whole group to stop with CODE)
 *   stopflag cause [--json]    0, or 1 if not set
 *   stopflag ready             0 (says READY=1 on NOTIFY_SOCKET)
 *   stopflag status TEXT       0 (says STATUS=TEXT there)
 *
 * Durations are those of stopflagd.conf(5), parsed by the daemon's own
 * parser.  Every error is one line on stderr and a status of 64 or more
 * (sysexits(3)), so that `while stopflag sleep 5s; do ...; done` ends on
 * an error too instead of spinning.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stopflag.h"
#include "../daemon/parse.h"

enum {
	ST_YES = 0,
	ST_NO = 1,
	ST_USAGE = 64,       /* EX_USAGE: bad command, duration or code */
	ST_NOINPUT = 66,     /* EX_NOINPUT: STOPFLAG_FD is no stopflag page */
	ST_UNAVAILABLE = 69, /* EX_UNAVAILABLE: not in a group */
	ST_OSERR = 71,       /* EX_OSERR: the page could not be mapped */
};

static const char usage[] =
	"usage: stopflag sleep DURATION | wait [TIMEOUT] | is-set |\n"
	"                stop-all [CODE] | cause [--json] | ready |\n"
	"                status TEXT\n";

static int bad_usage(const char *what)
{
	fprintf(stderr, "stopflag: %s (stopflag --help lists the commands)\n",
		what);
	return ST_USAGE;
}

/* A duration argument into *ms, or a message and ST_USAGE. */
static int duration(const char *what, const char *text, int *ms)
{
	const char *why;

	if (sfd_parse_duration(text, ms, &why) == 0)
		return 0;
	fprintf(stderr, "stopflag: %s: %s: '%s'\n", what, why, text);
	return ST_USAGE;
}

static int join(sf_flag **flagp)
{
	const char *env = getenv(SF_FLAG_ENV);
	int err = sf_flag_from_env(flagp);

	switch (err) {
	case 0:
		return 0;
	case -ENOENT:
		fprintf(stderr, "stopflag: %s is not set: not run by a "
			"stopflag group, or its flag was withheld\n",
			SF_FLAG_ENV);
		return ST_UNAVAILABLE;
	case -EBADF:
		fprintf(stderr, "stopflag: %s=%s: no such open file "
			"descriptor\n", SF_FLAG_ENV, env);
		return ST_NOINPUT;
	case -EINVAL:
		fprintf(stderr, "stopflag: %s=%s: not a stopflag flag\n",
			SF_FLAG_ENV, env);
		return ST_NOINPUT;
	default:
		fprintf(stderr, "stopflag: %s=%s: cannot map it: %s\n",
			SF_FLAG_ENV, env, sf_strerror(err));
		return ST_OSERR;
	}
}

/* sf_flag_wait() for ms (< 0: forever): ST_YES on a stop, ST_NO at the
 * deadline. */
static int wait_for(sf_flag *flag, int ms)
{
	int err = sf_flag_wait(flag, ms);

	if (err == 0)
		return ST_YES;
	if (err == -ETIMEDOUT)
		return ST_NO;
	fprintf(stderr, "stopflag: cannot wait: %s\n", sf_strerror(err));
	return ST_OSERR;
}

static int cmd_sleep(sf_flag *flag, int ms)
{
	int st = wait_for(flag, ms);

	return st == ST_YES ? ST_NO : st == ST_NO ? ST_YES : st;
}

/* The task the cause names, when this process can tell: its own task
 * (every task is a process group of its own, whose id is its pid). */
static const char *cause_task(const struct sf_cause *c)
{
	return c->pid == getpgrp() ? getenv("STOPFLAG_TASK") : NULL;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static int cmd_cause(sf_flag *flag, int json)
{
	struct sf_cause c;
	const char *task;

	if (sf_flag_cause(flag, &c) < 0)
		return ST_NO;
	task = cause_task(&c);
	if (json) {
		printf("{\"reason\":\"%s\",\"code\":%d,\"pid\":%d,\"task\":",
		       sf_reason_name(c.reason), c.code, (int)c.pid);
		if (task)
			json_string(task);
		else
			fputs("null", stdout);
		puts("}");
	} else {
		printf("%s code %d pid %d", sf_reason_name(c.reason), c.code,
		       (int)c.pid);
		if (task)
			printf(" task %s", task);
		putchar('\n');
	}
	return fflush(stdout) == 0 ? ST_YES : ST_OSERR;
}

/* `stopflag ready` (msg READY=1) and `stopflag status TEXT` (STATUS=TEXT):
 * to the task's notify socket (sf_notify()).  They need no flag (a task
 * given `flag = no` can say them too).  Without NOTIFY_SOCKET in a task
 * (STOPFLAG_TASK set) the task's ready mode is `started`: it is ready
 * already, nobody listens, and there is nothing to say. */
static int cmd_notify(const char *name, const char *msg)
{
	const char *addr = getenv(SF_NOTIFY_ENV);
	int err = sf_notify(msg);

	switch (err) {
	case 0:
		return ST_YES;
	case -ENOENT:
		if (getenv("STOPFLAG_TASK"))
			return ST_YES;
		fprintf(stderr, "stopflag: %s: %s is not set: not run by "
			"a stopflag group\n", name, SF_NOTIFY_ENV);
		return ST_UNAVAILABLE;
	case -EINVAL:
		fprintf(stderr, "stopflag: %s: %s=%s: not a unix socket "
			"address (@NAME or /PATH)\n", name, SF_NOTIFY_ENV, addr);
		return ST_USAGE;
	case -ECONNREFUSED:
		fprintf(stderr, "stopflag: %s: nobody listens on %s=%s "
			"(the group has begun to stop?)\n", name, SF_NOTIFY_ENV,
			addr);
		return ST_UNAVAILABLE;
	default:
		fprintf(stderr, "stopflag: %s: cannot send to %s=%s: %s\n",
			name, SF_NOTIFY_ENV, addr, sf_strerror(err));
		return ST_OSERR;
	}
}

/* STATUS=text, for `stopflag status`: one line, as systemd shows it. */
static int cmd_status(const char *text)
{
	char *msg;
	int st;

	if (asprintf(&msg, "STATUS=%s", text) < 0) {
		fprintf(stderr, "stopflag: status: out of memory\n");
		return ST_OSERR;
	}
	st = cmd_notify("status", msg);
	free(msg);
	return st;
}

/* The command and its arguments, checked before the flag is joined, so
 * that a bad argument is reported as such even outside a group. */
struct command {
	enum { SLEEP, WAIT, IS_SET, STOP_ALL, CAUSE, READY, STATUS } what;
	int ms, code, json;
	const char *text;     /* status */
};

static int parse(int argc, char **argv, struct command *cmd)
{
	const char *name = argv[1], *arg = argc > 2 ? argv[2] : NULL;
	const char *why;

	cmd->ms = -1;
	cmd->code = 0;
	cmd->json = 0;
	cmd->text = NULL;
	if (argc > 3)
		return bad_usage("too many arguments");
	if (strcmp(name, "sleep") == 0) {
		cmd->what = SLEEP;
		if (!arg)
			return bad_usage("sleep: give a DURATION (250ms, 5s)");
		return duration("sleep", arg, &cmd->ms);
	}
	if (strcmp(name, "wait") == 0) {
		cmd->what = WAIT;
		return arg ? duration("wait", arg, &cmd->ms) : 0;
	}
	if (strcmp(name, "is-set") == 0) {
		cmd->what = IS_SET;
		return arg ? bad_usage("is-set takes no argument") : 0;
	}
	if (strcmp(name, "stop-all") == 0) {
		cmd->what = STOP_ALL;
		if (arg && sfd_parse_count(arg, 255, &cmd->code, &why) < 0) {
			fprintf(stderr, "stopflag: stop-all: CODE %s (0 to "
				"255): '%s'\n", why, arg);
			return ST_USAGE;
		}
		return 0;
	}
	if (strcmp(name, "ready") == 0) {
		cmd->what = READY;
		return arg ? bad_usage("ready takes no argument") : 0;
	}
	if (strcmp(name, "status") == 0) {
		cmd->what = STATUS;
		cmd->text = arg;
		if (!arg || !*arg)
			return bad_usage("status: give the TEXT to show");
		if (strchr(arg, '\n'))
			return bad_usage("status: TEXT is one line");
		return 0;
	}
	if (strcmp(name, "cause") == 0) {
		cmd->what = CAUSE;
		if (arg && strcmp(arg, "--json") != 0)
			return bad_usage("cause takes only --json");
		cmd->json = arg != NULL;
		return 0;
	}
	fprintf(stderr, "stopflag: unknown command '%s' (stopflag --help "
		"lists the commands)\n", name);
	return ST_USAGE;
}

static int run(sf_flag *flag, const struct command *cmd)
{
	switch (cmd->what) {
	case SLEEP:
		return cmd_sleep(flag, cmd->ms);
	case WAIT:
		return wait_for(flag, cmd->ms);
	case IS_SET:
		return sf_flag_is_set(flag) ? ST_YES : ST_NO;
	case STOP_ALL:
		sf_flag_stop_all(flag, cmd->code);
		return ST_YES;
	case CAUSE:
		return cmd_cause(flag, cmd->json);
	case READY:
	case STATUS:
		break; /* need no flag: main() */
	}
	return ST_USAGE;
}

int main(int argc, char **argv)
{
	struct command cmd;
	sf_flag *flag;
	int st;

	if (argc < 2)
		return bad_usage("give a command");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, stdout);
		return ST_YES;
	}
	st = parse(argc, argv, &cmd);
	if (st == 0 && cmd.what == READY)
		return cmd_notify("ready", "READY=1");
	if (st == 0 && cmd.what == STATUS)
		return cmd_status(cmd.text);
	if (st == 0)
		st = join(&flag);
	if (st != 0)
		return st;
	st = run(flag, &cmd);
	sf_flag_destroy(flag);
	return st;
}
