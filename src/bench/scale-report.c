/*
 * scale-report.c - what scale mode prints.
 *
 * Per size and kind: the median (of an even count of rounds, the mean
 * of the middle two), best and worst start and stop, the
 * driver's median CPU time, its peak RSS and the median ΣPss.  Then the
 * ratios the targets are stated in.  Each is taken within each round (two
 * measurements made close together, so the load weighs on both alike),
 * and reported as the median of those per-round ratios with their lowest
 * and highest, beside the ratio of the two medians; a target is met when
 * the per-round median is within it.  The load of every round and of the
 * whole run comes with them.  JSON for machines; a plot of the medians
 * against N through gnuplot.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

struct scale_row {
	int n;                /* rounds measured */
	double start_p50, start_min, start_max; /* ms */
	double stop_p50, stop_min, stop_max, cpu_p50;
	double start_cpu_p50, stop_cpu_p50; /* ms: the tree's, in each */
	double stop_faults_p50; /* minor faults in the stop, per task */
	long maxrss_kb, pss_kb;
};

/* What a ratio compares: the start time, the stop time, or the CPU time
 * the whole tree spent in the start or in the stop (which other people's
 * load changes much less than the times). */
enum ratio_of { START, STOP, START_CPU, STOP_CPU };

/* One ratio: that of kind num over that of kind den. */
struct ratio_def {
	const char *name;
	enum scale_kind num, den;
	enum ratio_of of;
	double target;        /* 0: none, only shown */
};

#define TARGET 1.1

static const struct ratio_def ratio_defs[] = {
	{ "exec_start_vs_python", SCALE_EXEC, SCALE_PYTHON, START, TARGET },
	{ "exec_start_cpu_vs_python", SCALE_EXEC, SCALE_PYTHON, START_CPU, 0 },
	{ "exec_start_vs_vfork", SCALE_EXEC, SCALE_VFORK, START, 0 },
	{ "exec_stop_vs_floor", SCALE_EXEC, SCALE_FLOOR, STOP, TARGET },
	{ "function_stop_vs_floor", SCALE_FUNCTION, SCALE_FLOOR, STOP, TARGET },
	{ "stopflagd_exec_start_vs_python", SCALE_DAEMON_EXEC, SCALE_PYTHON,
	  START, TARGET },
	{ "stopflagd_exec_stop_vs_floor", SCALE_DAEMON_EXEC, SCALE_FLOOR, STOP,
	  TARGET },
	{ "stopflagd_function_stop_vs_floor", SCALE_DAEMON_FUNCTION,
	  SCALE_FLOOR, STOP, TARGET },
	{ "stopflagd_function_stop_vs_function", SCALE_DAEMON_FUNCTION,
	  SCALE_FUNCTION, STOP, 0 },
	{ "exec_stop_cpu_vs_floor", SCALE_EXEC, SCALE_FLOOR, STOP_CPU, 0 },
	{ "function_stop_cpu_vs_floor", SCALE_FUNCTION, SCALE_FLOOR, STOP_CPU,
	  0 },
	{ "stopflagd_exec_stop_cpu_vs_floor", SCALE_DAEMON_EXEC, SCALE_FLOOR,
	  STOP_CPU, 0 },
	{ "stopflagd_function_stop_cpu_vs_floor", SCALE_DAEMON_FUNCTION,
	  SCALE_FLOOR, STOP_CPU, 0 },
};
#define NRATIOS (sizeof(ratio_defs) / sizeof(ratio_defs[0]))

/* A ratio's summary: per-round median, lowest, highest; the ratio of the
 * medians.  n = 0: not measured. */
struct ratio {
	int n;
	double p50, min, max, of_medians;
};

static const struct scale_sample *sample(const struct scale_result *res,
					 int z, int k, int r)
{
	return &res->all[((size_t)z * SCALE_KINDS + (size_t)k) *
			 (size_t)res->opts->rounds + (size_t)r];
}

/* The median of v[0..n), n > 0, sorted: of an even count, the mean of
 * the middle two (a nearest rank would take the lower of two rounds). */
static double median(const int64_t *v, int n)
{
	int lo = (n - 1) / 2, hi = n / 2;

	return ((double)v[lo] + (double)v[hi]) / 2;
}

/* Median, lowest and highest of v[0..n), n > 0; sorts v. */
static void spread(int64_t *v, int n, double *p50, double *min, double *max,
		   double unit)
{
	sort_i64(v, (size_t)n);
	*p50 = median(v, n) / unit;
	*min = (double)v[0] / unit;
	*max = (double)v[n - 1] / unit;
}

static void summarize(const struct scale_result *res, int z, int k,
		      struct scale_row *row)
{
	int64_t v[6][SCALE_MAX_ROUNDS], pss[SCALE_MAX_ROUNDS];
	int n = 0;

