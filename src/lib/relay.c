/*
 * relay.c - the relay: the process that reads the pipes of the tasks
 * whose output is SF_OUTPUT_PREFIX and writes each line with its task's
 * name in front.
 *
 * Why a process of its own, forked by the master before the first task,
 * and not the master's loop or the keeper:
 *   - The master sleeps on its futex doorbell and never polls; pipes
 *     would need poll(2) beside it.  And a slow reader (a terminal
 *     scrolled back, a stalled `| less`) would block the master in
 *     write(2), in the middle of handling a stop.  In the relay it
 *     blocks the relay alone, and through their full pipes the tasks
 *     that write, as a terminal would; the master's timing is untouched.
 *   - The keeper exists only with sf_group_set_keeper(), and if it is
 *     killed the master goes on without it: output would be lost with
 *     it, and a library user without a keeper would get no labels.
 *   - A process of its own dies alone: if the master is SIGKILLed, the
 *     relay still holds every line the tasks wrote, in their pipes and
 *     in its own buffers, and writes them out before it ends.
 *
 * It holds the read ends; the master keeps the write ends (a restarted
 * task gets the same pipe) and closes them when the stop begins.  The
 * relay ends at EOF on every pipe (every task and whatever it left
 * behind has closed its end), or, if the master dies (PR_SET_PDEATHSIG,
 * then getppid() checked), once the pipes reach EOF or half the grace
 * has passed, after a last read of whatever is readable.  The keeper, if
 * any, kills what is left at the end of the grace: half leaves room.
 *
 * Signals: SIGINT, SIGTERM, SIGQUIT and SIGHUP are ignored (a Ctrl-C to
 * the terminal's process group, or systemd's SIGTERM to the whole
 * cgroup, must not lose the lines of the stop), and so is SIGPIPE.  A
 * write that fails for good (EPIPE: nobody reads the master's stdout
 * any more) drops that destination and goes on reading: tasks never
 * block, and never die of SIGPIPE, because a reader went away.  Only
 * SIGKILL ends the relay early; then the tasks that write get SIGPIPE.
 *
 * Lines: one output line is "NAME<pad> | " and the line, at most
 * SF_OUTPUT_LINE_MAX (PIPE_BUF) bytes, never split between two writes,
 * so that nothing else writing to the same pipe (the master's log on
 * stderr) can land inside it (see flush()).  A longer line is cut into pieces that fit, and every piece after
 * the first has " + " for " | ".  A line still open at EOF gets a
 * newline.  Lines are gathered into writes of up to 64 KiB (see
 * flush() for pipes); what one round of reads brought is written out
 * before the relay sleeps again.
 *
 * A restarted task writes into the same pipes: a line its last run left
 * without a newline is continued by the new run's first.
 *
 * The relay allocates nothing: sf__relay_new() builds its buffers in the
 * master before the fork.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "output.h"

#define READ_SIZE   65536   /* one read of one pipe */
#define BATCH       ((size_t)65536) /* the most one write(2) holds */
#define NAME_WIDTH  24      /* names are padded up to this width */
#define MIN_PIECE   1024    /* a piece of a line, however long the name */
#define NAME_MAX_SHOWN 64   /* a longer name is cut here */
#define PREFIX_MAX  (NAME_MAX_SHOWN + 32)
#define DEATH_SIGNAL SIGUSR2

/* Colours of names on a terminal: cyan, yellow, green, magenta, blue,
 * red, and their bright forms. */
static const char *const colours[] = {
	"36", "33", "32", "35", "34", "31", "96", "93", "92", "95", "94", "91",
};
#define NCOLOURS ((int)(sizeof(colours) / sizeof(*colours)))

struct dest {
	int fd;
	bool broken;           /* a write failed for good: drop its lines */
	bool colour;
	bool fifo;             /* a pipe: see flush() */
	size_t pipe_size;      /* its capacity (F_GETPIPE_SZ) */
	size_t len, cap;
	char *buf;
};

