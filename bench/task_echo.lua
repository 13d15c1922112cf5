-- bench/task_echo.lua: the echo of issue 22 (vlcnet-lua(3), TASKS) for
-- bench/echo.sh: one task per client, written straight down.
--
--   vlcnet-listen -v --script bench/task_echo.lua 127.0.0.1 0

net.serve(listener, function(fd)
	while true do
		local data = net.recv(fd, 4096)
		if not data then break end
		net.send(fd, data)
	end
	net.close(fd)
end)
net.run()
