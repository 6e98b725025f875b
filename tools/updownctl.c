/*
 * updownctl: the host-side tool of the updown appliance.
 *
 * This first version holds the parts the protocol core allows:
 *   inspect  decode any RFC 6492 message (CMS, or bare XML) or RFC 8183
 *            document, check its CMS profile and signature, and with --ta
 *            verify it against the sender's BPKI trust anchor;
 *   sign     wrap an up-down XML message in the RFC 6492 CMS profile with a
 *            software key (development and demos only: the appliance signs
 *            with HSM keys).
 * Key ceremony, allocation tables, onboarding and the child client come
 * with the updownctl issue.
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
"  inspect [--ta CERT] [--intermediate CERT]... [--at TIME] [--xml] FILE...\n"
"      Decode RFC 6492 messages (CMS in DER, BER or base64, or bare XML) and\n"
"      RFC 8183 documents and print them. For CMS, check the RFC 6492 profile\n"
"      and the signature; with --ta, also verify the EE certificate's path to\n"
"      that BPKI trust anchor and the CRL at TIME (\"now\", the default;\n"
"      \"signing-time\"; or YYYY-MM-DDThh:mm:ssZ). --xml prints the payload.\n"
"  sign --ee CERT --key KEY --crl CRL [--time TIME] -o OUT XMLFILE\n"
"      Sign an up-down XML message as RFC 6492 CMS with a software key.\n"
"      For development and demos only: the appliance signs inside its HSM.\n"
"\n"
"Certificates and CRLs may be DER or PEM.\n"
"\n"
"exit codes: 0 success; 1 input refused (malformed, profile violation,\n"
"bad signature, verification failed); 2 usage error; 3 file not readable\n"
"or writable.\n";

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
