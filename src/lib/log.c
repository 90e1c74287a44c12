/*
 * log.c - the group's log: one formatted line to the sf_log_fn given to
 * sf_group_set_log(), in the master only.
 */
#include <stdarg.h>
#include <stdio.h>

#include "group.h"

void sf__log(const sf_group *g, int priority, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!g->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	g->log(g->log_ctx, priority, msg);
}
