/*
 * Test fixture for the issuer engine (tests/firmware/test_engine*.c):
 *
 *   - a CA: an RPKI trust anchor with chosen holdings (crypto/cert.h),
 *     our BPKI TA and EE, a store in a temporary directory, a
 *     publication root, and an engine over them (software signer, or a
 *     signer the test passes, e.g. SoftHSM);
 *   - children: a BPKI TA, EE and CRL each (crypto/cert.h + crypto/crl.h);
 *   - a child-side request builder (ud_encode + cms_sign with the child's
 *     EE) and CSR builder (our own DER, signed with cert_sign_wrap);
 *   - a response checker (cms_decode + cms_verify against our BPKI TA +
 *     ud_decode) and certificate checks (cms_cert_parse, signature with
 *     our CA key, cert_parse_rpki_ca for resources and SIA);
 *   - the referees (tests/referees/run-referees) and an over-claim check
 *     of every published certificate.
 *
 * Keys are RSA-2048 from one software signer shared by the whole test
 * program, generated on first use and reused by later tests (each test
 * has its own store, so reuse across tests is invisible to the engine).
 */
#ifndef UPDOWN_TESTS_ENGINE_FIXTURE_H
#define UPDOWN_TESTS_ENGINE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto/cert.h"
#include "crypto/signer.h"
#include "firmware/engine.h"
#include "firmware/store.h"
#include "proto/updown.h"

#define EF_HOST          "rsync://example.test/repo/"
#define EF_TA_URI        EF_HOST "ta.cer"
#define EF_TA_REPO       EF_HOST "ta/"
#define EF_HANDLE        "parent"
#define EF_CLASS         "DEFAULT"
#define EF_MAX_CHILDREN  8
#define EF_MAX_KEYS      64
#define EF_DAY           86400

/* A pooled RSA key of the children's signer. */
struct ef_key {
	struct signer_key *key;
	unsigned char *spki;
	size_t spki_len;
	uint8_t ski[20];
	char gski[UD_SKI_SIZE];      /* unpadded base64url (UD-110) */
	int index;
};

struct ef_child {
	char handle[64];
	struct ef_key *ta_key, *ee_key;
	unsigned char *ta, *ee, *crl; /* BPKI TA, EE, CRL (DER) */
	size_t ta_len, ee_len, crl_len;
	uint64_t crl_number;
};

struct ef {
	char dir[256];               /* temporary directory of this fixture */
	char store_dir[320], pub_root[320], tal[320];
	time_t now;
	struct signer *s;            /* CA and BPKI keys */
	struct store *store;
	struct engine *e;
	struct engine_config cfg;
	struct engine_class_config cls[2];
	/* Our CA (the class certificate is a TA). */
	struct signer_key *ca_key;
	unsigned char *ca, *bpki_ta, *bpki_ee;
	size_t ca_len, bpki_ta_len, bpki_ee_len;
	uint64_t ta_serial;
	char ca_gski[UD_SKI_SIZE];
	/* An optional second class (ef_add_class2), its own TA at EF_HOST "ta2.cer". */
	unsigned char *ca2;
	size_t ca2_len;
	/* Children. */
	struct ef_child child[EF_MAX_CHILDREN];
	size_t nchildren;
	/* The last table the test applied (for over-claim checks), as text. */
	char *table;
	uint64_t table_version;
	unsigned long pub_counter;   /* numbers for the children's own CRLs/manifests */
};

/* ---- process-wide ---- */

int ef_rng(void *ctx, unsigned char *buf, size_t len);
/* The shared software signer for children's keys (and, by default, the CA's). */
struct signer *ef_signer(void);
/* Key i of the pool (generated on first use). */
struct ef_key *ef_key(int i);
/* Tear down the pool (call at the end of main). */
void ef_pool_free(void);

/* ---- the CA ---- */

/*
 * Make a fixture at time now with CA holdings as/v4/v6 (RFC 6492 text).
 * s: the CA's signer (NULL: the shared software signer); its keys are
 * generated under labels prefixed with tag. Does not open the engine.
 */
void ef_init(struct ef *f, struct signer *s, const char *tag, time_t now,
             const char *as, const char *v4, const char *v6);
/* Open the engine (opts may be NULL); fails the test unless it opens. */
void ef_open(struct ef *f, const struct engine_options *opts);
/* Close / reopen the store (around fork: a connection must not cross it). */
void ef_store_close(struct ef *f);
void ef_store_open(struct ef *f);
/* Close the engine only (the store stays), and reopen (restart). */
void ef_close_engine(struct ef *f);
void ef_fini(struct ef *f);

