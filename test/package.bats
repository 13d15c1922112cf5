#!/usr/bin/env bats
# The Debian package: debian/ builds vlcnet_VERSION_ARCH.deb with
# dpkg-buildpackage (from a copy of the tree, with nocheck: the rest of the
# suite is the check); its files are where Debian looks, lintian has nothing to
# say, and the tools and the module run from the unpacked package.

load helper

# The source tree as a package build sees it: no build/, no git metadata.
copy_tree() {
	mkdir -p "$2"
	tar -C "$1" --exclude=./build --exclude=./.git -cf - . | tar -xf - -C "$2"
}

setup_file() {
	load helper
	if [ -n "${VLCNET_REPEAT_PASS:-}" ]; then
		export PKG_SKIP="the package was built in the first pass of ./setup.sh test"
		return 0
	fi
	if [ -n "${VLCNET_IN_PACKAGE_BUILD:-}" ]; then
		export PKG_SKIP="running inside the package's own build"
		return 0
	fi
	if ! command -v dpkg-buildpackage >/dev/null || ! command -v dh >/dev/null; then
		export PKG_SKIP="dpkg-buildpackage or debhelper is not installed"
		return 0
	fi
	local tmp="$BATS_FILE_TMPDIR"
	(cd "$TOP" && find . -path ./build -prune -o -print | LC_ALL=C sort) >"$tmp/tree.before"
	copy_tree "$TOP" "$tmp/src"
	# -Pnocheck: the test packages need not be installed for this build.
	(cd "$tmp/src" && DEB_BUILD_OPTIONS="nocheck noddebs parallel=2" \
		timeout 600 dpkg-buildpackage -us -uc -b -Pnocheck) >"$tmp/build.log" 2>&1 ||
		export PKG_FAILED=1
	(cd "$TOP" && find . -path ./build -prune -o -print | LC_ALL=C sort) >"$tmp/tree.after"
	VERSION=$(sed -n 's/^#define VN_VERSION "\(.*\)"$/\1/p' "$TOP/core/version.h")
	export VERSION DEB="$tmp/vlcnet_${VERSION}_$(dpkg --print-architecture).deb"
	export ROOT="$tmp/root"
	[ -n "${PKG_FAILED:-}" ] || dpkg-deb -x "$DEB" "$ROOT"
}

setup() {
	[ -z "${PKG_SKIP:-}" ] || skip "$PKG_SKIP"
	[ -z "${PKG_FAILED:-}" ] || { tail -n 40 "$BATS_FILE_TMPDIR/build.log"; false; }
}

@test "dpkg-buildpackage builds vlcnet_VERSION_ARCH.deb and leaves the source tree alone" {
	[ -f "$DEB" ]
	run diff "$BATS_FILE_TMPDIR/tree.before" "$BATS_FILE_TMPDIR/tree.after"
	assert_success
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
	assert_line --regexp " \./usr/lib/bats/bats-vlcnet/load\.bash$"
	for f in "$TOP"/man/*.[1-9]; do
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

@test "lintian reports no error and no warning" {
	command -v lintian >/dev/null || skip "lintian is not installed"
	run timeout 300 lintian --info --pedantic "$DEB"
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
