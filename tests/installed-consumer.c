/*
 * installed-consumer.c - a program built the way a user builds one: only
 * the installed <stopflag.h>, flags from `pkg-config --cflags --libs
 * stopflag`.  It uses every flag function.  Run by `make installcheck`
 * (and so by `make distcheck`), linked shared and static.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <stopflag.h>

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "installed-consumer: %s:%d: %s\n", \
			__FILE__, __LINE__, #cond); \
		return 1; \
	} \
} while (0)

int main(void)
{
	struct sf_cause cause = { SF_REASON_EXITED, 3, 1 }, got;
	struct timespec deadline;
	sf_flag *flag, *other;
	int status;
	pid_t pid;

	alarm(20); /* watchdog: a hang fails */
	CHECK(strcmp(sf_strerror(0), "success") == 0);
	CHECK(strcmp(sf_reason_name(SF_REASON_KILLED), "killed") == 0);
	CHECK(sf_flag_create(&flag) == 0);
	CHECK(!sf_flag_is_set(flag));
	CHECK(sf_flag_cause(flag, &got) == -EAGAIN);
	CHECK(sf_flag_wait(flag, 10) == -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	CHECK(sf_flag_wait_until(flag, &deadline) == -ETIMEDOUT);

	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(sf_flag_set(flag, SF_REASON_REQUEST, 42) == 1 ? 0 : 1);
	CHECK(sf_flag_wait(flag, -1) == 0);
	CHECK(waitpid(pid, &status, 0) == pid && status == 0);
	CHECK(sf_flag_cause(flag, &got) == 0);
	CHECK(got.reason == SF_REASON_REQUEST && got.code == 42 && got.pid == pid);
	CHECK(sf_flag_set_cause(flag, &cause) == 0);
	sf_flag_destroy(flag);

	CHECK(sf_flag_create(&other) == 0);
	CHECK(sf_flag_catch_signal(other, SIGUSR1) == 0);
	raise(SIGUSR1);
	CHECK(sf_flag_wait(other, 0) == 0);
	CHECK(sf_flag_cause(other, &got) == 0 && got.code == SIGUSR1);
	sf_flag_destroy(other);
	puts("installed-consumer: every flag function works");
	return 0;
}
