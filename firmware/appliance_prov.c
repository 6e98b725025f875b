/*
 * The appliance's provisioning: M-of-N signed allocation table bundles
 * (proto/bundle.h, docs/provisioning-bundle.md) from the provisioning
 * endpoint or removable media. See appliance.h for the answers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appliance_int.h"

static void
res_set(struct appliance_prov_result *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
res_set(struct appliance_prov_result *r, int status, const char *fmt, ...)
{
	va_list ap;

	r->http_status = status;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
}

/* A child's previous TA, to put back when the table is refused after all. */
struct prev_ta {
	const char *handle;
	unsigned char *ta;      /* NULL: the child was new */
	size_t ta_len;
};

static int
status_of_verify(int rc)
{
	switch (rc) {
	case BUNDLE_ERR_THRESHOLD:
	case BUNDLE_ERR_SIGNATURE:
	case BUNDLE_ERR_DIGEST_MISMATCH:
		return 403;
	case BUNDLE_ERR_STALE:
		return 409;
	case BUNDLE_ERR_TABLE:
	case BUNDLE_ERR_VERSION_MISMATCH:
		return 422;
	case BUNDLE_ERR_NOMEM:
		return 500;
	default:
		return 500; /* policy/operator key: our configuration is broken */
	}
}

/* appliance_provision: see appliance.h. */
int
appliance_provision(struct appliance *a, const unsigned char *der, size_t len, time_t now,
    struct appliance_prov_result *r)
{
	struct bundle b;
	struct bundle_result br;
	struct engine_report rep;
	struct prev_ta *prev = NULL;
	size_t nprev = 0, i;
	uint64_t last = 0;
	int rc, erc = APPLIANCE_ERR_BUNDLE;

	if (a == NULL || r == NULL || (der == NULL && len > 0))
		return APPLIANCE_ERR_ARG;
	memset(r, 0, sizeof(*r));
	bundle_init(&b);
	bundle_result_init(&br);
	memset(&rep, 0, sizeof(rep));
	pthread_mutex_lock(&a->prov_lock);

	if ((rc = bundle_decode(&b, der, len)) != 0) {
		res_set(r, 400, "not a provisioning bundle: %s", bundle_strerror(rc));
		goto out;
	}
	r->version = b.version;
	if (a->nops == 0) {
		res_set(r, 403, "no operator keys are registered: provisioning is off");
		goto out;
	}
	engine_store_lock(a->engine);
	rc = store_alloc_version(engine_store(a->engine), &last);
	engine_store_unlock(a->engine);
	if (rc != 0) {
		res_set(r, 500, "store: %s", store_strerror(rc));
		goto out;
	}
	rc = bundle_verify(&b, a->ops, a->nops, a->conf->prov.threshold, &last, &br);
	if (rc != 0) {
		if (rc == BUNDLE_ERR_TABLE)
			res_set(r, 422, "table refused: %s", br.table_err.msg);
		else if (rc == BUNDLE_ERR_STALE)
			res_set(r, 409, "version %llu is not above the last applied %llu",
			    (unsigned long long)b.version, (unsigned long long)last);
		else
			res_set(r, status_of_verify(rc), "%s (%zu of %u operators)",
			    bundle_strerror(rc), br.valid_operators, a->conf->prov.threshold);
		goto out;
	}

	/* Register the children the table carries a BPKI TA for (UD-155). */
	if (br.table.nchildren > 0 &&
	    (prev = calloc(br.table.nchildren, sizeof(*prev))) == NULL) {
		res_set(r, 500, "out of memory");
		erc = APPLIANCE_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < br.table.nchildren; i++) {
		const struct alloc_child *c = &br.table.children[i];
		struct store_child sc;

		if (c->ta == NULL)
			continue;
		memset(&sc, 0, sizeof(sc));
		engine_store_lock(a->engine);
		rc = store_child_get(engine_store(a->engine), c->handle, &sc);
		engine_store_unlock(a->engine);
		if (rc == 0 && sc.bpki_ta_len == c->ta_len &&
		    memcmp(sc.bpki_ta, c->ta, c->ta_len) == 0) {
			store_child_free(&sc);
			continue;           /* unchanged */
		}
		prev[nprev].handle = c->handle;
		if (rc == 0) {
			prev[nprev].ta = sc.bpki_ta;
			prev[nprev].ta_len = sc.bpki_ta_len;
			sc.bpki_ta = NULL;
		}
		store_child_free(&sc);
		nprev++;
		if ((rc = engine_add_child(a->engine, c->handle, c->ta, c->ta_len, now)) != 0) {
			res_set(r, rc == ENGINE_ERR_TA || rc == ENGINE_ERR_HANDLE ? 422 : 500,
			    "child %s: %s: %s", c->handle, engine_strerror(rc), engine_errmsg());
			goto undo;
		}
		if (prev[nprev - 1].ta == NULL)
			r->children_added++;
	}
	rc = engine_apply_table(a->engine, &br.table, br.table_sha256, br.force, now, &rep);
	if (rc != 0) {
		int st = rc == ENGINE_ERR_BRAKE || rc == ENGINE_ERR_TABLE ||
		    rc == ENGINE_ERR_NOT_FOUND ? 422 : 500;
		res_set(r, st, "table %llu refused: %s: %s %s", (unsigned long long)b.version,
		    engine_strerror(rc), engine_errmsg(), rep.msg);
		goto undo;
	}
	res_set(r, 200, "table %llu applied (%zu signers, %zu new children): %s",
	    (unsigned long long)b.version, br.valid_operators, r->children_added, rep.msg);
	erc = 0;
	goto out;
undo:
	/* Put replaced TAs back; new children stay, with no entitlement (XXX). */
	for (i = 0; i < nprev; i++)
		if (prev[i].ta != NULL &&
		    engine_add_child(a->engine, prev[i].handle, prev[i].ta, prev[i].ta_len, now) != 0)
			hal_logf(&a->hal->log, HAL_LOG_ERR,
			    "provisioning: could not restore the BPKI TA of %s", prev[i].handle);
	r->children_added = 0;
out:
	if (nprev > 0 || erc == 0)
		app_children_reload(a);
	pthread_mutex_unlock(&a->prov_lock);
	for (i = 0; i < nprev; i++)
		free(prev[i].ta);
	free(prev);
	bundle_result_free(&br);
	bundle_free(&b);
	hal_logf(&a->hal->log, erc == 0 ? HAL_LOG_INFO : HAL_LOG_WARN, "provisioning: %d %s",
	    r->http_status, r->msg);
	return erc;
}
