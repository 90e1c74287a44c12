/*
 * flag.c - the stop flag: one anonymous shared page, set from anywhere
 * (signal handlers included), waited on by any number of processes.
 *
 * The page holds two words:
 *
 *   cause  64 bits, 0 until the flag is set.  The first setter installs
 *          reason << 56 | pid << 32 | (uint32_t)code with one
 *          compare-and-swap; that CAS is the moment the flag becomes set,
 *          and is_set is one load of this word.
 *   word   the futex word waiters sleep on: WORD_SET once the stop has been
 *          published, WORD_WAITERS once anybody went to sleep.
 *
 * Set:  CAS the cause (first wins), then make sure WORD_SET is in the word,
 *       then, if WORD_WAITERS is there, one FUTEX_WAKE(INT_MAX).  Every set
 *       does the last two steps even when it lost the CAS, so a first setter
 *       killed between its CAS and its wake leaves nobody asleep once anybody
 *       sets again (the master always does, when it sees the setter die).
 *       With no waiters a set makes no futex call at all.
 *
 * Wait: check the cause, then the word: WORD_SET there also ends the wait;
 *       announce WORD_WAITERS with a CAS; FUTEX_WAIT on the exact value
 *       read (which therefore never has WORD_SET).  A set between the check and the sleep changes
 *       the word, so the kernel refuses to sleep (EAGAIN).  Every return
 *       (0, EAGAIN, EINTR) is followed by a fresh check: no lost wakeup, and
 *       no timeout stands in for one.
 *
 * Doorbell: the master also sleeps on the word, with its own futex bitset.
 *       Its SIGCHLD handler sets WORD_RING and wakes that bitset only, so
 *       tasks never wake for a SIGCHLD; a set's FUTEX_WAKE wakes everybody.
 *       Sleepers of either kind compare the whole word, so a ring between
 *       a task's read and its sleep costs that task one more loop, nothing
 *       else.
 *
 * Nudge: bits 4..31 of the word count nudges, a change with no wake.  A
 *       task's own stop-signal handler nudges, so that the same task,
 *       between its last look at its process-local stop and its sleep, is
 *       refused the sleep (EAGAIN); other sleepers are not woken.  That
 *       last look comes after the word is read, so a handler that ran
 *       before the read, whose nudge is in the value read, is seen there.
 *
 * Sets wake with FUTEX_WAKE through futex_async().  Waits, and the
 * doorbell's wake, use the bitset operations through liburcu's futex(),
 * the system call itself: futex_async() would fall back on ENOSYS to
 * liburcu's compat code, which knows neither bitsets nor timeouts (it
 * asserts, or returns EINVAL), so a kernel without futex gets -ENOSYS
 * from every wait instead, as stopflag.h says.
 *
 * Atomics are liburcu's uatomic: cmpxchg is a full barrier, read is not, so
 * every decision that matters is taken on a cmpxchg result.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/futex.h>
#include <urcu/futex.h>
#include <urcu/uatomic.h>

#include "internal.h"

#if CAA_BITS_PER_LONG != 64
#error "stopflag records its cause with a 64-bit compare-and-swap"
#endif

enum {
	WORD_SET = SF__WORD_SET,
	WORD_WAITERS = SF__WORD_WAITERS,
	WORD_RING = SF__WORD_RING,
};

#define CAUSE_PID_MAX 0xffffff

static uint64_t cause_pack(const struct sf_cause *c)
{
	return (uint64_t)(uint8_t)c->reason << 56 |
	       (uint64_t)(uint32_t)c->pid << 32 |
	       (uint32_t)c->code;
}

static void cause_unpack(uint64_t v, struct sf_cause *c)
{
	c->reason = (enum sf_reason)(v >> 56);
	c->pid = (pid_t)(v >> 32 & CAUSE_PID_MAX);
	c->code = (int)(uint32_t)v;
}

int sf_flag_create(sf_flag **flagp)
{
	void *page;

	if (!flagp)
		return -EINVAL;
	sf__pid_cache_init(); /* so that sets need no getpid() */
	/* Anonymous and shared: inherited by every child forked from now on,
	 * never named, never reachable by path.  Zero-filled: unset. */
	page = mmap(NULL, sf__page_size(), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return -errno;
	*flagp = page;
	sf__flag_touch(page);
	return 0;
}

