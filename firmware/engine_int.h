/*
 * Private to the engine (firmware/engine*.c): the engine's state, the
 * publication batch, and shared helpers. See firmware/include/firmware/engine.h.
 */
#ifndef UPDOWN_FIRMWARE_ENGINE_INT_H
#define UPDOWN_FIRMWARE_ENGINE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto/cert.h"
#include "crypto/crl.h"
#include "crypto/pubpoint.h"
#include "crypto/signer.h"
#include "crypto/verify.h"
#include "firmware/engine.h"
#include "firmware/store.h"
#include "proto/cms.h"
#include "proto/res.h"

#define SKI_LEN 20

/* One resource class (engine.h: struct engine_class_config). */
struct eclass {
	char *name;
	char *cert_uri;              /* class cert_url and AIA */
	char *repo_uri;              /* caRepository (= our SIA) */
	char *crl_name, *crl_uri;
	char *mft_name, *mft_uri;
	char *notify_uri;            /* our SIA rpkiNotify, or NULL */
	char *key_label;
	char mft_label[48];          /* prefix of the manifest's one-time key labels */
	struct signer_key *key;
	uint8_t ski[SKI_LEN];
	/* Our certificate: written under batch_lock + cls_lock (write), read under either. */
	struct cert_issuer iss;
	struct pub_point *pp;        /* under batch_lock */
	bool dirty;                  /* publication may lag the store: resync before the next batch */
};

/*
 * A request path that passed cms_verify_path() (engine_handle.c): the
 * child, its EE certificate, the message's CRL and the child's BPKI TA,
 * and when those checks hold. The message signature is never cached.
 */
struct eng_auth {
	unsigned char key[32];       /* SHA-256 of handle, EE DER, CRL DER, TA DER */
	unsigned char child[32];     /* SHA-256 of the handle (eng_auth_drop) */
	time_t not_before, not_after; /* inclusive (struct cms_window) */
	uint64_t used;               /* LRU tick; 0: empty slot */
	struct eng_pk *pk;           /* the EE's public key, or NULL; one reference */
};

/*
 * An EE public key prepared once for cms_check_signature_pk (crypto/verify.h).
 * Reference-counted under auth_lock so that an entry evicted while a worker
 * checks a signature with it stays alive.
 */
struct eng_pk {
	struct verify_key *key;
	unsigned refs;
};

#define ENG_AUTH_WAYS 4
#define ENG_AUTH_SETS 256            /* 1024 entries, ~90 KiB */

/* A revoked certificate's serial for a CRL. */
struct crl_serial {
	unsigned char b[9];
	size_t len;
};

/* The exchange log's writer (engine_log.c); its fields under mu. */
struct eng_xlog {
	pthread_mutex_t mu;          /* a leaf: may be taken inside store_lock */
	pthread_cond_t work, done;
	pthread_t thread;
	bool inited, running, stop;
	struct xlog_ent *head, **tail;
	size_t entries, bytes;
	unsigned waiters;               /* submitters waiting for their row (eng_log_wait) */
	uint64_t submitted, committed;  /* sequence numbers: queued, written (in order) */
	uint64_t failed, reported;      /* rows not written; how many the log lines told */
	char last_err[200];
	/* File mode (dir != NULL): the current file, under fmu (a leaf). */
	char *dir;
	pthread_mutex_t fmu;
	int fd;
	int64_t file_day;
	size_t file_bytes;
};

struct engine {
	struct store *store;
	struct signer *signer;
	struct signer *mft_signer;
	char *handle;
	struct eclass *classes;
	size_t nclasses;
	struct engine_options opts;
	engine_hook_fn hook;
	void *hook_arg;

