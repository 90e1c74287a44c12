/*
 * parse.c - durations, counts, signals and shell-like command words.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"
#include "policy.h"

/* Digits only, no sign, no blanks; at most limit.  Sets *end past them. */
static int parse_digits(const char *text, uint64_t limit, uint64_t *value,
			const char **end)
{
	uint64_t v = 0;
	const char *p = text;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > limit)
			return -ERANGE;
	}
	*value = v;
	*end = p;
	return 0;
}

static const struct {
	const char *unit;
	uint64_t ms;
} duration_units[] = {
	{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
};

int sfd_parse_duration(const char *text, int *ms, const char **why)
{
	const char *unit;
	uint64_t v;
	int err;

	if (*text == '-') {
		*why = "a duration cannot be negative";
		return -EINVAL;
	}
	err = parse_digits(text, INT_MAX, &v, &unit);
	if (err == -ERANGE)
		goto range;
	if (err < 0) {
		*why = "not a duration (write it like 250ms, 5s or 2m)";
		return err;
	}
	if (*unit == '\0') {
		*ms = 0;
		if (v == 0)
			return 0;
		*why = "a duration needs a unit: ms, s, m or h (like 5s)";
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(duration_units) / sizeof(*duration_units); i++) {
		if (strcmp(unit, duration_units[i].unit) != 0)
			continue;
		if (v > INT_MAX / duration_units[i].ms)
			goto range;
		*ms = (int)(v * duration_units[i].ms);
		return 0;
	}
	*why = "unknown unit (use ms, s, m or h, right after the number)";
	return -EINVAL;
range:
	*why = "duration out of range (at most 2147483647ms, about 24 days)";
	return -ERANGE;
}

int sfd_parse_count(const char *text, int max, int *value, const char **why)
{
	const char *end;
	uint64_t v;
	int err;

	if (*text == '-') {
		*why = "cannot be negative";
		return -EINVAL;
	}
	err = parse_digits(text, (uint64_t)max, &v, &end);
	if (err == 0 && *end != '\0')
		err = -EINVAL;
	if (err == -ERANGE)
		*why = "number out of range";
	else if (err < 0)
		*why = "not a whole number";
	else
		*value = (int)v;
	return err;
}

/* By the library's names (policy.h: those of sigabbrev_np(), "TERM"), so
 * that stopflagd and its logs call signals what glibc calls them.
 * Real-time signals have no name; they can be given by number. */
static int signal_by_name(const char *name)
{
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (int signo = 1; signo < SF__NSIGNAL_NAMES; signo++) {
		const char *known = sf__signal_abbrev(signo);

		if (known && strcasecmp(name, known + 3) == 0)
			return signo;
	}
	return 0;
}

int sfd_parse_signal(const char *text, int *signo, const char **why)
{
	int n;

	if (isdigit((unsigned char)*text)) {
		if (sfd_parse_count(text, SIGRTMAX, &n, why) < 0 || n == 0) {
			*why = "not a signal number (1 to SIGRTMAX)";
			return -EINVAL;
		}
	} else {
		n = signal_by_name(text);
		if (n == 0) {
			*why = "unknown signal (write it like TERM, SIGTERM or 15)";
			return -EINVAL;
		}
	}
	*why = sf__stop_signal_unfit(n);
	if (*why)
		return -EINVAL;
	*signo = n;
	return 0;
}

const char *sfd_signal_name(int signo, char *buf, size_t len)
{
	const char *name = sf__signal_abbrev(signo);

	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "signal %d", signo);
	return buf;
}

/* ------------------------------------------------------------------ */
/* Command words                                                       */
/* ------------------------------------------------------------------ */

struct splitter {
	const char *text;
	size_t pos;       /* next character to read */
	char *out;        /* where the next character of a word goes */
	char **argv;
	int argc;
	const char *why;
	size_t err_pos;
};

static int refuse(struct splitter *s, size_t pos, const char *why)
{
	s->why = why;
	s->err_pos = pos;
	return -EINVAL;
}

/* Why an unquoted c needs a shell (NULL if it does not).  at_start: c
 * begins a word. */
