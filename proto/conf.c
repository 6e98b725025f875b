/*
 * proto/conf: the appliance configuration model (docs/configuration.md):
 * the table of keys, value checks, defaults, equality, path helpers and
 * the operator key loader. The parser is conf_parse.c, the printer
 * conf_print.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/x509_crt.h>

#include "conf_int.h"
#include "proto/conf.h"

#define YEAR (365u * 86400u)

/* ---- the key table ---- */

#define K(sec, st, name, type, field, sv, min, max, unit, req, off) \
	{ sec, name, type, offsetof(st, field), sv, min, max, unit, req, off }

const struct conf_key conf_keys[] = {
	K(CONF_SEC_APPLIANCE, struct conf, "handle", CONF_KT_STR, handle,
	    CONF_SV_HANDLE, 0, 0, CONF_U_NONE, true, false),
	K(CONF_SEC_APPLIANCE, struct conf, "state_dir", CONF_KT_STR, state_dir,
	    CONF_SV_PATH, 0, 0, CONF_U_NONE, true, false),
	K(CONF_SEC_APPLIANCE, struct conf, "service_uri_base", CONF_KT_STR, service_uri_base,
	    CONF_SV_HTTP_BASE, 0, 0, CONF_U_NONE, true, false),

	K(CONF_SEC_HSM, struct conf_hsm, "module", CONF_KT_STR, module,
	    CONF_SV_PATH, 0, 0, CONF_U_NONE, true, false),
	K(CONF_SEC_HSM, struct conf_hsm, "token_uri", CONF_KT_STR, token_uri,
	    CONF_SV_TOKEN_URI, 0, 0, CONF_U_NONE, true, false),
	K(CONF_SEC_HSM, struct conf_hsm, "mechanism", CONF_KT_MECH, mech,
	    CONF_SV_NONE, 0, 0, CONF_U_NONE, false, false),
	K(CONF_SEC_HSM, struct conf_hsm, "key_private", CONF_KT_BOOL, key_private,
	    CONF_SV_NONE, 0, 0, CONF_U_NONE, false, false),
	K(CONF_SEC_HSM, struct conf_hsm, "key_sensitive", CONF_KT_BOOL, key_sensitive,
	    CONF_SV_NONE, 0, 0, CONF_U_NONE, false, false),
	K(CONF_SEC_HSM, struct conf_hsm, "key_extractable", CONF_KT_BOOL, key_extractable,
	    CONF_SV_NONE, 0, 0, CONF_U_NONE, false, false),
	K(CONF_SEC_HSM, struct conf_hsm, "key_modifiable", CONF_KT_BOOL, key_modifiable,
	    CONF_SV_NONE, 0, 0, CONF_U_NONE, false, false),

	K(CONF_SEC_BPKI, struct conf_bpki, "ta_cert", CONF_KT_STR, ta_cert,
	    CONF_SV_PATH, 0, 0, CONF_U_NONE, true, false),
	K(CONF_SEC_BPKI, struct conf_bpki, "ta_key", CONF_KT_STR, ta_key,
	    CONF_SV_KEY, 0, 0, CONF_U_NONE, true, false),
	K(CONF_SEC_BPKI, struct conf_bpki, "ee_cert", CONF_KT_STR, ee_cert,
	    CONF_SV_PATH, 0, 0, CONF_U_NONE, true, false),
	K(CONF_SEC_BPKI, struct conf_bpki, "ee_key", CONF_KT_STR, ee_key,
	    CONF_SV_KEY, 0, 0, CONF_U_NONE, true, false),
	K(CONF_SEC_BPKI, struct conf_bpki, "crl", CONF_KT_STR, crl,
	    CONF_SV_PATH, 0, 0, CONF_U_NONE, true, false),

	K(CONF_SEC_CLASS, struct conf_class, "cert", CONF_KT_STR, cert,
	    CONF_SV_PATH, 0, 0, CONF_U_NONE, true, false),
	K(CONF_SEC_CLASS, struct conf_class, "key", CONF_KT_STR, key,
	    CONF_SV_KEY, 0, 0, CONF_U_NONE, true, false),
	K(CONF_SEC_CLASS, struct conf_class, "cert_uri", CONF_KT_STR, cert_uri,
	    CONF_SV_RSYNC, 0, 0, CONF_U_NONE, false, false),
	K(CONF_SEC_CLASS, struct conf_class, "pub_root", CONF_KT_STR, pub_root,
	    CONF_SV_PATH, 0, 0, CONF_U_NONE, true, false),
	K(CONF_SEC_CLASS, struct conf_class, "crl_name", CONF_KT_STR, crl_name,
	    CONF_SV_CRL_NAME, 0, 0, CONF_U_NONE, false, false),

	K(CONF_SEC_NETWORK, struct conf_network, "address", CONF_KT_PREFIX, address,
	    CONF_SV_NONE, 0, 0, CONF_U_NONE, false, false),
	K(CONF_SEC_NETWORK, struct conf_network, "gateway", CONF_KT_IPV4, gateway,
	    CONF_SV_NONE, 0, 0, CONF_U_NONE, false, false),
	K(CONF_SEC_NETWORK, struct conf_network, "mac", CONF_KT_MAC, mac,
	    CONF_SV_NONE, 0, 0, CONF_U_NONE, false, false),
	K(CONF_SEC_NETWORK, struct conf_network, "mtu", CONF_KT_MTU, mtu,
	    CONF_SV_NONE, 0, 65535, CONF_U_NONE, false, false),
	K(CONF_SEC_NETWORK, struct conf_network, "http_port", CONF_KT_UINT, http_port,
	    CONF_SV_NONE, 1, 65535, CONF_U_NONE, false, false),
	K(CONF_SEC_NETWORK, struct conf_network, "max_request", CONF_KT_SIZE, max_request,
	    CONF_SV_NONE, 4096, 64u << 20, CONF_U_BYTES, false, false),
	K(CONF_SEC_NETWORK, struct conf_network, "workers", CONF_KT_UINT, workers,
	    CONF_SV_NONE, 1, 256, CONF_U_NONE, false, false),
	K(CONF_SEC_NETWORK, struct conf_network, "max_connections", CONF_KT_UINT,
	    max_connections, CONF_SV_NONE, 1, 4096, CONF_U_NONE, false, false),
	K(CONF_SEC_NETWORK, struct conf_network, "idle_timeout", CONF_KT_UINT, idle_timeout,
	    CONF_SV_NONE, 1, 3600, CONF_U_SECONDS, false, false),

	K(CONF_SEC_PROVISIONING, struct conf_provisioning, "operator", CONF_KT_LIST,
	    operators, CONF_SV_PATH, 0, 0, CONF_U_NONE, false, false),
	K(CONF_SEC_PROVISIONING, struct conf_provisioning, "threshold", CONF_KT_UINT,
	    threshold, CONF_SV_NONE, 1, CONF_MAX_OPERATORS, CONF_U_NONE, false, false),
	K(CONF_SEC_PROVISIONING, struct conf_provisioning, "path", CONF_KT_HTTP_PATH,
	    path, CONF_SV_NONE, 0, 0, CONF_U_NONE, false, false),

	K(CONF_SEC_POLICY, struct conf_policy, "max_skew", CONF_KT_UINT, max_skew,
	    CONF_SV_NONE, 1, 86400, CONF_U_SECONDS, false, false),
	K(CONF_SEC_POLICY, struct conf_policy, "shrink_grace", CONF_KT_UINT, shrink_grace,
	    CONF_SV_NONE, 0, YEAR, CONF_U_SECONDS, false, false),
	K(CONF_SEC_POLICY, struct conf_policy, "brake_max_count", CONF_KT_SIZE,
	    brake_max_count, CONF_SV_NONE, 1, 100000000, CONF_U_NONE, false, true),
	K(CONF_SEC_POLICY, struct conf_policy, "brake_max_share", CONF_KT_SHARE,
	    brake_share_ppm, CONF_SV_NONE, 1, CONF_BRAKE_SHARE_OFF, CONF_U_NONE, false, false),
	K(CONF_SEC_POLICY, struct conf_policy, "brake_floor", CONF_KT_SIZE, brake_floor,
	    CONF_SV_NONE, 1, 100000000, CONF_U_NONE, false, false),
	K(CONF_SEC_POLICY, struct conf_policy, "crl_validity", CONF_KT_UINT, crl_validity,
	    CONF_SV_NONE, 600, YEAR, CONF_U_SECONDS, false, false),
	K(CONF_SEC_POLICY, struct conf_policy, "crl_refresh", CONF_KT_UINT, crl_refresh,
	    CONF_SV_NONE, 1, YEAR, CONF_U_SECONDS, false, false),
	K(CONF_SEC_POLICY, struct conf_policy, "bpki_crl_validity", CONF_KT_UINT,
	    bpki_crl_validity, CONF_SV_NONE, 3600, YEAR, CONF_U_SECONDS, false, false),
	K(CONF_SEC_POLICY, struct conf_policy, "backdate", CONF_KT_UINT, backdate,
	    CONF_SV_NONE, 0, 86400, CONF_U_SECONDS, false, false),
	K(CONF_SEC_POLICY, struct conf_policy, "verify_replies", CONF_KT_BOOL,
	    verify_replies, CONF_SV_NONE, 0, 0, CONF_U_NONE, false, false),
	K(CONF_SEC_POLICY, struct conf_policy, "cms_der_only", CONF_KT_BOOL, cms_der_only,
	    CONF_SV_NONE, 0, 0, CONF_U_NONE, false, false),
	K(CONF_SEC_POLICY, struct conf_policy, "csr_mft_in_repo", CONF_KT_BOOL,
	    csr_mft_in_repo, CONF_SV_NONE, 0, 0, CONF_U_NONE, false, false),
	K(CONF_SEC_POLICY, struct conf_policy, "csr_host_names_only", CONF_KT_BOOL,
	    csr_host_names_only, CONF_SV_NONE, 0, 0, CONF_U_NONE, false, false),
	K(CONF_SEC_POLICY, struct conf_policy, "manifest_keys", CONF_KT_MFTKEYS, mft_keys,
	    CONF_SV_NONE, 0, 0, CONF_U_NONE, false, false),
};
const size_t conf_nkeys = sizeof(conf_keys) / sizeof(conf_keys[0]);

