#!/usr/bin/env bats
# --tls in vlcnet-connect and vlcnet-listen: verification by default, every
# mode of listen over TLS, interoperation with openssl, curl, ncat and socat.
# The certificates are made once for the file, in its temporary directory.

load helper

setup_file() {
	export CERTS="$BATS_FILE_TMPDIR/certs"
	mkdir -p "$CERTS"
	"$BATS_TEST_DIRNAME/tls_certs.sh" "$CERTS"
}

# tls_listen OPTIONS...: vlcnet-listen -v --tls with the localhost
# certificate, as bats-vlcnet's vlcnet_listen starts it; sets $port.
tls_listen() {
	vlcnet_listen -v --tls --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key" "$@" ||
		return 1
	port=$VLCNET_PORT
}

# s_server NAME CERT [OPTIONS...]: openssl s_server with CERT's pair on a free
# port ($port) for one connection, sending NAME.in (if any). Its input stays
# open after that (held_input, until teardown): it ends the connection when
# its input ends. Returns once it listens.
s_server() {
	local name=$1 cert=$2 i
	shift 2
	[ -f "$BATS_TEST_TMPDIR/$name.in" ] || : >"$BATS_TEST_TMPDIR/$name.in"
	port=$(closed_port)
	held_input "$BATS_TEST_TMPDIR/$name.fifo" "$BATS_TEST_TMPDIR/$name.in"
	bg_stdin "$name" "$BATS_TEST_TMPDIR/$name.fifo" \
		openssl s_server -quiet -naccept 1 -accept "127.0.0.1:$port" \
		-cert "$CERTS/$cert.pem" -key "$CERTS/$cert.key" "$@"
	for ((i = 0; i < 100; i++)); do
		grep -qi "$(printf ':%04X 00000000:0000 0A' "$port")" /proc/net/tcp && return 0
		sleep 0.05
	done
	return 1
}

