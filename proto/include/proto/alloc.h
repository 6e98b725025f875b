/*
 * The allocation table: which child holds which resources in which resource
 * class, until when. The operator writes it as text (docs/allocation-table.md
 * is the format's definition); updownctl validates, diffs and signs it; the
 * appliance receives it inside a signed bundle and its issuer engine turns it
 * into certificates (no over-claim, no under-claim: UD-100, UD-57). The text
 * is untrusted input: every count and length is bounded by an ALLOC_MAX_*
 * limit and every failure is a typed ALLOC_ERR_* code.
 *
 * Text form (summary; the document is authoritative):
 *
 *     version 42
 *     class DEFAULT
 *     child isp-a
 *     child isp-b ta=MIIDWDCCAkCgAwIBAgIBATANBgkqhkiG9w0BAQsFADA9...
 *     grant isp-a DEFAULT as=64496-64511 ipv4=192.0.2.0/24 \
 *         ipv6=2001:db8::/32 notafter=2026-01-01T00:00:00Z
 *
 * Model: classes sorted by name (byte order), children sorted by handle,
 * each child's entitlements sorted by class index; lookups are binary
 * searches. A table is a value type: alloc_table_init(), fill it with
 * alloc_parse() or alloc_import_rir(), alloc_table_free().
 *
 * Errors are negative ALLOC_ERR_* codes, 0 is success. No I/O, no clock:
 * the current time is an argument.
 */
#ifndef UPDOWN_PROTO_ALLOC_H
#define UPDOWN_PROTO_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "proto/res.h"

#define ALLOC_ERR_ARG        -0x0D01 /* NULL or inconsistent argument */
#define ALLOC_ERR_NOMEM      -0x0D02 /* out of memory */
#define ALLOC_ERR_LIMIT      -0x0D03 /* an ALLOC_MAX_* limit is exceeded */
#define ALLOC_ERR_ENCODING   -0x0D04 /* NUL, control character or invalid UTF-8 */
#define ALLOC_ERR_SYNTAX     -0x0D05 /* malformed statement */
#define ALLOC_ERR_VERSION    -0x0D06 /* version missing, repeated, not first or not a u64 */
#define ALLOC_ERR_NAME       -0x0D07 /* bad class name or child handle */
#define ALLOC_ERR_DUPLICATE  -0x0D08 /* class or child declared twice */
#define ALLOC_ERR_UNKNOWN    -0x0D09 /* grant to an undeclared child or class */
#define ALLOC_ERR_RESOURCE   -0x0D0A /* resource text invalid (RFC 6492 section 3.3.2) */
#define ALLOC_ERR_NOTAFTER   -0x0D0B /* notafter missing, malformed or disagreeing */
#define ALLOC_ERR_EMPTY      -0x0D0C /* a (child, class) entitlement with no resources */
#define ALLOC_ERR_OVERLAP    -0x0D0D /* two children hold the same resource in a class (UD-100) */
#define ALLOC_ERR_HOLDINGS   -0x0D0E /* resources outside the CA's holdings (UD-100) */
#define ALLOC_ERR_CLASS      -0x0D0F /* class is not one of the CA's resource classes */
#define ALLOC_ERR_EXPIRED    -0x0D10 /* notafter is not after now (UD-56) */
#define ALLOC_ERR_INVALID    -0x0D11 /* alloc_validate() found at least one error */
#define ALLOC_ERR_RIR        -0x0D12 /* malformed RIR delegation statistics */
#define ALLOC_ERR_MAP        -0x0D13 /* malformed opaque-id -> handle map */
#define ALLOC_ERR_UNMAPPED   -0x0D14 /* RIR record whose opaque-id is not in the map */
#define ALLOC_ERR_STALE      -0x0D15 /* new table's version does not increase */
#define ALLOC_ERR_TA         -0x0D16 /* a child's BPKI TA (ta=) is not a CA certificate, or not valid now */

/*
 * Bounds on untrusted input. A physical line is one '\n'-terminated line of
 * the file; a statement is a physical line plus its '\' continuations.
 * ALLOC_MAX_RANGES counts the ranges of all grant values together, as each
 * value parses (before grants of one child and class are merged). Together
 * they bound the memory of a parse to about 100 MB.
 */
