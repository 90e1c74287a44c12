/*
 * daemon-parse.c - stopflagd's value parsers: durations take a unit and
 * stay in range, counts are plain digits, signals go by name (any case,
 * with or without SIG) or number, but never one that cannot be caught or
 * does not end a process, and command lines split like sh(1) does, while
 * whatever only a shell could do is refused at the right column.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/parse.h"

static int duration(const char *text)
{
	const char *why = NULL;
	int ms = -1, err = sfd_parse_duration(text, &ms, &why);

	if (err < 0) {
		assert_non_null(why);
		return err;
	}
	return ms;
}

static void test_durations(void **state)
{
	assert_int_equal(duration("0"), 0);
	assert_int_equal(duration("00"), 0);
	assert_int_equal(duration("0s"), 0);
	assert_int_equal(duration("250ms"), 250);
	assert_int_equal(duration("5s"), 5000);
	assert_int_equal(duration("2m"), 120000);
	assert_int_equal(duration("1h"), 3600000);
	assert_int_equal(duration("596h"), 596 * 3600000);
	assert_int_equal(duration("2147483647ms"), INT_MAX);
}

static void test_bad_durations(void **state)
{
	static const char *const einval[] = {
		"", "-5s", "-0", "+5s", "5", "17", "5 s", "5S", "5sec", "1.5s",
		"s", "ms", "5ms ", " 5ms", "5mss", "0x10s", "5s5",
	};
	static const char *const erange[] = {
		"2147483648ms", "597h", "35792m", "2147484s",
		"99999999999999999999999999ms",
	};

	for (size_t i = 0; i < sizeof(einval) / sizeof(*einval); i++)
		if (duration(einval[i]) != -EINVAL)
			fail_msg("'%s' was not refused as invalid", einval[i]);
	for (size_t i = 0; i < sizeof(erange) / sizeof(*erange); i++)
		if (duration(erange[i]) != -ERANGE)
			fail_msg("'%s' was not refused as out of range", erange[i]);
}

static void test_counts(void **state)
{
	const char *why;
	int v = -1;

	assert_int_equal(sfd_parse_count("0", 10, &v, &why), 0);
	assert_int_equal(v, 0);
	assert_int_equal(sfd_parse_count("10", 10, &v, &why), 0);
	assert_int_equal(v, 10);
	assert_int_equal(sfd_parse_count("11", 10, &v, &why), -ERANGE);
	assert_int_equal(sfd_parse_count("2147483648", INT_MAX, &v, &why), -ERANGE);
	assert_int_equal(sfd_parse_count("-1", 10, &v, &why), -EINVAL);
	assert_int_equal(sfd_parse_count("", 10, &v, &why), -EINVAL);
	assert_int_equal(sfd_parse_count("3x", 10, &v, &why), -EINVAL);
	assert_int_equal(sfd_parse_count("three", 10, &v, &why), -EINVAL);
	assert_int_equal(v, 10);
}

static int signal_of(const char *text)
{
	const char *why = NULL;
	int signo = -1, err = sfd_parse_signal(text, &signo, &why);

	if (err < 0) {
		assert_non_null(why);
		return err;
	}
	return signo;
}

static void test_signals(void **state)
{
	char buf[32];

	assert_int_equal(signal_of("TERM"), SIGTERM);
	assert_int_equal(signal_of("SIGTERM"), SIGTERM);
	assert_int_equal(signal_of("term"), SIGTERM);
	assert_int_equal(signal_of("SigTerm"), SIGTERM);
	assert_int_equal(signal_of("15"), SIGTERM);
	assert_int_equal(signal_of("HUP"), SIGHUP);
	assert_int_equal(signal_of("POLL"), SIGPOLL);
	assert_int_equal(signal_of("SIGUSR1"), SIGUSR1);
	assert_int_equal(signal_of("INT"), SIGINT);
	assert_int_equal(signal_of("34"), 34);
	assert_string_equal(sfd_signal_name(SIGTERM, buf, sizeof(buf)), "SIGTERM");
	assert_string_equal(sfd_signal_name(SIGKILL, buf, sizeof(buf)), "SIGKILL");
	assert_string_equal(sfd_signal_name(40, buf, sizeof(buf)), "signal 40");
}

static void test_bad_signals(void **state)
{
	static const char *const bad[] = {
		"KILL", "SIGKILL", "9", "STOP", "sigstop", "19", "0", "65", "999",
		"", "SIG", "FOO", "SIGFOO", "15x", "SIG15", "-15", " TERM", "TERM ",
		"CHLD", "17", "CONT", "URG", "WINCH", "TSTP", "TTIN", "TTOU",
		"32", "33",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (signal_of(bad[i]) != -EINVAL)
			fail_msg("signal '%s' was not refused", bad[i]);
}

/* Split text and compare with the expected words. */
static void split_into(const char *text, const char *const *words)
{
	const char *why = NULL;
	char **argv = NULL;
	int column = -1, argc, i;

	argc = sfd_split_command(text, &argv, &why, &column);
	if (argc < 0)
		fail_msg("'%s' refused at column %d: %s", text, column, why);
	for (i = 0; words[i]; i++) {
		if (i >= argc || strcmp(argv[i], words[i]) != 0)
			fail_msg("'%s': word %d is '%s', not '%s'", text, i,
				 i < argc ? argv[i] : "(none)", words[i]);
	}
	assert_int_equal(argc, i);
	assert_null(argv[argc]);
	free(argv);
}
#define split_is(text, ...) \
	split_into(text, (const char *const[]){ __VA_ARGS__, NULL })

