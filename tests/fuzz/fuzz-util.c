/*
 * fuzz-util.c - helpers of the fuzz targets.
 */
#include <string.h>

#include "fuzz.h"

char *fz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}
