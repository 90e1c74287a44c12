/*
 * tasks.c - the function task of the campaign.
 *
 * Every task records its incarnation and forks the grandchildren of its
 * plan; one in ready mode notify then records, and says, that it is ready
 * ready_ms later.  Its first incarnation then does its action at t0 + action_ms
 * (exit, abort, stop request, scribble over the page, fork bomb), unless a
 * stop comes first.  After that a cooperative task waits for the stop and
 * returns 0; a stubborn one ignores SIGTERM and the flag and waits for
 * SIGKILL.  Later incarnations (restarts) only wait.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "stress.h"
#include "testutil.h"

/* Set by the master before sf_group_run(); tasks inherit it. */
struct st_shared *st_shared_rec;

/* Garbage for a scribble, the same for a given scenario and task. */
static void garbage(struct st_rng *r, void *buf, size_t len)
{
	unsigned char *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)st_rng_next(r);
}

static void scribble(sf_flag *flag, int kind, struct st_rng *r,
		     struct st_task_rec *rec)
{
	volatile struct sf_flag *page = flag;
	uint64_t cause;
	int32_t word;

	switch (kind) {
	case ST_SCRIB_WORD:
		garbage(r, &word, sizeof(word));
		ST_STORE(&rec->scribbled_word, word);
		page->word = word;
		break;
	case ST_SCRIB_CAUSE:
		do
			garbage(r, &cause, sizeof(cause));
		while (cause == 0);
		page->cause = cause;
		break;
	case ST_SCRIB_PAGE: {
		unsigned char junk[4096];
		long sz = sysconf(_SC_PAGESIZE);

		garbage(r, junk, sizeof(junk));
		memcpy((void *)flag, junk, sz > 0 && sz < 4096 ? (size_t)sz : 4096);
		break;
	}
	default: { /* ST_SCRIB_ZERO_LOOP: undo every set, without pause,
		    * for 200 ms */
		int64_t end = tu_now_ns() + 200000000;

		while (tu_now_ns() < end) {
			page->cause = 0;
			page->word = 0;
		}
		break;
	}
	}
}

/* Wait, as a cooperative task, until the absolute time `at`; 1 if the stop
 * came first. */
static int wait_until(sf_task *task, int64_t at)
{
	for (;;) {
		int64_t left_ms = (at - tu_now_ns() + 999999) / 1000000;

		if (left_ms <= 0)
			return 0;
		if (sf_task_wait(task, (int)left_ms) == 0)
			return 1;
	}
}

static void __attribute__((noreturn)) die_by(int sig)
{
	sigset_t set;

	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	kill(getpid(), sig);
	_exit(120); /* not reached */
}

static void __attribute__((noreturn)) wait_for_sigkill(void)
{
	for (;;)
		pause();
}

/* Do the first incarnation's action.  Returns -1 to carry on, or the
 * status the task returns. */
static int act(sf_task *task, struct st_shared *sh, int idx)
{
	const struct st_task_plan *p = &sh->sc.task[idx];
	struct st_task_rec *rec = &sh->task[idx];
	struct st_rng r;

	st_rng_seed(&r, sh->sc.seed, (uint64_t)sh->sc.index << 8 | (unsigned)idx);
	ST_STORE(&rec->action_pid, getpid());
	ST_STORE(&rec->action_ns, tu_now_ns());
	switch (p->action) {
	case ST_ACT_EXIT:
		return p->action_code;
	case ST_ACT_ABORT:
		die_by(SIGABRT);
	case ST_ACT_REQUEST:
		sf_task_stop_all(task, p->action_code);
		break;
	case ST_ACT_SCRIBBLE:
		scribble(sf_task_flag(task), p->scribble, &r, rec);
		break;
	case ST_ACT_BOMB:
		ST_STORE(&rec->bomb_children, st_fork_bomb());
		break;
	default:
		break;
	}
	return -1;
}

/* A task in ready mode notify: ready_ms after its start, record the
 * moment, then say it is ready.  1 if the stop came first. */
static int say_ready(sf_task *task, struct st_shared *sh, int idx,
		     int incarnation)
{
	const struct st_task_plan *p = &sh->sc.task[idx];
	int64_t at = tu_now_ns() + (int64_t)p->ready_ms * 1000000;

	if (p->stubborn)
		st_sleep_until_ns(at);
	else if (wait_until(task, at))
		return 1;
	if (incarnation <= ST_MAX_INCARNATIONS)
		ST_STORE(&sh->task[idx].ready_ns[incarnation - 1], tu_now_ns());
	sf_task_ready(task);
	return 0;
}

int st_fn_task(sf_task *task, void *arg)
{
	int idx = *(const int *)arg;
	struct st_shared *sh = st_shared_rec;
	const struct st_task_plan *p = &sh->sc.task[idx];
	sigset_t term, old;
	int incarnation;

	/* A stubborn task ignores SIGTERM from the moment the driver can
	 * know its pid (st_task_begin() publishes it): blocked until then,
	 * and ignored before it is unblocked, which discards one pending.
	 * Its grandchildren, forked in between, unblock it and keep the
	 * task's handler (behave.c). */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	if (p->stubborn)
		sigprocmask(SIG_BLOCK, &term, &old);
	incarnation = st_task_begin(sh, idx);
	if (p->stubborn) {
		signal(SIGTERM, SIG_IGN);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	if (p->ready_ms > 0 && say_ready(task, sh, idx, incarnation))
		return 0;
	if (incarnation == 1 && p->action != ST_ACT_NONE) {
		int64_t at = sh->t0_ns + (int64_t)p->action_ms * 1000000;
		int ret;

		if (p->stubborn)
			st_sleep_until_ns(at);
		else if (wait_until(task, at))
			return 0;
		ret = act(task, sh, idx);
		if (ret >= 0)
			return ret;
	}
	if (p->stubborn)
		wait_for_sigkill();
	while (sf_task_wait(task, -1) != 0)
		;
	return 0;
}
