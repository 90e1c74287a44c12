/*
 * tasks.c - heartbeat and watch-file.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "tasks.h"

int sfd_heartbeat_task(sf_task *task, void *arg)
{
	const struct sfd_task_conf *t = arg;
	unsigned long beat = 0;

	while (sf_task_sleep(task, t->interval_ms) == 0)
		sfd_log(LOG_INFO, sf_task_name(task), "heartbeat %lu", ++beat);
	return 0;
}

/* ------------------------------------------------------------------ */
/* watch-file                                                          */
/* ------------------------------------------------------------------ */

/*
 * The task waits on two things at once: inotify (an fd) and the stop (a
 * futex).  A second thread sleeps on the stop and turns it into an event
 * on an eventfd, so the main thread can ppoll() both.  Stop signals meant
 * for this task alone are let in only while ppoll() sleeps, so one can
 * never slip between the check of sf_task_should_stop() and the sleep.
 * The second thread is cancelled and joined before the task returns, so
 * nothing uses the task handle after that.
 */
struct watch {
	sf_task *task;
	const struct sfd_task_conf *conf;
	const char *who;
	char *path;
	int inotify;
	int stopped;  /* eventfd: the stop came */
	pthread_t waiter;
	bool waiting; /* the waiter thread runs */
};

static const int stop_signals[] = { SIGINT, SIGTERM, SIGQUIT, SIGHUP };

static void *wait_for_stop(void *arg)
{
	struct watch *w = arg;
	uint64_t one = 1;

	/* It holds nothing and only sleeps: safe to cancel at any point. */
	pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
	sf_task_wait(w->task, -1);
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	(void)!write(w->stopped, &one, sizeof(one));
	return NULL;
}

/* Start wait_for_stop() with every signal blocked, so that signals are
 * handled by the main thread, where they interrupt ppoll(). */
static int start_waiter(struct watch *w)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&w->waiter, NULL, wait_for_stop, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	w->waiting = err == 0;
	return -err;
}

static void watch_cleanup(struct watch *w)
{
	if (w->waiting) {
		pthread_cancel(w->waiter);
		pthread_join(w->waiter, NULL);
	}
	if (w->inotify >= 0)
		close(w->inotify);
	if (w->stopped >= 0)
		close(w->stopped);
	free(w->path);
}

static void ask_for_stop(struct watch *w, const char *how)
{
	sfd_log(LOG_NOTICE, w->who, "%s %s; asking every task to stop",
		w->path, how);
	sf_task_stop_all(w->task, 0);
}

/* Read what inotify has.  Returns 1 if the directory went away. */
static int read_events(struct watch *w)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t len = read(w->inotify, buf, sizeof(buf));

	for (ssize_t off = 0; off < len; off += (ssize_t)sizeof(*ev) + ev->len) {
		ev = (const struct inotify_event *)(buf + off);
		if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
			sfd_log(LOG_ERR, w->who, "%s was removed or moved; "
				"nothing can appear in it any more",
				w->conf->watch_dir);
			return 1;
		}
		if (ev->len && strcmp(ev->name, w->conf->watch_name) == 0)
			ask_for_stop(w, "appeared");
	}
	return 0;
}

static int watch_loop(struct watch *w, const sigset_t *during_sleep)
{
	struct pollfd fds[2] = {
		{ .fd = w->inotify, .events = POLLIN },
		{ .fd = w->stopped, .events = POLLIN },
	};

	while (!sf_task_should_stop(w->task)) {
		if (ppoll(fds, 2, NULL, during_sleep) < 0)
			continue;  /* EINTR: a signal; check again */
		if ((fds[0].revents & POLLIN) && read_events(w))
			return 1;
	}
	return 0;
}

static int watch_setup(struct watch *w)
{
	const uint32_t mask = IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF |
			      IN_MOVE_SELF | IN_ONLYDIR;
	struct stat st;

	if (asprintf(&w->path, "%s/%s", w->conf->watch_dir,
		     w->conf->watch_name) < 0) {
		w->path = NULL;
		return -ENOMEM;
	}
	w->inotify = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	w->stopped = eventfd(0, EFD_CLOEXEC);
	if (w->inotify < 0 || w->stopped < 0 ||
	    inotify_add_watch(w->inotify, w->conf->watch_dir, mask) < 0)
		return -errno;
	/* Only now that the watch is on: what appears later is an event. */
	if (lstat(w->path, &st) == 0)
		ask_for_stop(w, "is already there");
	return start_waiter(w);
}

int sfd_watch_file_task(sf_task *task, void *arg)
{
	struct watch w = { .task = task, .conf = arg, .who = sf_task_name(task),
			   .inotify = -1, .stopped = -1 };
	sigset_t stops, during_sleep;
	int err, status;

	sigemptyset(&stops);
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(*stop_signals); i++)
		sigaddset(&stops, stop_signals[i]);
	pthread_sigmask(SIG_BLOCK, &stops, &during_sleep);
	err = watch_setup(&w);
	if (err < 0) {
		sfd_log(LOG_ERR, w.who, "cannot watch %s: %s", w.conf->watch_dir,
			strerror(-err));
		status = EX_OSERR;
	} else {
		sfd_log(LOG_INFO, w.who, "waiting for %s", w.path);
		status = watch_loop(&w, &during_sleep);
	}
	watch_cleanup(&w);
	pthread_sigmask(SIG_SETMASK, &during_sleep, NULL);
	return status;
}
