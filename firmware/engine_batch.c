/*
 * One atomic state change and its publication (engine.h, "Nothing
 * half-applied"; UD-68, UD-130, UD-131, UD-162):
 *
 *   1. numbers reserved durably (certificate serials before the caller
 *      signs a certificate; CRL number, manifest number and the manifest
 *      EE's serial here), each in its own committed store transaction;
 *   2. the new file set staged in each touched publication point, the CRL
 *      (every revoked, unexpired certificate of the key plus this batch's)
 *      and the manifest (over the staged set) signed and staged;
 *   3. one store transaction: new certificates, revocations, schedules,
 *      CRL and manifest records, the manifest EE's audit record, and the
 *      caller's own work (signing-time, table, class record);
 *   4. each touched publication point committed.
 * A failure before 3 commits changes nothing but burnt numbers; a failure
 * in 4 leaves the state committed and the class marked dirty: the next
 * batch (or engine_open) re-stages its full file set from the store.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/cert.h"
#include "crypto/crl.h"
#include "crypto/mft.h"
#include "crypto/pubpoint.h"
#include "engine_int.h"
#include "proto/cms.h"

#define KEYGEN_TRIES 8

/* See engine_int.h. */
void
batch_init(struct batch *b, struct engine *e, time_t now)
{
	memset(b, 0, sizeof(*b));
	b->e = e;
	b->now = now;
}

/* See engine_int.h. */
void
batch_free(struct batch *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->nins; i++)
		store_cert_free(&b->ins[i]);
	free(b->ins);
	free(b->rev);
	free(b->sched);
	for (i = 0; i < ENGINE_MAX_CLASSES; i++) {
		free(b->cls[i].crl);
		free(b->cls[i].mft);
	}
	memset(b, 0, sizeof(*b));
}

static int
grow(void **p, size_t *alloc, size_t n, size_t size)
{
	void *q;
	size_t na;

	if (n < *alloc)
		return 0;
	na = *alloc ? *alloc * 2 : 8;
	if ((q = realloc(*p, na * size)) == NULL)
		return eng_err(ENGINE_ERR_NOMEM, "out of memory");
	*p = q;
	*alloc = na;
	return 0;
}

/* See engine_int.h. */
int
batch_add_cert(struct batch *b, size_t cls, struct store_cert *c)
{
	int rc;

	if ((rc = grow((void **)&b->ins, &b->ains, b->nins, sizeof(*b->ins))) != 0)
		return rc;
	b->ins[b->nins++] = *c;
	memset(c, 0, sizeof(*c));
	b->cls[cls].touched = true;
	return 0;
}

/* See engine_int.h. */
int
batch_add_rev(struct batch *b, size_t cls, uint64_t serial, const unsigned char *spki,
              size_t spki_len, const char *why)
{
	struct batch_rev *r;
	size_t i;
	int rc;

	for (i = 0; i < b->nrev; i++)
		if (b->rev[i].serial == serial)
			return 0;
	if ((rc = grow((void **)&b->rev, &b->arev, b->nrev, sizeof(*b->rev))) != 0)
		return rc;
	r = &b->rev[b->nrev];
	memset(r, 0, sizeof(*r));
	r->serial = serial;
	r->cls = cls;
	r->why = why;
	if (cert_file_name(spki, spki_len, r->file) != 0)
		return eng_err(ENGINE_ERR_INTERNAL, "certificate %" PRIu64 ": stored key unusable",
		    serial);
	b->nrev++;
	b->cls[cls].touched = true;
	return 0;
}

/* See engine_int.h. */
int
batch_add_sched(struct batch *b, uint64_t serial, time_t when, const char *why)
{
	int rc;

	if ((rc = grow((void **)&b->sched, &b->asched, b->nsched, sizeof(*b->sched))) != 0)
		return rc;
	b->sched[b->nsched].serial = serial;
	b->sched[b->nsched].when = when;
	b->sched[b->nsched].why = why;
	b->nsched++;
	return 0;
}

static int
reserve_serial(struct engine *e, uint64_t *serial)
{
	int src;

	pthread_mutex_lock(&e->store_lock);
	src = store_reserve_serial(e->store, serial);
	pthread_mutex_unlock(&e->store_lock);
	return src == 0 ? 0 : eng_store_err(e, src, "reserving a serial");
}

