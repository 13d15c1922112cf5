#!/usr/bin/env bats
# Facts the packaging repeats, checked against their source: the version
# (core/version.h) in debian/changelog and the rockspec, and the test
# packages (setup.sh) in debian/control's Build-Depends. No build here.

load helper

setup() {
	first_pass_only "the packaging's facts"
}

version() {
	sed -n 's/^#define VN_VERSION "\(.*\)"$/\1/p' "$TOP/core/version.h"
}

@test "debian/changelog's version is the tools' version" {
	run sed -n '1s/^vlcnet (\([^)]*\)).*/\1/p' "$TOP/debian/changelog"
	assert_output "$(version)"
}

@test "the rockspec is named after the tools' version and says it" {
	local spec=("$TOP"/vlcnet-*.rockspec)
	[ "${#spec[@]}" -eq 1 ]
	[ "${spec[0]##*/}" = "vlcnet-$(version)-1.rockspec" ]
	run grep -E '^version = ' "${spec[0]}"
	assert_output "version = \"$(version)-1\""
}

@test "debian/control builds with every package setup.sh installs for the build and the tests" {
	local pkgs p control
	# setup.sh's package lists, as the shell reads them.
	pkgs=$(awk '/^(BUILD|TEST)_PKGS="/ { p = 1 } p { print } p && /"$/ { p = 0 }' "$TOP/setup.sh")
	eval "$pkgs"
	control=$(sed -n '/^Build-Depends:/,/^[A-Z][A-Za-z-]*:/p' "$TOP/debian/control" | grep -v '^#')
	for p in $BUILD_PKGS $TEST_PKGS; do
		case $p in
		gcc|make|dpkg-dev) continue ;;       # build-essential
		debhelper) p=debhelper-compat ;;
		lintian|fakeroot) continue ;;        # test/package.bats only, skipped in a package build
		esac
		grep -Eq "(^|[:,[:space:]])$p( |,|$)" <<<"$control" ||
			{ echo "debian/control lacks $p"; return 1; }
	done
}
