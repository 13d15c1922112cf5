#!/usr/bin/env bats
# -U (Unix domain sockets) and -u (UDP, Unix datagrams) in vlcnet-listen and
# vlcnet-connect: real peers (nc, socat, python3), socket files, bad input.

load helper

setup() {
	T=$BATS_TEST_TMPDIR
}

# wait_gone PID: wait (5 s at most) until the process PID has ended.
wait_gone() {
	local i
	for ((i = 0; i < 100; i++)); do
		_vlcnet_gone "$1" && return 0
		sleep 0.05
	done
	return 1
}

# wait_socket PATH: wait (5 s at most) until PATH is a socket.
wait_socket() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ -S "$1" ] && return 0
		sleep 0.05
	done
	echo "no socket at $1" >&2
	return 1
}

# --- Unix stream sockets ------------------------------------------------------

@test "connect -U talks to socat UNIX-LISTEN, both ways" {
	bg srv socat -t 5 UNIX-LISTEN:"$T/s.sock" SYSTEM:'read l; echo "socat got $l"'
	wait_socket "$T/s.sock"
	run timeout 10 bash -c "printf 'hello\n' | vlcnet-connect -U '$T/s.sock'"
	assert_success
	assert_output "socat got hello"
}

@test "listen -U relays both ways with nc -U and removes its socket file" {
	VLCNET_REPLY=$'from listen\n' vlcnet_listen -U
	assert_equal "$VLCNET_SOCKET" "$T/vlcnet-0.sock"
	[ -S "$VLCNET_SOCKET" ]
	run timeout 10 bash -c "printf 'from nc\n' | nc -N -U '$VLCNET_SOCKET'"
	assert_success
	assert_output "from listen"
	assert_vlcnet_received "from nc"
	[ ! -e "$VLCNET_SOCKET" ]
}

@test "listen -U serves socat UNIX-CONNECT" {
	VLCNET_REPLY=$'pong\n' vlcnet_listen -U
	run timeout 10 bash -c "printf 'ping\n' | socat -t 5 - UNIX-CONNECT:'$VLCNET_SOCKET'"
	assert_success
	assert_output "pong"
	assert_vlcnet_received "ping"
}

@test "64 MiB cross a Unix stream socket both ways at once with equal sha256" {
	head -c 64M /dev/urandom >"$T/a"
	head -c 64M /dev/urandom >"$T/b"
	# vlcnet-listen -U against a python3 client...
	bg_stdin lis "$T/a" vlcnet-listen --port-file "$T/pf" -U "$T/l.sock"
	wait_socket "$T/l.sock"
	run timeout 60 python3 "$FIXTURES/unix_bulk.py" connect "$T/l.sock" "$T/b" "$T/got_a"
	assert_success
	wait_bg
	assert_equal "$(sha256sum <"$T/got_a")" "$(sha256sum <"$T/a")"
	assert_equal "$(sha256sum <"$T/lis.out")" "$(sha256sum <"$T/b")"
	# ...and vlcnet-connect -U against a python3 server.
	bg srv python3 "$FIXTURES/unix_bulk.py" listen "$T/c.sock" "$T/a" "$T/got_b"
	wait_for "$T/srv.out" '^ready$'
	run timeout 60 bash -c "vlcnet-connect -U '$T/c.sock' <'$T/b' >'$T/conn.out'"
	assert_success
	wait_bg
	assert_equal "$(sha256sum <"$T/got_b")" "$(sha256sum <"$T/b")"
	assert_equal "$(sha256sum <"$T/conn.out")" "$(sha256sum <"$T/a")"
}

@test "an abstract socket (@name) works both ways and leaves no file" {
	local name="@vlcnet-test-$$-$BATS_TEST_NUMBER"
	bg_stdin lis <(printf 'abstract reply\n') vlcnet-listen -v -U "$name"
	wait_for "$T/lis.err" "listening on $name"
	run timeout 10 bash -c "printf 'abstract hello\n' | vlcnet-connect -U '$name'"
	assert_success
	assert_output "abstract reply"
	wait_bg
	assert_equal "$(cat "$T/lis.out")" "abstract hello"
	run ls -A "$T"
	refute_output --partial "vlcnet-test"
}

