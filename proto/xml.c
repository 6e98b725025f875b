/*
 * Safe XML loading for the protocol codecs: a bounded lexical check of the
 * untrusted bytes, then Mini-XML. See proto/xml.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/xml.h"

/* Attribute names seen on one element, for the duplicate check. */
struct xml_attr_name {
	const char *p;
	size_t len;
};

struct xml_lexer {
	const unsigned char *buf;
	size_t pos;
	size_t len;
	const struct xml_limits *lim;
	char *why;
	size_t whylen;
};

static int
xml_fail(struct xml_lexer *lx, int err, const char *what)
{
	if (lx->why != NULL && lx->whylen > 0)
		snprintf(lx->why, lx->whylen, "%s at byte %zu", what, lx->pos);
	return err;
}

static int
xml_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
xml_starts(const struct xml_lexer *lx, const char *s)
{
	size_t n = strlen(s);

	return lx->len - lx->pos >= n && memcmp(lx->buf + lx->pos, s, n) == 0;
}

/* Advance past the next occurrence of s; 0 if found, -1 if not. */
static int
xml_skip_past(struct xml_lexer *lx, const char *s)
{
	size_t n = strlen(s);

	while (lx->len - lx->pos >= n) {
		if (memcmp(lx->buf + lx->pos, s, n) == 0) {
			lx->pos += n;
			return 0;
		}
		lx->pos++;
	}
	return -1;
}

/*
 * Strict UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF) and only the control characters XML 1.0 allows (tab, LF, CR).
 */
static int
xml_check_chars(struct xml_lexer *lx)
{
	const unsigned char *b = lx->buf;
	size_t i = 0, n = lx->len;

	while (i < n) {
		unsigned char c = b[i];
		uint32_t cp;
		size_t k, need;

		if (c == 0) {
			lx->pos = i;
			return xml_fail(lx, XML_ERR_NUL, "NUL byte");
		}
		if (c < 0x80) {
			if (c < 0x20 && !xml_is_space(c)) {
				lx->pos = i;
				return xml_fail(lx, XML_ERR_UTF8, "control character");
			}
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			cp = c & 0x07;
		} else {
			lx->pos = i;
			return xml_fail(lx, XML_ERR_UTF8, "invalid UTF-8 lead byte");
		}
		if (n - i <= need) {
			lx->pos = i;
			return xml_fail(lx, XML_ERR_UTF8, "truncated UTF-8 sequence");
		}
		for (k = 1; k <= need; k++) {
			if ((b[i + k] & 0xC0) != 0x80) {
				lx->pos = i;
				return xml_fail(lx, XML_ERR_UTF8, "invalid UTF-8 sequence");
			}
			cp = (cp << 6) | (b[i + k] & 0x3F);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ||
		    cp == 0xFFFE || cp == 0xFFFF) {
			lx->pos = i;
			return xml_fail(lx, XML_ERR_UTF8, "invalid code point");
		}
		i += need + 1;
	}
	return 0;
}

/*
 * An entity or character reference at pos ('&'): only the five XML 1.0
 * predefined entities and character references to allowed characters.
 * Mini-XML would also expand HTML names such as &nbsp;, which XML does not
 * define, so they are refused here.
 */
