/*
 * pidfile.c - create, lock, write, remove.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pidfile.h"

#define OPEN_FLAGS (O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
#define MAX_TRIES 16

/* The pid of whoever holds the lock on fd, or 0. */
static pid_t lock_holder(int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		return fl.l_pid;
	return 0;
}

/* Whether path still names the file open on fd. */
static int still_named(const char *path, const struct stat *st)
{
	struct stat now;

	return lstat(path, &now) == 0 && now.st_dev == st->st_dev &&
	       now.st_ino == st->st_ino;
}

static int write_pid(int fd)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

	errno = EIO;  /* what a short write means */
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)len, 0) != len)
		return -errno;
	return 0;
}

/* One attempt.  Returns fd >= 0 with *st filled, -EAGAIN to try again
 * (the file vanished or was replaced meanwhile), or an error. */
static int try_acquire(const char *path, struct stat *st, pid_t *holder)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd, err = 0;

	fd = open(path, OPEN_FLAGS | O_CREAT | O_EXCL, 0644);
	if (fd < 0 && errno == EEXIST)
		fd = open(path, OPEN_FLAGS);
	if (fd < 0)
		return errno == ENOENT ? -EAGAIN : -errno;
	if (fstat(fd, st) < 0)
		err = -errno;
	else if (!S_ISREG(st->st_mode))
		err = -EINVAL;
	else if (st->st_uid != geteuid())
		err = -EPERM;
	else if (fcntl(fd, F_SETLK, &fl) < 0)
		err = (errno == EAGAIN || errno == EACCES) ? -EBUSY : -errno;
	else if (!still_named(path, st))
		err = -EAGAIN;
	if (err == -EBUSY)
		*holder = lock_holder(fd);
	if (err < 0) {
		close(fd);
		return err;
	}
	return fd;
}

int sfd_pidfile_acquire(const char *path, struct sfd_pidfile *pf,
			pid_t *holder)
{
	struct stat st = { 0 };
	int fd = -EAGAIN, err;

	*holder = 0;
	pf->fd = -1;
	for (int i = 0; i < MAX_TRIES && fd == -EAGAIN; i++)
		fd = try_acquire(path, &st, holder);
	if (fd < 0)
		return fd;
	err = write_pid(fd);
	pf->path = strdup(path);
	if (err == 0 && !pf->path)
		err = -ENOMEM;
	if (err < 0) {
		unlink(path);
		close(fd);
		free(pf->path);
		pf->path = NULL;
		return err;
	}
	pf->fd = fd;
	pf->dev = st.st_dev;
	pf->ino = st.st_ino;
	return 0;
}

void sfd_pidfile_release(struct sfd_pidfile *pf)
{
	struct stat st = { .st_dev = pf->dev, .st_ino = pf->ino };

	if (pf->fd < 0)
		return;
	if (still_named(pf->path, &st))
		unlink(pf->path);
	close(pf->fd);
	pf->fd = -1;
	free(pf->path);
	pf->path = NULL;
}
