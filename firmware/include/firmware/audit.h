/*
 * The audit chain: an append-only, hash-chained record of every signature
 * made with a CA key and of every operator action that changes what the CA
 * will sign (UD-160, UD-162, UD-163).
 *
 * The records live in the state store's database (table `audit`), so that a
 * state change and its audit record commit in one transaction (store.h).
 * The store appends them; this header defines the record, its canonical
 * encoding and hash, and the offline verifier the host tool uses.
 *
 * Chain. Record n has
 *     hash_n = SHA-256(hash_{n-1} || audit_encode(record_n))
 * with hash_0 = 32 zero octets; seq counts from 1 without gaps (the first
 * record is the "init" record the store writes when it is created). Each
 * row also keeps its prev (= hash_{n-1}), so the verifier can tell an edited
 * record (its own hash does not match its content) from a deleted, inserted
 * or reordered one (its prev does not match the hash of the record before
 * it, or seq jumps). The store's meta table holds the head (seq and hash of
 * the last record); a head that does not match the last row means a
 * truncated tail (or an appended forgery).
 *
 * Canonical encoding (audit_encode): the octet 0x01 (format version), then
 * for every present field, in this order, tag (1 octet), length (4 octets,
 * big-endian), value:
 *     1 time      8 octets, big-endian two's complement (seconds, UTC)
 *     2 kind      the kind's name (audit_kind_name), ASCII
 *     3 child     child handle, UTF-8        (absent when NULL)
 *     4 class     class name                 (absent when NULL)
 *     5 serial    8 octets big-endian         (absent unless has_serial)
 *     6 ski       text, usually lower-case hex (absent when NULL)
 *     7 resources text "as=..;ipv4=..;ipv6=.." (absent when NULL)
 *     8 digest    32 octets SHA-256           (absent unless has_digest)
 *     9 text      free text                  (absent when NULL)
 * An absent field and an empty one encode differently. seq is not part of
 * the encoding: the prev link fixes each record's position, and the
 * verifier checks that seq has no gaps.
 *
 * What a chain cannot prove: whoever can rewrite the whole database can
 * also rebuild a consistent chain, and cutting the tail and the meta head
 * together is undetectable. Record the head (audit_report.head_hash) outside
 * the appliance now and then (the host tool prints it) and compare.
 *
 * Offline copies: a store in use keeps recent commits in its -wal file, so
 * copy the database with its -wal (or use sqlite3's .backup, or copy it
 * while the appliance is stopped) before verifying the copy.
 *
 * Errors: functions return 0 or a negative STORE_ERR_* code (store.h).
 */
#ifndef UPDOWN_FIRMWARE_AUDIT_H
#define UPDOWN_FIRMWARE_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUDIT_HASH_LEN  32
#define AUDIT_MAX_TEXT  4096   /* bytes of any text field (child, class, ski, text) */
#define AUDIT_MAX_RES   (3 * 512000 + 32) /* resources: three RES_MAX_TEXT sets */

/* What a record says happened. The names are what the table holds. */
enum audit_kind {
	AUDIT_INIT = 1,      /* "init": the store was created */
	AUDIT_ISSUE,         /* "issue": a child certificate was signed (digest = SHA-256 of its DER) */
	AUDIT_REVOKE,        /* "revoke": a certificate was marked revoked */
	AUDIT_CRL,           /* "crl": a CRL was signed (serial = CRL number) */
	AUDIT_MANIFEST,      /* "manifest": a manifest was signed (serial = manifest number) */
	AUDIT_TA,            /* "ta": a trust anchor / self-signed certificate was signed */
	AUDIT_BPKI,          /* "bpki": a BPKI certificate was signed */
	AUDIT_EE,            /* "ee": another signature with a CA key (e.g. an EE certificate) */
	AUDIT_TABLE,         /* "table-applied": an allocation table replaced the entitlements */
	AUDIT_REPLAY_RESET,  /* "replay-reset": an operator reset a child's signing time (UD-36) */
	AUDIT_CHILD,         /* "child": a child was added or its BPKI TA replaced (UD-155) */
	AUDIT_CLASS,         /* "class": a resource class was added or changed */
	AUDIT_KEY,           /* "key": an SKI -> HSM label mapping was recorded (UD-163) */
	AUDIT_COUNTER,       /* "counter-raised": an operator raised a number counter */
	AUDIT_SCHEDULE,      /* "revoke-scheduled": a revocation was scheduled (UD-103) */
	AUDIT_OTHER,         /* "other" */
};
#define AUDIT_KIND_MAX AUDIT_OTHER

