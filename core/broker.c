/* core/broker.c: the connection broker (core/broker.h): one poll loop over
 * the listening sockets, the listener's standard input and every client.
 * Each client has a queue of what the others sent it; nothing here ever
 * waits in a read or a write. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "broker.h"
#include "conn.h"
#include "net.h"
#include "proc.h"
#include "relay.h"

#define CHUNK (64 * 1024)     /* one read, one write at most */
#define ACCEPT_PAUSE_MS 1000  /* out of descriptors: accept again this later */
#define LINGER_MS 10000       /* a client that left: the time it has to read
                               * what was queued for it */

struct client {
	struct vn_conn conn;
	char addr[VN_ADDRSTRLEN];   /* in -v messages */
	char host[VN_ADDRSTRLEN];   /* chat: the name others see */
	int joined;                 /* the handshake is done: it gets and sends */
	int leaving;                /* its side ended: it goes once q is sent */
	int dead;                   /* it goes at the end of this turn */
	const char *why;            /* -v: why it was dropped; NULL: it left */
	char *q;                    /* q[qoff, qlen): what it has yet to get */
	size_t qoff, qlen, qcap;
	size_t retry;               /* a TLS write that waited: its length */
	short rwant, wwant;         /* the event a read, a write waits for */
	long start_ms, last_ms;
	long out_ms;                /* when it last took bytes, or its queue
	                             * last became non-empty */
	long deadline;              /* its handshake, or (leaving) its last read */
	unsigned long long sent, received;
};

struct broker {
	const struct vn_broker_opts *o;
	const int *lfds;
	int nl;
	struct client **cl;
	int ncl, cap;
	struct pollfd *pfd;         /* lfds, in_fd, then the clients in order */
	int in_fd;
	long accept_after;          /* accept again from then on (ms) */
	int accept_failing;         /* the failure was said: not again until an
	                             * accept works */
	char buf[CHUNK];
	char *chat;                 /* a chat message being made */
	size_t chatcap;
};

static void
drop(struct client *c, const char *why)
{
	if (!c->dead) {
		c->dead = 1;
		c->why = why;
	}
}

/* Queue n bytes for c; past VN_BROKER_QUEUE_MAX it is dropped instead. */
static void
push(struct client *c, const char *p, size_t n)
{
	if (c->dead || !n)
		return;
	if (c->qoff == c->qlen)
		c->out_ms = vn_now_ms();
	if (c->qlen - c->qoff + n > VN_BROKER_QUEUE_MAX) {
		drop(c, "more than 1 MiB waiting for it: it does not read");
		return;
	}
	if (c->qoff && c->qlen + n > c->qcap) {
		memmove(c->q, c->q + c->qoff, c->qlen - c->qoff);
		c->qlen -= c->qoff;
		c->qoff = 0;
	}
	if (c->qlen + n > c->qcap) {
		size_t cap = c->qcap ? c->qcap : CHUNK;
		char *q;

		while (cap < c->qlen + n)
			cap *= 2;
		if (!(q = realloc(c->q, cap))) {
			drop(c, "out of memory");
			return;
		}
		c->q = q;
		c->qcap = cap;
	}
	memcpy(c->q + c->qlen, p, n);
	c->qlen += n;
}

/* Write what c has waiting until the socket would block. */
static void
flush(struct client *c)
{
	while (!c->dead && c->qoff < c->qlen) {
		size_t n = c->retry ? c->retry : c->qlen - c->qoff;
		ssize_t w;

		if (n > CHUNK)
			n = CHUNK;
		/* A TLS write that waited is retried with the same bytes (push
		 * may have moved them: libtls accepts a moving buffer). */
		w = vn_conn_write(&c->conn, c->q + c->qoff, n);
		if (w < 0 && errno == EAGAIN) {
			c->retry = n;
			c->wwant = vn_conn_want(&c->conn, POLLOUT);
			return;
		}
		c->retry = 0;
		if (w <= 0) {
			drop(c, vn_conn_strerror(&c->conn, errno));
			return;
		}
		c->qoff += (size_t)w;
		c->sent += (unsigned long long)w;
		c->last_ms = c->out_ms = vn_now_ms();
	}
	if (c->qoff == c->qlen)
		c->qoff = c->qlen = 0;
}