@test "a stale socket file is replaced, said under -v" {
	python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$T/st.sock"
	[ -S "$T/st.sock" ]
	bg lis vlcnet-listen -v -U "$T/st.sock"
	wait_for "$T/lis.err" "listening on $T/st.sock"
	assert_equal "$(grep -c stale "$T/lis.err")" 1
	run timeout 10 bash -c "printf 'fresh\n' | vlcnet-connect -U '$T/st.sock'"
	assert_success
	wait_bg
	assert_equal "$(cat "$T/lis.out")" "fresh"
	[ ! -e "$T/st.sock" ]
}

@test "a regular file at PATH is left alone with an error" {
	printf 'precious\n' >"$T/file"
	run timeout 10 vlcnet-listen -U "$T/file"
	assert_failure 1
	assert_output "vlcnet-listen: listen on $T/file: File exists and is not a socket"
	assert_equal "$(cat "$T/file")" "precious"
}

@test "a socket with a live listener is Address already in use, and the live one is undisturbed" {
	# Without -k: the liveness probe must not be a connection the live
	# listener accepts (that would end its one session).
	vlcnet_listen -U
	run timeout 10 vlcnet-listen -U "$VLCNET_SOCKET"
	assert_failure 1
	assert_output "vlcnet-listen: listen on $VLCNET_SOCKET: Address already in use"
	[ -S "$VLCNET_SOCKET" ]
	run timeout 10 bash -c "printf 'still\n' | vlcnet-connect -U '$VLCNET_SOCKET'"
	assert_success
	assert_vlcnet_received "still"
	vlcnet_listen -u -U
	run timeout 10 vlcnet-listen -u -U "$VLCNET_SOCKET"
	assert_failure 1
	assert_output "vlcnet-listen: listen on $VLCNET_SOCKET: Address already in use"
}

@test "the socket file is gone after SIGTERM and after SIGINT" {
	local sig
	for sig in TERM INT; do
		bg "lis$sig" vlcnet-listen -v -U "$T/$sig.sock"
		wait_for "$T/lis$sig.err" "listening on"
		[ -S "$T/$sig.sock" ]
		kill -"$sig" "$(tail -n 1 "$T/pids")"
		wait_gone "$(tail -n 1 "$T/pids")"
		[ ! -e "$T/$sig.sock" ]
	done
	wait_bg lisTERM=143 lisINT=130
}

@test "--fork over a Unix socket: each child gets the connection and peer names the socket" {
	vlcnet_listen --fork -e 'net.send(fd, "child at " .. peer .. "\n")' -U
	run timeout 10 vlcnet-connect -U "$VLCNET_SOCKET" </dev/null
	assert_success
	assert_output "child at $VLCNET_SOCKET"
	run timeout 10 vlcnet-connect -U "$VLCNET_SOCKET" </dev/null
	assert_success
	assert_output "child at $VLCNET_SOCKET"
	vlcnet_stop
	[ ! -e "$VLCNET_SOCKET" ]
}

@test "--script gets a listener over the Unix socket, port 0, and the file goes with the tool" {
	vlcnet_listen -e '
		local fd = listener:accept()
		net.send(fd, "port " .. listener:port() .. "\n")
		net.close(fd)' -U
	run timeout 10 vlcnet-connect -U "$VLCNET_SOCKET" </dev/null
	assert_success
	assert_output "port 0"
	run vlcnet_received
	assert_success
	[ ! -e "$VLCNET_SOCKET" ]
}

@test "connect -U --script gets the connection as fd" {
	VLCNET_REPLY=$'to script\n' vlcnet_listen -U
	run timeout 10 vlcnet-connect -U "$VLCNET_SOCKET" -e '
		net.send(fd, "from script\n")
		local p = {}; p[fd] = net.POLLIN; net.poll(p, 5000)
		io.write(net.recv(fd, 100))'
	assert_success
	assert_output "to script"
	assert_vlcnet_received "from script"
}

# --- UDP and Unix datagrams -----------------------------------------------------

@test "connect -u: datagrams of 1, 1000 and 60000 bytes keep their sizes both ways" {
	run timeout 20 python3 "$FIXTURES/dgram_peer.py" connect vlcnet-connect -u
	assert_success
	assert_output $'peer got 1 1000 60000\nstdout got 1 1000 60000\nexit 0'
}

@test "listen -u: datagrams of 1, 1000 and 60000 bytes keep their sizes both ways" {
	run timeout 20 python3 "$FIXTURES/dgram_peer.py" listen vlcnet-listen -u
	assert_success
	assert_output $'stdout got 1 1000 60000\npeer got 1 1000 60000\nexit -15'
}

