/*
 * RFC 8183 out-of-band setup messages: child_request, parent_response,
 * publisher_request, repository_response (RFC 8183 section 5.2.1 to 5.2.4)
 * and the error element of the schema (UD-150..UD-157).
 *
 * Decoding is strict (schema of RFC 8183 Appendix A, as in rpki.net's
 * oob-setup.rnc plus the optional "tag" attribute), with these documented
 * tolerances, each reported in oob_msg.flags:
 *  - the namespace without its trailing slash, as Krill < 0.10 wrote it
 *    (UD-151); we always emit the correct one;
 *  - rpkid's "valid_until" attribute on the message element: checked to be
 *    a UTC timestamp, then ignored (it is not in RFC 8183);
 *  - rpkid's older "identity" element in the RFC 8183 namespace, with the
 *    same content as child_request: decoded as a child_request;
 *  - ARIN's pre-RFC 8183 myrpki "parent" message (namespace
 *    http://www.hactrn.net/uris/rpki/myrpki/, version 2) (UD-157): decoded
 *    into a parent_response. Its bpki_child_ta (our own TA) is checked to
 *    be a plausible certificate and dropped; repository type "none" or
 *    "offer" map to no offer / offer; a myrpki referral, and every other
 *    myrpki message, give OOB_ERR_MYRPKI.
 * Whitespace inside base64 is skipped (UD-151); anything else that is not
 * base64, a Unicode space included, is refused. A BPKI TA is only checked
 * to be a plausible DER certificate here; oob_check_bpki_ta() does the
 * UD-152 checks. proto/ does no I/O: the caller passes the time.
 */
#ifndef UPDOWN_PROTO_OOB_H
#define UPDOWN_PROTO_OOB_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define OOB_NS        "http://www.hactrn.net/uris/rpki/rpki-setup/"
#define OOB_NS_MYRPKI "http://www.hactrn.net/uris/rpki/myrpki/"

/* Limits, checked before allocating. */
#define OOB_MAX_DOC       (1u << 20) /* bytes of XML */
#define OOB_MAX_DEPTH     8          /* element nesting, root = 1 (error content) */
#define OOB_MAX_ATTRS     16         /* attributes per element, xmlns included */
#define OOB_MAX_HANDLE    255        /* RFC 8183 Appendix A */
#define OOB_MAX_URI       4096       /* RFC 8183 Appendix A */
#define OOB_MAX_TAG       1024       /* bytes */
#define OOB_MAX_REFERRALS 32
#define OOB_MAX_DER       65536      /* bytes of a decoded TA or token */

#define OOB_ERR_NOMEM       -0x0401
#define OOB_ERR_SIZE        -0x0402 /* empty, or larger than OOB_MAX_DOC */
#define OOB_ERR_XML         -0x0403 /* not well-formed, or a refused XML construct */
#define OOB_ERR_DOCTYPE     -0x0404 /* DOCTYPE / entity declaration */
#define OOB_ERR_NAMESPACE   -0x0405 /* element not in the RFC 8183 namespace */
#define OOB_ERR_MESSAGE     -0x0406 /* unknown message element */
#define OOB_ERR_VERSION     -0x0407 /* version is not "1" ("2" for myrpki) */
#define OOB_ERR_ATTR        -0x0408 /* unknown or malformed attribute */
#define OOB_ERR_MISSING     -0x0409 /* required attribute or element missing */
#define OOB_ERR_ELEMENT     -0x040A /* unknown, duplicate or misplaced element, or stray text */
#define OOB_ERR_HANDLE      -0x040B /* handle not [-_A-Za-z0-9/]{1,255} (UD-154) */
#define OOB_ERR_URI         -0x040C /* URI malformed, too long, or wrong scheme */
#define OOB_ERR_TAG         -0x040D /* tag longer than OOB_MAX_TAG or not printable ASCII */
#define OOB_ERR_BASE64      -0x040E /* invalid base64 */
#define OOB_ERR_CERT        -0x040F /* BPKI TA is not a plausible DER certificate */
#define OOB_ERR_TOKEN       -0x0410 /* referral token is not a DER SEQUENCE */
#define OOB_ERR_LIMIT       -0x0411 /* too many referrals, TA or token too large */
#define OOB_ERR_MYRPKI      -0x0412 /* pre-RFC 8183 myrpki message we do not decode */
#define OOB_ERR_REASON      -0x0413 /* unknown error reason */
#define OOB_ERR_INVALID     -0x0414 /* encode: bad message type or NULL field */
#define OOB_ERR_TA_PARSE    -0x0420 /* oob_check_bpki_ta: not a parseable X.509 certificate */
#define OOB_ERR_TA_NOT_CA   -0x0421 /* no basicConstraints cA=TRUE */
#define OOB_ERR_TA_EXPIRED  -0x0422 /* notAfter is before now */
#define OOB_ERR_TA_FUTURE   -0x0423 /* notBefore is after now */
#define OOB_ERR_TA_SIG      -0x0424 /* self-signed, but the signature does not verify */

