/*
 * scenario.c - the generator: from (seed, scenario number) a random group
 * and the faults to fire at it, the same every time.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "stress.h"

/* Every action and fault is placed in 0..ST_SPAN_MS after t0; the
 * terminator comes after the last of them. */
#define ST_SPAN_MS 300
#define ST_TERMINATOR_GAP_MS 100
/* Sometimes it comes only after grace + 1 s would have run out: a stop the
 * master missed must then show as a late stop, not be rescued. */
#define ST_TERMINATOR_LATE_MS 1500
/* The share of ordered pairs whose first task takes ST_READY_LONG_MS to
 * be ready (the others take a few ms): the terminator waits for it. */
#define ST_ORDER_LONG_PERCENT 15
/* When a task that says it is ready after ready_ms has said so, at the
 * latest on a quiet machine (the master forks it first). */
#define ST_READY_LAG_MS 20

static const int graces[] = { 0, 20, 100, 250 };
/* A grace that tells a shell task that never wakes from a slow one: longer
 * than it may take to wake on a loaded machine (st_wake_ns()). */
#define ST_SHELL_GRACE_MS 1000
static const int exec_stop_signals[] = { SIGINT, SIGHUP, SIGUSR1 };
static const int master_signals[] = { SIGINT, SIGTERM, SIGQUIT, SIGHUP };

#define PICK(r, a) ((a)[st_rng_range((r), 0, (int)(sizeof(a) / sizeof((a)[0])) - 1)])

static const int shell_sleeps[] = { 100, 1000, 30000 };

static void gen_action(struct st_rng *r, struct st_task_plan *t)
{
	int roll = st_rng_range(r, 0, 99);

	t->action_ms = st_rng_range(r, 5, ST_SPAN_MS);
	if (t->kind == ST_EXEC_SH) { /* stopflag stop-all takes 0..255 */
		t->action = ST_ACT_REQUEST;
		t->action_code = st_rng_range(r, 0, 255);
	} else if (roll < 45) {
		t->action = ST_ACT_EXIT;
		t->action_code = st_rng_chance(r, 50) ? st_rng_range(r, 0, 3) :
							 st_rng_range(r, 0, 255);
	} else if (roll < 55) {
		t->action = ST_ACT_ABORT;
	} else if (t->kind != ST_FN) {
		t->action = ST_ACT_EXIT;
		t->action_code = st_rng_range(r, 0, 255);
	} else if (roll < 85) {
		t->action = ST_ACT_REQUEST;
		t->action_code = st_rng_chance(r, 20) ? st_rng_range(r, 256, 100000) :
							 st_rng_range(r, 0, 255);
	} else {
		t->action = ST_ACT_SCRIBBLE;
		t->scribble = st_rng_range(r, ST_SCRIB_WORD, ST_SCRIB_ZERO_LOOP);
	}
}

/* A shell task ignores its stop signal (sleeper.c); it has no
 * grandchildren of the plan (its script forks its own commands). */
static void gen_shell(struct st_task_plan *t, int sleep_ms)
{
	t->kind = ST_EXEC_SH;
	t->sleep_ms = sleep_ms;
	t->stubborn = t->exec_catch = 0;
	t->grandchildren = t->setsid_child = 0;
}

static void gen_task(struct st_rng *r, struct st_task_plan *t,
		     const struct st_options *opt)
{
	memset(t, 0, sizeof(*t));
	t->kind = st_rng_chance(r, 60) ? ST_FN : ST_EXEC;
	t->restart = st_rng_range(r, SF_TEMPORARY, SF_PERMANENT);
	t->stop_signal = st_rng_chance(r, 75) ? SIGTERM : PICK(r, exec_stop_signals);
	if (t->kind == ST_FN && st_rng_chance(r, 20))
		t->stop_signal = PICK(r, exec_stop_signals);
	t->stubborn = st_rng_chance(r, 15);
	t->exec_catch = t->kind == ST_EXEC && !t->stubborn && st_rng_chance(r, 40);
	t->grandchildren = st_rng_chance(r, 20) ? st_rng_range(r, 1, 2) : 0;
	t->setsid_child = st_rng_chance(r, 10);
	/* Drawn whatever the options, like the daemon's share below. */
	if (t->kind == ST_EXEC && st_rng_chance(r, 35)) {
		int sleep_ms = PICK(r, shell_sleeps);

		if (opt->shell)
			gen_shell(t, sleep_ms);
	}
	if (st_rng_chance(r, 45))
		gen_action(r, t);
}

