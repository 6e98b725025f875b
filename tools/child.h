/*
 * updownctl child: an RFC 6492 child client, for testing any parent (our
 * appliance is one; APNIC, Krill, rpkid, ... are others). The child's
 * identity lives in a directory:
 *
 *   child_request.xml    RFC 8183 child_request to hand to the parent
 *   bpki-ta.cer, .key    the child's BPKI trust anchor (self-signed CA)
 *   bpki-ee.cer, .key    the BPKI EE certificate that signs our requests
 *   bpki.crl             the BPKI TA's CRL, carried in every request
 *   parent_response.xml  the parent's RFC 8183 answer (`child parent`)
 *   replay               last accepted signing-time of this parent
 *                        (RFC 6492 3.1.2, UD-161), with the SHA-256 of the
 *                        parent's BPKI TA it belongs to
 *   keys/LABEL.key       RPKI CA key of a class (one per class by default)
 *   keys/LABEL.class     the class that key was issued in
 *   certs/LABEL.cer      the certificate the parent issued for that key
 *   revoked/             keys and certificates after a revoke_response
 *
 * Keys are software keys in PEM files of mode 0600: this is a test tool
 * for an external party. The appliance's own keys never leave its HSM.
 *
 * Nothing is ever written partially: every file goes to a temporary name
 * first and is renamed into place; `init` builds the whole directory under
 * a temporary name; the other commands update the identity only after a
 * valid response, all files at once (child_txn).
 */
#ifndef UPDOWN_TOOLS_CHILD_H
#define UPDOWN_TOOLS_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "crypto/signer.h"
#include "proto/oob.h"
#include "proto/res.h"

#define CHILD_MAX_RESPONSE  (16u << 20) /* bytes of an HTTP response body */
#define CHILD_MAX_LABEL     64
#define CHILD_TXN_MAX       16
#define CHILD_TA_YEARS      10
#define CHILD_EE_DAYS       365
#define CHILD_CRL_DAYS      90
#define CHILD_RENEW_DAYS    30          /* renew the EE / CRL when less remains */
#define CHILD_BACKDATE      300         /* s, notBefore / thisUpdate before now */

/* File names inside the identity directory. */
#define CHILD_F_REQUEST  "child_request.xml"
#define CHILD_F_PARENT   "parent_response.xml"
#define CHILD_F_TA       "bpki-ta.cer"
#define CHILD_F_TA_KEY   "bpki-ta.key"
#define CHILD_F_EE       "bpki-ee.cer"
#define CHILD_F_EE_KEY   "bpki-ee.key"
#define CHILD_F_CRL      "bpki.crl"
#define CHILD_F_REPLAY   "replay"

/* A set of file changes applied together after a valid response. */
struct child_txn {
	struct {
		char *path;       /* final name */
		char *tmp;        /* written temporary (NULL for a rename) */
		char *from;       /* rename source (NULL for a write) */
	} it[CHILD_TXN_MAX];
	size_t n;
};

/* Stage len bytes for path (mode, e.g. 0600 for keys): written to a temporary now. */
int child_txn_write(struct child_txn *t, const char *path, const void *buf, size_t len,
                    mode_t mode);
/* Stage a rename (revoked keys). */
int child_txn_rename(struct child_txn *t, const char *from, const char *to);
/* Rename everything into place. Returns 0 or EXIT_IO. */
int child_txn_commit(struct child_txn *t);
/* Remove the temporaries; accepts a committed or empty txn. */
void child_txn_abort(struct child_txn *t);

/* Write one file through a temporary and rename, with mode. 0 or EXIT_IO. */
int child_write_file(const char *path, const void *buf, size_t len, mode_t mode);

/* The loaded identity. */
struct child_id {
	char dir[2048];
	char *handle;                  /* asked for in child_request.xml */
	struct signer *signer;         /* software signer holding the keys */
	struct signer_key *ta_key, *ee_key;
	unsigned char *ta_der, *ee_der, *crl_der;
	size_t ta_len, ee_len, crl_len;
	bool ee_renewed, crl_renewed;  /* new ee_der / crl_der to store */
	/* After `child parent`. */
	bool has_parent;
	struct oob_msg parent;         /* the decoded parent_response */
	unsigned char parent_ta_sha256[32];
	/* Replay state for this parent TA. */
	bool has_replay;
	time_t last_signing_time;
};

/* Randomness for keys and blinding (mbed TLS CTR_DRBG from the system). */
int child_rng(void *ctx, unsigned char *buf, size_t len);

/* Create the identity in dir (must not exist, or be empty). Exit code. */
int child_init(const char *dir, const char *handle, bool json);

/*
 * Load the identity (and the parent, if recorded). need_parent: fail with
 * EXIT_REFUSED when no parent is recorded. Renews the BPKI EE certificate
 * and CRL in memory when they near their end (stored after a valid
 * response). Exit code; on failure id is freed.
 */
int child_load(struct child_id *id, const char *dir, bool need_parent);
void child_id_free(struct child_id *id);

/* Record a parent_response (`child parent`). Exit code. */
int child_set_parent(const char *dir, const char *file, bool force, bool json);

/* Path of name in the identity directory (static buffer, rotated over 8 calls). */
const char *child_path(const struct child_id *id, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Key labels: [A-Za-z0-9._-]{1,64}, not starting with '.'. */
bool child_label_ok(const char *label);
/* Default label of a class: its name if a valid label, else "class-" + hex. */
void child_class_label(const char *class_name, char out[CHILD_MAX_LABEL + 1]);

/*
 * Build an RFC 6487 section 6 PKCS#10 for key (RSA-2048, sha256WithRSA,
 * extensionRequest: BasicConstraints cA critical, KeyUsage keyCertSign +
 * cRLSign critical, SIA caRepository + rpkiManifest [+ rpkiNotify]).
 * *der is malloc'd. 0 or -1.
 */
int child_csr(struct signer *s, struct signer_key *key, const char *repo, const char *mft,
              const char *notify, unsigned char **der, size_t *len);

/* HTTP POST of an RFC 6492 request (libcurl). */
struct child_http_opts {
	long timeout;                  /* s, whole exchange */
	long connect_timeout;          /* s */
	const char *cacert;            /* PEM bundle for https; NULL: system default */
};
struct child_http_result {
	long status;                   /* HTTP status, 0 when none */
	unsigned char *body;           /* malloc'd */
	size_t len;
	bool too_large;                /* over CHILD_MAX_RESPONSE */
	char content_type[128];
	char error[256];               /* why no response */
};
/* 0 when an HTTP response arrived (any status); EXIT_IO otherwise. */
int child_http_post(const char *url, const unsigned char *body, size_t len,
                    const struct child_http_opts *o, struct child_http_result *r);
void child_http_result_free(struct child_http_result *r);

/* The commands. */
int cmd_child_list(int argc, char **argv);
int cmd_child_issue(int argc, char **argv);
int cmd_child_revoke(int argc, char **argv);

#endif
