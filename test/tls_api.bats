#!/usr/bin/env bats
# The TLS functions of the Lua API: net.tls (STARTTLS), net.connect_tls, and
# send/recv/read/write/poll/close on TLS descriptors.

load helper

setup_file() {
	export CERTS="$BATS_FILE_TMPDIR/certs"
	mkdir -p "$CERTS"
	"$BATS_TEST_DIRNAME/tls_certs.sh" "$CERTS"
}

# tls_peer NAME MODE: a python3 TLS server (ssl module) on a free port, which
# it prints ("port N"); $port is set. MODE: starttls (a plain greeting, then
# TLS after "STARTTLS"), tls (TLS at once). Either way it sends "hello\n",
# then echoes one line as "echo LINE", then reads to the end and prints on
# stdout how the client ended: "close_notify" or "no close_notify".
tls_peer() {
	cat >"$BATS_TEST_TMPDIR/peer.py" <<-EOF
		import socket, ssl, sys
		ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
		ctx.load_cert_chain("$CERTS/server.pem", "$CERTS/server.key")
		s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
		print("port", s.getsockname()[1], flush=True)
		c, _ = s.accept()
		if sys.argv[1] == "starttls":
		    c.sendall(b"220 plain greeting\r\n")
		    line = b""
		    while not line.endswith(b"\r\n"):
		        line += c.recv(1)
		    if line != b"STARTTLS\r\n":
		        sys.exit("not STARTTLS: %r" % line)
		    c.sendall(b"220 go ahead\r\n")
		t = ctx.wrap_socket(c, server_side=True, suppress_ragged_eofs=False)
		t.sendall(b"hello\n")
		line = b""
		while not line.endswith(b"\n"):
		    b = t.recv(100)
		    if not b: break
		    line += b
		t.sendall(b"echo " + line)
		try:
		    while t.recv(100): pass
		    print("close_notify", flush=True)
		except ssl.SSLEOFError:
		    print("no close_notify", flush=True)
	EOF
	bg "$1" python3 "$BATS_TEST_TMPDIR/peer.py" "$2"
	port=$(port_of "$1")
}

# The chunk that reads one line from a non-blocking descriptor, as a script would.
READLINE='function readline(fd)
	local s = ""
	while not s:find("\n") do
		net.poll({ [fd] = net.POLLIN })
		local b = net.recv(fd, 1)
		if b then s = s .. b end
	end
	return (s:gsub("\r", ""))
end'

@test "net.tls upgrades a plain connection in place after a STARTTLS exchange" {
	tls_peer srv starttls
	lua "$READLINE" "
		local fd = net.connect_tcp('127.0.0.1', $port)
		io.write(readline(fd))
		net.send(fd, 'STARTTLS\r\n')
		io.write(readline(fd))
		print(net.tls(fd, { servername = 'localhost', ca = '$CERTS/ca.pem' }) == fd)
		io.write(readline(fd))
		net.send(fd, 'over TLS\n')
		io.write(readline(fd))
		net.close(fd)"
	assert_success
	assert_output "220 plain greeting
220 go ahead
true
hello
echo over TLS"
	wait_for "$BATS_TEST_TMPDIR/srv.out" '^close_notify$'
	wait_bg
}

@test "net.connect_tls connects, verifies and reads and writes through TLS with net.read and net.write too" {
	tls_peer srv tls
	lua "$READLINE" "
		local fd = assert(net.connect_tls('localhost', $port, { ca = '$CERTS/ca.pem' }))
		io.write(readline(fd))
		print(net.write(fd, 'by write\n'))
		local s = ''
		while not s:find('\n') do
			net.poll({ [fd] = net.POLLIN })
			s = s .. (net.read(fd, 100) or '')
		end
		io.write(s)
		net.close(fd)"
	assert_success
	assert_output "hello
9
echo by write"
	wait_for "$BATS_TEST_TMPDIR/srv.out" '^close_notify$'
	wait_bg
}

@test "net.connect_tls refuses a server it cannot verify, with -1 and the reason" {
	tls_peer srv tls
	lua "print(net.connect_tls('localhost', $port))"
	assert_success
	assert_output --regexp '^-1	certificate verification failed: '
	tls_peer srv2 tls
	lua "print(net.connect_tls('localhost', $port, { ca = '$CERTS/ca.pem', servername = 'other.example' }))"
	assert_success
	assert_output "-1	name \`other.example' not present in server certificate"
	tls_peer srv3 tls
	lua "local fd = net.connect_tls('localhost', $port, { insecure = true }); print(fd >= 3)"
	assert_success
	assert_output "true"
}