/* A task of one of the kinds (a bit mask of 1 << kind), or -1. */
static int pick_task(struct st_rng *r, const struct st_scenario *sc,
		     unsigned kinds)
{
	int start = st_rng_range(r, 0, sc->ntasks - 1);

	for (int i = 0; i < sc->ntasks; i++) {
		int k = (start + i) % sc->ntasks;

		if (kinds & 1u << sc->task[k].kind)
			return k;
	}
	return -1;
}

static int pick_fn_task(struct st_rng *r, const struct st_scenario *sc)
{
	return pick_task(r, sc, 1u << ST_FN);
}

/* A stop request (sf_task_stop_all(), or a shell task's stopflag
 * stop-all) and a signal to the master at the same moment. */
static void gen_race(struct st_rng *r, struct st_scenario *sc,
		     struct st_fault_plan *f)
{
	int k = pick_task(r, sc, 1u << ST_FN | 1u << ST_EXEC_SH);

	if (k < 0) {
		f->kind = ST_F_SIGNAL_MASTER;
		f->signo = PICK(r, master_signals);
		return;
	}
	sc->task[k].action = ST_ACT_REQUEST;
	sc->task[k].action_ms = f->at_ms;
	sc->task[k].action_code = st_rng_range(r, 0, 255);
	sc->task[k].stubborn = 0;
	f->kind = st_rng_chance(r, 50) ? ST_F_STORM_MASTER : ST_F_SIGNAL_MASTER;
	f->signo = f->kind == ST_F_STORM_MASTER ? SIGTERM : PICK(r, master_signals);
	f->count = st_rng_range(r, 200, 2000);
}

static void gen_fault(struct st_rng *r, struct st_scenario *sc,
		      struct st_fault_plan *f)
{
	int roll = st_rng_range(r, 0, 99);

	memset(f, 0, sizeof(*f));
	/* Some right at the start, while the master forks its tasks. */
	f->at_ms = st_rng_chance(r, 15) ? st_rng_range(r, 0, 3) :
					  st_rng_range(r, 0, ST_SPAN_MS);
	f->target = st_rng_range(r, 0, sc->ntasks - 1);
	f->signo = SIGTERM;
	if (roll < 25) {
		f->kind = ST_F_KILL_TASK;
	} else if (roll < 33) {
		int whom = sc->keeper ? st_rng_range(r, 0, 2) : 0;

		f->kind = whom == 0 ? ST_F_KILL_MASTER :
			  whom == 1 ? ST_F_KILL_INNER : ST_F_KILL_BOTH;
	} else if (roll < 48) {
		f->kind = ST_F_STORM_MASTER;
		f->count = st_rng_range(r, 1000, 5000);
	} else if (roll < 56) {
		f->kind = ST_F_SIGNAL_MASTER;
		f->signo = PICK(r, master_signals);
	} else if (roll < 68) {
		f->kind = ST_F_TERM_TASK;
		f->count = st_rng_chance(r, 50) ? 1 : st_rng_range(r, 100, 2000);
	} else if (roll < 85) {
		f->kind = ST_F_STOP_TASK;
		f->cont_ms = st_rng_chance(r, 15) ? -1 : st_rng_range(r, 5, 300);
	} else {
		gen_race(r, sc, f);
	}
}

/* Under RLIMIT_NPROC: either too few processes for the tasks to start, or
 * enough for them and a function task that forks a bomb into the rest. */
