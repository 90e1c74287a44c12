/*
 * daemon-status-file.c - stopflagd's status file and STATUS= text, piece
 * by piece:
 *   - where it is: --status-file, beside the pidfile, $RUNTIME_DIRECTORY,
 *     or nowhere; always absolute;
 *   - what is written reads back the same, mode 0600, and names this
 *     process as alive; release removes it;
 *   - a file that is not one is refused with the line that is wrong;
 *   - a live daemon's file is refused to a second one, a stale one is not;
 *   - a write that fails is noted (logged once) and the next one that
 *     works clears it;
 *   - --ready's rule, and "2/3 ready, waiting for db", cut short to fit.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/run.h"
#include "daemon/statuscmd.h"
#include "daemon/statusfile.h"
#include "procstat.h"
#include "testutil.h"

#define DIR_TEMPLATE "/tmp/sfd-status-XXXXXX"
static char dir[sizeof(DIR_TEMPLATE)];
static char path[sizeof(dir) + 16];

static int setup(void **state)
{
	memcpy(dir, DIR_TEMPLATE, sizeof(dir));
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/st", dir);
	tu_watchdog(30, "daemon-status-file");
	return 0;
}

static int teardown(void **state)
{
	char tmp[sizeof(path) + 8];

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	unlink(path);
	rmdir(dir);
	return 0;
}

static void write_text(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static sf_group *group_of(int n, const char *const *names)
{
	static char *const argv[] = { "true", NULL };
	sf_group *g;

	assert_int_equal(sf_group_create(&g), 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(sf_group_add_exec(g, names[i], argv), i);
	return g;
}

/* ----------------------------------------------------------- the path */

static void expect_path(const char *file, const char *pid, const char *want)
{
	int err = 1;
	char *got = sfd_status_path(file, pid, &err);

	assert_int_equal(err, 0);
	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_path(void **state)
{
	unsetenv("RUNTIME_DIRECTORY");
	expect_path(NULL, NULL, NULL);
	expect_path("/a/b", "/run/x.pid", "/a/b");
	expect_path(NULL, "/run/x.pid", "/run/x.status");
	expect_path(NULL, "/run/x", "/run/x.status");
	expect_path("rel", NULL, "rel"); /* main.c made it absolute */
	setenv("RUNTIME_DIRECTORY", "/run/one:/run/two", 1);
	expect_path(NULL, NULL, "/run/one/stopflagd.status");
	expect_path(NULL, "/p.pid", "/p.status");
	setenv("RUNTIME_DIRECTORY", "", 1);
	expect_path(NULL, NULL, NULL);
	unsetenv("RUNTIME_DIRECTORY");
}

/* ------------------------------------------------------ write and read */

static void test_round_trip(void **state)
{
	static const char *const names[] = { "db", "web server" };
	struct sfd_status_writer w;
	struct sfd_status st;
	struct stat sb;
	sf_group *g = group_of(2, names);
	pid_t holder = -1;
	int line;

	assert_int_equal(sfd_status_claim(&w, strdup(path), &holder), 0);
	assert_int_equal(holder, 0);
	sfd_status_write(&w, g);
	assert_false(w.failing);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sfd_status_load(path, &st, &line), 0);
	assert_int_equal(st.pid, getpid());
	assert_int_equal(st.master, 0);
	assert_string_equal(st.state, "starting");
	assert_false(st.has_cause);
	assert_int_equal(st.ntasks, 2);
	assert_string_equal(st.tasks[1].name, "web server");
	assert_string_equal(st.tasks[1].state, "starting");
	assert_int_equal(st.tasks[1].pid, 0);
	assert_int_equal(sfd_status_alive(&st), 1);
	assert_int_equal(sfd_status_master_alive(&st), 1);
	assert_false(sfd_status_all_ready(&st));
	sfd_status_free(&st);
	/* the same process claims its own file again */
	sfd_status_release(&w);
	assert_int_equal(access(path, F_OK), -1);
	sf_group_destroy(g);
}

static void test_parse(void **state)
{
	static const struct {
		const char *text;
		int line;
	} bad[] = {
		{ "", 1 },
		{ "stopflagd-status 2\npid 1 1\nstate running\n", 1 },
		{ "stopflagd-status 1\npid 1 1\nstate running", 3 },
		{ "stopflagd-status 1\nstate running\n", 3 },
		{ "stopflagd-status 1\npid 1 1\n", 3 },
		{ "stopflagd-status 1\npid 1 1\nstate running\nwhat 3\n", 4 },
		{ "stopflagd-status 1\npid 1 1\nstate running\ntask up 2 0 0\n", 4 },
		{ "stopflagd-status 1\npid 1 1\nstate running\ntask up x 0 0 a\n", 4 },
		{ "stopflagd-status 1\npid 1 1\nstate stopping\ncause signal\n", 4 },
	};
	static const char good[] =
		"stopflagd-status 1\npid 10 20\nmaster 11\nsince 5\n"
		"state stopping\ncause signal 15 signal 15 (SIGTERM)\n"
		"task stopping 12 3 7 a b\ntask exited 0 0 0 c\n";
	struct sfd_status st;
	int line;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = sfd_status_parse(bad[i].text, strlen(bad[i].text),
					   &st, &line);

		if (err != -EINVAL || line != bad[i].line)
			fail_msg("case %zu: %d at line %d, want -EINVAL at %d",
				 i, err, line, bad[i].line);
	}
	assert_int_equal(sfd_status_parse(good, sizeof(good) - 1, &st, &line), 0);
	assert_int_equal(st.pid, 10);
	assert_int_equal(st.starttime, 20);
	assert_int_equal(st.master, 11);
	assert_int_equal(st.since_ns, 5);
	assert_true(st.has_cause);
	assert_string_equal(st.reason, "signal");
	assert_int_equal(st.code, 15);
	assert_string_equal(st.cause, "signal 15 (SIGTERM)");
	assert_int_equal(st.ntasks, 2);
	assert_string_equal(st.tasks[0].name, "a b");
	assert_int_equal(st.tasks[0].pid, 12);
	assert_int_equal(st.tasks[0].restarts, 3);
	assert_int_equal(st.tasks[0].started_ns, 7);
	sfd_status_free(&st);
	/* a NUL inside is no status file */
	assert_int_equal(sfd_status_parse(good, sizeof(good), &st, &line),
			 -EINVAL);
	assert_int_equal(sfd_status_load("/nonexistent/st", &st, &line),
			 -ENOENT);
}

