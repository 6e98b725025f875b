/*
 * updownctl inspect: the appliance's audit log (firmware/audit.h), read
 * from a copy of its store database (a file, or a directory holding
 * updown.db). Every record is printed, then the verdict of the offline
 * chain verification (audit_verify_path): whole, or the first bad record
 * and why.
 *
 * Nothing is written next to the operator's file: even a read-only SQLite
 * connection to a WAL database creates its -shm (and -wal) files, so the
 * database (with its -wal, if any) is copied into a private temporary
 * directory and read there.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "firmware/audit.h"
#include "firmware/store.h"
#include "inspect.h"
#include "updownctl.h"

struct audit_walk {
	struct jo *j;
	uint64_t n;
};

static void
hex32(const uint8_t *h, char out[65])
{
	insp_hex(h, AUDIT_HASH_LEN, out, 65);
}

static int
print_record(void *arg, const struct audit_record *r)
{
	struct audit_walk *w = arg;
	const char *kind = audit_kind_name(r->kind);
	char t[32], h[65];

	w->n++;
	if (w->j != NULL) {
		struct jo *j = w->j;

		jo_obj_begin(j, NULL);
		jo_uint(j, "seq", r->seq);
		jo_time(j, "time", (time_t)r->time);
		jo_str(j, "kind", kind);
		jo_str(j, "child", r->child);
		jo_str(j, "class", r->class_name);
		if (r->has_serial)
			jo_uint(j, "serial", r->serial);
		else
			jo_null(j, "serial");
		jo_str(j, "ski", r->ski);
		jo_str(j, "resources", r->resources);
		jo_hex(j, "digest", r->has_digest ? r->digest : NULL, AUDIT_HASH_LEN);
		jo_str(j, "text", r->text);
		jo_hex(j, "prev", r->prev, AUDIT_HASH_LEN);
		jo_hex(j, "hash", r->hash, AUDIT_HASH_LEN);
		jo_obj_end(j);
		return 0;
	}
	insp_time_text((time_t)r->time, t);
	printf("  #%" PRIu64 " %s %s", r->seq, t, kind != NULL ? kind : "(unknown kind)");
	if (r->child != NULL)
		printf(" child=%s", r->child);
	if (r->class_name != NULL)
		printf(" class=%s", r->class_name);
	if (r->has_serial)
		printf(" serial=%" PRIu64, r->serial);
	if (r->ski != NULL)
		printf(" ski=%s", r->ski);
	printf("\n");
	if (r->resources != NULL)
		printf("      resources: %s\n", r->resources);
	if (r->has_digest) {
		hex32(r->digest, h);
		printf("      digest: %s\n", h);
	}
	if (r->text != NULL)
		printf("      text: %s\n", r->text);
	hex32(r->hash, h);
	printf("      hash: %s\n", h);
	return 0;
}

/* Copy src to dst (a new file, mode 0600). 0, or -1 with errno. */
static int
copy_file(const char *src, const char *dst)
{
	char buf[65536];
	int in, out, rc = -1;
	ssize_t n;

	if ((in = open(src, O_RDONLY)) < 0)
		return -1;
	if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0) {
		close(in);
		return -1;
	}
	for (;;) {
		char *p = buf;

		n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		while (n > 0) {
			ssize_t w = write(out, p, (size_t)n);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				goto out;
			p += w;
			n -= w;
		}
	}
	rc = n == 0 ? 0 : -1;
out:
	close(in);
	if (close(out) != 0)
		rc = -1;
	return rc;
}

