/*
 * output.c - where the tasks' stdout and stderr go, the master's side
 * (enum sf_output in stopflag.h; the relay itself is relay.c, which says
 * why it is a process of its own).
 *
 * Before the first task starts, the master makes, for each task:
 *   - SF_OUTPUT_INHERIT: nothing; the task keeps the master's fds;
 *   - SF_OUTPUT_PREFIX: two pipes, stdout and stderr.  The relay, forked
 *     now, takes their read ends; the master keeps the write ends, so
 *     that a restarted task writes into the same pipes, and closes them
 *     when the stop begins (no task starts after that);
 *   - SF_OUTPUT_JOURNAL: one journal stream (sd_journal_stream_fd()),
 *     both stdout and stderr.  journald splits the lines itself: no relay
 *     is needed, and a dead master loses nothing.  libsystemd is
 *     dlopen()ed for it, and closed again before the relay or any task
 *     is forked: no task maps libsystemd and the six libraries it brings
 *     (38 mappings of a master's 80, which every fork copies and every
 *     exit tears down: about a tenth of the stop of 1000 forked tasks,
 *     README "Scale").
 * Every fd is close-on-exec and above 2; spawn.c dup2()s the task's own
 * onto 1 and 2 in its child (an exec task's before the clone is made:
 * nothing is opened in the child).
 *
 * SF_OUTPUT_AUTO is decided here, once per run: the journal if stderr is
 * the stream systemd gave us (JOURNAL_STREAM="DEV:INO" names it), the
 * relay if stdout is a terminal or a pipe, else inherit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <dlfcn.h>
#include <systemd/sd-journal.h>
#endif

#include "output.h"

struct sf__output {
	int (*fds)[2];     /* per task: what its stdout, stderr become; -1 */
	int n;
	pid_t relay;       /* 0: none, or reaped */
	int64_t relay_kill_at;
};

/* ------------------------------------------------------- the mode */

static bool stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	char *colon, *end;
	struct stat st;

	if (!env || !*env)
		return false;
	errno = 0;
	dev = strtoull(env, &colon, 10);
	if (colon == env || *colon != ':')
		return false;
	ino = strtoull(colon + 1, &end, 10);
	if (end == colon + 1 || *end || errno)
		return false;
	return fstat(STDERR_FILENO, &st) == 0 &&
	       (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

static enum sf_output detect(void)
{
	struct stat st;

#ifdef HAVE_LIBSYSTEMD
	if (stderr_is_journal())
		return SF_OUTPUT_JOURNAL;
#else
	(void)stderr_is_journal;
#endif
	if (fstat(STDOUT_FILENO, &st) == 0 &&
	    (S_ISFIFO(st.st_mode) || isatty(STDOUT_FILENO)))
		return SF_OUTPUT_PREFIX;
	return SF_OUTPUT_INHERIT;
}

static enum sf_output mode_of(const sf_group *g, const struct sf_task *t,
			      enum sf_output detected)
{
	enum sf_output m = t->output >= 0 ? (enum sf_output)t->output :
			   g->output;

	return m == SF_OUTPUT_AUTO ? detected : m;
}

/* ------------------------------------------------------- the fds */

/* fd, moved above 2 if it is one of them (the master's own stdio was
 * closed): the child dup2()s it onto 1 or 2.  -errno on failure, fd
 * closed. */
static int above_stdio(int fd)
{
	int high;

	if (fd < 0 || fd > STDERR_FILENO)
		return fd;
	high = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	if (high < 0)
		high = -errno;
	close(fd);
	return high;
}

/* libsystemd while the streams are opened: handle NULL until the first. */
struct journal_lib {
	void *handle;
#ifdef HAVE_LIBSYSTEMD
	__typeof__(sd_journal_stream_fd) *stream_fd;
#endif
};

static int journal_open(sf_group *g, struct journal_lib *j,
			const struct sf_task *t)
{
#ifdef HAVE_LIBSYSTEMD
	int fd;

	if (!j->handle) {
		j->handle = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
		if (j->handle)
			j->stream_fd = (__typeof__(j->stream_fd))dlsym(
				j->handle, "sd_journal_stream_fd");
		if (!j->handle || !j->stream_fd) {
			sf__log(g, LOG_ERR, "journal output: %s", dlerror());
			return -ELIBACC;
		}
	}
	fd = j->stream_fd(t->name, LOG_INFO, 1);
	if (fd >= 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		close(fd);
		fd = -errno;
	}
	return above_stdio(fd);
#else
	(void)g;
	(void)j;
	(void)t;
	return -ENOTSUP;
#endif
}

static void journal_close(struct journal_lib *j)
{
#ifdef HAVE_LIBSYSTEMD
	if (j->handle)
		dlclose(j->handle);
#endif
	j->handle = NULL;
}

/* A pipe for the relay: its read end in *rd (non-blocking), its write
 * end in *wr (blocking: a task waits when the relay falls behind). */
static int relay_pipe(int *rd, int *wr)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	p[0] = above_stdio(p[0]);
	p[1] = above_stdio(p[1]);
	if (p[0] < 0 || p[1] < 0 || fcntl(p[0], F_SETFL, O_NONBLOCK) < 0) {
		int err = p[0] < 0 ? p[0] : p[1] < 0 ? p[1] : -errno;

		if (p[0] >= 0)
			close(p[0]);
		if (p[1] >= 0)
			close(p[1]);
		return err;
	}
	*rd = p[0];
	*wr = p[1];
	return 0;
}

