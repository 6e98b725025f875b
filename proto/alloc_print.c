/*
 * proto/alloc: the canonical text of a table (alloc_print) and the
 * human-readable diff (alloc_diff_print). Both build one malloc'd string.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>

#include "proto/alloc.h"
#include "proto/updown.h"

struct sbuf {
	char *b;
	size_t n, alloc;
	int rc;
};

static void
sb_put(struct sbuf *s, const char *p, size_t n)
{
	if (s->rc != 0)
		return;
	if (n > SIZE_MAX - s->n - 1) {
		s->rc = ALLOC_ERR_NOMEM;
		return;
	}
	if (s->n + n + 1 > s->alloc) {
		size_t want = s->alloc < 1024 ? 1024 : s->alloc;
		char *b;

		while (want < s->n + n + 1) {
			if (want > SIZE_MAX / 2) {
				s->rc = ALLOC_ERR_NOMEM;
				return;
			}
			want *= 2;
		}
		if ((b = realloc(s->b, want)) == NULL) {
			s->rc = ALLOC_ERR_NOMEM;
			return;
		}
		s->b = b;
		s->alloc = want;
	}
	memcpy(s->b + s->n, p, n);
	s->n += n;
	s->b[s->n] = '\0';
}

static void
sb_str(struct sbuf *s, const char *p)
{
	sb_put(s, p, strlen(p));
}

static void
sb_fmt(struct sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
sb_fmt(struct sbuf *s, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		s->rc = ALLOC_ERR_ARG;
		return;
	}
	sb_put(s, tmp, (size_t)n);
}

/* " ta=BASE64" of a child's BPKI TA, on the child's one line (no continuation). */
static int
write_ta(struct sbuf *s, const struct alloc_child *c)
{
	unsigned char *b64;
	size_t need = 0, got;

	if (c->ta == NULL || c->ta_len > ALLOC_MAX_TA)
		return ALLOC_ERR_ARG;
	(void)mbedtls_base64_encode(NULL, 0, &need, c->ta, c->ta_len);
	if ((b64 = malloc(need)) == NULL)
		return ALLOC_ERR_NOMEM;
	if (mbedtls_base64_encode(b64, need, &got, c->ta, c->ta_len) != 0) {
		free(b64);
		return ALLOC_ERR_ARG;
	}
	sb_str(s, " ta=");
	sb_put(s, (const char *)b64, got);
	free(b64);
	return s->rc;
}

/* Hand the string to the caller (an empty string when nothing was written). */
static int
sb_finish(struct sbuf *s, char **out, size_t *len)
{
	if (s->rc == 0 && s->b == NULL)
		sb_put(s, "", 0);
	if (s->rc != 0) {
		free(s->b);
		return s->rc;
	}
	*out = s->b;
	if (len != NULL)
		*len = s->n;
	return 0;
}

static const char *const fam_key[3] = { "as", "ipv4", "ipv6" };

static const struct res_set *
fam_set(const struct res_bundle *b, int f)
{
	return f == 0 ? &b->as : f == 1 ? &b->v4 : &b->v6;
}

static int
write_time(struct sbuf *s, time_t t)
{
	char buf[UD_TIME_SIZE];

	if (ud_time_format(t, buf) != 0)
		return ALLOC_ERR_ARG;
	sb_str(s, buf);
	return 0;
}

