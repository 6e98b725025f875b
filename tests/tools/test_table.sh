#!/bin/sh
# updownctl table validate / fmt / import-rir / diff (docs/allocation-table.md)
# with the sample files of tests/proto/alloc and real certificates and
# child_requests from tests/data/interop: every command, each error path,
# exit codes (0 ok, 1 refused, 2 usage, 3 I/O), nothing written on failure.
. "$(dirname "$0")/test_ceremony_lib.sh"

S=$(cd "$(dirname "$0")/../proto/alloc" && pwd)
AT=--at=2024-06-01T00:00:00Z

# ---- validate ----
ctl 0 table validate "$S/example.txt" "$AT"
has "$T/out" "warning: $S/example.txt:11: child dormant has no grant"
has "$T/out" "$S/example.txt: 0 errors, 1 warning (version 42, 2 classes, 4 children)"

# UD-56: at the current time the sample's notafters are in the past
ctl 1 table validate "$S/example.txt" --at 2026-03-01T00:00:00Z
has "$T/out" "error: $S/example.txt:13: isp-a/DEFAULT: notafter 2026-01-01T00:00:00Z is not in the future (never advertise a past time, UD-56)"
has "$T/out" "error: $S/example.txt:25: isp-a/LEGACY: notafter 2025-12-31T23:59:59Z is not in the future"
has "$T/out" "3 errors, 1 warning"

# every syntax error, each with its line
cat >"$T/bad.txt" <<'X'
version 1
class DEFAULT
child a
child a
grant a DEFAULT ipv4=192.0.2.1/24 notafter=2030-01-01T00:00:00Z
grant b DEFAULT as=1 notafter=2030-01-01T00:00:00Z
frobnicate
X
ctl 1 table validate "$T/bad.txt" "$AT"
has "$T/out" "error: $T/bad.txt:4: child a declared again (first at line 3)"
has "$T/out" "error: $T/bad.txt:5: ipv4: host bits set in 192.0.2.1/24 (RFC 6492 section 3.3.2)"
has "$T/out" "error: $T/bad.txt:7: unknown statement 'frobnicate'"
has "$T/out" "error: $T/bad.txt:6: grant to undeclared child b"

# UD-100: one resource, two children; both lines named
cat >"$T/overlap.txt" <<'X'
version 1
class DEFAULT
child a
child b
grant a DEFAULT ipv4=192.0.2.0/24 notafter=2030-01-01T00:00:00Z
grant b DEFAULT ipv4=192.0.2.128/25 notafter=2030-01-01T00:00:00Z
X
ctl 1 table validate "$T/overlap.txt" "$AT"
has "$T/out" "error: $T/overlap.txt:6: class DEFAULT: ipv4 192.0.2.128/25 granted to both a (line 5) and b (line 6) (UD-100)"

# --holdings: the class certificate's resources (AFRINIC's child, 196.10.119.0/24)
mkdir "$T/conf"
cp "$INTEROP/derived/child-certs/afrinic-child-0.cer" "$T/conf/ca.cer"
cat >"$T/conf/updown.conf" <<'X'
[appliance]
handle = parent
state_dir = state
service_uri_base = http://192.0.2.1/updown/
[hsm]
module = /usr/lib/softhsm/libsofthsm2.so
token_uri = pkcs11:token=none
[bpki]
ta_cert = bpki-ta.cer
ta_key = bpki-ta
ee_cert = bpki-ee.cer
ee_key = bpki-ee
crl = bpki.crl
[class AFRINIC]
cert = ca.cer
key = ca
cert_uri = rsync://rpki.example.net/repo/ca.cer
pub_root = repository
X
cat >"$T/within.txt" <<'X'
version 5
class AFRINIC
child a
child b
grant a AFRINIC ipv4=196.10.119.0/25 notafter=2030-01-01T00:00:00Z
grant b AFRINIC ipv4=196.10.119.128/26 notafter=2030-01-01T00:00:00Z
X
ctl 0 table validate "$T/within.txt" --holdings "$T/conf" "$AT"
has "$T/out" "0 errors, 0 warnings (version 5, 1 classes, 2 children, within the holdings)"
sed -e 's|196.10.119.128/26|196.10.119.128/25,196.10.120.0/24|' -e 's|^class AFRINIC|class AFRINIC\nclass OTHER|' \
    "$T/within.txt" >"$T/outside.txt"
