/*
 * RFC 6492 requests (engine.h): authentication in the order of section
 * 3.2 (UD-8, UD-33..UD-39), one request per child (UD-6), and the list
 * (section 3.3), issue (3.4) and revoke (3.5) semantics, every reply a
 * signed CMS, every exchange logged (UD-160).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha256.h>

#include "crypto/cert.h"
#include "crypto/csr.h"
#include "engine_int.h"
#include "proto/cms.h"
#include "proto/updown.h"

/* One request in flight. */
struct req {
	struct engine *e;
	time_t now;
	const char *child;           /* authenticated handle (points into resp->child) */
	struct ud_msg *m;
	time_t signing_time;
	struct ud_msg reply;
	unsigned status;             /* 0 or the error_response code */
	char desc[256];              /* the error_response description (client-facing) */
	char detail[256];            /* for the log line */
	bool replay_done;            /* the signing-time was recorded */
	bool time_unchanged;         /* equal to the stored signing-time: nothing to record */
	struct engine_response *resp;
};

/* ---- the busy set (UD-6) ---- */

static bool
busy_acquire(struct engine *e, const char *child)
{
	size_t i;
	char *dup;
	bool ok = false;

	pthread_mutex_lock(&e->busy_lock);
	for (i = 0; i < e->nbusy; i++)
		if (strcmp(e->busy[i], child) == 0)
			goto out;
	if (e->nbusy == e->abusy) {
		size_t na = e->abusy ? e->abusy * 2 : 16;
		char **p = realloc(e->busy, na * sizeof(*p));
		if (p == NULL)
			goto out;
		e->busy = p;
		e->abusy = na;
	}
	if ((dup = strdup(child)) == NULL)
		goto out;
	e->busy[e->nbusy++] = dup;
	ok = true;
out:
	pthread_mutex_unlock(&e->busy_lock);
	return ok;
}

static void
busy_release(struct engine *e, const char *child)
{
	size_t i;

	pthread_mutex_lock(&e->busy_lock);
	for (i = 0; i < e->nbusy; i++)
		if (strcmp(e->busy[i], child) == 0) {
			free(e->busy[i]);
			e->busy[i] = e->busy[--e->nbusy];
			break;
		}
	pthread_mutex_unlock(&e->busy_lock);
}

/* ---- passed request paths (RFC 6492 3.1.2 check 4, UD-33, UD-34) ---- */

