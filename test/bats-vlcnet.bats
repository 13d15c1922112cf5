#!/usr/bin/env bats
# The bats-vlcnet library (lib/bats-vlcnet), used as a user would: each case is
# a small bats file of its own, run by bats, whose result is checked here.
load helper

setup() {
	first_pass_only "bats-vlcnet"
}

# inner NAME BODY: write a bats file whose one test is BODY, loading the
# library through BATS_LIB_PATH (LIBDIR, default the checkout's lib/).
inner() {
	# (the @test line is printed, since bats would read one written here)
	{
		printf '%s\n' 'bats_load_library bats-support' \
			'bats_load_library bats-assert' 'bats_load_library bats-vlcnet' \
			'teardown() { vlcnet_stop; }'
		printf '@%s "%s" {\n%s\n}\n' test "$1" "$2"
	} >"$BATS_TEST_TMPDIR/$1.bats"
}

run_inner() {
	run env BATS_LIB_PATH="${LIBDIR:-$TOP/lib}:/usr/lib/bats" PATH="$PATH" \
		timeout 60 bats "$BATS_TEST_TMPDIR/$1.bats"
}

@test "vlcnet_listen starts a relay on a free port and vlcnet_received reads what it got" {
	inner relay '
	vlcnet_listen
	[ -n "$VLCNET_PORT" ]
	[ -n "$VLCNET_PID" ]
	echo "hello server" | vlcnet-connect 127.0.0.1 "$VLCNET_PORT"
	assert_vlcnet_received "hello server"
	run vlcnet_received
	assert_output "hello server"
	assert_vlcnet_received --partial "lo se"
	assert_vlcnet_received --regexp "^hel+o"'
	run_inner relay
	assert_success
	assert_output --partial "ok 1 relay"
}

@test "VLCNET_REPLY is the server's canned answer" {
	inner reply '
	VLCNET_REPLY=$'"'"'HTTP/1.0 200 OK\r\n\r\nhi'"'"' vlcnet_listen
	run vlcnet-connect 127.0.0.1 "$VLCNET_PORT" </dev/null
	assert_output $'"'"'HTTP/1.0 200 OK\r\n\r\nhi'"'"''
	run_inner reply
	assert_success
}

@test "vlcnet_listen passes options: a Lua server script serves several clients" {
	inner script '
	vlcnet_listen -e "for i = 1, 2 do local fd = listener:accept()
	  while net.poll({[fd] = net.POLLIN}) do local s = net.recv(fd, 100)
	    if not s then break end net.send(fd, s:upper()) end
	  net.close(fd) end"
	run vlcnet-connect 127.0.0.1 "$VLCNET_PORT" <<<"one"
	assert_success
	assert_output "ONE"
	run vlcnet-connect 127.0.0.1 "$VLCNET_PORT" <<<"two"
	assert_output "TWO"
	assert_vlcnet_received ""'
	run_inner script
	assert_success
}

@test "a mismatch is reported in bats-assert's words" {
	inner mismatch '
	vlcnet_listen
	echo have | vlcnet-connect 127.0.0.1 "$VLCNET_PORT"
	assert_vlcnet_received want'
	run_inner mismatch
	assert_failure
	assert_output --partial "-- received output differs --"
	assert_output --partial "expected : want"
	assert_output --partial "actual   : have"
}

@test "a server that does not start fails the test with its error" {
	inner nostart 'vlcnet_listen --no-such-option'
	run_inner nostart
	assert_failure
	assert_output --partial "-- vlcnet server did not start --"
	assert_output --partial "unknown option --no-such-option"
}

@test "a server that never opens its port fails the test after VLCNET_TIMEOUT seconds" {
	printf '#!/bin/sh\nexec sleep 30\n' >"$BATS_TEST_TMPDIR/mute"
	chmod +x "$BATS_TEST_TMPDIR/mute"
	inner mute "VLCNET_TIMEOUT=1 VLCNET_LISTEN=$BATS_TEST_TMPDIR/mute vlcnet_listen"
	run_inner mute
	assert_failure
	assert_output --partial "-- vlcnet server not listening after 1 s --"
}

