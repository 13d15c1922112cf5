#!/usr/bin/env bats
# Bad input of every kind, one row each: the tools answer with an exit status
# and one line, never a crash, a signal or a hang. Rows that test/api.bats,
# test/script.bats, test/connect.bats, test/listen.bats and test/stat.bats
# already hold are not repeated here. Then valgrind memcheck over a scripted
# session and the file tools.

load helper

# one_line STATUS PROG: the last run ended with STATUS and a first line that
# names PROG, and said at most that line and the --help hint.
one_line() {
	assert_failure "$1"
	assert_line -n 0 --regexp "^$2: "
	[ "${#lines[@]}" -le 2 ]
	[ "${#lines[@]}" -eq 1 ] || assert_line -n 1 "Try '$2 --help' for more information."
}

# --- ports ------------------------------------------------------------------

@test "connect: port -1 is read as an unknown option: usage error (2)" {
	run timeout 10 vlcnet-connect 127.0.0.1 -1 </dev/null
	one_line 2 vlcnet-connect
	assert_failure 2
	assert_line -n 0 "vlcnet-connect: unknown option -1"
}

@test "connect: port ' 80' with a leading space is invalid (2)" {
	run timeout 10 vlcnet-connect 127.0.0.1 ' 80' </dev/null
	one_line 2 vlcnet-connect
	assert_failure 2
	assert_line -n 0 "vlcnet-connect: invalid port ' 80'"
}

@test "listen: port -1 is read as an unknown option: usage error (2)" {
	run timeout 10 vlcnet-listen 127.0.0.1 -1 </dev/null
	one_line 2 vlcnet-listen
	assert_failure 2
	assert_line -n 0 "vlcnet-listen: unknown option -1"
}

@test "listen: ports 65536, abc, empty and ' 80' are invalid (2)" {
	for p in 65536 abc '' ' 80'; do
		run timeout 10 vlcnet-listen 127.0.0.1 "$p" </dev/null
		one_line 2 vlcnet-listen
		assert_failure 2
		assert_line -n 0 "vlcnet-listen: invalid port '$p'"
	done
}

# --- hosts --------------------------------------------------------------------

@test "connect: an empty HOST is a usage error (2)" {
	run timeout 10 vlcnet-connect '' 80 </dev/null
	one_line 2 vlcnet-connect
	assert_failure 2
	assert_line -n 0 "vlcnet-connect: empty HOST operand"
}

@test "connect: an unbalanced [::1 is an unknown host (1)" {
	run timeout 10 vlcnet-connect '[::1' 80 </dev/null
	one_line 1 vlcnet-connect
	assert_failure 1
	assert_line -n 0 "vlcnet-connect: connect to [::1:80: unknown host"
}

@test "listen: a 300-character label cannot be listened on (1)" {
	long=$(printf 'x%.0s' $(seq 300))
	run timeout 10 vlcnet-listen "$long" 0 </dev/null
	one_line 1 vlcnet-listen
	assert_failure 1
	assert_line -n 0 --regexp "^vlcnet-listen: listen on x{300}:0: .+"
}

@test "listen: a..b and [::1 are unknown hosts (1)" {
	for h in a..b '[::1'; do
		run timeout 10 vlcnet-listen "$h" 0 </dev/null
		one_line 1 vlcnet-listen
		assert_failure 1
		assert_line -n 0 --regexp "^vlcnet-listen: listen on .*: unknown host$"
	done
}

# --- options -------------------------------------------------------------------

@test "an unknown option is a usage error (2) in listen, stat and ls" {
	for t in vlcnet-listen vlcnet-stat vlcnet-ls; do
		run timeout 10 "$t" -Q </dev/null
		one_line 2 "$t"
		assert_failure 2
		assert_line -n 0 "$t: unknown option -Q"
		run timeout 10 "$t" --no-such-option </dev/null
		one_line 2 "$t"
		assert_failure 2
		assert_line -n 0 "$t: unknown option --no-such-option"
	done
}

@test "an option without its argument is a usage error (2) in every tool" {
	for a in "vlcnet-connect -w" "vlcnet-listen -m" "vlcnet-stat -c" "vlcnet-ls -e" "vlcnet-stat --where"; do
		set -- $a
		run timeout 10 "$@" </dev/null
		one_line 2 "$1"
		assert_failure 2
		assert_line -n 0 --regexp "^$1: option (-.|--[a-z]+) needs an argument$"
	done
}

@test "a repeated --script is a usage error (2) in listen, stat and ls" {
	for t in vlcnet-listen vlcnet-stat vlcnet-ls; do
		run timeout 10 "$t" -s a.lua --script b.lua 127.0.0.1 0 </dev/null
		one_line 2 "$t"
		assert_failure 2
		assert_line -n 0 "$t: only one --script may be given"
	done
}

