/*
 * Allocation changes (engine.h; UD-100..UD-106): a plan per current
 * certificate against its target (entitlement ∩ holdings ∩ the request's
 * limits), the safety brake, then one batch (engine_batch.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/cert.h"
#include "engine_int.h"
#include "proto/alloc.h"

enum act {
	A_KEEP = 0,
	A_REISSUE,       /* grow, notafter moved, or clearing a stale schedule */
	A_SHRINK,        /* re-issue smaller, revoke old */
	A_REVOKE,        /* entitlement gone or empty */
	A_SCHEDULE,      /* shrink/revoke after the grace period (UD-103) */
	A_PENDING,       /* scheduled earlier, not due */
	A_EXPIRED,       /* past notAfter */
	A_SKIP,          /* class not served, or not by its current key */
};

struct item {
	struct store_cert old;       /* no DER */
	size_t cls;
	enum act act;
	struct res_bundle res;       /* new resources (A_REISSUE, A_SHRINK) */
	time_t not_after;            /* new notAfter */
};

struct plan {
	struct item *v;
	size_t n, alloc;
	int rc;
};

/* Where targets come from: the new table, or the stored entitlements. */
struct ent_src {
	const struct alloc_table *table;   /* NULL: the store */
	struct engine *e;
};

/* Holdings per class (a class update overrides one). */
struct holdings {
	const struct cert_issuer *iss[ENGINE_MAX_CLASSES];
};

static void
item_free(struct item *it)
{
	store_cert_free(&it->old);
	res_bundle_free(&it->res);
}

static void
plan_free(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		item_free(&p->v[i]);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

static char *
dup_or_null(const char *s, bool *fail)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*fail = true;
	return d;
}

/* store_certs_current_all callback: copy what the plan needs (not the DER). */
static int
plan_add(void *arg, const struct store_cert *sc)
{
	struct plan *p = arg;
	struct item *it;
	struct store_cert *d;
	bool fail = false;

	if (p->n == p->alloc) {
		size_t na = p->alloc ? p->alloc * 2 : 64;
		void *q = realloc(p->v, na * sizeof(*p->v));
		if (q == NULL) {
			p->rc = eng_err(ENGINE_ERR_NOMEM, "out of memory");
			return 1;
		}
		p->v = q;
		p->alloc = na;
	}
	it = &p->v[p->n];
	memset(it, 0, sizeof(*it));
	res_bundle_init(&it->res);
	d = &it->old;
	*d = *sc;
	d->der = NULL;
	d->der_len = 0;
	d->child = dup_or_null(sc->child, &fail);
	d->class_name = dup_or_null(sc->class_name, &fail);
	d->sia_repo = dup_or_null(sc->sia_repo, &fail);
	d->sia_mft = dup_or_null(sc->sia_mft, &fail);
	d->sia_notify = dup_or_null(sc->sia_notify, &fail);
	d->req_as = dup_or_null(sc->req_as, &fail);
	d->req_v4 = dup_or_null(sc->req_v4, &fail);
	d->req_v6 = dup_or_null(sc->req_v6, &fail);
	d->as = dup_or_null(sc->as, &fail);
	d->v4 = dup_or_null(sc->v4, &fail);
	d->v6 = dup_or_null(sc->v6, &fail);
	d->cert_uri = dup_or_null(sc->cert_uri, &fail);
	d->spki = NULL;
	if (!fail && (d->spki = malloc(sc->spki_len)) == NULL)
		fail = true;
	if (d->spki != NULL)
		memcpy(d->spki, sc->spki, sc->spki_len);
	p->n++;
	if (fail) {
		p->rc = eng_err(ENGINE_ERR_NOMEM, "out of memory");
		return 1;
	}
	return 0;
}

/* The entitlement of (child, class): *found false when none. ent initialised by the call. */
static int
ent_get(const struct ent_src *src, const char *child, const char *class_name,
        struct res_bundle *ent, time_t *notafter, bool *found)
{
	struct store_entitlement se;
	int rc, s;

