/*
 * The appliance: configuration + HSM + store + engine + HTTP + provisioning.
 * See firmware/include/firmware/appliance.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mbedtls/pem.h>
#include <mbedtls/platform_util.h>

#include "appliance_int.h"
#include "proto/updown.h"
#include "crypto/cert.h"
#include "proto/oob.h"
#include "proto/res.h"

static void
setmsg(char *msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
setmsg(char *msg, const char *fmt, ...)
{
	va_list ap;

	if (msg == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, APPLIANCE_MSG_SIZE, fmt, ap);
	va_end(ap);
}

/* ---- files (XXX: stdio; a board without a file system would supply a reader) ---- */

#define APP_MAX_FILE (4u << 20)

/*
 * app_read_file: the whole file (at most max bytes) into *out (malloc'd,
 * caller frees, one extra NUL byte after *len). 0 or -1 with msg set.
 */
int
app_read_file(const char *path, size_t max, unsigned char **out, size_t *len, char *msg)
{
	FILE *fp = NULL;
	unsigned char *buf = NULL;
	struct stat st;
	int rc = -1;

	*out = NULL;
	*len = 0;
	if ((fp = fopen(path, "rb")) == NULL) {
		setmsg(msg, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
		setmsg(msg, "%s: not a regular file", path);
		goto out;
	}
	if ((size_t)st.st_size > max) {
		setmsg(msg, "%s: larger than %zu bytes", path, max);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		setmsg(msg, "%s: out of memory", path);
		goto out;
	}
	if (fread(buf, 1, (size_t)st.st_size, fp) != (size_t)st.st_size) {
		setmsg(msg, "%s: short read", path);
		goto out;
	}
	buf[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	*out = buf;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	if (fp != NULL)
		fclose(fp);
	return rc;
}

/*
 * Read a DER or PEM (label e.g. "CERTIFICATE", "X509 CRL") file named by
 * the configuration (relative to confdir) as DER. 0 or -1 with msg.
 */
static int
read_der(const char *confdir, const char *path, const char *label, unsigned char **out,
    size_t *len, char *msg)
{
	char *full = NULL, begin[64], end[64];
	unsigned char *buf = NULL;
	size_t n = 0, used = 0;
	mbedtls_pem_context pem;
	int rc = -1;

	*out = NULL;
	*len = 0;
	mbedtls_pem_init(&pem);
	if (conf_path(confdir, path, &full) != 0) {
		setmsg(msg, "%s: out of memory", path);
		goto out;
	}
	if (app_read_file(full, APP_MAX_FILE, &buf, &n, msg) != 0)
		goto out;
	if (n > 0 && buf[0] == 0x30) {
		*out = buf;
		*len = n;
		buf = NULL;
		rc = 0;
		goto out;
	}
	snprintf(begin, sizeof(begin), "-----BEGIN %s-----", label);
	snprintf(end, sizeof(end), "-----END %s-----", label);
	if (mbedtls_pem_read_buffer(&pem, begin, end, buf, NULL, 0, &used) != 0 ||
	    pem.buflen == 0) {
		setmsg(msg, "%s: neither DER nor PEM %s", full, label);
		goto out;
	}
	if ((*out = malloc(pem.buflen)) == NULL) {
		setmsg(msg, "%s: out of memory", full);
		goto out;
	}
	memcpy(*out, pem.buf, pem.buflen);
	*len = pem.buflen;
	rc = 0;
out:
	mbedtls_pem_free(&pem);
	free(buf);
	free(full);
	return rc;
}

/* ---- children known to the HTTP server (under lwIP's core lock) ---- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
child_cb(void *arg, const struct store_child *c)
{
	struct app_children *k = arg;
	char **n;

	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 64;
		if ((n = realloc(k->v, cap * sizeof(*n))) == NULL)
			return STORE_ERR_NOMEM;
		k->v = n;
		k->cap = cap;
	}
	if ((k->v[k->n] = strdup(c->handle)) == NULL)
		return STORE_ERR_NOMEM;
	k->n++;
	return 0;
}

static void
children_free(struct app_children *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		free(k->v[i]);
	free(k->v);
	memset(k, 0, sizeof(*k));
}

/* Reload the set of children from the store and swap it in. 0 or an error. */
int
app_children_reload(struct appliance *a)
{
	struct app_children k, old;
	int rc;

	memset(&k, 0, sizeof(k));
	engine_store_lock(a->engine);
	rc = store_child_foreach(engine_store(a->engine), child_cb, &k);
	engine_store_unlock(a->engine);
	if (rc != 0) {
		children_free(&k);
		return rc;
	}
	if (k.n > 1)
		qsort(k.v, k.n, sizeof(*k.v), cmp_str);
	pthread_rwlock_wrlock(&a->kids_lock);
	old = a->kids;
	a->kids = k;
	pthread_rwlock_unlock(&a->kids_lock);
	children_free(&old);
	return 0;
}

/* http_child_known_fn: binary search, a read lock held briefly. */
static bool
child_known(void *ctx, const char *child)
{
	struct appliance *a = ctx;
	bool found;

	pthread_rwlock_rdlock(&a->kids_lock);
	found = a->kids.n > 0 &&
	    bsearch(&child, a->kids.v, a->kids.n, sizeof(*a->kids.v), cmp_str) != NULL;
	pthread_rwlock_unlock(&a->kids_lock);
	return found;
}

/* ---- opening ---- */

static int
open_signer(struct appliance *a, char *msg)
{
	const struct conf_hsm *h = &a->conf->hsm;
	const struct hal_hsm *hh = &a->hal->hsm;
	struct signer_p11_config pc;
	char pin[256], *uri = NULL;
	size_t pinlen = 0, ulen, i, o;
	int rc;

	signer_p11_config_init(&pc);
	pc.module = h->module;
	pc.token_uri = h->token_uri;
	pc.mech = (enum signer_p11_mech)h->mech;
	pc.key_private = h->key_private;
	pc.key_sensitive = h->key_sensitive;
	pc.key_extractable = h->key_extractable;
	pc.key_modifiable = h->key_modifiable;
	/*
	 * The PIN: the URI's pin-source, or else the board's PIN source, added
	 * as pin-value to a private copy of the URI that is zeroed at once.
	 */
	if (strstr(h->token_uri, "pin-source=") == NULL && hh->ops != NULL &&
	    hh->ops->pin != NULL && hh->ops->pin(hh->state, pin, sizeof(pin), &pinlen) == 0) {
		ulen = strlen(h->token_uri) + 12 + 3 * pinlen + 1;
		if ((uri = malloc(ulen)) == NULL) {
			mbedtls_platform_zeroize(pin, sizeof(pin));
			setmsg(msg, "out of memory");
			return APPLIANCE_ERR_NOMEM;
		}
		o = (size_t)snprintf(uri, ulen, "%s%cpin-value=", h->token_uri,
		    strchr(h->token_uri, '?') ? '&' : '?');
		for (i = 0; i < pinlen; i++)
			o += (size_t)snprintf(uri + o, ulen - o, "%%%02X", (unsigned char)pin[i]);
		mbedtls_platform_zeroize(pin, sizeof(pin));
		pc.token_uri = uri;
	}
	rc = signer_p11_open(&pc, &a->signer);
	if (uri != NULL) {
		mbedtls_platform_zeroize(uri, strlen(uri));
		free(uri);
	}
	if (rc != 0) {
		setmsg(msg, "HSM %s (%s): %s: %s", h->token_uri, h->module, signer_strerror(rc),
		    signer_last_error());
		return APPLIANCE_ERR_HSM;
	}
	if (a->conf->policy.mft_keys == CONF_MFT_KEYS_SOFTWARE &&
	    signer_sw_open(hal_entropy_rng, (void *)&a->hal->entropy, &a->mft_signer) != 0) {
		setmsg(msg, "software signer for manifest keys: out of memory");
		return APPLIANCE_ERR_NOMEM;
	}
	return 0;
}

static int
open_store(struct appliance *a, time_t now, char *msg)
{
	struct store_open_args oa;
	char *dir = NULL, *err = NULL;
	int rc;

	if (conf_path(a->confdir, a->conf->state_dir, &dir) != 0) {
		setmsg(msg, "out of memory");
		return APPLIANCE_ERR_NOMEM;
	}
	mkdir(dir, 0700);
	memset(&oa, 0, sizeof(oa));
	oa.f_rng = hal_entropy_rng;
	oa.p_rng = (void *)&a->hal->entropy;
	oa.now = now;
	rc = store_open(dir, STORE_CREATE, &oa, &a->store, &err);
	if (rc != 0) {
		setmsg(msg, "store %s: %s", dir, err != NULL ? err : store_strerror(rc));
		rc = APPLIANCE_ERR_STORE;
	}
	free(err);
	/* The exchange log (UD-160) goes in files beside the store: state_dir/exchanges. */
	if (rc == 0 && (a->xlog_dir = malloc(strlen(dir) + sizeof("/exchanges"))) == NULL) {
		setmsg(msg, "out of memory");
		rc = APPLIANCE_ERR_NOMEM;
	} else if (rc == 0) {
		snprintf(a->xlog_dir, strlen(dir) + sizeof("/exchanges"), "%s/exchanges", dir);
	}
	free(dir);
	return rc;
}

static int
open_engine(struct appliance *a, time_t now, char *msg)
{
	const struct conf *c = a->conf;
	struct engine_config ec;
	char *err = NULL;
	size_t i;
	int rc;

	a->ncls = c->nclasses;
	if ((a->cls = calloc(c->nclasses, sizeof(*a->cls))) == NULL ||
	    (a->cls_der = calloc(c->nclasses, sizeof(*a->cls_der))) == NULL ||
	    (a->pub_roots = calloc(c->nclasses, sizeof(*a->pub_roots))) == NULL) {
		setmsg(msg, "out of memory");
		return APPLIANCE_ERR_NOMEM;
	}
	for (i = 0; i < c->nclasses; i++) {
		const struct conf_class *cc = &c->classes[i];
		size_t n = 0;
		if (read_der(a->confdir, cc->cert, "CERTIFICATE", &a->cls_der[i], &n, msg) != 0)
			return APPLIANCE_ERR_CONFIG;
		if (conf_path(a->confdir, cc->pub_root, &a->pub_roots[i]) != 0) {
			setmsg(msg, "out of memory");
			return APPLIANCE_ERR_NOMEM;
		}
		a->cls[i].name = cc->name;
		a->cls[i].cert = a->cls_der[i];
		a->cls[i].cert_len = n;
		a->cls[i].key_label = cc->key;
		a->cls[i].cert_uri = cc->cert_uri;
		a->cls[i].pub_root = a->pub_roots[i];
		a->cls[i].crl_name = cc->crl_name;
	}
	if (read_der(a->confdir, c->bpki.ta_cert, "CERTIFICATE", &a->bpki_ta, &a->bpki_ta_len,
	    msg) != 0 ||
	    read_der(a->confdir, c->bpki.ee_cert, "CERTIFICATE", &a->bpki_ee, &a->bpki_ee_len,
	    msg) != 0 ||
	    read_der(a->confdir, c->bpki.crl, "X509 CRL", &a->bpki_crl, &a->bpki_crl_len, msg) != 0)
		return APPLIANCE_ERR_CONFIG;

	memset(&ec, 0, sizeof(ec));
	ec.exchange_dir = a->xlog_dir;      /* open_store() */
	ec.store = a->store;
	ec.signer = a->signer;
	ec.mft_signer = a->mft_signer;
	ec.handle = c->handle;
	ec.classes = a->cls;
	ec.nclasses = a->ncls;
	ec.bpki_ta = a->bpki_ta;
	ec.bpki_ta_len = a->bpki_ta_len;
	ec.bpki_ta_key = c->bpki.ta_key;
	ec.bpki_ee = a->bpki_ee;
	ec.bpki_ee_len = a->bpki_ee_len;
	ec.bpki_ee_key = c->bpki.ee_key;
	ec.bpki_crl = a->bpki_crl;
	ec.bpki_crl_len = a->bpki_crl_len;
	ec.opts.max_skew = c->policy.max_skew;
	ec.opts.shrink_grace = c->policy.shrink_grace;
	ec.opts.brake_max_count = c->policy.brake_max_count;
	ec.opts.brake_max_share = c->policy.brake_share_ppm >= CONF_BRAKE_SHARE_OFF ? 1.0 :
	    (double)c->policy.brake_share_ppm / 1e6;
	ec.opts.brake_floor = c->policy.brake_floor;
	ec.opts.crl_validity = c->policy.crl_validity;
	ec.opts.crl_refresh = c->policy.crl_refresh;
	ec.opts.bpki_crl_validity = c->policy.bpki_crl_validity;
	ec.opts.backdate = c->policy.backdate;
	ec.opts.verify_replies = c->policy.verify_replies;
	ec.opts.cms_der_only = c->policy.cms_der_only;
	ec.opts.csr.mft_in_repo = c->policy.csr_mft_in_repo;
	ec.opts.csr.host_names_only = c->policy.csr_host_names_only;
	rc = engine_open(&ec, now, &a->engine, &err);
	if (rc != 0) {
		setmsg(msg, "engine: %s: %s", engine_strerror(rc), err != NULL ? err : "");
		free(err);
		return APPLIANCE_ERR_ENGINE;
	}
	free(err);
	return 0;
}

static int
load_operators(struct appliance *a, char *msg)
{
	const struct conf_provisioning *p = &a->conf->prov;
	size_t i;

	if (p->noperators == 0)
		return 0;
	if ((a->ops = calloc(p->noperators, sizeof(*a->ops))) == NULL) {
		setmsg(msg, "out of memory");
		return APPLIANCE_ERR_NOMEM;
	}
	for (i = 0; i < p->noperators; i++) {
		unsigned char *file = NULL, *spki = NULL;
		size_t n = 0, sl = 0;
		char *full = NULL;
		int rc;

		if (conf_path(a->confdir, p->operators[i], &full) != 0) {
			setmsg(msg, "out of memory");
			return APPLIANCE_ERR_NOMEM;
		}
		if (app_read_file(full, CONF_MAX_OPERATOR_FILE, &file, &n, msg) != 0) {
			free(full);
			return APPLIANCE_ERR_CONFIG;
		}
		rc = conf_operator_spki(file, n, &spki, &sl);
		free(file);
		if (rc != 0) {
			setmsg(msg, "operator key %s: %s", full, conf_strerror(rc));
			free(full);
			return APPLIANCE_ERR_CONFIG;
		}
		free(full);
		a->ops[i].spki = spki;
		a->ops[i].spki_len = sl;
		a->nops++;
	}
	return 0;
}

/* appliance_open: see appliance.h. */
int
appliance_open(const struct conf *conf, const struct hal *hal,
    const struct appliance_options *opt, struct appliance **out, char *msg)
{
	struct appliance *a = NULL;
	time_t now;
	int rc = APPLIANCE_ERR_ARG;

	setmsg(msg, "%s", "");
	if (out == NULL)
		return APPLIANCE_ERR_ARG;
	*out = NULL;
	if (conf == NULL || hal == NULL || hal_clock_now(&hal->clock, &now) != 0) {
		setmsg(msg, "no configuration, HAL or clock");
		return APPLIANCE_ERR_ARG;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		setmsg(msg, "out of memory");
		return APPLIANCE_ERR_NOMEM;
	}
	a->conf = conf;
	a->hal = hal;
	if (opt != NULL)
		a->opt = *opt;
	if ((a->confdir = strdup(a->opt.confdir != NULL ? a->opt.confdir : ".")) == NULL) {
		rc = APPLIANCE_ERR_NOMEM;
		goto fail;
	}
	if (a->opt.reconcile_interval == 0)
		a->opt.reconcile_interval = APPLIANCE_DEFAULT_RECONCILE;
	if (a->opt.provision_port == 0)
		a->opt.provision_port = conf->net.http_port < 65535 ? conf->net.http_port + 1 : 1;
	pthread_rwlock_init(&a->kids_lock, NULL);
	pthread_mutex_init(&a->prov_lock, NULL);
	pthread_mutex_init(&a->timer_mu, NULL);
	{
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&a->timer_cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	a->locks = true;
	if ((rc = load_operators(a, msg)) != 0 ||
	    (rc = open_signer(a, msg)) != 0 ||
	    (rc = open_store(a, now, msg)) != 0 ||
	    (rc = open_engine(a, now, msg)) != 0)
		goto fail;
	if (app_children_reload(a) != 0) {
		setmsg(msg, "store: reading the children failed");
		rc = APPLIANCE_ERR_STORE;
		goto fail;
	}
	*out = a;
	return 0;
fail:
	appliance_close(a);
	return rc;
}

/* appliance_reconcile: see appliance.h. */
int
appliance_reconcile(struct appliance *a, time_t now, char *msg)
{
	struct engine_report rep;
	int rc;

	if (a == NULL)
		return APPLIANCE_ERR_ARG;
	memset(&rep, 0, sizeof(rep));
	pthread_mutex_lock(&a->prov_lock);
	rc = engine_reconcile(a->engine, false, now, &rep);
	pthread_mutex_unlock(&a->prov_lock);
	if (rc != 0) {
		setmsg(msg, "reconcile: %s: %s %s", engine_strerror(rc), engine_errmsg(), rep.msg);
		return APPLIANCE_ERR_ENGINE;
	}
	setmsg(msg, "reconcile: %s", rep.msg);
	return 0;
}

/* appliance_summary: see appliance.h. */
void
appliance_summary(struct appliance *a, char *buf, size_t cap)
{
	struct hal_net_addr na;
	size_t o = 0, i, nkids;
	char token[256], when[UD_TIME_SIZE], *p;
	time_t ee_until = 0, ee_renew = 0;

	if (cap == 0)
		return;
	buf[0] = '\0';
	memset(&na, 0, sizeof(na));
	if (a->hal->net.ops != NULL && a->hal->net.ops->addr != NULL)
		a->hal->net.ops->addr(a->hal->net.state, &na);
	pthread_rwlock_rdlock(&a->kids_lock);
	nkids = a->kids.n;
	pthread_rwlock_unlock(&a->kids_lock);
#define ADD(...) do { \
		if (o < cap) { \
			int _n = snprintf(buf + o, cap - o, __VA_ARGS__); \
			if (_n > 0) \
				o += (size_t)_n; \
		} \
	} while (0)
	ADD("updown-appliance: address %u.%u.%u.%u port %u (provisioning %s port %u)",
	    na.addr[0], na.addr[1], na.addr[2], na.addr[3], a->conf->net.http_port,
	    a->conf->prov.path[0] ? a->conf->prov.path : "off", a->opt.provision_port);
	ADD(" handle %s CA", a->conf->handle);
	for (i = 0; i < a->ncls; i++) {
		struct cert_issuer iss;
		char *as = NULL, *v4 = NULL, *v6 = NULL;

		cert_issuer_init(&iss);
		if (cert_parse_rpki_ca(&iss, a->cls[i].cert, a->cls[i].cert_len) == 0 &&
		    res_set_print(&iss.res.as, &as) == 0 && res_set_print(&iss.res.v4, &v4) == 0 &&
		    res_set_print(&iss.res.v6, &v6) == 0)
			ADD(" %s[as=%s v4=%s v6=%s]", a->cls[i].name, as, v4, v6);
		else
			ADD(" %s[?]", a->cls[i].name);
		free(as);
		free(v4);
		free(v6);
		cert_issuer_free(&iss);
	}
	/* The token URI without its query (pin-source names a file: not secret, but noise). */
	snprintf(token, sizeof(token), "%s", a->conf->hsm.token_uri);
	if ((p = strchr(token, '?')) != NULL)
		*p = '\0';
	ADD(" children %zu HSM %s", nkids, token);
	/* When the certificate our replies are signed with ends, and is renewed (UD-25). */
	engine_bpki_ee_times(a->engine, &ee_until, &ee_renew);
	if (ud_time_format(ee_until, when) == 0)
		ADD(" BPKI EE until %s", when);
	if (ee_renew != (time_t)INT64_MAX && ud_time_format(ee_renew, when) == 0)
		ADD(" (renewed from %s)", when);
	else
		ADD(" (not renewed: a new key ceremony is due before then)");
#undef ADD
}

/* appliance_strerror: see appliance.h. */
const char *
appliance_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case APPLIANCE_ERR_ARG: return "bad argument";
	case APPLIANCE_ERR_NOMEM: return "out of memory";
	case APPLIANCE_ERR_CONFIG: return "configuration: a file it names is missing or bad";
	case APPLIANCE_ERR_HSM: return "the HSM token cannot be opened";
	case APPLIANCE_ERR_STORE: return "the state store cannot be opened";
	case APPLIANCE_ERR_ENGINE: return "the issuer engine refused";
	case APPLIANCE_ERR_HTTP: return "an HTTP server could not start";
	case APPLIANCE_ERR_BUNDLE: return "provisioning bundle refused";
	default: return "unknown appliance error";
	}
}

