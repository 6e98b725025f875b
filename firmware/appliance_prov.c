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
	uint64_t last = 0;
	bool applied = false;
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

	/*
	 * The children the table carries a BPKI TA for are registered by
	 * engine_apply_table, in the transaction of the entitlements (UD-155):
	 * a table refused for any reason changes nothing.
	 */
	rc = engine_apply_table(a->engine, &br.table, br.table_sha256, br.force, now, &rep);
	if (rc != 0) {
		/* The engine's message, then its report when that says more. */
		bool more = strcmp(rep.msg, engine_errmsg()) != 0;

		if (rc == ENGINE_ERR_PUBLISH) {
			/* Recorded (the version is used up), not yet published: still a 500. */
			applied = true;
			r->children_added = rep.children_added;
			res_set(r, 500, "table %llu applied, but publication failed: %s%s%s",
			    (unsigned long long)b.version, engine_errmsg(), more ? " " : "",
			    more ? rep.msg : "");
		} else {
			res_set(r, rc == ENGINE_ERR_BRAKE || rc == ENGINE_ERR_TABLE ||
			    rc == ENGINE_ERR_NOT_FOUND ? 422 : 500, "table %llu refused: %s: %s%s%s",
			    (unsigned long long)b.version, engine_strerror(rc), engine_errmsg(),
			    more ? " " : "", more ? rep.msg : "");
		}
		goto out;
	}
	applied = true;
	r->children_added = rep.children_added;
	res_set(r, 200, "table %llu applied (%zu signers, %zu new children, %zu new TAs): %s",
	    (unsigned long long)b.version, br.valid_operators, rep.children_added,
	    rep.children_changed, rep.msg);
	erc = 0;
out:
	if (applied)
		app_children_reload(a);
	pthread_mutex_unlock(&a->prov_lock);
	bundle_result_free(&br);
	bundle_free(&b);
	hal_logf(&a->hal->log, erc == 0 ? HAL_LOG_INFO : HAL_LOG_WARN, "provisioning: %d %s",
	    r->http_status, r->msg);
	return erc;
}
