#!/usr/bin/env bats
# vlcnet-connect without a script (nc): peers, errors and exit statuses, -z, -w,
# -4/-6.

load helper

@test "connect talks to nc as a server, both ways" {
	printf 'from nc\n' >"$BATS_TEST_TMPDIR/in"
	serve_cmd srv bash -c "exec nc -N -l 127.0.0.1 {} <'$BATS_TEST_TMPDIR/in'"
	run timeout 10 bash -c "printf 'from connect\n' | vlcnet-connect 127.0.0.1 $port"
	assert_success
	assert_output "from nc"
	wait_bg
	assert_equal "$(cat "$BATS_TEST_TMPDIR/srv.out")" "from connect"
}

@test "connect talks to socat as a server, both ways" {
	serve_cmd srv socat -t 5 TCP-LISTEN:{},bind=127.0.0.1,reuseaddr SYSTEM:'read l; echo "socat got $l"'
	run timeout 10 bash -c "printf 'hello\n' | vlcnet-connect 127.0.0.1 $port"
	assert_success
	assert_output "socat got hello"
}

@test "connect talks to a python3 server over ::1" {
	bg srv python3 -c "
import socket
s = socket.socket(socket.AF_INET6)
s.bind(('::1', 0))
s.listen(1)
print('port', s.getsockname()[1], flush=True)
c, a = s.accept()
c.sendall(('you are %s' % a[0]).encode())
c.close()"
	port=$(port_of srv)
	run timeout 10 vlcnet-connect ::1 "$port" </dev/null
	assert_success
	assert_output "you are ::1"
}

@test "connect reports a refused port and exits 1" {
	port=$(closed_port)
	run timeout 10 vlcnet-connect 127.0.0.1 "$port" </dev/null
	assert_failure 1
	assert_output "vlcnet-connect: connect to 127.0.0.1:$port: Connection refused"
	run timeout 10 vlcnet-connect ::1 "$port" </dev/null
	assert_failure 1
	assert_output "vlcnet-connect: connect to [::1]:$port: Connection refused"
}

@test "connect reports an unresolvable host and exits 1" {
	run timeout 10 vlcnet-connect a..b 80 </dev/null
	assert_failure 1
	assert_output "vlcnet-connect: connect to a..b:80: unknown host"
	# a 300-character label: the resolver rejects it without asking a server
	long=$(printf 'x%.0s' $(seq 300))
	run timeout 10 vlcnet-connect "$long" 80 </dev/null
	assert_failure 1
	assert_output "vlcnet-connect: connect to $long:80: unknown host"
}

@test "connect rejects invalid ports and operands with status 2" {
	for p in 65536 abc 8o 123456 ''; do
		run timeout 10 vlcnet-connect 127.0.0.1 "$p" </dev/null
		assert_failure 2
		assert_line -n 0 "vlcnet-connect: invalid port '$p'"
	done
	run timeout 10 vlcnet-connect '' 80
	assert_failure 2
	run timeout 10 vlcnet-connect 127.0.0.1
	assert_failure 2
	assert_line -n 0 "vlcnet-connect: missing PORT operand"
	run timeout 10 vlcnet-connect -w 0 127.0.0.1 80
	assert_failure 2
	run timeout 10 vlcnet-connect -z 127.0.0.1 9-5
	assert_failure 2
	assert_line -n 0 "vlcnet-connect: invalid port range '9-5'"
}

@test "connect -z with a bad end of its port range is a usage error naming that end" {
	for r in x-5 5-x; do
		run timeout 10 vlcnet-connect -z 127.0.0.1 "$r" </dev/null
		assert_failure 2
		assert_output "$(printf '%s\n%s' "vlcnet-connect: invalid port 'x'" \
			"Try 'vlcnet-connect --help' for more information.")"
	done
}

