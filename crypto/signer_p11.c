/*
 * The PKCS#11 signer: any module loaded by path (dlopen + C_GetFunctionList),
 * the token chosen by a PKCS#11 URI (RFC 7512) matched with p11-kit, keys
 * generated inside the token and never leaving it.
 *
 * Modules: one entry per loaded module, shared by every signer on it,
 * counted, so C_Initialize (CKF_OS_LOCKING_OK) happens at the first open
 * and C_Finalize at the last close (only if we initialised it).
 *
 * Sessions: one per thread and signer (pthread key), opened lazily and
 * logged in if the token says nobody is (PKCS#11 login state is per
 * application and token: CKR_USER_ALREADY_LOGGED_IN is fine). The session
 * closes when its thread exits or at signer_close().
 *
 * Recovery (UD-163): an operation that fails with an error meaning "the
 * session, the login, the object handle or the token went away" drops the
 * thread's session, re-initialises the module if it was finalised, finds
 * the slot again by the URI, and is retried once: the retry opens a new
 * session, logs in and finds the key again by label and id. Key object
 * handles are cached with the signer's epoch, which every recovery bumps.
 * A handle that may be dead is never closed (modules reuse handle values).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>

#include <p11-kit/p11-kit.h>
#include <p11-kit/pkcs11.h>
#include <p11-kit/uri.h>

#include "signer_int.h"

#define P11_MAX_SLOTS    256  /* slots we look at */
#define P11_MAX_PIN      256  /* bytes of PIN */
#define P11_MAX_MODULUS  512  /* bytes (RSA-4096); we then insist on 2048 bits */
#define P11_MAX_EXPONENT 16
#define P11_SPKI_MAX     600
#define P11_TOKEN_NAME   (32 + 1)

struct p11_module {
	struct p11_module *next;
	void *dl;
	CK_FUNCTION_LIST_PTR f;
	int refs;
	bool owns_init;              /* we called C_Initialize: we finalise */
	atomic_ulong init_gen;       /* bumped when we re-initialise */
};

static pthread_mutex_t p11_modules_lock = PTHREAD_MUTEX_INITIALIZER;
static struct p11_module *p11_modules;

struct p11_signer;

struct p11_tsess {
	struct p11_signer *s;
	struct p11_tsess *next, *prev;
	CK_SESSION_HANDLE h;
	bool open;
	unsigned long init_gen;
};

struct p11_key {
	struct signer_key base;       /* first */
	CK_OBJECT_HANDLE priv;
	unsigned long epoch;          /* s->epoch when priv was found; 0: none */
	unsigned long init_gen;       /* and the module's init_gen */
};

struct p11_signer {
	struct signer base;           /* first */
	struct p11_module *mod;
	CK_FUNCTION_LIST_PTR f;
	P11KitUri *uri;
	char token[P11_TOKEN_NAME * 2]; /* printable label, for messages */
	CK_TOKEN_INFO tokinfo;        /* as found at open */
	bool login_required;
	bool protected_path;
	enum signer_p11_mech mech;
	bool key_private, key_sensitive, key_extractable, key_modifiable;
	char *pin_source;
	char *pin_value;
	size_t pin_value_len;
	bool have_lock, have_keygen_lock, have_tkey;
	pthread_mutex_t lock;         /* slot, epoch, sessions, keys, key handles */
	pthread_mutex_t keygen_lock;  /* one generation at a time (label check) */
	pthread_key_t tkey;
	CK_SLOT_ID slot;
	unsigned long epoch;
	struct p11_tsess *sessions;
	struct signer_key *keys;
};

/* ---- messages ---- */

static const char *
ckr_name(CK_RV rv)
{
	switch (rv) {
	case CKR_OK: return "CKR_OK";
	case CKR_HOST_MEMORY: return "CKR_HOST_MEMORY";
	case CKR_SLOT_ID_INVALID: return "CKR_SLOT_ID_INVALID";
	case CKR_GENERAL_ERROR: return "CKR_GENERAL_ERROR";
	case CKR_FUNCTION_FAILED: return "CKR_FUNCTION_FAILED";
	case CKR_ARGUMENTS_BAD: return "CKR_ARGUMENTS_BAD";
	case CKR_ATTRIBUTE_SENSITIVE: return "CKR_ATTRIBUTE_SENSITIVE";
	case CKR_ATTRIBUTE_TYPE_INVALID: return "CKR_ATTRIBUTE_TYPE_INVALID";
	case CKR_ATTRIBUTE_VALUE_INVALID: return "CKR_ATTRIBUTE_VALUE_INVALID";
	case CKR_DEVICE_ERROR: return "CKR_DEVICE_ERROR";
	case CKR_DEVICE_MEMORY: return "CKR_DEVICE_MEMORY";
	case CKR_DEVICE_REMOVED: return "CKR_DEVICE_REMOVED";
	case CKR_FUNCTION_NOT_SUPPORTED: return "CKR_FUNCTION_NOT_SUPPORTED";
	case CKR_KEY_HANDLE_INVALID: return "CKR_KEY_HANDLE_INVALID";
	case CKR_KEY_TYPE_INCONSISTENT: return "CKR_KEY_TYPE_INCONSISTENT";
	case CKR_KEY_FUNCTION_NOT_PERMITTED: return "CKR_KEY_FUNCTION_NOT_PERMITTED";
	case CKR_MECHANISM_INVALID: return "CKR_MECHANISM_INVALID";
	case CKR_OBJECT_HANDLE_INVALID: return "CKR_OBJECT_HANDLE_INVALID";
	case CKR_OPERATION_ACTIVE: return "CKR_OPERATION_ACTIVE";
	case CKR_PIN_INCORRECT: return "CKR_PIN_INCORRECT";
	case CKR_PIN_LEN_RANGE: return "CKR_PIN_LEN_RANGE";
	case CKR_PIN_EXPIRED: return "CKR_PIN_EXPIRED";
	case CKR_PIN_LOCKED: return "CKR_PIN_LOCKED";
	case CKR_SESSION_CLOSED: return "CKR_SESSION_CLOSED";
	case CKR_SESSION_HANDLE_INVALID: return "CKR_SESSION_HANDLE_INVALID";
	case CKR_TEMPLATE_INCOMPLETE: return "CKR_TEMPLATE_INCOMPLETE";
	case CKR_TEMPLATE_INCONSISTENT: return "CKR_TEMPLATE_INCONSISTENT";
	case CKR_TOKEN_NOT_PRESENT: return "CKR_TOKEN_NOT_PRESENT";
	case CKR_TOKEN_NOT_RECOGNIZED: return "CKR_TOKEN_NOT_RECOGNIZED";
	case CKR_TOKEN_WRITE_PROTECTED: return "CKR_TOKEN_WRITE_PROTECTED";
	case CKR_USER_NOT_LOGGED_IN: return "CKR_USER_NOT_LOGGED_IN";
	case CKR_USER_PIN_NOT_INITIALIZED: return "CKR_USER_PIN_NOT_INITIALIZED";
	case CKR_RANDOM_NO_RNG: return "CKR_RANDOM_NO_RNG";
	case CKR_BUFFER_TOO_SMALL: return "CKR_BUFFER_TOO_SMALL";
	case CKR_CRYPTOKI_NOT_INITIALIZED: return "CKR_CRYPTOKI_NOT_INITIALIZED";
	default: return NULL;
	}
}

/* Set the error text "token 'T': key 'K': WHAT: p11-kit text (CKR_X)" and return code. */
static int __attribute__((format(printf, 5, 6)))
p11_fail(const struct p11_signer *s, const char *key, CK_RV rv, int code, const char *fmt, ...)
{
	char what[256], num[32];
	const char *name;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (rv == CKR_OK) {
		signer_err(s->token, key, "%s", what);
		return code;
	}
	if ((name = ckr_name(rv)) == NULL) {
		snprintf(num, sizeof(num), "CK_RV 0x%lx", (unsigned long)rv);
		name = num;
	}
	signer_err(s->token, key, "%s: %s (%s)", what, p11_kit_strerror(rv), name);
	return code;
}

