#!/usr/bin/env bats
# The Lua API's Unix and UDP sockets (SPEC §2, *ext* rows listen_unix,
# connect_unix, listen_udp, connect_udp, sendto, recvfrom): success and failure
# over real sockets, on loopback or in the test's temp dir, against python3, nc
# and socat as peers. Scripts run in vlcnet-connect, which without HOST PORT
# only runs the script.

load helper

# The sockets the API returns are non-blocking (as in VLC): w(fd) waits until
# fd is readable and returns it, for net.recv(w(fd), ...).
W='function w(fd) net.poll({ [fd] = net.POLLIN }, 10000) return fd end'

# wlua CODE...: helper.bash's lua (the chunks in one state, with try) with
# w() defined too.
wlua() {
	lua "$W" "$@"
}

setup() {
	D=$BATS_TEST_TMPDIR
	S=$D/s.sock
}

# udp_peer NAME: a python3 UDP peer on 127.0.0.1 that says "port N", prints
# the size of each of the first three datagrams it receives, then sends three
# datagrams of 1, 1,000 and 60,000 bytes back to the sender of the first.
udp_peer() {
	bg "$1" python3 -u -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print("port", s.getsockname()[1])
peer = None
for i in range(3):
    d, a = s.recvfrom(70000)
    peer = peer or a
    print("got", len(d))
for n in (1, 1000, 60000):
    s.sendto(b"y" * n, peer)
'
}

# --- listen_unix, connect_unix ---------------------------------------------

