-- bench/copas_echo.lua: the copas peer of bench/task_echo.lua (coroutines on
-- LuaSocket), as copas's own samples write an echo server. Debian's copas
-- (1.1) has no receivepartial, and receive(n) waits for all n bytes: the
-- server reads bench/echo.sh's messages whole (MSG bytes, argument 2).
--
--   lua5.1 bench/copas_echo.lua [PORT [MSG]]     (prints "port N" once listening)
local socket = require "socket"
local copas = require "copas"

local MSG = tonumber(arg[2]) or 64
local server = assert(socket.bind("127.0.0.1", tonumber(arg[1]) or 0, 1024))
print("port " .. select(2, server:getsockname()))
io.stdout:flush()
copas.addserver(server, function(c)
	c = copas.wrap(c)
	while true do
		local data = c:receive(MSG)
		if not data then break end
		c:send(data)
	end
end)
copas.loop()
