/*
 * updownctl child: an RFC 6492 child client against any parent.
 *
 *   child init   --dir DIR --handle HANDLE
 *   child parent --dir DIR [--force] PARENT_RESPONSE.xml
 *   child list   --dir DIR [common options]
 *   child issue  --dir DIR --class C [--key LABEL] [--as S] [--ipv4 S] [--ipv6 S]
 *                [--sia-repo URI] [--sia-mft URI] [--sia-notify URI]
 *   child revoke --dir DIR --class C [--key LABEL]
 * common options: --json, --timeout S, --connect-timeout S, --cacert FILE,
 *                 --lenient (accept signed attributes outside RFC 6492
 *                 3.1.1.6.4), --der-only (refuse BER, RFC 6492 3.1.2)
 *
 * One exchange (child_exchange): the request XML (ud_encode), signed as
 * RFC 6492 CMS with the child's BPKI EE key (cms_sign, signer_cms_sign,
 * signing-time = now), POSTed to the parent's service_uri; the response
 * must be HTTP 200, decode as RFC 6492 CMS (cms_decode: BER accepted as
 * RIPE NCC sends it unless --der-only), verify against the parent's BPKI
 * TA at the current time (cms_verify: path, EE validity, CRL, any
 * non-critical CRL extensions), carry a signing-time not earlier than the
 * last one accepted from this parent (RFC 6492 3.1.2, UD-161), decode as
 * up-down XML with sender = the parent's handle and recipient = ours
 * (RFC 6492 3.2, UD-43), and be the response to our request type or an
 * error_response. Only then does anything in DIR change, all at once.
 *
 * Exit codes: 0 ok; 1 refused (error_response, a response that fails a
 * check, bad identity); 2 usage; 3 I/O, parent unreachable, timeout,
 * oversized response, or an HTTP status other than 200.
 *
 * --json writes one object (a stable schema; absent values are null):
 *   { "command": "list" | "issue" | "revoke",
 *     "service_uri": str, "http_status": 200,      (after a response)
 *     "signing_time": "YYYY-MM-DDThh:mm:ssZ", "encoding": "DER" | "BER",
 *     "message": MESSAGE,                          (inspect_updown.c; each
 *                 certificate also has "key": the label of our key, or null)
 *     "ok": bool, "exit": int, "error": str | null,
 *     "stored": [ paths relative to DIR written by this command ] }
 * "message" is present whenever a verified response was decoded, an
 * error_response included ("ok": false, "exit": 1). `init` and `parent`
 * write { "command", "ok", ... } with their own fields.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/asn1.h>
#include <mbedtls/platform_util.h>

#include "child.h"
#include "crypto/cert.h"
#include "crypto/csr.h"
#include "inspect.h"
#include "inspect_updown.h"
#include "json_out.h"
#include "proto/cms.h"
#include "proto/updown.h"
#include "updownctl.h"

#define CHILD_MAX_KEYS 64

struct child_opts {
	const char *dir;
	bool json;
	bool lenient;
	bool der_only;
	struct child_http_opts http;
};

/* Our RPKI keys, to tell which certificates in a response are ours. */
struct our_keys {
	size_t n;
	char label[CHILD_MAX_KEYS][CHILD_MAX_LABEL + 1];
	unsigned char *spki[CHILD_MAX_KEYS];
	size_t spki_len[CHILD_MAX_KEYS];
};

/* What a run did, for the JSON report. */
struct child_run {
	const char *command;
	struct jo j;
	bool json;
	long http_status;
	bool shown;               /* show_response() wrote the response's fields */
	const char *stored[CHILD_TXN_MAX];
	size_t nstored;
};

static void
our_keys_free(struct our_keys *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->spki[i]);
	memset(k, 0, sizeof(*k));
}

/* Load every keys/LABEL.key into the identity's signer and note its SPKI. */
static int
our_keys_load(struct child_id *id, struct our_keys *k)
{
	DIR *d;
	struct dirent *e;
	int rc = 0;

	memset(k, 0, sizeof(*k));
	if ((d = opendir(child_path(id, "keys"))) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL && k->n < CHILD_MAX_KEYS) {
		size_t n = strlen(e->d_name);
		struct signer_key *key;
		unsigned char *pem = NULL;
		size_t len;
		char label[CHILD_MAX_LABEL + 1], name[CHILD_MAX_LABEL + 8];

		if (n < 5 || n - 4 > CHILD_MAX_LABEL || strcmp(e->d_name + n - 4, ".key") != 0)
			continue;
		memcpy(label, e->d_name, n - 4);
		label[n - 4] = '\0';
		if (!child_label_ok(label))
			continue;
		if ((rc = ctl_read_file(child_path(id, "keys/%s", e->d_name), &pem, &len)) != 0)
			break;
		snprintf(name, sizeof(name), "rpki-%s", label);
		if (signer_key_find(id->signer, name, &key) != 0 &&
		    signer_sw_import_pem(id->signer, name, pem, len, &key) != 0) {
			fprintf(stderr, "updownctl: keys/%s: %s\n", e->d_name, signer_last_error());
			mbedtls_platform_zeroize(pem, len);
			free(pem);
			rc = EXIT_REFUSED;
			break;
		}
		mbedtls_platform_zeroize(pem, len);
		free(pem);
		if (signer_key_public(id->signer, key, &k->spki[k->n], &k->spki_len[k->n]) != 0) {
			rc = EXIT_IO;
			break;
		}
		snprintf(k->label[k->n], sizeof(k->label[0]), "%s", label);
		k->n++;
	}
	closedir(d);
	if (rc != 0)
		our_keys_free(k);
	return rc;
}

