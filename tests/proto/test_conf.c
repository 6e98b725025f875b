/*
 * proto/conf: the appliance configuration file (docs/configuration.md).
 *
 * Data-driven: refused texts with the exact error code, line and message
 * fragment (each rule of the document); accepted variants (comments, CRLF,
 * BOM, TABs, units) that must equal the base; the full sample with every
 * setting, its field values and round trip parse(print(c)) == c with print
 * a fixed point; defaults; every truncation of the sample from an exactly
 * sized buffer; conf_check/conf_print on configurations built in memory;
 * conf_ready (upstream import pending); path helpers; operator key files
 * (certificate and SPKI, DER and PEM; too small, trailing bytes, garbage).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/x509_crt.h>

#include "proto/conf.h"

#ifndef CONF_SAMPLES
#error "CONF_SAMPLES (the tests/proto/conf directory) must be defined"
#endif

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f;
	long n;
	unsigned char *buf;

	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static char *
sample(const char *name, size_t *len)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", CONF_SAMPLES, name);
	return (char *)slurp(path, len);
}

static char *
interop(const char *rel, size_t *len)
{
	const char *d = getenv("UPDOWN_TESTDATA");
	char path[1024];

	assert_non_null(d);
	snprintf(path, sizeof(path), "%s/interop/%s", d, rel);
	return (char *)slurp(path, len);
}

/* Parse from an exactly sized heap copy, so ASan sees any overread. */
static int
parse_exact(const char *text, size_t len, struct conf *c, struct conf_error *err)
{
	char *buf = malloc(len > 0 ? len : 1);
	int rc;

	assert_non_null(buf);
	memcpy(buf, text, len);
	rc = conf_parse(buf, len, "updown.conf", c, err);
	free(buf);
	return rc;
}

/* An empty configuration: what conf_parse leaves after a failure. */
static void
assert_empty(const struct conf *c)
{
	struct conf z;

	conf_init(&z);
	assert_null(c->source);
	assert_null(c->handle);
	assert_null(c->classes);
	assert_int_equal(c->nclasses, 0);
	assert_null(c->prov.operators);
	assert_true(conf_equal(c, &z));
}

static const char base_text[] =
	"[appliance]\n"                                                     /* 1 */
	"handle = p\n"                                                      /* 2 */
	"state_dir = state\n"                                               /* 3 */
	"service_uri_base = https://ca.example.net/rpki/\n"                 /* 4 */
	"[hsm]\n"                                                           /* 5 */
	"module = /usr/lib/softhsm/libsofthsm2.so\n"                        /* 6 */
	"token_uri = pkcs11:token=updown?pin-source=file:/etc/updown/pin\n" /* 7 */
	"[bpki]\n"                                                          /* 8 */
	"ta_cert = bpki-ta.cer\n"                                           /* 9 */
	"ta_key = bpki-ta\n"                                                /* 10 */
	"ee_cert = bpki-ee.cer\n"                                           /* 11 */
	"ee_key = bpki-ee\n"                                                /* 12 */
	"crl = bpki.crl\n"                                                  /* 13 */
	"[class DEFAULT]\n"                                                 /* 14 */
	"cert = ca.cer\n"                                                   /* 15 */
	"key = ca\n"                                                        /* 16 */
	"cert_uri = rsync://ca.example.net/repo/ta.cer\n"                   /* 17 */
	"pub_root = repository\n";                                          /* 18 */

/* base_text with the first occurrence of old replaced by new_ (old "" = append). */
static char *
edit(const char *old, const char *new_)
{
	size_t bl = strlen(base_text), nl = strlen(new_), ol = strlen(old);
	const char *at = ol > 0 ? strstr(base_text, old) : base_text + bl;
	char *s;

	assert_non_null(at);
	s = malloc(bl - ol + nl + 1);
	assert_non_null(s);
	memcpy(s, base_text, (size_t)(at - base_text));
	memcpy(s + (at - base_text), new_, nl);
	strcpy(s + (at - base_text) + nl, at + ol);
	return s;
}

/* ---- refused ---- */

struct bad {
	const char *old, *new_;
	int code;
	unsigned long line;
	const char *msg;         /* fragment of the message */
};

