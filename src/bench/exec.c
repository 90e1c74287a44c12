/*
 * exec.c - exec mode: how fast a program a task exec'd notices the stop,
 * through the group's flag (sf_flag_from_env() + sf_flag_wait()) and
 * through its stop signal, side by side.
 *
 * Each round forks a master whose group has one exec task: this very
 * binary, run as `stopflag-bench exec-waiter flag|signal`.  The waiter
 * writes its pid to its stdout (a pipe to us) and then sleeps:
 *   flag    SIGTERM ignored, in sf_flag_wait() on the inherited flag;
 *   signal  in sigsuspend(), with a SIGTERM handler.
 * Once it reads 'S' in /proc we take t0 and SIGTERM the master, whose
 * handler sets the flag; its main loop then sends the task its stop
 * signal.  The waiter writes CLOCK_MONOTONIC (the same clock in every
 * process) as it wakes, and t1 - t0 is the time to notice.  The two paths
 * are interleaved round by round, in alternating order.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stopflag.h"
#include "bench.h"

#define EXEC_DEFAULT_ROUNDS 50

enum path { PATH_FLAG, PATH_SIGNAL, PATH_COUNT };
static const char *const path_names[PATH_COUNT] = { "flag", "signal" };

/* ------------------------------------------------------------ the waiter */

static volatile sig_atomic_t got_term;
static int64_t term_ns;

static void on_term(int signo)
{
	(void)signo;
	term_ns = now_ns();
	got_term = 1;
}

/* A line on stdout, written at once. */
static int say(int64_t value)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%" PRId64 "\n", value);

	return write(1, buf, (size_t)n) == n ? 0 : 1;
}

static int waiter_flag(void)
{
	sf_flag *flag;

	signal(SIGTERM, SIG_IGN);
	if (sf_flag_from_env(&flag) < 0 || say(getpid()))
		return 1;
	if (sf_flag_wait(flag, -1) < 0)
		return 1;
	return say(now_ns());
}

static int waiter_signal(void)
{
	struct sigaction sa = { .sa_handler = on_term };
	sigset_t term, old;

	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old);
	sigaction(SIGTERM, &sa, NULL);
	if (say(getpid()))
		return 1;
	while (!got_term)
		sigsuspend(&old);
	return say(term_ns);
}

int exec_waiter_main(int argc, char *argv[])
{
	if (argc == 2 && strcmp(argv[1], "flag") == 0)
		return waiter_flag();
	if (argc == 2 && strcmp(argv[1], "signal") == 0)
		return waiter_signal();
	fputs("stopflag-bench: exec-waiter: flag or signal (run by exec "
	      "mode, not by hand)\n", stderr);
	return BENCH_EXIT_USAGE;
}

/* ------------------------------------------------------------ one round */

static char self_exe[4096];

static void __attribute__((noreturn)) master_main(enum path p, int out)
{
	char how[8];
	sf_group *g;
	int ret;

	snprintf(how, sizeof(how), "%s", path_names[p]);
	if (dup2(out, 1) < 0)
		_exit(71);
	close(out);
	ret = sf_group_create(&g);
	if (ret >= 0) {
		char sub[] = "exec-waiter";
		char *argv[] = { self_exe, sub, how, NULL };

		ret = sf_group_add_exec(g, "waiter", argv);
	}
	if (ret >= 0)
		ret = sf_group_set_grace(g, bound_ms(5000));
	if (ret >= 0)
		ret = sf_group_run(g);
	_exit(ret < 0 ? 70 : ret & 0xff);
}

/* One line from fd as a number, within timeout_ms; -1 on failure. */
static int64_t read_number(int fd, int timeout_ms)
{
	char buf[32];
	size_t n = 0;
	int64_t deadline = now_ns() + (int64_t)timeout_ms * 1000000;

	while (n < sizeof(buf) - 1) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		int left = (int)((deadline - now_ns()) / 1000000);

		if (left <= 0 || poll(&pfd, 1, left) <= 0 ||
		    read(fd, buf + n, 1) != 1)
			return -1;
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return n ? strtoll(buf, NULL, 10) : -1;
}

