/*
 * The PKCS#11 signer's own matters, against a SoftHSM token made by the
 * fixture: both mechanisms (UD-98), the key template read back with our
 * own C_GetAttributeValue (UD-163), PIN sources, errors that name the
 * token and key, module and URI errors, and recovery from lost sessions,
 * logout, module re-initialisation and a token that went away and came
 * back (UD-163), with concurrent threads.
 *
 * The test reaches the module itself through dlopen + C_GetFunctionList:
 * the same library instance the signer loaded, so C_CloseAllSessions,
 * C_Logout and C_Finalize act on the signer's sessions.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <p11-kit/pkcs11.h>

#include "crypto/signer.h"
#include "softhsm_fixture.h"

#define TOKEN "p11test"
#define PIN   "1234"

static struct softhsm_fixture fx;
static void *dl;
static CK_FUNCTION_LIST_PTR fl;
static CK_SLOT_ID slot;

/* ---- helpers ---- */

static struct signer *
open_uri(const char *uri, enum signer_p11_mech mech)
{
	struct signer_p11_config cfg;
	struct signer *s = NULL;

	signer_p11_config_init(&cfg);
	cfg.module = fx.module;
	cfg.token_uri = uri;
	cfg.mech = mech;
	if (signer_p11_open(&cfg, &s) != 0)
		fail_msg("signer_p11_open(%s): %s", uri, signer_last_error());
	return s;
}

static struct signer *
open_default(void)
{
	return open_uri(fx.uri, SIGNER_P11_SHA256_RSA_PKCS);
}

static int
open_rc(const char *module, const char *uri)
{
	struct signer_p11_config cfg;
	struct signer *s = (struct signer *)&s;
	int rc;

	signer_p11_config_init(&cfg);
	cfg.module = module;
	cfg.token_uri = uri;
	rc = signer_p11_open(&cfg, &s);
	if (rc == 0)
		signer_close(s);
	else
		assert_null(s);
	return rc;
}

/* Find the fixture token's slot (the module must be initialised by a signer). */
static void
find_slot(void)
{
	CK_SLOT_ID list[16];
	CK_ULONG n = 16, i;
	CK_TOKEN_INFO ti;

	assert_int_equal(fl->C_GetSlotList(CK_TRUE, list, &n), CKR_OK);
	for (i = 0; i < n; i++) {
		assert_int_equal(fl->C_GetTokenInfo(list[i], &ti), CKR_OK);
		if (memcmp(ti.label, TOKEN, strlen(TOKEN)) == 0 &&
		    ti.label[strlen(TOKEN)] == ' ') {
			slot = list[i];
			return;
		}
	}
	fail_msg("token %s not found", TOKEN);
}

/* A session of the test's own on the token, logged in. */
static CK_SESSION_HANDLE
my_session(void)
{
	CK_SESSION_HANDLE h;
	CK_RV r;

	find_slot();
	assert_int_equal(fl->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
	    NULL, &h), CKR_OK);
	r = fl->C_Login(h, CKU_USER, (unsigned char *)PIN, strlen(PIN));
	assert_true(r == CKR_OK || r == CKR_USER_ALREADY_LOGGED_IN);
	return h;
}

static CK_OBJECT_HANDLE
my_find(CK_SESSION_HANDLE h, CK_OBJECT_CLASS cls, const char *label)
{
	CK_ATTRIBUTE t[2] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_LABEL, (void *)label, strlen(label) },
	};
	CK_OBJECT_HANDLE o[2];
	CK_ULONG n = 0;

	assert_int_equal(fl->C_FindObjectsInit(h, t, 2), CKR_OK);
	assert_int_equal(fl->C_FindObjects(h, o, 2, &n), CKR_OK);
	assert_int_equal(fl->C_FindObjectsFinal(h), CKR_OK);
	assert_int_equal(n, 1);
	return o[0];
}

static CK_BBOOL
my_bool(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL v = 0xff;
	CK_ATTRIBUTE a = { type, &v, sizeof(v) };

	assert_int_equal(fl->C_GetAttributeValue(h, o, &a, 1), CKR_OK);
	return v;
}

