/*
 * spawn.c - start a task in a child process, and signal it.
 *
 * Every signal is blocked while the child is made: a function task's by
 * fork(), an exec task's by clone(CLONE_VM | CLONE_VFORK), which copies
 * nothing of the master (see clone_exec_child()).  The child then, in
 * this order:
 *   - makes its own process group (the master does it too, from its side,
 *     so that it holds whichever of the two runs first);
 *   - resets every signal disposition to the default;
 *   - arms PR_SET_PDEATHSIG with its stop signal;
 *   - dup2()s onto 1 and 2 the fds its output goes to (output.c made
 *     them before the fork; none if it inherits the master's);
 *   - function task: runs with a copy of its own record, the only one of
 *     the group's it has (arena.h); closes its siblings' pidfds and every
 *     notify socket (the master's: only the master reads them), which
 *     the master listed for it before the fork; sets NOTIFY_SOCKET to
 *     its own (or unsets the master's), faults the flag's page
 *     in for writing (flag.c: its first set then pays no fault), compares
 *     getppid() with the master's pid saved before fork() (task.c: if the
 *     master died before the signal was armed, nobody would send it),
 *     installs its stop handlers, unblocks, runs;
 *   - exec task: marks every fd but 0, 1, 2 and the one it is to keep
 *     (the flag's memfd, unless the task withholds it) close-on-exec,
 *     resets the C library's reserved signals, clears the
 *     mask, makes the same getppid() check, and execs.  An exec error
 *     goes back to the master over a close-on-exec pipe; EOF on that pipe
 *     means the exec succeeded.
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
#include <limits.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "group.h"
#include "output.h"

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

static void close_range_(int first, int last, int flags, int *err)
{
	if (*err == 0 && first <= last &&
	    syscall(SYS_close_range, (unsigned)first, (unsigned)last,
		    flags) < 0)
		*err = errno;
}

/* Close every fd from 3 up but keep[0] and keep[1] (-1: none; both
 * sorted, the lower first), with close_range(2) where the kernel has it
 * and one close(2) at a time up to RLIMIT_NOFILE where it has not. */
static void close_all_but(const int keep[2])
{
	int err = 0, from = 3;
	struct rlimit rl;

	for (int i = 0; i < 2; i++) {
		if (keep[i] < from)
			continue;
		close_range_(from, keep[i] - 1, 0, &err);
		from = keep[i] + 1;
	}
	close_range_(from, INT_MAX, 0, &err);
	if (err == 0)
		return;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur > 1 << 20)
		rl.rlim_cur = 1 << 20;
	for (int fd = 3; fd < (int)rl.rlim_cur; fd++)
		if (fd != keep[0] && fd != keep[1])
			close(fd);
}

/* Everything an exec child does, prepared by the master before the
 * clone: the child only reads it (see spawn_exec()). */
struct exec_plan {
	char *const *argv;
	char *const *envp;   /* the program's environment; NULL: environ */
	int keep_fd;         /* an fd the program inherits, or -1 */
	int errfd;           /* the error pipe's write end, close-on-exec */
	int stop_signal;
	pid_t master;
	int out[2];          /* what stdout, stderr become (output.c), or -1 */
};

/* The task's stdout and stderr, if its output is not the master's: the
 * fds are above 2 (output.c), and dup2() clears their close-on-exec. */
static int install_output(const int out[2])
{
	for (int k = 0; k < 2; k++)
		if (out[k] >= 0 && dup2(out[k], k + 1) < 0)
			return -1;
	return 0;
}

/* Every fd but 0, 1, 2 and the kept one becomes close-on-exec (the error
 * pipe already is), and the kept one loses its close-on-exec. */
static int close_inherited_fds(const struct exec_plan *p)
{
	int keep[2] = { p->errfd, p->keep_fd };
	int err = 0;

	if (keep[1] >= 0 && keep[1] < keep[0]) {
		keep[0] = p->keep_fd;
		keep[1] = p->errfd;
	}
	close_range_(3, INT_MAX, CLOSE_RANGE_CLOEXEC, &err);
	if (err != 0) /* before Linux 5.11: no CLOSE_RANGE_CLOEXEC */
		close_all_but(keep);
	if (p->keep_fd >= 0 && fcntl(p->keep_fd, F_SETFD, 0) < 0)
		return -1;
	return 0;
}

