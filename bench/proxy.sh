#!/usr/bin/env bash
# bench/proxy.sh: send SIZE bytes (256 MiB) over loopback from a client through
# a SOCKS5 proxy (microsocks) to a receiver, the client being
# `vlcnet-connect --proxy 127.0.0.1:P --proxy-type socks5` and then
# `ncat --proxy 127.0.0.1:P --proxy-type socks5` through the same proxy, in
# the same run. Prints MB/s (10^6 bytes per second, best of RUNS), the least
# CPU seconds of each client per GiB, and the ratio (goal: vlcnet at least
# 1.5x ncat).
#
#   bench/proxy.sh            VLCNET_BUILD=/tmp/b BENCH_SIZE=1G BENCH_RUNS=5 bench/proxy.sh
#
# The client reads the SIZE bytes from a file in /dev/shm (as a user's
# `vlcnet-connect … <file`); the server, `socat -u` (it only receives: a
# server that half-closed would make microsocks end the whole tunnel, which
# it does when either side ends), writes what it gets into `wc -c`: a run
# that delivers another count fails, and so does the script (status 1).
# The runs are interleaved (one of each client, then the next round, in
# alternating order), so that a change in the machine's load falls on both.
# Nothing is installed: a missing tool is named with its Debian package.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${VLCNET_BUILD:-$TOP/build}
SIZE=${BENCH_SIZE:-256M}
RUNS=${BENCH_RUNS:-5}
TMP=$(mktemp -d)
SHM=
PROXY_PID=
trap '[ -z "$PROXY_PID" ] || kill "$PROXY_PID" 2>/dev/null; rm -rf "$TMP" ${SHM:+"$SHM"}' EXIT

require() {   # require TOOL PACKAGE: the run cannot go without TOOL.
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "proxy.sh: $1 is needed: apt-get install $2" >&2
	exit 2
}
require microsocks microsocks
require ncat ncat
require socat socat
require numfmt coreutils
require python3 python3
[ -x /usr/bin/time ] || { echo "proxy.sh: /usr/bin/time is needed: apt-get install time" >&2; exit 2; }
for t in vlcnet-listen vlcnet-connect; do
	[ -x "$BUILD/$t" ] || { echo "proxy.sh: $BUILD/$t missing: run make" >&2; exit 2; }
done
bytes=$(numfmt --from=iec "$SIZE") || exit 2
SHM=$(mktemp -d -p /dev/shm 2>/dev/null) || SHM=
DATA=${SHM:-$TMP}/data
head -c "$bytes" /dev/zero >"$DATA" || exit 1

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
	return 1
}

# The proxy, on a free port (retried if another process took it first).
for ((try = 0; try < 5; try++)); do
	PP=$(free_port)
	microsocks -i 127.0.0.1 -p "$PP" >/dev/null 2>&1 &
	PROXY_PID=$!
	wait_listening "$PP" && break
	kill "$PROXY_PID" 2>/dev/null
	PROXY_PID=
done
[ -n "$PROXY_PID" ] || { echo "proxy.sh: microsocks did not start" >&2; exit 1; }

declare -A mbs cpu
failed=0

# run_one NAME CLIENT: one timed transfer; CLIENT is eval'ed with $PORT set
# (the server's). Prints seconds; the client's CPU seconds go to NAME.cpu.
run_one() {
	local name=$1 client=$2 spid t0 t1 i
	rm -f "$TMP/count"
	PORT=$(free_port)
	socat -u "TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr" STDOUT </dev/null | wc -c >"$TMP/count" &
	spid=$!
	wait_listening "$PORT" || { echo "proxy.sh: the server did not start" >&2; kill "$spid"; return 1; }
	t0=$EPOCHREALTIME
	if ! eval "/usr/bin/time -f %U,%S -o $TMP/$name.time $client" <"$DATA" >/dev/null 2>"$TMP/$name.err"; then
		echo "proxy.sh: $name failed:" >&2
		cat "$TMP/$name.err" >&2
		kill "$spid" 2>/dev/null
		wait "$spid"
		return 1
	fi
	wait "$spid"
	t1=$EPOCHREALTIME
	if [ "$(cat "$TMP/count")" != "$bytes" ]; then
		echo "proxy.sh: $name delivered $(cat "$TMP/count") of $bytes bytes" >&2
		return 1
	fi
	tail -n1 "$TMP/$name.time" | awk -F, '{ print $1 + $2 }' >>"$TMP/$name.cpu"
	echo "$t0 $t1" | awk '{ printf "%.6f\n", $2 - $1 }'
}

names=(vlcnet ncat)
clients=("$BUILD/vlcnet-connect --proxy 127.0.0.1:$PP --proxy-type socks5 127.0.0.1 \$PORT"
         "ncat --proxy 127.0.0.1:$PP --proxy-type socks5 127.0.0.1 \$PORT")
for ((r = 0; r < RUNS; r++)); do
	order=(0 1)
	((r % 2)) && order=(1 0)
	for i in "${order[@]}"; do
		if ! secs=$(run_one "${names[i]}" "${clients[i]}"); then
			failed=1
			continue
		fi
		v=$(awk -v n="$bytes" -v s="$secs" 'BEGIN { print n / s / 1e6 }')
		mbs[${names[i]}]=$(awk -v b="${mbs[${names[i]}]:-0}" -v v="$v" 'BEGIN { print (v > b ? v : b) }')
	done
done
for name in "${names[@]}"; do
	[ -s "$TMP/$name.cpu" ] && cpu[$name]=$(awk -v n="$bytes" \
		'NR == 1 || $1 < m { m = $1 } END { print m * 1073741824 / n }' "$TMP/$name.cpu")
done

printf '%s through microsocks (SOCKS5) over loopback, best of %d interleaved runs\n' "$SIZE" "$RUNS"
printf '%-8s %8s %18s\n' client MB/s "client CPU s/GiB"
for name in "${names[@]}"; do
	printf '%-8s %8.0f %18.2f\n' "$name" "${mbs[$name]:-0}" "${cpu[$name]:-0}"
done
awk -v a="${mbs[vlcnet]:-0}" -v b="${mbs[ncat]:-0}" 'BEGIN { if (b > 0)
	printf "vlcnet / ncat %.2fx  (target 1.5x: %s)\n", a / b, (a / b >= 1.5 ? "met" : "missed") }'
if [ "$failed" = 1 ]; then
	echo "proxy.sh: some runs failed (above): their figures are left out" >&2
	exit 1
fi