/* insp_key_label_fn: the label of our key a certificate certifies. */
static const char *
key_label(void *ctx, const unsigned char *der, size_t len)
{
	struct our_keys *k = ctx;
	struct insp_cert c;
	char why[INSP_WHY];
	const char *label = NULL;

	if (k == NULL || insp_cert_decode(der, len, &c, why) != 0) {
		insp_cert_free(&c);
		return NULL;
	}
	for (size_t i = 0; i < k->n; i++)
		if (k->spki_len[i] == c.spki_len && memcmp(k->spki[i], c.spki, c.spki_len) == 0)
			label = k->label[i];
	insp_cert_free(&c);
	return label;
}

/* ---- output ---- */

static void
run_begin(struct child_run *run, const char *command, bool json)
{
	memset(run, 0, sizeof(*run));
	run->command = command;
	run->json = json;
	if (json) {
		jo_init(&run->j, stdout);
		jo_obj_begin(&run->j, NULL);
		jo_str(&run->j, "command", command);
	}
}

/* Close the JSON report: ok, exit code, error text. */
static int
run_end(struct child_run *run, int rc, const char *error)
{
	if (run->json) {
		if (!run->shown && run->http_status != 0)
			jo_int(&run->j, "http_status", run->http_status);
		jo_bool(&run->j, "ok", rc == 0);
		jo_int(&run->j, "exit", rc);
		jo_str(&run->j, "error", error);
		jo_arr_begin(&run->j, "stored");
		for (size_t i = 0; i < run->nstored; i++)
			jo_str(&run->j, NULL, run->stored[i]);
		jo_arr_end(&run->j);
		jo_obj_end(&run->j);
		jo_finish(&run->j);
	}
	if (error != NULL)
		fprintf(stderr, "updownctl: child %s: %s\n", run->command, error);
	return rc;
}

/* ---- the exchange ---- */

struct exchange {
	struct ud_msg resp;
	time_t signing_time;
	bool ber;
	char error[512];
};

/*
 * One request/response (see the top of the file). On success (0) ex->resp
 * holds the decoded response, error_response included (the caller turns
 * that into exit 1). Otherwise an exit code and ex->error.
 */
static int
child_exchange(struct child_id *id, const struct child_opts *o, struct ud_msg *req,
               struct exchange *ex, struct child_run *run)
{
	const struct oob_parent_response *pr = &id->parent.u.parent_response;
	struct signer_cms_ctx sctx = { id->signer, id->ee_key };
	struct cms_signer cs = { 0 };
	struct cms_opts copts = { 0 };
	struct cms_trust trust = { 0 };
	struct cms_msg msg;
	struct child_http_result hr;
	struct ud_error uerr;
	char *xml = NULL, t1[UD_TIME_SIZE], t2[UD_TIME_SIZE];
	unsigned char *cms = NULL;
	size_t xml_len, cms_len;
	time_t now = time(NULL);
	enum ud_type want = ud_type_response(req->type);
	int rc, r;

