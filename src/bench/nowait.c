/*
 * nowait.c - what sf_flag_set costs when nobody waits.
 *
 * The contract: no futex call, and at most one system call (the first set
 * in a process learns its pid with getpid(); later ones find it cached).  We time it, next to the raw operations it is made of, and
 * count its system calls: a ptrace()d child marks the measured stretch
 * with close() on two impossible descriptors, and we count every system
 * call it enters in between.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stopflag.h"
#include "bench.h"

#define BATCH   256   /* sets timed together */
#define BATCHES 9     /* we report the median batch */
#define MARK_FIRST  (-1001)
#define MARK_REPEAT (-1002)
#define MARK_END    (-1003)

struct syscall_counts {
	long total, futex, getpid;
};

/* ---------------------------------------------------------------- timing */

static int create_flags(sf_flag **flags, int n)
{
	for (int i = 0; i < n; i++) {
		int err = sf_flag_create(&flags[i]);

		if (err < 0) {
			while (i-- > 0)
				sf_flag_destroy(flags[i]);
			return err;
		}
		(void)sf_flag_is_set(flags[i]); /* no page fault when timed */
	}
	return 0;
}

static void destroy_flags(sf_flag **flags, int n)
{
	for (int i = 0; i < n; i++)
		sf_flag_destroy(flags[i]);
}

enum what { FIRST_SET, REPEAT_SET, RAW_GETPID, RAW_FUTEX_WAKE, RAW_CAS };

/* Nanoseconds per operation in one batch, or -1. */
static int64_t one_batch(enum what what)
{
	static uint32_t word;
	static uint64_t cas_word;
	sf_flag *flags[BATCH];
	int64_t t0, t1;

	if (create_flags(flags, what == FIRST_SET ? BATCH : 1) < 0)
		return -1;
	if (what == REPEAT_SET)
		sf_flag_set(flags[0], SF_REASON_REQUEST, 0);
	t0 = now_ns();
	for (int i = 0; i < BATCH; i++) {
		uint64_t expected = 0;

		switch (what) {
		case FIRST_SET:
			sf_flag_set(flags[i], SF_REASON_REQUEST, i);
			break;
		case REPEAT_SET:
			sf_flag_set(flags[0], SF_REASON_REQUEST, i);
			break;
		case RAW_GETPID:
			syscall(SYS_getpid);
			break;
		case RAW_FUTEX_WAKE:
			syscall(SYS_futex, &word, FUTEX_WAKE, 1, NULL, NULL, 0);
			break;
		case RAW_CAS:
			cas_word = 0;
			__atomic_compare_exchange_n(&cas_word, &expected,
						    (uint64_t)i + 1, false,
						    __ATOMIC_SEQ_CST,
						    __ATOMIC_SEQ_CST);
			break;
		}
	}
	t1 = now_ns();
	destroy_flags(flags, what == FIRST_SET ? BATCH : 1);
	return (t1 - t0) / BATCH;
}

static int64_t median_batch(enum what what)
{
	int64_t v[BATCHES];

	for (int b = 0; b < BATCHES; b++)
		v[b] = one_batch(what);
	return percentile(v, BATCHES, 50);
}

/* ---------------------------------------------------------------- counting */

static void mark(int which)
{
	syscall(SYS_close, which);
}

static void __attribute__((noreturn)) traced_child(sf_flag **flags)
{
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
		_exit(3);
	kill(getpid(), SIGSTOP); /* the tracer takes over here */
	mark(MARK_FIRST);
	for (int i = 0; i < BATCH; i++)
		sf_flag_set(flags[i], SF_REASON_REQUEST, i);
	mark(MARK_REPEAT);
	for (int i = 0; i < BATCH; i++)
		sf_flag_set(flags[0], SF_REASON_REQUEST, i);
	mark(MARK_END);
	_exit(0);
}

