/*
 * updownctl onboard: a child's RFC 8183 child_request in, the child
 * registered in the allocation table, our parent_response out.
 *
 *   onboard --dir CONFDIR --table TABLE [--handle NEW] [--at TIME]
 *           -o PARENT_RESPONSE.xml CHILD_REQUEST.xml
 *
 * The request is decoded by proto/oob (UD-151: namespace-aware, base64
 * with whitespace, Krill's namespace without the slash, rpkid's
 * "identity"), its child_bpki_ta checked at TIME (UD-152: a CA
 * certificate, valid, self-signature verified when self-signed; an
 * intermediate is accepted). The child is written into the table as
 * "child HANDLE ta=BASE64DER" (docs/allocation-table.md): a new line, or
 * the child's existing declaration replaced, which replaces its TA
 * (UD-155); the rest of the file, comments included, is left as it is.
 * The table travels to the appliance in the operators' signed bundle, so
 * onboarding a child takes their signatures too. The parent_response
 * (UD-153) carries service_uri = service_uri_base + handle, our
 * parent_handle, the child_handle we assign (--handle renames, as APNIC
 * does), our BPKI TA, and the request's tag echoed.
 *
 * Both files are written whole or not at all. Exit codes: 0 ok; 1 the
 * request or the table was refused; 2 usage; 3 I/O.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/base64.h>
#include <mbedtls/x509_crt.h>

#include "proto/alloc.h"
#include "proto/conf.h"
#include "proto/oob.h"
#include "updownctl.h"

static int
onboard_usage(void)
{
	fputs("usage: updownctl onboard --dir CONFDIR --table TABLE [--handle NEW] [--at TIME]\n"
	    "         -o PARENT_RESPONSE.xml CHILD_REQUEST.xml\n", stderr);
	return EXIT_USAGE;
}

/* A growing text buffer. */
struct tbuf {
	char *p;
	size_t len, cap;
	bool fail;
};

static void
tb_put(struct tbuf *b, const char *s, size_t n)
{
	if (b->fail)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t want = b->cap ? b->cap : 4096;
		char *np;

		while (want < b->len + n + 1)
			want *= 2;
		if ((np = realloc(b->p, want)) == NULL) {
			b->fail = true;
			return;
		}
		b->p = np;
		b->cap = want;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
tb_str(struct tbuf *b, const char *s)
{
	tb_put(b, s, strlen(s));
}

/* Physical line i (1-based) of text: start and length without the LF. */
static bool
line_at(const char *text, size_t len, unsigned long want, const char **start, size_t *n)
{
	const char *p = text, *e = text + len;
	unsigned long line = 1;

	while (line < want) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));

		if (nl == NULL)
			return false;
		p = nl + 1;
		line++;
	}
	if (p > e || (p == e && want > 1))
		return false;
	{
		const char *nl = memchr(p, '\n', (size_t)(e - p));

		*start = p;
		*n = (size_t)((nl != NULL ? nl : e) - p);
	}
	return true;
}

/*
 * As the table parser reads a line (docs/allocation-table.md): where its
 * comment starts (n when none) and whether it continues on the next.
 */
static void
line_shape(const char *p, size_t n, size_t *comment, bool *cont)
{
	size_t i, m;

	if (n > 0 && p[n - 1] == '\r')
		n--;
	for (i = 0; i < n; i++)
		if (p[i] == '#' && (i == 0 || p[i - 1] == ' ' || p[i - 1] == '\t'))
			break;
	*comment = i;
	m = i;
	while (m > 0 && (p[m - 1] == ' ' || p[m - 1] == '\t'))
		m--;
	*cont = m > 0 && p[m - 1] == '\\';
}

/* The last physical line of the statement that starts at line first. */
static unsigned long
statement_end(const char *text, size_t len, unsigned long first)
{
	unsigned long l = first;

	for (;;) {
		const char *p;
		size_t n, c;
		bool cont;

		if (!line_at(text, len, l, &p, &n))
			return l - 1;
		line_shape(p, n, &c, &cont);
		if (!cont)
			return l;
		l++;
	}
}