/* Queue p for every client in the conversation but from (NULL: all). */
static void
broadcast(struct broker *b, const struct client *from, const char *p, size_t n)
{
	int i;

	for (i = 0; i < b->ncl; i++) {
		struct client *c = b->cl[i];

		if (c != from && c->joined && !c->leaving)
			push(c, p, n);
	}
}

/* ncat's chat line: "<userN> " and the bytes, each one that is not
 * printable, a tab, CR or LF as a backslash and three octal digits. Returns
 * the message's length in b->chat, or 0 when there is no memory for it. */
static size_t
chat_text(struct broker *b, int user, const char *p, size_t n)
{
	size_t need = 32 + 4 * n, len, i;

	if (need > b->chatcap) {
		char *m = realloc(b->chat, need);

		if (!m)
			return 0;
		b->chat = m;
		b->chatcap = need;
	}
	len = (size_t)snprintf(b->chat, 32, "<user%d> ", user);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if ((ch >= 0x20 && ch < 0x7f) || ch == '\t' || ch == '\r' || ch == '\n')
			b->chat[len++] = (char)ch;
		else
			len += (size_t)snprintf(b->chat + len, 5, "\\%03o", ch);
	}
	return len;
}

/* What a client (or stdin, user 0) said, to the others. */
static void
say(struct broker *b, const struct client *from, const char *p, size_t n)
{
	size_t len;

	if (!b->o->chat) {
		broadcast(b, from, p, n);
		return;
	}
	len = chat_text(b, from ? from->conn.fd : 0, p, n);
	if (len)
		broadcast(b, from, b->chat, len);
}

static int
by_fd(const void *x, const void *y)
{
	const struct client *a = *(struct client *const *)x, *c = *(struct client *const *)y;

	return (a->conn.fd > c->conn.fd) - (a->conn.fd < c->conn.fd);
}

/* Chat: tell everyone (c too) who c is and who was there already, in the
 * order of their user numbers, as ncat does. */
static void
announce_join(struct broker *b, struct client *c)
{
	struct client **others = malloc(sizeof *others * (size_t)(b->ncl ? b->ncl : 1));
	size_t cap = 256 + (size_t)(b->ncl + 1) * (VN_ADDRSTRLEN + 24), len;
	char *m = malloc(cap);
	int i, n = 0;

	if (!others || !m) {
		free(others);
		free(m);
		return;
	}
	for (i = 0; i < b->ncl; i++)
		if (b->cl[i] != c && b->cl[i]->joined && !b->cl[i]->leaving)
			others[n++] = b->cl[i];
	qsort(others, (size_t)n, sizeof *others, by_fd);
	len = (size_t)snprintf(m, cap, "<announce> %s is connected as <user%d>.\n"
	                       "<announce> already connected: ", c->host, c->conn.fd);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(m + len, cap - len, "%s%s as <user%d>",
		                        i ? ", " : "", others[i]->host, others[i]->conn.fd);
	len += (size_t)snprintf(m + len, cap - len, "%s.\n", n ? "" : "nobody");
	broadcast(b, NULL, m, len);
	free(others);
	free(m);
}

static void
announce_leave(struct broker *b, const struct client *c)
{
	char m[64];
	int len = snprintf(m, sizeof m, "<announce> <user%d> is disconnected.\n",
	                   c->conn.fd);

	broadcast(b, c, m, (size_t)len);
}

/* c is in the conversation: it gets what others say from now on. */
static void
join(struct broker *b, struct client *c)
{
	char desc[VN_TLS_DESCLEN];

	c->joined = 1;
	c->last_ms = vn_now_ms();
	if (b->o->verbose && c->conn.tls)
		vn_warn("TLS: %s", vn_tls_describe(c->conn.tls, desc));
	if (b->o->chat)
		announce_join(b, c);
}

