-- bench/luasocket_echo.lua: the LuaSocket peer of examples/echo.lua for
-- bench/echo.sh, written the way LuaSocket's own samples serve many clients:
-- socket.select over a list of sockets, receive what is ready, send it back.
--
--   lua5.1 bench/luasocket_echo.lua [PORT]     (prints "port N" once listening)

local socket = require "socket"

local server = assert(socket.bind("127.0.0.1", tonumber(arg[1]) or 0, 1024))
server:settimeout(0)
print("port " .. select(2, server:getsockname()))
io.stdout:flush()

local recvt = { server }   -- what select watches, as a list
local index = {}           -- socket -> its position in recvt

local function drop(c)
	local i, last = index[c], recvt[#recvt]
	recvt[i] = last
	index[last] = i
	recvt[#recvt] = nil
	index[c] = nil
	c:close()
end

while true do
	local ready = socket.select(recvt, nil)
	for _, c in ipairs(ready) do
		if c == server then
			local client = server:accept()
			if client then
				client:settimeout(0)
				recvt[#recvt + 1] = client
				index[client] = #recvt
			end
		else
			-- receive(n) waits for n bytes; a partial read comes back
			-- as the third value when the timeout is 0
			local data, err, partial = c:receive(65536)
			data = data or partial
			if data and #data > 0 then
				local last, _, sent = c:send(data)
				if not last and sent < #data then
					-- rare: the socket is full; finish blocking
					c:settimeout(nil)
					c:send(data, sent + 1)
					c:settimeout(0)
				end
			elseif err == "closed" then
				drop(c)
			end
		end
	end
end
