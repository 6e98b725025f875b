/*
 * RFC 6492 CMS profile: trust checks of a decoded message (RFC 6492 3.1.2
 * check 4; UD-33, UD-34).
 *
 * mbed TLS builds and checks the path, but it compares validity periods
 * with the system clock. The verify callback therefore clears the
 * EXPIRED/FUTURE flags and checks each certificate against the caller's
 * `now` instead. CRLs are not given to mbed TLS (it would also use the
 * clock): the one CRL of the message is checked here.
 */
#include <stdint.h>
#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509.h>

#include "proto/cms.h"

/*
 * Algorithms accepted on the BPKI path and the CRL: RSA >= 2048 bits with
 * SHA-256/384/512 (RFC 7935 for RPKI; BPKI certificates in the wild use
 * sha256WithRSAEncryption).
 */
static const mbedtls_x509_crt_profile bpki_profile = {
	MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA256) |
	MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA384) |
	MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA512),
	MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_RSA),
	0,
	2048,
};

/* See cms.h. */
int64_t
cms_x509_seconds(const mbedtls_x509_time *t)
{
	int64_t y = t->year, m = t->mon, era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + t->day - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468) * 86400 +
	    (int64_t)t->hour * 3600 + t->min * 60 + t->sec;
}

struct vctx {
	int64_t now;
	int err;                          /* first validity error seen */
	const mbedtls_x509_crt *issuer;   /* the EE's issuer on the path */
};

/*
 * Called by mbed TLS for every certificate on the path, trust anchor
 * included (depth 0 = EE). Replaces the clock-based validity flags with a
 * check against ctx->now (RFC 5280 4.1.2.5: both bounds inclusive).
 */
static int
vrfy_cb(void *p, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	struct vctx *v = p;
	int err = 0;

	*flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
	if (v->now < cms_x509_seconds(&crt->valid_from))
		err = depth == 0 ? CMS_ERR_EE_NOT_YET_VALID : CMS_ERR_CA_EXPIRED;
	else if (v->now > cms_x509_seconds(&crt->valid_to))
		err = depth == 0 ? CMS_ERR_EE_EXPIRED : CMS_ERR_CA_EXPIRED;
	/* Report the EE's own problem first: it is the likelier one. */
	if (err != 0 && (v->err == 0 || depth == 0))
		v->err = err;
	if (depth == 1)
		v->issuer = crt;
	return 0;
}

/* The CRL of the message against the EE and its issuer (RFC 6492 3.1.2, UD-34). */
static int
check_crl(const struct cms_msg *msg, const mbedtls_x509_crt *issuer, int64_t now)
{
	const mbedtls_x509_crl *crl = &msg->crl;
	const mbedtls_x509_crl_entry *e;
	const mbedtls_md_info_t *md;
	unsigned char hash[MBEDTLS_MD_MAX_SIZE];

	if (!msg->has_crl)
		return CMS_ERR_NO_CRL;
	/*
	 * Same issuer name as the EE (the CA that issued the EE must have issued
	 * the CRL). XXX byte comparison of the DER names, not RFC 5280 7.1 name
	 * matching; both come from the same CA software in practice.
	 */
	if (crl->issuer_raw.len != msg->ee.issuer_raw.len ||
	    memcmp(crl->issuer_raw.p, msg->ee.issuer_raw.p, crl->issuer_raw.len) != 0)
		return CMS_ERR_CRL_ISSUER;
	if (issuer == NULL)
		return CMS_ERR_CRL_ISSUER;
	/* RFC 5280 4.2.1.3: a CRL signer asserts cRLSign when keyUsage is present. */
	if (mbedtls_x509_crt_check_key_usage(issuer, MBEDTLS_X509_KU_CRL_SIGN) != 0)
		return CMS_ERR_CRL_ISSUER;
	if ((bpki_profile.allowed_mds & MBEDTLS_X509_ID_FLAG(crl->sig_md)) == 0 ||
	    crl->sig_pk != MBEDTLS_PK_RSA ||
	    (md = mbedtls_md_info_from_type(crl->sig_md)) == NULL ||
	    mbedtls_md(md, crl->tbs.p, crl->tbs.len, hash) != 0 ||
	    mbedtls_pk_verify_ext(crl->sig_pk, crl->sig_opts,
	    (mbedtls_pk_context *)&issuer->pk, crl->sig_md, hash,
	    mbedtls_md_get_size(md), crl->sig.p, crl->sig.len) != 0)
		return CMS_ERR_CRL_SIGNATURE;
	if (now < cms_x509_seconds(&crl->this_update))
		return CMS_ERR_CRL_NOT_YET_VALID;
	/* nextUpdate is optional in X.509 but required by RFC 5280 5.1.2.5; absent = year 0. */
	if (crl->next_update.year == 0 || now >= cms_x509_seconds(&crl->next_update))
		return CMS_ERR_CRL_STALE;
	for (e = &crl->entry; e != NULL && e->serial.len != 0; e = e->next) {
		if (e->serial.len == msg->ee.serial.len &&
		    memcmp(e->serial.p, msg->ee.serial.p, e->serial.len) == 0)
			return CMS_ERR_REVOKED;
	}
	return 0;
}