/* Fault the page in for writing in the calling process, so that the first
 * set made from here pays no page fault: a write that changes nothing,
 * atomic, so that it cannot erase a set another process makes at the same
 * time.  A read is not enough: it maps the page clean, and the first
 * write still traps where the hypervisor keeps the page tables (see the
 * README, "The first wake on a page": 30 to 80 us there, against 60 ns
 * for the whole set). */
void sf__flag_touch(sf_flag *flag)
{
	uatomic_add(&flag->word, 0);
}

sf_flag *sf__caught_flag[NSIG];

/* Disarm every sf_flag_catch_signal() handler that sets flag. */
static void forget_signals(const sf_flag *flag)
{
	for (int signo = 1; signo < NSIG; signo++)
		uatomic_cmpxchg(&sf__caught_flag[signo], (sf_flag *)flag, NULL);
}

void sf_flag_destroy(sf_flag *flag)
{
	if (!flag)
		return;
	forget_signals(flag);
	munmap(flag, sf__page_size());
}

/* Atomically OR bits into the futex word; returns the word as it was. */
static int32_t word_fetch_or(sf_flag *flag, int32_t bits)
{
	int32_t old = uatomic_read(&flag->word);

	while ((old & bits) != bits) {
		int32_t prev = uatomic_cmpxchg(&flag->word, old, old | bits);

		if (prev == old)
			break;
		old = prev;
	}
	return old;
}

