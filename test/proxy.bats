#!/usr/bin/env bats
# vlcnet-connect through proxies (--proxy, --proxy-type, --proxy-auth,
# --proxy-dns) against the real ones from Debian (microsocks, dante, tinyproxy)
# and a hostile one; and net.connect_tcp's proxy option.

load helper

MB=1048576

setup_file() {
	head -c "$MB" /dev/urandom >"$BATS_FILE_TMPDIR/up"
	head -c "$MB" /dev/urandom >"$BATS_FILE_TMPDIR/down"
}

# need TOOL: skip when TOOL is missing, unless in CI, where it fails.
need() {
	command -v "$1" >/dev/null && return 0
	[ -z "${CI:-}" ] || { echo "$1 is missing" >&2; return 1; }
	skip "$1 is not installed"
}

# listening PORT: whether something listens on 127.0.0.1:PORT.
listening() {
	grep -qi "$(printf ':%04X 00000000:0000 0A' "$1")" /proc/net/tcp
}

# daemon NAME CMD...: start a proxy that cannot take port 0 as bg NAME on a
# free port ($pport; {} in CMD's words is the port, CONF files written by
# $conf_fn with the port as $1); a port taken between the check and the
# start is retried on another.
daemon() {
	local name=$1 try i pid a args
	shift
	for ((try = 0; try < 5; try++)); do
		pport=$(closed_port)
		[ -z "${conf_fn:-}" ] || "$conf_fn" "$pport"
		args=()
		for a in "$@"; do args+=("${a//\{\}/$pport}"); done
		bg "$name" "${args[@]}"
		pid=$!
		for ((i = 0; i < 200; i++)); do
			listening "$pport" && return 0
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill "$pid" 2>/dev/null || true
	done
	echo "$name did not start:" >&2
	cat "$BATS_TEST_TMPDIR/$name.err" >&2
	return 1
}

microsocks_conf() { :; }

dante_conf() {
	cat >"$BATS_TEST_TMPDIR/danted.conf" <<-EOF
	logoutput: stderr
	internal: 127.0.0.1 port = $1
	external: 127.0.0.1
	clientmethod: none
	socksmethod: none
	user.privileged: root
	user.unprivileged: nobody
	client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }
	socks pass { from: 127.0.0.0/8 to: 127.0.0.0/8 }
	EOF
}

start_dante() {
	need danted
	[ "$(id -u)" = 0 ] || skip "danted runs as root here"
	conf_fn=dante_conf daemon danted danted -f "$BATS_TEST_TMPDIR/danted.conf" \
		-p "$BATS_TEST_TMPDIR/danted.pid"
}

tinyproxy_conf() {
	cat >"$BATS_TEST_TMPDIR/tinyproxy.conf" <<-EOF
	Port $1
	Listen 127.0.0.1
	Timeout 30
	Allow 127.0.0.1
	LogLevel Error
	ConnectPort $target
	EOF
}

# peer: the target server (test/fixtures/proxy_peer.py) as bg peer; $target
# is its port, $peer_pid its pid (the daemons run on: wait for it alone).
peer() {
	bg peer python3 "$FIXTURES/proxy_peer.py" "$BATS_FILE_TMPDIR/down" \
		"$BATS_TEST_TMPDIR/peer.got"
	peer_pid=$!
	target=$(port_of peer)
}

# through ARGS...: 1 MB each way between vlcnet-connect ARGS... 127.0.0.1
# $target and the peer; stdin stays open until the whole 1 MB has come back,
# since a proxy (tinyproxy) may end the tunnel when the client half-closes.
through() {
	local got=$BATS_TEST_TMPDIR/client.got
	: >"$got"
	run timeout 60 bash -c '
		{ cat "$1"; while [ "$(stat -c %s "$2")" -lt '"$MB"' ]; do sleep 0.05; done; } |
			vlcnet-connect -v "${@:3}" >"$2"' _ "$BATS_FILE_TMPDIR/up" "$got" "$@" \
		127.0.0.1 "$target"
	assert_success
	assert_output --partial "connected to 127.0.0.1:$target via 127.0.0.1:"
	wait "$peer_pid"
	[ "$(sha256sum <"$got")" = "$(sha256sum <"$BATS_FILE_TMPDIR/down")" ]
	[ "$(sha256sum <"$BATS_TEST_TMPDIR/peer.got")" = "$(sha256sum <"$BATS_FILE_TMPDIR/up")" ]
}

