/*
 * The issuer engine (engine.h): opening and closing, the configuration,
 * the BPKI side (reply signing, BPKI CRL), children, and shared helpers.
 * Requests are in engine_handle.c, publication batches in engine_batch.c,
 * allocation changes in engine_reconcile.c.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/oid.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crl.h>

#include "crypto/cert.h"
#include "crypto/crl.h"
#include "crypto/pubpoint.h"
#include "engine_int.h"
#include "proto/cms.h"
#include "proto/oob.h"
#include "proto/updown.h"

/* ---- errors ---- */

static _Thread_local char errbuf[ENGINE_MSG_SIZE];

/*
 * Set the thread's message and return rc. The arguments may include the
 * message itself (engine_errmsg(), to add context): format into a copy.
 */
int
eng_err(int rc, const char *fmt, ...)
{
	char buf[ENGINE_MSG_SIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	memcpy(errbuf, buf, sizeof(errbuf));
	return rc;
}

/* ENGINE_ERR_STORE (or a closer engine code) with the store's detail. */
int
eng_store_err(struct engine *e, int src, const char *what)
{
	int rc = ENGINE_ERR_STORE;

	if (src == STORE_ERR_NOMEM)
		rc = ENGINE_ERR_NOMEM;
	return eng_err(rc, "%s: %s (%s)", what, store_strerror(src), store_errmsg(e->store));
}

/* See engine.h. */
const char *
engine_errmsg(void)
{
	return errbuf;
}

/* See engine.h. */
const char *
engine_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case ENGINE_ERR_ARG: return "invalid argument";
	case ENGINE_ERR_NOMEM: return "out of memory";
	case ENGINE_ERR_CONFIG: return "configuration refused";
	case ENGINE_ERR_STORE: return "the state store failed";
	case ENGINE_ERR_SIGNER: return "the signer (HSM) failed";
	case ENGINE_ERR_PUBLISH: return "the publication point could not be written";
	case ENGINE_ERR_BRAKE: return "refused by the safety brake (UD-104); force to apply";
	case ENGINE_ERR_TABLE: return "allocation table refused";
	case ENGINE_ERR_NOT_FOUND: return "no such child or class";
	case ENGINE_ERR_TA: return "BPKI trust anchor refused (UD-152)";
	case ENGINE_ERR_HANDLE: return "handle is not [-_A-Za-z0-9/]{1,255} (UD-154)";
	case ENGINE_ERR_KEY_ROLL: return "class certificate for another key: key roll is not supported (UD-141)";
	case ENGINE_ERR_CERT: return "a certificate, CRL or manifest could not be made";
	case ENGINE_ERR_INTERNAL: return "internal inconsistency";
	default: return "unknown engine error";
	}
}

/* Call the test hook, if any, at point p. */
void
eng_hook(struct engine *e, enum engine_hook_point p)
{
	if (e->hook != NULL)
		e->hook(e->hook_arg, p);
}

/* ---- small helpers ---- */

/* strdup() that passes NULL through; caller frees. */
char *
eng_strdup(const char *s)
{
	return s == NULL ? NULL : strdup(s);
}

/* base + name in a malloc'd string (caller frees), NULL without memory. */
char *
eng_join(const char *base, const char *name)
{
	size_t a = strlen(base), b = strlen(name);
	char *s = malloc(a + b + 1);

	if (s != NULL) {
		memcpy(s, base, a);
		memcpy(s + a, name, b + 1);
	}
	return s;
}

/* SHA-256 of n bytes. */
void
eng_sha256(const unsigned char *p, size_t n, unsigned char out[32])
{
	mbedtls_sha256_ret(p, n, out, 0);
}

/* Our class named name, NULL if we do not serve it. */
struct eclass *
eng_class(struct engine *e, const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < e->nclasses; i++)
		if (strcmp(e->classes[i].name, name) == 0)
			return &e->classes[i];
	return NULL;
}

/* Index of c in e->classes (the batch's per-class slot). */
size_t
eng_class_index(struct engine *e, const struct eclass *c)
{
	return (size_t)(c - e->classes);
}

/* Is ski one of our keys: a class key, the BPKI TA or EE (UD-64 practice)? */
bool
eng_own_key(struct engine *e, const uint8_t ski[SKI_LEN])
{
	size_t i;

	if (memcmp(ski, e->bpki_ta_ski, SKI_LEN) == 0 || memcmp(ski, e->bpki_ee_ski, SKI_LEN) == 0)
		return true;
	for (i = 0; i < e->nclasses; i++)
		if (memcmp(ski, e->classes[i].ski, SKI_LEN) == 0)
			return true;
	return false;
}

/* The entitlement's notafter clipped to our certificate's notAfter (UD-83). */
time_t
eng_notafter(const struct eclass *c, time_t ent_notafter)
{
	return ent_notafter < c->iss.not_after ? ent_notafter : c->iss.not_after;
}

/* Parse the three canonical texts into b (initialised by the call). */
int
eng_bundle_parse(struct res_bundle *b, const char *as, const char *v4, const char *v6)
{
	res_bundle_init(b);
	if (res_set_parse(&b->as, RES_AS, as, strlen(as)) != 0 ||
	    res_set_parse(&b->v4, RES_IPV4, v4, strlen(v4)) != 0 ||
	    res_set_parse(&b->v6, RES_IPV6, v6, strlen(v6)) != 0) {
		res_bundle_free(b);
		res_bundle_init(b);
		return ENGINE_ERR_INTERNAL;
	}
	return 0;
}

/* Canonical texts of b (each malloc'd; on failure all NULL). */
int
eng_bundle_print(const struct res_bundle *b, char **as, char **v4, char **v6)
{
	*as = *v4 = *v6 = NULL;
	if (res_set_print(&b->as, as) != 0 || res_set_print(&b->v4, v4) != 0 ||
	    res_set_print(&b->v6, v6) != 0) {
		free(*as);
		free(*v4);
		free(*v6);
		*as = *v4 = *v6 = NULL;
		return ENGINE_ERR_NOMEM;
	}
	return 0;
}

/* out = a ∩ b per family (out initialised by the call). */
int
eng_bundle_intersect(struct res_bundle *out, const struct res_bundle *a, const struct res_bundle *b)
{
	res_bundle_init(out);
	if (res_set_intersect(&out->as, &a->as, &b->as) != 0 ||
	    res_set_intersect(&out->v4, &a->v4, &b->v4) != 0 ||
	    res_set_intersect(&out->v6, &a->v6, &b->v6) != 0) {
		res_bundle_free(out);
		res_bundle_init(out);
		return ENGINE_ERR_NOMEM;
	}
	return 0;
}