/* Publish the stop in the futex word and wake whoever sleeps on it. */
static void publish_and_wake(sf_flag *flag)
{
	if (word_fetch_or(flag, WORD_SET) & WORD_WAITERS)
		futex_async(&flag->word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static int valid_reason(int reason)
{
	return reason > SF_REASON_NONE && reason <= SF_REASON_START_FAILED;
}

static int set_packed(sf_flag *flag, uint64_t packed)
{
	int saved_errno = errno, won;

	won = uatomic_read(&flag->cause) == 0 &&
	      uatomic_cmpxchg(&flag->cause, 0, packed) == 0;
	publish_and_wake(flag);
	errno = saved_errno;
	return won;
}

int sf_flag_set_cause(sf_flag *flag, const struct sf_cause *cause)
{
	if (!flag || !cause || !valid_reason(cause->reason) ||
	    cause->pid < 0 || cause->pid > CAUSE_PID_MAX)
		return -EINVAL;
	return set_packed(flag, cause_pack(cause));
}

int sf_flag_set(sf_flag *flag, enum sf_reason reason, int code)
{
	struct sf_cause cause = { reason, code, 0 };
	int saved_errno = errno;

	if (!flag || !valid_reason(reason))
		return -EINVAL;
	/* Once set, skip even the pid: a later set only re-publishes. */
	if (uatomic_read(&flag->cause) == 0)
		cause.pid = sf__self_pid();
	errno = saved_errno;
	return set_packed(flag, cause_pack(&cause));
}

SF__STOP_PATH
bool sf_flag_is_set(const sf_flag *flag)
{
	return flag && uatomic_read(&flag->cause) != 0;
}

int sf_flag_cause(const sf_flag *flag, struct sf_cause *cause)
{
	uint64_t v;

	if (!flag || !cause)
		return -EINVAL;
	v = uatomic_read(&flag->cause);
	if (v == 0)
		return -EAGAIN;
	cause_unpack(v, cause);
	return 0;
}

/* One sleep on the futex word.  Returns 1 if the word says the stop is
 * published, 0 to check again, or a negative errno that ends the wait.
 * The decision to sleep is taken on the very value the kernel compares:
 * a set that lands after the read changes the word, and the kernel
 * refuses to sleep (EAGAIN).
 *
 * *stop, when given, is the caller's process-local stop, set by a signal
 * handler of its own.  It is looked at after the word is read and armed:
 * a handler that ran before the read may have left nothing in the value
 * read (a nudge is in it; a set a scribbler erased is not), only in
 * *stop; one that runs after this look changes the word, and the kernel
 * refuses the sleep. */
SF__STOP_PATH
static int sleep_once(sf_flag *flag, const struct timespec *deadline,
		      uint32_t bitset, const volatile int *stop)
{
	int32_t v = uatomic_read(&flag->word);
	int ret;

	if (v & WORD_SET) {
		cmm_smp_rmb(); /* so the caller's next read sees the cause */
		return 1;
	}
	if (!(v & WORD_WAITERS)) {
		if (uatomic_cmpxchg(&flag->word, v, v | WORD_WAITERS) != v)
			return 0;
		v |= WORD_WAITERS;
	}
	if (bitset == SF__BITSET_MASTER && (v & WORD_RING)) {
		uatomic_cmpxchg(&flag->word, v, v & ~WORD_RING);
		return 0;
	}
	if (stop && *stop)
		return 0;
	/* deadline: absolute CLOCK_MONOTONIC, the same one on every retry */
	ret = futex(&flag->word, FUTEX_WAIT_BITSET, v, deadline, NULL,
		    (int32_t)bitset);
	if (ret == 0 || errno == EAGAIN)
		return 0;
	return -errno; /* -EINTR: the caller absorbs it or reports it */
}

/* The set is published in the word after the cause is recorded, so a
 * waiter that sees WORD_SET has its wakeup even if the cause is not there
 * (which only a scribbled page can show).  intr: report a sleep a signal
 * handler interrupted as -EINTR instead of sleeping again. */
SF__STOP_PATH
static int wait_loop(sf_flag *flag, const struct timespec *deadline,
		     const volatile int *stop, bool intr)
{
	int *errp = &errno; /* not looked up again on the way out */
	int saved_errno = *errp, ret = 0;

	if (!flag)
		return -EINVAL;
	if (deadline && (deadline->tv_nsec < 0 ||
			 deadline->tv_nsec >= 1000000000))
		return -EINVAL;
	while (!sf_flag_is_set(flag) && !(stop && *stop)) {
		ret = sleep_once(flag, deadline, SF__BITSET_TASK, stop);
		if (ret == -EINTR && !intr)
			ret = 0;
		if (ret != 0)
			break;
	}
	*errp = saved_errno;
	if (ret == -ETIMEDOUT && (sf_flag_is_set(flag) || (stop && *stop)))
		return 0;
	return ret < 0 ? ret : 0;
}

SF__STOP_PATH
int sf__flag_wait_local(sf_flag *flag, const struct timespec *deadline,
			const volatile int *stop)
{
	return wait_loop(flag, deadline, stop, false);
}

int sf__flag_wait_intr(sf_flag *flag, const struct timespec *deadline)
{
	return wait_loop(flag, deadline, NULL, true);
}

int sf_flag_wait_until(sf_flag *flag, const struct timespec *deadline)
{
	return sf__flag_wait_local(flag, deadline, NULL);
}

void sf__flag_nudge(sf_flag *flag)
{
	/* Carries out of bit 31 vanish: only "changed" matters. */
	uatomic_add(&flag->word, SF__WORD_NUDGE);
}

int sf_flag_wait(sf_flag *flag, int timeout_ms)
{
	struct timespec deadline;

	if (!flag)
		return -EINVAL;
	if (timeout_ms < 0)
		return sf_flag_wait_until(flag, NULL);
	sf__deadline_after(timeout_ms, &deadline);
	return sf_flag_wait_until(flag, &deadline);
}

void sf__doorbell_ring(sf_flag *flag)
{
	int saved_errno = errno;

	word_fetch_or(flag, WORD_RING);
	futex(&flag->word, FUTEX_WAKE_BITSET, INT_MAX, NULL, NULL,
	      (int32_t)SF__BITSET_MASTER);
	errno = saved_errno;
}

int sf__doorbell_wait(sf_flag *flag, const struct timespec *deadline,
		      const volatile int *stop)
{
	int saved_errno = errno, ret;

	if (sf_flag_is_set(flag))
		return 1;
	ret = sleep_once(flag, deadline, SF__BITSET_MASTER, stop);
	errno = saved_errno;
	if (ret == 1 || sf_flag_is_set(flag))
		return 1;
	return ret == -EINTR ? 0 : ret;
}