/* The errors after which a new session, login, key handle or slot may help. */
static bool
p11_recoverable(CK_RV rv)
{
	switch (rv) {
	case CKR_SESSION_HANDLE_INVALID:
	case CKR_SESSION_CLOSED:
	case CKR_DEVICE_REMOVED:
	case CKR_DEVICE_ERROR:
	case CKR_DEVICE_MEMORY:
	case CKR_TOKEN_NOT_PRESENT:
	case CKR_TOKEN_NOT_RECOGNIZED:
	case CKR_SLOT_ID_INVALID:
	case CKR_USER_NOT_LOGGED_IN:
	case CKR_OBJECT_HANDLE_INVALID:
	case CKR_KEY_HANDLE_INVALID:
	case CKR_CRYPTOKI_NOT_INITIALIZED:
	case CKR_GENERAL_ERROR:
	case CKR_FUNCTION_FAILED:
	case CKR_OPERATION_ACTIVE:
	case CKR_OPERATION_NOT_INITIALIZED:
		return true;
	default:
		return false;
	}
}

/* The errors after which the session handle is dead: never close it. */
static bool
p11_session_gone(CK_RV rv)
{
	switch (rv) {
	case CKR_SESSION_HANDLE_INVALID:
	case CKR_SESSION_CLOSED:
	case CKR_DEVICE_REMOVED:
	case CKR_TOKEN_NOT_PRESENT:
	case CKR_TOKEN_NOT_RECOGNIZED:
	case CKR_SLOT_ID_INVALID:
	case CKR_CRYPTOKI_NOT_INITIALIZED:
		return true;
	default:
		return false;
	}
}

static int
p11_map(CK_RV rv, int dflt)
{
	switch (rv) {
	case CKR_PIN_INCORRECT:
	case CKR_PIN_INVALID:
	case CKR_PIN_LEN_RANGE:
	case CKR_PIN_EXPIRED:
	case CKR_PIN_LOCKED:
	case CKR_USER_PIN_NOT_INITIALIZED:
		return SIGNER_ERR_PIN;
	case CKR_HOST_MEMORY:
		return SIGNER_ERR_NOMEM;
	default:
		return p11_recoverable(rv) ? SIGNER_ERR_DEVICE : dflt;
	}
}

/* A space-padded PKCS#11 string field as printable text. */
static void
p11_field(char *dst, size_t size, const unsigned char *src, size_t len)
{
	while (len > 0 && (src[len - 1] == ' ' || src[len - 1] == '\0'))
		len--;
	signer_printable(dst, size, src, len);
}

/* ---- modules ---- */

static int
p11_module_get(struct p11_signer *s, const char *path, struct p11_module **out)
{
	CK_C_INITIALIZE_ARGS args;
	CK_C_GetFunctionList gfl;
	CK_FUNCTION_LIST_PTR f = NULL;
	struct p11_module *m;
	const char *e;
	void *dl;
	CK_RV r;
	int rc = SIGNER_ERR_MODULE;

	pthread_mutex_lock(&p11_modules_lock);
	/*
	 * RTLD_NODELETE: modules start threads and register atexit handlers
	 * (OpenSSL inside SoftHSM); unmapping them at the last close is unsafe.
	 */
	if ((dl = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)) == NULL) {
		e = dlerror();
		signer_err(s->token, NULL, "module '%s': cannot load: %s", path,
		    e != NULL ? e : "dlopen failed");
		goto out;
	}
	for (m = p11_modules; m != NULL; m = m->next) {
		if (m->dl == dl) {
			dlclose(dl); /* the entry holds a reference */
			m->refs++;
			*out = m;
			rc = 0;
			goto out;
		}
	}
	*(void **)&gfl = dlsym(dl, "C_GetFunctionList");
	if (gfl == NULL) {
		signer_err(s->token, NULL, "module '%s': not a PKCS#11 module "
		    "(no C_GetFunctionList)", path);
		dlclose(dl);
		goto out;
	}
	if ((r = gfl(&f)) != CKR_OK || f == NULL || f->version.major < 2) {
		p11_fail(s, NULL, r, 0, "module '%s': C_GetFunctionList failed", path);
		dlclose(dl);
		goto out;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		signer_err(s->token, NULL, "out of memory");
		dlclose(dl);
		rc = SIGNER_ERR_NOMEM;
		goto out;
	}
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	r = f->C_Initialize(&args);
	if (r != CKR_OK && r != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		p11_fail(s, NULL, r, 0, "module '%s': C_Initialize failed", path);
		free(m);
		dlclose(dl);
		goto out;
	}
	m->dl = dl;
	m->f = f;
	m->refs = 1;
	m->owns_init = r == CKR_OK;
	atomic_init(&m->init_gen, 1);
	m->next = p11_modules;
	p11_modules = m;
	*out = m;
	rc = 0;
out:
	pthread_mutex_unlock(&p11_modules_lock);
	return rc;
}

static void
p11_module_put(struct p11_module *m)
{
	struct p11_module **pp;

	if (m == NULL)
		return;
	pthread_mutex_lock(&p11_modules_lock);
	if (--m->refs == 0) {
		if (m->owns_init)
			(void)m->f->C_Finalize(NULL);
		for (pp = &p11_modules; *pp != NULL && *pp != m; pp = &(*pp)->next)
			;
		if (*pp != NULL)
			*pp = m->next;
		dlclose(m->dl);
		free(m);
	}
	pthread_mutex_unlock(&p11_modules_lock);
}

/*
 * Someone finalised the module under us: initialise it again. *did says
 * whether this call initialised it (every handle from before is dead).
 */
static int
p11_module_reinit(struct p11_signer *s, const char *key, bool *did)
{
	CK_C_INITIALIZE_ARGS args;
	CK_RV r;
	int rc = 0;

	pthread_mutex_lock(&p11_modules_lock);
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	r = s->f->C_Initialize(&args);
	if (r == CKR_OK) {
		*did = true;
		s->mod->owns_init = true;
		atomic_fetch_add(&s->mod->init_gen, 1);
	} else if (r != CKR_CRYPTOKI_ALREADY_INITIALIZED)
		rc = p11_fail(s, key, r, SIGNER_ERR_MODULE, "re-initialising the module");
	pthread_mutex_unlock(&p11_modules_lock);
	return rc;
}

/* ---- token, PIN, sessions ---- */

/*
 * Find the one initialised token matching the URI's token, slot and module
 * attributes. Returns 0, SIGNER_ERR_TOKEN (none, or several) or a mapped
 * error with *rvp set.
 */