/* dst = src (dst initialised by the call). */
int
eng_bundle_copy(struct res_bundle *dst, const struct res_bundle *src)
{
	res_bundle_init(dst);
	if (res_set_copy(&dst->as, &src->as) != 0 || res_set_copy(&dst->v4, &src->v4) != 0 ||
	    res_set_copy(&dst->v6, &src->v6) != 0) {
		res_bundle_free(dst);
		res_bundle_init(dst);
		return ENGINE_ERR_NOMEM;
	}
	return 0;
}

/* Same resources in every family. */
bool
eng_bundle_equal(const struct res_bundle *a, const struct res_bundle *b)
{
	return res_set_equal(&a->as, &b->as) && res_set_equal(&a->v4, &b->v4) &&
	    res_set_equal(&a->v6, &b->v6);
}

/* a ⊆ b in every family. */
bool
eng_bundle_subset(const struct res_bundle *a, const struct res_bundle *b)
{
	return res_set_subset(&a->as, &b->as) && res_set_subset(&a->v4, &b->v4) &&
	    res_set_subset(&a->v6, &b->v6);
}

/* "as=..;ipv4=..;ipv6=.." for messages; malloc'd, NULL without memory. */
char *
eng_bundle_text(const struct res_bundle *b)
{
	char *as = NULL, *v4 = NULL, *v6 = NULL, *out = NULL;
	size_t n;

	if (eng_bundle_print(b, &as, &v4, &v6) != 0)
		return NULL;
	n = strlen(as) + strlen(v4) + strlen(v6) + 32;
	if ((out = malloc(n)) != NULL)
		snprintf(out, n, "as=%s;ipv4=%s;ipv6=%s", as, v4, v6);
	free(as);
	free(v4);
	free(v6);
	return out;
}

/* ---- BPKI ---- */

/* SKI of a certificate through cms_cert_parse (BPKI certificates carry one). */
static int
cert_ski_of(const unsigned char *der, size_t len, uint8_t ski[SKI_LEN])
{
	mbedtls_x509_crt crt;
	struct cms_cert_info info;
	int rc = ENGINE_ERR_CONFIG;

	mbedtls_x509_crt_init(&crt);
	if (cms_cert_parse(&crt, der, len, &info) == 0 && info.ski_len == SKI_LEN) {
		memcpy(ski, info.ski, SKI_LEN);
		rc = 0;
	}
	mbedtls_x509_crt_free(&crt);
	return rc;
}