/* Inclusive window [lo, hi] narrowed by [from, to]. */
static void
narrow(int64_t *lo, int64_t *hi, int64_t from, int64_t to)
{
	if (from > *lo)
		*lo = from;
	if (to < *hi)
		*hi = to;
}

/*
 * Path from the trust anchor, validity at now and the CRL, without the
 * message signature. See cms.h. Allocates only temporarily.
 */
int
cms_verify_path(const struct cms_msg *msg, const struct cms_trust *trust, time_t now,
                struct cms_window *window)
{
	mbedtls_x509_crt ta, chain;
	const mbedtls_x509_crt *c;
	struct cms_cert_info info;
	struct vctx v;
	uint32_t flags = 0;
	int64_t lo, hi;
	size_t i;
	int rc, ret;

	if (window != NULL)
		memset(window, 0, sizeof(*window));
	if (msg == NULL || trust == NULL || trust->ta_der == NULL || trust->ta_len == 0 ||
	    (trust->n_intermediates > 0 && trust->intermediates == NULL))
		return CMS_ERR_ARG;
	if (msg->ee.raw.p == NULL)
		return CMS_ERR_ARG;
	if (!msg->has_crl)
		return CMS_ERR_NO_CRL;           /* decoded with allow_no_crl */

	mbedtls_x509_crt_init(&ta);
	mbedtls_x509_crt_init(&chain);
	rc = CMS_ERR_TA;
	if (cms_cert_parse(&ta, trust->ta_der, trust->ta_len, &info) != 0 || !ta.ca_istrue)
		goto out;
	/* The untrusted list: the EE first, then the caller's intermediates. */
	rc = CMS_ERR_CERT_PARSE;
	if (cms_cert_parse(&chain, msg->ee.raw.p, msg->ee.raw.len, NULL) != 0)
		goto out;
	rc = CMS_ERR_INTERMEDIATE;
	for (i = 0; i < trust->n_intermediates; i++) {
		if (trust->intermediates[i].der == NULL ||
		    cms_cert_parse(&chain, trust->intermediates[i].der,
		    trust->intermediates[i].len, NULL) != 0)
			goto out;
	}

	memset(&v, 0, sizeof(v));
	v.now = (int64_t)now;
	ret = mbedtls_x509_crt_verify_with_profile(&chain, &ta, NULL, &bpki_profile,
	    NULL, &flags, vrfy_cb, &v);
	rc = CMS_ERR_CHAIN;
	if (ret != 0 || flags != 0)
		goto out;
	if ((rc = v.err) != 0)
		goto out;
	if ((rc = check_crl(msg, v.issuer, v.now)) != 0)
		goto out;
	if (window != NULL) {
		/*
		 * Every certificate that could be on the path (the EE, the
		 * intermediates given, the TA) and the CRL: a conservative
		 * window, never wider than the one of the path used.
		 */
		lo = INT64_MIN;
		hi = INT64_MAX;
		for (c = &chain; c != NULL && c->raw.p != NULL; c = c->next)
			narrow(&lo, &hi, cms_x509_seconds(&c->valid_from), cms_x509_seconds(&c->valid_to));
		narrow(&lo, &hi, cms_x509_seconds(&ta.valid_from), cms_x509_seconds(&ta.valid_to));
		narrow(&lo, &hi, cms_x509_seconds(&msg->crl.this_update),
		    cms_x509_seconds(&msg->crl.next_update) - 1);
		window->not_before = (time_t)lo;
		window->not_after = (time_t)hi;
	}
	rc = 0;
out:
	mbedtls_x509_crt_free(&chain);
	mbedtls_x509_crt_free(&ta);
	return rc;
}

/*
 * Signature, path from the trust anchor, validity at now and the CRL.
 * See cms.h. Allocates only temporarily.
 */
int
cms_verify(const struct cms_msg *msg, const struct cms_trust *trust, time_t now)
{
	int rc;

	if (msg == NULL || trust == NULL || trust->ta_der == NULL || trust->ta_len == 0 ||
	    (trust->n_intermediates > 0 && trust->intermediates == NULL))
		return CMS_ERR_ARG;
	if ((rc = cms_check_signature(msg)) != 0)
		return rc;
	return cms_verify_path(msg, trust, now, NULL);
}
