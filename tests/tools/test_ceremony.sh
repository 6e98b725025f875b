#!/bin/sh
# updownctl ceremony and ceremony import-ca in SoftHSM: a self-signed TA
# ceremony whose configuration proto/conf parses back and whose
# certificates verify with openssl (TA self-signature, BPKI EE under the
# BPKI TA, BPKI CRL, TAL key = TA key); the ceremony record; refusal to
# overwrite a configuration or a key (UD-163: keys never leave or get
# replaced); nothing written on any failure, keys made before a failure
# reported; token initialisation; an upstream request and the import of
# the certificate the parent returns; exit codes 0/1/2/3.
. "$(dirname "$0")/test_ceremony_lib.sh"

softhsm_token updown
M=$SOFTHSM_MODULE

# operator keys: an SPKI in PEM, a certificate in DER, and a bad one
"$OPENSSL" genrsa -out "$T/op1.key" 2048 2>/dev/null
"$OPENSSL" rsa -in "$T/op1.key" -pubout -out "$T/op1.pem" 2>/dev/null
"$OPENSSL" genrsa -out "$T/op2.key" 2048 2>/dev/null
"$OPENSSL" req -new -x509 -key "$T/op2.key" -subj /CN=op2 -days 30 -outform DER \
    -out "$T/op2.cer" 2>/dev/null
"$OPENSSL" genrsa -out "$T/small.key" 1024 2>/dev/null
"$OPENSSL" rsa -in "$T/small.key" -pubout -out "$T/small.pem" 2>/dev/null

W=$T/w
mkdir "$W"
C=$W/conf
set -- --dir "$C" --hsm-module "$M" --token-uri "$TOKEN_URI" --handle example-nir \
    --class DEFAULT --service-uri-base http://192.0.2.1/updown/ \
    --rsync-base rsync://rpki.example.net/repo/ \
    --resources "as=64496-64511;ipv4=192.0.2.0/24,198.51.100.0/24;ipv6=2001:db8::/32" \
    --operator "$T/op1.pem" --operator "$T/op2.cer" --threshold 2 \
    --address 192.0.2.1/24 --gateway 192.0.2.254

# ---- refusals before the token is touched: nothing written, no key made ----
unchanged_by "$W" 2 "$UPDOWNCTL" ceremony "$@" --resources "as=x"
has "$T/err" "--resources: as:"
unchanged_by "$W" 2 "$UPDOWNCTL" ceremony "$@" --handle "bad handle"
unchanged_by "$W" 2 "$UPDOWNCTL" ceremony "$@" --class "A/B"
unchanged_by "$W" 2 "$UPDOWNCTL" ceremony "$@" --rsync-base rsync://rpki.example.net/repo
unchanged_by "$W" 2 "$UPDOWNCTL" ceremony "$@" --threshold 3
unchanged_by "$W" 2 "$UPDOWNCTL" ceremony "$@" --init-token x
unchanged_by "$W" 2 "$UPDOWNCTL" ceremony "$@" --ca-key updown-bpki-ta
unchanged_by "$W" 2 "$UPDOWNCTL" ceremony "$@" --gateway 198.51.100.1
has "$T/err" "[network] gateway: not another address on the appliance's subnet"
unchanged_by "$W" 2 "$UPDOWNCTL" ceremony "$@" --service-uri-base http://192.0.2.1/updown
has "$T/err" "must end with '/'"
unchanged_by "$W" 1 "$UPDOWNCTL" ceremony "$@" --operator "$T/small.pem"
has "$T/err" "operator key $T/small.pem: operator key is not an RSA-2048..8192 key or certificate"
unchanged_by "$W" 1 "$UPDOWNCTL" ceremony "$@" --operator "$T/op1.pem"
has "$T/err" "the same key as"
unchanged_by "$W" 3 "$UPDOWNCTL" ceremony "$@" --operator "$T/missing.pem"
unchanged_by "$W" 1 "$UPDOWNCTL" ceremony "$@" --token-uri "pkcs11:token=updown?pin-value=1234"
has "$T/err" "pin-value puts the PIN in the file"
unchanged_by "$W" 2 "$UPDOWNCTL" ceremony "$@" --upstream-request
unchanged_by "$W" 2 "$UPDOWNCTL" ceremony
# the token: a wrong PIN, no such token
printf '9999\n' >"$T/wrong.pin"
unchanged_by "$W" 1 "$UPDOWNCTL" ceremony "$@" \
    --token-uri "pkcs11:token=updown?pin-source=file:$T/wrong.pin"