@test "listen -u -k answers two different peers, each the last one it heard" {
	run timeout 20 python3 "$FIXTURES/dgram_peer.py" two-peers vlcnet-listen -u -k
	assert_success
	assert_output --partial $'first got to first\nstdout got from second\nsecond got to second'
}

@test "listen -u without -k serves its first peer only" {
	run timeout 30 python3 "$FIXTURES/dgram_peer.py" first-only vlcnet-listen -u
	assert_success
	assert_output --partial $'stdout got from first\nfirst got to first\nstdout got first again\nfirst got to whom\nsecond got nothing\n'
}

@test "listen -u -v says from whom datagrams come; nc -u gets the answer" {
	VLCNET_REPLY=$'back\n' vlcnet_listen -u -v
	run timeout 10 bash -c "printf 'hi\n' | nc -u -w 1 127.0.0.1 $VLCNET_PORT"
	assert_success
	assert_output "back"
	wait_for "$VLCNET_STDERR" '^vlcnet-listen: datagrams from 127\.0\.0\.1:[0-9]+$'
	vlcnet_stop
	assert_equal "$(cat "$VLCNET_STDOUT")" "hi"
}

@test "connect -u sends to nc -u -l and ends at the end of its input" {
	local port
	port=$(pyclient port udp)
	bg srv nc -u -l 127.0.0.1 "$port"
	wait_udp "$port"
	run timeout 10 bash -c "printf 'to nc\n' | vlcnet-connect -u 127.0.0.1 $port"
	assert_success
	wait_for "$T/srv.out" '^to nc$'
}

@test "connect -u talks to socat UDP-LISTEN, both ways" {
	local port
	port=$(pyclient port udp)
	bg srv socat -T 5 UDP-LISTEN:"$port",bind=127.0.0.1 SYSTEM:'read l; echo "socat got $l"'
	wait_udp "$port"
	# connect's input stays open until the answer has come
	mkfifo "$T/in"
	bg_stdin cli "$T/in" vlcnet-connect -u -w 3 127.0.0.1 "$port"
	exec 7>"$T/in"
	echo hello >&7
	wait_for "$T/cli.out" '^socat got hello$'
	exec 7>&-
	wait_bg
	assert_equal "$(cat "$T/cli.out")" "socat got hello"
}

@test "listen -u talks to socat UDP, both ways" {
	VLCNET_REPLY=$'from listen\n' vlcnet_listen -u
	# socat's input stays open until the answer is in
	printf 'from socat\n' >"$T/msg"
	held_input "$T/held" "$T/msg"
	bg_stdin cli "$T/held" socat -T 2 - UDP:127.0.0.1:"$VLCNET_PORT"
	wait_for "$T/cli.out" '^from listen$'
	kill "$held_pid"
	wait_bg
	assert_equal "$(cat "$T/cli.out")" "from listen"
	vlcnet_stop
	assert_equal "$(cat "$VLCNET_STDOUT")" "from socat"
}

@test "listen -u -w ends an idle session with status 0" {
	vlcnet_listen -u -w 0.5
	wait_gone "$VLCNET_PID"
	wait "$VLCNET_PID"
}

@test "listen -U -u talks to nc -U -u, both ways, and removes its socket" {
	VLCNET_REPLY=$'dgram back\n' vlcnet_listen -U -u
	run timeout 10 bash -c "printf 'dgram hi\n' | nc -U -u -w 1 '$VLCNET_SOCKET'"
	assert_success
	assert_output "dgram back"
	vlcnet_stop
	assert_equal "$(cat "$VLCNET_STDOUT")" "dgram hi"
	[ ! -e "$VLCNET_SOCKET" ]
}

@test "connect -U -u talks to listen -U -u over an abstract name" {
	local name="@vlcnet-dg-$$-$BATS_TEST_NUMBER"
	# listen answers once it has a peer; connect's input stays open until then
	mkfifo "$T/lis.in" "$T/cli.in"
	bg_stdin lis "$T/lis.in" vlcnet-listen -v -u -U "$name"
	exec 8>"$T/lis.in"
	wait_for "$T/lis.err" "listening on"
	bg_stdin cli "$T/cli.in" vlcnet-connect -U -u "$name"
	exec 7>"$T/cli.in"
	echo question >&7
	wait_for "$T/lis.out" '^question$'
	echo answer >&8
	wait_for "$T/cli.out" '^answer$'
	exec 7>&- 8>&-
	kill "$(sed -n 1p "$T/pids")"
	wait_bg lis=143
	assert_equal "$(cat "$T/cli.out")" "answer"
	assert_equal "$(cat "$T/lis.out")" "question"
}

