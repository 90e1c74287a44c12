/*
 * statusfile.c - where the status file is, writing it (in the master,
 * from the state hook), reading it back, and telling a live daemon's file
 * from a stale one.  statusfile.h has the format.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "procstat.h"
#include "statusfile.h"

#define STATUS_MAX (1 << 20)

/* Next to the pidfile: its ".pid" replaced by ".status", or ".status"
 * added. */
static char *beside_pidfile(const char *pidfile)
{
	size_t n = strlen(pidfile);
	char *path;

	if (n > 4 && strcmp(pidfile + n - 4, ".pid") == 0)
		n -= 4;
	if (asprintf(&path, "%.*s.status", (int)n, pidfile) < 0)
		return NULL;
	return path;
}

/* The first of dirs, colon-separated. */
static char *in_runtime_directory(const char *dirs)
{
	size_t n;
	char *path;

	n = strcspn(dirs, ":");
	if (asprintf(&path, "%.*s/%s", (int)n, dirs, SFD_STATUS_NAME) < 0)
		return NULL;
	return path;
}

char *sfd_status_path(const char *status_file, const char *pidfile, int *err)
{
	const char *runtime = getenv("RUNTIME_DIRECTORY");
	char *path;

	*err = 0;
	if (status_file)
		path = strdup(status_file);
	else if (pidfile)
		path = beside_pidfile(pidfile);
	else if (runtime && *runtime)
		path = in_runtime_directory(runtime);
	else
		return NULL;
	if (!path)
		*err = -ENOMEM;
	return path;
}

int64_t sfd_status_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* --------------------------------------------------------------- reading */

/* The next space-separated word of *p into buf; *p moves past it and the
 * space after it. */
static bool word(const char **p, char *buf, size_t size)
{
	size_t n = strcspn(*p, " ");

	if (n == 0 || n >= size)
		return false;
	memcpy(buf, *p, n);
	buf[n] = '\0';
	*p += n;
	if (**p == ' ')
		++*p;
	return true;
}

/* The next word of *p as a number from min to max. */
static bool number(const char **p, long long min, long long max,
		   long long *v)
{
	char buf[24], *end;

	if (!word(p, buf, sizeof(buf)))
		return false;
	errno = 0;
	*v = strtoll(buf, &end, 10);
	return errno == 0 && *end == '\0' && *v >= min && *v <= max;
}

/* "STATE PID RESTARTS STARTED_NS NAME" */
static int parse_task(const char *p, struct sfd_status_task *t)
{
	long long pid, restarts, started;

	if (!word(&p, t->state, sizeof(t->state)) ||
	    !number(&p, 0, INT_MAX, &pid) ||
	    !number(&p, 0, LONG_MAX, &restarts) ||
	    !number(&p, 0, INT64_MAX, &started) || !*p)
		return -EINVAL;
	t->pid = (pid_t)pid;
	t->restarts = (long)restarts;
	t->started_ns = started;
	t->name = strdup(p);
	return t->name ? 0 : -ENOMEM;
}

/* "REASON CODE TEXT" */
static int parse_cause(const char *p, struct sfd_status *st)
{
	long long code;

	if (st->has_cause || !word(&p, st->reason, sizeof(st->reason)) ||
	    !number(&p, INT_MIN, INT_MAX, &code) || !*p)
		return -EINVAL;
	st->code = (int)code;
	st->has_cause = true;
	st->cause = strdup(p);
	return st->cause ? 0 : -ENOMEM;
}

static int add_task(struct sfd_status *st, const char *p)
{
	struct sfd_status_task *more;
	int err;

	more = realloc(st->tasks, (st->ntasks + 1) * sizeof(*more));
	if (!more)
		return -ENOMEM;
	st->tasks = more;
	err = parse_task(p, &more[st->ntasks]);
	if (err == 0)
		st->ntasks++;
	return err;
}

