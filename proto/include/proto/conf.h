/*
 * The appliance configuration file (updown.conf): what the firmware needs
 * to open its HSM, its state, its network interface and its issuer engine
 * (firmware/include/firmware/engine.h: struct engine_config,
 * engine_class_config, engine_options), and what the host tool needs to
 * find the same things. docs/configuration.md is the format's definition;
 * `updownctl ceremony` writes the file, the firmware and `updownctl` read
 * it.
 *
 * Text form (summary; the document is authoritative): INI-like sections
 * [appliance], [hsm], [bpki], [class NAME] (one or more), [network],
 * [provisioning], [policy]; "key = value" lines; '#' comments; every key
 * known, every value checked with explicit bounds. Paths are kept as
 * written: relative ones are relative to the configuration directory
 * (conf_path() joins them). No PIN is ever stored in the file: a token URI
 * carrying pin-value is refused, pin-source=file:... or env:... names where
 * the PIN is.
 *
 * conf_parse() and conf_print() round trip: conf_parse(conf_print(c))
 * equals c (conf_equal). Defaults are filled in by conf_init() and
 * conf_parse(), so a printed file spells out every setting.
 *
 * No I/O: the caller reads the file and passes the text. Errors are
 * negative CONF_ERR_* codes; the first error of a parse comes with
 * "source:line: message" in struct conf_error.
 */
#ifndef UPDOWN_PROTO_CONF_H
#define UPDOWN_PROTO_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONF_ERR_ARG        -0x1001 /* NULL or unusable argument */
#define CONF_ERR_NOMEM      -0x1002 /* out of memory */
#define CONF_ERR_LIMIT      -0x1003 /* a CONF_MAX_* limit is exceeded */
#define CONF_ERR_ENCODING   -0x1004 /* NUL, control character or invalid UTF-8 */
#define CONF_ERR_SYNTAX     -0x1005 /* not a section header, key = value, comment or blank */
#define CONF_ERR_SECTION    -0x1006 /* unknown or repeated section, or a key before any section */
#define CONF_ERR_KEY        -0x1007 /* unknown or repeated key */
#define CONF_ERR_VALUE      -0x1008 /* a value out of its syntax or range */
#define CONF_ERR_MISSING    -0x1009 /* a required section or key is missing */
#define CONF_ERR_PIN        -0x100A /* a PIN in the file (pin-value) */
#define CONF_ERR_OPERATOR   -0x100B /* an operator key file is not an RSA-2048+ key or certificate */
#define CONF_ERR_INCOMPLETE -0x100C /* conf_ready(): a setting the appliance needs is pending */

/* Bounds on the file, checked before allocating. */
#define CONF_MAX_TEXT        (1u << 20) /* bytes of the whole file */
#define CONF_MAX_LINE        4096u      /* bytes of one line */
#define CONF_MAX_CLASSES     64u        /* ENGINE_MAX_CLASSES */
#define CONF_MAX_OPERATORS   64u        /* BUNDLE_MAX_OPERATORS */
#define CONF_MAX_PATH        1024u      /* bytes of a path */
#define CONF_MAX_URI         2048u      /* bytes of a URI (UD-76) */
#define CONF_MAX_HANDLE      255u       /* RFC 8183 handle (UD-154) */
#define CONF_MAX_CLASS_NAME  255u       /* STORE_MAX_CLASS */
#define CONF_MAX_LABEL       128u       /* a bare key label (SIGNER_MAX_LABEL) */
#define CONF_MAX_HTTP_PATH   255u       /* bytes of the provisioning endpoint's path */
#define CONF_MAX_OPERATOR_FILE (64u << 10) /* bytes of an operator key file */
#define CONF_MSG_SIZE        512u       /* one message, NUL included */

/* Defaults (struct conf_policy mirrors struct engine_options). */
#define CONF_DEFAULT_SKEW             300
#define CONF_DEFAULT_CRL_VALIDITY     (24 * 3600)
#define CONF_DEFAULT_BPKI_VALIDITY    (7 * 86400)
#define CONF_DEFAULT_BRAKE_COUNT      100
#define CONF_DEFAULT_BRAKE_SHARE_PPM  100000u   /* 10 % */
#define CONF_BRAKE_SHARE_OFF          1000000u  /* 100 %: the share check is off */
#define CONF_BRAKE_COUNT_OFF          SIZE_MAX
#define CONF_DEFAULT_BRAKE_FLOOR      3
#define CONF_DEFAULT_HTTP_PORT        80
#define CONF_DEFAULT_MAX_REQUEST      (1u << 20)
#define CONF_DEFAULT_WORKERS          4
#define CONF_DEFAULT_MAX_CONNECTIONS  64
#define CONF_DEFAULT_IDLE_TIMEOUT     30
#define CONF_DEFAULT_PROVISION_PATH   "/provision"

