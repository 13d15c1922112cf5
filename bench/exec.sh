#!/usr/bin/env bash
# bench/exec.sh: connections per second of a one-line "hello" Lua handler
# served by vlcnet-listen -k --lua-exec, ncat -lk --lua-exec and socat
# TCP-LISTEN:…,fork EXEC:"lua5.1 hello.lua", with the same client
# (bench/conn_client.c: one connection after another, each read to its end),
# in one run: the servers run side by side and each measurement is cut into
# slices (3 of 1 s by default) taken in turn, so that other load on the machine
# hits all three alike. Prints conn/s per server and vlcnet's ratio to each.
#
#   bench/exec.sh          BENCH_SECS=1 BENCH_SLICES=5 VLCNET_BUILD=/tmp/b bench/exec.sh
#
# Also measured: vlcnet-listen --fork --script (the same line through `fd`)
# and -c (a shell per connection). Nothing is installed: a missing tool is
# named with its Debian package.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${VLCNET_BUILD:-$TOP/build}
SECS=${BENCH_SECS:-1}
SLICES=${BENCH_SLICES:-3}
TMP=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT

die() { echo "exec.sh: $*" >&2; exit 2; }

[ -x "$BUILD/vlcnet-listen" ] || die "$BUILD/vlcnet-listen missing: run make"
command -v cc >/dev/null || die "cc is needed (apt-get install gcc)"
command -v ncat >/dev/null || die "ncat is needed (apt-get install ncat)"
command -v socat >/dev/null || die "socat is needed (apt-get install socat)"
command -v lua5.1 >/dev/null || die "lua5.1 is needed (apt-get install lua5.1)"
cc -O2 -o "$TMP/conn_client" "$TOP/bench/conn_client.c" || die "cannot compile bench/conn_client.c"

echo 'print("hello")' >"$TMP/hello.lua"

# free_port: a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start NAME CMD...: run a server CMD whose arguments name its port as {}.
declare -A PORT
start() {
	local name=$1 port a args=() i
	shift
	port=$(free_port)
	for a in "$@"; do args+=("${a//\{\}/$port}"); done
	"${args[@]}" </dev/null >/dev/null 2>"$TMP/$name.err" &
	PIDS+=($!)
	PORT[$name]=$port
	for ((i = 0; i < 100; i++)); do
		grep -qi "$(printf ':%04X 00000000:0000 0A' "$port")" /proc/net/tcp && return 0
		sleep 0.05
	done
	die "$name did not start: $(cat "$TMP/$name.err")"
}

NAMES=(lua-exec ncat socat fork sh-exec)
start lua-exec "$BUILD/vlcnet-listen" -k --lua-exec "$TMP/hello.lua" 127.0.0.1 {}
start ncat ncat -lk --lua-exec "$TMP/hello.lua" 127.0.0.1 {}
start socat socat TCP-LISTEN:{},bind=127.0.0.1,fork,reuseaddr EXEC:"lua5.1 $TMP/hello.lua"
start fork "$BUILD/vlcnet-listen" --fork -m 1 -e 'net.send(fd, "hello\n")' 127.0.0.1 {}
start sh-exec "$BUILD/vlcnet-listen" -k -c 'echo hello' 127.0.0.1 {}

declare -A SUM
for n in "${NAMES[@]}"; do SUM[$n]=0; done
for ((s = 0; s < SLICES; s++)); do
	for n in "${NAMES[@]}"; do
		r=$("$TMP/conn_client" 127.0.0.1 "${PORT[$n]}" "$SECS" hello 0.2) ||
			die "$n failed: $(cat "$TMP/$n.err")"
		SUM[$n]=$((SUM[$n] + r))
	done
done

echo "connections per second, one \"hello\" line each ($SLICES slices of ${SECS}s):"
for n in "${NAMES[@]}"; do
	case $n in
	lua-exec) what="vlcnet-listen -k --lua-exec" ;;
	ncat) what="ncat -lk --lua-exec" ;;
	socat) what="socat TCP-LISTEN,fork EXEC:lua5.1" ;;
	fork) what="vlcnet-listen --fork --script" ;;
	sh-exec) what="vlcnet-listen -k -c 'echo hello'" ;;
	esac
	printf '  %-36s %8d conn/s\n' "$what" $((SUM[$n] / SLICES))
done
awk -v v="${SUM[lua-exec]}" -v n="${SUM[ncat]}" -v s="${SUM[socat]}" 'BEGIN {
	printf "vlcnet --lua-exec / ncat: %.2fx   / socat: %.2fx\n", v / n, v / s }'
