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
	pid_t pid;
	int st;

	tu_watchdog(10, __func__);
	pid = tu_fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(set_and_check(flag));
	st = tu_wait(pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	sf_flag_destroy(flag);
}

/* clone(SIGCHLD) straight to the kernel: glibc's fork() bookkeeping and
 * pthread_atfork() handlers do not run in the child. */
static void test_child_of_raw_clone_records_its_own_pid(void **state)
{
	sf_flag *flag = warm_up();
	long pid;
	int st;

	tu_watchdog(10, __func__);
	pid = syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L);
	assert_true(pid >= 0);
	if (pid == 0)
		syscall(SYS_exit_group, set_and_check(flag));
	st = tu_wait((pid_t)pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	sf_flag_destroy(flag);
}

static void test_grandchild_records_its_own_pid(void **state)
{
	sf_flag *flag = warm_up(), *mine;
	pid_t pid;
	int st;

	tu_watchdog(10, __func__);
	assert_int_equal(sf_flag_create(&mine), 0);
	pid = tu_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pid_t grandchild;

		if (set_and_check(mine) != 0) /* the child caches its pid */
			_exit(10);
		grandchild = fork();
		if (grandchild == 0)
			_exit(set_and_check(flag));
		if (grandchild < 0 || waitpid(grandchild, &st, 0) < 0)
			_exit(11);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 12);
	}
	st = tu_wait(pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	sf_flag_destroy(mine);
	sf_flag_destroy(flag);
}

static void test_first_set_in_a_handler_records_the_childs_pid(void **state)
{
	sf_flag *flag = warm_up();
	pid_t pid;
	int st;

	tu_watchdog(10, __func__);
	pid = tu_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sf_cause c;

		if (sf_flag_catch_signal(flag, SIGUSR1) != 0)
			_exit(20);
		raise(SIGUSR1);
		if (sf_flag_cause(flag, &c) != 0)
			_exit(21);
		_exit(c.pid == kernel_pid() ? 0 : 22);
	}
	st = tu_wait(pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
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