# tls_greeter NAME CERT: a TLS server (vlcnet-listen, as bg NAME, $port) that
# sends "over tls" to one client and keeps the connection open until the
# client ends it: a proxy may end a tunnel (and drop what it holds) when
# either side half-closes.
tls_greeter() {
	local C=$BATS_TEST_TMPDIR/certs
	bg "$1" vlcnet-listen -v --tls --tls-cert "$C/$2.pem" --tls-key "$C/$2.key" -e '
		local fd = listener:accept()
		while net.send(fd, "over tls\n") < 0 do
			net.poll({[fd] = net.POLLIN + net.POLLOUT}, 1000)
		end
		repeat net.poll({[fd] = net.POLLIN}, 20000) until not net.recv(fd, 100)' \
		localhost 0
	port=$(port_of "$1")
}

# certs: the test CA and certificates (test/tls_certs.sh) in $C.
certs() {
	C=$BATS_TEST_TMPDIR/certs
	mkdir -p "$C"
	sh "$TOP/test/tls_certs.sh" "$C"
}

hostile() {
	bg hostile python3 "$FIXTURES/hostile_proxy.py" "$1"
	hport=$(port_of hostile)
}

# --- the real proxies ---------------------------------------------------------

@test "1 MB each way through microsocks with --proxy-type socks5" {
	need microsocks
	peer
	daemon microsocks microsocks -i 127.0.0.1 -p {}
	through --proxy "127.0.0.1:$pport" --proxy-type socks5
}

@test "1 MB each way through microsocks with a username and password" {
	need microsocks
	peer
	daemon microsocks microsocks -i 127.0.0.1 -p {} -u bob -P 's3cret'
	through --proxy "127.0.0.1:$pport" --proxy-type socks5 --proxy-auth bob:s3cret
}

@test "microsocks rejects a wrong password: one line naming the reason, exit 1" {
	need microsocks
	daemon microsocks microsocks -i 127.0.0.1 -p {} -u bob -P 's3cret'
	run timeout 20 vlcnet-connect --proxy "127.0.0.1:$pport" --proxy-type socks5 \
		--proxy-auth bob:wrong 127.0.0.1 9 </dev/null
	assert_failure 1
	assert_output "vlcnet-connect: connect to 127.0.0.1:9 via 127.0.0.1:$pport: SOCKS5 proxy rejected the username or password"
}

@test "microsocks with a password refuses a client that offers none" {
	need microsocks
	daemon microsocks microsocks -i 127.0.0.1 -p {} -u bob -P 's3cret'
	run timeout 20 vlcnet-connect --proxy "127.0.0.1:$pport" --proxy-type socks5 \
		127.0.0.1 9 </dev/null
	assert_failure 1
	assert_output "vlcnet-connect: connect to 127.0.0.1:9 via 127.0.0.1:$pport: SOCKS5 proxy accepts none of the offered authentication methods"
}

@test "a SOCKS5 refusal names the reply code's meaning" {
	need microsocks
	daemon microsocks microsocks -i 127.0.0.1 -p {}
	closed=$(closed_port)
	run timeout 20 vlcnet-connect --proxy "127.0.0.1:$pport" --proxy-type socks5 \
		127.0.0.1 "$closed" </dev/null
	assert_failure 1
	assert_output "vlcnet-connect: connect to 127.0.0.1:$closed via 127.0.0.1:$pport: SOCKS5 proxy refused: connection refused (5)"
}

@test "1 MB each way through dante with --proxy-type socks5" {
	start_dante
	peer
	daemon_port=$pport
	through --proxy "127.0.0.1:$daemon_port" --proxy-type socks5
}

