/*
 * updownctl bundle: provisioning bundles, an allocation table signed by M
 * of the N operator keys registered at the key ceremony
 * (docs/provisioning-bundle.md, proto/bundle).
 *
 *   bundle create TABLE -o BUNDLE [--comment TEXT] [--force-brake]
 *   bundle sign BUNDLE (--key FILE | --hsm-module PATH --token-uri URI --key-label L)
 *               [--cert FILE] [--dir CONFDIR] [-o OUT]
 *   bundle merge A B -o OUT
 *   bundle show BUNDLE [--table]
 *   bundle verify BUNDLE --dir CONFDIR [--last-version N | --state STORE] [--at TIME]
 *   bundle deliver BUNDLE (--to URL | --dir CONFDIR) [--timeout S] [--cacert FILE]
 *
 * create checks the table (it must parse; the bundle carries its version)
 * before anyone signs. Each operator adds one signature, in turn, on the
 * same file (or on copies, merged later): from a key file or from a token.
 * verify does what the appliance will do (threshold of distinct registered
 * operators, every registered signature valid, version above the last
 * applied, the table parses) and then validates the table against the
 * holdings of the configuration's class certificates. deliver POSTs the
 * bundle to the appliance's provisioning endpoint (Content-Type
 * application/x-updown-bundle; with --dir, http://ADDRESS:PORT+1/PATH from
 * the configuration, PORT+1 being the appliance's default provisioning
 * port); for an air-gapped appliance, copy the file to removable media
 * (the appliance's --load-bundle).
 *
 * Exit codes: 0 ok; 1 refused (by the checks here, or by the appliance:
 * HTTP 4xx); 2 usage; 3 I/O, the token, or the appliance unreachable or
 * failing (HTTP 5xx).
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <curl/curl.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>

#include "crypto/signer.h"
#include "firmware/store.h"
#include "proto/alloc.h"
#include "proto/bundle.h"
#include "proto/conf.h"
#include "proto/updown.h"
#include "updownctl.h"

/* What the appliance's provisioning endpoint accepts (firmware/appliance.h). */
#define BUNDLE_CONTENT_TYPE "application/x-updown-bundle"
#define MAX_REPLY (64u << 10)

static int
bundle_usage(void)
{
	fputs("usage: updownctl bundle create TABLE -o BUNDLE [--comment TEXT] [--force-brake]\n"
	    "       updownctl bundle sign BUNDLE (--key FILE | --hsm-module PATH --token-uri URI\n"
	    "             --key-label L) [--cert FILE] [--dir CONFDIR] [-o OUT]\n"
	    "       updownctl bundle merge A B -o OUT\n"
	    "       updownctl bundle show BUNDLE [--table]\n"
	    "       updownctl bundle verify BUNDLE --dir CONFDIR [--last-version N | --state STORE]\n"
	    "             [--at TIME]\n"
	    "       updownctl bundle deliver BUNDLE (--to URL | --dir CONFDIR) [--timeout S]\n"
	    "             [--cacert FILE]\n", stderr);
	return EXIT_USAGE;
}

static void
time_text(time_t t, char out[UD_TIME_SIZE])
{
	if (ud_time_format(t, out) != 0)
		snprintf(out, UD_TIME_SIZE, "?");
}

/* Read and decode a bundle. 0, EXIT_IO or EXIT_REFUSED. */
static int
load_bundle(const char *path, struct bundle *b, unsigned char **der, size_t *len)
{
	int rc, r;

	bundle_init(b);
	if ((rc = ctl_read_file(path, der, len)) != 0)
		return rc;
	if ((r = bundle_decode(b, *der, *len)) != 0) {
		fprintf(stderr, "updownctl: %s: not a provisioning bundle: %s\n", path,
		    bundle_strerror(r));
		free(*der);
		*der = NULL;
		return EXIT_REFUSED;
	}
	return 0;
}

