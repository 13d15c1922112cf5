-- fork_handler.lua: one connection per process, inetd style.
--
--   vlcnet-listen -v --fork --script examples/fork_handler.lua 127.0.0.1 0
--
-- vlcnet-listen accepts, forks, and runs this script in the child with the
-- globals `fd` (the connection) and `peer` (the client's ADDR:PORT). It greets
-- the client, then answers each line with the line upper-cased and a count,
-- until the client closes or sends "bye". Blocking calls are fine here: the
-- other clients have processes of their own.

local function pid()
	local f = io.open("/proc/self/stat")
	local n = f and f:read("*n")
	if f then f:close() end
	return n or "?"
end

net.send(fd, "hello " .. peer .. ", this is process " .. pid() .. "\n")

local buf, count = "", 0
while true do
	local data = net.recv(fd, 4096)
	if not data then break end
	buf = buf .. data
	local done = false
	for line in buf:gmatch("([^\n]*)\n") do
		line = line:gsub("\r$", "")
		if line == "bye" then
			done = true
			break
		end
		count = count + 1
		net.send(fd, count .. " " .. line:upper() .. "\n")
	end
	if done then break end
	buf = buf:match("[^\n]*$")
end
net.send(fd, "bye " .. peer .. " after " .. count .. " lines\n")
net.close(fd)