/*
 * The exec child.  It may share the master's memory (spawn_exec()), so
 * from here to the exec it calls only async-signal-safe functions and
 * writes no memory of the master's but errno, the calling thread's,
 * which the master does not read across the spawn.  Its own stack holds
 * everything else.  execvpe() is glibc's own choice for this spot: its
 * posix_spawnp() runs it in a CLONE_VM child too, and it searches PATH
 * in a buffer on the stack, with no malloc().
 */
static int exec_child(void *arg)
{
	const struct exec_plan *p = arg;
	sigset_t none;
	int err;

	setpgid(0, 0);
	reset_dispositions();
	prctl(PR_SET_PDEATHSIG, p->stop_signal);
	if (install_output(p->out) < 0 ||
	    close_inherited_fds(p) < 0) { /* the flag's fd stays shut */
		err = errno;
		(void)!write(p->errfd, &err, sizeof(err));
		_exit(SF__EX_NOEXEC);
	}
	reset_reserved_signals();
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (getppid() != p->master) {
		/* what PDEATHSIG would have done; not raise(): glibc's reads
		 * the master's thread descriptor, and would signal it */
		kill((pid_t)syscall(SYS_getpid), p->stop_signal);
		_exit(128 + p->stop_signal);
	}
	execvpe(p->argv[0], p->argv, p->envp ? p->envp : environ);
	err = errno;
	(void)!write(p->errfd, &err, sizeof(err));
	_exit(err == ENOENT ? SF__EX_NOTFOUND : SF__EX_NOEXEC);
}

/* Close the fds first..last (first < 0: none). */
static void close_fd_run(int first, int last)
{
	int err = 0;

	if (first < 0)
		return;
	if (first < last)
		close_range_(first, last, 0, &err);
	if (first == last || err)
		for (int fd = first; fd <= last; fd++)
			close(fd);
}

/*
 * The master's fds a function task closes: the pidfds of the other tasks
 * (a function task has no business signalling its siblings behind the
 * master's back) and every notify socket (a copy held open here would
 * keep an ended start's socket, and its messages, alive).  The master
 * opened them one after another (a task's socket, then its pidfd), so
 * they mostly come in runs of consecutive numbers: one close_range(2) a
 * run, not one close(2) an fd, which for the last of 1000 tasks was 1000
 * system calls before it could run.  The master gathers the runs before
 * the fork, from the records the child has none of (arena.h).
 */
#define FD_RUNS_INLINE 32

struct fd_runs {
	int (*run)[2];   /* first and last of each: inline_run, or allocated */
	int n;
	int inline_run[FD_RUNS_INLINE][2];
};

static int add_fd(struct fd_runs *r, int fd, int most)
{
	if (fd < 0)
		return 0;
	if (r->n > 0 && fd == r->run[r->n - 1][1] + 1) {
		r->run[r->n - 1][1] = fd;
		return 0;
	}
	if (r->n == FD_RUNS_INLINE && r->run == r->inline_run) {
		int (*more)[2] = calloc((size_t)most, sizeof(*more));

		if (!more)
			return -ENOMEM;
		memcpy(more, r->inline_run, sizeof(r->inline_run));
		r->run = more;
	}
	r->run[r->n][0] = r->run[r->n][1] = fd;
	r->n++;
	return 0;
}

static int gather_master_fds(const sf_group *g, struct fd_runs *r)
{
	int most = 2 * g->ntasks; /* a run for each fd at worst */

	r->run = r->inline_run;
	r->n = 0;
	for (int i = 0; i < g->ntasks; i++)
		if (add_fd(r, g->tasks[i]->notify_fd, most) < 0 ||
		    add_fd(r, g->tasks[i]->pidfd, most) < 0)
			return -ENOMEM;
	return 0;
}

static void drop_fd_runs(struct fd_runs *r)
{
	if (r->run != r->inline_run)
		free(r->run);
}

/* In the child. */
static void close_fd_runs(const struct fd_runs *r)
{
	for (int i = 0; i < r->n; i++)
		close_fd_run(r->run[i][0], r->run[i][1]);
}

/* What sd_notify(3) in a function task reaches: its own notify socket,
 * never the master's supervisor.  The master is single-threaded
 * (sf_group_run()), so the C library's environment is safe to change in
 * its fork.  The master looked whether there is one to unset: where
 * there is none, the child runs none of the C library's environment and
 * string code (the pages a task has mapped cost its end: arena.h). */