	memset(row, 0, sizeof(*row));
	for (int r = 0; r < res->done[z]; r++) {
		const struct scale_sample *s = sample(res, z, k, r);

		if (!s->valid)
			continue;
		v[0][n] = s->start_ns;
		v[1][n] = s->stop_ns;
		v[2][n] = s->cpu_ns;
		v[3][n] = s->start_cpu_ns;
		v[4][n] = s->cpu_ns - s->start_cpu_ns;
		v[5][n] = s->faults - s->start_faults;
		pss[n] = s->pss_kb;
		if (s->maxrss_kb > row->maxrss_kb)
			row->maxrss_kb = s->maxrss_kb;
		n++;
	}
	row->n = n;
	if (n == 0)
		return;
	spread(v[0], n, &row->start_p50, &row->start_min, &row->start_max, 1e6);
	spread(v[1], n, &row->stop_p50, &row->stop_min, &row->stop_max, 1e6);
	for (int i = 2; i < 6; i++)
		sort_i64(v[i], (size_t)n);
	sort_i64(pss, (size_t)n);
	row->cpu_p50 = median(v[2], n) / 1e6;
	row->start_cpu_p50 = median(v[3], n) / 1e6;
	row->stop_cpu_p50 = median(v[4], n) / 1e6;
	row->stop_faults_p50 = median(v[5], n) / res->opts->sizes[z];
	row->pss_kb = (long)median(pss, n);
}

static int64_t value(const struct scale_sample *s, enum ratio_of of)
{
	switch (of) {
	case START: return s->start_ns;
	case STOP: return s->stop_ns;
	case START_CPU: return s->start_cpu_ns;
	case STOP_CPU: return s->cpu_ns - s->start_cpu_ns;
	}
	return 0;
}

/* The ratio d of one round r, or -1 if it lacks either side. */
static double round_ratio(const struct scale_result *res, int z, int r,
			  const struct ratio_def *d)
{
	const struct scale_sample *a = sample(res, z, (int)d->num, r);
	const struct scale_sample *b = sample(res, z, (int)d->den, r);
	int64_t x = value(a, d->of), y = value(b, d->of);

	if (!a->valid || !b->valid || y <= 0)
		return -1;
	return (double)x / (double)y;
}

static double row_value(const struct scale_row *w, enum ratio_of of)
{
	switch (of) {
	case START: return w->start_p50;
	case STOP: return w->stop_p50;
	case START_CPU: return w->start_cpu_p50;
	case STOP_CPU: return w->stop_cpu_p50;
	}
	return 0;
}

static void summarize_ratio(const struct scale_result *res, int z,
			    const struct scale_row *rows,
			    const struct ratio_def *d, struct ratio *out)
{
	int64_t v[SCALE_MAX_ROUNDS];
	int n = 0;

	memset(out, 0, sizeof(*out));
	for (int r = 0; r < res->done[z]; r++) {
		double x = round_ratio(res, z, r, d);

		if (x >= 0)
			v[n++] = (int64_t)(x * 1e6 + 0.5);
	}
	if (n == 0)
		return;
	out->n = n;
	spread(v, n, &out->p50, &out->min, &out->max, 1e6);
	out->of_medians = row_value(&rows[d->num], d->of) /
			  row_value(&rows[d->den], d->of);
}

/* ---------------------------------------------------------------- table */

static void table(FILE *f, const struct scale_result *res, int z,
		  const struct scale_row *rows, const struct ratio *ratios)
{
	fprintf(f, "\n%d tasks, %d round%s:\n%-18s %23s %23s %9s %9s %9s %s\n",
		res->opts->sizes[z], res->done[z], res->done[z] == 1 ? "" : "s",
		"kind", "start ms: p50 (min-max)", "stop ms: p50 (min-max)",
		"cpu p50", "peak RSS", "ΣPss", "stop faults/task");
	for (int k = 0; k < SCALE_KINDS; k++) {
		const struct scale_row *w = &rows[k];

		if (!w->n)
			continue;
		fprintf(f, "%-18s %7.1f (%6.1f-%6.1f) %7.1f (%6.1f-%6.1f) "
			"%6.0f ms %6ld kB %6ld kB %8.1f\n", scale_kind_names[k],
			w->start_p50, w->start_min, w->start_max, w->stop_p50,
			w->stop_min, w->stop_max, w->cpu_p50, w->maxrss_kb,
			w->pss_kb, w->stop_faults_p50);
	}
	fputs("ratio, per round: p50 (min-max), of the medians\n", f);
	for (size_t i = 0; i < NRATIOS; i++) {
		const struct ratio *x = &ratios[i];

		if (!x->n)
			continue;
		fprintf(f, "  %-36s %.2fx (%.2f-%.2f), %.2fx", ratio_defs[i].name,
			x->p50, x->min, x->max, x->of_medians);
		if (ratio_defs[i].target > 0)
			fprintf(f, "  target <= %.1fx: %s", ratio_defs[i].target,
				x->p50 <= ratio_defs[i].target ? "met" : "MISSED");
		fputc('\n', f);
	}
	fputs("round  load1  busy%  others%  steal%  seconds\n", f);
	for (int r = 0; r < res->done[z]; r++) {
		const struct scale_round *rd =
			&res->rounds[z * res->opts->rounds + r];

		fprintf(f, "%5d %6.2f %6.1f %8.1f %7.1f %8.1f\n", r + 1,
			rd->load1, rd->span.busy_pct, rd->span.others_pct,
			rd->span.steal_pct, (double)rd->ns / 1e9);
	}
}

