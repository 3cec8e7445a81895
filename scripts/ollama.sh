#!/usr/bin/env bash
# Runs a private Ollama server with Jessy's test model, for the integration
# tests and the demo.
#
#   scripts/ollama.sh install   build Ollama v0.11.4 with `go install` unless found
#   scripts/ollama.sh up        install if needed, start the server, create the model
#                               (stories260k from ../shared/models/stories260K.gguf,
#                               else `ollama pull` of $JESSY_PULL_MODEL, smollm2:135m);
#                               prints export lines: eval "$(scripts/ollama.sh up)"
#   scripts/ollama.sh installed exit 0 if Ollama $VERSION is installed, 1 if not
#   scripts/ollama.sh down      stop the server
#   scripts/ollama.sh status    say whether it is up (exit 0 if so, 3 if not)
#
# The server listens on 127.0.0.1:${JESSY_OLLAMA_PORT:-11435}, not 11434, so a
# user's own Ollama is left alone, and keeps its models, log and pid under
# .jessy/ollama/ in the repository. Everything but the export lines goes to
# stderr.
set -euo pipefail

readonly VERSION=v0.11.4
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly ROOT
# The test model's weights: the shared copy beside the repository, never a
# copy inside it. Where there is none, `up` pulls a small real model instead.
readonly GGUF=${JESSY_MODEL_GGUF:-$ROOT/../shared/models/stories260K.gguf}
readonly PULL_MODEL=${JESSY_PULL_MODEL:-smollm2:135m}
readonly PORT=${JESSY_OLLAMA_PORT:-11435}
readonly ADDR=127.0.0.1:$PORT
readonly URL=http://$ADDR
readonly STATE=$ROOT/.jessy/ollama
readonly PIDFILE=$STATE/pid
readonly LOG=$STATE/server.log
# How long to wait for a build someone else started, and for the server.
readonly BUILD_WAIT=${JESSY_OLLAMA_BUILD_WAIT:-900}
readonly START_WAIT=${JESSY_OLLAMA_START_WAIT:-60}

say() { printf 'ollama.sh: %s\n' "$*" >&2; }
die() {
	say "$*"
	exit 1
}

# is_wanted BIN: BIN is an Ollama of $VERSION. `go install` builds report
# 0.0.0 from `ollama -v`, so the module version in the binary is read first.
is_wanted() {
	local bin=$1
	[[ -x $bin ]] || return 1
	if command -v go >/dev/null && go version -m "$bin" 2>/dev/null |
		grep -Eq "^[[:space:]]+mod[[:space:]]+github.com/ollama/ollama[[:space:]]+$VERSION([[:space:]]|$)"; then
		return 0
	fi
	"$bin" -v 2>&1 | grep -q "version is ${VERSION#v}\$"
}

# find_ollama prints the path of a wanted Ollama, or fails.
find_ollama() {
	local bin
	if command -v go >/dev/null; then
		bin=$(go env GOPATH)/bin/ollama
		if is_wanted "$bin"; then
			echo "$bin"
			return 0
		fi
	fi
	if bin=$(command -v ollama) && is_wanted "$bin"; then
		echo "$bin"
		return 0
	fi
	return 1
}

cmd_install() {
	local bin waited=0
	if bin=$(find_ollama); then
		say "found Ollama $VERSION at $bin"
		echo "$bin"
		return 0
	fi
	command -v go >/dev/null || die "Go is needed to build Ollama $VERSION"
	# A build of the same version already under way: wait for its binary
	# rather than starting a second one.
	if pgrep -f "go install github.com/ollama/ollama@$VERSION" >/dev/null; then
		say "a build of Ollama $VERSION is running; waiting for it (up to ${BUILD_WAIT}s)"
		while pgrep -f "go install github.com/ollama/ollama@$VERSION" >/dev/null; do
			((waited < BUILD_WAIT)) || die "gave up waiting for the other build after ${BUILD_WAIT}s"
			sleep 5
			waited=$((waited + 5))
		done
		if bin=$(find_ollama); then
			say "the other build finished: $bin"
			echo "$bin"
			return 0
		fi
		say "the other build left no binary; building here"
	fi
	say "building Ollama $VERSION with go install (cgo; about 4 minutes on 2 cores)"
	CGO_ENABLED=1 go install "github.com/ollama/ollama@$VERSION" >&2
	bin=$(find_ollama) || die "go install finished but no Ollama $VERSION was found"
	say "installed $bin"
	echo "$bin"
}

