#!/usr/bin/env bats
# Tasks (vlcnet-lua(3), TASKS): net.spawn, net.run, net.serve, net.sleep, and
# the blocking calls suspending only the task that makes them.

load helper

setup_file() {
	export CERTS="$BATS_FILE_TMPDIR/certs"
	mkdir -p "$CERTS"
	"$BATS_TEST_DIRNAME/tls_certs.sh" "$CERTS"
}

CLIENTS="$BATS_TEST_DIRNAME/fixtures/echo_clients.py"

# The echo of issue 22, as a script file.
echo_script() {
	cat >"$BATS_TEST_TMPDIR/echo.lua" <<'LUA'
net.serve(listener, function(fd)
  while true do
    local data = net.recv(fd, 4096)
    if not data then break end
    net.send(fd, data)
  end
  net.close(fd)
end)
net.run()
LUA
}

@test "the echo of the issue serves 200 clients at once, every byte back to its sender" {
	echo_script
	serve srv "$BATS_TEST_TMPDIR/echo.lua"
	wait_blocked "$VLCNET_PID" 1
	n=$(fd_count "$VLCNET_PID")
	run timeout 60 python3 "$CLIENTS" "$port" 200 20000
	assert_success
	assert_output "ok 200 4000000"
	# every connection's descriptor is closed after it
	fd_count_is "$VLCNET_PID" "$n"
}

@test "a client that never reads stalls only its own task" {
	echo_script
	serve srv "$BATS_TEST_TMPDIR/echo.lua"
	bg hog python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setblocking(False)
sent = 0
end = time.time() + 20
while time.time() < end:
    try:
        sent += s.send(b"x" * 65536)
    except BlockingIOError:
        if sent > 0: break
print("stuck after", sent, flush=True)
time.sleep(30)' "$port"
	wait_for "$BATS_TEST_TMPDIR/hog.out" "stuck after"
	run timeout 30 python3 "$CLIENTS" "$port" 20 10000
	assert_success
	assert_output "ok 20 200000"
}

@test "net.serve over a Unix listener hands each handler the socket's path as peer" {
	cat >"$BATS_TEST_TMPDIR/u.lua" <<'LUA'
io.stderr:write("ready\n")
net.serve(listener, function(fd, peer)
  local line = net.recv(fd, 100)
  net.send(fd, peer .. " " .. line)
  net.close(fd)
end)
net.run()
LUA
	sock="$BATS_TEST_TMPDIR/s.sock"
	bg srv vlcnet-listen --script "$BATS_TEST_TMPDIR/u.lua" -U "$sock"
	wait_for "$BATS_TEST_TMPDIR/srv.err" ready
	run timeout 10 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"hi")
print(s.recv(1000).decode())' "$sock"
	assert_success
	assert_output "$sock hi"
	run timeout 30 python3 -c '
import socket, sys
for i in range(50):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"x")
    assert s.recv(1000).decode().endswith(" x")
print("ok")' "$sock"
	assert_success
	assert_output ok
}

