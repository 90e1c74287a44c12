/*
 * sync.c - the benchmark's own plumbing: shared memory, the control-plane
 * futexes that pace the rounds (never inside a timed interval), clocks,
 * and children that cannot outlive us.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

void *shared_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void shared_free(void *p, size_t size)
{
	if (p)
		munmap(p, size);
}

int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int bound_ms(int ms)
{
	return getenv("VALGRIND") || getenv("SF_SLOW") ? ms * 20 : ms;
}

/* Shared futexes: the words live in MAP_SHARED memory that several
 * processes use, so FUTEX_PRIVATE_FLAG would be wrong. */
int ctl_wait(uint32_t *word, uint32_t val, int timeout_ms)
{
	int64_t deadline = now_ns() + (int64_t)timeout_ms * 1000000;

	while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == val) {
		int64_t left = deadline - now_ns();
		struct timespec ts;

		if (left <= 0)
			return -ETIMEDOUT;
		ts.tv_sec = left / 1000000000;
		ts.tv_nsec = left % 1000000000;
		syscall(SYS_futex, word, FUTEX_WAIT, val, &ts, NULL, 0);
	}
	return 0;
}

void ctl_wake(uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

void ctl_count(uint32_t *word, uint32_t target)
{
	if (__atomic_add_fetch(word, 1, __ATOMIC_ACQ_REL) == target)
		ctl_wake(word);
}

int ctl_wait_count(uint32_t *word, uint32_t target, int timeout_ms)
{
	int64_t deadline = now_ns() + (int64_t)timeout_ms * 1000000;

	for (;;) {
		uint32_t v = __atomic_load_n(word, __ATOMIC_ACQUIRE);
		int left_ms = (int)((deadline - now_ns()) / 1000000);

		if (v >= target)
			return 0;
		if (left_ms <= 0)
			return -ETIMEDOUT;
		ctl_wait(word, v, left_ms);
	}
}

pid_t fork_bound(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(98);
	}
	return pid;
}

void kill_and_reap(const pid_t *pids, int n)
{
	for (int i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	for (int i = 0; i < n; i++)
		if (pids[i] > 0)
			while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
				;
}
