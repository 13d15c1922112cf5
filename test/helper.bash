# Shared set-up for every bats file: assertions, the build on PATH, background
# processes that teardown always kills, and waiting helpers. Load it with
#   load helper
#
# Set-up once per run, not once per test (bats sources this file again for
# each of the suite's ~1,700 tests, and this part cost ~0.16 s each): the
# first test of a run writes what it finds to a cache in BATS_RUN_TMPDIR,
# keyed by the build: bats-support's and bats-assert's functions, whether the
# build is sanitized; every later test sources that one file, without a fork.
TOP="${BATS_TEST_DIRNAME%/*}"
BUILD="${VLCNET_BUILD:-$TOP/build}"
vn_setup_cache="${BATS_RUN_TMPDIR:-}/vlcnet-setup${BUILD//[^A-Za-z0-9]/_}.bash"
if [ -n "${BATS_RUN_TMPDIR:-}" ] && [ -f "$vn_setup_cache" ]; then
	source "$vn_setup_cache"
else
	vn_before=" $(compgen -A function | tr '\n' ' ') "
	bats_load_library bats-support 2>/dev/null || load '/usr/lib/bats/bats-support/load'
	bats_load_library bats-assert 2>/dev/null || load '/usr/lib/bats/bats-assert/load'
	# A sanitized build (make check-sanitize) links libasan. The stock
	# interpreters then get it preloaded (through wrappers first on PATH), so
	# that vlcnet.so runs sanitized inside them too.
	SANITIZED=
	if ldd "$BUILD/vlcnet-connect" 2>/dev/null | grep -q libasan; then
		SANITIZED=1
		sanbin="${BATS_RUN_TMPDIR:-${TMPDIR:-/tmp}}/sanitized-bin"
		mkdir -p "$sanbin"
		for interp in lua5.1 luajit; do
			real=$(command -v "$interp") || continue
			printf '#!/bin/sh\nLD_PRELOAD=%s exec %s "$@"\n' \
				"$(cc -print-file-name=libasan.so)" "$real" >"$sanbin/$interp.new"
			chmod +x "$sanbin/$interp.new"
			mv "$sanbin/$interp.new" "$sanbin/$interp"
		done
	fi
	# python3 is Debian's, the one setup.sh installs: a version manager's shim
	# first on PATH (pyenv's is a shell script that takes a second or more to
	# start on a loaded machine) would be paid at each of the suite's hundreds
	# of python3 starts.
	PYTHON_SHIM=
	[ ! -x /usr/bin/python3 ] || [ "$(command -v python3)" = /usr/bin/python3 ] || PYTHON_SHIM=1
	if [ -n "${BATS_RUN_TMPDIR:-}" ]; then
		vn_new=()
		for vn_f in $(compgen -A function); do
			[[ $vn_before == *" $vn_f "* ]] || vn_new+=("$vn_f")
		done
		# Written aside, then renamed: files running in parallel may race here.
		# Plain assignments, not declare -p: bats sources this file inside a
		# function, where a declare would make the variables local to it.
		{ declare -f "${vn_new[@]}"
		  printf 'SANITIZED=%q\nPYTHON_SHIM=%q\n' "$SANITIZED" "$PYTHON_SHIM"; } \
			>"$vn_setup_cache.$$" &&
			mv "$vn_setup_cache.$$" "$vn_setup_cache"
	fi
fi
# This project's own mock-server library, from the checkout.
load "$BATS_TEST_DIRNAME/../lib/bats-vlcnet/load"
PATH="$BUILD:$PATH"
FIXTURES="$TOP/test/fixtures"
export LC_ALL=C
if [ -n "$SANITIZED" ]; then
	sanbin="${BATS_RUN_TMPDIR:-${TMPDIR:-/tmp}}/sanitized-bin"
	[[ ":$PATH:" == *":$sanbin:"* ]] || PATH="$sanbin:$PATH"
