/*
 * spawn.c - start a task in a child process, and signal it.
 *
 * Every signal is blocked across fork(), so no handler of the master runs
 * in the child.  The child then, in this order:
 *   - makes its own process group (the master does it too, from its side,
 *     so that it holds whichever of the two runs first);
 *   - resets every signal disposition to the default;
 *   - arms PR_SET_PDEATHSIG with its stop signal;
 *   - compares getppid() with the master's pid saved before fork(): if the
 *     master died before the signal was armed, nobody would send it;
 *   - function task: installs its stop handlers, unblocks, runs (task.c);
 *   - exec task: marks every fd but 0, 1 and 2 close-on-exec, then makes
 *     the flag's memfd inheritable (unless the task withholds it), clears
 *     the mask (a PDEATHSIG pending since the arming kills it right
 *     there), and execs with the environment the master built for it
 *     before fork() (execenv.c: STOPFLAG_FD, STOPFLAG_TASK).  An exec error goes back to
 *     the master over a close-on-exec pipe; EOF on that pipe means the
 *     exec succeeded.
 *
 * The master signals a task through a pidfd where the kernel has them:
 * that cannot reach a stranger even if somebody else reaped the task and
 * its pid was reused.  Without a pidfd the pid itself is used, which is
 * safe for the same reason as the process group below.
 *
 * Process groups have no pidfd.  kill(-pgid) is sent only while the
 * task's own process is unreaped (alive or a zombie): the pid number is
 * then still in use, so no new process can have been given it, and a
 * group of that id can only be the one the task made.  The master is the
 * only one that reaps its children, and it clears t->pid as it reaps.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "group.h"

static int pidfd_open_(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

static int pidfd_send_signal_(int pidfd, int signo)
{
#ifdef SYS_pidfd_send_signal
	return (int)syscall(SYS_pidfd_send_signal, pidfd, signo, NULL, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

/* 0, or -1 if the task is gone and its process group must not be
 * signalled. */
static int send_task(struct sf_task *t, int signo)
{
	if (t->pidfd >= 0 && pidfd_send_signal_(t->pidfd, signo) < 0 &&
	    errno == ESRCH)
		return -1; /* reaped behind our back: its group id is not ours */
	if (t->pidfd < 0)
		kill(t->pid, signo);
	kill(-t->pid, signo);
	return 0;
}

/* A stopped process (SIGSTOP, SIGTSTP, ...) acts on no signal but SIGKILL
 * until it is continued: every other signal is followed by SIGCONT, as
 * init systems do, so that a stop is not left waiting out the grace. */
void sf__signal_task(struct sf_task *t, int signo)
{
	if (t->pid <= 0)
		return;
	if (send_task(t, signo) == 0 && signo != SIGKILL && signo != SIGCONT)
		send_task(t, SIGCONT);
}

/* ----------------------------------------------------------- the child */

static void reset_dispositions(void)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	sigemptyset(&dfl.sa_mask);
	/* the C library's own signals and SIGKILL/SIGSTOP refuse: fine */
	for (int signo = 1; signo < NSIG; signo++)
		sigaction(signo, &dfl, NULL);
}

/* The signals the C library keeps for itself (32 and 33 in glibc) refuse
 * sigaction(), but an inherited SIG_IGN on them would survive the exec.
 * Just before the exec the library no longer needs them: the raw system
 * call sets them to the default.  A zeroed kernel sigaction is SIG_DFL,
 * no flags, an empty mask, whatever its layout on this architecture. */
static void reset_reserved_signals(void)
{
	unsigned long dfl[16] = { 0 };

	for (int signo = 32; signo < SIGRTMIN; signo++)
		syscall(SYS_rt_sigaction, signo, dfl, NULL, (NSIG - 1) / 8);
}

static void close_range_(unsigned first, unsigned last, int flags, int *err)
{
	if (*err == 0 && first <= last &&
	    syscall(SYS_close_range, first, last, flags) < 0)
		*err = errno;
}

/* Everything but 0, 1, 2 and keep[0] < keep[1] (-1: none) goes; the
 * kept ones are close-on-exec already. */
static void close_inherited_fds(const int keep[2])
{
	struct rlimit rl;
	unsigned from = 3;
	int err = 0;

	close_range_(3, ~0U, CLOSE_RANGE_CLOEXEC, &err);
	if (err == 0)
		return;
	err = 0; /* before Linux 5.11: no CLOSE_RANGE_CLOEXEC */
	for (int i = 0; i < 2; i++)
		if (keep[i] >= (int)from) {
			close_range_(from, (unsigned)keep[i] - 1, 0, &err);
			from = (unsigned)keep[i] + 1;
		}
	close_range_(from, ~0U, 0, &err);
	if (err == 0)
		return;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur > 1 << 20)
		rl.rlim_cur = 1 << 20;
	for (int fd = 3; fd < (int)rl.rlim_cur; fd++)
		if (fd != keep[0] && fd != keep[1])
			close(fd);
}

