/*
 * flag-threads.c - the flag is thread-safe: many threads of one process
 * wait while threads of the same and other processes race to set it;
 * exactly one set wins and every waiting thread wakes.  (This is also
 * what the ThreadSanitizer lane exercises.)
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "stopflag.h"
#include "testutil.h"

enum { WAITERS = 8, SETTERS = 4 };

struct shared {
	sf_flag *flag;
	pthread_barrier_t go;
	int won[SETTERS];
	int woke[WAITERS];
};

struct arg {
	struct shared *s;
	int i;
};

static void *waiter(void *p)
{
	struct arg *a = p;

	pthread_barrier_wait(&a->s->go);
	a->s->woke[a->i] = sf_flag_wait(a->s->flag, 10000) == 0;
	return NULL;
}

static void *setter(void *p)
{
	struct arg *a = p;

	pthread_barrier_wait(&a->s->go);
	a->s->won[a->i] = sf_flag_set(a->s->flag, SF_REASON_REQUEST, a->i);
	return NULL;
}

static void test_threads_wait_and_race_to_set(void **state)
{
	int rounds = tu_rounds(200);

	tu_watchdog(60, __func__);
	for (int r = 0; r < rounds; r++) {
		pthread_t wt[WAITERS], st[SETTERS];
		struct arg wa[WAITERS], sa[SETTERS];
		struct shared s = { 0 };
		struct sf_cause c;
		int winners = 0, winner = -1;

		assert_int_equal(sf_flag_create(&s.flag), 0);
		pthread_barrier_init(&s.go, NULL, WAITERS + SETTERS);
		for (int i = 0; i < WAITERS; i++) {
			wa[i] = (struct arg){ &s, i };
			assert_int_equal(pthread_create(&wt[i], NULL, waiter, &wa[i]), 0);
		}
		for (int i = 0; i < SETTERS; i++) {
			sa[i] = (struct arg){ &s, i };
			assert_int_equal(pthread_create(&st[i], NULL, setter, &sa[i]), 0);
		}
		for (int i = 0; i < SETTERS; i++)
			pthread_join(st[i], NULL);
		for (int i = 0; i < WAITERS; i++) {
			pthread_join(wt[i], NULL);
			assert_true(s.woke[i]);
		}
		for (int i = 0; i < SETTERS; i++) {
			assert_true(s.won[i] == 0 || s.won[i] == 1);
			if (s.won[i]) {
				winners++;
				winner = i;
			}
		}
		assert_int_equal(winners, 1);
		assert_int_equal(sf_flag_cause(s.flag, &c), 0);
		assert_int_equal(c.code, winner);
		pthread_barrier_destroy(&s.go);
		sf_flag_destroy(s.flag);
	}
}

/* Threads in the master wait on a flag that a child process sets. */
static void test_threads_woken_by_another_process(void **state)
{
	pthread_t wt[WAITERS];
	struct arg wa[WAITERS];
	struct shared s = { 0 };
	pid_t pid;

	tu_watchdog(20, __func__);
	assert_int_equal(sf_flag_create(&s.flag), 0);
	pthread_barrier_init(&s.go, NULL, WAITERS);
	/* Fork before the threads exist: the child is single-threaded. */
	pid = tu_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		tu_sleep_ms(100);
		_exit(sf_flag_set(s.flag, SF_REASON_SIGNAL, 15) == 1 ? 0 : 1);
	}
	for (int i = 0; i < WAITERS; i++) {
		wa[i] = (struct arg){ &s, i };
		assert_int_equal(pthread_create(&wt[i], NULL, waiter, &wa[i]), 0);
	}
	for (int i = 0; i < WAITERS; i++) {
		pthread_join(wt[i], NULL);
		assert_true(s.woke[i]);
	}
	assert_int_equal(tu_wait(pid), 0);
	pthread_barrier_destroy(&s.go);
	sf_flag_destroy(s.flag);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_wait_and_race_to_set),
		cmocka_unit_test(test_threads_woken_by_another_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