	memset(ex, 0, sizeof(*ex));
	ud_msg_init(&ex->resp);
	cms_msg_init(&msg);
	memset(&hr, 0, sizeof(hr));
	req->sender = strdup(pr->child_handle);
	req->recipient = strdup(pr->parent_handle);
	if (req->sender == NULL || req->recipient == NULL) {
		rc = EXIT_IO;
		goto out;
	}
	if ((r = ud_encode(req, &xml, &xml_len)) != 0) {
		snprintf(ex->error, sizeof(ex->error), "cannot encode the request: %s",
		    ud_strerror(r));
		rc = EXIT_USAGE;
		goto out;
	}
	cs.ee_der = id->ee_der;
	cs.ee_len = id->ee_len;
	cs.crl_der = id->crl_der;
	cs.crl_len = id->crl_len;
	cs.sign = signer_cms_sign;
	cs.sign_ctx = &sctx;
	if ((r = cms_sign(&cs, (unsigned char *)xml, xml_len, now, &cms, &cms_len)) != 0) {
		snprintf(ex->error, sizeof(ex->error), "cannot sign the request: %s",
		    cms_strerror(r));
		rc = EXIT_REFUSED;
		goto out;
	}
	if ((rc = child_http_post(pr->service_uri, cms, cms_len, &o->http, &hr)) != 0) {
		snprintf(ex->error, sizeof(ex->error), "%s: %s", pr->service_uri, hr.error);
		goto out;
	}
	run->http_status = hr.status;
	if (hr.status != 200) {
		snprintf(ex->error, sizeof(ex->error), "%s: HTTP status %ld%s", pr->service_uri,
		    hr.status, hr.status == 400 ? " (the parent refused the request before "
		    "reading it: authentication, replay or malformed, RFC 6492 3.2)" : "");
		rc = EXIT_IO;
		goto out;
	}
	/* RFC 6492 3.1: the response is CMS; be lenient only where asked. */
	copts.der_only = o->der_only;
	copts.allow_unknown_attrs = o->lenient;
	if ((r = cms_decode(&msg, hr.body, hr.len, &copts)) != 0) {
		snprintf(ex->error, sizeof(ex->error), "response refused: %s", cms_strerror(r));
		rc = EXIT_REFUSED;
		goto out;
	}
	trust.ta_der = pr->parent_bpki_ta.p;
	trust.ta_len = pr->parent_bpki_ta.len;
	if ((r = cms_verify(&msg, &trust, now)) != 0) {
		snprintf(ex->error, sizeof(ex->error),
		    "response refused: %s (against the parent's BPKI TA)", cms_strerror(r));
		rc = EXIT_REFUSED;
		goto out;
	}
	/* Replay (RFC 6492 3.1.2, UD-161): not earlier than the last one accepted. */
	if (id->has_replay && msg.signing_time < id->last_signing_time) {
		ud_time_format(msg.signing_time, t1);
		ud_time_format(id->last_signing_time, t2);
		snprintf(ex->error, sizeof(ex->error), "response refused: signing-time %s is "
		    "earlier than %s, the last one accepted from this parent: a replay "
		    "(RFC 6492 3.1.2)", t1, t2);
		rc = EXIT_REFUSED;
		goto out;
	}
	ex->signing_time = msg.signing_time;
	ex->ber = msg.ber;
	/* A second exchange in the same run compares against this one. */
	if (!id->has_replay || id->last_signing_time < msg.signing_time)
		id->last_signing_time = msg.signing_time;
	id->has_replay = true;
	if ((r = ud_decode((char *)msg.xml, msg.xml_len, &ex->resp, &uerr)) != 0) {
		snprintf(ex->error, sizeof(ex->error), "response refused: %s (%s)",
		    ud_strerror(r), uerr.reason);
		rc = EXIT_REFUSED;
		goto out;
	}
	if (strcmp(ex->resp.sender, pr->parent_handle) != 0 ||
	    strcmp(ex->resp.recipient, pr->child_handle) != 0) {
		snprintf(ex->error, sizeof(ex->error), "response refused: sender \"%.100s\" / "
		    "recipient \"%.100s\" are not the parent \"%.100s\" / us \"%.100s\" "
		    "(RFC 6492 3.2)", ex->resp.sender, ex->resp.recipient, pr->parent_handle,
		    pr->child_handle);
		rc = EXIT_REFUSED;
		goto out;
	}
	if (ex->resp.type != want && ex->resp.type != UD_ERROR_RESPONSE) {
		snprintf(ex->error, sizeof(ex->error), "response refused: a %s answers a %s "
		    "(RFC 6492 3.2)", ud_type_name(ex->resp.type), ud_type_name(req->type));
		rc = EXIT_REFUSED;
		goto out;
	}
	rc = 0;
out:
	if (rc != 0) {
		ud_msg_free(&ex->resp);
		ud_msg_init(&ex->resp);
	}
	child_http_result_free(&hr);
	cms_msg_free(&msg);
	free(cms);
	free(xml);
	return rc;
}

/* Stage what every successful exchange stores: replay state, renewed EE / CRL. */
static int
stage_common(struct child_id *id, const struct exchange *ex, struct child_txn *t,
             struct child_run *run)
{
	char line[64 + 1 + UD_TIME_SIZE + 1], ts[UD_TIME_SIZE];
	time_t keep = ex->signing_time;
	int rc;

	if (id->has_replay && id->last_signing_time > keep)
		keep = id->last_signing_time;
	ud_time_format(keep, ts);
	for (int i = 0; i < 32; i++)
		snprintf(line + 2 * i, 3, "%02x", id->parent_ta_sha256[i]);
	snprintf(line + 64, sizeof(line) - 64, " %s\n", ts);
	if ((rc = child_txn_write(t, child_path(id, CHILD_F_REPLAY), line, strlen(line),
	    0644)) != 0)
		return rc;
	run->stored[run->nstored++] = CHILD_F_REPLAY;
	if (id->ee_renewed) {
		if ((rc = child_txn_write(t, child_path(id, CHILD_F_EE), id->ee_der, id->ee_len,
		    0644)) != 0)
			return rc;
		run->stored[run->nstored++] = CHILD_F_EE;
	}
	if (id->crl_renewed) {
		if ((rc = child_txn_write(t, child_path(id, CHILD_F_CRL), id->crl_der,
		    id->crl_len, 0644)) != 0)
			return rc;
		run->stored[run->nstored++] = CHILD_F_CRL;
	}
	return 0;
}

/* Print the response (text) or add it to the JSON report. */
static void
show_response(struct child_id *id, struct child_run *run, const struct exchange *ex,
              struct our_keys *keys)
{
	const struct oob_parent_response *pr = &id->parent.u.parent_response;
	char ts[UD_TIME_SIZE];

