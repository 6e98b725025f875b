/*
 * bench_engine: what the issuer engine costs per request, next to the raw
 * sign rate of the same signer measured in the same run (UD-164).
 *
 * For each signer (software; PKCS#11 on a SoftHSM2 token made in a
 * temporary directory by tests/crypto/softhsm_fixture.c, compiled in) and
 * each population (100, 1,000, 10,000 children, one class, every child
 * entitled):
 *   open      store_open (integrity check, full audit walk) + engine_open
 *             (republication) of a store holding that many children
 *   table     engine_apply_table of the table entitling all of them
 *   list      engine_handle rate for list requests from children spread
 *             over the population (one signature: the reply)
 *   issue     engine_handle rate for issue requests (a few children
 *             re-issuing for their key: certificate, CRL, manifest EE
 *             certificate, manifest and reply = 5 signatures, plus one
 *             one-time key generation)
 *   db        the store's size on disk (database + WAL)
 * Requests are signed by the children beforehand; only engine_handle is
 * timed. With SoftHSM the issue rate is also given with the manifests'
 * one-time keys generated in software (engine_config.mft_signer). A last
 * row per signer gives the issue rate when every child already holds a
 * certificate (stand-ins written to the store): the manifest lists them
 * all and each publication hard-links them all into a new snapshot, so
 * that part of an issue grows with the number of certificates published.
 *
 * Not a test: prints figures, exits 0 unless something failed.
 *
 * usage: bench_engine [MAX_CHILDREN [LISTS [ISSUES]]]   (default 10000 200 12)
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto/cert.h"
#include "crypto/crl.h"
#include "crypto/signer.h"
#include "firmware/engine.h"
#include "firmware/store.h"
#include "proto/alloc.h"
#include "proto/cms.h"
#include "proto/updown.h"
#include "softhsm_fixture.h"

#define CLASS       "DEFAULT"
#define HANDLE      "parent"
#define HOST        "rsync://bench.test/repo/"
#define NKEYS       8            /* children that issue */
#define DAY         86400

static int max_children = 10000, n_lists = 200, n_issues = 12;

/* The children's side: one software signer, their BPKI, their RPKI keys. */
static struct signer *cs;
static struct signer_key *c_ta_key, *c_ee_key, *c_keys[NKEYS];
static unsigned char *c_ta, *c_ee, *c_crl, *c_spki[NKEYS];
static size_t c_ta_len, c_ee_len, c_crl_len, c_spki_len[NKEYS];
static char c_gski[NKEYS][UD_SKI_SIZE];

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench_engine: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

#define CHECK(e) do { int _r = (e); if (_r != 0) die("%s:%d: %s = %d (%s)", __FILE__, \
	__LINE__, #e, _r, engine_errmsg()); } while (0)

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
rng(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	while (len > 0) {
		ssize_t n = getrandom(buf, len, 0);
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
machine(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "model name", 10) == 0) {
			char *p = strchr(line, ':');
			if (p != NULL)
				printf("machine: %s", p + 2);
			break;
		}
	fclose(f);
	printf("cpus: %ld\n", sysconf(_SC_NPROCESSORS_ONLN));
}

static size_t
serial(uint64_t v, unsigned char out[9])
{
	size_t len = 0;

	if (cert_serial_from_u64(v, out, &len) != 0)
		die("serial");
	return len;
}

/* ---- a CSR (RFC 6487 6), forward DER ---- */

struct dbuf {
	unsigned char *p;
	size_t n;
};

static struct dbuf
d_raw(const void *p, size_t n)
{
	struct dbuf d = { malloc(n ? n : 1), n };

	if (d.p == NULL)
		die("nomem");
	memcpy(d.p, p, n);
	return d;
}

static struct dbuf
d_cat2(struct dbuf a, struct dbuf b)
{
	struct dbuf o = { malloc(a.n + b.n + 1), a.n + b.n };

	if (o.p == NULL)
		die("nomem");
	memcpy(o.p, a.p, a.n);
	memcpy(o.p + a.n, b.p, b.n);
	free(a.p);
	free(b.p);
	return o;
}