static void gen_nproc(struct st_rng *r, struct st_scenario *sc)
{
	int k = pick_fn_task(r, sc), need = 1 + sc->keeper + sc->ntasks;

	for (int i = 0; i < sc->ntasks; i++)
		need += sc->task[i].grandchildren + sc->task[i].setsid_child;
	/* A shell's commands are processes too: no shell tasks here.  A
	 * plain exec task's way to end with the code is to exit with it. */
	for (int i = 0; i < sc->ntasks; i++) {
		struct st_task_plan *t = &sc->task[i];

		if (t->kind != ST_EXEC_SH)
			continue;
		t->kind = ST_EXEC;
		if (t->action == ST_ACT_REQUEST)
			t->action = ST_ACT_EXIT;
	}
	if (k < 0 || st_rng_chance(r, 40)) {
		/* The master itself (and its keeper) plus fewer tasks than
		 * the group has. */
		sc->nproc_limit = 1 + sc->keeper +
				  st_rng_range(r, 0, sc->ntasks - 1);
		return;
	}
	sc->nproc_limit = need + st_rng_range(r, 2, 8);
	sc->task[k].action = ST_ACT_BOMB;
	sc->task[k].action_ms = st_rng_range(r, 5, ST_SPAN_MS);
	sc->task[k].stubborn = 0;
}

/* An ordered pair, or more (sf_group_set_after()): the first function task, A, in
 * ready mode notify that says it is ready after a delay (now and then a
 * long one), and later tasks of ours after it.  A is permanent: one that
 * ended before it was ready, never to return, would be a start failure of
 * those after it (status 69), an outcome beyond the oracle's.  Those
 * after A (tasks that record their start: function, exec and shell
 * tasks) come later in the group: under rest-for-one they are then the
 * ones restarted with it anyway.  Not under RLIMIT_NPROC, whose failing
 * fork the oracle times by the first round of starts. */
#define ST_READY_LONG_MS 300

static void gen_order(struct st_rng *r, struct st_scenario *sc)
{
	int a = 0, first = 1;
	int ready_ms = st_rng_chance(r, ST_ORDER_LONG_PERCENT) ?
		       ST_READY_LONG_MS : st_rng_range(r, 2, 20);

	while (a < sc->ntasks && sc->task[a].kind != ST_FN)
		a++;
	if (a >= sc->ntasks || sc->nproc_limit)
		return;
	for (int i = a + 1; i < sc->ntasks; i++) {
		struct st_task_plan *t = &sc->task[i];

		if ((t->kind != ST_FN && t->kind != ST_EXEC &&
		     t->kind != ST_EXEC_SH) ||
		    (!first && !st_rng_chance(r, 85)))
			continue;
		t->after = a + 1;
		first = 0;
	}
	if (first)
		return;
	sc->task[a].ready_ms = ready_ms;
	sc->task[a].restart = SF_PERMANENT;
}

/* A task that keeps erasing the page gets a signal to the master while it
 * does: the master must not lose that stop. */
static void signal_during_zero_loop(struct st_rng *r, struct st_scenario *sc)
{
	for (int i = 0; i < sc->ntasks && sc->nfaults < ST_MAX_FAULTS - 1; i++) {
		const struct st_task_plan *t = &sc->task[i];
		struct st_fault_plan *f;

		if (t->action != ST_ACT_SCRIBBLE || t->scribble != ST_SCRIB_ZERO_LOOP)
			continue;
		f = &sc->fault[sc->nfaults++];
		memset(f, 0, sizeof(*f));
		f->kind = st_rng_chance(r, 50) ? ST_F_STORM_MASTER : ST_F_SIGNAL_MASTER;
		f->signo = f->kind == ST_F_STORM_MASTER ? SIGTERM : PICK(r, master_signals);
		f->count = st_rng_range(r, 1, 500);
		f->at_ms = t->action_ms + st_rng_range(r, 5, 150);
		/* A stop it erased must show as a late one. */
		sc->late_end = 1;
	}
}