# feed FORMAT [FILE REGEX]...: printf FORMAT, then keep the output open until
# a line of each FILE matches its REGEX (wait_for, 10 s at most each): the
# standard input of a client that must not end before the exchange is done,
# without a fixed delay.
feed() {
	printf -- "$1"
	shift
	while [ $# -ge 2 ]; do
		wait_for "$1" "$2" 10 2>/dev/null || true
		shift 2
	done
}

# fed NAME FORMAT [FILE REGEX]... -- CMD...: as `run timeout 10 CMD...`, with
# `feed FORMAT FILE REGEX...` as its standard input; its output (and error) is
# also $BATS_TEST_TMPDIR/NAME.out, a FILE to wait for.
fed() {
	local out=$BATS_TEST_TMPDIR/$1.out format=$2 waits=() st=0
	shift 2
	while [ "$1" != -- ]; do waits+=("$1"); shift; done
	shift
	feed "$format" "${waits[@]}" | timeout 10 "$@" >"$out" 2>&1 || st=$?
	run bash -c 'cat "$1"; exit "$2"' _ "$out" "$st"
}

@test "connect --tls verifies the server against --tls-ca, relays both ways and says what it negotiated under -v" {
	printf 'from s_server\n' >"$BATS_TEST_TMPDIR/srv.in"
	s_server srv server
	fed c 'from connect\n' "$BATS_TEST_TMPDIR/srv.out" '^from connect$' \
		"$BATS_TEST_TMPDIR/c.out" '^from s_server$' -- \
		vlcnet-connect -v --tls --tls-ca "$CERTS/ca.pem" localhost "$port"
	assert_success
	assert_line "from s_server"
	assert_line --regexp '^vlcnet-connect: TLS: TLSv1\.[23], [A-Z0-9_-]+, peer /CN=localhost issued by /CN=vlcnet test CA, expires 20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC$'
	wait_for "$BATS_TEST_TMPDIR/srv.out" '^from connect$'
}

@test "connect --tls verifies an IP address operand against the certificate's IP name" {
	s_server srv server
	run timeout 10 vlcnet-connect --tls --tls-ca "$CERTS/ca.pem" 127.0.0.1 "$port" </dev/null
	assert_success
}

@test "connect --tls refuses a certificate for another name, and --tls-servername names the one to accept" {
	s_server srv other
	run timeout 10 vlcnet-connect --tls --tls-ca "$CERTS/ca.pem" localhost "$port" </dev/null
	assert_failure 1
	assert_output "vlcnet-connect: TLS handshake with localhost:$port: name \`localhost' not present in server certificate"
	s_server srv2 other
	run timeout 10 vlcnet-connect --tls --tls-ca "$CERTS/ca.pem" --tls-servername other.example \
		127.0.0.1 "$port" </dev/null
	assert_success
}

@test "connect --tls refuses an expired certificate with one line and exit 1, and --tls-insecure accepts it" {
	s_server srv expired
	run timeout 10 vlcnet-connect --tls --tls-ca "$CERTS/ca.pem" localhost "$port" </dev/null
	assert_failure 1
	assert_output "vlcnet-connect: TLS handshake with localhost:$port: certificate verification failed: certificate has expired"
	printf 'expired but there\n' >"$BATS_TEST_TMPDIR/srv2.in"
	s_server srv2 expired
	fed c '' "$BATS_TEST_TMPDIR/c.out" '^expired but there$' -- \
		vlcnet-connect -v -q 0 --tls --tls-insecure localhost "$port"
	assert_success
	assert_line "expired but there"
	assert_line "vlcnet-connect: --tls-insecure: the server's certificate is not verified"
}

@test "connect --tls refuses a certificate from an unknown CA, by default and against --tls-ca" {
	s_server srv unknown
	run timeout 10 vlcnet-connect --tls --tls-ca "$CERTS/ca.pem" localhost "$port" </dev/null
	assert_failure 1
	assert_output --regexp "^vlcnet-connect: TLS handshake with localhost:$port: certificate verification failed: (unable to get local issuer certificate|self-signed certificate in certificate chain)$"
	# the system's store does not know the test CA either
	s_server srv2 server
	run timeout 10 vlcnet-connect --tls localhost "$port" </dev/null
	assert_failure 1
	assert_output --regexp "^vlcnet-connect: TLS handshake with localhost:$port: certificate verification failed: (unable to get local issuer certificate|self-signed certificate in certificate chain)$"
}

@test "connect --tls-cert presents a client certificate that s_server requires" {
	s_server srv server -Verify 1 -CAfile "$CERTS/ca.pem" -verify_return_error
	fed c 'with a cert\n' "$BATS_TEST_TMPDIR/srv.out" '^with a cert$' -- vlcnet-connect -q 0 --tls \
		--tls-ca "$CERTS/ca.pem" --tls-cert "$CERTS/client.pem" --tls-key "$CERTS/client.key" \
		localhost "$port"
	assert_success
	wait_for "$BATS_TEST_TMPDIR/srv.out" '^with a cert$'
}

@test "listen --tls serves openssl s_client, which verifies it" {
	# s_client would end at the server's close_notify: the server's input
	# stays open, s_client ends at the end of its own, and -q 0 ends the server
	held_input "$BATS_TEST_TMPDIR/srv.in"
	bg_stdin srv "$BATS_TEST_TMPDIR/srv.in" vlcnet-listen -v -q 0 --tls --tls-cert "$CERTS/server.pem" \
		--tls-key "$CERTS/server.key" 127.0.0.1 0
	port=$(port_of srv)
	fed c 'from s_client\n' "$BATS_TEST_TMPDIR/srv.out" '^from s_client$' -- openssl s_client -quiet \
		-no_ign_eof -verify_return_error -CAfile "$CERTS/ca.pem" -connect "127.0.0.1:$port"
	assert_success
	wait_bg
	assert_equal "$(cat "$BATS_TEST_TMPDIR/srv.out")" "from s_client"
	run cat "$BATS_TEST_TMPDIR/srv.err"
	assert_line --regexp '^vlcnet-listen: TLS: TLSv1\.3, [A-Z0-9_]+, no peer certificate$'
}

@test "listen --tls answers curl --cacert over HTTPS from a --fork --script" {
	cat >"$BATS_TEST_TMPDIR/http.lua" <<-'EOF'
		local req = ""
		while not req:find("\r\n\r\n", 1, true) do
			local s = net.recv(fd, 1000)
			if not s then break end
			req = req .. s
		end
		local body = "hello over TLS\n"
		net.send(fd, "HTTP/1.0 200 OK\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body)
		net.close(fd)
	EOF
	tls_listen --fork --script "$BATS_TEST_TMPDIR/http.lua"
	run timeout 10 curl -sS --cacert "$CERTS/ca.pem" "https://localhost:$port/"
	assert_success
	assert_output "hello over TLS"
}

@test "listen --tls -k --sh-exec answers curl --cacert over HTTPS, the tool relaying between the child and TLS" {
	tls_listen -k -c 'read -r line; printf "HTTP/1.0 200 OK\r\n\r\nhello %s\n" "$NCAT_REMOTE_ADDR"'
	for i in 1 2; do
		run timeout 10 curl -sS --cacert "$CERTS/ca.pem" "https://localhost:$port/"
		assert_success
		assert_output "hello 127.0.0.1"
	done
}

@test "listen --tls --lua-exec and connect --tls --sh-exec talk through TLS, each child on plain stdin and stdout" {
	printf 'io.write("lua saw ", io.read("*l"), "\\n")\n' >"$BATS_TEST_TMPDIR/echo.lua"
	tls_listen --lua-exec "$BATS_TEST_TMPDIR/echo.lua"
	run timeout 10 vlcnet-connect --tls --tls-ca "$CERTS/ca.pem" \
		-c 'echo from the connect child; read -r l; echo "the child got: $l" >&2' localhost "$port"
	assert_success
	assert_output "the child got: lua saw from the connect child"
	vlcnet_wait
}

@test "ncat --ssl interoperates both ways, verifying and verified" {
	printf 'from listen\n' >"$BATS_TEST_TMPDIR/reply"
	VLCNET_REPLY_FILE="$BATS_TEST_TMPDIR/reply" tls_listen
	# ncat ends at the end of its input: keep it open until the answer is in
	fed c 'from ncat\n' "$BATS_TEST_TMPDIR/c.out" '^from listen$' -- ncat --ssl --ssl-verify \
		--ssl-trustfile "$CERTS/ca.pem" localhost "$port"
	assert_success
	assert_output "from listen"
	vlcnet_wait
	assert_equal "$(cat "$VLCNET_STDOUT")" "from ncat"
	serve_cmd srv bash -c "{ printf 'from ncat -l\n'; sleep 3; } | exec ncat --ssl -l 127.0.0.1 {} \
		--ssl-cert '$CERTS/server.pem' --ssl-key '$CERTS/server.key'"
	run timeout 10 bash -c "printf 'from connect\n' | vlcnet-connect --tls \
		--tls-ca '$CERTS/ca.pem' localhost $port"
	assert_success
	assert_output "from ncat -l"
	wait_for "$BATS_TEST_TMPDIR/srv.out" '^from connect$'
}

@test "socat OPENSSL interoperates both ways" {
	printf 'from listen\n' >"$BATS_TEST_TMPDIR/reply"
	VLCNET_REPLY_FILE="$BATS_TEST_TMPDIR/reply" tls_listen
	run timeout 10 bash -c "printf 'from socat\n' | socat -t 5 - \
		OPENSSL:localhost:$port,cafile='$CERTS/ca.pem'"
	assert_success
	assert_output "from listen"
	vlcnet_wait
	assert_equal "$(cat "$VLCNET_STDOUT")" "from socat"
	serve_cmd srv bash -c "printf 'from socat -l\n' | exec socat -t 5 - \
		OPENSSL-LISTEN:{},bind=127.0.0.1,cert='$CERTS/server.pem',key='$CERTS/server.key',verify=0"
	run timeout 10 bash -c "printf 'from connect\n' | vlcnet-connect --tls \
		--tls-ca '$CERTS/ca.pem' localhost $port"
	assert_success
	assert_output "from socat -l"
	wait_for "$BATS_TEST_TMPDIR/srv.out" '^from connect$'
}

@test "64 MiB cross both ways at once over TLS, intact" {
	head -c $((64 << 20)) /dev/urandom >"$BATS_TEST_TMPDIR/up"
	head -c $((64 << 20)) /dev/urandom >"$BATS_TEST_TMPDIR/down"
	VLCNET_REPLY_FILE="$BATS_TEST_TMPDIR/down" tls_listen
	run timeout 60 bash -c "vlcnet-connect --tls --tls-ca '$CERTS/ca.pem' localhost $port \
		<'$BATS_TEST_TMPDIR/up' | sha256sum"
	assert_success
	assert_output "$(sha256sum <"$BATS_TEST_TMPDIR/down")"
	vlcnet_wait
	assert_equal "$(sha256sum <"$VLCNET_STDOUT")" "$(sha256sum <"$BATS_TEST_TMPDIR/up")"
}

@test "end of stdin sends close_notify and shuts the write side; the answer after it still arrives" {
	bg srv python3 -c "
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain('$CERTS/server.pem', '$CERTS/server.key')
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)
print('port', s.getsockname()[1], flush=True)
c, _ = s.accept()
t = ctx.wrap_socket(c, server_side=True, suppress_ragged_eofs=False)
got = b''
while True:
    b = t.recv(4096)
    if not b: break
    got += b
t.sendall(b'you sent ' + str(len(got)).encode() + b' bytes, then close_notify\n')
t.unwrap()
t.close()
"
	port=$(port_of srv)
	run timeout 10 bash -c "printf 'twelve bytes' | vlcnet-connect --tls --tls-ca '$CERTS/ca.pem' localhost $port"
	assert_success
	assert_output "you sent 12 bytes, then close_notify"
	wait_bg
}

@test "listen --tls-verify-client refuses a client without a certificate and serves one with a certificate of --tls-ca" {
	tls_listen -k --tls-verify-client --tls-ca "$CERTS/ca.pem"
	run timeout 10 bash -c "printf 'no cert\n' | vlcnet-connect --tls --tls-ca '$CERTS/ca.pem' localhost $port"
	assert_failure 1
	run timeout 10 bash -c "printf 'from a client with a cert\n' | vlcnet-connect -v --tls \
		--tls-ca '$CERTS/ca.pem' --tls-cert '$CERTS/client.pem' --tls-key '$CERTS/client.key' localhost $port"
	assert_success
	wait_for "$VLCNET_STDOUT" '^from a client with a cert$'
	run cat "$VLCNET_STDERR"
	assert_line --regexp "^vlcnet-listen: TLS handshake with 127\.0\.0\.1:[0-9]+: .+"
	assert_line --regexp '^vlcnet-listen: TLS: TLSv1\.3, [A-Z0-9_]+, peer /CN=vlcnet client issued by /CN=vlcnet test CA, expires '
	refute_output --partial "no cert"
}

@test "listen -k --tls serves 50 clients in turn" {
	tls_listen -k
	for i in $(seq 1 50); do
		printf 'client %d\n' "$i" | timeout 10 vlcnet-connect --tls --tls-ca "$CERTS/ca.pem" \
			localhost "$port" || fail "client $i failed"
	done
	wait_for "$VLCNET_STDOUT" '^client 50$'
	assert_equal "$(cat "$VLCNET_STDOUT")" "$(seq 1 50 | sed 's/^/client /')"
}

@test "listen --fork --tls serves 50 clients that connect at once, each handshake in its child" {
	cat >"$BATS_TEST_TMPDIR/echo.lua" <<-'EOF'
		net.poll({ [fd] = net.POLLIN })
		local s = net.recv(fd, 100)
		while not s do net.poll({ [fd] = net.POLLIN }); s = net.recv(fd, 100) end
		net.send(fd, "echo " .. s)
		net.close(fd)
	EOF
	# ten children at a time: each handshake has 10 s, even on a slow machine
	tls_listen --fork -m 10 --script "$BATS_TEST_TMPDIR/echo.lua"
	local pids=()
	for i in $(seq 1 50); do
		{ printf 'client %d\n' "$i" | timeout 50 vlcnet-connect --tls --tls-ca "$CERTS/ca.pem" \
			localhost "$port" >"$BATS_TEST_TMPDIR/c$i.out"; } &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in $(seq 1 50); do
		assert_equal "$(cat "$BATS_TEST_TMPDIR/c$i.out")" "echo client $i"
	done
}

@test "a client that connects and never handshakes does not block the others of -k (after -w) or --fork" {
	tls_listen -k -w 1
	bg silent sleep 30 # holds a plain connection open without a word
	exec 7<>"/dev/tcp/127.0.0.1/$port"
	run timeout 10 bash -c "printf 'served\n' | vlcnet-connect --tls --tls-ca '$CERTS/ca.pem' localhost $port"
	assert_success
	wait_for "$VLCNET_STDOUT" '^served$'
	run cat "$VLCNET_STDERR"
	assert_line --regexp "^vlcnet-listen: TLS handshake with 127\.0\.0\.1:[0-9]+: timed out$"
	exec 7>&-
	printf 'net.send(fd, "forked\\n")\n' >"$BATS_TEST_TMPDIR/hi.lua"
	tls_listen --fork --script "$BATS_TEST_TMPDIR/hi.lua"
	exec 7<>"/dev/tcp/127.0.0.1/$port"
	run timeout 5 vlcnet-connect --tls --tls-ca "$CERTS/ca.pem" localhost "$port" </dev/null
	assert_success
	assert_output "forked"
	exec 7>&-
}

@test "listen --tls --script: listener:accept() returns descriptors that speak TLS" {
	cat >"$BATS_TEST_TMPDIR/srv.lua" <<-'EOF'
		for i = 1, 2 do
			local fd = listener:accept()
			local got = ""
			while not got:find("\n") do
				net.poll({ [fd] = net.POLLIN })
				got = got .. (net.recv(fd, 100) or "")
			end
			net.send(fd, "script saw " .. got)
			net.close(fd)
		end
	EOF
	tls_listen --script "$BATS_TEST_TMPDIR/srv.lua"
	for i in 1 2; do
		fed c "hello $i\\n" "$BATS_TEST_TMPDIR/c.out" "^script saw hello $i\$" -- \
			vlcnet-connect -q 0 --tls --tls-ca "$CERTS/ca.pem" localhost "$port"
		assert_success
		assert_output "script saw hello $i"
	done
	vlcnet_wait
}

@test "connect --tls --script: the script's fd already speaks TLS" {
	bg srv python3 -c "
import socket, ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain('$CERTS/server.pem', '$CERTS/server.key')
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)
print('port', s.getsockname()[1], flush=True)
t = ctx.wrap_socket(s.accept()[0], server_side=True)
t.sendall(b'greeting\\n')
got = b''
while not got.endswith(b'\\n'):
    b = t.recv(100)
    if not b: break
    got += b
print(got.decode(), end='', flush=True)
"
	port=$(port_of srv)
	run timeout 20 vlcnet-connect --tls --tls-ca "$CERTS/ca.pem" \
		-e 'local s = net.recv(fd, 100); io.write("got ", s); net.send(fd, "thanks\n")' \
		localhost "$port"
	assert_success
	assert_output "got greeting"
	wait_bg
	assert_equal "$(sed 1d "$BATS_TEST_TMPDIR/srv.out")" "thanks"
}

