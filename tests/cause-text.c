/*
 * cause-text.c - sf_cause_format() puts every cause in the words the
 * group's log uses after "stopping: " (and stopflagd gives systemd):
 * each reason with and without a task, a signal without a name, a cause
 * no reason explains, a text cut short as snprintf() cuts it, and bad
 * arguments.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <stopflag.h>

static const char *text(enum sf_reason reason, int code, const char *task)
{
	static char buf[256];
	struct sf_cause c = { reason, code, 1234 };
	int n = sf_cause_format(&c, task, buf, sizeof(buf));

	assert_true(n >= 0);
	assert_int_equal((size_t)n, strlen(buf));
	return buf;
}

static void test_every_reason(void **state)
{
	(void)state;
	assert_string_equal(text(SF_REASON_SIGNAL, SIGTERM, NULL),
			    "signal 15 (SIGTERM)");
	assert_string_equal(text(SF_REASON_SIGNAL, SIGINT, "w"),
			    "signal 2 (SIGINT) to task w");
	assert_string_equal(text(SF_REASON_REQUEST, 0, "watcher"),
			    "request (code 0) from task watcher");
	assert_string_equal(text(SF_REASON_REQUEST, 5, NULL),
			    "request (code 5) from a task");
	assert_string_equal(text(SF_REASON_EXITED, 3, "db"),
			    "task db exited with status 3");
	assert_string_equal(text(SF_REASON_KILLED, SIGKILL, "db"),
			    "task db was killed by signal 9 (SIGKILL)");
	assert_string_equal(text(SF_REASON_KILLED, SIGKILL, NULL),
			    "a task was killed by signal 9 (SIGKILL)");
	assert_string_equal(text(SF_REASON_PARENT_DIED, 0, "db"),
			    "task db saw its parent die");
	assert_string_equal(text(SF_REASON_START_FAILED, ENOENT, "missing"),
			    "task missing could not start: "
			    "No such file or directory");
}

static void test_odd_causes(void **state)
{
	(void)state;
	assert_string_equal(text(SF_REASON_KILLED, SIGRTMIN + 1, "rt"),
			    "task rt was killed by signal 35 "
			    "(a real-time signal)");
	assert_string_equal(text(SF_REASON_SIGNAL, 200, NULL),
			    "signal 200 (an unknown signal)");
	assert_string_equal(text(SF_REASON_START_FAILED, 100000, "x"),
			    "task x could not start: unknown error 100000");
	assert_string_equal(text(SF_REASON_NONE, 0, NULL),
			    "no known cause (reason 0, code 0): the shared "
			    "page was overwritten");
	assert_string_equal(text((enum sf_reason)99, 7, "x"),
			    "no known cause (reason 99, code 7): the shared "
			    "page was overwritten");
}

static void test_cut_short(void **state)
{
	struct sf_cause c = { SF_REASON_EXITED, 3, 1 };
	char buf[8];
	int whole = (int)strlen("task db exited with status 3");

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(sf_cause_format(&c, "db", buf, sizeof(buf)), whole);
	assert_string_equal(buf, "task db");
	assert_int_equal(sf_cause_format(&c, "db", NULL, 0), whole);
}

static void test_bad_arguments(void **state)
{
	struct sf_cause c = { SF_REASON_EXITED, 3, 1 };
	char buf[8];

	(void)state;
	assert_int_equal(sf_cause_format(NULL, "db", buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(sf_cause_format(&c, "db", NULL, 1), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_reason),
		cmocka_unit_test(test_odd_causes),
		cmocka_unit_test(test_cut_short),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
