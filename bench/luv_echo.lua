-- bench/luv_echo.lua: the luv (libuv) peer of bench/task_echo.lua, callbacks
-- as libuv's samples write them.
--
--   lua5.1 bench/luv_echo.lua [PORT]     (prints "port N" once listening)
local uv = require "luv"

local server = uv.new_tcp()
server:bind("127.0.0.1", tonumber(arg[1]) or 0)
server:listen(1024, function()
	local c = uv.new_tcp()
	server:accept(c)
	c:read_start(function(err, data)
		if err or not data then
			c:close()
		else
			c:write(data)
		end
	end)
end)
print("port " .. server:getsockname().port)
io.stdout:flush()
uv.run()
