/*
 * scale-report.c - what scale mode prints: per size and kind the median
 * and worst start and stop, the driver's median CPU time, its peak RSS
 * and the median ΣPss; then the ratios the targets are stated in, each
 * of two medians of the same run; JSON for machines; a plot of time
 * against N through gnuplot.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

struct scale_row {
	double start_p50, start_max, stop_p50, stop_max, cpu_p50; /* ms */
	long maxrss_kb, pss_kb;
};

static double ms(int64_t ns)
{
	return (double)ns / 1e6;
}

static void summarize(const struct scale_sample *s, int rounds,
		      struct scale_row *row)
{
	int64_t v[3][SCALE_MAX_ROUNDS];
	int64_t pss[SCALE_MAX_ROUNDS];

	memset(row, 0, sizeof(*row));
	for (int r = 0; r < rounds; r++) {
		v[0][r] = s[r].start_ns;
		v[1][r] = s[r].stop_ns;
		v[2][r] = s[r].cpu_ns;
		pss[r] = s[r].pss_kb;
		if (s[r].maxrss_kb > row->maxrss_kb)
			row->maxrss_kb = s[r].maxrss_kb;
	}
	row->start_p50 = ms(percentile(v[0], (size_t)rounds, 50));
	row->start_max = ms(v[0][rounds - 1]);
	row->stop_p50 = ms(percentile(v[1], (size_t)rounds, 50));
	row->stop_max = ms(v[1][rounds - 1]);
	row->cpu_p50 = ms(percentile(v[2], (size_t)rounds, 50));
	row->pss_kb = (long)percentile(pss, (size_t)rounds, 50);
}

/* The ratios of one size: index of the numbers in the JSON below. */
enum { R_EXEC_PYTHON, R_EXEC_VFORK, R_EXEC_STOP, R_FUNCTION_STOP, R_COUNT };

static const char *const ratio_names[R_COUNT] = {
	"exec_start_vs_python", "exec_start_vs_vfork",
	"exec_stop_vs_floor", "function_stop_vs_floor",
};

static void ratios(const struct scale_row *rows, int nkinds,
		   double out[R_COUNT])
{
	out[R_EXEC_PYTHON] = nkinds > SCALE_PYTHON ?
		rows[SCALE_EXEC].start_p50 / rows[SCALE_PYTHON].start_p50 : -1;
	out[R_EXEC_VFORK] = rows[SCALE_EXEC].start_p50 /
			    rows[SCALE_VFORK].start_p50;
	out[R_EXEC_STOP] = rows[SCALE_EXEC].stop_p50 /
			   rows[SCALE_FLOOR].stop_p50;
	out[R_FUNCTION_STOP] = rows[SCALE_FUNCTION].stop_p50 /
			       rows[SCALE_FLOOR].stop_p50;
}

static void table(FILE *f, int tasks, const struct scale_row *rows,
		  int nkinds, const char *const *names)
{
	double r[R_COUNT];

	fprintf(f, "\n%d tasks:\n%-9s %10s %10s %10s %10s %9s %11s %10s\n",
		tasks, "kind", "start p50", "start max", "stop p50",
		"stop max", "cpu p50", "peak RSS", "ΣPss");
	for (int k = 0; k < nkinds; k++)
		fprintf(f, "%-9s %7.1f ms %7.1f ms %7.1f ms %7.1f ms %6.1f ms "
			"%8ld kB %7ld kB\n", names[k], rows[k].start_p50,
			rows[k].start_max, rows[k].stop_p50, rows[k].stop_max,
			rows[k].cpu_p50, rows[k].maxrss_kb, rows[k].pss_kb);
	ratios(rows, nkinds, r);
	fprintf(f, "exec start / vfork %.2fx", r[R_EXEC_VFORK]);
	if (r[R_EXEC_PYTHON] >= 0)
		fprintf(f, ", / python %.2fx", r[R_EXEC_PYTHON]);
	fprintf(f, "; stop / floor: exec %.2fx, function %.2fx\n",
		r[R_EXEC_STOP], r[R_FUNCTION_STOP]);
}

