/*
 * group-scribbled-signal.c - a task that erases the shared page cannot
 * make the master miss a stop signal sent to the master itself, nor a
 * stop request made after the erase.
 *
 * Found by the fault campaign (tests/stress, a task erasing the page while
 * SIGTERM storms hit the master): the master's handler for its stop
 * signals set only the shared flag, and the master learnt of its own
 * signal by reading the page back.  A task zeroing the page erased the
 * stop in the microseconds between the two, and the group ran on until
 * something else stopped it.  The master must keep its own signals to
 * itself, as it keeps the causes it records itself: it stops within
 * grace + 1 s and reports SIGNAL.
 *
 * The first test makes the eraser win that race every time: this program
 * is linked with -Wl,--wrap=sf_flag_set, and in the master the set of a
 * SIGNAL cause is erased as soon as it is made, the word left as a task
 * going back to sleep leaves it: the value the master slept on.  A master
 * whose futex wait was restarted after its handler (SA_RESTART, no
 * deadline) slept on, for good.  The second has real
 * tasks erasing the page without pause; they win the race only now and
 * then, so it may miss the bug, but never fails a master that keeps its
 * signals to itself.
 *
 * The third lands the signal at each moment the master looks whether a
 * stop is due (-Wl,--wrap=sf_flag_is_set raises it right after the k-th
 * look, k = 1, 2, ...), the set erased at once as in the first.  A master
 * that looked at its own record before it read the futex word, and not
 * after, went to sleep on the erased word for the k of its last look
 * before the sleep, and never woke.
 *
 * The fourth has a task erase the page while the master and another task
 * sleep on it, then ask for the stop and stay.  The erase took the word's
 * WAITERS with it, so the set woke nobody, and nothing else would: the
 * request must ring the master's doorbell by itself.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "grouputil.h"
#include "internal.h"
#include "testutil.h"

#define GRACE_MS 100
#define ERASE_MS 3000 /* far longer than the bound below */
#define ERASERS 4
#define ROUNDS 4

/* ------------------------------------------------------------ the race, won */

int __real_sf_flag_set(sf_flag *flag, enum sf_reason reason, int code);
int __wrap_sf_flag_set(sf_flag *flag, enum sf_reason reason, int code);
bool __real_sf_flag_is_set(const sf_flag *flag);
bool __wrap_sf_flag_is_set(const sf_flag *flag);

static pid_t erase_in; /* the master whose own signal sets are erased */

/* Shared with the test, which maps it before the master forks. */
struct landing {
	int at;        /* raise the signal right after the at-th look; 0: no */
	int signo;
	int looks;     /* the master's looks so far */
	int raised;    /* it did */
};
static struct landing *landing;

/* What an eraser does at the worst moment: right after the master's
 * handler recorded its signal on the page, before the master looks.  And
 * what a task asleep on the page then does, woken by the set and back to
 * sleep: it re-arms WAITERS, which puts back the very value the master
 * slept on, as if nothing had happened. */
int __wrap_sf_flag_set(sf_flag *flag, enum sf_reason reason, int code)
{
	int ret = __real_sf_flag_set(flag, reason, code);

	if (reason == SF_REASON_SIGNAL && erase_in && getpid() == erase_in) {
		volatile struct sf_flag *page = flag;

		page->cause = 0;
		page->word = SF__WORD_WAITERS;
	}
	return ret;
}

/* The master looks whether a stop is due; a signal lands right after. */
bool __wrap_sf_flag_is_set(const sf_flag *flag)
{
	bool set = __real_sf_flag_is_set(flag);
	struct landing *l = landing;

	if (l && l->at && getpid() == erase_in && ++l->looks == l->at &&
	    !set) {
		l->raised = 1;
		raise(l->signo);
	}
	return set;
}

/* ------------------------------------------------------------ tasks */

