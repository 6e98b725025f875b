/*
 * firmware/http: connections on lwIP's raw TCP API, the worker pool, and
 * the server's life cycle (http.h says what the server does).
 *
 * Every function here except the worker loop and the public entry points
 * runs with lwIP's core lock held (lwIP callbacks hold it; workers and the
 * entry points take it with LOCK_TCPIP_CORE).
 *
 * Input. A connection owns a buffer of exactly one TCP window
 * (HTTP_IN_CAP = TCP_WND). conn_recv copies each pbuf into it and frees the
 * pbuf at once, so lwIP's PBUF_POOL never holds application data; the bytes
 * are acknowledged to lwIP (tcp_recved, which reopens the window) only once
 * the parser has consumed them. Hence unconsumed bytes never exceed the
 * window and always fit. While a request is with a worker the parser is
 * paused: pipelined bytes wait in the buffer and the window closes.
 *
 * Closing. Internal functions that may close or reset a connection return
 * GONE_CLOSED (tcp_close done; an lwIP callback must then return ERR_OK)
 * or GONE_ABORTED (tcp_abort done; the callback must return ERR_ABRT); in
 * both cases the struct http_conn may be freed and must not be touched.
 * GO_ON means it lives. A connection whose pcb is gone while a worker holds
 * it stays allocated until the worker hands it back (conn_release).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/tcpip.h"

#include "http_int.h"

enum { GO_ON = 0, GONE_CLOSED = 1, GONE_ABORTED = 2 };

static const char continue_line[] = "HTTP/1.1 100 Continue\r\n\r\n";
/* The worker queue's stop message (any unique address). */
static char stop_token;

static err_t
to_err(int rc)
{
	return rc == GONE_ABORTED ? ERR_ABRT : ERR_OK;
}

static int conn_parse(struct http_conn *c);

/* Unlink and free c, unless a worker still holds it. pcb already detached. */
static void
conn_release(struct http_conn *c)
{
	struct http_server *s = c->srv;

	if (c->job)
		return;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	if (c->over_limit)
		s->nover--;
	else
		s->nconns--;
	free(c->body);
	free(c->reply.body);
	free(c->in);
	free(c);
}

static struct tcp_pcb *
conn_detach(struct http_conn *c)
{
	struct tcp_pcb *pcb = c->pcb;

	if (pcb != NULL) {
		tcp_arg(pcb, NULL);
		tcp_recv(pcb, NULL);
		tcp_sent(pcb, NULL);
		tcp_err(pcb, NULL);
		tcp_poll(pcb, NULL, 0);
	}
	c->pcb = NULL;
	return pcb;
}

/* Reset the connection (RST) and release c. */
static int
conn_abort(struct http_conn *c)
{
	struct tcp_pcb *pcb = conn_detach(c);

	c->srv->stats.aborted++;
	if (pcb != NULL)
		tcp_abort(pcb);
	conn_release(c);
	return GONE_ABORTED;
}

/* Hand bytes the parser consumed back to TCP (reopens the window). */
static void
conn_consume(struct http_conn *c, size_t n)
{
	if (n == 0)
		return;
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
	if (c->pcb != NULL)
		tcp_recved(c->pcb, (u16_t)n);
}

/* Close gracefully (FIN) and release c; reset if lwIP cannot close now. */
static int
conn_close(struct http_conn *c)
{
	struct tcp_pcb *pcb;

	/* Unread bytes would turn tcp_close's FIN into a RST. */
	conn_consume(c, c->in_len);
	pcb = conn_detach(c);
	if (pcb != NULL && tcp_close(pcb) != ERR_OK) {
		c->srv->stats.aborted++;
		tcp_abort(pcb);
		conn_release(c);
		return GONE_ABORTED;
	}
	conn_release(c);
	return GONE_CLOSED;
}

/*
 * The final response is out: send our FIN, then drop whatever the client
 * still sends until it closes or HTTP_LINGER_MS pass (conn_poll), so the
 * client reads our answer instead of a reset.
 */
static int
conn_linger(struct http_conn *c)
{
	c->state = CS_LINGER;
	c->t_mark = sys_now();
	conn_consume(c, c->in_len);
	if (c->peer_fin)
		return conn_close(c);
	if (tcp_shutdown(c->pcb, 0, 1) != ERR_OK)
		return conn_close(c);
	return GO_ON;
}

