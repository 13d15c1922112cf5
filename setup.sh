#!/usr/bin/env bash
# setup.sh demo | test [all] — the README's two commands. Each installs the
# Debian packages it needs (with apt-get as root; otherwise it prints the one
# line to run), builds with make, then runs a loopback demo or the test suite:
# its fast tier, or with "all" every tier (what CI runs).
set -euo pipefail
cd "$(dirname "$0")"

BUILD_PKGS="gcc make pkg-config liblua5.1-0-dev libidn2-dev libtls-dev"
TEST_PKGS="bats bats-assert bats-support netcat-openbsd socat curl python3 lua5.1
	luajit libluajit-5.1-dev mandoc shellcheck bash-completion zsh man-db
	valgrind clang libclang-rt-14-dev time procps debhelper lintian luarocks dpkg-dev fakeroot
	lua-bit32 ncat openssl iperf3 parallel microsocks tinyproxy dante-server
	lua-copas lua-cqueues lua-luv gcovr strace lua-socket"

need() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -eq 0 ]; then
		echo "setup: installing ${missing[*]}" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	else
		echo "setup: missing packages; run:" >&2
		echo "  sudo apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
}

demo() {
	need $BUILD_PKGS
	make -s -j2
	local log port
	demo_dir=$(mktemp -d)
	srv=
	trap 'kill $srv 2>/dev/null || true; rm -rf "$demo_dir"' EXIT
	log="$demo_dir/listen.err"
	echo "== a Lua server on a free loopback port (vlcnet-listen --script)"
	build/vlcnet-listen -v -e '
		for i = 1, 2 do
			local fd = listener:accept()
			net.poll({ [fd] = net.POLLIN })  -- non-blocking, as in VLC
			local line = net.recv(fd, 1024) or ""
			net.send(fd, "vlcnet says: " .. line:upper())
			net.close(fd)
		end' 127.0.0.1 0 2>"$log" &
	srv=$!
	for _ in $(seq 100); do grep -q "listening on" "$log" && break; sleep 0.05; done
	port=$(sed -nE 's/.*listening on .*:([0-9]+)$/\1/p' "$log")
	echo "   $(cat "$log")"
	echo "== vlcnet-connect relays stdin to it, its answer to stdout"
	echo "hello from the shell" | build/vlcnet-connect 127.0.0.1 "$port"
	echo "== a Lua client (vlcnet-connect --eval)"
	build/vlcnet-connect -e '
		local fd = net.connect_tcp("127.0.0.1", tonumber(arg[1]))
		net.send(fd, "hello from lua\n")
		net.poll({ [fd] = net.POLLIN })
		io.write(net.recv(fd, 1024) or "")' -- "$port"
	wait $srv
	echo "== net.stat and net.opendir from the shell"
	build/vlcnet-connect -e '
		local s = net.stat("README.md")
		print("README.md", s.type, s.size .. " bytes")
		print("examples/: " .. #net.opendir("examples") .. " entries")'
	echo "demo done: see README.md for the tools and man/ for their pages."
}

# pass NAME CMD...: one pass of the suite, between the two lines that
# test/tally.awk reads: "== NAME" and "== NAME: status N".
pass() {
	local name=$1 rc=0
	shift
	echo "== $name"
	"$@" || rc=$?
	echo "== $name: status $rc"
	return "$rc"
}

# ./setup.sh test: the fast tier (make check: the build, the C unit tests,
# the bats files), and the unit tests built with ASan and UBSan. With "all",
# every tier: the sanitizer build runs the bats files too, then the LuaJIT
# build, the fuzzers and the release (tarball, Debian package, rock); a tool
# that a test needs and does not find fails it instead of skipping it
# (VLCNET_REQUIRE_TOOLS). Each pass runs to its end whatever an earlier one
# did; the status is 0 only if all passed and the closing line counts no
# failure. Each check is counted once: the repeat passes leave out what does
# not depend on the build, and the LuaJIT pass does not run the unit tests
# again (they link no Lua: built as in the first pass).
run_tests() {
	local all=$1 log status=0
	need $BUILD_PKGS $TEST_PKGS
	log=$(mktemp)
	[ -z "$all" ] || export VLCNET_REQUIRE_TOOLS=1
	{
		pass lua5.1 make -s -j2 check || status=1
		if [ -z "$all" ]; then
			pass "unit tests with ASan and UBSan" \
				make -s -j2 check-units SANITIZE=1 BUILD=build/sanitize || status=1
		else
			pass "lua5.1 with ASan and UBSan" make -s -j2 check-sanitize || status=1
			pass luajit make -s -j2 check-luajit || status=1
			pass fuzzers make -s -j2 check-fuzz || status=1
			pass "release: tarball, Debian package, rock" make -s -j2 check-dist || status=1
		fi
		exit "$status"
	} 2>&1 | tee "$log" || status=1
	# One closing line for CI and humans, counting C checks and bats tests.
	awk -f test/tally.awk "$log" || status=1
	rm -f "$log"
	return "$status"
}

case "${1:-}" in
demo) demo ;;
test)
	case "${2:-}" in
	"") run_tests "" ;;
	all) run_tests all ;;
	*) echo "usage: ./setup.sh demo|test [all]" >&2; exit 2 ;;
	esac ;;
*) echo "usage: ./setup.sh demo|test [all]" >&2; exit 2 ;;
esac
