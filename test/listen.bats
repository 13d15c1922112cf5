#!/usr/bin/env bats
# vlcnet-listen without a script (nc -l) and with --fork --script.

load helper

@test "listen binds IPv4 and IPv6 by default and says so with -v" {
	VLCNET_HOST= vlcnet_listen -k -v
	port=$VLCNET_PORT
	wait_for "$VLCNET_STDERR" "listening on \[::\]:$port$"
	assert_equal "$(sed -n 1,2p "$VLCNET_STDERR" | sort)" \
"vlcnet-listen: listening on 0.0.0.0:$port
vlcnet-listen: listening on [::]:$port"
	# a client over each family really arrives
	run timeout 10 bash -c "printf 'over v4\n' | nc -N 127.0.0.1 $port"
	assert_success
	run timeout 10 bash -c "printf 'over v6\n' | nc -N ::1 $port"
	assert_success
	wait_for "$VLCNET_STDOUT" "^over v6$"
	assert_equal "$(cat "$VLCNET_STDOUT")" "over v4
over v6"
	run grep "connection from" "$VLCNET_STDERR"
	assert_line -n 0 --regexp '^vlcnet-listen: connection from 127\.0\.0\.1:[0-9]+$'
	assert_line -n 1 --regexp '^vlcnet-listen: connection from \[::1\]:[0-9]+$'
}

@test "listen -4 and -6 bind one family each" {
	VLCNET_HOST= vlcnet_listen -4 -v
	p4=$VLCNET_PORT four_err=$VLCNET_STDERR
	VLCNET_HOST=::1 vlcnet_listen -6 -v
	p6=$VLCNET_PORT six_err=$VLCNET_STDERR
	assert_equal "$(cat "$four_err")" "vlcnet-listen: listening on 0.0.0.0:$p4"
	assert_equal "$(cat "$six_err")" "vlcnet-listen: listening on [::1]:$p6"
	run timeout 10 vlcnet-listen -6 127.0.0.1 0
	assert_failure 1
	assert_output --partial "vlcnet-listen: listen on 127.0.0.1:0: "
}

@test "nc as a client: data both ways, then both end" {
	printf 'from listen\n' >"$BATS_TEST_TMPDIR/in"
	VLCNET_REPLY_FILE="$BATS_TEST_TMPDIR/in" vlcnet_listen -v
	port=$VLCNET_PORT
	run timeout 10 bash -c "printf 'from nc\n' | nc -N 127.0.0.1 $port"
	assert_success
	assert_output "from listen"
	vlcnet_wait
	assert_equal "$(cat "$VLCNET_STDOUT")" "from nc"
	run cat "$VLCNET_STDERR"
	assert_line --regexp '^vlcnet-listen: connection from 127\.0\.0\.1:[0-9]+$'
}

@test "socat as a client: data both ways" {
	printf 'from listen\n' >"$BATS_TEST_TMPDIR/in"
	VLCNET_REPLY_FILE="$BATS_TEST_TMPDIR/in" vlcnet_listen -v
	port=$VLCNET_PORT
	run timeout 10 bash -c "printf 'from socat\n' | socat -t 5 STDIO TCP:127.0.0.1:$port"
	assert_success
	assert_output "from listen"
	vlcnet_wait
	assert_equal "$(cat "$VLCNET_STDOUT")" "from socat"
}

@test "curl fetches an HTTP response served from a file" {
	printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n' \
		>"$BATS_TEST_TMPDIR/response.txt"
	VLCNET_HOST= VLCNET_REPLY_FILE="$BATS_TEST_TMPDIR/response.txt" vlcnet_listen -v
	port=$VLCNET_PORT
	run timeout 10 curl -sS "http://127.0.0.1:$port/index.html"
	assert_success
	assert_output "hello"
	vlcnet_wait
	run head -n 1 "$VLCNET_STDOUT"
	assert_output $'GET /index.html HTTP/1.1\r'
}

@test "listen -k serves 200 clients in a row without leaking descriptors" {
	vlcnet_listen -k -v
	port=$VLCNET_PORT
	pid=$VLCNET_PID
	before=$(fd_count "$pid")
	# each sends a line and half-closes; stdin is empty: listen half-closes at once
	run pyclient ends --say 'client %d' 200 127.0.0.1 "$port"
	assert_success
	assert_output "eof 200 reset 0 data 0 timeout 0"
	wait_for "$VLCNET_STDOUT" '^client 199$'
	fd_count_is "$pid" "$before"
	assert_equal "$(wc -l <"$VLCNET_STDOUT")" 200
	assert_equal "$(grep -c 'connection from' "$VLCNET_STDERR")" 200
	kill -0 "$pid"
}

@test "listen -k gives stdin to the first client and half-closes the later ones" {
	printf 'only once\n' >"$BATS_TEST_TMPDIR/in"
	VLCNET_REPLY_FILE="$BATS_TEST_TMPDIR/in" vlcnet_listen -k -v
	port=$VLCNET_PORT
	run timeout 10 nc -N 127.0.0.1 "$port" </dev/null
	assert_success
	assert_output "only once"
	run timeout 10 nc -N 127.0.0.1 "$port" </dev/null
	assert_success
	assert_output ""
}

