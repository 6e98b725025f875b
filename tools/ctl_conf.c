/*
 * updownctl: helpers shared by the appliance commands (ceremony, onboard,
 * table, bundle): loading a configuration directory, the HSM signer it
 * names, the holdings of its class certificates, fingerprints, times, and
 * writing a set of files all at once.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/sha256.h>

#include "crypto/cert.h"
#include "crypto/signer.h"
#include "proto/conf.h"
#include "proto/updown.h"
#include "updownctl.h"

/* Lower-case hex SHA-256 of len bytes, NUL-terminated. */
void
ctl_sha256_hex(const unsigned char *p, size_t len, char out[65])
{
	unsigned char h[32];

	mbedtls_sha256_ret(p, len, h, 0);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* Lower-case hex of len bytes into out (2 * len + 1 bytes). */
void
ctl_hex(const unsigned char *p, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
	out[2 * len] = '\0';
}

/* "now" or YYYY-MM-DDThh:mm:ssZ. Returns 0 or EXIT_USAGE (with a message). */
int
ctl_parse_time(const char *opt, const char *s, time_t *t)
{
	if (strcmp(s, "now") == 0) {
		*t = time(NULL);
		return 0;
	}
	if (ud_time_parse(s, strlen(s), t) != 0) {
		fprintf(stderr, "updownctl: %s: want \"now\" or YYYY-MM-DDThh:mm:ssZ\n", opt);
		return EXIT_USAGE;
	}
	return 0;
}

/* dir/rel (rel itself when absolute), malloc'd; NULL when out of memory. */
char *
ctl_conf_path(const char *dir, const char *rel)
{
	char *p = NULL;

	if (conf_path(dir, rel, &p) != 0)
		fprintf(stderr, "updownctl: out of memory\n");
	return p;
}

/*
 * Load DIR/updown.conf into c (initialised by the call; caller frees with
 * conf_free). Returns 0, EXIT_IO (unreadable) or EXIT_REFUSED (with the
 * parser's file:line message).
 */
int
ctl_conf_load(const char *dir, struct conf *c)
{
	unsigned char *text = NULL;
	size_t len;
	char *path;
	struct conf_error err;
	int rc;

	conf_init(c);
	if ((path = ctl_conf_path(dir, CTL_CONF_FILE)) == NULL)
		return EXIT_IO;
	if ((rc = ctl_read_file(path, &text, &len)) != 0)
		goto out;
	if (conf_parse((const char *)text, len, path, c, &err) != 0) {
		fprintf(stderr, "updownctl: %s\n", err.msg);
		rc = EXIT_REFUSED;
		goto out;
	}
	rc = 0;
out:
	free(text);
	free(path);
	return rc;
}

/* Fill a PKCS#11 signer configuration from the [hsm] section. */
void
ctl_conf_p11(const struct conf *c, struct signer_p11_config *p)
{
	signer_p11_config_init(p);
	p->module = c->hsm.module;
	p->token_uri = c->hsm.token_uri;
	p->mech = c->hsm.mech == CONF_MECH_RSA_PKCS_HOST_HASH ?
	    SIGNER_P11_RSA_PKCS_HOST_HASH : SIGNER_P11_SHA256_RSA_PKCS;
	p->key_private = c->hsm.key_private;
	p->key_sensitive = c->hsm.key_sensitive;
	p->key_extractable = c->hsm.key_extractable;
	p->key_modifiable = c->hsm.key_modifiable;
}

/* Open the token the configuration names. Returns 0 or EXIT_IO. */
int
ctl_conf_signer(const struct conf *c, struct signer **s)
{
	struct signer_p11_config p;
	int rc;

	ctl_conf_p11(c, &p);
	if ((rc = signer_p11_open(&p, s)) != 0) {
		fprintf(stderr, "updownctl: HSM %s: %s (%s)\n", c->hsm.module,
		    signer_strerror(rc), signer_last_error());
		return EXIT_IO;
	}
	return 0;
}

/* Free what ctl_conf_holdings() made. Accepts NULL. */
void
ctl_holdings_free(struct ctl_holdings *h)
{
	if (h == NULL)
		return;
	for (size_t i = 0; i < h->n; i++)
		res_bundle_free(&h->res[i]);
	free(h->res);
	free(h->list);
	memset(h, 0, sizeof(*h));
}

/*
 * The holdings of each class: the RFC 3779 resources of the class's
 * certificate (UD-100). Returns 0, EXIT_IO (a certificate cannot be read)
 * or EXIT_REFUSED (it does not parse as an RPKI CA certificate).
 */
int
ctl_conf_holdings(const char *dir, const struct conf *c, struct ctl_holdings *h)
{
	int rc = EXIT_IO;

	memset(h, 0, sizeof(*h));
	if ((h->res = calloc(c->nclasses, sizeof(*h->res))) == NULL ||
	    (h->list = calloc(c->nclasses, sizeof(*h->list))) == NULL)
		goto fail;
	for (size_t i = 0; i < c->nclasses; i++) {
		struct cert_issuer iss;
		unsigned char *der = NULL;
		size_t len;
		char *path;
		int r;

		if ((path = ctl_conf_path(dir, c->classes[i].cert)) == NULL)
			goto fail;
		r = ctl_read_der(path, "CERTIFICATE", &der, &len);
		if (r != 0) {
			rc = r;
			free(path);
			goto fail;
		}
		cert_issuer_init(&iss);
		if ((r = cert_parse_rpki_ca(&iss, der, len)) != 0) {
			fprintf(stderr, "updownctl: %s: class %s: %s\n", path, c->classes[i].name,
			    cert_strerror(r));
			free(der);
			free(path);
			rc = EXIT_REFUSED;
			goto fail;
		}
		free(der);
		free(path);
		h->res[i] = iss.res;
		res_bundle_init(&iss.res);
		cert_issuer_free(&iss);
		h->list[i].class_name = c->classes[i].name;
		h->list[i].res = &h->res[i];
		h->n++;
	}
	return 0;
fail:
	ctl_holdings_free(h);
	return rc;
}

/* ---- writing a set of files all at once ---- */

/* a + "/" + b into out; false when it does not fit. */
static bool
pjoin(char *out, size_t size, const char *a, const char *b)
{
	int n = snprintf(out, size, "%s/%s", a, b);

	return n >= 0 && (size_t)n < size;
}

/* Make the staging directory: a fresh sibling of final ("FINAL.tmp-XXXXXX"). */
int
ctl_stage_open(struct ctl_stage *st, const char *final)
{
	size_t n = strlen(final);

	memset(st, 0, sizeof(*st));
	/* "conf/" is "conf": the staging directory is a sibling, never inside */
	while (n > 1 && final[n - 1] == '/')
		n--;
	if (n >= sizeof(st->final))
		return EXIT_IO;
	memcpy(st->final, final, n);
	st->final[n] = '\0';
	if (snprintf(st->dir, sizeof(st->dir), "%s.tmp-XXXXXX", st->final) >= (int)sizeof(st->dir) ||
	    mkdtemp(st->dir) == NULL) {
		fprintf(stderr, "updownctl: %s: cannot make a staging directory: %s\n", final,
		    strerror(errno));
		st->dir[0] = '\0';
		return EXIT_IO;
	}
	return 0;
}

/* Path of rel inside the staging directory (static buffer, rotated). */
const char *
ctl_stage_path(const struct ctl_stage *st, const char *rel)
{
	static char buf[4][4096];
	static int k;

	k = (k + 1) % 4;
	if (!pjoin(buf[k], sizeof(buf[k]), st->dir, rel))
		buf[k][0] = '\0';
	return buf[k];
}

/* Write a file into the staging directory (mode 0644, or 0600 when private). */
int
ctl_stage_write(struct ctl_stage *st, const char *rel, const void *buf, size_t len,
                bool private_)
{
	const char *p = ctl_stage_path(st, rel);
	int fd;
	ssize_t w;
	size_t off = 0;

	if ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL, private_ ? 0600 : 0644)) < 0) {
		fprintf(stderr, "updownctl: %s: %s\n", p, strerror(errno));
		return EXIT_IO;
	}
	while (off < len) {
		if ((w = write(fd, (const char *)buf + off, len - off)) <= 0) {
			fprintf(stderr, "updownctl: %s: %s\n", p, strerror(errno));
			close(fd);
			return EXIT_IO;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fprintf(stderr, "updownctl: %s: %s\n", p, strerror(errno));
		return EXIT_IO;
	}
	return 0;
}

