/*
 * procstat.c - the one reader of /proc/PID/stat (procstat.h says who uses
 * it, and why the name is found from the last ')').
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procstat.h"

/* Room for the longest line: a kernel thread's name may exceed 15 bytes,
 * and 52 fields follow it. */
#define STAT_MAX 1024

/* A decimal number at [*p, end), an optional '-' first, and the space or
 * newline that ends it; *p moves past both.  0, or -EIO. */
static int take_number(const char **p, const char *end, int64_t *value)
{
	const char *s = *p;
	int neg = s < end && *s == '-';
	uint64_t v = 0;

	if (neg)
		s++;
	if (s == end || !isdigit((unsigned char)*s))
		return -EIO;
	while (s < end && isdigit((unsigned char)*s)) {
		if (v > (uint64_t)(INT64_MAX - 9) / 10)
			return -EIO;
		v = v * 10 + (uint64_t)(*s++ - '0');
	}
	if (s == end || (*s != ' ' && *s != '\n'))
		return -EIO; /* a number the text cuts may be cut short */
	*p = s + 1;
	*value = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

/* The last c in [text, text + len), or NULL. */
static const char *last_of(const char *text, size_t len, char c)
{
	while (len-- > 0)
		if (text[len] == c)
			return text + len;
	return NULL;
}

int sf__procstat_parse(const char *text, size_t len, struct sf__procstat *st)
{
	const char *end = text + len, *p = text, *name, *close;
	struct sf__procstat out = { 0 };
	int64_t v[4];
	size_t n;

	if (!text || !st)
		return -EINVAL;
	if (take_number(&p, end, &v[0]) < 0 || v[0] <= 0 || p == end ||
	    p[-1] != ' ' || *p != '(')
		return -EIO;
	name = p + 1;
	close = last_of(name, (size_t)(end - name), ')');
	if (!close || end - close < 4 || close[1] != ' ' || close[3] != ' ')
		return -EIO;
	out.pid = (pid_t)v[0];
	n = (size_t)(close - name);
	memcpy(out.comm, name, n < sizeof(out.comm) ? n : sizeof(out.comm) - 1);
	out.state = close[2];
	p = close + 4;
	for (int i = 1; i < 4; i++) /* ppid, pgrp, sid */
		if (take_number(&p, end, &v[i]) < 0)
			return -EIO;
	/* tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime cutime
	 * cstime priority nice num_threads itrealvalue, then starttime */
	for (int i = 0; i < 16; i++)
		if (take_number(&p, end, &v[0]) < 0)
			return -EIO;
	out.ppid = (pid_t)v[1];
	out.pgrp = (pid_t)v[2];
	out.sid = (pid_t)v[3];
	out.starttime = (uint64_t)v[0];
	*st = out;
	return 0;
}

int sf__procstat_read_fd(int fd, struct sf__procstat *st)
{
	char buf[STAT_MAX];
	int saved = errno, err;
	ssize_t n;

	while ((n = pread(fd, buf, sizeof(buf), 0)) < 0 && errno == EINTR)
		;
	err = n < 0 ? -errno : sf__procstat_parse(buf, (size_t)n, st);
	errno = saved;
	return err;
}

/* /proc/<pid>/stat relative to dirfd, without snprintf() (which is not
 * async-signal-safe): "<pid>/stat" in buf. */
static void stat_path(pid_t pid, char *buf)
{
	char digits[24];
	int k = 0;

	do {
		digits[k++] = (char)('0' + pid % 10);
		pid /= 10;
	} while (pid > 0);
	while (k > 0)
		*buf++ = digits[--k];
	memcpy(buf, "/stat", sizeof("/stat"));
}

static int read_at(int dirfd, const char *path, struct sf__procstat *st)
{
	int saved = errno, fd, err;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		errno = saved;
		return err;
	}
	err = sf__procstat_read_fd(fd, st);
	close(fd);
	errno = saved;
	return err;
}

