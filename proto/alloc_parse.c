/*
 * proto/alloc: the allocation table text parser (docs/allocation-table.md).
 *
 * Two passes. The first walks physical lines with a pointer/end pair:
 * bytes (UTF-8, no controls), comments, '\' continuations, then each
 * statement's tokens; it collects classes, children and grants, each grant
 * with its ranges still unsorted. The second sorts the declarations,
 * finds duplicates, resolves each grant's child and class by binary search
 * and merges the grants of one (child, class) into one entitlement.
 *
 * Every problem is reported with "source:line:"; alloc_parse() stops at the
 * first, alloc_parse_all() goes on (skipping the bad statement) so that the
 * operator sees all of them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/base64.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>

#include "proto/alloc.h"
#include "proto/oob.h"
#include "proto/updown.h"

/* ---- names and bytes ---- */

/*
 * Decode one UTF-8 sequence strictly (no overlongs, surrogates or values
 * above U+10FFFF). Returns its length (1..4) and the code point, or 0.
 */
static size_t
utf8_decode(const unsigned char *p, const unsigned char *e, uint32_t *cp)
{
	unsigned char b = p[0];
	size_t n, i;
	uint32_t v, min;

	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	if (b >= 0xc2 && b <= 0xdf) {
		n = 2; v = b & 0x1f; min = 0x80;
	} else if (b >= 0xe0 && b <= 0xef) {
		n = 3; v = b & 0x0f; min = 0x800;
	} else if (b >= 0xf0 && b <= 0xf4) {
		n = 4; v = b & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if ((size_t)(e - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

/* C0, DEL and C1 controls; TAB is handled by the caller. */
static bool
is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/* Unicode white space and invisible format characters (incl. bidi controls). */
static bool
is_space_or_invisible(uint32_t cp)
{
	return cp == 0x20 || cp == 0xa0 || cp == 0x1680 || cp == 0x180e ||
	    (cp >= 0x2000 && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202f) ||
	    (cp >= 0x205f && cp <= 0x206f) || cp == 0x3000 || cp == 0xfeff;
}

/* Why name is not a valid class name, or NULL when it is. */
static const char *
class_name_problem(const char *name, size_t len)
{
	const unsigned char *p = (const unsigned char *)name, *e = p + len;
	size_t chars = 0, n;
	uint32_t cp;

	if (name == NULL || len == 0)
		return "empty class name";
	if (name[0] == '#')
		return "class name starts with '#' (it would start a comment)";
	if (name[len - 1] == '\\')
		return "class name ends with '\\' (it would continue the line)";
	while (p < e) {
		if ((n = utf8_decode(p, e, &cp)) == 0)
			return "class name is not valid UTF-8";
		if (is_control(cp))
			return "class name contains a control character";
		if (is_space_or_invisible(cp))
			return "class name contains white space or an invisible character";
		p += n;
		if (++chars > ALLOC_MAX_CLASS_NAME)
			return "class name longer than 1024 characters (RFC 6492 section 3.7)";
	}
	return NULL;
}

/* True when name[0..len) is a valid class name (docs/allocation-table.md). */
bool
alloc_class_name_ok(const char *name, size_t len)
{
	return class_name_problem(name, len) == NULL;
}

/* True when handle[0..len) is an RFC 8183 handle: [-_A-Za-z0-9/]{1,255}. */
bool
alloc_handle_ok(const char *handle, size_t len)
{
	char buf[ALLOC_MAX_HANDLE + 1];

	if (handle == NULL || len == 0 || len > ALLOC_MAX_HANDLE ||
	    memchr(handle, '\0', len) != NULL)
		return false;
	memcpy(buf, handle, len);
	buf[len] = '\0';
	return oob_handle_ok(buf);
}

/* ---- parser state ---- */

struct pdecl {
	char *name;
	unsigned long line;
	unsigned char *ta;         /* child ta=, DER; NULL when absent */
	size_t ta_len;
};

struct pgrant {
	char *handle;
	char *cls;
	unsigned long line;
	struct alloc_acc acc[3];   /* as, ipv4, ipv6 */
	bool has_na;
	time_t na;
	size_t ci, hi;             /* resolved class and child index */
	bool ok;                   /* resolved */
};

struct pvec {
	void *v;
	size_t n, alloc, size;
};

struct pctx {
	const char *source;
	struct alloc_errs *errs;   /* NULL: stop at the first error */
	struct alloc_error *first; /* may be NULL */
	int rc;                    /* first error's code */
	bool stop;
	/* the statement being assembled */
	char *stmt;
	size_t slen, salloc;
	/* contents */
	bool have_version, version_reported;
	unsigned long version_line;
	uint64_t version;
	unsigned long nstatements;
	size_t nranges;
	struct pvec classes, children, grants;
};

static const char *const fam_key[3] = { "as", "ipv4", "ipv6" };

/* "source:line: body" into dst, cut to size. */
static void
put_msg(char *dst, size_t size, const char *src, unsigned long line, const char *body)
{
	int n;

	if (line > 0)
		n = snprintf(dst, size, "%s:%lu: %s", src, line, body);
	else
		n = snprintf(dst, size, "%s: %s", src, body);
	if (n < 0)
		dst[0] = '\0';
}

/*
 * Record an error. The first one goes to ctx->first; all go to ctx->errs
 * when collecting. Fatal errors (or any error when not collecting) stop the
 * parse. Returns code.
 */
static int
perr(struct pctx *ctx, bool fatal, int code, unsigned long line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int
perr(struct pctx *ctx, bool fatal, int code, unsigned long line, const char *fmt, ...)
{
	char body[ALLOC_MSG_SIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	if (ctx->rc == 0) {
		ctx->rc = code;
		if (ctx->first != NULL) {
			ctx->first->code = code;
			ctx->first->line = line;
			put_msg(ctx->first->msg, sizeof(ctx->first->msg), ctx->source, line,
			    body);
		}
	}
	if (ctx->errs != NULL) {
		if (alloc_errs_add(ctx->errs, ALLOC_SEV_ERROR, code, ctx->source, line,
		    "%s", body) != 0)
			fatal = true;
	}
	if (fatal || ctx->errs == NULL || code == ALLOC_ERR_NOMEM)
		ctx->stop = true;
	return code;
}

static int
nomem(struct pctx *ctx, unsigned long line)
{
	return perr(ctx, true, ALLOC_ERR_NOMEM, line, "out of memory");
}

/* Append one zeroed element; NULL when out of memory. */
static void *
pvec_push(struct pvec *v)
{
	void *p;

	if (v->n == v->alloc) {
		size_t want = v->alloc == 0 ? 64 : v->alloc * 2;

		if (want > SIZE_MAX / v->size)
			return NULL;
		if ((p = realloc(v->v, want * v->size)) == NULL)
			return NULL;
		v->v = p;
		v->alloc = want;
	}
	p = (char *)v->v + v->n * v->size;
	memset(p, 0, v->size);
	v->n++;
	return p;
}

static void
grant_free(struct pgrant *g)
{
	free(g->handle);
	free(g->cls);
	for (int f = 0; f < 3; f++)
		alloc_acc_free(&g->acc[f]);
}

static void
pctx_free(struct pctx *ctx)
{
	struct pdecl *d;
	struct pgrant *g;
	size_t i;

	d = ctx->classes.v;
	for (i = 0; i < ctx->classes.n; i++)
		free(d[i].name);
	d = ctx->children.v;
	for (i = 0; i < ctx->children.n; i++) {
		free(d[i].name);
		free(d[i].ta);
	}
	g = ctx->grants.v;
	for (i = 0; i < ctx->grants.n; i++)
		grant_free(&g[i]);
	free(ctx->classes.v);
	free(ctx->children.v);
	free(ctx->grants.v);
	free(ctx->stmt);
}

/* ---- tokens ---- */

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Next blank-separated token of [*p, e): true and (*t, *tl), or false at the end. */
static bool
next_tok(const char **p, const char *e, const char **t, size_t *tl)
{
	const char *q = *p;

	while (q < e && is_blank(*q))
		q++;
	if (q == e) {
		*p = q;
		return false;
	}
	*t = q;
	while (q < e && !is_blank(*q))
		q++;
	*tl = (size_t)(q - *t);
	*p = q;
	return true;
}

static bool
tok_is(const char *t, size_t tl, const char *word)
{
	return strlen(word) == tl && memcmp(t, word, tl) == 0;
}

/* At most max bytes of t, cut back to a UTF-8 boundary; for messages. */
static int
show_len(const char *t, size_t tl, size_t max)
{
	if (tl <= max)
		return (int)tl;
	while (max > 0 && ((unsigned char)t[max] & 0xc0) == 0x80)
		max--;
	return (int)max;
}

#define SHOW 80
#define SHOWT(t, tl) show_len((t), (tl), SHOW), (t), ((tl) > SHOW ? "..." : "")

static char *
dup_tok(const char *t, size_t tl)
{
	char *s = malloc(tl + 1);

	if (s != NULL) {
		memcpy(s, t, tl);
		s[tl] = '\0';
	}
	return s;
}

/* ---- statements ---- */

/* Unsigned 64-bit decimal, no sign, no leading zeros. */
static bool
parse_u64(const char *t, size_t tl, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (tl == 0 || tl > 20 || (tl > 1 && t[0] == '0'))
		return false;
	for (i = 0; i < tl; i++) {
		unsigned d;

		if (t[i] < '0' || t[i] > '9')
			return false;
		d = (unsigned)(t[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static void
st_version(struct pctx *ctx, unsigned long line, const char *p, const char *e)
{
	const char *t, *x;
	size_t tl, xl;
	uint64_t v;

	if (ctx->have_version) {
		perr(ctx, false, ALLOC_ERR_VERSION, line,
		    "version given again (first at line %lu)", ctx->version_line);
		return;
	}
	if (ctx->nstatements > 1) {
		perr(ctx, false, ALLOC_ERR_VERSION, line,
		    "version must be the first statement");
		return;
	}
	if (!next_tok(&p, e, &t, &tl) || next_tok(&p, e, &x, &xl)) {
		perr(ctx, false, ALLOC_ERR_SYNTAX, line, "expected 'version N'");
		return;
	}
	if (!parse_u64(t, tl, &v)) {
		perr(ctx, false, ALLOC_ERR_VERSION, line,
		    "version '%.*s%s' is not an unsigned 64-bit decimal number "
		    "without leading zeros", SHOWT(t, tl));
		return;
	}
	ctx->have_version = true;
	ctx->version = v;
	ctx->version_line = line;
}

/*
 * A child's "ta=" value: canonical padded base64 (RFC 4648 section 4) of a
 * DER X.509 certificate with basicConstraints cA TRUE (RFC 8183
 * child_bpki_ta; UD-152's time and signature checks are alloc_validate()'s).
 * On success *der (malloc'd) and *der_len are set.
 */
static bool
parse_ta(struct pctx *ctx, unsigned long line, const char *v, size_t vl,
    unsigned char **der, size_t *der_len)
{
	unsigned char *buf = NULL, *enc = NULL, *q;
	size_t n = 0, el = 0, l;
	mbedtls_x509_crt crt;
	bool ok = false;

	mbedtls_x509_crt_init(&crt);
	if (vl == 0) {
		perr(ctx, false, ALLOC_ERR_TA, line, "ta: empty value");
		goto out;
	}
	if (vl > (ALLOC_MAX_TA + 2) / 3 * 4) {
		perr(ctx, false, ALLOC_ERR_LIMIT, line, "ta: certificate larger than %u bytes",
		    ALLOC_MAX_TA);
		goto out;
	}
	if ((buf = malloc(vl)) == NULL || (enc = malloc(vl + 1)) == NULL) {
		nomem(ctx, line);
		goto out;
	}
	if (mbedtls_base64_decode(buf, vl, &n, (const unsigned char *)v, vl) != 0 || n == 0 ||
	    mbedtls_base64_encode(enc, vl + 1, &el, buf, n) != 0 || el != vl ||
	    memcmp(enc, v, vl) != 0) {
		perr(ctx, false, ALLOC_ERR_TA, line,
		    "ta: not canonical base64 (RFC 4648 section 4, with padding, no blanks)");
		goto out;
	}
	/* one DER certificate, nothing after it */
	q = buf;
	if (mbedtls_asn1_get_tag(&q, buf + n, &l,
	    MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0 || l != (size_t)(buf + n - q) ||
	    mbedtls_x509_crt_parse_der(&crt, buf, n) != 0) {
		perr(ctx, false, ALLOC_ERR_TA, line,
		    "ta: not a DER X.509 certificate (RFC 5280 section 4.1)");
		goto out;
	}
	if ((crt.ext_types & MBEDTLS_X509_EXT_BASIC_CONSTRAINTS) == 0 || !crt.ca_istrue) {
		perr(ctx, false, ALLOC_ERR_TA, line,
		    "ta: not a CA certificate: no basicConstraints cA TRUE (RFC 8183 "
		    "child_bpki_ta, UD-152)");
		goto out;
	}
	*der = buf;
	*der_len = n;
	buf = NULL;
	ok = true;
out:
	mbedtls_x509_crt_free(&crt);
	free(buf);
	free(enc);
	return ok;
}

/* class NAME and child HANDLE [ta=BASE64]. */
static void
st_decl(struct pctx *ctx, unsigned long line, const char *p, const char *e, bool is_class)
{
	const char *what = is_class ? "class" : "child";
	struct pvec *vec = is_class ? &ctx->classes : &ctx->children;
	const char *t, *x, *y, *why;
	struct pdecl *d;
	size_t tl, xl, yl;
	bool has_ta = false;

	if (!next_tok(&p, e, &t, &tl)) {
		perr(ctx, false, ALLOC_ERR_SYNTAX, line, "expected '%s %s'", what,
		    is_class ? "NAME" : "HANDLE [ta=BASE64]");
		return;
	}
	if (next_tok(&p, e, &x, &xl)) {
		if (is_class || xl < 3 || memcmp(x, "ta=", 3) != 0 || next_tok(&p, e, &y, &yl)) {
			perr(ctx, false, ALLOC_ERR_SYNTAX, line, "expected '%s %s'", what,
			    is_class ? "NAME" : "HANDLE [ta=BASE64]");
			return;
		}
		has_ta = true;
	}
	if (is_class) {
		if ((why = class_name_problem(t, tl)) != NULL) {
			perr(ctx, false, ALLOC_ERR_NAME, line, "%s: '%.*s%s'", why, SHOWT(t, tl));
			return;
		}
		if (vec->n >= ALLOC_MAX_CLASSES) {
			perr(ctx, true, ALLOC_ERR_LIMIT, line, "more than %u classes",
			    ALLOC_MAX_CLASSES);
			return;
		}
	} else {
		if (!alloc_handle_ok(t, tl)) {
			perr(ctx, false, ALLOC_ERR_NAME, line,
			    "child handle '%.*s%s' is not [-_A-Za-z0-9/]{1,255} (RFC 8183)",
			    SHOWT(t, tl));
			return;
		}
		if (vec->n >= ALLOC_MAX_CHILDREN) {
			perr(ctx, true, ALLOC_ERR_LIMIT, line, "more than %u children",
			    ALLOC_MAX_CHILDREN);
			return;
		}
	}
	{
		unsigned char *ta = NULL;
		size_t ta_len = 0;

		if (has_ta && !parse_ta(ctx, line, x + 3, xl - 3, &ta, &ta_len))
			return;
		if ((d = pvec_push(vec)) == NULL || (d->name = dup_tok(t, tl)) == NULL) {
			if (d != NULL)
				vec->n--;
			free(ta);
			nomem(ctx, line);
			return;
		}
		d->line = line;
		d->ta = ta;
		d->ta_len = ta_len;
	}
}

/* Describe why value (which res_set_parse refused with rc) is bad. */
static void
res_problem(struct pctx *ctx, unsigned long line, int f, const char *v, size_t vl, int rc)
{
	const char *p = v, *e = v + vl, *c;
	struct res_set s;

	if (rc == RES_ERR_LIMIT) {
		perr(ctx, false, ALLOC_ERR_LIMIT, line,
		    "%s: more than %u bytes or %u items in one value (split it: "
		    "several %s= add up)", fam_key[f], RES_MAX_TEXT, RES_MAX_RANGES, fam_key[f]);
		return;
	}
	if (rc == RES_ERR_NOMEM) {
		nomem(ctx, line);
		return;
	}
	/* find the first item that fails on its own */
	for (;;) {
		size_t il;

		c = memchr(p, ',', (size_t)(e - p));
		il = (size_t)((c != NULL ? c : e) - p);
		if (il == 0) {
			perr(ctx, false, ALLOC_ERR_RESOURCE, line,
			    "%s: empty item in '%.*s%s' (RFC 6492 section 3.3.2)",
			    fam_key[f], SHOWT(v, vl));
			return;
		}
		rc = res_set_parse(&s, (enum res_family)f, p, il);
		res_set_free(&s);
		if (rc != 0)
			break;
		if (c == NULL) {
			perr(ctx, false, ALLOC_ERR_RESOURCE, line,
			    "%s: invalid resource set '%.*s%s' (RFC 6492 section 3.3.2)",
			    fam_key[f], SHOWT(v, vl));
			return;
		}
		p = c + 1;
	}
	{
		size_t il = (size_t)((c != NULL ? c : e) - p);
		const char *why;

		switch (rc) {
		case RES_ERR_HOSTBITS: why = "host bits set in"; break;
		case RES_ERR_RANGE: why = "number out of range or reversed range"; break;
		case RES_ERR_FAMILY: why = "wrong address family"; break;
		case RES_ERR_NOMEM: nomem(ctx, line); return;
		default: why = f == RES_AS ? "not an AS number or range" :
		    "not an address, prefix or range"; break;
		}
		perr(ctx, false, ALLOC_ERR_RESOURCE, line,
		    "%s: %s %.*s%s (RFC 6492 section 3.3.2)", fam_key[f], why, SHOWT(p, il));
	}
}

static void
st_grant(struct pctx *ctx, unsigned long line, const char *p, const char *e)
{
	const char *h, *c, *t, *why;
	size_t hl, cl, tl;
	struct pgrant g, *slot;
	bool any_res = false;
	int f, rc;

	memset(&g, 0, sizeof(g));
	for (f = 0; f < 3; f++)
		alloc_acc_init(&g.acc[f], (enum res_family)f);
	g.line = line;
	if (!next_tok(&p, e, &h, &hl) || !next_tok(&p, e, &c, &cl)) {
		perr(ctx, false, ALLOC_ERR_SYNTAX, line,
		    "expected 'grant HANDLE CLASS key=value...'");
		goto out;
	}
	if (!alloc_handle_ok(h, hl)) {
		perr(ctx, false, ALLOC_ERR_NAME, line,
		    "child handle '%.*s%s' is not [-_A-Za-z0-9/]{1,255} (RFC 8183)",
		    SHOWT(h, hl));
		goto out;
	}
	if ((why = class_name_problem(c, cl)) != NULL) {
		perr(ctx, false, ALLOC_ERR_NAME, line, "%s: '%.*s%s'", why, SHOWT(c, cl));
		goto out;
	}
	if (ctx->grants.n >= ALLOC_MAX_GRANTS) {
		perr(ctx, true, ALLOC_ERR_LIMIT, line, "more than %u grant statements",
		    ALLOC_MAX_GRANTS);
		goto out;
	}
	while (next_tok(&p, e, &t, &tl)) {
		const char *eq = memchr(t, '=', tl), *v;
		size_t kl, vl;

		if (eq == NULL) {
			perr(ctx, false, ALLOC_ERR_SYNTAX, line,
			    "expected key=value, got '%.*s%s'", SHOWT(t, tl));
			goto out;
		}
		kl = (size_t)(eq - t);
		v = eq + 1;
		vl = tl - kl - 1;
		if (tok_is(t, kl, "notafter")) {
			time_t na;

			if (ud_time_parse(v, vl, &na) != 0) {
				perr(ctx, false, ALLOC_ERR_NOTAFTER, line,
				    "notafter: '%.*s%s' is not YYYY-MM-DDThh:mm:ssZ "
				    "(RFC 6492 section 3.3.2)", SHOWT(v, vl));
				goto out;
			}
			if (g.has_na && na != g.na) {
				perr(ctx, false, ALLOC_ERR_NOTAFTER, line,
				    "notafter given twice with different values");
				goto out;
			}
			g.has_na = true;
			g.na = na;
			continue;
		}
		for (f = 0; f < 3; f++)
			if (tok_is(t, kl, fam_key[f]))
				break;
		if (f == 3) {
			perr(ctx, false, ALLOC_ERR_SYNTAX, line,
			    "unknown key '%.*s%s' (expected as, ipv4, ipv6 or notafter)",
			    SHOWT(t, kl));
			goto out;
		}
		any_res = true;
		{
			struct res_set s;

			if ((rc = res_set_parse(&s, (enum res_family)f, v, vl)) != 0) {
				res_set_free(&s);
				res_problem(ctx, line, f, v, vl, rc);
				goto out;
			}
			if (s.count > ALLOC_MAX_RANGES - ctx->nranges) {
				res_set_free(&s);
				perr(ctx, true, ALLOC_ERR_LIMIT, line,
				    "more than %u ranges in the table", ALLOC_MAX_RANGES);
				goto out;
			}
			ctx->nranges += s.count;
			rc = alloc_acc_add_set(&g.acc[f], &s);
			res_set_free(&s);
			if (rc != 0) {
				nomem(ctx, line);
				goto out;
			}
		}
	}
	if (!any_res) {
		perr(ctx, false, ALLOC_ERR_SYNTAX, line,
		    "grant needs at least one of as=, ipv4=, ipv6=");
		goto out;
	}
	if ((g.handle = dup_tok(h, hl)) == NULL || (g.cls = dup_tok(c, cl)) == NULL ||
	    (slot = pvec_push(&ctx->grants)) == NULL) {
		nomem(ctx, line);
		goto out;
	}
	*slot = g;
	return;	/* slot owns everything now */
out:
	grant_free(&g);
}

/* One complete statement (continuations joined), line = its first line. */
static void
statement(struct pctx *ctx, unsigned long line, const char *p, const char *e)
{
	const char *t;
	size_t tl;

	if (!next_tok(&p, e, &t, &tl))
		return;	/* blank or comment only */
	ctx->nstatements++;
	if (ctx->nstatements == 1 && !tok_is(t, tl, "version")) {
		ctx->version_reported = true;
		perr(ctx, false, ALLOC_ERR_VERSION, line,
		    "the first statement must be 'version N'");
		if (ctx->stop)
			return;
	}
	if (tok_is(t, tl, "version"))
		st_version(ctx, line, p, e);
	else if (tok_is(t, tl, "class"))
		st_decl(ctx, line, p, e, true);
	else if (tok_is(t, tl, "child"))
		st_decl(ctx, line, p, e, false);
	else if (tok_is(t, tl, "grant"))
		st_grant(ctx, line, p, e);
	else
		perr(ctx, false, ALLOC_ERR_SYNTAX, line,
		    "unknown statement '%.*s%s' (expected version, class, child or grant)",
		    SHOWT(t, tl));
}

/* 0, or the 1-based column of the first byte that is not allowed. */
static size_t
bad_byte(const char *s, size_t n, const char **why)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n, *b = p;
	uint32_t cp;
	size_t k;

	while (p < e) {
		if (*p == '\t') {
			p++;
			continue;
		}
		if ((k = utf8_decode(p, e, &cp)) == 0) {
			*why = "invalid UTF-8";
			return (size_t)(p - b) + 1;
		}
		if (is_control(cp)) {
			*why = cp == 0 ? "NUL byte" : "control character";
			return (size_t)(p - b) + 1;
		}
		p += k;
	}
	return 0;
}

static int
stmt_append(struct pctx *ctx, const char *s, size_t n, bool space)
{
	size_t need = ctx->slen + n + (space ? 1 : 0);

	if (need > ctx->salloc) {
		size_t want = ctx->salloc < 256 ? 256 : ctx->salloc;
		char *b;

		while (want < need)
			want *= 2;
		if ((b = realloc(ctx->stmt, want)) == NULL)
			return ALLOC_ERR_NOMEM;
		ctx->stmt = b;
		ctx->salloc = want;
	}
	if (n > 0)
		memcpy(ctx->stmt + ctx->slen, s, n);
	ctx->slen += n;
	if (space)
		ctx->stmt[ctx->slen++] = ' ';
	return 0;
}

/* Pass 1: physical lines -> statements. */
static void
pass1(struct pctx *ctx, const char *text, size_t len)
{
	const char *p = text, *e = text + len;
	unsigned long line = 0, sline = 0;
	bool cont = false, broken = false;

	/* a UTF-8 byte order mark is tolerated at the very start */
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < e && !ctx->stop) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *le = nl != NULL ? nl : e, *why = NULL;
		size_t n = (size_t)(le - p), col, i;
		bool lbroken = false;

		line++;
		if (!cont) {
			sline = line;
			broken = false;
			ctx->slen = 0;
		}
		if (n > ALLOC_MAX_LINE) {
			perr(ctx, false, ALLOC_ERR_LIMIT, line,
			    "line longer than %u bytes (continue it with '\\')", ALLOC_MAX_LINE);
			lbroken = true;
		}
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (!lbroken && (col = bad_byte(p, n, &why)) != 0) {
			perr(ctx, false, ALLOC_ERR_ENCODING, line, "%s at column %zu", why, col);
			lbroken = true;
		}
		/* a comment starts at a '#' that begins a token */
		for (i = 0; i < n; i++)
			if (p[i] == '#' && (i == 0 || is_blank(p[i - 1]))) {
				n = i;
				break;
			}
		while (n > 0 && is_blank(p[n - 1]))
			n--;
		cont = n > 0 && p[n - 1] == '\\';
		if (cont)
			n--;
		if (lbroken)
			broken = true;
		if (!broken) {
			if (ctx->slen + n + 1 > ALLOC_MAX_STATEMENT) {
				perr(ctx, false, ALLOC_ERR_LIMIT, sline,
				    "statement longer than %u bytes", ALLOC_MAX_STATEMENT);
				broken = true;
			} else if (stmt_append(ctx, p, n, cont) != 0) {
				nomem(ctx, line);
				return;
			}
		}
		if (!cont && !broken && !ctx->stop)
			statement(ctx, sline, ctx->stmt, ctx->stmt + ctx->slen);
		p = nl != NULL ? nl + 1 : e;
	}
	if (cont && !ctx->stop)
		perr(ctx, false, ALLOC_ERR_SYNTAX, sline,
		    "'\\' continues the last line past the end of the input");
}

/* ---- pass 2 ---- */

static int
decl_cmp(const void *x, const void *y)
{
	const struct pdecl *a = x, *b = y;
	int c = strcmp(a->name, b->name);

	return c != 0 ? c : (a->line < b->line ? -1 : a->line > b->line);
}

static int
decl_key_cmp(const void *key, const void *elem)
{
	return strcmp((const char *)key, ((const struct pdecl *)elem)->name);
}

/* Sort, report duplicates, keep the first of each name. Returns the unique count. */
static size_t
dedupe(struct pctx *ctx, struct pvec *vec, const char *what)
{
	struct pdecl *d = vec->v;
	size_t i, k = 0;

	if (vec->n == 0)
		return 0;
	qsort(d, vec->n, sizeof(*d), decl_cmp);
	for (i = 1; i < vec->n; i++) {
		if (strcmp(d[i].name, d[k].name) == 0) {
			perr(ctx, false, ALLOC_ERR_DUPLICATE, d[i].line,
			    "%s %s declared again (first at line %lu)", what, d[i].name,
			    d[k].line);
			free(d[i].name);
			free(d[i].ta);
			d[i].name = NULL;
			d[i].ta = NULL;
		} else {
			d[++k] = d[i];
			if (k != i) {
				d[i].name = NULL;
				d[i].ta = NULL;
			}
		}
	}
	vec->n = k + 1;
	return vec->n;
}

static int
grant_cmp(const void *x, const void *y)
{
	const struct pgrant *a = *(struct pgrant *const *)x, *b = *(struct pgrant *const *)y;

	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->ci != b->ci)
		return a->ci < b->ci ? -1 : 1;
	return a->line < b->line ? -1 : a->line > b->line;
}

/* Pass 2: resolve, merge and build the table. */
static void
pass2(struct pctx *ctx, struct alloc_table *t)
{
	struct pdecl *cls, *chl;
	struct pgrant *g = ctx->grants.v, **order = NULL;
	size_t ncls, nchl, nord = 0, i, j;
	char tbuf[UD_TIME_SIZE], tbuf2[UD_TIME_SIZE];

	if (!ctx->have_version && !ctx->version_reported)
		perr(ctx, false, ALLOC_ERR_VERSION, 0, "no 'version N' statement");
	if (ctx->stop)
		return;
	ncls = dedupe(ctx, &ctx->classes, "class");
	nchl = dedupe(ctx, &ctx->children, "child");
	cls = ctx->classes.v;
	chl = ctx->children.v;

	if (ctx->grants.n > 0 &&
	    (order = malloc(ctx->grants.n * sizeof(*order))) == NULL) {
		nomem(ctx, 0);
		return;
	}
	for (i = 0; i < ctx->grants.n && !ctx->stop; i++) {
		struct pdecl *dc = ncls > 0 ? bsearch(g[i].cls, cls, ncls, sizeof(*cls),
		    decl_key_cmp) : NULL;
		struct pdecl *dh = nchl > 0 ? bsearch(g[i].handle, chl, nchl, sizeof(*chl),
		    decl_key_cmp) : NULL;

		if (dh == NULL)
			perr(ctx, false, ALLOC_ERR_UNKNOWN, g[i].line,
			    "grant to undeclared child %s", g[i].handle);
		if (dc == NULL)
			perr(ctx, false, ALLOC_ERR_UNKNOWN, g[i].line,
			    "grant in undeclared class %s", g[i].cls);
		if (dh == NULL || dc == NULL)
			continue;
		g[i].ci = (size_t)(dc - cls);
		g[i].hi = (size_t)(dh - chl);
		g[i].ok = true;
		order[nord++] = &g[i];
	}
	if (nord > 0)
		qsort(order, nord, sizeof(*order), grant_cmp);

	/* notafter: at least one per group, all agreeing */
	for (i = 0; i < nord && !ctx->stop; i = j) {
		struct pgrant *na = NULL;

		for (j = i; j < nord && order[j]->hi == order[i]->hi &&
		    order[j]->ci == order[i]->ci; j++) {
			if (!order[j]->has_na)
				continue;
			if (na == NULL) {
				na = order[j];
			} else if (order[j]->na != na->na) {
				ud_time_format(order[j]->na, tbuf);
				ud_time_format(na->na, tbuf2);
				perr(ctx, false, ALLOC_ERR_NOTAFTER, order[j]->line,
				    "%s/%s: notafter %s disagrees with %s at line %lu",
				    chl[order[i]->hi].name, cls[order[i]->ci].name, tbuf, tbuf2,
				    na->line);
			}
		}
		if (na == NULL)
			perr(ctx, false, ALLOC_ERR_NOTAFTER, order[i]->line,
			    "%s/%s: no notafter= on any of its grant statements "
			    "(required once per child and class)",
			    chl[order[i]->hi].name, cls[order[i]->ci].name);
		else
			order[i]->na = na->na;
	}
	if (ctx->rc != 0)
		goto out;

	/* build: classes and children move their names into t */
	if ((ncls > 0 && (t->classes = calloc(ncls, sizeof(*t->classes))) == NULL) ||
	    (nchl > 0 && (t->children = calloc(nchl, sizeof(*t->children))) == NULL)) {
		nomem(ctx, 0);
		goto out;
	}
	for (i = 0; i < ncls; i++) {
		t->classes[i].name = cls[i].name;
		t->classes[i].line = cls[i].line;
		cls[i].name = NULL;
	}
	t->nclasses = ncls;
	for (i = 0; i < nchl; i++) {
		t->children[i].handle = chl[i].name;
		t->children[i].line = chl[i].line;
		t->children[i].ta = chl[i].ta;
		t->children[i].ta_len = chl[i].ta_len;
		chl[i].name = NULL;
		chl[i].ta = NULL;
	}
	t->nchildren = nchl;
	/* count the groups of each child, then fill */
	for (i = 0; i < nord; i = j) {
		for (j = i; j < nord && order[j]->hi == order[i]->hi &&
		    order[j]->ci == order[i]->ci; j++)
			;
		t->children[order[i]->hi].nents++;
	}
	for (i = 0; i < nchl; i++) {
		struct alloc_child *c = &t->children[i];

		if (c->nents > 0 && (c->ents = calloc(c->nents, sizeof(*c->ents))) == NULL) {
			nomem(ctx, 0);
			goto out;
		}
		for (j = 0; j < c->nents; j++)
			res_bundle_init(&c->ents[j].res);
		c->nents = 0;
	}
	for (i = 0; i < nord; i = j) {
		struct alloc_child *c = &t->children[order[i]->hi];
		struct alloc_ent *en = &c->ents[c->nents++];
		struct res_set *sets[3] = { &en->res.as, &en->res.v4, &en->res.v6 };
		int f;

		en->cls = order[i]->ci;
		en->notafter = order[i]->na;
		en->line = order[i]->line;
		for (j = i + 1; j < nord && order[j]->hi == order[i]->hi &&
		    order[j]->ci == order[i]->ci; j++)
			for (f = 0; f < 3; f++)
				if (alloc_acc_merge(&order[i]->acc[f], &order[j]->acc[f]) != 0) {
					nomem(ctx, order[j]->line);
					goto out;
				}
		en->nlines = (unsigned long)(j - i);
		for (f = 0; f < 3; f++)
			if (alloc_acc_finish(&order[i]->acc[f], sets[f]) != 0) {
				nomem(ctx, order[i]->line);
				goto out;
			}
	}
	t->version = ctx->version;
	t->version_line = ctx->version_line;
out:
	free(order);
}

static int
parse_common(const char *text, size_t len, const char *source, struct alloc_table *t,
    struct alloc_errs *errs, struct alloc_error *err)
{
	struct pctx ctx;
	int rc = ALLOC_ERR_ARG;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (t == NULL)
		return rc;
	alloc_table_init(t);
	memset(&ctx, 0, sizeof(ctx));
	ctx.source = source != NULL ? source : "<input>";
	ctx.errs = errs;
	ctx.first = err;
	ctx.classes.size = sizeof(struct pdecl);
	ctx.children.size = sizeof(struct pdecl);
	ctx.grants.size = sizeof(struct pgrant);
	if (text == NULL && len > 0) {
		perr(&ctx, true, ALLOC_ERR_ARG, 0, "no input");
		goto out;
	}
	if (len > ALLOC_MAX_TEXT) {
		perr(&ctx, true, ALLOC_ERR_LIMIT, 0, "input larger than %u bytes",
		    ALLOC_MAX_TEXT);
		goto out;
	}
	if ((t->source = strdup(ctx.source)) == NULL) {
		nomem(&ctx, 0);
		goto out;
	}
	/* the statement buffer always exists, so ctx.stmt + slen is never NULL + 0 */
	if ((ctx.stmt = malloc(256)) == NULL) {
		nomem(&ctx, 0);
		goto out;
	}
	ctx.salloc = 256;
	if (len > 0)
		pass1(&ctx, text, len);
	if (!ctx.stop)
		pass2(&ctx, t);
out:
	rc = ctx.rc;
	pctx_free(&ctx);
	if (rc != 0)
		alloc_table_free(t);
	return rc;
}

/*
 * Parse an allocation table (docs/allocation-table.md). t is initialised by
 * the call; on failure it is empty and err holds the first error. The
 * caller frees t with alloc_table_free().
 */
int
alloc_parse(const char *text, size_t len, const char *source, struct alloc_table *t,
    struct alloc_error *err)
{
	return parse_common(text, len, source, t, NULL, err);
}

/*
 * As alloc_parse(), collecting every error into errs (up to its cap) instead
 * of stopping at the first. Returns the first error's code.
 */
int
alloc_parse_all(const char *text, size_t len, const char *source, struct alloc_table *t,
    struct alloc_errs *errs)
{
	if (errs == NULL)
		return ALLOC_ERR_ARG;
	return parse_common(text, len, source, t, errs, NULL);
}