const char *const conf_sec_names[CONF_SEC_COUNT] = {
	"appliance", "hsm", "bpki", "class", "network", "provisioning", "policy",
};

/* The struct holding section sec's keys (class cls for [class]). */
void *
conf_sec_base(struct conf *c, enum conf_sec sec, size_t cls)
{
	switch (sec) {
	case CONF_SEC_APPLIANCE: return c;
	case CONF_SEC_HSM: return &c->hsm;
	case CONF_SEC_BPKI: return &c->bpki;
	case CONF_SEC_CLASS: return cls < c->nclasses ? &c->classes[cls] : NULL;
	case CONF_SEC_NETWORK: return &c->net;
	case CONF_SEC_PROVISIONING: return &c->prov;
	case CONF_SEC_POLICY: return &c->policy;
	default: return NULL;
	}
}

/* Const twin of conf_sec_base(). */
const void *
conf_sec_cbase(const struct conf *c, enum conf_sec sec, size_t cls)
{
	return conf_sec_base((struct conf *)(uintptr_t)c, sec, cls);
}

/* ---- model ---- */

/* An empty configuration with every default set (no allocation). */
void
conf_init(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->hsm.mech = CONF_MECH_SHA256_RSA_PKCS;
	c->hsm.key_private = true;
	c->hsm.key_sensitive = true;
	c->hsm.key_extractable = false;
	c->hsm.key_modifiable = false;
	c->net.http_port = CONF_DEFAULT_HTTP_PORT;
	c->net.max_request = CONF_DEFAULT_MAX_REQUEST;
	c->net.workers = CONF_DEFAULT_WORKERS;
	c->net.max_connections = CONF_DEFAULT_MAX_CONNECTIONS;
	c->net.idle_timeout = CONF_DEFAULT_IDLE_TIMEOUT;
	c->prov.threshold = 1;
	memcpy(c->prov.path, CONF_DEFAULT_PROVISION_PATH, sizeof(CONF_DEFAULT_PROVISION_PATH));
	c->policy.max_skew = CONF_DEFAULT_SKEW;
	c->policy.shrink_grace = 0;
	c->policy.brake_max_count = CONF_DEFAULT_BRAKE_COUNT;
	c->policy.brake_share_ppm = CONF_DEFAULT_BRAKE_SHARE_PPM;
	c->policy.brake_floor = CONF_DEFAULT_BRAKE_FLOOR;
	c->policy.crl_validity = CONF_DEFAULT_CRL_VALIDITY;
	c->policy.crl_refresh = CONF_DEFAULT_CRL_VALIDITY / 2;
	c->policy.bpki_crl_validity = CONF_DEFAULT_BPKI_VALIDITY;
	c->policy.backdate = 0;
	c->policy.verify_replies = true;
	c->policy.mft_keys = CONF_MFT_KEYS_SOFTWARE;
}

