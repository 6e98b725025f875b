/*
 * proto/alloc: cross-checks of a parsed table (alloc_validate), the UD-57
 * entitlement ∩ holdings computation and the bundle version rule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/alloc.h"
#include "proto/oob.h"
#include "proto/updown.h"

static const char *const fam_key[3] = { "as", "ipv4", "ipv6" };

static const struct res_set *
fam_set(const struct res_bundle *b, int f)
{
	return f == 0 ? &b->as : f == 1 ? &b->v4 : &b->v6;
}

/* Canonical text of s for a message, cut to fit size. */
static int
set_text(const struct res_set *s, char *buf, size_t size)
{
	char *txt = NULL;
	size_t n;

	if (res_set_print(s, &txt) != 0)
		return ALLOC_ERR_NOMEM;
	n = strlen(txt);
	if (n < size) {
		memcpy(buf, txt, n + 1);
	} else {
		snprintf(buf, size, "%.*s... (%zu items)", (int)(size - 24), txt, s->count);
	}
	free(txt);
	return 0;
}

/* " (line N)", or "" for a table that did not come from text. */
static void
line_ref(char *buf, size_t size, unsigned long line)
{
	if (line == 0 || snprintf(buf, size, " (line %lu)", line) < 0)
		buf[0] = '\0';
}

struct ov_item {
	size_t cls;
	size_t child;
	struct res_range r;
};

struct ov_hit {
	size_t cls;
	size_t a, b;   /* child indexes, a < b */
	struct res_range r;
};

static int
item_cmp(const void *x, const void *y)
{
	const struct ov_item *a = x, *b = y;

	if (a->cls != b->cls)
		return a->cls < b->cls ? -1 : 1;
	return res_num_cmp(&a->r.min, &b->r.min);
}

static int
hit_cmp(const void *x, const void *y)
{
	const struct ov_hit *a = x, *b = y;

	if (a->cls != b->cls)
		return a->cls < b->cls ? -1 : 1;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	if (a->b != b->b)
		return a->b < b->b ? -1 : 1;
	return res_num_cmp(&a->r.min, &b->r.min);
}

/*
 * UD-100: within one class, no resource may belong to two children. Sort
 * every range of the family by (class, start) and sweep, remembering the
 * furthest end seen and its owner; each range that starts before that end
 * and belongs to someone else overlaps. The hits are grouped per (class,
 * pair of children) so that each pair gets one message with both lines.
 */