ctl 1 table validate "$T/outside.txt" --holdings "$T/conf" "$AT"
has "$T/out" "error: $T/outside.txt:7: b/AFRINIC: ipv4 196.10.120.0/24 outside the CA's holdings in class AFRINIC (UD-100, RFC 6487 section 7.2)"
has "$T/out" "error: $T/outside.txt:3: class OTHER is not a resource class of this CA"
# a configuration that does not parse, a class certificate that is not one
printf '[appliance]\nhandle = x y\n' >"$T/badconf.conf"
mkdir "$T/badconf" && cp "$T/badconf.conf" "$T/badconf/updown.conf"
ctl 1 table validate "$T/within.txt" --holdings "$T/badconf" "$AT"
has "$T/err" "$T/badconf/updown.conf:2: [appliance] handle: handle is not [-_A-Za-z0-9/]{1,255}"
cp -r "$T/conf" "$T/conf2" && cp "$INTEROP/derived/cms-bpki/krill-list-ee0.cer" "$T/conf2/ca.cer"
ctl 1 table validate "$T/within.txt" --holdings "$T/conf2" "$AT"
has "$T/err" "class AFRINIC"
ctl 3 table validate "$T/within.txt" --holdings "$T/nowhere" "$AT"

# UD-152: a child's BPKI TA in the table must be valid at the time
python3 - "$INTEROP/rpki-rs/test-data/ca/rfc8183/rpkid-child-id.xml" >"$T/carol.b64" <<'X'
import base64, re, sys
t = open(sys.argv[1]).read()
b = re.search(r'child_bpki_ta>(.*?)</', t, re.S).group(1)
print(base64.b64encode(base64.b64decode(re.sub(r'\s', '', b))).decode())
X
printf 'version 1\nclass A\nchild Carol ta=%s\ngrant Carol A as=1 notafter=2030-01-01T00:00:00Z\n' \
    "$(cat "$T/carol.b64")" >"$T/carol.txt"
ctl 1 table validate "$T/carol.txt" "$AT"
has "$T/out" "error: $T/carol.txt:3: child Carol: BPKI TA refused: "
has "$T/out" "(RFC 8183, UD-152)"
ctl 0 table validate "$T/carol.txt" --at 2012-01-01T00:00:00Z

# usage and I/O
ctl 2 table validate
ctl 2 table validate a b
ctl 2 table validate "$S/example.txt" --at yesterday
ctl 2 table frobnicate
ctl 2 table
ctl 3 table validate "$T/missing.txt"

# ---- fmt ----
ctl 0 table fmt "$S/example.txt"
cmp -s "$T/out" "$S/example.canon.txt" || fail "fmt differs from example.canon.txt"
ctl 0 table fmt "$S/example.txt" -o "$T/canon.txt"
cmp -s "$T/canon.txt" "$S/example.canon.txt" || fail "fmt -o differs"
ctl 0 table fmt "$T/canon.txt"
cmp -s "$T/out" "$T/canon.txt" || fail "fmt is not a fixed point"
ctl 0 table fmt "$T/carol.txt"
has "$T/out" "child Carol ta=$(cat "$T/carol.b64")"
mkdir "$T/w"
unchanged_by "$T/w" 1 "$UPDOWNCTL" table fmt "$T/bad.txt" -o "$T/w/out.txt"
has "$T/err" "$T/bad.txt:5: ipv4: host bits set in 192.0.2.1/24"
unchanged_by "$T/w" 3 "$UPDOWNCTL" table fmt "$T/missing.txt" -o "$T/w/out.txt"
ctl 3 table fmt "$S/example.txt" -o "$T/nodir/out.txt"
ctl 2 table fmt

# ---- import-rir ----
ctl 0 table import-rir "$S/delegated-example-extended.txt" "$S/delegated-example-map.txt" \
    --class DEFAULT --notafter 2026-01-01T00:00:00Z --version 7 --at 2025-01-01T00:00:00Z \
    -o "$T/w/rir.txt"
cmp -s "$T/w/rir.txt" "$S/delegated-example.canon.txt" || fail "import-rir differs from the golden file"
has "$T/out" "14 records, 9 imported, 4 skipped (available/reserved), 1 unmapped (first at line 16)"
has "$T/out" "$T/w/rir.txt: version 7, class DEFAULT, 4 children"
rm "$T/w/rir.txt"
# --strict: the unmapped record is an error, nothing written
unchanged_by "$T/w" 1 "$UPDOWNCTL" table import-rir "$S/delegated-example-extended.txt" \
    "$S/delegated-example-map.txt" --strict --class DEFAULT \
    --notafter 2026-01-01T00:00:00Z --version 7 -o "$T/w/rir.txt"