static int last_moment(const struct st_scenario *sc)
{
	int last = 0;

	for (int i = 0; i < sc->ntasks; i++) {
		if (sc->task[i].action != ST_ACT_NONE && sc->task[i].action_ms > last)
			last = sc->task[i].action_ms;
		if (sc->task[i].ready_ms &&
		    sc->task[i].ready_ms + ST_READY_LAG_MS > last)
			last = sc->task[i].ready_ms + ST_READY_LAG_MS;
	}
	for (int i = 0; i < sc->nfaults; i++) {
		const struct st_fault_plan *f = &sc->fault[i];
		int end = f->at_ms + (f->kind == ST_F_STOP_TASK && f->cont_ms > 0 ?
				      f->cont_ms : 0);

		if (end > last)
			last = end;
	}
	return last;
}

/* A task stopped for good cannot take a stop signal from PDEATHSIG: only
 * SIGKILL ends it, and a killed master sends none. */
static void no_lasting_stop_with_master_kill(struct st_scenario *sc)
{
	int master_kill = 0;

	for (int i = 0; i < sc->nfaults; i++)
		master_kill |= sc->fault[i].kind == ST_F_KILL_MASTER ||
			       sc->fault[i].kind == ST_F_KILL_BOTH;
	for (int i = 0; master_kill && i < sc->nfaults; i++)
		if (sc->fault[i].kind == ST_F_STOP_TASK && sc->fault[i].cont_ms < 0)
			sc->fault[i].cont_ms = 50;
}

void st_scenario_generate(struct st_scenario *sc, uint64_t seed,
			  unsigned index, const struct st_options *opt)
{
	struct st_rng r;
	struct st_fault_plan *term;
	int daemon, nproc, long_grace;

	memset(sc, 0, sizeof(*sc));
	st_rng_seed(&r, seed, index);
	sc->seed = seed;
	sc->index = index;
	/* Drawn whatever the options, so that a seed plans the same
	 * scenarios where stopflagd or RLIMIT_NPROC cannot be used. */
	daemon = st_rng_range(&r, 0, 99);
	sc->daemon = daemon < opt->daemon;
	sc->keeper = sc->daemon || st_rng_chance(&r, 30);
	sc->strategy = st_rng_chance(&r, 50) ? SF_STOP_ALL :
		       st_rng_range(&r, SF_ONE_FOR_ONE, SF_REST_FOR_ONE);
	sc->grace_ms = PICK(&r, graces);
	sc->max_restarts = st_rng_range(&r, 0, 3);
	sc->period_ms = 60000;
	sc->pre_ignore = st_rng_chance(&r, 50);
	sc->ntasks = st_rng_range(&r, 1, ST_MAX_TASKS);
	for (int i = 0; i < sc->ntasks; i++)
		gen_task(&r, &sc->task[i], opt);
	if (st_rng_chance(&r, 6)) {
		int k = st_rng_range(&r, 0, sc->ntasks - 1);

		memset(&sc->task[k], 0, sizeof(sc->task[k]));
		sc->task[k].kind = st_rng_chance(&r, 70) ? ST_EXEC_MISSING :
							   ST_EXEC_NOEXEC;
		sc->task[k].stop_signal = SIGTERM;
	}
	sc->nfaults = st_rng_range(&r, 0, 4);
	for (int i = 0; i < sc->nfaults; i++)
		gen_fault(&r, sc, &sc->fault[i]);
	nproc = st_rng_chance(&r, 8);
	if (opt->nproc_ok && nproc)
		gen_nproc(&r, sc);
	gen_order(&r, sc);
	signal_during_zero_loop(&r, sc);
	no_lasting_stop_with_master_kill(sc);
	term = &sc->fault[sc->nfaults++];
	memset(term, 0, sizeof(*term));
	term->kind = ST_F_TERMINATOR;
	term->signo = SIGTERM;
	sc->late_end |= st_rng_chance(&r, 25);
	long_grace = st_rng_chance(&r, 30);
	for (int i = 0; long_grace && i < sc->ntasks; i++)
		if (sc->task[i].kind == ST_EXEC_SH)
			sc->grace_ms = ST_SHELL_GRACE_MS;
	term->at_ms = last_moment(sc) + (sc->late_end ?
					 ST_TERMINATOR_LATE_MS + sc->grace_ms :
					 ST_TERMINATOR_GAP_MS);
}

