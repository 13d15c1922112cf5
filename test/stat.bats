#!/usr/bin/env bats
# vlcnet-stat against GNU stat on a tree holding every file type and odd names.

load helper

# helper.bash's tree, with a fixed time on empty, as the working directory.
setup() {
	make_tree
	touch -d '2001-02-03 04:05:06' "$T/empty"
	cd "$T"
}

@test "stat -c numbers equal GNU stat's for every path" {
	fmt='%s %a %u %g %X %Y %Z %f %U %G|%n'
	run timeout 10 vlcnet-stat -c "$fmt" ./* ./.hidden /dev/null /
	assert_success
	assert_output "$(stat -c "$fmt" ./* ./.hidden /dev/null /)"
}

@test "stat -L -c follows links as stat -L does" {
	fmt='%s %a %u %g %X %Y %Z %f|%n'
	run timeout 10 vlcnet-stat -L -c "$fmt" reg link devnull dirlink
	assert_success
	assert_output "$(stat -L -c "$fmt" reg link devnull dirlink)"
	run timeout 10 vlcnet-stat --dereference -c '%F' link devnull dirlink
	assert_success
	assert_output $'file\ncharacter device\ndir'
}

@test "stat -c %F prints VLC's type words, links as links" {
	run timeout 10 vlcnet-stat -c '%F' reg dir link dangling fifo sock /dev/null
	assert_success
	assert_output "$(printf '%s\n' file dir 'symbolic link' 'symbolic link' fifo socket 'character device')"
}

@test "stat -c understands escapes, %% and prints unknown directives as they are" {
	run timeout 10 vlcnet-stat -c '%s\t%%\n%q %' reg
	assert_success
	assert_output $'6\t%\n%q %'
	run timeout 10 vlcnet-stat -c 'a\x41\101\\b\z' reg
	assert_success
	assert_output 'aAA\b\z'
}

@test "stat prints a readable block like GNU stat's" {
	run timeout 10 vlcnet-stat reg
	assert_success
	assert_line --index 0 '  File: reg'
	assert_line --index 1 --regexp '^  Size: 6 +.Blocks: [0-9]+ +IO Block: [0-9]+ +Type: file$'
	assert_line --index 3 "$(stat reg | grep '^Access: (')"
	assert_line --index 4 "Access: $(stat -c %x reg)"
	assert_output --partial "$(stat reg | grep '^Modify:')"
	assert_output --partial "$(stat reg | grep '^Change:')"
	assert_output --partial "$(stat reg | grep '^Device:' | cut -f1)"
}

@test "stat's block is GNU stat's, line for line, with no trailing blanks" {
	# Only the type word differs (VLC's words) and GNU adds a Birth line.
	strip() { sed -E -e 's/(IO Block: [0-9]+ +).*/\1/' -e '/^ Birth: /d'; }
	for p in reg empty dir link fifo sock /dev/null; do
		stat "$p" >/dev/null   # a link's first readlink may move its atime
		timeout 10 vlcnet-stat "$p" >"$BATS_TEST_TMPDIR/ours"
		run grep -c '[[:blank:]]$' "$BATS_TEST_TMPDIR/ours"
		assert_output 0
		run strip <"$BATS_TEST_TMPDIR/ours"
		assert_output "$(stat "$p" | strip)"
	done
}

@test "stat shows a link's target in the block" {
	run timeout 10 vlcnet-stat link
	assert_success
	assert_line --index 0 '  File: link -> reg'
	assert_output --partial 'Type: symbolic link'
}