unchanged_by "$W" 3 "$UPDOWNCTL" ceremony "$@" \
    --token-uri "pkcs11:token=nosuch?pin-source=file:$PIN_FILE"
has "$T/err" "no initialised token matches"
unchanged_by "$W" 3 "$UPDOWNCTL" ceremony "$@" --hsm-module "$T/nomodule.so"
# no key was made by any of these
pkcs11-tool --module "$M" --token-label updown --login --pin 1234 --list-objects \
    >"$T/objects" 2>/dev/null
hasnt "$T/objects" "label:"

# ---- a failure after the keys: nothing written, the keys reported ----
UPDOWN_TEST_CEREMONY_FAIL=after-keys unchanged_by "$W" 3 "$UPDOWNCTL" ceremony "$@" \
    --ca-key orphan-ca --bpki-ta-key orphan-ta --bpki-ee-key orphan-ee
has "$T/err" "nothing was written, but these keys were generated in token 'updown'"
has "$T/err" "label 'orphan-ca' id "
has "$T/err" "label 'orphan-ee' id "
has "$T/err" "pkcs11-tool --module $M --login --delete-object --type privkey --label LABEL"
# they are there, and the labels are refused from now on
unchanged_by "$W" 1 "$UPDOWNCTL" ceremony "$@" --ca-key orphan-ca --bpki-ta-key orphan-ta \
    --bpki-ee-key orphan-ee
has "$T/err" "token 'updown' already holds a key labelled 'orphan-ca': refused"
has "$T/err" "Choose other labels with --ca-key, --bpki-ta-key, --bpki-ee-key"
# and the advice given works
for l in orphan-ca orphan-ta orphan-ee; do
	for t in privkey pubkey; do
		pkcs11-tool --module "$M" --token-label updown --login --pin 1234 \
		    --delete-object --type $t --label $l >/dev/null 2>&1 || fail "delete $l"
	done
done

# ---- the ceremony ----
ctl 0 ceremony "$@"
cp "$T/out" "$T/record.out"
cmp -s "$T/record.out" "$C/ceremony-record.txt" || fail "the record printed differs from the file"
for f in updown.conf ca-DEFAULT.cer ta.tal bpki-ta.cer bpki-ee.cer bpki.crl table.txt \
    ceremony-record.txt operators/1-op1.pem operators/2-op2.cer \
    repository/rpki.example.net/repo/ta.cer; do
	[ -f "$C/$f" ] || fail "$C/$f missing"
done
[ -d "$C/state" ] || fail "no state directory"
ls "$W" | grep -q 'tmp-' && fail "a staging directory was left behind"
cmp -s "$C/operators/2-op2.cer" "$T/op2.cer" || fail "operator file not copied as is"
cmp -s "$C/ca-DEFAULT.cer" "$C/repository/rpki.example.net/repo/ta.cer" ||
    fail "the TA is not published where its cert_uri says"
# the keys are in the token, private and not extractable (UD-163)
pkcs11-tool --module "$M" --token-label updown --login --pin 1234 --list-objects \
    --type privkey >"$T/objects" 2>/dev/null
for l in updown-ca updown-bpki-ta updown-bpki-ee; do has "$T/objects" "label:      $l"; done
[ "$(grep -c 'Access:     sensitive, always sensitive, never extractable, local' "$T/objects")" = 3 ] ||
    fail "keys not sensitive and never extractable: $(cat "$T/objects")"

# the configuration parses back (and the class certificate gives the holdings)
printf 'version 2\nclass DEFAULT\nchild a\ngrant a DEFAULT ipv4=192.0.2.0/25 notafter=2030-01-01T00:00:00Z\n' \
    >"$T/t.txt"
