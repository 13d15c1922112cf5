#!/usr/bin/env bats
# The documentation agrees with the tools: every option --help prints is in the
# man page and in both completions and nothing else is; every page passes
# mandoc's lint. (The pages' EXAMPLES run in man_examples.bats.) None of it
# depends on the build's flavour: the first pass of ./setup.sh test runs it.

load helper

setup() {
	first_pass_only "the documentation"
}

# The tools are the programs the build makes, the pages those in man/: a new
# tool, option or page is checked without a change here.
TOOLS=()
for t in "$BUILD"/vlcnet-*; do
	[[ -f $t && -x $t && ${t##*/} != *.* ]] && TOOLS+=("${t##*/}")
done
PAGES=()
for page in "$TOP"/man/*.[1-9]; do
	[ -f "$page" ] && PAGES+=("${page##*/}")
done

# opt_words: the option words (-x, --long) at the start of each line of stdin,
# one per line, sorted; "--" alone and arguments (SECS, LOW-HIGH) are not.
opt_words() {
	grep -oE -- '(^|[ ,[|])--?[A-Za-z0-9][A-Za-z0-9-]*' |
		sed -E 's/^[ ,[|]//' | LC_ALL=C sort -u
}

# help_opts TOOL: the options TOOL --help lists in its sections whose title
# ends in "options:" (any case). An option line starts with a dash at most 6
# columns in (a wrapped description is further in); its options are its
# words up to the first that is neither an option (-x, --long, --long=ARG,
# --long[=ARG]) nor an argument name (N, FILE, [WHEN]): the description, which
# may be a single space away and may name other options.
help_opts() {
	timeout 10 "$1" --help | awk '
		/^[^ ]/ && /[Oo]ptions:$/ { in_opts = 1; next }
		/^$/ || /^[^ ]/ { in_opts = 0 }
		!in_opts { next }
		{ match($0, /^ */) }
		RLENGTH < 1 || RLENGTH > 6 || substr($0, RLENGTH + 1, 1) != "-" { next }
		{ for (i = 1; i <= NF; i++) {
			w = $i
			sub(/,$/, "", w)
			if (w ~ /^--?[A-Za-z0-9][A-Za-z0-9-]*(=.*|\[=.*\])?$/) {
				sub(/[=[].*/, "", w)
				print w
			} else if (w !~ /^[A-Z][A-Z0-9_.|-]*$/ && w !~ /^\[.*\]$/)
				break
		} }' | LC_ALL=C sort -u
}

# man_opts TOOL [PAGE]: the options tagged in the OPTIONS sections of
# man/TOOL.1 (any section whose title ends in OPTIONS): the tag lines, at the
# section's own indentation (subsection titles are less indented), that begin
# with a dash. A tag is its words up to the first that is neither an option
# nor an argument name (FILE, SECS): a short tag shares its line with the
# start of the description.
man_opts() {
	local page=${2:-$TOP/man/$1.1}
	[ -f "$page" ] || { echo "no page $page" >&2; return 1; }
	mandoc -Tascii "$page" | col -bx | awk '
		/^[A-Z]/ { in_opts = ($0 ~ /OPTIONS$/); next }
		in_opts && NF { lines[++n] = $0; match($0, /^ */)
		                if (RLENGTH > 3 && (!base || RLENGTH < base))
		                        base = RLENGTH }
		END { for (i = 1; i <= n; i++) {
		        match(lines[i], /^ */)
		        if (RLENGTH != base || substr(lines[i], base + 1, 1) != "-")
		                continue
		        k = split(lines[i], w, " ")
		        tag = ""
		        for (j = 1; j <= k; j++) {
		                if (w[j] !~ /^-/ && w[j] !~ /^[][A-Z0-9_|.=-]+,?$/)
		                        break
		                tag = tag " " w[j]
		        }
		        print tag } }' | opt_words
}

# bash_opts TOOL: what the bash completion offers for "TOOL -<Tab>".
bash_opts() {
	bash -c 'source "$1/completions/bash/vlcnet"
		COMP_WORDS=("$2" -) COMP_CWORD=1 COMP_LINE="$2 -" COMP_POINT=${#COMP_LINE}
		_vlcnet "$2" - "$2"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$TOP" "$1" | LC_ALL=C sort -u
}

# zsh_opts TOOL: the options of the zsh completion's _arguments specs for TOOL,
# read by running the completion function with _arguments replaced by a printer
# (the specs follow _arguments' own flags and the ":" that ends them).
zsh_opts() {
	timeout 10 zsh -fc 'functions[_vlcnet]=$(<$1/completions/zsh/_vlcnet)
		_arguments() { print -rl -- "$@" }
		service=$2 _vlcnet' _ "$TOP" "$1" | sed '1,/^:$/d' |
		sed -nE 's/^(\([^)]*\))?\*?(--?[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]?).*/\2/p' |
		sed -E 's/^(-[A-Za-z0-9]).*/\1/; s/^(--.*[A-Za-z0-9])-$/\1/' | LC_ALL=C sort -u
}

# same_options TOOL WHAT: WHAT (man, bash or zsh) lists exactly the options
# of TOOL --help; the differences are printed both ways.
same_options() {
	local tool=$1 what=$2 help other
	help=$(help_opts "$tool")
	[ -n "$help" ] || { echo "$tool --help lists no options" >&2; return 1; }
	other=$("${what}_opts" "$tool") || return 1
	local missing extra
	missing=$(comm -23 <(echo "$help") <(echo "$other"))
	extra=$(comm -13 <(echo "$help") <(echo "$other"))
	[ -z "$missing" ] && [ -z "$extra" ] && return 0
	[ -z "$missing" ] || echo "$what for $tool lacks:" $missing >&2
	[ -z "$extra" ] || echo "$what for $tool has options --help does not print:" $extra >&2
	return 1
}

@test "the option lists are read from --help as expected" {
	run help_opts vlcnet-connect
	assert_success
	assert_line -- --timeout
	assert_line -- -w
	assert_line -- --script
	refute_line -- -HIGH
	# an option that has no short form
	run help_opts vlcnet-listen
	assert_success
	assert_line -- --fork
	assert_line -- -m
}

@test "the option lists are read from any --help layout, descriptions left out" {
	cat >"$BATS_TEST_TMPDIR/fake" <<'EOF'
#!/bin/sh
cat <<'HELP'
Usage: fake [OPTIONS] DIR
       fake [OPTIONS] --script FILE

Options:
  -r, --reverse            reverse the order (no effect with -U)
      --a-much-longer-option-name WHEN say when, unlike --other
  -c, --color[=WHEN]       colour, see -Z
                           -1 on a wrapped line is no option
      --tight=N
Script options:
  -s, --script FILE        run FILE

Exit status: -9 is no option.
HELP
EOF
	chmod +x "$BATS_TEST_TMPDIR/fake"
	run help_opts "$BATS_TEST_TMPDIR/fake"
	assert_success
	assert_output "$(printf '%s\n' --a-much-longer-option-name --color --reverse --script \
		--tight -c -r -s)"
}

@test "the option lists are read from man(7) and mdoc(7) pages as expected" {
	cat >"$BATS_TEST_TMPDIR/t.1" <<'EOF'
.TH T 1
.SH NAME
t \- test
.SH DESCRIPTION
Like
.B \-\-fork
but with a long sentence that is wrapped so that a line of it starts with
\-\-other, which is not an option of the page.
.SH OPTIONS
.TP
.BR \-w ", " \-\-timeout " " \fISECS\fR
Wait.
.TP
.B \-4
IPv4.
.TP
.B \-\-fork
Fork for each connection, as with
\-\-keep\-open wrapped at the start of a line.
.SS Common options
.TP
\fB\-s\fR \fIFILE\fR, \fB\-\-script\fR=\fIFILE\fR
A script.
.SH EXIT STATUS
\-z is not here.
EOF
	run man_opts t "$BATS_TEST_TMPDIR/t.1"
	assert_success
	assert_output "$(printf '%s\n' --fork --script --timeout -4 -s -w)"
	cat >"$BATS_TEST_TMPDIR/t.1" <<'EOF'
.Dd November 24, 2026
.Dt T 1
.Os
.Sh NAME
.Nm t
.Nd test
.Sh OPTIONS
.Bl -tag -width Ds
.It Fl k , Fl \-keep\-open
Keep open and mention
.Fl \-fork .
.It Fl m Ar N , Fl \-max\-conns Ns = Ns Ar N
At most N.
.El
EOF
	run man_opts t "$BATS_TEST_TMPDIR/t.1"
	assert_success
	assert_output "$(printf '%s\n' --keep-open --max-conns -k -m)"
}

# each_tool WHAT: same_options for every tool; all of them are checked and
# the differences of each printed before the status is 1.
each_tool() {
	local tool bad=0
	[ "${#TOOLS[@]}" -gt 0 ] || { echo "no tools in $BUILD" >&2; return 1; }
	for tool in "${TOOLS[@]}"; do
		same_options "$tool" "$1" || bad=1
	done
	return "$bad"
}

@test "the tools are found in the build, the four of them at least" {
	for t in vlcnet-listen vlcnet-connect vlcnet-stat vlcnet-ls; do
		[[ " ${TOOLS[*]} " == *" $t "* ]] || { echo "$t is not in TOOLS: ${TOOLS[*]}" >&2; false; }
	done
	[[ " ${PAGES[*]} " == *" vlcnet-lua.3 "* ]]
}

@test "each tool's man page lists exactly the options of its --help" {
	each_tool man
}

@test "each tool's --help fits 80 columns, with no trailing blanks" {
	local t bad=0
	for t in "${TOOLS[@]}"; do
		"$BUILD/$t" --help | awk -v t="$t" '
			length > 80 || / $/ { print t ": " $0; bad = 1 }
			END { exit bad }' >&2 || bad=1
	done
	return "$bad"
}

@test "each tool's bash completion offers exactly the options of its --help" {
	each_tool bash
}

@test "each tool's zsh completion describes exactly the options of its --help" {
	each_tool zsh
}

@test "both completions are registered for each tool" {
	local tool
	for tool in "${TOOLS[@]}"; do
		run bash -c 'source "$1/completions/bash/vlcnet"; complete -p "$2"' _ "$TOP" "$tool"
		assert_success
		assert_output --partial "_vlcnet"
		run sed -n '1{/^#compdef /p}' "$TOP/completions/zsh/_vlcnet"
		assert_output --regexp " $tool( |$)"
	done
}

# lint PAGE: mandoc finds nothing at WARNING level or above.
lint() {
	local page="$TOP/man/$1"
	[ -f "$page" ] || { echo "no page man/$1" >&2; return 1; }
	run mandoc -Tlint -W warning "$page"
	assert_success
	assert_output ""
}

@test "every page in man/ passes mandoc -Tlint -W warning" {
	local page
	[ "${#PAGES[@]}" -gt 0 ]
	for page in "${PAGES[@]}"; do
		lint "$page"
	done
}
