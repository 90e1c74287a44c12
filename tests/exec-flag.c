/*
 * exec-flag.c - run as an exec task, joins the group's flag with
 * sf_flag_from_env() and:
 *   exec-flag wait FILE FIFO   ignores SIGTERM, its stop signal, so that
 *                              the flag alone tells it; opens FIFO for
 *                              writing (so a stopper knows it is ready);
 *                              waits for the stop (at most 20 s); writes
 *                              "reason code pid" of the cause to FILE;
 *   exec-flag stop CODE FIFO   opens FIFO for reading (once the waiter is
 *                              ready), asks the group to stop with CODE,
 *                              and checks the cause it finds;
 *   exec-flag truncate - -     tries to shrink and grow the page's fd:
 *                              both must fail with EPERM;
 *   exec-flag scribble - -     writes 0xff over the whole page.
 * Exit status: 0, 2 bad use, 3 no flag (the error in the message),
 * 4 timed out, 5 a wrong cause, 6 FILE or FIFO failed, 7 a truncation
 * did not fail with EPERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stopflag.h"

static int wait_and_report(sf_flag *flag, const char *path, int ready)
{
	struct sf_cause c;
	FILE *out;

	close(ready);
	if (sf_flag_wait(flag, 20000) < 0 || sf_flag_cause(flag, &c) < 0)
		return 4;
	out = fopen(path, "w");
	if (!out)
		return 6;
	fprintf(out, "%s %d %d\n", sf_reason_name(c.reason), c.code,
		(int)c.pid);
	return fclose(out) == 0 ? 0 : 6;
}

static int stop_all(sf_flag *flag, int code)
{
	struct sf_cause c;

	if (sf_flag_stop_all(flag, code) != 1)
		return 5;
	if (sf_flag_wait(flag, 0) < 0 || sf_flag_cause(flag, &c) < 0)
		return 4;
	return c.reason == SF_REASON_REQUEST && c.code == code &&
	       c.pid == getpgrp() ? 0 : 5;
}

static int hostile(sf_flag *flag, const char *how)
{
	const char *env = getenv(SF_FLAG_ENV);
	int fd = env ? (int)strtol(env, NULL, 10) : -1;

	if (strcmp(how, "scribble") == 0) {
		memset(flag, 0xff, (size_t)sysconf(_SC_PAGESIZE));
		return 0;
	}
	if (ftruncate(fd, 0) == 0 || errno != EPERM)
		return 7;
	if (ftruncate(fd, 1 << 20) == 0 || errno != EPERM)
		return 7;
	return 0;
}

int main(int argc, char **argv)
{
	int waiter = argc == 4 && strcmp(argv[1], "wait") == 0;
	int err, fd, status;
	sf_flag *flag;

	if (argc == 4 && (strcmp(argv[1], "truncate") == 0 ||
			  strcmp(argv[1], "scribble") == 0)) {
		if (sf_flag_from_env(&flag) < 0)
			return 3;
		return hostile(flag, argv[1]);
	}
	if (argc != 4 || (!waiter && strcmp(argv[1], "stop") != 0))
		return 2;
	if (waiter && signal(SIGTERM, SIG_IGN) == SIG_ERR)
		return 2;
	err = sf_flag_from_env(&flag);
	if (err < 0) {
		fprintf(stderr, "exec-flag: %s\n", sf_strerror(err));
		return 3;
	}
	fd = open(argv[3], waiter ? O_WRONLY : O_RDONLY);
	if (fd < 0)
		status = 6;
	else if (waiter)
		status = wait_and_report(flag, argv[2], fd);
	else
		status = close(fd) == 0 ? stop_all(flag, (int)strtol(argv[2], NULL, 10)) : 6;
	sf_flag_destroy(flag);
	return status;
}
