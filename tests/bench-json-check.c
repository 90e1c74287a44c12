/*
 * bench-json-check.c - validate stopflag-bench --json output against the
 * schema of the benchmark section of the design, exactly: every key there,
 * no key that is not, the right types, known mechanism and scenario names,
 * each at most once, and percentiles in order.
 *
 *   bench-json-check wake N R [MECHANISM,...] < out.json
 *   bench-json-check group N R < out.json
 *
 * N and R must match "waiters"/"tasks" and "rounds"; for wake, the results
 * must name exactly the mechanisms listed (default: all seven), for group
 * all six scenarios.  Exit 0 if valid, 1 with the reason otherwise.
 *
 * A small recursive-descent JSON parser, so the check needs nothing
 * beyond the C library.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jval {
	enum jtype type;
	const char *key;     /* as a member of an object */
	double num;
	bool is_int;
	char *str;
	int n;               /* array items or object members */
	struct jval *items;
};

/* Everything lives in one arena that is never freed: the input is small
 * and the program short. */
static char arena[1 << 20];
static size_t arena_used;
static char input[1 << 18];

static const char *src;
static const char *fail_msg;

static void *alloc(size_t size)
{
	void *p;

	size = (size + 15) & ~(size_t)15;
	if (size > sizeof(arena) - arena_used) {
		fputs("bench-json-check: input too large\n", stderr);
		exit(2);
	}
	p = arena + arena_used;
	arena_used += size;
	memset(p, 0, size);
	return p;
}

static void skip_ws(void)
{
	while (*src == ' ' || *src == '\t' || *src == '\n' || *src == '\r')
		src++;
}

static bool parse_value(struct jval *v, int depth);

static char *parse_string(void)
{
	const char *start;
	char *out;
	size_t len;

	if (*src != '"')
		return NULL;
	start = ++src;
	while (*src && *src != '"') {
		if (*src == '\\' && src[1])
			src++;
		else if ((unsigned char)*src < 0x20)
			return NULL;
		src++;
	}
	if (*src != '"')
		return NULL;
	len = (size_t)(src - start);
	out = alloc(len + 1);
	memcpy(out, start, len); /* escapes are kept as written */
	src++;
	return out;
}

static bool skip_digits(void)
{
	if (!isdigit((unsigned char)*src))
		return false;
	while (isdigit((unsigned char)*src))
		src++;
	return true;
}

static bool parse_number(struct jval *v)
{
	const char *start = src;
	char *end;

	if (*src == '-')
		src++;
	if (*src == '0' && isdigit((unsigned char)src[1]))
		return false; /* no leading zeros in JSON */
	if (!skip_digits())
		return false;
	v->is_int = true;
	if (*src == '.') {
		v->is_int = false;
		src++;
		if (!skip_digits())
			return false;
	}
	if (*src == 'e' || *src == 'E') {
		v->is_int = false;
		src++;
		if (*src == '+' || *src == '-')
			src++;
		if (!skip_digits())
			return false;
	}
	v->type = J_NUM;
	v->num = strtod(start, &end);
	return end == src;
}

/* Append one item to a container (the arena only grows: copy). */
static struct jval *grow(struct jval *v)
{
	struct jval *items = alloc((size_t)(v->n + 1) * sizeof(struct jval));

	if (v->n)
		memcpy(items, v->items, (size_t)v->n * sizeof(struct jval));
	v->items = items;
	return &items[v->n++];
}

/* Arrays and objects nest, so parsing recurses; depth is bounded. */
static bool parse_container(struct jval *v, char close, int depth) /* NOLINT(misc-no-recursion) */
{
	src++;
	skip_ws();
	if (*src == close) {
		src++;
		return true;
	}
	for (;;) {
		struct jval *item = grow(v);

		skip_ws();
		if (close == '}') {
			item->key = parse_string();
			skip_ws();
			if (!item->key || *src++ != ':')
				return false;
		}
		if (!parse_value(item, depth + 1))
			return false;
		skip_ws();
		if (*src == ',') {
			src++;
			continue;
		}
		return *src++ == close;
	}
}

