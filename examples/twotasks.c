/*
 * twotasks.c - the original use case, written against the flag alone.
 *
 * The master creates a stop flag, catches SIGINT, SIGTERM and SIGQUIT with
 * it, and forks two subtasks:
 *   heartbeat  logs a line every 5 s;
 *   watcher    sets the flag when ./stop appears (inotify, no polling).
 * Either subtask also stops when the master dies.  The master sleeps on the
 * flag; once it is set it makes sure both children are gone, reaps them,
 * prints the cause and exits 0.
 *
 * Build: cc twotasks.c $(pkg-config --cflags --libs stopflag)
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stopflag.h>

#define STOP_FILE "stop"
#define GRACE_MS 2000

static const int stop_signals[] = { SIGINT, SIGTERM, SIGQUIT };

/* Called first in each child: die with the master.  PDEATHSIG is armed,
 * then getppid() is compared with the master's pid taken before fork(), in
 * case the master died before the signal was armed.  SIGTERM runs the
 * inherited handler, which sets the flag. */
static void follow_master(pid_t master, sf_flag *flag)
{
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != master)
		sf_flag_set(flag, SF_REASON_PARENT_DIED, 0);
}

static int heartbeat(sf_flag *flag)
{
	for (int beat = 1; sf_flag_wait(flag, 5000) == -ETIMEDOUT; beat++)
		printf("heartbeat: %d\n", beat);
	return 0;
}

/* Whether the inotify events in buf name STOP_FILE. */
static int names_stop_file(const char *buf, ssize_t len)
{
	const struct inotify_event *ev;

	for (ssize_t off = 0; off < len; off += (ssize_t)(sizeof(*ev) + ev->len)) {
		ev = (const struct inotify_event *)(buf + off);
		if (ev->len && strcmp(ev->name, STOP_FILE) == 0)
			return 1;
	}
	return 0;
}

static int watcher(sf_flag *flag)
{
	char buf[4096] __attribute__((aligned(8)));
	struct pollfd pfd = { .events = POLLIN };
	sigset_t stops, unblocked;

	/* Stop signals are let in only while ppoll() sleeps, so one can
	 * never land between the flag check and the sleep. */
	sigemptyset(&stops);
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(*stop_signals); i++)
		sigaddset(&stops, stop_signals[i]);
	sigprocmask(SIG_BLOCK, &stops, &unblocked);

	pfd.fd = inotify_init1(IN_CLOEXEC);
	if (pfd.fd < 0 || inotify_add_watch(pfd.fd, ".", IN_CREATE | IN_MOVED_TO) < 0) {
		perror("watcher: inotify");
		sf_flag_set(flag, SF_REASON_START_FAILED, errno);
		return 1;
	}
	if (access(STOP_FILE, F_OK) == 0)  /* there before the watch began */
		sf_flag_set(flag, SF_REASON_REQUEST, 0);
	while (!sf_flag_is_set(flag)) {
		if (ppoll(&pfd, 1, NULL, &unblocked) > 0) {
			ssize_t n = read(pfd.fd, buf, sizeof(buf));

			if (n > 0 && names_stop_file(buf, n))
				sf_flag_set(flag, SF_REASON_REQUEST, 0);
		}
	}
	return 0;
}

static pid_t start(sf_flag *flag, int (*task)(sf_flag *))
{
	pid_t master = getpid(), pid = fork();

	if (pid == 0) {
		follow_master(master, flag);
		exit(task(flag));
	}
	return pid;
}

/* Make sure the children are gone.  Each gets SIGTERM, which wakes the
 * watcher from ppoll() (the heartbeat already woke on the flag); whoever is
 * still there after GRACE_MS gets SIGKILL.  pidfds make the wait a sleep
 * and make the signals safe from pid reuse. */
static void stop_and_reap(const pid_t *pids, int n)
{
	for (int i = 0; i < n; i++) {
		struct pollfd pfd = { .events = POLLIN };

		if (pids[i] <= 0)
			continue;
		pfd.fd = (int)syscall(SYS_pidfd_open, pids[i], 0);
		if (pfd.fd >= 0) {
			syscall(SYS_pidfd_send_signal, pfd.fd, SIGTERM, NULL, 0);
			if (poll(&pfd, 1, GRACE_MS) == 0) {
				fprintf(stderr, "twotasks: pid %d ignored the stop; "
					"killing it\n", pids[i]);
				syscall(SYS_pidfd_send_signal, pfd.fd, SIGKILL, NULL, 0);
			}
			close(pfd.fd);
		}
		while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
			;
	}
}

int main(void)
{
	struct sf_cause cause;
	sf_flag *flag;
	pid_t pids[2];
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	err = sf_flag_create(&flag);
	if (err < 0) {
		fprintf(stderr, "twotasks: %s\n", sf_strerror(err));
		return 1;
	}
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(*stop_signals); i++)
		sf_flag_catch_signal(flag, stop_signals[i]);

	pids[0] = start(flag, heartbeat);
	pids[1] = start(flag, watcher);
	if (pids[0] < 0 || pids[1] < 0) {
		perror("twotasks: fork");
		sf_flag_set(flag, SF_REASON_START_FAILED, errno);
	}
	printf("twotasks: running (heartbeat pid %d, watcher pid %d); "
	       "create ./%s or press Ctrl-C to stop\n", pids[0], pids[1], STOP_FILE);

	sf_flag_wait(flag, -1);
	sf_flag_cause(flag, &cause);
	printf("twotasks: stopping: %s (code %d) from pid %d\n",
	       sf_reason_name(cause.reason), cause.code, cause.pid);
	stop_and_reap(pids, 2);
	printf("twotasks: all tasks reaped\n");
	sf_flag_destroy(flag);
	return 0;
}
