#!/usr/bin/env bats
# The Lua `net` API of SPEC §2, row by row: success and failure, over real
# sockets on loopback. Scripts run in vlcnet-connect, which without HOST PORT
# only runs the script.

load helper

# --- descriptor table ------------------------------------------------------

@test "sockets take the lowest free slot from 3 up" {
	lua 'local l = net.listen_tcp("127.0.0.1", 0)
	     local a = net.connect_tcp("127.0.0.1", l:port())
	     local b = net.connect_tcp("127.0.0.1", l:port())
	     net.close(a)
	     local c = net.connect_tcp("127.0.0.1", l:port())
	     print(({l:fds()})[1], a, b, c)'
	assert_success
	assert_output "3	4	5	4"
}

@test "a number that is not in the table acts as a closed descriptor" {
	lua 'print(net.send(42, "x"), net.recv(42), net.write(1e9, "x"), net.read(-3))
	     local t = { [42] = net.POLLIN }
	     print(net.poll(t, 0), t[42] == net.POLLNVAL)'
	assert_success
	assert_line -n 0 "-1	nil	-1	nil"
	assert_line -n 1 "1	true"
}

@test "closing 0, 1 or 2 does nothing" {
	lua 'net.close(0) net.close(1) net.close(2) net.write(1, "still here\n")'
	assert_success
	assert_output "still here"
}

