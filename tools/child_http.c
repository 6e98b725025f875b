/*
 * updownctl child: the HTTP POST of an RFC 6492 request (RFC 6492 section
 * 3: one request per POST, Content-Type application/rpki-updown, the reply
 * in the response body), with libcurl: http and https only, no redirects,
 * TLS peer and host verification on, timeouts, and the response body
 * capped at CHILD_MAX_RESPONSE bytes (announced or received).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "child.h"
#include "updownctl.h"

struct sink {
	struct child_http_result *r;
	size_t cap;
};

static size_t
on_data(char *data, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	struct child_http_result *r = s->r;
	size_t bytes = size * n;

	if (bytes > CHILD_MAX_RESPONSE - r->len) {
		r->too_large = true;
		return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	if (r->len + bytes > s->cap) {
		size_t cap = s->cap ? s->cap : 65536;
		unsigned char *nb;

		while (cap < r->len + bytes)
			cap *= 2;
		if (cap > CHILD_MAX_RESPONSE)
			cap = CHILD_MAX_RESPONSE;
		if ((nb = realloc(r->body, cap)) == NULL)
			return 0;
		r->body = nb;
		s->cap = cap;
	}
	memcpy(r->body + r->len, data, bytes);
	r->len += bytes;
	return bytes;
}

/* See child.h. */
void
child_http_result_free(struct child_http_result *r)
{
	if (r == NULL)
		return;
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/* See child.h. */
int
child_http_post(const char *url, const unsigned char *body, size_t len,
                const struct child_http_opts *o, struct child_http_result *r)
{
	static bool ready;
	struct curl_slist *headers = NULL;
	struct sink sink = { r, 0 };
	char errbuf[CURL_ERROR_SIZE] = "";
	char *ct = NULL;
	CURL *c;
	CURLcode cc;
	int rc = EXIT_IO;

	memset(r, 0, sizeof(*r));
	if (!ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
			snprintf(r->error, sizeof(r->error), "libcurl initialisation failed");
			return EXIT_IO;
		}
		ready = true;
	}
	if ((c = curl_easy_init()) == NULL) {
		snprintf(r->error, sizeof(r->error), "libcurl: out of memory");
		return EXIT_IO;
	}
	{
		struct curl_slist *h;

		headers = curl_slist_append(NULL, "Content-Type: application/rpki-updown");
		/* No "Expect: 100-continue" round trip. */
		if (headers == NULL || (h = curl_slist_append(headers, "Expect:")) == NULL) {
			snprintf(r->error, sizeof(r->error), "libcurl: out of memory");
			goto out;
		}
		headers = h;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "updownctl-child/0.1");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)CHILD_MAX_RESPONSE);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, o->timeout > 0 ? o->timeout : 120L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o->connect_timeout > 0 ?
	    o->connect_timeout : 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->cacert != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->cacert);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	cc = curl_easy_perform(c);
	if (cc == CURLE_FILESIZE_EXCEEDED || r->too_large) {
		r->too_large = true;
		snprintf(r->error, sizeof(r->error), "response larger than %u bytes",
		    CHILD_MAX_RESPONSE);
		goto out;
	}
	if (cc != CURLE_OK) {
		snprintf(r->error, sizeof(r->error), "%s", errbuf[0] ? errbuf :
		    curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct != NULL)
		snprintf(r->content_type, sizeof(r->content_type), "%s", ct);
	rc = 0;
out:
	if (rc != 0) {
		free(r->body);
		r->body = NULL;
		r->len = 0;
	}
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
	return rc;
}
