/*
 * crypto/pubpoint: the publication point (UD-131 "re-issue and publish",
 * UD-142 persistent names, UD-162 atomic state changes).
 *
 * Covers: URI and name validation; put/withdraw/commit/abort as seen both
 * through the API and on disk; reopen; persistence of names across
 * re-publication (UD-142); the writer lock; cleaning what a crash left
 * behind; and atomicity, checked by a reader process that resolves the
 * link once per round and verifies that every file an index lists exists
 * with the listed SHA-256 while the parent commits as fast as it can.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <mbedtls/sha256.h>

#include "crypto/pubpoint.h"

#define BASE "rsync://example.test/repo/ca/"

struct fx {
	char root[64];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->root, "/tmp/updown-pubpoint-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->root);
	free(f);
	return 0;
}

/* Read ROOT/rel into a malloc'd NUL-terminated buffer; NULL if missing. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	if (fp == NULL)
		return NULL;
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

static bool
exists(const char *root, const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	return lstat(p, &st) == 0;
}

static void
put_str(struct pub_point *pp, const char *name, const char *s)
{
	assert_int_equal(pub_put(pp, name, (const unsigned char *)s, strlen(s)), 0);
}

static void
assert_file(const char *root, const char *rel, const char *want)
{
	char p[PATH_MAX], *got;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	got = slurp(p, NULL);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
test_uri_validation(void **state)
{
	struct fx *f = *state;
	struct pub_point *pp = NULL;
	static const char *bad[] = {
		"http://example.test/repo/ca/", "rsync://example.test/repo/ca",
		"rsync://example.test/", "rsync://example.test/repo/../x/",
		"rsync://example.test/repo//x/", "rsync://example.test/repo/.hidden/",
		"rsync://example.test:873/repo/", "rsync:///repo/x/", "rsync://ex ample/repo/",
		"RSYNC://example.test/repo/", "rsync://example.test/repo/x\\y/", "",
	};
	char longuri[PUB_MAX_URI + 16];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(pub_open(f->root, bad[i], NULL, &pp), PUB_ERR_URI);
		assert_null(pp);
	}
	memset(longuri, 'a', sizeof(longuri) - 1);
	memcpy(longuri, "rsync://", 8);
	longuri[sizeof(longuri) - 2] = '/';
	longuri[sizeof(longuri) - 1] = '\0';
	assert_int_equal(pub_open(f->root, longuri, NULL, &pp), PUB_ERR_URI);
	assert_int_equal(pub_open(NULL, BASE, NULL, &pp), PUB_ERR_ARG);
	assert_int_equal(pub_open("/nonexistent-updown-root", BASE, NULL, &pp), PUB_ERR_IO);

	/* The module itself may be the publication point. */
	assert_int_equal(pub_open(f->root, "rsync://example.test/mod/", NULL, &pp), 0);
	assert_string_equal(pub_base_uri(pp), "rsync://example.test/mod/");
	put_str(pp, "a.cer", "A");
	assert_int_equal(pub_commit(pp), 0);
	pub_close(pp);
	assert_file(f->root, "example.test/mod/a.cer", "A");
}

static void
test_name_validation(void **state)
{
	struct fx *f = *state;
	struct pub_point *pp;
	static const char *bad[] = {
		"", ".", "..", ".hidden", "a/b", "../x", "a b", "a\nb", "é.cer", "a:b",
	};
	char longname[PUB_MAX_NAME + 2];
	size_t i;

	assert_int_equal(pub_open(f->root, BASE, NULL, &pp), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(pub_put(pp, bad[i], (const unsigned char *)"x", 1), PUB_ERR_NAME);
		assert_int_equal(pub_withdraw(pp, bad[i]), PUB_ERR_NAME);
		assert_false(pub_name_valid(bad[i]));
	}
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(pub_put(pp, longname, (const unsigned char *)"x", 1), PUB_ERR_NAME);
	longname[PUB_MAX_NAME] = '\0';
	assert_int_equal(pub_put(pp, longname, (const unsigned char *)"x", 1), 0);
	assert_true(pub_name_valid("AbC-_.9.cer"));
	assert_int_equal(pub_put(pp, "x.cer", NULL, 1), PUB_ERR_ARG);
	assert_int_equal(pub_put(pp, "big.cer", (const unsigned char *)"x", PUB_MAX_FILE + 1),
	    PUB_ERR_LIMIT);
	assert_int_equal(pub_staged_count(pp), 1);
	assert_int_equal(pub_count(pp), 0);
	pub_close(pp);
}