static int
xml_check_ref(struct xml_lexer *lx)
{
	static const char *const named[] = { "lt;", "gt;", "amp;", "quot;", "apos;" };
	const unsigned char *p = lx->buf + lx->pos + 1;
	size_t left = lx->len - lx->pos - 1;
	uint32_t cp = 0;
	size_t i = 0;

	for (size_t k = 0; k < sizeof(named) / sizeof(named[0]); k++) {
		size_t n = strlen(named[k]);
		if (left >= n && memcmp(p, named[k], n) == 0) {
			lx->pos += n + 1;
			return 0;
		}
	}
	if (left < 3 || p[0] != '#')
		return xml_fail(lx, XML_ERR_SYNTAX, "undefined entity");
	if (p[1] == 'x') {
		for (i = 2; i < left && i < 10 && p[i] != ';'; i++) {
			unsigned char c = p[i];
			unsigned v = (c >= '0' && c <= '9') ? c - '0' :
			    (c >= 'a' && c <= 'f') ? c - 'a' + 10 :
			    (c >= 'A' && c <= 'F') ? c - 'A' + 10 : 16;
			if (v == 16)
				return xml_fail(lx, XML_ERR_SYNTAX, "bad character reference");
			cp = cp * 16 + v;
		}
		if (i == 2)
			return xml_fail(lx, XML_ERR_SYNTAX, "bad character reference");
	} else {
		for (i = 1; i < left && i < 9 && p[i] != ';'; i++) {
			if (p[i] < '0' || p[i] > '9')
				return xml_fail(lx, XML_ERR_SYNTAX, "bad character reference");
			cp = cp * 10 + (p[i] - '0');
		}
		if (i == 1)
			return xml_fail(lx, XML_ERR_SYNTAX, "bad character reference");
	}
	if (i >= left || p[i] != ';')
		return xml_fail(lx, XML_ERR_SYNTAX, "bad character reference");
	if (!(cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
	    (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF)))
		return xml_fail(lx, XML_ERR_SYNTAX, "reference to a character XML forbids");
	lx->pos += i + 2;
	return 0;
}

/* Read an XML name at pos; returns its length, 0 if none. */
static size_t
xml_name_len(const struct xml_lexer *lx)
{
	size_t i = lx->pos;
	unsigned char c;

	if (i >= lx->len)
		return 0;
	c = lx->buf[i];
	if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
	    c == ':' || c >= 0x80))
		return 0;
	while (i < lx->len) {
		c = lx->buf[i];
		if (xml_is_space(c) || c == '/' || c == '>' || c == '=' ||
		    c == '<' || c == '"' || c == '\'' || c == '&')
			break;
		i++;
	}
	return i - lx->pos;
}

/*
 * The XML declaration, if any: only at the very start, version 1.x, and an
 * encoding (when given) of UTF-8 or US-ASCII, the only ones Mini-XML reads.
 */
static int
xml_check_decl(struct xml_lexer *lx)
{
	const unsigned char *end, *enc;
	size_t start = lx->pos;
	char name[16];
	size_t i;

	if (!xml_starts(lx, "<?xml") || lx->len - lx->pos < 6 ||
	    !xml_is_space(lx->buf[lx->pos + 5]))
		return 0;
	if (xml_skip_past(lx, "?>") != 0)
		return xml_fail(lx, XML_ERR_SYNTAX, "unterminated XML declaration");
	end = lx->buf + lx->pos;
	enc = NULL;
	for (const unsigned char *p = lx->buf + start; p + 8 < end; p++) {
		if (memcmp(p, "encoding", 8) == 0) {
			enc = p + 8;
			break;
		}
	}
	if (enc == NULL)
		return 0;
	while (enc < end && (xml_is_space(*enc) || *enc == '='))
		enc++;
	if (enc >= end || (*enc != '"' && *enc != '\''))
		return xml_fail(lx, XML_ERR_SYNTAX, "bad encoding declaration");
	enc++;
	for (i = 0; enc + i < end && enc[i] != '"' && enc[i] != '\'' &&
	    i < sizeof(name) - 1; i++)
		name[i] = (char)((enc[i] >= 'a' && enc[i] <= 'z') ? enc[i] - 32 : enc[i]);
	name[i] = '\0';
	if (strcmp(name, "UTF-8") != 0 && strcmp(name, "US-ASCII") != 0 &&
	    strcmp(name, "ASCII") != 0)
		return xml_fail(lx, XML_ERR_ENCODING, "encoding other than UTF-8");
	return 0;
}

/*
 * One start tag, from '<' to '>' or "/>". Checks attribute syntax and
 * uniqueness. *selfclose tells which ending it had.
 */
