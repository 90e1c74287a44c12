/*
 * fork-bomb.c - a task that forks until fork() fails, and keeps trying:
 * every child (and the parent between tries) waits for a signal.  With
 * no RLIMIT_NPROC it stops at FORK_BOMB_MAX children, so a test that
 * forgets the limit cannot take the machine down.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#define FORK_BOMB_MAX 500

int main(void)
{
	int n = 0, reported = 0;

	for (;;) {
		pid_t pid = n < FORK_BOMB_MAX ? fork() : -1;

		if (pid == 0) {
			for (;;)
				pause();
		}
		if (pid > 0) {
			n++;
			continue;
		}
		if (!reported) {
			printf("fork-bomb: %d children, then fork() failed\n", n);
			fflush(stdout);
			reported = 1;
		}
		usleep(10000);
	}
}