# A --fork script: the reply names the peer and echoes one line.
ECHO_PEER='local line = net.recv(fd, 100) or "" net.send(fd, peer .. " " .. line)'

@test "--fork serves several clients at once with fd and peer" {
	vlcnet_listen -v --fork -e "$ECHO_PEER"
	port=$VLCNET_PORT
	# every connection is open before the first one sends
	run timeout 20 python3 -c "
import socket
cs = [socket.create_connection(('127.0.0.1', $port)) for i in range(5)]
for c in reversed(cs):
    c.sendall(b'hi')
    name = '%s:%d' % c.getsockname()
    assert c.recv(100).decode() == name + ' hi', name
    c.close()
print('ok')"
	assert_success
	assert_output "ok"
}

@test "--fork -m 1 serves one connection at a time" {
	vlcnet_listen -v --fork -m 1 \
		-e 'print("start") io.stdout:flush() net.recv(fd, 10) print("end")'
	port=$VLCNET_PORT
	run timeout 20 python3 -c "
import socket, time
a = socket.create_connection(('127.0.0.1', $port))
b = socket.create_connection(('127.0.0.1', $port))
b.sendall(b'b')
time.sleep(0.3)
a.sendall(b'a')
a.recv(1); b.recv(1)"
	assert_success
	for _ in $(seq 100); do
		[ "$(grep -c end "$VLCNET_STDOUT")" = 2 ] && break
		sleep 0.05
	done
	assert_equal "$(cat "$VLCNET_STDOUT")" "start
end
start
end"
}

@test "--fork keeps no descriptor and no zombie over 1000 connections" {
	vlcnet_listen -v --fork -e 'net.send(fd, peer)'
	port=$VLCNET_PORT
	pid=$VLCNET_PID
	before=$(fd_count "$pid")
	run timeout 40 python3 -c "
import socket
for i in range(1000):
    c = socket.create_connection(('127.0.0.1', $port))
    assert c.recv(100).startswith(b'127.0.0.1:')
    c.close()"
	assert_success
	fd_count_is "$pid" "$before"
	# children are reaped at least once a second
	for _ in $(seq 60); do
		ps -o stat= --ppid "$pid" | grep -q Z || break
		sleep 0.1
	done
	run ps -o stat= --ppid "$pid"
	refute_output --partial Z
}

@test "--fork with a script that does not compile fails (2) before listening" {
	run timeout 10 vlcnet-listen -v --fork -e 'x = = 1' 127.0.0.1 0
	assert_failure 2
	refute_output --partial "listening on"
	run timeout 10 vlcnet-listen --fork 127.0.0.1 0
	assert_failure 2
	assert_output --partial "--fork needs --script"
}

@test "listen reports a port in use and a bad port" {
	vlcnet_listen -v
	port=$VLCNET_PORT
	run timeout 10 vlcnet-listen 127.0.0.1 "$port"
	assert_failure 1
	assert_output "vlcnet-listen: listen on 127.0.0.1:$port: Address already in use"
	run timeout 10 vlcnet-listen 127.0.0.1 65536
	assert_failure 2
	assert_output "$(printf "vlcnet-listen: invalid port '65536'\nTry 'vlcnet-listen --help' for more information.")"
	run timeout 10 vlcnet-listen -m 0 --fork -e x 127.0.0.1 0
	assert_failure 2
}

@test "listen on an address this host does not have is one line and status 1" {
	# 192.0.2.1 (TEST-NET-1) is on no interface: bind refuses it, nothing is sent
	run timeout 10 vlcnet-listen 192.0.2.1 0 </dev/null
	assert_failure 1
	assert_output "vlcnet-listen: listen on 192.0.2.1:0: Cannot assign requested address"
}

@test "SIGTERM ends a waiting listen -k with status 143" {
	vlcnet_listen -k -v
	kill -TERM "$VLCNET_PID"
	vlcnet_wait 143
}

@test "listen names an IPv6 address in brackets in its messages, as connect does" {
	run timeout 10 vlcnet-listen -4 ::1 0
	assert_failure 1
	assert_output "vlcnet-listen: listen on [::1]:0: Address family for hostname not supported"
	run timeout 10 vlcnet-listen a..b 0
	assert_failure 1
	assert_output "vlcnet-listen: listen on a..b:0: unknown host"
}

@test "--port-file holds the bound port once the server listens, for a relay and a script" {
	bg srv vlcnet-listen --port-file "$BATS_TEST_TMPDIR/port" 127.0.0.1 0
	wait_for "$BATS_TEST_TMPDIR/port" '^[0-9]+$'
	port=$(cat "$BATS_TEST_TMPDIR/port")
	run timeout 10 bash -c "echo over | vlcnet-connect 127.0.0.1 $port"
	assert_success
	wait_bg
	assert_equal "$(cat "$BATS_TEST_TMPDIR/srv.out")" over
	# the file is whole: the port and a newline
	assert_equal "$(od -An -c "$BATS_TEST_TMPDIR/port" | tr -d ' ')" "$(printf '%s' "$port" | sed 's/./&/g')\n"

	bg lua vlcnet-listen --port-file /dev/fd/5 -e 'print(listener:port())
	  local fd = listener:accept() net.close(fd)' 127.0.0.1 0 5>"$BATS_TEST_TMPDIR/fd3"
	wait_for "$BATS_TEST_TMPDIR/fd3" '^[0-9]+$'
	run timeout 10 vlcnet-connect 127.0.0.1 "$(cat "$BATS_TEST_TMPDIR/fd3")" </dev/null
	assert_success
	wait_bg
	assert_equal "$(cat "$BATS_TEST_TMPDIR/lua.out")" "$(cat "$BATS_TEST_TMPDIR/fd3")"
}