@test "1 MB each way through dante with --proxy-type socks4" {
	start_dante
	peer
	through --proxy "127.0.0.1:$pport" --proxy-type socks4
}

@test "socks4 resolves HOST locally: localhost reaches the peer through dante" {
	start_dante
	peer
	run timeout 30 bash -c 'head -c '"$MB"' "$1" | vlcnet-connect --proxy-type socks4 \
		--proxy "$2" -4 localhost "$3" | wc -c' _ "$BATS_FILE_TMPDIR/up" "127.0.0.1:$pport" "$target"
	assert_success
	assert_output "$MB"
	wait "$peer_pid"
}

@test "a SOCKS4 refusal from dante names the reply code" {
	start_dante
	closed=$(closed_port)
	run timeout 20 vlcnet-connect --proxy "127.0.0.1:$pport" --proxy-type socks4 \
		127.0.0.1 "$closed" </dev/null
	assert_failure 1
	assert_output "vlcnet-connect: connect to 127.0.0.1:$closed via 127.0.0.1:$pport: SOCKS4 proxy refused: request rejected or failed (91)"
}

@test "1 MB each way through tinyproxy (HTTP CONNECT, the default type)" {
	need tinyproxy
	peer
	conf_fn=tinyproxy_conf daemon tinyproxy tinyproxy -d -c "$BATS_TEST_TMPDIR/tinyproxy.conf"
	through --proxy "127.0.0.1:$pport"
}

@test "an HTTP proxy's refusal is its status line, exit 1" {
	need tinyproxy
	target=$(closed_port)
	conf_fn=tinyproxy_conf daemon tinyproxy tinyproxy -d -c "$BATS_TEST_TMPDIR/tinyproxy.conf"
	other=$(closed_port)
	run timeout 20 vlcnet-connect --proxy "127.0.0.1:$pport" 127.0.0.1 "$other" </dev/null
	assert_failure 1
	assert_output "vlcnet-connect: connect to 127.0.0.1:$other via 127.0.0.1:$pport: HTTP proxy refused: HTTP/1.0 403 Access violation"
}

@test "--tls through a SOCKS5 proxy is TLS inside the tunnel, verified against HOST" {
	need microsocks
	certs
	tls_greeter srv server
	daemon microsocks microsocks -i 127.0.0.1 -p {}
	# microsocks ends the tunnel at the client's half-close: input stays
	# open, and -w ends the relay once the greeting is in
	held_input "$BATS_TEST_TMPDIR/in"
	run timeout 20 bash -c "vlcnet-connect -v -w 1 --tls --tls-ca '$C/ca.pem' \
		--proxy 127.0.0.1:$pport --proxy-type socks5 localhost $port <'$BATS_TEST_TMPDIR/in'"
	assert_success
	assert_line "over tls"
	assert_line "vlcnet-connect: connected to localhost:$port via 127.0.0.1:$pport"
	assert_line --partial "TLS"
	# The name checked is HOST's: the certificate of other.example fails it.
	tls_greeter srv2 other
	run timeout 20 vlcnet-connect --tls --tls-ca "$C/ca.pem" --proxy "127.0.0.1:$pport" \
		--proxy-type socks5 localhost "$port" </dev/null
	assert_failure 1
	assert_output --partial "TLS handshake with localhost:$port"
}

# --- a hostile proxy ----------------------------------------------------------

@test "a proxy that answers garbage: one line, exit 1" {
	hostile garbage
	run timeout 20 vlcnet-connect --proxy "127.0.0.1:$hport" --proxy-type socks5 127.0.0.1 9 </dev/null
	assert_failure 1
	assert_output "vlcnet-connect: connect to 127.0.0.1:9 via 127.0.0.1:$hport: SOCKS5 proxy sent an invalid reply"
	run timeout 20 vlcnet-connect --proxy "127.0.0.1:$hport" 127.0.0.1 9 </dev/null
	assert_failure 1
	assert_output "vlcnet-connect: connect to 127.0.0.1:9 via 127.0.0.1:$hport: HTTP proxy sent an invalid reply"
}

