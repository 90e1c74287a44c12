/*
 * output.h - where tasks' stdout and stderr go (enum sf_output): the
 * master's side (output.c) and the relay process (relay.c).
 *
 *   master.c  -> output.c: sf__output_start() before the first task,
 *                sf__output_stop() when the stop begins (no task starts
 *                after it), sf__output_end() once every child is reaped
 *   reap.c    -> output.c: the relay is a child of the master, but no
 *                task and no process a task left behind
 *   spawn.c   -> output.c: the fds a task's stdout and stderr become
 *   output.c  -> relay.c: the relay's plan, and its fork
 *
 * Not installed.
 */
#ifndef SF_OUTPUT_H
#define SF_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "group.h"

/* The relay's plan: everything it needs, allocated by the master before
 * fork(), so that the relay allocates nothing (the master's program may
 * have threads, and the relay is a fork of it). */
struct sf__relay;

/* relay.c */
struct sf__relay *sf__relay_new(int nstreams, int width, int grace_ms);
/* One pipe's read end: the task's name and colour (an index), stderr or
 * stdout.  At most nstreams of them. */
void sf__relay_add(struct sf__relay *r, int fd, const char *name, int colour,
		   bool is_stderr);
/* Fork the relay; fds[0..nfds) are closed in it (the write ends the
 * master keeps).  Returns its pid, or -1 with errno set. */
pid_t sf__relay_fork(struct sf__relay *r, pid_t master, const int *fds,
		     int nfds);
void sf__relay_free(struct sf__relay *r);

/* output.c */
int sf__output_start(sf_group *g);
/* The fds t's stdout and stderr become in its process: -1 to keep the
 * master's. */
void sf__output_fds(const sf_group *g, const struct sf_task *t, int fds[2]);
void sf__output_stop(sf_group *g);
void sf__output_end(sf_group *g);
/* Whether pid is the relay (reap.c: it is neither a task nor left
 * behind by one). */
bool sf__output_is_relay(const sf_group *g, pid_t pid);
/* The relay ended, with this wait status: logged, not a task's end. */
void sf__output_reaped(sf_group *g, int status);
/* Whether the relay may be killed now: once no task process is left, it
 * has a grace of its own to write what they wrote. */
bool sf__output_relay_overdue(sf_group *g, int64_t now);

#endif
