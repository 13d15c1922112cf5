-- scan.lua: a TCP port scanner over net.connect_tcp with a timeout.
--
--   vlcnet-connect --script examples/scan.lua -- HOST LOW HIGH [TIMEOUT_MS]
--
-- Prints "PORT open" for each port of LOW..HIGH that accepts a connection,
-- then a summary on stderr. A port that does not answer within TIMEOUT_MS
-- (default 500) counts as closed. Exit status: 0 if any port is open, else 1.

local host, low, high = arg[1], tonumber(arg[2]), tonumber(arg[3])
local timeout = tonumber(arg[4] or 500)

if not (host and low and high and timeout) or low < 1 or high > 65535 or low > high then
	io.stderr:write("usage: vlcnet-connect --script scan.lua -- HOST LOW HIGH [TIMEOUT_MS]\n")
	os.exit(2)
end

local open, reasons = 0, {}
for port = low, high do
	local fd, why = net.connect_tcp(host, port, timeout)
	if fd >= 0 then
		print(port .. " open")
		io.stdout:flush()
		net.close(fd)
		open = open + 1
	else
		reasons[why] = (reasons[why] or 0) + 1
	end
end

local summary = {}
for why, n in pairs(reasons) do
	summary[#summary + 1] = n .. " " .. why
end
table.sort(summary)
io.stderr:write(string.format("%s: %d of %d ports open%s\n", host, open,
	high - low + 1, #summary > 0 and " (" .. table.concat(summary, ", ") .. ")" or ""))
os.exit(open > 0 and 0 or 1)
