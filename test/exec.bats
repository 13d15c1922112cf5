#!/usr/bin/env bats
# --lua-exec FILE, -c/--sh-exec CMD and --exec "PROG ARGS" in vlcnet-listen and
# vlcnet-connect: a child per connection on the connection's stdin/stdout.

load helper

X="$FIXTURES/exec"

# children PID: the pids of PID's children, one a line.
children() {
	ps -o pid= --ppid "$1" | tr -d ' '
}

# no_children PID: PID has no child left (live or zombie), allowing 3 s.
no_children() {
	local i
	for ((i = 0; i < 60; i++)); do
		[ -z "$(children "$1")" ] && return 0
		sleep 0.05
	done
	echo "process $1 still has children:" >&2
	ps -o pid,stat,args --ppid "$1" >&2
	return 1
}

@test "--lua-exec sends a script's output to the client and ends after one connection" {
	vlcnet_listen -v --lua-exec "$X/hello.lua"
	run timeout 10 vlcnet-connect 127.0.0.1 "$VLCNET_PORT" </dev/null
	assert_success
	assert_output "hello"
	vlcnet_wait 0
}

@test "--lua-exec echoes 1 MiB of random bytes intact" {
	head -c 1048576 /dev/urandom >"$BATS_TEST_TMPDIR/in"
	vlcnet_listen -v --lua-exec "$X/echo.lua"
	timeout 20 vlcnet-connect 127.0.0.1 "$VLCNET_PORT" \
		<"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
	assert_equal "$(sha256sum <"$BATS_TEST_TMPDIR/out")" \
		"$(sha256sum <"$BATS_TEST_TMPDIR/in")"
	vlcnet_wait 0
}

