#!/bin/bash
# The issue-6 acceptance test: updownctl against the real appliance.
#
#   ceremony in SoftHSM (a fresh token in a temporary directory, 3 operators,
#   threshold 2) -> allocation table -> onboarding of Krill's child_request
#   (tests/data/interop; that child never talks) and of our own child client
#   (child init -> child_request.xml -> onboard -> parent_response.xml ->
#   child parent) -> a bundle signed by 2 of 3 operators, delivered over HTTP
#   to updown-appliance (posix board, lwIP on a TAP device in a network
#   namespace of our own) -> the child lists and issues -> a shrunk table
#   diffed against the appliance's store (the child's certificate named as
#   re-issued smaller), delivered with a higher version -> the child's next
#   list shows the re-issued certificate with the smaller RFC 3779 resources
#   -> the child revokes -> rpki-client and FORT accept the publication point.
#
# Every command's exit code and output are checked. Needs root; exit 77
# (skipped) with the reason where namespaces, TAP or SoftHSM are missing.
# Environment (ctest sets it): UPDOWNCTL, UPDOWN_APPLIANCE, UPDOWN_TESTDATA,
# OPENSSL, UPDOWN_REFEREES. UPDOWN_E2E_KEEP=1 keeps the work directory.
set -u
export LC_ALL=C
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export no_proxy='*'

: "${UPDOWNCTL:?UPDOWNCTL must name the updownctl binary}"
: "${UPDOWN_APPLIANCE:?UPDOWN_APPLIANCE must name the updown-appliance binary}"
: "${UPDOWN_TESTDATA:?UPDOWN_TESTDATA must name tests/data}"
OPENSSL=${OPENSSL:-openssl}
REFEREES=${UPDOWN_REFEREES:-$(dirname "$0")/../referees/run-referees}
MODULE=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
KRILL_REQ=$UPDOWN_TESTDATA/interop/krill/test-resources/oob/apnic/child_request.xml

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "not root: network namespaces and TAP devices need root"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
command -v ip >/dev/null || skip "no ip command (iproute2)"
[ -r "$MODULE" ] || skip "no SoftHSM module at $MODULE (softhsm2)"
command -v python3 >/dev/null || skip "no python3"

T=$(mktemp -d /tmp/updown-e2e.XXXXXX) || exit 1
chmod 0755 "$T"
NS=updown-e2e-$$
LWIP=10.77.0.2
KERN=10.77.0.1
APP_PID=''
NCHECK=0

cleanup() {
	if [ -n "$APP_PID" ] && kill -0 "$APP_PID" 2>/dev/null; then
		kill -TERM "$APP_PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$APP_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$APP_PID" 2>/dev/null
	fi
	ip netns del "$NS" 2>/dev/null
	if [ "${UPDOWN_E2E_KEEP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*" >&2
	[ -f "$T/out" ] && { echo "--- stdout:" >&2; cat "$T/out" >&2; }
	[ -f "$T/err" ] && { echo "--- stderr:" >&2; cat "$T/err" >&2; }
	[ -f "$T/app.log" ] && { echo "--- appliance log (tail):" >&2; tail -20 "$T/app.log" >&2; }
	exit 1
}
# run WANT CMD...: stdout in $T/out, stderr in $T/err; the exit code must be WANT.
run() {
	local want=$1 got
	shift
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	NCHECK=$((NCHECK + 1))
	[ "$got" -eq "$want" ] || fail "exit $got, want $want: $*"
}
ctl() { local w=$1; shift; run "$w" "$UPDOWNCTL" "$@"; }
# nsctl WANT ARGS...: updownctl inside the namespace (where the appliance is).
nsctl() { local w=$1; shift; run "$w" ip netns exec "$NS" "$UPDOWNCTL" "$@"; }
has() { grep -qF -- "$2" "$1" || fail "$1 lacks '$2'"; }
# jq_py FILE EXPR: print a Python expression over the JSON document d.
jq_py() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" ||
	    fail "JSON $1: $2"
}
step() { echo "== $*"; }

# ---- the HSM: a fresh SoftHSM token directory, initialised by the ceremony ----
mkdir -p "$T/softhsm/tokens"
printf 'directories.tokendir = %s/softhsm/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
    "$T" >"$T/softhsm/softhsm2.conf"