struct stream {
	int fd;                /* -1 once at EOF */
	struct dest *dest;
	char prefix[PREFIX_MAX];
	size_t prefix_len;
	size_t sep;            /* where '|' or '+' goes in prefix */
	size_t piece;          /* the most of a line one output line holds */
	size_t len;            /* bytes of an open line in buf */
	bool cont;             /* the next output line continues a cut one */
	char *buf;             /* piece bytes */
};

struct sf__relay {
	int n, max;
	int width;
	int grace_ms;
	struct dest dest[2];   /* stdout, stderr */
	struct stream *s;
	struct pollfd *pfd;    /* the open pipes, then the death pipe */
	int *index;            /* pfd[k] is the pipe of s[index[k]] */
	char *chunk;           /* READ_SIZE */
	char *bufs;            /* the streams' and dests' buffers */
	size_t bufs_used, bufs_size;
};

/* ------------------------------------------------------- the plan */

static bool colour_wanted(int fd)
{
	const char *no = getenv("NO_COLOR");

	return isatty(fd) && !(no && *no);
}

/* A pipe's capacity, or 0 for anything else. */
static size_t pipe_size(int fd)
{
	struct stat st;
	int size;

	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))
		return 0;
	size = fcntl(fd, F_GETPIPE_SZ);
	return size > 0 ? (size_t)size : PIPE_BUF;
}

struct sf__relay *sf__relay_new(int nstreams, int width, int grace_ms)
{
	struct sf__relay *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->max = nstreams;
	r->width = width < NAME_WIDTH ? width : NAME_WIDTH;
	r->grace_ms = grace_ms;
	for (int i = 0; i < 2; i++) {
		r->dest[i].fd = i + 1;
		r->dest[i].colour = colour_wanted(i + 1);
		r->dest[i].pipe_size = pipe_size(i + 1);
		r->dest[i].fifo = r->dest[i].pipe_size > 0;
		r->dest[i].cap = BATCH;
	}
	r->bufs_size = 2 * BATCH + (size_t)nstreams * SF_OUTPUT_LINE_MAX;
	r->s = calloc((size_t)nstreams, sizeof(*r->s));
	r->pfd = calloc((size_t)nstreams + 1, sizeof(*r->pfd));
	r->index = calloc((size_t)nstreams + 1, sizeof(*r->index));
	r->chunk = malloc(READ_SIZE);
	r->bufs = malloc(r->bufs_size);
	if (!r->s || !r->pfd || !r->index || !r->chunk || !r->bufs) {
		sf__relay_free(r);
		return NULL;
	}
	for (int i = 0; i < 2; i++) {
		r->dest[i].buf = r->bufs + r->bufs_used;
		r->bufs_used += BATCH;
	}
	return r;
}

void sf__relay_free(struct sf__relay *r)
{
	if (!r)
		return;
	free(r->s);
	free(r->pfd);
	free(r->index);
	free(r->chunk);
	free(r->bufs);
	free(r);
}

/* "NAME<pad> | ", coloured "\e[36mNAME<pad> |\e[0m " on a terminal; a
 * name longer than NAME_MAX_SHOWN bytes is cut there. */
static void make_prefix(struct stream *s, const char *name, int width,
			int colour)
{
	bool c = s->dest->colour;
	const char *off = c ? "\033[0m" : "";
	int len;

	len = snprintf(s->prefix, sizeof(s->prefix), "%s%s%s%-*.*s |%s ",
		       c ? "\033[" : "", c ? colours[colour % NCOLOURS] : "",
		       c ? "m" : "", width, NAME_MAX_SHOWN, name, off);
	if (len < 0 || (size_t)len >= sizeof(s->prefix)) /* cannot happen */
		len = (int)sizeof(s->prefix) - 1;
	s->prefix_len = (size_t)len;
	s->sep = s->prefix_len - 2 - strlen(off);
}

void sf__relay_add(struct sf__relay *r, int fd, const char *name, int colour,
		   bool is_stderr)
{
	struct stream *s = &r->s[r->n++];

	s->fd = fd;
	s->dest = &r->dest[is_stderr ? 1 : 0];
	make_prefix(s, name, r->width, colour);
	s->piece = SF_OUTPUT_LINE_MAX - s->prefix_len - 1;
	if (s->piece < MIN_PIECE)
		s->piece = MIN_PIECE;
	s->buf = r->bufs + r->bufs_used;
	r->bufs_used += SF_OUTPUT_LINE_MAX;
}