	*found = false;
	*notafter = 0;
	res_bundle_init(ent);
	if (src->table != NULL) {
		const struct alloc_ent *ae = alloc_entitlement(src->table, child, class_name);

		if (ae == NULL)
			return 0;
		res_bundle_free(ent);
		if ((rc = eng_bundle_copy(ent, &ae->res)) != 0)
			return eng_err(rc, "out of memory");
		*notafter = ae->notafter;
		*found = true;
		return 0;
	}
	memset(&se, 0, sizeof(se));
	pthread_mutex_lock(&src->e->store_lock);
	s = store_entitlement_get(src->e->store, child, class_name, &se);
	pthread_mutex_unlock(&src->e->store_lock);
	if (s == STORE_ERR_NOT_FOUND)
		return 0;
	if (s != 0)
		return eng_store_err(src->e, s, "reading an entitlement");
	res_bundle_free(ent);
	rc = eng_bundle_parse(ent, se.as, se.v4, se.v6);
	*notafter = se.not_after;
	store_entitlement_free(&se);
	if (rc != 0)
		return eng_err(rc, "stored entitlement of %s in %s unusable", child, class_name);
	*found = true;
	return 0;
}

/* Per family: present request limits narrow the target (UD-65). */
static int
narrow(struct res_set *out, const struct res_set *eff, enum res_family f, const char *req)
{
	struct res_set r;
	int rc;

	if (req == NULL)
		return res_set_copy(out, eff) == 0 ? 0 : ENGINE_ERR_NOMEM;
	if (res_set_parse(&r, f, req, strlen(req)) != 0)
		return ENGINE_ERR_INTERNAL;
	rc = res_set_intersect(out, eff, &r) == 0 ? 0 : ENGINE_ERR_NOMEM;
	res_set_free(&r);
	return rc;
}

/* Decide what to do with one current certificate. */
static int
decide(struct engine *e, const struct ent_src *src, const struct holdings *h, struct item *it,
       time_t now)
{
	const struct store_cert *o = &it->old;
	const struct eclass *c = eng_class(e, o->class_name);
	const struct cert_issuer *iss;
	struct res_bundle ent, eff, target, oldres;
	time_t ent_na = 0;
	bool found = false, nolimits, over, removes;
	int rc;

	res_bundle_init(&ent);
	res_bundle_init(&eff);
	res_bundle_init(&target);
	res_bundle_init(&oldres);
	if (c == NULL || memcmp(o->issuer_ski, c->ski, SKI_LEN) != 0) {
		it->act = A_SKIP;
		return 0;
	}
	it->cls = eng_class_index(e, c);
	iss = h->iss[it->cls];
	if (o->not_after <= now) {
		it->act = A_EXPIRED;
		return 0;
	}
	if ((rc = eng_bundle_parse(&oldres, o->as, o->v4, o->v6)) != 0) {
		rc = eng_err(rc, "certificate %" PRIu64 ": stored resources unusable", o->serial);
		goto out;
	}
	if ((rc = ent_get(src, o->child, o->class_name, &ent, &ent_na, &found)) != 0)
		goto out;
	if (found && ent_na <= now)
		found = false;
	res_bundle_free(&eff);
	if (found && (rc = eng_bundle_intersect(&eff, &ent, &iss->res)) != 0)
		goto out;
	rc = ENGINE_ERR_NOMEM;
	if (narrow(&target.as, &eff.as, RES_AS, o->req_as) != 0 ||
	    narrow(&target.v4, &eff.v4, RES_IPV4, o->req_v4) != 0 ||
	    narrow(&target.v6, &eff.v6, RES_IPV6, o->req_v6) != 0)
		goto out;
	/* Grow only where the child set no limits (UD-102). */
	nolimits = o->req_as == NULL && o->req_v4 == NULL && o->req_v6 == NULL;
	res_bundle_free(&it->res);
	if (nolimits) {
		if (eng_bundle_copy(&it->res, &target) != 0)
			goto out;
	} else if (eng_bundle_intersect(&it->res, &oldres, &target) != 0) {
		goto out;
	}
	it->not_after = found ? (ent_na < iss->not_after ? ent_na : iss->not_after) : 0;
	over = !eng_bundle_subset(&oldres, &iss->res);
	removes = !eng_bundle_subset(&oldres, &it->res);
	if (!found || res_bundle_is_empty(&it->res))
		it->act = A_REVOKE;                  /* UD-105, never empty (UD-69) */
	else if (removes)
		it->act = A_SHRINK;                  /* UD-101 */
	else if (!eng_bundle_equal(&it->res, &oldres) || it->not_after != o->not_after)
		it->act = A_REISSUE;                 /* UD-102, notafter */
	else if (o->has_revoke_after && o->revoke_after <= now)
		it->act = A_REISSUE;                 /* a schedule no longer needed */
	else
		it->act = A_KEEP;
	/* Grace period for entitlement shrinks (UD-103); over our holdings: now. */
	if ((it->act == A_REVOKE || it->act == A_SHRINK) && e->opts.shrink_grace > 0 && !over) {
		if (!o->has_revoke_after)
			it->act = A_SCHEDULE;
		else if (o->revoke_after > now)
			it->act = A_PENDING;
	}
	rc = 0;
out:
	res_bundle_free(&ent);
	res_bundle_free(&eff);
	res_bundle_free(&target);
	res_bundle_free(&oldres);
	return rc;
}