	ud_time_format(ex->signing_time, ts);
	run->shown = true;
	if (run->json) {
		jo_str(&run->j, "service_uri", pr->service_uri);
		jo_int(&run->j, "http_status", run->http_status);
		jo_time(&run->j, "signing_time", ex->signing_time);
		jo_str(&run->j, "encoding", ex->ber ? "BER" : "DER");
		jo_obj_begin(&run->j, "message");
		insp_updown_json(&run->j, &ex->resp, key_label, keys);
		jo_obj_end(&run->j);
		return;
	}
	printf("parent %s: HTTP 200, %s CMS signed %s, verified against the parent's "
	    "BPKI TA\n", pr->service_uri, ex->ber ? "BER" : "DER", ts);
	insp_updown_text(&ex->resp, key_label, keys);
}

/* An error_response: shown, exit 1, nothing stored. */
static int
error_response(struct child_run *run, const struct exchange *ex, struct child_id *id,
               struct our_keys *keys)
{
	char msg[UD_MAX_DESCRIPTION + 64];

	show_response(id, run, ex, keys);
	snprintf(msg, sizeof(msg), "error_response %u (%s)%s%.1024s", ex->resp.error.status,
	    ud_status_known(ex->resp.error.status) ? ud_status_text(ex->resp.error.status) :
	    "not defined by RFC 6492", ex->resp.error.ndesc ? ": " : "",
	    ex->resp.error.ndesc ? ex->resp.error.desc[0].text : "");
	return run_end(run, EXIT_REFUSED, msg);
}

/* ---- options ---- */

enum {
	O_DIR = 1, O_JSON, O_TIMEOUT, O_CONNECT, O_CACERT, O_LENIENT, O_DER_ONLY,
	O_CLASS, O_KEY, O_AS, O_IPV4, O_IPV6, O_REPO, O_MFT, O_NOTIFY, O_HANDLE, O_FORCE,
};

static const struct option child_longopts[] = {
	{ "dir", required_argument, NULL, O_DIR },
	{ "json", no_argument, NULL, O_JSON },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "connect-timeout", required_argument, NULL, O_CONNECT },
	{ "cacert", required_argument, NULL, O_CACERT },
	{ "lenient", no_argument, NULL, O_LENIENT },
	{ "der-only", no_argument, NULL, O_DER_ONLY },
	{ "class", required_argument, NULL, O_CLASS },
	{ "key", required_argument, NULL, O_KEY },
	{ "as", required_argument, NULL, O_AS },
	{ "ipv4", required_argument, NULL, O_IPV4 },
	{ "ipv6", required_argument, NULL, O_IPV6 },
	{ "sia-repo", required_argument, NULL, O_REPO },
	{ "sia-mft", required_argument, NULL, O_MFT },
	{ "sia-notify", required_argument, NULL, O_NOTIFY },
	{ "handle", required_argument, NULL, O_HANDLE },
	{ "force", no_argument, NULL, O_FORCE },
	{ NULL, 0, NULL, 0 },
};

struct child_args {
	struct child_opts o;
	const char *class_name, *key, *as, *ipv4, *ipv6, *repo, *mft, *notify, *handle;
	bool force;
	int first_arg;            /* optind after parsing */
};

static int
seconds(const char *s, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0 || v > 86400)
		return -1;
	*out = v;
	return 0;
}

static int
parse_args(int argc, char **argv, struct child_args *a)
{
	int c;

	memset(a, 0, sizeof(*a));
	optind = 1;
	while ((c = getopt_long(argc, argv, "", child_longopts, NULL)) != -1) {
		switch (c) {
		case O_DIR: a->o.dir = optarg; break;
		case O_JSON: a->o.json = true; break;
		case O_TIMEOUT:
			if (seconds(optarg, &a->o.http.timeout) != 0)
				return -1;
			break;
		case O_CONNECT:
			if (seconds(optarg, &a->o.http.connect_timeout) != 0)
				return -1;
			break;
		case O_CACERT: a->o.http.cacert = optarg; break;
		case O_LENIENT: a->o.lenient = true; break;
		case O_DER_ONLY: a->o.der_only = true; break;
		case O_CLASS: a->class_name = optarg; break;
		case O_KEY: a->key = optarg; break;
		case O_AS: a->as = optarg; break;
		case O_IPV4: a->ipv4 = optarg; break;
		case O_IPV6: a->ipv6 = optarg; break;
		case O_REPO: a->repo = optarg; break;
		case O_MFT: a->mft = optarg; break;
		case O_NOTIFY: a->notify = optarg; break;
		case O_HANDLE: a->handle = optarg; break;
		case O_FORCE: a->force = true; break;
		default: return -1;
		}
	}
	a->first_arg = optind;
	return a->o.dir == NULL ? -1 : 0;
}

/* ---- list ---- */

/*
 * Certificates in a list_response for our keys that differ from what DIR
 * holds (a parent re-issued them, e.g. after a resource change): stage them.
 */
static int
stage_listed(struct child_id *id, const struct ud_msg *m, struct our_keys *keys,
             struct child_txn *t, struct child_run *run)
{
	static char names[CHILD_TXN_MAX][CHILD_MAX_LABEL + 16];
	int rc;

