/*
 * flag-pid.c - the pid in a cause is always the setter's own, although
 * sf_flag_set() caches it: in the process that created the flag, in a child
 * made by fork(), in one made by a raw clone system call that runs no
 * pthread_atfork() handler, in a grandchild, and when a child's first set
 * happens inside a signal handler.  Each child compares the recorded pid
 * with what the kernel says, and exits 0 only if they match.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "stopflag.h"
#include "testutil.h"

/* The kernel's answer, never a cache. */
static pid_t kernel_pid(void)
{
	return (pid_t)syscall(SYS_getpid);
}

/* 0 if flag was set by this very process. */
static int set_and_check(sf_flag *flag)
{
	struct sf_cause c;

	if (sf_flag_set(flag, SF_REASON_REQUEST, 7) != 1)
		return 1;
	if (sf_flag_cause(flag, &c) != 0)
		return 2;
	return c.pid == kernel_pid() ? 0 : 3;
}

/* Create a flag and set another one, so that this process has its pid
 * cached before it makes children. */
static sf_flag *warm_up(void)
{
	sf_flag *warm, *flag;

	assert_int_equal(sf_flag_create(&warm), 0);
	assert_int_equal(set_and_check(warm), 0);
	sf_flag_destroy(warm);
	assert_int_equal(sf_flag_create(&flag), 0);
	return flag;
}

/* The child's exit status must be 0. */
static void expect_zero_exit(pid_t pid)
{
	int st;

	assert_true(pid > 0);
	st = tu_wait(pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* body(flag) runs in a child of fork(); its result is the exit status. */
static void in_child(int (*body)(sf_flag *), sf_flag *flag)
{
	pid_t pid;

	tu_watchdog(10, "a child of flag-pid");
	pid = tu_fork();
	if (pid == 0)
		_exit(body(flag));
	expect_zero_exit(pid);
}

static void test_pid_is_the_creators(void **state)
{
	sf_flag *flag = warm_up();
	struct sf_cause c;

	assert_int_equal(sf_flag_set(flag, SF_REASON_SIGNAL, 1), 1);
	assert_int_equal(sf_flag_cause(flag, &c), 0);
	assert_int_equal(c.pid, getpid());
	sf_flag_destroy(flag);
}

static void test_child_of_fork_records_its_own_pid(void **state)
{
	sf_flag *flag = warm_up();

	in_child(set_and_check, flag);
	sf_flag_destroy(flag);
}

/* clone(SIGCHLD) straight to the kernel: glibc's fork() bookkeeping and
 * pthread_atfork() handlers do not run in the child. */
static void test_child_of_raw_clone_records_its_own_pid(void **state)
{
	sf_flag *flag = warm_up();
	long pid;

	tu_watchdog(10, __func__);
	pid = syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L);
	if (pid == 0)
		syscall(SYS_exit_group, set_and_check(flag));
	expect_zero_exit((pid_t)pid);
	sf_flag_destroy(flag);
}

/* The child caches its own pid first; its child must still not see it. */
static int fork_and_check_grandchild(sf_flag *flag)
{
	sf_flag *mine;
	pid_t grandchild;
	int st;

	if (sf_flag_create(&mine) != 0 || set_and_check(mine) != 0)
		return 10;
	grandchild = fork();
	if (grandchild == 0)
		_exit(set_and_check(flag));
	if (grandchild < 0 || waitpid(grandchild, &st, 0) < 0)
		return 11;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 12;
}

static void test_grandchild_records_its_own_pid(void **state)
{
	sf_flag *flag = warm_up();

	in_child(fork_and_check_grandchild, flag);
	sf_flag_destroy(flag);
}

static int first_set_in_handler(sf_flag *flag)
{
	struct sf_cause c;

	if (sf_flag_catch_signal(flag, SIGUSR1) != 0)
		return 20;
	kill(getpid(), SIGUSR1); /* delivered before kill() returns */
	if (sf_flag_cause(flag, &c) != 0)
		return 21;
	return c.pid == kernel_pid() ? 0 : 22;
}

static void test_first_set_in_a_handler_records_the_childs_pid(void **state)
{
	sf_flag *flag = warm_up();

	in_child(first_set_in_handler, flag);
	sf_flag_destroy(flag);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pid_is_the_creators),
		cmocka_unit_test(test_child_of_fork_records_its_own_pid),
		cmocka_unit_test(test_child_of_raw_clone_records_its_own_pid),
		cmocka_unit_test(test_grandchild_records_its_own_pid),
		cmocka_unit_test(test_first_set_in_a_handler_records_the_childs_pid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
