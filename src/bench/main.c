/*
 * main.c - stopflag-bench's command line.  Every bad option is refused with
 * a message that names it, and exit status 64 (EX_USAGE).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define WAKE_DEFAULT_WAITERS 8
#define WAKE_DEFAULT_ROUNDS  200
#define GROUP_DEFAULT_TASKS  32
#define GROUP_DEFAULT_ROUNDS 20

static const char *mode = "";

static void usage(FILE *f)
{
	int n;
	const struct mech *const *m = mech_all(&n);

	fputs("usage: stopflag-bench wake [--waiters N] [--rounds R] "
	      "[--mechanism LIST|all]\n"
	      "                           [--setter direct|signal] [--json] "
	      "[--csv FILE]\n"
	      "                           [--plot FILE.svg|FILE.png]\n"
	      "       stopflag-bench group [--tasks N] [--rounds R] [--json]\n"
	      "       stopflag-bench scale [--sizes N,N,...] [--rounds R] "
	      "[--time S]\n"
	      "                            [--kinds LIST] [--stopflagd PATH] "
	      "[--json]\n"
	      "                            [--plot FILE.svg|FILE.png]\n"
	      "       stopflag-bench exec [--rounds R] [--json]\n"
	      "       stopflag-bench output [--writers N,N,...] [--mib M] "
	      "[--rounds R] [--json]\n"
	      "       stopflag-bench --help | --version\n\n"
	      "wake:  N waiter processes (default 8, at most 1024), R rounds "
	      "(default 200,\n"
	      "       at most 10000); every mechanism once per round, "
	      "interleaved.\n"
	      "group: a group of N tasks (default 32) through the library, "
	      "R rounds (default 20)\n"
	      "       of the scenarios sigterm, request, task-sigkill, "
	      "master-sigkill,\n"
	      "       keeper-sigkill, keeper-master-sigkill.\n"
	      "scale: start and stop N exec and N function tasks (default "
	      "10,100,1000, each\n"
	      "       at most 1024), up to R rounds (default 20, at most 100) "
	      "within S seconds\n"
	      "       (default 170), next to a vfork spawn loop, a "
	      "fork+futex+reap floor,\n"
	      "       Python's subprocess, and the same through stopflagd "
	      "(--stopflagd).\n"
	      "       kinds: exec function vfork floor python stopflagd-exec "
	      "stopflagd-function\n"
	      "exec:  an exec task notices the stop through the flag and "
	      "through its stop\n"
	      "       signal, R rounds (default 50) of each.\n"
	      "output: the output relay's MB/s and CPU next to cat on the "
	      "same pipe, for N\n"
	      "       writers at once (default 1,8), M MiB per run (default "
	      "128), R rounds (default 5).\n"
	      "\nmechanisms:\n", f);
	for (int i = 0; i < n; i++)
		fprintf(f, "  %-11s %s\n", m[i]->name, m[i]->what);
	fputs("\nSee stopflag-bench(1).\n", f);
}

static int __attribute__((format(printf, 1, 2))) bad(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "stopflag-bench: %s%s", mode, *mode ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'stopflag-bench --help'.\n", stderr);
	return BENCH_EXIT_USAGE;
}

int parse_number(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* optarg as a whole decimal number from 1 to max, into *out; 0, or the
 * usage exit status after saying what is wrong with `option`. */
static int parse_count(const char *option, int max, int *out)
{
	if (parse_number(optarg, 1, max, out) < 0)
		return bad("%s: '%s' is not a number from 1 to %d", option,
			   optarg, max);
	return 0;
}

/* "all" or a comma-separated list; returns the bit set, or 0 after
 * complaining. */