/* The whole response is in TCP's hands: next request, or close. */
static int
conn_response_done(struct http_conn *c)
{
	struct http_server *s = c->srv;
	int cls = c->reply.status / 100;

	if (cls >= 1 && cls <= 5)
		s->stats.status[cls]++;
	free(c->reply.body);
	memset(&c->reply, 0, sizeof(c->reply));
	c->served++;
	/* A client that half-closed after pipelining still gets every answer. */
	if (c->close_after || s->stopping || c->over_limit || (c->peer_fin && c->in_len == 0))
		return conn_linger(c);
	http_req_reset(c);
	c->state = CS_READ;
	c->t_idle = sys_now();
	http_parser_pause(&c->parser, 0);
	return GO_ON;
}

/* Queue as much of head + body as TCP takes now; the rest on ACKs. */
static int
conn_send_more(struct http_conn *c)
{
	size_t body_len = c->head_method ? 0 : c->reply.len;
	size_t total = c->head_len + body_len;

	while (c->out_off < total) {
		size_t room = tcp_sndbuf(c->pcb), n;
		const void *ptr;
		err_t err;

		if (room == 0)
			break;
		if (c->out_off < c->head_len) {
			ptr = c->head + c->out_off;
			n = c->head_len - c->out_off;
		} else {
			ptr = c->reply.body + (c->out_off - c->head_len);
			n = total - c->out_off;
		}
		if (n > room)
			n = room;
		if (n > 0xffff)
			n = 0xffff;
		err = tcp_write(c->pcb, ptr, (u16_t)n, TCP_WRITE_FLAG_COPY |
		    (c->out_off + n < total ? TCP_WRITE_FLAG_MORE : 0));
		if (err == ERR_MEM)
			break;  /* lwIP's heap or segment pool is busy: retry on ACK/poll */
		if (err != ERR_OK)
			return conn_abort(c);
		c->out_off += n;
	}
	tcp_output(c->pcb);
	if (c->out_off == total)
		return conn_response_done(c);
	return GO_ON;
}

/* Start sending c->reply (status, body set; body owned by c). */
static int
conn_respond(struct http_conn *c)
{
	if (c->reply.status < 200 || c->reply.status > 599) {
		free(c->reply.body);
		memset(&c->reply, 0, sizeof(c->reply));
		c->reply.status = 500;
	}
	if (c->reply.close || c->srv->stopping || (c->peer_fin && c->in_len == 0))
		c->close_after = true;
	http_head_build(c);
	c->state = CS_SEND;
	c->out_off = 0;
	c->t_mark = sys_now();
	return conn_send_more(c);
}

/* Our own answer (text/plain "NNN Reason"); close it after if asked. */
static int
conn_refuse(struct http_conn *c, int status, bool close)
{
	const char *reason = http_status_str((enum http_status)status);
	size_t n = strlen(reason) + 6;

	free(c->reply.body);
	memset(&c->reply, 0, sizeof(c->reply));
	c->reply.status = status;
	c->reply.content_type = "text/plain; charset=utf-8";
	if ((c->reply.body = malloc(n)) != NULL)
		c->reply.len = (size_t)snprintf((char *)c->reply.body, n, "%d %s\n", status, reason);
	if (status == 503)
		c->reply.retry_after = c->srv->cfg.retry_after;
	if (close)
		c->close_after = true;
	if (status == 408)
		c->srv->stats.timeouts++;
	return conn_respond(c);
}

static void
log_overload(struct http_server *s, const char *what)
{
	uint32_t now = sys_now();

	if (now - s->t_overload_log >= 1000) {
		s->t_overload_log = now;
		hal_logf(s->cfg.log, HAL_LOG_WARN, "http: overloaded (%s), answering 503", what);
	}
}

/* A whole request is in (parser paused): answer it or queue it. */
static int
conn_dispatch(struct http_conn *c)
{
	struct http_server *s = c->srv;

	if (c->status != 0)
		return conn_refuse(c, c->status, c->want_close);
	if (s->stopping)
		return conn_refuse(c, 503, true);
	c->close_after = c->want_close;
	c->state = CS_WORK;
	c->job = true;
	if (sys_mbox_trypost(&s->queue, c) != ERR_OK) {
		c->job = false;
		s->stats.queue_full++;
		log_overload(s, "worker queue full");
		return conn_refuse(c, 503, c->want_close);  /* UD-165 */
	}
	s->stats.requests++;
	return GO_ON;
}

