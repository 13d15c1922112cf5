/* cmd/files.h: what vlcnet-stat and vlcnet-ls share: the output buffer and
 * its close, the Lua hooks (each, --where, --print) and what they print, the
 * target of a symbolic link, and the message for a path that failed. */
#ifndef VN_FILES_H
#define VN_FILES_H

#include <stddef.h>

#include "../core/fs.h"
#include "../core/out.h"
#include "cli.h"

struct vn_files {
	struct vn_out out;      /* everything the tool prints goes through it */
	vn_rt *rt;              /* NULL: no Lua state */
	int hooks;              /* each, --where or --print is in place */
	const char *where;      /* --where EXPR, or NULL */
	const char *print;      /* --print EXPR, or NULL */
};

/* Start f: the output on stdout with a buffer of cap bytes, and a Lua state
 * when -s, -e, --where or --print ask for one (the chunks and the script run
 * now). Returns 0, or -1 when the tool must end now with *status (a script
 * that failed or called vlc.misc.quit()). Out of memory ends the process. */
int vn_files_open(struct vn_files *f, const struct vn_cli *cli, size_t cap,
                  int *status);

/* Run the hooks for one entry and print the line they return, ended with eol.
 * Returns VN_EACH_DEFAULT when the caller prints its default line;
 * VN_EACH_SKIP when there is nothing more to print (skipped, or printed
 * here); VN_EACH_ERROR or VN_EACH_QUIT when the tool stops. */
enum vn_each vn_files_each(struct vn_files *f, const char *name, const char *path,
                           const struct vn_stat *st, char eol);

/* " -> TARGET" after the name NAME (relative to dirfd) when st is a symbolic
 * link whose target can be read; nothing otherwise. */
void vn_files_put_target(struct vn_out *o, int dirfd, const char *name,
                         const struct vn_stat *st);

/* "PROG: WHAT 'PATH': reason" on stderr, after what is already printed. */
void vn_files_warn(struct vn_files *f, const char *what, const char *path, int err);

/* End the run: flush and close the output, free the Lua state. Returns
 * status: a write error is vn_cli_exit's to report. */
int vn_files_close(struct vn_files *f, int status);

#endif
