#!/usr/bin/env bash
# bench/echo.sh: round trips per second of examples/echo.lua (vlcnet-listen
# --script) against the same server written with LuaSocket (socket.select) and
# a C poll(2) server, at 50 and 500 clients each keeping one 64-byte message in
# flight. Also prints each server's CPU time per round trip (and the part of
# it spent in user space), which other load on the machine disturbs less than
# the rate. All in one run: the three servers run side by side and each
# measurement is cut into slices (5 of 1 s by default, after 0.2 s of warm-up
# each) taken in turn, so that a burst of other load hits all three alike.
#
#   bench/echo.sh                    VLCNET_BUILD=/tmp/b bench/echo.sh
#   BENCH_SECS=10 BENCH_SLICES=10 BENCH_CLIENTS="50 500 2000" BENCH_PIN=0 bench/echo.sh
#
# The C server and the load generator (bench/c_echo.c, bench/echo_client.c)
# are compiled with cc -O2 into a temporary directory. LuaSocket runs in the
# interpreter vlcnet was built for (lua5.1 or luajit). With two
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
# The interpreter the binaries link: --version names it too, but the library
# they load is the sure sign.
if ldd "$BUILD/vlcnet-listen" 2>/dev/null | grep -q libluajit; then
	LUA=luajit
else
	LUA=lua5.1
fi
command -v cc >/dev/null || die "cc is needed (apt-get install gcc)"
command -v "$LUA" >/dev/null || die "$LUA is needed (apt-get install $LUA)"
"$LUA" -e 'require "socket"' 2>/dev/null || die "LuaSocket is needed (apt-get install lua-socket)"

# 500 clients are 1,000 descriptors on the generator's side alone.
ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)"

cc -O2 -o "$TMP/c_echo" "$TOP/bench/c_echo.c" || die "cannot compile bench/c_echo.c"
cc -O2 -o "$TMP/echo_client" "$TOP/bench/echo_client.c" || die "cannot compile bench/echo_client.c"

