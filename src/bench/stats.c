/*
 * stats.c - percentiles by nearest rank: the p-th percentile of n sorted
 * samples is the smallest one with at least p% of the samples at or below
 * it.  Every reported number is a real sample; nothing is interpolated.
 */
#include <math.h>
#include <stdlib.h>

#include "bench.h"

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

void sort_i64(int64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_i64);
}

int64_t percentile_sorted(const int64_t *v, size_t n, double p)
{
	size_t rank;

	if (n == 0)
		return 0;
	rank = (size_t)ceil(p / 100.0 * (double)n);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

int64_t percentile(int64_t *v, size_t n, double p)
{
	sort_i64(v, n);
	return percentile_sorted(v, n, p);
}
