#!/usr/bin/env bash
# The demo: the appliance end to end, as an operator and a child see it.
#   1. installs the Debian packages (scripts/setup.sh, unless UPDOWN_NO_SETUP=1)
#      and builds updownctl and the appliance;
#   2. key ceremony in SoftHSM (a fresh token), three operators, M = 2;
#   3. an allocation table with three children: two registered from Krill's
#      child_requests (tests/data/interop; they never talk) and our own child
#      client; a bundle signed by 2 of the 3 operators;
#   4. boots the appliance (UPDOWN_DEMO_BOARD=auto|qemu|posix; auto: the
#      QEMU board when qemu-system-x86_64 and a kernel are here, else posix,
#      saying why):
#      - qemu: updown-appliance-qemu in a VM (board/qemu/build-image with the
#        ceremony's configuration, token and the first bundle, which the
#        appliance applies at boot; board/qemu/boot forwards 127.0.0.1:PORT
#        to the children's endpoint and PORT2 to the provisioning endpoint);
#      - posix: updown-appliance, lwIP on a TAP device in a network namespace
#        this script creates and removes; the bundle is delivered;
#   5. the child lists and issues; the operators shrink that child (table
#      diff against the appliance's store, a new bundle delivered to the
#      provisioning endpoint); the child's next list shows the re-issued,
#      smaller certificate; the child revokes;
#   6. stops the appliance (QEMU: the power button, then board/qemu/extract
#      copies the publication tree and the store off the data disk);
#      rpki-client and FORT validate the publication point
#      (tests/referees/run-referees); the audit log's chain is checked.
# Everything stays in $UPDOWN_DEMO (default ./out/demo); it ends by printing
# where. The VM, the namespace and the appliance are removed on exit (trap).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=${UPDOWN_DEMO:-$top/out/demo}
build=${UPDOWN_BUILD:-$top/build}/plain
interop=$top/tests/data/interop
board=${UPDOWN_DEMO_BOARD:-auto}
module=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export no_proxy='*'

t0=$(date +%s)
say() { printf '\n\033[1m== [%3ss] %s\033[0m\n' "$(($(date +%s) - t0))" "$*"; }
note() { printf '   %s\n' "$*"; }
die() { printf '\n\033[1;31mdemo FAILED: %s\033[0m\n' "$*" >&2; exit 1; }
# show CMD...: run CMD, its output indented (and kept in logs/demo.log).
show() {
	printf '   $ %s\n' "$(printf '%q ' "$@" | sed "s|$out/|\$OUT/|g; s|$top/||g")" >>"$out/logs/demo.log"
	if ! "$@" >"$out/logs/last.out" 2>&1; then
		sed 's/^/     /' "$out/logs/last.out"
		cat "$out/logs/last.out" >>"$out/logs/demo.log"
		die "$(basename "$1") ${2:-} ${3:-} failed"
	fi
	cat "$out/logs/last.out" >>"$out/logs/demo.log"
	sed 's/^/     /' "$out/logs/last.out"
}
# showq CMD...: as show, but only the output lines matching $GREP.
showq() {
	local pat=$1
	shift
	show "$@" >/dev/null
	grep -E -- "$pat" "$out/logs/last.out" | sed 's/^/     /' || true
}
# jpy FILE EXPR: a Python expression over the JSON document d.
jpy() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }

[ "$(id -u)" = 0 ] || die "run as root (SoftHSM, network namespaces and TAP devices)"

if [ "${UPDOWN_NO_SETUP:-0}" != 1 ]; then
	say "installing Debian packages (scripts/setup.sh)"
	"$top/scripts/setup.sh"
fi

# The board: QEMU when this machine can run it (docs/qemu-board.md lists
# what build-image needs), else posix, saying why.
why_not_qemu=''
if ! command -v qemu-system-x86_64 >/dev/null; then
	why_not_qemu="qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)"
elif ! ls /boot/vmlinuz-* >/dev/null 2>&1; then
	why_not_qemu="no kernel in /boot (apt-get install linux-image-amd64)"
