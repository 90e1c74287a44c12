/*
 * fuzz-duration.c - sfd_parse_duration() on any text.
 *
 * Beyond not crashing: what it accepts is "0"-valued digits, or digits
 * followed at once by ms, s, m or h, and the value it gives is that
 * number of milliseconds, within 0..INT_MAX; what it refuses comes with a
 * reason, and -ERANGE only for a number too large.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "daemon/parse.h"
#include "fuzz.h"

/* Whether text starts with more digits than INT_MAX can hold: "a number
 * too large" (-ERANGE) whatever follows it. */
static int digits_overflow(const char *text)
{
	long long v = 0;

	for (const char *p = text; isdigit((unsigned char)*p); p++)
		if ((v = v * 10 + (*p - '0')) > INT_MAX)
			return 1;
	return 0;
}

/* The grammar of stopflagd.conf(5), independently: the value in ms, or -1
 * if text is not a duration, or -2 if it is one beyond INT_MAX ms. */
static long long reference(const char *text)
{
	static const struct { const char *unit; long long ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	const char *p = text;
	long long v = 0;
	int big = 0;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (*p - '0');
		if (v > INT_MAX) {
			big = 1;
			v = INT_MAX + 1LL;
		}
	}
	if (*p == '\0')
		return v == 0 ? 0 : -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++)
		if (strcmp(p, units[i].unit) == 0)
			return big || v * units[i].ms > INT_MAX ? -2 :
			       v * units[i].ms;
	return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fz_string(data, size);
	const char *why = NULL;
	long long want = reference(text);
	int ms = -1, err = sfd_parse_duration(text, &ms, &why);

	if (err == 0) {
		FZ_CHECK(want >= 0);
		FZ_CHECK(ms == want);
	} else {
		FZ_CHECK(err == -EINVAL || err == -ERANGE);
		FZ_CHECK(why && *why);
		FZ_CHECK(want < 0);
		FZ_CHECK(want != -2 || err == -ERANGE);
		FZ_CHECK(err != -ERANGE || want == -2 || digits_overflow(text));
	}
	free(text);
	return 0;
}
