/*
 * RFC 8183 out-of-band setup codec: decode and encode the four messages
 * (and the schema's error element) between XML and struct oob_msg. See
 * proto/oob.h for the model and the tolerances we allow.
 *
 * The XML is first checked by xml_parse() (size, depth, no DOCTYPE, UTF-8,
 * duplicate attributes); this file then walks the tree against the schema
 * of RFC 8183 Appendix A: known attributes only, each value checked, child
 * elements in schema order, no stray text.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/base64.h>

#include "proto/oob.h"
#include "proto/xml.h"

/* The namespace as Krill < 0.10 wrote it (UD-151). */
#define OOB_NS_NO_SLASH "http://www.hactrn.net/uris/rpki/rpki-setup"

/* What an attribute value must look like. */
enum oob_kind {
	OOB_K_VERSION,      /* "1" */
	OOB_K_VERSION2,     /* "2" (myrpki) */
	OOB_K_HANDLE,
	OOB_K_URI_HTTP,     /* http or https */
	OOB_K_URI_HTTPS,
	OOB_K_URI_RSYNC,
	OOB_K_URI_ANY,
	OOB_K_TAG,
	OOB_K_TIMESTAMP,    /* rpkid valid_until, ignored */
	OOB_K_TEXT,         /* checked by the caller */
};

struct oob_aspec {
	const char *name;
	enum oob_kind kind;
	bool required;
	char **out;         /* strdup'd value, or NULL to only check */
	bool seen;
};

struct oob_ctx {
	char *why;
	size_t whylen;
	const char *ns;     /* namespace of the message element */
	const char *msgname; /* for messages */
	const char *sect;   /* RFC 8183 section of this message */
};

static int
oob_fail(struct oob_ctx *c, int err, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (c == NULL || c->why == NULL || c->whylen == 0)
		return err;
	va_start(ap, fmt);
	vsnprintf(c->why, c->whylen, fmt, ap);
	va_end(ap);
	n = strlen(c->why);
	if (n < c->whylen)
		snprintf(c->why + n, c->whylen - n, " (RFC 8183 %s)", c->sect);
	return err;
}

static bool
oob_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
oob_is_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool
oob_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool
oob_is_hex(unsigned char c)
{
	return oob_is_digit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

/*
 * Handle syntax of RFC 8183 Appendix A, but at least one character
 * (UD-154: the schema's pattern also allows an empty string).
 */
bool
oob_handle_ok(const char *s)
{
	size_t n;

	if (s == NULL)
		return false;
	for (n = 0; s[n] != '\0'; n++) {
		unsigned char c = (unsigned char)s[n];

		if (n >= OOB_MAX_HANDLE)
			return false;
		if (!oob_is_alpha(c) && !oob_is_digit(c) && c != '-' &&
		    c != '_' && c != '/')
			return false;
	}
	return n > 0;
}

/* Case-insensitive compare of the n-byte scheme at s with lower-case w. */
static bool
oob_scheme_is(const char *s, size_t n, const char *w)
{
	if (strlen(w) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c != (unsigned char)w[i])
			return false;
	}
	return true;
}

/*
 * An absolute URI (RFC 3986 section 3) of printable ASCII without the
 * characters RFC 3986 never allows unescaped, well-formed %-escapes, at
 * most OOB_MAX_URI bytes (RFC 8183 Appendix A), with the scheme the kind
 * asks for and, for hierarchical schemes, a non-empty authority.
 */
static bool
oob_uri_ok(const char *s, enum oob_kind kind)
{
	size_t n = 0, slen;
	const char *a;

	if (s == NULL)
		return false;
	for (n = 0; s[n] != '\0'; n++) {
		unsigned char c = (unsigned char)s[n];

		if (n >= OOB_MAX_URI)
			return false;
		if (c <= 0x20 || c >= 0x7F || strchr("<>\"{}|\\^`", c) != NULL)
			return false;
		if (c == '%' && (!oob_is_hex((unsigned char)s[n + 1]) ||
		    !oob_is_hex((unsigned char)s[n + 2])))
			return false;
	}
	if (n == 0 || !oob_is_alpha((unsigned char)s[0]))
		return false;
	for (slen = 1; s[slen] != ':'; slen++) {
		unsigned char c = (unsigned char)s[slen];

		if (c == '\0' || !(oob_is_alpha(c) || oob_is_digit(c) ||
		    c == '+' || c == '-' || c == '.'))
			return false;
	}
	switch (kind) {
	case OOB_K_URI_HTTP:
		if (!oob_scheme_is(s, slen, "http") && !oob_scheme_is(s, slen, "https"))
			return false;
		break;
	case OOB_K_URI_HTTPS:
		if (!oob_scheme_is(s, slen, "https"))
			return false;
		break;
	case OOB_K_URI_RSYNC:
		if (!oob_scheme_is(s, slen, "rsync"))
			return false;
		break;
	default:
		return s[slen + 1] != '\0';
	}
	a = s + slen + 1;
	return a[0] == '/' && a[1] == '/' && a[2] != '\0' &&
	    strchr("/?#@:", a[2]) == NULL;
}

/* tag: at most OOB_MAX_TAG bytes of printable ASCII (may be empty). */
static bool
oob_tag_ok(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++) {
		if (n >= OOB_MAX_TAG)
			return false;
		if ((unsigned char)s[n] < 0x20 || (unsigned char)s[n] > 0x7E)
			return false;
	}
	return true;
}

/* rpkid's valid_until: exactly YYYY-MM-DDThh:mm:ssZ. */
static bool
oob_timestamp_ok(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";

	if (strlen(s) != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; shape[i] != '\0'; i++) {
		if (shape[i] == 'd' ? !oob_is_digit((unsigned char)s[i]) : s[i] != shape[i])
			return false;
	}
	return true;
}

/*
 * A plausible X.509 certificate: one DER SEQUENCE filling the buffer
 * exactly, holding two SEQUENCEs (tbsCertificate, signatureAlgorithm) and
 * a BIT STRING (RFC 5280 section 4.1). oob_check_bpki_ta() parses fully.
 */
