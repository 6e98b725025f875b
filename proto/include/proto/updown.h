/*
 * RFC 6492 (up-down) message codec: the XML carried inside the CMS.
 *
 * ud_decode() turns untrusted bytes into a plain C model (struct ud_msg),
 * checking the document against the RFC 6492 section 3.7 RELAX NG schema
 * and the rules of sections 3.2 to 3.6 that the schema cannot express.
 * ud_encode() writes a model back in the RFC's form. Both apply the same
 * rules (ud_check()), so whatever decodes also encodes, and
 * decode(encode(m)) equals m (ud_msg_equal()).
 *
 * A failed decode says which answer the server owes the peer
 * (struct ud_error): HTTP 400 with no up-down message (UD-8) for documents
 * that are not well-formed, not an up-down message, or lack a usable sender
 * or recipient; 1102 for a wrong version (UD-41); 1103 for an unknown type
 * (UD-42); 1203 for anything wrong in the body of an issue request (UD-63,
 * UD-44 practice); 2001 otherwise (UD-44 practice).
 *
 * Text values are kept as received after the schema's whitespace rules:
 * xsd:token values (sender, recipient, type, class_name, ski) have leading
 * and trailing white space removed and inner runs collapsed to one space;
 * xsd:dateTime, xsd:anyURI, xsd:positiveInteger are trimmed; xsd:string
 * values (cert_url, resource sets, description) are taken verbatim.
 * Lengths are counted in characters, base64 limits in decoded octets (XML
 * Schema Part 2, section 4.3.1).
 *
 * No I/O, no clock: times are time_t values the caller supplies or reads.
 */
#ifndef UPDOWN_PROTO_UPDOWN_H
#define UPDOWN_PROTO_UPDOWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "proto/res.h"

/* Namespace of every element (RFC 6492 section 3.7). */
#define UD_NS "http://www.apnic.net/specs/rescerts/up-down/"

#define UD_ERR_XML       -0x0301 /* refused by xml_parse(): not well-formed, DOCTYPE, size, depth */
#define UD_ERR_ROOT      -0x0302 /* root is not <message> in the up-down namespace */
#define UD_ERR_PEER      -0x0303 /* sender or recipient missing or not 1..1024 characters */
#define UD_ERR_VERSION   -0x0304 /* version missing or not 1 */
#define UD_ERR_TYPE      -0x0305 /* type missing or unknown (or a response where a request is due) */
#define UD_ERR_ELEMENT   -0x0306 /* unknown, missing, misplaced or repeated element, or stray text */
#define UD_ERR_ATTR      -0x0307 /* unknown or missing attribute */
#define UD_ERR_VALUE     -0x0308 /* token or string out of length bounds or with bad characters */
#define UD_ERR_BASE64    -0x0309 /* not canonical base64, or decoded length out of 4..512000 */
#define UD_ERR_RESOURCES -0x030A /* resource set text invalid or of the wrong family */
#define UD_ERR_TIME      -0x030B /* resource_set_notafter not YYYY-MM-DDThh:mm:ssZ */
#define UD_ERR_URI       -0x030C /* cert_url / suggested_sia_head invalid */
#define UD_ERR_SKI       -0x030D /* ski not base64url of 20 octets */
#define UD_ERR_STATUS    -0x030E /* status not an integer in 1..9999 */
#define UD_ERR_LIMIT     -0x030F /* more classes, certificates or descriptions than UD_MAX_* */
#define UD_ERR_NOMEM     -0x0310
#define UD_ERR_INVALID   -0x0311 /* model breaks a rule the encoder enforces, or bad argument */

/*
 * The answer a failed request gets. UD_STATUS_HTTP_400 (0) is not an RFC
 * 6492 code: it means "HTTP 400 Bad Request and no up-down message"
 * (RFC 6492 section 3.2, UD-8). The others are section 3.6 codes.
 */
#define UD_STATUS_HTTP_400              0
#define UD_STATUS_ALREADY_PROCESSING    1101
#define UD_STATUS_VERSION               1102
#define UD_STATUS_BAD_TYPE              1103
#define UD_STATUS_SCHEDULED             1104
#define UD_STATUS_NO_CLASS              1201
#define UD_STATUS_NO_RESOURCES          1202
#define UD_STATUS_BAD_CSR               1203
#define UD_STATUS_KEY_REUSED            1204
#define UD_STATUS_REVOKE_NO_CLASS       1301
#define UD_STATUS_REVOKE_NO_KEY         1302
#define UD_STATUS_INTERNAL              2001