@test "after any sequence of opens and closes, a new socket takes the lowest free slot" {
	lua 'local l = net.listen_tcp("127.0.0.1", 0)
	     local open, bad = { [3] = true }, 0
	     math.randomseed(7)
	     for i = 1, 3000 do
	       if math.random() < 0.55 then
	         local want = 3
	         while open[want] do want = want + 1 end
	         local c = net.connect_tcp("127.0.0.1", l:port())
	         local s = l:accept()
	         if c ~= want then bad = bad + 1 end
	         open[c] = true
	         net.close(s)
	       else
	         local slots = {}
	         for k in pairs(open) do if k ~= 3 then slots[#slots + 1] = k end end
	         if #slots > 0 then
	           local k = slots[math.random(#slots)]
	           net.close(k) open[k] = nil
	         end
	       end
	     end
	     print("wrong slots:", bad)'
	assert_success
	assert_output "wrong slots:	0"
}

@test "the table is not capped at a small number of descriptors" {
	lua 'local l = net.listen_tcp("127.0.0.1", 0)
	     local fds = {}
	     for i = 1, 300 do
	       fds[#fds + 1] = net.connect_tcp("127.0.0.1", l:port())
	       fds[#fds + 1] = l:accept()
	     end
	     print(fds[#fds], math.min(unpack(fds)) >= 3)
	     for _, fd in ipairs(fds) do net.close(fd) end
	     print(net.connect_tcp("127.0.0.1", l:port()))'
	assert_success
	assert_line -n 0 "603	true"
	assert_line -n 1 "4"
}

@test "closing descriptors releases them in the process" {
	lua 'local function count() return #net.opendir("/proc/self/fd") end
	     local l = net.listen_tcp("127.0.0.1", 0)
	     local before = count()
	     for i = 1, 50 do
	       local c = net.connect_tcp("127.0.0.1", l:port())
	       local s = l:accept()
	       net.close(c) net.close(s)
	     end
	     print(count() - before)'
	assert_success
	assert_output "0"
}

# --- listen_tcp, accept, fds, close, port ----------------------------------

@test "listen_tcp on port 0 picks one free port for every address" {
	lua 'local l = net.listen_tcp("*", 0)
	     local fds = { l:fds() }
	     print(l:port() > 0, #fds >= 1)
	     local a = net.connect_tcp("127.0.0.1", l:port())
	     local b = net.connect_tcp("::1", l:port())
	     print(a >= 3, b >= 3, l:accept() >= 3, l:accept() >= 3)'
	assert_success
	assert_line -n 0 "true	true"
	assert_line -n 1 "true	true	true	true"
}

@test "listen_tcp of localhost listens on IPv4 and IPv6" {
	getent ahosts localhost | grep -q '^::1' || skip "localhost is not ::1 here"
	lua 'local l = net.listen_tcp("localhost", 0)
	     print(#{ l:fds() }, net.connect_tcp("::1", l:port()) >= 3,
	           net.connect_tcp("127.0.0.1", l:port()) >= 3)'
	assert_success
	assert_output "2	true	true"
}

@test "listen_tcp on a port in use raises Cannot listen on HOST:PORT: reason" {
	lua 'local l = net.listen_tcp("127.0.0.1", 0)
	     local ok, err = pcall(net.listen_tcp, "127.0.0.1", l:port())
	     print(ok, err == "Cannot listen on 127.0.0.1:" .. l:port() .. ": Address already in use")'
	assert_success
	assert_output "false	true"
}

@test "listen_tcp rejects bad ports and unresolvable hosts" {
	lua 'try(function() net.listen_tcp("127.0.0.1", 70000) end)
	     try(function() net.listen_tcp("127.0.0.1", -1) end)
	     try(function() net.listen_tcp("a..b", 0) end)
	     try(function() net.listen_tcp("127.0.0.1", "x") end)
	     try(function() net.listen_tcp("127.0.0.1", 0/0) end)
	     try(function() net.listen_tcp("127.0.0.1", -(0/0)) end)'
	assert_success
	assert_line -n 0 --partial "Cannot listen on 127.0.0.1:70000: invalid port"
	assert_line -n 1 --partial "Cannot listen on 127.0.0.1:-1: invalid port"
	assert_line -n 2 --regexp "Cannot listen on a\.\.b:0: .+"
	assert_line -n 3 --partial "bad argument #2 to 'listen_tcp'"
	assert_line -n 4 --regexp "^false	.*: Cannot listen on 127\.0\.0\.1:nan: invalid port$"
	assert_line -n 5 --regexp "^false	.*: Cannot listen on 127\.0\.0\.1:nan: invalid port$"
}

@test "fds returns the listening descriptors as multiple values" {
	lua 'local l = net.listen_tcp("127.0.0.1", 0)
	     print(select("#", l:fds()), l:fds())'
	assert_success
	assert_output "1	3"
}

@test "close frees the port and the slots; a closed listener accepts -1" {
	lua 'local l = net.listen_tcp("127.0.0.1", 0)
	     local p = l:port()
	     l:close()
	     print(select("#", l:fds()), l:accept())
	     local l2 = net.listen_tcp("127.0.0.1", p)
	     print(l2:port() == p, l2:fds())'
	assert_success
	assert_line -n 0 "0	-1	listener is closed"
	assert_line -n 1 "true	3"
}

@test "a listener that is garbage-collected closes its sockets" {
	lua 'local p = net.listen_tcp("127.0.0.1", 0):port()
	     collectgarbage() collectgarbage()
	     print(net.connect_tcp("127.0.0.1", p))
	     print(net.listen_tcp("127.0.0.1", p):port() == p)'
	assert_success
	assert_line -n 0 "-1	Connection refused"
	assert_line -n 1 "true"
}

@test "a listener whose slot the script closed does not close the slot's next owner" {
	lua 'local l = net.listen_tcp("127.0.0.1", 0)
	     local l2 = net.listen_tcp("127.0.0.1", 0)
	     net.close(3)
	     local c = net.connect_tcp("127.0.0.1", l2:port())
	     l:close()
	     print(c, net.send(c, "x"))'
	assert_success
	assert_output "3	1"
}

@test "accept blocks until a client from nc arrives" {
	vlcnet_listen -e 'io.stdout:setvbuf("line") print("port " .. listener:port())
	                  local fd = listener:accept()
	                  net.poll({ [fd] = net.POLLIN })  -- fd is non-blocking
	                  print("got " .. net.recv(fd, 100))'
	port=$VLCNET_PORT
	echo "hello" | timeout 10 nc -N 127.0.0.1 "$port"
	vlcnet_wait
	run cat "$VLCNET_STDOUT"
	assert_line "got hello"
}

@test "net.accept(listener) is the same as listener:accept()" {
	lua 'local l = net.listen_tcp("127.0.0.1", 0)
	     local c = net.connect_tcp("127.0.0.1", l:port())
	     print(net.accept(l))'
	assert_success
	assert_output "5"
}

# --- connect_tcp -----------------------------------------------------------

@test "a Lua client and a Lua server exchange binary data with NUL bytes" {
	vlcnet_listen -s "$FIXTURES/echo_server.lua"
	port=$VLCNET_PORT
	run timeout 20 vlcnet-connect -s "$FIXTURES/echo_client.lua" -- 127.0.0.1 "$port" "abc"
	assert_success
	assert_output 'abc\0abc'
}

@test "connect_tcp talks to a python3 server" {
	bg srv python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print("port", s.getsockname()[1], flush=True)
c, _ = s.accept(); c.sendall(c.recv(100).upper()); c.close()'
	port=$(port_of srv)
	lua "local fd = net.connect_tcp('127.0.0.1', $port)
	     net.send(fd, 'ping')
	     local t = { [fd] = net.POLLIN } net.poll(t, 10000) local a = net.recv(fd, 100)
	     t = { [fd] = net.POLLIN } net.poll(t, 10000) print(a, net.recv(fd, 100))"
	assert_success
	assert_output "PING	nil"
}

@test "accepted and connected sockets are non-blocking, as VLC makes them" {
	lua 'local l = net.listen_tcp("127.0.0.1", 0)
	     local c = net.connect_tcp("127.0.0.1", l:port())
	     local s = l:accept()
	     print("nothing yet", net.recv(s, 10), net.recv(c, 10))
	     local big = string.rep("x", 16 * 1024 * 1024)
	     local n = net.send(s, big)
	     print("part", n > 0 and n < #big)
	     n = net.send(c, big)
	     print("part", n > 0 and n < #big)'
	assert_success
	assert_line -n 0 "nothing yet	nil	nil"
	assert_line -n 1 "part	true"
	assert_line -n 2 "part	true"
}

@test "the fd vlcnet-connect hands to a script stays blocking" {
	bg srv python3 -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print("port", s.getsockname()[1], flush=True)
c, _ = s.accept(); time.sleep(0.3); c.sendall(b"late"); c.close()'
	port=$(port_of srv)
	run timeout 20 vlcnet-connect -e 'print(net.recv(fd, 100))' 127.0.0.1 "$port"
	assert_success
	assert_output "late"
}

@test "connect_tcp tries every address of a name in turn" {
	getent ahosts localhost | grep -q '^::1' || skip "localhost is not ::1 here (see test/unit/net_test.c)"
	lua 'local l = net.listen_tcp("::1", 0)
	     print(net.connect_tcp("localhost", l:port()) >= 3)'
	assert_success
	assert_output "true"
}

@test "connect_tcp returns -1 and the reason for a refused port" {
	port=$(closed_port)
	lua "print(net.connect_tcp('127.0.0.1', $port))"
	assert_success
	assert_output "-1	Connection refused"
}

@test "connect_tcp returns -1 for unresolvable names and bad ports" {
	lua 'print(net.connect_tcp("a..b", 80))
	     print(net.connect_tcp(string.rep("a", 300), 80))
	     print(net.connect_tcp("127.0.0.1", 65536))
	     print(net.connect_tcp("", 80))'
	assert_success
	assert_output "$(printf -- '-1\tunknown host\n-1\tunknown host\n-1\tinvalid port\n-1\tno address to connect to')"
}

@test "connect_tcp gives up after its timeout" {
	# A backlog of 0 that is never accepted: further SYNs are dropped.
	bg srv python3 "$TOP/test/client.py" hold --no-accept 127.0.0.1
	port=$(port_of srv)
	lua "local r, why
	     for i = 1, 20 do
	       r, why = net.connect_tcp('127.0.0.1', $port, 300)
	       if r < 0 then break end
	     end
	     print(r, why)"
	assert_success
	assert_output "-1	Connection timed out"
}

@test "connect_tcp checks its argument types" {
	lua 'try(function() net.connect_tcp() end)
	     try(function() net.connect_tcp("127.0.0.1", {}) end)'
	assert_success
	assert_line -n 0 --partial "bad argument #1 to 'connect_tcp'"
	assert_line -n 1 --partial "bad argument #2 to 'connect_tcp'"
}

# --- send, recv, read, write, close ----------------------------------------

@test "send clamps len to the string and is binary-safe" {
	lua 'local l = net.listen_tcp("127.0.0.1", 0)
	     local c = net.connect_tcp("127.0.0.1", l:port())
	     local s = l:accept()
	     print(net.send(c, "abc", 10), net.send(c, "def\0ghi", 5),
	           net.send(c, "x", 1e9), net.send(c, "y", -4), net.send(c, "z", 0/0))
	     local got = net.recv(s, 100)
	     print(#got, (got:gsub("%z", "0")))'
	assert_success
	assert_line -n 0 "3	5	1	0	0"
	assert_line -n 1 "9	abcdef0gx"
}

@test "recv defaults to one byte and returns nil at end of stream" {
	lua 'local l = net.listen_tcp("127.0.0.1", 0)
	     local c = net.connect_tcp("127.0.0.1", l:port())
	     local s = l:accept()
	     net.send(c, "hello") net.close(c)
	     print(net.recv(s), net.recv(s, 100), net.recv(s, 100))'
	assert_success
	assert_output "h	ello	nil"
}

@test "recv with a huge maxlen does not allocate it up front" {
	lua 'local l = net.listen_tcp("127.0.0.1", 0)
	     local c = net.connect_tcp("127.0.0.1", l:port())
	     local s = l:accept()
	     net.send(c, "data")
	     print(net.recv(s, 2^31), net.send(c, "more"), net.recv(s, 1e300))
	     local rss = io.open("/proc/self/status"):read("*a"):match("VmHWM:%s*(%d+)")
	     print(tonumber(rss) < 64 * 1024)'
	assert_success
	assert_line -n 0 "data	4	more"
	assert_line -n 1 "true"
}

@test "recv and read reject a length below 1 with an argument error" {
	lua 'try(function() net.recv(0, -1) end)
	     try(function() net.read(0, 0) end)'
	assert_success
	assert_line -n 0 --partial "bad argument #2 to 'recv' (length must be positive)"
	assert_line -n 1 --partial "bad argument #2 to 'read' (length must be positive)"
}

@test "send and recv check their argument types" {
	lua 'try(function() net.send("x", "y") end)
	     try(function() net.send(1, {}) end)
	     try(function() net.recv({}) end)
	     try(function() net.close(nil) end)'
	assert_success
	assert_line -n 0 --partial "bad argument #1 to 'send'"
	assert_line -n 1 --partial "bad argument #2 to 'send'"
	assert_line -n 2 --partial "bad argument #1 to 'recv'"
	assert_line -n 3 --partial "bad argument #1 to 'close'"
}

@test "read and write work on stdin, stdout and stderr" {
	printf 'abc\0def' >"$BATS_TEST_TMPDIR/in"
	run timeout 10 vlcnet-connect -e 'local s = net.read(0, 100)
	     net.write(1, "got " .. #s .. " bytes\n")
	     net.write(2, "to stderr\n")
	     print(net.read(0, 100))' <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_line -n 0 "got 7 bytes"
	assert_line "to stderr"
	assert_line "nil"
}

@test "write to a pipe whose reader is gone returns -1 instead of killing" {
	run bash -c 'timeout 10 vlcnet-connect -e "
	  local r repeat r = net.write(1, string.rep(\"x\", 65536)) until r < 0
	  io.stderr:write(\"write returned \", r, \"\\n\")" | head -c 1 >/dev/null'
	assert_success
	assert_output "write returned -1"
}

@test "write clamps len like send" {
	lua 'print(net.write(1, "abcdef\n", 3))'
	assert_success
	assert_output "abc3"
}

@test "close frees the slot and closing twice is harmless" {
	lua 'local l = net.listen_tcp("127.0.0.1", 0)
	     local c = net.connect_tcp("127.0.0.1", l:port())
	     net.close(c) net.close(c) net.close(c + 0.5) net.close(-7)
	     print(net.send(c, "x"), net.connect_tcp("127.0.0.1", l:port()))'
	assert_success
	assert_output "-1	4"
}

# --- poll ------------------------------------------------------------------

@test "poll writes back the revents poll(2) reports: a peer's close is POLLIN, then recv gives nil" {
	lua 'local function has(x, f) return x % (2 * f) >= f end
	     local l = net.listen_tcp("127.0.0.1", 0)
	     local c = net.connect_tcp("127.0.0.1", l:port())
	     local s = l:accept()
	     local t = { [s] = net.POLLIN + net.POLLOUT }
	     print(net.poll(t), t[s] == net.POLLOUT)
	     net.send(c, "x") net.close(c)
	     t = { [s] = net.POLLIN }
	     print(net.poll(t), t[s] == net.POLLIN, net.recv(s, 10), net.recv(s, 10))
	     net.send(s, "y")   -- to a closed peer: it answers with a reset
	     t = { [s] = net.POLLIN }
	     print(net.poll(t, 10000), has(t[s], net.POLLHUP))'
	assert_success
	assert_line -n 0 "1	true"
	assert_line -n 1 "1	true	x	nil"
	assert_line -n 2 "1	true"
}

@test "poll keeps POLLOUT for a client that half-closed, so an answer can still go out" {
	vlcnet_listen -v -e '
	     io.stdout:setvbuf("line")
	     local s = listener:accept()
	     local t = { [s] = net.POLLIN } net.poll(t, 10000)
	     local q = net.recv(s, 100)
	     t = { [s] = net.POLLIN } net.poll(t, 10000)
	     print("eof", net.recv(s, 100))
	     t = { [s] = net.POLLOUT } net.poll(t, 10000)
	     print("revents", t[s] == net.POLLOUT)
	     net.send(s, q:upper())'
	port=$VLCNET_PORT
	run timeout 20 python3 -c '
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.sendall(b"ask"); c.shutdown(socket.SHUT_WR)
print(c.recv(100).decode())' "$port"
	assert_success
	assert_output "ASK"
	run cat "$VLCNET_STDOUT"
	assert_line "revents	true"
}

@test "poll reports POLLNVAL for unmapped descriptors next to real ones" {
	lua 'local l = net.listen_tcp("127.0.0.1", 0)
	     local fd = l:fds()
	     local t = { [fd] = net.POLLIN, [77] = net.POLLIN, [3.5] = net.POLLIN }
	     print(net.poll(t, 1000), t[fd], t[77] == net.POLLNVAL, t[3.5] == net.POLLNVAL)'
	assert_success
	assert_output "2	0	true	true"
}

@test "poll masks events to POLLIN, POLLOUT and POLLPRI" {
	lua 'local l = net.listen_tcp("127.0.0.1", 0)
	     local c = net.connect_tcp("127.0.0.1", l:port())
	     local t = { [c] = net.POLLOUT + net.POLLNVAL + 2^20 }
	     print(net.poll(t), t[c] == net.POLLOUT)'
	assert_success
	assert_output "1	true"
}

@test "poll returns 0 when its timeout expires" {
	lua 'local l = net.listen_tcp("127.0.0.1", 0)
	     local t = { [l:fds()] = net.POLLIN }
	     print(net.poll(t, 50), t[3], net.poll({}, 0))'
	assert_success
	assert_output "0	0	0"
}

@test "poll rejects keys and values that are not numbers" {
	lua 'try(function() net.poll({ [3.5] = "x" }) end)
	     try(function() net.poll({ x = 1 }) end)
	     try(function() net.poll("t") end)'
	assert_success
	assert_line -n 0 --partial "bad argument #1 to 'poll' (values must be event numbers)"
	assert_line -n 1 --partial "bad argument #1 to 'poll' (keys must be descriptor numbers)"
	assert_line -n 2 --partial "bad argument #1 to 'poll' (table expected, got string)"
}

@test "poll copes with a 100,000-entry table" {
	lua 'local t = {}
	     for i = 1, 100000 do t[i] = net.POLLIN end
	     local n = net.poll(t, 0)
	     print(n, t[0], t[100000] == net.POLLNVAL)'
	assert_success
	assert_output "99998	nil	true"
}

@test "SIGINT during poll raises Interrupted. and ends with status 130" {
	# Once interrupted, every later wait raises too: the script is ending.
	vlcnet_listen -e '
	     local ok, err = pcall(net.poll, { [listener:fds()] = net.POLLIN })
	     io.stderr:write("caught: ", err, "\n")
	     net.poll({ [listener:fds()] = net.POLLIN })'
	# asleep in the first poll, on the listening socket
	wait_blocked "$VLCNET_PID" 1
	kill -INT "$VLCNET_PID"
	vlcnet_wait 130
	assert_equal "$VLCNET_STATUS" 130
	run cat "$VLCNET_STDOUT" "$VLCNET_STDERR"
	assert_output "caught: Interrupted."
}

# interrupt_in TOOL SETUP CALL [PORT]: run TOOL -e with SETUP, then CALL inside
# pcall, on 127.0.0.1 PORT (vlcnet-connect) or a free port (vlcnet-listen, by
# vlcnet_listen); send SIGINT once the script says it is about to wait, and
# check its status and what the script printed after catching it.
interrupt_in() {
	local out=$BATS_TEST_TMPDIR/int.out
	local script="io.stdout:setvbuf('line') $2
	     print('waiting')
	     local ok, err = pcall(function() return $3 end)
	     print('caught', ok, err)
	     print('and goes on', vlc.misc.should_die())"
	if [ "$1" = vlcnet-listen ]; then
		vlcnet_listen -e "$script"
		wait_for "$VLCNET_STDOUT" waiting
		sleep 0.2
		kill -INT "$VLCNET_PID"
		vlcnet_wait 130
		run cat "$VLCNET_STDOUT" "$VLCNET_STDERR"
	else
		run timeout 20 bash -c '"$1" -e "$2" 127.0.0.1 "$4" >"$3" 2>&1 & p=$!
		  for i in $(seq 200); do grep -q waiting "$3" && break; sleep 0.05; done
		  sleep 0.2; kill -INT $p; wait $p; s=$?; cat "$3"; exit $s' _ "$1" "$script" "$out" "$4"
		assert_failure 130
	fi
	assert_line "caught	false	Interrupted."
	assert_line "and goes on	true"
}

@test "an interrupt in recv is the error Interrupted., caught with pcall like any other" {
	bg srv python3 "$TOP/test/client.py" hold 127.0.0.1
	port=$(port_of srv)
	# vlcnet-connect's fd is blocking: recv waits there.
	interrupt_in vlcnet-connect '' 'net.recv(fd, 1)' "$port"
}

@test "an interrupt in poll is the error Interrupted., caught with pcall like any other" {
	interrupt_in vlcnet-listen '' 'net.poll({ [listener:fds()] = net.POLLIN })'
}

@test "an interrupt in accept is the error Interrupted., caught with pcall like any other" {
	interrupt_in vlcnet-listen '' 'listener:accept()'
}

@test "an interrupt in connect_tcp is the error Interrupted., caught with pcall like any other" {
	bg full python3 "$TOP/test/client.py" hold --no-accept 127.0.0.1
	port=$(port_of full)
	# Backlog 0 and nobody accepting: after the first connections, SYNs go unanswered.
	interrupt_in vlcnet-listen "local p = $port" \
		'(function() for i = 1, 20 do net.connect_tcp("127.0.0.1", p) end end)()'
}

@test "an interrupt in vlc.misc.mwait is the error Interrupted., caught with pcall like any other" {
	interrupt_in vlcnet-listen '' 'vlc.misc.mwait(vlc.misc.mdate() + 30e6)'
}

@test "an interrupt in busy Lua code is the same error, without a position" {
	# LuaJIT runs no hook in a loop it compiled: there the 2 s fallback ends
	# the tool with the signal (vlcnet-lua(3)), which the next test checks.
	! vlcnet-connect --version | grep -q LuaJIT ||
		skip "LuaJIT's compiled loops run no hook (the fallback is tested next)"
	interrupt_in vlcnet-listen '' '(function() while true do end end)()'
}

@test "SIGTERM stops a busy Lua loop and ends with status 143" {
	# LuaJIT's compiled loops never run the hook: the fallback ends them.
	run timeout 10 bash -c 'vlcnet-connect -e "while true do end" & p=$!
	  (sleep 6; kill -KILL $p) >/dev/null 2>&1 3>&- & k=$!
	  sleep 0.3; kill -TERM $p; wait $p; s=$?; kill $k; exit $s'
	assert_equal "$status" 143
}

@test "a second SIGINT ends a script that keeps catching the first" {
	bg cli vlcnet-connect -e 'io.stdout:setvbuf("line") local said print("ready")
	    while true do
	      local ok, err = pcall(net.poll, {}, 100000)
	      if not ok and not said then print(err) said = true end
	    end'
	tpid=$(sed -n '$p' "$BATS_TEST_TMPDIR/pids")
	pid=$(child_of "$tpid")
	# the first signal once the script sleeps in poll, the second once the
	# first was caught: two sent at once may be taken as one
	wait_for "$BATS_TEST_TMPDIR/cli.out" "^ready$"
	for _ in $(seq 200); do
		[ "$(awk '{ print $3 }' "/proc/$pid/stat")" != S ] || break
		sleep 0.05
	done
	kill -INT "$pid"
	wait_for "$BATS_TEST_TMPDIR/cli.out" "^Interrupted\.$"
	kill -INT "$pid"
	wait_bg cli=130
}

@test "SIGINT during accept ends with status 130" {
	vlcnet_listen -e "listener:accept()"
	wait_blocked "$VLCNET_PID" 1
	kill -INT "$VLCNET_PID"
	vlcnet_wait 130
	assert_equal "$VLCNET_STATUS" 130
}

# --- url_parse -------------------------------------------------------------

@test "url_parse splits a full URL into VLC's fields" {
	lua 'local u = net.url_parse("http://user:pa%20ss@example.org:8080/a/b?x=1&y=2#frag")
	     print(u.protocol, u.username, u.password, u.host, u.port, u.path, u.option)'
	assert_success
	assert_output "http	user	pa ss	example.org	8080	/a/b	x=1&y=2"
}

@test "url_parse removes IPv6 brackets and leaves absent fields nil, port 0" {
	lua 'local u = net.url_parse("rtsp://[::1]/live")
	     print(u.host, u.port, u.path, u.username, u.password, u.option)
	     u = net.url_parse("/just/a/path")
	     print(u.protocol, u.host, u.port, u.path)'
	assert_success
	assert_line -n 0 "::1	0	/live	nil	nil	nil"
	assert_line -n 1 "nil	nil	0	/just/a/path"
}

@test "url_parse gives an empty string for a part the URL has but leaves empty, as VLC" {
	lua 'local u = net.url_parse("p://?o=v")
	     print(u.host == "", u.path, u.option)
	     u = net.url_parse("?o1=v1&o2=v2")
	     print(u.path == "", u.host, u.option)'
	assert_success
	assert_line -n 0 "true	nil	o=v"
	assert_line -n 1 "true	nil	o1=v1&o2=v2"
}

@test "url_parse rejects a path with spaces as it rejects a host with spaces" {
	lua 'print(net.url_parse("p://G a r b a g e"))
	     print(net.url_parse("p://h/G a r b a g e"))'
	assert_success
	assert_line -n 0 "nil	invalid character in host"
	assert_line -n 1 "nil	invalid character in path"
}

@test "url_parse converts international hosts to punycode and encodes the path" {
	lua 'local u = net.url_parse("http://bücher.example/straße")
	     print(u.host, u.path)'
	assert_success
	assert_output "xn--bcher-kva.example	/stra%C3%9Fe"
}

@test "url_parse returns nil and a message for invalid URLs" {
	lua 'print(net.url_parse("http://a b/"))
	     print(net.url_parse("http://host:80x/"))
	     print(net.url_parse("http://host:99999/"))'
	assert_success
	assert_line -n 0 --regexp '^nil	.+'
	assert_line -n 1 "nil	invalid port"
	assert_line -n 2 "nil	invalid port"
}

@test "url_parse accepts and ignores a second argument, and is vlc.strings.url_parse" {
	lua 'print(net.url_parse("ftp://h:21/", ":").port, vlc.strings.url_parse == net.url_parse)
	     try(function() net.url_parse() end)'
	assert_success
	assert_line -n 0 "21	true"
	assert_line -n 1 --partial "bad argument #1 to 'url_parse'"
}

# --- stat, lstat, opendir --------------------------------------------------

@test "stat reports VLC's type words and fields" {
	make_type_tree
	lua "for _, p in ipairs{ '$d/file', '$d/dir', '/dev/null', '$d/fifo', '$d/sock', '$d/link' } do
	       local s = net.stat(p) print(s.type, s.size) end"
	assert_success
	assert_line -n 0 "file	12"
	assert_line -n 1 --regexp '^dir	[0-9]+$'
	assert_line -n 2 "character device	0"
	assert_line -n 3 "fifo	0"
	assert_line -n 4 "socket	0"
	assert_line -n 5 "file	12"
}

@test "stat fields equal GNU stat's" {
	make_type_tree
	lua "local s = net.stat('$d/file')
	     print(s.mode, s.uid, s.gid, s.size, s.access_time, s.modification_time, s.creation_time)"
	assert_success
	assert_output "$(stat -c '%f %u %g %s %X %Y %Z' "$d/file" | { read -r f rest; printf '%d %s' "0x$f" "$rest"; } | tr ' ' '\t')"
}

@test "lstat does not follow symlinks" {
	make_type_tree
	lua "print(net.lstat('$d/link').type, net.lstat('$d/file').type)"
	assert_success
	assert_output "symbolic link	file"
}

@test "stat returns nil and the reason for a missing path" {
	lua 'print(net.stat("/nonexistent/x"))
	     print(net.lstat(""))
	     try(function() net.stat() end)'
	assert_success
	assert_line -n 0 "nil	/nonexistent/x: No such file or directory"
	assert_line -n 1 "nil	: No such file or directory"
	assert_line -n 2 --partial "bad argument #1 to 'stat'"
}

@test "opendir lists names without . and .. for empty and large directories" {
	mkdir -p "$BATS_TEST_TMPDIR/empty" "$BATS_TEST_TMPDIR/big"
	(cd "$BATS_TEST_TMPDIR/big" && seq 1 1000 | xargs touch)
	lua "print(#net.opendir('$BATS_TEST_TMPDIR/empty'))
	     local seen, n = {}, 0
	     for _, name in ipairs(net.opendir('$BATS_TEST_TMPDIR/big')) do seen[name] = true n = n + 1 end
	     print(n, seen['1'], seen['1000'], seen['.'], seen['..'])"
	assert_success
	assert_line -n 0 "0"
	assert_line -n 1 "1000	true	true	nil	nil"
}

@test "opendir keeps directory order" {
	mkdir -p "$BATS_TEST_TMPDIR/d"
	touch "$BATS_TEST_TMPDIR/d/"{b,a,c}
	lua "print(table.concat(net.opendir('$BATS_TEST_TMPDIR/d'), ' '))"
	assert_success
	assert_output "$(ls -U "$BATS_TEST_TMPDIR/d" | tr '\n' ' ' | sed 's/ $//')"
}

@test "opendir raises cannot open directory with the reason" {
	lua 'print(pcall(net.opendir, "/nonexistent"))
	     print(pcall(net.opendir, "/etc/passwd"))'
	assert_success
	assert_line -n 0 "false	cannot open directory '/nonexistent'. (No such file or directory)"
	assert_line -n 1 "false	cannot open directory '/etc/passwd'. (Not a directory)"
}

# --- constants -------------------------------------------------------------

@test "the POLL constants are the platform's poll(2) values" {
	lua 'print(net.POLLIN, net.POLLPRI, net.POLLOUT, net.POLLERR, net.POLLHUP, net.POLLNVAL)'
	assert_success
	assert_output "$(python3 -c 'import select as s; print(s.POLLIN, s.POLLPRI, s.POLLOUT, s.POLLERR, s.POLLHUP, s.POLLNVAL, sep="\t")')"
}