static int
p11_find_slot(struct p11_signer *s, const char *key, CK_SLOT_ID *slot,
              CK_TOKEN_INFO *tinfo, CK_RV *rvp)
{
	CK_SLOT_ID *list = NULL, want = p11_kit_uri_get_slot_id(s->uri);
	CK_SLOT_INFO sinfo;
	CK_TOKEN_INFO ti;
	CK_ULONG n = 0, cap, i, matches = 0;
	CK_RV r;
	int rc = SIGNER_ERR_TOKEN, tries;

	for (tries = 0;; tries++) {
		n = 0;
		if ((r = s->f->C_GetSlotList(CK_TRUE, NULL, &n)) != CKR_OK) {
			*rvp = r;
			rc = p11_fail(s, key, r, p11_map(r, SIGNER_ERR_TOKEN), "C_GetSlotList");
			goto out;
		}
		if (n > P11_MAX_SLOTS) {
			rc = p11_fail(s, key, CKR_OK, SIGNER_ERR_TOKEN, "module reports %lu "
			    "slots, more than %d", (unsigned long)n, P11_MAX_SLOTS);
			goto out;
		}
		if (n == 0)
			break;
		if ((list = calloc(n, sizeof(*list))) == NULL) {
			rc = p11_fail(s, key, CKR_OK, SIGNER_ERR_NOMEM, "out of memory");
			goto out;
		}
		cap = n;
		r = s->f->C_GetSlotList(CK_TRUE, list, &n);
		if (r == CKR_BUFFER_TOO_SMALL && tries < 2) { /* a token arrived meanwhile */
			free(list);
			list = NULL;
			continue;
		}
		if (r != CKR_OK) {
			*rvp = r;
			rc = p11_fail(s, key, r, p11_map(r, SIGNER_ERR_TOKEN), "C_GetSlotList");
			goto out;
		}
		if (n > cap)
			n = cap;
		break;
	}
	for (i = 0; i < n; i++) {
		if (want != (CK_SLOT_ID)-1 && list[i] != want)
			continue;
		if (s->f->C_GetSlotInfo(list[i], &sinfo) != CKR_OK ||
		    !p11_kit_uri_match_slot_info(s->uri, &sinfo))
			continue;
		if (s->f->C_GetTokenInfo(list[i], &ti) != CKR_OK ||
		    (ti.flags & CKF_TOKEN_INITIALIZED) == 0 ||
		    !p11_kit_uri_match_token_info(s->uri, &ti))
			continue;
		if (matches++ == 0) {
			*slot = list[i];
			*tinfo = ti;
		}
	}
	if (matches == 0) {
		p11_fail(s, key, CKR_OK, 0, "no token present matches the URI "
		    "(%lu slots with a token)", (unsigned long)n);
		goto out;
	}
	if (matches > 1) {
		p11_fail(s, key, CKR_OK, 0, "%lu tokens match the URI; add serial= or "
		    "token= (RFC 7512 2.3)", (unsigned long)matches);
		goto out;
	}
	rc = 0;
out:
	free(list);
	return rc;
}

