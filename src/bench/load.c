/*
 * load.c - how busy the machine was while a benchmark ran: the load
 * average, and the share of CPU time that went to work (anybody's) and
 * to steal (the hypervisor running someone else on our vCPUs), from the
 * first line of /proc/stat between two readings; and of the busy time,
 * the share that was not ours (this process and every descendant it
 * reaped), which is the load that other people put on the machine.  The
 * load average counts our own runnable tasks too: starting 1000 of them
 * pushes it up by itself.  Absolute times on a shared machine mean
 * little without these beside them.
 */
#include <sys/resource.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

/* The first line of a /proc file in buf; false if there is none. */
static bool first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	return ok;
}

static void read_loadavg(double load[3])
{
	char line[256], *p = line, *end;

	load[0] = load[1] = load[2] = -1;
	if (!first_line("/proc/loadavg", line, sizeof(line)))
		return;
	for (int i = 0; i < 3; i++, p = end) {
		double v = strtod(p, &end);

		if (end == p)
			return;
		load[i] = v;
	}
}

/* The "cpu" line of /proc/stat: user nice system idle iowait irq softirq
 * steal (guest time is counted in user already). */
static void read_cpu(struct machine_load *m)
{
	unsigned long long v[8] = { 0 };
	char line[512], *p, *end;
	int n = 0;

	m->total = m->idle = m->steal = 0;
	if (!first_line("/proc/stat", line, sizeof(line)) ||
	    strncmp(line, "cpu ", 4) != 0)
		return;
	for (p = line + 4; n < 8; n++, p = end) {
		v[n] = strtoull(p, &end, 10);
		if (end == p)
			break;
	}
	if (n < 4)
		return;
	for (int i = 0; i < n; i++)
		m->total += v[i];
	m->idle = v[3] + v[4];
	m->steal = v[7];
}

static int64_t rusage_ns(int who)
{
	struct rusage ru;

	if (getrusage(who, &ru) < 0)
		return 0;
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
}

void machine_load_read(struct machine_load *m)
{
	read_loadavg(m->load);
	read_cpu(m);
	m->ours_ns = rusage_ns(RUSAGE_SELF) + rusage_ns(RUSAGE_CHILDREN);
}

void machine_load_span(const struct machine_load *from,
		       const struct machine_load *to,
		       struct machine_span *span)
{
	unsigned long long total = to->total - from->total;
	long tick = sysconf(_SC_CLK_TCK);
	double busy;

	span->busy_pct = span->steal_pct = span->others_pct = -1;
	if (to->total <= from->total || tick <= 0)
		return;
	busy = (double)(total - (to->idle - from->idle) -
			(to->steal - from->steal));
	span->busy_pct = 100.0 * busy / (double)total;
	span->steal_pct = 100.0 * (double)(to->steal - from->steal) /
			  (double)total;
	span->others_pct = span->busy_pct - 100.0 *
		(double)(to->ours_ns - from->ours_ns) /
		((double)total * 1e9 / (double)tick);
	if (span->others_pct < 0) /* ticks are coarse */
		span->others_pct = 0;
}

int machine_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}
