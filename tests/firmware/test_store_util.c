/*
 * Helpers shared by the firmware/store tests, the crash harness and the
 * benchmark. Included (#include "firmware/test_store_util.c"), not compiled
 * on its own, so every helper is static inline.
 */
#ifndef UPDOWN_TEST_STORE_UTIL
#define UPDOWN_TEST_STORE_UTIL

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/sha256.h>
#include <sqlite3.h>

#include "firmware/store.h"

/* A fixed point in time: 2024-01-01T00:00:00Z. */
#define T0 ((time_t)1704067200)

/* Deterministic "RNG" (splitmix64) so stores are reproducible. */
static inline int
tsu_rng(void *p, unsigned char *buf, size_t len)
{
	uint64_t *state = p, z = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (i % 8 == 0) {
			z = (*state += UINT64_C(0x9E3779B97F4A7C15));
			z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
			z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
			z ^= z >> 31;
		}
		buf[i] = (unsigned char)(z >> (8 * (i % 8)));
	}
	return 0;
}

/* A fresh temporary directory (malloc'd path). */
static inline char *
tsu_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *p;
	size_t n;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	n = strlen(base) + 32;
	if ((p = malloc(n)) == NULL)
		return NULL;
	snprintf(p, n, "%s/updown-store-XXXXXX", base);
	if (mkdtemp(p) == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

/* Remove the files in dir (one level) and dir itself; frees dir. */
static inline void
tsu_rmdir(char *dir)
{
	struct dirent *de;
	char path[1024];
	DIR *d;

	if (dir == NULL)
		return;
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
	free(dir);
}

/* Create (or open) the store in dir with a deterministic RNG seeded by seed. */
static inline int
tsu_open(const char *dir, uint64_t seed, unsigned flags, struct store **s, char **msg)
{
	static uint64_t state;
	struct store_open_args args;

	state = seed;
	memset(&args, 0, sizeof(args));
	args.f_rng = tsu_rng;
	args.p_rng = &state;
	args.now = T0;
	return store_open(dir, flags | STORE_CREATE, &args, s, msg);
}

/* A 20-octet SKI derived from n (and a tag, so keys of different roles differ). */
static inline void
tsu_ski(uint8_t ski[STORE_SKI_LEN], uint32_t tag, uint64_t n)
{
	uint8_t in[12], h[32];
	int i;

	for (i = 0; i < 4; i++)
		in[i] = (uint8_t)(tag >> (8 * i));
	for (i = 0; i < 8; i++)
		in[4 + i] = (uint8_t)(n >> (8 * i));
	mbedtls_sha256_ret(in, sizeof(in), h, 0);
	memcpy(ski, h, STORE_SKI_LEN);
}

static inline void
tsu_sha256(const void *p, size_t n, uint8_t out[32])
{
	mbedtls_sha256_ret(p, n, out, 0);
}

/* Fake DER: len bytes derived from n (not a real certificate; the store stores bytes). */
static inline uint8_t *
tsu_blob(uint64_t n, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);
	size_t i;

	if (p == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(n * 131 + i * 7 + (i >> 8));
	if (len > 0)
		p[0] = 0x30;
	return p;
}

static const uint8_t tsu_ta[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };

/* A class "name" with our key tsu_ski(1, k). */
static inline void
tsu_class(struct store_class *c, char *name, uint8_t *cert, size_t cert_len, uint64_t k)
{
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->cert = cert;
	c->cert_len = cert_len;
	tsu_ski(c->key_ski, 1, k);
	c->key_label = (char *)"ca-key-1";
	c->cert_uris = (char *)"rsync://rpki.example.net/repo/ca.cer,https://rpki.example.net/ca.cer";
	c->repo_uri = (char *)"rsync://rpki.example.net/repo/ca/";
	c->crl_uri = (char *)"rsync://rpki.example.net/repo/ca/ca.crl";
	c->mft_uri = (char *)"rsync://rpki.example.net/repo/ca/ca.mft";
	c->notify_uri = NULL;
}

/*
 * A certificate record for child/class with subject key tsu_ski(2, key),
 * issuer key tsu_ski(1, 1) and a der of der_len bytes (caller frees der).
 */
static inline void
tsu_cert(struct store_cert *c, uint64_t serial, char *child, char *class_name, uint64_t key,
         uint8_t *der, size_t der_len)
{
	memset(c, 0, sizeof(*c));
	c->serial = serial;
	c->child = child;
	c->class_name = class_name;
	tsu_ski(c->ski, 2, key);
	tsu_ski(c->issuer_ski, 1, 1);
	c->spki = der;              /* any bytes will do */
	c->spki_len = der_len < 64 ? der_len : 64;
	c->sia_repo = (char *)"rsync://child.example.org/repo/";
	c->sia_mft = (char *)"rsync://child.example.org/repo/child.mft";
	c->as = (char *)"64496-64511";
	c->v4 = (char *)"192.0.2.0/24";
	c->v6 = (char *)"2001:db8::/32";
	c->not_before = T0;
	c->not_after = T0 + 365 * 86400;
	c->der = der;
	c->der_len = der_len;
	c->cert_uri = (char *)"rsync://rpki.example.net/repo/ca/child.cer";
	c->state = STORE_CERT_CURRENT;
}

/* Copy file from -> to (whole file). 0 on success. */
static inline int
tsu_copy(const char *from, const char *to)
{
	char buf[65536];
	FILE *in, *out;
	size_t n;
	int rc = 0;

	if ((in = fopen(from, "rb")) == NULL)
		return -1;
	if ((out = fopen(to, "wb")) == NULL) {
		fclose(in);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
	fclose(in);
	if (fclose(out) != 0)
		rc = -1;
	return rc;
}

/* Run SQL on the database file behind the store's back. 0 on success. */
static inline int
tsu_sql(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *err = NULL;
	int src;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return -1;
	}
	src = sqlite3_exec(db, sql, NULL, NULL, &err);
	if (src != SQLITE_OK)
		fprintf(stderr, "tsu_sql: %s: %s\n", sql, err ? err : "?");
	sqlite3_free(err);
	sqlite3_close(db);
	return src == SQLITE_OK ? 0 : -1;
}

/* Size in bytes of a file (0 if missing). */
static inline long long
tsu_fsize(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (long long)sb.st_size : 0;
}

/*
 * Fill a fresh store with n children in one class "RIR" (our key
 * tsu_ski(1, 1)), an entitlement each (allocation table version 1) and one
 * current certificate each (der_len bytes, key tsu_ski(2, i)), in one
 * transaction. Child i is "child-%06u". Returns 0 or a STORE_ERR_* code.
 */
static inline int
tsu_build(struct store *s, unsigned n, size_t der_len)
{
	struct store_entitlement *ents = NULL;
	struct store_info info;
	struct store_class cls;
	struct store_cert c;
	uint8_t *der = NULL, cert[1200];
	char (*handles)[24] = NULL;
	unsigned i;
	int rc;

	memset(cert, 0x30, sizeof(cert));
	if ((rc = store_info(s, &info)) != 0 ||
	    (rc = store_counter_raise(s, STORE_COUNTER_SERIAL, NULL, info.serial_last + n, T0)) != 0)
		return rc;
	if ((handles = calloc(n ? n : 1, sizeof(*handles))) == NULL ||
	    (ents = calloc(n ? n : 1, sizeof(*ents))) == NULL ||
	    (der = tsu_blob(0, der_len)) == NULL) {
		rc = STORE_ERR_NOMEM;
		goto out;
	}
	if ((rc = store_begin(s)) != 0)
		goto out;
	tsu_class(&cls, (char *)"RIR", cert, sizeof(cert), 1);
	if ((rc = store_class_put(s, &cls, T0)) != 0)
		goto fail;
	for (i = 0; i < n; i++) {
		snprintf(handles[i], sizeof(handles[i]), "child-%06u", i);
		if ((rc = store_child_put(s, handles[i], tsu_ta, sizeof(tsu_ta), T0)) != 0)
			goto fail;
		ents[i].child = handles[i];
		ents[i].class_name = (char *)"RIR";
		ents[i].as = (char *)"64496";
		ents[i].v4 = (char *)"192.0.2.0/24";
		ents[i].v6 = (char *)"";
		ents[i].not_after = T0 + 365 * 86400;
	}
	if ((rc = store_alloc_apply(s, 1, ents, n, NULL, T0)) != 0)
		goto fail;
	for (i = 0; i < n; i++) {
		der[1] = (uint8_t)i;
		der[2] = (uint8_t)(i >> 8);
		tsu_cert(&c, info.serial_last + 1 + i, handles[i], (char *)"RIR", i, der, der_len);
		if ((rc = store_cert_insert(s, &c, T0)) != 0)
			goto fail;
	}
	rc = store_commit(s);
	goto out;
fail:
	store_rollback(s);
out:
	free(der);
	free(ents);
	free(handles);
	return rc;
}

#endif /* UPDOWN_TEST_STORE_UTIL */
