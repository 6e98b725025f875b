/*
 * Integration fixture for the appliance: see appfix.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "appfix.h"
#include "crypto/crl.h"
#include "proto/bundle.h"
#include "proto/cms.h"

#ifndef UPDOWN_APPLIANCE
#define UPDOWN_APPLIANCE "updown-appliance"
#endif

static const char *const child_names[APP_NCHILDREN] = { "alice", "bob", "carol", "mallory" };

void
app_write(struct app *a, const char *name, const void *p, size_t len)
{
	char path[600];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", a->work, name);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(p, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

unsigned char *
app_read(struct app *a, const char *name, size_t *len)
{
	char path[600];
	unsigned char *buf;
	struct stat st;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", a->work, name);
	*len = 0;
	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	assert_int_equal(fstat(fileno(fp), &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)st.st_size, fp), (size_t)st.st_size);
	buf[st.st_size] = '\0';
	fclose(fp);
	*len = (size_t)st.st_size;
	return buf;
}

int
app_openssl(struct app *a, const char *fmt, ...)
{
	char args[2048], cmd[3072];
	const char *ossl = getenv("OPENSSL");
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' %s >>openssl.log 2>&1", a->work,
	    ossl != NULL && *ossl ? ossl : "openssl", args);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

char *
app_table(struct app *a, uint64_t version, bool shrink_alice)
{
	size_t cap = 65536, o = 0, i;
	char *t = malloc(cap), na[32];
	time_t when = a->f.now + 180 * EF_DAY;
	struct tm tm;

	gmtime_r(&when, &tm);
	strftime(na, sizeof(na), "%Y-%m-%dT%H:%M:%SZ", &tm);

	assert_non_null(t);
	o += (size_t)snprintf(t + o, cap - o, "version %llu\nclass " EF_CLASS "\n",
	    (unsigned long long)version);
	for (i = 0; i < 3; i++) {
		char *ta = ef_b64(a->child[i]->ta, a->child[i]->ta_len);
		o += (size_t)snprintf(t + o, cap - o, "child %s ta=%s\n", a->child[i]->handle, ta);
		free(ta);
	}
	o += (size_t)snprintf(t + o, cap - o, "grant alice " EF_CLASS " as=64496 ipv4=%s "
	    "notafter=%s\ngrant bob " EF_CLASS " ipv4=10.2.0.0/16 ipv6=2001:db8:2::/48 "
	    "notafter=%s\n", shrink_alice ? "10.1.0.0/17" : "10.1.0.0/16", na, na);
	assert_true(o < cap);
	return t;
}

unsigned char *
app_bundle(struct app *a, const char *table, uint64_t version, const int *ops, size_t n,
    unsigned flags, size_t *len)
{
	unsigned char *der = NULL, *next = NULL;
	size_t dlen = 0, nlen = 0, i;
	struct alloc_error err;

	memset(&err, 0, sizeof(err));
	if (bundle_create(table, strlen(table), version, time(NULL), "test", flags, &der, &dlen,
	    &err) != 0)
		fail_msg("bundle_create: %s", err.msg);
	for (i = 0; i < n; i++) {
		struct ef_key *k = a->op[ops[i]];
		struct signer_cms_ctx ctx = { ef_signer(), k->key };
		struct bundle_signer bs = { k->spki, k->spki_len, NULL, 0, signer_cms_sign, &ctx };

		assert_int_equal(bundle_add_signature(der, dlen, &bs, time(NULL), &next, &nlen), 0);
		free(der);
		der = next;
		dlen = nlen;
	}
	*len = dlen;
	return der;
}

static void
write_conf(struct app *a)
{
	char text[4096];
	int n;

	n = snprintf(text, sizeof(text),
	    "[appliance]\nhandle = " EF_HANDLE "\nstate_dir = store\n"
	    "service_uri_base = http://" NS_LWIP_ADDR APP_BASE_PATH "\n\n"
	    "[hsm]\nmodule = %s\ntoken_uri = %s\n\n"
	    "[bpki]\nta_cert = bpki-ta.cer\nta_key = app-bpki-ta\nee_cert = bpki-ee.cer\n"
	    "ee_key = app-bpki-ee\ncrl = bpki.crl\n\n"
	    "[class " EF_CLASS "]\ncert = ca.cer\nkey = app-ca\ncert_uri = " EF_TA_URI "\n"
	    "pub_root = pub\n\n"
	    "[network]\naddress = " NS_LWIP_ADDR "/24\nhttp_port = %d\nworkers = 4\n"
	    "max_request = 64k\nmax_connections = 128\n\n"
	    "[provisioning]\noperator = op0.der\noperator = op1.der\noperator = op2.der\n"
	    "threshold = 2\npath = " APP_PROV_PATH "\n",
	    a->hsm.module, a->hsm.uri, APP_PORT);
	assert_true(n > 0 && (size_t)n < sizeof(text));
	app_write(a, "updown.conf", text, (size_t)n);
}

int
app_setup(struct app *a, char *why, size_t cap)
{
	struct cert_issuer ta;
	struct crl_params cp;
	struct signer_key *tak = NULL;
	unsigned char *crl = NULL;
	size_t crl_len = 0, i;
	char name[32];
	int rc;

	memset(a, 0, sizeof(*a));
	a->pid = -1;
	a->out = -1;
	if ((rc = ns_enter(why, cap)) > 0)
		return 1;
	if (rc != 0)
		fail_msg("ns_enter: %s", why);
	if (softhsm_fixture_setup(&a->hsm, "appliance") != 0) {
		snprintf(why, cap, "SoftHSM is not usable here");
		return 1;
	}
	{
		struct signer_p11_config pc;
		signer_p11_config_init(&pc);
		pc.module = a->hsm.module;
		pc.token_uri = a->hsm.uri;
		assert_int_equal(signer_p11_open(&pc, &a->p11), 0);
	}
	/* The ceremony: CA (self-signed TA), BPKI TA and EE, keys in the token. */
	ef_init(&a->f, a->p11, "app", time(NULL), "64496-64511", "10.0.0.0/8",
	    "2001:db8::/32");
	ef_store_close(&a->f);        /* the appliance makes its own store */
	snprintf(a->work, sizeof(a->work), "%s", a->f.dir);
	{
		char cmd[700];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s/store'", a->work);
		assert_int_equal(system(cmd), 0);
	}
	app_write(a, "ca.cer", a->f.ca, a->f.ca_len);
	app_write(a, "bpki-ta.cer", a->f.bpki_ta, a->f.bpki_ta_len);
	app_write(a, "bpki-ee.cer", a->f.bpki_ee, a->f.bpki_ee_len);
	assert_int_equal(signer_key_find(a->p11, "app-bpki-ta", &tak), 0);
	assert_int_equal(cert_issuer_load(&ta, a->p11, tak, a->f.bpki_ta, a->f.bpki_ta_len), 0);
	memset(&cp, 0, sizeof(cp));
	cp.this_update = a->f.now - 3600;
	cp.next_update = a->f.now + 7 * EF_DAY;
	cp.number = 1;
	assert_int_equal(crl_write(&ta, &cp, &crl, &crl_len), 0);
	cert_issuer_free(&ta);
	app_write(a, "bpki.crl", crl, crl_len);
	free(crl);
	assert_int_equal(app_openssl(a, "x509 -inform DER -in bpki-ta.cer -out bpki-ta.pem"), 0);
	snprintf(a->ta_pem, sizeof(a->ta_pem), "%s/bpki-ta.pem", a->work);
	/* Operators: three registered, one not. */
	for (i = 0; i <= APP_NOPS; i++) {
		a->op[i] = ef_key(60 + (int)i);
		snprintf(name, sizeof(name), "op%zu.der", i);
		app_write(a, name, a->op[i]->spki, a->op[i]->spki_len);
	}
	for (i = 0; i < APP_NCHILDREN; i++)
		a->child[i] = ef_child_add(&a->f, child_names[i]);
	write_conf(a);
	snprintf(a->conf, sizeof(a->conf), "%s/updown.conf", a->work);
	/* The appliance opens the token itself. */
	signer_close(a->p11);
	a->p11 = NULL;
	a->f.s = NULL;
	return 0;
}

