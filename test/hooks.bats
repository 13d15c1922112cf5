#!/usr/bin/env bats
# The Lua per-entry hooks of vlcnet-ls and vlcnet-stat: each(e), --where, --print.

load helper

setup() {
	T=$BATS_TEST_TMPDIR/tree
	mkdir -p "$T/sub"
	cd "$T"
	printf '1234567890' >big
	printf 'x' >small
	: >empty
	ln -s big link
	: >$'odd\xff'
	cd "$BATS_TEST_TMPDIR"
}

@test "each returning a string prints it as the entry's line" {
	run timeout 10 vlcnet-ls -e 'function each(e) return e.name .. "=" .. e.size end' "$T/sub" "$T"
	assert_success
	assert_output "$(printf '%s\n' "$T:" big=10 empty=0 link=3 $'odd\xff=0' small=1 \
		"sub=$(stat -c %s "$T/sub")" '' "$T/sub:")"
}

@test "each returning true prints the default line, nil and false skip" {
	run timeout 10 vlcnet-ls -e 'function each(e) if e.name == "big" then return true elseif e.name == "small" then return false end end' "$T"
	assert_success
	assert_output big
	run timeout 10 vlcnet-ls -l -e 'function each(e) return e.type == "symbolic link" end' "$T"
	assert_success
	# The columns are as wide as the whole directory needs, as in ls -l.
	assert_output "$(LC_ALL=C ls -l --time-style=long-iso "$T" | grep -- ' link -> big$')"
}

@test "each sees name, path and the fields of net.lstat" {
	run timeout 10 vlcnet-ls -e '
	function each(e)
		local s = net.lstat(e.path)
		for _, k in ipairs{"type", "mode", "uid", "gid", "size", "access_time",
		                   "modification_time", "creation_time"} do
			assert(e[k] == s[k], k)
		end
		assert(e.path == arg[1] .. "/" .. e.name)
		return e.type
	end' "$T"
	assert_success
	assert_output "$(printf '%s\n' file file 'symbolic link' file file dir)"
}

