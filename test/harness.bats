#!/usr/bin/env bats
# The test harness itself: the closing line of ./setup.sh test (test/tally.awk,
# test/units.sh) on made-up logs and a stand-in make, never the suite itself.

load helper

setup() {
	first_pass_only "the harness"
}

# tally: test/tally.awk over the log on stdin.
tally() {
	awk -f "$TOP/test/tally.awk"
}

# fake_make DIR: a make for ./setup.sh test that plays a pass from files:
# DIR/TARGET.out is printed and DIR/TARGET.status is its status, TARGET being
# the check target it is given (check, check-units, check-sanitize...); it
# also logs its arguments and VLCNET_REQUIRE_TOOLS to DIR/calls. dpkg-query
# says every package is installed, so that setup.sh never reaches for apt-get.
fake_make() {
	local dir=$1 p
	mkdir -p "$dir/bin"
	cat >"$dir/bin/make" <<-EOF
	#!/bin/sh
	for a; do case \$a in check*) pass=\$a ;; esac; done
	echo "\$* require=\${VLCNET_REQUIRE_TOOLS:-}" >>"$dir/calls"
	cat "$dir/\$pass.out" 2>/dev/null
	exit \$(cat "$dir/\$pass.status" 2>/dev/null || echo 0)
	EOF
	printf '#!/bin/sh\necho "install ok installed"\n' >"$dir/bin/dpkg-query"
	chmod +x "$dir/bin/make" "$dir/bin/dpkg-query"
	for p in check check-units check-sanitize check-luajit check-fuzz check-dist; do
		printf 'url: 3 passed, 0 failed\n1..2\nok 1 a\nok 2 b # skip no clang\n' >"$dir/$p.out"
	done
}

# setup_test DIR [all]: ./setup.sh test [all] with the stand-in make of DIR
# (and without the VLCNET_REQUIRE_TOOLS of a `test all` running this file).
setup_test() {
	run env -u VLCNET_REQUIRE_TOOLS PATH="$1/bin:$PATH" timeout 60 "$TOP/setup.sh" test ${2:+"$2"}
}

@test "setup.sh test runs the fast tier and the sanitized unit tests, and ends with one line of passed, failed and skipped" {
	fake_make "$BATS_TEST_TMPDIR/f"
	setup_test "$BATS_TEST_TMPDIR/f"
	assert_success
	assert_equal "${lines[-1]}" "8 passed, 0 failed, 2 skipped"
	assert_line "== lua5.1: status 0"
	assert_line "== unit tests with ASan and UBSan: status 0"
	run cat "$BATS_TEST_TMPDIR/f/calls"
	assert_output "$(printf '%s\n' "-s -j2 check require=" \
		"-s -j2 check-units SANITIZE=1 BUILD=build/sanitize require=")"
}

@test "setup.sh test all runs every tier once, where a missing tool fails" {
	fake_make "$BATS_TEST_TMPDIR/f"
	setup_test "$BATS_TEST_TMPDIR/f" all
	assert_success
	assert_equal "${lines[-1]}" "20 passed, 0 failed, 5 skipped"
	run cat "$BATS_TEST_TMPDIR/f/calls"
	assert_output "$(printf '%s\n' "-s -j2 check require=1" "-s -j2 check-sanitize require=1" \
		"-s -j2 check-luajit require=1" "-s -j2 check-fuzz require=1" "-s -j2 check-dist require=1")"
	setup_test "$BATS_TEST_TMPDIR/f" everything
	assert_failure 2
	assert_output "usage: ./setup.sh demo|test [all]"
}

@test "setup.sh test all fails when one pass fails, counts that pass as failed, and runs the others" {
	fake_make "$BATS_TEST_TMPDIR/f"
	# the LuaJIT build does not compile: no test output at all
	echo "cc: error" >"$BATS_TEST_TMPDIR/f/check-luajit.out"
	echo 2 >"$BATS_TEST_TMPDIR/f/check-luajit.status"
	setup_test "$BATS_TEST_TMPDIR/f" all
	assert_failure
	assert_equal "${lines[-1]}" "16 passed, 1 failed, 4 skipped"
	# and the passes after it still ran
	assert_line "== fuzzers: status 0"
	assert_line "== release: tarball, Debian package, rock: status 0"
}

