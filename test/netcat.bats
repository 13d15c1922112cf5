#!/usr/bin/env bats
# The stream options of issue 21 in both network tools, over TCP, Unix stream
# sockets and TLS: -C (CRLF), --send-only, --recv-only, the session logs (-o,
# --append-output, -x) and vlcnet-connect -i. The certificates are made once
# for the file.

load helper

setup_file() {
	export CERTS="$BATS_FILE_TMPDIR/certs"
	mkdir -p "$CERTS"
	"$BATS_TEST_DIRNAME/tls_certs.sh" "$CERTS"
}

# A Unix socket's path has at most 107 bytes: a short directory of the test's
# own, removed after the helper's teardown.
eval "helper_teardown() $(declare -f teardown | tail -n +2)"
teardown() {
	local st=0
	helper_teardown || st=1
	[ -z "${sockdir:-}" ] || rm -rf "$sockdir"
	return "$st"
}

# lsn KIND NAME INPUT OPTIONS...: vlcnet-listen -v OPTIONS over KIND (tcp, unix
# or tls) in the background as NAME, stdin from INPUT; sets the array `to`, the
# arguments that make vlcnet-connect reach it. Returns once it listens.
lsn() {
	local kind=$1 name=$2 input=$3 port
	shift 3
	case $kind in
	tcp)
		bg_stdin "$name" "$input" vlcnet-listen -v "$@" 127.0.0.1 0
		port=$(port_of "$name") || return 1
		to=(127.0.0.1 "$port") ;;
	unix)
		sockdir=$(mktemp -d /tmp/vn-nc.XXXXXX)
		bg_stdin "$name" "$input" vlcnet-listen -v "$@" -U "$sockdir/s"
		wait_for "$BATS_TEST_TMPDIR/$name.err" 'listening on' || return 1
		to=(-U "$sockdir/s") ;;
	tls)
		bg_stdin "$name" "$input" vlcnet-listen -v --tls --tls-cert "$CERTS/server.pem" \
			--tls-key "$CERTS/server.key" "$@" 127.0.0.1 0
		port=$(port_of "$name") || return 1
		to=(--tls --tls-ca "$CERTS/ca.pem" localhost "$port") ;;
	esac
}

# recorder KIND [--reply-after-first]: test/fixtures/read_recorder.py over KIND
# as bg rec (each read it gets on rec.out); sets `to` as lsn does.
recorder() {
	local kind=$1 port
	shift
	case $kind in
	unix)
		sockdir=$(mktemp -d /tmp/vn-nc.XXXXXX)
		bg rec python3 "$FIXTURES/read_recorder.py" unix "$sockdir/s" "$@"
		wait_for "$BATS_TEST_TMPDIR/rec.out" '^listening$' || return 1
		to=(-U "$sockdir/s") ;;
	*)
		bg rec python3 "$FIXTURES/read_recorder.py" "$kind" - \
			"$CERTS/server.pem" "$CERTS/server.key" "$@"
		port=$(port_of rec) || return 1
		to=(127.0.0.1 "$port")
		[ "$kind" = tcp ] || to=(--tls --tls-ca "$CERTS/ca.pem" localhost "$port") ;;
	esac
}

# mixed_1mb IN WANT: 1 MB of lines ending in LF, CRLF, a lone CR or nothing,
# binary bytes among them, in IN; in WANT the same with every LF that no CR
# precedes made CRLF.
mixed_1mb() {
	python3 - "$1" "$2" <<-'PY'
		import random, re, sys
		r = random.Random(21)
		out = bytearray()
		while len(out) < 1000000:
		    out += bytes(r.randrange(256) for _ in range(r.randrange(40))).replace(b"\n", b"").replace(b"\r", b"")
		    out += r.choice([b"\n", b"\r\n", b"\r", b"", b"\n\n", b"\r\r\n"])
		out = bytes(out[:1000000])
		open(sys.argv[1], "wb").write(out)
		open(sys.argv[2], "wb").write(re.sub(rb"(?<!\r)\n", b"\r\n", out))
	PY
}

