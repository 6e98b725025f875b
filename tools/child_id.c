/*
 * updownctl child: the identity directory (see child.h): atomic file
 * writes, `child init`, `child parent`, and loading the identity for a
 * request.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#include "child.h"
#include "crypto/cert.h"
#include "crypto/crl.h"
#include "json_out.h"
#include "proto/cms.h"
#include "proto/updown.h"
#include "updownctl.h"

/* ---- randomness ---- */

static mbedtls_entropy_context rng_entropy;
static mbedtls_ctr_drbg_context rng_drbg;
static int rng_ready;

/* See child.h. */
int
child_rng(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	if (!rng_ready) {
		mbedtls_entropy_init(&rng_entropy);
		mbedtls_ctr_drbg_init(&rng_drbg);
		if (mbedtls_ctr_drbg_seed(&rng_drbg, mbedtls_entropy_func, &rng_entropy,
		    (const unsigned char *)"updownctl child", 15) != 0)
			return -1;
		rng_ready = 1;
	}
	return mbedtls_ctr_drbg_random(&rng_drbg, buf, len);
}

/* ---- files ---- */

/* Write to a fresh temporary next to path (O_EXCL, mode), fsync. *tmp is malloc'd. */
static int
write_tmp(const char *path, const void *buf, size_t len, mode_t mode, char **tmp)
{
	size_t n = strlen(path) + 32;
	const unsigned char *p = buf;
	char *t;
	int fd;

	if ((t = malloc(n)) == NULL)
		return EXIT_IO;
	snprintf(t, n, "%s.tmp.%ld", path, (long)getpid());
	if ((fd = open(t, O_WRONLY | O_CREAT | O_EXCL, mode)) < 0) {
		fprintf(stderr, "updownctl: %s: %s\n", t, strerror(errno));
		free(t);
		return EXIT_IO;
	}
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fprintf(stderr, "updownctl: %s: %s\n", t, strerror(errno));
			goto fail;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) != 0) {
		fprintf(stderr, "updownctl: %s: %s\n", t, strerror(errno));
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	*tmp = t;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(t);
	free(t);
	return EXIT_IO;
}

/* See child.h. */
int
child_write_file(const char *path, const void *buf, size_t len, mode_t mode)
{
	char *tmp = NULL;
	int rc;

	if ((rc = write_tmp(path, buf, len, mode, &tmp)) != 0)
		return rc;
	if (rename(tmp, path) != 0) {
		fprintf(stderr, "updownctl: %s: %s\n", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return EXIT_IO;
	}
	free(tmp);
	return 0;
}

/* See child.h. */
int
child_txn_write(struct child_txn *t, const char *path, const void *buf, size_t len,
                mode_t mode)
{
	int rc;

	if (t->n == CHILD_TXN_MAX)
		return EXIT_IO;
	if ((t->it[t->n].path = strdup(path)) == NULL)
		return EXIT_IO;
	if ((rc = write_tmp(path, buf, len, mode, &t->it[t->n].tmp)) != 0) {
		free(t->it[t->n].path);
		t->it[t->n].path = NULL;
		return rc;
	}
	t->it[t->n].from = NULL;
	t->n++;
	return 0;
}

/* See child.h. */
int
child_txn_rename(struct child_txn *t, const char *from, const char *to)
{
	if (t->n == CHILD_TXN_MAX)
		return EXIT_IO;
	if ((t->it[t->n].path = strdup(to)) == NULL ||
	    (t->it[t->n].from = strdup(from)) == NULL) {
		free(t->it[t->n].path);
		t->it[t->n].path = NULL;
		return EXIT_IO;
	}
	t->it[t->n].tmp = NULL;
	t->n++;
	return 0;
}

/* See child.h. Writes first (their temporaries exist), then renames. */
int
child_txn_commit(struct child_txn *t)
{
	int rc = 0;

	for (size_t i = 0; i < t->n; i++) {
		const char *src = t->it[i].tmp != NULL ? t->it[i].tmp : t->it[i].from;

		if (rename(src, t->it[i].path) != 0) {
			fprintf(stderr, "updownctl: %s: %s\n", t->it[i].path, strerror(errno));
			rc = EXIT_IO;
			continue;
		}
		free(t->it[i].tmp);
		t->it[i].tmp = NULL;
	}
	child_txn_abort(t);
	return rc;
}

/* See child.h. */
void
child_txn_abort(struct child_txn *t)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->it[i].tmp != NULL)
			unlink(t->it[i].tmp);
		free(t->it[i].tmp);
		free(t->it[i].path);
		free(t->it[i].from);
	}
	memset(t, 0, sizeof(*t));
}

