#!/usr/bin/env bats
# Script mode shared by the four binaries: -s, -e, arguments, the vlc table,
# require, exit statuses and messages.

load helper

TOOLS="vlcnet-listen vlcnet-connect vlcnet-stat vlcnet-ls"

@test "every binary runs -e chunks in order with the net table" {
	for t in vlcnet-connect vlcnet-stat vlcnet-ls; do
		run timeout 10 "$t" -e 'io.write(type(net.poll), " ")' -e 'print(vlc.net == net)'
		assert_success
		assert_output "function true"
	done
	run timeout 10 vlcnet-listen -e 'print(type(listener), listener:port() > 0)' 127.0.0.1 0
	assert_success
	assert_output "userdata	true"
}

@test "--version names the Lua the tools were built with" {
	run vlcnet-connect --version
	assert_success
	if ldd "$(command -v vlcnet-connect)" | grep -q luajit; then
		assert_output --regexp '\(LuaJIT 2\.'
	else
		assert_output --regexp '\(Lua 5\.1\.[0-9]+\)$'
	fi
}

@test "every binary prints --version and --help" {
	for t in $TOOLS; do
		run "$t" --version
		assert_success
		assert_output --regexp "^$t [0-9]+\.[0-9]+\.[0-9]+ \((Lua|LuaJIT) "
		run "$t" -h
		assert_success
		assert_line -n 0 --partial "Usage: $t "
		assert_output --partial "-s, --script FILE"
	done
}

@test "a script gets its arguments after -- in arg and as ..." {
	run timeout 10 vlcnet-connect -s "$FIXTURES/sum.lua" -- one "two words" -v
	assert_success
	assert_output "script	$FIXTURES/sum.lua	3	one	two words	-v"
}

@test "-e chunks run before the script, and -- ends the options" {
	run timeout 10 vlcnet-connect -e 'io.write("first ")' -s "$FIXTURES/sum.lua" -e 'io.write("second ")' -- -e x
	assert_success
	assert_output "first second script	$FIXTURES/sum.lua	2	-e	x"
}

@test "an -e argument may itself be --" {
	run timeout 10 vlcnet-connect -e '--' -e 'print(#arg)'
	assert_success
	assert_output "0"
}

@test "a script that does not exist is a usage error (2)" {
	for t in $TOOLS; do
		run timeout 10 "$t" -s "$BATS_TEST_TMPDIR/nope.lua" 127.0.0.1 0
		assert_failure 2
		assert_output "$t: cannot open $BATS_TEST_TMPDIR/nope.lua: No such file or directory"
	done
}

@test "a script that is a directory is a usage error (2)" {
	run timeout 10 vlcnet-connect -s "$BATS_TEST_TMPDIR"
	assert_failure 2
	assert_output --partial "vlcnet-connect: cannot read $BATS_TEST_TMPDIR"
}

@test "a script its user may not read is a usage error (2), run as nobody when root" {
	# Root reads any file, so as root the tool runs as nobody; the file sits in
	# a directory anyone may enter, so only the file's mode stops it.
	as=()
	if [ "$(id -u)" = 0 ]; then
		as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
	fi
	d=$(mktemp -d /tmp/vlcnet-script.XXXXXX)
	chmod 755 "$d"
	printf 'print("ran")\n' >"$d/secret.lua"
	chmod 000 "$d/secret.lua"
	run timeout 10 "${as[@]}" "$(command -v vlcnet-connect)" -s "$d/secret.lua"
	chmod 644 "$d/secret.lua"
	run2_status=$status run2_output=$output
	run timeout 10 "${as[@]}" "$(command -v vlcnet-connect)" -s "$d/secret.lua"
	rm -rf "$d"
	# Readable, the same script runs for the same user: the mode was the reason.
	assert_success
	assert_output "ran"
	status=$run2_status output=$run2_output
	assert_failure 2
	assert_output "vlcnet-connect: cannot open $d/secret.lua: Permission denied"
}

@test "a syntax error is a usage error (2) naming file:line" {
	run timeout 10 vlcnet-connect -s "$FIXTURES/syntax_error.lua"
	assert_failure 2
	assert_output --regexp "^vlcnet-connect: .*syntax_error\.lua:2: unexpected symbol near '='$"
	run timeout 10 vlcnet-connect -e 'x = = 1'
	assert_failure 2
	assert_output "vlcnet-connect: (command line):1: unexpected symbol near '='"
}

@test "a syntax error in the script stops the -e chunks from running" {
	run timeout 10 vlcnet-connect -e 'print("ran")' -s "$FIXTURES/syntax_error.lua"
	assert_failure 2
	refute_output --partial "ran"
}

@test "a runtime error exits 1 with the message, and a traceback under -v" {
	run timeout 10 vlcnet-connect -s "$FIXTURES/runtime_error.lua"
	assert_failure 1
	assert_output --regexp "^vlcnet-connect: .*runtime_error\.lua:1: deliberate failure$"
	run timeout 10 vlcnet-connect -v -s "$FIXTURES/runtime_error.lua"
	assert_failure 1
	assert_line -n 0 --partial "runtime_error.lua:1: deliberate failure"
	assert_line "stack traceback:"
	assert_output --partial "in function 'outer'"
}