@test "--lua-exec drives a menu line by line" {
	vlcnet_listen -v --lua-exec "$X/menu.lua"
	run timeout 20 python3 -c "
import socket, sys
c = socket.create_connection(('127.0.0.1', $VLCNET_PORT))
f = c.makefile('rb')
def prompt():
    assert f.readline() == b'1) add  2) show  q) quit\n'
    assert f.read(2) == b'> '
prompt()
for line, want in ((b'1', b'added'), (b'1', b'added'), (b'2', b'count 2'),
                   (b'x', b\"what is 'x'?\"), (b'q', b'bye')):
    c.sendall(line + b'\n')
    got = f.readline().rstrip(b'\n')
    assert got == want, (line, got)
    if line != b'q':
        prompt()
assert f.read() == b''
print('ok')"
	assert_success
	assert_output "ok"
	vlcnet_wait 0
}

@test "-k --lua-exec serves files to curl, and a 404 for a missing one" {
	cd "$BATS_TEST_TMPDIR"
	head -c 100000 /dev/urandom >page.bin
	vlcnet_listen -v -k --lua-exec "$X/files.lua"
	run timeout 10 curl -sS -o got.bin -w '%{http_code}' "http://127.0.0.1:$VLCNET_PORT/page.bin"
	assert_success
	assert_output "200"
	cmp page.bin got.bin
	run timeout 10 curl -sS -w ' %{http_code}' "http://127.0.0.1:$VLCNET_PORT/nothing"
	assert_success
	assert_output "no nothing
 404"
}

# read_and_leave: read 200,000 bytes from the server at VLCNET_PORT, then close;
# prints "read".
read_and_leave() {
	timeout 10 python3 -c "
import socket
c = socket.create_connection(('127.0.0.1', $VLCNET_PORT))
n = 0
while n < 200000:
    n += len(c.recv(65536))
c.close()
print('read')"
}

@test "a script that prints forever ends when its client leaves" {
	vlcnet_listen -v -k --lua-exec "$X/chargen.lua"
	run read_and_leave
	assert_success
	assert_output "read"
	# the child ends (no orphan printing for nobody) and is reaped
	no_children "$VLCNET_PID"
}

@test "a client that half-closes at once still gets every byte of the answer" {
	vlcnet_listen -v -k -c 'cat; sleep 0.2; echo late; head -c 300000 /dev/zero'
	run timeout 10 python3 -c "
import socket
c = socket.create_connection(('127.0.0.1', $VLCNET_PORT))
c.sendall(b'early\n')
c.shutdown(socket.SHUT_WR)
data = b''
while True:
    b = c.recv(65536)
    if not b:
        break
    data += b
assert data == b'early\nlate\n' + bytes(300000), len(data)
print('ok')"
	assert_success
	assert_output "ok"
}

@test "with -w, a client that half-closes at once still gets every byte of the answer" {
	vlcnet_listen -v -k -w 5 --lua-exec "$X/echo.lua"
	head -c 500000 /dev/urandom >"$BATS_TEST_TMPDIR/in"
	timeout 20 vlcnet-connect 127.0.0.1 "$VLCNET_PORT" \
		<"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
}

@test "200 connections one after another and 50 at once keep the descriptors and leave no zombie" {
	vlcnet_listen -v -k -m 50 --lua-exec "$X/hello.lua"
	pid=$VLCNET_PID
	before=$(fd_count "$pid")
	run timeout 60 python3 -c "
import socket
for i in range(200):
    c = socket.create_connection(('127.0.0.1', $VLCNET_PORT))
    assert c.makefile('rb').read() == b'hello\n'
    c.close()
cs = [socket.create_connection(('127.0.0.1', $VLCNET_PORT)) for i in range(50)]
for c in cs:
    assert c.makefile('rb').read() == b'hello\n'
    c.close()
print('ok')"
	assert_success
	assert_output "ok"
	fd_count_is "$pid" "$before"
	no_children "$pid"
}

@test "-c and --exec run cat and wc -c on the connection" {
	vlcnet_listen -v -k -c cat
	run timeout 10 vlcnet-connect 127.0.0.1 "$VLCNET_PORT" <<<"through sh"
	assert_success
	assert_output "through sh"
	vlcnet_listen -v -k --exec cat
	run timeout 10 vlcnet-connect 127.0.0.1 "$VLCNET_PORT" <<<"through cat"
	assert_success
	assert_output "through cat"
	vlcnet_listen -v -k --exec "wc  -c"
	run timeout 10 vlcnet-connect 127.0.0.1 "$VLCNET_PORT" <<<"12345"
	assert_success
	assert_output "6"
	vlcnet_listen -v -k -c 'wc -c | tr -d " "'
	run timeout 10 vlcnet-connect 127.0.0.1 "$VLCNET_PORT" <<<"123"
	assert_success
	assert_output "4"
}

@test "a missing program is one error per connection and the server keeps serving" {
	vlcnet_listen -v -k --exec "no-such-program-here arg"
	for i in 1 2; do
		run timeout 10 vlcnet-connect 127.0.0.1 "$VLCNET_PORT" </dev/null
		assert_success
		assert_output ""
	done
	wait_for "$VLCNET_STDERR" "connection from" 5
	[ "$(grep -c "cannot run 'no-such-program-here': No such file or directory" "$VLCNET_STDERR")" = 2 ]
	kill -0 "$VLCNET_PID"
	# without -k, the one connection's failure is the tool's: status 1
	vlcnet_listen -v --exec "no-such-program-here"
	run timeout 10 vlcnet-connect 127.0.0.1 "$VLCNET_PORT" </dev/null
	vlcnet_wait 1
	assert_success
	assert_equal "$(grep -c '^vlcnet-listen: cannot run' "$VLCNET_STDERR")" 1
}

@test "connect runs each of the three against the server" {
	cd "$BATS_TEST_TMPDIR"
	echo 'local l = io.read("*l") io.write("lua got ", l, "\n")' >answer.lua
	for opt in "--lua-exec answer.lua" "-c:read l; echo sh got \$l" "--exec:sed s/^/sed\\ got\\ /"; do
		printf 'hi\n' >reply
		VLCNET_REPLY_FILE=$PWD/reply vlcnet_listen -v
		case $opt in
		--lua-exec*) run timeout 10 vlcnet-connect --lua-exec answer.lua 127.0.0.1 "$VLCNET_PORT" ;;
		-c:*) run timeout 10 vlcnet-connect -c "${opt#-c:}" 127.0.0.1 "$VLCNET_PORT" ;;
		--exec:*) run timeout 10 vlcnet-connect --exec "sed s/^/got:/" 127.0.0.1 "$VLCNET_PORT" ;;
		esac
		assert_success
		vlcnet_wait 0
	done
	run cat "$BATS_TEST_TMPDIR"/vlcnet-{0,1,2}.out
	assert_output "lua got hi
