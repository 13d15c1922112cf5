#!/usr/bin/env bats
# The Debian packages: `make deb` builds vlcnet_VERSION_ARCH.deb and
# bats-vlcnet_VERSION_all.deb with dpkg-buildpackage from a copy of the tracked
# files (nocheck: the rest of the suite is the check) and leaves the work tree
# as it was; their files are where Debian looks, lintian has nothing to say,
# and debian/tests/smoke (the autopkgtest) passes against the unpacked
# package. The check-dist tier.

load helper

setup_file() {
	load helper
	local tmp="$BATS_FILE_TMPDIR" tool missing=
	for tool in dpkg-buildpackage dh lintian; do
		command -v "$tool" >/dev/null || missing="$missing $tool"
	done
	if [ -n "$missing" ]; then
		export PKG_SKIP="not installed:$missing (debhelper, dpkg-dev, lintian)"
		[ -z "${VLCNET_REQUIRE_TOOLS:-}" ] || export PKG_MISSING=1
		return 0
	fi
	(cd "$TOP" && git status --porcelain 2>/dev/null; find . -path ./build -prune -o -print |
		LC_ALL=C sort) >"$tmp/tree.before"
	# -Pnocheck: the test packages need not be installed for this build.
	DEB_BUILD_OPTIONS="nocheck noddebs parallel=2" timeout 600 \
		make -s -C "$TOP" deb DEB_DIR="$tmp/deb" >"$tmp/build.log" 2>&1 || export PKG_FAILED=1
	(cd "$TOP" && git status --porcelain 2>/dev/null; find . -path ./build -prune -o -print |
		LC_ALL=C sort) >"$tmp/tree.after"
	VERSION=$(sed -n 's/^#define VN_VERSION "\(.*\)"$/\1/p' "$TOP/core/version.h")
	export VERSION DEB="$tmp/deb/vlcnet_${VERSION}_$(dpkg --print-architecture).deb"
	export BATSDEB="$tmp/deb/bats-vlcnet_${VERSION}_all.deb"
	export ROOT="$tmp/root"
	[ -n "${PKG_FAILED:-}" ] || { dpkg-deb -x "$DEB" "$ROOT" && dpkg-deb -x "$BATSDEB" "$ROOT"; } ||
		export PKG_FAILED=1
}

setup() {
	[ -z "${PKG_MISSING:-}" ] || { echo "$PKG_SKIP" >&2; return 1; }
	[ -z "${PKG_SKIP:-}" ] || skip "$PKG_SKIP"
	[ -z "${PKG_FAILED:-}" ] || { tail -n 40 "$BATS_FILE_TMPDIR/build.log"; false; }
}

@test "make deb builds vlcnet_VERSION_ARCH.deb and bats-vlcnet_VERSION_all.deb, and git status stays as it was" {
	[ -f "$DEB" ]
	[ -f "$BATSDEB" ]
	run diff "$BATS_FILE_TMPDIR/tree.before" "$BATS_FILE_TMPDIR/tree.after"
	assert_success
	# in a clean checkout (CI's), that is: clean
	[ -n "${CI:-}" ] || return 0
	run git -C "$TOP" status --porcelain
	assert_output ""
}

@test "the package holds the tools, the module, the pages, the completions and the examples" {
	local multiarch f t
	multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
	run dpkg-deb -c "$DEB"
	assert_success
	for t in listen connect stat ls; do
		assert_line --regexp "^-rwxr-xr-x .* \./usr/bin/vlcnet-$t$"
		assert_line --regexp " \./usr/share/bash-completion/completions/vlcnet-$t -> vlcnet$"
	done
	assert_line --regexp " \./usr/lib/$multiarch/lua/5\.1/vlcnet\.so$"
	assert_line --regexp " \./usr/share/bash-completion/completions/vlcnet$"
	assert_line --regexp " \./usr/share/zsh/vendor-completions/_vlcnet$"
	assert_line --regexp " \./usr/share/doc/vlcnet/copyright$"
	refute_line --regexp "bats"  # bats-vlcnet's
	for f in "$TOP"/man/*.[1-9]; do
		[ "${f##*/}" != bats-vlcnet.7 ] || continue  # in bats-vlcnet
		assert_line --regexp " \./usr/share/man/man${f##*.}/${f##*/}\.gz$"
	done
	while IFS= read -r f; do
		assert_line --regexp " \./usr/share/doc/vlcnet/$f(\.gz)?$"
	done < <(cd "$TOP" && find examples -type f)
	# Nothing outside /usr.
	refute_line --regexp ' \./[^u]'
}

@test "the module is where lua5.1 looks for C modules on this system" {
	local cmod
	cmod=$(pkg-config --variable=INSTALL_CMOD lua5.1) || skip "no lua5.1.pc"
	[ -f "$ROOT$cmod/vlcnet.so" ]
}

@test "bats-vlcnet holds the library and its page, and depends on bats, bats-support and vlcnet" {
	run dpkg-deb -c "$BATSDEB"
	assert_success
	assert_line --regexp " \./usr/lib/bats/bats-vlcnet/load\.bash$"
	assert_line --regexp " \./usr/share/man/man7/bats-vlcnet\.7\.gz$"
	run dpkg-deb -f "$BATSDEB" Depends
	assert_output "bats, bats-support, vlcnet (>= $VERSION)"
}

@test "lintian reports no error and no warning" {
	run timeout 300 lintian --info --pedantic "$DEB" "$BATSDEB"
	echo "$output"
	assert_success
	refute_line --regexp '^[EW]: '
}

@test "each tool from the unpacked package runs --version" {
	local t
	for t in vlcnet-listen vlcnet-connect vlcnet-stat vlcnet-ls; do
		run env PATH=/usr/bin:/bin "$ROOT/usr/bin/$t" --version
		assert_success
		assert_output --regexp "^$t $VERSION"
	done
}

@test "lua5.1 loads the module from the unpacked package" {
	local cmod
	cmod=$(echo "$ROOT"/usr/lib/*/lua/5.1)
	run env LUA_CPATH="$cmod/?.so" timeout 10 lua5.1 -e '
		local net = require "vlcnet"
		print(package.loaded.vlcnet == net, net.url_parse("http://[::1]:8080/x").port)'
	assert_success
	assert_output "$(printf 'true\t8080')"
}

@test "debian/tests/control runs debian/tests/smoke on the package, which passes against the unpacked one" {
	run grep -E '^(Tests|Depends):' "$TOP/debian/tests/control"
	assert_output "$(printf 'Tests: smoke\nDepends: @, lua5.1')"
	run env PATH="$ROOT/usr/bin:/usr/bin:/bin" LUA_CPATH="$(echo "$ROOT"/usr/lib/*/lua/5.1)/?.so" \
		timeout 60 "$TOP/debian/tests/smoke"
	assert_success
	assert_output "$(printf 'ok: %s\n' "the four tools run --version" "a loopback relay, both ways" \
		"a Lua script (vlcnet-connect -e)" "vlcnet-stat and vlcnet-ls" "lua5.1 loads the module")"
}