crlf_1mb() {
	local T=$BATS_TEST_TMPDIR
	mixed_1mb "$T/in" "$T/want"
	lsn "$1" srv /dev/null
	run timeout 30 vlcnet-connect -C "${to[@]}" <"$T/in"
	assert_success
	assert_output ''
	wait_bg
	[ "$(sha256sum <"$T/srv.out")" = "$(sha256sum <"$T/want")" ] ||
		fail "$(wc -c <"$T/srv.out") bytes arrived, not the $(wc -c <"$T/want") expected"
}

@test "connect -C sends 1 MB with each LF as CRLF, a CRLF kept, over TCP" { crlf_1mb tcp; }
@test "connect -C sends 1 MB with each LF as CRLF, a CRLF kept, over a Unix socket" { crlf_1mb unix; }
@test "connect -C sends 1 MB with each LF as CRLF, a CRLF kept, over TLS" { crlf_1mb tls; }

@test "listen -C sends its input with CRLF line ends; what it receives is not changed" {
	local T=$BATS_TEST_TMPDIR
	printf 'one\ntwo\r\nthree\n' >"$T/sin"
	lsn tcp srv "$T/sin" -C
	run timeout 10 vlcnet-connect "${to[@]}" < <(printf 'a\nb\n')
	assert_success
	assert_equal "$(printf '%s' "$output" | od -An -c | tr -s ' ')" \
		"$(printf 'one\r\ntwo\r\nthree\r' | od -An -c | tr -s ' ')"
	wait_bg
	assert_equal "$(od -An -c "$T/srv.out" | tr -s ' ')" "$(printf 'a\nb\n' | od -An -c | tr -s ' ')"
}

# session KIND: the server sends a line and ends its side; once it has
# arrived the client (-x x.log -o o.log) sends "hi" and ends: a session whose
# order is known.
session() {
	local T=$BATS_TEST_TMPDIR
	printf 'hello from the server side\n' >"$T/sin"
	lsn "$1" srv "$T/sin"
	bg_stdin cli <(wait_for "$T/cli.out" 'server side' 20 >/dev/null && printf 'hi\n') \
		vlcnet-connect -x "$T/x.log" -o "$T/o.log" "${to[@]}"
	wait_bg
	assert_equal "$(cat "$T/cli.out")" 'hello from the server side'
	assert_equal "$(cat "$T/srv.out")" 'hi'
	run cat "$T/x.log"
	assert_success
	assert_output - <<-'EOF'
		< 0000   68 65 6c 6c 6f 20 66 72  6f 6d 20 74 68 65 20 73  hello.from.the.s
		< 0010   65 72 76 65 72 20 73 69  64 65 0a                 erver.side.
		> 0000   68 69 0a                                          hi.
	EOF
	run cat "$T/o.log"
	assert_success
	assert_output "$(printf 'hello from the server side\nhi')"
}

@test "connect -x and -o log a known session in ncat's layout, over TCP" { session tcp; }
@test "connect -x and -o log a known session in ncat's layout, over a Unix socket" { session unix; }
@test "connect -x and -o log a known session in ncat's layout, over TLS" { session tls; }

@test "listen -k -o: one log for every connection, current between them; --append-output keeps what was there" {
	local T=$BATS_TEST_TMPDIR pid
	printf 'old\n' >"$T/log"
	printf 'old\n' >"$T/xlog"
	bg srv vlcnet-listen -v -k --append-output -o "$T/log" 127.0.0.1 0
	pid=$!
	port=$(port_of srv)
	run timeout 10 vlcnet-connect 127.0.0.1 "$port" <<<one
	assert_success
	# flushed when the relay ends, while the next client is awaited
	wait_for "$T/log" '^one$'
	run timeout 10 vlcnet-connect 127.0.0.1 "$port" <<<two
	assert_success
	wait_for "$T/log" '^two$'
	kill -TERM "$pid"
	wait_bg srv=143
	assert_equal "$(cat "$T/log")" "$(printf 'old\none\ntwo')"
	# without --append-output the file is truncated, once, at the start
	bg srv2 vlcnet-listen -v -k -x "$T/xlog" 127.0.0.1 0
	pid=$!
	port=$(port_of srv2)
	run timeout 10 vlcnet-connect 127.0.0.1 "$port" <<<one
	assert_success
	run timeout 10 vlcnet-connect 127.0.0.1 "$port" <<<two
	assert_success
	wait_for "$T/xlog" '^< 0004 '
	kill -TERM "$pid"
	wait_bg srv=143 srv2=143
	run cat "$T/xlog"
	assert_success
	assert_output - <<-'EOF'
		< 0000   6f 6e 65 0a                                       one.
		< 0004   74 77 6f 0a                                       two.
	EOF
}

