/*
 * proto/conf: the configuration file parser (docs/configuration.md).
 *
 * One pass over physical lines with a pointer/end pair: each line is
 * checked for length and encoding, its comment removed, and it is then a
 * section header, a "key = value" line or blank. Values are converted by
 * the key's type (conf_int.h) and checked with the same function
 * conf_check() uses. The first error stops the parse; the configuration is
 * left empty and the error names "source:line".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"
#include "proto/conf.h"

struct pstate {
	struct conf *c;
	const char *source;
	struct conf_error *err;
	int rc;
	enum conf_sec sec;                 /* current section; CONF_SEC_COUNT: none yet */
	size_t cls;                        /* current class index */
	unsigned long sec_line[CONF_SEC_COUNT];
	uint64_t seen;                     /* keys given in the current section */
	unsigned long keyline[64];         /* line of each non-class key */
	uint64_t *class_seen;              /* keys given in each class */
};

/* Record the first error: "source:line: body". Returns code. */
static int
perr(struct pstate *ps, unsigned long line, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
perr(struct pstate *ps, unsigned long line, int code, const char *fmt, ...)
{
	char body[CONF_MSG_SIZE];
	va_list ap;

	if (ps->rc != 0)
		return ps->rc;
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	ps->rc = code;
	if (ps->err != NULL) {
		ps->err->code = code;
		ps->err->line = line;
		conf_format_msg(ps->err->msg, sizeof(ps->err->msg), ps->source, line, body);
	}
	return code;
}

/* ---- bytes ---- */

/* Length of one strict UTF-8 sequence at p (no overlongs, surrogates), or 0. */
static size_t
utf8_len(const unsigned char *p, const unsigned char *e)
{
	unsigned char b = p[0];
	size_t n, i;
	uint32_t v, min;

	if (b < 0x80)
		return 1;
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
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff) ||
	    (v >= 0x80 && v <= 0x9f))
		return 0;
	return n;
}

/* 0, or the 1-based column of the first byte that is not allowed. */
static size_t
bad_byte(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;
	size_t k;

	while (p < e) {
		if (*p == '\t') {
			p++;
			continue;
		}
		if (*p < 0x20 || *p == 0x7f || (k = utf8_len(p, e)) == 0)
			return (size_t)(p - (const unsigned char *)s) + 1;
		p += k;
	}
	return 0;
}

static bool
is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* ---- values ---- */

/* Unsigned decimal, no sign, no leading zeros. */
static bool
parse_u64(const char *t, size_t tl, uint64_t *out)
{
	uint64_t v = 0;

	if (tl == 0 || tl > 20 || (tl > 1 && t[0] == '0'))
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
	*out = v;
	return true;
}

/* A number with an optional unit suffix (s m h d; k M). */
static bool
parse_number(const char *t, size_t tl, enum conf_unit unit, uint64_t *out)
{
	uint64_t mul = 1, v;

	if (tl > 1 && unit == CONF_U_SECONDS) {
		switch (t[tl - 1]) {
		case 's': mul = 1; tl--; break;
		case 'm': mul = 60; tl--; break;
		case 'h': mul = 3600; tl--; break;
		case 'd': mul = 86400; tl--; break;
		default: break;
		}
	} else if (tl > 1 && unit == CONF_U_BYTES) {
		switch (t[tl - 1]) {
		case 'k': case 'K': mul = 1024; tl--; break;
		case 'M': mul = 1024 * 1024; tl--; break;
		default: break;
		}
	}
	if (!parse_u64(t, tl, &v) || (mul > 1 && v > UINT64_MAX / mul))
		return false;
	*out = v * mul;
	return true;
}

