/*
 * clock.c - CLOCK_MONOTONIC deadlines, computed once and reused.
 */
#include <limits.h>

#include "internal.h"

int64_t sf__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
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

void sf__deadline_after(int ms, struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

int sf__ms_until(const struct timespec *deadline)
{
	int64_t left = (int64_t)deadline->tv_sec * 1000000000 +
		       deadline->tv_nsec - sf__now_ns();

	if (left <= 0)
		return 0;
	left = (left + 999999) / 1000000;
	return left > INT_MAX ? INT_MAX : (int)left;
}