/* Read the PIN into pin[P11_MAX_PIN + 1] (caller zeroes it); the first line of a file. */
static int
p11_pin(const struct p11_signer *s, const char *key, unsigned char *pin, size_t *len)
{
	const char *src = s->pin_source, *path, *v;
	ssize_t n;
	size_t got = 0, i;
	int fd, rc = SIGNER_ERR_PIN;

	if (s->pin_value != NULL) {
		memcpy(pin, s->pin_value, s->pin_value_len);
		*len = s->pin_value_len;
		return 0;
	}
	if (src == NULL)
		return p11_fail(s, key, CKR_OK, SIGNER_ERR_PIN, "login required but the "
		    "token URI has no pin-source or pin-value (RFC 7512 2.4)");
	if (strncmp(src, "env:", 4) == 0) {
		if ((v = getenv(src + 4)) == NULL)
			return p11_fail(s, key, CKR_OK, SIGNER_ERR_PIN, "pin-source: "
			    "environment variable %s is not set", src + 4);
		if ((got = strlen(v)) > P11_MAX_PIN)
			return p11_fail(s, key, CKR_OK, SIGNER_ERR_PIN, "pin-source: "
			    "PIN longer than %d bytes", P11_MAX_PIN);
		memcpy(pin, v, got);
		*len = got;
		return 0;
	}
	path = src;
	if (strncmp(path, "file:", 5) == 0) {
		path += 5;
		if (strncmp(path, "//localhost/", 12) == 0) /* RFC 8089 2 */
			path += 11;
		else if (strncmp(path, "//", 2) == 0)
			path += 2;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return p11_fail(s, key, CKR_OK, SIGNER_ERR_PIN, "cannot read PIN file "
		    "'%s': %s", path, strerror(errno));
	while (got < P11_MAX_PIN) {
		n = read(fd, pin + got, P11_MAX_PIN - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			p11_fail(s, key, CKR_OK, 0, "cannot read PIN file '%s': %s", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got == P11_MAX_PIN && read(fd, pin + got, 1) != 0) {
		p11_fail(s, key, CKR_OK, 0, "PIN file '%s' longer than %d bytes", path,
		    P11_MAX_PIN);
		goto out;
	}
	for (i = 0; i < got && pin[i] != '\n' && pin[i] != '\r'; i++)
		;
	*len = i; /* the first line */
	rc = 0;
out:
	close(fd);
	return rc;
}

/* Log in on session h unless the application already is. */
static int
p11_login(struct p11_signer *s, CK_SESSION_HANDLE h, const char *key, CK_RV *rvp)
{
	unsigned char pin[P11_MAX_PIN + 1];
	CK_SESSION_INFO info;
	size_t len = 0;
	CK_RV r;
	int rc;

	if (!s->login_required)
		return 0;
	if ((r = s->f->C_GetSessionInfo(h, &info)) != CKR_OK) {
		*rvp = r;
		return p11_fail(s, key, r, p11_map(r, SIGNER_ERR_DEVICE), "C_GetSessionInfo");
	}
	if (info.state == CKS_RO_USER_FUNCTIONS || info.state == CKS_RW_USER_FUNCTIONS)
		return 0;
	if (s->protected_path)
		r = s->f->C_Login(h, CKU_USER, NULL, 0);
	else {
		if ((rc = p11_pin(s, key, pin, &len)) != 0) {
			mbedtls_platform_zeroize(pin, sizeof(pin));
			return rc;
		}
		r = s->f->C_Login(h, CKU_USER, pin, len);
		mbedtls_platform_zeroize(pin, sizeof(pin));
	}
	if (r == CKR_OK || r == CKR_USER_ALREADY_LOGGED_IN)
		return 0;
	*rvp = r;
	return p11_fail(s, key, r, p11_map(r, SIGNER_ERR_PIN), "login");
}

/*
 * This thread's session, opened and logged in if need be. *tp is set even
 * on failure (NULL only if out of memory); *rvp says why it failed.
 */
static int
p11_session(struct p11_signer *s, const char *key, struct p11_tsess **tp, CK_RV *rvp)
{
	struct p11_tsess *t = pthread_getspecific(s->tkey);
	unsigned long gen;
	CK_SLOT_ID slot;
	CK_RV r;
	int rc;

	*tp = NULL;
	if (t == NULL) {
		if ((t = calloc(1, sizeof(*t))) == NULL)
			return p11_fail(s, key, CKR_OK, SIGNER_ERR_NOMEM, "out of memory");
		t->s = s;
		if (pthread_setspecific(s->tkey, t) != 0) {
			free(t);
			return p11_fail(s, key, CKR_OK, SIGNER_ERR_NOMEM, "out of memory");
		}
		pthread_mutex_lock(&s->lock);
		t->next = s->sessions;
		if (s->sessions != NULL)
			s->sessions->prev = t;
		s->sessions = t;
		pthread_mutex_unlock(&s->lock);
	}
	*tp = t;
	gen = atomic_load(&s->mod->init_gen);
	if (t->open && t->init_gen != gen)
		t->open = false; /* the module was re-initialised: the handle is dead */
	if (t->open)
		return 0;
	pthread_mutex_lock(&s->lock);
	slot = s->slot;
	pthread_mutex_unlock(&s->lock);
	r = s->f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &t->h);
	if (r == CKR_TOKEN_WRITE_PROTECTED)
		r = s->f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &t->h);
	if (r != CKR_OK) {
		*rvp = r;
		return p11_fail(s, key, r, p11_map(r, SIGNER_ERR_DEVICE), "C_OpenSession");
	}
	t->open = true;
	t->init_gen = gen;
	if ((rc = p11_login(s, t->h, key, rvp)) != 0) {
		if (!p11_session_gone(*rvp))
			(void)s->f->C_CloseSession(t->h);
		t->open = false;
	}
	return rc;
}

static void
p11_tsess_destructor(void *p)
{
	struct p11_tsess *t = p;
	struct p11_signer *s = t->s;

	pthread_mutex_lock(&s->lock);
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		s->sessions = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	pthread_mutex_unlock(&s->lock);
	if (t->open && t->init_gen == atomic_load(&s->mod->init_gen))
		(void)s->f->C_CloseSession(t->h);
	free(t);
}

/*
 * After a recoverable error rv seen in epoch seen: drop the thread's
 * session, re-initialise the module if it was finalised, and (once per
 * epoch, or after a re-initialisation) find the slot again and bump the
 * epoch so that every cached key handle is found again, even if the
 * token is not back yet.
 */
static int
p11_recover(struct p11_signer *s, struct p11_tsess *t, CK_RV rv, unsigned long seen,
            const char *key)
{
	CK_TOKEN_INFO ti;
	CK_SLOT_ID slot;
	CK_RV r = CKR_OK;
	bool bump, did = false;
	int rc = 0;

	if (t != NULL && t->open) {
		if (!p11_session_gone(rv))
			(void)s->f->C_CloseSession(t->h);
		t->open = false;
	}
	pthread_mutex_lock(&s->lock);
	bump = s->epoch == seen; /* else another thread recovered already */
	if (rv == CKR_CRYPTOKI_NOT_INITIALIZED &&
	    (rc = p11_module_reinit(s, key, &did)) != 0)
		goto out;
	if (!bump && !did)
		goto out;
	rc = p11_find_slot(s, key, &slot, &ti, &r);
	if (rc != 0 && r == CKR_CRYPTOKI_NOT_INITIALIZED &&
	    (rc = p11_module_reinit(s, key, &did)) == 0)
		rc = p11_find_slot(s, key, &slot, &ti, &r);
	if (rc == 0)
		s->slot = slot;
	s->epoch++;
out:
	pthread_mutex_unlock(&s->lock);
	return rc;
}

typedef int (*p11_op_fn)(struct p11_signer *s, CK_SESSION_HANDLE h, struct p11_key *k,
                         const char *key, void *arg, CK_RV *rvp);

/*
 * Run op in this thread's session; after a recoverable failure, recover
 * and run it once more. key names the key in messages.
 */
static int
p11_run(struct p11_signer *s, struct p11_key *k, const char *key, p11_op_fn op, void *arg)
{
	char prev[512];
	struct p11_tsess *t;
	unsigned long epoch;
	CK_RV rv;
	int attempt, rc;

	for (attempt = 0;; attempt++) {
		pthread_mutex_lock(&s->lock);
		epoch = s->epoch;
		pthread_mutex_unlock(&s->lock);
		rv = CKR_OK;
		if ((rc = p11_session(s, key, &t, &rv)) == 0)
			rc = op(s, t->h, k, key, arg, &rv);
		if (rc == 0)
			return 0;
		if (rv == CKR_OK || !p11_recoverable(rv))
			return rc;
		if (attempt > 0) {
			snprintf(prev, sizeof(prev), "%s", signer_last_error());
			signer_err(NULL, NULL, "%s; still failing after re-opening the "
			    "session", prev);
			return SIGNER_ERR_DEVICE;
		}
		if ((rc = p11_recover(s, t, rv, epoch, key)) != 0)
			return rc;
	}
}

/* ---- objects ---- */

static int
p11_find(struct p11_signer *s, CK_SESSION_HANDLE h, CK_ATTRIBUTE *tmpl, CK_ULONG n,
         CK_OBJECT_HANDLE *objs, CK_ULONG max, CK_ULONG *count, const char *key,
         CK_RV *rvp)
{
	CK_RV r, r2;

	*count = 0;
	if ((r = s->f->C_FindObjectsInit(h, tmpl, n)) != CKR_OK) {
		*rvp = r;
		return p11_fail(s, key, r, p11_map(r, SIGNER_ERR_NO_KEY), "C_FindObjectsInit");
	}
	r = s->f->C_FindObjects(h, objs, max, count);
	r2 = s->f->C_FindObjectsFinal(h);
	if (r == CKR_OK)
		r = r2;
	if (r != CKR_OK) {
		*rvp = r;
		return p11_fail(s, key, r, p11_map(r, SIGNER_ERR_NO_KEY), "C_FindObjects");
	}
	return 0;
}

/* Template of a key half: class, label and id where known, token-ness if is_token >= 0. */
struct p11_ktmpl {
	CK_OBJECT_CLASS cls;
	CK_BBOOL token;
	CK_ATTRIBUTE a[4];
	CK_ULONG n;
};

static void
p11_ktmpl_set(struct p11_ktmpl *t, CK_OBJECT_CLASS cls, const char *label, size_t label_len,
              const unsigned char *id, size_t id_len, int is_token)
{
	t->cls = cls;
	t->n = 0;
	t->a[t->n++] = (CK_ATTRIBUTE){ CKA_CLASS, &t->cls, sizeof(t->cls) };
	if (label_len > 0)
		t->a[t->n++] = (CK_ATTRIBUTE){ CKA_LABEL, (void *)label, label_len };
	if (id_len > 0)
		t->a[t->n++] = (CK_ATTRIBUTE){ CKA_ID, (void *)id, id_len };
	if (is_token >= 0) {
		t->token = is_token ? CK_TRUE : CK_FALSE;
		t->a[t->n++] = (CK_ATTRIBUTE){ CKA_TOKEN, &t->token, sizeof(t->token) };
	}
}

/* One attribute of variable length into buf[cap]. */
static int
p11_attr(struct p11_signer *s, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
         CK_ATTRIBUTE_TYPE type, void *buf, size_t cap, size_t *len, const char *key,
         CK_RV *rvp)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	CK_RV r;

	if ((r = s->f->C_GetAttributeValue(h, o, &a, 1)) != CKR_OK) {
		*rvp = r;
		return p11_fail(s, key, r, p11_map(r, SIGNER_ERR_KEY_TYPE),
		    "reading attribute 0x%lx", (unsigned long)type);
	}
	if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION || a.ulValueLen > cap)
		return p11_fail(s, key, CKR_OK, SIGNER_ERR_KEY_TYPE, "attribute 0x%lx: "
		    "unavailable or longer than %zu bytes", (unsigned long)type, cap);
	a.pValue = buf;
	if ((r = s->f->C_GetAttributeValue(h, o, &a, 1)) != CKR_OK) {
		*rvp = r;
		return p11_fail(s, key, r, p11_map(r, SIGNER_ERR_KEY_TYPE),
		    "reading attribute 0x%lx", (unsigned long)type);
	}
	*len = a.ulValueLen;
	return 0;
}

/*
 * The RSA public key of the pair (the public object with the same id or
 * label; failing that, the private key's public attributes) into pk, which
 * must be initialised. RFC 7935 3: 2048-bit modulus, e = 65537.
 */
