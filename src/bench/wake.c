/*
 * wake.c - wake mode: N waiter processes, R rounds, every selected
 * mechanism once per round.
 *
 * Interleaving.  Round r runs each mechanism once, starting at a different
 * one each round (the order rotates), so that a noisy machine's drift and
 * any order effect fall on all of them alike.
 *
 * One step (round r, mechanism m), paced by control words in shared memory
 * that are never touched inside the timed interval:
 *   setter  m->arm(r); publish (m, r) and bump `step`;
 *   waiters wake on `step`, and each calls m->wait(r), which counts itself
 *           in `armed` right before it blocks;
 *   setter  waits until `armed` == N and every waiter reads 'S' (asleep)
 *           in /proc/PID/stat, so a wakeup is timed, never a spin;
 *           t0 = now; m->set(r); t1 = now  (set cost: the setter's CPU
 *                                           time in it, and t1 - t0)
 *   waiters woke[i] = now on return from m->wait; count in `done`;
 *   setter  sleeps until `done` == N; latency of waiter i = woke[i] - t0.
 *
 * With --setter signal, the set runs inside a SIGUSR2 handler: t0 is taken
 * before kill(getpid(), SIGUSR2), and the handler stamps t1 after its set,
 * so both numbers include the signal's delivery.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stopflag.h"
#include "bench.h"

#define SETTER_SIGNAL_SIGNO SIGUSR2

struct wake_ctl {
	uint32_t step __attribute__((aligned(64)));
	int32_t mech;  /* index into mech_all() */
	int32_t round;
	uint32_t armed __attribute__((aligned(64)));
	uint32_t done __attribute__((aligned(64)));
	uint32_t waiters;
	pid_t pids[BENCH_MAX_WAITERS];
	struct {
		int64_t ns;
	} __attribute__((aligned(64))) woke[BENCH_MAX_WAITERS];
};

/* Everything one run holds in the setter. */
struct wake_run {
	const struct wake_opts *opts;
	const struct mech *const *mechs;
	int nmech;
	int sel[32];          /* selected mechanism indexes */
	int nsel;
	void *states[32];
	struct mech_env env;
	struct wake_ctl *ctl;
	struct sleepwatch *watch;
	struct wake_samples smp[32]; /* per selected mechanism */
};

/* ---------------------------------------------------------------- waiters */

static void announce(void *arg)
{
	struct wake_ctl *c = arg;

	ctl_count(&c->armed, c->waiters);
}

static void __attribute__((noreturn))
waiter_main(struct wake_run *w, int me)
{
	struct wake_ctl *c = w->ctl;
	uint32_t seen = 0;

	for (;;) {
		int mi, round;

		ctl_wait(&c->step, seen, 1 << 30);
		seen = __atomic_load_n(&c->step, __ATOMIC_ACQUIRE);
		mi = c->mech;
		round = c->round;
		w->mechs[mi]->wait(w->states[mi], round, announce, c);
		c->woke[me].ns = now_ns();
		ctl_count(&c->done, c->waiters);
	}
}

static int fork_waiters(struct wake_run *w)
{
	fflush(NULL);
	for (int i = 0; i < w->opts->waiters; i++) {
		pid_t pid = fork_bound();

		if (pid < 0)
			return (int)pid;
		if (pid == 0)
			waiter_main(w, i);
		w->ctl->pids[i] = pid;
	}
	return 0;
}

/* ---------------------------------------------------------------- the setter */

static const struct mech *sig_mech;
static void *sig_state;
static int sig_round;
static volatile int64_t sig_done_wall, sig_done_cpu;

/* The set of --setter signal: the mechanism's own set, as a user's stop
 * handler would make it, then the clocks (clock_gettime is
 * async-signal-safe). */
static void setter_handler(int signo)
{
	int saved_errno = errno;

	(void)signo;
	sig_mech->set(sig_state, sig_round);
	sig_done_cpu = cpu_ns();
	sig_done_wall = now_ns();
	errno = saved_errno;
}

static int install_setter_handler(void)
{
	struct sigaction sa = { .sa_handler = setter_handler };

	sigemptyset(&sa.sa_mask);
	return sigaction(SETTER_SIGNAL_SIGNO, &sa, NULL) < 0 ? -errno : 0;
}

/* What reading the clocks around a set costs by itself (the median of an
 * empty measurement); it is taken off every sample. */