/* Free everything c owns and leave it as conf_init() does. Accepts NULL. */
void
conf_free(struct conf *c)
{
	size_t i, k;

	if (c == NULL)
		return;
	for (i = 0; i < c->nclasses; i++)
		free(c->classes[i].name);
	for (k = 0; k < conf_nkeys; k++) {
		const struct conf_key *key = &conf_keys[k];
		size_t n = key->sec == CONF_SEC_CLASS ? c->nclasses : 1;

		if (key->type != CONF_KT_STR)
			continue;
		for (i = 0; i < n; i++) {
			char **p = (char **)((char *)conf_sec_base(c, key->sec, i) + key->off);

			free(*p);
		}
	}
	for (i = 0; i < c->prov.noperators; i++)
		free(c->prov.operators[i]);
	free(c->prov.operators);
	free(c->classes);
	free(c->source);
	conf_init(c);
}

/* The class called name, or NULL. */
const struct conf_class *
conf_find_class(const struct conf *c, const char *name)
{
	if (c == NULL || name == NULL)
		return NULL;
	for (size_t i = 0; i < c->nclasses; i++)
		if (strcmp(c->classes[i].name, name) == 0)
			return &c->classes[i];
	return NULL;
}

static bool
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Compare one key's value in two section structs. */
static bool
value_eq(const struct conf_key *k, const void *a, const void *b)
{
	const char *pa = (const char *)a + k->off, *pb = (const char *)b + k->off;

	switch (k->type) {
	case CONF_KT_STR:
		return str_eq(*(char *const *)pa, *(char *const *)pb);
	case CONF_KT_BOOL:
		return *(const bool *)pa == *(const bool *)pb;
	case CONF_KT_UINT:
	case CONF_KT_SHARE:
	case CONF_KT_MTU:
		return *(const unsigned *)pa == *(const unsigned *)pb;
	case CONF_KT_SIZE:
		return *(const size_t *)pa == *(const size_t *)pb;
	case CONF_KT_MECH:
		return *(const enum conf_mech *)pa == *(const enum conf_mech *)pb;
	case CONF_KT_MFTKEYS:
		return *(const enum conf_mft_keys *)pa == *(const enum conf_mft_keys *)pb;
	case CONF_KT_PREFIX: {
		const struct conf_network *x = a, *y = b;

		return x->has_address == y->has_address && (!x->has_address ||
		    (memcmp(x->address, y->address, 4) == 0 && x->prefix == y->prefix));
	}
	case CONF_KT_IPV4: {
		const struct conf_network *x = a, *y = b;

		return x->has_gateway == y->has_gateway &&
		    (!x->has_gateway || memcmp(x->gateway, y->gateway, 4) == 0);
	}
	case CONF_KT_MAC: {
		const struct conf_network *x = a, *y = b;

		return x->has_mac == y->has_mac &&
		    (!x->has_mac || memcmp(x->mac, y->mac, 6) == 0);
	}
	case CONF_KT_LIST: {
		const struct conf_provisioning *x = a, *y = b;

		if (x->noperators != y->noperators)
			return false;
		for (size_t i = 0; i < x->noperators; i++)
			if (!str_eq(x->operators[i], y->operators[i]))
				return false;
		return true;
	}
	case CONF_KT_HTTP_PATH:
		return strcmp(((const struct conf_provisioning *)a)->path,
		    ((const struct conf_provisioning *)b)->path) == 0;
	}
	return false;
}

