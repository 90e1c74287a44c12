/*
 * pid.c - the calling process's pid, without a system call on every set.
 *
 * sf_flag_set() records the setter's pid.  getpid() is a real system call
 * (glibc stopped caching it in 2.25), and on the set path it was most of
 * what stopflag added to a raw futex wake: with one waiter on one CPU,
 * stopflag-bench measured a p50 of 2.9 us against the raw futex's 2.6 us
 * (1.12x) with getpid() on every set, 2.7 us (1.05x) with the cache.
 *
 * So the pid is cached, on a private page marked MADV_WIPEONFORK: the
 * kernel gives every child created by fork(), or by clone() without
 * CLONE_VM, a zero-filled copy of it, so a child never reads its parent's
 * pid, however it was created (a pthread_atfork() handler would miss a
 * raw clone() or fork system call).  Threads share the page and the pid.
 * A child sharing its parent's memory (vfork(), CLONE_VM) may only exec
 * or _exit, and calls no stopflag function.  Where the kernel has no
 * MADV_WIPEONFORK (before 4.14) nothing is cached and every first set
 * calls getpid().
 *
 * The page is set up from normal context by sf_flag_create() and read and
 * filled from anywhere, signal handlers included: one load, and at most
 * one getpid() and one store per process.
 */
#include <sys/mman.h>
#include <unistd.h>

#include <urcu/uatomic.h>

#include "internal.h"

/* The cache page, or NULL until sf__pid_cache_init() made one.  The
 * pointer itself is inherited; the page's content is wiped in a child. */
static pid_t *cache;

void sf__pid_cache_init(void)
{
	size_t size = sf__page_size();
	void *page;

	if (uatomic_read(&cache))
		return;
	page = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return;
	if (madvise(page, size, MADV_WIPEONFORK) < 0 ||
	    uatomic_cmpxchg(&cache, NULL, (pid_t *)page) != NULL)
		munmap(page, size); /* no wipe-on-fork, or another thread won */
}

pid_t sf__self_pid(void)
{
	pid_t *c = uatomic_read(&cache);
	pid_t pid;

	if (!c)
		return getpid();
	pid = uatomic_read(c);
	if (pid == 0) {
		pid = getpid();
		uatomic_set(c, pid);
	}
	return pid;
}