/* c's side has ended: it leaves the conversation now, and the broker once
 * what was queued for it is sent. */
static void
leave(struct broker *b, struct client *c)
{
	if (c->leaving)
		return;
	c->leaving = 1;
	c->deadline = vn_now_ms() + LINGER_MS;
	if (c->joined && b->o->chat)
		announce_leave(b, c);
}

/* Read once from c (and what its TLS session holds) and pass it on. */
static void
read_client(struct broker *b, struct client *c)
{
	do {
		ssize_t r = vn_conn_read(&c->conn, b->buf, sizeof b->buf);

		if (r < 0 && errno == EAGAIN) {
			c->rwant = vn_conn_want(&c->conn, POLLIN);
			return;
		}
		if (r < 0) {
			drop(c, vn_conn_strerror(&c->conn, errno));
			return;
		}
		if (r == 0) {
			leave(b, c);
			return;
		}
		c->received += (unsigned long long)r;
		c->last_ms = vn_now_ms();
		say(b, c, b->buf, (size_t)r);
	} while (!c->dead && vn_conn_pending(&c->conn));
}

/* One step of c's handshake, when poll woke it or its time is up. */
static void
handshake(struct broker *b, struct client *c)
{
	struct vn_tls_err e;

	if (vn_conn_handshake_step(&c->conn, &e) == 0) {
		join(b, c);
		/* What came with the handshake's end: poll cannot see it. */
		if (vn_conn_pending(&c->conn))
			read_client(b, c);
		return;
	}
	if (errno == EAGAIN) {
		if (vn_now_ms() < c->deadline) {
			c->rwant = vn_conn_want(&c->conn, POLLIN);
			return;
		}
		snprintf(e.msg, sizeof e.msg, "timed out");
	}
	vn_warn("TLS handshake with %s: %s", c->addr, e.msg);
	c->dead = 1;   /* said already */
}

/* A client poll woke, or (revents 0) one whose time may be up. */
static void
serve_client(struct broker *b, struct client *c, short revents)
{
	short ended = POLLHUP | POLLERR;
	long now = vn_now_ms();

	if (!c->joined) {
		if (revents || now >= c->deadline)
			handshake(b, c);
		return;
	}
	if (c->qoff < c->qlen && revents & (c->wwant | ended))
		flush(c);
	if (!c->leaving && !c->dead && revents & (c->rwant | ended))
		read_client(b, c);
	if (c->leaving && c->qoff == c->qlen)
		c->dead = 1;
	else if (c->leaving && now >= c->deadline)
		drop(c, "it left without reading what was sent to it");
	if (!c->dead && c->qlen - c->qoff >= VN_BROKER_QUEUE_HIGH &&
	    now - c->out_ms >= VN_BROKER_STALL_MS)
		drop(c, "it took nothing of what waits for it in 5 seconds");
	if (!c->dead && b->o->idle_timeout_ms >= 0 &&
	    now - c->last_ms >= b->o->idle_timeout_ms)
		drop(c, "idle timeout");
}

/* Room for one more client. 0, or -1 (ENOMEM). */
static int
grow(struct broker *b)
{
	int cap = b->cap ? 2 * b->cap : 16;
	struct client **cl = realloc(b->cl, sizeof *cl * (size_t)cap);
	struct pollfd *pfd;

	if (!cl)
		return -1;
	b->cl = cl;
	if (!(pfd = realloc(b->pfd, sizeof *pfd * (size_t)(b->nl + 1 + cap))))
		return -1;
	b->pfd = pfd;
	b->cap = cap;
	return 0;
}

