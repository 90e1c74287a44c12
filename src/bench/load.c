/*
 * load.c - how busy the machine was while a benchmark ran: the load
 * average, and the share of CPU time that went to work (anybody's) and
 * to steal (the hypervisor running someone else on our vCPUs), from the
 * first line of /proc/stat between two readings.  Absolute times on a
 * shared machine mean little without these beside them.
 */
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

void machine_load_read(struct machine_load *m)
{
	read_loadavg(m->load);
	read_cpu(m);
}

void machine_load_span(const struct machine_load *from,
		       const struct machine_load *to, double *busy_pct,
		       double *steal_pct)
{
	unsigned long long total = to->total - from->total;

	*busy_pct = *steal_pct = -1;
	if (to->total <= from->total)
		return;
	*busy_pct = 100.0 * (double)(total - (to->idle - from->idle) -
				     (to->steal - from->steal)) /
		    (double)total;
	*steal_pct = 100.0 * (double)(to->steal - from->steal) /
		     (double)total;
}

int machine_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}
