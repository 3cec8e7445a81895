#!/usr/bin/env bash
# Installs the Node packages of the client tests (the official openai npm
# package, pinned by package-lock.json) unless they are there already:
#
#   scripts/setup-node.sh
#
# Needs Node.js 20 or later and npm. The Go test server/clienttest runs
# `node --test` with them; with JESSY_REQUIRE_NODE=1 it fails rather than
# skips when node or npm is missing.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=$ROOT/server/clienttest/node
command -v node >/dev/null || { echo "setup-node.sh: node not found; install Node.js 20 or later" >&2; exit 1; }
command -v npm >/dev/null || { echo "setup-node.sh: npm not found" >&2; exit 1; }
if [[ -d $dir/node_modules/openai ]]; then
	exit 0
fi
cd "$dir"
npm ci --no-audit --no-fund >&2
