#!/usr/bin/env bats
# vlcnet-listen without a script (nc -l) and with --fork --script.

load helper

# The vlcnet process behind the newest `bg` (bg runs it under timeout).
newest_pid() {
	local t i pid
	t=$(sed -n '$p' "$BATS_TEST_TMPDIR/pids")
	for ((i = 0; i < 100; i++)); do
		pid=$(pgrep -P "$t") && { echo "$pid"; return; }
		sleep 0.05
	done
	return 1
}

@test "listen binds IPv4 and IPv6 by default and says so with -v" {
	bg_stdin srv /dev/null vlcnet-listen -k -v 0
	port=$(port_of srv)
	wait_for "$BATS_TEST_TMPDIR/srv.err" "listening on \[::\]:$port$"
	assert_equal "$(sed -n 1,2p "$BATS_TEST_TMPDIR/srv.err" | sort)" \
"vlcnet-listen: listening on 0.0.0.0:$port
vlcnet-listen: listening on [::]:$port"
	# a client over each family really arrives
	run timeout 10 bash -c "printf 'over v4\n' | nc -N 127.0.0.1 $port"
	assert_success
	run timeout 10 bash -c "printf 'over v6\n' | nc -N ::1 $port"
	assert_success
	wait_for "$BATS_TEST_TMPDIR/srv.out" "^over v6$"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/srv.out")" "over v4
over v6"
	run grep "connection from" "$BATS_TEST_TMPDIR/srv.err"
	assert_line -n 0 --regexp '^vlcnet-listen: connection from 127\.0\.0\.1:[0-9]+$'
	assert_line -n 1 --regexp '^vlcnet-listen: connection from \[::1\]:[0-9]+$'
}

@test "listen -4 and -6 bind one family each" {
	bg_stdin four /dev/null vlcnet-listen -4 -v 0
	bg_stdin six /dev/null vlcnet-listen -6 -v ::1 0
	p4=$(port_of four)
	p6=$(port_of six)
	assert_equal "$(cat "$BATS_TEST_TMPDIR/four.err")" "vlcnet-listen: listening on 0.0.0.0:$p4"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/six.err")" "vlcnet-listen: listening on [::1]:$p6"
	run timeout 10 vlcnet-listen -6 127.0.0.1 0
	assert_failure 1
	assert_output --partial "vlcnet-listen: listen on 127.0.0.1:0: "
}

@test "nc as a client: data both ways, then both end" {
	printf 'from listen\n' >"$BATS_TEST_TMPDIR/in"
	bg_stdin srv "$BATS_TEST_TMPDIR/in" vlcnet-listen -v 127.0.0.1 0
	port=$(port_of srv)
	run timeout 10 bash -c "printf 'from nc\n' | nc -N 127.0.0.1 $port"
	assert_success
	assert_output "from listen"
	wait_bg
	assert_equal "$(cat "$BATS_TEST_TMPDIR/srv.out")" "from nc"
	run cat "$BATS_TEST_TMPDIR/srv.err"
	assert_line --regexp '^vlcnet-listen: connection from 127\.0\.0\.1:[0-9]+$'
}

@test "socat as a client: data both ways" {
	printf 'from listen\n' >"$BATS_TEST_TMPDIR/in"
	bg_stdin srv "$BATS_TEST_TMPDIR/in" vlcnet-listen -v 127.0.0.1 0
	port=$(port_of srv)
	run timeout 10 bash -c "printf 'from socat\n' | socat -t 5 STDIO TCP:127.0.0.1:$port"
	assert_success
	assert_output "from listen"
	wait_bg
	assert_equal "$(cat "$BATS_TEST_TMPDIR/srv.out")" "from socat"
}

@test "curl fetches an HTTP response served from a file" {
	printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n' \
		>"$BATS_TEST_TMPDIR/response.txt"
	bg_stdin srv "$BATS_TEST_TMPDIR/response.txt" vlcnet-listen -v 0
	port=$(port_of srv)
	run timeout 10 curl -sS "http://127.0.0.1:$port/index.html"
	assert_success
	assert_output "hello"
	wait_bg
	run head -n 1 "$BATS_TEST_TMPDIR/srv.out"
	assert_output $'GET /index.html HTTP/1.1\r'
}