/* Feed buffered input to the parser while we are reading requests. */
static int
conn_parse(struct http_conn *c)
{
	int rc;

	while (c->state == CS_READ && c->in_len > 0) {
		size_t n = http_parser_execute(&c->parser, &http_req_settings,
		    (const char *)c->in, c->in_len);
		enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);

		conn_consume(c, n);
		if (e == HPE_PAUSED) {
			if ((rc = conn_dispatch(c)) != GO_ON)
				return rc;
			continue;  /* answered at once: maybe the next pipelined request */
		}
		if (e != HPE_OK) {
			int st = c->status != 0 ? c->status :
			    e == HPE_HEADER_OVERFLOW ? 431 : 400;
			hal_logf(c->srv->cfg.log, HAL_LOG_DEBUG, "http: request refused %d (%s)",
			    st, http_errno_name(e));
			return conn_refuse(c, st, true);
		}
		if (n == 0)
			break;
	}
	/* The client has closed and no whole request is left: we are done. */
	if (c->state == CS_READ && c->peer_fin)
		return conn_close(c);
	return GO_ON;
}

/* Send more, then parse what waited if the response completed. */
static int
conn_kick(struct http_conn *c)
{
	int rc = GO_ON;

	if (c->state == CS_SEND)
		rc = conn_send_more(c);
	if (rc == GO_ON && c->state == CS_READ)
		rc = conn_parse(c);
	return rc;
}

/* http_conn_send_continue: the interim 100 (Expect: 100-continue). */
void
http_conn_send_continue(struct http_conn *c)
{
	if (c->pcb != NULL &&
	    tcp_write(c->pcb, continue_line, sizeof(continue_line) - 1, TCP_WRITE_FLAG_COPY) == ERR_OK) {
		tcp_output(c->pcb);
		c->srv->stats.status[1]++;
	}
}

/* ---- lwIP callbacks ---- */

static err_t
conn_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct http_conn *c = arg;

	if (c == NULL) {
		if (p != NULL) {
			tcp_recved(pcb, p->tot_len);
			pbuf_free(p);
		}
		return ERR_OK;
	}
	if (p == NULL) {
		/* The client closed its side. */
		c->peer_fin = true;
		if (c->state == CS_READ || c->state == CS_LINGER)
			return to_err(conn_close(c));
		return ERR_OK;  /* answer the request in progress, then close */
	}
	if (err != ERR_OK || c->state == CS_LINGER || c->over_limit) {
		tcp_recved(pcb, p->tot_len);
		pbuf_free(p);
		return ERR_OK;
	}
	if (p->tot_len > HTTP_IN_CAP - c->in_len) {
		/* Cannot happen while the window invariant holds (see top). */
		pbuf_free(p);
		hal_logf(c->srv->cfg.log, HAL_LOG_ERR, "http: receive window overrun, resetting");
		return to_err(conn_abort(c));
	}
	pbuf_copy_partial(p, c->in + c->in_len, p->tot_len, 0);
	c->in_len += p->tot_len;
	pbuf_free(p);
	if (c->state == CS_READ)
		return to_err(conn_parse(c));
	return ERR_OK;
}

static err_t
conn_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct http_conn *c = arg;

	(void)pcb;
	(void)len;
	if (c == NULL)
		return ERR_OK;
	c->t_mark = c->state == CS_LINGER ? c->t_mark : sys_now();
	return to_err(conn_kick(c));
}

static void
conn_err(void *arg, err_t err)
{
	struct http_conn *c = arg;

	(void)err;
	if (c == NULL)
		return;
	/* lwIP has freed the pcb already. */
	c->pcb = NULL;
	if (c->state != CS_LINGER)
		c->srv->stats.aborted++;
	conn_release(c);
}

