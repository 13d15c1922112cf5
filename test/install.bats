#!/usr/bin/env bats
# make install / make uninstall into a DESTDIR, using the build under test
# (never rebuilding it), and the installed tree working on its own.

load helper

ARTIFACTS=(vlcnet-listen vlcnet-connect vlcnet-stat vlcnet-ls vlcnet.so)

# mk ARGS...: make in the source tree with the build under test, told that
# the built artifacts are up to date so that it installs them as they are.
mk() {
	local old=() a
	for a in "${ARTIFACTS[@]}"; do old+=(-o "$BUILD/$a"); done
	timeout 120 make -s -C "$TOP" BUILD="$BUILD" "${old[@]}" "$@"
}

setup_file() {
	load helper
	# DESTDIR does not exist yet: install makes every directory it needs.
	export DEST="$BATS_FILE_TMPDIR/dest"
	mk install DESTDIR="$DEST" PREFIX=/usr/local >"$BATS_FILE_TMPDIR/install.log" 2>&1
}

@test "make install succeeded" {
	run cat "$BATS_FILE_TMPDIR/install.log"
	[ -x "$DEST/usr/local/bin/vlcnet-ls" ] || { echo "$output"; false; }
}

@test "every installed binary runs --version" {
	local t
	for t in vlcnet-listen vlcnet-connect vlcnet-stat vlcnet-ls; do
		run env PATH=/usr/bin:/bin "$DEST/usr/local/bin/$t" --version
		assert_success
		assert_output --regexp "^$t [0-9]"
	done
}

@test "every page of man/ is installed and man -l renders it" {
	local page dest n=0
	for page in "$TOP"/man/*.[1-9]; do
		[ -e "$page" ] || continue
		dest="$DEST/usr/local/share/man/man${page##*.}/${page##*/}"
		[ -f "$dest" ] || { echo "not installed: $dest"; false; }
		run env MANPAGER=cat MANWIDTH=80 timeout 20 man -l "$dest"
		assert_success
		assert_line --regexp "^NAME"
		n=$((n + 1))
	done
	[ "$n" -ge 1 ]
}

@test "lua5.1 loads the installed module" {
	run env LUA_CPATH="$DEST/usr/local/lib/lua/5.1/?.so" timeout 10 lua5.1 -e '
		local net = require "vlcnet"
		print(type(net.connect_tcp), net.stat("/").type)'
	assert_success
	assert_output "$(printf 'function\tdir')"
}

@test "the bash completion is installed under each tool's name" {
	local dir="$DEST/usr/local/share/bash-completion/completions" t
	for t in vlcnet-listen vlcnet-connect vlcnet-stat vlcnet-ls; do
		run bash -c 'source "$1"; complete -p "$2"' _ "$dir/$t" "$t"
		assert_success
		assert_output --partial "_vlcnet"
	done
}

@test "zsh finds the installed completion on its site-functions path" {
	run timeout 20 zsh -f -c 'autoload -U compinit; fpath=($1 $fpath)
		compinit -u -D; print -r -- $_comps[vlcnet-stat]' \
		_ "$DEST/usr/local/share/zsh/site-functions"
	assert_success
	assert_output "_vlcnet"
}

@test "every file of examples/ and README.md are installed under share/doc/vlcnet" {
	local f n=0
	while IFS= read -r f; do
		cmp "$TOP/$f" "$DEST/usr/local/share/doc/vlcnet/$f" || return 1
		n=$((n + 1))
	done < <(cd "$TOP" && find examples -type f)
	[ "$n" -ge 1 ]
	[ ! -f "$TOP/README.md" ] || [ -f "$DEST/usr/local/share/doc/vlcnet/README.md" ]
}

@test "make install creates a DESTDIR that does not exist, several levels deep" {
	local d="$BATS_TEST_TMPDIR/not/there/yet"
	run mk install DESTDIR="$d" PREFIX=/opt/vlcnet
	assert_success
	[ -x "$d/opt/vlcnet/bin/vlcnet-connect" ]
	[ -f "$d/opt/vlcnet/lib/lua/5.1/vlcnet.so" ]
}