/* The time one waiter took to notice, in ns, or a negative errno. */
static int64_t one_round(enum path p)
{
	int fds[2], status = -1;
	int64_t pid, t1 = -1;
	pid_t master;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	master = fork_bound();
	if (master == 0)
		master_main(p, fds[1]);
	close(fds[1]);
	if (master < 0) {
		close(fds[0]);
		return master;
	}
	pid = read_number(fds[0], bound_ms(10000));
	if (pid > 0 && wait_asleep((pid_t)pid, bound_ms(10000)) == 0 &&
	    wait_asleep(master, bound_ms(10000)) == 0) {
		int64_t t0 = now_ns();

		kill(master, SIGTERM);
		t1 = read_number(fds[0], bound_ms(10000));
		if (t1 > 0)
			t1 -= t0;
	}
	close(fds[0]);
	if (t1 < 0)
		kill(master, SIGKILL);
	waitpid(master, &status, 0);
	if (t1 < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "stopflag-bench: exec: %s: the round failed "
			"(master status 0x%x)\n", path_names[p], status);
		return -EIO;
	}
	return t1;
}

/* ------------------------------------------------------------ the run */

static void report(int64_t *ns[PATH_COUNT], int rounds, bool json)
{
	if (json)
		printf("{\"mode\":\"exec\",\"rounds\":%d,\"results\":[", rounds);
	else
		printf("exec task notices the stop (%d rounds, us from the "
		       "master's SIGTERM)\n%-8s %9s %9s %9s %9s\n", rounds,
		       "path", "p50", "p90", "p99", "max");
	for (int p = 0; p < PATH_COUNT; p++) {
		double q[4] = { 50, 90, 99, 100 }, us[4];

		sort_i64(ns[p], (size_t)rounds);
		for (int i = 0; i < 4; i++)
			us[i] = (double)percentile_sorted(ns[p], (size_t)rounds,
							  q[i]) / 1000.0;
		if (json)
			printf("%s{\"path\":\"%s\",\"p50_us\":%.1f,"
			       "\"p90_us\":%.1f,\"p99_us\":%.1f,"
			       "\"max_us\":%.1f}", p ? "," : "",
			       path_names[p], us[0], us[1], us[2], us[3]);
		else
			printf("%-8s %9.1f %9.1f %9.1f %9.1f\n", path_names[p],
			       us[0], us[1], us[2], us[3]);
	}
	if (json)
		puts("]}");
}

static int exec_run(int rounds, bool json)
{
	int64_t *ns[PATH_COUNT];
	ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	int ret = 0;

	if (n <= 0) {
		fprintf(stderr, "stopflag-bench: exec: cannot find itself in "
			"/proc/self/exe\n");
		return -ENOENT;
	}
	self_exe[n] = '\0';
	ns[0] = calloc((size_t)rounds, sizeof(int64_t));
	ns[1] = calloc((size_t)rounds, sizeof(int64_t));
	for (int r = 0; ret == 0 && ns[0] && ns[1] && r < rounds; r++)
		for (int i = 0; ret == 0 && i < PATH_COUNT; i++) {
			int p = (r + i) % PATH_COUNT; /* alternate the order */
			int64_t t = one_round((enum path)p);

			if (t < 0)
				ret = (int)t;
			else
				ns[p][r] = t;
		}
	if (!ns[0] || !ns[1])
		ret = -ENOMEM;
	if (ret == 0)
		report(ns, rounds, json);
	free(ns[0]);
	free(ns[1]);
	return ret;
}

int exec_main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "rounds", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rounds = EXEC_DEFAULT_ROUNDS;
	bool json = false;

	while ((c = getopt_long(argc, argv, "r:", longopts, NULL)) != -1) {
		if (c == 'j') {
			json = true;
			continue;
		}
		if (c == 'r' &&
		    parse_number(optarg, 1, BENCH_MAX_ROUNDS, &rounds) == 0)
			continue;
		fprintf(stderr, "stopflag-bench: exec: usage: stopflag-bench "
			"exec [--rounds 1..%d] [--json]\n", BENCH_MAX_ROUNDS);
		return BENCH_EXIT_USAGE;
	}
	if (optind < argc) {
		fprintf(stderr, "stopflag-bench: exec: unexpected argument "
			"'%s'\n", argv[optind]);
		return BENCH_EXIT_USAGE;
	}
	return exec_run(rounds, json) < 0 ? 1 : 0;
}