/* Every 0.5 s: timeouts (http.h), and retries of stalled writes. */
static err_t
conn_poll(void *arg, struct tcp_pcb *pcb)
{
	struct http_conn *c = arg;
	struct http_server *s;
	uint32_t now = sys_now();

	(void)pcb;
	if (c == NULL)
		return ERR_OK;
	s = c->srv;
	switch (c->state) {
	case CS_READ:
		if (!c->in_request) {
			unsigned limit = c->served > 0 ? s->cfg.idle_timeout_ms :
			    s->cfg.header_timeout_ms;
			if (s->stopping || now - c->t_idle >= limit) {
				s->stats.timeouts += s->stopping ? 0 : 1;
				return to_err(conn_close(c));
			}
		} else if (!c->headers_done) {
			if (now - c->t_start >= s->cfg.header_timeout_ms)
				return to_err(conn_refuse(c, 408, true));
		} else if (now - c->t_headers >= s->cfg.body_timeout_ms) {
			return to_err(conn_refuse(c, 408, true));
		}
		break;
	case CS_WORK:
		break;
	case CS_SEND:
		if (now - c->t_mark >= s->cfg.send_timeout_ms) {
			s->stats.timeouts++;
			return to_err(conn_abort(c));
		}
		return to_err(conn_kick(c));
	case CS_LINGER:
		if (now - c->t_mark >= HTTP_LINGER_MS)
			return to_err(conn_close(c));
		break;
	}
	return ERR_OK;
}

static err_t
srv_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct http_server *s = arg;
	struct http_conn *c;
	bool over;

	if (s == NULL || err != ERR_OK || pcb == NULL)
		return ERR_VAL;
	over = s->nconns >= s->cfg.max_conns;
	if (s->stopping || (over && s->nover >= s->cfg.max_conns / 4 + 4)) {
		s->stats.refused_conns += s->stopping ? 0 : 1;
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (!over && (c->in = malloc(HTTP_IN_CAP)) == NULL)) {
		free(c);
		hal_logf(s->cfg.log, HAL_LOG_WARN, "http: out of memory for a connection");
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	c->srv = s;
	c->pcb = pcb;
	c->over_limit = over;
	c->next = s->conns;
	if (s->conns != NULL)
		s->conns->prev = c;
	s->conns = c;
	http_parser_init(&c->parser, HTTP_REQUEST);
	c->parser.data = c;
	c->state = CS_READ;
	c->t_idle = sys_now();
	tcp_arg(pcb, c);
	tcp_recv(pcb, conn_recv);
	tcp_sent(pcb, conn_sent);
	tcp_err(pcb, conn_err);
	tcp_poll(pcb, conn_poll, 1);
	tcp_nagle_disable(pcb);
	if (over) {
		s->nover++;
		s->stats.refused_conns++;
		log_overload(s, "too many connections");
		return to_err(conn_refuse(c, 503, true));  /* UD-165 */
	}
	s->nconns++;
	s->stats.accepted++;
	if (s->nconns > s->stats.conns_max)
		s->stats.conns_max = s->nconns;
	return ERR_OK;
}

/* ---- workers ---- */

/* A worker is done with c: send its reply (or drop it if c is gone). */
static void
conn_job_done(struct http_conn *c, int rc, struct http_reply *r)
{
	c->job = false;
	free(c->body);
	c->body = NULL;
	c->body_len = c->body_cap = 0;
	if (c->pcb == NULL) {
		free(r->body);
		conn_release(c);
		return;
	}
	if (rc < 0) {
		hal_logf(c->srv->cfg.log, HAL_LOG_ERR, "http: handler failed (%d) for %s",
		    rc, c->has_child ? c->child : "(shared path)");
		free(r->body);
		rc = conn_refuse(c, 500, c->close_after);
	} else {
		c->reply = *r;
		rc = conn_respond(c);
	}
	/* Pipelined requests that waited behind this one. */
	if (rc == GO_ON && c->state == CS_READ)
		conn_parse(c);
}

static void
worker_main(void *arg)
{
	struct http_server *s = arg;
	void *msg;

	for (;;) {
		sys_arch_mbox_fetch(&s->queue, &msg, 0);
		if (msg == &stop_token)
			break;
		struct http_conn *c = msg;
		struct http_reply r;
		int rc;

		memset(&r, 0, sizeof(r));
		rc = s->cfg.handler(s->cfg.ctx, c->has_child ? c->child : NULL,
		    c->body, c->body_len, &r);
		LOCK_TCPIP_CORE();
		conn_job_done(c, rc, &r);
		UNLOCK_TCPIP_CORE();
	}
	sys_sem_signal(&s->workers_done);
}

