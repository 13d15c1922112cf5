#!/usr/bin/env bats
# The shell completions, driven as the shells drive them: bash through
# COMP_WORDS/COMP_CWORD and the function `complete` registered, zsh through a
# pseudo-terminal and the completion system itself.

load helper

setup() {
	first_pass_only "completion"
	cd "$BATS_TEST_TMPDIR"
	mkdir -p work/sub work/.hidden
	touch work/a.lua work/b.txt work/sub/c.lua
	cd work
}

# comp LINE: complete LINE (the cursor at its end) with the function that
# completions/bash/vlcnet registers for the command, in a fresh bash whose
# COMP_WORDBREAKS is bash's default; prints COMPREPLY, sorted, one per line.
comp() {
	timeout 10 bash -c '
		source "$1/completions/bash/vlcnet"
		COMP_LINE=$2 COMP_POINT=${#2}
		# Split as readline does: at blanks, and around "=" (COMP_WORDBREAKS).
		read -ra COMP_WORDS <<<"${2//=/ = }"
		[[ $2 == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		fn=$(complete -p "${COMP_WORDS[0]}" | sed -E "s/.*-F ([^ ]+) .*/\1/")
		"$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" \
			"${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$TOP" "$1" | LC_ALL=C sort
}

@test "bash: the completion file is shellcheck clean" {
	run shellcheck -s bash "$TOP/completions/bash/vlcnet"
	assert_success
}

@test "bash: the function is registered for the four tools" {
	run bash -c 'source "$1/completions/bash/vlcnet"; complete -p' _ "$TOP"
	assert_success
	assert_line "complete -F _vlcnet vlcnet-listen vlcnet-connect vlcnet-stat vlcnet-ls" ||
		for t in vlcnet-listen vlcnet-connect vlcnet-stat vlcnet-ls; do
			assert_line --regexp "complete -F _vlcnet .*$t"
		done
}

@test "bash: vlcnet-connect --ti completes to --timeout" {
	run comp "vlcnet-connect --ti"
	assert_success
	assert_output "--timeout"
}

@test "bash: a lone dash offers short and long options of that tool only" {
	run comp "vlcnet-listen -"
	assert_success
	assert_line -- --keep-open
	assert_line -- -k
	assert_line -- --script
	refute_line -- --scan    # connect's only
	run comp "vlcnet-stat --"
	assert_success
	assert_line -- --dereference
	assert_line -- --where
	refute_line -- --keep-open
}

@test "bash: --script offers .lua files and directories, not other files" {
	run comp "vlcnet-connect --script "
	assert_success
	assert_output "$(printf '%s\n' a.lua sub)"
}

@test "bash: -s, -vs and --script= offer .lua files too" {
	run comp "vlcnet-listen -s "
	assert_success
	assert_output "$(printf '%s\n' a.lua sub)"
	run comp "vlcnet-listen -vs "
	assert_success
	assert_output "$(printf '%s\n' a.lua sub)"
	run comp "vlcnet-listen --script="
	assert_success
	assert_output "$(printf '%s\n' a.lua sub)"
	run comp "vlcnet-stat --script=a"
	assert_success
	assert_output "a.lua"
	run comp "vlcnet-ls -s sub/"
	assert_success
	assert_output "sub/c.lua"
}

@test "bash: vlcnet-ls offers files and directories, as it lists both" {
	run comp "vlcnet-ls "
	assert_success
	assert_output "$(printf '%s\n' a.lua b.txt sub)"
	run comp "vlcnet-ls -la b"
	assert_success
	assert_output "b.txt"
	run comp "vlcnet-ls sub/"
	assert_success
	assert_output "sub/c.lua"
	run comp "vlcnet-ls ."
	assert_success
	assert_line ".hidden"
}

@test "bash: names that begin with a dot are offered only after a dot" {
	run comp "vlcnet-stat ."
	assert_success
	assert_line ".hidden"
	run comp "vlcnet-stat "
	assert_success
	refute_line ".hidden"
}

@test "bash: vlcnet-stat offers every path" {
	run comp "vlcnet-stat -L "
	assert_success
	assert_output "$(printf '%s\n' a.lua b.txt sub)"
}

@test "bash: HOST offers known host names, PORT nothing" {
	run comp "vlcnet-connect localh"
	assert_success
	assert_line "localhost"
	run comp "vlcnet-connect -w 3 localh"
	assert_success
	assert_line "localhost"
	run comp "vlcnet-connect localhost "
	assert_success
	assert_output ""
	run comp "vlcnet-listen -k localh"
	assert_success
	assert_line "localhost"
}

@test "bash: option arguments that are not files offer nothing" {
	run comp "vlcnet-connect -w "
	assert_success
	assert_output ""
	run comp "vlcnet-listen --max-conns "
	assert_success
	assert_output ""
	run comp "vlcnet-stat -c "
	assert_success
	assert_output ""
	run comp "vlcnet-ls --where "
	assert_success
	assert_output ""
	run comp "vlcnet-connect -e "
	assert_success
	assert_output ""
}

@test "bash: after -- the script's arguments are files" {
	run comp "vlcnet-connect -s a.lua -- "
	assert_success
	assert_output "$(printf '%s\n' a.lua b.txt sub)"
	run comp "vlcnet-connect -s a.lua -- --ti"
	assert_success
	assert_output ""
}

@test "bash: after -- vlcnet-stat and vlcnet-ls offer paths, dashed names too" {
	touch -- -dash
	run comp "vlcnet-stat -- -"
	assert_success
	assert_output -- "-dash"
	run comp "vlcnet-ls -l -- -"
	assert_success
	assert_output -- "-dash"
	run comp "vlcnet-ls -- "
	assert_success
	assert_output "$(printf '%s\n' -dash a.lua b.txt sub)"
}

@test "bash: bash-completion's loader finds the completion under each tool's name" {
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
	mkdir -p comp/bash-completion/completions
	for t in listen connect stat ls; do
		ln -s "$TOP/completions/bash/vlcnet" "comp/bash-completion/completions/vlcnet-$t"
	done
	# The loader looks in $XDG_DATA_DIRS/bash-completion/completions.
	run env XDG_DATA_DIRS="$PWD/comp" timeout 10 bash -c '
		source /usr/share/bash-completion/bash_completion
		for t in vlcnet-listen vlcnet-connect vlcnet-stat vlcnet-ls; do
			if declare -F _comp_load >/dev/null; then
				_comp_load "$t" || exit 1
			else
				__load_completion "$t" || exit 1
			fi
			complete -p "$t"
		done' </dev/null
	assert_success
	assert_line --regexp "^complete -F _vlcnet .*vlcnet-ls$"
	assert_line --regexp "^complete -F _vlcnet .*vlcnet-listen$"
}

# zcomp LINE: what zsh's completion system lists for LINE<Tab>, in an
# interactive zsh on a pseudo-terminal with completions/zsh on its fpath.
# compinit keeps its dump for the file's later calls: without one, each
# compinit reads every completion function on the fpath (0.7 s or more; the
# test of compinit itself below runs it without a dump).
zcomp() {
	timeout 20 zsh -f -c '
		zmodload zsh/zpty
		zpty z zsh -f -i
		zpty -w z "PS1=; PROMPT_EOL_MARK=; fpath=($1 \$fpath); autoload -U compinit; compinit -u -d ${(q)4}; LISTMAX=1000; bindkey \"^I\" list-choices; stty columns 200"
		zpty -w -n z "$2"$'"'\t'"'
		local out= l i
		for i in {1..100}; do
			while zpty -r -t z l; do out+=$l; done
			[[ $out == *"$3"* ]] && break
			sleep 0.1
		done
		zpty -d z
		print -r -- "$out"' _ "$TOP/completions/zsh" "$1" "$2" "$BATS_FILE_TMPDIR/zcompdump" |
		tr -d '\r' | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g'
}

@test "zsh: compinit loads _vlcnet for the four tools without error" {
	run timeout 20 zsh -f -c 'autoload -U compinit; fpath=($1 $fpath)
		compinit -u -D
		autoload -Uz +X _vlcnet || exit 1
		for t in vlcnet-listen vlcnet-connect vlcnet-stat vlcnet-ls; do
			print -r -- "$t=$_comps[$t]"
		done' _ "$TOP/completions/zsh"
	assert_success
	refute_output --partial "error"
	assert_line "vlcnet-listen=_vlcnet"
	assert_line "vlcnet-connect=_vlcnet"
	assert_line "vlcnet-stat=_vlcnet"
	assert_line "vlcnet-ls=_vlcnet"
}

@test "zsh: options are listed with their descriptions" {
	run zcomp "vlcnet-connect --" "--version"
	assert_success
	assert_output --regexp -- "--timeout +-- give up connecting, or idling"
	assert_output --regexp -- "--script +-- run the Lua script FILE"
	refute_output --partial -- "--keep-open"
}

@test "zsh: --script offers .lua files and directories" {
	run zcomp "vlcnet-listen --script " "sub/"
	assert_success
	assert_output --partial "a.lua"
	assert_output --partial "sub/"
	refute_output --partial "b.txt"
}

@test "zsh: vlcnet-ls offers files and directories, as it lists both" {
	run zcomp "vlcnet-ls -l " "b.txt"
	assert_success
	assert_output --partial "sub/"
	assert_output --partial "a.lua"
	assert_output --partial "b.txt"
}

@test "zsh: vlcnet-ls pairs options as the tool does: -r with -U, -0 with -j, not -l with -j" {
	run zcomp "vlcnet-ls -U -" "--version"
	assert_success
	assert_output --regexp -- "--reverse +-r +-- reverse the sort order"
	run zcomp "vlcnet-ls -l -" "--version"
	assert_success
	assert_output --partial -- "--recursive"
	refute_output --partial -- "--json"
	run zcomp "vlcnet-ls -j -" "--version"
	assert_success
	assert_output --partial -- "--null"
	refute_output --partial -- "--long"
}
