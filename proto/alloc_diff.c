/*
 * proto/alloc: what changed between two tables, per (child, class), and
 * the share of entitlements that shrink or vanish (the UD-104 brake).
 * Children and classes are matched by name, so the two tables may have
 * different class indexes. Both tables are sorted, so every step is a merge.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/alloc.h"

/* Make d an empty diff. */
void
alloc_diff_init(struct alloc_diff *d)
{
	memset(d, 0, sizeof(*d));
}

static void
free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Free everything d owns and leave it initialised. Accepts NULL. */
void
alloc_diff_free(struct alloc_diff *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nchanges; i++) {
		free(d->changes[i].handle);
		free(d->changes[i].class_name);
		res_bundle_free(&d->changes[i].plus);
		res_bundle_free(&d->changes[i].minus);
	}
	free(d->changes);
	free_names(d->children_added, d->nchildren_added);
	free_names(d->children_removed, d->nchildren_removed);
	free_names(d->classes_added, d->nclasses_added);
	free_names(d->classes_removed, d->nclasses_removed);
	alloc_diff_init(d);
}

static int
push_name(char ***v, size_t *n, const char *s)
{
	char **nv, *c;

	if ((c = strdup(s)) == NULL)
		return ALLOC_ERR_NOMEM;
	if ((nv = realloc(*v, (*n + 1) * sizeof(*nv))) == NULL) {
		free(c);
		return ALLOC_ERR_NOMEM;
	}
	nv[(*n)++] = c;
	*v = nv;
	return 0;
}

struct dctx {
	struct alloc_diff *d;
	size_t alloc;
};

/* A new change record for handle/class_name with empty sets; NULL on OOM. */
static struct alloc_change *
push_change(struct dctx *x, const char *handle, const char *class_name)
{
	struct alloc_diff *d = x->d;
	struct alloc_change *c;

	if (d->nchanges == x->alloc) {
		size_t want = x->alloc == 0 ? 16 : x->alloc * 2;

		if ((c = realloc(d->changes, want * sizeof(*c))) == NULL)
			return NULL;
		d->changes = c;
		x->alloc = want;
	}
	c = &d->changes[d->nchanges];
	memset(c, 0, sizeof(*c));
	res_bundle_init(&c->plus);
	res_bundle_init(&c->minus);
	if ((c->handle = strdup(handle)) == NULL ||
	    (c->class_name = strdup(class_name)) == NULL) {
		free(c->handle);
		return NULL;
	}
	d->nchanges++;
	return c;
}

static void
drop_last(struct alloc_diff *d)
{
	struct alloc_change *c = &d->changes[--d->nchanges];

	free(c->handle);
	free(c->class_name);
	res_bundle_free(&c->plus);
	res_bundle_free(&c->minus);
}

static struct res_set *
fam(struct res_bundle *b, int f)
{
	return f == 0 ? &b->as : f == 1 ? &b->v4 : &b->v6;
}

static const struct res_set *
cfam(const struct res_bundle *b, int f)
{
	return f == 0 ? &b->as : f == 1 ? &b->v4 : &b->v6;
}

static int
copy_bundle(struct res_bundle *dst, const struct res_bundle *src)
{
	for (int f = 0; f < 3; f++)
		if (res_set_copy(fam(dst, f), cfam(src, f)) != 0)
			return ALLOC_ERR_NOMEM;
	return 0;
}

/* An entitlement only in one table: ADDED (in new) or REMOVED (in old). */
static int
one_side(struct dctx *x, const char *handle, const char *cls, const struct alloc_ent *e,
    bool added)
{
	struct alloc_change *c = push_change(x, handle, cls);

	if (c == NULL)
		return ALLOC_ERR_NOMEM;
	c->kind = added ? ALLOC_CH_ADDED : ALLOC_CH_REMOVED;
	c->notafter_changed = true;
	if (added)
		c->new_notafter = e->notafter;
	else
		c->old_notafter = e->notafter;
	return copy_bundle(added ? &c->plus : &c->minus, &e->res);
}

/* An entitlement in both tables: record it if anything moved. */
static int
both_sides(struct dctx *x, const char *handle, const char *cls, const struct alloc_ent *o,
    const struct alloc_ent *n)
{
	struct alloc_change *c = push_change(x, handle, cls);
	bool grew, shrank;
	int f;

	if (c == NULL)
		return ALLOC_ERR_NOMEM;
	for (f = 0; f < 3; f++)
		if (res_set_diff(fam(&c->plus, f), cfam(&n->res, f), cfam(&o->res, f)) != 0 ||
		    res_set_diff(fam(&c->minus, f), cfam(&o->res, f), cfam(&n->res, f)) != 0)
			return ALLOC_ERR_NOMEM;
	grew = !res_bundle_is_empty(&c->plus);
	shrank = !res_bundle_is_empty(&c->minus);
	c->old_notafter = o->notafter;
	c->new_notafter = n->notafter;
	c->notafter_changed = o->notafter != n->notafter;
	if (grew && shrank)
		c->kind = ALLOC_CH_CHANGED;
	else if (grew)
		c->kind = ALLOC_CH_GROWN;
	else if (shrank)
		c->kind = ALLOC_CH_SHRUNK;
	else if (c->notafter_changed)
		c->kind = ALLOC_CH_NOTAFTER;
	else
		drop_last(x->d);
	return 0;
}

