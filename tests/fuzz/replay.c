/*
 * replay.c - run a fuzz target without libFuzzer: every file named on the
 * command line, and every file in every directory named there, goes
 * through LLVMFuzzerTestOneInput() once.  `make check` runs the seed
 * corpus and the regression inputs this way, with the ordinary compiler
 * (and under ASan and valgrind in their CI lanes).
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
	struct stat st;
	uint8_t *buf;
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f || fstat(fileno(f), &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		abort();
	n = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 1;
}

static int run_dir(const char *dir)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	int n = 0;

	if (!dp)
		return run_file(dir);
	while ((d = readdir(dp))) {
		char path[4096];

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (run_file(path) < 0) {
			closedir(dp);
			return -1;
		}
		n++;
	}
	closedir(dp);
	return n;
}

int main(int argc, char **argv)
{
	int total = 0;

	for (int i = 1; i < argc; i++) {
		int n = run_dir(argv[i]);

		if (n < 0)
			return 1;
		total += n;
	}
	printf("replay: %s: %d inputs, no property broken\n", argv[0], total);
	return total > 0 ? 0 : 1;
}
