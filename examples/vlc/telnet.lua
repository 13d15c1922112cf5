-- telnet.lua: a VLC-style telnet interface serving several clients and the
-- console at once, through the interface module modules/linehub.lua.
--
--   vlcnet-connect --script examples/vlc/telnet.lua -- telnet://127.0.0.1:4212 '*console'
--
-- Each argument is a host to serve: a telnet://HOST:PORT URL (port 0 picks a
-- free one, announced on stderr) or *console for standard input and output.
-- Without arguments: telnet://localhost:4212 and *console. Connect with
-- `telnet 127.0.0.1 4212` or `nc 127.0.0.1 4212` and type `help`.

require "linehub"

local commands = {}
local hub

local function words(line)
	local cmd, rest = line:match("^%s*(%S+)%s*(.-)%s*$")
	return cmd, rest or ""
end

commands.help = { "list the commands", function(c)
	local names = {}
	for name in pairs(commands) do names[#names + 1] = name end
	table.sort(names)
	for _, name in ipairs(names) do
		c:send(string.format("%-9s %s\n", name, commands[name][1]))
	end
end }

commands.echo = { "TEXT: send TEXT back", function(c, text)
	c:send(text .. "\n")
end }

commands.who = { "list the connected clients", function(c)
	local list = {}
	for _, other in hub:each() do list[#list + 1] = other end
	table.sort(list, function(a, b) return a.id < b.id end)
	c:send(#list .. " clients:")
	for _, other in ipairs(list) do
		c:send(" " .. other.name .. (other == c and "*" or ""))
	end
	c:send("\n")
end }

commands.nick = { "NAME: change your name", function(c, name)
	if not name:match("^[%w_-]+$") then
		return c:send("error: a name is letters, digits, _ and -\n")
	end
	hub:broadcast("* " .. c.name .. " is now " .. name .. "\n", c)
	c.name = name
	c:send("you are " .. name .. "\n")
end }

commands.say = { "TEXT: send TEXT to every other client", function(c, text)
	hub:broadcast("<" .. c.name .. "> " .. text .. "\n", c)
end }

commands.version = { "the version of the host", function(c)
	c:send("vlcnet " .. vlc.misc.version() .. "\n")
end }

commands.url = { "URL: parse URL as vlc.strings.url_parse does", function(c, url)
	local u, why = vlc.strings.url_parse(url)
	if not u then
		return c:send("error: " .. tostring(why) .. "\n")
	end
	for _, k in ipairs({ "protocol", "username", "password", "host", "port", "path", "option" }) do
		if u[k] then c:send(k .. "=" .. u[k] .. " ") end
	end
	c:send("\n")
end }

commands.quit = { "leave (the console: stop reading it)", function(c)
	c:send("Bye-bye!\n")
	c:close()
end }
commands.logout = commands.quit

commands.shutdown = { "stop the server", function(c)
	vlc.msg.info("shutdown requested by " .. c.name)
	hub:broadcast("Shutting down.\n")
	hub:flush()
	vlc.misc.quit()
end }

hub = linehub.new {
	on_connect = function(c)
		vlc.msg.dbg("connection " .. c.name)
		c:send("vlcnet telnet interface " .. vlc.misc.version() ..
		       ", you are " .. c.name .. ". Type 'help'.\n")
		hub:broadcast("* " .. c.name .. " joined\n", c)
	end,
	on_close = function(c)
		vlc.msg.dbg("end of " .. c.name)
		hub:broadcast("* " .. c.name .. " left\n")
	end,
	on_line = function(c, line)
		local cmd, rest = words(line)
		if not cmd then return end
		local entry = commands[cmd]
		if entry then
			entry[2](c, rest)
		else
			c:send("Unknown command '" .. cmd .. "'. Type 'help' for help.\n")
		end
	end,
}

local hosts = { ... }
if #hosts == 0 then hosts = { "telnet://localhost:4212", "*console" } end
for _, h in ipairs(hosts) do
	hub:listen(h)
end
while not vlc.misc.should_die() and hub:step() do end
