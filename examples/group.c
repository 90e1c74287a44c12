/*
 * group.c - examples/twotasks.c again, written with sf_group: a heartbeat
 * every 5 s, and a watcher that stops everything when ./stop appears.
 * Ctrl-C stops it too.  The group does the forking, the following of the
 * master, the stopping and the reaping.
 *
 * Build: cc group.c $(pkg-config --cflags --libs stopflag)
 */
#include <stdio.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <stopflag.h>

static int heartbeat(sf_task *task, void *arg)
{
	for (int beat = 1; sf_task_sleep(task, 5000) == 0; beat++)
		printf("heartbeat: %d\n", beat);
	return 0;
}

static int watcher(sf_task *task, void *arg)
{
	struct pollfd pfd = { .fd = inotify_init1(IN_CLOEXEC), .events = POLLIN };
	char events[4096];

	if (pfd.fd < 0 || inotify_add_watch(pfd.fd, ".", IN_CREATE | IN_MOVED_TO) < 0)
		return 71;
	/* Look again after every event (and once, for a ./stop already there). */
	while (access("stop", F_OK) != 0) {
		if (sf_task_poll(task, &pfd, 1, -1) <= 0)
			return 0; /* the group is stopping */
		(void)!read(pfd.fd, events, sizeof(events));
	}
	sf_task_stop_all(task, 0);
	return 0;
}

static void log_line(void *ctx, int priority, const char *msg)
{
	printf("group: %s\n", msg);
}

int main(void)
{
	struct sf_cause cause;
	sf_group *group;
	int status;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sf_group_create(&group) < 0)
		return 1;
	sf_group_set_log(group, log_line, NULL);
	sf_group_add(group, "heartbeat", heartbeat, NULL);
	sf_group_add(group, "watcher", watcher, NULL);
	printf("group: running; create ./stop or press Ctrl-C to stop\n");
	status = sf_group_run(group);
	if (status < 0) {
		fprintf(stderr, "group: %s\n", sf_strerror(status));
		return 1;
	}
	sf_group_cause(group, &cause, NULL);
	printf("group: all tasks reaped; cause %s (code %d); exit status %d\n",
	       sf_reason_name(cause.reason), cause.code, status);
	sf_group_destroy(group);
	return status;
}