/* What is signed: version, time, force, comment, the table's SHA-256, signers. */
static void
print_summary(const char *path, const struct bundle *b)
{
	char when[UD_TIME_SIZE], fp[65], ski[2 * BUNDLE_MAX_SKI + 1];

	time_text(b->created, when);
	ctl_sha256_hex(b->table.p, b->table.len, fp);
	printf("%s: table version %llu, created %s%s\n", path, (unsigned long long)b->version,
	    when, b->force ? ", FORCED past the safety brake (UD-104)" : "");
	if (b->comment != NULL)
		printf("  comment: %s\n", b->comment);
	printf("  table: %zu bytes, SHA-256 %s\n", b->table.len, fp);
	printf("  signatures: %zu\n", b->nsigners);
	for (size_t i = 0; i < b->nsigners; i++) {
		ctl_hex(b->signers[i].ski, b->signers[i].ski_len, ski);
		time_text(b->signers[i].signing_time, when);
		printf("    SKI %s signed %s\n", ski, when);
	}
}

/* ---- create ---- */

static int
bundle_create_cmd(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "comment", required_argument, NULL, 'c' },
		{ "force-brake", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *comment = NULL;
	unsigned flags = 0;
	unsigned char *text = NULL, *der = NULL;
	size_t len, der_len;
	struct alloc_table t;
	struct alloc_error err;
	struct bundle b;
	struct stat sb;
	int ch, rc, r;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
		switch (ch) {
		case 'o': out = optarg; break;
		case 'c': comment = optarg; break;
		case 'f': flags |= BUNDLE_F_FORCE; break;
		default: return bundle_usage();
		}
	}
	if (out == NULL || optind != argc - 1)
		return bundle_usage();
	if (stat(out, &sb) == 0) {
		fprintf(stderr, "updownctl: %s exists: refused (it may hold signatures)\n", out);
		return EXIT_REFUSED;
	}
	alloc_table_init(&t);
	bundle_init(&b);
	if ((rc = ctl_read_file(argv[optind], &text, &len)) != 0)
		goto out;
	rc = EXIT_REFUSED;
	if (alloc_parse((const char *)text, len, argv[optind], &t, &err) != 0) {
		fprintf(stderr, "updownctl: %s\n", err.msg);
		goto out;
	}
	if ((r = bundle_create((const char *)text, len, t.version, time(NULL), comment, flags,
	    &der, &der_len, &err)) != 0) {
		fprintf(stderr, "updownctl: %s: %s%s%s\n", argv[optind], bundle_strerror(r),
		    err.code != 0 ? ": " : "", err.code != 0 ? err.msg : "");
		goto out;
	}
	if ((rc = ctl_write_file(out, der, der_len)) != 0)
		goto out;
	if (bundle_decode(&b, der, der_len) == 0)
		print_summary(out, &b);
	printf("next: each operator runs updownctl bundle sign %s ...\n", out);
	rc = 0;
out:
	free(text);
	free(der);
	alloc_table_free(&t);
	bundle_free(&b);
	return rc;
}

/* ---- sign ---- */

struct sw_key {
	mbedtls_pk_context pk;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
};

/* cms_sign_fn over a software key: PKCS#1 v1.5 of the SHA-256 digest. */
static int
sw_sign(void *ctx, const unsigned char *tbs, size_t tbs_len, const unsigned char sha256[32],
        unsigned char *sig, size_t sig_size, size_t *sig_len)
{
	struct sw_key *k = ctx;

	(void)tbs;
	(void)tbs_len;
	if (sig_size < mbedtls_pk_get_len(&k->pk))
		return -1;
	return mbedtls_pk_sign(&k->pk, MBEDTLS_MD_SHA256, sha256, 32, sig, sig_len,
	    mbedtls_ctr_drbg_random, &k->drbg);
}

/* Is spki one of CONFDIR's registered operators? -1 on a load error. */
static int
registered(const char *dir, const unsigned char *spki, size_t spki_len, char *name, size_t size)
{
	struct conf c;
	int found = 0;

	if (ctl_conf_load(dir, &c) != 0)
		return -1;
	for (size_t i = 0; i < c.prov.noperators && !found; i++) {
		char *p = ctl_conf_path(dir, c.prov.operators[i]);
		unsigned char *f = NULL, *s = NULL;
		size_t fl, sl;

		if (p != NULL && ctl_read_file(p, &f, &fl) == 0 &&
		    conf_operator_spki(f, fl, &s, &sl) == 0 && sl == spki_len &&
		    memcmp(s, spki, sl) == 0) {
			found = 1;
			snprintf(name, size, "%s", c.prov.operators[i]);
		}
		free(p);
		free(f);
		free(s);
	}
	conf_free(&c);
	return found;
}