static const struct bad bad_cases[] = {
	/* [appliance] */
	{ "handle = p\n", "handle = bad handle!\n", CONF_ERR_VALUE, 2, "[appliance] handle: handle is not [-_A-Za-z0-9/]{1,255} (RFC 8183, UD-154)" },
	{ "handle = p\n", "handle = a#b\n", CONF_ERR_VALUE, 2, "handle is not" },
	{ "handle = p\n", "", CONF_ERR_MISSING, 1, "updown.conf:1: [appliance]: handle is missing" },
	{ "handle = p\n", "handle = p\nhandle = q\n", CONF_ERR_KEY, 3, "[appliance] handle: given again (first at line 2)" },
	{ "handle = p\n", "handle =\n", CONF_ERR_VALUE, 2, "empty value" },
	{ "handle = p\n", "handle = \t \n", CONF_ERR_VALUE, 2, "empty value" },
	{ "https://ca.example.net/rpki/", "https://ca.example.net/rpki", CONF_ERR_VALUE, 4, "must end with '/'" },
	{ "https://ca.example.net/rpki/", "ftp://ca.example.net/rpki/", CONF_ERR_VALUE, 4, "not an http:// or https:// URI" },
	{ "https://ca.example.net/rpki/", "https:///rpki/", CONF_ERR_VALUE, 4, "not an http:// or https:// URI" },
	{ "https://ca.example.net/rpki/", "https://ca.example.net/rpki/?c=", CONF_ERR_VALUE, 4, "query or fragment" },
	{ "https://ca.example.net/rpki/", "https://ca.example.net/r?/", CONF_ERR_VALUE, 4, "query or fragment" },
	{ "https://ca.example.net/rpki/", "https://u@ca.example.net/", CONF_ERR_VALUE, 4, "not an http" },
	{ "[appliance]\n", "handle = x\n[appliance]\n", CONF_ERR_SECTION, 1, "'handle' before the first [section]" },
	{ "[appliance]\n", "[appliance x]\n", CONF_ERR_SYNTAX, 1, "expected [appliance]" },
	{ "[appliance]\n", "[appliance\n", CONF_ERR_SYNTAX, 1, "without its closing ']'" },
	/* [hsm] */
	{ "[hsm]\n", "[hsmm]\n", CONF_ERR_SECTION, 5, "unknown section [hsmm]" },
	{ "module = ", "modul = ", CONF_ERR_KEY, 6, "[hsm] modul: unknown key" },
	{ "?pin-source=file:/etc/updown/pin", "?pin-value=1234", CONF_ERR_PIN, 7, "pin-value puts the PIN in the file" },
	{ "?pin-source=file:/etc/updown/pin", ";pin-value=1234", CONF_ERR_PIN, 7, "pin-value" },
	{ "?pin-source=file:/etc/updown/pin", "?pin-source=http://x", CONF_ERR_PIN, 7, "pin-source must be file:PATH or env:NAME" },
	{ "pkcs11:token=updown?", "pkcs11:token=up down?", CONF_ERR_VALUE, 7, "blank" },
	{ "token_uri = pkcs11:", "token_uri = p11:", CONF_ERR_VALUE, 7, "not a pkcs11: URI" },
	{ "[bpki]\n", "mechanism = sha1\n[bpki]\n", CONF_ERR_VALUE, 8, "'sha1' is not sha256-rsa-pkcs or rsa-pkcs-host-hash" },
	{ "[bpki]\n", "key_private = maybe\n[bpki]\n", CONF_ERR_VALUE, 8, "'maybe' is not yes or no" },
	{ "[bpki]\n", "mechanism = sha256-rsa-pkcs\nmechanism = sha256-rsa-pkcs\n[bpki]\n", CONF_ERR_KEY, 9, "given again" },
	/* [bpki] */
	{ "ee_key = bpki-ee", "ee_key = pkcs11:object=ee?pin-value=1", CONF_ERR_PIN, 12, "pin-value" },
	{ "ee_key = bpki-ee", "ee_key = 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789", CONF_ERR_VALUE, 12, "key label longer than 128 bytes" },
	{ "crl = bpki.crl\n", "", CONF_ERR_MISSING, 8, "[bpki]: crl is missing" },
	{ "", "[bpki]\n", CONF_ERR_SECTION, 19, "[bpki] given again (first at line 8)" },
	/* [class] */
	{ "[class DEFAULT]\n", "[class]\n", CONF_ERR_SYNTAX, 14, "expected [class NAME]" },
	{ "[class DEFAULT]\n", "[class DEF]AULT]\n", CONF_ERR_VALUE, 14, "class name 'DEF]AULT'" },
	{ "[class DEFAULT]\n", "[class A B]\n", CONF_ERR_VALUE, 14, "class name 'A B'" },
	{ "[class DEFAULT]\n", "[class #x]\n", CONF_ERR_SYNTAX, 14, "without its closing ']'" },
	{ "[class DEFAULT]\n", "[class x\\]\n", CONF_ERR_VALUE, 14, "class name 'x\\'" },
	{ "cert_uri = rsync://ca.example.net/repo/ta.cer", "cert_uri = https://ca.example.net/repo/ta.cer", CONF_ERR_VALUE, 17, "not an rsync:// URI" },
	{ "cert_uri = rsync://ca.example.net/repo/ta.cer", "cert_uri = rsync://ca.example.net/repo/", CONF_ERR_VALUE, 17, "not rsync://HOST/MODULE/FILE" },
	{ "cert_uri = rsync://ca.example.net/repo/ta.cer", "cert_uri = rsync://ca.example.net/ta.cer", CONF_ERR_VALUE, 17, "not rsync://HOST/MODULE/FILE" },
	{ "pub_root = repository\n", "pub_root = repository\ncrl_name = x.pem\n", CONF_ERR_VALUE, 19, "not a file name ending in .crl" },
	{ "pub_root = repository\n", "pub_root = repository\ncrl_name = a/b.crl\n", CONF_ERR_VALUE, 19, "[A-Za-z0-9._-]" },
	{ "pub_root = repository\n", "", CONF_ERR_MISSING, 14, "[class DEFAULT]: pub_root is missing" },
	{ "pub_root = repository\n", "pub_root = r\npub_root = s\n", CONF_ERR_KEY, 19, "[class DEFAULT] pub_root: given again" },
	{ "", "[class DEFAULT]\ncert = a\nkey = b\npub_root = c\n", CONF_ERR_SECTION, 19, "[class DEFAULT] given again (first at line 14)" },
	{ "[class DEFAULT]\ncert = ca.cer\nkey = ca\ncert_uri = rsync://ca.example.net/repo/ta.cer\npub_root = repository\n", "", CONF_ERR_MISSING, 0, "updown.conf: no [class NAME] section" },
	{ "[bpki]\nta_cert = bpki-ta.cer\nta_key = bpki-ta\nee_cert = bpki-ee.cer\nee_key = bpki-ee\ncrl = bpki.crl\n", "", CONF_ERR_MISSING, 0, "no [bpki] section" },
	/* [network] */
	{ "", "[network]\naddress = 192.0.2.1/33\n", CONF_ERR_VALUE, 20, "is not an IPv4 a.b.c.d/len" },
	{ "", "[network]\naddress = 192.0.2.1/0\n", CONF_ERR_VALUE, 20, "prefix length outside 1..32" },
	{ "", "[network]\naddress = 192.0.2.256/24\n", CONF_ERR_VALUE, 20, "a.b.c.d/len" },
	{ "", "[network]\naddress = 192.0.02.1/24\n", CONF_ERR_VALUE, 20, "a.b.c.d/len" },
	{ "", "[network]\naddress = 192.0.2/24\n", CONF_ERR_VALUE, 20, "a.b.c.d/len" },
	{ "", "[network]\naddress = 192.0.2.1/24\ngateway = 198.51.100.1\n", CONF_ERR_VALUE, 21, "[network] gateway: not another address on the appliance's subnet" },
	{ "", "[network]\naddress = 192.0.2.1/24\ngateway = 192.0.2.1\n", CONF_ERR_VALUE, 21, "gateway" },
	{ "", "[network]\ngateway = 192.0.2\n", CONF_ERR_VALUE, 20, "is not an IPv4 a.b.c.d" },
	{ "", "[network]\nmac = 52:54:00:12:34\n", CONF_ERR_VALUE, 20, "is not a MAC" },
	{ "", "[network]\nmac = 52-54-00-12-34-56\n", CONF_ERR_VALUE, 20, "is not a MAC" },
	{ "", "[network]\nmtu = 100\n", CONF_ERR_VALUE, 20, "MTU must be 0" },
	{ "", "[network]\nhttp_port = 0\n", CONF_ERR_VALUE, 20, "out of range: 0 not in 1..65535" },
	{ "", "[network]\nhttp_port = 65536\n", CONF_ERR_VALUE, 20, "65536 not in 1..65535" },
	{ "", "[network]\nhttp_port = 080\n", CONF_ERR_VALUE, 20, "'080' is not a number" },
	{ "", "[network]\nhttp_port = -1\n", CONF_ERR_VALUE, 20, "is not a number" },
	{ "", "[network]\nhttp_port = 99999999999999999999999\n", CONF_ERR_VALUE, 20, "is not a number" },
	{ "", "[network]\nmax_request = 1G\n", CONF_ERR_VALUE, 20, "of bytes (suffix k or M)" },
	{ "", "[network]\nmax_request = 65M\n", CONF_ERR_VALUE, 20, "out of range" },
	{ "", "[network]\nidle_timeout = 2h\n", CONF_ERR_VALUE, 20, "7200 not in 1..3600" },
	{ "", "[network]\nidle_timeout = 5w\n", CONF_ERR_VALUE, 20, "of seconds (suffix s, m, h or d)" },
	{ "", "[network]\nworkers = 0\n", CONF_ERR_VALUE, 20, "out of range" },
	/* [provisioning] */
	{ "", "[provisioning]\nthreshold = 2\n", CONF_ERR_VALUE, 20, "threshold: 2, but only 0 operator keys are registered" },
	{ "", "[provisioning]\noperator = a.pem\noperator = b.pem\nthreshold = 3\n", CONF_ERR_VALUE, 22, "only 2 operator keys" },
	{ "", "[provisioning]\nthreshold = 0\n", CONF_ERR_VALUE, 20, "out of range" },
	{ "", "[provisioning]\noperator = a.pem\noperator = a.pem\n", CONF_ERR_VALUE, 21, "the same operator file twice" },
	{ "", "[provisioning]\npath = provision\n", CONF_ERR_VALUE, 20, "not an absolute HTTP path" },
	{ "", "[provisioning]\npath = /p?x\n", CONF_ERR_VALUE, 20, "without query or fragment" },
	/* [policy] */
	{ "", "[policy]\nbrake_max_share = 0%\n", CONF_ERR_VALUE, 20, "out of range: 0 not in 1..1000000" },
	{ "", "[policy]\nbrake_max_share = 150%\n", CONF_ERR_VALUE, 20, "out of range" },
	{ "", "[policy]\nbrake_max_share = 0.1234567\n", CONF_ERR_VALUE, 20, "is not a share" },
	{ "", "[policy]\nbrake_max_share = 10.12345%\n", CONF_ERR_VALUE, 20, "is not a share" },
	{ "", "[policy]\nbrake_max_share = .5\n", CONF_ERR_VALUE, 20, "is not a share" },
	{ "", "[policy]\nbrake_max_share = 1.\n", CONF_ERR_VALUE, 20, "is not a share" },
	{ "", "[policy]\nbrake_max_count = 0\n", CONF_ERR_VALUE, 20, "out of range" },
	{ "", "[policy]\nbrake_floor = off\n", CONF_ERR_VALUE, 20, "is not a number" },
	{ "", "[policy]\ncrl_validity = 1h\ncrl_refresh = 2h\n", CONF_ERR_VALUE, 21, "crl_refresh: must be less than crl_validity" },
	{ "", "[policy]\ncrl_validity = 5m\n", CONF_ERR_VALUE, 20, "300 not in 600..31536000" },
	{ "", "[policy]\nmax_skew = 0\n", CONF_ERR_VALUE, 20, "out of range" },
	{ "", "[policy]\nmanifest_keys = disk\n", CONF_ERR_VALUE, 20, "is not software or hsm" },
	{ "", "[policy]\nverify_replies = 1\n", CONF_ERR_VALUE, 20, "is not yes or no" },
	{ "", "[policy]\nVerify_replies = yes\n", CONF_ERR_SYNTAX, 20, "expected 'key = value'" },
	{ "", "[policy]\njust some words\n", CONF_ERR_SYNTAX, 20, "expected 'key = value'" },
	{ "", "[policy]\n= yes\n", CONF_ERR_SYNTAX, 20, "expected 'key = value'" },
	{ "", "[foo]\n", CONF_ERR_SECTION, 19, "unknown section [foo]" },
	/* bytes */
	{ "state_dir = state", "state_dir = st\001ate", CONF_ERR_ENCODING, 3, "at column 15" },
	{ "state_dir = state", "state_dir = st\x7f" "ate", CONF_ERR_ENCODING, 3, "at column 15" },
	{ "state_dir = state", "state_dir = st\xc3\x28" "ate", CONF_ERR_ENCODING, 3, "at column 15" },
	{ "state_dir = state", "state_dir = st\xc0\xafte", CONF_ERR_ENCODING, 3, "invalid UTF-8" },
	{ "state_dir = state", "state_dir = st\xed\xa0\x80te", CONF_ERR_ENCODING, 3, "invalid UTF-8" },
	{ "state_dir = state", "state_dir = st\xc2\x85te", CONF_ERR_ENCODING, 3, "control character" },
};

