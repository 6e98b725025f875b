/*
 * Test fixture for the issuer engine: see fixture.h.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <mbedtls/base64.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#include "crypto/crl.h"
#include "crypto/pubpoint.h"
#include "fixture.h"
#include "proto/alloc.h"
#include "proto/cms.h"

#ifndef UPDOWN_RUN_REFEREES
#define UPDOWN_RUN_REFEREES "tests/referees/run-referees"
#endif

/* Pool indices: 0..2 the CA, BPKI TA, BPKI EE; then two per child; RPKI keys from 32. */
#define K_CA        0
#define K_BPKI_TA   1
#define K_BPKI_EE   2
#define K_CHILD(i)  (3 + 2 * (i))

static struct signer *g_signer;
static struct ef_key g_keys[EF_MAX_KEYS + 32];

/* ---- process-wide ---- */

int
ef_rng(void *ctx, unsigned char *buf, size_t len)
{
	size_t off = 0;

	(void)ctx;
	while (off < len) {
		ssize_t n = getrandom(buf + off, len - off, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

struct signer *
ef_signer(void)
{
	if (g_signer == NULL)
		assert_int_equal(signer_sw_open(ef_rng, NULL, &g_signer), 0);
	return g_signer;
}

static void
b64url(const uint8_t *in, size_t n, char *out)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
		out[o++] = a[v >> 6 & 63];
		out[o++] = a[v & 63];
	}
	if (n - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
		out[o++] = a[v >> 6 & 63];
	} else if (n - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
	}
	out[o] = '\0';
}

static void
key_fill(struct ef_key *k, struct signer *s)
{
	assert_int_equal(signer_key_public(s, k->key, &k->spki, &k->spki_len), 0);
	assert_int_equal(cert_ski(k->spki, k->spki_len, k->ski), 0);
	b64url(k->ski, 20, k->gski);
}

struct ef_key *
ef_key(int i)
{
	struct ef_key *k;
	char label[32];

	assert_true(i >= 0 && i < (int)(sizeof(g_keys) / sizeof(g_keys[0])));
	k = &g_keys[i];
	if (k->key == NULL) {
		snprintf(label, sizeof(label), "ef-key-%d", i);
		assert_int_equal(signer_key_generate(ef_signer(), label, 0, &k->key), 0);
		key_fill(k, ef_signer());
		k->index = i;
	}
	return k;
}

void
ef_pool_free(void)
{
	size_t i;

	for (i = 0; i < sizeof(g_keys) / sizeof(g_keys[0]); i++)
		free(g_keys[i].spki);
	memset(g_keys, 0, sizeof(g_keys));
	signer_close(g_signer);
	g_signer = NULL;
}

/* ---- files ---- */

static void
mkdirs(const char *path)
{
	char tmp[1024], *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(tmp, 0755);
			*p = '/';
		}
	mkdir(tmp, 0755);
}