static struct dbuf
d_tlv(unsigned char tag, struct dbuf c)
{
	unsigned char h[4];
	size_t hn = 0;

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
	return d_cat2(d_raw(h, hn), c);
}

#define D_OID(s) d_tlv(0x06, d_raw(s, sizeof(s) - 1))

static unsigned char *
make_csr(int k, const char *handle, size_t *len)
{
	char repo[128], mft[200];
	struct dbuf bc, ku, sia, info;
	unsigned char *der = NULL;

	snprintf(repo, sizeof(repo), "%s%s/", HOST, handle);
	snprintf(mft, sizeof(mft), "%s%s.mft", repo, c_gski[k]);
	bc = d_tlv(0x30, d_cat2(d_cat2(D_OID("\x55\x1d\x13"), d_raw("\x01\x01\xff", 3)),
	    d_tlv(0x04, d_raw("\x30\x03\x01\x01\xff", 5))));
	ku = d_tlv(0x30, d_cat2(d_cat2(D_OID("\x55\x1d\x0f"), d_raw("\x01\x01\xff", 3)),
	    d_tlv(0x04, d_raw("\x03\x02\x01\x06", 4))));
	sia = d_tlv(0x30, d_cat2(D_OID("\x2b\x06\x01\x05\x05\x07\x01\x0b"),
	    d_tlv(0x04, d_tlv(0x30, d_cat2(
	    d_tlv(0x30, d_cat2(D_OID("\x2b\x06\x01\x05\x05\x07\x30\x05"),
	    d_tlv(0x86, d_raw(repo, strlen(repo))))),
	    d_tlv(0x30, d_cat2(D_OID("\x2b\x06\x01\x05\x05\x07\x30\x0a"),
	    d_tlv(0x86, d_raw(mft, strlen(mft))))))))));
	info = d_tlv(0x30, d_cat2(d_cat2(d_cat2(d_raw("\x02\x01\x00", 3),
	    d_tlv(0x30, d_tlv(0x31, d_tlv(0x30, d_cat2(D_OID("\x55\x04\x03"),
	    d_tlv(0x13, d_raw("child", 5))))))), d_raw(c_spki[k], c_spki_len[k])),
	    d_tlv(0xa0, d_tlv(0x30, d_cat2(D_OID("\x2a\x86\x48\x86\xf7\x0d\x01\x09\x0e"),
	    d_tlv(0x31, d_tlv(0x30, d_cat2(d_cat2(bc, ku), sia))))))));
	CHECK(cert_sign_wrap(cs, c_keys[k], info.p, info.n, &der, len));
	free(info.p);
	return der;
}

/* ---- children's identity and requests ---- */