@test "net.poll reports POLLIN while TLS holds decrypted bytes that the kernel no longer sees" {
	tls_peer srv tls
	lua "
		local fd = assert(net.connect_tls('localhost', $port, { ca = '$CERTS/ca.pem' }))
		local t = { [fd] = net.POLLIN }
		net.poll(t)
		local s = net.recv(fd, 1)
		while not s do net.poll(t); s = net.recv(fd, 1) end
		t = { [fd] = net.POLLIN }
		print(s, net.poll(t, 5000), t[fd] == net.POLLIN, net.recv(fd, 5))
		net.close(fd)"
	assert_success
	assert_output "h	1	true	ello"
}

@test "net.tls with cert and key is the server side: a script serves openssl s_client" {
	cat >"$BATS_TEST_TMPDIR/srv.lua" <<-EOF
		local l = net.listen_tcp("127.0.0.1", 0)
		print("port " .. l:port())
		io.stdout:flush()
		local fd = l:accept()
		print(net.tls(fd, { cert = "$CERTS/server.pem", key = "$CERTS/server.key" }) == fd)
		local s = ""
		while not s:find("\n") do
			net.poll({ [fd] = net.POLLIN })
			s = s .. (net.recv(fd, 100) or "")
		end
		net.send(fd, "server script got " .. s)
		net.close(fd)
	EOF
	bg srv vlcnet-connect --script "$BATS_TEST_TMPDIR/srv.lua"
	port=$(port_of srv)
	# s_client's input stays open: it ends when the server closes
	printf 'ping\n' >"$BATS_TEST_TMPDIR/ping"
	held_input "$BATS_TEST_TMPDIR/held" "$BATS_TEST_TMPDIR/ping"
	run timeout 10 bash -c "openssl s_client -quiet -verify_return_error \
		-CAfile '$CERTS/ca.pem' -connect 127.0.0.1:$port <'$BATS_TEST_TMPDIR/held' 2>/dev/null"
	assert_success
	assert_output "server script got ping"
	wait_bg
	run cat "$BATS_TEST_TMPDIR/srv.out"
	assert_line -n 1 "true"
}

@test "net.tls and net.connect_tls reject bad input without crashing" {
	lua "print(net.tls(99))" "print(net.tls(1))" \
		"try(function() return net.tls(0, 'no') end)" \
		"try(function() return net.tls(3, { ca = 5 }) end)" \
		"print(net.connect_tls('127.0.0.1', 70000))" \
		"try(function() return net.connect_tls('127.0.0.1', 1, { cert = {} }) end)" \
		"print(net.connect_tls('127.0.0.1', $(closed_port)))"
	assert_success
	assert_line -n 0 "-1	Bad file descriptor"
	assert_line -n 1 "-1	Bad file descriptor"
	assert_line -n 2 --regexp "^false	.*bad argument #2 to '.*' \\(table expected, got string\\)$"
	assert_line -n 3 --regexp "^false	.*'ca' must be a string"
	assert_line -n 4 "-1	invalid port"
	assert_line -n 5 --regexp "^false	.*'cert' must be a string"
	assert_line -n 6 "-1	Connection refused"
}

@test "net.tls on a descriptor that already speaks TLS says so, and a failed upgrade leaves it refusing data" {
	tls_peer srv tls
	lua "
		local fd = assert(net.connect_tls('localhost', $port, { ca = '$CERTS/ca.pem' }))
		print(net.tls(fd, { ca = '$CERTS/ca.pem', servername = 'localhost' }))
		print(net.tls(fd, { ca = '$CERTS/nothing.pem' }))"
	assert_success
	assert_line -n 0 "-1	already speaks TLS"
	assert_line -n 1 "-1	already speaks TLS"
	lua "
		local l = net.listen_tcp('127.0.0.1', 0)
		local c = net.connect_tcp('127.0.0.1', l:port())
		print(net.tls(c, { ca = '$CERTS/nothing.pem' }))
		print(net.send(c, 'not in clear'))"
	assert_success
	assert_line -n 0 --regexp "^-1	failed to open CA file '.*nothing.pem': No such file or directory$"
	assert_line -n 1 "-1"
}