static int
child_changes(struct dctx *x, const struct alloc_table *ot, const struct alloc_child *oc,
    const struct alloc_table *nt, const struct alloc_child *nc)
{
	size_t i = 0, j = 0, no = oc != NULL ? oc->nents : 0, nn = nc != NULL ? nc->nents : 0;
	const char *h = oc != NULL ? oc->handle : nc->handle;
	int rc = 0;

	while (rc == 0 && (i < no || j < nn)) {
		const struct alloc_ent *eo = i < no ? &oc->ents[i] : NULL;
		const struct alloc_ent *en = j < nn ? &nc->ents[j] : NULL;
		const char *co = eo != NULL ? ot->classes[eo->cls].name : NULL;
		const char *cn = en != NULL ? nt->classes[en->cls].name : NULL;
		int cmp = eo == NULL ? 1 : en == NULL ? -1 : strcmp(co, cn);

		if (cmp < 0) {
			rc = one_side(x, h, co, eo, false);
			i++;
		} else if (cmp > 0) {
			rc = one_side(x, h, cn, en, true);
			j++;
		} else {
			rc = both_sides(x, h, co, eo, en);
			i++;
			j++;
		}
	}
	return rc;
}

static bool
table_sane(const struct alloc_table *t)
{
	for (size_t i = 0; i < t->nchildren; i++)
		for (size_t j = 0; j < t->children[i].nents; j++)
			if (t->children[i].ents[j].cls >= t->nclasses)
				return false;
	return true;
}

/*
 * Fill d with the changes from old to new_ (d is initialised by the call;
 * caller frees with alloc_diff_free). Returns 0, ALLOC_ERR_ARG or
 * ALLOC_ERR_NOMEM (then d is empty).
 */
int
alloc_diff(const struct alloc_table *old, const struct alloc_table *new_,
    struct alloc_diff *d)
{
	struct dctx x;
	size_t i, j;
	int rc = ALLOC_ERR_ARG;

	if (d == NULL)
		return rc;
	alloc_diff_init(d);
	if (old == NULL || new_ == NULL || !table_sane(old) || !table_sane(new_))
		return rc;
	x.d = d;
	x.alloc = 0;
	d->old_version = old->version;
	d->new_version = new_->version;
	for (i = 0; i < old->nchildren; i++)
		d->old_ents += old->children[i].nents;
	for (i = 0; i < new_->nchildren; i++)
		d->new_ents += new_->children[i].nents;

	rc = 0;
	for (i = 0, j = 0; rc == 0 && (i < old->nclasses || j < new_->nclasses);) {
		int cmp = i == old->nclasses ? 1 : j == new_->nclasses ? -1 :
		    strcmp(old->classes[i].name, new_->classes[j].name);

		if (cmp < 0)
			rc = push_name(&d->classes_removed, &d->nclasses_removed,
			    old->classes[i++].name);
		else if (cmp > 0)
			rc = push_name(&d->classes_added, &d->nclasses_added,
			    new_->classes[j++].name);
		else
			i++, j++;
	}
	for (i = 0, j = 0; rc == 0 && (i < old->nchildren || j < new_->nchildren);) {
		const struct alloc_child *oc = i < old->nchildren ? &old->children[i] : NULL;
		const struct alloc_child *nc = j < new_->nchildren ? &new_->children[j] : NULL;
		int cmp = oc == NULL ? 1 : nc == NULL ? -1 : strcmp(oc->handle, nc->handle);

		if (cmp < 0) {
			rc = push_name(&d->children_removed, &d->nchildren_removed, oc->handle);
			if (rc == 0)
				rc = child_changes(&x, old, oc, new_, NULL);
			i++;
		} else if (cmp > 0) {
			rc = push_name(&d->children_added, &d->nchildren_added, nc->handle);
			if (rc == 0)
				rc = child_changes(&x, old, NULL, new_, nc);
			j++;
		} else {
			rc = child_changes(&x, old, oc, new_, nc);
			i++;
			j++;
		}
	}
	if (rc != 0)
		alloc_diff_free(d);
	return rc;
}

/*
 * UD-104: how many of the old table's (child, class) entitlements shrink
 * (SHRUNK, CHANGED) or vanish (REMOVED), and that count's share of all of
 * them. The caller compares it with its thresholds (rpki-core: 200 entries
 * or 0.5%) and refuses the table unless forced.
 */
void
alloc_diff_share(const struct alloc_diff *d, struct alloc_share *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	if (d == NULL)
		return;
	for (i = 0; i < d->nchanges; i++) {
		enum alloc_change_kind k = d->changes[i].kind;

		if (k == ALLOC_CH_REMOVED || k == ALLOC_CH_SHRUNK || k == ALLOC_CH_CHANGED)
			s->shrinking++;
	}
	s->total = d->old_ents;
	s->fraction = s->total > 0 ? (double)s->shrinking / (double)s->total : 0.0;
}