static void json_size(FILE *f, int tasks, const struct scale_row *rows,
		      int nkinds, const char *const *names, bool first)
{
	for (int k = 0; k < nkinds; k++)
		fprintf(f, "%s{\"tasks\":%d,\"kind\":\"%s\",\"start_ms_p50\":"
			"%.3f,\"start_ms_max\":%.3f,\"stop_ms_p50\":%.3f,"
			"\"stop_ms_max\":%.3f,\"cpu_ms_p50\":%.3f,"
			"\"maxrss_kb\":%ld,\"pss_kb\":%ld}",
			first && k == 0 ? "" : ",", tasks, names[k],
			rows[k].start_p50, rows[k].start_max, rows[k].stop_p50,
			rows[k].stop_max, rows[k].cpu_p50, rows[k].maxrss_kb,
			rows[k].pss_kb);
}

static void json(FILE *f, const struct scale_opts *opts,
		 struct scale_row (*rows)[SCALE_KINDS], int nkinds,
		 const char *const *names)
{
	fprintf(f, "{\"mode\":\"scale\",\"rounds\":%d,\"results\":[",
		opts->rounds);
	for (int z = 0; z < opts->nsizes; z++)
		json_size(f, opts->sizes[z], rows[z], nkinds, names, z == 0);
	fputs("],\"ratios\":[", f);
	for (int z = 0; z < opts->nsizes; z++) {
		double r[R_COUNT];

		ratios(rows[z], nkinds, r);
		fprintf(f, "%s{\"tasks\":%d", z ? "," : "", opts->sizes[z]);
		for (int i = 0; i < R_COUNT; i++)
			if (r[i] < 0)
				fprintf(f, ",\"%s\":null", ratio_names[i]);
			else
				fprintf(f, ",\"%s\":%.3f", ratio_names[i], r[i]);
		fputc('}', f);
	}
	fputs("]}\n", f);
}

/* The medians as CSV in a temporary file, drawn to opts->plot. */
static int plot(const struct scale_opts *opts,
		struct scale_row (*rows)[SCALE_KINDS], int nkinds,
		const char *const *names)
{
	char csv[] = "/tmp/stopflag-bench-scale-XXXXXX";
	int fd = mkstemp(csv), err;
	FILE *f;

	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		unlink(csv);
		return err;
	}
	for (int z = 0; z < opts->nsizes; z++)
		for (int k = 0; k < nkinds; k++)
			fprintf(f, "%d,%s,%.3f,%.3f\n", opts->sizes[z],
				names[k], rows[z][k].start_p50,
				rows[z][k].stop_p50);
	err = fclose(f) == 0 ? 0 : -errno;
	if (err == 0)
		err = plot_scale(csv, opts->plot, names, nkinds);
	unlink(csv);
	return err;
}

int scale_report(const struct scale_opts *opts,
		 const struct scale_sample *all, int nkinds,
		 const char *const *names, FILE *human)
{
	struct scale_row (*rows)[SCALE_KINDS] =
		calloc((size_t)opts->nsizes, sizeof(*rows));
	int err = 0;

	if (!rows)
		return -ENOMEM;
	for (int z = 0; z < opts->nsizes; z++) {
		for (int k = 0; k < nkinds; k++)
			summarize(&all[((size_t)z * SCALE_KINDS + (size_t)k) *
				       (size_t)opts->rounds], opts->rounds,
				  &rows[z][k]);
		table(human, opts->sizes[z], rows[z], nkinds, names);
	}
	if (opts->json)
		json(stdout, opts, rows, nkinds, names);
	if (opts->plot)
		err = plot(opts, rows, nkinds, names);
	free(rows);
	/* as wake: without gnuplot the run still counts, and said so */
	return err == -ENOENT ? 0 : err;
}