/* Erase the page, busily, for ERASE_MS; only SIGKILL ends it sooner. */
static int eraser(sf_task *task, void *arg)
{
	volatile struct sf_flag *page = sf_task_flag(task);
	int64_t end = tu_now_ns() + (int64_t)ERASE_MS * 1000000;

	(void)arg;
	signal(SIGTERM, SIG_IGN);
	while (tu_now_ns() < end) {
		page->cause = 0;
		page->word = 0;
	}
	return 0;
}

/* Tells the test it runs (so the master's handlers are in place), then
 * waits for the stop. */
static int sleeper(sf_task *task, void *arg)
{
	const int *ready = arg;

	(void)!write(*ready, "r", 1);
	while (sf_task_wait(task, -1) != 0)
		;
	return 0;
}

#define REQUEST_CODE 7

/* Erases the page once, while the master and the sleeper sleep on it,
 * then asks for the stop and stays: only the request can tell. */
static int erase_then_request(sf_task *task, void *arg)
{
	volatile struct sf_flag *page = sf_task_flag(task);

	(void)arg;
	signal(SIGTERM, SIG_IGN);
	tu_sleep_ms(100); /* long enough for both to sleep */
	page->cause = 0;
	page->word = 0;
	sf_task_stop_all(task, REQUEST_CODE);
	while (pause() < 0) /* always: only SIGKILL, after the grace, ends it */
		;
	return 0;
}

/* ------------------------------------------------------------ the master */

struct outcome {
	int ret;
	struct sf_cause cause;
};

/* The master: a sleeper (which writes to `ready` once it runs), then
 * `erasers` erasers or, with `requester`, the task that erases the page
 * and asks for the stop; runs the group, writes what it got to fd. */
static void __attribute__((noreturn)) master(int fd, int ready, int erasers,
					     int wrap, int requester)
{
	struct outcome out = { 0 };
	sf_group *g;

	if (wrap)
		erase_in = getpid();
	if (sf_group_create(&g) < 0 || sf_group_set_grace(g, GRACE_MS) < 0 ||
	    sf_group_add(g, "sleeper", sleeper, &ready) < 0 ||
	    (requester &&
	     sf_group_add(g, "requester", erase_then_request, NULL) < 0))
		_exit(3);
	for (int i = 0; i < erasers; i++) {
		char name[16];

		snprintf(name, sizeof(name), "eraser%d", i);
		if (sf_group_add(g, name, eraser, NULL) < 0)
			_exit(3);
	}
	out.ret = sf_group_run(g);
	sf_group_cause(g, &out.cause, NULL);
	(void)!write(fd, &out, sizeof(out));
	_exit(0);
}

/* pid's wait status, or -1 if it still runs after ms (it is then killed;
 * its tasks come back to this subreaper, for gu_teardown() to sweep). */
static int wait_bounded(pid_t pid, int64_t ms)
{
	int64_t end = tu_now_ms() + ms;
	int st;

	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (tu_now_ms() > end) {
			kill(pid, SIGKILL);
			tu_wait(pid);
			return -1;
		}
		tu_sleep_ms(5);
	}
	return st;
}

/* The master's outcome, read from fd once it exited 0 within ms; fails
 * the test (saying `what`) if it did not. */
static void outcome_of(pid_t pid, int fd, int64_t ms, const char *what,
		       struct outcome *out)
{
	int st = wait_bounded(pid, ms);

