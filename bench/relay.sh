#!/usr/bin/env bash
# bench/relay.sh: send SIZE bytes (1 GiB) over loopback through vlcnet-connect ->
# vlcnet-listen, then through nc (netcat-openbsd) and socat the same way, with
# iperf3's single-stream figure as the ceiling. Prints MB/s (10^6 bytes per
# second, best of RUNS), the ratios, and each relay's peak RSS.
#
#   bench/relay.sh                 VLCNET_BUILD=/tmp/b bench/relay.sh
#   BENCH_SIZE=256M BENCH_RUNS=5 bench/relay.sh
#
# Every client reads the SIZE bytes on stdin and every server writes into a pipe
# to `wc -c`, which counts what arrived: a run that delivers another count
# fails, and so does the script (status 1). The servers' stdin is /dev/null, so
# each tool relays both ways and half-closes as it would for a user. Each tool
# is fed twice: from a file in /dev/shm (vlcnet sends it with sendfile, while
# nc and socat copy every byte) and from a pipe, where every tool copies, and
# both rows are printed, so that no single figure flatters one tool.
# BENCH_SOURCE=file or pipe runs one of the two.
# The pipe is fed by dd writing BENCH_FEED_BLOCK bytes at a time (128K, as cat
# and most compressors write; `tar c` writes 10K records): the "feeder" row is
# that feeder alone into `wc -c` through a default 64 KiB pipe, the pace of the
# feeder itself (a relay that grows its pipes, as vlcnet does to 1 MiB, can
# beat it). `head -c` writes 4 KiB at a time (BENCH_FEED_BLOCK=4K): from it the
# feeder, not the relay, set vlcnet's figure.
# The same three relays then run over a Unix stream socket (vlcnet -U, nc -U,
# socat UNIX-LISTEN/UNIX-CONNECT: the "-unix" rows).
# The runs are interleaved (one run of each tool, then the next round, in
# alternating order), so that a change in the machine's load falls on every
# tool alike.
# VLCNET_BASE=DIR adds the "base" and "base-unix" rows: the vlcnet of another
# build (say, before a change), run in the same rounds as this one.
# BENCH_LOG=1 adds the "vlcnet-x" and "vlcnet-o" rows: vlcnet-connect with a
# hex dump (-x) or a raw log (-o) of the session to a file in /dev/shm, what
# the session logs cost against the plain relay (issue 21's goal: -x at most
# twice the plain relay's CPU).
# Nothing is installed: a missing tool is named with its Debian package and
# left out of the run.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${VLCNET_BUILD:-$TOP/build}
SIZE=${BENCH_SIZE:-1G}
RUNS=${BENCH_RUNS:-5}
SOURCES=${BENCH_SOURCE:-file pipe}
BLOCK=${BENCH_FEED_BLOCK:-128K}
TMP=$(mktemp -d)
SHM=
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$TMP" ${SHM:+"$SHM"}' EXIT

missing=()

need() {   # need TOOL PACKAGE: is TOOL there? If not, remember its package.
	command -v "$1" >/dev/null 2>&1 && return 0
	missing+=("$1 (apt-get install $2)")
	return 1
}

# require TOOL PACKAGE: the run cannot go without TOOL.
require() {
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "relay.sh: $1 is needed: apt-get install $2" >&2
	exit 2
}

require head coreutils
require dd coreutils
require numfmt coreutils
require python3 python3
[ -x /usr/bin/time ] || { echo "relay.sh: /usr/bin/time is needed: apt-get install time" >&2; exit 2; }
bytes=$(numfmt --from=iec "$SIZE") || exit 2
block=$(numfmt --from=iec "$BLOCK") || exit 2
for t in vlcnet-listen vlcnet-connect; do
	for d in "$BUILD" ${VLCNET_BASE:+"$VLCNET_BASE"}; do
		[ -x "$d/$t" ] || { echo "relay.sh: $d/$t missing: run make" >&2; exit 2; }
	done
done

for SOURCE in $SOURCES; do
	case $SOURCE in
	file)
		SHM=$(mktemp -d -p /dev/shm 2>/dev/null) || SHM=
		DATA=${SHM:-$TMP}/data
		head -c "$bytes" /dev/zero >"$DATA" || exit 1
		;;
	pipe) ;;
	*) echo "relay.sh: BENCH_SOURCE is file or pipe" >&2; exit 2 ;;
	esac
done
failed=0

