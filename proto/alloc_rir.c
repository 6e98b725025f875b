/*
 * proto/alloc: import RIR extended delegation statistics (the "RIR
 * statistics exchange format", extended with an opaque-id per holder, as
 * the NRO and the five RIRs publish it) into a one-class table.
 *
 *   2|apnic|20240101|4|19830613|20231231|+1000      version line
 *   apnic|*|ipv4|*|2|summary                          summary lines
 *   apnic|AU|ipv4|192.0.2.0|256|20110811|allocated|A91A7381
 *   apnic|JP|ipv6|2001:db8::|32|20080415|assigned|A92E1062
 *   apnic||asn|64496|16||available|                   (status, no holder)
 *
 * For ipv4 the value is an address count (any count, not only powers of
 * two: the record is the range start..start+count-1); for ipv6 it is a
 * prefix length; for asn a count of AS numbers. allocated/assigned records
 * are imported for the child the map names for their opaque-id;
 * available/reserved are skipped. The header's record count and the
 * summary counts are checked, so a truncated download fails (UD-104).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/alloc.h"

#define RIR_MAX_FIELDS 32

struct rctx {
	const char *source;
	struct alloc_error *err;
	int rc;
};

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

static int
rerr(struct rctx *x, int code, const char *source, unsigned long line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int
rerr(struct rctx *x, int code, const char *source, unsigned long line, const char *fmt, ...)
{
	char body[ALLOC_MSG_SIZE];
	va_list ap;

	if (x->rc != 0)
		return x->rc;
	x->rc = code;
	if (x->err == NULL)
		return code;
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	x->err->code = code;
	x->err->line = line;
	put_msg(x->err->msg, sizeof(x->err->msg), source, line, body);
	return code;
}

/* One physical line of [*p, e): (l, n) without '\n' or a final '\r'. */
static bool
next_line(const char **p, const char *e, const char **l, size_t *n)
{
	const char *nl;

	if (*p >= e)
		return false;
	nl = memchr(*p, '\n', (size_t)(e - *p));
	*l = *p;
	*n = (size_t)((nl != NULL ? nl : e) - *p);
	*p = nl != NULL ? nl + 1 : e;
	if (*n > 0 && (*l)[*n - 1] == '\r')
		(*n)--;
	return true;
}

