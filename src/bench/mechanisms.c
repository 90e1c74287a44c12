/*
 * mechanisms.c - eight ways to wake N processes, each written the way a
 * careful user would write it, behind struct mech (see bench.h).
 *
 * Every waiter is told its round and returns once woken for it; nothing
 * here spins.  The pollable ones (pipe, eventfd) are level-triggered
 * events: waiters poll() and never consume, and arm() drains what the
 * previous round left before anybody waits again.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "stopflag.h"
#include "bench.h"

#define CACHELINE 64

/* arm() of the mechanisms that keep nothing between rounds. */
static void no_arm(void *state, int round)
{
	(void)state;
	(void)round;
}

/* ---------------------------------------------------------------- stopflag */

/* A flag is set once, so each round has its own, all created before the
 * fork (that is how flags are shared). */
struct round_flag {
	sf_flag *flag;
};

struct sf_state {
	int rounds;
	struct round_flag *flags;
};

static int sf_prepare(const struct mech_env *env, void **state)
{
	struct sf_state *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->rounds = env->rounds;
	s->flags = calloc((size_t)env->rounds, sizeof(struct round_flag));
	if (!s->flags) {
		free(s);
		return -ENOMEM;
	}
	*state = s;
	for (int r = 0; r < env->rounds; r++) {
		int err = sf_flag_create(&s->flags[r].flag);

		if (err < 0)
			return err;
		(void)sf_flag_is_set(s->flags[r].flag); /* fault it in here */
	}
	return 0;
}

/* Bring this round's page into the setter's TLB and cache, as the other
 * mechanisms' state is from the round before: we time the set, not the
 * first touch of a page. */
static void sf_arm(void *state, int round)
{
	struct sf_state *s = state;

	(void)sf_flag_is_set(s->flags[round].flag);
}

static void sf_set(void *state, int round)
{
	struct sf_state *s = state;

	sf_flag_set(s->flags[round].flag, SF_REASON_REQUEST, round);
}

static void sf_wait(void *state, int round, void (*armed)(void *), void *arg)
{
	struct sf_state *s = state;

	armed(arg);
	sf_flag_wait(s->flags[round].flag, -1);
}

static void sf_teardown(void *state)
{
	struct sf_state *s = state;

	if (!s)
		return;
	for (int r = 0; s->flags && r < s->rounds; r++)
		sf_flag_destroy(s->flags[r].flag);
	free(s->flags);
	free(s);
}

/* ---------------------------------------------------------------- futex */

/* The floor: one shared word, one FUTEX_WAKE(INT_MAX), nothing else.  The
 * word counts sets, so round r waits while it still reads r. */
struct futex_state {
	uint32_t word __attribute__((aligned(CACHELINE)));
};

static long futex(uint32_t *word, int op, uint32_t val)
{
	return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

static int futex_prepare(const struct mech_env *env, void **state)
{
	(void)env;
	*state = shared_alloc(sizeof(struct futex_state));
	return *state ? 0 : -errno;
}

static void futex_set(void *state, int round)
{
	struct futex_state *s = state;

	__atomic_store_n(&s->word, (uint32_t)round + 1, __ATOMIC_RELEASE);
	futex(&s->word, FUTEX_WAKE, INT_MAX);
}

static void futex_wait_round(void *state, int round, void (*armed)(void *),
			     void *arg)
{
	struct futex_state *s = state;

	armed(arg);
	while (__atomic_load_n(&s->word, __ATOMIC_ACQUIRE) == (uint32_t)round)
		futex(&s->word, FUTEX_WAIT, (uint32_t)round);
}

static void futex_teardown(void *state)
{
	shared_free(state, sizeof(struct futex_state));
}

/* The raw futex on a fresh page every round, as stopflag's one flag per
 * round has: each page mapped before the fork and written once by the
 * setter (sf_flag_create() writes its page too), never woken before.
 * This, not the warm word above, is the floor of a one-shot stop: see
 * the README's "The first wake on a page". */
struct fresh_state {
	int rounds;
	struct futex_state **pages;
};

static int fresh_prepare(const struct mech_env *env, void **state)
{
	struct fresh_state *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	*state = s;
	s->pages = calloc((size_t)env->rounds, sizeof(struct futex_state *));
	if (!s->pages)
		return -ENOMEM;
	s->rounds = env->rounds;
	for (int r = 0; r < env->rounds; r++) {
		s->pages[r] = shared_alloc(sizeof(struct futex_state));
		if (!s->pages[r])
			return -errno;
		__atomic_store_n(&s->pages[r]->word, 0, __ATOMIC_RELAXED);
	}
	return 0;
}

/* As sf_arm(): the page is in the setter's TLB and cache. */
static void fresh_arm(void *state, int round)
{
	struct fresh_state *s = state;

	(void)__atomic_load_n(&s->pages[round]->word, __ATOMIC_RELAXED);
}

static void fresh_set(void *state, int round)
{
	struct fresh_state *s = state;

	__atomic_store_n(&s->pages[round]->word, 1, __ATOMIC_RELEASE);
	futex(&s->pages[round]->word, FUTEX_WAKE, INT_MAX);
}

static void fresh_wait(void *state, int round, void (*armed)(void *),
		       void *arg)
{
	struct fresh_state *s = state;
	uint32_t *word = &s->pages[round]->word;

	armed(arg);
	while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == 0)
		futex(word, FUTEX_WAIT, 0);
}

