#!/usr/bin/env bats
# VLC interface modules run unchanged: examples/vlc/telnet.lua and its module
# modules/linehub.lua (module(), vlc.net.*, poll flags by arithmetic) serving
# nc clients and the console at once, and the vlc.* calls outside `net`.

load helper
bats_require_minimum_version 1.5.0

VLCDIR="$TOP/examples/vlc"

# client NAME PORT: nc -N to the server, stdin from the FIFO $NAME.in (opened
# for writing on the descriptor given by the caller), output in NAME.out.
client() {
	mkfifo "$BATS_TEST_TMPDIR/$1.in"
	bg_stdin "$1" "$BATS_TEST_TMPDIR/$1.in" nc -N 127.0.0.1 "$2"
}

@test "the telnet module serves several nc clients and the console at once" {
	local t=$BATS_TEST_TMPDIR
	mkfifo "$t/con.in"
	bg_stdin srv "$t/con.in" vlcnet-connect -s "$VLCDIR/telnet.lua" -- telnet://127.0.0.1:0 '*console'
	exec 7>"$t/con.in"
	port=$(port_of srv)
	wait_for "$t/srv.out" "you are console1\."

	client a "$port"; exec 8>"$t/a.in"
	wait_for "$t/a.out" "you are telnet2\."
	client b "$port"; exec 9>"$t/b.in"
	wait_for "$t/b.out" "you are telnet3\."
	client c "$port"; exec 6>"$t/c.in"
	wait_for "$t/c.out" "you are telnet4\."

	echo "nick alice" >&8
	wait_for "$t/a.out" "you are alice"
	echo "nick bob" >&9
	wait_for "$t/b.out" "you are bob"
	echo "who" >&6
	wait_for "$t/c.out" "4 clients: console1 alice bob telnet4\*"

	echo "say hello from alice" >&8
	for x in b c srv; do wait_for "$t/$x.out" "<alice> hello from alice"; done
	echo "say hi from the console" >&7
	for x in a b c; do wait_for "$t/$x.out" "<console1> hi from the console"; done
	run grep -c "hello from alice" "$t/a.out"
	assert_output "0"

	echo "quit" >&9
	wait_for "$t/b.out" "Bye-bye!"
	wait_for "$t/a.out" "\* bob left"
	echo "who" >&7
	wait_for "$t/srv.out" "3 clients: console1\* alice telnet4"

	echo "shutdown" >&7
	wait_for "$t/a.out" "Shutting down\."
	wait_for "$t/c.out" "Shutting down\."
	pid=$(sed -n 1p "$t/pids")
	# In the test's own shell: run's subshell could not wait for it.
	wait_status "$pid"
	exec 6>&- 7>&- 8>&- 9>&-
	run cat "$t/srv.err"
	assert_output --regexp "^vlcnet-connect: info: listening on 127\.0\.0\.1:[0-9]+"
	assert_output --partial "vlcnet-connect: info: shutdown requested by console1"
}

@test "telnet clients get CRLF lines and their option negotiation is ignored" {
	bg srv vlcnet-connect -s "$VLCDIR/telnet.lua" -- telnet://127.0.0.1:0
	port=$(port_of srv)
	run timeout 10 python3 - "$port" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"\xff\xfb\x01\xff\xfd\x03echo one\r\n\xff\xf1echo two\r\nquit\r\n")
data = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    data += d
sys.stdout.write(repr(data.split(b"\r\n")[1:]))
PY
	assert_success
	assert_output "[b'one', b'two', b'Bye-bye!', b'']"
}

@test "the module loads from modules/ next to the driver, whatever the directory" {
	cd "$BATS_TEST_TMPDIR"
	run timeout 10 vlcnet-connect -s "$VLCDIR/telnet.lua" -- '*console' </dev/null
	assert_success
	assert_output "vlcnet telnet interface $(vlcnet-connect -V | cut -d' ' -f2), you are console1. Type 'help'."
}

@test "the console alone ends at end of input, exit 0" {
	run timeout 10 vlcnet-connect -s "$VLCDIR/telnet.lua" -- '*console' < <(printf 'echo a b\nversion\n')
	assert_success
	assert_line -n 1 "a b"
	assert_line -n 2 --regexp "^vlcnet [0-9]+\.[0-9]+\.[0-9]+$"
}

@test "a bad host URL is a runtime error (1) with the reason" {
	run timeout 10 vlcnet-connect -s "$VLCDIR/telnet.lua" -- 'telnet://bad host:1'
	assert_failure 1
	assert_output --partial "cannot parse host telnet://bad host:1"
}

@test "poll revents decompose with Lua 5.1 arithmetic as VLC scripts test them" {
	run timeout 10 vlcnet-connect -e '
		local function has(x, f) return x % (2 * f) >= f end
		local N = vlc.net
		local l = N.listen_tcp("127.0.0.1", 0)
		local c = N.connect_tcp("127.0.0.1", l:port())
		local s = N.accept(l)
		N.send(c, "x") N.close(c)
		local t = { [s] = N.POLLIN + N.POLLOUT, [99] = N.POLLIN }
		N.poll(t, 1000)
		local out = {}
		for _, f in ipairs({ "POLLIN", "POLLPRI", "POLLOUT", "POLLERR", "POLLHUP", "POLLNVAL" }) do
			out[#out + 1] = f .. "=" .. tostring(has(t[s], N[f])) .. "/" .. tostring(has(t[99], N[f]))
		end
		print(table.concat(out, " "))'
	assert_success
	assert_output "POLLIN=true/false POLLPRI=false/false POLLOUT=true/false POLLERR=false/false POLLHUP=false/false POLLNVAL=false/true"
}

@test "the vlc calls outside net that exist, and those that do not" {
	run timeout 10 vlcnet-connect -e '
		local have = { "msg.dbg", "msg.info", "msg.warn", "msg.err", "misc.version",
		               "misc.quit", "misc.should_die", "misc.mdate", "misc.mwait",
		               "strings.url_parse" }
		for _, name in ipairs(have) do
			local t, f = name:match("(%w+)%.([%w_]+)")
			assert(type(vlc[t][f]) == "function", name)
		end
		print(vlc.win, vlc.playlist, vlc.var, vlc.object, vlc.config, vlc.input, vlc.sd)
		print(vlc.strings.url_parse == vlc.net.url_parse, vlc.misc.should_die())
		local t0 = vlc.misc.mdate()
		vlc.misc.mwait(t0 + 20000)
		print(vlc.misc.mdate() - t0 >= 20000)'
	assert_success
	assert_output $'nil\tnil\tnil\tnil\tnil\tnil\tnil\ntrue\tfalse\ntrue'
}

@test "vlc.msg writes to stderr, dbg only under -v; vlc.misc.quit exits 0 at once" {
	code='vlc.msg.dbg("d") vlc.msg.info("i") vlc.msg.warn("w") vlc.msg.err("e")
	      vlc.misc.quit() print("not reached")'
	run --separate-stderr timeout 10 vlcnet-connect -e "$code"
	assert_success
	assert_output ""
	[ "$stderr" = $'vlcnet-connect: info: i\nvlcnet-connect: warning: w\nvlcnet-connect: error: e' ]
	run timeout 10 vlcnet-connect -v -e "$code"
	assert_success
	assert_line -n 0 "vlcnet-connect: debug: d"
}
