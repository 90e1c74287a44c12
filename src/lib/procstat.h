/*
 * procstat.h - the one reader of /proc/PID/stat: the library's sweep
 * (reap.c), the benchmark's sleep watch, the tests and the stress campaign
 * all parse it here.  procstat.c is compiled into each of them (the
 * library exports none of it).  Not installed.
 *
 * The command name (field 2) is whatever the process set: it may hold
 * spaces, parentheses, newlines, anything but a NUL, so the fields after
 * it are found after the LAST ')' of the text, never by counting spaces
 * from the start.
 */
#ifndef SF_PROCSTAT_H
#define SF_PROCSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The fields of /proc/PID/stat that stopflag uses. */
struct sf__procstat {
	pid_t pid;              /* field 1 */
	char comm[16];          /* field 2 without its parentheses, cut to 15
				   bytes and NUL-terminated */
	char state;             /* field 3: 'R', 'S', 'D', 'Z', 'T', ... */
	pid_t ppid, pgrp, sid;  /* fields 4, 5 and 6 */
	uint64_t starttime;     /* field 22: clock ticks after boot; with
				   pid, names one process for good */
};

/*
 * Parse the text of a /proc/PID/stat: len bytes at text, which need not
 * end with a NUL.  Returns 0, or -EIO if the text is not one (no pid, no
 * parenthesised name, a field missing or not a number up to starttime),
 * or -EINVAL (NULL text or st).  *st is changed only on success.
 * Pure: no system call, no allocation.  Async-signal-safe, thread-safe.
 */
int sf__procstat_parse(const char *text, size_t len, struct sf__procstat *st);

/*
 * Read /proc/<pid>/stat and parse it.  Returns 0, -errno of open() or
 * read() (-ENOENT: no such process), or -EIO.  errno is kept.
 * Async-signal-safe (open, read, close; no stdio, no allocation).
 */
int sf__procstat_read(pid_t pid, struct sf__procstat *st);

/*
 * The same for a /proc/<pid>/stat kept open, read again from its start
 * (pread()), so that one who watches a process over time pays no open().
 * Async-signal-safe; errno is kept.
 */
int sf__procstat_read_fd(int fd, struct sf__procstat *st);

/* What sf__procstat_children() does with each child. */
struct sf__children {
	/* NULL, or whether pid is of interest at all: one that is not is
	 * skipped before its stat is read (so that /proc holds nothing of
	 * it: see below) */
	bool (*wanted)(pid_t pid, void *ctx);
	/* called for each living child; return 0 to stop */
	int (*each)(const struct sf__procstat *st, void *ctx);
	void *ctx;
};

/*
 * The living children of parent (a zombie is not living): how->each(st,
 * how->ctx) for every one, until it returns 0.  Returns how many were
 * handed to each(), or -errno (-EINVAL: no how or no each).
 * The caller's own (parent == getpid()) come from the kernel's list of
 * each of its threads' children (/proc/self/task/TID/children), exact
 * while no other thread reaps, and only the stat of a wanted one is read:
 * a master with 1000 tasks that looks for what they left behind reads
 * none of theirs, so that no /proc entry of theirs is made which each
 * task's reap would then have to drop (a quarter of the master's time
 * in a stop of 1000 tasks).  Anyone else's, or where such a list cannot
 * be read, come from one scan of every /proc/PID/stat (a list that fails
 * after others were read hands their children over once more: each()
 * must bear that).
 * A process that ends during the scan may be missed or handed over as it
 * was: a caller that acts on a pid must know that it cannot be reused
 * (an unreaped child of the caller) or pin it first.
 * Not async-signal-safe (opendir() and malloc() allocate).  Thread-safe.
 */
int sf__procstat_children(pid_t parent, const struct sf__children *how);

#endif