/* See engine_int.h. */
int
eng_issue_cert(struct engine *e, struct eclass *c, const struct cert_issuer *iss,
               const struct cert_request *r, time_t now, struct store_cert *out)
{
	struct cert_ca_params p;
	unsigned char serial[9];
	size_t serial_len;
	char file[CERT_FILE_NAME_SIZE];
	uint64_t sn = 0;
	unsigned char *der = NULL;
	size_t der_len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (iss == NULL)
		iss = &c->iss;
	if ((rc = cert_file_name(r->spki, r->spki_len, file)) != 0)
		return eng_err(ENGINE_ERR_CERT, "subject key: %s", cert_strerror(rc));
	if ((rc = reserve_serial(e, &sn)) != 0)
		return rc;
	if (cert_serial_from_u64(sn, serial, &serial_len) != 0)
		return eng_err(ENGINE_ERR_INTERNAL, "serial %" PRIu64 " unusable", sn);
	memset(&p, 0, sizeof(p));
	p.spki = r->spki;
	p.spki_len = r->spki_len;
	p.serial = serial;
	p.serial_len = serial_len;
	p.not_before = now - (time_t)e->opts.backdate;
	p.not_after = r->not_after < iss->not_after ? r->not_after : iss->not_after;
	p.crldp_uri = c->crl_uri;
	p.aia_uri = c->cert_uri;
	p.sia_ca_repository = r->sia_repo;
	p.sia_rpki_manifest = r->sia_mft;
	p.sia_rpki_notify = r->sia_notify;
	p.res = r->res;
	if ((rc = cert_issue_ca(iss, &p, &der, &der_len)) != 0)
		return eng_err(rc == CERT_ERR_SIGN ? ENGINE_ERR_SIGNER : ENGINE_ERR_CERT,
		    "certificate %" PRIu64 " for %s: %s%s%s", sn, r->child, cert_strerror(rc),
		    rc == CERT_ERR_SIGN ? ": " : "", rc == CERT_ERR_SIGN ? signer_last_error() : "");
	out->serial = sn;
	out->state = STORE_CERT_CURRENT;
	out->not_before = p.not_before;
	out->not_after = p.not_after;
	out->der = der;
	out->der_len = der_len;
	out->issued_at = now;
	memcpy(out->issuer_ski, c->ski, SKI_LEN);
	rc = eng_err(ENGINE_ERR_NOMEM, "out of memory");
	if (cert_ski(r->spki, r->spki_len, out->ski) != 0)
		goto fail;
	if ((out->spki = malloc(r->spki_len)) == NULL)
		goto fail;
	memcpy(out->spki, r->spki, r->spki_len);
	out->spki_len = r->spki_len;
	if ((out->child = strdup(r->child)) == NULL ||
	    (out->class_name = strdup(r->class_name)) == NULL ||
	    (out->sia_repo = strdup(r->sia_repo)) == NULL ||
	    (out->sia_mft = strdup(r->sia_mft)) == NULL ||
	    (r->sia_notify != NULL && (out->sia_notify = strdup(r->sia_notify)) == NULL) ||
	    (r->req_as != NULL && (out->req_as = strdup(r->req_as)) == NULL) ||
	    (r->req_v4 != NULL && (out->req_v4 = strdup(r->req_v4)) == NULL) ||
	    (r->req_v6 != NULL && (out->req_v6 = strdup(r->req_v6)) == NULL) ||
	    (out->cert_uri = eng_join(c->repo_uri, file)) == NULL)
		goto fail;
	if (eng_bundle_print(r->res, &out->as, &out->v4, &out->v6) != 0)
		goto fail;
	return 0;
fail:
	store_cert_free(out);
	return rc;
}

/* ---- the manifest, with the one-time key in mft_signer (RFC 9286 5.1) ---- */

