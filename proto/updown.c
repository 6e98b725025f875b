/*
 * RFC 6492 up-down messages: the model, the shared checks (ud_check), the
 * decoder, equality and small helpers. The encoder is in updown_encode.c.
 * See proto/updown.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mbedtls/base64.h>
#include <mbedtls/sha1.h>

#include "proto/updown.h"
#include "proto/xml.h"

static const char *const ud_type_names[] = {
	[UD_LIST] = "list",
	[UD_LIST_RESPONSE] = "list_response",
	[UD_ISSUE] = "issue",
	[UD_ISSUE_RESPONSE] = "issue_response",
	[UD_REVOKE] = "revoke",
	[UD_REVOKE_RESPONSE] = "revoke_response",
	[UD_ERROR_RESPONSE] = "error_response",
};

/* ---- errors ---------------------------------------------------------- */

static int
ud_fail(struct ud_error *err, int code, unsigned status, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		err->code = code;
		err->status = code == UD_ERR_NOMEM ? UD_STATUS_INTERNAL : status;
		va_start(ap, fmt);
		vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
		va_end(ap);
	}
	return code;
}

static void
ud_err_clear(struct ud_error *err)
{
	if (err != NULL) {
		err->code = 0;
		err->status = 0;
		err->reason[0] = '\0';
	}
}

/* ---- character level ------------------------------------------------- */

static bool
ud_is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Count the characters of s[0..len). False when s is not strict UTF-8 or
 * holds a character XML 1.0 cannot carry (C0 controls other than TAB, LF,
 * CR; surrogates; U+FFFE, U+FFFF).
 */