@test "a 64 KiB HTTP status line is refused at 8 KiB, not read whole" {
	hostile longline
	run timeout 20 vlcnet-connect --proxy "127.0.0.1:$hport" 127.0.0.1 9 </dev/null
	assert_failure 1
	assert_output "vlcnet-connect: connect to 127.0.0.1:9 via 127.0.0.1:$hport: HTTP proxy reply head longer than 8192 bytes"
}

@test "a proxy that drips its reply is cut off by -w" {
	hostile drip
	run timeout 20 vlcnet-connect -w 1.5 --proxy "127.0.0.1:$hport" 127.0.0.1 9 </dev/null
	assert_failure 1
	assert_output "vlcnet-connect: connect to 127.0.0.1:9 via 127.0.0.1:$hport: HTTP proxy handshake timed out"
}

@test "a proxy that never answers is given 10 seconds without -w" {
	hostile silent
	run timeout 30 vlcnet-connect --proxy "127.0.0.1:$hport" --proxy-type socks4 127.0.0.1 9 </dev/null
	assert_failure 1
	assert_output "vlcnet-connect: connect to 127.0.0.1:9 via 127.0.0.1:$hport: SOCKS4 proxy handshake timed out"
}

@test "a proxy that closes mid-reply: one line, exit 1" {
	hostile close
	run timeout 20 vlcnet-connect --proxy "127.0.0.1:$hport" --proxy-type socks5 127.0.0.1 9 </dev/null
	assert_failure 1
	assert_output "vlcnet-connect: connect to 127.0.0.1:9 via 127.0.0.1:$hport: SOCKS5 proxy closed the connection mid-reply"
}

@test "socks4a passes the name to the proxy, and the tunnel's first bytes are not eaten" {
	hostile socks4a
	run timeout 20 vlcnet-connect --proxy "127.0.0.1:$hport" --proxy-type socks4a \
		-e 'io.write(net.recv(fd, 7))' localhost 7
	assert_success
	assert_output "tunnel"
}

@test "a proxy that is not there: connect to proxy …: Connection refused, exit 1" {
	closed=$(closed_port)
	run timeout 20 vlcnet-connect --proxy "127.0.0.1:$closed" 127.0.0.1 9 </dev/null
	assert_failure 1
	assert_output "vlcnet-connect: connect to proxy 127.0.0.1:$closed: Connection refused"
}

# --- usage errors ---------------------------------------------------------------

@test "bad proxy options are usage errors: one line and the hint, exit 2" {
	local cases=(
		"--proxy-type socks6|invalid proxy type 'socks6' (socks4, socks4a, socks5 or http)"
		"--proxy 127.0.0.1:1080 --proxy-dns far|invalid --proxy-dns 'far' (local or remote)"
		"--proxy-auth a:b|--proxy-auth needs --proxy"
		"--proxy-type socks5|--proxy-type needs --proxy"
		"--proxy 127.0.0.1:1080 -u|--proxy does not go with --udp"
		"--proxy 127.0.0.1:1080 -z|--proxy does not go with --scan"
		"--proxy ::1:1080|invalid proxy address '::1:1080' (HOST:PORT or [V6]:PORT)"
		"--proxy 127.0.0.1:0|invalid proxy address '127.0.0.1:0' (HOST:PORT or [V6]:PORT)"
		"--proxy [::1|invalid proxy address '[::1' (HOST:PORT or [V6]:PORT)"
		"--proxy 127.0.0.1 --proxy-auth bob|--proxy-auth takes USER:PASS"
		"--proxy 127.0.0.1 --proxy-type socks4 --proxy-auth bob:pw|--proxy-auth: SOCKS4 takes a user ID but no password"
		"--proxy 127.0.0.1 --proxy-type socks4 --proxy-dns remote|socks4 cannot pass a name to the proxy: use socks4a"
		"-p 0|invalid source port '0'"
	)
	local c
	for c in "${cases[@]}"; do
		read -ra args <<<"${c%%|*}"
		run timeout 10 vlcnet-connect "${args[@]}" 127.0.0.1 9 </dev/null
		assert_failure 2
		assert_line -n 0 "vlcnet-connect: ${c#*|}"
		assert_line -n 1 "Try 'vlcnet-connect --help' for more information."
	done
	run timeout 10 vlcnet-connect --proxy 127.0.0.1 -U /tmp/x </dev/null
	assert_failure 2
	assert_line -n 0 "vlcnet-connect: --proxy does not go with --unix"
}