export SOFTHSM2_CONF=$T/softhsm/softhsm2.conf
printf '%s\n' "$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" >"$T/softhsm/user.pin"
printf '%s\n' "$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" >"$T/softhsm/so.pin"
chmod 0600 "$T/softhsm/user.pin" "$T/softhsm/so.pin"

# ---- three operators, registered at the ceremony; a fourth, not registered ----
for i in 1 2 3 4; do
	"$OPENSSL" genrsa -out "$T/op$i.key" 2048 2>/dev/null || fail "openssl genrsa"
	"$OPENSSL" rsa -in "$T/op$i.key" -pubout -out "$T/op$i.pem" 2>/dev/null || fail "openssl rsa"
done

step "key ceremony in SoftHSM"
C=$T/conf
ctl 0 ceremony --dir "$C" --hsm-module "$MODULE" --init-token updown-e2e \
    --so-pin-source "file:$T/softhsm/so.pin" --pin-source "file:$T/softhsm/user.pin" \
    --handle e2e-nir --class DEFAULT --service-uri-base "http://$LWIP/updown/" \
    --rsync-base rsync://rpki.e2e.test/repo/ \
    --resources "as=64496-64511;ipv4=10.0.0.0/8;ipv6=2001:db8::/32" \
    --operator "$T/op1.pem" --operator "$T/op2.pem" --operator "$T/op3.pem" --threshold 2 \
    --address "$LWIP/24" --http-port 80
has "$T/out" "operators (a bundle needs 2 of 3):"
has "$T/out" "token (initialised by this ceremony):"
for f in updown.conf ca-DEFAULT.cer ta.tal bpki-ta.cer bpki-ee.cer bpki.crl table.txt \
    ceremony-record.txt repository/rpki.e2e.test/repo/ta.cer; do
	[ -s "$C/$f" ] || fail "the ceremony did not write $f"
done
# the ceremony refuses to run twice on the same directory
ctl 1 ceremony --dir "$C" --hsm-module "$MODULE" --token-uri "pkcs11:token=updown-e2e?pin-source=file:$T/softhsm/user.pin" \
    --handle e2e-nir --class DEFAULT --service-uri-base "http://$LWIP/updown/" \
    --rsync-base rsync://rpki.e2e.test/repo/ --resources "as=64496" --operator "$T/op1.pem"
has "$T/err" "is not empty (an earlier ceremony?): refused"

step "onboarding: Krill's child_request (interop) and our own child client"
TAB=$C/table.txt
ctl 0 onboard --dir "$C" --table "$TAB" -o "$T/krill-parent_response.xml" "$KRILL_REQ"
has "$T/out" "child rand"
has "$T/out" "service_uri http://$LWIP/updown/rand, parent_handle e2e-nir"
grep -q '^child rand ta=' "$TAB" || fail "rand not in the table"
[ -s "$T/krill-parent_response.xml" ] || fail "no parent_response for rand"
CH=$T/child
ctl 0 child init --dir "$CH" --handle e2e-child
[ -s "$CH/child_request.xml" ] || fail "child init wrote no child_request.xml"
ctl 0 inspect "$CH/child_request.xml"
has "$T/out" "e2e-child"
ctl 0 onboard --dir "$C" --table "$TAB" -o "$T/parent_response.xml" "$CH/child_request.xml"
has "$T/out" "service_uri http://$LWIP/updown/e2e-child, parent_handle e2e-nir"
ctl 0 child parent --dir "$CH" "$T/parent_response.xml"
has "$T/out" "service_uri: http://$LWIP/updown/e2e-child"
has "$T/out" "child_handle (our sender): e2e-child"

step "allocation table, version 2"
NOTAFTER=$(date -u -d '+180 days' +%Y-%m-%dT00:00:00Z)
sed -i 's/^version 1$/version 2/' "$TAB"
cat >>"$TAB" <<EOF

grant rand DEFAULT as=64500 ipv4=10.1.0.0/16 notafter=$NOTAFTER
grant e2e-child DEFAULT as=64496 ipv4=10.2.0.0/16 ipv6=2001:db8:2::/48 notafter=$NOTAFTER
EOF
ctl 0 table validate "$TAB" --holdings "$C"
has "$T/out" "0 errors, 0 warnings (version 2, 1 classes, 2 children, within the holdings)"
cp "$TAB" "$T/table-v2.txt"