/* One grant statement; continued over lines when wider than ALLOC_PRINT_WIDTH. */
static int
write_grant(struct sbuf *s, const struct alloc_table *t, const struct alloc_child *c,
    const struct alloc_ent *e)
{
	char *txt[3] = { NULL, NULL, NULL };
	size_t width, f;
	bool any = false;
	int rc;

	if (e->cls >= t->nclasses)
		return ALLOC_ERR_ARG;
	for (f = 0; f < 3; f++) {
		if ((rc = res_set_print(fam_set(&e->res, (int)f), &txt[f])) != 0) {
			rc = rc == RES_ERR_NOMEM ? ALLOC_ERR_NOMEM : ALLOC_ERR_ARG;
			goto out;
		}
		if (txt[f][0] != '\0')
			any = true;
	}
	width = strlen("grant   notafter=") + strlen(c->handle) +
	    strlen(t->classes[e->cls].name) + UD_TIME_SIZE - 1;
	for (f = 0; f < 3; f++)
		if (txt[f][0] != '\0')
			width += 2 + strlen(fam_key[f]) + strlen(txt[f]);
	sb_str(s, "grant ");
	sb_str(s, c->handle);
	sb_str(s, " ");
	sb_str(s, t->classes[e->cls].name);
	sb_str(s, " notafter=");
	if ((rc = write_time(s, e->notafter)) != 0)
		goto out;
	if (!any) {
		/* an empty entitlement still needs one resource key to parse */
		sb_str(s, " as=\n");
	} else if (width <= ALLOC_PRINT_WIDTH) {
		for (f = 0; f < 3; f++)
			if (txt[f][0] != '\0') {
				sb_fmt(s, " %s=", fam_key[f]);
				sb_str(s, txt[f]);
			}
		sb_str(s, "\n");
	} else {
		/* one line per chunk: "\tipv6=a,b,c \" ... items never split */
		for (f = 0; f < 3; f++) {
			const char *p = txt[f];

			while (*p != '\0') {
				size_t used = 1 + strlen(fam_key[f]) + 1, il;
				bool first = true;

				sb_str(s, " \\\n\t");
				sb_str(s, fam_key[f]);
				sb_str(s, "=");
				for (;;) {
					const char *comma = strchr(p, ',');

					il = comma != NULL ? (size_t)(comma - p) : strlen(p);
					if (!first && used + 1 + il + 2 > ALLOC_PRINT_WIDTH)
						break;
					if (!first)
						sb_str(s, ",");
					sb_put(s, p, il);
					used += il + (first ? 0 : 1);
					first = false;
					p += il;
					if (*p == '\0')
						break;
					p++;	/* the comma */
				}
			}
		}
		sb_str(s, "\n");
	}
	rc = s->rc;
out:
	for (f = 0; f < 3; f++)
		free(txt[f]);
	return rc;
}

/*
 * Canonical text of t (docs/allocation-table.md, "Canonical form"): version,
 * classes, children, grants; sorted; one grant per (child, class); resource
 * sets in RFC 6492 canonical text (UD-58). *out is malloc'd (caller frees).
 */
int
alloc_print(const struct alloc_table *t, char **out, size_t *len)
{
	struct sbuf s = { NULL, 0, 0, 0 };
	size_t i, j;
	int rc;

	if (t == NULL || out == NULL)
		return ALLOC_ERR_ARG;
	*out = NULL;
	sb_fmt(&s, "version %llu\n", (unsigned long long)t->version);
	if (t->nclasses > 0)
		sb_str(&s, "\n");
	for (i = 0; i < t->nclasses; i++) {
		sb_str(&s, "class ");
		sb_str(&s, t->classes[i].name);
		sb_str(&s, "\n");
	}
	if (t->nchildren > 0)
		sb_str(&s, "\n");
	for (i = 0; i < t->nchildren; i++) {
		sb_str(&s, "child ");
		sb_str(&s, t->children[i].handle);
		if (t->children[i].ta_len > 0 && (rc = write_ta(&s, &t->children[i])) != 0) {
			free(s.b);
			return rc;
		}
		sb_str(&s, "\n");
	}
	for (i = 0, j = 0; i < t->nchildren && j == 0; i++)
		j = t->children[i].nents;
	if (j > 0)
		sb_str(&s, "\n");
	for (i = 0; i < t->nchildren; i++) {
		const struct alloc_child *c = &t->children[i];

		for (j = 0; j < c->nents; j++)
			if ((rc = write_grant(&s, t, c, &c->ents[j])) != 0) {
				free(s.b);
				return rc;
			}
	}
	return sb_finish(&s, out, len);
}

