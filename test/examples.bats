#!/usr/bin/env bats
# Every script in examples/ driven by real clients (nc, curl, python3) over
# loopback, with the command line its first comment shows.

load helper

EX="$TOP/examples"

# serve NAME SCRIPT [ARGS...]: vlcnet-listen -v --script SCRIPT on 127.0.0.1,
# port 0, in the background; sets $port.
serve() {
	local name=$1 script=$2
	shift 2
	bg "$name" vlcnet-listen -v --script "$script" 127.0.0.1 0 ${1+--} "$@"
	port=$(port_of "$name")
}

# --- echo.lua ----------------------------------------------------------------

@test "echo.lua echoes lines to nc and closes when the client is done" {
	serve srv "$EX/echo.lua"
	run timeout 10 nc -N 127.0.0.1 "$port" < <(printf 'hello\nworld\n')
	assert_success
	assert_output $'hello\nworld'
}

@test "echo.lua serves many clients at once, binary-safe" {
	serve srv "$EX/echo.lua"
	run timeout 20 python3 - "$port" <<'PY'
import socket, sys
port = int(sys.argv[1])
socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(100)]
for round in range(3):
    for i, s in enumerate(socks):
        s.sendall(b"%d:%d\0\xff" % (i, round) * 50)
    for i, s in enumerate(socks):
        want = b"%d:%d\0\xff" % (i, round) * 50
        got = b""
        while len(got) < len(want):
            got += s.recv(65536)
        assert got == want, (i, got[:40])
big = bytes(range(256)) * 4096
import threading
threading.Thread(target=socks[0].sendall, args=(big,)).start()
got = b""
while len(got) < len(big):
    got += socks[0].recv(65536)
assert got == big
print("ok", len(socks))
PY
	assert_success
	assert_output "ok 100"
}