/* Make a directory in the staging directory. */
int
ctl_stage_mkdir(struct ctl_stage *st, const char *rel)
{
	const char *p = ctl_stage_path(st, rel);

	if (mkdir(p, 0755) != 0) {
		fprintf(stderr, "updownctl: %s: %s\n", p, strerror(errno));
		return EXIT_IO;
	}
	return 0;
}

/* Remove a tree (staging only; symbolic links are removed, never followed). */
static void
rm_tree(const char *path)
{
	struct stat sb;

	if (lstat(path, &sb) != 0)
		return;
	if (S_ISDIR(sb.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *de;
		char sub[4096];

		if (d != NULL) {
			while ((de = readdir(d)) != NULL) {
				if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
					continue;
				if (pjoin(sub, sizeof(sub), path, de->d_name))
					rm_tree(sub);
			}
			closedir(d);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

/* Drop the staging directory and everything in it. Accepts an unopened stage. */
void
ctl_stage_abort(struct ctl_stage *st)
{
	if (st->dir[0] != '\0')
		rm_tree(st->dir);
	st->dir[0] = '\0';
}

/*
 * Move every entry of from into to: files (and links) replace what is
 * there; a directory that exists on both sides is merged, recursively, so
 * nothing in to that from lacks is removed (state stays).
 */
static int
merge_into(const char *from, const char *to)
{
	DIR *d = opendir(from);
	struct dirent *de;
	int rc = 0;

	if (d == NULL) {
		fprintf(stderr, "updownctl: %s: %s\n", from, strerror(errno));
		return EXIT_IO;
	}
	while ((de = readdir(d)) != NULL) {
		char f[4096], t[4096];
		struct stat fs, ts;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (!pjoin(f, sizeof(f), from, de->d_name) || !pjoin(t, sizeof(t), to, de->d_name)) {
			rc = EXIT_IO;
			continue;
		}
		if (lstat(f, &fs) == 0 && S_ISDIR(fs.st_mode) && lstat(t, &ts) == 0 &&
		    S_ISDIR(ts.st_mode)) {
			if (merge_into(f, t) != 0)
				rc = EXIT_IO;
			continue;
		}
		if (rename(f, t) != 0) {
			fprintf(stderr, "updownctl: %s: %s\n", t, strerror(errno));
			rc = EXIT_IO;
		}
	}
	closedir(d);
	return rc;
}

/*
 * Move the staging directory into place: when final does not exist or is
 * an empty directory, one rename(2) of the whole directory (all or
 * nothing); otherwise (--force) each entry in turn (merge_into: files
 * replace files, directories are merged, so state is never removed).
 * Then fsync the parent.
 */
int
ctl_stage_commit(struct ctl_stage *st)
{
	struct stat sb;
	int rc = 0;

	/* an empty directory is replaced as a whole (rmdir fails unless empty) */
	if (lstat(st->final, &sb) == 0 && S_ISDIR(sb.st_mode))
		(void)rmdir(st->final);
	if (lstat(st->final, &sb) != 0) {
		if (rename(st->dir, st->final) != 0) {
			fprintf(stderr, "updownctl: %s: %s\n", st->final, strerror(errno));
			return EXIT_IO;
		}
		st->dir[0] = '\0';
	} else {
		rc = merge_into(st->dir, st->final);
		ctl_stage_abort(st);
	}
	{
		char parent[4096], *slash;
		int fd;

		snprintf(parent, sizeof(parent), "%s", st->final);
		slash = strrchr(parent, '/');
		if (slash == NULL)
			snprintf(parent, sizeof(parent), ".");
		else if (slash == parent)
			parent[1] = '\0';
		else
			*slash = '\0';
		if ((fd = open(parent, O_RDONLY | O_DIRECTORY)) >= 0) {
			(void)fsync(fd);
			close(fd);
		}
	}
	return rc;
}