/* Same settings (source and line numbers are not compared). */
bool
conf_equal(const struct conf *a, const struct conf *b)
{
	size_t k, i;

	if (a == NULL || b == NULL)
		return a == b;
	if (a->nclasses != b->nclasses)
		return false;
	for (i = 0; i < a->nclasses; i++)
		if (!str_eq(a->classes[i].name, b->classes[i].name))
			return false;
	for (k = 0; k < conf_nkeys; k++) {
		const struct conf_key *key = &conf_keys[k];
		size_t n = key->sec == CONF_SEC_CLASS ? a->nclasses : 1;

		for (i = 0; i < n; i++)
			if (!value_eq(key, conf_sec_cbase(a, key->sec, i),
			    conf_sec_cbase(b, key->sec, i)))
				return false;
	}
	return true;
}

/* ---- names and strings ---- */

/* True when handle[0..len) is an RFC 8183 handle: [-_A-Za-z0-9/]{1,255} (UD-154). */
bool
conf_handle_ok(const char *handle, size_t len)
{
	if (handle == NULL || len == 0 || len > CONF_MAX_HANDLE)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = handle[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '/'))
			return false;
	}
	return true;
}

/*
 * True when name[0..len) is a class name this format can carry: 1..255
 * visible ASCII characters (RFC 6492 class_name has no white space), no
 * '[' or ']' (section headers), not starting with '#' (a comment) and not
 * ending with '\' (the allocation table's continuation).
 */
bool
conf_class_name_ok(const char *name, size_t len)
{
	if (name == NULL || len == 0 || len > CONF_MAX_CLASS_NAME || name[0] == '#' ||
	    name[len - 1] == '\\')
		return false;
	for (size_t i = 0; i < len; i++)
		if (name[i] <= 0x20 || name[i] >= 0x7f || name[i] == '[' || name[i] == ']')
			return false;
	return true;
}

/* Visible ASCII only, no blanks. */
static bool
visible_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s <= 0x20 || *s >= 0x7f)
			return false;
	return true;
}

/*
 * A string that prints and parses back unchanged: no control characters,
 * no leading or trailing blank, not starting with '#' and no '#' after a
 * blank (both would start a comment).
 */
static const char *
plain_problem(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0)
		return "empty value";
	if (n > max)
		return "value too long";
	if (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t')
		return "leading or trailing blank";
	if (s[0] == '#')
		return "value starts with '#' (a comment)";
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return "control character";
		if (ch == '#' && (s[i - 1] == ' ' || s[i - 1] == '\t'))
			return "'#' after a blank (it would start a comment)";
	}
	return NULL;
}

/* scheme://host[...]: the host part is present and sane; returns its end or NULL. */
static const char *
uri_host_end(const char *s, const char *scheme)
{
	size_t sl = strlen(scheme);
	const char *h, *e;

	if (strncmp(s, scheme, sl) != 0)
		return NULL;
	h = s + sl;
	e = strchr(h, '/');
	if (e == NULL || e == h)
		return NULL;
	for (const char *p = h; p < e; p++)
		if (*p == '@' || *p == '?' || *p == '#')
			return NULL;
	return e;
}

/* A PKCS#11 URI attribute value: NULL when the attribute is absent. */
static const char *
p11_attr(const char *uri, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);
	const char *p = uri + 7;	/* after "pkcs11:" */

	while (*p != '\0') {
		const char *e = p + strcspn(p, ";?&");

		if ((size_t)(e - p) > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
			*vlen = (size_t)(e - p) - nl - 1;
			return p + nl + 1;
		}
		p = *e != '\0' ? e + 1 : e;
	}
	return NULL;
}

