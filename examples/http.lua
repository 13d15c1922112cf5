-- http.lua: an HTTP/1.1 file server for one directory, many clients at once.
--
--   vlcnet-listen -v --script examples/http.lua 127.0.0.1 8080 -- [DIR]
--
-- Serves DIR (default: the current directory): GET and HEAD, files with
-- Content-Length, directories as an HTML listing (index.html when there is
-- one), 301 to add the slash a directory needs, 400 for a malformed request or
-- a path that climbs out with "..", 404 for what does not exist. Connections
-- are kept alive (HTTP/1.1) unless the client asks otherwise; files are sent
-- in chunks as the socket takes them, so a big download does not stall the
-- other clients.

local root = (arg[1] or "."):gsub("(.)/+$", "%1")
local CHUNK = 65536
local MAX_HEAD = 16384

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
	[505] = "HTTP Version Not Supported",
}

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
	local names = net.opendir(path)
	table.sort(names)
	local rows = { "<!DOCTYPE html>\n<meta charset=\"utf-8\"><title>Index of ",
	               html_escape(target), "</title>\n<h1>Index of ", html_escape(target),
	               "</h1>\n<ul>\n" }
	if target ~= "/" then rows[#rows + 1] = "<li><a href=\"../\">../</a></li>\n" end
	for _, name in ipairs(names) do
		local st = net.stat(path .. "/" .. name)
		local dir = st and st.type == "dir" and "/" or ""
		rows[#rows + 1] = string.format("<li><a href=\"%s%s\">%s%s</a>%s</li>\n",
			html_escape(url_escape(name)), dir, html_escape(name), dir,
			st and st.type == "file" and " " .. st.size or "")
	end
	rows[#rows + 1] = "</ul>\n"
	respond(c, 200, { "Content-Type: text/html; charset=utf-8" }, table.concat(rows))
end

local function serve_file(c, path, st)
	local f = io.open(path, "rb")
	if not f then return error_page(c, 403) end
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
	path = url_unescape(path)
	if path:find("%z") then return error_page(c, 400) end
	for seg in path:gmatch("[^/]+") do
		if seg == ".." then return error_page(c, 400) end
	end
	local file = root .. path
	local st = net.stat(file)
	if not st then return error_page(c, 404) end
	if st.type == "dir" then
		if path:sub(-1) ~= "/" then
			return respond(c, 301, { "Location: " .. url_escape(path) .. "/",
			                         "Content-Type: text/plain" }, "")
		end
		local index = net.stat(file .. "index.html")
		if index and index.type == "file" then
			return serve_file(c, file .. "index.html", index)
		end
		return listing(c, path, file)
	elseif st.type == "file" then
		return serve_file(c, file, st)
	end
	return error_page(c, 403)
end

-- Handle every complete request head waiting in c.inbuf, while the previous
-- response is done (requests may arrive pipelined).
local function process(c)
	while not c.closing and c.out == "" and not c.file do
		local s, e = c.inbuf:find("\r?\n\r?\n")
		if not s then
			if #c.inbuf > MAX_HEAD then
				c.keep = false
				error_page(c, 400)
				c.closing = true
			end
			return
		end
		local head = c.inbuf:sub(1, s - 1)
		c.inbuf = c.inbuf:sub(e + 1)
		handle(c, (head:gsub("^[\r\n]+", "")))
		if not c.keep then c.closing = true end
	end
end

local function drop(fd)
	local c = conns[fd]
	if c.file then c.file:close() end
	conns[fd] = nil
	net.close(fd)
end

-- Send some of what is queued; refill from the file being sent.
local function write_some(fd, c)
	if c.out == "" and c.file then
		local chunk = c.file:read(CHUNK)
		if chunk then
			c.out = chunk
		else
			c.file:close()
			c.file = nil
		end
	end
	if c.out ~= "" then
		local n = net.send(fd, c.out, CHUNK)
		if n < 0 then return false end
		c.out = c.out:sub(n + 1)
	end
	if c.out == "" and not c.file then
		if c.closing then return false end
		process(c)
	end
	return true
end

local lfds = { listener:fds() }
while true do
	local t = {}
	for _, fd in ipairs(lfds) do t[fd] = net.POLLIN end
	for fd, c in pairs(conns) do
		local busy = c.out ~= "" or c.file
		t[fd] = busy and net.POLLOUT or net.POLLIN
	end
	net.poll(t)
	for _, fd in ipairs(lfds) do
		if t[fd] ~= 0 then
			local cfd = listener:accept()
			if cfd >= 0 then
				conns[cfd] = { inbuf = "", out = "" }
			end
			break
		end
	end
	for fd, c in pairs(conns) do
		local rev = t[fd] or 0
		if has(rev, net.POLLOUT) then
			if not write_some(fd, c) then drop(fd) end
		elseif rev ~= 0 then
			local data = net.recv(fd, CHUNK)
			if data then
				c.inbuf = c.inbuf .. data
				process(c)
			else
				drop(fd)
			end
		end
	end
end
