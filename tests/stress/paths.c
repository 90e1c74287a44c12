/*
 * paths.c - where the campaign finds its programs, and what the machine
 * lets it do.
 *
 *   STRESS_TASK       the exec task program (default: stress-task beside
 *                     the driver; libtool runs the driver from .libs/)
 *   STRESS_STOPFLAGD  stopflagd for the daemon part (default: the build
 *                     tree's src/daemon/stopflagd; "" or "no": no daemon
 *                     scenarios)
 *   STRESS_PLUGIN     the function tasks as a plugin (default:
 *                     .libs/stress-plugin.so beside the driver)
 *   STRESS_STOPFLAG   stopflag(1) for the shell tasks (default: the build
 *                     tree's src/tool/stopflag; "" or "no": no shell
 *                     tasks)
 *
 * Config files and the shell tasks' script go to a private directory
 * under TMPDIR, removed at exit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stress.h"
#include "testutil.h"

static char private_dir[4096], private_conf[4200], private_sleeper[4200];
static pid_t private_owner; /* forked masters exit() too: not theirs */

/* The directory of the driver program, without a trailing /.libs. */
static void driver_dir(char *buf, size_t len)
{
	char exe[4096], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0) {
		snprintf(buf, len, ".");
		return;
	}
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	n = (ssize_t)strlen(exe);
	if (n >= 6 && strcmp(exe + n - 6, "/.libs") == 0)
		exe[n - 6] = '\0';
	snprintf(buf, len, "%s", exe);
}

/* env, or dir/dflt; resolved into out.  0, or -errno. */
static int locate(const char *env, const char *dir, const char *dflt,
		  char *out)
{
	const char *s = getenv(env);
	char path[8300];

	if (s && *s)
		snprintf(path, sizeof(path), "%s", s);
	else
		snprintf(path, sizeof(path), "%s/%s", dir, dflt);
	return realpath(path, out) ? 0 : -errno;
}

void st_paths_cleanup(void)
{
	if (!private_dir[0] || getpid() != private_owner)
		return;
	unlink(private_conf);
	unlink(private_sleeper);
	rmdir(private_dir);
}

/* Run stopflagd --version once as ourselves: a libtool wrapper builds its
 * program on the first run, which a master under another uid could not. */
static int daemon_runs(const char *daemon)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execl(daemon, "stopflagd", "--version", (char *)NULL);
		_exit(127);
	}
	return pid > 0 && tu_wait(pid) == 0;
}

/* A libtool wrapper script runs sh, sed and friends before the program:
 * under RLIMIT_NPROC their forks would fail.  Use the program it wraps
 * (.libs/NAME); the libraries it needs are on the LD_LIBRARY_PATH the
 * driver's own wrapper, or libtool --mode=execute, gave the driver. */
static void unwrap(char *path, size_t len)
{
	char head[2] = "", real[8300], *slash = strrchr(path, '/');
	FILE *f = fopen(path, "r");

	if (f) {
		if (fread(head, 1, 2, f) != 2)
			head[0] = '\0';
		fclose(f);
	}
	if (!slash || head[0] != '#' || head[1] != '!')
		return;
	snprintf(real, sizeof(real), "%.*s/.libs/%s", (int)(slash - path), path,
		 slash + 1);
	if (access(real, X_OK) == 0 && strlen(real) < len)
		memcpy(path, real, strlen(real) + 1);
}

static void find_daemon(struct st_paths *paths, const char *dir)
{
	const char *s = getenv("STRESS_STOPFLAGD");

	paths->daemon[0] = '\0';
	if (s && (!*s || strcmp(s, "no") == 0))
		return;
	if (locate("STRESS_STOPFLAGD", dir, "../../src/daemon/stopflagd",
		   paths->daemon) < 0)
		paths->daemon[0] = '\0';
	else
		unwrap(paths->daemon, sizeof(paths->daemon));
	if (!paths->daemon[0] ||
	    locate("STRESS_PLUGIN", dir, ".libs/stress-plugin.so",
		   paths->plugin) < 0 ||
	    !daemon_runs(paths->daemon)) {
		printf("stress: note: no daemon scenarios (stopflagd or "
		       "stress-plugin.so not found or not running)\n");
		paths->daemon[0] = '\0';
	}
}

/* stopflag(1) and the script that runs it; without them, no shell
 * tasks. */
static void find_stopflag(struct st_paths *paths, const char *dir)
{
	const char *s = getenv("STRESS_STOPFLAG");

	paths->stopflag[0] = '\0';
	if ((s && (!*s || strcmp(s, "no") == 0)) ||
	    locate("STRESS_STOPFLAG", dir, "../../src/tool/stopflag",
		   paths->stopflag) < 0 ||
	    access(paths->stopflag, X_OK) < 0 || st_sleeper_write(paths) < 0) {
		printf("stress: note: no shell tasks (stopflag(1) not found, "
		       "or its script not written)\n");
		paths->stopflag[0] = '\0';
		return;
	}
	snprintf(private_sleeper, sizeof(private_sleeper), "%s",
		 paths->sleeper);
}

int st_find_paths(struct st_paths *paths)
{
	const char *tmp = getenv("TMPDIR");
	char dir[4096];

	driver_dir(dir, sizeof(dir));
	if (locate("STRESS_TASK", dir, "stress-task", paths->task) < 0) {
		fprintf(stderr, "stress: stress-task: %s\n", strerror(errno));
		return -1;
	}
	find_daemon(paths, dir);
	snprintf(private_dir, sizeof(private_dir), "%s/stopflag-stress.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(private_dir) || chmod(private_dir, 0755) < 0) {
		fprintf(stderr, "stress: %s: %s\n", private_dir, strerror(errno));
		private_dir[0] = '\0';
		return -1;
	}
	private_owner = getpid();
	atexit(st_paths_cleanup);
	snprintf(private_conf, sizeof(private_conf), "%s/scenario.conf",
		 private_dir);
	snprintf(paths->dir, sizeof(paths->dir), "%s", private_dir);
	snprintf(paths->config, sizeof(paths->config), "%s", private_conf);
	find_stopflag(paths, dir);
	return 0;
}

int st_nproc_usable(const struct st_paths *paths)
{
	uid_t uid = st_nproc_uid(0);
	pid_t pid;

	if (geteuid() != 0)
		return 0;
	pid = fork();
	if (pid == 0) {
		if (setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0)
			_exit(1);
		_exit(access(paths->task, X_OK) == 0 &&
		      (!paths->daemon[0] ||
		       (access(paths->daemon, X_OK) == 0 &&
			access(paths->plugin, R_OK) == 0 &&
			access(paths->dir, X_OK) == 0)) ? 0 : 1);
	}
	return pid > 0 && tu_wait(pid) == 0;
}