static void set_notify_env(const struct sf_task *t, bool inherited)
{
	if (t->ready_mode == SF_READY_NOTIFY)
		setenv(SF_NOTIFY_ENV, t->notify_addr, 1);
	else if (inherited)
		unsetenv(SF_NOTIFY_ENV);
}

/* The child's copy of the group stays in use (task names and options
 * point into it), but the frames above child() that held the pointer
 * need not have kept it anywhere a leak checker looks, since child()
 * never returns: this keeps it reachable until the task ends. */
static sf_group *volatile child_of; /* volatile: the store must stay */

/* What a function task's child gets from the master, on the master's
 * stack, which its fork copies: the copy of its record it runs with (the
 * fork copies none of the group's records: arena.h), and the master's
 * fds it closes. */
struct function_plan {
	struct sf_task task;
	struct fd_runs fds;
	bool notify_env;     /* the master's environment has NOTIFY_SOCKET */
};

/* A function task's child, after fork(). */
static _Noreturn void function_child(sf_group *g, struct function_plan *fp)
{
	struct sf_task *t = &fp->task;
	int out[2];

	child_of = g;
	setpgid(0, 0);
	reset_dispositions();
	prctl(PR_SET_PDEATHSIG, t->stop_signal);
	close_fd_runs(&fp->fds);
	set_notify_env(t, fp->notify_env);
	sf__output_fds(g, t, out);
	if (install_output(out) == 0 && out[0] >= 0)
		setvbuf(stdout, NULL, _IOLBF, 0); /* lines reach the relay */
	/* a fork does not copy the page-table entries of a shared mapping:
	 * the task's first set would fault the flag's page in; pay it now */
	sf__flag_touch(t->flag);
	/* nor of the C library's code: the fflush(NULL) that ends the task
	 * would fault in two pages of it in every task at the stop; the
	 * buffers are empty here (create_child() flushed them).  A task that
	 * ends without the flush (sf_group_set_stdio_flush()) needs neither. */
	if (!t->no_flush)
		fflush(NULL);
	sf__task_run(t);
}

/* ---------------------------------------------------------- the master */

/*
 * An exec task's process shares the master's memory until its exec
 * (clone(CLONE_VM | CLONE_VFORK), as posix_spawn() and Python's
 * subprocess do): nothing of the master is copied, and the master,
 * whose calling thread the kernel holds until the exec or _exit, pays
 * for no page tables however big it is.  stopflag-bench scale measures
 * what that saves.  posix_spawn() itself cannot arm PR_SET_PDEATHSIG
 * and check getppid() in the child.
 *
 * Under a sanitizer the child forks instead: the sanitizers' runtimes
 * keep per-thread state that a child sharing the memory would change
 * under the master's thread (ThreadSanitizer tracks every access, and
 * AddressSanitizer poisons the stack it runs on), and glibc's
 * posix_spawn() is safe there only because its child runs no
 * instrumented code.  Valgrind turns CLONE_VM | CLONE_VFORK into a fork
 * by itself.
 */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SPAWN_FORKS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SPAWN_FORKS 1
#endif
#endif

#ifndef SPAWN_FORKS
/* The exec child's stack, in bytes: glibc's execvpe() puts PATH (at most
 * PATH_MAX) and the name in a buffer on it, and a new argv if it falls
 * back to /bin/sh; the calls before it take a few hundred bytes. */
static size_t child_stack_size(char *const argv[])
{
	size_t argc = 0;

	while (argv[argc])
		argc++;
	return 16384 + PATH_MAX + (argc + 2) * sizeof(char *);
}

/* The stack the child gets on the master's, enough for 4000 words. */
#define SPAWN_STACK (64 * 1024)

static pid_t clone_on(char *stack, size_t size, struct exec_plan *p)
{
	uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;

	return clone(exec_child, (void *)top,
		     CLONE_VM | CLONE_VFORK | SIGCHLD, p);
}

/* A stack of its own, for a command line too long for the one below. */
static pid_t clone_on_mapped(size_t size, struct exec_plan *p)
{
	char *stack = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	pid_t pid;
	int err;

	if (stack == MAP_FAILED)
		return -1;
	pid = clone_on(stack, size, p);
	err = errno;
	munmap(stack, size);
	errno = err;
	return pid;
}

