#!/usr/bin/env bats
# vlc.strings and vlc.misc as a VLC 3 script sees them: the pure helpers next
# to url_parse (their C side, with VLC's vectors, is test/unit/strings_test.c),
# how they take and return several strings, and what stays absent.

load helper

@test "decode_uri decodes VLC's vectors and gives nil for a cut escape" {
	lua 'print(vlc.strings.decode_uri("%7E", "T%C3%a9l%c3%A9vision %e2%82%Ac",
		"This%20should%20be%20modified%201234!", "%", "%2"))'
	assert_success
	assert_output "$(printf '~\tTélévision €\tThis should be modified 1234!\tnil\tnil')"
}

@test "decode_uri and encode_uri_component take and return any number of strings" {
	lua 'local s = vlc.strings
		print(select("#", s.decode_uri()), select("#", s.encode_uri_component()))
		local t = {}
		for i = 1, 5000 do t[i] = "a b" .. i end
		local r = {s.encode_uri_component(unpack(t))}
		local d = {s.decode_uri(unpack(r))}
		print(#r, r[1], r[5000], d[5000], s.encode_uri_component(12))'
	assert_success
	assert_output "$(printf '0\t0\n5000\ta%%20b1\ta%%20b5000\ta b5000\t12')"
}

@test "strings keep their NUL bytes through encode_uri_component and decode_uri" {
	lua 'local s = vlc.strings
		local e = s.encode_uri_component("a\0b\255")
		print(e, s.decode_uri(e) == "a\0b\255", #s.decode_uri("%0000"))'
	assert_success
	assert_output "$(printf 'a%%00b%%FF\ttrue\t3')"
}

@test "make_uri and make_path convert between local paths and file URIs" {
	cd "$BATS_TEST_TMPDIR"
	lua 'local s = vlc.strings
		print(s.make_uri("/home/john/music.ogg"))
		print(s.make_uri("/a b/c", "http"), s.make_uri("x"), s.make_uri("-"))
		print(s.make_uri("http://h/a b"), s.make_uri(""))
		print(s.make_path("file://localhost/home/john/music%2Eogg"))
		print(s.make_path("fd://0#ref"), s.make_path("file:///?x"))
		print(s.make_path("http://www.example.com/file.html#ref"), s.make_path("x"))'
	assert_success
	assert_output "file:///home/john/music.ogg
http:///a%20b/c	file://$BATS_TEST_TMPDIR/x	fd://0
http://h/a b	nil
/home/john/music.ogg
/dev/stdin	/
nil	nil"
}

@test "resolve_xml_special_chars and convert_xml_special_chars work on several strings" {
	lua 'local s = vlc.strings
		print(s.resolve_xml_special_chars("&lt;b&gt;", "caf&eacute; &#8364;&#x41;", "&bogus;"))
		print(s.convert_xml_special_chars("<a href=\"x\">", "it'"'"'s & \1", "caf\233"))'
	assert_success
	assert_output "$(printf '<b>\tcafé €A\t&bogus;\n&lt;a href=&quot;x&quot;&gt;\tit&#39;s &amp; \tnil')"
}

@test "from_charset converts to UTF-8 and gives \"\" when it cannot" {
	lua 'local s = vlc.strings
		print(s.from_charset("ISO-8859-1", "T\233l\233vision"), s.from_charset("UTF-16LE", "A\0\172\32"))
		print("[" .. s.from_charset("no-such-charset", "x") .. "]",
			"[" .. s.from_charset("UTF-8", "\255") .. "]", "[" .. s.from_charset("UTF-8", "") .. "]")
		print(pcall(s.from_charset, "UTF-8"))'
	assert_success
	assert_line -n 0 "$(printf 'Télévision\tA€')"
	assert_line -n 1 "$(printf '[]\t[]\t[]')"
	assert_line -n 2 --regexp "^false	.*bad argument #2"
}

@test "a wrong argument type is a Lua argument error, not a crash" {
	lua 'for _, f in ipairs{"decode_uri", "encode_uri_component", "make_uri", "make_path",
			"resolve_xml_special_chars", "convert_xml_special_chars", "from_charset"} do
			local ok, e = pcall(vlc.strings[f], {})
			io.write(f, " ", tostring(ok), " ", e:match("bad argument #1") or e, "\n")
		end'
	assert_success
	[ "$(grep -c ' false bad argument #1$' <<<"$output")" -eq 7 ] || { echo "$output"; false; }
}

@test "vlc.misc gives vlcnet's copyright and license notices" {
	lua 'print(vlc.misc.copyright()) print(vlc.misc.license())'
	assert_success
	assert_line -n 0 --regexp "^Copyright © [0-9]{4} the vlcnet authors$"
	assert_line --partial "NO WARRANTY"
}

@test "vlc.strings and vlc.misc hold the pure helpers and nothing that needs VLC itself" {
	lua 'for _, t in ipairs{"strings", "misc"} do
			local k = {}
			for name in pairs(vlc[t]) do k[#k + 1] = name end
			table.sort(k)
			print(t .. ": " .. table.concat(k, " "))
		end'
	assert_success
	assert_output "strings: convert_xml_special_chars decode_uri encode_uri_component from_charset make_path make_uri resolve_xml_special_chars url_parse
misc: copyright license mdate mwait quit should_die version"
}

@test "make_uri of a relative path is nil when the working directory is gone, an absolute one still works" {
	mkdir "$BATS_TEST_TMPDIR/gone"
	cd "$BATS_TEST_TMPDIR/gone"
	rmdir "$BATS_TEST_TMPDIR/gone"
	lua 'local s = vlc.strings
		print(s.make_uri("rel/x"), s.make_uri("/abs x"), s.make_uri("-"))'
	assert_success
	assert_output "$(printf 'nil\tfile:///abs%%20x\tfd://0')"
}
