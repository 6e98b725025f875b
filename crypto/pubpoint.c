/*
 * Publication point: atomic snapshots behind a symbolic link. See
 * crypto/include/crypto/pubpoint.h for the layout and the guarantees.
 *
 * Every file system call goes through a directory descriptor of the
 * parent (the *at() calls of POSIX.1-2008), so a path component swapped
 * for a link after pub_open() cannot redirect a write.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/sha256.h>

#include "crypto/pubpoint.h"

/* One file of a file set; data != NULL for bytes staged but not yet written. */
struct pub_file {
	char *name;
	unsigned char sha256[32];
	size_t len;
	unsigned char *data;
};

struct pub_set {
	struct pub_file *v;
	size_t n, cap;
};

struct pub_point {
	char *uri;            /* base URI, with its trailing slash */
	char *path;           /* ROOT/HOST/MODULE/PATH: the link */
	char *name;           /* last component of path */
	int parent_fd;        /* directory holding the link and the snapshots */
	int lock_fd;          /* ".NAME.lock", flock'd */
	int cur_fd;           /* current snapshot directory, -1 if none yet */
	uint64_t cur_gen;     /* 0: nothing published yet */
	uint64_t next_gen;
	unsigned keep_old;
	uint64_t *old;        /* retired generations still on disk, oldest first */
	size_t n_old;
	struct pub_set cur;   /* published */
	struct pub_set stg;   /* staged: the set after the next commit */
	bool stg_lost;        /* pub_abort() ran out of memory: stg must be rebuilt */
};

static _Thread_local int pub_errno;

int
pub_last_errno(void)
{
	return pub_errno;
}

/* Record errno and return PUB_ERR_IO. */
static int
io_err(void)
{
	pub_errno = errno != 0 ? errno : EIO;
	return PUB_ERR_IO;
}

/* One path component or file name: [A-Za-z0-9._-]{1,PUB_MAX_NAME}, no leading '.'. */
static bool
seg_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > PUB_MAX_NAME || s[0] == '.')
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* See pubpoint.h. */
int
pub_name_valid(const char *name)
{
	return name != NULL && seg_valid(name, strnlen(name, PUB_MAX_NAME + 1));
}

static void
file_free(struct pub_file *f)
{
	free(f->name);
	free(f->data);
	f->name = NULL;
	f->data = NULL;
}

static void
set_free(struct pub_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		file_free(&s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

/* Binary search; returns true if found, *at = index or insertion point. */
static bool
set_find(const struct pub_set *s, const char *name, size_t *at)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->v[mid].name, name);
		if (c == 0) {
			*at = mid;
			return true;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return false;
}

/* Insert an empty entry at index at (name owned by the set afterwards). */
static int
set_insert(struct pub_set *s, size_t at, char *name)
{
	if (s->n >= PUB_MAX_FILES)
		return PUB_ERR_LIMIT;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct pub_file *v = realloc(s->v, cap * sizeof(*v));
		if (v == NULL)
			return PUB_ERR_NOMEM;
		s->v = v;
		s->cap = cap;
	}
	memmove(&s->v[at + 1], &s->v[at], (s->n - at) * sizeof(*s->v));
	memset(&s->v[at], 0, sizeof(*s->v));
	s->v[at].name = name;
	s->n++;
	return 0;
}

static void
set_remove(struct pub_set *s, size_t at)
{
	file_free(&s->v[at]);
	memmove(&s->v[at], &s->v[at + 1], (s->n - at - 1) * sizeof(*s->v));
	s->n--;
}

