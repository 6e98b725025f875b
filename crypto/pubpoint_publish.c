/*
 * pub_publish(): the CRL and the manifest over a publication point's
 * final file set, then the atomic commit (UD-130, UD-131). See
 * crypto/include/crypto/pubpoint.h.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto/cert.h"
#include "crypto/crl.h"
#include "crypto/mft.h"
#include "crypto/pubpoint.h"

/* base + name in a malloc'd string. */
static char *
join(const char *base, const char *name)
{
	size_t a = strlen(base), b = strlen(name);
	char *s = malloc(a + b + 1);

	if (s != NULL) {
		memcpy(s, base, a);
		memcpy(s + a, name, b + 1);
	}
	return s;
}

static int
has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* See pubpoint.h. */
int
pub_publish(struct pub_point *pp, const struct pub_ca *ca, int *detail)
{
	struct crl_params cp;
	struct mft_params mp;
	struct mft_sign_params sp;
	struct mft_file *files = NULL;
	unsigned char *crl = NULL, *mft = NULL;
	size_t crl_len = 0, mft_len = 0, n, i, k;
	char *crl_uri = NULL, *mft_uri = NULL;
	const char *base;
	int rc, ret;

	if (detail != NULL)
		*detail = 0;
	if (pp == NULL || ca == NULL || ca->iss == NULL || ca->aia_uri == NULL)
		return PUB_ERR_ARG;
	if (!mft_name_valid(ca->crl_name) || !mft_name_valid(ca->mft_name) ||
	    !has_suffix(ca->crl_name, ".crl") || !has_suffix(ca->mft_name, ".mft"))
		return PUB_ERR_NAME;
	base = pub_base_uri(pp);
	rc = PUB_ERR_NOMEM;
	if ((crl_uri = join(base, ca->crl_name)) == NULL ||
	    (mft_uri = join(base, ca->mft_name)) == NULL)
		goto out;
	/* Our certificate's SIA says where relying parties look (RFC 6487 4.8.8.1). */
	rc = PUB_ERR_URI;
	if ((ca->iss->sia_ca_repository != NULL && strcmp(ca->iss->sia_ca_repository, base) != 0) ||
	    (ca->iss->sia_rpki_manifest != NULL && strcmp(ca->iss->sia_rpki_manifest, mft_uri) != 0))
		goto out;

	/* The CRL (RFC 6487 5). */
	memset(&cp, 0, sizeof(cp));
	cp.this_update = ca->this_update;
	cp.next_update = ca->next_update;
	cp.number = ca->crl_number;
	cp.entries = ca->revoked;
	cp.n_entries = ca->n_revoked;
	if ((ret = crl_write(ca->iss, &cp, &crl, &crl_len)) != 0) {
		rc = PUB_ERR_CRL;
		if (detail != NULL)
			*detail = ret;
		goto out;
	}
	if ((rc = pub_put(pp, ca->crl_name, crl, crl_len)) != 0)
		goto out;

	/* The manifest over everything else that will be published (RFC 9286 4.2). */
	n = pub_staged_count(pp);
	rc = PUB_ERR_NOMEM;
	if ((files = calloc(n > 0 ? n : 1, sizeof(*files))) == NULL)
		goto out;
	for (i = k = 0; i < n; i++) {
		if ((rc = pub_staged_entry(pp, i, &files[k].name, &files[k].sha256, NULL)) != 0)
			goto out;
		if (strcmp(files[k].name, ca->mft_name) != 0)
			k++;
	}
	memset(&mp, 0, sizeof(mp));
	mp.number = ca->mft_number;
	mp.this_update = ca->this_update;
	mp.next_update = ca->next_update;      /* = the CRL's (UD-131) */
	mp.files = files;
	mp.n_files = k;
	memset(&sp, 0, sizeof(sp));
	sp.mft = &mp;
	sp.ee_serial = ca->ee_serial;
	sp.ee_serial_len = ca->ee_serial_len;
	sp.crldp_uri = crl_uri;
	sp.aia_uri = ca->aia_uri;
	sp.mft_uri = mft_uri;
	sp.key_label = ca->key_label;
	if ((ret = mft_sign(ca->iss, &sp, &mft, &mft_len, NULL)) != 0) {
		rc = ret == MFT_ERR_NAME ? PUB_ERR_NAME : PUB_ERR_MFT;
		if (detail != NULL)
			*detail = ret;
		goto out;
	}
	/* files[] points into the staged set: done with it before the next put. */
	free(files);
	files = NULL;
	if ((rc = pub_put(pp, ca->mft_name, mft, mft_len)) != 0)
		goto out;
	rc = pub_commit(pp);
out:
	if (rc != 0)
		pub_abort(pp);
	free(files);
	free(mft);
	free(crl);
	free(mft_uri);
	free(crl_uri);
	return rc;
}
