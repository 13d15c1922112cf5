-- LuaRocks: `luarocks make` in this directory builds vlcnet.so with the
-- Makefile and installs it as the module "vlcnet" for Lua 5.1
-- (`luarocks --lua-version=5.1 --tree=DIR make` into a private tree).
-- `luarocks build` and `luarocks pack` fetch the release tarball that
-- `make dist` writes, from the current directory.
rockspec_format = "3.0"
package = "vlcnet"
version = "0.1.0-1"
source = {
   -- make dist's tarball (a relative file URL: the current directory);
   -- `luarocks make` builds from the working directory and does not fetch it.
   url = "file://vlcnet-0.1.0.tar.gz",
   dir = "vlcnet-0.1.0",
}
description = {
   summary = "VLC's Lua net API (sockets, poll, stat, url_parse) outside VLC",
   detailed = [[
The net module of VLC's Lua scripting API as a Lua 5.1 C module:
listen_tcp, accept, connect_tcp, send, recv, poll, read, write, close,
url_parse, stat, opendir and the POLL* flags, plus Unix and UDP sockets and
TLS (net.tls, net.connect_tls) with libtls.
require "vlcnet" returns the table that VLC scripts know as vlc.net.
]],
   license = "MIT",
}
dependencies = {
   "lua >= 5.1, < 5.2",
}
external_dependencies = {
   LIBIDN2 = { header = "idn2.h", library = "idn2" },
   LIBTLS = { header = "tls.h", library = "tls" },
}
build = {
   type = "make",
   build_target = "build/vlcnet.so",
   build_variables = {
      CFLAGS = "$(CFLAGS) -I$(LUA_INCDIR) -I$(LIBIDN2_INCDIR) -I$(LIBTLS_INCDIR)",
      LDFLAGS = "-L$(LIBIDN2_LIBDIR) -L$(LIBTLS_LIBDIR)",
   },
   install_pass = false,
   install = {
      lib = { vlcnet = "build/vlcnet.so" },
   },
}
