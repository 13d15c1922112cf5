#!/usr/bin/env bats
# The connection (core/conn.c) and the one relay (core/relay.c): a program per
# connection over TLS, the outcome of a peer that leaves, TLS descriptors in
# scripts (what POLLIN means, a failed upgrade), and how the tools end.

load helper

setup_file() {
	export CERTS="$BATS_FILE_TMPDIR/certs"
	mkdir -p "$CERTS"
	"$BATS_TEST_DIRNAME/tls_certs.sh" "$CERTS"
	head -c 1000000 /dev/urandom >"$BATS_FILE_TMPDIR/1mb"
	export MB="$BATS_FILE_TMPDIR/1mb"
	MB_SUM=$(sha256sum <"$MB")
	export MB_SUM
}

tls_listen() {
	vlcnet_listen -v --tls --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key" "$@" ||
		return 1
	port=$VLCNET_PORT
}

# tls_client OUT: vlcnet-connect --tls to $port with stdin as it is, its
# output's sha256 in OUT.
tls_client() {
	timeout 20 vlcnet-connect --tls --tls-ca "$CERTS/ca.pem" localhost "$port" | sha256sum >"$1"
}

@test "listen --tls --exec cat echoes 1 MB each way intact" {
	tls_listen --exec cat
	run timeout 20 bash -c "vlcnet-connect --tls --tls-ca '$CERTS/ca.pem' localhost $port <'$MB' | sha256sum"
	assert_success
	assert_output "$MB_SUM"
	vlcnet_wait 0
}

@test "listen -k --tls -c 'tr a-z A-Z' answers two clients of 1 MB each in turn" {
	tls_listen -k -c 'tr a-z A-Z'
	local want
	want=$(tr a-z A-Z <"$MB" | sha256sum)
	for i in 1 2; do
		run timeout 20 bash -c "vlcnet-connect --tls --tls-ca '$CERTS/ca.pem' localhost $port <'$MB' | sha256sum"
		assert_success
		assert_output "$want"
	done
}

@test "listen --fork --tls --script echoes 1 MB each way intact" {
	cat >"$BATS_TEST_TMPDIR/echo.lua" <<-'EOF'
		while true do
			net.poll({ [fd] = net.POLLIN })
			local s = net.recv(fd, 65536)
			if not s then break end
			while #s > 0 do
				net.poll({ [fd] = net.POLLOUT })
				local n = net.send(fd, s)
				if n < 0 then os.exit(1) end
				s = s:sub(n + 1)
			end
		end
	EOF
	tls_listen --fork --script "$BATS_TEST_TMPDIR/echo.lua"
	run timeout 20 bash -c "vlcnet-connect --tls --tls-ca '$CERTS/ca.pem' localhost $port <'$MB' | sha256sum"
	assert_success
	assert_output "$MB_SUM"
}

@test "connect --tls --exec cat echoes 1 MB from a TLS server back to it" {
	VLCNET_REPLY_FILE=$MB tls_listen
	run timeout 20 vlcnet-connect --tls --tls-ca "$CERTS/ca.pem" --exec cat localhost "$port"
	assert_success
	vlcnet_wait 0
	run sha256sum <"$VLCNET_STDOUT"
	assert_success
	assert_output "$MB_SUM"
}

@test "connect --tls names a server that leaves while it still sends as plain TCP would, never 'write failed: Success'" {
	tls_listen --sh-exec 'head -n 1 >/dev/null; echo bye'
	run timeout 20 bash -c "yes | vlcnet-connect --tls --tls-ca '$CERTS/ca.pem' localhost $port"
	assert_line -n 0 "bye"
	refute_output --partial "Success"
	# the server's close_notify came first: its end; else a reset, named so
	if [ "$status" != 0 ]; then
		assert_failure 1
		assert_line -n 1 "vlcnet-connect: localhost:$port: Connection reset by peer"
	fi
}

@test "connect -v says whom it connected to, then what TLS negotiated" {
	tls_listen
	run timeout 10 vlcnet-connect -v --tls --tls-ca "$CERTS/ca.pem" localhost "$port" </dev/null
	assert_success
	assert_line --index 0 "vlcnet-connect: connected to localhost:$port"
	assert_line --index 1 --regexp '^vlcnet-connect: TLS: TLSv1'
}

@test "a TLS descriptor's POLLIN means data or the end: session tickets are consumed inside net.poll" {
	cat >"$BATS_TEST_TMPDIR/srv.py" <<-EOF
		import socket, ssl, sys
		ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
		ctx.load_cert_chain("$CERTS/server.pem", "$CERTS/server.key")
		ctx.minimum_version = ssl.TLSVersion.TLSv1_3
		s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
		print("port", s.getsockname()[1], flush=True)
		c, _ = s.accept()
		t = ctx.wrap_socket(c, server_side=True)
		t.recv(10)
		t.sendall(b"secret\n")
		t.recv(10)
	EOF
	bg srv python3 "$BATS_TEST_TMPDIR/srv.py"
	port=$(port_of srv)
	run timeout 20 vlcnet-connect -e "
		local fd = net.connect_tls('localhost', $port, { ca = '$CERTS/ca.pem' })
		assert(fd >= 0)
		print('before', net.poll({ [fd] = net.POLLIN }, 1000))
		net.send(fd, 'go')
		print('after', net.poll({ [fd] = net.POLLIN }, 10000))
		print(net.recv(fd, 100))
		net.close(fd)"
	assert_success
	assert_output "before	0
after	1
secret"
}

@test "after a failed net.tls the descriptor refuses send and recv: nothing goes out in clear" {
	VLCNET_REPLY='hello' vlcnet_listen -v
	port=$VLCNET_PORT
	run timeout 10 vlcnet-connect -e "
		local fd = net.connect_tcp('127.0.0.1', $port)
		local r, why = net.tls(fd, { servername = 'localhost', ca = '$CERTS/ca.pem', timeout = 2000 })
		print(r)
		print(net.send(fd, 'PASSWORD=hunter2'))
		print(net.recv(fd, 100))"
	assert_success
	assert_output "-1
-1
nil"
	vlcnet_wait 0
	refute grep -q PASSWORD "$VLCNET_STDOUT"
}

@test "listen -w ends a program's connection after SECS idle with status 0, as OPTIONS says" {
	vlcnet_listen -w 1 --sh-exec 'exec sleep 30'
	run timeout 20 vlcnet-connect 127.0.0.1 "$VLCNET_PORT" </dev/null
	assert_success
	vlcnet_wait 0
}

@test "bats-vlcnet: vlcnet_stop ends the process of each connection too" {
	vlcnet_listen -k --sh-exec "echo \$\$ >'$BATS_TEST_TMPDIR/child'; exec sleep 30"
	bg client vlcnet-connect 127.0.0.1 "$VLCNET_PORT"
	wait_for "$BATS_TEST_TMPDIR/child" '^[0-9]+$'
	child=$(cat "$BATS_TEST_TMPDIR/child")
	run kill -0 "$child"
	assert_success
	vlcnet_stop
	run kill -0 "$child"
	assert_failure
}

@test "bats-vlcnet: vlcnet_listen -U works when the test's directory is long" {
	long="$BATS_TEST_TMPDIR/$(printf 'd%.0s' $(seq 1 100))"
	mkdir -p "$long"
	BATS_TEST_TMPDIR=$long VLCNET_REPLY=hi vlcnet_listen -U
	run timeout 10 vlcnet-connect -U "$VLCNET_SOCKET" </dev/null
	assert_success
	assert_output hi
}
