/*
 * proto/alloc: the allocation table model, lookups, equality, message
 * lists and the range accumulator. The text parser is alloc_parse.c, the
 * printer alloc_print.c, validation alloc_check.c, the diff alloc_diff.c,
 * the RIR statistics import alloc_rir.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/alloc.h"

/* ---- table ---- */

/* Make t an empty table (version 0, no classes, no children). */
void
alloc_table_init(struct alloc_table *t)
{
	memset(t, 0, sizeof(*t));
}

/* Free everything t owns and leave it initialised. Accepts NULL. */
void
alloc_table_free(struct alloc_table *t)
{
	size_t i, j;

	if (t == NULL)
		return;
	for (i = 0; i < t->nclasses; i++)
		free(t->classes[i].name);
	free(t->classes);
	for (i = 0; i < t->nchildren; i++) {
		struct alloc_child *c = &t->children[i];

		for (j = 0; j < c->nents; j++)
			res_bundle_free(&c->ents[j].res);
		free(c->ents);
		free(c->handle);
		free(c->ta);
	}
	free(t->children);
	free(t->source);
	alloc_table_init(t);
}

static int
class_key_cmp(const void *key, const void *elem)
{
	return strcmp((const char *)key, ((const struct alloc_class *)elem)->name);
}

static int
child_key_cmp(const void *key, const void *elem)
{
	return strcmp((const char *)key, ((const struct alloc_child *)elem)->handle);
}

static int
ent_key_cmp(const void *key, const void *elem)
{
	size_t k = *(const size_t *)key, c = ((const struct alloc_ent *)elem)->cls;

	return k < c ? -1 : k > c;
}

/* The class called name, or NULL. Binary search: O(log n). */
const struct alloc_class *
alloc_find_class(const struct alloc_table *t, const char *name)
{
	if (t == NULL || name == NULL || t->nclasses == 0)
		return NULL;
	return bsearch(name, t->classes, t->nclasses, sizeof(*t->classes), class_key_cmp);
}

/* The child with this handle, or NULL. Binary search: O(log n). */
const struct alloc_child *
alloc_find_child(const struct alloc_table *t, const char *handle)
{
	if (t == NULL || handle == NULL || t->nchildren == 0)
		return NULL;
	return bsearch(handle, t->children, t->nchildren, sizeof(*t->children),
	    child_key_cmp);
}

/* The child's entitlement in class index cls, or NULL. */
const struct alloc_ent *
alloc_child_ent(const struct alloc_child *c, size_t cls)
{
	if (c == NULL || c->nents == 0)
		return NULL;
	return bsearch(&cls, c->ents, c->nents, sizeof(*c->ents), ent_key_cmp);
}

/* The entitlement of child handle in class class_name, or NULL. */
const struct alloc_ent *
alloc_entitlement(const struct alloc_table *t, const char *handle, const char *class_name)
{
	const struct alloc_class *cl = alloc_find_class(t, class_name);

	if (cl == NULL)
		return NULL;
	return alloc_child_ent(alloc_find_child(t, handle), (size_t)(cl - t->classes));
}

static bool
bundle_equal(const struct res_bundle *a, const struct res_bundle *b)
{
	return res_set_equal(&a->as, &b->as) && res_set_equal(&a->v4, &b->v4) &&
	    res_set_equal(&a->v6, &b->v6);
}

/*
 * True when a and b hold the same version, class names, child handles and
 * entitlements, BPKI TAs. Line numbers and the source name are not compared.
 */
bool
alloc_table_equal(const struct alloc_table *a, const struct alloc_table *b)
{
	size_t i, j;

	if (a->version != b->version || a->nclasses != b->nclasses ||
	    a->nchildren != b->nchildren)
		return false;
	for (i = 0; i < a->nclasses; i++)
		if (strcmp(a->classes[i].name, b->classes[i].name) != 0)
			return false;
	for (i = 0; i < a->nchildren; i++) {
		const struct alloc_child *x = &a->children[i], *y = &b->children[i];

		if (strcmp(x->handle, y->handle) != 0 || x->nents != y->nents ||
		    x->ta_len != y->ta_len ||
		    (x->ta_len > 0 && memcmp(x->ta, y->ta, x->ta_len) != 0))
			return false;
		for (j = 0; j < x->nents; j++) {
			const struct alloc_ent *p = &x->ents[j], *q = &y->ents[j];

			/* same class index means same class: the class lists are equal */
			if (p->cls != q->cls || p->notafter != q->notafter ||
			    !bundle_equal(&p->res, &q->res))
				return false;
		}
	}
	return true;
}

