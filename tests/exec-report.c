/*
 * exec-report.c - run as an exec task, writes what it inherited to the
 * file named by argv[1]: its open fds above 2, STOPFLAG_FD and
 * STOPFLAG_TASK, its signal
 * mask and ignored signals (from /proc/self/status), whether it leads its
 * own process group, its session, and its parent-death signal.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static void report_fds(FILE *out)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	fprintf(out, "fds-above-2");
	while (d && (e = readdir(d))) {
		int fd = (int)strtol(e->d_name, NULL, 10);

		if (e->d_name[0] != '.' && fd > 2 && fd != dirfd(d) &&
		    fd != fileno(out))
			fprintf(out, " %d", fd);
	}
	fprintf(out, "\n");
	if (d)
		closedir(d);
}

static void report_signals(FILE *out)
{
	FILE *status = fopen("/proc/self/status", "r");
	char line[256];

	while (status && fgets(line, sizeof(line), status))
		if (!strncmp(line, "SigBlk:", 7) || !strncmp(line, "SigIgn:", 7))
			fputs(line, out);
	if (status)
		fclose(status);
}

int main(int argc, char **argv)
{
	int pdeathsig = -1;
	FILE *out;

	if (argc != 2 || !(out = fopen(argv[1], "w")))
		return 2;
	report_fds(out);
	fprintf(out, "stopflag-fd %s\n",
		getenv("STOPFLAG_FD") ? getenv("STOPFLAG_FD") : "none");
	fprintf(out, "stopflag-task %s\n",
		getenv("STOPFLAG_TASK") ? getenv("STOPFLAG_TASK") : "none");
	report_signals(out);
	prctl(PR_GET_PDEATHSIG, &pdeathsig);
	fprintf(out, "own-pgrp %d\n", getpgrp() == getpid());
	fprintf(out, "sid %d\n", (int)getsid(0));
	fprintf(out, "pdeathsig %d\n", pdeathsig);
	return fclose(out) == 0 ? 0 : 3;
}
