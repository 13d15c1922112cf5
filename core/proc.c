/* core/proc.c: the process's name, standard descriptors and stdout. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "proc.h"
#include "sig.h"

/* Process-wide by nature: there is one stdout and one name. */
static const char *progname = "vlcnet";
static int stdout_errno;
static int stdout_gone;

void
vn_proc_name(const char *prog)
{
	progname = prog;
}

const char *
vn_prog(void)
{
	return progname;
}

/* stdout's writer. A reader that went away makes every later write fail
 * (so a listing stops) and asks the tool to end quietly (vn_sig_quit: a Lua
 * loop printing forever is stopped), through its normal path, never from
 * here; any other failure is remembered and reported once, at exit. glibc
 * wants 0, never a negative count, for a failure. */
static ssize_t
stdout_write(void *cookie, const char *buf, size_t n)
{
	size_t done = 0;

	(void)cookie;
	if (stdout_gone) {
		errno = EPIPE;
		return 0;
	}
	while (done < n) {
		ssize_t r = write(STDOUT_FILENO, buf + done, n - done);

		if (r > 0) {
			done += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EPIPE) {
			stdout_gone = 1;
			vn_sig_quit();
			return 0;
		}
		if (!stdout_errno)
			stdout_errno = r < 0 ? errno : EIO;
		return 0;
	}
	return (ssize_t)done;
}

void
vn_proc_std_init(void)
{
	static const cookie_io_functions_t io = { NULL, stdout_write, NULL, NULL };
	FILE *f;
	int fd;

	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF &&
		    open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			_exit(1);   /* cannot happen: fd is the lowest free one */
	f = fopencookie(NULL, "w", io);
	if (!f)
		vn_nomem();
	/* As stdio does for stdout: lines for a terminal, blocks otherwise. */
	setvbuf(f, NULL, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF, BUFSIZ);
	stdout = f;
}

int
vn_stdout_error(void)
{
	return stdout_errno;
}

void
vn_warn(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
vn_nomem(void)
{
	vn_warn("not enough memory");
	exit(1);
}
