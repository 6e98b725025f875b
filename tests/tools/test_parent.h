/*
 * A test RFC 6492 parent for the child client tests: a tiny HTTP/1.1
 * server on 127.0.0.1 (port chosen by the kernel) running in a thread of
 * the test program, answering each POST through a handler.
 *
 * The built-in handler is a small parent of its own (proto/cms, crypto/):
 * a BPKI (TA, EE, CRL) to sign replies with, an RPKI CA (a self-signed TA
 * with holdings) to issue from, one class; it checks each request as a
 * parent must (CMS profile, path to the child's BPKI TA, replay, sender
 * and recipient) and answers list / issue / revoke with canned but real
 * signed responses built at run time. Modes make it misbehave: HTTP
 * statuses, oversized or endless bodies, silence, a broken signature, a
 * reply signed under another BPKI, an old signing-time, an
 * error_response, a wrong sender, garbage.
 *
 * Another handler (e.g. one that wraps the firmware engine) may be
 * installed with tp_set_handler().
 */
#ifndef UPDOWN_TESTS_TOOLS_TEST_PARENT_H
#define UPDOWN_TESTS_TOOLS_TEST_PARENT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define TP_HANDLE  "test-parent"
#define TP_CLASS   "DEFAULT"
#define TP_AS      "64496-64511"
#define TP_V4      "192.0.2.0/24"
#define TP_V6      "2001:db8::/32"
#define TP_SIA_HEAD "rsync://127.0.0.1/repo/child/"

enum tp_mode {
	TP_NORMAL = 0,
	TP_STATUS,          /* answer with tp->status and no body */
	TP_OVERSIZE,        /* 200 with Content-Length 17 MiB, streamed */
	TP_OVERSIZE_NOLEN,  /* 200 without Content-Length, 17 MiB then close */
	TP_HANG,            /* read the request, never answer */
	TP_BAD_SIG,         /* a normal reply with one signature bit flipped */
	TP_WRONG_TA,        /* a normal reply signed under another BPKI */
	TP_OLD_TIME,        /* a normal reply with signing-time = now - 1 day */
	TP_ERROR,           /* error_response tp->error_status with a description */
	TP_WRONG_SENDER,    /* a normal reply from another sender */
	TP_GARBAGE,         /* 200 with a body that is no CMS */
	TP_WRONG_KEY,       /* issue: certify another key than the CSR's */
};

/* A handler: fill *status and *body (malloc'd, may be NULL). Runs on the server thread. */
typedef void (*tp_handler_fn)(void *arg, const char *path, const unsigned char *req,
                              size_t len, int *status, unsigned char **body,
                              size_t *body_len);

struct tp;

/* Start the parent (built-in handler); fails the test on error. */
struct tp *tp_start(void);
void tp_stop(struct tp *p);
unsigned short tp_port(const struct tp *p);

void tp_set_mode(struct tp *p, enum tp_mode mode);
void tp_set_status(struct tp *p, int status);         /* for TP_STATUS */
void tp_set_error(struct tp *p, unsigned status);     /* for TP_ERROR */
void tp_set_handler(struct tp *p, tp_handler_fn fn, void *arg);

/*
 * Read a child_request.xml, register the child under assigned_handle, and
 * write a parent_response.xml for it to out_path (service URI
 * http://127.0.0.1:PORT/updown/<assigned>).
 */
void tp_add_child(struct tp *p, const char *child_request_path, const char *assigned_handle,
                  const char *out_path);
/* The same, with another parent BPKI TA (for "a different parent" tests). */
void tp_write_other_parent_response(struct tp *p, const char *assigned_handle,
                                    const char *out_path);

/* Forget every certificate issued (so that a revoke gets 1302). */
void tp_forget(struct tp *p);

/* What the parent saw. */
unsigned tp_requests(const struct tp *p);             /* requests received */
unsigned tp_certs(const struct tp *p);                /* current certificates issued */
const char *tp_last_type(const struct tp *p);         /* "list", "issue", ... */
/* The last issue request's req_resource_set_ipv4 ("-" when absent). */
const char *tp_last_req_v4(const struct tp *p);

#endif