@test "connect -U -u talks to socat UNIX-RECVFROM" {
	bg srv socat UNIX-RECVFROM:"$T/r.sock" SYSTEM:'read l; echo "socat got $l"'
	wait_socket "$T/r.sock"
	# connect's input stays open until the answer is in
	printf 'hey\n' >"$T/msg"
	held_input "$T/held" "$T/msg"
	bg_stdin cli "$T/held" vlcnet-connect -U -u "$T/r.sock"
	wait_for "$T/cli.out" '^socat got hey$'
	kill "$held_pid"
	wait_bg
	assert_equal "$(cat "$T/cli.out")" "socat got hey"
}

# --- bad input --------------------------------------------------------------------

@test "bad -U, -u and other operands, another tool's option, unusable TLS or port-file options: one-line errors with their status" {
	local long
	long=$T/$(printf 'x%.0s' $(seq 120))
	while IFS='|' read -r st prog args msg; do
		eval "run timeout 10 $prog $args </dev/null"
		want="$st $prog: $msg"
		[ "$st" != 2 ] || want+=$'\n'"Try '$prog --help' for more information."
		assert_equal "$status $output" "$want"
	done <<-ROWS
	2|vlcnet-listen|-U /tmp/x 80|--unix takes one PATH operand, not HOST PORT
	2|vlcnet-listen|-U|missing PATH operand
	2|vlcnet-listen|-U ''|empty PATH operand
	2|vlcnet-listen|-4 -U $T/x|--ipv4 and --ipv6 do not apply to --unix
	2|vlcnet-listen|-u --fork -e 'x=1' 0|--fork needs connections: not with --udp
	2|vlcnet-connect|-U $T/x 80|--unix takes one PATH operand, not HOST PORT
	2|vlcnet-connect|-U|missing PATH operand
	2|vlcnet-connect|-z -u 127.0.0.1 80|--scan works over TCP only
	2|vlcnet-connect|-z -U $T/x|--scan works over TCP only
	2|vlcnet-connect|-u 127.0.0.1 99999|invalid port '99999'
	1|vlcnet-listen|-U $long|listen on $long: path too long for a Unix socket (at most 107 bytes)
	1|vlcnet-connect|-U $long|connect to $long: path too long for a Unix socket (at most 107 bytes)
	1|vlcnet-connect|-U $T/missing|connect to $T/missing: No such file or directory
	1|vlcnet-listen|-U $T/no/dir/s|listen on $T/no/dir/s: No such file or directory
	1|vlcnet-connect|-u a..b 53|connect to a..b:53: unknown host
	2|vlcnet-connect|-U ''|empty PATH operand
	2|vlcnet-connect|127.0.0.1 80 81|too many operands
	2|vlcnet-listen|127.0.0.1 80 81|too many operands
	2|vlcnet-stat|--keep-open x|unknown option --keep-open
	2|vlcnet-connect|--proxy 127.0.0.1:1 -e 'print(1)'|--proxy needs HOST PORT (a script connects with net.connect_tcp's proxy option)
	2|vlcnet-listen|--tls-ca x --tls --tls-cert y --tls-key z 0|--tls-ca applies to --tls-verify-client
	1|vlcnet-listen|--port-file /dev/full 127.0.0.1 0|port file '/dev/full': No space left on device
	ROWS
}

# --- completions ----------------------------------------------------------------

@test "bash completes a socket path after -U and host names otherwise" {
	cd "$T"
	touch ctl.sock
	run timeout 10 bash -c '
		source "$1/completions/bash/vlcnet"
		for line in "vlcnet-connect -U ct" "vlcnet-listen -vU ct" "vlcnet-connect ct"; do
			read -ra COMP_WORDS <<<"$line"
			COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
			_vlcnet "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" ""
			echo "$line: ${COMPREPLY[*]}"
		done' _ "$TOP"
	assert_success
	assert_line "vlcnet-connect -U ct: ctl.sock"
	assert_line "vlcnet-listen -vU ct: ctl.sock"
	assert_line "vlcnet-connect ct: "
}

@test "zsh offers a socket path after -U" {
	cd "$T"
	touch ctl.sock
	run timeout 20 zsh -f -c '
		zmodload zsh/zpty
		zpty z zsh -f -i
		zpty -w z "PS1=; PROMPT_EOL_MARK=; fpath=($1 \$fpath); autoload -U compinit; compinit -u -D; stty columns 200"
		zpty -w -n z "vlcnet-connect -U ct"$'"'\t'"'
		local out= l i
		for i in {1..50}; do
			while zpty -r -t z l; do out+=$l; done
			assert_success
			[[ $out == *ctl.sock* ]] && break
			sleep 0.1
		done
		zpty -d z
		print -r -- "$out"' _ "$TOP/completions/zsh"
	assert_output --partial "ctl.sock"
}

@test "listen -u -6 serves IPv6 only: a datagram to its port over IPv4 is refused" {
	python3 -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))' 2>/dev/null ||
		skip "no IPv6 loopback"
	local port
	bg_stdin srv /dev/null vlcnet-listen -u -6 -v 0
	port=$(port_of srv)
	run timeout 20 python3 -c '
