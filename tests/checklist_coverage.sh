#!/bin/sh
# Every item of the RFC 6492 checklist (tests/data/updown-checklist.md) must be
# named (as "UD-nn") by a test source under tests/, or have a row in
# tests/CHECKLIST.md saying which later component will cover it.
# Prints the items that are neither, and exits 1 if there are any.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
ids=$(grep -oE '^- \*\*UD-[0-9]+' "$top/tests/data/updown-checklist.md" | sed 's/.*UD-//')
missing=0 tested=0 later=0
for id in $ids; do
	if grep -rqE "UD-$id([^0-9]|\$)" --include='*.c' --include='*.sh' "$top/tests" \
	    --exclude=checklist_coverage.sh 2>/dev/null; then
		tested=$((tested + 1))
	elif grep -qE "^\| UD-$id \| later: " "$top/tests/CHECKLIST.md"; then
		later=$((later + 1))
	else
		echo "UD-$id: no test names it and tests/CHECKLIST.md gives no later component"
		missing=$((missing + 1))
	fi
done
echo "checklist: $tested items named by tests, $later left to later components, $missing uncovered"
[ "$missing" -eq 0 ]