static void machine_table(FILE *f, const struct scale_result *res)
{
	struct machine_span m;

	machine_load_span(&res->begin, &res->end, &m);
	fprintf(f, "\nthe machine: %d CPUs; load average %.2f %.2f %.2f at the "
		"start, %.2f %.2f %.2f at the end (our own tasks count in it); "
		"over the %.0f s of the run its CPU time was busy %.1f%% (others "
		"than this run: %.1f%%), stolen %.1f%%\n", machine_cpus(),
		res->begin.load[0], res->begin.load[1], res->begin.load[2],
		res->end.load[0], res->end.load[1], res->end.load[2],
		(double)res->ns / 1e9, m.busy_pct, m.others_pct, m.steal_pct);
}

/* ---------------------------------------------------------------- JSON */

static void json_rows(FILE *f, const struct scale_result *res,
		      const struct scale_row (*rows)[SCALE_KINDS])
{
	bool first = true;

	fputs(",\"results\":[", f);
	for (int z = 0; z < res->opts->nsizes; z++)
		for (int k = 0; k < SCALE_KINDS; k++) {
			const struct scale_row *w = &rows[z][k];

			if (!w->n)
				continue;
			fprintf(f, "%s{\"tasks\":%d,\"kind\":\"%s\",\"rounds\":%d,"
				"\"start_ms_p50\":%.3f,\"start_ms_min\":%.3f,"
				"\"start_ms_max\":%.3f,\"stop_ms_p50\":%.3f,"
				"\"stop_ms_min\":%.3f,\"stop_ms_max\":%.3f,"
				"\"cpu_ms_p50\":%.3f,\"start_cpu_ms_p50\":%.3f,"
				"\"stop_cpu_ms_p50\":%.3f,\"maxrss_kb\":%ld,"
				"\"pss_kb\":%ld,\"stop_faults_per_task_p50\":%.1f}",
				first ? "" : ",",
				res->opts->sizes[z], scale_kind_names[k], w->n,
				w->start_p50, w->start_min, w->start_max,
				w->stop_p50, w->stop_min, w->stop_max,
				w->cpu_p50, w->start_cpu_p50, w->stop_cpu_p50,
				w->maxrss_kb, w->pss_kb, w->stop_faults_p50);
			first = false;
		}
	fputc(']', f);
}

static void json_number(FILE *f, const char *key, double v)
{
	if (v < 0)
		fprintf(f, ",\"%s\":null", key);
	else
		fprintf(f, ",\"%s\":%.3f", key, v);
}

static void json_rounds(FILE *f, const struct scale_result *res)
{
	bool first = true;

	fputs(",\"rounds_detail\":[", f);
	for (int z = 0; z < res->opts->nsizes; z++)
		for (int r = 0; r < res->done[z]; r++) {
			const struct scale_round *rd =
				&res->rounds[z * res->opts->rounds + r];

			fprintf(f, "%s{\"tasks\":%d,\"round\":%d", first ? "" : ",",
				res->opts->sizes[z], r + 1);
			json_number(f, "load1", rd->load1);
			json_number(f, "busy_pct", rd->span.busy_pct);
			json_number(f, "others_pct", rd->span.others_pct);
			json_number(f, "steal_pct", rd->span.steal_pct);
			json_number(f, "seconds", (double)rd->ns / 1e9);
			for (size_t i = 0; i < NRATIOS; i++)
				json_number(f, ratio_defs[i].name,
					    round_ratio(res, z, r, &ratio_defs[i]));
			fputc('}', f);
			first = false;
		}
	fputc(']', f);
}