/* " ipv4 -a,b +c" for each family where something changed. */
static int
write_changes(struct sbuf *s, const struct alloc_change *c)
{
	int f, rc = 0;

	for (f = 0; f < 3 && rc == 0; f++) {
		const struct res_set *minus = fam_set(&c->minus, f), *plus = fam_set(&c->plus, f);
		char *m = NULL, *p = NULL;

		if (res_set_is_empty(minus) && res_set_is_empty(plus))
			continue;
		if (res_set_print(minus, &m) != 0 || res_set_print(plus, &p) != 0) {
			rc = ALLOC_ERR_NOMEM;
		} else {
			sb_fmt(s, " %s", fam_key[f]);
			if (m[0] != '\0') {
				sb_str(s, " -");
				sb_str(s, m);
			}
			if (p[0] != '\0') {
				sb_str(s, " +");
				sb_str(s, p);
			}
		}
		free(m);
		free(p);
	}
	return rc;
}

/*
 * The diff as text, one line per change (docs/allocation-table.md, "Diff"):
 *   version 41 -> 42
 *   + class NEW / - class OLD / + child isp-c / - child isp-z
 *   isp-a/DEFAULT: ipv4 -192.0.2.128/25 +198.51.100.0/24
 *   isp-c/DEFAULT: added as +64500 notafter 2026-01-01T00:00:00Z
 *   isp-z/DEFAULT: removed ipv6 -2001:db8::/32
 *   shrinking or removed: 1 of 5 entitlements (20.0%)
 * *out is malloc'd (caller frees).
 */
int
alloc_diff_print(const struct alloc_diff *d, char **out, size_t *len)
{
	struct sbuf s = { NULL, 0, 0, 0 };
	struct alloc_share sh;
	size_t i;
	int rc;

	if (d == NULL || out == NULL)
		return ALLOC_ERR_ARG;
	*out = NULL;
	sb_fmt(&s, "version %llu -> %llu\n", (unsigned long long)d->old_version,
	    (unsigned long long)d->new_version);
	for (i = 0; i < d->nclasses_added; i++)
		sb_str(&s, "+ class "), sb_str(&s, d->classes_added[i]), sb_str(&s, "\n");
	for (i = 0; i < d->nclasses_removed; i++)
		sb_str(&s, "- class "), sb_str(&s, d->classes_removed[i]), sb_str(&s, "\n");
	for (i = 0; i < d->nchildren_added; i++)
		sb_str(&s, "+ child "), sb_str(&s, d->children_added[i]), sb_str(&s, "\n");
	for (i = 0; i < d->nchildren_removed; i++)
		sb_str(&s, "- child "), sb_str(&s, d->children_removed[i]), sb_str(&s, "\n");
	for (i = 0; i < d->nchanges; i++) {
		const struct alloc_change *c = &d->changes[i];

		sb_str(&s, c->handle);
		sb_str(&s, "/");
		sb_str(&s, c->class_name);
		sb_str(&s, ":");
		if (c->kind == ALLOC_CH_ADDED)
			sb_str(&s, " added");
		else if (c->kind == ALLOC_CH_REMOVED)
			sb_str(&s, " removed");
		if ((rc = write_changes(&s, c)) != 0)
			goto fail;
		if (c->kind == ALLOC_CH_ADDED) {
			sb_str(&s, " notafter ");
			if ((rc = write_time(&s, c->new_notafter)) != 0)
				goto fail;
		} else if (c->kind != ALLOC_CH_REMOVED && c->notafter_changed) {
			sb_str(&s, " notafter ");
			if ((rc = write_time(&s, c->old_notafter)) != 0)
				goto fail;
			sb_str(&s, " -> ");
			if ((rc = write_time(&s, c->new_notafter)) != 0)
				goto fail;
		}
		sb_str(&s, "\n");
	}
	alloc_diff_share(d, &sh);
	sb_fmt(&s, "shrinking or removed: %zu of %zu entitlements (%.1f%%)\n",
	    sh.shrinking, sh.total, sh.fraction * 100.0);
	return sb_finish(&s, out, len);
fail:
	free(s.b);
	return rc;
}