enum oob_type {
	OOB_NONE = 0,
	OOB_CHILD_REQUEST,        /* RFC 8183 section 5.2.1 */
	OOB_PARENT_RESPONSE,      /* section 5.2.2 */
	OOB_PUBLISHER_REQUEST,    /* section 5.2.3 */
	OOB_REPOSITORY_RESPONSE,  /* section 5.2.4 */
	OOB_ERROR,                /* <error/>, UD-156 */
};

/* Tolerated deviations seen by oob_decode() (never emitted). */
#define OOB_F_NS_NO_SLASH  0x01 /* namespace without trailing slash (Krill < 0.10) */
#define OOB_F_VALID_UNTIL  0x02 /* rpkid valid_until attribute, ignored */
#define OOB_F_IDENTITY     0x04 /* rpkid "identity" element read as child_request */
#define OOB_F_MYRPKI       0x08 /* ARIN myrpki "parent" read as parent_response */

enum oob_reason {
	OOB_REASON_NONE = 0,
	OOB_REASON_SYNTAX_ERROR,           /* "syntax-error" */
	OOB_REASON_AUTHENTICATION_FAILURE, /* "authentication-failure" */
	OOB_REASON_REFUSED,                /* "refused" */
};

/* A DER byte string (BPKI TA certificate, authorization token). */
struct oob_der {
	unsigned char *p;
	size_t len;
};

struct oob_referral {
	char *referrer;            /* handle */
	char *contact_uri;         /* parent_response only; NULL if absent */
	struct oob_der token;      /* CMS authorization, opaque here */
};

struct oob_child_request {
	char *child_handle;
	struct oob_der child_bpki_ta;
};

struct oob_parent_response {
	char *service_uri;         /* absolute http(s) URI the child POSTs to */
	char *child_handle;        /* the handle the parent assigned (UD-153) */
	char *parent_handle;
	struct oob_der parent_bpki_ta;
	bool offer;
	size_t nreferrals;
	struct oob_referral *referrals;
};

struct oob_publisher_request {
	char *publisher_handle;
	struct oob_der publisher_bpki_ta;
	size_t nreferrals;
	struct oob_referral *referrals; /* contact_uri always NULL */
};

struct oob_repository_response {
	char *service_uri;         /* http(s) */
	char *publisher_handle;
	char *sia_base;            /* rsync */
	char *rrdp_notification_uri; /* https; NULL if absent */
	struct oob_der repository_bpki_ta;
};

struct oob_error {
	enum oob_reason reason;    /* the optional content is not kept (XXX) */
};

/*
 * One message. Every pointer is owned by the message: oob_msg_free()
 * frees them with free(), so a caller building a message to encode
 * either mallocs them or does not call oob_msg_free().
 */
struct oob_msg {
	enum oob_type type;
	char *tag;                 /* NULL if absent; "" is a present empty tag */
	unsigned flags;            /* OOB_F_*, set by oob_decode() */
	union {
		struct oob_child_request child_request;
		struct oob_parent_response parent_response;
		struct oob_publisher_request publisher_request;
		struct oob_repository_response repository_response;
		struct oob_error error;
	} u;
};

/* Zero a message. */
void oob_msg_init(struct oob_msg *msg);

/* Free what a message owns and zero it. Accepts NULL. */
void oob_msg_free(struct oob_msg *msg);

/*
 * Decode len bytes of untrusted XML. On success returns 0 and fills *msg
 * (msg->type says which message it was; free with oob_msg_free()). On
 * failure returns a negative OOB_ERR_*, leaves *msg zeroed and, when why
 * is not NULL, writes a short reason citing the RFC section.
 */
int oob_decode(const char *xml, size_t len, struct oob_msg *msg,
               char *why, size_t whylen);

/*
 * Encode msg after checking it as strictly as oob_decode() would (same
 * error codes; OOB_ERR_INVALID for an unknown type or a NULL required
 * field). Always uses OOB_NS and version="1"; ignores msg->flags. On
 * success *out is a malloc'd NUL-terminated document of *len bytes;
 * caller frees.
 */
int oob_encode(const struct oob_msg *msg, char **out, size_t *len);

/* True when a and b carry the same message (flags are not compared). */
bool oob_msg_equal(const struct oob_msg *a, const struct oob_msg *b);

/* True when s is a valid handle: [-_A-Za-z0-9/]{1,255} (UD-154). */
bool oob_handle_ok(const char *s);

/*
 * UD-152 check of a BPKI TA certificate (DER): it parses as X.509, has
 * basicConstraints cA=TRUE, is valid at now, and when self-signed (issuer
 * equals subject) its signature verifies with its own key. A TA that is
 * not self-signed is accepted (APNIC and AFRINIC hand out intermediates).
 * *self_signed (may be NULL) tells which case it was. Returns 0 or an
 * OOB_ERR_TA_* code.
 */
int oob_check_bpki_ta(const unsigned char *der, size_t len, time_t now,
                      bool *self_signed);

/* Static English text for an OOB_ERR_* code. */
const char *oob_strerror(int err);

#endif