/* n as 8 big-endian bytes: each field of the key hash is length-prefixed. */
static void
auth_len(unsigned char l[8], size_t n)
{
	int i;

	for (i = 0; i < 8; i++)
		l[i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
}

/*
 * key = SHA-256(handle, EE DER, CRL DER, TA DER), child = SHA-256(handle).
 * Nonzero only when hashing failed (then no entry may be looked up).
 */
static int
auth_key(const char *handle, const struct cms_msg *cm, const struct cms_trust *t,
         unsigned char key[32], unsigned char child[32])
{
	unsigned char l[4][8];
	struct verify_part parts[8];

	eng_sha256((const unsigned char *)handle, strlen(handle), child);
	auth_len(l[0], 32);
	auth_len(l[1], cm->ee.raw.len);
	auth_len(l[2], cm->crl.raw.len);
	auth_len(l[3], t->ta_len);
	parts[0] = (struct verify_part){ l[0], 8 };
	parts[1] = (struct verify_part){ child, 32 };
	parts[2] = (struct verify_part){ l[1], 8 };
	parts[3] = (struct verify_part){ cm->ee.raw.p, cm->ee.raw.len };
	parts[4] = (struct verify_part){ l[2], 8 };
	parts[5] = (struct verify_part){ cm->crl.raw.p, cm->crl.raw.len };
	parts[6] = (struct verify_part){ l[3], 8 };
	parts[7] = (struct verify_part){ t->ta_der, t->ta_len };
	return verify_sha256(parts, 8, key);
}

static struct eng_auth *
auth_set(struct engine *e, const unsigned char key[32])
{
	return &e->auth[(((size_t)key[0] << 8 | key[1]) % ENG_AUTH_SETS) * ENG_AUTH_WAYS];
}

/* See engine_int.h. */
void
eng_pk_put(struct eng_pk *p)
{
	if (p == NULL || --p->refs > 0)
		return;
	verify_key_free(p->key);
	free(p);
}

/* Empty slot a, dropping its key reference. Under auth_lock. */
static void
auth_clear(struct eng_auth *a)
{
	eng_pk_put(a->pk);
	memset(a, 0, sizeof(*a));
}

/* The EE key of cm prepared into a new eng_pk (one reference), or NULL. */
static struct eng_pk *
auth_pk_new(const struct cms_msg *cm)
{
	struct eng_pk *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if (verify_key_new(&cm->ee.pk, &p->key) != 0) {
		free(p);
		return NULL;
	}
	p->refs = 1;
	return p;
}

/* The message's signature, under pk's key when there is one. */
static int
auth_signature(const struct cms_msg *cm, const struct eng_pk *pk)
{
	struct cms_key k;

	if (pk == NULL)
		return cms_check_signature(cm);
	k = verify_cms_key(pk->key);
	return cms_check_signature_pk(cm, &k);
}

/*
 * cms_verify() for a request from child handle, with the path and CRL
 * half (cms_verify_path) skipped when the same EE, CRL and TA passed it
 * before and now is inside the window it reported. The message digest and
 * signature are checked every time, first, with the EE key prepared once
 * (crypto/verify.h) and kept in the entry (cms_check_signature_pk still
 * insists that it is the certificate's key). Returns 0 or a CMS_ERR_* code.
 */
static int
auth_verify(struct engine *e, const char *handle, const struct cms_msg *cm,
            const struct cms_trust *t, time_t now)
{
	unsigned char key[32], child[32];
	struct cms_window w;
	struct eng_auth *s, *victim;
	struct eng_pk *pk = NULL;
	bool hit = false, shared = false;
	size_t i;
	int rc;

	if (!cm->has_crl || cm->ee.raw.p == NULL || cm->crl.raw.p == NULL ||
	    auth_key(handle, cm, t, key, child) != 0) {
		/* Nothing to key an entry on: the whole check, nothing kept. */
		pk = auth_pk_new(cm);
		rc = auth_signature(cm, pk);
		eng_pk_put(pk);
		return rc != 0 ? rc : cms_verify_path(cm, t, now, NULL);
	}
	pthread_mutex_lock(&e->auth_lock);
	s = auth_set(e, key);
	for (i = 0; i < ENG_AUTH_WAYS; i++)
		if (s[i].used != 0 && memcmp(s[i].key, key, 32) == 0) {
			if (now >= s[i].not_before && now <= s[i].not_after) {
				s[i].used = ++e->auth_tick;
				hit = true;
				if ((pk = s[i].pk) != NULL) {
					pk->refs++;
					shared = true;
				}
			} else {
				auth_clear(&s[i]);   /* outside its window */
			}
			break;
		}
	pthread_mutex_unlock(&e->auth_lock);
	if (pk == NULL)
		pk = auth_pk_new(cm);    /* NULL (no memory): checked without it */
	rc = auth_signature(cm, pk);
	if (rc == 0 && !hit)
		rc = cms_verify_path(cm, t, now, &w);
	if (rc != 0 || hit) {
		if (shared)
			pthread_mutex_lock(&e->auth_lock);
		eng_pk_put(pk);
		if (shared)
			pthread_mutex_unlock(&e->auth_lock);
		return rc;
	}
	/* A new entry, which takes pk's reference. */
	pthread_mutex_lock(&e->auth_lock);
	s = auth_set(e, key);
	victim = &s[0];
	for (i = 0; i < ENG_AUTH_WAYS; i++) {
		if (s[i].used != 0 && memcmp(s[i].key, key, 32) == 0) {
			victim = &s[i];
			break;
		}
		if (s[i].used < victim->used)
			victim = &s[i];
	}
	auth_clear(victim);
	memcpy(victim->key, key, 32);
	memcpy(victim->child, child, 32);
	victim->not_before = w.not_before;
	victim->not_after = w.not_after;
	victim->used = ++e->auth_tick;
	victim->pk = pk;
	pthread_mutex_unlock(&e->auth_lock);
	return 0;
}

/* See engine_int.h. */
void
eng_auth_drop(struct engine *e, const char *handle)
{
	unsigned char child[32];
	size_t i;

	eng_sha256((const unsigned char *)handle, strlen(handle), child);
	pthread_mutex_lock(&e->auth_lock);
	for (i = 0; i < (size_t)ENG_AUTH_SETS * ENG_AUTH_WAYS; i++)
		if (e->auth[i].used != 0 && memcmp(e->auth[i].child, child, 32) == 0)
			auth_clear(&e->auth[i]);
	pthread_mutex_unlock(&e->auth_lock);
}

/* ---- replies ---- */


static void
set_log(struct engine_response *resp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
set_log(struct engine_response *resp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(resp->log, sizeof(resp->log), fmt, ap);
	va_end(ap);
}

/* HTTP 400, no up-down message (RFC 6492 3.2, UD-8). */
static void
resp_400(struct engine_response *resp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
resp_400(struct engine_response *resp, const char *fmt, ...)
{
	char why[240];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	resp->http_status = 400;
	set_log(resp, "400 %s", why);
}

/* Encode and sign r->reply into resp (200). */
static int
send_reply(struct req *r)
{
	char *xml = NULL;
	size_t xml_len = 0;
	int rc;

	if ((rc = ud_encode(&r->reply, &xml, &xml_len)) != 0)
		return eng_err(ENGINE_ERR_INTERNAL, "encoding the reply: %s", ud_strerror(rc));
	rc = eng_sign_reply(r->e, xml, xml_len, r->now, &r->resp->body, &r->resp->body_len);
	free(xml);
	if (rc == 0)
		r->resp->http_status = 200;
	return rc;
}

/* A signed error_response (UD-120, UD-121); desc is the en-US description. */
static int
send_error(struct req *r, unsigned status, const char *desc)
{
	int rc;

	ud_msg_free(&r->reply);
	r->status = status;
	if (desc != NULL && r->detail[0] == '\0' && desc != r->detail)
		snprintf(r->detail, sizeof(r->detail), "%s", desc);
	if ((rc = ud_error_reply(&r->reply, r->m, status, desc)) != 0)
		return eng_err(ENGINE_ERR_INTERNAL, "building an error_response: %s",
		    ud_strerror(rc));
	return send_reply(r);
}

/* ---- store access under the lock ---- */

/* A protocol outcome: the error_response is signed later, outside the locks. */
static int
fail_with(struct req *r, unsigned status, const char *desc)
{
	r->status = status;
	if (desc != r->desc)
		snprintf(r->desc, sizeof(r->desc), "%s", desc);
	if (r->detail[0] == '\0' && desc != r->detail)
		snprintf(r->detail, sizeof(r->detail), "%s", desc);
	return 0;
}

/* batch in_txn: the signing-time with the request's state change (UD-35). */
static int
replay_in_txn(void *arg)
{
	struct req *r = arg;
	int src;

	if ((src = store_child_replay_update(r->e->store, r->child, r->signing_time)) != 0)
		return eng_store_err(r->e, src, "recording the signing-time");
	r->replay_done = true;
	return 0;
}

/* ---- building <class> (UD-52..UD-55) ---- */

/* Set a ud_opt_set from stored request text (NULL: absent). */
static int
opt_from_text(struct ud_opt_set *o, enum res_family f, const char *text)
{
	if (text == NULL)
		return 0;
	o->present = true;
	res_set_free(&o->set);
	return res_set_parse(&o->set, f, text, strlen(text)) == 0 ? 0 : ENGINE_ERR_INTERNAL;
}

static int
add_cert(struct ud_class *uc, const struct store_cert *sc)
{
	struct ud_cert *u;

	if (ud_class_add_cert(uc, &u) != 0)
		return eng_err(ENGINE_ERR_NOMEM, "too many certificates");
	if ((u->cert_url = strdup(sc->cert_uri)) == NULL || (u->der = malloc(sc->der_len)) == NULL)
		return eng_err(ENGINE_ERR_NOMEM, "out of memory");
	memcpy(u->der, sc->der, sc->der_len);
	u->der_len = sc->der_len;
	/* req_resource_set_* exactly when the last issue request had them (UD-54). */
	if (opt_from_text(&u->req.as, RES_AS, sc->req_as) != 0 ||
	    opt_from_text(&u->req.ipv4, RES_IPV4, sc->req_v4) != 0 ||
	    opt_from_text(&u->req.ipv6, RES_IPV6, sc->req_v6) != 0)
		return eng_err(ENGINE_ERR_INTERNAL, "stored request set unusable");
	return 0;
}

/* Append a <class> for c with the child's entitlement eff (caller holds a lock on c->iss). */
static int
add_class(struct ud_msg *reply, const struct eclass *c, const struct res_bundle *eff,
          time_t notafter, struct ud_class **out)
{
	struct ud_class *uc;

	if (ud_msg_add_class(reply, &uc) != 0)
		return eng_err(ENGINE_ERR_NOMEM, "too many classes");
	if ((uc->class_name = strdup(c->name)) == NULL ||
	    (uc->cert_url = strdup(c->cert_uri)) == NULL ||
	    (uc->issuer = malloc(c->iss.cert_len)) == NULL)
		return eng_err(ENGINE_ERR_NOMEM, "out of memory");
	memcpy(uc->issuer, c->iss.cert_der, c->iss.cert_len);
	uc->issuer_len = c->iss.cert_len;
	if (res_set_copy(&uc->resource_set_as, &eff->as) != 0 ||
	    res_set_copy(&uc->resource_set_ipv4, &eff->v4) != 0 ||
	    res_set_copy(&uc->resource_set_ipv6, &eff->v6) != 0)
		return eng_err(ENGINE_ERR_NOMEM, "out of memory");
	uc->resource_set_notafter = notafter;
	*out = uc;
	return 0;
}

/*
 * The child's entitlement in c: entitlement ∩ our holdings (UD-57). *found
 * false when there is none, it is empty, or its notafter has passed (never
 * advertise a past time, krill#713).
 */
static int
effective(const struct eclass *c, const struct store_entitlement *ent, time_t now,
          struct res_bundle *eff, bool *found)
{
	struct res_bundle er;
	int rc;

	*found = false;
	res_bundle_init(eff);
	if (ent->not_after <= now)
		return 0;
	if ((rc = eng_bundle_parse(&er, ent->as, ent->v4, ent->v6)) != 0)
		return eng_err(rc, "stored entitlement of %s in %s unusable", ent->child,
		    ent->class_name);
	res_bundle_free(eff);
	rc = eng_bundle_intersect(eff, &er, &c->iss.res);
	res_bundle_free(&er);
	if (rc != 0)
		return rc;
	*found = !res_bundle_is_empty(eff);
	return 0;
}

/* ---- list (RFC 6492 3.3, UD-50..UD-56) ---- */

struct ents {
	struct store_entitlement *v;
	size_t n, alloc;
	int rc;
};

static int
ents_add(void *arg, const struct store_entitlement *en)
{
	struct ents *a = arg;
	struct store_entitlement *d;

	if (a->n == a->alloc) {
		size_t na = a->alloc ? a->alloc * 2 : 8;
		void *p = realloc(a->v, na * sizeof(*a->v));
		if (p == NULL) {
			a->rc = eng_err(ENGINE_ERR_NOMEM, "out of memory");
			return 1;
		}
		a->v = p;
		a->alloc = na;
	}
	d = &a->v[a->n];
	memset(d, 0, sizeof(*d));
	d->not_after = en->not_after;
	if ((d->child = strdup(en->child)) == NULL ||
	    (d->class_name = strdup(en->class_name)) == NULL ||
	    (d->as = strdup(en->as)) == NULL || (d->v4 = strdup(en->v4)) == NULL ||
	    (d->v6 = strdup(en->v6)) == NULL) {
		store_entitlement_free(d);
		a->rc = eng_err(ENGINE_ERR_NOMEM, "out of memory");
		return 1;
	}
	a->n++;
	return 0;
}

struct certs {
	struct store_cert *v;
	size_t n, alloc;
	const uint8_t *issuer_ski;   /* only certificates by this key (UD-166) */
	time_t now;                  /* skip expired ones (UD-54) */
	int rc;
};

static int
certs_add(void *arg, const struct store_cert *sc)
{
	struct certs *a = arg;
	struct store_cert *d;
	size_t i;

	if (sc->not_after <= a->now ||
	    (a->issuer_ski != NULL && memcmp(sc->issuer_ski, a->issuer_ski, SKI_LEN) != 0))
		return 0;
	/* Newest first: keep the first per key (one certificate per key, UD-54). */
	for (i = 0; i < a->n; i++)
		if (memcmp(a->v[i].ski, sc->ski, SKI_LEN) == 0)
			return 0;
	if (a->n == a->alloc) {
		size_t na = a->alloc ? a->alloc * 2 : 4;
		void *p = realloc(a->v, na * sizeof(*a->v));
		if (p == NULL) {
			a->rc = eng_err(ENGINE_ERR_NOMEM, "out of memory");
			return 1;
		}
		a->v = p;
		a->alloc = na;
	}
	d = &a->v[a->n];
	memset(d, 0, sizeof(*d));
	d->serial = sc->serial;
	memcpy(d->ski, sc->ski, SKI_LEN);
	d->not_after = sc->not_after;
	if ((d->cert_uri = strdup(sc->cert_uri)) == NULL || (d->der = malloc(sc->der_len)) == NULL ||
	    (sc->req_as != NULL && (d->req_as = strdup(sc->req_as)) == NULL) ||
	    (sc->req_v4 != NULL && (d->req_v4 = strdup(sc->req_v4)) == NULL) ||
	    (sc->req_v6 != NULL && (d->req_v6 = strdup(sc->req_v6)) == NULL)) {
		store_cert_free(d);
		a->rc = eng_err(ENGINE_ERR_NOMEM, "out of memory");
		return 1;
	}
	memcpy(d->der, sc->der, sc->der_len);
	d->der_len = sc->der_len;
	a->n++;
	return 0;
}

static void
certs_free(struct certs *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		store_cert_free(&a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

static void
ents_free(struct ents *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		store_entitlement_free(&a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

static int
do_list(struct req *r)
{
	struct engine *e = r->e;
	struct ents ents;
	struct certs *cs = NULL;
	struct res_bundle eff;
	struct ud_class *uc;
	size_t i, j;
	int rc, src, erc;
	bool found;

	memset(&ents, 0, sizeof(ents));
	res_bundle_init(&eff);
	if ((rc = ud_reply_init(&r->reply, r->m)) != 0)
		return eng_err(ENGINE_ERR_INTERNAL, "reply: %s", ud_strerror(rc));
	pthread_rwlock_rdlock(&e->cls_lock);
	/* Every read of the list in one read transaction: one snapshot, one lock. */
	pthread_mutex_lock(&e->store_lock);
	if ((src = store_read_begin(e->store)) == 0)
		src = store_entitlement_foreach_child(e->store, r->child, ents_add, &ents);
	if (src == 0 && ents.rc == 0 && (cs = calloc(ents.n + 1, sizeof(*cs))) == NULL)
		ents.rc = eng_err(ENGINE_ERR_NOMEM, "out of memory");
	for (i = 0; src == 0 && ents.rc == 0 && i < ents.n; i++) {
		const struct eclass *c = eng_class(e, ents.v[i].class_name);

		if (c == NULL)
			continue;     /* a class we no longer serve */
		cs[i].issuer_ski = c->ski;
		cs[i].now = r->now;
		src = store_certs_current(e->store, r->child, c->name, certs_add, &cs[i]);
		if (cs[i].rc != 0)
			ents.rc = cs[i].rc;
	}
	erc = store_read_end(e->store);
	if (src == 0)
		src = erc;
	pthread_mutex_unlock(&e->store_lock);
	if (ents.rc != 0 || src != 0) {
		rc = ents.rc != 0 ? ents.rc : eng_store_err(e, src, "reading entitlements and "
		    "certificates");
		goto out;
	}
	for (i = 0; i < ents.n; i++) {
		const struct eclass *c = eng_class(e, ents.v[i].class_name);

		if (c == NULL)
			continue;     /* a class we no longer serve */
		res_bundle_free(&eff);
		if ((rc = effective(c, &ents.v[i], r->now, &eff, &found)) != 0)
			goto out;
		if (!found)
			continue;     /* UD-51: only classes with resources */
		if ((rc = add_class(&r->reply, c, &eff, eng_notafter(c, ents.v[i].not_after),
		    &uc)) != 0)
			goto out;
		for (j = 0; j < cs[i].n; j++)
			if ((rc = add_cert(uc, &cs[i].v[j])) != 0)
				goto out;
	}
	pthread_rwlock_unlock(&e->cls_lock);
	rc = 0;
	snprintf(r->detail, sizeof(r->detail), "%zu class%s", r->reply.nclasses,
	    r->reply.nclasses == 1 ? "" : "es");
	goto done;
out:
	pthread_rwlock_unlock(&e->cls_lock);
done:
	res_bundle_free(&eff);
	if (cs != NULL)
		for (i = 0; i < ents.n; i++)
			certs_free(&cs[i]);
	free(cs);
	ents_free(&ents);
	return rc;
}

/* ---- issue (RFC 6492 3.4, UD-60..UD-69) ---- */

struct keyuse {
	const char *child;
	const char *class_name;
	bool other_class, other_child, current, revoked;
	uint64_t *serials;          /* this child's current certificates for the key in the class */
	unsigned char **spkis;
	size_t *spki_lens;
	size_t n, alloc;
	int rc;
};

static int
keyuse_add(void *arg, const struct store_cert *sc)
{
	struct keyuse *k = arg;

	if (strcmp(sc->class_name, k->class_name) != 0) {
		k->other_class = true;
		return 0;
	}
	if (strcmp(sc->child, k->child) != 0) {
		k->other_child = true;
		return 0;
	}
	if (sc->state == STORE_CERT_REVOKED) {
		k->revoked = true;
		return 0;
	}
	k->current = true;
	if (k->n == k->alloc) {
		size_t na = k->alloc ? k->alloc * 2 : 4;
		void *a = realloc(k->serials, na * sizeof(*k->serials));
		void *b, *c;

		if (a == NULL)
			goto nomem;
		k->serials = a;
		if ((b = realloc(k->spkis, na * sizeof(*k->spkis))) == NULL)
			goto nomem;
		k->spkis = b;
		if ((c = realloc(k->spki_lens, na * sizeof(*k->spki_lens))) == NULL)
			goto nomem;
		k->spki_lens = c;
		k->alloc = na;
	}
	if ((k->spkis[k->n] = malloc(sc->spki_len)) == NULL)
		goto nomem;
	memcpy(k->spkis[k->n], sc->spki, sc->spki_len);
	k->spki_lens[k->n] = sc->spki_len;
	k->serials[k->n++] = sc->serial;
	return 0;
nomem:
	k->rc = eng_err(ENGINE_ERR_NOMEM, "out of memory");
	return 1;
}

static void
keyuse_free(struct keyuse *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		free(k->spkis[i]);
	free(k->spkis);
	free(k->spki_lens);
	free(k->serials);
}

/* granted = eff ∩ request; an absent family means everything entitled (UD-65). */
static int
grant(const struct res_bundle *eff, const struct ud_req_sets *req, struct res_bundle *out)
{
	res_bundle_init(out);
	if ((req->as.present ? res_set_intersect(&out->as, &eff->as, &req->as.set) :
	    res_set_copy(&out->as, &eff->as)) != 0 ||
	    (req->ipv4.present ? res_set_intersect(&out->v4, &eff->v4, &req->ipv4.set) :
	    res_set_copy(&out->v4, &eff->v4)) != 0 ||
	    (req->ipv6.present ? res_set_intersect(&out->v6, &eff->v6, &req->ipv6.set) :
	    res_set_copy(&out->v6, &eff->v6)) != 0)
		return eng_err(ENGINE_ERR_NOMEM, "out of memory");
	return 0;
}

static char *
opt_text(const struct ud_opt_set *o)
{
	char *t = NULL;

	if (!o->present)
		return NULL;
	if (res_set_print(&o->set, &t) != 0)
		return NULL;
	return t;
}

/* Returns 0 with r->status set for protocol outcomes, or an error (-> 2001). */
static int
do_issue(struct req *r)
{
	struct engine *e = r->e;
	const struct ud_issue *is = &r->m->issue;
	struct eclass *c;
	struct store_entitlement ent;
	struct res_bundle eff, granted;
	struct csr_info csr;
	struct keyuse ku;
	struct cert_request cr;
	struct store_cert sc;
	struct batch b;
	struct ud_class *uc;
	char *req_as = NULL, *req_v4 = NULL, *req_v6 = NULL, *gtext = NULL;
	bool found, committed = false;
	size_t i, ci;
	int rc, src;

	memset(&ent, 0, sizeof(ent));
	memset(&csr, 0, sizeof(csr));
	memset(&ku, 0, sizeof(ku));
	memset(&sc, 0, sizeof(sc));
	res_bundle_init(&eff);
	res_bundle_init(&granted);
	batch_init(&b, e, r->now);
	if ((c = eng_class(e, is->class_name)) == NULL) {
		snprintf(r->detail, sizeof(r->detail), "no resource class '%s' (UD-61)",
		    is->class_name);
		return fail_with(r, UD_STATUS_NO_CLASS, r->detail);
	}
	ci = eng_class_index(e, c);
	pthread_mutex_lock(&e->batch_lock);

	/* 1202: no entitlement, or nothing of it within our holdings (UD-62, UD-57). */
	pthread_mutex_lock(&e->store_lock);
	src = store_entitlement_get(e->store, r->child, c->name, &ent);
	pthread_mutex_unlock(&e->store_lock);
	if (src != 0 && src != STORE_ERR_NOT_FOUND) {
		rc = eng_store_err(e, src, "reading the entitlement");
		goto out;
	}
	found = false;
	if (src == 0 && (rc = effective(c, &ent, r->now, &eff, &found)) != 0)
		goto out;
	if (!found) {
		rc = fail_with(r, UD_STATUS_NO_RESOURCES, "no resources allocated to you in this "
		    "class (RFC 6492 3.4.1, UD-62)");
		goto out;
	}

	/* 1203: the request (RFC 6487 6, UD-63, UD-70..UD-76). */
	if ((rc = csr_check(is->csr, is->csr_len, &e->opts.csr, &csr)) != 0) {
		if (rc == CSR_ERR_ARG || rc == CSR_ERR_NOMEM || rc == CSR_ERR_INTERNAL) {
			rc = eng_err(ENGINE_ERR_INTERNAL, "checking the request: %s",
			    csr_strerror(rc));
			goto out;
		}
		rc = fail_with(r, UD_STATUS_BAD_CSR, csr_strerror(rc));
		goto out;
	}

	/* 1204: the key is used elsewhere, was revoked, or is ours (UD-64, UD-115). */
	if (eng_own_key(e, csr.ski)) {
		rc = fail_with(r, UD_STATUS_KEY_REUSED, "this key is one of the parent's own keys "
		    "(UD-64)");
		goto out;
	}
	ku.child = r->child;
	ku.class_name = c->name;
	pthread_mutex_lock(&e->store_lock);
	src = store_certs_by_key(e->store, NULL, csr.ski, keyuse_add, &ku);
	pthread_mutex_unlock(&e->store_lock);
	if (ku.rc != 0 || src != 0) {
		rc = ku.rc != 0 ? ku.rc : eng_store_err(e, src, "looking up the key");
		goto out;
	}
	if (ku.other_class || ku.other_child || (ku.revoked && !ku.current)) {
		rc = fail_with(r, UD_STATUS_KEY_REUSED, ku.other_class ?
		    "key already used in another resource class (RFC 6492 3.4.1, UD-64)" :
		    ku.other_child ? "key already used by another child (UD-64)" :
		    "key was revoked earlier and may not be used again (UD-115)");
		goto out;
	}

	/* granted = entitlement ∩ holdings ∩ request; never empty (UD-65, UD-69). */
	if ((rc = grant(&eff, &is->req, &granted)) != 0)
		goto out;
	if (res_bundle_is_empty(&granted)) {
		rc = fail_with(r, UD_STATUS_NO_RESOURCES, "the requested resources and your "
		    "entitlement do not overlap (UD-62, UD-65)");
		goto out;
	}
	if ((is->req.as.present && (req_as = opt_text(&is->req.as)) == NULL) ||
	    (is->req.ipv4.present && (req_v4 = opt_text(&is->req.ipv4)) == NULL) ||
	    (is->req.ipv6.present && (req_v6 = opt_text(&is->req.ipv6)) == NULL)) {
		rc = eng_err(ENGINE_ERR_NOMEM, "out of memory");
		goto out;
	}

	/* Sign (serial reserved first), then one batch: old ones revoked (UD-66). */
	memset(&cr, 0, sizeof(cr));
	cr.child = r->child;
	cr.class_name = c->name;
	cr.spki = csr.spki;
	cr.spki_len = csr.spki_len;
	cr.sia_repo = csr.ca_repository;
	cr.sia_mft = csr.rpki_manifest;
	cr.sia_notify = csr.rpki_notify;
	cr.req_as = req_as;
	cr.req_v4 = req_v4;
	cr.req_v6 = req_v6;
	cr.res = &granted;
	cr.not_after = eng_notafter(c, ent.not_after);
	if ((rc = eng_issue_cert(e, c, NULL, &cr, r->now, &sc)) != 0)
		goto out;
	for (i = 0; i < ku.n; i++)
		if ((rc = batch_add_rev(&b, ci, ku.serials[i], ku.spkis[i], ku.spki_lens[i],
		    "replaced by a new certificate for the same key (UD-66)")) != 0)
			goto out;
	/* The reply's certificate element, before the batch takes sc. */
	if ((rc = ud_reply_init(&r->reply, r->m)) != 0) {
		rc = eng_err(ENGINE_ERR_INTERNAL, "reply: %s", ud_strerror(rc));
		goto out;
	}
	if ((rc = add_class(&r->reply, c, &eff, eng_notafter(c, ent.not_after), &uc)) != 0 ||
	    (rc = add_cert(uc, &sc)) != 0)
		goto out;
	gtext = eng_bundle_text(&granted);
	snprintf(r->detail, sizeof(r->detail), "class %s serial %" PRIu64 " %s%s", c->name,
	    sc.serial, gtext != NULL ? gtext : "", ku.n > 0 ? " (replaces)" : "");
	if ((rc = batch_add_cert(&b, ci, &sc)) != 0)
		goto out;
	b.in_txn = replay_in_txn;
	b.in_txn_arg = r;
	/* Publish before answering (UD-68); a failed publication is a 2001. */
	rc = batch_run(&b, &committed);
	if (!committed)
		r->replay_done = false;
out:
	pthread_mutex_unlock(&e->batch_lock);
	if (rc != 0)
		ud_msg_free(&r->reply);
	free(gtext);
	free(req_as);
	free(req_v4);
	free(req_v6);
	batch_free(&b);
	store_cert_free(&sc);
	keyuse_free(&ku);
	csr_info_free(&csr);
	res_bundle_free(&eff);
	res_bundle_free(&granted);
	store_entitlement_free(&ent);
	return rc;
}

/* ---- revoke (RFC 6492 3.5, UD-110..UD-115) ---- */

static int
do_revoke(struct req *r)
{
	struct engine *e = r->e;
	struct eclass *c;
	struct keyuse ku;
	struct batch b;
	uint8_t ski[UD_SKI_BYTES];
	bool committed = false;
	size_t i, ci;
	int rc, src;

	memset(&ku, 0, sizeof(ku));
	batch_init(&b, e, r->now);
	if ((c = eng_class(e, r->m->key.class_name)) == NULL) {
		snprintf(r->detail, sizeof(r->detail), "no resource class '%s' (UD-111)",
		    r->m->key.class_name);
		return fail_with(r, UD_STATUS_REVOKE_NO_CLASS, r->detail);
	}
	if (ud_ski_decode(r->m->key.ski, ski) != 0)
		return fail_with(r, UD_STATUS_REVOKE_NO_KEY, "no such key (UD-110, UD-111)");
	ci = eng_class_index(e, c);
	pthread_mutex_lock(&e->batch_lock);
	ku.child = r->child;
	ku.class_name = c->name;
	pthread_mutex_lock(&e->store_lock);
	src = store_certs_by_key(e->store, c->name, ski, keyuse_add, &ku);
	pthread_mutex_unlock(&e->store_lock);
	if (ku.rc != 0 || src != 0) {
		rc = ku.rc != 0 ? ku.rc : eng_store_err(e, src, "looking up the key");
		goto out;
	}
	/* Only this child's certificates count (UD-112). */
	if (!ku.current && !ku.revoked) {
		rc = fail_with(r, UD_STATUS_REVOKE_NO_KEY, "no certificate was issued to you for "
		    "this key in this class (UD-111)");
		goto out;
	}
	if ((rc = ud_reply_init(&r->reply, r->m)) != 0) {
		rc = eng_err(ENGINE_ERR_INTERNAL, "reply: %s", ud_strerror(rc));
		goto out;
	}
	if (!ku.current) {
		/* Already revoked: the same answer again (UD-114). */
		snprintf(r->detail, sizeof(r->detail), "class %s key %s already revoked", c->name,
		    r->m->key.ski);
		rc = 0;
		goto out;
	}
	for (i = 0; i < ku.n; i++)
		if ((rc = batch_add_rev(&b, ci, ku.serials[i], ku.spkis[i], ku.spki_lens[i],
		    "revoked at the child's request (RFC 6492 3.5)")) != 0)
			goto out;
	snprintf(r->detail, sizeof(r->detail), "class %s key %s: %zu certificate%s revoked",
	    c->name, r->m->key.ski, ku.n, ku.n == 1 ? "" : "s");
	b.in_txn = replay_in_txn;
	b.in_txn_arg = r;
	rc = batch_run(&b, &committed);
	if (!committed)
		r->replay_done = false;
out:
	pthread_mutex_unlock(&e->batch_lock);
	if (rc != 0)
		ud_msg_free(&r->reply);
	batch_free(&b);
	keyuse_free(&ku);
	return rc;
}

/* ---- the request ---- */

static const char *
outcome(const struct engine_response *resp, char buf[16])
{
	if (resp->http_status != 200)
		snprintf(buf, 16, "%d", resp->http_status);
	else if (resp->status != 0)
		snprintf(buf, 16, "%u", resp->status);
	else
		snprintf(buf, 16, "ok");
	return buf;
}

/* Log the exchange (UD-160) without waiting; a failure is noted in a later log line. */
static void
log_exchange(struct engine *e, const unsigned char *req, size_t len, time_t now,
             struct engine_response *resp)
{
	char buf[16];
	struct store_exchange x = {
		.now = now, .child = resp->child[0] ? resp->child : NULL,
		.type = ud_type_name((enum ud_type)resp->type), .outcome = outcome(resp, buf),
		.req = req, .req_len = len, .resp = resp->body, .resp_len = resp->body_len,
	};

	eng_log_async(e, &x);
}

/*
 * After an authenticated request: the child's signing-time (unless a batch
 * recorded it already, it equals the stored one, or the answer is 1101)
 * and the exchange log in one durable transaction, committed before the
 * reply leaves (UD-35, UD-160; the log writer groups such commits). With
 * no signing-time to record, the row is queued (log_exchange). If
 * recording the signing-time fails the reply is replaced by a 2001 and
 * logged on its own. Returns true when the exchange was logged.
 */
static bool
finish(struct req *r, const unsigned char *req, size_t len)
{
	struct engine *e = r->e;
	struct engine_response *resp = r->resp;
	bool owed = !r->replay_done && !r->time_unchanged &&
	    r->status != UD_STATUS_ALREADY_PROCESSING && resp->http_status == 200;
	char buf[16];
	int src;

	resp->status = r->status;
	if (!owed) {
		log_exchange(e, req, len, r->now, resp);
		return true;
	}
	{
		struct store_exchange x = {
			.now = r->now, .child = r->child,
			.type = ud_type_name((enum ud_type)resp->type),
			.outcome = outcome(resp, buf), .req = req, .req_len = len,
			.resp = resp->body, .resp_len = resp->body_len,
			.set_replay = true, .replay_time = r->signing_time,
		};
		src = eng_log_wait(e, &x);
	}
	if (src == 0) {
		r->replay_done = true;
		return true;
	}
	/* The signing-time could not be recorded: do not claim success. */
	snprintf(r->detail, sizeof(r->detail), "recording the signing-time: %s",
	    store_strerror(src));
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
	if (send_error(r, UD_STATUS_INTERNAL, "internal error: request not performed") != 0)
		resp->http_status = 500;
	resp->status = UD_STATUS_INTERNAL;
	r->status = UD_STATUS_INTERNAL;
	return false;
}

/* Authenticated part: envelope errors, then the request itself. */
static void
serve(struct req *r, const struct ud_error *uerr, bool decoded)
{
	struct engine_response *resp = r->resp;
	int rc;

	if (!decoded) {
		/* 1102 / 1103 / 1203 / 2001 from the decoder (UD-41..UD-44). */
		rc = fail_with(r, uerr->status, uerr->reason);
	} else if (r->m->type == UD_LIST) {
		rc = do_list(r);
	} else if (r->m->type == UD_ISSUE) {
		rc = do_issue(r);
	} else if (r->m->type == UD_REVOKE) {
		rc = do_revoke(r);
	} else {
		rc = fail_with(r, UD_STATUS_BAD_TYPE, "unrecognised request type (UD-42)");
	}
	if (rc == 0)
		rc = r->status != 0 ? send_error(r, r->status, r->desc) : send_reply(r);
	if (rc != 0) {
		/* Internal failure after authentication: 2001, short (UD-122, UD-163). */
		snprintf(r->detail, sizeof(r->detail), "%s", engine_errmsg());
		free(resp->body);
		resp->body = NULL;
		resp->body_len = 0;
		if (send_error(r, UD_STATUS_INTERNAL, "internal error: request not performed") != 0) {
			resp->http_status = 500;
			r->status = UD_STATUS_INTERNAL;
		}
	}
}

/* See engine.h. */
int
engine_handle(struct engine *e, const char *url_child, const unsigned char *req, size_t len,
              time_t now, struct engine_response *resp)
{
	struct cms_msg cm;
	struct cms_opts co;
	struct cms_trust trust;
	struct store_child child;
	struct ud_msg m;
	struct ud_error uerr;
	struct req r;
	bool decoded, busy = false, logged = false;
	int rc, src;

	if (resp == NULL)
		return ENGINE_ERR_ARG;
	memset(resp, 0, sizeof(*resp));
	if (e == NULL || req == NULL)
		return ENGINE_ERR_ARG;
	cms_msg_init(&cm);
	ud_msg_init(&m);
	memset(&child, 0, sizeof(child));
	memset(&uerr, 0, sizeof(uerr));
	memset(&r, 0, sizeof(r));
	ud_msg_init(&r.reply);
	r.e = e;
	r.now = now;
	r.m = &m;
	r.resp = resp;

	/* 1. CMS (RFC 6492 3.1.2 check 1). */
	memset(&co, 0, sizeof(co));
	co.der_only = e->opts.cms_der_only;
	if ((rc = cms_decode(&cm, req, len, &co)) != 0) {
		resp_400(resp, "CMS: %s", cms_strerror(rc));
		goto done;
	}
	/* 2. XML envelope (3.2). */
	decoded = ud_decode_request((const char *)cm.xml, cm.xml_len, &m, &uerr) == 0;
	if (!decoded && (uerr.status == UD_STATUS_HTTP_400 || m.sender == NULL ||
	    m.recipient == NULL)) {
		resp_400(resp, "XML: %s", uerr.reason);
		goto done;
	}
	resp->type = (int)m.type;
	/* 3. sender and recipient (UD-39, UD-5). */
	if (url_child != NULL && strcmp(url_child, m.sender) != 0) {
		resp_400(resp, "sender '%.64s' is not the child the URL names (UD-5)", m.sender);
		goto done;
	}
	if (strcmp(m.recipient, e->handle) != 0) {
		resp_400(resp, "recipient '%.64s' is not us (RFC 6492 3.2, UD-39)", m.recipient);
		goto done;
	}
	pthread_mutex_lock(&e->store_lock);
	src = store_child_get(e->store, m.sender, &child);
	pthread_mutex_unlock(&e->store_lock);
	if (src == STORE_ERR_NOT_FOUND || src == STORE_ERR_INVALID) {
		resp_400(resp, "sender '%.64s' is not a known child (RFC 6492 3.2, UD-39)", m.sender);
		goto done;
	}
	if (src != 0) {
		resp->http_status = 500;
		set_log(resp, "500 store: %s", store_errmsg(e->store));
		goto done;
	}
	/* 4, 5. signature, path to the child's BPKI TA, CRL (UD-33, UD-34). */
	memset(&trust, 0, sizeof(trust));
	trust.ta_der = child.bpki_ta;
	trust.ta_len = child.bpki_ta_len;
	if ((rc = auth_verify(e, child.handle, &cm, &trust, now)) != 0) {
		resp_400(resp, "child %s: %s", child.handle, cms_strerror(rc));
		goto done;
	}
	/* 6. replay (UD-35) and a clock too far ahead (rpki.net#281). */
	if (child.has_signing_time && cm.signing_time < child.last_signing_time) {
		resp_400(resp, "child %s: signing-time %lld before the last accepted %lld "
		    "(replay, RFC 6492 3.1.2, UD-35)", child.handle, (long long)cm.signing_time,
		    (long long)child.last_signing_time);
		goto done;
	}
	if (cm.signing_time > now + (time_t)e->opts.max_skew) {
		resp_400(resp, "child %s: signing-time %lld is more than %us ahead of ours (%lld)",
		    child.handle, (long long)cm.signing_time, e->opts.max_skew, (long long)now);
		goto done;
	}
	snprintf(resp->child, sizeof(resp->child), "%s", child.handle);
	r.child = resp->child;
	r.signing_time = cm.signing_time;

	/* One request per child at a time (RFC 6492 3, UD-6). */
	if (!busy_acquire(e, r.child)) {
		snprintf(r.detail, sizeof(r.detail), "a request from you is being processed (UD-6)");
		if (send_error(&r, UD_STATUS_ALREADY_PROCESSING, r.detail) != 0) {
			resp->http_status = 500;
			snprintf(r.detail, sizeof(r.detail), "%s", engine_errmsg());
		}
		goto logged;
	}
	busy = true;
	/* The stored time may have moved while we waited: check again under the slot. */
	store_child_free(&child);
	pthread_mutex_lock(&e->store_lock);
	src = store_child_get(e->store, r.child, &child);
	pthread_mutex_unlock(&e->store_lock);
	if (src == 0 && child.has_signing_time && r.signing_time < child.last_signing_time) {
		resp_400(resp, "child %s: signing-time before the last accepted (replay, UD-35)",
		    r.child);
		resp->child[0] = '\0';
		goto done;
	}
	r.time_unchanged = src == 0 && child.has_signing_time &&
	    r.signing_time == child.last_signing_time;
	eng_hook(e, ENGINE_HOOK_AUTHENTICATED);
	serve(&r, &uerr, decoded);
	logged = finish(&r, req, len);
logged:
	resp->status = r.status;
	if (resp->http_status == 200)
		eng_hook(e, ENGINE_HOOK_REPLY);
	{
		const char *tn = ud_type_name((enum ud_type)resp->type);
		char st[24];

		if (resp->status != 0)
			snprintf(st, sizeof(st), "status=%u", resp->status);
		else
			snprintf(st, sizeof(st), "ok");
		set_log(resp, "%d child=%s type=%s %s %s", resp->http_status, resp->child,
		    tn != NULL ? tn : "?", st, r.detail);
	}
done:
	if (busy)
		busy_release(e, r.child);
	if (!logged)
		log_exchange(e, req, len, now, resp);
	eng_log_notice(e, resp->log, sizeof(resp->log));
	eng_bpki_notice(e, resp->log, sizeof(resp->log));
	ud_msg_free(&r.reply);
	store_child_free(&child);
	ud_msg_free(&m);
	cms_msg_free(&cm);
	return 0;
}

/* See engine.h. */
void
engine_response_free(struct engine_response *r)
{
	if (r == NULL)
		return;
	free(r->body);
	memset(r, 0, sizeof(*r));
}
