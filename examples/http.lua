-- http.lua: an HTTP/1.1 file server for one directory, many clients at once.
--
--   vlcnet-listen -v --script examples/http.lua 127.0.0.1 8080 -- [DIR]
--
-- Serves DIR (default: the current directory): GET and HEAD, files with
-- Content-Length, directories as an HTML listing (index.html when there is
-- one), 301 to add the slash a directory needs, 400 for a malformed request or
-- a path that climbs out with "..", 403 for what may not be read and for
-- symbolic links (the server cannot tell where they lead: one to /etc would
-- serve /etc/passwd; a listing shows them as links, not as what they point
-- to), 404 for what does not exist, 500 when a request fails
-- otherwise, 503 when the server is out of descriptors or clients. Connections
-- are kept alive (HTTP/1.1) unless the client asks otherwise; files are sent
-- in chunks as the socket takes them (accepted sockets are non-blocking, as in
-- VLC), so a big download, or a client that does not read it, does not stall
-- the other clients.
--
-- Empty lines before a request line are skipped (RFC 9112 2.2).
--
-- Limits: a request head of at most MAX_HEAD bytes (a longer one gets a 431
-- and the connection is closed, however it arrives); at most MAX_CLIENTS
-- connections (the next one gets a 503); a client that does not finish a
-- request within IDLE_TIMEOUT seconds, or takes nothing of its answer for as
-- long, is dropped. When accept fails (out of descriptors) the server stops
-- accepting for a moment instead of spinning. Each can be set before the
-- script: vlcnet-listen -e 'MAX_CLIENTS = 10' --script examples/http.lua ...

local root = (arg[1] or "."):gsub("(.)/+$", "%1")
local CHUNK = 65536
local MAX_HEAD = MAX_HEAD or 16384
local MAX_CLIENTS = MAX_CLIENTS or 256
local IDLE = IDLE_TIMEOUT or 30          -- seconds
local BACKOFF = 0.5                      -- seconds without accept after a failure

local types = {
	html = "text/html; charset=utf-8", htm = "text/html; charset=utf-8",
	txt = "text/plain; charset=utf-8", md = "text/plain; charset=utf-8",
	lua = "text/plain; charset=utf-8", c = "text/plain; charset=utf-8",
	css = "text/css", js = "text/javascript", json = "application/json",
	png = "image/png", jpg = "image/jpeg", jpeg = "image/jpeg", gif = "image/gif",
	svg = "image/svg+xml", pdf = "application/pdf",
}

local reasons = {
	[200] = "OK", [301] = "Moved Permanently", [400] = "Bad Request",
	[403] = "Forbidden", [404] = "Not Found", [405] = "Method Not Allowed",
	[431] = "Request Header Fields Too Large",
	[500] = "Internal Server Error", [503] = "Service Unavailable",
	[505] = "HTTP Version Not Supported",
}

local function now() return vlc.misc.mdate() / 1e6 end

-- The status for a file system failure, from io.open's errno or the reason
-- net.opendir gives: EACCES 403, ENOENT 404, out of descriptors (EMFILE,
-- ENFILE) 503, anything else 500.
local function failure_status(errno, why)
	why = why or ""
	if errno == 13 or why:find("Permission denied", 1, true) then return 403 end
	if errno == 2 or why:find("No such file", 1, true) then return 404 end
	if errno == 23 or errno == 24 or why:find("open files", 1, true) then return 503 end
	return 500
end

local function has(x, f)
	return x % (2 * f) >= f
end

local function html_escape(s)
	return (s:gsub("[&<>\"']", function(ch)
		return string.format("&#%d;", ch:byte())
	end))
end

local function url_escape(s)
	return (s:gsub("[^%w%-%._~/]", function(ch)
		return string.format("%%%02X", ch:byte())
	end))
end

local function url_unescape(s)
	return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

local conns = {}   -- fd -> connection
local count = 0    -- connections in conns