/* "10%", "12.5%", "0.1", "0.125" -> millionths; "off" -> CONF_BRAKE_SHARE_OFF. */
static bool
parse_share(const char *t, size_t tl, unsigned *ppm)
{
	uint64_t ip = 0, fp = 0;
	size_t i = 0, nf = 0, maxf;
	bool pct;

	if (tl == 3 && memcmp(t, "off", 3) == 0) {
		*ppm = CONF_BRAKE_SHARE_OFF;
		return true;
	}
	pct = tl > 1 && t[tl - 1] == '%';
	if (pct)
		tl--;
	maxf = pct ? 4 : 6;
	while (i < tl && t[i] >= '0' && t[i] <= '9') {
		if (i >= 3)
			return false;
		ip = ip * 10 + (uint64_t)(t[i] - '0');
		i++;
	}
	if (i == 0 || (i > 1 && t[0] == '0'))
		return false;
	if (i < tl) {
		if (t[i] != '.' || i + 1 == tl)
			return false;
		for (i++; i < tl; i++) {
			if (t[i] < '0' || t[i] > '9' || nf == maxf)
				return false;
			fp = fp * 10 + (uint64_t)(t[i] - '0');
			nf++;
		}
	}
	while (nf < maxf) {
		fp *= 10;
		nf++;
	}
	/* percent: ip.ffff % = ip * 10000 + ffff ppm; fraction: ip.ffffff */
	ip = pct ? ip * 10000 + fp : ip * 1000000 + fp;
	if (ip > UINT32_MAX)
		return false;
	*ppm = (unsigned)ip;
	return true;
}