send_only() {
	local T=$BATS_TEST_TMPDIR
	# the server never ends its side: the client ends at its input's end
	printf 'from the server\n' >"$T/sin"
	held_input "$T/held" "$T/sin"
	lsn "$1" srv "$T/held"
	run timeout 10 vlcnet-connect --send-only "${to[@]}" <<<'to the server'
	assert_success
	assert_output ''
	wait_for "$T/srv.out" '^to the server$'
}

@test "connect --send-only ends when its input ends, the peer's data not on stdout, over TCP" { send_only tcp; }
@test "connect --send-only ends when its input ends, the peer's data not on stdout, over a Unix socket" { send_only unix; }
@test "connect --send-only ends when its input ends, the peer's data not on stdout, over TLS" { send_only tls; }

@test "listen --send-only drops what the client sends and ends with its input" {
	local T=$BATS_TEST_TMPDIR
	printf 'from the server\n' >"$T/sin"
	lsn tcp srv "$T/sin" --send-only
	run timeout 10 vlcnet-connect "${to[@]}" <<<'dropped'
	assert_success
	assert_output 'from the server'
	wait_bg
	assert_equal "$(cat "$T/srv.out")" ''
}

recv_only() {
	local T=$BATS_TEST_TMPDIR
	printf 'from the server\n' >"$T/sin"
	# a directory on stdin fails any read: --recv-only never reads it (the
	# first server sends nothing, which the failed client would reset)
	lsn "$1" srv /dev/null
	run timeout 10 vlcnet-connect "${to[@]}" </
	assert_failure 1
	assert_line 'vlcnet-connect: standard input: Is a directory'
	wait_bg srv=0
	lsn "$1" srv2 "$T/sin"
	run timeout 10 vlcnet-connect --recv-only "${to[@]}" </
	assert_success
	assert_output 'from the server'
	wait_bg srv2=0
	assert_equal "$(cat "$T/srv2.out")" ''
}

@test "connect --recv-only never reads stdin (a directory there), over TCP" { recv_only tcp; }
@test "connect --recv-only never reads stdin (a directory there), over a Unix socket" { recv_only unix; }
@test "connect --recv-only never reads stdin (a directory there), over TLS" { recv_only tls; }

@test "listen --recv-only never reads stdin and ends with the client" {
	local T=$BATS_TEST_TMPDIR
	bg_stdin srv / vlcnet-listen -v --recv-only 127.0.0.1 0
	port=$(port_of srv)
	run timeout 10 vlcnet-connect 127.0.0.1 "$port" <<<'to the server'
	assert_success
	assert_output ''
	wait_bg
	assert_equal "$(cat "$T/srv.out")" 'to the server'
}

interval() {
	local T=$BATS_TEST_TMPDIR
	recorder "$1"
	# one write of three lines: without -i the peer reads them at once
	run timeout 20 vlcnet-connect -i 0.4 "${to[@]}" < <(printf 'a\nb\nc\n')
	assert_success
	wait_bg
	run cat "$T/rec.out"
	assert_success
	assert_output --partial "$(printf "b'a\\\\n'\nb'b\\\\n'\nb'c\\\\n'")"
	[ "${#lines[@]}" -eq 4 ] || fail "reads: $output"
}

@test "connect -i sends a line at a time, each read by the peer alone, over TCP" { interval tcp; }
@test "connect -i sends a line at a time, each read by the peer alone, over a Unix socket" { interval unix; }
@test "connect -i sends a line at a time, each read by the peer alone, over TLS" { interval tls; }

