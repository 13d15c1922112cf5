#!/usr/bin/env bats
# vlcnet-listen --allow/--deny: which clients are served, decided right after
# accept in every mode that accepts (the relay, -k, --fork): a refused client
# is closed at once and said under -v, and the listener goes on waiting.
# Clients come from 127.0.0.1, 127.0.0.2 (a second loopback source, bound by
# python3) and ::1.

load helper

# client SRC DST PORT [SEND]: a client bound to SRC connects to DST:PORT, sends
# the line SEND (if any), shuts its sending side, and reads until the server
# closes; prints "got:DATA end:eof|reset|timeout" (test/client.py talk).
client() {
	pyclient talk --from "$1" ${4+--send "$4"} "$2" "$3"
}

# refused_client SRC DST PORT: a client that sends data and waits, without
# closing, for the server to close: a refused one gets nothing and an end
# within the 10 s bound.
refused_client() {
	pyclient talk --from "$1" --send secret --keep-open "$2" "$3"
}

setup() {
	echo welcome >"$BATS_TEST_TMPDIR/welcome.txt"
}

@test "--allow 127.0.0.1 lets a client from 127.0.0.1 through, both ways" {
	bg_stdin srv "$BATS_TEST_TMPDIR/welcome.txt" vlcnet-listen -v --allow 127.0.0.1 127.0.0.1 0
	port=$(port_of srv)
	run client 127.0.0.1 127.0.0.1 "$port" hello
	assert_success
	assert_output "got:welcome end:eof"
	wait_bg
	assert_equal "$(cat "$BATS_TEST_TMPDIR/srv.out")" "hello"
	run grep -c "connection from 127.0.0.1:" "$BATS_TEST_TMPDIR/srv.err"
	assert_output 1
	refute grep -q refused "$BATS_TEST_TMPDIR/srv.err"
}

@test "--allow 127.0.0.1 refuses a client from 127.0.0.2 and waits for an allowed one" {
	bg_stdin srv "$BATS_TEST_TMPDIR/welcome.txt" vlcnet-listen -v --allow 127.0.0.1 127.0.0.1 0
	port=$(port_of srv)
	run refused_client 127.0.0.2 127.0.0.1 "$port"
	assert_success
	assert_output --regexp '^got: end:(eof|reset)$'
	wait_for "$BATS_TEST_TMPDIR/srv.err" '^vlcnet-listen: refused connection from 127\.0\.0\.2:[0-9]+$'
	# Without -k the listener still serves one client: the allowed one.
	run client 127.0.0.1 127.0.0.1 "$port" hello
	assert_success
	assert_output "got:welcome end:eof"
	wait_bg
	assert_equal "$(cat "$BATS_TEST_TMPDIR/srv.out")" "hello"
}

@test "--deny 127.0.0.1 closes its client at once, relays none of its data, and -k serves the next" {
	bg_stdin srv "$BATS_TEST_TMPDIR/welcome.txt" vlcnet-listen -k -v --deny 127.0.0.1 127.0.0.1 0
	port=$(port_of srv)
	run refused_client 127.0.0.1 127.0.0.1 "$port"
	assert_success
	assert_output --regexp '^got: end:(eof|reset)$'
	wait_for "$BATS_TEST_TMPDIR/srv.err" '^vlcnet-listen: refused connection from 127\.0\.0\.1:[0-9]+$'
	run client 127.0.0.2 127.0.0.1 "$port" hello
	assert_success
	assert_output "got:welcome end:eof"
	run refused_client 127.0.0.1 127.0.0.1 "$port"
	assert_success
	assert_output --regexp '^got: end:(eof|reset)$'
	run client 127.0.0.2 127.0.0.1 "$port" again
	assert_success
	assert_output "got: end:eof"
	wait_for "$BATS_TEST_TMPDIR/srv.out" '^again$'
	assert_equal "$(cat "$BATS_TEST_TMPDIR/srv.out")" "$(printf 'hello\nagain')"
	run grep -c "^vlcnet-listen: refused connection from 127.0.0.1:" "$BATS_TEST_TMPDIR/srv.err"
	assert_output 2
	run grep -c "^vlcnet-listen: connection from 127.0.0.2:" "$BATS_TEST_TMPDIR/srv.err"
	assert_output 2
	refute grep -q "connection from 127.0.0.1:" <(grep -v refused "$BATS_TEST_TMPDIR/srv.err")
}

