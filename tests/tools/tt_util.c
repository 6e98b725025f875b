/* Helpers for the updownctl tests; see tt_util.h. */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <mbedtls/sha256.h>

#include "tt_util.h"

#define TT_MAX_ARGS 64

static char tt_dir[64];
static char tt_io[64];  /* captured outputs, outside tt_dir so snapshots never see them */

static char *
slurp(const char *path)
{
	size_t len = 0;
	unsigned char *b = tt_read(path, &len);

	return (char *)b;
}

/* See tt_util.h. */
void
tt_ctlv(struct tt_out *o, const char *const *argv)
{
	const char *args[TT_MAX_ARGS + 2];
	char out_path[256], err_path[256];
	size_t n = 0;
	pid_t pid;
	int st;

	memset(o, 0, sizeof(*o));
	args[n++] = UPDOWNCTL_PATH;
	for (; argv[n - 1] != NULL; n++) {
		assert_true(n < TT_MAX_ARGS);
		args[n] = argv[n - 1];
	}
	args[n] = NULL;
	tt_tmpdir();
	snprintf(out_path, sizeof(out_path), "%s/stdout", tt_io);
	snprintf(err_path, sizeof(err_path), "%s/stderr", tt_io);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fo = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int fe = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
			_exit(127);
		unsetenv("http_proxy");
		unsetenv("https_proxy");
		unsetenv("HTTP_PROXY");
		unsetenv("HTTPS_PROXY");
		unsetenv("all_proxy");
		unsetenv("ALL_PROXY");
		execv(UPDOWNCTL_PATH, (char *const *)args);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	o->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	o->out = slurp(out_path);
	o->err = slurp(err_path);
}

/* See tt_util.h. */
void
tt_ctl(struct tt_out *o, const char *arg, ...)
{
	const char *argv[TT_MAX_ARGS + 1];
	size_t n = 0;
	va_list ap;

	va_start(ap, arg);
	for (const char *a = arg; a != NULL; a = va_arg(ap, const char *)) {
		assert_true(n < TT_MAX_ARGS);
		argv[n++] = a;
	}
	va_end(ap);
	argv[n] = NULL;
	tt_ctlv(o, argv);
}

void
tt_out_free(struct tt_out *o)
{
	free(o->out);
	free(o->err);
	memset(o, 0, sizeof(*o));
}

void
tt_expect(const struct tt_out *o, int want)
{
	if (o->status != want)
		fail_msg("updownctl exited %d, want %d\n--- stdout:\n%s\n--- stderr:\n%s",
		    o->status, want, o->out, o->err);
}

void
tt_has(const char *s, const char *needle)
{
	if (strstr(s, needle) == NULL)
		fail_msg("output lacks \"%s\":\n%s", needle, s);
}

void
tt_hasnt(const char *s, const char *needle)
{
	if (strstr(s, needle) != NULL)
		fail_msg("output has \"%s\":\n%s", needle, s);
}

/* ---- snapshots ---- */

struct lines {
	char **v;
	size_t n, cap;
};

static void
walk(const char *dir, const char *rel, struct lines *l)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[4096], r[4096], line[8400], hex[65] = "-";
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		snprintf(r, sizeof(r), "%s%s", rel, e->d_name);
		assert_int_equal(lstat(path, &st), 0);
		if (S_ISREG(st.st_mode)) {
			size_t len;
			unsigned char *b = tt_read(path, &len), h[32];

			mbedtls_sha256_ret(b, len, h, 0);
			free(b);
			for (int i = 0; i < 32; i++)
				snprintf(hex + 2 * i, 3, "%02x", h[i]);
		}
		snprintf(line, sizeof(line), "%s %o %s\n", r, (unsigned)st.st_mode, hex);
		if (l->n == l->cap) {
			l->cap = l->cap ? 2 * l->cap : 32;
			l->v = realloc(l->v, l->cap * sizeof(*l->v));
			assert_non_null(l->v);
		}
		l->v[l->n++] = strdup(line);
		if (S_ISDIR(st.st_mode)) {
			char sub[4100];

			snprintf(sub, sizeof(sub), "%s/", r);
			walk(path, sub, l);
		}
	}
	closedir(d);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* See tt_util.h. */
