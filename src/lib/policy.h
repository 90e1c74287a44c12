/*
 * policy.h - what the library decides and stopflagd must agree with: the
 * signals that stop a group, which signal may be a task's stop signal,
 * the group's defaults and caps, and the names of strategies and signals.
 *
 * Header only (everything static), so that stopflagd, which links nothing
 * of the library but its exported API, refuses a config by the very rules
 * sf_group_set_*() apply, and names things as the library's log does.
 * Not installed.
 */
#ifndef SF_POLICY_H
#define SF_POLICY_H

#include <signal.h>
#include <stddef.h>

#include "stopflag.h"

/* The signals that stop the whole group: the master takes them over while
 * the group runs, every task stops on them, stopflagd catches them around
 * the run. */
static const int sf__stop_signals[] = { SIGINT, SIGTERM, SIGQUIT, SIGHUP };
#define SF__NSTOP_SIGNALS \
	((int)(sizeof(sf__stop_signals) / sizeof(*sf__stop_signals)))

/* A new group's settings (sf_group_create()) and a new task's
 * (sf_group_add(), sf_group_add_exec()).  The most max_restarts can be is
 * SF_MAX_RESTARTS, in stopflag.h. */
#define SF__DEFAULT_GRACE_MS     5000
#define SF__DEFAULT_STRATEGY     SF_STOP_ALL
#define SF__DEFAULT_MAX_RESTARTS 3
#define SF__DEFAULT_PERIOD_MS    5000
#define SF__DEFAULT_STOP_SIGNAL  SIGTERM
#define SF__DEFAULT_RESTART      SF_TEMPORARY

/*
 * Why signo cannot be a task's stop signal, or NULL if it can.  A stop
 * signal must be a signal, one a handler can catch (a task sees it as a
 * stop), one whose default action ends a process (an exec task that does
 * not catch it stops), and not one the C library keeps for itself.
 * Async-signal-safe: no calls.
 */
static inline const char *sf__stop_signal_unfit(int signo)
{
	switch (signo) {
	case SIGKILL:
	case SIGSTOP:
		return "KILL and STOP cannot be caught, so a task could not "
		       "see them as a stop";
	case SIGCHLD:
	case SIGCONT:
	case SIGURG:
	case SIGWINCH:
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
		return "by default this signal does not end a process, so an "
		       "exec task would not stop";
	default:
		break;
	}
	if (signo <= 0 || signo > SIGRTMAX)
		return "not a signal number (1 to SIGRTMAX)";
	if (signo > SIGSYS && signo < SIGRTMIN)
		return "the C library keeps this signal for itself";
	return NULL;
}

/* "SIGTERM" for SIGTERM: the C library's abbreviations (sigabbrev_np())
 * with SIG in front; SIGPOLL, not SIGIO, as glibc calls it.  NULL where a
 * signal has none (real-time ones, those the C library keeps). */
#define SF__SIGNAME(s) [s] = #s
static const char *const sf__signal_names[] = {
	SF__SIGNAME(SIGHUP), SF__SIGNAME(SIGINT), SF__SIGNAME(SIGQUIT),
	SF__SIGNAME(SIGILL), SF__SIGNAME(SIGTRAP), SF__SIGNAME(SIGABRT),
	SF__SIGNAME(SIGBUS), SF__SIGNAME(SIGFPE), SF__SIGNAME(SIGKILL),
	SF__SIGNAME(SIGUSR1), SF__SIGNAME(SIGSEGV), SF__SIGNAME(SIGUSR2),
	SF__SIGNAME(SIGPIPE), SF__SIGNAME(SIGALRM), SF__SIGNAME(SIGTERM),
	SF__SIGNAME(SIGSTKFLT), SF__SIGNAME(SIGCHLD), SF__SIGNAME(SIGCONT),
	SF__SIGNAME(SIGSTOP), SF__SIGNAME(SIGTSTP), SF__SIGNAME(SIGTTIN),
	SF__SIGNAME(SIGTTOU), SF__SIGNAME(SIGURG), SF__SIGNAME(SIGXCPU),
	SF__SIGNAME(SIGXFSZ), SF__SIGNAME(SIGVTALRM), SF__SIGNAME(SIGPROF),
	SF__SIGNAME(SIGWINCH), SF__SIGNAME(SIGPOLL), SF__SIGNAME(SIGPWR),
	SF__SIGNAME(SIGSYS),
};
#undef SF__SIGNAME
#define SF__NSIGNAL_NAMES \
	((int)(sizeof(sf__signal_names) / sizeof(*sf__signal_names)))

/* The name of signo ("SIGTERM"), or NULL if it has none.
 * Async-signal-safe. */
static inline const char *sf__signal_abbrev(int signo)
{
	return signo > 0 && signo < SF__NSIGNAL_NAMES ?
	       sf__signal_names[signo] : NULL;
}

/* The name of signo in a sentence: "SIGTERM", "a real-time signal" or
 * "an unknown signal".  Async-signal-safe. */
static inline const char *sf__signal_name(int signo)
{
	const char *name = sf__signal_abbrev(signo);

	if (name)
		return name;
	return signo >= SIGRTMIN && signo <= SIGRTMAX ? "a real-time signal" :
	       "an unknown signal";
}

/* The strategies by name, as stopflagd.conf(5) spells them. */
static const char *const sf__strategy_names[] = {
	[SF_STOP_ALL] = "stop-all",
	[SF_ONE_FOR_ONE] = "one-for-one",
	[SF_ONE_FOR_ALL] = "one-for-all",
	[SF_REST_FOR_ONE] = "rest-for-one",
};
#define SF__NSTRATEGIES \
	((int)(sizeof(sf__strategy_names) / sizeof(*sf__strategy_names)))

/* "stop-all" for SF_STOP_ALL, or "unknown".  Async-signal-safe. */
static inline const char *sf__strategy_name(enum sf_strategy strategy)
{
	return (int)strategy >= 0 && (int)strategy < SF__NSTRATEGIES ?
	       sf__strategy_names[strategy] : "unknown";
}

/* Where tasks' output goes, by name, as stopflagd.conf(5) spells it. */
static const char *const sf__output_names[] = {
	[SF_OUTPUT_INHERIT] = "inherit",
	[SF_OUTPUT_PREFIX] = "prefix",
	[SF_OUTPUT_JOURNAL] = "journal",
	[SF_OUTPUT_AUTO] = "auto",
};
#define SF__NOUTPUTS \
	((int)(sizeof(sf__output_names) / sizeof(*sf__output_names)))
/* stopflagd's default: decided by where its stdout and stderr go. */
#define SF__DEFAULT_DAEMON_OUTPUT SF_OUTPUT_AUTO

#endif