static void fresh_teardown(void *state)
{
	struct fresh_state *s = state;

	if (!s)
		return;
	for (int r = 0; s->pages && r < s->rounds; r++)
		if (s->pages[r])
			shared_free(s->pages[r], sizeof(struct futex_state));
	free(s->pages);
	free(s);
}

/* ---------------------------------------------------------------- pipe, eventfd */

/* rfd is O_NONBLOCK (poll() does not care) so that arm() can drain it. */
struct fd_state {
	int rfd, wfd;
};

static int pipe_prepare(const struct mech_env *env, void **state)
{
	struct fd_state *s = malloc(sizeof(*s));
	int fds[2];

	(void)env;
	if (!s)
		return -ENOMEM;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		free(s);
		return -errno;
	}
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	s->rfd = fds[0];
	s->wfd = fds[1];
	*state = s;
	return 0;
}

static int eventfd_prepare(const struct mech_env *env, void **state)
{
	struct fd_state *s = malloc(sizeof(*s));

	(void)env;
	if (!s)
		return -ENOMEM;
	s->rfd = s->wfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->rfd < 0) {
		free(s);
		return -errno;
	}
	*state = s;
	return 0;
}

static void fd_drain(void *state, int round)
{
	struct fd_state *s = state;
	uint64_t buf[8];

	(void)round;
	while (read(s->rfd, buf, sizeof(buf)) > 0)
		;
}

static void pipe_set(void *state, int round)
{
	struct fd_state *s = state;

	(void)round;
	(void)!write(s->wfd, "x", 1);
}

static void eventfd_set(void *state, int round)
{
	struct fd_state *s = state;
	uint64_t one = 1;

	(void)round;
	(void)!write(s->wfd, &one, sizeof(one));
}

static void fd_wait(void *state, int round, void (*armed)(void *), void *arg)
{
	struct fd_state *s = state;
	struct pollfd p = { .fd = s->rfd, .events = POLLIN };

	(void)round;
	armed(arg);
	while (poll(&p, 1, -1) < 1 || !(p.revents & POLLIN))
		;
}

static void fd_teardown(void *state)
{
	struct fd_state *s = state;

	if (!s)
		return;
	close(s->rfd);
	if (s->wfd != s->rfd)
		close(s->wfd);
	free(s);
}

/* ---------------------------------------------------------------- sem */

/* A process-shared POSIX semaphore: N waiters need N posts. */
struct sem_state {
	sem_t sem __attribute__((aligned(CACHELINE)));
	int waiters;
};

static int sem_prepare(const struct mech_env *env, void **state)
{
	struct sem_state *s = shared_alloc(sizeof(*s));

	if (!s)
		return -errno;
	if (sem_init(&s->sem, 1, 0) < 0) {
		int err = -errno;

		shared_free(s, sizeof(*s));
		return err;
	}
	s->waiters = env->waiters;
	*state = s;
	return 0;
}

static void sem_set(void *state, int round)
{
	struct sem_state *s = state;

	(void)round;
	for (int i = 0; i < s->waiters; i++)
		sem_post(&s->sem);
}

static void sem_wait_round(void *state, int round, void (*armed)(void *),
			   void *arg)
{
	struct sem_state *s = state;

	(void)round;
	armed(arg);
	while (sem_wait(&s->sem) < 0 && errno == EINTR)
		;
}

static void sem_teardown(void *state)
{
	struct sem_state *s = state;

	if (!s)
		return;
	sem_destroy(&s->sem);
	shared_free(s, sizeof(*s));
}

/* ---------------------------------------------------------------- signal */

