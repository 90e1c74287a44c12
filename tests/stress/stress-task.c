/*
 * stress-task.c - the program exec tasks of the campaign run:
 * `stress-task INDEX`, with the shared record (a memfd) as standard input.
 *
 * It first checks what the library promised to hand over: no signal
 * ignored (the default disposition for all: the caught ones exec() resets
 * by itself) and an empty signal mask.  Then it behaves like a
 * function task (tasks.c), with signals instead of the flag: a cooperative
 * one dies by its stop signal (or catches it and exits 0), a stubborn one
 * ignores it and SIGTERM and waits for SIGKILL.
 *
 * `stress-task INDEX sh-...` records for a shell task's script what it
 * does (sleeper.c says which and when).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "stress.h"
#include "testutil.h"

static void exit_zero(int signo)
{
	(void)signo;
	_exit(0);
}

/* Bit 0: a signal was ignored; bit 1: the mask was not empty.  (exec()
 * resets caught signals to the default by itself, but keeps ignored ones
 * and the mask; what is caught here, a sanitizer's runtime caught before
 * main().) */
static int inherited_state(void)
{
	sigset_t mask;
	int bad = 0;

	for (int sig = 1; sig < 32; sig++) {
		struct sigaction sa;

		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
			bad |= 1;
	}
	if (sigprocmask(SIG_SETMASK, NULL, &mask) == 0)
		for (int sig = 1; sig < 32; sig++)
			if (sigismember(&mask, sig))
				bad |= 2;
	return bad;
}

/* A number argument, or -1. */
static long number(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s && !*end && v >= 0 ? v : -1;
}

/* sh-begin PID: the script's start; the ms left until its request (0 if
 * the moment has passed), or "-" for none. */
static int sh_begin(struct st_shared *sh, int idx, pid_t pid)
{
	const struct st_task_plan *p = &sh->sc.task[idx];

	if (st_task_begin_as(sh, idx, pid) != 1 || p->action == ST_ACT_NONE) {
		puts("-");
	} else {
		int64_t left = sh->t0_ns + (int64_t)p->action_ms * 1000000 - tu_now_ns();
		printf("%lld\n", left > 0 ? (long long)(left + 999999) / 1000000 : 0LL);
	}
	return fflush(stdout) == 0 ? 0 : 2;
}

/* sh-woke STATUS, exec'd by the script: this process is the shell's. */
static int sh_woke(struct st_shared *sh, int idx, long status)
{
	struct st_task_rec *rec = &sh->task[idx];
	int n = ST_LOAD(&rec->incarnations);

	if (status != 1)
		ST_STORE(&rec->woke_status, status < 0 ? 255 : (int)status);
	for (int i = (n < ST_MAX_INCARNATIONS ? n : ST_MAX_INCARNATIONS) - 1;
	     i >= 0; i--)
		if (ST_LOAD(&rec->pid[i]) == getpid()) {
			ST_STORE(&rec->woke_ns[i], tu_now_ns());
			return 0;
		}
	return 2;
}

/* What a shell task's script asks to record: 0, or 2 for a bad request. */
static int shell_record(struct st_shared *sh, int idx, int argc, char **argv)
{
	struct st_task_rec *rec = &sh->task[idx];
	long arg = argc > 3 ? number(argv[3]) : -1;

	if (strcmp(argv[2], "sh-begin") == 0 && arg > 0)
		return sh_begin(sh, idx, (pid_t)arg);
	if (strcmp(argv[2], "sh-act") == 0 && arg > 0) {
		ST_STORE(&rec->action_pid, (pid_t)arg);
		ST_STORE(&rec->action_ns, tu_now_ns());
		return 0;
	}
	if (strcmp(argv[2], "sh-acted") == 0) {
		ST_STORE(&rec->acted_ns, tu_now_ns());
		return 0;
	}
	if (strcmp(argv[2], "sh-woke") == 0 && argc > 3)
		return sh_woke(sh, idx, arg);
	return 2;
}

int main(int argc, char **argv)
{
	struct st_shared *sh;
	const struct st_task_plan *p;
	int idx, bad = inherited_state();

	if (argc < 2 || argc > 4)
		return 2;
	idx = (int)number(argv[1]);
	if (idx < 0 || idx >= ST_MAX_TASKS)
		return 2;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED,
		  STDIN_FILENO, 0);
	if (sh == MAP_FAILED)
		return 2;
	if (argc > 2) /* a shell task's record: its signal state is its own */
		return shell_record(sh, idx, argc, argv);
	p = &sh->sc.task[idx];
	__atomic_or_fetch(&sh->task[idx].bad_start, bad, __ATOMIC_SEQ_CST);
	if (p->stubborn) {
		signal(p->stop_signal, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
	} else if (p->exec_catch) {
		signal(p->stop_signal, exit_zero);
	}
	if (st_task_begin(sh, idx) == 1 && p->action != ST_ACT_NONE) {
		st_sleep_until_ns(sh->t0_ns + (int64_t)p->action_ms * 1000000);
		ST_STORE(&sh->task[idx].action_pid, getpid());
		ST_STORE(&sh->task[idx].action_ns, tu_now_ns());
		if (p->action == ST_ACT_ABORT) {
			signal(SIGABRT, SIG_DFL);
			raise(SIGABRT);
		}
		return p->action_code;
	}
	for (;;)
		pause();
}
