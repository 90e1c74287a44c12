/*
 * notify.c - the master's side of readiness: one notify socket for each
 * start of each task whose ready mode is SF_READY_NOTIFY, and what is
 * read from it (systemd's notify protocol, sd_notify(3)).
 *
 * Why a socket per task, and per start:
 *   - A message is the task's by the socket it arrives on, not by the
 *     sender's pid: `systemd-notify --ready` is a helper that may have
 *     exited (and its pid been reused) before the master reads what it
 *     sent.
 *   - A message from an earlier start of a restarted task cannot count for
 *     the new one: the earlier socket is closed when its process ends
 *     (what was queued on it goes with it), and the new one has another
 *     name.  Linux autobinds abstract names from a counter, so a name
 *     comes back only after about a million binds.
 *
 * The socket is abstract (no file to clean up if the master is
 * SIGKILLed, none to leave behind), so any process in the same network
 * namespace can reach it: SO_PASSCRED makes the kernel attach the
 * sender's credentials, and only the master's own uid and root count.
 *
 * It is O_ASYNC with F_SETOWN the master: an arriving datagram raises
 * SIGIO there, whose handler (master.c) rings the doorbell as SIGCHLD's
 * does, so the master never polls.  It is close-on-exec, and a function
 * task closes every one it inherited (spawn.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "group.h"

/* The longest message taken whole; sd_notify's are a few lines. */
#define NOTIFY_MAX 4096
/* The fds one message may bring (BARRIER=1 brings one); the kernel closes
 * the rest (MSG_CTRUNC). */
#define NOTIFY_FDS 16

static int notify_setup(int fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int one = 1, flags;

	/* an address of just the family: the kernel picks a free abstract
	 * name (autobind) */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa_family_t)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
	    fcntl(fd, F_SETOWN, getpid()) < 0 ||
	    (flags = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK | O_ASYNC) < 0)
		return -errno;
	return 0;
}

/* "@NAME" for the abstract name fd is bound to, into addr. */
static int notify_name(int fd, char *addr, size_t size)
{
	struct sockaddr_un sa = { 0 };
	socklen_t len = sizeof(sa);
	size_t n;

	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return -errno;
	if (len <= offsetof(struct sockaddr_un, sun_path) + 1 ||
	    sa.sun_path[0] != '\0')
		return -EADDRNOTAVAIL;
	n = len - offsetof(struct sockaddr_un, sun_path) - 1;
	if (n + 2 > size || memchr(sa.sun_path + 1, '\0', n))
		return -ENAMETOOLONG;
	addr[0] = '@';
	memcpy(addr + 1, sa.sun_path + 1, n);
	addr[n + 1] = '\0';
	return 0;
}

int sf__notify_open(struct sf_task *t)
{
	int fd, err;

	sf__notify_close(t); /* an earlier start's: its messages go with it */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	err = notify_setup(fd);
	if (err == 0)
		err = notify_name(fd, t->notify_addr, sizeof(t->notify_addr));
	if (err < 0) {
		close(fd);
		t->notify_addr[0] = '\0';
		return err;
	}
	t->notify_fd = fd;
	return 0;
}

void sf__notify_close(struct sf_task *t)
{
	if (t->notify_fd >= 0)
		close(t->notify_fd);
	t->notify_fd = -1;
	t->notify_addr[0] = '\0';
}

/* ------------------------------------------------------------ reading */

/* Close the fds a message brought; return its sender's credentials, or
 * NULL if it came without. */
static const struct ucred *control(struct msghdr *msg)
{
	const struct ucred *cred = NULL;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c;
	     c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_CREDENTIALS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(*cred))) {
			cred = (const struct ucred *)(void *)CMSG_DATA(c);
		} else if (c->cmsg_type == SCM_RIGHTS) {
			size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int fd;

			for (size_t i = 0; i < n; i++) {
				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int),
				       sizeof(fd));
				close(fd);
			}
		}
	}
	return cred;
}

/* A line of STATUS= for the log: printable ASCII, '?' for the rest. */
static void log_status(const sf_group *g, const struct sf_task *t,
		       const char *text, size_t len)
{
	char line[256];
	size_t n;

	for (n = 0; n < len && n < sizeof(line) - 1; n++) {
		line[n] = text[n];
		if (text[n] < 0x20 || text[n] >= 0x7f)
			line[n] = '?';
	}
	line[n] = '\0';
	sf__log(g, LOG_INFO, "task %s: status: %s", t->name, line);
}

/* The lines of one message: whether READY=1 is among them. */
static bool parse(const sf_group *g, const struct sf_task *t,
		  const char *buf, size_t len)
{
	bool ready = false;

	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t n = nl ? (size_t)(nl - buf) : len;

		if (n == 7 && memcmp(buf, "READY=1", 7) == 0)
			ready = true;
		else if (n >= 7 && memcmp(buf, "STATUS=", 7) == 0)
			log_status(g, t, buf + 7, n - 7);
		/* the rest (MAINPID=, WATCHDOG=1, BARRIER=1, ...) is ignored */
		buf += n;
		len -= n;
		if (nl) {
			buf++;
			len--;
		}
	}
	return ready;
}

/* One message: 1 if it says READY=1, 0 if not, -1 if none is left. */
static int take_one(const sf_group *g, struct sf_task *t)
{
	char buf[NOTIFY_MAX];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct ucred)) +
			 CMSG_SPACE(NOTIFY_FDS * sizeof(int))];
	} ctl;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	const struct ucred *cred;
	ssize_t n;

	do
		n = recvmsg(t->notify_fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno != EAGAIN)
			sf__log(g, LOG_ERR, "task %s: cannot read its notify "
				"socket: %s", t->name, strerror(errno));
		return -1;
	}
	cred = control(&msg);
	if (!cred || (cred->uid != geteuid() && cred->uid != 0)) {
		sf__log(g, LOG_WARNING, "task %s: notify message from uid %d "
			"ignored: only uid %d and root are heard", t->name,
			cred ? (int)cred->uid : -1, (int)geteuid());
		return 0;
	}
	if (msg.msg_flags & MSG_TRUNC) {
		sf__log(g, LOG_WARNING, "task %s: notify message of more "
			"than %d bytes ignored", t->name, NOTIFY_MAX);
		return 0;
	}
	return parse(g, t, buf, (size_t)n);
}

bool sf__notify_take(const sf_group *g, struct sf_task *t)
{
	bool ready = false;
	int ret;

	while (t->notify_fd >= 0 && (ret = take_one(g, t)) >= 0)
		ready |= ret == 1;
	return ready;
}
