/*
 * check.c - did the group keep its promises in this scenario?
 *
 *   - the master came back from sf_group_run() (unless a fault SIGKILLed
 *     it), did not crash, returned a status >= 0, restored its signal
 *     dispositions and mask, and had no child left, zombie or alive;
 *   - the cause, the task it names and the status are one of the outcomes
 *     the oracle allows;
 *   - the group was down within grace + 1 s of the event that stopped it;
 *   - shell tasks ended their `stopflag sleep` loops soon after the stop
 *     (st_sleepers_check());
 *   - no process of the scenario is left anywhere below the driver;
 *   - exec tasks started with default dispositions and an empty mask.
 *
 * A violation prints its replay line, the plan, what happened when, what
 * was allowed, what was got, and the library's log.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "stress.h"

#define MAX_WHY 8

struct verdict {
	int n;
	char why[MAX_WHY][240];
};

static void __attribute__((format(printf, 2, 3)))
violation(struct verdict *v, const char *fmt, ...)
{
	va_list ap;

	if (v->n >= MAX_WHY)
		return;
	va_start(ap, fmt);
	vsnprintf(v->why[v->n++], sizeof(v->why[0]), fmt, ap);
	va_end(ap);
}

int64_t st_slack_ns(void)
{
	return (getenv("VALGRIND") || getenv("SF_SLOW") ? 5000 : 1000) *
	       INT64_C(1000000);
}

static double rel_ms(const struct st_shared *sh, int64_t ns)
{
	return (double)(ns - sh->t0_ns) / 1e6;
}

static void describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "wait status %#x", status);
}

static int name_ok(const struct st_result *res, int task)
{
	char want[ST_NAME_MAX];

	if (task == -2)
		return 1;
	if (task == -1)
		return !res->has_name;
	snprintf(want, sizeof(want), "t%d", task);
	return res->has_name && strcmp(res->task_name, want) == 0;
}

static int matches(const struct st_shared *sh, const struct st_outcome *o)
{
	const struct st_result *res = &sh->res;

	if (o->kind == ST_OUT_ANY)
		return 1;
	if (sh->sc.daemon) /* stopflagd says only its exit status */
		return res->ret == o->status;
	return res->cause_ret == 0 && (int)res->cause.reason == o->reason &&
	       res->cause.code == o->code && res->ret == o->status &&
	       name_ok(res, o->task) &&
	       (o->pid == 0 || res->cause.pid == o->pid ||
		(o->alt_pid && res->cause.pid == o->alt_pid) ||
		(sh->inner && res->cause.pid == sh->inner &&
		 (o->pid == sh->master || o->alt_pid == sh->master)));
}

/* The shell tasks woke in time, for some outcome that matches (the rule
 * is st_sleepers_check()'s). */
static void check_sleepers(const struct st_shared *sh,
			   const struct st_expect *ex, struct verdict *v)
{
	char why[200] = "";

	for (int i = 0; i < ex->n; i++)
		if (matches(sh, &ex->out[i]) &&
		    st_sleepers_check(sh, &ex->out[i], why, sizeof(why)) == 0)
			return;
	if (why[0])
		violation(v, "%s", why);
}

static void check_cause(const struct st_shared *sh, const struct st_expect *ex,
			struct verdict *v)
{
	const struct st_result *res = &sh->res;
	const struct st_outcome *best = NULL;
	int64_t deadline;

	if (res->ret < 0)
		violation(v, "sf_group_run() failed: %d (%s)", res->ret,
			  sf_strerror(res->ret));
	if (ex->overflow)
		return;
	for (int i = 0; i < ex->n; i++)
		if (matches(sh, &ex->out[i]) &&
		    (!best || ex->out[i].at_ns > best->at_ns))
			best = &ex->out[i];
	if (!best && sh->sc.daemon) {
		violation(v, "stopflagd exited with status %d: not an allowed "
			  "outcome", res->ret);
		return;
	}
	if (!best) {
		violation(v, "cause %s code %d pid %d task %s, status %d: not an "
			  "allowed outcome",
			  sf_reason_name(res->cause.reason), res->cause.code,
			  (int)res->cause.pid,
			  res->has_name ? res->task_name : "(none)", res->ret);
		return;
	}
	check_sleepers(sh, ex, v);
	deadline = best->at_ns + (int64_t)sh->sc.grace_ms * 1000000 +
		   st_slack_ns() + st_window_ns();
	if (res->end_ns > deadline)
		violation(v, "the group took %.0fms after its stop at %.1fms "
			  "(grace %dms): more than grace + 1 s",
			  (double)(res->end_ns - best->at_ns) / 1e6,
			  rel_ms(sh, best->at_ns), sh->sc.grace_ms);
}