	for (size_t i = 0; i < m->nclasses; i++)
		for (size_t j = 0; j < m->classes[i].ncerts; j++) {
			const struct ud_cert *ct = &m->classes[i].certs[j];
			const char *label = key_label(keys, ct->der, ct->der_len);
			unsigned char *old = NULL;
			size_t old_len = 0;
			bool same;

			if (label == NULL || run->nstored + 3 >= CHILD_TXN_MAX)
				continue;
			same = access(child_path(id, "certs/%s.cer", label), F_OK) == 0 &&
			    ctl_read_file(child_path(id, "certs/%s.cer", label), &old,
			    &old_len) == 0 && old_len == ct->der_len &&
			    memcmp(old, ct->der, old_len) == 0;
			free(old);
			if (same)
				continue;
			if ((rc = child_txn_write(t, child_path(id, "certs/%s.cer", label),
			    ct->der, ct->der_len, 0644)) != 0)
				return rc;
			snprintf(names[run->nstored], sizeof(names[0]), "certs/%s.cer", label);
			run->stored[run->nstored] = names[run->nstored];
			run->nstored++;
		}
	return 0;
}

int
cmd_child_list(int argc, char **argv)
{
	struct child_args a;
	struct child_id id;
	struct child_run run;
	struct our_keys keys;
	struct child_txn t = { 0 };
	struct ud_msg req;
	struct exchange ex;
	int rc;

	if (parse_args(argc, argv, &a) != 0 || a.first_arg != argc)
		return ctl_usage();
	run_begin(&run, "list", a.o.json);
	if ((rc = child_load(&id, a.o.dir, true)) != 0)
		return run_end(&run, rc, "cannot load the child identity");
	if ((rc = our_keys_load(&id, &keys)) != 0) {
		child_id_free(&id);
		return run_end(&run, rc, "cannot load the RPKI keys");
	}
	ud_msg_init(&req);
	req.type = UD_LIST;
	rc = child_exchange(&id, &a.o, &req, &ex, &run);
	ud_msg_free(&req);
	if (rc != 0) {
		rc = run_end(&run, rc, ex.error);
		goto out;
	}
	if (ex.resp.type == UD_ERROR_RESPONSE) {
		rc = error_response(&run, &ex, &id, &keys);
		goto out;
	}
	if ((rc = stage_common(&id, &ex, &t, &run)) != 0 ||
	    (rc = stage_listed(&id, &ex.resp, &keys, &t, &run)) != 0 ||
	    (rc = child_txn_commit(&t)) != 0) {
		child_txn_abort(&t);
		rc = run_end(&run, rc, "cannot store the response's state");
		goto out;
	}
	show_response(&id, &run, &ex, &keys);
	rc = run_end(&run, 0, NULL);
out:
	ud_msg_free(&ex.resp);
	our_keys_free(&keys);
	child_id_free(&id);
	return rc;
}

/* ---- issue ---- */

/* An optional req_resource_set_* from the command line (UD-65: "" is a present empty set). */
static int
req_set(struct ud_opt_set *o, enum res_family f, const char *text)
{
	if (text == NULL)
		return 0;
	o->present = true;
	return res_set_parse(&o->set, f, text, strlen(text));
}

/* The SubjectPublicKeyInfo's key bits, for the gSKI. */
static int
key_gski(struct signer *s, struct signer_key *k, char gski[UD_SKI_SIZE],
         unsigned char **spki_out, size_t *spki_len)
{
	mbedtls_asn1_bitstring bs;
	unsigned char *spki = NULL, *p, *end;
	size_t len, l;
	int rc = -1;

	if (signer_key_public(s, k, &spki, &len) != 0)
		return -1;
	p = spki;
	end = spki + len;
	if (mbedtls_asn1_get_tag(&p, end, &l, MBEDTLS_ASN1_CONSTRUCTED |
	    MBEDTLS_ASN1_SEQUENCE) == 0 &&
	    mbedtls_asn1_get_tag(&p, end, &l, MBEDTLS_ASN1_CONSTRUCTED |
	    MBEDTLS_ASN1_SEQUENCE) == 0 && (p += l, 1) &&
	    mbedtls_asn1_get_bitstring(&p, end, &bs) == 0 &&
	    ud_ski_from_key(bs.p, bs.len, gski) == 0)
		rc = 0;
	if (rc == 0 && spki_out != NULL) {
		*spki_out = spki;
		*spki_len = len;
		spki = NULL;
	}
	free(spki);
	return rc;
}

/* The class's suggested_sia_head, from a list exchange. *head is malloc'd or NULL. */
static int
suggested_head(struct child_id *id, const struct child_opts *o, const char *class_name,
               char **head, struct exchange *ex, struct child_run *run)
{
	struct ud_msg req;
	int rc;

	*head = NULL;
	ud_msg_init(&req);
	req.type = UD_LIST;
	rc = child_exchange(id, o, &req, ex, run);
	ud_msg_free(&req);
	if (rc != 0 || ex->resp.type == UD_ERROR_RESPONSE)
		return rc;
	for (size_t i = 0; i < ex->resp.nclasses; i++)
		if (strcmp(ex->resp.classes[i].class_name, class_name) == 0 &&
		    ex->resp.classes[i].suggested_sia_head != NULL &&
		    (*head = strdup(ex->resp.classes[i].suggested_sia_head)) == NULL)
			return EXIT_IO;
	ud_msg_free(&ex->resp);
	ud_msg_init(&ex->resp);
	return 0;
}

