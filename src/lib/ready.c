/*
 * ready.c - saying "ready": from a function task (sf_task_ready()) or
 * from a program an exec task runs (sf_notify_ready(), `stopflag ready`).
 * Both send systemd's "READY=1" to the task's notify socket (notify.c is
 * the master's side), from a socket made for the one datagram: nothing is
 * kept open, and a datagram arrives whole or not at all, so a sender
 * killed halfway leaves nothing half said.  sf_notify() sends any state
 * the same way, to whoever listens on NOTIFY_SOCKET: a group's master,
 * or systemd (stopflagd's READY=1, STOPPING=1 and STATUS=).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "group.h"

#define READY_MSG "READY=1"

/* Async-signal-safe: strlen(), memcpy(), socket(), sendto(), close(). */
int sf__notify_send(const char *addr, const char *msg, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = addr ? strlen(addr) : 0;
	socklen_t salen;
	int saved_errno = errno, fd, ret = 0;

	if (n < 2 || n >= sizeof(sa.sun_path) ||
	    (addr[0] != '@' && addr[0] != '/'))
		return -EINVAL;
	memcpy(sa.sun_path, addr, n);
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	if (addr[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract: the length bounds it */
	else
		salen++;               /* a path: with its '\0' */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
	} else {
		if (sendto(fd, msg, len, MSG_NOSIGNAL, (struct sockaddr *)&sa,
			   salen) < 0)
			ret = -errno;
		close(fd);
	}
	errno = saved_errno;
	return ret;
}

int sf_task_ready(sf_task *task)
{
	if (!task)
		return -EINVAL;
	if (task->ready_mode != SF_READY_NOTIFY)
		return 0; /* ready since it runs */
	return sf__notify_send(task->notify_addr, READY_MSG,
			       sizeof(READY_MSG) - 1);
}

int sf_notify(const char *state)
{
	const char *addr = getenv(SF_NOTIFY_ENV);

	if (!state || !*state)
		return -EINVAL;
	if (!addr || !*addr)
		return -ENOENT;
	return sf__notify_send(addr, state, strlen(state));
}

int sf_notify_ready(void)
{
	return sf_notify(READY_MSG);
}