/*
 * The table text with the child's declaration set to new_line: its
 * statement replaced (a one-line statement keeps its comment), or the
 * line added after the last child declaration (at the end without one).
 */
static int
edit_table(const char *text, size_t len, const struct alloc_table *t, const char *handle,
           const char *new_line, struct tbuf *out, bool *replaced)
{
	const struct alloc_child *c = alloc_find_child(t, handle);
	unsigned long first = 0, last = 0, l;
	const char *p;
	size_t n, i;

	*replaced = c != NULL;
	if (c != NULL) {
		first = c->line;
		last = statement_end(text, len, first);
	} else if (t->nchildren > 0) {
		/* just after the last child statement */
		for (i = 0; i < t->nchildren; i++) {
			unsigned long e = statement_end(text, len, t->children[i].line);

			if (e > last)
				last = e;
		}
		first = last + 1;
	}
	for (l = 1; line_at(text, len, l, &p, &n); l++) {
		if (l == first && c == NULL) {
			tb_str(out, new_line);
			tb_str(out, "\n");
		} else if (l == first) {
			size_t cm;
			bool cont;

			tb_str(out, new_line);
			/* a one-line declaration keeps its comment */
			line_shape(p, n, &cm, &cont);
			if (first == last && cm < n) {
				size_t k = n;

				if (p[k - 1] == '\r')
					k--;
				if (k > cm) {
					tb_str(out, "   ");
					tb_put(out, p + cm, k - cm);
				}
			}
			tb_str(out, "\n");
			continue;
		} else if (c != NULL && l > first && l <= last) {
			continue;
		}
		tb_put(out, p, n);
		tb_str(out, "\n");	/* also ends a last line that had no newline */
	}
	if (c == NULL && (first == 0 || first >= l)) {
		tb_str(out, new_line);
		tb_str(out, "\n");
	}
	return out->fail ? EXIT_IO : 0;
}

/* Write two files at once: both temporary files first, then both renames. */
static int
write_two(const char *p1, const void *b1, size_t l1, const char *p2, const void *b2, size_t l2)
{
	char t1[4200], t2[4200];
	FILE *f;
	bool ok = true;

	if (snprintf(t1, sizeof(t1), "%s.onboard-tmp", p1) >= (int)sizeof(t1) ||
	    snprintf(t2, sizeof(t2), "%s.onboard-tmp", p2) >= (int)sizeof(t2))
		return EXIT_IO;
	if ((f = fopen(t1, "wb")) == NULL || fwrite(b1, 1, l1, f) != l1 || fclose(f) != 0)
		ok = false;
	if (ok && ((f = fopen(t2, "wb")) == NULL || fwrite(b2, 1, l2, f) != l2 || fclose(f) != 0))
		ok = false;
	if (!ok || rename(t1, p1) != 0 || rename(t2, p2) != 0) {
		fprintf(stderr, "updownctl: writing %s and %s: %s\n", p1, p2, strerror(errno));
		remove(t1);
		remove(t2);
		return EXIT_IO;
	}
	return 0;
}