static void
test_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad *b = &bad_cases[i];
		struct conf c;
		struct conf_error err;
		char *text;
		int rc;

		text = edit(b->old, b->new_);
		rc = parse_exact(text, strlen(text), &c, &err);
		if (rc != b->code || err.line != b->line || strstr(err.msg, b->msg) == NULL)
			fail_msg("case %zu: got %d line %lu '%s', want %d line %lu '%s'", i, rc,
			    err.line, err.msg, b->code, b->line, b->msg);
		assert_int_equal(err.code, rc);
		assert_empty(&c);
		assert_non_null(conf_strerror(rc));
		free(text);
	}
}

/* Hostile sizes: a long line, many classes, many operators, a NUL, a huge file. */
static void
test_limits(void **state)
{
	struct conf c;
	struct conf_error err;
	char *text, *p;
	size_t n, i;

	(void)state;
	/* a 5000-byte line */
	text = malloc(sizeof(base_text) + 6000);
	assert_non_null(text);
	strcpy(text, base_text);
	strcat(text, "[policy]\n# ");
	n = strlen(text);
	memset(text + n, 'x', 5000);
	strcpy(text + n + 5000, "\n");
	assert_int_equal(parse_exact(text, strlen(text), &c, &err), CONF_ERR_LIMIT);
	assert_int_equal(err.line, 20);
	assert_non_null(strstr(err.msg, "line longer than 4096 bytes"));
	free(text);

	/* 65 classes */
	text = malloc(sizeof(base_text) + 65 * 80);
	assert_non_null(text);
	strcpy(text, base_text);
	for (i = 1; i <= 64; i++) {
		p = text + strlen(text);
		sprintf(p, "[class C%zu]\ncert = c\nkey = k\npub_root = r\n", i);
	}
	assert_int_equal(parse_exact(text, strlen(text), &c, &err), CONF_ERR_LIMIT);
	assert_non_null(strstr(err.msg, "more than 64 classes"));
	free(text);

	/* 65 operators */
	text = malloc(sizeof(base_text) + 65 * 40 + 32);
	assert_non_null(text);
	strcpy(text, base_text);
	strcat(text, "[provisioning]\n");
	for (i = 0; i < 65; i++) {
		p = text + strlen(text);
		sprintf(p, "operator = op%zu.der\n", i);
	}
	assert_int_equal(parse_exact(text, strlen(text), &c, &err), CONF_ERR_LIMIT);
	assert_int_equal(err.line, 20 + 64);
	assert_non_null(strstr(err.msg, "more than 64 operators"));
	free(text);

	/* a NUL inside a line */
	text = edit("state_dir = state", "state_dir = st#te");
	p = strchr(text, '#');
	*p = '\0';
	assert_int_equal(parse_exact(text, strlen(base_text), &c, &err), CONF_ERR_ENCODING);
	assert_non_null(strstr(err.msg, "updown.conf:3: NUL"));
	free(text);

	/* over the size limit: refused before anything is read */
	assert_int_equal(conf_parse(base_text, CONF_MAX_TEXT + 1, "updown.conf", &c, &err),
	    CONF_ERR_LIMIT);
	assert_empty(&c);
	/* no text */
	assert_int_equal(conf_parse(NULL, 10, NULL, &c, &err), CONF_ERR_ARG);
	assert_int_equal(conf_parse(NULL, 0, NULL, &c, &err), CONF_ERR_MISSING);
	assert_non_null(strstr(err.msg, "<input>: no [appliance] section"));
	assert_int_equal(conf_parse(base_text, 1, NULL, NULL, NULL), CONF_ERR_ARG);
}