# --- Lua: the proxy option ------------------------------------------------------

@test "net.connect_tcp with {proxy = socks5://user:pass@…} reaches the server through microsocks" {
	need microsocks
	echo "via lua" >"$BATS_TEST_TMPDIR/hello"
	bg_stdin srv "$BATS_TEST_TMPDIR/hello" vlcnet-listen -v 127.0.0.1 0
	port=$(port_of srv)
	daemon microsocks microsocks -i 127.0.0.1 -p {} -u bob -P s3cret
	lua "fd, why = net.connect_tcp('127.0.0.1', $port,
	        {proxy = 'socks5://bob:s3cret@127.0.0.1:$pport', timeout = 10000})
	     assert(fd >= 3, why)
	     net.poll({[fd] = net.POLLIN}, 10000)
	     io.write(net.recv(fd, 100))
	     print(net.connect_tcp('127.0.0.1', $port, {proxy = 'socks5://bob:no@127.0.0.1:$pport'}))
	     print(net.connect_tcp('127.0.0.1', $(closed_port), 3000))"
	assert_success
	assert_line -n 0 "via lua"
	assert_line -n 1 "-1	SOCKS5 proxy rejected the username or password"
	assert_line -n 2 "-1	Connection refused"
}

@test "hostile proxies against tasks, all at once: garbage, a 64 KiB line, a drip, a close mid-reply, and the socks4a tunnel's first bytes" {
	local m ports=()
	for m in garbage longline drip close socks4a; do
		bg "h_$m" python3 "$FIXTURES/hostile_proxy.py" "$m"
		ports+=("$(port_of "h_$m")")
	done
	lua "local log = {}
	     local function via(i, url, host, port, opts)
	       net.spawn(function()
	         opts = opts or {}
	         opts.proxy = url
	         local fd, why = net.connect_tcp(host, port, opts)
	         log[i] = fd >= 3 and net.recv(fd, 7) or why
	       end)
	     end
	     via(1, 'socks5://127.0.0.1:${ports[0]}', '127.0.0.1', 9)
	     via(2, 'http://127.0.0.1:${ports[1]}', '127.0.0.1', 9)
	     via(3, 'http://127.0.0.1:${ports[2]}', '127.0.0.1', 9, {timeout = 1500})
	     via(4, 'socks5://127.0.0.1:${ports[3]}', '127.0.0.1', 9)
	     via(5, 'socks4a://127.0.0.1:${ports[4]}', 'localhost', 7)
	     assert(net.run())
	     print(table.concat(log, '|'))"
	assert_success
	assert_output "SOCKS5 proxy sent an invalid reply|HTTP proxy reply head longer than 8192 bytes|HTTP proxy handshake timed out|SOCKS5 proxy closed the connection mid-reply|tunnel"
}

