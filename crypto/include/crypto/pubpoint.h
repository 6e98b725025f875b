/*
 * Publication point: the directory where a CA's signed objects live, laid
 * out as under its rsync base URI (rsync://HOST/MODULE/PATH/ becomes
 * ROOT/HOST/MODULE/PATH), changed atomically.
 *
 * Layout. ROOT/HOST/MODULE/PATH is a symbolic link to a sibling snapshot
 * directory ".NAME.GEN" (NAME = last component of the path, GEN a decimal
 * generation that only grows). A commit builds the complete next snapshot
 * (unchanged files hard-linked from the current one, new files written and
 * fsync'd, then the directory fsync'd), replaces the link with rename(2) of
 * a new link ".NAME.link" over it, fsyncs the parent, and retires older
 * snapshots (renamed to ".NAME.GEN.trash", then deleted), keeping the
 * newest `keep_old` ones for readers still inside them. A reader that
 * resolves the link once (realpath(3), or open(2) of the directory and
 * openat(2) below it) sees one complete snapshot: never a manifest that
 * lists a file that is missing or stale. pub_open() removes what a crash
 * left behind (partial snapshots, temporary links, trash). One writer at a
 * time: pub_open() takes an flock(2) on ".NAME.lock".
 *
 * Serving: rsync clients (rpki-client runs "rsync -rt") skip symbolic
 * links, so an rsync daemon must see the snapshot, not the link: point its
 * module path at the link (the daemon resolves it per connection), or copy
 * with dereferencing. RFC 8181 publication (UD-132) takes the bytes from
 * here.
 *
 * The publication point stores bytes; it knows nothing of CRLs and
 * manifests. pub_publish() (below) is the layer above: it regenerates the
 * CRL and the manifest over the final file set and commits (UD-131).
 *
 * File names: 1..PUB_MAX_NAME characters of [A-Za-z0-9._-], not starting
 * with '.', so never "..", never a path. Errors are negative PUB_ERR_*
 * codes; pub_strerror() names them.
 */
#ifndef UPDOWN_CRYPTO_PUBPOINT_H
#define UPDOWN_CRYPTO_PUBPOINT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define PUB_ERR_ARG      -0x0C01 /* NULL or invalid argument */
#define PUB_ERR_URI      -0x0C02 /* base URI is not rsync://HOST/MODULE[/PATH]/ */
#define PUB_ERR_NAME     -0x0C03 /* file name outside [A-Za-z0-9._-] or starting with '.' */
#define PUB_ERR_LIMIT    -0x0C04 /* more than PUB_MAX_FILES files, or a file over PUB_MAX_FILE */
#define PUB_ERR_NOMEM    -0x0C05
#define PUB_ERR_IO       -0x0C06 /* a file system call failed (errno in pub_last_errno()) */
#define PUB_ERR_LAYOUT   -0x0C07 /* the path is not our link, or a snapshot holds a foreign entry */
#define PUB_ERR_BUSY     -0x0C08 /* another writer holds the lock */
#define PUB_ERR_NOT_FOUND -0x0C09 /* withdraw/get of a name that is not published */
#define PUB_ERR_CRL      -0x0C0A /* pub_publish: the CRL could not be made */
#define PUB_ERR_MFT      -0x0C0B /* pub_publish: the manifest could not be made */

#define PUB_MAX_NAME   255           /* bytes of a file name */
#define PUB_MAX_FILES  100000        /* files in one publication point */
#define PUB_MAX_FILE   (16u << 20)   /* bytes of one object */
#define PUB_MAX_URI    1024          /* bytes of the base URI */
#define PUB_KEEP_OLD   2             /* default number of retired snapshots kept */

struct pub_point;

struct pub_opts {
	/* Retired snapshots kept for readers still inside them (0 = none). */
	unsigned keep_old;
};

/*
 * Open (creating directories as needed) the publication point for
 * base_uri ("rsync://HOST/MODULE/PATH/", trailing slash required; PATH may
 * be empty or several components) under root (an existing directory).
 * Recovers from an interrupted commit, takes the writer lock, and reads
 * the current snapshot (names and SHA-256 of every file). opts may be NULL
 * (keep_old = PUB_KEEP_OLD). Caller closes with pub_close().
 */
