#!/usr/bin/env bats
# The man pages' EXAMPLES run as they stand, against the build under test.
# Each page's EXAMPLES blocks (.EX/.EE, .nf/.fi or .Bd/.Ed in the EXAMPLES
# section) are read from the page itself, turned back into plain text and run
# where they need nothing beyond loopback. EXAMPLE_PLAN says, page by page and
# block by block, how each is run or why it is not; a page whose block count
# differs from its plan fails, so that a new example cannot go untested.

load helper

PAGES=()
for page in "$TOP"/man/*.[1-9]; do
	[ -f "$page" ] && PAGES+=("${page##*/}")
done

# example PAGE N: the plain text of the Nth example block of man/PAGE (then
# the sed script $EXAMPLE_SUBST, which a test may set).
example() {
	awk -v want="$2" '
		/^\.S[Hh] / { in_ex = ($0 ~ /EXAMPLES/); next }
		!in_ex { next }
		/^\.(EX|nf|Bd)/ { n++; inblk = 1; next }
		/^\.(EE|fi|Ed)/ { inblk = 0; next }
		inblk && n == want && !/^\.(PP|br|sp)/ { print }' "$TOP/man/$1" |
		sed -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\(dq/"/g' \
		    -e 's/\\(ti/~/g' -e 's/\\(ha/^/g' -e 's/\\&//g' \
		    -e 's/\\(rs/\\/g' -e 's/\\e/\\/g' |
		sed -e "${EXAMPLE_SUBST:-}"
}

# example_count PAGE: how many example blocks man/PAGE has.
example_count() {
	awk '/^\.S[Hh] / { in_ex = ($0 ~ /EXAMPLES/); next }
	     in_ex && /^\.(EX|nf|Bd)/ { n++ } END { print n + 0 }' "$TOP/man/$1"
}

# The plan: "PAGE N how" where how is a runner below or "skip: reason".
EXAMPLE_PLAN="
vlcnet-stat.1 1 local
vlcnet-stat.1 2 local
vlcnet-stat.1 3 local
vlcnet-stat.1 4 local
vlcnet-ls.1 1 local
vlcnet-ls.1 2 local
vlcnet-ls.1 3 local
vlcnet-ls.1 4 local
vlcnet-ls.1 5 local
vlcnet-ls.1 6 local
vlcnet-lua.3 1 pair
vlcnet-lua.3 2 skip: a Lua fragment (the sockets a and b come from elsewhere)
vlcnet-lua.3 3 module
vlcnet-lua.3 4 skip: a Lua fragment that reaches a mail server on the Internet
vlcnet-lua.3 5 pair
vlcnet-listen.1 1 pair
vlcnet-listen.1 2 pair
vlcnet-listen.1 3 pair
vlcnet-listen.1 4 pair
vlcnet-listen.1 5 unix
vlcnet-listen.1 6 pair
vlcnet-listen.1 7 pair
vlcnet-listen.1 8 pair
vlcnet-listen.1 9 pair
vlcnet-listen.1 10 pair
vlcnet-listen.1 11 pair
vlcnet-listen.1 12 pair
vlcnet-listen.1 13 pair
vlcnet-listen.1 14 pair
vlcnet-connect.1 1 pair
vlcnet-connect.1 2 pair
vlcnet-connect.1 3 skip: scans 1,024 ports and exits 1 where none is open
vlcnet-connect.1 4 pair
vlcnet-connect.1 5 unix
vlcnet-connect.1 6 pair
vlcnet-connect.1 7 pair
vlcnet-connect.1 8 pair
vlcnet-connect.1 9 pair
vlcnet-connect.1 10 skip: reaches a web server on the Internet
vlcnet-connect.1 11 pair
vlcnet-connect.1 12 pair
vlcnet-connect.1 13 pair
vlcnet-connect.1 14 pair
vlcnet-connect.1 15 proxy
bats-vlcnet.7 1 bats
bats-vlcnet.7 2 bats
bats-vlcnet.7 3 local
"

# plan PAGE: the plan's lines for PAGE.
plan() {
	echo "$EXAMPLE_PLAN" | awk -v p="$1" '$1 == p'
}

# run_local PAGE N: run a block that needs no network, as a bash script
# (pipelines fail when any command does); prints its output.
run_local() {
	local text
	text=$(example "$1" "$2")
	[ -n "$text" ] || { echo "no example $2 in $1" >&2; return 1; }
	cd "$BATS_TEST_TMPDIR" && timeout 20 bash -o pipefail -c "$text"
}

# split_example PAGE N: the block's server (its lines up to the one ending
# in "&", without the "&") and client (the lines after, comments left out),
# into the caller's server and client.
split_example() {
	local text
	text=$(example "$1" "$2")
	server=$(echo "$text" | awk '!done { print } /&$/ { done = 1 }' | sed '$s/ *&$//')
	client=$(echo "$text" | awk 'done && !/^#/ { print } /&$/ { done = 1 }')
}

# run_pair PAGE N: a block of the form "SERVER ... &", comments, "CLIENT"
# whose client names the server's port as PORT: the server runs in the
# background as "server" (its -v line gives the port), then the client under
# run. Call it directly, not under run: wait_bg then checks how the server
# ended.
run_pair() {
	local server client port
	split_example "$1" "$2"
	[[ $server == *" 0" ]] || { echo "server does not bind port 0: $server" >&2; return 1; }
	[[ $client == *PORT* ]] || { echo "client does not name PORT: $client" >&2; return 1; }
	cd "$BATS_TEST_TMPDIR" || return 1
	bg server bash -c "$server"
	port=$(port_of server) || return 1
	run timeout 10 bash -c "${client//PORT/$port}"
}

# run_unix PAGE N: as run_pair, for a server that listens on a Unix socket
# (-v -U PATH, PATH relative to the test's directory): the client starts once
# the server says "listening on PATH".
run_unix() {
	local server client
	split_example "$1" "$2"
	[[ $server == *" -v -U "* ]] || { echo "server does not say where: $server" >&2; return 1; }
	cd "$BATS_TEST_TMPDIR" || return 1
	bg server bash -c "$server"
	wait_for server.err '^vlcnet-listen: listening on ' || return 1
	run timeout 10 bash -c "$client"
}

# run_bats FILE: run a bats file as a user of bats-vlcnet would, with the
# checkout's lib/ on BATS_LIB_PATH; prints bats' TAP output.
run_bats() {
	BATS_LIB_PATH="$TOP/lib:/usr/lib/bats" timeout 60 bats --tap "$1"
}

@test "each page's EXAMPLES are all in the plan of this test" {
	local page count planned bad=0
	for page in "${PAGES[@]}"; do
		if [ ! -f "$TOP/man/$page" ]; then
			echo "no page man/$page" >&2
			bad=1
			continue
		fi
		count=$(example_count "$page")
		planned=$(plan "$page" | wc -l)
		if [ "$count" -ne "$planned" ] || [ "$count" -eq 0 ]; then
			echo "man/$page has $count example blocks, the plan $planned" >&2
			bad=1
		fi
	done
	return "$bad"
}

@test "vlcnet-lua(3) EXAMPLES: the one-line echo runs on loopback" {
	run_pair vlcnet-lua.3 1
	assert_success
	assert_output "hi"
	wait_bg
}

@test "vlcnet-lua(3) EXAMPLES: the task echo serves a client on loopback" {
	run_pair vlcnet-lua.3 5
	assert_success
	assert_output "hi"
	# the server serves on: teardown ends it
}

@test "vlcnet-lua(3) EXAMPLES: the stock interpreter loads the module" {
	local cmd
	cmd=$(example vlcnet-lua.3 3)
	[[ $cmd == *"LUA_CPATH='build/?.so;;'"* ]]
	cd "$TOP"
	run timeout 10 bash -c "${cmd//build\//$BUILD/}"
	assert_success
	assert_output "$(printf '8080\tdir')"
}

@test "vlcnet-listen(1) EXAMPLES: a file received from a client lands in received.txt" {
	run_pair vlcnet-listen.1 1
	assert_success
	wait_bg
	assert_equal "$(cat "$BATS_TEST_TMPDIR/received.txt")" "$(cat /etc/hostname)"
}

@test "vlcnet-listen(1) EXAMPLES: curl fetches the response served from a file" {
	run_pair vlcnet-listen.1 2
	assert_success
	assert_output "hello"
	wait_bg
}

@test "vlcnet-listen(1) EXAMPLES: --fork greets the client with its address" {
	run_pair vlcnet-listen.1 3
	assert_success
	assert_output --regexp '^hello 127\.0\.0\.1:[0-9]+$'
}

@test "vlcnet-listen(1) EXAMPLES: -k collects what clients send over IPv4 and IPv6" {
	run_pair vlcnet-listen.1 4
	assert_success
	wait_for "$BATS_TEST_TMPDIR/log.txt" '^two$'
	assert_equal "$(cat "$BATS_TEST_TMPDIR/log.txt")" "$(printf 'one\ntwo')"
}

@test "vlcnet-listen(1) EXAMPLES: --tls serves a secret to a client that trusts the certificate made for it" {
	run_pair vlcnet-listen.1 11
	assert_success
	assert_output "secret"
	wait_bg
}

@test "vlcnet-connect(1) EXAMPLES: a file sent by the listener is printed" {
	run_pair vlcnet-connect.1 1
	assert_success
	assert_output "$(cat /etc/hostname)"
	wait_bg
}

@test "vlcnet-connect(1) EXAMPLES: a script reads the greeting through microsocks" {
	command -v microsocks >/dev/null || [ -n "${CI:-}" ] || skip "microsocks is not installed"
	# The page's proxy port, 1080, is swapped for a free one.
	local pport i
	pport=$(closed_port)
	bg microsocks microsocks -i 127.0.0.1 -p "$pport"
	for ((i = 0; i < 200; i++)); do
		grep -qi "$(printf ':%04X 00000000:0000 0A' "$pport")" /proc/net/tcp && break
		sleep 0.05
	done
	EXAMPLE_SUBST="s/127.0.0.1:1080/127.0.0.1:$pport/"
	run_pair vlcnet-connect.1 15
	assert_success
	assert_line "through the proxy"
	assert_line --regexp "^vlcnet-connect: connected to 127.0.0.1:[0-9]+ via 127.0.0.1:$pport\$"
}

@test "vlcnet-connect(1) EXAMPLES: an HTTP request by hand gets the page" {
	run_pair vlcnet-connect.1 2
	assert_success
	assert_output $'HTTP/1.0 200 OK\r\n\r\nhi'
	wait_bg
}

@test "vlcnet-connect(1) EXAMPLES: -w ends a silent relay with status 0" {
	run_pair vlcnet-connect.1 4
	assert_success
	assert_output "status 0"
}

@test "vlcnet-listen(1) EXAMPLES: -U serves a control socket and removes it" {
	run_unix vlcnet-listen.1 5
	assert_success
	assert_output "ok"
	wait_bg
	assert_equal "$(cat "$BATS_TEST_TMPDIR/request.txt")" "status"
	[ ! -e "$BATS_TEST_TMPDIR/ctl.sock" ]
}

@test "vlcnet-listen(1) EXAMPLES: -u -w prints a datagram, then ends when idle" {
	run_pair vlcnet-listen.1 6
	assert_success
	wait_bg
	assert_equal "$(cat "$BATS_TEST_TMPDIR/datagrams.txt")" "deploys:1|c"
}

@test "vlcnet-listen(1) EXAMPLES: --allow/--deny serve an allowed loopback client" {
	run_pair vlcnet-listen.1 7
	assert_success
	wait_for "$BATS_TEST_TMPDIR/log.txt" '^hello$'
	assert_equal "$(cat "$BATS_TEST_TMPDIR/log.txt")" "hello"
}

@test "vlcnet-listen(1) EXAMPLES: -lvnp greets the first client as nc -lvnp would" {
	run_pair vlcnet-listen.1 12
	assert_success
	assert_output "hello"
	wait_bg
}

@test "vlcnet-listen(1) EXAMPLES: --allowfile/--denyfile serve a client the file allows" {
	run_pair vlcnet-listen.1 13
	assert_success
	wait_for "$BATS_TEST_TMPDIR/log.txt" '^hello$'
	assert_equal "$(cat "$BATS_TEST_TMPDIR/log.txt")" "hello"
}

@test "vlcnet-listen(1) EXAMPLES: --chat tells a client who it is and that it is alone" {
	run_pair vlcnet-listen.1 14
	assert_success
	assert_line --index 0 --regexp '^<announce> 127\.0\.0\.1 is connected as <user[0-9]+>\.$'
	assert_line --index 1 '<announce> already connected: nobody.'
	assert_equal "${#lines[@]}" 2
}

@test "vlcnet-connect(1) EXAMPLES: --tls-alpn gets the listener's first choice, h2" {
	run_pair vlcnet-connect.1 11
	assert_success
	assert_output --regexp 'vlcnet-connect: TLS: TLSv1\.3, [A-Z0-9_]+, ALPN h2, peer /CN=localhost '
	wait_bg
}

@test "vlcnet-connect(1) EXAMPLES: -C sends the request with CRLF line ends" {
	run_pair vlcnet-connect.1 12
	assert_success
	wait_bg
	assert_equal "$(od -An -c "$BATS_TEST_TMPDIR/request.txt" | tr -d ' \n')" \
		"$(printf 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n' | od -An -c | tr -d ' \n')"
}

@test "vlcnet-connect(1) EXAMPLES: -x keeps a hex dump of both directions" {
	run_pair vlcnet-connect.1 13
	assert_success
	assert_line '< 0000   68 65 6c 6c 6f 0a                                 hello.'
	assert_line '> 0000   68 69 0a                                          hi.'
	[ "${#lines[@]}" -eq 2 ] || fail "$output"
	wait_bg
}

@test "vlcnet-connect(1) EXAMPLES: --send-only leaves once the file is sent" {
	# The page's "sleep 10", which keeps the listener's input open while the
	# client sends, is swapped for input held open until the client is done.
	held_input "$BATS_TEST_TMPDIR/hold"
	EXAMPLE_SUBST="s|sleep 10|cat '$BATS_TEST_TMPDIR/hold'|"
	run_pair vlcnet-connect.1 14
	assert_success
	assert_output ''
	wait_for "$BATS_TEST_TMPDIR/received.txt" "^$(cat /etc/hostname)\$"
	kill "$held_pid"
	wait_bg
	assert_equal "$(cat "$BATS_TEST_TMPDIR/received.txt")" "$(cat /etc/hostname)"
}

@test "vlcnet-connect(1) EXAMPLES: -U asks a control socket" {
	run_unix vlcnet-connect.1 5
	assert_success
	assert_output "running"
	wait_bg
	assert_equal "$(cat "$BATS_TEST_TMPDIR/server.out")" "status"
}

@test "vlcnet-connect(1) EXAMPLES: -u sends a datagram the listener prints" {
	run_pair vlcnet-connect.1 6
	assert_success
	wait_bg
	assert_equal "$(cat "$BATS_TEST_TMPDIR/server.out")" "deploys:1|c"
}

@test "vlcnet-listen(1) EXAMPLES: --lua-exec greets the client with NCAT_REMOTE_ADDR" {
	run_pair vlcnet-listen.1 8
	assert_success
	assert_output "hello 127.0.0.1"
	wait_bg
}

@test "vlcnet-listen(1) EXAMPLES: -c upper-cases what the client sends" {
	run_pair vlcnet-listen.1 9
	assert_success
	assert_output "HELLO"
	wait_bg
}

@test "vlcnet-listen(1) EXAMPLES: --exec counts the bytes the client sends" {
	run_pair vlcnet-listen.1 10
	assert_success
	assert_output "5"
	wait_bg
}

@test "vlcnet-connect(1) EXAMPLES: --lua-exec answers the greeting upper-cased" {
	run_pair vlcnet-connect.1 7
	assert_success
	wait_bg
	assert_equal "$(cat "$BATS_TEST_TMPDIR/server.out")" "HELLO"
}

@test "vlcnet-connect(1) EXAMPLES: -c lets the shell answer the server" {
	run_pair vlcnet-connect.1 8
	assert_success
	wait_bg
	assert_equal "$(cat "$BATS_TEST_TMPDIR/server.out")" "hello world"
}

@test "vlcnet-connect(1) EXAMPLES: --exec sends the lines back reversed" {
	run_pair vlcnet-connect.1 9
	assert_success
	wait_bg
	assert_equal "$(cat "$BATS_TEST_TMPDIR/server.out")" "$(printf 'two\none')"
}

@test "vlcnet-stat(1) EXAMPLES: -c prints what GNU stat -c prints" {
	run run_local vlcnet-stat.1 1
	assert_success
	assert_output "$(stat -c '%n %s %Y' /etc/passwd /etc/hostname)"
}

@test "vlcnet-stat(1) EXAMPLES: -j is read back by Python" {
	run run_local vlcnet-stat.1 2
	assert_success
	assert_output "file"
}

@test "vlcnet-stat(1) EXAMPLES: --where and --print select the larger files" {
	local p want=()
	for p in /etc/passwd /etc/hostname /etc; do
		[ -f "$p" ] && [ ! -L "$p" ] && [ "$(stat -c %s "$p")" -gt 100 ] && want+=("$p")
	done
	run run_local vlcnet-stat.1 3
	assert_success
	assert_output "$(printf '%s\n' "${want[@]}")"
}

@test "vlcnet-stat(1) EXAMPLES: an each() hook prints permissions, uid and path" {
	run run_local vlcnet-stat.1 4
	assert_success
	assert_output "$(stat -c '%a %u %n' /etc/passwd)"
}

@test "vlcnet-ls(1) EXAMPLES: /etc sorted, then with hidden names in directory order" {
	local n
	n=$(LC_ALL=C ls /etc | wc -l)
	run run_local vlcnet-ls.1 1
	assert_success
	[ "$(echo "$output" | head -n "$n")" = "$(LC_ALL=C ls /etc)" ]
	[ "$(echo "$output" | tail -n +"$((n + 1))" | LC_ALL=C sort)" = "$(LC_ALL=C ls -A /etc)" ]
}

@test "vlcnet-ls(1) EXAMPLES: the long listing of /etc/ssl" {
	[ -d /etc/ssl ] || skip "no /etc/ssl on this machine"
	run run_local vlcnet-ls.1 2
	assert_success
	# a "total" line, then one line per entry
	assert_line --index 0 --regexp "^total [0-9]+$"
	[ "${#lines[@]}" -eq "$(($(LC_ALL=C ls /etc/ssl | wc -l) + 1))" ]
	assert_line --regexp "^d.* certs$"
}

@test "vlcnet-ls(1) EXAMPLES: -0 feeds xargs -0" {
	run run_local vlcnet-ls.1 3
	assert_success
	assert_output "$(LC_ALL=C ls /etc | head -n 3)"
}

@test "vlcnet-ls(1) EXAMPLES: -R with --where and --print finds the larger files" {
	[ -d /etc/ssl ] || skip "no /etc/ssl on this machine"
	run run_local vlcnet-ls.1 4
	assert_success
	# -R prints a "DIR:" header and a blank line around each directory
	[ "$(echo "$output" | grep -E '^[0-9]+ /' | LC_ALL=C sort)" = \
	  "$(find /etc/ssl -name '.*' -prune -o -type f -size +1000c -printf '%s %p\n' | LC_ALL=C sort)" ]
}

@test "vlcnet-ls(1) EXAMPLES: -j is read back by Python" {
	run run_local vlcnet-ls.1 5
	assert_success
	assert_output "$(python3 -c 'import os; print(sum(os.lstat("/etc/" + n).st_size for n in os.listdir("/etc") if not n.startswith(".")))')"
}

@test "vlcnet-ls(1) EXAMPLES: an each() hook marks directories as ls -p does" {
	run run_local vlcnet-ls.1 6
	assert_success
	assert_output "$(LC_ALL=C ls -p /etc)"
}

@test "bats-vlcnet(7) EXAMPLES: the canned HTTP answer and the recorded request" {
	example bats-vlcnet.7 1 >"$BATS_TEST_TMPDIR/ex.bats"
	run run_bats "$BATS_TEST_TMPDIR/ex.bats"
	assert_success
	assert_output "$(printf '1..1\nok 1 the client asks for the page and prints the answer')"
}

@test "bats-vlcnet(7) EXAMPLES: the scripted server answers two clients" {
	example bats-vlcnet.7 2 >"$BATS_TEST_TMPDIR/ex.bats"
	run run_bats "$BATS_TEST_TMPDIR/ex.bats"
	assert_success
	assert_output "$(printf '1..1\nok 1 two clients get their answers')"
}

@test "bats-vlcnet(7) EXAMPLES: --port-file from a shell script" {
	run run_local bats-vlcnet.7 3
	assert_success
	assert_output "hi"
}

@test "the README's bats-vlcnet example runs as it stands" {
	awk '/^## Testing your program with bats-vlcnet/ { sec = 1; next }
	     /^## / { sec = 0 }
	     sec && /^```bash$/ { blk = 1; next }
	     sec && /^```$/ { blk = 0 }
	     blk' "$TOP/README.md" >"$BATS_TEST_TMPDIR/readme.bats"
	grep -q '^@test' "$BATS_TEST_TMPDIR/readme.bats"
	run run_bats "$BATS_TEST_TMPDIR/readme.bats"
	assert_success
	assert_output --regexp '^1\.\.[1-9]'
	refute_output --partial "not ok"
}
