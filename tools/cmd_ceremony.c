/*
 * updownctl ceremony: the key ceremony of an appliance.
 *
 *   ceremony --dir CONFDIR --hsm-module PATH
 *            (--token-uri URI | --init-token LABEL --so-pin-source SRC --pin-source SRC)
 *            --handle H --class NAME --service-uri-base URI --rsync-base rsync://H/M/
 *            [--resources "as=...;ipv4=...;ipv6=..."] [--upstream-request]
 *            [--cert-uri URI] [--tal-uri URI]... [--rrdp-notify URI]
 *            [--operator FILE]... [--threshold M]
 *            [--ca-key L] [--bpki-ta-key L] [--bpki-ee-key L]
 *            [--mechanism M] [--key-attr NAME=yes|no]...
 *            [--ta-years N] [--bpki-years N] [--bpki-ee-days N]
 *            [--address A/LEN] [--gateway G] [--http-port P] [--force]
 *   ceremony import-ca --dir CONFDIR [--class NAME] [--cert-uri URI] [--force] CERT
 *
 * The ceremony takes a token (or initialises one, C_InitToken + C_InitPIN,
 * when told), generates inside it the CA key, the BPKI TA key and the BPKI
 * EE key (crypto/signer.h; never a key that exists: labels taken are
 * refused before anything is generated), makes the self-signed RPKI TA
 * (RFC 6487, RFC 8630) and its TAL, or with --upstream-request a PKCS#10
 * (RFC 6487 section 6, checked with csr_check) for an upstream parent,
 * the BPKI TA and EE certificates and an initial BPKI CRL (RFC 6492 3.1),
 * registers the operator keys that sign allocation tables, and writes the
 * configuration (proto/conf) and a ceremony record. Everything is written
 * into a staging directory and moved into place at the end; on a failure
 * nothing is written and keys already made in the token are listed, with
 * their labels, so that the operator can remove them (the tool never
 * deletes a key).
 *
 * import-ca takes the certificate an upstream parent issued for our CA key
 * (cert_import_ca checks the RFC 6487 profile and that it is for our key)
 * and completes the configuration.
 *
 * Exit codes: 0 ok; 1 refused (existing configuration or keys, a bad
 * operator key, a certificate not for our key); 2 usage; 3 I/O or HSM.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/oid.h>
#include <mbedtls/platform_util.h>

#include <p11-kit/pkcs11.h>
#include <p11-kit/uri.h>

#include "crypto/cert.h"
#include "crypto/crl.h"
#include "crypto/csr.h"
#include "crypto/signer.h"
#include "proto/alloc.h"
#include "proto/conf.h"
#include "proto/der.h"
#include "proto/res.h"
#include "proto/updown.h"
#include "updownctl.h"

#define DAY   86400
#define YEAR  (365 * DAY)
#define MAX_OPERATORS CONF_MAX_OPERATORS
#define MAX_TAL_URIS 8

static int
ceremony_usage(void)
{
	fputs("usage: updownctl ceremony --dir CONFDIR --hsm-module PATH\n"
	    "         (--token-uri URI | --init-token LABEL --so-pin-source SRC --pin-source SRC)\n"
	    "         --handle H --class NAME --service-uri-base URI --rsync-base rsync://HOST/MODULE/\n"
	    "         [--resources \"as=...;ipv4=...;ipv6=...\"] [--upstream-request]\n"
	    "         [--cert-uri URI] [--tal-uri URI]... [--rrdp-notify URI]\n"
	    "         [--operator FILE]... [--threshold M]\n"
	    "         [--ca-key LABEL] [--bpki-ta-key LABEL] [--bpki-ee-key LABEL]\n"
	    "         [--mechanism sha256-rsa-pkcs|rsa-pkcs-host-hash] [--key-attr NAME=yes|no]...\n"
	    "         [--ta-years N] [--bpki-years N] [--bpki-ee-days N]\n"
	    "         [--address A.B.C.D/LEN] [--gateway A.B.C.D] [--http-port P] [--force]\n"
	    "       updownctl ceremony import-ca --dir CONFDIR [--class NAME] [--cert-uri URI]\n"
	    "         [--force] CERT\n", stderr);
	return EXIT_USAGE;
}

/* ---- PINs ---- */

/*
 * Read a PIN from "file:PATH" (first line) or "env:NAME" into buf (NUL-
 * terminated, at most size - 1 bytes). The caller zeroes buf. 0 or EXIT_*.
 */
static int
read_pin(const char *src, char *buf, size_t size)
{
	const char *path = NULL;
	size_t n;

	if (strncmp(src, "env:", 4) == 0) {
		const char *v = getenv(src + 4);

		if (v == NULL || (n = strlen(v)) == 0 || n >= size) {
			fprintf(stderr, "updownctl: PIN source %s: unset, empty or too long\n", src);
			return EXIT_REFUSED;
		}
		memcpy(buf, v, n + 1);
		return 0;
	}
	if (strncmp(src, "file:", 5) == 0)
		path = src + 5;
	else if (src[0] == '/')
		path = src;
	if (path == NULL) {
		fprintf(stderr, "updownctl: PIN source %s: want file:PATH or env:NAME\n", src);
		return EXIT_USAGE;
	}
	{
		FILE *f = fopen(path, "r");

		if (f == NULL) {
			fprintf(stderr, "updownctl: PIN file %s: %s\n", path, strerror(errno));
			return EXIT_IO;
		}
		if (fgets(buf, (int)size, f) == NULL) {
			fclose(f);
			fprintf(stderr, "updownctl: PIN file %s: empty\n", path);
			return EXIT_REFUSED;
		}
		fclose(f);
	}
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	if (n == 0) {
		fprintf(stderr, "updownctl: PIN file %s: empty first line\n", path);
		return EXIT_REFUSED;
	}
	return 0;
}

/* ---- the token, directly through PKCS#11 (initialisation and identity) ---- */

struct token_info {
	char label[33], manufacturer[33], model[17], serial[17];
};

