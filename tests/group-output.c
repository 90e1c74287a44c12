/*
 * group-output.c - SF_OUTPUT_PREFIX: the relay's promises (README
 * "Output"), each on a master forked with its stdout and stderr on pipes
 * this test reads (and first, sf_group_set_output()'s refusals):
 *   - two tasks writing 10,000 lines each at once: every line whole, in
 *     its task's order, with its task's name, the count exact;
 *   - a line of 1 MiB comes out in pieces of at most SF_OUTPUT_LINE_MAX
 *     bytes, marked '+' after the first, and joins back exactly;
 *   - a last line without a newline comes out, with one;
 *   - 10 MiB of random bytes come out exactly, once the prefixes are
 *     stripped and the pieces joined;
 *   - stderr lines go to the master's stderr, labelled the same;
 *   - on a terminal names are coloured, unless NO_COLOR is set and not
 *     empty;
 *   - a reader that went away (EPIPE) kills no task: the group ends as
 *     its tasks do;
 *   - a reader that reads nothing does not hold up a stop: the tasks get
 *     their stop signal at once, and the stuck relay is killed after a
 *     grace of its own;
 *   - a SIGKILL to the master mid-stream: every line written before it
 *     comes out, and the relay ends by itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "grouputil.h"
#include "testutil.h"

/* ------------------------------------------------------- capture */

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *p, size_t n)
{
	if (!b->p || b->len + n + 1 > b->cap) {
		char *p2;

		b->cap = (b->len + n + 1) * 2;
		p2 = realloc(b->p, b->cap);
		if (!p2)
			abort();
		b->p = p2;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* A master, forked, with its stdout and stderr on pipes; build() makes
 * its group (in the child).  Its exit status is the group's. */
struct master {
	pid_t pid;
	int out, err;             /* read ends, -1 once at EOF */
	struct buf o, e;
};

static void fork_master(struct master *m, sf_group *(*build)(const void *),
			const void *ctx)
{
	int o[2], e[2];

	memset(m, 0, sizeof(*m));
	assert_int_equal(pipe2(o, O_CLOEXEC), 0);
	assert_int_equal(pipe2(e, O_CLOEXEC), 0);
	m->pid = tu_fork();
	assert_true(m->pid >= 0);
	if (m->pid == 0) {
		sf_group *g;
		int ret;

		dup2(o[1], STDOUT_FILENO);
		dup2(e[1], STDERR_FILENO);
		g = build(ctx);
		ret = sf_group_run(g);
		sf_group_destroy(g);
		_exit(ret < 0 ? 200 : ret);
	}
	close(o[1]);
	close(e[1]);
	buf_add(&m->o, "", 0);
	buf_add(&m->e, "", 0);
	m->out = o[0];
	m->err = e[0];
}

/* Read what is there (waiting for it); false once both are at EOF. */
static bool read_some(struct master *m)
{
	struct pollfd p[2] = { { .fd = m->out, .events = POLLIN },
			       { .fd = m->err, .events = POLLIN } };
	int *fds[2] = { &m->out, &m->err };
	struct buf *b[2] = { &m->o, &m->e };
	char chunk[65536];

	if (m->out < 0 && m->err < 0)
		return false;
	if (poll(p, 2, -1) < 0)
		return true;
	for (int i = 0; i < 2; i++) {
		int fd = *fds[i];
		ssize_t n;

		if (fd < 0 || !p[i].revents)
			continue;
		n = read(fd, chunk, sizeof(chunk));
		if (n > 0) {
			buf_add(b[i], chunk, (size_t)n);
		} else if (n == 0 || errno != EINTR) {
			close(fd);
			*fds[i] = -1;
		}
	}
	return true;
}

/* Everything, then the master's exit status. */
static int finish_master(struct master *m)
{
	int status;

	while (read_some(m))
		;
	status = tu_wait(m->pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void free_master(struct master *m)
{
	free(m->o.p);
	free(m->e.p);
}

/* ------------------------------------------------------- parsing */

/* The prefix of one output line: the name, padded, then " | " or " + ".
 * Returns the payload's start, or NULL if the line has no prefix; *cont
 * says '+', name (size bytes) gets the name. */
static const char *split_prefix(const char *line, const char *end, bool *cont,
				char *name, size_t size)
{
	const char *bar = NULL;

	/* names here have no spaces: the first " | " or " + " ends it */
	for (const char *p = line; p + 3 <= end; p++) {
		if (*p == ' ' && (p[1] == '|' || p[1] == '+') && p[2] == ' ') {
			bar = p;
			break;
		}
	}
	if (!bar)
		return NULL;
	*cont = bar[1] == '+';
	{
		const char *n_end = bar;

		while (n_end > line && n_end[-1] == ' ')
			n_end--;
		snprintf(name, size, "%.*s", (int)(n_end - line), line);
	}
	return bar + 3;
}

/* Join back what one task wrote: every line of b labelled `name`, its
 * prefix stripped, pieces joined, lines ended by '\n'.  Each output line
 * must be at most SF_OUTPUT_LINE_MAX bytes and carry a prefix. */
static void reassemble(const struct buf *b, const char *name, struct buf *out)
{
	const char *p = b->p, *end = b->p + b->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *data;
		char who[128];
		bool cont = false;

		assert_non_null(nl); /* every output line is whole */
		assert_true(nl - p + 1 <= SF_OUTPUT_LINE_MAX);
		data = split_prefix(p, nl, &cont, who, sizeof(who));
		assert_non_null(data);
		if (strcmp(who, name) == 0) {
			if (cont) {
				assert_true(out->len > 0);
				out->len--; /* the piece before had no newline */
			}
			buf_add(out, data, (size_t)(nl - data));
			buf_add(out, "\n", 1);
		}
		p = nl + 1;
	}
}

/* ------------------------------------------------------- tasks */

/* Writes `lines` lines "NAME:i:..." with write(2), one each. */
struct lines_job {
	int lines;
};

static int write_lines(sf_task *task, void *arg)
{
	const struct lines_job *job = arg;
	char line[128];

	for (int i = 0; i < job->lines; i++) {
		int n = snprintf(line, sizeof(line), "%s:%d:some words\n",
				 sf_task_name(task), i);

		if (write(STDOUT_FILENO, line, (size_t)n) != n)
			return 1;
	}
	return 0;
}

static sf_group *prefixed(void)
{
	sf_group *g = gu_group();

	assert_int_equal(sf_group_set_output(g, -1, SF_OUTPUT_PREFIX), 0);
	return g;
}

/* ------------------------------------------------------- the tests */

static struct lines_job ten_thousand = { 10000 };

static sf_group *build_two_writers(const void *ctx)
{
	sf_group *g = prefixed();

	(void)ctx;
	sf_group_set_strategy(g, SF_ONE_FOR_ONE); /* ends when both have */
	sf_group_add(g, "alpha", write_lines, &ten_thousand);
	sf_group_add(g, "beta-longer", write_lines, &ten_thousand);
	return g;
}

/* Every line of name, in order, whole, exactly ten_thousand of them. */
static void check_lines(const struct buf *b, const char *name)
{
	struct buf mine = { 0 };
	const char *p;
	int i = 0;

	buf_add(&mine, "", 0);
	reassemble(b, name, &mine);
	for (p = mine.p; p < mine.p + mine.len; i++) {
		char want[128];
		int n = snprintf(want, sizeof(want), "%s:%d:some words\n",
				 name, i);

		assert_true(strncmp(p, want, (size_t)n) == 0);
		p += n;
	}
	assert_int_equal(i, ten_thousand.lines);
	free(mine.p);
}

static void test_two_tasks_10000_lines_each(void **state)
{
	struct master m;

	tu_watchdog(60, __func__);
	fork_master(&m, build_two_writers, NULL);
	assert_int_equal(finish_master(&m), 0);
	check_lines(&m.o, "alpha");
	check_lines(&m.o, "beta-longer");
	/* the names padded to one width */
	assert_non_null(strstr(m.o.p, "alpha       | alpha:0:"));
	assert_non_null(strstr(m.o.p, "beta-longer | beta-longer:0:"));
	free_master(&m);
}

#define LONG_LINE (1 << 20)

static int write_long_line(sf_task *task, void *arg)
{
	static char line[LONG_LINE + 1];

	for (size_t i = 0; i < LONG_LINE; i++)
		line[i] = (char)('a' + i % 26);
	line[LONG_LINE] = '\n';
	for (size_t done = 0; done < sizeof(line);) {
		ssize_t n = write(STDOUT_FILENO, line + done,
				  sizeof(line) - done);

		if (n <= 0)
			return 1;
		done += (size_t)n;
	}
	return 0;
}

static sf_group *build_long_line(const void *ctx)
{
	sf_group *g = prefixed();

	(void)ctx;
	sf_group_add(g, "long", write_long_line, NULL);
	return g;
}

static void test_one_mib_line_in_marked_pieces(void **state)
{
	struct master m;
	struct buf back = { 0 };
	size_t lines = 0, piece = SF_OUTPUT_LINE_MAX - strlen("long | ") - 1;
	const char *p;

	tu_watchdog(60, __func__);
	fork_master(&m, build_long_line, NULL);
	assert_int_equal(finish_master(&m), 0);
	/* pieces as long as a line may be, but the last; '+' but the first */
	for (p = m.o.p; p < m.o.p + m.o.len; lines++) {
		const char *nl = strchr(p, '\n');

		assert_non_null(nl);
		assert_memory_equal(p, lines ? "long + " : "long | ", 7);
		if (nl + 1 < m.o.p + m.o.len)
			assert_int_equal(nl + 1 - p, SF_OUTPUT_LINE_MAX);
		p = nl + 1;
	}
	assert_int_equal(lines, (LONG_LINE + piece - 1) / piece);
	buf_add(&back, "", 0);
	reassemble(&m.o, "long", &back);
	assert_int_equal(back.len, LONG_LINE + 1);
	for (size_t i = 0; i < LONG_LINE; i++)
		if (back.p[i] != (char)('a' + i % 26))
			fail_msg("byte %zu differs", i);
	assert_int_equal(back.p[LONG_LINE], '\n');
	free(back.p);
	free_master(&m);
}

static sf_group *build_shell(const void *ctx)
{
	sf_group *g = prefixed();

	sf_group_add_exec(g, "sh", gu_argv("sh", "-c", (const char *)ctx,
					   (char *)NULL));
	return g;
}

static void test_last_line_without_newline(void **state)
{
	struct master m;

	tu_watchdog(30, __func__);
	fork_master(&m, build_shell, "echo first; printf 'last words'");
	assert_int_equal(finish_master(&m), 0);
	assert_string_equal(m.o.p, "sh | first\nsh | last words\n");
	free_master(&m);
}

static void test_stderr_kept_on_stderr(void **state)
{
	struct master m;

	tu_watchdog(30, __func__);
	fork_master(&m, build_shell, "echo out; echo err >&2; "
		    "printf '\\033[31mred\\033[0m\\n'");
	assert_int_equal(finish_master(&m), 0);
	/* colours of the task pass through; none of ours off a terminal */
	assert_string_equal(m.o.p, "sh | out\nsh | \033[31mred\033[0m\n");
	assert_string_equal(m.e.p, "sh | err\n");
	free_master(&m);
}

static void test_binary_10mib_byte_exact(void **state)
{
	const char *file = gu_tmp("random");
	char cmd[4200];
	struct buf want = { 0 }, back = { 0 };
	char chunk[65536];
	struct master m;
	ssize_t n;
	int fd;

	tu_watchdog(120, __func__);
	snprintf(cmd, sizeof(cmd), "head -c 10M /dev/urandom | tee '%s'", file);
	fork_master(&m, build_shell, cmd);
	assert_int_equal(finish_master(&m), 0);
	buf_add(&want, "", 0);
	buf_add(&back, "", 0);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_add(&want, chunk, (size_t)n);
	close(fd);
	assert_int_equal(want.len, 10 << 20);
	if (want.len > 0 && want.p[want.len - 1] != '\n')
		buf_add(&want, "\n", 1); /* the relay ends the last line */
	reassemble(&m.o, "sh", &back);
	assert_int_equal(back.len, want.len);
	assert_memory_equal(back.p, want.p, want.len);
	free(want.p);
	free(back.p);
	free_master(&m);
}

static struct lines_job thousand = { 1000 };

static sf_group *build_one_writer(const void *ctx)
{
	sf_group *g = prefixed();

	(void)ctx;
	sf_group_add(g, "writer", write_lines, &thousand);
	return g;
}

static void test_reader_gone_kills_no_task(void **state)
{
	struct master m;
	int status;

	tu_watchdog(30, __func__);
	fork_master(&m, build_one_writer, NULL);
	close(m.out); /* nobody reads the master's stdout: EPIPE */
	m.out = -1;
	status = finish_master(&m);
	/* the task wrote every line (or it would exit 1, or die of SIGPIPE:
	 * 128 + 13) and exited 0 */
	assert_int_equal(status, 0);
	free_master(&m);
}

/* A terminal on the master's stdout: names coloured, unless NO_COLOR. */
static const char *no_color;

static sf_group *build_on_tty(const void *ctx)
{
	int tty = open((const char *)ctx, O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (tty < 0 || dup2(tty, STDOUT_FILENO) < 0)
		_exit(100);
	if (no_color)
		setenv("NO_COLOR", no_color, 1);
	else
		unsetenv("NO_COLOR");
	return build_shell("echo hi");
}

static void on_a_terminal(const char *nc, const char *want)
{
	struct master m;
	struct buf got = { 0 };
	char chunk[4096];
	int pty = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	const char *name;
	ssize_t n;

	assert_true(pty >= 0);
	assert_int_equal(grantpt(pty), 0);
	assert_int_equal(unlockpt(pty), 0);
	name = ptsname(pty);
	assert_non_null(name);
	no_color = nc;
	buf_add(&got, "", 0);
	fork_master(&m, build_on_tty, name);
	assert_int_equal(finish_master(&m), 0);
	/* the master and the relay have ended: what they wrote is there */
	while (!strstr(got.p, "hi") && (n = read(pty, chunk, sizeof(chunk))) > 0)
		buf_add(&got, chunk, (size_t)n);
	close(pty);
	assert_string_equal(got.p, want);
	free(got.p);
	free_master(&m);
}

static void test_names_coloured_on_a_terminal(void **state)
{
	tu_watchdog(30, __func__);
	/* a terminal turns "\n" into "\r\n" */
	on_a_terminal(NULL, "\033[36msh |\033[0m hi\r\n");
	on_a_terminal("", "\033[36msh |\033[0m hi\r\n");
	on_a_terminal("1", "sh | hi\r\n");
}

/* ------------------------------------------------------- stops */

static int grace_ms;

static sf_group *build_stuck(const void *ctx)
{
	sf_group *g = prefixed();

	(void)ctx;
	sf_group_set_grace(g, grace_ms);
	sf_group_add_exec(g, "yes", gu_argv("yes", "a line", (char *)NULL));
	return g;
}

static void test_unread_output_holds_no_stop(void **state)
{
	struct master m;
	int64_t t0, took;
	char c;

	tu_watchdog(60, __func__);
	grace_ms = (int)tu_work_bound_ms(4, 200);
	fork_master(&m, build_stuck, NULL);
	/* the first byte says the relay writes; then nobody reads, so the
	 * pipe fills, the relay blocks, and yes blocks behind it */
	assert_int_equal(read(m.out, &c, 1), 1);
	t0 = tu_now_ms();
	assert_int_equal(kill(m.pid, SIGTERM), 0);
	/* the master must not wait for the reader: the task stops at once,
	 * the relay gets a grace of its own after it, then SIGKILL */
	tu_wait(m.pid);
	took = tu_now_ms() - t0;
	assert_true(took < 2 * (int64_t)grace_ms + tu_work_bound_ms(4, 1000));
	close(m.out);
	close(m.err);
	free_master(&m);
}

/* Writes numbered lines until stopped; written counts those whose write
 * returned. */
struct counter {
	pid_t pid;
	int written;
};

static struct counter *counter;

static int count_lines(sf_task *task, void *arg)
{
	volatile struct counter *c = arg;
	char line[64];

	c->pid = getpid();
	for (int i = 0; !sf_task_should_stop(task); i++) {
		int n = snprintf(line, sizeof(line), "line %d\n", i);

		if (write(STDOUT_FILENO, line, (size_t)n) != n)
			break;
		c->written = i + 1;
	}
	return 0;
}

static sf_group *build_counter(const void *ctx)
{
	sf_group *g = prefixed();

	(void)ctx;
	sf_group_set_grace(g, (int)tu_work_bound_ms(4, 500));
	sf_group_add(g, "counter", count_lines, counter);
	return g;
}

/* The master's child that is not the task: the relay. */
static pid_t the_relay(pid_t master, pid_t task)
{
	pid_t kids[8];
	int n = gu_children_of(master, kids, 8);

	assert_int_equal(n, 2);
	return kids[0] == task ? kids[1] : kids[0];
}

static void test_master_sigkilled_mid_stream(void **state)
{
	volatile struct counter *c;
	struct buf back = { 0 };
	struct master m;
	int before, i;
	pid_t relay;
	const char *p;

	tu_watchdog(60, __func__);
	counter = gu_shared(sizeof(*counter));
	c = counter;
	fork_master(&m, build_counter, NULL);
	while (!strstr(m.o.p, "line 1000\n"))
		assert_true(read_some(&m));
	relay = the_relay(m.pid, c->pid);
	before = c->written;
	assert_int_equal(kill(m.pid, SIGKILL), 0);
	while (read_some(&m))
		;
	/* the master's two children come back to this test (a subreaper),
	 * and both end by themselves: EOF above was the relay's end */
	tu_wait(m.pid);
	tu_wait(relay);
	tu_wait(c->pid);
	assert_false(gu_exists(relay));
	buf_add(&back, "", 0);
	reassemble(&m.o, "counter", &back);
	assert_true(back.len > 0);
	for (i = 0, p = back.p; i < before; i++) {
		char want[64];
		int n = snprintf(want, sizeof(want), "line %d\n", i);

		assert_true(strncmp(p, want, (size_t)n) == 0);
		p += n;
	}
	free(back.p);
	free_master(&m);
}

/* SIGINT, SIGTERM, SIGQUIT, SIGHUP (a Ctrl-C to the terminal's group,
 * systemd's SIGTERM to the cgroup) and a stray SIGUSR2 (its death signal,
 * with the master alive) leave the relay relaying. */
static void test_relay_survives_stop_signals(void **state)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGUSR2 };
	volatile struct counter *c;
	struct buf back = { 0 };
	struct master m;
	size_t seen;
	pid_t relay;
	int status;

	tu_watchdog(60, __func__);
	counter = gu_shared(sizeof(*counter));
	c = counter;
	fork_master(&m, build_counter, NULL);
	while (!strstr(m.o.p, "line 100\n"))
		assert_true(read_some(&m));
	relay = the_relay(m.pid, c->pid);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(*sigs); i++)
		assert_int_equal(kill(relay, sigs[i]), 0);
	/* lines keep coming after the signals */
	seen = m.o.len;
	while (m.o.len < seen + 100000)
		assert_true(read_some(&m));
	assert_true(gu_exists(relay));
	assert_int_equal(kill(m.pid, SIGTERM), 0);
	status = finish_master(&m);
	assert_int_equal(status, 0);
	assert_int_equal(gu_logged("output relay"), 0); /* no death logged */
	buf_add(&back, "", 0);
	reassemble(&m.o, "counter", &back);
	/* every line in order, none missing (the last may be one the task's
	 * own write cut short when SIGTERM interrupted it) */
	{
		const char *p = back.p, *end = back.p + back.len;
		int i = 0;

		for (; p < end; i++) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			char want[64];
			int n = snprintf(want, sizeof(want), "line %d\n", i);

			assert_non_null(nl);
			if (nl + 1 < end)
				assert_true(strncmp(p, want, (size_t)n) == 0);
			p = nl + 1;
		}
		assert_true(i > 1000);
	}
	free(back.p);
	free_master(&m);
}

