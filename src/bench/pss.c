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

/* The children of pid, appended to (*list)[*n], growing it; 0 or -1. */
static int add_children(pid_t pid, pid_t **list, size_t *n, size_t *cap)
{
	char path[64], *line = NULL;
	size_t len = 0;
	FILE *f;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid,
		 (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0; /* gone: no children */
	if (getline(&line, &len, f) > 0) {
		char *p = line, *end;

		for (;; p = end) {
			long child = strtol(p, &end, 10);

			if (end == p)
				break;
			if (*n == *cap) {
				size_t more = *cap ? 2 * *cap : 64;
				pid_t *grown = realloc(*list, more * sizeof(**list));

				if (!grown) {
					ret = -1;
					break;
				}
				*list = grown;
				*cap = more;
			}
			(*list)[(*n)++] = (pid_t)child;
		}
	}
	free(line);
	fclose(f);
	return ret;
}

long tree_pss_kb(pid_t pid, int depth)
{
	pid_t *list = malloc(sizeof(*list));
	size_t n = 1, cap = 1, from = 0;
	long sum = 0;

	if (!list)
		return pss_kb(pid);
	list[0] = pid;
	/* level by level: list[from..n) is the level below the last */
	for (int level = 0; level < depth; level++) {
		size_t to = n;

		for (size_t i = from; i < to; i++)
			if (add_children(list[i], &list, &n, &cap) < 0)
				break;
		from = to;
	}
	for (size_t i = 0; i < n; i++)
		sum += pss_kb(list[i]);
	free(list);
	return sum;
}

pid_t first_child(pid_t pid)
{
	char path[64], line[64], *end;
	long child = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid,
		 (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(line, sizeof(line), f)) {
		child = strtol(line, &end, 10);
		if (end == line)
			child = 0;
	}
	fclose(f);
	return (pid_t)child;
}
