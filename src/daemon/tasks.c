/*
 * tasks.c - heartbeat and watch-file.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "tasks.h"

int sfd_heartbeat_task(sf_task *task, void *arg)
{
	int interval_ms = (int)(intptr_t)arg;
	unsigned long beat = 0;

	while (sf_task_sleep(task, interval_ms) == 0)
		sfd_log(LOG_INFO, sf_task_name(task), "heartbeat %lu", ++beat);
	return 0;
}

/* ------------------------------------------------------------------ */
/* watch-file                                                          */
/* ------------------------------------------------------------------ */

/* inotify on the directory, waited on with sf_task_poll(), which also
 * returns when the stop comes: no thread, no polling. */
struct watch {
	sf_task *task;
	const char *who;
	const char *dir, *name; /* its options (tasks.h) */
	char *path;
	int inotify;
};

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
				"nothing can appear in it any more", w->dir);
			return 1;
		}
		if (ev->len && strcmp(ev->name, w->name) == 0)
			ask_for_stop(w, "appeared");
	}
	return 0;
}

static int watch_setup(struct watch *w)
{
	const uint32_t mask = IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF |
			      IN_MOVE_SELF | IN_ONLYDIR;
	struct stat st;

	if (asprintf(&w->path, "%s/%s", w->dir, w->name) < 0) {
		w->path = NULL;
		return -ENOMEM;
	}
	w->inotify = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (w->inotify < 0 ||
	    inotify_add_watch(w->inotify, w->dir, mask) < 0)
		return -errno;
	/* Only now that the watch is on: what appears later is an event. */
	if (lstat(w->path, &st) == 0)
		ask_for_stop(w, "is already there");
	return 0;
}

/* Until the stop: 0; 1 if the directory went away; < 0 on error. */
static int watch(struct watch *w)
{
	struct pollfd pfd = { .fd = w->inotify, .events = POLLIN };
	int n;

	sfd_log(LOG_INFO, w->who, "waiting for %s", w->path);
	while ((n = sf_task_poll(w->task, &pfd, 1, -1)) > 0)
		if (read_events(w))
			return 1;
	return n;
}

int sfd_watch_file_task(sf_task *task, void *arg)
{
	struct watch w = { .task = task, .who = sf_task_name(task),
			   .dir = sf_task_option(task, SFD_WATCH_DIR),
			   .name = sf_task_option(task, SFD_WATCH_NAME),
			   .inotify = -1 };
	int err;

	(void)arg;
	if (!w.dir || !w.name) {
		sfd_log(LOG_ERR, w.who, "cannot watch: no %s option",
			w.dir ? SFD_WATCH_NAME : SFD_WATCH_DIR);
		return EX_OSERR;
	}
	err = watch_setup(&w);
	if (err == 0)
		err = watch(&w);
	if (err < 0)
		sfd_log(LOG_ERR, w.who, "cannot watch %s: %s", w.dir,
			strerror(-err));
	if (w.inotify >= 0)
		close(w.inotify);
	free(w.path);
	return err < 0 ? EX_OSERR : err;
}
