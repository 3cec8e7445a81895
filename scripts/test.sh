#!/usr/bin/env bash
# Runs every test of the project, as CI does:
#
#   scripts/test.sh
#
# It installs what a fresh machine lacks (Ollama v0.11.4 built with
# `go install`, the Node packages of the client tests), brings up the real
# Ollama with the bundled tiny model on 127.0.0.1:11435, runs vet, the unit
# tests and the integration tests with the race detector, then each fuzz
# target for a short time, and stops the Ollama it started.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
say() { printf '\n== %s\n' "$*" >&2; }

say "installing Ollama if needed"
scripts/ollama.sh install

started=0
if ! scripts/ollama.sh status >/dev/null 2>&1; then
	started=1
fi
say "bringing up Ollama with the test model"
eval "$(scripts/ollama.sh up)"
if [[ $started == 1 ]]; then
	trap 'scripts/ollama.sh down' EXIT
fi
export JESSY_TEST_OLLAMA_HOST=$OLLAMA_HOST JESSY_TEST_MODEL=$LLM_MODEL

if [[ -x scripts/setup-node.sh ]]; then
	say "installing the Node client test's packages"
	scripts/setup-node.sh
	export JESSY_REQUIRE_NODE=1
fi

say "go vet"
go vet -tags integration ./...

say "unit and integration tests (race detector on)"
log=$(mktemp)
set +e
go test -race -count=1 -tags integration -timeout 30m ./... 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
passed=$(grep -c '^ok ' "$log" || true)
failed=$(grep -c '^FAIL' "$log" || true)
rm -f "$log"
if [[ $status != 0 ]]; then
	echo "packages: $passed passed, $failed failed"
	exit "$status"
fi

if [[ -x scripts/fuzz.sh ]]; then
	say "fuzz targets"
	scripts/fuzz.sh
fi
say "all tests passed"
echo "packages: $passed passed, 0 failed"
