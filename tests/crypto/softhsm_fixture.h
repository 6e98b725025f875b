/*
 * A fresh SoftHSM2 token for one test program, in its own temporary
 * directory: writes a softhsm2.conf there, points SOFTHSM2_CONF at it,
 * initialises a token with softhsm2-util and writes the user PIN to a file.
 * Nothing outside the directory is touched; teardown removes it.
 */
#ifndef UPDOWN_TESTS_SOFTHSM_FIXTURE_H
#define UPDOWN_TESTS_SOFTHSM_FIXTURE_H

#define SOFTHSM_MODULE "/usr/lib/softhsm/libsofthsm2.so"

struct softhsm_fixture {
	char dir[256];      /* the temporary directory */
	char pin_file[320]; /* holds the user PIN */
	char uri[640];      /* "pkcs11:token=LABEL?pin-source=file:PIN_FILE" */
	char label[64];     /* token label */
	const char *module; /* SOFTHSM_MODULE */
};

/* Returns 0, or -1 with a message on stderr (softhsm2-util missing, ...). */
int softhsm_fixture_setup(struct softhsm_fixture *f, const char *label);

/* Remove the directory. Accepts a fixture whose setup failed. */
void softhsm_fixture_teardown(struct softhsm_fixture *f);

#endif
