/*
 * Fuzz the appliance configuration codec (docs/configuration.md). Parse;
 * on success conf_check must agree, print must succeed, the printed text
 * must parse back to an equal configuration and print must be a fixed
 * point. On failure the error must be a typed CONF_ERR_* with a
 * "source:" message and the configuration empty. The same bytes are also
 * given to conf_operator_spki (operator key files). abort() on any
 * mismatch.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/conf.h"

static void
check_empty(const struct conf *c)
{
	struct conf z;

	conf_init(&z);
	if (c->source != NULL || c->handle != NULL || c->classes != NULL ||
	    c->nclasses != 0 || c->prov.operators != NULL || !conf_equal(c, &z))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c, c2;
	struct conf_error err, err2;
	char *p1 = NULL, *p2 = NULL;
	size_t l1, l2;
	unsigned char *spki = NULL;
	size_t spki_len;
	int rc;

	rc = conf_parse((const char *)data, size, "fuzz.conf", &c, &err);
	if (rc != 0) {
		if (rc > CONF_ERR_ARG || rc < CONF_ERR_INCOMPLETE || err.code != rc ||
		    strncmp(err.msg, "fuzz.conf:", 10) != 0)
			abort();
		check_empty(&c);
	} else {
		if (conf_check(&c, &err2) != 0)
			abort();
		if (conf_print(&c, &p1, &l1) != 0 || strlen(p1) != l1)
			abort();
		if (conf_parse(p1, l1, "printed", &c2, &err2) != 0)
			abort();
		if (!conf_equal(&c, &c2))
			abort();
		if (conf_print(&c2, &p2, &l2) != 0 || l1 != l2 || memcmp(p1, p2, l1) != 0)
			abort();
		(void)conf_ready(&c, &err2);
		conf_free(&c2);
		free(p1);
		free(p2);
		conf_free(&c);
	}
	rc = conf_operator_spki(data, size, &spki, &spki_len);
	if (rc == 0) {
		unsigned char *again = NULL;
		size_t again_len;

		/* the SPKI found is itself a valid operator key */
		if (spki == NULL || spki_len == 0 ||
		    conf_operator_spki(spki, spki_len, &again, &again_len) != 0 ||
		    again_len != spki_len || memcmp(again, spki, spki_len) != 0)
			abort();
		free(again);
	} else if (spki != NULL) {
		abort();
	}
	free(spki);
	return 0;
}