has "$T/err" "delegated-example-extended.txt:16:"
# a truncated download is refused (record counts), unless --no-count-check
head -n 12 "$S/delegated-example-extended.txt" >"$T/truncated.txt"
unchanged_by "$T/w" 1 "$UPDOWNCTL" table import-rir "$T/truncated.txt" \
    "$S/delegated-example-map.txt" --class DEFAULT --notafter 2026-01-01T00:00:00Z \
    --version 7 -o "$T/w/rir.txt"
has "$T/err" "truncated or damaged"
ctl 0 table import-rir "$T/truncated.txt" "$S/delegated-example-map.txt" --no-count-check \
    --class DEFAULT --notafter 2026-01-01T00:00:00Z --version 7 --at 2025-01-01T00:00:00Z \
    -o "$T/w/rir2.txt"
rm "$T/w/rir2.txt"
# the imported table is validated: a notafter in the past is refused
unchanged_by "$T/w" 1 "$UPDOWNCTL" table import-rir "$S/delegated-example-extended.txt" \
    "$S/delegated-example-map.txt" --class DEFAULT --notafter 2020-01-01T00:00:00Z \
    --version 7 -o "$T/w/rir.txt"
has "$T/out" "is not in the future (never advertise a past time, UD-56)"
has "$T/err" "nothing written"
# a malformed map
printf 'A91A7381\n' >"$T/badmap.txt"
unchanged_by "$T/w" 1 "$UPDOWNCTL" table import-rir "$S/delegated-example-extended.txt" \
    "$T/badmap.txt" --class DEFAULT --notafter 2030-01-01T00:00:00Z --version 7 -o "$T/w/rir.txt"
has "$T/err" "badmap.txt:1:"
ctl 2 table import-rir "$S/delegated-example-extended.txt" "$S/delegated-example-map.txt" \
    --class DEFAULT --notafter 2030-01-01T00:00:00Z --version 7
ctl 2 table import-rir "$S/delegated-example-extended.txt" "$S/delegated-example-map.txt" \
    --class DEFAULT --notafter 2030-01-01 --version 7 -o "$T/w/x"
ctl 2 table import-rir "$S/delegated-example-extended.txt" "$S/delegated-example-map.txt" \
    --class DEFAULT --notafter 2030-01-01T00:00:00Z --version -7 -o "$T/w/x"
unchanged_by "$T/w" 3 "$UPDOWNCTL" table import-rir "$T/missing" "$S/delegated-example-map.txt" \
    --class DEFAULT --notafter 2030-01-01T00:00:00Z --version 7 -o "$T/w/rir.txt"

# ---- diff (without state) ----
sed -e 's/^version 42/version 43/' -e 's|ipv4=192.0.2.128/25,198.51.100.0/24|ipv4=198.51.100.0/24|' \
    "$S/example.txt" >"$T/next.txt"
ctl 0 table diff "$S/example.txt" "$T/next.txt"
has "$T/out" "version 42 -> 43"
has "$T/out" "isp-b/DEFAULT: ipv4 -192.0.2.128/25"
has "$T/out" "shrinking or removed: 1 of 4 entitlements (25.0%)"
hasnt "$T/out" "warning"
ctl 0 table diff "$T/next.txt" "$S/example.txt"
has "$T/out" "warning: version 42 does not increase"
# UD-155: a child's TA replaced shows
sed 's/^version 1/version 2/' "$T/carol.txt" >"$T/carol2.txt"
python3 - "$INTEROP/krill/test-resources/oob/apnic/child_request.xml" >"$T/rand.b64" <<'X'
import base64, re, sys
t = open(sys.argv[1]).read()
b = re.search(r'child_bpki_ta>(.*?)</', t, re.S).group(1)
print(base64.b64encode(base64.b64decode(re.sub(r'\s', '', b))).decode())
X
sed -i "s|ta=.*|ta=$(cat "$T/rand.b64")|" "$T/carol2.txt"
ctl 0 table diff "$T/carol.txt" "$T/carol2.txt"
has "$T/out" "~ child Carol: BPKI TA replaced (UD-155), new SHA-256 "
ctl 1 table diff "$S/example.txt" "$T/bad.txt"
ctl 3 table diff "$S/example.txt" "$T/missing.txt"
ctl 3 table diff "$S/example.txt" "$T/next.txt" --state "$T/nostate"
ctl 2 table diff "$S/example.txt"

done_ok