char *
tt_snapshot(const char *dir)
{
	struct lines l = { 0 };
	size_t total = 1;
	char *s;

	walk(dir, "", &l);
	qsort(l.v, l.n, sizeof(*l.v), cmp_str);
	for (size_t i = 0; i < l.n; i++)
		total += strlen(l.v[i]);
	s = malloc(total);
	assert_non_null(s);
	s[0] = '\0';
	for (size_t i = 0; i < l.n; i++) {
		strcat(s, l.v[i]);
		free(l.v[i]);
	}
	free(l.v);
	return s;
}

/* ---- paths and files ---- */

static void
rm_tmpdir(void)
{
	char cmd[256];

	if (tt_dir[0] != '\0' && getenv("UPDOWN_KEEP_TMP") == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", tt_dir, tt_io);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tt_dir);
	}
}

const char *
tt_tmpdir(void)
{
	if (tt_dir[0] == '\0') {
		snprintf(tt_dir, sizeof(tt_dir), "/tmp/updown-tools.XXXXXX");
		assert_non_null(mkdtemp(tt_dir));
		snprintf(tt_io, sizeof(tt_io), "/tmp/updown-tools-io.XXXXXX");
		assert_non_null(mkdtemp(tt_io));
		atexit(rm_tmpdir);
	}
	return tt_dir;
}

const char *
tt_path(const char *fmt, ...)
{
	static char buf[8][1024];
	static int i;
	va_list ap;
	int n;

	i = (i + 1) % 8;
	n = snprintf(buf[i], sizeof(buf[i]), "%s/", tt_tmpdir());
	va_start(ap, fmt);
	vsnprintf(buf[i] + n, sizeof(buf[i]) - (size_t)n, fmt, ap);
	va_end(ap);
	return buf[i];
}

const char *
tt_interop(const char *rel)
{
	static char buf[8][1024];
	static int i;
	const char *base = getenv("UPDOWN_TESTDATA");

	assert_non_null(base);
	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/interop/%s", base, rel);
	return buf[i];
}

unsigned char *
tt_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b = NULL;
	size_t n = 0, cap = 0;

	if (f == NULL)
		fail_msg("cannot read %s", path);
	for (;;) {
		size_t got;

		if (cap - n < 4096) {
			cap = cap ? 2 * cap : 65536;
			b = realloc(b, cap + 1);
			assert_non_null(b);
		}
		got = fread(b + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	b[n] = '\0';
	*len = n;
	return b;
}

void
tt_write(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* ---- a strict JSON checker (RFC 8259), for --json outputs ---- */

static const char *json_value(const char *p, int depth);

static const char *
json_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *
json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f') ||
					    (p[i] >= 'A' && p[i] <= 'F')))
						return NULL;
				p += 5;
				continue;
			}
			if (strchr("\"\\/bfnrt", *p) == NULL || *p == '\0')
				return NULL;
		}
		p++;
	}
	return p + 1;
}

static const char *
json_number(const char *p)
{
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return p;
}

static const char *
json_container(const char *p, int depth, char close)
{
	p = json_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (close == '}') {
			if ((p = json_string(json_ws(p))) == NULL)
				return NULL;
			p = json_ws(p);
			if (*p++ != ':')
				return NULL;
		}
		if ((p = json_value(p, depth + 1)) == NULL)
			return NULL;
		p = json_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *
json_value(const char *p, int depth)
{
	if (depth > 64)
		return NULL;
	p = json_ws(p);
	switch (*p) {
	case '{': return json_container(p, depth, '}');
	case '[': return json_container(p, depth, ']');
	case '"': return json_string(p);
	case 't': return strncmp(p, "true", 4) == 0 ? p + 4 : NULL;
	case 'f': return strncmp(p, "false", 5) == 0 ? p + 5 : NULL;
	case 'n': return strncmp(p, "null", 4) == 0 ? p + 4 : NULL;
	default: return json_number(p);
	}
}

bool
tt_json_valid(const char *s)
{
	const char *end = json_value(s, 0);

	return end != NULL && *json_ws(end) == '\0';
}
