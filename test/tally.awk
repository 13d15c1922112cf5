# test/tally.awk: the closing line of ./setup.sh test, "N passed, N failed,
# N skipped", read from the log of its passes; the exit status is 1 when
# anything failed. A pass is the text between a line "== NAME" and a line
# "== NAME: status N" (its exit status). In a pass it counts bats' TAP lines
# ("ok", "ok ... # skip", "not ok") and the C unit tests' summary lines
# ("NAME: N passed, N failed"). What a pass left out counts as failed: the
# tests its bats plan ("1..N") announced and never reported, and the pass
# itself when it failed (a make that failed, a unit test that crashed) or
# never ended without a failed test to show for it.

function start_pass() {
	planned = 0
	reported = 0
	pass_failed = 0
	in_pass = 1
}

function end_pass(status) {
	if (planned > reported)
		fail(planned - reported)
	if (status != 0 && pass_failed == 0)
		fail(1)
	start_pass()
	in_pass = 0
}

function fail(n) {
	failed += n
	pass_failed += n
}

/^== .*: status [0-9]+$/ { end_pass($NF); next }
/^== / { if (in_pass) end_pass(1); start_pass(); next }
/^1\.\.[0-9]+$/ { planned += substr($0, 4); next }
/^ok [0-9]+/ {
	reported++
	if (tolower($0) ~ / # skip( |$)/)
		skipped++
	else
		passed++
	next
}
/^not ok [0-9]+/ { reported++; fail(1); next }
/^[^# ][^ ]*: [0-9]+ passed, [0-9]+ failed$/ { passed += $(NF - 3); fail($(NF - 1)); next }

END {
	# A log cut short inside a pass: that pass did not end well.
	end_pass(in_pass ? 1 : 0)
	printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped
	exit failed != 0
}