@test "listen -U --tls serves a Unix socket, and connect -U --tls verifies --tls-servername" {
	printf 'over unix\n' >"$BATS_TEST_TMPDIR/reply"
	VLCNET_REPLY_FILE="$BATS_TEST_TMPDIR/reply" vlcnet_listen -U -v --tls \
		--tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key"
	run timeout 10 bash -c "printf 'to unix\n' | vlcnet-connect -U --tls --tls-ca '$CERTS/ca.pem' \
		--tls-servername localhost '$VLCNET_SOCKET'"
	assert_success
	assert_output "over unix"
	vlcnet_wait
	assert_equal "$(cat "$VLCNET_STDOUT")" "to unix"
}

@test "bad TLS options are one-line usage errors with exit 2" {
	local c="$CERTS/server.pem" k="$CERTS/server.key"
	while IFS='|' read -r tool args msg; do
		eval "set -- $args"
		run timeout 10 "vlcnet-$tool" "$@"
		[ "$status" -eq 2 ] || fail "vlcnet-$tool $args: status $status: $output"
		[[ "${lines[0]}" == "vlcnet-$tool: $msg"* ]] || fail "vlcnet-$tool $args: ${lines[0]}, not $msg"
	done <<-EOF
		connect|--tls-cert $c --tls-key $k localhost 1|the --tls-* options need --tls
		connect|--tls --udp localhost 1|--tls works over TCP and Unix stream sockets: not with --udp
		connect|--tls -z localhost 1|--scan sends nothing: not with --tls
		connect|--tls -e 'print(1)'|--tls needs HOST PORT (a script connects with net.connect_tls)
		connect|--tls --tls-cert $c localhost 1|--tls-cert needs --tls-key
		connect|--tls --tls-ca $CERTS/nothing.pem localhost 1|--tls-ca: failed to open CA file
		connect|--tls --tls-ca $CERTS localhost 1|--tls-ca: failed to read CA file
		connect|--tls --tls-cert $c --tls-key $CERTS/other.key localhost 1|--tls-key: failed to load private key (not a key, or not the key of --tls-cert)
		listen|--tls 127.0.0.1 0|--tls needs --tls-cert and --tls-key
		listen|--tls-verify-client 127.0.0.1 0|the --tls-* options need --tls
		listen|--tls --tls-cert $CERTS/nothing.pem --tls-key $k 127.0.0.1 0|--tls-cert: failed to open certificate file
		listen|--tls --tls-cert $c --tls-key $CERTS/nothing.key 127.0.0.1 0|--tls-key: failed to open key file
		listen|--tls --tls-cert $c --tls-key $CERTS/other.key 127.0.0.1 0|--tls-key: failed to load private key
		listen|--tls --tls-cert $c --tls-key $k --tls-verify-client 127.0.0.1 0|--tls-verify-client needs --tls-ca
		listen|--tls --tls-cert $c --tls-key $k -u 127.0.0.1 0|--tls works over TCP and Unix stream sockets: not with --udp
	EOF
}