/* updownctl onboard ... */
int
cmd_onboard(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "table", required_argument, NULL, 't' },
		{ "handle", required_argument, NULL, 'h' },
		{ "at", required_argument, NULL, 'a' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *table = NULL, *handle = NULL, *out = NULL, *req_path;
	time_t at = time(NULL);
	struct conf c;
	struct oob_msg req, resp, back;
	struct alloc_table t, t2;
	struct alloc_error aerr;
	struct tbuf nt = { NULL, 0, 0, false };
	unsigned char *xml = NULL, *tab = NULL, *our_ta = NULL, *b64 = NULL;
	size_t xml_len, tab_len, our_ta_len, b64_len = 0, resp_len;
	char why[256], *ta_path = NULL, *line = NULL, *resp_xml = NULL, fp[65];
	const struct oob_der *ta;
	const struct alloc_child *nc;
	unsigned long at_line;
	bool self_signed = false, replaced = false;
	int ch, rc, r;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 't': table = optarg; break;
		case 'h': handle = optarg; break;
		case 'a':
			if (ctl_parse_time("--at", optarg, &at) != 0)
				return EXIT_USAGE;
			break;
		case 'o': out = optarg; break;
		default: return onboard_usage();
		}
	}
	if (dir == NULL || table == NULL || out == NULL || optind != argc - 1)
		return onboard_usage();
	req_path = argv[optind];
	if (handle != NULL && !oob_handle_ok(handle)) {
		fprintf(stderr, "updownctl: --handle: not [-_A-Za-z0-9/]{1,255} (RFC 8183, UD-154)\n");
		return EXIT_USAGE;
	}
	oob_msg_init(&req);
	oob_msg_init(&resp);
	oob_msg_init(&back);
	alloc_table_init(&t);
	alloc_table_init(&t2);
	if ((rc = ctl_conf_load(dir, &c)) != 0)
		goto out;
	rc = EXIT_IO;
	if ((ta_path = ctl_conf_path(dir, c.bpki.ta_cert)) == NULL)
		goto out;
	if ((rc = ctl_read_der(ta_path, "CERTIFICATE", &our_ta, &our_ta_len)) != 0 ||
	    (rc = ctl_read_file(req_path, &xml, &xml_len)) != 0 ||
	    (rc = ctl_read_file(table, &tab, &tab_len)) != 0)
		goto out;

	/* the request (UD-151) */
	rc = EXIT_REFUSED;
	if ((r = oob_decode((const char *)xml, xml_len, &req, why, sizeof(why))) != 0) {
		fprintf(stderr, "updownctl: %s: refused: %s\n", req_path, why);
		goto out;
	}
	if (req.type != OOB_CHILD_REQUEST) {
		fprintf(stderr, "updownctl: %s: not a child_request (RFC 8183 section 5.2.1)\n",
		    req_path);
		goto out;
	}
	if (req.flags & OOB_F_NS_NO_SLASH)
		printf("note: namespace without its trailing slash (Krill < 0.10), accepted\n");
	if (req.flags & OOB_F_IDENTITY)
		printf("note: rpkid's older <identity> element, read as a child_request\n");
	if (handle == NULL)
		handle = req.u.child_request.child_handle;
	ta = &req.u.child_request.child_bpki_ta;
	/* UD-152: a CA certificate, valid at the time, self-signature checked */
	if ((r = oob_check_bpki_ta(ta->p, ta->len, at, &self_signed)) != 0) {
		char when[32];
		struct tm tm;

		gmtime_r(&at, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(stderr, "updownctl: %s: child_bpki_ta refused at %s: %s (UD-152)\n",
		    req_path, when, oob_strerror(r));
		goto out;
	}
	if (ta->len > ALLOC_MAX_TA) {
		fprintf(stderr, "updownctl: %s: child_bpki_ta larger than %u bytes\n", req_path,
		    ALLOC_MAX_TA);
		goto out;
	}

	/* the table: it must parse before and after */
	if (alloc_parse((const char *)tab, tab_len, table, &t, &aerr) != 0) {
		fprintf(stderr, "updownctl: %s\n", aerr.msg);
		goto out;
	}
	rc = EXIT_IO;
	(void)mbedtls_base64_encode(NULL, 0, &b64_len, ta->p, ta->len);
	if ((b64 = malloc(b64_len)) == NULL ||
	    mbedtls_base64_encode(b64, b64_len, &b64_len, ta->p, ta->len) != 0)
		goto out;
	if ((line = malloc(strlen(handle) + b64_len + 16)) == NULL)
		goto out;
	snprintf(line, strlen(handle) + b64_len + 16, "child %s ta=%.*s", handle, (int)b64_len,
	    (const char *)b64);
	nc = alloc_find_child(&t, handle);
	if (nc != NULL && nc->ta_len == ta->len && memcmp(nc->ta, ta->p, ta->len) == 0) {
		/* the same TA again: the table stays as it is */
		tb_put(&nt, (const char *)tab, tab_len);
		if (nt.fail)
			goto out;
		printf("child %s is registered with this BPKI TA already (%s:%lu)\n", handle, table,
		    nc->line);
	} else if ((rc = edit_table((const char *)tab, tab_len, &t, handle, line, &nt,
	    &replaced)) != 0) {
		goto out;
	}
	rc = EXIT_IO;
	if (alloc_parse(nt.p, nt.len, table, &t2, &aerr) != 0) {
		fprintf(stderr, "updownctl: the edited table does not parse: %s\n", aerr.msg);
		rc = EXIT_REFUSED;
		goto out;
	}
	nc = alloc_find_child(&t2, handle);
	if (nc == NULL || nc->ta_len != ta->len || memcmp(nc->ta, ta->p, ta->len) != 0) {
		fprintf(stderr, "updownctl: internal error: the edited table lacks the child\n");
		goto out;
	}
	at_line = nc->line;

	/* the response (UD-153) */
	resp.type = OOB_PARENT_RESPONSE;
	if (req.tag != NULL && (resp.tag = strdup(req.tag)) == NULL)
		goto out;
	if (conf_service_uri(&c, handle, &resp.u.parent_response.service_uri) != 0 ||
	    (resp.u.parent_response.child_handle = strdup(handle)) == NULL ||
	    (resp.u.parent_response.parent_handle = strdup(c.handle)) == NULL ||
	    (resp.u.parent_response.parent_bpki_ta.p = malloc(our_ta_len)) == NULL)
		goto out;
	memcpy(resp.u.parent_response.parent_bpki_ta.p, our_ta, our_ta_len);
	resp.u.parent_response.parent_bpki_ta.len = our_ta_len;
	if ((r = oob_encode(&resp, &resp_xml, &resp_len)) != 0) {
		fprintf(stderr, "updownctl: the parent_response: %s\n", oob_strerror(r));
		rc = EXIT_REFUSED;
		goto out;
	}
	/* what we send decodes to what we meant */
	if (oob_decode(resp_xml, resp_len, &back, why, sizeof(why)) != 0 ||
	    !oob_msg_equal(&resp, &back)) {
		fprintf(stderr, "updownctl: internal error: our parent_response does not decode\n");
		goto out;
	}
	if ((rc = write_two(table, nt.p, nt.len, out, resp_xml, resp_len)) != 0)
		goto out;
	ctl_sha256_hex(ta->p, ta->len, fp);
	printf("child %s%s%s%s\n", handle,
	    strcmp(handle, req.u.child_request.child_handle) != 0 ? " (asked for \"" : "",
	    strcmp(handle, req.u.child_request.child_handle) != 0 ?
	    req.u.child_request.child_handle : "",
	    strcmp(handle, req.u.child_request.child_handle) != 0 ? "\")" : "");
	printf("  BPKI TA SHA-256 %s (%s)\n", fp, self_signed ? "self-signed" :
	    "not self-signed: an intermediate, accepted (UD-152)");
	printf("  table %s:%lu: %s\n", table, at_line, replaced ?
	    "declaration replaced: the new TA replaces the old one (UD-155)" :
	    nt.len == tab_len ? "unchanged" : "declaration added");
	printf("  parent_response %s: service_uri %s, parent_handle %s\n", out,
	    resp.u.parent_response.service_uri, c.handle);
	printf("next: grant resources, raise the table's version, then bundle create/sign/deliver\n");
	rc = 0;
out:
	free(xml);
	free(tab);
	free(our_ta);
	free(b64);
	free(ta_path);
	free(line);
	free(resp_xml);
	free(nt.p);
	oob_msg_free(&req);
	oob_msg_free(&resp);
	oob_msg_free(&back);
	alloc_table_free(&t);
	alloc_table_free(&t2);
	conf_free(&c);
	return rc;
}