/* Limits on untrusted input (the schema's, where it has one). */
#define UD_MAX_MESSAGE      (4u << 20) /* bytes of XML; LACNIC sends 240 KB */
#define UD_MAX_DEPTH        8          /* element nesting; the schema needs 3 */
#define UD_MAX_ATTRS        32         /* attributes per element, xmlns included */
#define UD_MAX_CLASSES      1024       /* per list_response */
#define UD_MAX_CERTS        256        /* certificate elements per class */
#define UD_MAX_DESCRIPTIONS 8          /* description elements per error_response */
#define UD_MAX_LABEL        1024       /* sender, recipient, class_name, ski: characters */
#define UD_MIN_SKI          27
#define UD_MIN_CERT_URL     10
#define UD_MAX_CERT_URL     4096
#define UD_MAX_SIA_HEAD     1024
#define UD_MIN_BASE64       4          /* decoded octets */
#define UD_MAX_BASE64       512000     /* decoded octets */
#define UD_MAX_RESOURCE_SET 512000     /* characters of resource set text */
#define UD_MAX_DESCRIPTION  1024       /* characters */
#define UD_MAX_STATUS       9999

/* Text sizes of the helpers' outputs, NUL included. */
#define UD_TIME_SIZE        21         /* "YYYY-MM-DDThh:mm:ssZ" */
#define UD_SKI_SIZE         28         /* 27 base64url characters */
#define UD_SKI_BYTES        20         /* SHA-1 */

enum ud_type {
	UD_TYPE_NONE = 0,       /* not (yet) known */
	UD_LIST,
	UD_LIST_RESPONSE,
	UD_ISSUE,
	UD_ISSUE_RESPONSE,
	UD_REVOKE,
	UD_REVOKE_RESPONSE,
	UD_ERROR_RESPONSE,
};

/* An optional resource set: absent and "" are different (UD-65). */
struct ud_opt_set {
	bool present;
	struct res_set set;
};

/* req_resource_set_as / _ipv4 / _ipv6 (RFC 6492 sections 3.3.2, 3.4.1). */
struct ud_req_sets {
	struct ud_opt_set as;
	struct ud_opt_set ipv4;
	struct ud_opt_set ipv6;
};

/* <certificate>: one current certificate of the child (UD-54). */
struct ud_cert {
	char *cert_url;            /* comma-separated URIs, at least one rsync:// */
	struct ud_req_sets req;    /* echo of the latest issue request (UD-54) */
	uint8_t *der;              /* the certificate */
	size_t der_len;
};

/* <class> (RFC 6492 section 3.3.2, UD-52..UD-55). */
struct ud_class {
	char *class_name;
	char *cert_url;                     /* our CA certificate's URI(s) */
	struct res_set resource_set_as;     /* the child's entitlement */
	struct res_set resource_set_ipv4;
	struct res_set resource_set_ipv6;
	time_t resource_set_notafter;
	char *suggested_sia_head;           /* NULL when absent (UD-53) */
	struct ud_cert *certs;
	size_t ncerts;
	uint8_t *issuer;                    /* our CA certificate, exactly one (UD-55) */
	size_t issuer_len;
};

/* <request> of an issue (RFC 6492 section 3.4.1, UD-60, UD-65). */
struct ud_issue {
	char *class_name;
	struct ud_req_sets req;
	uint8_t *csr;               /* DER PKCS#10, not parsed here */
	size_t csr_len;
};

/*
 * <key> of a revoke or revoke_response (section 3.5). ski is the text as
 * received, padded or not (UD-110), so a response can echo it (UD-113);
 * compare keys with ud_ski_decode().
 */
struct ud_key {
	char *class_name;
	char *ski;
};

struct ud_description {
	char *lang;                 /* xml:lang, e.g. "en-US" */
	char *text;
};

/* error_response body (section 3.6, UD-120). */
struct ud_error_body {
	unsigned status;            /* 1..9999; see ud_status_known() */
	struct ud_description desc[UD_MAX_DESCRIPTIONS];
	size_t ndesc;
};

/*
 * One message. Only the fields of msg->type are used; the others stay
 * empty. Every pointer is malloc'd and owned by the message: ud_msg_free()
 * frees them with free(), so callers building a message must malloc what
 * they store (or use the helpers below).
 */
struct ud_msg {
	char *sender;
	char *recipient;
	enum ud_type type;
	struct ud_class *classes;   /* UD_LIST_RESPONSE (0..n), UD_ISSUE_RESPONSE (1) */
	size_t nclasses;
	struct ud_issue issue;      /* UD_ISSUE */
	struct ud_key key;          /* UD_REVOKE, UD_REVOKE_RESPONSE */
	struct ud_error_body error; /* UD_ERROR_RESPONSE */
};

/* Why a decode or check failed, and what to answer. */
struct ud_error {
	int code;                   /* UD_ERR_* (0 on success) */
	unsigned status;            /* UD_STATUS_* to answer with; UD_STATUS_HTTP_400 = no message */
	char reason[192];           /* short English text citing the RFC section */
};

