/*
 * configfile.h - the first half of loading a config: the text, read by
 * libinih, becomes sections of keys, each with the line it came from.
 * Nothing here knows what a key means (that is conf.c).
 */
#ifndef SFD_CONFIGFILE_H
#define SFD_CONFIGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Problems found while loading, reported together in line order. */
struct sfd_diag {
	const char *file;
	struct sfd_diag_item {
		int line;       /* 0: the file as a whole */
		bool syntax;    /* what follows it may be misread */
		char *msg;
	} *items;
	size_t n, cap;
	bool nomem;
};

void sfd_diag_add(struct sfd_diag *d, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Print every problem as "FILE:LINE: msg" through sfd_error(), sorted by
 * line, up to the first syntax error (what follows it may be misread).
 * Returns how many were printed. */
size_t sfd_diag_report(struct sfd_diag *d);
void sfd_diag_free(struct sfd_diag *d);

struct sfd_raw_key {
	char *name;
	char *value;
	int line;
};

struct sfd_raw_section {
	char *name;         /* as libinih reads it: "task web" */
	int line;           /* of its header */
	struct sfd_raw_key *keys;
	size_t n_keys;
};

struct sfd_raw_config {
	struct sfd_raw_section *sections;
	size_t n_sections;
};

/*
 * Read an INI text from f into *raw.  Refused here (through d): a syntax
 * error, a key before any section, a key given twice in a section, an
 * indented continuation line, a line longer than libinih reads, a section
 * name longer than libinih keeps.
 * Returns 0 (problems, if any, are in d), -errno if f could not be read,
 * -ENOMEM.
 */
int sfd_configfile_read(FILE *f, struct sfd_raw_config *raw,
			struct sfd_diag *d);
void sfd_configfile_free(struct sfd_raw_config *raw);

/* The key of section s named name, or NULL. */
const struct sfd_raw_key *sfd_raw_key_find(const struct sfd_raw_section *s,
					   const char *name);

#endif
