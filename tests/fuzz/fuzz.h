/*
 * fuzz.h - what the fuzz targets share.
 *
 * Each target is one LLVMFuzzerTestOneInput().  `make fuzz` links it with
 * libFuzzer (clang -fsanitize=fuzzer,address,undefined); `make check`
 * links it with replay.c instead and runs the seed corpus and every input
 * that once crashed it (tests/fuzz/corpus/TARGET/), so a crash found once
 * stays a regression test.
 */
#ifndef SF_FUZZ_H
#define SF_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property the code under test broke: say which, then abort, which
 * libFuzzer reports as a crash with the input that did it. */
#define FZ_CHECK(cond)                                                      \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "%s:%d: property broken: %s\n",     \
				__FILE__, __LINE__, #cond);                 \
			abort();                                            \
		}                                                           \
	} while (0)

/* The input as a NUL-terminated string (a NUL inside ends it early, as it
 * would for a value read from a file).  free() it. */
char *fz_string(const uint8_t *data, size_t size);

#endif
