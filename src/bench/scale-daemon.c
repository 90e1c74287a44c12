/*
 * scale-daemon.c - scale mode through stopflagd: a config of N exec tasks
 * (`sleep 1000`) or N heartbeat tasks (function tasks, forked), started
 * with NOTIFY_SOCKET naming a datagram socket of ours.  The start runs
 * from just before the spawn of stopflagd until its READY=1 arrives (sent
 * once every task is ready), the stop from the SIGTERM to the process
 * we started (the keeper) until it is reaped, which it is only after its
 * master reaped every task.  Its log goes to a file beside the config, as
 * a daemon's log goes somewhere; ΣPss counts the keeper, the master and
 * the tasks.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

extern char **environ;

struct daemon_run {
	char dir[64];
	char conf[96], log[96], sock[96];
	int notify;               /* our end of NOTIFY_SOCKET */
	pid_t pid;                /* the keeper */
};

static int write_config(const char *path, enum scale_kind kind, int ntasks)
{
	FILE *f = fopen(path, "w");
	int err;

	if (!f)
		return -errno;
	for (int i = 0; i < ntasks; i++)
		if (kind == SCALE_DAEMON_EXEC)
			fprintf(f, "[task t%d]\ntype = exec\n"
				"command = sleep 1000\n", i);
		else
			fprintf(f, "[task t%d]\ntype = heartbeat\n"
				"interval = 1000s\n", i);
	err = ferror(f) ? -EIO : 0;
	if (fclose(f) != 0 && err == 0)
		err = -errno;
	return err;
}

static int bind_notify(struct daemon_run *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	d->notify = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (d->notify < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d->sock);
	if (bind(d->notify, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return 0;
}

/* Our environment with NOTIFY_SOCKET=sock in place of any other; free()
 * the array and its first string. */
static char **daemon_env(const char *sock)
{
	size_t n = 0, j = 0;
	char **env, *var;

	while (environ[n])
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (!env || asprintf(&var, "NOTIFY_SOCKET=%s", sock) < 0) {
		free(env);
		return NULL;
	}
	env[j++] = var;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "NOTIFY_SOCKET=", 14) != 0)
			env[j++] = environ[i];
	return env;
}

static int spawn_daemon(const char *stopflagd, struct daemon_run *d)
{
	char c[] = "-c", *argv[] = { (char *)stopflagd, c, d->conf, NULL };
	posix_spawn_file_actions_t fa;
	char **env = daemon_env(d->sock);
	int err;

	if (!env)
		return -ENOMEM;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
					 O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, d->log,
					 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
	err = posix_spawn(&d->pid, stopflagd, &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	free(env[0]);
	free(env);
	if (err != 0)
		d->pid = 0;
	return -err;
}

/* Whether a datagram holds the line READY=1. */
static bool says_ready(const char *msg)
{
	for (const char *p = msg; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, "READY=1", 7) == 0 &&
		    (p[7] == '\n' || p[7] == '\0'))
			return true;
	}
	return false;
}

/* Wait for READY=1, at most timeout_ms; 0, -ETIMEDOUT, or -ECHILD if the
 * daemon ended first. */
static int wait_ready(struct daemon_run *d, int timeout_ms)
{
	int64_t deadline = now_ns() + (int64_t)timeout_ms * 1000000;

	for (;;) {
		struct pollfd pfd = { d->notify, POLLIN, 0 };
		int64_t left = deadline - now_ns();
		char msg[1024];
		ssize_t n;

		if (left <= 0)
			return -ETIMEDOUT;
		/* a slice, so that a daemon that died is noticed */
		if (poll(&pfd, 1, left > 200000000 ? 200 :
			 (int)(left / 1000000) + 1) == 0) {
			if (waitpid(d->pid, NULL, WNOHANG) == d->pid) {
				d->pid = 0;
				return -ECHILD;
			}
			continue;
		}
		n = recv(d->notify, msg, sizeof(msg) - 1, MSG_DONTWAIT);
		if (n < 0)
			continue;
		msg[n] = '\0';
		if (says_ready(msg))
			return 0;
	}
}