/* ------------------------------------------------------- writing */

/* Wait until fd takes a write (someone made it non-blocking). */
static void wait_writable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
}

/* Write p[0..n) in full, or mark d broken. */
static void write_all(struct dest *d, const char *p, size_t n)
{
	size_t done = 0;

	while (done < n && !d->broken) {
		ssize_t w = write(d->fd, p + done, n - done);

		if (w > 0)
			done += (size_t)w;
		else if (w < 0 && errno == EAGAIN)
			wait_writable(d->fd);
		else if (w == 0 || errno != EINTR)
			d->broken = true; /* EPIPE, EBADF, EIO...: drop it */
	}
}

/* Room left now in d's pipe (0 if unknown). */
static size_t pipe_room(const struct dest *d)
{
	int queued = 0;

	if (ioctl(d->fd, FIONREAD, &queued) < 0 || queued < 0 ||
	    (size_t)queued > d->pipe_size)
		return 0;
	return d->pipe_size - (size_t)queued;
}

/*
 * A write to a pipe is atomic up to PIPE_BUF bytes; a longer one is
 * copied without a break only if it never waits for room, and where it
 * waited, another writer to the same pipe (the master's log, on a shared
 * stderr) could put its line inside one of ours.  So each write to a
 * pipe holds whole lines, as many as the pipe has room for now, and at
 * least PIPE_BUF bytes' worth (a line is at most SF_OUTPUT_LINE_MAX =
 * PIPE_BUF bytes).  Terminals and files take the whole batch.
 */
static void flush(struct dest *d)
{
	const char *p = d->buf, *end = d->buf + d->len;

	while (p < end && !d->broken) {
		size_t n = (size_t)(end - p);

		if (d->fifo && n > PIPE_BUF) {
			size_t room = pipe_room(d);
			size_t most = room > PIPE_BUF ? room : PIPE_BUF;
			const char *cut = most < n ?
					  memrchr(p, '\n', most) : NULL;

			if (most < n)
				n = cut ? (size_t)(cut - p) + 1 : most;
		}
		write_all(d, p, n);
		p += n;
	}
	d->len = 0;
}

/* One output line: prefix, the open part of s's line, data[0..n), '\n';
 * cut says that the line goes on in the next one. */
static void put_line(struct stream *s, const char *data, size_t n, bool cut)
{
	struct dest *d = s->dest;
	size_t need = s->prefix_len + s->len + n + 1;
	char *p;

	if (d->len + need > d->cap)
		flush(d);
	p = d->buf + d->len;
	memcpy(p, s->prefix, s->prefix_len);
	p[s->sep] = s->cont ? '+' : '|';
	p += s->prefix_len;
	memcpy(p, s->buf, s->len);
	p += s->len;
	memcpy(p, data, n);
	p[n] = '\n';
	d->len += need;
	s->len = 0;
	s->cont = cut;
}

/* Bytes read from s: whole lines go out, a line longer than a piece goes
 * out in pieces, and the rest waits in s->buf for its newline. */
static void feed(struct stream *s, const char *p, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t seg = nl ? (size_t)(nl - p) : n;
		size_t room = s->piece - s->len;

		if (seg > room) {
			put_line(s, p, room, true);
			p += room;
			n -= room;
		} else if (nl) {
			put_line(s, p, seg, false);
			p += seg + 1;
			n -= seg + 1;
		} else {
			memcpy(s->buf + s->len, p, seg);
			s->len += seg;
			n = 0;
		}
	}
}

/* ------------------------------------------------------- reading */

/* EOF: a line still open gets its newline. */
static void finish(struct stream *s)
{
	if (s->len > 0 || s->cont)
		put_line(s, "", 0, false);
	close(s->fd);
	s->fd = -1;
}

/* One read of s; returns the bytes read, 0 at EOF or with nothing to
 * read (the pipes are non-blocking). */
static ssize_t read_once(struct sf__relay *r, struct stream *s)
{
	ssize_t n;

	do
		n = read(s->fd, r->chunk, READ_SIZE);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		feed(s, r->chunk, (size_t)n);
	else if (n == 0 || errno != EAGAIN)
		finish(s);
	return n > 0 ? n : 0;
}