SRV_CPU=() CLI_CPU=()
if [ "${BENCH_PIN:-1}" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
	SRV_CPU=(taskset -c 0) CLI_CPU=(taskset -c 1)
fi

# cpu_ticks PID: the user and the system clock ticks the process has used so
# far, as "USER SYS".
cpu_ticks() {
	awk '{ print $14, $15 }' "/proc/$1/stat"
}

# port_of FILE: the port a server announced in FILE, as "port N" (bench
# servers) or "listening on ADDR:N" (vlcnet-listen -v); 5 s at most.
port_of() {
	local i p
	for ((i = 0; i < 100; i++)); do
		p=$(sed -nE 's/^port ([0-9]+)$/\1/p; s/.*listening on .*:([0-9]+)$/\1/p' "$1" 2>/dev/null | head -n 1)
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.05
	done
	return 1
}

SERVERS=(vlcnet task luasocket copas luv cqueues c)
declare -A cmd pid port trips ticks rate cost user

# start NAME CMD...: start a server in the background; sets pid[NAME] and
# port[NAME], or says why not and returns 1.
start() {
	local name=$1
	shift
	rm -f "$TMP/$name.log"
	"${SRV_CPU[@]}" "$@" >"$TMP/$name.log" 2>&1 </dev/null &
	pid[$name]=$!
	port[$name]=$(port_of "$TMP/$name.log") && return 0
	echo "echo.sh: $name did not start:" >&2
	cat "$TMP/$name.log" >&2
	kill "${pid[$name]}" 2>/dev/null
	unset "pid[$name]"
	return 1
}

# slice NAME N: one slice of SLICE seconds with N clients against a running
# server; adds to its round trips and to its CPU ticks (user, system).
slice() {
	local name=$1 n=$2 t0 t1 r
	t0=$(cpu_ticks "${pid[$name]}") || return 1
	r=$("${CLI_CPU[@]}" "$TMP/echo_client" 127.0.0.1 "${port[$name]}" "$n" "$SLICE" "$MSG" "$WARM") ||
		{ echo "echo.sh: $name: the load generator failed" >&2; return 1; }
	t1=$(cpu_ticks "${pid[$name]}")
	read -r trips[$name] ticks[$name] < <(awk -v r="$r" -v a="$t0" -v b="$t1" \
		-v t="${trips[$name]:-0}" -v k="${ticks[$name]:-0 0}" -v s="$SLICE" -v w="$WARM" '
		BEGIN { split(a, x, " "); split(b, y, " "); split(k, z, " ")
			# the ticks cover the warm-up too: count its trips as well
			printf "%.0f %d %d\n", t + r * (s + w), z[1] + y[1] - x[1], z[2] + y[2] - x[2] }')
}

# Every server runs at once, idle but for its slice; the slices go round the
# servers, so that other load on the machine falls on all of them alike.
SLICES=${BENCH_SLICES:-5}
SLICE=$(awk -v s="$SECS" -v n="$SLICES" 'BEGIN { print s / n }')
WARM=0.2
start vlcnet "$BUILD/vlcnet-listen" -v --script "$TOP/examples/echo.lua" 127.0.0.1 0
start task "$BUILD/vlcnet-listen" -v --script "$TOP/bench/task_echo.lua" 127.0.0.1 0
start luasocket "$LUA" "$TOP/bench/luasocket_echo.lua" 0
# The coroutine and callback peers of the task echo, where installed
# (lua-copas, lua-luv, lua-cqueues).
"$LUA" -e 'require "copas"' 2>/dev/null && start copas "$LUA" "$TOP/bench/copas_echo.lua" 0 "$MSG"
"$LUA" -e 'require "luv"' 2>/dev/null && start luv "$LUA" "$TOP/bench/luv_echo.lua" 0
"$LUA" -e 'require "cqueues"' 2>/dev/null && start cqueues "$LUA" "$TOP/bench/cqueues_echo.lua" 0
start c "$TMP/c_echo" 0
hz=$(getconf CLK_TCK)
for n in $CLIENTS; do
	trips=() ticks=()
	for ((i = 0; i < SLICES; i++)); do
		for s in "${SERVERS[@]}"; do
			[ -n "${pid[$s]:-}" ] && slice "$s" "$n"
		done
	done
	for s in "${SERVERS[@]}"; do
		[ -n "${trips[$s]:-}" ] || continue
		read -r rate[$s,$n] cost[$s,$n] user[$s,$n] < <(awk -v t="${trips[$s]}" \
			-v k="${ticks[$s]}" -v hz="$hz" -v s="$SECS" -v w="$WARM" -v n="$SLICES" '
			BEGIN { split(k, z, " "); u = 1e6 / hz / t
				printf "%.0f %.1f %.1f\n", t / (s + n * w), (z[1] + z[2]) * u, z[1] * u }')
	done
done
kill "${pid[@]}" 2>/dev/null

printf '%d-byte echo round trips over loopback, %s s per measurement in %d slices, %s\n' \
	"$MSG" "$SECS" "$SLICES" "vlcnet and LuaSocket on $LUA"
printf '%-8s %-10s %10s %20s %14s\n' clients server "trips/s" "server CPU us/trip" "of it in user"
for n in $CLIENTS; do
	for s in "${SERVERS[@]}"; do
		printf '%-8s %-10s %10s %20s %14s\n' "$n" "$s" "${rate[$s,$n]:--}" \
			"${cost[$s,$n]:--}" "${user[$s,$n]:--}"
	done
done
for n in $CLIENTS; do
	awk -v n="$n" -v v="${rate[vlcnet,$n]:-0}" -v l="${rate[luasocket,$n]:-0}" \
	    -v c="${rate[c,$n]:-0}" 'BEGIN {
		if (l > 0) printf "%4d clients: vlcnet/LuaSocket %.2fx", n, v / l
		if (c > 0) printf "   vlcnet/C %.2fx", v / c
		printf "\n" }'
	# the task echo against C poll and the coroutine/callback libraries
	awk -v n="$n" -v t="${rate[task,$n]:-0}" -v c="${rate[c,$n]:-0}" \
	    -v p="${rate[copas,$n]:-0}" -v u="${rate[luv,$n]:-0}" -v q="${rate[cqueues,$n]:-0}" 'BEGIN {
		printf "%4d clients: task/C %.2fx", n, (c > 0 ? t / c : 0)
		if (p > 0) printf "   task/copas %.2fx", t / p
		if (u > 0) printf "   task/luv %.2fx", t / u
		if (q > 0) printf "   task/cqueues %.2fx", t / q
		printf "\n" }'
done