static int
p11_public(struct p11_signer *s, CK_SESSION_HANDLE h, const struct signer_key *kb,
           CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pub, mbedtls_pk_context *pk,
           const char *key, CK_RV *rvp)
{
	static const unsigned char f4[] = { 0x01, 0x00, 0x01 };
	unsigned char mod[P11_MAX_MODULUS], exp[P11_MAX_EXPONENT];
	const unsigned char *e;
	struct p11_ktmpl t;
	CK_OBJECT_HANDLE objs[2], o = priv;
	CK_ULONG count = 0;
	size_t mlen = 0, elen = 0;
	int rc;

	if (pub != CK_INVALID_HANDLE)
		o = pub;
	else {
		p11_ktmpl_set(&t, CKO_PUBLIC_KEY, kb->id_len > 0 ? NULL : kb->label,
		    kb->id_len > 0 ? 0 : kb->label_len, kb->id, kb->id_len, kb->session ? 0 : 1);
		if ((rc = p11_find(s, h, t.a, t.n, objs, 2, &count, key, rvp)) != 0)
			return rc;
		if (count == 1)
			o = objs[0];
	}
	if ((rc = p11_attr(s, h, o, CKA_MODULUS, mod, sizeof(mod), &mlen, key, rvp)) != 0 ||
	    (rc = p11_attr(s, h, o, CKA_PUBLIC_EXPONENT, exp, sizeof(exp), &elen, key,
	    rvp)) != 0)
		return rc;
	for (e = exp; elen > 0 && *e == 0; e++, elen--)
		;
	if (elen != sizeof(f4) || memcmp(e, f4, sizeof(f4)) != 0)
		return p11_fail(s, key, CKR_OK, SIGNER_ERR_KEY_TYPE, "public exponent is "
		    "not 65537 (RFC 7935 3)");
	if (mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) != 0 ||
	    mbedtls_rsa_import_raw(mbedtls_pk_rsa(*pk), mod, mlen, NULL, 0, NULL, 0, NULL, 0,
	    e, elen) != 0 || mbedtls_rsa_complete(mbedtls_pk_rsa(*pk)) != 0)
		return p11_fail(s, key, CKR_OK, SIGNER_ERR_KEY_TYPE, "bad RSA public key");
	if (mbedtls_pk_get_bitlen(pk) != SIGNER_RSA_BITS)
		return p11_fail(s, key, CKR_OK, SIGNER_ERR_KEY_TYPE, "%zu-bit modulus, "
		    "not %d (RFC 7935 3)", mbedtls_pk_get_bitlen(pk), SIGNER_RSA_BITS);
	return 0;
}