static int
xml_start_tag(struct xml_lexer *lx, size_t *name_off, size_t *name_len,
              int *selfclose)
{
	struct xml_attr_name *seen;
	unsigned nseen = 0;
	size_t n;
	int rc = XML_ERR_SYNTAX;

	seen = calloc(lx->lim->max_attrs + 1, sizeof(*seen));
	if (seen == NULL)
		return XML_ERR_NOMEM;
	lx->pos++; /* '<' */
	if ((n = xml_name_len(lx)) == 0) {
		rc = xml_fail(lx, XML_ERR_SYNTAX, "bad element name");
		goto out;
	}
	*name_off = lx->pos;
	*name_len = n;
	lx->pos += n;
	for (;;) {
		int had_space = 0;
		unsigned char q;

		while (lx->pos < lx->len && xml_is_space(lx->buf[lx->pos])) {
			lx->pos++;
			had_space = 1;
		}
		if (lx->pos >= lx->len) {
			rc = xml_fail(lx, XML_ERR_SYNTAX, "unterminated tag");
			goto out;
		}
		if (xml_starts(lx, "/>")) {
			lx->pos += 2;
			*selfclose = 1;
			break;
		}
		if (lx->buf[lx->pos] == '>') {
			lx->pos++;
			*selfclose = 0;
			break;
		}
		if (!had_space || (n = xml_name_len(lx)) == 0) {
			rc = xml_fail(lx, XML_ERR_SYNTAX, "bad attribute");
			goto out;
		}
		for (unsigned i = 0; i < nseen; i++) {
			if (seen[i].len == n &&
			    memcmp(seen[i].p, lx->buf + lx->pos, n) == 0) {
				rc = xml_fail(lx, XML_ERR_ATTR, "duplicate attribute");
				goto out;
			}
		}
		if (nseen >= lx->lim->max_attrs) {
			rc = xml_fail(lx, XML_ERR_ATTR, "too many attributes");
			goto out;
		}
		seen[nseen].p = (const char *)lx->buf + lx->pos;
		seen[nseen].len = n;
		nseen++;
		lx->pos += n;
		while (lx->pos < lx->len && xml_is_space(lx->buf[lx->pos]))
			lx->pos++;
		if (lx->pos >= lx->len || lx->buf[lx->pos] != '=') {
			rc = xml_fail(lx, XML_ERR_SYNTAX, "attribute without value");
			goto out;
		}
		lx->pos++;
		while (lx->pos < lx->len && xml_is_space(lx->buf[lx->pos]))
			lx->pos++;
		if (lx->pos >= lx->len ||
		    (lx->buf[lx->pos] != '"' && lx->buf[lx->pos] != '\'')) {
			rc = xml_fail(lx, XML_ERR_SYNTAX, "unquoted attribute value");
			goto out;
		}
		q = lx->buf[lx->pos++];
		while (lx->pos < lx->len && lx->buf[lx->pos] != q) {
			if (lx->buf[lx->pos] == '<') {
				rc = xml_fail(lx, XML_ERR_SYNTAX, "'<' in attribute value");
				goto out;
			}
			if (lx->buf[lx->pos] == '&') {
				if ((rc = xml_check_ref(lx)) != 0)
					goto out;
				rc = XML_ERR_SYNTAX;
				continue;
			}
			lx->pos++;
		}
		if (lx->pos >= lx->len) {
			rc = xml_fail(lx, XML_ERR_SYNTAX, "unterminated attribute value");
			goto out;
		}
		lx->pos++;
	}
	rc = 0;
out:
	free(seen);
	return rc;
}

