#!/bin/sh
# updownctl onboard: RFC 8183 child_requests from other implementations
# (tests/data/interop: Krill for APNIC, rpkid via rpki-rs, Krill and
# rpki-commons, rpki-core's rpkid identity, the Krill testbed set) and from
# our own child client; the child registered in the allocation table as
# "child HANDLE ta=..." (UD-151, UD-152, UD-155), a parent_response that
# decodes and that updownctl child parent imports (UD-153); every refusal
# writes nothing; exit codes 0/1/2/3.
. "$(dirname "$0")/test_ceremony_lib.sh"

R=$INTEROP
KRILL=$R/krill/test-resources/oob/apnic/child_request.xml
RPKID1=$R/rpki-rs/test-data/ca/rfc8183/rpkid-child-id.xml
RPKID2=$R/krill/test-resources/remote/rpkid-child-id.xml
CAROL=$R/rpki-commons/src/test/resources/isc-interop-updown/carol-child-id.xml
BOB=$R/rpki-core/src/test/resources/cert/valid-identity.xml
BOB_ID=$R/rpki-commons/src/test/resources/isc-interop-updown/bob-child-id.xml
TB=$R/krill/test-resources/testbed
AT2012=--at=2012-01-01T00:00:00Z

# A configuration directory: our BPKI TA (made with openssl, valid now).
W=$T/w
C=$W/conf
mkdir -p "$C"
"$OPENSSL" req -new -x509 -newkey rsa:2048 -nodes -keyout "$T/bta.key" -subj "/CN=nir BPKI TA" \
    -days 3650 -addext "basicConstraints=critical,CA:TRUE" -outform DER -out "$C/bpki-ta.cer" \
    2>/dev/null || fail "openssl"
cat >"$C/updown.conf" <<'X'
[appliance]
handle = example-nir
state_dir = state
service_uri_base = https://ca.example.net/updown/
[hsm]
module = /usr/lib/softhsm/libsofthsm2.so
token_uri = pkcs11:token=updown
[bpki]
ta_cert = bpki-ta.cer
ta_key = bpki-ta
ee_cert = bpki-ee.cer
ee_key = bpki-ee
crl = bpki.crl
[class DEFAULT]
cert = ca.cer
key = ca
cert_uri = rsync://ca.example.net/repo/ta.cer
pub_root = repository
X
TAB=$W/table.txt
printf '# our children\nversion 3\n\nclass DEFAULT\n\nchild isp-a   # since 2024\n\ngrant isp-a DEFAULT as=64496 notafter=2030-01-01T00:00:00Z\n' >"$TAB"

# check_response FILE HANDLE: the parent_response's fields (python's XML parser)
check_response() {
	python3 - "$1" "$2" "$C/bpki-ta.cer" <<'X' || fail "parent_response $1"
import base64, sys, xml.etree.ElementTree as E
ns = "{http://www.hactrn.net/uris/rpki/rpki-setup/}"
r = E.parse(sys.argv[1]).getroot()
assert r.tag == ns + "parent_response", r.tag
assert r.get("version") == "1"
assert r.get("child_handle") == sys.argv[2], r.get("child_handle")
assert r.get("parent_handle") == "example-nir"
assert r.get("service_uri") == "https://ca.example.net/updown/" + sys.argv[2]
ta = r.find(ns + "parent_bpki_ta")
assert base64.b64decode(ta.text) == open(sys.argv[3], "rb").read()
X
}

# table_ta HANDLE: the base64 TA of the child in the table
table_ta() {
	sed -n "s/^child $1 ta=\([^ ]*\).*/\1/p" "$TAB"
}
# request_ta FILE: the request's TA as canonical base64
request_ta() {
	python3 - "$1" <<'X'
import base64, re, sys
t = open(sys.argv[1], encoding="utf-8").read()
b = re.search(r'child_bpki_ta>(.*?)</', t, re.S).group(1)
print(base64.b64encode(base64.b64decode(re.sub(r'\s', '', b))).decode())
X
}

