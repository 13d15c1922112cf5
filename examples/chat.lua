-- chat.lua: a chat broker: every line a client sends goes to all the others.
--
--   vlcnet-listen -v --script examples/chat.lua 127.0.0.1 0
--
-- Clients (nc, telnet) start as guestN. Commands: /nick NAME, /who, /quit.
-- Output is queued per client and written as its socket takes it (accepted
-- sockets are non-blocking, as in VLC), so a slow reader delays nobody; one
-- that falls more than MAX_QUEUE bytes behind, or takes nothing for
-- IDLE_TIMEOUT seconds, is dropped. A client that ends its side (nc -N
-- half-closes) is sent what was queued for it by then, and then closed. A line
-- may be at most MAX_LINE bytes, and must be finished within IDLE_TIMEOUT
-- seconds of its first byte; at most MAX_CLIENTS clients at once (the next one
-- is told the server is full). When accept fails (out of descriptors) the
-- server stops accepting for a moment instead of spinning. Each limit can be
-- set before the script:
--   vlcnet-listen -e 'MAX_CLIENTS = 10' --script examples/chat.lua ...

local MAX_QUEUE = MAX_QUEUE or 1024 * 1024
local MAX_LINE = MAX_LINE or 4096
local MAX_CLIENTS = MAX_CLIENTS or 100
local IDLE = IDLE_TIMEOUT or 60          -- seconds
local BACKOFF = 0.5                      -- seconds without accept after a failure
local CHUNK = 65536
local POLLIN, POLLOUT = net.POLLIN, net.POLLOUT

local clients = {}   -- fd -> client (see join)
local count, guests = 0, 0
local paused_until = nil

local function now() return vlc.misc.mdate() / 1e6 end

local function has(x, f)
	return x % (2 * f) >= f
end

-- The output queue: pieces q[head..tail], qlen bytes in all. Adding is O(1)
-- whatever the queue holds, so a client that reads nothing costs nobody else.
local function put(c, text)
	if c.leaving then return end
	if c.qlen == 0 then c.stuck_since = now() end
	c.tail = c.tail + 1
	c.q[c.tail] = text
	c.qlen = c.qlen + #text
	if c.qlen > MAX_QUEUE then
		c.q, c.head, c.tail, c.qlen = {}, 1, 0, 0
		c.leaving = "too slow"
	end
end