@test "a refused client is closed at once while standard input stays open, quietly without -v" {
	# Standard input never ends: a client that were relayed would wait for
	# it until its 10 s bound.
	mkfifo "$BATS_TEST_TMPDIR/in"
	bg_stdin srv "$BATS_TEST_TMPDIR/in" vlcnet-listen -k --deny 127.0.0.1 \
		--port-file "$BATS_TEST_TMPDIR/port" 127.0.0.1 0
	# Opened after the server started, so that it holds no writing end.
	exec {hold}>"$BATS_TEST_TMPDIR/in"
	wait_for "$BATS_TEST_TMPDIR/port" '^[0-9]+$'
	run refused_client 127.0.0.1 127.0.0.1 "$(cat "$BATS_TEST_TMPDIR/port")"
	assert_success
	assert_output --regexp '^got: end:(eof|reset)$'
	echo served >&"$hold"
	exec {hold}>&-
	run client 127.0.0.2 127.0.0.1 "$(cat "$BATS_TEST_TMPDIR/port")" hi
	assert_success
	assert_output "got:served end:eof"
	wait_for "$BATS_TEST_TMPDIR/srv.out" '^hi$'
	assert_equal "$(cat "$BATS_TEST_TMPDIR/srv.out")" "hi"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/srv.err")" ""
}

@test "IPv6: ::1/128 and a ::/64 prefix let ::1 through; another prefix refuses it" {
	local i=0 rule
	for rule in ::1/128 ::/64 ::1; do
		i=$((i + 1))
		bg_stdin "srv$i" "$BATS_TEST_TMPDIR/welcome.txt" \
			vlcnet-listen -v --allow "$rule" ::1 0
		port=$(port_of "srv$i")
		run client ::1 ::1 "$port" hello
		assert_success
		assert_output "got:welcome end:eof"
	done
	bg other vlcnet-listen -k -v --allow 2001:db8::/32 ::1 0
	port=$(port_of other)
	run refused_client ::1 ::1 "$port"
	assert_success
	assert_output --regexp '^got: end:(eof|reset)$'
	wait_for "$BATS_TEST_TMPDIR/other.err" \
		'^vlcnet-listen: refused connection from \[::1\]:[0-9]+$'
}

@test "an IPv4 rule never matches an IPv6 client, and ::ffff:127.0.0.1 matches 127.0.0.1" {
	# IPv4 clients arrive as IPv4 (the IPv6 sockets are IPV6_V6ONLY); an
	# IPv4-mapped address names the same client as its IPv4 form.
	bg six vlcnet-listen -k -v --allow 127.0.0.0/8 ::1 0
	port=$(port_of six)
	run refused_client ::1 ::1 "$port"
	assert_success
	assert_output --regexp '^got: end:(eof|reset)$'
	wait_for "$BATS_TEST_TMPDIR/six.err" 'refused connection from \[::1\]:'
	bg_stdin four "$BATS_TEST_TMPDIR/welcome.txt" \
		vlcnet-listen -v --allow ::ffff:127.0.0.1 127.0.0.1 0
	port=$(port_of four)
	run client 127.0.0.1 127.0.0.1 "$port" hello
	assert_success
	assert_output "got:welcome end:eof"
}

