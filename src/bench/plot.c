/*
 * plot.c - the latency CDF of every mechanism, drawn by gnuplot from the
 * raw-sample CSV, and scale mode's time against N from its medians.  gnuplot is optional: when it cannot be run we say so
 * and the caller still has the CSV.  $GNUPLOT, if set, names the program
 * to run instead of "gnuplot" from PATH.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

extern char **environ;

static bool ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls > lx && strcmp(s + ls - lx, suffix) == 0;
}

bool plot_format_ok(const char *path)
{
	return ends_with(path, ".svg") || ends_with(path, ".png");
}

/* A gnuplot single-quoted string: a quote is written twice. */
static void put_quoted(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

static void write_terminal(FILE *f, const char *out)
{
	if (ends_with(out, ".svg"))
		fputs("set terminal svg size 900,560 dynamic font 'sans,12' "
		      "background rgb 'white'\n", f);
	else
		fputs("if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) "
		      "{ set terminal pngcairo size 900,560 } "
		      "else { set terminal png size 900,560 }\n", f);
	fputs("set output ", f);
	put_quoted(f, out);
	fputc('\n', f);
}

static void write_script(FILE *f, const char *csv, const char *out,
			 const char *title, const char *const *names, int n)
{
	write_terminal(f, out);
	fputs("set title ", f);
	put_quoted(f, title);
	fputs("\nset datafile separator ','\n"
	      "set xlabel 'wake latency, microseconds (log scale)'\n"
	      "set ylabel 'fraction of wakeups at or below'\n"
	      "set logscale x\nset yrange [0:1]\nset grid\n"
	      "set key bottom right\n"
	      /* 200 bins a decade: a small file, a 1.2% step at most */
	      "bin(x) = x > 0 ? 10 ** (ceil(log10(x) * 200) / 200.0) : 0.001\n"
	      "mechanisms = \"", f);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? " " : "", names[i]);
	fputs("\"\nplot for [m in mechanisms] ", f);
	put_quoted(f, csv);
	fputs(" using (strcol(1) eq m ? bin($4 / 1000.0) : NaN):(1) "
	      "smooth cnormal with lines linewidth 2 title m\n", f);
}

/* What a plot draws: write_script()'s arguments, or the scale plot's. */
struct plot_job {
	const char *csv, *out, *title;
	const char *const *names;
	int n;
	void (*write)(FILE *f, const struct plot_job *job);
};

static void write_cdf(FILE *f, const struct plot_job *job)
{
	write_script(f, job->csv, job->out, job->title, job->names, job->n);
}

static void write_scale(FILE *f, const struct plot_job *job)
{
	write_terminal(f, job->out);
	fputs("set title 'start and stop of N tasks (medians)'\n"
	      "set datafile separator ','\n"
	      "set xlabel 'tasks (log scale)'\n"
	      "set ylabel 'milliseconds (log scale)'\n"
	      "set logscale xy\nset grid\nset key top left\n"
	      "kinds = \"", f);
	for (int i = 0; i < job->n; i++)
		fprintf(f, "%s%s", i ? " " : "", job->names[i]);
	fputs("\"\nplot for [i=1:words(kinds)] ", f);
	put_quoted(f, job->csv);
	fputs(" using 1:(strcol(2) eq word(kinds, i) ? $3 : NaN) "
	      "with linespoints linecolor i linewidth 2 "
	      "title word(kinds, i).' start', \\\n"
	      "     for [i=1:words(kinds)] ", f);
	put_quoted(f, job->csv);
	fputs(" using 1:(strcol(2) eq word(kinds, i) ? $4 : NaN) "
	      "with linespoints linecolor i dashtype 2 linewidth 2 "
	      "title word(kinds, i).' stop'\n", f);
}

static int run_gnuplot(const struct plot_job *job);

int plot_cdf(const char *csv, const char *out, const char *title,
	     const char *const *names, int n)
{
	struct plot_job job = { csv, out, title, names, n, write_cdf };

	return run_gnuplot(&job);
}

int plot_scale(const char *csv, const char *out, const char *const *names,
	       int n)
{
	struct plot_job job = { csv, out, NULL, names, n, write_scale };

	return run_gnuplot(&job);
}

static int run_gnuplot(const struct plot_job *job)
{
	const char *gnuplot = getenv("GNUPLOT");
	char *argv[2] = { NULL, NULL };
	posix_spawn_file_actions_t fa;
	int fds[2], status, err;
	pid_t pid;
	FILE *f;

	if (!gnuplot || !*gnuplot)
		gnuplot = "gnuplot";
	argv[0] = (char *)gnuplot;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[0], STDIN_FILENO);
	err = posix_spawnp(&pid, gnuplot, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[0]);
	if (err != 0) {
		close(fds[1]);
		fprintf(stderr, "stopflag-bench: cannot run %s: %s%s\n",
			gnuplot, strerror(err), err == ENOENT ?
			" (gnuplot is optional: install it to draw --plot)" :
			"");
		return -err;
	}
	f = fdopen(fds[1], "w");
	if (f) {
		signal(SIGPIPE, SIG_IGN);
		job->write(f, job);
		fclose(f);
	} else {
		close(fds[1]);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "stopflag-bench: gnuplot failed to draw %s\n",
			job->out);
		return -EIO;
	}
	return 0;
}