/* A pkcs11: URI without a PIN in it (RFC 7512). */
static const char *
p11_problem(const char *s, int *code)
{
	const char *v;
	size_t vl;

	if (strncmp(s, "pkcs11:", 7) != 0)
		return "not a pkcs11: URI (RFC 7512)";
	if (strlen(s) > CONF_MAX_URI)
		return "URI longer than 2048 bytes";
	if (!visible_ascii(s))
		return "URI with a blank or a non-ASCII character (RFC 7512 percent-encodes them)";
	if (p11_attr(s, "pin-value", &vl) != NULL) {
		*code = CONF_ERR_PIN;
		return "pin-value puts the PIN in the file: use pin-source=file:PATH";
	}
	if ((v = p11_attr(s, "pin-source", &vl)) != NULL &&
	    !(vl > 5 && strncmp(v, "file:", 5) == 0) &&
	    !(vl > 4 && strncmp(v, "env:", 4) == 0) &&
	    !(vl > 1 && v[0] == '/')) {
		*code = CONF_ERR_PIN;
		return "pin-source must be file:PATH or env:NAME";
	}
	return NULL;
}

/* Check string s against syntax sv: NULL when fine, else why (and *code). */
const char *
conf_str_problem(enum conf_sv sv, const char *s, int *code)
{
	const char *why, *e;
	size_t n;

	*code = CONF_ERR_VALUE;
	if (s == NULL)
		return "missing";
	if ((why = plain_problem(s, CONF_MAX_URI)) != NULL)
		return why;
	n = strlen(s);
	switch (sv) {
	case CONF_SV_NONE:
		return NULL;
	case CONF_SV_PATH:
		return n > CONF_MAX_PATH ? "path longer than 1024 bytes" : NULL;
	case CONF_SV_HANDLE:
		return conf_handle_ok(s, n) ? NULL :
		    "handle is not [-_A-Za-z0-9/]{1,255} (RFC 8183, UD-154)";
	case CONF_SV_HTTP_BASE:
		if (n > CONF_MAX_URI - CONF_MAX_HANDLE)
			return "URI too long to append a handle";
		if (!visible_ascii(s))
			return "URI with a blank or a non-ASCII character";
		if ((e = uri_host_end(s, "http://")) == NULL &&
		    (e = uri_host_end(s, "https://")) == NULL)
			return "not an http:// or https:// URI with a host";
		if (strpbrk(s, "?#") != NULL)
			return "URI with a query or fragment (the child's handle is appended)";
		if (s[n - 1] != '/')
			return "must end with '/' (the child's handle is appended)";
		return NULL;
	case CONF_SV_RSYNC:
		if (!visible_ascii(s))
			return "URI with a blank or a non-ASCII character";
		if ((e = uri_host_end(s, "rsync://")) == NULL)
			return "not an rsync:// URI with a host (RFC 6487 4.8.7)";
		if (strpbrk(s, "?#") != NULL)
			return "rsync URI with a query or fragment";
		if (s[n - 1] == '/' || e[1] == '\0' || strchr(e + 1, '/') == NULL)
			return "not rsync://HOST/MODULE/FILE";
		return NULL;
	case CONF_SV_TOKEN_URI:
		return p11_problem(s, code);
	case CONF_SV_KEY:
		if (strncmp(s, "pkcs11:", 7) == 0)
			return p11_problem(s, code);
		return n > CONF_MAX_LABEL ? "key label longer than 128 bytes" : NULL;
	case CONF_SV_CRL_NAME:
		if (n > 255 || n < 5 || s[0] == '.' || strcmp(s + n - 4, ".crl") != 0)
			return "not a file name ending in .crl";
		for (size_t i = 0; i < n; i++)
			if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
			    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' ||
			    s[i] == '-'))
				return "CRL file name outside [A-Za-z0-9._-]";
		return NULL;
	}
	return "unknown syntax";
}

/* An HTTP path: '/' then visible ASCII without query or fragment. */
static const char *
http_path_problem(const char *s)
{
	if (s[0] == '\0')
		return NULL;	/* off */
	if (s[0] != '/' || !visible_ascii(s) || strpbrk(s, "?#") != NULL)
		return "not an absolute HTTP path without query or fragment, or 'off'";
	return NULL;
}