/* dst = a copy of src without staged bytes (names and hashes only). */
static int
set_copy_meta(struct pub_set *dst, const struct pub_set *src)
{
	struct pub_set t = { 0 };
	size_t i;

	if (src->n > 0) {
		if ((t.v = calloc(src->n, sizeof(*t.v))) == NULL)
			return PUB_ERR_NOMEM;
		t.cap = src->n;
	}
	for (i = 0; i < src->n; i++) {
		if ((t.v[i].name = strdup(src->v[i].name)) == NULL) {
			set_free(&t);
			return PUB_ERR_NOMEM;
		}
		memcpy(t.v[i].sha256, src->v[i].sha256, 32);
		t.v[i].len = src->v[i].len;
		t.n++;
	}
	set_free(dst);
	*dst = t;
	return 0;
}

/* Read a whole regular file below dfd (at most PUB_MAX_FILE bytes). */
static int
read_at(int dfd, const char *name, unsigned char **data, size_t *len)
{
	struct stat st;
	unsigned char *buf = NULL;
	size_t off = 0;
	int fd, rc = PUB_ERR_IO;

	if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT ? PUB_ERR_NOT_FOUND : io_err();
	if (fstat(fd, &st) != 0) {
		rc = io_err();
		goto out;
	}
	rc = PUB_ERR_LAYOUT;
	if (!S_ISREG(st.st_mode))
		goto out;
	rc = PUB_ERR_LIMIT;
	if (st.st_size < 0 || (uintmax_t)st.st_size > PUB_MAX_FILE)
		goto out;
	rc = PUB_ERR_NOMEM;
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto out;
	while (off < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + off, (size_t)st.st_size - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			errno = r == 0 ? EIO : errno;   /* shrank underneath us */
			rc = io_err();
			goto out;
		}
		off += (size_t)r;
	}
	*data = buf;
	*len = off;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

/* Write a new file below dfd: mode 0644, contents fsync'd. */
static int
write_at(int dfd, const char *name, const unsigned char *data, size_t len)
{
	size_t off = 0;
	int fd;

	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return io_err();
	if (fchmod(fd, 0644) != 0)
		goto fail;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0)
		return io_err();
	return 0;
fail:
	(void)io_err();
	close(fd);
	return PUB_ERR_IO;
}

/*
 * Remove a snapshot directory below parent_fd: regular files only (it is
 * ours and flat). A subdirectory means someone else wrote there:
 * PUB_ERR_LAYOUT, and nothing more is removed.
 */
static int
remove_flat(int parent_fd, const char *dir)
{
	DIR *d;
	struct dirent *e;
	struct stat st;
	int dfd, rc = 0;

	if ((dfd = openat(parent_fd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : io_err();
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return io_err();
	}
	errno = 0;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			rc = io_err();
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			rc = PUB_ERR_LAYOUT;
			break;
		}
		if (unlinkat(dfd, e->d_name, 0) != 0) {
			rc = io_err();
			break;
		}
		errno = 0;
	}
	if (rc == 0 && errno != 0)
		rc = io_err();
	closedir(d);
	if (rc == 0 && unlinkat(parent_fd, dir, AT_REMOVEDIR) != 0 && errno != ENOENT)
		rc = io_err();
	return rc;
}

/* Parse a decimal generation (1..UINT64_MAX, no sign, no leading zero). */
static bool
parse_gen(const char *s, size_t len, uint64_t *gen)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 20 || s[0] == '0')
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*gen = v;
	return true;
}

/* Name of snapshot gen (suffix NULL) or of its trash (suffix ".trash"). */
static int
snap_name(const struct pub_point *pp, uint64_t gen, const char *suffix, char *buf, size_t size)
{
	int n = snprintf(buf, size, ".%s.%" PRIu64 "%s", pp->name, gen, suffix ? suffix : "");

	return n > 0 && (size_t)n < size ? 0 : PUB_ERR_LIMIT;
}

/* Retire a snapshot: rename it to its trash name (atomic), then delete it. */
static int
retire(struct pub_point *pp, uint64_t gen)
{
	char snap[PUB_MAX_NAME + 48], trash[PUB_MAX_NAME + 48];
	int rc;

	if ((rc = snap_name(pp, gen, NULL, snap, sizeof(snap))) != 0 ||
	    (rc = snap_name(pp, gen, ".trash", trash, sizeof(trash))) != 0)
		return rc;
	if (renameat(pp->parent_fd, snap, pp->parent_fd, trash) != 0 && errno != ENOENT)
		return io_err();
	return remove_flat(pp->parent_fd, trash);
}

