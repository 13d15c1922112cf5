#!/usr/bin/env bats
# The rockspec: `luarocks make` builds the module from a copy of the tree and
# installs it into a private tree, from which lua5.1 loads it.

load helper

setup() {
	[ -z "${VLCNET_REPEAT_PASS:-}" ] || skip "the rock was built in the first pass of ./setup.sh test"
	command -v luarocks >/dev/null || skip "luarocks is not installed"
}

@test "luarocks make installs vlcnet into a private tree that lua5.1 loads it from" {
	local src="$BATS_TEST_TMPDIR/src" tree="$BATS_TEST_TMPDIR/tree"
	mkdir "$src"
	tar -C "$TOP" --exclude=./build --exclude=./.git --exclude=./debian -cf - . |
		tar -xf - -C "$src"
	cd "$src"
	run timeout 300 luarocks --lua-version=5.1 --tree="$tree" make
	assert_success
	[ -f "$tree/lib/lua/5.1/vlcnet.so" ]
	run env LUA_CPATH="$tree/lib/lua/5.1/?.so" timeout 10 lua5.1 -e '
		local net = require "vlcnet"
		print(net.url_parse("http://[::1]:8080/x").host, net.stat("/").type)'
	assert_success
	assert_output "$(printf '::1\tdir')"
	run luarocks --lua-version=5.1 --tree="$tree" list --porcelain
	assert_success
	assert_output --regexp "^vlcnet	$(sed -n 's/^#define VN_VERSION "\(.*\)"$/\1/p' "$TOP/core/version.h")-1	installed"
}