static int
check_overlap(const struct alloc_table *t, int f, struct alloc_errs *errs)
{
	struct ov_item *it = NULL;
	struct ov_hit *hit = NULL;
	size_t n = 0, nh = 0, ah = 0, i, j, k;
	int rc = ALLOC_ERR_NOMEM;

	for (i = 0; i < t->nchildren; i++)
		for (j = 0; j < t->children[i].nents; j++)
			n += fam_set(&t->children[i].ents[j].res, f)->count;
	if (n < 2)
		return 0;
	if ((it = malloc(n * sizeof(*it))) == NULL)
		goto out;
	n = 0;
	for (i = 0; i < t->nchildren; i++)
		for (j = 0; j < t->children[i].nents; j++) {
			const struct alloc_ent *e = &t->children[i].ents[j];
			const struct res_set *s = fam_set(&e->res, f);

			for (k = 0; k < s->count; k++) {
				it[n].cls = e->cls;
				it[n].child = i;
				it[n].r = s->ranges[k];
				n++;
			}
		}
	qsort(it, n, sizeof(*it), item_cmp);
	for (i = 0, j = 0; i < n; i++) {
		/* j = the item with the furthest end so far in this class */
		if (i > 0 && it[i].cls == it[j].cls) {
			if (res_num_cmp(&it[i].r.min, &it[j].r.max) <= 0 &&
			    it[i].child != it[j].child) {
				struct ov_hit *h;

				if (nh == ah) {
					size_t want = ah == 0 ? 16 : ah * 2;

					if ((h = realloc(hit, want * sizeof(*h))) == NULL)
						goto out;
					hit = h;
					ah = want;
				}
				h = &hit[nh++];
				h->cls = it[i].cls;
				h->a = it[i].child < it[j].child ? it[i].child : it[j].child;
				h->b = it[i].child < it[j].child ? it[j].child : it[i].child;
				h->r.min = it[i].r.min;
				h->r.max = res_num_cmp(&it[i].r.max, &it[j].r.max) < 0 ?
				    it[i].r.max : it[j].r.max;
			}
			if (res_num_cmp(&it[i].r.max, &it[j].r.max) > 0)
				j = i;
		} else {
			j = i;
		}
	}
	if (nh > 0)
		qsort(hit, nh, sizeof(*hit), hit_cmp);
	for (i = 0; i < nh; i = k) {
		const struct alloc_child *ca = &t->children[hit[i].a], *cb = &t->children[hit[i].b];
		const struct alloc_ent *ea = alloc_child_ent(ca, hit[i].cls);
		const struct alloc_ent *eb = alloc_child_ent(cb, hit[i].cls);
		unsigned long la = ea != NULL ? ea->line : 0, lb = eb != NULL ? eb->line : 0;
		struct alloc_acc acc;
		struct res_set s;
		char txt[256], ra[32], rb[32];

		alloc_acc_init(&acc, (enum res_family)f);
		for (k = i; k < nh && hit[k].cls == hit[i].cls && hit[k].a == hit[i].a &&
		    hit[k].b == hit[i].b; k++)
			if (alloc_acc_add(&acc, &hit[k].r.min, &hit[k].r.max) != 0) {
				alloc_acc_free(&acc);
				goto out;
			}
		if (alloc_acc_finish(&acc, &s) != 0)
			goto out;
		if (set_text(&s, txt, sizeof(txt)) != 0) {
			res_set_free(&s);
			goto out;
		}
		res_set_free(&s);
		line_ref(ra, sizeof(ra), la);
		line_ref(rb, sizeof(rb), lb);
		if (alloc_errs_add(errs, ALLOC_SEV_ERROR, ALLOC_ERR_OVERLAP, t->source,
		    la > lb ? la : lb, "class %s: %s %s granted to both %s%s and %s%s (UD-100)",
		    t->classes[hit[i].cls].name, fam_key[f], txt, ca->handle, ra, cb->handle,
		    rb) != 0)
			goto out;
	}
	rc = 0;
out:
	free(it);
	free(hit);
	return rc;
}

/*
 * Cross-check t (see alloc.h for the list). Appends errors and warnings to
 * errs. Returns 0 when no error was found, ALLOC_ERR_INVALID when one was,
 * ALLOC_ERR_NOMEM or ALLOC_ERR_ARG (NULL argument, inherit holdings).
 */
