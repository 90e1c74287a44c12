/*
 * group-logging.c - what the group tells, and to whom:
 *   - the log callback gets every start, every end with its status, every
 *     restart, the stop with its cause, and every SIGKILL escalation, each
 *     at a fitting syslog priority, one line each;
 *   - without a log callback the library writes nothing at all, to stdout
 *     or stderr, even when starts fail and tasks are killed;
 *   - on_ready comes once, after every task started; on_stopping once, as
 *     the stop begins, with the first cause and the task it names.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "grouputil.h"
#include "testutil.h"

/* flaky: exits 3 on its first run, is deaf on its second.  asker: once
 * flaky runs again, asks for the stop. */
static int flaky(sf_task *task, void *arg)
{
	int *runs = arg;

	if (__atomic_add_fetch(runs, 1, __ATOMIC_SEQ_CST) == 1)
		return 3;
	return gu_task_deaf(task, NULL);
}

static int asker(sf_task *task, void *arg)
{
	int *runs = arg;

	while (__atomic_load_n(runs, __ATOMIC_SEQ_CST) < 2)
		sf_task_sleep(task, 1);
	sf_task_stop_all(task, 0);
	return gu_task_wait(task, NULL);
}

static void test_log_tells_every_event(void **state)
{
	int *runs = gu_shared(sizeof(*runs));
	sf_group *g = gu_group();
	/* long enough for the asker to answer: only the deaf one is killed */
	int grace_ms = (int)tu_work_bound_ms(2, 100);
	char killed_line[80];

	tu_watchdog(20, __func__);
	assert_int_equal(sf_group_set_strategy(g, SF_ONE_FOR_ONE), 0);
	assert_int_equal(sf_group_set_grace(g, grace_ms), 0);
	assert_int_equal(sf_group_add(g, "flaky", flaky, runs), 0);
	assert_int_equal(sf_group_set_restart(g, 0, SF_TRANSIENT), 0);
	assert_int_equal(sf_group_add(g, "asker", asker, runs), 1);
	assert_int_equal(sf_group_run(g), 0);

	assert_int_equal(gu_logged_at(LOG_INFO, "task flaky (pid"), 2);
	assert_int_equal(gu_logged_at(LOG_INFO, "): started"), 3);
	assert_int_equal(gu_logged_at(LOG_WARNING, "): exited with status 3"), 1);
	assert_int_equal(gu_logged_at(LOG_NOTICE,
				      "task flaky: restarting (one-for-one)"), 1);
	assert_int_equal(gu_logged_at(LOG_NOTICE,
				      "stopping: request (code 0) from task asker"), 1);
	snprintf(killed_line, sizeof(killed_line), "still running %d ms after "
		 "its stop signal: SIGKILL", grace_ms);
	assert_int_equal(gu_logged_at(LOG_WARNING, killed_line), 1);
	assert_int_equal(gu_logged_at(LOG_WARNING,
				      "killed by signal 9 (SIGKILL)"), 1);
	assert_int_equal(gu_logged_at(LOG_INFO, "task asker (pid"), 2);
	assert_int_equal(gu_logged_at(LOG_INFO, "stopped: every process "
				      "reaped; exit status 0"), 1);
	assert_int_equal(gu_logged("\n"), 0);
	sf_group_destroy(g);
}

static void test_library_writes_nothing_itself(void **state)
{
	int out[2], saved1, saved2, n, status;
	char buf[256];
	sf_group *g;

	tu_watchdog(20, __func__);
	assert_int_equal(pipe2(out, O_NONBLOCK), 0);
	fflush(NULL);
	saved1 = dup(1);
	saved2 = dup(2);
	dup2(out[1], 1);
	dup2(out[1], 2);
	/* no log: a deaf task killed after the grace, then a failed start */
	assert_int_equal(sf_group_create(&g), 0);
	assert_int_equal(sf_group_set_strategy(g, SF_ONE_FOR_ONE), 0);
	assert_int_equal(sf_group_set_grace(g, 50), 0);
	assert_int_equal(sf_group_add(g, "deaf", gu_task_deaf, NULL), 0);
	assert_int_equal(sf_group_add_exec(g, "missing",
		gu_argv("/nonexistent/sf-missing", (char *)NULL)), 1);
	status = sf_group_run(g);
	fflush(NULL);
	dup2(saved1, 1);
	dup2(saved2, 2);
	close(saved1);
	close(saved2);
	close(out[1]);
	n = (int)read(out[0], buf, sizeof(buf) - 1);
	close(out[0]);
	assert_int_equal(status, 127);
	if (n > 0) {
		buf[n] = '\0';
		fail_msg("the library wrote: %s", buf);
	}
	assert_true(n <= 0); /* EOF or EAGAIN: nothing there */
	sf_group_destroy(g);
}

struct hooks {
	int ready, stopping;
	struct sf_cause cause;
	char name[32];
	int logged_before; /* the stop was logged when on_stopping came */
	int logged_same;   /* in the words sf_cause_format() gives */
};

static void on_ready(void *ctx)
{
	struct hooks *h = ctx;

	h->ready++;
}

static void on_stopping(void *ctx, const struct sf_cause *cause,
			const char *name)
{
	struct hooks *h = ctx;
	char what[256], line[300];

	h->stopping++;
	h->cause = *cause;
	snprintf(h->name, sizeof(h->name), "%s", name ? name : "(null)");
	h->logged_before = gu_logged("stopping: ");
	/* what stopflagd tells systemd: the log's very words */
	sf_cause_format(cause, name, what, sizeof(what));
	snprintf(line, sizeof(line), "stopping: %s", what);
	h->logged_same = gu_logged(line);
}

static void test_hooks_once_each(void **state)
{
	struct hooks h = { 0 };
	sf_group *g = gu_group();

	tu_watchdog(20, __func__);
	assert_int_equal(sf_group_add(g, "w", gu_task_wait, NULL), 0);
	assert_int_equal(sf_group_add(g, "ender", gu_task_exit, (void *)9), 1);
	assert_int_equal(sf_group_set_hooks(g, on_ready, on_stopping, &h), 0);
	assert_int_equal(sf_group_run(g), 9);
	assert_int_equal(h.ready, 1);
	assert_int_equal(h.stopping, 1);
	assert_int_equal(h.cause.reason, SF_REASON_EXITED);
	assert_int_equal(h.cause.code, 9);
	assert_string_equal(h.name, "ender");
	assert_int_equal(h.logged_before, 1);
	assert_int_equal(h.logged_same, 1);
	sf_group_destroy(g);
}

GU_MAIN(
	GU_TEST(test_log_tells_every_event),
	GU_TEST(test_library_writes_nothing_itself),
	GU_TEST(test_hooks_once_each)
)
