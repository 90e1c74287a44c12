/*
 * inject.c - the driver fires the scenario's faults on its timeline.
 *
 * Each fault is due at t0 + at_ms.  One aimed at the master waits until
 * the master is ready (a task has started, so its handlers are in place:
 * before that a SIGTERM would kill a master that has not yet called
 * sf_group_run(), which proves nothing); one aimed at a task waits until
 * that task has started.  Neither waits more than ST_DEFER_MS.  The moment
 * each fault really took effect is recorded, and it is what the oracle
 * orders faults by.  A SIGSTOP brings its SIGCONT along later.
 *
 * Between faults the driver sleeps in poll() on the master's pidfd, so a
 * master that ends early ends the injection at once.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include "stress.h"
#include "testutil.h"

#define ST_DEFER_MS 100
#define ST_TERMINATOR_DEFER_MS 5000
#define ST_MAX_ITEMS (2 * ST_MAX_FAULTS)

struct item {
	int64_t at;       /* due */
	int64_t give_up;  /* deferred no later than this */
	int fault;        /* index in the plan */
	int cont;         /* the SIGCONT that follows a SIGSTOP */
	pid_t pid;        /* for cont: the stopped process */
	uint64_t start;
	int done;
};

struct timeline {
	struct st_shared *sh;
	pid_t master;
	int master_fd;
	int master_killed;
	int n;
	struct item item[ST_MAX_ITEMS];
};

static int master_ready(const struct st_shared *sh)
{
	for (int i = 0; i < sh->sc.ntasks; i++)
		if (ST_LOAD(&sh->task[i].incarnations) > 0)
			return 1;
	return 0;
}

/* The target task's current incarnation: 0, or ST_SKIP_*. */
static int resolve_task(const struct st_shared *sh, int idx, pid_t *pid,
			uint64_t *start)
{
	uint64_t id = ST_LOAD(&sh->task[idx].ident);
	struct st_proc p;

	if (id == 0)
		return ST_SKIP_NOT_STARTED;
	*pid = ST_IDENT_PID(id);
	*start = id & ((UINT64_C(1) << 42) - 1);
	if (st_proc_read(*pid, &p) < 0 || p.starttime != *start || p.state == 'Z')
		return ST_SKIP_ENDED;
	return 0;
}

static void fire_master(struct timeline *tl, const struct st_fault_plan *f,
			struct st_fault_rec *r)
{
	int count = f->kind == ST_F_STORM_MASTER ? f->count : 1;
	int sig = f->kind == ST_F_KILL_MASTER ? SIGKILL : f->signo;

	r->pid = tl->master;
	ST_STORE(&r->ns, tu_now_ns());
	while (r->sent < count && kill(tl->master, sig) == 0)
		r->sent++;
	ST_STORE(&r->fired, r->sent > 0);
	if (sig == SIGKILL && r->fired)
		tl->master_killed = 1;
}

/* The keeper's master: the keeper's one living child, pinned by a pidfd
 * (-1: none yet, or gone). */
static int inner_master(pid_t keeper, pid_t *pid)
{
	static struct st_proc procs[ST_MAX_PROCS];
	int n = st_descendants(keeper, procs, ST_MAX_PROCS);

	for (int i = 0; i < n; i++)
		if (procs[i].ppid == keeper && procs[i].state != 'Z') {
			*pid = procs[i].pid;
			return st_pidfd_exact(procs[i].pid, procs[i].starttime);
		}
	return -1;
}

/* SIGKILL to the keeper's master, and to the keeper too for
 * ST_F_KILL_BOTH; deferred (returns 0) until the master exists. */
static int fire_inner(struct timeline *tl, struct item *it,
		      const struct st_fault_plan *f, struct st_fault_rec *r)
{
	int fd = master_ready(tl->sh) ? inner_master(tl->master, &r->pid) : -1;

	if (fd < 0) {
		if (tu_now_ns() < it->give_up) {
			it->at = tu_now_ns() + 1000000;
			return 0;
		}
		r->skipped = ST_SKIP_NOT_READY;
		return 1;
	}
	ST_STORE(&r->ns, tu_now_ns());
	r->sent = st_pidfd_signal(fd, SIGKILL) == 0;
	if (f->kind == ST_F_KILL_BOTH && kill(tl->master, SIGKILL) == 0) {
		r->sent++;
		tl->master_killed = 1;
	}
	close(fd);
	ST_STORE(&r->fired, r->sent > 0);
	return 1;
}

static void add_cont(struct timeline *tl, int fault, pid_t pid,
		     uint64_t start, int64_t at)
{
	struct item *it;

	if (tl->n >= ST_MAX_ITEMS)
		return;
	it = &tl->item[tl->n++];
	*it = (struct item){ .at = at, .give_up = at, .fault = fault,
			     .cont = 1, .pid = pid, .start = start };
}

/* A SIGSTOP takes effect only once its target runs: until then a
 * SIGTERM sent after it is taken first (the lower number is dequeued
 * first) and kills at once.  So the next fault waits until the task is
 * seen stopped, or ended: the trace's stop is then one that holds.  The
 * wait has a bound (a task in uninterruptible sleep stops late). */