static void check_returned(const struct st_shared *sh,
			   const struct st_expect *ex,
			   const struct st_observed *obs, struct verdict *v)
{
	const struct st_result *res = &sh->res;
	int status = obs->master_status;
	char how[64];

	describe_status(status, how, sizeof(how));
	if (!sh->sc.daemon &&
	    !(WIFEXITED(status) && WEXITSTATUS(status) == ST_MASTER_OK) &&
	    !(obs->master_killed && WIFSIGNALED(status) &&
	      WTERMSIG(status) == SIGKILL))
		violation(v, "the master ended badly after sf_group_run() "
			  "returned: %s", how);
	check_cause(sh, ex, v);
	if (res->children_left)
		violation(v, "sf_group_run() returned with %d processes still "
			  "below the master (pid %d state %c, ...)",
			  res->children_left, (int)res->child_left[0],
			  res->child_state[0]);
	if (res->not_restored)
		violation(v, "sf_group_run() did not restore the master's "
			  "signal state (signal bits %#x, bit 0: mask)",
			  (unsigned)res->not_restored);
}

static void check_master(const struct st_shared *sh,
			 const struct st_expect *ex,
			 const struct st_observed *obs, struct verdict *v)
{
	int status = obs->master_status;
	char how[64];

	describe_status(status, how, sizeof(how));
	if (sh->res.setup_step)
		violation(v, "the master could not be set up: step %d: %s",
			  sh->res.setup_step, sf_strerror(sh->res.setup_err));
	else if (obs->hung)
		violation(v, "sf_group_run() had not returned %.0fms after t0 "
			  "(the driver killed the master)",
			  rel_ms(sh, obs->killed_ns));
	else if (sh->res.returned)
		check_returned(sh, ex, obs, v);
	else if (!(obs->master_killed && WIFSIGNALED(status) &&
		   WTERMSIG(status) == SIGKILL))
		violation(v, "the master died inside sf_group_run(): %s", how);
}

static void check_leftovers(const struct st_shared *sh,
			    const struct st_observed *obs, struct verdict *v)
{
	for (int i = 0; i < sh->sc.ntasks; i++)
		if (sh->task[i].bad_start)
			violation(v, "exec task t%d started with %s", i,
				  sh->task[i].bad_start & 1 ?
				  "a signal ignored" : "signals blocked");
	for (int i = 0; i < obs->nstrays && obs->nstrays > obs->beyond_reach; i++) {
		const struct st_proc *p = &obs->strays[i];

		if (obs->beyond_reach && !st_must_follow_master(sh, p))
			continue;
		violation(v, "%d process%s of the scenario still there at "
			  "%.0fms: pid %d (%s) state %c ppid %d pgrp %d sid %d%s",
			  obs->nstrays - obs->beyond_reach,
			  obs->nstrays - obs->beyond_reach > 1 ? "es" : "",
			  rel_ms(sh, obs->strays_ns), (int)p->pid, p->comm,
			  p->state, (int)p->ppid, (int)p->pgrp, (int)p->sid,
			  obs->nstrays - obs->beyond_reach > 1 ? ", ..." : "");
		break;
	}
}

int st_must_follow_master(const struct st_shared *sh, const struct st_proc *p)
{
	for (int i = 0; i < sh->sc.ntasks; i++) {
		const struct st_task_rec *r = &sh->task[i];

		for (int k = 0; k < r->incarnations && k < ST_MAX_INCARNATIONS; k++)
			if (r->pid[k] == p->pid)
				return !st_ignores_stop_signals(&sh->sc.task[i]);
	}
	return 0;
}

