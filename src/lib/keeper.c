/*
 * keeper.c - sf_group_run(): the master's run (master.c) in the calling
 * process, or, with sf_group_set_keeper(), as two processes that cover
 * each other's death.
 *
 * The calling process stays the keeper K: a child subreaper that forks
 * the master M and does little else.  M runs the group as the calling
 * process does without a keeper (master.c), and hands its result back on a shared page.
 *
 *   - K's stop signals go to M (kill() by pid is safe: M is K's unreaped
 *     child, and only K reaps it).  K blocks them, and SIGCHLD, before
 *     the fork and takes them with sigwaitinfo(): one already pending in
 *     K before the fork is raised by M at itself first thing (so that it
 *     stops the group before any task starts), one that comes while M is
 *     forked stays pending in K and is forwarded, one M gets before its
 *     handlers are in place stays pending in M (it inherits the mask), so
 *     none is lost.
 *   - K reaps every child it has, M and whatever is handed to it (PID 1
 *     in a container), and exits with M's status.
 *   - If K dies, M gets SF__KEEPER_DEATHSIG (PR_SET_PDEATHSIG, armed
 *     before anything else in M, then getppid() checked in case K died
 *     first).  Its handler sets the flag, reason PARENT_DIED, and raises
 *     SIGTERM at M: M's own stop-signal handler keeps it in M's memory,
 *     so the stop is ordered (stop signals, grace, SIGKILL, sweep) and a
 *     task erasing the page cannot cancel it.
 *   - If M dies, its tasks get their PDEATHSIG, and everything below M is
 *     re-parented to K, the nearest subreaper, as each parent dies.  K
 *     sends SIGTERM and SIGCONT to every descendant it has, then SIGKILL
 *     to every one after the grace, again after every reap until it has
 *     no child left.  Descendants that are not K's children are found in
 *     /proc, and signalled through a pidfd checked against the start time
 *     read with the pid, so pid reuse cannot aim a signal elsewhere.
 *
 * Only both dying at once leaves what PDEATHSIG cannot reach (README,
 * "What a SIGKILLed master leaves").
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <urcu/uatomic.h>

#include "group.h"
#include "procstat.h"

/* M's parent-death signal: one no stop signal shares, and that the
 * library uses nowhere else in the master. */
#define SF__KEEPER_DEATHSIG SIGPWR
/* How often K looks again, after the grace, for descendants that nothing
 * would wake it for (adopted without a SIGCHLD). */
#define SWEEP_RETRY_NS (100 * 1000000LL)
#define RESULT_MAGIC 0x6b656570u /* "keep" */

/* What M hands back to K.  On a page tasks share too, so K checks it. */
struct result {
	uint32_t magic;       /* written last */
	int status;
	struct sf_cause cause;
	int cause_task;
};

static const int stop_signals[] = { SIGINT, SIGTERM, SIGQUIT, SIGHUP };
#define NSTOPS ((int)(sizeof(stop_signals) / sizeof(*stop_signals)))

/* ----------------------------------------------------------- the master */

static pid_t keeper_pid;     /* in M: its parent, saved before the fork */
static sf_flag *keeper_flag; /* in M: the group's */

/* Async-signal-safe: getppid(), sf_flag_set() (lock free, keeps errno),
 * raise().  A stray SIGPWR while K lives is ignored. */
static void on_keeper_death(int signo)
{
	(void)signo;
	if (getppid() == keeper_pid)
		return;
	sf_flag_set(keeper_flag, SF_REASON_PARENT_DIED, 0);
	raise(SIGTERM); /* blocked until sf_group_run() catches it */
}

static _Noreturn void master(sf_group *g, struct result *res, int early)
{
	struct sigaction sa = { .sa_handler = on_keeper_death };
	int status;

	if (early) /* blocked: pending until M's handlers are in place */
		kill(getpid(), early);
	keeper_flag = g->flag;
	sigemptyset(&sa.sa_mask);
	sigaction(SF__KEEPER_DEATHSIG, &sa, NULL);
	prctl(PR_SET_PDEATHSIG, SF__KEEPER_DEATHSIG);
	if (getppid() != keeper_pid) /* K died before the arming */
		raise(SF__KEEPER_DEATHSIG);
	status = sf__master_run(g);
	res->status = status;
	res->cause = g->stop.cause;
	res->cause_task = g->stop.task;
	uatomic_set(&res->magic, RESULT_MAGIC);
	cmm_smp_mb();
	fflush(NULL);
	_exit(status < 0 ? SF__EX_SOFTWARE : status);
}

/* ----------------------------------------------------- K's /proc sweep */

struct proc {
	pid_t pid, ppid;
	unsigned long long start;
	char state;
};