# --- script paths -----------------------------------------------------------------

@test "a script that is a directory is a usage error (2) in listen, stat and ls" {
	for t in vlcnet-listen vlcnet-stat vlcnet-ls; do
		run timeout 10 "$t" -s "$BATS_TEST_TMPDIR" 127.0.0.1 0 </dev/null
		one_line 2 "$t"
		assert_failure 2
		assert_line -n 0 --partial "$t: cannot read $BATS_TEST_TMPDIR"
	done
}

@test "an unreadable script is a usage error (2)" {
	printf 'print(1)\n' >"$BATS_TEST_TMPDIR/secret.lua"
	chmod 000 "$BATS_TEST_TMPDIR/secret.lua"
	# connect's operands are HOST PORT, stat's PATH...
	for a in "vlcnet-connect" "vlcnet-stat /"; do
		set -- $a
		run as_nobody timeout 10 "$1" -s "$BATS_TEST_TMPDIR/secret.lua" "${@:2}"
		one_line 2 "$1"
		assert_failure 2
		assert_line -n 0 "$1: cannot open $BATS_TEST_TMPDIR/secret.lua: Permission denied"
	done
}

# --- scripts ------------------------------------------------------------------------

@test "a syntax error is a usage error (2) in listen, stat and ls too" {
	for t in vlcnet-listen vlcnet-stat vlcnet-ls; do
		run timeout 10 "$t" -e 'x = = 1' 127.0.0.1 0 </dev/null
		one_line 2 "$t"
		assert_failure 2
		assert_line -n 0 "$t: (command line):1: unexpected symbol near '='"
	done
}

@test "a runtime error exits 1 in listen, stat and ls too" {
	for t in vlcnet-listen vlcnet-stat vlcnet-ls; do
		run timeout 10 "$t" -e 'error("boom")' 127.0.0.1 0 </dev/null
		one_line 1 "$t"
		assert_failure 1
		assert_line -n 0 "$t: (command line):1: boom"
	done
}

@test "error(nil) and error({}) in an each hook are reported, exit 1" {
	for t in vlcnet-stat vlcnet-ls; do
		run timeout 10 "$t" -e 'function each(e) error(nil) end' /
		one_line 1 "$t"
		assert_failure 1
		assert_line -n 0 "$t: (error object is a nil value)"
		run timeout 10 "$t" -e 'function each(e) error({}) end' /
		one_line 1 "$t"
		assert_failure 1
		assert_line -n 0 "$t: (error object is a table value)"
	done
}

@test "an error object whose __tostring fails or returns a table is still one line" {
	lua 'error(setmetatable({}, { __tostring = function() error("inner") end }))'
	assert_failure 1
	assert_line -n 0 --regexp "^vlcnet-connect: "
	[ "${#lines[@]}" -eq 1 ]
	lua 'error(setmetatable({}, { __tostring = function() return {} end }))'
	assert_failure 1
	assert_output "vlcnet-connect: (error object is a table value)"
}

@test "infinite recursion in an each hook is a runtime error (1)" {
	run timeout 20 vlcnet-stat -e 'function each(e) return each(e) .. "" end' /
	one_line 1 vlcnet-stat
	assert_failure 1
	assert_output --partial "stack overflow"
}

# --- the net functions with wrong types ------------------------------------------------