@test "error objects that are not strings are reported, not crashed on" {
	run timeout 10 vlcnet-connect -e 'error(nil)'
	assert_failure 1
	assert_output "vlcnet-connect: (error object is a nil value)"
	run timeout 10 vlcnet-connect -e 'error({})'
	assert_failure 1
	assert_output "vlcnet-connect: (error object is a table value)"
	run timeout 10 vlcnet-connect -e 'error(setmetatable({}, { __tostring = function() return "custom" end }))'
	assert_failure 1
	assert_output "vlcnet-connect: custom"
}

@test "infinite recursion is a runtime error, not a crash" {
	run timeout 20 vlcnet-connect -e 'local function f() return 1 + f() end f()'
	assert_failure 1
	assert_output --partial "stack overflow"
	run timeout 20 vlcnet-connect -e 'local t = setmetatable({}, {}) getmetatable(t).__index = function(t, k) return t[k] end print(t.x)'
	assert_failure 1
	assert_output --regexp "stack overflow|C stack overflow"
}

@test "vlc.msg writes to stderr, dbg only with -v" {
	run timeout 10 vlcnet-connect -e 'vlc.msg.info("i") vlc.msg.warn("w") vlc.msg.err("e") vlc.msg.dbg("d")'
	assert_success
	assert_output "vlcnet-connect: info: i
vlcnet-connect: warning: w
vlcnet-connect: error: e"
	run timeout 10 vlcnet-connect -v -e 'vlc.msg.dbg("d", 42)'
	assert_success
	assert_output "vlcnet-connect: debug: d
vlcnet-connect: debug: 42"
}

@test "vlc.misc.version, vlc.misc.quit and the absent vlc.win" {
	run timeout 10 vlcnet-connect -e 'print(vlc.misc.version(), vlc.win, vlc.misc.should_die())' -e 'vlc.misc.quit() print("not reached")' -e 'print("nor this")'
	assert_success
	assert_output --regexp '^[0-9]+\.[0-9]+\.[0-9]+	nil	false$'
}

@test "vlc.misc.quit in an -e chunk ends vlcnet-ls and vlcnet-stat before any entry" {
	run timeout 10 vlcnet-ls -e 'vlc.misc.quit()' --where true /
	assert_success
	assert_output ""
	run timeout 10 vlcnet-stat -e 'vlc.misc.quit()' /
	assert_success
	assert_output ""
}

@test "vlc.misc.mdate and mwait measure and wait in microseconds" {
	run timeout 10 vlcnet-connect -e 'local t = vlc.misc.mdate() vlc.misc.mwait(t + 50000) print(vlc.misc.mdate() - t >= 50000)'
	assert_success
	assert_output "true"
}

@test "require finds modules next to the script and in its modules/" {
	run timeout 10 vlcnet-connect -s "$FIXTURES/vlcmod/main.lua"
	assert_success
	assert_output "hello vlc	42	true	true"
}

@test "require \"vlcnet\" inside a binary returns the same net table" {
	run timeout 10 vlcnet-connect -e 'print(require("vlcnet") == net)'
	assert_success
	assert_output "true"
}

@test "vlcnet-connect with a script and HOST PORT hands the connection over as fd" {
	vlcnet_listen -v -e 'local fd = listener:accept() net.send(fd, "welcome\n") net.close(fd)'
	port=$VLCNET_PORT
	run timeout 10 vlcnet-connect -e 'print(fd, net.recv(fd, 100))' 127.0.0.1 "$port"
	assert_success
	assert_output "3	welcome"
}

@test "vlcnet-listen with a script binds and hands over the listener" {
	run timeout 10 vlcnet-listen -e 'print(#{listener:fds()}, listener:port() > 0)' 127.0.0.1 0
	assert_success
	assert_output "1	true"
}

@test "usage errors exit 2 with one line and a hint" {
	run vlcnet-connect --bogus
	assert_failure 2
	assert_line -n 0 "vlcnet-connect: unknown option --bogus"
	assert_line -n 1 "Try 'vlcnet-connect --help' for more information."
	run vlcnet-connect -s
	assert_failure 2
	assert_line -n 0 "vlcnet-connect: option -s needs an argument"
	run vlcnet-connect 127.0.0.1
	assert_failure 2
	assert_line -n 0 "vlcnet-connect: missing PORT operand"
	run vlcnet-connect 127.0.0.1 abc
	assert_failure 2
	assert_line -n 0 "vlcnet-connect: invalid port 'abc'"
	run vlcnet-listen
	assert_failure 2
	assert_line -n 0 "vlcnet-listen: missing PORT operand"
	run vlcnet-connect -s a.lua -s b.lua
	assert_failure 2
	assert_line -n 0 "vlcnet-connect: only one --script may be given"
}

@test "SIGPIPE never kills a script writing to a closed pipe" {
	run bash -c 'timeout 10 vlcnet-connect -e "for i = 1, 100000 do print(string.rep(\"y\", 100)) end" | head -c 10; echo " status ${PIPESTATUS[0]}"'
	assert_success
	assert_output "yyyyyyyyyy status 0"
}

@test "under -v a script that removed debug or debug.traceback still gets its error reported, without a traceback" {
	run timeout 10 vlcnet-stat -v -e 'debug = nil error("boom")'
	assert_failure 1
	assert_output "vlcnet-stat: (command line):1: boom"
	run timeout 10 vlcnet-stat -v -e 'debug.traceback = 1 error("boom")'
	assert_failure 1
	assert_output "vlcnet-stat: (command line):1: boom"
}
