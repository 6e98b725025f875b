/*
 * The appliance's private state (firmware/appliance*.c only).
 */
#ifndef UPDOWN_FIRMWARE_APPLIANCE_INT_H
#define UPDOWN_FIRMWARE_APPLIANCE_INT_H

#include <pthread.h>
#include <stdbool.h>

#include "crypto/signer.h"
#include "firmware/appliance.h"
#include "firmware/engine.h"
#include "firmware/http.h"
#include "firmware/store.h"
#include "proto/bundle.h"

/* Sorted child handles, for the HTTP server's child_known (network side). */
struct app_children {
	char **v;
	size_t n, cap;
};

struct appliance {
	const struct conf *conf;
	const struct hal *hal;
	struct appliance_options opt;
	char *confdir;
	struct signer *signer, *mft_signer;
	struct store *store;
	struct engine *engine;
	struct engine_class_config *cls;
	unsigned char **cls_der;
	char **pub_roots;
	char *xlog_dir;               /* the exchange log's directory (engine_config) */
	size_t ncls;
	unsigned char *bpki_ta, *bpki_ee, *bpki_crl;
	size_t bpki_ta_len, bpki_ee_len, bpki_crl_len;
	struct bundle_operator *ops;
	size_t nops;
	bool locks;
	pthread_rwlock_t kids_lock;
	struct app_children kids;
	pthread_mutex_t prov_lock;     /* provisioning and reconciliation, one at a time */
	/* Serving. */
	struct http_server *srv, *prov_srv;
	char *shared_path, *child_prefix;
	pthread_t timer;
	bool timer_running, timer_stop;
	pthread_mutex_t timer_mu;
	pthread_cond_t timer_cv;
};

int app_read_file(const char *path, size_t max, unsigned char **out, size_t *len, char *msg);
int app_children_reload(struct appliance *a);
bool app_child_known(void *ctx, const char *child);

#endif