/* a.b.c.d, each 0..255 without leading zeros. */
static bool
parse_ipv4(const char *t, size_t tl, uint8_t out[4])
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		size_t s = i;
		uint64_t v;

		while (i < tl && t[i] != '.')
			i++;
		if (!parse_u64(t + s, i - s, &v) || v > 255)
			return false;
		out[part] = (uint8_t)v;
		if (part < 3) {
			if (i == tl)
				return false;
			i++;
		}
	}
	return i == tl;
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* aa:bb:cc:dd:ee:ff */
static bool
parse_mac(const char *t, size_t tl, uint8_t out[6])
{
	if (tl != 17)
		return false;
	for (int i = 0; i < 6; i++) {
		int hi = hexval(t[3 * i]), lo = hexval(t[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && t[3 * i + 2] != ':'))
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static bool
word_is(const char *t, size_t tl, const char *w)
{
	return strlen(w) == tl && memcmp(t, w, tl) == 0;
}

static char *
dup_n(const char *t, size_t tl)
{
	char *s = malloc(tl + 1);

	if (s != NULL) {
		memcpy(s, t, tl);
		s[tl] = '\0';
	}
	return s;
}

#define SHOW 64
#define SHOWV(t, tl) (int)((tl) > SHOW ? SHOW : (tl)), (t), ((tl) > SHOW ? "..." : "")

/* Store value v (vl bytes) of key k into base. */
static void
set_value(struct pstate *ps, unsigned long line, const struct conf_key *k, void *base,
          const char *v, size_t vl, const char *what)
{
	char *p = (char *)base + k->off, why[CONF_MSG_SIZE - 128];
	uint64_t n;
	int rc;

	switch (k->type) {
	case CONF_KT_STR: {
		char *s = dup_n(v, vl);

		if (s == NULL) {
			perr(ps, line, CONF_ERR_NOMEM, "out of memory");
			return;
		}
		*(char **)p = s;
		break;
	}
	case CONF_KT_BOOL:
		if (word_is(v, vl, "yes") || word_is(v, vl, "true") || word_is(v, vl, "on"))
			*(bool *)p = true;
		else if (word_is(v, vl, "no") || word_is(v, vl, "false") || word_is(v, vl, "off"))
			*(bool *)p = false;
		else
			goto bad;
		break;
	case CONF_KT_UINT:
	case CONF_KT_MTU:
		if (!parse_number(v, vl, k->unit, &n) || n > UINT32_MAX)
			goto bad;
		*(unsigned *)p = (unsigned)n;
		break;
	case CONF_KT_SIZE:
		if (k->off_ok && word_is(v, vl, "off")) {
			*(size_t *)p = SIZE_MAX;
			break;
		}
		if (!parse_number(v, vl, k->unit, &n) || n >= SIZE_MAX)
			goto bad;
		*(size_t *)p = (size_t)n;
		break;
	case CONF_KT_SHARE:
		if (!parse_share(v, vl, (unsigned *)p))
			goto bad;
		break;
	case CONF_KT_MECH:
		if (word_is(v, vl, "sha256-rsa-pkcs"))
			*(enum conf_mech *)p = CONF_MECH_SHA256_RSA_PKCS;
		else if (word_is(v, vl, "rsa-pkcs-host-hash"))
			*(enum conf_mech *)p = CONF_MECH_RSA_PKCS_HOST_HASH;
		else
			goto bad;
		break;
	case CONF_KT_MFTKEYS:
		if (word_is(v, vl, "software"))
			*(enum conf_mft_keys *)p = CONF_MFT_KEYS_SOFTWARE;
		else if (word_is(v, vl, "hsm"))
			*(enum conf_mft_keys *)p = CONF_MFT_KEYS_HSM;
		else
			goto bad;
		break;
	case CONF_KT_PREFIX: {
		struct conf_network *net = base;
		const char *sl = memchr(v, '/', vl);

		if (sl == NULL || !parse_ipv4(v, (size_t)(sl - v), net->address) ||
		    !parse_u64(sl + 1, vl - (size_t)(sl - v) - 1, &n) || n > 32)
			goto bad;
		net->prefix = (unsigned)n;
		net->has_address = true;
		break;
	}
	case CONF_KT_IPV4: {
		struct conf_network *net = base;

		if (!parse_ipv4(v, vl, net->gateway))
			goto bad;
		net->has_gateway = true;
		break;
	}
	case CONF_KT_MAC: {
		struct conf_network *net = base;

		if (!parse_mac(v, vl, net->mac))
			goto bad;
		net->has_mac = true;
		break;
	}
	case CONF_KT_LIST: {
		struct conf_provisioning *pr = base;
		char **nv, *s;

		if (pr->noperators >= CONF_MAX_OPERATORS) {
			perr(ps, line, CONF_ERR_LIMIT, "%s: more than %u operators", what,
			    CONF_MAX_OPERATORS);
			return;
		}
		if ((s = dup_n(v, vl)) == NULL ||
		    (nv = realloc(pr->operators, (pr->noperators + 1) * sizeof(*nv))) == NULL) {
			free(s);
			perr(ps, line, CONF_ERR_NOMEM, "out of memory");
			return;
		}
		pr->operators = nv;
		pr->operators[pr->noperators++] = s;
		break;
	}
	case CONF_KT_HTTP_PATH: {
		struct conf_provisioning *pr = base;

		if (word_is(v, vl, "off")) {
			pr->path[0] = '\0';
			break;
		}
		if (vl == 0 || vl >= sizeof(pr->path))
			goto bad;
		memcpy(pr->path, v, vl);
		pr->path[vl] = '\0';
		break;
	}
	}
	if ((rc = conf_value_check(k, base, why, sizeof(why))) != 0)
		perr(ps, line, rc, "%s: %s", what, why);
	return;
bad:
	switch (k->type) {
	case CONF_KT_BOOL:
		perr(ps, line, CONF_ERR_VALUE, "%s: '%.*s%s' is not yes or no", what, SHOWV(v, vl));
		break;
	case CONF_KT_UINT:
	case CONF_KT_SIZE:
	case CONF_KT_MTU:
		perr(ps, line, CONF_ERR_VALUE, "%s: '%.*s%s' is not a number%s", what,
		    SHOWV(v, vl), k->unit == CONF_U_SECONDS ? " of seconds (suffix s, m, h or d)" :
		    k->unit == CONF_U_BYTES ? " of bytes (suffix k or M)" :
		    k->off_ok ? " or 'off'" : "");
		break;
	case CONF_KT_SHARE:
		perr(ps, line, CONF_ERR_VALUE,
		    "%s: '%.*s%s' is not a share such as 10%%, 0.1 or 'off'", what, SHOWV(v, vl));
		break;
	case CONF_KT_MECH:
		perr(ps, line, CONF_ERR_VALUE,
		    "%s: '%.*s%s' is not sha256-rsa-pkcs or rsa-pkcs-host-hash", what,
		    SHOWV(v, vl));
		break;
	case CONF_KT_MFTKEYS:
		perr(ps, line, CONF_ERR_VALUE, "%s: '%.*s%s' is not software or hsm", what,
		    SHOWV(v, vl));
		break;
	case CONF_KT_PREFIX:
		perr(ps, line, CONF_ERR_VALUE, "%s: '%.*s%s' is not an IPv4 a.b.c.d/len", what,
		    SHOWV(v, vl));
		break;
	case CONF_KT_IPV4:
		perr(ps, line, CONF_ERR_VALUE, "%s: '%.*s%s' is not an IPv4 a.b.c.d", what,
		    SHOWV(v, vl));
		break;
	case CONF_KT_MAC:
		perr(ps, line, CONF_ERR_VALUE, "%s: '%.*s%s' is not a MAC aa:bb:cc:dd:ee:ff",
		    what, SHOWV(v, vl));
		break;
	default:
		perr(ps, line, CONF_ERR_VALUE, "%s: '%.*s%s' is not valid", what, SHOWV(v, vl));
		break;
	}
}

/* ---- sections ---- */

/* Required keys of the section just left (or of every class at the end). */
static void
section_done(struct pstate *ps)
{
	enum conf_sec sec = ps->sec;
	uint64_t seen = sec == CONF_SEC_CLASS ? ps->class_seen[ps->cls] : ps->seen;

	if (sec == CONF_SEC_COUNT || ps->rc != 0)
		return;
	for (size_t k = 0; k < conf_nkeys; k++) {
		if (conf_keys[k].sec != sec || !conf_keys[k].required ||
		    (seen & ((uint64_t)1 << k)) != 0)
			continue;
		if (sec == CONF_SEC_CLASS)
			perr(ps, ps->c->classes[ps->cls].line, CONF_ERR_MISSING,
			    "[class %.64s]: %s is missing", ps->c->classes[ps->cls].name,
			    conf_keys[k].name);
		else
			perr(ps, ps->sec_line[sec], CONF_ERR_MISSING, "[%s]: %s is missing",
			    conf_sec_names[sec], conf_keys[k].name);
		return;
	}
}

/* "[name]" or "[class NAME]": t..e is the text between the brackets. */
static void
header(struct pstate *ps, unsigned long line, const char *t, const char *e)
{
	const char *n, *ne, *a;
	size_t nl, al;
	int s;

	section_done(ps);
	if (ps->rc != 0)
		return;
	while (t < e && is_blank(*t))
		t++;
	while (e > t && is_blank(e[-1]))
		e--;
	n = t;
	for (ne = n; ne < e && !is_blank(*ne); ne++)
		;
	nl = (size_t)(ne - n);
	for (a = ne; a < e && is_blank(*a); a++)
		;
	al = (size_t)(e - a);
	for (s = 0; s < CONF_SEC_COUNT; s++)
		if (word_is(n, nl, conf_sec_names[s]))
			break;
	if (s == CONF_SEC_COUNT) {
		perr(ps, line, CONF_ERR_SECTION,
		    "unknown section [%.*s%s] (expected appliance, hsm, bpki, class NAME, "
		    "network, provisioning or policy)", SHOWV(n, nl));
		return;
	}
	if (s == CONF_SEC_CLASS) {
		struct conf_class *nc;
		uint64_t *ns;
		size_t i;

		if (al == 0) {
			perr(ps, line, CONF_ERR_SYNTAX, "expected [class NAME]");
			return;
		}
		if (!conf_class_name_ok(a, al)) {
			perr(ps, line, CONF_ERR_VALUE,
			    "class name '%.*s%s' is not 1..255 visible ASCII characters without "
			    "'[' or ']' (RFC 6492 section 3.3.2 class_name)", SHOWV(a, al));
			return;
		}
		for (i = 0; i < ps->c->nclasses; i++)
			if (word_is(a, al, ps->c->classes[i].name)) {
				perr(ps, line, CONF_ERR_SECTION,
				    "[class %s] given again (first at line %lu)",
				    ps->c->classes[i].name, ps->c->classes[i].line);
				return;
			}
		if (ps->c->nclasses >= CONF_MAX_CLASSES) {
			perr(ps, line, CONF_ERR_LIMIT, "more than %u classes", CONF_MAX_CLASSES);
			return;
		}
		nc = realloc(ps->c->classes, (ps->c->nclasses + 1) * sizeof(*nc));
		if (nc != NULL)
			ps->c->classes = nc;
		ns = realloc(ps->class_seen, (ps->c->nclasses + 1) * sizeof(*ns));
		if (ns != NULL)
			ps->class_seen = ns;
		if (nc == NULL || ns == NULL) {
			perr(ps, line, CONF_ERR_NOMEM, "out of memory");
			return;
		}
		memset(&nc[ps->c->nclasses], 0, sizeof(*nc));
		ns[ps->c->nclasses] = 0;
		if ((nc[ps->c->nclasses].name = dup_n(a, al)) == NULL) {
			perr(ps, line, CONF_ERR_NOMEM, "out of memory");
			return;
		}
		nc[ps->c->nclasses].line = line;
		ps->cls = ps->c->nclasses++;
	} else {
		if (al != 0) {
			perr(ps, line, CONF_ERR_SYNTAX, "expected [%s]", conf_sec_names[s]);
			return;
		}
		if (ps->sec_line[s] != 0) {
			perr(ps, line, CONF_ERR_SECTION, "[%s] given again (first at line %lu)",
			    conf_sec_names[s], ps->sec_line[s]);
			return;
		}
		ps->seen = 0;
	}
	ps->sec = (enum conf_sec)s;
	if (ps->sec_line[s] == 0)
		ps->sec_line[s] = line;
}

/* "key = value": t..e is the trimmed line. */
static void
key_value(struct pstate *ps, unsigned long line, const char *t, const char *e)
{
	const char *k = t, *ke, *v;
	char what[CONF_MAX_CLASS_NAME + 96];
	uint64_t *seen;
	size_t kl, ki;

	for (ke = k; ke < e && ((*ke >= 'a' && *ke <= 'z') || (*ke >= '0' && *ke <= '9') ||
	    *ke == '_'); ke++)
		;
	kl = (size_t)(ke - k);
	for (v = ke; v < e && is_blank(*v); v++)
		;
	if (kl == 0 || v == e || *v != '=') {
		perr(ps, line, CONF_ERR_SYNTAX,
		    "expected 'key = value' or a [section] header, got '%.*s%s'",
		    SHOWV(t, (size_t)(e - t)));
		return;
	}
	for (v++; v < e && is_blank(*v); v++)
		;
	if (ps->sec == CONF_SEC_COUNT) {
		perr(ps, line, CONF_ERR_SECTION, "'%.*s' before the first [section]",
		    (int)kl, k);
		return;
	}
	for (ki = 0; ki < conf_nkeys; ki++)
		if (conf_keys[ki].sec == ps->sec && word_is(k, kl, conf_keys[ki].name))
			break;
	if (ps->sec == CONF_SEC_CLASS)
		snprintf(what, sizeof(what), "[class %s] %.*s", ps->c->classes[ps->cls].name,
		    (int)kl, k);
	else
		snprintf(what, sizeof(what), "[%s] %.*s", conf_sec_names[ps->sec], (int)kl, k);
	if (ki == conf_nkeys) {
		perr(ps, line, CONF_ERR_KEY, "%s: unknown key (docs/configuration.md)", what);
		return;
	}
	seen = ps->sec == CONF_SEC_CLASS ? &ps->class_seen[ps->cls] : &ps->seen;
	if ((*seen & ((uint64_t)1 << ki)) != 0 && conf_keys[ki].type != CONF_KT_LIST) {
		if (ps->sec == CONF_SEC_CLASS)
			perr(ps, line, CONF_ERR_KEY, "%s: given again", what);
		else
			perr(ps, line, CONF_ERR_KEY, "%s: given again (first at line %lu)", what,
			    ps->keyline[ki]);
		return;
	}
	if (v == e) {
		perr(ps, line, CONF_ERR_VALUE, "%s: empty value (leave the key out instead)",
		    what);
		return;
	}
	*seen |= (uint64_t)1 << ki;
	if (ps->sec != CONF_SEC_CLASS && ps->keyline[ki] == 0)
		ps->keyline[ki] = line;
	set_value(ps, line, &conf_keys[ki], conf_sec_base(ps->c, ps->sec, ps->cls), v,
	    (size_t)(e - v), what);
}

/* One physical line (without its LF). */
static void
one_line(struct pstate *ps, unsigned long line, const char *p, size_t n)
{
	const char *e;
	size_t col, i;

	if (n > CONF_MAX_LINE) {
		perr(ps, line, CONF_ERR_LIMIT, "line longer than %u bytes", CONF_MAX_LINE);
		return;
	}
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if ((col = bad_byte(p, n)) != 0) {
		perr(ps, line, CONF_ERR_ENCODING,
		    "NUL, control character or invalid UTF-8 at column %zu", col);
		return;
	}
	/* a comment starts at a '#' first on the line or after a blank */
	for (i = 0; i < n; i++)
		if (p[i] == '#' && (i == 0 || is_blank(p[i - 1])))
			break;
	n = i;
	while (n > 0 && is_blank(p[n - 1]))
		n--;
	while (n > 0 && is_blank(*p)) {
		p++;
		n--;
	}
	if (n == 0)
		return;
	e = p + n;
	if (*p == '[') {
		if (e[-1] != ']' || n < 2) {
			perr(ps, line, CONF_ERR_SYNTAX, "section header without its closing ']'");
			return;
		}
		header(ps, line, p + 1, e - 1);
		return;
	}
	key_value(ps, line, p, e);
}

/*
 * Parse configuration text (docs/configuration.md) into c (initialised by
 * the call). On failure c is empty and err holds the first error.
 */
int
conf_parse(const char *text, size_t len, const char *source, struct conf *c,
           struct conf_error *err)
{
	struct pstate ps;
	const char *p, *e;
	unsigned long line = 0;
	int s;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (c == NULL || conf_nkeys > 64)
		return CONF_ERR_ARG;
	conf_init(c);
	memset(&ps, 0, sizeof(ps));
	ps.c = c;
	ps.source = source != NULL ? source : "<input>";
	ps.err = err;
	ps.sec = CONF_SEC_COUNT;
	if (text == NULL && len > 0) {
		perr(&ps, 0, CONF_ERR_ARG, "no input");
		goto out;
	}
	if (len > CONF_MAX_TEXT) {
		perr(&ps, 0, CONF_ERR_LIMIT, "larger than %u bytes", CONF_MAX_TEXT);
		goto out;
	}
	if ((c->source = strdup(ps.source)) == NULL) {
		perr(&ps, 0, CONF_ERR_NOMEM, "out of memory");
		goto out;
	}
	p = text;
	e = text + len;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < e && ps.rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t n = (size_t)((nl != NULL ? nl : e) - p);

		one_line(&ps, ++line, p, n);
		p = nl != NULL ? nl + 1 : e;
	}
	section_done(&ps);
	if (ps.rc != 0)
		goto out;
	for (s = 0; s < CONF_SEC_COUNT; s++) {
		if (s == CONF_SEC_CLASS || s == CONF_SEC_NETWORK || s == CONF_SEC_PROVISIONING ||
		    s == CONF_SEC_POLICY || ps.sec_line[s] != 0)
			continue;
		perr(&ps, 0, CONF_ERR_MISSING, "no [%s] section", conf_sec_names[s]);
		goto out;
	}
	if (c->nclasses == 0) {
		perr(&ps, 0, CONF_ERR_MISSING, "no [class NAME] section");
		goto out;
	}
	/* crl_refresh defaults to half of crl_validity */
	if (ps.keyline[conf_key_index(CONF_SEC_POLICY, "crl_refresh")] == 0)
		c->policy.crl_refresh = c->policy.crl_validity / 2;
	{
		struct conf_error e2;

		if (conf_check_lines(c, ps.keyline, &e2) != 0) {
			ps.rc = e2.code;
			if (err != NULL)
				*err = e2;
		}
	}
out:
	free(ps.class_seen);
	if (ps.rc != 0)
		conf_free(c);
	return ps.rc;
}