/* The private key's handle, found again if a recovery happened since. */
static int
p11_key_handle(struct p11_signer *s, CK_SESSION_HANDLE h, struct p11_key *k,
               CK_OBJECT_HANDLE *o, const char *key, CK_RV *rvp)
{
	struct signer_key *kb = &k->base;
	struct p11_ktmpl t;
	CK_OBJECT_HANDLE objs[2];
	CK_ULONG count = 0;
	unsigned long epoch;
	int rc;

	bool valid;

	pthread_mutex_lock(&s->lock);
	epoch = s->epoch;
	*o = k->priv;
	valid = k->epoch == epoch && k->init_gen == atomic_load(&s->mod->init_gen);
	pthread_mutex_unlock(&s->lock);
	if (valid)
		return 0;
	p11_ktmpl_set(&t, CKO_PRIVATE_KEY, kb->label, kb->label_len, kb->id, kb->id_len,
	    kb->session ? 0 : 1);
	if ((rc = p11_find(s, h, t.a, t.n, objs, 2, &count, key, rvp)) != 0)
		return rc;
	if (count == 0)
		return p11_fail(s, key, CKR_OK, SIGNER_ERR_NO_KEY, kb->session ?
		    "session key lost with its session" : "key no longer in the token");
	if (count > 1)
		return p11_fail(s, key, CKR_OK, SIGNER_ERR_NO_KEY, "several keys with this "
		    "label and id");
	pthread_mutex_lock(&s->lock);
	k->priv = *o = objs[0];
	k->epoch = epoch;
	k->init_gen = atomic_load(&s->mod->init_gen);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

/* ---- operations ---- */

struct p11_find_arg {
	const struct signer_name *n;
	struct p11_key *out;
};

static int
p11_op_find(struct p11_signer *s, CK_SESSION_HANDLE h, struct p11_key *unused,
            const char *key, void *varg, CK_RV *rvp)
{
	struct p11_find_arg *arg = varg;
	const struct signer_name *n = arg->n;
	struct p11_ktmpl t;
	mbedtls_pk_context pk;
	CK_OBJECT_HANDLE objs[2];
	CK_KEY_TYPE kt = 0;
	CK_BBOOL tok = CK_FALSE, sign = CK_FALSE;
	CK_ATTRIBUTE a[3] = {
		{ CKA_KEY_TYPE, &kt, sizeof(kt) },
		{ CKA_TOKEN, &tok, sizeof(tok) },
		{ CKA_SIGN, &sign, sizeof(sign) },
	};
	CK_ULONG count = 0;
	struct p11_key *k = NULL;
	size_t len;
	CK_RV r;
	int rc;

	(void)unused;
	mbedtls_pk_init(&pk);
	p11_ktmpl_set(&t, CKO_PRIVATE_KEY, n->label, n->label_len, n->id, n->id_len, -1);
	if ((rc = p11_find(s, h, t.a, t.n, objs, 2, &count, key, rvp)) != 0)
		goto out;
	if (count == 0) {
		rc = p11_fail(s, key, CKR_OK, SIGNER_ERR_NO_KEY, "no such private key");
		goto out;
	}
	if (count > 1) {
		rc = p11_fail(s, key, CKR_OK, SIGNER_ERR_ARG, "several private keys match; "
		    "add id= to the URI");
		goto out;
	}
	if ((r = s->f->C_GetAttributeValue(h, objs[0], a, 3)) != CKR_OK) {
		*rvp = r;
		rc = p11_fail(s, key, r, p11_map(r, SIGNER_ERR_KEY_TYPE), "reading the key");
		goto out;
	}
	if (kt != CKK_RSA || sign != CK_TRUE) {
		rc = p11_fail(s, key, CKR_OK, SIGNER_ERR_KEY_TYPE, "not an RSA signing key");
		goto out;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		rc = p11_fail(s, key, CKR_OK, SIGNER_ERR_NOMEM, "out of memory");
		goto out;
	}
	k->base.owner = &s->base;
	k->base.session = tok != CK_TRUE;
	k->priv = objs[0];
	if ((rc = p11_attr(s, h, objs[0], CKA_LABEL, k->base.label, SIGNER_MAX_LABEL, &len,
	    key, rvp)) != 0)
		goto out;
	k->base.label[len] = '\0';
	k->base.label_len = strlen(k->base.label); /* stop at an embedded NUL */
	if (k->base.label_len != len) {
		rc = p11_fail(s, key, CKR_OK, SIGNER_ERR_KEY_TYPE, "label has a NUL byte");
		goto out;
	}
	if ((rc = p11_attr(s, h, objs[0], CKA_ID, k->base.id, SIGNER_MAX_ID, &len, key,
	    rvp)) != 0)
		goto out;
	k->base.id_len = len;
	if ((rc = p11_public(s, h, &k->base, objs[0], CK_INVALID_HANDLE, &pk, key, rvp)) != 0)
		goto out;
	pthread_mutex_lock(&s->lock);
	k->epoch = s->epoch;
	k->init_gen = atomic_load(&s->mod->init_gen);
	pthread_mutex_unlock(&s->lock);
	arg->out = k;
	k = NULL;
	rc = 0;
out:
	mbedtls_pk_free(&pk);
	free(k);
	return rc;
}

static bool
p11_same_key(const struct signer_key *a, const struct signer_key *b)
{
	return a->label_len == b->label_len && memcmp(a->label, b->label, a->label_len) == 0 &&
	    a->id_len == b->id_len && memcmp(a->id, b->id, a->id_len) == 0 &&
	    a->session == b->session;
}

static int
p11_key_find(struct signer *base, const struct signer_name *n, struct signer_key **out)
{
	struct p11_signer *s = (struct p11_signer *)base;
	struct p11_find_arg arg = { n, NULL };
	struct signer_key *kb;
	char disp[SIGNER_MAX_LABEL + 8];
	int rc;

	signer_name_display(n, disp, sizeof(disp));
	if (n->uri != NULL && !p11_kit_uri_match_token_info(n->uri, &s->tokinfo))
		return p11_fail(s, disp, CKR_OK, SIGNER_ERR_TOKEN, "the key URI names "
		    "another token");
	if ((rc = p11_run(s, NULL, disp, p11_op_find, &arg)) != 0)
		return rc;
	pthread_mutex_lock(&s->lock);
	for (kb = s->keys; kb != NULL; kb = kb->next)
		if (p11_same_key(kb, &arg.out->base))
			break;
	if (kb == NULL) {
		kb = &arg.out->base;
		kb->next = s->keys;
		s->keys = kb;
		arg.out = NULL;
	}
	pthread_mutex_unlock(&s->lock);
	free(arg.out);
	*out = kb;
	return 0;
}

struct p11_gen_arg {
	const struct signer_name *n;
	bool session;
	struct p11_key *out;
};

static int
p11_op_generate(struct p11_signer *s, CK_SESSION_HANDLE h, struct p11_key *unused,
                const char *key, void *varg, CK_RV *rvp)
{
	struct p11_gen_arg *arg = varg;
	const struct signer_name *n = arg->n;
	CK_MECHANISM mech = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_BBOOL yes = CK_TRUE, token = arg->session ? CK_FALSE : CK_TRUE;
	CK_BBOOL priv = s->key_private ? CK_TRUE : CK_FALSE;
	CK_BBOOL sens = s->key_sensitive ? CK_TRUE : CK_FALSE;
	CK_BBOOL extr = s->key_extractable ? CK_TRUE : CK_FALSE;
	CK_BBOOL modi = s->key_modifiable ? CK_TRUE : CK_FALSE;
	CK_ULONG bits = SIGNER_RSA_BITS, count = 0;
	unsigned char e[] = { 0x01, 0x00, 0x01 }, id[SIGNER_KEY_ID_LEN];
	CK_ATTRIBUTE lt = { CKA_LABEL, (void *)n->label, n->label_len };
	CK_ATTRIBUTE pubt[] = {
		{ CKA_TOKEN, &token, sizeof(token) },
		{ CKA_LABEL, (void *)n->label, n->label_len },
		{ CKA_ID, id, sizeof(id) },
		{ CKA_VERIFY, &yes, sizeof(yes) },
		{ CKA_MODULUS_BITS, &bits, sizeof(bits) },
		{ CKA_PUBLIC_EXPONENT, e, sizeof(e) },
		{ CKA_MODIFIABLE, &modi, sizeof(modi) },
	};
	CK_ATTRIBUTE privt[] = {
		{ CKA_TOKEN, &token, sizeof(token) },
		{ CKA_LABEL, (void *)n->label, n->label_len },
		{ CKA_ID, id, sizeof(id) },
		{ CKA_SIGN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &priv, sizeof(priv) },
		{ CKA_SENSITIVE, &sens, sizeof(sens) },
		{ CKA_EXTRACTABLE, &extr, sizeof(extr) },
		{ CKA_MODIFIABLE, &modi, sizeof(modi) },
	};
	CK_OBJECT_HANDLE o, hpub = CK_INVALID_HANDLE, hpriv = CK_INVALID_HANDLE;
	mbedtls_pk_context pk;
	struct p11_key *k = NULL;
	CK_RV r;
	int rc;

	(void)unused;
	mbedtls_pk_init(&pk);
	/* The ceremony never overwrites: any object with the label refuses. */
	if ((rc = p11_find(s, h, &lt, 1, &o, 1, &count, key, rvp)) != 0)
		goto out;
	if (count > 0) {
		rc = p11_fail(s, key, CKR_OK, SIGNER_ERR_KEY_EXISTS, "an object with this "
		    "label exists in the token");
		goto out;
	}
	if ((r = s->f->C_GenerateRandom(h, id, sizeof(id))) != CKR_OK) {
		*rvp = r;
		rc = p11_fail(s, key, r, p11_map(r, SIGNER_ERR_KEYGEN), "C_GenerateRandom "
		    "(for CKA_ID)");
		goto out;
	}
	r = s->f->C_GenerateKeyPair(h, &mech, pubt, sizeof(pubt) / sizeof(pubt[0]), privt,
	    sizeof(privt) / sizeof(privt[0]), &hpub, &hpriv);
	if (r != CKR_OK) {
		int code = SIGNER_ERR_KEYGEN;

		switch (r) {
		case CKR_TEMPLATE_INCONSISTENT:
		case CKR_TEMPLATE_INCOMPLETE:
		case CKR_ATTRIBUTE_VALUE_INVALID:
		case CKR_ATTRIBUTE_TYPE_INVALID:
		case CKR_ATTRIBUTE_READ_ONLY:
			code = SIGNER_ERR_TEMPLATE;
			break;
		}
		*rvp = r;
		hpub = hpriv = CK_INVALID_HANDLE;
		rc = p11_fail(s, key, r, p11_map(r, code), "C_GenerateKeyPair (RSA-%d, "
		    "private=%d sensitive=%d extractable=%d modifiable=%d)", SIGNER_RSA_BITS,
		    priv, sens, extr, modi);
		goto out;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		rc = p11_fail(s, key, CKR_OK, SIGNER_ERR_NOMEM, "out of memory");
		goto out;
	}
	k->base.owner = &s->base;
	memcpy(k->base.label, n->label, n->label_len + 1);
	k->base.label_len = n->label_len;
	memcpy(k->base.id, id, sizeof(id));
	k->base.id_len = sizeof(id);
	k->base.session = arg->session;
	k->priv = hpriv;
	if ((rc = p11_public(s, h, &k->base, hpriv, hpub, &pk, key, rvp)) != 0)
		goto out;
	pthread_mutex_lock(&s->lock);
	k->epoch = s->epoch;
	k->init_gen = atomic_load(&s->mod->init_gen);
	pthread_mutex_unlock(&s->lock);
	arg->out = k;
	k = NULL;
	rc = 0;
out:
	if (rc != 0 && hpriv != CK_INVALID_HANDLE) {
		(void)s->f->C_DestroyObject(h, hpriv);
		(void)s->f->C_DestroyObject(h, hpub);
	}
	mbedtls_pk_free(&pk);
	free(k);
	return rc;
}

static int
p11_key_generate(struct signer *base, const struct signer_name *n, unsigned flags,
                 struct signer_key **out)
{
	struct p11_signer *s = (struct p11_signer *)base;
	struct p11_gen_arg arg = { n, (flags & SIGNER_KEY_SESSION) != 0, NULL };
	char disp[SIGNER_MAX_LABEL + 8];
	int rc;

	signer_name_display(n, disp, sizeof(disp));
	if (n->uri != NULL && !p11_kit_uri_match_token_info(n->uri, &s->tokinfo))
		return p11_fail(s, disp, CKR_OK, SIGNER_ERR_TOKEN, "the key URI names "
		    "another token");
	pthread_mutex_lock(&s->keygen_lock);
	rc = p11_run(s, NULL, disp, p11_op_generate, &arg);
	pthread_mutex_unlock(&s->keygen_lock);
	if (rc != 0)
		return rc;
	pthread_mutex_lock(&s->lock);
	arg.out->base.next = s->keys;
	s->keys = &arg.out->base;
	pthread_mutex_unlock(&s->lock);
	*out = &arg.out->base;
	return 0;
}

struct p11_destroy_arg {
	int destroyed; /* objects destroyed so far (survives a retry) */
};

static int
p11_op_destroy(struct p11_signer *s, CK_SESSION_HANDLE h, struct p11_key *k,
               const char *key, void *varg, CK_RV *rvp)
{
	struct p11_destroy_arg *arg = varg;
	struct signer_key *kb = &k->base;
	static const CK_OBJECT_CLASS classes[2] = { CKO_PRIVATE_KEY, CKO_PUBLIC_KEY };
	struct p11_ktmpl t;
	CK_OBJECT_HANDLE objs[4];
	CK_ULONG count, i;
	CK_RV r;
	int c, rc;

	for (c = 0; c < 2; c++) {
		p11_ktmpl_set(&t, classes[c], kb->label, kb->label_len, kb->id, kb->id_len,
		    kb->session ? 0 : 1);
		if ((rc = p11_find(s, h, t.a, t.n, objs, 4, &count, key, rvp)) != 0)
			return rc;
		if (c == 0 && count == 0 && arg->destroyed == 0)
			return p11_fail(s, key, CKR_OK, SIGNER_ERR_NO_KEY, "no such private key");
		for (i = 0; i < count; i++) {
			if ((r = s->f->C_DestroyObject(h, objs[i])) != CKR_OK) {
				*rvp = r;
				return p11_fail(s, key, r, p11_map(r, SIGNER_ERR_DEVICE),
				    "C_DestroyObject");
			}
			arg->destroyed++;
		}
	}
	return 0;
}

static int
p11_key_destroy(struct signer *base, struct signer_key *kb)
{
	struct p11_signer *s = (struct p11_signer *)base;
	struct p11_destroy_arg arg = { 0 };
	struct signer_key **pp;
	char disp[SIGNER_MAX_LABEL + 8];
	int rc;

	signer_key_display(kb, disp, sizeof(disp));
	if ((rc = p11_run(s, (struct p11_key *)kb, disp, p11_op_destroy, &arg)) != 0)
		return rc;
	pthread_mutex_lock(&s->lock);
	for (pp = &s->keys; *pp != NULL && *pp != kb; pp = &(*pp)->next)
		;
	if (*pp != NULL)
		*pp = kb->next;
	pthread_mutex_unlock(&s->lock);
	free(kb);
	return 0;
}

struct p11_public_arg {
	unsigned char *spki;
	size_t len;
};

static int
p11_op_public(struct p11_signer *s, CK_SESSION_HANDLE h, struct p11_key *k,
              const char *key, void *varg, CK_RV *rvp)
{
	struct p11_public_arg *arg = varg;
	unsigned char buf[P11_SPKI_MAX];
	mbedtls_pk_context pk;
	CK_OBJECT_HANDLE o;
	int n, rc;

	mbedtls_pk_init(&pk);
	if ((rc = p11_key_handle(s, h, k, &o, key, rvp)) != 0 ||
	    (rc = p11_public(s, h, &k->base, o, CK_INVALID_HANDLE, &pk, key, rvp)) != 0)
		goto out;
	if ((n = mbedtls_pk_write_pubkey_der(&pk, buf, sizeof(buf))) <= 0) {
		rc = p11_fail(s, key, CKR_OK, SIGNER_ERR_KEY_TYPE, "cannot encode the "
		    "public key");
		goto out;
	}
	if ((arg->spki = malloc((size_t)n)) == NULL) {
		rc = p11_fail(s, key, CKR_OK, SIGNER_ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(arg->spki, buf + sizeof(buf) - (size_t)n, (size_t)n);
	arg->len = (size_t)n;
	rc = 0;
out:
	mbedtls_pk_free(&pk);
	return rc;
}

static int
p11_key_public(struct signer *base, struct signer_key *kb, unsigned char **spki,
               size_t *len)
{
	struct p11_signer *s = (struct p11_signer *)base;
	struct p11_public_arg arg = { NULL, 0 };
	char disp[SIGNER_MAX_LABEL + 8];
	int rc;

	signer_key_display(kb, disp, sizeof(disp));
	if ((rc = p11_run(s, (struct p11_key *)kb, disp, p11_op_public, &arg)) != 0)
		return rc;
	*spki = arg.spki;
	*len = arg.len;
	return 0;
}

struct p11_sign_arg {
	CK_MECHANISM_TYPE mech;
	const unsigned char *in;
	size_t in_len;
	unsigned char *sig;
	size_t sig_len;
};

static int
p11_op_sign(struct p11_signer *s, CK_SESSION_HANDLE h, struct p11_key *k,
            const char *key, void *varg, CK_RV *rvp)
{
	struct p11_sign_arg *arg = varg;
	CK_MECHANISM mech = { arg->mech, NULL, 0 };
	CK_OBJECT_HANDLE o;
	CK_ULONG n = SIGNER_MAX_SIG;
	CK_RV r;
	int rc;

	if ((rc = p11_key_handle(s, h, k, &o, key, rvp)) != 0)
		return rc;
	if ((r = s->f->C_SignInit(h, &mech, o)) != CKR_OK) {
		*rvp = r;
		return p11_fail(s, key, r, p11_map(r, SIGNER_ERR_SIGN), "C_SignInit (%s)",
		    arg->mech == CKM_RSA_PKCS ? "CKM_RSA_PKCS" : "CKM_SHA256_RSA_PKCS");
	}
	if ((r = s->f->C_Sign(h, (unsigned char *)arg->in, arg->in_len, arg->sig, &n)) !=
	    CKR_OK) {
		*rvp = r;
		if (r == CKR_BUFFER_TOO_SMALL) /* the operation is still active */
			*rvp = CKR_OPERATION_ACTIVE;
		return p11_fail(s, key, r, p11_map(r, SIGNER_ERR_SIGN), "C_Sign");
	}
	arg->sig_len = n;
	return 0;
}

static int
p11_sign(struct signer *base, struct signer_key *kb, const unsigned char *data,
         size_t len, const unsigned char *sha256, unsigned char *sig, size_t *sig_len)
{
	struct p11_signer *s = (struct p11_signer *)base;
	unsigned char hash[32], di[SIGNER_DIGESTINFO_LEN];
	struct p11_sign_arg arg = { CKM_SHA256_RSA_PKCS, data, len, sig, 0 };
	char disp[SIGNER_MAX_LABEL + 8];
	int rc;

	signer_key_display(kb, disp, sizeof(disp));
	if (sha256 == NULL && s->mech == SIGNER_P11_RSA_PKCS_HOST_HASH) {
		if (mbedtls_sha256_ret(data, len, hash, 0) != 0)
			return p11_fail(s, disp, CKR_OK, SIGNER_ERR_SIGN, "SHA-256 failed");
		sha256 = hash;
	}
	if (sha256 != NULL) {
		signer_digestinfo(sha256, di);
		arg.mech = CKM_RSA_PKCS;
		arg.in = di;
		arg.in_len = sizeof(di);
	}
	if ((rc = p11_run(s, (struct p11_key *)kb, disp, p11_op_sign, &arg)) != 0)
		return rc;
	*sig_len = arg.sig_len;
	return 0;
}

static void
p11_close(struct signer *base)
{
	struct p11_signer *s = (struct p11_signer *)base;
	struct p11_tsess *t, *tn;
	struct signer_key *k, *kn;
	unsigned long gen;

	if (s->have_tkey) {
		pthread_setspecific(s->tkey, NULL);
		pthread_key_delete(s->tkey); /* no destructor runs after this */
	}
	gen = s->mod != NULL ? atomic_load(&s->mod->init_gen) : 0;
	for (t = s->sessions; t != NULL; t = tn) {
		tn = t->next;
		/* XXX a handle the module silently dropped may have been reused. */
		if (t->open && t->init_gen == gen)
			(void)s->f->C_CloseSession(t->h);
		free(t);
	}
	for (k = s->keys; k != NULL; k = kn) {
		kn = k->next;
		free(k);
	}
	p11_module_put(s->mod);
	if (s->uri != NULL)
		p11_kit_uri_free(s->uri);
	if (s->pin_value != NULL) {
		mbedtls_platform_zeroize(s->pin_value, s->pin_value_len);
		free(s->pin_value);
	}
	free(s->pin_source);
	if (s->have_lock)
		pthread_mutex_destroy(&s->lock);
	if (s->have_keygen_lock)
		pthread_mutex_destroy(&s->keygen_lock);
	free(s);
}

static const struct signer_ops p11_ops = {
	.name = "pkcs11",
	.key_find = p11_key_find,
	.key_generate = p11_key_generate,
	.key_destroy = p11_key_destroy,
	.key_public = p11_key_public,
	.sign = p11_sign,
	.close = p11_close,
};

/* See signer.h. */
void
signer_p11_config_init(struct signer_p11_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mech = SIGNER_P11_SHA256_RSA_PKCS;
	cfg->key_private = true;
	cfg->key_sensitive = true;
	cfg->key_extractable = false;
	cfg->key_modifiable = false;
}

/* Take the PIN settings out of the URI (RFC 7512 2.4). */
static int
p11_take_pin(struct p11_signer *s)
{
	const char *src = p11_kit_uri_get_pin_source(s->uri);
	const char *val = p11_kit_uri_get_pin_value(s->uri);
	size_t len;

	if (src != NULL && val != NULL)
		return p11_fail(s, NULL, CKR_OK, SIGNER_ERR_ARG, "token URI has both "
		    "pin-source and pin-value");
	if (src != NULL) {
		if (strncmp(src, "env:", 4) != 0 && strncmp(src, "file:", 5) != 0 &&
		    src[0] != '/')
			return p11_fail(s, NULL, CKR_OK, SIGNER_ERR_ARG, "pin-source must be "
			    "file:/path, /path or env:NAME");
		if (strncmp(src, "env:", 4) == 0 && src[4] == '\0')
			return p11_fail(s, NULL, CKR_OK, SIGNER_ERR_ARG, "pin-source env: "
			    "names no variable");
		if ((s->pin_source = strdup(src)) == NULL)
			return p11_fail(s, NULL, CKR_OK, SIGNER_ERR_NOMEM, "out of memory");
	}
	if (val != NULL) {
		len = strlen(val);
		if (len > P11_MAX_PIN)
			return p11_fail(s, NULL, CKR_OK, SIGNER_ERR_ARG, "pin-value longer "
			    "than %d bytes", P11_MAX_PIN);
		if ((s->pin_value = malloc(len + 1)) == NULL)
			return p11_fail(s, NULL, CKR_OK, SIGNER_ERR_NOMEM, "out of memory");
		memcpy(s->pin_value, val, len + 1);
		s->pin_value_len = len;
		/* p11-kit's copy is a heap string: zero it before it is freed. */
		mbedtls_platform_zeroize((char *)val, len);
		p11_kit_uri_set_pin_value(s->uri, NULL);
	}
	return 0;
}

/* See signer.h. */
int
signer_p11_open(const struct signer_p11_config *cfg, struct signer **out)
{
	struct p11_signer *s = NULL;
	struct p11_tsess *t;
	CK_TOKEN_INFO *uti;
	CK_INFO info;
	CK_RV r = CKR_OK;
	int rc = SIGNER_ERR_ARG, pr = P11_KIT_URI_OK;

	signer_err_clear();
	if (out != NULL)
		*out = NULL;
	if (cfg == NULL || out == NULL || cfg->module == NULL || cfg->token_uri == NULL ||
	    (cfg->mech != SIGNER_P11_SHA256_RSA_PKCS &&
	    cfg->mech != SIGNER_P11_RSA_PKCS_HOST_HASH)) {
		signer_err(NULL, NULL, "signer_p11_open: need a module, a token URI and a "
		    "known mechanism");
		return SIGNER_ERR_ARG;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		signer_err(NULL, NULL, "out of memory");
		return SIGNER_ERR_NOMEM;
	}
	s->base.ops = &p11_ops;
	s->mech = cfg->mech;
	s->key_private = cfg->key_private;
	s->key_sensitive = cfg->key_sensitive;
	s->key_extractable = cfg->key_extractable;
	s->key_modifiable = cfg->key_modifiable;
	s->epoch = 1;
	snprintf(s->token, sizeof(s->token), "(any)");
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		rc = p11_fail(s, NULL, CKR_OK, SIGNER_ERR_NOMEM, "mutex");
		goto out;
	}
	s->have_lock = true;
	if (pthread_mutex_init(&s->keygen_lock, NULL) != 0) {
		rc = p11_fail(s, NULL, CKR_OK, SIGNER_ERR_NOMEM, "mutex");
		goto out;
	}
	s->have_keygen_lock = true;
	if ((s->uri = p11_kit_uri_new()) == NULL) {
		rc = p11_fail(s, NULL, CKR_OK, SIGNER_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (strncmp(cfg->token_uri, P11_KIT_URI_SCHEME ":", P11_KIT_URI_SCHEME_LEN + 1) != 0 ||
	    (pr = p11_kit_uri_parse(cfg->token_uri, P11_KIT_URI_FOR_ANY, s->uri)) !=
	    P11_KIT_URI_OK) {
		signer_err(NULL, NULL, "bad token URI (RFC 7512): %s",
		    strncmp(cfg->token_uri, "pkcs11:", 7) != 0 ? "not a pkcs11: URI" :
		    p11_kit_uri_message(pr));
		rc = SIGNER_ERR_ARG;
		goto out;
	}
	if ((uti = p11_kit_uri_get_token_info(s->uri)) != NULL && uti->label[0] != '\0')
		p11_field(s->token, sizeof(s->token), uti->label, sizeof(uti->label));
	if (p11_kit_uri_any_unrecognized(s->uri)) {
		rc = p11_fail(s, NULL, CKR_OK, SIGNER_ERR_ARG, "token URI has an unrecognised "
		    "attribute (RFC 7512 2.3)");
		goto out;
	}
	if ((rc = p11_take_pin(s)) != 0)
		goto out;
	if ((rc = p11_module_get(s, cfg->module, &s->mod)) != 0)
		goto out;
	s->f = s->mod->f;
	r = s->f->C_GetInfo(&info);
	if (r == CKR_CRYPTOKI_NOT_INITIALIZED) { /* finalised by another user of it */
		bool did = false;

		if ((rc = p11_module_reinit(s, NULL, &did)) != 0)
			goto out;
		r = s->f->C_GetInfo(&info);
	}
	if (r != CKR_OK) {
		rc = p11_fail(s, NULL, r, SIGNER_ERR_MODULE, "module '%s': C_GetInfo",
		    cfg->module);
		goto out;
	}
	if (!p11_kit_uri_match_module_info(s->uri, &info)) {
		rc = p11_fail(s, NULL, CKR_OK, SIGNER_ERR_TOKEN, "module '%s' does not match "
		    "the URI's library attributes", cfg->module);
		goto out;
	}
	if ((rc = p11_find_slot(s, NULL, &s->slot, &s->tokinfo, &r)) != 0)
		goto out;
	p11_field(s->token, sizeof(s->token), s->tokinfo.label, sizeof(s->tokinfo.label));
	s->login_required = (s->tokinfo.flags & CKF_LOGIN_REQUIRED) != 0;
	s->protected_path = (s->tokinfo.flags & CKF_PROTECTED_AUTHENTICATION_PATH) != 0;
	if (pthread_key_create(&s->tkey, p11_tsess_destructor) != 0) {
		rc = p11_fail(s, NULL, CKR_OK, SIGNER_ERR_NOMEM, "pthread_key_create");
		goto out;
	}
	s->have_tkey = true;
	/* Open this thread's session now: a wrong PIN fails here. */
	if ((rc = p11_session(s, NULL, &t, &r)) != 0)
		goto out;
	*out = &s->base;
	s = NULL;
	rc = 0;
out:
	if (s != NULL)
		p11_close(&s->base);
	return rc;
}
