/*
 * firmware/http internals shared by http.c (connections, lwIP callbacks,
 * workers) and http_req.c (request parsing, routing, response heads).
 * Everything here is touched only under lwIP's core lock, except what a
 * worker reads while conn->job is set (child, body, body_len: the network
 * side leaves them alone until the worker hands the connection back).
 */
#ifndef UPDOWN_FIRMWARE_HTTP_INT_H
#define UPDOWN_FIRMWARE_HTTP_INT_H

#include <http_parser.h>

#include "lwip/sys.h"
#include "lwip/tcp.h"

#include "firmware/http.h"

/* Per-connection input buffer: exactly one TCP window (see conn_recv). */
#define HTTP_IN_CAP      TCP_WND
#define HTTP_CTYPE_MAX   128
#define HTTP_FIELD_MAX   32
#define HTTP_EXPECT_MAX  32
#define HTTP_HEAD_MAX    512
/* Lingering close: how long we drain input after our FIN. */
#define HTTP_LINGER_MS   2000

enum http_cstate {
	CS_READ,    /* reading a request, or idle between requests */
	CS_WORK,    /* the request is queued or with a worker */
	CS_SEND,    /* the response is being queued into TCP */
	CS_LINGER,  /* final response queued, FIN sent: draining input */
};

enum http_hdr { HDR_OTHER, HDR_CTYPE, HDR_EXPECT };

struct http_conn {
	struct http_server *srv;
	struct tcp_pcb *pcb;          /* NULL once closed, aborted or lost */
	struct http_conn *prev, *next;
	enum http_cstate state;
	bool over_limit;              /* accepted beyond max_conns: 503 only */
	bool job;                     /* a worker holds the connection */
	bool peer_fin;                /* the client closed its side */
	bool close_after;             /* close once the current response is out */
	unsigned served;              /* responses completed */
	http_parser parser;
	unsigned char *in;            /* HTTP_IN_CAP bytes (NULL if over_limit) */
	size_t in_len;
	uint32_t t_idle;              /* last response done (or accept) */
	uint32_t t_start;             /* first byte of the current request */
	uint32_t t_headers;           /* header section complete */
	uint32_t t_mark;              /* send progress / linger start */
	/* The request being read. */
	bool in_request, headers_done, in_value, discard, want_close, head_method;
	int status;                   /* nonzero: our own answer to this request */
	unsigned nheaders, nctype;
	enum http_hdr hdr;
	char field[HTTP_FIELD_MAX + 1];
	size_t field_len;
	char url[HTTP_URL_MAX + 1];
	size_t url_len;
	char ctype[HTTP_CTYPE_MAX + 1];
	size_t ctype_len;
	char expect[HTTP_EXPECT_MAX + 1];
	size_t expect_len;
	bool url_long, ctype_long, expect_long, field_long;
	unsigned char *body;          /* Content-Length bytes, malloc'd */
	size_t body_len, body_cap;
	char child[HTTP_HANDLE_MAX + 1];
	bool has_child;
	/* The response being sent. */
	struct http_reply reply;      /* body owned */
	char head[HTTP_HEAD_MAX];
	size_t head_len;
	size_t out_off;               /* bytes of head + body handed to TCP */
};

struct http_server {
	struct http_config cfg;       /* strings point to the copies below */
	char *shared_path, *child_prefix, *request_type, *legacy_type, *reply_type;
	size_t shared_len, prefix_len;
	struct tcp_pcb *listen;
	struct http_conn *conns;
	unsigned nconns;              /* connections within max_conns */
	unsigned nover;               /* over-limit connections being refused */
	bool stopping;
	sys_mbox_t queue;
	sys_sem_t workers_done;
	unsigned nworkers;
	uint32_t t_overload_log;
	struct http_stats stats;
};

/* http_req.c */
extern const http_parser_settings http_req_settings;
void http_req_reset(struct http_conn *c);
void http_head_build(struct http_conn *c);
/* http.c */
void http_conn_send_continue(struct http_conn *c);

#endif