static int
bundle_sign_cmd(int argc, char **argv)
{
	enum { O_KEY = 256, O_MODULE, O_TOKEN, O_LABEL, O_CERT, O_DIR };
	static const struct option lo[] = {
		{ "key", required_argument, NULL, O_KEY },
		{ "hsm-module", required_argument, NULL, O_MODULE },
		{ "token-uri", required_argument, NULL, O_TOKEN },
		{ "key-label", required_argument, NULL, O_LABEL },
		{ "cert", required_argument, NULL, O_CERT },
		{ "dir", required_argument, NULL, O_DIR },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *keyfile = NULL, *module = NULL, *token = NULL, *label = NULL, *certfile = NULL;
	const char *dir = NULL, *out = NULL, *in;
	unsigned char *der = NULL, *signed_der = NULL, *spki = NULL, *cert = NULL;
	size_t der_len, signed_len, spki_len = 0, cert_len = 0;
	struct bundle b, b2;
	struct bundle_signer bs;
	struct sw_key sw;
	struct signer *s = NULL;
	struct signer_key *key = NULL;
	struct signer_cms_ctx sctx;
	unsigned char ski[BUNDLE_SKI_LEN];
	char skih[2 * BUNDLE_SKI_LEN + 1], opname[1100];
	int ch, rc, r;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
		switch (ch) {
		case O_KEY: keyfile = optarg; break;
		case O_MODULE: module = optarg; break;
		case O_TOKEN: token = optarg; break;
		case O_LABEL: label = optarg; break;
		case O_CERT: certfile = optarg; break;
		case O_DIR: dir = optarg; break;
		case 'o': out = optarg; break;
		default: return bundle_usage();
		}
	}
	if (optind != argc - 1)
		return bundle_usage();
	if ((keyfile != NULL) == (token != NULL) ||
	    (token != NULL && (module == NULL || label == NULL)) ||
	    (keyfile != NULL && (module != NULL || label != NULL))) {
		fprintf(stderr, "updownctl: bundle sign: give --key FILE, or --hsm-module, "
		    "--token-uri and --key-label\n");
		return EXIT_USAGE;
	}
	in = argv[optind];
	if (out == NULL)
		out = in;
	mbedtls_pk_init(&sw.pk);
	mbedtls_entropy_init(&sw.entropy);
	mbedtls_ctr_drbg_init(&sw.drbg);
	bundle_init(&b2);
	memset(&bs, 0, sizeof(bs));
	if ((rc = load_bundle(in, &b, &der, &der_len)) != 0)
		goto out;
	if (certfile != NULL && (rc = ctl_read_der(certfile, "CERTIFICATE", &cert, &cert_len)) != 0)
		goto out;
	if (keyfile != NULL) {
		unsigned char w[4096];
		int n;

		rc = EXIT_REFUSED;
		if ((r = mbedtls_pk_parse_keyfile(&sw.pk, keyfile, NULL)) != 0) {
			fprintf(stderr, "updownctl: %s: not an unencrypted private key (%s)\n", keyfile,
			    r == MBEDTLS_ERR_PK_FILE_IO_ERROR ? "cannot read it" : "PEM or DER");
			rc = r == MBEDTLS_ERR_PK_FILE_IO_ERROR ? EXIT_IO : EXIT_REFUSED;
			goto out;
		}
		rc = EXIT_IO;
		if (mbedtls_ctr_drbg_seed(&sw.drbg, mbedtls_entropy_func, &sw.entropy,
		    (const unsigned char *)"updownctl bundle sign", 21) != 0)
			goto out;
		if ((n = mbedtls_pk_write_pubkey_der(&sw.pk, w, sizeof(w))) <= 0 ||
		    (spki = malloc((size_t)n)) == NULL)
			goto out;
		memcpy(spki, w + sizeof(w) - n, (size_t)n);
		spki_len = (size_t)n;
		bs.sign = sw_sign;
		bs.sign_ctx = &sw;
	} else {
		struct signer_p11_config p;

		signer_p11_config_init(&p);
		p.module = module;
		p.token_uri = token;
		rc = EXIT_IO;
		if ((r = signer_p11_open(&p, &s)) != 0 || (r = signer_key_find(s, label, &key)) != 0 ||
		    (r = signer_key_public(s, key, &spki, &spki_len)) != 0) {
			fprintf(stderr, "updownctl: %s: %s (%s)\n", token, signer_strerror(r),
			    signer_last_error());
			rc = r == SIGNER_ERR_PIN ? EXIT_REFUSED : EXIT_IO;
			goto out;
		}
		sctx.signer = s;
		sctx.key = key;
		bs.sign = signer_cms_sign;
		bs.sign_ctx = &sctx;
	}
	rc = EXIT_REFUSED;
	if (bundle_operator_key(spki, spki_len, NULL, ski) != 0) {
		fprintf(stderr, "updownctl: the signing key is not an RSA key of 2048 bits or more\n");
		goto out;
	}
	ctl_hex(ski, sizeof(ski), skih);
	if (dir != NULL) {
		int reg = registered(dir, spki, spki_len, opname, sizeof(opname));

		if (reg < 0) {
			rc = EXIT_IO;
			goto out;
		}
		if (reg == 0)
			fprintf(stderr, "updownctl: warning: key SKI %s is not a registered operator "
			    "in %s: the appliance will not count this signature\n", skih, dir);
		else
			printf("signing as the registered operator %s\n", opname);
	}
	print_summary(in, &b);
	bs.spki = spki;
	bs.spki_len = spki_len;
	bs.cert = cert;
	bs.cert_len = cert_len;
	if ((r = bundle_add_signature(der, der_len, &bs, time(NULL), &signed_der,
	    &signed_len)) != 0) {
		fprintf(stderr, "updownctl: %s: %s\n", in, bundle_strerror(r));
		rc = r == BUNDLE_ERR_SIGN ? EXIT_IO : EXIT_REFUSED;
		goto out;
	}
	if ((rc = ctl_write_file(out, signed_der, signed_len)) != 0)
		goto out;
	if (bundle_decode(&b2, signed_der, signed_len) == 0)
		printf("%s: signed by SKI %s; %zu signature%s now\n", out, skih, b2.nsigners,
		    b2.nsigners == 1 ? "" : "s");
	rc = 0;
out:
	bundle_free(&b);
	bundle_free(&b2);
	signer_close(s);
	mbedtls_pk_free(&sw.pk);
	mbedtls_ctr_drbg_free(&sw.drbg);
	mbedtls_entropy_free(&sw.entropy);
	free(der);
	free(signed_der);
	free(spki);
	free(cert);
	return rc;
}