/* Check one stored value (see conf_int.h). */
int
conf_value_check(const struct conf_key *k, const void *base, char *why, size_t whylen)
{
	const char *p = (const char *)base + k->off, *w = NULL;
	int code = CONF_ERR_VALUE;
	uint64_t v = 0;

	switch (k->type) {
	case CONF_KT_STR: {
		const char *s = *(char *const *)p;

		if (s == NULL) {
			if (!k->required)
				return 0;
			snprintf(why, whylen, "is missing");
			return CONF_ERR_MISSING;
		}
		w = conf_str_problem(k->sv, s, &code);
		break;
	}
	case CONF_KT_UINT:
		v = *(const unsigned *)p;
		if (v < k->min || v > k->max)
			w = "out of range";
		break;
	case CONF_KT_SIZE:
		v = *(const size_t *)p;
		if (!(k->off_ok && v == SIZE_MAX) && (v < k->min || v > k->max))
			w = "out of range";
		break;
	case CONF_KT_SHARE:
		v = *(const unsigned *)p;
		if (v < k->min || v > k->max)
			w = "out of range";
		break;
	case CONF_KT_MTU:
		v = *(const unsigned *)p;
		if (v != 0 && (v < 576 || v > 65535))
			w = "MTU must be 0 (the device's) or 576..65535";
		break;
	case CONF_KT_MECH:
		if (*(const enum conf_mech *)p != CONF_MECH_SHA256_RSA_PKCS &&
		    *(const enum conf_mech *)p != CONF_MECH_RSA_PKCS_HOST_HASH)
			w = "unknown mechanism";
		break;
	case CONF_KT_MFTKEYS:
		if (*(const enum conf_mft_keys *)p != CONF_MFT_KEYS_SOFTWARE &&
		    *(const enum conf_mft_keys *)p != CONF_MFT_KEYS_HSM)
			w = "unknown manifest key place";
		break;
	case CONF_KT_PREFIX: {
		const struct conf_network *n = base;

		if (n->has_address && (n->prefix < 1 || n->prefix > 32))
			w = "prefix length outside 1..32";
		break;
	}
	case CONF_KT_HTTP_PATH:
		w = http_path_problem(((const struct conf_provisioning *)base)->path);
		break;
	case CONF_KT_LIST: {
		const struct conf_provisioning *pr = base;

		if (pr->noperators > CONF_MAX_OPERATORS) {
			w = "more than 64 operators";
			code = CONF_ERR_LIMIT;
			break;
		}
		for (size_t i = 0; i < pr->noperators && w == NULL; i++) {
			w = conf_str_problem(CONF_SV_PATH, pr->operators[i], &code);
			for (size_t j = 0; j < i && w == NULL; j++)
				if (strcmp(pr->operators[i], pr->operators[j]) == 0)
					w = "the same operator file twice";
		}
		break;
	}
	case CONF_KT_BOOL:
	case CONF_KT_IPV4:
	case CONF_KT_MAC:
		break;
	}
	if (w == NULL)
		return 0;
	if (k->type == CONF_KT_UINT || k->type == CONF_KT_SIZE || k->type == CONF_KT_SHARE)
		snprintf(why, whylen, "%s: %llu not in %llu..%llu", w, (unsigned long long)v,
		    (unsigned long long)k->min, (unsigned long long)k->max);
	else
		snprintf(why, whylen, "%s", w);
	return code;
}

/* Fill err with "source:line: body". */
static void
set_err(struct conf_error *err, const char *source, unsigned long line, int code,
        const char *body)
{
	if (err == NULL)
		return;
	err->code = code;
	err->line = line;
	conf_format_msg(err->msg, sizeof(err->msg), source, line, body);
}

/* "source:line: body" (or "source: body" for line 0) into dst, cut to size. */
void
conf_format_msg(char *dst, size_t size, const char *source, unsigned long line,
                const char *body)
{
	int n;

	if (line > 0)
		n = snprintf(dst, size, "%s:%lu: %s", source, line, body);
	else
		n = snprintf(dst, size, "%s: %s", source, body);
	if (n < 0)
		dst[0] = '\0';
}

/* Index of key name in section sec, or conf_nkeys. */
size_t
conf_key_index(enum conf_sec sec, const char *name)
{
	size_t k;

	for (k = 0; k < conf_nkeys; k++)
		if (conf_keys[k].sec == sec && strcmp(conf_keys[k].name, name) == 0)
			break;
	return k;
}

/* The line of key name of section sec, 0 when unknown. */
static unsigned long
kline(const unsigned long *keyline, enum conf_sec sec, const char *name)
{
	size_t k = conf_key_index(sec, name);

	return keyline != NULL && k < conf_nkeys ? keyline[k] : 0;
}

/*
 * Check a configuration in memory the way conf_parse() checks text: each
 * value, required settings, and the cross-checks (classes, threshold,
 * gateway on the subnet, CRL refresh below its validity).
 */
int
conf_check(const struct conf *c, struct conf_error *err)
{
	return conf_check_lines(c, NULL, err);
}