/* Keep at most keep_old retired snapshots; the oldest go first. */
static int
trim_old(struct pub_point *pp)
{
	int rc = 0, r;

	while (pp->n_old > pp->keep_old) {
		if ((r = retire(pp, pp->old[0])) != 0 && rc == 0)
			rc = r;
		memmove(&pp->old[0], &pp->old[1], (pp->n_old - 1) * sizeof(*pp->old));
		pp->n_old--;
	}
	return rc;
}

static int
gen_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Parse the URI into path components and create ROOT/HOST/MODULE/... up
 * to the parent of the link; sets pp->path, pp->name, pp->parent_fd.
 */
static int
make_dirs(struct pub_point *pp, const char *root, const char *uri)
{
	static const char scheme[] = "rsync://";
	const char *s, *e, *end;
	size_t ulen, plen, nseg = 0;
	char seg[PUB_MAX_NAME + 1];
	int fd, nfd, rc;

	ulen = strnlen(uri, PUB_MAX_URI + 1);
	if (ulen > PUB_MAX_URI || strncmp(uri, scheme, sizeof(scheme) - 1) != 0 ||
	    uri[ulen - 1] != '/')
		return PUB_ERR_URI;
	plen = strlen(root) + 1 + ulen;
	if ((pp->path = malloc(plen + 1)) == NULL)
		return PUB_ERR_NOMEM;
	strcpy(pp->path, root);
	if ((fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return io_err();

	s = uri + sizeof(scheme) - 1;
	end = uri + ulen;
	rc = PUB_ERR_URI;
	while (s < end) {
		e = memchr(s, '/', (size_t)(end - s));   /* exists: uri ends in '/' */
		if (!seg_valid(s, (size_t)(e - s)))
			goto fail;
		memcpy(seg, s, (size_t)(e - s));
		seg[e - s] = '\0';
		strcat(pp->path, "/");
		strcat(pp->path, seg);
		nseg++;
		s = e + 1;
		if (s == end)
			break;                               /* seg is the link's name */
		if (mkdirat(fd, seg, 0755) != 0 && errno != EEXIST) {
			rc = io_err();
			goto fail;
		}
		/* O_NOFOLLOW: nested publication points (a link on the way) are refused. */
		nfd = openat(fd, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			rc = errno == ELOOP || errno == ENOTDIR ? PUB_ERR_LAYOUT : io_err();
			goto fail;
		}
		close(fd);
		fd = nfd;
	}
	if (nseg < 2)                    /* HOST and MODULE at least */
		goto fail;
	if ((pp->name = strdup(seg)) == NULL) {
		rc = PUB_ERR_NOMEM;
		goto fail;
	}
	pp->parent_fd = fd;
	return 0;
fail:
	close(fd);
	return rc;
}

/* Read the current snapshot's files into pp->cur (names, hashes, sizes). */
static int
load_current(struct pub_point *pp)
{
	DIR *d = NULL;
	struct dirent *e;
	unsigned char *data = NULL;
	size_t len, at;
	char *name;
	int dfd, rc;

	if ((dfd = dup(pp->cur_fd)) < 0)
		return io_err();
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return io_err();
	}
	rewinddir(d);
	rc = 0;
	errno = 0;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (!pub_name_valid(e->d_name)) {
			rc = PUB_ERR_LAYOUT;
			break;
		}
		if ((rc = read_at(pp->cur_fd, e->d_name, &data, &len)) != 0)
			break;
		if (set_find(&pp->cur, e->d_name, &at)) {  /* cannot happen in a directory */
			rc = PUB_ERR_LAYOUT;
			break;
		}
		if ((name = strdup(e->d_name)) == NULL) {
			rc = PUB_ERR_NOMEM;
			break;
		}
		if ((rc = set_insert(&pp->cur, at, name)) != 0) {
			free(name);
			break;
		}
		if (mbedtls_sha256_ret(data, len, pp->cur.v[at].sha256, 0) != 0) {
			rc = PUB_ERR_NOMEM;
			break;
		}
		pp->cur.v[at].len = len;
		free(data);
		data = NULL;
		errno = 0;
	}
	if (rc == 0 && e == NULL && errno != 0)
		rc = io_err();
	free(data);
	closedir(d);
	return rc;
}