static void
children_setup(time_t now)
{
	struct cert_bpki_params bp;
	struct cert_issuer ta;
	struct crl_params cp;
	unsigned char sn[9], *spki = NULL, ski[20];
	size_t spki_len = 0;
	char label[32];
	int k;

	CHECK(signer_sw_open(rng, NULL, &cs));
	CHECK(signer_key_generate(cs, "child-ta", 0, &c_ta_key));
	CHECK(signer_key_generate(cs, "child-ee", 0, &c_ee_key));
	memset(&bp, 0, sizeof(bp));
	bp.serial = sn;
	bp.serial_len = serial(1, sn);
	bp.not_before = now - DAY;
	bp.not_after = now + 365 * DAY;
	bp.subject_cn = "bench-children";
	CHECK(cert_bpki_ta(cs, c_ta_key, &bp, &c_ta, &c_ta_len));
	CHECK(cert_issuer_load(&ta, cs, c_ta_key, c_ta, c_ta_len));
	CHECK(signer_key_public(cs, c_ee_key, &spki, &spki_len));
	bp.serial_len = serial(2, sn);
	CHECK(cert_bpki_ee(&ta, spki, spki_len, &bp, &c_ee, &c_ee_len));
	free(spki);
	memset(&cp, 0, sizeof(cp));
	cp.this_update = now - 3600;
	cp.next_update = now + 30 * DAY;
	cp.number = 1;
	CHECK(crl_write(&ta, &cp, &c_crl, &c_crl_len));
	cert_issuer_free(&ta);
	for (k = 0; k < NKEYS; k++) {
		snprintf(label, sizeof(label), "child-rpki-%d", k);
		CHECK(signer_key_generate(cs, label, 0, &c_keys[k]));
		CHECK(signer_key_public(cs, c_keys[k], &c_spki[k], &c_spki_len[k]));
		CHECK(cert_ski(c_spki[k], c_spki_len[k], ski));
		{
			/* gSKI: unpadded base64url of the SHA-1 (UD-110) */
			static const char a[] =
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
			int i, o = 0;
			for (i = 0; i < 18; i += 3) {
				uint32_t v = (uint32_t)ski[i] << 16 | ski[i + 1] << 8 | ski[i + 2];
				c_gski[k][o++] = a[v >> 18 & 63];
				c_gski[k][o++] = a[v >> 12 & 63];
				c_gski[k][o++] = a[v >> 6 & 63];
				c_gski[k][o++] = a[v & 63];
			}
			{
				uint32_t v = (uint32_t)ski[18] << 16 | ski[19] << 8;
				c_gski[k][o++] = a[v >> 18 & 63];
				c_gski[k][o++] = a[v >> 12 & 63];
				c_gski[k][o++] = a[v >> 6 & 63];
			}
			c_gski[k][o] = '\0';
		}
	}
}

static unsigned char *
sign_req(struct ud_msg *m, time_t t, size_t *len)
{
	struct signer_cms_ctx ctx = { cs, c_ee_key };
	struct cms_signer sg;
	unsigned char *out = NULL;
	char *xml = NULL;
	size_t xl = 0;

	CHECK(ud_encode(m, &xml, &xl));
	memset(&sg, 0, sizeof(sg));
	sg.ee_der = c_ee;
	sg.ee_len = c_ee_len;
	sg.crl_der = c_crl;
	sg.crl_len = c_crl_len;
	sg.sign = signer_cms_sign;
	sg.sign_ctx = &ctx;
	CHECK(cms_sign(&sg, (unsigned char *)xml, xl, t, &out, len));
	free(xml);
	ud_msg_free(m);
	return out;
}

static unsigned char *
req_list(const char *handle, time_t t, size_t *len)
{
	struct ud_msg m;

	ud_msg_init(&m);
	m.type = UD_LIST;
	m.sender = strdup(handle);
	m.recipient = strdup(HANDLE);
	return sign_req(&m, t, len);
}

static unsigned char *
req_issue(const char *handle, int k, time_t t, size_t *len)
{
	struct ud_msg m;

	ud_msg_init(&m);
	m.type = UD_ISSUE;
	m.sender = strdup(handle);
	m.recipient = strdup(HANDLE);
	m.issue.class_name = strdup(CLASS);
	m.issue.csr = make_csr(k, handle, &m.issue.csr_len);
	res_set_init(&m.issue.req.as.set, RES_AS);
	res_set_init(&m.issue.req.ipv4.set, RES_IPV4);
	res_set_init(&m.issue.req.ipv6.set, RES_IPV6);
	return sign_req(&m, t, len);
}

/* ---- the parent ---- */

struct parent {
	const char *name;
	struct signer *s;
	struct signer_key *ca, *bta, *bee;
	unsigned char *ca_cert, *bpki_ta, *bpki_ee;
	size_t ca_len, bta_len, bee_len;
};

static struct signer_key *
key(struct signer *s, const char *label)
{
	struct signer_key *k = NULL;

	if (signer_key_find(s, label, &k) != 0)
		CHECK(signer_key_generate(s, label, 0, &k));
	return k;
}

