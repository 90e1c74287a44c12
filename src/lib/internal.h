/*
 * internal.h - what the files of libstopflag share and nothing else sees.
 *
 * Internal names that must be non-static carry the sf__ prefix; the library
 * is built with -fvisibility=hidden and a version script, so only the sf_
 * names marked SF_EXPORT in stopflag.h leave it.
 */
#ifndef SF_INTERNAL_H
#define SF_INTERNAL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "stopflag.h"

/*
 * The code a function task runs from its wake to its _exit: the flag's
 * wait, the task's waits, its run's end.  When the stop wakes a thousand
 * tasks at once, each pays for every page of code it touches on the way
 * out, even one it ran before it slept (under shadow paging the
 * hypervisor fills that page's entry again for each process it switches
 * to).  GCC puts hot functions together in .text.hot, on as few pages
 * as they fill (one: `nm -n` on the library shows them within 1.2 KiB)
 * instead of a page or more apart.
 */
#define SF__STOP_PATH __attribute__((hot))

/* The shared page (see flag.c for the protocol).  Here rather than in
 * flag.c only so that white-box tests can put a page into the states a
 * killed or scribbling process leaves behind. */
struct sf_flag {
	uint64_t cause;   /* 0, or reason << 56 | pid << 32 | (uint32_t)code */
	int32_t word;     /* futex word: SF__WORD_* bits */
};
#define SF__WORD_SET     1  /* the stop is published */
#define SF__WORD_WAITERS 2  /* somebody sleeps on the word */
#define SF__WORD_RING    4  /* the master's doorbell rang (SIGCHLD) */
#define SF__WORD_NUDGE   16 /* bits 4..31 count nudges (sf__flag_nudge) */

/* A new, unset flag on a sealed memfd page (flagfd.c), for a group whose
 * exec tasks inherit it: *fdp is the memfd, close-on-exec, which the
 * caller closes.  Returns 0 or a negative errno. */
int sf__flag_create_memfd(sf_flag **flagp, int *fdp);

/* Futex bitsets: tasks and the master sleep on the same word, but a
 * doorbell ring wakes only the master.  A set wakes both. */
#define SF__BITSET_TASK   1u
#define SF__BITSET_MASTER 2u

/*
 * The master's doorbell.  sf__doorbell_ring() is async-signal-safe (the
 * master's SIGCHLD handler calls it); it sets SF__WORD_RING and wakes only
 * the master.  sf__doorbell_wait() sleeps until the flag is set (returns 1),
 * the doorbell rang (clears the ring, returns 0; a spurious wakeup also
 * returns 0), or the deadline (NULL: none) passes (-ETIMEDOUT).  After a 0
 * the master must look at everything a ring can mean (waitpid(WNOHANG));
 * a ring that comes while it looks sets the bit again, so none is lost.
 */
void sf__doorbell_ring(sf_flag *flag);

/*
 * A stop meant for one process only (a task sent its stop signal).  The
 * signal handler sets *stop and calls sf__flag_nudge(), which changes the
 * word without waking anybody (async-signal-safe); sf__flag_wait_local()
 * is sf_flag_wait_until() that also ends, returning 0, once *stop is
 * non-zero.  *stop is looked at once more after the word is read: a
 * handler that ran before that look is seen there, one that runs after it
 * and before the sleep has changed the word, so the kernel refuses the
 * sleep, and one that runs during the sleep interrupts it.
 * sf__doorbell_wait() takes the master's own *stop the same way (one of
 * its handlers ran), so a task erasing the page between the master's
 * handler and its sleep cannot take a signal away (master.c says why that
 * is not all it needs).
 */
void sf__flag_nudge(sf_flag *flag);
int sf__flag_wait_local(sf_flag *flag, const struct timespec *deadline,
			const volatile int *stop);
int sf__doorbell_wait(sf_flag *flag, const struct timespec *deadline,
		      const volatile int *stop);
/* Fault the flag's page in, writable, in the calling process: a write
 * that changes nothing (flag.c says why).  Async-signal-safe. */
void sf__flag_touch(sf_flag *flag);

/*
 * sf__flag_wait_intr - sf_flag_wait_until() that returns -EINTR when a
 * signal handler interrupted its sleep, for a caller that must run its own
 * handlers then and wait again toward the same deadline (the Python
 * module, PEP 475).  A flag set by the handler itself is seen on that next
 * call.  Kept internal so that sf_flag_wait()'s "never -EINTR" stands.
 */
int sf__flag_wait_intr(sf_flag *flag, const struct timespec *deadline);

/* The caller's pid, cached per process on a MADV_WIPEONFORK page (see
 * pid.c): one load once known, a getpid() the first time.  Async-signal-
 * safe.  sf__pid_cache_init() sets the page up (normal context; called by
 * sf_flag_create()); without it sf__self_pid() is getpid(). */
void sf__pid_cache_init(void);
pid_t sf__self_pid(void);

/* Fill *ts with the CLOCK_MONOTONIC time ms milliseconds from now.
 * Async-signal-safe. */
void sf__deadline_after(int ms, struct timespec *ts);

/* CLOCK_MONOTONIC now, in nanoseconds.  Async-signal-safe. */
int64_t sf__now_ns(void);

/* ns nanoseconds (of CLOCK_MONOTONIC, or a span) as a timespec and back,
 * and ms milliseconds in nanoseconds: every conversion of the library is
 * one of these (clock.c).  Async-signal-safe. */
void sf__ns_to_timespec(int64_t ns, struct timespec *ts);
int64_t sf__timespec_to_ns(const struct timespec *ts);
int64_t sf__ms_to_ns(int ms);

/* The size of a page (the flag's shared page, the pid cache's). */
static inline size_t sf__page_size(void)
{
	long sz = sysconf(_SC_PAGESIZE);

	return sz > 0 ? (size_t)sz : 4096;
}

/* Whether signo is a signal a handler can be installed for. */
int sf__catchable_signal(int signo);

/* sf_flag_catch_signal(), saving the disposition and the flag it replaces
 * (a caller's own sf_flag_catch_signal() included); sf__uncatch() puts
 * both back. */
struct sf__caught {
	struct sigaction sa;
	sf_flag *flag;
};
int sf__catch(sf_flag *flag, int signo, struct sf__caught *saved);
void sf__uncatch(int signo, const struct sf__caught *saved);

/* The flag each signal's sf_flag_catch_signal() handler sets, or NULL
 * (signals.c).  Written before sigaction() installs the handler, and
 * cleared by sf_flag_destroy() for the flag it destroys: it lives here,
 * beside the flag, so that flag.c needs nothing of signals.c. */
extern sf_flag *sf__caught_flag[NSIG];

#endif