/* conf_check() naming the lines of keyline[] (conf_int.h). */
int
conf_check_lines(const struct conf *c, const unsigned long *keyline, struct conf_error *err)
{
	const char *src;
	char why[CONF_MSG_SIZE - 64], body[CONF_MSG_SIZE];
	size_t k, i;
	int rc;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (c == NULL) {
		set_err(err, "<conf>", 0, CONF_ERR_ARG, "no configuration");
		return CONF_ERR_ARG;
	}
	src = c->source != NULL ? c->source : "<conf>";
	if (c->nclasses == 0) {
		set_err(err, src, 0, CONF_ERR_MISSING, "no [class NAME] section");
		return CONF_ERR_MISSING;
	}
	if (c->nclasses > CONF_MAX_CLASSES) {
		set_err(err, src, 0, CONF_ERR_LIMIT, "more than 64 classes");
		return CONF_ERR_LIMIT;
	}
	for (i = 0; i < c->nclasses; i++) {
		const char *nm = c->classes[i].name;

		if (nm == NULL || !conf_class_name_ok(nm, strlen(nm))) {
			set_err(err, src, c->classes[i].line, CONF_ERR_VALUE,
			    "[class]: bad class name (visible ASCII, no '[', ']', 1..255)");
			return CONF_ERR_VALUE;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->classes[j].name, nm) == 0) {
				snprintf(body, sizeof(body), "[class %.255s] given twice", nm);
				set_err(err, src, c->classes[i].line, CONF_ERR_SECTION, body);
				return CONF_ERR_SECTION;
			}
	}
	for (k = 0; k < conf_nkeys; k++) {
		const struct conf_key *key = &conf_keys[k];
		size_t n = key->sec == CONF_SEC_CLASS ? c->nclasses : 1;

		for (i = 0; i < n; i++) {
			if ((rc = conf_value_check(key, conf_sec_cbase(c, key->sec, i), why,
			    sizeof(why))) == 0)
				continue;
			if ((key->sec == CONF_SEC_CLASS ?
			    snprintf(body, sizeof(body), "[class %.64s] %s: %s",
			    c->classes[i].name, key->name, why) :
			    snprintf(body, sizeof(body), "[%s] %s: %s",
			    conf_sec_names[key->sec], key->name, why)) < 0)
				body[0] = '\0';
			set_err(err, src, key->sec == CONF_SEC_CLASS ? c->classes[i].line :
			    keyline != NULL ? keyline[k] : 0, rc, body);
			return rc;
		}
	}
	if (c->prov.threshold > (c->prov.noperators > 0 ? c->prov.noperators : 1)) {
		snprintf(body, sizeof(body),
		    "[provisioning] threshold: %u, but only %zu operator keys are registered",
		    c->prov.threshold, c->prov.noperators);
		set_err(err, src, kline(keyline, CONF_SEC_PROVISIONING, "threshold"),
		    CONF_ERR_VALUE, body);
		return CONF_ERR_VALUE;
	}
	if (c->policy.crl_refresh >= c->policy.crl_validity) {
		unsigned long l = kline(keyline, CONF_SEC_POLICY, "crl_refresh");

		if (l == 0)
			l = kline(keyline, CONF_SEC_POLICY, "crl_validity");
		set_err(err, src, l, CONF_ERR_VALUE,
		    "[policy] crl_refresh: must be less than crl_validity");
		return CONF_ERR_VALUE;
	}
	if (c->net.has_address && c->net.has_gateway) {
		uint32_t a = 0, g = 0, m;

		for (i = 0; i < 4; i++) {
			a = (a << 8) | c->net.address[i];
			g = (g << 8) | c->net.gateway[i];
		}
		m = c->net.prefix >= 32 ? 0xffffffffu : ~(0xffffffffu >> c->net.prefix);
		if ((a & m) != (g & m) || g == a) {
			set_err(err, src, kline(keyline, CONF_SEC_NETWORK, "gateway"),
			    CONF_ERR_VALUE,
			    "[network] gateway: not another address on the appliance's subnet");
			return CONF_ERR_VALUE;
		}
	}
	return 0;
}

/* Every class has its certificate URI (else an upstream import is pending). */
int
conf_ready(const struct conf *c, struct conf_error *err)
{
	char body[CONF_MSG_SIZE];

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (c == NULL)
		return CONF_ERR_ARG;
	for (size_t i = 0; i < c->nclasses; i++)
		if (c->classes[i].cert_uri == NULL) {
			snprintf(body, sizeof(body),
			    "[class %.255s] has no cert_uri: import the certificate the upstream "
			    "parent issued (updownctl ceremony import-ca)", c->classes[i].name);
			set_err(err, c->source != NULL ? c->source : "<conf>",
			    c->classes[i].line, CONF_ERR_INCOMPLETE, body);
			return CONF_ERR_INCOMPLETE;
		}
	return 0;
}

/* ---- helpers ---- */

/* dir + "/" + path, or path when absolute. *out malloc'd. */
int
conf_path(const char *dir, const char *path, char **out)
{
	size_t dl, pl;
	char *s;

	if (out == NULL)
		return CONF_ERR_ARG;
	*out = NULL;
	if (dir == NULL || path == NULL || path[0] == '\0')
		return CONF_ERR_ARG;
	pl = strlen(path);
	if (path[0] == '/') {
		dl = 0;
	} else {
		dl = strlen(dir);
		while (dl > 1 && dir[dl - 1] == '/')
			dl--;
	}
	if ((s = malloc(dl + 1 + pl + 1)) == NULL)
		return CONF_ERR_NOMEM;
	if (dl > 0) {
		memcpy(s, dir, dl);
		if (s[dl - 1] != '/')
			s[dl++] = '/';
	}
	memcpy(s + dl, path, pl + 1);
	*out = s;
	return 0;
}

/* service_uri_base + handle (RFC 8183 parent_response service_uri). *out malloc'd. */
int
conf_service_uri(const struct conf *c, const char *handle, char **out)
{
	size_t bl, hl;

	if (out == NULL)
		return CONF_ERR_ARG;
	*out = NULL;
	if (c == NULL || c->service_uri_base == NULL || handle == NULL ||
	    !conf_handle_ok(handle, strlen(handle)))
		return CONF_ERR_ARG;
	bl = strlen(c->service_uri_base);
	hl = strlen(handle);
	if ((*out = malloc(bl + hl + 1)) == NULL)
		return CONF_ERR_NOMEM;
	memcpy(*out, c->service_uri_base, bl);
	memcpy(*out + bl, handle, hl + 1);
	return 0;
}

