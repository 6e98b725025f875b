/*
 * A test RFC 6492 parent: HTTP/1.1 on 127.0.0.1 in a thread, and a small
 * parent behind it (see test_parent.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

#include "crypto/cert.h"
#include "crypto/crl.h"
#include "crypto/csr.h"
#include "crypto/signer.h"
#include "proto/cms.h"
#include "proto/oob.h"
#include "proto/updown.h"
#include "test_parent.h"

#define TP_MAX_HEADER   65536
#define TP_MAX_BODY     (8u << 20)
#define TP_MAX_CHILDREN 4
#define TP_MAX_CERTS    32
#define TP_OVERSIZE_LEN (17u << 20)
#define TP_REPO         "rsync://127.0.0.1/repo/"

struct tp_bpki {
	struct signer_key *ta_key, *ee_key;
	unsigned char *ta, *ee, *crl;
	size_t ta_len, ee_len, crl_len;
};

struct tp_child {
	char handle[256];
	unsigned char *ta;
	size_t ta_len;
	time_t last;
	bool has_last;
};

struct tp_cert {
	unsigned char *spki, *der;
	size_t spki_len, der_len;
	uint8_t ski[20];
	struct ud_req_sets req;
};

struct tp {
	int lfd;
	int stop[2];
	unsigned short port;
	pthread_t thread;
	pthread_mutex_t lock;
	enum tp_mode mode;
	int status;
	unsigned error_status;
	tp_handler_fn handler;
	void *handler_arg;
	/* The built-in parent. */
	struct signer *s;
	struct tp_bpki bpki, other;
	struct signer_key *ca_key;
	unsigned char *ca;
	size_t ca_len;
	struct cert_issuer iss;
	struct tp_child child[TP_MAX_CHILDREN];
	size_t nchildren;
	struct tp_cert certs[TP_MAX_CERTS];
	size_t ncerts;
	uint64_t serial;
	unsigned requests;
	char last_type[32];
	char last_req_v4[256];
};

/* ---- randomness ---- */

static mbedtls_entropy_context tp_entropy;
static mbedtls_ctr_drbg_context tp_drbg;
static int tp_rng_ready;
static pthread_mutex_t tp_rng_lock = PTHREAD_MUTEX_INITIALIZER;

static int
tp_rng(void *ctx, unsigned char *buf, size_t len)
{
	int rc;

	(void)ctx;
	pthread_mutex_lock(&tp_rng_lock);
	if (!tp_rng_ready) {
		mbedtls_entropy_init(&tp_entropy);
		mbedtls_ctr_drbg_init(&tp_drbg);
		if (mbedtls_ctr_drbg_seed(&tp_drbg, mbedtls_entropy_func, &tp_entropy,
		    (const unsigned char *)"test-parent", 11) != 0) {
			pthread_mutex_unlock(&tp_rng_lock);
			return -1;
		}
		tp_rng_ready = 1;
	}
	rc = mbedtls_ctr_drbg_random(&tp_drbg, buf, len);
	pthread_mutex_unlock(&tp_rng_lock);
	return rc;
}

/* ---- PKI ---- */

static void
serial(uint64_t v, unsigned char out[9], size_t *len)
{
	assert_int_equal(cert_serial_from_u64(v, out, len), 0);
}

