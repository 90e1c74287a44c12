/*
 * order.h - the start order of stopflagd's tasks: every `after = NAME...`
 * resolved to the tasks it names, or refused before anything starts.
 */
#ifndef SFD_ORDER_H
#define SFD_ORDER_H

#include "conf.h"
#include "configfile.h"

/*
 * Fill each task's after_ids from its `after` names (cfg->tasks in file
 * order; ids are indexes there, which are the group's task ids).  Each of
 * these is a problem in d at the `after` line, "[task NAME] after: ...":
 *   - a name that is no task of the file;
 *   - the task's own name;
 *   - a task that can never become ready (ready = notify on a heartbeat
 *     or watch-file task, which never says it is ready);
 *   - a cycle, named in full: "a -> b -> c -> a" (each cycle once, at
 *     the `after` line of the task it is named from: the first of them
 *     that a search in file order reaches).
 * A name given twice counts once.  Returns 0, or -ENOMEM.
 */
int sfd_order_check(struct sfd_config *cfg, struct sfd_diag *d);

#endif