static bool parse_word(struct jval *v)
{
	static const char *const words[] = { "true", "false", "null" };

	for (int i = 0; i < 3; i++)
		if (strncmp(src, words[i], strlen(words[i])) == 0) {
			src += strlen(words[i]);
			v->type = i < 2 ? J_BOOL : J_NULL;
			return true;
		}
	return false;
}

static bool parse_value(struct jval *v, int depth) /* NOLINT(misc-no-recursion) */
{
	if (depth > 32)
		return false;
	skip_ws();
	switch (*src) {
	case '{':
		v->type = J_OBJ;
		return parse_container(v, '}', depth);
	case '[':
		v->type = J_ARR;
		return parse_container(v, ']', depth);
	case '"':
		v->type = J_STR;
		v->str = parse_string();
		return v->str != NULL;
	case 't':
	case 'f':
	case 'n':
		return parse_word(v);
	default:
		return parse_number(v);
	}
}

/* ---------------------------------------------------------------- schema */

static bool fail(const char *msg)
{
	if (!fail_msg)
		fail_msg = msg;
	return false;
}

static const struct jval *member(const struct jval *obj, const char *key)
{
	for (int i = 0; i < obj->n; i++)
		if (strcmp(obj->items[i].key, key) == 0)
			return &obj->items[i];
	return NULL;
}

/* obj has exactly the keys listed (NULL-terminated), each once. */
static bool exact_keys(const struct jval *obj, const char *const *keys)
{
	int n = 0;

	if (obj->type != J_OBJ)
		return fail("expected an object");
	for (; keys[n]; n++) {
		int seen = 0;

		for (int i = 0; i < obj->n; i++)
			seen += strcmp(obj->items[i].key, keys[n]) == 0;
		if (seen != 1) {
			fprintf(stderr, "key \"%s\" appears %d times\n",
				keys[n], seen);
			return fail("missing or repeated key");
		}
	}
	if (obj->n != n)
		return fail("an object holds a key the schema does not have");
	return true;
}

static bool is_count(const struct jval *v, long want)
{
	return v && v->type == J_NUM && v->is_int && v->num == (double)want;
}

static bool non_negative(const struct jval *v)
{
	return v && v->type == J_NUM && v->num >= 0;
}

/* The numeric members named in fields are numbers >= 0 and ascending. */
static bool ordered(const struct jval *obj, const char *const *fields)
{
	double prev = 0;

	for (int i = 0; fields[i]; i++) {
		const struct jval *v = member(obj, fields[i]);

		if (!non_negative(v)) {
			fprintf(stderr, "\"%s\" is not a number >= 0\n",
				fields[i]);
			return fail("a result value is not a non-negative number");
		}
		if (v->num < prev)
			return fail("percentiles out of order");
		prev = v->num;
	}
	return true;
}

/* results: an array of objects whose `namekey` takes each of want[] once. */
static bool results(const struct jval *arr, const char *namekey,
		    char **want, int nwant, const char *const *keys,
		    const char *const *fields)
{
	int seen[16] = { 0 };

	if (!arr || arr->type != J_ARR)
		return fail("\"results\" is not an array");
	if (arr->n != nwant)
		return fail("\"results\" does not hold the expected number of entries");
	for (int i = 0; i < arr->n; i++) {
		const struct jval *r = &arr->items[i], *name;
		int k;

		if (!exact_keys(r, keys) || !ordered(r, fields))
			return false;
		name = member(r, namekey);
		if (name->type != J_STR)
			return fail("a result's name is not a string");
		for (k = 0; k < nwant; k++)
			if (strcmp(name->str, want[k]) == 0)
				break;
		if (k == nwant) {
			fprintf(stderr, "unexpected %s \"%s\"\n", namekey,
				name->str);
			return fail("unknown or unexpected name");
		}
		if (seen[k]++)
			return fail("a name appears twice in \"results\"");
	}
	return true;
}

static int split(char *list, char **out, int max)
{
	int n = 0;

	for (char *tok = strtok(list, ","); tok && n < max;
	     tok = strtok(NULL, ","))
		out[n++] = tok;
	return n;
}

