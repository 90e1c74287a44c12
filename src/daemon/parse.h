/*
 * parse.h - the value parsers of stopflagd's config: durations, signals,
 * counts and command lines.  Pure functions: no I/O, no globals.
 *
 * On error each returns -EINVAL (or -ERANGE for a number too large) and
 * points *why at a static explanation fit to follow "KEY: " in a message.
 */
#ifndef SFD_PARSE_H
#define SFD_PARSE_H

#include <stddef.h>

/* "0", or digits followed at once by ms, s, m or h: 250ms, 5s, 2m.
 * At most INT_MAX milliseconds (about 24 days). */
int sfd_parse_duration(const char *text, int *ms, const char **why);

/* A decimal count from 0 to max, digits only. */
int sfd_parse_count(const char *text, int max, int *value, const char **why);

/* A stop signal: TERM, SIGTERM or 15 (names in any case).  Refused: KILL
 * and STOP (they cannot be caught), the signals whose default action does
 * not end a process (CHLD, CONT, URG, WINCH, TSTP, TTIN, TTOU), and those
 * the C library keeps for itself (between SIGSYS and SIGRTMIN). */
int sfd_parse_signal(const char *text, int *signo, const char **why);

/* "SIGTERM" for 15; "signal N" (in buf) for one without a name. */
const char *sfd_signal_name(int signo, char *buf, size_t len);

/*
 * Split a command line into words the way sh(1) does, without running one:
 * blanks separate words, 'single quotes' keep everything, "double quotes"
 * keep everything but \" \\ \$ and \`, and a backslash outside quotes keeps
 * the next character.  What only a shell could do is refused, not guessed:
 * unquoted | & ; < > ( ) $ ` * ? [, a leading ~ or #, $ or ` inside double
 * quotes, a leading NAME=value, control characters, unterminated quotes and
 * a trailing backslash.
 *
 * Returns the number of words (>= 1) and a NULL-terminated argv in *argvp
 * (one allocation: free(*argvp)), -EINVAL with *why and the 1-based *column
 * of the offending character (0 when the whole text is at fault, e.g.
 * empty), or -ENOMEM.
 */
int sfd_split_command(const char *text, char ***argvp, const char **why,
		      int *column);

#endif
