/*
 * sleeper.c - the campaign's shell tasks: a script that joins the group's
 * flag with stopflag(1), as a user's script would.
 *
 * It ignores its stop signal and SIGTERM, so only the flag can end it in
 * time: `while stopflag sleep SLEEP` loops until a stop comes, and the
 * SIGKILL of the grace is all that ends a loop the flag failed to wake.
 * Its first incarnation, if its plan has a request, sleeps on the flag
 * until that moment of the timeline and then runs `stopflag stop-all
 * CODE`.  What the script does goes into the shared record through
 * stress-task (its standard input is the record, as for every exec
 * task):
 *
 *   stress-task IDX sh-begin PID   its start, for the shell's pid; prints
 *                                  the ms left until its request, or -
 *   stress-task IDX sh-act PID     about to run stopflag stop-all
 *   stress-task IDX sh-acted       stopflag stop-all returned
 *   exec stress-task IDX sh-woke STATUS
 *                                  its sleep loop ended, with the status
 *                                  of the last `stopflag sleep`
 *
 * The oracle (oracle.c) orders the request by those times and times the
 * wakeup from the stop (st_sleepers_check()).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "stress.h"

static const char script[] =
	"# stopflag-stress: a shell task of the fault campaign (sleeper.c)\n"
	"# $1 task index, $2 the loop's sleep, $3 the stop-all code, $4 the\n"
	"# task's stop signal; $st and $stopflag are set above, so that the\n"
	"# command line stays short (libinih reads lines of 198 characters).\n"
	"trap '' TERM \"$4\"\n"
	"idx=$1\n"
	"left=$(\"$st\" \"$idx\" sh-begin $$) || exit 90\n"
	"if [ \"$left\" != - ]; then\n"
	"\tif [ \"$left\" -eq 0 ] || \"$stopflag\" sleep \"${left}ms\"; then\n"
	"\t\t\"$st\" \"$idx\" sh-act $$\n"
	"\t\t\"$stopflag\" stop-all \"$3\"\n"
	"\t\t\"$st\" \"$idx\" sh-acted\n"
	"\tfi\n"
	"fi\n"
	"rc=0\n"
	"while [ \"$rc\" -eq 0 ]; do\n"
	"\t\"$stopflag\" sleep \"$2\"\n"
	"\trc=$?\n"
	"done\n"
	"exec \"$st\" \"$idx\" sh-woke \"$rc\"\n";

int st_sleeper_write(struct st_paths *paths)
{
	FILE *f;

	snprintf(paths->sleeper, sizeof(paths->sleeper), "%s/sleeper.sh",
		 paths->dir);
	if (strchr(paths->task, '\'') || strchr(paths->stopflag, '\'')) {
		fprintf(stderr, "stress: a quote in %s or %s\n", paths->task,
			paths->stopflag);
		paths->sleeper[0] = '\0';
		return -1;
	}
	f = fopen(paths->sleeper, "w");
	if (!f || fprintf(f, "st='%s' stopflag='%s'\n", paths->task,
			  paths->stopflag) < 0 ||
	    fputs(script, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "stress: %s: %s\n", paths->sleeper,
			strerror(errno));
		paths->sleeper[0] = '\0';
		return -1;
	}
	return 0;
}

void st_sleeper_argv(const struct st_task_plan *t, int idx,
		     const struct st_paths *paths, struct st_sleeper_argv *out)
{
	int n = 0;

	snprintf(out->num[0], sizeof(out->num[0]), "%d", idx);
	snprintf(out->num[1], sizeof(out->num[1]), "%dms", t->sleep_ms);
	snprintf(out->num[2], sizeof(out->num[2]), "%d", t->action_code);
	snprintf(out->num[3], sizeof(out->num[3]), "%d", t->stop_signal);
	out->argv[n++] = (char *)"/bin/sh";
	out->argv[n++] = (char *)paths->sleeper;
	for (int i = 0; i < 4; i++)
		out->argv[n++] = out->num[i];
	out->argv[n] = NULL;
}