-- One send of up to CHUNK queued bytes. Returns false when the peer is gone.
local function flush(fd, c)
	local parts, size = {}, 0
	for i = c.head, c.tail do
		if size >= CHUNK then break end
		parts[#parts + 1] = c.q[i]
		size = size + #c.q[i]
	end
	local n = net.send(fd, table.concat(parts))
	if n < 0 then return false end
	c.qlen = c.qlen - n
	c.stuck_since = now()
	while n > 0 do
		local piece = c.q[c.head]
		if n >= #piece then
			c.q[c.head], c.head, n = nil, c.head + 1, n - #piece
		else
			c.q[c.head], n = piece:sub(n + 1), 0
		end
	end
	return true
end

local function broadcast(text, except)
	for _, c in pairs(clients) do
		if c ~= except then put(c, text) end
	end
end

local function nick_taken(nick)
	for _, c in pairs(clients) do
		if c.nick == nick then return true end
	end
	return false
end

local function line_from(c, line)
	line = line:gsub("\r$", "")
	local cmd, argument = line:match("^/(%a+)%s*(.-)%s*$")
	if not cmd then
		if line ~= "" then broadcast("<" .. c.nick .. "> " .. line .. "\n", c) end
	elseif cmd == "nick" then
		if not argument:match("^[%w_%-]+$") or #argument > 32 then
			put(c, "* a nick is up to 32 letters, digits, _ and -\n")
		elseif nick_taken(argument) then
			put(c, "* " .. argument .. " is taken\n")
		else
			broadcast("* " .. c.nick .. " is now " .. argument .. "\n")
			c.nick = argument
		end
	elseif cmd == "who" then
		local nicks = {}
		for _, other in pairs(clients) do nicks[#nicks + 1] = other.nick end
		table.sort(nicks)
		put(c, "* here: " .. table.concat(nicks, " ") .. "\n")
	elseif cmd == "quit" then
		put(c, "* bye\n")
		c.leaving = "quit"
	else
		put(c, "* unknown command /" .. cmd .. "\n")
	end
end

local function too_long(c)
	c.inbuf = ""
	put(c, "* line too long (at most " .. MAX_LINE .. " bytes)\n")
	c.leaving = "line too long"
end

-- Split what arrived into lines. Only the new data is searched, with a plain
-- find, and the unfinished line is at most MAX_LINE bytes: linear time
-- whatever the client sends.
local function received(c, data)
	local start = 1
	while not c.leaving do
		local nl = data:find("\n", start, true)
		if not nl then break end
		local line = c.inbuf .. data:sub(start, nl - 1)
		c.inbuf, start = "", nl + 1
		if #line > MAX_LINE then return too_long(c) end
		line_from(c, line)
	end
	if c.leaving or start > #data then return end
	if c.inbuf == "" then c.line_since = now() end
	c.inbuf = c.inbuf .. data:sub(start)
	if #c.inbuf > MAX_LINE then too_long(c) end
end

local function join(fd)
	guests = guests + 1
	count = count + 1
	local c = { nick = "guest" .. guests, inbuf = "", q = {}, head = 1, tail = 0,
	            qlen = 0 }
	broadcast("* " .. c.nick .. " joined\n")
	clients[fd] = c
	put(c, "* welcome " .. c.nick .. "; /nick NAME, /who, /quit\n")
end

local function leave(fd)
	local c = clients[fd]
	clients[fd] = nil
	count = count - 1
	net.close(fd)
	broadcast("* " .. c.nick .. " left\n")
end

-- Drop what has waited too long: an unfinished line, or output nobody takes.
local function expire(t)
	for _, c in pairs(clients) do
		if not c.leaving and c.inbuf ~= "" and t - c.line_since >= IDLE then
			c.inbuf, c.leaving = "", "idle"
		end
		if c.qlen > 0 and t - c.stuck_since >= IDLE then
			c.q, c.head, c.tail, c.qlen = {}, 1, 0, 0
			c.leaving = c.leaving or "too slow"
		end
	end
end

-- The next time expire has something to do, or nil.
local function next_deadline()
	local wake = paused_until
	for _, c in pairs(clients) do
		local d = c.inbuf ~= "" and c.line_since + IDLE
		local e = c.qlen > 0 and c.stuck_since + IDLE
		for _, x in ipairs({ d or false, e or false }) do
			if x and (not wake or x < wake) then wake = x end
		end
	end
	return wake
end

local lfds = { listener:fds() }
while true do
	local t = {}
	if not paused_until then
		for _, fd in ipairs(lfds) do t[fd] = POLLIN end
	end
	-- Leaving queues "left" for the others: do it before asking for POLLOUT.
	for fd, c in pairs(clients) do
		if c.leaving and c.qlen == 0 then leave(fd) end
	end
	for fd, c in pairs(clients) do
		t[fd] = (c.leaving and 0 or POLLIN) + (c.qlen > 0 and POLLOUT or 0)
	end
	local wake = next_deadline()
	net.poll(t, wake and math.max(0, math.ceil((wake - now()) * 1000)) or nil)
	local time = now()
	for _, fd in ipairs(lfds) do
		if (t[fd] or 0) ~= 0 then
			local cfd = listener:accept()
			if cfd < 0 then
				-- Out of descriptors: the listener stays readable, so
				-- polling it again at once would spin.
				paused_until = time + BACKOFF
			elseif count >= MAX_CLIENTS then
				net.send(cfd, "* the server is full, try again later\n")
				net.close(cfd)
			else
				join(cfd)
			end
			break
		end
	end
	if paused_until and time >= paused_until then paused_until = nil end
	for fd, c in pairs(clients) do
		local rev = t[fd] or 0
		if has(rev, POLLOUT) and c.qlen > 0 and not flush(fd, c) then
			c.q, c.head, c.tail, c.qlen = {}, 1, 0, 0
			c.leaving = "gone"
		end
		if not c.leaving and (has(rev, POLLIN) or has(rev, net.POLLHUP) or
		                      has(rev, net.POLLERR)) then
			local data = net.recv(fd, 4096)
			if data then
				received(c, data)
			else
				-- End of stream: a last line without a newline still
				-- counts. The client may only have half-closed (nc -N):
				-- what is queued for it, the answer to that line too, is
				-- still sent before it leaves.
				if c.inbuf ~= "" then line_from(c, c.inbuf) end
				c.inbuf = ""
				c.leaving = c.leaving or "gone"
			end
		end
	end
	expire(now())
end