/* True when the line has no NUL or control character (TAB allowed). */
static bool
clean_line(const char *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)l[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

static bool
blank_or_comment(const char *l, size_t n)
{
	size_t i = 0;

	while (i < n && (l[i] == ' ' || l[i] == '\t'))
		i++;
	return i == n || l[i] == '#';
}

/* Decimal without sign, at most max. Leading zeros are tolerated. */
static bool
parse_dec(const char *t, size_t tl, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (tl == 0 || tl > 20)
		return false;
	for (size_t i = 0; i < tl; i++) {
		unsigned d;

		if (t[i] < '0' || t[i] > '9')
			return false;
		d = (unsigned)(t[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

/* Dotted quad, each part 0..255 without leading zeros. */
static bool
parse_v4(const char *t, size_t tl, uint32_t *out)
{
	uint32_t a = 0;
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		size_t s = i;
		unsigned v = 0;

		while (i < tl && t[i] >= '0' && t[i] <= '9' && i - s < 3)
			v = v * 10 + (unsigned)(t[i++] - '0');
		if (i == s || v > 255 || (i - s > 1 && t[s] == '0'))
			return false;
		a = (a << 8) | v;
		if (part < 3) {
			if (i >= tl || t[i] != '.')
				return false;
			i++;
		}
	}
	if (i != tl)
		return false;
	*out = a;
	return true;
}

static bool
field_is(const char *f, size_t fl, const char *word)
{
	return strlen(word) == fl && memcmp(f, word, fl) == 0;
}

/* ---- the map ---- */

struct mapent {
	char *id;
	size_t child;        /* index into the sorted unique handles */
	char *handle;        /* before sorting */
	unsigned long line;
};

static int
mapent_cmp(const void *x, const void *y)
{
	const struct mapent *a = x, *b = y;
	int c = strcmp(a->id, b->id);

	return c != 0 ? c : (a->line < b->line ? -1 : a->line > b->line);
}

static int
mapent_key(const void *key, const void *elem)
{
	const struct mapent *m = elem;
	const char *k = key;

	return strcmp(k, m->id);
}

static int
str_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static char *
dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* Tokens separated by blanks; a '#' starting a token ends the line. */
static size_t
map_tokens(const char *l, size_t n, const char **tok, size_t *tl, size_t max)
{
	size_t i = 0, k = 0;

	for (;;) {
		size_t s;

		while (i < n && (l[i] == ' ' || l[i] == '\t'))
			i++;
		if (i == n || l[i] == '#')
			return k;
		s = i;
		while (i < n && l[i] != ' ' && l[i] != '\t')
			i++;
		if (k < max) {
			tok[k] = l + s;
			tl[k] = i - s;
		}
		k++;
	}
}

static bool
id_ok(const char *t, size_t tl)
{
	if (tl == 0 || tl > ALLOC_MAX_OPAQUE_ID)
		return false;
	for (size_t i = 0; i < tl; i++)
		if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f || t[i] == '|')
			return false;
	return true;
}

struct rmap {
	struct mapent *e;
	size_t n;
	char **handles;      /* sorted, unique */
	size_t nhandles;
};

static void
rmap_free(struct rmap *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->e[i].id);
		free(m->e[i].handle);
	}
	free(m->e);
	for (size_t i = 0; i < m->nhandles; i++)
		free(m->handles[i]);
	free(m->handles);
}

static int
parse_map(struct rctx *x, const char *src, const char *text, size_t len, struct rmap *m)
{
	const char *p = text, *e = text + len, *l, *tok[3];
	size_t n, tl[3], alloc = 0, i, k;
	unsigned long line = 0;

	while (next_line(&p, e, &l, &n)) {
		struct mapent *me;

		line++;
		if (n > ALLOC_MAX_LINE)
			return rerr(x, ALLOC_ERR_LIMIT, src, line, "line longer than %u bytes",
			    ALLOC_MAX_LINE);
		if (!clean_line(l, n))
			return rerr(x, ALLOC_ERR_ENCODING, src, line,
			    "NUL or control character");
		k = map_tokens(l, n, tok, tl, 3);
		if (k == 0)
			continue;
		if (k != 2)
			return rerr(x, ALLOC_ERR_MAP, src, line, "expected 'opaque-id handle'");
		if (!id_ok(tok[0], tl[0]))
			return rerr(x, ALLOC_ERR_MAP, src, line,
			    "opaque-id is not 1..%u printable ASCII characters without '|'",
			    ALLOC_MAX_OPAQUE_ID);
		if (!alloc_handle_ok(tok[1], tl[1]))
			return rerr(x, ALLOC_ERR_NAME, src, line,
			    "child handle is not [-_A-Za-z0-9/]{1,255} (RFC 8183)");
		if (m->n >= ALLOC_MAX_CHILDREN)
			return rerr(x, ALLOC_ERR_LIMIT, src, line, "more than %u map entries",
			    ALLOC_MAX_CHILDREN);
		if (m->n == alloc) {
			size_t want = alloc == 0 ? 64 : alloc * 2;

			if ((me = realloc(m->e, want * sizeof(*me))) == NULL)
				return rerr(x, ALLOC_ERR_NOMEM, src, line, "out of memory");
			m->e = me;
			alloc = want;
		}
		me = &m->e[m->n];
		memset(me, 0, sizeof(*me));
		me->line = line;
		me->id = dupn(tok[0], tl[0]);
		me->handle = dupn(tok[1], tl[1]);
		m->n++;
		if (me->id == NULL || me->handle == NULL)
			return rerr(x, ALLOC_ERR_NOMEM, src, line, "out of memory");
	}
	if (m->n == 0)
		return 0;
	qsort(m->e, m->n, sizeof(*m->e), mapent_cmp);
	for (i = 1; i < m->n; i++)
		if (strcmp(m->e[i].id, m->e[i - 1].id) == 0)
			return rerr(x, ALLOC_ERR_MAP, src, m->e[i].line,
			    "opaque-id %s mapped again (first at line %lu)", m->e[i].id,
			    m->e[i - 1].line);
	/* the unique handles, sorted: the children of the result */
	if ((m->handles = calloc(m->n, sizeof(*m->handles))) == NULL)
		return rerr(x, ALLOC_ERR_NOMEM, src, 0, "out of memory");
	for (i = 0; i < m->n; i++)
		m->handles[i] = m->e[i].handle;
	qsort(m->handles, m->n, sizeof(*m->handles), str_cmp);
	for (i = 0, k = 0; i < m->n; i++)
		if (k == 0 || strcmp(m->handles[i], m->handles[k - 1]) != 0)
			m->handles[k++] = m->handles[i];
	m->nhandles = k;
	for (i = 0; i < m->n; i++) {
		char **h = bsearch(&m->e[i].handle, m->handles, m->nhandles,
		    sizeof(*m->handles), str_cmp);

		m->e[i].child = (size_t)(h - m->handles);
	}
	/* m->handles now owns the unique strings; the entries' copies go */
	for (i = 0; i < m->nhandles; i++)
		if ((m->handles[i] = strdup(m->handles[i])) == NULL) {
			m->nhandles = i;
			return rerr(x, ALLOC_ERR_NOMEM, src, 0, "out of memory");
		}
	return 0;
}

/* ---- the statistics ---- */

enum { T_ASN, T_IPV4, T_IPV6, T_N };

static const char *const type_name[T_N] = { "asn", "ipv4", "ipv6" };

static int
type_of(const char *f, size_t fl)
{
	for (int i = 0; i < T_N; i++)
		if (field_is(f, fl, type_name[i]))
			return i;
	return -1;
}

/* The record's resources as one range of the family. */
static int
record_range(struct rctx *x, const char *src, unsigned long line, int type,
    const char *s, size_t sl, const char *v, size_t vl, struct res_num *min,
    struct res_num *max)
{
	uint64_t a, cnt;
	uint32_t a4;

	memset(min, 0, sizeof(*min));
	memset(max, 0, sizeof(*max));
	switch (type) {
	case T_ASN:
		if (!parse_dec(s, sl, 0xffffffffu, &a))
			return rerr(x, ALLOC_ERR_RIR, src, line,
			    "asn start is not a number 0..4294967295");
		if (!parse_dec(v, vl, 0x100000000ull, &cnt) || cnt == 0 ||
		    a + cnt - 1 > 0xffffffffu)
			return rerr(x, ALLOC_ERR_RIR, src, line,
			    "asn count must be 1 or more and stay within 4294967295");
		min->lo = a;
		max->lo = a + cnt - 1;
		return 0;
	case T_IPV4:
		if (!parse_v4(s, sl, &a4))
			return rerr(x, ALLOC_ERR_RIR, src, line,
			    "ipv4 start is not a dotted-quad address");
		if (!parse_dec(v, vl, 0x100000000ull, &cnt) || cnt == 0 ||
		    (uint64_t)a4 + cnt - 1 > 0xffffffffu)
			return rerr(x, ALLOC_ERR_RIR, src, line,
			    "ipv4 count must be 1 or more and stay within 255.255.255.255");
		min->lo = a4;
		max->lo = (uint64_t)a4 + cnt - 1;
		return 0;
	case T_IPV6: {
		char buf[64];
		struct res_set set;
		int rc;

		if (!parse_dec(v, vl, 128, &cnt))
			return rerr(x, ALLOC_ERR_RIR, src, line,
			    "ipv6 value must be a prefix length 0..128");
		for (size_t i = 0; i < sl; i++) {
			char c = s[i];

			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			    (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
				return rerr(x, ALLOC_ERR_RIR, src, line,
				    "ipv6 start is not an IPv6 address");
		}
		if (sl == 0 || sl > 45)
			return rerr(x, ALLOC_ERR_RIR, src, line,
			    "ipv6 start is not an IPv6 address");
		snprintf(buf, sizeof(buf), "%.*s/%u", (int)sl, s, (unsigned)cnt);
		rc = res_set_parse(&set, RES_IPV6, buf, strlen(buf));
		if (rc == 0 && set.count == 1) {
			*min = set.ranges[0].min;
			*max = set.ranges[0].max;
		}
		res_set_free(&set);
		if (rc == RES_ERR_HOSTBITS)
			return rerr(x, ALLOC_ERR_RIR, src, line,
			    "ipv6 %s: host bits set beyond the prefix length", buf);
		if (rc != 0)
			return rerr(x, ALLOC_ERR_RIR, src, line,
			    "ipv6 start is not an IPv6 address");
		return 0;
	}
	}
	return rerr(x, ALLOC_ERR_ARG, src, line, "internal: bad type");
}

struct racc {
	struct alloc_acc a[3];   /* per family, in res_family order */
};

/* res_family for a record type */
static const int type_family[T_N] = { RES_AS, RES_IPV4, RES_IPV6 };

static int
parse_stats(struct rctx *x, const char *src, const char *text, size_t len,
    const struct alloc_rir_opts *o, const struct rmap *m, struct racc *acc,
    struct alloc_rir_stats *st)
{
	const char *p = text, *e = text + len, *l;
	const char *f[RIR_MAX_FIELDS];
	size_t fl[RIR_MAX_FIELDS], n, nf;
	unsigned long line = 0, header_line = 0;
	uint64_t header_records = 0, summary[T_N];
	bool have_summary[T_N] = { false, false, false };
	size_t per_type[T_N] = { 0, 0, 0 };
	size_t nranges = 0;

	while (next_line(&p, e, &l, &n)) {
		int type;

		line++;
		if (n > ALLOC_MAX_LINE)
			return rerr(x, ALLOC_ERR_LIMIT, src, line, "line longer than %u bytes",
			    ALLOC_MAX_LINE);
		if (!clean_line(l, n))
			return rerr(x, ALLOC_ERR_ENCODING, src, line,
			    "NUL or control character");
		if (blank_or_comment(l, n))
			continue;
		/* split on '|' */
		nf = 0;
		for (size_t i = 0, s = 0; i <= n; i++) {
			if (i == n || l[i] == '|') {
				if (nf == RIR_MAX_FIELDS)
					return rerr(x, ALLOC_ERR_RIR, src, line,
					    "more than %d fields", RIR_MAX_FIELDS);
				f[nf] = l + s;
				fl[nf] = i - s;
				nf++;
				s = i + 1;
			}
		}
		if (header_line == 0) {
			/* version|registry|serial|records|startdate|enddate|UTCoffset */
			uint64_t ver, minor;
			size_t dot = 0;

			while (dot < fl[0] && f[0][dot] != '.')
				dot++;
			if (nf != 7 || !parse_dec(f[0], dot, UINT64_MAX, &ver) || ver != 2 ||
			    (dot < fl[0] && !parse_dec(f[0] + dot + 1, fl[0] - dot - 1,
			    UINT64_MAX, &minor)))
				return rerr(x, ALLOC_ERR_RIR, src, line,
				    "expected the version line "
				    "'2|registry|serial|records|startdate|enddate|UTCoffset'");
			if (!parse_dec(f[3], fl[3], UINT64_MAX, &header_records))
				return rerr(x, ALLOC_ERR_RIR, src, line,
				    "version line: records is not a number");
			header_line = line;
			continue;
		}
		if (nf == 6 && field_is(f[5], fl[5], "summary")) {
			/* registry|*|type|*|count|summary */
			if (!field_is(f[1], fl[1], "*") || !field_is(f[3], fl[3], "*") ||
			    (type = type_of(f[2], fl[2])) < 0)
				return rerr(x, ALLOC_ERR_RIR, src, line,
				    "expected 'registry|*|asn/ipv4/ipv6|*|count|summary'");
			if (have_summary[type])
				return rerr(x, ALLOC_ERR_RIR, src, line,
				    "second summary line for %s", type_name[type]);
			if (!parse_dec(f[4], fl[4], UINT64_MAX, &summary[type]))
				return rerr(x, ALLOC_ERR_RIR, src, line,
				    "summary count is not a number");
			have_summary[type] = true;
			continue;
		}
		/* registry|cc|type|start|value|date|status[|opaque-id[|extensions...]] */
		if (nf < 7)
			return rerr(x, ALLOC_ERR_RIR, src, line,
			    "expected 'registry|cc|type|start|value|date|status|opaque-id'");
		if ((type = type_of(f[2], fl[2])) < 0)
			return rerr(x, ALLOC_ERR_RIR, src, line,
			    "type '%.*s' is not asn, ipv4 or ipv6", (int)(fl[2] > 16 ? 16 : fl[2]),
			    f[2]);
		if (st->records >= ALLOC_MAX_RIR_RECORDS)
			return rerr(x, ALLOC_ERR_LIMIT, src, line, "more than %u records",
			    ALLOC_MAX_RIR_RECORDS);
		st->records++;
		per_type[type]++;
		if (field_is(f[6], fl[6], "available") || field_is(f[6], fl[6], "reserved")) {
			st->skipped++;
			continue;
		}
		if (!field_is(f[6], fl[6], "allocated") && !field_is(f[6], fl[6], "assigned"))
			return rerr(x, ALLOC_ERR_RIR, src, line,
			    "status '%.*s' is not allocated, assigned, available or reserved",
			    (int)(fl[6] > 16 ? 16 : fl[6]), f[6]);
		{
			struct res_num min, max;
			const struct mapent *me = NULL;
			char id[ALLOC_MAX_OPAQUE_ID + 1];
			int rc;

			if (nf < 8 || fl[7] == 0)
				return rerr(x, ALLOC_ERR_RIR, src, line,
				    "%.*s record without an opaque-id (not the extended format?)",
				    (int)fl[6], f[6]);
			if ((rc = record_range(x, src, line, type, f[3], fl[3], f[4], fl[4],
			    &min, &max)) != 0)
				return rc;
			if (fl[7] <= ALLOC_MAX_OPAQUE_ID && m->n > 0) {
				memcpy(id, f[7], fl[7]);
				id[fl[7]] = '\0';
				me = bsearch(id, m->e, m->n, sizeof(*m->e), mapent_key);
			}
			if (me == NULL) {
				if (st->unmapped++ == 0)
					st->first_unmapped_line = line;
				if (o->flags & ALLOC_RIR_UNMAPPED_ERROR)
					return rerr(x, ALLOC_ERR_UNMAPPED, src, line,
					    "opaque-id %.*s%s is not in the map",
					    (int)(fl[7] > 64 ? 64 : fl[7]), f[7],
					    fl[7] > 64 ? "..." : "");
				continue;
			}
			if (++nranges > ALLOC_MAX_RANGES)
				return rerr(x, ALLOC_ERR_LIMIT, src, line, "more than %u ranges",
				    ALLOC_MAX_RANGES);
			if (alloc_acc_add(&acc[me->child].a[type_family[type]], &min, &max) != 0)
				return rerr(x, ALLOC_ERR_NOMEM, src, line, "out of memory");
			st->imported++;
		}
	}
	if (header_line == 0)
		return rerr(x, ALLOC_ERR_RIR, src, 0, "no version line");
	if (o->flags & ALLOC_RIR_NO_COUNT_CHECK)
		return 0;
	if (header_records != st->records)
		return rerr(x, ALLOC_ERR_RIR, src, header_line,
		    "version line says %llu records, the file has %zu (truncated or damaged?)",
		    (unsigned long long)header_records, st->records);
	for (int t = 0; t < T_N; t++)
		if (have_summary[t] && summary[t] != per_type[t])
			return rerr(x, ALLOC_ERR_RIR, src, 0,
			    "summary says %llu %s records, the file has %zu (truncated or damaged?)",
			    (unsigned long long)summary[t], type_name[t], per_type[t]);
	return 0;
}

/*
 * Build a one-class table from RIR statistics and an opaque-id map (see
 * alloc.h). t is initialised by the call and freed by the caller with
 * alloc_table_free(); on failure it is empty and err says why.
 */
int
alloc_import_rir(const char *stats, size_t stats_len, const char *map, size_t map_len,
    const struct alloc_rir_opts *opts, struct alloc_table *t,
    struct alloc_rir_stats *st, struct alloc_error *err)
{
	struct rctx x = { NULL, err, 0 };
	struct rmap m;
	struct racc *acc = NULL;
	struct alloc_rir_stats lst;
	const char *src, *msrc;
	size_t i;
	int f;

	memset(&m, 0, sizeof(m));
	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (st == NULL)
		st = &lst;
	memset(st, 0, sizeof(*st));
	if (t == NULL)
		return ALLOC_ERR_ARG;
	alloc_table_init(t);
	src = opts != NULL && opts->source != NULL ? opts->source : "<statistics>";
	msrc = opts != NULL && opts->map_source != NULL ? opts->map_source : "<map>";
	if (opts == NULL || opts->class_name == NULL ||
	    !alloc_class_name_ok(opts->class_name, strlen(opts->class_name)) ||
	    (stats == NULL && stats_len > 0) || (map == NULL && map_len > 0)) {
		rerr(&x, ALLOC_ERR_ARG, src, 0, "invalid arguments (class name?)");
		goto out;
	}
	if (stats_len > ALLOC_MAX_TEXT || map_len > ALLOC_MAX_TEXT) {
		rerr(&x, ALLOC_ERR_LIMIT, stats_len > ALLOC_MAX_TEXT ? src : msrc, 0,
		    "input larger than %u bytes", ALLOC_MAX_TEXT);
		goto out;
	}
	/* empty texts may come as NULL; never do arithmetic on a null pointer */
	if (stats == NULL)
		stats = "";
	if (map == NULL)
		map = "";
	if (parse_map(&x, msrc, map, map_len, &m) != 0)
		goto out;
	if (m.nhandles > 0 && (acc = calloc(m.nhandles, sizeof(*acc))) == NULL) {
		rerr(&x, ALLOC_ERR_NOMEM, src, 0, "out of memory");
		goto out;
	}
	for (i = 0; i < m.nhandles; i++)
		for (f = 0; f < 3; f++)
			alloc_acc_init(&acc[i].a[f], (enum res_family)f);
	if (parse_stats(&x, src, stats, stats_len, opts, &m, acc, st) != 0)
		goto out;

	/* build the table */
	t->version = opts->version;
	if ((t->source = strdup(src)) == NULL ||
	    (t->classes = calloc(1, sizeof(*t->classes))) == NULL ||
	    (t->classes[0].name = strdup(opts->class_name)) == NULL) {
		rerr(&x, ALLOC_ERR_NOMEM, src, 0, "out of memory");
		goto out;
	}
	t->nclasses = 1;
	if (m.nhandles > 0 &&
	    (t->children = calloc(m.nhandles, sizeof(*t->children))) == NULL) {
		rerr(&x, ALLOC_ERR_NOMEM, src, 0, "out of memory");
		goto out;
	}
	for (i = 0; i < m.nhandles; i++) {
		struct alloc_child *c = &t->children[i];
		struct alloc_ent *en;

		c->handle = m.handles[i];
		m.handles[i] = NULL;
		t->nchildren++;
		if (acc[i].a[0].n == 0 && acc[i].a[1].n == 0 && acc[i].a[2].n == 0)
			continue;
		if ((en = calloc(1, sizeof(*en))) == NULL) {
			rerr(&x, ALLOC_ERR_NOMEM, src, 0, "out of memory");
			goto out;
		}
		c->ents = en;
		c->nents = 1;
		res_bundle_init(&en->res);
		en->cls = 0;
		en->notafter = opts->notafter;
		en->nlines = 1;
		if (alloc_acc_finish(&acc[i].a[0], &en->res.as) != 0 ||
		    alloc_acc_finish(&acc[i].a[1], &en->res.v4) != 0 ||
		    alloc_acc_finish(&acc[i].a[2], &en->res.v6) != 0) {
			rerr(&x, ALLOC_ERR_NOMEM, src, 0, "out of memory");
			goto out;
		}
	}
out:
	if (acc != NULL) {
		for (i = 0; i < m.nhandles; i++)
			for (f = 0; f < 3; f++)
				alloc_acc_free(&acc[i].a[f]);
		free(acc);
	}
	rmap_free(&m);
	if (x.rc != 0)
		alloc_table_free(t);
	return x.rc;
}
