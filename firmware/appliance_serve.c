/*
 * The appliance serving: the RFC 6492 HTTP server, the provisioning
 * endpoint and the reconciliation timer. See appliance.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "appliance_int.h"

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

/* http_handler_fn for the children: engine_handle on this worker thread. */
static int
updown_handler(void *ctx, const char *child, const unsigned char *body, size_t len,
    struct http_reply *reply)
{
	struct appliance *a = ctx;
	struct engine_response resp;
	time_t now;
	int rc;

	if (hal_clock_now(&a->hal->clock, &now) != 0)
		return -1;
	if (len == 0) {
		/* Not a CMS message at all: the same 400 as any failed check (UD-8). */
		reply->status = 400;
		return 0;
	}
	memset(&resp, 0, sizeof(resp));
	rc = engine_handle(a->engine, child, body, len, now, &resp);
	if (rc != 0) {
		engine_response_free(&resp);
		hal_logf(&a->hal->log, HAL_LOG_ERR, "engine_handle: %s", engine_strerror(rc));
		return -1;
	}
	reply->status = resp.http_status;
	reply->body = resp.body;
	reply->len = resp.body_len;
	resp.body = NULL;
	hal_logf(&a->hal->log, resp.http_status == 200 ? HAL_LOG_DEBUG : HAL_LOG_INFO,
	    "updown %s: %d %u %s", resp.child[0] ? resp.child : (child ? child : "-"),
	    resp.http_status, resp.status, resp.log);
	if (resp.http_status != 200 && reply->body == NULL) {
		/* 400 (UD-8) and 500: no up-down message, an empty body. */
		reply->len = 0;
	}
	engine_response_free(&resp);
	return 0;
}

/* http_handler_fn for the provisioning endpoint. */
static int
prov_handler(void *ctx, const char *child, const unsigned char *body, size_t len,
    struct http_reply *reply)
{
	struct appliance *a = ctx;
	struct appliance_prov_result r;
	time_t now;
	size_t n;

	(void)child;
	if (hal_clock_now(&a->hal->clock, &now) != 0)
		return -1;
	if (appliance_provision(a, body, len, now, &r) == APPLIANCE_ERR_ARG)
		return -1;
	n = strlen(r.msg);
	if ((reply->body = malloc(n + 2)) == NULL)
		return -1;
	memcpy(reply->body, r.msg, n);
	reply->body[n] = '\n';
	reply->len = n + 1;
	reply->status = r.http_status;
	reply->content_type = "text/plain";
	return 0;
}

/* The reconciliation job: at start, then every reconcile_interval seconds. */
static void *
timer_main(void *arg)
{
	struct appliance *a = arg;
	struct timespec until;
	char msg[APPLIANCE_MSG_SIZE];
	time_t now;

	pthread_mutex_lock(&a->timer_mu);
	while (!a->timer_stop) {
		pthread_mutex_unlock(&a->timer_mu);
		if (hal_clock_now(&a->hal->clock, &now) == 0) {
			int rc = appliance_reconcile(a, now, msg);
			hal_logf(&a->hal->log, rc == 0 ? HAL_LOG_INFO : HAL_LOG_WARN, "%s", msg);
		}
		pthread_mutex_lock(&a->timer_mu);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += a->opt.reconcile_interval;
		while (!a->timer_stop &&
		    pthread_cond_timedwait(&a->timer_cv, &a->timer_mu, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&a->timer_mu);
	return NULL;
}

/* The path part of an http(s) URI ("/" when none). */
static int
uri_path(const char *uri, char **out)
{
	const char *p = strstr(uri, "://");

	p = p != NULL ? strchr(p + 3, '/') : NULL;
	*out = strdup(p != NULL ? p : "/");
	return *out != NULL ? 0 : -1;
}

/* appliance_serve: see appliance.h. */
int
appliance_serve(struct appliance *a, char *msg)
{
	struct http_config hc;
	size_t n;
	int rc;

	if (a == NULL || a->srv != NULL)
		return APPLIANCE_ERR_ARG;
	if (uri_path(a->conf->service_uri_base, &a->child_prefix) != 0 ||
	    (a->shared_path = strdup(a->child_prefix)) == NULL) {
		setmsg(msg, "out of memory");
		return APPLIANCE_ERR_NOMEM;
	}
	n = strlen(a->shared_path);
	if (n > 1 && a->shared_path[n - 1] == '/')
		a->shared_path[n - 1] = '\0';

	http_config_init(&hc);
	hc.port = (uint16_t)a->conf->net.http_port;
	hc.shared_path = a->shared_path;
	hc.child_prefix = a->child_prefix;
	hc.child_known = app_child_known;
	hc.handler = updown_handler;
	hc.ctx = a;
	hc.types = HTTP_TYPES_LEGACY;
	hc.workers = a->conf->net.workers;
	if (a->opt.http_queue != 0)
		hc.queue = a->opt.http_queue;
	hc.max_conns = a->conf->net.max_connections;
	hc.max_body = a->conf->net.max_request;
	hc.idle_timeout_ms = a->conf->net.idle_timeout * 1000u;
	hc.clock = &a->hal->clock;
	hc.log = &a->hal->log;
	if ((rc = http_server_start(&hc, &a->srv)) != 0) {
		setmsg(msg, "HTTP server on port %u: error %d", hc.port, rc);
		return APPLIANCE_ERR_HTTP;
	}
	if (a->conf->prov.path[0] != '\0') {
		http_config_init(&hc);
		hc.port = (uint16_t)a->opt.provision_port;
		hc.shared_path = a->conf->prov.path;
		hc.handler = prov_handler;
		hc.ctx = a;
		hc.types = HTTP_TYPES_STRICT;
		hc.request_type = APPLIANCE_BUNDLE_TYPE;
		hc.reply_type = "text/plain";
		hc.workers = 1;
		hc.queue = 4;
		hc.max_conns = 8;
		hc.max_body = APPLIANCE_MAX_BUNDLE;
		hc.body_timeout_ms = 120000;
		hc.stop_timeout_ms = 60000;
		hc.clock = &a->hal->clock;
		hc.log = &a->hal->log;
		if ((rc = http_server_start(&hc, &a->prov_srv)) != 0) {
			setmsg(msg, "provisioning HTTP server on port %u: error %d", hc.port, rc);
			return APPLIANCE_ERR_HTTP;
		}
	}
	a->timer_stop = false;
	if (pthread_create(&a->timer, NULL, timer_main, a) != 0) {
		setmsg(msg, "reconciliation thread: cannot start");
		return APPLIANCE_ERR_NOMEM;
	}
	a->timer_running = true;
	return 0;
}

/* appliance_stop: see appliance.h. */
void
appliance_stop(struct appliance *a)
{
	if (a == NULL)
		return;
	if (a->timer_running) {
		pthread_mutex_lock(&a->timer_mu);
		a->timer_stop = true;
		pthread_cond_broadcast(&a->timer_cv);
		pthread_mutex_unlock(&a->timer_mu);
		pthread_join(a->timer, NULL);
		a->timer_running = false;
	}
	http_server_stop(a->prov_srv, NULL);
	a->prov_srv = NULL;
	http_server_stop(a->srv, NULL);
	a->srv = NULL;
	free(a->shared_path);
	free(a->child_prefix);
	a->shared_path = a->child_prefix = NULL;
}