@test "setup.sh test fails when only the first pass fails" {
	fake_make "$BATS_TEST_TMPDIR/f"
	printf 'url: 3 passed, 0 failed\n1..2\nok 1 a\nnot ok 2 b\n' >"$BATS_TEST_TMPDIR/f/check.out"
	echo 1 >"$BATS_TEST_TMPDIR/f/check.status"
	setup_test "$BATS_TEST_TMPDIR/f"
	assert_failure
	assert_equal "${lines[-1]}" "8 passed, 1 failed, 1 skipped"
}

@test "a bats run cut short counts the tests its plan announced and never reported as failed" {
	run tally <<-'EOF'
	== lua5.1
	1..5
	ok 1 a
	ok 2 b # skip why
	not ok 3 c
	== lua5.1: status 1
	EOF
	assert_failure
	assert_output "1 passed, 3 failed, 1 skipped"
}

@test "a failed pass with no failed test to show, or one that never ends, counts as failed" {
	run tally <<-'EOF'
	== lua5.1
	make: *** [Makefile:60: build/core/net.o] Error 1
	== lua5.1: status 2
	== luajit
	url: 4 passed, 0 failed
	1..1
	ok 1 a
	EOF
	assert_failure
	assert_output "5 passed, 2 failed, 0 skipped"
}

@test "the unit tests' summary lines are counted, their failures too" {
	run tally <<-'EOF'
	== lua5.1
	url: 40 passed, 0 failed
	net: 7 passed, 2 failed
	1..1
	ok 1 a test whose name says: 3 passed, 9 failed
	# net: 1 passed, 5 failed (printed by a failing test)
	== lua5.1: status 1
	EOF
	assert_failure
	assert_output "48 passed, 2 failed, 0 skipped"
}

@test "a clean log of two passes tallies to no failure, status 0" {
	run tally <<-'EOF'
	== lua5.1
	url: 2 passed, 0 failed
	1..2
	ok 1 a
	ok 2 b # skip
	== lua5.1: status 0
	== luajit
	1..1
	ok 1 a
	== luajit: status 0
	EOF
	assert_success
	assert_output "4 passed, 0 failed, 1 skipped"
}