int
alloc_validate(const struct alloc_table *t, const struct alloc_holding *holdings,
    size_t nholdings, time_t now, struct alloc_errs *errs)
{
	const struct res_bundle **hold = NULL;
	const char *src;
	size_t before, i, j;
	char tb[UD_TIME_SIZE];
	int f, rc = ALLOC_ERR_ARG;

	if (t == NULL || errs == NULL || (nholdings > 0 && holdings == NULL))
		return rc;
	src = t->source != NULL ? t->source : "<input>";
	before = errs->nerrors;
	for (i = 0; i < nholdings; i++) {
		if (holdings[i].class_name == NULL || holdings[i].res == NULL ||
		    holdings[i].res->as.inherit || holdings[i].res->v4.inherit ||
		    holdings[i].res->v6.inherit)
			return ALLOC_ERR_ARG;
	}
	rc = ALLOC_ERR_NOMEM;
	if (nholdings > 0 && t->nclasses > 0) {
		if ((hold = calloc(t->nclasses, sizeof(*hold))) == NULL)
			goto out;
		for (i = 0; i < t->nclasses; i++) {
			for (j = 0; j < nholdings; j++)
				if (strcmp(holdings[j].class_name, t->classes[i].name) == 0) {
					hold[i] = holdings[j].res;
					break;
				}
			if (hold[i] == NULL && alloc_errs_add(errs, ALLOC_SEV_ERROR,
			    ALLOC_ERR_CLASS, src, t->classes[i].line,
			    "class %s is not a resource class of this CA", t->classes[i].name) != 0)
				goto out;
		}
	}
	for (i = 0; i < t->nchildren; i++) {
		const struct alloc_child *c = &t->children[i];

		if (c->nents == 0 && alloc_errs_add(errs, ALLOC_SEV_WARNING, ALLOC_ERR_EMPTY,
		    src, c->line, "child %s has no grant", c->handle) != 0)
			goto out;
		if (now != 0 && c->ta_len > 0) {
			int r = oob_check_bpki_ta(c->ta, c->ta_len, now, NULL);

			if (r != 0 && alloc_errs_add(errs, ALLOC_SEV_ERROR, ALLOC_ERR_TA, src,
			    c->line, "child %s: BPKI TA refused: %s (RFC 8183, UD-152)",
			    c->handle, oob_strerror(r)) != 0)
				goto out;
		}
		for (j = 0; j < c->nents; j++) {
			const struct alloc_ent *e = &c->ents[j];
			const char *cn = e->cls < t->nclasses ? t->classes[e->cls].name : "?";

			if (res_bundle_is_empty(&e->res) && alloc_errs_add(errs, ALLOC_SEV_ERROR,
			    ALLOC_ERR_EMPTY, src, e->line,
			    "%s/%s: no resources (a certificate must not be empty, "
			    "RFC 6487 section 2; UD-105)", c->handle, cn) != 0)
				goto out;
			if (now != 0) {
				if (ud_time_format(e->notafter, tb) != 0)
					snprintf(tb, sizeof(tb), "?");
				if (e->notafter <= now) {
					if (alloc_errs_add(errs, ALLOC_SEV_ERROR, ALLOC_ERR_EXPIRED,
					    src, e->line, "%s/%s: notafter %s is not in the future "
					    "(never advertise a past time, UD-56)", c->handle, cn,
					    tb) != 0)
						goto out;
				} else if (e->notafter - now < ALLOC_NOTAFTER_WARN) {
					if (alloc_errs_add(errs, ALLOC_SEV_WARNING, ALLOC_ERR_EXPIRED,
					    src, e->line, "%s/%s: notafter %s is less than 30 days "
					    "away", c->handle, cn, tb) != 0)
						goto out;
				}
			}
			if (hold == NULL || e->cls >= t->nclasses || hold[e->cls] == NULL)
				continue;
			for (f = 0; f < 3; f++) {
				struct res_set out;
				char txt[256];

				res_set_init(&out, (enum res_family)f);
				if (res_set_diff(&out, fam_set(&e->res, f),
				    fam_set(hold[e->cls], f)) != 0) {
					res_set_free(&out);
					goto out;
				}
				if (!res_set_is_empty(&out)) {
					int r2 = set_text(&out, txt, sizeof(txt));

					if (r2 == 0)
						r2 = alloc_errs_add(errs, ALLOC_SEV_ERROR,
						    ALLOC_ERR_HOLDINGS, src, e->line,
						    "%s/%s: %s %s outside the CA's holdings in "
						    "class %s (UD-100, RFC 6487 section 7.2)",
						    c->handle, cn, fam_key[f], txt, cn);
					if (r2 != 0) {
						res_set_free(&out);
						goto out;
					}
				}
				res_set_free(&out);
			}
		}
	}
	for (f = 0; f < 3; f++)
		if (check_overlap(t, f, errs) != 0)
			goto out;
	rc = errs->nerrors > before ? ALLOC_ERR_INVALID : 0;
out:
	free(hold);
	return rc;
}

/*
 * UD-57: out = the entitlement ∩ the CA's holdings in its class, family by
 * family. out is initialised by the call; caller frees with res_bundle_free.
 */
int
alloc_effective(const struct alloc_ent *ent, const struct res_bundle *holding,
    struct res_bundle *out)
{
	int rc = ALLOC_ERR_ARG, f;

	if (out == NULL)
		return rc;
	res_bundle_init(out);
	if (ent == NULL || holding == NULL)
		return rc;
	for (f = 0; f < 3; f++) {
		struct res_set *o = f == 0 ? &out->as : f == 1 ? &out->v4 : &out->v6;
		int r = res_set_intersect(o, fam_set(&ent->res, f), fam_set(holding, f));

		if (r != 0) {
			res_bundle_free(out);
			res_bundle_init(out);
			return r == RES_ERR_NOMEM ? ALLOC_ERR_NOMEM : ALLOC_ERR_ARG;
		}
	}
	return 0;
}

/* A new bundle's table must carry a larger version than the current one. */
int
alloc_version_check(const struct alloc_table *prev, const struct alloc_table *next)
{
	if (prev == NULL || next == NULL)
		return ALLOC_ERR_ARG;
	return next->version > prev->version ? 0 : ALLOC_ERR_STALE;
}
