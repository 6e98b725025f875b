/*
 * updownctl: readable and JSON renderings of an RFC 6492 message, shared
 * by `inspect` and the child client. Every certificate the message
 * carries (<certificate>, <issuer>) is decoded too, so that the resources
 * the certificate itself certifies (RFC 3779, via res_der_decode_*) are
 * shown next to what the XML says.
 *
 * JSON schema of a message (stable; keys are always present, absent
 * values are null):
 *   { "type": "list_response" | ..., "sender": str, "recipient": str,
 *     "classes": [ { "class_name": str, "cert_url": str,
 *         "resource_set_as": str, "resource_set_ipv4": str,
 *         "resource_set_ipv6": str,          (canonical RFC 6492 text)
 *         "resource_set_notafter": "YYYY-MM-DDThh:mm:ssZ",
 *         "suggested_sia_head": str | null,
 *         "issuer": CERT,
 *         "certificates": [ { "cert_url": str,
 *             "req_resource_set_as": str | null, (null: attribute absent)
 *             "req_resource_set_ipv4": str | null,
 *             "req_resource_set_ipv6": str | null,
 *             "key": str | null,   (child client: the label of our key)
 *             "certificate": CERT } ] } ],
 *     "request": { "class_name", "req_resource_set_*", "csr": CSR } | null,
 *     "key": { "class_name": str, "ski": str } | null,
 *     "error": { "status": int, "status_text": str | null,
 *                "descriptions": [ { "lang": str, "text": str } ] } | null }
 *   CERT is the object insp_cert_json() writes ("resources": { "as",
 *   "ipv4", "ipv6" } from the certificate itself, "not_after", "sia",
 *   "ski", ...), or { "error": str } when the bytes do not decode.
 *   CSR is { "bytes": int, "check": "ok" | reason, "gski": str | null,
 *   "ca_repository": str | null, "rpki_manifest": str | null,
 *   "rpki_notify": str | null }.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/csr.h"
#include "inspect.h"
#include "inspect_updown.h"

static void
set_text(const char *indent, const char *name, const struct res_set *set)
{
	char *text = NULL;

	if (res_set_print(set, &text) == 0)
		printf("%s%s: \"%s\"\n", indent, name, text);
	free(text);
}

static void
opt_set_text(const char *indent, const char *name, const struct ud_opt_set *o)
{
	if (o->present)
		set_text(indent, name, &o->set);
}

/* A few lines about a certificate carried in a message. */
static void
cert_brief(const unsigned char *der, size_t len, const char *indent, const char *label)
{
	struct insp_cert c;
	char why[INSP_WHY], t[32], *s;

	if (insp_cert_decode(der, len, &c, why) != 0) {
		printf("%s(certificate does not decode: %s)\n", indent, why);
		insp_cert_free(&c);
		return;
	}
	insp_time_text(c.not_after, t);
	printf("%ssubject %s, notAfter %s, gSKI %s%s%s\n", indent, c.subject, t, c.gski,
	    label != NULL ? ", our key " : "", label != NULL ? label : "");
	if ((s = insp_res_text(&c.as, c.has_as, c.as_err)) != NULL)
		printf("%scertified as: \"%s\"\n", indent, s);
	free(s);
	if ((s = insp_res_text(&c.v4, c.has_ip, c.ip_err)) != NULL)
		printf("%scertified ipv4: \"%s\"\n", indent, s);
	free(s);
	if ((s = insp_res_text(&c.v6, c.has_ip, c.ip_err)) != NULL)
		printf("%scertified ipv6: \"%s\"\n", indent, s);
	free(s);
	for (size_t i = 0; i < c.sia_repo.n; i++)
		printf("%sSIA caRepository: %s\n", indent, c.sia_repo.v[i]);
	for (size_t i = 0; i < c.sia_mft.n; i++)
		printf("%sSIA rpkiManifest: %s\n", indent, c.sia_mft.v[i]);
	insp_cert_free(&c);
}

static void
csr_text(const unsigned char *der, size_t len, const char *indent)
{
	struct csr_info ci;
	int rc = csr_check(der, len, NULL, &ci);

	if (rc != 0) {
		printf("%sPKCS#10: %zu bytes, REFUSED: %s\n", indent, len, csr_strerror(rc));
		return;
	}
	printf("%sPKCS#10: %zu bytes, RFC 6487 section 6 profile: ok\n", indent, len);
	printf("%sSIA caRepository: %s\n", indent, ci.ca_repository);
	printf("%sSIA rpkiManifest: %s\n", indent, ci.rpki_manifest);
	if (ci.rpki_notify != NULL)
		printf("%sSIA rpkiNotify: %s\n", indent, ci.rpki_notify);
	csr_info_free(&ci);
}