/* Make the plan: every current certificate. */
static int
make_plan(struct engine *e, const struct ent_src *src, const struct holdings *h, time_t now,
          struct plan *p, struct engine_report *rep)
{
	size_t i;
	int rc, s;

	pthread_mutex_lock(&e->store_lock);
	s = store_certs_current_all(e->store, plan_add, p);
	pthread_mutex_unlock(&e->store_lock);
	if (p->rc != 0)
		return p->rc;
	if (s != 0)
		return eng_store_err(e, s, "reading current certificates");
	for (i = 0; i < p->n; i++) {
		if ((rc = decide(e, src, h, &p->v[i], now)) != 0)
			return rc;
		switch (p->v[i].act) {
		case A_KEEP: rep->unchanged++; break;
		case A_REISSUE: rep->reissued++; break;
		case A_SHRINK: rep->shrunk++; break;
		case A_REVOKE: rep->revoked++; break;
		case A_SCHEDULE: rep->scheduled++; break;
		case A_PENDING: rep->pending++; break;
		case A_EXPIRED: rep->expired++; break;
		case A_SKIP: break;
		}
		if (p->v[i].act != A_EXPIRED && p->v[i].act != A_SKIP)
			rep->current++;
	}
	rep->affected = rep->shrunk + rep->revoked + rep->scheduled;
	return 0;
}

/* UD-104: too many certificates would shrink or go. */
static bool
brake_trips(const struct engine *e, const struct engine_report *rep)
{
	const struct engine_options *o = &e->opts;

	if (rep->affected > o->brake_max_count)
		return true;
	return rep->affected > o->brake_floor && o->brake_max_share < 1.0 &&
	    (double)rep->affected > o->brake_max_share * (double)rep->current;
}

/* Turn the plan into a batch. */
static int
plan_batch(struct engine *e, const struct holdings *h, struct plan *p, struct batch *b,
           time_t now)
{
	size_t i;
	int rc;

	for (i = 0; i < p->n; i++) {
		struct item *it = &p->v[i];
		struct eclass *c;
		struct cert_request cr;
		struct store_cert sc;

		switch (it->act) {
		case A_REISSUE:
		case A_SHRINK:
			c = &e->classes[it->cls];
			memset(&cr, 0, sizeof(cr));
			cr.child = it->old.child;
			cr.class_name = it->old.class_name;
			cr.spki = it->old.spki;
			cr.spki_len = it->old.spki_len;
			cr.sia_repo = it->old.sia_repo;
			cr.sia_mft = it->old.sia_mft;
			cr.sia_notify = it->old.sia_notify;
			cr.req_as = it->old.req_as;
			cr.req_v4 = it->old.req_v4;
			cr.req_v6 = it->old.req_v6;
			cr.res = &it->res;
			cr.not_after = it->not_after;
			if ((rc = eng_issue_cert(e, c, h->iss[it->cls], &cr, now, &sc)) != 0)
				return rc;
			if ((rc = batch_add_cert(b, it->cls, &sc)) != 0) {
				store_cert_free(&sc);
				return rc;
			}
			if ((rc = batch_add_rev(b, it->cls, it->old.serial, it->old.spki,
			    it->old.spki_len, it->act == A_SHRINK ?
			    "replaced by a smaller certificate: allocation shrank (UD-101)" :
			    "replaced after an allocation change (UD-102)")) != 0)
				return rc;
			b->cls[it->cls].resync = true;
			break;
		case A_REVOKE:
			if ((rc = batch_add_rev(b, it->cls, it->old.serial, it->old.spki,
			    it->old.spki_len, "entitlement gone or outside our holdings (UD-101, "
			    "UD-105)")) != 0)
				return rc;
			b->cls[it->cls].resync = true;
			break;
		case A_SCHEDULE:
			if ((rc = batch_add_sched(b, it->old.serial, now + (time_t)e->opts.shrink_grace,
			    "allocation shrank: grace period (UD-103)")) != 0)
				return rc;
			break;
		default:
			break;
		}
	}
	return 0;
}