@test "net.connect_tcp's proxy: a refusal, an unreachable proxy, a bad URL or option" {
	hostile garbage
	closed=$(closed_port)
	lua "print(net.connect_tcp('127.0.0.1', 9, {proxy = 'http://127.0.0.1:$hport'}))" \
		"print(net.connect_tcp('127.0.0.1', 9, {proxy = 'socks4a://127.0.0.1:$closed'}))" \
		"try(function() return net.connect_tcp('127.0.0.1', 9, {proxy = 'ftp://127.0.0.1'}) end)" \
		"try(function() return net.connect_tcp('127.0.0.1', 9, {proxy = 'socks4://u:p@h'}) end)" \
		"try(function() return net.connect_tcp('127.0.0.1', 9, {proxy = 'socks5://a b'}) end)" \
		"try(function() return net.connect_tcp('127.0.0.1', 9, {proxy = 1}) end)" \
		"try(function() return net.connect_tcp('127.0.0.1', 9, {timeout = 'x'}) end)"
	assert_success
	assert_line -n 0 "-1	HTTP proxy sent an invalid reply"
	assert_line -n 1 "-1	proxy 127.0.0.1:$closed: Connection refused"
	assert_line -n 2 --regexp "^false	.*invalid proxy URL: the proxy URL's scheme is not socks4, socks4a, socks5 or http$"
	assert_line -n 3 --regexp "^false	.*invalid proxy URL: SOCKS4 takes a user ID but no password$"
	assert_line -n 4 --regexp "^false	.*invalid proxy URL: "
	assert_line -n 5 --regexp "^false	.*'proxy' must be a string"
	assert_line -n 6 --regexp "^false	.*'timeout' must be a number"
}

@test "a proxy URL whose user an HTTP proxy cannot take (a ':'), or a NUL, or a SOCKS5 login too long: one-line error" {
	lua "try(function() return net.connect_tcp('127.0.0.1', 9, {proxy = 'http://us%3Aer:pw@127.0.0.1:9'}) end)" \
		"try(function() return net.connect_tcp('127.0.0.1', 9, {proxy = 'socks5://us%00er:pw@127.0.0.1:9'}) end)" \
		"try(function() return net.connect_tcp('127.0.0.1', 9, {proxy = 'socks5://' .. string.rep('u', 256) .. ':pw@127.0.0.1:9'}) end)"
	assert_success
	assert_line -n 0 --regexp "^false	.*invalid proxy URL: the user name cannot contain ':' or a NUL byte$"
	assert_line -n 1 --regexp "^false	.*invalid proxy URL: invalid user name$"
	assert_line -n 2 --regexp "^false	.*invalid proxy URL: SOCKS5 takes a user and a password of at most 255 bytes each$"
	assert_equal "${#lines[@]}" 3
}

# greeter_via_tinyproxy: tls_greeter as $target behind tinyproxy on $pport.
greeter_via_tinyproxy() {
	need tinyproxy
	certs
	tls_greeter srv server
	target=$port
	conf_fn=tinyproxy_conf daemon tinyproxy tinyproxy -d -c "$BATS_TEST_TMPDIR/tinyproxy.conf"
}

@test "net.connect_tls with a proxy: TLS inside an HTTP CONNECT tunnel (tinyproxy)" {
	greeter_via_tinyproxy
	lua "fd, why = net.connect_tls('127.0.0.1', $target,
	        {proxy = 'http://127.0.0.1:$pport', ca = '$C/ca.pem', timeout = 10000})
	     assert(fd >= 3, why)
	     -- nil is also a TLS record without data (a session ticket): poll again
	     local got = ''
	     for i = 1, 100 do
	       net.poll({[fd] = net.POLLIN}, 10000)
	       got = got .. (net.recv(fd, 100) or '')
	       if got:find('\n') then break end
	     end
	     io.write(got)"
	assert_success
	assert_output "over tls"
}

@test "net.connect_tls with a proxy inside a task: the CONNECT and the TLS handshake suspend it (tinyproxy)" {
	greeter_via_tinyproxy
	lua "net.spawn(function()
	       local fd, why = net.connect_tls('127.0.0.1', $target,
	           {proxy = 'http://127.0.0.1:$pport', ca = '$C/ca.pem', timeout = 10000})
	       assert(fd >= 3, why)
	       local got = ''
	       repeat
	         local data = net.recv(fd, 100)
	         got = got .. (data or '')
	       until not data or got:find('\n')
	       io.write(got)
	     end)
	     assert(net.run())"
	assert_success
	assert_output "over tls"
}