/* The whole lexical pass. */
static int
xml_lex(struct xml_lexer *lx)
{
	size_t *stack_off, *stack_len;
	unsigned depth = 0;
	int seen_root = 0, rc;

	if ((rc = xml_check_chars(lx)) != 0)
		return rc;
	if ((rc = xml_check_decl(lx)) != 0)
		return rc;
	stack_off = calloc(lx->lim->max_depth + 1, sizeof(size_t));
	stack_len = calloc(lx->lim->max_depth + 1, sizeof(size_t));
	if (stack_off == NULL || stack_len == NULL) {
		rc = XML_ERR_NOMEM;
		goto out;
	}
	rc = XML_ERR_SYNTAX;
	while (lx->pos < lx->len) {
		unsigned char c = lx->buf[lx->pos];

		if (c != '<') {
			if (depth == 0 && !xml_is_space(c)) {
				rc = xml_fail(lx, XML_ERR_SYNTAX, "text outside the root element");
				goto out;
			}
			if (c == '&') {
				if ((rc = xml_check_ref(lx)) != 0)
					goto out;
				rc = XML_ERR_SYNTAX;
				continue;
			}
			lx->pos++;
			continue;
		}
		if (xml_starts(lx, "<!--")) {
			lx->pos += 4;
			if (xml_skip_past(lx, "-->") != 0) {
				rc = xml_fail(lx, XML_ERR_SYNTAX, "unterminated comment");
				goto out;
			}
		} else if (xml_starts(lx, "<![CDATA[")) {
			rc = xml_fail(lx, XML_ERR_CDATA, "CDATA section");
			goto out;
		} else if (xml_starts(lx, "<!")) {
			rc = xml_fail(lx, XML_ERR_DOCTYPE, "DOCTYPE or declaration");
			goto out;
		} else if (xml_starts(lx, "<?")) {
			rc = xml_fail(lx, XML_ERR_PI, "processing instruction");
			goto out;
		} else if (xml_starts(lx, "</")) {
			size_t n;

			lx->pos += 2;
			n = xml_name_len(lx);
			if (depth == 0 || n != stack_len[depth - 1] ||
			    memcmp(lx->buf + lx->pos, lx->buf + stack_off[depth - 1], n) != 0) {
				rc = xml_fail(lx, XML_ERR_SYNTAX, "mismatched end tag");
				goto out;
			}
			lx->pos += n;
			while (lx->pos < lx->len && xml_is_space(lx->buf[lx->pos]))
				lx->pos++;
			if (lx->pos >= lx->len || lx->buf[lx->pos] != '>') {
				rc = xml_fail(lx, XML_ERR_SYNTAX, "bad end tag");
				goto out;
			}
			lx->pos++;
			depth--;
		} else {
			size_t off = 0, n = 0;
			int selfclose = 0;

			if (depth == 0 && seen_root) {
				rc = xml_fail(lx, XML_ERR_SYNTAX, "second root element");
				goto out;
			}
			if (depth >= lx->lim->max_depth) {
				rc = xml_fail(lx, XML_ERR_DEPTH, "nesting too deep");
				goto out;
			}
			if ((rc = xml_start_tag(lx, &off, &n, &selfclose)) != 0)
				goto out;
			rc = XML_ERR_SYNTAX;
			seen_root = 1;
			if (!selfclose) {
				stack_off[depth] = off;
				stack_len[depth] = n;
				depth++;
			}
		}
	}
	if (!seen_root || depth != 0) {
		rc = xml_fail(lx, XML_ERR_SYNTAX, seen_root ? "unclosed element" : "no root element");
		goto out;
	}
	rc = 0;
out:
	free(stack_off);
	free(stack_len);
	return rc;
}

static void
xml_quiet(const char *msg)
{
	(void)msg; /* Mini-XML would print to stderr; our caller reports. */
}

static int
xml_is_markup(mxml_node_t *node)
{
	const char *name = mxmlGetElement(node);

	return name == NULL || name[0] == '!' || name[0] == '?';
}

/*
 * Check, then load. The document gets a synthetic top node so that the XML
 * declaration and comments around the root stay inside one tree.
 */
