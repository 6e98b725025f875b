/*
 * updownctl inspect: decode and print whatever an operator or a child
 * hands us, recognising the kind from the content:
 *   - RFC 6492 messages: CMS (DER, BER or base64 text) or bare XML; the CMS
 *     profile and signature are checked, and with --ta the BPKI path and
 *     CRL;
 *   - RFC 8183 documents (child_request, parent_response, ...);
 *   - X.509 certificates (RFC 6487 resource certificates with their RFC
 *     3779 resources as RFC 6492 text; BPKI certificates), CRLs, PKCS#10
 *     requests (RFC 6487 section 6), DER or PEM; with --ta, the signature
 *     is checked with that issuer's key;
 *   - RFC 6488 signed objects, RFC 9286 manifests decoded in full;
 *   - RFC 8630 TALs;
 *   - the appliance's audit log: a store database (or its directory),
 *     with the offline chain verification (firmware/audit.h).
 * --json writes one JSON array with an object per file ("file", "kind",
 * then the kind's fields; see inspect_updown.c for RFC 6492 messages).
 *
 * Exit status: the worst over the files: 0, 1 (refused: malformed,
 * profile violation, bad signature, failed verification, broken audit
 * chain), 2 (usage), 3 (unreadable).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <mbedtls/asn1.h>
#include <mbedtls/base64.h>
#include <mbedtls/pem.h>

#include "crypto/csr.h"
#include "inspect.h"
#include "inspect_updown.h"
#include "proto/cms.h"
#include "proto/oob.h"
#include "proto/res.h"
#include "proto/updown.h"
#include "updownctl.h"

#define INSPECT_MAX_INTER 8
#define INSPECT_MAX_NEST  2   /* PEM or base64 wrapping followed */

struct inspect_opts {
	const char *ta;
	const char *intermediates[INSPECT_MAX_INTER];
	size_t n_intermediates;
	const char *at;           /* NULL = now */
	int show_xml;
	struct jo *j;             /* NULL: text */
};

static int
worse(int a, int b)
{
	return a > b ? a : b;
}

