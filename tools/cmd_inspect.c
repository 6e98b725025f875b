/*
 * updownctl inspect: decode and print RFC 6492 messages (CMS in DER, BER or
 * base64, or bare XML) and RFC 8183 documents; check the CMS profile and
 * signature; with --ta, verify the BPKI path and CRL.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/base64.h>

#include "proto/cms.h"
#include "proto/oob.h"
#include "proto/res.h"
#include "proto/updown.h"
#include "updownctl.h"

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

static void
print_set(const char *indent, const char *name, const struct res_set *set)
{
	char *text = NULL;

	if (res_set_print(set, &text) == 0)
		printf("%s%s: \"%s\"\n", indent, name, text);
	free(text);
}

static void
print_opt_set(const char *indent, const char *name, const struct ud_opt_set *o)
{
	if (o->present)
		print_set(indent, name, &o->set);
}

/* A readable rendering of an RFC 6492 message. */
static void
print_updown(const struct ud_msg *m)
{
	printf("  up-down message: type %s, sender \"%s\", recipient \"%s\"\n",
	    ud_type_name(m->type), m->sender, m->recipient);
	for (size_t i = 0; i < m->nclasses; i++) {
		const struct ud_class *c = &m->classes[i];

		printf("  class \"%s\"\n", c->class_name);
		printf("    cert_url: %s\n", c->cert_url);
		print_set("    ", "resource_set_as", &c->resource_set_as);
		print_set("    ", "resource_set_ipv4", &c->resource_set_ipv4);
		print_set("    ", "resource_set_ipv6", &c->resource_set_ipv6);
		print_time("    resource_set_notafter: ", c->resource_set_notafter);
		if (c->suggested_sia_head != NULL)
			printf("    suggested_sia_head: %s\n", c->suggested_sia_head);
		for (size_t j = 0; j < c->ncerts; j++) {
			const struct ud_cert *ct = &c->certs[j];

			printf("    certificate %zu: %zu bytes, cert_url %s\n", j,
			    ct->der_len, ct->cert_url);
			print_opt_set("      ", "req_resource_set_as", &ct->req.as);
			print_opt_set("      ", "req_resource_set_ipv4", &ct->req.ipv4);
			print_opt_set("      ", "req_resource_set_ipv6", &ct->req.ipv6);
		}
		printf("    issuer: %zu bytes\n", c->issuer_len);
	}
	switch (m->type) {
	case UD_ISSUE:
		printf("  request: class \"%s\", PKCS#10 of %zu bytes\n",
		    m->issue.class_name, m->issue.csr_len);
		print_opt_set("    ", "req_resource_set_as", &m->issue.req.as);
		print_opt_set("    ", "req_resource_set_ipv4", &m->issue.req.ipv4);
		print_opt_set("    ", "req_resource_set_ipv6", &m->issue.req.ipv6);
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
print_ta(const char *name, const struct oob_der *d)
{
	printf("  %s: certificate of %zu bytes\n", name, d->len);
}

static void
print_oob(const struct oob_msg *m)
{
	static const char *types[] = { "?", "child_request", "parent_response",
		"publisher_request", "repository_response", "error" };

	printf("  RFC 8183 %s%s%s\n", types[m->type],
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

/* Bare XML: an up-down message or an RFC 8183 document. */
static int
inspect_xml(const char *xml, size_t len, int show_xml)
{
	struct ud_msg m;
	struct ud_error err;
	struct oob_msg o;
	char why[256];
	int rc;

	if (show_xml)
		printf("%.*s\n", (int)len, xml);
	ud_msg_init(&m);
	rc = ud_decode(xml, len, &m, &err);
	if (rc == 0) {
		print_updown(&m);
		ud_msg_free(&m);
		return 0;
	}
	ud_msg_free(&m);
	if (rc != UD_ERR_ROOT) {
		printf("  REFUSED: %s (%s); a server answers %s\n", ud_strerror(rc),
		    err.reason, err.status == UD_STATUS_HTTP_400 ? "HTTP 400" :
		    ud_status_text(err.status));
		return EXIT_REFUSED;
	}
	oob_msg_init(&o);
	rc = oob_decode(xml, len, &o, why, sizeof(why));
	if (rc == 0)
		print_oob(&o);
	else
		printf("  REFUSED: neither RFC 6492 nor RFC 8183: %s (%s)\n",
		    oob_strerror(rc), why);
	oob_msg_free(&o);
	return rc == 0 ? 0 : EXIT_REFUSED;
}

struct inspect_opts {
	const char *ta;
	const char *intermediates[8];
	size_t n_intermediates;
	const char *at;           /* NULL = now */
	int show_xml;
};

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

static int
inspect_cms(const unsigned char *buf, size_t len, const struct inspect_opts *io)
{
	struct cms_opts opts = { 0 };
	struct cms_msg msg;
	struct cms_trust trust = { 0 };
	struct cms_der inter[8];
	unsigned char *ta = NULL, *ider[8] = { 0 };
	char subject[256];
	time_t when;
	int rc, status = 0;

	/* Show what we can, and say which profile rules the message breaks. */
	opts.allow_unknown_attrs = true;
	opts.allow_no_crl = true;
	cms_msg_init(&msg);
	if ((rc = cms_decode(&msg, buf, len, &opts)) != 0) {
		printf("  REFUSED: CMS: %s\n", cms_strerror(rc));
		return EXIT_REFUSED;
	}
	mbedtls_x509_dn_gets(subject, sizeof(subject), &msg.ee.subject);
	printf("  CMS: %s, %zu bytes of XML\n", msg.ber ? "BER (not DER)" : "DER", msg.xml_len);
	print_time("  signing-time: ", msg.signing_time);
	printf("  EE certificate: %s, SKI ", subject);
	print_hex(msg.ski, msg.ski_len);
	printf("\n");
	if (msg.unknown_attrs) {
		printf("  PROFILE VIOLATION: signed attributes outside RFC 6492 3.1.1.6.4\n");
		status = EXIT_REFUSED;
	}
	if (!msg.has_crl) {
		printf("  PROFILE VIOLATION: no CRL (RFC 6492 3.1.1.5)\n");
		status = EXIT_REFUSED;
	}
	rc = cms_check_signature(&msg);
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
		print_time("  verified at: ", when);
		printf("  BPKI verification: %s\n", rc == 0 ? "valid" : cms_strerror(rc));
		if (rc != 0)
			status = EXIT_REFUSED;
	}
	rc = inspect_xml((const char *)msg.xml, msg.xml_len, io->show_xml);
	if (rc != 0)
		status = rc;
out:
	free(ta);
	for (size_t i = 0; i < 8; i++)
		free(ider[i]);
	cms_msg_free(&msg);
	return status;
}

int
cmd_inspect(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ta", required_argument, NULL, 't' },
		{ "intermediate", required_argument, NULL, 'i' },
		{ "at", required_argument, NULL, 'a' },
		{ "xml", no_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	struct inspect_opts io = { 0 };
	int c, worst = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 't': io.ta = optarg; break;
		case 'a': io.at = optarg; break;
		case 'x': io.show_xml = 1; break;
		case 'i':
			if (io.n_intermediates == 8)
				return ctl_usage();
			io.intermediates[io.n_intermediates++] = optarg;
			break;
		default: return ctl_usage();
		}
	}
	if (optind >= argc)
		return ctl_usage();
	for (int i = optind; i < argc; i++) {
		unsigned char *buf = NULL, *bin = NULL;
		size_t len, binlen = 0, skip = 0;
		int rc;

		printf("%s:\n", argv[i]);
		if ((rc = ctl_read_file(argv[i], &buf, &len)) != 0) {
			worst = worst > rc ? worst : rc;
			continue;
		}
		while (skip < len && (buf[skip] == ' ' || buf[skip] == '\n' ||
		    buf[skip] == '\r' || buf[skip] == '\t'))
			skip++;
		if (skip < len && buf[skip] == '<') {
			rc = inspect_xml((const char *)buf, len, 0);
		} else if (len > 0 && buf[0] == 0x30) {
			rc = inspect_cms(buf, len, &io);
		} else if (mbedtls_base64_decode(NULL, 0, &binlen, buf, len) ==
		    MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL && (bin = malloc(binlen)) != NULL &&
		    mbedtls_base64_decode(bin, binlen, &binlen, buf, len) == 0) {
			printf("  (base64 text of a CMS message)\n");
			rc = inspect_cms(bin, binlen, &io);
		} else {
			printf("  REFUSED: neither XML, nor CMS, nor base64 of CMS\n");
			rc = EXIT_REFUSED;
		}
		free(bin);
		free(buf);
		worst = worst > rc ? worst : rc;
	}
	return worst;
}

