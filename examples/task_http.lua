-- task_http.lua: examples/http.lua written as tasks (vlcnet-lua(3), TASKS):
-- one task per client, its code straight down (read a head, answer it, send
-- the file, again); the event loop underneath does what http.lua's poll
-- table and per-client state do by hand.
--
--   vlcnet-listen -v --script examples/task_http.lua 127.0.0.1 8080 -- [DIR]
--
-- Serves DIR (default: the current directory) as http.lua does: GET and HEAD,
-- files with Content-Length, directories as an HTML listing (index.html when
-- there is one), 301 to add the slash a directory needs, 400 for a malformed
-- request or a path that climbs out with "..", 403 for what may not be read
-- and for symbolic links (the server cannot tell where they lead: one to /etc
-- would serve /etc/passwd; a listing shows them as links, not as what they
-- point to), 404 for what does not exist, 500 when a request fails otherwise,
-- 503 when the server is out of descriptors or clients. Connections are kept
-- alive (HTTP/1.1) unless the client asks otherwise, and pipelined requests
-- are answered in order. A file is sent CHUNK bytes at a time: a client that
-- does not read its download holds up only its own task (its send waits).
--
-- Empty lines before a request line are skipped (RFC 9112 2.2).
--
-- Limits: a request head of at most MAX_HEAD bytes (a longer one gets a 431
-- and the connection is closed, however it arrives), found in time linear in
-- its length however it is cut; at most MAX_CLIENTS connections (the next one
-- gets a 503); a client that does not finish a request within IDLE_TIMEOUT
-- seconds, or takes less than CHUNK bytes of its answer in as long, is
-- dropped: a watch task closes its descriptor, which wakes its task. When
-- accept fails (out of descriptors) net.serve pauses accepting instead of
-- spinning. Each can be set before the script:
--   vlcnet-listen -e 'MAX_CLIENTS = 10' --script examples/task_http.lua ...

local root = (arg[1] or "."):gsub("(.)/+$", "%1")
local CHUNK = 65536
local MAX_HEAD = MAX_HEAD or 16384
local MAX_CLIENTS = MAX_CLIENTS or 256
local IDLE = (IDLE_TIMEOUT or 30) * 1000   -- milliseconds

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

local function now() return vlc.misc.mdate() / 1e3 end

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

-- A response: { status, headers (lines), body (a string) or file and size }.
-- Building one never waits, so it may run under pcall (a task cannot wait
-- inside pcall with Lua 5.1); sending it does.
local function response(status, headers, body, file, size)
	return { status = status, headers = headers, body = body, file = file,
	         size = size }
end

local function error_page(status, headers)
	local text = status .. " " .. reasons[status]
	return response(status, headers or { "Content-Type: text/html; charset=utf-8" },
	                "<!DOCTYPE html>\n<title>" .. text .. "</title><h1>" .. text .. "</h1>\n")
end

local function listing(target, path)
	local ok, names = pcall(net.opendir, path)
	if not ok then return error_page(failure_status(nil, names)) end
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
	return response(200, { "Content-Type: text/html; charset=utf-8" }, table.concat(rows))
end

local function serve_file(path, st)
	local f, why, errno = io.open(path, "rb")
	if not f then return error_page(failure_status(errno, why)) end
	local ext = path:match("%.([%w]+)$")
	return response(200, { "Content-Type: " .. (types[ext and ext:lower()] or
	                "application/octet-stream") }, nil, f, st.size)
end

-- The response to one request head (the text before the blank line); sets
-- c.keep (the connection stays open after it) and c.head (no body).
local function handle(c, head)
	local reqline, rest = head:match("^([^\r\n]*)\r?\n?(.*)$")
	local method, target, major, minor =
		reqline:match("^(%u+) (%S+) HTTP/(%d)%.(%d)$")
	c.keep, c.head = false, false
	if not method then return error_page(400) end
	if major ~= "1" then return error_page(505) end
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
	if minor ~= "0" and not fields.host then return error_page(400) end
	if method ~= "GET" and method ~= "HEAD" then
		return error_page(405, { "Allow: GET, HEAD", "Content-Type: text/html" })
	end
	c.head = method == "HEAD"
	local path = target:gsub("[?#].*", "")
	if path:sub(1, 1) ~= "/" then return error_page(400) end
	-- "//sub" is "/sub": a Location of "//sub/" would name another host.
	path = url_unescape(path):gsub("//+", "/")
	if path:find("%z") then return error_page(400) end
	local below = root
	for seg in path:gmatch("[^/]+") do
		if seg == ".." then return error_page(400) end
		-- No symbolic links below the root: where they lead is unknown.
		below = below .. "/" .. seg
		local l = net.lstat(below)
		if l and l.type == "symbolic link" then return error_page(403) end
	end
	local file = root .. path
	local st = net.stat(file)
	if not st then return error_page(404) end
	if st.type == "dir" then
		if path:sub(-1) ~= "/" then
			return response(301, { "Location: " .. url_escape(path) .. "/",
			                       "Content-Type: text/plain" }, "")
		end
		local index = net.lstat(file .. "index.html")
		if index and index.type == "file" then
			return serve_file(file .. "index.html", index)
		end
		return listing(path, file)
	elseif st.type == "file" then
		return serve_file(file, st)
	end
	return error_page(403)