@test "connect --tls-alpn offers its list to openssl s_server -alpn, and -v names the protocol chosen" {
	s_server srv server -alpn h2,http/1.1
	run timeout 10 vlcnet-connect -v --tls --tls-ca "$CERTS/ca.pem" --tls-alpn acme/1,http/1.1 \
		localhost "$port" </dev/null
	assert_success
	assert_line --regexp '^vlcnet-connect: TLS: TLSv1\.3, [A-Z0-9_]+, ALPN http/1\.1, peer /CN=localhost '
	# no protocol in common: s_server refuses the handshake (RFC 7301's
	# alert), said in one line, status 1
	s_server srv2 server -alpn h2
	run timeout 10 vlcnet-connect -v --tls --tls-ca "$CERTS/ca.pem" --tls-alpn acme/1 \
		localhost "$port" </dev/null
	assert_failure 1
	assert_line -n 0 "vlcnet-connect: connected to localhost:$port"
	assert_line -n 1 --regexp "^vlcnet-connect: TLS handshake with localhost:$port: .*no application protocol$"
	assert_equal "${#lines[@]}" 2
}

@test "listen --tls-alpn with no protocol in common with the client goes on without one" {
	bg srv vlcnet-listen -v --tls --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key" \
		--tls-alpn h2 127.0.0.1 0
	port=$(port_of srv)
	run timeout 10 vlcnet-connect -v --tls --tls-ca "$CERTS/ca.pem" --tls-alpn acme/1 \
		localhost "$port" </dev/null
	assert_success
	assert_line --regexp '^vlcnet-connect: TLS: TLSv1\.3, [A-Z0-9_]+, peer /CN=localhost '
	refute_output --partial "ALPN"
	wait_bg
}

