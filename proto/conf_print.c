/*
 * proto/conf: the configuration printer. Writes every section and every
 * setting of the key table (conf_int.h) in table order, so that
 * conf_parse(conf_print(c)) equals c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"
#include "proto/conf.h"

struct sbuf {
	char *p;
	size_t len, cap;
	bool fail;
};

static void
sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->fail)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->fail = true;
		return;
	}
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t want = b->cap < 1024 ? 1024 : b->cap;
		char *np;

		while (want < b->len + (size_t)n + 1)
			want *= 2;
		if ((np = realloc(b->p, want)) == NULL) {
			b->fail = true;
			return;
		}
		b->p = np;
		b->cap = want;
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* A number in the largest unit that divides it exactly. */
static void
sb_number(struct sbuf *b, uint64_t v, enum conf_unit unit)
{
	if (unit == CONF_U_SECONDS && v > 0) {
		if (v % 86400 == 0)
			sb_printf(b, "%llud", (unsigned long long)(v / 86400));
		else if (v % 3600 == 0)
			sb_printf(b, "%lluh", (unsigned long long)(v / 3600));
		else if (v % 60 == 0)
			sb_printf(b, "%llum", (unsigned long long)(v / 60));
		else
			sb_printf(b, "%llus", (unsigned long long)v);
		return;
	}
	if (unit == CONF_U_BYTES && v > 0) {
		if (v % (1024 * 1024) == 0)
			sb_printf(b, "%lluM", (unsigned long long)(v >> 20));
		else if (v % 1024 == 0)
			sb_printf(b, "%lluk", (unsigned long long)(v >> 10));
		else
			sb_printf(b, "%llu", (unsigned long long)v);
		return;
	}
	sb_printf(b, "%llu", (unsigned long long)v);
}

/* One key's line(s), or nothing for an absent optional value. */
static void
print_key(struct sbuf *b, const struct conf_key *k, const void *base)
{
	const char *p = (const char *)base + k->off;

	switch (k->type) {
	case CONF_KT_STR:
		if (*(char *const *)p != NULL)
			sb_printf(b, "%s = %s\n", k->name, *(char *const *)p);
		return;
	case CONF_KT_BOOL:
		sb_printf(b, "%s = %s\n", k->name, *(const bool *)p ? "yes" : "no");
		return;
	case CONF_KT_UINT:
	case CONF_KT_MTU:
		sb_printf(b, "%s = ", k->name);
		sb_number(b, *(const unsigned *)p, k->unit);
		sb_printf(b, "\n");
		return;
	case CONF_KT_SIZE:
		if (k->off_ok && *(const size_t *)p == SIZE_MAX) {
			sb_printf(b, "%s = off\n", k->name);
			return;
		}
		sb_printf(b, "%s = ", k->name);
		sb_number(b, *(const size_t *)p, k->unit);
		sb_printf(b, "\n");
		return;
	case CONF_KT_SHARE: {
		unsigned ppm = *(const unsigned *)p, frac = ppm % 10000;
		char fs[8];
		int n;

		if (ppm >= CONF_BRAKE_SHARE_OFF) {
			sb_printf(b, "%s = off\n", k->name);
			return;
		}
		if (frac == 0) {
			sb_printf(b, "%s = %u%%\n", k->name, ppm / 10000);
			return;
		}
		n = snprintf(fs, sizeof(fs), "%04u", frac);
		while (n > 0 && fs[n - 1] == '0')
			fs[--n] = '\0';
		sb_printf(b, "%s = %u.%s%%\n", k->name, ppm / 10000, fs);
		return;
	}
	case CONF_KT_MECH:
		sb_printf(b, "%s = %s\n", k->name,
		    *(const enum conf_mech *)p == CONF_MECH_RSA_PKCS_HOST_HASH ?
		    "rsa-pkcs-host-hash" : "sha256-rsa-pkcs");
		return;
	case CONF_KT_MFTKEYS:
		sb_printf(b, "%s = %s\n", k->name,
		    *(const enum conf_mft_keys *)p == CONF_MFT_KEYS_HSM ? "hsm" : "software");
		return;
	case CONF_KT_PREFIX: {
		const struct conf_network *n = base;

		if (n->has_address)
			sb_printf(b, "%s = %u.%u.%u.%u/%u\n", k->name, n->address[0],
			    n->address[1], n->address[2], n->address[3], n->prefix);
		return;
	}
	case CONF_KT_IPV4: {
		const struct conf_network *n = base;

		if (n->has_gateway)
			sb_printf(b, "%s = %u.%u.%u.%u\n", k->name, n->gateway[0], n->gateway[1],
			    n->gateway[2], n->gateway[3]);
		return;
	}
	case CONF_KT_MAC: {
		const struct conf_network *n = base;

		if (n->has_mac)
			sb_printf(b, "%s = %02x:%02x:%02x:%02x:%02x:%02x\n", k->name, n->mac[0],
			    n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
		return;
	}
	case CONF_KT_LIST: {
		const struct conf_provisioning *pr = base;

		for (size_t i = 0; i < pr->noperators; i++)
			sb_printf(b, "%s = %s\n", k->name, pr->operators[i]);
		return;
	}
	case CONF_KT_HTTP_PATH: {
		const struct conf_provisioning *pr = base;

		sb_printf(b, "%s = %s\n", k->name, pr->path[0] != '\0' ? pr->path : "off");
		return;
	}
	}
}

static void
print_section(struct sbuf *b, const struct conf *c, enum conf_sec sec, size_t cls)
{
	if (sec == CONF_SEC_CLASS)
		sb_printf(b, "\n[class %s]\n", c->classes[cls].name);
	else
		sb_printf(b, "\n[%s]\n", conf_sec_names[sec]);
	for (size_t k = 0; k < conf_nkeys; k++)
		if (conf_keys[k].sec == sec)
			print_key(b, &conf_keys[k], conf_sec_cbase(c, sec, cls));
}

/*
 * Write c as configuration text (see proto/conf.h). *out is malloc'd and
 * NUL-terminated; caller frees.
 */
int
conf_print(const struct conf *c, char **out, size_t *len)
{
	struct sbuf b = { NULL, 0, 0, false };
	int rc;

	if (out == NULL)
		return CONF_ERR_ARG;
	*out = NULL;
	if (len != NULL)
		*len = 0;
	if ((rc = conf_check(c, NULL)) != 0)
		return rc;
	sb_printf(&b, "# updown appliance configuration (docs/configuration.md)\n");
	for (int s = 0; s < CONF_SEC_COUNT; s++) {
		if (s == CONF_SEC_CLASS) {
			for (size_t i = 0; i < c->nclasses; i++)
				print_section(&b, c, CONF_SEC_CLASS, i);
			continue;
		}
		print_section(&b, c, (enum conf_sec)s, 0);
	}
	if (b.fail) {
		free(b.p);
		return CONF_ERR_NOMEM;
	}
	*out = b.p;
	if (len != NULL)
		*len = b.len;
	return 0;
}