# ---- Krill's child "rand" (for APNIC): valid now ----
ctl 0 onboard --dir "$C" --table "$TAB" -o "$W/rand.xml" "$KRILL"
has "$T/out" "child rand"
has "$T/out" "(self-signed)"
has "$T/out" "table $TAB:7: declaration added"
check_response "$W/rand.xml" rand
[ "$(table_ta rand)" = "$(request_ta "$KRILL")" ] || fail "rand's TA in the table"
has "$TAB" "child isp-a   # since 2024"
ctl 0 table validate "$TAB"
# the response is what proto/oob and the inspector decode
ctl 0 inspect "$W/rand.xml"
has "$T/out" "RFC 8183 parent_response"
# the same request again: the table is unchanged, the response written again
cp "$TAB" "$T/tab.before"
ctl 0 onboard --dir "$C" --table "$TAB" -o "$W/rand2.xml" "$KRILL"
has "$T/out" "child rand is registered with this BPKI TA already ($TAB:7)"
cmp -s "$TAB" "$T/tab.before" || fail "the table changed"
cmp -s "$W/rand.xml" "$W/rand2.xml" || fail "a different response"
# renamed, as APNIC renamed it (UD-153)
ctl 0 onboard --dir "$C" --table "$TAB" --handle A91872ED0000 -o "$W/apnic.xml" "$KRILL"
has "$T/out" "child A91872ED0000 (asked for \"rand\")"
check_response "$W/apnic.xml" A91872ED0000

# ---- rpkid's TAs expired in 2012: refused now, accepted at a time they were valid ----
for f in "$RPKID1" "$RPKID2" "$CAROL" "$BOB" "$BOB_ID"; do
	unchanged_by "$W" 1 "$UPDOWNCTL" onboard --dir "$C" --table "$TAB" -o "$W/x.xml" "$f"
	has "$T/err" "child_bpki_ta refused at "
	has "$T/err" "BPKI TA has expired (UD-152)"
done
ctl 0 onboard --dir "$C" --table "$TAB" -o "$W/carol.xml" "$AT2012" "$RPKID1"
has "$T/out" "child Carol"
check_response "$W/carol.xml" Carol
for f in "$RPKID2" "$CAROL" "$R/krill/test-resources/remote/carol_child_id.xml"; do
	ctl 0 onboard --dir "$C" --table "$TAB" -o "$W/carol2.xml" "$AT2012" "$f"
	has "$T/out" "child Carol is registered with this BPKI TA already"
done
ctl 0 onboard --dir "$C" --table "$TAB" -o "$W/bob.xml" "$AT2012" "$BOB"
check_response "$W/bob.xml" Bob
ctl 0 onboard --dir "$C" --table "$TAB" -o "$W/bob2.xml" "$AT2012" "$BOB_ID"
has "$T/out" "rpkid's older <identity> element, read as a child_request"
has "$T/out" "child Bob is registered with this BPKI TA already"
[ "$(grep -c '^child Carol ' "$TAB")" = 1 ] || fail "Carol twice"

# ---- the Krill testbed: the valid ones in, the broken ones refused ----
ctl 0 onboard --dir "$C" --table "$TAB" -o "$W/tb1.xml" "$TB/child_request_compact.xml"
check_response "$W/tb1.xml" child-request-compact
ctl 0 onboard --dir "$C" --table "$TAB" -o "$W/tb2.xml" "$TB/child_request_with_whitespace.xml"
check_response "$W/tb2.xml" child-request-with-whitespace
for f in child_request_invalid_base64.xml child_request_with_unicode_space_char.xml \
    child_request_with_unicode_space_entity_reference.xml \
    child_request_with_unicode_space_entity_reference_in_handle.xml; do
	unchanged_by "$W" 1 "$UPDOWNCTL" onboard --dir "$C" --table "$TAB" -o "$W/x.xml" "$TB/$f"
	has "$T/err" "refused: "
done
unchanged_by "$W" 1 "$UPDOWNCTL" onboard --dir "$C" --table "$TAB" -o "$W/x.xml" \
    "$R/krill/test-resources/remote/child-breaks.xml"
unchanged_by "$W" 1 "$UPDOWNCTL" onboard --dir "$C" --table "$TAB" -o "$W/x.xml" \
    "$TB/publisher_request_compact.xml"
has "$T/err" "not a child_request (RFC 8183 section 5.2.1)"
unchanged_by "$W" 1 "$UPDOWNCTL" onboard --dir "$C" --table "$TAB" -o "$W/x.xml" "$W/rand.xml"
# the table says which TAs are not valid now (UD-152 at validation)
ctl 1 table validate "$TAB" --at 2024-01-01T00:00:00Z
has "$T/out" "child Carol: BPKI TA refused: BPKI TA has expired (RFC 8183, UD-152)"
has "$T/out" "2 errors"

