/*
 * testutil.c - watchdog, bounded fork and time helpers for the tests.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

static const char *watchdog_what = "test";

static void watchdog_fired(int signo)
{
	char msg[256];
	int n;

	(void)signo;
	n = snprintf(msg, sizeof(msg),
		     "Bail out! watchdog: %s hung and was stopped\n",
		     watchdog_what);
	if (n > 0)
		(void)!write(STDOUT_FILENO, msg, (size_t)n);
	_exit(99);
}

static int slow_runtime(void)
{
	return getenv("VALGRIND") != NULL || getenv("SF_SLOW") != NULL;
}

void tu_watchdog(unsigned seconds, const char *what)
{
	struct sigaction sa = { .sa_handler = watchdog_fired };

	watchdog_what = what;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm(slow_runtime() ? seconds * 20 : seconds);
}

void tu_watchdog_off(void)
{
	alarm(0);
}

pid_t tu_fork(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(98);
	}
	return pid;
}

int tu_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

int tu_reap_all(void)
{
	int n = 0, status;

	for (;;) {
		pid_t pid = waitpid(-1, &status, 0);

		if (pid > 0)
			n++;
		else if (errno != EINTR)
			return n;
	}
}

int64_t tu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t tu_now_ms(void)
{
	return tu_now_ns() / 1000000;
}

int64_t tu_bound_ms(int64_t ms)
{
	return slow_runtime() ? ms * 20 : ms;
}

int64_t tu_proc_cost_us(void)
{
	static int64_t cost;
	int64_t took[5];
	int n = (int)(sizeof(took) / sizeof(*took));

	if (cost)
		return cost;
	for (int i = 0; i < n; i++) {
		int64_t t0 = tu_now_ns();
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (pid < 0)
			return 10000; /* no fork now: take 10 ms, keep nothing */
		tu_wait(pid);
		took[i] = (tu_now_ns() - t0) / 1000;
		for (int j = i; j > 0 && took[j] < took[j - 1]; j--) {
			int64_t t = took[j];

			took[j] = took[j - 1];
			took[j - 1] = t;
		}
	}
	cost = took[n / 2] > 0 ? took[n / 2] : 1; /* the median */
	return cost;
}

/* The margin over the measured cost: the load changes while the test
 * runs, and a process that answers a signal does more than exit. */
#define TU_WORK_MARGIN 10

int64_t tu_work_bound_ms(int procs, int64_t floor_ms)
{
	int64_t ms = (int64_t)procs * tu_proc_cost_us() * TU_WORK_MARGIN / 1000;
	int64_t floor = tu_bound_ms(floor_ms);

	return ms > floor ? ms : floor;
}

int tu_rounds(int dflt)
{
	const char *s = getenv("SF_STRESS_ROUNDS");
	long n = s ? strtol(s, NULL, 10) : 0;

	if (n > 0 && n < 100000000)
		return (int)n;
	return getenv("VALGRIND") ? (dflt + 9) / 10 : dflt;
}

int tu_wait_asleep(pid_t pid)
{
	char path[64], buf[64];

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	for (;;) {
		FILE *f = fopen(path, "re");
		long nr;
		int got;

		if (!f)
			return -1;
		got = fscanf(f, "%63s", buf);
		fclose(f);
		if (got != 1)
			return -1; /* a zombie has no syscall to show */
		nr = strtol(buf, NULL, 10);
		if (buf[0] != 'r' && nr == SYS_futex)
			return 0;
		tu_sleep_us(500);
	}
}

void tu_sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void tu_sleep_ms(long ms)
{
	tu_sleep_us(ms * 1000);
}