static bool check_wake(const struct jval *root, long n, long r, char *list)
{
	static const char *const top[] = { "mode", "waiters", "rounds",
					   "results", NULL };
	static const char *const keys[] = { "mechanism", "p50_us", "p90_us",
		"p99_us", "max_us", "last_p50_us", "set_ns_p50", NULL };
	static const char *const pct[] = { "p50_us", "p90_us", "p99_us",
					   "max_us", NULL };
	char all[] = "stopflag,futex,futex-fresh,pipe,eventfd,sem,signal,"
		     "condvar";
	char *want[16];
	int nwant = split(list ? list : all, want, 16);
	const struct jval *res;

	if (!exact_keys(root, top))
		return false;
	if (!is_count(member(root, "waiters"), n) ||
	    !is_count(member(root, "rounds"), r))
		return fail("\"waiters\" or \"rounds\" is not what was asked");
	res = member(root, "results");
	if (!results(res, "mechanism", want, nwant, keys, pct))
		return false;
	for (int i = 0; i < res->n; i++) {
		const struct jval *set = member(&res->items[i], "set_ns_p50");
		const struct jval *last = member(&res->items[i], "last_p50_us");

		if (!non_negative(set) || !set->is_int)
			return fail("\"set_ns_p50\" is not an integer >= 0");
		if (!non_negative(last))
			return fail("\"last_p50_us\" is not a number >= 0");
		if (last->num < member(&res->items[i], "p50_us")->num)
			return fail("the last waiter's p50 is below the p50");
	}
	return true;
}

static bool check_group(const struct jval *root, long n, long r)
{
	static const char *const top[] = { "mode", "tasks", "rounds",
					   "results", NULL };
	static const char *const keys[] = { "scenario", "p50_ms", "p90_ms",
					    "max_ms", NULL };
	static const char *const pct[] = { "p50_ms", "p90_ms", "max_ms",
					   NULL };
	char all[] = "sigterm,request,task-sigkill,master-sigkill,"
		     "keeper-sigkill,keeper-master-sigkill";
	char *want[6];
	int nwant = split(all, want, 6);

	if (!exact_keys(root, top))
		return false;
	if (!is_count(member(root, "tasks"), n) ||
	    !is_count(member(root, "rounds"), r))
		return fail("\"tasks\" or \"rounds\" is not what was asked");
	return results(member(root, "results"), "scenario", want, nwant,
		       keys, pct);
}

/* A count given on the command line, or -1. */
static long count_arg(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return end != s && *end == '\0' && v > 0 ? v : -1;
}

int main(int argc, char *argv[])
{
	struct jval root = { J_NULL, NULL, 0, false, NULL, 0, NULL };
	const struct jval *mode;
	size_t len;
	long n, r;
	bool ok;

	if (argc < 4 || (strcmp(argv[1], "wake") != 0 &&
			 strcmp(argv[1], "group") != 0) ||
	    (n = count_arg(argv[2])) < 0 || (r = count_arg(argv[3])) < 0) {
		fputs("usage: bench-json-check wake|group N R [LIST] < json\n",
		      stderr);
		return 2;
	}
	len = fread(input, 1, sizeof(input) - 1, stdin);
	input[len] = '\0';
	src = input;
	ok = parse_value(&root, 0);
	skip_ws();
	if (!ok || *src) {
		fprintf(stderr, "bench-json-check: not one JSON value (at "
			"offset %ld)\n", (long)(src - input));
		return 1;
	}
	mode = root.type == J_OBJ ? member(&root, "mode") : NULL;
	if (!mode || mode->type != J_STR || strcmp(mode->str, argv[1]) != 0) {
		fprintf(stderr, "bench-json-check: \"mode\" is not \"%s\"\n",
			argv[1]);
		return 1;
	}
	if (strcmp(argv[1], "wake") == 0)
		ok = check_wake(&root, n, r, argc > 4 ? argv[4] : NULL);
	else
		ok = check_group(&root, n, r);
	if (!ok) {
		fprintf(stderr, "bench-json-check: %s\n", fail_msg);
		return 1;
	}
	return 0;
}