/* Close the master's ends: nothing starts after this. */
static void close_fds(struct sf__output *o)
{
	for (int i = 0; i < o->n; i++) {
		if (o->fds[i][1] >= 0 && o->fds[i][1] != o->fds[i][0])
			close(o->fds[i][1]);
		if (o->fds[i][0] >= 0)
			close(o->fds[i][0]);
		o->fds[i][0] = o->fds[i][1] = -1;
	}
}

/* ------------------------------------------------------- the relay */

/* Pipes for every task in `prefix`, and the relay on their read ends. */
static int start_relay(sf_group *g, struct sf__output *o, const bool *prefix,
		       int npipes, int width)
{
	struct sf__relay *r = sf__relay_new(npipes, width, g->grace_ms);
	int *rd = calloc((size_t)npipes, sizeof(*rd));
	int *shut = calloc((size_t)o->n * 2 + 1, sizeof(*shut));
	int err = (r && rd && shut) ? 0 : -ENOMEM, nrd = 0, nshut = 0;

	for (int i = 0; i < o->n && err == 0; i++) {
		for (int k = 0; k < 2 && prefix[i] && err == 0; k++) {
			err = relay_pipe(&rd[nrd], &o->fds[i][k]);
			if (err == 0)
				sf__relay_add(r, rd[nrd++], g->tasks[i]->name,
					      i, k == 1);
		}
	}
	/* what the relay must not hold: the write ends (or it would never
	 * see EOF), the journal's streams, the flag */
	for (int i = 0; i < o->n && err == 0; i++)
		for (int k = 0; k < 2; k++)
			if (o->fds[i][k] >= 0)
				shut[nshut++] = o->fds[i][k];
	if (err == 0) {
		shut[nshut++] = g->flag_fd;
		o->relay = sf__relay_fork(r, getpid(), shut, nshut);
		if (o->relay < 0) {
			err = -errno;
			o->relay = 0;
		}
	}
	while (nrd-- > 0)
		close(rd[nrd]);
	free(shut);
	free(rd);
	sf__relay_free(r);
	return err;
}

int sf__output_start(sf_group *g)
{
	enum sf_output detected = detect();
	struct sf__output *o = calloc(1, sizeof(*o));
	bool *prefix = calloc((size_t)g->ntasks, sizeof(*prefix));
	int err = 0, npipes = 0, width = 0;
	struct journal_lib journal = { NULL };

	if (o)
		o->fds = malloc((size_t)g->ntasks * sizeof(*o->fds));
	if (!o || !o->fds || !prefix) {
		err = -ENOMEM;
		goto out;
	}
	o->n = g->ntasks;
	for (int i = 0; i < o->n; i++)
		o->fds[i][0] = o->fds[i][1] = -1;
	for (int i = 0; i < o->n && err == 0; i++) {
		const struct sf_task *t = g->tasks[i];
		enum sf_output m = mode_of(g, t, detected);
		int len = (int)strlen(t->name);

		if (m == SF_OUTPUT_JOURNAL) {
			int fd = journal_open(g, &journal, t);

			if (fd < 0)
				err = fd;
			else
				o->fds[i][0] = o->fds[i][1] = fd;
		} else if (m == SF_OUTPUT_PREFIX) {
			prefix[i] = true;
			npipes += 2;
			width = len > width ? len : width;
		}
	}
	journal_close(&journal);
	if (err == 0 && npipes > 0)
		err = start_relay(g, o, prefix, npipes, width);
out:
	free(prefix);
	if (err < 0) {
		sf__log(g, LOG_ERR, "cannot set up the tasks' output: %s",
			sf_strerror(err));
		if (o && o->fds)
			close_fds(o);
		if (o)
			free(o->fds);
		free(o);
		return err;
	}
	g->out = o;
	return 0;
}

void sf__output_fds(const sf_group *g, const struct sf_task *t, int fds[2])
{
	const struct sf__output *o = g->out;

	fds[0] = o && t->id < o->n ? o->fds[t->id][0] : -1;
	fds[1] = o && t->id < o->n ? o->fds[t->id][1] : -1;
}

void sf__output_stop(sf_group *g)
{
	if (g->out)
		close_fds(g->out);
}

void sf__output_end(sf_group *g)
{
	struct sf__output *o = g->out;

	if (!o)
		return;
	close_fds(o);
	free(o->fds);
	free(o);
	g->out = NULL;
}

bool sf__output_is_relay(const sf_group *g, pid_t pid)
{
	return g->out && g->out->relay > 0 && g->out->relay == pid;
}

void sf__output_reaped(sf_group *g, int status)
{
	pid_t pid = g->out->relay;

	g->out->relay = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		sf__log(g, LOG_DEBUG, "output relay (pid %d) ended", (int)pid);
	else if (WIFSIGNALED(status))
		sf__log(g, LOG_WARNING, "output relay (pid %d) was killed by "
			"%s: tasks' lines still in it are lost", (int)pid,
			sf__signal_name(WTERMSIG(status)));
	else
		sf__log(g, LOG_WARNING, "output relay (pid %d) ended with "
			"status %d", (int)pid, WEXITSTATUS(status));
}

bool sf__output_relay_overdue(sf_group *g, int64_t now)
{
	struct sf__output *o = g->out;

	for (int i = 0; i < g->ntasks; i++)
		if (g->tasks[i]->pid > 0)
			return false;
	if (!o->relay_kill_at)
		o->relay_kill_at = now + sf__ms_to_ns(g->grace_ms);
	return now >= o->relay_kill_at;
}
