/*
 * asleep.c - before a set is timed, every waiter must really be asleep in
 * the kernel, or we would time a process that was still running (or
 * spinning) instead of a wakeup.  The waiters announce themselves right
 * before they block; this file then watches the scheduler state in
 * /proc/PID/stat until each one reads 'S' (interruptible sleep).
 *
 * The stat files stay open and are re-read with pread(), which makes the
 * kernel regenerate them: one system call per waiter and check.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench.h"
#include "procstat.h"

struct sleepwatch {
	int n;
	pid_t *pids;
	int *fds;
};

static int open_stat(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* The state letter of an open /proc/PID/stat ('R', 'S', 'D', ...), or
 * -errno (procstat.c parses it, names with spaces and parentheses too). */
static int read_state(int fd)
{
	struct sf__procstat st;
	int err = sf__procstat_read_fd(fd, &st);

	return err < 0 ? err : st.state;
}

struct sleepwatch *sleepwatch_open(const pid_t *pids, int n)
{
	struct sleepwatch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->n = n;
	w->pids = calloc((size_t)n, sizeof(*w->pids));
	w->fds = calloc((size_t)n, sizeof(*w->fds));
	if (!w->pids || !w->fds) {
		sleepwatch_close(w);
		return NULL;
	}
	for (int i = 0; i < n; i++)
		w->fds[i] = -1;
	for (int i = 0; i < n; i++) {
		w->pids[i] = pids[i];
		w->fds[i] = open_stat(pids[i]);
		if (w->fds[i] < 0) {
			int err = errno;

			sleepwatch_close(w);
			errno = err;
			return NULL;
		}
	}
	return w;
}

void sleepwatch_close(struct sleepwatch *w)
{
	if (!w)
		return;
	for (int i = 0; w->fds && i < w->n; i++)
		if (w->fds[i] >= 0)
			close(w->fds[i]);
	free(w->fds);
	free(w->pids);
	free(w);
}

/* Checks start where the last one found somebody awake, so a poll costs
 * one read until that process sleeps. */
int sleepwatch_all_asleep(struct sleepwatch *w, int timeout_ms, pid_t *who)
{
	int64_t deadline = now_ns() + (int64_t)timeout_ms * 1000000;
	int checked = 0, i = 0;

	while (checked < w->n) {
		int state = read_state(w->fds[i]);

		if (state < 0)
			return state;
		if (state == 'S') {
			checked++;
			i = (i + 1) % w->n;
			continue;
		}
		checked = 0;
		if (now_ns() > deadline) {
			if (who)
				*who = w->pids[i];
			return -ETIMEDOUT;
		}
		sleep_us(20);
	}
	return 0;
}

int wait_asleep(pid_t pid, int timeout_ms)
{
	struct sleepwatch *w = sleepwatch_open(&pid, 1);
	int ret;

	if (!w)
		return -errno;
	ret = sleepwatch_all_asleep(w, timeout_ms, NULL);
	sleepwatch_close(w);
	return ret;
}