/* Classes whose CRL/manifest come near nextUpdate, hold expired certificates, or lag. */
static int
due_classes(struct engine *e, const struct plan *p, struct batch *b, time_t now)
{
	struct store_issuer is;
	size_t i;
	int s;

	for (i = 0; i < p->n; i++)
		if (p->v[i].act == A_EXPIRED) {
			const struct eclass *c = eng_class(e, p->v[i].old.class_name);
			if (c != NULL) {
				b->cls[eng_class_index(e, c)].touched = true;
				b->cls[eng_class_index(e, c)].resync = true;
			}
		}
	for (i = 0; i < e->nclasses; i++) {
		struct eclass *c = &e->classes[i];

		if (c->dirty) {
			b->cls[i].touched = true;
			b->cls[i].resync = true;
			continue;
		}
		pthread_mutex_lock(&e->store_lock);
		s = store_issuer_get(e->store, c->ski, &is);
		pthread_mutex_unlock(&e->store_lock);
		if (s == STORE_ERR_NOT_FOUND || (s == 0 && (is.crl_last == 0 ||
		    is.crl_next_update - now < (time_t)e->opts.crl_refresh ||
		    is.mft_next_update - now < (time_t)e->opts.crl_refresh))) {
			b->cls[i].touched = true;
			b->cls[i].resync = true;
		} else if (s != 0) {
			return eng_store_err(e, s, "reading the issuer state");
		}
	}
	return 0;
}

static void
report_msg(struct engine_report *rep, const char *what)
{
	snprintf(rep->msg, sizeof(rep->msg), "%s: %zu current, %zu unchanged, %zu re-issued, "
	    "%zu shrunk, %zu revoked, %zu scheduled, %zu pending, %zu expired; %zu published%s",
	    what, rep->current, rep->unchanged, rep->reissued, rep->shrunk, rep->revoked,
	    rep->scheduled, rep->pending, rep->expired, rep->published,
	    rep->brake ? "; REFUSED by the brake (UD-104)" : "");
}

/* Common tail: brake, batch, publish. Caller holds batch_lock. */
static int
run_change(struct engine *e, const struct ent_src *src, const struct holdings *h, bool force,
           bool periodic, time_t now, struct batch *b, struct engine_report *rep,
           const char *what)
{
	struct plan p;
	bool committed = false;
	size_t i;
	int rc;

	memset(&p, 0, sizeof(p));
	if ((rc = make_plan(e, src, h, now, &p, rep)) != 0)
		goto out;
	if (!force && brake_trips(e, rep)) {
		rep->brake = true;
		rc = eng_err(ENGINE_ERR_BRAKE, "%s would shrink or revoke %zu of %zu certificates "
		    "(limits: %zu, or %.1f%% above %zu); nothing changed, force to apply (UD-104)",
		    what, rep->affected, rep->current, e->opts.brake_max_count,
		    e->opts.brake_max_share * 100.0, e->opts.brake_floor);
		goto out;
	}
	if ((rc = plan_batch(e, h, &p, b, now)) != 0)
		goto out;
	if (periodic && (rc = due_classes(e, &p, b, now)) != 0)
		goto out;
	rc = batch_run(b, &committed);
	for (i = 0; i < e->nclasses; i++)
		if (b->cls[i].touched && committed && b->published_all)
			rep->published++;
out:
	report_msg(rep, what);
	plan_free(&p);
	return rc;
}

/* ---- engine_apply_table ---- */

struct table_txn {
	struct engine *e;
	const struct alloc_table *table;
	uint64_t version;
	struct store_entitlement *ents;
	size_t n;
	const uint8_t *digest;
	time_t now;
	size_t added, changed;    /* children registered, TAs replaced (this transaction) */
	bool *new_ta;             /* [table->nchildren]: registered or replaced here */
};

/*
 * Register the children the table gives a BPKI TA (UD-155), in the
 * transaction of the entitlements: a refused table registers nobody. A
 * child whose stored TA is the same is left alone (no audit record).
 */