static void
sign_verify(struct signer *s, struct signer_key *k, const char *msg)
{
	unsigned char sig[SIGNER_MAX_SIG], *spki = NULL, hash[32];
	size_t sig_len = 0, spki_len = 0;
	mbedtls_pk_context pk;

	if (signer_sign(s, k, (const unsigned char *)msg, strlen(msg), sig, sizeof(sig),
	    &sig_len) != 0)
		fail_msg("signer_sign: %s", signer_last_error());
	if (signer_key_public(s, k, &spki, &spki_len) != 0)
		fail_msg("signer_key_public: %s", signer_last_error());
	mbedtls_pk_init(&pk);
	assert_int_equal(mbedtls_pk_parse_public_key(&pk, spki, spki_len), 0);
	mbedtls_sha256_ret((const unsigned char *)msg, strlen(msg), hash, 0);
	assert_int_equal(mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, hash, 32, sig, sig_len), 0);
	mbedtls_pk_free(&pk);
	free(spki);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
expect_msg(const char *want1, const char *want2)
{
	const char *m = signer_last_error();

	if (strstr(m, want1) == NULL || (want2 != NULL && strstr(m, want2) == NULL))
		fail_msg("message \"%s\" lacks \"%s\" / \"%s\"", m, want1,
		    want2 != NULL ? want2 : "");
	print_message("    message: %s\n", m);
}

/* ---- tests ---- */

/*
 * UD-98: CKM_SHA256_RSA_PKCS and host hashing + CKM_RSA_PKCS over the
 * DigestInfo give the same signature (PKCS#1 v1.5 is deterministic) over a
 * LACNIC-sized TBS; two signers share the module, which stays initialised
 * until the last one closes.
 */
static void
test_ud98_mechanisms(void **state)
{
	struct signer *s1 = open_uri(fx.uri, SIGNER_P11_SHA256_RSA_PKCS);
	struct signer *s2 = open_uri(fx.uri, SIGNER_P11_RSA_PKCS_HOST_HASH);
	struct signer_key *k1 = NULL, *k2 = NULL;
	unsigned char *data, sig1[SIGNER_MAX_SIG], sig2[SIGNER_MAX_SIG], hash[32];
	unsigned char sig3[SIGNER_MAX_SIG];
	size_t len = 69 * 1024, l1, l2, l3, i;

	(void)state;
	assert_non_null(data = malloc(len));
	for (i = 0; i < len; i++)
		data[i] = (unsigned char)(i ^ (i >> 8));
	assert_int_equal(signer_key_generate(s1, "mech-key", 0, &k1), 0);
	assert_int_equal(signer_key_find(s2, "pkcs11:token=" TOKEN ";object=mech-key", &k2), 0);
	assert_int_equal(signer_sign(s1, k1, data, len, sig1, sizeof(sig1), &l1), 0);
	assert_int_equal(signer_sign(s2, k2, data, len, sig2, sizeof(sig2), &l2), 0);
	assert_int_equal(l1, 256);
	assert_int_equal(l2, 256);
	assert_memory_equal(sig1, sig2, 256);
	mbedtls_sha256_ret(data, len, hash, 0);
	assert_int_equal(signer_sign_digest(s1, k1, hash, sig3, sizeof(sig3), &l3), 0);
	assert_memory_equal(sig1, sig3, 256);
	sign_verify(s2, k2, "host-hashed");
	signer_close(s1);
	/* the module is still initialised for s2 */
	sign_verify(s2, k2, "after the other signer closed");
	assert_int_equal(signer_key_destroy(s2, k2), 0);
	signer_close(s2);
	free(data);
}

/*
 * UD-163: the default template: private, sensitive, not extractable, not
 * modifiable, a token object that signs; both halves carry the label and
 * the same random 20-byte CKA_ID; the private exponent cannot be read.
 */