/* ---- server ---- */

/* http_config_init: see http.h. */
void
http_config_init(struct http_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->port = 80;
	cfg->types = HTTP_TYPES_LEGACY;
	cfg->request_type = "application/rpki-updown";
	cfg->legacy_type = "application/x-rpki";
	cfg->reply_type = "application/rpki-updown";
	cfg->workers = 2;
	cfg->queue = 64;
	cfg->max_conns = 128;
	cfg->max_body = 1024 * 1024;
	cfg->max_header = 8192;
	cfg->max_headers = 32;
	cfg->idle_timeout_ms = 30000;
	cfg->header_timeout_ms = 10000;
	cfg->body_timeout_ms = 30000;
	cfg->send_timeout_ms = 30000;
	cfg->stop_timeout_ms = 10000;
	cfg->retry_after = 1;
}

static int
dup_str(const char *in, char **out)
{
	*out = NULL;
	if (in == NULL)
		return 0;
	return (*out = strdup(in)) != NULL ? 0 : HTTP_ERR_NOMEM;
}

static bool
config_ok(const struct http_config *c)
{
	if (c->handler == NULL || (c->shared_path == NULL && c->child_prefix == NULL))
		return false;
	if (c->shared_path != NULL && (c->shared_path[0] != '/' || strlen(c->shared_path) > HTTP_URL_MAX))
		return false;
	if (c->child_prefix != NULL &&
	    (c->child_prefix[0] != '/' || strlen(c->child_prefix) > HTTP_URL_MAX))
		return false;
	if (c->request_type == NULL || c->legacy_type == NULL || c->reply_type == NULL ||
	    strlen(c->reply_type) > 100 || strpbrk(c->reply_type, "\r\n") != NULL)
		return false;
	if (c->types != HTTP_TYPES_STRICT && c->types != HTTP_TYPES_LEGACY &&
	    c->types != HTTP_TYPES_ANY)
		return false;
	if (c->workers < 1 || c->workers > HTTP_MAX_WORKERS || c->queue < 1 ||
	    c->queue > HTTP_MAX_QUEUE)
		return false;
	/* Leave lwIP pcbs for closing connections and 503 answers. */
	if (c->max_conns < 1 || c->max_conns > MEMP_NUM_TCP_PCB - MEMP_NUM_TCP_PCB / 4)
		return false;
	if (c->max_body > (size_t)1 << 30 || c->max_header < 256 || c->max_headers < 1)
		return false;
	if (c->idle_timeout_ms == 0 || c->header_timeout_ms == 0 || c->body_timeout_ms == 0 ||
	    c->send_timeout_ms == 0)
		return false;
	return true;
}

static void
srv_free(struct http_server *s)
{
	if (s == NULL)
		return;
	if (sys_mbox_valid(&s->queue))
		sys_mbox_free(&s->queue);
	if (sys_sem_valid(&s->workers_done))
		sys_sem_free(&s->workers_done);
	free(s->shared_path);
	free(s->child_prefix);
	free(s->request_type);
	free(s->legacy_type);
	free(s->reply_type);
	free(s);
}

static void
workers_stop(struct http_server *s)
{
	unsigned i;

	for (i = 0; i < s->nworkers; i++)
		sys_mbox_post(&s->queue, &stop_token);
	for (i = 0; i < s->nworkers; i++)
		sys_sem_wait(&s->workers_done);
	s->nworkers = 0;
}