/* Add the client fd from addr, or refuse it. */
static void
add_client(struct broker *b, int fd, const struct sockaddr_storage *ss, socklen_t len)
{
	const struct vn_broker_opts *o = b->o;
	struct client *c = calloc(1, sizeof *c);
	struct vn_tls_err e;
	int port;

	if (!c || (b->ncl == b->cap && grow(b) < 0)) {
		vn_warn("accept: %s", strerror(ENOMEM));
		free(c);
		close(fd);
		return;
	}
	vn_conn_plain(&c->conn, fd);
	if (o->unix_name) {
		snprintf(c->addr, sizeof c->addr, "%s", o->unix_name);
		snprintf(c->host, sizeof c->host, "%s", o->unix_name);
	} else {
		vn_addr_format((const struct sockaddr *)ss, c->addr);
		vn_addr_host((const struct sockaddr *)ss, len, c->host, sizeof c->host, &port);
	}
	c->start_ms = c->last_ms = vn_now_ms();
	c->deadline = c->start_ms + o->handshake_ms;
	c->rwant = POLLIN;
	c->wwant = POLLOUT;
	b->cl[b->ncl++] = c;
	if (o->verbose)
		vn_warn("connection from %s", c->addr);
	if (o->tls && vn_conn_start_tls(&c->conn, o->tls, NULL, 0, 0, &e) < 0) {
		vn_warn("TLS handshake with %s: %s", c->addr, e.msg);
		c->dead = 1;
		return;
	}
	if (!o->tls)
		join(b, c);
}

/* Accept the client poll said lfd has (one: with no descriptor left,
 * accept fails even when none waits), and add it or refuse it (--allow and
 * --deny, the client limit): a refused client is closed at once. */
static void
accept_client(struct broker *b, int lfd)
{
	const struct vn_broker_opts *o = b->o;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char addr[VN_ADDRSTRLEN];
	int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0) {
		if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
			return;
		/* Out of descriptors (or memory): the clients go on, the new
		 * ones wait in the backlog a moment. Said once a streak. */
		if (!b->accept_failing)
			vn_warn("accept: %s", strerror(errno));
		b->accept_failing = 1;
		b->accept_after = vn_now_ms() + ACCEPT_PAUSE_MS;
		return;
	}
	b->accept_failing = 0;
	if (o->unix_name)
		snprintf(addr, sizeof addr, "%s", o->unix_name);
	else
		vn_addr_format((struct sockaddr *)&ss, addr);
	if (!o->unix_name && o->acl &&
	    vn_acl_check(o->acl, (struct sockaddr *)&ss) == VN_ACL_REFUSE) {
		if (o->verbose)
			vn_warn("refused connection from %s", addr);
		close(fd);
	} else if (b->ncl >= o->max_clients) {
		if (o->verbose)
			vn_warn("refused connection from %s: %d clients already", addr, b->ncl);
		close(fd);
	} else {
		add_client(b, fd, &ss, len);
	}
}

/* The listener's standard input, after poll said so: to every client. */
static void
read_in(struct broker *b)
{
	ssize_t r = vn_read(b->in_fd, b->buf, sizeof b->buf);

	if (r > 0)
		say(b, NULL, b->buf, (size_t)r);
	else if (r == 0 || (errno != EAGAIN && errno != EINTR))
		b->in_fd = -1;   /* ended (or failed): the clients go on */
}

/* End c and say so. */
static void
end_client(const struct broker *b, struct client *c)
{
	if (b->o->verbose) {
		struct vn_relay_opts r = { .sent = c->sent, .received = c->received,
		                           .elapsed_ms = vn_now_ms() - c->start_ms };
		char sum[VN_SUMMARYLEN];

		if (c->why)
			vn_warn("dropped %s: %s", c->addr, c->why);
		vn_warn("%s: %s", c->addr, vn_relay_summary(&r, sum));
	}
	vn_conn_end(&c->conn);
	free(c->q);
	free(c);
}

/* End the clients marked dead this turn; in chat, the others hear of it
 * (which may drop more of them). */