/* "pid PID STARTTIME" */
static int parse_pid(const char *p, struct sfd_status *st)
{
	long long pid, start;

	if (!number(&p, 1, INT_MAX, &pid) || !number(&p, 0, LLONG_MAX, &start)
	    || *p)
		return -EINVAL;
	st->pid = (pid_t)pid;
	st->starttime = (uint64_t)start;
	return 0;
}

/* One line (NUL-terminated, no newline) after the first. */
static int parse_line(const char *line, struct sfd_status *st)
{
	const char *p = line;
	char key[16];
	long long v;

	if (!word(&p, key, sizeof(key)))
		return -EINVAL;
	if (strcmp(key, "task") == 0)
		return add_task(st, p);
	if (strcmp(key, "cause") == 0)
		return parse_cause(p, st);
	if (strcmp(key, "pid") == 0)
		return parse_pid(p, st);
	if (strcmp(key, "state") == 0)
		return word(&p, st->state, sizeof(st->state)) && !*p ? 0 :
		       -EINVAL;
	if (strcmp(key, "master") == 0 && number(&p, 0, INT_MAX, &v) && !*p)
		st->master = (pid_t)v;
	else if (strcmp(key, "since") == 0 && number(&p, 0, INT64_MAX, &v) &&
		 !*p)
		st->since_ns = v;
	else
		return -EINVAL;
	return 0;
}

int sfd_status_parse(const char *text, size_t len, struct sfd_status *st,
		     int *lineno)
{
	char *copy = strndup(text, len), *line, *next;
	int err = 0;

	*st = (struct sfd_status){ 0 };
	*lineno = 1;
	if (!copy)
		return -ENOMEM;
	line = copy;
	if (strlen(copy) != len ||
	    strncmp(copy, "stopflagd-status 1\n", 19) != 0)
		err = -EINVAL;
	for (; err == 0 && (next = strchr(line, '\n')); line = next + 1) {
		*next = '\0';
		if (line != copy)
			err = parse_line(line, st);
		if (err == 0)
			++*lineno;
	}
	if (err == 0 && (*line || st->pid <= 0 || !st->state[0]))
		err = -EINVAL; /* cut short, or a part missing */
	free(copy);
	if (err != 0)
		sfd_status_free(st);
	return err;
}

void sfd_status_free(struct sfd_status *st)
{
	for (size_t i = 0; i < st->ntasks; i++)
		free(st->tasks[i].name);
	free(st->tasks);
	free(st->cause);
	*st = (struct sfd_status){ 0 };
}

int sfd_status_load(const char *path, struct sfd_status *st, int *line)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	char *buf = malloc(STATUS_MAX + 1);
	size_t len = 0;
	ssize_t n = 1;
	int err = 0;

	*line = 0;
	*st = (struct sfd_status){ 0 };
	if (fd < 0 || !buf) {
		err = fd < 0 ? -errno : -ENOMEM;
		goto out;
	}
	while (len <= STATUS_MAX &&
	       (n = read(fd, buf + len, STATUS_MAX + 1 - len)) > 0)
		len += (size_t)n;
	if (n < 0)
		err = -errno;
	else if (len > STATUS_MAX)
		err = -EFBIG;
	else
		err = sfd_status_parse(buf, len, st, line);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return err;
}

/* 1 if pid runs and started at starttime, 0 if not, -errno. */
static int same_process(pid_t pid, uint64_t starttime)
{
	struct sf__procstat ps;
	int err = sf__procstat_read(pid, &ps);

	if (err == -ENOENT || err == -ESRCH)
		return 0;
	if (err < 0)
		return err;
	return ps.state != 'Z' && ps.starttime == starttime;
}

int sfd_status_alive(const struct sfd_status *st)
{
	return same_process(st->pid, st->starttime);
}

int sfd_status_master_alive(const struct sfd_status *st)
{
	struct sf__procstat ps;
	int err;

	if (st->master <= 0)
		return 1;
	err = sf__procstat_read(st->master, &ps);
	if (err == -ENOENT || err == -ESRCH)
		return 0;
	if (err < 0)
		return err;
	return ps.state != 'Z' && ps.ppid == st->pid;
}

