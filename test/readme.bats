#!/usr/bin/env bats
# The README's two set-up commands: the demo runs, and CI runs the test command.

load helper

# setup.sh demo builds and runs build/, whatever build the pass tests (a
# second run beside the first pass would race its make), and the other rows
# read files: the first pass of ./setup.sh test is enough.
setup() {
	first_pass_only "the README's commands"
}

@test "./setup.sh demo builds and runs the loopback demo" {
	[ -z "$SANITIZED" ] || skip "the demo builds and runs the plain build"
	cd "$TOP"
	run timeout 120 ./setup.sh demo
	assert_success
	assert_line "vlcnet says: HELLO FROM THE SHELL"
	assert_line "vlcnet says: HELLO FROM LUA"
	assert_line --regexp '^README\.md	file	[0-9]+ bytes$'
	assert_line --partial "demo done"
}

@test "the README names both commands and .ci/run runs the test one with every tier" {
	run grep -c -e '^\./setup\.sh demo ' -e '^\./setup\.sh test ' "$TOP/README.md"
	assert_output "2"
	run grep -c '\./setup\.sh test all$' "$TOP/.ci/run"
	assert_output "1"
}

@test "setup.sh without a command is a usage error" {
	run "$TOP/setup.sh"
	assert_failure 2
	assert_output "usage: ./setup.sh demo|test [all]"
}