@test "--allow and --deny together: deny wins, whatever their order, and the rest is refused" {
	for order in "--allow 127.0.0.0/8 --deny 127.0.0.1" "--deny 127.0.0.1 --allow 127.0.0.0/8"; do
		rm -f "$BATS_TEST_TMPDIR/srv.err" "$BATS_TEST_TMPDIR/srv.out"
		# shellcheck disable=SC2086
		bg srv vlcnet-listen -k -v $order 127.0.0.1 0
		port=$(port_of srv)
		run refused_client 127.0.0.1 127.0.0.1 "$port"
		assert_success
		assert_output --regexp '^got: end:(eof|reset)$'
		run client 127.0.0.2 127.0.0.1 "$port" two
		assert_success
		assert_output "got: end:eof"
		wait_for "$BATS_TEST_TMPDIR/srv.out" '^two$'
		assert_equal "$(cat "$BATS_TEST_TMPDIR/srv.out")" "two"
		vn_cleanup
	done
	# An allow list leaves out every address it does not name: ::1 here.
	bg srv6 vlcnet-listen -k -v --allow 127.0.0.0/8 --deny 127.0.0.1 ::1 0
	port=$(port_of srv6)
	run refused_client ::1 ::1 "$port"
	assert_success
	assert_output --regexp '^got: end:(eof|reset)$'
}

@test "comma-separated rules in one --allow work as repeated options" {
	bg srv vlcnet-listen -k -v --allow 127.0.0.2,::1 0
	port=$(port_of srv)
	run refused_client 127.0.0.1 127.0.0.1 "$port"
	assert_success
	assert_output --regexp '^got: end:(eof|reset)$'
	run client 127.0.0.2 127.0.0.1 "$port" four
	assert_success
	assert_output "got: end:eof"
	run client ::1 ::1 "$port" six
	assert_success
	assert_output "got: end:eof"
	wait_for "$BATS_TEST_TMPDIR/srv.out" '^six$'
	assert_equal "$(cat "$BATS_TEST_TMPDIR/srv.out")" "$(printf 'four\nsix')"
}

@test "--fork --script never starts a child for a refused client" {
	local dir=$BATS_TEST_TMPDIR/ran
	mkdir "$dir"
	bg srv vlcnet-listen -v --fork --deny 127.0.0.1 \
		-e "local f = io.open('$dir/' .. peer:match('^[^:]+'), 'w') f:close()
		    net.send(fd, 'served ' .. peer:match('^[^:]+') .. '\n')" 127.0.0.1 0
	port=$(port_of srv)
	run refused_client 127.0.0.1 127.0.0.1 "$port"
	assert_success
	assert_output --regexp '^got: end:(eof|reset)$'
	run client 127.0.0.2 127.0.0.1 "$port"
	assert_success
	assert_output "got:served 127.0.0.2 end:eof"
	run ls "$dir"
	assert_output "127.0.0.2"
	wait_for "$BATS_TEST_TMPDIR/srv.err" '^vlcnet-listen: refused connection from 127\.0\.0\.1:'
}

@test "200 refused clients leave the listener with the descriptors it had" {
	local tpid pid before
	bg srv vlcnet-listen -k -v --deny 127.0.0.1 127.0.0.1 0
	port=$(port_of srv)
	tpid=$(tail -n 1 "$BATS_TEST_TMPDIR/pids")
	pid=$(child_of "$tpid")
	before=$(fd_count "$pid")
	run pyclient ends 200 127.0.0.1 "$port"
	assert_success
	assert_output --regexp '^eof [0-9]+ reset [0-9]+ data 0 timeout 0$'
	wait_for "$BATS_TEST_TMPDIR/srv.err" 'refused connection' 10
	for _ in $(seq 50); do
		[ "$(grep -c refused "$BATS_TEST_TMPDIR/srv.err")" -eq 200 ] && break
		sleep 0.1
	done
	run grep -c "^vlcnet-listen: refused connection from 127.0.0.1:" "$BATS_TEST_TMPDIR/srv.err"
	assert_output 200
	assert_equal "$(fd_count "$pid")" "$before"
}