static void flush_all(struct sf__relay *r)
{
	flush(&r->dest[0]);
	flush(&r->dest[1]);
}

/* The end: everything readable now, then every open line. */
static _Noreturn void drain_and_exit(struct sf__relay *r)
{
	for (int i = 0; i < r->n; i++) {
		while (r->s[i].fd >= 0 && read_once(r, &r->s[i]) > 0)
			;
		if (r->s[i].fd >= 0)
			finish(&r->s[i]);
	}
	flush_all(r);
	sf__relay_free(r); /* for memcheck: nothing of ours outlives us */
	_exit(0);
}

/* ------------------------------------------------------- the process */

static int death_pipe[2] = { -1, -1 };

/* PR_SET_PDEATHSIG: the master died.  Async-signal-safe: one write,
 * errno kept. */
static void on_death(int signo)
{
	int saved = errno;

	(void)signo;
	(void)!write(death_pipe[1], "x", 1);
	errno = saved;
}

static void set_signals(pid_t master)
{
	static const int ignored[] = { SIGINT, SIGTERM, SIGQUIT, SIGHUP,
				       SIGPIPE };
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t none;

	sigemptyset(&sa.sa_mask);
	for (int signo = 1; signo < NSIG; signo++)
		sigaction(signo, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	for (size_t i = 0; i < sizeof(ignored) / sizeof(*ignored); i++)
		sigaction(ignored[i], &sa, NULL);
	sa.sa_handler = on_death;
	sigaction(DEATH_SIGNAL, &sa, NULL);
	prctl(PR_SET_PDEATHSIG, DEATH_SIGNAL);
	if (getppid() != master) /* it died before the signal was armed */
		on_death(DEATH_SIGNAL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The pipes to poll, and the death pipe last (until the death is seen);
 * returns how many pipes. */
static int gather(struct sf__relay *r, bool dying)
{
	int k = 0;

	for (int i = 0; i < r->n; i++) {
		if (r->s[i].fd < 0)
			continue;
		r->pfd[k].fd = r->s[i].fd;
		r->pfd[k].events = POLLIN;
		r->index[k++] = i;
	}
	r->pfd[k].fd = dying ? -1 : death_pipe[0];
	r->pfd[k].events = POLLIN;
	r->pfd[k].revents = 0;
	return k;
}

/* A byte on the death pipe: the master died, if getppid() says so (a
 * stray DEATH_SIGNAL from anybody else is read and forgotten). */
static bool master_died(pid_t master)
{
	char buf[16];

	while (read(death_pipe[0], buf, sizeof(buf)) > 0)
		;
	return getppid() != master;
}

static _Noreturn void relay_loop(struct sf__relay *r, pid_t master)
{
	int64_t deadline = -1;

	for (;;) {
		int k = gather(r, deadline >= 0);
		int timeout = -1;

		if (k == 0)
			drain_and_exit(r);
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();

			if (left <= 0)
				drain_and_exit(r);
			timeout = left > INT_MAX ? INT_MAX : (int)left;
		}
		if (poll(r->pfd, (nfds_t)k + 1, timeout) < 0)
			continue; /* EINTR: the death signal, seen below */
		/* one read per pipe per round: every task gets its turn */
		for (int j = 0; j < k; j++)
			if (r->pfd[j].revents)
				read_once(r, &r->s[r->index[j]]);
		flush_all(r);
		if (r->pfd[k].revents && master_died(master))
			deadline = now_ms() + r->grace_ms / 2;
	}
}

pid_t sf__relay_fork(struct sf__relay *r, pid_t master, const int *fds,
		     int nfds)
{
	sigset_t all, old;
	pid_t pid;
	int err;

	if (pipe2(death_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	fflush(NULL); /* or the relay inherits, and flushes, our buffers */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0) {
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		set_signals(master);
		relay_loop(r, master);
	}
	err = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(death_pipe[0]);
	close(death_pipe[1]);
	death_pipe[0] = death_pipe[1] = -1;
	errno = err;
	return pid;
}
