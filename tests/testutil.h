/*
 * testutil.h - what every test that forks or waits needs: a watchdog, a
 * fork that cannot outlive the test, generous time bounds.
 */
#ifndef SF_TESTUTIL_H
#define SF_TESTUTIL_H

#include <stdint.h>
#include <sys/types.h>

/* Arm (or re-arm) the watchdog: if the test is still running after
 * `seconds` (scaled under valgrind), it prints a TAP "Bail out!" naming
 * `what` and exits 99, and every child of tu_fork() dies with it. */
void tu_watchdog(unsigned seconds, const char *what);
void tu_watchdog_off(void);

/* fork(), with the child bound to die by SIGKILL when the test dies. */
pid_t tu_fork(void);

/* Wait for pid; return its raw wait status. */
int tu_wait(pid_t pid);

/* Reap every remaining child; return how many there were. */
int tu_reap_all(void);

/* CLOCK_MONOTONIC in ms / ns. */
int64_t tu_now_ms(void);
int64_t tu_now_ns(void);

/* A generous upper bound: ms, multiplied under valgrind or sanitizers. */
int64_t tu_bound_ms(int64_t ms);

/* What one process costs here, measured once (the first call) and kept:
 * fork(), the child's _exit(), the parent's waitpid(), in microseconds,
 * the median of a few tries.  A slow or loaded machine, valgrind or a
 * sanitizer all show in it. */
int64_t tu_proc_cost_us(void);

/* A deadline for work that costs about `procs` processes' starts, stops
 * or answers to a signal: a wide margin over what that many cost here
 * (tu_proc_cost_us()), and never below tu_bound_ms(floor_ms).  For
 * deadlines inside a test (a grace, "in time"); watchdogs stay fixed. */
int64_t tu_work_bound_ms(int procs, int64_t floor_ms);

/* How many rounds to run: SF_STRESS_ROUNDS if set, else dflt (divided by 10
 * under valgrind, which is there for memory errors, not races). */
int tu_rounds(int dflt);

/* Wait until process pid sleeps in a futex wait (the flag's, the
 * doorbell's), as /proc/PID/syscall shows: an event, not a planned time.
 * Returns 0, or -1 if pid is gone (or exits).  Bounded by the watchdog. */
int tu_wait_asleep(pid_t pid);

/* Sleep for us microseconds / ms milliseconds. */
void tu_sleep_us(long us);
void tu_sleep_ms(long ms);

#endif
