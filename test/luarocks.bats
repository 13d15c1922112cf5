#!/usr/bin/env bats
# The rockspec: `luarocks make` builds the module from a copy of the tree, and
# `luarocks build` and `luarocks pack` from make dist's tarball (the rockspec's
# source), each into a private tree from which lua5.1 loads it. The
# check-dist tier.

load helper

setup() {
	require_tool luarocks
}

version() {
	sed -n 's/^#define VN_VERSION "\(.*\)"$/\1/p' "$TOP/core/version.h"
}

# loads TREE: lua5.1 loads vlcnet from the rocks tree TREE, which lists it.
loads() {
	run env LUA_CPATH="$1/lib/lua/5.1/?.so" timeout 10 lua5.1 -e '
		local net = require "vlcnet"
		print(net.url_parse("http://[::1]:8080/x").host, net.stat("/").type)'
	assert_success
	assert_output "$(printf '::1\tdir')"
	run luarocks --lua-version=5.1 --tree="$1" list --porcelain
	assert_success
	assert_output --regexp "^vlcnet	$(version)-1	installed"
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
	loads "$tree"
}

@test "luarocks build and luarocks pack work from make dist's tarball, and the packed rock builds" {
	local d="$BATS_TEST_TMPDIR" v
	v=$(version)
	[ "$(git -C "$TOP" rev-parse --show-toplevel 2>/dev/null)" = "$TOP" ] ||
		skip "not a git checkout: make dist archives HEAD"
	run make -s -C "$TOP" dist DISTDIR="$d"
	assert_success
	cp "$TOP/vlcnet-$v-1.rockspec" "$d/"
	cd "$d"
	# the rockspec's source as it is: the tarball in the current directory
	run timeout 300 luarocks --lua-version=5.1 --tree="$d/tree" build "vlcnet-$v-1.rockspec"
	assert_success
	loads "$d/tree"
	# luarocks pack fetches from a directory of its own: the release's URL is
	# absolute (here a file:// one)
	mkdir "$d/pack"
	sed "s|file://vlcnet-|file://$d/vlcnet-|" "vlcnet-$v-1.rockspec" >"$d/pack/vlcnet-$v-1.rockspec"
	cd "$d/pack"
	run timeout 300 luarocks --lua-version=5.1 pack "vlcnet-$v-1.rockspec"
	assert_success
	[ -f "vlcnet-$v-1.src.rock" ]
	run timeout 300 luarocks --lua-version=5.1 --tree="$d/tree2" build "vlcnet-$v-1.src.rock"
	assert_success
	loads "$d/tree2"
}
