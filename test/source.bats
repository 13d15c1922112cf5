#!/usr/bin/env bats
# vlcnet-connect --source and -p/--source-port (bind before connect), and -n,
# --numeric in both network tools (no resolver at all).

load helper

@test "connect -p and --source: the listener sees the connection come from there" {
	bg srv vlcnet-listen -v 127.0.0.1 0
	port=$(port_of srv)
	src=$(closed_port)
	run timeout 10 vlcnet-connect --source 127.0.0.1 -p "$src" 127.0.0.1 "$port" </dev/null
	assert_success
	wait_for "$BATS_TEST_TMPDIR/srv.err" "connection from 127.0.0.1:$src\$"
	wait_bg
}

@test "connect -u -p: the datagram leaves from the source port" {
	bg peer python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print("port", s.getsockname()[1], flush=True)
data, peer = s.recvfrom(100)
print("from", peer[1], data.decode().strip(), flush=True)'
	port=$(port_of peer)
	src=$(closed_port)
	run timeout 10 vlcnet-connect -u -q 0 -p "$src" 127.0.0.1 "$port" <<<"hi"
	assert_success
	wait_bg
	run cat "$BATS_TEST_TMPDIR/peer.out"
	assert_success
	assert_line "from $src hi"
}

@test "--source of another family than HOST's addresses: one line, exit 1" {
	run timeout 10 vlcnet-connect --source 127.0.0.1 -6 ::1 9 </dev/null
	assert_failure 1
	assert_output "vlcnet-connect: connect to [::1]:9: no address of the source address's family"
}

@test "--source an address not on this machine: the bind's reason, exit 1" {
	run timeout 10 vlcnet-connect --source 192.0.2.1 127.0.0.1 9 </dev/null
	assert_failure 1
	assert_output "vlcnet-connect: connect to 127.0.0.1:9: Cannot assign requested address"
}

@test "--source and --source-port do not apply to --unix (exit 2)" {
	run timeout 10 vlcnet-connect -p 4000 -U "$BATS_TEST_TMPDIR/s" </dev/null
	assert_failure 2
	assert_line -n 0 "vlcnet-connect: --source and --source-port do not apply to --unix"
}

@test "connect -n: a name is one line and status 1" {
	run timeout 10 vlcnet-connect -n localhost 9 </dev/null
	assert_failure 1
	assert_output "vlcnet-connect: connect to localhost:9: not a numeric address (--numeric)"
}

@test "connect -n: no resolver is asked, not even about the interfaces" {
	skip_if_sanitized "strace (LeakSanitizer does not work under ptrace)"
	command -v strace >/dev/null || [ -n "${CI:-}" ] || skip "strace is not installed"
	bg srv vlcnet-listen -v 127.0.0.1 0
	port=$(port_of srv)
	run timeout 20 strace -f -e trace=openat,connect,socket -o "$BATS_TEST_TMPDIR/trace" \
		vlcnet-connect -n 127.0.0.1 "$port" </dev/null
	assert_success
	run grep -E 'nsswitch|/etc/hosts|resolv.conf|nscd|NETLINK' "$BATS_TEST_TMPDIR/trace"
	assert_failure 1
	wait_bg
}

@test "listen -n: a name is one line and status 1; an address listens" {
	run timeout 10 vlcnet-listen -n localhost 0 </dev/null
	assert_failure 1
	assert_output "vlcnet-listen: listen on localhost:0: not a numeric address (--numeric)"
	bg srv vlcnet-listen -n -v 127.0.0.1 0
	port=$(port_of srv)
	run timeout 10 vlcnet-connect -n 127.0.0.1 "$port" </dev/null
	assert_success
	wait_bg
}