static const char *strategy_name(int s)
{
	static const char *const names[] = { "stop-all", "one-for-one",
					     "one-for-all", "rest-for-one" };

	return s >= 0 && s < 4 ? names[s] : "?";
}

static const char *restart_name(int r)
{
	static const char *const names[] = { "temporary", "transient",
					     "permanent" };

	return r >= 0 && r < 3 ? names[r] : "?";
}

static const char *kind_name(int k)
{
	static const char *const names[] = { "fn", "exec", "exec-missing",
					     "exec-noexec", "shell" };

	return k >= 0 && k < 5 ? names[k] : "?";
}

const char *st_action_name(int action)
{
	static const char *const names[] = { "none", "exit", "abort",
					     "request", "scribble", "bomb" };

	return action >= 0 && action < 6 ? names[action] : "?";
}

const char *st_fault_name(int kind)
{
	static const char *const names[] = {
		"kill-task", "kill-master", "storm-master", "signal-master",
		"term-task", "stop-task", "terminator", "kill-inner-master",
		"kill-keeper-and-master",
	};

	return kind >= 0 && kind <= ST_F_KILL_BOTH ? names[kind] : "?";
}

static void describe_task(int i, const struct st_task_plan *t,
			  const char *prefix)
{
	printf("%stask t%d: %s restart=%s", prefix, i, kind_name(t->kind),
	       restart_name(t->restart));
	if (t->kind == ST_EXEC || t->stop_signal != SIGTERM)
		printf(" stop-signal=%s%s", strsignal(t->stop_signal),
		       t->exec_catch ? " (caught, exit 0)" : "");
	if (t->kind == ST_EXEC_SH)
		printf(" sleep=%dms (signals ignored)", t->sleep_ms);
	if (t->stubborn)
		printf(" stubborn");
	if (t->grandchildren)
		printf(" grandchildren=%d", t->grandchildren);
	if (t->setsid_child)
		printf(" setsid-grandchild");
	if (t->ready_ms)
		printf(" ready=notify(%dms)", t->ready_ms);
	if (t->after)
		printf(" after=t%d", t->after - 1);
	if (t->action != ST_ACT_NONE)
		printf(" %s(%d%s)@%dms", st_action_name(t->action),
		       t->action == ST_ACT_SCRIBBLE ? t->scribble : t->action_code,
		       t->action == ST_ACT_SCRIBBLE ? " kind" : "", t->action_ms);
	printf("\n");
}

static void describe_fault(int i, const struct st_fault_plan *f,
			   const char *prefix)
{
	printf("%sfault %d: %s", prefix, i, st_fault_name(f->kind));
	if (f->kind == ST_F_KILL_TASK || f->kind == ST_F_TERM_TASK ||
	    f->kind == ST_F_STOP_TASK)
		printf(" t%d", f->target);
	if (f->kind == ST_F_SIGNAL_MASTER)
		printf(" %s", strsignal(f->signo));
	if (f->count)
		printf(" x%d", f->count);
	if (f->kind == ST_F_STOP_TASK)
		printf(" cont=%dms", f->cont_ms);
	printf(" @%dms\n", f->at_ms);
}

void st_scenario_describe(const struct st_scenario *sc, const char *prefix)
{
	printf("%s%s%sstrategy=%s grace=%dms intensity=%d/%dms nproc=%d "
	       "pre-ignore=%d\n", prefix, sc->daemon ? "stopflagd: " : "",
	       sc->keeper ? "keeper: " : "",
	       strategy_name(sc->strategy), sc->grace_ms, sc->max_restarts,
	       sc->period_ms, sc->nproc_limit, sc->pre_ignore);
	for (int i = 0; i < sc->ntasks; i++)
		describe_task(i, &sc->task[i], prefix);
	for (int i = 0; i < sc->nfaults; i++)
		describe_fault(i, &sc->fault[i], prefix);
}
