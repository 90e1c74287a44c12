/*
 * countdown.c - a plugin task for stopflagd, written the way a user writes
 * one: against <stopflag.h> only.
 *
 * It counts down, one line per step, and then asks the whole group to stop
 * with an exit code of its choosing; a stop that comes first ends it early.
 * Its settings are the keys of its [task NAME] section that stopflagd does
 * not know itself, read with sf_task_option():
 *
 *   from      = 3          ; where to count down from
 *   step-ms   = 1000       ; milliseconds per step
 *   message   = liftoff    ; the last line
 *   exit-code = 0          ; what stopflagd exits with after the countdown
 *
 * Build:  cc -shared -fPIC -o countdown.so countdown.c \
 *             $(pkg-config --cflags stopflag)
 * Run:    stopflagd -c countdown.conf
 */
#include <stdio.h>
#include <stdlib.h>

#include <stopflag.h>

/* The option `key` as a number, or dflt when it is not set. */
static long option_number(sf_task *task, const char *key, long dflt)
{
	const char *value = sf_task_option(task, key);

	return value ? strtol(value, NULL, 10) : dflt;
}

static int countdown(sf_task *task, void *arg)
{
	const char *name = sf_task_name(task);
	const char *message = sf_task_option(task, "message");
	long from = option_number(task, "from", 3);
	int step_ms = (int)option_number(task, "step-ms", 1000);
	int code = (int)option_number(task, "exit-code", 0);

	(void)arg;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (long n = from; n > 0; n--) {
		printf("%s: %ld\n", name, n);
		if (sf_task_sleep(task, step_ms) != 0) {
			printf("%s: stopped at %ld\n", name, n);
			return 0;
		}
	}
	printf("%s: %s\n", name, message ? message : "liftoff");
	sf_task_stop_all(task, code);
	return 0;
}

SF_PLUGIN(countdown);