/* How the HSM signs (crypto/signer.h enum signer_p11_mech, same values). */
enum conf_mech {
	CONF_MECH_SHA256_RSA_PKCS = 0,     /* "sha256-rsa-pkcs" */
	CONF_MECH_RSA_PKCS_HOST_HASH = 1,  /* "rsa-pkcs-host-hash" (UD-98) */
};

/* Where the manifests' one-time EE keys are made (engine_config.mft_signer). */
enum conf_mft_keys {
	CONF_MFT_KEYS_SOFTWARE = 0,        /* "software" (default, as Krill) */
	CONF_MFT_KEYS_HSM = 1,             /* "hsm" */
};

/* [hsm]: crypto/signer.h struct signer_p11_config. */
struct conf_hsm {
	char *module;           /* PKCS#11 module path */
	char *token_uri;        /* "pkcs11:token=...", never with pin-value */
	enum conf_mech mech;
	bool key_private;       /* CKA_PRIVATE, default yes (UD-163) */
	bool key_sensitive;     /* default yes */
	bool key_extractable;   /* default no */
	bool key_modifiable;    /* default no */
};

/* [bpki]: RFC 6492 section 3.1. Keys are labels or PKCS#11 URIs in the token. */
struct conf_bpki {
	char *ta_cert;          /* our BPKI TA certificate file (children trust it) */
	char *ta_key;
	char *ee_cert;          /* the EE certificate that signs our replies */
	char *ee_key;
	char *crl;              /* the current BPKI CRL file */
};

/* [class NAME]: struct engine_class_config. */
struct conf_class {
	char *name;             /* class_name: visible ASCII, no '[', ']', '#' first */
	unsigned long line;     /* line of the section header, 0 when not from text */
	char *cert;             /* our CA certificate file for the class */
	char *key;              /* its key label or PKCS#11 URI */
	char *cert_uri;         /* rsync URI of our certificate; NULL while pending (upstream) */
	char *pub_root;         /* publication root directory (crypto/pubpoint.h) */
	char *crl_name;         /* NULL: "<gSKI>.crl" */
};

/* [network]: hal/net.h struct hal_net_addr and the HTTP server. */
struct conf_network {
	bool has_address;       /* false: the board's own addressing */
	uint8_t address[4];
	unsigned prefix;        /* 1..32 */
	bool has_gateway;
	uint8_t gateway[4];
	bool has_mac;           /* false: the board chooses */
	uint8_t mac[6];
	unsigned mtu;           /* 0: the device's */
	unsigned http_port;     /* 1..65535 */
	size_t max_request;     /* bytes of a request body (HTTP 413 above) */
	unsigned workers;       /* signing threads */
	unsigned max_connections;
	unsigned idle_timeout;  /* s */
};

/* [provisioning]: who may sign allocation table bundles (M of N). */
struct conf_provisioning {
	size_t noperators;
	char **operators;       /* key files: SPKI or certificate, DER or PEM */
	unsigned threshold;     /* M, 1..noperators (default 1) */
	char path[CONF_MAX_HTTP_PATH + 1]; /* HTTP path of the endpoint; "": off (media only) */
};

/* [policy]: struct engine_options, in the units of the file. */
struct conf_policy {
	unsigned max_skew;          /* s, 1..86400 */
	unsigned shrink_grace;      /* s, 0..31536000 (UD-103) */
	size_t brake_max_count;     /* 1..; CONF_BRAKE_COUNT_OFF: off (UD-104) */
	unsigned brake_share_ppm;   /* 1..999999 millionths; CONF_BRAKE_SHARE_OFF: off */
	size_t brake_floor;         /* 1.. */
	unsigned crl_validity;      /* s, 600..31536000 */
	unsigned crl_refresh;       /* s, 1..crl_validity-1; default crl_validity / 2 */
	unsigned bpki_crl_validity; /* s, 3600..31536000 */
	unsigned backdate;          /* s, 0..86400 (UD-83) */
	bool verify_replies;        /* default yes */
	bool cms_der_only;          /* default no (UD-24) */
	bool csr_mft_in_repo;       /* csr_policy.mft_in_repo (UD-76) */
	bool csr_host_names_only;   /* csr_policy.host_names_only */
	enum conf_mft_keys mft_keys;
};

