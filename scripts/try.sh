#!/usr/bin/env bash
# Brings everything up and answers a question with jessy:
#
#   scripts/try.sh "Why is the sky blue?"   [jessy flags...]
#
# With a backend of your own configured (LLM_PROVIDER, or LLM_MODEL with
# OLLAMA_HOST), it uses that. Otherwise it builds Ollama v0.11.4 if needed
# (about 4 minutes the first time), starts it on 127.0.0.1:11435 with the
# bundled tiny model (stories260k, a TinyStories model: it writes children's
# stories, not answers), and asks there. The server keeps running for the
# next question; `scripts/ollama.sh down` stops it.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

if [[ $# -eq 0 ]]; then
	set -- "Why is the sky blue?"
fi

echo "try.sh: building jessy" >&2
go build -o bin/jessy ./cmd/jessy

if [[ -z ${LLM_PROVIDER:-} && ( -z ${LLM_MODEL:-} || -z ${OLLAMA_HOST:-} ) ]]; then
	eval "$(scripts/ollama.sh up)"
	# The tiny model's context is 2048 tokens (it was trained on 512): keep
	# the thoughts short so the synthesis prompt fits.
	set -- --max-tokens 48 --synthesis-max-tokens 160 "$@"
	echo "try.sh: using the bundled model $LLM_MODEL at $OLLAMA_HOST" >&2
fi
exec bin/jessy "$@"