@test "listen_unix gives a listener whose accept takes connect_unix's connection" {
	wlua "local l = net.listen_unix('$S')
	     print(l:port(), #{ l:fds() }, net.stat('$S').type)
	     local c = net.connect_unix('$S')
	     local s = l:accept()
	     print(net.send(c, 'ping'), net.recv(w(s), 100))
	     print(net.send(s, 'pong'), net.recv(w(c), 100))"
	assert_success
	assert_line -n 0 "0	1	socket"
	assert_line -n 1 "4	ping"
	assert_line -n 2 "4	pong"
}

@test "the socket file goes when the listener is closed or collected" {
	wlua "local l = net.listen_unix('$D/a.sock')
	     l:close()
	     print(net.stat('$D/a.sock') == nil)
	     net.listen_unix('$D/b.sock')
	     print(net.stat('$D/b.sock').type)
	     collectgarbage() collectgarbage()
	     print(net.stat('$D/b.sock') == nil)"
	assert_success
	assert_output $'true\nsocket\ntrue'
}

@test "the socket file goes when the tool exits, after an error or a SIGTERM" {
	wlua "L = net.listen_unix('$D/a.sock')"
	assert_success
	[ ! -e "$D/a.sock" ]
	wlua "L = net.listen_unix('$D/b.sock') error('boom')"
	assert_failure 1
	[ ! -e "$D/b.sock" ]
	bg waiter "${no_grace[@]}" vlcnet-connect -e "local l = net.listen_unix('$D/c.sock') l:accept()"
	local pid=$!
	for ((i = 0; i < 200; i++)); do [ -S "$D/c.sock" ] && break; sleep 0.05; done
	[ -S "$D/c.sock" ]
	kill -TERM "$pid"
	st=0
	wait_status "$pid" || st=$?
	assert_equal "$st" 143
	[ ! -e "$D/c.sock" ]
}

@test "closing the listener leaves a file that replaced its socket file alone" {
	bg holder vlcnet-connect -e "local l = net.listen_unix('$S')
	     while not net.stat('$D/swapped') do net.poll({}, 20) end
	     l:close()
	     net.write(1, 'closed\n')"
	for ((i = 0; i < 200; i++)); do [ -S "$S" ] && break; sleep 0.05; done
	rm "$S" && echo keep >"$S" && touch "$D/swapped"
	wait_for "$BATS_TEST_TMPDIR/holder.out" '^closed$'
	run cat "$S"
	assert_output keep
}

@test "a stale socket file is replaced" {
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.close()' "$S"
	[ -S "$S" ]
	wlua "local l = net.listen_unix('$S')
	     local c = net.connect_unix('$S')
	     print(c >= 3, l:accept() >= 3)"
	assert_success
	assert_output "true	true"
}

@test "a socket file with a live listener is Address already in use" {
	wlua "local l = net.listen_unix('$S')
	     try(function() net.listen_unix('$S') end)
	     print(net.connect_unix('$S') >= 3)"
	assert_success
	assert_line -n 0 --regexp "^false	(.*: )?Cannot listen on $S: Address already in use$"
	assert_line -n 1 "true"
}

@test "a regular file, a directory or a symlink at PATH is left alone with an error" {
	echo precious >"$D/file"
	mkdir "$D/dir"
	ln -s "$D/file" "$D/link"
	wlua "try(function() net.listen_unix('$D/file') end)
	     try(function() net.listen_unix('$D/dir') end)
	     try(function() net.listen_unix('$D/link') end)"
	assert_success
	assert_line -n 0 --regexp "^false	(.*: )?Cannot listen on $D/file: File exists and is not a socket$"
	assert_line -n 1 --regexp "^false	(.*: )?Cannot listen on $D/dir: File exists and is not a socket$"
	assert_line -n 2 --regexp "^false	(.*: )?Cannot listen on $D/link: File exists and is not a socket$"
	run cat "$D/file"
	assert_output precious
	[ -d "$D/dir" ] && [ -L "$D/link" ]
}

@test "a path longer than sun_path is an error, never truncated" {
	local p107 p108
	p107=$D/$(printf 'a%.0s' $(seq $((107 - ${#D} - 1))))
	p108=${p107}b
	[ ${#p107} -eq 107 ] && [ ${#p108} -eq 108 ]
	wlua "local l = net.listen_unix('$p107') print(net.connect_unix('$p107') >= 3)
	     try(function() net.listen_unix('$p108') end)
	     print(net.connect_unix('$p108'))
	     try(function() net.listen_unix('@' .. ('x'):rep(108)) end)"
	assert_success
	assert_line -n 0 "true"
	assert_line -n 1 --regexp "^false	(.*: )?Cannot listen on $p108: path too long for a Unix socket \\(at most 107 bytes\\)$"
	assert_line -n 2 "-1	path too long for a Unix socket (at most 107 bytes)"
	assert_line -n 3 --partial ": path too long for a Unix socket"
	run ls "$D"
	refute_output --partial "b"
}

@test "a missing directory or a missing socket is a failure with the reason" {
	wlua "try(function() net.listen_unix('$D/no/such/dir.sock') end)
	     print(net.connect_unix('$D/no/such/dir.sock'))
	     print(net.connect_unix('$S'))
	     try(function() net.listen_unix('') end)
	     print(net.connect_unix(''))"
	assert_success
	assert_line -n 0 --regexp "^false	(.*: )?Cannot listen on $D/no/such/dir.sock: No such file or directory$"
	assert_line -n 1 "-1	No such file or directory"
	assert_line -n 2 "-1	No such file or directory"
	assert_line -n 3 --regexp "^false	(.*: )?Cannot listen on : empty path$"
	assert_line -n 4 "-1	empty path"
}

@test "listen_unix and connect_unix report permission denied" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to run as nobody"
	# The test's dir is root's: nobody may search it (as_nobody), not write.
	bg owner vlcnet-connect -e "local l = net.listen_unix('$S')
	     net.poll({}, 30000)"
	for ((i = 0; i < 200; i++)); do [ -S "$S" ] && break; sleep 0.05; done
	chmod 700 "$S"   # connect needs write permission on the socket file
	run as_nobody timeout 20 vlcnet-connect -e "print(pcall(net.listen_unix, '$D/x.sock'))
		print(net.connect_unix('$S'))"
	assert_success
	assert_line -n 0 --regexp "^false	(.*: )?Cannot listen on $D/x.sock: Permission denied$"
	assert_line -n 1 "-1	Permission denied"
	[ ! -e "$D/x.sock" ]
}

@test "abstract sockets: @name listens and connects without a file" {
	local name="vlcnet-test-$$-$BATS_TEST_NUMBER"
	wlua "local l = net.listen_unix('@$name')
	     local c = net.connect_unix('@$name')
	     local s = l:accept()
	     net.send(c, 'abstract')
	     print(net.recv(w(s), 100))
	     try(function() net.listen_unix('@$name') end)
	     l:close()
	     print(net.connect_unix('@$name'))"
	assert_success
	assert_line -n 0 "abstract"
	assert_line -n 1 --regexp "^false	(.*: )?Cannot listen on @$name: Address already in use$"
	assert_line -n 2 "-1	Connection refused"
	run ls "$D"
	refute_output --partial "$name"
}

@test "listen_unix serves nc -U and socat UNIX-CONNECT" {
	bg server vlcnet-connect -e "$W" -e "local l = net.listen_unix('$S')
	     for i = 1, 2 do
	       local s = l:accept()
	       local got = ''
	       while true do local d = net.recv(w(s), 1000) if not d then break end got = got .. d end
	       net.send(s, 'got ' .. got)
	       net.close(s)
	     end"
	for ((i = 0; i < 200; i++)); do [ -S "$S" ] && break; sleep 0.05; done
	run timeout 10 sh -c "printf 'from nc' | nc -N -U '$S'"
	assert_success
	assert_output "got from nc"
	run timeout 10 sh -c "printf 'from socat' | socat - 'UNIX-CONNECT:$S'"
	assert_success
	assert_output "got from socat"
}

@test "connect_unix reaches socat UNIX-LISTEN" {
	bg peer socat "UNIX-LISTEN:$S" SYSTEM:'read l; echo "socat heard $l"'
	for ((i = 0; i < 200; i++)); do [ -S "$S" ] && break; sleep 0.05; done
	wlua "local c = net.connect_unix('$S')
	     net.send(c, 'hello\n')
	     local got = ''
	     while true do local d = net.recv(w(c), 100) if not d then break end got = got .. d end
	     print(got)"
	assert_success
	assert_output "socat heard hello"
}

@test "abstract listen_unix interoperates with socat ABSTRACT-CONNECT" {
	local name="vlcnet-abs-$$-$BATS_TEST_NUMBER"
	bg server vlcnet-connect -e "$W" -e "local l = net.listen_unix('@$name')
	     net.write(1, 'ready\n')
	     local s = l:accept()
	     net.send(s, 'hi ' .. net.recv(w(s), 100))"
	wait_for "$BATS_TEST_TMPDIR/server.out" '^ready$'
	run timeout 10 sh -c "printf x | socat - 'ABSTRACT-CONNECT:$name'"
	assert_success
	assert_output "hi x"
}

@test "the Unix functions take only the argument types they expect" {
	wlua 'try(function() net.listen_unix() end)
	     try(function() net.listen_unix({}) end)
	     try(function() net.connect_unix(nil) end)
	     try(function() net.connect_unix(true) end)
	     try(function() net.listen_unix("a\0b") end)
	     try(function() net.connect_unix("@a\0b") end)'
	assert_success
	assert_line -n 0 --partial "bad argument #1 to 'listen_unix' (string expected, got no value)"
	assert_line -n 1 --partial "bad argument #1 to 'listen_unix' (string expected, got table)"
	assert_line -n 2 --partial "bad argument #1 to 'connect_unix' (string expected, got nil)"
	assert_line -n 3 --partial "bad argument #1 to 'connect_unix' (string expected, got boolean)"
	assert_line -n 4 --partial "bad argument #1 to 'listen_unix' (path contains a NUL byte)"
	assert_line -n 5 --partial "bad argument #1 to 'connect_unix' (path contains a NUL byte)"
}

@test "poll reports a Unix connection readable once data arrives" {
	wlua "local l = net.listen_unix('$S')
	     local c = net.connect_unix('$S')
	     local s = l:accept()
	     local t = { [s] = net.POLLIN }
	     print(net.poll(t, 0), t[s])
	     net.send(c, 'x')
	     t[s] = net.POLLIN
	     print(net.poll(t, 5000), t[s] == net.POLLIN)
	     local lt = { [({ l:fds() })[1]] = net.POLLIN }
	     net.connect_unix('$S')
	     print(net.poll(lt, 5000))"
	assert_success
	assert_line -n 0 "0	0"
	assert_line -n 1 "1	true"
	assert_line -n 2 "1"
}

# --- listen_udp, connect_udp, sendto, recvfrom -----------------------------

@test "sendto and recvfrom move 1, 1000 and 60000 byte datagrams to and from python3" {
	udp_peer peer
	local port
	port=$(port_of peer)
	wlua "local u = net.listen_udp('127.0.0.1', 0)
	     for _, n in ipairs({ 1, 1000, 60000 }) do
	       print('sent', net.sendto(u, ('x'):rep(n), '127.0.0.1', $port))
	     end
	     for i = 1, 3 do
	       local d, host, port = net.recvfrom(w(u))
	       print('got', #d, host, port == $port)
	     end"
	assert_success
	assert_output "$(printf 'sent\t%s\n' 1 1000 60000; printf 'got\t%s\t127.0.0.1\ttrue\n' 1 1000 60000)"
	wait_for "$BATS_TEST_TMPDIR/peer.out" '^got 60000$'
	run cat "$BATS_TEST_TMPDIR/peer.out"
	assert_output "$(printf 'port %s\ngot 1\ngot 1000\ngot 60000' "$port")"
}

@test "connect_udp's send and recv move whole datagrams both ways" {
	udp_peer peer
	local port
	port=$(port_of peer)
	wlua "local c = net.connect_udp('127.0.0.1', $port)
	     for _, n in ipairs({ 1, 1000, 60000 }) do print('sent', net.send(c, ('x'):rep(n))) end
	     for i = 1, 3 do print('got', #net.recv(w(c), 65536)) end"
	assert_success
	assert_output "$(printf 'sent\t%s\n' 1 1000 60000; printf 'got\t%s\n' 1 1000 60000)"
	run cat "$BATS_TEST_TMPDIR/peer.out"
	assert_output "$(printf 'port %s\ngot 1\ngot 1000\ngot 60000' "$port")"
}

@test "recvfrom and recv truncate a datagram longer than maxlen and drop its rest" {
	udp_peer peer
	local port
	port=$(port_of peer)
	wlua "local u = net.listen_udp('127.0.0.1', 0)
	     for i = 1, 3 do net.sendto(u, 'x', '127.0.0.1', $port) end
	     print(#net.recvfrom(w(u), 1), #net.recvfrom(w(u), 10), #net.recv(w(u), 100))
	     local t = { [u] = net.POLLIN }
	     print(net.poll(t, 200))"
	assert_success
	assert_output $'1\t10\t100\n0'
}

@test "a huge maxlen takes a whole datagram without a huge allocation" {
	udp_peer peer
	local port
	port=$(port_of peer)
	wlua "local u = net.listen_udp('127.0.0.1', 0)
	     for i = 1, 3 do net.sendto(u, 'x', '127.0.0.1', $port) end
	     print(#net.recvfrom(w(u), 1e300), #net.recvfrom(w(u), 2^53), #net.recvfrom(w(u), math.huge))"
	assert_success
	assert_output $'1\t1000\t60000'
}

@test "a dual-stack listen_udp on * takes datagrams from IPv4 and IPv6 and names them plainly" {
	python3 -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))' 2>/dev/null ||
		skip "no IPv6 loopback"
	bg peer python3 -u -c '
import socket, sys
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s4.bind(("127.0.0.1", 0))
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s6.bind(("::1", 0))
print("port", s4.getsockname()[1]); print("port6", s6.getsockname()[1])
for s in (s4, s6):
    d, a = s.recvfrom(100)
    s.sendto(b"back", a)
'
	local p4 p6
	p4=$(port_of peer)
	wait_for "$BATS_TEST_TMPDIR/peer.out" '^port6 '
	p6=$(sed -n 's/^port6 //p' "$BATS_TEST_TMPDIR/peer.out")
	wlua "local u = net.listen_udp('*', 0)
	     print(net.sendto(u, 'a', '127.0.0.1', $p4))
	     print(net.recvfrom(w(u)))
	     print(net.sendto(u, 'b', '::1', $p6))
	     print(net.recvfrom(w(u)))"
	assert_success
	assert_output "$(printf '1\nback\t127.0.0.1\t%s\n1\nback\t::1\t%s' "$p4" "$p6")"
}

@test "poll reports a UDP socket readable once a datagram arrives" {
	udp_peer peer
	local port
	port=$(port_of peer)
	wlua "local u = net.listen_udp('127.0.0.1', 0)
	     local t = { [u] = net.POLLIN }
	     print(net.poll(t, 0), t[u])
	     for i = 1, 3 do net.sendto(u, 'x', '127.0.0.1', $port) end
	     t[u] = net.POLLIN
	     print(net.poll(t, 5000), t[u] == net.POLLIN)"
	assert_success
	assert_output $'0\t0\n1\ttrue'
}

@test "listen_udp and connect_udp fail with -1 and the reason" {
	wlua "local u = net.listen_udp('127.0.0.1', 0)
	     print(net.listen_udp('127.0.0.1', 70000))
	     print(net.listen_udp('a..b', 0))
	     print(net.connect_udp('a..b', 9))
	     print(net.connect_udp('127.0.0.1', -1))
	     print(net.connect_udp('', 9))
	     print(net.listen_udp('192.0.2.1', 0))"
	assert_success
	assert_line -n 0 "-1	invalid port"
	assert_line -n 1 "-1	unknown host"
	assert_line -n 2 "-1	unknown host"
	assert_line -n 3 "-1	invalid port"
	assert_line -n 4 "-1	no host given"
	assert_line -n 5 "-1	Cannot assign requested address"
}

@test "listen_udp on a port in use is -1 Address already in use" {
	bg peer python3 "$TOP/test/client.py" hold --udp 127.0.0.1
	local port
	port=$(port_of peer)
	wlua "print(net.listen_udp('127.0.0.1', $port))"
	assert_success
	assert_output "-1	Address already in use"
}

@test "sendto to an unresolvable host, a bad port or a closed descriptor fails with the reason" {
	wlua "local u = net.listen_udp('127.0.0.1', 0)
	     print(net.sendto(u, 'x', 'a..b', 9))
	     print(net.sendto(u, 'x', ('a'):rep(300), 9))
	     print(net.sendto(u, 'x', '127.0.0.1', 65536))
	     print(net.sendto(u, 'x', '::1', 9))
	     print(net.sendto(u, ('x'):rep(70000), '127.0.0.1', 9))
	     net.close(u)
	     print(net.sendto(u, 'x', '127.0.0.1', 9))
	     print(net.recvfrom(u))
	     print(net.sendto(42, 'x', '127.0.0.1', 9), net.recvfrom(1e9))"
	assert_success
	assert_line -n 0 "-1	unknown host"
	assert_line -n 1 --regexp '^-1	.+'
	assert_line -n 2 "-1	invalid port"
	assert_line -n 3 "-1	no IPv4 address for host"
	assert_line -n 4 "-1	Message too long"
	assert_line -n 5 "-1	Bad file descriptor"
	assert_line -n 6 "nil	Bad file descriptor"
	assert_line -n 7 "-1	nil	Bad file descriptor"
}

@test "the new sockets are non-blocking: recvfrom and recv return at once when nothing is there" {
	wlua "local u = net.listen_udp('127.0.0.1', 0)
	     local c = net.connect_udp('127.0.0.1', 9)
	     local l = net.listen_unix('$S')
	     local x = net.connect_unix('$S')
	     local s = l:accept()
	     print(net.recvfrom(u))
	     print(net.recv(c, 10), net.recv(x, 10), net.recv(s, 10))"
	assert_success
	assert_line -n 0 "nil	Resource temporarily unavailable"
	assert_line -n 1 "nil	nil	nil"
}

@test "recvfrom on a Unix stream socket names no sender, and sendto on it fails" {
	wlua "local l = net.listen_unix('$S')
	     local c = net.connect_unix('$S')
	     local s = l:accept()
	     net.send(c, 'x')
	     print(net.recvfrom(w(s)))
	     print(net.sendto(s, 'x', '127.0.0.1', 9))"
	assert_success
	assert_line -n 0 "x		0"
	assert_line -n 1 --regexp '^-1	.+'
}

@test "the UDP functions take only the argument types they expect" {
	wlua 'local u = net.listen_udp("127.0.0.1", 0)
	     try(function() net.listen_udp() end)
	     try(function() net.listen_udp("127.0.0.1", "x") end)
	     try(function() net.connect_udp({}, 1) end)
	     try(function() net.sendto(u, nil, "127.0.0.1", 9) end)
	     try(function() net.sendto(u, "x", nil, 9) end)
	     try(function() net.sendto(u, "x", "127.0.0.1") end)
	     try(function() net.sendto("u", "x", "127.0.0.1", 9) end)
	     try(function() net.recvfrom() end)
	     try(function() net.recvfrom(u, "many") end)
	     try(function() net.recvfrom(u, 0) end)'
	assert_success
	assert_line -n 0 --partial "bad argument #1 to 'listen_udp' (string expected, got no value)"
	assert_line -n 1 --partial "bad argument #2 to 'listen_udp' (number expected, got string)"
	assert_line -n 2 --partial "bad argument #1 to 'connect_udp' (string expected, got table)"
	assert_line -n 3 --partial "bad argument #2 to 'sendto' (string expected, got nil)"
	assert_line -n 4 --partial "bad argument #3 to 'sendto' (string expected, got nil)"
	assert_line -n 5 --partial "bad argument #4 to 'sendto' (number expected, got no value)"
	assert_line -n 6 --partial "bad argument #1 to 'sendto' (number expected, got string)"
	assert_line -n 7 --partial "bad argument #1 to 'recvfrom' (number expected, got no value)"
	assert_line -n 8 --partial "bad argument #2 to 'recvfrom' (number expected, got string)"
	assert_line -n 9 --partial "bad argument #2 to 'recvfrom' (length must be positive)"
}

@test "UDP and Unix descriptors close with the state" {
	wlua "local function count() return #net.opendir('/proc/self/fd') end
	     local before = count()
	     local l = net.listen_unix('$S')
	     local c = net.connect_unix('$S')
	     local s = l:accept()
	     local u = net.listen_udp('127.0.0.1', 0)
	     local v = net.connect_udp('127.0.0.1', 9)
	     print(count() - before)
	     l:close() net.close(c) net.close(s) net.close(u) net.close(v)
	     print(count() - before, net.stat('$S') == nil)"
	assert_success
	assert_output $'5\n0\ttrue'
}

@test "net.port tells the port of listen_udp(host, 0) and of TCP descriptors, 0 for Unix, -1 when closed" {
	wlua "local u = net.listen_udp('127.0.0.1', 0)
	     local p = net.port(u)
	     local s = net.listen_udp('127.0.0.1', 0)
	     print(p > 0, net.sendto(s, 'to p', '127.0.0.1', p))
	     local d, host, port = net.recvfrom(w(u))
	     print(d, host, port == net.port(s))
	     local l = net.listen_tcp('127.0.0.1', 0)
	     local c = net.connect_tcp('127.0.0.1', l:port())
	     print(net.port(l:fds()) == l:port(), net.port(c) > 0)
	     local ul = net.listen_unix('$S')
	     print(net.port(net.connect_unix('$S')))
	     net.close(u)
	     print(net.port(u))"
	assert_success
	assert_output "$(printf 'true\t4\nto p\t127.0.0.1\ttrue\ntrue\ttrue\n0\n-1\tBad file descriptor')"
}

@test "sendto answers a Unix datagram peer at the host recvfrom gave: its path or @name" {
	local srv=$D/srv.sock
	bg srv vlcnet-listen -U -u "$srv" -e "
	     for i = 1, 2 do
	       net.poll({ [fd] = net.POLLIN }, 10000)
	       local d, host, port = net.recvfrom(fd)
	       print(host, port, net.sendto(fd, 'back ' .. d, host, port))
	     end"
	local i=0
	while [ ! -S "$srv" ] && ((i++ < 200)); do sleep 0.05; done   # wait for the socket
	run timeout 20 python3 -c '
import socket, sys
srv, path, name = sys.argv[1], sys.argv[2], sys.argv[3]
for addr in (path, "\0" + name):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(addr)
    s.settimeout(10)
    s.sendto(b"hi", srv)
    print(s.recv(100).decode())
' "$srv" "$D/cli.sock" "vlcnet-test-$$-$BATS_TEST_NUMBER"
	assert_success
	assert_output $'back hi\nback hi'
	wait_bg
	assert_equal "$(cat "$BATS_TEST_TMPDIR/srv.out")" \
		"$(printf '%s\t0\t7\n@%s\t0\t7' "$D/cli.sock" "vlcnet-test-$$-$BATS_TEST_NUMBER")"
}
