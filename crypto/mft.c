/*
 * Manifest writer (RFC 9286; UD-131). See crypto/include/crypto/mft.h.
 *
 * The eContent is written backwards (mbed TLS asn1write) into a buffer
 * sized in advance; the signed object comes from cms_sign_object()
 * (proto/cms.h) with a one-time key generated in the issuer's signer.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1write.h>

#include "crypto/mft.h"
#include "proto/der.h"
#include "proto/cms.h"

#define OID_SHA256 "\x60\x86\x48\x01\x65\x03\x04\x02\x01"   /* id-sha256, RFC 9286 4.2.1 */

/* One FileAndHash: SEQUENCE(4) { IA5String(4+255), BIT STRING(2+1+32) }, rounded up. */
#define FILE_MAX   320
#define HDR_MAX    160   /* number, times, algorithm, headers */
#define KEYGEN_TRIES 8

#define CHK(f) do { if ((ret = (f)) < 0) goto asn1_fail; len += (size_t)ret; } while (0)

/* See mft.h: [a-zA-Z0-9_-]+ "." [a-z]{3} (RFC 9286 4.2.2). */
int
mft_name_valid(const char *name)
{
	size_t len, i;

	if (name == NULL)
		return 0;
	len = strnlen(name, MFT_MAX_NAME + 1);
	if (len < 5 || len > MFT_MAX_NAME || name[len - 4] != '.')
		return 0;
	for (i = 0; i < len - 4; i++) {
		char c = name[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	for (i = len - 3; i < len; i++)
		if (name[i] < 'a' || name[i] > 'z')
			return 0;
	return 1;
}

static int
file_cmp(const void *a, const void *b)
{
	const struct mft_file *x = *(const struct mft_file *const *)a;
	const struct mft_file *y = *(const struct mft_file *const *)b;

	return strcmp(x->name, y->name);
}

static int
write_gentime(unsigned char **p, unsigned char *start, time_t t)
{
	int ret = cert_asn1_write_gentime(p, start, t);

	if (ret == CERT_ERR_VALIDITY)
		return MFT_ERR_TIME;
	return ret < 0 ? MBEDTLS_ERR_ASN1_BUF_TOO_SMALL : ret;
}

/* See mft.h. */
int
mft_econtent_write(const struct mft_params *p, unsigned char **der, size_t *out_len)
{
	const struct mft_file **sorted = NULL;
	unsigned char *buf = NULL, *q;
	size_t size, len = 0, mark, i;
	int rc, ret;

	if (der != NULL)
		*der = NULL;
	if (p == NULL || der == NULL || out_len == NULL || (p->files == NULL && p->n_files > 0))
		return MFT_ERR_ARG;
	if (p->this_update >= p->next_update)
		return MFT_ERR_TIME;
	if (p->n_files > MFT_MAX_FILES)
		return MFT_ERR_LIMIT;
	rc = MFT_ERR_NOMEM;
	if (p->n_files > 0 && (sorted = calloc(p->n_files, sizeof(*sorted))) == NULL)
		goto out;
	for (i = 0; i < p->n_files; i++) {
		rc = MFT_ERR_ARG;
		if (p->files[i].sha256 == NULL)
			goto out;
		rc = MFT_ERR_NAME;
		if (!mft_name_valid(p->files[i].name))
			goto out;
		sorted[i] = &p->files[i];
	}
	if (p->n_files > 1)
		qsort(sorted, p->n_files, sizeof(*sorted), file_cmp);
	for (i = 1; i < p->n_files; i++) {
		rc = MFT_ERR_DUPLICATE;
		if (strcmp(sorted[i - 1]->name, sorted[i]->name) == 0)
			goto out;
	}

	rc = MFT_ERR_NOMEM;
	size = HDR_MAX + p->n_files * FILE_MAX;
	if ((buf = malloc(size)) == NULL)
		goto out;
	q = buf + size;

	/* fileList (RFC 9286 4.2.1), backwards. */
	mark = len;
	for (i = p->n_files; i-- > 0;) {
		size_t e = len;
		CHK(mbedtls_asn1_write_bitstring(&q, buf, sorted[i]->sha256, 256));
		CHK(mbedtls_asn1_write_ia5_string(&q, buf, sorted[i]->name, strlen(sorted[i]->name)));
		CHK(der_wrap(&q, buf, len - e, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	}
	CHK(der_wrap(&q, buf, len - mark, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	CHK(mbedtls_asn1_write_oid(&q, buf, OID_SHA256, 9));   /* fileHashAlg */
	if ((ret = write_gentime(&q, buf, p->next_update)) < 0)
		goto asn1_fail;
	len += (size_t)ret;
	if ((ret = write_gentime(&q, buf, p->this_update)) < 0)
		goto asn1_fail;
	len += (size_t)ret;
	CHK(der_write_u64(&q, buf, p->number));                     /* manifestNumber */
	/* version [0] DEFAULT 0: omitted (X.690 11.5). */
	CHK(der_wrap(&q, buf, len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	memmove(buf, q, len);
	*der = buf;
	*out_len = len;
	buf = NULL;
	rc = 0;
	goto out;
asn1_fail:
	rc = ret == MFT_ERR_TIME ? MFT_ERR_TIME : MFT_ERR_NOMEM;
out:
	free(buf);
	free(sorted);
	return rc;
}

/* See mft.h. */
int
mft_sign(const struct cert_issuer *iss, const struct mft_sign_params *p,
         unsigned char **der, size_t *len, int *detail)
{
	struct signer_key *key = NULL;
	struct signer_cms_ctx ctx;
	struct cms_signer cs;
	struct cert_ee_params ee;
	unsigned char *econtent = NULL, *spki = NULL, *ee_der = NULL;
	size_t econtent_len = 0, spki_len = 0, ee_len = 0;
	char label[128];
	int rc, ret, i;

	if (detail != NULL)
		*detail = 0;
	if (der != NULL)
		*der = NULL;
	if (iss == NULL || p == NULL || p->mft == NULL || der == NULL || len == NULL ||
	    iss->signer == NULL || iss->key == NULL || p->ee_serial == NULL ||
	    p->crldp_uri == NULL || p->aia_uri == NULL || p->mft_uri == NULL)
		return MFT_ERR_ARG;
	/* RFC 9286 5.1: the EE validity is thisUpdate..nextUpdate; clipping would break it. */
	if (p->mft->next_update > iss->not_after)
		return MFT_ERR_TIME;
	if ((rc = mft_econtent_write(p->mft, &econtent, &econtent_len)) != 0)
		return rc;

	/* The one-time key (RFC 9286 5.1 step 1), a session object in a token. */
	for (i = 0; i < KEYGEN_TRIES; i++) {
		snprintf(label, sizeof(label), "%s-%llu-%lld-%d",
		    p->key_label != NULL ? p->key_label : "updown-mft",
		    (unsigned long long)p->mft->number, (long long)p->mft->this_update, i);
		ret = signer_key_generate(iss->signer, label, SIGNER_KEY_SESSION, &key);
		if (ret != SIGNER_ERR_KEY_EXISTS)
			break;
	}
	if (ret != 0) {
		key = NULL;
		rc = MFT_ERR_KEYGEN;
		goto fail_detail;
	}
	if ((ret = signer_key_public(iss->signer, key, &spki, &spki_len)) != 0) {
		rc = MFT_ERR_KEYGEN;
		goto fail_detail;
	}

	/* Its EE certificate (RFC 9286 5.1 step 2, RFC 6487 4): inherit resources. */
	memset(&ee, 0, sizeof(ee));
	ee.spki = spki;
	ee.spki_len = spki_len;
	ee.serial = p->ee_serial;
	ee.serial_len = p->ee_serial_len;
	ee.not_before = p->mft->this_update;
	ee.not_after = p->mft->next_update;
	ee.crldp_uri = p->crldp_uri;
	ee.aia_uri = p->aia_uri;
	ee.signed_object_uri = p->mft_uri;
	ee.inherit = true;
	if ((ret = cert_issue_ee(iss, &ee, &ee_der, &ee_len)) != 0) {
		rc = MFT_ERR_CERT;
		goto fail_detail;
	}

	/* The RFC 6488 signed object (step 3). */
	ctx.signer = iss->signer;
	ctx.key = key;
	memset(&cs, 0, sizeof(cs));
	cs.ee_der = ee_der;
	cs.ee_len = ee_len;
	cs.sign = signer_cms_sign;
	cs.sign_ctx = &ctx;
	if ((ret = cms_sign_object(&cs, MFT_OID_CT, sizeof(MFT_OID_CT) - 1, econtent,
	    econtent_len, p->mft->this_update, der, len)) != 0) {
		*der = NULL;
		rc = MFT_ERR_CMS;
		goto fail_detail;
	}
	rc = 0;
	goto out;
fail_detail:
	if (detail != NULL)
		*detail = ret;
out:
	/* Step 4: the private key is used once and destroyed. */
	if (key != NULL && signer_key_destroy(iss->signer, key) != 0 && rc == 0) {
		/* A one-time key that survives would break the one-time promise. */
		free(*der);
		*der = NULL;
		rc = MFT_ERR_KEYGEN;
	}
	free(spki);
	free(ee_der);
	free(econtent);
	return rc;
}

/* See mft.h. */
const char *
mft_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case MFT_ERR_ARG: return "invalid argument";
	case MFT_ERR_NOMEM: return "out of memory";
	case MFT_ERR_NAME: return "file name not of the form [a-zA-Z0-9_-]+.xyz (RFC 9286 4.2.2)";
	case MFT_ERR_DUPLICATE: return "a file name listed twice (RFC 9286 4.2.2)";
	case MFT_ERR_TIME: return "thisUpdate not before nextUpdate, a year out of range, or nextUpdate after the issuer's notAfter (RFC 9286 4.2.1, 5.1)";
	case MFT_ERR_LIMIT: return "too many files";
	case MFT_ERR_KEYGEN: return "the one-time key could not be generated, read or destroyed (RFC 9286 5.1)";
	case MFT_ERR_CERT: return "the EE certificate could not be issued";
	case MFT_ERR_CMS: return "the signed object could not be made (RFC 6488)";
	default: return "unknown manifest error";
	}
}
