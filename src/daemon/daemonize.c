/*
 * daemonize.c - fork, setsid, fork, chdir, /dev/null; a pipe carries the
 * daemon's first report back to the process that started it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemonize.h"
#include "log.h"

static int report_fd = -1;  /* the daemon's end of the report pipe */

void sfd_daemon_close_fds(void)
{
#ifdef HAVE_CLOSE_RANGE
	if (close_range(3, ~0U, 0) == 0)
		return;
#endif
	for (long fd = 3, max = sysconf(_SC_OPEN_MAX); fd < max; fd++)
		close((int)fd);
}

static void report(unsigned char status)
{
	if (report_fd < 0)
		return;
	while (write(report_fd, &status, 1) < 0 && errno == EINTR)
		;
	close(report_fd);
	report_fd = -1;
}

void sfd_daemon_ready(void)
{
	report(0);
}

void sfd_daemon_report_exit(int status)
{
	report((unsigned char)status);
}

/* The starter: wait for the first report and leave with it. */
static _Noreturn void await_report(int fd, pid_t child)
{
	unsigned char status;
	ssize_t n;

	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
	while ((n = read(fd, &status, 1)) < 0 && errno == EINTR)
		;
	if (n == 1)
		_exit(status);
	sfd_error("the daemon ended before it was up");
	_exit(1);
}

int sfd_daemonize(void)
{
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (pid > 0) {
		close(fds[1]);
		await_report(fds[0], pid);
	}
	close(fds[0]);
	report_fd = fds[1];
	if (setsid() < 0 || (pid = fork()) < 0) {
		sfd_error("cannot detach: %m");
		report(71);
		_exit(71);
	}
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		return -errno;
	return 0;
}

int sfd_daemon_detach_stdio(void)
{
	int fd = open("/dev/null", O_RDWR), err = 0;

	if (fd < 0)
		return -errno;
	for (int i = 0; i < 3 && err == 0; i++)
		if (i != fd && dup2(fd, i) < 0)
			err = -errno;
	if (fd > 2)
		close(fd);
	return err;
}