int
xml_parse(const char *buf, size_t len, const struct xml_limits *lim,
          mxml_node_t **doc, mxml_node_t **root, char *why, size_t whylen)
{
	struct xml_lexer lx = { (const unsigned char *)buf, 0, len, lim, why, whylen };
	mxml_node_t *top = NULL, *n, *r = NULL;
	char *copy = NULL;
	int rc;

	*doc = NULL;
	*root = NULL;
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (len == 0 || len > lim->max_size)
		return xml_fail(&lx, XML_ERR_SIZE, "document size out of bounds");
	/* A UTF-8 byte order mark is allowed and skipped. */
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
		lx.buf += 3;
		lx.len -= 3;
	}
	if ((rc = xml_lex(&lx)) != 0)
		return rc;
	rc = XML_ERR_NOMEM;
	if ((copy = malloc(lx.len + 1)) == NULL)
		goto out;
	memcpy(copy, lx.buf, lx.len);
	copy[lx.len] = '\0';
	if ((top = mxmlNewElement(MXML_NO_PARENT, "updown-document")) == NULL)
		goto out;
	mxmlSetErrorCallback(xml_quiet);
	if (mxmlLoadString(top, copy, MXML_OPAQUE_CALLBACK) == NULL) {
		rc = xml_fail(&lx, XML_ERR_SYNTAX, "not well-formed (entity or markup)");
		goto out;
	}
	/* The root is a child of top, or of the "?xml" node Mini-XML makes. */
	for (n = mxmlGetFirstChild(top); n != NULL && r == NULL;
	    n = mxmlGetNextSibling(n)) {
		if (mxmlGetType(n) != MXML_ELEMENT)
			continue;
		if (!xml_is_markup(n)) {
			r = n;
		} else if (mxmlGetElement(n)[0] == '?') {
			for (mxml_node_t *c = mxmlGetFirstChild(n); c != NULL && r == NULL;
			    c = mxmlGetNextSibling(c))
				if (mxmlGetType(c) == MXML_ELEMENT && !xml_is_markup(c))
					r = c;
		}
	}
	if (r == NULL) {
		rc = xml_fail(&lx, XML_ERR_SYNTAX, "no root element");
		goto out;
	}
	*doc = top;
	*root = r;
	top = NULL;
	rc = 0;
out:
	free(copy);
	if (top != NULL)
		mxmlDelete(top);
	return rc;
}

/* Namespace bound to prefix (plen bytes; 0 = default) in scope at el. */
static const char *
xml_ns_lookup(mxml_node_t *el, const char *prefix, size_t plen, int *found)
{
	char attr[80];

	*found = 0;
	if (plen == 3 && memcmp(prefix, "xml", 3) == 0) {
		*found = 1;
		return XML_NS_XML;
	}
	if (plen == 0)
		snprintf(attr, sizeof(attr), "xmlns");
	else if (plen < sizeof(attr) - 7)
		snprintf(attr, sizeof(attr), "xmlns:%.*s", (int)plen, prefix);
	else
		return NULL;
	for (; el != NULL; el = mxmlGetParent(el)) {
		const char *v;

		if (mxmlGetType(el) != MXML_ELEMENT)
			continue;
		if ((v = mxmlElementGetAttr(el, attr)) != NULL) {
			*found = 1;
			return v[0] == '\0' ? NULL : v;
		}
	}
	/* No default namespace declared: the element is in none. */
	if (plen == 0)
		*found = 1;
	return NULL;
}

int
xml_name(mxml_node_t *el, const char **ns, const char **local)
{
	const char *name = mxmlGetElement(el), *colon;
	int found;

	*ns = NULL;
	*local = NULL;
	if (name == NULL)
		return XML_ERR_SYNTAX;
	colon = strchr(name, ':');
	if (colon == NULL) {
		*ns = xml_ns_lookup(el, name, 0, &found);
		*local = name;
	} else {
		*ns = xml_ns_lookup(el, name, (size_t)(colon - name), &found);
		*local = colon + 1;
	}
	return found ? 0 : XML_ERR_NS;
}

bool
xml_is(mxml_node_t *el, const char *ns, const char *local)
{
	const char *ens, *elocal;

	if (el == NULL || mxmlGetType(el) != MXML_ELEMENT ||
	    xml_name(el, &ens, &elocal) != 0)
		return false;
	if ((ns == NULL) != (ens == NULL))
		return false;
	return (ns == NULL || strcmp(ns, ens) == 0) && strcmp(local, elocal) == 0;
}