static void
test_ud163_template_default(void **state)
{
	struct signer *s = open_default();
	struct signer_key *k = NULL;
	CK_SESSION_HANDLE h;
	CK_OBJECT_HANDLE priv, pub;
	unsigned char id1[64], id2[64], kid[64], d[512];
	CK_ATTRIBUTE a1 = { CKA_ID, id1, sizeof(id1) }, a2 = { CKA_ID, id2, sizeof(id2) };
	CK_ATTRIBUTE ad = { CKA_PRIVATE_EXPONENT, d, sizeof(d) };
	CK_ULONG bits = 0;
	CK_ATTRIBUTE ab = { CKA_MODULUS_BITS, &bits, sizeof(bits) };
	size_t kid_len = 0;

	(void)state;
	assert_int_equal(signer_key_generate(s, "tmpl-default", 0, &k), 0);
	h = my_session();
	priv = my_find(h, CKO_PRIVATE_KEY, "tmpl-default");
	pub = my_find(h, CKO_PUBLIC_KEY, "tmpl-default");
	assert_int_equal(my_bool(h, priv, CKA_TOKEN), CK_TRUE);
	assert_int_equal(my_bool(h, priv, CKA_PRIVATE), CK_TRUE);
	assert_int_equal(my_bool(h, priv, CKA_SENSITIVE), CK_TRUE);
	assert_int_equal(my_bool(h, priv, CKA_EXTRACTABLE), CK_FALSE);
	assert_int_equal(my_bool(h, priv, CKA_MODIFIABLE), CK_FALSE);
	assert_int_equal(my_bool(h, priv, CKA_SIGN), CK_TRUE);
	assert_int_equal(my_bool(h, priv, CKA_NEVER_EXTRACTABLE), CK_TRUE);
	assert_int_equal(my_bool(h, pub, CKA_TOKEN), CK_TRUE);
	assert_int_equal(my_bool(h, pub, CKA_VERIFY), CK_TRUE);
	assert_int_equal(fl->C_GetAttributeValue(h, pub, &ab, 1), CKR_OK);
	assert_int_equal(bits, 2048);
	assert_int_equal(fl->C_GetAttributeValue(h, priv, &a1, 1), CKR_OK);
	assert_int_equal(fl->C_GetAttributeValue(h, pub, &a2, 1), CKR_OK);
	assert_int_equal(a1.ulValueLen, SIGNER_KEY_ID_LEN);
	assert_int_equal(a2.ulValueLen, SIGNER_KEY_ID_LEN);
	assert_memory_equal(id1, id2, SIGNER_KEY_ID_LEN);
	assert_int_equal(signer_key_id(k, kid, sizeof(kid), &kid_len), 0);
	assert_int_equal(kid_len, SIGNER_KEY_ID_LEN);
	assert_memory_equal(kid, id1, SIGNER_KEY_ID_LEN);
	/* the secret stays in the token */
	assert_int_equal(fl->C_GetAttributeValue(h, priv, &ad, 1), CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(signer_key_destroy(s, k), 0);
	fl->C_CloseSession(h);
	signer_close(s);
}

/* UD-163: each template attribute is a setting, and the token gets it. */
static void
test_ud163_template_settings(void **state)
{
	struct signer_p11_config cfg;
	struct signer *s = NULL;
	struct signer_key *k = NULL, *ks = NULL;
	CK_SESSION_HANDLE h;
	CK_OBJECT_HANDLE priv;
	unsigned char d[512];
	CK_ATTRIBUTE ad = { CKA_PRIVATE_EXPONENT, d, sizeof(d) };

	(void)state;
	signer_p11_config_init(&cfg);
	assert_true(cfg.key_private && cfg.key_sensitive);
	assert_false(cfg.key_extractable || cfg.key_modifiable);
	assert_int_equal(cfg.mech, SIGNER_P11_SHA256_RSA_PKCS);
	cfg.module = fx.module;
	cfg.token_uri = fx.uri;
	cfg.key_private = false;
	cfg.key_sensitive = false;
	cfg.key_extractable = true;
	cfg.key_modifiable = true;
	assert_int_equal(signer_p11_open(&cfg, &s), 0);
	assert_int_equal(signer_key_generate(s, "tmpl-open", 0, &k), 0);
	assert_int_equal(signer_key_generate(s, "tmpl-session", SIGNER_KEY_SESSION, &ks), 0);
	h = my_session();
	priv = my_find(h, CKO_PRIVATE_KEY, "tmpl-open");
	assert_int_equal(my_bool(h, priv, CKA_PRIVATE), CK_FALSE);
	assert_int_equal(my_bool(h, priv, CKA_SENSITIVE), CK_FALSE);
	assert_int_equal(my_bool(h, priv, CKA_EXTRACTABLE), CK_TRUE);
	assert_int_equal(my_bool(h, priv, CKA_MODIFIABLE), CK_TRUE);
	assert_int_equal(my_bool(h, priv, CKA_TOKEN), CK_TRUE);
	assert_int_equal(fl->C_GetAttributeValue(h, priv, &ad, 1), CKR_OK);
	assert_true(ad.ulValueLen >= 250 && ad.ulValueLen <= 256);
	/* a one-time key is a session object, visible to our other sessions */
	priv = my_find(h, CKO_PRIVATE_KEY, "tmpl-session");
	assert_int_equal(my_bool(h, priv, CKA_TOKEN), CK_FALSE);
	assert_int_equal(my_bool(h, my_find(h, CKO_PUBLIC_KEY, "tmpl-session"), CKA_TOKEN),
	    CK_FALSE);
	sign_verify(s, ks, "one-time");
	assert_int_equal(signer_key_destroy(s, ks), 0);
	assert_int_equal(signer_key_destroy(s, k), 0);
	fl->C_CloseSession(h);
	signer_close(s);
}

/* PINs from pin-source (file:, bare path, file://, env:) and pin-value. */
static void
test_pin_sources(void **state)
{
	char uri[800], path[400];
	struct signer *s;
	struct signer_key *k = NULL;

	(void)state;
	setenv("UPDOWN_TEST_PIN", PIN, 1);
	s = open_uri("pkcs11:token=" TOKEN "?pin-source=env:UPDOWN_TEST_PIN",
	    SIGNER_P11_SHA256_RSA_PKCS);
	assert_int_equal(signer_key_generate(s, "pin-env", SIGNER_KEY_SESSION, &k), 0);
	sign_verify(s, k, "env");
	signer_close(s);
	unsetenv("UPDOWN_TEST_PIN");
	assert_int_equal(open_rc(fx.module, "pkcs11:token=" TOKEN
	    "?pin-source=env:UPDOWN_TEST_PIN"), SIGNER_ERR_PIN);
	expect_msg("token '" TOKEN "'", "UPDOWN_TEST_PIN");

	/* a PIN file with a trailing newline: the first line is the PIN */
	snprintf(path, sizeof(path), "%s/pin-nl", fx.dir);
	write_file(path, PIN "\n");
	snprintf(uri, sizeof(uri), "pkcs11:token=" TOKEN "?pin-source=%s", path);
	assert_int_equal(open_rc(fx.module, uri), 0);                /* bare path */
	snprintf(uri, sizeof(uri), "pkcs11:token=" TOKEN "?pin-source=file:%s", path);
	assert_int_equal(open_rc(fx.module, uri), 0);
	snprintf(uri, sizeof(uri), "pkcs11:token=" TOKEN "?pin-source=file://%s", path);
	assert_int_equal(open_rc(fx.module, uri), 0);
	assert_int_equal(open_rc(fx.module, "pkcs11:token=" TOKEN "?pin-value=" PIN), 0);

	snprintf(uri, sizeof(uri), "pkcs11:token=" TOKEN "?pin-source=file:%s/nope", fx.dir);
	assert_int_equal(open_rc(fx.module, uri), SIGNER_ERR_PIN);
	expect_msg("token '" TOKEN "'", "/nope");
	assert_int_equal(open_rc(fx.module, "pkcs11:token=" TOKEN), SIGNER_ERR_PIN);
	expect_msg("token '" TOKEN "'", "pin-source");
	/* no commands, and one source only */
	assert_int_equal(open_rc(fx.module, "pkcs11:token=" TOKEN "?pin-source=%7Cecho%201234"),
	    SIGNER_ERR_ARG);
	assert_int_equal(open_rc(fx.module, "pkcs11:token=" TOKEN
	    "?pin-value=1234&pin-source=env:X"), SIGNER_ERR_ARG);
	assert_int_equal(open_rc(fx.module, "pkcs11:token=" TOKEN "?pin-source=env:"),
	    SIGNER_ERR_ARG);
}

/*
 * A wrong PIN: at open the message names the token; when a re-login after
 * a lost session meets a changed PIN file, the message names the token and
 * the key, and signing works again once the PIN is right (UD-163).
 */
static void
test_wrong_pin(void **state)
{
	char uri[800], path[400];
	struct signer *s;
	struct signer_key *k = NULL;
	unsigned char sig[SIGNER_MAX_SIG];
	size_t sig_len;

	(void)state;
	assert_int_equal(open_rc(fx.module, "pkcs11:token=" TOKEN "?pin-value=9999"),
	    SIGNER_ERR_PIN);
	expect_msg("token '" TOKEN "'", "PIN");

	snprintf(path, sizeof(path), "%s/pin-changing", fx.dir);
	write_file(path, PIN);
	snprintf(uri, sizeof(uri), "pkcs11:token=" TOKEN "?pin-source=file:%s", path);
	s = open_uri(uri, SIGNER_P11_SHA256_RSA_PKCS);
	assert_int_equal(signer_key_generate(s, "pin-key", 0, &k), 0);
	sign_verify(s, k, "right PIN");
	write_file(path, "0000");
	find_slot();
	assert_int_equal(fl->C_CloseAllSessions(slot), CKR_OK); /* logs everyone out */
	assert_int_equal(signer_sign(s, k, (const unsigned char *)"x", 1, sig, sizeof(sig),
	    &sig_len), SIGNER_ERR_PIN);
	expect_msg("token '" TOKEN "': key 'pin-key'", "PIN");
	write_file(path, PIN);
	sign_verify(s, k, "PIN fixed, no restart");
	assert_int_equal(signer_key_destroy(s, k), 0);
	signer_close(s);
}

/* Module, token and URI errors: the right code, a message that says which. */
static void
test_open_errors(void **state)
{
	struct signer_p11_config cfg;
	struct signer *s = NULL;
	struct signer_key *k = NULL;

	(void)state;
	assert_int_equal(open_rc(fx.module, "pkcs11:token=nope?pin-value=1234"),
	    SIGNER_ERR_TOKEN);
	expect_msg("token 'nope'", "no token");
	assert_int_equal(open_rc(fx.module, "pkcs11:token=" TOKEN
	    ";manufacturer=Acme?pin-value=1234"), SIGNER_ERR_TOKEN);
	assert_int_equal(open_rc(fx.module, "pkcs11:token=" TOKEN
	    ";manufacturer=SoftHSM%20project?pin-value=1234"), 0);
	assert_int_equal(open_rc(fx.module, "pkcs11:token=" TOKEN
	    ";library-manufacturer=Acme?pin-value=1234"), SIGNER_ERR_TOKEN);
	assert_int_equal(open_rc("/nonexistent/libpkcs11.so", fx.uri), SIGNER_ERR_MODULE);
	expect_msg("/nonexistent/libpkcs11.so", NULL);
	assert_int_equal(open_rc("libm.so.6", fx.uri), SIGNER_ERR_MODULE);
	expect_msg("not a PKCS#11 module", NULL);

	assert_int_equal(open_rc(fx.module, "http://example.net/"), SIGNER_ERR_ARG);
	assert_int_equal(open_rc(fx.module, "pkcs11:token=%zz"), SIGNER_ERR_ARG);
	assert_int_equal(open_rc(fx.module, "pkcs11:token=x;bogus=1"), SIGNER_ERR_ARG);
	assert_int_equal(open_rc(fx.module, ""), SIGNER_ERR_ARG);
	assert_int_equal(open_rc(NULL, fx.uri), SIGNER_ERR_ARG);
	assert_int_equal(open_rc(fx.module, NULL), SIGNER_ERR_ARG);
	assert_int_equal(signer_p11_open(NULL, &s), SIGNER_ERR_ARG);
	signer_p11_config_init(&cfg);
	cfg.module = fx.module;
	cfg.token_uri = fx.uri;
	cfg.mech = (enum signer_p11_mech)7;
	assert_int_equal(signer_p11_open(&cfg, &s), SIGNER_ERR_ARG);

	/* a key URI for another token */
	s = open_default();
	assert_int_equal(signer_key_find(s, "pkcs11:token=other;object=x", &k),
	    SIGNER_ERR_TOKEN);
	assert_int_equal(signer_key_generate(s, "pkcs11:token=other;object=x", 0, &k),
	    SIGNER_ERR_TOKEN);
	assert_int_equal(signer_key_find(s, "pkcs11:token=" TOKEN ";object=x", &k),
	    SIGNER_ERR_NO_KEY);
	expect_msg("token '" TOKEN "': key 'x'", NULL);
	signer_close(s);
}

/* Several tokens: the URI must pick one; an ambiguous URI is refused. */
static void
test_token_selection(void **state)
{
	char cmd[600];
	struct signer *s;
	struct signer_key *k = NULL;

	(void)state;
	/* no signer is open: the module is finalised and sees the new token at its next start */
	snprintf(cmd, sizeof(cmd), "softhsm2-util --init-token --free --label second "
	    "--so-pin 5678 --pin 4321 >/dev/null");
	assert_int_equal(system(cmd), 0);
	assert_int_equal(open_rc(fx.module, "pkcs11:?pin-value=1234"), SIGNER_ERR_TOKEN);
	expect_msg("2 tokens match", NULL);
	s = open_uri("pkcs11:token=second?pin-value=4321", SIGNER_P11_SHA256_RSA_PKCS);
	assert_int_equal(signer_key_generate(s, "on-second", SIGNER_KEY_SESSION, &k), 0);
	sign_verify(s, k, "second token");
	signer_close(s);
	assert_int_equal(open_rc(fx.module, "pkcs11:token=second?pin-value=1234"),
	    SIGNER_ERR_PIN);
	expect_msg("token 'second'", "PIN");
}

/*
 * UD-163: every session closed behind the signer's back (and with them the
 * login): signing, public key and find still work. A one-time key dies with
 * its session: SIGNER_ERR_NO_KEY, said so.
 */
static void
test_ud163_recover_close_all(void **state)
{
	struct signer *s = open_default();
	struct signer_key *k = NULL, *ks = NULL, *f = NULL;
	unsigned char sig[SIGNER_MAX_SIG];
	size_t sig_len;

	(void)state;
	assert_int_equal(signer_key_generate(s, "rec-close", 0, &k), 0);
	assert_int_equal(signer_key_generate(s, "rec-session", SIGNER_KEY_SESSION, &ks), 0);
	sign_verify(s, k, "before");
	find_slot();
	assert_int_equal(fl->C_CloseAllSessions(slot), CKR_OK);
	sign_verify(s, k, "after C_CloseAllSessions");
	assert_int_equal(signer_key_find(s, "rec-close", &f), 0);
	assert_ptr_equal(f, k);
	assert_int_equal(signer_sign(s, ks, (const unsigned char *)"x", 1, sig, sizeof(sig),
	    &sig_len), SIGNER_ERR_NO_KEY);
	expect_msg("key 'rec-session'", "session");
	assert_int_equal(signer_key_destroy(s, k), 0);
	signer_close(s);
}

/* UD-163: logged out behind the signer's back: it logs in again. */
static void
test_ud163_recover_logout(void **state)
{
	struct signer *s = open_default();
	struct signer_key *k = NULL;
	CK_SESSION_HANDLE h;

	(void)state;
	assert_int_equal(signer_key_generate(s, "rec-logout", 0, &k), 0);
	h = my_session();
	assert_int_equal(fl->C_Logout(h), CKR_OK);
	sign_verify(s, k, "after C_Logout");
	fl->C_CloseSession(h);
	assert_int_equal(signer_key_destroy(s, k), 0);
	signer_close(s);
}

/*
 * UD-163: the module finalised and initialised again under the signer (a
 * reset HSM connection), and finalised without coming back: the signer
 * re-opens, re-initialises, logs in and finds the key again.
 */
static void
test_ud163_recover_reinit(void **state)
{
	struct signer *s = open_default();
	struct signer_key *k = NULL;
	CK_C_INITIALIZE_ARGS args;

	(void)state;
	assert_int_equal(signer_key_generate(s, "rec-reinit", 0, &k), 0);
	sign_verify(s, k, "before");
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	assert_int_equal(fl->C_Finalize(NULL), CKR_OK);
	assert_int_equal(fl->C_Initialize(&args), CKR_OK);
	sign_verify(s, k, "after C_Finalize + C_Initialize");
	assert_int_equal(fl->C_Finalize(NULL), CKR_OK);
	sign_verify(s, k, "after C_Finalize alone");
	assert_int_equal(signer_key_destroy(s, k), 0);
	signer_close(s);
}

/* The token's directory (the only one: test_token_selection adds another, last). */
static void
token_subdir(char *out, size_t size)
{
	char dir[400];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/tokens", fx.dir);
	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(out, size, "%s/%s", dir, de->d_name);
		n++;
	}
	closedir(d);
	assert_int_equal(n, 1);
}