/* /proc/<pid>/stat (procstat.c): parent, state and start time; 0 or -1. */
static int read_stat(pid_t pid, struct proc *p)
{
	struct sf__procstat st;

	if (sf__procstat_read(pid, &st) < 0)
		return -1;
	p->pid = pid;
	p->ppid = st.ppid;
	p->start = st.starttime;
	p->state = st.state;
	return 0;
}

static int by_pid(const void *a, const void *b)
{
	const struct proc *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Mark in mine[] every descendant of K among all[] (sorted by pid). */
static void mark_descendants(const struct proc *all, int n, bool *mine)
{
	pid_t self = getpid();
	bool grew = true;

	for (int i = 0; i < n; i++)
		mine[i] = all[i].ppid == self;
	while (grew) { /* one pass per generation */
		grew = false;
		for (int i = 0; i < n; i++) {
			struct proc key = { .pid = all[i].ppid };
			const struct proc *parent;

			if (mine[i])
				continue;
			parent = bsearch(&key, all, (size_t)n, sizeof(*all),
					 by_pid);
			if (parent && mine[parent - all])
				mine[i] = grew = true; /* both bool */
		}
	}
}

/* Every process, or NULL with *n = -errno. */
static struct proc *read_all(int procfd, int *n)
{
	struct proc *all = NULL;
	struct dirent *d;
	int cap = 0, fd = dup(procfd);
	DIR *dir = fd < 0 ? NULL : fdopendir(fd);

	*n = 0;
	if (!dir) {
		*n = -errno;
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((d = readdir(dir))) {
		struct proc p;

		if (!isdigit((unsigned char)d->d_name[0]) ||
		    read_stat((pid_t)strtol(d->d_name, NULL, 10),
			      &p) < 0)
			continue;
		if (*n == cap) {
			struct proc *more = realloc(all, sizeof(*all) *
						    (size_t)(cap = cap * 2 + 64));
			if (!more)
				break;
			all = more;
		}
		all[(*n)++] = p;
	}
	closedir(dir);
	return all;
}

/* Signal the process read as p, unless its pid now names another. */
static void signal_proc(const struct proc *p, int signo)
{
	struct proc now;
	int fd = (int)syscall(SYS_pidfd_open, p->pid, 0);

	if (fd < 0) { /* before Linux 5.3: only K's children are safe */
		if (errno == ENOSYS && p->ppid == getpid())
			kill(p->pid, signo);
		return;
	}
	if (read_stat(p->pid, &now) == 0 && now.start == p->start)
		syscall(SYS_pidfd_send_signal, fd, signo, NULL, 0);
	close(fd);
}

/* Send signo (and SIGCONT after anything but SIGKILL) to every
 * descendant of K; returns how many were living, or -errno. */
static int signal_descendants(sf_group *g, int signo)
{
	int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct proc *all;
	bool *mine;
	int n, count = 0;

	if (procfd < 0)
		return -errno;
	all = read_all(procfd, &n);
	if (n < 0) {
		close(procfd);
		return n;
	}
	mine = calloc((size_t)n + 1, sizeof(*mine));
	if (mine && n > 0) {
		qsort(all, (size_t)n, sizeof(*all), by_pid);
		mark_descendants(all, n, mine);
	}
	for (int i = 0; mine && i < n; i++) {
		if (!mine[i] || all[i].state == 'Z')
			continue;
		sf__log(g, signo == SIGKILL ? LOG_WARNING : LOG_INFO,
			"keeper: pid %d (left by the master): %s",
			(int)all[i].pid, sf__signal_name(signo));
		signal_proc(&all[i], signo);
		if (signo != SIGKILL)
			signal_proc(&all[i], SIGCONT);
		count++;
	}
	if (n > 0 && !mine)
		count = -ENOMEM;
	free(mine);
	free(all);
	close(procfd);
	return count;
}

/* ------------------------------------------------------------- the keeper */

struct keeper {
	sf_group *g;
	pid_t master;          /* until it is reaped, then 0 */
	pid_t master_pid;
	int master_status;     /* its wait status */
	sigset_t set;          /* SIGCHLD and the stop signals, blocked */
};

/* Reap every ended child; returns false once K has none at all. */
static bool reap_all(struct keeper *k)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			return false; /* ECHILD */
		if (pid == 0)
			return true;
		if (pid == k->master) {
			k->master = 0;
			k->master_status = status;
		} else {
			sf__log(k->g, LOG_DEBUG, "keeper: pid %d ended",
				(int)pid);
		}
	}
}

/* While M lives: forward stop signals, reap what ends. */
static void keep(struct keeper *k)
{
	while (k->master) {
		siginfo_t si;
		int signo = sigwaitinfo(&k->set, &si);

		if (signo > 0 && signo != SIGCHLD)
			kill(k->master, signo);
		reap_all(k);
	}
}