/*
 * Find the current generation from the link, then clean up what a crash
 * left: the temporary link, trash, snapshots newer than the link
 * (unfinished commits); keep the newest keep_old older ones.
 */
static int
recover(struct pub_point *pp)
{
	char target[PUB_MAX_NAME + 48], lname[PUB_MAX_NAME + 16];
	struct stat st;
	DIR *d = NULL;
	struct dirent *e;
	uint64_t gen, max_gen = 0, *old = NULL;
	size_t nlen = strlen(pp->name), n_old = 0, cap = 0;
	ssize_t tl;
	int dfd, rc;

	/* The link itself. */
	if (fstatat(pp->parent_fd, pp->name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISLNK(st.st_mode))
			return PUB_ERR_LAYOUT;
		tl = readlinkat(pp->parent_fd, pp->name, target, sizeof(target) - 1);
		if (tl < 0)
			return io_err();
		target[tl] = '\0';
		if ((size_t)tl <= nlen + 2 || target[0] != '.' ||
		    memcmp(target + 1, pp->name, nlen) != 0 || target[nlen + 1] != '.' ||
		    !parse_gen(target + nlen + 2, (size_t)tl - nlen - 2, &pp->cur_gen))
			return PUB_ERR_LAYOUT;
		pp->cur_fd = openat(pp->parent_fd, target,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (pp->cur_fd < 0)
			return errno == ENOENT ? PUB_ERR_LAYOUT : io_err();
	} else if (errno != ENOENT)
		return io_err();
	max_gen = pp->cur_gen;

	if ((dfd = dup(pp->parent_fd)) < 0)
		return io_err();
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return io_err();
	}
	rewinddir(d);
	snprintf(lname, sizeof(lname), ".%s.link", pp->name);
	rc = 0;
	while ((e = readdir(d)) != NULL) {
		const char *rest;
		size_t rlen;

		if (e->d_name[0] != '.' || strncmp(e->d_name + 1, pp->name, nlen) != 0 ||
		    e->d_name[nlen + 1] != '.')
			continue;
		rest = e->d_name + nlen + 2;
		rlen = strlen(rest);
		if (strcmp(e->d_name, lname) == 0) {
			if (unlinkat(pp->parent_fd, e->d_name, 0) != 0 && errno != ENOENT) {
				rc = io_err();
				break;
			}
		} else if (rlen > 6 && strcmp(rest + rlen - 6, ".trash") == 0 &&
		    parse_gen(rest, rlen - 6, &gen)) {
			if (gen > max_gen)
				max_gen = gen;
			if ((rc = remove_flat(pp->parent_fd, e->d_name)) != 0)
				break;
		} else if (parse_gen(rest, rlen, &gen)) {
			if (gen > max_gen)
				max_gen = gen;
			if (gen == pp->cur_gen)
				continue;
			if (gen > pp->cur_gen) {          /* an unfinished commit */
				if ((rc = remove_flat(pp->parent_fd, e->d_name)) != 0)
					break;
				continue;
			}
			if (n_old == cap) {
				uint64_t *t;
				cap = cap ? cap * 2 : 8;
				if ((t = realloc(old, cap * sizeof(*old))) == NULL) {
					rc = PUB_ERR_NOMEM;
					break;
				}
				old = t;
			}
			old[n_old++] = gen;
		}
	}
	closedir(d);
	if (rc != 0) {
		free(old);
		return rc;
	}
	if (n_old > 0)
		qsort(old, n_old, sizeof(*old), gen_cmp);
	pp->old = old;
	pp->n_old = n_old;
	if (max_gen == UINT64_MAX)
		return PUB_ERR_LIMIT;
	pp->next_gen = max_gen + 1;
	return trim_old(pp);
}