static void
make_bpki(struct tp *p, struct tp_bpki *b, const char *tag)
{
	struct cert_bpki_params bp = { 0 };
	struct cert_issuer iss;
	struct crl_params cp = { 0 };
	unsigned char sn[9], *spki = NULL;
	size_t sn_len, spki_len;
	char label[64], cn[64];
	time_t now = time(NULL);

	snprintf(label, sizeof(label), "%s-ta", tag);
	assert_int_equal(signer_key_generate(p->s, label, 0, &b->ta_key), 0);
	snprintf(label, sizeof(label), "%s-ee", tag);
	assert_int_equal(signer_key_generate(p->s, label, 0, &b->ee_key), 0);
	serial(1, sn, &sn_len);
	bp.serial = sn;
	bp.serial_len = sn_len;
	bp.not_before = now - 3600;
	bp.not_after = now + 10 * 365 * 86400L;
	snprintf(cn, sizeof(cn), "%s BPKI TA", tag);
	bp.subject_cn = cn;
	assert_int_equal(cert_bpki_ta(p->s, b->ta_key, &bp, &b->ta, &b->ta_len), 0);
	assert_int_equal(cert_issuer_load(&iss, p->s, b->ta_key, b->ta, b->ta_len), 0);
	assert_int_equal(signer_key_public(p->s, b->ee_key, &spki, &spki_len), 0);
	serial(2, sn, &sn_len);
	bp.not_after = now + 365 * 86400L;
	snprintf(cn, sizeof(cn), "%s BPKI EE", tag);
	assert_int_equal(cert_bpki_ee(&iss, spki, spki_len, &bp, &b->ee, &b->ee_len), 0);
	cp.this_update = now - 3600;
	cp.next_update = now + 30 * 86400L;
	cp.number = 1;
	assert_int_equal(crl_write(&iss, &cp, &b->crl, &b->crl_len), 0);
	cert_issuer_free(&iss);
	free(spki);
}

static void
make_ca(struct tp *p)
{
	struct cert_ta_params tp = { 0 };
	struct res_bundle res;
	unsigned char sn[9];
	size_t sn_len;
	time_t now = time(NULL);

	res_bundle_init(&res);
	assert_int_equal(res_set_parse(&res.as, RES_AS, TP_AS, strlen(TP_AS)), 0);
	assert_int_equal(res_set_parse(&res.v4, RES_IPV4, TP_V4, strlen(TP_V4)), 0);
	assert_int_equal(res_set_parse(&res.v6, RES_IPV6, TP_V6, strlen(TP_V6)), 0);
	assert_int_equal(signer_key_generate(p->s, "rpki-ca", 0, &p->ca_key), 0);
	serial(1, sn, &sn_len);
	tp.serial = sn;
	tp.serial_len = sn_len;
	tp.not_before = now - 3600;
	tp.not_after = now + 2 * 365 * 86400L;
	tp.sia_ca_repository = TP_REPO;
	tp.sia_rpki_manifest = TP_REPO "parent.mft";
	tp.res = &res;
	assert_int_equal(cert_make_ta(p->s, p->ca_key, &tp, &p->ca, &p->ca_len), 0);
	assert_int_equal(cert_issuer_load(&p->iss, p->s, p->ca_key, p->ca, p->ca_len), 0);
	res_bundle_free(&res);
}

/* ---- replies ---- */

static char *
xstrdup(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	return d;
}

static unsigned char *
memdup(const void *b, size_t n)
{
	unsigned char *d = malloc(n);

	assert_non_null(d);
	memcpy(d, b, n);
	return d;
}

static void
set_text(struct res_set *s, enum res_family f, const char *text)
{
	assert_int_equal(res_set_parse(s, f, text, strlen(text)), 0);
}

static void
copy_req(struct ud_req_sets *dst, const struct ud_req_sets *src)
{
	const struct ud_opt_set *s[3] = { &src->as, &src->ipv4, &src->ipv6 };
	struct ud_opt_set *d[3] = { &dst->as, &dst->ipv4, &dst->ipv6 };

	for (int i = 0; i < 3; i++) {
		d[i]->present = s[i]->present;
		res_set_init(&d[i]->set, s[i]->set.family);
		if (s[i]->present)
			assert_int_equal(res_set_copy(&d[i]->set, &s[i]->set), 0);
	}
}

/* Our one class, with the certificates listed when with_certs (lock held). */
static struct ud_class *
add_class(struct tp *p, struct ud_msg *m)
{
	struct ud_class *c;

	assert_int_equal(ud_msg_add_class(m, &c), 0);
	c->class_name = xstrdup(TP_CLASS);
	c->cert_url = xstrdup(TP_REPO "parent.cer");
	set_text(&c->resource_set_as, RES_AS, TP_AS);
	set_text(&c->resource_set_ipv4, RES_IPV4, TP_V4);
	set_text(&c->resource_set_ipv6, RES_IPV6, TP_V6);
	c->resource_set_notafter = time(NULL) + 365 * 86400L;
	c->suggested_sia_head = xstrdup(TP_SIA_HEAD);
	c->issuer = memdup(p->ca, p->ca_len);
	c->issuer_len = p->ca_len;
	return c;
}