/* Value type: conf_init() before use, conf_free() after. Every pointer is owned. */
struct conf {
	char *source;               /* file name for messages; NULL when not parsed */
	/* [appliance] */
	char *handle;               /* our parent handle (UD-154) */
	char *state_dir;            /* the store (updown.db) and logs */
	char *service_uri_base;     /* http(s)://.../ ; a child's service URI is base + handle */
	struct conf_hsm hsm;
	struct conf_bpki bpki;
	size_t nclasses;
	struct conf_class *classes; /* in file order, names unique */
	struct conf_network net;
	struct conf_provisioning prov;
	struct conf_policy policy;
};

/* The first error of conf_parse(). */
struct conf_error {
	int code;                   /* CONF_ERR_*, 0 when none */
	unsigned long line;         /* 0 when the error has no line */
	char msg[CONF_MSG_SIZE];    /* "updown.conf:12: [hsm] mechanism: ..." */
};

/* Empty configuration with every default set. */
void conf_init(struct conf *c);
/* Free what c owns and leave it as conf_init() does. Accepts NULL. */
void conf_free(struct conf *c);

/*
 * Parse len bytes of configuration text (need not be NUL-terminated).
 * source names the input in messages (NULL: "<input>"). c is initialised
 * by the call; on success it is filled (caller frees with conf_free()); on
 * failure it is as after conf_init() and err (if not NULL) holds the first
 * error. Returns 0 or a negative CONF_ERR_* code.
 */
int conf_parse(const char *text, size_t len, const char *source, struct conf *c,
               struct conf_error *err);

/*
 * Write c as text: every section and every setting (defaults included), in
 * the order of docs/configuration.md, with a header comment line. c must be
 * a configuration conf_parse() would accept (CONF_ERR_ARG/VALUE/MISSING
 * otherwise; conf_check()). *out is malloc'd and NUL-terminated (caller
 * frees), *len (if not NULL) its length.
 */
int conf_print(const struct conf *c, char **out, size_t *len);

/*
 * Check a configuration built in memory the way conf_parse() checks text
 * (required settings, every value's syntax and range). err may be NULL.
 */
int conf_check(const struct conf *c, struct conf_error *err);

/*
 * Can the appliance run with c? Every class has its certificate URI (an
 * upstream ceremony leaves it pending until `updownctl ceremony import-ca`).
 * Returns 0 or CONF_ERR_INCOMPLETE with a message in err.
 */
int conf_ready(const struct conf *c, struct conf_error *err);

/* Same settings (source and lines ignored). */
bool conf_equal(const struct conf *a, const struct conf *b);

/* The class called name, or NULL. */
const struct conf_class *conf_find_class(const struct conf *c, const char *name);

/*
 * path as seen from the configuration directory dir: path itself when it
 * is absolute, else dir + "/" + path. *out is malloc'd (caller frees).
 */
int conf_path(const char *dir, const char *path, char **out);

/* The service URI of child handle: service_uri_base + handle. *out malloc'd. */
int conf_service_uri(const struct conf *c, const char *handle, char **out);

/*
 * The RSA public key (DER SubjectPublicKeyInfo) of an operator key file:
 * len bytes of a SubjectPublicKeyInfo or an X.509 certificate, DER or PEM
 * ("PUBLIC KEY" or "CERTIFICATE"), RSA of 2048..8192 bits, nothing after
 * it. *spki is malloc'd (caller frees). Returns 0 or CONF_ERR_OPERATOR
 * (CONF_ERR_NOMEM, CONF_ERR_LIMIT).
 */
int conf_operator_spki(const unsigned char *file, size_t len, unsigned char **spki,
                       size_t *spki_len);

/* Name rules of the format (len bytes, need not be NUL-terminated). */
bool conf_class_name_ok(const char *name, size_t len);
bool conf_handle_ok(const char *handle, size_t len);

/* Static English text for a CONF_ERR_* code. */
const char *conf_strerror(int err);

#endif /* UPDOWN_PROTO_CONF_H */
