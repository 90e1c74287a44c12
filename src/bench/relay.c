/*
 * relay.c - output mode: the throughput and CPU cost of the output relay
 * (SF_OUTPUT_PREFIX), next to cat(1) on the same kind of pipe.
 *
 * Each round, for each number of writers W (default 1 and 8), two
 * readers carry the same bytes, MiB in all (default 128), in lines of
 * LINE bytes (100, newline included), from W writer processes to this
 * process through a pipe:
 *   relay  a forked master runs a group of W function tasks, output
 *          prefix; each task writes its share with write(2) in chunks of
 *          64 KiB; the relay labels every line and writes it to the
 *          master's stdout, a pipe to us;
 *   cat    W forked writers write their shares the same way into one
 *          pipe; cat reads it and writes to a pipe to us.
 * Throughput is the writers' bytes over the time from the first byte we
 * read to EOF (the start of the processes is not counted, for either).
 * CPU is the reader's own, user and system: cat's from wait4(); the
 * relay's is the master's children's (getrusage(RUSAGE_CHILDREN) once
 * every one is reaped) less what the tasks measured of themselves.  The
 * two readers are interleaved, round by round, in alternating order;
 * the table gives medians.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stopflag.h"
#include "bench.h"

#define LINE        100
#define CHUNK       ((size_t)655 * LINE) /* whole lines, about 64 KiB */
#define MAX_WRITERS 64
#define MAX_SIZES   4
#define MAX_ROUNDS  100

enum reader { READER_RELAY, READER_CAT, READERS };
static const char *const reader_names[READERS] = { "relay", "cat" };

struct opts {
	int writers[MAX_SIZES];
	int nsizes;
	int mib;
	int rounds;
	bool json;
};

struct sample {
	int64_t wall_ns;   /* first byte to EOF */
	int64_t cpu_ns;    /* the reader's */
};

/* What the master and its tasks tell us. */
struct shared {
	int64_t task_cpu_ns[MAX_WRITERS];
	int64_t children_cpu_ns;
};

static char chunk[CHUNK];

static void fill_chunk(void)
{
	static const char letters[] = "abcdefghijklmnopqrstuvwxyz";

	for (size_t i = 0; i < CHUNK; i++) {
		chunk[i] = letters[(i / LINE + i) % 26];
		if (i % LINE == LINE - 1)
			chunk[i] = '\n';
	}
}

static int64_t tv_ns(const struct timeval *tv)
{
	return (int64_t)tv->tv_sec * 1000000000 + (int64_t)tv->tv_usec * 1000;
}

static int64_t rusage_ns(const struct rusage *ru)
{
	return tv_ns(&ru->ru_utime) + tv_ns(&ru->ru_stime);
}

/* Write `bytes` of lines to fd; 0, or 1 if a write failed. */
static int write_share(int fd, size_t bytes)
{
	while (bytes > 0) {
		size_t n = bytes < CHUNK ? bytes : CHUNK;
		ssize_t w = write(fd, chunk, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return 1;
		bytes -= (size_t)w;
	}
	return 0;
}

/* Read fd to EOF; the time from the first byte to EOF. */
static int64_t drain(int fd, size_t *total)
{
	static char buf[1 << 17];
	int64_t t0 = 0;
	ssize_t n;

	*total = 0;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (!t0)
			t0 = now_ns();
		*total += (size_t)n;
	}
	return t0 ? now_ns() - t0 : 0;
}

/* ------------------------------------------------------------ the relay */

struct job {
	size_t bytes;
	int64_t *cpu_ns;
};

static int writer_task(sf_task *task, void *arg)
{
	const struct job *job = arg;
	struct rusage ru;
	int ret;

	(void)task;
	ret = write_share(STDOUT_FILENO, job->bytes);
	getrusage(RUSAGE_SELF, &ru);
	*job->cpu_ns = rusage_ns(&ru);
	return ret;
}

static _Noreturn void relay_master(int writers, size_t share,
				   struct shared *sh)
{
	struct job jobs[MAX_WRITERS];
	struct rusage ru;
	sf_group *g;
	int ret;

	if (sf_group_create(&g) < 0 ||
	    sf_group_set_output(g, -1, SF_OUTPUT_PREFIX) < 0 ||
	    sf_group_set_strategy(g, SF_ONE_FOR_ONE) < 0)
		_exit(1);
	for (int i = 0; i < writers; i++) {
		char name[16];

		snprintf(name, sizeof(name), "writer-%d", i);
		jobs[i] = (struct job){ share, &sh->task_cpu_ns[i] };
		if (sf_group_add(g, name, writer_task, &jobs[i]) < 0)
			_exit(1);
	}
	ret = sf_group_run(g);
	getrusage(RUSAGE_CHILDREN, &ru);
	sh->children_cpu_ns = rusage_ns(&ru);
	_exit(ret == 0 ? 0 : 1);
}