static const char *needs_shell(char c, int at_start)
{
	if (strchr("|&;<>()", c))
		return "operators like | & ; < > ( ) need a shell; quote them, "
		       "or write: sh -c '...'";
	if (c == '$' || c == '`')
		return "$ and ` expand only in a shell; quote them ('$') "
		       "or write: sh -c '...'";
	if (strchr("*?[", c))
		return "* ? and [ are glob patterns, which only a shell expands; "
		       "quote them or list the files";
	if (at_start && c == '~')
		return "a leading ~ expands only in a shell; write the path out";
	if (at_start && c == '#')
		return "a word starting with # is a comment to a shell; quote it";
	return NULL;
}

static int split_single(struct splitter *s)
{
	size_t open = s->pos - 1;

	for (; s->text[s->pos] != '\''; s->pos++) {
		if (s->text[s->pos] == '\0')
			return refuse(s, open, "unterminated single quote");
		*s->out++ = s->text[s->pos];
	}
	s->pos++;
	return 0;
}

static int split_double(struct splitter *s)
{
	size_t open = s->pos - 1;
	char c;

	while ((c = s->text[s->pos++]) != '"') {
		if (c == '\0')
			return refuse(s, open, "unterminated double quote");
		if (c == '$' || c == '`')
			return refuse(s, s->pos - 1,
				      "$ and ` inside double quotes expand only "
				      "in a shell; use single quotes or \\$");
		if (c == '\\' && s->text[s->pos] != '\0' &&
		    strchr("$`\"\\", s->text[s->pos]))
			c = s->text[s->pos++];
		*s->out++ = c;
	}
	return 0;
}

/* One word, starting at s->pos (not a blank, not the end). */
static int split_word(struct splitter *s)
{
	int err = 0;

	s->argv[s->argc++] = s->out;
	for (int first = 1; err == 0; first = 0) {
		const char *why;
		char c = s->text[s->pos++];

		if (c == '\0' || c == ' ' || c == '\t') {
			s->pos -= c == '\0';
			break;
		}
		if (c == '\'') {
			err = split_single(s);
		} else if (c == '"') {
			err = split_double(s);
		} else if (c == '\\') {
			if (s->text[s->pos] == '\0')
				return refuse(s, s->pos - 1, "trailing backslash");
			*s->out++ = s->text[s->pos++];
		} else if ((why = needs_shell(c, first)) != NULL) {
			return refuse(s, s->pos - 1, why);
		} else {
			*s->out++ = c;
		}
	}
	*s->out++ = '\0';
	return err;
}

/* "NAME=value" as the first word is an environment assignment to a shell. */
static int is_assignment(const char *text)
{
	const char *p = text + strspn(text, " \t");

	if (!isalpha((unsigned char)*p) && *p != '_')
		return 0;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	return *p == '=';
}

static int check_characters(struct splitter *s)
{
	for (size_t i = 0; s->text[i]; i++)
		if (iscntrl((unsigned char)s->text[i]) && s->text[i] != '\t')
			return refuse(s, i, "control character in the command");
	if (is_assignment(s->text))
		return refuse(s, strspn(s->text, " \t"),
			      "NAME=value before the command sets a variable in "
			      "a shell; write: env NAME=value command");
	return 0;
}

int sfd_split_command(const char *text, char ***argvp, const char **why,
		      int *column)
{
	size_t len = strlen(text), nptr = len / 2 + 2;
	struct splitter s = { .text = text };
	int err;

	/* Worst cases: len/2 + 1 one-letter words; each word's text plus its
	 * NUL fits in len + nptr bytes. */
	s.argv = calloc(1, nptr * sizeof(char *) + len + nptr);
	if (!s.argv)
		return -ENOMEM;
	s.out = (char *)(s.argv + nptr);
	err = check_characters(&s);
	while (err == 0) {
		s.pos += strspn(text + s.pos, " \t");
		if (text[s.pos] == '\0')
			break;
		err = split_word(&s);
	}
	if (err == 0 && s.argc == 0)
		err = refuse(&s, len, "empty command");
	if (err == 0 && s.argv[0][0] == '\0')
		err = refuse(&s, strspn(text, " \t"), "the command name is empty");
	if (err < 0) {
		free(s.argv);
		*why = s.why;
		*column = s.argc == 0 && s.err_pos == len ? 0 : (int)s.err_pos + 1;
		return err;
	}
	s.argv[s.argc] = NULL;
	*argvp = s.argv;
	return s.argc;
}