/* After M's death: stop and reap everything it left. */
static void sweep(struct keeper *k)
{
	int64_t deadline = sf__now_ns() + (int64_t)k->g->grace_ms * 1000000;
	int signo = SIGTERM;

	while (reap_all(k)) {
		struct timespec left;
		int64_t ns;

		if (signo && signal_descendants(k->g, signo) < 0)
			sf__log(k->g, LOG_ERR, "keeper: cannot read /proc: "
				"waiting for the master's processes to end");
		signo = sf__now_ns() >= deadline ? SIGKILL : 0;
		ns = signo ? SWEEP_RETRY_NS : deadline - sf__now_ns();
		if (ns <= 0)
			continue;
		left.tv_sec = (time_t)(ns / 1000000000);
		left.tv_nsec = (long)(ns % 1000000000);
		sigtimedwait(&k->set, NULL, &left);
		if (!signo && sf__now_ns() >= deadline)
			signo = SIGKILL;
	}
}

/* M's end, as the group's result in K. */
static int settle(struct keeper *k, const struct result *res)
{
	sf_group *g = k->g;
	int ws = k->master_status;

	if (WIFEXITED(ws) && uatomic_read(&res->magic) == RESULT_MAGIC) {
		cmm_smp_mb();
		g->stop.cause = res->cause;
		g->stop.task = res->cause_task >= 0 &&
				res->cause_task < g->ntasks ? res->cause_task : -1;
		return res->status;
	}
	g->stop.task = -1;
	if (WIFSIGNALED(ws)) {
		g->stop.cause = (struct sf_cause){ SF_REASON_KILLED, WTERMSIG(ws),
					      k->master_pid };
		return 128 + WTERMSIG(ws);
	}
	g->stop.cause = (struct sf_cause){ SF_REASON_NONE, 0, 0 };
	return WEXITSTATUS(ws);
}

/* A stop signal already pending in K came before anything started: M
 * takes it as its own from birth, so that no task starts.  A fork does
 * not hand pending signals on, and forwarding it once M exists would race
 * M's first starts.  One that comes after this look is forwarded (keep()),
 * as one that comes while the group starts. */
static int take_early_stop(const sigset_t *set)
{
	struct timespec zero = { 0, 0 };
	sigset_t stops = *set;
	int signo;

	sigdelset(&stops, SIGCHLD);
	signo = sigtimedwait(&stops, NULL, &zero);
	return signo > 0 ? signo : 0;
}

static void drain(const sigset_t *set)
{
	struct timespec zero = { 0, 0 };

	while (sigtimedwait(set, NULL, &zero) > 0)
		; /* the group's, not the caller's */
}

int sf__keeper_run(sf_group *g)
{
	struct keeper k = { .g = g };
	struct result *res;
	sigset_t saved;
	int subreaper = 0, status, early;

	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED)
		return -errno;
	if (prctl(PR_GET_CHILD_SUBREAPER, &subreaper) < 0 ||
	    prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		status = -errno;
		munmap(res, sizeof(*res));
		return status;
	}
	sigemptyset(&k.set);
	sigaddset(&k.set, SIGCHLD);
	for (int i = 0; i < NSTOPS; i++)
		sigaddset(&k.set, stop_signals[i]);
	sigprocmask(SIG_BLOCK, &k.set, &saved);
	keeper_pid = getpid();
	fflush(NULL); /* or both would write what the caller buffered */
	early = take_early_stop(&k.set);
	k.master = k.master_pid = fork();
	if (k.master == 0)
		master(g, res, early);
	if (k.master < 0) { /* as for a task's fork (stopflagd(8)): 71 */
		g->stop.cause = (struct sf_cause){ SF_REASON_START_FAILED, errno,
					      keeper_pid };
		g->stop.task = -1;
		sf__log(g, LOG_ERR, "keeper: cannot fork the master: %s",
			strerror(errno));
		status = SF__EX_OSERR;
	} else {
		sf__log(g, LOG_INFO, "keeper: pid %d; the master is pid %d",
			(int)keeper_pid, (int)k.master);
		keep(&k);
		if (!WIFEXITED(k.master_status))
			sf__log(g, LOG_ERR, "keeper: the master was killed by "
				"%s: stopping what it left",
				sf__signal_name(WTERMSIG(k.master_status)));
		sweep(&k);
		status = settle(&k, res);
		sf__log(g, LOG_INFO, "keeper: every process reaped; exit "
			"status %d", status);
	}
	drain(&k.set);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	prctl(PR_SET_CHILD_SUBREAPER, subreaper);
	munmap(res, sizeof(*res));
	return status;
}

int sf_group_run(sf_group *g)
{
	int status;

	if (!g)
		return -EINVAL;
	if (g->phase != SF__NEW)
		return -EBUSY;
	if (g->ntasks == 0)
		return -EINVAL;
	if (!g->keeper)
		return sf__master_run(g);
	status = sf__keeper_run(g);
	g->phase = SF__DONE;
	return status;
}