/*
 * UD-163: the token goes away (its directory moved while the module
 * restarts): a clear error naming token and key, no software fallback;
 * it comes back (the module restarts again): signing works, no restart.
 */
static void
test_ud163_token_away_and_back(void **state)
{
	struct signer *s = open_default();
	struct signer_key *k = NULL;
	CK_C_INITIALIZE_ARGS args;
	unsigned char sig[SIGNER_MAX_SIG];
	char tokdir[800], away[700];
	size_t sig_len;

	(void)state;
	assert_int_equal(signer_key_generate(s, "rec-away", 0, &k), 0);
	sign_verify(s, k, "before");
	token_subdir(tokdir, sizeof(tokdir));
	snprintf(away, sizeof(away), "%s/away", fx.dir);
	assert_int_equal(fl->C_Finalize(NULL), CKR_OK);
	assert_int_equal(rename(tokdir, away), 0);
	assert_int_equal(signer_sign(s, k, (const unsigned char *)"x", 1, sig, sizeof(sig),
	    &sig_len), SIGNER_ERR_TOKEN);
	expect_msg("token '" TOKEN "': key 'rec-away'", "no token");
	assert_string_equal(signer_backend(s), "pkcs11");
	assert_int_equal(signer_sign(s, k, (const unsigned char *)"x", 1, sig, sizeof(sig),
	    &sig_len), SIGNER_ERR_TOKEN);

	assert_int_equal(rename(away, tokdir), 0);
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	assert_int_equal(fl->C_Finalize(NULL), CKR_OK); /* the signer initialised it */
	assert_int_equal(fl->C_Initialize(&args), CKR_OK);
	sign_verify(s, k, "token back");
	assert_int_equal(signer_key_destroy(s, k), 0);
	signer_close(s);
}