static int64_t clock_cpu_ns, clock_wall_ns;

static void calibrate_clocks(void)
{
	enum { N = 101 };
	int64_t cpu[N], wall[N];

	for (int i = 0; i < N; i++) {
		int64_t c0 = cpu_ns(), t0 = now_ns(), t1 = now_ns();

		cpu[i] = cpu_ns() - c0;
		wall[i] = t1 - t0;
	}
	clock_cpu_ns = percentile(cpu, N, 50);
	clock_wall_ns = percentile(wall, N, 50);
}

static int64_t less_clock(int64_t v, int64_t clock)
{
	return v > clock ? v - clock : 0;
}

/* Time one set: returns t0, the moment the set began, and stores the
 * setter's cost.  Its CPU time is its own cost; the wall time also holds
 * whatever ran while it was preempted (often the waiters it just woke).
 * Both leave out what reading the clocks costs by itself. */
static int64_t timed_set(struct wake_run *w, int mi, int round,
			 int64_t *cpu, int64_t *wall)
{
	const struct mech *m = w->mechs[mi];
	int64_t t0, t1, c0, c1;

	if (w->opts->setter == SETTER_SIGNAL) {
		sig_mech = m;
		sig_state = w->states[mi];
		sig_round = round;
		c0 = cpu_ns();
		t0 = now_ns();
		kill(getpid(), SETTER_SIGNAL_SIGNO);
		t1 = sig_done_wall;
		c1 = sig_done_cpu;
	} else {
		c0 = cpu_ns();
		t0 = now_ns();
		m->set(w->states[mi], round);
		t1 = now_ns();
		c1 = cpu_ns();
	}
	*cpu = less_clock(c1 - c0, clock_cpu_ns);
	*wall = less_clock(t1 - t0, clock_wall_ns);
	return t0;
}

static int fail(struct wake_run *w, int si, int round, const char *what,
		pid_t who)
{
	fprintf(stderr, "stopflag-bench: wake: %s, round %d: %s",
		w->mechs[w->sel[si]]->name, round + 1, what);
	if (who > 0)
		fprintf(stderr, " (waiter pid %d)", (int)who);
	fputc('\n', stderr);
	return -EIO;
}

/* One step: release the waiters into (mechanism sel[si], round), make sure
 * they sleep, set, and collect their wake times. */
static int step(struct wake_run *w, int si, int round)
{
	struct wake_ctl *c = w->ctl;
	int mi = w->sel[si], n = w->opts->waiters, err;
	struct wake_samples *smp = &w->smp[si];
	int64_t t0, *lat = smp->lat + (size_t)round * (size_t)n;
	pid_t who = 0;

	w->mechs[mi]->arm(w->states[mi], round);
	c->armed = 0;
	c->done = 0;
	c->mech = mi;
	c->round = round;
	__atomic_add_fetch(&c->step, 1, __ATOMIC_RELEASE);
	ctl_wake(&c->step);
	if (ctl_wait_count(&c->armed, (uint32_t)n, bound_ms(10000)) < 0)
		return fail(w, si, round, "waiters did not get ready", 0);
	err = sleepwatch_all_asleep(w->watch, bound_ms(10000), &who);
	if (err < 0)
		return fail(w, si, round, "a waiter never fell asleep", who);
	t0 = timed_set(w, mi, round, &smp->set_cpu[round],
		       &smp->set_wall[round]);
	if (ctl_wait_count(&c->done, (uint32_t)n, bound_ms(10000)) < 0)
		return fail(w, si, round,
			    "not every waiter woke within 10 s: a lost wakeup",
			    0);
	for (int i = 0; i < n; i++)
		lat[i] = c->woke[i].ns - t0;
	return 0;
}

static int run_rounds(struct wake_run *w)
{
	for (int r = 0; r < w->opts->rounds; r++) {
		progress("wake: round %d/%d", r + 1, w->opts->rounds);
		for (int j = 0; j < w->nsel; j++) {
			int err = step(w, (j + r) % w->nsel, r);

			if (err < 0)
				return err;
		}
	}
	progress_done();
	return 0;
}

/* ---------------------------------------------------------------- setup */

