-- echo.lua: an echo server for many clients at once, driven by net.poll.
--
--   vlcnet-listen -v --script examples/echo.lua 127.0.0.1 0
--
-- Every byte a client sends comes back to it. The poll table is built once
-- and kept: net.poll overwrites each entry with its revents, so the loop puts
-- the wanted events back as it visits every entry.
--
-- Accepted sockets are non-blocking (as in VLC): a client that does not read
-- what comes back only stops being read itself (its reply waits for POLLOUT),
-- and never holds up the others. At most MAX_CLIENTS clients at once (later
-- ones are closed at once); a client silent in both directions for
-- IDLE_TIMEOUT seconds is dropped; when accept fails (out of descriptors) the
-- server stops accepting for a moment instead of spinning. Each limit can be
-- set before the script: vlcnet-listen -e 'IDLE_TIMEOUT = 10' --script ...

local MAX_CLIENTS = MAX_CLIENTS or 1000
local IDLE = IDLE_TIMEOUT or 300         -- seconds
local BACKOFF = 0.5                      -- seconds without accept after a failure

local POLLIN, POLLOUT = net.POLLIN, net.POLLOUT
local poll, recv, send, close = net.poll, net.recv, net.send, net.close

local function now() return vlc.misc.mdate() / 1e6 end

local listening = {}   -- listening descriptor -> true
local pending = {}     -- client descriptor -> bytes not sent yet
local seen = {}        -- client descriptor -> time of its last traffic
local want = {}        -- the poll table: descriptor -> events
local clients = 0
local paused_until = nil   -- accepting again at this time, after a failure
for _, fd in ipairs({ listener:fds() }) do
	listening[fd] = true
	want[fd] = POLLIN
end

local function drop(fd)
	want[fd], pending[fd], seen[fd] = nil, nil, nil
	clients = clients - 1
	close(fd)
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

local function set_listening(events)
	for fd in pairs(listening) do want[fd] = events end
end

while true do
	-- Wake up for the next idle deadline, or the end of an accept pause.
	local t = now()
	local wake = paused_until
	for _, last in pairs(seen) do
		if not wake or last + IDLE < wake then wake = last + IDLE end
	end
	poll(want, wake and math.max(0, math.ceil((wake - t) * 1000)) or nil)
	t = now()
	local accept = false
	for fd, rev in pairs(want) do
		if rev == 0 then
			-- not ready: ask for the same thing again
			want[fd] = listening[fd] and POLLIN or pending[fd] and POLLOUT or POLLIN
		elseif listening[fd] then
			want[fd] = POLLIN
			accept = true
		elseif pending[fd] then
			local data = pending[fd]
			pending[fd] = nil
			seen[fd] = t
			if not reply(fd, data) then drop(fd) end
		else
			-- POLLIN, or POLLHUP/POLLERR: recv tells data from the end
			local data = recv(fd, 65536)
			seen[fd] = t
			if not (data and reply(fd, data)) then drop(fd) end
		end
	end
	for fd, last in pairs(seen) do
		if t - last >= IDLE then drop(fd) end
	end
	if paused_until and t >= paused_until then
		paused_until = nil
		set_listening(POLLIN)
	end
	-- New keys may not be added while pairs() walks the table.
	if accept then
		local fd = listener:accept()
		if fd < 0 then
			-- Out of descriptors (EMFILE): the listener stays readable, so
			-- polling it again at once would spin. Leave it alone a moment.
			paused_until = t + BACKOFF
			set_listening(nil)
		elseif clients >= MAX_CLIENTS then
			close(fd)
		else
			clients = clients + 1
			want[fd], seen[fd] = POLLIN, t
		end
	end
end
