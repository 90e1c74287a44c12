/*
 * stopsignals.c - stopflagd's stop signals, blocked from main's first line
 * (stopsignals.h).
 */
#include <signal.h>

#include "policy.h"
#include "stopsignals.h"

void sfd_stop_signals_add(sigset_t *set)
{
	for (int i = 0; i < SF__NSTOP_SIGNALS; i++)
		sigaddset(set, sf__stop_signals[i]);
}

void sfd_block_stop_signals(void)
{
	sigset_t stops;

	sigemptyset(&stops);
	sfd_stop_signals_add(&stops);
	sigprocmask(SIG_BLOCK, &stops, NULL);
}

void sfd_ignore_stop_signals(void)
{
	for (int i = 0; i < SF__NSTOP_SIGNALS; i++)
		signal(sf__stop_signals[i], SIG_IGN);
}