static void print_trace(const struct st_shared *sh)
{
	for (int i = 0; i < sh->sc.nfaults; i++) {
		const struct st_fault_rec *r = &sh->fault[i];

		if (r->fired)
			printf("    fault %d fired at %.1fms on pid %d (%d sent)\n",
			       i, rel_ms(sh, r->ns), (int)r->pid, r->sent);
		else
			printf("    fault %d did not fire (%s)\n", i,
			       r->skipped == ST_SKIP_ENDED ? "target gone" :
			       r->skipped == ST_SKIP_NOT_STARTED ? "target never started" :
			       r->skipped == ST_SKIP_NOT_READY ? "master never ready" :
			       "master gone");
	}
	for (int i = 0; i < sh->sc.ntasks; i++) {
		const struct st_task_rec *r = &sh->task[i];

		printf("    task t%d: %d incarnation%s (pids", i, r->incarnations,
		       r->incarnations == 1 ? "" : "s");
		for (int k = 0; k < r->incarnations && k < ST_MAX_INCARNATIONS; k++)
			printf(" %d@%.1fms", (int)r->pid[k], rel_ms(sh, r->start_ns[k]));
		printf(")");
		if (r->action_ns)
			printf(", %s at %.1fms by pid %d",
			       st_action_name(sh->sc.task[i].action),
			       rel_ms(sh, r->action_ns), (int)r->action_pid);
		if (r->bomb_children)
			printf(" (%d children)", r->bomb_children);
		if (r->acted_ns)
			printf(", stop-all returned at %.1fms",
			       rel_ms(sh, r->acted_ns));
		for (int k = 0; k < r->incarnations && k < ST_MAX_INCARNATIONS; k++)
			if (r->woke_ns[k])
				printf(", pid %d woke at %.1fms", (int)r->pid[k],
				       rel_ms(sh, r->woke_ns[k]));
		for (int k = 0; k < r->incarnations && k < ST_MAX_INCARNATIONS; k++)
			if (r->ready_ns[k])
				printf(", pid %d ready at %.1fms", (int)r->pid[k],
				       rel_ms(sh, r->ready_ns[k]));
		printf("\n");
	}
}

/* The last `lines` lines of text, indented. */
static void print_tail(const char *text, int lines)
{
	const char *p = text + strlen(text);

	while (p > text && lines >= 0)
		if (*--p == '\n')
			lines--;
	if (*p == '\n')
		p++;
	while (*p) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);

		printf("    %.*s\n", len, p);
		p += len + (nl != NULL);
	}
}

static void print_result(const struct st_shared *sh, const struct st_expect *ex,
			 const struct st_observed *obs)
{
	const struct st_result *res = &sh->res;
	char buf[200];

	printf("  allowed:%s\n", ex->overflow ? " (too many paths: any)" : "");
	for (int i = 0; i < ex->n; i++) {
		st_outcome_describe(&ex->out[i], sh->t0_ns, buf, sizeof(buf));
		printf("    %s\n", buf);
	}
	describe_status(obs->master_status, buf, sizeof(buf));
	printf("  got: master pid %d %s", (int)sh->master, buf);
	if (res->returned)
		printf("; run() = %d after %.1fms, cause %s code %d pid %d "
		       "task %s (sf_group_cause %d)", res->ret,
		       rel_ms(sh, res->end_ns), sf_reason_name(res->cause.reason),
		       res->cause.code, (int)res->cause.pid,
		       res->has_name ? res->task_name : "(none)", res->cause_ret);
	printf("\n  log:\n");
	if (obs->daemon_log) {
		print_tail(obs->daemon_log, 40);
		return;
	}
	for (unsigned i = 0; i < ST_LOG_LINES; i++) {
		unsigned k = (sh->log_next + i) % ST_LOG_LINES;

		if (sh->log[k][0])
			printf("    %s\n", sh->log[k]);
	}
}

static void check_order(const struct st_shared *sh, struct verdict *v)
{
	char why[200];

	if (st_order_check(sh, NULL, why, sizeof(why)))
		violation(v, "%s", why);
}

int st_check(const struct st_shared *sh, const struct st_expect *ex,
	     const struct st_observed *obs)
{
	struct verdict v = { 0 };

	check_master(sh, ex, obs, &v);
	check_leftovers(sh, obs, &v);
	check_order(sh, &v);
	if (v.n == 0)
		return 0;
	printf("stress: VIOLATION in scenario %u of seed %llu: %s\n",
	       sh->sc.index, (unsigned long long)sh->sc.seed, v.why[0]);
	printf("  replay: STRESS_SEED=%llu STRESS_ONLY=%u make stress-campaign\n",
	       (unsigned long long)sh->sc.seed, sh->sc.index);
	for (int i = 1; i < v.n; i++)
		printf("  also: %s\n", v.why[i]);
	printf("  plan:\n");
	st_scenario_describe(&sh->sc, "    ");
	printf("  trace:\n");
	print_trace(sh);
	print_result(sh, ex, obs);
	fflush(stdout);
	return 1;
}
