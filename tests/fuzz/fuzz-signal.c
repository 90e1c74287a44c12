/*
 * fuzz-signal.c - sfd_parse_signal() on any text.
 *
 * Beyond not crashing: a signal it accepts is one a task can be stopped
 * with (catchable, its default action ends a process, not one the C
 * library keeps), and its name reads back as the same signal.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "daemon/parse.h"
#include "fuzz.h"

static int stop_signal_ok(int signo)
{
	switch (signo) {
	case SIGKILL: case SIGSTOP: case SIGCHLD: case SIGCONT: case SIGURG:
	case SIGWINCH: case SIGTSTP: case SIGTTIN: case SIGTTOU:
		return 0;
	}
	return (signo > 0 && signo <= SIGSYS) ||
	       (signo >= SIGRTMIN && signo <= SIGRTMAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fz_string(data, size);
	const char *why = NULL;
	int signo = 0, again = 0, err = sfd_parse_signal(text, &signo, &why);

	if (err == 0) {
		char buf[32];
		const char *name = sfd_signal_name(signo, buf, sizeof(buf));

		FZ_CHECK(stop_signal_ok(signo));
		FZ_CHECK(name && *name);
		/* "signal N" names a signal without a name: its number reads
		 * back instead. */
		if (strncmp(name, "signal ", 7) == 0)
			name += 7;
		FZ_CHECK(sfd_parse_signal(name, &again, &why) == 0);
		FZ_CHECK(again == signo);
	} else {
		FZ_CHECK(err == -EINVAL || err == -ERANGE);
		FZ_CHECK(why && *why);
	}
	free(text);
	return 0;
}
