/*
 * daemon.c - the daemon part of the campaign: the same plan, run by
 * stopflagd from a real config file instead of by a program of ours.
 *
 * Function tasks become plugin tasks of stress-plugin.so (which runs the
 * very same st_fn_task(), told its index by an `index` key stopflagd hands
 * over), exec tasks run stress-task as before, shell tasks their script.  The shared record is
 * stopflagd's standard input, which its tasks inherit; its log goes to a
 * memfd the driver prints when something goes wrong.  What the checks
 * then see of the outcome is stopflagd's exit status (stopflagd(8)).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "stress.h"

static const char *const strategies[] = { "stop-all", "one-for-one",
					  "one-for-all", "rest-for-one" };
static const char *const restarts[] = { "temporary", "transient",
					"permanent" };

static void task_section(FILE *f, const struct st_task_plan *t, int i,
			 const struct st_paths *paths)
{
	fprintf(f, "\n[task t%d]\n", i);
	switch (t->kind) {
	case ST_FN:
		fprintf(f, "type = plugin\nmodule = %s\nindex = %d\n",
			paths->plugin, i);
		break;
	case ST_EXEC:
		fprintf(f, "type = exec\ncommand = '%s' %d\n", paths->task, i);
		break;
	case ST_EXEC_SH: {
		struct st_sleeper_argv shell = { 0 };

		st_sleeper_argv(t, i, paths, &shell);
		fprintf(f, "type = exec\ncommand =");
		for (char **w = shell.argv; *w; w++)
			fprintf(f, " '%s'", *w);
		fprintf(f, "\n");
		break;
	}
	case ST_EXEC_MISSING:
		fprintf(f, "type = exec\ncommand = " ST_NO_SUCH_PROGRAM "\n");
		break;
	default:
		fprintf(f, "type = exec\ncommand = " ST_NOT_A_PROGRAM "\n");
		break;
	}
	fprintf(f, "restart = %s\nstop-signal = %d\n", restarts[t->restart],
		t->stop_signal);
	if (t->ready_ms > 0)
		fprintf(f, "ready = notify\n");
	if (t->after > 0)
		fprintf(f, "after = t%d\n", t->after - 1);
}

int st_daemon_config(const struct st_scenario *sc, const struct st_paths *paths,
		     const char *file)
{
	FILE *f = fopen(file, "w");

	if (!f)
		return -errno;
	fprintf(f, "; stress scenario %u of seed %llu\n[stopflagd]\n",
		sc->index, (unsigned long long)sc->seed);
	fprintf(f, "grace = %dms\nstrategy = %s\nmax-restarts = %d\n"
		"restart-period = %dms\n", sc->grace_ms, strategies[sc->strategy],
		sc->max_restarts, sc->period_ms);
	for (int i = 0; i < sc->ntasks; i++)
		task_section(f, &sc->task[i], i, paths);
	if (fclose(f) != 0)
		return -errno;
	return 0;
}

void st_daemon_main(struct st_shared *sh, int shm_fd, int log_fd,
		    const struct st_paths *paths)
{
	st_master_setup(sh, shm_fd);
	if (dup2(log_fd, STDOUT_FILENO) < 0 || dup2(log_fd, STDERR_FILENO) < 0)
		_exit(ST_MASTER_SETUP);
	execl(paths->daemon, "stopflagd", "-c", paths->config, (char *)NULL);
	sh->res.setup_step = 200;
	sh->res.setup_err = -errno;
	_exit(ST_MASTER_SETUP);
}