@test "connect -i: while it waits to send the next line, the peer's data still arrives" {
	local T=$BATS_TEST_TMPDIR pid
	recorder tcp --reply-after-first
	printf 'a\nb\n' >"$T/in"
	held_input "$T/held" "$T/in"
	bg_stdin cli "$T/held" vlcnet-connect -i 30 "${to[@]}"
	pid=$!
	wait_for "$T/cli.out" '^reply$'
	# the second line waits its 30 s: the peer has read the first alone
	run cat "$T/rec.out"
	assert_success
	assert_line -n 1 "b'a\\n'"
	[ "${#lines[@]}" -eq 2 ] || fail "reads: $output"
	kill -TERM "$pid"
	wait_bg cli=143 rec=0
}

@test "a session log that cannot be written ends the relay with one line and status 1" {
	local T=$BATS_TEST_TMPDIR
	lsn tcp srv /dev/null
	run timeout 10 vlcnet-connect -o /dev/full "${to[@]}" <<<'x'
	assert_failure 1
	assert_output "vlcnet-connect: --output '/dev/full': No space left on device"
	# the hex dump alike; and both for more than their buffers hold
	echo x >"$T/line"
	head -c 200000 /dev/zero >"$T/big"
	for input in line big; do
		lsn tcp "x$input" /dev/null
		run timeout 10 vlcnet-connect -x /dev/full "${to[@]}" <"$T/$input"
		assert_failure 1
		assert_output "vlcnet-connect: --hex-dump '/dev/full': No space left on device"
	done
	lsn tcp obig /dev/null
	run timeout 10 vlcnet-connect -o /dev/full "${to[@]}" <"$T/big"
	assert_failure 1
	assert_output "vlcnet-connect: --output '/dev/full': No space left on device"
}

@test "a script's session log that cannot be written fails its sends, and says so once at the end with status 1" {
	local T=$BATS_TEST_TMPDIR
	for n in 1 100000; do
		lsn tcp "srv$n" /dev/null
		run timeout 10 vlcnet-connect -o /dev/full -e "
			local fd = net.connect_tcp('${to[0]}', ${to[1]})
			print(net.send(fd, string.rep('x', $n)))"
		assert_failure 1
		# a record that fits the log's buffer fails when it is written out
		if [ "$n" = 1 ]; then want=1; else want=-1; fi
		assert_line -n 0 -- "$want"
		assert_line -n 1 "vlcnet-connect: --output '/dev/full': No space left on device"
		[ "${#lines[@]}" -eq 2 ] || fail "$output"
	done
}

@test "bad stream options are one-line usage errors with exit 2" {
	local T=$BATS_TEST_TMPDIR
	while IFS='|' read -r tool args want msg; do
		eval "set -- $args"
		run timeout 10 "vlcnet-$tool" "$@"
		[ "$status" -eq "$want" ] || fail "vlcnet-$tool $args: status $status: $output"
		[ "${lines[0]}" = "vlcnet-$tool: $msg" ] || fail "vlcnet-$tool $args: ${lines[0]}, not $msg"
	done <<-EOF
		connect|--send-only --recv-only 127.0.0.1 1|2|--send-only and --recv-only do not go together
		listen|--send-only --recv-only 127.0.0.1 0|2|--send-only and --recv-only do not go together
		connect|--recv-only -C 127.0.0.1 1|2|--crlf changes what is sent: not with --recv-only
		connect|--recv-only -i 1 127.0.0.1 1|2|--interval paces what is sent: not with --recv-only
		connect|--append-output 127.0.0.1 1|2|--append-output needs --output or --hex-dump
		connect|-u -C 127.0.0.1 1|2|--crlf applies to streams, not to --udp
		listen|-u -x $T/x 127.0.0.1 0|2|--hex-dump applies to streams, not to --udp
		connect|-z -o $T/o 127.0.0.1 1|2|--scan sends nothing: not with --output
		listen|--exec cat --send-only 127.0.0.1 0|2|--send-only applies to the relay, not to --exec
		connect|-e 'print(1)' -C 127.0.0.1 1|2|--crlf applies to the relay, not to a script
		listen|-e 'print(1)' --recv-only 127.0.0.1 0|2|--recv-only applies to the relay, not to a script
		connect|-i 0 127.0.0.1 1|2|invalid timeout '0'
		connect|-i soon 127.0.0.1 1|2|invalid timeout 'soon'
		listen|-i 1 127.0.0.1 0|2|unknown option -i
		connect|-o $T/no/such/dir/log 127.0.0.1 1|2|--output '$T/no/such/dir/log': No such file or directory
		listen|-x $T 127.0.0.1 0|2|--hex-dump '$T': Is a directory
	EOF
}

