#!/usr/bin/env bats
# vlcnet-listen --broker and --chat: every client hears the others, with
# ncat's own clients and ncat's --chat server as the reference; hostile
# clients (one that never reads, a 64 KiB line, a half-close, a reset, a
# stalled TLS handshake, descriptors running out) never stop the others.

load helper

PEERS="$BATS_TEST_DIRNAME/fixtures/broker_peers.py"

setup_file() {
	export CERTS="$BATS_FILE_TMPDIR/certs"
	mkdir -p "$CERTS"
	"$BATS_TEST_DIRNAME/tls_certs.sh" "$CERTS"
}

# broker OPTIONS...: vlcnet-listen -v OPTIONS 127.0.0.1 0 in the background
# as "server", its stdin /dev/null; sets $port.
broker() {
	bg_stdin server /dev/null vlcnet-listen -v "$@" 127.0.0.1 0
	port=$(port_of server)
}

# wait_count FILE REGEX N: wait until N lines of FILE match REGEX.
wait_count() {
	local i
	for ((i = 0; i < 400; i++)); do
		[ "$(grep -Ec -- "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
		sleep 0.05
	done
	echo "timed out waiting for $3 lines /$2/ in $1:" >&2
	cat "$1" >&2
	return 1
}

# wait_size FILE BYTES: wait until FILE holds BYTES bytes.
wait_size() {
	local i
	for ((i = 0; i < 400; i++)); do
		[ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
		sleep 0.05
	done
	echo "$1 has $(stat -c %s "$1" 2>/dev/null) bytes, not $2" >&2
	return 1
}

# ncat_client NAME: `ncat 127.0.0.1 $port` in the background, its input the
# fifo NAME.in (held open by the test on descriptor NAME_fd), its output in
# NAME.out.
ncat_client() {
	local fifo="$BATS_TEST_TMPDIR/$1.in" fd
	mkfifo "$fifo"
	exec {fd}<>"$fifo"
	printf -v "${1}_fd" %s "$fd"
	bg_stdin "$1" "$fifo" ncat 127.0.0.1 "$port"
}

@test "--broker and --chat refuse -u, a script, --fork, an exec option and -q" {
	run vlcnet-listen --broker -u 127.0.0.1 0
	assert_failure 2
	assert_line --index 0 "vlcnet-listen: --broker does not go with --udp"
	run vlcnet-listen --chat -e 'x = 1' 127.0.0.1 0
	assert_failure 2
	assert_line --index 0 "vlcnet-listen: --chat does not go with a script"
	run vlcnet-listen --broker --fork -e 'x = 1' 127.0.0.1 0
	assert_failure 2
	assert_line --index 0 "vlcnet-listen: --broker does not go with --fork"
	run vlcnet-listen --chat --exec cat 127.0.0.1 0
	assert_failure 2
	assert_line --index 0 "vlcnet-listen: --chat does not go with --exec"
	run vlcnet-listen --broker -q 1 127.0.0.1 0
	assert_failure 2
	assert_line --index 0 "vlcnet-listen: --quit-after applies to the relay, not to --broker"
}

@test "--broker passes what one ncat client sends to every other client, never back to it" {
	require_tool ncat
	broker --broker
	ncat_client a
	ncat_client b
	ncat_client c
	wait_count "$BATS_TEST_TMPDIR/server.err" 'connection from' 3
	echo "from a" >&"$a_fd"
	wait_for "$BATS_TEST_TMPDIR/b.out" '^from a$'
	wait_for "$BATS_TEST_TMPDIR/c.out" '^from a$'
	echo "from b" >&"$b_fd"
	wait_for "$BATS_TEST_TMPDIR/a.out" '^from b$'
	wait_for "$BATS_TEST_TMPDIR/c.out" '^from b$'
	# One connection keeps its order: an echo of "from a" would come first.
	assert_equal "$(cat "$BATS_TEST_TMPDIR/a.out")" "from b"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/b.out")" "from a"
	assert_equal "$(printf '%s\n' "$(cat "$BATS_TEST_TMPDIR/c.out")")" $'from a\nfrom b'
}

@test "--broker: 1 MB from one ncat client reaches two others intact, and the sender leaves at its end" {
	require_tool ncat
	head -c 1000000 /dev/urandom >"$BATS_TEST_TMPDIR/1mb"
	broker --broker
	ncat_client b
	ncat_client c
	wait_count "$BATS_TEST_TMPDIR/server.err" 'connection from' 2
	run timeout 20 ncat 127.0.0.1 "$port" <"$BATS_TEST_TMPDIR/1mb"
	assert_success
	wait_size "$BATS_TEST_TMPDIR/b.out" 1000000
	wait_size "$BATS_TEST_TMPDIR/c.out" 1000000
	want=$(sha256sum <"$BATS_TEST_TMPDIR/1mb")
	assert_equal "$(sha256sum <"$BATS_TEST_TMPDIR/b.out")" "$want"
	assert_equal "$(sha256sum <"$BATS_TEST_TMPDIR/c.out")" "$want"
	wait_for "$BATS_TEST_TMPDIR/server.err" ': 0 bytes sent, 1000000 bytes received in '
}

@test "--broker: the listener's stdin goes to every client once one is there; its stdout gets nothing" {
	require_tool ncat
	mkfifo "$BATS_TEST_TMPDIR/in"
	exec {in_fd}<>"$BATS_TEST_TMPDIR/in"
	bg_stdin server "$BATS_TEST_TMPDIR/in" vlcnet-listen -v --broker 127.0.0.1 0
	port=$(port_of server)
	ncat_client a
	ncat_client b
	wait_count "$BATS_TEST_TMPDIR/server.err" 'connection from' 2
	echo "from the listener" >&"$in_fd"
	wait_for "$BATS_TEST_TMPDIR/a.out" '^from the listener$'
	wait_for "$BATS_TEST_TMPDIR/b.out" '^from the listener$'
	echo "from a" >&"$a_fd"
	wait_for "$BATS_TEST_TMPDIR/b.out" '^from a$'
	assert_equal "$(cat "$BATS_TEST_TMPDIR/server.out")" ""
}

@test "--chat: a session reads as it does with ncat --chat, byte for byte" {
	require_tool ncat
	port=$(closed_port)
	bg_stdin ncat /dev/null ncat -v -l --chat 127.0.0.1 "$port"
	wait_for "$BATS_TEST_TMPDIR/ncat.err" 'Listening on'
	run timeout 30 python3 "$PEERS" chat "$port"
	assert_success
	want=$output
	broker --chat
	run timeout 30 python3 "$PEERS" chat "$port"
	assert_success
	assert_output "$want"
	# What the reference said, and that it has the escapes and notices.
	assert_line --regexp '^<user[0-9]+> hi \\001\\377	tab'
	assert_line --regexp '^<announce> <user[0-9]+> is disconnected\.$'
	assert_line --regexp '^<announce> already connected: 127\.0\.0\.1 as <user[0-9]+>\.$'
}

@test "--broker: a client that never reads is dropped after 5 s of taking nothing; 6 MiB still reach the one that reads" {
	broker --broker
	run timeout 60 python3 "$PEERS" slow "$port"
	assert_success
	assert_output $'reader got 6291456 bytes intact\nthe client that never read was dropped'
	assert grep -q 'dropped 127.0.0.1:[0-9]*: it took nothing of what waits for it in 5 seconds' "$BATS_TEST_TMPDIR/server.err"
}

@test "--broker: a sender faster than its reader is slowed down, and the reader gets all 8 MiB" {
	broker --broker
	run timeout 60 python3 "$PEERS" flood "$port"
	assert_success
	assert_output "8388608 bytes intact"
	refute grep -Eq "took nothing|more than 1 MiB" "$BATS_TEST_TMPDIR/server.err"
}

@test "--broker: a 64 KiB line without a newline in sight arrives whole" {
	broker --broker
	run timeout 30 python3 "$PEERS" bigline "$port"
	assert_success
	assert_output "65536 bytes intact"
}

@test "--broker: a client that sends and half-closes at once is delivered, then leaves" {
	broker --broker
	run timeout 30 python3 "$PEERS" halfclose "$port"
	assert_success
	assert_output "the half-closed client left; the others go on"
}

@test "--broker: a client reset in the middle of a transfer leaves the others served" {
	broker --broker
	run timeout 30 python3 "$PEERS" reset "$port"
	assert_success
	assert_output "the broker went on after the reset"
	assert grep -q 'Connection reset by peer' "$BATS_TEST_TMPDIR/server.err"
}

@test "--broker over a Unix socket" {
	bg_stdin server /dev/null vlcnet-listen -v --broker -U "@vn-broker-$$-$BATS_TEST_NUMBER"
	wait_for "$BATS_TEST_TMPDIR/server.err" 'listening on @'
	run timeout 30 python3 "$PEERS" unix "@vn-broker-$$-$BATS_TEST_NUMBER"
	assert_success
	assert_output "over unix"
}

@test "--broker -m 2: a third client is accepted and closed at once, the two go on" {
	require_tool ncat
	broker --broker -m 2
	ncat_client a
	ncat_client b
	wait_count "$BATS_TEST_TMPDIR/server.err" 'connection from' 2
	run timeout 10 ncat 127.0.0.1 "$port" </dev/null
	assert_success
	assert_output ""
	wait_for "$BATS_TEST_TMPDIR/server.err" 'refused connection from 127.0.0.1:[0-9]+: 2 clients already'
	echo "still two" >&"$a_fd"
	wait_for "$BATS_TEST_TMPDIR/b.out" '^still two$'
}

@test "--broker --deny: a refused client is closed, the allowed ones talk" {
	require_tool ncat
	broker --broker --allow 127.0.0.0/8 --deny 127.0.0.2
	ncat_client a
	ncat_client b
	wait_count "$BATS_TEST_TMPDIR/server.err" 'connection from 127.0.0.1' 2
	run timeout 10 ncat -s 127.0.0.2 127.0.0.1 "$port" </dev/null
	assert_success
	wait_for "$BATS_TEST_TMPDIR/server.err" 'refused connection from 127.0.0.2:'
	echo "allowed" >&"$a_fd"
	wait_for "$BATS_TEST_TMPDIR/b.out" '^allowed$'
}

@test "--broker --tls: ncat --ssl clients talk while another stalls its handshake, dropped after -w" {
	require_tool ncat
	broker --broker --tls --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key" -w 8
	# A client that connects and never says a word of TLS.
	bg_stdin stall /dev/null python3 -c 'import socket,sys,time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.recv(1)' "$port"
	wait_count "$BATS_TEST_TMPDIR/server.err" 'connection from' 1
	for c in a b; do
		mkfifo "$BATS_TEST_TMPDIR/$c.in"
		exec {fd}<>"$BATS_TEST_TMPDIR/$c.in"
		printf -v "${c}_fd" %s "$fd"
		bg_stdin "$c" "$BATS_TEST_TMPDIR/$c.in" ncat --ssl 127.0.0.1 "$port"
	done
	wait_count "$BATS_TEST_TMPDIR/server.err" '^vlcnet-listen: TLS: ' 2
	echo "over tls" >&"$a_fd"
	wait_for "$BATS_TEST_TMPDIR/b.out" '^over tls$'
	# ... before the stalled handshake ran out: it held nobody up.
	refute grep -q 'timed out' "$BATS_TEST_TMPDIR/server.err"
	wait_for "$BATS_TEST_TMPDIR/server.err" 'TLS handshake with 127.0.0.1:[0-9]+: timed out'
	echo "still on" >&"$b_fd"
	wait_for "$BATS_TEST_TMPDIR/a.out" '^still on$'
}

@test "--broker out of descriptors: accepting pauses, the clients go on, a waiting client gets in later" {
	require_tool ncat
	skip_if_sanitized "a descriptor limit of 7"
	# 0-2, the listening socket, and three clients.
	bg_stdin server /dev/null bash -c 'for f in /proc/$$/fd/*; do
		n=${f##*/}; [ "$n" -le 2 ] || eval "exec $n>&-"; done
		ulimit -n 7; exec vlcnet-listen -v --broker 127.0.0.1 0'
	port=$(port_of server)
	ncat_client a
	ncat_client b
	ncat_client c
	wait_count "$BATS_TEST_TMPDIR/server.err" 'connection from' 3
	ncat_client d
	wait_for "$BATS_TEST_TMPDIR/server.err" 'accept: Too many open files'
	echo "while full" >&"$a_fd"
	wait_for "$BATS_TEST_TMPDIR/b.out" '^while full$'
	kill "$(sed -n 4p "$BATS_TEST_TMPDIR/pids")"   # c's ncat: a slot frees
	wait_count "$BATS_TEST_TMPDIR/server.err" 'connection from' 4
	echo "to d" >&"$a_fd"
	wait_for "$BATS_TEST_TMPDIR/d.out" '^to d$'
	# Said once, not once a second.
	assert_equal "$(grep -c 'accept: Too many open files' "$BATS_TEST_TMPDIR/server.err")" 1
}

@test "--chat ends with 143 on SIGTERM, and its clients see the end" {
	vlcnet_listen -v --chat
	bg client python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
got = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    got += d
sys.stdout.write(got.decode())
print("the end")' "$VLCNET_PORT"
	wait_for "$VLCNET_STDERR" 'connection from'
	kill -TERM "$VLCNET_PID"
	vlcnet_wait 143
	wait_bg
	assert_equal "$(tail -n 1 "$BATS_TEST_TMPDIR/client.out")" "the end"
}

@test "--chat names who is there in the order of their user numbers, one that took a freed number first" {
	broker --chat
	run timeout 30 python3 "$PEERS" chatorder "$port"
	assert_success
	assert_line -n 0 --regexp '^<announce> 127\.0\.0\.1 is connected as <user[0-9]+>\.$'
	assert_line -n 1 --regexp '^<announce> already connected: 127\.0\.0\.1 as <user[0-9]+>, 127\.0\.0\.1 as <user[0-9]+>, 127\.0\.0\.1 as <user[0-9]+>\.$'
	# the numbers ascend
	nums=$(grep -o 'user[0-9]*' <<<"${lines[1]}" | tr -d user)
	assert_equal "$nums" "$(sort -n <<<"$nums")"
}

@test "--broker -w: a client that says nothing for that long is let go, and -v says why" {
	broker --broker -w 1
	run timeout 30 python3 "$PEERS" idle "$port"
	assert_success
	assert_output "the idle client was let go"
	wait_for "$BATS_TEST_TMPDIR/server.err" 'dropped 127\.0\.0\.1:[0-9]+: idle timeout$'
}