/* ---- merge, show ---- */

static int
bundle_merge_cmd(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	unsigned char *a = NULL, *b = NULL, *m = NULL;
	size_t al, bl, ml;
	struct bundle ba, bb, bm;
	int ch, rc, r;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
		switch (ch) {
		case 'o': out = optarg; break;
		default: return bundle_usage();
		}
	}
	if (out == NULL || optind != argc - 2)
		return bundle_usage();
	bundle_init(&bb);
	bundle_init(&bm);
	if ((rc = load_bundle(argv[optind], &ba, &a, &al)) != 0 ||
	    (rc = load_bundle(argv[optind + 1], &bb, &b, &bl)) != 0)
		goto out;
	if ((r = bundle_merge(a, al, b, bl, &m, &ml)) != 0) {
		fprintf(stderr, "updownctl: %s, %s: %s\n", argv[optind], argv[optind + 1],
		    bundle_strerror(r));
		rc = EXIT_REFUSED;
		goto out;
	}
	if ((rc = ctl_write_file(out, m, ml)) != 0)
		goto out;
	if (bundle_decode(&bm, m, ml) == 0)
		print_summary(out, &bm);
	rc = 0;
out:
	bundle_free(&ba);
	bundle_free(&bb);
	bundle_free(&bm);
	free(a);
	free(b);
	free(m);
	return rc;
}

static int
bundle_show_cmd(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "table", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	bool table = false;
	unsigned char *der = NULL;
	size_t len;
	struct bundle b;
	int ch, rc;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 't': table = true; break;
		default: return bundle_usage();
		}
	}
	if (optind != argc - 1)
		return bundle_usage();
	if ((rc = load_bundle(argv[optind], &b, &der, &len)) != 0)
		return rc;
	if (table)
		fwrite(b.table.p, 1, b.table.len, stdout);
	else
		print_summary(argv[optind], &b);
	bundle_free(&b);
	free(der);
	return 0;
}

/* ---- verify ---- */