static int
sign_mft(struct engine *e, struct eclass *c, const struct cert_issuer *iss,
         const struct mft_params *mp, uint64_t ee_sn, unsigned char **der, size_t *len)
{
	struct cert_ee_params ee;
	struct cms_signer cs;
	struct signer_cms_ctx ctx;
	struct signer_key *key = NULL;
	unsigned char *econtent = NULL, *spki = NULL, *ee_der = NULL, serial[9];
	size_t econtent_len = 0, spki_len = 0, ee_len = 0, serial_len;
	char label[SIGNER_MAX_LABEL];
	int rc, ret = 0, i;

	*der = NULL;
	*len = 0;
	if (cert_serial_from_u64(ee_sn, serial, &serial_len) != 0)
		return eng_err(ENGINE_ERR_INTERNAL, "serial %" PRIu64 " unusable", ee_sn);
	if ((ret = mft_econtent_write(mp, &econtent, &econtent_len)) != 0) {
		rc = eng_err(ret == MFT_ERR_NOMEM ? ENGINE_ERR_NOMEM : ENGINE_ERR_CERT,
		    "class %s: manifest content: %s", c->name, mft_strerror(ret));
		goto out;
	}
	for (i = 0; i < KEYGEN_TRIES; i++) {
		snprintf(label, sizeof(label), "%s-%" PRIu64 "-%d", c->mft_label, mp->number, i);
		ret = signer_key_generate(e->mft_signer, label, SIGNER_KEY_SESSION, &key);
		if (ret != SIGNER_ERR_KEY_EXISTS)
			break;
	}
	if (ret != 0 || (ret = signer_key_public(e->mft_signer, key, &spki, &spki_len)) != 0) {
		rc = eng_err(ENGINE_ERR_SIGNER, "class %s: manifest one-time key: %s", c->name,
		    signer_last_error());
		goto out;
	}
	memset(&ee, 0, sizeof(ee));
	ee.spki = spki;
	ee.spki_len = spki_len;
	ee.serial = serial;
	ee.serial_len = serial_len;
	ee.not_before = mp->this_update;
	ee.not_after = mp->next_update;
	ee.crldp_uri = c->crl_uri;
	ee.aia_uri = c->cert_uri;
	ee.signed_object_uri = c->mft_uri;
	ee.inherit = true;
	if ((ret = cert_issue_ee(iss, &ee, &ee_der, &ee_len)) != 0) {
		rc = eng_err(ret == CERT_ERR_SIGN ? ENGINE_ERR_SIGNER : ENGINE_ERR_CERT,
		    "class %s: manifest EE certificate: %s", c->name, cert_strerror(ret));
		goto out;
	}
	ctx.signer = e->mft_signer;
	ctx.key = key;
	memset(&cs, 0, sizeof(cs));
	cs.ee_der = ee_der;
	cs.ee_len = ee_len;
	cs.sign = signer_cms_sign;
	cs.sign_ctx = &ctx;
	if ((ret = cms_sign_object(&cs, MFT_OID_CT, sizeof(MFT_OID_CT) - 1, econtent, econtent_len,
	    mp->this_update, der, len)) != 0) {
		*der = NULL;
		rc = eng_err(ret == CMS_ERR_SIGN ? ENGINE_ERR_SIGNER : ENGINE_ERR_CERT,
		    "class %s: manifest: %s", c->name, cms_strerror(ret));
		goto out;
	}
	rc = 0;
out:
	/* The one-time key is used once and destroyed (RFC 9286 5.1 step 4). */
	if (key != NULL && signer_key_destroy(e->mft_signer, key) != 0 && rc == 0) {
		free(*der);
		*der = NULL;
		*len = 0;
		rc = eng_err(ENGINE_ERR_SIGNER, "class %s: the manifest key could not be destroyed",
		    c->name);
	}
	free(spki);
	free(ee_der);
	free(econtent);
	return rc;
}

/* ---- staging ---- */

/* The file name of a stored certificate: its URI's last component, or from its key. */
static int
cert_file(const struct eclass *c, const struct store_cert *sc, char out[CERT_FILE_NAME_SIZE])
{
	size_t n = strlen(c->repo_uri);

	if (strncmp(sc->cert_uri, c->repo_uri, n) == 0 && strchr(sc->cert_uri + n, '/') == NULL &&
	    strlen(sc->cert_uri + n) < CERT_FILE_NAME_SIZE && sc->cert_uri[n] != '\0') {
		strcpy(out, sc->cert_uri + n);
		return 0;
	}
	return cert_file_name(sc->spki, sc->spki_len, out) == 0 ? 0 : ENGINE_ERR_INTERNAL;
}