@test "every net function refuses each wrong argument type with an argument error" {
	port=$(closed_port)
	lua "
	local l = net.listen_tcp('127.0.0.1', 0)
	l:close()
	-- Calls that return at once with right arguments.
	local calls = {
	  listen_tcp = { '127.0.0.1', 0 }, connect_tcp = { '127.0.0.1', $port, 50 },
	  send = { -1, '', 0 }, write = { -1, '', 0 }, recv = { -1, 1 }, read = { -1, 1 },
	  close = { -1 }, poll = { {}, 0 }, stat = { '/' }, lstat = { '/' },
	  opendir = { '/' }, url_parse = { 'http://h/' }, accept = { l },
	}
	local wrong = { false, {}, print, io.stdout, coroutine.create(function() end) }
	local bad, n = 0, 0
	for name, args in pairs(calls) do
	  for i = 1, #args do
	    for _, w in ipairs(wrong) do
	      -- a table is right where a table goes, and connect_tcp's 3rd
	      -- argument is a timeout or a table of options
	      if not ((type(args[i]) == 'table' or (name == 'connect_tcp' and i == 3))
	              and type(w) == 'table') then
	        local a = { unpack(args) }
	        a[i] = w
	        local ok, err = pcall(net[name], unpack(a, 1, #args))
	        n = n + 1
	        if ok or not tostring(err):find('bad argument #' .. i, 1, true) then
	          bad = bad + 1
	          print(name, i, type(w), ok, err)
	        end
	      end
	    end
	  end
	end
	print(n, bad)"
	assert_success
	assert_output --regexp '^[0-9]+	0$'
}

@test "listener methods refuse a self that is not a listener" {
	lua 'local l = net.listen_tcp("127.0.0.1", 0)
	     local mt = getmetatable(l).__index
	     for _, m in ipairs({ "accept", "fds", "close", "port" }) do
	       for _, v in ipairs({ 0, "x", {}, io.stdout }) do
	         local ok, err = pcall(mt[m], v)
	         if ok or not err:find("bad argument #1", 1, true) then print(m, v, err) end
	       end
	     end
	     print(tostring(l):match("^listener %(port %d+%)$") ~= nil)'
	assert_success
	assert_output "true"
}

# --- lengths and descriptors --------------------------------------------------------------

@test "read and write take negative, NaN, infinite and huge lengths without harm" {
	printf 'abcdef' >"$BATS_TEST_TMPDIR/in"
	run timeout 10 vlcnet-connect -e '
	  local r = { net.write(1, "xyz", -1), net.write(1, "xyz", 0/0),
	              net.write(1, "xyz", -1/0), net.write(1, "xyz", 1/0),
	              net.write(1, "xyz", 2^53), net.write(1, "", 1e300) }
	  print("|" .. table.concat(r, " "))
	  print(net.read(0, 2^31), net.read(0, 1e300), net.read(0, 1/0))
	  print(pcall(net.read, 0, -1/0))
	  print(pcall(net.recv, 0, 0/0))' <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_line -n 0 "xyzxyz|0 0 0 3 3 0"
	assert_line -n 1 "abcdef	nil	nil"
	assert_line -n 2 --regexp "^false	bad argument #2 to '.*' \(length must be positive\)$"
	assert_line -n 3 --regexp "^false	bad argument #2 to '.*' \(length must be positive\)$"
}

@test "huge, negative and fractional descriptors act as closed ones" {
	lua 'local fds = { -1, -2^31, 2^31, 2^32 + 3, 2^53, 1e300, -1e300, 1/0, -1/0, 0/0, 3.5, 65536, -0.5 }
	     local t, bad = {}, 0
	     for _, fd in ipairs(fds) do
	       if net.send(fd, "x") ~= -1 or net.write(fd, "x") ~= -1 then bad = bad + 1 end
	       if net.recv(fd, 10) ~= nil or net.read(fd, 10) ~= nil then bad = bad + 1 end
	       net.close(fd)
	       if fd == fd then t[fd] = net.POLLIN end
	     end
	     local n = net.poll(t, 0)
	     for fd, rev in pairs(t) do if rev ~= net.POLLNVAL then bad = bad + 1 end end
	     print(n, bad)'
	assert_success
	assert_output "12	0"
}

@test "poll copes with a 100,000-entry table of odd descriptors" {
	lua 'local t = {}
	     for i = 1, 100000 do t[-i * 1.5] = net.POLLIN end
	     local n = net.poll(t, 0)
	     print(n, t[-1.5] == net.POLLNVAL, t[-150000] == net.POLLNVAL)'
	assert_success
	assert_output "100000	true	true"
}

@test "poll with a NaN timeout does not block forever" {
	lua 'print(pcall(net.poll, {}, 0/0))'
	assert_success
	assert_output --regexp "^(true	0|false	bad argument #2 to '.*' \(.+\))$"
}

@test "poll with event values out of int range is defined" {
	lua 'print(net.poll({ [1] = 1e300, [2] = 0/0, [0] = -2^40 }, 0) >= 0)'
	assert_success
	assert_output "true"
}

@test "connect_tcp with a NaN timeout is defined" {
	port=$(closed_port)
	lua "print(pcall(net.connect_tcp, '127.0.0.1', $port, 0/0))"
	assert_success
	assert_output --regexp "^(true	-1	Connection refused|false	bad argument #3 to '.*' \(.+\))$"
}

# --- file tools: formats and odd paths ----------------------------------------------------

@test "stat -c of only % or %% then % prints them as they are" {
	: >"$BATS_TEST_TMPDIR/f"
	run timeout 10 vlcnet-stat -c '%' "$BATS_TEST_TMPDIR/f"
	assert_success
	assert_output "%"
	run timeout 10 vlcnet-stat -c '%%%' "$BATS_TEST_TMPDIR/f" "$BATS_TEST_TMPDIR/f"
	assert_success
	assert_output $'%%\n%%'
}

@test "stat -c with a format ending in a backslash prints it once" {
	: >"$BATS_TEST_TMPDIR/f"
	run timeout 5 vlcnet-stat -c 'x\' "$BATS_TEST_TMPDIR/f"
	assert_success
	assert_output 'x\'
}

@test "stat prints paths with newlines and invalid UTF-8 as given" {
	cd "$BATS_TEST_TMPDIR"
	: >$'a\nb'
	: >$'\xff\xfe'
	run timeout 10 vlcnet-stat -c '%n|%s' $'a\nb' $'\xff\xfe'
	assert_success
	assert_output $'a\nb|0\n\xff\xfe|0'
	# the block of a name with a newline is the block of a plain name for
	# the same file (a hard link) but for the name itself
	ln $'a\nb' ab
	run timeout 10 vlcnet-stat ab
	assert_success
	assert_line -n 0 "  File: ab"
	plain=$(printf '%s\n' "${lines[@]:1}")
	run timeout 10 vlcnet-stat $'a\nb'
	assert_success
	assert_output "$(printf '  File: a\nb\n%s' "$plain")"
	run timeout 10 vlcnet-stat $'no\nsuch'
	assert_failure 1
	assert_output $'vlcnet-stat: cannot stat \'no\nsuch\': No such file or directory'
}

@test "ls -l and -R list names with newlines and invalid UTF-8 (exit 0)" {
	mkdir -p "$BATS_TEST_TMPDIR/d/sub"$'\xff'
	cd "$BATS_TEST_TMPDIR/d"
	: >$'a\nb'
	: >$'\xff\xfe'
	run timeout 10 vlcnet-ls -l -R .
	assert_success
	# what GNU ls prints with the names as they are (-N)
	assert_output "$(ls -l -R -N --time-style=long-iso .)"
	assert_line $'./sub\xff:'
	assert_line --regexp $' a$'
	assert_line -n 3 "b"
	assert_line --regexp $' \xff\xfe$'
	run timeout 10 vlcnet-ls $'no\nsuch'
	assert_failure 1
	assert_output $'vlcnet-ls: cannot access \'no\nsuch\': No such file or directory'
}

# --- valgrind memcheck ------------------------------------------------------------------------

# Memcheck: errors and definitely lost bytes make the command exit 99.
VG=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --track-fds=no)

vg_tree() {
	T=$BATS_TEST_TMPDIR/tree
	mkdir -p "$T/dir/sub"
	printf 'hello\n' >"$T/reg"
	: >"$T/dir/a"
	: >"$T/dir/sub/b"
	: >"$T/"$'new\nline'
	ln -sf reg "$T/link"
}

@test "valgrind: a scripted echo server and client have no errors or leaks" {
	skip_if_sanitized valgrind
	require_tool valgrind
	cat >"$BATS_TEST_TMPDIR/server.lua" <<-'EOF'
	local fd = listener:accept()
	while true do
	  net.poll({ [fd] = net.POLLIN })  -- accepted sockets are non-blocking
	  local s = net.recv(fd, 4096)
	  if not s then break end
	  net.send(fd, s)
	end
	net.close(fd)
	EOF
	cat >"$BATS_TEST_TMPDIR/client.lua" <<-'EOF'
	local t = { [fd] = net.POLLIN }
	net.send(fd, "ping\0pong")
	local got = ""
	while #got < 9 and net.poll(t, 5000) > 0 do got = got .. net.recv(fd, 100) end
	print(#got, got == "ping\0pong")
	EOF
	# the server runs under valgrind through a wrapper that VLCNET_LISTEN names
	printf '#!/bin/sh\nexec %s "$(command -v vlcnet-listen)" "$@"\n' "${VG[*]}" >"$BATS_TEST_TMPDIR/vg-listen"
	chmod +x "$BATS_TEST_TMPDIR/vg-listen"
	VLCNET_LISTEN=$BATS_TEST_TMPDIR/vg-listen vlcnet_listen -v -s "$BATS_TEST_TMPDIR/server.lua"
	port=$VLCNET_PORT
	run timeout 40 "${VG[@]}" vlcnet-connect -s "$BATS_TEST_TMPDIR/client.lua" 127.0.0.1 "$port"
	assert_success
	assert_output "9	true"
	vlcnet_wait
}

@test "valgrind: stat -c and -j have no errors or leaks" {
	skip_if_sanitized valgrind
	require_tool valgrind
	vg_tree
	run timeout 40 "${VG[@]}" vlcnet-stat -c '%n %F %a %s %U %G %Y' "$T"/* "$T/missing"
	assert_failure 1
	assert_output --partial "$T/reg file 644 6 "
	refute_output --partial "=="
	run timeout 40 "${VG[@]}" vlcnet-stat -j -L "$T"/*
	assert_success
	refute_output --partial "=="
}

@test "valgrind: ls -l and -j have no errors or leaks" {
	skip_if_sanitized valgrind
	require_tool valgrind
	vg_tree
	run timeout 40 "${VG[@]}" vlcnet-ls -l -R "$T"
	assert_success
	refute_output --partial "=="
	run timeout 40 "${VG[@]}" vlcnet-ls -j -a "$T" "$T/dir"
	assert_success
	refute_output --partial "=="
}