/* See pubpoint.h. */
int
pub_open(const char *root, const char *base_uri, const struct pub_opts *opts,
         struct pub_point **out)
{
	struct pub_point *pp;
	char lock[PUB_MAX_NAME + 16];
	int rc;

	if (root == NULL || base_uri == NULL || out == NULL || root[0] == '\0')
		return PUB_ERR_ARG;
	if ((pp = calloc(1, sizeof(*pp))) == NULL)
		return PUB_ERR_NOMEM;
	pp->parent_fd = pp->lock_fd = pp->cur_fd = -1;
	pp->keep_old = opts != NULL ? opts->keep_old : PUB_KEEP_OLD;
	rc = PUB_ERR_NOMEM;
	if ((pp->uri = strdup(base_uri)) == NULL)
		goto fail;
	if ((rc = make_dirs(pp, root, base_uri)) != 0)
		goto fail;

	snprintf(lock, sizeof(lock), ".%s.lock", pp->name);
	pp->lock_fd = openat(pp->parent_fd, lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (pp->lock_fd < 0) {
		rc = io_err();
		goto fail;
	}
	if (flock(pp->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		rc = errno == EWOULDBLOCK ? PUB_ERR_BUSY : io_err();
		goto fail;
	}
	if ((rc = recover(pp)) != 0)
		goto fail;
	if (pp->cur_fd >= 0 && (rc = load_current(pp)) != 0)
		goto fail;
	if ((rc = set_copy_meta(&pp->stg, &pp->cur)) != 0)
		goto fail;
	*out = pp;
	return 0;
fail:
	pub_close(pp);
	return rc;
}

/* See pubpoint.h. */
void
pub_close(struct pub_point *pp)
{
	if (pp == NULL)
		return;
	set_free(&pp->cur);
	set_free(&pp->stg);
	if (pp->cur_fd >= 0)
		close(pp->cur_fd);
	if (pp->lock_fd >= 0)
		close(pp->lock_fd);     /* releases the flock */
	if (pp->parent_fd >= 0)
		close(pp->parent_fd);
	free(pp->old);
	free(pp->name);
	free(pp->path);
	free(pp->uri);
	free(pp);
}

const char *
pub_path(const struct pub_point *pp)
{
	return pp->path;
}

const char *
pub_base_uri(const struct pub_point *pp)
{
	return pp->uri;
}

/*
 * After a pub_abort() that ran out of memory the staged set is empty, which
 * a commit would take for "withdraw everything": rebuild it first.
 */
static int
stg_ready(struct pub_point *pp)
{
	if (!pp->stg_lost)
		return 0;
	if (set_copy_meta(&pp->stg, &pp->cur) != 0)
		return PUB_ERR_NOMEM;
	pp->stg_lost = false;
	return 0;
}

/* See pubpoint.h. */
int
pub_put(struct pub_point *pp, const char *name, const unsigned char *data, size_t len)
{
	unsigned char *copy, md[32];
	char *n;
	size_t at;
	int rc;

	if (pp == NULL || (data == NULL && len > 0))
		return PUB_ERR_ARG;
	if (!pub_name_valid(name))
		return PUB_ERR_NAME;
	if (len > PUB_MAX_FILE)
		return PUB_ERR_LIMIT;
	if ((rc = stg_ready(pp)) != 0)
		return rc;
	if ((copy = malloc(len > 0 ? len : 1)) == NULL)
		return PUB_ERR_NOMEM;
	if (len > 0)
		memcpy(copy, data, len);
	if (mbedtls_sha256_ret(copy, len, md, 0) != 0) {
		free(copy);
		return PUB_ERR_NOMEM;
	}
	if (!set_find(&pp->stg, name, &at)) {
		if ((n = strdup(name)) == NULL) {
			free(copy);
			return PUB_ERR_NOMEM;
		}
		if ((rc = set_insert(&pp->stg, at, n)) != 0) {
			free(n);
			free(copy);
			return rc;
		}
	}
	memcpy(pp->stg.v[at].sha256, md, sizeof(md));
	free(pp->stg.v[at].data);
	pp->stg.v[at].data = copy;
	pp->stg.v[at].len = len;
	return 0;
}

/* See pubpoint.h. */
int
pub_withdraw(struct pub_point *pp, const char *name)
{
	size_t at;
	int rc;

	if (pp == NULL)
		return PUB_ERR_ARG;
	if (!pub_name_valid(name))
		return PUB_ERR_NAME;
	if ((rc = stg_ready(pp)) != 0)
		return rc;
	if (!set_find(&pp->stg, name, &at))
		return PUB_ERR_NOT_FOUND;
	set_remove(&pp->stg, at);
	return 0;
}

/* See pubpoint.h. */
void
pub_abort(struct pub_point *pp)
{
	if (pp == NULL)
		return;
	/* On NOMEM the staged set is emptied and marked lost (see stg_ready()). */
	if (set_copy_meta(&pp->stg, &pp->cur) != 0) {
		set_free(&pp->stg);
		pp->stg_lost = true;
	} else
		pp->stg_lost = false;
}

/* See pubpoint.h. */
int
pub_commit(struct pub_point *pp)
{
	char snap[PUB_MAX_NAME + 48], lname[PUB_MAX_NAME + 16];
	uint64_t gen, *old;
	size_t i;
	int dfd = -1, rc;
	bool made = false;

	if (pp == NULL)
		return PUB_ERR_ARG;
	if ((rc = stg_ready(pp)) != 0)
		return rc;
	gen = pp->next_gen;
	if ((rc = snap_name(pp, gen, NULL, snap, sizeof(snap))) != 0)
		return rc;
	snprintf(lname, sizeof(lname), ".%s.link", pp->name);
	/* Room to remember the current snapshot once it is retired. */
	if ((old = realloc(pp->old, (pp->n_old + 1) * sizeof(*old))) == NULL)
		return PUB_ERR_NOMEM;
	pp->old = old;

	if (mkdirat(pp->parent_fd, snap, 0755) != 0)
		return io_err();
	made = true;
	if ((dfd = openat(pp->parent_fd, snap, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fchmod(dfd, 0755) != 0) {
		rc = io_err();
		goto fail;
	}
	for (i = 0; i < pp->stg.n; i++) {
		const struct pub_file *f = &pp->stg.v[i];

		if (f->data != NULL)
			rc = write_at(dfd, f->name, f->data, f->len);
		else if (pp->cur_fd < 0)
			rc = PUB_ERR_LAYOUT;                       /* unreachable */
		else if (linkat(pp->cur_fd, f->name, dfd, f->name, 0) != 0)
			rc = io_err();
		if (rc != 0)
			goto fail;
	}
	if (fsync(dfd) != 0) {
		rc = io_err();
		goto fail;
	}
	/* The switch: a new link renamed over the old one (rename(2) is atomic). */
	if (unlinkat(pp->parent_fd, lname, 0) != 0 && errno != ENOENT) {
		rc = io_err();
		goto fail;
	}
	if (symlinkat(snap, pp->parent_fd, lname) != 0) {
		rc = io_err();
		goto fail;
	}
	if (renameat(pp->parent_fd, lname, pp->parent_fd, pp->name) != 0) {
		rc = io_err();
		(void)unlinkat(pp->parent_fd, lname, 0);
		goto fail;
	}
	/* From here on the commit happened; a failed fsync only weakens durability. */
	if (fsync(pp->parent_fd) != 0)
		rc = io_err();
	pp->next_gen = gen + 1;
	if (pp->cur_fd >= 0) {
		close(pp->cur_fd);
		pp->old[pp->n_old++] = pp->cur_gen;
	}
	pp->cur_fd = dfd;
	pp->cur_gen = gen;
	for (i = 0; i < pp->stg.n; i++) {
		free(pp->stg.v[i].data);
		pp->stg.v[i].data = NULL;
	}
	if (set_copy_meta(&pp->cur, &pp->stg) != 0) {
		/* Memory only: reload from disk so cur matches what is published. */
		set_free(&pp->cur);
		if (load_current(pp) != 0 && rc == 0)
			rc = PUB_ERR_NOMEM;
	}
	(void)trim_old(pp);       /* leftovers are cleaned by the next pub_open() */
	return rc;
fail:
	if (dfd >= 0)
		close(dfd);
	if (made)
		(void)remove_flat(pp->parent_fd, snap);
	pp->next_gen = gen + 1;   /* never reuse a name */
	return rc;
}

size_t
pub_staged_count(const struct pub_point *pp)
{
	return pp != NULL ? pp->stg.n : 0;
}

size_t
pub_count(const struct pub_point *pp)
{
	return pp != NULL ? pp->cur.n : 0;
}

static int
entry(const struct pub_set *s, size_t i, const char **name, const unsigned char **sha256,
      size_t *len)
{
	if (i >= s->n)
		return PUB_ERR_ARG;
	if (name != NULL)
		*name = s->v[i].name;
	if (sha256 != NULL)
		*sha256 = s->v[i].sha256;
	if (len != NULL)
		*len = s->v[i].len;
	return 0;
}

/* See pubpoint.h. */
int
pub_staged_entry(const struct pub_point *pp, size_t i, const char **name,
                 const unsigned char **sha256, size_t *len)
{
	return pp != NULL ? entry(&pp->stg, i, name, sha256, len) : PUB_ERR_ARG;
}

/* See pubpoint.h. */
int
pub_entry(const struct pub_point *pp, size_t i, const char **name,
          const unsigned char **sha256, size_t *len)
{
	return pp != NULL ? entry(&pp->cur, i, name, sha256, len) : PUB_ERR_ARG;
}

/* See pubpoint.h. */
int
pub_get(const struct pub_point *pp, const char *name, unsigned char **data, size_t *len)
{
	size_t at;

	if (pp == NULL || data == NULL || len == NULL)
		return PUB_ERR_ARG;
	if (!pub_name_valid(name))
		return PUB_ERR_NAME;
	if (pp->cur_fd < 0 || !set_find(&pp->cur, name, &at))
		return PUB_ERR_NOT_FOUND;
	return read_at(pp->cur_fd, name, data, len);
}

/* See pubpoint.h. */
const char *
pub_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case PUB_ERR_ARG: return "invalid argument";
	case PUB_ERR_URI: return "base URI is not rsync://HOST/MODULE[/PATH]/ with valid components";
	case PUB_ERR_NAME: return "file name outside [A-Za-z0-9._-] or starting with '.'";
	case PUB_ERR_LIMIT: return "too many files, or a file too large";
	case PUB_ERR_NOMEM: return "out of memory";
	case PUB_ERR_IO: return "file system error";
	case PUB_ERR_LAYOUT: return "publication directory is not in the expected layout";
	case PUB_ERR_BUSY: return "another writer holds the publication point";
	case PUB_ERR_NOT_FOUND: return "no such published file";
	case PUB_ERR_CRL: return "the CRL could not be made";
	case PUB_ERR_MFT: return "the manifest could not be made";
	default: return "unknown publication point error";
	}
}