static unsigned parse_mechanisms(const char *arg)
{
	char *copy = strdup(arg), *save = NULL, *name;
	unsigned set = 0;
	int n;

	mech_all(&n);
	if (!copy)
		return 0;
	if (strcmp(arg, "all") == 0) {
		free(copy);
		return (1u << n) - 1;
	}
	for (name = strtok_r(copy, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		int i = mech_index(name);

		if (i < 0) {
			bad("--mechanism: unknown mechanism '%s' (known: "
			    "stopflag, futex, futex-fresh, pipe, eventfd, "
			    "sem, signal, condvar, or all)", name);
			free(copy);
			return 0;
		}
		set |= 1u << i;
	}
	free(copy);
	if (!set)
		bad("--mechanism: empty list");
	return set;
}

/* getopt_long's complaint about argv[optind - 1], in our words. */
static int bad_getopt(int c, char *const argv[])
{
	if (c == ':')
		return bad("option '%s' needs a value", argv[optind - 1]);
	return bad("unknown option '%s'", argv[optind - 1]);
}

enum { OPT_SETTER = 256, OPT_JSON, OPT_CSV, OPT_PLOT, OPT_HELP };

static int parse_wake_opt(int c, struct wake_opts *o, bool *explicit_all)
{
	switch (c) {
	case 'n':
		return parse_count("--waiters", BENCH_MAX_WAITERS, &o->waiters);
	case 'r':
		return parse_count("--rounds", BENCH_MAX_ROUNDS, &o->rounds);
	case 'm':
		o->mechanisms = parse_mechanisms(optarg);
		*explicit_all = strcmp(optarg, "all") == 0;
		return o->mechanisms ? 0 : BENCH_EXIT_USAGE;
	case OPT_SETTER:
		if (strcmp(optarg, "direct") == 0)
			o->setter = SETTER_DIRECT;
		else if (strcmp(optarg, "signal") == 0)
			o->setter = SETTER_SIGNAL;
		else
			return bad("--setter: '%s' is neither 'direct' nor "
				   "'signal'", optarg);
		return 0;
	case OPT_JSON:
		o->json = true;
		return 0;
	case OPT_CSV:
		o->csv = optarg;
		return 0;
	case OPT_PLOT:
		if (!plot_format_ok(optarg))
			return bad("--plot: '%s' must end in .svg or .png",
				   optarg);
		o->plot = optarg;
		return 0;
	}
	return -1;
}

static int wake_main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "waiters", required_argument, NULL, 'n' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "mechanism", required_argument, NULL, 'm' },
		{ "setter", required_argument, NULL, OPT_SETTER },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "csv", required_argument, NULL, OPT_CSV },
		{ "plot", required_argument, NULL, OPT_PLOT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct wake_opts o = { WAKE_DEFAULT_WAITERS, WAKE_DEFAULT_ROUNDS,
			       0, SETTER_DIRECT, false, NULL, NULL };
	bool explicit_all = true;
	int c, n;

	mech_all(&n);
	o.mechanisms = (1u << n) - 1;
	while ((c = getopt_long(argc, argv, ":n:r:m:", longopts, NULL)) != -1) {
		int ret;

		if (c == OPT_HELP) {
			usage(stdout);
			return 0;
		}
		ret = parse_wake_opt(c, &o, &explicit_all);
		if (ret < 0)
			return bad_getopt(c, argv);
		if (ret > 0)
			return ret;
	}
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	if (o.setter == SETTER_SIGNAL && !explicit_all &&
	    (o.mechanisms & (1u << mech_index("condvar"))))
		return bad("--setter signal: condvar cannot be set from a "
			   "signal handler (pthread_cond_broadcast is not "
			   "async-signal-safe)");
	return wake_run(&o) < 0 ? 1 : 0;
}

static int group_main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "tasks", required_argument, NULL, 'n' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct group_opts o = { GROUP_DEFAULT_TASKS, GROUP_DEFAULT_ROUNDS,
				false };
	int c, ret = 0;

	while (ret == 0 &&
	       (c = getopt_long(argc, argv, ":n:r:", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			ret = parse_count("--tasks", BENCH_MAX_TASKS, &o.tasks);
			break;
		case 'r':
			ret = parse_count("--rounds", BENCH_MAX_ROUNDS,
					  &o.rounds);
			break;
		case OPT_JSON:
			o.json = true;
			break;
		case OPT_HELP:
			usage(stdout);
			return 0;
		default:
			return bad_getopt(c, argv);
		}
	}
	if (ret != 0)
		return ret;
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	return group_run(&o) < 0 ? 1 : 0;
}