@test "bad --allow/--deny input is a one-line usage error (2)" {
	while IFS='|' read -r args msg; do
		eval "run timeout 10 vlcnet-listen $args </dev/null"
		assert_equal "$status $output" \
			"2 vlcnet-listen: $msg"$'\n'"Try 'vlcnet-listen --help' for more information."
	done <<-'ROWS'
	--allow 127.0.0.1/33 0|invalid --allow '127.0.0.1/33': prefix length not 0-32 (IPv4) or 0-128 (IPv6)
	--deny ::1/129 0|invalid --deny '::1/129': prefix length not 0-32 (IPv4) or 0-128 (IPv6)
	--allow 10.0.0.0/ 0|invalid --allow '10.0.0.0/': prefix length not 0-32 (IPv4) or 0-128 (IPv6)
	--allow 10.0.0.0/x 0|invalid --allow '10.0.0.0/x': prefix length not 0-32 (IPv4) or 0-128 (IPv6)
	--allow 10.0.0.0/-8 0|invalid --allow '10.0.0.0/-8': prefix length not 0-32 (IPv4) or 0-128 (IPv6)
	--deny '' 0|invalid --deny '': not an IP address
	--deny 127.0.0.1, 0|invalid --deny '127.0.0.1,': not an IP address
	--allow 256.1.1.1 0|invalid --allow '256.1.1.1': not an IP address
	--allow '10.0.0.*' 0|invalid --allow '10.0.0.*': not an IP address
	--allow 10.0.0.1-9 0|invalid --allow '10.0.0.1-9': not an IP address
	--allow ::1::2 0|invalid --allow '::1::2': not an IP address
	--allow a..b 0|invalid --allow 'a..b': unknown host
	--allow a..b/8 0|invalid --allow 'a..b/8': a /PREFIX needs an IP address, not a host name
	--allow|option --allow needs an argument
	--allow 0|invalid --allow '0': not an IP address
	--allow 127.0.0.1 -U sock|--allow and --deny need TCP connections the tool accepts: not with --unix
	--deny ::1 -u 0|--allow and --deny need TCP connections the tool accepts: not with --udp
	--deny ::1 -e 'x = 1' 0|--allow and --deny need TCP connections the tool accepts: not with --script alone (add --fork)
	ROWS
}

@test "--allowfile serves the clients it lists (comments, blanks and CRLF ends ok) and refuses the rest" {
	printf '# loopback clients we serve\n\n  127.0.0.2   # the second source\r\n::1/128\n' \
		>"$BATS_TEST_TMPDIR/allow.txt"
	bg srv vlcnet-listen -k -v --allowfile "$BATS_TEST_TMPDIR/allow.txt" 0
	port=$(port_of srv)
	run refused_client 127.0.0.1 127.0.0.1 "$port"
	assert_success
	assert_output --regexp '^got: end:(eof|reset)$'
	wait_for "$BATS_TEST_TMPDIR/srv.err" '^vlcnet-listen: refused connection from 127\.0\.0\.1:'
	run client 127.0.0.2 127.0.0.1 "$port" four
	assert_success
	assert_output "got: end:eof"
	run client ::1 ::1 "$port" six
	assert_success
	assert_output "got: end:eof"
	wait_for "$BATS_TEST_TMPDIR/srv.out" '^six$'
	assert_equal "$(cat "$BATS_TEST_TMPDIR/srv.out")" "$(printf 'four\nsix')"
}

@test "--denyfile refuses what it lists; with --allow as ncat combines them, deny wins" {
	printf '127.0.0.1\n' >"$BATS_TEST_TMPDIR/deny.txt"
	bg srv vlcnet-listen -k -v --allow 127.0.0.0/8 --denyfile "$BATS_TEST_TMPDIR/deny.txt" 127.0.0.1 0
	port=$(port_of srv)
	run refused_client 127.0.0.1 127.0.0.1 "$port"
	assert_success
	assert_output --regexp '^got: end:(eof|reset)$'
	run client 127.0.0.2 127.0.0.1 "$port" two
	assert_success
	assert_output "got: end:eof"
	wait_for "$BATS_TEST_TMPDIR/srv.out" '^two$'
	run grep -c "^vlcnet-listen: refused connection from 127.0.0.1:" "$BATS_TEST_TMPDIR/srv.err"
	assert_output 1
}