/* ---- messages ---- */

/* Make e an empty list. */
void
alloc_errs_init(struct alloc_errs *e)
{
	memset(e, 0, sizeof(*e));
}

/* Free the messages and leave e initialised. Accepts NULL. */
void
alloc_errs_free(struct alloc_errs *e)
{
	if (e == NULL)
		return;
	free(e->msgs);
	alloc_errs_init(e);
}

/*
 * Append "source:line: <fmt>" to e. Beyond ALLOC_MAX_MESSAGES the message is
 * only counted (nerrors/nwarnings and dropped). Returns 0 or ALLOC_ERR_NOMEM.
 */
int
alloc_errs_add(struct alloc_errs *e, enum alloc_severity sev, int code,
    const char *source, unsigned long line, const char *fmt, ...)
{
	struct alloc_msg *m;
	va_list ap;
	int n;

	if (sev == ALLOC_SEV_ERROR)
		e->nerrors++;
	else
		e->nwarnings++;
	if (e->count >= ALLOC_MAX_MESSAGES) {
		e->dropped++;
		return 0;
	}
	if (e->count == e->alloc) {
		size_t want = e->alloc == 0 ? 16 : e->alloc * 2;

		if (want > ALLOC_MAX_MESSAGES)
			want = ALLOC_MAX_MESSAGES;
		if ((m = realloc(e->msgs, want * sizeof(*m))) == NULL)
			return ALLOC_ERR_NOMEM;
		e->msgs = m;
		e->alloc = want;
	}
	m = &e->msgs[e->count++];
	m->code = code;
	m->severity = sev;
	m->line = line;
	if (source == NULL)
		source = "<input>";
	if (line > 0)
		n = snprintf(m->text, sizeof(m->text), "%s:%lu: ", source, line);
	else
		n = snprintf(m->text, sizeof(m->text), "%s: ", source);
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof(m->text)) {
		va_start(ap, fmt);
		vsnprintf(m->text + n, sizeof(m->text) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return 0;
}

/* ---- range accumulator ---- */

/* Make a an empty accumulator for family. */
void
alloc_acc_init(struct alloc_acc *a, enum res_family family)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
}

/* Free a's ranges. Accepts NULL. */
void
alloc_acc_free(struct alloc_acc *a)
{
	if (a == NULL)
		return;
	free(a->v);
	a->v = NULL;
	a->n = a->alloc = 0;
}

static int
acc_reserve(struct alloc_acc *a, size_t extra)
{
	struct res_range *v;
	size_t want;

	if (extra > SIZE_MAX - a->n)
		return ALLOC_ERR_NOMEM;
	if (a->n + extra <= a->alloc)
		return 0;
	/* exact at first (most grants hold one or two ranges), then doubling */
	want = a->alloc == 0 ? extra : a->alloc;
	while (want < a->n + extra) {
		if (want > SIZE_MAX / 2 / sizeof(*v))
			return ALLOC_ERR_NOMEM;
		want *= 2;
	}
	if ((v = realloc(a->v, want * sizeof(*v))) == NULL)
		return ALLOC_ERR_NOMEM;
	a->v = v;
	a->alloc = want;
	return 0;
}

/* Append [min, max] (checked: min <= max, within the family). */
int
alloc_acc_add(struct alloc_acc *a, const struct res_num *min, const struct res_num *max)
{
	unsigned bits = res_family_bits(a->family);
	int rc;

	if (bits == 0 || res_num_cmp(min, max) > 0 ||
	    (bits == 32 && (max->hi != 0 || max->lo > 0xffffffffu)))
		return ALLOC_ERR_ARG;
	if ((rc = acc_reserve(a, 1)) != 0)
		return rc;
	a->v[a->n].min = *min;
	a->v[a->n].max = *max;
	a->n++;
	return 0;
}

/* Append every range of s (same family, not inherit). */
int
alloc_acc_add_set(struct alloc_acc *a, const struct res_set *s)
{
	int rc;

	if (s->family != a->family || s->inherit)
		return ALLOC_ERR_ARG;
	if (s->count == 0)
		return 0;
	if ((rc = acc_reserve(a, s->count)) != 0)
		return rc;
	memcpy(&a->v[a->n], s->ranges, s->count * sizeof(*s->ranges));
	a->n += s->count;
	return 0;
}