/* Put, commit, withdraw, abort, reopen; the disk matches the API (UD-131). */
static void
test_put_withdraw_commit(void **state)
{
	struct fx *f = *state;
	struct pub_point *pp;
	const char *name;
	const unsigned char *md;
	unsigned char want[32], *data;
	size_t len;
	struct stat st;
	ino_t ino;
	char p[PATH_MAX];

	assert_int_equal(pub_open(f->root, BASE, NULL, &pp), 0);
	snprintf(p, sizeof(p), "%s/example.test/repo/ca", f->root);
	assert_string_equal(pub_path(pp), p);
	assert_false(exists(f->root, "example.test/repo/ca"));   /* nothing published yet */

	put_str(pp, "b.cer", "B1");
	put_str(pp, "a.crl", "CRL1");
	put_str(pp, "c.mft", "MFT1");
	put_str(pp, "b.cer", "B2");                               /* restaged */
	assert_int_equal(pub_staged_count(pp), 3);
	assert_int_equal(pub_staged_entry(pp, 0, &name, &md, &len), 0);
	assert_string_equal(name, "a.crl");                       /* sorted */
	assert_int_equal(len, 4);
	mbedtls_sha256_ret((const unsigned char *)"CRL1", 4, want, 0);
	assert_memory_equal(md, want, 32);
	assert_int_equal(pub_staged_entry(pp, 3, &name, &md, &len), PUB_ERR_ARG);
	assert_int_equal(pub_count(pp), 0);
	assert_int_equal(pub_commit(pp), 0);
	assert_int_equal(pub_count(pp), 3);
	assert_file(f->root, "example.test/repo/ca/b.cer", "B2");
	assert_file(f->root, "example.test/repo/ca/a.crl", "CRL1");
	snprintf(p, sizeof(p), "%s/example.test/repo/ca", f->root);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	snprintf(p, sizeof(p), "%s/example.test/repo/ca/b.cer", f->root);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	ino = st.st_ino;

	/* Withdraw b.cer, replace the CRL; c.mft unchanged is hard-linked. */
	assert_int_equal(pub_withdraw(pp, "b.cer"), 0);
	assert_int_equal(pub_withdraw(pp, "b.cer"), PUB_ERR_NOT_FOUND);
	assert_int_equal(pub_withdraw(pp, "nope.cer"), PUB_ERR_NOT_FOUND);
	put_str(pp, "a.crl", "CRL2");
	assert_int_equal(pub_get(pp, "b.cer", &data, &len), 0);  /* still published */
	assert_int_equal(len, 2);
	assert_memory_equal(data, "B2", 2);
	free(data);
	snprintf(p, sizeof(p), "%s/example.test/repo/ca/c.mft", f->root);
	assert_int_equal(stat(p, &st), 0);
	ino = st.st_ino;
	assert_int_equal(pub_commit(pp), 0);
	assert_false(exists(f->root, "example.test/repo/ca/b.cer"));
	assert_file(f->root, "example.test/repo/ca/a.crl", "CRL2");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_ino, ino);
	assert_int_equal(pub_get(pp, "b.cer", &data, &len), PUB_ERR_NOT_FOUND);
	assert_int_equal(pub_count(pp), 2);

	/* Abort forgets staged changes. */
	put_str(pp, "d.cer", "D");
	assert_int_equal(pub_withdraw(pp, "c.mft"), 0);
	assert_int_equal(pub_staged_count(pp), 2);
	pub_abort(pp);
	assert_int_equal(pub_staged_count(pp), 2);
	assert_int_equal(pub_staged_entry(pp, 1, &name, NULL, NULL), 0);
	assert_string_equal(name, "c.mft");
	assert_int_equal(pub_commit(pp), 0);
	assert_false(exists(f->root, "example.test/repo/ca/d.cer"));
	pub_close(pp);

	/* Reopen: the same set with the same hashes. */
	assert_int_equal(pub_open(f->root, BASE, NULL, &pp), 0);
	assert_int_equal(pub_count(pp), 2);
	assert_int_equal(pub_entry(pp, 0, &name, &md, &len), 0);
	assert_string_equal(name, "a.crl");
	mbedtls_sha256_ret((const unsigned char *)"CRL2", 4, want, 0);
	assert_memory_equal(md, want, 32);
	assert_int_equal(pub_get(pp, "c.mft", &data, &len), 0);
	assert_memory_equal(data, "MFT1", 4);
	free(data);
	/* Withdraw everything: an empty directory is a valid snapshot. */
	assert_int_equal(pub_withdraw(pp, "a.crl"), 0);
	assert_int_equal(pub_withdraw(pp, "c.mft"), 0);
	assert_int_equal(pub_commit(pp), 0);
	assert_int_equal(pub_count(pp), 0);
	assert_true(exists(f->root, "example.test/repo/ca/."));
	assert_false(exists(f->root, "example.test/repo/ca/a.crl"));
	pub_close(pp);
	(void)ino;
}