void
app_teardown(struct app *a)
{
	if (a->pid > 0)
		app_stop(a);
	signer_close(a->p11);
	ef_fini(&a->f);
	softhsm_fixture_teardown(&a->hsm);
	ns_leave();
}

static int
read_line(struct app *a, char *line, size_t cap, int timeout_ms)
{
	size_t n = 0;
	long long end = now_ms() + timeout_ms;

	while (n + 1 < cap) {
		struct pollfd pfd = { a->out, POLLIN, 0 };
		long long left = end - now_ms();
		char ch;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return -1;
		if (read(a->out, &ch, 1) != 1)
			return -1;
		if (ch == '\n') {
			line[n] = '\0';
			return 0;
		}
		line[n++] = ch;
	}
	line[n] = '\0';
	return 0;
}

void
app_start(struct app *a, const char *const *extra)
{
	const char *argv[32];
	int fds[2], n = 0, i;
	struct cli c;

	argv[n++] = UPDOWN_APPLIANCE;
	argv[n++] = "--config";
	argv[n++] = a->conf;
	argv[n++] = "--tap";
	argv[n++] = NS_TAP;
	argv[n++] = "--log-level";
	argv[n++] = getenv("APP_LOG") ? getenv("APP_LOG") : "warn";
	for (i = 0; extra != NULL && extra[i] != NULL && n < 30; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	assert_int_equal(pipe(fds), 0);
	a->pid = fork();
	assert_true(a->pid >= 0);
	if (a->pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	a->out = fds[0];
	for (;;) {
		if (read_line(a, a->summary, sizeof(a->summary), 60000) != 0)
			fail_msg("updown-appliance did not start (no summary line)");
		if (strncmp(a->summary, "updown-appliance: address", 25) == 0)
			break;
	}
	print_message("%s\n", a->summary);
	/* lwIP answers TCP. */
	for (i = 0; i < 50; i++) {
		if (cli_open(&c, APP_PORT, 200) == 0) {
			cli_close(&c);
			return;
		}
		usleep(100000);
	}
	fail_msg("the appliance does not accept connections");
}

bool
app_alive(struct app *a)
{
	return a->pid > 0 && waitpid(a->pid, NULL, WNOHANG) == 0;
}

int
app_stop(struct app *a)
{
	int st = 0, i;
	pid_t r = 0;

	if (a->pid <= 0)
		return -1;
	kill(a->pid, SIGTERM);
	for (i = 0; i < 300 && (r = waitpid(a->pid, &st, WNOHANG)) == 0; i++)
		usleep(100000);
	if (r == 0) {
		kill(a->pid, SIGKILL);
		waitpid(a->pid, &st, 0);
		st = -1;
	} else {
		st = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	}
	a->pid = -1;
	if (a->out >= 0)
		close(a->out);
	a->out = -1;
	return st;
}

int
app_post(unsigned port, const char *path, const char *ctype, const void *body, size_t len,
    struct resp *r)
{
	struct cli c;
	int rc;

	memset(r, 0, sizeof(*r));
	if (cli_open(&c, port, 2000) != 0)
		return -1;
	rc = cli_request(&c, "POST", path, ctype, body, len);
	if (rc == 0)
		rc = cli_response(&c, r, 60000);
	cli_close(&c);
	return rc;
}

void
app_check_reply(struct app *a, const struct ef_child *c, const struct resp *r, struct ud_msg *m)
{
	struct cms_msg cm;
	struct cms_trust t;
	struct ud_error err;
	unsigned char *out;
	size_t out_len = 0;
	int rc;

	assert_int_equal(r->status, 200);
	assert_string_equal(r->ctype, "application/rpki-updown");  /* UD-2 */
	cms_msg_init(&cm);
	assert_int_equal(cms_decode(&cm, r->body, r->len, NULL), 0);
	memset(&t, 0, sizeof(t));
	t.ta_der = a->f.bpki_ta;
	t.ta_len = a->f.bpki_ta_len;
	if ((rc = cms_verify(&cm, &t, time(NULL))) != 0)
		fail_msg("reply does not verify: %s", cms_strerror(rc));
	ud_msg_init(m);
	if ((rc = ud_decode((const char *)cm.xml, cm.xml_len, m, &err)) != 0)
		fail_msg("reply does not decode: %s", err.reason);
	assert_string_equal(m->sender, EF_HANDLE);          /* UD-43 */
	assert_string_equal(m->recipient, c->handle);
	/* The openssl CLI agrees: signature, chain to our BPKI TA, CRL check. */
	app_write(a, "reply.der", r->body, r->len);
	assert_int_equal(app_openssl(a, "cms -verify -inform DER -in reply.der -CAfile bpki-ta.pem "
	    "-binary -purpose any -crl_check -out reply.xml"), 0);
	out = app_read(a, "reply.xml", &out_len);
	assert_non_null(out);
	assert_int_equal(out_len, cm.xml_len);
	assert_memory_equal(out, cm.xml, out_len);
	free(out);
	cms_msg_free(&cm);
}

unsigned
app_exchange(struct app *a, struct ef_child *c, const char *xml, bool shared, struct ud_msg *m)
{
	unsigned char *cms;
	size_t len = 0;
	char path[300];
	struct resp r;

	cms = ef_cms(c, xml, strlen(xml), time(NULL), &len);
	snprintf(path, sizeof(path), "%s", shared ? "/updown" : APP_BASE_PATH);
	if (!shared)
		strncat(path, c->handle, sizeof(path) - strlen(path) - 1);
	assert_int_equal(app_post(APP_PORT, path, "application/rpki-updown", cms, len, &r), 0);
	free(cms);
	app_check_reply(a, c, &r, m);
	resp_free(&r);
	return m->type == UD_ERROR_RESPONSE ? m->error.status : 0;
}

/* ---- DER splice ---- */

static int
tlv(const unsigned char *p, const unsigned char *end, size_t *hdr, size_t *len)
{
	size_t n, i;

	if (end - p < 2)
		return -1;
	if (p[1] < 0x80) {
		*hdr = 2;
		*len = p[1];
	} else {
		n = p[1] & 0x7f;
		if (n == 0 || n > 4 || (size_t)(end - p) < 2 + n)
			return -1;
		for (*len = 0, i = 0; i < n; i++)
			*len = *len << 8 | p[2 + i];
		*hdr = 2 + n;
	}
	return (size_t)(end - p) - *hdr >= *len ? 0 : -1;
}

static size_t
put_hdr(unsigned char *o, unsigned char tag, size_t len)
{
	if (len < 0x80) {
		o[0] = tag;
		o[1] = (unsigned char)len;
		return 2;
	}
	if (len < 0x100) {
		o[0] = tag; o[1] = 0x81; o[2] = (unsigned char)len;
		return 3;
	}
	if (len < 0x10000) {
		o[0] = tag; o[1] = 0x82; o[2] = (unsigned char)(len >> 8); o[3] = (unsigned char)len;
		return 4;
	}
	o[0] = tag; o[1] = 0x83; o[2] = (unsigned char)(len >> 16);
	o[3] = (unsigned char)(len >> 8); o[4] = (unsigned char)len;
	return 5;
}

unsigned char *
app_splice_crl(const unsigned char *msg, size_t len, const unsigned char *crl, size_t crl_len,
    size_t *out_len)
{
	const unsigned char *end = msg + len, *ci, *oid, *wrap, *sd, *q, *sis = NULL;
	size_t h, l, oid_total, sd_content, new_sd, new_wrap, new_ci, o = 0;
	unsigned char *out;

	/* ContentInfo { OID, [0] { SignedData { ..., SET signerInfos } } } (definite DER) */
	if (tlv(msg, end, &h, &l) != 0)
		return NULL;
	ci = msg + h;
	oid = ci;
	if (tlv(oid, end, &h, &l) != 0)
		return NULL;
	oid_total = h + l;
	wrap = oid + oid_total;
	if (tlv(wrap, end, &h, &l) != 0)
		return NULL;
	sd = wrap + h;
	if (tlv(sd, end, &h, &l) != 0)
		return NULL;
	sd_content = l;
	q = sd + h;
	while (q < sd + h + l) {
		size_t eh, el;
		if (tlv(q, end, &eh, &el) != 0)
			return NULL;
		if (q + eh + el == sd + h + l)
			sis = q;
		q += eh + el;
	}
	if (sis == NULL || *sis != 0x31)
		return NULL;
	{
		unsigned char crlhdr[8];
		size_t ch = put_hdr(crlhdr, 0xa1, crl_len);
		const unsigned char *sdc = sd + h;
		size_t before = (size_t)(sis - sdc), after = sd_content - before;
		unsigned char hb[8];

		new_sd = before + ch + crl_len + after;
		new_wrap = put_hdr(hb, 0x30, new_sd) + new_sd;
		new_ci = oid_total + put_hdr(hb, 0xa0, new_wrap) + new_wrap;
		out = malloc(new_ci + 16);
		assert_non_null(out);
		o += put_hdr(out + o, 0x30, new_ci);
		memcpy(out + o, oid, oid_total);
		o += oid_total;
		o += put_hdr(out + o, 0xa0, new_wrap);
		o += put_hdr(out + o, 0x30, new_sd);
		memcpy(out + o, sdc, before);
		o += before;
		memcpy(out + o, crlhdr, ch);
		o += ch;
		memcpy(out + o, crl, crl_len);
		o += crl_len;
		memcpy(out + o, sis, after);
		o += after;
	}
	*out_len = o;
	return out;
}