@test "many tasks run at once and net.sleep wakes them in the order of their deadlines" {
	lua 'local out, n = {}, 0
	     for i = 1, 5 do
	       net.spawn(function(ms, name) net.sleep(ms); out[#out + 1] = name end, (6 - i) * 30, "t" .. i)
	     end
	     for i = 1, 2000 do net.spawn(function() net.sleep(i % 7); n = n + 1 end) end
	     print(net.run(), table.concat(out, " "), n)'
	assert_success
	assert_output "true	t5 t4 t3 t2 t1	2000"
}

@test "spawn passes its arguments, tasks start in order, and a bare coroutine.yield lets the others run" {
	lua 'local out = {}
	     net.spawn(function(a, b) out[#out + 1] = a; coroutine.yield(); out[#out + 1] = b end, "a1", "a2")
	     net.spawn(function() out[#out + 1] = "b" end)
	     print(net.run(), table.concat(out, " "))'
	assert_success
	assert_output "true	a1 b a2"
}

@test "net.sleep outside a task sleeps the process; its argument must be a number" {
	lua 'local t = vlc.misc.mdate(); net.sleep(50); print(vlc.misc.mdate() - t >= 50e3)' \
	    'try(function() net.sleep("x") end)'
	assert_success
	assert_line -n 0 true
	assert_line -n 1 --partial "bad argument #1 to 'sleep'"
}

@test "net.run inside a task is an argument error" {
	lua 'net.spawn(function() print(pcall(net.run)) end) print(net.run())'
	assert_success
	assert_line -n 0 --partial "net.run inside a task"
	assert_line -n 1 true
}

@test "a task's error is reported with its position, closes its descriptors, and the others go on" {
	echo_script
	cat >"$BATS_TEST_TMPDIR/err.lua" <<'LUA'
net.serve(listener, function(fd)
  local line = net.recv(fd, 100)
  if line:match("^die") then error("asked to die") end
  net.send(fd, "ok " .. line)
  net.close(fd)
end)
net.run()
LUA
	serve srv "$BATS_TEST_TMPDIR/err.lua"
	wait_blocked "$VLCNET_PID" 1
	n=$(fd_count "$VLCNET_PID")
	run timeout 10 python3 -c '
import socket, sys
p = int(sys.argv[1])
a = socket.create_connection(("127.0.0.1", p)); a.sendall(b"die")
print("dead:", a.recv(100))
b = socket.create_connection(("127.0.0.1", p)); b.sendall(b"live")
print(b.recv(100).decode())' "$port"
	assert_success
	assert_line -n 0 "dead: b''"
	assert_line -n 1 "ok live"
	run grep -c 'task:' "$BATS_TEST_TMPDIR/srv.err"
	assert_output 1
	run grep 'task:' "$BATS_TEST_TMPDIR/srv.err"
	assert_output --regexp '^vlcnet-listen: task: .*err\.lua:3: asked to die$'
	fd_count_is "$VLCNET_PID" "$n"
}

@test "connect_tcp inside a task honours its timeout while the other tasks go on" {
	bg full python3 -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
print("port", s.getsockname()[1], flush=True); time.sleep(30)'
	p=$(port_of full)
	lua "local ticks, res = 0, nil
	     net.spawn(function()
	       for i = 1, 20 do
	         local fd, why = net.connect_tcp('127.0.0.1', $p, 300)
	         if fd < 0 then res = why return end
	       end
	       res = 'never timed out'
	     end)
	     net.spawn(function() while not res do ticks = ticks + 1 net.sleep(10) end end)
	     print(net.run(), res, ticks > 5)"
	assert_success
	assert_output "true	Connection timed out	true"
}

@test "connect_unix inside a task waits while the listener's backlog is full, and the other tasks go on" {
	sock=$BATS_TEST_TMPDIR/s.sock
	mkfifo "$BATS_TEST_TMPDIR/go"
	# a backlog of one, taken by the script's first connection; the server
	# accepts only once the script says so
	bg srv python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(0)
print("ready", flush=True)
open(sys.argv[2]).readline()
for i in (1, 2):
    c, _ = s.accept(); c.sendall(b"hi %d" % i); c.close()' "$sock" "$BATS_TEST_TMPDIR/go"
	wait_for "$BATS_TEST_TMPDIR/srv.out" ready
	lua "local first = net.connect_unix('$sock')
	     local ticks, got = 0, nil
	     net.spawn(function()
	       local fd, why = net.connect_unix('$sock')
	       if fd < 0 then got = why return end
	       net.poll({ [fd] = net.POLLIN })
	       got = net.recv(fd, 10) .. ' after ' .. ticks .. ' ticks'
	     end)
	     net.spawn(function()
	       for i = 1, 3 do net.sleep(20) ticks = ticks + 1 end
	       local f = io.open('$BATS_TEST_TMPDIR/go', 'w') f:write('go\\n') f:close()
	     end)
	     print(first >= 0, net.run(), got)"
	assert_success
	assert_output "true	true	hi 2 after 3 ticks"
	wait_bg
}

@test "connect_tcp, send and recv inside tasks talk to each other through the loop" {
	lua 'local l = net.listen_tcp("127.0.0.1", 0)
	     local got = {}
	     net.serve(l, function(fd) local d = net.recv(fd, 10) net.send(fd, d:upper()) net.close(fd) end)
	     for i = 1, 30 do
	       net.spawn(function()
	         local fd = net.connect_tcp("127.0.0.1", l:port())
	         net.send(fd, "abc" .. i)
	         local d = net.recv(fd, 10)
	         got[#got + 1] = d
	         net.close(fd)
	         if #got == 30 then l:close() end
	       end)
	     end
	     print(net.run(), #got, got[1]:match("^ABC%d+$") ~= nil)'
	assert_success
	assert_output "true	30	true"
}

@test "recv on a descriptor another task closes wakes with nil, even once its number is reused" {
	lua 'local l = net.listen_tcp("127.0.0.1", 0)
	     local c = net.connect_tcp("127.0.0.1", l:port())
	     local log = {}
	     net.spawn(function()
	       local r = net.recv(c, 10)
	       log[#log + 1] = "recv " .. tostring(r)
	     end)
	     net.spawn(function()
	       net.sleep(20)
	       log[#log + 1] = "closing"
	       net.close(c)
	       -- the lowest free slot: the one just closed, now a socket with
	       -- nothing to read
	       log[#log + 1] = "reused " .. tostring(net.listen_udp("127.0.0.1", 0) == c)
	     end)
	     print(net.run(), table.concat(log, ", "))'
	assert_success
	assert_output "true	closing, reused true, recv nil"
}

@test "TLS inside tasks: a TLS listener serves several clients through net.serve" {
	cat >"$BATS_TEST_TMPDIR/t.lua" <<'LUA'
net.serve(listener, function(fd)
  local line = net.recv(fd, 100)
  net.send(fd, "tls " .. line)
  net.close(fd)
end)
net.run()
LUA
	vlcnet_listen -v --tls --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key" \
		--script "$BATS_TEST_TMPDIR/t.lua"
	port=$VLCNET_PORT
	run timeout 30 python3 -c '
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
conns = []
for i in range(10):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="localhost")
    conns.append(s)
for i, s in enumerate(conns):
    s.sendall(b"n%d" % i)
for s in conns:
    print(s.recv(100).decode())' "$port" "$CERTS/ca.pem"
	assert_success
	assert_line -n 0 "tls n0"
	assert_line -n 9 "tls n9"
}

@test "SIGINT during net.run ends the script promptly with Interrupted. and status 130" {
	echo_script
	vlcnet_listen -e 'io.stderr:write("running\n")
	     net.serve(listener, function(fd) net.recv(fd, 1) end)
	     net.spawn(function() net.sleep(60000) end)
	     local ok, err = pcall(net.run)
	     io.stderr:write("caught: ", tostring(err), "\n")
	     error(err, 0)'
	wait_for "$VLCNET_STDERR" running
	wait_blocked "$VLCNET_PID" 1
	kill -INT "$VLCNET_PID"
	vlcnet_wait 130
	assert_equal "$VLCNET_STATUS" 130
	run cat "$VLCNET_STDERR"
	assert_line "caught: Interrupted."
}

@test "net.poll inside a task waits for its descriptors or its timeout while the other tasks run" {
	lua 'local l = net.listen_tcp("127.0.0.1", 0)
	     local log, ticks = {}, 0
	     net.spawn(function()
	       -- (each result in a local first: log[#log + 1] would be
	       -- evaluated before the call, while other tasks append)
	       local t = { [l:fds()] = net.POLLIN }
	       local n = net.poll(t, 50)
	       log[#log + 1] = "timeout " .. n .. " " .. t[l:fds()]
	       t[l:fds()] = net.POLLIN
	       n = net.poll(t, 5000)
	       log[#log + 1] = "ready " .. n .. " " .. t[l:fds()]
	       n = net.poll(t, 0)
	       log[#log + 1] = "again " .. n
	       t[l:fds()] = net.POLLIN
	       l:accept()
	       n = net.poll(t)                 -- no timeout: the next client
	       log[#log + 1] = "forever " .. n .. " " .. t[l:fds()]
	     end)
	     net.spawn(function()
	       net.sleep(100)
	       log[#log + 1] = "connect"
	       net.connect_tcp("127.0.0.1", l:port())
	       net.sleep(50)
	       log[#log + 1] = "connect2"
	       net.connect_tcp("127.0.0.1", l:port())
	     end)
	     net.spawn(function() for i = 1, 10 do ticks = ticks + 1 net.sleep(5) end end)
	     print(net.run(), table.concat(log, ", "), ticks)'
	assert_success
	assert_output "true	timeout 0 0, connect, ready 1 1, again 1, connect2, forever 1 1	10"
}

@test "recvfrom and sendto inside tasks wait for their datagram without holding up the others" {
	p=$(closed_port)
	lua "local u = net.listen_udp('127.0.0.1', $p)
	     local log = {}
	     net.spawn(function()
	       local d, host = net.recvfrom(u)
	       log[#log + 1] = 'got ' .. d .. ' from ' .. host
	     end)
	     net.spawn(function()
	       log[#log + 1] = 'sending'
	       local c = net.connect_udp('127.0.0.1', $p)
	       local n = net.sendto(c, 'dgram', '127.0.0.1', $p)
	       log[#log + 1] = 'sent ' .. n
	     end)
	     print(net.run(), table.concat(log, ', '))"
	assert_success
	assert_output "true	sending, sent 5, got dgram from 127.0.0.1"
}

@test "connect_tls and net.tls inside tasks: handshakes wait by suspending, with a TLS server task in the same loop" {
	lua "local l = net.listen_tcp('127.0.0.1', 0)
	     local got, ticks, done = {}, 0, false
	     net.serve(l, function(fd)
	       net.tls(fd, { cert = '$CERTS/server.pem', key = '$CERTS/server.key' })
	       local line = net.recv(fd, 100)
	       net.send(fd, 'tls ' .. tostring(line))
	       net.close(fd)
	     end)
	     for i = 1, 3 do
	       net.spawn(function()
	         local fd, why = net.connect_tls('localhost', l:port(), { ca = '$CERTS/ca.pem', timeout = 5000 })
	         if fd < 0 then got[#got + 1] = why return end
	         net.send(fd, 'n' .. i)
	         local r = net.recv(fd, 100)
	         got[#got + 1] = r
	         net.close(fd)
	         if #got == 3 then done = true l:close() end
	       end)
	     end
	     net.spawn(function() while not done do ticks = ticks + 1 net.sleep(1) end end)
	     print(net.run())
	     table.sort(got)
	     print(table.concat(got, ' '), ticks > 0)"
	assert_success
	assert_line -n 0 true
	assert_line -n 1 "tls n1 tls n2 tls n3	true"
}

@test "connect_tls inside a task reports a server it cannot verify, and its handshake timeout" {
	lua "local l = net.listen_tcp('127.0.0.1', 0)
	     net.serve(l, function(fd)
	       net.tls(fd, { cert = '$CERTS/server.pem', key = '$CERTS/server.key' })
	       net.recv(fd, 1)
	       net.close(fd)
	     end)
	     local mute = net.listen_tcp('127.0.0.1', 0)   -- accepts, never speaks
	     net.spawn(function()
	       print(net.connect_tls('localhost', l:port(), { ca = '$CERTS/ca.pem', servername = 'other.example' }))
	       print(net.connect_tls('localhost', mute:port(), { ca = '$CERTS/ca.pem', timeout = 200 }))
	       l:close()
	     end)
	     print(net.run())"
	assert_success
	assert_line -n 0 "-1	name \`other.example' not present in server certificate"
	assert_line -n 1 "-1	timed out"
	assert_line -n 2 true
}

@test "net.tls that fails inside a task leaves the descriptor refusing send and recv, never plain text" {
	lua "local l = net.listen_tcp('127.0.0.1', 0)
	     local seen = {}
	     net.serve(l, function(fd)
	       net.tls(fd, { cert = '$CERTS/server.pem', key = '$CERTS/server.key' })
	       local d = net.recv(fd, 100)
	       while d do seen[#seen + 1] = d d = net.recv(fd, 100) end
	       net.close(fd)
	       l:close()
	     end)
	     net.spawn(function()
	       local fd = net.connect_tcp('127.0.0.1', l:port())
	       print(net.tls(fd, { ca = '$CERTS/ca.pem', servername = 'other.example' }))
	       print(net.send(fd, 'PASSWORD=x'))
	       print(net.recv(fd, 10))
	       print(net.tls(fd, { ca = '$CERTS/ca.pem' }))
	       net.close(fd)
	     end)
	     print(net.run(), table.concat(seen))"
	assert_success
	assert_line -n 0 "-1	name \`other.example' not present in server certificate"
	assert_line -n 1 "-1	the TLS upgrade failed: the connection refuses data"
	assert_line -n 2 "nil	the TLS upgrade failed: the connection refuses data"
	assert_line -n 3 "-1	a failed TLS upgrade"
	assert_line -n 4 "true	"
}

@test "-o logs a task server's traffic, and the log is current while the tasks wait" {
	echo_script
	vlcnet_listen -v -o "$BATS_TEST_TMPDIR/session.log" --script "$BATS_TEST_TMPDIR/echo.lua"
	mkfifo "$BATS_TEST_TMPDIR/in"
	bg cli bash -c "exec vlcnet-connect 127.0.0.1 $VLCNET_PORT <'$BATS_TEST_TMPDIR/in'"
	exec 7>"$BATS_TEST_TMPDIR/in"
	echo "ping from the client" >&7
	wait_for "$BATS_TEST_TMPDIR/cli.out" '^ping from the client$'
	# the server still waits in net.run, with its client connected: the
	# log already holds what it received and what it sent
	wait_for "$BATS_TEST_TMPDIR/session.log" 'ping from the client'
	run cat "$BATS_TEST_TMPDIR/session.log"
	assert_success
	assert_output "$(printf 'ping from the client\nping from the client')"
	exec 7>&-
	wait_bg
}

@test "accept inside a task waits on every address of its listener; closed, accept and serve say so" {
	# "*": IPv4 and IPv6, two descriptors; the clients are loopback's
	lua 'local l = net.listen_tcp("*", 0)
	     local got = {}
	     net.spawn(function()
	       for i = 1, 2 do
	         local fd = l:accept()
	         got[#got + 1] = fd >= 3
	       end
	       l:close()
	       print(l:accept())
	       print(pcall(net.serve, l, print))
	     end)
	     net.spawn(function()
	       net.sleep(20)
	       local a = net.connect_tcp("::1", l:port())
	       net.sleep(20)
	       local b = net.connect_tcp("127.0.0.1", l:port())
	       print(a >= 3, b >= 3)
	     end)
	     print(#{ l:fds() }, net.run(), got[1], got[2])'
	assert_success
	assert_line -n 0 "-1	listener is closed"
	assert_line -n 1 --partial "false	bad argument #1"
	assert_line -n 1 --partial "(listener is closed)"
	assert_line -n 2 "true	true"
	assert_line -n 3 "2	true	true	true"
}

@test "inside a task, connect_tcp and connect_tls report a refused port or an unknown host, and UDP what the kernel said" {
	p=$(closed_port)
	# a 300-character label: the resolver rejects it without asking a server
	lua "net.spawn(function()
	       print(net.connect_tcp(string.rep('a', 300), 80))
	       print(net.connect_tls(string.rep('a', 300), 443))
	       print(net.connect_tcp('127.0.0.1', $p))
	       print(net.connect_tls('127.0.0.1', $p, { timeout = 5000 }))
	       local c = net.connect_udp('127.0.0.1', $p)
	       print(net.send(c, 'x'))
	       print(net.recvfrom(c))                  -- the port's refusal
	       print(net.sendto(c, string.rep('x', 70000), '127.0.0.1', $p))
	       net.close(c)
	       print(net.sendto(c, 'x', '127.0.0.1', $p))
	       print(net.recvfrom(c))
	     end)
	     print(net.run())"
	assert_success
	assert_output "$(printf '%s\n' '-1	unknown host' '-1	unknown host' \
		'-1	Connection refused' '-1	Connection refused' 1 \
		'nil	Connection refused' '-1	Message too long' '-1	Bad file descriptor' \
		'nil	Bad file descriptor' true)"
}

@test "vlc.misc.quit inside a task ends net.run and the script with status 0, whatever the others wait for" {
	bg full python3 -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
print("port", s.getsockname()[1], flush=True); time.sleep(30)'
	p=$(port_of full)
	lua "net.spawn(function() net.sleep(1e13) print('never') end)
	     net.spawn(function()
	       -- the backlog fills: a connect is left waiting
	       for i = 1, 20 do net.connect_tcp('127.0.0.1', $p) end
	       print('never either')
	     end)
	     net.spawn(function() net.sleep(50) print('quitting') vlc.misc.quit() print('not after quit') end)
	     print(net.run())
	     print('not after net.run')"
	assert_success
	assert_output quitting
}

@test "inside a task, an error object that is no string is named by its type, and net.sleep checks its argument" {
	lua 'net.spawn(function()
	       net.sleep(-5)             -- a negative time: no time
	       print("slept")
	       error({})
	     end)
	     net.spawn(function() net.sleep(0/0) end)
	     print(net.run())'
	assert_success
	assert_line slept
	assert_line true
	assert_line "vlcnet-connect: task: (command line):6: bad argument #1 to 'sleep' (not a number)"
	assert_line "vlcnet-connect: task: (error object is a table value)"
}

@test "net.poll inside a task: nothing to wait for and no timeout is 0 at once; a NaN timeout is refused" {
	lua 'net.spawn(function()
	       local l = net.listen_tcp("127.0.0.1", 0)
	       local t = { [l:fds()] = 0 }
	       print(net.poll(t))
	       print(pcall(net.poll, t, 0/0))
	     end)
	     print(net.run())'
	assert_success
	assert_line -n 0 0
	assert_line -n 1 --partial "timeout is not a number"
	assert_line -n 2 true
}

@test "net.serve takes a burst of waiting connections in turns, and names a Unix peer by the socket's path" {
	sock="$BATS_TEST_TMPDIR/s.sock"
	lua "local l = net.listen_tcp('127.0.0.1', 0)
	     local cs, n = {}, 0
	     -- more than one turn's worth (64) wait before net.run
	     for i = 1, 100 do cs[i] = net.connect_tcp('127.0.0.1', l:port()) end
	     net.serve(l, function(fd) n = n + 1 net.close(fd) if n == 100 then l:close() end end)
	     print(net.run(), n)
	     local u = net.listen_unix('$sock')
	     net.serve(u, function(fd, peer) print(peer) net.close(fd) u:close() end)
	     net.spawn(function() net.connect_unix('$sock') end)
	     print(net.run())"
	assert_success
	assert_output "$(printf 'true\t100\n%s\ntrue' "$sock")"
}

@test "net.poll in a task woken for a client another task took first waits on, and wakes for the next" {
	# both wait for the listener; the acceptor, which waits last, is woken
	# first and takes the client: the poller finds nothing and waits again
	lua 'local l = net.listen_tcp("127.0.0.1", 0)
	     local log = {}
	     net.spawn(function()
	       local t = { [l:fds()] = net.POLLIN }
	       local n = net.poll(t)
	       log[#log + 1] = "poll " .. n .. " " .. t[l:fds()]
	       local fd = l:accept()
	       log[#log + 1] = "the poller accepted " .. tostring(fd >= 3)
	     end)
	     net.spawn(function()
	       local fd = l:accept()
	       log[#log + 1] = "the acceptor accepted " .. tostring(fd >= 3)
	     end)
	     net.spawn(function()
	       for i = 1, 2 do
	         net.sleep(20)
	         log[#log + 1] = "connect"
	         net.connect_tcp("127.0.0.1", l:port())
	       end
	     end)
	     print(net.run(), table.concat(log, ", "))'
	assert_success
	assert_output "true	connect, the acceptor accepted true, connect, poll 1 1, the poller accepted true"
}

@test "recvfrom and a server's net.tls waiting in tasks end with Bad file descriptor when another task closes their descriptor" {
	lua "local u = net.listen_udp('127.0.0.1', 0)
	     local l = net.listen_tcp('127.0.0.1', 0)
	     local mute = net.connect_tcp('127.0.0.1', l:port())   -- never speaks TLS
	     local s = l:accept()
	     net.spawn(function() print('recvfrom', net.recvfrom(u)) end)
	     net.spawn(function()
	       print('tls', net.tls(s, { cert = '$CERTS/server.pem', key = '$CERTS/server.key' }))
	     end)
	     net.spawn(function() net.sleep(20) net.close(u) net.close(s) end)
	     print(net.run())"
	assert_success
	assert_output "$(printf 'recvfrom\tnil\tBad file descriptor\ntls\t-1\tBad file descriptor\ntrue')"
}

# A SOCKS5 proxy as a task of the same process (no authentication; it
# answers each CONNECT after a pause, with reply code $1, then echoes what
# comes through the tunnel, prefixed).
socks5_task() {
	echo "local px = net.listen_tcp('127.0.0.1', 0)
	      local asked = {}
	      net.serve(px, function(fd)
	        assert(net.recv(fd, 3) == '\5\1\0')
	        net.sleep(30)
	        net.send(fd, '\5\0')
	        local req = net.recv(fd, 300)
	        asked[#asked + 1] = req:sub(6, 5 + req:byte(5)) .. ':' .. (req:byte(-2) * 256 + req:byte(-1))
	        net.sleep(30)
	        net.send(fd, '\5' .. string.char($1) .. '\0\1\0\0\0\0\0\0')
	        local data = net.recv(fd, 100)
	        if data then net.send(fd, 'tunnel: ' .. data) end
	        net.close(fd)
	      end)"
}

@test "connect_tcp through a SOCKS5 proxy inside a task suspends for the dialogue: the proxy, a task of the same process, answers it" {
	lua "$(socks5_task 0)
	     local ticks, done = 0, false
	     net.spawn(function()
	       while not done do ticks = ticks + 1; net.sleep(5) end
	     end)
	     net.spawn(function()
	       local fd, why = net.connect_tcp('a..b', 80, {proxy = 'socks5://127.0.0.1:' .. px:port(), timeout = 5000})
	       assert(fd >= 3, why)
	       net.send(fd, 'hi')
	       print(net.recv(fd, 100), asked[1], ticks > 1)
	       net.close(fd)
	       done = true
	       px:close()
	     end)
	     print(net.run())"
	assert_success
	assert_line -n 0 "tunnel: hi	a..b:80	true"
	assert_line -n 1 true
	assert_equal "${#lines[@]}" 2
}

@test "connect_tcp through an HTTP proxy inside a task: CONNECT and its 200 by suspending" {
	lua "local px = net.listen_tcp('127.0.0.1', 0)
	     net.serve(px, function(fd)
	       local head = ''
	       while not head:find('\r\n\r\n') do head = head .. net.recv(fd, 100) end
	       io.write(head)
	       net.sleep(30)
	       net.send(fd, 'HTTP/1.1 200 Connection established\r\n\r\n')
	       net.send(fd, 'tunnel: ' .. net.recv(fd, 100))
	       net.close(fd)
	     end)
	     net.spawn(function()
	       local fd, why = net.connect_tcp('a..b', 80, {proxy = 'http://u:p@127.0.0.1:' .. px:port()})
	       assert(fd >= 3, why)
	       net.send(fd, 'hi')
	       print(net.recv(fd, 100))
	       px:close()
	     end)
	     print(net.run())"
	assert_success
	assert_output "$(printf 'CONNECT a..b:80 HTTP/1.0\r\nHost: a..b:80\r\nProxy-Authorization: Basic dTpw\r\n\r\ntunnel: hi\ntrue')"
}

@test "connect_tcp through a proxy inside a task: a refusal, a proxy that never answers, and no proxy at all, each as -1 and why" {
	lua "$(socks5_task 5)
	     local mute = net.listen_tcp('127.0.0.1', 0)   -- accepts, never speaks
	     local gone = net.listen_tcp('127.0.0.1', 0)
	     local gone_port = gone:port()
	     gone:close()
	     net.spawn(function()
	       print(net.connect_tcp('a..b', 80, {proxy = 'socks5://127.0.0.1:' .. px:port()}))
	       print(net.connect_tcp('a..b', 80, {proxy = 'socks5://127.0.0.1:' .. mute:port(), timeout = 200}))
	       print(net.connect_tcp('a..b', 80, {proxy = 'http://127.0.0.1:' .. gone_port}))
	       px:close()
	     end)
	     print(net.run())"
	assert_success
	assert_line -n 0 "-1	SOCKS5 proxy refused: connection refused (5)"
	assert_line -n 1 "-1	SOCKS5 proxy handshake timed out"
	assert_line -n 2 --regexp "^-1	proxy 127\.0\.0\.1:[0-9]+: Connection refused$"
	assert_line -n 3 true
	assert_equal "${#lines[@]}" 4
}

@test "a proxy URL that is not one raises inside a task as outside, and the task's next connect is a plain one" {
	lua "local l = net.listen_tcp('127.0.0.1', 0)
	     net.serve(l, function(fd) net.send(fd, 'plain'); net.close(fd) end)
	     net.spawn(function()
	       print(pcall(function() return net.connect_tls('127.0.0.1', l:port(), {proxy = 'ftp://127.0.0.1:9'}) end))
	       local fd = net.connect_tcp('127.0.0.1', l:port())
	       print(net.recv(fd, 10))
	       l:close()
	     end)
	     print(net.run())"
	assert_success
	assert_line -n 0 --regexp "^false	.*invalid proxy URL: the proxy URL's scheme is not socks4, socks4a, socks5 or http$"
	assert_line -n 1 plain
	assert_line -n 2 true
}