/*
 * The child runs on a part of the master's own stack, in this frame, as
 * musl's posix_spawn() does: the calling thread is held by the kernel
 * until the exec or the exit, so nothing else uses it, and after the
 * first spawn its pages are already there.  A stack mapped for each
 * spawn, as glibc's posix_spawn() has, costs page faults every time, and
 * a page fault is dear on a virtual machine (on the README's machine, 30
 * to 60 us, against a few us for the whole clone).
 */
static pid_t clone_exec_child(struct exec_plan *p)
{
	size_t size = child_stack_size(p->argv);
	char stack[SPAWN_STACK];

	if (size > sizeof(stack))
		return clone_on_mapped(size, p);
	return clone_on(stack, sizeof(stack), p);
}
#else
static pid_t clone_exec_child(struct exec_plan *p)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(exec_child(p));
	return pid;
}
#endif

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

/* Create a task's process, an exec task's (plan) or a function task's
 * (fp), every signal blocked across it: its pid, or -1 with errno set. */
static pid_t create_child(sf_group *g, struct exec_plan *plan,
			  struct function_plan *fp)
{
	sigset_t all, old;
	pid_t pid;
	int err;

	if (!plan)
		fflush(NULL); /* or the child inherits, and flushes, our buffers */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = plan ? clone_exec_child(plan) : fork();
	if (pid == 0) {
		if (!fp) /* cannot be: an exec task's child never returns here */
			_exit(SF__EX_SOFTWARE);
		function_child(g, fp);
	}
	err = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = err;
	return pid;
}

/* Start an exec task with the environment envp (NULL: the master's) and
 * keep_fd (or -1) left open across the exec; see sf__spawn(). */
static int spawn_exec(sf_group *g, struct sf_task *t, char *const envp[],
		      int keep_fd, int *errnum)
{
	struct exec_plan plan = { t->argv, envp, keep_fd, -1, t->stop_signal,
				  t->master, { -1, -1 } };
	int pipefd[2], err;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		*errnum = errno;
		return SF__EX_OSERR;
	}
	plan.errfd = pipefd[1];
	sf__output_fds(g, t, plan.out);
	pid = create_child(g, &plan, NULL);
	err = errno;
	close(pipefd[1]);
	t->last_pid = pid > 0 ? pid : 0;
	if (pid < 0) {
		close(pipefd[0]);
		*errnum = err;
		return SF__EX_OSERR;
	}
	setpgid(pid, pid); /* EACCES once it has exec'd: it did it itself */
	err = exec_result(pipefd[0]);
	close(pipefd[0]);
	if (err) {
		reap_now(pid);
		*errnum = err;
		return err == ENOENT ? SF__EX_NOTFOUND : SF__EX_NOEXEC;
	}
	t->pid = pid;
	sf__pidmap_put(&g->pids, pid, t);
	return 0;
}

static int spawn_function(sf_group *g, struct sf_task *t, int *errnum)
{
	struct function_plan fp;
	pid_t pid;

	fp.task = *t;
	fp.notify_env = getenv(SF_NOTIFY_ENV) != NULL;
	if (gather_master_fds(g, &fp.fds) < 0) {
		*errnum = ENOMEM;
		return SF__EX_OSERR;
	}
	pid = create_child(g, NULL, &fp);
	drop_fd_runs(&fp.fds);

	t->last_pid = pid > 0 ? pid : 0;
	if (pid < 0) {
		*errnum = errno;
		return SF__EX_OSERR;
	}
	setpgid(pid, pid);
	t->pid = pid;
	sf__pidmap_put(&g->pids, pid, t);
	return 0;
}

/*
 * Start t.  Returns 0 with t->pid set, or the exit status the failure
 * stands for (71: fork, or the pipe before it; 127: exec found nothing;
 * 126: exec failed otherwise) with its errno in *errnum.
 */
int sf__spawn(sf_group *g, struct sf_task *t, int *errnum)
{
	char **envp = NULL;
	int ret;

	/* An exec task's environment (execenv.c: STOPFLAG_FD, STOPFLAG_TASK)
	 * is built here, before the clone: its child may not allocate. */
	if (t->argv && !(envp = sf__exec_env(g, t))) {
		*errnum = ENOMEM;
		return SF__EX_OSERR;
	}
	ret = t->argv ? spawn_exec(g, t, envp, t->no_flag ? -1 : g->flag_fd,
				   errnum)
		      : spawn_function(g, t, errnum);
	free(envp);
	if (ret == 0)
		t->pidfd = pidfd_open_(t->pid);
	return ret;
}