#define ALLOC_MAX_TEXT       (64u << 20) /* bytes of table or RIR text */
#define ALLOC_MAX_LINE       65536u      /* bytes of one physical line */
#define ALLOC_MAX_STATEMENT  (4u << 20)  /* bytes of one continued statement */
#define ALLOC_MAX_CLASSES    1024u
#define ALLOC_MAX_CHILDREN   100000u
#define ALLOC_MAX_GRANTS     250000u     /* grant statements */
#define ALLOC_MAX_RANGES     1000000u
#define ALLOC_MAX_RIR_RECORDS 4000000u   /* record lines of an RIR file */
#define ALLOC_MAX_CLASS_NAME 1024u       /* characters (RFC 6492 section 3.7 schema) */
#define ALLOC_MAX_HANDLE     255u        /* RFC 8183 handle */
#define ALLOC_MAX_OPAQUE_ID  255u
#define ALLOC_MAX_TA         32768u      /* bytes of a child's BPKI TA (DER; base64 fits one line) */
#define ALLOC_MAX_MESSAGES   1000u       /* kept in a struct alloc_errs; more are counted */
#define ALLOC_MSG_SIZE       512u        /* one message, NUL included; longer is cut */

/* alloc_validate() warns when a notafter is this close (but still after now). */
#define ALLOC_NOTAFTER_WARN  (30 * 86400)

/* Canonical output: lines longer than this are continued with '\'. */
#define ALLOC_PRINT_WIDTH    100u

/* ---- the model ---- */

struct alloc_class {
	char *name;           /* NUL-terminated, alloc_class_name_ok() */
	unsigned long line;   /* declaration line, 0 when not from text */
};

/* One (child, class) entitlement: the union of its grant statements. */
struct alloc_ent {
	size_t cls;               /* index into alloc_table.classes */
	struct res_bundle res;    /* canonical sets; never inherit */
	time_t notafter;          /* resource_set_notafter to advertise (UD-56) */
	unsigned long line;       /* first grant line, 0 when not from text */
	unsigned long nlines;     /* grant statements merged into it */
};

struct alloc_child {
	char *handle;             /* NUL-terminated, RFC 8183 handle */
	unsigned long line;       /* declaration line, 0 when not from text */
	size_t nents;
	struct alloc_ent *ents;   /* sorted by cls, at most one per class */
	/*
	 * The child's BPKI trust anchor (RFC 8183 child_bpki_ta, DER), from
	 * "child HANDLE ta=BASE64"; NULL (ta_len 0) when the line has none.
	 * The parser checks it is a DER X.509 CA certificate; alloc_validate()
	 * checks it is valid at now (UD-152). A table carries it so that
	 * children reach an air-gapped appliance through the signed bundle.
	 */
	unsigned char *ta;
	size_t ta_len;
};

/* Value type: alloc_table_init() before use, alloc_table_free() after. */
struct alloc_table {
	uint64_t version;
	unsigned long version_line;
	char *source;             /* file name for messages, never NULL once filled */
	size_t nclasses;
	struct alloc_class *classes;   /* sorted by strcmp(name) */
	size_t nchildren;
	struct alloc_child *children;  /* sorted by strcmp(handle) */
};

void alloc_table_init(struct alloc_table *t);
void alloc_table_free(struct alloc_table *t);   /* accepts NULL; leaves t initialised */

/* Lookups, O(log n). NULL when absent. */
const struct alloc_class *alloc_find_class(const struct alloc_table *t, const char *name);
const struct alloc_child *alloc_find_child(const struct alloc_table *t, const char *handle);
const struct alloc_ent *alloc_child_ent(const struct alloc_child *c, size_t cls);
const struct alloc_ent *alloc_entitlement(const struct alloc_table *t,
    const char *handle, const char *class_name);

/* Same version, classes, children (with their BPKI TAs), entitlements (lines and source ignored). */
bool alloc_table_equal(const struct alloc_table *a, const struct alloc_table *b);

/* Name rules (see docs/allocation-table.md). len bytes, need not be NUL-terminated. */
bool alloc_class_name_ok(const char *name, size_t len);
bool alloc_handle_ok(const char *handle, size_t len);

/* ---- messages ---- */

/* The first error of a parse: "alloc.txt:12: ipv4: host bits set in ...". */
struct alloc_error {
	int code;                 /* ALLOC_ERR_*, 0 when no error */
	unsigned long line;       /* 0 when the error has no line */
	char msg[ALLOC_MSG_SIZE];
};

enum alloc_severity {
	ALLOC_SEV_ERROR = 0,
	ALLOC_SEV_WARNING = 1,
};

struct alloc_msg {
	int code;
	enum alloc_severity severity;
	unsigned long line;
	char text[ALLOC_MSG_SIZE]; /* "source:line: message" (or "source: message") */
};

