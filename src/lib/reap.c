/*
 * reap.c - reap what ended, and find what is left.
 *
 * The master is a child subreaper: the descendants of a task whose parent
 * dies become its children.  It looks at each ended child with
 * waitid(WNOWAIT) before reaping it.  While an ended task is still a
 * zombie its pid, and so its process-group id, cannot be given to anybody
 * else: that is when the rest of its process group gets SIGKILL.  A
 * task's end takes its process group with it; a task that wants its
 * helpers to finish cleanly waits for them before it ends.
 *
 * Living children that are not task processes (descendants adopted after
 * their parent died) are listed nowhere but in /proc:
 * sf__signal_children() takes them from the kernel's list of the
 * master's children (sf__procstat_children()), reading the stat of none
 * of the tasks unless it signals them too.  Signalling them by pid is safe:
 * they are unreaped children of the master, and only the master reaps
 * them, so their pids (and the groups they lead) cannot have been reused.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "group.h"
#include "output.h"
#include "procstat.h"

struct sf_task *sf__task_by_pid(const sf_group *g, pid_t pid)
{
	return sf__pidmap_get(&g->pids, pid);
}

bool sf__reap(sf_group *g)
{
	for (;;) {
		struct sf_task *t;
		siginfo_t si;
		int status;

		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
			if (errno == EINTR)
				continue;
			return false; /* ECHILD: nothing is left */
		}
		if (si.si_pid == 0)
			return true;
		t = sf__task_by_pid(g, si.si_pid);
		if (t)
			kill(-si.si_pid, SIGKILL); /* held by the zombie */
		while (waitpid(si.si_pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!t && sf__output_is_relay(g, si.si_pid)) {
			sf__output_reaped(g, status);
			continue;
		}
		if (!t) {
			sf__log(g, LOG_DEBUG, "pid %d (adopted) ended",
				(int)si.si_pid);
			continue;
		}
		if (t->pidfd >= 0)
			close(t->pidfd);
		t->pidfd = -1;
		sf__pidmap_del(&g->pids, t->pid);
		t->pid = 0;
		sf__dispatch(g, t, SF__ENDED, status);
	}
}

static void signal_child(sf_group *g, pid_t pid, int signo)
{
	sf__log(g, signo == SIGKILL ? LOG_WARNING : LOG_INFO,
		"pid %d (left behind by a task): %s", (int)pid,
		sf__signal_name(signo));
	kill(pid, signo);
	kill(-pid, signo); /* the group it leads, if any (after setsid()) */
	if (signo != SIGKILL) { /* a stopped one would wait out the grace */
		kill(pid, SIGCONT);
		kill(-pid, SIGCONT);
	}
}

/* What sf__signal_children() sends, and to how many it went. */
struct signalling {
	sf_group *g;
	int signo;
	bool tasks_too;
	int count;
};

/* Whether signal_one_child() acts on pid at all: a task only with
 * tasks_too, the relay only in the SIGKILL sweep.  What it does not want
 * is not looked up in /proc. */
static bool signal_wanted(pid_t pid, void *ctx)
{
	const struct signalling *s = ctx;

	if (sf__output_is_relay(s->g, pid))
		return s->signo == SIGKILL && s->tasks_too;
	return s->tasks_too || !sf__task_by_pid(s->g, pid);
}

/* A child signal_wanted() took. */
static int signal_one_child(const struct sf__procstat *st, void *ctx)
{
	struct signalling *s = ctx;
	struct sf_task *t;

	if (sf__output_is_relay(s->g, st->pid)) {
		/* not left behind: it ends by itself after the tasks, and
		 * gets SIGKILL only after a grace of its own */
		if (sf__output_relay_overdue(s->g, sf__now_ns()))
			kill(st->pid, SIGKILL);
		return 1;
	}
	t = sf__task_by_pid(s->g, st->pid);
	if (t)
		sf__signal_task(t, s->signo);
	else
		signal_child(s->g, st->pid, s->signo);
	s->count++;
	return 1;
}

/*
 * Send signo to every living child of the master (and to the process
 * group each one leads): the adopted ones only, or the task processes too.
 * Returns how many were signalled, or a negative errno if /proc cannot be
 * read.
 */
int sf__signal_children(sf_group *g, int signo, bool tasks_too)
{
	struct signalling s = { g, signo, tasks_too, 0 };
	struct sf__children how = { signal_wanted, signal_one_child, &s };
	int err = sf__procstat_children(getpid(), &how);

	return err < 0 ? err : s.count;
}
