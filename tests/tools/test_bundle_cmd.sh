#!/bin/sh
# updownctl bundle create / sign / merge / show / verify / deliver
# (docs/provisioning-bundle.md): a table from a real ceremony in SoftHSM,
# three registered operators (an SPKI, a certificate, a key in the token)
# with threshold 2: signatures added in turn and in parallel (merge), from
# key files and from the token; verification as the appliance will do it
# (threshold, unknown signers, tampering, replay via --last-version, the
# table against the holdings); delivery by HTTP POST to a provisioning
# endpoint (a small local server); exit codes 0/1/2/3, nothing written on
# failure.
. "$(dirname "$0")/test_ceremony_lib.sh"

unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
no_proxy='*'
export no_proxy

softhsm_token updown
M=$SOFTHSM_MODULE
P11="pkcs11-tool --module $M --token-label updown --login --pin 1234"

# operators: op1 SPKI (PEM), op2 certificate (DER), op3 a key in the token; op4 unregistered
for i in 1 2 4; do "$OPENSSL" genrsa -out "$T/op$i.key" 2048 2>/dev/null; done
"$OPENSSL" rsa -in "$T/op1.key" -pubout -out "$T/op1.pem" 2>/dev/null
"$OPENSSL" req -new -x509 -key "$T/op2.key" -subj /CN=op2 -days 30 -outform DER -out "$T/op2.cer" \
    2>/dev/null
$P11 --keypairgen --key-type rsa:2048 --label op3 --id 0303 >/dev/null 2>&1 || fail "keypairgen"
$P11 --read-object --type pubkey --label op3 -o "$T/op3.der" >/dev/null 2>&1 || fail "read pubkey"

