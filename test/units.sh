#!/bin/sh
# test/units.sh UNIT...: run each C unit test program (built by make from
# test/unit/*_test.c) and pass its summary line "NAME: N passed, N failed" on.
# A program that failed without a failed check in that line (a crash, a
# sanitizer report, a leak found at exit) gets one more line with that one
# failure, so that test/tally.awk counts it. The status is 1 if any failed.
st=0
for t in "$@"; do
	out=$("$t")
	s=$?
	[ -z "$out" ] || printf '%s\n' "$out"
	[ "$s" -eq 0 ] && continue
	st=1
	case $out in *" passed, "[1-9]*" failed"*) continue ;; esac
	echo "$t: exit status $s" >&2
	echo "${t##*/}: 0 passed, 1 failed"
done
exit "$st"