# feed CMD: run CMD (eval'ed) with the SIZE bytes on its stdin.
feed() {
	if [ "$SOURCE" = file ]; then
		eval "$1" <"$DATA"
	else
		dd if=/dev/zero bs="$block" count="$bytes" iflag=count_bytes status=none |
			eval "$1"
	fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_listening PORT: until something listens on 127.0.0.1:PORT (5 s at most).
wait_listening() {
	local hex i
	hex=$(printf '0100007F:%04X 00000000:0000 0A' "$1")
	for ((i = 0; i < 100; i++)); do
		grep -q "$hex" /proc/net/tcp && return 0
		sleep 0.05
	done
	echo "relay.sh: nothing listens on port $1" >&2
	return 1
}

# wait_socket PATH: until PATH is a socket (5 s at most).
wait_socket() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ -S "$1" ] && return 0
		sleep 0.05
	done
	echo "relay.sh: no socket at $1" >&2
	return 1
}

# run_pair NAME PORT 'SERVER CMD' 'CLIENT CMD': one timed transfer. The commands
# are eval'ed with $PORT set (for a NAME ending in -unix, the socket's path);
# the time is from the client's start until both ended. Prints seconds; the peak
# RSS (KiB) of each side goes to NAME.rss, their CPU seconds to NAME.SOURCE.cpu.
run_pair() {
	local name=$1 server=$3 client=$4 t0 t1 spid i
	PORT=$2
	rm -f "$TMP/$name.err"
	rm -f "$TMP/$name.count"
	eval "/usr/bin/time -f %M,%U,%S -o $TMP/$name.srv $server" </dev/null 2>>"$TMP/$name.err" |
		wc -c >"$TMP/$name.count" &
	spid=$!
	if [[ $name == *-unix ]]; then
		wait_socket "$PORT" || PORT=
	elif [[ $name == vlcnet || $name == vlcnet-[xo] || $name == base ]]; then
		PORT=
		for ((i = 0; i < 100 && ${#PORT} == 0; i++)); do
			sleep 0.05
			PORT=$(sed -nE 's/.*listening on 127.0.0.1:([0-9]+)$/\1/p' "$TMP/$name.err" 2>/dev/null)
		done
	else
		wait_listening "$PORT" || PORT=
	fi
	if [ -z "$PORT" ]; then
		echo "relay.sh: $name server did not start" >&2
		kill "$spid" 2>/dev/null
		return 1
	fi
	t0=$EPOCHREALTIME
	if ! feed "/usr/bin/time -f %M,%U,%S -o $TMP/$name.cli $client" >/dev/null 2>>"$TMP/$name.err"; then
		echo "relay.sh: $name client failed:" >&2
		cat "$TMP/$name.err" >&2
		kill "$spid" 2>/dev/null
		wait "$spid"
		return 1
	fi
	wait "$spid" || { echo "relay.sh: $name server failed:" >&2; cat "$TMP/$name.err" >&2; return 1; }
	t1=$EPOCHREALTIME
	if [ "$(cat "$TMP/$name.count")" != "$bytes" ]; then
		echo "relay.sh: $name delivered $(cat "$TMP/$name.count") of $bytes bytes" >&2
		return 1
	fi
	tail -qn1 "$TMP/$name.cli" "$TMP/$name.srv" | awk -F, '{ print $1 }' >>"$TMP/$name.rss"
	tail -qn1 "$TMP/$name.cli" "$TMP/$name.srv" | awk -F, '{ c += $2 + $3 } END { print c }' \
		>>"$TMP/$name.$SOURCE.cpu"
	echo "$t0 $t1" | awk '{ printf "%.6f\n", $2 - $1 }'
}

declare -A mbs rss cpu
names=() servers=() clients=()

# tool NAME 'SERVER' 'CLIENT': NAME takes part in every round.
tool() {
	names+=("$1")
	servers+=("$2")
	clients+=("$3")
}

# best KEY MBS: keep the larger figure for KEY.
best() {
	mbs[$1]=$(awk -v b="${mbs[$1]:-0}" -v v="$2" 'BEGIN { print (v > b ? v : b) }')
}

# round_of NAME SERVER CLIENT: one run of NAME from each source, in MB/s; a
# failed run counts as a failure of the script.
round_of() {
	local name=$1 secs addr
	for SOURCE in $SOURCES; do
		if [[ $name == *-unix ]]; then
			addr=$TMP/$name.sock
			rm -f "$addr"   # nc -l -U leaves its socket file behind
		else
			addr=$(free_port)
		fi
		if ! secs=$(run_pair "$name" "$addr" "$2" "$3"); then
			failed=1
			continue
		fi
		best "$name/$SOURCE" "$(awk -v n="$bytes" -v s="$secs" 'BEGIN { print n / s / 1e6 }')"
	done
}

# round_feeder: the pipe's feeder alone into wc -c.
round_feeder() {
	local t0 t1 n
	t0=$EPOCHREALTIME
	n=$(SOURCE=pipe feed "wc -c")
	t1=$EPOCHREALTIME
	[ "$n" = "$bytes" ] || { echo "relay.sh: the feeder gave $n of $bytes bytes" >&2; failed=1; return; }
	best feeder/pipe "$(awk -v n="$bytes" -v a="$t0" -v b="$t1" 'BEGIN { print n / (b - a) / 1e6 }')"
}

# round_iperf3: iperf3's single stream, sent from memory.
round_iperf3() {
	local p bps
	p=$(free_port)
	iperf3 -s -1 -B 127.0.0.1 -p "$p" >/dev/null 2>&1 &
	wait_listening "$p" || return
	bps=$(iperf3 -c 127.0.0.1 -p "$p" -n "$bytes" -J |
		awk '/"sum_received"/ { f = 1 } f && /"bits_per_second"/ { gsub(/[^0-9.e+]/, "", $2); print $2; exit }')
	wait
	for SOURCE in $SOURCES; do best iperf3/$SOURCE "$(awk -v x="${bps:-0}" 'BEGIN { print x / 8e6 }')"; done
}

tool vlcnet \
	"$BUILD/vlcnet-listen -v 127.0.0.1 0" \
	"$BUILD/vlcnet-connect 127.0.0.1 \$PORT"
if [ -n "${BENCH_LOG:-}" ]; then
	LOGDIR=$(mktemp -d /dev/shm/vlcnet-bench.XXXXXX)
	trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$TMP" "$LOGDIR" ${SHM:+"$SHM"}' EXIT
	tool vlcnet-x \
		"$BUILD/vlcnet-listen -v 127.0.0.1 0" \
		"$BUILD/vlcnet-connect -x $LOGDIR/x 127.0.0.1 \$PORT"
	tool vlcnet-o \
		"$BUILD/vlcnet-listen -v 127.0.0.1 0" \
		"$BUILD/vlcnet-connect -o $LOGDIR/o 127.0.0.1 \$PORT"
fi
if [ -n "${VLCNET_BASE:-}" ]; then
	tool base \
		"$VLCNET_BASE/vlcnet-listen -v 127.0.0.1 0" \
		"$VLCNET_BASE/vlcnet-connect 127.0.0.1 \$PORT"
	tool base-unix \
		"$VLCNET_BASE/vlcnet-listen -U \$PORT" \
		"$VLCNET_BASE/vlcnet-connect -U \$PORT"
fi
# -N (shut down at the end of input) is netcat-openbsd's.
have_nc=
if need nc netcat-openbsd && ! nc -h 2>&1 | grep -q OpenBSD; then
	missing+=("nc is not OpenBSD's (apt-get install netcat-openbsd)")
elif [ -n "$(command -v nc)" ]; then
	have_nc=1
	tool nc \
		"nc -l 127.0.0.1 \$PORT" \
		"nc -N 127.0.0.1 \$PORT"
fi
if need socat socat; then
	# -t: socat stops the other direction 0.5 s after one ends by default.
	tool socat \
		"socat -t 60 TCP-LISTEN:\$PORT,bind=127.0.0.1,reuseaddr STDIO" \
		"socat -t 60 STDIO TCP:127.0.0.1:\$PORT"
fi
# The same over a Unix stream socket.
tool vlcnet-unix \
	"$BUILD/vlcnet-listen -U \$PORT" \
	"$BUILD/vlcnet-connect -U \$PORT"
if [ -n "$have_nc" ]; then
	tool nc-unix \
		"nc -l -U \$PORT" \
		"nc -N -U \$PORT"
fi
if command -v socat >/dev/null 2>&1; then
	tool socat-unix \
		"socat -t 60 UNIX-LISTEN:\$PORT STDIO" \
		"socat -t 60 STDIO UNIX-CONNECT:\$PORT"
fi
have_iperf3=
need iperf3 iperf3 && have_iperf3=1

for ((r = 0; r < RUNS; r++)); do
	order=("${!names[@]}")
	if ((r % 2)); then   # odd rounds run the tools in reverse order
		for ((i = 0; i < ${#names[@]}; i++)); do order[i]=$((${#names[@]} - 1 - i)); done
	fi
	for i in "${order[@]}"; do
		round_of "${names[i]}" "${servers[i]}" "${clients[i]}"
	done
	[[ " $SOURCES " != *" pipe "* ]] || round_feeder
	[ -z "$have_iperf3" ] || round_iperf3
done
for name in "${names[@]}"; do
	rss[$name]=$(awk '$1 > m { m = $1 } END { print m / 1024 }' "$TMP/$name.rss" 2>/dev/null)
	# the least CPU (both sides, user and system) of one run, per GiB
	for SOURCE in $SOURCES; do
		[ -s "$TMP/$name.$SOURCE.cpu" ] || continue
		cpu[$name/$SOURCE]=$(awk -v n="$bytes" 'NR == 1 || $1 < m { m = $1 } END { print m * 1073741824 / n }' \
			"$TMP/$name.$SOURCE.cpu")
	done
done

printf '%s over loopback, best of %d interleaved runs (MB/s); iperf3 sends from memory;\n' "$SIZE" "$RUNS"
printf 'the pipe is fed in %s blocks, and the feeder alone into wc -c is the "feeder" row\n' "$BLOCK"
printf '(CPU: the least CPU seconds per GiB of one run, client and server together:\n'
printf 'a figure that other load on the machine disturbs far less than MB/s)\n'
printf '%-12s' tool
for SOURCE in $SOURCES; do printf ' %12s %9s' "from a $SOURCE" "CPU s/GiB"; done
printf ' %14s\n' "peak RSS MB"
for t in vlcnet vlcnet-x vlcnet-o base nc socat iperf3 feeder vlcnet-unix base-unix nc-unix socat-unix; do
	seen=
	for SOURCE in $SOURCES; do [ -z "${mbs[$t/$SOURCE]:-}" ] || seen=1; done
	[ -n "$seen" ] || continue
	printf '%-12s' "$t"
	for SOURCE in $SOURCES; do
		if [ -n "${mbs[$t/$SOURCE]:-}" ]; then
			printf ' %12.0f' "${mbs[$t/$SOURCE]}"
		else
			printf ' %12s' -
		fi
		if [ -n "${cpu[$t/$SOURCE]:-}" ]; then
			printf ' %9.2f' "${cpu[$t/$SOURCE]}"
		else
			printf ' %9s' ''
		fi
	done
	printf ' %14s\n' "${rss[$t]:+$(printf '%.1f' "${rss[$t]}")}"
done
# The targets: twice nc and socat, three quarters of iperf3, RSS under 8 MB.
for SOURCE in $SOURCES; do
	for t in nc socat iperf3 nc-unix socat-unix; do
		[ -n "${mbs[$t/$SOURCE]:-}" ] || continue
		v=vlcnet
		[[ $t != *-unix ]] || v=vlcnet-unix
		awk -v a="${mbs[$v/$SOURCE]}" -v b="${mbs[$t/$SOURCE]}" -v t="$t" -v s="$SOURCE" \
			-v v="$v" -v want="$([ "$t" = iperf3 ] && echo 0.75 || echo 2)" \
			'BEGIN { if (b > 0) printf "from a %-4s %-11s / %-10s %6.2fx  (target %sx: %s)\n",
			         s, v, t, a / b, want, (a / b >= want ? "met" : "missed") }'
	done
done
# No target: the CPU each relay spends per GiB against vlcnet's.
for SOURCE in $SOURCES; do
	for t in nc socat nc-unix socat-unix base base-unix; do
		[ -n "${cpu[$t/$SOURCE]:-}" ] || continue
		v=vlcnet
		[[ $t != *-unix ]] || v=vlcnet-unix
		awk -v a="${cpu[$v/$SOURCE]:-0}" -v b="${cpu[$t/$SOURCE]}" -v t="$t" -v s="$SOURCE" -v v="$v" \
			'BEGIN { if (a > 0) printf "from a %-4s %-11s uses %5.2fx less CPU per GiB than %s\n", s, v, b / a, t }'
	done
done
# No target: this build against VLCNET_BASE's.
for SOURCE in $SOURCES; do
	for t in base base-unix; do
		[ -n "${mbs[$t/$SOURCE]:-}" ] || continue
		v=vlcnet${t#base}
		awk -v a="${mbs[$v/$SOURCE]}" -v b="${mbs[$t/$SOURCE]}" -v t="$t" -v s="$SOURCE" -v v="$v" \
			'BEGIN { if (b > 0) printf "from a %-4s %-11s / %-10s %6.2fx  (this build / VLCNET_BASE)\n", s, v, t, a / b }'
	done
done
# No target: how much of its feeder's pace each relay keeps.
if [ -n "${mbs[feeder/pipe]:-}" ]; then
	for t in vlcnet base nc socat; do
		[ -n "${mbs[$t/pipe]:-}" ] || continue
		awk -v a="${mbs[$t/pipe]}" -v b="${mbs[feeder/pipe]}" -v t="$t" \
			'BEGIN { printf "from a pipe %-11s / %-10s %6.2fx  (the feeder alone into wc -c)\n", t, "feeder", a / b }'
	done
fi
awk -v m="${rss[vlcnet]}" 'BEGIN { printf "vlcnet peak RSS %.1f MB (target 8 MB: %s)\n",
	m, (m < 8 ? "met" : "missed") }'
for m in "${missing[@]}"; do
	echo "not run: $m"
done
if [ "$failed" = 1 ]; then
	echo "relay.sh: some runs failed (above): their figures are left out" >&2
	exit 1
fi
