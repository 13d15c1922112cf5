-- bench/cqueues_echo.lua: the cqueues peer of bench/task_echo.lua, one
-- coroutine per client, as cqueues's samples write them.
--
--   lua5.1 bench/cqueues_echo.lua [PORT]     (prints "port N" once listening)
local cqueues = require "cqueues"
local socket = require "cqueues.socket"

local cq = cqueues.new()
local server = socket.listen("127.0.0.1", tonumber(arg[1]) or 0)
server:listen()
local _, _, port = server:localname()
print("port " .. port)
io.stdout:flush()
cq:wrap(function()
	while true do
		local c = server:accept()
		cq:wrap(function()
			c:setmode("b", "b")
			-- a client's reset ends its coroutine, not the server
			c:onerror(function(_, _, code) return code end)
			while true do
				local data = c:xread(-4096, "b")
				if not data then break end
				c:write(data)
				c:flush()
			end
			c:close()
		end)
	end
end)
while not cq:loop() do end