/* ---- accepted ---- */

struct good {
	const char *old, *new_;
};

/* Variants that must parse to exactly the base configuration. */
static const struct good same_cases[] = {
	{ "handle = p\n", "handle = p   # our handle\n" },
	{ "handle = p\n", "  handle\t=\tp\t\n" },
	{ "handle = p\n", "handle=p\n" },
	{ "[hsm]\n", "\n# a comment line\n   # another\n[hsm]\n" },
	{ "[hsm]\n", "[ hsm ]\n" },
	{ "[class DEFAULT]\n", "[class   DEFAULT]   # the class\n" },
	{ "", "[network]\n[provisioning]\n[policy]\n" },
	{ "", "[network]\nhttp_port = 80\nmax_request = 1024k\nidle_timeout = 30\n" },
	{ "", "[policy]\nmax_skew = 300s\ncrl_validity = 86400\nbrake_max_share = 0.1\n" },
	{ "", "[policy]\nbrake_max_share = 10.0%\nverify_replies = true\ncms_der_only = off\n" },
	{ "", "[provisioning]\nthreshold = 1\npath = /provision\n" },
};

static void
test_same(void **state)
{
	struct conf ref, c;
	struct conf_error err;

	(void)state;
	assert_int_equal(parse_exact(base_text, strlen(base_text), &ref, &err), 0);
	for (size_t i = 0; i < sizeof(same_cases) / sizeof(same_cases[0]); i++) {
		char *text = edit(same_cases[i].old, same_cases[i].new_);

		if (parse_exact(text, strlen(text), &c, &err) != 0)
			fail_msg("case %zu: %s", i, err.msg);
		if (!conf_equal(&ref, &c))
			fail_msg("case %zu: differs from the base", i);
		conf_free(&c);
		free(text);
	}
	/* CRLF line ends, a byte order mark, no final newline */
	{
		size_t n = strlen(base_text), k = 0;
		char *crlf = malloc(2 * n + 4);

		assert_non_null(crlf);
		memcpy(crlf, "\xef\xbb\xbf", 3);
		k = 3;
		for (size_t i = 0; i < n; i++) {
			if (base_text[i] == '\n')
				crlf[k++] = '\r';
			crlf[k++] = base_text[i];
		}
		k--;	/* drop the final LF: "...repository\r" */
		assert_int_equal(parse_exact(crlf, k, &c, &err), 0);
		assert_true(conf_equal(&ref, &c));
		conf_free(&c);
		free(crlf);
	}
	conf_free(&ref);
}

