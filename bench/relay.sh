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
# nc and socat copy every byte) and from a pipe (`head -c SIZE /dev/zero |`,
# where every tool copies), and both rows are printed, so that no single
# figure flatters one tool. BENCH_SOURCE=file or pipe runs one of the two.
# The same three relays then run over a Unix stream socket (vlcnet -U, nc -U,
# socat UNIX-LISTEN/UNIX-CONNECT: the "-unix" rows).
# Nothing is installed: a missing tool is named with its Debian package and
# left out of the run.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${VLCNET_BUILD:-$TOP/build}
SIZE=${BENCH_SIZE:-1G}
RUNS=${BENCH_RUNS:-5}
SOURCES=${BENCH_SOURCE:-file pipe}
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
require numfmt coreutils
require python3 python3
[ -x /usr/bin/time ] || { echo "relay.sh: /usr/bin/time is needed: apt-get install time" >&2; exit 2; }
bytes=$(numfmt --from=iec "$SIZE") || exit 2
for t in vlcnet-listen vlcnet-connect; do
	[ -x "$BUILD/$t" ] || { echo "relay.sh: $BUILD/$t missing: run make" >&2; exit 2; }
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
		head -c "$bytes" /dev/zero | eval "$1"
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
# the time is from the client's start until both ended. Prints seconds; the peak RSS (KiB) of each side goes to NAME.rss.
run_pair() {
	local name=$1 server=$3 client=$4 t0 t1 spid
	PORT=$2
	rm -f "$TMP/$name.err"
	rm -f "$TMP/$name.count"
	eval "/usr/bin/time -f %M -o $TMP/$name.srv $server" </dev/null 2>>"$TMP/$name.err" |
		wc -c >"$TMP/$name.count" &
	spid=$!
	if [[ $name == *-unix ]]; then
		wait_socket "$PORT" || PORT=
	elif [ "$name" = vlcnet ]; then
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
	if ! feed "/usr/bin/time -f %M -o $TMP/$name.cli $client" >/dev/null 2>>"$TMP/$name.err"; then
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
	echo "$(tail -n1 "$TMP/$name.cli") $(tail -n1 "$TMP/$name.srv")" >>"$TMP/$name.rss"
	echo "$t0 $t1" | awk '{ printf "%.6f\n", $2 - $1 }'
}

declare -A mbs rss

# bench NAME 'SERVER' 'CLIENT': best of RUNS from each source, in MB/s; a
# failed run counts as a failure of the script.
bench() {
	local name=$1 best secs r addr
	for SOURCE in $SOURCES; do
		best=0
		for ((r = 0; r < RUNS; r++)); do
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
			best=$(awk -v b="$best" -v n="$bytes" -v s="$secs" \
				'BEGIN { v = n / s / 1e6; print (v > b ? v : b) }')
		done
		mbs[$name/$SOURCE]=$best
	done
	rss[$name]=$(awk '{ for (i = 1; i <= NF; i++) if ($i > m) m = $i } END { print m / 1024 }' \
		"$TMP/$name.rss" 2>/dev/null)
}

bench vlcnet \
	"$BUILD/vlcnet-listen -v 127.0.0.1 0" \
	"$BUILD/vlcnet-connect 127.0.0.1 \$PORT"
# -N (shut down at the end of input) is netcat-openbsd's.
if need nc netcat-openbsd && ! nc -h 2>&1 | grep -q OpenBSD; then
	missing+=("nc is not OpenBSD's (apt-get install netcat-openbsd)")
elif [ -n "$(command -v nc)" ]; then
	bench nc \
		"nc -l 127.0.0.1 \$PORT" \
		"nc -N 127.0.0.1 \$PORT"
fi
if need socat socat; then
	# -t: socat stops the other direction 0.5 s after one ends by default.
	bench socat \
		"socat -t 60 TCP-LISTEN:\$PORT,bind=127.0.0.1,reuseaddr STDIO" \
		"socat -t 60 STDIO TCP:127.0.0.1:\$PORT"
fi
# The same over a Unix stream socket.
bench vlcnet-unix \
	"$BUILD/vlcnet-listen -U \$PORT" \
	"$BUILD/vlcnet-connect -U \$PORT"
if [ -n "${mbs[nc/${SOURCES%% *}]+set}" ]; then
	bench nc-unix \
		"nc -l -U \$PORT" \
		"nc -N -U \$PORT"
fi
if command -v socat >/dev/null 2>&1; then
	bench socat-unix \
		"socat -t 60 UNIX-LISTEN:\$PORT STDIO" \
		"socat -t 60 STDIO UNIX-CONNECT:\$PORT"
fi
if need iperf3 iperf3; then
	best=0
	for ((r = 0; r < RUNS; r++)); do
		p=$(free_port)
		iperf3 -s -1 -B 127.0.0.1 -p "$p" >/dev/null 2>&1 &
		wait_listening "$p" || continue
		bps=$(iperf3 -c 127.0.0.1 -p "$p" -n "$bytes" -J |
			awk '/"sum_received"/ { f = 1 } f && /"bits_per_second"/ { gsub(/[^0-9.e+]/, "", $2); print $2; exit }')
		wait
		best=$(awk -v b="$best" -v x="${bps:-0}" 'BEGIN { v = x / 8e6; print (v > b ? v : b) }')
	done
	for SOURCE in $SOURCES; do mbs[iperf3/$SOURCE]=$best; done
fi

printf '%s over loopback, best of %d runs (MB/s); iperf3 sends from memory\n' "$SIZE" "$RUNS"
printf '%-12s' tool
for SOURCE in $SOURCES; do printf ' %12s' "from a $SOURCE"; done
printf ' %14s\n' "peak RSS MB"
for t in vlcnet nc socat iperf3 vlcnet-unix nc-unix socat-unix; do
	[ -n "${mbs[$t/${SOURCES%% *}]:-}" ] || continue
	printf '%-12s' "$t"
	for SOURCE in $SOURCES; do printf ' %12.0f' "${mbs[$t/$SOURCE]}"; done
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
awk -v m="${rss[vlcnet]}" 'BEGIN { printf "vlcnet peak RSS %.1f MB (target 8 MB: %s)\n",
	m, (m < 8 ? "met" : "missed") }'
for m in "${missing[@]}"; do
	echo "not run: $m"
done
if [ "$failed" = 1 ]; then
	echo "relay.sh: some runs failed (above): their figures are left out" >&2
	exit 1
fi
