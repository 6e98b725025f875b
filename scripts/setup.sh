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
	p11-kit libp11-kit-dev softhsm2 opensc libhttp-parser-dev \
	openssl ca-certificates dpkg-dev \
	rpki-client fort-validator >/dev/null
