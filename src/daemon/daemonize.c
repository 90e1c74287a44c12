/*
 * daemonize.c - fork, setsid, fork, chdir, /dev/null; a pipe carries the
 * daemon's first report back to the process that started it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemonize.h"
#include "log.h"
#include "policy.h"
#include "stopsignals.h"

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

static volatile sig_atomic_t stop_to_forward;

static void remember_stop(int signo)
{
	stop_to_forward = signo;
}

/* Wait for the report on fd; a stop signal that comes meanwhile is the
 * daemon's: the starter hands it on to the daemon's process group (the
 * session the child made, which the daemon leads no more but is still
 * in), so that `kill` of the pid that was started stops the daemon. */
static ssize_t read_report(int fd, pid_t session, unsigned char *status)
{
	struct sigaction sa = { .sa_handler = remember_stop };
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	sigset_t open_mask;
	ssize_t n;

	sigemptyset(&sa.sa_mask);
	sfd_stop_signals_add(&sa.sa_mask);
	for (int i = 0; i < SF__NSTOP_SIGNALS; i++)
		sigaction(sf__stop_signals[i], &sa, NULL);
	sigprocmask(SIG_SETMASK, NULL, &open_mask);
	for (int i = 0; i < SF__NSTOP_SIGNALS; i++)
		sigdelset(&open_mask, sf__stop_signals[i]);
	for (;;) {
		int ready = ppoll(&pfd, 1, NULL, &open_mask);

		if (stop_to_forward) {
			kill(-session, stop_to_forward);
			stop_to_forward = 0;
		}
		if (ready > 0 || (ready < 0 && errno != EINTR))
			break;
	}
	while ((n = read(fd, status, 1)) < 0 && errno == EINTR)
		;
	return n;
}

/* The starter: wait for the first report and leave with it.  The child
 * has made its session and forked the daemon once it has exited. */
static _Noreturn void await_report(int fd, pid_t child)
{
	unsigned char status;

	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
	if (read_report(fd, child, &status) == 1)
		_exit(status);
	sfd_error("the daemon ended before it was up");
	_exit(1);
}

/* A stop signal that came before the fork waits, blocked, in this
 * process, and a fork does not hand pending signals on: take it here, to
 * give it to the daemon. */
static int take_pending_stop(void)
{
	struct timespec now = { 0, 0 };
	sigset_t stops;
	int signo, last = 0;

	sigemptyset(&stops);
	sfd_stop_signals_add(&stops);
	while ((signo = sigtimedwait(&stops, NULL, &now)) > 0)
		last = signo;
	return last;
}

int sfd_daemonize(void)
{
	int fds[2], stop;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	stop = take_pending_stop();
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
	if (stop)
		kill(getpid(), stop); /* pending until the group runs */
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
