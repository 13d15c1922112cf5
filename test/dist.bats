#!/usr/bin/env bats
# The release: facts the packaging repeats, checked against their source (the
# version of core/version.h in debian/changelog and the rockspec, setup.sh's
# packages in debian/control's Build-Depends, the licence), and `make dist`:
# vlcnet-VERSION.tar.gz from the tracked files, which builds where it is
# unpacked and passes the unit tests and the bats files it ships (a sample of
# them here: `make distcheck` runs its whole fast tier). The check-dist tier.

load helper

# The tarball, made and unpacked once for the file, and built there.
setup_file() {
	load helper
	local tmp=$BATS_FILE_TMPDIR
	export DIST_SKIP=
	if [ "$(git -C "$TOP" rev-parse --show-toplevel 2>/dev/null)" != "$TOP" ]; then
		export DIST_SKIP="not a git checkout: make dist archives HEAD"
		return 0
	fi
	(cd "$TOP" && git status --porcelain) >"$tmp/status.before"
	make -s -C "$TOP" dist DISTDIR="$tmp" >"$tmp/dist.log" 2>&1 || export DIST_FAILED=1
	(cd "$TOP" && git status --porcelain) >"$tmp/status.after"
	mkdir "$tmp/elsewhere"
	[ -n "${DIST_FAILED:-}" ] || tar -xzf "$tmp/vlcnet-$(version).tar.gz" -C "$tmp/elsewhere" ||
		export DIST_FAILED=1
}

setup() {
	[ -z "${DIST_FAILED:-}" ] || { cat "$BATS_FILE_TMPDIR/dist.log"; false; }
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
		lintian|fakeroot) continue ;;        # test/package.bats: check-dist, not make check
		gcovr) continue ;;                   # make coverage, not make check
		esac
		grep -Eq "(^|[:,[:space:]])$p( |,|$)" <<<"$control" ||
			{ echo "debian/control lacks $p"; return 1; }
	done
}

@test "LICENSE, debian/copyright and the rockspec say MIT, the vlcnet authors, 2026" {
	run head -n 3 "$TOP/LICENSE"
	assert_output "$(printf 'MIT License\n\nCopyright (c) 2026 the vlcnet authors')"
	run grep -E '^(Copyright|License):' "$TOP/debian/copyright"
	assert_output "$(printf 'Copyright: 2026 the vlcnet authors\nLicense: Expat\nLicense: Expat')"
	run grep -E '^ *license = ' "$TOP"/vlcnet-*.rockspec
	assert_output '   license = "MIT",'
}

@test "make dist writes vlcnet-VERSION.tar.gz of the files git tracks at HEAD, under vlcnet-VERSION/, and leaves the tree alone" {
	[ -z "$DIST_SKIP" ] || skip "$DIST_SKIP"
	run tar -tzf "$BATS_FILE_TMPDIR/vlcnet-$(version).tar.gz"
	assert_success
	# git archive lists the directories too: compare the files
	diff <(printf '%s\n' "${lines[@]}" | grep -v '/$' | LC_ALL=C sort) \
		<(git -C "$TOP" ls-tree -r --name-only HEAD | sed "s|^|vlcnet-$(version)/|" | LC_ALL=C sort)
	run diff "$BATS_FILE_TMPDIR/status.before" "$BATS_FILE_TMPDIR/status.after"
	assert_success
}

@test "the rockspec's source is make dist's tarball and its top directory" {
	run grep -E '^   (url|dir) = ' "$TOP/vlcnet-$(version)-1.rockspec"
	assert_output "$(printf '   url = "file://vlcnet-%s.tar.gz",\n   dir = "vlcnet-%s",' "$(version)" "$(version)")"
}

@test "the tarball unpacked elsewhere builds, and passes its unit tests and a sample of its bats files" {
	[ -z "$DIST_SKIP" ] || skip "$DIST_SKIP"
	local src="$BATS_FILE_TMPDIR/elsewhere/vlcnet-$(version)"
	[ ! -e "$src/.git" ]
	run timeout 600 make -s -C "$src" -j2 all
	assert_success
	# its own build, not the one under test: a file missing from the tarball
	# fails here. A clean environment and the system's PATH: this run's bats
	# (its variables, its libexec first on PATH) would mislead the one make starts.
	run env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$HOME" timeout 600 make -s -C "$src" -j2 check BATS_JOBS=1 \
		BATS_FILES="test/connect.bats test/docs.bats test/install.bats"
	assert_success
	assert_line --regexp '^url: [0-9]+ passed, 0 failed$'
	refute_line --regexp '^not ok '
}
