/*
 * proto/conf internals: the table of sections and keys that the parser,
 * the checker and the printer share, so that what is printed is exactly
 * what parses back.
 */
#ifndef UPDOWN_PROTO_CONF_INT_H
#define UPDOWN_PROTO_CONF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/conf.h"

enum conf_sec {
	CONF_SEC_APPLIANCE = 0,
	CONF_SEC_HSM,
	CONF_SEC_BPKI,
	CONF_SEC_CLASS,
	CONF_SEC_NETWORK,
	CONF_SEC_PROVISIONING,
	CONF_SEC_POLICY,
	CONF_SEC_COUNT
};

/* Value types. */
enum conf_kt {
	CONF_KT_STR = 1,   /* char *, checked by sv */
	CONF_KT_BOOL,      /* bool: yes/no (true/false, on/off accepted) */
	CONF_KT_UINT,      /* unsigned in min..max, in unit */
	CONF_KT_SIZE,      /* size_t in min..max, in unit; "off" = SIZE_MAX when off_ok */
	CONF_KT_SHARE,     /* unsigned ppm: "10%", "0.1", or "off" */
	CONF_KT_MECH,      /* enum conf_mech */
	CONF_KT_MFTKEYS,   /* enum conf_mft_keys */
	CONF_KT_PREFIX,    /* network address a.b.c.d/len */
	CONF_KT_IPV4,      /* network gateway a.b.c.d */
	CONF_KT_MAC,       /* network mac aa:bb:cc:dd:ee:ff */
	CONF_KT_MTU,       /* unsigned: 0 or 576..65535 */
	CONF_KT_LIST,      /* provisioning operators: repeatable */
	CONF_KT_HTTP_PATH, /* provisioning path: "/..." or "off" (stored as "") */
};

/* String syntaxes. */
enum conf_sv {
	CONF_SV_NONE = 0,
	CONF_SV_PATH,      /* a file or directory path */
	CONF_SV_HTTP_BASE, /* http(s)://host/.../ */
	CONF_SV_RSYNC,     /* rsync://host/module/file */
	CONF_SV_HANDLE,    /* RFC 8183 handle */
	CONF_SV_TOKEN_URI, /* pkcs11: token URI without pin-value */
	CONF_SV_KEY,       /* a key label, or a pkcs11: URI */
	CONF_SV_CRL_NAME,  /* a publication file name ending in .crl */
};

enum conf_unit {
	CONF_U_NONE = 0,
	CONF_U_SECONDS,    /* s, m, h, d suffixes */
	CONF_U_BYTES,      /* k, M suffixes (1024, 1048576) */
};

struct conf_key {
	enum conf_sec sec;
	const char *name;
	enum conf_kt type;
	size_t off;          /* offset in the section's struct */
	enum conf_sv sv;
	uint64_t min, max;
	enum conf_unit unit;
	bool required;
	bool off_ok;         /* CONF_KT_SIZE: "off" allowed */
};

extern const struct conf_key conf_keys[];
extern const size_t conf_nkeys;
extern const char *const conf_sec_names[CONF_SEC_COUNT];

/* The struct a key of section sec lives in (cls for [class]). */
void *conf_sec_base(struct conf *c, enum conf_sec sec, size_t cls);
const void *conf_sec_cbase(const struct conf *c, enum conf_sec sec, size_t cls);

/*
 * Check one stored value against its key (syntax, range). On failure
 * returns a CONF_ERR_* code and writes the reason to why.
 */
int conf_value_check(const struct conf_key *k, const void *base, char *why, size_t whylen);

/* Index of key name in section sec in conf_keys[], or conf_nkeys. */
size_t conf_key_index(enum conf_sec sec, const char *name);

/*
 * conf_check() with the line of each non-class key (keyline[k] for
 * conf_keys[k], 0 when not given; keyline may be NULL) for its messages.
 */
int conf_check_lines(const struct conf *c, const unsigned long *keyline,
                     struct conf_error *err);

/* "source:line: body" (or "source: body" for line 0) into dst, cut to size. */
void conf_format_msg(char *dst, size_t size, const char *source, unsigned long line,
                     const char *body);

/* Check a string against a syntax; NULL when fine, else why not. */
const char *conf_str_problem(enum conf_sv sv, const char *s, int *code);

#endif