/* N kill()s of SIGUSR1, which waiters keep blocked and take with
 * sigwaitinfo(): the fastest way a signal can wake a process (no handler
 * to run). */
#define WAKE_SIGNAL SIGUSR1

static int signal_prepare(const struct mech_env *env, void **state)
{
	*state = (void *)env;
	return 0;
}

static void signal_set(void *state, int round)
{
	const struct mech_env *env = state;

	(void)round;
	for (int i = 0; i < env->waiters; i++)
		kill(env->pids[i], WAKE_SIGNAL);
}

static void signal_wait(void *state, int round, void (*armed)(void *),
			void *arg)
{
	sigset_t set;

	(void)state;
	(void)round;
	sigemptyset(&set);
	sigaddset(&set, WAKE_SIGNAL);
	sigprocmask(SIG_BLOCK, &set, NULL);
	armed(arg);
	while (sigwaitinfo(&set, NULL) < 0)
		;
}

static void nothing(void *state)
{
	(void)state;
}

/* ---------------------------------------------------------------- condvar */

/* A process-shared mutex and condition variable guarding a set counter.
 * Not async-signal-safe: it cannot be set from a signal handler. */
struct cv_state {
	pthread_mutex_t mutex;
	pthread_cond_t cond;
	uint32_t sets;
};

static int cv_prepare(const struct mech_env *env, void **state)
{
	struct cv_state *s = shared_alloc(sizeof(*s));
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;

	(void)env;
	if (!s)
		return -errno;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&s->mutex, &ma);
	pthread_mutexattr_destroy(&ma);
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	pthread_cond_init(&s->cond, &ca);
	pthread_condattr_destroy(&ca);
	*state = s;
	return 0;
}

static void cv_set(void *state, int round)
{
	struct cv_state *s = state;

	pthread_mutex_lock(&s->mutex);
	s->sets = (uint32_t)round + 1;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->mutex);
}

static void cv_wait(void *state, int round, void (*armed)(void *), void *arg)
{
	struct cv_state *s = state;

	pthread_mutex_lock(&s->mutex);
	armed(arg);
	while (s->sets <= (uint32_t)round)
		pthread_cond_wait(&s->cond, &s->mutex);
	pthread_mutex_unlock(&s->mutex);
}

static void cv_teardown(void *state)
{
	struct cv_state *s = state;

	if (!s)
		return;
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->mutex);
	shared_free(s, sizeof(*s));
}

/* ---------------------------------------------------------------- the table */

static const struct mech mech_stopflag = {
	"stopflag", "sf_flag_set / sf_flag_wait (one flag per round)", true,
	sf_prepare, sf_arm, sf_set, sf_wait, sf_teardown,
};
static const struct mech mech_futex = {
	"futex", "raw shared futex, one FUTEX_WAKE (the floor)", true,
	futex_prepare, no_arm, futex_set, futex_wait_round, futex_teardown,
};
static const struct mech mech_futex_fresh = {
	"futex-fresh", "raw shared futex on a fresh page every round", true,
	fresh_prepare, fresh_arm, fresh_set, fresh_wait, fresh_teardown,
};
static const struct mech mech_pipe = {
	"pipe", "one byte written to a pipe, waiters poll()", true,
	pipe_prepare, fd_drain, pipe_set, fd_wait, fd_teardown,
};
static const struct mech mech_eventfd = {
	"eventfd", "eventfd write, waiters poll()", true,
	eventfd_prepare, fd_drain, eventfd_set, fd_wait, fd_teardown,
};
static const struct mech mech_sem = {
	"sem", "process-shared POSIX semaphore, N sem_post()", true,
	sem_prepare, no_arm, sem_set, sem_wait_round, sem_teardown,
};
static const struct mech mech_signal = {
	"signal", "N kill(SIGUSR1), waiters in sigwaitinfo()", true,
	signal_prepare, no_arm, signal_set, signal_wait, nothing,
};
static const struct mech mech_condvar = {
	"condvar", "process-shared pthread mutex + cond, broadcast", false,
	cv_prepare, no_arm, cv_set, cv_wait, cv_teardown,
};

static const struct mech *const all[] = {
	&mech_stopflag, &mech_futex, &mech_futex_fresh, &mech_pipe, &mech_eventfd,
	&mech_sem, &mech_signal, &mech_condvar,
};

const struct mech *const *mech_all(int *count)
{
	*count = (int)(sizeof(all) / sizeof(all[0]));
	return all;
}

int mech_index(const char *name)
{
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(all[i]->name, name) == 0)
			return (int)i;
	return -1;
}