@test "listen --tls-alpn chooses its first protocol that openssl s_client -alpn offers" {
	held_input "$BATS_TEST_TMPDIR/srv.in"
	bg_stdin srv "$BATS_TEST_TMPDIR/srv.in" vlcnet-listen -v -q 0 --tls --tls-cert "$CERTS/server.pem" \
		--tls-key "$CERTS/server.key" --tls-alpn h2,http/1.1 127.0.0.1 0
	port=$(port_of srv)
	run timeout 10 bash -c "openssl s_client -alpn http/1.1,h2 -verify_return_error \
		-CAfile '$CERTS/ca.pem' -connect 127.0.0.1:$port </dev/null 2>&1"
	assert_success
	assert_line "ALPN protocol: h2"
	wait_bg
	run cat "$BATS_TEST_TMPDIR/srv.err"
	assert_line --regexp '^vlcnet-listen: TLS: TLSv1\.3, [A-Z0-9_]+, ALPN h2, no peer certificate$'
}

@test "listen --tls-alpn and connect --tls-alpn agree on the listener's first common protocol" {
	printf 'over h2\n' >"$BATS_TEST_TMPDIR/in"
	bg_stdin srv "$BATS_TEST_TMPDIR/in" vlcnet-listen -v --tls --tls-cert "$CERTS/server.pem" \
		--tls-key "$CERTS/server.key" --tls-alpn h2,http/1.1 127.0.0.1 0
	port=$(port_of srv)
	run timeout 10 vlcnet-connect -v --tls --tls-ca "$CERTS/ca.pem" --tls-alpn http/1.1,h2 \
		localhost "$port" </dev/null
	assert_success
	assert_line "over h2"
	assert_line --regexp '^vlcnet-connect: TLS: TLSv1\.3, [A-Z0-9_]+, ALPN h2, peer '
	wait_bg
	run cat "$BATS_TEST_TMPDIR/srv.err"
	assert_line --regexp '^vlcnet-listen: TLS: TLSv1\.3, [A-Z0-9_]+, ALPN h2, no peer certificate$'
}

