#!/usr/bin/env bash
# bench/relay.sh: send SIZE bytes (1 GiB) over loopback through vlcnet-connect ->
# vlcnet-listen, then through nc (netcat-openbsd) and socat the same way, with
# iperf3's single-stream figure as the ceiling. Prints MB/s (10^6 bytes per
# second, best of RUNS), the ratios, and each relay's peak RSS.
#
#   bench/relay.sh                 VLCNET_BUILD=/tmp/b bench/relay.sh
#   BENCH_SIZE=256M BENCH_RUNS=5 bench/relay.sh
#
# Every client reads the SIZE bytes on stdin and every server writes to
# /dev/null; the servers' stdin is /dev/null, so each tool relays both ways and
# half-closes as it would for a user. The bytes come from a file in /dev/shm
# (BENCH_SOURCE=file, the default), so that the relays, not the program feeding
# them, are measured; BENCH_SOURCE=pipe feeds `head -c SIZE /dev/zero |`
# instead. Nothing is installed: a missing tool is named with its Debian
# package and left out of the run.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${VLCNET_BUILD:-$TOP/build}
SIZE=${BENCH_SIZE:-1G}
RUNS=${BENCH_RUNS:-5}
SOURCE=${BENCH_SOURCE:-file}
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

case $SOURCE in
file)
	SHM=$(mktemp -d -p /dev/shm 2>/dev/null) || SHM=
	DATA=${SHM:-$TMP}/data
	head -c "$bytes" /dev/zero >"$DATA" || exit 1
	;;
pipe) ;;
*) echo "relay.sh: BENCH_SOURCE is file or pipe" >&2; exit 2 ;;
esac

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

# run_pair NAME PORT 'SERVER CMD' 'CLIENT CMD': one timed transfer. The commands
# are eval'ed with $PORT set; the time is from the client's start until both
# ended. Prints seconds; the peak RSS (KiB) of each side goes to NAME.rss.
run_pair() {
	local name=$1 server=$3 client=$4 t0 t1 spid
	PORT=$2
	rm -f "$TMP/$name.err"
	eval "/usr/bin/time -f %M -o $TMP/$name.srv $server" </dev/null >/dev/null 2>>"$TMP/$name.err" &
	spid=$!
	if [ "$name" = vlcnet ]; then
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
	echo "$(tail -n1 "$TMP/$name.cli") $(tail -n1 "$TMP/$name.srv")" >>"$TMP/$name.rss"
	echo "$t0 $t1" | awk '{ printf "%.6f\n", $2 - $1 }'
}

declare -A mbs rss

# bench NAME 'SERVER' 'CLIENT': best of RUNS, in MB/s.
bench() {
	local name=$1 best=0 secs r
	for ((r = 0; r < RUNS; r++)); do
		secs=$(run_pair "$name" "$(free_port)" "$2" "$3") || continue
		best=$(awk -v b="$best" -v n="$bytes" -v s="$secs" \
			'BEGIN { v = n / s / 1e6; print (v > b ? v : b) }')
	done
	mbs[$name]=$best
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
	mbs[iperf3]=$best
fi

printf '%s over loopback from a %s, best of %d runs\n' "$SIZE" "$SOURCE" "$RUNS"
printf '%-8s %10s %14s\n' tool MB/s "peak RSS MB"
for t in vlcnet nc socat iperf3; do
	[ -n "${mbs[$t]:-}" ] || continue
	printf '%-8s %10.0f %14s\n' "$t" "${mbs[$t]}" "${rss[$t]:+$(printf '%.1f' "${rss[$t]}")}"
done
# The targets: twice nc and socat, three quarters of iperf3, RSS under 8 MB.
for t in nc socat iperf3; do
	[ -n "${mbs[$t]:-}" ] || continue
	awk -v a="${mbs[vlcnet]}" -v b="${mbs[$t]}" -v t="$t" \
		-v want="$([ "$t" = iperf3 ] && echo 0.75 || echo 2)" \
		'BEGIN { if (b > 0) printf "vlcnet / %-6s %6.2fx  (target %sx: %s)\n",
		         t, a / b, want, (a / b >= want ? "met" : "missed") }'
done
awk -v m="${rss[vlcnet]}" 'BEGIN { printf "vlcnet peak RSS %.1f MB (target 8 MB: %s)\n",
	m, (m < 8 ? "met" : "missed") }'
for m in "${missing[@]}"; do
	echo "not run: $m"
done
