/* lua/task.h: tasks: coroutines on the event loop of core/loop.h. Inside a
 * task the blocking calls of lua/net.c suspend only the task; the bindings
 * ask vn_task_active first and hand the call over. */
#ifndef VN_LUA_TASK_H
#define VN_LUA_TASK_H

#include <sys/socket.h>

#include <lua.h>

struct vn_fdtab;

/* Set net.spawn, net.run, net.serve and net.sleep in the table at index net
 * (absolute), for the descriptor table at index tab (absolute). */
void vn_task_open(lua_State *L, int net, int tab);
/* Whether L is the thread of the task running now. */
int vn_task_active(lua_State *L);

/* The task versions of net.recv/read, net.send/write, net.recvfrom and
 * net.sendto on an open slot, their arguments checked by lua/net.c (buf is
 * its argument, alive on the task's stack), the listener's accept (listener
 * at index 1), net.connect_tcp: same results, but they wait by suspending
 * the task. */
int vn_task_recv(lua_State *L, int slot, size_t max);
int vn_task_send(lua_State *L, int slot, const char *buf, size_t len);
int vn_task_accept(lua_State *L);
/* net.connect_tcp, its arguments checked (timeout -1: none; proxy NULL: none,
 * or the URL, on the task's stack while it waits). */
int vn_task_connect_tcp(lua_State *L, const char *host, int port, int timeout,
                        const char *proxy);
/* net.connect_unix, its path checked. */
int vn_task_connect_unix(lua_State *L, const char *path);
int vn_task_recvfrom(lua_State *L, int slot, size_t max);
int vn_task_sendto(lua_State *L, int slot, const char *buf, size_t len,
                   const struct sockaddr_storage *to, socklen_t tolen);
/* net.poll in a task: the descriptors' events or the timeout wake it. */
int vn_task_poll(lua_State *L);
/* net.tls and net.connect_tls in a task: the handshake (over slot, or
 * after connecting, through proxy when not NULL) waits by suspending it;
 * net.tls's task takes c (and frees it), connect_tls's makes its own from o
 * (server: o describes a server's side). */
struct vn_tls_ctx;
int vn_task_tls(lua_State *L, int slot, struct vn_tls_ctx *c, int timeout);
struct vn_tls_opts;
int vn_task_connect_tls(lua_State *L, const char *host, int port,
                        const struct vn_tls_opts *o, int server, int timeout,
                        const char *proxy);
/* A slot the running task opened: closed if the task fails. */
void vn_task_own(lua_State *L, int slot);
/* The slot is about to be closed: its waiters wake (and find it closed). */
void vn_task_closing(lua_State *L, int slot);

#endif