/* See inspect_updown.h. */
void
insp_updown_text(const struct ud_msg *m, insp_key_label_fn key_label, void *ctx)
{
	printf("  up-down message: type %s, sender \"%s\", recipient \"%s\"\n",
	    ud_type_name(m->type), m->sender, m->recipient);
	for (size_t i = 0; i < m->nclasses; i++) {
		const struct ud_class *c = &m->classes[i];
		char t[UD_TIME_SIZE];

		printf("  class \"%s\"\n", c->class_name);
		printf("    cert_url: %s\n", c->cert_url);
		set_text("    ", "resource_set_as", &c->resource_set_as);
		set_text("    ", "resource_set_ipv4", &c->resource_set_ipv4);
		set_text("    ", "resource_set_ipv6", &c->resource_set_ipv6);
		if (ud_time_format(c->resource_set_notafter, t) == 0)
			printf("    resource_set_notafter: %s\n", t);
		if (c->suggested_sia_head != NULL)
			printf("    suggested_sia_head: %s\n", c->suggested_sia_head);
		for (size_t j = 0; j < c->ncerts; j++) {
			const struct ud_cert *ct = &c->certs[j];
			const char *label = key_label != NULL ?
			    key_label(ctx, ct->der, ct->der_len) : NULL;

			printf("    certificate %zu: %zu bytes, cert_url %s\n", j,
			    ct->der_len, ct->cert_url);
			opt_set_text("      ", "req_resource_set_as", &ct->req.as);
			opt_set_text("      ", "req_resource_set_ipv4", &ct->req.ipv4);
			opt_set_text("      ", "req_resource_set_ipv6", &ct->req.ipv6);
			cert_brief(ct->der, ct->der_len, "      ", label);
		}
		printf("    issuer: %zu bytes\n", c->issuer_len);
		cert_brief(c->issuer, c->issuer_len, "      ", NULL);
	}
	switch (m->type) {
	case UD_ISSUE:
		printf("  request: class \"%s\"\n", m->issue.class_name);
		opt_set_text("    ", "req_resource_set_as", &m->issue.req.as);
		opt_set_text("    ", "req_resource_set_ipv4", &m->issue.req.ipv4);
		opt_set_text("    ", "req_resource_set_ipv6", &m->issue.req.ipv6);
		csr_text(m->issue.csr, m->issue.csr_len, "    ");
		break;
	case UD_REVOKE:
	case UD_REVOKE_RESPONSE:
		printf("  key: class \"%s\", ski %s\n", m->key.class_name, m->key.ski);
		break;
	case UD_ERROR_RESPONSE:
		printf("  status: %u (%s)\n", m->error.status,
		    ud_status_known(m->error.status) ? ud_status_text(m->error.status) :
		    "not defined by RFC 6492");
		for (size_t i = 0; i < m->error.ndesc; i++)
			printf("  description [%s]: %s\n", m->error.desc[i].lang,
			    m->error.desc[i].text);
		break;
	default:
		break;
	}
}

static void
set_json(struct jo *j, const char *key, const struct res_set *set)
{
	char *text = NULL;

	if (res_set_print(set, &text) == 0)
		jo_str(j, key, text);
	else
		jo_null(j, key);
	free(text);
}

static void
opt_set_json(struct jo *j, const char *key, const struct ud_opt_set *o)
{
	if (o->present)
		set_json(j, key, &o->set);
	else
		jo_null(j, key);
}

/* See inspect_updown.h. */
void
insp_der_cert_json(struct jo *j, const char *key, const unsigned char *der, size_t len)
{
	struct insp_cert c;
	char why[INSP_WHY];

	if (insp_cert_decode(der, len, &c, why) != 0) {
		jo_obj_begin(j, key);
		jo_str(j, "error", why);
		jo_obj_end(j);
	} else
		insp_cert_json(j, key, &c);
	insp_cert_free(&c);
}