int
cmd_child_issue(int argc, char **argv)
{
	struct child_args a;
	struct child_id id;
	struct child_run run;
	struct our_keys keys = { 0 };
	struct child_txn t = { 0 };
	struct ud_msg req;
	struct exchange ex;
	struct signer_key *key = NULL;
	struct ud_cert *got = NULL;
	unsigned char *spki = NULL;
	char label[CHILD_MAX_LABEL + 1], name[CHILD_MAX_LABEL + 8], gski[UD_SKI_SIZE];
	char *head = NULL, *repo = NULL, *mft = NULL, *pem = NULL, errbuf[600];
	size_t spki_len = 0, pem_len = 0;
	bool new_key = false;
	int rc, r;

	memset(&ex, 0, sizeof(ex));
	ud_msg_init(&ex.resp);
	if (parse_args(argc, argv, &a) != 0 || a.first_arg != argc || a.class_name == NULL)
		return ctl_usage();
	if (a.key != NULL && !child_label_ok(a.key)) {
		fprintf(stderr, "updownctl: --key: a label is [A-Za-z0-9._-]{1,64}\n");
		return EXIT_USAGE;
	}
	if (a.key != NULL)
		snprintf(label, sizeof(label), "%s", a.key);
	else
		child_class_label(a.class_name, label);
	ud_msg_init(&req);
	req.type = UD_ISSUE;
	if ((req.issue.class_name = strdup(a.class_name)) == NULL ||
	    req_set(&req.issue.req.as, RES_AS, a.as) != 0 ||
	    req_set(&req.issue.req.ipv4, RES_IPV4, a.ipv4) != 0 ||
	    req_set(&req.issue.req.ipv6, RES_IPV6, a.ipv6) != 0) {
		fprintf(stderr, "updownctl: --as/--ipv4/--ipv6: not an RFC 6492 resource set\n");
		ud_msg_free(&req);
		return EXIT_USAGE;
	}
	run_begin(&run, "issue", a.o.json);
	if ((rc = child_load(&id, a.o.dir, true)) != 0) {
		ud_msg_free(&req);
		return run_end(&run, rc, "cannot load the child identity");
	}
	if ((rc = our_keys_load(&id, &keys)) != 0) {
		snprintf(errbuf, sizeof(errbuf), "cannot load the RPKI keys");
		goto fail;
	}
	/* The class key: keys/LABEL.key, or a new one (stored only after a valid response). */
	snprintf(name, sizeof(name), "rpki-%s", label);
	if (signer_key_find(id.signer, name, &key) != 0) {
		if (signer_key_generate(id.signer, name, 0, &key) != 0) {
			snprintf(errbuf, sizeof(errbuf), "key generation: %s", signer_last_error());
			rc = EXIT_IO;
			goto fail;
		}
		new_key = true;
	}
	if (key_gski(id.signer, key, gski, &spki, &spki_len) != 0) {
		snprintf(errbuf, sizeof(errbuf), "cannot read the key");
		rc = EXIT_IO;
		goto fail;
	}
	/* SIA: as given, else the parent's suggested_sia_head (from a list). */
	if (a.repo == NULL) {
		if ((rc = suggested_head(&id, &a.o, a.class_name, &head, &ex, &run)) != 0) {
			snprintf(errbuf, sizeof(errbuf), "%s", ex.error);
			goto fail;
		}
		if (ex.resp.type == UD_ERROR_RESPONSE) {
			rc = error_response(&run, &ex, &id, &keys);
			goto out;
		}
		if (head == NULL) {
			snprintf(errbuf, sizeof(errbuf), "--sia-repo needed: the parent suggests "
			    "no SIA head for class \"%.100s\"", a.class_name);
			rc = EXIT_USAGE;
			goto fail;
		}
	}
	{
		const char *base = a.repo != NULL ? a.repo : head;
		size_t n = strlen(base);
		bool slash = n > 0 && base[n - 1] == '/';

		if ((repo = malloc(n + 2)) == NULL || (mft = malloc(n + 2 + UD_SKI_SIZE + 8)) == NULL) {
			rc = EXIT_IO;
			snprintf(errbuf, sizeof(errbuf), "out of memory");
			goto fail;
		}
		sprintf(repo, "%s%s", base, slash ? "" : "/");
		if (a.mft != NULL)
			snprintf(mft, n + 2 + UD_SKI_SIZE + 8, "%s", a.mft);
		else
			sprintf(mft, "%s%s.mft", repo, gski);
	}
	if ((r = csr_check_uri(repo, strlen(repo), CSR_URI_REPO, NULL)) != 0 ||
	    (r = csr_check_uri(mft, strlen(mft), CSR_URI_MFT, NULL)) != 0 ||
	    (a.notify != NULL && (r = csr_check_uri(a.notify, strlen(a.notify),
	    CSR_URI_NOTIFY, NULL)) != 0)) {
		snprintf(errbuf, sizeof(errbuf), "SIA: %s", csr_strerror(r));
		rc = EXIT_USAGE;
		goto fail;
	}
	if (child_csr(id.signer, key, repo, mft, a.notify, &req.issue.csr,
	    &req.issue.csr_len) != 0 ||
	    (r = csr_check(req.issue.csr, req.issue.csr_len, NULL, NULL)) != 0) {
		snprintf(errbuf, sizeof(errbuf), "our PKCS#10 fails its own check");
		rc = EXIT_IO;
		goto fail;
	}
	if ((rc = child_exchange(&id, &a.o, &req, &ex, &run)) != 0) {
		snprintf(errbuf, sizeof(errbuf), "%s", ex.error);
		goto fail;
	}
	if (ex.resp.type == UD_ERROR_RESPONSE) {
		rc = error_response(&run, &ex, &id, &keys);
		goto out;
	}
	/* RFC 6492 3.4.2: one class, ours, with the certificate for our key. */
	if (ex.resp.nclasses != 1 || strcmp(ex.resp.classes[0].class_name, a.class_name) != 0) {
		snprintf(errbuf, sizeof(errbuf), "response refused: issue_response is not "
		    "for class \"%.100s\" (RFC 6492 3.4.2)", a.class_name);
		rc = EXIT_REFUSED;
		goto fail;
	}
	for (size_t i = 0; i < ex.resp.classes[0].ncerts; i++) {
		struct insp_cert c;
		char why[INSP_WHY];

		if (insp_cert_decode(ex.resp.classes[0].certs[i].der,
		    ex.resp.classes[0].certs[i].der_len, &c, why) == 0 &&
		    c.spki_len == spki_len && memcmp(c.spki, spki, spki_len) == 0 && c.ca)
			got = &ex.resp.classes[0].certs[i];
		insp_cert_free(&c);
	}
	if (got == NULL) {
		snprintf(errbuf, sizeof(errbuf), "response refused: no CA certificate for our "
		    "key in the issue_response (RFC 6492 3.4.2)");
		rc = EXIT_REFUSED;
		goto fail;
	}
	/* Everything checks out: store key, class, certificate and state at once. */
	if (new_key && signer_sw_export_pem(id.signer, key, &pem, &pem_len) != 0) {
		rc = EXIT_IO;
		snprintf(errbuf, sizeof(errbuf), "cannot export the new key");
		goto fail;
	}
	if ((rc = stage_common(&id, &ex, &t, &run)) != 0 ||
	    (new_key && (rc = child_txn_write(&t, child_path(&id, "keys/%s.key", label), pem,
	    pem_len, 0600)) != 0) ||
	    (rc = child_txn_write(&t, child_path(&id, "keys/%s.class", label), a.class_name,
	    strlen(a.class_name), 0644)) != 0 ||
	    (rc = child_txn_write(&t, child_path(&id, "certs/%s.cer", label), got->der,
	    got->der_len, 0644)) != 0 ||
	    (rc = child_txn_commit(&t)) != 0) {
		child_txn_abort(&t);
		snprintf(errbuf, sizeof(errbuf), "cannot store the certificate");
		goto fail;
	}
	{
		static char stored[3][CHILD_MAX_LABEL + 16];

		snprintf(stored[0], sizeof(stored[0]), "keys/%s.key", label);
		snprintf(stored[1], sizeof(stored[1]), "keys/%s.class", label);
		snprintf(stored[2], sizeof(stored[2]), "certs/%s.cer", label);
		if (new_key)
			run.stored[run.nstored++] = stored[0];
		run.stored[run.nstored++] = stored[1];
		run.stored[run.nstored++] = stored[2];
	}
	/* Our new key is one of ours now, for the rendering. */
	if (keys.n < CHILD_MAX_KEYS) {
		keys.spki[keys.n] = spki;
		keys.spki_len[keys.n] = spki_len;
		snprintf(keys.label[keys.n], sizeof(keys.label[0]), "%s", label);
		keys.n++;
		spki = NULL;
	}
	show_response(&id, &run, &ex, &keys);
	if (!run.json)
		printf("stored: certs/%s.cer (key %s%s)\n", label, label, new_key ? ", new" : "");
	rc = run_end(&run, 0, NULL);
	goto out;
fail:
	rc = run_end(&run, rc, errbuf);
out:
	if (pem != NULL) {
		mbedtls_platform_zeroize(pem, pem_len);
		free(pem);
	}
	free(spki);
	free(head);
	free(repo);
	free(mft);
	ud_msg_free(&req);
	ud_msg_free(&ex.resp);
	our_keys_free(&keys);
	child_id_free(&id);
	return rc;
}