@test "--port-file that cannot be written ends listen with status 1 before it accepts" {
	run vlcnet-listen --port-file "$BATS_TEST_TMPDIR/no/such/dir/port" 127.0.0.1 0
	assert_failure 1
	assert_output "vlcnet-listen: port file '$BATS_TEST_TMPDIR/no/such/dir/port': No such file or directory"
}

@test "nc habits: -lvp 0 listens everywhere on the port -p names and relays" {
	printf 'from listen\n' >"$BATS_TEST_TMPDIR/in"
	bg_stdin server "$BATS_TEST_TMPDIR/in" vlcnet-listen -lvp 0
	port=$(port_of server)
	wait_for "$BATS_TEST_TMPDIR/server.err" "listening on \[::\]:$port$"
	run timeout 10 bash -c "printf 'from nc\n' | nc -N 127.0.0.1 $port"
	assert_success
	assert_output "from listen"
	wait_bg
	assert_equal "$(cat "$BATS_TEST_TMPDIR/server.out")" "from nc"
}

@test "nc habits: -l -v -p 0 HOST binds HOST only, the operand left being the host" {
	bg server vlcnet-listen -l -v -p 0 127.0.0.1
	port=$(port_of server)
	assert_equal "$(cat "$BATS_TEST_TMPDIR/server.err")" \
		"vlcnet-listen: listening on 127.0.0.1:$port"
	run timeout 10 nc -N 127.0.0.1 "$port" </dev/null
	assert_success
	wait_bg
}

@test "-p with a PORT operand, or with -U, is a usage error (2)" {
	run timeout 10 vlcnet-listen -l -p 0 4444
	assert_failure 2
	assert_line -n 0 "vlcnet-listen: -p PORT and a PORT operand both given"
	run timeout 10 vlcnet-listen -p 0 127.0.0.1 4444
	assert_failure 2
	assert_line -n 0 "vlcnet-listen: -p PORT and a PORT operand both given"
	run timeout 10 vlcnet-listen -p 0 -U "$BATS_TEST_TMPDIR/s"
	assert_failure 2
	assert_line -n 0 "vlcnet-listen: -p PORT does not apply to --unix"
	run timeout 10 vlcnet-listen -p nope
	assert_failure 2
	assert_line -n 0 "vlcnet-listen: invalid port 'nope'"
}

@test "-p PORT with an empty HOST operand binds every address, as an empty HOST does" {
	bg srv vlcnet-listen -v -p 0 ""
	port=$(port_of srv)
	wait_for "$BATS_TEST_TMPDIR/srv.err" "listening on \[::\]:$port$"
	run timeout 10 nc -N ::1 "$port" </dev/null
	assert_success
	wait_bg
}

@test "-e with a program instead of Lua says to use --exec (2), in both network tools" {
	run timeout 10 vlcnet-listen -e /bin/cat 127.0.0.1 0
	assert_failure 2
	assert_output "vlcnet-listen: -e runs Lua code; to run the program /bin/cat use --exec /bin/cat
Try 'vlcnet-listen --help' for more information."
	# a name found in PATH, with arguments
	run timeout 10 vlcnet-listen -lp 0 -e 'cat -n'
	assert_failure 2
	assert_line -n 0 "vlcnet-listen: -e runs Lua code; to run the program cat use --exec \"cat -n\""
	run timeout 10 vlcnet-connect -e cat 127.0.0.1 1
	assert_failure 2
	assert_line -n 0 "vlcnet-connect: -e runs Lua code; to run the program cat use --exec cat"
	# Lua that does not compile and names no program: Lua's own message
	run timeout 10 vlcnet-listen -e 'no/such/program' 127.0.0.1 0
	assert_failure 2
	assert_output "vlcnet-listen: (command line):1: '=' expected near '/'"
	# Lua with a mistake whose first word is a program: Lua's own message
	run timeout 10 vlcnet-listen -e 'time = os.time(' 127.0.0.1 0
	assert_failure 2
	assert_output "vlcnet-listen: (command line):1: unexpected symbol near '<eof>'"
	# Lua that compiles runs, even if a program has that name
	printf '#!/bin/sh\n' >"$BATS_TEST_TMPDIR/print"
	chmod +x "$BATS_TEST_TMPDIR/print"
	PATH=$BATS_TEST_TMPDIR:$PATH run timeout 10 vlcnet-connect -e 'print "lua ran"'
	assert_success
	assert_output "lua ran"
}