static int select_mechanisms(struct wake_run *w)
{
	w->mechs = mech_all(&w->nmech);
	for (int i = 0; i < w->nmech; i++) {
		if (!(w->opts->mechanisms & (1u << i)))
			continue;
		if (w->opts->setter == SETTER_SIGNAL && !w->mechs[i]->signal_safe)
			continue; /* main.c refused it if named; "all" skips it */
		w->sel[w->nsel++] = i;
	}
	return w->nsel > 0 ? 0 : -EINVAL;
}

/* One block per mechanism: latencies, then CPU and wall set costs. */
static int samples_alloc(struct wake_samples *smp, const char *name,
			 int rounds, int waiters)
{
	size_t nlat = (size_t)rounds * (size_t)waiters;
	int64_t *block = calloc(nlat + 2 * (size_t)rounds, sizeof(int64_t));

	if (!block)
		return -ENOMEM;
	smp->mechanism = name;
	smp->rounds = rounds;
	smp->waiters = waiters;
	smp->lat = block;
	smp->set_cpu = block + nlat;
	smp->set_wall = block + nlat + rounds;
	return 0;
}

static int set_up_mechanisms(struct wake_run *w)
{
	w->ctl = shared_alloc(sizeof(*w->ctl));
	if (!w->ctl)
		return -errno;
	w->ctl->waiters = (uint32_t)w->opts->waiters;
	w->env.waiters = w->opts->waiters;
	w->env.rounds = w->opts->rounds;
	w->env.pids = w->ctl->pids;
	for (int j = 0; j < w->nsel; j++) {
		const struct mech *m = w->mechs[w->sel[j]];
		int err = m->prepare(&w->env, &w->states[w->sel[j]]);

		if (err < 0) {
			fprintf(stderr, "stopflag-bench: wake: %s: %s\n",
				m->name, strerror(-err));
			return err;
		}
		if (samples_alloc(&w->smp[j], m->name, w->opts->rounds,
				  w->opts->waiters) < 0)
			return -ENOMEM;
	}
	return w->opts->setter == SETTER_SIGNAL ? install_setter_handler() : 0;
}

static void teardown(struct wake_run *w)
{
	for (int j = 0; j < w->nsel; j++) {
		int mi = w->sel[j];

		if (w->states[mi])
			w->mechs[mi]->teardown(w->states[mi]);
		free(w->smp[j].lat); /* the whole block */
	}
	sleepwatch_close(w->watch);
	shared_free(w->ctl, sizeof(*w->ctl));
}

/* ---------------------------------------------------------------- results */

/* The p50 of a copy of v[0..n). */
static int64_t median_of(const int64_t *v, size_t n)
{
	int64_t *copy = malloc(n * sizeof(int64_t)), p;

	if (!copy)
		return -1;
	memcpy(copy, v, n * sizeof(int64_t));
	p = percentile(copy, n, 50);
	free(copy);
	return p;
}

/* The latest waiter of every round. */
static int64_t *last_waiters(const struct wake_samples *smp)
{
	int64_t *last = malloc((size_t)smp->rounds * sizeof(int64_t));
	const int64_t *lat = smp->lat;

	for (int r = 0; last && r < smp->rounds; r++) {
		last[r] = lat[0];
		for (int i = 1; i < smp->waiters; i++)
			if (lat[i] > last[r])
				last[r] = lat[i];
		lat += smp->waiters;
	}
	return last;
}

static void summarize(const struct wake_samples *smp, struct wake_row *row)
{
	size_t nlat = (size_t)smp->rounds * (size_t)smp->waiters;
	int64_t *all = malloc(nlat * sizeof(int64_t));
	int64_t *last = last_waiters(smp);

	row->mechanism = smp->mechanism;
	if (all && last) {
		memcpy(all, smp->lat, nlat * sizeof(int64_t));
		sort_i64(all, nlat);
		row->p50_us = (double)percentile_sorted(all, nlat, 50) / 1e3;
		row->p90_us = (double)percentile_sorted(all, nlat, 90) / 1e3;
		row->p99_us = (double)percentile_sorted(all, nlat, 99) / 1e3;
		row->max_us = (double)all[nlat - 1] / 1e3;
		row->last_p50_us =
			(double)percentile(last, (size_t)smp->rounds, 50) / 1e3;
	}
	row->set_ns_p50 = median_of(smp->set_cpu, (size_t)smp->rounds);
	row->set_wall_ns_p50 = median_of(smp->set_wall, (size_t)smp->rounds);
	free(all);
	free(last);
}

