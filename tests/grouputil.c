/*
 * grouputil.c - the no-leftovers check, the log sink and helpers of the
 * group tests.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "grouputil.h"
#include "procstat.h"
#include "testutil.h"

enum { LOG_MAX = 8192 };

enum { ARGVS_MAX = 64 };

static char **argvs[ARGVS_MAX];
static int nargvs;
enum { TMP_MAX_PATHS = 8 };

static char tmp_dir[64];
static char tmp_paths[TMP_MAX_PATHS][96];
static int ntmp;
static char *lines[LOG_MAX];
static int priorities[LOG_MAX];
static int nlines;

void gu_init(void)
{
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		perror("PR_SET_CHILD_SUBREAPER");
		exit(99);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
}

void gu_log(void *ctx, int priority, const char *msg)
{
	(void)ctx;
	if (getenv("GU_LOG_ECHO"))
		printf("# log <%d> %s\n", priority, msg);
	if (nlines == LOG_MAX)
		return;
	lines[nlines] = strdup(msg);
	priorities[nlines++] = priority;
}

void gu_log_clear(void)
{
	for (int i = 0; i < nlines; i++)
		free(lines[i]);
	nlines = 0;
}

int gu_logged(const char *needle)
{
	int n = 0;

	for (int i = 0; i < nlines; i++)
		if (lines[i] && strstr(lines[i], needle))
			n++;
	return n;
}

int gu_logged_at(int priority, const char *needle)
{
	int n = 0;

	for (int i = 0; i < nlines; i++)
		if (priorities[i] == priority && lines[i] &&
		    strstr(lines[i], needle))
			n++;
	return n;
}

void gu_log_dump(void)
{
	for (int i = 0; i < nlines; i++)
		printf("# log <%d> %s\n", priorities[i], lines[i]);
}

sf_group *gu_group(void)
{
	sf_group *g = NULL;

	assert_int_equal(sf_group_create(&g), 0);
	assert_int_equal(sf_group_set_log(g, gu_log, NULL), 0);
	return g;
}

void gu_run_expect(sf_group *g, int status, enum sf_reason reason, int code,
		   const char *task)
{
	struct sf_cause cause;
	const char *name = "unset";
	int got = sf_group_run(g);

	assert_int_equal(sf_group_cause(g, &cause, &name), 0);
	if (got == status && cause.reason == reason &&
	    (code == GU_ANY || cause.code == code) &&
	    (task ? name && strcmp(name, task) == 0 : !name))
		return;
	gu_log_dump();
	fail_msg("status %d, cause %s (code %d) naming %s; want %d, %s "
		 "(code %d) naming %s", got, sf_reason_name(cause.reason),
		 cause.code, name ? name : "no task", status,
		 sf_reason_name(reason), code, task ? task : "no task");
}

struct collecting {
	pid_t *pids;
	int max, n;
};

static int collect_child(const struct sf__procstat *st, void *ctx)
{
	struct collecting *c = ctx;

	c->pids[c->n++] = st->pid;
	return c->n < c->max;
}

int gu_children_of(pid_t pid, pid_t *pids, int max)
{
	struct collecting c = { pids, max, 0 };
	struct sf__children how = { NULL, collect_child, &c };

	if (max <= 0)
		return 0;
	assert_true(sf__procstat_children(pid, &how) >= 0);
	return c.n;
}

bool gu_exists(pid_t pid)
{
	return kill(pid, 0) == 0 || errno == EPERM;
}

char **gu_argv(const char *arg0, ...)
{
	char **argv = calloc(16, sizeof(*argv));
	const char *arg = arg0;
	va_list ap;
	int n = 0;

	assert_non_null(argv);
	assert_true(nargvs < ARGVS_MAX);
	va_start(ap, arg0);
	for (; arg && n < 15; arg = va_arg(ap, const char *))
		argv[n++] = strdup(arg);
	va_end(ap);
	argvs[nargvs++] = argv;
	return argv;
}

static void argvs_free(void)
{
	for (int i = 0; i < nargvs; i++) {
		for (char **a = argvs[i]; *a; a++)
			free(*a);
		free(argvs[i]);
	}
	nargvs = 0;
}

const char *gu_tmp(const char *name)
{
	if (!tmp_dir[0]) {
		strcpy(tmp_dir, "/tmp/sf-test-XXXXXX");
		assert_non_null(mkdtemp(tmp_dir));
	}
	assert_true(ntmp < TMP_MAX_PATHS);
	snprintf(tmp_paths[ntmp], sizeof(tmp_paths[ntmp]), "%s/%s", tmp_dir,
		 name);
	return tmp_paths[ntmp++];
}

const char *gu_fifo(void)
{
	const char *path = gu_tmp("fifo");

	assert_int_equal(mkfifo(path, 0600), 0);
	return path;
}

void gu_read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	assert_non_null(fgets(buf, (int)size, f));
	fclose(f);
}

static void tmp_remove(void)
{
	for (int i = 0; i < ntmp; i++)
		unlink(tmp_paths[i]);
	if (tmp_dir[0])
		rmdir(tmp_dir);
	tmp_dir[0] = '\0';
	ntmp = 0;
}

int gu_setup(void **state)
{
	(void)state;
	gu_log_clear();
	return 0;
}

int gu_teardown(void **state)
{
	pid_t left[256], pid;
	int zombies = 0, alive, status, bad = 0;

	(void)state;
	tu_watchdog(30, "the no-leftovers check");
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		zombies++;
	alive = gu_children_of(getpid(), left, 256);
	/* Clean up for the next test: kill and reap until nothing is left
	 * (killing a child hands its own children to us). */
	while (pid >= 0) {
		int n = gu_children_of(getpid(), left, 256);

		for (int i = 0; i < n; i++)
			kill(left[i], SIGKILL);
		pid = waitpid(-1, &status, n > 0 ? 0 : WNOHANG);
	}
	if (zombies || alive) {
		print_error("left behind: %d to reap, %d still alive\n",
			    zombies, alive);
		bad = 1;
	}
	for (int i = 0; i < nlines; i++)
		if (priorities[i] <= LOG_CRIT) {
			print_error("the group logged: %s\n", lines[i]);
			bad = 1;
		}
	if (bad)
		gu_log_dump();
	gu_log_clear();
	argvs_free();
	tmp_remove();
	tu_watchdog_off();
	return bad ? -1 : 0;
}