# a local provisioning endpoint: POST /provision -> 200, /refuse -> 409, /broken -> 500
cat >"$T/srv.py" <<'X'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        open(sys.argv[2], "wb").write(body)
        open(sys.argv[2] + ".type", "w").write(self.headers.get("Content-Type", ""))
        code = {"/provision": 200, "/refuse": 409, "/broken": 500}.get(self.path, 404)
        msg = {200: b"applied\n", 409: b"version not above 7\n"}.get(code, b"no")
        self.send_response(code)
        self.send_header("Content-Length", str(len(msg)))
        self.end_headers()
        self.wfile.write(msg)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write(str(s.server_address[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.serve_forever()
X
python3 "$T/srv.py" "$T/port" "$T/received" &
SRV=$!
trap 'kill $SRV 2>/dev/null; rm -rf "$T"' EXIT
for i in $(seq 50); do [ -f "$T/port" ] && break; sleep 0.1; done
PORT=$(cat "$T/port") || fail "no server"

# the appliance: a ceremony registering op1, op2, op3, threshold 2
C=$T/conf
ctl 0 ceremony --dir "$C" --hsm-module "$M" --token-uri "$TOKEN_URI" --handle nir \
    --class DEFAULT --service-uri-base http://127.0.0.1/updown/ \
    --rsync-base rsync://rpki.example.net/repo/ --resources "as=64496-64511;ipv4=192.0.2.0/24" \
    --operator "$T/op1.pem" --operator "$T/op2.cer" --operator "$T/op3.der" --threshold 2 \
    --address 127.0.0.1/8 --http-port "$((PORT - 1))"
has "$T/out" "operators (a bundle needs 2 of 3):"
printf 'version 2\nclass DEFAULT\nchild a\ngrant a DEFAULT as=64496 ipv4=192.0.2.0/25 notafter=2040-01-01T00:00:00Z\n' \
    >"$T/table.txt"

W=$T/w
mkdir "$W"
B=$W/b.der

# ---- create ----
ctl 0 bundle create "$T/table.txt" -o "$B" --comment "add child a"
has "$T/out" "$B: table version 2, created "
has "$T/out" "  comment: add child a"
has "$T/out" "  table: $(wc -c <"$T/table.txt") bytes, SHA-256 $(sha256sum <"$T/table.txt" | cut -c1-64)"
has "$T/out" "  signatures: 0"
ctl 0 bundle show "$B" --table
cmp -s "$T/out" "$T/table.txt" || fail "show --table differs from the table"
unchanged_by "$W" 1 "$UPDOWNCTL" bundle create "$T/table.txt" -o "$B"
has "$T/err" "exists: refused"
printf 'version 2\nclass DEFAULT\nchild a a\n' >"$T/bad.txt"
unchanged_by "$W" 1 "$UPDOWNCTL" bundle create "$T/bad.txt" -o "$W/x.der"
has "$T/err" "$T/bad.txt:3:"
unchanged_by "$W" 3 "$UPDOWNCTL" bundle create "$T/none.txt" -o "$W/x.der"
unchanged_by "$W" 2 "$UPDOWNCTL" bundle create "$T/table.txt"
cp "$B" "$T/unsigned.der"

# ---- sign in turn: op1 (key file), then op3 (token) ----
ctl 0 bundle sign "$B" --key "$T/op1.key" --dir "$C"
has "$T/out" "signing as the registered operator operators/1-op1.pem"
has "$T/out" "1 signature now"
unchanged_by "$W" 1 "$UPDOWNCTL" bundle sign "$B" --key "$T/op1.key"
has "$T/err" "already signed"
# one of two: refused
ctl 1 bundle verify "$B" --dir "$C"
has "$T/out" "operators: 1 of 2 required (3 registered)"
has "$T/out" "operators/1-op1.pem: valid, counted"
ctl 0 bundle sign "$B" --hsm-module "$M" --token-uri "$TOKEN_URI" --key-label op3 --dir "$C" \
    -o "$W/b2.der"
has "$T/out" "signing as the registered operator operators/3-op3.der"
ctl 0 bundle verify "$W/b2.der" --dir "$C" --at 2030-01-01T00:00:00Z
has "$T/out" "operators: 2 of 2 required (3 registered)"
has "$T/out" "$W/b2.der: accepted: 2 of 2 operators, version 2, table valid"
# replay protection: the appliance holds version 2 already
ctl 1 bundle verify "$W/b2.der" --dir "$C" --last-version 2
has "$T/err" "the appliance holds version 2; this bundle carries 2"
ctl 0 bundle verify "$W/b2.der" --dir "$C" --last-version 1

# ---- in parallel: op2 (with its certificate) and op4 (unregistered), merged ----
cp "$T/unsigned.der" "$W/copy-a.der"
cp "$T/unsigned.der" "$W/copy-b.der"
ctl 0 bundle sign "$W/copy-a.der" --key "$T/op2.key" --cert "$T/op2.cer"
ctl 0 bundle sign "$W/copy-b.der" --key "$T/op4.key" --dir "$C"
has "$T/err" "is not a registered operator in $C"
ctl 0 bundle merge "$W/copy-a.der" "$W/copy-b.der" -o "$W/merged.der"
has "$T/out" "  signatures: 2"
ctl 1 bundle verify "$W/merged.der" --dir "$C"
has "$T/out" "not a registered operator: ignored"
has "$T/out" "operators: 1 of 2 required"
ctl 0 bundle sign "$W/merged.der" --key "$T/op1.key"
ctl 0 bundle verify "$W/merged.der" --dir "$C"
has "$T/out" "operators/2-op2.cer: valid, counted"
# a different content cannot be merged
sed 's/^version 2/version 3/' "$T/table.txt" >"$T/table3.txt"
ctl 0 bundle create "$T/table3.txt" -o "$W/v3.der"
unchanged_by "$W" 1 "$UPDOWNCTL" bundle merge "$W/copy-a.der" "$W/v3.der" -o "$W/x.der"

# ---- tampering: one byte of the table, after the signatures ----
python3 - "$W/b2.der" "$W/tampered.der" <<'X'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
i = d.find(b"ipv4=192.0.2.0/25")
d[i + 15] = ord("4")          # /25 -> /24
open(sys.argv[2], "wb").write(d)
X
ctl 1 bundle verify "$W/tampered.der" --dir "$C"
has "$T/out" "REGISTERED OPERATOR, WRONG DIGEST: tampered"
# a good signature on a table that the appliance would refuse (outside the holdings)
sed 's|ipv4=192.0.2.0/25|ipv4=203.0.113.0/24|' "$T/table.txt" >"$T/outside.txt"
ctl 0 bundle create "$T/outside.txt" -o "$W/outside.der"
ctl 0 bundle sign "$W/outside.der" --key "$T/op1.key"
ctl 0 bundle sign "$W/outside.der" --key "$T/op2.key"
ctl 1 bundle verify "$W/outside.der" --dir "$C"
has "$T/out" "outside the CA's holdings in class DEFAULT"
has "$T/err" "the signatures are good but the table has 1 errors"

# ---- sign and verify refusals ----
unchanged_by "$W" 1 "$UPDOWNCTL" bundle sign "$T/table.txt" --key "$T/op1.key" -o "$W/x.der"
has "$T/err" "not a provisioning bundle"
unchanged_by "$W" 1 "$UPDOWNCTL" bundle sign "$B" --key "$T/op1.pem"
unchanged_by "$W" 3 "$UPDOWNCTL" bundle sign "$B" --key "$T/none.key"
unchanged_by "$W" 3 "$UPDOWNCTL" bundle sign "$B" --hsm-module "$M" --token-uri "$TOKEN_URI" \
    --key-label nosuch
unchanged_by "$W" 2 "$UPDOWNCTL" bundle sign "$B" --key "$T/op1.key" --token-uri "$TOKEN_URI"
unchanged_by "$W" 2 "$UPDOWNCTL" bundle sign "$B" --token-uri "$TOKEN_URI"
unchanged_by "$W" 1 "$UPDOWNCTL" bundle sign "$B" --key "$T/op4.key" --cert "$T/op2.cer"
has "$T/err" "operator certificate unparsable or not for the operator key"
ctl 3 bundle verify "$W/b2.der" --dir "$T/noconf"
ctl 3 bundle verify "$W/b2.der" --dir "$C" --state "$T/nostate"
ctl 2 bundle verify "$W/b2.der" --dir "$C" --last-version 1 --state "$T/x"
ctl 2 bundle verify "$W/b2.der"
ctl 2 bundle frob

# ---- deliver ----
ctl 0 bundle deliver "$W/b2.der" --to "http://127.0.0.1:$PORT/provision"
has "$T/out" "http://127.0.0.1:$PORT/provision: delivered (HTTP 200): applied"
cmp -s "$T/received" "$W/b2.der" || fail "the endpoint received other bytes"
[ "$(cat "$T/received.type")" = "application/x-updown-bundle" ] || fail "content type"
rm "$T/received"
# --dir: the appliance's provisioning endpoint, port http_port + 1
ctl 0 bundle deliver "$W/b2.der" --dir "$C"
has "$T/out" "http://127.0.0.1:$PORT/provision: delivered (HTTP 200)"
cmp -s "$T/received" "$W/b2.der" || fail "--dir: the endpoint received other bytes"
ctl 1 bundle deliver "$W/b2.der" --to "http://127.0.0.1:$PORT/refuse"
has "$T/err" "the appliance answered HTTP 409: version not above 7"
ctl 3 bundle deliver "$W/b2.der" --to "http://127.0.0.1:$PORT/broken"
rm -f "$T/received"
ctl 1 bundle deliver "$T/table.txt" --to "http://127.0.0.1:$PORT/provision"
[ -f "$T/received" ] && fail "a non-bundle was sent"
kill $SRV
wait $SRV 2>/dev/null
ctl 3 bundle deliver "$W/b2.der" --to "http://127.0.0.1:$PORT/provision" --timeout 5
ctl 2 bundle deliver "$W/b2.der" --to "ftp://127.0.0.1/"
ctl 2 bundle deliver "$W/b2.der"

done_ok
