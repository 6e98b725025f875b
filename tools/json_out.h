/*
 * A small streaming JSON writer for updownctl's --json output.
 *
 * Values are written as they come; the writer tracks commas and
 * indentation (two spaces). Inside an object every value takes a key;
 * inside an array (or at the top level) the key is NULL. Strings are
 * bytes: valid UTF-8 is copied, control characters, '"' and '\\' are
 * escaped, and each byte of an invalid UTF-8 sequence becomes U+FFFD, so
 * the output is always valid JSON whatever a peer sent.
 */
#ifndef UPDOWN_TOOLS_JSON_OUT_H
#define UPDOWN_TOOLS_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define JO_MAX_DEPTH 32

struct jo {
	FILE *f;
	int depth;
	bool first[JO_MAX_DEPTH]; /* no value yet at this depth */
};

void jo_init(struct jo *j, FILE *f);
void jo_obj_begin(struct jo *j, const char *key);
void jo_obj_end(struct jo *j);
void jo_arr_begin(struct jo *j, const char *key);
void jo_arr_end(struct jo *j);
/* A string, or null when s is NULL. */
void jo_str(struct jo *j, const char *key, const char *s);
void jo_strn(struct jo *j, const char *key, const char *s, size_t n);
void jo_int(struct jo *j, const char *key, long long v);
void jo_uint(struct jo *j, const char *key, unsigned long long v);
void jo_bool(struct jo *j, const char *key, bool v);
void jo_null(struct jo *j, const char *key);
/* Lower-case hex of n bytes, or null when p is NULL. */
void jo_hex(struct jo *j, const char *key, const unsigned char *p, size_t n);
/* "YYYY-MM-DDThh:mm:ssZ" (UTC). */
void jo_time(struct jo *j, const char *key, time_t t);
/* End the document with a newline (after the last top-level value). */
void jo_finish(struct jo *j);

#endif