static void header(FILE *f, const struct wake_run *w)
{
	fprintf(f, "stopflag-bench wake: %d waiter%s, %d round%s, setter %s; "
		"mechanisms interleaved round by round (each round runs every "
		"mechanism once, in rotating order)\n",
		w->opts->waiters, w->opts->waiters == 1 ? "" : "s",
		w->opts->rounds, w->opts->rounds == 1 ? "" : "s",
		w->opts->setter == SETTER_SIGNAL ?
		"signal (set inside a SIGUSR2 handler, timed from kill())" :
		"direct");
	fprintf(f, "set cost: the setter's CPU time in the set (wall time "
		"beside it), less %lld ns CPU / %lld ns wall for reading the "
		"clocks\n", (long long)clock_cpu_ns, (long long)clock_wall_ns);
	if (w->opts->setter == SETTER_SIGNAL &&
	    (w->opts->mechanisms & (1u << mech_index("condvar"))))
		fprintf(f, "condvar skipped: pthread_cond_broadcast() is not "
			"async-signal-safe, so it cannot be set from a handler\n");
}

static int write_raw(const struct wake_run *w)
{
	const char *names[32];
	char *derived = NULL;
	const char *csv = w->opts->csv;
	int err;

	if (!csv && w->opts->plot) {
		/* the plot's data lives beside it: FILE.svg -> FILE.csv */
		const char *dot = strrchr(w->opts->plot, '.');
		size_t stem = dot ? (size_t)(dot - w->opts->plot) :
				    strlen(w->opts->plot);

		derived = malloc(stem + sizeof(".csv"));
		if (!derived)
			return -ENOMEM;
		memcpy(derived, w->opts->plot, stem);
		memcpy(derived + stem, ".csv", sizeof(".csv"));
		csv = derived;
	}
	for (int j = 0; j < w->nsel; j++)
		names[j] = w->smp[j].mechanism;
	err = out_wake_csv(csv, w->smp, w->nsel);
	if (err < 0)
		fprintf(stderr, "stopflag-bench: %s: %s\n", csv, strerror(-err));
	else if (w->opts->plot) {
		char title[128];

		snprintf(title, sizeof(title),
			 "wake latency, %d waiter%s, %d round%s",
			 w->opts->waiters, w->opts->waiters == 1 ? "" : "s",
			 w->opts->rounds, w->opts->rounds == 1 ? "" : "s");
		if (plot_cdf(csv, w->opts->plot, title, names, w->nsel) < 0)
			fprintf(stderr, "stopflag-bench: no plot drawn; the "
				"raw samples are in %s\n", csv);
	}
	free(derived);
	return err;
}

static int report(const struct wake_run *w)
{
	struct wake_row rows[32];
	FILE *human = w->opts->json ? stderr : stdout;

	memset(rows, 0, sizeof(rows));
	for (int j = 0; j < w->nsel; j++)
		summarize(&w->smp[j], &rows[j]);
	/* With --json, stdout holds the JSON object alone; people still get
	 * the table on stderr. */
	out_wake_table(human, rows, w->nsel);
	nowait_report(human);
	if (w->opts->json)
		out_wake_json(stdout, w->opts->waiters, w->opts->rounds,
			      rows, w->nsel);
	fflush(NULL);
	if (w->opts->csv || w->opts->plot)
		return write_raw(w);
	return 0;
}

int wake_run(const struct wake_opts *opts)
{
	struct wake_run w = { .opts = opts };
	int err;

	if (select_mechanisms(&w) < 0)
		return -EINVAL;
	err = set_up_mechanisms(&w);
	if (err == 0)
		err = fork_waiters(&w);
	if (err == 0) {
		w.watch = sleepwatch_open(w.ctl->pids, opts->waiters);
		if (!w.watch)
			err = -errno;
	}
	if (err == 0) {
		calibrate_clocks();
		header(opts->json ? stderr : stdout, &w);
		err = run_rounds(&w);
	}
	progress_done();
	if (w.ctl) /* they hold nothing that needs a goodbye */
		kill_and_reap(w.ctl->pids, opts->waiters);
	if (err == 0)
		err = report(&w);
	else if (err != -EIO)
		fprintf(stderr, "stopflag-bench: wake: %s\n", strerror(-err));
	teardown(&w);
	return err;
}