static void
test_defaults(void **state)
{
	struct conf c;
	struct conf_error err;

	(void)state;
	assert_int_equal(parse_exact(base_text, strlen(base_text), &c, &err), 0);
	assert_int_equal(err.code, 0);
	assert_string_equal(c.source, "updown.conf");
	assert_string_equal(c.handle, "p");
	assert_string_equal(c.state_dir, "state");
	assert_string_equal(c.service_uri_base, "https://ca.example.net/rpki/");
	assert_int_equal(c.hsm.mech, CONF_MECH_SHA256_RSA_PKCS);
	assert_true(c.hsm.key_private);
	assert_true(c.hsm.key_sensitive);
	assert_false(c.hsm.key_extractable);
	assert_false(c.hsm.key_modifiable);
	assert_int_equal(c.nclasses, 1);
	assert_string_equal(c.classes[0].name, "DEFAULT");
	assert_int_equal(c.classes[0].line, 14);
	assert_null(c.classes[0].crl_name);
	assert_false(c.net.has_address);
	assert_false(c.net.has_gateway);
	assert_false(c.net.has_mac);
	assert_int_equal(c.net.mtu, 0);
	assert_int_equal(c.net.http_port, 80);
	assert_int_equal(c.net.max_request, 1u << 20);
	assert_int_equal(c.net.workers, 4);
	assert_int_equal(c.net.max_connections, 64);
	assert_int_equal(c.net.idle_timeout, 30);
	assert_int_equal(c.prov.noperators, 0);
	assert_int_equal(c.prov.threshold, 1);
	assert_string_equal(c.prov.path, "/provision");
	assert_int_equal(c.policy.max_skew, 300);
	assert_int_equal(c.policy.shrink_grace, 0);
	assert_int_equal(c.policy.brake_max_count, 100);
	assert_int_equal(c.policy.brake_share_ppm, 100000);
	assert_int_equal(c.policy.brake_floor, 3);
	assert_int_equal(c.policy.crl_validity, 86400);
	assert_int_equal(c.policy.crl_refresh, 43200);
	assert_int_equal(c.policy.bpki_crl_validity, 7 * 86400);
	assert_int_equal(c.policy.backdate, 0);
	assert_true(c.policy.verify_replies);
	assert_false(c.policy.cms_der_only);
	assert_int_equal(c.policy.mft_keys, CONF_MFT_KEYS_SOFTWARE);
	assert_int_equal(conf_ready(&c, &err), 0);
	conf_free(&c);
	conf_free(&c);	/* freeing twice is fine: conf_free leaves it initialised */
	conf_free(NULL);
}

