/*
 * RFC 6492 up-down messages: the encoder and the reply builders.
 * See proto/updown.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>

#include "proto/updown.h"
#include "proto/xml.h"

#define UD_B64_COLUMNS 64

/* Mini-XML's setter returns nothing: read the value back to see it stuck. */
static int
ud_set(mxml_node_t *el, const char *name, const char *value)
{
	mxmlElementSetAttr(el, name, value);
	return mxmlElementGetAttr(el, name) != NULL ? 0 : UD_ERR_NOMEM;
}

static int
ud_set_res(mxml_node_t *el, const char *name, const struct res_set *set)
{
	char *text = NULL;
	int rc;

	/* Canonical text (UD-58); ud_check() has vetted the set. */
	if ((rc = res_set_print(set, &text)) != 0)
		return rc == RES_ERR_NOMEM ? UD_ERR_NOMEM : UD_ERR_RESOURCES;
	rc = ud_set(el, name, text);
	free(text);
	return rc;
}

/* req_resource_set_* only when present (UD-54, UD-65). */
static int
ud_set_req(mxml_node_t *el, const struct ud_req_sets *req)
{
	int rc = 0;

	if (req->as.present && (rc = ud_set_res(el, "req_resource_set_as", &req->as.set)) != 0)
		return rc;
	if (req->ipv4.present &&
	    (rc = ud_set_res(el, "req_resource_set_ipv4", &req->ipv4.set)) != 0)
		return rc;
	if (req->ipv6.present &&
	    (rc = ud_set_res(el, "req_resource_set_ipv6", &req->ipv6.set)) != 0)
		return rc;
	return 0;
}

/* Base64 of der, one line per 64 characters (UD-60), as the text of el. */
static int
ud_add_base64(mxml_node_t *el, const uint8_t *der, size_t len)
{
	unsigned char *b64 = NULL;
	char *text = NULL;
	size_t need = 0, n, o = 0;
	int rc = UD_ERR_NOMEM;

	(void)mbedtls_base64_encode(NULL, 0, &need, der, len);
	if (need == 0 || (b64 = malloc(need)) == NULL)
		goto out;
	if (mbedtls_base64_encode(b64, need, &n, der, len) != 0) {
		rc = UD_ERR_BASE64;
		goto out;
	}
	/* "\n" before each line and at the end, as rpkid writes it. */
	if ((text = malloc(n + n / UD_B64_COLUMNS + 3)) == NULL)
		goto out;
	for (size_t i = 0; i < n; i += UD_B64_COLUMNS) {
		size_t k = n - i < UD_B64_COLUMNS ? n - i : UD_B64_COLUMNS;

		text[o++] = '\n';
		memcpy(text + o, b64 + i, k);
		o += k;
	}
	text[o++] = '\n';
	text[o] = '\0';
	if (mxmlNewOpaque(el, text) == NULL)
		goto out;
	rc = 0;
out:
	free(b64);
	free(text);
	return rc;
}

static mxml_node_t *
ud_child(mxml_node_t *parent, const char *name)
{
	return mxmlNewElement(parent, name);
}

static int
ud_enc_class(mxml_node_t *root, const struct ud_class *c)
{
	char when[UD_TIME_SIZE];
	mxml_node_t *el, *ce;
	int rc;

	if ((el = ud_child(root, "class")) == NULL)
		return UD_ERR_NOMEM;
	if ((rc = ud_time_format(c->resource_set_notafter, when)) != 0)
		return rc;
	if ((rc = ud_set(el, "class_name", c->class_name)) != 0 ||
	    (rc = ud_set(el, "cert_url", c->cert_url)) != 0 ||
	    (rc = ud_set_res(el, "resource_set_as", &c->resource_set_as)) != 0 ||
	    (rc = ud_set_res(el, "resource_set_ipv4", &c->resource_set_ipv4)) != 0 ||
	    (rc = ud_set_res(el, "resource_set_ipv6", &c->resource_set_ipv6)) != 0 ||
	    (rc = ud_set(el, "resource_set_notafter", when)) != 0)
		return rc;
	if (c->suggested_sia_head != NULL &&
	    (rc = ud_set(el, "suggested_sia_head", c->suggested_sia_head)) != 0)
		return rc;
	for (size_t i = 0; i < c->ncerts; i++) {
		const struct ud_cert *x = &c->certs[i];

		if ((ce = ud_child(el, "certificate")) == NULL)
			return UD_ERR_NOMEM;
		if ((rc = ud_set(ce, "cert_url", x->cert_url)) != 0 ||
		    (rc = ud_set_req(ce, &x->req)) != 0 ||
		    (rc = ud_add_base64(ce, x->der, x->der_len)) != 0)
			return rc;
	}
	if ((ce = ud_child(el, "issuer")) == NULL)
		return UD_ERR_NOMEM;
	return ud_add_base64(ce, c->issuer, c->issuer_len);
}

