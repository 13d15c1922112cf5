-- fork_handler.lua: one connection per process, inetd style.
--
--   vlcnet-listen -v --fork -m 50 --script examples/fork_handler.lua 127.0.0.1 0
--
-- vlcnet-listen accepts, forks, and runs this script in the child with the
-- globals `fd` (the connection) and `peer` (the client's ADDR:PORT). It greets
-- the client, then answers each line with the line upper-cased and a count,
-- until the client closes or sends "bye". The `fd` the tool hands over is
-- blocking, and the other clients have processes of their own, so waiting in
-- recv and send here holds up nobody else; -m caps the number of processes.
-- A line may be at most MAX_LINE bytes, and a client that sends nothing, or
-- takes nothing, for IDLE_TIMEOUT seconds is dropped (net.poll with a timeout
-- before each recv and send).
-- Set either before the script: vlcnet-listen -e 'IDLE_TIMEOUT = 10' ...

local MAX_LINE = MAX_LINE or 4096
local IDLE = IDLE_TIMEOUT or 300   -- seconds

local function pid()
	local f = io.open("/proc/self/stat")
	local n = f and f:read("*n")
	if f then f:close() end
	return n or "?"
end

-- Send all of s (send may take part of it), unless the client takes nothing
-- for IDLE seconds.
local function send_all(s)
	while #s > 0 do
		if net.poll({ [fd] = net.POLLOUT }, IDLE * 1000) == 0 then return false end
		local n = net.send(fd, s)
		if n <= 0 then return false end
		s = s:sub(n + 1)
	end
	return true
end

send_all("hello " .. peer .. ", this is process " .. pid() .. "\n")

-- Only new data is searched for a newline (a plain find), and the unfinished
-- line is bounded: linear time whatever the client sends.
local pending, count, why = "", 0, nil
while not why do
	local t = { [fd] = net.POLLIN }
	if net.poll(t, IDLE * 1000) == 0 then
		why = "idle"
		break
	end
	local data = net.recv(fd, 4096)
	if not data then break end
	local start = 1
	while true do
		local nl = data:find("\n", start, true)
		if not nl then break end
		local line = (pending .. data:sub(start, nl - 1)):gsub("\r$", "")
		pending, start = "", nl + 1
		if #line > MAX_LINE then why = "line too long" break end
		if line == "bye" then why = "bye" break end
		count = count + 1
		if not send_all(count .. " " .. line:upper() .. "\n") then why = "gone" break end
	end
	if not why then
		pending = pending .. data:sub(start)
		if #pending > MAX_LINE then why = "line too long" end
	end
end
if why == "line too long" then
	send_all("line too long (at most " .. MAX_LINE .. " bytes)\n")
elseif why == "idle" then
	send_all("idle for " .. IDLE .. " s\n")
end
send_all("bye " .. peer .. " after " .. count .. " lines\n")
net.close(fd)
