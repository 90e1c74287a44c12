/*
 * plugin-slow-load.c - a plugin whose constructor takes its time, so that
 * a test can signal stopflagd while it is still loading its config.
 *
 * At dlopen() it writes its pid to the file named by SFD_SLOW_LOAD_MARK
 * (when set), then waits until the FIFO named by SFD_SLOW_LOAD_GATE (when
 * set) is written to: the test decides how long loading takes.  Its
 * task creates the file named by its `canary` option, to show it started,
 * and waits for the stop.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <stopflag.h>

static void touch(const char *path, long value)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	char line[32];
	int n;

	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%ld\n", value);
	if (write(fd, line, (size_t)n) != n)
		_exit(3);
	close(fd);
}

static int canary(sf_task *task, void *arg)
{
	const char *path = sf_task_option(task, "canary");

	(void)arg;
	if (path)
		touch(path, (long)getpid());
	while (sf_task_wait(task, -1) != 0)
		;
	return 0;
}

SF_PLUGIN(canary);

__attribute__((constructor)) static void load(void)
{
	const char *mark = getenv("SFD_SLOW_LOAD_MARK");
	const char *gate = getenv("SFD_SLOW_LOAD_GATE");
	char byte;
	int fd;

	if (mark)
		touch(mark, (long)getpid());
	if (!gate)
		return;
	/* Until the test opens the gate (a FIFO): stop signals are blocked
	 * in stopflagd, so nothing cuts this short. */
	fd = open(gate, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		while (read(fd, &byte, 1) < 0)
			;
		close(fd);
	}
}