# ---- UD-155: a new child_request for the same handle replaces the TA ----
printf 'version 1\nclass DEFAULT\nchild Carol ta=%s   # rpkid, 2011\nchild z \\\n   ta=%s\n' \
    "$(request_ta "$RPKID1")" "$(request_ta "$RPKID1")" >"$W/t2.txt"
ctl 0 onboard --dir "$C" --table "$W/t2.txt" --handle Carol -o "$W/c.xml" "$KRILL"
has "$T/out" "declaration replaced: the new TA replaces the old one (UD-155)"
grep -q "^child Carol ta=$(request_ta "$KRILL")   # rpkid, 2011\$" "$W/t2.txt" ||
    fail "the line was not replaced in place with its comment: $(cat "$W/t2.txt")"
# a declaration continued over two lines is replaced whole
ctl 0 onboard --dir "$C" --table "$W/t2.txt" --handle z -o "$W/c.xml" "$KRILL"
[ "$(wc -l <"$W/t2.txt")" -eq 4 ] || fail "continued declaration: $(cat "$W/t2.txt")"
grep -q "^child z ta=$(request_ta "$KRILL")\$" "$W/t2.txt" || fail "z"
ctl 0 table validate "$W/t2.txt"

# a tag is echoed (RFC 8183)
sed 's/<child_request /<child_request tag="T-42" /' "$KRILL" >"$T/tagged.xml"
ctl 0 onboard --dir "$C" --table "$W/t2.txt" -o "$W/tagged-resp.xml" "$T/tagged.xml"
has "$W/tagged-resp.xml" 'tag="T-42"'

# a table without a final newline and without children
printf 'version 1\nclass DEFAULT' >"$W/t3.txt"
ctl 0 onboard --dir "$C" --table "$W/t3.txt" -o "$W/t3.xml" "$KRILL"
[ "$(tail -n 1 "$W/t3.txt" | cut -c1-16)" = "child rand ta=MI" ] || fail "t3: $(cat "$W/t3.txt")"
ctl 0 table validate "$W/t3.txt"

# ---- our own child client: init, onboard, and the parent_response imported ----
ctl 0 child init --dir "$T/kid" --handle kid-1
ctl 0 onboard --dir "$C" --table "$TAB" -o "$W/kid.xml" "$T/kid/child_request.xml"
ctl 0 child parent --dir "$T/kid" "$W/kid.xml"
has "$T/out" "service_uri: https://ca.example.net/updown/kid-1"
has "$T/out" "parent_handle (our recipient): example-nir"

# ---- refusals, nothing written ----
printf 'version 1\nfrobnicate\n' >"$W/bad.txt"
unchanged_by "$W" 1 "$UPDOWNCTL" onboard --dir "$C" --table "$W/bad.txt" -o "$W/x.xml" "$KRILL"
has "$T/err" "$W/bad.txt:2: unknown statement"
unchanged_by "$W" 3 "$UPDOWNCTL" onboard --dir "$C" --table "$W/none.txt" -o "$W/x.xml" "$KRILL"
unchanged_by "$W" 3 "$UPDOWNCTL" onboard --dir "$T/noconf" --table "$TAB" -o "$W/x.xml" "$KRILL"
unchanged_by "$W" 3 "$UPDOWNCTL" onboard --dir "$C" --table "$TAB" -o "$W/x.xml" "$T/none.xml"
unchanged_by "$W" 3 "$UPDOWNCTL" onboard --dir "$C" --table "$TAB" -o "$T/nodir/x.xml" "$KRILL"
unchanged_by "$W" 2 "$UPDOWNCTL" onboard --dir "$C" --table "$TAB" --handle "a b" -o "$W/x.xml" \
    "$KRILL"
unchanged_by "$W" 2 "$UPDOWNCTL" onboard --dir "$C" --table "$TAB" "$KRILL"
unchanged_by "$W" 2 "$UPDOWNCTL" onboard --dir "$C" --table "$TAB" -o "$W/x.xml" --at later "$KRILL"
ls "$W" | grep -q 'onboard-tmp' && fail "temporary files left behind"
# a configuration whose BPKI TA is missing
mv "$C/bpki-ta.cer" "$T/bta.cer"
unchanged_by "$W" 3 "$UPDOWNCTL" onboard --dir "$C" --table "$TAB" -o "$W/x.xml" "$KRILL"
mv "$T/bta.cer" "$C/bpki-ta.cer"

done_ok