elif [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
	why_not_qemu="no static /bin/busybox for the initramfs (apt-get install busybox-static)"
elif ! command -v cpio >/dev/null || ! command -v debugfs >/dev/null; then
	why_not_qemu="cpio or debugfs missing (apt-get install cpio e2fsprogs)"
fi
case $board in
posix) ;;
auto) if [ -n "$why_not_qemu" ]; then board=posix; else board=qemu; fi ;;
qemu) [ -z "$why_not_qemu" ] || die "UPDOWN_DEMO_BOARD=qemu: $why_not_qemu" ;;
*) die "UPDOWN_DEMO_BOARD must be posix, qemu or auto" ;;
esac

say "building updownctl and the appliance for the $board board ($build)"
app_target=updown-appliance
[ "$board" = posix ] || app_target=updown-appliance-qemu
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target updownctl "$app_target" >/dev/null
ctl=$build/tools/updownctl
app=$build/firmware/$app_target
[ -x "$ctl" ] && [ -x "$app" ] || die "build did not produce updownctl and $app_target"

# ---- cleanup of what this run starts ----
ns=updown-demo-$$
app_pid=''
vm=''
cleanup() {
	if [ -n "$vm" ]; then
		"$top/board/qemu/boot" "$vm" --stop --stop-timeout 10 >/dev/null 2>&1 || true
	fi
	if [ -n "$app_pid" ] && kill -0 "$app_pid" 2>/dev/null; then
		kill -TERM "$app_pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$app_pid" 2>/dev/null || true
	fi
	ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 1' INT TERM

rm -rf "$out"
mkdir -p "$out"/{logs,operators,bundles,children,softhsm/tokens}
chmod 0755 "$out"
: >"$out/logs/demo.log"
conf=$out/conf
child=$out/child
tab=$conf/table.txt
if [ "$board" = posix ]; then
	lwip=10.77.0.2
	kern=10.77.0.1
	base=http://$lwip/updown/
	prov=http://$lwip:81/provision
	net=(--address "$lwip/24" --http-port 80)
	state=$conf/state
	repo=$conf/repository
else
	# freeport: a port on 127.0.0.1 nothing answers on.
	freeport() {
		local p
		for _ in $(seq 50); do
			p=$((20000 + RANDOM % 30000))
			[ "$p" != "${1:-}" ] || continue
			(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
		done
		die "no free port on 127.0.0.1"
	}
	port=$(freeport)
	pport=$(freeport "$port")
	base=http://127.0.0.1:$port/updown/
	prov=http://127.0.0.1:$pport/provision
	# The image carries SoftHSM at Debian's multiarch path; the appliance
	# takes the board's address (10.0.2.15, behind QEMU's forwards).
	module=/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so
	net=()
	vmdir=$out/vm
	# What the appliance wrote on its data disk, copied out by board/qemu/extract.
	state=$out/appliance/state
	repo=$out/appliance/repo
fi

say "key ceremony in SoftHSM (a fresh token in $out/softhsm)"
printf 'directories.tokendir = %s/softhsm/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
	"$out" >"$out/softhsm/softhsm2.conf"
export SOFTHSM2_CONF=$out/softhsm/softhsm2.conf
od -An -N8 -tx1 /dev/urandom | tr -d ' \n' >"$out/softhsm/user.pin"
od -An -N8 -tx1 /dev/urandom | tr -d ' \n' >"$out/softhsm/so.pin"
chmod 0600 "$out/softhsm/user.pin" "$out/softhsm/so.pin"
note "three operators, each with a key of their own (files here; a token works too)"
for op in alice bob carol; do
	openssl genrsa -out "$out/operators/$op.key" 2048 2>/dev/null
	openssl rsa -in "$out/operators/$op.key" -pubout -out "$out/operators/$op.pem" 2>/dev/null
done
showq '^(token|  label|keys|  (CA|BPKI TA|BPKI EE) key|    label|operators|  operators/|TAL|rsync:|certificates|  ca-|    resources)' \
	"$ctl" ceremony --dir "$conf" --hsm-module "$module" --init-token updown-demo \
	--so-pin-source "file:$out/softhsm/so.pin" --pin-source "file:$out/softhsm/user.pin" \
	--handle demo-nir --class DEFAULT --service-uri-base "$base" \
	--rsync-base rsync://rpki.demo.test/repo/ \
	--resources "as=64496-64511;ipv4=10.0.0.0/8;ipv6=2001:db8::/32" \
	--operator "$out/operators/alice.pem" --operator "$out/operators/bob.pem" \
	--operator "$out/operators/carol.pem" --threshold 2 "${net[@]}"
note "full record: $conf/ceremony-record.txt"

say "onboarding three children (RFC 8183)"
note "two from Krill's child_requests (tests/data/interop); they are registered, never talk"
show "$ctl" onboard --dir "$conf" --table "$tab" -o "$out/children/rand.parent_response.xml" \
	"$interop/krill/test-resources/oob/apnic/child_request.xml"
show "$ctl" onboard --dir "$conf" --table "$tab" \
	-o "$out/children/child-request-compact.parent_response.xml" \
	"$interop/krill/test-resources/testbed/child_request_compact.xml"
note "and our own child client, demo-child"
show "$ctl" child init --dir "$child" --handle demo-child
show "$ctl" onboard --dir "$conf" --table "$tab" -o "$out/children/demo-child.parent_response.xml" \
	"$child/child_request.xml"
show "$ctl" child parent --dir "$child" "$out/children/demo-child.parent_response.xml"

say "allocation table, version 2: grants for the three children"
notafter=$(date -u -d '+180 days' +%Y-%m-%dT00:00:00Z)
sed -i 's/^version 1$/version 2/' "$tab"
cat >>"$tab" <<EOF

grant rand DEFAULT as=64500 ipv4=10.1.0.0/16 notafter=$notafter
grant child-request-compact DEFAULT ipv4=10.3.0.0/16 ipv6=2001:db8:3::/48 notafter=$notafter
grant demo-child DEFAULT as=64496 ipv4=10.2.0.0/16 ipv6=2001:db8:2::/48 notafter=$notafter
EOF
grep '^grant' "$tab" | sed 's/^/     /'
show "$ctl" table validate "$tab" --holdings "$conf"
cp "$tab" "$out/bundles/table-v2.txt"

say "bundle v2, signed by 2 of the 3 operators (alice, bob)"
b2=$out/bundles/bundle-v2.der
showq '^(.*: table version|  comment|  table:)' "$ctl" bundle create "$out/bundles/table-v2.txt" -o "$b2" --comment "three children"
showq 'signing as|signatures? now' "$ctl" bundle sign "$b2" --key "$out/operators/alice.key" --dir "$conf"
showq 'signing as|signatures? now' "$ctl" bundle sign "$b2" --key "$out/operators/bob.key" --dir "$conf"
showq '^  (signature|operators)|accepted' "$ctl" bundle verify "$b2" --dir "$conf"

say "booting the appliance: $board board"
if [ "$board" = posix ]; then
	[ -z "$why_not_qemu" ] || note "(not the QEMU board: $why_not_qemu)"
	note "network namespace $ns, TAP device tap0: kernel side $kern, lwIP $lwip"
	ip netns add "$ns"
	ip netns exec "$ns" sh -c "ip link set lo up && ip tuntap add dev tap0 mode tap &&
		ip link set tap0 up && ip addr add $kern/24 dev tap0"
	ip netns exec "$ns" "$app" --config "$conf/updown.conf" --tap tap0 --log-level info \
		>"$out/logs/appliance.log" 2>&1 &
	app_pid=$!
	for _ in $(seq 300); do
		grep -q '^updown-appliance: address' "$out/logs/appliance.log" && break
		kill -0 "$app_pid" 2>/dev/null || { tail "$out/logs/appliance.log"; die "the appliance exited"; }
		sleep 0.1
	done
	grep '^updown-appliance: address' "$out/logs/appliance.log" | sed 's/^/     /' ||
		die "the appliance did not start (see $out/logs/appliance.log)"
	for _ in $(seq 50); do
		ip netns exec "$ns" bash -c "exec 3<>/dev/tcp/$lwip/80" 2>/dev/null && break
		sleep 0.1
	done
	nsx() { ip netns exec "$ns" "$@"; }
	tmo=()

	say "delivering bundle v2 to the provisioning endpoint ($prov)"
	showq 'delivered' nsx "$ctl" bundle deliver "$b2" --to "$prov"
else
	note "the image: kernel, initramfs with the appliance and SoftHSM; a data disk with"
	note "the configuration, the token and bundle v2 (applied at boot); the PIN stays"
	note "on the host and reaches the VM through fw_cfg"
	showq '^build-image: (initramfs|data disk|image ready)' "$top/board/qemu/build-image" \
		--firmware "$app" --out "$vmdir" --reset-data --config "$conf" \
		--token-dir "$out/softhsm/tokens" --pin-file "$out/softhsm/user.pin" --bundle "$b2"
	note "QEMU (TCG): 127.0.0.1:$port -> children's endpoint (10.0.2.15:80),"
	note "127.0.0.1:$pport -> provisioning endpoint (10.0.2.15:81)"
	vm=$vmdir
	ln -sf ../vm/console.log "$out/logs/appliance.log"
	show "$top/board/qemu/boot" "$vmdir" --port "$port" --prov-port "$pport" --background
	# Ready when the appliance answers HTTP through the forward (any status).
	# Short GETs, not the list itself: slirp holds a connection made before
	# the guest listens and delivers it late (docs/qemu-board.md).
	for i in $(seq 600); do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "${base}demo-child" 2>/dev/null) || true
		case $code in 000 | '') ;; *) break ;; esac
		pid=$(cat "$vmdir/qemu.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null ||
			{ tail "$vmdir/console.log"; die "QEMU exited before the appliance answered"; }
		[ "$i" -lt 600 ] || die "no HTTP answer through the forward within 120 s (see $vmdir/console.log)"
		sleep 0.2
	done
	grep -E 'updown-appliance: (address|bundle)' "$vmdir/console.log" | cut -c1-150 | sed 's/^/     /'
	grep -q 'bundle /data/bundle: 200' "$vmdir/console.log" ||
		die "the console does not show bundle v2 applied at boot (see $vmdir/console.log)"
	nsx() { "$@"; }
	# TCG: signing in the VM's SoftHSM is slower than on the host.
	tmo=(--timeout 60)
fi

say "demo-child: list"
show nsx "$ctl" child list --dir "$child" "${tmo[@]}"

say "demo-child: issue"
showq '^(parent|  up-down|    certificate|    issuer|      subject|      certified|stored)' \
	nsx "$ctl" child issue --dir "$child" --class DEFAULT "${tmo[@]}" \
	--sia-repo rsync://rpki.demo.test/demo-child/ --sia-mft rsync://rpki.demo.test/demo-child/demo-child.mft
"$ctl" inspect --json "$child/certs/DEFAULT.cer" >"$out/logs/cert-v2.json"
serial1=$(jpy "$out/logs/cert-v2.json" "d[0]['certificate']['serial']")

say "the operators shrink demo-child: ipv4 10.2.0.0/16 -> 10.2.0.0/17 (table v3)"
sed -e 's/^version 2$/version 3/' \
	-e 's|^grant demo-child DEFAULT as=64496 ipv4=10.2.0.0/16 |grant demo-child DEFAULT as=64496 ipv4=10.2.0.0/17 |' \
	"$out/bundles/table-v2.txt" >"$out/bundles/table-v3.txt"
if [ "$board" = qemu ]; then
	note "the appliance's state store, copied off the running VM's data disk (it is idle):"
	show "$top/board/qemu/extract" "$vmdir" "$out/appliance" --state
fi
note "what will change, against the appliance's state store (read-only):"
show "$ctl" table diff "$out/bundles/table-v2.txt" "$out/bundles/table-v3.txt" --state "$state"
grep -q "serial $serial1 demo-child/DEFAULT: re-issued smaller" "$out/logs/last.out" ||
	die "the diff does not name demo-child's certificate as re-issued smaller"
b3=$out/bundles/bundle-v3.der
showq '^(.*: table version|  comment)' "$ctl" bundle create "$out/bundles/table-v3.txt" -o "$b3" --comment "shrink demo-child"
note "signed by bob and carol this time"
showq 'signing as' "$ctl" bundle sign "$b3" --key "$out/operators/bob.key" --dir "$conf"
showq 'signing as' "$ctl" bundle sign "$b3" --key "$out/operators/carol.key" --dir "$conf"
showq 'accepted' "$ctl" bundle verify "$b3" --dir "$conf" --state "$state"
note "delivering it to the provisioning endpoint ($prov)"
showq 'delivered' nsx "$ctl" bundle deliver "$b3" --to "$prov" "${tmo[@]}"

say "demo-child: the next list shows the re-issued certificate"
showq '^(parent|  up-down|    resource_set_ipv4|    certificate|    issuer|      subject|      certified)' \
	nsx "$ctl" child list --dir "$child" "${tmo[@]}"
nsx "$ctl" child list --dir "$child" "${tmo[@]}" --json >"$out/logs/list-v3.json"
got=$(jpy "$out/logs/list-v3.json" "[(x['certificate']['serial'], x['certificate']['resources']['ipv4']) for x in d['message']['classes'][0]['certificates']]")
case $got in
"[('$serial1', "*) die "the certificate was not re-issued: $got" ;;
*"'10.2.0.0/17')]") note "re-issued: serial $serial1 -> $(jpy "$out/logs/list-v3.json" "d['message']['classes'][0]['certificates'][0]['certificate']['serial']"), ipv4 10.2.0.0/17" ;;
*) die "unexpected certificates after the shrink: $got" ;;
esac

