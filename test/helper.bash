# Shared set-up for every bats file: assertions, the build on PATH, background
# processes that teardown always kills, and waiting helpers. Load it with
#   load helper
bats_load_library bats-support 2>/dev/null || load '/usr/lib/bats/bats-support/load'
bats_load_library bats-assert 2>/dev/null || load '/usr/lib/bats/bats-assert/load'

TOP="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
BUILD="${VLCNET_BUILD:-$TOP/build}"
PATH="$BUILD:$PATH"
FIXTURES="$TOP/test/fixtures"
export LC_ALL=C

# A sanitized build (make check SANITIZE=1) links libasan. The stock
# interpreters then get it preloaded (through wrappers first on PATH), so that
# vlcnet.so runs sanitized inside them too.
SANITIZED=
if ldd "$BUILD/vlcnet-connect" 2>/dev/null | grep -q libasan; then
	SANITIZED=1
	sanbin="${BATS_RUN_TMPDIR:-${TMPDIR:-/tmp}}/sanitized-bin"
	mkdir -p "$sanbin"
	# Look up the real interpreters, not wrappers an earlier load put first.
	[[ ":$PATH:" == *":$sanbin:"* ]] || for interp in lua5.1 luajit; do
		real=$(command -v "$interp") || continue
		printf '#!/bin/sh\nLD_PRELOAD=%s exec %s "$@"\n' \
			"$(cc -print-file-name=libasan.so)" "$real" >"$sanbin/$interp.new"
		chmod +x "$sanbin/$interp.new"
		mv "$sanbin/$interp.new" "$sanbin/$interp"
	done
	[[ ":$PATH:" == *":$sanbin:"* ]] || PATH="$sanbin:$PATH"
fi

# skip_if_sanitized WHAT: valgrind, or a descriptor limit too small for the
# sanitizer's own start-up, cannot run a sanitized build; the plain run does.
skip_if_sanitized() {
	[ -z "$SANITIZED" ] || skip "$1 cannot run a sanitized build (the plain run covers it)"
}

# bg NAME CMD... : run CMD in the background (60 s at most) with stdout in
# $BATS_TEST_TMPDIR/NAME.out and stderr in NAME.err; teardown kills it. Its
# stdin is /dev/null (as for any & in a script): use bg_stdin to give one.
bg() {
	local name=$1; shift
	timeout 60 "$@" >"$BATS_TEST_TMPDIR/$name.out" 2>"$BATS_TEST_TMPDIR/$name.err" &
	echo $! >>"$BATS_TEST_TMPDIR/pids"
}

# bg_stdin NAME INPUT CMD... : as bg, with stdin from the file INPUT.
bg_stdin() {
	local name=$1 input=$2; shift 2
	timeout 60 "$@" <"$input" >"$BATS_TEST_TMPDIR/$name.out" 2>"$BATS_TEST_TMPDIR/$name.err" &
	echo $! >>"$BATS_TEST_TMPDIR/pids"
}

# wait_for FILE REGEX [SECS]: wait until a line of FILE matches REGEX.
wait_for() {
	local file=$1 re=$2 secs=${3:-10} i
	for ((i = 0; i < secs * 20; i++)); do
		grep -Eq -- "$re" "$file" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "timed out waiting for /$re/ in $file:" >&2
	cat "$file" >&2 2>/dev/null
	return 1
}

# port_of NAME: the port NAME announced: a "listening on ADDR:PORT" line on its
# stderr (vlcnet-listen -v) or a "port N" line on its stdout (fixtures, python3).
port_of() {
	local out="$BATS_TEST_TMPDIR/$1.out" err="$BATS_TEST_TMPDIR/$1.err" i p
	for ((i = 0; i < 200; i++)); do
		p=$( { sed -nE 's/.*listening on .*:([0-9]+)$/\1/p' "$err"
		       sed -nE 's/^port ([0-9]+)$/\1/p' "$out"; } 2>/dev/null | head -n 1)
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.05
	done
	echo "no port announced by $1:" >&2
	cat "$out" "$err" >&2 2>/dev/null
	return 1
}

# wait_exit NAME-less: wait for every background process (bounded by bg's 60 s).
wait_bg() {
	local pid
	[ -f "$BATS_TEST_TMPDIR/pids" ] || return 0
	while read -r pid; do wait "$pid" 2>/dev/null || true; done <"$BATS_TEST_TMPDIR/pids"
}

# A free TCP port on 127.0.0.1 that nothing listens on (for refused tests).
closed_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

vn_cleanup() {
	local pid
	[ -f "$BATS_TEST_TMPDIR/pids" ] || return 0
	while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$BATS_TEST_TMPDIR/pids"
	rm -f "$BATS_TEST_TMPDIR/pids"
}

teardown() {
	vn_cleanup
}

# wait_status PID: wait for a background process started by bg and return its
# exit status (bg wraps it in timeout, which passes the status through). Call
# it directly, not through run, whose subshell cannot wait for the process.
wait_status() {
	local pid=$1 i
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	wait "$pid" 2>/dev/null
}

# wait_blocked PID NSOCKS: wait until PID sleeps (state S in /proc/PID/stat)
# holding at least NSOCKS sockets: it has reached the blocking call a test
# means to interrupt, without guessing a delay.
wait_blocked() {
	local pid=$1 want=$2 i n st
	for ((i = 0; i < 200; i++)); do
		st=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)
		n=$(ls -l "/proc/$pid/fd" 2>/dev/null | grep -c 'socket:')
		[ "$st" = S ] && [ "$n" -ge "$want" ] && return 0
		sleep 0.05
	done
	echo "process $pid never blocked with $want sockets (state $st, $n sockets)" >&2
	return 1
}

# fd_count_is PID N: PID holds N descriptors, allowing a moment for the
# descriptors of connections that just ended to be closed.
fd_count_is() {
	local i n
	for ((i = 0; i < 100; i++)); do
		n=$(ls "/proc/$1/fd" | wc -l)
		[ "$n" -eq "$2" ] && return 0
		sleep 0.05
	done
	echo "process $1 holds $n descriptors, not $2" >&2
	return 1
}