static void
parent_setup(struct parent *p, time_t now)
{
	struct cert_ta_params tp;
	struct cert_bpki_params bp;
	struct cert_issuer ta;
	struct res_bundle res;
	unsigned char sn[9], *spki = NULL, ski[20];
	size_t spki_len = 0;
	char mft[200], file[CERT_FILE_NAME_SIZE];

	p->ca = key(p->s, "bench-ca");
	p->bta = key(p->s, "bench-bpki-ta");
	p->bee = key(p->s, "bench-bpki-ee");
	CHECK(signer_key_public(p->s, p->ca, &spki, &spki_len));
	CHECK(cert_ski(spki, spki_len, ski));
	CHECK(cert_file_name(spki, spki_len, file));
	free(spki);
	spki = NULL;
	file[strlen(file) - 4] = '\0';
	snprintf(mft, sizeof(mft), "%sta/%s.mft", HOST, file);
	res_bundle_init(&res);
	CHECK(res_set_parse(&res.as, RES_AS, "100000-199999", 13));
	CHECK(res_set_parse(&res.v4, RES_IPV4, "10.0.0.0/8", 10));
	memset(&tp, 0, sizeof(tp));
	tp.serial = sn;
	tp.serial_len = serial(1, sn);
	tp.not_before = now - 3600;
	tp.not_after = now + 365 * DAY;
	tp.subject_cn = "bench TA";
	tp.sia_ca_repository = HOST "ta/";
	tp.sia_rpki_manifest = mft;
	tp.res = &res;
	CHECK(cert_make_ta(p->s, p->ca, &tp, &p->ca_cert, &p->ca_len));
	res_bundle_free(&res);
	memset(&bp, 0, sizeof(bp));
	bp.serial = sn;
	bp.serial_len = serial(1, sn);
	bp.not_before = now - DAY;
	bp.not_after = now + 365 * DAY;
	bp.subject_cn = "bench-parent-ta";
	CHECK(cert_bpki_ta(p->s, p->bta, &bp, &p->bpki_ta, &p->bta_len));
	CHECK(cert_issuer_load(&ta, p->s, p->bta, p->bpki_ta, p->bta_len));
	CHECK(signer_key_public(p->s, p->bee, &spki, &spki_len));
	bp.serial_len = serial(2, sn);
	bp.subject_cn = "bench-parent-ee";
	CHECK(cert_bpki_ee(&ta, spki, spki_len, &bp, &p->bpki_ee, &p->bee_len));
	free(spki);
	cert_issuer_free(&ta);
}

static void
config(struct parent *p, struct engine_config *cfg, struct engine_class_config *cc,
       struct store *st, const char *pub_root)
{
	memset(cc, 0, sizeof(*cc));
	cc->name = CLASS;
	cc->cert = p->ca_cert;
	cc->cert_len = p->ca_len;
	cc->key_label = "bench-ca";
	cc->cert_uri = HOST "ta.cer";
	cc->pub_root = pub_root;
	memset(cfg, 0, sizeof(*cfg));
	cfg->store = st;
	cfg->signer = p->s;
	cfg->handle = HANDLE;
	cfg->classes = cc;
	cfg->nclasses = 1;
	cfg->bpki_ta = p->bpki_ta;
	cfg->bpki_ta_len = p->bta_len;
	cfg->bpki_ta_key = "bench-bpki-ta";
	cfg->bpki_ee = p->bpki_ee;
	cfg->bpki_ee_len = p->bee_len;
	cfg->bpki_ee_key = "bench-bpki-ee";
}

static double
sign_rate(struct signer *s, struct signer_key *k)
{
	unsigned char data[1024], sig[SIGNER_MAX_SIG];
	size_t sl;
	double t0 = now_s(), t;
	int n = 0;

	memset(data, 0x5a, sizeof(data));
	do {
		CHECK(signer_sign(s, k, data, sizeof(data), sig, sizeof(sig), &sl));
		n++;
		t = now_s() - t0;
	} while (t < 1.0);
	return n / t;
}