@test "listen -k serves 200 clients in a row without leaking descriptors" {
	bg_stdin srv /dev/null vlcnet-listen -k -v 127.0.0.1 0
	port=$(port_of srv)
	pid=$(newest_pid)
	before=$(fd_count "$pid")
	run timeout 30 python3 -c "
import socket
for i in range(200):
    c = socket.create_connection(('127.0.0.1', $port))
    c.sendall(b'client %d\n' % i)
    c.shutdown(socket.SHUT_WR)
    assert c.recv(10) == b''   # stdin is empty: listen half-closes at once
    c.close()"
	assert_success
	wait_for "$BATS_TEST_TMPDIR/srv.out" '^client 199$'
	fd_count_is "$pid" "$before"
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/srv.out")" 200
	assert_equal "$(grep -c 'connection from' "$BATS_TEST_TMPDIR/srv.err")" 200
	kill -0 "$pid"
}

@test "listen -k gives stdin to the first client and half-closes the later ones" {
	printf 'only once\n' >"$BATS_TEST_TMPDIR/in"
	bg_stdin srv "$BATS_TEST_TMPDIR/in" vlcnet-listen -k -v 127.0.0.1 0
	port=$(port_of srv)
	run timeout 10 nc -N 127.0.0.1 "$port" </dev/null
	assert_output "only once"
	run timeout 10 nc -N 127.0.0.1 "$port" </dev/null
	assert_success
	assert_output ""
}

# A --fork script: the reply names the peer and echoes one line.
ECHO_PEER='local line = net.recv(fd, 100) or "" net.send(fd, peer .. " " .. line)'

@test "--fork serves several clients at once with fd and peer" {
	bg srv vlcnet-listen -v --fork -e "$ECHO_PEER" 127.0.0.1 0
	port=$(port_of srv)
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
	bg srv vlcnet-listen -v --fork -m 1 \
		-e 'print("start") io.stdout:flush() net.recv(fd, 10) print("end")' 127.0.0.1 0
	port=$(port_of srv)
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
		[ "$(grep -c end "$BATS_TEST_TMPDIR/srv.out")" = 2 ] && break
		sleep 0.05
	done
	assert_equal "$(cat "$BATS_TEST_TMPDIR/srv.out")" "start
end
start
end"
}

@test "--fork keeps no descriptor and no zombie over 1000 connections" {
	bg srv vlcnet-listen -v --fork -e 'net.send(fd, peer)' 127.0.0.1 0
	port=$(port_of srv)
	pid=$(newest_pid)
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
	bg_stdin srv /dev/null vlcnet-listen -v 127.0.0.1 0
	port=$(port_of srv)
	run timeout 10 vlcnet-listen 127.0.0.1 "$port"
	assert_failure 1
	assert_output "vlcnet-listen: listen on 127.0.0.1:$port: Address already in use"
	run timeout 10 vlcnet-listen 127.0.0.1 65536
	assert_failure 2
	assert_output --partial "invalid port '65536'"
	run timeout 10 vlcnet-listen -m 0 --fork -e x 127.0.0.1 0
	assert_failure 2
}

@test "SIGTERM ends a waiting listen -k with status 143" {
	bg_stdin srv /dev/null vlcnet-listen -k -v 127.0.0.1 0
	port_of srv >/dev/null
	pid=$(newest_pid)
	kill -TERM "$pid"
	st=0
	wait "$(sed -n '$p' "$BATS_TEST_TMPDIR/pids")" || st=$?
	assert_equal "$st" 143
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

	bg lua vlcnet-listen --port-file /dev/fd/3 -e 'print(listener:port())
	  local fd = listener:accept() net.close(fd)' 127.0.0.1 0 3>"$BATS_TEST_TMPDIR/fd3"
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