/* appliance_close: see appliance.h. */
void
appliance_close(struct appliance *a)
{
	size_t i;

	if (a == NULL)
		return;
	appliance_stop(a);
	engine_close(a->engine);
	store_close(a->store);
	signer_close(a->mft_signer);
	signer_close(a->signer);
	for (i = 0; i < a->ncls; i++) {
		if (a->cls_der != NULL)
			free(a->cls_der[i]);
		if (a->pub_roots != NULL)
			free(a->pub_roots[i]);
	}
	free(a->cls_der);
	free(a->pub_roots);
	free(a->xlog_dir);
	free(a->cls);
	free(a->bpki_ta);
	free(a->bpki_ee);
	free(a->bpki_crl);
	for (i = 0; i < a->nops; i++)
		free((void *)a->ops[i].spki);
	free(a->ops);
	children_free(&a->kids);
	if (a->locks) {
		pthread_rwlock_destroy(&a->kids_lock);
		pthread_mutex_destroy(&a->prov_lock);
		pthread_mutex_destroy(&a->timer_mu);
		pthread_cond_destroy(&a->timer_cv);
	}
	free(a->confdir);
	free(a);
}

/* Exposed for appliance_serve.c. */
bool
app_child_known(void *ctx, const char *child)
{
	return child_known(ctx, child);
}