@test "stat -j is JSON with net.stat's fields, names round-trip" {
	timeout 10 vlcnet-stat -j ./* ./.hidden >"$BATS_TEST_TMPDIR/out.json"
	run python3 - "$BATS_TEST_TMPDIR/out.json" <<'PY'
import json, os, stat, sys
types = {stat.S_IFREG: "file", stat.S_IFDIR: "dir", stat.S_IFLNK: "symbolic link",
         stat.S_IFIFO: "fifo", stat.S_IFSOCK: "socket"}
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(line)
    assert sorted(e) == sorted(["path", "type", "mode", "uid", "gid", "size",
        "access_time", "modification_time", "creation_time"]), e
    st = os.lstat(e["path"].encode("utf-8", "surrogateescape"))
    assert e["type"] == types[stat.S_IFMT(st.st_mode)]
    assert (e["mode"], e["uid"], e["gid"], e["size"]) == \
        (st.st_mode, st.st_uid, st.st_gid, st.st_size)
    assert (e["access_time"], e["modification_time"], e["creation_time"]) == \
        (int(st.st_atime), int(st.st_mtime), int(st.st_ctime))
    n += 1
print(n)
PY
	assert_success
	local paths=(./* ./.hidden)
	assert_output "${#paths[@]}"
}

@test "stat -j escapes invalid UTF-8 as \\udcXX" {
	run timeout 10 vlcnet-stat -j $'\xff' $'caf\xc3\xa9'
	assert_success
	assert_line --index 0 --partial '{"path":"\udcff","type":"file"'
	assert_line --index 1 --partial $'{"path":"caf\xc3\xa9"'
}

@test "stat reports a failing path, prints the others, exits 1" {
	run timeout 10 vlcnet-stat -c %n reg missing empty
	assert_failure 1
	assert_line --index 0 reg
	assert_line "vlcnet-stat: cannot stat 'missing': No such file or directory"
	assert_line empty
	run timeout 10 vlcnet-stat -L -c %n dangling
	assert_failure 1
	assert_output "vlcnet-stat: cannot stat 'dangling': No such file or directory"
}

@test "stat needs an operand and refuses -c with -j" {
	run timeout 10 vlcnet-stat
	assert_failure 2
	assert_output --partial 'missing operand'
	run timeout 10 vlcnet-stat -j -c %n reg
	assert_failure 2
}

@test "stat handles many paths in one run" {
	mkdir many
	(cd many && seq -f 'f%05g' 1 2000 | xargs touch)
	run timeout 20 vlcnet-stat -c '%n %s %Y' many/*
	assert_success
	assert_output "$(stat -c '%n %s %Y' many/*)"
}

@test "stat --help lists every option" {
	run timeout 10 vlcnet-stat --help
	assert_success
	for o in --format --json --dereference --where --print --script --eval --exec \
		--verbose --help --version; do
		assert_output --partial -- "$o"
	done
}

@test "stat reports a write error and exits 1" {
	run bash -c "timeout 10 vlcnet-stat reg >/dev/full"
	assert_failure 1
	assert_output 'vlcnet-stat: write error: No space left on device'
}

@test "net.stat, net.lstat and net.opendir refuse a path with an embedded NUL" {
	run timeout 10 vlcnet-stat -e '
	for _, f in ipairs{"stat", "lstat", "opendir"} do
		print(pcall(net[f], "/etc\0/passwd"))
	end'
	assert_success
	assert_output "$(printf "false\tbad argument #1 to '%s' (path contains a NUL byte)\n" '?' '?' '?')"
}

@test "stat takes the words after -- as paths, even ones that begin with a dash" {
	run timeout 10 vlcnet-stat -c %n -- -dash reg
	assert_success
	assert_output "$(printf '%s\n' -dash reg)"
	run timeout 10 vlcnet-stat -c %n reg -- -dash --help
	assert_failure 1
	assert_line --index 0 reg
	assert_line --index 1 -- -dash
	assert_line --index 2 "vlcnet-stat: cannot stat '--help': No such file or directory"
	run timeout 10 vlcnet-stat --help
	assert_success
	assert_output --partial "-- ends the options: the words after it are operands"
	refute_output --partial "[-- ARG...]"
}

@test "a script in stat sees the operands, those after -- included, in arg and ..." {
	printf 'print(#arg, arg[1], arg[2], select("#", ...))\n' >"$BATS_TEST_TMPDIR/args.lua"
	run timeout 10 vlcnet-stat -e 'print(#arg)' -s "$BATS_TEST_TMPDIR/args.lua" -c %n reg -- -dash
	assert_success
	assert_output "$(printf '2\n2\treg\t-dash\t2\nreg\n-dash')"
}

@test "stat -c backslash escapes: C's, \\xHH, octal, and unknown ones kept as they are" {
	run bash -c "timeout 10 vlcnet-stat -c '<\\n\\t\\r\\a\\b\\f\\v\\e\\\\\\\"\\x4a\\x4\\xA7\\xg\\101\\7z\\08\\q%n\\' reg >'$BATS_TEST_TMPDIR/got'"
	assert_success
	printf '<\n\t\r\a\b\f\v\033\\"J\004\247\\xgA\007z\0008\\qreg\\\n' >"$BATS_TEST_TMPDIR/want"
	cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}

@test "stat -j writes valid UTF-8 names as they are and escapes every invalid sequence" {
	mkdir "$BATS_TEST_TMPDIR/u"
	cd "$BATS_TEST_TMPDIR/u"
	# valid: 2, 3 and 4 bytes, at the edges of the ranges; invalid: overlong,
	# a surrogate, above U+10FFFF, a bad lead byte, a cut sequence
	for n in 'caf\xc3\xa9' '\xe0\xa0\x80' '\xe2\x82\xac' '\xed\x9f\xbf' '\xf0\x90\x80\x80' \
		'\xf4\x8f\xbf\xbf' 'a\xe0\x80\x80' 'b\xed\xa0\x80' 'c\xf0\x80\x80\x80' \
		'd\xf4\x90\x80\x80' 'e\xf5\x80' 'f\xe2\x82' 'g\xe2\x28\xa1' 'h\xc1\xbf'; do
		: >"$(printf "$n")"
	done
	timeout 10 vlcnet-stat -j ./* >"$BATS_TEST_TMPDIR/out.json"
	run python3 - "$BATS_TEST_TMPDIR/out.json" <<'PY'
import json, os, sys
n = valid = 0
for line in open(sys.argv[1], "rb"):
    line.decode("utf-8")        # the output itself is valid UTF-8
    path = json.loads(line)["path"]
    raw = path.encode("utf-8", "surrogateescape")
    os.lstat(raw)               # the name round-trips
    try:
        raw.decode("utf-8")
        valid += path in line.decode("utf-8")   # written as it is
    except UnicodeDecodeError:
        pass
    n += 1
print(n, valid)
PY
	assert_success
	assert_output "14 6"
}

@test "stat -j escapes control characters, quotes and backslashes in names as JSON does" {
	mkdir "$BATS_TEST_TMPDIR/c"
	cd "$BATS_TEST_TMPDIR/c"
	for n in 'a\rb' 'c\bd' 'e\ff' 'g\001h' 'n\nl' 't\tt' 'q"u\\o'; do
		: >"$(printf "$n")"
	done
	run timeout 10 vlcnet-stat -j ./*
	assert_success
	# one line per name, each a JSON object whose path is escaped
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 7
	run bash -c 'printf "%s\n" "$1" | cut -d, -f1' _ "$output"
	assert_success
	assert_output '{"path":"./a\rb"
{"path":"./c\bd"
{"path":"./e\ff"
{"path":"./g\u0001h"
{"path":"./n\nl"
{"path":"./q\"u\\o"
{"path":"./t\tt"'
}
