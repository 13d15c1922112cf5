--[[ linehub: line-oriented clients over telnet-style TCP connections and the
console, multiplexed with vlc.net.poll, written as a VLC interface module is:
`module(..., package.seeall)`, only vlc.* calls, poll flags tested with
arithmetic because Lua 5.1 has no bit operators.

  require "linehub"
  local hub = linehub.new { on_line = function(client, line) ... end }
  hub:listen("telnet://127.0.0.1:4212")   -- or "*console" for stdin/stdout
  while hub:step() do end

Callbacks (all optional): on_connect(client), on_line(client, line),
on_close(client). A client has `id`, `kind` ("console" or "telnet"), `name`,
and the methods send(text), close() (after what is queued has gone out).
]]

module("linehub", package.seeall)

local POLLIN, POLLOUT = vlc.net.POLLIN, vlc.net.POLLOUT
local POLLERR, POLLHUP, POLLNVAL = vlc.net.POLLERR, vlc.net.POLLHUP, vlc.net.POLLNVAL

-- Whether the flag f is set in the event mask x (both non-negative).
local function has(x, f)
	return x % (2 * f) >= f
end

-- Telnet option negotiation (IAC ...) is not for us: drop it.
local function strip_telnet(s)
	return (s:gsub("\255[\251-\254].", ""):gsub("\255[\240-\250]", ""))
end

local Client = {}
Client.__index = Client

function Client:send(text)
	if not self.closed then
		self.out = self.out .. text:gsub("\n", self.eol)
	end
end

-- Stop reading; the connection ends once its queued output is written.
function Client:close()
	self.closing = true
end

local Hub = {}
Hub.__index = Hub

function new(callbacks)
	local h = setmetatable({
		listeners = {},   -- { object = listen object, fds = { fd... } }
		clients = {},     -- id -> client
		count = 0,        -- clients ever connected: the next id
		cb = callbacks or {},
	}, Hub)
	return h
end

local function add_client(h, kind, rfd, wfd)
	h.count = h.count + 1
	local c = setmetatable({
		id = h.count, kind = kind, name = kind .. h.count,
		rfd = rfd, wfd = wfd, eol = kind == "console" and "\n" or "\r\n",
		inbuf = "", out = "", hub = h,
	}, Client)
	h.clients[c.id] = c
	if h.cb.on_connect then h.cb.on_connect(c) end
	return c
end

-- listen("*console") serves stdin/stdout; listen(URL) listens for telnet-style
-- clients on the URL's host and port (4212 when absent). Returns the port.
function Hub:listen(spec)
	if spec == "*console" then
		add_client(self, "console", 0, 1)
		return
	end
	local u = vlc.strings.url_parse(spec)
	if not u or not u.host then
		error("cannot parse host " .. tostring(spec))
	end
	local port = u.port
	if not port or port == 0 and not spec:match(":0$") then
		port = 4212
	end
	local l = vlc.net.listen_tcp(u.host, port)
	-- Port 0 picks a free port; VLC itself does not say which, vlcnet does.
	if port == 0 and l.port then port = l:port() end
	table.insert(self.listeners, { object = l, fds = { l:fds() } })
	vlc.msg.info("listening on " .. u.host .. ":" .. port)
	return port
end

function Hub:each()
	return pairs(self.clients)
end

function Hub:broadcast(text, except)
	for _, c in pairs(self.clients) do
		if c ~= except then c:send(text) end
	end
end

local function drop(h, c)
	if c.closed then return end
	c.closed = true
	h.clients[c.id] = nil
	if c.kind ~= "console" then vlc.net.close(c.rfd) end
	if h.cb.on_close then h.cb.on_close(c) end
end

local function write_out(c)
	local n
	if c.kind == "console" then
		n = vlc.net.write(c.wfd, c.out)
	else
		n = vlc.net.send(c.wfd, c.out)
	end
	if n < 0 then
		c.out = ""
		return false
	end
	c.out = c.out:sub(n + 1)
	return true
end

local function read_in(h, c)
	local data
	if c.kind == "console" then
		data = vlc.net.read(c.rfd, 4096)
	else
		data = vlc.net.recv(c.rfd, 4096)
	end
	if not data then
		return false
	end
	c.inbuf = c.inbuf .. strip_telnet(data)
	while not c.closing do
		local line, rest = c.inbuf:match("^([^\n]*)\n(.*)$")
		if not line then break end
		c.inbuf = rest
		if h.cb.on_line then h.cb.on_line(c, (line:gsub("\r$", ""))) end
	end
	return true
end

-- Write what every client has queued, waiting as long as that takes: for a
-- last word before quitting.
function Hub:flush()
	for _, c in pairs(self.clients) do
		while c.out ~= "" and write_out(c) do end
	end
end

-- One round: wait (timeout in ms, forever by default) until a listener or a
-- client is ready, then accept, read and write. Returns false once there is
-- nothing left to serve.
function Hub:step(timeout)
	local t = {}
	for _, l in ipairs(self.listeners) do
		for _, fd in ipairs(l.fds) do t[fd] = POLLIN end
	end
	-- on_close may queue text for the others: drop before asking for POLLOUT.
	for _, c in pairs(self.clients) do
		if c.closing and c.out == "" then drop(self, c) end
	end
	local served = #self.listeners > 0
	for _, c in pairs(self.clients) do
		served = true
		if not c.closing then
			t[c.rfd] = (t[c.rfd] or 0) + POLLIN
		end
		if c.out ~= "" then
			t[c.wfd] = (t[c.wfd] or 0) + POLLOUT
		end
	end
	if not served then return false end
	if vlc.net.poll(t, timeout) < 0 then return true end

	for _, l in ipairs(self.listeners) do
		for _, fd in ipairs(l.fds) do
			if has(t[fd], POLLIN) then
				local cfd = vlc.net.accept(l.object)
				if cfd >= 0 then add_client(self, "telnet", cfd, cfd) end
				break  -- accept took a connection from one of the fds
			end
		end
	end
	for _, c in pairs(self.clients) do
		local w, r = t[c.wfd] or 0, t[c.rfd] or 0
		local ok = true
		if has(w, POLLOUT) then
			ok = write_out(c)
		end
		if ok and not c.closing and
		   (has(r, POLLIN) or has(r, POLLHUP) or has(r, POLLERR)) then
			ok = read_in(self, c)
		end
		if not ok or has(r, POLLNVAL) or has(w, POLLNVAL) or
		   (has(w, POLLERR) and c.wfd ~= c.rfd) then
			drop(self, c)
		end
	end
	return true
end