# healthy: the server on $ADDR answers /api/version.
healthy() {
	if command -v curl >/dev/null; then
		curl -fsS --max-time 2 "$URL/api/version" >/dev/null 2>&1
		return
	fi
	# No curl: a bare HTTP request through bash's /dev/tcp.
	timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT &&
		printf 'GET /api/version HTTP/1.0\r\nHost: $ADDR\r\n\r\n' >&3 &&
		head -n1 <&3 | grep -q ' 200 '" 2>/dev/null
}

# ours PID: PID runs (a zombie does not) and is an Ollama.
ours() {
	local args
	args=$(ps -o stat=,args= -p "$1" 2>/dev/null) || return 1
	[[ $args != Z* && $args == *ollama* ]]
}

# group_runs PGID: an Ollama process of the group runs.
group_runs() {
	local p
	for p in $(pgrep -g "$1" 2>/dev/null); do
		ours "$p" && return 0
	done
	return 1
}

# our_pid prints the pid of the server this script started, if it runs.
our_pid() {
	local pid
	[[ -f $PIDFILE ]] || return 1
	pid=$(<"$PIDFILE")
	[[ $pid =~ ^[0-9]+$ ]] && ours "$pid" || return 1
	echo "$pid"
}

start_server() {
	local bin=$1 pid waited=0
	mkdir -p "$STATE/models"
	say "starting Ollama on $ADDR (log $LOG)"
	{
		echo "=== $(date -u +%FT%TZ) ollama serve on $ADDR"
	} >>"$LOG"
	# setsid puts the server and the runners it spawns in a process group of
	# their own, so `down` can stop them together and a ^C to the caller
	# does not. stdin and stdout must not be the caller's, or
	# "$(scripts/ollama.sh up)" would wait for the server to exit.
	OLLAMA_HOST=$ADDR \
		OLLAMA_MODELS=$STATE/models \
		OLLAMA_NUM_PARALLEL=${OLLAMA_NUM_PARALLEL:-8} \
		OLLAMA_KEEP_ALIVE=${OLLAMA_KEEP_ALIVE:-24h} \
		setsid "$bin" serve </dev/null >>"$LOG" 2>&1 &
	pid=$!
	echo "$pid" >"$PIDFILE"
	until healthy; do
		if ! ours "$pid"; then
			tail -n 30 "$LOG" >&2 || true
			rm -f "$PIDFILE"
			die "the server exited before answering; last lines of $LOG above"
		fi
		if ((waited >= START_WAIT * 10)); then
			tail -n 30 "$LOG" >&2 || true
			stop_server
			die "the server did not answer $URL/api/version within ${START_WAIT}s; last lines of $LOG above"
		fi
		sleep 0.1
		waited=$((waited + 1))
	done
	say "up: pid $pid, $URL"
}