static void
csr_json(struct jo *j, const unsigned char *der, size_t len)
{
	struct csr_info ci;
	char gski[UD_SKI_SIZE];
	int rc = csr_check(der, len, NULL, &ci);

	jo_obj_begin(j, "csr");
	jo_uint(j, "bytes", len);
	jo_str(j, "check", rc == 0 ? "ok" : csr_strerror(rc));
	if (rc == 0) {
		/* ci.ski is the SHA-1 of the key: the gSKI is its base64url. */
		static const char b64u[] =
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		size_t o = 0;

		for (size_t i = 0; i < CSR_SKI_LEN; i += 3) {
			unsigned v = (unsigned)ci.ski[i] << 16;

			if (i + 1 < CSR_SKI_LEN)
				v |= (unsigned)ci.ski[i + 1] << 8;
			if (i + 2 < CSR_SKI_LEN)
				v |= ci.ski[i + 2];
			gski[o++] = b64u[(v >> 18) & 63];
			gski[o++] = b64u[(v >> 12) & 63];
			if (i + 1 < CSR_SKI_LEN)
				gski[o++] = b64u[(v >> 6) & 63];
			if (i + 2 < CSR_SKI_LEN)
				gski[o++] = b64u[v & 63];
		}
		gski[o] = '\0';
		jo_str(j, "gski", gski);
		jo_str(j, "ca_repository", ci.ca_repository);
		jo_str(j, "rpki_manifest", ci.rpki_manifest);
		jo_str(j, "rpki_notify", ci.rpki_notify);
		csr_info_free(&ci);
	} else {
		jo_null(j, "gski");
		jo_null(j, "ca_repository");
		jo_null(j, "rpki_manifest");
		jo_null(j, "rpki_notify");
	}
	jo_obj_end(j);
}

/* See inspect_updown.h. */
void
insp_updown_json(struct jo *j, const struct ud_msg *m, insp_key_label_fn key_label,
                 void *ctx)
{
	jo_str(j, "type", ud_type_name(m->type));
	jo_str(j, "sender", m->sender);
	jo_str(j, "recipient", m->recipient);
	jo_arr_begin(j, "classes");
	for (size_t i = 0; i < m->nclasses; i++) {
		const struct ud_class *c = &m->classes[i];

		jo_obj_begin(j, NULL);
		jo_str(j, "class_name", c->class_name);
		jo_str(j, "cert_url", c->cert_url);
		set_json(j, "resource_set_as", &c->resource_set_as);
		set_json(j, "resource_set_ipv4", &c->resource_set_ipv4);
		set_json(j, "resource_set_ipv6", &c->resource_set_ipv6);
		jo_time(j, "resource_set_notafter", c->resource_set_notafter);
		jo_str(j, "suggested_sia_head", c->suggested_sia_head);
		insp_der_cert_json(j, "issuer", c->issuer, c->issuer_len);
		jo_arr_begin(j, "certificates");
		for (size_t k = 0; k < c->ncerts; k++) {
			const struct ud_cert *ct = &c->certs[k];

			jo_obj_begin(j, NULL);
			jo_str(j, "cert_url", ct->cert_url);
			opt_set_json(j, "req_resource_set_as", &ct->req.as);
			opt_set_json(j, "req_resource_set_ipv4", &ct->req.ipv4);
			opt_set_json(j, "req_resource_set_ipv6", &ct->req.ipv6);
			jo_str(j, "key", key_label != NULL ?
			    key_label(ctx, ct->der, ct->der_len) : NULL);
			insp_der_cert_json(j, "certificate", ct->der, ct->der_len);
			jo_obj_end(j);
		}
		jo_arr_end(j);
		jo_obj_end(j);
	}
	jo_arr_end(j);
	if (m->type == UD_ISSUE) {
		jo_obj_begin(j, "request");
		jo_str(j, "class_name", m->issue.class_name);
		opt_set_json(j, "req_resource_set_as", &m->issue.req.as);
		opt_set_json(j, "req_resource_set_ipv4", &m->issue.req.ipv4);
		opt_set_json(j, "req_resource_set_ipv6", &m->issue.req.ipv6);
		csr_json(j, m->issue.csr, m->issue.csr_len);
		jo_obj_end(j);
	} else
		jo_null(j, "request");
	if (m->type == UD_REVOKE || m->type == UD_REVOKE_RESPONSE) {
		jo_obj_begin(j, "key");
		jo_str(j, "class_name", m->key.class_name);
		jo_str(j, "ski", m->key.ski);
		jo_obj_end(j);
	} else
		jo_null(j, "key");
	if (m->type == UD_ERROR_RESPONSE) {
		jo_obj_begin(j, "error");
		jo_uint(j, "status", m->error.status);
		jo_str(j, "status_text", ud_status_known(m->error.status) ?
		    ud_status_text(m->error.status) : NULL);
		jo_arr_begin(j, "descriptions");
		for (size_t i = 0; i < m->error.ndesc; i++) {
			jo_obj_begin(j, NULL);
			jo_str(j, "lang", m->error.desc[i].lang);
			jo_str(j, "text", m->error.desc[i].text);
			jo_obj_end(j);
		}
		jo_arr_end(j);
		jo_obj_end(j);
	} else
		jo_null(j, "error");
}