/* Copy a blank-padded PKCS#11 field, trimmed. */
static void
p11_field(char *dst, const unsigned char *src, size_t n)
{
	while (n > 0 && src[n - 1] == ' ')
		n--;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

struct p11_direct {
	void *dl;
	CK_FUNCTION_LIST_PTR f;
};

static void
p11_direct_close(struct p11_direct *d)
{
	if (d->f != NULL)
		(void)d->f->C_Finalize(NULL);
	if (d->dl != NULL)
		dlclose(d->dl);
	memset(d, 0, sizeof(*d));
}

static int
p11_direct_open(struct p11_direct *d, const char *module)
{
	CK_C_GetFunctionList gfl;
	CK_C_INITIALIZE_ARGS args;
	CK_RV r;

	memset(d, 0, sizeof(*d));
	if ((d->dl = dlopen(module, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fprintf(stderr, "updownctl: PKCS#11 module %s: %s\n", module, dlerror());
		return EXIT_IO;
	}
	*(void **)&gfl = dlsym(d->dl, "C_GetFunctionList");
	if (gfl == NULL || gfl(&d->f) != CKR_OK || d->f == NULL) {
		fprintf(stderr, "updownctl: PKCS#11 module %s: no function list\n", module);
		d->f = NULL;
		p11_direct_close(d);
		return EXIT_IO;
	}
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	if ((r = d->f->C_Initialize(&args)) != CKR_OK) {
		fprintf(stderr, "updownctl: PKCS#11 module %s: C_Initialize: 0x%lx\n", module,
		    (unsigned long)r);
		d->f = NULL;
		p11_direct_close(d);
		return EXIT_IO;
	}
	return 0;
}

/* The slots with a token, into *slots (malloc'd). */
static int
p11_slots(struct p11_direct *d, CK_SLOT_ID **slots, CK_ULONG *n)
{
	CK_RV r;

	*slots = NULL;
	if ((r = d->f->C_GetSlotList(CK_TRUE, NULL, n)) != CKR_OK)
		return EXIT_IO;
	if ((*slots = calloc(*n + 1, sizeof(**slots))) == NULL)
		return EXIT_IO;
	if ((r = d->f->C_GetSlotList(CK_TRUE, *slots, n)) != CKR_OK) {
		free(*slots);
		*slots = NULL;
		return EXIT_IO;
	}
	return 0;
}

/*
 * Initialise a fresh token labelled label in the first slot whose token is
 * not initialised: C_InitToken with the SO PIN, then the user PIN
 * (C_Login as SO, C_InitPIN). Refuses when a token with that label exists.
 */
static int
token_init(const char *module, const char *label, const char *so_src, const char *user_src)
{
	struct p11_direct d;
	CK_SLOT_ID *slots = NULL, slot = 0;
	CK_ULONG n = 0, i;
	CK_TOKEN_INFO ti;
	CK_SESSION_HANDLE sh = CK_INVALID_HANDLE;
	CK_UTF8CHAR lab[32];
	char so[256], user[256], tl[33];
	bool found = false;
	CK_RV r;
	int rc;

	memset(so, 0, sizeof(so));
	memset(user, 0, sizeof(user));
	if ((rc = read_pin(so_src, so, sizeof(so))) != 0 ||
	    (rc = read_pin(user_src, user, sizeof(user))) != 0)
		goto zero;
	if ((rc = p11_direct_open(&d, module)) != 0)
		goto zero;
	rc = EXIT_IO;
	if (p11_slots(&d, &slots, &n) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (d.f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		p11_field(tl, ti.label, sizeof(ti.label));
		if ((ti.flags & CKF_TOKEN_INITIALIZED) != 0 && strcmp(tl, label) == 0) {
			fprintf(stderr, "updownctl: a token labelled '%s' exists: leave out "
			    "--init-token to use it (give --token-uri)\n", label);
			rc = EXIT_REFUSED;
			goto out;
		}
		if ((ti.flags & CKF_TOKEN_INITIALIZED) == 0 && !found) {
			slot = slots[i];
			found = true;
		}
	}
	if (!found) {
		fprintf(stderr, "updownctl: %s: no slot with an uninitialised token\n", module);
		goto out;
	}
	memset(lab, ' ', sizeof(lab));
	memcpy(lab, label, strlen(label));
	if ((r = d.f->C_InitToken(slot, (CK_UTF8CHAR_PTR)so, strlen(so), lab)) != CKR_OK) {
		fprintf(stderr, "updownctl: C_InitToken '%s': 0x%lx\n", label, (unsigned long)r);
		goto out;
	}
	/* SoftHSM moves an initialised token to a new slot: find it by label */
	free(slots);
	slots = NULL;
	found = false;
	if (p11_slots(&d, &slots, &n) != 0)
		goto out;
	for (i = 0; i < n && !found; i++)
		if (d.f->C_GetTokenInfo(slots[i], &ti) == CKR_OK) {
			p11_field(tl, ti.label, sizeof(ti.label));
			if (strcmp(tl, label) == 0) {
				slot = slots[i];
				found = true;
			}
		}
	if (!found ||
	    (r = d.f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
	    &sh)) != CKR_OK ||
	    (r = d.f->C_Login(sh, CKU_SO, (CK_UTF8CHAR_PTR)so, strlen(so))) != CKR_OK ||
	    (r = d.f->C_InitPIN(sh, (CK_UTF8CHAR_PTR)user, strlen(user))) != CKR_OK) {
		fprintf(stderr, "updownctl: token '%s': setting the user PIN failed\n", label);
		goto out;
	}
	(void)d.f->C_Logout(sh);
	rc = 0;
out:
	if (sh != CK_INVALID_HANDLE)
		(void)d.f->C_CloseSession(sh);
	free(slots);
	p11_direct_close(&d);
zero:
	mbedtls_platform_zeroize(so, sizeof(so));
	mbedtls_platform_zeroize(user, sizeof(user));
	return rc;
}

/* Label, manufacturer, model and serial of the one token the URI names. */
static int
token_identify(const char *module, const char *uri, struct token_info *out)
{
	struct p11_direct d;
	P11KitUri *u = NULL;
	CK_SLOT_ID *slots = NULL;
	CK_ULONG n = 0, i, hits = 0;
	CK_TOKEN_INFO ti;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((u = p11_kit_uri_new()) == NULL)
		return EXIT_IO;
	if (p11_kit_uri_parse(uri, P11_KIT_URI_FOR_TOKEN, u) != P11_KIT_URI_OK) {
		fprintf(stderr, "updownctl: %s: not a PKCS#11 token URI (RFC 7512)\n", uri);
		p11_kit_uri_free(u);
		return EXIT_USAGE;
	}
	if ((rc = p11_direct_open(&d, module)) != 0) {
		p11_kit_uri_free(u);
		return rc;
	}
	rc = EXIT_IO;
	if (p11_slots(&d, &slots, &n) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (d.f->C_GetTokenInfo(slots[i], &ti) != CKR_OK ||
		    (ti.flags & CKF_TOKEN_INITIALIZED) == 0 || !p11_kit_uri_match_token_info(u, &ti))
			continue;
		if (hits++ == 0) {
			p11_field(out->label, ti.label, sizeof(ti.label));
			p11_field(out->manufacturer, ti.manufacturerID, sizeof(ti.manufacturerID));
			p11_field(out->model, ti.model, sizeof(ti.model));
			p11_field(out->serial, ti.serialNumber, sizeof(ti.serialNumber));
		}
	}
	if (hits != 1) {
		fprintf(stderr, "updownctl: %s: %s\n", uri, hits == 0 ?
		    "no initialised token matches (give --init-token to make one)" :
		    "several tokens match: name one by serial=");
		goto out;
	}
	rc = 0;
out:
	free(slots);
	p11_direct_close(&d);
	p11_kit_uri_free(u);
	return rc;
}

/* ---- the upstream request: RFC 6487 section 6 PKCS#10 ---- */

#define OID_SIA          "\x2b\x06\x01\x05\x05\x07\x01\x0b"
#define OID_AD_CA_REPO   "\x2b\x06\x01\x05\x05\x07\x30\x05"
#define OID_AD_MANIFEST  "\x2b\x06\x01\x05\x05\x07\x30\x0a"
#define OID_AD_NOTIFY    "\x2b\x06\x01\x05\x05\x07\x30\x0d"

#define W(x) do { if ((r = (x)) < 0) goto asn1; len += (size_t)r; } while (0)

/* One AccessDescription: SEQUENCE { method, [6] IA5String uri }. */
static int
write_ad(unsigned char **p, unsigned char *start, const char *oid, size_t oid_len,
         const char *uri)
{
	size_t len = 0;
	int r;

	W(mbedtls_asn1_write_tagged_string(p, start, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 6, uri,
	    strlen(uri)));
	W(mbedtls_asn1_write_oid(p, start, oid, oid_len));
	W(der_wrap(p, start, len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	return (int)len;
asn1:
	return r;
}

/*
 * The CertificationRequest for our CA key (RFC 2986, profiled by RFC 6487
 * section 6): subject CN = upper-case hex SHA-1 of the key, the key as the
 * token gives it, extensionRequest with basicConstraints critical cA,
 * keyUsage critical keyCertSign+cRLSign and the SIA; signed through the
 * signer. *der malloc'd.
 */
static int
make_csr(struct signer *s, struct signer_key *key, const unsigned char *spki, size_t spki_len,
         const char *repo, const char *mft, const char *notify, unsigned char **der,
         size_t *der_len)
{
	size_t cap = 16384, len = 0, mark;
	unsigned char *buf = malloc(cap), *p, ski[CERT_SKI_LEN];
	char cn[2 * CERT_SKI_LEN + 1];
	int r, rc = EXIT_IO;

	*der = NULL;
	if (buf == NULL || cert_ski(spki, spki_len, ski) != 0)
		goto out;
	for (int i = 0; i < CERT_SKI_LEN; i++)
		snprintf(cn + 2 * i, 3, "%02X", ski[i]);
	p = buf + cap;
	/* attributes [0] { extensionRequest } */
	{
		size_t ext_start = len;

		/* SIA */
		mark = len;
		{
			size_t seq = len;

			if (notify != NULL)
				W(write_ad(&p, buf, OID_AD_NOTIFY, 8, notify));
			W(write_ad(&p, buf, OID_AD_MANIFEST, 8, mft));
			W(write_ad(&p, buf, OID_AD_CA_REPO, 8, repo));
			W(der_wrap(&p, buf, len - seq, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
		}
		W(der_wrap(&p, buf, len - mark, MBEDTLS_ASN1_OCTET_STRING));
		W(mbedtls_asn1_write_oid(&p, buf, OID_SIA, 8));
		W(der_wrap(&p, buf, len - mark, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
		/* keyUsage critical: keyCertSign (5) + cRLSign (6) */
		mark = len;
		W(mbedtls_asn1_write_raw_buffer(&p, buf, (const unsigned char *)"\x03\x02\x01\x06",
		    4));
		W(der_wrap(&p, buf, len - mark, MBEDTLS_ASN1_OCTET_STRING));
		W(mbedtls_asn1_write_bool(&p, buf, 1));
		W(mbedtls_asn1_write_oid(&p, buf, MBEDTLS_OID_KEY_USAGE,
		    MBEDTLS_OID_SIZE(MBEDTLS_OID_KEY_USAGE)));
		W(der_wrap(&p, buf, len - mark, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
		/* basicConstraints critical: cA TRUE, no pathLen */
		mark = len;
		W(mbedtls_asn1_write_raw_buffer(&p, buf, (const unsigned char *)"\x30\x03\x01\x01\xff",
		    5));
		W(der_wrap(&p, buf, len - mark, MBEDTLS_ASN1_OCTET_STRING));
		W(mbedtls_asn1_write_bool(&p, buf, 1));
		W(mbedtls_asn1_write_oid(&p, buf, MBEDTLS_OID_BASIC_CONSTRAINTS,
		    MBEDTLS_OID_SIZE(MBEDTLS_OID_BASIC_CONSTRAINTS)));
		W(der_wrap(&p, buf, len - mark, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
		/* Extensions, SET { }, Attribute, [0] */
		W(der_wrap(&p, buf, len - ext_start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
		W(der_wrap(&p, buf, len - ext_start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET));
		W(mbedtls_asn1_write_oid(&p, buf, MBEDTLS_OID_PKCS9_CSR_EXT_REQ,
		    MBEDTLS_OID_SIZE(MBEDTLS_OID_PKCS9_CSR_EXT_REQ)));
		W(der_wrap(&p, buf, len - ext_start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
		W(der_wrap(&p, buf, len - ext_start,
		    MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0));
	}
	/* subjectPKInfo, as the token gives it (UD-84) */
	W(mbedtls_asn1_write_raw_buffer(&p, buf, spki, spki_len));
	/* subject: CN = hex SKI, PrintableString */
	mark = len;
	W(mbedtls_asn1_write_tagged_string(&p, buf, MBEDTLS_ASN1_PRINTABLE_STRING, cn,
	    strlen(cn)));
	W(mbedtls_asn1_write_oid(&p, buf, MBEDTLS_OID_AT_CN, MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_CN)));
	W(der_wrap(&p, buf, len - mark, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	W(der_wrap(&p, buf, len - mark, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET));
	W(der_wrap(&p, buf, len - mark, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	W(mbedtls_asn1_write_int(&p, buf, 0));
	W(der_wrap(&p, buf, len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	if ((r = cert_sign_wrap(s, key, p, len, der, der_len)) != 0) {
		fprintf(stderr, "updownctl: signing the request: %s (%s)\n", cert_strerror(r),
		    signer_last_error());
		goto out;
	}
	/* our own request must pass our own parent-side checks */
	if ((r = csr_check(*der, *der_len, NULL, NULL)) != 0) {
		fprintf(stderr, "updownctl: the request fails csr_check: %s\n", csr_strerror(r));
		free(*der);
		*der = NULL;
		goto out;
	}
	rc = 0;
	goto out;
asn1:
	fprintf(stderr, "updownctl: writing the request failed (-0x%04x)\n", (unsigned)-r);
out:
	free(buf);
	return rc;
}

#undef W

/* ---- options ---- */

struct key_made {
	const char *role;
	const char *label;
	struct signer_key *key;
	unsigned char id[SIGNER_MAX_ID];
	size_t id_len;
	unsigned char *spki;
	size_t spki_len;
};

struct opts {
	const char *dir, *module, *token_uri, *init_token, *so_pin_src, *pin_src;
	const char *handle, *cls, *service_base, *rsync_base, *resources;
	const char *cert_uri, *notify, *address, *gateway;
	const char *tal_uris[MAX_TAL_URIS];
	size_t ntal;
	const char *operators[MAX_OPERATORS];
	size_t noperators;
	unsigned threshold;
	bool threshold_set, upstream, force;
	const char *ca_key, *ta_key, *ee_key;
	enum conf_mech mech;
	bool key_private, key_sensitive, key_extractable, key_modifiable;
	unsigned ta_years, bpki_years, ee_days, http_port;
};

static bool
label_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CONF_MAX_LABEL || strncmp(s, "pkcs11:", 7) == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '#')
			return false;
	return true;
}

static bool
file_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

static int
parse_uint(const char *opt, const char *s, unsigned min, unsigned max, unsigned *v)
{
	char *e;
	unsigned long x;

	if (s[0] < '0' || s[0] > '9')
		goto bad;
	x = strtoul(s, &e, 10);
	if (*e != '\0' || x < min || x > max)
		goto bad;
	*v = (unsigned)x;
	return 0;
bad:
	fprintf(stderr, "updownctl: %s: want a number in %u..%u\n", opt, min, max);
	return EXIT_USAGE;
}

/* rsync://HOST/MODULE[/PATH]/ (trailing slash) */
static bool
rsync_base_ok(const char *s)
{
	const char *h, *slash;
	size_t n = strlen(s);

	if (strncmp(s, "rsync://", 8) != 0 || n < 12 || n > 1024 || s[n - 1] != '/')
		return false;
	h = s + 8;
	slash = strchr(h, '/');
	if (slash == NULL || slash == h || slash[1] == '\0' || slash[1] == '/')
		return false;
	for (const char *p = s; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '?' || *p == '#')
			return false;
	return csr_check_uri(s, n, CSR_URI_REPO, NULL) == 0;
}

/* "as=...;ipv4=...;ipv6=..." into res (initialised by the call). */
static int
parse_resources(const char *text, struct res_bundle *res)
{
	static const char *const key[3] = { "as", "ipv4", "ipv6" };
	struct res_set *sets[3] = { &res->as, &res->v4, &res->v6 };
	bool seen[3] = { false, false, false };
	const char *p = text;

	res_bundle_init(res);
	while (*p != '\0') {
		const char *e = strchr(p, ';'), *eq;
		size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
		int f, r;

		eq = memchr(p, '=', n);
		for (f = 0; eq != NULL && f < 3; f++)
			if ((size_t)(eq - p) == strlen(key[f]) && memcmp(p, key[f], strlen(key[f])) == 0)
				break;
		if (eq == NULL || f == 3 || seen[f]) {
			fprintf(stderr, "updownctl: --resources: want as=...;ipv4=...;ipv6=... "
			    "(each once)\n");
			goto bad;
		}
		seen[f] = true;
		res_set_free(sets[f]);
		if ((r = res_set_parse(sets[f], (enum res_family)f, eq + 1,
		    n - (size_t)(eq + 1 - p))) != 0) {
			fprintf(stderr, "updownctl: --resources: %s: %s\n", key[f], res_strerror(r));
			goto bad;
		}
		p += n;
		if (*p == ';')
			p++;
	}
	if (res_bundle_is_empty(res)) {
		fprintf(stderr, "updownctl: --resources: no resources (RFC 6487 section 2)\n");
		goto bad;
	}
	return 0;
bad:
	res_bundle_free(res);
	return EXIT_USAGE;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	enum {
		O_DIR = 256, O_MODULE, O_TOKEN, O_INIT, O_SOPIN, O_PIN, O_HANDLE, O_CLASS,
		O_SERVICE, O_RSYNC, O_RES, O_UPSTREAM, O_CERTURI, O_TAL, O_NOTIFY, O_OPERATOR,
		O_THRESHOLD, O_CAKEY, O_TAKEY, O_EEKEY, O_MECH, O_KEYATTR, O_TAYEARS,
		O_BPKIYEARS, O_EEDAYS, O_ADDRESS, O_GATEWAY, O_PORT, O_FORCE,
	};
	static const struct option lo[] = {
		{ "dir", required_argument, NULL, O_DIR },
		{ "hsm-module", required_argument, NULL, O_MODULE },
		{ "token-uri", required_argument, NULL, O_TOKEN },
		{ "init-token", required_argument, NULL, O_INIT },
		{ "so-pin-source", required_argument, NULL, O_SOPIN },
		{ "pin-source", required_argument, NULL, O_PIN },
		{ "handle", required_argument, NULL, O_HANDLE },
		{ "class", required_argument, NULL, O_CLASS },
		{ "service-uri-base", required_argument, NULL, O_SERVICE },
		{ "rsync-base", required_argument, NULL, O_RSYNC },
		{ "resources", required_argument, NULL, O_RES },
		{ "upstream-request", no_argument, NULL, O_UPSTREAM },
		{ "cert-uri", required_argument, NULL, O_CERTURI },
		{ "tal-uri", required_argument, NULL, O_TAL },
		{ "rrdp-notify", required_argument, NULL, O_NOTIFY },
		{ "operator", required_argument, NULL, O_OPERATOR },
		{ "threshold", required_argument, NULL, O_THRESHOLD },
		{ "ca-key", required_argument, NULL, O_CAKEY },
		{ "bpki-ta-key", required_argument, NULL, O_TAKEY },
		{ "bpki-ee-key", required_argument, NULL, O_EEKEY },
		{ "mechanism", required_argument, NULL, O_MECH },
		{ "key-attr", required_argument, NULL, O_KEYATTR },
		{ "ta-years", required_argument, NULL, O_TAYEARS },
		{ "bpki-years", required_argument, NULL, O_BPKIYEARS },
		{ "bpki-ee-days", required_argument, NULL, O_EEDAYS },
		{ "address", required_argument, NULL, O_ADDRESS },
		{ "gateway", required_argument, NULL, O_GATEWAY },
		{ "http-port", required_argument, NULL, O_PORT },
		{ "force", no_argument, NULL, O_FORCE },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->threshold = 1;
	o->ca_key = "updown-ca";
	o->ta_key = "updown-bpki-ta";
	o->ee_key = "updown-bpki-ee";
	o->mech = CONF_MECH_SHA256_RSA_PKCS;
	o->key_private = o->key_sensitive = true;
	o->ta_years = 10;
	o->bpki_years = 10;
	o->ee_days = 365;
	o->http_port = CONF_DEFAULT_HTTP_PORT;
	optind = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case O_DIR: o->dir = optarg; break;
		case O_MODULE: o->module = optarg; break;
		case O_TOKEN: o->token_uri = optarg; break;
		case O_INIT: o->init_token = optarg; break;
		case O_SOPIN: o->so_pin_src = optarg; break;
		case O_PIN: o->pin_src = optarg; break;
		case O_HANDLE: o->handle = optarg; break;
		case O_CLASS: o->cls = optarg; break;
		case O_SERVICE: o->service_base = optarg; break;
		case O_RSYNC: o->rsync_base = optarg; break;
		case O_RES: o->resources = optarg; break;
		case O_UPSTREAM: o->upstream = true; break;
		case O_CERTURI: o->cert_uri = optarg; break;
		case O_TAL:
			if (o->ntal == MAX_TAL_URIS) {
				fprintf(stderr, "updownctl: at most %d --tal-uri\n", MAX_TAL_URIS);
				return EXIT_USAGE;
			}
			o->tal_uris[o->ntal++] = optarg;
			break;
		case O_NOTIFY: o->notify = optarg; break;
		case O_OPERATOR:
			if (o->noperators == MAX_OPERATORS) {
				fprintf(stderr, "updownctl: at most %u --operator\n", MAX_OPERATORS);
				return EXIT_USAGE;
			}
			o->operators[o->noperators++] = optarg;
			break;
		case O_THRESHOLD:
			if (parse_uint("--threshold", optarg, 1, MAX_OPERATORS, &o->threshold) != 0)
				return EXIT_USAGE;
			o->threshold_set = true;
			break;
		case O_CAKEY: o->ca_key = optarg; break;
		case O_TAKEY: o->ta_key = optarg; break;
		case O_EEKEY: o->ee_key = optarg; break;
		case O_MECH:
			if (strcmp(optarg, "sha256-rsa-pkcs") == 0)
				o->mech = CONF_MECH_SHA256_RSA_PKCS;
			else if (strcmp(optarg, "rsa-pkcs-host-hash") == 0)
				o->mech = CONF_MECH_RSA_PKCS_HOST_HASH;
			else
				return ceremony_usage();
			break;
		case O_KEYATTR: {
			const char *eq = strchr(optarg, '=');
			bool v, *dst = NULL;

			if (eq == NULL || (strcmp(eq + 1, "yes") != 0 && strcmp(eq + 1, "no") != 0))
				return ceremony_usage();
			v = strcmp(eq + 1, "yes") == 0;
			if (strncmp(optarg, "private=", 8) == 0)
				dst = &o->key_private;
			else if (strncmp(optarg, "sensitive=", 10) == 0)
				dst = &o->key_sensitive;
			else if (strncmp(optarg, "extractable=", 12) == 0)
				dst = &o->key_extractable;
			else if (strncmp(optarg, "modifiable=", 11) == 0)
				dst = &o->key_modifiable;
			if (dst == NULL)
				return ceremony_usage();
			*dst = v;
			break;
		}
		case O_TAYEARS:
			if (parse_uint("--ta-years", optarg, 1, 100, &o->ta_years) != 0)
				return EXIT_USAGE;
			break;
		case O_BPKIYEARS:
			if (parse_uint("--bpki-years", optarg, 1, 100, &o->bpki_years) != 0)
				return EXIT_USAGE;
			break;
		case O_EEDAYS:
			if (parse_uint("--bpki-ee-days", optarg, 1, 36500, &o->ee_days) != 0)
				return EXIT_USAGE;
			break;
		case O_ADDRESS: o->address = optarg; break;
		case O_GATEWAY: o->gateway = optarg; break;
		case O_PORT:
			if (parse_uint("--http-port", optarg, 1, 65535, &o->http_port) != 0)
				return EXIT_USAGE;
			break;
		case O_FORCE: o->force = true; break;
		default: return ceremony_usage();
		}
	}
	if (optind != argc || o->dir == NULL || o->module == NULL || o->handle == NULL ||
	    o->cls == NULL || o->service_base == NULL || o->rsync_base == NULL)
		return ceremony_usage();
	if ((o->token_uri == NULL) == (o->init_token == NULL)) {
		fprintf(stderr, "updownctl: give --token-uri, or --init-token to make a token\n");
		return EXIT_USAGE;
	}
	if (o->init_token != NULL && (o->so_pin_src == NULL || o->pin_src == NULL)) {
		fprintf(stderr, "updownctl: --init-token needs --so-pin-source and --pin-source\n");
		return EXIT_USAGE;
	}
	if (o->init_token == NULL && (o->so_pin_src != NULL || o->pin_src != NULL)) {
		fprintf(stderr, "updownctl: --so-pin-source/--pin-source go with --init-token; "
		    "otherwise the PIN source is in --token-uri\n");
		return EXIT_USAGE;
	}
	if (!o->upstream && o->resources == NULL) {
		fprintf(stderr, "updownctl: a self-signed TA needs --resources "
		    "(or give --upstream-request)\n");
		return EXIT_USAGE;
	}
	if (o->upstream && (o->resources != NULL || o->ntal > 0)) {
		fprintf(stderr, "updownctl: with --upstream-request the parent decides the "
		    "resources and there is no TAL\n");
		return EXIT_USAGE;
	}
	if (!conf_handle_ok(o->handle, strlen(o->handle))) {
		fprintf(stderr, "updownctl: --handle: not [-_A-Za-z0-9/]{1,255} (RFC 8183, UD-154)\n");
		return EXIT_USAGE;
	}
	if (!file_name_ok(o->cls) || !conf_class_name_ok(o->cls, strlen(o->cls))) {
		fprintf(stderr, "updownctl: --class: want 1..64 characters of [A-Za-z0-9._-]\n");
		return EXIT_USAGE;
	}
	if (!label_ok(o->ca_key) || !label_ok(o->ta_key) || !label_ok(o->ee_key) ||
	    strcmp(o->ca_key, o->ta_key) == 0 || strcmp(o->ca_key, o->ee_key) == 0 ||
	    strcmp(o->ta_key, o->ee_key) == 0) {
		fprintf(stderr, "updownctl: key labels: three different labels of 1..128 "
		    "visible ASCII characters\n");
		return EXIT_USAGE;
	}
	if (!rsync_base_ok(o->rsync_base)) {
		fprintf(stderr, "updownctl: --rsync-base: want rsync://HOST/MODULE/[PATH/] "
		    "(trailing slash)\n");
		return EXIT_USAGE;
	}
	if (o->notify != NULL &&
	    csr_check_uri(o->notify, strlen(o->notify), CSR_URI_NOTIFY, NULL) != 0) {
		fprintf(stderr, "updownctl: --rrdp-notify: not an https URI (RFC 8182)\n");
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < o->ntal; i++)
		if (strncmp(o->tal_uris[i], "https://", 8) != 0 &&
		    strncmp(o->tal_uris[i], "rsync://", 8) != 0) {
			fprintf(stderr, "updownctl: --tal-uri: want rsync:// or https:// (RFC 8630)\n");
			return EXIT_USAGE;
		}
	if (o->noperators > 0 && o->threshold > o->noperators) {
		fprintf(stderr, "updownctl: --threshold %u with %zu operators\n", o->threshold,
		    o->noperators);
		return EXIT_USAGE;
	}
	if (o->noperators == 0 && o->threshold_set && o->threshold > 1) {
		fprintf(stderr, "updownctl: --threshold %u without --operator\n", o->threshold);
		return EXIT_USAGE;
	}
	return 0;
}

/* ---- the ceremony ---- */

struct ceremony {
	struct opts o;
	time_t now;
	char token_uri[4096];
	struct token_info tok;
	struct signer *s;
	struct key_made keys[3];       /* ca, bpki-ta, bpki-ee */
	size_t nkeys;
	struct ctl_stage st;
	struct res_bundle res;
	struct conf conf;
	/* outputs */
	unsigned char *ta, *csr, *bpki_ta, *bpki_ee, *bpki_crl;
	size_t ta_len, csr_len, bpki_ta_len, bpki_ee_len, bpki_crl_len;
	char *tal;
	size_t tal_len;
	char cert_uri[2048], repo_uri[2048], mft_uri[2048];
	/* operator files: name in operators/, bytes, SPKI */
	char op_name[MAX_OPERATORS][80];
	unsigned char *op_file[MAX_OPERATORS], *op_spki[MAX_OPERATORS];
	size_t op_file_len[MAX_OPERATORS], op_spki_len[MAX_OPERATORS];
	bool token_initialised;
	char *record;
	size_t record_len, record_cap;
};

static void
rec(struct ceremony *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
rec(struct ceremony *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (c->record_len + (size_t)n + 1 > c->record_cap) {
		size_t want = c->record_cap ? c->record_cap * 2 : 8192;
		char *p;

		while (want < c->record_len + (size_t)n + 1)
			want *= 2;
		if ((p = realloc(c->record, want)) == NULL)
			return;
		c->record = p;
		c->record_cap = want;
	}
	va_start(ap, fmt);
	vsnprintf(c->record + c->record_len, c->record_cap - c->record_len, fmt, ap);
	va_end(ap);
	c->record_len += (size_t)n;
}

static void
time_text(time_t t, char out[UD_TIME_SIZE])
{
	if (ud_time_format(t, out) != 0)
		snprintf(out, UD_TIME_SIZE, "?");
}

/* Read and check the operator key files; names for operators/. */
static int
load_operators(struct ceremony *c)
{
	for (size_t i = 0; i < c->o.noperators; i++) {
		const char *path = c->o.operators[i], *base = strrchr(path, '/');
		int r;

		base = base != NULL ? base + 1 : path;
		if ((r = ctl_read_file(path, &c->op_file[i], &c->op_file_len[i])) != 0)
			return r;
		if ((r = conf_operator_spki(c->op_file[i], c->op_file_len[i], &c->op_spki[i],
		    &c->op_spki_len[i])) != 0) {
			fprintf(stderr, "updownctl: operator key %s: %s\n", path, conf_strerror(r));
			return EXIT_REFUSED;
		}
		for (size_t j = 0; j < i; j++)
			if (c->op_spki_len[j] == c->op_spki_len[i] &&
			    memcmp(c->op_spki[j], c->op_spki[i], c->op_spki_len[i]) == 0) {
				fprintf(stderr, "updownctl: operator key %s: the same key as %s\n", path,
				    c->o.operators[j]);
				return EXIT_REFUSED;
			}
		if (file_name_ok(base))
			snprintf(c->op_name[i], sizeof(c->op_name[i]), "%zu-%s", i + 1, base);
		else
			snprintf(c->op_name[i], sizeof(c->op_name[i]), "%zu-operator.key", i + 1);
	}
	return 0;
}

/* CONFDIR: absent or empty, or --force. */
static int
check_dir(struct ceremony *c)
{
	struct stat sb;
	DIR *d;
	struct dirent *de;
	bool empty = true;

	if (lstat(c->o.dir, &sb) != 0) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "updownctl: %s: %s\n", c->o.dir, strerror(errno));
		return EXIT_IO;
	}
	if (!S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "updownctl: %s: not a directory\n", c->o.dir);
		return EXIT_REFUSED;
	}
	if ((d = opendir(c->o.dir)) == NULL) {
		fprintf(stderr, "updownctl: %s: %s\n", c->o.dir, strerror(errno));
		return EXIT_IO;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			empty = false;
	closedir(d);
	if (!empty && !c->o.force) {
		fprintf(stderr, "updownctl: %s is not empty (an earlier ceremony?): refused. "
		    "--force replaces the configuration files (keys are never deleted, state and "
		    "the allocation table are kept)\n", c->o.dir);
		return EXIT_REFUSED;
	}
	return 0;
}

/* Percent-encode a token label for a PKCS#11 URI path attribute (RFC 7512). */
static void
pct_label(const char *in, char *out, size_t size)
{
	size_t k = 0;

	for (; *in != '\0' && k + 4 < size; in++) {
		unsigned char ch = (unsigned char)*in;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~')
			out[k++] = (char)ch;
		else
			k += (size_t)snprintf(out + k, size - k, "%%%02X", ch);
	}
	out[k] = '\0';
}

/* The token URI the configuration will carry. */
static int
token_uri_of(struct ceremony *c)
{
	if (c->o.init_token != NULL) {
		char lab[200];

		if (strlen(c->o.init_token) == 0 || strlen(c->o.init_token) > 32) {
			fprintf(stderr, "updownctl: --init-token: a label of 1..32 bytes\n");
			return EXIT_USAGE;
		}
		pct_label(c->o.init_token, lab, sizeof(lab));
		if (snprintf(c->token_uri, sizeof(c->token_uri), "pkcs11:token=%s?pin-source=%s",
		    lab, c->o.pin_src) >= (int)sizeof(c->token_uri))
			return EXIT_USAGE;
	} else if (snprintf(c->token_uri, sizeof(c->token_uri), "%s", c->o.token_uri) >=
	    (int)sizeof(c->token_uri)) {
		return EXIT_USAGE;
	}
	return 0;
}

static int
open_token(struct ceremony *c)
{
	struct signer_p11_config p;
	int r;

	if (c->o.init_token != NULL) {
		if ((r = token_init(c->o.module, c->o.init_token, c->o.so_pin_src,
		    c->o.pin_src)) != 0)
			return r;
		c->token_initialised = true;
	}
	if ((r = token_identify(c->o.module, c->token_uri, &c->tok)) != 0)
		return r;
	signer_p11_config_init(&p);
	p.module = c->o.module;
	p.token_uri = c->token_uri;
	p.mech = c->o.mech == CONF_MECH_RSA_PKCS_HOST_HASH ? SIGNER_P11_RSA_PKCS_HOST_HASH :
	    SIGNER_P11_SHA256_RSA_PKCS;
	p.key_private = c->o.key_private;
	p.key_sensitive = c->o.key_sensitive;
	p.key_extractable = c->o.key_extractable;
	p.key_modifiable = c->o.key_modifiable;
	if ((r = signer_p11_open(&p, &c->s)) != 0) {
		fprintf(stderr, "updownctl: token '%s': %s (%s)\n", c->tok.label, signer_strerror(r),
		    signer_last_error());
		return r == SIGNER_ERR_PIN ? EXIT_REFUSED : EXIT_IO;
	}
	return 0;
}

/* Refuse before generating anything when a label is taken; then generate all three. */
static int
make_keys(struct ceremony *c)
{
	const char *roles[3] = { "CA key", "BPKI TA key", "BPKI EE key" };
	const char *labels[3] = { c->o.ca_key, c->o.ta_key, c->o.ee_key };
	bool taken = false;
	int r;

	for (int i = 0; i < 3; i++) {
		struct signer_key *k;

		r = signer_key_find(c->s, labels[i], &k);
		if (r == 0) {
			fprintf(stderr, "updownctl: token '%s' already holds a key labelled '%s': "
			    "refused (updownctl never replaces or deletes a key). Choose other "
			    "labels with --ca-key, --bpki-ta-key, --bpki-ee-key\n", c->tok.label,
			    labels[i]);
			taken = true;
		} else if (r != SIGNER_ERR_NO_KEY) {
			fprintf(stderr, "updownctl: token '%s': %s (%s)\n", c->tok.label,
			    signer_strerror(r), signer_last_error());
			return EXIT_IO;
		}
	}
	if (taken)
		return EXIT_REFUSED;
	for (int i = 0; i < 3; i++) {
		struct key_made *m = &c->keys[i];

		m->role = roles[i];
		m->label = labels[i];
		if ((r = signer_key_generate(c->s, labels[i], 0, &m->key)) != 0) {
			fprintf(stderr, "updownctl: generating '%s' in token '%s': %s (%s)\n",
			    labels[i], c->tok.label, signer_strerror(r), signer_last_error());
			return r == SIGNER_ERR_KEY_EXISTS ? EXIT_REFUSED : EXIT_IO;
		}
		c->nkeys++;
		if (signer_key_id(m->key, m->id, sizeof(m->id), &m->id_len) != 0 ||
		    (r = signer_key_public(c->s, m->key, &m->spki, &m->spki_len)) != 0) {
			fprintf(stderr, "updownctl: reading back '%s': %s\n", labels[i],
			    signer_last_error());
			return EXIT_IO;
		}
	}
	if (getenv("UPDOWN_TEST_CEREMONY_FAIL") != NULL &&
	    strcmp(getenv("UPDOWN_TEST_CEREMONY_FAIL"), "after-keys") == 0) {
		fprintf(stderr, "updownctl: failing after the keys as the test asked\n");
		return EXIT_IO;
	}
	return 0;
}

static int
serial_of(uint64_t v, unsigned char out[9], size_t *len)
{
	return cert_serial_from_u64(v, out, len);
}

/* The RPKI side: the self-signed TA and its TAL, or the upstream request. */
static int
make_rpki(struct ceremony *c)
{
	char gski[CERT_FILE_NAME_SIZE];
	size_t gl;
	int r;

	if (cert_file_name(c->keys[0].spki, c->keys[0].spki_len, gski) != 0)
		return EXIT_IO;
	gl = strlen(gski) - 4;	/* without ".cer" */
	if (snprintf(c->mft_uri, sizeof(c->mft_uri), "%s%.*s.mft", c->repo_uri, (int)gl, gski) >=
	    (int)sizeof(c->mft_uri))
		return EXIT_USAGE;
	if (c->o.upstream)
		return make_csr(c->s, c->keys[0].key, c->keys[0].spki, c->keys[0].spki_len,
		    c->repo_uri, c->mft_uri, c->o.notify, &c->csr, &c->csr_len);
	{
		struct cert_ta_params tp;
		unsigned char serial[9];
		const char *uris[1 + MAX_TAL_URIS];
		size_t nuris = 0;

		memset(&tp, 0, sizeof(tp));
		if (serial_of(1, serial, &tp.serial_len) != 0)
			return EXIT_IO;
		tp.serial = serial;
		tp.not_before = c->now - 300;
		tp.not_after = c->now + (time_t)c->o.ta_years * YEAR;
		tp.subject_cn = NULL;	/* hex SHA-1 of the key */
		tp.sia_ca_repository = c->repo_uri;
		tp.sia_rpki_manifest = c->mft_uri;
		tp.sia_rpki_notify = c->o.notify;
		tp.res = &c->res;
		if ((r = cert_make_ta(c->s, c->keys[0].key, &tp, &c->ta, &c->ta_len)) != 0) {
			fprintf(stderr, "updownctl: the TA certificate: %s (%s)\n", cert_strerror(r),
			    signer_last_error());
			return EXIT_IO;
		}
		uris[nuris++] = c->cert_uri;
		for (size_t i = 0; i < c->o.ntal; i++)
			uris[nuris++] = c->o.tal_uris[i];
		if ((r = cert_write_tal(uris, nuris, c->ta, c->ta_len, &c->tal, &c->tal_len)) != 0) {
			fprintf(stderr, "updownctl: the TAL: %s\n", cert_strerror(r));
			return EXIT_IO;
		}
	}
	return 0;
}

/* The BPKI (RFC 6492 3.1): TA, EE, and an initial empty CRL (number 0). */
static int
make_bpki(struct ceremony *c)
{
	struct cert_bpki_params bp;
	struct cert_issuer ta;
	struct crl_params cp;
	unsigned char serial[9];
	char cn[300];
	int r, rc = EXIT_IO;

	cert_issuer_init(&ta);
	memset(&bp, 0, sizeof(bp));
	snprintf(cn, sizeof(cn), "%s BPKI TA", c->o.handle);
	if (strlen(cn) > CERT_MAX_CN)
		snprintf(cn, sizeof(cn), "updown BPKI TA");
	if (serial_of(1, serial, &bp.serial_len) != 0)
		goto out;
	bp.serial = serial;
	bp.not_before = c->now - 300;
	bp.not_after = c->now + (time_t)c->o.bpki_years * YEAR;
	bp.subject_cn = cn;
	if ((r = cert_bpki_ta(c->s, c->keys[1].key, &bp, &c->bpki_ta, &c->bpki_ta_len)) != 0) {
		fprintf(stderr, "updownctl: the BPKI TA: %s\n", cert_strerror(r));
		goto out;
	}
	if ((r = cert_issuer_load(&ta, c->s, c->keys[1].key, c->bpki_ta, c->bpki_ta_len)) != 0) {
		fprintf(stderr, "updownctl: the BPKI TA does not load: %s\n", cert_strerror(r));
		goto out;
	}
	snprintf(cn, sizeof(cn), "%s BPKI EE", c->o.handle);
	if (strlen(cn) > CERT_MAX_CN)
		snprintf(cn, sizeof(cn), "updown BPKI EE");
	if (serial_of(2, serial, &bp.serial_len) != 0)
		goto out;
	bp.not_after = c->now + (time_t)c->o.ee_days * DAY;
	if ((r = cert_bpki_ee(&ta, c->keys[2].spki, c->keys[2].spki_len, &bp, &c->bpki_ee,
	    &c->bpki_ee_len)) != 0) {
		fprintf(stderr, "updownctl: the BPKI EE: %s\n", cert_strerror(r));
		goto out;
	}
	memset(&cp, 0, sizeof(cp));
	cp.this_update = c->now - 300;
	cp.next_update = c->now + CONF_DEFAULT_BPKI_VALIDITY;
	cp.number = 0;	/* the appliance's first BPKI CRL is number 1 */
	if ((r = crl_write(&ta, &cp, &c->bpki_crl, &c->bpki_crl_len)) != 0) {
		fprintf(stderr, "updownctl: the BPKI CRL: %s\n", crl_strerror(r));
		goto out;
	}
	rc = 0;
out:
	cert_issuer_free(&ta);
	return rc;
}

static char *
xstrdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* The configuration, printed by proto/conf and parsed back as a check. */
static int
make_conf(struct ceremony *c, char **text, size_t *len)
{
	struct conf *k = &c->conf, back;
	struct conf_error err;
	char name[128];
	int r;

	conf_init(k);
	k->handle = xstrdup(c->o.handle);
	k->state_dir = xstrdup("state");
	k->service_uri_base = xstrdup(c->o.service_base);
	k->hsm.module = xstrdup(c->o.module);
	k->hsm.token_uri = xstrdup(c->token_uri);
	k->hsm.mech = c->o.mech;
	k->hsm.key_private = c->o.key_private;
	k->hsm.key_sensitive = c->o.key_sensitive;
	k->hsm.key_extractable = c->o.key_extractable;
	k->hsm.key_modifiable = c->o.key_modifiable;
	k->bpki.ta_cert = xstrdup("bpki-ta.cer");
	k->bpki.ta_key = xstrdup(c->o.ta_key);
	k->bpki.ee_cert = xstrdup("bpki-ee.cer");
	k->bpki.ee_key = xstrdup(c->o.ee_key);
	k->bpki.crl = xstrdup("bpki.crl");
	if ((k->classes = calloc(1, sizeof(*k->classes))) == NULL)
		return EXIT_IO;
	k->nclasses = 1;
	snprintf(name, sizeof(name), "ca-%s.cer", c->o.cls);
	k->classes[0].name = xstrdup(c->o.cls);
	k->classes[0].cert = xstrdup(name);
	k->classes[0].key = xstrdup(c->o.ca_key);
	k->classes[0].cert_uri = c->cert_uri[0] != '\0' ? xstrdup(c->cert_uri) : NULL;
	k->classes[0].pub_root = xstrdup("repository");
	if (c->o.noperators > 0 &&
	    (k->prov.operators = calloc(c->o.noperators, sizeof(char *))) == NULL)
		return EXIT_IO;
	for (size_t i = 0; i < c->o.noperators; i++) {
		char p[100];

		snprintf(p, sizeof(p), "operators/%s", c->op_name[i]);
		if ((k->prov.operators[i] = xstrdup(p)) == NULL)
			return EXIT_IO;
		k->prov.noperators++;
	}
	k->prov.threshold = c->o.threshold;
	k->net.http_port = c->o.http_port;
	if (c->o.address != NULL) {
		char a[32];
		const char *sl = strchr(c->o.address, '/');
		unsigned pl;

		if (sl == NULL || (size_t)(sl - c->o.address) >= sizeof(a) ||
		    parse_uint("--address", sl + 1, 1, 32, &pl) != 0)
			goto bad_address;
		memcpy(a, c->o.address, (size_t)(sl - c->o.address));
		a[sl - c->o.address] = '\0';
		if (inet_pton(AF_INET, a, k->net.address) != 1)
			goto bad_address;
		k->net.prefix = pl;
		k->net.has_address = true;
	}
	if (c->o.gateway != NULL) {
		if (inet_pton(AF_INET, c->o.gateway, k->net.gateway) != 1) {
			fprintf(stderr, "updownctl: --gateway: want A.B.C.D\n");
			return EXIT_USAGE;
		}
		k->net.has_gateway = true;
	}
	if ((r = conf_print(k, text, len)) != 0) {
		conf_check(k, &err);
		fprintf(stderr, "updownctl: the configuration would be refused: %s\n", err.msg);
		return r == CONF_ERR_PIN ? EXIT_REFUSED : EXIT_USAGE;
	}
	if (conf_parse(*text, *len, CTL_CONF_FILE, &back, &err) != 0 || !conf_equal(k, &back)) {
		fprintf(stderr, "updownctl: the written configuration does not parse back: %s\n",
		    err.msg);
		conf_free(&back);
		return EXIT_IO;
	}
	conf_free(&back);
	return 0;
bad_address:
	fprintf(stderr, "updownctl: --address: want A.B.C.D/LEN\n");
	return EXIT_USAGE;
}

/* The record: token, keys, fingerprints of every key and certificate, the TAL. */
static void
make_record(struct ceremony *c)
{
	char when[UD_TIME_SIZE], fp[65], hex[2 * SIGNER_MAX_ID + 1], a[UD_TIME_SIZE],
	    b[UD_TIME_SIZE];
	unsigned char ski[CERT_SKI_LEN];
	char skih[2 * CERT_SKI_LEN + 1];

	time_text(c->now, when);
	rec(c, "updown key ceremony record\n");
	rec(c, "date:            %s\n", when);
	rec(c, "configuration:   %s/%s\n", c->o.dir, CTL_CONF_FILE);
	rec(c, "parent handle:   %s\n", c->o.handle);
	rec(c, "service URI:     %s<child handle>\n", c->o.service_base);
	rec(c, "\ntoken%s:\n", c->token_initialised ? " (initialised by this ceremony)" : "");
	rec(c, "  label:         %s\n", c->tok.label);
	rec(c, "  serial:        %s\n", c->tok.serial);
	rec(c, "  manufacturer:  %s\n", c->tok.manufacturer);
	rec(c, "  model:         %s\n", c->tok.model);
	rec(c, "  module:        %s\n", c->o.module);
	rec(c, "  key template:  private=%s sensitive=%s extractable=%s modifiable=%s\n",
	    c->o.key_private ? "yes" : "no", c->o.key_sensitive ? "yes" : "no",
	    c->o.key_extractable ? "yes" : "no", c->o.key_modifiable ? "yes" : "no");
	rec(c, "\nkeys (RSA-2048, generated inside the token):\n");
	for (size_t i = 0; i < c->nkeys; i++) {
		const struct key_made *m = &c->keys[i];

		ctl_hex(m->id, m->id_len, hex);
		ctl_sha256_hex(m->spki, m->spki_len, fp);
		if (cert_ski(m->spki, m->spki_len, ski) == 0)
			ctl_hex(ski, sizeof(ski), skih);
		else
			snprintf(skih, sizeof(skih), "?");
		rec(c, "  %s\n    label:             %s\n    id:                %s\n"
		    "    SKI (SHA-1):       %s\n    SPKI SHA-256:      %s\n", m->role, m->label, hex,
		    skih, fp);
	}
	rec(c, "\ncertificates:\n");
	if (c->ta != NULL) {
		struct cert_issuer iss;

		cert_issuer_init(&iss);
		ctl_sha256_hex(c->ta, c->ta_len, fp);
		rec(c, "  ca-%s.cer (self-signed RPKI trust anchor, class %s)\n    SHA-256:           %s\n",
		    c->o.cls, c->o.cls, fp);
		if (cert_parse_rpki_ca(&iss, c->ta, c->ta_len) == 0) {
			char *as = NULL, *v4 = NULL, *v6 = NULL;

			time_text(iss.not_before, a);
			time_text(iss.not_after, b);
			(void)res_set_print(&iss.res.as, &as);
			(void)res_set_print(&iss.res.v4, &v4);
			(void)res_set_print(&iss.res.v6, &v6);
			rec(c, "    valid:             %s .. %s\n    resources:         as=%s ipv4=%s "
			    "ipv6=%s\n    caRepository:      %s\n    rpkiManifest:      %s\n", a, b,
			    as ? as : "?", v4 ? v4 : "?", v6 ? v6 : "?", c->repo_uri, c->mft_uri);
			free(as);
			free(v4);
			free(v6);
		}
		cert_issuer_free(&iss);
		rec(c, "    published at:      %s\n", c->cert_uri);
	}
	if (c->csr != NULL) {
		ctl_sha256_hex(c->csr, c->csr_len, fp);
		rec(c, "  upstream-%s.csr (PKCS#10 for the upstream parent, CA key)\n"
		    "    SHA-256:           %s\n    caRepository:      %s\n    rpkiManifest:      %s\n",
		    c->o.cls, fp, c->repo_uri, c->mft_uri);
		rec(c, "    certificate:       pending: updownctl ceremony import-ca --dir %s "
		    "CERT\n", c->o.dir);
	}
	ctl_sha256_hex(c->bpki_ta, c->bpki_ta_len, fp);
	rec(c, "  bpki-ta.cer (BPKI trust anchor: the parent_bpki_ta children get)\n"
	    "    SHA-256:           %s\n", fp);
	ctl_sha256_hex(c->bpki_ee, c->bpki_ee_len, fp);
	rec(c, "  bpki-ee.cer (BPKI EE: signs the appliance's replies)\n"
	    "    SHA-256:           %s\n", fp);
	ctl_sha256_hex(c->bpki_crl, c->bpki_crl_len, fp);
	rec(c, "  bpki.crl (initial BPKI CRL, number 0)\n    SHA-256:           %s\n", fp);
	rec(c, "\noperators (a bundle needs %u of %zu):\n", c->o.threshold, c->o.noperators);
	if (c->o.noperators == 0)
		rec(c, "  none: the appliance accepts no allocation table until operators are "
		    "registered in %s\n", CTL_CONF_FILE);
	for (size_t i = 0; i < c->o.noperators; i++) {
		ctl_sha256_hex(c->op_spki[i], c->op_spki_len[i], fp);
		if (cert_ski(c->op_spki[i], c->op_spki_len[i], ski) == 0)
			ctl_hex(ski, sizeof(ski), skih);
		else
			snprintf(skih, sizeof(skih), "?");
		rec(c, "  operators/%s (from %s)\n    SKI (SHA-1):       %s\n"
		    "    SPKI SHA-256:      %s\n", c->op_name[i], c->o.operators[i], skih, fp);
	}
	if (c->tal != NULL)
		rec(c, "\nTAL (ta.tal, RFC 8630):\n%s", c->tal);
}

/* Where the TA certificate goes in the publication tree: repository/HOST/MODULE/... */
static int
stage_ta_publication(struct ceremony *c)
{
	const char *p = c->cert_uri + strlen("rsync://");
	char rel[2200], dir[2200];
	size_t n;
	int r;

	if (snprintf(rel, sizeof(rel), "repository/%s", p) >= (int)sizeof(rel))
		return EXIT_IO;
	/* make each directory of the path */
	for (n = strlen("repository/"); rel[n] != '\0'; n++) {
		if (rel[n] != '/')
			continue;
		memcpy(dir, rel, n);
		dir[n] = '\0';
		if (mkdir(ctl_stage_path(&c->st, dir), 0755) != 0 && errno != EEXIST) {
			fprintf(stderr, "updownctl: %s: %s\n", ctl_stage_path(&c->st, dir),
			    strerror(errno));
			return EXIT_IO;
		}
	}
	if ((r = ctl_stage_write(&c->st, rel, c->ta, c->ta_len, false)) != 0)
		return r;
	return 0;
}

static int
stage_all(struct ceremony *c, const char *conf_text, size_t conf_len)
{
	char name[128], table[256];
	struct stat sb;
	int r;

	snprintf(name, sizeof(name), "ca-%s.cer", c->o.cls);
	if ((r = ctl_stage_write(&c->st, CTL_CONF_FILE, conf_text, conf_len, false)) != 0 ||
	    (r = ctl_stage_write(&c->st, "bpki-ta.cer", c->bpki_ta, c->bpki_ta_len, false)) != 0 ||
	    (r = ctl_stage_write(&c->st, "bpki-ee.cer", c->bpki_ee, c->bpki_ee_len, false)) != 0 ||
	    (r = ctl_stage_write(&c->st, "bpki.crl", c->bpki_crl, c->bpki_crl_len, false)) != 0 ||
	    (r = ctl_stage_mkdir(&c->st, "state")) != 0 ||
	    (r = ctl_stage_mkdir(&c->st, "repository")) != 0 ||
	    (r = ctl_stage_mkdir(&c->st, "operators")) != 0)
		return r;
	if (c->ta != NULL) {
		if ((r = ctl_stage_write(&c->st, name, c->ta, c->ta_len, false)) != 0 ||
		    (r = ctl_stage_write(&c->st, "ta.tal", c->tal, c->tal_len, false)) != 0 ||
		    (r = stage_ta_publication(c)) != 0)
			return r;
	}
	if (c->csr != NULL) {
		snprintf(name, sizeof(name), "upstream-%s.csr", c->o.cls);
		if ((r = ctl_stage_write(&c->st, name, c->csr, c->csr_len, false)) != 0)
			return r;
	}
	for (size_t i = 0; i < c->o.noperators; i++) {
		snprintf(name, sizeof(name), "operators/%s", c->op_name[i]);
		if ((r = ctl_stage_write(&c->st, name, c->op_file[i], c->op_file_len[i], false)) != 0)
			return r;
	}
	/* an initial table, unless the directory has one (--force keeps it) */
	snprintf(name, sizeof(name), "%s/table.txt", c->o.dir);
	if (stat(name, &sb) != 0) {
		int n = snprintf(table, sizeof(table),
		    "# Allocation table of %s (docs/allocation-table.md).\n"
		    "# Add children with updownctl onboard; raise the version for every bundle.\n"
		    "version 1\n\nclass %s\n", c->o.handle, c->o.cls);

		if (n < 0 || (size_t)n >= sizeof(table) ||
		    (r = ctl_stage_write(&c->st, "table.txt", table, (size_t)n, false)) != 0)
			return EXIT_IO;
	}
	return ctl_stage_write(&c->st, "ceremony-record.txt", c->record, c->record_len, false);
}

/* After a failure: which keys now sit in the token, and how to remove them. */
static void
report_orphans(const struct ceremony *c)
{
	char hex[2 * SIGNER_MAX_ID + 1];

	if (c->token_initialised)
		fprintf(stderr, "updownctl: the token '%s' was initialised by this ceremony\n",
		    c->o.init_token);
	if (c->nkeys == 0)
		return;
	fprintf(stderr, "updownctl: nothing was written, but these keys were generated in "
	    "token '%s' before the failure (updownctl never deletes keys):\n", c->tok.label);
	for (size_t i = 0; i < c->nkeys; i++) {
		ctl_hex(c->keys[i].id, c->keys[i].id_len, hex);
		fprintf(stderr, "  %-12s label '%s' id %s\n", c->keys[i].role, c->keys[i].label,
		    hex);
	}
	fprintf(stderr, "remove them (private and public objects) with your HSM's tool, e.g.\n"
	    "  pkcs11-tool --module %s --login --delete-object --type privkey --label LABEL\n"
	    "  pkcs11-tool --module %s --login --delete-object --type pubkey --label LABEL\n"
	    "or run the ceremony again with other labels (--ca-key, --bpki-ta-key, "
	    "--bpki-ee-key).\n", c->o.module, c->o.module);
}

static void
ceremony_free(struct ceremony *c)
{
	for (size_t i = 0; i < 3; i++)
		free(c->keys[i].spki);
	for (size_t i = 0; i < MAX_OPERATORS; i++) {
		free(c->op_file[i]);
		free(c->op_spki[i]);
	}
	signer_close(c->s);
	res_bundle_free(&c->res);
	conf_free(&c->conf);
	free(c->ta);
	free(c->csr);
	free(c->bpki_ta);
	free(c->bpki_ee);
	free(c->bpki_crl);
	free(c->tal);
	free(c->record);
}

static int
ceremony_run(int argc, char **argv)
{
	struct ceremony *c = calloc(1, sizeof(*c));
	char *conf_text = NULL;
	size_t conf_len = 0;
	int rc;

	if (c == NULL)
		return EXIT_IO;
	res_bundle_init(&c->res);
	conf_init(&c->conf);
	c->now = time(NULL);
	if ((rc = parse_opts(argc, argv, &c->o)) != 0)
		goto out;
	if (!c->o.upstream && (rc = parse_resources(c->o.resources, &c->res)) != 0)
		goto out;
	/* everything that can be checked without the token, first */
	if ((rc = check_dir(c)) != 0 || (rc = load_operators(c)) != 0 ||
	    (rc = token_uri_of(c)) != 0)
		goto out;
	if (snprintf(c->repo_uri, sizeof(c->repo_uri), "%srepo/", c->o.rsync_base) >=
	    (int)sizeof(c->repo_uri) ||
	    snprintf(c->cert_uri, sizeof(c->cert_uri), "%s", c->o.cert_uri != NULL ?
	    c->o.cert_uri : c->o.upstream ? "" : c->o.rsync_base) >= (int)sizeof(c->cert_uri) - 8) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (c->o.cert_uri == NULL && !c->o.upstream)
		strcat(c->cert_uri, "ta.cer");
	/* the configuration is complete before the token is touched */
	if ((rc = make_conf(c, &conf_text, &conf_len)) != 0)
		goto out;
	if ((rc = ctl_stage_open(&c->st, c->o.dir)) != 0)
		goto out;
	if ((rc = open_token(c)) != 0 || (rc = make_keys(c)) != 0 ||
	    (rc = make_rpki(c)) != 0 || (rc = make_bpki(c)) != 0)
		goto fail;
	make_record(c);
	if (c->record == NULL) {
		rc = EXIT_IO;
		goto fail;
	}
	if ((rc = stage_all(c, conf_text, conf_len)) != 0 || (rc = ctl_stage_commit(&c->st)) != 0)
		goto fail;
	fwrite(c->record, 1, c->record_len, stdout);
	if (c->o.noperators == 0)
		fprintf(stderr, "updownctl: warning: no operator keys registered: the appliance "
		    "will accept no allocation table\n");
	rc = 0;
	goto out;
fail:
	ctl_stage_abort(&c->st);
	report_orphans(c);
out:
	ctl_stage_abort(&c->st);
	free(conf_text);
	ceremony_free(c);
	free(c);
	return rc;
}

/* ---- import-ca ---- */

static int
import_ca(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "class", required_argument, NULL, 'c' },
		{ "cert-uri", required_argument, NULL, 'u' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *cls = NULL, *uri = NULL;
	bool force = false;
	struct conf c;
	struct conf_class *k = NULL;
	struct signer *s = NULL;
	struct signer_key *key;
	struct cert_issuer iss;
	unsigned char *der = NULL, *rec_old = NULL;
	size_t len, rec_len = 0, text_len;
	char *cert_path = NULL, *conf_path = NULL, *rec_path = NULL, *text = NULL;
	char fp[65], a[UD_TIME_SIZE], b[UD_TIME_SIZE], tmp1[4200], tmp2[4200], tmp3[4200];
	struct stat sb;
	int ch, rc, r;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'c': cls = optarg; break;
		case 'u': uri = optarg; break;
		case 'f': force = true; break;
		default: return ceremony_usage();
		}
	}
	if (dir == NULL || optind != argc - 1)
		return ceremony_usage();
	cert_issuer_init(&iss);
	if ((rc = ctl_conf_load(dir, &c)) != 0)
		return rc;
	for (size_t i = 0; i < c.nclasses; i++)
		if (cls == NULL ? c.nclasses == 1 : strcmp(c.classes[i].name, cls) == 0)
			k = &c.classes[i];
	rc = EXIT_USAGE;
	if (k == NULL) {
		fprintf(stderr, "updownctl: %s: %s\n", dir, cls == NULL ?
		    "several classes: say which with --class" : "no such class");
		goto out;
	}
	if (uri == NULL && k->cert_uri == NULL) {
		fprintf(stderr, "updownctl: class %s has no cert_uri yet: give --cert-uri (where "
		    "the parent publishes our certificate, its cert_url)\n", k->name);
		goto out;
	}
	if (uri != NULL) {
		struct conf_error err;

		free(k->cert_uri);
		if ((k->cert_uri = strdup(uri)) == NULL) {
			rc = EXIT_IO;
			goto out;
		}
		if (conf_check(&c, &err) != 0) {
			fprintf(stderr, "updownctl: --cert-uri: %s\n", err.msg);
			goto out;
		}
	}
	rc = EXIT_IO;
	if ((cert_path = ctl_conf_path(dir, k->cert)) == NULL ||
	    (conf_path = ctl_conf_path(dir, CTL_CONF_FILE)) == NULL ||
	    (rec_path = ctl_conf_path(dir, "ceremony-record.txt")) == NULL)
		goto out;
	if (stat(cert_path, &sb) == 0 && !force) {
		fprintf(stderr, "updownctl: %s exists: refused (--force replaces it; the key "
		    "must be the same)\n", cert_path);
		rc = EXIT_REFUSED;
		goto out;
	}
	if ((rc = ctl_read_der(argv[optind], "CERTIFICATE", &der, &len)) != 0)
		goto out;
	if ((rc = ctl_conf_signer(&c, &s)) != 0)
		goto out;
	rc = EXIT_IO;
	if ((r = signer_key_find(s, k->key, &key)) != 0) {
		fprintf(stderr, "updownctl: key '%s': %s (%s)\n", k->key, signer_strerror(r),
		    signer_last_error());
		goto out;
	}
	if ((r = cert_import_ca(&iss, s, key, der, len)) != 0) {
		fprintf(stderr, "updownctl: %s: %s\n", argv[optind], cert_strerror(r));
		rc = EXIT_REFUSED;
		goto out;
	}
	if ((r = conf_print(&c, &text, &text_len)) != 0) {
		fprintf(stderr, "updownctl: %s: %s\n", conf_path, conf_strerror(r));
		goto out;
	}
	/* the record gets a section; the three files are renamed at the end */
	if (stat(rec_path, &sb) == 0 && ctl_read_file(rec_path, &rec_old, &rec_len) != 0)
		goto out;
	{
		char *as = NULL, *v4 = NULL, *v6 = NULL, *add;
		char now[UD_TIME_SIZE];
		int n;

		time_text(time(NULL), now);
		time_text(iss.not_before, a);
		time_text(iss.not_after, b);
		ctl_sha256_hex(der, len, fp);
		(void)res_set_print(&iss.res.as, &as);
		(void)res_set_print(&iss.res.v4, &v4);
		(void)res_set_print(&iss.res.v6, &v6);
		n = snprintf(NULL, 0, "\nimport-ca %s:\n  %s (issued by the upstream parent, class %s)\n"
		    "    SHA-256:           %s\n    valid:             %s .. %s\n"
		    "    resources:         as=%s ipv4=%s ipv6=%s\n    published at:      %s\n",
		    now, k->cert, k->name, fp, a, b, as ? as : "", v4 ? v4 : "", v6 ? v6 : "",
		    k->cert_uri);
		if (n < 0 || (add = malloc((size_t)n + 1)) == NULL) {
			free(as);
			free(v4);
			free(v6);
			goto out;
		}
		n = snprintf(add, (size_t)n + 1, "\nimport-ca %s:\n  %s (issued by the upstream parent, class %s)\n"
		    "    SHA-256:           %s\n    valid:             %s .. %s\n"
		    "    resources:         as=%s ipv4=%s ipv6=%s\n    published at:      %s\n",
		    now, k->cert, k->name, fp, a, b, as ? as : "", v4 ? v4 : "", v6 ? v6 : "",
		    k->cert_uri);
		free(as);
		free(v4);
		free(v6);
		fputs(add + 1, stdout);
		{
			unsigned char *nr = realloc(rec_old, rec_len + (size_t)n + 1);

			if (nr == NULL) {
				free(add);
				goto out;
			}
			rec_old = nr;
			memcpy(rec_old + rec_len, add, (size_t)n + 1);
			rec_len += (size_t)n;
		}
		free(add);
	}
	snprintf(tmp1, sizeof(tmp1), "%s.import-tmp", cert_path);
	snprintf(tmp2, sizeof(tmp2), "%s.import-tmp", conf_path);
	snprintf(tmp3, sizeof(tmp3), "%s.import-tmp", rec_path);
	{
		FILE *f;
		bool ok = true;

		if ((f = fopen(tmp1, "wb")) == NULL || fwrite(der, 1, len, f) != len ||
		    fclose(f) != 0)
			ok = false;
		if (ok && ((f = fopen(tmp2, "wb")) == NULL ||
		    fwrite(text, 1, text_len, f) != text_len || fclose(f) != 0))
			ok = false;
		if (ok && ((f = fopen(tmp3, "wb")) == NULL ||
		    fwrite(rec_old, 1, rec_len, f) != rec_len || fclose(f) != 0))
			ok = false;
		if (!ok || rename(tmp1, cert_path) != 0 || rename(tmp2, conf_path) != 0 ||
		    rename(tmp3, rec_path) != 0) {
			fprintf(stderr, "updownctl: %s: %s\n", dir, strerror(errno));
			remove(tmp1);
			remove(tmp2);
			remove(tmp3);
			goto out;
		}
	}
	rc = 0;
out:
	cert_issuer_free(&iss);
	signer_close(s);
	conf_free(&c);
	free(der);
	free(rec_old);
	free(text);
	free(cert_path);
	free(conf_path);
	free(rec_path);
	return rc;
}

/* updownctl ceremony ... | updownctl ceremony import-ca ... */
int
cmd_ceremony(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "import-ca") == 0)
		return import_ca(argc - 1, argv + 1);
	return ceremony_run(argc, argv);
}
