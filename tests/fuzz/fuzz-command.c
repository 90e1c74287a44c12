/*
 * fuzz-command.c - sfd_split_command() on any text.
 *
 * Beyond not crashing or leaking: an accepted command has at least one
 * word, a NULL-terminated argv, no control character in any word but the
 * tab (kept when quoted or escaped, as a shell keeps it); quoting
 * every word again with single quotes gives a command that, if accepted,
 * splits into the very same words.  A refusal says why and points at a
 * column inside the text (or 0: the text as a whole).
 */
#include <errno.h>
#include <string.h>

#include "daemon/parse.h"
#include "fuzz.h"

/* 'word' with every ' written as '\'' */
static char *requote(char **argv)
{
	size_t len = 1;
	char *out, *p;

	for (char **a = argv; *a; a++)
		len += 3 + 4 * strlen(*a);
	out = p = calloc(len, 1);
	if (!out)
		abort();
	for (char **a = argv; *a; a++) {
		if (a != argv)
			*p++ = ' ';
		*p++ = '\'';
		for (const char *c = *a; *c; c++) {
			if (*c == '\'') {
				memcpy(p, "'\\''", 4);
				p += 4;
			} else {
				*p++ = *c;
			}
		}
		*p++ = '\'';
	}
	*p = '\0';
	return out;
}

static void same_words(char **argv, int n)
{
	char *again = requote(argv), **argv2 = NULL;
	const char *why = NULL;
	int column = -1, n2 = sfd_split_command(again, &argv2, &why, &column);

	if (n2 >= 0) {
		FZ_CHECK(n2 == n);
		for (int i = 0; i < n; i++)
			FZ_CHECK(strcmp(argv[i], argv2[i]) == 0);
		free(argv2);
	}
	free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fz_string(data, size), **argv = NULL;
	const char *why = NULL;
	int column = -1, n = sfd_split_command(text, &argv, &why, &column);

	if (n >= 0) {
		FZ_CHECK(n >= 1);
		FZ_CHECK(argv && argv[n] == NULL);
		for (int i = 0; i < n; i++) {
			FZ_CHECK(argv[i] != NULL);
			for (const char *c = argv[i]; *c; c++)
				FZ_CHECK(*c == '\t' ||
					 ((unsigned char)*c >= 0x20 && *c != 0x7f));
		}
		same_words(argv, n);
		free(argv);
	} else {
		FZ_CHECK(n == -EINVAL || n == -ENOMEM);
		FZ_CHECK(n == -ENOMEM || (why && *why));
		FZ_CHECK(n == -ENOMEM ||
			 (column >= 0 && (size_t)column <= strlen(text) + 1));
	}
	free(text);
	return 0;
}