#ifdef PTRACE_GET_SYSCALL_INFO
/* ptrace() takes some integer arguments in its pointer parameters. */
static void *ptrace_arg(long v)
{
	return (void *)v; /* NOLINT(performance-no-int-to-ptr) */
}

/* Follow the child's system calls from its SIGSTOP to its exit; count
 * them into c[0] (first sets) and c[1] (repeat sets).  0 or -errno. */
static int trace(pid_t pid, struct syscall_counts c[2])
{
	int st, phase = -1, sig = 0;

	if (waitpid(pid, &st, 0) < 0 || !WIFSTOPPED(st))
		return -ECHILD;
	if (ptrace(PTRACE_SETOPTIONS, pid, NULL,
		   ptrace_arg(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL)) < 0)
		return -errno;
	for (;;) {
		struct __ptrace_syscall_info info;

		if (ptrace(PTRACE_SYSCALL, pid, NULL, ptrace_arg(sig)) < 0)
			return -errno;
		sig = 0;
		if (waitpid(pid, &st, 0) < 0)
			return -errno;
		if (WIFEXITED(st) || WIFSIGNALED(st))
			return phase == 2 ? 0 : -EPROTO;
		if (WSTOPSIG(st) != (SIGTRAP | 0x80)) {
			sig = WSTOPSIG(st); /* a real signal: deliver it */
			continue;
		}
		if (ptrace(PTRACE_GET_SYSCALL_INFO, pid,
			   ptrace_arg((long)sizeof(info)), &info) <= 0)
			return -errno;
		if (info.op != PTRACE_SYSCALL_INFO_ENTRY)
			continue;
		if (info.entry.nr == SYS_close &&
		    (int)info.entry.args[0] <= MARK_FIRST &&
		    (int)info.entry.args[0] >= MARK_END) {
			phase = MARK_FIRST - (int)info.entry.args[0];
			continue;
		}
		if (phase == 0 || phase == 1) {
			c[phase].total++;
			c[phase].futex += info.entry.nr == SYS_futex;
			c[phase].getpid += info.entry.nr == SYS_getpid;
		}
	}
}
#else
static int trace(pid_t pid, struct syscall_counts c[2])
{
	(void)pid;
	(void)c;
	return -ENOSYS;
}
#endif

static int count_syscalls(struct syscall_counts c[2])
{
	sf_flag *flags[BATCH];
	pid_t pid;
	int err;

	memset(c, 0, 2 * sizeof(*c));
	err = create_flags(flags, BATCH);
	if (err < 0)
		return err;
	fflush(NULL);
	pid = fork_bound();
	if (pid == 0)
		traced_child(flags);
	err = pid < 0 ? (int)pid : trace(pid, c);
	if (pid > 0)
		kill_and_reap(&pid, 1);
	destroy_flags(flags, BATCH);
	return err;
}

/* ---------------------------------------------------------------- report */

void nowait_report(FILE *f)
{
	struct syscall_counts c[2];
	int err = count_syscalls(c);

	fprintf(f, "no waiters: sf_flag_set %lld ns (first set), %lld ns "
		"(already set); for scale: getpid() %lld ns, FUTEX_WAKE on "
		"an empty futex %lld ns, bare 64-bit CAS %lld ns\n",
		(long long)median_batch(FIRST_SET),
		(long long)median_batch(REPEAT_SET),
		(long long)median_batch(RAW_GETPID),
		(long long)median_batch(RAW_FUTEX_WAKE),
		(long long)median_batch(RAW_CAS));
	if (err < 0) {
		fprintf(f, "no waiters: system calls not counted (ptrace: "
			"%s)\n", strerror(-err));
		return;
	}
	fprintf(f, "no waiters: system calls counted with ptrace in a fresh "
		"child: %d first sets made %ld (getpid %ld, futex %ld); %d "
		"sets of a set flag made %ld (futex %ld)\n", BATCH,
		c[0].total, c[0].getpid, c[0].futex, BATCH, c[1].total,
		c[1].futex);
}