/* The key removed behind the signer's back: NO_KEY naming token and key. */
static void
test_key_removed(void **state)
{
	struct signer *s = open_default();
	struct signer_key *k = NULL;
	CK_SESSION_HANDLE h;
	unsigned char sig[SIGNER_MAX_SIG];
	size_t sig_len;

	(void)state;
	assert_int_equal(signer_key_generate(s, "rec-gone", 0, &k), 0);
	sign_verify(s, k, "before");
	h = my_session();
	assert_int_equal(fl->C_DestroyObject(h, my_find(h, CKO_PRIVATE_KEY, "rec-gone")),
	    CKR_OK);
	fl->C_CloseSession(h);
	assert_int_equal(signer_sign(s, k, (const unsigned char *)"x", 1, sig, sizeof(sig),
	    &sig_len), SIGNER_ERR_NO_KEY);
	expect_msg("token '" TOKEN "': key 'rec-gone'", NULL);
	signer_close(s);
}

#define NTHREADS 4
#define ROUND    10

struct tharg {
	struct signer *s;
	struct signer_key *k;
	pthread_barrier_t *bar;
	int index, ok;
	char err[300];
};

static void *
thread_main(void *p)
{
	struct tharg *a = p;
	unsigned char sig[SIGNER_MAX_SIG], ref[SIGNER_MAX_SIG], msg[32];
	size_t sig_len, ref_len = 0;
	int round, i;

	for (round = 0; round < 2; round++) {
		for (i = 0; i < ROUND; i++) {
			snprintf((char *)msg, sizeof(msg), "thread %d", a->index);
			if (signer_sign(a->s, a->k, msg, strlen((char *)msg), sig, sizeof(sig),
			    &sig_len) != 0) {
				snprintf(a->err, sizeof(a->err), "%s", signer_last_error());
				continue;
			}
			if (ref_len == 0) {
				memcpy(ref, sig, sig_len);
				ref_len = sig_len;
			}
			if (sig_len == ref_len && memcmp(sig, ref, sig_len) == 0)
				a->ok++;
		}
		/* between the rounds the main thread closes every session */
		pthread_barrier_wait(a->bar);
		pthread_barrier_wait(a->bar);
	}
	return NULL;
}