@test "vlcnet_stop fails the test when a server died of a signal it did not send" {
	# A stand-in that announces a port, then dies of SIGSEGV.
	cat >"$BATS_TEST_TMPDIR/crash" <<-'EOS'
	#!/bin/bash
	echo 1 >"$2"
	sleep 0.2
	kill -SEGV $$
	EOS
	chmod +x "$BATS_TEST_TMPDIR/crash"
	# (the test waits for the crash, then lets teardown's vlcnet_stop judge it)
	inner crash "VLCNET_LISTEN=$BATS_TEST_TMPDIR/crash vlcnet_listen
	for ((i = 0; i < 100; i++)); do _vlcnet_gone \"\$VLCNET_PID\" && break; sleep 0.05; done"
	run_inner crash
	assert_failure
	assert_output --partial "-- vlcnet server died of a signal --"
	assert_output --partial "signal 11 (SEGV)"
}

@test "vlcnet_stop ends running servers quietly, and does nothing when none started" {
	inner stop '
	vlcnet_listen -k
	pid=$VLCNET_PID
	vlcnet_stop
	run kill -0 "$pid"
	assert_failure
	vlcnet_stop'
	run_inner stop
	assert_success
	inner none 'vlcnet_stop'
	run_inner none
	assert_success
}

@test "vlcnet_received without a server says so" {
	inner noserver 'vlcnet_received'
	run_inner noserver
	assert_failure
	assert_output --partial "no server was started in this test"
}

@test "VLCNET_REPLY_FILE is the server's stdin, binary bytes intact" {
	printf 'a\0b\377\n' >"$BATS_TEST_TMPDIR/reply"
	inner replyfile "
	VLCNET_REPLY_FILE=$BATS_TEST_TMPDIR/reply vlcnet_listen
	run bash -c \"vlcnet-connect 127.0.0.1 \$VLCNET_PORT </dev/null | od -An -tx1\"
	assert_output ' 61 00 62 ff 0a'"
	run_inner replyfile
	assert_success
	inner nofile 'VLCNET_REPLY_FILE=/no/such/file vlcnet_listen'
	run_inner nofile
	assert_failure
	assert_output --partial "not a readable file"
}

@test "vlcnet_wait passes on the server's exit status and fails on another" {
	inner waitok '
	vlcnet_listen -e "listener:accept() os.exit(3)"
	vlcnet-connect 127.0.0.1 "$VLCNET_PORT" </dev/null
	vlcnet_wait 3
	[ "$VLCNET_STATUS" = 3 ]
	vlcnet_wait 3'
	run_inner waitok
	assert_success
	inner waitbad '
	vlcnet_listen -e "error(\"boom\")"
	vlcnet_wait'
	run_inner waitbad
	assert_failure
	assert_output --partial "-- vlcnet server exit status differs --"
	assert_output --partial "expected : 0"
	assert_output --partial "actual   : 1"
	assert_output --partial "boom"
}

@test "vlcnet_wait fails on a server still running after VLCNET_TIMEOUT seconds (5 when unset or not a number)" {
	inner running '
	vlcnet_listen -k
	VLCNET_TIMEOUT=1 vlcnet_wait'
	run_inner running
	assert_failure
	assert_output --partial "-- vlcnet server still running after 1 s --"
	# the default, without waiting for it
	inner default '
	VLCNET_TIMEOUT=x _vlcnet_timeout
	assert_equal "$_vlcnet_secs $_vlcnet_tries" "5 100"
	unset VLCNET_TIMEOUT
	_vlcnet_timeout
	assert_equal "$_vlcnet_secs $_vlcnet_tries" "5 100"
	VLCNET_TIMEOUT=2 _vlcnet_timeout
	assert_equal "$_vlcnet_secs $_vlcnet_tries" "2 40"'
	run_inner default
	assert_success
}

@test "VLCNET_HOST picks the address, empty for every address" {
	inner host '
	VLCNET_HOST=::1 vlcnet_listen -6 -v
	assert_equal "$(cat "$VLCNET_STDERR")" "vlcnet-listen: listening on [::1]:$VLCNET_PORT"
	VLCNET_HOST= vlcnet_listen -4 -v
	assert_equal "$(cat "$VLCNET_STDERR")" "vlcnet-listen: listening on 0.0.0.0:$VLCNET_PORT"'
	run_inner host
	assert_success
}

@test "a signal death that vlcnet_wait expected does not fail vlcnet_stop" {
	inner expected '
	vlcnet_listen -k
	kill -INT "$VLCNET_PID"
	vlcnet_wait 130'
	run_inner expected
	assert_success
}
