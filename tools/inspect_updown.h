/*
 * updownctl: readable and JSON renderings of an RFC 6492 message (schema
 * in inspect_updown.c), shared by `inspect` and the child client.
 */
#ifndef UPDOWN_TOOLS_INSPECT_UPDOWN_H
#define UPDOWN_TOOLS_INSPECT_UPDOWN_H

#include <stddef.h>

#include "json_out.h"
#include "proto/updown.h"

/*
 * For the child client: the label of our key that a certificate (DER)
 * certifies, or NULL. The string belongs to ctx.
 */
typedef const char *(*insp_key_label_fn)(void *ctx, const unsigned char *der, size_t len);

/* Text lines on stdout; key_label may be NULL. */
void insp_updown_text(const struct ud_msg *m, insp_key_label_fn key_label, void *ctx);
/* The message's fields into the JSON object being written. */
void insp_updown_json(struct jo *j, const struct ud_msg *m, insp_key_label_fn key_label,
                      void *ctx);
/* A DER certificate as a JSON object (insp_cert_json), or { "error": why }. */
void insp_der_cert_json(struct jo *j, const char *key, const unsigned char *der, size_t len);

#endif
