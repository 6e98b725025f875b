# Shared helpers of the updownctl appliance-command tests (test_ceremony.sh,
# test_onboard.sh, test_table.sh, test_bundle_cmd.sh). Sourced, not run.
#
# Environment (set by ctest): UPDOWNCTL (the binary), UPDOWN_TESTDATA
# (tests/data), OPENSSL (the openssl CLI). Every test works in its own
# temporary directory T, removed at exit; a SoftHSM token lives there too.
set -u

: "${UPDOWNCTL:?UPDOWNCTL must name the updownctl binary}"
: "${UPDOWN_TESTDATA:?UPDOWN_TESTDATA must name tests/data}"
OPENSSL=${OPENSSL:-openssl}
INTEROP=$UPDOWN_TESTDATA/interop
SOFTHSM_MODULE=${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}

T=$(mktemp -d "${TMPDIR:-/tmp}/updown-ctltest.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
NCHECK=0

fail() {
	echo "FAIL: $*" >&2
	if [ -f "$T/out" ]; then echo "--- stdout:" >&2; cat "$T/out" >&2; fi
	if [ -f "$T/err" ]; then echo "--- stderr:" >&2; cat "$T/err" >&2; fi
	exit 1
}

# run WANT CMD...: run CMD with stdout in $T/out, stderr in $T/err; check the exit code.
run() {
	want=$1
	shift
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	NCHECK=$((NCHECK + 1))
	[ "$got" -eq "$want" ] || fail "exit $got, want $want: $*"
}

# ctl WANT ARGS...: run updownctl.
ctl() {
	want=$1
	shift
	run "$want" "$UPDOWNCTL" "$@"
}

# has FILE TEXT / hasnt FILE TEXT: fixed-string search.
has() {
	grep -qF -- "$2" "$1" || fail "$1 lacks '$2'"
}
hasnt() {
	if grep -qF -- "$2" "$1"; then fail "$1 has '$2'"; fi
}

# snap DIR: every entry under DIR with its type, mode and SHA-256 (sorted).
snap() {
	if [ ! -e "$1" ]; then echo "absent"; return; fi
	# the files run() and unchanged_by() write into $T are not the command's
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | grep -v -e '^\./out$' -e '^\./err$' \
	    -e '^\./snap\.[ab]$' | while IFS= read -r f; do
		if [ -f "$f" ]; then
			printf '%s f %s %s\n' "$f" "$(stat -c %a "$f")" "$(sha256sum <"$f" | cut -c1-64)"
		elif [ -d "$f" ]; then
			printf '%s d %s\n' "$f" "$(stat -c %a "$f")"
		else
			printf '%s %s\n' "$f" "$(stat -c %F "$f")"
		fi
	done)
}

# unchanged_by DIR WANT CMD...: CMD exits WANT and leaves DIR exactly as it was.
unchanged_by() {
	dir=$1
	want=$2
	shift 2
	before=$(snap "$dir")
	run "$want" "$@"
	after=$(snap "$dir")
	[ "$before" = "$after" ] || fail "$* changed $dir:
$(printf '%s\n' "$before" >"$T/snap.a"; printf '%s\n' "$after" >"$T/snap.b"; diff "$T/snap.a" "$T/snap.b")"
}

# softhsm_token LABEL: a fresh SoftHSM2 token in $T/softhsm; sets SOFTHSM2_CONF,
# PIN_FILE and TOKEN_URI.
softhsm_token() {
	mkdir -p "$T/softhsm/tokens"
	printf 'directories.tokendir = %s/softhsm/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
	    "$T" >"$T/softhsm/softhsm2.conf"
	SOFTHSM2_CONF=$T/softhsm/softhsm2.conf
	export SOFTHSM2_CONF
	softhsm2-util --init-token --free --label "$1" --pin 1234 --so-pin 5678 >/dev/null ||
	    fail "softhsm2-util --init-token"
	PIN_FILE=$T/softhsm/user.pin
	printf '1234\n' >"$PIN_FILE"
	TOKEN_URI="pkcs11:token=$1?pin-source=file:$PIN_FILE"
}

# softhsm_empty: SoftHSM2 with no initialised token (for --init-token).
softhsm_empty() {
	mkdir -p "$T/softhsm/tokens"
	printf 'directories.tokendir = %s/softhsm/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
	    "$T" >"$T/softhsm/softhsm2.conf"
	SOFTHSM2_CONF=$T/softhsm/softhsm2.conf
	export SOFTHSM2_CONF
	PIN_FILE=$T/softhsm/user.pin
	printf '1234\n' >"$PIN_FILE"
	printf '5678\n' >"$T/softhsm/so.pin"
}

# der2pem FILE: PEM of a DER certificate on stdout.
der2pem() {
	"$OPENSSL" x509 -inform DER -in "$1"
}

done_ok() {
	echo "ok: $NCHECK commands checked"
	exit 0
}
