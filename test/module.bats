#!/usr/bin/env bats
# `require "vlcnet"` from the stock lua5.1 and luajit interpreters, and one
# state holding a thousand connections without leaking a descriptor.

load helper

# stock INTERP CODE: run CODE in the stock interpreter INTERP (lua5.1 or luajit)
# with the build's vlcnet.so first on the C path; skips (require_tool) if INTERP is missing.
stock() {
	require_tool "$1" || return 1
	run env LUA_CPATH="$BUILD/?.so;;" timeout 20 "$1" -e "$2"
}

# The API's names and flag values, one per line, sorted: the same text from a
# stock interpreter and from inside a binary means the same API.
API='local n = require "vlcnet"
     local names = {}
     for k, v in pairs(n) do
       names[#names + 1] = k .. "=" .. (type(v) == "number" and v or type(v))
     end
     table.sort(names)
     print(table.concat(names, " "))'

# A round trip over loopback through every kind of call.
ROUND_TRIP='local net = require "vlcnet"
     local l = net.listen_tcp("127.0.0.1", 0)
     local c = net.connect_tcp("127.0.0.1", l:port())
     local s = net.accept(l)
     print(({l:fds()})[1], c, s)
     print(net.send(c, "ping\0!"), net.recv(s, 100) == "ping\0!")
     local t = { [s] = net.POLLOUT, [c] = net.POLLIN, [99] = net.POLLIN }
     print(net.poll(t, 1000), t[s] % (2 * net.POLLOUT) >= net.POLLOUT, t[c], t[99] == net.POLLNVAL)
     net.close(c)
     print(net.recv(s, 10), net.stat("/").type, net.url_parse("http://h:8/p").port)
     print(require "vlcnet" == net)'

@test "vlcnet.so needs no Lua library, so one file loads into both interpreters" {
	run readelf -d "$BUILD/vlcnet.so"
	assert_success
	refute_output --partial "liblua"
	refute_output --partial "libluajit"
}

@test "require \"vlcnet\" in lua5.1 returns the API a script sees in a binary" {
	run timeout 20 vlcnet-connect -e "$API"
	assert_success
	local inside=$output
	assert_output --partial "listen_tcp=function"
	assert_output --partial "POLLNVAL=32"
	stock lua5.1 "$API"
	assert_success
	assert_output "$inside"
}

@test "require \"vlcnet\" in luajit returns the API a script sees in a binary" {
	run timeout 20 vlcnet-connect -e "$API"
	assert_success
	local inside=$output
	stock luajit "$API"
	assert_success
	assert_output "$inside"
}

@test "lua5.1: a round trip through every kind of call, with slots from 3" {
	stock lua5.1 "$ROUND_TRIP"
	assert_success
	assert_output $'3\t4\t5\n6\ttrue\n2\ttrue\t0\ttrue\nnil\tdir\t8\ntrue'
}

@test "luajit: a round trip through every kind of call, with slots from 3" {
	stock luajit "$ROUND_TRIP"
	assert_success
	assert_output $'3\t4\t5\n6\ttrue\n2\ttrue\t0\ttrue\nnil\tdir\t8\ntrue'
}

@test "the stock interpreters keep stdio as descriptors 0, 1 and 2" {
	for interp in lua5.1 luajit; do
		stock "$interp" 'local net = require "vlcnet"
			net.close(1)
			print(net.write(1, "out\n"), net.write(2, ""), net.read(0, 10))'
		assert_success
		assert_output $'out\n4\t0\tnil'
	done
}

# --- a thousand connections in one state -------------------------------------

# Open 1,000 connections (2,000 descriptors) to one listener, check that every
# slot is distinct and usable, close them all and count the process's open
# descriptors again. Prints "before during after".
THOUSAND='local net = require "vlcnet"
     local function count() return #net.opendir("/proc/self/fd") end
     local before = count()
     local l = net.listen_tcp("127.0.0.1", 0)
     local fds, seen = {}, {}
     for i = 1, 1000 do
       local c = net.connect_tcp("127.0.0.1", l:port())
       local s = l:accept()
       assert(c >= 3 and s >= 3, "out of descriptors at " .. i)
       assert(not seen[c] and not seen[s])
       seen[c], seen[s] = true, true
       fds[#fds + 1] = c
       fds[#fds + 1] = s
     end
     assert(net.send(fds[1999], "x") == 1 and net.recv(fds[2000]) == "x")
     local t = {}
     for _, fd in ipairs(fds) do t[fd] = net.POLLOUT end
     local during = count()
     assert(net.poll(t, 1000) == 2000, "poll")
     for _, fd in ipairs(fds) do net.close(fd) end
     l:close()
     print(before, during - before, count() - before)'

# thousand CMD...: run CMD with a soft descriptor limit of 4096.
thousand() {
	[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 4096 ] ||
		skip "the hard descriptor limit $(ulimit -Hn) is below 4096"
	run bash -c 'ulimit -n 4096 && exec "$@"' thousand "$@"
}

@test "a binary's state opens 1,000 connections and closes them without a leak" {
	thousand timeout 60 vlcnet-connect -e "$THOUSAND"
	assert_success
	assert_output --regexp $'^[0-9]+\t2001\t0$'
}

@test "lua5.1 with require opens 1,000 connections and closes them without a leak" {
	require_tool lua5.1
	thousand env LUA_CPATH="$BUILD/?.so;;" timeout 60 lua5.1 -e "$THOUSAND"
	assert_success
	assert_output --regexp $'^[0-9]+\t2001\t0$'
}

@test "luajit with require opens 1,000 connections and closes them without a leak" {
	require_tool luajit
	thousand env LUA_CPATH="$BUILD/?.so;;" timeout 60 luajit -e "$THOUSAND"
	assert_success
	assert_output --regexp $'^[0-9]+\t2001\t0$'
}

@test "a collected listener closes its socket; connections stay until closed" {
	thousand timeout 60 vlcnet-connect -e 'local function count() return #net.opendir("/proc/self/fd") end
	     local before = count()
	     do
	       local l = net.listen_tcp("127.0.0.1", 0)
	       for i = 1, 100 do net.connect_tcp("127.0.0.1", l:port()) end
	     end
	     collectgarbage() collectgarbage()
	     print(count() - before)'
	assert_success
	assert_output "100"
}
