/*
 * test/unit/unit.h: a tiny harness for the C unit tests. Each CHECK counts a
 * pass or reports "file:line: what" on stderr; UNIT_DONE prints the one
 * summary line "name: N passed, N failed" on stdout and yields main's status.
 * Include it from one source file per test program.
 */
#ifndef VN_UNIT_H
#define VN_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed;

/* Counts one check; returns ok so that callers can add detail on failure. */
static inline int
unit_check(int ok, const char *file, int line, const char *what)
{
	if (ok)
		unit_passed++;
	else {
		unit_failed++;
		fprintf(stderr, "%s:%d: failed: %s\n", file, line, what);
	}
	return ok;
}

/* Tells whether two strings, either of which may be NULL, are the same. */
static inline int
unit_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Prints the summary line and returns the exit status for main. */
static inline int
unit_done(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, unit_passed, unit_failed);
	fflush(stdout);
	return unit_failed != 0;
}

#define CHECK(cond)	unit_check((cond) != 0, __FILE__, __LINE__, #cond)
#define CHECK_STR(got, want) \
	unit_check(unit_streq((got), (want)), __FILE__, __LINE__, \
	    #got " equals " #want)
#define UNIT_DONE(name)	unit_done(name)

#endif