int gu_task_wait(sf_task *task, void *arg)
{
	(void)arg;
	while (!sf_task_should_stop(task))
		sf_task_wait(task, -1);
	return 0;
}

int gu_task_exit(sf_task *task, void *arg)
{
	(void)task;
	return (int)(intptr_t)arg;
}

int gu_task_deaf(sf_task *task, void *arg)
{
	sigset_t all;

	(void)task;
	(void)arg;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	for (;;)
		pause();
}

static int ready_fd = -1;

static void say_ready(void *ctx)
{
	(void)!write(ready_fd, "r", 1);
}

pid_t gu_fork_master(sf_group *(*build)(void *ctx), void *ctx, bool ready)
{
	int fds[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(fds), 0);
	pid = tu_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sf_group *g;

		close(fds[0]);
		ready_fd = fds[1];
		g = build(ctx);
		sf_group_set_hooks(g, say_ready, NULL, NULL);
		_exit(sf_group_run(g) < 0 ? 1 : 0);
	}
	close(fds[1]);
	if (ready)
		assert_int_equal(read(fds[0], &c, 1), 1);
	close(fds[0]);
	return pid;
}

void *gu_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

const char *gu_built(const char *name)
{
	static char path[4096];
	const char *top = getenv("top_builddir");

	snprintf(path, sizeof(path), "%s/tests/%s", top ? top : ".", name);
	return path;
}
