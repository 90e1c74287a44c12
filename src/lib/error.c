/*
 * error.c - one error convention: 0 or a non-negative value on success, a
 * negative errno on failure, and text for either.
 */
#include <string.h>

#include "internal.h"

const char *sf_strerror(int err)
{
	const char *text;

	if (err >= 0)
		return "success";
	if (err == -2147483647 - 1)
		return "unknown error";
	/* strerrordesc_np() returns a static string: no buffer, no locale
	 * lookup, safe in any thread and in a signal handler. */
	text = strerrordesc_np(-err);
	return text ? text : "unknown error";
}

const char *sf_reason_name(enum sf_reason reason)
{
	switch (reason) {
	case SF_REASON_NONE:         return "none";
	case SF_REASON_SIGNAL:       return "signal";
	case SF_REASON_REQUEST:      return "request";
	case SF_REASON_EXITED:       return "exited";
	case SF_REASON_KILLED:       return "killed";
	case SF_REASON_PARENT_DIED:  return "parent-died";
	case SF_REASON_START_FAILED: return "start-failed";
	}
	return "unknown";
}