static void
write_file(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static unsigned char *
read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	*len = 0;
	if (fp == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc(n > 0 ? (size_t)n : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

int
ef_count(const char *haystack, const char *needle)
{
	int n = 0;
	const char *p = haystack;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

/* ---- the CA ---- */

static size_t
serial_of(uint64_t v, unsigned char out[9])
{
	size_t len = 0;

	assert_int_equal(cert_serial_from_u64(v, out, &len), 0);
	return len;
}

static void
res_of(struct res_bundle *b, const char *as, const char *v4, const char *v6)
{
	res_bundle_init(b);
	assert_int_equal(res_set_parse(&b->as, RES_AS, as, strlen(as)), 0);
	assert_int_equal(res_set_parse(&b->v4, RES_IPV4, v4, strlen(v4)), 0);
	assert_int_equal(res_set_parse(&b->v6, RES_IPV6, v6, strlen(v6)), 0);
}

void
ef_make_ca(struct ef *f, const char *as, const char *v4, const char *v6, time_t not_after)
{
	struct cert_ta_params tp;
	struct res_bundle res;
	unsigned char serial[9];
	char mft[200], path[1024], *tal = NULL;
	size_t tal_len = 0;
	const char *uris[1] = { EF_TA_URI };

	res_of(&res, as, v4, v6);
	snprintf(mft, sizeof(mft), "%s%s.mft", EF_TA_REPO, f->ca_gski);
	memset(&tp, 0, sizeof(tp));
	tp.serial = serial;
	tp.serial_len = serial_of(++f->ta_serial, serial);
	tp.not_before = f->now - 3600;
	tp.not_after = not_after;
	tp.subject_cn = "updown engine test TA";
	tp.sia_ca_repository = EF_TA_REPO;
	tp.sia_rpki_manifest = mft;
	tp.res = &res;
	free(f->ca);
	f->ca = NULL;
	assert_int_equal(cert_make_ta(f->s, f->ca_key, &tp, &f->ca, &f->ca_len), 0);
	res_bundle_free(&res);
	f->cls[0].cert = f->ca;
	f->cls[0].cert_len = f->ca_len;
	snprintf(path, sizeof(path), "%s/example.test/repo", f->pub_root);
	mkdirs(path);
	snprintf(path, sizeof(path), "%s/example.test/repo/ta.cer", f->pub_root);
	write_file(path, f->ca, f->ca_len);
	assert_int_equal(cert_write_tal(uris, 1, f->ca, f->ca_len, &tal, &tal_len), 0);
	write_file(f->tal, tal, tal_len);
	free(tal);
}

static struct signer_key *ca_side_key(struct ef *f, const char *tag, const char *role,
                                      int pool);

void
ef_add_class2(struct ef *f, const char *as, const char *v4, const char *v6)
{
	struct cert_ta_params tp;
	struct res_bundle res;
	struct signer_key *k = ca_side_key(f, "c2", "ca2", 30);
	unsigned char serial[9], *spki = NULL, ski[20];
	size_t spki_len = 0;
	char mft[200], gski[UD_SKI_SIZE];

	assert_int_equal(signer_key_public(f->s, k, &spki, &spki_len), 0);
	assert_int_equal(cert_ski(spki, spki_len, ski), 0);
	free(spki);
	b64url(ski, 20, gski);
	res_of(&res, as, v4, v6);
	snprintf(mft, sizeof(mft), "%s%s.mft", EF_TA2_REPO, gski);
	memset(&tp, 0, sizeof(tp));
	tp.serial = serial;
	tp.serial_len = serial_of(1, serial);
	tp.not_before = f->now - 3600;
	tp.not_after = f->now + 365 * EF_DAY;
	tp.subject_cn = "updown engine test TA 2";
	tp.sia_ca_repository = EF_TA2_REPO;
	tp.sia_rpki_manifest = mft;
	tp.res = &res;
	assert_int_equal(cert_make_ta(f->s, k, &tp, &f->ca2, &f->ca2_len), 0);
	res_bundle_free(&res);
	f->cls[1].name = EF_CLASS2;
	f->cls[1].cert = f->ca2;
	f->cls[1].cert_len = f->ca2_len;
	f->cls[1].key_label = signer_key_label(k);
	f->cls[1].cert_uri = EF_TA2_URI;
	f->cls[1].pub_root = f->pub_root;
	f->cfg.nclasses = 2;
}

static struct signer_key *
ca_side_key(struct ef *f, const char *tag, const char *role, int pool)
{
	struct signer_key *k = NULL;
	char label[64];

	if (f->s == ef_signer())
		return ef_key(pool)->key;
	snprintf(label, sizeof(label), "%s-%s", tag, role);
	if (signer_key_find(f->s, label, &k) != 0)
		assert_int_equal(signer_key_generate(f->s, label, 0, &k), 0);
	return k;
}

void
ef_init(struct ef *f, struct signer *s, const char *tag, time_t now, const char *as,
        const char *v4, const char *v6)
{
	struct cert_bpki_params bp;
	struct cert_issuer ta;
	struct store_open_args oa;
	unsigned char serial[9], *spki = NULL, ski[20];
	size_t spki_len = 0;
	struct signer_key *ta_key, *ee_key;
	char *msg = NULL;
	const char *tmp = getenv("TMPDIR");

	memset(f, 0, sizeof(*f));
	f->now = now;
	f->s = s != NULL ? s : ef_signer();
	snprintf(f->dir, sizeof(f->dir), "%s/updown-engine-%s-XXXXXX",
	    tmp != NULL && tmp[0] ? tmp : "/tmp", tag);
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->store_dir, sizeof(f->store_dir), "%s/store", f->dir);
	snprintf(f->pub_root, sizeof(f->pub_root), "%s/pub", f->dir);
	snprintf(f->tal, sizeof(f->tal), "%s/ta.tal", f->dir);
	mkdirs(f->store_dir);
	mkdirs(f->pub_root);

	f->ca_key = ca_side_key(f, tag, "ca", K_CA);
	assert_int_equal(signer_key_public(f->s, f->ca_key, &spki, &spki_len), 0);
	assert_int_equal(cert_ski(spki, spki_len, ski), 0);
	b64url(ski, 20, f->ca_gski);
	free(spki);
	spki = NULL;
	ef_make_ca(f, as, v4, v6, now + 365 * EF_DAY);

	/* Our BPKI: TA and EE (RFC 6492 3.1, UD-25). */
	ta_key = ca_side_key(f, tag, "bpki-ta", K_BPKI_TA);
	ee_key = ca_side_key(f, tag, "bpki-ee", K_BPKI_EE);
	memset(&bp, 0, sizeof(bp));
	bp.serial = serial;
	bp.serial_len = serial_of(1, serial);
	bp.not_before = now - EF_DAY;
	bp.not_after = now + 2 * 365 * EF_DAY;
	bp.subject_cn = "parent-bpki-ta";
	assert_int_equal(cert_bpki_ta(f->s, ta_key, &bp, &f->bpki_ta, &f->bpki_ta_len), 0);
	assert_int_equal(cert_issuer_load(&ta, f->s, ta_key, f->bpki_ta, f->bpki_ta_len), 0);
	assert_int_equal(signer_key_public(f->s, ee_key, &spki, &spki_len), 0);
	bp.serial_len = serial_of(2, serial);
	bp.subject_cn = "parent-bpki-ee";
	bp.not_after = now + 365 * EF_DAY;
	assert_int_equal(cert_bpki_ee(&ta, spki, spki_len, &bp, &f->bpki_ee, &f->bpki_ee_len), 0);
	free(spki);
	cert_issuer_free(&ta);

	memset(&oa, 0, sizeof(oa));
	oa.f_rng = ef_rng;
	oa.now = now;
	if (store_open(f->store_dir, STORE_CREATE, &oa, &f->store, &msg) != 0)
		fail_msg("store_open: %s", msg ? msg : "?");

	f->cls[0].name = EF_CLASS;
	f->cls[0].cert = f->ca;
	f->cls[0].cert_len = f->ca_len;
	f->cls[0].key_label = signer_key_label(f->ca_key);
	f->cls[0].cert_uri = EF_TA_URI;
	f->cls[0].pub_root = f->pub_root;
	f->cfg.store = f->store;
	f->cfg.signer = f->s;
	f->cfg.handle = EF_HANDLE;
	f->cfg.classes = f->cls;
	f->cfg.nclasses = 1;
	f->cfg.bpki_ta = f->bpki_ta;
	f->cfg.bpki_ta_len = f->bpki_ta_len;
	f->cfg.bpki_ta_key = signer_key_label(ta_key);
	f->cfg.bpki_ee = f->bpki_ee;
	f->cfg.bpki_ee_len = f->bpki_ee_len;
	f->cfg.bpki_ee_key = signer_key_label(ee_key);
}

void
ef_open(struct ef *f, const struct engine_options *opts)
{
	char *msg = NULL;
	int rc;

	if (opts != NULL)
		f->cfg.opts = *opts;
	f->cfg.opts.verify_replies = true;
	rc = engine_open(&f->cfg, f->now, &f->e, &msg);
	if (rc != 0)
		fail_msg("engine_open: %s: %s", engine_strerror(rc), msg ? msg : "?");
	free(msg);
}

void
ef_store_close(struct ef *f)
{
	store_close(f->store);
	f->store = NULL;
	f->cfg.store = NULL;
}

void
ef_store_open(struct ef *f)
{
	char *msg = NULL;
	int rc = store_open(f->store_dir, 0, NULL, &f->store, &msg);

	if (rc != 0)
		fail_msg("store_open: %s: %s", store_strerror(rc), msg ? msg : "?");
	f->cfg.store = f->store;
}

void
ef_close_engine(struct ef *f)
{
	engine_close(f->e);
	f->e = NULL;
}

void
ef_fini(struct ef *f)
{
	char cmd[600];
	size_t i;

	engine_close(f->e);
	store_close(f->store);
	for (i = 0; i < f->nchildren; i++) {
		free(f->child[i].ta);
		free(f->child[i].ee);
		free(f->child[i].crl);
	}
	free(f->ca);
	free(f->ca2);
	free(f->bpki_ta);
	free(f->bpki_ee);
	free(f->table);
	if (getenv("UPDOWN_KEEP_TMP") == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", f->dir);
	} else {
		fprintf(stderr, "kept %s\n", f->dir);
	}
	memset(f, 0, sizeof(*f));
}

/* ---- children ---- */

void
ef_child_bpki(struct ef *f, struct ef_child *c, bool revoke_ee)
{
	struct cert_bpki_params bp;
	struct cert_issuer ta;
	struct crl_params cp;
	struct crl_entry en;
	unsigned char serial[9], eserial[9];

	free(c->ta);
	free(c->ee);
	free(c->crl);
	memset(&bp, 0, sizeof(bp));
	bp.serial = serial;
	bp.serial_len = serial_of(1, serial);
	bp.not_before = f->now - EF_DAY;
	bp.not_after = f->now + 2 * 365 * EF_DAY;
	bp.subject_cn = c->handle;
	assert_int_equal(cert_bpki_ta(ef_signer(), c->ta_key->key, &bp, &c->ta, &c->ta_len), 0);
	assert_int_equal(cert_issuer_load(&ta, ef_signer(), c->ta_key->key, c->ta, c->ta_len), 0);
	bp.serial_len = serial_of(2, serial);
	bp.not_after = f->now + 365 * EF_DAY;
	assert_int_equal(cert_bpki_ee(&ta, c->ee_key->spki, c->ee_key->spki_len, &bp, &c->ee,
	    &c->ee_len), 0);
	memset(&cp, 0, sizeof(cp));
	cp.this_update = f->now - 3600;
	cp.next_update = f->now + 30 * EF_DAY;
	cp.number = ++c->crl_number;
	if (revoke_ee) {
		en.serial = eserial;
		en.serial_len = serial_of(2, eserial);
		en.revoked = f->now - 60;
		cp.entries = &en;
		cp.n_entries = 1;
	}
	assert_int_equal(crl_write(&ta, &cp, &c->crl, &c->crl_len), 0);
	cert_issuer_free(&ta);
}

/* See fixture.h. */
char *
ef_b64(const unsigned char *der, size_t len)
{
	size_t olen = 0;
	char *out;

	mbedtls_base64_encode(NULL, 0, &olen, der, len);
	out = malloc(olen + 1);
	assert_non_null(out);
	assert_int_equal(mbedtls_base64_encode((unsigned char *)out, olen + 1, &olen, der, len),
	    0);
	out[olen] = '\0';
	return out;
}

struct ef_child *
ef_child_new(struct ef *f, const char *handle)
{
	struct ef_child *c;

	assert_true(f->nchildren < EF_MAX_CHILDREN);
	c = &f->child[f->nchildren];
	memset(c, 0, sizeof(*c));
	snprintf(c->handle, sizeof(c->handle), "%s", handle);
	c->ta_key = ef_key(K_CHILD(f->nchildren));
	c->ee_key = ef_key(K_CHILD(f->nchildren) + 1);
	f->nchildren++;
	ef_child_bpki(f, c, false);
	return c;
}

struct ef_child *
ef_child_add(struct ef *f, const char *handle)
{
	struct ef_child *c = ef_child_new(f, handle);
	int rc;

	if (f->e != NULL) {
		rc = engine_add_child(f->e, handle, c->ta, c->ta_len, f->now);
		if (rc != 0)
			fail_msg("engine_add_child: %s: %s", engine_strerror(rc), engine_errmsg());
	}
	return c;
}

int
ef_table(struct ef *f, bool force, struct engine_report *rep, const char *fmt, ...)
{
	struct alloc_table t;
	struct alloc_error err;
	char *text = NULL;
	va_list ap;
	int n, rc;

	text = malloc(65536);
	assert_non_null(text);
	va_start(ap, fmt);
	n = vsnprintf(text, 65536, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && n < 65536);
	if (alloc_parse(text, (size_t)n, "test-table", &t, &err) != 0)
		fail_msg("alloc_parse: %s", err.msg);
	rc = engine_apply_table(f->e, &t, NULL, force, f->now, rep);
	if (rc == 0) {
		free(f->table);
		f->table = text;
		f->table_version = t.version;
		text = NULL;
	}
	alloc_table_free(&t);
	free(text);
	return rc;
}

/* ---- DER building (forward, for the CSR) ---- */

struct dbuf {
	unsigned char *p;
	size_t n;
};

static struct dbuf
d_raw(const void *p, size_t n)
{
	struct dbuf d;

	d.p = malloc(n > 0 ? n : 1);
	assert_non_null(d.p);
	memcpy(d.p, p, n);
	d.n = n;
	return d;
}

static struct dbuf
d_cat(int count, ...)
{
	struct dbuf out = { NULL, 0 }, part;
	va_list ap;
	int i;

	va_start(ap, count);
	for (i = 0; i < count; i++) {
		part = va_arg(ap, struct dbuf);
		out.p = realloc(out.p, out.n + part.n + 1);
		assert_non_null(out.p);
		memcpy(out.p + out.n, part.p, part.n);
		out.n += part.n;
		free(part.p);
	}
	va_end(ap);
	return out;
}

static struct dbuf
d_tlv(unsigned char tag, struct dbuf c)
{
	unsigned char h[6];
	size_t hn = 0;
	struct dbuf out;

	h[hn++] = tag;
	if (c.n < 128) {
		h[hn++] = (unsigned char)c.n;
	} else if (c.n < 256) {
		h[hn++] = 0x81;
		h[hn++] = (unsigned char)c.n;
	} else {
		h[hn++] = 0x82;
		h[hn++] = (unsigned char)(c.n >> 8);
		h[hn++] = (unsigned char)c.n;
	}
	out.n = hn + c.n;
	out.p = malloc(out.n);
	assert_non_null(out.p);
	memcpy(out.p, h, hn);
	memcpy(out.p + hn, c.p, c.n);
	free(c.p);
	return out;
}

#define D_OID(s) d_tlv(0x06, d_raw(s, sizeof(s) - 1))

static struct dbuf
d_str(unsigned char tag, const char *s)
{
	return d_tlv(tag, d_raw(s, strlen(s)));
}

unsigned char *
ef_csr(const struct ef_child *c, const struct ef_key *k, size_t *len)
{
	char repo[200], mft[260];
	struct dbuf bc, ku, sia, exts, attr, info;
	unsigned char *der = NULL;

	snprintf(repo, sizeof(repo), "%s%s-%d/", EF_HOST, c->handle, k->index);
	snprintf(mft, sizeof(mft), "%s%s.mft", repo, k->gski);
	/* BasicConstraints critical cA TRUE; KeyUsage critical keyCertSign+cRLSign. */
	bc = d_tlv(0x30, d_cat(3, D_OID("\x55\x1d\x13"), d_raw("\x01\x01\xff", 3),
	    d_tlv(0x04, d_raw("\x30\x03\x01\x01\xff", 5))));
	ku = d_tlv(0x30, d_cat(3, D_OID("\x55\x1d\x0f"), d_raw("\x01\x01\xff", 3),
	    d_tlv(0x04, d_raw("\x03\x02\x01\x06", 4))));
	/* SIA: caRepository and rpkiManifest (RFC 6487 4.8.8.1). */
	sia = d_tlv(0x30, d_cat(2, D_OID("\x2b\x06\x01\x05\x05\x07\x01\x0b"),
	    d_tlv(0x04, d_tlv(0x30, d_cat(2,
	    d_tlv(0x30, d_cat(2, D_OID("\x2b\x06\x01\x05\x05\x07\x30\x05"), d_str(0x86, repo))),
	    d_tlv(0x30, d_cat(2, D_OID("\x2b\x06\x01\x05\x05\x07\x30\x0a"), d_str(0x86, mft))))))));
	exts = d_tlv(0x30, d_cat(3, bc, ku, sia));
	attr = d_tlv(0x30, d_cat(2, D_OID("\x2a\x86\x48\x86\xf7\x0d\x01\x09\x0e"),
	    d_tlv(0x31, exts)));
	info = d_tlv(0x30, d_cat(4, d_raw("\x02\x01\x00", 3),
	    d_tlv(0x30, d_tlv(0x31, d_tlv(0x30, d_cat(2, D_OID("\x55\x04\x03"),
	    d_str(0x13, "child"))))),
	    d_raw(k->spki, k->spki_len), d_tlv(0xa0, attr)));
	assert_int_equal(cert_sign_wrap(ef_signer(), k->key, info.p, info.n, &der, len), 0);
	free(info.p);
	return der;
}

/* ---- requests ---- */

unsigned char *
ef_cms(const struct ef_child *c, const char *xml, size_t xml_len, time_t t, size_t *len)
{
	struct signer_cms_ctx ctx;
	struct cms_signer cs;
	unsigned char *out = NULL;
	int rc;

	ctx.signer = ef_signer();
	ctx.key = c->ee_key->key;
	memset(&cs, 0, sizeof(cs));
	cs.ee_der = c->ee;
	cs.ee_len = c->ee_len;
	cs.crl_der = c->crl;
	cs.crl_len = c->crl_len;
	cs.sign = signer_cms_sign;
	cs.sign_ctx = &ctx;
	rc = cms_sign(&cs, (const unsigned char *)xml, xml_len, t, &out, len);
	if (rc != 0)
		fail_msg("cms_sign: %s", cms_strerror(rc));
	return out;
}

static char *
encode(struct ud_msg *m)
{
	char *xml = NULL;
	size_t len = 0;
	int rc = ud_encode(m, &xml, &len);

	if (rc != 0)
		fail_msg("ud_encode: %s", ud_strerror(rc));
	ud_msg_free(m);
	return xml;
}

char *
ef_xml_list(const char *sender, const char *recipient)
{
	struct ud_msg m;

	ud_msg_init(&m);
	m.type = UD_LIST;
	m.sender = strdup(sender);
	m.recipient = strdup(recipient);
	return encode(&m);
}

static void
opt_set(struct ud_opt_set *o, enum res_family fam, const char *text)
{
	if (text == NULL)
		return;
	o->present = true;
	res_set_free(&o->set);
	assert_int_equal(res_set_parse(&o->set, fam, text, strlen(text)), 0);
}

char *
ef_xml_issue(const char *sender, const char *class_name, const unsigned char *csr,
             size_t csr_len, const char *req_as, const char *req_v4, const char *req_v6)
{
	struct ud_msg m;

	ud_msg_init(&m);
	m.type = UD_ISSUE;
	m.sender = strdup(sender);
	m.recipient = strdup(EF_HANDLE);
	m.issue.class_name = strdup(class_name);
	m.issue.csr = malloc(csr_len);
	memcpy(m.issue.csr, csr, csr_len);
	m.issue.csr_len = csr_len;
	res_set_init(&m.issue.req.as.set, RES_AS);
	res_set_init(&m.issue.req.ipv4.set, RES_IPV4);
	res_set_init(&m.issue.req.ipv6.set, RES_IPV6);
	opt_set(&m.issue.req.as, RES_AS, req_as);
	opt_set(&m.issue.req.ipv4, RES_IPV4, req_v4);
	opt_set(&m.issue.req.ipv6, RES_IPV6, req_v6);
	return encode(&m);
}

char *
ef_xml_revoke(const char *sender, const char *class_name, const char *ski)
{
	struct ud_msg m;

	ud_msg_init(&m);
	m.type = UD_REVOKE;
	m.sender = strdup(sender);
	m.recipient = strdup(EF_HANDLE);
	m.key.class_name = strdup(class_name);
	m.key.ski = strdup(ski);
	return encode(&m);
}

void
ef_send(struct ef *f, const unsigned char *cms, size_t len, struct engine_response *resp)
{
	assert_int_equal(engine_handle(f->e, NULL, cms, len, f->now, resp), 0);
	engine_log_flush(f->e);    /* the tests read the store next */
}

void
ef_reply(struct ef *f, const struct ef_child *c, const struct engine_response *resp,
         struct ud_msg *m)
{
	struct cms_msg cm;
	struct cms_trust t;
	struct ud_error err;
	int rc;

	if (resp->http_status != 200)
		fail_msg("HTTP %d: %s", resp->http_status, resp->log);
	assert_non_null(resp->body);
	cms_msg_init(&cm);
	assert_int_equal(cms_decode(&cm, resp->body, resp->body_len, NULL), 0);
	memset(&t, 0, sizeof(t));
	t.ta_der = f->bpki_ta;
	t.ta_len = f->bpki_ta_len;
	rc = cms_verify(&cm, &t, f->now);
	if (rc != 0)
		fail_msg("reply does not verify: %s", cms_strerror(rc));
	assert_int_equal(cm.signing_time, f->now);
	rc = ud_decode((const char *)cm.xml, cm.xml_len, m, &err);
	if (rc != 0)
		fail_msg("reply does not decode: %s", err.reason);
	/* UD-43: sender and recipient swapped. */
	assert_string_equal(m->sender, EF_HANDLE);
	assert_string_equal(m->recipient, c->handle);
	cms_msg_free(&cm);
}

static unsigned
exchange(struct ef *f, struct ef_child *c, const char *xml, enum ud_type want, struct ud_msg *m)
{
	struct engine_response resp;
	unsigned char *cms;
	size_t len = 0;
	unsigned st;

	cms = ef_cms(c, xml, strlen(xml), f->now, &len);
	ef_send(f, cms, len, &resp);
	ud_msg_init(m);
	ef_reply(f, c, &resp, m);
	if (m->type == UD_ERROR_RESPONSE) {
		st = m->error.status;
		assert_int_equal(resp.status, st);
	} else {
		assert_int_equal(m->type, want);
		assert_int_equal(resp.status, 0);
		st = 0;
	}
	engine_response_free(&resp);
	free(cms);
	return st;
}

void
ef_list(struct ef *f, struct ef_child *c, struct ud_msg *m)
{
	char *xml = ef_xml_list(c->handle, EF_HANDLE);
	unsigned st = exchange(f, c, xml, UD_LIST_RESPONSE, m);

	free(xml);
	if (st != 0)
		fail_msg("list answered %u", st);
}

unsigned
ef_issue(struct ef *f, struct ef_child *c, const char *class_name, struct ef_key *k,
         const char *req_as, const char *req_v4, const char *req_v6, struct ud_msg *m)
{
	size_t csr_len = 0;
	unsigned char *csr = ef_csr(c, k, &csr_len);
	char *xml = ef_xml_issue(c->handle, class_name, csr, csr_len, req_as, req_v4, req_v6);
	unsigned st = exchange(f, c, xml, UD_ISSUE_RESPONSE, m);

	free(xml);
	free(csr);
	return st;
}

unsigned
ef_revoke(struct ef *f, struct ef_child *c, const char *class_name, const char *ski,
          struct ud_msg *m)
{
	char *xml = ef_xml_revoke(c->handle, class_name, ski);
	unsigned st = exchange(f, c, xml, UD_REVOKE_RESPONSE, m);

	free(xml);
	return st;
}

/* ---- certificates ---- */

static uint64_t
serial_u64(const mbedtls_x509_buf *b)
{
	uint64_t v = 0;
	size_t i;

	assert_true(b->len >= 1 && b->len <= 9);
	for (i = 0; i < b->len; i++)
		v = v << 8 | b->p[i];
	return v;
}

void
ef_cert_parse(struct ef *f, const unsigned char *der, size_t len, struct ef_cert *out)
{
	struct cert_issuer iss;
	mbedtls_x509_crt crt, ca;
	unsigned char h[32];
	int rc;

	memset(out, 0, sizeof(*out));
	rc = cert_parse_rpki_ca(&iss, der, len);
	if (rc != 0)
		fail_msg("issued certificate fails the RFC 6487 CA profile: %s", cert_strerror(rc));
	out->res = iss.res;
	res_bundle_init(&iss.res);
	out->not_before = iss.not_before;
	out->not_after = iss.not_after;
	memcpy(out->ski, iss.ski, 20);
	out->sia_repo = strdup(iss.sia_ca_repository);
	out->sia_mft = strdup(iss.sia_rpki_manifest);
	cert_issuer_free(&iss);
	/* Serial and our signature (UD-80, UD-81). */
	mbedtls_x509_crt_init(&crt);
	mbedtls_x509_crt_init(&ca);
	assert_int_equal(cms_cert_parse(&crt, der, len, NULL), 0);
	assert_int_equal(cms_cert_parse(&ca, f->ca, f->ca_len, NULL), 0);
	out->serial = serial_u64(&crt.serial);
	assert_int_equal(mbedtls_sha256_ret(crt.tbs.p, crt.tbs.len, h, 0), 0);
	out->sig_ok = crt.sig_md == MBEDTLS_MD_SHA256 &&
	    mbedtls_pk_verify(&ca.pk, MBEDTLS_MD_SHA256, h, 32, crt.sig.p, crt.sig.len) == 0 &&
	    crt.issuer_raw.len == ca.subject_raw.len &&
	    memcmp(crt.issuer_raw.p, ca.subject_raw.p, ca.subject_raw.len) == 0;
	mbedtls_x509_crt_free(&crt);
	mbedtls_x509_crt_free(&ca);
}

void
ef_cert_free(struct ef_cert *c)
{
	res_bundle_free(&c->res);
	free(c->sia_repo);
	free(c->sia_mft);
	memset(c, 0, sizeof(*c));
}

static void
assert_set(const struct res_set *s, const char *want)
{
	char *got = NULL;

	assert_int_equal(res_set_print(s, &got), 0);
	if (strcmp(got, want) != 0)
		fail_msg("resources: got '%s', want '%s'", got, want);
	free(got);
}

void
ef_assert_res(const struct res_bundle *b, const char *as, const char *v4, const char *v6)
{
	assert_set(&b->as, as);
	assert_set(&b->v4, v4);
	assert_set(&b->v6, v6);
}

/* ---- publication ---- */

static void
pub_dir(const struct ef *f, char *out, size_t size)
{
	snprintf(out, size, "%s/example.test/repo/ta", f->pub_root);
}

unsigned char *
ef_published(struct ef *f, const char *name, size_t *len)
{
	char path[1024], dir[700];

	pub_dir(f, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return read_file(path, len);
}

/* The cRLNumber extension's value (RFC 5280 5.2.3), scanned in the raw CRL. */
static uint64_t
crl_number_of(const unsigned char *der, size_t len)
{
	static const unsigned char oid[] = { 0x06, 0x03, 0x55, 0x1d, 0x14 };
	size_t i, n, k;
	uint64_t v = 0;

	for (i = 0; i + sizeof(oid) + 4 < len; i++)
		if (memcmp(der + i, oid, sizeof(oid)) == 0) {
			i += sizeof(oid);
			assert_int_equal(der[i], 0x04);
			assert_int_equal(der[i + 2], 0x02);
			n = der[i + 3];
			for (k = 0; k < n; k++)
				v = v << 8 | der[i + 4 + k];
			return v;
		}
	fail_msg("CRL without cRLNumber");
	return 0;
}

uint64_t *
ef_crl_serials(struct ef *f, size_t *n, uint64_t *crl_number)
{
	mbedtls_x509_crl crl;
	const mbedtls_x509_crl_entry *e;
	unsigned char *der;
	char name[64];
	size_t len = 0, count = 0;
	uint64_t *v = NULL;

	snprintf(name, sizeof(name), "%s.crl", f->ca_gski);
	der = ef_published(f, name, &len);
	assert_non_null(der);
	mbedtls_x509_crl_init(&crl);
	assert_int_equal(mbedtls_x509_crl_parse_der(&crl, der, len), 0);
	if (crl_number != NULL)
		*crl_number = crl_number_of(der, len);
	for (e = &crl.entry; e != NULL && e->raw.len > 0; e = e->next) {
		v = realloc(v, (count + 1) * sizeof(*v));
		assert_non_null(v);
		v[count++] = serial_u64(&e->serial);
	}
	mbedtls_x509_crl_free(&crl);
	free(der);
	*n = count;
	return v;
}

bool
ef_crl_has(struct ef *f, uint64_t serial)
{
	size_t n = 0, i;
	uint64_t *v = ef_crl_serials(f, &n, NULL);
	bool found = false;

	for (i = 0; i < n; i++)
		found |= v[i] == serial;
	free(v);
	return found;
}

struct find_cert {
	const unsigned char *der;
	size_t len;
	bool found, current;
	char child[256];
};

static int
find_cert_cb(void *arg, const struct store_cert *c)
{
	struct find_cert *fc = arg;

	if (c->der_len == fc->len && memcmp(c->der, fc->der, fc->len) == 0) {
		fc->found = true;
		fc->current = c->state == STORE_CERT_CURRENT;
		snprintf(fc->child, sizeof(fc->child), "%s", c->child);
	}
	return 0;
}

struct crl_check {
	uint64_t *serials;
	size_t n;
	size_t checked;
};

static int
crl_check_cb(void *arg, const struct store_cert *c)
{
	struct crl_check *cc = arg;
	size_t i;
	bool found = false;

	for (i = 0; i < cc->n; i++)
		found |= cc->serials[i] == c->serial;
	if (!found)
		fail_msg("revoked certificate %llu is not on the CRL (UD-130)",
		    (unsigned long long)c->serial);
	cc->checked++;
	return 0;
}

/* Entitlement ∩ holdings of (child, class) from the last table. */
static void
allowed(struct ef *f, const char *child, struct res_bundle *out)
{
	struct alloc_table t;
	struct alloc_error err;
	struct cert_issuer ca;
	const struct alloc_ent *ae;

	res_bundle_init(out);
	if (f->table == NULL)
		return;
	assert_int_equal(alloc_parse(f->table, strlen(f->table), "t", &t, &err), 0);
	assert_int_equal(cert_issuer_load(&ca, f->s, f->ca_key, f->ca, f->ca_len), 0);
	ae = alloc_entitlement(&t, child, EF_CLASS);
	if (ae != NULL) {
		res_bundle_free(out);
		assert_int_equal(alloc_effective(ae, &ca.res, out), 0);
	}
	cert_issuer_free(&ca);
	alloc_table_free(&t);
}

size_t
ef_check_publication(struct ef *f)
{
	char dir[700], path[1024];
	DIR *d;
	struct dirent *de;
	struct crl_check cc;
	size_t ncer = 0, nfiles = 0;
	uint8_t ca_ski[20];
	struct cert_issuer ca;

	pub_dir(f, dir, sizeof(dir));
	memset(&cc, 0, sizeof(cc));
	cc.serials = ef_crl_serials(f, &cc.n, NULL);
	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name;
		size_t l = strlen(n), len = 0;
		unsigned char *der;
		struct ef_cert ec;
		struct find_cert fc;
		struct res_bundle ok;

		if (n[0] == '.')
			continue;
		nfiles++;
		if (l < 5 || strcmp(n + l - 4, ".cer") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, n);
		der = read_file(path, &len);
		assert_non_null(der);
		ef_cert_parse(f, der, len, &ec);
		assert_true(ec.sig_ok);
		memset(&fc, 0, sizeof(fc));
		fc.der = der;
		fc.len = len;
		assert_int_equal(store_certs_by_key(f->store, EF_CLASS, ec.ski, find_cert_cb, &fc), 0);
		if (!fc.found || !fc.current)
			fail_msg("published %s is not a current certificate of the store", n);
		/* No over-claim (UD-100): within entitlement ∩ holdings. */
		allowed(f, fc.child, &ok);
		if (!res_set_subset(&ec.res.as, &ok.as) || !res_set_subset(&ec.res.v4, &ok.v4) ||
		    !res_set_subset(&ec.res.v6, &ok.v6))
			fail_msg("published %s (child %s) over-claims its entitlement", n, fc.child);
		res_bundle_free(&ok);
		assert_false(ef_crl_has(f, ec.serial));
		ef_cert_free(&ec);
		free(der);
		ncer++;
	}
	closedir(d);
	assert_int_equal(nfiles, ncer + 2);    /* + CRL + manifest */
	/* Every revoked, unexpired certificate is on the CRL (UD-130). */
	assert_int_equal(cert_issuer_load(&ca, f->s, f->ca_key, f->ca, f->ca_len), 0);
	memcpy(ca_ski, ca.ski, 20);
	cert_issuer_free(&ca);
	assert_int_equal(store_certs_for_crl(f->store, ca_ski, f->now, crl_check_cb, &cc), 0);
	free(cc.serials);
	return ncer;
}

/* ---- referees ---- */

static int
have_referees(void)
{
	return system("command -v rpki-client >/dev/null 2>&1 && "
	    "command -v fort >/dev/null 2>&1") == 0;
}

/* The child's own publication point for one of its certificates. */
static void
publish_child_point(struct ef *f, const char *file, const unsigned char *der, size_t len)
{
	struct ef_cert ec;
	struct ef_key *k = NULL;
	struct cert_issuer ci;
	struct pub_point *pp = NULL;
	struct pub_ca ca;
	unsigned char serial[9];
	char crl[64], mft[64], aia[200];
	size_t i;
	int detail = 0, rc;

	ef_cert_parse(f, der, len, &ec);
	for (i = 0; i < sizeof(g_keys) / sizeof(g_keys[0]); i++)
		if (g_keys[i].key != NULL && memcmp(g_keys[i].ski, ec.ski, 20) == 0)
			k = &g_keys[i];
	assert_non_null(k);
	assert_int_equal(cert_issuer_load(&ci, ef_signer(), k->key, der, len), 0);
	snprintf(crl, sizeof(crl), "%s.crl", k->gski);
	snprintf(mft, sizeof(mft), "%s.mft", k->gski);
	snprintf(aia, sizeof(aia), "%s%s", EF_TA_REPO, file);
	assert_int_equal(pub_open(f->pub_root, ec.sia_repo, NULL, &pp), 0);
	memset(&ca, 0, sizeof(ca));
	ca.iss = &ci;
	ca.crl_name = crl;
	ca.mft_name = mft;
	ca.aia_uri = aia;
	ca.this_update = ec.not_before;
	ca.next_update = f->now + EF_DAY < ec.not_after ? f->now + EF_DAY : ec.not_after;
	ca.crl_number = ++f->pub_counter;
	ca.mft_number = f->pub_counter;
	ca.ee_serial = serial;
	ca.ee_serial_len = serial_of(f->pub_counter, serial);
	rc = pub_publish(pp, &ca, &detail);
	if (rc != 0)
		fail_msg("child point: %s (%d)", pub_strerror(rc), detail);
	pub_close(pp);
	cert_issuer_free(&ci);
	ef_cert_free(&ec);
}

int
ef_referees(struct ef *f, const char *step, char **out)
{
	char dir[700], path[1024], cmd[4096], log[1100];
	DIR *d;
	struct dirent *de;
	size_t len = 0;
	int st;

	if (!have_referees()) {
		fprintf(stderr, "rpki-client or fort not installed: referees skipped\n");
		return -1;
	}
	pub_dir(f, dir, sizeof(dir));
	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name), n = 0;
		unsigned char *der;

		if (de->d_name[0] == '.' || l < 5 || strcmp(de->d_name + l - 4, ".cer") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		der = read_file(path, &n);
		publish_child_point(f, de->d_name, der, n);
		free(der);
	}
	closedir(d);
	snprintf(log, sizeof(log), "%s/referees-%s.txt", f->dir, step);
	snprintf(cmd, sizeof(cmd), "'%s' -T 120 '%s' '%s' >'%s' 2>&1", UPDOWN_RUN_REFEREES,
	    f->tal, f->pub_root, log);
	st = system(cmd);
	{
		unsigned char *text = read_file(log, &len);
		char *s = malloc(len + 1);

		assert_non_null(s);
		if (text != NULL)
			memcpy(s, text, len);
		s[len] = '\0';
		free(text);
		fprintf(stderr, "---- referees, %s:\n%s", step, s);
		if (out != NULL)
			*out = s;
		else
			free(s);
	}
	assert_true(st != -1 && WIFEXITED(st));
	return WEXITSTATUS(st);
}