/* Empty message (type UD_TYPE_NONE). */
void ud_msg_init(struct ud_msg *msg);

/* Free everything msg owns and leave it as after ud_msg_init(). Accepts NULL. */
void ud_msg_free(struct ud_msg *msg);

/*
 * Decode len bytes of untrusted XML (need not be NUL-terminated) into msg,
 * which the call initialises. Returns 0 or a negative UD_ERR_*; err (may be
 * NULL) gets code, status and reason. On failure msg holds whatever of the
 * envelope was read: sender and recipient once valid, type once known, so
 * the server can authenticate the peer and address its error_response;
 * the body is empty. The caller always calls ud_msg_free(msg).
 */
int ud_decode(const char *xml, size_t len, struct ud_msg *msg, struct ud_error *err);

/*
 * As ud_decode(), for the server: a type that is not a request (list,
 * issue, revoke) fails with UD_ERR_TYPE / 1103 before the body is read
 * (UD-42).
 */
int ud_decode_request(const char *xml, size_t len, struct ud_msg *msg,
                      struct ud_error *err);

/*
 * Check msg against every rule ud_encode() enforces (the schema limits,
 * UD-45, UD-52..UD-55, UD-67, UD-110, UD-120). Returns 0 or the UD_ERR_*
 * of the first problem; err (may be NULL) gets the reason.
 */
int ud_check(const struct ud_msg *msg, struct ud_error *err);

/*
 * Encode msg as RFC 6492 XML: XML declaration, default namespace without
 * prefix (UD-45), version 1, canonical resource sets (UD-58), base64
 * wrapped at 64 columns, req_resource_set_* only when present (UD-54).
 * Refuses (UD_ERR_* from ud_check()) a message that would not decode.
 * On success *xml is a malloc'd NUL-terminated string of *len bytes;
 * caller frees.
 */
int ud_encode(const struct ud_msg *msg, char **xml, size_t *len);

/* True when a and b carry the same message (fields of their type only). */
bool ud_msg_equal(const struct ud_msg *a, const struct ud_msg *b);

/*
 * Builders. Each appends a zeroed element with its resource sets
 * initialised and returns a pointer to it in *out (valid until the next
 * append on the same array). UD_ERR_LIMIT past UD_MAX_*.
 */
int ud_msg_add_class(struct ud_msg *msg, struct ud_class **out);
int ud_class_add_cert(struct ud_class *cls, struct ud_cert **out);
int ud_msg_add_description(struct ud_msg *msg, const char *lang, const char *text);

/*
 * Start the reply to req (UD-43): reply is initialised with sender and
 * recipient swapped, version 1 implied, type the response to req's type;
 * for a revoke the key is copied verbatim (UD-113). UD_ERR_TYPE when req
 * is not a request. reply is the caller's to free, also on failure.
 */
int ud_reply_init(struct ud_msg *reply, const struct ud_msg *req);

/*
 * An error_response to req (UD-121): sender/recipient swapped (req may be
 * a message whose decode failed, as long as both are set), the status,
 * and when desc is not NULL one en-US description (UD-120).
 */
int ud_error_reply(struct ud_msg *reply, const struct ud_msg *req,
                   unsigned status, const char *desc);

/* Element name of a type ("list", "issue_response", ...), NULL for none. */
const char *ud_type_name(enum ud_type type);

/* True for list, issue and revoke. */
bool ud_type_is_request(enum ud_type type);

/* The response type of a request type, UD_TYPE_NONE otherwise. */
enum ud_type ud_type_response(enum ud_type type);

/* True for the status codes RFC 6492 section 3.6 defines. */
bool ud_status_known(unsigned status);

/* Section 3.6 text of a known status, e.g. "version number error"; NULL otherwise. */
const char *ud_status_text(unsigned status);

/*
 * The ski of a public key (UD-110): SHA-1 of the subjectPublicKey BIT
 * STRING contents (RFC 5280 section 4.2.1.2 method 1; pub excludes the
 * unused-bits octet), as 27 characters of unpadded base64url.
 */
int ud_ski_from_key(const uint8_t *pub, size_t len, char out[UD_SKI_SIZE]);

/*
 * The 20 octets of a ski given as base64url, unpadded (27 characters) or
 * padded (28, ending in '='). UD_ERR_SKI otherwise.
 */
int ud_ski_decode(const char *ski, uint8_t out[UD_SKI_BYTES]);

/* resource_set_notafter text: strict "YYYY-MM-DDThh:mm:ssZ" (UD-52), years 0001..9999. */
int ud_time_parse(const char *text, size_t len, time_t *out);
int ud_time_format(time_t t, char out[UD_TIME_SIZE]);

/* Static English text for a UD_ERR_* code. */
const char *ud_strerror(int err);

#endif