-- Queue a response. body is a string, or nil with a file handle to stream.
local function respond(c, status, headers, body, file, size)
	local h = { string.format("HTTP/1.1 %d %s", status, reasons[status]),
	            "Server: vlcnet-http" }
	for _, line in ipairs(headers) do h[#h + 1] = line end
	h[#h + 1] = "Content-Length: " .. (body and #body or size)
	h[#h + 1] = "Connection: " .. (c.keep and "keep-alive" or "close")
	c.out = c.out .. table.concat(h, "\r\n") .. "\r\n\r\n"
	if c.head then
		if file then file:close() end
	elseif body then
		c.out = c.out .. body
	else
		c.file = file
	end
end

local function error_page(c, status, headers)
	local text = status .. " " .. reasons[status]
	respond(c, status, headers or { "Content-Type: text/html; charset=utf-8" },
	        "<!DOCTYPE html>\n<title>" .. text .. "</title><h1>" .. text .. "</h1>\n")
end

local function listing(c, target, path)
	local ok, names = pcall(net.opendir, path)
	if not ok then return error_page(c, failure_status(nil, names)) end
	table.sort(names)
	local rows = { "<!DOCTYPE html>\n<meta charset=\"utf-8\"><title>Index of ",
	               html_escape(target), "</title>\n<h1>Index of ", html_escape(target),
	               "</h1>\n<ul>\n" }
	if target ~= "/" then rows[#rows + 1] = "<li><a href=\"../\">../</a></li>\n" end
	for _, name in ipairs(names) do
		-- lstat: a symbolic link is listed as what it is, not as its target
		-- (which it is not served as either).
		local st = net.lstat(path .. "/" .. name)
		local kind = st and st.type
		if kind == "symbolic link" then
			rows[#rows + 1] = string.format("<li>%s (symbolic link)</li>\n",
				html_escape(name))
		else
			local dir = kind == "dir" and "/" or ""
			rows[#rows + 1] = string.format("<li><a href=\"%s%s\">%s%s</a>%s</li>\n",
				html_escape(url_escape(name)), dir, html_escape(name), dir,
				kind == "file" and " " .. st.size or "")
		end
	end
	rows[#rows + 1] = "</ul>\n"
	respond(c, 200, { "Content-Type: text/html; charset=utf-8" }, table.concat(rows))
end

local function serve_file(c, path, st)
	local f, why, errno = io.open(path, "rb")
	if not f then return error_page(c, failure_status(errno, why)) end
	local ext = path:match("%.([%w]+)$")
	respond(c, 200, { "Content-Type: " .. (types[ext and ext:lower()] or
	                  "application/octet-stream") }, nil, f, st.size)
end

-- Answer one request head (the text before the blank line).
local function handle(c, head)
	local reqline, rest = head:match("^([^\r\n]*)\r?\n?(.*)$")
	local method, target, major, minor =
		reqline:match("^(%u+) (%S+) HTTP/(%d)%.(%d)$")
	c.keep, c.head = false, false
	if not method then return error_page(c, 400) end
	if major ~= "1" then return error_page(c, 505) end
	local fields = {}
	for name, value in rest:gmatch("([^:\r\n]+):[ \t]*([^\r\n]*)") do
		fields[name:lower()] = value:gsub("[ \t]+$", "")
	end
	local conn = (fields.connection or ""):lower()
	if minor == "0" then
		c.keep = conn:find("keep%-alive") ~= nil
	else
		c.keep = conn:find("close") == nil
	end
	-- A body we would have to skip: answer, then end the connection.
	if fields["transfer-encoding"] or tonumber(fields["content-length"] or "0") ~= 0 then
		c.keep = false
	end
	if minor ~= "0" and not fields.host then return error_page(c, 400) end
	if method ~= "GET" and method ~= "HEAD" then
		return error_page(c, 405, { "Allow: GET, HEAD", "Content-Type: text/html" })
	end
	c.head = method == "HEAD"
	local path = target:gsub("[?#].*", "")
	if path:sub(1, 1) ~= "/" then return error_page(c, 400) end
	-- "//sub" is "/sub": a Location of "//sub/" would name another host.
	path = url_unescape(path):gsub("//+", "/")
	if path:find("%z") then return error_page(c, 400) end
	local below = root
	for seg in path:gmatch("[^/]+") do
		if seg == ".." then return error_page(c, 400) end
		-- No symbolic links below the root: where they lead is unknown.
		below = below .. "/" .. seg
		local l = net.lstat(below)
		if l and l.type == "symbolic link" then return error_page(c, 403) end
	end
	local file = root .. path
	local st = net.stat(file)
	if not st then return error_page(c, 404) end
	if st.type == "dir" then
		if path:sub(-1) ~= "/" then
			return respond(c, 301, { "Location: " .. url_escape(path) .. "/",
			                         "Content-Type: text/plain" }, "")
		end
		local index = net.lstat(file .. "index.html")
		if index and index.type == "file" then
			return serve_file(c, file .. "index.html", index)
		end
		return listing(c, path, file)
	elseif st.type == "file" then
		return serve_file(c, file, st)
	end
	return error_page(c, 403)
end

-- A request head may arrive a byte at a time. What a client sent waits in
-- c.inbuf from c.at on; while it holds no blank line, it moves to the list
-- c.parts (c.size bytes in all, the last 3 in c.tail), and each new read is
-- searched with those 3 bytes only (a blank line may have begun in them).
-- Every byte is searched and copied a bounded number of times, so the work
-- for a head is linear in its length, however it is cut.

-- A head longer than MAX_HEAD: answer 431 and end the connection.
local function too_long(c)
	c.keep = false
	error_page(c, 431)
	c.closing = true
end

-- Handle every complete request head in c.inbuf, while the previous response
-- is done (requests may arrive pipelined); keep the start of the next head.
local function process(c)
	while not c.closing and c.out == "" and not c.file do
		-- Empty lines before a request line are ignored (RFC 9112 2.2).
		c.at = select(2, c.inbuf:find("^[\r\n]*", c.at)) + 1
		local s, e = c.inbuf:find("\r?\n\r?\n", math.max(c.at, c.scan - 3))
		if not s then
			if c.at <= #c.inbuf then
				local rest = c.inbuf:sub(c.at)
				c.parts, c.size, c.tail = { rest }, #rest, rest:sub(-3)
			end
			c.inbuf, c.at, c.scan = "", 1, 1
			-- Without its blank line, a head is at least all but the
			-- last 3 bytes (where "\r\n\r\n" may have begun).
			if c.size - 3 > MAX_HEAD then too_long(c) end
			return
		end
		if s - c.at > MAX_HEAD then return too_long(c) end
		local head = c.inbuf:sub(c.at, s - 1)
		c.at, c.scan = e + 1, e + 1
		-- Whatever goes wrong answers this request and ends the connection;
		-- the server goes on serving the others.
		local ok, err = pcall(handle, c, head)
		if not ok then
			io.stderr:write("http.lua: ", tostring(err), "\n")
			if c.file then c.file:close() c.file = nil end
			c.out, c.keep = "", false
			error_page(c, 500)
		end
		if not c.keep then c.closing = true end
	end
end

-- Take what a client sent (nothing of c.inbuf is left to handle then).
local function receive(c, data)
	if c.size == 0 then
		c.inbuf, c.at, c.scan = data, 1, 1
		return process(c)
	end
	local joined = c.tail .. data
	c.parts[#c.parts + 1] = data
	c.size = c.size + #data
	if joined:find("\r?\n\r?\n") then
		-- The head is complete: search it from the 3 bytes before data.
		c.inbuf, c.at, c.scan = table.concat(c.parts), 1, c.size - #data + 1
		c.parts, c.size, c.tail = {}, 0, ""
		return process(c)
	end
	c.tail = joined:sub(-3)
	if c.size - 3 > MAX_HEAD then too_long(c) end
end

local function drop(fd)
	local c = conns[fd]
	if c.file then c.file:close() end
	conns[fd] = nil
	count = count - 1
	net.close(fd)
end

-- Send some of what is queued; refill from the file being sent. The head and
-- the first chunk of a file go in one send: sent apart, the body would wait
-- for the client's delayed ACK of the head (Nagle), 40 ms a request.
local function write_some(fd, c)
	if #c.out < CHUNK and c.file then
		local chunk = c.file:read(CHUNK - #c.out)
		if chunk then
			c.out = c.out .. chunk
		else
			c.file:close()
			c.file = nil
		end
	end
	if c.out ~= "" then
		local n = net.send(fd, c.out, CHUNK)
		if n < 0 then return false end
		c.out = c.out:sub(n + 1)
		c.deadline = now() + IDLE   -- the client takes its answer
	end
	if c.out == "" and not c.file then
		if c.closing then return false end
		c.deadline = now() + IDLE   -- for the next request
		process(c)
	end
	return true
end

local lfds = { listener:fds() }
local paused_until = nil   -- accepting again at this time, after a failure

-- Take one connection, or pause accepting when that fails.
local function accept(t)
	local cfd = listener:accept()
	if cfd < 0 then
		-- Out of descriptors (EMFILE): the listener stays readable, so
		-- polling it again at once would spin. Leave it alone a moment.
		paused_until = t + BACKOFF
	elseif count >= MAX_CLIENTS then
		net.send(cfd, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n" ..
		              "Connection: close\r\nRetry-After: 1\r\n\r\n")
		net.close(cfd)
	else
		count = count + 1
		conns[cfd] = { inbuf = "", at = 1, scan = 1, parts = {}, size = 0,
		                tail = "", out = "", deadline = t + IDLE }
	end
end

while true do
	local t = {}
	local wake = paused_until
	if not paused_until then
		for _, fd in ipairs(lfds) do t[fd] = net.POLLIN end
	end
	for fd, c in pairs(conns) do
		local busy = c.out ~= "" or c.file
		t[fd] = busy and net.POLLOUT or net.POLLIN
		if not wake or c.deadline < wake then wake = c.deadline end
	end
	net.poll(t, wake and math.max(0, math.ceil((wake - now()) * 1000)) or nil)
	local time = now()
	for _, fd in ipairs(lfds) do
		if (t[fd] or 0) ~= 0 then
			accept(time)
			break
		end
	end
	if paused_until and time >= paused_until then paused_until = nil end
	for fd, c in pairs(conns) do
		local rev = t[fd] or 0
		if has(rev, net.POLLOUT) then
			if not write_some(fd, c) then drop(fd) end
		elseif rev ~= 0 then
			local data = net.recv(fd, CHUNK)
			if data then
				receive(c, data)
			else
				drop(fd)
			end
		elseif time >= c.deadline then
			drop(fd)   -- no request finished, or no answer taken, in IDLE s
		end
	end
end