static double
keygen_ms(struct signer *s, int n)
{
	struct signer_key *k;
	char label[32];
	double t0 = now_s();
	int i;

	for (i = 0; i < n; i++) {
		snprintf(label, sizeof(label), "bench-onetime-%d", i);
		CHECK(signer_key_generate(s, label, SIGNER_KEY_SESSION, &k));
		CHECK(signer_key_destroy(s, k));
	}
	return (now_s() - t0) * 1000.0 / n;
}

static off_t
file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? sb.st_size : 0;
}

/*
 * Give every child a (stand-in) certificate, straight into the store: a
 * distinct fake RSA SubjectPublicKeyInfo per child, so each has its own
 * <gSKI>.cer, and the CA certificate's bytes as the DER (the engine never
 * parses what it publishes). Serials come from one reservation raised past
 * n (store_counter_raise), so the setup costs two fsyncs, not n.
 */
static void
preload(struct store *st, struct parent *p, int n, time_t now)
{
	static const unsigned char head[] = {
		0x30, 0x82, 0x01, 0x22, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
		0x01, 0x01, 0x01, 0x05, 0x00, 0x03, 0x82, 0x01, 0x0f, 0x00, 0x30, 0x82, 0x01, 0x0a,
		0x02, 0x82, 0x01, 0x01, 0x00 };
	unsigned char spki[sizeof(head) + 256 + 5], ca_ski[20], *ca_spki = NULL;
	size_t ca_spki_len = 0;
	char file[CERT_FILE_NAME_SIZE], uri[128], handle[32], repo[96], mft[160];
	struct store_cert c;
	uint64_t s0 = 0;
	int i;

	CHECK(signer_key_public(p->s, p->ca, &ca_spki, &ca_spki_len));
	CHECK(cert_ski(ca_spki, ca_spki_len, ca_ski));
	free(ca_spki);
	CHECK(store_reserve_serial(st, &s0));
	CHECK(store_counter_raise(st, STORE_COUNTER_SERIAL, NULL, s0 + (uint64_t)n + 1, now));
	CHECK(store_begin(st));
	for (i = 0; i < n; i++) {
		memcpy(spki, head, sizeof(head));
		rng(NULL, spki + sizeof(head), 256);
		spki[sizeof(head)] |= 0x80;
		memcpy(spki + sizeof(head) + 256, "\x02\x03\x01\x00\x01", 5);
		CHECK(cert_file_name(spki, sizeof(spki), file));
		snprintf(handle, sizeof(handle), "c%05d", i);
		snprintf(uri, sizeof(uri), "%sta/%s", HOST, file);
		snprintf(repo, sizeof(repo), "%s%s/", HOST, handle);
		snprintf(mft, sizeof(mft), "%sx.mft", repo);
		memset(&c, 0, sizeof(c));
		c.serial = s0 + 1 + (uint64_t)i;
		c.child = handle;
		c.class_name = CLASS;
		CHECK(cert_ski(spki, sizeof(spki), c.ski));
		memcpy(c.issuer_ski, ca_ski, 20);
		c.spki = spki;
		c.spki_len = sizeof(spki);
		c.sia_repo = repo;
		c.sia_mft = mft;
		c.as = "";
		c.v4 = "";
		c.v6 = "";
		c.not_before = now;
		c.not_after = now + 100 * DAY;
		c.der = p->ca_cert;
		c.der_len = p->ca_len;
		c.cert_uri = uri;
		c.state = STORE_CERT_CURRENT;
		CHECK(store_cert_insert(st, &c, now));
	}
	CHECK(store_commit(st));
}

