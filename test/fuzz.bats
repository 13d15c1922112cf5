#!/usr/bin/env bats
# The libFuzzer harnesses of test/fuzz/: they build, each runs 10 seconds on
# its seed corpus without a finding, and every input saved in
# test/fuzz/regressions/NAME/ replays cleanly. An input named defect-* would
# reproduce a defect not fixed yet, and is left out of the replay until then.
# The check-fuzz tier (make check-fuzz, ./setup.sh test all).

load helper

FUZZ="$BUILD/fuzz"
REGRESSIONS="$TOP/test/fuzz/regressions"

setup_file() {
	local top b
	top="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
	b="${VLCNET_BUILD:-$top/build}"
	if ! command -v clang >/dev/null ||
	   ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' |
	     clang -fsanitize=fuzzer -x c - -o "$BATS_FILE_TMPDIR/probe" 2>/dev/null; then
		export FUZZ_SKIP="clang with libFuzzer (libclang-rt-14-dev) is not installed"
		# ./setup.sh test all must run them: there, that fails each test.
		[ -z "${VLCNET_REQUIRE_TOOLS:-}" ] || export FUZZ_MISSING=1
		return 0
	fi
	make -C "$top" -s BUILD="$b" fuzzers >"$BATS_FILE_TMPDIR/build.log" 2>&1 ||
		export FUZZ_BUILD_FAILED=1
}

setup() {
	[ -z "${FUZZ_MISSING:-}" ] || { echo "$FUZZ_SKIP" >&2; return 1; }
	[ -z "${FUZZ_SKIP:-}" ] || skip "$FUZZ_SKIP"
	[ -z "${FUZZ_BUILD_FAILED:-}" ] || { cat "$BATS_FILE_TMPDIR/build.log"; false; }
}

# fuzz_for NAME SECS: run NAME's harness on a copy of its corpus.
fuzz_for() {
	local name=$1 secs=$2 c="$BATS_TEST_TMPDIR/corpus"
	mkdir -p "$c"
	cp "$TOP/test/fuzz/corpus/$name/"* "$c/"
	run timeout $((secs + 60)) "$FUZZ/${name}_fuzz" -max_total_time="$secs" \
		-timeout=5 -rss_limit_mb=2048 -artifact_prefix="$BATS_TEST_TMPDIR/" "$c"
	[ "$status" -eq 0 ] || { printf '%s\n' "$output" | tail -n 40; false; }
	assert_line --regexp '^#[0-9]+[[:space:]]+DONE[[:space:]]+cov: [0-9]+ ft: [0-9]+'
}

# replay NAME FILE...: run the inputs once through NAME's harness.
replay() {
	local name=$1; shift
	run timeout 60 "$FUZZ/${name}_fuzz" -timeout=5 -runs=1 "$@"
	[ "$status" -eq 0 ] || { printf '%s\n' "$output" | tail -n 40; false; }
}

@test "the five harnesses build" {
	for n in url fmt lua cli proxy; do
		[ -x "$FUZZ/${n}_fuzz" ]
	done
}

@test "url_fuzz runs 10 s without a finding" {
	fuzz_for url 10
}

@test "fmt_fuzz runs 10 s without a finding" {
	fuzz_for fmt 10
}

@test "lua_fuzz runs 10 s without a finding" {
	fuzz_for lua 10
}

@test "cli_fuzz runs 10 s without a finding" {
	fuzz_for cli 10
}

@test "proxy_fuzz runs 10 s without a finding" {
	fuzz_for proxy 10
}

@test "every regression input replays without a finding" {
	local d n f files
	for d in "$REGRESSIONS"/*/; do
		n=$(basename "$d")
		files=()
		for f in "$d"*; do
			[ -f "$f" ] && [[ $(basename "$f") != defect-* ]] && files+=("$f")
		done
		[ "${#files[@]}" -eq 0 ] || replay "$n" "${files[@]}"
	done
}