@test "net.stat, a hook's entry and -j carry the same fields, -j in SPEC order" {
	fields='type mode uid gid size access_time modification_time creation_time'
	run timeout 10 vlcnet-stat -e '
	function each(e)
		local keys, n = {}, 0
		for k, v in pairs(net.lstat(e.path)) do
			keys[#keys + 1] = k
			assert(e[k] == v, k)
		end
		for _ in pairs(e) do n = n + 1 end
		table.sort(keys)
		return table.concat(keys, " ") .. " +" .. n - #keys
	end' "$T/big"
	assert_success
	assert_output "$(printf '%s\n' $fields | LC_ALL=C sort | paste -sd ' ') +2"
	keys='import json, sys
for line in sys.stdin: print(" ".join(json.loads(line)))'
	run sh -c "timeout 10 vlcnet-stat -j '$T/big' && timeout 10 vlcnet-ls -j '$T/sub' '$T' | head -n 1"
	assert_success
	run python3 -c "$keys" <<<"$output"
	assert_success
	assert_output "$(printf '%s\n' "path $fields" "name path $fields")"
}

@test "each with -L sees what links point to" {
	run timeout 10 vlcnet-ls -L -e 'function each(e) return e.name .. " " .. e.type end' "$T"
	assert_success
	assert_output "$(printf '%s\n' 'big file' 'empty file' 'link file' $'odd\xff file' \
		'small file' 'sub dir')"
}

@test "--where filters with the entry's fields as variables" {
	run timeout 10 vlcnet-ls --where 'size > 5 and type == "file"' "$T"
	assert_success
	assert_output big
	run timeout 10 vlcnet-ls -e 'limit = 0' --where 'size > limit and not name:find("^l")' "$T"
	assert_success
	assert_output "$(printf '%s\n' big small sub)"
}

@test "--print replaces the line with the expression's value" {
	run timeout 10 vlcnet-ls --print 'name .. " " .. size' --where 'type ~= "dir"' "$T"
	assert_success
	assert_output "$(printf '%s\n' 'big 10' 'empty 0' 'link 3' $'odd\xff 0' 'small 1')"
	run timeout 10 vlcnet-ls --print 'size' "$T/sub" "$T"
	assert_success
	assert_output "$(printf '%s\n' "$T:" 10 0 3 0 1 "$(stat -c %s "$T/sub")" '' "$T/sub:")"
}

@test "--print nil skips the entry, true prints the default line" {
	run timeout 10 vlcnet-ls --print 'type == "file" and size > 5 or nil' "$T"
	assert_success
	assert_output big
	run timeout 10 vlcnet-ls -j --print 'name == "small"' "$T"
	assert_success
	assert_output "$(stat -c '{"name":"small","path":"%n","type":"file","mode":%f,"uid":%u,"gid":%g,"size":%s,"access_time":%X,"modification_time":%Y,"creation_time":%Z}' "$T/small" |
		{ IFS= read -r l; m=${l#*\"mode\":}; m=${m%%,*}; printf '%s\n' "${l/\"mode\":$m,/\"mode\":$((16#$m)),}"; })"
}

@test "each runs after --where, and its string wins over --print" {
	run timeout 10 vlcnet-ls -e 'function each(e) if e.name == "big" then return "B" end return true end' \
		--where 'type == "file"' --print 'name:upper()' "$T"
	assert_success
	assert_output "$(printf '%s\n' B EMPTY $'ODD\xff' SMALL)"
}

@test "hooks work in vlcnet-stat: name is the last component, path the operand" {
	run timeout 10 vlcnet-stat -e 'function each(e) return e.name .. " " .. e.path .. " " .. e.size end' "$T/big" "$T/sub/"
	assert_success
	assert_output "$(printf '%s\n' "big $T/big 10" "sub $T/sub/ $(stat -c %s "$T/sub")")"
	run timeout 10 vlcnet-stat -c '%n %s' --where 'size > 1' "$T/big" "$T/small"
	assert_success
	assert_output "$T/big 10"
	run timeout 10 vlcnet-stat --print 'type' -L "$T/link"
	assert_success
	assert_output file
}

@test "a script file can define each" {
	printf 'n = 0\nfunction each(e)\n  n = n + 1\n  return n .. ":" .. e.name\nend\n' >"$BATS_TEST_TMPDIR/each.lua"
	run timeout 10 vlcnet-ls -s "$BATS_TEST_TMPDIR/each.lua" "$T"
	assert_success
	assert_output "$(printf '%s\n' 1:big 2:empty 3:link $'4:odd\xff' 5:small 6:sub)"
}

@test "Lua output and the listing stay in order" {
	run timeout 10 vlcnet-ls -e 'function each(e) print("before " .. e.name) return true end' "$T"
	assert_success
	assert_output "$(for n in big empty link $'odd\xff' small sub; do printf 'before %s\n%s\n' "$n" "$n"; done)"
}

@test "-e without each lists as usual" {
	run timeout 10 vlcnet-ls -e 'x = 1' "$T"
	assert_success
	assert_output "$(ls "$T")"
}

@test "a bad --where or --print is a usage error with Lua's message" {
	run timeout 10 vlcnet-ls --where 'size >' "$T"
	assert_failure 2
	assert_output "vlcnet-ls: --where:2: unexpected symbol near ')'"
	run timeout 10 vlcnet-stat --print 'name ..' "$T/big"
	assert_failure 2
	assert_output "vlcnet-stat: --print:2: unexpected symbol near ')'"
	run timeout 10 vlcnet-ls --where 'x = 1' "$T"
	assert_failure 2
	assert_output "vlcnet-ls: --where:1: ')' expected near '='"
}

@test "a runtime error in a hook is reported and exits 1" {
	run timeout 10 vlcnet-ls --where 'size + nil' "$T"
	assert_failure 1
	assert_output 'vlcnet-ls: --where:1: attempt to perform arithmetic on a nil value'
	run timeout 10 vlcnet-ls -e 'function each(e) error("boom") end' "$T"
	assert_failure 1
	assert_output 'vlcnet-ls: (command line):1: boom'
	run timeout 10 vlcnet-stat -e 'function each(e) return {} end' "$T/big"
	assert_failure 1
	assert_output 'vlcnet-stat: each returned a table (a string, true, false or nil was expected)'
}

@test "vlc.misc.quit() in a hook ends the listing with status 0" {
	run timeout 10 vlcnet-ls -e 'function each(e) if e.name == "link" then vlc.misc.quit() end return true end' "$T"
	assert_success
	assert_output "$(printf '%s\n' big empty)"
}

@test "hook lines end with NUL under -0" {
	run bash -c "timeout 10 vlcnet-ls -0 --print 'name' '$T/sub' '$T' | tr '\0' '#'"
	assert_success
	assert_output "$(printf '%s\n' "$T:" $'big#empty#link#odd\xff#small#sub#' "$T/sub:")"
}

@test "hooks see names that are not UTF-8 unchanged" {
	run timeout 10 vlcnet-ls --where 'name:byte(-1) == 255' --print '#name' "$T"
	assert_success
	assert_output 4
}

@test "SIGTERM stops a listing whose hook is busy: status 143, no message" {
	run timeout --preserve-status -s TERM 0.5 vlcnet-ls \
		-e 'function each(e) local t = os.clock() while os.clock() - t < 0.3 do end return true end' "$T"
	assert_failure 143
	# No message: what was printed, if anything, is the start of the listing.
	listing=$(printf '%s\n' big empty link $'odd\xff' small sub)
	[[ $listing == "$output"* ]]
}

@test "a script with no operand runs on its own; ls lists . only when a hook is set" {
	cd "$T"
	run timeout 10 vlcnet-ls -e 'print("only")'
	assert_success
	assert_output only
	run timeout 10 vlcnet-ls -e 'function each(e) return e.path end'
	assert_success
	assert_output "$(printf './%s\n' big empty link $'odd\xff' small sub)"
	run timeout 10 vlcnet-stat -e 'print("only")'
	assert_success
	assert_output only
	run timeout 10 vlcnet-stat --where true
	assert_failure 2
	assert_output "$(printf '%s\n' 'vlcnet-stat: missing operand' \
		"Try 'vlcnet-stat --help' for more information.")"
}

@test "a hook that stats a path with an embedded NUL gets an argument error, exit 1" {
	run timeout 10 vlcnet-ls -e 'function each(e) return net.lstat(e.path .. "\0zz").type end' "$T"
	assert_failure 1
	assert_output "vlcnet-ls: (command line):1: bad argument #1 to 'lstat' (path contains a NUL byte)"
	run timeout 10 vlcnet-stat -e 'function each(e) return #net.opendir(e.path .. "\0") end' "$T/sub"
	assert_failure 1
	assert_output "vlcnet-stat: (command line):1: bad argument #1 to 'opendir' (path contains a NUL byte)"
}