@test "connect --script -x logs the script's own sends and receives" {
	local T=$BATS_TEST_TMPDIR
	printf 'pong\n' >"$T/sin"
	lsn tcp srv "$T/sin"
	run timeout 10 vlcnet-connect -x "$T/x.log" -e '
		net.send(fd, "ping\n")
		net.poll({ [fd] = net.POLLIN }, 5000)
		io.write(net.recv(fd, 100))' "${to[@]}"
	assert_success
	assert_output 'pong'
	wait_bg
	run cat "$T/x.log"
	assert_success
	assert_output - <<-'EOF'
		> 0000   70 69 6e 67 0a                                    ping.
		< 0000   70 6f 6e 67 0a                                    pong.
	EOF
}

@test "connect -e -o: the log is current while the script waits in net.poll" {
	local T=$BATS_TEST_TMPDIR
	held_input "$T/held"
	lsn tcp srv "$T/held"
	bg cli vlcnet-connect -o "$T/o.log" -e '
		net.send(fd, "ping\n")
		net.poll({ [fd] = net.POLLIN }, 20000)' "${to[@]}"
	wait_for "$T/o.log" '^ping$'
}

exec_log() {
	local T=$BATS_TEST_TMPDIR
	lsn "$1" srv /dev/null -o "$T/o.log" --exec cat
	run timeout 10 vlcnet-connect "${to[@]}" <<<'hello'
	assert_success
	assert_output 'hello'
	wait_bg
	assert_equal "$(cat "$T/o.log")" "$(printf 'hello\nhello')"
}

@test "listen --exec -o logs the program's session, over TCP" { exec_log tcp; }
@test "listen --exec -o logs the program's session, over TLS" { exec_log tls; }

@test "listen --fork -o logs what each child's script sends and receives" {
	local T=$BATS_TEST_TMPDIR pid
	bg srv vlcnet-listen -v --fork -o "$T/o.log" -e '
		net.poll({ [fd] = net.POLLIN }, 5000)
		net.send(fd, "got " .. net.recv(fd, 100))' 127.0.0.1 0
	pid=$!
	port=$(port_of srv)
	run timeout 10 vlcnet-connect 127.0.0.1 "$port" <<<'one'
	assert_success
	assert_output 'got one'
	wait_for "$T/o.log" '^got one$'
	assert_equal "$(cat "$T/o.log")" "$(printf 'one\ngot one')"
	kill -TERM "$pid"
	wait_bg srv=143
}

@test "connect -i: the wait for a line's time is not idleness for -w" {
	local T=$BATS_TEST_TMPDIR
	recorder tcp
	run timeout 20 vlcnet-connect -w 0.3 -i 0.8 "${to[@]}" < <(printf 'a\nb\n')
	assert_success
	wait_bg
	run cat "$T/rec.out"
	assert_success
	assert_line -n 1 "b'a\\n'"
	assert_line -n 2 "b'b\\n'"
}

@test "connect --exec -o logs the program's session" {
	local T=$BATS_TEST_TMPDIR
	printf 'hi\n' >"$T/sin"
	lsn tcp srv "$T/sin"
	run timeout 10 vlcnet-connect -o "$T/o.log" --exec cat "${to[@]}"
	assert_success
	wait_bg
	assert_equal "$(cat "$T/srv.out")" 'hi'
	assert_equal "$(cat "$T/o.log")" "$(printf 'hi\nhi')"
}