end

-- Send a response; false when the client is gone (or was dropped).
local function send(c, r)
	local h = { string.format("HTTP/1.1 %d %s", r.status, reasons[r.status]),
	            "Server: vlcnet-http" }
	for _, line in ipairs(r.headers) do h[#h + 1] = line end
	h[#h + 1] = "Content-Length: " .. (r.body and #r.body or r.size)
	h[#h + 1] = "Connection: " .. (c.keep and "keep-alive" or "close")
	local out = table.concat(h, "\r\n") .. "\r\n\r\n"
	if c.head then
		if r.file then r.file:close() end
		r.file = nil
	elseif r.body then
		out = out .. r.body
	elseif r.file then
		-- The head and the first chunk in one send: a small file sent
		-- after its head would wait for the client's delayed ACK of the
		-- head (Nagle's algorithm), 40 ms a request.
		out = out .. (r.file:read(CHUNK) or "")
	end
	local ok = true
	while ok and out do
		c.deadline = now() + IDLE   -- this much must go within IDLE
		ok = net.send(c.fd, out) >= 0
		out = r.file and r.file:read(CHUNK)
	end
	if r.file then r.file:close() end
	return ok
end

-- Read the next request head. What the client sent and no head has used yet
-- is c.buf from c.at on (pipelined requests wait there). Empty lines before
-- a request line are skipped. While the head has no blank line, its bytes go
-- to the list parts (size bytes in all, the last 3 in tail), and each new
-- read is searched with those 3 bytes only (a blank line may have begun in
-- them): every byte is searched and copied a bounded number of times, so the
-- work for a head is linear in its length however it is cut.
-- Returns the head; or nil and 431 when it is longer than MAX_HEAD; or nil
-- when the client is gone.
local function read_head(c)
	local parts, size, tail = {}, 0, ""
	while true do
		local buf, at = c.buf, c.at
		if size == 0 then
			at = select(2, buf:find("^[\r\n]*", at)) + 1
			local s, e = buf:find("\r?\n\r?\n", at)
			if s then
				if s - at > MAX_HEAD then return nil, 431 end
				c.at = e + 1
				return buf:sub(at, s - 1)
			end
			if at <= #buf then
				parts[1] = buf:sub(at)
				size, tail = #parts[1], parts[1]:sub(-3)
			end
		else
			-- buf is all new: a blank line ends in it, or not at all.
			local joined = tail .. buf
			local s, e = joined:find("\r?\n\r?\n")
			parts[#parts + 1] = buf
			size = size + #buf
			if s then
				local whole = table.concat(parts)
				local off = size - #joined   -- where joined starts in whole
				if off + s - 1 > MAX_HEAD then return nil, 431 end
				c.buf, c.at = whole, off + e + 1
				return whole:sub(1, off + s - 1)
			end
			tail = joined:sub(-3)
		end
		-- Without its blank line, a head is at least all but the last 3
		-- bytes (where "\r\n\r\n" may have begun).
		if size - 3 > MAX_HEAD then return nil, 431 end
		local data = net.recv(c.fd, CHUNK)
		if not data then return nil end
		c.buf, c.at = data, 1
	end
end

local clients, count = {}, 0   -- client -> true

-- One client: its requests in order, each answered before the next is read.
local function client(fd)
	if count >= MAX_CLIENTS then
		net.send(fd, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n" ..
		             "Connection: close\r\nRetry-After: 1\r\n\r\n")
		net.close(fd)
		return
	end
	local c = { fd = fd, buf = "", at = 1, keep = true }
	clients[c], count = true, count + 1
	while c.keep do
		c.deadline = now() + IDLE   -- for the whole head
		local head, status = read_head(c)
		if not head and not status then break end
		local ok, r
		if head then
			-- Whatever goes wrong answers this request and ends the
			-- connection; the server goes on serving the others.
			ok, r = pcall(handle, c, head)
			if not ok then
				io.stderr:write("task_http.lua: ", tostring(r), "\n")
				c.keep, c.head = false, false
				r = error_page(500)
			end
		else
			c.keep, c.head = false, false
			r = error_page(status)
		end
		if not send(c, r) then break end
	end
	clients[c], count = nil, count - 1
	-- the watch may have closed it already (and the slot be someone else's)
	if not c.closed then net.close(fd) end
end

net.serve(listener, client)

-- The idle watch: a head not finished, or an answer not taken, in IDLE ms.
-- A client's task waits only inside net.recv and net.send; closing its
-- descriptor then makes that call return nil or -1 (even once the number is
-- a new client's), and the task ends without closing it again.
net.spawn(function()
	while true do
		net.sleep(math.min(IDLE, 1000))
		local t = now()
		for c in pairs(clients) do
			if not c.closed and t >= c.deadline then
				c.closed = true
				net.close(c.fd)
			end
		end
	end
end)

net.run()