step "bundle v2 signed by 2 of 3 operators"
B2=$T/bundle-v2.der
ctl 0 bundle create "$T/table-v2.txt" -o "$B2" --comment "e2e: two children"
ctl 0 bundle sign "$B2" --key "$T/op1.key" --dir "$C"
has "$T/out" "signing as the registered operator operators/1-op1.pem"
cp "$B2" "$T/bundle-v2-one.der"
ctl 1 bundle verify "$B2" --dir "$C"
has "$T/out" "operators: 1 of 2 required (3 registered)"
ctl 0 bundle sign "$B2" --key "$T/op4.key" --dir "$C"
has "$T/err" "is not a registered operator"
ctl 0 bundle sign "$B2" --key "$T/op3.key" --dir "$C"
has "$T/out" "signing as the registered operator operators/3-op3.pem"
ctl 0 bundle verify "$B2" --dir "$C"
has "$T/out" "accepted: 2 of 2 operators, version 2, table valid"

step "the appliance in network namespace $NS"
ip netns add "$NS" || fail "ip netns add $NS"
ip netns exec "$NS" sh -c "ip link set lo up && ip tuntap add dev tap0 mode tap &&
    ip link set tap0 up && ip addr add $KERN/24 dev tap0" || fail "TAP device in $NS"
ip netns exec "$NS" "$UPDOWN_APPLIANCE" --config "$C/updown.conf" --tap tap0 \
    --log-level info >"$T/app.log" 2>&1 &
APP_PID=$!
for _ in $(seq 300); do
	grep -q '^updown-appliance: address' "$T/app.log" && break
	kill -0 "$APP_PID" 2>/dev/null || fail "updown-appliance exited at start"
	sleep 0.1
done
grep '^updown-appliance: address' "$T/app.log" || fail "no start summary from updown-appliance"
has "$T/app.log" "handle e2e-nir"
for _ in $(seq 50); do
	ip netns exec "$NS" bash -c "exec 3<>/dev/tcp/$LWIP/80" 2>/dev/null && break
	sleep 0.1
done

step "delivery: 1 of 2 refused, 2 of 3 applied, replay refused"
PROV=http://$LWIP:81/provision
nsctl 1 bundle deliver "$T/bundle-v2-one.der" --to "$PROV"
nsctl 0 bundle deliver "$B2" --to "$PROV"
has "$T/out" "delivered (HTTP 200): table 2 applied (2 signers, 2 new children, 0 new TAs)"
nsctl 1 bundle deliver "$B2" --to "$PROV"

step "the child lists and issues"
nsctl 0 child list --dir "$CH" --json
cp "$T/out" "$T/list1.json"
[ "$(jq_py "$T/list1.json" "d['ok'], d['http_status'], d['message']['type'], d['message']['sender'], d['message']['recipient']")" = \
    "(True, 200, 'list_response', 'e2e-nir', 'e2e-child')" ] || fail "list: $(cat "$T/list1.json")"
[ "$(jq_py "$T/list1.json" "[(c['class_name'], c['resource_set_as'], c['resource_set_ipv4'], c['resource_set_ipv6'], len(c['certificates'])) for c in d['message']['classes']]")" = \
    "[('DEFAULT', '64496', '10.2.0.0/16', '2001:db8:2::/48', 0)]" ] || fail "list classes"
nsctl 0 child issue --dir "$CH" --class DEFAULT --json \
    --sia-repo rsync://rpki.e2e.test/child/ --sia-mft rsync://rpki.e2e.test/child/child.mft
cp "$T/out" "$T/issue.json"
[ "$(jq_py "$T/issue.json" "d['ok'], d['message']['type']")" = "(True, 'issue_response')" ] ||
    fail "issue: $(cat "$T/issue.json")"
[ "$(jq_py "$T/issue.json" "[ (x['certificate']['resources']['as'], x['certificate']['resources']['ipv4'], x['certificate']['resources']['ipv6']) for x in d['message']['classes'][0]['certificates']]")" = \
    "[('64496', '10.2.0.0/16', '2001:db8:2::/48')]" ] || fail "issued resources"
