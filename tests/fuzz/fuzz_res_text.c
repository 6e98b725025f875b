/*
 * Fuzz the RFC 6492 resource set text codec (UD-58). For each family:
 * parse; on success print, re-parse and check that the sets are equal and
 * print(parse(print(x))) == print(x); on failure check the error is a
 * RES_ERR_* code and the output set is empty. If the input holds a '|',
 * the two halves are parsed as sets of the same family and the set
 * algebra identities are checked. abort() on any mismatch.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/res.h"

static const enum res_family families[] = { RES_AS, RES_IPV4, RES_IPV6 };

static void
check_error(int rc, const struct res_set *s)
{
	if (rc > RES_ERR_SYNTAX || rc < RES_ERR_INHERIT)
		abort();
	if (s->count != 0 || s->inherit || s->ranges != NULL)
		abort();
}

/* print(x), parse it back, compare sets and texts. */
static void
roundtrip(const struct res_set *s)
{
	struct res_set s2;
	char *t1 = NULL, *t2 = NULL;

	if (res_set_print(s, &t1) != 0)
		abort();
	if (res_set_parse(&s2, s->family, t1, strlen(t1)) != 0)
		abort();
	if (!res_set_equal(s, &s2))
		abort();
	if (res_set_print(&s2, &t2) != 0 || strcmp(t1, t2) != 0)
		abort();
	free(t1);
	free(t2);
	res_set_free(&s2);
}

/* (a \ b) ∪ (a ∩ b) == a, a ∩ b ⊆ a, b ⊆ a ∪ b, and subset agrees. */
static void
algebra(const struct res_set *a, const struct res_set *b)
{
	struct res_set i, d, u, x;

	res_set_init(&i, a->family);
	res_set_init(&d, a->family);
	res_set_init(&u, a->family);
	res_set_init(&x, a->family);
	if (res_set_intersect(&i, a, b) != 0 || res_set_diff(&d, a, b) != 0 ||
	    res_set_union(&u, a, b) != 0 || res_set_union(&x, &d, &i) != 0)
		abort();
	if (!res_set_equal(&x, a) || !res_set_subset(&i, a) ||
	    !res_set_subset(b, &u) || !res_set_subset(a, &u))
		abort();
	/* a ⊆ b exactly when a \ b is empty */
	if (res_set_subset(a, b) != res_set_is_empty(&d))
		abort();
	roundtrip(&i);
	roundtrip(&d);
	roundtrip(&u);
	res_set_free(&i);
	res_set_free(&d);
	res_set_free(&u);
	res_set_free(&x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *bar = memchr(text, '|', size);
	size_t f;

	for (f = 0; f < 3; f++) {
		struct res_set s;
		int rc = res_set_parse(&s, families[f], text, size);

		if (rc == 0)
			roundtrip(&s);
		else
			check_error(rc, &s);
		res_set_free(&s);

		if (bar != NULL) {
			struct res_set a, b;
			size_t la = (size_t)(bar - text);

			/* both parsed every time: each call initialises */
			int ra = res_set_parse(&a, families[f], text, la);
			int rb = res_set_parse(&b, families[f], bar + 1,
			    size - la - 1);

			if (ra == 0 && rb == 0) {
				algebra(&a, &b);
				algebra(&b, &a);
			}
			res_set_free(&a);
			res_set_free(&b);
		}
	}
	return 0;
}
