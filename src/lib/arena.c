/*
 * arena.c - the task records' memory (arena.h): chunks mapped on their
 * own, handed out from the front, unmapped all at once.
 *
 * Under Valgrind a fork copies the records as it always did: Valgrind
 * does not know MADV_DONTFORK, and in a task's process its leak check
 * would find the other tasks' names and options, which only the records
 * point to, lost.  Where Valgrind's header was there at the build.
 */
#include <stdalign.h>
#include <stdint.h>
#include <sys/mman.h>

#ifdef HAVE_VALGRIND_VALGRIND_H
#include <valgrind/valgrind.h>
#endif

#include "arena.h"

#define CHUNK_BYTES ((size_t)64 * 1024)

struct sf__chunk {
	struct sf__chunk *next;
	size_t size; /* of the mapping */
	size_t used; /* from its start, this header included */
};

#define ALIGN alignof(max_align_t)

static size_t round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

static struct sf__chunk *new_chunk(size_t payload)
{
	size_t head = round_up(sizeof(struct sf__chunk), ALIGN);
	size_t size = CHUNK_BYTES;
	struct sf__chunk *c;

	if (payload > SIZE_MAX - head - 4096)
		return NULL;
	if (head + payload > size)
		size = round_up(head + payload, 4096);
	c = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c == MAP_FAILED)
		return NULL;
	c->size = size;
	c->used = head;
	return c;
}

void *sf__arena_alloc(struct sf__arena *a, size_t size)
{
	struct sf__chunk *c = a->chunks;
	void *p;

	size = round_up(size ? size : 1, ALIGN);
	if (!c || c->size - c->used < size) {
		if (!(c = new_chunk(size)))
			return NULL;
		c->next = a->chunks;
		a->chunks = c;
	}
	p = (char *)c + c->used;
	c->used += size;
	return p; /* zero: fresh anonymous pages, never handed out before */
}

bool sf__arena_forks_copy(void)
{
#ifdef HAVE_VALGRIND_VALGRIND_H
	return RUNNING_ON_VALGRIND;
#else
	return false;
#endif
}

void sf__arena_forked(struct sf__arena *a, bool copied)
{
	/* A kernel without it (before 2.6.16) copies the records, as it
	 * always did: nothing breaks, nothing is saved. */
	if (sf__arena_forks_copy())
		return;
	for (struct sf__chunk *c = a->chunks; c; c = c->next)
		madvise(c, c->size, copied ? MADV_DOFORK : MADV_DONTFORK);
}

void sf__arena_release(struct sf__arena *a)
{
	while (a->chunks) {
		struct sf__chunk *c = a->chunks;

		a->chunks = c->next;
		munmap(c, c->size);
	}
}