static int run_relay(int writers, size_t share, struct shared *sh,
		     struct sample *s)
{
	int out[2], status;
	int64_t tasks = 0;
	size_t total;
	pid_t pid;

	if (pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	memset(sh, 0, sizeof(*sh));
	pid = fork_bound();
	if (pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		relay_master(writers, share, sh);
	}
	close(out[1]);
	if (pid < 0) {
		close(out[0]);
		return (int)pid;
	}
	s->wall_ns = drain(out[0], &total);
	close(out[0]);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    total < (size_t)writers * share)
		return -EIO;
	for (int i = 0; i < writers; i++)
		tasks += sh->task_cpu_ns[i];
	s->cpu_ns = sh->children_cpu_ns - tasks;
	return 0;
}

/* ------------------------------------------------------------ cat */

static int run_cat(int writers, size_t share, struct sample *s)
{
	pid_t cat, w[MAX_WRITERS];
	int in[2], out[2], status, err = 0;
	struct rusage ru;
	size_t total;

	if (pipe2(in, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(out, O_CLOEXEC) < 0) {
		err = -errno;
		close(in[0]);
		close(in[1]);
		return err;
	}
	cat = fork_bound();
	if (cat == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		execlp("cat", "cat", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < writers; i++) {
		w[i] = cat > 0 ? fork_bound() : -1;
		if (w[i] == 0)
			_exit(write_share(in[1], share));
	}
	close(in[0]);
	close(in[1]);
	close(out[1]);
	s->wall_ns = cat > 0 ? drain(out[0], &total) : 0;
	close(out[0]);
	for (int i = 0; i < writers; i++)
		if (w[i] > 0)
			waitpid(w[i], NULL, 0);
	if (cat < 0)
		return (int)cat;
	if (wait4(cat, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0 || total != (size_t)writers * share)
		return -EIO;
	s->cpu_ns = rusage_ns(&ru);
	return err;
}

/* ------------------------------------------------------------ report */

struct row {
	int writers;
	const char *reader;
	double mb_s, cpu_ms, cpu_us_per_mb;
};

static void summarize(const struct sample *v, int rounds, double mb,
		      struct row *r)
{
	int64_t wall[MAX_ROUNDS], cpu[MAX_ROUNDS];

	for (int i = 0; i < rounds; i++) {
		wall[i] = v[i].wall_ns;
		cpu[i] = v[i].cpu_ns;
	}
	r->mb_s = mb / ((double)percentile(wall, (size_t)rounds, 50) / 1e9);
	r->cpu_ms = (double)percentile(cpu, (size_t)rounds, 50) / 1e6;
	r->cpu_us_per_mb = r->cpu_ms * 1000 / mb;
}

static void report(const struct opts *o, const struct row *rows, int n)
{
	fprintf(stderr, "output: %d MiB in %d-byte lines per run, %d rounds, "
		"readers interleaved round by round; medians\n", o->mib, LINE,
		o->rounds);
	fprintf(stderr, "%-8s %-6s %10s %10s %12s\n", "writers", "reader",
		"MB/s", "cpu ms", "cpu us/MB");
	for (int i = 0; i < n; i++)
		fprintf(stderr, "%-8d %-6s %10.1f %10.1f %12.1f\n",
			rows[i].writers, rows[i].reader, rows[i].mb_s,
			rows[i].cpu_ms, rows[i].cpu_us_per_mb);
	for (int i = 0; i + 1 < n; i += 2)
		fprintf(stderr, "%d writer(s): the relay moves %.2f of cat's "
			"MB/s, at %.2f times its CPU per MB\n", rows[i].writers,
			rows[i].mb_s / rows[i + 1].mb_s,
			rows[i].cpu_us_per_mb / rows[i + 1].cpu_us_per_mb);
	if (!o->json)
		return;
	printf("{\"mode\":\"output\",\"mib\":%d,\"line\":%d,\"rounds\":%d,"
	       "\"results\":[", o->mib, LINE, o->rounds);
	for (int i = 0; i < n; i++)
		printf("%s{\"writers\":%d,\"reader\":\"%s\",\"mb_s\":%.1f,"
		       "\"cpu_ms\":%.2f,\"cpu_us_per_mb\":%.1f}", i ? "," : "",
		       rows[i].writers, rows[i].reader, rows[i].mb_s,
		       rows[i].cpu_ms, rows[i].cpu_us_per_mb);
	printf("]}\n");
}

/* ------------------------------------------------------------ the run */

static int measure(const struct opts *o)
{
	size_t bytes = (size_t)o->mib << 20;
	struct sample *all = calloc((size_t)o->nsizes * READERS *
				    (size_t)o->rounds, sizeof(*all));
	struct shared *sh = shared_alloc(sizeof(*sh));
	struct row rows[MAX_SIZES * READERS] = { 0 };
	int err = all && sh ? 0 : -ENOMEM;

	fill_chunk();
	for (int r = 0; r < o->rounds && err == 0; r++) {
		for (int k = 0; k < o->nsizes && err == 0; k++) {
			int w = o->writers[k];
			size_t share = bytes / (size_t)w;

			for (int j = 0; j < READERS && err == 0; j++) {
				/* alternate which reader goes first */
				int rd = (j + r) % READERS;
				struct sample *s = &all[((size_t)k * READERS +
							 (size_t)rd) *
							(size_t)o->rounds +
							(size_t)r];

				progress("output: round %d/%d, %d writer(s), "
					 "%s", r + 1, o->rounds, w,
					 reader_names[rd]);
				err = rd == READER_RELAY ?
				      run_relay(w, share, sh, s) :
				      run_cat(w, share, s);
			}
		}
	}
	progress_done();
	if (err == 0) {
		for (int k = 0; k < o->nsizes; k++) {
			size_t w = (size_t)o->writers[k];
			size_t moved = bytes / w * w;

			for (int rd = 0; rd < READERS; rd++) {
				struct row *row = &rows[k * READERS + rd];

				row->writers = o->writers[k];
				row->reader = reader_names[rd];
				summarize(&all[((size_t)k * READERS +
						(size_t)rd) * (size_t)o->rounds],
					  o->rounds, (double)moved / 1e6, row);
			}
		}
		report(o, rows, o->nsizes * READERS);
	} else {
		fprintf(stderr, "stopflag-bench: output: a run failed: %s\n",
			strerror(-err));
	}
	if (sh)
		shared_free(sh, sizeof(*sh));
	free(all);
	return err;
}

/* "N,N,..." of writer counts, from 1 to MAX_WRITERS. */
static int parse_writers(const char *arg, struct opts *o)
{
	const char *p = arg;

	o->nsizes = 0;
	while (*p) {
		char *end;
		long v = strtol(p, &end, 10);

		if (end == p || v < 1 || v > MAX_WRITERS ||
		    (*end && *end != ',') || o->nsizes == MAX_SIZES)
			return -1;
		o->writers[o->nsizes++] = (int)v;
		p = *end ? end + 1 : end;
	}
	return o->nsizes ? 0 : -1;
}

/* "OPTION: 'ARG' WHY", and the usage exit status. */
static int usage_error(const char *option, const char *arg, const char *why)
{
	fprintf(stderr, "stopflag-bench: output: %s: '%s' %s\n"
		"Try 'stopflag-bench --help'.\n", option, arg, why);
	return BENCH_EXIT_USAGE;
}

int relay_main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "writers", required_argument, NULL, 'w' },
		{ "mib", required_argument, NULL, 'm' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { { 1, 8 }, 2, 128, 5, false };
	int c;

	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (c == 'w' && parse_writers(optarg, &o) < 0)
			return usage_error("--writers", optarg, "is not a list "
					   "of 1 to 4 numbers from 1 to 64");
		if (c == 'm' && parse_number(optarg, 1, 4096, &o.mib) < 0)
			return usage_error("--mib", optarg, "is not a number "
					   "from 1 to 4096");
		if (c == 'r' &&
		    parse_number(optarg, 1, MAX_ROUNDS, &o.rounds) < 0)
			return usage_error("--rounds", optarg, "is not a "
					   "number from 1 to 100");
		if (c == 'j')
			o.json = true;
		if (c == ':')
			return usage_error("option", argv[optind - 1],
					   "needs a value");
		if (c == '?')
			return usage_error("option", argv[optind - 1],
					   "is not known");
	}
	if (optind < argc)
		return usage_error("argument", argv[optind], "is unexpected");
	return measure(&o) < 0 ? 1 : 0;
}