static void
reap(struct broker *b)
{
	int i, j, more = 1;

	while (more) {
		more = 0;
		for (i = 0; i < b->ncl; i++) {
			struct client *c = b->cl[i];

			if (!c->dead || c->leaving)
				continue;
			leave(b, c);
			more = 1;
		}
	}
	for (i = j = 0; i < b->ncl; i++) {
		if (b->cl[i]->dead)
			end_client(b, b->cl[i]);
		else
			b->cl[j++] = b->cl[i];
	}
	b->ncl = j;
}

/* The earliest of the deadlines, as poll's timeout (-1: none). */
static int
next_timeout(const struct broker *b, long now)
{
	long t = b->accept_after > now ? b->accept_after : -1;
	int i;

	for (i = 0; i < b->ncl; i++) {
		const struct client *c = b->cl[i];
		long d = !c->joined || c->leaving ? c->deadline :
		         b->o->idle_timeout_ms >= 0 ? c->last_ms + b->o->idle_timeout_ms : -1;

		if (d >= 0 && (t < 0 || d < t))
			t = d;
		d = c->out_ms + VN_BROKER_STALL_MS;
		if (c->joined && c->qlen - c->qoff >= VN_BROKER_QUEUE_HIGH && (t < 0 || d < t))
			t = d;
	}
	return t < 0 ? -1 : t <= now ? 0 : (int)(t - now);
}

/* Whether a client has VN_BROKER_QUEUE_HIGH or more waiting: then no
 * source is read. */
static int
backlog(const struct broker *b)
{
	int i;

	for (i = 0; i < b->ncl; i++)
		if (b->cl[i]->qlen - b->cl[i]->qoff >= VN_BROKER_QUEUE_HIGH)
			return 1;
	return 0;
}

/* Whether stdin is read now: someone is there to hear it. */
static int
in_open(const struct broker *b)
{
	int i;

	for (i = 0; b->in_fd >= 0 && i < b->ncl; i++)
		if (b->cl[i]->joined && !b->cl[i]->leaving)
			return 1;
	return 0;
}

/* Fill b->pfd: the listening sockets, stdin, then each client. */
static void
poll_set(struct broker *b, long now)
{
	struct pollfd *p = b->pfd;
	int i, full = backlog(b);

	for (i = 0; i < b->nl; i++)
		*p++ = (struct pollfd){ now >= b->accept_after ? b->lfds[i] : -1, POLLIN, 0 };
	*p++ = (struct pollfd){ !full && in_open(b) ? b->in_fd : -1, POLLIN, 0 };
	for (i = 0; i < b->ncl; i++) {
		const struct client *c = b->cl[i];
		short ev = !c->joined ? c->rwant :
		           (c->leaving || full ? 0 : c->rwant) |
		           (c->qoff < c->qlen ? c->wwant : 0);

		*p++ = (struct pollfd){ c->conn.fd, ev, 0 };
	}
}

/* One turn: wait, then serve the clients, stdin and the listening sockets. */
static int
turn(struct broker *b)
{
	long now = vn_now_ms();
	int i, n = b->ncl, r;

	poll_set(b, now);
	r = vn_poll(b->pfd, (nfds_t)(b->nl + 1 + n), next_timeout(b, now));
	if (r < 0)
		return -1;
	for (i = 0; i < n; i++)
		serve_client(b, b->cl[i], b->pfd[b->nl + 1 + i].revents);
	if (b->pfd[b->nl].revents)
		read_in(b);
	for (i = 0; i < b->nl; i++)
		if (b->pfd[i].revents)
			accept_client(b, b->lfds[i]);
	reap(b);
	return 0;
}

int
vn_broker(const int *fds, int n, const struct vn_broker_opts *o)
{
	struct broker b = { .o = o, .lfds = fds, .nl = n, .in_fd = o->in_fd };
	int i, err;

	if (grow(&b) < 0) {
		free(b.cl);
		errno = ENOMEM;
		return -1;
	}
	while (turn(&b) == 0)
		;
	err = errno;
	for (i = 0; i < b.ncl; i++)
		b.cl[i]->dead = 1;
	reap(&b);
	free(b.cl);
	free(b.pfd);
	free(b.chat);
	errno = err;
	return -1;
}
