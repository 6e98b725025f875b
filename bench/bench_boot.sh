#!/usr/bin/env bash
# bench/bench_boot.sh: VM boot-to-serving time of the QEMU appliance.
#
#   bench/bench_boot.sh --firmware PATH [--updownctl PATH] [--runs N]
#                       [--work DIR] [--bzimage] [--arg WORD]... [--kvm]
#
# Builds an image around the firmware (board/qemu/build-image) and boots it
# N times (default 5) under TCG. For each boot it measures, from the moment
# board/qemu/boot is started:
#   init    the console shows /init starting the firmware (kernel + modules
#           + mounts);
#   serve   the first HTTP answer (any status) through the forwarded port:
#           what a client sees.
# and prints each run (with the guest's own uptime at the firmware's start), then the median, min and max. --bzimage also boots
# the stock compressed kernel (/boot/vmlinuz-*) for comparison with the
# unpacked PVH kernel that build-image uses.
#
# The real appliance: --firmware BUILD/firmware/updown-appliance-qemu
# --updownctl BUILD/tools/updownctl. The bench then runs a key ceremony in
# a SoftHSM token of its own (one class, no children) and builds the image
# with that configuration and token, so each boot opens the HSM, the store
# and the engine, reconciles and serves. With qemu_testfw (board bring-up,
# no --updownctl) the bench passes --no-hsm-check unless --arg is given.
# Not a test: it prints numbers (runs take ~5 s each).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
firmware='' ctl='' work='' runs=5 bzimage=0 kvm=()
args=()
while [ $# -gt 0 ]; do
	case $1 in
	--firmware) firmware=$2; shift 2 ;;
	--updownctl) ctl=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--work) work=$2; shift 2 ;;
	--arg) args+=(--arg "$2"); shift 2 ;;
	--bzimage) bzimage=1; shift ;;
	--kvm) kvm=(--kvm); shift ;;
	-h|--help) sed -n '2,25p' "$0"; exit 0 ;;
	*) echo "bench_boot: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -n "$firmware" ] || { echo "bench_boot: --firmware PATH is required" >&2; exit 2; }
[ ${#args[@]} -gt 0 ] || [ -n "$ctl" ] || args=(--arg --no-hsm-check)
case $runs in ''|*[!0-9]*|0) echo "bench_boot: bad --runs" >&2; exit 2 ;; esac
own_work=0
if [ -z "$work" ]; then
	work=$(mktemp -d /tmp/bench_boot.XXXXXX)
	own_work=1
fi
image=$work/image
cleanup() {
	"$top/board/qemu/boot" "$image" --kill >/dev/null 2>&1 || true
	[ "$own_work" = 0 ] || rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# The appliance: a configuration directory and token from a ceremony.
image_opts=()
if [ -n "$ctl" ]; then
	module=/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so
	mkdir -p "$work/hsm/tokens"
	printf 'directories.tokendir = %s/hsm/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
		"$work" >"$work/hsm/softhsm2.conf"
	od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$work/pin"
	od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$work/so-pin"
	chmod 0600 "$work/pin" "$work/so-pin"
	SOFTHSM2_CONF=$work/hsm/softhsm2.conf "$ctl" ceremony --dir "$work/conf" \
		--hsm-module "$module" --init-token appliance \
		--so-pin-source "file:$work/so-pin" --pin-source "file:$work/pin" \
		--handle bench-parent --class DEFAULT \
		--service-uri-base http://127.0.0.1/updown/ \
		--rsync-base rsync://rpki.example.net/repo/ \
		--resources "as=64496-64511;ipv4=192.0.2.0/24" >"$work/ceremony.log" 2>&1 ||
		{ cat "$work/ceremony.log" >&2; echo "bench_boot: ceremony failed" >&2; exit 1; }
	image_opts=(--config "$work/conf" --token-dir "$work/hsm/tokens" --pin-file "$work/pin")
fi
"$top/board/qemu/build-image" --firmware "$firmware" --out "$image" --reset-data \
	"${image_opts[@]}" "${args[@]}" >/dev/null

port=
for _ in $(seq 50); do
	p=$((20000 + RANDOM % 30000))
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		port=$p
		break
	fi
done
[ -n "$port" ] || { echo "bench_boot: no free port" >&2; exit 1; }

# one_boot: prints "INIT SERVE GUEST" seconds (GUEST: the guest's uptime
# when /init started the firmware, as /init prints it).
one_boot() {
	local t0 t_init t_serve='' deadline watcher guest
	rm -f "$work/t_init"
	t0=$(now)
	"$top/board/qemu/boot" "$image" --port "$port" --background "${kvm[@]}" >/dev/null
	# The console line, watched apart from the HTTP probe (which blocks
	# while slirp holds the connection for a guest not yet listening).
	(
		until grep -q 'updown-init: starting /firmware' "$image/console.log"; do
			sleep 0.02
		done
		now >"$work/t_init"
	) &
	watcher=$!
	deadline=$(( $(date +%s) + 120 ))
	while [ -z "$t_serve" ]; do
		# Short attempts: slirp accepts at once and holds a connection whose
		# SYN the guest missed until its own retransmission (3 s, 6 s, ...),
		# so one long attempt would measure slirp's backoff, not the guest.
		if curl -s -o /dev/null --max-time 0.5 --data-binary x "http://127.0.0.1:$port/test"; then
			t_serve=$(now)
		else
			sleep 0.02
		fi
		if [ -z "$t_serve" ] && [ "$(date +%s)" -ge "$deadline" ]; then
			kill "$watcher" 2>/dev/null || true
			echo "bench_boot: no answer within 120 s" >&2
			tail -n 20 "$image/console.log" >&2
			exit 1
		fi
	done
	wait "$watcher" || true
	t_init=$(cat "$work/t_init")
	guest=$(sed -n 's/.*starting \/firmware (uptime \([0-9.]*\) s).*/\1/p' "$image/console.log")
	"$top/board/qemu/boot" "$image" --kill >/dev/null
	echo "$(elapsed "$t0" "$t_init") $(elapsed "$t0" "$t_serve") ${guest:-?}"
}

# series LABEL: N boots, then the summary line.
series() {
	local label=$1 i r ti ts tg
	: >"$work/times"
	for i in $(seq "$runs"); do
		r=$(one_boot)
		read -r ti ts tg <<<"$r"
		echo "  $label run $i: /init starts the firmware at $ti s (guest uptime $tg s), serving at $ts s"
		echo "$r" >>"$work/times"
	done
	sort -n -k2 "$work/times" | awk -v label="$label" '
		{ s[NR] = $2 }
		END {
			m = (NR % 2) ? s[(NR + 1) / 2] : (s[NR / 2] + s[NR / 2 + 1]) / 2
			printf "%s: boot-to-serving median %.2f s (min %.2f, max %.2f; %d runs)\n",
			    label, m, s[1], s[NR], NR
		}'
}

accel=TCG
[ ${#kvm[@]} -eq 0 ] || accel=KVM
echo "bench_boot: $(basename "$firmware"), $accel, $(cat "$image/kernel.kind") kernel, initramfs $(du -h "$image/initramfs.cpio.zst" | cut -f1)"
series "$(cat "$image/kernel.kind")"
if [ "$bzimage" = 1 ]; then
	src=$(grep '^kernel_src=' "$image/image.env" | cut -d= -f2-)
	cp "$src" "$image/kernel"
	rm -f "$image/kernel.stamp"
	series bzImage
fi