/* ------------------------------------------------------ live or stale */

static void test_claim(void **state)
{
	static const char *const names[] = { "a" };
	struct sfd_status_writer w;
	struct sf__procstat ps;
	sf_group *g = group_of(1, names);
	char text[256];
	pid_t holder, child;

	/* a live process (the one that ran this test) with its start time */
	assert_int_equal(sf__procstat_read(getppid(), &ps), 0);
	snprintf(text, sizeof(text), "stopflagd-status 1\npid %d %llu\n"
		 "state running\n", (int)getppid(),
		 (unsigned long long)ps.starttime);
	write_text(text);
	assert_int_equal(sfd_status_claim(&w, strdup(path), &holder), -EBUSY);
	assert_int_equal(holder, getppid());
	sfd_status_release(&w);
	assert_int_equal(access(path, F_OK), 0); /* not ours: left alone */
	/* the same pid, started at another time: stale */
	snprintf(text, sizeof(text), "stopflagd-status 1\npid %d %llu\n"
		 "state running\n", (int)getppid(),
		 (unsigned long long)ps.starttime + 1);
	write_text(text);
	assert_int_equal(sfd_status_claim(&w, strdup(path), &holder), 0);
	sfd_status_release(&w);
	/* a pid that is gone: stale */
	child = tu_fork();
	if (child == 0)
		_exit(0);
	tu_wait(child);
	snprintf(text, sizeof(text), "stopflagd-status 1\npid %d 1\n"
		 "state running\n", (int)child);
	write_text(text);
	assert_int_equal(sfd_status_claim(&w, strdup(path), &holder), 0);
	sfd_status_write(&w, g);
	sfd_status_release(&w);
	assert_int_equal(access(path, F_OK), -1);
	sf_group_destroy(g);
}

/* A write that fails is noted, and cleared by one that works. */
static void test_write_fails(void **state)
{
	static const char *const names[] = { "a" };
	struct sfd_status_writer w;
	sf_group *g = group_of(1, names);
	char sub[sizeof(dir) + 8], file[sizeof(dir) + 16];
	pid_t holder;

	snprintf(sub, sizeof(sub), "%s/sub", dir);
	snprintf(file, sizeof(file), "%s/st", sub);
	assert_int_equal(sfd_status_claim(&w, strdup(file), &holder), 0);
	sfd_status_write(&w, g);
	assert_true(w.failing);
	sfd_status_write(&w, g);
	assert_true(w.failing);
	assert_int_equal(mkdir(sub, 0700), 0);
	sfd_status_write(&w, g);
	assert_false(w.failing);
	assert_int_equal(access(file, F_OK), 0);
	sfd_status_release(&w);
	assert_int_equal(access(file, F_OK), -1);
	assert_int_equal(rmdir(sub), 0);
	sf_group_destroy(g);
}

/* ------------------------------------------------ --ready and STATUS= */

static void test_ready_rule(void **state)
{
	struct sfd_status_task tasks[2] = { { "ready" }, { "exited" } };
	struct sfd_status st = { .state = "running", .ntasks = 2,
				 .tasks = tasks };

	assert_true(sfd_status_all_ready(&st));
	strcpy(tasks[1].state, "up");
	assert_false(sfd_status_all_ready(&st));
	strcpy(tasks[1].state, "ready");
	strcpy(st.state, "stopping");
	assert_false(sfd_status_all_ready(&st));
	strcpy(st.state, "starting");
	assert_false(sfd_status_all_ready(&st));
}

static void test_progress(void **state)
{
	static const char *const names[] = { "db", "cache", "web" };
	sf_group *g = group_of(3, names);
	char buf[256], small[24];
	int n;

	n = sfd_ready_progress(g, buf, sizeof(buf));
	assert_string_equal(buf, "0/3 ready, waiting for db, cache, web");
	assert_int_equal(n, (int)strlen(buf));
	n = sfd_ready_progress(g, small, sizeof(small));
	assert_string_equal(small, "0/3 ready, ...");
	assert_int_equal(n, (int)strlen(small));
	sf_group_destroy(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_fails, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ready_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_progress, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
