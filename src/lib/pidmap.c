/*
 * pidmap.c - the master's pid -> task index (pidmap.h).
 *
 * Twice as many slots as pids, rounded up to a power of two, so that
 * probe runs stay short.  A slot is empty when its pid is 0.  Deletion
 * shifts the rest of the run back over the hole (no tombstones): a slot
 * moves back only if the hole lies between its home and where it sits,
 * going round the table.
 *
 * The table is the master's alone, and is made before the first fork: it
 * is mapped on pages of its own marked MADV_DONTFORK, so that no task
 * inherits it.  A fork copies the page-table entries of all the rest of
 * the master's private memory, and each task pays for them again at its
 * end (32 KiB for 1000 tasks: 8 entries in every task).
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>

#include "pidmap.h"

struct sf__pidslot {
	pid_t pid;
	struct sf_task *task;
};

static size_t home(const struct sf__pidmap *m, pid_t pid)
{
	/* Fibonacci hashing: consecutive pids land far apart */
	return (size_t)(((uint64_t)(uint32_t)pid * 0x9e3779b97f4a7c15ULL) >>
			32) & m->mask;
}

static size_t map_bytes(const struct sf__pidmap *m)
{
	return (m->mask + 1) * sizeof(struct sf__pidslot);
}

int sf__pidmap_init(struct sf__pidmap *m, size_t max)
{
	size_t n = 8;
	void *p;

	m->slots = NULL;
	m->mask = 0;
	m->count = 0;
	while (n < 2 * max) {
		if (n > SIZE_MAX / 2 / sizeof(struct sf__pidslot))
			return -ENOMEM;
		n *= 2;
	}
	/* zero-filled; a kernel without MADV_DONTFORK only lets tasks
	 * inherit it, as they did the list it replaces */
	p = mmap(NULL, n * sizeof(struct sf__pidslot), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	madvise(p, n * sizeof(struct sf__pidslot), MADV_DONTFORK);
	m->slots = p;
	m->mask = n - 1;
	return 0;
}

void sf__pidmap_free(struct sf__pidmap *m)
{
	if (m->slots)
		munmap(m->slots, map_bytes(m));
	m->slots = NULL;
	m->mask = 0;
	m->count = 0;
}

void sf__pidmap_put(struct sf__pidmap *m, pid_t pid, struct sf_task *t)
{
	size_t i;

	if (!m->slots || m->count >= m->mask)
		return; /* cannot be: sized for every task at once */
	i = home(m, pid);
	while (m->slots[i].pid != 0)
		i = (i + 1) & m->mask;
	m->slots[i].pid = pid;
	m->slots[i].task = t;
	m->count++;
}

/* The slot holding pid, or -1. */
static long find(const struct sf__pidmap *m, pid_t pid)
{
	if (!m->slots || pid <= 0)
		return -1;
	for (size_t i = home(m, pid);; i = (i + 1) & m->mask) {
		if (m->slots[i].pid == pid)
			return (long)i;
		if (m->slots[i].pid == 0)
			return -1;
	}
}

struct sf_task *sf__pidmap_get(const struct sf__pidmap *m, pid_t pid)
{
	long i = find(m, pid);

	return i < 0 ? NULL : m->slots[i].task;
}

void sf__pidmap_del(struct sf__pidmap *m, pid_t pid)
{
	long found = find(m, pid);
	size_t hole, i;

	if (found < 0)
		return;
	hole = (size_t)found;
	for (i = (hole + 1) & m->mask; m->slots[i].pid != 0;
	     i = (i + 1) & m->mask) {
		size_t h = home(m, m->slots[i].pid);

		/* slot i may fill the hole unless its home lies in (hole, i] */
		if (((i - h) & m->mask) >= ((i - hole) & m->mask)) {
			m->slots[hole] = m->slots[i];
			hole = i;
		}
	}
	m->slots[hole].pid = 0;
	m->slots[hole].task = NULL;
	m->count--;
}
