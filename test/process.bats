#!/usr/bin/env bats
# What every tool sets up at the top of main: closed descriptors 0-2, SIGPIPE
# and a closed stdout, stdout write errors, signals, and the message prefix.
load helper

@test "a closed stdout ends each tool quietly with status 0" {
	mkdir -p "$BATS_TEST_TMPDIR/t"
	for i in $(seq 300); do : >"$BATS_TEST_TMPDIR/t/f$i"; done
	cd "$BATS_TEST_TMPDIR"
	run bash -c 'timeout 20 vlcnet-ls -R /usr/share | head -n 1 >/dev/null; echo "${PIPESTATUS[0]}"'
	assert_success
	assert_output "0"
	run bash -c 'timeout 20 vlcnet-ls -l --where "true" t t t t | head -n 1 >/dev/null; echo "${PIPESTATUS[0]}"'
	assert_success
	assert_output "0"
	run bash -c 'timeout 20 vlcnet-stat t/* t/* t/* t/* t/* | head -n 1 >/dev/null; echo "${PIPESTATUS[0]}"'
	assert_success
	assert_output "0"
	run bash -c 'ls t/* | timeout 20 xargs vlcnet-stat | head -c 1 >/dev/null; echo "${PIPESTATUS[1]}"'
	assert_success
	assert_output "0"
	run bash -c 'timeout 20 vlcnet-connect -e "while true do io.write((\"x\"):rep(100)) end" | head -c 1 >/dev/null; echo "${PIPESTATUS[0]}"'
	assert_success
	assert_output "0"
	run bash -c 'timeout 20 vlcnet-listen -e "while true do print(\"y\") end" 127.0.0.1 0 | head -c 1 >/dev/null; echo "${PIPESTATUS[0]}"'
	assert_success
	assert_output "0"
	run bash -c 'timeout 20 vlcnet-ls --help | head -c 1 >/dev/null; echo "${PIPESTATUS[0]}"'
	assert_success
	assert_output "0"
}

@test "a full stdout is status 1 with the system's reason, once, in each tool" {
	run bash -c 'vlcnet-connect -e "print(string.rep(\"x\", 1e5))" >/dev/full'
	assert_failure 1
	assert_output "vlcnet-connect: write error: No space left on device"
	run bash -c 'vlcnet-stat -e "print(\"hi\")" >/dev/full'
	assert_failure 1
	assert_output "vlcnet-stat: write error: No space left on device"
	run bash -c 'vlcnet-stat /dev/null >/dev/full'
	assert_failure 1
	assert_output "vlcnet-stat: write error: No space left on device"
	run bash -c 'vlcnet-ls / >/dev/full'
	assert_failure 1
	assert_output "vlcnet-ls: write error: No space left on device"
	run bash -c 'vlcnet-listen -e "io.write(\"z\")" 127.0.0.1 0 >/dev/full'
	assert_failure 1
	assert_output "vlcnet-listen: write error: No space left on device"
}

@test "descriptors 0-2 closed at start are reopened on /dev/null in each tool" {
	# Without that, the listening socket would become descriptor 0, the relay's
	# standard input, and both ends would hang.
	vlcnet-listen -v 127.0.0.1 0 <&- >"$BATS_TEST_TMPDIR/srv.out" 2>"$BATS_TEST_TMPDIR/srv.err" &
	local pid=$!
	echo "$pid" >>"$BATS_TEST_TMPDIR/pids"
	port=$(port_of srv)
	[ "$(readlink "/proc/$pid/fd/0")" = /dev/null ]
	run timeout 10 bash -c "echo hello | vlcnet-connect 127.0.0.1 $port"
	assert_success
	wait_status "$pid"
	[ "$(cat "$BATS_TEST_TMPDIR/srv.out")" = hello ]

	run bash -c 'vlcnet-connect -e "print(net.read(0, 10))" <&-'
	assert_success
	assert_output "nil"
	run bash -c 'vlcnet-stat -c %n /dev/null >&-; echo "status $?"'
	assert_success
	assert_output "status 0"
	run bash -c 'vlcnet-ls /nonexistent 2>&- >&-; echo "status $?"'
	assert_success
	assert_output "status 1"
	# a file the script opens does not become stdout
	run bash -c 'vlcnet-connect -e "local f = io.open(\"/dev/null\") print(\"out\")" >&-; echo "status $?"'
	assert_success
	assert_output "status 0"
}

@test "SIGTERM and SIGINT end the file tools with 143 and 130" {
	# each() says it is ready, then waits in net.poll until the signal comes.
	local hook='function each(e) io.stderr:write("ready\n") net.poll({}) return true end'
	local tool sig pid status
	for tool in vlcnet-ls vlcnet-stat; do
		for sig in TERM INT; do
			rm -f "$BATS_TEST_TMPDIR/t.err"
			"${no_grace[@]}" $tool -e "$hook" /dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/t.err" &
			pid=$!
			echo "$pid" >>"$BATS_TEST_TMPDIR/pids"
			wait_for "$BATS_TEST_TMPDIR/t.err" '^ready$'
			kill -"$sig" "$pid"
			# the handled signal ends it, not core/sig.c's alarm (held off)
			wait_gone "$pid"
			status=0; wait "$pid" || status=$?
			if [ "$sig" = TERM ]; then
				[ "$status" = 143 ] || { echo "$tool $sig: $status"; false; }
			else
				[ "$status" = 130 ] || { echo "$tool $sig: $status"; false; }
			fi
		done
	done
}

@test "every message of a tool and of its script has the tool's name first" {
	run vlcnet-stat -e 'vlc.msg.err("bad", "worse") vlc.msg.warn("w") error("boom")'
	assert_failure 1
	assert_line -n 0 "vlcnet-stat: error: bad"
	assert_line -n 1 "vlcnet-stat: error: worse"
	assert_line -n 2 "vlcnet-stat: warning: w"
	assert_line -n 3 "vlcnet-stat: (command line):1: boom"
	run vlcnet-ls --bogus
	assert_failure 2
	assert_line -n 0 "vlcnet-ls: unknown option --bogus"
}