/* Take the DER out of a PEM block with the given label, or NULL. */
static int
pem_take(const unsigned char *buf, size_t len, const char *label, unsigned char **der,
         size_t *der_len)
{
	mbedtls_pem_context pem;
	char hdr[48], ftr[48];
	unsigned char *z;
	size_t used;
	int rc;

	/* mbedtls_pem_read_buffer wants a NUL-terminated buffer */
	if ((z = malloc(len + 1)) == NULL)
		return CONF_ERR_NOMEM;
	memcpy(z, buf, len);
	z[len] = '\0';
	snprintf(hdr, sizeof(hdr), "-----BEGIN %s-----", label);
	snprintf(ftr, sizeof(ftr), "-----END %s-----", label);
	mbedtls_pem_init(&pem);
	rc = mbedtls_pem_read_buffer(&pem, hdr, ftr, z, NULL, 0, &used);
	free(z);
	if (rc != 0) {
		mbedtls_pem_free(&pem);
		return CONF_ERR_OPERATOR;
	}
	if ((*der = malloc(pem.buflen)) == NULL) {
		mbedtls_pem_free(&pem);
		return CONF_ERR_NOMEM;
	}
	memcpy(*der, pem.buf, pem.buflen);
	*der_len = pem.buflen;
	mbedtls_pem_free(&pem);
	return 0;
}

/*
 * The SubjectPublicKeyInfo of an operator key file (SPKI or certificate,
 * DER or PEM), RSA 2048..8192 bits. *spki malloc'd.
 */
int
conf_operator_spki(const unsigned char *file, size_t len, unsigned char **spki,
                   size_t *spki_len)
{
	unsigned char *der = NULL, *out = NULL;
	const unsigned char *key;
	size_t der_len = 0, key_len;
	mbedtls_x509_crt crt;
	mbedtls_pk_context pk;
	unsigned char *p, *end;
	size_t l;
	int rc = CONF_ERR_ARG;

	mbedtls_x509_crt_init(&crt);
	mbedtls_pk_init(&pk);
	if (spki == NULL || spki_len == NULL)
		return rc;
	*spki = NULL;
	*spki_len = 0;
	if (file == NULL || len == 0)
		goto out;
	rc = CONF_ERR_LIMIT;
	if (len > CONF_MAX_OPERATOR_FILE)
		goto out;
	if (file[0] == '-') {
		if ((rc = pem_take(file, len, "PUBLIC KEY", &der, &der_len)) == CONF_ERR_OPERATOR)
			rc = pem_take(file, len, "CERTIFICATE", &der, &der_len);
		if (rc != 0)
			goto out;
	} else {
		if ((der = malloc(len)) == NULL) {
			rc = CONF_ERR_NOMEM;
			goto out;
		}
		memcpy(der, file, len);
		der_len = len;
	}
	rc = CONF_ERR_OPERATOR;
	/* The outer SEQUENCE must span the whole input: nothing after it. */
	p = der;
	end = der + der_len;
	if (mbedtls_asn1_get_tag(&p, end, &l, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)
	    != 0 || p + l != end)
		goto out;
	if (mbedtls_x509_crt_parse_der(&crt, der, der_len) == 0) {
		/* crt.pk_raw is the certificate's SubjectPublicKeyInfo */
		key = crt.pk_raw.p;
		key_len = crt.pk_raw.len;
	} else {
		key = der;
		key_len = der_len;
	}
	if (mbedtls_pk_parse_public_key(&pk, key, key_len) != 0 ||
	    mbedtls_pk_get_type(&pk) != MBEDTLS_PK_RSA ||
	    mbedtls_pk_get_bitlen(&pk) < 2048 || mbedtls_pk_get_bitlen(&pk) > 8192)
		goto out;
	/* A bare SPKI must be exactly one: the parser may stop early. */
	if (key == der) {
		unsigned char *q = der;

		if (mbedtls_asn1_get_tag(&q, end, &l,
		    MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0 || q + l != end)
			goto out;
	}
	rc = CONF_ERR_NOMEM;
	if ((out = malloc(key_len)) == NULL)
		goto out;
	memcpy(out, key, key_len);
	*spki = out;
	*spki_len = key_len;
	rc = 0;
out:
	mbedtls_x509_crt_free(&crt);
	mbedtls_pk_free(&pk);
	free(der);
	return rc;
}

/* Static English text for a CONF_ERR_* code. */
const char *
conf_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case CONF_ERR_ARG: return "bad argument";
	case CONF_ERR_NOMEM: return "out of memory";
	case CONF_ERR_LIMIT: return "a configuration limit is exceeded";
	case CONF_ERR_ENCODING: return "NUL, control character or invalid UTF-8";
	case CONF_ERR_SYNTAX: return "not a section header, key = value, comment or blank line";
	case CONF_ERR_SECTION: return "unknown or repeated section";
	case CONF_ERR_KEY: return "unknown or repeated key";
	case CONF_ERR_VALUE: return "value out of its syntax or range";
	case CONF_ERR_MISSING: return "a required section or key is missing";
	case CONF_ERR_PIN: return "a PIN in the configuration (use pin-source=file:PATH)";
	case CONF_ERR_OPERATOR: return "operator key is not an RSA-2048..8192 key or certificate";
	case CONF_ERR_INCOMPLETE: return "configuration incomplete (upstream import pending)";
	default: return "unknown configuration error";
	}
}