@test "a bad --tls-alpn LIST (an empty name, a name over 255 bytes) is a usage error (2)" {
	local long
	long=$(printf 'p%.0s' $(seq 256))
	run timeout 10 vlcnet-connect --tls --tls-alpn h2,,http/1.1 localhost 1
	assert_failure 2
	assert_output "vlcnet-connect: invalid --tls-alpn 'h2,,http/1.1': empty protocol name
Try 'vlcnet-connect --help' for more information."
	run timeout 10 vlcnet-listen --tls --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key" \
		--tls-alpn h2, 127.0.0.1 0
	assert_failure 2
	assert_line -n 0 "vlcnet-listen: invalid --tls-alpn 'h2,': empty protocol name"
	run timeout 10 vlcnet-connect --tls --tls-alpn "" localhost 1
	assert_failure 2
	assert_line -n 0 "vlcnet-connect: invalid --tls-alpn '': empty protocol name"
	run timeout 10 vlcnet-connect --tls --tls-alpn "h2,$long" localhost 1
	assert_failure 2
	assert_line -n 0 "vlcnet-connect: invalid --tls-alpn 'h2,$long': protocol name longer than 255 bytes"
	# 255 bytes is a name
	run timeout 10 vlcnet-connect --tls --tls-alpn "${long:1}" -w 1 127.0.0.1 "$(closed_port)"
	assert_failure 1
	run timeout 10 vlcnet-connect --tls-alpn h2 localhost 1
	assert_failure 2
	assert_line -n 0 "vlcnet-connect: the --tls-* options need --tls"
}