/* Every setting of the sample file, and the round trip. */
static void
test_example(void **state)
{
	struct conf c, c2;
	struct conf_error err;
	char *text, *p1, *p2;
	size_t len, l1, l2;
	const struct conf_class *k;
	static const uint8_t addr[4] = { 192, 0, 2, 1 }, gw[4] = { 192, 0, 2, 254 };
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };

	(void)state;
	text = sample("example.conf", &len);
	if (parse_exact(text, len, &c, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(c.handle, "example-nir");
	assert_int_equal(c.hsm.mech, CONF_MECH_RSA_PKCS_HOST_HASH);
	assert_string_equal(c.bpki.ee_key, "pkcs11:object=updown-bpki-ee");
	assert_int_equal(c.nclasses, 2);
	assert_string_equal(c.classes[0].name, "DEFAULT");
	assert_string_equal(c.classes[1].name, "ARIN-legacy");
	k = conf_find_class(&c, "ARIN-legacy");
	assert_ptr_equal(k, &c.classes[1]);
	assert_string_equal(k->crl_name, "legacy.crl");
	assert_string_equal(k->cert, "/var/lib/updown/ca-legacy.cer");
	assert_null(conf_find_class(&c, "arin-legacy"));
	assert_true(c.net.has_address);
	assert_memory_equal(c.net.address, addr, 4);
	assert_int_equal(c.net.prefix, 24);
	assert_memory_equal(c.net.gateway, gw, 4);
	assert_memory_equal(c.net.mac, mac, 6);
	assert_int_equal(c.net.mtu, 1500);
	assert_int_equal(c.net.http_port, 8080);
	assert_int_equal(c.net.max_request, 2u << 20);
	assert_int_equal(c.net.workers, 8);
	assert_int_equal(c.net.max_connections, 128);
	assert_int_equal(c.net.idle_timeout, 60);
	assert_int_equal(c.prov.noperators, 3);
	assert_string_equal(c.prov.operators[2], "operators/carol.cer");
	assert_int_equal(c.prov.threshold, 2);
	assert_int_equal(c.policy.max_skew, 300);
	assert_int_equal(c.policy.shrink_grace, 86400);
	assert_int_equal(c.policy.brake_max_count, 50);
	assert_int_equal(c.policy.brake_share_ppm, 125000);
	assert_int_equal(c.policy.brake_floor, 5);
	assert_int_equal(c.policy.crl_validity, 2 * 86400);
	assert_int_equal(c.policy.crl_refresh, 86400);	/* default: half */
	assert_int_equal(c.policy.backdate, 3600);
	assert_true(c.policy.csr_mft_in_repo);
	assert_int_equal(c.policy.mft_keys, CONF_MFT_KEYS_HSM);

	/* round trip, and print is a fixed point */
	assert_int_equal(conf_print(&c, &p1, &l1), 0);
	assert_int_equal(strlen(p1), l1);
	assert_int_equal(parse_exact(p1, l1, &c2, &err), 0);
	assert_true(conf_equal(&c, &c2));
	assert_int_equal(conf_print(&c2, &p2, &l2), 0);
	assert_int_equal(l1, l2);
	assert_memory_equal(p1, p2, l1);
	assert_non_null(strstr(p1, "\n[class ARIN-legacy]\ncert = /var/lib/updown/ca-legacy.cer\n"));
	assert_non_null(strstr(p1, "brake_max_share = 12.5%\n"));
	assert_non_null(strstr(p1, "crl_refresh = 1d\n"));
	assert_non_null(strstr(p1, "max_request = 2M\n"));
	free(p1);
	free(p2);
	conf_free(&c2);

	/* every changed setting makes a difference to conf_equal */
	assert_int_equal(parse_exact(text, len, &c2, &err), 0);
	c2.policy.brake_floor++;
	assert_false(conf_equal(&c, &c2));
	c2.policy.brake_floor--;
	c2.net.mac[5] ^= 1;
	assert_false(conf_equal(&c, &c2));
	c2.net.mac[5] ^= 1;
	c2.prov.path[1] = 'P';
	assert_false(conf_equal(&c, &c2));
	c2.prov.path[1] = 'p';
	assert_true(conf_equal(&c, &c2));
	conf_free(&c2);
	conf_free(&c);
	free(text);
}

/* Printing settings at their extremes, and "off". */
static void
test_print_values(void **state)
{
	struct conf c, c2;
	struct conf_error err;
	char *p;
	size_t l;

	(void)state;
	assert_int_equal(parse_exact(base_text, strlen(base_text), &c, &err), 0);
	c.policy.brake_max_count = CONF_BRAKE_COUNT_OFF;
	c.policy.brake_share_ppm = CONF_BRAKE_SHARE_OFF;
	c.policy.shrink_grace = 90;
	c.policy.backdate = 7200;
	c.net.max_request = 4097;
	c.prov.path[0] = '\0';
	c.policy.brake_floor = 1;
	assert_int_equal(conf_print(&c, &p, &l), 0);
	assert_non_null(strstr(p, "brake_max_count = off\n"));
	assert_non_null(strstr(p, "brake_max_share = off\n"));
	assert_non_null(strstr(p, "shrink_grace = 90s\n"));
	assert_non_null(strstr(p, "backdate = 2h\n"));
	assert_non_null(strstr(p, "max_request = 4097\n"));
	assert_non_null(strstr(p, "path = off\n"));
	assert_int_equal(parse_exact(p, l, &c2, &err), 0);
	assert_true(conf_equal(&c, &c2));
	free(p);
	conf_free(&c2);
	c.policy.brake_share_ppm = 1;	/* 0.0001 % */
	assert_int_equal(conf_print(&c, &p, &l), 0);
	assert_non_null(strstr(p, "brake_max_share = 0.0001%\n"));
	assert_int_equal(parse_exact(p, l, &c2, &err), 0);
	assert_int_equal(c2.policy.brake_share_ppm, 1);
	free(p);
	conf_free(&c2);
	conf_free(&c);
}

/* Every truncation of the full sample from an exactly sized buffer. */
static void
test_truncations(void **state)
{
	char *text;
	size_t len, ok = 0;

	(void)state;
	text = sample("example.conf", &len);
	for (size_t n = 0; n < len; n++) {
		struct conf c;
		struct conf_error err;
		int rc = parse_exact(text, n, &c, &err);

		if (rc == 0) {
			ok++;
			conf_free(&c);
			continue;
		}
		assert_true(rc <= CONF_ERR_ARG && rc >= CONF_ERR_INCOMPLETE);
		assert_int_equal(err.code, rc);
		assert_true(strncmp(err.msg, "updown.conf:", 12) == 0);
		assert_empty(&c);
	}
	/* the cut after the last required key of the first class and later parse */
	assert_true(ok > 0);
	free(text);
}

/* ---- configurations built in memory ---- */

static void
test_check_built(void **state)
{
	struct conf c;
	struct conf_error err;
	char *p = NULL;
	size_t l;

	(void)state;
	conf_init(&c);
	assert_int_equal(conf_check(&c, &err), CONF_ERR_MISSING);
	assert_non_null(strstr(err.msg, "no [class NAME] section"));
	assert_int_equal(conf_print(&c, &p, &l), CONF_ERR_MISSING);
	assert_null(p);
	c.classes = calloc(1, sizeof(*c.classes));
	assert_non_null(c.classes);
	c.nclasses = 1;
	c.classes[0].name = strdup("DEFAULT");
	c.classes[0].cert = strdup("ca.cer");
	c.classes[0].key = strdup("ca");
	c.classes[0].pub_root = strdup("repository");
	assert_int_equal(conf_check(&c, &err), CONF_ERR_MISSING);
	assert_string_equal(err.msg, "<conf>: [appliance] handle: is missing");
	c.handle = strdup("parent");
	c.state_dir = strdup("state");
	c.service_uri_base = strdup("http://192.0.2.1/updown/");
	c.hsm.module = strdup("/usr/lib/softhsm/libsofthsm2.so");
	c.hsm.token_uri = strdup("pkcs11:token=t?pin-value=1");
	c.bpki.ta_cert = strdup("ta.cer");
	c.bpki.ta_key = strdup("ta");
	c.bpki.ee_cert = strdup("ee.cer");
	c.bpki.ee_key = strdup("ee");
	c.bpki.crl = strdup("bpki.crl");
	assert_int_equal(conf_check(&c, &err), CONF_ERR_PIN);
	assert_int_equal(conf_print(&c, &p, &l), CONF_ERR_PIN);
	free(c.hsm.token_uri);
	c.hsm.token_uri = strdup("pkcs11:token=t?pin-source=env:UPDOWN_PIN");
	/* upstream pending: valid, printable, but not ready */
	assert_int_equal(conf_check(&c, &err), 0);
	assert_int_equal(conf_ready(&c, &err), CONF_ERR_INCOMPLETE);
	assert_non_null(strstr(err.msg, "[class DEFAULT] has no cert_uri"));
	assert_int_equal(conf_print(&c, &p, &l), 0);
	assert_null(strstr(p, "cert_uri"));
	{
		struct conf c2;

		assert_int_equal(parse_exact(p, l, &c2, &err), 0);
		assert_true(conf_equal(&c, &c2));
		conf_free(&c2);
	}
	free(p);
	/* values a parser would never produce */
	c.policy.crl_refresh = c.policy.crl_validity;
	assert_int_equal(conf_check(&c, &err), CONF_ERR_VALUE);
	assert_non_null(strstr(err.msg, "crl_refresh"));
	c.policy.crl_refresh = 1;
	c.hsm.mech = (enum conf_mech)7;
	assert_int_equal(conf_check(&c, &err), CONF_ERR_VALUE);
	c.hsm.mech = CONF_MECH_SHA256_RSA_PKCS;
	free(c.classes[0].name);
	c.classes[0].name = strdup("two words");
	assert_int_equal(conf_check(&c, &err), CONF_ERR_VALUE);
	free(c.classes[0].name);
	c.classes[0].name = strdup("DEFAULT");
	free(c.state_dir);
	c.state_dir = strdup("a #b");
	assert_int_equal(conf_check(&c, &err), CONF_ERR_VALUE);
	assert_non_null(strstr(err.msg, "would start a comment"));
	free(c.state_dir);
	c.state_dir = strdup(" lead");
	assert_int_equal(conf_check(&c, &err), CONF_ERR_VALUE);
	free(c.state_dir);
	c.state_dir = strdup("state");
	assert_int_equal(conf_check(&c, &err), 0);
	assert_int_equal(conf_check(NULL, &err), CONF_ERR_ARG);
	conf_free(&c);
}

static void
test_helpers(void **state)
{
	struct conf c;
	struct conf_error err;
	char *s;

	(void)state;
	assert_int_equal(conf_path("/etc/updown", "ca.cer", &s), 0);
	assert_string_equal(s, "/etc/updown/ca.cer");
	free(s);
	assert_int_equal(conf_path("/etc/updown//", "state", &s), 0);
	assert_string_equal(s, "/etc/updown/state");
	free(s);
	assert_int_equal(conf_path("conf", "/var/lib/x", &s), 0);
	assert_string_equal(s, "/var/lib/x");
	free(s);
	assert_int_equal(conf_path("/", "x", &s), 0);
	assert_string_equal(s, "/x");
	free(s);
	assert_int_equal(conf_path("d", "", &s), CONF_ERR_ARG);
	assert_null(s);
	assert_int_equal(conf_path(NULL, "x", &s), CONF_ERR_ARG);

	assert_int_equal(parse_exact(base_text, strlen(base_text), &c, &err), 0);
	assert_int_equal(conf_service_uri(&c, "isp-a/sub_1", &s), 0);
	assert_string_equal(s, "https://ca.example.net/rpki/isp-a/sub_1");
	free(s);
	assert_int_equal(conf_service_uri(&c, "bad handle", &s), CONF_ERR_ARG);
	assert_null(s);
	conf_free(&c);

	assert_true(conf_handle_ok("A91872ED0000", 12));
	assert_false(conf_handle_ok("a b", 3));
	assert_false(conf_handle_ok("", 0));
	assert_true(conf_class_name_ok("IANA-2127", 9));
	assert_false(conf_class_name_ok("a\\", 2));
	assert_false(conf_class_name_ok("\xc3\xa9", 2));
	for (int e = CONF_ERR_ARG; e >= CONF_ERR_INCOMPLETE; e--)
		assert_string_not_equal(conf_strerror(e), "unknown configuration error");
	assert_string_equal(conf_strerror(-1), "unknown configuration error");
}

/* ---- operator key files ---- */

static int
rng(void *ctx, unsigned char *buf, size_t len)
{
	return mbedtls_ctr_drbg_random(ctx, buf, len);
}

static void
test_operator_files(void **state)
{
	char *der, *pem;
	size_t der_len, pem_len, n;
	unsigned char *spki = NULL, *spki2 = NULL, *buf;
	size_t spki_len, spki2_len;
	mbedtls_x509_crt crt;
	mbedtls_pk_context small;
	mbedtls_entropy_context ent;
	mbedtls_ctr_drbg_context drbg;
	unsigned char w[4096];
	int len;

	(void)state;
	der = interop("krill/test-resources/remote/ncc-id.der", &der_len);
	pem = interop("krill/test-resources/remote/ncc-id.pem", &pem_len);

	/* a certificate, DER: its SPKI */
	assert_int_equal(conf_operator_spki((unsigned char *)der, der_len, &spki, &spki_len), 0);
	mbedtls_x509_crt_init(&crt);
	assert_int_equal(mbedtls_x509_crt_parse_der(&crt, (unsigned char *)der, der_len), 0);
	assert_int_equal(spki_len, crt.pk_raw.len);
	assert_memory_equal(spki, crt.pk_raw.p, spki_len);
	/* the same certificate, PEM */
	assert_int_equal(conf_operator_spki((unsigned char *)pem, pem_len, &spki2, &spki2_len), 0);
	assert_int_equal(spki2_len, spki_len);
	assert_memory_equal(spki2, spki, spki_len);
	free(spki2);
	/* the bare SPKI, DER: itself */
	assert_int_equal(conf_operator_spki(spki, spki_len, &spki2, &spki2_len), 0);
	assert_memory_equal(spki2, spki, spki_len);
	free(spki2);
	/* the SPKI in PEM */
	len = mbedtls_pk_write_pubkey_pem(&crt.pk, w, sizeof(w));
	assert_int_equal(len, 0);
	assert_int_equal(conf_operator_spki(w, strlen((char *)w), &spki2, &spki2_len), 0);
	assert_memory_equal(spki2, spki, spki_len);
	free(spki2);
	/* refused: a byte after the SPKI or the certificate, every truncation, garbage */
	buf = malloc(der_len + 1);
	assert_non_null(buf);
	memcpy(buf, spki, spki_len);
	buf[spki_len] = 0;
	assert_int_equal(conf_operator_spki(buf, spki_len + 1, &spki2, &spki2_len),
	    CONF_ERR_OPERATOR);
	assert_null(spki2);
	memcpy(buf, der, der_len);
	buf[der_len] = 0;
	assert_int_equal(conf_operator_spki(buf, der_len + 1, &spki2, &spki2_len),
	    CONF_ERR_OPERATOR);
	free(buf);
	for (n = 1; n < der_len; n++) {
		buf = malloc(n);
		assert_non_null(buf);
		memcpy(buf, der, n);
		assert_int_equal(conf_operator_spki(buf, n, &spki2, &spki2_len), CONF_ERR_OPERATOR);
		free(buf);
	}
	assert_int_equal(conf_operator_spki((const unsigned char *)"-----BEGIN X-----\n", 18,
	    &spki2, &spki2_len), CONF_ERR_OPERATOR);
	assert_int_equal(conf_operator_spki((const unsigned char *)"x", 0, &spki2, &spki2_len),
	    CONF_ERR_ARG);
	assert_int_equal(conf_operator_spki(spki, CONF_MAX_OPERATOR_FILE + 1, &spki2,
	    &spki2_len), CONF_ERR_LIMIT);

	/* an RSA-1024 key is too small */
	mbedtls_entropy_init(&ent);
	mbedtls_ctr_drbg_init(&drbg);
	mbedtls_pk_init(&small);
	assert_int_equal(mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, NULL, 0), 0);
	assert_int_equal(mbedtls_pk_setup(&small, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)), 0);
	assert_int_equal(mbedtls_rsa_gen_key(mbedtls_pk_rsa(small), rng, &drbg, 1024, 65537), 0);
	len = mbedtls_pk_write_pubkey_der(&small, w, sizeof(w));
	assert_true(len > 0);
	assert_int_equal(conf_operator_spki(w + sizeof(w) - len, (size_t)len, &spki2,
	    &spki2_len), CONF_ERR_OPERATOR);
	mbedtls_pk_free(&small);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&ent);

	mbedtls_x509_crt_free(&crt);
	free(spki);
	free(der);
	free(pem);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_same),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_print_values),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_check_built),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_operator_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
