/*
 * configfile.c - INI text to sections and keys with their line numbers.
 *
 * libinih does the parsing.  Its handler is told the section, key and
 * value, but not the line, and is never told about a section that has no
 * keys; so inih reads the text through our reader (ini_parse_stream),
 * which feeds it one line per call, counts them, and notes each section
 * header as it goes by, asking inih itself what the header names.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "configfile.h"
#include "log.h"

/* ------------------------------------------------------------------ */
/* Problems                                                            */
/* ------------------------------------------------------------------ */

static void diag_vadd(struct sfd_diag *d, int line, bool syntax,
		      const char *fmt, va_list ap)
{
	char *msg;

	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 8;
		struct sfd_diag_item *items;

		items = realloc(d->items, cap * sizeof(*items));
		if (!items) {
			d->nomem = true;
			return;
		}
		d->items = items;
		d->cap = cap;
	}
	if (vasprintf(&msg, fmt, ap) < 0) {
		d->nomem = true;
		return;
	}
	d->items[d->n++] = (struct sfd_diag_item){ line, syntax, msg };
}

void sfd_diag_add(struct sfd_diag *d, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, line, false, fmt, ap);
	va_end(ap);
}

static void diag_syntax(struct sfd_diag *d, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void diag_syntax(struct sfd_diag *d, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, line, true, fmt, ap);
	va_end(ap);
}

static int by_line(const void *a, const void *b)
{
	const struct sfd_diag_item *x = a, *y = b;

	return (x->line > y->line) - (x->line < y->line);
}

static void diag_print(const struct sfd_diag *d, const struct sfd_diag_item *item)
{
	if (item->line > 0)
		sfd_error("%s:%d: %s", d->file, item->line, item->msg);
	else
		sfd_error("%s: %s", d->file, item->msg);
}

size_t sfd_diag_report(struct sfd_diag *d)
{
	size_t printed = 0;

	qsort(d->items, d->n, sizeof(*d->items), by_line);
	/* After a syntax error the rest may be misread (a key inih could not
	 * read is then "missing"), so the first one is reported alone. */
	for (size_t i = 0; i < d->n; i++) {
		if (d->items[i].syntax) {
			diag_print(d, &d->items[i]);
			return 1;
		}
	}
	for (size_t i = 0; i < d->n; i++, printed++)
		diag_print(d, &d->items[i]);
	if (d->nomem)
		sfd_error("%s: out of memory while reading it", d->file);
	return printed;
}

void sfd_diag_free(struct sfd_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->items[i].msg);
	free(d->items);
	d->items = NULL;
	d->n = d->cap = 0;
}

/* ------------------------------------------------------------------ */
/* Reading                                                             */
/* ------------------------------------------------------------------ */

struct reader {
	char **lines;          /* the text, one line each, with its '\n' */
	size_t n_lines;
	size_t fed;            /* lines given to inih so far = current line */
	long section;          /* index of the last header fed, -1: none */
	struct sfd_raw_config *raw;
	struct sfd_diag *diag;
	bool nomem;
};

static int read_lines(FILE *f, struct reader *r)
{
	size_t cap = 0, size = 0;
	char *line = NULL;

	while (getline(&line, &size, f) >= 0) {
		if (r->n_lines == cap) {
			char **lines;

			cap = cap ? 2 * cap : 32;
			lines = realloc(r->lines, cap * sizeof(*lines));
			if (!lines)
				break;
			r->lines = lines;
		}
		r->lines[r->n_lines] = strdup(line);
		if (!r->lines[r->n_lines])
			break;
		r->n_lines++;
	}
	free(line);
	if (ferror(f))
		return errno ? -errno : -EIO;
	return feof(f) ? 0 : -ENOMEM;
}

/* The line as inih sees it: a UTF-8 byte order mark on the first line and
 * leading blanks skipped. */
static const char *skip_lead(const struct reader *r, const char *line)
{
	if (r->fed == 1 && strncmp(line, "\xEF\xBB\xBF", 3) == 0)
		line += 3;
	return line + strspn(line, " \t");
}

static int catch_section(void *user, const char *section, const char *name,
			 const char *value)
{
	char **out = user;

	(void)name;
	(void)value;
	if (!*out)
		*out = strdup(section);
	return 1;
}

/* Ask inih what section a header line names: it reads the header and one
 * made-up key.  NULL if the header is malformed (inih will say so when it
 * reaches it) or memory ran out. */
static char *header_name(const char *header)
{
	size_t len = strcspn(header, "\r\n");
	char *text, *name = NULL;

	if (asprintf(&text, "%.*s\nx=x\n", (int)len, header) < 0)
		return NULL;
	if (ini_parse_string(text, catch_section, &name) != 0) {
		free(name);
		name = NULL;
	}
	free(text);
	return name;
}