say "demo-child: revoke"
show nsx "$ctl" child revoke --dir "$child" --class DEFAULT "${tmo[@]}"

if [ "$board" = posix ]; then
	say "stopping the appliance (SIGTERM)"
	kill -TERM "$app_pid"
	rc=0
	wait "$app_pid" || rc=$?
	app_pid=''
	tail -2 "$out/logs/appliance.log" | sed 's/^/     /'
	[ "$rc" = 0 ] || die "the appliance exited $rc"
	ip netns del "$ns"
else
	say "stopping the appliance (the VM's power button: SIGTERM for the firmware)"
	show "$top/board/qemu/boot" "$vmdir" --stop
	vm=''
	grep -E 'updown-appliance: stopped|firmware exited' "$vmdir/console.log" | cut -c1-150 | sed 's/^/     /'
	grep -q 'updown-init: firmware exited with status 0' "$vmdir/console.log" ||
		die "no clean stop: the firmware did not exit 0 (see $vmdir/console.log)"
	note "the publication tree and the store, copied off the data disk (no mount):"
	show "$top/board/qemu/extract" "$vmdir" "$out/appliance" --repo --state
fi

say "relying parties: rpki-client and FORT on the publication point"
show "$top/tests/referees/run-referees" "$conf/ta.tal" "$repo"

