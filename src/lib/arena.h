/*
 * arena.h - the memory of the master's task records, which no task's
 * fork() copies.
 *
 * A fork copies the page-table entries of all of the parent's private
 * memory, and each child pays for them again when it ends: at the stop of
 * 1000 forked tasks, each of them at once.  A function task needs one
 * record of the group's, its own, and spawn.c hands it a copy of that; so
 * the master keeps the records on pages of their own, marked
 * MADV_DONTFORK while it starts tasks (sf__arena_forked(a, false)), and
 * each task's process starts without them.  Records live as long as the
 * group: there is no free of one.  Not installed.
 */
#ifndef SF_ARENA_H
#define SF_ARENA_H

#include <stdbool.h>
#include <stddef.h>

struct sf__arena {
	struct sf__chunk *chunks; /* the newest first */
};

/* size bytes, zeroed and aligned for any record; NULL if out of memory. */
void *sf__arena_alloc(struct sf__arena *a, size_t size);
/* Whether a fork copies the arena (it does until told otherwise). */
void sf__arena_forked(struct sf__arena *a, bool copied);
/* Whether forks copy the arena whatever it is told (under Valgrind). */
bool sf__arena_forks_copy(void);
/* Unmap all of it. */
void sf__arena_release(struct sf__arena *a);

#endif