static bool
ud_utf8_chars(const char *s, size_t len, size_t *nchars)
{
	const unsigned char *b = (const unsigned char *)s;
	size_t i = 0, n = 0;

	while (i < len) {
		unsigned char c = b[i];
		size_t need, k;
		uint32_t cp;

		if (c < 0x80) {
			if (c < 0x20 && !ud_is_ws(c))
				return false;
			i++;
			n++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (len - i <= need)
			return false;
		for (k = 1; k <= need; k++) {
			if ((b[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (b[i + k] & 0x3F);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ||
		    cp == 0xFFFE || cp == 0xFFFF)
			return false;
		i += need + 1;
		n++;
	}
	*nchars = n;
	return true;
}

/*
 * xsd:token whitespace rule: drop leading and trailing white space and
 * collapse inner runs to one space. Returns a malloc'd copy, NULL on OOM.
 */
static char *
ud_collapse(const char *s)
{
	size_t n = strlen(s), o = 0;
	bool space = false;
	char *out;

	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (ud_is_ws((unsigned char)s[i])) {
			space = o > 0;
			continue;
		}
		if (space)
			out[o++] = ' ';
		space = false;
		out[o++] = s[i];
	}
	out[o] = '\0';
	return out;
}

/* s without leading and trailing white space, as [*start, *start + *len). */
static void
ud_trim(const char *s, const char **start, size_t *len)
{
	size_t n = strlen(s);

	while (n > 0 && ud_is_ws((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && ud_is_ws((unsigned char)s[n - 1]))
		n--;
	*start = s;
	*len = n;
}

/* ---- value checks shared by the decoder and ud_check() --------------- */

/* A collapsed xsd:token of min..max characters (RFC 6492 section 3.7). */
static int
ud_check_token(const char *s, size_t min, size_t max, int code,
               const char *what, struct ud_error *err, unsigned status)
{
	size_t n, len;

	if (s == NULL)
		return ud_fail(err, code, status, "%s missing (RFC 6492 section 3.7)", what);
	len = strlen(s);
	if (!ud_utf8_chars(s, len, &n))
		return ud_fail(err, code, status, "%s: invalid characters (RFC 6492 section 3.7)", what);
	for (size_t i = 0; i < len; i++) {
		if ((s[i] == ' ' && (i == 0 || i + 1 == len || s[i + 1] == ' ')) ||
		    s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
			return ud_fail(err, code, status,
			    "%s: not a normalised token (RFC 6492 section 3.7)", what);
	}
	if (n < min || n > max)
		return ud_fail(err, code, status,
		    "%s: %zu characters, allowed %zu..%zu (RFC 6492 section 3.7)",
		    what, n, min, max);
	return 0;
}

/* RFC 3986 characters of a URI; ',' only when comma_ok. '%' checked apart. */
static bool
ud_uri_char(unsigned char c, bool comma_ok)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return true;
	if (c == ',')
		return comma_ok;
	return strchr("-._~:/?#[]@!$&'()*+;=", c) != NULL && c != '\0';
}

static bool
ud_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/*
 * One absolute URI in s[0..len): scheme ":" then at least one character,
 * all RFC 3986 characters with valid %HH escapes. *rsync is set when the
 * scheme is rsync and "//" and a non-empty rest follow.
 */
static bool
ud_uri_ok(const char *s, size_t len, bool comma_ok, bool *rsync)
{
	size_t i = 0;

	*rsync = false;
	if (len == 0 || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
		return false;
	while (i < len && s[i] != ':') {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))
			return false;
		i++;
	}
	if (i >= len - 1) /* no ':' or nothing after it */
		return false;
	for (size_t k = i + 1; k < len; k++) {
		unsigned char c = (unsigned char)s[k];
		if (c == '%') {
			if (len - k < 3 || !ud_hex((unsigned char)s[k + 1]) ||
			    !ud_hex((unsigned char)s[k + 2]))
				return false;
			k += 2;
		} else if (!ud_uri_char(c, comma_ok)) {
			return false;
		}
	}
	*rsync = i == 5 && strncasecmp(s, "rsync", 5) == 0 && len > 8 &&
	    s[6] == '/' && s[7] == '/';
	return true;
}

/*
 * cert_url: 10..4096 characters, comma-separated URIs (commas inside a URI
 * escaped as %2C), at least one rsync URI (RFC 6492 section 3.3.2, UD-52).
 */
static int
ud_check_cert_url(const char *s, const char *what, struct ud_error *err, unsigned status)
{
	const char *p, *comma;
	bool any_rsync = false, rsync;
	size_t len;

	if (s == NULL)
		return ud_fail(err, UD_ERR_ATTR, status, "%s missing (RFC 6492 section 3.7)", what);
	len = strlen(s);
	if (len < UD_MIN_CERT_URL || len > UD_MAX_CERT_URL)
		return ud_fail(err, UD_ERR_URI, status,
		    "%s: %zu characters, allowed 10..4096 (RFC 6492 section 3.7)", what, len);
	for (p = s;; p = comma + 1) {
		comma = strchr(p, ',');
		if (!ud_uri_ok(p, comma != NULL ? (size_t)(comma - p) : strlen(p), false, &rsync))
			return ud_fail(err, UD_ERR_URI, status,
			    "%s: not a comma-separated URI list (RFC 6492 section 3.3.2)", what);
		any_rsync |= rsync;
		if (comma == NULL)
			break;
	}
	if (!any_rsync)
		return ud_fail(err, UD_ERR_URI, status,
		    "%s: no rsync URI (RFC 6492 section 3.3.2)", what);
	return 0;
}

/* suggested_sia_head: an rsync URI of at most 1024 characters (UD-53). */
static int
ud_check_sia_head(const char *s, struct ud_error *err, unsigned status)
{
	size_t len = strlen(s);
	bool rsync;

	if (len > UD_MAX_SIA_HEAD || strncmp(s, "rsync://", 8) != 0 ||
	    !ud_uri_ok(s, len, true, &rsync) || !rsync)
		return ud_fail(err, UD_ERR_URI, status,
		    "suggested_sia_head: not an rsync URI of at most 1024 characters "
		    "(RFC 6492 section 3.7)");
	return 0;
}

static int
ud_check_bytes(const uint8_t *p, size_t len, const char *what, struct ud_error *err,
               unsigned status)
{
	if (p == NULL || len < UD_MIN_BASE64 || len > UD_MAX_BASE64)
		return ud_fail(err, UD_ERR_BASE64, status,
		    "%s: %zu octets, allowed 4..512000 (RFC 6492 section 3.7)",
		    what, p == NULL ? (size_t)0 : len);
	return 0;
}

static int
ud_check_set(const struct res_set *set, enum res_family fam, const char *what,
             struct ud_error *err, unsigned status)
{
	char *text = NULL;
	size_t n;
	int rc;

	if (set->family != fam || set->inherit)
		return ud_fail(err, UD_ERR_RESOURCES, status,
		    "%s: wrong family or inherit (RFC 6492 section 3.3.2)", what);
	if ((rc = res_set_print(set, &text)) != 0)
		return ud_fail(err, rc == RES_ERR_NOMEM ? UD_ERR_NOMEM : UD_ERR_RESOURCES,
		    status, "%s: %s (RFC 6492 section 3.3.2)", what, res_strerror(rc));
	n = strlen(text);
	free(text);
	if (n > UD_MAX_RESOURCE_SET)
		return ud_fail(err, UD_ERR_RESOURCES, status,
		    "%s: longer than 512000 characters (RFC 6492 section 3.7)", what);
	return 0;
}

static int
ud_check_req(const struct ud_req_sets *req, const char *where, struct ud_error *err,
             unsigned status)
{
	char what[64];
	int rc;

	snprintf(what, sizeof(what), "%s req_resource_set_as", where);
	if (req->as.present && (rc = ud_check_set(&req->as.set, RES_AS, what, err, status)) != 0)
		return rc;
	snprintf(what, sizeof(what), "%s req_resource_set_ipv4", where);
	if (req->ipv4.present && (rc = ud_check_set(&req->ipv4.set, RES_IPV4, what, err, status)) != 0)
		return rc;
	snprintf(what, sizeof(what), "%s req_resource_set_ipv6", where);
	if (req->ipv6.present && (rc = ud_check_set(&req->ipv6.set, RES_IPV6, what, err, status)) != 0)
		return rc;
	return 0;
}

/* xsd:language: [a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})* */
static bool
ud_lang_ok(const char *s)
{
	size_t run = 0;
	bool first = true;

	if (s == NULL || *s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '-') {
			if (run == 0)
				return false;
			run = 0;
			first = false;
			continue;
		}
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (!first && c >= '0' && c <= '9')))
			return false;
		if (++run > 8)
			return false;
	}
	return run > 0;
}

static int
ud_check_ski(const char *ski, struct ud_error *err, unsigned status)
{
	uint8_t raw[UD_SKI_BYTES];
	int rc;

	if ((rc = ud_check_token(ski, UD_MIN_SKI, UD_MAX_LABEL, UD_ERR_SKI, "ski", err, status)) != 0)
		return rc;
	if (ud_ski_decode(ski, raw) != 0)
		return ud_fail(err, UD_ERR_SKI, status,
		    "ski: not base64url of a 20-octet key identifier (RFC 6492 section 3.5.1)");
	return 0;
}

static int
ud_check_class(const struct ud_class *c, struct ud_error *err, unsigned status)
{
	char tbuf[UD_TIME_SIZE], what[48];
	int rc;

	if ((rc = ud_check_token(c->class_name, 1, UD_MAX_LABEL, UD_ERR_VALUE,
	    "class class_name", err, status)) != 0)
		return rc;
	if ((rc = ud_check_cert_url(c->cert_url, "class cert_url", err, status)) != 0)
		return rc;
	if ((rc = ud_check_set(&c->resource_set_as, RES_AS, "resource_set_as", err, status)) != 0 ||
	    (rc = ud_check_set(&c->resource_set_ipv4, RES_IPV4, "resource_set_ipv4", err, status)) != 0 ||
	    (rc = ud_check_set(&c->resource_set_ipv6, RES_IPV6, "resource_set_ipv6", err, status)) != 0)
		return rc;
	if (ud_time_format(c->resource_set_notafter, tbuf) != 0)
		return ud_fail(err, UD_ERR_TIME, status,
		    "resource_set_notafter: year out of 0001..9999 (RFC 6492 section 3.3.2)");
	if (c->suggested_sia_head != NULL &&
	    (rc = ud_check_sia_head(c->suggested_sia_head, err, status)) != 0)
		return rc;
	if (c->ncerts > UD_MAX_CERTS)
		return ud_fail(err, UD_ERR_LIMIT, status,
		    "more than %d certificate elements in a class (local limit, "
		    "RFC 6492 section 3.7 sets none)", UD_MAX_CERTS);
	if (c->ncerts > 0 && c->certs == NULL)
		return ud_fail(err, UD_ERR_INVALID, status, "class certs missing");
	for (size_t i = 0; i < c->ncerts; i++) {
		const struct ud_cert *ce = &c->certs[i];

		snprintf(what, sizeof(what), "certificate %zu cert_url", i + 1);
		if ((rc = ud_check_cert_url(ce->cert_url, what, err, status)) != 0)
			return rc;
		snprintf(what, sizeof(what), "certificate %zu", i + 1);
		if ((rc = ud_check_req(&ce->req, what, err, status)) != 0 ||
		    (rc = ud_check_bytes(ce->der, ce->der_len, what, err, status)) != 0)
			return rc;
	}
	if (c->issuer == NULL)
		return ud_fail(err, UD_ERR_ELEMENT, status,
		    "class without issuer (RFC 6492 section 3.3.2)");
	return ud_check_bytes(c->issuer, c->issuer_len, "issuer", err, status);
}

static int
ud_check_body(const struct ud_msg *m, struct ud_error *err, unsigned status)
{
	const struct ud_error_body *e = &m->error;
	bool en_us = false;
	int rc;

	switch (m->type) {
	case UD_LIST:
		return 0;
	case UD_ISSUE_RESPONSE:
		if (m->nclasses != 1 || m->classes == NULL || m->classes[0].ncerts != 1)
			return ud_fail(err, UD_ERR_ELEMENT, status,
			    "issue_response needs one class with one certificate "
			    "(RFC 6492 section 3.4.2)");
		/* FALLTHROUGH */
	case UD_LIST_RESPONSE:
		if (m->nclasses > UD_MAX_CLASSES)
			return ud_fail(err, UD_ERR_LIMIT, status,
			    "more than %d classes (local limit, RFC 6492 section 3.7 "
			    "sets none)", UD_MAX_CLASSES);
		if (m->nclasses > 0 && m->classes == NULL)
			return ud_fail(err, UD_ERR_INVALID, status, "classes missing");
		for (size_t i = 0; i < m->nclasses; i++)
			if ((rc = ud_check_class(&m->classes[i], err, status)) != 0)
				return rc;
		return 0;
	case UD_ISSUE:
		if ((rc = ud_check_token(m->issue.class_name, 1, UD_MAX_LABEL, UD_ERR_VALUE,
		    "request class_name", err, status)) != 0 ||
		    (rc = ud_check_req(&m->issue.req, "request", err, status)) != 0)
			return rc;
		return ud_check_bytes(m->issue.csr, m->issue.csr_len,
		    "certificate request", err, status);
	case UD_REVOKE:
	case UD_REVOKE_RESPONSE:
		if ((rc = ud_check_token(m->key.class_name, 1, UD_MAX_LABEL, UD_ERR_VALUE,
		    "key class_name", err, status)) != 0)
			return rc;
		return ud_check_ski(m->key.ski, err, status);
	case UD_ERROR_RESPONSE:
		if (e->status < 1 || e->status > UD_MAX_STATUS)
			return ud_fail(err, UD_ERR_STATUS, status,
			    "status %u out of 1..9999 (RFC 6492 section 3.7)", e->status);
		if (e->ndesc > UD_MAX_DESCRIPTIONS)
			return ud_fail(err, UD_ERR_LIMIT, status,
			    "more than %d descriptions (local limit, RFC 6492 "
			    "section 3.7 sets none)", UD_MAX_DESCRIPTIONS);
		for (size_t i = 0; i < e->ndesc; i++) {
			size_t n;

			if (!ud_lang_ok(e->desc[i].lang))
				return ud_fail(err, UD_ERR_VALUE, status,
				    "description xml:lang is not a language tag (RFC 6492 section 3.7)");
			if (e->desc[i].text == NULL ||
			    !ud_utf8_chars(e->desc[i].text, strlen(e->desc[i].text), &n) ||
			    n > UD_MAX_DESCRIPTION)
				return ud_fail(err, UD_ERR_VALUE, status,
				    "description: invalid or longer than 1024 characters "
				    "(RFC 6492 section 3.7)");
			en_us |= strcasecmp(e->desc[i].lang, "en-US") == 0;
		}
		if (e->ndesc > 0 && !en_us)
			return ud_fail(err, UD_ERR_VALUE, status,
			    "descriptions without an en-US one (RFC 6492 section 3.6)");
		return 0;
	default:
		return ud_fail(err, UD_ERR_TYPE, UD_STATUS_BAD_TYPE, "unknown message type");
	}
}

/*
 * Check a model against the rules the encoder enforces. Returns 0 or the
 * first UD_ERR_*; err->status is 2001 (the decoder adjusts it).
 */
int
ud_check(const struct ud_msg *msg, struct ud_error *err)
{
	int rc;

	ud_err_clear(err);
	if (msg == NULL)
		return ud_fail(err, UD_ERR_INVALID, UD_STATUS_INTERNAL, "no message");
	if ((rc = ud_check_token(msg->sender, 1, UD_MAX_LABEL, UD_ERR_PEER, "sender",
	    err, UD_STATUS_HTTP_400)) != 0 ||
	    (rc = ud_check_token(msg->recipient, 1, UD_MAX_LABEL, UD_ERR_PEER, "recipient",
	    err, UD_STATUS_HTTP_400)) != 0)
		return rc;
	return ud_check_body(msg, err, UD_STATUS_INTERNAL);
}

/* ---- decoder --------------------------------------------------------- */

struct ud_dec {
	struct ud_msg *msg;
	struct ud_error *err;
	unsigned status;        /* answer for body problems: 1203 or 2001 */
};

struct ud_attr_spec {
	const char *name;
	bool required;
	const char *value;      /* set by ud_attrs */
};

/* Which attributes el has: only those in spec (plus xml:lang if lang != NULL). */
static int
ud_attrs(struct ud_dec *d, mxml_node_t *el, const char *elname,
         struct ud_attr_spec *spec, size_t nspec, const char **lang)
{
	const char *ns, *name, *v;

	for (size_t k = 0; k < nspec; k++)
		spec[k].value = NULL;
	if (lang != NULL)
		*lang = NULL;
	for (int i = 0; (v = xml_attr(el, i, &ns, &name)) != NULL; i++) {
		size_t k;

		if (name == NULL)
			continue; /* a namespace declaration */
		if (ns == NULL) {
			for (k = 0; k < nspec; k++)
				if (strcmp(spec[k].name, name) == 0)
					break;
			if (k < nspec) {
				spec[k].value = v;
				continue;
			}
		} else if (lang != NULL && strcmp(ns, XML_NS_XML) == 0 &&
		    strcmp(name, "lang") == 0) {
			*lang = v;
			continue;
		}
		return ud_fail(d->err, UD_ERR_ATTR, d->status,
		    "unknown attribute %s%.40s on <%s> (RFC 6492 section 3.2)",
		    ns == NULL ? "" : strcmp(ns, XML_NS_XML) == 0 ? "xml:" : "(qualified) ",
		    name, elname);
	}
	for (size_t k = 0; k < nspec; k++)
		if (spec[k].required && spec[k].value == NULL)
			return ud_fail(d->err, UD_ERR_ATTR, d->status,
			    "<%s> without %s (RFC 6492 section 3.7)", elname, spec[k].name);
	if (lang != NULL && *lang == NULL)
		return ud_fail(d->err, UD_ERR_ATTR, d->status,
		    "<%s> without xml:lang (RFC 6492 section 3.7)", elname);
	return 0;
}

/* The next child element of parent after prev; stray text is an error. */
static int
ud_next(struct ud_dec *d, mxml_node_t *parent, mxml_node_t **cur, const char *pname)
{
	const char *ns, *local;
	bool bad = false;

	*cur = xml_next_element(parent, *cur, &bad);
	if (bad)
		return ud_fail(d->err, UD_ERR_ELEMENT, d->status,
		    "text inside <%s> (RFC 6492 section 3.7)", pname);
	if (*cur != NULL && xml_name(*cur, &ns, &local) != 0)
		return ud_fail(d->err, UD_ERR_XML, UD_STATUS_HTTP_400,
		    "undeclared namespace prefix (RFC 6492 section 3.2)");
	return 0;
}

/* Element el must be named local in the up-down namespace. */
static int
ud_expect(struct ud_dec *d, mxml_node_t *el, const char *local, const char *pname)
{
	const char *ns, *name;

	if (xml_is(el, UD_NS, local))
		return 0;
	if (xml_name(el, &ns, &name) != 0)
		name = "?";
	else if (ns == NULL || strcmp(ns, UD_NS) != 0)
		return ud_fail(d->err, UD_ERR_ELEMENT, d->status,
		    "<%.40s> in <%s> is not in the up-down namespace (RFC 6492 section 3.2)",
		    name, pname);
	return ud_fail(d->err, UD_ERR_ELEMENT, d->status,
	    "unexpected <%.40s> in <%s>, expected <%s> (RFC 6492 section 3.2)",
	    name, pname, local);
}

/* Text content of a leaf element (no child elements). */
static int
ud_leaf_text(struct ud_dec *d, mxml_node_t *el, const char *elname, char **out)
{
	bool bad = false;

	*out = NULL;
	if (xml_next_element(el, NULL, &bad) != NULL)
		return ud_fail(d->err, UD_ERR_ELEMENT, d->status,
		    "element inside <%s> (RFC 6492 section 3.7)", elname);
	if ((*out = xml_text(el)) == NULL)
		return ud_fail(d->err, UD_ERR_NOMEM, d->status, "out of memory");
	return 0;
}

/* An element with no content but white space. */
static int
ud_empty(struct ud_dec *d, mxml_node_t *el, const char *elname)
{
	bool bad = false;

	if (xml_next_element(el, NULL, &bad) != NULL || bad)
		return ud_fail(d->err, UD_ERR_ELEMENT, d->status,
		    "<%s> must be empty (RFC 6492 section 3.7)", elname);
	return 0;
}

/*
 * xsd:base64Binary text: white space dropped (UD-60), the rest must be
 * canonical base64 (RFC 4648 section 4, padded, zero pad bits) of 4..512000
 * octets. *out is malloc'd.
 */
static int
ud_base64(struct ud_dec *d, const char *text, const char *what, uint8_t **out, size_t *outlen)
{
	size_t n = 0, need = 0, got = 0, len = strlen(text);
	unsigned char *compact = NULL, *bin = NULL, *again = NULL;
	int rc;

	*out = NULL;
	*outlen = 0;
	if ((compact = malloc(len + 1)) == NULL) {
		rc = ud_fail(d->err, UD_ERR_NOMEM, d->status, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < len; i++)
		if (!ud_is_ws((unsigned char)text[i]))
			compact[n++] = (unsigned char)text[i];
	rc = ud_fail(d->err, UD_ERR_BASE64, d->status,
	    "%s: not base64 of 4..512000 octets (RFC 6492 section 3.7)", what);
	if (n < 8 || n % 4 != 0 || n / 4 * 3 > UD_MAX_BASE64 + 2)
		goto out;
	(void)mbedtls_base64_decode(NULL, 0, &need, compact, n);
	if (need == 0 || (bin = malloc(need)) == NULL ||
	    mbedtls_base64_decode(bin, need, &got, compact, n) != 0) {
		if (need != 0 && bin == NULL)
			rc = ud_fail(d->err, UD_ERR_NOMEM, d->status, "out of memory");
		goto out;
	}
	if (got < UD_MIN_BASE64 || got > UD_MAX_BASE64)
		goto out;
	/* Canonical: re-encoding gives the same text (no stray pad bits). */
	if ((again = malloc(n + 1)) == NULL) {
		rc = ud_fail(d->err, UD_ERR_NOMEM, d->status, "out of memory");
		goto out;
	}
	if (mbedtls_base64_encode(again, n + 1, &need, bin, got) != 0 || need != n ||
	    memcmp(again, compact, n) != 0)
		goto out;
	*out = bin;
	*outlen = got;
	bin = NULL;
	ud_err_clear(d->err);
	rc = 0;
out:
	free(compact);
	free(bin);
	free(again);
	return rc;
}

/* A resource set attribute (RFC 6492 sections 3.3.2, 3.7). */
static int
ud_resources(struct ud_dec *d, const char *text, enum res_family fam,
             struct res_set *dst, const char *what)
{
	static const char *const allowed[] = {
		[RES_AS] = "-,0123456789",
		[RES_IPV4] = "-,/.0123456789",
		[RES_IPV6] = "-,/:0123456789abcdefABCDEF",
	};
	size_t len = strlen(text);
	int rc;

	if (len > UD_MAX_RESOURCE_SET)
		return ud_fail(d->err, UD_ERR_RESOURCES, d->status,
		    "%s: longer than 512000 characters (RFC 6492 section 3.7)", what);
	if (strspn(text, allowed[fam]) != len)
		return ud_fail(d->err, UD_ERR_RESOURCES, d->status,
		    "%s: character outside the schema pattern (RFC 6492 section 3.7)", what);
	res_set_free(dst);
	if ((rc = res_set_parse(dst, fam, text, len)) != 0) {
		res_set_init(dst, fam);
		return ud_fail(d->err, rc == RES_ERR_NOMEM ? UD_ERR_NOMEM : UD_ERR_RESOURCES,
		    d->status, "%s: %s (RFC 6492 section 3.3.2)", what, res_strerror(rc));
	}
	return 0;
}

static int
ud_opt_resources(struct ud_dec *d, const char *text, enum res_family fam,
                 struct ud_opt_set *dst, const char *what)
{
	int rc;

	if (text == NULL)
		return 0;
	if ((rc = ud_resources(d, text, fam, &dst->set, what)) != 0)
		return rc;
	dst->present = true;
	return 0;
}

/* A token attribute, collapsed into a malloc'd copy and checked. */
static int
ud_token(struct ud_dec *d, const char *v, size_t min, size_t max, int code,
         const char *what, unsigned status, char **out)
{
	int rc;

	*out = NULL;
	if (v == NULL)
		return ud_fail(d->err, code, status, "%s missing (RFC 6492 section 3.7)", what);
	if ((*out = ud_collapse(v)) == NULL)
		return ud_fail(d->err, UD_ERR_NOMEM, status, "out of memory");
	if ((rc = ud_check_token(*out, min, max, code, what, d->err, status)) != 0) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

/* xsd:positiveInteger text (trimmed, optional '+', leading zeros) up to max. */
static bool
ud_posint(const char *text, unsigned max, unsigned *out)
{
	const char *s;
	size_t len, i = 0;
	unsigned v = 0;

	ud_trim(text, &s, &len);
	if (len > 0 && s[0] == '+')
		i = 1;
	if (i == len)
		return false;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
		if (v > max)
			return false;
	}
	if (v < 1)
		return false;
	*out = v;
	return true;
}

static int
ud_dec_certificate(struct ud_dec *d, mxml_node_t *el, struct ud_cert *ce)
{
	struct ud_attr_spec a[] = {
		{ "cert_url", true, NULL },
		{ "req_resource_set_as", false, NULL },
		{ "req_resource_set_ipv4", false, NULL },
		{ "req_resource_set_ipv6", false, NULL },
	};
	char *text = NULL;
	int rc;

	if ((rc = ud_attrs(d, el, "certificate", a, 4, NULL)) != 0)
		goto out;
	if ((ce->cert_url = strdup(a[0].value)) == NULL) {
		rc = ud_fail(d->err, UD_ERR_NOMEM, d->status, "out of memory");
		goto out;
	}
	if ((rc = ud_check_cert_url(ce->cert_url, "certificate cert_url", d->err, d->status)) != 0 ||
	    (rc = ud_opt_resources(d, a[1].value, RES_AS, &ce->req.as,
	    "certificate req_resource_set_as")) != 0 ||
	    (rc = ud_opt_resources(d, a[2].value, RES_IPV4, &ce->req.ipv4,
	    "certificate req_resource_set_ipv4")) != 0 ||
	    (rc = ud_opt_resources(d, a[3].value, RES_IPV6, &ce->req.ipv6,
	    "certificate req_resource_set_ipv6")) != 0 ||
	    (rc = ud_leaf_text(d, el, "certificate", &text)) != 0)
		goto out;
	rc = ud_base64(d, text, "certificate", &ce->der, &ce->der_len);
out:
	free(text);
	return rc;
}

/* <class> (RFC 6492 section 3.3.2). */
static int
ud_dec_class(struct ud_dec *d, mxml_node_t *el, struct ud_class *c)
{
	struct ud_attr_spec a[] = {
		{ "class_name", true, NULL },
		{ "cert_url", true, NULL },
		{ "resource_set_as", true, NULL },
		{ "resource_set_ipv4", true, NULL },
		{ "resource_set_ipv6", true, NULL },
		{ "resource_set_notafter", true, NULL },
		{ "suggested_sia_head", false, NULL },
	};
	mxml_node_t *ch = NULL;
	char *text = NULL;
	size_t n = 0, tlen;
	const char *t;
	int rc;

	if ((rc = ud_attrs(d, el, "class", a, 7, NULL)) != 0)
		goto out;
	if ((rc = ud_token(d, a[0].value, 1, UD_MAX_LABEL, UD_ERR_VALUE, "class class_name",
	    d->status, &c->class_name)) != 0)
		goto out;
	if ((c->cert_url = strdup(a[1].value)) == NULL) {
		rc = ud_fail(d->err, UD_ERR_NOMEM, d->status, "out of memory");
		goto out;
	}
	if ((rc = ud_check_cert_url(c->cert_url, "class cert_url", d->err, d->status)) != 0 ||
	    (rc = ud_resources(d, a[2].value, RES_AS, &c->resource_set_as,
	    "resource_set_as")) != 0 ||
	    (rc = ud_resources(d, a[3].value, RES_IPV4, &c->resource_set_ipv4,
	    "resource_set_ipv4")) != 0 ||
	    (rc = ud_resources(d, a[4].value, RES_IPV6, &c->resource_set_ipv6,
	    "resource_set_ipv6")) != 0)
		goto out;
	ud_trim(a[5].value, &t, &tlen);
	if (ud_time_parse(t, tlen, &c->resource_set_notafter) != 0) {
		rc = ud_fail(d->err, UD_ERR_TIME, d->status,
		    "resource_set_notafter not YYYY-MM-DDThh:mm:ssZ (RFC 6492 section 3.3.2)");
		goto out;
	}
	if (a[6].value != NULL) {
		ud_trim(a[6].value, &t, &tlen);
		if ((c->suggested_sia_head = strndup(t, tlen)) == NULL) {
			rc = ud_fail(d->err, UD_ERR_NOMEM, d->status, "out of memory");
			goto out;
		}
		if ((rc = ud_check_sia_head(c->suggested_sia_head, d->err, d->status)) != 0)
			goto out;
	}
	/* certificate* then exactly one issuer, in that order (section 3.7). */
	for (;;) {
		if ((rc = ud_next(d, el, &ch, "class")) != 0)
			goto out;
		if (ch == NULL || !xml_is(ch, UD_NS, "certificate"))
			break;
		n++;
	}
	if (n > UD_MAX_CERTS) {
		rc = ud_fail(d->err, UD_ERR_LIMIT, d->status,
		    "more than %d certificate elements in a class (local limit, "
		    "RFC 6492 section 3.7 sets none)", UD_MAX_CERTS);
		goto out;
	}
	if (ch == NULL) {
		rc = ud_fail(d->err, UD_ERR_ELEMENT, d->status,
		    "class without issuer (RFC 6492 section 3.3.2)");
		goto out;
	}
	if ((rc = ud_expect(d, ch, "issuer", "class")) != 0)
		goto out;
	if (n > 0 && (c->certs = calloc(n, sizeof(*c->certs))) == NULL) {
		rc = ud_fail(d->err, UD_ERR_NOMEM, d->status, "out of memory");
		goto out;
	}
	ch = NULL;
	for (size_t i = 0; i < n; i++) {
		if ((rc = ud_next(d, el, &ch, "class")) != 0)
			goto out;
		res_set_init(&c->certs[i].req.as.set, RES_AS);
		res_set_init(&c->certs[i].req.ipv4.set, RES_IPV4);
		res_set_init(&c->certs[i].req.ipv6.set, RES_IPV6);
		c->ncerts = i + 1;
		if ((rc = ud_dec_certificate(d, ch, &c->certs[i])) != 0)
			goto out;
	}
	if ((rc = ud_next(d, el, &ch, "class")) != 0)
		goto out;
	/* ch is the issuer */
	if ((rc = ud_attrs(d, ch, "issuer", NULL, 0, NULL)) != 0 ||
	    (rc = ud_leaf_text(d, ch, "issuer", &text)) != 0 ||
	    (rc = ud_base64(d, text, "issuer", &c->issuer, &c->issuer_len)) != 0)
		goto out;
	if ((rc = ud_next(d, el, &ch, "class")) != 0)
		goto out;
	if (ch != NULL) {
		rc = ud_fail(d->err, UD_ERR_ELEMENT, d->status,
		    "element after issuer in class (RFC 6492 section 3.7)");
		goto out;
	}
	rc = 0;
out:
	free(text);
	return rc;
}

/* list_response (class*) and issue_response (exactly one class). */
static int
ud_dec_classes(struct ud_dec *d, mxml_node_t *root)
{
	struct ud_msg *m = d->msg;
	mxml_node_t *ch = NULL;
	size_t n = 0;
	int rc;

	for (;;) {
		if ((rc = ud_next(d, root, &ch, "message")) != 0)
			return rc;
		if (ch == NULL)
			break;
		if ((rc = ud_expect(d, ch, "class", "message")) != 0)
			return rc;
		if (++n > UD_MAX_CLASSES)
			return ud_fail(d->err, UD_ERR_LIMIT, d->status,
			    "more than %d classes (local limit, RFC 6492 section 3.7 "
			    "sets none)", UD_MAX_CLASSES);
	}
	if (m->type == UD_ISSUE_RESPONSE && n != 1)
		return ud_fail(d->err, UD_ERR_ELEMENT, d->status,
		    "issue_response needs exactly one class (RFC 6492 section 3.4.2)");
	if (n == 0)
		return 0; /* an empty list_response is valid (UD-51) */
	if ((m->classes = calloc(n, sizeof(*m->classes))) == NULL)
		return ud_fail(d->err, UD_ERR_NOMEM, d->status, "out of memory");
	ch = NULL;
	for (size_t i = 0; i < n; i++) {
		struct ud_class *c = &m->classes[i];

		res_set_init(&c->resource_set_as, RES_AS);
		res_set_init(&c->resource_set_ipv4, RES_IPV4);
		res_set_init(&c->resource_set_ipv6, RES_IPV6);
		m->nclasses = i + 1;
		if ((rc = ud_next(d, root, &ch, "message")) != 0 ||
		    (rc = ud_dec_class(d, ch, c)) != 0)
			return rc;
	}
	return 0;
}

/* issue: exactly one <request> (RFC 6492 section 3.4.1). */
static int
ud_dec_issue(struct ud_dec *d, mxml_node_t *root)
{
	struct ud_attr_spec a[] = {
		{ "class_name", true, NULL },
		{ "req_resource_set_as", false, NULL },
		{ "req_resource_set_ipv4", false, NULL },
		{ "req_resource_set_ipv6", false, NULL },
	};
	struct ud_issue *is = &d->msg->issue;
	mxml_node_t *el = NULL, *more;
	char *text = NULL;
	int rc;

	if ((rc = ud_next(d, root, &el, "message")) != 0)
		goto out;
	if (el == NULL) {
		rc = ud_fail(d->err, UD_ERR_ELEMENT, d->status,
		    "issue without request (RFC 6492 section 3.4.1)");
		goto out;
	}
	if ((rc = ud_expect(d, el, "request", "message")) != 0)
		goto out;
	more = el;
	if ((rc = ud_next(d, root, &more, "message")) != 0)
		goto out;
	if (more != NULL) {
		rc = ud_fail(d->err, UD_ERR_ELEMENT, d->status,
		    "issue with more than one element (RFC 6492 section 3.4.1)");
		goto out;
	}
	if ((rc = ud_attrs(d, el, "request", a, 4, NULL)) != 0 ||
	    (rc = ud_token(d, a[0].value, 1, UD_MAX_LABEL, UD_ERR_VALUE,
	    "request class_name", d->status, &is->class_name)) != 0 ||
	    (rc = ud_opt_resources(d, a[1].value, RES_AS, &is->req.as,
	    "req_resource_set_as")) != 0 ||
	    (rc = ud_opt_resources(d, a[2].value, RES_IPV4, &is->req.ipv4,
	    "req_resource_set_ipv4")) != 0 ||
	    (rc = ud_opt_resources(d, a[3].value, RES_IPV6, &is->req.ipv6,
	    "req_resource_set_ipv6")) != 0 ||
	    (rc = ud_leaf_text(d, el, "request", &text)) != 0)
		goto out;
	rc = ud_base64(d, text, "certificate request", &is->csr, &is->csr_len);
out:
	free(text);
	return rc;
}

/* revoke and revoke_response: exactly one empty <key> (section 3.5). */
static int
ud_dec_key(struct ud_dec *d, mxml_node_t *root)
{
	struct ud_attr_spec a[] = {
		{ "class_name", true, NULL },
		{ "ski", true, NULL },
	};
	mxml_node_t *el = NULL, *more;
	int rc;

	if ((rc = ud_next(d, root, &el, "message")) != 0)
		return rc;
	if (el == NULL)
		return ud_fail(d->err, UD_ERR_ELEMENT, d->status,
		    "%s without key (RFC 6492 section 3.5)", ud_type_name(d->msg->type));
	if ((rc = ud_expect(d, el, "key", "message")) != 0)
		return rc;
	more = el;
	if ((rc = ud_next(d, root, &more, "message")) != 0)
		return rc;
	if (more != NULL)
		return ud_fail(d->err, UD_ERR_ELEMENT, d->status,
		    "more than one key (RFC 6492 section 3.5)");
	if ((rc = ud_attrs(d, el, "key", a, 2, NULL)) != 0 ||
	    (rc = ud_empty(d, el, "key")) != 0 ||
	    (rc = ud_token(d, a[0].value, 1, UD_MAX_LABEL, UD_ERR_VALUE,
	    "key class_name", d->status, &d->msg->key.class_name)) != 0 ||
	    (rc = ud_token(d, a[1].value, UD_MIN_SKI, UD_MAX_LABEL, UD_ERR_SKI,
	    "ski", d->status, &d->msg->key.ski)) != 0)
		return rc;
	return ud_check_ski(d->msg->key.ski, d->err, d->status);
}

/* error_response: status, then description* (section 3.6). */
static int
ud_dec_error(struct ud_dec *d, mxml_node_t *root)
{
	struct ud_error_body *e = &d->msg->error;
	mxml_node_t *el = NULL;
	char *text = NULL;
	const char *lang;
	int rc;

	if ((rc = ud_next(d, root, &el, "message")) != 0)
		goto out;
	if (el == NULL) {
		rc = ud_fail(d->err, UD_ERR_ELEMENT, d->status,
		    "error_response without status (RFC 6492 section 3.6)");
		goto out;
	}
	if ((rc = ud_expect(d, el, "status", "message")) != 0 ||
	    (rc = ud_attrs(d, el, "status", NULL, 0, NULL)) != 0 ||
	    (rc = ud_leaf_text(d, el, "status", &text)) != 0)
		goto out;
	if (!ud_posint(text, UD_MAX_STATUS, &e->status)) {
		rc = ud_fail(d->err, UD_ERR_STATUS, d->status,
		    "status not an integer in 1..9999 (RFC 6492 section 3.7)");
		goto out;
	}
	for (;;) {
		struct ud_description *ds;
		size_t n;

		free(text);
		text = NULL;
		if ((rc = ud_next(d, root, &el, "message")) != 0)
			goto out;
		if (el == NULL)
			break;
		if ((rc = ud_expect(d, el, "description", "message")) != 0)
			goto out;
		if (e->ndesc >= UD_MAX_DESCRIPTIONS) {
			rc = ud_fail(d->err, UD_ERR_LIMIT, d->status,
			    "more than %d descriptions (local limit, RFC 6492 "
			    "section 3.7 sets none)", UD_MAX_DESCRIPTIONS);
			goto out;
		}
		if ((rc = ud_attrs(d, el, "description", NULL, 0, &lang)) != 0 ||
		    (rc = ud_leaf_text(d, el, "description", &text)) != 0)
			goto out;
		ds = &e->desc[e->ndesc];
		if ((ds->lang = ud_collapse(lang)) == NULL) {
			rc = ud_fail(d->err, UD_ERR_NOMEM, d->status, "out of memory");
			goto out;
		}
		ds->text = text;
		text = NULL;
		e->ndesc++;
		if (!ud_lang_ok(ds->lang)) {
			rc = ud_fail(d->err, UD_ERR_VALUE, d->status,
			    "description xml:lang is not a language tag (RFC 6492 section 3.7)");
			goto out;
		}
		if (!ud_utf8_chars(ds->text, strlen(ds->text), &n) || n > UD_MAX_DESCRIPTION) {
			rc = ud_fail(d->err, UD_ERR_VALUE, d->status,
			    "description longer than 1024 characters (RFC 6492 section 3.7)");
			goto out;
		}
	}
	rc = 0;
out:
	free(text);
	return rc;
}

static void
ud_msg_body_free(struct ud_msg *m);

static int
ud_decode_common(const char *xml, size_t len, struct ud_msg *msg, struct ud_error *err,
                 bool request_only)
{
	static const struct xml_limits lim = { UD_MAX_MESSAGE, UD_MAX_DEPTH, UD_MAX_ATTRS };
	struct ud_attr_spec a[] = {
		{ "version", false, NULL },
		{ "sender", false, NULL },
		{ "recipient", false, NULL },
		{ "type", false, NULL },
	};
	struct ud_dec d = { msg, err, UD_STATUS_INTERNAL };
	struct ud_error dummy;
	mxml_node_t *doc = NULL, *root = NULL;
	const char *ns, *name, *v, *unknown = NULL, *unknown_pfx = "";
	char why[96], *type = NULL;
	unsigned version;
	int rc, t;

	if (err == NULL)
		d.err = err = &dummy;
	ud_err_clear(err);
	if (msg == NULL)
		return ud_fail(err, UD_ERR_INVALID, UD_STATUS_INTERNAL, "no message");
	ud_msg_init(msg);
	if (xml == NULL) {
		rc = ud_fail(err, UD_ERR_XML, UD_STATUS_HTTP_400, "no document");
		goto out;
	}
	if ((rc = xml_parse(xml, len, &lim, &doc, &root, why, sizeof(why))) != 0) {
		rc = ud_fail(err, rc == XML_ERR_NOMEM ? UD_ERR_NOMEM : UD_ERR_XML,
		    UD_STATUS_HTTP_400, "XML refused: %s, %s (RFC 6492 section 3.2)",
		    xml_strerror(rc), why);
		goto out;
	}
	if (!xml_is(root, UD_NS, "message")) {
		rc = ud_fail(err, UD_ERR_ROOT, UD_STATUS_HTTP_400,
		    "root is not <message> in the up-down namespace (RFC 6492 section 3.7)");
		goto out;
	}
	/* Envelope attributes; unknown ones are reported after the version and type. */
	for (int i = 0; (v = xml_attr(root, i, &ns, &name)) != NULL; i++) {
		size_t k;

		if (name == NULL)
			continue;
		for (k = 0; k < 4 && ns == NULL; k++)
			if (strcmp(a[k].name, name) == 0)
				break;
		if (ns == NULL && k < 4) {
			a[k].value = v;
		} else if (unknown == NULL) {
			unknown = name;
			unknown_pfx = ns == NULL ? "" : strcmp(ns, XML_NS_XML) == 0 ?
			    "xml:" : "(qualified) ";
		}
	}
	/* Checks 3 and 7 of section 3.2, in that order, then the type. */
	if ((rc = ud_token(&d, a[1].value, 1, UD_MAX_LABEL, UD_ERR_PEER, "sender",
	    UD_STATUS_HTTP_400, &msg->sender)) != 0 ||
	    (rc = ud_token(&d, a[2].value, 1, UD_MAX_LABEL, UD_ERR_PEER, "recipient",
	    UD_STATUS_HTTP_400, &msg->recipient)) != 0)
		goto out;
	if (a[0].value == NULL || !ud_posint(a[0].value, 1, &version)) {
		rc = ud_fail(err, UD_ERR_VERSION, UD_STATUS_VERSION,
		    "version is not 1 (RFC 6492 section 3.2)");
		goto out;
	}
	if (a[3].value == NULL) {
		rc = ud_fail(err, UD_ERR_TYPE, UD_STATUS_BAD_TYPE,
		    "message without type (RFC 6492 section 3.2)");
		goto out;
	}
	if ((type = ud_collapse(a[3].value)) == NULL) {
		rc = ud_fail(err, UD_ERR_NOMEM, UD_STATUS_INTERNAL, "out of memory");
		goto out;
	}
	for (t = UD_LIST; t <= UD_ERROR_RESPONSE; t++)
		if (strcmp(type, ud_type_names[t]) == 0)
			break;
	if (t > UD_ERROR_RESPONSE || (request_only && !ud_type_is_request((enum ud_type)t))) {
		rc = ud_fail(err, UD_ERR_TYPE, UD_STATUS_BAD_TYPE,
		    "unrecognised %stype \"%.40s\" (RFC 6492 section 3.2)",
		    request_only ? "request " : "", type);
		goto out;
	}
	msg->type = (enum ud_type)t;
	/* An envelope problem, so 2001 even in an issue (1203 is for the body). */
	if (unknown != NULL) {
		rc = ud_fail(err, UD_ERR_ATTR, UD_STATUS_INTERNAL,
		    "unknown attribute %s%.40s on <message> (RFC 6492 section 3.2)",
		    unknown_pfx, unknown);
		goto out;
	}
	/* Anything wrong in an issue request's body is a bad request (UD-63). */
	d.status = msg->type == UD_ISSUE ? UD_STATUS_BAD_CSR : UD_STATUS_INTERNAL;
	switch (msg->type) {
	case UD_LIST:
		rc = ud_empty(&d, root, "message"); /* UD-50 */
		break;
	case UD_LIST_RESPONSE:
	case UD_ISSUE_RESPONSE:
		rc = ud_dec_classes(&d, root);
		break;
	case UD_ISSUE:
		rc = ud_dec_issue(&d, root);
		break;
	case UD_REVOKE:
	case UD_REVOKE_RESPONSE:
		rc = ud_dec_key(&d, root);
		break;
	default:
		rc = ud_dec_error(&d, root);
		break;
	}
	if (rc != 0)
		goto out;
	/* The encoder's rules, so that every decoded message re-encodes. */
	if ((rc = ud_check(msg, err)) != 0) {
		err->status = rc == UD_ERR_NOMEM ? UD_STATUS_INTERNAL : d.status;
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		ud_msg_body_free(msg);
	free(type);
	if (doc != NULL)
		mxmlDelete(doc);
	return rc;
}

/*
 * Decode an up-down message. See proto/updown.h: msg is initialised by the
 * call and must be freed by the caller with ud_msg_free(), also on failure.
 */
int
ud_decode(const char *xml, size_t len, struct ud_msg *msg, struct ud_error *err)
{
	return ud_decode_common(xml, len, msg, err, false);
}

/* Decode a message a child sent us: only list, issue, revoke (UD-42). */
int
ud_decode_request(const char *xml, size_t len, struct ud_msg *msg, struct ud_error *err)
{
	return ud_decode_common(xml, len, msg, err, true);
}

/* ---- model ----------------------------------------------------------- */

static void
ud_req_init(struct ud_req_sets *r)
{
	memset(r, 0, sizeof(*r));
	res_set_init(&r->as.set, RES_AS);
	res_set_init(&r->ipv4.set, RES_IPV4);
	res_set_init(&r->ipv6.set, RES_IPV6);
}

static void
ud_req_free(struct ud_req_sets *r)
{
	res_set_free(&r->as.set);
	res_set_free(&r->ipv4.set);
	res_set_free(&r->ipv6.set);
}

static void
ud_class_free(struct ud_class *c)
{
	free(c->class_name);
	free(c->cert_url);
	res_set_free(&c->resource_set_as);
	res_set_free(&c->resource_set_ipv4);
	res_set_free(&c->resource_set_ipv6);
	free(c->suggested_sia_head);
	for (size_t i = 0; i < c->ncerts; i++) {
		free(c->certs[i].cert_url);
		ud_req_free(&c->certs[i].req);
		free(c->certs[i].der);
	}
	free(c->certs);
	free(c->issuer);
}

/* Free and reset everything but sender, recipient and type. */
static void
ud_msg_body_free(struct ud_msg *m)
{
	for (size_t i = 0; i < m->nclasses; i++)
		ud_class_free(&m->classes[i]);
	free(m->classes);
	m->classes = NULL;
	m->nclasses = 0;
	free(m->issue.class_name);
	ud_req_free(&m->issue.req);
	free(m->issue.csr);
	memset(&m->issue, 0, sizeof(m->issue));
	ud_req_init(&m->issue.req);
	free(m->key.class_name);
	free(m->key.ski);
	memset(&m->key, 0, sizeof(m->key));
	for (size_t i = 0; i < m->error.ndesc && i < UD_MAX_DESCRIPTIONS; i++) {
		free(m->error.desc[i].lang);
		free(m->error.desc[i].text);
	}
	memset(&m->error, 0, sizeof(m->error));
}

/* An empty message: every pointer NULL, type UD_TYPE_NONE. */
void
ud_msg_init(struct ud_msg *msg)
{
	memset(msg, 0, sizeof(*msg));
	ud_req_init(&msg->issue.req);
}

/* Free what msg owns; msg is left initialised. Accepts NULL. */
void
ud_msg_free(struct ud_msg *msg)
{
	if (msg == NULL)
		return;
	ud_msg_body_free(msg);
	free(msg->sender);
	free(msg->recipient);
	ud_msg_init(msg);
}

/* Append a class with initialised sets; *out points into msg->classes. */
int
ud_msg_add_class(struct ud_msg *msg, struct ud_class **out)
{
	struct ud_class *n, *c;

	*out = NULL;
	if (msg->nclasses >= UD_MAX_CLASSES)
		return UD_ERR_LIMIT;
	if ((n = realloc(msg->classes, (msg->nclasses + 1) * sizeof(*n))) == NULL)
		return UD_ERR_NOMEM;
	msg->classes = n;
	c = &n[msg->nclasses++];
	memset(c, 0, sizeof(*c));
	res_set_init(&c->resource_set_as, RES_AS);
	res_set_init(&c->resource_set_ipv4, RES_IPV4);
	res_set_init(&c->resource_set_ipv6, RES_IPV6);
	*out = c;
	return 0;
}

/* Append a certificate with initialised sets; *out points into cls->certs. */
int
ud_class_add_cert(struct ud_class *cls, struct ud_cert **out)
{
	struct ud_cert *n, *c;

	*out = NULL;
	if (cls->ncerts >= UD_MAX_CERTS)
		return UD_ERR_LIMIT;
	if ((n = realloc(cls->certs, (cls->ncerts + 1) * sizeof(*n))) == NULL)
		return UD_ERR_NOMEM;
	cls->certs = n;
	c = &n[cls->ncerts++];
	memset(c, 0, sizeof(*c));
	ud_req_init(&c->req);
	*out = c;
	return 0;
}

/* Append a description; lang and text are copied. */
int
ud_msg_add_description(struct ud_msg *msg, const char *lang, const char *text)
{
	struct ud_description *d;

	if (lang == NULL || text == NULL)
		return UD_ERR_INVALID;
	if (msg->error.ndesc >= UD_MAX_DESCRIPTIONS)
		return UD_ERR_LIMIT;
	d = &msg->error.desc[msg->error.ndesc];
	d->lang = strdup(lang);
	d->text = strdup(text);
	if (d->lang == NULL || d->text == NULL) {
		free(d->lang);
		free(d->text);
		d->lang = d->text = NULL;
		return UD_ERR_NOMEM;
	}
	msg->error.ndesc++;
	return 0;
}

/* ---- equality -------------------------------------------------------- */

static bool
ud_str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool
ud_bytes_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen != blen || (a == NULL) != (b == NULL))
		return false;
	return alen == 0 || memcmp(a, b, alen) == 0;
}

static bool
ud_opt_eq(const struct ud_opt_set *a, const struct ud_opt_set *b)
{
	return a->present == b->present && (!a->present || res_set_equal(&a->set, &b->set));
}

static bool
ud_req_eq(const struct ud_req_sets *a, const struct ud_req_sets *b)
{
	return ud_opt_eq(&a->as, &b->as) && ud_opt_eq(&a->ipv4, &b->ipv4) &&
	    ud_opt_eq(&a->ipv6, &b->ipv6);
}

static bool
ud_class_eq(const struct ud_class *a, const struct ud_class *b)
{
	if (!ud_str_eq(a->class_name, b->class_name) || !ud_str_eq(a->cert_url, b->cert_url) ||
	    !res_set_equal(&a->resource_set_as, &b->resource_set_as) ||
	    !res_set_equal(&a->resource_set_ipv4, &b->resource_set_ipv4) ||
	    !res_set_equal(&a->resource_set_ipv6, &b->resource_set_ipv6) ||
	    a->resource_set_notafter != b->resource_set_notafter ||
	    !ud_str_eq(a->suggested_sia_head, b->suggested_sia_head) ||
	    a->ncerts != b->ncerts ||
	    !ud_bytes_eq(a->issuer, a->issuer_len, b->issuer, b->issuer_len))
		return false;
	for (size_t i = 0; i < a->ncerts; i++) {
		const struct ud_cert *x = &a->certs[i], *y = &b->certs[i];

		if (!ud_str_eq(x->cert_url, y->cert_url) || !ud_req_eq(&x->req, &y->req) ||
		    !ud_bytes_eq(x->der, x->der_len, y->der, y->der_len))
			return false;
	}
	return true;
}

/* Field-by-field equality of the parts of the message's type. */
bool
ud_msg_equal(const struct ud_msg *a, const struct ud_msg *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (a->type != b->type || !ud_str_eq(a->sender, b->sender) ||
	    !ud_str_eq(a->recipient, b->recipient))
		return false;
	switch (a->type) {
	case UD_LIST_RESPONSE:
	case UD_ISSUE_RESPONSE:
		if (a->nclasses != b->nclasses)
			return false;
		for (size_t i = 0; i < a->nclasses; i++)
			if (!ud_class_eq(&a->classes[i], &b->classes[i]))
				return false;
		return true;
	case UD_ISSUE:
		return ud_str_eq(a->issue.class_name, b->issue.class_name) &&
		    ud_req_eq(&a->issue.req, &b->issue.req) &&
		    ud_bytes_eq(a->issue.csr, a->issue.csr_len, b->issue.csr, b->issue.csr_len);
	case UD_REVOKE:
	case UD_REVOKE_RESPONSE:
		return ud_str_eq(a->key.class_name, b->key.class_name) &&
		    ud_str_eq(a->key.ski, b->key.ski);
	case UD_ERROR_RESPONSE:
		if (a->error.status != b->error.status || a->error.ndesc != b->error.ndesc)
			return false;
		for (size_t i = 0; i < a->error.ndesc && i < UD_MAX_DESCRIPTIONS; i++)
			if (!ud_str_eq(a->error.desc[i].lang, b->error.desc[i].lang) ||
			    !ud_str_eq(a->error.desc[i].text, b->error.desc[i].text))
				return false;
		return true;
	default:
		return true;
	}
}

/* ---- types, status codes --------------------------------------------- */

/* "list", "list_response", ...; NULL for UD_TYPE_NONE or out of range. */
const char *
ud_type_name(enum ud_type type)
{
	if (type < UD_LIST || type > UD_ERROR_RESPONSE)
		return NULL;
	return ud_type_names[type];
}

/* The three request types of RFC 6492 section 3.2 (UD-42). */
bool
ud_type_is_request(enum ud_type type)
{
	return type == UD_LIST || type == UD_ISSUE || type == UD_REVOKE;
}

/* The reply type of a request (UD-43). */
enum ud_type
ud_type_response(enum ud_type type)
{
	switch (type) {
	case UD_LIST: return UD_LIST_RESPONSE;
	case UD_ISSUE: return UD_ISSUE_RESPONSE;
	case UD_REVOKE: return UD_REVOKE_RESPONSE;
	default: return UD_TYPE_NONE;
	}
}

/* RFC 6492 section 3.6 code table. */
const char *
ud_status_text(unsigned status)
{
	switch (status) {
	case 1101: return "already processing request";
	case 1102: return "version number error";
	case 1103: return "unrecognized request type";
	case 1104: return "request scheduled for processing";
	case 1201: return "request - no such resource class";
	case 1202: return "request - no resources allocated in resource class";
	case 1203: return "request - badly formed certificate request";
	case 1204: return "request - already used key in request";
	case 1301: return "revoke - no such resource class";
	case 1302: return "revoke - no such key";
	case 2001: return "Internal Server Error - Request not performed";
	default: return NULL;
	}
}

/* True for a code of RFC 6492 section 3.6. */
bool
ud_status_known(unsigned status)
{
	return ud_status_text(status) != NULL;
}

/* ---- ski, time ------------------------------------------------------- */

static int
ud_b64url_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * Base64url (RFC 4648 section 5) of 20 octets: 27 characters, or 28 ending
 * in one '=' (UD-110). The unused low bits of the last character must be
 * zero. Returns 0 or UD_ERR_SKI.
 */
int
ud_ski_decode(const char *ski, uint8_t out[UD_SKI_BYTES])
{
	uint32_t acc = 0;
	size_t len, o = 0;
	int bits = 0;

	if (ski == NULL)
		return UD_ERR_SKI;
	len = strlen(ski);
	if (len == 28 && ski[27] == '=')
		len = 27;
	else if (len != 27)
		return UD_ERR_SKI;
	for (size_t i = 0; i < len; i++) {
		int v = ud_b64url_val((unsigned char)ski[i]);

		if (v < 0)
			return UD_ERR_SKI;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* 27 * 6 = 162 bits: 20 octets and 2 bits that must be zero. */
	if (o != UD_SKI_BYTES || acc != 0)
		return UD_ERR_SKI;
	return 0;
}

/* SHA-1 of the public key bits as unpadded base64url (UD-110). */
int
ud_ski_from_key(const uint8_t *pub, size_t len, char out[UD_SKI_SIZE])
{
	static const char alpha[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	uint8_t h[UD_SKI_BYTES];
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;

	if (pub == NULL || len == 0)
		return UD_ERR_INVALID;
	if (mbedtls_sha1_ret(pub, len, h) != 0)
		return UD_ERR_INVALID;
	for (size_t i = 0; i < sizeof(h); i++) {
		acc = (acc << 8) | h[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = alpha[(acc >> bits) & 0x3F];
		}
		acc &= (1u << bits) - 1;
	}
	out[o++] = alpha[(acc << (6 - bits)) & 0x3F]; /* 160 = 26 * 6 + 4 */
	out[o] = '\0';
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
ud_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool
ud_leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool
ud_digits(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return true;
}

/* "YYYY-MM-DDThh:mm:ssZ" exactly (UD-52), as seconds since the epoch. */
int
ud_time_parse(const char *text, size_t len, time_t *out)
{
	static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, mo, d, h, mi, s;
	int64_t t;

	if (text == NULL || len != 20 || text[4] != '-' || text[7] != '-' ||
	    text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != 'Z' ||
	    !ud_digits(text, 4, &y) || !ud_digits(text + 5, 2, &mo) ||
	    !ud_digits(text + 8, 2, &d) || !ud_digits(text + 11, 2, &h) ||
	    !ud_digits(text + 14, 2, &mi) || !ud_digits(text + 17, 2, &s))
		return UD_ERR_TIME;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] + (mo == 2 && ud_leap(y)) || h > 23 || mi > 59 || s > 59)
		return UD_ERR_TIME;
	t = ud_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
	if ((int64_t)(time_t)t != t)
		return UD_ERR_TIME;
	*out = (time_t)t;
	return 0;
}

static void
ud_put_digits(char *p, unsigned v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* The inverse of ud_time_parse(); UD_ERR_TIME outside years 0001..9999. */
int
ud_time_format(time_t t, char out[UD_TIME_SIZE])
{
	/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z */
	const int64_t lo = -62135596800LL, hi = 253402300799LL;
	int64_t v = (int64_t)t, days, secs, z, era, y;
	unsigned doe, yoe, doy, mp, d, m;

	if (v < lo || v > hi)
		return UD_ERR_TIME;
	days = v >= 0 ? v / 86400 : -((-v + 86399) / 86400);
	secs = v - days * 86400;
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	ud_put_digits(out, (unsigned)y, 4);
	out[4] = '-';
	ud_put_digits(out + 5, m, 2);
	out[7] = '-';
	ud_put_digits(out + 8, d, 2);
	out[10] = 'T';
	ud_put_digits(out + 11, (unsigned)(secs / 3600), 2);
	out[13] = ':';
	ud_put_digits(out + 14, (unsigned)(secs / 60 % 60), 2);
	out[16] = ':';
	ud_put_digits(out + 17, (unsigned)(secs % 60), 2);
	out[19] = 'Z';
	out[20] = '\0';
	return 0;
}

/* Static English text for a UD_ERR_* code. */
const char *
ud_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case UD_ERR_XML: return "XML refused";
	case UD_ERR_ROOT: return "not an up-down message";
	case UD_ERR_PEER: return "sender or recipient missing or invalid";
	case UD_ERR_VERSION: return "unsupported up-down version";
	case UD_ERR_TYPE: return "unknown message type";
	case UD_ERR_ELEMENT: return "unexpected, missing or repeated element";
	case UD_ERR_ATTR: return "unknown or missing attribute";
	case UD_ERR_VALUE: return "value out of bounds";
	case UD_ERR_BASE64: return "invalid base64";
	case UD_ERR_RESOURCES: return "invalid resource set";
	case UD_ERR_TIME: return "invalid time";
	case UD_ERR_URI: return "invalid URI";
	case UD_ERR_SKI: return "invalid ski";
	case UD_ERR_STATUS: return "invalid status code";
	case UD_ERR_LIMIT: return "too many elements";
	case UD_ERR_NOMEM: return "out of memory";
	case UD_ERR_INVALID: return "invalid message";
	default: return "unknown up-down error";
	}
}