/* See child.h. */
const char *
child_path(const struct child_id *id, const char *fmt, ...)
{
	static char buf[8][4096];
	static int i;
	va_list ap;
	int n;

	i = (i + 1) % 8;
	n = snprintf(buf[i], sizeof(buf[i]), "%s/", id->dir);
	va_start(ap, fmt);
	vsnprintf(buf[i] + n, sizeof(buf[i]) - (size_t)n, fmt, ap);
	va_end(ap);
	return buf[i];
}

/* See child.h. */
bool
child_label_ok(const char *label)
{
	size_t n = strlen(label);

	if (n == 0 || n > CHILD_MAX_LABEL || label[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = label[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* See child.h. */
void
child_class_label(const char *class_name, char out[CHILD_MAX_LABEL + 1])
{
	unsigned char h[32];

	if (child_label_ok(class_name)) {
		snprintf(out, CHILD_MAX_LABEL + 1, "%s", class_name);
		return;
	}
	mbedtls_sha256_ret((const unsigned char *)class_name, strlen(class_name), h, 0);
	snprintf(out, CHILD_MAX_LABEL + 1, "class-");
	for (int i = 0; i < 8; i++)
		snprintf(out + 6 + 2 * i, CHILD_MAX_LABEL + 1 - 6 - 2 * (size_t)i, "%02x", h[i]);
}

static int
read_file_quiet(const char *path, unsigned char **buf, size_t *len)
{
	if (access(path, F_OK) != 0)
		return -1;
	return ctl_read_file(path, buf, len);
}

/* ---- init ---- */

/* Export key as PEM and stage/write it (0600). */
static int
write_key(struct signer *s, struct signer_key *k, const char *path)
{
	char *pem = NULL;
	size_t len;
	int rc;

	if (signer_sw_export_pem(s, k, &pem, &len) != 0) {
		fprintf(stderr, "updownctl: %s\n", signer_last_error());
		return EXIT_IO;
	}
	rc = child_write_file(path, pem, len, 0600);
	mbedtls_platform_zeroize(pem, len);
	free(pem);
	return rc;
}

static bool
dir_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool empty = true;

	if (d == NULL)
		return false;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			empty = false;
	closedir(d);
	return empty;
}

/* Remove the files init may have written into tmp, then tmp itself. */
static void
remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[4096];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (unlink(p) != 0)
			remove_tree(p);
	}
	closedir(d);
	rmdir(dir);
}

static void
fingerprint(const unsigned char *der, size_t len, char out[65])
{
	unsigned char h[32];

	mbedtls_sha256_ret(der, len, h, 0);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* Make the BPKI EE certificate for ee_key under the TA in iss. */
static int
make_ee(const struct cert_issuer *iss, struct signer *s, struct signer_key *ee_key,
        const char *handle, uint64_t serial, time_t now, unsigned char **der, size_t *len)
{
	struct cert_bpki_params p = { 0 };
	unsigned char sn[9], *spki = NULL;
	size_t sn_len, spki_len;
	char cn[300];
	int rc;

	snprintf(cn, sizeof(cn), "%s BPKI EE", handle);
	if (signer_key_public(s, ee_key, &spki, &spki_len) != 0 ||
	    cert_serial_from_u64(serial, sn, &sn_len) != 0) {
		free(spki);
		return -1;
	}
	p.serial = sn;
	p.serial_len = sn_len;
	p.not_before = now - CHILD_BACKDATE;
	p.not_after = now + (time_t)CHILD_EE_DAYS * 86400;
	p.subject_cn = cn;
	rc = cert_bpki_ee(iss, spki, spki_len, &p, der, len);
	free(spki);
	return rc;
}

static int
make_crl(const struct cert_issuer *iss, uint64_t number, time_t now, unsigned char **der,
         size_t *len)
{
	struct crl_params p = { 0 };

	p.this_update = now - CHILD_BACKDATE;
	p.next_update = now + (time_t)CHILD_CRL_DAYS * 86400;
	p.number = number;
	return crl_write(iss, &p, der, len);
}

/* See child.h. */
int
child_init(const char *dir, const char *handle, bool json)
{
	struct signer *s = NULL;
	struct signer_key *ta_key = NULL, *ee_key = NULL;
	struct cert_issuer iss;
	struct cert_bpki_params tp = { 0 };
	struct oob_msg req;
	struct stat st;
	unsigned char sn[9], *ta = NULL, *ee = NULL, *crl = NULL;
	size_t sn_len, ta_len, ee_len, crl_len, xml_len;
	char *tmpl = NULL, *xml = NULL, path[4096], cn[300], fp[65];
	time_t now = time(NULL);
	int rc = EXIT_IO, r;
	bool made_tmp = false;

	cert_issuer_init(&iss);
	oob_msg_init(&req);
	if (!oob_handle_ok(handle)) {
		fprintf(stderr, "updownctl: handle \"%s\" is not [-_A-Za-z0-9/]{1,255} (RFC 8183, UD-154)\n",
		    handle);
		return EXIT_USAGE;
	}
	if (stat(dir, &st) == 0 && (!S_ISDIR(st.st_mode) || !dir_empty(dir))) {
		fprintf(stderr, "updownctl: %s exists and is not an empty directory: "
		    "refusing to overwrite a child identity\n", dir);
		return EXIT_REFUSED;
	}
	/* Build everything in DIR.init-XXXXXX, then rename it to DIR. */
	if ((tmpl = malloc(strlen(dir) + 16)) == NULL)
		goto out;
	sprintf(tmpl, "%s.init-XXXXXX", dir);
	if (mkdtemp(tmpl) == NULL) {
		fprintf(stderr, "updownctl: %s: %s\n", tmpl, strerror(errno));
		goto out;
	}
	made_tmp = true;
	if (signer_sw_open(child_rng, NULL, &s) != 0 ||
	    signer_key_generate(s, "bpki-ta", 0, &ta_key) != 0 ||
	    signer_key_generate(s, "bpki-ee", 0, &ee_key) != 0) {
		fprintf(stderr, "updownctl: key generation: %s\n", signer_last_error());
		goto out;
	}
	snprintf(cn, sizeof(cn), "%s BPKI TA", handle);
	cert_serial_from_u64(1, sn, &sn_len);
	tp.serial = sn;
	tp.serial_len = sn_len;
	tp.not_before = now - CHILD_BACKDATE;
	tp.not_after = now + (time_t)CHILD_TA_YEARS * 365 * 86400;
	tp.subject_cn = cn;
	if ((r = cert_bpki_ta(s, ta_key, &tp, &ta, &ta_len)) != 0 ||
	    (r = cert_issuer_load(&iss, s, ta_key, ta, ta_len)) != 0 ||
	    (r = make_ee(&iss, s, ee_key, handle, 2, now, &ee, &ee_len)) != 0) {
		fprintf(stderr, "updownctl: BPKI certificates: %s\n", cert_strerror(r));
		goto out;
	}
	if ((r = make_crl(&iss, 1, now, &crl, &crl_len)) != 0) {
		fprintf(stderr, "updownctl: BPKI CRL: %s\n", crl_strerror(r));
		goto out;
	}
	req.type = OOB_CHILD_REQUEST;
	req.u.child_request.child_handle = (char *)handle;
	req.u.child_request.child_bpki_ta.p = ta;
	req.u.child_request.child_bpki_ta.len = ta_len;
	r = oob_encode(&req, &xml, &xml_len);
	memset(&req, 0, sizeof(req)); /* borrowed pointers: not for oob_msg_free */
	if (r != 0) {
		fprintf(stderr, "updownctl: child_request: %s\n", oob_strerror(r));
		goto out;
	}
#define FILE_IN(name) (snprintf(path, sizeof(path), "%s/%s", tmpl, name), path)
	if (write_key(s, ta_key, FILE_IN(CHILD_F_TA_KEY)) != 0 ||
	    write_key(s, ee_key, FILE_IN(CHILD_F_EE_KEY)) != 0 ||
	    child_write_file(FILE_IN(CHILD_F_TA), ta, ta_len, 0644) != 0 ||
	    child_write_file(FILE_IN(CHILD_F_EE), ee, ee_len, 0644) != 0 ||
	    child_write_file(FILE_IN(CHILD_F_CRL), crl, crl_len, 0644) != 0 ||
	    child_write_file(FILE_IN(CHILD_F_REQUEST), xml, xml_len, 0644) != 0 ||
	    mkdir(FILE_IN("keys"), 0700) != 0 || mkdir(FILE_IN("certs"), 0755) != 0 ||
	    mkdir(FILE_IN("revoked"), 0700) != 0)
		goto out;
#undef FILE_IN
	/* rename() replaces an empty directory, and fails on a non-empty one. */
	if (rename(tmpl, dir) != 0) {
		fprintf(stderr, "updownctl: %s: %s\n", dir, strerror(errno));
		rc = errno == ENOTEMPTY || errno == EEXIST || errno == ENOTDIR ? EXIT_REFUSED :
		    EXIT_IO;
		goto out;
	}
	made_tmp = false;
	fingerprint(ta, ta_len, fp);
	if (json) {
		struct jo j;

		jo_init(&j, stdout);
		jo_obj_begin(&j, NULL);
		jo_str(&j, "command", "init");
		jo_bool(&j, "ok", true);
		jo_str(&j, "dir", dir);
		jo_str(&j, "handle", handle);
		jo_str(&j, "child_request", CHILD_F_REQUEST);
		jo_str(&j, "bpki_ta_sha256", fp);
		jo_obj_end(&j);
		jo_finish(&j);
	} else {
		printf("child identity \"%s\" created in %s\n", handle, dir);
		printf("BPKI TA SHA-256: %s\n", fp);
		printf("give %s/%s to the parent, then run: updownctl child parent --dir %s "
		    "PARENT_RESPONSE.xml\n", dir, CHILD_F_REQUEST, dir);
	}
	rc = 0;
out:
	if (made_tmp)
		remove_tree(tmpl);
	free(tmpl);
	free(xml);
	free(ta);
	free(ee);
	free(crl);
	cert_issuer_free(&iss);
	signer_close(s);
	return rc;
}

/* ---- load ---- */

static int
load_key(struct child_id *id, const char *file, const char *label, struct signer_key **k)
{
	unsigned char *pem = NULL;
	size_t len;
	int rc;

	if ((rc = ctl_read_file(child_path(id, "%s", file), &pem, &len)) != 0)
		return rc;
	rc = signer_sw_import_pem(id->signer, label, pem, len, k);
	mbedtls_platform_zeroize(pem, len);
	free(pem);
	if (rc != 0) {
		fprintf(stderr, "updownctl: %s: %s\n", child_path(id, "%s", file),
		    signer_last_error());
		return EXIT_REFUSED;
	}
	return 0;
}

/* Replay state: "<sha256 of the parent TA, hex> <YYYY-MM-DDThh:mm:ssZ>\n". */
static int
load_replay(struct child_id *id)
{
	unsigned char *buf = NULL;
	char hex[65];
	size_t len;
	int rc;

	id->has_replay = false;
	if (access(child_path(id, CHILD_F_REPLAY), F_OK) != 0)
		return 0;
	if ((rc = ctl_read_file(child_path(id, CHILD_F_REPLAY), &buf, &len)) != 0)
		return rc;
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", id->parent_ta_sha256[i]);
	if (len >= 64 + 1 + 20 && buf[64] == ' ') {
		if (memcmp(buf, hex, 64) == 0) {
			if (ud_time_parse((char *)buf + 65, 20, &id->last_signing_time) != 0) {
				fprintf(stderr, "updownctl: %s: malformed\n",
				    child_path(id, CHILD_F_REPLAY));
				free(buf);
				return EXIT_REFUSED;
			}
			id->has_replay = true;
		}
	} else {
		fprintf(stderr, "updownctl: %s: malformed\n", child_path(id, CHILD_F_REPLAY));
		free(buf);
		return EXIT_REFUSED;
	}
	free(buf);
	return 0;
}

static time_t
x509_seconds(const mbedtls_x509_time *t)
{
	struct tm tm = { 0 };

	tm.tm_year = t->year - 1900;
	tm.tm_mon = t->mon - 1;
	tm.tm_mday = t->day;
	tm.tm_hour = t->hour;
	tm.tm_min = t->min;
	tm.tm_sec = t->sec;
	return timegm(&tm);
}

/* Renew the EE certificate or the CRL in memory when little validity remains. */
static int
renew(struct child_id *id, time_t now)
{
	mbedtls_x509_crt ee;
	mbedtls_x509_crl crl;
	struct cert_issuer iss;
	bool ee_due = false, crl_due = false;
	time_t limit = now + (time_t)CHILD_RENEW_DAYS * 86400;
	int rc = 0;

	mbedtls_x509_crt_init(&ee);
	mbedtls_x509_crl_init(&crl);
	cert_issuer_init(&iss);
	if (cms_cert_parse(&ee, id->ee_der, id->ee_len, NULL) != 0 ||
	    mbedtls_x509_crl_parse_der(&crl, id->crl_der, id->crl_len) != 0) {
		fprintf(stderr, "updownctl: %s: BPKI EE certificate or CRL unreadable\n", id->dir);
		rc = EXIT_REFUSED;
		goto out;
	}
	ee_due = x509_seconds(&ee.valid_to) < limit;
	crl_due = crl.next_update.year == 0 || x509_seconds(&crl.next_update) < limit;
	if (!ee_due && !crl_due)
		goto out;
	if (cert_issuer_load(&iss, id->signer, id->ta_key, id->ta_der, id->ta_len) != 0) {
		fprintf(stderr, "updownctl: %s: BPKI TA does not match its key\n", id->dir);
		rc = EXIT_REFUSED;
		goto out;
	}
	/* Serials and CRL numbers from the clock: they only grow. */
	if (ee_due) {
		unsigned char *der = NULL;
		size_t len;

		if (make_ee(&iss, id->signer, id->ee_key, id->handle, (uint64_t)now, now, &der,
		    &len) != 0) {
			fprintf(stderr, "updownctl: cannot renew the BPKI EE certificate\n");
			rc = EXIT_IO;
			goto out;
		}
		free(id->ee_der);
		id->ee_der = der;
		id->ee_len = len;
		id->ee_renewed = true;
	}
	if (crl_due) {
		unsigned char *der = NULL;
		size_t len;

		if (make_crl(&iss, (uint64_t)now, now, &der, &len) != 0) {
			fprintf(stderr, "updownctl: cannot renew the BPKI CRL\n");
			rc = EXIT_IO;
			goto out;
		}
		free(id->crl_der);
		id->crl_der = der;
		id->crl_len = len;
		id->crl_renewed = true;
	}
out:
	cert_issuer_free(&iss);
	mbedtls_x509_crt_free(&ee);
	mbedtls_x509_crl_free(&crl);
	return rc;
}

/* See child.h. */
void
child_id_free(struct child_id *id)
{
	if (id == NULL)
		return;
	free(id->handle);
	free(id->ta_der);
	free(id->ee_der);
	free(id->crl_der);
	oob_msg_free(&id->parent);
	signer_close(id->signer);
	memset(id, 0, sizeof(*id));
}

/* See child.h. */
int
child_load(struct child_id *id, const char *dir, bool need_parent)
{
	struct oob_msg req;
	unsigned char *buf = NULL;
	size_t len;
	char why[256];
	int rc;

	memset(id, 0, sizeof(*id));
	oob_msg_init(&req);
	oob_msg_init(&id->parent);
	if (strlen(dir) >= sizeof(id->dir)) {
		fprintf(stderr, "updownctl: %s: path too long\n", dir);
		return EXIT_USAGE;
	}
	snprintf(id->dir, sizeof(id->dir), "%s", dir);
	if (access(child_path(id, CHILD_F_REQUEST), F_OK) != 0) {
		fprintf(stderr, "updownctl: %s: no child identity here (run child init)\n", dir);
		return EXIT_IO;
	}
	if ((rc = ctl_read_file(child_path(id, CHILD_F_REQUEST), &buf, &len)) != 0)
		goto fail;
	rc = oob_decode((char *)buf, len, &req, why, sizeof(why));
	free(buf);
	buf = NULL;
	if (rc != 0 || req.type != OOB_CHILD_REQUEST) {
		fprintf(stderr, "updownctl: %s: not a child_request: %s\n",
		    child_path(id, CHILD_F_REQUEST), rc != 0 ? why : "wrong type");
		rc = EXIT_REFUSED;
		goto fail;
	}
	id->handle = req.u.child_request.child_handle;
	req.u.child_request.child_handle = NULL;
	if ((rc = signer_sw_open(child_rng, NULL, &id->signer)) != 0) {
		rc = EXIT_IO;
		goto fail;
	}
	if ((rc = load_key(id, CHILD_F_TA_KEY, "bpki-ta", &id->ta_key)) != 0 ||
	    (rc = load_key(id, CHILD_F_EE_KEY, "bpki-ee", &id->ee_key)) != 0 ||
	    (rc = ctl_read_file(child_path(id, CHILD_F_TA), &id->ta_der, &id->ta_len)) != 0 ||
	    (rc = ctl_read_file(child_path(id, CHILD_F_EE), &id->ee_der, &id->ee_len)) != 0 ||
	    (rc = ctl_read_file(child_path(id, CHILD_F_CRL), &id->crl_der, &id->crl_len)) != 0)
		goto fail;
	if ((rc = renew(id, time(NULL))) != 0)
		goto fail;
	if (read_file_quiet(child_path(id, CHILD_F_PARENT), &buf, &len) == 0) {
		rc = oob_decode((char *)buf, len, &id->parent, why, sizeof(why));
		free(buf);
		buf = NULL;
		if (rc != 0 || id->parent.type != OOB_PARENT_RESPONSE) {
			fprintf(stderr, "updownctl: %s: not a parent_response: %s\n",
			    child_path(id, CHILD_F_PARENT), rc != 0 ? why : "wrong type");
			rc = EXIT_REFUSED;
			goto fail;
		}
		id->has_parent = true;
		mbedtls_sha256_ret(id->parent.u.parent_response.parent_bpki_ta.p,
		    id->parent.u.parent_response.parent_bpki_ta.len, id->parent_ta_sha256, 0);
		if ((rc = load_replay(id)) != 0)
			goto fail;
	} else if (need_parent) {
		fprintf(stderr, "updownctl: %s: no parent recorded (run child parent)\n", dir);
		rc = EXIT_REFUSED;
		goto fail;
	}
	oob_msg_free(&req);
	return 0;
fail:
	oob_msg_free(&req);
	child_id_free(id);
	return rc;
}

/* ---- parent ---- */

/* See child.h. */
int
child_set_parent(const char *dir, const char *file, bool force, bool json)
{
	struct child_id id;
	struct oob_msg m;
	struct oob_parent_response *pr;
	unsigned char *buf = NULL;
	size_t len;
	char why[256], fp[65];
	bool self_signed = false, same = false;
	int rc, r;

	oob_msg_init(&m);
	if ((rc = child_load(&id, dir, false)) != 0)
		return rc;
	if ((rc = ctl_read_file(file, &buf, &len)) != 0)
		goto out;
	if ((r = oob_decode((char *)buf, len, &m, why, sizeof(why))) != 0 ||
	    m.type != OOB_PARENT_RESPONSE) {
		fprintf(stderr, "updownctl: %s: not an RFC 8183 parent_response: %s\n", file,
		    r != 0 ? why : "another message type");
		rc = EXIT_REFUSED;
		goto out;
	}
	pr = &m.u.parent_response;
	if ((r = oob_check_bpki_ta(pr->parent_bpki_ta.p, pr->parent_bpki_ta.len, time(NULL),
	    &self_signed)) != 0) {
		fprintf(stderr, "updownctl: %s: parent_bpki_ta refused: %s (UD-152)\n", file,
		    oob_strerror(r));
		rc = EXIT_REFUSED;
		goto out;
	}
	if (strncmp(pr->service_uri, "http://", 7) != 0 &&
	    strncmp(pr->service_uri, "https://", 8) != 0) {
		fprintf(stderr, "updownctl: %s: service_uri is not http(s): %s\n", file,
		    pr->service_uri);
		rc = EXIT_REFUSED;
		goto out;
	}
	if (id.has_parent) {
		same = oob_msg_equal(&id.parent, &m);
		if (!same && !force) {
			fprintf(stderr, "updownctl: %s: a different parent is recorded; "
			    "--force replaces it\n", dir);
			rc = EXIT_REFUSED;
			goto out;
		}
	}
	if (!same && (rc = child_write_file(child_path(&id, CHILD_F_PARENT), buf, len,
	    0644)) != 0)
		goto out;
	fingerprint(pr->parent_bpki_ta.p, pr->parent_bpki_ta.len, fp);
	if (json) {
		struct jo j;

		jo_init(&j, stdout);
		jo_obj_begin(&j, NULL);
		jo_str(&j, "command", "parent");
		jo_bool(&j, "ok", true);
		jo_str(&j, "service_uri", pr->service_uri);
		jo_str(&j, "parent_handle", pr->parent_handle);
		jo_str(&j, "child_handle", pr->child_handle);
		jo_str(&j, "requested_handle", id.handle);
		jo_str(&j, "parent_bpki_ta_sha256", fp);
		jo_bool(&j, "parent_bpki_ta_self_signed", self_signed);
		jo_bool(&j, "changed", !same);
		jo_obj_end(&j);
		jo_finish(&j);
	} else {
		printf("parent %srecorded in %s\n", same ? "already " : "", dir);
		printf("service_uri: %s\nparent_handle (our recipient): %s\n", pr->service_uri,
		    pr->parent_handle);
		printf("child_handle (our sender): %s\n", pr->child_handle);
		if (strcmp(pr->child_handle, id.handle) != 0)
			printf("note: the parent assigned \"%s\"; we asked for \"%s\"\n",
			    pr->child_handle, id.handle);
		printf("parent BPKI TA SHA-256: %s (%s)\n", fp, self_signed ? "self-signed" :
		    "not self-signed: an intermediate, accepted (UD-152)");
	}
	rc = 0;
out:
	free(buf);
	oob_msg_free(&m);
	child_id_free(&id);
	return rc;
}