/* The fds an exec task keeps besides 0, 1, 2, in increasing order. */
static void fds_to_keep(const sf_group *g, const struct sf_task *t,
			int errfd, int keep[2])
{
	int flag_fd = t->no_flag ? -1 : g->flag_fd;

	keep[0] = flag_fd < errfd ? flag_fd : errfd;
	keep[1] = flag_fd < errfd ? errfd : flag_fd;
}

static _Noreturn void exec_task(const sf_group *g, struct sf_task *t,
				int errfd, char **envp)
{
	sigset_t none;
	int keep[2], err;

	fds_to_keep(g, t, errfd, keep);
	close_inherited_fds(keep);
	if (!t->no_flag && fcntl(g->flag_fd, F_SETFD, 0) < 0) {
		err = errno;
		(void)!write(errfd, &err, sizeof(err));
		_exit(SF__EX_NOEXEC);
	}
	reset_reserved_signals();
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (getppid() != t->master) {
		raise(t->stop_signal); /* what PDEATHSIG would have done */
		_exit(128 + t->stop_signal);
	}
	execvpe(t->argv[0], t->argv, envp);
	err = errno;
	(void)!write(errfd, &err, sizeof(err));
	_exit(err == ENOENT ? SF__EX_NOTFOUND : SF__EX_NOEXEC);
}

/* Close the pidfds of the other tasks: a function task has no business
 * signalling its siblings behind the master's back. */
static void close_sibling_pidfds(const sf_group *g)
{
	for (int i = 0; i < g->ntasks; i++)
		if (g->tasks[i]->pidfd >= 0)
			close(g->tasks[i]->pidfd);
}

/* The child's copy of the group stays in use (task names and options
 * point into it), but the frames above child() that held the pointer
 * need not have kept it anywhere a leak checker looks, since child()
 * never returns: this keeps it reachable until the task ends. */
static sf_group *volatile child_of; /* volatile: the store must stay */

static _Noreturn void child(sf_group *g, struct sf_task *t, int errfd,
			    char **envp)
{
	child_of = g;
	setpgid(0, 0);
	reset_dispositions();
	prctl(PR_SET_PDEATHSIG, t->stop_signal);
	if (t->argv)
		exec_task(g, t, errfd, envp);
	close_sibling_pidfds(g);
	_exit(sf__task_run(t));
}

/* ---------------------------------------------------------- the master */

/* What the exec child reported: 0 (EOF: the exec succeeded) or its errno. */
static int exec_result(int fd)
{
	int err = 0;
	ssize_t n;

	while ((n = read(fd, &err, sizeof(err))) < 0 && errno == EINTR)
		;
	return n == (ssize_t)sizeof(err) ? err : 0;
}

static void reap_now(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/*
 * Start t.  Returns 0 with t->pid set, or the exit status the failure
 * stands for (71: fork, or the pipe before it; 127: exec found nothing;
 * 126: exec failed otherwise) with its errno in *errnum.
 */
int sf__spawn(sf_group *g, struct sf_task *t, int *errnum)
{
	int pipefd[2] = { -1, -1 }, err;
	char **envp = NULL;
	sigset_t all, old;
	pid_t pid;

	if (t->argv && !(envp = sf__exec_env(g, t))) {
		*errnum = ENOMEM;
		return SF__EX_OSERR;
	}
	if (t->argv && pipe2(pipefd, O_CLOEXEC) < 0) {
		*errnum = errno;
		free(envp);
		return SF__EX_OSERR;
	}
	fflush(NULL); /* or the child inherits, and flushes, our buffers */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0)
		child(g, t, pipefd[1], envp);
	err = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(envp);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	t->last_pid = pid > 0 ? pid : 0;
	if (pid < 0) {
		if (pipefd[0] >= 0)
			close(pipefd[0]);
		*errnum = err;
		return SF__EX_OSERR;
	}
	setpgid(pid, pid); /* EACCES once it has exec'd: it did it itself */
	if (t->argv) {
		err = exec_result(pipefd[0]);
		close(pipefd[0]);
		if (err) {
			reap_now(pid);
			*errnum = err;
			return err == ENOENT ? SF__EX_NOTFOUND : SF__EX_NOEXEC;
		}
	}
	t->pid = pid;
	t->pidfd = pidfd_open_(pid);
	return 0;
}
