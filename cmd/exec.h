/* cmd/exec.h: --lua-exec, --sh-exec and --exec (and --fork --script): a child
 * per connection, shared by vlcnet-listen and vlcnet-connect. */
#ifndef VN_EXEC_H
#define VN_EXEC_H

#include <sys/types.h>

#include "cli.h"

struct vn_conn;
struct vn_conn_tap;
struct vn_tls_ctx;

/* What runs per connection. */
enum vn_exec_kind {
	VN_EXEC_NONE,
	VN_EXEC_LUA,      /* --lua-exec FILE: the runtime, stdin/stdout the connection */
	VN_EXEC_SH,       /* -c, --sh-exec CMD: /bin/sh -c CMD */
	VN_EXEC_PROG,     /* --exec "PROG ARGS": PROG from PATH, no shell */
	VN_EXEC_SCRIPT    /* --fork --script: the runtime with `fd`, stdio untouched */
};

struct vn_exec {
	enum vn_exec_kind kind;
	const char *arg;         /* the option's argument */
	char **argv;             /* --exec split into words */
	vn_rt *rt;               /* --lua-exec, --fork --script: compiled once */
	int timeout_ms;          /* -w: the relay's idle timeout (core/relay.c
	                          * enforces it), and how long a child may
	                          * outlive its client before SIGTERM; -1: none */
	int verbose;
	const int *listen_fds;   /* closed in every child */
	int nlisten;
	struct vn_tls_ctx *tls;  /* listen --tls: the relay of each child does the
	                          * handshake, then relays TLS to the child */
	struct vn_conn *conn;    /* connect: the connection (TLS: handshake done),
	                          * which the relaying process ends */
	const struct vn_conn_tap *tap; /* listen -o/-x: each connection's tap
	                          * (a relaying process then runs) */
};

/* The option's name for messages: "--lua-exec"… */
const char *vn_exec_name(const struct vn_exec *x);
/* Record one of the three options (keys VN_OPT_LUA_EXEC, 'c', VN_OPT_EXEC):
 * 0, or -1 with the usage error in *e (a second one, an empty command). */
int vn_exec_option(struct vn_exec *x, int key, const char *arg, struct vn_cli_err *e);
/* Check the exec option against the script options: 0, or -1 with the usage
 * error in *e. */
int vn_exec_check(const struct vn_exec *x, const struct vn_cli *cli,
                  struct vn_cli_err *e);
/* Get ready: --exec split into words, --lua-exec FILE compiled (with the -e
 * chunks) once, now. Returns 0, or the exit status after saying why (2 for a
 * FILE that does not load). */
int vn_exec_prepare(struct vn_exec *x, struct vn_cli *cli);

/* Start the child of one connection fd (the caller closes fd afterwards);
 * peer names the client for `peer`. Without a timeout and without TLS the
 * child gets fd itself; otherwise a process of ours relays between the
 * connection (x->conn, or fd with x->tls's handshake) and the child through a
 * socketpair with core/relay.c, and drops the connection after timeout_ms
 * without data (-v: the byte counts). Returns the pid to wait for, or -1
 * after saying why. */
pid_t vn_exec_start(struct vn_exec *x, int fd, const char *peer);
/* Reap the children that ended (with block, wait for one first); returns how
 * many of n are left, or -1 when SIGINT/SIGTERM came while waiting. */
int vn_exec_reap(int n, int block);
/* Wait for the child pid: 0 when it exited 0 (or its client left: SIGPIPE),
 * else 1; 1 too when a signal came while waiting. */
int vn_exec_wait(pid_t pid);
/* Free what prepare made. */
void vn_exec_free(struct vn_exec *x);

#endif
