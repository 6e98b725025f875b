#!/usr/bin/env bash
# The demo: what the code can do end to end today (the protocol core).
#   1. installs the Debian packages and builds (unless UPDOWN_NO_SETUP=1);
#   2. reads real RFC 6492 messages from five other implementations, checks
#      their CMS profile and signatures, and verifies one against its BPKI
#      trust anchor;
#   3. makes a child's BPKI with the openssl CLI, signs a list request with
#      updownctl, has `openssl cms -verify` check it independently, and
#      verifies it back with updownctl against the child's trust anchor;
#   4. reads a Krill child_request (RFC 8183), as onboarding will.
# Output goes to $UPDOWN_DEMO (default ./out/demo).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=${UPDOWN_DEMO:-$top/out/demo}
build=${UPDOWN_BUILD:-$top/build}/plain
interop=$top/tests/data/interop

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

if [ "${UPDOWN_NO_SETUP:-0}" != 1 ]; then
	say "installing Debian packages"
	"$top/scripts/setup.sh"
fi
say "building"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target updownctl >/dev/null
ctl=$build/tools/updownctl
rm -rf "$out"; mkdir -p "$out"

say "real messages from other implementations (signature and profile checks)"
for f in \
	rpki-commons/src/test/resources/isc-interop-updown/pdu.171.der \
	rpki-commons/src/test/resources/isc-interop-updown/dtag-inbound-2.der \
	krill/test-resources/remote/ncc-response.ber \
	rpki-rs/test-data/ca/rfc6492/afrinic-response.der \
	rpki-commons/src/test/resources/interop/up-down/krill-ca1-list-pdu.der; do
	"$ctl" inspect "$interop/$f" | sed 's/^/  /' || true
done
say "LACNIC's 240 KB list_response (one class, 37 kB of IPv4 and 100 kB of IPv6 text)"
"$ctl" inspect "$interop/krill/test-resources/remote/lacnic-valid.ber" | cut -c1-150 | sed 's/^/  /'
say "rpkid's issue request verified against Carol's BPKI trust anchor, at its signing time"
"$ctl" inspect --ta "$interop/rpki-rs/test-data/ca/sigmsg/cms_ta.cer" --at signing-time \
	"$interop/rpki-rs/test-data/ca/sigmsg/pdu_200.der" | sed 's/^/  /'

say "a child's BPKI, made with the openssl CLI in $out/child"
mkdir -p "$out/child" && cd "$out/child"
cat > bpki.cnf <<'CNF'
[ca]
default_ca = bpki
[bpki]
database = index.txt
crlnumber = crlnumber
default_md = sha256
default_crl_days = 1
certificate = ta.pem
private_key = ta.key
crl_extensions = crl_ext
[crl_ext]
authorityKeyIdentifier = keyid:always
[ta]
basicConstraints = critical,CA:TRUE
subjectKeyIdentifier = hash
keyUsage = critical,keyCertSign,cRLSign
[ee]
basicConstraints = critical,CA:FALSE
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
keyUsage = critical,digitalSignature
CNF
: > index.txt; echo 01 > crlnumber
openssl req -x509 -newkey rsa:2048 -nodes -keyout ta.key -out ta.pem -days 365 \
	-subj "/CN=demo-child BPKI TA" -config bpki.cnf -extensions ta 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -keyout ee.key -out ee.csr \
	-subj "/CN=demo-child BPKI EE" 2>/dev/null
openssl x509 -req -in ee.csr -CA ta.pem -CAkey ta.key -CAcreateserial -days 30 \
	-extfile bpki.cnf -extensions ee -out ee.pem 2>/dev/null
openssl ca -config bpki.cnf -gencrl -out crl.pem 2>/dev/null
echo "  TA, EE certificate and CRL: $(ls ta.pem ee.pem crl.pem | tr '\n' ' ')"

say "the child signs a list request"
cat > list.xml <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<message xmlns="http://www.apnic.net/specs/rescerts/up-down/" version="1"
         sender="demo-child" recipient="demo-parent" type="list"/>
XML
"$ctl" sign --ee ee.pem --key ee.key --crl crl.pem -o list.der list.xml
echo "  list.der: $(stat -c %s list.der) bytes"

say "independent check: openssl cms -verify"
openssl cms -verify -inform DER -in list.der -CAfile ta.pem -purpose any \
	-out list.verified.xml 2>&1 | sed 's/^/  /'
cmp list.xml list.verified.xml && echo "  payload identical to list.xml"
openssl cms -cmsout -print -inform DER -in list.der | grep -A1 -E 'object: (contentType|messageDigest|signingTime)' \
	| grep -E 'object:' | sed 's/^ */  signed attribute: /'

say "updownctl verifies it against the child's trust anchor"
"$ctl" inspect --ta ta.pem list.der | sed 's/^/  /'

say "RFC 8183: a child_request from Krill (onboarding input)"
"$ctl" inspect "$interop/krill/test-resources/oob/apnic/child_request.xml" | sed 's/^/  /'

say "done"
cat <<EOT
  updownctl:     $ctl
  child BPKI:    $out/child/{ta,ee}.pem, crl.pem (keys beside them: demo only)
  signed list:   $out/child/list.der
  real messages: $interop (origin in its README)
EOT
