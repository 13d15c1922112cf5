#!/usr/bin/env bats
# vlcnet-ls against coreutils ls on a tree holding every file type and odd names.

load helper

setup() {
	make_tree
}

@test "ls -a -0 names are exactly the directory's names" {
	timeout 10 vlcnet-ls -a -0 "$T" >"$BATS_TEST_TMPDIR/ours"
	find "$T" -mindepth 1 -maxdepth 1 -printf '%f\0' | sort -z >"$BATS_TEST_TMPDIR/theirs"
	cmp "$BATS_TEST_TMPDIR/ours" "$BATS_TEST_TMPDIR/theirs"
}

@test "ls prints the names ls prints, hidden ones only with -a" {
	run timeout 10 vlcnet-ls "$T"
	assert_success
	assert_output "$(ls "$T")"
	refute_output --partial '.hidden'
	run timeout 10 vlcnet-ls -a "$T"
	assert_success
	assert_output "$(ls -A "$T")"
	run timeout 10 vlcnet-ls --all -r "$T"
	assert_success
	assert_output "$(ls -A -r "$T")"
}

@test "ls without an operand lists the working directory" {
	cd "$T"
	run timeout 10 vlcnet-ls
	assert_success
	assert_output "$(ls)"
}

@test "ls -U keeps directory order: the same names as ls -f" {
	timeout 10 vlcnet-ls -U -a -0 "$T" | sort -z >"$BATS_TEST_TMPDIR/ours"
	find "$T" -mindepth 1 -maxdepth 1 -printf '%f\0' | sort -z >"$BATS_TEST_TMPDIR/theirs"
	cmp "$BATS_TEST_TMPDIR/ours" "$BATS_TEST_TMPDIR/theirs"
	run timeout 10 vlcnet-ls -U -a "$T"
	assert_success
	assert_output "$(ls -f "$T" | grep -vx '\.\|\.\.')"
}

@test "ls -l prints what ls -l --time-style=long-iso prints" {
	run timeout 10 vlcnet-ls -l "$T"
	assert_success
	assert_output "$(ls -l --time-style=long-iso "$T")"
	run timeout 10 vlcnet-ls -la "$T/dir" /dev
	assert_success
	assert_output "$(ls -lA --time-style=long-iso "$T/dir" /dev)"
}

@test "ls -l fields equal stat's" {
	cd "$T"
	for f in reg empty link dangling devnull dirlink fifo sock -dash 'with space'; do
		line=$(timeout 10 vlcnet-ls -l "./$f")
		read -r mode links owner group size day minute rest <<<"$line"
		assert_equal "$mode $links $owner $group $size" "$(stat -c '%A %h %U %G %s' "./$f")"
		assert_equal "$day $minute" "$(date -d "@$(stat -c %Y "./$f")" '+%Y-%m-%d %H:%M')"
	done
}

@test "ls -l shows link targets, -L the files they point to" {
	cd "$T"
	run timeout 10 vlcnet-ls -l link dangling
	assert_success
	assert_output --partial 'link -> reg'
	assert_output --partial 'dangling -> nowhere'
	run timeout 10 vlcnet-ls -l -L link devnull
	assert_success
	assert_line --index 0 --regexp '^crw-rw-rw- .* devnull$'
	assert_line --index 1 --regexp '^-rwsr-xr-x .* 6 .* link$'
}

@test "ls -L keeps a dangling link as the link itself" {
	run timeout 10 vlcnet-ls -l -L "$T/dangling"
	assert_success
	assert_output --regexp '^lrwxrwxrwx .* -> nowhere$'
}

@test "ls -R recurses as ls -R does, with DIR: headers" {
	run timeout 10 vlcnet-ls -R "$T"
	assert_success
	assert_output "$(ls -R "$T")"
	run timeout 10 vlcnet-ls -lRa "$T"
	assert_success
	assert_output "$(ls -lRA --time-style=long-iso "$T")"
	cd "$T"
	run timeout 10 vlcnet-ls -R
	assert_success
	assert_output "$(ls -R)"
}

@test "ls -R does not follow links to directories, -R -L does" {
	run timeout 10 vlcnet-ls -R "$T"
	assert_success
	refute_output --partial 'dirlink:'
	run timeout 10 vlcnet-ls -R -L "$T"
	assert_success
	assert_output --partial "$T/dirlink:"
}

@test "ls -R -L reports a directory loop and goes on" {
	ln -s .. "$T/dir/up"
	run timeout 10 vlcnet-ls -R -L "$T/dir"
	assert_failure 1
	assert_output --partial 'not listing already-listed directory'
	assert_output --partial "$T/dir/sub/deeper:"
}

