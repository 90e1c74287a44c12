/*
 * flag-from-env.c - sf_flag_from_env() believes STOPFLAG_FD only for a
 * stopflag page: every other value, fd or file gets its error and never
 * a crash; the page it maps is the group's very page; a holder of the fd
 * cannot truncate it; sf_flag_stop_all() records a request naming the
 * caller's process group and rings the master's doorbell.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "testutil.h"

#define SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

static void set_env_fd(int fd)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", fd);
	assert_int_equal(setenv(SF_FLAG_ENV, buf, 1), 0);
}

static int from_env_with(const char *value)
{
	sf_flag *flag = NULL;
	int ret;

	if (value)
		assert_int_equal(setenv(SF_FLAG_ENV, value, 1), 0);
	else
		unsetenv(SF_FLAG_ENV);
	ret = sf_flag_from_env(&flag);
	if (ret == 0)
		sf_flag_destroy(flag);
	unsetenv(SF_FLAG_ENV);
	return ret;
}

static void test_no_variable_is_enoent(void **state)
{
	assert_int_equal(from_env_with(NULL), -ENOENT);
	assert_int_equal(sf_flag_from_env(NULL), -EINVAL);
}

static void test_not_a_number_is_einval(void **state)
{
	static const char *const bad[] = {
		"", "abc", "-1", "+3", " 3", "3 ", "3x", "0x3", "99999999999",
		"2147483648",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (from_env_with(bad[i]) != -EINVAL)
			fail_msg("STOPFLAG_FD=\"%s\" was not refused", bad[i]);
}

static void test_closed_fd_is_ebadf(void **state)
{
	int fd = open("/dev/null", O_RDONLY);

	assert_true(fd > 2);
	close(fd);
	set_env_fd(fd);
	assert_int_equal(from_env_with(getenv(SF_FLAG_ENV)), -EBADF);
	assert_int_equal(from_env_with("2147483647"), -EBADF);
}

/* A memfd like ours in every way but the one given. */
static int fake_page(const char *name, size_t size, int seals)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	if (seals)
		assert_int_equal(fcntl(fd, F_ADD_SEALS, seals), 0);
	return fd;
}

static void expect_refused(int fd, const char *what)
{
	set_env_fd(fd);
	if (from_env_with(getenv(SF_FLAG_ENV)) != -EINVAL)
		fail_msg("%s was taken for a stopflag page", what);
	close(fd);
}

static void test_not_our_page_is_einval(void **state)
{
	size_t page = sf__page_size();
	FILE *plain = tmpfile();
	int fd;

	assert_non_null(plain);
	fd = dup(fileno(plain));
	fclose(plain);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)page), 0);
	expect_refused(fd, "a plain file");
	expect_refused(open("/dev/null", O_RDWR), "/dev/null");
	expect_refused(fake_page("stopflag", 2 * page, SEALS), "two pages");
	expect_refused(fake_page("stopflag", page / 2, SEALS), "half a page");
	expect_refused(fake_page("stopflag", page, 0), "an unsealed memfd");
	expect_refused(fake_page("stopflag", page, F_SEAL_SHRINK | F_SEAL_SEAL),
		       "a memfd that can grow");
	expect_refused(fake_page("stopflag", page, SEALS | F_SEAL_WRITE),
		       "a write-sealed memfd");
	expect_refused(fake_page("stopflagx", page, SEALS), "another name");
}

static void test_read_only_fd_is_einval(void **state)
{
	char path[64];
	sf_flag *flag;
	int fd, ro;

	assert_int_equal(sf__flag_create_memfd(&flag, &fd), 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ro = open(path, O_RDONLY);
	assert_true(ro >= 0);
	expect_refused(ro, "a read-only fd of the page");
	close(fd);
	sf_flag_destroy(flag);
}

/* The page it maps is the very page: a set on either side shows on the
 * other, and a waiter forked from either is woken by the other. */
static void test_maps_the_same_page(void **state)
{
	struct sf_cause c;
	sf_flag *flag, *joined;
	pid_t waiter;
	int fd;

	tu_watchdog(20, __func__);
	assert_int_equal(sf__flag_create_memfd(&flag, &fd), 0);
	set_env_fd(fd);
	assert_int_equal(sf_flag_from_env(&joined), 0);
	assert_ptr_not_equal(joined, flag);
	waiter = tu_fork();
	if (waiter == 0)
		_exit(sf_flag_wait(joined, 10000) == 0 ? 0 : 1);
	tu_sleep_ms(50);
	assert_int_equal(sf_flag_set(flag, SF_REASON_SIGNAL, 15), 1);
	assert_int_equal(tu_wait(waiter), 0);
	assert_true(sf_flag_is_set(joined));
	assert_int_equal(sf_flag_cause(joined, &c), 0);
	assert_int_equal(c.reason, SF_REASON_SIGNAL);
	assert_int_equal(c.code, 15);
	assert_int_equal(c.pid, getpid());
	sf_flag_destroy(joined);
	sf_flag_destroy(flag);
	unsetenv(SF_FLAG_ENV);
	close(fd);
}

/* Truncating or growing the fd fails with EPERM and the page stays
 * usable: no holder of the fd can make the master's mapping SIGBUS. */
static void test_truncate_is_eperm(void **state)
{
	size_t page = sf__page_size();
	sf_flag *flag;
	int fd;

	assert_int_equal(sf__flag_create_memfd(&flag, &fd), 0);
	assert_int_equal(ftruncate(fd, 0), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(ftruncate(fd, (off_t)(2 * page)), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(fallocate(fd, 0, 0, (off_t)(2 * page)), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(sf_flag_set(flag, SF_REASON_REQUEST, 3), 1);
	assert_true(sf_flag_is_set(flag));
	sf_flag_destroy(flag);
	close(fd);
}

/* The request names the caller's process group, not the caller, and
 * rings the doorbell. */
static void test_stop_all_names_process_group(void **state)
{
	struct sf_cause c;
	sf_flag *flag;
	pid_t child;
	int fd;

	tu_watchdog(20, __func__);
	assert_int_equal(sf__flag_create_memfd(&flag, &fd), 0);
	assert_int_equal(sf_flag_stop_all(NULL, 1), -EINVAL);
	child = tu_fork();
	if (child == 0) /* a child in the test's process group */
		_exit(sf_flag_stop_all(flag, 7) == 1 ? 0 : 1);
	assert_int_equal(tu_wait(child), 0);
	assert_int_equal(sf_flag_cause(flag, &c), 0);
	assert_int_equal(c.reason, SF_REASON_REQUEST);
	assert_int_equal(c.code, 7);
	assert_int_equal(c.pid, getpgrp());
	assert_true(flag->word & SF__WORD_RING);
	assert_true(flag->word & SF__WORD_SET);
	assert_int_equal(sf_flag_stop_all(flag, 9), 0); /* first cause stays */
	assert_int_equal(sf_flag_cause(flag, &c), 0);
	assert_int_equal(c.code, 7);
	sf_flag_destroy(flag);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_variable_is_enoent),
		cmocka_unit_test(test_not_a_number_is_einval),
		cmocka_unit_test(test_closed_fd_is_ebadf),
		cmocka_unit_test(test_not_our_page_is_einval),
		cmocka_unit_test(test_read_only_fd_is_einval),
		cmocka_unit_test(test_maps_the_same_page),
		cmocka_unit_test(test_truncate_is_eperm),
		cmocka_unit_test(test_stop_all_names_process_group),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