/* A list of messages. alloc_errs_init() before use, alloc_errs_free() after. */
struct alloc_errs {
	size_t count, alloc;
	struct alloc_msg *msgs;   /* at most ALLOC_MAX_MESSAGES, in the order found */
	size_t nerrors;           /* all errors found, kept or not */
	size_t nwarnings;
	size_t dropped;           /* messages not kept because of the cap */
};

void alloc_errs_init(struct alloc_errs *e);
void alloc_errs_free(struct alloc_errs *e);      /* accepts NULL; leaves e initialised */

/*
 * Append a message "source:line: <fmt>" ("source: <fmt>" when line is 0).
 * Counted even when the cap drops it. Returns 0 or ALLOC_ERR_NOMEM.
 */
int alloc_errs_add(struct alloc_errs *e, enum alloc_severity sev, int code,
    const char *source, unsigned long line, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* ---- text ---- */

/*
 * Parse len bytes of allocation table text (need not be NUL-terminated).
 * source names the input in messages ("alloc.txt"; NULL means "<input>").
 * t is initialised by the call and filled on success; on failure it is left
 * empty and err (if not NULL) holds the first error. Checks everything that
 * the model needs: syntax, encoding, limits, names, duplicate declarations,
 * grants to undeclared children or classes, notafter presence/agreement.
 * Cross-checks (overlap, holdings, empty, expiry) are alloc_validate()'s.
 */
int alloc_parse(const char *text, size_t len, const char *source,
    struct alloc_table *t, struct alloc_error *err);

/*
 * As alloc_parse(), but keeps going after an error and appends every error
 * to errs (initialised by the caller), up to its cap. Fails with the first
 * error's code. For updownctl's "validate", which shows all problems.
 */
int alloc_parse_all(const char *text, size_t len, const char *source,
    struct alloc_table *t, struct alloc_errs *errs);

/*
 * Write the canonical text: version, classes, children, then one grant per
 * (child, class), all sorted; resource sets canonical (UD-58); statements
 * longer than ALLOC_PRINT_WIDTH continued over lines. *out is malloc'd and
 * NUL-terminated (caller frees), *len (if not NULL) its length.
 * alloc_parse(alloc_print(t)) equals t.
 */
int alloc_print(const struct alloc_table *t, char **out, size_t *len);

/* ---- validation (UD-100, UD-56) ---- */

/* The CA's own certified resources in one class (from its current certificate). */
struct alloc_holding {
	const char *class_name;
	const struct res_bundle *res;   /* must not be inherit */
};

/*
 * Check a parsed table and append every finding to errs:
 * errors: two children hold a resource in the same class (UD-100, both lines);
 * an entitlement with no resources (RFC 6487 section 2, UD-69, UD-105);
 * notafter not after now (UD-56); a child's BPKI TA not valid at now or
 * with a bad self-signature (oob_check_bpki_ta, UD-152); and, when holdings
 * are given (nholdings > 0),
 * a class that is not among them and resources outside the class's holdings
 * (UD-100, RFC 6487 section 7.2).
 * warnings: notafter within ALLOC_NOTAFTER_WARN of now; a child without any
 * entitlement.
 * now == 0 skips the time checks. Returns 0 when no error was found (warnings
 * allowed), ALLOC_ERR_INVALID when some were, ALLOC_ERR_NOMEM, ALLOC_ERR_ARG.
 */
int alloc_validate(const struct alloc_table *t, const struct alloc_holding *holdings,
    size_t nholdings, time_t now, struct alloc_errs *errs);

/*
 * UD-57: what the child may be certified for in the class = its entitlement
 * ∩ our own holdings. out is initialised by the call (caller frees).
 */
int alloc_effective(const struct alloc_ent *ent, const struct res_bundle *holding,
    struct res_bundle *out);

/* 0 when next->version > prev->version, else ALLOC_ERR_STALE (bundle replay). */
int alloc_version_check(const struct alloc_table *prev, const struct alloc_table *next);

/* ---- diff (UD-101, UD-102, UD-104) ---- */

enum alloc_change_kind {
	ALLOC_CH_ADDED,     /* (child, class) entitlement is new */
	ALLOC_CH_REMOVED,   /* it is gone (child or class removed, or no grant) */
	ALLOC_CH_GROWN,     /* new ⊋ old */
	ALLOC_CH_SHRUNK,    /* new ⊊ old */
	ALLOC_CH_CHANGED,   /* some resources added and some removed */
	ALLOC_CH_NOTAFTER,  /* same resources, only notafter moved */
};

struct alloc_change {
	char *handle;
	char *class_name;
	enum alloc_change_kind kind;
	bool notafter_changed;          /* also true for ADDED/REMOVED */
	time_t old_notafter;            /* 0 for ADDED */
	time_t new_notafter;            /* 0 for REMOVED */
	struct res_bundle plus;         /* new \ old */
	struct res_bundle minus;        /* old \ new: certificates covering these must go */
};

/* alloc_diff() fills it; alloc_diff_free() releases it. */
struct alloc_diff {
	uint64_t old_version, new_version;
	size_t nchanges;
	struct alloc_change *changes;   /* sorted by handle, then class name */
	size_t nchildren_added, nchildren_removed;
	char **children_added, **children_removed;
	size_t nclasses_added, nclasses_removed;
	char **classes_added, **classes_removed;
	size_t old_ents;                /* (child, class) entitlements in old */
	size_t new_ents;
};

/* The safety brake's input (UD-104). */
struct alloc_share {
	size_t shrinking;   /* old entitlements that shrink (SHRUNK, CHANGED) or vanish (REMOVED) */
	size_t total;       /* old entitlements */
	double fraction;    /* shrinking / total, 0 when total == 0 */
};

void alloc_diff_init(struct alloc_diff *d);
void alloc_diff_free(struct alloc_diff *d);      /* accepts NULL; leaves d initialised */

/* Compare two tables by child handle and class name. d is initialised by the call. */
int alloc_diff(const struct alloc_table *old, const struct alloc_table *new_,
    struct alloc_diff *d);

void alloc_diff_share(const struct alloc_diff *d, struct alloc_share *s);

/*
 * Human-readable diff, one line per change, e.g.
 *   isp-a/DEFAULT: ipv4 -192.0.2.128/25 +198.51.100.0/24
 * (format in docs/allocation-table.md). *out malloc'd, NUL-terminated.
 */
int alloc_diff_print(const struct alloc_diff *d, char **out, size_t *len);

/* ---- RIR extended delegation statistics import ---- */

#define ALLOC_RIR_UNMAPPED_ERROR 0x1u /* fail on a record whose opaque-id is not mapped */
#define ALLOC_RIR_NO_COUNT_CHECK 0x2u /* do not check the header/summary counts */

struct alloc_rir_opts {
	const char *class_name;   /* the one class of the result */
	time_t notafter;          /* notafter of every entitlement */
	uint64_t version;         /* version of the result */
	unsigned flags;           /* ALLOC_RIR_* */
	const char *source;       /* name of the statistics text in messages */
	const char *map_source;   /* name of the map text in messages */
};

struct alloc_rir_stats {
	size_t records;           /* record lines (not header, summary or comments) */
	size_t imported;          /* allocated/assigned records mapped to a child */
	size_t skipped;           /* available/reserved records */
	size_t unmapped;          /* allocated/assigned records with an unmapped opaque-id */
	unsigned long first_unmapped_line;
};

/*
 * Build a one-class table from RIR extended delegation statistics
 * ("registry|cc|type|start|value|date|status|opaque-id[|...]") and a map
 * text of "opaque-id handle" lines. Every handle of the map becomes a child;
 * allocated/assigned records become its resources. t is initialised by the
 * call; st and err may be NULL. The result is not validated.
 */
int alloc_import_rir(const char *stats, size_t stats_len, const char *map, size_t map_len,
    const struct alloc_rir_opts *opts, struct alloc_table *t,
    struct alloc_rir_stats *st, struct alloc_error *err);

/* ---- building sets in O(n log n) ---- */

/*
 * Unsorted ranges of one family, merged once at the end (res_set_add() is
 * O(n) per call). Used by the parser and the RIR import.
 */
struct alloc_acc {
	enum res_family family;
	size_t n, alloc;
	struct res_range *v;
};

void alloc_acc_init(struct alloc_acc *a, enum res_family family);
void alloc_acc_free(struct alloc_acc *a);        /* accepts NULL */
int  alloc_acc_add(struct alloc_acc *a, const struct res_num *min, const struct res_num *max);
int  alloc_acc_add_set(struct alloc_acc *a, const struct res_set *s);
/* Move a's ranges into other: other gets them, a is left empty. */
int  alloc_acc_merge(struct alloc_acc *dst, struct alloc_acc *src);
/* Sort and merge into out (initialised by the call); a is left empty. */
int  alloc_acc_finish(struct alloc_acc *a, struct res_set *out);

/* Static English text for an ALLOC_ERR_* code. */
const char *alloc_strerror(int err);

#endif