static void
add_cert(struct ud_class *c, const struct tp_cert *tc)
{
	struct ud_cert *ct;
	char url[128];

	assert_int_equal(ud_class_add_cert(c, &ct), 0);
	snprintf(url, sizeof(url), TP_SIA_HEAD "%02x%02x%02x.cer", tc->ski[0], tc->ski[1],
	    tc->ski[2]);
	ct->cert_url = xstrdup(url);
	ct->der = memdup(tc->der, tc->der_len);
	ct->der_len = tc->der_len;
	res_set_free(&ct->req.as.set);
	res_set_free(&ct->req.ipv4.set);
	res_set_free(&ct->req.ipv6.set);
	copy_req(&ct->req, &tc->req);
}

static void
tp_cert_free(struct tp_cert *c)
{
	free(c->spki);
	free(c->der);
	res_set_free(&c->req.as.set);
	res_set_free(&c->req.ipv4.set);
	res_set_free(&c->req.ipv6.set);
	memset(c, 0, sizeof(*c));
}

/* granted = entitlement ∩ request (absent = all, UD-65). */
static void
grant(const struct ud_opt_set *req, enum res_family f, const char *ent, struct res_set *out)
{
	struct res_set e;

	res_set_init(&e, f);
	set_text(&e, f, ent);
	if (req->present)
		assert_int_equal(res_set_intersect(out, &e, &req->set), 0);
	else
		assert_int_equal(res_set_copy(out, &e), 0);
	res_set_free(&e);
}

/* Issue for the request (lock held). Returns 0 or an RFC 6492 status. */
static unsigned
do_issue(struct tp *p, const struct ud_msg *req, struct ud_msg *reply)
{
	struct csr_info ci;
	struct cert_ca_params cp = { 0 };
	struct res_bundle res;
	struct tp_cert *tc = NULL;
	unsigned char sn[9], *der = NULL, *other = NULL;
	size_t sn_len, der_len, other_len;
	struct ud_class *c;
	unsigned status = 0;
	time_t now = time(NULL);

	if (strcmp(req->issue.class_name, TP_CLASS) != 0)
		return UD_STATUS_NO_CLASS;
	if (csr_check(req->issue.csr, req->issue.csr_len, NULL, &ci) != 0)
		return UD_STATUS_BAD_CSR;
	res_bundle_init(&res);
	grant(&req->issue.req.as, RES_AS, TP_AS, &res.as);
	grant(&req->issue.req.ipv4, RES_IPV4, TP_V4, &res.v4);
	grant(&req->issue.req.ipv6, RES_IPV6, TP_V6, &res.v6);
	if (res_bundle_is_empty(&res)) {
		status = UD_STATUS_NO_RESOURCES;
		goto out;
	}
	serial(++p->serial, sn, &sn_len);
	cp.spki = ci.spki;
	cp.spki_len = ci.spki_len;
	if (p->mode == TP_WRONG_KEY) {
		assert_int_equal(signer_key_public(p->s, p->bpki.ee_key, &other, &other_len), 0);
		cp.spki = other;
		cp.spki_len = other_len;
	}
	cp.serial = sn;
	cp.serial_len = sn_len;
	cp.not_before = now - 60;
	cp.not_after = now + 365 * 86400L;
	cp.crldp_uri = TP_REPO "parent.crl";
	cp.aia_uri = TP_REPO "parent.cer";
	cp.sia_ca_repository = ci.ca_repository;
	cp.sia_rpki_manifest = ci.rpki_manifest;
	cp.sia_rpki_notify = ci.rpki_notify;
	cp.res = &res;
	assert_int_equal(cert_issue_ca(&p->iss, &cp, &der, &der_len), 0);
	/* One current certificate per key: replace, or add. */
	for (size_t i = 0; i < p->ncerts; i++)
		if (memcmp(p->certs[i].ski, ci.ski, 20) == 0)
			tc = &p->certs[i];
	if (tc == NULL) {
		assert_true(p->ncerts < TP_MAX_CERTS);
		tc = &p->certs[p->ncerts++];
	} else
		tp_cert_free(tc);
	tc->spki = memdup(ci.spki, ci.spki_len);
	tc->spki_len = ci.spki_len;
	memcpy(tc->ski, ci.ski, 20);
	tc->der = der;
	tc->der_len = der_len;
	copy_req(&tc->req, &req->issue.req);
	c = add_class(p, reply);
	add_cert(c, tc);
out:
	free(other);
	res_bundle_free(&res);
	csr_info_free(&ci);
	return status;
}

