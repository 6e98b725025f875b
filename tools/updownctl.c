/*
 * updownctl: the host-side tool of the updown appliance.
 *
 * This first version holds the parts the protocol core allows:
 *   inspect  decode any RFC 6492 message (CMS, or bare XML) or RFC 8183
 *            document, check its CMS profile and signature, and with --ta
 *            verify it against the sender's BPKI trust anchor;
 *   sign     wrap an up-down XML message in the RFC 6492 CMS profile with a
 *            software key (development and demos only: the appliance signs
 *            with HSM keys);
 *   child    an RFC 6492 child client against any parent (cmd_child.c).
 * Key ceremony, allocation tables and onboarding come with the updownctl
 * issue.
 *
 * Exit codes: 0 success; 1 the input was refused (malformed, profile
 * violation, bad signature, failed verification); 2 usage error; 3 a file
 * could not be read or written.
 */
#include <stdio.h>
#include <string.h>

#include "updownctl.h"

static const char usage_text[] =
"usage: updownctl COMMAND [options]\n"
"\n"
"commands:\n"
"  inspect [--json] [--ta CERT] [--intermediate CERT]... [--at TIME] [--xml] FILE...\n"
"      Decode and print, recognising the kind from the content: RFC 6492\n"
"      messages (CMS in DER, BER or base64, or bare XML), RFC 8183 documents,\n"
"      certificates (RFC 3779 resources as text), CRLs, PKCS#10 requests,\n"
"      RFC 6488 signed objects and RFC 9286 manifests, TALs (DER or PEM), and\n"
"      the audit log of a store database (a file or its directory) with the\n"
"      chain verdict. For RFC 6492 CMS, check the profile and the signature;\n"
"      with --ta, also verify the EE certificate's path to that BPKI trust\n"
"      anchor and the CRL at TIME (\"now\", the default; \"signing-time\"; or\n"
"      YYYY-MM-DDThh:mm:ssZ); for a certificate or CRL, --ta is its issuer.\n"
"      --xml prints the payload; --json one JSON array, an object per file.\n"
"  bundle create TABLE -o BUNDLE [--comment TEXT] [--force-brake]\n"
"  bundle sign BUNDLE (--key FILE | --hsm-module PATH --token-uri URI --key-label L)\n"
"        [--cert FILE] [--dir CONFDIR] [-o OUT]\n"
"  bundle merge A B -o OUT\n"
"  bundle show BUNDLE [--table]\n"
"  bundle verify BUNDLE --dir CONFDIR [--last-version N | --state STORE] [--at TIME]\n"
"  bundle deliver BUNDLE (--to URL | --dir CONFDIR) [--timeout S] [--cacert FILE]\n"
"      Provisioning bundles (docs/provisioning-bundle.md): an allocation table\n"
"      signed by M of the N operators registered in CONFDIR. create checks the\n"
"      table; each operator signs in turn (or on copies, then merge); verify\n"
"      checks what the appliance will (threshold, signatures, version, table\n"
"      against the holdings); deliver POSTs it to the appliance's provisioning\n"
"      endpoint (with --dir: port http_port + 1), or copy the file to removable\n"
"      media for the appliance's --load-bundle.\n"
"  child init --dir DIR --handle HANDLE\n"
"  child parent --dir DIR [--force] PARENT_RESPONSE.xml\n"
"  child list|issue|revoke --dir DIR [--json] [--timeout S] [--cacert FILE]\n"
"        [--lenient] [--der-only]\n"
"        issue:  --class C [--key LABEL] [--as SET] [--ipv4 SET] [--ipv6 SET]\n"
"                [--sia-repo rsync://../] [--sia-mft rsync://...mft] [--sia-notify URI]\n"
"        revoke: --class C [--key LABEL]\n"
"      An RFC 6492 child client for testing any parent, its identity (BPKI\n"
"      keys and certificates, software keys in 0600 files) kept in DIR. init\n"
"      writes DIR/child_request.xml (RFC 8183) and refuses an existing\n"
"      identity; parent records the parent's answer. Requests are signed\n"
"      CMS POSTed to the service URI; responses are verified against the\n"
"      parent's BPKI TA and replay-checked before DIR changes.\n"
"  ceremony --dir CONFDIR --hsm-module PATH (--token-uri URI |\n"
"        --init-token LABEL --so-pin-source SRC --pin-source SRC)\n"
"        --handle H --class NAME --service-uri-base URI --rsync-base rsync://H/M/\n"
"        [--resources \"as=..;ipv4=..;ipv6=..\"] [--upstream-request] [--cert-uri URI]\n"
"        [--tal-uri URI]... [--rrdp-notify URI] [--operator FILE]... [--threshold M]\n"
"        [--ca-key L] [--bpki-ta-key L] [--bpki-ee-key L] [--mechanism M]\n"
"        [--key-attr NAME=yes|no]... [--ta-years N] [--bpki-years N]\n"
"        [--bpki-ee-days N] [--address A/LEN] [--gateway G] [--http-port P] [--force]\n"
"  ceremony import-ca --dir CONFDIR [--class NAME] [--cert-uri URI] [--force] CERT\n"
"      The key ceremony: generates the CA, BPKI TA and BPKI EE keys inside the\n"
"      token (never replacing a key), makes the self-signed TA and TAL (or,\n"
"      with --upstream-request, a PKCS#10 for an upstream parent, whose\n"
"      certificate import-ca takes later), the BPKI certificates and CRL,\n"
"      registers the operator keys (M of N) and writes CONFDIR (updown.conf,\n"
"      docs/configuration.md) and a ceremony record. SRC is file:PATH or\n"
"      env:NAME. Refuses a non-empty CONFDIR unless --force (configuration\n"
"      files only). On failure nothing is written; keys already made are\n"
"      listed for removal.\n"
"  onboard --dir CONFDIR --table TABLE [--handle NEW] [--at TIME]\n"
"        -o PARENT_RESPONSE.xml CHILD_REQUEST.xml\n"
"      Register a child from its RFC 8183 child_request: its BPKI TA is checked\n"
"      at TIME (default now), written into TABLE as \"child HANDLE ta=...\"\n"
"      (replacing an earlier TA of that handle), and our parent_response\n"
"      (service URI, handles, our BPKI TA, tag) written to the -o file.\n"
"  table validate TABLE [--holdings CONFDIR] [--at TIME]\n"
"  table fmt TABLE [-o OUT]\n"
"  table import-rir STATS MAP --class C --notafter T --version N [--strict]\n"
"        [--no-count-check] [--at TIME] -o TABLE\n"
"  table diff OLD NEW [--state STORE] [--holdings CONFDIR]\n"
"      The allocation table (docs/allocation-table.md): validate lists every\n"
"      error as file:line (syntax, overlaps, notafter, child TAs, and with\n"
"      --holdings the class certificates of CONFDIR); fmt prints the\n"
"      canonical form; import-rir builds a table from RIR delegation\n"
"      statistics and an opaque-id map; diff shows what changes and, with\n"
"      the appliance's state store (read-only), which certificates will be\n"
"      re-issued, revoked or newly issuable before anything is applied.\n"
"  state reset-replay --state DIR HANDLE [--why TEXT]\n"
"      Forget a child's last accepted signing-time in the appliance's state\n"
"      store (UD-36), so that one message signed with a clock in the future\n"
"      no longer locks the child out; audited with the old value and TEXT.\n"
"  sign --ee CERT --key KEY --crl CRL [--time TIME] -o OUT XMLFILE\n"
"      Sign an up-down XML message as RFC 6492 CMS with a software key.\n"
"      For development and demos only: the appliance signs inside its HSM.\n"
"\n"
"Certificates and CRLs may be DER or PEM.\n"
"\n"
"exit codes: 0 success; 1 input refused (malformed, profile violation,\n"
"bad signature, verification failed, an error_response, a broken audit\n"
"chain, an identity that exists; a configuration or key that exists, a\n"
"table with errors, a bundle short of its threshold, HTTP 4xx from the\n"
"appliance); 2 usage error; 3 file not readable or writable, the HSM\n"
"failing, or the peer unreachable, too slow, too large, or not HTTP 200\n"
"(HTTP 5xx from the appliance). A command that fails writes nothing.\n";

int
ctl_usage(void)
{
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
	{ "inspect", cmd_inspect },
	{ "sign", cmd_sign },
	{ "table", cmd_table },
	{ "ceremony", cmd_ceremony },
	{ "onboard", cmd_onboard },
	{ "bundle", cmd_bundle },
	{ "child", cmd_child },
	{ "state", cmd_state },
};

int
main(int argc, char **argv)
{
	if (argc < 2)
		return ctl_usage();
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	return ctl_usage();
}