static int
table_children(struct table_txn *t)
{
	struct store *st = t->e->store;
	size_t i;
	int s;

	for (i = 0; i < t->table->nchildren; i++) {
		const struct alloc_child *c = &t->table->children[i];
		struct store_child sc;
		bool known, same;

		if (c->ta == NULL)
			continue;
		memset(&sc, 0, sizeof(sc));
		s = store_child_get(st, c->handle, &sc);
		known = s == 0;
		same = known && sc.bpki_ta_len == c->ta_len &&
		    memcmp(sc.bpki_ta, c->ta, c->ta_len) == 0;
		store_child_free(&sc);
		if (s != 0 && s != STORE_ERR_NOT_FOUND)
			return eng_store_err(t->e, s, "looking up a child");
		if (same)
			continue;
		if ((s = store_child_put(st, c->handle, c->ta, c->ta_len, t->now)) != 0)
			return eng_store_err(t->e, s, "adding a child");
		t->new_ta[i] = true;
		if (known)
			t->changed++;
		else
			t->added++;
	}
	return 0;
}

static int
table_in_txn(void *arg)
{
	struct table_txn *t = arg;
	int s;

	t->added = t->changed = 0;
	memset(t->new_ta, 0, t->table->nchildren * sizeof(t->new_ta[0]));
	if ((s = table_children(t)) != 0)
		return s;
	if ((s = store_alloc_apply(t->e->store, t->version, t->ents, t->n, t->digest, t->now)) != 0)
		return eng_err(s == STORE_ERR_NOT_FOUND || s == STORE_ERR_STALE ||
		    s == STORE_ERR_INVALID || s == STORE_ERR_EXISTS ? ENGINE_ERR_TABLE :
		    ENGINE_ERR_STORE, "applying the table: %s (%s)", store_strerror(s),
		    store_errmsg(t->e->store));
	return 0;
}

static void
table_ents_free(struct store_entitlement *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].as);
		free(v[i].v4);
		free(v[i].v6);
	}
	free(v);
}

/* Check t against our classes, children and the stored version; list its entitlements. */
static int
table_check(struct engine *e, const struct alloc_table *t, time_t now,
            struct store_entitlement **out, size_t *nout)
{
	struct alloc_errs errs;
	struct store_entitlement *v = NULL;
	uint64_t stored = 0;
	size_t i, j, n = 0, total = 0;
	int rc, s;

	*out = NULL;
	*nout = 0;
	pthread_mutex_lock(&e->store_lock);
	s = store_alloc_version(e->store, &stored);
	pthread_mutex_unlock(&e->store_lock);
	if (s != 0)
		return eng_store_err(e, s, "reading the table version");
	if (t->version <= stored)
		return eng_err(ENGINE_ERR_TABLE, "table version %" PRIu64 " is not above the applied "
		    "one (%" PRIu64 ")", t->version, stored);
	alloc_errs_init(&errs);
	rc = alloc_validate(t, NULL, 0, now, &errs);
	if (rc != 0) {
		const char *first = "?";

		/* The first error, not a warning found before it. */
		for (i = 0; i < errs.count; i++)
			if (errs.msgs[i].severity == ALLOC_SEV_ERROR) {
				first = errs.msgs[i].text;
				break;
			}
		rc = eng_err(rc == ALLOC_ERR_NOMEM ? ENGINE_ERR_NOMEM : ENGINE_ERR_TABLE,
		    "table refused: %zu error%s, first: %s", errs.nerrors,
		    errs.nerrors == 1 ? "" : "s", first);
		alloc_errs_free(&errs);
		return rc;
	}
	alloc_errs_free(&errs);
	for (i = 0; i < t->nclasses; i++)
		if (eng_class(e, t->classes[i].name) == NULL)
			return eng_err(ENGINE_ERR_TABLE, "table refused: class %s is not one of ours "
			    "(UD-100)", t->classes[i].name);
	/*
	 * alloc_validate has checked the BPKI TAs the table carries (UD-152
	 * at now); table_in_txn registers them. Every other child with a
	 * grant must have been added (RFC 8183 child_request) first.
	 */
	for (i = 0; i < t->nchildren; i++) {
		struct store_child sc;

		if (t->children[i].nents == 0 || t->children[i].ta != NULL)
			continue;
		pthread_mutex_lock(&e->store_lock);
		s = store_child_get(e->store, t->children[i].handle, &sc);
		pthread_mutex_unlock(&e->store_lock);
		store_child_free(&sc);
		if (s == STORE_ERR_NOT_FOUND || s == STORE_ERR_INVALID)
			return eng_err(ENGINE_ERR_TABLE, "table refused: child %s has not been added "
			    "(no RFC 8183 child_request yet)", t->children[i].handle);
		if (s != 0)
			return eng_store_err(e, s, "looking up a child");
	}
	for (i = 0; i < t->nchildren; i++)
		total += t->children[i].nents;
	if (total > 0 && (v = calloc(total, sizeof(*v))) == NULL)
		return eng_err(ENGINE_ERR_NOMEM, "out of memory");
	for (i = 0; i < t->nchildren; i++) {
		const struct alloc_child *ch = &t->children[i];

		for (j = 0; j < ch->nents; j++) {
			const struct alloc_ent *ae = &ch->ents[j];
			struct store_entitlement *se = &v[n++];

			se->child = ch->handle;
			se->class_name = t->classes[ae->cls].name;
			se->not_after = ae->notafter;
			if (eng_bundle_print(&ae->res, &se->as, &se->v4, &se->v6) != 0) {
				table_ents_free(v, n);
				return eng_err(ENGINE_ERR_NOMEM, "out of memory");
			}
		}
	}
	*out = v;
	*nout = n;
	return 0;
}