@test "ls with several operands: files first, then each directory under a header" {
	cd "$T"
	run timeout 10 vlcnet-ls dir reg ./-dash .hidden-dir link
	assert_success
	assert_output "$(ls dir reg ./-dash .hidden-dir link)"
	run timeout 10 vlcnet-ls -l dir reg dirlink link
	assert_success
	assert_output "$(ls -l --time-style=long-iso dir reg dirlink link)"
}

@test "ls follows a link to a directory given as operand, except with -l" {
	cd "$T"
	run timeout 10 vlcnet-ls dirlink
	assert_success
	assert_output "$(ls dirlink)"
	run timeout 10 vlcnet-ls -l dirlink
	assert_success
	assert_output --regexp '^l.* dirlink -> dir$'
}

@test "ls reports a missing operand, lists the others and exits 1" {
	cd "$T"
	run timeout 10 vlcnet-ls missing reg dir
	assert_failure 1
	assert_line "vlcnet-ls: cannot access 'missing': No such file or directory"
	assert_line reg
	assert_line dir:
	assert_line inner
}

@test "ls reports an unreadable directory and exits 1" {
	mkdir "$T/closed"
	: >"$T/closed/secret"
	chmod 000 "$T/closed"
	# Root reads every directory: as_nobody drops its rights.
	run as_nobody timeout 10 vlcnet-ls "$T/closed" "$T/dir"
	chmod 755 "$T/closed"
	assert_failure 1
	assert_output "$(printf '%s\n' "vlcnet-ls: cannot open directory '$T/closed': Permission denied" \
		"$T/dir:" inner sub)"
}

@test "ls -l shows entries it cannot examine as ls does, with ? fields, and exits 1" {
	mkdir "$T/blind"
	: >"$T/blind/a"
	: >"$T/blind/longer name"
	chmod 744 "$T/blind"   # readable, not searchable by others
	run as_nobody timeout 10 vlcnet-ls -l "$T/blind"
	chmod 755 "$T/blind"
	assert_failure 1
	assert_output "$(printf '%s\n' \
		"vlcnet-ls: cannot access '$T/blind/a': Permission denied" \
		"vlcnet-ls: cannot access '$T/blind/longer name': Permission denied" \
		'total 0' \
		'-????????? ? ? ? ?                ? a' \
		'-????????? ? ? ? ?                ? longer name')"
}

@test "ls -l shows the numbers of a user and a group without names, as ls does" {
	[ "$(id -u)" -eq 0 ] || skip "chown to an unnamed user needs root"
	getent passwd 54321 >/dev/null && skip "uid 54321 has a name here"
	mkdir "$T/ids"
	: >"$T/ids/f"
	chown 54321:54322 "$T/ids/f"
	run timeout 10 vlcnet-ls -l "$T/ids"
	assert_success
	assert_output "$(ls -l --time-style=long-iso "$T/ids")"
	assert_output --partial " 54321 54322 "
}

@test "ls -j is JSON that python parses, and names round-trip" {
	timeout 10 vlcnet-ls -j -a "$T" >"$BATS_TEST_TMPDIR/out.json"
	run python3 - "$T" "$BATS_TEST_TMPDIR/out.json" <<'PY'
import json, os, stat, sys
top, out = sys.argv[1].encode(), sys.argv[2]
types = {stat.S_IFREG: "file", stat.S_IFDIR: "dir", stat.S_IFLNK: "symbolic link",
         stat.S_IFIFO: "fifo", stat.S_IFSOCK: "socket", stat.S_IFCHR: "character device"}
seen = []
for line in open(out, encoding="utf-8", errors="strict"):
    e = json.loads(line)
    name = e["name"].encode("utf-8", "surrogateescape")
    path = e["path"].encode("utf-8", "surrogateescape")
    assert path == top + b"/" + name, (path, name)
    st = os.lstat(path)
    assert e["type"] == types[stat.S_IFMT(st.st_mode)], e
    for k, v in (("mode", st.st_mode), ("uid", st.st_uid), ("gid", st.st_gid),
                 ("size", st.st_size), ("access_time", int(st.st_atime)),
                 ("modification_time", int(st.st_mtime)),
                 ("creation_time", int(st.st_ctime))):
        assert e[k] == v, (k, e[k], v)
    seen.append(name)
assert seen == sorted(os.listdir(top)), seen
print(len(seen))
PY
	assert_success
	assert_output 21
}

