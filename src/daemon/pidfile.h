/*
 * pidfile.h - a pidfile that is safe to create and that says whether its
 * daemon is alive.
 *
 * The daemon holds a POSIX record lock (fcntl F_SETLK) on the file for as
 * long as it runs; the lock, not the pid written in it, tells a live
 * daemon from a stale file.  Such locks are not inherited by fork(), so
 * tasks never hold it, and the kernel drops it when the daemon dies, even
 * by SIGKILL.
 */
#ifndef SFD_PIDFILE_H
#define SFD_PIDFILE_H

#include <sys/types.h>

struct sfd_pidfile {
	char *path;
	int fd;        /* -1: none held */
	dev_t dev;
	ino_t ino;
};

/*
 * Create path (O_CREAT | O_EXCL, mode 0644) or take over a stale one, lock
 * it and write getpid() in it.  Never follows a symlink; refuses a file that
 * is not a regular file or belongs to another user.  A file that another
 * starter removes or replaces meanwhile is never written to: the lock is
 * taken on the open file, then the path is checked to still name it.
 * Returns 0; -EBUSY if a live daemon holds it (its pid in *holder, 0 if
 * unknown); -ELOOP (a symlink), -EINVAL (not a regular file), -EPERM
 * (another user's), or the errno of open/write.
 */
int sfd_pidfile_acquire(const char *path, struct sfd_pidfile *pf,
			pid_t *holder);

/* Remove the file if it is still the one we hold, and let go of it. */
void sfd_pidfile_release(struct sfd_pidfile *pf);

#endif