	if (st < 0)
		print_message("# %s: the master missed it\n", what);
	else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		print_message("# %s: the master ended with status %#x\n", what,
			      st);
	assert_true(st >= 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(read(fd, out, sizeof(*out)), (ssize_t)sizeof(*out));
	close(fd);
}

/* Runs a master; once its sleeper runs (or the master is gone), sends it
 * signo, unless the signal already landed from inside (landing); checks
 * that the group was down in time and for that signal. */
static void stop_signal_while_page_is_erased(int signo, int erasers, int wrap)
{
	struct outcome out;
	int64_t sent, took;
	int fds[2], ready[2];
	char what[48];
	char byte;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(pipe(ready), 0);
	pid = tu_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		close(ready[0]);
		master(fds[1], ready[1], erasers, wrap, 0);
	}
	close(fds[1]);
	close(ready[1]);
	/* a byte: the handlers are in; EOF: the master is gone already */
	(void)!read(ready[0], &byte, 1);
	close(ready[0]);
	tu_sleep_ms(erasers ? 100 : 10); /* the erasers erase; all sleep */
	sent = tu_now_ms();
	if (!landing || !landing->raised)
		assert_int_equal(kill(pid, signo), 0);
	snprintf(what, sizeof(what), "signal %d%s", signo,
		 landing && landing->raised ? " (landed)" : "");
	outcome_of(pid, fds[0], tu_bound_ms(GRACE_MS + 1000) + 500, what, &out);
	took = tu_now_ms() - sent;
	print_message("# signal %d: the group was down %lld ms after it\n", signo,
		      (long long)took);
	assert_true(took <= tu_bound_ms(GRACE_MS + 1000));
	assert_int_equal(out.ret, 0);
	assert_int_equal(out.cause.reason, SF_REASON_SIGNAL);
	assert_int_equal(out.cause.code, signo);
}

static void test_signal_erased_at_once_still_stops(void **state)
{
	(void)state;
	tu_watchdog(20, __func__);
	stop_signal_while_page_is_erased(SIGTERM, 0, 1);
	stop_signal_while_page_is_erased(SIGHUP, 0, 1);
}

static void test_signal_while_tasks_erase_the_page(void **state)
{
	(void)state;
	tu_watchdog(ROUNDS * 2 * 6, __func__);
	for (int i = 0; i < ROUNDS; i++) {
		stop_signal_while_page_is_erased(SIGTERM, ERASERS, 0);
		stop_signal_while_page_is_erased(SIGINT, ERASERS, 0);
	}
}

static void test_signal_landing_at_each_look_still_stops(void **state)
{
	static const int signals[] = { SIGTERM, SIGINT };
	int landed = 0;

	(void)state;
	tu_watchdog(60, __func__);
	landing = mmap(NULL, sizeof(*landing), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(landing != MAP_FAILED);
	for (int at = 1;; at++) {
		*landing = (struct landing){ .at = at,
					     .signo = signals[at % 2] };
		stop_signal_while_page_is_erased(landing->signo, 0, 1);
		if (!landing->raised)
			break; /* the master slept before its at-th look */
		landed++;
		assert_true(at < 1000);
	}
	print_message("# the signal landed after each of %d looks\n", landed);
	assert_true(landed > 0);
	munmap(landing, sizeof(*landing));
	landing = NULL;
}

static void test_request_after_the_page_is_erased_still_stops(void **state)
{
	struct outcome out;
	int fds[2];
	pid_t pid;

	(void)state;
	tu_watchdog(20, __func__);
	assert_int_equal(pipe(fds), 0);
	pid = tu_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		master(fds[1], -1, 0, 0, 1);
	}
	close(fds[1]);
	outcome_of(pid, fds[0], tu_bound_ms(100 + GRACE_MS + 1000) + 500,
		   "the request", &out);
	assert_int_equal(out.ret, REQUEST_CODE);
	assert_int_equal(out.cause.reason, SF_REASON_REQUEST);
	assert_int_equal(out.cause.code, REQUEST_CODE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_signal_erased_at_once_still_stops,
						gu_setup, gu_teardown),
		cmocka_unit_test_setup_teardown(test_signal_while_tasks_erase_the_page,
						gu_setup, gu_teardown),
		cmocka_unit_test_setup_teardown(test_signal_landing_at_each_look_still_stops,
						gu_setup, gu_teardown),
		cmocka_unit_test_setup_teardown(test_request_after_the_page_is_erased_still_stops,
						gu_setup, gu_teardown),
	};

	gu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
