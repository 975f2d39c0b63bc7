#!/usr/bin/env bash
# Runs fuzz targets ("./pkg:FuzzName" arguments) for FUZZTIME each.
#
# A target fails when go test fails and either wrote a failing input to
# testdata/fuzz/<FuzzName>/ (a crasher: fix it and keep the file as a seed)
# or failed for another reason. Go 1.26's fuzz coordinator can also end a
# run that found nothing with a bare "context deadline exceeded" at the end
# of -fuzztime when the machine is busy (golang/go#75804, fixed in Go 1.27);
# such a run, with no input written, is reported as that and not counted as
# a failure.
set -uo pipefail
: "${GO:=go}" "${FUZZTIME:=20s}" "${TAGS:=}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=0
for t in "$@"; do
	pkg=${t%%:*} fn=${t##*:}
	dir="$pkg/testdata/fuzz/$fn"
	before=$(ls "$dir" 2>/dev/null | wc -l)
	echo "== $pkg $fn"
	"$GO" test -tags "$TAGS" -run='^$' -fuzz="^$fn\$" -fuzztime="$FUZZTIME" -fuzzminimizetime=10s "$pkg" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	after=$(ls "$dir" 2>/dev/null | wc -l)
	if [ "$rc" -ne 0 ]; then
		if [ "$after" -eq "$before" ] && grep -q '^    context deadline exceeded$' "$log"; then
			echo "-- $fn: no failing input; the run ended by Go's fuzz-coordinator deadline race (golang/go#75804)"
		else
			echo "-- $fn: FAILED (a failing input is kept in $dir)"
			failed=$((failed + 1))
		fi
	fi
done
[ "$failed" -eq 0 ] || { echo "$failed fuzz target(s) failed"; exit 1; }
