-- task_echo.lua: examples/echo.lua written as tasks (vlcnet-lua(3), TASKS):
-- one task per client, its code straight down; the event loop underneath
-- does what echo.lua's poll table does by hand.
--
--   vlcnet-listen -v --script examples/task_echo.lua 127.0.0.1 0
--
-- Every byte a client sends comes back to it. A client that does not read
-- what comes back only holds up its own task (its send waits); at most
-- MAX_CLIENTS clients at once (later ones are closed at once); a client
-- silent in both directions for IDLE_TIMEOUT seconds is dropped: a watch task
-- closes its descriptor, which wakes its task with nil. When accept fails
-- (out of descriptors) net.serve pauses accepting instead of spinning. Each
-- limit can be set before the script:
--   vlcnet-listen -e 'IDLE_TIMEOUT = 10' --script examples/task_echo.lua ...

local MAX_CLIENTS = MAX_CLIENTS or 1000
local IDLE = (IDLE_TIMEOUT or 300) * 1000    -- milliseconds

local clients, count = {}, 0                 -- client -> true
local function now() return vlc.misc.mdate() / 1e3 end

net.serve(listener, function(fd)
	if count >= MAX_CLIENTS then
		net.close(fd)
		return
	end
	local c = { fd = fd, seen = now() }
	clients[c], count = true, count + 1
	while true do
		local data = net.recv(fd, 65536)
		if not data then break end
		c.seen = now()
		if net.send(fd, data) < 0 then break end
		c.seen = now()
	end
	clients[c], count = nil, count - 1
	-- the watch may have closed it already (and the slot be someone else's)
	if not c.closed then net.close(fd) end
end)

-- The idle watch.
net.spawn(function()
	while true do
		net.sleep(math.min(IDLE, 1000))
		local t = now()
		for c in pairs(clients) do
			if not c.closed and t - c.seen >= IDLE then
				c.closed = true
				net.close(c.fd)
			end
		end
	end
end)

net.run()
