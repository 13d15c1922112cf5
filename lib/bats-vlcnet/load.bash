# bats-vlcnet: throw-away vlcnet servers for bats tests.
#
#   bats_load_library bats-support
#   bats_load_library bats-assert     # optional
#   bats_load_library bats-vlcnet
#
# vlcnet_listen [OPTIONS...]   start `vlcnet-listen OPTIONS 127.0.0.1 0` (or, with
#                              -U, a socket in the test's temporary directory) in
#                              the background, wait until it accepts, and set
#                              VLCNET_PORT (or VLCNET_SOCKET) and VLCNET_PID, and
#                              VLCNET_STDOUT / VLCNET_STDERR (its output files)
#                              (VLCNET_HOST: another address; VLCNET_REPLY or
#                              VLCNET_REPLY_FILE: its stdin)
# vlcnet_wait [STATUS]         wait for the last server to end (5 s at most) and
#                              fail unless it exited with STATUS (default 0)
# vlcnet_received              what the last server wrote to its stdout, once it
#                              has finished (5 s at most)
# assert_vlcnet_received [-p|--partial|-e|--regexp] EXPECTED
# vlcnet_stop                  end every server of the test; call it in teardown
#
# Each of them waits VLCNET_TIMEOUT seconds at most (default 5).
#
# See bats-vlcnet(7). Needs bats-support (as bats-assert does) and vlcnet-listen
# on PATH (or VLCNET_LISTEN naming it).

# Each server of a test is numbered; its files are
# $BATS_TEST_TMPDIR/vlcnet-N.{port,in,out,err,wait}, its PID in VLCNET_PIDS,
# its exit status in VLCNET_STATUSES once vlcnet_wait has collected it.
VLCNET_PIDS=()
VLCNET_SIGNALLED=()
VLCNET_STATUSES=()

# _vlcnet_timeout: sets _vlcnet_secs to VLCNET_TIMEOUT (a whole number of
# seconds, 5 when unset or not one) and _vlcnet_tries to the 50 ms steps.
_vlcnet_timeout() {
	case ${VLCNET_TIMEOUT:-} in
	"" | *[!0-9]* | 0*) _vlcnet_secs=5 ;;
	*) _vlcnet_secs=$VLCNET_TIMEOUT ;;
	esac
	_vlcnet_tries=$((_vlcnet_secs * 20))
}

_vlcnet_fail() {
	batslib_print_kv_single_or_multi 8 "$@" |
		batslib_decorate "${_vlcnet_title}" |
		fail
}

# _vlcnet_gone PID: the process has ended (a zombie counts as ended).
_vlcnet_gone() {
	local state
	kill -0 "$1" 2>/dev/null || return 0
	read -r _ _ state _ <"/proc/$1/stat" 2>/dev/null || return 0
	[ "$state" = Z ]
}