/* See engine.h. */
int
engine_apply_table(struct engine *e, const struct alloc_table *t, const uint8_t digest[32],
                   bool force, time_t now, struct engine_report *rep)
{
	struct engine_report dummy;
	struct ent_src src;
	struct holdings h;
	struct table_txn tt;
	struct batch b;
	size_t i;
	int rc;

	if (rep == NULL)
		rep = &dummy;
	memset(rep, 0, sizeof(*rep));
	if (e == NULL || t == NULL)
		return eng_err(ENGINE_ERR_ARG, "engine and table required");
	memset(&tt, 0, sizeof(tt));
	batch_init(&b, e, now);
	pthread_mutex_lock(&e->batch_lock);
	if ((rc = table_check(e, t, now, &tt.ents, &tt.n)) != 0) {
		snprintf(rep->msg, sizeof(rep->msg), "%s", engine_errmsg());
		goto out;
	}
	tt.e = e;
	tt.version = t->version;
	tt.digest = digest;
	tt.now = now;
	src.table = t;
	src.e = e;
	for (i = 0; i < e->nclasses; i++)
		h.iss[i] = &e->classes[i].iss;
	tt.table = t;
	if ((tt.new_ta = calloc(t->nchildren > 0 ? t->nchildren : 1, sizeof(bool))) == NULL) {
		rc = eng_err(ENGINE_ERR_NOMEM, "out of memory");
		goto out;
	}
	b.in_txn = table_in_txn;
	b.in_txn_arg = &tt;
	rc = run_change(e, &src, &h, force, false, now, &b, rep, "table");
	if (rc == 0 || rc == ENGINE_ERR_PUBLISH) {   /* recorded */
		rep->children_added = tt.added;
		rep->children_changed = tt.changed;
		/* A replaced TA: the paths checked against the old one go (keyed on it anyway). */
		for (i = 0; i < t->nchildren; i++)
			if (tt.new_ta[i])
				eng_auth_drop(e, t->children[i].handle);
	}
out:
	pthread_mutex_unlock(&e->batch_lock);
	batch_free(&b);
	table_ents_free(tt.ents, tt.n);
	free(tt.new_ta);
	return rc;
}

/* ---- engine_class_update ---- */

struct class_txn {
	struct engine *e;
	struct eclass *c;
	const struct cert_issuer *iss;
	time_t now;
};

static int
class_in_txn(void *arg)
{
	struct class_txn *ct = arg;
	struct store_class sc;
	int s;

	memset(&sc, 0, sizeof(sc));
	sc.name = ct->c->name;
	sc.cert = ct->iss->cert_der;
	sc.cert_len = ct->iss->cert_len;
	memcpy(sc.key_ski, ct->c->ski, SKI_LEN);
	sc.key_label = ct->c->key_label;
	sc.cert_uris = ct->c->cert_uri;
	sc.repo_uri = ct->c->repo_uri;
	sc.crl_uri = ct->c->crl_uri;
	sc.mft_uri = ct->c->mft_uri;
	sc.notify_uri = ct->c->notify_uri;
	if ((s = store_class_put(ct->e->store, &sc, ct->now)) != 0)
		return eng_store_err(ct->e, s, "recording the class certificate");
	return 0;
}