# ensure_model makes the model the server runs and prints its name:
# stories260k, created from scripts/stories260k.Modelfile and the shared
# weights at $GGUF unless the server has it from the same Modelfile and
# weights; where no shared copy exists, $PULL_MODEL pulled from Ollama's
# library (which needs the network).
ensure_model() {
	local bin=$1 model=stories260k sum stamp
	if [[ ! -f $GGUF ]]; then
		say "no shared test model at $GGUF; pulling $PULL_MODEL with ollama pull (set JESSY_PULL_MODEL for another)"
		if ! OLLAMA_HOST=$ADDR "$bin" pull "$PULL_MODEL" >>"$LOG" 2>&1; then
			tail -n 5 "$LOG" >&2 || true
			die "could not pull $PULL_MODEL (no network?); put stories260K.gguf at $GGUF or set JESSY_MODEL_GGUF"
		fi
		echo "$PULL_MODEL"
		return 0
	fi
	stamp=$STATE/$model.sha256
	sum=$(cat "$ROOT/scripts/stories260k.Modelfile" "$GGUF" | sha256sum | cut -d' ' -f1)
	if OLLAMA_HOST=$ADDR "$bin" show "$model" >/dev/null 2>&1 &&
		[[ -f $stamp && $(<"$stamp") == "$sum" ]]; then
		say "model $model is there"
		echo "$model"
		return 0
	fi
	say "creating model $model from $GGUF"
	mkdir -p "$STATE"
	{
		echo "FROM $(cd "$(dirname "$GGUF")" && pwd)/$(basename "$GGUF")"
		cat "$ROOT/scripts/stories260k.Modelfile"
	} >"$STATE/Modelfile"
	# create draws progress bars even off a terminal: keep them in the log.
	if ! OLLAMA_HOST=$ADDR "$bin" create "$model" -f "$STATE/Modelfile" >>"$LOG" 2>&1; then
		tail -n 20 "$LOG" >&2 || true
		die "could not create $model; last lines of $LOG above"
	fi
	echo "$sum" >"$stamp"
	echo "$model"
}

cmd_up() {
	local bin pid model
	bin=$(cmd_install)
	if our_pid >/dev/null && healthy; then
		say "already up: pid $(our_pid), $URL"
	elif healthy; then
		say "something else already answers on $URL; using it (OLLAMA_MODELS may not be $STATE/models)"
	else
		if pid=$(our_pid); then
			say "pid $pid does not answer; restarting"
		fi
		stop_server
		start_server "$bin"
	fi
	model=$(ensure_model "$bin")
	echo "export OLLAMA_HOST=$URL"
	echo "export LLM_MODEL=$model"
	echo "export JESSY_TEST_OLLAMA_HOST=$URL"
}

# stop_server stops the server of the pid file and the runners it spawned:
# TERM, up to 10 s for them to go, then KILL. setsid made the server lead a
# process group that its runners share, so the group is what is signalled;
# that also catches runners left behind by a server that was killed.
stop_server() {
	local pid="" target i
	[[ -f $PIDFILE ]] && pid=$(<"$PIDFILE")
	if [[ $pid =~ ^[0-9]+$ ]] && group_runs "$pid"; then
		target=-$pid
	elif [[ $pid =~ ^[0-9]+$ ]] && ours "$pid"; then
		target=$pid
	else
		rm -f "$PIDFILE"
		return 0
	fi
	running() {
		if [[ $target == -* ]]; then group_runs "$pid"; else ours "$pid"; fi
	}
	kill -TERM -- "$target" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		running || break
		sleep 0.1
	done
	if running; then
		say "pid $pid did not stop on TERM; killing it"
		kill -KILL -- "$target" 2>/dev/null || true
	fi
	rm -f "$PIDFILE"
	say "stopped pid $pid"
}

cmd_down() {
	if ! our_pid >/dev/null; then
		stop_server # runners a killed server left behind, if any
		say "not running (no live pid in $PIDFILE)"
		return 0
	fi
	stop_server
}

cmd_status() {
	local pid
	if pid=$(our_pid) && healthy; then
		say "up: pid $pid, $URL"
		return 0
	fi
	if healthy; then
		say "up on $URL, but not started by this script (no live pid in $PIDFILE)"
		return 0
	fi
	if pid=$(our_pid); then
		say "pid $pid is alive but $URL does not answer"
	else
		say "down"
	fi
	return 3
}

case ${1:-} in
install) cmd_install >/dev/null ;;
installed) find_ollama >/dev/null ;;
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
*)
	echo "usage: $0 install|installed|up|down|status" >&2
	exit 2
	;;
esac