int sf__procstat_read(pid_t pid, struct sf__procstat *st)
{
	char path[48] = "/proc/";

	if (pid <= 0)
		return -EINVAL;
	stat_path(pid, path + strlen(path));
	return read_at(AT_FDCWD, path, st);
}

/* The scan of every /proc/<pid>/stat: what /proc/<parent>/task/<tid>/
 * children cannot tell. */
static int scan_children(pid_t parent, const struct sf__children *how)
{
	DIR *proc = opendir("/proc");
	struct dirent *d;
	int count = 0, more = 1;

	if (!proc)
		return -errno;
	while (more && (d = readdir(proc))) {
		struct sf__procstat st = { 0 };
		char path[48];
		char *end;
		long pid = strtol(d->d_name, &end, 10);

		if (!isdigit((unsigned char)d->d_name[0]) || *end || pid <= 0)
			continue;
		stat_path((pid_t)pid, path);
		if (read_at(dirfd(proc), path, &st) < 0 || st.ppid != parent ||
		    st.state == 'Z')
			continue;
		if (how->wanted && !how->wanted((pid_t)pid, how->ctx))
			continue;
		more = how->each(&st, how->ctx);
		count++;
	}
	closedir(proc);
	return count;
}

/* The whole of a /proc file, NUL-terminated, in a malloc()ed buffer; NULL
 * with errno set. */
static char *read_whole(int dirfd, const char *path)
{
	size_t cap = 1024, len = 0;
	char *buf = malloc(cap), *grown;
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC), saved;
	ssize_t n;

	if (fd < 0 || !buf)
		goto fail;
	for (;;) {
		if (len + 1 == cap) {
			grown = realloc(buf, cap * 2);
			if (!grown)
				goto fail;
			buf = grown;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	free(buf);
	errno = saved;
	return NULL;
}

/* The children one thread of the caller made or adopted, listed by the
 * kernel (CONFIG_PROC_CHILDREN), each living one handed to each(); *more
 * becomes 0 when each() says stop.  The count, or -errno. */
static int thread_children(int task_dir, const char *tid, pid_t parent,
			   const struct sf__children *how, int *more)
{
	char path[NAME_MAX + sizeof("/children")], *list, *p, *end;
	int count = 0;

	snprintf(path, sizeof(path), "%s/children", tid);
	list = read_whole(task_dir, path);
	if (!list)
		return -errno;
	for (p = list; *more; p = end) {
		struct sf__procstat st = { 0 };
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		if (pid <= 0 ||
		    (how->wanted && !how->wanted((pid_t)pid, how->ctx)) ||
		    sf__procstat_read((pid_t)pid, &st) < 0 ||
		    st.ppid != parent || st.state == 'Z')
			continue;
		*more = how->each(&st, how->ctx);
		count++;
	}
	free(list);
	return count;
}

/*
 * The caller's own children, from the children file of each of its
 * threads (a child is listed under the thread that made it; an adopted
 * one under the thread the kernel chose).  Exact while no other thread
 * reaps: an entry leaves the list only when it is reaped, and the caller
 * is reading, not reaping; one adopted meanwhile is appended, and is seen
 * or missed as by any scan.  -errno if a list cannot be read (-ENOENT:
 * the kernel keeps none, or a thread ended meanwhile): the caller scans.
 */
static int own_children(pid_t parent, const struct sf__children *how)
{
	char dir[48];
	DIR *tasks;
	struct dirent *d;
	int count = 0, more = 1, n = 0;

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)parent);
	tasks = opendir(dir);
	if (!tasks)
		return -errno;
	while (more && n >= 0 && (d = readdir(tasks))) {
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		n = thread_children(dirfd(tasks), d->d_name, parent, how,
				    &more);
		count += n > 0 ? n : 0;
	}
	closedir(tasks);
	return n < 0 ? n : count;
}

int sf__procstat_children(pid_t parent, const struct sf__children *how)
{
	if (!how || !how->each)
		return -EINVAL;
	if (parent == getpid()) {
		int count = own_children(parent, how);

		if (count >= 0)
			return count;
	}
	return scan_children(parent, how);
}
