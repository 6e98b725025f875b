/*
 * updownctl inspect: decoders and printers for the objects the inspector
 * recognises, shared with the child client (which prints the certificates
 * a parent returns the same way).
 *
 *   certificate  X.509 v3: RFC 6487 resource certificates (RFC 3779
 *                resources as RFC 6492 text), BPKI certificates
 *   CRL          RFC 5280 / RFC 6487 section 5
 *   signed       RFC 6488 signed objects (CMS SignedData with one EE
 *   object       certificate), RFC 9286 manifests decoded in full
 *   TAL          RFC 8630
 *   audit log    the appliance's store database (firmware/audit.h)
 *   exchange log the appliance's RFC 6492 exchange log files (proto/xlog.h)
 *
 * The decoders walk untrusted DER with a pointer/end pair (mbed TLS
 * asn1parse), reject trailing bytes, and keep pointers into the caller's
 * buffer only where noted. Each decoder returns 0 or -1 with a reason
 * (citing the RFC section) in `why`.
 */
#ifndef UPDOWN_TOOLS_INSPECT_H
#define UPDOWN_TOOLS_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "json_out.h"
#include "proto/res.h"
#include "proto/updown.h"

#define INSP_MAX_URIS    16    /* per access method / list; more are counted */
#define INSP_MAX_POLICY  8
#define INSP_MAX_EXT     64    /* extensions of one certificate */
#define INSP_MAX_NAME    512   /* text of a distinguished name */
#define INSP_MAX_KEYID   64    /* octets of an SKI / AKI */
#define INSP_MAX_SERIAL  32    /* octets of a serial (RFC 5280: 20) */
#define INSP_WHY         256

/* A bounded list of malloc'd URIs. */
struct insp_uris {
	char *v[INSP_MAX_URIS];
	size_t n;
	size_t dropped;           /* beyond INSP_MAX_URIS */
};

/* Signature check outcome. */
enum insp_sig {
	INSP_SIG_UNCHECKED = 0,   /* no issuer key at hand */
	INSP_SIG_VALID,
	INSP_SIG_INVALID,
};

/* A decoded certificate. Pointers marked "input" point into the caller's buffer. */
struct insp_cert {
	int version;                      /* 1..3 */
	unsigned char serial[INSP_MAX_SERIAL];
	size_t serial_len;
	char sig_alg[64];
	char issuer[INSP_MAX_NAME];
	char subject[INSP_MAX_NAME];
	time_t not_before, not_after;
	char key_alg[64];
	unsigned key_bits;
	unsigned char key_sha1[20];       /* SHA-1 of subjectPublicKey (RFC 6487 4.8.2) */
	char gski[UD_SKI_SIZE];           /* ud_ski_from_key() */
	const unsigned char *spki;        /* input */
	size_t spki_len;
	const unsigned char *tbs;         /* input: the signed part */
	size_t tbs_len;
	const unsigned char *sig_alg_oid; /* input */
	size_t sig_alg_oid_len;
	const unsigned char *sig;         /* input */
	size_t sig_len;
	bool has_ski, has_aki;
	unsigned char ski[INSP_MAX_KEYID], aki[INSP_MAX_KEYID];
	size_t ski_len, aki_len;
	bool has_bc, bc_critical, ca;
	long pathlen;                     /* -1 when absent */
	bool has_ku, ku_critical;
	unsigned ku;                      /* bit n of KeyUsage = 1u << n */
	bool has_eku;
	struct insp_uris sia_repo, sia_mft, sia_notify, sia_signed, sia_other;
	struct insp_uris aia, crldp;
	char policies[INSP_MAX_POLICY][64];
	size_t npolicies;
	/* RFC 3779 (or RFC 8360 v2) resources. */
	bool has_ip, has_as, res_v2;
	bool ip_critical, as_critical;
	int ip_err, as_err;               /* RES_ERR_* from the decoder, 0 if fine */
	struct res_set v4, v6, as;
	char unknown_ext[INSP_MAX_EXT][48]; /* dotted OIDs of extensions we do not know */
	bool unknown_critical[INSP_MAX_EXT];
	size_t nunknown;
	bool self_issued;                 /* issuer name == subject name */
	enum insp_sig sig_status;         /* self-signed: checked with its own key */
	const char *profile;              /* "RPKI CA", "RPKI EE", "BPKI CA", ... */
};