/* --------------------------------------------------------------- writing */

int sfd_status_claim(struct sfd_status_writer *w, char *path, pid_t *holder)
{
	struct sf__procstat self;
	struct sfd_status st;
	int line, err;

	*holder = 0;
	*w = (struct sfd_status_writer){ .path = path, .pid = getpid(),
					 .since_ns = sfd_status_now_ns() };
	if (asprintf(&w->tmp, "%s.tmp", path) < 0) {
		w->tmp = NULL;
		return -ENOMEM;
	}
	err = sf__procstat_read(w->pid, &self);
	if (err < 0)
		return err;
	w->starttime = self.starttime;
	if (sfd_status_load(path, &st, &line) == 0) {
		if (st.pid != w->pid && sfd_status_alive(&st) == 1) {
			*holder = st.pid;
			err = -EBUSY;
		}
		sfd_status_free(&st);
	}
	return err;
}

static const char *group_state(const sf_group *g)
{
	int state = sf_group_state(g);

	return state == SF_GROUP_NEW ? "starting" : sf_group_state_name(state);
}

static void print_cause(FILE *f, const sf_group *g)
{
	struct sf_cause cause;
	const char *task = NULL;
	char text[256];

	if (sf_group_cause(g, &cause, &task) < 0)
		return;
	sf_cause_format(&cause, task, text, sizeof(text));
	fprintf(f, "cause %s %d %s\n", sf_reason_name(cause.reason),
		cause.code, text);
}

static void print_status(FILE *f, const struct sfd_status_writer *w,
			 const sf_group *g)
{
	int n = sf_group_task_count(g);
	bool master = sf_group_state(g) != SF_GROUP_NEW;

	fprintf(f, "stopflagd-status 1\npid %d %llu\nmaster %d\nsince %" PRId64
		"\nstate %s\n", (int)w->pid, (unsigned long long)w->starttime,
		master ? (int)getpid() : 0, w->since_ns, group_state(g));
	print_cause(f, g);
	for (int i = 0; i < n; i++) {
		struct sf_task_status t;

		if (sf_group_task_status(g, i, &t) == 0)
			fprintf(f, "task %s %d %ld %" PRId64 " %s\n",
				sf_task_state_name(t.state), (int)t.pid,
				t.restarts, t.started_ns, t.name);
	}
}

/* Write the temporary file whole; 0 or -errno. */
static int write_tmp(const struct sfd_status_writer *w, const sf_group *g)
{
	int fd, err = 0;
	FILE *f;

	unlink(w->tmp); /* one a killed master left */
	fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		return err;
	}
	print_status(f, w, g);
	if (fflush(f) != 0 || ferror(f))
		err = errno ? -errno : -EIO;
	if (fclose(f) != 0 && err == 0)
		err = -errno;
	return err;
}

void sfd_status_write(struct sfd_status_writer *w, const sf_group *g)
{
	int err;

	if (!w || !w->path)
		return;
	errno = 0;
	err = write_tmp(w, g);
	if (err == 0 && rename(w->tmp, w->path) < 0)
		err = -errno;
	if (err < 0) {
		unlink(w->tmp);
		if (!w->failing)
			sfd_log(LOG_WARNING, NULL, "cannot write the status "
				"file %s: %s; --status is out of date until "
				"it can", w->path, strerror(-err));
		w->failing = true;
	} else if (w->failing) {
		sfd_log(LOG_NOTICE, NULL, "the status file %s is written "
			"again", w->path);
		w->failing = false;
	}
}

void sfd_status_release(struct sfd_status_writer *w)
{
	struct sfd_status st;
	int line;

	if (w->path && sfd_status_load(w->path, &st, &line) == 0) {
		if (st.pid == w->pid && st.starttime == w->starttime)
			unlink(w->path);
		sfd_status_free(&st);
	}
	if (w->tmp)
		unlink(w->tmp);
	free(w->path);
	free(w->tmp);
	*w = (struct sfd_status_writer){ 0 };
}