static unsigned
do_revoke(struct tp *p, const struct ud_msg *req)
{
	uint8_t ski[20];

	if (strcmp(req->key.class_name, TP_CLASS) != 0)
		return UD_STATUS_REVOKE_NO_CLASS;
	if (ud_ski_decode(req->key.ski, ski) != 0)
		return UD_STATUS_REVOKE_NO_KEY;
	for (size_t i = 0; i < p->ncerts; i++)
		if (memcmp(p->certs[i].ski, ski, 20) == 0) {
			tp_cert_free(&p->certs[i]);
			p->certs[i] = p->certs[--p->ncerts];
			memset(&p->certs[p->ncerts], 0, sizeof(p->certs[0]));
			return 0;
		}
	return UD_STATUS_REVOKE_NO_KEY;
}

/* Sign reply (lock held) under bpki at t. */
static void
sign_reply(struct tp *p, struct tp_bpki *b, const struct ud_msg *reply, time_t t,
           unsigned char **out, size_t *out_len)
{
	struct signer_cms_ctx sc = { p->s, b->ee_key };
	struct cms_signer cs = { 0 };
	char *xml = NULL;
	size_t xml_len;

	assert_int_equal(ud_encode(reply, &xml, &xml_len), 0);
	cs.ee_der = b->ee;
	cs.ee_len = b->ee_len;
	cs.crl_der = b->crl;
	cs.crl_len = b->crl_len;
	cs.sign = signer_cms_sign;
	cs.sign_ctx = &sc;
	assert_int_equal(cms_sign(&cs, (unsigned char *)xml, xml_len, t, out, out_len), 0);
	free(xml);
}

/* The built-in parent: check the request as a parent must, then answer. */
static void
builtin(void *arg, const char *path, const unsigned char *body, size_t len, int *status,
        unsigned char **out, size_t *out_len)
{
	struct tp *p = arg;
	struct cms_msg msg;
	struct cms_trust trust = { 0 };
	struct ud_msg req, reply;
	struct ud_error err;
	struct tp_child *c = NULL;
	unsigned st = 0;
	time_t now = time(NULL);

	(void)path;
	cms_msg_init(&msg);
	ud_msg_init(&req);
	ud_msg_init(&reply);
	*status = 400;
	if (cms_decode(&msg, body, len, NULL) != 0 ||
	    ud_decode_request((char *)msg.xml, msg.xml_len, &req, &err) != 0)
		goto out;
	snprintf(p->last_type, sizeof(p->last_type), "%s", ud_type_name(req.type));
	for (size_t i = 0; i < p->nchildren; i++)
		if (strcmp(p->child[i].handle, req.sender) == 0)
			c = &p->child[i];
	if (c == NULL || strcmp(req.recipient, TP_HANDLE) != 0)
		goto out;
	trust.ta_der = c->ta;
	trust.ta_len = c->ta_len;
	if (cms_verify(&msg, &trust, now) != 0 ||
	    (c->has_last && msg.signing_time < c->last))
		goto out;
	c->last = msg.signing_time;
	c->has_last = true;
	assert_int_equal(ud_reply_init(&reply, &req), 0);
	switch (req.type) {
	case UD_LIST: {
		struct ud_class *cls = add_class(p, &reply);

		for (size_t i = 0; i < p->ncerts; i++)
			add_cert(cls, &p->certs[i]);
		break;
	}
	case UD_ISSUE:
		if (req.issue.req.ipv4.present) {
			char *t = NULL;

			assert_int_equal(res_set_print(&req.issue.req.ipv4.set, &t), 0);
			snprintf(p->last_req_v4, sizeof(p->last_req_v4), "%s", t);
			free(t);
		} else
			snprintf(p->last_req_v4, sizeof(p->last_req_v4), "-");
		st = do_issue(p, &req, &reply);
		break;
	case UD_REVOKE:
		st = do_revoke(p, &req);
		break;
	default:
		st = UD_STATUS_BAD_TYPE;
	}
	if (p->mode == TP_ERROR)
		st = p->error_status;
	if (st != 0) {
		ud_msg_free(&reply);
		assert_int_equal(ud_error_reply(&reply, &req, st,
		    "test parent says no"), 0);
	}
	if (p->mode == TP_WRONG_SENDER) {
		free(reply.sender);
		reply.sender = xstrdup("someone-else");
	}
	sign_reply(p, p->mode == TP_WRONG_TA ? &p->other : &p->bpki, &reply,
	    p->mode == TP_OLD_TIME ? now - 86400 : now, out, out_len);
	if (p->mode == TP_BAD_SIG)
		(*out)[*out_len - 1] ^= 0x01;
	*status = 200;
out:
	ud_msg_free(&req);
	ud_msg_free(&reply);
	cms_msg_free(&msg);
}

