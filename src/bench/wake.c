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
 *           t0 = now; m->set(r); t1 = now          (set cost: t1 - t0)
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
#include <sys/wait.h>
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
	int64_t *lat[32];     /* [round * waiters + waiter], per selected */
	int64_t *set_ns[32];  /* [round] */
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
static volatile int64_t sig_set_done;

/* The set of --setter signal: the mechanism's own set, as a user's stop
 * handler would make it, then a timestamp (clock_gettime is
 * async-signal-safe). */
static void setter_handler(int signo)
{
	int saved_errno = errno;

	(void)signo;
	sig_mech->set(sig_state, sig_round);
	sig_set_done = now_ns();
	errno = saved_errno;
}

static int install_setter_handler(void)
{
	struct sigaction sa = { .sa_handler = setter_handler };

	sigemptyset(&sa.sa_mask);
	return sigaction(SETTER_SIGNAL_SIGNO, &sa, NULL) < 0 ? -errno : 0;
}

/* Time one set; returns t0 and stores the setter's cost in *cost. */
static int64_t timed_set(struct wake_run *w, int mi, int round, int64_t *cost)
{
	const struct mech *m = w->mechs[mi];
	int64_t t0, t1;

	if (w->opts->setter == SETTER_SIGNAL) {
		sig_mech = m;
		sig_state = w->states[mi];
		sig_round = round;
		t0 = now_ns();
		kill(getpid(), SETTER_SIGNAL_SIGNO);
		t1 = sig_set_done;
	} else {
		t0 = now_ns();
		m->set(w->states[mi], round);
		t1 = now_ns();
	}
	*cost = t1 - t0;
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
	int64_t t0, *lat = w->lat[si] + (size_t)round * (size_t)n;
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
	t0 = timed_set(w, mi, round, &w->set_ns[si][round]);
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

static int prepare(struct wake_run *w)
{
	size_t nlat = (size_t)w->opts->rounds * (size_t)w->opts->waiters;

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
		w->lat[j] = malloc(nlat * sizeof(int64_t));
		w->set_ns[j] = malloc((size_t)w->opts->rounds * sizeof(int64_t));
		if (!w->lat[j] || !w->set_ns[j])
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
		free(w->lat[j]);
		free(w->set_ns[j]);
	}
	sleepwatch_close(w->watch);
	shared_free(w->ctl, sizeof(*w->ctl));
}

/* ---------------------------------------------------------------- results */

static void summarize(const struct wake_run *w, int j, struct wake_row *row)
{
	int n = w->opts->waiters, rounds = w->opts->rounds;
	size_t nlat = (size_t)rounds * (size_t)n;
	int64_t *all = malloc(nlat * sizeof(int64_t));
	int64_t *last = malloc((size_t)rounds * sizeof(int64_t));
	int64_t *set = malloc((size_t)rounds * sizeof(int64_t));

	row->mechanism = w->mechs[w->sel[j]]->name;
	if (!all || !last || !set) {
		free(all), free(last), free(set);
		return;
	}
	memcpy(all, w->lat[j], nlat * sizeof(int64_t));
	memcpy(set, w->set_ns[j], (size_t)rounds * sizeof(int64_t));
	for (int r = 0; r < rounds; r++) {
		last[r] = all[(size_t)r * (size_t)n];
		for (int i = 1; i < n; i++)
			if (all[(size_t)r * (size_t)n + (size_t)i] > last[r])
				last[r] = all[(size_t)r * (size_t)n + (size_t)i];
	}
	sort_i64(all, nlat);
	row->p50_us = (double)percentile_sorted(all, nlat, 50) / 1e3;
	row->p90_us = (double)percentile_sorted(all, nlat, 90) / 1e3;
	row->p99_us = (double)percentile_sorted(all, nlat, 99) / 1e3;
	row->max_us = (double)all[nlat - 1] / 1e3;
	row->last_p50_us = (double)percentile(last, (size_t)rounds, 50) / 1e3;
	row->set_ns_p50 = percentile(set, (size_t)rounds, 50);
	free(all), free(last), free(set);
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
	if (w->opts->setter == SETTER_SIGNAL &&
	    (w->opts->mechanisms & (1u << mech_index("condvar"))))
		fprintf(f, "condvar skipped: pthread_cond_broadcast() is not "
			"async-signal-safe, so it cannot be set from a handler\n");
}

static int write_raw(const struct wake_run *w)
{
	struct wake_samples s[32];
	const char *names[32];
	char *derived = NULL;
	const char *csv = w->opts->csv;
	int err;

	for (int j = 0; j < w->nsel; j++) {
		s[j].mechanism = w->mechs[w->sel[j]]->name;
		s[j].rounds = w->opts->rounds;
		s[j].waiters = w->opts->waiters;
		s[j].lat = w->lat[j];
		s[j].set_ns = w->set_ns[j];
	}
	if (!csv && w->opts->plot) {
		/* the plot's data lives beside it: FILE.svg -> FILE.csv */
		const char *dot = strrchr(w->opts->plot, '.');
		size_t stem = dot ? (size_t)(dot - w->opts->plot) :
				    strlen(w->opts->plot);

		derived = malloc(stem + 5);
		if (!derived)
			return -ENOMEM;
		memcpy(derived, w->opts->plot, stem);
		strcpy(derived + stem, ".csv");
		csv = derived;
	}
	for (int j = 0; j < w->nsel; j++)
		names[j] = s[j].mechanism;
	err = out_wake_csv(csv, s, w->nsel);
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
		summarize(w, j, &rows[j]);
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
	err = prepare(&w);
	if (err == 0)
		err = fork_waiters(&w);
	if (err == 0) {
		w.watch = sleepwatch_open(w.ctl->pids, opts->waiters);
		if (!w.watch)
			err = -errno;
	}
	if (err == 0) {
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