static void test_split_plain_and_quoted(void **state)
{
	split_is("sleep 1000", "sleep", "1000");
	split_is("  a   b\tc  ", "a", "b", "c");
	split_is("x", "x");
	split_is("echo 'a b' c", "echo", "a b", "c");
	split_is("echo \"a b\"", "echo", "a b");
	split_is("echo a\\ b", "echo", "a b");
	split_is("echo 'it''s'", "echo", "its");
	split_is("echo \"it's\"", "echo", "it's");
	split_is("echo 'say \"hi\"'", "echo", "say \"hi\"");
	split_is("echo \"a\\\"b\"", "echo", "a\"b");
	split_is("echo \"a\\\\b\"", "echo", "a\\b");
	split_is("echo \"a\\nb\"", "echo", "a\\nb");
	split_is("echo '$HOME' \\$HOME \"\\$HOME\"", "echo", "$HOME", "$HOME",
		 "$HOME");
	split_is("echo '' a''b \"\"", "echo", "", "ab", "");
	split_is("printf %s\\n x", "printf", "%sn", "x");
	split_is("sh -c 'exec sleep 1 | cat; echo $$'", "sh", "-c",
		 "exec sleep 1 | cat; echo $$", NULL);
	split_is("find . -name '*.c' -exec rm {} +", "find", ".", "-name",
		 "*.c", "-exec", "rm", "{}", "+");
	split_is("env A=1 cmd", "env", "A=1", "cmd");
	split_is("'A=1' cmd", "A=1", "cmd");
	split_is("x~y a#b ''~", "x~y", "a#b", "~");
	split_is("echo \\| \\; '&' \"<>\"", "echo", "|", ";", "&", "<>", NULL);
}

/* Split text; it must be refused at column. */
static void refused_at(const char *text, int column)
{
	const char *why = NULL;
	char **argv = NULL;
	int col = -1, err;

	err = sfd_split_command(text, &argv, &why, &col);
	if (err != -EINVAL)
		fail_msg("'%s' was not refused (%d)", text, err);
	assert_non_null(why);
	if (col != column)
		fail_msg("'%s' refused at column %d, not %d: %s", text, col,
			 column, why);
	assert_null(argv);
}

static void test_split_refuses_what_needs_a_shell(void **state)
{
	refused_at("", 0);
	refused_at("   \t ", 0);
	refused_at("echo 'abc", 6);
	refused_at("echo \"abc", 6);
	refused_at("echo abc\\", 9);
	refused_at("a | b", 3);
	refused_at("a && b", 3);
	refused_at("sleep 1;", 8);
	refused_at("echo >x", 6);
	refused_at("(x)", 1);
	refused_at("echo $X", 6);
	refused_at("echo \"$X\"", 7);
	refused_at("echo `x`", 6);
	refused_at("echo \"`x`\"", 7);
	refused_at("ls *.c", 4);
	refused_at("ls a?", 5);
	refused_at("ls [ab]", 4);
	refused_at("ls ~", 4);
	refused_at("echo #x", 6);
	refused_at("FOO=1 cmd", 1);
	refused_at("  _X=1 cmd", 3);
	refused_at("'' x", 1);
	refused_at("a\x01", 2);
	refused_at("a\x7f", 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_bad_durations),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_bad_signals),
		cmocka_unit_test(test_split_plain_and_quoted),
		cmocka_unit_test(test_split_refuses_what_needs_a_shell),
	};

	return cmocka_run_group_tests_name("daemon-parse", tests, NULL, NULL);
}