/* ---- revoke ---- */

int
cmd_child_revoke(int argc, char **argv)
{
	struct child_args a;
	struct child_id id;
	struct child_run run;
	struct our_keys keys = { 0 };
	struct child_txn t = { 0 };
	struct ud_msg req;
	struct exchange ex;
	struct signer_key *key = NULL;
	char label[CHILD_MAX_LABEL + 1], name[CHILD_MAX_LABEL + 8], gski[UD_SKI_SIZE];
	char errbuf[600];
	uint8_t a_ski[UD_SKI_BYTES], b_ski[UD_SKI_BYTES];
	time_t now = time(NULL);
	int rc;

	memset(&ex, 0, sizeof(ex));
	ud_msg_init(&ex.resp);
	if (parse_args(argc, argv, &a) != 0 || a.first_arg != argc || a.class_name == NULL)
		return ctl_usage();
	if (a.key != NULL && !child_label_ok(a.key)) {
		fprintf(stderr, "updownctl: --key: a label is [A-Za-z0-9._-]{1,64}\n");
		return EXIT_USAGE;
	}
	if (a.key != NULL)
		snprintf(label, sizeof(label), "%s", a.key);
	else
		child_class_label(a.class_name, label);
	ud_msg_init(&req);
	run_begin(&run, "revoke", a.o.json);
	if ((rc = child_load(&id, a.o.dir, true)) != 0)
		return run_end(&run, rc, "cannot load the child identity");
	if ((rc = our_keys_load(&id, &keys)) != 0) {
		snprintf(errbuf, sizeof(errbuf), "cannot load the RPKI keys");
		goto fail;
	}
	snprintf(name, sizeof(name), "rpki-%s", label);
	if (signer_key_find(id.signer, name, &key) != 0) {
		snprintf(errbuf, sizeof(errbuf), "no key \"%s\" in %s/keys", label, a.o.dir);
		rc = EXIT_REFUSED;
		goto fail;
	}
	if (key_gski(id.signer, key, gski, NULL, NULL) != 0) {
		snprintf(errbuf, sizeof(errbuf), "cannot read the key");
		rc = EXIT_IO;
		goto fail;
	}
	req.type = UD_REVOKE;
	if ((req.key.class_name = strdup(a.class_name)) == NULL ||
	    (req.key.ski = strdup(gski)) == NULL) {
		rc = EXIT_IO;
		snprintf(errbuf, sizeof(errbuf), "out of memory");
		goto fail;
	}
	if ((rc = child_exchange(&id, &a.o, &req, &ex, &run)) != 0) {
		snprintf(errbuf, sizeof(errbuf), "%s", ex.error);
		goto fail;
	}
	if (ex.resp.type == UD_ERROR_RESPONSE) {
		rc = error_response(&run, &ex, &id, &keys);
		goto out;
	}
	/* RFC 6492 3.5.2: the key echoed. */
	if (strcmp(ex.resp.key.class_name, a.class_name) != 0 ||
	    ud_ski_decode(ex.resp.key.ski, a_ski) != 0 || ud_ski_decode(gski, b_ski) != 0 ||
	    memcmp(a_ski, b_ski, UD_SKI_BYTES) != 0) {
		snprintf(errbuf, sizeof(errbuf), "response refused: revoke_response names "
		    "another key (RFC 6492 3.5.2)");
		rc = EXIT_REFUSED;
		goto fail;
	}
	/* The key is dead for this parent: move it (and its certificate) aside. */
	if ((rc = stage_common(&id, &ex, &t, &run)) != 0 ||
	    (rc = child_txn_rename(&t, child_path(&id, "keys/%s.key", label),
	    child_path(&id, "revoked/%s-%s-%lld.key", label, gski, (long long)now))) != 0 ||
	    (access(child_path(&id, "keys/%s.class", label), F_OK) == 0 &&
	    (rc = child_txn_rename(&t, child_path(&id, "keys/%s.class", label),
	    child_path(&id, "revoked/%s-%s-%lld.class", label, gski, (long long)now))) != 0) ||
	    (access(child_path(&id, "certs/%s.cer", label), F_OK) == 0 &&
	    (rc = child_txn_rename(&t, child_path(&id, "certs/%s.cer", label),
	    child_path(&id, "revoked/%s-%s-%lld.cer", label, gski, (long long)now))) != 0) ||
	    (rc = child_txn_commit(&t)) != 0) {
		child_txn_abort(&t);
		snprintf(errbuf, sizeof(errbuf), "cannot store the revocation");
		goto fail;
	}
	run.stored[run.nstored++] = "revoked/";
	show_response(&id, &run, &ex, &keys);
	if (!run.json)
		printf("key %s (ski %s) revoked and moved to %s/revoked/\n", label, gski, a.o.dir);
	rc = run_end(&run, 0, NULL);
	goto out;
fail:
	rc = run_end(&run, rc, errbuf);
out:
	ud_msg_free(&req);
	ud_msg_free(&ex.resp);
	our_keys_free(&keys);
	child_id_free(&id);
	return rc;
}

/* ---- dispatch ---- */

/* updownctl child SUBCOMMAND ... */
int
cmd_child(int argc, char **argv)
{
	struct child_args a;

	if (argc < 2)
		return ctl_usage();
	argc--;
	argv++;
	if (strcmp(argv[0], "init") == 0) {
		if (parse_args(argc, argv, &a) != 0 || a.first_arg != argc || a.handle == NULL)
			return ctl_usage();
		return child_init(a.o.dir, a.handle, a.o.json);
	}
	if (strcmp(argv[0], "parent") == 0) {
		if (parse_args(argc, argv, &a) != 0 || a.first_arg != argc - 1)
			return ctl_usage();
		return child_set_parent(a.o.dir, argv[argc - 1], a.force, a.o.json);
	}
	if (strcmp(argv[0], "list") == 0)
		return cmd_child_list(argc, argv);
	if (strcmp(argv[0], "issue") == 0)
		return cmd_child_issue(argc, argv);
	if (strcmp(argv[0], "revoke") == 0)
		return cmd_child_revoke(argc, argv);
	return ctl_usage();
}