/* UD-142: a reissued certificate replaces the file at the same name. */
static void
test_persistent_names(void **state)
{
	struct fx *f = *state;
	struct pub_point *pp;

	assert_int_equal(pub_open(f->root, BASE, NULL, &pp), 0);
	put_str(pp, "Ab-_9xyzKEYbasedNameAAAAAAA.cer", "cert v1");
	assert_int_equal(pub_commit(pp), 0);
	put_str(pp, "Ab-_9xyzKEYbasedNameAAAAAAA.cer", "cert v2");
	assert_int_equal(pub_commit(pp), 0);
	assert_int_equal(pub_count(pp), 1);
	assert_file(f->root, "example.test/repo/ca/Ab-_9xyzKEYbasedNameAAAAAAA.cer", "cert v2");
	pub_close(pp);
}

static void
test_lock_and_layout(void **state)
{
	struct fx *f = *state;
	struct pub_point *pp, *pp2 = NULL;
	char p[PATH_MAX];

	assert_int_equal(pub_open(f->root, BASE, NULL, &pp), 0);
	assert_int_equal(pub_open(f->root, BASE, NULL, &pp2), PUB_ERR_BUSY);
	assert_null(pp2);
	put_str(pp, "a.cer", "A");
	assert_int_equal(pub_commit(pp), 0);
	/* A publication point inside another one is refused (the path holds a link). */
	assert_int_equal(pub_open(f->root, BASE "sub/", NULL, &pp2), PUB_ERR_LAYOUT);
	pub_close(pp);
	assert_int_equal(pub_open(f->root, BASE, NULL, &pp), 0);   /* lock released */
	pub_close(pp);

	/* A plain directory where the link should be is not ours. */
	snprintf(p, sizeof(p), "%s/example.test/repo/plain", f->root);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(pub_open(f->root, "rsync://example.test/repo/plain/", NULL, &pp2),
	    PUB_ERR_LAYOUT);
	/* A link to something that is not a snapshot of ours, likewise. */
	snprintf(p, sizeof(p), "%s/example.test/repo/foreign", f->root);
	assert_int_equal(symlink("/tmp", p), 0);
	assert_int_equal(pub_open(f->root, "rsync://example.test/repo/foreign/", NULL, &pp2),
	    PUB_ERR_LAYOUT);
	assert_null(pp2);
}

static void
mkfile(const char *root, const char *rel, const char *s)
{
	char p[PATH_MAX];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	fp = fopen(p, "w");
	assert_non_null(fp);
	fputs(s, fp);
	fclose(fp);
}

