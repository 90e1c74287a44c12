/*
 * daemon-late-signal.c - once stopflagd's group is down, a stop signal
 * that comes late cannot kill stopflagd: it still exits with the group's
 * status.
 *
 * Found by the fault campaign (a SIGTERM storm at a stopflagd whose group
 * had just failed to start, in the ASan build, where the way out is
 * slower): sf_group_run() puts back the dispositions it found, which were
 * the defaults, so a SIGTERM between its return and stopflagd's exit
 * killed stopflagd (143) instead of letting it exit 71.  This test takes
 * the worst moment, right after sfd_run() returned, every time.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/conf.h"
#include "daemon/run.h"
#include "testutil.h"

static const int stops[] = { SIGINT, SIGTERM, SIGQUIT, SIGHUP };

/* In a child, as stopflagd's main(): load, run, then every stop signal
 * at once, then exit with the group's status. */
static void __attribute__((noreturn)) daemon_like(const char *conf)
{
	struct sfd_config cfg;
	int status;

	if (sfd_config_load(conf, &cfg) != 0)
		_exit(100);
	status = sfd_run(&cfg, NULL);
	for (size_t i = 0; i < sizeof(stops) / sizeof(*stops); i++)
		raise(stops[i]);
	sfd_config_free(&cfg);
	_exit(status);
}

static void test_late_stop_signal_does_not_kill(void **state)
{
	const char *tmp = getenv("TMPDIR");
	char conf[4096];
	int fd, st;
	FILE *f;
	pid_t pid;

	(void)state;
	tu_watchdog(20, __func__);
	snprintf(conf, sizeof(conf), "%s/daemon-late-signal.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(conf);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "[task three]\ntype = exec\ncommand = sh -c 'exit 3'\n");
	assert_int_equal(fclose(f), 0);
	pid = tu_fork();
	assert_true(pid >= 0);
	if (pid == 0)
		daemon_like(conf);
	st = tu_wait(pid);
	unlink(conf);
	if (WIFSIGNALED(st))
		fail_msg("killed by signal %d after its group was down",
			 WTERMSIG(st));
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_late_stop_signal_does_not_kill),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