struct resync {
	struct eclass *c;
	time_t now;
	char (*names)[CERT_FILE_NAME_SIZE];
	size_t n, alloc;
	int rc;
};

/* Published index of name, or -1 (the published set is sorted by strcmp). */
static long
pub_find(struct pub_point *pp, const char *name, const unsigned char **sha)
{
	size_t lo = 0, hi = pub_count(pp);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *n = NULL;
		int cmp;

		if (pub_entry(pp, mid, &n, sha, NULL) != 0)
			return -1;
		if ((cmp = strcmp(name, n)) == 0)
			return (long)mid;
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

static int
resync_one(void *arg, const struct store_cert *sc)
{
	struct resync *r = arg;
	const unsigned char *sha = NULL;
	unsigned char h[32];
	char file[CERT_FILE_NAME_SIZE];
	int rc;

	if (sc->not_after <= r->now)
		return 0;             /* expired: not published any more */
	if (cert_file(r->c, sc, file) != 0) {
		r->rc = eng_err(ENGINE_ERR_INTERNAL, "certificate %" PRIu64 ": no file name",
		    sc->serial);
		return 1;
	}
	if (r->n == r->alloc) {
		size_t na = r->alloc ? r->alloc * 2 : 64;
		void *q = realloc(r->names, na * sizeof(*r->names));
		if (q == NULL) {
			r->rc = eng_err(ENGINE_ERR_NOMEM, "out of memory");
			return 1;
		}
		r->names = q;
		r->alloc = na;
	}
	memcpy(r->names[r->n++], file, CERT_FILE_NAME_SIZE);
	eng_sha256(sc->der, sc->der_len, h);
	if (pub_find(r->c->pp, file, &sha) >= 0 && memcmp(sha, h, 32) == 0)
		return 0;
	if ((rc = pub_put(r->c->pp, file, sc->der, sc->der_len)) != 0) {
		r->rc = eng_err(ENGINE_ERR_PUBLISH, "class %s: staging %s: %s", r->c->name, file,
		    pub_strerror(rc));
		return 1;
	}
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/*
 * Stage the store's view of class c: every current, unexpired certificate
 * of its key, nothing else besides the CRL and the manifest.
 */
static int
resync_stage(struct engine *e, struct eclass *c, time_t now)
{
	struct resync r;
	size_t i, n;
	int src, rc = 0;

	memset(&r, 0, sizeof(r));
	r.c = c;
	r.now = now;
	pthread_mutex_lock(&e->store_lock);
	src = store_certs_current_for_issuer(e->store, c->ski, resync_one, &r);
	pthread_mutex_unlock(&e->store_lock);
	if (r.rc != 0) {
		rc = r.rc;
		goto out;
	}
	if (src != 0) {
		rc = eng_store_err(e, src, "reading the current certificates");
		goto out;
	}
	if (r.n > 1)
		qsort(r.names, r.n, sizeof(*r.names), name_cmp);
	/* Withdraw what the store does not know (walk backwards: indexes stay valid). */
	n = pub_count(c->pp);
	for (i = n; i-- > 0;) {
		const char *name = NULL;
		char copy[PUB_MAX_NAME + 1];

		if (pub_entry(c->pp, i, &name, NULL, NULL) != 0)
			continue;
		if (strcmp(name, c->crl_name) == 0 || strcmp(name, c->mft_name) == 0)
			continue;
		if (r.n > 0 && strlen(name) < CERT_FILE_NAME_SIZE &&
		    bsearch(name, r.names, r.n, sizeof(*r.names), name_cmp) != NULL)
			continue;
		snprintf(copy, sizeof(copy), "%s", name);
		if ((src = pub_withdraw(c->pp, copy)) != 0 && src != PUB_ERR_NOT_FOUND) {
			rc = eng_err(ENGINE_ERR_PUBLISH, "class %s: withdrawing %s: %s", c->name, copy,
			    pub_strerror(src));
			goto out;
		}
	}
out:
	free(r.names);
	return rc;
}

/* CRL entries: the store's revoked, unexpired certificates plus this batch's. */
struct crl_acc {
	struct crl_entry *v;
	struct crl_serial *s;
	size_t n, alloc;
	int rc;
};

static int
crl_acc_add(struct crl_acc *a, uint64_t serial, time_t when)
{
	if (a->n == a->alloc) {
		size_t na = a->alloc ? a->alloc * 2 : 64;
		void *p = realloc(a->v, na * sizeof(*a->v));
		void *q;

		if (p == NULL)
			return eng_err(ENGINE_ERR_NOMEM, "out of memory");
		a->v = p;
		if ((q = realloc(a->s, na * sizeof(*a->s))) == NULL)
			return eng_err(ENGINE_ERR_NOMEM, "out of memory");
		a->s = q;
		a->alloc = na;
	}
	if (cert_serial_from_u64(serial, a->s[a->n].b, &a->s[a->n].len) != 0)
		return eng_err(ENGINE_ERR_INTERNAL, "serial %" PRIu64 " unusable", serial);
	a->v[a->n].revoked = when;
	a->n++;
	return 0;
}

static int
crl_acc_store(void *arg, const struct store_cert *sc)
{
	struct crl_acc *a = arg;

	if ((a->rc = crl_acc_add(a, sc->serial, sc->revoked_at)) != 0)
		return 1;
	return 0;
}

/* Sign and stage the CRL and the manifest of class i. */
static int
sign_class(struct batch *b, size_t i)
{
	struct engine *e = b->e;
	struct eclass *c = &e->classes[i];
	struct batch_class *bc = &b->cls[i];
	const struct cert_issuer *iss = bc->iss != NULL ? bc->iss : &c->iss;
	struct crl_acc acc;
	struct crl_params cp;
	struct mft_params mp;
	struct mft_file *files = NULL;
	size_t k, n, j;
	int rc, src, ret;

	memset(&acc, 0, sizeof(acc));
	pthread_mutex_lock(&e->store_lock);
	src = store_certs_for_crl(e->store, c->ski, b->now - (time_t)e->opts.crl_validity,
	    crl_acc_store, &acc);
	pthread_mutex_unlock(&e->store_lock);
	if (acc.rc != 0) {
		rc = acc.rc;
		goto out;
	}
	if (src != 0) {
		rc = eng_store_err(e, src, "reading revoked certificates");
		goto out;
	}
	for (j = 0; j < b->nrev; j++)
		if (b->rev[j].cls == i && (rc = crl_acc_add(&acc, b->rev[j].serial, b->now)) != 0)
			goto out;
	for (j = 0; j < acc.n; j++) {
		acc.v[j].serial = acc.s[j].b;
		acc.v[j].serial_len = acc.s[j].len;
	}
	memset(&cp, 0, sizeof(cp));
	cp.this_update = bc->this_update;
	cp.next_update = bc->next_update;
	cp.number = bc->crl_number;
	cp.entries = acc.v;
	cp.n_entries = acc.n;
	if ((ret = crl_write(iss, &cp, &bc->crl, &bc->crl_len)) != 0) {
		rc = eng_err(ret == CRL_ERR_SIGN ? ENGINE_ERR_SIGNER : ENGINE_ERR_CERT,
		    "class %s: CRL %" PRIu64 ": %s%s%s", c->name, bc->crl_number, crl_strerror(ret),
		    ret == CRL_ERR_SIGN ? ": " : "", ret == CRL_ERR_SIGN ? signer_last_error() : "");
		goto out;
	}
	if ((ret = pub_put(c->pp, c->crl_name, bc->crl, bc->crl_len)) != 0) {
		rc = eng_err(ENGINE_ERR_PUBLISH, "class %s: staging the CRL: %s", c->name,
		    pub_strerror(ret));
		goto out;
	}
	/* The manifest lists every staged file but itself (RFC 9286 4.2). */
	n = pub_staged_count(c->pp);
	if ((files = calloc(n > 0 ? n : 1, sizeof(*files))) == NULL) {
		rc = eng_err(ENGINE_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (j = k = 0; j < n; j++) {
		if (pub_staged_entry(c->pp, j, &files[k].name, &files[k].sha256, NULL) != 0) {
			rc = eng_err(ENGINE_ERR_PUBLISH, "class %s: reading the staged set", c->name);
			goto out;
		}
		if (strcmp(files[k].name, c->mft_name) != 0)
			k++;
	}
	memset(&mp, 0, sizeof(mp));
	mp.number = bc->mft_number;
	mp.this_update = bc->this_update;
	mp.next_update = bc->next_update;    /* = the CRL's (UD-131) */
	mp.files = files;
	mp.n_files = k;
	if ((rc = sign_mft(e, c, iss, &mp, bc->ee_serial, &bc->mft, &bc->mft_len)) != 0)
		goto out;
	free(files);
	files = NULL;
	if ((ret = pub_put(c->pp, c->mft_name, bc->mft, bc->mft_len)) != 0) {
		rc = eng_err(ENGINE_ERR_PUBLISH, "class %s: staging the manifest: %s", c->name,
		    pub_strerror(ret));
		goto out;
	}
	rc = 0;
out:
	free(files);
	free(acc.v);
	free(acc.s);
	return rc;
}

/* Reserve the CRL number, manifest number and manifest EE serial of class i. */
static int
reserve_class(struct batch *b, size_t i)
{
	struct engine *e = b->e;
	struct eclass *c = &e->classes[i];
	struct batch_class *bc = &b->cls[i];
	const struct cert_issuer *iss = bc->iss != NULL ? bc->iss : &c->iss;
	int src;

	bc->this_update = b->now - (time_t)e->opts.backdate;
	bc->next_update = b->now + (time_t)e->opts.crl_validity;
	if (bc->next_update > iss->not_after)
		bc->next_update = iss->not_after;
	if (bc->next_update <= bc->this_update)
		return eng_err(ENGINE_ERR_CONFIG, "class %s: our certificate has expired", c->name);
	pthread_mutex_lock(&e->store_lock);
	if ((src = store_reserve_crl_number(e->store, c->ski, &bc->crl_number)) == 0 &&
	    (src = store_reserve_mft_number(e->store, c->ski, &bc->mft_number)) == 0)
		src = store_reserve_serial(e->store, &bc->ee_serial);
	pthread_mutex_unlock(&e->store_lock);
	return src == 0 ? 0 : eng_store_err(e, src, "reserving CRL and manifest numbers");
}

/* Stage this batch's certificate changes of class i (withdrawals first). */
static int
stage_class(struct batch *b, size_t i)
{
	struct engine *e = b->e;
	struct eclass *c = &e->classes[i];
	char file[CERT_FILE_NAME_SIZE];
	size_t j;
	int rc;

	if (b->cls[i].resync || c->dirty) {
		if ((rc = resync_stage(e, c, b->now)) != 0)
			return rc;
	}
	b->cls[i].staged = true;
	for (j = 0; j < b->nrev; j++) {
		if (b->rev[j].cls != i)
			continue;
		rc = pub_withdraw(c->pp, b->rev[j].file);
		if (rc != 0 && rc != PUB_ERR_NOT_FOUND)
			return eng_err(ENGINE_ERR_PUBLISH, "class %s: withdrawing %s: %s", c->name,
			    b->rev[j].file, pub_strerror(rc));
	}
	for (j = 0; j < b->nins; j++) {
		if (strcmp(b->ins[j].class_name, c->name) != 0)
			continue;
		if (cert_file(c, &b->ins[j], file) != 0)
			return eng_err(ENGINE_ERR_INTERNAL, "no file name for a new certificate");
		if ((rc = pub_put(c->pp, file, b->ins[j].der, b->ins[j].der_len)) != 0)
			return eng_err(ENGINE_ERR_PUBLISH, "class %s: staging %s: %s", c->name, file,
			    pub_strerror(rc));
	}
	return 0;
}

/* The store transaction of the batch (caller holds store_lock). */
static int
record(struct batch *b)
{
	struct engine *e = b->e;
	struct audit_record rec;
	size_t i;
	int src, rc;

	if ((src = store_begin(e->store)) != 0)
		return eng_store_err(e, src, "starting a transaction");
	for (i = 0; i < b->nins; i++)
		if ((src = store_cert_insert(e->store, &b->ins[i], b->now)) != 0)
			goto store_fail;
	for (i = 0; i < b->nrev; i++)
		if ((src = store_cert_revoke(e->store, b->rev[i].serial, b->now, b->rev[i].why)) != 0)
			goto store_fail;
	for (i = 0; i < b->nsched; i++)
		if ((src = store_cert_schedule_revoke(e->store, b->sched[i].serial, b->sched[i].when,
		    b->now, b->sched[i].why)) != 0)
			goto store_fail;
	for (i = 0; i < e->nclasses; i++) {
		struct batch_class *bc = &b->cls[i];
		struct eclass *c = &e->classes[i];
		char text[128];

		if (!bc->touched)
			continue;
		if ((src = store_crl_record(e->store, c->ski, c->name, bc->crl_number,
		    bc->this_update, bc->next_update, bc->crl, bc->crl_len, b->now)) != 0 ||
		    (src = store_mft_record(e->store, c->ski, c->name, bc->mft_number,
		    bc->this_update, bc->next_update, bc->mft, bc->mft_len, b->now)) != 0)
			goto store_fail;
		/* The manifest EE certificate is a signature with the CA key too. */
		memset(&rec, 0, sizeof(rec));
		rec.time = b->now;
		rec.kind = AUDIT_EE;
		rec.class_name = c->name;
		rec.has_serial = true;
		rec.serial = bc->ee_serial;
		rec.has_digest = true;
		eng_sha256(bc->mft, bc->mft_len, rec.digest);
		snprintf(text, sizeof(text), "manifest %" PRIu64 " EE certificate (one-time key)",
		    bc->mft_number);
		rec.text = text;
		if ((src = store_audit_append(e->store, &rec)) != 0)
			goto store_fail;
	}
	if (b->in_txn != NULL && (rc = b->in_txn(b->in_txn_arg)) != 0) {
		store_rollback(e->store);
		return rc;
	}
	if ((src = store_commit(e->store)) != 0)
		goto store_fail;
	return 0;
store_fail:
	rc = eng_store_err(e, src, "recording the change");
	store_rollback(e->store);
	return rc;
}

/* See engine_int.h. */
int
batch_run(struct batch *b, bool *committed)
{
	struct engine *e = b->e;
	size_t i;
	int rc = 0, ret;

	*committed = false;
	b->published_all = false;
	for (i = 0; i < e->nclasses && rc == 0; i++)
		if (b->cls[i].touched)
			rc = reserve_class(b, i);
	if (rc != 0)
		return rc;
	eng_hook(e, ENGINE_HOOK_RESERVED);
	for (i = 0; i < e->nclasses && rc == 0; i++) {
		if (!b->cls[i].touched)
			continue;
		if ((rc = stage_class(b, i)) == 0)
			rc = sign_class(b, i);
	}
	if (rc != 0)
		goto abort;
	eng_hook(e, ENGINE_HOOK_SIGNED);
	pthread_mutex_lock(&e->store_lock);
	rc = record(b);
	pthread_mutex_unlock(&e->store_lock);
	if (rc != 0)
		goto abort;
	*committed = true;
	eng_hook(e, ENGINE_HOOK_COMMITTED);
	b->published_all = true;
	for (i = 0; i < e->nclasses; i++) {
		struct eclass *c = &e->classes[i];

		if (!b->cls[i].touched)
			continue;
		if ((ret = pub_commit(c->pp)) != 0) {
			pub_abort(c->pp);
			c->dirty = true;
			b->published_all = false;
			rc = eng_err(ENGINE_ERR_PUBLISH, "class %s: publication failed: %s (state "
			    "recorded; re-published at the next change)", c->name, pub_strerror(ret));
			continue;
		}
		c->dirty = false;
	}
	if (rc == 0)
		eng_hook(e, ENGINE_HOOK_PUBLISHED);
	return rc;
abort:
	for (i = 0; i < e->nclasses; i++)
		if (b->cls[i].staged)
			pub_abort(e->classes[i].pp);
	return rc;
}