/* Copy the revoked entries of the configured BPKI CRL, to carry them over. */
static int
bpki_carry_entries(struct engine *e, const unsigned char *der, size_t len)
{
	mbedtls_x509_crl crl;
	const mbedtls_x509_crl_entry *en;
	size_t n = 0, i;
	int rc = ENGINE_ERR_CONFIG;

	mbedtls_x509_crl_init(&crl);
	if (mbedtls_x509_crl_parse_der(&crl, der, len) != 0) {
		rc = eng_err(ENGINE_ERR_CONFIG, "the configured BPKI CRL does not parse");
		goto out;
	}
	for (en = &crl.entry; en != NULL && en->raw.len > 0; en = en->next)
		n++;
	if (n == 0) {
		rc = 0;
		goto out;
	}
	e->bpki_revoked = calloc(n, sizeof(*e->bpki_revoked));
	e->bpki_revoked_serials = calloc(n, sizeof(*e->bpki_revoked_serials));
	if (e->bpki_revoked == NULL || e->bpki_revoked_serials == NULL) {
		rc = eng_err(ENGINE_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (en = &crl.entry, i = 0; en != NULL && en->raw.len > 0; en = en->next, i++) {
		const unsigned char *p = en->serial.p;
		size_t l = en->serial.len;
		struct tm tm;

		/* Keep the minimal positive form (cert.h "Serials"). */
		while (l > 1 && p[0] == 0 && p[1] < 0x80) {
			p++;
			l--;
		}
		if (l == 0 || l > sizeof(e->bpki_revoked_serials[i].b)) {
			rc = eng_err(ENGINE_ERR_CONFIG, "the configured BPKI CRL has an unusable serial");
			goto out;
		}
		memcpy(e->bpki_revoked_serials[i].b, p, l);
		e->bpki_revoked_serials[i].len = l;
		e->bpki_revoked[i].serial = e->bpki_revoked_serials[i].b;
		e->bpki_revoked[i].serial_len = l;
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = en->revocation_date.year - 1900;
		tm.tm_mon = en->revocation_date.mon - 1;
		tm.tm_mday = en->revocation_date.day;
		tm.tm_hour = en->revocation_date.hour;
		tm.tm_min = en->revocation_date.min;
		tm.tm_sec = en->revocation_date.sec;
		e->bpki_revoked[i].revoked = timegm(&tm);
	}
	e->bpki_nrevoked = n;
	rc = 0;
out:
	mbedtls_x509_crl_free(&crl);
	return rc;
}

/*
 * Sign a fresh BPKI CRL with the BPKI TA key: number reserved first,
 * recorded (with its audit record) before it is used. Caller holds bpki_lock.
 */
static int
bpki_crl_make(struct engine *e, time_t now)
{
	struct crl_params cp;
	unsigned char *der = NULL;
	size_t len = 0;
	uint64_t number = 0;
	time_t next;
	int rc, src;

	next = now + (time_t)e->opts.bpki_crl_validity;
	if (next > e->bpki_iss.not_after)
		next = e->bpki_iss.not_after;
	if (next <= now)
		return eng_err(ENGINE_ERR_CONFIG, "the BPKI TA has expired: no CRL can be made");
	pthread_mutex_lock(&e->store_lock);
	src = store_reserve_crl_number(e->store, e->bpki_ta_ski, &number);
	pthread_mutex_unlock(&e->store_lock);
	if (src != 0)
		return eng_store_err(e, src, "reserving a BPKI CRL number");
	memset(&cp, 0, sizeof(cp));
	cp.this_update = now - (time_t)e->opts.backdate;
	cp.next_update = next;
	cp.number = number;
	cp.entries = e->bpki_revoked;
	cp.n_entries = e->bpki_nrevoked;
	if ((rc = crl_write(&e->bpki_iss, &cp, &der, &len)) != 0)
		return eng_err(rc == CRL_ERR_SIGN ? ENGINE_ERR_SIGNER : ENGINE_ERR_CERT,
		    "signing the BPKI CRL: %s (%s)", crl_strerror(rc), signer_last_error());
	pthread_mutex_lock(&e->store_lock);
	if ((src = store_begin(e->store)) == 0 &&
	    (src = store_crl_record(e->store, e->bpki_ta_ski, NULL, number, cp.this_update,
	    cp.next_update, der, len, now)) == 0)
		src = store_commit(e->store);
	if (src != 0)
		store_rollback(e->store);
	if (src != 0)
		rc = eng_store_err(e, src, "recording the BPKI CRL");
	pthread_mutex_unlock(&e->store_lock);
	if (rc != 0) {
		free(der);
		return rc;
	}
	free(e->bpki_crl);
	e->bpki_crl = der;
	e->bpki_crl_len = len;
	e->bpki_crl_next = cp.next_update;
	e->bpki_checked_until = 0;     /* a new CRL: check the next reply in full */
	return 0;
}

/* ---- the BPKI EE certificate: renewed with the BPKI TA key before it expires ---- */

/*
 * Make der (malloc'd, ours from here) the EE in use if it is for our EE
 * key, signed by our BPKI TA and later-ending than the one in use; else
 * free it. Returns whether it was taken. Caller holds bpki_lock.
 */
static bool
bpki_ee_adopt(struct engine *e, unsigned char *der, size_t len)
{
	mbedtls_x509_crt crt;
	uint8_t ski[SKI_LEN];
	time_t nb, na;
	bool ok = false;

	mbedtls_x509_crt_init(&crt);
	if (cms_cert_parse(&crt, der, len, NULL) == 0 && crt.raw.len == len &&
	    cert_ski_of(der, len, ski) == 0 && memcmp(ski, e->bpki_ee_ski, SKI_LEN) == 0 &&
	    cert_check_issued(der, len, e->bpki_iss.spki_der, e->bpki_iss.spki_len) == 0) {
		nb = (time_t)cms_x509_seconds(&crt.valid_from);
		na = (time_t)cms_x509_seconds(&crt.valid_to);
		ok = na > e->bpki_ee_not_after && nb < na;
	}
	mbedtls_x509_crt_free(&crt);
	if (!ok) {
		free(der);
		return false;
	}
	free(e->bpki_ee);
	e->bpki_ee = der;
	e->bpki_ee_len = len;
	e->bpki_ee_not_before = nb;
	e->bpki_ee_not_after = na;
	/* Renew with a third of the lifetime left, as for our CRLs' halves. */
	e->bpki_ee_renew_at = na - (na - nb) / 3;
	e->bpki_checked_until = 0;     /* a new EE: check the next reply in full */
	return true;
}

/* The EE's subject CN (our ceremony's "HANDLE BPKI EE"), or a fallback, in cn. */
static void
bpki_ee_cn(const struct engine *e, char cn[CERT_MAX_CN + 1])
{
	mbedtls_x509_crt crt;
	const mbedtls_x509_name *n;

	snprintf(cn, CERT_MAX_CN + 1, "updown BPKI EE");
	mbedtls_x509_crt_init(&crt);
	if (cms_cert_parse(&crt, e->bpki_ee, e->bpki_ee_len, NULL) == 0)
		for (n = &crt.subject; n != NULL; n = n->next)
			if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0 && n->val.len > 0 &&
			    n->val.len <= CERT_MAX_CN) {
				memcpy(cn, n->val.p, n->val.len);
				cn[n->val.len] = '\0';
				break;
			}
	mbedtls_x509_crt_free(&crt);
}

/*
 * A new EE certificate for the same key and subject, as long as the one in
 * use was issued for (clipped to the TA's notAfter), serial reserved
 * first, kept in the store (audit record) before it is used. Caller holds
 * bpki_lock.
 */
static int
bpki_ee_renew(struct engine *e, time_t now)
{
	struct cert_bpki_params bp;
	unsigned char serial[9], *spki = NULL, *der = NULL;
	char cn[CERT_MAX_CN + 1];
	size_t spki_len = 0, len = 0;
	uint64_t number = 0;
	time_t life = e->bpki_ee_not_after - e->bpki_ee_not_before;
	int rc, src;

	memset(&bp, 0, sizeof(bp));
	bp.not_before = now - (time_t)e->opts.backdate;
	bp.not_after = now + (life > 0 ? life : 365 * 86400);
	if (bp.not_after > e->bpki_iss.not_after)
		bp.not_after = e->bpki_iss.not_after;
	if (bp.not_after <= e->bpki_ee_not_after) {
		/* The TA ends first: renewing gains nothing (a new ceremony is due). */
		e->bpki_ee_renew_at = (time_t)INT64_MAX;
		return eng_err(ENGINE_ERR_CONFIG, "the BPKI EE certificate cannot be renewed past "
		    "the BPKI TA's notAfter");
	}
	/* The global counter; the ceremony gave the BPKI TA serial 1 and the EE 2. */
	do {
		pthread_mutex_lock(&e->store_lock);
		src = store_reserve_serial(e->store, &number);
		pthread_mutex_unlock(&e->store_lock);
		if (src != 0)
			return eng_store_err(e, src, "reserving a BPKI EE serial");
	} while (number <= 2);
	if (cert_serial_from_u64(number, serial, &bp.serial_len) != 0)
		return eng_err(ENGINE_ERR_CERT, "serial %" PRIu64 " unusable", number);
	bp.serial = serial;
	bpki_ee_cn(e, cn);
	bp.subject_cn = cn;
	if (signer_key_public(e->signer, e->bpki_ee_key, &spki, &spki_len) != 0)
		return eng_err(ENGINE_ERR_SIGNER, "reading the BPKI EE key: %s",
		    signer_last_error());
	rc = cert_bpki_ee(&e->bpki_iss, spki, spki_len, &bp, &der, &len);
	free(spki);
	if (rc != 0)
		return eng_err(rc == CERT_ERR_SIGN ? ENGINE_ERR_SIGNER : ENGINE_ERR_CERT,
		    "signing the BPKI EE certificate: %s (%s)", cert_strerror(rc),
		    signer_last_error());
	pthread_mutex_lock(&e->store_lock);
	if ((src = store_begin(e->store)) == 0 &&
	    (src = store_bpki_ee_put(e->store, der, len, number, now)) == 0)
		src = store_commit(e->store);
	if (src != 0)
		store_rollback(e->store);
	pthread_mutex_unlock(&e->store_lock);
	if (src != 0) {
		free(der);
		return eng_store_err(e, src, "keeping the BPKI EE certificate");
	}
	if (!bpki_ee_adopt(e, der, len))
		return eng_err(ENGINE_ERR_CERT, "the renewed BPKI EE certificate does not check");
	return 0;
}

/*
 * At open: the EE the store kept from an earlier renewal replaces the
 * configured one when it is for the same key, ours, and ends later.
 * Caller holds bpki_lock (or is engine_open).
 */
static int
bpki_ee_stored(struct engine *e)
{
	unsigned char *der = NULL;
	size_t len = 0;
	int src;

	pthread_mutex_lock(&e->store_lock);
	src = store_bpki_ee_get(e->store, &der, &len);
	pthread_mutex_unlock(&e->store_lock);
	if (src == STORE_ERR_NOT_FOUND)
		return 0;
	if (src != 0)
		return eng_store_err(e, src, "reading the kept BPKI EE certificate");
	(void)bpki_ee_adopt(e, der, len);     /* another key's, or older: the configured one */
	return 0;
}

/* See engine_int.h. */
int
eng_bpki_refresh(struct engine *e, time_t now, bool force)
{
	int rc = 0, ee;

	if (e->bpki_ta_key == NULL)
		return 0;
	pthread_mutex_lock(&e->bpki_lock);
	if (now >= e->bpki_ee_renew_at) {
		/*
		 * Not fatal for this reply: the EE in use still has a third of
		 * its lifetime; the next reply tries again, at most once a minute.
		 */
		if ((ee = bpki_ee_renew(e, now)) == 0) {
			char until[UD_TIME_SIZE] = "?";

			(void)ud_time_format(e->bpki_ee_not_after, until);
			snprintf(e->bpki_note, sizeof(e->bpki_note), " [BPKI EE certificate renewed: "
			    "valid until %s]", until);
		} else {
			snprintf(e->bpki_note, sizeof(e->bpki_note), " [BPKI EE renewal failed: %.150s]",
			    engine_errmsg());
			if (e->bpki_ee_renew_at != (time_t)INT64_MAX)
				e->bpki_ee_renew_at = now + 60;
		}
	}
	if (force || e->bpki_crl == NULL ||
	    e->bpki_crl_next - now < (time_t)e->opts.bpki_crl_validity / 2)
		rc = bpki_crl_make(e, now);
	pthread_mutex_unlock(&e->bpki_lock);
	return rc;
}

/* See engine_int.h. */
void
eng_bpki_notice(struct engine *e, char *line, size_t size)
{
	size_t n;

	pthread_mutex_lock(&e->bpki_lock);
	if (e->bpki_note[0] != '\0' && (n = strlen(line)) < size) {
		snprintf(line + n, size - n, "%s", e->bpki_note);
		e->bpki_note[0] = '\0';
	}
	pthread_mutex_unlock(&e->bpki_lock);
}

/* Check a reply we signed as a child would (cms_decode + cms_verify against our TA). */
static int
verify_reply(struct engine *e, const unsigned char *der, size_t len, time_t now)
{
	struct cms_msg m;
	struct cms_trust t;
	int rc;

	cms_msg_init(&m);
	memset(&t, 0, sizeof(t));
	t.ta_der = e->bpki_ta;
	t.ta_len = e->bpki_ta_len;
	if ((rc = cms_decode(&m, der, len, NULL)) == 0)
		rc = cms_verify(&m, &t, now);
	cms_msg_free(&m);
	if (rc != 0)
		return eng_err(ENGINE_ERR_CERT, "our own reply fails the child's checks: %s",
		    cms_strerror(rc));
	return 0;
}

/*
 * How long a full check of a reply (verify_reply) stands for the replies
 * after it. cms_sign() verifies every reply's signature with the EE key;
 * what verify_reply adds (EE and CRL signed by our TA, their validity at
 * now) depends only on the EE, the CRL and the clock, so it is repeated
 * when the CRL changes and at least this often, not for every reply.
 */
#define ENG_REPLY_CHECK_INTERVAL 60

/* See engine_int.h. */
int
eng_sign_reply(struct engine *e, const char *xml, size_t xml_len, time_t now,
               unsigned char **out, size_t *out_len)
{
	struct signer_cms_ctx ctx;
	struct cms_signer cs;
	struct cms_key vk;
	unsigned char *crl = NULL, *ee = NULL;
	size_t crl_len, ee_len;
	bool check;
	int rc;

	*out = NULL;
	*out_len = 0;
	if ((rc = eng_bpki_refresh(e, now, false)) != 0)
		return rc;
	pthread_mutex_lock(&e->bpki_lock);
	crl_len = e->bpki_crl_len;
	if ((crl = malloc(crl_len > 0 ? crl_len : 1)) != NULL)
		memcpy(crl, e->bpki_crl, crl_len);
	/* A renewal may replace the EE: sign with a copy, as with the CRL. */
	ee_len = e->bpki_ee_len;
	if ((ee = malloc(ee_len)) != NULL)
		memcpy(ee, e->bpki_ee, ee_len);
	check = e->opts.verify_replies && (now >= e->bpki_checked_until ||
	    now + ENG_REPLY_CHECK_INTERVAL < e->bpki_checked_until);
	pthread_mutex_unlock(&e->bpki_lock);
	if (crl == NULL || ee == NULL) {
		free(crl);
		free(ee);
		return eng_err(ENGINE_ERR_NOMEM, "out of memory");
	}
	ctx.signer = e->signer;
	ctx.key = e->bpki_ee_key;
	memset(&cs, 0, sizeof(cs));
	cs.ee_der = ee;
	cs.ee_len = ee_len;
	cs.crl_der = crl;
	cs.crl_len = crl_len;
	cs.sign = signer_cms_sign;
	cs.sign_ctx = &ctx;
	/* The key prepared at open: cms_sign_pk checks it is ee_der's key. */
	vk = verify_cms_key(e->bpki_ee_vk);
	rc = cms_sign_pk(&cs, &vk, (const unsigned char *)xml, xml_len, now, out, out_len);
	if (rc != 0) {
		free(crl);
		free(ee);
		return eng_err(rc == CMS_ERR_SIGN ? ENGINE_ERR_SIGNER : ENGINE_ERR_CERT,
		    "signing the reply: %s (%s)", cms_strerror(rc),
		    rc == CMS_ERR_SIGN ? signer_last_error() : "");
	}
	if (check && (rc = verify_reply(e, *out, *out_len, now)) != 0) {
		free(crl);
		free(ee);
		free(*out);
		*out = NULL;
		*out_len = 0;
		return rc;
	}
	if (check) {
		/* Stands for later replies only while the CRL and EE are the ones just checked. */
		pthread_mutex_lock(&e->bpki_lock);
		if (e->bpki_crl_len == crl_len && memcmp(e->bpki_crl, crl, crl_len) == 0 &&
		    e->bpki_ee_len == ee_len && memcmp(e->bpki_ee, ee, ee_len) == 0)
			e->bpki_checked_until = now + ENG_REPLY_CHECK_INTERVAL;
		pthread_mutex_unlock(&e->bpki_lock);
	}
	free(crl);
	free(ee);
	return 0;
}

/* Open time: our BPKI TA and EE, their keys, a fresh CRL, a signed self-test. */
static int
bpki_setup(struct engine *e, const struct engine_config *cfg, time_t now)
{
	unsigned char *spki = NULL;
	size_t spki_len = 0;
	uint8_t ski[SKI_LEN];
	int rc;

	if (cfg->bpki_ta == NULL || cfg->bpki_ee == NULL || cfg->bpki_ee_key == NULL ||
	    (cfg->bpki_ta_key == NULL && cfg->bpki_crl == NULL))
		return eng_err(ENGINE_ERR_CONFIG, "BPKI TA, EE, EE key and a CRL or the TA key are "
		    "required (RFC 6492 3.1.1.4, 3.1.1.5)");
	if ((e->bpki_ta = malloc(cfg->bpki_ta_len)) == NULL ||
	    (e->bpki_ee = malloc(cfg->bpki_ee_len)) == NULL)
		return eng_err(ENGINE_ERR_NOMEM, "out of memory");
	memcpy(e->bpki_ta, cfg->bpki_ta, cfg->bpki_ta_len);
	e->bpki_ta_len = cfg->bpki_ta_len;
	memcpy(e->bpki_ee, cfg->bpki_ee, cfg->bpki_ee_len);
	e->bpki_ee_len = cfg->bpki_ee_len;
	if (cert_ski_of(e->bpki_ta, e->bpki_ta_len, e->bpki_ta_ski) != 0 ||
	    cert_ski_of(e->bpki_ee, e->bpki_ee_len, e->bpki_ee_ski) != 0)
		return eng_err(ENGINE_ERR_CONFIG, "BPKI TA or EE certificate unparsable or without "
		    "a subjectKeyIdentifier");
	if (cms_cert_parse(&e->bpki_ee_crt, e->bpki_ee, e->bpki_ee_len, NULL) != 0)
		return eng_err(ENGINE_ERR_CONFIG, "BPKI EE certificate unparsable");
	if ((rc = verify_key_new(&e->bpki_ee_crt.pk, &e->bpki_ee_vk)) != 0)
		return eng_err(rc == VERIFY_ERR_NOMEM ? ENGINE_ERR_NOMEM : ENGINE_ERR_CONFIG,
		    "BPKI EE certificate's key: %s", verify_strerror(rc));
	e->bpki_ee_not_before = (time_t)cms_x509_seconds(&e->bpki_ee_crt.valid_from);
	e->bpki_ee_not_after = (time_t)cms_x509_seconds(&e->bpki_ee_crt.valid_to);
	e->bpki_ee_renew_at = (time_t)INT64_MAX;     /* without the TA key: never */
	if ((rc = signer_key_find(e->signer, cfg->bpki_ee_key, &e->bpki_ee_key)) != 0)
		return eng_err(ENGINE_ERR_SIGNER, "BPKI EE key '%s': %s", cfg->bpki_ee_key,
		    signer_last_error());
	if ((rc = signer_key_public(e->signer, e->bpki_ee_key, &spki, &spki_len)) != 0)
		return eng_err(ENGINE_ERR_SIGNER, "BPKI EE key '%s': %s", cfg->bpki_ee_key,
		    signer_last_error());
	rc = cert_ski(spki, spki_len, ski);
	free(spki);
	if (rc != 0 || memcmp(ski, e->bpki_ee_ski, SKI_LEN) != 0)
		return eng_err(ENGINE_ERR_CONFIG, "the BPKI EE certificate is not for key '%s'",
		    cfg->bpki_ee_key);
	if (cfg->bpki_crl != NULL && (rc = bpki_carry_entries(e, cfg->bpki_crl,
	    cfg->bpki_crl_len)) != 0)
		return rc;
	if (cfg->bpki_ta_key != NULL) {
		if ((rc = signer_key_find(e->signer, cfg->bpki_ta_key, &e->bpki_ta_key)) != 0)
			return eng_err(ENGINE_ERR_SIGNER, "BPKI TA key '%s': %s", cfg->bpki_ta_key,
			    signer_last_error());
		if ((rc = cert_issuer_load(&e->bpki_iss, e->signer, e->bpki_ta_key, e->bpki_ta,
		    e->bpki_ta_len)) != 0)
			return eng_err(ENGINE_ERR_CONFIG, "BPKI TA with key '%s': %s",
			    cfg->bpki_ta_key, cert_strerror(rc));
		e->bpki_ee_renew_at = e->bpki_ee_not_after -
		    (e->bpki_ee_not_after - e->bpki_ee_not_before) / 3;
		if ((rc = bpki_ee_stored(e)) != 0)
			return rc;
		if ((rc = eng_bpki_refresh(e, now, true)) != 0)
			return rc;
	} else {
		if ((e->bpki_crl = malloc(cfg->bpki_crl_len)) == NULL)
			return eng_err(ENGINE_ERR_NOMEM, "out of memory");
		memcpy(e->bpki_crl, cfg->bpki_crl, cfg->bpki_crl_len);
		e->bpki_crl_len = cfg->bpki_crl_len;
		e->bpki_crl_next = (time_t)INT64_MAX;
	}
	return 0;
}

/* Sign and verify a throw-away reply: the BPKI EE, key, CRL and TA fit together. */
static int
bpki_selftest(struct engine *e, time_t now)
{
	struct ud_msg m;
	char *xml = NULL;
	size_t xml_len = 0;
	unsigned char *der = NULL;
	size_t der_len = 0;
	bool verify = e->opts.verify_replies;
	int rc;

	ud_msg_init(&m);
	m.type = UD_LIST_RESPONSE;
	if ((m.sender = strdup(e->handle)) == NULL || (m.recipient = strdup("self-test")) == NULL) {
		rc = eng_err(ENGINE_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = ud_encode(&m, &xml, &xml_len)) != 0) {
		rc = eng_err(ENGINE_ERR_CONFIG, "our handle '%s' cannot be a sender: %s", e->handle,
		    ud_strerror(rc));
		goto out;
	}
	e->opts.verify_replies = true;
	pthread_mutex_lock(&e->bpki_lock);
	e->bpki_checked_until = 0;     /* the self-test always checks in full */
	pthread_mutex_unlock(&e->bpki_lock);
	rc = eng_sign_reply(e, xml, xml_len, now, &der, &der_len);
	e->opts.verify_replies = verify;
	if (rc != 0)
		rc = eng_err(rc, "BPKI self-test: %s", engine_errmsg());
out:
	free(der);
	free(xml);
	ud_msg_free(&m);
	return rc;
}

/* ---- classes ---- */

/* "rsync://h/m/p/x.mft" -> "x.mft" when it lies directly in repo. */
static char *
name_in_repo(const char *repo, const char *uri)
{
	size_t n = strlen(repo);

	if (uri == NULL || strncmp(uri, repo, n) != 0 || strchr(uri + n, '/') != NULL ||
	    uri[n] == '\0')
		return NULL;
	return strdup(uri + n);
}

static void
class_free(struct eclass *c)
{
	free(c->name);
	free(c->cert_uri);
	free(c->repo_uri);
	free(c->crl_name);
	free(c->crl_uri);
	free(c->mft_name);
	free(c->mft_uri);
	free(c->notify_uri);
	free(c->key_label);
	cert_issuer_free(&c->iss);
	pub_close(c->pp);
	memset(c, 0, sizeof(*c));
}

/* Load one class: key, certificate, names, publication point. */
static int
class_setup(struct engine *e, size_t idx, const struct engine_class_config *cc)
{
	struct eclass *c = &e->classes[idx];
	char file[CERT_FILE_NAME_SIZE];
	int rc;

	cert_issuer_init(&c->iss);
	if (cc->name == NULL || cc->cert == NULL || cc->key_label == NULL ||
	    cc->cert_uri == NULL || cc->pub_root == NULL)
		return eng_err(ENGINE_ERR_CONFIG, "class %zu: name, cert, key_label, cert_uri and "
		    "pub_root are required", idx);
	if (strncmp(cc->cert_uri, "rsync://", 8) != 0 || strchr(cc->cert_uri, ',') != NULL)
		return eng_err(ENGINE_ERR_CONFIG, "class %s: cert_uri must be one rsync URI "
		    "(RFC 6487 4.8.7)", cc->name);
	if ((c->name = strdup(cc->name)) == NULL || (c->cert_uri = strdup(cc->cert_uri)) == NULL ||
	    (c->key_label = strdup(cc->key_label)) == NULL)
		return eng_err(ENGINE_ERR_NOMEM, "out of memory");
	snprintf(c->mft_label, sizeof(c->mft_label), "updown-mft-c%zu", idx);
	if ((rc = signer_key_find(e->signer, cc->key_label, &c->key)) != 0)
		return eng_err(ENGINE_ERR_SIGNER, "class %s: key '%s': %s", cc->name, cc->key_label,
		    signer_last_error());
	if ((rc = cert_issuer_load(&c->iss, e->signer, c->key, cc->cert, cc->cert_len)) != 0)
		return eng_err(ENGINE_ERR_CONFIG, "class %s: certificate with key '%s': %s",
		    cc->name, cc->key_label, cert_strerror(rc));
	if (!c->iss.has_resources || c->iss.res.as.inherit || c->iss.res.v4.inherit ||
	    c->iss.res.v6.inherit || c->iss.sia_ca_repository == NULL ||
	    c->iss.sia_rpki_manifest == NULL)
		return eng_err(ENGINE_ERR_CONFIG, "class %s: our certificate needs explicit RFC 3779 "
		    "resources and an SIA (RFC 6487 4.8.8, 4.8.10)", cc->name);
	memcpy(c->ski, c->iss.ski, SKI_LEN);
	if ((c->repo_uri = strdup(c->iss.sia_ca_repository)) == NULL ||
	    (c->mft_uri = strdup(c->iss.sia_rpki_manifest)) == NULL ||
	    (c->iss.sia_rpki_notify != NULL &&
	    (c->notify_uri = strdup(c->iss.sia_rpki_notify)) == NULL))
		return eng_err(ENGINE_ERR_NOMEM, "out of memory");
	if ((c->mft_name = name_in_repo(c->repo_uri, c->mft_uri)) == NULL)
		return eng_err(ENGINE_ERR_CONFIG, "class %s: the manifest %s is not directly in "
		    "the repository %s", cc->name, c->mft_uri, c->repo_uri);
	if (cc->crl_name != NULL) {
		c->crl_name = strdup(cc->crl_name);
	} else {
		if ((rc = cert_file_name(c->iss.spki_der, c->iss.spki_len, file)) != 0)
			return eng_err(ENGINE_ERR_CONFIG, "class %s: %s", cc->name,
			    cert_strerror(rc));
		memcpy(file + strlen(file) - 4, ".crl", 5);
		c->crl_name = strdup(file);
	}
	if (c->crl_name == NULL || (c->crl_uri = eng_join(c->repo_uri, c->crl_name)) == NULL)
		return eng_err(ENGINE_ERR_NOMEM, "out of memory");
	if ((rc = pub_open(cc->pub_root, c->repo_uri, NULL, &c->pp)) != 0)
		return eng_err(ENGINE_ERR_PUBLISH, "class %s: publication point %s under %s: %s",
		    cc->name, c->repo_uri, cc->pub_root, pub_strerror(rc));
	return 0;
}

/* Record (or update) the class and our keys in the store. */
static int
class_record(struct engine *e, struct eclass *c, const char *label, time_t now)
{
	struct store_class sc, old;
	bool same = false;
	int src, rc = 0;

	memset(&old, 0, sizeof(old));
	src = store_class_get(e->store, c->name, &old);
	if (src != 0 && src != STORE_ERR_NOT_FOUND)
		return eng_store_err(e, src, "reading a class");
	if (src == 0) {
		if (memcmp(old.key_ski, c->ski, SKI_LEN) != 0) {
			store_class_free(&old);
			return eng_err(ENGINE_ERR_KEY_ROLL, "class %s: the store knows another key for "
			    "this class; a key roll is not supported (UD-141)", c->name);
		}
		same = old.cert_len == c->iss.cert_len &&
		    memcmp(old.cert, c->iss.cert_der, old.cert_len) == 0 &&
		    strcmp(old.key_label, label) == 0 && strcmp(old.cert_uris, c->cert_uri) == 0 &&
		    strcmp(old.repo_uri, c->repo_uri) == 0 && strcmp(old.crl_uri, c->crl_uri) == 0 &&
		    strcmp(old.mft_uri, c->mft_uri) == 0 &&
		    ((old.notify_uri == NULL && c->notify_uri == NULL) ||
		    (old.notify_uri != NULL && c->notify_uri != NULL &&
		    strcmp(old.notify_uri, c->notify_uri) == 0));
		store_class_free(&old);
	}
	if (same)
		return 0;
	memset(&sc, 0, sizeof(sc));
	sc.name = c->name;
	sc.cert = c->iss.cert_der;
	sc.cert_len = c->iss.cert_len;
	memcpy(sc.key_ski, c->ski, SKI_LEN);
	sc.key_label = (char *)label;
	sc.cert_uris = c->cert_uri;
	sc.repo_uri = c->repo_uri;
	sc.crl_uri = c->crl_uri;
	sc.mft_uri = c->mft_uri;
	sc.notify_uri = c->notify_uri;
	if ((src = store_class_put(e->store, &sc, now)) != 0 ||
	    (src = store_key_put(e->store, c->ski, label, "ca", now)) != 0)
		rc = eng_store_err(e, src, "recording a class");
	return rc;
}

/* Record our BPKI keys (UD-163: SKI -> HSM label). */
static int
keys_record(struct engine *e, const struct engine_config *cfg, time_t now)
{
	int src;

	if ((src = store_key_put(e->store, e->bpki_ee_ski, cfg->bpki_ee_key, "bpki-ee", now)) != 0)
		return eng_store_err(e, src, "recording the BPKI EE key");
	if (cfg->bpki_ta_key != NULL &&
	    (src = store_key_put(e->store, e->bpki_ta_ski, cfg->bpki_ta_key, "bpki-ta", now)) != 0)
		return eng_store_err(e, src, "recording the BPKI TA key");
	return 0;
}

static void
opts_defaults(struct engine_options *o)
{
	if (o->max_skew == 0)
		o->max_skew = ENGINE_DEFAULT_SKEW;
	if (o->brake_max_count == 0)
		o->brake_max_count = ENGINE_DEFAULT_BRAKE_COUNT;
	if (o->brake_max_share <= 0)
		o->brake_max_share = ENGINE_DEFAULT_BRAKE_SHARE;
	if (o->brake_floor == 0)
		o->brake_floor = ENGINE_DEFAULT_BRAKE_FLOOR;
	if (o->crl_validity == 0)
		o->crl_validity = ENGINE_DEFAULT_CRL_VALIDITY;
	if (o->crl_refresh == 0 || o->crl_refresh >= o->crl_validity)
		o->crl_refresh = o->crl_validity / 2;
	if (o->bpki_crl_validity == 0)
		o->bpki_crl_validity = ENGINE_DEFAULT_BPKI_VALIDITY;
#ifndef NDEBUG
	o->verify_replies = true;     /* debug builds always check their own replies */
#endif
}

/* Re-publish every class from the store (crash between commit and publication). */
static int
republish_all(struct engine *e, time_t now)
{
	struct batch b;
	bool committed = false;
	size_t i;
	int rc;

	batch_init(&b, e, now);
	for (i = 0; i < e->nclasses; i++) {
		b.cls[i].touched = true;
		b.cls[i].resync = true;
	}
	rc = batch_run(&b, &committed);
	batch_free(&b);
	return rc;
}

/* See engine.h. */
int
engine_open(const struct engine_config *cfg, time_t now, struct engine **out, char **errmsg)
{
	struct engine *e = NULL;
	size_t i, j;
	int rc, src;
	bool locks = false;

	if (errmsg != NULL)
		*errmsg = NULL;
	errbuf[0] = '\0';
	if (out == NULL)
		return ENGINE_ERR_ARG;
	*out = NULL;
	if (cfg == NULL || cfg->store == NULL || cfg->signer == NULL || cfg->handle == NULL ||
	    cfg->nclasses == 0 || cfg->classes == NULL) {
		rc = eng_err(ENGINE_ERR_ARG, "store, signer, handle and at least one class are "
		    "required");
		goto fail;
	}
	if (cfg->nclasses > ENGINE_MAX_CLASSES) {
		rc = eng_err(ENGINE_ERR_CONFIG, "more than %d classes", ENGINE_MAX_CLASSES);
		goto fail;
	}
	if (!oob_handle_ok(cfg->handle)) {
		rc = eng_err(ENGINE_ERR_HANDLE, "our handle '%s' is not a valid handle (UD-154)",
		    cfg->handle);
		goto fail;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		rc = eng_err(ENGINE_ERR_NOMEM, "out of memory");
		goto fail;
	}
	cert_issuer_init(&e->bpki_iss);
	pthread_mutex_init(&e->batch_lock, NULL);
	pthread_rwlock_init(&e->cls_lock, NULL);
	pthread_mutex_init(&e->store_lock, NULL);
	pthread_mutex_init(&e->bpki_lock, NULL);
	pthread_mutex_init(&e->busy_lock, NULL);
	pthread_mutex_init(&e->auth_lock, NULL);
	mbedtls_x509_crt_init(&e->bpki_ee_crt);
	locks = true;
	if ((e->auth = calloc((size_t)ENG_AUTH_SETS * ENG_AUTH_WAYS, sizeof(*e->auth))) == NULL) {
		rc = eng_err(ENGINE_ERR_NOMEM, "out of memory");
		goto fail;
	}
	e->store = cfg->store;
	e->signer = cfg->signer;
	e->mft_signer = cfg->mft_signer != NULL ? cfg->mft_signer : cfg->signer;
	e->opts = cfg->opts;
	opts_defaults(&e->opts);
	e->hook = cfg->hook;
	e->hook_arg = cfg->hook_arg;
	if ((e->handle = strdup(cfg->handle)) == NULL ||
	    (e->classes = calloc(cfg->nclasses, sizeof(*e->classes))) == NULL) {
		rc = eng_err(ENGINE_ERR_NOMEM, "out of memory");
		goto fail;
	}
	e->nclasses = cfg->nclasses;
	for (i = 0; i < cfg->nclasses; i++) {
		for (j = 0; j < i; j++)
			if (cfg->classes[i].name != NULL && cfg->classes[j].name != NULL &&
			    strcmp(cfg->classes[i].name, cfg->classes[j].name) == 0) {
				rc = eng_err(ENGINE_ERR_CONFIG, "class %s configured twice",
				    cfg->classes[i].name);
				goto fail;
			}
		if ((rc = class_setup(e, i, &cfg->classes[i])) != 0)
			goto fail;
		for (j = 0; j < i; j++)
			if (memcmp(e->classes[i].ski, e->classes[j].ski, SKI_LEN) == 0) {
				rc = eng_err(ENGINE_ERR_CONFIG, "classes %s and %s use the same key",
				    e->classes[j].name, e->classes[i].name);
				goto fail;
			}
	}
	if ((rc = bpki_setup(e, cfg, now)) != 0 || (rc = bpki_selftest(e, now)) != 0)
		goto fail;
	/* Classes and keys: one transaction. */
	if ((src = store_begin(e->store)) != 0) {
		rc = eng_store_err(e, src, "starting a transaction");
		goto fail;
	}
	for (i = 0; i < e->nclasses; i++)
		if ((rc = class_record(e, &e->classes[i], cfg->classes[i].key_label, now)) != 0)
			break;
	if (rc == 0)
		rc = keys_record(e, cfg, now);
	if (rc == 0 && (src = store_commit(e->store)) != 0)
		rc = eng_store_err(e, src, "committing the classes");
	if (rc != 0) {
		store_rollback(e->store);
		goto fail;
	}
	pthread_mutex_lock(&e->batch_lock);
	rc = republish_all(e, now);
	pthread_mutex_unlock(&e->batch_lock);
	if (rc != 0) {
		rc = eng_err(rc, "re-publishing from the store: %s", engine_errmsg());
		goto fail;
	}
	if ((rc = eng_log_start(e, cfg->exchange_dir)) != 0)
		goto fail;
	*out = e;
	return 0;
fail:
	if (errmsg != NULL)
		*errmsg = strdup(errbuf);
	if (e != NULL) {
		if (!locks) {
			free(e);
		} else {
			engine_close(e);
		}
	}
	return rc;
}

/* See engine.h. */
void
engine_close(struct engine *e)
{
	size_t i;

	if (e == NULL)
		return;
	eng_log_stop(e);    /* writes what is queued */
	for (i = 0; i < e->nclasses; i++)
		class_free(&e->classes[i]);
	free(e->classes);
	free(e->handle);
	free(e->bpki_ta);
	free(e->bpki_ee);
	free(e->bpki_crl);
	free(e->bpki_revoked);
	free(e->bpki_revoked_serials);
	cert_issuer_free(&e->bpki_iss);
	for (i = 0; i < e->nbusy; i++)
		free(e->busy[i]);
	free(e->busy);
	if (e->auth != NULL)
		for (i = 0; i < (size_t)ENG_AUTH_SETS * ENG_AUTH_WAYS; i++)
			eng_pk_put(e->auth[i].pk);
	free(e->auth);
	mbedtls_x509_crt_free(&e->bpki_ee_crt);
	verify_key_free(e->bpki_ee_vk);
	pthread_mutex_destroy(&e->auth_lock);
	pthread_mutex_destroy(&e->batch_lock);
	pthread_rwlock_destroy(&e->cls_lock);
	pthread_mutex_destroy(&e->store_lock);
	pthread_mutex_destroy(&e->bpki_lock);
	pthread_mutex_destroy(&e->busy_lock);
	mbedtls_platform_zeroize(e, sizeof(*e));
	free(e);
}

/* ---- children ---- */

/* See engine.h. */
int
engine_add_child(struct engine *e, const char *handle, const unsigned char *bpki_ta,
                 size_t ta_len, time_t now)
{
	int rc, src;

	if (e == NULL || handle == NULL || bpki_ta == NULL || ta_len == 0)
		return eng_err(ENGINE_ERR_ARG, "handle and BPKI TA required");
	if (!oob_handle_ok(handle))
		return eng_err(ENGINE_ERR_HANDLE, "child handle is not [-_A-Za-z0-9/]{1,255} (UD-154)");
	if ((rc = oob_check_bpki_ta(bpki_ta, ta_len, now, NULL)) != 0)
		return eng_err(ENGINE_ERR_TA, "child %s: BPKI TA refused: %s (UD-152)", handle,
		    oob_strerror(rc));
	pthread_mutex_lock(&e->store_lock);
	rc = 0;
	if ((src = store_begin(e->store)) == 0 &&
	    (src = store_child_put(e->store, handle, bpki_ta, ta_len, now)) == 0)
		src = store_commit(e->store);
	if (src != 0) {
		store_rollback(e->store);
		rc = eng_store_err(e, src, "adding a child");
	}
	pthread_mutex_unlock(&e->store_lock);
	/* A new TA: no path checked against the old one stands (also keyed on the TA). */
	eng_auth_drop(e, handle);
	return rc;
}

/* See engine.h. */
int
engine_reset_replay(struct engine *e, const char *handle, const char *why, time_t now)
{
	int rc = 0, src;

	if (e == NULL || handle == NULL)
		return eng_err(ENGINE_ERR_ARG, "handle required");
	pthread_mutex_lock(&e->store_lock);
	if ((src = store_begin(e->store)) == 0 &&
	    (src = store_child_replay_reset(e->store, handle, now,
	    why != NULL ? why : "operator reset (UD-36)")) == 0)
		src = store_commit(e->store);
	if (src != 0) {
		store_rollback(e->store);
		rc = src == STORE_ERR_NOT_FOUND ?
		    eng_err(ENGINE_ERR_NOT_FOUND, "no child %s", handle) :
		    eng_store_err(e, src, "resetting the replay time");
	}
	pthread_mutex_unlock(&e->store_lock);
	return rc;
}

/* See engine.h. */
void
engine_bpki_ee_times(struct engine *e, time_t *not_after, time_t *renew_at)
{
	pthread_mutex_lock(&e->bpki_lock);
	*not_after = e->bpki_ee_not_after;
	*renew_at = e->bpki_ee_renew_at;
	pthread_mutex_unlock(&e->bpki_lock);
}

/* See engine.h. */
struct store *
engine_store(struct engine *e)
{
	return e == NULL ? NULL : e->store;
}

/* See engine.h. */
void
engine_store_lock(struct engine *e)
{
	pthread_mutex_lock(&e->store_lock);
}

/* See engine.h. */
void
engine_store_unlock(struct engine *e)
{
	pthread_mutex_unlock(&e->store_lock);
}
