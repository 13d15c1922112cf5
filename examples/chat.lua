-- chat.lua: a chat broker: every line a client sends goes to all the others.
--
--   vlcnet-listen -v --script examples/chat.lua 127.0.0.1 0
--
-- Clients (nc, telnet) start as guestN. Commands: /nick NAME, /who, /quit.
-- Output is queued per client and written as its socket takes it, so a slow
-- reader delays nobody; one that falls more than MAX_QUEUE bytes behind is
-- dropped.

local MAX_QUEUE = 1024 * 1024
local POLLIN, POLLOUT = net.POLLIN, net.POLLOUT

local clients = {}   -- fd -> { nick, inbuf, out, leaving }
local guests = 0

local function has(x, f)
	return x % (2 * f) >= f
end

local function put(c, text)
	if not c.leaving then
		c.out = c.out .. text
		if #c.out > MAX_QUEUE then
			c.out, c.leaving = "", "too slow"
		end
	end
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
		if not argument:match("^[%w_%-]+$") then
			put(c, "* a nick is letters, digits, _ and -\n")
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

local function leave(fd)
	local c = clients[fd]
	clients[fd] = nil
	net.close(fd)
	broadcast("* " .. c.nick .. " left\n")
end

local lfds = { listener:fds() }
while true do
	local t = {}
	for _, fd in ipairs(lfds) do t[fd] = POLLIN end
	-- Leaving queues "left" for the others: do it before asking for POLLOUT.
	for fd, c in pairs(clients) do
		if c.leaving and c.out == "" then leave(fd) end
	end
	for fd, c in pairs(clients) do
		t[fd] = (c.leaving and 0 or POLLIN) + (c.out ~= "" and POLLOUT or 0)
	end
	net.poll(t)
	for _, fd in ipairs(lfds) do
		if t[fd] ~= 0 then
			local cfd = listener:accept()
			if cfd >= 0 then
				guests = guests + 1
				local c = { nick = "guest" .. guests, inbuf = "", out = "" }
				broadcast("* " .. c.nick .. " joined\n")
				clients[cfd] = c
				put(c, "* welcome " .. c.nick .. "; /nick NAME, /who, /quit\n")
			end
			break
		end
	end
	for fd, c in pairs(clients) do
		local rev = t[fd] or 0
		if has(rev, POLLOUT) then
			local n = net.send(fd, c.out)
			if n < 0 then
				c.out, c.leaving = "", "gone"
			else
				c.out = c.out:sub(n + 1)
			end
		end
		if not c.leaving and (has(rev, POLLIN) or has(rev, net.POLLHUP) or
		                      has(rev, net.POLLERR)) then
			local data = net.recv(fd, 4096)
			if data then
				c.inbuf = c.inbuf .. data
				for line in c.inbuf:gmatch("([^\n]*)\n") do
					line_from(c, line)
				end
				c.inbuf = c.inbuf:match("[^\n]*$")
			else
				-- end of stream: a last line without a newline still counts
				if c.inbuf ~= "" then line_from(c, c.inbuf) end
				c.inbuf, c.out, c.leaving = "", "", "gone"
			end
		end
	end
end
