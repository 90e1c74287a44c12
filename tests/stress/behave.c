/*
 * behave.c - what function tasks and exec tasks (stress-task) both do:
 * record each incarnation in the shared record, fork the grandchildren of
 * the plan, fork a bomb, sleep to a moment of the scenario's timeline.
 * (A shell task's script records its start through stress-task, for the
 * shell's pid: st_task_begin_as().)
 *
 * Grandchildren pause forever; a function task's keep its stop handler,
 * which does not end them, and one that calls setsid() ignores the stop
 * signals: only SIGKILL ends those, so only the master's sweep can.  None
 * arms PR_SET_PDEATHSIG: nothing here helps the library clean up.
 */
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "stress.h"
#include "testutil.h"

/* A bomb stops at this many children even where fork never fails. */
#define ST_BOMB_MAX 2000

uint64_t st_proc_starttime(pid_t pid)
{
	struct st_proc p;

	return st_proc_read(pid, &p) == 0 ? p.starttime : 0;
}

uint64_t st_ident(pid_t pid, uint64_t starttime)
{
	return (uint64_t)pid << 42 | (starttime & ((UINT64_C(1) << 42) - 1));
}

/* A plain grandchild keeps what it inherited: in a function task, the
 * task's own stop handler (as a worker that runs the task's code would),
 * which must not make it speak for the task.  One that leaves the session
 * ignores every stop signal, as a daemon would. */
static void __attribute__((noreturn)) linger(int new_session)
{
	static const int ignored[] = { SIGINT, SIGTERM, SIGQUIT, SIGHUP,
				       SIGUSR1, SIGUSR2, SIGPIPE };
	sigset_t none;

	for (size_t i = 0; new_session && i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (new_session)
		setsid();
	for (;;)
		pause();
}

void st_task_grandchildren(const struct st_task_plan *p)
{
	for (int i = 0; i < p->grandchildren + p->setsid_child; i++) {
		pid_t pid = fork();

		if (pid == 0)
			linger(i >= p->grandchildren);
	}
}

int st_task_begin_as(struct st_shared *sh, int idx, pid_t pid)
{
	struct st_task_rec *rec = &sh->task[idx];
	int inc = __atomic_add_fetch(&rec->incarnations, 1, __ATOMIC_SEQ_CST);

	if (inc <= ST_MAX_INCARNATIONS) {
		ST_STORE(&rec->start_ns[inc - 1], tu_now_ns());
		ST_STORE(&rec->pid[inc - 1], pid);
	}
	ST_STORE(&rec->ident, st_ident(pid, st_proc_starttime(pid)));
	return inc;
}

int st_task_begin(struct st_shared *sh, int idx)
{
	int inc = st_task_begin_as(sh, idx, getpid());

	st_task_grandchildren(&sh->sc.task[idx]);
	return inc;
}

int st_fork_bomb(void)
{
	int n = 0;

	while (n < ST_BOMB_MAX) {
		pid_t pid = fork();

		if (pid < 0)
			break;
		if (pid == 0)
			linger(0);
		n++;
	}
	return n;
}

void st_sleep_until_ns(int64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000),
			       (long)(ns % 1000000000) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

uid_t st_nproc_uid(unsigned index)
{
	/* A uid nobody uses, a new one for each scenario, so that no process
	 * of an earlier scenario counts against this one's limit. */
	return (uid_t)(0x3f000000u + (index & 0xfffffu));
}