sh got hi
got:hi"
}

@test "connect ends with the program's failure: status 1" {
	vlcnet_listen -v
	run timeout 10 vlcnet-connect -c 'exit 3' 127.0.0.1 "$VLCNET_PORT"
	assert_failure 1
	# killed by a signal is a failure; ended by SIGPIPE is not (man page)
	vlcnet_listen -v
	run timeout 10 vlcnet-connect -c 'kill -KILL $$' 127.0.0.1 "$VLCNET_PORT"
	assert_failure 1
	vlcnet_listen -v
	run timeout 10 vlcnet-connect -c 'kill -PIPE $$' 127.0.0.1 "$VLCNET_PORT"
	assert_success
	vlcnet_listen -v
	run timeout 10 vlcnet-connect -U "$BATS_TEST_TMPDIR/none.sock" -c true
	assert_failure 1
	assert_output --partial "connect to $BATS_TEST_TMPDIR/none.sock"
}

@test "-w drops a silent client of an exec child and of a --fork script" {
	vlcnet_listen -v -k -w 0.5 -c 'echo hi; cat'
	run timeout 10 python3 -c "
import socket
c = socket.create_connection(('127.0.0.1', $VLCNET_PORT))
assert c.makefile('rb').read() == b'hi\n'
print('dropped')"
	assert_success
	assert_output "dropped"
	no_children "$VLCNET_PID"
	vlcnet_listen -v -w 0.5 --fork -e 'print(net.recv(fd, 10))'
	run timeout 10 python3 -c "
import socket
c = socket.create_connection(('127.0.0.1', $VLCNET_PORT))
assert c.recv(100) == b''
print('dropped')"
	assert_success
	assert_output "dropped"
	no_children "$VLCNET_PID"
}

@test "-v -w ends each exec connection with the summary's counts" {
	vlcnet_listen -v -w 5 -c 'wc -c'
	run timeout 10 vlcnet-connect 127.0.0.1 "$VLCNET_PORT" <<<"123456789"
	assert_success
	assert_output "10"
	vlcnet_wait 0
	run grep "bytes sent" "$VLCNET_STDERR"
	assert_output --regexp "^vlcnet-listen: 3 bytes sent, 10 bytes received in [0-9.]+ seconds$"
}

@test "the child has ncat's environment, fd, peer and arg over TCP and Unix sockets" {
	vlcnet_listen -v --lua-exec "$X/env.lua" -- first
	run timeout 10 python3 -c "
import socket
c = socket.create_connection(('127.0.0.1', $VLCNET_PORT))
print('local %d' % c.getsockname()[1])
print(c.makefile('rb').read().decode(), end='')"
	local_port=$(sed -n 's/^local //p' <<<"$output")
	assert_success
	assert_line "NCAT_REMOTE_ADDR=127.0.0.1"
	assert_line "NCAT_REMOTE_PORT=$local_port"
	assert_line "NCAT_LOCAL_ADDR=127.0.0.1"
	assert_line "NCAT_LOCAL_PORT=$VLCNET_PORT"
	assert_line "NCAT_PROTO=TCP"
	assert_line "$(printf 'fd=number\tpeer=127.0.0.1:%s\targ1=first' "$local_port")"
	vlcnet_listen -v -U -c 'echo "$NCAT_REMOTE_ADDR|$NCAT_REMOTE_PORT|$NCAT_LOCAL_ADDR|$NCAT_LOCAL_PORT|$NCAT_PROTO"'
	run timeout 10 vlcnet-connect -U "$VLCNET_SOCKET" </dev/null
	assert_success
	assert_output "localhost||localhost||UNIX"
}