/* ---- HTTP ---- */

static int
send_all(int fd, const void *buf, size_t len)
{
	const char *b = buf;

	while (len > 0) {
		ssize_t n = send(fd, b, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
send_head(int fd, int status, const char *extra)
{
	char h[512];

	snprintf(h, sizeof(h), "HTTP/1.1 %d %s\r\n%sConnection: close\r\n\r\n", status,
	    status == 200 ? "OK" : "Error", extra);
	send_all(fd, h, strlen(h));
}

static void
stream_zeros(int fd, size_t total)
{
	static const char zeros[65536];

	while (total > 0) {
		size_t n = total < sizeof(zeros) ? total : sizeof(zeros);

		if (send_all(fd, zeros, n) != 0)
			return;
		total -= n;
	}
}

/* Case-insensitive search for a lower-case needle. */
static char *
find_header(char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (char *h = hay; *h != '\0'; h++) {
		size_t i;

		for (i = 0; i < n && h[i] != '\0'; i++)
			if ((h[i] >= 'A' && h[i] <= 'Z' ? h[i] + 32 : h[i]) != needle[i])
				break;
		if (i == n)
			return h;
	}
	return NULL;
}

/* Read one request; *body malloc'd. 0 or -1. */
static int
read_request(int fd, char path[256], unsigned char **body, size_t *len)
{
	char *buf = malloc(TP_MAX_HEADER + 1), *end, *cl;
	size_t n = 0, clen, have;

	*body = NULL;
	if (buf == NULL)
		return -1;
	for (;;) {
		ssize_t r;

		if (n == TP_MAX_HEADER)
			goto fail;
		r = recv(fd, buf + n, TP_MAX_HEADER - n, 0);
		if (r <= 0)
			goto fail;
		n += (size_t)r;
		buf[n] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) != NULL)
			break;
	}
	if (sscanf(buf, "POST %255s HTTP/1.1", path) != 1 ||
	    (cl = find_header(buf, "\r\ncontent-length:")) == NULL || cl > end)
		goto fail;
	clen = strtoul(cl + 17, NULL, 10);
	if (clen > TP_MAX_BODY || (*body = malloc(clen + 1)) == NULL)
		goto fail;
	have = n - (size_t)(end + 4 - buf);
	if (have > clen)
		goto fail;
	memcpy(*body, end + 4, have);
	while (have < clen) {
		ssize_t r = recv(fd, *body + have, clen - have, 0);

		if (r <= 0)
			goto fail;
		have += (size_t)r;
	}
	*len = clen;
	free(buf);
	return 0;
fail:
	free(buf);
	free(*body);
	*body = NULL;
	return -1;
}

static void
serve(struct tp *p, int fd)
{
	char path[256], extra[128];
	unsigned char *req = NULL, *out = NULL;
	size_t len = 0, out_len = 0;
	int status = 500;
	enum tp_mode mode;

	if (read_request(fd, path, &req, &len) != 0)
		return;
	pthread_mutex_lock(&p->lock);
	p->requests++;
	mode = p->mode;
	pthread_mutex_unlock(&p->lock);
	switch (mode) {
	case TP_HANG: {
		/* Silent until the client gives up (closes) or the parent stops. */
		struct pollfd pf[2] = { { p->stop[0], POLLIN, 0 }, { fd, POLLIN, 0 } };

		poll(pf, 2, 30000);
		break;
	}
	case TP_STATUS:
		send_head(fd, p->status, "Content-Length: 0\r\n");
		break;
	case TP_OVERSIZE:
		snprintf(extra, sizeof(extra), "Content-Type: application/rpki-updown\r\n"
		    "Content-Length: %u\r\n", TP_OVERSIZE_LEN);
		send_head(fd, 200, extra);
		stream_zeros(fd, TP_OVERSIZE_LEN);
		break;
	case TP_OVERSIZE_NOLEN:
		send_head(fd, 200, "Content-Type: application/rpki-updown\r\n");
		stream_zeros(fd, TP_OVERSIZE_LEN);
		break;
	case TP_GARBAGE:
		send_head(fd, 200, "Content-Type: application/rpki-updown\r\n"
		    "Content-Length: 5\r\n");
		send_all(fd, "hello", 5);
		break;
	default:
		pthread_mutex_lock(&p->lock);
		p->handler(p->handler_arg, path, req, len, &status, &out, &out_len);
		pthread_mutex_unlock(&p->lock);
		snprintf(extra, sizeof(extra), "Content-Type: application/rpki-updown\r\n"
		    "Content-Length: %zu\r\n", out != NULL ? out_len : 0);
		send_head(fd, status, extra);
		if (out != NULL)
			send_all(fd, out, out_len);
	}
	free(out);
	free(req);
}

static void *
loop(void *arg)
{
	struct tp *p = arg;

	for (;;) {
		struct pollfd pf[2] = { { p->lfd, POLLIN, 0 }, { p->stop[0], POLLIN, 0 } };
		int fd;

		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[1].revents)
			break;
		if ((fd = accept(p->lfd, NULL, NULL)) < 0)
			continue;
		serve(p, fd);
		shutdown(fd, SHUT_WR);
		close(fd);
	}
	return NULL;
}

