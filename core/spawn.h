/* core/spawn.h: a child per connection whose standard input and output are
 * one descriptor (the connection, or one end of a socketpair that the caller
 * relays), with ncat's environment, and the reaping of such children. */
#ifndef VN_SPAWN_H
#define VN_SPAWN_H

#include <sys/types.h>

/* ncat's environment for the child of one connection. */
struct vn_child_env {
	char remote_addr[64];   /* NCAT_REMOTE_ADDR: numeric, no brackets */
	char remote_port[8];    /* NCAT_REMOTE_PORT: "" over a Unix socket */
	char local_addr[64];    /* NCAT_LOCAL_ADDR */
	char local_port[8];     /* NCAT_LOCAL_PORT */
	const char *proto;      /* NCAT_PROTO: "TCP" or "UNIX" */
};

/* Fill env from the addresses of the connected socket fd. A Unix socket has
 * no port and (as ncat says) the address "localhost". */
void vn_child_env_of(int fd, struct vn_child_env *env);

/* What the child runs: exactly one of shell, argv and run. */
struct vn_spawn {
	const char *shell;          /* /bin/sh -c shell */
	char *const *argv;          /* argv[0] looked up in PATH, no shell */
	void (*run)(void *ctx, int fd);  /* code of this process; never returns */
	void *ctx;
	const int *close_fds;       /* descriptors the child must not keep */
	int nclose;
	int stdio;                  /* 1: fd becomes the child's stdin and stdout */
	int keep_signals;           /* 1: leave the signal state as it is */
};

/* Fork a child that runs sp. In the child (unless sp->keep_signals) SIGPIPE, SIGINT, SIGTERM, SIGALRM and
 * SIGCHLD are at their default and no signal is blocked; with sp->stdio, fd is
 * its standard input and output (stderr stays the caller's); env (when not
 * NULL) is exported. A program that cannot be run is reported on stderr in one
 * line ("PROG: cannot run 'NAME': reason") and the child exits 127. The
 * caller's descriptors are close-on-exec, so a program inherits none of them;
 * run gets fd as its second argument. Returns the child's pid, or -1 with
 * errno (fork failed). */
pid_t vn_spawn(int fd, const struct vn_spawn *sp, const struct vn_child_env *env);

/* Split "PROG ARGS" on blanks (space, tab, newline) into a NULL-ended vector
 * whose strings live in one block: free(the vector) frees all. NULL if there
 * is no word (an empty or blank string), or out of memory with errno ENOMEM. */
char **vn_split_words(const char *s);

/* The exit status a caller reports for a child's wait status: 0 when it
 * exited 0 or was ended by SIGPIPE (its reader went away), else 1. */
int vn_child_failed(int wstatus);

#endif
