#!/usr/bin/env bash
# Brings everything up and answers a question with jessy:
#
#   scripts/try.sh "Why is the sky blue?"   [jessy flags...]
#
# With a backend of your own configured (LLM_PROVIDER, or LLM_MODEL with
# OLLAMA_HOST), it uses that. Otherwise it builds Ollama v0.11.4 if needed
# (about 5 minutes on 2 cores, the first time only), starts it on
# 127.0.0.1:11435 with the tiny test model (stories260k from
# ../shared/models: it writes children's stories, not answers; where that
# copy is missing, a small real model pulled with `ollama pull`), and asks
# there. The server keeps running for the next question;
# `scripts/ollama.sh down` stops it.
#
# The builds' output goes to .jessy/try.log; the terminal shows what is
# being done and for how long.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
mkdir -p .jessy
readonly LOG=$ROOT/.jessy/try.log
: >"$LOG"

say() { printf 'try.sh: %s\n' "$*" >&2; }

# step WHAT CMD...: runs CMD with its output in $LOG, telling how long it
# has run every few seconds; on failure, shows the log's last lines.
step() {
	local what=$1 start=$SECONDS pid rc=0
	shift
	printf '\n== %s\n' "$what" >>"$LOG"
	"$@" >>"$LOG" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if [[ -t 2 ]]; then
			printf '\rtry.sh: %s ... %ds ' "$what" $((SECONDS - start)) >&2
			sleep 1
		else
			sleep 1
			if (((SECONDS - start) % 30 == 0)); then
				say "$what ... $((SECONDS - start))s"
			fi
		fi
	done
	wait "$pid" || rc=$?
	[[ -t 2 ]] && printf '\r\033[K' >&2
	if ((rc != 0)); then
		tail -n 20 "$LOG" >&2
		say "$what failed (exit $rc); the whole log is $LOG"
		exit "$rc"
	fi
	say "$what: done in $((SECONDS - start))s"
}

if [[ $# -eq 0 ]]; then
	set -- "Why is the sky blue?"
fi

if [[ ! -x bin/jessy ]]; then
	say "first run: building jessy (about 2 minutes on 2 cores; later runs take seconds)"
fi
step "building jessy" go build -o bin/jessy ./cmd/jessy

if [[ -z ${LLM_PROVIDER:-} && (-z ${LLM_MODEL:-} || -z ${OLLAMA_HOST:-}) ]]; then
	if ! scripts/ollama.sh installed; then
		say "first run: building Ollama v0.11.4 with go install (about 5 minutes on 2 cores, once)"
	fi
	step "installing Ollama" scripts/ollama.sh install
	exports=$(scripts/ollama.sh up 2>>"$LOG") || {
		tail -n 20 "$LOG" >&2
		say "could not bring Ollama up; the whole log is $LOG"
		exit 1
	}
	eval "$exports"
	# The tiny model was trained on a 512-token context: keep the thoughts
	# short so the synthesis prompt fits.
	set -- --max-tokens 48 --synthesis-max-tokens 160 "$@"
	say "using $LLM_MODEL on the private Ollama at $OLLAMA_HOST (scripts/ollama.sh down stops it)"
fi
exec bin/jessy "$@"