/* Append src's ranges to dst and empty src. */
int
alloc_acc_merge(struct alloc_acc *dst, struct alloc_acc *src)
{
	int rc;

	if (dst->family != src->family)
		return ALLOC_ERR_ARG;
	if (dst->n == 0) {
		/* cheap move */
		free(dst->v);
		*dst = *src;
		src->v = NULL;
		src->n = src->alloc = 0;
		return 0;
	}
	if ((rc = acc_reserve(dst, src->n)) != 0)
		return rc;
	if (src->n > 0)
		memcpy(&dst->v[dst->n], src->v, src->n * sizeof(*src->v));
	dst->n += src->n;
	alloc_acc_free(src);
	return 0;
}

static int
range_cmp(const void *x, const void *y)
{
	const struct res_range *a = x, *b = y;
	int c = res_num_cmp(&a->min, &b->min);

	return c != 0 ? c : res_num_cmp(&a->max, &b->max);
}

/* a + 1 == b (b > a is known), without overflow. */
static bool
num_follows(const struct res_num *a, const struct res_num *b)
{
	struct res_num s = *a;

	if (++s.lo == 0)
		s.hi++;
	return s.hi == b->hi && s.lo == b->lo;
}

/*
 * Sort a's ranges and merge overlapping or adjacent ones into out, which
 * then satisfies struct res_set's invariant. a is left empty.
 */
int
alloc_acc_finish(struct alloc_acc *a, struct res_set *out)
{
	size_t i, k = 0;

	res_set_init(out, a->family);
	if (a->n == 0) {
		alloc_acc_free(a);
		return 0;
	}
	qsort(a->v, a->n, sizeof(*a->v), range_cmp);
	for (i = 1; i < a->n; i++) {
		struct res_range *cur = &a->v[k], *r = &a->v[i];

		if (res_num_cmp(&r->min, &cur->max) <= 0 || num_follows(&cur->max, &r->min)) {
			if (res_num_cmp(&r->max, &cur->max) > 0)
				cur->max = r->max;
		} else {
			a->v[++k] = *r;
		}
	}
	/* hand the array over; res_set_free() frees it with free() */
	out->ranges = a->v;
	out->count = k + 1;
	out->alloc = a->alloc;
	a->v = NULL;
	a->n = a->alloc = 0;
	return 0;
}

/* ---- error text ---- */

/* Static English text for an ALLOC_ERR_* code. */
const char *
alloc_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case ALLOC_ERR_ARG: return "invalid argument";
	case ALLOC_ERR_NOMEM: return "out of memory";
	case ALLOC_ERR_LIMIT: return "input exceeds a size or count limit";
	case ALLOC_ERR_ENCODING: return "NUL, control character or invalid UTF-8";
	case ALLOC_ERR_SYNTAX: return "malformed statement";
	case ALLOC_ERR_VERSION: return "version statement missing, repeated or invalid";
	case ALLOC_ERR_NAME: return "invalid class name or child handle";
	case ALLOC_ERR_DUPLICATE: return "class or child declared twice";
	case ALLOC_ERR_UNKNOWN: return "grant to an undeclared child or class";
	case ALLOC_ERR_RESOURCE: return "invalid resource set text";
	case ALLOC_ERR_NOTAFTER: return "notafter missing, malformed or disagreeing";
	case ALLOC_ERR_EMPTY: return "entitlement without resources";
	case ALLOC_ERR_OVERLAP: return "resource granted to two children in one class";
	case ALLOC_ERR_HOLDINGS: return "resource outside the CA's holdings";
	case ALLOC_ERR_CLASS: return "not a resource class of this CA";
	case ALLOC_ERR_EXPIRED: return "notafter is in the past";
	case ALLOC_ERR_INVALID: return "allocation table has errors";
	case ALLOC_ERR_RIR: return "malformed RIR delegation statistics";
	case ALLOC_ERR_MAP: return "malformed opaque-id to handle map";
	case ALLOC_ERR_UNMAPPED: return "RIR record with an unmapped opaque-id";
	case ALLOC_ERR_STALE: return "allocation table version does not increase";
	case ALLOC_ERR_TA: return "child BPKI TA is not a CA certificate valid now (UD-152)";
	default: return "unknown error";
	}
}