@test "make uninstall removes every file install made and no directory" {
	local d="$BATS_TEST_TMPDIR/d"
	run mk install DESTDIR="$d" PREFIX=/usr/local
	assert_success
	find "$d" -type d | sort >"$BATS_TEST_TMPDIR/dirs"
	run mk uninstall DESTDIR="$d" PREFIX=/usr/local
	assert_success
	run find "$d" ! -type d
	assert_output ""
	run diff "$BATS_TEST_TMPDIR/dirs" <(find "$d" -type d | sort)
	assert_success
}

@test "make uninstall leaves other files and every directory that was there before" {
	local d="$BATS_TEST_TMPDIR/d"
	mkdir -p "$d/usr/local/bin" "$d/usr/local/share/zsh/site-functions" \
		"$d/usr/local/share/man/man1" "$d/usr/local/lib/lua/5.1"
	touch "$d/usr/local/bin/other-tool" "$d/usr/local/share/man/man1/other.1"
	find "$d" -type d | sort >"$BATS_TEST_TMPDIR/before"
	run mk install DESTDIR="$d" PREFIX=/usr/local
	assert_success
	run mk uninstall DESTDIR="$d" PREFIX=/usr/local
	assert_success
	run bash -c 'find "$1" ! -type d | LC_ALL=C sort' _ "$d"
	assert_success
	assert_output "$(printf '%s\n' "$d/usr/local/bin/other-tool" \
		"$d/usr/local/share/man/man1/other.1")"
	run comm -23 "$BATS_TEST_TMPDIR/before" <(find "$d" -type d | sort)
	assert_output ""
}

@test "PREFIX=/usr follows bash-completion's and lua5.1's own directories" {
	local d="$BATS_TEST_TMPDIR/d" bashdir cmod
	bashdir=$(pkg-config --variable=completionsdir bash-completion) || skip "no bash-completion.pc"
	cmod=$(pkg-config --variable=INSTALL_CMOD lua5.1) || skip "no lua5.1.pc"
	run mk install DESTDIR="$d" PREFIX=/usr
	assert_success
	[ -L "$d$bashdir/vlcnet-connect" ]
	[ -f "$d$cmod/vlcnet.so" ]
	[ -x "$d/usr/bin/vlcnet-connect" ]
	run mk uninstall DESTDIR="$d" PREFIX=/usr
	assert_success
	run find "$d" ! -type d
	assert_output ""
}

@test "PREFIX=/usr puts the zsh completion on the fpath of the system's zsh" {
	local d="$BATS_TEST_TMPDIR/d"
	run mk install DESTDIR="$d" PREFIX=/usr
	assert_success
	# The system zsh's own fpath, with /usr moved below DESTDIR: a directory
	# that is not on that list (site-functions on Debian) fails here.
	run timeout 20 zsh -f -c 'zmodload zsh/parameter; autoload -U compinit
		fpath=(${fpath/#\/usr\//$1/usr/} $fpath)
		compinit -u -D; autoload +X _vlcnet
		print -r -- $_comps[vlcnet-stat] ${functions_source[_vlcnet]}' _ "$d"
	assert_success
	assert_output "_vlcnet $d/usr/share/zsh/vendor-completions/_vlcnet"
}

@test "the installed bats-vlcnet runs a user's test from its BATS_LIB_PATH" {
	[ -f "$DEST/usr/local/lib/bats/bats-vlcnet/load.bash" ]
	{
		printf '%s\n' 'bats_load_library bats-support' 'bats_load_library bats-vlcnet' \
			'teardown() { vlcnet_stop; }'
		printf '@%s "%s" {\n%s\n}\n' test "a mock server from the installed library" '
	vlcnet_listen
	echo "from the installed tree" | vlcnet-connect 127.0.0.1 "$VLCNET_PORT"
	assert_vlcnet_received "from the installed tree"'
	} >"$BATS_TEST_TMPDIR/user.bats"
	run env BATS_LIB_PATH="$DEST/usr/local/lib/bats:/usr/lib/bats" \
		PATH="$DEST/usr/local/bin:/usr/bin:/bin" timeout 60 bats --tap "$BATS_TEST_TMPDIR/user.bats"
	assert_success
	assert_output "$(printf '1..1\nok 1 a mock server from the installed library')"
}