import socket, sys
p = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
s.connect(("127.0.0.1", p))
s.send(b"v4\n")
try:
    s.recv(100)
    print("answered")
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("taken over IPv4")
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s6.sendto(b"v6\n", ("::1", p))
' "$port"
	assert_success
	assert_output "refused"
	wait_for "$T/srv.out" '^v6$'
	assert_equal "$(cat "$T/srv.out")" "v6"
}

@test "listen -u without HOST names an IPv4 peer as net.recvfrom does: 127.0.0.1, not ::ffff:" {
	local port
	bg_stdin srv /dev/null vlcnet-listen -u -v 0
	port=$(port_of srv)
	run timeout 20 vlcnet-connect -e "
	     local u = net.listen_udp('*', 0)
	     local s = net.listen_udp('127.0.0.1', 0)
	     net.sendto(s, 'hi\n', '127.0.0.1', $port)
	     net.sendto(s, 'to u', '127.0.0.1', net.port(u))
	     net.poll({ [u] = net.POLLIN }, 10000)
	     local d, host, p = net.recvfrom(u)
	     print(host .. ':' .. p)"
	assert_success
	assert_output --regexp '^127\.0\.0\.1:[0-9]+$'
	wait_for "$T/srv.err" "^vlcnet-listen: datagrams from $output\$"
}

@test "listen --script -u hands the script the bound datagram socket as fd" {
	cat >"$T/udp.lua" <<'LUA'
net.poll({ [fd] = net.POLLIN })
local data, host, port = net.recvfrom(fd, 100)
io.write("got ", data)
net.sendto(fd, "echo " .. data, host, port)
LUA
	vlcnet_listen -u --script "$T/udp.lua"
	run timeout 10 bash -c "printf 'ping\n' | nc -u -w 1 127.0.0.1 $VLCNET_PORT"
	assert_success
	assert_output "echo ping"
	vlcnet_wait 0
	assert_equal "$(cat "$VLCNET_STDOUT")" "got ping"
}

@test "listen -u and connect -u with standard output on a full disk end with status 1" {
	bg_stdin srv /dev/null bash -c 'exec vlcnet-listen -v -u 127.0.0.1 0 >/dev/full'
	port=$(port_of srv)
	run timeout 10 bash -c "printf 'hi\n' | nc -u -w 1 127.0.0.1 $port"
	assert_success
	wait_bg srv=1
	assert_equal "$(sed -n 3p "$T/srv.err")" "vlcnet-listen: standard output: No space left on device"
	# connect's input stays open: the write error alone ends it
	VLCNET_REPLY=$'back\n' vlcnet_listen -u
	mkfifo "$T/in"
	bg_stdin cli "$T/in" bash -c "exec vlcnet-connect -u 127.0.0.1 $VLCNET_PORT >/dev/full"
	exec 7>"$T/in"
	echo hi >&7
	wait_gone "$(tail -n 1 "$T/pids")"
	exec 7>&-
	wait_bg srv=1 cli=1
	assert_equal "$(cat "$T/cli.err")" "vlcnet-connect: standard output: No space left on device"
}

@test "listen -u: an empty datagram is not the end: the next one is relayed and the answer goes back" {
	VLCNET_REPLY=$'back\n' vlcnet_listen -u
	run timeout 10 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
to = ("127.0.0.1", int(sys.argv[1]))
s.sendto(b"", to)
s.sendto(b"after\n", to)
print(s.recv(100).decode(), end="")' "$VLCNET_PORT"
	assert_success
	assert_output "back"
	wait_for "$VLCNET_STDOUT" '^after$'
	vlcnet_stop
	assert_equal "$(cat "$VLCNET_STDOUT")" "after"
}