/* http_server_start: see http.h. */
int
http_server_start(const struct http_config *cfg, struct http_server **out)
{
	struct http_server *s = NULL;
	struct tcp_pcb *pcb, *lpcb;
	int rc = HTTP_ERR_ARG;

	if (cfg == NULL || out == NULL || !config_ok(cfg))
		goto out;
	rc = HTTP_ERR_NOMEM;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		goto out;
	s->cfg = *cfg;
	if (dup_str(cfg->shared_path, &s->shared_path) != 0 ||
	    dup_str(cfg->child_prefix, &s->child_prefix) != 0 ||
	    dup_str(cfg->request_type, &s->request_type) != 0 ||
	    dup_str(cfg->legacy_type, &s->legacy_type) != 0 ||
	    dup_str(cfg->reply_type, &s->reply_type) != 0)
		goto out;
	s->cfg.shared_path = s->shared_path;
	s->cfg.child_prefix = s->child_prefix;
	s->cfg.request_type = s->request_type;
	s->cfg.legacy_type = s->legacy_type;
	s->cfg.reply_type = s->reply_type;
	s->shared_len = s->shared_path != NULL ? strlen(s->shared_path) : 0;
	s->prefix_len = s->child_prefix != NULL ? strlen(s->child_prefix) : 0;
	if (sys_mbox_new(&s->queue, (int)cfg->queue) != ERR_OK ||
	    sys_sem_new(&s->workers_done, 0) != ERR_OK)
		goto out;
	http_parser_set_max_header_size(cfg->max_header);
	for (s->nworkers = 0; s->nworkers < cfg->workers; s->nworkers++)
		sys_thread_new("http-worker", worker_main, s, 0, 0);

	rc = HTTP_ERR_LWIP;
	LOCK_TCPIP_CORE();
	pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
	if (pcb != NULL && tcp_bind(pcb, IP4_ADDR_ANY, cfg->port) == ERR_OK &&
	    (lpcb = tcp_listen(pcb)) != NULL) {
		s->listen = lpcb;
		tcp_arg(lpcb, s);
		tcp_accept(lpcb, srv_accept);
		pcb = NULL;
		rc = 0;
	}
	if (pcb != NULL)
		tcp_close(pcb);
	UNLOCK_TCPIP_CORE();
	if (rc != 0) {
		hal_logf(cfg->log, HAL_LOG_ERR, "http: cannot listen on port %u", (unsigned)cfg->port);
		workers_stop(s);
		goto out;
	}
	hal_logf(cfg->log, HAL_LOG_INFO,
	    "http: listening on port %u (%u workers, queue %u, %u connections, body <= %zu bytes)",
	    (unsigned)cfg->port, cfg->workers, cfg->queue, cfg->max_conns, cfg->max_body);
	*out = s;
	s = NULL;
out:
	srv_free(s);
	return rc;
}

/* http_server_stop: see http.h. */
void
http_server_stop(struct http_server *s, struct http_stats *final)
{
	struct http_conn *c, *next;
	uint32_t start;
	unsigned left;

	if (final != NULL)
		memset(final, 0, sizeof(*final));
	if (s == NULL)
		return;
	LOCK_TCPIP_CORE();
	s->stopping = true;
	if (s->listen != NULL) {
		tcp_accept(s->listen, NULL);
		tcp_arg(s->listen, NULL);
		tcp_close(s->listen);
		s->listen = NULL;
	}
	for (c = s->conns; c != NULL; c = next) {
		next = c->next;
		if (c->state == CS_READ)
			conn_close(c);
	}
	UNLOCK_TCPIP_CORE();

	start = sys_now();
	for (;;) {
		LOCK_TCPIP_CORE();
		left = s->nconns + s->nover;
		UNLOCK_TCPIP_CORE();
		if (left == 0 || sys_now() - start >= s->cfg.stop_timeout_ms)
			break;
		sys_msleep(10);
	}
	LOCK_TCPIP_CORE();
	for (c = s->conns; c != NULL; c = next) {
		next = c->next;
		if (c->pcb != NULL)
			conn_abort(c);
	}
	UNLOCK_TCPIP_CORE();
	if (left != 0)
		hal_logf(s->cfg.log, HAL_LOG_WARN, "http: stop: %u connection(s) still busy after %u ms",
		    left, s->cfg.stop_timeout_ms);
	/* Queued jobs ahead of the stop messages still run; their replies drop. */
	workers_stop(s);
	if (final != NULL)
		http_server_get_stats(s, final);
	hal_logf(s->cfg.log, HAL_LOG_INFO, "http: stopped (port %u)", (unsigned)s->cfg.port);
	srv_free(s);
}

/* http_server_get_stats: see http.h. */
void
http_server_get_stats(struct http_server *s, struct http_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return;
	LOCK_TCPIP_CORE();
	*out = s->stats;
	out->conns = s->nconns;
	UNLOCK_TCPIP_CORE();
}
