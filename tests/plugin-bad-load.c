/*
 * plugin-bad-load.c - a plugin whose code run at dlopen() misbehaves, built
 * three times: BAD_LOAD 1 crashes (SIGSEGV), 2 hangs, 3 calls exit(42).
 * Its task would be harmless; it never gets that far.
 */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <stopflag.h>

static int idle(sf_task *task, void *arg)
{
	(void)arg;
	while (sf_task_wait(task, -1) != 0)
		;
	return 0;
}

SF_PLUGIN(idle);

__attribute__((constructor)) static void load(void)
{
#if BAD_LOAD == 1
	raise(SIGSEGV);
#elif BAD_LOAD == 2
	for (;;)
		pause();
#else
	exit(42);
#endif
}