static int
ud_enc_body(mxml_node_t *root, const struct ud_msg *m)
{
	mxml_node_t *el;
	char num[8];
	int rc;

	switch (m->type) {
	case UD_LIST:
		return 0; /* UD-50 */
	case UD_LIST_RESPONSE:
	case UD_ISSUE_RESPONSE:
		for (size_t i = 0; i < m->nclasses; i++)
			if ((rc = ud_enc_class(root, &m->classes[i])) != 0)
				return rc;
		return 0;
	case UD_ISSUE:
		if ((el = ud_child(root, "request")) == NULL)
			return UD_ERR_NOMEM;
		if ((rc = ud_set(el, "class_name", m->issue.class_name)) != 0 ||
		    (rc = ud_set_req(el, &m->issue.req)) != 0)
			return rc;
		return ud_add_base64(el, m->issue.csr, m->issue.csr_len);
	case UD_REVOKE:
	case UD_REVOKE_RESPONSE:
		if ((el = ud_child(root, "key")) == NULL)
			return UD_ERR_NOMEM;
		if ((rc = ud_set(el, "class_name", m->key.class_name)) != 0)
			return rc;
		return ud_set(el, "ski", m->key.ski);
	case UD_ERROR_RESPONSE:
		if ((el = ud_child(root, "status")) == NULL)
			return UD_ERR_NOMEM;
		snprintf(num, sizeof(num), "%u", m->error.status);
		if (mxmlNewOpaque(el, num) == NULL)
			return UD_ERR_NOMEM;
		for (size_t i = 0; i < m->error.ndesc; i++) {
			if ((el = ud_child(root, "description")) == NULL)
				return UD_ERR_NOMEM;
			if ((rc = ud_set(el, "xml:lang", m->error.desc[i].lang)) != 0)
				return rc;
			/*
			 * XXX Mini-XML writes a CR in the text raw, which other
			 * parsers read back as LF (XML 1.0 section 2.11); we
			 * read it back unchanged.
			 */
			if (m->error.desc[i].text[0] != '\0' &&
			    mxmlNewOpaque(el, m->error.desc[i].text) == NULL)
				return UD_ERR_NOMEM;
		}
		return 0;
	default:
		return UD_ERR_TYPE;
	}
}

/*
 * Encode msg (RFC 6492 sections 3.2-3.7). Checks it first with ud_check().
 * On success *xml is malloc'd (caller frees) and *len its length.
 */
int
ud_encode(const struct ud_msg *msg, char **xml, size_t *len)
{
	mxml_node_t *doc = NULL, *root;
	int rc;

	if (xml == NULL || len == NULL)
		return UD_ERR_INVALID;
	*xml = NULL;
	*len = 0;
	if ((rc = ud_check(msg, NULL)) != 0)
		return rc;
	rc = UD_ERR_NOMEM;
	/* The RFC's declaration (UD-45); mxmlNewXML() would write "utf-8". */
	if ((doc = mxmlNewElement(MXML_NO_PARENT,
	    "?xml version=\"1.0\" encoding=\"UTF-8\"?")) == NULL)
		goto out;
	if ((root = ud_child(doc, "message")) == NULL)
		goto out;
	if ((rc = ud_set(root, "xmlns", UD_NS)) != 0 ||
	    (rc = ud_set(root, "version", "1")) != 0 ||
	    (rc = ud_set(root, "sender", msg->sender)) != 0 ||
	    (rc = ud_set(root, "recipient", msg->recipient)) != 0 ||
	    (rc = ud_set(root, "type", ud_type_name(msg->type))) != 0)
		goto out;
	if ((rc = ud_enc_body(root, msg)) != 0)
		goto out;
	if (xml_save(doc, xml, len) != 0) {
		rc = UD_ERR_NOMEM;
		goto out;
	}
	rc = 0;
out:
	if (doc != NULL)
		mxmlDelete(doc);
	return rc;
}

static int
ud_swap(struct ud_msg *reply, const struct ud_msg *req)
{
	if (req->sender == NULL || req->recipient == NULL)
		return UD_ERR_PEER;
	if ((reply->sender = strdup(req->recipient)) == NULL ||
	    (reply->recipient = strdup(req->sender)) == NULL)
		return UD_ERR_NOMEM;
	return 0;
}

/*
 * The reply envelope to a request (UD-43). reply is initialised here and
 * owned by the caller (ud_msg_free), also on failure.
 */
int
ud_reply_init(struct ud_msg *reply, const struct ud_msg *req)
{
	int rc;

	ud_msg_init(reply);
	if (req == NULL || !ud_type_is_request(req->type))
		return UD_ERR_TYPE;
	if ((rc = ud_swap(reply, req)) != 0)
		return rc;
	reply->type = ud_type_response(req->type);
	if (req->type == UD_REVOKE) {
		/* Echo class_name and ski as received (UD-113). */
		if (req->key.class_name == NULL || req->key.ski == NULL)
			return UD_ERR_INVALID;
		if ((reply->key.class_name = strdup(req->key.class_name)) == NULL ||
		    (reply->key.ski = strdup(req->key.ski)) == NULL)
			return UD_ERR_NOMEM;
	}
	return 0;
}

/*
 * An error_response to req with status and an optional en-US description
 * (UD-120, UD-121). reply is initialised here and owned by the caller.
 */
int
ud_error_reply(struct ud_msg *reply, const struct ud_msg *req, unsigned status,
               const char *desc)
{
	int rc;

	ud_msg_init(reply);
	if (req == NULL || status < 1 || status > UD_MAX_STATUS)
		return UD_ERR_INVALID;
	if ((rc = ud_swap(reply, req)) != 0)
		return rc;
	reply->type = UD_ERROR_RESPONSE;
	reply->error.status = status;
	if (desc != NULL && (rc = ud_msg_add_description(reply, "en-US", desc)) != 0)
		return rc;
	return 0;
}
