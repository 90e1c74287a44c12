/*
 * procs.c - finding, signalling and sweeping the processes of a scenario.
 *
 * The driver is a child subreaper, so every process a scenario creates is
 * its descendant for as long as it lives, whatever the master does: the
 * descendants are found by walking /proc/PID/task/TID/children from the
 * driver down.  Signals go by pid only after a pidfd pins the process and
 * its start time matches the one seen in the scan, so a recycled pid is
 * never hit.
 *
 * Everything here is async-signal-safe (open, read, getdents64, kill,
 * waitpid; no allocation, no stdio), so the driver's watchdog and its
 * SIGINT handler can sweep too.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "procstat.h"
#include "stress.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

/* Append the decimal n to buf at *len. */
static void put_num(char *buf, size_t *len, long n)
{
	char tmp[24];
	int k = 0;

	do {
		tmp[k++] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	while (k > 0)
		buf[(*len)++] = tmp[--k];
	buf[*len] = '\0';
}

static void put_str(char *buf, size_t *len, const char *s)
{
	while (*s)
		buf[(*len)++] = *s++;
	buf[*len] = '\0';
}

/* Read a small /proc file into buf (NUL-terminated); bytes read or -errno. */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
	ssize_t n, total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	buf[0] = '\0';
	if (fd < 0)
		return -errno;
	while ((size_t)total < size - 1 &&
	       (n = read(fd, buf + total, size - 1 - (size_t)total)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			total = -errno;
			break;
		}
		total += n;
	}
	close(fd);
	if (total >= 0)
		buf[total] = '\0';
	return total;
}

/* Parse a decimal at *s (an optional '-'), advancing past it and one
 * following space: the pids of a children file. */
static long long take_num(const char **s)
{
	long long v = 0;
	int neg = **s == '-';

	if (neg)
		(*s)++;
	while (**s >= '0' && **s <= '9')
		v = v * 10 + (*(*s)++ - '0');
	if (**s == ' ')
		(*s)++;
	return neg ? -v : v;
}

int st_proc_read(pid_t pid, struct st_proc *p)
{
	struct sf__procstat st;
	int err = sf__procstat_read(pid, &st);

	if (err < 0)
		return err;
	memset(p, 0, sizeof(*p));
	p->pid = st.pid;
	p->ppid = st.ppid;
	p->pgrp = st.pgrp;
	p->sid = st.sid;
	p->state = st.state;
	p->starttime = st.starttime;
	memcpy(p->comm, st.comm, sizeof(p->comm));
	return 0;
}

/* Append the children of every thread of pid to out[*n..max). */
static void add_children(pid_t pid, struct st_proc *out, int *n, int max)
{
	char path[64], buf[4096];
	size_t len = 0;
	int dfd;

	put_str(path, &len, "/proc/");
	put_num(path, &len, pid);
	put_str(path, &len, "/task");
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	for (;;) {
		long got = syscall(SYS_getdents64, dfd, buf, sizeof(buf));

		if (got <= 0)
			break;
		for (long off = 0; off < got;) {
			/* struct linux_dirent64: ino, off, reclen, type, name */
			unsigned short reclen;
			const char *name = buf + off + 19;
			char cpath[96], list[4096];
			const char *s;
			size_t clen = 0;

			memcpy(&reclen, buf + off + 16, sizeof(reclen));
			off += reclen;
			if (name[0] < '0' || name[0] > '9')
				continue;
			put_str(cpath, &clen, path);
			put_str(cpath, &clen, "/");
			put_str(cpath, &clen, name);
			put_str(cpath, &clen, "/children");
			if (read_small(cpath, list, sizeof(list)) <= 0)
				continue;
			for (s = list; *s >= '0' && *s <= '9' && *n < max;) {
				pid_t child = (pid_t)take_num(&s);

				if (st_proc_read(child, &out[*n]) == 0)
					(*n)++;
			}
		}
	}
	close(dfd);
}

int st_descendants(pid_t root, struct st_proc *out, int max)
{
	int n = 0;

	add_children(root, out, &n, max);
	for (int i = 0; i < n; i++)
		add_children(out[i].pid, out, &n, max);
	return n;
}

int st_pidfd_exact(pid_t pid, uint64_t starttime)
{
	struct st_proc now;
	int fd, saved = errno;

	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0) {
		fd = -errno;
	} else if (st_proc_read(pid, &now) < 0 || now.starttime != starttime) {
		close(fd);
		fd = -ESRCH;
	}
	errno = saved;
	return fd;
}

int st_pidfd_signal(int pidfd, int sig)
{
	int ret = 0, saved = errno;

	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		ret = -errno;
	errno = saved;
	return ret;
}

int st_signal_exact(pid_t pid, uint64_t starttime, int sig)
{
	int fd = st_pidfd_exact(pid, starttime), ret;

	if (fd < 0)
		return fd;
	ret = st_pidfd_signal(fd, sig);
	close(fd);
	return ret;
}

static void reap_children(void)
{
	int saved = errno;

	while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
		;
	errno = saved;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int st_sweep(int timeout_ms)
{
	static struct st_proc procs[ST_MAX_PROCS];
	int64_t end = mono_ms() + timeout_ms;
	int killed = 0;

	for (;;) {
		int n = st_descendants(getpid(), procs, ST_MAX_PROCS);
		struct timespec pause = { 0, 2000000 };

		reap_children();
		if (n <= 0 || mono_ms() > end)
			return killed;
		for (int i = 0; i < n; i++)
			if (procs[i].state != 'Z' &&
			    st_signal_exact(procs[i].pid, procs[i].starttime,
					    SIGKILL) == 0)
				killed++;
		nanosleep(&pause, NULL);
	}
}