static void wait_stopped(pid_t pid, uint64_t start)
{
	int64_t give_up = tu_now_ns() + (int64_t)tu_bound_ms(1000) * 1000000;
	struct st_proc p;

	while (st_proc_read(pid, &p) == 0 && p.starttime == start &&
	       p.state != 'T' && p.state != 't' && p.state != 'Z' &&
	       tu_now_ns() < give_up)
		tu_sleep_us(50);
}

static void fire_task(struct timeline *tl, int fault,
		      const struct st_fault_plan *f, struct st_fault_rec *r,
		      pid_t pid, uint64_t start)
{
	int sig = f->kind == ST_F_KILL_TASK ? SIGKILL :
		  f->kind == ST_F_STOP_TASK ? SIGSTOP : SIGTERM;
	int count = f->kind == ST_F_TERM_TASK ? f->count : 1;
	int fd = st_pidfd_exact(pid, start);

	if (fd < 0) {
		r->skipped = ST_SKIP_ENDED;
		return;
	}
	r->pid = pid;
	ST_STORE(&r->ns, tu_now_ns());
	while (r->sent < count && st_pidfd_signal(fd, sig) == 0)
		r->sent++;
	close(fd);
	ST_STORE(&r->fired, r->sent > 0);
	if (r->fired && f->kind == ST_F_STOP_TASK)
		wait_stopped(pid, start);
	if (r->fired && f->kind == ST_F_STOP_TASK && f->cont_ms >= 0)
		add_cont(tl, fault, pid, start, r->ns + (int64_t)f->cont_ms * 1000000);
}

/* Fire it, or defer it (returns 0) while its target is not ready yet. */
static int fire(struct timeline *tl, struct item *it)
{
	const struct st_fault_plan *f = &tl->sh->sc.fault[it->fault];
	struct st_fault_rec *r = &tl->sh->fault[it->fault];
	int64_t now = tu_now_ns();
	uint64_t start = 0;
	pid_t pid = 0;
	int skip;

	if (it->cont) {
		int64_t at = tu_now_ns();

		if (st_signal_exact(it->pid, it->start, SIGCONT) == 0)
			ST_STORE(&r->cont_ns, at);
		return 1;
	}
	if (f->kind == ST_F_KILL_MASTER) {
		fire_master(tl, f, r);
		return 1;
	}
	if (f->kind == ST_F_KILL_INNER || f->kind == ST_F_KILL_BOTH)
		return fire_inner(tl, it, f, r);
	if (f->kind == ST_F_STORM_MASTER || f->kind == ST_F_SIGNAL_MASTER ||
	    f->kind == ST_F_TERMINATOR)
		skip = master_ready(tl->sh) ? 0 : ST_SKIP_NOT_READY;
	else
		skip = resolve_task(tl->sh, f->target, &pid, &start);
	if (skip == ST_SKIP_NOT_READY || skip == ST_SKIP_NOT_STARTED) {
		if (now < it->give_up) {
			it->at = now + 1000000;
			return 0;
		}
	}
	if (skip) {
		r->skipped = skip;
		return 1;
	}
	if (f->kind == ST_F_STORM_MASTER || f->kind == ST_F_SIGNAL_MASTER ||
	    f->kind == ST_F_TERMINATOR)
		fire_master(tl, f, r);
	else
		fire_task(tl, it->fault, f, r, pid, start);
	return 1;
}

static struct item *next_item(struct timeline *tl)
{
	struct item *best = NULL;

	for (int i = 0; i < tl->n; i++) {
		struct item *it = &tl->item[i];

		/* Once the master is killed only the SIGCONTs still matter: a
		 * task left stopped could not take its stop signal. */
		if (it->done || (tl->master_killed && !it->cont))
			continue;
		if (!best || it->at < best->at)
			best = it;
	}
	return best;
}

/* Sleep until `at`; 1 if the master exited first. */
static int master_exits_before(int master_fd, int64_t at)
{
	for (;;) {
		int64_t left = at - tu_now_ns();
		struct pollfd pfd = { .fd = master_fd, .events = POLLIN };
		int n;

		if (left <= 0)
			return 0;
		n = poll(&pfd, 1, (int)((left + 999999) / 1000000));
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return 0;
	}
}

int st_inject(struct st_shared *sh, pid_t master, int master_fd)
{
	static struct timeline tl;
	struct item *it;

	tl = (struct timeline){ .sh = sh, .master = master,
				.master_fd = master_fd };
	for (int i = 0; i < sh->sc.nfaults; i++) {
		int64_t at = sh->t0_ns + (int64_t)sh->sc.fault[i].at_ms * 1000000;

		/* The terminator waits for a slow start: without it the
		 * scenario would never end. */
		int defer = sh->sc.fault[i].kind == ST_F_TERMINATOR ?
			    ST_TERMINATOR_DEFER_MS : ST_DEFER_MS;

		tl.item[tl.n++] = (struct item){
			.at = at, .give_up = at + (int64_t)defer * 1000000,
			.fault = i };
	}
	while ((it = next_item(&tl)) != NULL) {
		if (!tl.master_killed && master_exits_before(master_fd, it->at))
			break;
		if (tl.master_killed)
			st_sleep_until_ns(it->at);
		it->done = fire(&tl, it);
	}
	return tl.master_killed;
}