fi
pybin="${BATS_RUN_TMPDIR:-${TMPDIR:-/tmp}}/python-bin"
if [ -n "$PYTHON_SHIM" ] && [[ ":$PATH:" != *":$pybin:"* ]]; then
	mkdir -p "$pybin"
	[ -e "$pybin/python3" ] || ln -s /usr/bin/python3 "$pybin/python3" 2>/dev/null || true
	PATH="$pybin:$PATH"
fi

# first_pass_only WHAT: skip in the second and third passes of ./setup.sh test
# (VLCNET_REPEAT_PASS) what does not depend on the build's flavour: shell
# completions, the man pages' agreement with --help, the test harness, the
# bats library (the Makefile's BATS_ONCE, which those passes leave out).
first_pass_only() {
	[ -z "${VLCNET_REPEAT_PASS:-}" ] || skip "$1 does not depend on the build: the first pass ran it"
}

# skip_if_sanitized WHAT: valgrind, or a descriptor limit too small for the
# sanitizer's own start-up, cannot run a sanitized build; the plain run does.
skip_if_sanitized() {
	[ -z "$SANITIZED" ] || skip "$1 cannot run a sanitized build (the plain run covers it)"
}

# require_tool CMD [PACKAGE]: skip the test when the command CMD is not
# installed; in ./setup.sh test all (VLCNET_REQUIRE_TOOLS set) fail it
# instead, saying which Debian package brings CMD: that run must run it all.
require_tool() {
	command -v "$1" >/dev/null && return 0
	[ -n "${VLCNET_REQUIRE_TOOLS:-}" ] || skip "$1 is not installed"
	echo "$1 is not installed (apt-get install ${2:-$1}); ./setup.sh test all needs it" >&2
	return 1
}

# bg NAME CMD... : run CMD in the background (60 s at most) with stdout in
# $BATS_TEST_TMPDIR/NAME.out and stderr in NAME.err; teardown kills it and
# fails the test if its stderr holds a sanitizer report; wait_bg checks its
# exit status too. Its stdin is /dev/null (as for any & in a script): use
# bg_stdin to give one. Start it in the test's own shell, not under run.
# CMD does not get bats' fd 3 (bats waits until every holder of it is gone
# before it ends the file): a CMD that needs a descriptor 3 of its own is
# given another one (5>FILE and /dev/fd/5).
bg() {
	local name=$1; shift
	timeout 60 "$@" >"$BATS_TEST_TMPDIR/$name.out" 2>"$BATS_TEST_TMPDIR/$name.err" 3>&- &
	bg_record "$name" $!
}

# bg_stdin NAME INPUT CMD... : as bg, with stdin from the file INPUT.
bg_stdin() {
	local name=$1 input=$2; shift 2
	timeout 60 "$@" <"$input" >"$BATS_TEST_TMPDIR/$name.out" 2>"$BATS_TEST_TMPDIR/$name.err" 3>&- &
	bg_record "$name" $!
}

# held_input FIFO [FROM]: make FIFO a named pipe whose reader gets the content
# of the file FROM (none by default), then no end of input until the writer
# ends: when the test kills $held_pid, or at teardown (60 s at most). For a
# tool that must see its input open (a listener that would quit at its end, a
# proxy that ends the tunnel at a half-close) while the test needs it, and
# not for a fixed time. The writer holds no descriptor of bats'.
held_input() {
	local fifo=$1 from=${2:-/dev/null}
	rm -f "$fifo"
	mkfifo "$fifo" || return 1
	{ cat "$from"; exec sleep 60; } 3>&- </dev/null 2>/dev/null >"$fifo" &
	held_pid=$!
	echo "$held_pid" >>"$BATS_TEST_TMPDIR/pids"
}

