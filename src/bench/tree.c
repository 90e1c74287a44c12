/*
 * tree.c - what a process tree costs, from /proc/PID/task/PID/children
 * and, for each process in it, /proc/PID/smaps_rollup (its proportional
 * set size: the pages they share counted once) and /proc/PID/stat (its
 * CPU time and page faults, with those of the children it reaped).
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
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

/* pid and its descendants down to depth levels, in a malloc()ed array
 * of *n; NULL if out of memory. */
static pid_t *tree_list(pid_t pid, int depth, size_t *n)
{
	pid_t *list = malloc(sizeof(*list));
	size_t cap = 1, from = 0;

	*n = 0;
	if (!list)
		return NULL;
	list[0] = pid;
	*n = 1;
	/* level by level: list[from..to) is the level below the last */
	for (int level = 0; level < depth; level++) {
		size_t to = *n;

		for (size_t i = from; i < to; i++)
			if (add_children(list[i], &list, n, &cap) < 0)
				break;
		from = to;
	}
	return list;
}

long tree_pss_kb(pid_t pid, int depth)
{
	size_t n;
	pid_t *list = tree_list(pid, depth, &n);
	long sum = 0;

	if (!list)
		return pss_kb(pid);
	for (size_t i = 0; i < n; i++)
		sum += pss_kb(list[i]);
	free(list);
	return sum;
}

/* The first number of a /proc/PID file, or -1. */
static long long proc_number(pid_t pid, const char *file, char **text_out,
			     char *text, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, text, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	if (text_out)
		*text_out = text;
	return strtoll(text, NULL, 10);
}

/*
 * What pid cost: its CPU time in ns, from /proc/PID/schedstat (exact;
 * its stat counts in clock ticks, and a process that ran 3 ms often
 * shows none), with that of the children it reaped, fields 16 and 17 of
 * its stat (cutime, cstime, in ticks: sums of many, so the rounding
 * matters little); and its minor page faults with its reaped children's,
 * fields 10 and 11.  Fields are counted after the last ')', since its
 * name may hold anything.  Adds to *cpu_ns and *faults.
 */
static void process_cost(pid_t pid, long tick, int64_t *cpu_ns,
			 long long *faults)
{
	char text[1024], *p = NULL, *end;
	long long own = proc_number(pid, "schedstat", NULL, text, sizeof(text));
	long long reaped = 0;

	if (proc_number(pid, "stat", &p, text, sizeof(text)) < 0 ||
	    !(p = strrchr(p, ')'))) {
		*cpu_ns += own > 0 ? own : 0;
		return;
	}
	p++;
	/* field 3 (the state) is the first after it */
	for (int field = 3; field <= 17; field++, p = end) {
		while (*p == ' ')
			p++;
		end = p;
		while (*end && *end != ' ')
			end++;
		if (end == p)
			break;
		if (field == 10 || field == 11)
			*faults += strtoll(p, NULL, 10);
		if (field >= 16 || (field >= 14 && own < 0))
			reaped += strtoll(p, NULL, 10);
	}
	*cpu_ns += (own > 0 ? own : 0) + reaped * (1000000000LL / tick);
}

void tree_cost(pid_t pid, int depth, int64_t *cpu_ns, long long *faults)
{
	long tick = sysconf(_SC_CLK_TCK);
	size_t n;
	pid_t *list = tree_list(pid, depth, &n);

	*cpu_ns = 0;
	*faults = 0;
	if (list && tick > 0)
		for (size_t i = 0; i < n; i++)
			process_cost(list[i], tick, cpu_ns, faults);
	free(list);
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