/* See engine.h. */
int
engine_class_update(struct engine *e, const char *class_name, const unsigned char *cert,
                    size_t cert_len, bool force, time_t now, struct engine_report *rep)
{
	struct engine_report dummy;
	struct cert_issuer niss;
	struct ent_src src;
	struct holdings h;
	struct class_txn ct;
	struct batch b;
	struct eclass *c;
	bool swapped = false;
	size_t i, ci;
	int rc;

	if (rep == NULL)
		rep = &dummy;
	memset(rep, 0, sizeof(*rep));
	if (e == NULL || cert == NULL)
		return eng_err(ENGINE_ERR_ARG, "engine and certificate required");
	if ((c = eng_class(e, class_name)) == NULL)
		return eng_err(ENGINE_ERR_NOT_FOUND, "no class %s", class_name ? class_name : "");
	ci = eng_class_index(e, c);
	cert_issuer_init(&niss);
	batch_init(&b, e, now);
	pthread_mutex_lock(&e->batch_lock);
	if ((rc = cert_issuer_load(&niss, e->signer, c->key, cert, cert_len)) != 0) {
		rc = eng_err(rc == CERT_ERR_KEY_MISMATCH ? ENGINE_ERR_KEY_ROLL : ENGINE_ERR_CONFIG,
		    "class %s: new certificate: %s", c->name, cert_strerror(rc));
		goto out;
	}
	if (!niss.has_resources || niss.res.as.inherit || niss.res.v4.inherit ||
	    niss.res.v6.inherit || niss.sia_ca_repository == NULL ||
	    niss.sia_rpki_manifest == NULL || strcmp(niss.sia_ca_repository, c->repo_uri) != 0 ||
	    strcmp(niss.sia_rpki_manifest, c->mft_uri) != 0) {
		rc = eng_err(ENGINE_ERR_CONFIG, "class %s: the new certificate needs explicit "
		    "resources and the same SIA (%s, %s)", c->name, c->repo_uri, c->mft_uri);
		goto out;
	}
	src.table = NULL;
	src.e = e;
	for (i = 0; i < e->nclasses; i++)
		h.iss[i] = &e->classes[i].iss;
	h.iss[ci] = &niss;
	ct.e = e;
	ct.c = c;
	ct.iss = &niss;
	ct.now = now;
	b.cls[ci].iss = &niss;
	b.cls[ci].touched = true;
	b.cls[ci].resync = true;
	b.in_txn = class_in_txn;
	b.in_txn_arg = &ct;
	rc = run_change(e, &src, &h, force, false, now, &b, rep, "holdings");
	if (rc == 0 || rc == ENGINE_ERR_PUBLISH) {
		/* Committed: the new certificate is ours from now on. */
		pthread_rwlock_wrlock(&e->cls_lock);
		cert_issuer_free(&c->iss);
		c->iss = niss;
		pthread_rwlock_unlock(&e->cls_lock);
		swapped = true;
	}
out:
	pthread_mutex_unlock(&e->batch_lock);
	batch_free(&b);
	if (!swapped)
		cert_issuer_free(&niss);
	return rc;
}

/* ---- engine_reconcile ---- */

/* See engine.h. */
int
engine_reconcile(struct engine *e, bool force, time_t now, struct engine_report *rep)
{
	struct engine_report dummy;
	struct ent_src src;
	struct holdings h;
	struct batch b;
	size_t i;
	int rc;

	if (rep == NULL)
		rep = &dummy;
	memset(rep, 0, sizeof(*rep));
	if (e == NULL)
		return eng_err(ENGINE_ERR_ARG, "engine required");
	if ((rc = eng_bpki_refresh(e, now, false)) != 0)
		return rc;
	batch_init(&b, e, now);
	pthread_mutex_lock(&e->batch_lock);
	src.table = NULL;
	src.e = e;
	for (i = 0; i < e->nclasses; i++)
		h.iss[i] = &e->classes[i].iss;
	rc = run_change(e, &src, &h, force, true, now, &b, rep, "reconcile");
	pthread_mutex_unlock(&e->batch_lock);
	batch_free(&b);
	eng_bpki_notice(e, rep->msg, sizeof(rep->msg));   /* a renewed BPKI EE, say */
	return rc;
}