@test "connect -z reports the open ports of a range, one line each" {
	# ports P (listening), P+1 (bound, not listening: refused), P+2 (listening)
	bg ports python3 -c "
import socket
while True:
    a = socket.socket(); a.bind(('127.0.0.1', 0)); p = a.getsockname()[1]
    try:
        b = socket.socket(); b.bind(('127.0.0.1', p + 1))
        c = socket.socket(); c.bind(('127.0.0.1', p + 2))
        break
    except OSError:
        pass
a.listen(8); c.listen(8)
print('port', p, flush=True)
import time; time.sleep(30)"
	p=$(port_of ports)
	run timeout 10 vlcnet-connect -z 127.0.0.1 "$p-$((p + 2))"
	assert_success
	assert_output "127.0.0.1 $p open
127.0.0.1 $((p + 2)) open"
	run timeout 10 vlcnet-connect -z -v 127.0.0.1 "$((p + 1))"
	assert_failure 1
	assert_output "vlcnet-connect: connect to 127.0.0.1:$((p + 1)): Connection refused"
	run timeout 10 vlcnet-connect -z 127.0.0.1 "$((p + 2))"
	assert_success
	assert_output "127.0.0.1 $((p + 2)) open"
}

@test "connect -z sends nothing and reports an unknown host once" {
	vlcnet_listen -v
	port=$VLCNET_PORT
	run timeout 10 vlcnet-connect -z 127.0.0.1 "$port"
	assert_success
	vlcnet_wait
	assert_equal "$(wc -c <"$VLCNET_STDOUT")" 0
	run timeout 10 vlcnet-connect -z a..b 1-5
	assert_failure 1
	assert_output "vlcnet-connect: connect to a..b:1: unknown host"
}

@test "connect -w bounds the connect time: timed out, status 1" {
	# a listener whose queue is full drops further SYNs
	bg srv python3 "$TOP/test/client.py" hold --no-accept --fill 127.0.0.1
	port=$(port_of srv)
	run timeout 10 vlcnet-connect -w 0.5 127.0.0.1 "$port" </dev/null
	assert_failure 1
	assert_output "vlcnet-connect: connect to 127.0.0.1:$port: Connection timed out"
}

@test "connect -4 and -6 restrict the address family" {
	VLCNET_HOST=::1 vlcnet_listen -v -6
	port=$VLCNET_PORT
	run timeout 10 vlcnet-connect -4 ::1 "$port" </dev/null
	assert_failure 1
	assert_output --partial "vlcnet-connect: connect to [::1]:$port: "
	run timeout 10 vlcnet-connect -6 ::1 "$port" </dev/null
	assert_success
	run timeout 10 vlcnet-connect -6 127.0.0.1 "$port" </dev/null
	assert_failure 1
}

@test "connect reaches localhost by name" {
	vlcnet_listen -v
	port=$VLCNET_PORT
	run timeout 10 bash -c "printf named | vlcnet-connect localhost $port"
	assert_success
	vlcnet_wait
	assert_equal "$(cat "$VLCNET_STDOUT")" "named"
}

@test "connect -z reports an error that holds for every port once and exits 1" {
	run timeout 20 vlcnet-connect -z -6 127.0.0.1 1-1024
	assert_failure 1
	assert_output "vlcnet-connect: connect to 127.0.0.1:1: Address family for hostname not supported"
	run timeout 20 vlcnet-connect -z -4 ::1 1-1024
	assert_failure 1
	assert_output "vlcnet-connect: connect to [::1]:1: Address family for hostname not supported"
}

@test "-q with a script is the same usage error in connect as in listen: one table of modes" {
	local tool
	for tool in vlcnet-connect vlcnet-listen; do
		run timeout 10 "$tool" -q 1 -e 'x = 1' 127.0.0.1 1
		assert_failure 2
		assert_output "$(printf '%s: --quit-after applies to the relay, not to a script\nTry '\''%s --help'\'' for more information.' "$tool" "$tool")"
	done
}