@test "units.sh adds a failure for a unit test that crashed or failed at exit" {
	local d=$BATS_TEST_TMPDIR
	printf '#!/bin/sh\necho "ok: 2 passed, 0 failed"\n' >"$d/ok_test"
	printf '#!/bin/sh\nkill -SEGV $$\n' >"$d/crash_test"
	printf '#!/bin/sh\necho "leak: 5 passed, 0 failed"\nexit 23\n' >"$d/leak_test"
	printf '#!/bin/sh\necho "bad: 1 passed, 2 failed"\nexit 1\n' >"$d/bad_test"
	chmod +x "$d"/*_test
	run "$TOP/test/units.sh" "$d/ok_test" "$d/crash_test" "$d/leak_test" "$d/bad_test"
	assert_failure 1
	assert_line "crash_test: 0 passed, 1 failed"
	assert_line "leak_test: 0 passed, 1 failed"
	refute_line "bad_test: 0 passed, 1 failed"
	run tally <<<"$output"
	assert_failure 1
	assert_output "8 passed, 4 failed, 0 skipped"
	run "$TOP/test/units.sh" "$d/ok_test"
	assert_success
	assert_output "ok: 2 passed, 0 failed"
}

# --- test/helper.bash: background processes ----------------------------------

@test "wait_bg fails when a background process ends with another status than stated" {
	bg zero true
	bg three sh -c 'exit 3'
	st=0
	wait_bg 2>"$BATS_TEST_TMPDIR/why" || st=$?
	assert_equal "$st" 1
	run cat "$BATS_TEST_TMPDIR/why"
	assert_output --partial "wait_bg: three exited with status 3, not 0"
	refute_output --partial "zero"
	wait_bg three=3
	st=0
	wait_bg zero=1 three=3 2>/dev/null || st=$?
	assert_equal "$st" 1
}

@test "wait_bg fails on a sanitizer report in a background process's stderr" {
	bg asan sh -c 'echo "==42==ERROR: AddressSanitizer: heap-use-after-free" >&2'
	st=0
	wait_bg 2>/dev/null || st=$?
	assert_equal "$st" 1
	rm "$BATS_TEST_TMPDIR/bg"
	bg ubsan sh -c 'echo "core/x.c:1:2: runtime error: signed integer overflow" >&2'
	st=0
	wait_bg 2>/dev/null || st=$?
	assert_equal "$st" 1
	# (teardown would fail on the report too)
	rm "$BATS_TEST_TMPDIR/bg"
}

@test "teardown fails on a sanitizer report of a background process it kills" {
	bg srv sh -c 'echo "SUMMARY: UndefinedBehaviorSanitizer: undefined-behavior x.c:1:2" >&2; exec sleep 30'
	wait_for "$BATS_TEST_TMPDIR/srv.err" SUMMARY
	pid=$(tail -n 1 "$BATS_TEST_TMPDIR/pids")
	st=0
	vn_cleanup 2>/dev/null || st=$?
	assert_equal "$st" 1
	run kill -0 "$pid"
	assert_failure
	bg quiet sleep 30
	vn_cleanup
}

@test "wait_bg refuses a process started under run, whose status it cannot read" {
	run bg srv true
	st=0
	wait_bg 2>"$BATS_TEST_TMPDIR/why" || st=$?
	assert_success
	assert_equal "$st" 1
	run cat "$BATS_TEST_TMPDIR/why"
	assert_output --partial "srv was started in another shell"
}

@test "wait_blocked waits for a process that has no socket yet, and says so when it ends first" {
	# python3 sleeps without a socket, then blocks in accept
	bg late python3 -c 'import socket, time
time.sleep(0.5)
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
s.accept()'
	pid=$(child_of "$(tail -n 1 "$BATS_TEST_TMPDIR/pids")")
	wait_blocked "$pid" 1
	bg brief sleep 0.2
	pid=$(child_of "$(tail -n 1 "$BATS_TEST_TMPDIR/pids")")
	st=0
	wait_blocked "$pid" 1 2>"$BATS_TEST_TMPDIR/why" || st=$?
	assert_equal "$st" 1
	run cat "$BATS_TEST_TMPDIR/why"
	assert_output "process $pid never blocked with 1 sockets (state gone, 0 sockets)"
}

@test "bg and held_input keep bats' fd 3 from what they start; held_input's reader gets FROM, then waits until the writer ends" {
	printf 'first\n' >"$BATS_TEST_TMPDIR/from"
	held_input "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/from"
	bg_stdin reader "$BATS_TEST_TMPDIR/in" cat
	reader=$(child_of "$(tail -n 1 "$BATS_TEST_TMPDIR/pids")")
	wait_for "$BATS_TEST_TMPDIR/reader.out" '^first$'
	[ -e "/proc/$BASHPID/fd/3" ]
	[ ! -e "/proc/$reader/fd/3" ]
	[ ! -e "/proc/$held_pid/fd/3" ]
	# cat still reads: its input has not ended
	[ "$(awk '{ print $3 }' "/proc/$reader/stat")" = S ]
	kill "$held_pid"
	wait_gone "$reader"
	wait_bg
	assert_equal "$(cat "$BATS_TEST_TMPDIR/reader.out")" first
}

# --- the Makefile --------------------------------------------------------------

# compile_line TARGET: the command make would run to build TARGET (below a
# build directory of this test), as words, one a line.
compile_line() {
	make -C "$TOP" -s -n -B BUILD="$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/b/$1" |
		grep -E -- "-o $BATS_TEST_TMPDIR/b/$1( |$)" | tr ' ' '\n' | grep .
}

@test "core/, its unit tests and its fuzzing objects are compiled without Lua's include path" {
	local lua_dirs
	lua_dirs=$(pkg-config --cflags-only-I lua5.1 luajit | tr ' ' '\n' | grep .)
	[ -n "$lua_dirs" ]
	printf '#include <lua.h>\nint main(void) { return 0; }\n' >"$BATS_TEST_TMPDIR/probe.c"
	for target in core/url.o core/net.o test/url_test fuzz/obj/core/url.o; do
		compile_line "$target" >"$BATS_TEST_TMPDIR/line"
		[ -s "$BATS_TEST_TMPDIR/line" ]
		run grep -Fx -f <(echo "$lua_dirs") "$BATS_TEST_TMPDIR/line"
		assert_failure
		# with those flags, a file that includes lua.h does not compile
		run cc -fsyntax-only $(grep -E '^-[ID]|^-std' "$BATS_TEST_TMPDIR/line") \
			"$BATS_TEST_TMPDIR/probe.c"
		assert_failure
		assert_output --partial "lua.h"
	done
	# while lua/ is compiled with it
	compile_line lua/net.o >"$BATS_TEST_TMPDIR/line"
	run grep -E -x -- "-I.*lua.*" "$BATS_TEST_TMPDIR/line"
	assert_success
}

# --- test/helper.bash: as_nobody ------------------------------------------------

@test "as_nobody runs a command without root's rights, on the test's files and the build" {
	printf 'x\n' >"$BATS_TEST_TMPDIR/f"
	run as_nobody cat "$BATS_TEST_TMPDIR/f"
	assert_success
	assert_output "x"
	run as_nobody timeout 10 vlcnet-stat -c %n "$BATS_TEST_TMPDIR/f"
	assert_success
	assert_output "$BATS_TEST_TMPDIR/f"
	[ "$(id -u)" -eq 0 ] || return 0
	run as_nobody id -u
	assert_success
	assert_output "$(id -u nobody)"
	run as_nobody id -G
	assert_success
	assert_output "$(id -g nobody)"
	chmod 600 "$BATS_TEST_TMPDIR/f"
	run as_nobody cat "$BATS_TEST_TMPDIR/f"
	assert_failure
	assert_output --partial "Permission denied"
}

@test "teardown also ends a process whose pid a test wrote to the pids file" {
	sleep 30 &
	pid=$!
	echo "$pid" >>"$BATS_TEST_TMPDIR/pids"
	bg other sleep 30
	vn_cleanup
	run kill -0 "$pid"
	assert_failure
	[ ! -f "$BATS_TEST_TMPDIR/pids" ]
}

# --- test/helper.bash: set-up once per run, require_tool ----------------------

# inner_tree DIR BODY...: DIR/test/inner.bats, a file that loads this helper
# (DIR/test/helper.bash and DIR/lib are links to the checkout's), with one
# test per BODY; an `ldd` first on PATH logs each call to DIR/ldd.log.
inner_tree() {
	local dir=$1 body i=0
	shift
	mkdir -p "$dir/test" "$dir/bin"
	ln -s "$TOP/test/helper.bash" "$dir/test/helper.bash"
	ln -s "$TOP/lib" "$dir/lib"
	printf '#!/bin/sh\necho "$@" >>"%s/ldd.log"\nexec /usr/bin/ldd "$@"\n' "$dir" >"$dir/bin/ldd"
	chmod +x "$dir/bin/ldd"
	{
		echo 'load helper'
		for body; do
			i=$((i + 1))
			printf '@%s "t%d" {\n%s\n}\n' test "$i" "$body"
		done
	} >"$dir/test/inner.bats"
}

@test "helper.bash sets up once per run: the first test writes the cache, the others source it" {
	local d=$BATS_TEST_TMPDIR/t
	inner_tree "$d" 'assert_equal "$SANITIZED" ""' 'run true; assert_success' 'run true; refute_output x'
	run env PATH="$d/bin:$PATH" VLCNET_BUILD="$BUILD" timeout 60 bats "$d/test/inner.bats"
	assert_success
	assert_output "$(printf '1..3\nok 1 t1\nok 2 t2\nok 3 t3')"
	# ldd ran once for the three tests (and once more for another run)
	run cat "$d/ldd.log"
	assert_output "$BUILD/vlcnet-connect"
}

@test "require_tool skips a test whose tool is missing, and fails it under VLCNET_REQUIRE_TOOLS" {
	local d=$BATS_TEST_TMPDIR/t
	inner_tree "$d" 'require_tool no-such-tool-here no-such-package; echo never' 'require_tool sh'
	run env -u VLCNET_REQUIRE_TOOLS VLCNET_BUILD="$BUILD" timeout 60 bats "$d/test/inner.bats"
	assert_success
	assert_output "$(printf '1..2\nok 1 t1 # skip no-such-tool-here is not installed\nok 2 t2')"
	run env VLCNET_BUILD="$BUILD" VLCNET_REQUIRE_TOOLS=1 timeout 60 bats "$d/test/inner.bats"
	assert_failure
	assert_line "not ok 1 t1"
	assert_line "# no-such-tool-here is not installed (apt-get install no-such-package); ./setup.sh test all needs it"
	refute_line "# never"
	assert_line "ok 2 t2"
}