mxml_node_t *
xml_next_element(mxml_node_t *parent, mxml_node_t *prev, bool *bad)
{
	mxml_node_t *n = prev != NULL ? mxmlGetNextSibling(prev) : mxmlGetFirstChild(parent);

	for (; n != NULL; n = mxmlGetNextSibling(n)) {
		if (mxmlGetType(n) == MXML_ELEMENT) {
			if (!xml_is_markup(n))
				return n;
			continue;
		}
		if (mxmlGetType(n) == MXML_OPAQUE) {
			const char *t = mxmlGetOpaque(n);

			for (; t != NULL && *t != '\0'; t++)
				if (!xml_is_space((unsigned char)*t))
					*bad = true;
		} else {
			*bad = true;
		}
	}
	return NULL;
}

char *
xml_text(mxml_node_t *el)
{
	size_t total = 0, off = 0;
	mxml_node_t *n;
	char *out;

	for (n = mxmlGetFirstChild(el); n != NULL; n = mxmlGetNextSibling(n)) {
		if (mxmlGetType(n) == MXML_OPAQUE)
			total += strlen(mxmlGetOpaque(n));
		else if (mxmlGetType(n) != MXML_ELEMENT || !xml_is_markup(n))
			return NULL;
	}
	if ((out = malloc(total + 1)) == NULL)
		return NULL;
	for (n = mxmlGetFirstChild(el); n != NULL; n = mxmlGetNextSibling(n)) {
		if (mxmlGetType(n) == MXML_OPAQUE) {
			size_t k = strlen(mxmlGetOpaque(n));
			memcpy(out + off, mxmlGetOpaque(n), k);
			off += k;
		}
	}
	out[off] = '\0';
	return out;
}

const char *
xml_attr(mxml_node_t *el, int i, const char **ns, const char **name)
{
	const char *full = NULL, *v, *colon;
	int found;

	*ns = NULL;
	*name = NULL;
	if (i < 0 || i >= mxmlElementGetAttrCount(el))
		return NULL;
	v = mxmlElementGetAttrByIndex(el, i, &full);
	if (v == NULL || full == NULL)
		return NULL;
	if (strcmp(full, "xmlns") == 0 || strncmp(full, "xmlns:", 6) == 0)
		return "";
	if ((colon = strchr(full, ':')) == NULL) {
		*name = full;
		return v;
	}
	*name = colon + 1;
	*ns = xml_ns_lookup(el, full, (size_t)(colon - full), &found);
	if (!found || *ns == NULL)
		*ns = ""; /* undeclared prefix: matches no namespace we know */
	return v;
}

static const char *
xml_ws_cb(mxml_node_t *node, int where)
{
	const char *name = mxmlGetElement(node);
	mxml_node_t *c;

	if (where == MXML_WS_AFTER_CLOSE)
		return "\n";
	if (where == MXML_WS_AFTER_OPEN) {
		if (name != NULL && name[0] == '?')
			return "\n";
		c = mxmlGetFirstChild(node);
		if (c == NULL || mxmlGetType(c) == MXML_ELEMENT)
			return "\n";
	}
	return NULL;
}

int
xml_save(mxml_node_t *doc, char **out, size_t *len)
{
	char *s;

	mxmlSetWrapMargin(0);
	if ((s = mxmlSaveAllocString(doc, xml_ws_cb)) == NULL)
		return XML_ERR_NOMEM;
	*out = s;
	*len = strlen(s);
	return 0;
}

const char *
xml_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case XML_ERR_SIZE: return "XML document empty or too large";
	case XML_ERR_NUL: return "NUL byte in XML";
	case XML_ERR_UTF8: return "XML is not valid UTF-8";
	case XML_ERR_DOCTYPE: return "DOCTYPE or entity declaration refused";
	case XML_ERR_PI: return "processing instruction refused";
	case XML_ERR_CDATA: return "CDATA section refused";
	case XML_ERR_DEPTH: return "XML nested too deeply";
	case XML_ERR_ATTR: return "duplicate or too many attributes";
	case XML_ERR_SYNTAX: return "XML not well-formed";
	case XML_ERR_ENCODING: return "XML encoding other than UTF-8";
	case XML_ERR_NS: return "undeclared XML namespace prefix";
	case XML_ERR_NOMEM: return "out of memory";
	default: return "unknown XML error";
	}
}
