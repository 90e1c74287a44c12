/*
 * group-stop-quiet.c - once the flag is set, the stop signals the tasks
 * get set nothing and ring no doorbell.
 *
 * Under SF_STOP_ALL a task's stop-signal handler sets the flag and rings
 * the master's doorbell, so that the group follows a task signalled
 * alone.  At a group stop every task still alive gets its stop signal
 * after the flag is set, and each handler set it again: a FUTEX_WAKE of
 * everything still asleep on the word, and a ring that woke the master,
 * once for every task signalled.  A handler that finds the flag set only
 * marks its own process's stop.
 *
 * White box: -Wl,--wrap=sf_flag_set and -Wl,--wrap=sf__doorbell_ring
 * count the calls made in the tasks' processes.  Each task blocks its
 * stop signals, says it runs, and waits in sigsuspend() for its handler
 * to run: it is alive when its signal comes, whenever that is, and it
 * counts the handler's run, so that no test passes without one.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "grouputil.h"
#include "internal.h"
#include "testutil.h"

#define NTASKS 16

int __real_sf_flag_set(sf_flag *flag, enum sf_reason reason, int code);
int __wrap_sf_flag_set(sf_flag *flag, enum sf_reason reason, int code);
void __real_sf__doorbell_ring(sf_flag *flag);
void __wrap_sf__doorbell_ring(sf_flag *flag);

/* Shared by the test, the master and the tasks (mapped before the fork). */
struct counts {
	pid_t master;
	int sets;     /* sf_flag_set() in a task's process */
	int rings;    /* sf__doorbell_ring() in a task's process */
	int handled;  /* tasks whose handler ran */
	int ready_fd; /* each task writes its pid here once it waits */
};
static struct counts *counts;

static bool in_task(void)
{
	return counts && counts->master && getpid() != counts->master;
}

int __wrap_sf_flag_set(sf_flag *flag, enum sf_reason reason, int code)
{
	if (in_task())
		__atomic_add_fetch(&counts->sets, 1, __ATOMIC_SEQ_CST);
	return __real_sf_flag_set(flag, reason, code);
}

void __wrap_sf__doorbell_ring(sf_flag *flag)
{
	if (in_task())
		__atomic_add_fetch(&counts->rings, 1, __ATOMIC_SEQ_CST);
	__real_sf__doorbell_ring(flag);
}

/* Waits for a caught signal, which only the stop signals are: one sent
 * before the wait is pending until it, and delivered there. */
static int signal_waiter(sf_task *task, void *arg)
{
	sigset_t stops, old;
	pid_t self = getpid();

	(void)task;
	(void)arg;
	sigemptyset(&stops);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGQUIT);
	sigaddset(&stops, SIGHUP);
	sigprocmask(SIG_BLOCK, &stops, &old);
	(void)!write(counts->ready_fd, &self, sizeof(self));
	while (sigsuspend(&old) < 0 && errno != EINTR)
		;
	__atomic_add_fetch(&counts->handled, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static sf_group *build(void *ctx)
{
	sf_group *g = gu_group();

	(void)ctx;
	counts->master = getpid();
	for (int i = 0; i < NTASKS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "t%d", i);
		if (sf_group_add(g, name, signal_waiter, NULL) < 0)
			_exit(3);
	}
	return g;
}

/* Start the group; returns the master and fills pids once every task
 * waits for its signal. */
static pid_t start(pid_t pids[NTASKS])
{
	int fds[2];
	pid_t master;

	counts = gu_shared(sizeof(*counts));
	assert_int_equal(pipe(fds), 0);
	counts->ready_fd = fds[1];
	master = gu_fork_master(build, NULL, true);
	close(fds[1]);
	for (int i = 0; i < NTASKS; i++)
		assert_int_equal(read(fds[0], &pids[i], sizeof(pids[i])),
				 (ssize_t)sizeof(pids[i]));
	close(fds[0]);
	return master;
}

static void expect_clean_end(pid_t master)
{
	int status;

	assert_int_equal(waitpid(master, &status, 0), master);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(counts->handled, NTASKS);
}

/* The master's own SIGTERM sets the flag; then every task gets its stop
 * signal, and none of them sets or rings anything. */
static void test_group_stop_sets_and_rings_nothing(void **state)
{
	pid_t pids[NTASKS], master;

	(void)state;
	tu_watchdog(20, __func__);
	master = start(pids);
	assert_int_equal(kill(master, SIGTERM), 0);
	expect_clean_end(master);
	assert_int_equal(counts->sets, 0);
	assert_int_equal(counts->rings, 0);
}

/* One task signalled alone still stops the whole group, through one set
 * and one ring: its own.  The others get their signals after it. */
static void test_lone_signal_sets_and_rings_once(void **state)
{
	pid_t pids[NTASKS], master;

	(void)state;
	tu_watchdog(20, __func__);
	master = start(pids);
	assert_int_equal(kill(pids[NTASKS / 2], SIGTERM), 0);
	expect_clean_end(master);
	assert_int_equal(counts->sets, 1);
	assert_int_equal(counts->rings, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_group_stop_sets_and_rings_nothing, gu_setup,
			gu_teardown),
		cmocka_unit_test_setup_teardown(
			test_lone_signal_sets_and_rings_once, gu_setup,
			gu_teardown),
	};

	gu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