@test "ls -j escapes control characters and invalid UTF-8 as documented" {
	cd "$T"
	run timeout 10 vlcnet-ls -j $'./ctl\x01\x1f' $'./\xff' $'./bad\xc3(' $'./caf\xc3\xa9' './quote"back\slash' $'./new\nline'
	assert_success
	assert_line --partial '"name":"./ctl\u0001\u001f"'
	assert_line --partial '"name":"./\udcff"'
	assert_line --partial '"name":"./bad\udcc3("'
	assert_line --partial $'"name":"./caf\xc3\xa9"'
	assert_line --partial '"name":"./quote\"back\\slash"'
	assert_line --partial '"name":"./new\nline"'
}

@test "ls -j -L reports what links point to" {
	run timeout 10 vlcnet-ls -j -L "$T/link"
	assert_success
	assert_output --partial '"type":"file"'
	run timeout 10 vlcnet-ls -j "$T/link"
	assert_success
	assert_output --partial '"type":"symbolic link"'
}

@test "ls -0 -j ends each object with NUL" {
	run bash -c "timeout 10 vlcnet-ls -0 -j '$T/dir' | tr '\0' '#'"
	assert_success
	assert_output --regexp '^\{"name":"inner".*\}#\{"name":"sub".*\}#$'
}

@test "ls -0 -R keeps ls's headers" {
	timeout 10 vlcnet-ls -0 -R "$T/dir" >"$BATS_TEST_TMPDIR/ours"
	ls --zero -R "$T/dir" >"$BATS_TEST_TMPDIR/theirs"
	cmp "$BATS_TEST_TMPDIR/ours" "$BATS_TEST_TMPDIR/theirs"
}

@test "ls handles a big directory in every mode" {
	mkdir "$T/big"
	(cd "$T/big" && seq -f 'n%05g' 1 3000 | xargs touch)
	run timeout 20 vlcnet-ls "$T/big"
	assert_success
	assert_output "$(ls "$T/big")"
	run timeout 20 vlcnet-ls -l "$T/big"
	assert_success
	assert_output "$(ls -l --time-style=long-iso "$T/big")"
	run timeout 20 vlcnet-ls -U -r "$T/big"
	assert_success
	assert_output "$(ls -f "$T/big" | grep -vx '\.\|\.\.')"
}

@test "ls refuses --long with --json, and unknown options" {
	run timeout 10 vlcnet-ls -l -j "$T"
	assert_failure 2
	assert_output --partial 'cannot be used together'
	run timeout 10 vlcnet-ls --bogus
	assert_failure 2
}

@test "ls --help lists every option" {
	run timeout 10 vlcnet-ls --help
	assert_success
	for o in --all --unsorted --reverse --long --recursive --null --json \
		--dereference --where --print --script --eval --exec --verbose --help --version; do
		assert_output --partial -- "$o"
	done
}

@test "ls reports a write error and exits 1" {
	run bash -c "timeout 10 vlcnet-ls '$T' >/dev/full"
	assert_failure 1
	assert_output 'vlcnet-ls: write error: No space left on device'
	run bash -c "timeout 10 vlcnet-ls --where true '$T' >/dev/full"
	assert_failure 1
}

@test "ls takes the words after -- as operands, even ones that begin with a dash" {
	cd "$T"
	run timeout 10 vlcnet-ls -- dir
	assert_success
	assert_output "$(ls -- dir)"
	run timeout 10 vlcnet-ls -a -- -dash --double dir
	assert_success
	assert_output "$(ls -A -- -dash --double dir)"
	run timeout 10 vlcnet-ls --help
	assert_success
	assert_output --partial "-- ends the options: the words after it are operands"
	refute_output --partial "[-- ARG...]"
}

@test "a script in ls sees the operands, those after -- included, in arg" {
	cd "$T"
	run timeout 10 vlcnet-ls -e 'function each(e) return arg[1] .. " " .. arg[2] .. " " .. e.path end' \
		dir/sub -- -dash
	assert_success
	assert_output "$(printf '%s\n' 'dir/sub -dash -dash' '' 'dir/sub:' 'dir/sub -dash dir/sub/deeper' 'dir/sub -dash dir/sub/x y')"
}

@test "ls -l -L shows a dangling link inside a directory as the link, the others as what they point to" {
	mkdir -p "$BATS_TEST_TMPDIR/L/sub"
	ln -s nowhere "$BATS_TEST_TMPDIR/L/dangling"
	ln -s sub "$BATS_TEST_TMPDIR/L/tosub"
	run timeout 10 vlcnet-ls -l -L "$BATS_TEST_TMPDIR/L"
	assert_success
	assert_line -n 0 --regexp '^total [0-9]+$'
	assert_line -n 1 --regexp '^l[rwx-]{9} .* dangling -> nowhere$'
	assert_line -n 2 --regexp '^d[rwx-]{9} .* sub$'
	assert_line -n 3 --regexp '^d[rwx-]{9} .* tosub$'
	assert_equal "${#lines[@]}" 4
}
