/*
 * pidfile-lock.c - stopflagd's pidfile: created with our pid and removed
 * again; a stale file is taken over; a file locked by a live process is
 * refused, naming that process, until it dies (even by SIGKILL); a
 * symlink, a FIFO, a directory or another user's file are refused and left
 * alone; release removes only the file it created.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/pidfile.h"
#include "testutil.h"

static char dir[] = "/tmp/sfd-pidfile-XXXXXX";
static char path[sizeof(dir) + 16];

static int setup(void **state)
{
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/pid", dir);
	tu_watchdog(30, "pidfile-lock");
	return 0;
}

static int teardown(void **state)
{
	unlink(path);
	rmdir(dir);
	return 0;
}

static long pid_in_file(void)
{
	long pid = -1;
	int fd = open(path, O_RDONLY);

	if (fd >= 0) {
		char buf[32] = "";

		if (read(fd, buf, sizeof(buf) - 1) > 0)
			pid = strtol(buf, NULL, 10);
		close(fd);
	}
	return pid;
}

static void write_file(const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void test_created_with_our_pid_and_removed(void **state)
{
	struct sfd_pidfile pf;
	struct stat st;
	pid_t holder = -1;

	assert_int_equal(sfd_pidfile_acquire(path, &pf, &holder), 0);
	assert_int_equal(pid_in_file(), (long)getpid());
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0022, 0);
	sfd_pidfile_release(&pf);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_stale_file_is_taken_over(void **state)
{
	struct sfd_pidfile pf;
	pid_t holder = -1;

	write_file("999999 left behind by a daemon that died\n");
	assert_int_equal(sfd_pidfile_acquire(path, &pf, &holder), 0);
	assert_int_equal(pid_in_file(), (long)getpid());
	sfd_pidfile_release(&pf);
	assert_int_equal(access(path, F_OK), -1);
}

/* A child that takes the pidfile and keeps it until it is killed. */
static pid_t start_holder(void)
{
	int ready[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(ready), 0);
	pid = tu_fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sfd_pidfile pf;
		pid_t holder;

		close(ready[0]);
		if (sfd_pidfile_acquire(path, &pf, &holder) != 0)
			_exit(1);
		(void)!write(ready[1], "x", 1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

static void test_live_holder_is_refused_until_it_dies(void **state)
{
	struct sfd_pidfile pf;
	pid_t child = start_holder(), holder = -1;
	int status;

	assert_int_equal(sfd_pidfile_acquire(path, &pf, &holder), -EBUSY);
	assert_int_equal(holder, child);
	assert_int_equal(pid_in_file(), (long)child);
	assert_int_equal(pf.fd, -1);

	kill(child, SIGKILL);
	status = tu_wait(child);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(pid_in_file(), (long)child);  /* stale now */
	assert_int_equal(sfd_pidfile_acquire(path, &pf, &holder), 0);
	assert_int_equal(pid_in_file(), (long)getpid());
	sfd_pidfile_release(&pf);
}

static void test_symlink_is_not_followed(void **state)
{
	char target[sizeof(dir) + 16];
	struct sfd_pidfile pf;
	pid_t holder;

	snprintf(target, sizeof(target), "%s/target", dir);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(sfd_pidfile_acquire(path, &pf, &holder), -ELOOP);
	assert_int_equal(access(target, F_OK), -1);  /* not created */
	write_file("");  /* through the link: now the target exists */
	assert_int_equal(sfd_pidfile_acquire(path, &pf, &holder), -ELOOP);
	unlink(target);
	unlink(path);
}

static void test_not_a_regular_file_is_refused(void **state)
{
	struct sfd_pidfile pf;
	pid_t holder;

	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(sfd_pidfile_acquire(path, &pf, &holder), -EINVAL);
	unlink(path);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_true(sfd_pidfile_acquire(path, &pf, &holder) < 0);
	rmdir(path);
}

static void test_other_users_file_is_refused(void **state)
{
	struct sfd_pidfile pf;
	pid_t holder;

	/* Only root can give a file away; others have nothing to test. */
	if (geteuid() != 0)
		return;
	write_file("");
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(sfd_pidfile_acquire(path, &pf, &holder), -EPERM);
	unlink(path);
}

static void test_release_leaves_a_replaced_file(void **state)
{
	char moved[sizeof(dir) + 16];
	struct sfd_pidfile pf;
	pid_t holder;

	snprintf(moved, sizeof(moved), "%s/moved", dir);
	assert_int_equal(sfd_pidfile_acquire(path, &pf, &holder), 0);
	assert_int_equal(rename(path, moved), 0);
	write_file("not yours\n");
	sfd_pidfile_release(&pf);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(pid_in_file(), 0);  /* "not yours" is still there */
	unlink(moved);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_created_with_our_pid_and_removed),
		cmocka_unit_test(test_stale_file_is_taken_over),
		cmocka_unit_test(test_live_holder_is_refused_until_it_dies),
		cmocka_unit_test(test_symlink_is_not_followed),
		cmocka_unit_test(test_not_a_regular_file_is_refused),
		cmocka_unit_test(test_other_users_file_is_refused),
		cmocka_unit_test(test_release_leaves_a_replaced_file),
	};

	return cmocka_run_group_tests_name("pidfile-lock", tests, setup,
					   teardown);
}