vlcnet_listen() {
	local n=${#VLCNET_PIDS[@]} unix= a prefix i
	for a in "$@"; do
		[ "$a" = -- ] && break
		case "$a" in -U | --unix) unix=1 ;; -[!-]*U*) unix=1 ;; esac
	done
	prefix="$BATS_TEST_TMPDIR/vlcnet-$n"
	rm -f "$prefix.port"
	local input=$prefix.in
	if [ -n "${VLCNET_REPLY_FILE+set}" ]; then
		input=$VLCNET_REPLY_FILE
		if ! [ -r "$input" ]; then
			local _vlcnet_title="vlcnet server did not start"
			_vlcnet_fail VLCNET_REPLY_FILE "$input" error "not a readable file"
			return 1
		fi
	elif [ -n "${VLCNET_REPLY+set}" ]; then
		printf '%s' "$VLCNET_REPLY" >"$input"
	else
		: >"$input"
	fi
	# The operands go before any "-- ARG..." meant for a script.
	local opts=() rest=() seen=
	for a in "$@"; do
		if [ -z "$seen" ] && [ "$a" = -- ]; then seen=1; fi
		if [ -n "$seen" ]; then rest+=("$a"); else opts+=("$a"); fi
	done
	if [ -n "$unix" ]; then
		# A socket's path has at most 107 bytes: a long TMPDIR gets a
		# short directory of its own, which vlcnet_stop removes.
		local sock=$prefix.sock
		if [ ${#sock} -gt 100 ]; then
			[ -n "${VLCNET_SOCKDIR:-}" ] || VLCNET_SOCKDIR=$(mktemp -d /tmp/vn.XXXXXX) || return 1
			sock=$VLCNET_SOCKDIR/$n.sock
		fi
		opts+=("$sock")
	elif [ -n "${VLCNET_HOST-127.0.0.1}" ]; then
		opts+=("${VLCNET_HOST-127.0.0.1}" 0)
	else
		# An empty VLCNET_HOST: every address (the PORT operand alone).
		opts+=(0)
	fi
	"${VLCNET_LISTEN:-vlcnet-listen}" --port-file "$prefix.port" "${opts[@]}" "${rest[@]}" \
		<"$input" >"$prefix.out" 2>"$prefix.err" 3>&- &
	VLCNET_PID=$!
	VLCNET_STDOUT=$prefix.out
	VLCNET_STDERR=$prefix.err
	VLCNET_PIDS+=("$VLCNET_PID")
	VLCNET_SIGNALLED+=("")
	VLCNET_STATUSES+=("")
	unset VLCNET_PORT VLCNET_SOCKET
	local _vlcnet_secs _vlcnet_tries
	_vlcnet_timeout
	for ((i = 0; i < _vlcnet_tries; i++)); do
		if [ -s "$prefix.port" ]; then
			if [ -n "$unix" ]; then
				VLCNET_SOCKET=$(cat "$prefix.port")
			else
				VLCNET_PORT=$(cat "$prefix.port")
			fi
			return 0
		fi
		if _vlcnet_gone "$VLCNET_PID"; then
			local _vlcnet_title="vlcnet server did not start"
			_vlcnet_fail command "vlcnet-listen ${opts[*]} ${rest[*]}" \
				stderr "$(cat "$prefix.err")"
			return 1
		fi
		sleep 0.05
	done
	local _vlcnet_title="vlcnet server not listening after $_vlcnet_secs s"
	_vlcnet_fail command "vlcnet-listen ${opts[*]} ${rest[*]}" pid "$VLCNET_PID" \
		stderr "$(cat "$prefix.err")"
	return 1
}

# vlcnet_wait [STATUS]: the last server has ended within VLCNET_TIMEOUT (5 s) with exit status
# STATUS (default 0); sets VLCNET_STATUS. Call it in the test's own shell (not
# under run), the only one that can wait for the server.
vlcnet_wait() {
	local n=$((${#VLCNET_PIDS[@]} - 1)) want=${1:-0} pid i st
	local _vlcnet_title _vlcnet_secs _vlcnet_tries
	_vlcnet_timeout
	if [ "$n" -lt 0 ]; then
		_vlcnet_title="ERROR: vlcnet_wait"
		_vlcnet_fail error "no server was started in this test"
		return 1
	fi
	pid=${VLCNET_PIDS[$n]}
	st=${VLCNET_STATUSES[$n]}
	if [ -z "$st" ]; then
		for ((i = 0; i < _vlcnet_tries; i++)); do
			_vlcnet_gone "$pid" && break
			sleep 0.05
		done
		if ! _vlcnet_gone "$pid"; then
			_vlcnet_title="vlcnet server still running after $_vlcnet_secs s"
			_vlcnet_fail pid "$pid" stderr "$(cat "$BATS_TEST_TMPDIR/vlcnet-$n.err")"
			return 1
		fi
		st=0
		wait "$pid" 2>"$BATS_TEST_TMPDIR/vlcnet-$n.wait" || st=$?
		if grep -q "not a child" "$BATS_TEST_TMPDIR/vlcnet-$n.wait"; then
			_vlcnet_title="ERROR: vlcnet_wait"
			_vlcnet_fail error "server pid $pid is not a child of this shell (vlcnet_listen or vlcnet_wait under run?)"
			return 1
		fi
		VLCNET_STATUSES[$n]=$st
	fi
	VLCNET_STATUS=$st
	[ "$st" = "$want" ] && return 0
	_vlcnet_title="vlcnet server exit status differs"
	_vlcnet_fail expected "$want" actual "$st" stderr "$(cat "$BATS_TEST_TMPDIR/vlcnet-$n.err")"
	return 1
}

vlcnet_received() {
	local n=$((${#VLCNET_PIDS[@]} - 1)) i _vlcnet_secs _vlcnet_tries
	_vlcnet_timeout
	if [ "$n" -lt 0 ]; then
		echo "vlcnet_received: no server was started in this test" >&2
		return 1
	fi
	for ((i = 0; i < _vlcnet_tries; i++)); do
		_vlcnet_gone "${VLCNET_PIDS[$n]}" && break
		sleep 0.05
	done
	if ! _vlcnet_gone "${VLCNET_PIDS[$n]}"; then
		echo "vlcnet_received: the server (pid ${VLCNET_PIDS[$n]}) is still running after $_vlcnet_secs s" >&2
		return 1
	fi
	cat "$BATS_TEST_TMPDIR/vlcnet-$n.out"
}

assert_vlcnet_received() {
	local mode=literal expected received
	case "${1:-}" in
	-p | --partial) mode=partial; shift ;;
	-e | --regexp) mode=regexp; shift ;;
	esac
	[ "${1:-}" = -- ] && shift
	expected=${1-}
	received=$(vlcnet_received) || {
		local _vlcnet_title="vlcnet server did not finish"
		_vlcnet_fail pid "${VLCNET_PIDS[-1]:-none}"
		return 1
	}
	local _vlcnet_title
	case "$mode" in
	literal)
		[ "$received" = "$expected" ] && return 0
		_vlcnet_title="received output differs"
		_vlcnet_fail expected "$expected" actual "$received"
		;;
	partial)
		[[ "$received" == *"$expected"* ]] && return 0
		_vlcnet_title="received output does not contain substring"
		_vlcnet_fail substring "$expected" output "$received"
		;;
	regexp)
		if [[ '' =~ $expected ]] || (($? == 2)); then
			_vlcnet_title="ERROR: assert_vlcnet_received"
			_vlcnet_fail regexp "$expected" error "invalid extended regular expression"
			return 1
		fi
		[[ "$received" =~ $expected ]] && return 0
		_vlcnet_title="regular expression does not match received output"
		_vlcnet_fail regexp "$expected" output "$received"
		;;
	esac
	return 1
}

# _vlcnet_descendants PID: the pids of PID's children, theirs, and so on.
_vlcnet_descendants() {
	local c
	for c in $(cat "/proc/$1/task/"*/children 2>/dev/null); do
		echo "$c"
		_vlcnet_descendants "$c"
	done
}

vlcnet_stop() {
	local i j pid status bad=() kids=() _vlcnet_secs _vlcnet_tries
	_vlcnet_timeout
	for i in "${!VLCNET_PIDS[@]}"; do
		pid=${VLCNET_PIDS[$i]}
		if ! _vlcnet_gone "$pid"; then
			# the process of each connection (-k, --fork, the exec
			# options) outlives the server unless it is ended too
			kids+=($(_vlcnet_descendants "$pid"))
			VLCNET_SIGNALLED[$i]=TERM
			kill -TERM "$pid" 2>/dev/null
		fi
	done
	for pid in "${kids[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for i in "${!VLCNET_PIDS[@]}"; do
		pid=${VLCNET_PIDS[$i]}
		# A script may catch the interrupt: VLCNET_TIMEOUT, then SIGKILL.
		for ((j = 0; j < _vlcnet_tries; j++)); do
			_vlcnet_gone "$pid" && break
			sleep 0.05
		done
		if ! _vlcnet_gone "$pid"; then
			VLCNET_SIGNALLED[$i]=KILL
			kill -KILL "$pid" 2>/dev/null
		fi
		# vlcnet_wait has handed its status to the test, which judged it.
		[ -z "${VLCNET_STATUSES[$i]}" ] || continue
		status=0
		wait "$pid" 2>/dev/null || status=$?
		# 127: not our child any more (already waited for): nothing to judge.
		if ((status > 128 && status != 255)) &&
			! [ "$(kill -l $((status - 128)) 2>/dev/null)" = "${VLCNET_SIGNALLED[$i]}" ]; then
			bad+=("pid $pid: killed by signal $((status - 128)) ($(kill -l $((status - 128)) 2>/dev/null))"
				"$(cat "$BATS_TEST_TMPDIR/vlcnet-$i.err" 2>/dev/null)")
		fi
	done
	for pid in "${kids[@]}"; do
		for ((j = 0; j < 100; j++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill -KILL "$pid" 2>/dev/null
	done
	[ -z "${VLCNET_SOCKDIR:-}" ] || rm -rf "$VLCNET_SOCKDIR"
	VLCNET_SOCKDIR=
	VLCNET_PIDS=()
	VLCNET_SIGNALLED=()
	VLCNET_STATUSES=()
	if ((${#bad[@]})); then
		local _vlcnet_title="vlcnet server died of a signal"
		_vlcnet_fail server "${bad[0]}" stderr "${bad[1]}"
		return 1
	fi
	return 0
}