/*
 * Threads sign concurrently, each in its own session (one shared session
 * would fail with CKR_OPERATION_ACTIVE); after all their sessions are
 * closed at once, each recovers on its own (UD-163).
 */
static void
test_threads_recover(void **state)
{
	struct signer *s = open_default();
	struct signer_key *k = NULL;
	struct tharg args[NTHREADS];
	pthread_t th[NTHREADS];
	pthread_barrier_t bar;
	int i;

	(void)state;
	assert_int_equal(signer_key_generate(s, "thread-key", 0, &k), 0);
	assert_int_equal(pthread_barrier_init(&bar, NULL, NTHREADS + 1), 0);
	for (i = 0; i < NTHREADS; i++) {
		args[i] = (struct tharg){ s, k, &bar, i, 0, "" };
		assert_int_equal(pthread_create(&th[i], NULL, thread_main, &args[i]), 0);
	}
	pthread_barrier_wait(&bar);
	find_slot();
	assert_int_equal(fl->C_CloseAllSessions(slot), CKR_OK);
	pthread_barrier_wait(&bar);
	pthread_barrier_wait(&bar);
	pthread_barrier_wait(&bar);
	for (i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		if (args[i].ok != 2 * ROUND)
			fail_msg("thread %d: %d of %d signatures (%s)", i, args[i].ok,
			    2 * ROUND, args[i].err);
	}
	pthread_barrier_destroy(&bar);
	sign_verify(s, k, "main thread after");
	assert_int_equal(signer_key_destroy(s, k), 0);
	signer_close(s);
}