void insp_cert_init(struct insp_cert *c);
void insp_cert_free(struct insp_cert *c);              /* accepts NULL */
int insp_cert_decode(const unsigned char *der, size_t len, struct insp_cert *c,
                     char why[INSP_WHY]);
/*
 * Check the signature over c's TBS with issuer_spki (DER
 * SubjectPublicKeyInfo): INSP_SIG_VALID or INSP_SIG_INVALID.
 */
enum insp_sig insp_sig_check(const unsigned char *issuer_spki, size_t spki_len,
                             const unsigned char *alg_oid, size_t alg_len,
                             const unsigned char *tbs, size_t tbs_len,
                             const unsigned char *sig, size_t sig_len);
/* Readable lines, each prefixed with indent. */
void insp_cert_text(const struct insp_cert *c, const char *indent);
/* One JSON object (key may be NULL inside an array). */
void insp_cert_json(struct jo *j, const char *key, const struct insp_cert *c);
/* The resources of c as canonical text: "inherit", "" or the set (malloc'd); NULL if absent. */
char *insp_res_text(const struct res_set *set, bool present, int err);

/* A decoded CRL. */
struct insp_crl_entry {
	unsigned char serial[INSP_MAX_SERIAL];
	size_t serial_len;
	time_t revoked;
	bool has_ext;
};
struct insp_crl {
	int version;
	char sig_alg[64];
	char issuer[INSP_MAX_NAME];
	time_t this_update, next_update;
	bool has_next_update;
	bool has_number;
	unsigned char number[INSP_MAX_SERIAL];
	size_t number_len;
	bool has_aki;
	unsigned char aki[INSP_MAX_KEYID];
	size_t aki_len;
	size_t next_ext;                  /* other CRL extensions */
	struct insp_crl_entry *entries;
	size_t nentries;
	const unsigned char *tbs;         /* input */
	size_t tbs_len;
	const unsigned char *sig_alg_oid; /* input */
	size_t sig_alg_oid_len;
	const unsigned char *sig;         /* input */
	size_t sig_len;
	enum insp_sig sig_status;
};
#define INSP_MAX_CRL_ENTRIES 1000000

void insp_crl_free(struct insp_crl *c);                /* accepts NULL */
int insp_crl_decode(const unsigned char *der, size_t len, struct insp_crl *c,
                    char why[INSP_WHY]);
void insp_crl_text(const struct insp_crl *c, const char *indent);
void insp_crl_json(struct jo *j, const char *key, const struct insp_crl *c);

/* An RFC 6488 signed object. */
struct insp_sobj {
	char ctype[64];                   /* eContentType, named or dotted */
	const unsigned char *ctype_oid;   /* input */
	size_t ctype_oid_len;
	const unsigned char *econtent;    /* input */
	size_t econtent_len;
	bool has_signing_time;
	time_t signing_time;
	bool has_ct_attr, ct_attr_match;  /* content-type attribute = eContentType */
	bool digest_match;                /* message-digest = SHA-256(eContent) */
	bool sid_match;                   /* sid = the EE's SKI */
	char sig_alg[64];
	char digest_alg[64];
	size_t ncerts, ncrls;
	int version;
	enum insp_sig sig_status;         /* signature with the EE key */
	bool ber;                         /* set by the caller: decoded after insp_ber_to_der() */
	struct insp_cert ee;
	bool ee_ok;                       /* ee decoded */
};
void insp_sobj_free(struct insp_sobj *s);             /* accepts NULL */
int insp_sobj_decode(const unsigned char *der, size_t len, struct insp_sobj *s,
                     char why[INSP_WHY]);
/* True when the eContentType is id-ct-xml (an RFC 6492 message). */
bool insp_sobj_is_updown(const struct insp_sobj *s);
bool insp_sobj_is_manifest(const struct insp_sobj *s);
/* True when the object checks out: signature, digest, sid, content type, one certificate. */
bool insp_sobj_ok(const struct insp_sobj *s);
void insp_sobj_text(const struct insp_sobj *s, const char *indent);
void insp_sobj_json_fields(struct jo *j, const struct insp_sobj *s);