static void test_set_output_refuses(void **state)
{
	sf_group *g = gu_group();

	assert_int_equal(sf_group_set_output(NULL, -1, SF_OUTPUT_PREFIX),
			 -EINVAL);
	assert_int_equal(sf_group_set_output(g, -2, SF_OUTPUT_PREFIX), -EINVAL);
	assert_int_equal(sf_group_set_output(g, -1, (enum sf_output)99),
			 -EINVAL);
	assert_int_equal(sf_group_set_output(g, -1, (enum sf_output)-1),
			 -EINVAL);
	assert_int_equal(sf_group_set_output(g, 0, SF_OUTPUT_PREFIX), -ENOENT);
	assert_int_equal(sf_group_add(g, "t", gu_task_exit, NULL), 0);
	assert_int_equal(sf_group_set_output(g, 0, SF_OUTPUT_AUTO), 0);
	assert_int_equal(sf_group_set_output(g, 1, SF_OUTPUT_PREFIX), -ENOENT);
#ifdef HAVE_LIBSYSTEMD
	assert_int_equal(sf_group_set_output(g, 0, SF_OUTPUT_JOURNAL), 0);
#else
	assert_int_equal(sf_group_set_output(g, 0, SF_OUTPUT_JOURNAL),
			 -ENOTSUP);
#endif
	assert_int_equal(sf_group_set_output(g, 0, SF_OUTPUT_INHERIT), 0);
	gu_run_expect(g, 0, SF_REASON_EXITED, 0, "t");
	assert_int_equal(sf_group_set_output(g, -1, SF_OUTPUT_PREFIX), -EBUSY);
	sf_group_destroy(g);
}

GU_MAIN(GU_TEST(test_set_output_refuses),
	GU_TEST(test_two_tasks_10000_lines_each),
	GU_TEST(test_one_mib_line_in_marked_pieces),
	GU_TEST(test_last_line_without_newline),
	GU_TEST(test_stderr_kept_on_stderr),
	GU_TEST(test_names_coloured_on_a_terminal),
	GU_TEST(test_binary_10mib_byte_exact),
	GU_TEST(test_reader_gone_kills_no_task),
	GU_TEST(test_unread_output_holds_no_stop),
	GU_TEST(test_master_sigkilled_mid_stream),
	GU_TEST(test_relay_survives_stop_signals))