/* "N,N,..." into o->sizes; 0, or the usage exit status. */
static int parse_sizes(struct scale_opts *o)
{
	char *copy = strdup(optarg), *save = NULL, *word;
	int ret = 0, n;

	if (!copy)
		return bad("--sizes: out of memory");
	o->nsizes = 0;
	for (word = strtok_r(copy, ",", &save); word && ret == 0;
	     word = strtok_r(NULL, ",", &save)) {
		if (parse_number(word, 1, BENCH_MAX_TASKS, &n) < 0)
			ret = bad("--sizes: '%s' is not a number from 1 to %d",
				  word, BENCH_MAX_TASKS);
		else if (o->nsizes == SCALE_MAX_SIZES)
			ret = bad("--sizes: more than %d sizes",
				  SCALE_MAX_SIZES);
		else
			o->sizes[o->nsizes++] = n;
	}
	free(copy);
	if (ret == 0 && o->nsizes == 0)
		ret = bad("--sizes: empty list");
	return ret;
}

/* "kind,kind,..." into o->kinds; 0, or the usage exit status. */
static int parse_kinds(struct scale_opts *o)
{
	char *copy = strdup(optarg), *save = NULL, *word;
	int ret = 0;

	if (!copy)
		return bad("--kinds: out of memory");
	o->kinds = 0;
	for (word = strtok_r(copy, ",", &save); word && ret == 0;
	     word = strtok_r(NULL, ",", &save)) {
		int k = scale_kind_index(word);

		if (k < 0)
			ret = bad("--kinds: unknown kind '%s'", word);
		else
			o->kinds |= 1u << k;
	}
	free(copy);
	if (ret == 0 && o->kinds == 0)
		ret = bad("--kinds: empty list");
	return ret;
}

static int scale_main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "sizes", required_argument, NULL, 'n' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "time", required_argument, NULL, 't' },
		{ "kinds", required_argument, NULL, 'k' },
		{ "stopflagd", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "plot", required_argument, NULL, OPT_PLOT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct scale_opts o = {
		.sizes = { 10, 100, 1000 }, .nsizes = 3, .rounds = 20,
		.seconds = 170, .kinds = SCALE_ALL_KINDS,
	};
	int c, ret = 0;

	while (ret == 0 &&
	       (c = getopt_long(argc, argv, ":n:r:t:k:d:", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'n':
			ret = parse_sizes(&o);
			break;
		case 't':
			ret = parse_count("--time", SCALE_MAX_SECONDS,
					  &o.seconds);
			break;
		case 'k':
			ret = parse_kinds(&o);
			break;
		case 'd':
			o.stopflagd = optarg;
			break;
		case 'r':
			ret = parse_count("--rounds", SCALE_MAX_ROUNDS,
					  &o.rounds);
			break;
		case OPT_JSON:
			o.json = true;
			break;
		case OPT_PLOT:
			if (!plot_format_ok(optarg))
				return bad("--plot: '%s' must end in .svg or "
					   ".png", optarg);
			o.plot = optarg;
			break;
		case OPT_HELP:
			usage(stdout);
			return 0;
		default:
			return bad_getopt(c, argv);
		}
	}
	if (ret != 0)
		return ret;
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	return scale_run(&o) < 0 ? 1 : 0;
}

int main(int argc, char *argv[])
{
	if (argc < 2)
		return bad("a mode is needed: wake, group, scale, exec or "
			   "output");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		puts("stopflag-bench " PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(argv[1], SCALE_DRIVER_ARG) == 0)
		return scale_driver_main(argc - 1, argv + 1);
	mode = argv[1];
	if (strcmp(mode, "wake") == 0)
		return wake_main(argc - 1, argv + 1);
	if (strcmp(mode, "group") == 0)
		return group_main(argc - 1, argv + 1);
	if (strcmp(mode, "scale") == 0)
		return scale_main(argc - 1, argv + 1);
	if (strcmp(mode, "exec") == 0)
		return exec_main(argc - 1, argv + 1);
	if (strcmp(mode, "output") == 0)
		return relay_main(argc - 1, argv + 1);
	if (strcmp(mode, "exec-waiter") == 0)
		return exec_waiter_main(argc - 1, argv + 1);
	mode = "";
	return bad("unknown mode '%s' (wake, group, scale, exec or output)",
		   argv[1]);
}
