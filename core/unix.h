/* core/unix.h: Unix domain sockets, stream or datagram, named by a path or, for
 * a PATH beginning with '@', by a Linux abstract name. No Lua here. */
#ifndef VN_UNIX_H
#define VN_UNIX_H

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include "net.h"

/* The socket file a listener created, so that only that file is removed. */
struct vn_unix_file {
	int made;          /* 0: nothing to remove (abstract name, or failed) */
	dev_t dev;
	ino_t ino;
	pid_t pid;         /* the creator: a forked child never removes it */
};

/* Fill *sa and *len for PATH. Returns 0, or -1 with errno: EINVAL for an empty
 * path, ENAMETOOLONG when it does not fit sun_path (it is never truncated). */
int vn_unix_addr(const char *path, struct sockaddr_un *sa, socklen_t *len);

/* Bind a socket of TYPE (SOCK_STREAM or SOCK_DGRAM) to PATH; a stream socket
 * also listens. A socket file nobody listens on (stale) is replaced; one with a
 * live socket behind it is EADDRINUSE; anything else at PATH is left alone
 * (EEXIST). *file tells what to hand to vn_unix_remove. A stream socket is
 * non-blocking, as vn_listen_tcp's; a datagram one blocking. Both close-on-exec.
 * Returns the descriptor, or -1 with errno and *e set. */
int vn_listen_unix(const char *path, int type, struct vn_unix_file *file,
                   struct vn_err *e);

/* A blocking, close-on-exec socket of TYPE connected to PATH. A datagram socket
 * is first bound to an abstract name of the kernel's choosing, so that the peer
 * can answer. Returns it, or -1 with errno and *e set. */
int vn_connect_unix(const char *path, int type, struct vn_err *e);

/* A non-blocking stream socket connected to PATH, without waiting: it, or -1
 * with errno and *e set; EAGAIN when the listener's backlog is full (try
 * again later: a Unix connect never completes in the background). */
int vn_connect_unix_now(const char *path, struct vn_err *e);

/* Remove PATH if it is still the socket file *file describes, from the process
 * that created it; then *file describes nothing. Returns 0, or -1 with errno. */
int vn_unix_remove(const char *path, struct vn_unix_file *file);

/* "PATH", "@name" or "" (unnamed) for a Unix address of length len. */
void vn_unix_format(const struct sockaddr_un *sa, socklen_t len, char *buf,
                    size_t size);

#endif