	/* BPKI. */
	unsigned char *bpki_ta;
	size_t bpki_ta_len;
	uint8_t bpki_ta_ski[SKI_LEN];
	unsigned char *bpki_ee;
	size_t bpki_ee_len;
	uint8_t bpki_ee_ski[SKI_LEN];
	struct signer_key *bpki_ee_key;
	struct signer_key *bpki_ta_key;   /* NULL: the CRL is never refreshed */
	struct cert_issuer bpki_iss;      /* the BPKI TA as a CRL issuer */
	unsigned char *bpki_crl;          /* under bpki_lock */
	size_t bpki_crl_len;
	time_t bpki_crl_next;
	time_t bpki_checked_until;        /* under bpki_lock: a reply passed verify_reply */
	struct crl_entry *bpki_revoked;   /* carried over from the configured CRL */
	struct crl_serial *bpki_revoked_serials;
	size_t bpki_nrevoked;
	time_t bpki_ee_not_before;        /* under bpki_lock: the EE in use (bpki_ee) */
	time_t bpki_ee_not_after;
	time_t bpki_ee_renew_at;          /* under bpki_lock: renew from then (INT64_MAX: never) */
	char bpki_note[200];              /* under bpki_lock: for the next request's log line */
	/*
	 * The configured EE parsed once: its key (the same in every renewal)
	 * checks each reply's signature (cms_signer.ee_pk).
	 */
	mbedtls_x509_crt bpki_ee_crt;
	struct verify_key *bpki_ee_vk;   /* its key, for the check of each reply's signature */

	/* Passed request paths, ENG_AUTH_SETS x ENG_AUTH_WAYS; under auth_lock. */
	struct eng_auth *auth;
	uint64_t auth_tick;

	/*
	 * Locks, in this order when nested: busy_lock and auth_lock are leaves;
	 * batch_lock > cls_lock > store_lock; bpki_lock > store_lock.
	 */
	pthread_mutex_t batch_lock;       /* state changes, signing with CA keys, publication */
	pthread_rwlock_t cls_lock;        /* eclass.iss */
	pthread_mutex_t store_lock;       /* the store connection */
	pthread_mutex_t bpki_lock;        /* bpki_crl, bpki_ee */
	pthread_mutex_t busy_lock;        /* busy[] */
	pthread_mutex_t auth_lock;        /* auth[] (a leaf) */
	char **busy;                      /* children with a request in flight (UD-6) */
	size_t nbusy, abusy;
	struct eng_xlog xlog;             /* exchange log writer; xlog.mu is a leaf */
};

/* ---- engine_log.c: the exchange log's writer (UD-160) ---- */

/* Start the writer: rows to files in dir (created if missing), or to the store if NULL. */
int eng_log_start(struct engine *e, const char *dir);
void eng_log_stop(struct engine *e);
/* Queue a copy of x (x->set_replay ignored); written by the next batch. */
void eng_log_async(struct engine *e, const struct store_exchange *x);
/* Write x (with its signing-time if set_replay) and wait until committed; store rc. */
int eng_log_wait(struct engine *e, const struct store_exchange *x);
/* Append to an operator log line how many rows could not be written since the last time. */
void eng_log_notice(struct engine *e, char *line, size_t size);

/* ---- engine.c: errors, helpers ---- */

