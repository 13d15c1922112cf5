-- task_chat.lua: examples/chat.lua written as tasks (vlcnet-lua(3), TASKS):
-- a reader task per client, and a writer task while it has output queued.
--
--   vlcnet-listen -v --script examples/task_chat.lua 127.0.0.1 0
--
-- Clients (nc, telnet) start as guestN. Commands: /nick NAME, /who, /quit.
-- Output is queued per client and its own writer task sends it, so a slow
-- reader delays nobody; one that falls more than MAX_QUEUE bytes behind, or
-- takes nothing for IDLE_TIMEOUT seconds, is dropped. A line may be at most
-- MAX_LINE bytes, and must be finished within IDLE_TIMEOUT seconds of its
-- first byte; at most MAX_CLIENTS clients at once (the next one is told the
-- server is full). When accept fails (out of descriptors) net.serve pauses
-- accepting instead of spinning. Each limit can be set before the script:
--   vlcnet-listen -e 'MAX_CLIENTS = 10' --script examples/task_chat.lua ...

local MAX_QUEUE = MAX_QUEUE or 1024 * 1024
local MAX_LINE = MAX_LINE or 4096
local MAX_CLIENTS = MAX_CLIENTS or 100
local IDLE = (IDLE_TIMEOUT or 60) * 1000     -- milliseconds
local CHUNK = 65536

local clients = {}   -- client -> true
local count, guests = 0, 0

local function now() return vlc.misc.mdate() / 1e3 end

-- Drop a client: its descriptor is closed once, which wakes its reader and
-- writer (they see nil / -1 and end).
local function drop(c, why)
	if c.closed then return end
	c.closed, c.why = true, why
	c.q, c.head, c.tail, c.qlen = {}, 1, 0, 0
	net.close(c.fd)
end

-- Send the queue, CHUNK bytes at a time; the task ends when it is empty.
local function writer(c)
	while c.qlen > 0 and not c.closed do
		local parts, size = {}, 0
		while c.head <= c.tail and size < CHUNK do
			parts[#parts + 1] = c.q[c.head]
			size = size + #c.q[c.head]
			c.q[c.head], c.head = nil, c.head + 1
		end
		c.qlen = c.qlen - size
		c.stuck_since = now()
		if net.send(c.fd, table.concat(parts)) < 0 then drop(c, "gone") end
	end
	c.writing = false
	if c.leaving and not c.closed then drop(c, c.leaving) end
end

local function put(c, text)
	if c.closed then return end
	if c.qlen == 0 then c.stuck_since = now() end
	c.tail = c.tail + 1
	c.q[c.tail] = text
	c.qlen = c.qlen + #text
	if c.qlen > MAX_QUEUE then return drop(c, "too slow") end
	if not c.writing then
		c.writing = true
		net.spawn(writer, c)
	end
end

local function broadcast(text, except)
	for c in pairs(clients) do
		if c ~= except then put(c, text) end
	end
end

local function nick_taken(nick)
	for c in pairs(clients) do
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
		for other in pairs(clients) do nicks[#nicks + 1] = other.nick end
		table.sort(nicks)
		put(c, "* here: " .. table.concat(nicks, " ") .. "\n")
	elseif cmd == "quit" then
		put(c, "* bye\n")
		c.leaving = "quit"
	else
		put(c, "* unknown command /" .. cmd .. "\n")
	end
end

-- Split what arrived into lines; the unfinished line is at most MAX_LINE
-- bytes, and only new data is searched: linear time whatever comes.
local function received(c, data)
	local start = 1
	while not c.leaving do
		local nl = data:find("\n", start, true)
		if not nl then break end
		local line = c.inbuf .. data:sub(start, nl - 1)
		c.inbuf, start = "", nl + 1
		if #line > MAX_LINE then break end
		line_from(c, line)
	end
	if c.leaving or start > #data then return end
	if c.inbuf == "" then c.line_since = now() end
	c.inbuf = c.inbuf .. data:sub(start)
	if #c.inbuf > MAX_LINE then
		c.inbuf = ""
		put(c, "* line too long (at most " .. MAX_LINE .. " bytes)\n")
		c.leaving = "line too long"
	end
end

net.serve(listener, function(fd)
	if count >= MAX_CLIENTS then
		net.send(fd, "* the server is full, try again later\n")
		net.close(fd)
		return
	end
	guests, count = guests + 1, count + 1
	local c = { fd = fd, nick = "guest" .. guests, inbuf = "", q = {}, head = 1,
	            tail = 0, qlen = 0 }
	broadcast("* " .. c.nick .. " joined\n")
	clients[c] = true
	put(c, "* welcome " .. c.nick .. "; /nick NAME, /who, /quit\n")
	while not c.leaving and not c.closed do
		local data = net.recv(fd, 4096)
		if not data then
			-- end of stream: a last line without a newline still counts
			if c.inbuf ~= "" and not c.closed then line_from(c, c.inbuf) end
			c.leaving = c.leaving or "gone"
		else
			received(c, data)
		end
	end
	clients[c], count = nil, count - 1
	if not c.writing then drop(c, c.leaving) end   -- else its writer drops it
	broadcast("* " .. c.nick .. " left\n")
end)

-- The idle watch: an unfinished line, or output nobody takes, for too long.
net.spawn(function()
	while true do
		net.sleep(math.min(IDLE, 1000))
		local t = now()
		for c in pairs(clients) do
			if c.inbuf ~= "" and t - c.line_since >= IDLE then
				c.inbuf = ""
				drop(c, "idle")
			elseif c.qlen > 0 and t - c.stuck_since >= IDLE then
				drop(c, "too slow")
			end
		end
	end
end)

net.run()