static int
parse_u64(const char *opt, const char *s, uint64_t *v)
{
	char *e;

	if (s[0] < '0' || s[0] > '9')
		goto bad;
	errno = 0;
	*v = strtoull(s, &e, 10);
	if (*e != '\0' || errno != 0)
		goto bad;
	return 0;
bad:
	fprintf(stderr, "updownctl: %s: want an unsigned decimal number\n", opt);
	return EXIT_USAGE;
}

static const char *
sig_status(enum bundle_sig_status s)
{
	switch (s) {
	case BUNDLE_SIG_VALID: return "valid, counted";
	case BUNDLE_SIG_DUPLICATE: return "valid, but this operator is counted once";
	case BUNDLE_SIG_UNKNOWN: return "not a registered operator: ignored";
	case BUNDLE_SIG_BAD_DIGEST: return "REGISTERED OPERATOR, WRONG DIGEST: tampered";
	case BUNDLE_SIG_BAD: return "REGISTERED OPERATOR, BAD SIGNATURE: tampered or broken";
	default: return "not examined";
	}
}

static int
bundle_verify_cmd(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "last-version", required_argument, NULL, 'l' },
		{ "state", required_argument, NULL, 's' },
		{ "at", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *state = NULL;
	uint64_t last = 0;
	bool have_last = false;
	time_t now = time(NULL);
	unsigned char *der = NULL, **files = NULL;
	size_t len, nops = 0;
	struct bundle b;
	struct bundle_operator *ops = NULL;
	struct bundle_result res;
	struct conf c;
	struct ctl_holdings h;
	struct alloc_errs errs;
	char ski[2 * BUNDLE_MAX_SKI + 1], when[UD_TIME_SIZE];
	int ch, rc, r;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'l':
			if (parse_u64("--last-version", optarg, &last) != 0)
				return EXIT_USAGE;
			have_last = true;
			break;
		case 's': state = optarg; break;
		case 't':
			if (ctl_parse_time("--at", optarg, &now) != 0)
				return EXIT_USAGE;
			break;
		default: return bundle_usage();
		}
	}
	if (dir == NULL || optind != argc - 1 || (have_last && state != NULL))
		return bundle_usage();
	bundle_result_init(&res);
	alloc_errs_init(&errs);
	memset(&h, 0, sizeof(h));
	bundle_init(&b);
	if ((rc = ctl_conf_load(dir, &c)) != 0)
		goto out;
	if (state != NULL) {
		struct store *s = NULL;
		struct store_info si;
		char *msg = NULL;

		if ((r = store_open(state, STORE_READONLY | STORE_QUICK_CHECK |
		    STORE_AUDIT_HEAD_ONLY, NULL, &s, &msg)) != 0 || (r = store_info(s, &si)) != 0) {
			fprintf(stderr, "updownctl: %s: %s\n", state,
			    msg != NULL ? msg : store_strerror(r));
			free(msg);
			store_close(s);
			rc = r == STORE_ERR_NOT_FOUND || r == STORE_ERR_IO ? EXIT_IO : EXIT_REFUSED;
			goto out;
		}
		store_close(s);
		/* 0: no table applied yet */
		have_last = si.alloc_version > 0;
		last = si.alloc_version;
	}
	/* the registered operators */
	rc = EXIT_IO;
	if (c.prov.noperators == 0) {
		fprintf(stderr, "updownctl: %s registers no operator keys: no bundle can pass\n",
		    dir);
		rc = EXIT_REFUSED;
		goto out;
	}
	if ((ops = calloc(c.prov.noperators, sizeof(*ops))) == NULL ||
	    (files = calloc(c.prov.noperators, sizeof(*files))) == NULL)
		goto out;
	for (nops = 0; nops < c.prov.noperators; nops++) {
		char *p = ctl_conf_path(dir, c.prov.operators[nops]);
		unsigned char *f = NULL, *spki;
		size_t fl, sl;

		if (p == NULL)
			goto out;
		if ((rc = ctl_read_file(p, &f, &fl)) != 0) {
			free(p);
			goto out;
		}
		r = conf_operator_spki(f, fl, &spki, &sl);
		free(f);
		if (r != 0) {
			fprintf(stderr, "updownctl: %s: %s\n", p, conf_strerror(r));
			free(p);
			rc = EXIT_REFUSED;
			goto out;
		}
		free(p);
		files[nops] = spki;
		ops[nops].spki = spki;
		ops[nops].spki_len = sl;
	}
	if ((rc = load_bundle(argv[optind], &b, &der, &len)) != 0)
		goto out;
	print_summary(argv[optind], &b);
	r = bundle_verify(&b, ops, nops, c.prov.threshold, have_last ? &last : NULL, &res);
	for (size_t i = 0; i < res.nsigs; i++) {
		ctl_hex(res.sigs[i].ski, res.sigs[i].ski_len, ski);
		time_text(res.sigs[i].signing_time, when);
		printf("  signature %zu: SKI %s, %s: %s\n", i + 1, ski,
		    res.sigs[i].status == BUNDLE_SIG_VALID || res.sigs[i].status ==
		    BUNDLE_SIG_DUPLICATE || res.sigs[i].status == BUNDLE_SIG_BAD ||
		    res.sigs[i].status == BUNDLE_SIG_BAD_DIGEST ? c.prov.operators[res.sigs[i].op] :
		    "?", sig_status(res.sigs[i].status));
	}
	printf("  operators: %zu of %u required (%zu registered)\n", res.valid_operators,
	    c.prov.threshold, c.prov.noperators);
	if (r != 0) {
		fprintf(stderr, "updownctl: %s: refused: %s%s%s\n", argv[optind], bundle_strerror(r),
		    r == BUNDLE_ERR_TABLE ? ": " : "", r == BUNDLE_ERR_TABLE ? res.table_err.msg : "");
		if (r == BUNDLE_ERR_STALE)
			fprintf(stderr, "updownctl: the appliance holds version %llu; this bundle "
			    "carries %llu\n", (unsigned long long)last, (unsigned long long)b.version);
		rc = EXIT_REFUSED;
		goto out;
	}
	/* what the appliance checks next, with its holdings and clock */
	if ((rc = ctl_conf_holdings(dir, &c, &h)) != 0)
		goto out;
	rc = EXIT_IO;
	if (alloc_validate(&res.table, h.list, h.n, now, &errs) == ALLOC_ERR_NOMEM)
		goto out;
	for (size_t i = 0; i < errs.count; i++)
		printf("  %s: %s\n", errs.msgs[i].severity == ALLOC_SEV_ERROR ? "error" : "warning",
		    errs.msgs[i].text);
	if (errs.nerrors > 0) {
		fprintf(stderr, "updownctl: %s: the signatures are good but the table has %zu "
		    "errors: the appliance will refuse it\n", argv[optind], errs.nerrors);
		rc = EXIT_REFUSED;
		goto out;
	}
	printf("%s: accepted: %zu of %u operators, version %llu%s, table valid\n", argv[optind],
	    res.valid_operators, c.prov.threshold, (unsigned long long)res.version,
	    have_last ? " (above the last applied)" : "");
	rc = 0;