/* Remove the temporary directory and what SQLite left in it. */
static void
remove_copy(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[4200];

	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

/*
 * Copy the database at path (a file, or path/updown.db) and its -wal into
 * a new temporary directory tmp; *copy is the copy's path there.
 */
static int
copy_store(const char *path, char tmp[4096], char copy[4200])
{
	const char *base = getenv("TMPDIR");
	char db[4200], src[4300], dst[4300];
	struct stat st;

	if (stat(path, &st) != 0)
		return -1;
	if (S_ISDIR(st.st_mode))
		snprintf(db, sizeof(db), "%s/%s", path, STORE_DB_NAME);
	else
		snprintf(db, sizeof(db), "%s", path);
	snprintf(tmp, 4096, "%s/updownctl-audit.XXXXXX", base != NULL && base[0] != '\0' ?
	    base : "/tmp");
	if (mkdtemp(tmp) == NULL)
		return -1;
	snprintf(copy, 4200, "%s/%s", tmp, STORE_DB_NAME);
	snprintf(src, sizeof(src), "%s-wal", db);
	snprintf(dst, sizeof(dst), "%s-wal", copy);
	if (copy_file(db, copy) != 0 || (access(src, F_OK) == 0 && copy_file(src, dst) != 0)) {
		remove_copy(tmp);
		return -1;
	}
	return 0;
}

/* The walk and the verdict, on the private copy at copy (path: for messages). */
static int
audit_copy(const char *path, const char *copy, struct jo *j)
{
	struct audit_walk w = { j, 0 };
	struct audit_report rep;
	struct store *s = NULL;
	char *msg = NULL, h[65];
	int rc, walk_rc, status;

	rc = store_open(copy, STORE_READONLY | STORE_NO_CHECK, NULL, &s, &msg);
	if (rc != 0) {
		fprintf(stderr, "updownctl: %s: %s\n", path, store_strerror(rc));
		free(msg);
		if (j != NULL) {
			jo_str(j, "kind", "audit");
			jo_str(j, "error", store_strerror(rc));
		} else
			printf("  REFUSED: not a readable updown store: %s\n", store_strerror(rc));
		return rc == STORE_ERR_NOT_STORE || rc == STORE_ERR_VERSION ||
		    rc == STORE_ERR_CORRUPT ? EXIT_REFUSED : EXIT_IO;
	}
	if (j != NULL) {
		jo_str(j, "kind", "audit");
		jo_arr_begin(j, "records");
	} else
		printf("  audit log (store %s):\n", path);
	walk_rc = store_audit_foreach(s, 1, print_record, &w);
	if (j != NULL)
		jo_arr_end(j);
	else if (walk_rc != 0)
		printf("  (listing stopped: %s)\n", store_strerror(walk_rc));
	store_close(s);

	rc = audit_verify_path(copy, &rep);
	hex32(rep.head_hash, h);
	status = rc == 0 ? 0 : rc == STORE_ERR_AUDIT ? EXIT_REFUSED : EXIT_IO;
	if (j != NULL) {
		jo_obj_begin(j, "verification");
		jo_bool(j, "ok", rc == 0);
		jo_uint(j, "records", rep.records);
		jo_uint(j, "head_seq", rep.head_seq);
		jo_str(j, "head_hash", h);
		jo_str(j, "fault", rc == 0 ? NULL : rc == STORE_ERR_AUDIT ?
		    audit_fault_name(rep.fault) : store_strerror(rc));
		if (rep.bad_seq != 0)
			jo_uint(j, "first_bad_seq", rep.bad_seq);
		else
			jo_null(j, "first_bad_seq");
		jo_str(j, "what", rep.what);
		jo_obj_end(j);
		return status;
	}
	if (rc == 0) {
		printf("  chain: VALID, %" PRIu64 " records, head #%" PRIu64 " %s\n",
		    rep.records, rep.head_seq, h);
		printf("  (keep the head outside the appliance: a chain cannot prove its own tail)\n");
	} else if (rc == STORE_ERR_AUDIT) {
		printf("  chain: BROKEN (%s) at record #%" PRIu64 ": %s\n",
		    audit_fault_name(rep.fault), rep.bad_seq, rep.what);
		printf("  last good record: #%" PRIu64 " %s\n", rep.head_seq, h);
	} else
		printf("  chain: not verified: %s\n", store_strerror(rc));
	return status;
}

/* See inspect.h. */
int
insp_audit(const char *path, struct jo *j)
{
	char tmp[4096], copy[4200];
	int status;

	if (copy_store(path, tmp, copy) != 0) {
		fprintf(stderr, "updownctl: %s: cannot copy the database to read it: %s\n", path,
		    strerror(errno));
		if (j != NULL) {
			jo_str(j, "kind", "audit");
			jo_str(j, "error", "unreadable");
		}
		return EXIT_IO;
	}
	status = audit_copy(path, copy, j);
	remove_copy(tmp);
	return status;
}