static void
mkdir_rel(const char *root, const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

/* Leftovers of a crash in each phase of a commit are removed by pub_open(). */
static void
test_crash_recovery(void **state)
{
	struct fx *f = *state;
	struct pub_point *pp;
	struct pub_opts o = { .keep_old = 1 };
	char p[PATH_MAX], t[PATH_MAX];
	ssize_t n;
	int i;

	assert_int_equal(pub_open(f->root, BASE, &o, &pp), 0);
	for (i = 0; i < 4; i++) {
		char s[16];
		snprintf(s, sizeof(s), "v%d", i);
		put_str(pp, "a.cer", s);
		assert_int_equal(pub_commit(pp), 0);
	}
	pub_close(pp);
	/* Generations 1..4: 4 current, 3 kept (keep_old 1), 1 and 2 retired. */
	assert_true(exists(f->root, "example.test/repo/.ca.4/a.cer"));
	assert_true(exists(f->root, "example.test/repo/.ca.3/a.cer"));
	assert_false(exists(f->root, "example.test/repo/.ca.2"));
	assert_false(exists(f->root, "example.test/repo/.ca.1"));

	/* Crash while building snapshot 9 (after trash 2, an old 1). */
	mkdir_rel(f->root, "example.test/repo/.ca.9");
	mkfile(f->root, "example.test/repo/.ca.9/a.cer", "half");
	mkfile(f->root, "example.test/repo/.ca.9/b.cer", "half");
	/* Crash while deleting retired snapshot 2. */
	mkdir_rel(f->root, "example.test/repo/.ca.2.trash");
	mkfile(f->root, "example.test/repo/.ca.2.trash/a.cer", "old");
	/* An old snapshot beyond keep_old. */
	mkdir_rel(f->root, "example.test/repo/.ca.1");
	/* Crash between symlink() of the new link and rename(). */
	snprintf(p, sizeof(p), "%s/example.test/repo/.ca.link", f->root);
	assert_int_equal(symlink(".ca.9", p), 0);
	/* Other publication points' entries are left alone. */
	mkdir_rel(f->root, "example.test/repo/.ca.x.5");
	mkdir_rel(f->root, "example.test/repo/.cab.5");

	assert_int_equal(pub_open(f->root, BASE, &o, &pp), 0);
	assert_false(exists(f->root, "example.test/repo/.ca.9"));
	assert_false(exists(f->root, "example.test/repo/.ca.2.trash"));
	assert_false(exists(f->root, "example.test/repo/.ca.1"));
	assert_false(exists(f->root, "example.test/repo/.ca.link"));
	assert_true(exists(f->root, "example.test/repo/.ca.3"));
	assert_true(exists(f->root, "example.test/repo/.ca.x.5"));
	assert_true(exists(f->root, "example.test/repo/.cab.5"));
	assert_file(f->root, "example.test/repo/ca/a.cer", "v3");
	assert_int_equal(pub_count(pp), 1);
	/* The next snapshot never reuses a generation seen on disk. */
	put_str(pp, "a.cer", "v4");
	assert_int_equal(pub_commit(pp), 0);
	snprintf(p, sizeof(p), "%s/example.test/repo/ca", f->root);
	n = readlink(p, t, sizeof(t) - 1);
	assert_true(n > 0);
	t[n] = '\0';
	assert_string_equal(t, ".ca.10");
	assert_false(exists(f->root, "example.test/repo/.ca.3"));
	assert_true(exists(f->root, "example.test/repo/.ca.4"));
	pub_close(pp);

	/* A foreign subdirectory inside an unfinished snapshot stops recovery. */
	mkdir_rel(f->root, "example.test/repo/.ca.20");
	mkdir_rel(f->root, "example.test/repo/.ca.20/sub");
	assert_int_equal(pub_open(f->root, BASE, &o, &pp), PUB_ERR_LAYOUT);
	/* A snapshot holding a file with an invalid name is not ours either. */
	snprintf(p, sizeof(p), "%s/example.test/repo/.ca.20/sub", f->root);
	assert_int_equal(rmdir(p), 0);
	mkfile(f->root, "example.test/repo/.ca.10/.junk", "x");
	assert_int_equal(pub_open(f->root, BASE, &o, &pp), PUB_ERR_LAYOUT);
}

/* ---- atomicity: a reader process against a committing writer ---- */

#define ATOM_FILES   12
#define ATOM_COMMITS 300

static void
hex(const unsigned char *md, char *out)
{
	int i;

	for (i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

/*
 * One reader round: resolve the link once, read index.txt ("NAME HEX\n"
 * lines) and check each listed file. Returns 1 if consistent, 0 if the
 * snapshot was retired under us (it no longer exists), -1 on a real
 * inconsistency, 2 if nothing is published yet.
 */
static int
reader_round(const char *link)
{
	char dir[PATH_MAX], p[PATH_MAX + 300], line[400], name[300], want[65], got[65];
	unsigned char md[32];
	struct stat st;
	FILE *idx;
	char *data;
	size_t len;
	int bad = 0, n = 0;

	if (realpath(link, dir) == NULL)
		return errno == ENOENT ? 2 : -1;
	snprintf(p, sizeof(p), "%s/index.txt", dir);
	if ((idx = fopen(p, "r")) == NULL)
		goto missing;
	while (fgets(line, sizeof(line), idx) != NULL) {
		if (sscanf(line, "%299s %64s", name, want) != 2) {
			bad = 1;
			break;
		}
		snprintf(p, sizeof(p), "%s/%s", dir, name);
		if ((data = slurp(p, &len)) == NULL) {
			bad = 1;
			break;
		}
		mbedtls_sha256_ret((unsigned char *)data, len, md, 0);
		free(data);
		hex(md, got);
		if (strcmp(got, want) != 0) {
			bad = 1;
			break;
		}
		n++;
	}
	fclose(idx);
	if (!bad)
		return n >= ATOM_FILES / 2 ? 1 : -1;
missing:
	/* Retired snapshots are renamed before deletion: gone means retired. */
	return stat(dir, &st) == 0 ? -1 : 0;
}

/* The writer's commit number k: files change content and come and go. */
static void
atom_commit(struct pub_point *pp, int k)
{
	char name[32], body[64], index[ATOM_FILES * 100] = "", line[100], h[65];
	unsigned char md[32];
	int i;

	for (i = 0; i < ATOM_FILES; i++) {
		snprintf(name, sizeof(name), "f%02d.cer", i);
		if ((i + k) % 5 == 0) {              /* withdrawn this round */
			int rc = pub_withdraw(pp, name);
			assert_true(rc == 0 || rc == PUB_ERR_NOT_FOUND);
			continue;
		}
		snprintf(body, sizeof(body), "object %d of commit %d", i, k);
		if (i % 3 == 0)                      /* unchanged since first written */
			snprintf(body, sizeof(body), "stable object %d", i);
		put_str(pp, name, body);
		mbedtls_sha256_ret((const unsigned char *)body, strlen(body), md, 0);
		hex(md, h);
		snprintf(line, sizeof(line), "%s %s\n", name, h);
		strcat(index, line);
	}
	put_str(pp, "index.txt", index);
	assert_int_equal(pub_commit(pp), 0);
}

static void
test_atomicity(void **state)
{
	struct fx *f = *state;
	struct pub_point *pp;
	struct pub_opts o = { .keep_old = 1 };   /* retire often: exercises that path */
	char link[PATH_MAX];
	int res[2], stop[2], st, k;
	long counts[3] = { 0, 0, 0 };
	pid_t pid;

	assert_int_equal(pub_open(f->root, BASE, &o, &pp), 0);
	atom_commit(pp, 0);
	snprintf(link, sizeof(link), "%s", pub_path(pp));
	assert_int_equal(pipe(res), 0);
	assert_int_equal(pipe(stop), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		long c[3] = { 0, 0, 0 };
		close(res[0]);
		close(stop[1]);
		fcntl(stop[0], F_SETFL, O_NONBLOCK);
		for (;;) {
			char b;
			int r = reader_round(link);
			if (r == 1)
				c[0]++;
			else if (r == 0)
				c[1]++;
			else if (r == -1)
				c[2]++;
			if (read(stop[0], &b, 1) == 0)
				break;               /* EOF: the writer is done */
		}
		if (write(res[1], c, sizeof(c)) != (ssize_t)sizeof(c))
			_exit(2);
		_exit(0);
	}
	close(res[1]);
	close(stop[0]);
	for (k = 1; k <= ATOM_COMMITS; k++)
		atom_commit(pp, k);
	close(stop[1]);
	assert_int_equal(read(res[0], counts, sizeof(counts)), (ssize_t)sizeof(counts));
	close(res[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	fprintf(stderr, "reader: %ld consistent rounds, %ld retired under it, %ld inconsistent\n",
	    counts[0], counts[1], counts[2]);
	assert_int_equal(counts[2], 0);
	assert_true(counts[0] > 0);
	pub_close(pp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_uri_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_withdraw_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_persistent_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_and_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_recovery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomicity, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
