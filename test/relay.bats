#!/usr/bin/env bats
# The relay of vlcnet-listen and vlcnet-connect without a script: both
# directions at once, binary-safe, half-close, the ends of a relay (peer reset,
# closed output, signals, idle timeout).

load helper

# The random data, made once for the file (64 MiB twice, and their sums):
# $RAND_A and $RAND_B; a test that needs less takes the first bytes (head -c).
setup_file() {
	export RAND_A="$BATS_FILE_TMPDIR/rand-a" RAND_B="$BATS_FILE_TMPDIR/rand-b"
	head -c 64M /dev/urandom >"$RAND_A"
	head -c 64M /dev/urandom >"$RAND_B"
	SUM_A=$(sha256sum <"$RAND_A") SUM_B=$(sha256sum <"$RAND_B")
	export SUM_A SUM_B
}

# py NAME CODE: a python3 peer in the background; CODE sees PORT (from $PORT).
py() {
	local name=$1
	printf '%s\n' "$2" >"$BATS_TEST_TMPDIR/$name.py"
	bg "$name" python3 "$BATS_TEST_TMPDIR/$name.py"
}

# A python3 server on 127.0.0.1 port 0 that prints "port N" first.
PY_SERVER='import socket, sys, os, struct, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
print("port", s.getsockname()[1], flush=True)
c, _ = s.accept()
def recv_all(c):
    n = 0
    while True:
        d = c.recv(65536)
        if not d:
            return n
        n += len(d)
'

@test "64 MiB of random bytes cross connect -> listen intact both ways at once" {
	VLCNET_REPLY_FILE="$RAND_A" vlcnet_listen -v
	port=$VLCNET_PORT
	# the client reads and writes pipes, the server files: both splice paths
	run timeout 30 bash -c "cat '$RAND_B' | vlcnet-connect 127.0.0.1 $port | sha256sum"
	assert_success
	assert_output "$SUM_A"
	vlcnet_wait
	assert_equal "$(sha256sum <"$VLCNET_STDOUT")" "$SUM_B"
}

@test "the relay falls back to read/write where splice is refused (O_APPEND files)" {
	head -c 3M "$RAND_A" >"$BATS_TEST_TMPDIR/a"
	printf 'head\n' >"$BATS_TEST_TMPDIR/got"
	printf 'head\n' >"$BATS_TEST_TMPDIR/got2"
	VLCNET_REPLY_FILE="$BATS_TEST_TMPDIR/a" vlcnet_listen -v
	port=$VLCNET_PORT
	run timeout 30 bash -c "vlcnet-connect 127.0.0.1 $port <'$BATS_TEST_TMPDIR/a' >>'$BATS_TEST_TMPDIR/got'"
	assert_success
	vlcnet_wait
	{ printf 'head\n'; cat "$BATS_TEST_TMPDIR/a"; } | sha256sum >"$BATS_TEST_TMPDIR/want"
	assert_equal "$(sha256sum <"$BATS_TEST_TMPDIR/got")" "$(cat "$BATS_TEST_TMPDIR/want")"
	assert_equal "$(sha256sum <"$VLCNET_STDOUT")" "$(sha256sum <"$BATS_TEST_TMPDIR/a")"
}

@test "binary bytes, NULs included, survive from a pipe to a pipe, both ways" {
	# each tool reads a pipe and writes a pipe; od shows every byte
	bg srv bash -c "printf 'z\0\377\r' | vlcnet-listen -v 127.0.0.1 0 | od -An -tx1"
	port=$(port_of srv)
	run timeout 10 bash -c "printf 'a\0b\377\n\0' | vlcnet-connect 127.0.0.1 $port | od -An -tx1"
	assert_success
	assert_output " 7a 00 ff 0d"
	wait_bg
	assert_equal "$(cat "$BATS_TEST_TMPDIR/srv.out")" " 61 00 62 ff 0a 00"
}

