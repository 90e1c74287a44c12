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
 * all four scenarios.  Exit 0 if valid, 1 with the reason otherwise.
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
	double num;
	bool is_int;
	char *str;
	int n;               /* array items or object members */
	char **keys;         /* objects */
	struct jval **items;
};

static const char *src;
static const char *fail_msg;

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		fputs("bench-json-check: out of memory\n", stderr);
		exit(2);
	}
	return p;
}

static void skip_ws(void)
{
	while (*src == ' ' || *src == '\t' || *src == '\n' || *src == '\r')
		src++;
}

static struct jval *parse_value(int depth);

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
	out = xcalloc(len + 1, 1);
	memcpy(out, start, len); /* escapes are kept as written */
	src++;
	return out;
}

static struct jval *parse_number(struct jval *v)
{
	const char *start = src;
	char *end;

	if (*src == '-')
		src++;
	if (!isdigit((unsigned char)*src))
		return NULL;
	if (*src == '0' && isdigit((unsigned char)src[1]))
		return NULL; /* no leading zeros in JSON */
	while (isdigit((unsigned char)*src))
		src++;
	v->is_int = true;
	if (*src == '.') {
		v->is_int = false;
		src++;
		if (!isdigit((unsigned char)*src))
			return NULL;
		while (isdigit((unsigned char)*src))
			src++;
	}
	if (*src == 'e' || *src == 'E') {
		v->is_int = false;
		src++;
		if (*src == '+' || *src == '-')
			src++;
		if (!isdigit((unsigned char)*src))
			return NULL;
		while (isdigit((unsigned char)*src))
			src++;
	}
	v->type = J_NUM;
	v->num = strtod(start, &end);
	return end == src ? v : NULL;
}

static struct jval *parse_container(struct jval *v, char close, int depth)
{
	src++;
	skip_ws();
	if (*src == close) {
		src++;
		return v;
	}
	for (;;) {
		v->items = realloc(v->items, (size_t)(v->n + 1) * sizeof(*v->items));
		v->keys = realloc(v->keys, (size_t)(v->n + 1) * sizeof(*v->keys));
		if (!v->items || !v->keys)
			return NULL;
		v->keys[v->n] = NULL;
		skip_ws();
		if (close == '}') {
			v->keys[v->n] = parse_string();
			skip_ws();
			if (!v->keys[v->n] || *src++ != ':')
				return NULL;
		}
		v->items[v->n] = parse_value(depth + 1);
		if (!v->items[v->n])
			return NULL;
		v->n++;
		skip_ws();
		if (*src == ',') {
			src++;
			continue;
		}
		if (*src++ != close)
			return NULL;
		return v;
	}
}

static struct jval *parse_value(int depth)
{
	struct jval *v = xcalloc(1, sizeof(*v));

	if (depth > 32)
		return NULL;
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
		return v->str ? v : NULL;
	case 't':
	case 'f':
	case 'n': {
		static const char *const words[] = { "true", "false", "null" };

		for (int i = 0; i < 3; i++)
			if (strncmp(src, words[i], strlen(words[i])) == 0) {
				src += strlen(words[i]);
				v->type = i < 2 ? J_BOOL : J_NULL;
				return v;
			}
		return NULL;
	}
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

static struct jval *member(const struct jval *obj, const char *key)
{
	for (int i = 0; i < obj->n; i++)
		if (strcmp(obj->keys[i], key) == 0)
			return obj->items[i];
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
			seen += strcmp(obj->keys[i], keys[n]) == 0;
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
	int *seen = xcalloc((size_t)nwant, sizeof(int));

	if (!arr || arr->type != J_ARR)
		return fail("\"results\" is not an array");
	if (arr->n != nwant)
		return fail("\"results\" does not hold the expected number of entries");
	for (int i = 0; i < arr->n; i++) {
		const struct jval *r = arr->items[i], *name;
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
	free(seen);
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
	char all[] = "stopflag,futex,pipe,eventfd,sem,signal,condvar";
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
		const struct jval *set = member(res->items[i], "set_ns_p50");
		const struct jval *last = member(res->items[i], "last_p50_us");

		if (!non_negative(set) || !set->is_int)
			return fail("\"set_ns_p50\" is not an integer >= 0");
		if (!non_negative(last))
			return fail("\"last_p50_us\" is not a number >= 0");
		if (last->num < member(res->items[i], "p50_us")->num)
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
	char all[] = "sigterm,request,task-sigkill,master-sigkill";
	char *want[4];
	int nwant = split(all, want, 4);

	if (!exact_keys(root, top))
		return false;
	if (!is_count(member(root, "tasks"), n) ||
	    !is_count(member(root, "rounds"), r))
		return fail("\"tasks\" or \"rounds\" is not what was asked");
	return results(member(root, "results"), "scenario", want, nwant,
		       keys, pct);
}

static char *slurp(FILE *f)
{
	size_t len = 0, cap = 4096;
	char *buf = xcalloc(cap, 1);
	size_t got;

	while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += got;
		if (cap - len < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				return NULL;
		}
	}
	buf[len] = '\0';
	return buf;
}

int main(int argc, char *argv[])
{
	const struct jval *root, *mode;
	char *text;
	bool ok;

	if (argc < 4 || (strcmp(argv[1], "wake") && strcmp(argv[1], "group"))) {
		fputs("usage: bench-json-check wake|group N R [LIST] < json\n",
		      stderr);
		return 2;
	}
	text = slurp(stdin);
	src = text;
	root = text ? parse_value(0) : NULL;
	if (root)
		skip_ws();
	if (!root || *src) {
		fprintf(stderr, "bench-json-check: not one JSON value (at "
			"offset %ld)\n", text ? (long)(src - text) : 0L);
		return 1;
	}
	mode = root->type == J_OBJ ? member(root, "mode") : NULL;
	if (!mode || mode->type != J_STR || strcmp(mode->str, argv[1]) != 0) {
		fprintf(stderr, "bench-json-check: \"mode\" is not \"%s\"\n",
			argv[1]);
		return 1;
	}
	if (strcmp(argv[1], "wake") == 0)
		ok = check_wake(root, atol(argv[2]), atol(argv[3]),
				argc > 4 ? argv[4] : NULL);
	else
		ok = check_group(root, atol(argv[2]), atol(argv[3]));
	if (!ok) {
		fprintf(stderr, "bench-json-check: %s\n", fail_msg);
		return 1;
	}
	return 0;
}