static bool
oob_der_cert_ok(const unsigned char *der, size_t len)
{
	unsigned char *p = (unsigned char *)der, *end = p + len;
	size_t l;

	if (der == NULL || len == 0 ||
	    mbedtls_asn1_get_tag(&p, end, &l, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0 ||
	    l != (size_t)(end - p))
		return false;
	if (mbedtls_asn1_get_tag(&p, end, &l, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
		return false;
	p += l;
	if (mbedtls_asn1_get_tag(&p, end, &l, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
		return false;
	p += l;
	if (mbedtls_asn1_get_tag(&p, end, &l, MBEDTLS_ASN1_BIT_STRING) != 0)
		return false;
	p += l;
	return p == end;
}

/* A referral token is a CMS object: one DER SEQUENCE, exactly. */
static bool
oob_der_seq_ok(const unsigned char *der, size_t len)
{
	unsigned char *p = (unsigned char *)der, *end = p + len;
	size_t l;

	return der != NULL && len > 0 &&
	    mbedtls_asn1_get_tag(&p, end, &l, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) == 0 &&
	    l == (size_t)(end - p);
}

/*
 * Base64 text to bytes. XML whitespace anywhere is skipped (UD-151:
 * wrapped and indented base64 occurs); any other byte outside the base64
 * alphabet, a Unicode space included, is an error. The result is malloc'd.
 */
static int
oob_b64_decode(struct oob_ctx *c, const char *what, const char *text,
               struct oob_der *out)
{
	size_t n = 0, k = 0, olen = 0;
	unsigned char *compact = NULL, *der = NULL;
	int rc = OOB_ERR_NOMEM;

	for (const char *t = text; *t != '\0'; t++) {
		unsigned char ch = (unsigned char)*t;

		if (oob_is_space(ch))
			continue;
		if (!oob_is_alpha(ch) && !oob_is_digit(ch) && ch != '+' &&
		    ch != '/' && ch != '=')
			return oob_fail(c, OOB_ERR_BASE64,
			    "<%s>: %sbyte 0x%02x at offset %zu is not base64", what,
			    ch >= 0x80 ? "non-ASCII (Unicode space?) " : "", ch,
			    (size_t)(t - text));
		n++;
	}
	if (n == 0 || n % 4 != 0)
		return oob_fail(c, OOB_ERR_BASE64, "<%s>: base64 length %zu is not a positive multiple of 4",
		    what, n);
	if (n / 4 * 3 > OOB_MAX_DER + 2)
		return oob_fail(c, OOB_ERR_LIMIT, "<%s>: more than %u bytes", what,
		    (unsigned)OOB_MAX_DER);
	if ((compact = malloc(n)) == NULL || (der = malloc(n / 4 * 3)) == NULL)
		goto out;
	for (const char *t = text; *t != '\0'; t++)
		if (!oob_is_space((unsigned char)*t))
			compact[k++] = (unsigned char)*t;
	if (mbedtls_base64_decode(der, n / 4 * 3, &olen, compact, n) != 0 || olen == 0) {
		rc = oob_fail(c, OOB_ERR_BASE64, "<%s>: invalid base64 padding", what);
		goto out;
	}
	if (olen > OOB_MAX_DER) {
		rc = oob_fail(c, OOB_ERR_LIMIT, "<%s>: more than %u bytes", what,
		    (unsigned)OOB_MAX_DER);
		goto out;
	}
	out->p = der;
	out->len = olen;
	der = NULL;
	rc = 0;
out:
	free(compact);
	free(der);
	return rc;
}

/* Check one attribute value against its kind; 0 or an OOB_ERR_*. */
static int
oob_check_value(enum oob_kind kind, const char *v)
{
	switch (kind) {
	case OOB_K_VERSION:
		return strcmp(v, "1") == 0 ? 0 : OOB_ERR_VERSION;
	case OOB_K_VERSION2:
		return strcmp(v, "2") == 0 ? 0 : OOB_ERR_VERSION;
	case OOB_K_HANDLE:
		return oob_handle_ok(v) ? 0 : OOB_ERR_HANDLE;
	case OOB_K_URI_HTTP:
	case OOB_K_URI_HTTPS:
	case OOB_K_URI_RSYNC:
	case OOB_K_URI_ANY:
		return oob_uri_ok(v, kind) ? 0 : OOB_ERR_URI;
	case OOB_K_TAG:
		return oob_tag_ok(v) ? 0 : OOB_ERR_TAG;
	case OOB_K_TIMESTAMP:
		return oob_timestamp_ok(v) ? 0 : OOB_ERR_ATTR;
	case OOB_K_TEXT:
		return 0;
	}
	return OOB_ERR_ATTR;
}

static const char *
oob_kind_text(enum oob_kind kind)
{
	switch (kind) {
	case OOB_K_VERSION: return "version other than \"1\"";
	case OOB_K_VERSION2: return "myrpki version other than \"2\"";
	case OOB_K_HANDLE: return "not a handle [-_A-Za-z0-9/]{1,255}";
	case OOB_K_URI_HTTP: return "not an absolute http(s) URI";
	case OOB_K_URI_HTTPS: return "not an absolute https URI";
	case OOB_K_URI_RSYNC: return "not an absolute rsync URI";
	case OOB_K_URI_ANY: return "not an absolute URI";
	case OOB_K_TAG: return "tag too long or not printable ASCII";
	case OOB_K_TIMESTAMP: return "not a UTC timestamp";
	default: return "bad value";
	}
}

/*
 * Check the attributes of el against specs: unprefixed, known, value of
 * the right kind, required ones present. Namespace declarations are
 * skipped. Values wanted by the caller are strdup'd into *out.
 */
static int
oob_attrs(struct oob_ctx *c, mxml_node_t *el, const char *elname,
          struct oob_aspec *specs, size_t nspecs)
{
	const char *v, *ns, *name;
	int rc;

	for (int i = 0; (v = xml_attr(el, i, &ns, &name)) != NULL; i++) {
		struct oob_aspec *s = NULL;

		if (name == NULL)
			continue; /* xmlns declaration */
		if (ns != NULL)
			return oob_fail(c, OOB_ERR_ATTR, "<%s>: namespaced attribute %.64s is not in the schema",
			    elname, name);
		for (size_t k = 0; k < nspecs; k++)
			if (strcmp(specs[k].name, name) == 0)
				s = &specs[k];
		if (s == NULL)
			return oob_fail(c, OOB_ERR_ATTR, "<%s>: unknown attribute %.64s",
			    elname, name);
		if ((rc = oob_check_value(s->kind, v)) != 0)
			return oob_fail(c, rc, "<%s>: %s: %s", elname, name,
			    oob_kind_text(s->kind));
		s->seen = true;
		if (s->out != NULL && (*s->out = strdup(v)) == NULL)
			return OOB_ERR_NOMEM;
	}
	for (size_t k = 0; k < nspecs; k++)
		if (specs[k].required && !specs[k].seen)
			return oob_fail(c, OOB_ERR_MISSING, "<%s> lacks attribute %s",
			    elname, specs[k].name);
	return 0;
}

/* Next child element; stray text is an error. *el = NULL at the end. */
static int
oob_next(struct oob_ctx *c, mxml_node_t *parent, const char *pname,
         mxml_node_t **el)
{
	bool bad = false;

	*el = xml_next_element(parent, *el, &bad);
	if (bad)
		return oob_fail(c, OOB_ERR_ELEMENT, "<%s>: text between elements", pname);
	return 0;
}

/*
 * Local name of child element el, which must be in the message's
 * namespace.
 */
static int
oob_child_name(struct oob_ctx *c, mxml_node_t *el, const char **local)
{
	const char *ns;

	if (xml_name(el, &ns, local) != 0)
		return oob_fail(c, OOB_ERR_NAMESPACE, "undeclared namespace prefix");
	if (ns == NULL || strcmp(ns, c->ns) != 0)
		return oob_fail(c, OOB_ERR_NAMESPACE, "<%.64s> is not in the namespace of <%s>",
		    *local, c->msgname);
	return 0;
}

/* No content but whitespace or comments. */
static int
oob_no_content(struct oob_ctx *c, mxml_node_t *el, const char *name)
{
	mxml_node_t *k = NULL;
	int rc;

	if ((rc = oob_next(c, el, name, &k)) != 0)
		return rc;
	if (k != NULL)
		return oob_fail(c, OOB_ERR_ELEMENT, "<%s> must be empty", name);
	return 0;
}

/* An element with no attributes and no content (RelaxNG "empty"). */
static int
oob_empty(struct oob_ctx *c, mxml_node_t *el, const char *name)
{
	int rc;

	if ((rc = oob_attrs(c, el, name, NULL, 0)) != 0)
		return rc;
	return oob_no_content(c, el, name);
}

/* Text-only content of el (malloc'd). */
static int
oob_text(struct oob_ctx *c, mxml_node_t *el, const char *name, char **text)
{
	bool text_seen = false; /* text is what we want here */

	*text = NULL;
	if (xml_next_element(el, NULL, &text_seen) != NULL)
		return oob_fail(c, OOB_ERR_ELEMENT, "<%s> holds an element", name);
	if ((*text = xml_text(el)) == NULL)
		return OOB_ERR_NOMEM;
	return 0;
}

/* A BPKI TA element: no attributes, base64 of a plausible certificate. */
static int
oob_ta(struct oob_ctx *c, mxml_node_t *el, const char *name, struct oob_der *ta)
{
	char *text = NULL;
	int rc;

	if ((rc = oob_attrs(c, el, name, NULL, 0)) != 0)
		goto out;
	if ((rc = oob_text(c, el, name, &text)) != 0)
		goto out;
	if ((rc = oob_b64_decode(c, name, text, ta)) != 0)
		goto out;
	if (!oob_der_cert_ok(ta->p, ta->len)) {
		rc = oob_fail(c, OOB_ERR_CERT, "<%s> is not a DER certificate", name);
		goto out;
	}
	rc = 0;
out:
	free(text);
	return rc;
}

/* One <referral>: referrer, contact_uri (parent_response only), token. */
static int
oob_referral(struct oob_ctx *c, mxml_node_t *el, bool contact,
             struct oob_referral *r)
{
	struct oob_aspec specs[] = {
		{ "referrer", OOB_K_HANDLE, true, &r->referrer, false },
		{ "contact_uri", OOB_K_URI_ANY, false, &r->contact_uri, false },
	};
	char *text = NULL;
	int rc;

	if ((rc = oob_attrs(c, el, "referral", specs, contact ? 2 : 1)) != 0)
		goto out;
	if ((rc = oob_text(c, el, "referral", &text)) != 0)
		goto out;
	if ((rc = oob_b64_decode(c, "referral", text, &r->token)) != 0)
		goto out;
	if (!oob_der_seq_ok(r->token.p, r->token.len)) {
		rc = oob_fail(c, OOB_ERR_TOKEN, "<referral> token is not a DER SEQUENCE");
		goto out;
	}
	rc = 0;
out:
	free(text);
	return rc;
}

/*
 * The children of a message element: first the TA element, then (when
 * allowed) an optional <offer/>, then up to OOB_MAX_REFERRALS
 * <referral>s, in that order (RFC 8183 Appendix A).
 */
static int
oob_children(struct oob_ctx *c, mxml_node_t *root, const char *ta_name,
             struct oob_der *ta, bool *offer, struct oob_referral **refs,
             size_t *nrefs, bool contact)
{
	mxml_node_t *el = NULL;
	const char *local;
	size_t n = 0;
	int rc;

	if ((rc = oob_next(c, root, c->msgname, &el)) != 0)
		return rc;
	if (el == NULL)
		return oob_fail(c, OOB_ERR_MISSING, "<%s> lacks <%s>", c->msgname, ta_name);
	if ((rc = oob_child_name(c, el, &local)) != 0)
		return rc;
	if (strcmp(local, ta_name) != 0)
		return oob_fail(c, OOB_ERR_ELEMENT, "<%.64s> found where <%s> must come first",
		    local, ta_name);
	if ((rc = oob_ta(c, el, ta_name, ta)) != 0)
		return rc;
	if ((rc = oob_next(c, root, c->msgname, &el)) != 0)
		return rc;
	if (el != NULL && offer != NULL) {
		if ((rc = oob_child_name(c, el, &local)) != 0)
			return rc;
		if (strcmp(local, "offer") == 0) {
			if ((rc = oob_empty(c, el, "offer")) != 0)
				return rc;
			*offer = true;
			if ((rc = oob_next(c, root, c->msgname, &el)) != 0)
				return rc;
		}
	}
	if (el == NULL)
		return 0;
	if ((rc = oob_child_name(c, el, &local)) != 0)
		return rc;
	if (refs == NULL)
		return oob_fail(c, OOB_ERR_ELEMENT, "<%.64s> is not allowed in <%s>",
		    local, c->msgname);
	/* Count first, so that the limit is checked before allocating. */
	for (mxml_node_t *k = el; k != NULL; ) {
		if ((rc = oob_child_name(c, k, &local)) != 0)
			return rc;
		if (strcmp(local, "referral") != 0)
			return oob_fail(c, OOB_ERR_ELEMENT, "<%.64s> is not allowed here in <%s>",
			    local, c->msgname);
		if (++n > OOB_MAX_REFERRALS)
			return oob_fail(c, OOB_ERR_LIMIT, "more than %d referrals",
			    OOB_MAX_REFERRALS);
		if ((rc = oob_next(c, root, c->msgname, &k)) != 0)
			return rc;
	}
	if ((*refs = calloc(n, sizeof(**refs))) == NULL)
		return OOB_ERR_NOMEM;
	*nrefs = n;
	for (size_t i = 0; i < n; i++) {
		if ((rc = oob_referral(c, el, contact, &(*refs)[i])) != 0)
			return rc;
		(void)oob_next(c, root, c->msgname, &el);
	}
	return 0;
}

/* child_request (RFC 8183 section 5.2.1), or rpkid's older "identity". */
static int
oob_dec_child_request(struct oob_ctx *c, mxml_node_t *root, struct oob_msg *m)
{
	struct oob_child_request *cr = &m->u.child_request;
	struct oob_aspec specs[] = {
		{ "version", OOB_K_VERSION, true, NULL, false },
		{ "child_handle", OOB_K_HANDLE, true, &cr->child_handle, false },
		{ "tag", OOB_K_TAG, false, &m->tag, false },
		{ "valid_until", OOB_K_TIMESTAMP, false, NULL, false },
	};
	int rc;

	m->type = OOB_CHILD_REQUEST;
	if ((rc = oob_attrs(c, root, c->msgname, specs, 4)) != 0)
		return rc;
	if (specs[3].seen)
		m->flags |= OOB_F_VALID_UNTIL;
	return oob_children(c, root, "child_bpki_ta", &cr->child_bpki_ta,
	    NULL, NULL, NULL, false);
}

/* parent_response (RFC 8183 section 5.2.2). */
static int
oob_dec_parent_response(struct oob_ctx *c, mxml_node_t *root, struct oob_msg *m)
{
	struct oob_parent_response *pr = &m->u.parent_response;
	struct oob_aspec specs[] = {
		{ "version", OOB_K_VERSION, true, NULL, false },
		{ "service_uri", OOB_K_URI_HTTP, true, &pr->service_uri, false },
		{ "child_handle", OOB_K_HANDLE, true, &pr->child_handle, false },
		{ "parent_handle", OOB_K_HANDLE, true, &pr->parent_handle, false },
		{ "tag", OOB_K_TAG, false, &m->tag, false },
		{ "valid_until", OOB_K_TIMESTAMP, false, NULL, false },
	};
	int rc;

	m->type = OOB_PARENT_RESPONSE;
	if ((rc = oob_attrs(c, root, c->msgname, specs, 6)) != 0)
		return rc;
	if (specs[5].seen)
		m->flags |= OOB_F_VALID_UNTIL;
	return oob_children(c, root, "parent_bpki_ta", &pr->parent_bpki_ta,
	    &pr->offer, &pr->referrals, &pr->nreferrals, true);
}

/* publisher_request (RFC 8183 section 5.2.3). */
static int
oob_dec_publisher_request(struct oob_ctx *c, mxml_node_t *root, struct oob_msg *m)
{
	struct oob_publisher_request *pq = &m->u.publisher_request;
	struct oob_aspec specs[] = {
		{ "version", OOB_K_VERSION, true, NULL, false },
		{ "publisher_handle", OOB_K_HANDLE, true, &pq->publisher_handle, false },
		{ "tag", OOB_K_TAG, false, &m->tag, false },
		{ "valid_until", OOB_K_TIMESTAMP, false, NULL, false },
	};
	int rc;

	m->type = OOB_PUBLISHER_REQUEST;
	if ((rc = oob_attrs(c, root, c->msgname, specs, 4)) != 0)
		return rc;
	if (specs[3].seen)
		m->flags |= OOB_F_VALID_UNTIL;
	return oob_children(c, root, "publisher_bpki_ta", &pq->publisher_bpki_ta,
	    NULL, &pq->referrals, &pq->nreferrals, false);
}

/* repository_response (RFC 8183 section 5.2.4). */
static int
oob_dec_repository_response(struct oob_ctx *c, mxml_node_t *root, struct oob_msg *m)
{
	struct oob_repository_response *rr = &m->u.repository_response;
	struct oob_aspec specs[] = {
		{ "version", OOB_K_VERSION, true, NULL, false },
		{ "service_uri", OOB_K_URI_HTTP, true, &rr->service_uri, false },
		{ "publisher_handle", OOB_K_HANDLE, true, &rr->publisher_handle, false },
		{ "sia_base", OOB_K_URI_RSYNC, true, &rr->sia_base, false },
		{ "rrdp_notification_uri", OOB_K_URI_HTTPS, false, &rr->rrdp_notification_uri, false },
		{ "tag", OOB_K_TAG, false, &m->tag, false },
		{ "valid_until", OOB_K_TIMESTAMP, false, NULL, false },
	};
	int rc;

	m->type = OOB_REPOSITORY_RESPONSE;
	if ((rc = oob_attrs(c, root, c->msgname, specs, 7)) != 0)
		return rc;
	if (specs[6].seen)
		m->flags |= OOB_F_VALID_UNTIL;
	return oob_children(c, root, "repository_bpki_ta", &rr->repository_bpki_ta,
	    NULL, NULL, NULL, false);
}

static const char *const oob_reasons[] = {
	[OOB_REASON_SYNTAX_ERROR] = "syntax-error",
	[OOB_REASON_AUTHENTICATION_FAILURE] = "authentication-failure",
	[OOB_REASON_REFUSED] = "refused",
};

/*
 * The schema's <error/> (UD-156): version, reason, and optionally one
 * element of any content, which is checked for well-formedness by
 * xml_parse() and then not kept.
 */
static int
oob_dec_error(struct oob_ctx *c, mxml_node_t *root, struct oob_msg *m)
{
	char *reason = NULL;
	struct oob_aspec specs[] = {
		{ "version", OOB_K_VERSION, true, NULL, false },
		{ "reason", OOB_K_TEXT, true, &reason, false },
		{ "tag", OOB_K_TAG, false, &m->tag, false },
		{ "valid_until", OOB_K_TIMESTAMP, false, NULL, false },
	};
	mxml_node_t *el = NULL;
	int rc;

	m->type = OOB_ERROR;
	if ((rc = oob_attrs(c, root, c->msgname, specs, 4)) != 0)
		goto out;
	if (specs[3].seen)
		m->flags |= OOB_F_VALID_UNTIL;
	for (size_t i = 1; i < sizeof(oob_reasons) / sizeof(oob_reasons[0]); i++)
		if (strcmp(reason, oob_reasons[i]) == 0)
			m->u.error.reason = (enum oob_reason)i;
	if (m->u.error.reason == OOB_REASON_NONE) {
		rc = oob_fail(c, OOB_ERR_REASON, "<error>: unknown reason");
		goto out;
	}
	if ((rc = oob_next(c, root, "error", &el)) != 0)
		goto out;
	if (el != NULL && (rc = oob_next(c, root, "error", &el)) != 0)
		goto out;
	if (el != NULL) {
		rc = oob_fail(c, OOB_ERR_ELEMENT, "<error> holds more than one element");
		goto out;
	}
	rc = 0;
out:
	free(reason);
	return rc;
}

/*
 * ARIN's pre-RFC 8183 myrpki <parent/> (UD-157), as in rpki.net's
 * myrpki.rnc: version "2", valid_until, service_uri (optional there, but
 * required for a usable parent_response), child_handle, parent_handle,
 * <bpki_resource_ta> (the parent's TA), <bpki_child_ta> (the child's own
 * TA: checked, dropped) and an optional <repository type="none|offer"/>.
 */
static int
oob_dec_myrpki_parent(struct oob_ctx *c, mxml_node_t *root, struct oob_msg *m)
{
	struct oob_parent_response *pr = &m->u.parent_response;
	struct oob_aspec specs[] = {
		{ "version", OOB_K_VERSION2, true, NULL, false },
		{ "valid_until", OOB_K_TIMESTAMP, false, NULL, false },
		{ "service_uri", OOB_K_URI_HTTP, true, &pr->service_uri, false },
		{ "child_handle", OOB_K_HANDLE, true, &pr->child_handle, false },
		{ "parent_handle", OOB_K_HANDLE, true, &pr->parent_handle, false },
	};
	char *type = NULL;
	struct oob_aspec rspec[] = {
		{ "type", OOB_K_TEXT, true, &type, false },
	};
	struct oob_der child_ta = { NULL, 0 };
	mxml_node_t *el = NULL;
	const char *local;
	int rc;

	m->type = OOB_PARENT_RESPONSE;
	m->flags |= OOB_F_MYRPKI;
	if ((rc = oob_attrs(c, root, "parent", specs, 5)) != 0)
		goto out;
	if (specs[1].seen)
		m->flags |= OOB_F_VALID_UNTIL;
	if ((rc = oob_next(c, root, "parent", &el)) != 0)
		goto out;
	if (el == NULL || (rc = oob_child_name(c, el, &local)) != 0 ||
	    strcmp(local, "bpki_resource_ta") != 0) {
		rc = rc != 0 ? rc : oob_fail(c, OOB_ERR_MISSING, "myrpki <parent> lacks <bpki_resource_ta>");
		goto out;
	}
	if ((rc = oob_ta(c, el, "bpki_resource_ta", &pr->parent_bpki_ta)) != 0)
		goto out;
	if ((rc = oob_next(c, root, "parent", &el)) != 0)
		goto out;
	if (el == NULL || (rc = oob_child_name(c, el, &local)) != 0 ||
	    strcmp(local, "bpki_child_ta") != 0) {
		rc = rc != 0 ? rc : oob_fail(c, OOB_ERR_MISSING, "myrpki <parent> lacks <bpki_child_ta>");
		goto out;
	}
	if ((rc = oob_ta(c, el, "bpki_child_ta", &child_ta)) != 0)
		goto out;
	if ((rc = oob_next(c, root, "parent", &el)) != 0)
		goto out;
	if (el != NULL) {
		if ((rc = oob_child_name(c, el, &local)) != 0)
			goto out;
		if (strcmp(local, "repository") != 0) {
			rc = oob_fail(c, OOB_ERR_ELEMENT, "unexpected element in myrpki <parent>");
			goto out;
		}
		if ((rc = oob_attrs(c, el, "repository", rspec, 1)) != 0)
			goto out;
		if (strcmp(type, "offer") == 0) {
			pr->offer = true;
		} else if (strcmp(type, "referral") == 0) {
			rc = oob_fail(c, OOB_ERR_MYRPKI, "myrpki repository referral is not supported");
			goto out;
		} else if (strcmp(type, "none") != 0) {
			rc = oob_fail(c, OOB_ERR_ATTR, "myrpki <repository>: unknown type");
			goto out;
		}
		if ((rc = oob_no_content(c, el, "repository")) != 0)
			goto out;
		if ((rc = oob_next(c, root, "parent", &el)) != 0)
			goto out;
		if (el != NULL) {
			rc = oob_fail(c, OOB_ERR_ELEMENT, "unexpected element in myrpki <parent>");
			goto out;
		}
	}
	rc = 0;
out:
	free(type);
	free(child_ta.p);
	return rc;
}

void
oob_msg_init(struct oob_msg *msg)
{
	memset(msg, 0, sizeof(*msg));
}

static void
oob_referrals_free(struct oob_referral *r, size_t n)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(r[i].referrer);
		free(r[i].contact_uri);
		free(r[i].token.p);
	}
	free(r);
}

void
oob_msg_free(struct oob_msg *m)
{
	if (m == NULL)
		return;
	free(m->tag);
	switch (m->type) {
	case OOB_CHILD_REQUEST:
		free(m->u.child_request.child_handle);
		free(m->u.child_request.child_bpki_ta.p);
		break;
	case OOB_PARENT_RESPONSE:
		free(m->u.parent_response.service_uri);
		free(m->u.parent_response.child_handle);
		free(m->u.parent_response.parent_handle);
		free(m->u.parent_response.parent_bpki_ta.p);
		oob_referrals_free(m->u.parent_response.referrals,
		    m->u.parent_response.nreferrals);
		break;
	case OOB_PUBLISHER_REQUEST:
		free(m->u.publisher_request.publisher_handle);
		free(m->u.publisher_request.publisher_bpki_ta.p);
		oob_referrals_free(m->u.publisher_request.referrals,
		    m->u.publisher_request.nreferrals);
		break;
	case OOB_REPOSITORY_RESPONSE:
		free(m->u.repository_response.service_uri);
		free(m->u.repository_response.publisher_handle);
		free(m->u.repository_response.sia_base);
		free(m->u.repository_response.rrdp_notification_uri);
		free(m->u.repository_response.repository_bpki_ta.p);
		break;
	default:
		break;
	}
	memset(m, 0, sizeof(*m));
}

static int
oob_map_xml_error(int rc)
{
	switch (rc) {
	case XML_ERR_SIZE: return OOB_ERR_SIZE;
	case XML_ERR_DOCTYPE: return OOB_ERR_DOCTYPE;
	case XML_ERR_NOMEM: return OOB_ERR_NOMEM;
	case XML_ERR_NS: return OOB_ERR_NAMESPACE;
	default: return OOB_ERR_XML;
	}
}

/*
 * Decode one message; see proto/oob.h. The type is decided by the name
 * and namespace of the document element only.
 */
int
oob_decode(const char *xml, size_t len, struct oob_msg *msg, char *why,
           size_t whylen)
{
	static const struct xml_limits lim = { OOB_MAX_DOC, OOB_MAX_DEPTH, OOB_MAX_ATTRS };
	struct oob_ctx c = { why, whylen, NULL, NULL, "Appendix A" };
	mxml_node_t *doc = NULL, *root = NULL;
	const char *ns, *local;
	int rc;

	oob_msg_init(msg);
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (len == 0 || len > OOB_MAX_DOC)
		return oob_fail(&c, OOB_ERR_SIZE, "document is empty or larger than %u bytes",
		    (unsigned)OOB_MAX_DOC);
	if ((rc = xml_parse(xml, len, &lim, &doc, &root, why, whylen)) != 0)
		return oob_map_xml_error(rc);
	if (xml_name(root, &ns, &local) != 0) {
		rc = oob_fail(&c, OOB_ERR_NAMESPACE, "undeclared namespace prefix");
		goto out;
	}
	c.ns = ns;
	c.msgname = local;
	if (ns != NULL && strcmp(ns, OOB_NS_MYRPKI) == 0) {
		c.sect = "Appendix A; pre-RFC myrpki";
		if (strcmp(local, "parent") == 0)
			rc = oob_dec_myrpki_parent(&c, root, msg);
		else
			rc = oob_fail(&c, OOB_ERR_MYRPKI, "pre-RFC 8183 myrpki <%.64s> is not supported", local);
		goto out;
	}
	if (ns == NULL || (strcmp(ns, OOB_NS) != 0 && strcmp(ns, OOB_NS_NO_SLASH) != 0)) {
		rc = oob_fail(&c, OOB_ERR_NAMESPACE, "<%.64s> is not in namespace %s", local, OOB_NS);
		goto out;
	}
	if (strcmp(ns, OOB_NS_NO_SLASH) == 0)
		msg->flags |= OOB_F_NS_NO_SLASH;
	if (strcmp(local, "child_request") == 0) {
		c.sect = "section 5.2.1";
		rc = oob_dec_child_request(&c, root, msg);
	} else if (strcmp(local, "identity") == 0) {
		/* rpkid before the RFC: same content as child_request. */
		c.sect = "section 5.2.1";
		msg->flags |= OOB_F_IDENTITY;
		rc = oob_dec_child_request(&c, root, msg);
	} else if (strcmp(local, "parent_response") == 0) {
		c.sect = "section 5.2.2";
		rc = oob_dec_parent_response(&c, root, msg);
	} else if (strcmp(local, "publisher_request") == 0) {
		c.sect = "section 5.2.3";
		rc = oob_dec_publisher_request(&c, root, msg);
	} else if (strcmp(local, "repository_response") == 0) {
		c.sect = "section 5.2.4";
		rc = oob_dec_repository_response(&c, root, msg);
	} else if (strcmp(local, "error") == 0) {
		rc = oob_dec_error(&c, root, msg);
	} else {
		rc = oob_fail(&c, OOB_ERR_MESSAGE, "<%.64s> is not a message we know", local);
	}
out:
	if (rc != 0)
		oob_msg_free(msg);
	mxmlDelete(doc);
	return rc;
}

/* ---- encoding ---- */

static int
oob_check_ta(const struct oob_der *ta)
{
	if (ta->p == NULL)
		return OOB_ERR_INVALID;
	if (ta->len > OOB_MAX_DER)
		return OOB_ERR_LIMIT;
	return oob_der_cert_ok(ta->p, ta->len) ? 0 : OOB_ERR_CERT;
}

static int
oob_check_referrals(const struct oob_referral *r, size_t n, bool contact)
{
	if (n > OOB_MAX_REFERRALS)
		return OOB_ERR_LIMIT;
	if (n > 0 && r == NULL)
		return OOB_ERR_INVALID;
	for (size_t i = 0; i < n; i++) {
		if (r[i].referrer == NULL || r[i].token.p == NULL ||
		    (!contact && r[i].contact_uri != NULL))
			return OOB_ERR_INVALID;
		if (!oob_handle_ok(r[i].referrer))
			return OOB_ERR_HANDLE;
		if (r[i].contact_uri != NULL && !oob_uri_ok(r[i].contact_uri, OOB_K_URI_ANY))
			return OOB_ERR_URI;
		if (r[i].token.len > OOB_MAX_DER)
			return OOB_ERR_LIMIT;
		if (!oob_der_seq_ok(r[i].token.p, r[i].token.len))
			return OOB_ERR_TOKEN;
	}
	return 0;
}

/* Check a required string of the given kind. */
static int
oob_check_str(const char *s, enum oob_kind kind)
{
	if (s == NULL)
		return OOB_ERR_INVALID;
	return oob_check_value(kind, s);
}

/* The same checks oob_decode() makes, on a caller-built message. */
static int
oob_validate(const struct oob_msg *m)
{
	int rc;

	if (m->tag != NULL && !oob_tag_ok(m->tag))
		return OOB_ERR_TAG;
	switch (m->type) {
	case OOB_CHILD_REQUEST: {
		const struct oob_child_request *cr = &m->u.child_request;

		if ((rc = oob_check_str(cr->child_handle, OOB_K_HANDLE)) != 0)
			return rc;
		return oob_check_ta(&cr->child_bpki_ta);
	}
	case OOB_PARENT_RESPONSE: {
		const struct oob_parent_response *pr = &m->u.parent_response;

		if ((rc = oob_check_str(pr->service_uri, OOB_K_URI_HTTP)) != 0 ||
		    (rc = oob_check_str(pr->child_handle, OOB_K_HANDLE)) != 0 ||
		    (rc = oob_check_str(pr->parent_handle, OOB_K_HANDLE)) != 0 ||
		    (rc = oob_check_ta(&pr->parent_bpki_ta)) != 0)
			return rc;
		return oob_check_referrals(pr->referrals, pr->nreferrals, true);
	}
	case OOB_PUBLISHER_REQUEST: {
		const struct oob_publisher_request *pq = &m->u.publisher_request;

		if ((rc = oob_check_str(pq->publisher_handle, OOB_K_HANDLE)) != 0 ||
		    (rc = oob_check_ta(&pq->publisher_bpki_ta)) != 0)
			return rc;
		return oob_check_referrals(pq->referrals, pq->nreferrals, false);
	}
	case OOB_REPOSITORY_RESPONSE: {
		const struct oob_repository_response *rr = &m->u.repository_response;

		if ((rc = oob_check_str(rr->service_uri, OOB_K_URI_HTTP)) != 0 ||
		    (rc = oob_check_str(rr->publisher_handle, OOB_K_HANDLE)) != 0 ||
		    (rc = oob_check_str(rr->sia_base, OOB_K_URI_RSYNC)) != 0)
			return rc;
		if (rr->rrdp_notification_uri != NULL &&
		    !oob_uri_ok(rr->rrdp_notification_uri, OOB_K_URI_HTTPS))
			return OOB_ERR_URI;
		return oob_check_ta(&rr->repository_bpki_ta);
	}
	case OOB_ERROR:
		if (m->u.error.reason <= OOB_REASON_NONE ||
		    m->u.error.reason > OOB_REASON_REFUSED)
			return OOB_ERR_REASON;
		return 0;
	default:
		return OOB_ERR_INVALID;
	}
}

/* Set attribute name on el; 0 or OOB_ERR_NOMEM. */
static int
oob_set(mxml_node_t *el, const char *name, const char *value)
{
	if (value == NULL)
		return 0;
	mxmlElementSetAttr(el, name, value);
	return mxmlElementGetAttr(el, name) != NULL ? 0 : OOB_ERR_NOMEM;
}

/* Child element name of parent holding the base64 of der on one line. */
static int
oob_put_b64(mxml_node_t *parent, const char *name, const struct oob_der *der,
            mxml_node_t **el)
{
	unsigned char *b64 = NULL;
	size_t olen = 0;
	int rc = OOB_ERR_NOMEM;

	*el = NULL;
	(void)mbedtls_base64_encode(NULL, 0, &olen, der->p, der->len);
	if ((b64 = malloc(olen)) == NULL)
		goto out;
	if (mbedtls_base64_encode(b64, olen, &olen, der->p, der->len) != 0)
		goto out;
	if ((*el = mxmlNewElement(parent, name)) == NULL ||
	    mxmlNewOpaque(*el, (const char *)b64) == NULL)
		goto out;
	rc = 0;
out:
	free(b64);
	return rc;
}

static int
oob_put_referrals(mxml_node_t *root, const struct oob_referral *r, size_t n)
{
	mxml_node_t *el;
	int rc;

	for (size_t i = 0; i < n; i++) {
		if ((rc = oob_put_b64(root, "referral", &r[i].token, &el)) != 0)
			return rc;
		if ((rc = oob_set(el, "referrer", r[i].referrer)) != 0 ||
		    (rc = oob_set(el, "contact_uri", r[i].contact_uri)) != 0)
			return rc;
	}
	return 0;
}

/*
 * Encode a message; see proto/oob.h. Attributes are written in schema
 * order, the base64 on one line without whitespace (older Krill testbeds
 * broke on wrapped base64).
 */
int
oob_encode(const struct oob_msg *m, char **out, size_t *len)
{
	static const char *const names[] = {
		[OOB_CHILD_REQUEST] = "child_request",
		[OOB_PARENT_RESPONSE] = "parent_response",
		[OOB_PUBLISHER_REQUEST] = "publisher_request",
		[OOB_REPOSITORY_RESPONSE] = "repository_response",
		[OOB_ERROR] = "error",
	};
	mxml_node_t *doc = NULL, *root, *el;
	int rc;

	*out = NULL;
	*len = 0;
	if ((rc = oob_validate(m)) != 0)
		return rc;
	rc = OOB_ERR_NOMEM;
	if ((doc = mxmlNewXML("1.0")) == NULL ||
	    (root = mxmlNewElement(doc, names[m->type])) == NULL)
		goto out;
	if ((rc = oob_set(root, "xmlns", OOB_NS)) != 0 ||
	    (rc = oob_set(root, "version", "1")) != 0)
		goto out;
	switch (m->type) {
	case OOB_CHILD_REQUEST: {
		const struct oob_child_request *cr = &m->u.child_request;

		if ((rc = oob_set(root, "child_handle", cr->child_handle)) != 0 ||
		    (rc = oob_set(root, "tag", m->tag)) != 0 ||
		    (rc = oob_put_b64(root, "child_bpki_ta", &cr->child_bpki_ta, &el)) != 0)
			goto out;
		break;
	}
	case OOB_PARENT_RESPONSE: {
		const struct oob_parent_response *pr = &m->u.parent_response;

		if ((rc = oob_set(root, "service_uri", pr->service_uri)) != 0 ||
		    (rc = oob_set(root, "child_handle", pr->child_handle)) != 0 ||
		    (rc = oob_set(root, "parent_handle", pr->parent_handle)) != 0 ||
		    (rc = oob_set(root, "tag", m->tag)) != 0 ||
		    (rc = oob_put_b64(root, "parent_bpki_ta", &pr->parent_bpki_ta, &el)) != 0)
			goto out;
		rc = OOB_ERR_NOMEM;
		if (pr->offer && mxmlNewElement(root, "offer") == NULL)
			goto out;
		if ((rc = oob_put_referrals(root, pr->referrals, pr->nreferrals)) != 0)
			goto out;
		break;
	}
	case OOB_PUBLISHER_REQUEST: {
		const struct oob_publisher_request *pq = &m->u.publisher_request;

		if ((rc = oob_set(root, "publisher_handle", pq->publisher_handle)) != 0 ||
		    (rc = oob_set(root, "tag", m->tag)) != 0 ||
		    (rc = oob_put_b64(root, "publisher_bpki_ta", &pq->publisher_bpki_ta, &el)) != 0 ||
		    (rc = oob_put_referrals(root, pq->referrals, pq->nreferrals)) != 0)
			goto out;
		break;
	}
	case OOB_REPOSITORY_RESPONSE: {
		const struct oob_repository_response *rr = &m->u.repository_response;

		if ((rc = oob_set(root, "service_uri", rr->service_uri)) != 0 ||
		    (rc = oob_set(root, "publisher_handle", rr->publisher_handle)) != 0 ||
		    (rc = oob_set(root, "sia_base", rr->sia_base)) != 0 ||
		    (rc = oob_set(root, "rrdp_notification_uri", rr->rrdp_notification_uri)) != 0 ||
		    (rc = oob_set(root, "tag", m->tag)) != 0 ||
		    (rc = oob_put_b64(root, "repository_bpki_ta", &rr->repository_bpki_ta, &el)) != 0)
			goto out;
		break;
	}
	case OOB_ERROR:
		if ((rc = oob_set(root, "reason", oob_reasons[m->u.error.reason])) != 0 ||
		    (rc = oob_set(root, "tag", m->tag)) != 0)
			goto out;
		break;
	default:
		rc = OOB_ERR_INVALID;
		goto out;
	}
	if ((rc = xml_save(doc, out, len)) != 0) {
		rc = OOB_ERR_NOMEM;
		goto out;
	}
	rc = 0;
out:
	if (doc != NULL)
		mxmlDelete(doc);
	return rc;
}

static bool
oob_str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool
oob_der_eq(const struct oob_der *a, const struct oob_der *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

static bool
oob_referrals_eq(const struct oob_referral *a, size_t na,
                 const struct oob_referral *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!oob_str_eq(a[i].referrer, b[i].referrer) ||
		    !oob_str_eq(a[i].contact_uri, b[i].contact_uri) ||
		    !oob_der_eq(&a[i].token, &b[i].token))
			return false;
	return true;
}

bool
oob_msg_equal(const struct oob_msg *a, const struct oob_msg *b)
{
	if (a->type != b->type || !oob_str_eq(a->tag, b->tag))
		return false;
	switch (a->type) {
	case OOB_CHILD_REQUEST:
		return oob_str_eq(a->u.child_request.child_handle, b->u.child_request.child_handle) &&
		    oob_der_eq(&a->u.child_request.child_bpki_ta, &b->u.child_request.child_bpki_ta);
	case OOB_PARENT_RESPONSE: {
		const struct oob_parent_response *x = &a->u.parent_response, *y = &b->u.parent_response;

		return oob_str_eq(x->service_uri, y->service_uri) &&
		    oob_str_eq(x->child_handle, y->child_handle) &&
		    oob_str_eq(x->parent_handle, y->parent_handle) &&
		    oob_der_eq(&x->parent_bpki_ta, &y->parent_bpki_ta) &&
		    x->offer == y->offer &&
		    oob_referrals_eq(x->referrals, x->nreferrals, y->referrals, y->nreferrals);
	}
	case OOB_PUBLISHER_REQUEST: {
		const struct oob_publisher_request *x = &a->u.publisher_request, *y = &b->u.publisher_request;

		return oob_str_eq(x->publisher_handle, y->publisher_handle) &&
		    oob_der_eq(&x->publisher_bpki_ta, &y->publisher_bpki_ta) &&
		    oob_referrals_eq(x->referrals, x->nreferrals, y->referrals, y->nreferrals);
	}
	case OOB_REPOSITORY_RESPONSE: {
		const struct oob_repository_response *x = &a->u.repository_response, *y = &b->u.repository_response;

		return oob_str_eq(x->service_uri, y->service_uri) &&
		    oob_str_eq(x->publisher_handle, y->publisher_handle) &&
		    oob_str_eq(x->sia_base, y->sia_base) &&
		    oob_str_eq(x->rrdp_notification_uri, y->rrdp_notification_uri) &&
		    oob_der_eq(&x->repository_bpki_ta, &y->repository_bpki_ta);
	}
	case OOB_ERROR:
		return a->u.error.reason == b->u.error.reason;
	default:
		return true;
	}
}

const char *
oob_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case OOB_ERR_NOMEM: return "out of memory";
	case OOB_ERR_SIZE: return "RFC 8183 document empty or too large";
	case OOB_ERR_XML: return "XML not well-formed or refused construct";
	case OOB_ERR_DOCTYPE: return "DOCTYPE or entity declaration refused";
	case OOB_ERR_NAMESPACE: return "element not in the RFC 8183 namespace";
	case OOB_ERR_MESSAGE: return "unknown RFC 8183 message";
	case OOB_ERR_VERSION: return "unsupported RFC 8183 version";
	case OOB_ERR_ATTR: return "unknown or malformed attribute";
	case OOB_ERR_MISSING: return "required attribute or element missing";
	case OOB_ERR_ELEMENT: return "unknown, duplicate or misplaced element, or stray text";
	case OOB_ERR_HANDLE: return "handle is not [-_A-Za-z0-9/]{1,255}";
	case OOB_ERR_URI: return "malformed URI or wrong scheme";
	case OOB_ERR_TAG: return "tag too long or not printable ASCII";
	case OOB_ERR_BASE64: return "invalid base64";
	case OOB_ERR_CERT: return "BPKI TA is not a DER certificate";
	case OOB_ERR_TOKEN: return "referral token is not a DER object";
	case OOB_ERR_LIMIT: return "too many referrals, or TA or token too large";
	case OOB_ERR_MYRPKI: return "pre-RFC 8183 myrpki message not supported";
	case OOB_ERR_REASON: return "unknown error reason";
	case OOB_ERR_INVALID: return "invalid message to encode";
	case OOB_ERR_TA_PARSE: return "BPKI TA does not parse as X.509";
	case OOB_ERR_TA_NOT_CA: return "BPKI TA is not a CA certificate";
	case OOB_ERR_TA_EXPIRED: return "BPKI TA has expired";
	case OOB_ERR_TA_FUTURE: return "BPKI TA is not yet valid";
	case OOB_ERR_TA_SIG: return "BPKI TA self-signature does not verify";
	default: return "unknown RFC 8183 error";
	}
}
