/*
 * flagfd.c - the group's flag as a sealed memfd, so that a program a task
 * exec'd can map the very page the master and function tasks share.
 *
 * The group's page is a memfd named "stopflag", one page long, sealed
 * with F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL before it is mapped: no
 * holder of the fd can truncate it (ftruncate() gets EPERM), so nobody
 * can make the master's mapping raise SIGBUS, and nobody can lift the
 * seals.  It is never named in the filesystem; /proc/PID/fd/N reaches it
 * for the same user, as /proc/PID/mem reaches any page.  The master keeps
 * the fd close-on-exec; spawn.c hands it to exec tasks on purpose.
 *
 * A flag from sf_flag_create() stays an anonymous shared page: it is
 * never handed over by fd, and mapping one costs fewer system calls.
 * Sets and waits cost the same on both: both are shmem pages, and the
 * futex is a shared one, keyed on the page, either way.
 *
 * sf_flag_from_env() believes STOPFLAG_FD only once the fd is a memfd of
 * this name, with exactly these seals and this size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define MEMFD_NAME "stopflag"
#define SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

int sf__flag_create_memfd(sf_flag **flagp, int *fdp)
{
	size_t size = sf__page_size();
	void *page;
	int fd, err;

	fd = memfd_create(MEMFD_NAME, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0 ||
	    fcntl(fd, F_ADD_SEALS, SEALS) < 0)
		goto fail;
	page = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (page == MAP_FAILED)
		goto fail;
	sf__pid_cache_init(); /* so that sets need no getpid() */
	*flagp = page;
	*fdp = fd;
	return 0;
fail:
	err = -errno;
	close(fd);
	return err;
}

/* The fd STOPFLAG_FD names: -ENOENT without the variable, -EINVAL unless
 * it is a decimal number from 0 to INT_MAX. */
static int env_fd(void)
{
	const char *text = getenv(SF_FLAG_ENV);
	long fd = 0;

	if (!text)
		return -ENOENT;
	if (!*text || strlen(text) > 10)
		return -EINVAL;
	for (const char *p = text; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		fd = fd * 10 + (*p - '0');
	}
	return fd > 0x7fffffff ? -EINVAL : (int)fd;
}

/* Where /proc answers, the fd must be our memfd by name; without /proc
 * the seals and size, which no other file shows by chance, decide. */
static bool named_ours(int fd)
{
	static const char want[] = "/memfd:" MEMFD_NAME " (deleted)";
	char path[64], target[sizeof(want) + 1];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target));
	if (n < 0)
		return errno == ENOENT && access("/proc/self", F_OK) < 0;
	return (size_t)n == sizeof(want) - 1 && memcmp(target, want, n) == 0;
}

/* 0 if fd is a stopflag page, -EBADF if it is not open, else -EINVAL. */
static int check_page(int fd)
{
	struct stat st;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -EBADF;
	if ((fl & O_ACCMODE) != O_RDWR)
		return -EINVAL;
	if (fcntl(fd, F_GET_SEALS) != SEALS)
		return -EINVAL; /* EINVAL there too: no memfd, no seals */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size != (off_t)sf__page_size())
		return -EINVAL;
	return named_ours(fd) ? 0 : -EINVAL;
}

int sf_flag_from_env(sf_flag **flagp)
{
	void *page;
	int fd, err;

	if (!flagp)
		return -EINVAL;
	fd = env_fd();
	if (fd < 0)
		return fd;
	err = check_page(fd);
	if (err < 0)
		return err;
	page = mmap(NULL, sf__page_size(), PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, 0);
	if (page == MAP_FAILED)
		return -errno;
	sf__pid_cache_init();
	*flagp = page;
	return 0;
}

/* The caller's process group is the task it belongs to: every task makes
 * its own, with its pid as the id, and the master names the task whose
 * pid a cause carries.  A set wakes the sleepers the word says there are;
 * a scribbler may have erased that, so the master's doorbell rings too. */
int sf_flag_stop_all(sf_flag *flag, int code)
{
	int saved_errno = errno, ret;
	struct sf_cause cause = { SF_REASON_REQUEST, code, getpgrp() };

	if (!flag)
		return -EINVAL;
	ret = sf_flag_set_cause(flag, &cause);
	if (ret >= 0)
		sf__doorbell_ring(flag);
	errno = saved_errno;
	return ret;
}