@test "the child inherits no listening socket, no other client and no ignored or blocked signal" {
	# SigIgn and SigBlk: no bit of SIGINT (0x2), SIGPIPE (0x1000), SIGTERM (0x4000)
	vlcnet_listen -v -k -m 2 -c 'sleep 0.3; ls -l /proc/$$/fd | grep -c socket
		for w in SigIgn SigBlk; do
			m=$(sed -n "s/^$w:[[:space:]]*//p" /proc/$$/status)
			echo "$w $(( 0x$m & 0x5002 ))"
		done'
	run timeout 10 python3 -c "
import socket
a = socket.create_connection(('127.0.0.1', $VLCNET_PORT))
b = socket.create_connection(('127.0.0.1', $VLCNET_PORT))
for c in (a, b):
    print(c.makefile('rb').read().decode(), end='')"
	assert_success
	assert_output "2
SigIgn 0
SigBlk 0
2
SigIgn 0
SigBlk 0"
}

@test "a --lua-exec FILE that does not compile is status 2 before listening or connecting" {
	run timeout 10 vlcnet-listen -v --lua-exec "$X/syntax.lua" 127.0.0.1 0
	assert_failure 2
	refute_output --partial "listening on"
	assert_output --partial "syntax.lua:2:"
	run timeout 10 vlcnet-connect --lua-exec "$X/syntax.lua" 127.0.0.1 "$(closed_port)"
	assert_failure 2
	refute_output --partial "connect to"
	run timeout 10 vlcnet-listen --lua-exec "$BATS_TEST_TMPDIR/none.lua" 127.0.0.1 0
	assert_failure 2
	assert_output --partial "none.lua"
}

@test "bit32 is there for Lua 5.2 scripts, with bit32's unsigned results" {
	vlcnet_listen -v --lua-exec "$X/bits.lua"
	run timeout 10 vlcnet-connect 127.0.0.1 "$VLCNET_PORT" </dev/null
	assert_success
	assert_output "$(printf '%s\t' 3840 7 240 4294967295 2147483648 1 4160749568 0 188 65280 false 3 | sed 's/\t$//')	true"
}

@test "exec options that conflict are usage errors in one line" {
	local rows=(
		"vlcnet-listen|--lua-exec a.lua -c cat 127.0.0.1 0|only one of --lua-exec, --sh-exec and --exec may be given"
		"vlcnet-listen|-c cat --exec cat 127.0.0.1 0|only one of --lua-exec, --sh-exec and --exec may be given"
		"vlcnet-listen|-c cat --script x.lua 127.0.0.1 0|--sh-exec does not go with --script"
		"vlcnet-listen|-c cat --fork 127.0.0.1 0|--sh-exec does not go with --fork"
		"vlcnet-listen|--exec cat -u 127.0.0.1 0|--exec does not go with --udp"
		"vlcnet-listen|--exec cat -q 1 127.0.0.1 0|--quit-after applies to the relay, not to --exec"
		"vlcnet-listen|-c cat -e x=1 127.0.0.1 0|--eval goes with --lua-exec or --script, not --sh-exec"
		"vlcnet-listen|-w 1 -e x=1 127.0.0.1 0|--timeout applies to the relay, --fork and the exec options, not to a script"
		"vlcnet-connect|-c cat -z 127.0.0.1 1|--sh-exec does not go with --scan"
		"vlcnet-connect|-c cat -u 127.0.0.1 1|--sh-exec does not go with --udp"
		"vlcnet-connect|--lua-exec a.lua --script b.lua 127.0.0.1 1|--lua-exec does not go with --script"
		"vlcnet-connect|-c cat|missing HOST and PORT operands"
	)
	local row tool args msg
	for row in "${rows[@]}"; do
		IFS='|' read -r tool args msg <<<"$row"
		# shellcheck disable=SC2086
		run timeout 10 "$tool" $args
		assert_failure 2
		assert_line -n 0 "$tool: $msg"
	done
	run timeout 10 vlcnet-listen --exec "" 127.0.0.1 0
	assert_failure 2
	assert_line -n 0 "vlcnet-listen: --exec needs a command, not an empty one"
}

