/*
 * group-pending.c - group mode before the library has task groups.
 * Temporary: replaced by group.c once sf_group_* is in the tree.
 */
#include <errno.h>

#include "bench.h"

int group_run(const struct group_opts *opts)
{
	(void)opts;
	fputs("stopflag-bench: group: not built: this libstopflag has no "
	      "task groups yet\n", stderr);
	return -ENOSYS;
}