/* Set the thread's engine_errmsg() and return rc. */
int eng_err(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* ENGINE_ERR_STORE with store_errmsg(), prefixed by what. */
int eng_store_err(struct engine *e, int src, const char *what);
void eng_hook(struct engine *e, enum engine_hook_point p);

struct eclass *eng_class(struct engine *e, const char *name);
size_t eng_class_index(struct engine *e, const struct eclass *c);

/* Resource bundles from and to canonical RFC 6492 text. */
int eng_bundle_parse(struct res_bundle *b, const char *as, const char *v4, const char *v6);
int eng_bundle_print(const struct res_bundle *b, char **as, char **v4, char **v6);
int eng_bundle_intersect(struct res_bundle *out, const struct res_bundle *a,
                         const struct res_bundle *b);
bool eng_bundle_equal(const struct res_bundle *a, const struct res_bundle *b);
bool eng_bundle_subset(const struct res_bundle *a, const struct res_bundle *b);
int eng_bundle_copy(struct res_bundle *dst, const struct res_bundle *src);

/* Text form for messages: "as=..;ipv4=..;ipv6=..", malloc'd. */
char *eng_bundle_text(const struct res_bundle *b);

/* base + name, malloc'd. */
char *eng_join(const char *base, const char *name);
char *eng_strdup(const char *s);

/* SHA-256. */
void eng_sha256(const unsigned char *p, size_t n, unsigned char out[32]);

/* Is ski one of our own keys (class keys, BPKI keys)? UD-64 practice. */
bool eng_own_key(struct engine *e, const uint8_t ski[SKI_LEN]);

/* The advertised notafter: the entitlement's, clipped to our certificate's (UD-83). */
time_t eng_notafter(const struct eclass *c, time_t ent_notafter);

/*
 * Sign xml as a reply (BPKI EE, current BPKI CRL). cms_sign checks every
 * signature; if configured, a reply is also checked as a child would
 * (verify_reply) whenever the CRL changed and at least once a minute.
 */
int eng_sign_reply(struct engine *e, const char *xml, size_t xml_len, time_t now,
                   unsigned char **out, size_t *out_len);
/* Re-sign the BPKI CRL if it is within half its validity of nextUpdate (or force). */
int eng_bpki_refresh(struct engine *e, time_t now, bool force);
/* Append (once) what the BPKI upkeep did since the last line: a renewed EE, a failure. */
void eng_bpki_notice(struct engine *e, char *line, size_t size);

/* ---- engine_batch.c: one atomic state change and its publication ---- */

struct batch_rev {
	uint64_t serial;
	size_t cls;
	char file[CERT_FILE_NAME_SIZE];
	const char *why;             /* static text */
};

struct batch_sched {
	uint64_t serial;
	time_t when;
	const char *why;
};

/* What a batch signs for one class. */
struct batch_class {
	bool touched;                /* CRL + manifest to re-sign and publish */
	bool resync;                 /* stage the store's full set first */
	const struct cert_issuer *iss; /* signing issuer; NULL: the class's own */
	uint64_t crl_number, mft_number, ee_serial;
	time_t this_update, next_update;
	unsigned char *crl, *mft;
	size_t crl_len, mft_len;
	bool staged;
};

struct batch {
	struct engine *e;
	time_t now;
	struct store_cert *ins;      /* new certificates (owned; freed by batch_free) */
	size_t nins, ains;
	struct batch_rev *rev;
	size_t nrev, arev;
	struct batch_sched *sched;
	size_t nsched, asched;
	struct batch_class cls[ENGINE_MAX_CLASSES];
	/* Extra work inside the store transaction (replay update, table, class record). */
	int (*in_txn)(void *arg);
	void *in_txn_arg;
	bool published_all;          /* set by batch_run: every touched class published */
};

void batch_init(struct batch *b, struct engine *e, time_t now);
void batch_free(struct batch *b);
/* Append an owned certificate (moved from *c, which is zeroed). */
int batch_add_cert(struct batch *b, size_t cls, struct store_cert *c);
int batch_add_rev(struct batch *b, size_t cls, uint64_t serial, const unsigned char *spki,
                  size_t spki_len, const char *why);
int batch_add_sched(struct batch *b, uint64_t serial, time_t when, const char *why);
/*
 * Reserve, sign CRL + manifest of every touched class, stage, one store
 * transaction, publish. Called with batch_lock held. Returns 0 when the
 * state was committed (even if publication then failed: b->published_all
 * false and ENGINE_ERR_PUBLISH is returned with the state committed, see
 * *committed), or an error with nothing changed.
 */
int batch_run(struct batch *b, bool *committed);

/*
 * Sign a child CA certificate with class cls's issuer (or iss), at a
 * freshly reserved serial; fill *out (owned) for batch_add_cert.
 */
struct cert_request {
	const char *child;
	const char *class_name;
	const unsigned char *spki;
	size_t spki_len;
	const char *sia_repo, *sia_mft, *sia_notify;
	const char *req_as, *req_v4, *req_v6;   /* NULL: absent */
	const struct res_bundle *res;
	time_t not_after;
};
int eng_issue_cert(struct engine *e, struct eclass *c, const struct cert_issuer *iss,
                   const struct cert_request *r, time_t now, struct store_cert *out);

/* ---- engine_handle.c ---- */

/*
 * Forget the passed request paths of child handle (its BPKI TA changed or
 * it was removed). The TA is also part of each entry's key.
 */
void eng_auth_drop(struct engine *e, const char *handle);

/* Drop one reference to p (NULL: nothing); frees it with the last. Under auth_lock, or at teardown. */
void eng_pk_put(struct eng_pk *p);

/* Build the <class> of a list/issue response for one class (UD-52..UD-55). */

/* ---- engine_reconcile.c ---- */

#endif /* UPDOWN_FIRMWARE_ENGINE_INT_H */