@test "-e is --eval everywhere; stat and ls still take --exec CODE, its old name" {
	run timeout 10 vlcnet-connect --eval 'print("eval")'
	assert_success
	assert_output "eval"
	run timeout 10 vlcnet-stat --exec 'print("old")' -c '%n' /
	assert_success
	assert_output "old
/"
	mkdir "$BATS_TEST_TMPDIR/empty"
	run timeout 10 vlcnet-ls --exec 'print("old")' --eval 'print("new")' "$BATS_TEST_TMPDIR/empty"
	assert_success
	assert_output "old
new"
	# in the network tools --exec is a program, not code
	run timeout 10 vlcnet-connect --exec 'print("x")'
	assert_failure 2
	assert_output --partial "missing HOST and PORT operands"
}

@test "with -w, a script that prints forever ends when its client leaves, and so does its relay" {
	vlcnet_listen -v -k -w 5 --lua-exec "$X/chargen.lua"
	run read_and_leave
	assert_success
	assert_output "read"
	# the relaying process and its script both end: the script must not keep
	# the relay's end of their socketpair, which would block its writes forever
	no_children "$VLCNET_PID"
}

@test "a daytime script answers each client with the date and ends the connection" {
	vlcnet_listen -v -k --lua-exec "$X/daytime.lua"
	for i in 1 2; do
		run timeout 10 vlcnet-connect 127.0.0.1 "$VLCNET_PORT" </dev/null
		assert_success
		assert_line -n 0 --regexp $'^20[0-9]{2}-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] UTC\r$'
		assert_line -n 1 --regexp '^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ 0-3][0-9] [0-9:]{8} 20[0-9]{2}$'
		assert_equal "${#lines[@]}" 2
	done
	no_children "$VLCNET_PID"
}

@test "a discard script swallows 1 MiB, answers nothing, and its stderr is the server's" {
	head -c 1048576 /dev/urandom >"$BATS_TEST_TMPDIR/in"
	vlcnet_listen -v -k --lua-exec "$X/discard.lua"
	for opts in "" "-w 5"; do
		# shellcheck disable=SC2086
		run timeout 20 vlcnet-connect $opts 127.0.0.1 "$VLCNET_PORT" <"$BATS_TEST_TMPDIR/in"
		assert_success
		assert_output ""
	done
	wait_for "$VLCNET_STDERR" "discarded" 5
	no_children "$VLCNET_PID"
	run grep -c "^discarded 1048576 bytes$" "$VLCNET_STDERR"
	assert_output "2"
}

@test "a tiny HTTP server reading a byte at a time checks UTF-8 paths with bit32" {
	vlcnet_listen -v -k --lua-exec "$X/utf8httpd.lua"
	run timeout 10 curl -sS -w '%{http_code}' "http://127.0.0.1:$VLCNET_PORT/a%C3%A9%E2%82%AC%F0%9F%98%80"
	assert_success
	assert_output "U+002F
U+0061
U+00E9
U+20AC
U+1F600
200"
	run timeout 10 curl -sS -w '%{http_code}' "http://127.0.0.1:$VLCNET_PORT/%C3(%FF"
	assert_success
	assert_output "not UTF-8
400"
	no_children "$VLCNET_PID"
}