ctl 0 table validate "$T/t.txt" --holdings "$C" --at 2027-01-01T00:00:00Z
has "$T/out" "within the holdings"
sed 's|192.0.2.0/25|203.0.113.0/24|' "$T/t.txt" >"$T/t2.txt"
ctl 1 table validate "$T/t2.txt" --holdings "$C" --at 2027-01-01T00:00:00Z
has "$T/out" "outside the CA's holdings"
ctl 0 table validate "$C/table.txt"
has "$C/updown.conf" "token_uri = $TOKEN_URI"
has "$C/updown.conf" "cert_uri = rsync://rpki.example.net/repo/ta.cer"
has "$C/updown.conf" "operator = operators/2-op2.cer"
has "$C/updown.conf" "threshold = 2"
has "$C/updown.conf" "address = 192.0.2.1/24"

# openssl: the TA verifies itself, the BPKI EE verifies under the BPKI TA,
# the BPKI CRL is signed by the BPKI TA; the TAL carries the TA's key
der2pem "$C/ca-DEFAULT.cer" >"$T/ta.pem"
der2pem "$C/bpki-ta.cer" >"$T/bta.pem"
der2pem "$C/bpki-ee.cer" >"$T/bee.pem"
run 0 "$OPENSSL" verify -check_ss_sig -CAfile "$T/ta.pem" "$T/ta.pem"
run 0 "$OPENSSL" verify -CAfile "$T/bta.pem" "$T/bee.pem"
run 0 "$OPENSSL" crl -inform DER -in "$C/bpki.crl" -CAfile "$T/bta.pem" -noout
has "$T/err" "verify OK"
run 0 "$OPENSSL" x509 -in "$T/ta.pem" -noout -text
has "$T/out" "sbgp-ipAddrBlock: critical"
has "$T/out" "CA Repository - URI:rsync://rpki.example.net/repo/repo/"
"$OPENSSL" x509 -in "$T/ta.pem" -pubkey -noout | grep -v '^-----' | tr -d '\n' >"$T/k1"
sed -n '3,$p' "$C/ta.tal" | tr -d '\n' >"$T/k2"
cmp -s "$T/k1" "$T/k2" || fail "the TAL's key is not the TA's"
[ "$(head -n 1 "$C/ta.tal")" = "rsync://rpki.example.net/repo/ta.cer" ] || fail "TAL URI"
"$OPENSSL" x509 -in "$T/bee.pem" -pubkey -noout >"$T/eepub.pem"

# the record: token, labels and IDs, SHA-256 of every key and certificate, the TAL
R=$C/ceremony-record.txt
has "$R" "  label:         updown"
has "$R" "  manufacturer:  SoftHSM project"
has "$R" "    label:             updown-bpki-ee"
for f in ca-DEFAULT.cer bpki-ta.cer bpki-ee.cer bpki.crl; do
	has "$R" "$(sha256sum <"$C/$f" | cut -c1-64)"
done
"$OPENSSL" pkey -pubin -in "$T/eepub.pem" -outform DER | sha256sum | cut -c1-64 >"$T/eefp"
has "$R" "SPKI SHA-256:      $(cat "$T/eefp")"
"$OPENSSL" pkey -pubin -in "$T/op1.pem" -outform DER | sha256sum | cut -c1-64 >"$T/opfp"
has "$R" "SPKI SHA-256:      $(cat "$T/opfp")"
has "$R" "operators (a bundle needs 2 of 2):"
has "$R" "$(sed -n 3p "$C/ta.tal")"