static void
print_hex(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

static void
print_time(const char *label, time_t t)
{
	char buf[UD_TIME_SIZE];

	if (ud_time_format(t, buf) == 0)
		printf("%s%s\n", label, buf);
	else
		printf("%s(out of range)\n", label);
}

/* A refusal: a text line, or "error" in the JSON object. */
static int
refused(const struct inspect_opts *io, const char *kind, const char *fmt, const char *why)
{
	char msg[1024];

	snprintf(msg, sizeof(msg), fmt, why);
	if (io->j != NULL) {
		if (kind != NULL)
			jo_str(io->j, "kind", kind);
		jo_str(io->j, "error", msg);
	} else
		printf("  REFUSED: %s\n", msg);
	return EXIT_REFUSED;
}

static void
print_ta(const char *name, const struct oob_der *d)
{
	printf("  %s: certificate of %zu bytes\n", name, d->len);
}

static const char *const oob_types[] = { "?", "child_request", "parent_response",
	"publisher_request", "repository_response", "error" };

static void
print_oob(const struct oob_msg *m)
{
	printf("  RFC 8183 %s%s%s\n", oob_types[m->type],
	    m->tag ? ", tag " : "", m->tag ? m->tag : "");
	if (m->flags & OOB_F_NS_NO_SLASH)
		printf("  note: namespace without trailing slash (Krill < 0.10), tolerated\n");
	if (m->flags & OOB_F_VALID_UNTIL)
		printf("  note: rpkid valid_until attribute ignored\n");
	if (m->flags & OOB_F_IDENTITY)
		printf("  note: rpkid <identity> element read as child_request\n");
	if (m->flags & OOB_F_MYRPKI)
		printf("  note: ARIN pre-RFC 8183 myrpki parent message\n");
	switch (m->type) {
	case OOB_CHILD_REQUEST:
		printf("  child_handle: %s\n", m->u.child_request.child_handle);
		print_ta("child_bpki_ta", &m->u.child_request.child_bpki_ta);
		break;
	case OOB_PARENT_RESPONSE:
		printf("  service_uri: %s\n  parent_handle: %s\n  child_handle: %s\n",
		    m->u.parent_response.service_uri, m->u.parent_response.parent_handle,
		    m->u.parent_response.child_handle);
		print_ta("parent_bpki_ta", &m->u.parent_response.parent_bpki_ta);
		if (m->u.parent_response.offer)
			printf("  offer\n");
		for (size_t i = 0; i < m->u.parent_response.nreferrals; i++)
			printf("  referral from %s\n", m->u.parent_response.referrals[i].referrer);
		break;
	case OOB_PUBLISHER_REQUEST:
		printf("  publisher_handle: %s\n", m->u.publisher_request.publisher_handle);
		print_ta("publisher_bpki_ta", &m->u.publisher_request.publisher_bpki_ta);
		break;
	case OOB_REPOSITORY_RESPONSE:
		printf("  service_uri: %s\n  publisher_handle: %s\n  sia_base: %s\n",
		    m->u.repository_response.service_uri,
		    m->u.repository_response.publisher_handle,
		    m->u.repository_response.sia_base);
		if (m->u.repository_response.rrdp_notification_uri != NULL)
			printf("  rrdp_notification_uri: %s\n",
			    m->u.repository_response.rrdp_notification_uri);
		print_ta("repository_bpki_ta", &m->u.repository_response.repository_bpki_ta);
		break;
	default:
		break;
	}
}

static void
json_oob(struct jo *j, const struct oob_msg *m)
{
	jo_str(j, "kind", "rfc8183");
	jo_str(j, "type", oob_types[m->type]);
	jo_str(j, "tag", m->tag);
	jo_arr_begin(j, "notes");
	if (m->flags & OOB_F_NS_NO_SLASH)
		jo_str(j, NULL, "namespace without trailing slash");
	if (m->flags & OOB_F_VALID_UNTIL)
		jo_str(j, NULL, "valid_until ignored");
	if (m->flags & OOB_F_IDENTITY)
		jo_str(j, NULL, "identity read as child_request");
	if (m->flags & OOB_F_MYRPKI)
		jo_str(j, NULL, "myrpki parent message");
	jo_arr_end(j);
	switch (m->type) {
	case OOB_CHILD_REQUEST:
		jo_str(j, "child_handle", m->u.child_request.child_handle);
		insp_der_cert_json(j, "child_bpki_ta", m->u.child_request.child_bpki_ta.p,
		    m->u.child_request.child_bpki_ta.len);
		break;
	case OOB_PARENT_RESPONSE:
		jo_str(j, "service_uri", m->u.parent_response.service_uri);
		jo_str(j, "parent_handle", m->u.parent_response.parent_handle);
		jo_str(j, "child_handle", m->u.parent_response.child_handle);
		insp_der_cert_json(j, "parent_bpki_ta", m->u.parent_response.parent_bpki_ta.p,
		    m->u.parent_response.parent_bpki_ta.len);
		jo_bool(j, "offer", m->u.parent_response.offer);
		jo_arr_begin(j, "referrals");
		for (size_t i = 0; i < m->u.parent_response.nreferrals; i++)
			jo_str(j, NULL, m->u.parent_response.referrals[i].referrer);
		jo_arr_end(j);
		break;
	case OOB_PUBLISHER_REQUEST:
		jo_str(j, "publisher_handle", m->u.publisher_request.publisher_handle);
		insp_der_cert_json(j, "publisher_bpki_ta",
		    m->u.publisher_request.publisher_bpki_ta.p,
		    m->u.publisher_request.publisher_bpki_ta.len);
		break;
	case OOB_REPOSITORY_RESPONSE:
		jo_str(j, "service_uri", m->u.repository_response.service_uri);
		jo_str(j, "publisher_handle", m->u.repository_response.publisher_handle);
		jo_str(j, "sia_base", m->u.repository_response.sia_base);
		jo_str(j, "rrdp_notification_uri",
		    m->u.repository_response.rrdp_notification_uri);
		insp_der_cert_json(j, "repository_bpki_ta",
		    m->u.repository_response.repository_bpki_ta.p,
		    m->u.repository_response.repository_bpki_ta.len);
		break;
	default:
		break;
	}
}

/* Bare XML: an up-down message or an RFC 8183 document. */
static int
inspect_xml(const char *xml, size_t len, const struct inspect_opts *io, bool in_cms)
{
	struct ud_msg m;
	struct ud_error err;
	struct oob_msg o;
	char why[256], msg[512];
	int rc;

	if (io->show_xml && io->j == NULL)
		printf("%.*s\n", (int)len, xml);
	ud_msg_init(&m);
	rc = ud_decode(xml, len, &m, &err);
	if (rc == 0) {
		if (io->j != NULL) {
			if (!in_cms)
				jo_str(io->j, "kind", "updown-xml");
			if (io->show_xml)
				jo_strn(io->j, "xml", xml, len);
			jo_obj_begin(io->j, "message");
			insp_updown_json(io->j, &m, NULL, NULL);
			jo_obj_end(io->j);
		} else
			insp_updown_text(&m, NULL, NULL);
		ud_msg_free(&m);
		return 0;
	}
	ud_msg_free(&m);
	if (rc != UD_ERR_ROOT || in_cms) {
		snprintf(msg, sizeof(msg), "%s (%s); a server answers %s", ud_strerror(rc),
		    err.reason, err.status == UD_STATUS_HTTP_400 ? "HTTP 400" :
		    ud_status_text(err.status));
		return refused(io, in_cms ? NULL : "updown-xml", "RFC 6492: %s", msg);
	}
	oob_msg_init(&o);
	rc = oob_decode(xml, len, &o, why, sizeof(why));
	if (rc == 0) {
		if (io->j != NULL)
			json_oob(io->j, &o);
		else
			print_oob(&o);
	} else {
		snprintf(msg, sizeof(msg), "%s (%s)", oob_strerror(rc), why);
		refused(io, "xml", "neither RFC 6492 nor RFC 8183: %s", msg);
	}
	oob_msg_free(&o);
	return rc == 0 ? 0 : EXIT_REFUSED;
}

static int
parse_when(const char *at, const struct cms_msg *msg, time_t *when)
{
	if (at == NULL || strcmp(at, "now") == 0) {
		*when = time(NULL);
		return 0;
	}
	if (strcmp(at, "signing-time") == 0) {
		*when = msg->signing_time;
		return 0;
	}
	return ud_time_parse(at, strlen(at), when) == 0 ? 0 : -1;
}

/* An RFC 6492 message in CMS (proto/cms, lenient so that we can show it). */
static int
inspect_cms(const unsigned char *buf, size_t len, const struct inspect_opts *io)
{
	struct cms_opts opts = { 0 };
	struct cms_msg msg;
	struct cms_trust trust = { 0 };
	struct cms_der inter[INSPECT_MAX_INTER];
	unsigned char *ta = NULL, *ider[INSPECT_MAX_INTER] = { 0 };
	char subject[256];
	struct jo *j = io->j;
	time_t when;
	int rc, status = 0;

	/* Show what we can, and say which profile rules the message breaks. */
	opts.allow_unknown_attrs = true;
	opts.allow_no_crl = true;
	cms_msg_init(&msg);
	if ((rc = cms_decode(&msg, buf, len, &opts)) != 0)
		return refused(io, "updown-cms", "CMS: %s", cms_strerror(rc));
	mbedtls_x509_dn_gets(subject, sizeof(subject), &msg.ee.subject);
	if (j != NULL) {
		jo_str(j, "kind", "updown-cms");
		jo_str(j, "encoding", msg.ber ? "BER" : "DER");
		jo_time(j, "signing_time", msg.signing_time);
		jo_str(j, "ee_subject", subject);
		jo_hex(j, "ee_ski", msg.ski, msg.ski_len);
		jo_arr_begin(j, "profile_violations");
		if (msg.unknown_attrs)
			jo_str(j, NULL, "signed attributes outside RFC 6492 3.1.1.6.4");
		if (!msg.has_crl)
			jo_str(j, NULL, "no CRL (RFC 6492 3.1.1.5)");
		jo_arr_end(j);
	} else {
		printf("  CMS: %s, %zu bytes of XML\n", msg.ber ? "BER (not DER)" : "DER",
		    msg.xml_len);
		print_time("  signing-time: ", msg.signing_time);
		printf("  EE certificate: %s, SKI ", subject);
		print_hex(msg.ski, msg.ski_len);
		printf("\n");
		if (msg.unknown_attrs)
			printf("  PROFILE VIOLATION: signed attributes outside RFC 6492 3.1.1.6.4\n");
		if (!msg.has_crl)
			printf("  PROFILE VIOLATION: no CRL (RFC 6492 3.1.1.5)\n");
	}
	if (msg.unknown_attrs || !msg.has_crl)
		status = EXIT_REFUSED;
	rc = cms_check_signature(&msg);
	if (j != NULL)
		jo_str(j, "signature", rc == 0 ? "valid" : cms_strerror(rc));
	else
		printf("  signature: %s\n", rc == 0 ? "valid" : cms_strerror(rc));
	if (rc != 0)
		status = EXIT_REFUSED;
	if (io->ta != NULL) {
		if ((rc = ctl_read_der(io->ta, "CERTIFICATE", &ta, &trust.ta_len)) != 0) {
			status = rc;
			goto out;
		}
		trust.ta_der = ta;
		for (size_t i = 0; i < io->n_intermediates; i++) {
			if ((rc = ctl_read_der(io->intermediates[i], "CERTIFICATE", &ider[i],
			    &inter[i].len)) != 0) {
				status = rc;
				goto out;
			}
			inter[i].der = ider[i];
		}
		trust.intermediates = inter;
		trust.n_intermediates = io->n_intermediates;
		if (parse_when(io->at, &msg, &when) != 0) {
			fprintf(stderr, "updownctl: --at: want now, signing-time or YYYY-MM-DDThh:mm:ssZ\n");
			status = EXIT_USAGE;
			goto out;
		}
		rc = cms_verify(&msg, &trust, when);
		if (j != NULL) {
			jo_time(j, "verified_at", when);
			jo_str(j, "bpki_verification", rc == 0 ? "valid" : cms_strerror(rc));
		} else {
			print_time("  verified at: ", when);
			printf("  BPKI verification: %s\n", rc == 0 ? "valid" : cms_strerror(rc));
		}
		if (rc != 0)
			status = EXIT_REFUSED;
	} else if (j != NULL)
		jo_null(j, "bpki_verification");
	rc = inspect_xml((const char *)msg.xml, msg.xml_len, io, true);
	status = worse(status, rc);
out:
	free(ta);
	for (size_t i = 0; i < INSPECT_MAX_INTER; i++)
		free(ider[i]);
	cms_msg_free(&msg);
	return status;
}

/* The --ta certificate's SubjectPublicKeyInfo, to check a certificate or CRL with. */
static int
issuer_check(const struct inspect_opts *io, const unsigned char *alg, size_t alg_len,
             const unsigned char *tbs, size_t tbs_len, const unsigned char *sig,
             size_t sig_len, enum insp_sig *out)
{
	struct insp_cert ta;
	unsigned char *der = NULL;
	char why[INSP_WHY];
	size_t len;
	int rc;

	if (io->ta == NULL)
		return 0;
	if ((rc = ctl_read_der(io->ta, "CERTIFICATE", &der, &len)) != 0)
		return rc;
	if (insp_cert_decode(der, len, &ta, why) != 0) {
		fprintf(stderr, "updownctl: %s: %s\n", io->ta, why);
		insp_cert_free(&ta);
		free(der);
		return EXIT_REFUSED;
	}
	*out = insp_sig_check(ta.spki, ta.spki_len, alg, alg_len, tbs, tbs_len, sig, sig_len);
	insp_cert_free(&ta);
	free(der);
	return 0;
}

static int
inspect_cert(const unsigned char *der, size_t len, const struct inspect_opts *io)
{
	struct insp_cert c;
	enum insp_sig by_ta = INSP_SIG_UNCHECKED;
	char why[INSP_WHY];
	int rc;

	if (insp_cert_decode(der, len, &c, why) != 0) {
		insp_cert_free(&c);
		return refused(io, "certificate", "certificate: %s", why);
	}
	rc = issuer_check(io, c.sig_alg_oid, c.sig_alg_oid_len, c.tbs, c.tbs_len, c.sig,
	    c.sig_len, &by_ta);
	if (io->j != NULL) {
		jo_str(io->j, "kind", "certificate");
		insp_cert_json(io->j, "certificate", &c);
		jo_str(io->j, "signature_by_ta", by_ta == INSP_SIG_VALID ? "valid" :
		    by_ta == INSP_SIG_INVALID ? "invalid" : NULL);
	} else {
		insp_cert_text(&c, "  ");
		if (by_ta != INSP_SIG_UNCHECKED)
			printf("  signature (issuer from --ta): %s\n",
			    by_ta == INSP_SIG_VALID ? "valid" : "INVALID");
	}
	if (by_ta == INSP_SIG_INVALID || c.sig_status == INSP_SIG_INVALID)
		rc = worse(rc, EXIT_REFUSED);
	insp_cert_free(&c);
	return rc;
}

static int
inspect_crl(const unsigned char *der, size_t len, const struct inspect_opts *io)
{
	struct insp_crl c;
	char why[INSP_WHY];
	int rc;

	if (insp_crl_decode(der, len, &c, why) != 0) {
		insp_crl_free(&c);
		return refused(io, "crl", "CRL: %s", why);
	}
	rc = issuer_check(io, c.sig_alg_oid, c.sig_alg_oid_len, c.tbs, c.tbs_len, c.sig,
	    c.sig_len, &c.sig_status);
	if (io->j != NULL) {
		jo_str(io->j, "kind", "crl");
		insp_crl_json(io->j, "crl", &c);
	} else
		insp_crl_text(&c, "  ");
	if (c.sig_status == INSP_SIG_INVALID)
		rc = worse(rc, EXIT_REFUSED);
	insp_crl_free(&c);
	return rc;
}

static int
inspect_csr(const unsigned char *der, size_t len, const struct inspect_opts *io)
{
	struct csr_info ci;
	char h[48];
	int rc = csr_check(der, len, NULL, &ci);

	if (rc != 0)
		return refused(io, "pkcs10", "PKCS#10 (RFC 6487 section 6): %s", csr_strerror(rc));
	insp_hex(ci.ski, CSR_SKI_LEN, h, sizeof(h));
	if (io->j != NULL) {
		jo_str(io->j, "kind", "pkcs10");
		jo_str(io->j, "check", "ok");
		jo_hex(io->j, "key_sha1", ci.ski, CSR_SKI_LEN);
		jo_str(io->j, "ca_repository", ci.ca_repository);
		jo_str(io->j, "rpki_manifest", ci.rpki_manifest);
		jo_str(io->j, "rpki_notify", ci.rpki_notify);
	} else {
		printf("  PKCS#10 request: RFC 6487 section 6 profile ok, self-signature valid\n");
		printf("  key SHA-1: %s\n", h);
		printf("  SIA caRepository: %s\n  SIA rpkiManifest: %s\n", ci.ca_repository,
		    ci.rpki_manifest);
		if (ci.rpki_notify != NULL)
			printf("  SIA rpkiNotify: %s\n", ci.rpki_notify);
	}
	csr_info_free(&ci);
	return 0;
}

/* An RFC 6488 signed object; a manifest's eContent is decoded too. */
static int
inspect_sobj(struct insp_sobj *s, const struct inspect_opts *io)
{
	struct insp_mft m;
	char why[INSP_WHY];
	int rc = insp_sobj_ok(s) ? 0 : EXIT_REFUSED;

	if (io->j != NULL) {
		jo_str(io->j, "kind", insp_sobj_is_manifest(s) ? "manifest" : "signed-object");
		insp_sobj_json_fields(io->j, s);
	} else
		insp_sobj_text(s, "  ");
	if (!insp_sobj_is_manifest(s))
		return rc;
	if (insp_mft_decode(s->econtent, s->econtent_len, &m, why) != 0) {
		if (io->j != NULL)
			jo_str(io->j, "error", why);
		else
			printf("  REFUSED: manifest: %s\n", why);
		rc = EXIT_REFUSED;
	} else if (io->j != NULL)
		insp_mft_json_fields(io->j, &m);
	else
		insp_mft_text(&m, "  ");
	if (m.bad_names > 0)
		rc = EXIT_REFUSED;
	insp_mft_free(&m);
	return rc;
}

static int
inspect_tal(const unsigned char *buf, size_t len, const struct inspect_opts *io)
{
	struct insp_tal t;
	char why[INSP_WHY];

	if (insp_tal_decode(buf, len, &t, why) != 0) {
		insp_tal_free(&t);
		return refused(io, "tal", "TAL: %s", why);
	}
	if (io->j != NULL) {
		jo_str(io->j, "kind", "tal");
		insp_tal_json_fields(io->j, &t);
	} else
		insp_tal_text(&t, "  ");
	insp_tal_free(&t);
	return 0;
}

enum der_kind { DER_UNKNOWN, DER_CMS, DER_CERT, DER_CRL, DER_CSR };

/*
 * What a DER SEQUENCE holds, from its first elements: ContentInfo (OID
 * first), Certificate (TBS with [0] version, or v1 with Validity 4th),
 * CertificateList (TBS with a Time 4th, or starting with the algorithm),
 * CertificationRequest (INTEGER then a Name).
 */
static enum der_kind
der_kind(const unsigned char *buf, size_t len)
{
	unsigned char *p = (unsigned char *)buf, *end = p + len, *q, *tend;
	size_t l;

	if (len >= 2 && buf[0] == 0x30 && buf[1] == 0x80)
		return DER_CMS; /* indefinite length: only the BER of a CMS message */
	if (mbedtls_asn1_get_tag(&p, end, &l, MBEDTLS_ASN1_CONSTRUCTED |
	    MBEDTLS_ASN1_SEQUENCE) != 0 || p >= end)
		return DER_UNKNOWN;
	if (*p == MBEDTLS_ASN1_OID)
		return DER_CMS;
	if (mbedtls_asn1_get_tag(&p, end, &l, MBEDTLS_ASN1_CONSTRUCTED |
	    MBEDTLS_ASN1_SEQUENCE) != 0 || l == 0)
		return DER_UNKNOWN;
	tend = p + l;
	if (*p == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0))
		return DER_CERT;
	if (*p == (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
		return DER_CRL; /* v1 CRL: no version */
	if (*p != MBEDTLS_ASN1_INTEGER || mbedtls_asn1_get_tag(&p, tend, &l,
	    MBEDTLS_ASN1_INTEGER) != 0)
		return DER_UNKNOWN;
	p += l;
	q = p;
	if (mbedtls_asn1_get_tag(&q, tend, &l, MBEDTLS_ASN1_CONSTRUCTED |
	    MBEDTLS_ASN1_SEQUENCE) != 0)
		return DER_UNKNOWN;
	if (l == 0 || *q == (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET))
		return DER_CSR;
	/* INTEGER, AlgorithmIdentifier, Name, then a Time (CRL) or Validity (v1 cert). */
	p = q + l;
	if (mbedtls_asn1_get_tag(&p, tend, &l, MBEDTLS_ASN1_CONSTRUCTED |
	    MBEDTLS_ASN1_SEQUENCE) != 0 || (p += l) >= tend)
		return DER_UNKNOWN;
	if (*p == MBEDTLS_ASN1_UTC_TIME || *p == MBEDTLS_ASN1_GENERALIZED_TIME)
		return DER_CRL;
	return *p == (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) ? DER_CERT :
	    DER_UNKNOWN;
}

static int inspect_buf(const unsigned char *buf, size_t len, const struct inspect_opts *io,
                       int nest);

/* PEM: decode the first block and inspect its DER. */
static int
inspect_pem(const unsigned char *buf, size_t len, const struct inspect_opts *io, int nest)
{
	const char *b = (const char *)buf, *e;
	char label[64], header[96], footer[96];
	mbedtls_pem_context pem;
	unsigned char *copy;
	size_t used, n;
	int rc;

	e = memchr(b + 11, '-', len - 11);
	if (e == NULL || (n = (size_t)(e - (b + 11))) == 0 || n >= sizeof(label))
		return refused(io, "pem", "%s", "PEM without a readable label");
	memcpy(label, b + 11, n);
	label[n] = '\0';
	snprintf(header, sizeof(header), "-----BEGIN %s-----", label);
	snprintf(footer, sizeof(footer), "-----END %s-----", label);
	if ((copy = malloc(len + 1)) == NULL)
		return EXIT_IO;
	memcpy(copy, buf, len);
	copy[len] = '\0';
	mbedtls_pem_init(&pem);
	rc = mbedtls_pem_read_buffer(&pem, header, footer, copy, NULL, 0, &used);
	free(copy);
	if (rc != 0) {
		mbedtls_pem_free(&pem);
		return refused(io, "pem", "PEM block \"%s\" does not decode", label);
	}
	if (io->j == NULL)
		printf("  (PEM \"%s\")\n", label);
	rc = inspect_buf(pem.buf, pem.buflen, io, nest + 1);
	mbedtls_pem_free(&pem);
	return rc;
}

static int
inspect_der(const unsigned char *buf, size_t len, const struct inspect_opts *io)
{
	struct insp_sobj s;
	unsigned char *der = NULL;
	size_t der_len;
	char why[INSP_WHY];
	bool ber = false;
	int rc;

	switch (der_kind(buf, len)) {
	case DER_CMS:
		/*
		 * An RFC 6488 object, unless it is an RFC 6492 message (proto/cms
		 * reads those, BER included). Signed objects in BER (RIPE NCC's
		 * manifests) are shown after conversion to DER.
		 */
		if (insp_ber_to_der(buf, len, &der, &der_len, &ber) != 0 || !ber) {
			free(der);
			der = NULL;
		}
		rc = der != NULL ? insp_sobj_decode(der, der_len, &s, why) :
		    insp_sobj_decode(buf, len, &s, why);
		s.ber = ber;
		if (s.ctype_oid != NULL && !insp_sobj_is_updown(&s)) {
			if (rc == 0)
				rc = inspect_sobj(&s, io);
			else
				rc = refused(io, "signed-object", "RFC 6488 signed object: %s", why);
			insp_sobj_free(&s);
			free(der);
			return rc;
		}
		insp_sobj_free(&s);
		free(der);
		return inspect_cms(buf, len, io);
	case DER_CERT:
		return inspect_cert(buf, len, io);
	case DER_CRL:
		return inspect_crl(buf, len, io);
	case DER_CSR:
		return inspect_csr(buf, len, io);
	default:
		return refused(io, "der", "%s", "a DER structure of no kind the inspector knows");
	}
}

static int
inspect_buf(const unsigned char *buf, size_t len, const struct inspect_opts *io, int nest)
{
	unsigned char *bin = NULL;
	size_t binlen = 0, skip = 0;
	int rc;

	while (skip < len && (buf[skip] == ' ' || buf[skip] == '\n' ||
	    buf[skip] == '\r' || buf[skip] == '\t'))
		skip++;
	if (skip < len && buf[skip] == '<')
		return inspect_xml((const char *)buf, len, io, false);
	if (len > 0 && buf[0] == 0x30)
		return inspect_der(buf, len, io);
	if (nest < INSPECT_MAX_NEST && len - skip > 11 &&
	    memcmp(buf + skip, "-----BEGIN ", 11) == 0)
		return inspect_pem(buf + skip, len - skip, io, nest);
	if (insp_tal_sniff(buf, len))
		return inspect_tal(buf, len, io);
	if (insp_xlog_sniff(buf, len))
		return insp_xlog(buf, len, io->j);
	if (nest < INSPECT_MAX_NEST &&
	    mbedtls_base64_decode(NULL, 0, &binlen, buf, len) ==
	    MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL && (bin = malloc(binlen)) != NULL &&
	    mbedtls_base64_decode(bin, binlen, &binlen, buf, len) == 0) {
		if (io->j != NULL)
			jo_bool(io->j, "base64", true);
		else
			printf("  (base64 text)\n");
		rc = inspect_buf(bin, binlen, io, nest + 1);
		free(bin);
		return rc;
	}
	free(bin);
	return refused(io, "unknown", "%s", "neither XML, DER, PEM, a TAL, nor base64 of DER");
}

/* Is path an SQLite database (a store), or a directory holding updown.db? */
static bool
is_store(const char *path)
{
	static const char magic[16] = "SQLite format 3";
	char head[16], db[4096];
	struct stat st;
	FILE *f;
	bool yes = false;

	if (stat(path, &st) != 0)
		return false;
	if (S_ISDIR(st.st_mode)) {
		snprintf(db, sizeof(db), "%s/updown.db", path);
		return stat(db, &st) == 0 && S_ISREG(st.st_mode);
	}
	if ((f = fopen(path, "rb")) == NULL)
		return false;
	yes = fread(head, 1, sizeof(head), f) == sizeof(head) &&
	    memcmp(head, magic, sizeof(magic)) == 0;
	fclose(f);
	return yes;
}

static int
inspect_path(const char *path, const struct inspect_opts *io)
{
	unsigned char *buf = NULL;
	size_t len;
	int rc;

	if (is_store(path)) {
		if (io->j != NULL)
			return insp_audit(path, io->j);
		return insp_audit(path, NULL);
	}
	if ((rc = ctl_read_file(path, &buf, &len)) != 0) {
		if (io->j != NULL)
			jo_str(io->j, "error", "unreadable");
		return rc;
	}
	rc = inspect_buf(buf, len, io, 0);
	free(buf);
	return rc;
}

int
cmd_inspect(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ta", required_argument, NULL, 't' },
		{ "intermediate", required_argument, NULL, 'i' },
		{ "at", required_argument, NULL, 'a' },
		{ "xml", no_argument, NULL, 'x' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct inspect_opts io = { 0 };
	struct jo jo;
	int c, json = 0, worst = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 't': io.ta = optarg; break;
		case 'a': io.at = optarg; break;
		case 'x': io.show_xml = 1; break;
		case 'j': json = 1; break;
		case 'i':
			if (io.n_intermediates == INSPECT_MAX_INTER)
				return ctl_usage();
			io.intermediates[io.n_intermediates++] = optarg;
			break;
		default: return ctl_usage();
		}
	}
	if (optind >= argc)
		return ctl_usage();
	if (json) {
		jo_init(&jo, stdout);
		io.j = &jo;
		jo_arr_begin(&jo, NULL);
	}
	for (int i = optind; i < argc; i++) {
		if (json) {
			jo_obj_begin(&jo, NULL);
			jo_str(&jo, "file", argv[i]);
		} else
			printf("%s:\n", argv[i]);
		worst = worse(worst, inspect_path(argv[i], &io));
		if (json)
			jo_obj_end(&jo);
	}
	if (json) {
		jo_arr_end(&jo);
		jo_finish(&jo);
	}
	return worst;
}
