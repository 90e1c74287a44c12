/*
 * pss.c - the proportional set size of a process tree, from
 * /proc/PID/smaps_rollup and /proc/PID/task/PID/children: what a group
 * of processes costs in memory, with the pages they share counted once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* The Pss of pid in kB, or 0 if it cannot be read. */
static long pss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "Pss:", 4) == 0) {
			kb = strtol(line + 4, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

long tree_pss_kb(pid_t pid, int depth)
{
	char path[64], *list = NULL;
	size_t cap = 0;
	long sum = pss_kb(pid);
	FILE *f;

	if (depth <= 0)
		return sum;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid,
		 (int)pid);
	f = fopen(path, "r");
	if (!f)
		return sum;
	if (getline(&list, &cap, f) > 0) {
		char *p = list, *end;

		for (;; p = end) {
			long child = strtol(p, &end, 10);

			if (end == p)
				break;
			sum += tree_pss_kb((pid_t)child, depth - 1);
		}
	}
	free(list);
	fclose(f);
	return sum;
}

pid_t first_child(pid_t pid)
{
	char path[64];
	long child = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid,
		 (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%ld", &child) != 1)
		child = 0;
	fclose(f);
	return (pid_t)child;
}