static void add_section(struct reader *r, const char *header)
{
	struct sfd_raw_config *raw = r->raw;
	struct sfd_raw_section *sections;
	const char *after;
	char *name = header_name(header);

	if (!name)
		return;
	/* inih keeps only so much of a name: the ']' must follow it. */
	after = strstr(header, name);
	if (!after || after[strlen(name)] != ']') {
		diag_syntax(r->diag, (int)r->fed,
			    "section name too long: [%s...", name);
		free(name);
		return;
	}
	sections = realloc(raw->sections,
			   (raw->n_sections + 1) * sizeof(*sections));
	if (!sections) {
		free(name);
		r->nomem = true;
		return;
	}
	raw->sections = sections;
	sections[raw->n_sections] = (struct sfd_raw_section){
		.name = name, .line = (int)r->fed,
	};
	r->section = (long)raw->n_sections++;
}

/* inih's reader: fgets() over r->lines, one line per call. */
static char *feed(char *str, int num, void *stream)
{
	struct reader *r = stream;
	const char *line;

	if (r->fed == r->n_lines)
		return NULL;
	line = r->lines[r->fed++];
	if (strlen(line) >= (size_t)num) {
		diag_syntax(r->diag, (int)r->fed,
			    "line longer than %d characters, the most libinih "
			    "reads", num - 2);
		line = "\n";
	} else if (*skip_lead(r, line) == '[') {
		add_section(r, line);
	}
	memcpy(str, line, strlen(line) + 1);
	return str;
}

static int add_key(struct reader *r, struct sfd_raw_section *s,
		   const char *name, const char *value)
{
	struct sfd_raw_key *keys, key = { .line = (int)r->fed };

	keys = realloc(s->keys, (s->n_keys + 1) * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	s->keys = keys;
	key.name = strdup(name);
	key.value = strdup(value);
	if (!key.name || !key.value) {
		free(key.name);
		free(key.value);
		return -ENOMEM;
	}
	s->keys[s->n_keys++] = key;
	return 0;
}

const struct sfd_raw_key *sfd_raw_key_find(const struct sfd_raw_section *s,
					   const char *name)
{
	for (size_t i = 0; i < s->n_keys; i++)
		if (strcmp(s->keys[i].name, name) == 0)
			return &s->keys[i];
	return NULL;
}

/* inih's handler: one key.  Problems are noted, and reading goes on so
 * that all of them are reported at once. */
static int on_key(void *user, const char *section, const char *name,
		  const char *value)
{
	struct reader *r = user;
	const char *line = r->lines[r->fed - 1];
	const struct sfd_raw_key *prev;
	struct sfd_raw_section *s;

	if (r->section < 0) {
		sfd_diag_add(r->diag, (int)r->fed, "%s: a key outside any "
			     "section (put it under [stopflagd] or "
			     "[task NAME])", name);
		return 1;
	}
	s = &r->raw->sections[r->section];
	prev = s->n_keys ? &s->keys[s->n_keys - 1] : NULL;
	if ((*line == ' ' || *line == '\t') && prev &&
	    strcmp(prev->name, name) == 0 && strcmp(s->name, section) == 0)
		diag_syntax(r->diag, (int)r->fed, "[%s] %s: '%.*s' is "
			    "indented, so it would continue the value of %s "
			    "(line %d); values take one line, and keys are "
			    "not indented", s->name, name,
			    (int)strcspn(line + strspn(line, " \t"), "\r\n"),
			    line + strspn(line, " \t"), name, prev->line);
	else if ((prev = sfd_raw_key_find(s, name)) != NULL)
		sfd_diag_add(r->diag, (int)r->fed, "[%s] %s: given twice "
			     "(first on line %d)", s->name, name, prev->line);
	else if (add_key(r, s, name, value) < 0)
		r->nomem = true;
	return 1;
}

static void free_lines(struct reader *r)
{
	for (size_t i = 0; i < r->n_lines; i++)
		free(r->lines[i]);
	free(r->lines);
}

int sfd_configfile_read(FILE *f, struct sfd_raw_config *raw,
			struct sfd_diag *d)
{
	struct reader r = { .section = -1, .raw = raw, .diag = d };
	int err;

	*raw = (struct sfd_raw_config){ 0 };
	err = read_lines(f, &r);
	if (err == 0) {
		int bad = ini_parse_stream(feed, &r, on_key, &r);

		if (bad > 0 && (size_t)bad <= r.n_lines)
			diag_syntax(d, bad, "syntax error: %.*s",
				    (int)strcspn(r.lines[bad - 1], "\r\n"),
				    r.lines[bad - 1]);
		if (bad == -2 || r.nomem)
			err = -ENOMEM;
	}
	free_lines(&r);
	if (err < 0)
		sfd_configfile_free(raw);
	return err;
}

void sfd_configfile_free(struct sfd_raw_config *raw)
{
	for (size_t i = 0; i < raw->n_sections; i++) {
		struct sfd_raw_section *s = &raw->sections[i];

		for (size_t k = 0; k < s->n_keys; k++) {
			free(s->keys[k].name);
			free(s->keys[k].value);
		}
		free(s->keys);
		free(s->name);
	}
	free(raw->sections);
	*raw = (struct sfd_raw_config){ 0 };
}
