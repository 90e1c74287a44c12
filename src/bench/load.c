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
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

static void read_loadavg(double load[3])
{
	FILE *f = fopen("/proc/loadavg", "r");

	load[0] = load[1] = load[2] = -1;
	if (!f)
		return;
	if (fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
		load[0] = load[1] = load[2] = -1;
	fclose(f);
}

/* The "cpu" line of /proc/stat: user nice system idle iowait irq softirq
 * steal (guest time is counted in user already). */
static void read_cpu(struct machine_load *m)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int n = 0;

	m->total = m->idle = m->steal = 0;
	if (!f)
		return;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 4)
		return;
	for (int i = 0; i < n; i++)
		m->total += v[i];
	m->idle = v[3] + (n > 4 ? v[4] : 0);
	m->steal = n > 7 ? v[7] : 0;
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