/* RFC 9286 manifest eContent. */
struct insp_mft_file {
	char *name;                       /* non-printable bytes shown as '?' */
	bool name_ok;                     /* RFC 9286 4.2.2 form */
	unsigned char hash[64];
	size_t hash_len;
};
struct insp_mft {
	unsigned long long version;
	unsigned char number[INSP_MAX_SERIAL];
	size_t number_len;
	time_t this_update, next_update;
	char hash_alg[64];
	struct insp_mft_file *files;
	size_t nfiles;
	size_t bad_names;                 /* files whose name is not of the RFC 9286 4.2.2 form */
};
#define INSP_MAX_MFT_FILES 1000000
void insp_mft_free(struct insp_mft *m);               /* accepts NULL */
int insp_mft_decode(const unsigned char *der, size_t len, struct insp_mft *m,
                    char why[INSP_WHY]);
void insp_mft_text(const struct insp_mft *m, const char *indent);
void insp_mft_json_fields(struct jo *j, const struct insp_mft *m);

/* An RFC 8630 TAL. */
struct insp_tal {
	struct insp_uris uris;
	size_t ncomments;
	unsigned char *spki;              /* malloc'd */
	size_t spki_len;
	unsigned key_bits;
	unsigned char key_sha1[20];
	char gski[UD_SKI_SIZE];
};
void insp_tal_free(struct insp_tal *t);               /* accepts NULL */
/* Does buf look like a TAL (first non-comment line is an rsync/https URI)? */
bool insp_tal_sniff(const unsigned char *buf, size_t len);
int insp_tal_decode(const unsigned char *buf, size_t len, struct insp_tal *t,
                    char why[INSP_WHY]);
void insp_tal_text(const struct insp_tal *t, const char *indent);
void insp_tal_json_fields(struct jo *j, const struct insp_tal *t);

/*
 * The audit log of a store database (file or directory): print every
 * record and the chain verdict. Returns 0 (chain verifies), EXIT_REFUSED
 * (it does not), or EXIT_IO.
 */
int insp_audit(const char *path, struct jo *j);

/* Does buf start with XLOG_MAGIC (an exchange log file, proto/xlog.h)? */
bool insp_xlog_sniff(const unsigned char *buf, size_t len);
/*
 * An exchange log file (UD-160; inspect_xlog.c): one line (or JSON object
 * in the array "records") per record, then the count. A truncated final
 * record is a warning (a crashed writer leaves one); a malformed record
 * is a refusal. j NULL: text to stdout. Returns 0 or EXIT_REFUSED.
 */
int insp_xlog(const unsigned char *buf, size_t len, struct jo *j);

/*
 * BER to DER (inspect_ber.c): indefinite and non-minimal lengths,
 * constructed OCTET STRINGs. *out is malloc'd (caller frees); *was_ber
 * says whether anything changed. 0 or -1 (malformed, too deep).
 */
int insp_ber_to_der(const unsigned char *in, size_t len, unsigned char **out,
                    size_t *out_len, bool *was_ber);

/*
 * Helpers shared by the decoders (inspect_der.c).
 */
/* Name of an OID we know ("sha256WithRSAEncryption", ...), else dotted. */
void insp_oid_name(const unsigned char *oid, size_t len, char *out, size_t size);
bool insp_oid_eq(const unsigned char *oid, size_t len, const char *want, size_t want_len);
/* UTCTime or GeneralizedTime at *p (tag included); advances *p. */
int insp_get_time(unsigned char **p, const unsigned char *end, time_t *t);
/* A Name SEQUENCE at *p as RFC 4514-like text; advances *p. */
int insp_get_name(unsigned char **p, const unsigned char *end, char *out, size_t size);
/* An AlgorithmIdentifier; advances *p; oid/oid_len point into the input. */
int insp_get_alg(unsigned char **p, const unsigned char *end, const unsigned char **oid,
                 size_t *oid_len, char *name, size_t size);
/* An INTEGER's content octets (at most INSP_MAX_SERIAL). */
int insp_get_integer(unsigned char **p, const unsigned char *end, unsigned char *out,
                     size_t *len);
/* Text of an INTEGER's content octets: decimal when it fits 64 bits, else 0x-hex. */
void insp_integer_text(const unsigned char *v, size_t len, char *out, size_t size);
void insp_hex(const unsigned char *p, size_t n, char *out, size_t size);
int insp_uris_add(struct insp_uris *u, const unsigned char *s, size_t n);
void insp_uris_free(struct insp_uris *u);
void insp_uris_json(struct jo *j, const char *key, const struct insp_uris *u);
void insp_time_text(time_t t, char out[32]);

#endif