/*
 * One record. Text pointers are borrowed: when the store hands a record to
 * a callback they point into memory valid only during the call.
 */
struct audit_record {
	uint64_t seq;                 /* 1, 2, ...; assigned by the store on append */
	int64_t time;                 /* seconds since the epoch, UTC */
	enum audit_kind kind;
	const char *child;            /* NULL = absent */
	const char *class_name;       /* NULL = absent */
	bool has_serial;
	uint64_t serial;              /* certificate serial, CRL or manifest number */
	const char *ski;              /* subject (or issuing) key identifier, hex */
	const char *resources;        /* "as=..;ipv4=..;ipv6=.." (canonical text) */
	bool has_digest;
	uint8_t digest[AUDIT_HASH_LEN]; /* SHA-256 of what was signed */
	const char *text;             /* free text */
	uint8_t prev[AUDIT_HASH_LEN]; /* hash of the record before (zeros for seq 1) */
	uint8_t hash[AUDIT_HASH_LEN]; /* this record's hash */
};

/* The kind's table name ("issue", ...), or NULL for a value out of range. */
const char *audit_kind_name(enum audit_kind kind);

/* The kind named name, or 0 if the name is unknown. */
enum audit_kind audit_kind_parse(const char *name);

/*
 * Canonical encoding of rec's content (see above). Writes at most cap
 * octets to buf (buf may be NULL when cap is 0) and sets *len to the full
 * length, so a first call with cap 0 sizes the buffer. STORE_ERR_INVALID
 * for an unknown kind or a field over its AUDIT_MAX_* bound,
 * STORE_ERR_RANGE if the encoding did not fit in cap (then *len is the
 * size needed).
 */
int audit_encode(const struct audit_record *rec, uint8_t *buf, size_t cap, size_t *len);

/*
 * out = SHA-256(prev || audit_encode(rec)). prev is passed explicitly (the
 * verifier checks rec->prev separately). 0, STORE_ERR_INVALID or
 * STORE_ERR_NOMEM.
 */
int audit_hash(const uint8_t prev[AUDIT_HASH_LEN], const struct audit_record *rec,
               uint8_t out[AUDIT_HASH_LEN]);

/* What the verifier found. */
enum audit_fault {
	AUDIT_OK = 0,
	AUDIT_BAD_FIELD,     /* a column has the wrong type or is out of bounds (edited) */
	AUDIT_BAD_HASH,      /* the record's stored hash does not match its content (edited) */
	AUDIT_BAD_LINK,      /* prev does not match the record before: deleted, inserted or reordered */
	AUDIT_BAD_SEQ,       /* seq does not follow on: a record was deleted (or renumbered) */
	AUDIT_BAD_HEAD,      /* the chain's end does not match the head in meta: tail truncated or appended */
	AUDIT_BAD_EMPTY,     /* no records at all (the init record is missing) */
};

struct audit_report {
	uint64_t records;                   /* rows walked */
	uint64_t head_seq;                  /* last good seq (the head if the chain is whole) */
	uint8_t head_hash[AUDIT_HASH_LEN];  /* hash of that record */
	enum audit_fault fault;             /* AUDIT_OK if the chain verifies */
	uint64_t bad_seq;                   /* first bad record (0 with AUDIT_OK) */
	char what[320];                     /* one line for the operator, "" with AUDIT_OK */
};

/* The fault's short name ("edited record", ...). */
const char *audit_fault_name(enum audit_fault f);

struct sqlite3;

/*
 * Walk the chain in an open database handle (the store's or a read-only
 * one) and compare its end with the head in meta. Reads only; runs inside
 * one read transaction so the walk sees a consistent snapshot. Returns 0
 * when the chain verifies, STORE_ERR_AUDIT when it does not (rep says where
 * and why), other STORE_ERR_* codes when the database cannot be read.
 * rep is filled in every case.
 */
int audit_verify_db(struct sqlite3 *db, struct audit_report *rep);

/*
 * Offline verification for the host tool: open the store database at path
 * read-only (a directory means path/updown.db, see store.h), check that it
 * is an updown store, and walk the chain as audit_verify_db does. Nothing
 * is written. Same return convention.
 */
int audit_verify_path(const char *path, struct audit_report *rep);

#endif /* UPDOWN_FIRMWARE_AUDIT_H */