@test "an --allowfile that lists nobody serves nobody" {
	printf '# nobody yet\n' >"$BATS_TEST_TMPDIR/allow.txt"
	bg srv vlcnet-listen -k -v --allowfile "$BATS_TEST_TMPDIR/allow.txt" 127.0.0.1 0
	port=$(port_of srv)
	run refused_client 127.0.0.1 127.0.0.1 "$port"
	assert_success
	assert_output --regexp '^got: end:(eof|reset)$'
	wait_for "$BATS_TEST_TMPDIR/srv.err" '^vlcnet-listen: refused connection from 127\.0\.0\.1:'
}

@test "a missing, unreadable or bad --allowfile/--denyfile is one line and status 2, before listening" {
	local d=$BATS_TEST_TMPDIR
	printf '127.0.0.1\n\n10.0.0.1 10.0.0.2\n' >"$d/two.txt"
	printf '# c\n10.0.0.0/33\n' >"$d/prefix.txt"
	printf 'a..b\n' >"$d/name.txt"
	while IFS='|' read -r args msg; do
		eval "run timeout 10 vlcnet-listen -v $args 127.0.0.1 0 </dev/null"
		assert_equal "$status $output" "2 vlcnet-listen: $msg"
	done <<-ROWS
	--allowfile $d/none.txt|--allowfile '$d/none.txt': No such file or directory
	--denyfile $d|--denyfile '$d': Is a directory
	--allowfile $d/two.txt|--allowfile $d/two.txt:3: not an IP address
	--denyfile $d/prefix.txt|--denyfile $d/prefix.txt:2: prefix length not 0-32 (IPv4) or 0-128 (IPv6)
	--allowfile $d/name.txt|--allowfile $d/name.txt:1: unknown host
	ROWS
	if [ "$(id -u)" -ne 0 ]; then
		printf '127.0.0.1\n' >"$d/secret.txt"
		chmod 000 "$d/secret.txt"
		run timeout 10 vlcnet-listen --allowfile "$d/secret.txt" 127.0.0.1 0
		assert_failure 2
		assert_output "vlcnet-listen: --allowfile '$d/secret.txt': Permission denied"
	fi
	printf '127.0.0.1\n' >"$d/good.txt"
	run timeout 10 vlcnet-listen --allowfile "$d/good.txt" -U "$d/sock"
	assert_failure 2
	assert_line -n 0 "vlcnet-listen: --allow and --deny need TCP connections the tool accepts: not with --unix"
}

@test "a host name in --allow and --deny stands for its addresses: localhost is 127.0.0.1" {
	bg_stdin srv "$BATS_TEST_TMPDIR/welcome.txt" vlcnet-listen -v --allow localhost 127.0.0.1 0
	port=$(port_of srv)
	run refused_client 127.0.0.2 127.0.0.1 "$port"
	assert_success
	assert_output --regexp '^got: end:(eof|reset)$'
	run client 127.0.0.1 127.0.0.1 "$port" hello
	assert_success
	assert_output "got:welcome end:eof"
	wait_bg
	bg_stdin srv2 "$BATS_TEST_TMPDIR/welcome.txt" vlcnet-listen -v --deny localhost 127.0.0.1 0
	port=$(port_of srv2)
	run refused_client 127.0.0.1 127.0.0.1 "$port"
	assert_success
	assert_output --regexp '^got: end:(eof|reset)$'
	wait_for "$BATS_TEST_TMPDIR/srv2.err" '^vlcnet-listen: refused connection from 127\.0\.0\.1:[0-9]+$'
	run client 127.0.0.2 127.0.0.1 "$port" hi
	assert_success
	assert_output "got:welcome end:eof"
	wait_bg
}
