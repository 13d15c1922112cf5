/* cmd/files.c: the output, hooks and messages of vlcnet-stat and vlcnet-ls. */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"

int
vn_files_open(struct vn_files *f, const struct vn_cli *cli, size_t cap, int *status)
{
	f->rt = NULL;
	f->hooks = 0;
	if (vn_cli_scripted(cli) || f->where || f->print) {
		f->rt = vn_rt_hooks_open(&cli->script, f->where, f->print, status);
		if (!f->rt)
			return -1;
		f->hooks = vn_rt_hooks_active(f->rt);
	}
	if (vn_out_init(&f->out, stdout, cap) < 0)
		vn_nomem();
	return 0;
}

enum vn_each
vn_files_each(struct vn_files *f, const char *name, const char *path,
              const struct vn_stat *st, char eol)
{
	const char *line;
	size_t len;
	enum vn_each r;

	/* What the hooks print themselves comes after the lines before. */
	vn_out_flush(&f->out);
	r = vn_rt_each(f->rt, name, path, st, &line, &len);
	if (r == VN_EACH_LINE) {
		vn_out_put(&f->out, line, len);
		vn_out_putc(&f->out, eol);
		return VN_EACH_SKIP;
	}
	return r;
}

void
vn_files_put_target(struct vn_out *o, int dirfd, const char *name,
                    const struct vn_stat *st)
{
	char target[4096];
	ssize_t n;

	if (!S_ISLNK(st->mode))
		return;
	n = readlinkat(dirfd, name, target, sizeof target);
	if (n < 0)
		return;
	vn_out_put(o, " -> ", 4);
	vn_out_put(o, target, (size_t)n);
}

void
vn_files_warn(struct vn_files *f, const char *what, const char *path, int err)
{
	vn_out_flush(&f->out);
	vn_warn("%s '%s': %s", what, path, strerror(err));
}

int
vn_files_close(struct vn_files *f, int status)
{
	vn_out_close(&f->out);   /* a write error is vn_cli_exit's to report */
	vn_rt_free(f->rt);
	f->rt = NULL;
	return status;
}