[ -s "$CH/certs/DEFAULT.cer" ] || fail "the child stored no certificate"
ctl 0 inspect --json --ta "$C/ca-DEFAULT.cer" "$CH/certs/DEFAULT.cer"
cp "$T/out" "$T/cert1.json"
[ "$(jq_py "$T/cert1.json" "d[0]['signature_by_ta']")" = valid ] || fail "issued certificate signature"
SERIAL1=$(jq_py "$T/cert1.json" "d[0]['certificate']['serial']")
GSKI=$(jq_py "$T/cert1.json" "d[0]['certificate']['key']['gski']")
ls "$C/repository/rpki.e2e.test/repo/repo/$GSKI.cer" >/dev/null 2>&1 ||
    fail "the certificate is not in the publication point"

step "the operators shrink the child: table v3, diffed against the appliance's store"
sed -e 's/^version 2$/version 3/' \
    -e "s|^grant e2e-child DEFAULT as=64496 ipv4=10.2.0.0/16 |grant e2e-child DEFAULT as=64496 ipv4=10.2.0.0/17 |" \
    "$T/table-v2.txt" >"$T/table-v3.txt"
ctl 0 table diff "$T/table-v2.txt" "$T/table-v3.txt" --state "$C/state"
has "$T/out" "version 2 -> 3"
has "$T/out" "e2e-child/DEFAULT: ipv4 -10.2.128.0/17"
has "$T/out" "serial $SERIAL1 e2e-child/DEFAULT: re-issued smaller for the same key"
has "$T/out" "1 re-issued smaller"
B3=$T/bundle-v3.der
ctl 0 bundle create "$T/table-v3.txt" -o "$B3" --comment "e2e: shrink e2e-child"
ctl 0 bundle sign "$B3" --key "$T/op2.key" --dir "$C"
ctl 0 bundle sign "$B3" --key "$T/op3.key" --dir "$C"
ctl 0 bundle verify "$B3" --dir "$C" --state "$C/state"
has "$T/out" "accepted: 2 of 2 operators, version 3"
nsctl 0 bundle deliver "$B3" --to "$PROV"
has "$T/out" "table 3 applied"
has "$T/out" "1 shrunk"

step "the child's next list shows the re-issued certificate"
nsctl 0 child list --dir "$CH" --json
cp "$T/out" "$T/list2.json"
[ "$(jq_py "$T/list2.json" "d['ok'], d['message']['classes'][0]['resource_set_ipv4']")" = \
    "(True, '10.2.0.0/17')" ] || fail "list after the shrink"
[ "$(jq_py "$T/list2.json" "[ (x['certificate']['key']['gski'], x['certificate']['resources']['as'], x['certificate']['resources']['ipv4'], x['certificate']['resources']['ipv6'], x['certificate']['serial'] != '$SERIAL1') for x in d['message']['classes'][0]['certificates']]")" = \
    "[('$GSKI', '64496', '10.2.0.0/17', '2001:db8:2::/48', True)]" ] || fail "re-issued certificate"
ctl 0 inspect --json --ta "$C/ca-DEFAULT.cer" "$CH/certs/DEFAULT.cer"
[ "$(jq_py "$T/out" "d[0]['certificate']['resources']['ipv4'], d[0]['signature_by_ta']")" = "('10.2.0.0/17', 'valid')" ] ||
    fail "the child did not store the re-issued certificate"

step "the child revokes"
nsctl 0 child revoke --dir "$CH" --class DEFAULT --json
[ "$(jq_py "$T/out" "d['ok'], d['message']['type']")" = "(True, 'revoke_response')" ] || fail "revoke"
nsctl 0 child list --dir "$CH" --json
[ "$(jq_py "$T/out" "len(d['message']['classes'][0]['certificates'])")" = 0 ] ||
    fail "a certificate is still listed after revoke"
[ ! -e "$C/repository/rpki.e2e.test/repo/repo/$GSKI.cer" ] ||
    fail "the revoked certificate is still published"

step "the appliance stops cleanly"
kill -TERM "$APP_PID"
wait "$APP_PID"
rc=$?
APP_PID=''
[ "$rc" -eq 0 ] || fail "updown-appliance exited $rc on SIGTERM"

step "audit log"
ctl 0 inspect "$C/state"
has "$T/out" "chain: VALID"

step "referees: rpki-client and FORT on the publication point"
run 0 "$REFEREES" "$C/ta.tal" "$C/repository"
cat "$T/out"
has "$T/out" "rpki-client 8.2: PASS"
has "$T/out" "fort 1.5.4: PASS"

echo "ok: $NCHECK commands checked"
exit 0
