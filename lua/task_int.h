/* lua/task_int.h: what the two halves of tasks share: lua/task.c, the
 * scheduler (the tasks, net.spawn/run/serve/sleep, the slots a task owns),
 * and lua/task_op.c, the operations that suspend a task (recv, send,
 * accept, connect, the TLS handshake, recvfrom, sendto, poll). */
#ifndef VN_LUA_TASK_INT_H
#define VN_LUA_TASK_INT_H

#include <errno.h>
#include <sys/socket.h>

#include <lua.h>

#include "../core/loop.h"
#include "../core/net.h"


enum op {
	OP_START,     /* not started: resume with its arguments */
	OP_SLEEP,     /* net.sleep, or a bare coroutine.yield: resume with nothing */
	OP_RECV,
	OP_SEND,
	OP_ACCEPT,
	OP_CONNECT,
	OP_PROXY,     /* connect_tcp/connect_tls through a proxy: its dialogue */
	OP_CONNECT_UNIX, /* tried again while the listener's backlog is full */
	OP_RECVFROM,
	OP_SENDTO,
	OP_POLL,      /* waits on several descriptors, then polls again */
	OP_HANDSHAKE, /* net.tls, net.connect_tls: the TLS handshake */
	OP_SERVE      /* a serve task: accept and spawn */
};

/* What vn_task_attempt did. */
enum { WAITING = -1, INTERRUPTED = -2 };

struct sched;

struct task {
	struct vn_waiter w;
	struct vn_waiter *more;   /* accept on several fds: the other waiters */
	struct sched *s;
	lua_State *co;            /* NULL for a serve task */
	unsigned id;              /* owner of the slots it opened */
	int ref;                  /* its entry in the tasks table */
	int alive;
	enum op op;
	int nargs;
	int slot;
	unsigned gen;             /* the slot's generation when the call began */
	const char *buf;          /* send: the string, kept on the task's stack */
	size_t len, done;
	void *lis;                /* accept, serve: the listener */
	int lref, href;           /* serve: the listener's and handler's refs */
	struct addrinfo *res, *ai;/* connect: the addresses, the next one */
	int cfd;                  /* connect: the socket in progress, or -1 */
	struct task_proxy *px;    /* connect through a proxy: its URL, dialogue */
	long deadline;
	struct vn_err err;
	struct sockaddr_storage to;   /* sendto: the destination */
	socklen_t tolen;
	struct vn_waiter *pw;     /* poll: a waiter per descriptor (on its stack) */
	int npw, pwcap;
	struct vn_tls_ctx *hctx;  /* handshake: the context, whether the session */
	int hstarted;             /* is the connection's yet, for connect_tls */
	char *hhost;              /* the host (SNI), and whether the slot is */
	int hclose;               /* closed when it fails */
	long htimeout;
	int pref, tref, wref;     /* poll: refs of net.poll, its table, and a
	                             copy of the events asked (poll overwrites) */
};

struct sched {
	struct vn_loop *loop;
	struct vn_fdtab *t;
	struct task *current;     /* the task running now */
	int ntasks;
	int tasks;                /* registry ref of the tasks table */
	unsigned nextid;
	unsigned *owner, *ogen;   /* slot -> task id and the slot's generation */
	int ocap;
};

/* The task whose coroutine is L and runs now, or NULL. */
struct task *vn_task_current(lua_State *L);
/* The identity of a slot's open file, for the loop (core/loop.h's tag). */
unsigned long vn_task_tag(struct sched *s, int slot);
/* The same for a slot known to have been closed gen times. */
unsigned long vn_task_tag_of(int slot, unsigned gen);
/* Task id owns slot (closed when the task fails). */
void vn_task_own_slot(struct sched *s, unsigned id, int slot);
/* The slot is about to be closed: the loop forgets its descriptor. */
void vn_task_closing_slot(struct sched *s, int slot);
/* Take every waiter of k out of the loop. */
void vn_task_cancel(struct task *k);

/* Try k's operation once: its results pushed on L (their count), WAITING
 * (its waiter is in the loop), or INTERRUPTED. */
int vn_task_attempt(lua_State *L, struct task *k);
/* Free what a handshake holds (its context and host). */
void vn_task_handshake_end(struct task *k);
/* Forget the proxy of a connect (k->px), if any. */
void vn_task_proxy_end(struct task *k);
/* net.poll's waiters on the table at index i, and the end of its refs. */
int vn_task_poll_wait(lua_State *L, struct task *k, int i);
void vn_task_poll_end(lua_State *L, struct task *k);

static inline int
vn_task_would_block(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK;
}

#endif
