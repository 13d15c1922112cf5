#!/usr/bin/env bash
# bench/echo.sh: round trips per second of examples/echo.lua (vlcnet-listen
# --script) against the same server written with LuaSocket (socket.select) and
# a C poll(2) server, at 50 and 500 clients each keeping one 64-byte message in
# flight. Also prints each server's CPU time per round trip, which other load
# on the machine disturbs less than the rate. All in one run.
#
#   bench/echo.sh                    VLCNET_BUILD=/tmp/b bench/echo.sh
#   BENCH_SECS=10 BENCH_CLIENTS="50 500 2000" BENCH_PIN=0 bench/echo.sh
#
# The C server and the load generator (bench/c_echo.c, bench/echo_client.c)
# are compiled with cc -O2 into a temporary directory. LuaSocket runs in the
# interpreter vlcnet was built for (lua5.1 or luajit, from --version). With two
# CPUs or more, each server runs on CPU 0 and the load generator on CPU 1
# (BENCH_PIN=0 turns that off). Nothing is installed: a missing tool is named
# with its Debian package.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${VLCNET_BUILD:-$TOP/build}
SECS=${BENCH_SECS:-5}
CLIENTS=${BENCH_CLIENTS:-50 500}
MSG=64
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$TMP"' EXIT

die() { echo "echo.sh: $*" >&2; exit 2; }

[ -x "$BUILD/vlcnet-listen" ] || die "$BUILD/vlcnet-listen missing: run make"
case $("$BUILD/vlcnet-listen" --version) in
*LuaJIT*) LUA=luajit; LUAPKG=luajit ;;
*) LUA=lua5.1; LUAPKG=lua5.1 ;;
esac
command -v cc >/dev/null || die "cc is needed (apt-get install gcc)"
command -v "$LUA" >/dev/null || die "$LUA is needed (apt-get install $LUAPKG)"
"$LUA" -e 'require "socket"' 2>/dev/null || die "LuaSocket is needed (apt-get install lua-socket)"

# 500 clients are 1,000 descriptors on the generator's side alone.
ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)"

cc -O2 -o "$TMP/c_echo" "$TOP/bench/c_echo.c" || die "cannot compile bench/c_echo.c"
cc -O2 -o "$TMP/echo_client" "$TOP/bench/echo_client.c" || die "cannot compile bench/echo_client.c"

SRV_CPU=() CLI_CPU=()
if [ "${BENCH_PIN:-1}" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
	SRV_CPU=(taskset -c 0) CLI_CPU=(taskset -c 1)
fi

# cpu_ticks PID: user + system clock ticks the process has used so far.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# port_of FILE: the port a server announced in FILE, as "port N" (bench
# servers) or "listening on ADDR:N" (vlcnet-listen -v); 5 s at most.
port_of() {
	local i p
	for ((i = 0; i < 100; i++)); do
		p=$(sed -nE 's/^port ([0-9]+)$/\1/p; s/.*listening on .*:([0-9]+)$/\1/p' "$1" | head -n 1)
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.05
	done
	return 1
}

declare -A rate cost

# measure NAME N SERVER-CMD...: start the server, load it with N clients for
# SECS seconds, record round trips/s and server CPU µs per round trip.
measure() {
	local name=$1 n=$2 pid port t0 t1 r
	shift 2
	"${SRV_CPU[@]}" "$@" >"$TMP/$name.log" 2>&1 </dev/null &
	pid=$!
	if ! port=$(port_of "$TMP/$name.log"); then
		echo "echo.sh: $name did not start:" >&2
		cat "$TMP/$name.log" >&2
		kill "$pid" 2>/dev/null
		return 1
	fi
	t0=$(cpu_ticks "$pid")
	r=$("${CLI_CPU[@]}" "$TMP/echo_client" 127.0.0.1 "$port" "$n" "$SECS" "$MSG")
	t1=$(cpu_ticks "$pid")
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[ -n "$r" ] || { echo "echo.sh: $name: the load generator failed" >&2; return 1; }
	rate[$name,$n]=$r
	# The CPU ticks include the warm-up: divide by all the trips it made.
	cost[$name,$n]=$(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v r="$r" \
		-v s="$SECS" 'BEGIN { printf "%.1f", t / hz * 1e6 / (r * (s + 0.5)) }')
}

for n in $CLIENTS; do
	measure vlcnet "$n" "$BUILD/vlcnet-listen" -v --script "$TOP/examples/echo.lua" 127.0.0.1 0
	measure luasocket "$n" "$LUA" "$TOP/bench/luasocket_echo.lua" 0
	measure c "$n" "$TMP/c_echo" 0
done

printf '%d-byte echo round trips over loopback, %s s per measurement, %s\n' \
	"$MSG" "$SECS" "$("$BUILD/vlcnet-listen" --version)"
printf '%-8s %-10s %12s %16s\n' clients server "trips/s" "server CPU us/trip"
for n in $CLIENTS; do
	for s in vlcnet luasocket c; do
		printf '%-8s %-10s %12s %16s\n' "$n" "$s" "${rate[$s,$n]:--}" "${cost[$s,$n]:--}"
	done
done
for n in $CLIENTS; do
	awk -v n="$n" -v v="${rate[vlcnet,$n]:-0}" -v l="${rate[luasocket,$n]:-0}" \
	    -v c="${rate[c,$n]:-0}" 'BEGIN {
		if (l > 0) printf "%4d clients: vlcnet/LuaSocket %.2fx", n, v / l
		if (c > 0) printf "   vlcnet/C %.2fx", v / c
		printf "\n" }'
done