@test "at the end of stdin connect half-closes and still receives the reply" {
	py srv "$PY_SERVER
n = recv_all(c)
c.sendall(b\"got %d\n\" % n)
c.close()"
	port=$(port_of srv)
	run timeout 10 bash -c "printf hello | vlcnet-connect 127.0.0.1 $port"
	assert_success
	assert_output "got 5"
}

@test "a peer that closes first still receives the rest of stdin" {
	py srv "$PY_SERVER
c.sendall(b\"bye\n\")
c.shutdown(socket.SHUT_WR)
print(\"received\", recv_all(c), flush=True)"
	port=$(port_of srv)
	# stdin is written only once the peer's end has arrived on stdout
	mkfifo "$BATS_TEST_TMPDIR/feed"
	bg feed bash -c "exec 3>'$BATS_TEST_TMPDIR/feed'
	  until grep -q bye '$BATS_TEST_TMPDIR/cli.out' 2>/dev/null; do sleep 0.05; done
	  head -c 100000 /dev/zero >&3"
	bg_stdin cli "$BATS_TEST_TMPDIR/feed" vlcnet-connect 127.0.0.1 "$port"
	wait_bg
	assert_equal "$(cat "$BATS_TEST_TMPDIR/cli.out")" "bye"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/srv.out")" "port $port
received 100000"
}

@test "listen half-closes at the end of its stdin and waits for the client's end" {
	printf 'from server' >"$BATS_TEST_TMPDIR/in"
	VLCNET_REPLY_FILE="$BATS_TEST_TMPDIR/in" vlcnet_listen -v
	port=$VLCNET_PORT
	run timeout 10 python3 -c "
import socket, time
c = socket.create_connection(('127.0.0.1', $port))
got = b''
while True:
    d = c.recv(100)
    if not d: break
    got += d
time.sleep(0.2)
c.sendall(b'from client after EOF')
c.close()
print(got.decode())"
	assert_success
	assert_output "from server"
	vlcnet_wait
	assert_equal "$(cat "$VLCNET_STDOUT")" "from client after EOF"
}

@test "a closed output (| head -c1) ends connect quietly with status 0" {
	VLCNET_REPLY_FILE=/dev/zero vlcnet_listen -v
	port=$VLCNET_PORT
	run timeout 10 bash -c "vlcnet-connect 127.0.0.1 $port </dev/null 2>'$BATS_TEST_TMPDIR/err' | head -c1 | od -An -tx1; echo status \${PIPESTATUS[0]}"
	assert_success
	assert_output " 00
status 0"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
}

@test "a peer resetting mid-transfer ends connect with 1 and one line" {
	py srv "$PY_SERVER
c.recv(1000)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack(\"ii\", 1, 0))
c.close()
time.sleep(2)"
	port=$(port_of srv)
	run timeout 10 vlcnet-connect 127.0.0.1 "$port" </dev/zero
	assert_failure 1
	assert_output "vlcnet-connect: 127.0.0.1:$port: Connection reset by peer"
}

@test "a client resetting mid-transfer ends listen with 1 and one line" {
	VLCNET_REPLY_FILE=/dev/zero vlcnet_listen -v
	port=$VLCNET_PORT
	run pyclient reset 127.0.0.1 "$port"
	assert_success
	cport=$output
	vlcnet_wait 1
	run sed 1,2d "$VLCNET_STDERR"
	assert_line -n 0 "vlcnet-listen: 127.0.0.1:$cport: Connection reset by peer"
	assert_line -n 1 --regexp "^vlcnet-listen: [0-9]+ bytes sent, 0 bytes received in "
	assert_equal "${#lines[@]}" 2
}

@test "SIGINT during a relay ends listen with status 130" {
	mkfifo "$BATS_TEST_TMPDIR/hold"
	bg hold bash -c "exec 3>'$BATS_TEST_TMPDIR/hold'; sleep 30"
	printf '#!/bin/sh\nexec "%s" vlcnet-listen "$@"\n' "${no_grace[@]}" >"$BATS_TEST_TMPDIR/listen"
	chmod +x "$BATS_TEST_TMPDIR/listen"
	VLCNET_REPLY_FILE="$BATS_TEST_TMPDIR/hold" VLCNET_LISTEN="$BATS_TEST_TMPDIR/listen" vlcnet_listen -v
	port=$VLCNET_PORT
	bg cli bash -c "sleep 30 | vlcnet-connect 127.0.0.1 $port"
	wait_for "$VLCNET_STDERR" "connection from"
	# in the relay's poll, with the listening and the accepted socket
	wait_blocked "$VLCNET_PID" 2
	kill -INT "$VLCNET_PID"
	# the handled signal ends it, not core/sig.c's alarm (held off)
	wait_gone "$VLCNET_PID"
	vlcnet_wait 130
}

@test "SIGTERM during a relay ends connect with status 143" {
	py srv "$PY_SERVER
time.sleep(30)"
	port=$(port_of srv)
	mkfifo "$BATS_TEST_TMPDIR/hold"
	bg hold bash -c "exec 3>'$BATS_TEST_TMPDIR/hold'; sleep 30"
	bg_stdin cli "$BATS_TEST_TMPDIR/hold" "${no_grace[@]}" vlcnet-connect 127.0.0.1 "$port"
	tpid=$(sed -n '$p' "$BATS_TEST_TMPDIR/pids")
	pid=$(child_of "$tpid")
	wait_blocked "$pid" 1
	kill -TERM "$pid"
	# the handled signal ends it, not core/sig.c's alarm (held off)
	wait_gone "$pid"
	st=0
	wait "$tpid" || st=$?
	assert_equal "$st" 143
	assert_equal "$(cat "$BATS_TEST_TMPDIR/cli.err")" ""
}

@test "the idle timeout (-w) ends a relay quietly with status 0" {
	py srv "$PY_SERVER
c.sendall(b\"hello\n\")
time.sleep(30)"
	port=$(port_of srv)
	mkfifo "$BATS_TEST_TMPDIR/hold"
	bg hold bash -c "exec 3>'$BATS_TEST_TMPDIR/hold'; sleep 30"
	run timeout 10 vlcnet-connect -w 0.5 127.0.0.1 "$port" <"$BATS_TEST_TMPDIR/hold"
	assert_success
	assert_output "hello"
}

@test "memory stays small however much is relayed (64 MiB each way)" {
	mkfifo "$BATS_TEST_TMPDIR/feed"
	bg feed bash -c "cat '$RAND_A' >'$BATS_TEST_TMPDIR/feed'"
	VLCNET_REPLY_FILE="$BATS_TEST_TMPDIR/feed" vlcnet_listen -k -v
	port=$VLCNET_PORT
	# the listener's size before any data, against which its peak is judged
	# (a sanitized build starts larger)
	start=$(awk '/^VmHWM/ { print $2 }' "/proc/$VLCNET_PID/status")
	run timeout 30 bash -c "cat '$RAND_B' | vlcnet-connect 127.0.0.1 $port | sha256sum"
	assert_success
	assert_output "$SUM_A"
	# -v's summary says the listener's relay has ended
	wait_for "$VLCNET_STDERR" "bytes received"
	assert_equal "$(sha256sum <"$VLCNET_STDOUT")" "$SUM_B"
	# -k keeps the listener alive, so its peak is still there to read
	hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$VLCNET_PID/status")
	[ $((hwm - start)) -lt 6144 ] || { echo "peak RSS $hwm kB, $start kB at start" >&2; false; }
}

@test "listen -k reports a client that resets and serves the next one" {
	VLCNET_REPLY_FILE=/dev/zero vlcnet_listen -k -v
	port=$VLCNET_PORT
	run pyclient reset 127.0.0.1 "$port"
	assert_success
	# the next client is served: it gets data too
	run pyclient reset 127.0.0.1 "$port"
	assert_success
	wait_for "$VLCNET_STDERR" "Connection reset by peer"
	run grep -c "connection from" "$VLCNET_STDERR"
	assert_output 2
}

@test "a regular file on stdin is sent from its current offset, intact (sendfile)" {
	head -c 20M "$RAND_A" >"$BATS_TEST_TMPDIR/file"
	vlcnet_listen -v
	port=$VLCNET_PORT
	# dd moves the shared offset by exactly 1000 bytes first.
	run timeout 30 bash -c "{ dd bs=1000 count=1 of=/dev/null 2>/dev/null
	  exec vlcnet-connect 127.0.0.1 $port; } <'$BATS_TEST_TMPDIR/file'"
	assert_success
	vlcnet_wait
	assert_equal "$(sha256sum <"$VLCNET_STDOUT")" \
		"$(tail -c +1001 "$BATS_TEST_TMPDIR/file" | sha256sum)"
}

@test "a socket as connect's stdin and stdout is relayed both ways, intact" {
	# as under inetd or socat EXEC: one end of a socketpair is fds 0 and 1
	head -c 5M "$RAND_A" >"$BATS_TEST_TMPDIR/a"
	head -c 5M "$RAND_B" >"$BATS_TEST_TMPDIR/b"
	VLCNET_REPLY_FILE="$BATS_TEST_TMPDIR/a" vlcnet_listen -v
	port=$VLCNET_PORT
	printf '%s\n' 'import socket, subprocess, sys, threading
a, b = socket.socketpair()
p = subprocess.Popen(["vlcnet-connect", "127.0.0.1", sys.argv[1]], stdin=b, stdout=b)
b.close()
def feed():
    with open(sys.argv[2], "rb") as f:
        a.sendall(f.read())
    a.shutdown(socket.SHUT_WR)
threading.Thread(target=feed).start()
with open(sys.argv[3], "wb") as out:
    while True:
        d = a.recv(65536)
        if not d:
            break
        out.write(d)
sys.exit(p.wait())' >"$BATS_TEST_TMPDIR/pair.py"
	run timeout 30 python3 "$BATS_TEST_TMPDIR/pair.py" "$port" \
		"$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/got"
	assert_success
	vlcnet_wait
	assert_equal "$(sha256sum <"$BATS_TEST_TMPDIR/got")" "$(sha256sum <"$BATS_TEST_TMPDIR/a")"
	assert_equal "$(sha256sum <"$VLCNET_STDOUT")" "$(sha256sum <"$BATS_TEST_TMPDIR/b")"
}

@test "a non-blocking stdin pipe that runs dry is waited on, not taken for an error" {
	vlcnet_listen -v
	port=$VLCNET_PORT
	printf '%s\n' 'import os, subprocess, sys, time
r, w = os.pipe()
os.set_blocking(r, False)
p = subprocess.Popen(["vlcnet-connect", "127.0.0.1", sys.argv[1]], stdin=r)
os.close(r)
os.write(w, b"one ")
time.sleep(0.3)
os.write(w, b"two\n")
os.close(w)
sys.exit(p.wait())' >"$BATS_TEST_TMPDIR/nb.py"
	run timeout 10 python3 "$BATS_TEST_TMPDIR/nb.py" "$port"
	assert_success
	vlcnet_wait
	assert_equal "$(cat "$VLCNET_STDOUT")" "one two"
}

# A python3 peer's part that sends "before", one urgent byte, then "after".
PY_URGENT='c.sendall(b"before")
time.sleep(0.2)
c.send(b"!", socket.MSG_OOB)
time.sleep(0.2)
c.sendall(b"after")
c.close()'

@test "connect drops a TCP urgent byte and delivers every ordinary byte, to a pipe and to a file" {
	for out in pipe file; do
		py srv "$PY_SERVER
$PY_URGENT"
		port=$(port_of srv)
		if [ "$out" = pipe ]; then
			run timeout 10 bash -c "vlcnet-connect 127.0.0.1 $port </dev/null | cat"
		else
			run timeout 10 bash -c "vlcnet-connect 127.0.0.1 $port </dev/null >'$BATS_TEST_TMPDIR/got'; cat '$BATS_TEST_TMPDIR/got'"
		fi
		assert_success
		assert_output "beforeafter"
		vn_cleanup
	done
}

@test "listen drops a TCP urgent byte from its client and delivers every ordinary byte" {
	vlcnet_listen -v
	port=$VLCNET_PORT
	run timeout 10 python3 -c "
import socket, time
c = socket.create_connection(('127.0.0.1', $port))
$PY_URGENT"
	assert_success
	vlcnet_wait
	assert_equal "$(cat "$VLCNET_STDOUT")" "beforeafter"
}

@test "an urgent byte held at the mark does not make the relay spin" {
	# the peer sends data behind the urgent byte and keeps the connection
	py srv "$PY_SERVER
c.sendall(b\"x\")
time.sleep(0.2)
c.send(b\"!\", socket.MSG_OOB)
time.sleep(0.2)
c.sendall(b\"y\")
time.sleep(30)"
	port=$(port_of srv)
	mkfifo "$BATS_TEST_TMPDIR/hold"
	bg hold bash -c "exec 3>'$BATS_TEST_TMPDIR/hold'; sleep 30"
	# stdout a pipe: the relay splices straight into it
	bg_stdin cli "$BATS_TEST_TMPDIR/hold" bash -c "vlcnet-connect 127.0.0.1 $port | cat"
	wait_for "$BATS_TEST_TMPDIR/cli.out" "^xy"
	pid=$(pgrep -n -f "vlcnet-connect 127.0.0.1 $port")
	ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
	a=$(ticks); sleep 1; b=$(ticks)
	# less than a tenth of a CPU second over one second: it sleeps in poll
	[ $((b - a)) -lt 10 ] || { echo "used $((b - a)) ticks" >&2; false; }
}

@test "-v ends a relay of either tool with the exact byte counts of each direction" {
	head -c 100000 /dev/urandom >"$BATS_TEST_TMPDIR/in"
	py srv "$PY_SERVER
c.sendall(b\"y\" * 12345)
print(\"received\", recv_all(c), flush=True)
c.close()"
	port=$(port_of srv)
	run timeout 10 bash -c "vlcnet-connect -v 127.0.0.1 $port <'$BATS_TEST_TMPDIR/in' 2>&1 >/dev/null"
	assert_success
	assert_line -n 0 "vlcnet-connect: connected to 127.0.0.1:$port"
	assert_line -n 1 --regexp '^vlcnet-connect: 100000 bytes sent, 12345 bytes received in [0-9]+\.[0-9]{3} seconds$'
	head -c 777 /dev/zero >"$BATS_TEST_TMPDIR/small"
	VLCNET_REPLY_FILE="$BATS_TEST_TMPDIR/small" vlcnet_listen -v
	port=$VLCNET_PORT
	run timeout 10 bash -c "head -c 54321 /dev/zero | vlcnet-connect 127.0.0.1 $port | wc -c"
	assert_success
	assert_output 777
	vlcnet_wait
	wait_bg
	run sed -n 3p "$VLCNET_STDERR"
	assert_output --regexp '^vlcnet-listen: 777 bytes sent, 54321 bytes received in [0-9]+\.[0-9]{3} seconds$'
}

# in_tty CMD: run CMD in bash with job control, its stdin a pseudo-terminal
# that nobody types into (script(1), its own stdin held open), as when pasted
# into an interactive shell.
in_tty() {
	[ -p "$BATS_TEST_TMPDIR/tty_hold" ] || {
		mkfifo "$BATS_TEST_TMPDIR/tty_hold"
		bg tty_hold bash -c "exec 3>'$BATS_TEST_TMPDIR/tty_hold'; sleep 30"
	}
	printf 'set -m\n%s\n' "$1" >"$BATS_TEST_TMPDIR/tty.sh"
	timeout 15 script -qec "bash --norc '$BATS_TEST_TMPDIR/tty.sh'" /dev/null \
		<"$BATS_TEST_TMPDIR/tty_hold"
}

@test "on a terminal, listen ends when its client has ended (the man page's receive-a-file example)" {
	cd "$BATS_TEST_TMPDIR"
	# err exists before the background job opens it, or the first sed may
	# look before it does
	: >err
	run in_tty '>received.txt vlcnet-listen -v 127.0.0.1 0 2>err &
for i in $(seq 200); do port=$(sed -nE "s/.*listening on .*:([0-9]+)$/\1/p" err); [ -n "$port" ] && break; sleep 0.05; done
vlcnet-connect 127.0.0.1 $port </etc/hostname; echo "connect $?"
wait %1; echo "listen $?"'
	assert_success
	assert_output "$(printf 'connect 0\r\nlisten 0\r')"
	assert_equal "$(cat received.txt)" "$(cat /etc/hostname)"
}

@test "on a terminal, connect ends when the peer has ended" {
	py srv "$PY_SERVER
c.sendall(b\"bye\n\")
c.close()"
	port=$(port_of srv)
	run in_tty "vlcnet-connect 127.0.0.1 $port; echo \"status \$?\""
	assert_success
	assert_output "$(printf 'bye\r\nstatus 0\r')"
}

@test "-q SECS ends a relay that one side keeps open after the other ended" {
	mkfifo "$BATS_TEST_TMPDIR/hold"
	bg hold bash -c "exec 3>'$BATS_TEST_TMPDIR/hold'; sleep 30"
	# the peer has ended, stdin (a pipe) never does
	py srv "$PY_SERVER
c.sendall(b\"bye\n\")
c.close()"
	port=$(port_of srv)
	run timeout 10 vlcnet-connect -q 0 127.0.0.1 "$port" <"$BATS_TEST_TMPDIR/hold"
	assert_success
	assert_output "bye"
	# stdin has ended, the peer never does
	printf 'hi\n' >"$BATS_TEST_TMPDIR/in"
	VLCNET_REPLY_FILE="$BATS_TEST_TMPDIR/in" vlcnet_listen -q 0.2 -v
	port=$VLCNET_PORT
	run timeout 10 python3 -c "
import socket, time
c = socket.create_connection(('127.0.0.1', $port))
print(c.recv(100).decode(), end='')
assert c.recv(100) == b''   # listen quit 0.2 s after its stdin ended
c.close()"
	assert_success
	assert_output "hi"
}

@test "listen -w ends an idle connection quietly and -k serves the next" {
	vlcnet_listen -k -w 0.3 -v
	port=$VLCNET_PORT
	# a client that never sends nor closes: listen ends it after 0.3 s idle
	run timeout 10 python3 -c "
import socket
c = socket.create_connection(('127.0.0.1', $port))
assert c.recv(100) == b''
d = socket.create_connection(('127.0.0.1', $port))
d.sendall(b'second\n')
d.shutdown(socket.SHUT_WR)
assert d.recv(100) == b''
print('ok')"
	assert_success
	assert_output "ok"
	wait_for "$VLCNET_STDOUT" "^second$"
	run grep -c "connection from" "$VLCNET_STDERR"
	assert_output 2
	run grep -v -e "listening on" -e "connection from" -e "bytes sent" "$VLCNET_STDERR"
	assert_output ""
}

@test "listen -w and -q apply to the relay only and reject bad values (2)" {
	run timeout 10 vlcnet-listen -w 0 127.0.0.1 0
	assert_failure 2
	assert_line -n 0 "vlcnet-listen: invalid timeout '0'"
	run timeout 10 vlcnet-listen -q x 127.0.0.1 0
	assert_failure 2
	run timeout 10 vlcnet-listen -w 1 -e 'x = 1' 127.0.0.1 0
	assert_failure 2
	assert_line -n 0 "vlcnet-listen: --timeout applies to the relay, --fork and the exec options, not to a script"
}