@test "Lua: net.connect_tls with alpn (a list, or a string) and net.tls_info say what was negotiated" {
	bg srv vlcnet-listen -v --tls --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key" \
		--tls-alpn h2,http/1.1 127.0.0.1 0
	port=$(port_of srv)
	run timeout 10 vlcnet-connect -e "
		local fd = net.connect_tls('localhost', $port, { ca = '$CERTS/ca.pem', alpn = { 'http/1.1', 'h2' } })
		local i = assert(net.tls_info(fd))
		print(i.version, i.alpn, i.servername, i.peer_subject, i.peer_issuer, type(i.peer_expires), i.cipher ~= nil)
		net.close(fd)"
	assert_success
	assert_output "$(printf 'TLSv1.3\th2\tlocalhost\t/CN=localhost\t/CN=vlcnet test CA\tnumber\ttrue')"
	wait_bg
	s_server srv2 server -alpn h2,http/1.1
	run timeout 10 vlcnet-connect -e "
		local fd = net.connect_tls('localhost', $port, { ca = '$CERTS/ca.pem', alpn = 'acme/1,http/1.1' })
		print(net.tls_info(fd).alpn)"
	assert_success
	assert_output "http/1.1"
}

@test "Lua: net.tls as a server with alpn chooses its first protocol that openssl s_client offers" {
	cat >"$BATS_TEST_TMPDIR/srv.lua" <<-EOF
		local l = net.listen_tcp("127.0.0.1", 0)
		print("port " .. l:port())
		io.stdout:flush()
		local fd = l:accept()
		assert(net.tls(fd, { cert = "$CERTS/server.pem", key = "$CERTS/server.key",
		                     alpn = { "h2", "http/1.1" }, timeout = 10000 }) == fd)
		local i = net.tls_info(fd)
		print("alpn " .. i.alpn, "servername " .. tostring(i.servername), "peer " .. tostring(i.peer_subject))
		net.close(fd)
	EOF
	bg srv vlcnet-connect -s "$BATS_TEST_TMPDIR/srv.lua"
	port=$(port_of srv)
	run timeout 10 bash -c "openssl s_client -alpn http/1.1,h2 -servername localhost \
		-CAfile '$CERTS/ca.pem' -connect 127.0.0.1:$port </dev/null 2>&1"
	assert_success
	assert_line "ALPN protocol: h2"
	wait_bg
	assert_equal "$(sed -n 2p "$BATS_TEST_TMPDIR/srv.out")" \
		"$(printf 'alpn h2\tservername localhost\tpeer nil')"
}

