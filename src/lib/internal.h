/*
 * internal.h - what the files of libstopflag share and nothing else sees.
 *
 * Internal names that must be non-static carry the sf__ prefix; the library
 * is built with -fvisibility=hidden and a version script, so only the sf_
 * names marked SF_EXPORT in stopflag.h leave it.
 */
#ifndef SF_INTERNAL_H
#define SF_INTERNAL_H

#include <stdint.h>
#include <time.h>

#include "stopflag.h"

/* The shared page (see flag.c for the protocol).  Here rather than in
 * flag.c only so that white-box tests can put a page into the states a
 * killed or scribbling process leaves behind. */
struct sf_flag {
	uint64_t cause;   /* 0, or reason << 56 | pid << 32 | (uint32_t)code */
	int32_t word;     /* futex word: SF__WORD_SET | SF__WORD_WAITERS */
};
#define SF__WORD_SET     1
#define SF__WORD_WAITERS 2

/* Fill *ts with the CLOCK_MONOTONIC time ms milliseconds from now.
 * Async-signal-safe. */
void sf__deadline_after(int ms, struct timespec *ts);

/* Milliseconds from now until *deadline, clamped to 0..INT_MAX. */
int sf__ms_until(const struct timespec *deadline);

/* CLOCK_MONOTONIC now, in nanoseconds. */
int64_t sf__now_ns(void);

/* Whether signo is a signal a handler can be installed for. */
int sf__catchable_signal(int signo);

/* Disarm every sf_flag_catch_signal() handler that sets flag. */
void sf__signals_forget(const sf_flag *flag);

#endif
