/*
 * statusfile.h - the status file: what a running stopflagd writes on every
 * change of its tasks' states, and what `stopflagd --status` reads.
 *
 * Where it is (the same rule for both, from the same options):
 *   --status-file FILE; else next to --pidfile FILE (FILE's ".pid"
 *   replaced by ".status", or ".status" added); else
 *   $RUNTIME_DIRECTORY/stopflagd.status (systemd's RuntimeDirectory=,
 *   the first directory if it names several); else none.
 *
 * How it is written: the master (the state hook runs there) writes a
 * fresh temporary file next to it (mode 0600, never through a symlink)
 * and renames it over the old one, so that a reader sees one whole
 * version or the other.  Lines, the first one naming the format:
 *
 *   stopflagd-status 1
 *   pid PID STARTTIME      the daemon (the keeper) and its start in clock
 *                          ticks after boot (/proc/PID/stat field 22)
 *   master PID             the master, 0 before it runs
 *   since NS               CLOCK_MONOTONIC of the daemon's start
 *   state STATE            starting, running, stopping, stopped
 *   cause REASON CODE TEXT only once the stop began
 *   task STATE PID RESTARTS STARTED_NS NAME   one per task, in order
 *
 * A reader tells a live daemon's file from a stale one by the pid and its
 * start time together: a pid reused since names a process that started
 * later.
 */
#ifndef SFD_STATUSFILE_H
#define SFD_STATUSFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <stopflag.h>

#define SFD_STATUS_NAME "stopflagd.status"

/*
 * The status file's path for these options (either may be NULL; the
 * caller makes them absolute, as --daemonize changes to "/"); NULL if
 * none applies (or memory ran out: *err says which, 0 or -ENOMEM).  Free
 * it.
 */
char *sfd_status_path(const char *status_file, const char *pidfile, int *err);

/* CLOCK_MONOTONIC in ns: the clock of the file's times. */
int64_t sfd_status_now_ns(void);

/* The writer: in the daemon, then in its master. */
struct sfd_status_writer {
	char *path;          /* NULL: no status file */
	char *tmp;           /* path + ".tmp" */
	pid_t pid;           /* the daemon's */
	uint64_t starttime;  /* its start, clock ticks after boot */
	int64_t since_ns;    /* CLOCK_MONOTONIC of its start */
	bool failing;        /* the last write failed (logged once) */
};

/*
 * Take path (which is then the writer's) for this daemon: refuse it if a
 * live stopflagd's status file is there (-EBUSY, its pid in *holder),
 * else note the daemon's pid and start.  A stale file is left for the
 * first write to replace.  Returns 0, -EBUSY, or -errno.
 */
int sfd_status_claim(struct sfd_status_writer *w, char *path, pid_t *holder);

/*
 * Write the group's state (a NEW group reads as starting); nothing if w is
 * NULL or has no path.  Quick: one
 * small file, no fsync.  A failure (a full disk) is logged once, until a
 * write succeeds again; the daemon carries on either way.
 */
void sfd_status_write(struct sfd_status_writer *w, const sf_group *g);

/* Remove the file if it is still this daemon's, and free the writer. */
void sfd_status_release(struct sfd_status_writer *w);

/* One task, as read. */
struct sfd_status_task {
	char state[16];
	pid_t pid;
	long restarts;
	int64_t started_ns;
	char *name;
};

/* A status file, as read. */
struct sfd_status {
	pid_t pid, master;
	uint64_t starttime;
	int64_t since_ns;
	char state[16];
	bool has_cause;
	char reason[24];
	int code;
	char *cause;             /* its text, or NULL */
	size_t ntasks;
	struct sfd_status_task *tasks;
};

/*
 * Parse the text of a status file (len bytes).  Returns 0, -EINVAL (not
 * one: the line number in *line), or -ENOMEM.  On success free *st with
 * sfd_status_free().
 */
int sfd_status_parse(const char *text, size_t len, struct sfd_status *st,
		     int *line);
void sfd_status_free(struct sfd_status *st);

/*
 * Read and parse the file at path (at most 1 MiB).  Returns 0, -errno of
 * open() or read() (-ENOENT: no file), -EFBIG, or as sfd_status_parse().
 */
int sfd_status_load(const char *path, struct sfd_status *st, int *line);

/*
 * Whether the daemon that wrote st still runs: 1 if its pid names a
 * process that started at the time it wrote down, 0 if not (the file is
 * stale), -errno if /proc cannot tell.
 */
int sfd_status_alive(const struct sfd_status *st);

/*
 * Whether st's master still runs, as the daemon's child: 1, 0, or -errno.
 * A master not written yet (0) counts as running.
 */
int sfd_status_master_alive(const struct sfd_status *st);

#endif