static void json_ratios(FILE *f, const struct scale_result *res,
			const struct ratio (*ratios)[NRATIOS])
{
	fputs(",\"ratios\":[", f);
	for (int z = 0; z < res->opts->nsizes; z++) {
		fprintf(f, "%s{\"tasks\":%d", z ? "," : "", res->opts->sizes[z]);
		for (size_t i = 0; i < NRATIOS; i++) {
			const struct ratio *x = &ratios[z][i];
			double t = ratio_defs[i].target;

			if (!x->n) {
				fprintf(f, ",\"%s\":null", ratio_defs[i].name);
				continue;
			}
			fprintf(f, ",\"%s\":{\"rounds\":%d,\"p50\":%.3f,"
				"\"min\":%.3f,\"max\":%.3f,\"of_medians\":%.3f",
				ratio_defs[i].name, x->n, x->p50, x->min, x->max,
				x->of_medians);
			if (t > 0)
				fprintf(f, ",\"target\":%.1f,\"met\":%s", t,
					x->p50 <= t ? "true" : "false");
			fputc('}', f);
		}
		fputc('}', f);
	}
	fputc(']', f);
}

static void json(FILE *f, const struct scale_result *res,
		 const struct scale_row (*rows)[SCALE_KINDS],
		 const struct ratio (*ratios)[NRATIOS])
{
	const struct machine_load *b = &res->begin, *e = &res->end;
	struct machine_span m;

	machine_load_span(b, e, &m);
	fprintf(f, "{\"mode\":\"scale\",\"rounds\":%d,\"seconds\":%d,"
		"\"machine\":{\"cpus\":%d,\"loadavg_start\":[%.2f,%.2f,%.2f],"
		"\"loadavg_end\":[%.2f,%.2f,%.2f]", res->opts->rounds,
		res->opts->seconds, machine_cpus(), b->load[0], b->load[1],
		b->load[2], e->load[0], e->load[1], e->load[2]);
	json_number(f, "busy_pct", m.busy_pct);
	json_number(f, "others_pct", m.others_pct);
	json_number(f, "steal_pct", m.steal_pct);
	json_number(f, "run_seconds", (double)res->ns / 1e9);
	fputc('}', f);
	json_rows(f, res, rows);
	json_rounds(f, res);
	json_ratios(f, res, ratios);
	fputs("}\n", f);
}

/* ---------------------------------------------------------------- plot */

/* The medians as CSV in a temporary file, drawn to opts->plot. */
static int plot(const struct scale_result *res,
		const struct scale_row (*rows)[SCALE_KINDS])
{
	const char *names[SCALE_KINDS];
	char csv[] = "/tmp/stopflag-bench-scale-XXXXXX";
	int fd = mkstemp(csv), err, n = 0;
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
	for (int k = 0; k < SCALE_KINDS; k++)
		if (res->kinds & 1u << k)
			names[n++] = scale_kind_names[k];
	for (int z = 0; z < res->opts->nsizes; z++)
		for (int k = 0; k < SCALE_KINDS; k++)
			if (rows[z][k].n)
				fprintf(f, "%d,%s,%.3f,%.3f\n",
					res->opts->sizes[z], scale_kind_names[k],
					rows[z][k].start_p50, rows[z][k].stop_p50);
	err = fclose(f) == 0 ? 0 : -errno;
	if (err == 0)
		err = plot_scale(csv, res->opts->plot, names, n);
	unlink(csv);
	return err;
}

int scale_report(const struct scale_result *res, FILE *human)
{
	const struct scale_opts *opts = res->opts;
	struct scale_row (*rows)[SCALE_KINDS] =
		calloc((size_t)opts->nsizes, sizeof(*rows));
	struct ratio (*ratios)[NRATIOS] =
		calloc((size_t)opts->nsizes, sizeof(*ratios));
	int err = 0;

	if (!rows || !ratios) {
		free(rows);
		free(ratios);
		return -ENOMEM;
	}
	for (int z = 0; z < opts->nsizes; z++) {
		for (int k = 0; k < SCALE_KINDS; k++)
			if (res->kinds & 1u << k)
				summarize(res, z, k, &rows[z][k]);
		for (size_t i = 0; i < NRATIOS; i++)
			summarize_ratio(res, z, rows[z], &ratio_defs[i],
					&ratios[z][i]);
		table(human, res, z, rows[z], ratios[z]);
	}
	machine_table(human, res);
	if (opts->json)
		json(stdout, res, (const struct scale_row (*)[SCALE_KINDS])rows,
		     (const struct ratio (*)[NRATIOS])ratios);
	if (opts->plot)
		err = plot(res, (const struct scale_row (*)[SCALE_KINDS])rows);
	free(rows);
	free(ratios);
	/* as wake: without gnuplot the run still counts, and said so */
	return err == -ENOENT ? 0 : err;
}
