/*
 * rng.c - the campaign's random numbers: splitmix64, seeded per scenario
 * from (run seed, scenario number), so that one scenario replays alone.
 */
#include "stress.h"

static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void st_rng_seed(struct st_rng *r, uint64_t seed, uint64_t stream)
{
	r->s = mix(seed) ^ mix(stream + 0x9e3779b97f4a7c15ULL);
}

uint64_t st_rng_next(struct st_rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix(r->s);
}

int st_rng_range(struct st_rng *r, int lo, int hi)
{
	uint64_t span = (uint64_t)((int64_t)hi - lo) + 1;

	return lo + (int)(st_rng_next(r) % span);
}

int st_rng_chance(struct st_rng *r, int percent)
{
	return st_rng_range(r, 0, 99) < percent;
}
