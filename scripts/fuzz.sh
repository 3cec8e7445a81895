#!/usr/bin/env bash
# Runs every Go fuzz target of the repository for a fixed number of inputs
# each, as CI does:
#
#   scripts/fuzz.sh                   # 10000 inputs per target (seconds each)
#   FUZZTIME=100000x scripts/fuzz.sh  # more, by hand
#
# The budget is a count, not a duration: with a duration, Go 1.26's fuzzing
# coordinator can fail a target with a bare "context deadline exceeded" when
# the time runs out while a worker is busy (golang/go#75804, fixed in Go
# 1.27), with no failing input. A count never meets that deadline.
#
# Targets are found, not listed here: every package with a `func Fuzz` in a
# test file is asked for its targets with `go test -list '^Fuzz'`. The seed
# corpora under each package's testdata/fuzz/ also run as plain tests in
# `go test`. A failure leaves its input in testdata/fuzz/<Target>/: commit it
# with the fix, as a regression test.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
FUZZTIME=${FUZZTIME:-10000x}

mapfile -t dirs < <(grep -rl --include='*_test.go' -E '^func Fuzz[A-Z0-9_]\w*\(f \*testing\.F\)' . |
	xargs -r -n1 dirname | sort -u)
if [[ ${#dirs[@]} == 0 ]]; then
	echo "fuzz.sh: no fuzz targets found" >&2
	exit 1
fi
count=0
for dir in "${dirs[@]}"; do
	mapfile -t targets < <(go test -list '^Fuzz' "$dir" | grep -E '^Fuzz')
	for target in "${targets[@]}"; do
		printf '\n== %s %s (%s)\n' "$dir" "$target" "$FUZZTIME" >&2
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$dir"
		count=$((count + 1))
	done
done
printf '\n== %d fuzz targets passed\n' "$count" >&2