say "audit log (updownctl inspect $state)"
"$ctl" inspect "$state" >"$out/logs/audit.txt" || die "the audit log does not verify"
grep -E '^  #' "$out/logs/audit.txt" | cut -c1-110 | tail -8 | sed 's/^/     /'
grep -E '^  chain:' "$out/logs/audit.txt" | sed 's/^/     /'
grep -q '^  chain: VALID' "$out/logs/audit.txt" || die "the audit chain is not valid"

say "exchange log: every request and response, raw (updownctl inspect $state/exchanges/FILE)"
for f in "$state"/exchanges/*.log; do
	[ -e "$f" ] || die "no exchange log file in $state/exchanges"
	"$ctl" inspect "$f" >"$out/logs/exchanges-$(basename "$f" .log).txt" ||
		die "the exchange log $f does not decode"
	note "$(basename "$f"): $(tail -n 1 "$out/logs/exchanges-$(basename "$f" .log).txt")"
done

say "done in $(($(date +%s) - t0)) s; everything is in $out"
if [ "$board" = qemu ]; then
	where="board qemu:      $vmdir (data.img: the appliance's disk; console.log; boot it again:
                   board/qemu/boot $vmdir --port $port --prov-port $pport)"
else
	where="board posix:     $app (its log: $out/logs/appliance.log)"
fi
tokennote=''
[ "$board" = posix ] || tokennote="
                   (the ceremony's; the appliance used its copy on $vmdir/data.img)"
cat <<EOT
  $where
  TAL:             $conf/ta.tal
  repository:      $repo/ (rsync://rpki.demo.test/repo/ laid out as files)
  audit log:       $state/updown.db (printed, chain verdict: $out/logs/audit.txt)
  exchange log:    $state/exchanges/ (raw requests and responses, UD-160; decoded in $out/logs/exchanges-*.txt)
  configuration:   $conf/updown.conf, ceremony record $conf/ceremony-record.txt
  allocation:      $out/bundles/table-v{2,3}.txt and the signed bundles beside them
  HSM token:       $out/softhsm (SOFTHSM2_CONF=$out/softhsm/softhsm2.conf; PINs beside it, demo only)$tokennote
  operators:       $out/operators/{alice,bob,carol}.{key,pem} (keys in files: demo only)
  child client:    $child (parent_responses in $out/children)
  logs:            $out/logs/appliance.log, $out/logs/demo.log (every command's output)
  tools:           $ctl, $app
EOT
