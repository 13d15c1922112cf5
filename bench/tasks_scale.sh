#!/usr/bin/env bash
# bench/tasks_scale.sh: how tasks scale (issue 22). 1) N connections (10,000 by
# default) held at once by one net.serve process, one task each, waiting in
# recv: all accepted, the server's RSS growth per connection, and no
# descriptor left once they close. 2) Connections opened and closed one after
# another (bench/conn_client.c) against net.serve and against
# vlcnet-listen --fork, for SECS seconds each: the rates, the time 20,000
# would take, and their ratio. Loopback only; each step bounded in time.
#
#   bench/tasks_scale.sh      BENCH_CONNS=20000 BENCH_SECS=5 bench/tasks_scale.sh
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${VLCNET_BUILD:-$TOP/build}
CONNS=${BENCH_CONNS:-10000}
SECS=${BENCH_SECS:-3}
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$TMP"' EXIT

die() { echo "tasks_scale.sh: $*" >&2; exit 2; }
[ -x "$BUILD/vlcnet-listen" ] || die "$BUILD/vlcnet-listen missing: run make"
command -v python3 >/dev/null || die "python3 is needed (apt-get install python3)"
ulimit -n $((2 * CONNS + 100)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -gt $((CONNS + 50)) ] || die "ulimit -n too low for $CONNS connections"
cc -O2 -o "$TMP/conn_client" "$TOP/bench/conn_client.c" || die "cannot compile bench/conn_client.c"

port_of() {
	local i p
	for ((i = 0; i < 100; i++)); do
		p=$(sed -nE 's/.*listening on .*:([0-9]+)$/\1/p' "$1" 2>/dev/null | head -n 1)
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.05
	done
	return 1
}
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
fds() { ls "/proc/$1/fd" | wc -l; }
# wait_fds PID N SECS: until PID holds N descriptors.
wait_fds() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		[ "$(fds "$1")" -eq "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

wait_fds_ge() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		[ "$(fds "$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# 1) held connections
cat >"$TMP/hold.lua" <<'LUA'
net.serve(listener, function(fd)
	while net.recv(fd, 4096) do end
	net.close(fd)
end)
net.run()
LUA
"$BUILD/vlcnet-listen" -v --script "$TMP/hold.lua" 127.0.0.1 0 2>"$TMP/hold.log" &
srv=$!
port=$(port_of "$TMP/hold.log") || die "the server did not start"
sleep 0.2
base_fds=$(fds $srv) base_rss=$(rss_kb $srv)
mkfifo "$TMP/go"
timeout 100 python3 -c '
import socket, sys
n, port = int(sys.argv[1]), int(sys.argv[2])
conns = [socket.create_connection(("127.0.0.1", port)) for i in range(n)]
print("held", len(conns), flush=True)
open(sys.argv[3]).read()
for c in conns: c.close()
' "$CONNS" "$port" "$TMP/go" >"$TMP/cli.log" &
cli=$!
wait_fds_ge $srv $((base_fds + CONNS)) 60 || { cat "$TMP/hold.log" "$TMP/cli.log" >&2; die "the server holds $(fds $srv) descriptors, not $((base_fds + CONNS))"; }
held_rss=$(rss_kb $srv)
echo >"$TMP/go"
wait $cli
wait_fds $srv "$base_fds" 30 && left=0 || left=$(( $(fds $srv) - base_fds ))
kill $srv 2>/dev/null; wait $srv 2>/dev/null
awk -v n="$CONNS" -v a="$base_rss" -v b="$held_rss" -v l="$left" 'BEGIN {
	printf "held: %d connections at once, RSS %d KB -> %d KB: %.2f KB per connection; descriptors left after: %d\n",
		n, a, b, (b - a) / n, l }'

# 2) open and close
rate() {
	local port
	timeout $((SECS + 30)) "$@" 2>"$TMP/srv.log" &
	local p=$!
	port=$(port_of "$TMP/srv.log") || { kill $p; echo 0; return; }
	"$TMP/conn_client" 127.0.0.1 "$port" "$SECS" hello 0.3 || echo 0
	kill $p 2>/dev/null; wait $p 2>/dev/null
}
task=$(rate "$BUILD/vlcnet-listen" -v -e 'net.serve(listener, function(fd) net.send(fd, "hello\n") net.close(fd) end) net.run()' 127.0.0.1 0)
fork=$(rate "$BUILD/vlcnet-listen" -v --fork -e 'net.send(fd, "hello\n")' 127.0.0.1 0)
awk -v t="$task" -v f="$fork" 'BEGIN {
	printf "open/close: net.serve %.0f conn/s (20,000 in %.1f s), --fork %.0f conn/s (20,000 in %.1f s): %.1fx\n",
		t, (t > 0 ? 20000 / t : 0), f, (f > 0 ? 20000 / f : 0), (f > 0 ? t / f : 0) }'