@test "Lua: net.tls_info on a plain or closed descriptor, a bad alpn option, and cert without key, fail cleanly" {
	bg srv vlcnet-listen -k 127.0.0.1 0 -v
	port=$(port_of srv)
	run timeout 10 vlcnet-connect -e "
		print(net.tls_info(0))
		print(net.tls_info(99))
		local fd = net.connect_tcp('127.0.0.1', $port)
		print(net.tls_info(fd))
		print(net.tls(fd, { servername = 'localhost', alpn = '' }))
		print(net.tls(fd, { servername = 'localhost', alpn = {} }))
		print(net.connect_tls('127.0.0.1', $port, { insecure = true, alpn = 'h2,' }))
		local function try(...)   -- the function's name varies (Lua, LuaJIT)
			local ok, m = pcall(...)
			return ok, (m:gsub(\"to '[^']*'\", 'to F'))
		end
		print(try(net.tls, fd, { alpn = 5 }))
		print(try(net.tls, fd, { alpn = { 'h2', 7 } }))
		print(try(net.tls, fd, { alpn = { 'a,b' } }))
		print(try(net.tls, fd, { cert = '$CERTS/server.pem' }))
		print(try(net.connect_tls, '127.0.0.1', $port, { key = '$CERTS/server.key' }))
		print(try(net.tls_info))"
	assert_success
	assert_output "nil	not a TLS descriptor
nil	not a TLS descriptor
nil	not a TLS descriptor
-1	empty protocol name
-1	empty protocol name
-1	empty protocol name
false	bad argument #2 to F ('alpn' must be a string or a list of strings)
false	bad argument #2 to F ('alpn' must be a string or a list of strings)
false	bad argument #2 to F (an 'alpn' name contains ',' or a NUL byte)
false	bad argument #2 to F ('cert' needs 'key')
false	bad argument #3 to F ('key' needs 'cert')
false	bad argument #1 to F (number expected, got no value)"
}

@test "Lua: net.tls_info on a descriptor of listen --tls --tls-alpn: not yet before its handshake, the protocol after" {
	cat >"$BATS_TEST_TMPDIR/srv.lua" <<-'EOF'
		local fd = listener:accept()
		print(net.tls_info(fd))
		local got
		while not got do
			assert(net.poll({ [fd] = net.POLLIN }, 10000) > 0)
			got = net.recv(fd, 100)
		end
		io.write(got)
		print(net.tls_info(fd).alpn)
	EOF
	bg srv vlcnet-listen -v --tls --tls-cert "$CERTS/server.pem" --tls-key "$CERTS/server.key" \
		--tls-alpn h2,http/1.1 -s "$BATS_TEST_TMPDIR/srv.lua" 127.0.0.1 0
	port=$(port_of srv)
	run timeout 10 bash -c "printf 'hi\n' | vlcnet-connect --tls --tls-ca '$CERTS/ca.pem' \
		--tls-alpn http/1.1 localhost $port"
	assert_success
	wait_bg
	assert_equal "$(cat "$BATS_TEST_TMPDIR/srv.out")" "$(printf 'nil\tTLS handshake not done yet\nhi\nhttp/1.1')"
}

@test "connect --tls with standard output on a full disk says so and exits 1" {
	printf 'from s_server\n' >"$BATS_TEST_TMPDIR/srv.in"
	s_server srv server
	run timeout 10 bash -c "vlcnet-connect --tls --tls-ca '$CERTS/ca.pem' localhost $port </dev/null >/dev/full"
	assert_failure 1
	assert_output "vlcnet-connect: standard output: No space left on device"
}