@test "1 MB each way through microsocks from a task, its sender another task" {
	need microsocks
	peer
	daemon microsocks microsocks -i 127.0.0.1 -p {}
	lua "local up = assert(io.open('$BATS_FILE_TMPDIR/up', 'rb')):read('*a')
	     local out = assert(io.open('$BATS_TEST_TMPDIR/client.got', 'wb'))
	     net.spawn(function()
	       local fd, why = net.connect_tcp('127.0.0.1', $target, {proxy = 'socks5://127.0.0.1:$pport'})
	       assert(fd >= 3, why)
	       local busy = 2   -- the sender and the receiver: the last one closes
	       local function done()
	         busy = busy - 1
	         if busy == 0 then out:close(); net.close(fd) end
	       end
	       net.spawn(function() assert(net.send(fd, up) == #up); done() end)
	       local got = 0
	       while got < $MB do
	         local data = assert(net.recv(fd, 65536))
	         out:write(data)
	         got = got + #data
	       end
	       done()
	     end)
	     assert(net.run())"
	assert_success
	assert_output ""
	wait "$peer_pid"
	[ "$(sha256sum <"$BATS_TEST_TMPDIR/client.got")" = "$(sha256sum <"$BATS_FILE_TMPDIR/down")" ]
	[ "$(sha256sum <"$BATS_TEST_TMPDIR/peer.got")" = "$(sha256sum <"$BATS_FILE_TMPDIR/up")" ]
}

# --- the other modes through a proxy --------------------------------------------

@test "--sh-exec through microsocks: the child talks to the server over the tunnel" {
	need microsocks
	# The server keeps its side open (microsocks ends a tunnel when
	# either side half-closes) until the answer's line is in.
	bg srv vlcnet-listen -v -e 'local fd = listener:accept()
		net.send(fd, "world\n")
		local got = ""
		while not got:find("\n") do
			net.poll({[fd] = net.POLLIN})
			got = got .. (net.recv(fd, 100) or error("closed"))
		end
		io.write(got)' 127.0.0.1 0
	port=$(port_of srv)
	daemon microsocks microsocks -i 127.0.0.1 -p {}
	run timeout 20 vlcnet-connect --proxy "127.0.0.1:$pport" --proxy-type socks5 \
		-c 'read w; echo "hello $w"' 127.0.0.1 "$port" </dev/null
	assert_success
	wait_for "$BATS_TEST_TMPDIR/srv.out" "^hello world$"
}

@test "--source-port applies to the proxy's first hop" {
	bg fake vlcnet-listen -v 127.0.0.1 0
	fport=$(port_of fake)
	src=$(closed_port)
	run timeout 20 vlcnet-connect -p "$src" --proxy "127.0.0.1:$fport" --proxy-type socks5 \
		127.0.0.1 9 </dev/null
	assert_failure 1
	assert_output "vlcnet-connect: connect to 127.0.0.1:9 via 127.0.0.1:$fport: SOCKS5 proxy closed the connection mid-reply"
	wait_for "$BATS_TEST_TMPDIR/fake.err" "connection from 127.0.0.1:$src\$"
}

@test "an IPv6 proxy address in brackets" {
	need microsocks
	python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null ||
		skip "no IPv6 loopback"
	echo "six" >"$BATS_TEST_TMPDIR/hello"
	bg_stdin srv "$BATS_TEST_TMPDIR/hello" vlcnet-listen -v 127.0.0.1 0
	port=$(port_of srv)
	pport=$(closed_port)
	bg microsocks microsocks -i ::1 -p "$pport"
	for ((i = 0; i < 200; i++)); do
		grep -qi "$(printf ':%04X 00000000000000000000000000000000:0000 0A' "$pport")" /proc/net/tcp6 && break
		sleep 0.05
	done
	run timeout 20 vlcnet-connect -v --proxy "[::1]:$pport" --proxy-type socks5 \
		-e 'net.poll({[fd] = net.POLLIN}) io.write(net.recv(fd, 10))' 127.0.0.1 "$port"
	assert_success
	assert_line "six"
	assert_line "vlcnet-connect: connected to 127.0.0.1:$port via [::1]:$pport"
}
