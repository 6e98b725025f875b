/* updownctl: file helpers shared by the commands. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/pem.h>

#include "updownctl.h"

/* Read a whole file (at most CTL_MAX_FILE), NUL-terminated. Caller frees. */
int
ctl_read_file(const char *path, unsigned char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t n = 0, cap = 0;

	if (f == NULL) {
		fprintf(stderr, "updownctl: %s: %s\n", path, strerror(errno));
		return EXIT_IO;
	}
	for (;;) {
		size_t got;

		if (cap - n < 65536) {
			unsigned char *nb;

			if (cap >= CTL_MAX_FILE) {
				fprintf(stderr, "updownctl: %s: larger than %u bytes\n",
				    path, CTL_MAX_FILE);
				goto fail;
			}
			cap = cap ? cap * 2 : 65536;
			if ((nb = realloc(buf, cap + 1)) == NULL)
				goto fail;
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "updownctl: %s: read error\n", path);
		goto fail;
	}
	fclose(f);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
fail:
	fclose(f);
	free(buf);
	return EXIT_IO;
}

/* Write len bytes to path through a temporary file and rename: never a partial file. */
int
ctl_write_file(const char *path, const unsigned char *buf, size_t len)
{
	char tmp[4096];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return EXIT_IO;
	if ((f = fopen(tmp, "wb")) == NULL ||
	    fwrite(buf, 1, len, f) != len || fflush(f) != 0) {
		fprintf(stderr, "updownctl: %s: %s\n", tmp, strerror(errno));
		if (f != NULL)
			fclose(f);
		remove(tmp);
		return EXIT_IO;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "updownctl: %s: %s\n", path, strerror(errno));
		remove(tmp);
		return EXIT_IO;
	}
	return 0;
}

/*
 * Load a certificate or CRL, DER or PEM (label "CERTIFICATE" or
 * "X509 CRL"), as DER. Caller frees *der.
 */
int
ctl_read_der(const char *path, const char *label, unsigned char **der, size_t *len)
{
	unsigned char *buf;
	size_t n;
	int rc;

	if ((rc = ctl_read_file(path, &buf, &n)) != 0)
		return rc;
	if (n > 0 && buf[0] == '-') {
		mbedtls_pem_context pem;
		char header[64], footer[64];
		size_t used;

		snprintf(header, sizeof(header), "-----BEGIN %s-----", label);
		snprintf(footer, sizeof(footer), "-----END %s-----", label);
		mbedtls_pem_init(&pem);
		if (mbedtls_pem_read_buffer(&pem, header, footer, buf, NULL, 0, &used) != 0) {
			fprintf(stderr, "updownctl: %s: not a PEM %s\n", path, label);
			mbedtls_pem_free(&pem);
			free(buf);
			return EXIT_REFUSED;
		}
		free(buf);
		if ((buf = malloc(pem.buflen)) == NULL) {
			mbedtls_pem_free(&pem);
			return EXIT_IO;
		}
		memcpy(buf, pem.buf, pem.buflen);
		n = pem.buflen;
		mbedtls_pem_free(&pem);
	}
	*der = buf;
	*len = n;
	return 0;
}