/* UD-164: key generation in the token and signing latency, measured and shown. */
static void
test_ud164_latency(void **state)
{
	struct signer *s = open_default();
	struct signer_key *k = NULL;
	struct timespec t0, t1, t2;
	unsigned char sig[SIGNER_MAX_SIG];
	size_t sig_len;
	double gen_ms, sign_ms;
	int i;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(signer_key_generate(s, "latency", SIGNER_KEY_SESSION, &k), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (i = 0; i < 10; i++)
		assert_int_equal(signer_sign(s, k, (const unsigned char *)"x", 1, sig,
		    sizeof(sig), &sig_len), 0);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	gen_ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	sign_ms = ((t2.tv_sec - t1.tv_sec) * 1e3 + (t2.tv_nsec - t1.tv_nsec) / 1e6) / 10;
	print_message("    SoftHSM: key generation %.1f ms, signature %.2f ms "
	    "(bench/bench_signer for rates)\n", gen_ms, sign_ms);
	assert_true(gen_ms > 0 && sign_ms > 0);
	assert_int_equal(signer_key_destroy(s, k), 0);
	signer_close(s);
}

/* The module is loaded and initialised by the signer; the test borrows it. */
static int
group_setup(void **state)
{
	CK_C_GetFunctionList gfl;
	struct signer *s;

	(void)state;
	if (softhsm_fixture_setup(&fx, TOKEN) != 0)
		return -1;
	if ((dl = dlopen(fx.module, RTLD_NOW)) == NULL)
		return -1;
	*(void **)&gfl = dlsym(dl, "C_GetFunctionList");
	if (gfl == NULL || gfl(&fl) != CKR_OK)
		return -1;
	/* open and close once: the token works at all */
	s = open_default();
	signer_close(s);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	if (dl != NULL)
		dlclose(dl);
	softhsm_fixture_teardown(&fx);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ud98_mechanisms),
		cmocka_unit_test(test_ud163_template_default),
		cmocka_unit_test(test_ud163_template_settings),
		cmocka_unit_test(test_pin_sources),
		cmocka_unit_test(test_wrong_pin),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_ud163_recover_close_all),
		cmocka_unit_test(test_ud163_recover_logout),
		cmocka_unit_test(test_ud163_recover_reinit),
		cmocka_unit_test(test_ud163_token_away_and_back),
		cmocka_unit_test(test_key_removed),
		cmocka_unit_test(test_threads_recover),
		cmocka_unit_test(test_ud164_latency),
		cmocka_unit_test(test_token_selection),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