out:
	if (files != NULL)
		for (size_t i = 0; i < nops; i++)
			free(files[i]);
	free(files);
	free(ops);
	free(der);
	bundle_free(&b);
	bundle_result_free(&res);
	alloc_errs_free(&errs);
	ctl_holdings_free(&h);
	conf_free(&c);
	return rc;
}

/* ---- deliver ---- */

struct sink {
	char buf[MAX_REPLY + 1];
	size_t len;
};

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t k = size * n, room = MAX_REPLY - s->len;

	memcpy(s->buf + s->len, p, k < room ? k : room);
	s->len += k < room ? k : room;
	return k;
}

static int
bundle_deliver_cmd(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "to", required_argument, NULL, 'u' },
		{ "dir", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 't' },
		{ "cacert", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *to = NULL, *dir = NULL, *cacert = NULL;
	long timeout = 60, status = 0;
	char url[2048], errbuf[CURL_ERROR_SIZE];
	unsigned char *der = NULL;
	size_t len;
	struct bundle b;
	struct sink *sink = NULL;
	struct curl_slist *hdr = NULL;
	CURL *cu = NULL;
	CURLcode cr;
	int ch, rc;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'u': to = optarg; break;
		case 'd': dir = optarg; break;
		case 't': {
			char *e;

			timeout = strtol(optarg, &e, 10);
			if (*e != '\0' || timeout < 1 || timeout > 3600)
				return bundle_usage();
			break;
		}
		case 'c': cacert = optarg; break;
		default: return bundle_usage();
		}
	}
	if (optind != argc - 1 || (to == NULL) == (dir == NULL))
		return bundle_usage();
	if (to != NULL) {
		if ((strncmp(to, "http://", 7) != 0 && strncmp(to, "https://", 8) != 0) ||
		    strlen(to) >= sizeof(url)) {
			fprintf(stderr, "updownctl: --to: want an http:// or https:// URL\n");
			return EXIT_USAGE;
		}
		snprintf(url, sizeof(url), "%s", to);
	} else {
		struct conf c;

		if ((rc = ctl_conf_load(dir, &c)) != 0)
			return rc;
		if (!c.net.has_address || c.prov.path[0] == '\0') {
			fprintf(stderr, "updownctl: %s: %s: give --to URL\n", dir, !c.net.has_address ?
			    "no [network] address" : "the provisioning endpoint is off");
			conf_free(&c);
			return EXIT_USAGE;
		}
		/* the appliance's provisioning port defaults to http_port + 1 */
		snprintf(url, sizeof(url), "http://%u.%u.%u.%u:%u%s", c.net.address[0],
		    c.net.address[1], c.net.address[2], c.net.address[3],
		    c.net.http_port < 65535 ? c.net.http_port + 1 : 1, c.prov.path);
		conf_free(&c);
	}
	/* only a well-formed bundle leaves this host */
	if ((rc = load_bundle(argv[optind], &b, &der, &len)) != 0)
		return rc;
	print_summary(argv[optind], &b);
	rc = EXIT_IO;
	if ((sink = calloc(1, sizeof(*sink))) == NULL || (cu = curl_easy_init()) == NULL)
		goto out;
	hdr = curl_slist_append(NULL, "Content-Type: " BUNDLE_CONTENT_TYPE);
	hdr = curl_slist_append(hdr, "Expect:");
	errbuf[0] = '\0';
	curl_easy_setopt(cu, CURLOPT_URL, url);
	curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(cu, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(cu, CURLOPT_POST, 1L);
	curl_easy_setopt(cu, CURLOPT_POSTFIELDS, der);
	curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(cu, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(cu, CURLOPT_USERAGENT, "updownctl-bundle/0.1");
	curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(cu, CURLOPT_WRITEDATA, sink);
	curl_easy_setopt(cu, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT, timeout < 10 ? timeout : 10L);
	curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(cu, CURLOPT_ERRORBUFFER, errbuf);
	if (cacert != NULL)
		curl_easy_setopt(cu, CURLOPT_CAINFO, cacert);
	if ((cr = curl_easy_perform(cu)) != CURLE_OK) {
		fprintf(stderr, "updownctl: %s: %s\n", url,
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cr));
		goto out;
	}
	curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &status);
	sink->buf[sink->len] = '\0';
	for (size_t i = 0; i < sink->len; i++)
		if ((unsigned char)sink->buf[i] < 0x20 && sink->buf[i] != '\n')
			sink->buf[i] = ' ';
	if (status >= 200 && status < 300) {
		printf("%s: delivered (HTTP %ld)%s%s", url, status, sink->len > 0 ? ": " : "",
		    sink->buf);
		if (sink->len == 0 || sink->buf[sink->len - 1] != '\n')
			printf("\n");
		rc = 0;
	} else {
		fprintf(stderr, "updownctl: %s: the appliance answered HTTP %ld%s%s\n", url, status,
		    sink->len > 0 ? ": " : "", sink->buf);
		rc = status >= 400 && status < 500 ? EXIT_REFUSED : EXIT_IO;
	}
out:
	curl_slist_free_all(hdr);
	if (cu != NULL)
		curl_easy_cleanup(cu);
	free(sink);
	free(der);
	bundle_free(&b);
	return rc;
}

/* updownctl bundle SUBCOMMAND ... */
int
cmd_bundle(int argc, char **argv)
{
	if (argc < 2)
		return bundle_usage();
	if (strcmp(argv[1], "create") == 0)
		return bundle_create_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "sign") == 0)
		return bundle_sign_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "merge") == 0)
		return bundle_merge_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return bundle_show_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return bundle_verify_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "deliver") == 0)
		return bundle_deliver_cmd(argc - 1, argv + 1);
	return bundle_usage();
}
