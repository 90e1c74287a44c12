/*
 * clock.c - CLOCK_MONOTONIC deadlines, computed once and reused.
 */
#include "internal.h"

int64_t sf__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return sf__timespec_to_ns(&ts);
}

void sf__ns_to_timespec(int64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / 1000000000);
	ts->tv_nsec = (long)(ns % 1000000000);
}

int64_t sf__ms_to_ns(int ms)
{
	return (int64_t)ms * 1000000;
}

int64_t sf__timespec_to_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

void sf__deadline_after(int ms, struct timespec *ts)
{
	sf__ns_to_timespec(sf__now_ns() + sf__ms_to_ns(ms), ts);
}
