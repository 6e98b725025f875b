#!/bin/sh
# Install everything updown needs on Debian 12, as root. Idempotent.
# Every dependency comes from Debian's archive; nothing else is fetched.
set -eu
export DEBIAN_FRONTEND=noninteractive

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

# lwIP is compiled from Debian's source package, so APT needs deb-src lines.
if [ -f /etc/apt/sources.list.d/debian.sources ] &&
   ! grep -q '^Types:.*deb-src' /etc/apt/sources.list.d/debian.sources; then
	$SUDO sed -i 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources
fi

$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
	build-essential cmake pkg-config clang libclang-rt-14-dev \
	libmbedtls-dev libmxml-dev libcmocka-dev libsqlite3-dev \
	p11-kit libp11-kit-dev softhsm2 opensc libhttp-parser-dev libcurl4-openssl-dev libssl-dev \
	openssl ca-certificates dpkg-dev python3 \
	rpki-client fort-validator iproute2 curl \
	qemu-system-x86 linux-image-amd64 busybox-static cpio zstd xz-utils e2fsprogs kmod binutils >/dev/null

# lwIP 2.1.3 from Debian's source package (with Debian's patches), unpacked
# into third_party/lwip for the firmware build, which compiles it with the
# firmware's own lwipopts.h. Nothing of lwIP is committed.
top=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -f "$top/third_party/lwip/src/core/tcp.c" ]; then
	work=$(mktemp -d)
	(cd "$work" && apt-get source -qq lwip >/dev/null 2>&1)
	src=$(find "$work" -maxdepth 1 -type d -name 'lwip-2.1.3*' | head -1)
	if [ -z "$src" ] || [ ! -f "$src/src/core/tcp.c" ]; then
		echo "setup: apt-get source lwip failed" >&2
		rm -rf "$work"
		exit 1
	fi
	mkdir -p "$top/third_party"
	rm -rf "$top/third_party/lwip"
	mv "$src" "$top/third_party/lwip"
	rm -rf "$work"
fi