/* A second class EF_CLASS2 (before ef_open), with its own key and repository. */
#define EF_CLASS2   "SECOND"
#define EF_TA2_URI  EF_HOST "ta2.cer"
#define EF_TA2_REPO EF_HOST "ta2/"
void ef_add_class2(struct ef *f, const char *as, const char *v4, const char *v6);

/* A new CA certificate for the same key with other holdings (UD-100 holdings change). */
void ef_make_ca(struct ef *f, const char *as, const char *v4, const char *v6,
                time_t not_after);

/* ---- children ---- */

/* der in canonical base64, as an allocation table's ta= carries it (malloc'd). */
char *ef_b64(const unsigned char *der, size_t len);
/* A new child (BPKI keys from the pool, TA/EE/CRL made), not registered. */
struct ef_child *ef_child_new(struct ef *f, const char *handle);
/* ef_child_new, then registered with the engine (engine_add_child) if it is open. */
struct ef_child *ef_child_add(struct ef *f, const char *handle);
/* Make the child's BPKI TA/EE/CRL again (revoke_ee: list the EE on the CRL). */
void ef_child_bpki(struct ef *f, struct ef_child *c, bool revoke_ee);

/* Apply a table given as text (alloc_parse); returns engine_apply_table's code. */
int ef_table(struct ef *f, bool force, struct engine_report *rep, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- requests ---- */

/* A DER PKCS#10 for key k with SIA repo/mft under the child's directory. */
unsigned char *ef_csr(const struct ef_child *c, const struct ef_key *k, size_t *len);
/* Sign xml as child c would, at signing time t. */
unsigned char *ef_cms(const struct ef_child *c, const char *xml, size_t xml_len, time_t t,
                      size_t *len);
/* XML of requests. req_* NULL: attribute absent. */
char *ef_xml_list(const char *sender, const char *recipient);
char *ef_xml_issue(const char *sender, const char *class_name, const unsigned char *csr,
                   size_t csr_len, const char *req_as, const char *req_v4, const char *req_v6);
char *ef_xml_revoke(const char *sender, const char *class_name, const char *ski);

/* Send a request (url_child NULL) at time f->now; resp must be freed. */
void ef_send(struct ef *f, const unsigned char *cms, size_t len, struct engine_response *resp);
/*
 * Check a 200 reply as a child would (cms_decode, cms_verify against our
 * BPKI TA at f->now, ud_decode, envelope) and decode it into m.
 */
void ef_reply(struct ef *f, const struct ef_child *c, const struct engine_response *resp,
              struct ud_msg *m);

/* High-level: send and check; the reply must be of type want (or an error_response). */
void ef_list(struct ef *f, struct ef_child *c, struct ud_msg *m);
/* Issue for key k; returns the response status (0 ok, else the error code); m filled. */
unsigned ef_issue(struct ef *f, struct ef_child *c, const char *class_name, struct ef_key *k,
                  const char *req_as, const char *req_v4, const char *req_v6, struct ud_msg *m);
unsigned ef_revoke(struct ef *f, struct ef_child *c, const char *class_name, const char *ski,
                   struct ud_msg *m);

/* ---- certificates ---- */

/* What a child certificate says (from cert_parse_rpki_ca and cms_cert_parse). */
struct ef_cert {
	struct res_bundle res;
	time_t not_before, not_after;
	uint64_t serial;
	uint8_t ski[20];
	char *sia_repo, *sia_mft;
	bool sig_ok;                 /* signed by our CA key */
};
void ef_cert_parse(struct ef *f, const unsigned char *der, size_t len, struct ef_cert *out);
void ef_cert_free(struct ef_cert *c);
/* Assert the certificate's resources equal as/v4/v6 (canonical text). */
void ef_assert_res(const struct res_bundle *b, const char *as, const char *v4, const char *v6);

/* Path of our publication directory and a published file (NULL if absent). */
unsigned char *ef_published(struct ef *f, const char *name, size_t *len);
/* Serials on the published CRL; *n entries (malloc'd array). */
uint64_t *ef_crl_serials(struct ef *f, size_t *n, uint64_t *crl_number);
bool ef_crl_has(struct ef *f, uint64_t serial);

/*
 * Every published .cer: signed by us, current in the store, resources
 * within the last table's entitlement ∩ holdings (no over-claim, UD-100);
 * every revoked, unexpired certificate of the store on the CRL; the
 * manifest lists exactly the published files. Returns how many .cer.
 */
size_t ef_check_publication(struct ef *f);

/*
 * Publish each child's own (empty) publication point for every published
 * child certificate, then run the referees. Returns their exit status;
 * *out (if not NULL) gets their output (malloc'd). Skips (returns -1)
 * when rpki-client or fort is missing.
 */
int ef_referees(struct ef *f, const char *step, char **out);

/* Count occurrences of needle in haystack. */
int ef_count(const char *haystack, const char *needle);

#endif
