/*
 * output.c - what the benchmark prints: a table for people, one JSON object
 * for machines (the schema of the benchmark section of the design, exactly:
 * scripts read it), raw samples as CSV, and a progress line on a terminal.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

/* ---------------------------------------------------------------- wake */

static const struct wake_row *find_row(const struct wake_row *rows, int n,
				       const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(rows[i].mechanism, name) == 0)
			return &rows[i];
	return NULL;
}

/* " 1.23x", or " -" where the floor is not measured. */
static void ratio(FILE *f, double x, double floor, int width)
{
	if (floor > 0)
		fprintf(f, " %*.2fx", width - 1, x / floor);
	else
		fprintf(f, " %*s", width, "-");
}

/* Every row against both floors: the warm futex (one word, woken every
 * round) and the fresh one (a page never woken before, as a one-shot
 * stop has), and the setter's CPU against the warm futex's. */
void out_wake_table(FILE *f, const struct wake_row *rows, int n)
{
	const struct wake_row *warm = find_row(rows, n, "futex");
	const struct wake_row *fresh = find_row(rows, n, "futex-fresh");

	fprintf(f, "%-11s %8s %8s %8s %8s %12s %11s %13s %10s %10s %10s\n",
		"mechanism", "p50 us", "p90 us", "p99 us", "max us",
		"last p50 us", "set ns p50", "set wall p50", "p50/futex",
		"p50/fresh", "set/futex");
	for (int i = 0; i < n; i++) {
		const struct wake_row *r = &rows[i];

		fprintf(f, "%-11s %8.1f %8.1f %8.1f %8.1f %12.1f %11lld %13lld",
			r->mechanism, r->p50_us, r->p90_us, r->p99_us,
			r->max_us, r->last_p50_us, (long long)r->set_ns_p50,
			(long long)r->set_wall_ns_p50);
		ratio(f, r->p50_us, warm ? warm->p50_us : 0, 10);
		ratio(f, r->p50_us, fresh ? fresh->p50_us : 0, 10);
		ratio(f, (double)r->set_ns_p50,
		      warm ? (double)warm->set_ns_p50 : 0, 10);
		fputc('\n', f);
	}
}

void out_wake_json(FILE *f, int waiters, int rounds,
		   const struct wake_row *rows, int n)
{
	fprintf(f, "{\"mode\":\"wake\",\"waiters\":%d,\"rounds\":%d,"
		"\"results\":[", waiters, rounds);
	for (int i = 0; i < n; i++) {
		const struct wake_row *r = &rows[i];

		fprintf(f, "%s{\"mechanism\":\"%s\",\"p50_us\":%.3f,"
			"\"p90_us\":%.3f,\"p99_us\":%.3f,\"max_us\":%.3f,"
			"\"last_p50_us\":%.3f,\"set_ns_p50\":%lld}",
			i ? "," : "", r->mechanism, r->p50_us, r->p90_us,
			r->p99_us, r->max_us, r->last_p50_us,
			(long long)r->set_ns_p50);
	}
	fputs("]}\n", f);
}

int out_wake_csv(const char *path, const struct wake_samples *s, int n)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f)
		return -errno;
	fputs("mechanism,round,waiter,latency_ns,set_ns,set_wall_ns\n", f);
	for (int j = 0; j < n; j++) {
		const int64_t *lat = s[j].lat;

		for (int r = 0; r < s[j].rounds; r++)
			for (int i = 0; i < s[j].waiters; i++)
				fprintf(f, "%s,%d,%d,%lld,%lld,%lld\n",
					s[j].mechanism, r + 1, i + 1,
					(long long)*lat++,
					(long long)s[j].set_cpu[r],
					(long long)s[j].set_wall[r]);
	}
	if (ferror(f))
		err = -EIO;
	if (fclose(f) != 0 && err == 0)
		err = -errno;
	return err;
}

/* ---------------------------------------------------------------- group */

void out_group_table(FILE *f, const struct group_row *rows, int n)
{
	fprintf(f, "%-21s %9s %9s %9s\n", "scenario", "p50 ms", "p90 ms",
		"max ms");
	for (int i = 0; i < n; i++)
		fprintf(f, "%-21s %9.3f %9.3f %9.3f\n", rows[i].scenario,
			rows[i].p50_ms, rows[i].p90_ms, rows[i].max_ms);
}

void out_group_json(FILE *f, int tasks, int rounds,
		    const struct group_row *rows, int n)
{
	fprintf(f, "{\"mode\":\"group\",\"tasks\":%d,\"rounds\":%d,"
		"\"results\":[", tasks, rounds);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s{\"scenario\":\"%s\",\"p50_ms\":%.3f,"
			"\"p90_ms\":%.3f,\"max_ms\":%.3f}",
			i ? "," : "", rows[i].scenario, rows[i].p50_ms,
			rows[i].p90_ms, rows[i].max_ms);
	fputs("]}\n", f);
}

/* ---------------------------------------------------------------- progress */

static int64_t progress_last;
static bool progress_shown;
static int progress_tty = -1;

void progress(const char *fmt, ...)
{
	char line[160];
	int64_t t = now_ns();
	va_list ap;

	if (progress_tty < 0)
		progress_tty = isatty(STDERR_FILENO);
	if (!progress_tty || t - progress_last < 100000000)
		return;
	progress_last = t;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	progress_shown = true;
}

void progress_done(void)
{
	if (progress_shown)
		fputs("\r\033[K", stderr);
	progress_shown = false;
}