int pub_open(const char *root, const char *base_uri, const struct pub_opts *opts,
             struct pub_point **out);

/* Drop staged changes, release the lock, free. Accepts NULL. */
void pub_close(struct pub_point *pp);

/* The file system path of the publication directory (the link). */
const char *pub_path(const struct pub_point *pp);

/* The base URI as given to pub_open(), with its trailing slash. */
const char *pub_base_uri(const struct pub_point *pp);

/* Is name a valid file name (see above)? */
int pub_name_valid(const char *name);

/*
 * Stage a new or replaced file (a copy of data is kept until commit or
 * abort). Staging the same name again replaces the staged bytes.
 */
int pub_put(struct pub_point *pp, const char *name, const unsigned char *data, size_t len);

/*
 * Stage the withdrawal of a file. PUB_ERR_NOT_FOUND if the name is neither
 * published nor staged; withdrawing a staged-only file unstages it.
 */
int pub_withdraw(struct pub_point *pp, const char *name);

/* Forget staged changes. */
void pub_abort(struct pub_point *pp);

/*
 * Make the staged file set the published one, atomically (see above).
 * On failure nothing visible changed and the staged changes are kept.
 */
int pub_commit(struct pub_point *pp);

/*
 * The staged file set, as it would be after pub_commit(): names sorted
 * (strcmp order). Index i < pub_staged_count(); *name and *sha256 stay
 * valid until the next put/withdraw/abort/commit/close.
 */
size_t pub_staged_count(const struct pub_point *pp);
int pub_staged_entry(const struct pub_point *pp, size_t i, const char **name,
                     const unsigned char **sha256, size_t *len);

/* Likewise, the currently published file set. */
size_t pub_count(const struct pub_point *pp);
int pub_entry(const struct pub_point *pp, size_t i, const char **name,
              const unsigned char **sha256, size_t *len);

/*
 * Read a published file (the last commit) into a malloc'd buffer the
 * caller frees.
 */
int pub_get(const struct pub_point *pp, const char *name, unsigned char **data, size_t *len);

/*
 * Publish a CA's state (UD-131): on top of the caller's staged changes
 * (certificates put or withdrawn), write the CRL (crl_write()) and the
 * manifest (mft_sign()) over the final file set, stage both, and commit.
 * The manifest lists every staged file but itself (the CRL included),
 * by name with its SHA-256. URIs: the CRL is base_uri + crl_name, the
 * manifest base_uri + mft_name; when iss carries an SIA, its caRepository
 * must be base_uri and its rpkiManifest the manifest's URI (PUB_ERR_URI).
 * The manifest's nextUpdate equals the CRL's (UD-131). On failure nothing
 * is published, the staged changes are dropped (pub_abort()), and *detail
 * (if not NULL) receives the CRL_ERR_* or MFT_ERR_* code behind
 * PUB_ERR_CRL / PUB_ERR_MFT.
 */
struct cert_issuer;
struct crl_entry;
struct pub_ca {
	const struct cert_issuer *iss; /* our CA certificate and key (with its signer) */
	const char *crl_name;          /* e.g. "<gSKI>.crl" */
	const char *mft_name;          /* e.g. "<gSKI>.mft" */
	const char *aia_uri;           /* where our own certificate is published */
	time_t this_update;            /* CRL and manifest */
	time_t next_update;            /* CRL and manifest, and the manifest EE's notAfter */
	uint64_t crl_number;           /* strictly increasing (the engine persists it) */
	uint64_t mft_number;           /* strictly increasing (the engine persists it) */
	const struct crl_entry *revoked; /* the CRL's entries */
	size_t n_revoked;
	const unsigned char *ee_serial;  /* serial for the manifest's EE certificate */
	size_t ee_serial_len;
	const char *key_label;         /* label prefix of the one-time key; NULL: default */
};

int pub_publish(struct pub_point *pp, const struct pub_ca *ca, int *detail);

/* errno of the last PUB_ERR_IO in this thread (0 if none). */
int pub_last_errno(void);

/* Static English text for a PUB_ERR_* code. */
const char *pub_strerror(int err);

#endif
