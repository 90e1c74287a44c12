/*
 * task.c - the task's side: what runs in a function task's own process.
 *
 * A task stops when the group's flag is set, or when it alone is sent one
 * of its stop signals: SIGINT, SIGTERM, SIGQUIT, SIGHUP and the one given
 * to sf_group_set_stop_signal().  The handler of those signals:
 *   - once the flag is set (a group stop, which sends every task still
 *     alive its stop signal), publishes nothing and rings no doorbell:
 *     whoever set the flag woke the sleepers, and the master knows; a
 *     handler that set it again would wake every sleeper and the master
 *     once for each task signalled;
 *   - else, in the task's own process only (a process the task forked
 *     inherits the handler, and gets the stop signals sent to the task's
 *     process group, but does not speak for the task: its parent is the
 *     task):
 *       - if getppid() is no longer the master, the master died (this is
 *         the PR_SET_PDEATHSIG signal): it sets the flag, reason
 *         PARENT_DIED, so that every task learns it at once;
 *       - else, under SF_STOP_ALL, sets the flag, reason SIGNAL, and
 *         rings the master's doorbell: the whole group follows this task;
 *   - sets the process-local stop and nudges the futex word, so that a
 *     sleep of this process cannot miss it, and nobody else wakes.
 * It uses sf_flag_is_set(), getpid(), getppid(), sf_flag_set(),
 * sf__doorbell_ring() and sf__flag_nudge(), all async-signal-safe, and
 * keeps errno.  It is installed without SA_RESTART, so a blocking system
 * call in the task returns EINTR.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "group.h"

static struct sf_task *self;     /* the task this process runs */
static pid_t self_pid;           /* the task's own process */
static volatile int local_stop;  /* it alone was asked to stop */

/* A set wakes the sleepers the futex word says there are; a task that
 * scribbled over the page may have erased that, and the master would
 * sleep through the stop.  A task's stop is rare: it rings the master's
 * doorbell as well.  Async-signal-safe. */
static int request_stop(struct sf_task *t, enum sf_reason reason, int code)
{
	int ret = sf_flag_set(t->flag, reason, code);

	if (ret >= 0)
		sf__doorbell_ring(t->flag);
	return ret;
}

static void on_stop_signal(int signo)
{
	struct sf_task *t = self;
	int saved_errno = errno;

	/* Once the group stops there is nothing to publish and nobody to
	 * wake; a child of the task stops itself, no more. */
	if (!sf_flag_is_set(t->flag) && getpid() == self_pid) {
		if (getppid() != t->master)
			sf_flag_set(t->flag, SF_REASON_PARENT_DIED, 0);
		else if (t->stop_all)
			request_stop(t, SF_REASON_SIGNAL, signo);
	}
	local_stop = 1;
	sf__flag_nudge(t->flag);
	errno = saved_errno;
}

static void catch_stop_signals(struct sf_task *t)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };

	sigemptyset(&t->stops);
	for (int i = 0; i < SF__NSTOP_SIGNALS; i++)
		sigaddset(&t->stops, sf__stop_signals[i]);
	sigaddset(&t->stops, t->stop_signal);
	sa.sa_mask = t->stops;
	for (int signo = 1; signo < NSIG; signo++)
		if (sigismember(&t->stops, signo) == 1)
			sigaction(signo, &sa, NULL);
}

/* Called in the child with every signal blocked and every disposition at
 * its default (spawn.c). */
SF__STOP_PATH
_Noreturn void sf__task_run(struct sf_task *t)
{
	sigset_t none;
	int status;

	self = t;
	self_pid = getpid();
	local_stop = 0;
	catch_stop_signals(t);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* The master may have died before PDEATHSIG was armed. */
	if (getppid() != t->master) {
		sf_flag_set(t->flag, SF_REASON_PARENT_DIED, 0);
		local_stop = 1;
	}
	status = t->fn(t, t->arg);
	if (!t->no_flush)
		fflush(NULL);
	_exit(status & 0xff);
}

SF__STOP_PATH
bool sf_task_should_stop(const sf_task *task)
{
	return !task || local_stop || sf_flag_is_set(task->flag);
}

SF__STOP_PATH
int sf_task_wait(sf_task *task, int timeout_ms)
{
	struct timespec deadline;

	if (!task)
		return -EINVAL;
	if (timeout_ms < 0)
		return sf__flag_wait_local(task->flag, NULL, &local_stop);
	sf__deadline_after(timeout_ms, &deadline);
	return sf__flag_wait_local(task->flag, &deadline, &local_stop);
}

SF__STOP_PATH
int sf_task_sleep(sf_task *task, int ms)
{
	int ret;

	if (!task || ms < 0)
		return -EINVAL;
	ret = sf_task_wait(task, ms);
	if (ret == 0)
		return 1;
	return ret == -ETIMEDOUT ? 0 : ret;
}

/* The time from now to deadline, at least 0. */
static void time_left(const struct timespec *deadline, struct timespec *left)
{
	int64_t ns = sf__timespec_to_ns(deadline) - sf__now_ns();

	sf__ns_to_timespec(ns < 0 ? 0 : ns, left);
}

/* The stop signals are blocked except inside ppoll(): one that comes
 * before the sleep is delivered as the sleep begins, and ends it. */
int sf_task_poll(sf_task *task, struct pollfd *fds, nfds_t nfds,
		 int timeout_ms)
{
	struct timespec deadline, left;
	sigset_t old, during;
	int ret;

	if (!task || (!fds && nfds > 0))
		return -EINVAL;
	if (timeout_ms >= 0)
		sf__deadline_after(timeout_ms, &deadline);
	sigprocmask(SIG_BLOCK, &task->stops, &old);
	during = old;
	for (int signo = 1; signo < NSIG; signo++)
		if (sigismember(&task->stops, signo) == 1)
			sigdelset(&during, signo);
	for (;;) {
		if (sf_task_should_stop(task)) {
			ret = 0;
			break;
		}
		if (timeout_ms >= 0)
			time_left(&deadline, &left);
		ret = ppoll(fds, nfds, timeout_ms >= 0 ? &left : NULL, &during);
		if (ret > 0)
			break;
		if (ret == 0) {
			ret = sf_task_should_stop(task) ? 0 : -ETIMEDOUT;
			break;
		}
		if (errno != EINTR) {
			ret = -errno;
			break;
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return ret;
}

int sf_task_stop_all(sf_task *task, int code)
{
	if (!task)
		return -EINVAL;
	return request_stop(task, SF_REASON_REQUEST, code);
}

const char *sf_task_name(const sf_task *task)
{
	return task ? task->name : NULL;
}

struct sf__option *sf__task_find_option(const struct sf_task *t,
					 const char *key)
{
	for (int i = 0; i < t->noptions; i++)
		if (strcmp(t->options[i].key, key) == 0)
			return &t->options[i];
	return NULL;
}

const char *sf_task_option(const sf_task *task, const char *key)
{
	const struct sf__option *o;

	if (!task || !key)
		return NULL;
	o = sf__task_find_option(task, key);
	return o ? o->value : NULL;
}

sf_flag *sf_task_flag(sf_task *task)
{
	return task ? task->flag : NULL;
}
