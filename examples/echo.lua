-- echo.lua: an echo server for many clients at once, driven by net.poll.
--
--   vlcnet-listen -v --script examples/echo.lua 127.0.0.1 0
--
-- Every byte a client sends comes back to it. The poll table is built once
-- and kept: net.poll overwrites each entry with its revents, so the loop puts
-- the wanted events back as it visits every entry.

local POLLIN, POLLOUT = net.POLLIN, net.POLLOUT
local poll, recv, send, close = net.poll, net.recv, net.send, net.close

local listening = {}   -- listening descriptor -> true
local pending = {}     -- client descriptor -> bytes not sent yet
local want = {}        -- the poll table: descriptor -> events
for _, fd in ipairs({ listener:fds() }) do
	listening[fd] = true
	want[fd] = POLLIN
end

-- Send what we can; keep the rest for when the socket is writable again.
local function reply(fd, data)
	local n = send(fd, data)
	if n < 0 then
		return false
	end
	if n < #data then
		pending[fd] = data:sub(n + 1)
		want[fd] = POLLOUT
	else
		want[fd] = POLLIN
	end
	return true
end

while true do
	poll(want)
	local accept = false
	for fd, rev in pairs(want) do
		if rev == 0 then
			-- not ready: ask for the same thing again
			want[fd] = pending[fd] and POLLOUT or POLLIN
		elseif listening[fd] then
			want[fd] = POLLIN
			accept = true
		elseif pending[fd] then
			local data = pending[fd]
			pending[fd] = nil
			if not reply(fd, data) then
				want[fd] = nil
				close(fd)
			end
		else
			-- POLLIN, or POLLHUP/POLLERR: recv tells data from the end
			local data = recv(fd, 65536)
			if not (data and reply(fd, data)) then
				want[fd] = nil
				close(fd)
			end
		end
	end
	-- New keys may not be added while pairs() walks the table.
	if accept then
		local fd = listener:accept()
		if fd >= 0 then
			want[fd] = POLLIN
		end
	end
end
