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
 * sf__signal_children() reads /proc/<pid>/stat for every process and
 * keeps those whose parent is the master.  Signalling them by pid is safe:
 * they are unreaped children of the master, and only the master reaps
 * them, so their pids (and the groups they lead) cannot have been reused.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "group.h"

struct sf_task *sf__task_by_pid(const sf_group *g, pid_t pid)
{
	for (int i = 0; i < g->ntasks; i++)
		if (g->tasks[i]->pid == pid)
			return g->tasks[i];
	return NULL;
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
		if (!t) {
			sf__log(g, LOG_DEBUG, "pid %d (adopted) ended",
				(int)si.si_pid);
			continue;
		}
		if (t->pidfd >= 0)
			close(t->pidfd);
		t->pidfd = -1;
		t->pid = 0;
		sf__dispatch(g, t, SF__ENDED, status);
	}
}

/* The parent and state of /proc/<name>, or -1. */
static pid_t parent_of(int procfd, const char *name, char *state)
{
	char path[64], buf[512], *p, *end;
	int fd, ppid;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/stat", name);
	fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command name may hold anything */
	if (!p || p[1] != ' ' || !p[2] || p[3] != ' ')
		return -1;
	*state = p[2];
	ppid = (int)strtol(p + 4, &end, 10);
	return end == p + 4 ? -1 : ppid;
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

/*
 * Send signo to every living child of the master (and to the process
 * group each one leads): the adopted ones only, or the task processes too.
 * Returns how many were signalled, or a negative errno if /proc cannot be
 * read.
 */
int sf__signal_children(sf_group *g, int signo, bool tasks_too)
{
	pid_t self = getpid();
	struct dirent *d;
	int count = 0;
	DIR *proc;

	proc = opendir("/proc");
	if (!proc)
		return -errno;
	while ((d = readdir(proc))) {
		struct sf_task *t;
		pid_t pid;
		char state = 0;

		if (!isdigit((unsigned char)d->d_name[0]) ||
		    parent_of(dirfd(proc), d->d_name, &state) != self ||
		    state == 'Z')
			continue;
		pid = (pid_t)strtol(d->d_name, NULL, 10);
		t = sf__task_by_pid(g, pid);
		if (t) {
			if (!tasks_too)
				continue;
			sf__signal_task(t, signo);
		} else {
			signal_child(g, pid, signo);
		}
		count++;
	}
	closedir(proc);
	return count;
}