static void cleanup(struct daemon_run *d)
{
	if (d->pid > 0) { /* a failed run: stop it, then make sure */
		kill(d->pid, SIGTERM);
		for (int i = 0; i < 100 && waitpid(d->pid, NULL, WNOHANG) == 0;
		     i++)
			sleep_us(100000);
		if (kill(d->pid, SIGKILL) == 0)
			waitpid(d->pid, NULL, 0);
	}
	if (d->notify >= 0)
		close(d->notify);
	unlink(d->sock);
	unlink(d->conf);
	unlink(d->log);
	rmdir(d->dir);
}

static int daemon_failed(struct daemon_run *d, enum scale_kind kind,
			 int ntasks, const char *what)
{
	char line[256];
	FILE *f = fopen(d->log, "r");

	fprintf(stderr, "stopflag-bench: scale: %s, %d tasks: %s\n",
		scale_kind_names[kind], ntasks, what);
	for (int i = 0; f && i < 5 && fgets(line, sizeof(line), f); i++)
		fprintf(stderr, "  stopflagd| %s", line);
	if (f)
		fclose(f);
	cleanup(d);
	return -EIO;
}

static int stop_daemon(struct daemon_run *d, struct scale_sample *s)
{
	struct rusage ru;
	int status;
	int64_t t0 = now_ns();

	kill(d->pid, SIGTERM);
	while (wait4(d->pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return -errno;
	s->stop_ns = now_ns() - t0;
	d->pid = 0;
	scale_sample_ended(s, &ru);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

int scale_daemon_once(const char *stopflagd, enum scale_kind kind,
		      int ntasks, int start_bound, struct scale_sample *s)
{
	const char *tmp = getenv("TMPDIR");
	struct daemon_run d = { .notify = -1 };
	int64_t t0;
	pid_t master;
	int err;

	snprintf(d.dir, sizeof(d.dir), "%s/sfbench-XXXXXX",
		 tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	if (!mkdtemp(d.dir))
		return -errno;
	snprintf(d.conf, sizeof(d.conf), "%s/scale.conf", d.dir);
	snprintf(d.log, sizeof(d.log), "%s/log", d.dir);
	snprintf(d.sock, sizeof(d.sock), "%s/notify", d.dir);
	err = write_config(d.conf, kind, ntasks);
	if (err == 0)
		err = bind_notify(&d);
	if (err < 0) {
		cleanup(&d);
		return err;
	}
	fflush(NULL);
	t0 = now_ns();
	err = spawn_daemon(stopflagd, &d);
	if (err == 0)
		err = wait_ready(&d, start_bound);
	if (err < 0)
		return daemon_failed(&d, kind, ntasks, err == -ETIMEDOUT ?
				     "no READY=1 in time" : err == -ECHILD ?
				     "stopflagd ended before READY=1" :
				     strerror(-err));
	s->start_ns = now_ns() - t0;
	master = first_child(d.pid);
	if (master > 0)
		wait_asleep(master, bound_ms(10000));
	s->pss_kb = tree_pss_kb(d.pid, 2);
	tree_cost(d.pid, 2, &s->start_cpu_ns, &s->start_faults);
	if (stop_daemon(&d, s) < 0)
		return daemon_failed(&d, kind, ntasks,
				     "stopflagd did not exit 0 on SIGTERM");
	cleanup(&d);
	return 0;
}

bool scale_daemon_usable(const char *stopflagd, char *why, size_t len)
{
	char v[] = "--version", *argv[] = { (char *)stopflagd, v, NULL };
	posix_spawn_file_actions_t fa;
	char out[512];
	int fds[2], status = 1, err;
	ssize_t n = 0, got = 0;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(why, len, "pipe: %s", strerror(errno));
		return false;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	err = posix_spawn(&pid, stopflagd, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (err != 0) {
		close(fds[0]);
		snprintf(why, len, "cannot run %s: %s", stopflagd,
			 strerror(err));
		return false;
	}
	while (got < (ssize_t)sizeof(out) - 1 &&
	       ((n = read(fds[0], out + got, sizeof(out) - 1 - (size_t)got)) > 0 ||
		(n < 0 && errno == EINTR)))
		got += n > 0 ? n : 0;
	out[got] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (status != 0 || !strstr(out, "systemd notification: yes")) {
		snprintf(why, len, "%s %s", stopflagd, status != 0 ?
			 "--version failed" : "does not send READY=1 (one "
			 "from before its own notify protocol), and the "
			 "start is timed by it");
		return false;
	}
	return true;
}