# ---- refusal to overwrite ----
unchanged_by "$C" 1 "$UPDOWNCTL" ceremony "$@"
has "$T/err" "is not empty (an earlier ceremony?): refused"
# --force replaces configuration files only, and never a key
unchanged_by "$C" 1 "$UPDOWNCTL" ceremony "$@" --force
has "$T/err" "already holds a key labelled 'updown-ca'"
printf '# my edits\n' >>"$C/table.txt"
printf 'keep me\n' >"$C/state/marker"
cp "$C/table.txt" "$T/table.before"
ctl 0 ceremony "$@" --force --ca-key ca-2 --bpki-ta-key bpki-ta-2 --bpki-ee-key bpki-ee-2
has "$C/updown.conf" "key = ca-2"
cmp -s "$C/ca-DEFAULT.cer" "$C/repository/rpki.example.net/repo/ta.cer" ||
    fail "--force did not publish the new TA"
cmp -s "$C/table.txt" "$T/table.before" || fail "--force replaced the allocation table"
has "$C/state/marker" "keep me"
der2pem "$C/ca-DEFAULT.cer" | cmp -s - "$T/ta.pem" && fail "the TA was not replaced"

# ---- a token initialised by the ceremony ----
softhsm_empty
C2=$W/conf2
set -- --dir "$C2/" --hsm-module "$M" --init-token fresh --so-pin-source "file:$T/softhsm/so.pin" \
    --pin-source "file:$PIN_FILE" --handle nir2 --class DEFAULT \
    --service-uri-base https://ca.example.net/ud/ --rsync-base rsync://rpki.example.net/m/ \
    --resources "ipv6=2001:db8::/32" --tal-uri https://rpki.example.net/ta.cer \
    --rrdp-notify https://rpki.example.net/notification.xml
ctl 0 ceremony "$@"
has "$T/out" "token (initialised by this ceremony):"
has "$T/err" "warning: no operator keys registered"
has "$C2/updown.conf" "token_uri = pkcs11:token=fresh?pin-source=file:$PIN_FILE"
[ "$(sed -n 2p "$C2/ta.tal")" = "https://rpki.example.net/ta.cer" ] || fail "second TAL URI"
der2pem "$C2/ca-DEFAULT.cer" | "$OPENSSL" x509 -noout -text >"$T/ta2.txt"
has "$T/ta2.txt" "RPKI Notify - URI:https://rpki.example.net/notification.xml"
ls "$W" | grep -q 'tmp-' && fail "a staging directory was left behind (trailing slash)"
rm -rf "$C2"
unchanged_by "$W" 1 "$UPDOWNCTL" ceremony "$@"
has "$T/err" "a token labelled 'fresh' exists"
unchanged_by "$W" 2 "$UPDOWNCTL" ceremony "$@" --token-uri "pkcs11:token=fresh"

# ---- upstream: a request, then the parent's certificate ----
U=$W/up
set -- --dir "$U" --hsm-module "$M" --token-uri "pkcs11:token=fresh?pin-source=file:$PIN_FILE" \
    --handle up-nir --class ARIN --service-uri-base https://ca.example.net/ud/ \
    --rsync-base rsync://rpki.example.net/mod/up/ --upstream-request --operator "$T/op1.pem" \
    --ca-key up-ca --bpki-ta-key up-ta --bpki-ee-key up-ee
ctl 0 ceremony "$@"
[ -f "$U/upstream-ARIN.csr" ] || fail "no request"
[ -f "$U/ca-ARIN.cer" ] && fail "a certificate before the parent issued one"
[ -f "$U/ta.tal" ] && fail "a TAL for a non-TA"
hasnt "$U/updown.conf" "cert_uri"
has "$U/ceremony-record.txt" "pending: updownctl ceremony import-ca --dir $U CERT"
run 0 "$OPENSSL" req -inform DER -in "$U/upstream-ARIN.csr" -verify -noout
"$OPENSSL" req -inform DER -in "$U/upstream-ARIN.csr" -noout -text >"$T/csr.txt"
has "$T/csr.txt" "CA Repository - URI:rsync://rpki.example.net/mod/up/repo/"
has "$T/csr.txt" "Certificate Sign, CRL Sign"
# the certificate is pending: the holdings cannot be read yet
ctl 3 table validate "$T/t.txt" --holdings "$U"
# a parent (openssl) issues an RFC 6487 CA certificate for the request
"$OPENSSL" genrsa -out "$T/parent.key" 2048 2>/dev/null
"$OPENSSL" req -new -x509 -key "$T/parent.key" -subj /CN=parent -days 300 -out "$T/parent.pem" \
    2>/dev/null