/* ---- API ---- */

struct tp *
tp_start(void)
{
	struct tp *p = calloc(1, sizeof(*p));
	struct sockaddr_in a = { 0 };
	socklen_t alen = sizeof(a);
	int one = 1;

	assert_non_null(p);
	pthread_mutex_init(&p->lock, NULL);
	assert_int_equal(signer_sw_open(tp_rng, NULL, &p->s), 0);
	make_bpki(p, &p->bpki, "parent");
	make_bpki(p, &p->other, "other");
	make_ca(p);
	p->serial = 100;
	p->handler = builtin;
	p->handler_arg = p;
	assert_int_equal(pipe(p->stop), 0);
	p->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(p->lfd >= 0);
	setsockopt(p->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0;
	assert_int_equal(bind(p->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(p->lfd, 8), 0);
	assert_int_equal(getsockname(p->lfd, (struct sockaddr *)&a, &alen), 0);
	p->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&p->thread, NULL, loop, p), 0);
	return p;
}

static void
bpki_free(struct tp_bpki *b)
{
	free(b->ta);
	free(b->ee);
	free(b->crl);
}

void
tp_stop(struct tp *p)
{
	if (p == NULL)
		return;
	assert_int_equal(write(p->stop[1], "x", 1), 1);
	pthread_join(p->thread, NULL);
	close(p->lfd);
	close(p->stop[0]);
	close(p->stop[1]);
	for (size_t i = 0; i < p->nchildren; i++)
		free(p->child[i].ta);
	for (size_t i = 0; i < p->ncerts; i++)
		tp_cert_free(&p->certs[i]);
	bpki_free(&p->bpki);
	bpki_free(&p->other);
	free(p->ca);
	cert_issuer_free(&p->iss);
	signer_close(p->s);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

unsigned short
tp_port(const struct tp *p)
{
	return p->port;
}

void
tp_set_mode(struct tp *p, enum tp_mode mode)
{
	pthread_mutex_lock(&p->lock);
	p->mode = mode;
	pthread_mutex_unlock(&p->lock);
}

void
tp_set_status(struct tp *p, int status)
{
	pthread_mutex_lock(&p->lock);
	p->status = status;
	pthread_mutex_unlock(&p->lock);
}

void
tp_set_error(struct tp *p, unsigned status)
{
	pthread_mutex_lock(&p->lock);
	p->error_status = status;
	pthread_mutex_unlock(&p->lock);
}

void
tp_set_handler(struct tp *p, tp_handler_fn fn, void *arg)
{
	pthread_mutex_lock(&p->lock);
	p->handler = fn != NULL ? fn : builtin;
	p->handler_arg = fn != NULL ? arg : p;
	pthread_mutex_unlock(&p->lock);
}

static void
write_response(struct tp *p, const unsigned char *ta, size_t ta_len, const char *assigned,
               const char *out_path)
{
	struct oob_msg m;
	char uri[256], *xml = NULL;
	size_t len;
	FILE *f;

	snprintf(uri, sizeof(uri), "http://127.0.0.1:%u/updown/%s", p->port, assigned);
	memset(&m, 0, sizeof(m));
	m.type = OOB_PARENT_RESPONSE;
	m.u.parent_response.service_uri = uri;
	m.u.parent_response.child_handle = (char *)assigned;
	m.u.parent_response.parent_handle = (char *)TP_HANDLE;
	m.u.parent_response.parent_bpki_ta.p = (unsigned char *)ta;
	m.u.parent_response.parent_bpki_ta.len = ta_len;
	assert_int_equal(oob_encode(&m, &xml, &len), 0);
	f = fopen(out_path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(xml, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	free(xml);
}

void
tp_add_child(struct tp *p, const char *child_request_path, const char *assigned,
             const char *out_path)
{
	struct oob_msg m;
	struct tp_child *c;
	char why[256], *xml;
	size_t len = 0;
	FILE *f = fopen(child_request_path, "rb");

	assert_non_null(f);
	xml = malloc(1u << 20);
	assert_non_null(xml);
	len = fread(xml, 1, 1u << 20, f);
	fclose(f);
	oob_msg_init(&m);
	assert_int_equal(oob_decode(xml, len, &m, why, sizeof(why)), 0);
	free(xml);
	assert_int_equal(m.type, OOB_CHILD_REQUEST);
	assert_int_equal(oob_check_bpki_ta(m.u.child_request.child_bpki_ta.p,
	    m.u.child_request.child_bpki_ta.len, time(NULL), NULL), 0);
	pthread_mutex_lock(&p->lock);
	assert_true(p->nchildren < TP_MAX_CHILDREN);
	c = &p->child[p->nchildren++];
	snprintf(c->handle, sizeof(c->handle), "%s", assigned);
	c->ta = memdup(m.u.child_request.child_bpki_ta.p, m.u.child_request.child_bpki_ta.len);
	c->ta_len = m.u.child_request.child_bpki_ta.len;
	pthread_mutex_unlock(&p->lock);
	oob_msg_free(&m);
	write_response(p, p->bpki.ta, p->bpki.ta_len, assigned, out_path);
}

void
tp_write_other_parent_response(struct tp *p, const char *assigned, const char *out_path)
{
	write_response(p, p->other.ta, p->other.ta_len, assigned, out_path);
}

unsigned
tp_requests(const struct tp *p)
{
	unsigned n;

	pthread_mutex_lock((pthread_mutex_t *)&p->lock);
	n = p->requests;
	pthread_mutex_unlock((pthread_mutex_t *)&p->lock);
	return n;
}

void
tp_forget(struct tp *p)
{
	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < p->ncerts; i++)
		tp_cert_free(&p->certs[i]);
	p->ncerts = 0;
	pthread_mutex_unlock(&p->lock);
}

unsigned
tp_certs(const struct tp *p)
{
	return (unsigned)p->ncerts;
}

const char *
tp_last_type(const struct tp *p)
{
	return p->last_type;
}

const char *
tp_last_req_v4(const struct tp *p)
{
	return p->last_req_v4;
}