# bg_record NAME PID: $BATS_TEST_TMPDIR/pids lists the pids, one a line (tests
# read it); $BATS_TEST_TMPDIR/bg also has each one's NAME and the shell that
# started it, the only one that can wait for it.
bg_record() {
	echo "$2" >>"$BATS_TEST_TMPDIR/pids"
	echo "$2 $1 $BASHPID" >>"$BATS_TEST_TMPDIR/bg"
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

# wait_bg [NAME=STATUS...]: wait for every background process of the test
# (bounded by bg's 60 s) and check how each ended: with status 0, or the
# STATUS given for its NAME, and without a sanitizer report on its stderr.
# Says what went wrong, with its stderr, and returns 1 otherwise.
wait_bg() {
	local pid name shell want st a bad=0
	[ -f "$BATS_TEST_TMPDIR/bg" ] || return 0
	while read -r pid name shell; do
		want=0
		for a in "$@"; do
			[ "${a%%=*}" != "$name" ] || want=${a#*=}
		done
		if [ "$shell" != "$BASHPID" ]; then
			echo "wait_bg: $name was started in another shell (bg under run?)" >&2
			bad=1
			continue
		fi
		st=0
		wait "$pid" 2>/dev/null || st=$?
		if [ "$st" != "$want" ]; then
			echo "wait_bg: $name exited with status $st, not $want; its stderr:" >&2
			cat "$BATS_TEST_TMPDIR/$name.err" >&2
			bad=1
		fi
		no_sanitizer_report "$name" || bad=1
	done <"$BATS_TEST_TMPDIR/bg"
	return "$bad"
}

# no_sanitizer_report NAME: the stderr of the background process NAME holds no
# AddressSanitizer, LeakSanitizer or UndefinedBehaviorSanitizer report; if it
# does, it is printed and the status is 1.
no_sanitizer_report() {
	local err="$BATS_TEST_TMPDIR/$1.err"
	grep -Eq -e '^==[0-9]+==ERROR: [A-Za-z]+Sanitizer' -e '^SUMMARY: [A-Za-z]+Sanitizer' \
		-e ': runtime error: ' "$err" 2>/dev/null || return 0
	echo "$1 printed a sanitizer report:" >&2
	cat "$err" >&2
	return 1
}

# A free TCP port on 127.0.0.1 that nothing listens on (for refused tests).
closed_port() {
	pyclient port tcp
}

# vn_cleanup: end the background processes, those of bg and any other pid a
# test wrote to $BATS_TEST_TMPDIR/pids (TERM, then KILL after 5 s), and fail
# if one of bg's printed a sanitizer report.
vn_cleanup() {
	local pid name shell i bad=0
	[ -f "$BATS_TEST_TMPDIR/pids" ] || return 0
	while read -r pid; do
		kill "$pid" 2>/dev/null || true
	done <"$BATS_TEST_TMPDIR/pids"
	while read -r pid; do
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		if kill -0 "$pid" 2>/dev/null; then
			pkill -KILL -P "$pid" 2>/dev/null || true
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done <"$BATS_TEST_TMPDIR/pids"
	[ ! -f "$BATS_TEST_TMPDIR/bg" ] || while read -r pid name shell; do
		[ "$shell" != "$BASHPID" ] || wait "$pid" 2>/dev/null || true
		no_sanitizer_report "$name" || bad=1
	done <"$BATS_TEST_TMPDIR/bg"
	rm -f "$BATS_TEST_TMPDIR/pids" "$BATS_TEST_TMPDIR/bg"
	return "$bad"
}

teardown() {
	local st=0 f
	vlcnet_stop || st=1
	for f in "$BATS_TEST_TMPDIR"/vlcnet-*.err; do
		[ ! -f "$f" ] || no_sanitizer_report "$(basename "$f" .err)" || st=1
	done
	vn_cleanup || st=1
	return "$st"
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

# --- helpers that several files share ---------------------------------------

# lua CODE...: run the chunks in one state of vlcnet-connect (no HOST PORT:
# script only) under run, bounded in time. try(f) prints what pcall(f)
# returns (a direct pcall(net.x) would name the function '?').
lua() {
	local args=(-e 'function try(f) print(pcall(f)) end') c
	for c in "$@"; do args+=(-e "$c"); done
	run timeout 20 vlcnet-connect "${args[@]}"
}

# pyclient MODE ARGS...: the suite's python3 socket client (test/client.py:
# talk, ends, dgram), bounded in time. Its output is what it got.
pyclient() {
	timeout 60 python3 "$TOP/test/client.py" "$@"
}

# fd_count PID: how many descriptors a process holds.
fd_count() {
	ls "/proc/$1/fd" | wc -l
}

# serve NAME SCRIPT [ARGS...]: vlcnet-listen -v --script SCRIPT started by
# bats-vlcnet's vlcnet_listen (127.0.0.1, a free port); sets $port, and
# NAME.out / NAME.err name the server's output as for bg.
serve() {
	local name=$1 script=$2
	shift 2
	vlcnet_listen -v --script "$script" ${1+--} "$@" || return 1
	port=$VLCNET_PORT
	ln -sf "$VLCNET_STDOUT" "$BATS_TEST_TMPDIR/$name.out"
	ln -sf "$VLCNET_STDERR" "$BATS_TEST_TMPDIR/$name.err"
}

# serve_cmd NAME CMD...: run a server CMD (one that announces no port) as bg
# NAME on a free port, set in $port, which CMD's arguments name as {}; returns
# once something listens on it.
serve_cmd() {
	local name=$1 i a args=()
	shift
	port=$(closed_port)
	for a in "$@"; do args+=("${a//\{\}/$port}"); done
	bg "$name" "${args[@]}"
	for ((i = 0; i < 100; i++)); do
		grep -qi "$(printf ':%04X 00000000:0000 0A' "$port")" /proc/net/tcp && return 0
		sleep 0.05
	done
	return 1
}

# make_tree: in $T ($BATS_TEST_TMPDIR/tree), a directory with every file type,
# hidden names and names that need care; the working directory is left at
# $BATS_TEST_TMPDIR.
make_tree() {
	T=$BATS_TEST_TMPDIR/tree
	mkdir -p "$T/dir/sub/deeper" "$T/.hidden-dir"
	cd "$T"
	printf 'hello\n' >reg
	: >empty
	: >.hidden
	: >dir/inner
	: >'dir/sub/x y'
	ln -s reg link
	ln -s nowhere dangling
	ln -s /dev/null devnull
	ln -s dir dirlink
	mkfifo fifo
	python3 -c 'import socket; s = socket.socket(socket.AF_UNIX); s.bind("sock")'
	: >'with space'
	: >$'new\nline'
	: >-dash
	: >--double
	: >$'\xff'
	: >$'bad\xc3('
	: >$'caf\xc3\xa9'
	: >$'tab\there'
	: >'quote"back\slash'
	: >$'ctl\x01\x1f'
	chmod 4755 reg
	chmod 2750 empty
	chmod 1777 dir
	cd "$BATS_TEST_TMPDIR"
}

# make_type_tree: in $d ($BATS_TEST_TMPDIR/tree), one name of each type:
# file (12 bytes), dir, fifo, sock and link (to file).
make_type_tree() {
	d="$BATS_TEST_TMPDIR/tree"
	mkdir -p "$d/dir"
	printf 'twelve bytes' >"$d/file"
	mkfifo "$d/fifo"
	python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$d/sock"
	ln -s file "$d/link"
}

# as_nobody CMD...: run CMD as the user nobody (group nogroup, no other
# groups) when the tests run as root, for whom permissions do not hold; as
# the user running the tests otherwise. CMD may name the tools (the build
# must be open to nobody: it says so when it is not) and files in
# $BATS_TEST_TMPDIR, which it opens to others for that (search only).
as_nobody() {
	[ "$(id -u)" -eq 0 ] || { "$@"; return; }
	local d=$BATS_TEST_TMPDIR
	while [[ $d == "$BATS_RUN_TMPDIR"* ]]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		test -x "$BUILD/vlcnet-connect" -a -x "$BATS_TEST_TMPDIR" || {
		echo "as_nobody: nobody cannot reach $BUILD/vlcnet-connect or $BATS_TEST_TMPDIR" >&2
		return 1
	}
	setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
}

# child_of PID: the pid of PID's one child (bg's timeout runs the tool as
# its child), once there is one; 30 s at most on a loaded machine.
child_of() {
	local i c
	for ((i = 0; i < 600; i++)); do
		c=$(pgrep -P "$1" | head -n 1) && [ -n "$c" ] && { echo "$c"; return 0; }
		sleep 0.05
	done
	echo "process $1 has no child" >&2
	return 1
}

# wait_blocked PID NSOCKS: wait until PID sleeps (state S in /proc/PID/stat)
# holding at least NSOCKS sockets: it has reached the blocking call a test
# means to interrupt, without guessing a delay. (A look that finds no socket
# yet, or no process, is no failure by itself: grep -c and awk then fail, and
# under bats' errexit they ended the test at once, without a word.)
wait_blocked() {
	local pid=$1 want=$2 i n st
	for ((i = 0; i < 600; i++)); do
		st=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || st=gone
		n=$(ls -l "/proc/$pid/fd" 2>/dev/null | grep -c 'socket:') || n=0
		[ "$st" = S ] && [ "$n" -ge "$want" ] && return 0
		[ "$st" != gone ] || break
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

# "${no_grace[@]}" CMD...: CMD with core/sig.c's grace alarm held off (see
# test/no-grace), so that a tool that misses a SIGINT/SIGTERM hangs instead of
# dying of the alarm with the status a handled signal gives.
no_grace=("$TOP/test/no-grace")

# wait_gone PID [SECS]: wait until PID has ended, at most SECS (10); says so
# and returns 1 if it is still running then.
wait_gone() {
	local i
	for ((i = 0; i < ${2:-10} * 20; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	echo "process $1 still runs ${2:-10} s after it was told to end" >&2
	return 1
}

# full PID: wait until PID holds every descriptor below a limit of 16 (ulimit
# -n 16; any above it were inherited): out of descriptors, accept fails with EMFILE.
full() {
	local i n
	for ((i = 0; i < 200; i++)); do
		n=$(ls "/proc/$1/fd" | awk '$1 < 16' | wc -l)
		[ "$n" -eq 16 ] && return 0
		sleep 0.05
	done
	echo "process $1 holds $n descriptors below 16, not 16" >&2
	return 1
}

# wait_udp PORT: wait until a UDP socket is bound to PORT (on any address,
# IPv4 or IPv6): a peer that announces nothing is ready to receive.
wait_udp() {
	local re i
	re=$(printf '^ *[0-9]+: [0-9A-F]+:%04X ' "$1")
	for ((i = 0; i < 200; i++)); do
		grep -Eq "$re" /proc/net/udp /proc/net/udp6 2>/dev/null && return 0
		sleep 0.05
	done
	echo "nothing bound UDP port $1" >&2
	return 1
}

# wait_lines FILE REGEX N [SECS]: wait until N lines of FILE match REGEX.
wait_lines() {
	local i
	for ((i = 0; i < ${4:-10} * 20; i++)); do
		[ "$(grep -Ec -- "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
		sleep 0.05
	done
	echo "timed out waiting for $3 lines /$2/ in $1:" >&2
	cat "$1" >&2 2>/dev/null
	return 1
}

# wait_send_queue PORT: wait until an established TCP connection of the local
# port PORT has bytes in its send queue that the peer has not taken: a server
# stalled by a client that does not read.
wait_send_queue() {
	local i
	for ((i = 0; i < 200; i++)); do
		awk -v p="$(printf '%04X' "$1")" '
			$2 ~ ":" p "$" && $4 == "01" { split($5, q, ":"); if (q[1] != "00000000") f = 1 }
			END { exit !f }' /proc/net/tcp /proc/net/tcp6 && return 0
		sleep 0.05
	done
	echo "no connection of port $1 has a send queue" >&2
	return 1
}
