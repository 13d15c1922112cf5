/* test/fuzz/fmt_fuzz.c: the -c FORMAT directive and escape parser of
 * vlcnet-stat (put_format and unescape, static in cmd/stat.c, which is
 * included here with its main renamed) on arbitrary format strings, with a
 * fixed struct vn_stat. The output goes to /dev/null through a small vn_out
 * buffer, so that the flushing paths run too. */
#define main vn_stat_main
#include "../../cmd/stat.c"
#undef main

#include <stdint.h>

static struct ctx x;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *null = fopen("/dev/null", "w");

	(void)argc;
	(void)argv;
	if (!null || vn_out_init(&x.f.out, null, 64) < 0 || !(x.ids = vn_ids_new()))
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct vn_stat st = {
		.mode = 0104755, .uid = 0, .gid = 4242424, .size = -1,
		.atime = INT64_MIN, .mtime = INT64_MAX, .ctime = 0,
		.nlink = 3, .ino = 42, .blocks = 8, .blksize = 4096,
	};
	char *f = malloc(size + 1);

	if (!f)
		return 0;
	memcpy(f, data, size);
	f[size] = '\0';
	x.c.format = f;
	put_format(&x, "some/path\n\xff", &st);
	vn_out_flush(&x.f.out);
	free(f);
	return 0;
}
