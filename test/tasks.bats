
@test "net.tls that fails inside a task leaves the descriptor refusing send and recv, never plain text" {
	lua "local l = net.listen_tcp('127.0.0.1', 0)
	     local seen = {}
	     net.serve(l, function(fd)
	       net.tls(fd, { cert = '$CERTS/server.pem', key = '$CERTS/server.key' })
	       local d = net.recv(fd, 100)
	       while d do seen[#seen + 1] = d d = net.recv(fd, 100) end
	       net.close(fd)
	       l:close()
	     end)
	     net.spawn(function()
	       local fd = net.connect_tcp('127.0.0.1', l:port())
	       print(net.tls(fd, { ca = '$CERTS/ca.pem', servername = 'other.example' }))
	       print(net.send(fd, 'PASSWORD=x'))
	       print(net.recv(fd, 10))
	       print(net.tls(fd, { ca = '$CERTS/ca.pem' }))
	       net.close(fd)
	     end)
	     print(net.run(), table.concat(seen))"
	assert_success
	assert_line -n 0 "-1	name \`other.example' not present in server certificate"
	assert_line -n 1 "-1	the TLS upgrade failed: the connection refuses data"
	assert_line -n 2 "nil	the TLS upgrade failed: the connection refuses data"
	assert_line -n 3 "-1	a failed TLS upgrade"
	assert_line -n 4 "true	"
}
