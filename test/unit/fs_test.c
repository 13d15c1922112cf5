/*
 * test/unit/fs_test.c: vn_fs_sort, the sort behind vlcnet-ls's order. It
 * must give strcmp's order for any names, and stay O(n log n) however the
 * names come: a directory is input that someone else may have chosen.
 *
 * The hostile input is McIlroy's "killer adversary for quicksort": linked
 * with -Wl,--wrap=strcmp (see the Makefile), the names all share their first
 * 8 bytes, so that every comparison the sort makes reaches strcmp, where the
 * adversary decides the answers so as to make a quicksort go quadratic.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/fs.h"
#include "unit.h"

int __real_strcmp(const char *, const char *);

/* --- the adversary: on while `adversary` is set ------------------------ */

static int adversary, *val, gas, nsolid, candidate;
static long ncmp;

/* The names are "same8by" followed by the item's number. */
static int
item(const char *tail)
{
	return atoi(tail);
}

int
__wrap_strcmp(const char *a, const char *b)
{
	int x, y;

	if (!adversary)
		return __real_strcmp(a, b);
	ncmp++;
	x = item(a);
	y = item(b);
	if (val[x] == gas && val[y] == gas)
		val[x == candidate ? x : y] = nsolid++;
	if (val[x] == gas)
		candidate = x;
	else if (val[y] == gas)
		candidate = y;
	return val[x] < val[y] ? -1 : val[x] > val[y];
}

/* Fills e[0..n) with the names in names[] (kept alive by the caller). */
static void
dents(struct vn_dent *e, char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		e[i].name = names[i];
		e[i].len = (uint32_t)strlen(names[i]);
		e[i].type = 0;
		e[i].idx = (uint32_t)i;
		vn_fs_dent_key(&e[i]);
	}
}

static void
sort_survives_the_killer_adversary(void)
{
	enum { N = 6000 };
	static char buf[N][24];
	static char *names[N];
	static struct vn_dent e[N];
	static int seen[N];
	size_t i, log2n = 0;
	int ordered = 1, perm = 1;

	val = calloc(N, sizeof *val);
	if (!CHECK(val != NULL))
		return;
	for (i = 0; i < N; i++) {
		snprintf(buf[i], sizeof buf[i], "same8by_%d", (int)i);
		names[i] = buf[i];
		val[i] = N;
	}
	for (i = N; i > 1; i >>= 1)
		log2n++;
	dents(e, names, N);
	gas = N;
	nsolid = 0;
	candidate = -1;
	ncmp = 0;
	adversary = 1;
	vn_fs_sort(e, N);
	/* read the outcome with the adversary's answers, which are final */
	for (i = 0; i < N; i++) {
		int x = item(e[i].name + 8);

		if (x < 0 || x >= N || seen[x]++)
			perm = 0;
		if (i > 0 && val[item(e[i - 1].name + 8)] > val[x])
			ordered = 0;
	}
	adversary = 0;
	CHECK(perm);
	CHECK(ordered);
	/* a median-of-three quicksort without its heapsort fallback makes
	 * about N * N / 4 comparisons here (9 million) */
	if (!CHECK(ncmp < 8L * N * (long)log2n))
		fprintf(stderr, "fs_test: %ld comparisons for %d names\n", ncmp, N);
	free(val);
	val = NULL;
}

static int
cmp_names(const void *a, const void *b)
{
	return __real_strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts names[0..n) with vn_fs_sort and checks the order against qsort's
 * with strcmp, byte for byte. */
static int
sorts_like_strcmp(char **names, size_t n)
{
	struct vn_dent *e = malloc(n * sizeof *e);
	char **want = malloc(n * sizeof *want);
	size_t i;
	int ok = e && want;

	if (ok) {
		memcpy(want, names, n * sizeof *want);
		qsort(want, n, sizeof *want, cmp_names);
		dents(e, names, n);
		vn_fs_sort(e, n);
		for (i = 0; i < n && ok; i++)
			ok = __real_strcmp(e[i].name, want[i]) == 0;
	}
	free(e);
	free(want);
	return ok;
}

static void
sort_orders_names_as_strcmp(void)
{
	enum { N = 3000 };
	static char buf[N][40];
	static char *names[N];
	static const char *few[] = { "b", "a", "ab", "a\xff", "abcdefgh", "abcdefg",
	                             "abcdefghi", "abcdefgh\x01", "B", "", "z" };
	size_t i;
	unsigned r = 12345;

	for (i = 0; i < sizeof few / sizeof *few; i++)
		names[i] = (char *)few[i];
	CHECK(sorts_like_strcmp(names, sizeof few / sizeof *few));
	CHECK(sorts_like_strcmp(names, 0));
	CHECK(sorts_like_strcmp(names, 1));

	/* random bytes, lengths 1..30, many sharing their first 8 bytes */
	for (i = 0; i < N; i++) {
		size_t len, j;

		r = r * 1103515245 + 12345;
		len = 1 + (r >> 16) % 30;
		for (j = 0; j < len; j++) {
			r = r * 1103515245 + 12345;
			buf[i][j] = j < 8 && i % 3 ? "prefix__"[j] : (char)(1 + (r >> 16) % 255);
		}
		buf[i][len] = '\0';
		names[i] = buf[i];
	}
	CHECK(sorts_like_strcmp(names, N));

	/* already in order, in reverse order, and all alike but the end */
	for (i = 0; i < N; i++)
		snprintf(buf[i], sizeof buf[i], "file%06d", (int)i);
	CHECK(sorts_like_strcmp(names, N));
	for (i = 0; i < N; i++)
		snprintf(buf[i], sizeof buf[i], "file%06d", (int)(N - i));
	CHECK(sorts_like_strcmp(names, N));
	for (i = 0; i < N; i++)
		snprintf(buf[i], sizeof buf[i], "%s", i % 2 ? "twin" : "twin-longer-than-8");
	CHECK(sorts_like_strcmp(names, N));
}

int
main(void)
{
	sort_orders_names_as_strcmp();
	sort_survives_the_killer_adversary();
	return UNIT_DONE("fs");
}
