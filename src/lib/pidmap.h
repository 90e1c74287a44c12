/*
 * pidmap.h - the master's index from a child's pid to its task.
 *
 * The reap loop and the search for leftovers look up every child they
 * meet; a search of the task list made a stop of N tasks cost N * N / 2
 * comparisons.  This is an open-addressing hash table (linear probing,
 * backward-shift deletion) sized once, before the first start, for every
 * task at once: nothing is allocated while the group runs, so a put can
 * never fail.  No task inherits it (MADV_DONTFORK).  Not installed.
 */
#ifndef SF_PIDMAP_H
#define SF_PIDMAP_H

#include <stddef.h>
#include <sys/types.h>

struct sf_task;

struct sf__pidmap {
	struct sf__pidslot *slots; /* NULL: none yet (every get is NULL) */
	size_t mask;               /* slots - 1, a power of two less one */
	size_t count;
};

/* Room for max pids at once: 0, or -ENOMEM (the map is left empty). */
int sf__pidmap_init(struct sf__pidmap *m, size_t max);
void sf__pidmap_free(struct sf__pidmap *m);

/* Add pid (> 0, not in the map, at most max at once) for t. */
void sf__pidmap_put(struct sf__pidmap *m, pid_t pid, struct sf_task *t);
/* Remove pid, if it is there. */
void sf__pidmap_del(struct sf__pidmap *m, pid_t pid);
/* pid's task, or NULL. */
struct sf_task *sf__pidmap_get(const struct sf__pidmap *m, pid_t pid);

#endif