cat >"$T/ext.cnf" <<'X'
[v3]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
certificatePolicies = critical, 1.3.6.1.5.5.7.14.2
subjectInfoAccess = caRepository;URI:rsync://rpki.example.net/mod/up/repo/, 1.3.6.1.5.5.7.48.10;URI:rsync://rpki.example.net/mod/up/repo/x.mft
sbgp-ipAddrBlock = critical, IPv4:10.0.0.0/8
sbgp-autonomousSysNum = critical, AS:64496-64500
crlDistributionPoints = URI:rsync://parent.example/repo/p.crl
authorityInfoAccess = caIssuers;URI:rsync://parent.example/repo/p.cer
X
"$OPENSSL" x509 -req -inform DER -in "$U/upstream-ARIN.csr" -CA "$T/parent.pem" \
    -CAkey "$T/parent.key" -set_serial 7 -days 100 -extfile "$T/ext.cnf" -extensions v3 \
    -outform DER -out "$T/issued.cer" 2>/dev/null || fail "openssl could not issue"
unchanged_by "$U" 2 "$UPDOWNCTL" ceremony import-ca --dir "$U" "$T/issued.cer"
has "$T/err" "give --cert-uri"
unchanged_by "$U" 2 "$UPDOWNCTL" ceremony import-ca --dir "$U" --cert-uri https://x/y.cer \
    "$T/issued.cer"
# a certificate for another key (APNIC's child) and not a CA certificate
unchanged_by "$U" 1 "$UPDOWNCTL" ceremony import-ca --dir "$U" \
    --cert-uri rsync://parent.example/repo/child.cer "$INTEROP/derived/child-certs/apnic-child-0.cer"
has "$T/err" "the certificate's public key is not the signer key's"
unchanged_by "$U" 1 "$UPDOWNCTL" ceremony import-ca --dir "$U" \
    --cert-uri rsync://parent.example/repo/child.cer "$T/parent.pem"
unchanged_by "$U" 3 "$UPDOWNCTL" ceremony import-ca --dir "$U" \
    --cert-uri rsync://parent.example/repo/child.cer "$T/nothing.cer"
unchanged_by "$U" 2 "$UPDOWNCTL" ceremony import-ca --dir "$U" --class OTHER \
    --cert-uri rsync://parent.example/repo/child.cer "$T/issued.cer"
ctl 0 ceremony import-ca --dir "$U" --cert-uri rsync://parent.example/repo/child.cer \
    "$T/issued.cer"
has "$T/out" "resources:         as=64496-64500 ipv4=10.0.0.0/8 ipv6="
cmp -s "$U/ca-ARIN.cer" "$T/issued.cer" || fail "imported certificate differs"
has "$U/updown.conf" "cert_uri = rsync://parent.example/repo/child.cer"
has "$U/ceremony-record.txt" "import-ca "
has "$U/ceremony-record.txt" "$(sha256sum <"$T/issued.cer" | cut -c1-64)"
ls "$U" | grep -q 'import-tmp' && fail "temporary files left behind"
printf 'version 2\nclass ARIN\nchild a\ngrant a ARIN ipv4=10.1.0.0/16 notafter=2030-01-01T00:00:00Z\n' \
    >"$T/t3.txt"
ctl 0 table validate "$T/t3.txt" --holdings "$U" --at 2027-01-01T00:00:00Z
# a second import is refused unless --force
unchanged_by "$U" 1 "$UPDOWNCTL" ceremony import-ca --dir "$U" "$T/issued.cer"
ctl 0 ceremony import-ca --dir "$U" --force "$T/issued.cer"
ctl 3 ceremony import-ca --dir "$T/nowhere" "$T/issued.cer"
ctl 2 ceremony import-ca --dir "$U"
ls "$W" | grep -q 'tmp-' && fail "a staging directory was left behind"

done_ok
