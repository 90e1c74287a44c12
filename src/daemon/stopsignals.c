/*
 * stopsignals.c - stopflagd's stop signals, blocked from main's first line
 * (stopsignals.h).
 */
#include <signal.h>

#include "stopsignals.h"

const int sfd_stop_signals[SFD_NSTOPS] = { SIGINT, SIGTERM, SIGQUIT, SIGHUP };

void sfd_stop_signals_add(sigset_t *set)
{
	for (int i = 0; i < SFD_NSTOPS; i++)
		sigaddset(set, sfd_stop_signals[i]);
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
	for (int i = 0; i < SFD_NSTOPS; i++)
		signal(sfd_stop_signals[i], SIG_IGN);
}