/* One population: returns nothing, prints one line. */
static void
bench_n(struct parent *p, int n, struct signer *mft_signer, bool only_issue, bool loaded)
{
	char dir[] = "/tmp/bench-engine-XXXXXX", path[256], pub[256], handle[32], *msg = NULL;
	struct store_open_args oa = { rng, NULL, 0 };
	struct engine_config cfg;
	struct engine_class_config cc;
	struct engine_response resp;
	struct store *st = NULL;
	struct engine *e = NULL;
	struct alloc_table t;
	struct alloc_error aerr;
	time_t now = time(NULL);
	char *text, na[UD_TIME_SIZE];
	size_t tlen = 0, cap, i, len;
	unsigned char **reqs;
	size_t *lens;
	double t0, t_open, t_table, t_list = 0, t_issue;
	int rc;

	oa.now = now;
	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	snprintf(path, sizeof(path), "%s/store", dir);
	snprintf(pub, sizeof(pub), "%s/pub", dir);
	mkdir(path, 0755);
	mkdir(pub, 0755);
	CHECK(store_open(path, STORE_CREATE, &oa, &st, &msg));
	/* Setup (not timed): n children in one transaction. */
	CHECK(store_begin(st));
	for (i = 0; i < (size_t)n; i++) {
		snprintf(handle, sizeof(handle), "c%05zu", i);
		CHECK(store_child_put(st, handle, c_ta, c_ta_len, now));
	}
	CHECK(store_commit(st));
	config(p, &cfg, &cc, st, pub);
	cfg.mft_signer = mft_signer;
	CHECK(engine_open(&cfg, now, &e, &msg));
	/* The table entitling every child: AS 100000+i, 10.x.y.0/24. */
	cap = (size_t)n * 120 + 256;
	if ((text = malloc(cap)) == NULL)
		die("nomem");
	ud_time_format(now + 200 * DAY, na);
	tlen = (size_t)snprintf(text, cap, "version 1\nclass " CLASS "\n");
	for (i = 0; i < (size_t)n; i++)
		tlen += (size_t)snprintf(text + tlen, cap - tlen, "child c%05zu\n", i);
	for (i = 0; i < (size_t)n; i++)
		tlen += (size_t)snprintf(text + tlen, cap - tlen, "grant c%05zu " CLASS
		    " as=%zu ipv4=10.%zu.%zu.0/24 notafter=%s\n", i, 100000 + i, i >> 8, i & 255, na);
	if (alloc_parse(text, tlen, "bench", &t, &aerr) != 0)
		die("alloc_parse: %s", aerr.msg);
	free(text);
	t0 = now_s();
	CHECK(engine_apply_table(e, &t, NULL, true, now, NULL));
	t_table = now_s() - t0;
	alloc_table_free(&t);
	if (loaded) {
		/* Stand-in certificates, published once by the next open (not timed). */
		engine_close(e);
		preload(st, p, n, now);
		CHECK(engine_open(&cfg, now, &e, &msg));
	}
	/* Restart: the load time of this population. */
	engine_close(e);
	store_close(st);
	t0 = now_s();
	CHECK(store_open(path, 0, NULL, &st, &msg));
	cfg.store = st;
	CHECK(engine_open(&cfg, now, &e, &msg));
	t_open = now_s() - t0;

	/* list from children spread over the population (requests signed beforehand). */
	len = (size_t)n_lists > (size_t)n_issues ? (size_t)n_lists : (size_t)n_issues;
	reqs = calloc(len, sizeof(*reqs));
	lens = calloc(len, sizeof(*lens));
	if (!only_issue) {
		for (i = 0; i < (size_t)n_lists; i++) {
			snprintf(handle, sizeof(handle), "c%05zu", i * (size_t)n / (size_t)n_lists);
			reqs[i] = req_list(handle, now, &lens[i]);
		}
		t0 = now_s();
		for (i = 0; i < (size_t)n_lists; i++) {
			CHECK(engine_handle(e, NULL, reqs[i], lens[i], now, &resp));
			if (resp.http_status != 200 || resp.status != 0)
				die("list: %s", resp.log);
			engine_response_free(&resp);
		}
		t_list = now_s() - t0;
		for (i = 0; i < (size_t)n_lists; i++)
			free(reqs[i]);
	}
	/* issue: NKEYS children, each re-issuing for its key (replace + revoke). */
	for (i = 0; i < (size_t)n_issues; i++) {
		snprintf(handle, sizeof(handle), "c%05zu", (i % NKEYS) * (size_t)n / NKEYS);
		reqs[i] = req_issue(handle, (int)(i % NKEYS), now, &lens[i]);
	}
	t0 = now_s();
	for (i = 0; i < (size_t)n_issues; i++) {
		rc = engine_handle(e, NULL, reqs[i], lens[i], now, &resp);
		if (rc != 0 || resp.http_status != 200 || resp.status != 0)
			die("issue: %s", resp.log);
		engine_response_free(&resp);
	}
	t_issue = now_s() - t0;
	for (i = 0; i < (size_t)n_issues; i++)
		free(reqs[i]);
	free(reqs);
	free(lens);
	engine_close(e);
	store_close(st);
	snprintf(path, sizeof(path), "%s/store/updown.db", dir);
	{
		char wal[300];
		snprintf(wal, sizeof(wal), "%s-wal", path);
		if (only_issue && loaded)
			printf("  %-9s %6d children: issue %7.2f/s with %d certificates published "
			    "(open %.3f s, db %.1f KB)\n", p->name, n, n_issues / t_issue, n, t_open,
			    (double)(file_size(path) + file_size(wal)) / 1024.0);
		else if (only_issue)
			printf("  %-9s %6d children: issue %7.2f/s (one-time manifest keys in software)\n",
			    p->name, n, n_issues / t_issue);
		else
			printf("  %-9s %6d children: open %7.3f s  table %7.3f s  list %7.1f/s  "
			    "issue %6.2f/s  db %7.1f KB\n", p->name, n, t_open, t_table,
			    n_lists / t_list, n_issues / t_issue,
			    (double)(file_size(path) + file_size(wal)) / 1024.0);
	}
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

int
main(int argc, char **argv)
{
	struct softhsm_fixture hsm;
	struct signer_p11_config pc;
	struct parent par[2];
	int np = 0, i, n;
	time_t now = time(NULL);

	if (argc > 1)
		max_children = atoi(argv[1]);
	if (argc > 2)
		n_lists = atoi(argv[2]);
	if (argc > 3)
		n_issues = atoi(argv[3]);
	machine();
	children_setup(now);
	memset(par, 0, sizeof(par));
	par[np].name = "software";
	CHECK(signer_sw_open(rng, NULL, &par[np].s));
	np++;
	if (softhsm_fixture_setup(&hsm, "bench-engine") == 0) {
		signer_p11_config_init(&pc);
		pc.module = hsm.module;
		pc.token_uri = hsm.uri;
		if (signer_p11_open(&pc, &par[np].s) == 0) {
			par[np].name = "softhsm";
			np++;
		}
	}
	for (i = 0; i < np; i++) {
		parent_setup(&par[i], now);
		printf("%s: raw RSA-2048 sign %.0f/s; one-time key generation %.1f ms "
		    "(a manifest needs one)\n", par[i].name, sign_rate(par[i].s, par[i].ca),
		    keygen_ms(par[i].s, 5));
		printf("  per issue: 5 signatures (certificate, CRL, manifest EE, manifest, reply) "
		    "+ 1 key generation; per list: 1 signature (reply)\n");
		for (n = 100; n <= max_children; n *= 10)
			bench_n(&par[i], n, NULL, false, false);
		if (strcmp(par[i].name, "softhsm") == 0)
			bench_n(&par[i], 1000 <= max_children ? 1000 : 100, cs, true, false);
		/* Every child holding a certificate: the manifest and the snapshot grow. */
		for (n = 1000; n <= max_children; n *= 10)
			bench_n(&par[i], n, NULL, true, true);
	}
	for (i = 0; i < np; i++) {
		free(par[i].ca_cert);
		free(par[i].bpki_ta);
		free(par[i].bpki_ee);
		signer_close(par[i].s);
	}
	if (np > 1)
		softhsm_fixture_teardown(&hsm);
	return 0;
}
