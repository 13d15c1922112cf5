/* core/loop.c: the event loop of core/loop.h over epoll. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "loop.h"
#include "net.h"
#include "sig.h"

#define NEVENTS 256   /* events taken per epoll_wait */

/* A descriptor number: whether epoll knows it (and as which file), and its
 * waiters. */
struct fdent {
	unsigned long tag;
	int on;
	int readable;      /* an input event came since the last drained read */
	int ended;         /* the peer's end or an error came: always readable */
	struct vn_waiter *head;
};

struct vn_loop {
	int ep;
	struct fdent *fds;
	int nfds;
	struct vn_waiter **heap;      /* timers: a binary min-heap on deadline, seq */
	int nheap, heapcap;
	struct vn_waiter *rhead, *rtail;  /* ready, in order */
	int count;
	unsigned long seq;
	struct epoll_event ev[NEVENTS];
};

enum { OUT, WAITING, READY };   /* vn_waiter.queued */

struct vn_loop *
vn_loop_new(void)
{
	struct vn_loop *l = calloc(1, sizeof *l);

	if (!l)
		return NULL;
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	if (l->ep < 0) {
		int e = errno;

		free(l);
		errno = e;
		return NULL;
	}
	return l;
}

void
vn_loop_free(struct vn_loop *l)
{
	if (!l)
		return;
	close(l->ep);
	free(l->fds);
	free(l->heap);
	free(l);
}

/* --- the timer heap ------------------------------------------------------- */

static int
before(const struct vn_waiter *a, const struct vn_waiter *b)
{
	return a->deadline < b->deadline ||
	       (a->deadline == b->deadline && a->seq < b->seq);
}

static void
heap_set(struct vn_loop *l, int i, struct vn_waiter *w)
{
	l->heap[i] = w;
	w->heap = i;
}

static void
heap_up(struct vn_loop *l, int i)
{
	struct vn_waiter *w = l->heap[i];

	while (i > 0 && before(w, l->heap[(i - 1) / 2])) {
		heap_set(l, i, l->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(l, i, w);
}

static void
heap_down(struct vn_loop *l, int i)
{
	struct vn_waiter *w = l->heap[i];

	for (;;) {
		int c = 2 * i + 1;

		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap && before(l->heap[c + 1], l->heap[c]))
			c++;
		if (!before(l->heap[c], w))
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, w);
}

static int
heap_push(struct vn_loop *l, struct vn_waiter *w)
{
	if (l->nheap == l->heapcap) {
		int ncap = l->heapcap ? 2 * l->heapcap : 64;
		struct vn_waiter **h = realloc(l->heap, ncap * sizeof *h);

		if (!h)
			return -1;
		l->heap = h;
		l->heapcap = ncap;
	}
	l->heap[l->nheap] = w;
	heap_up(l, l->nheap++);
	return 0;
}

static void
heap_remove(struct vn_loop *l, struct vn_waiter *w)
{
	int i = w->heap;

	if (i < 0)
		return;
	w->heap = -1;
	if (--l->nheap == i)
		return;
	heap_set(l, i, l->heap[l->nheap]);
	if (i > 0 && before(l->heap[i], l->heap[(i - 1) / 2]))
		heap_up(l, i);
	else
		heap_down(l, i);
}

/* --- lists ------------------------------------------------------------------ */

static void
fd_unlink(struct vn_loop *l, struct vn_waiter *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		l->fds[w->fd].head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->next = w->prev = NULL;
}

/* Out of its descriptor's list and the heap, onto the ready list. */
static void
make_ready(struct vn_loop *l, struct vn_waiter *w, short revents)
{
	if (w->queued == READY)
		return;
	if (w->queued == WAITING && w->fd >= 0)
		fd_unlink(l, w);
	heap_remove(l, w);
	if (w->queued == OUT)
		l->count++;
	w->queued = READY;
	w->revents = revents;
	w->next = NULL;
	w->prev = l->rtail;
	if (l->rtail)
		l->rtail->next = w;
	else
		l->rhead = w;
	l->rtail = w;
}

static int
grow_fds(struct vn_loop *l, int fd)
{
	int n = l->nfds ? l->nfds : 64, i;
	struct fdent *f;

	while (n <= fd)
		n *= 2;
	f = realloc(l->fds, n * sizeof *f);
	if (!f)
		return -1;
	for (i = l->nfds; i < n; i++) {
		f[i].tag = 0;
		f[i].on = 0;
		f[i].readable = 1;
		f[i].ended = 0;
		f[i].head = NULL;
	}
	l->fds = f;
	l->nfds = n;
	return 0;
}

/* Every waiter of fd becomes ready with revents (a closed or reused number). */
static void
wake_all(struct vn_loop *l, int fd, short revents)
{
	while (l->fds[fd].head)
		make_ready(l, l->fds[fd].head, revents);
}

/* epoll knows fd as the file tag (registered once, for both directions,
 * edge-triggered: no epoll_ctl per wait). */
static int
attach(struct vn_loop *l, int fd, unsigned long tag)
{
	struct fdent *f = &l->fds[fd];
	struct epoll_event e;

	if (f->on && f->tag == tag)
		return 0;
	if (f->on)
		wake_all(l, fd, POLLNVAL);
	e.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI | EPOLLET;
	e.data.fd = fd;
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &e) < 0 &&
	    (errno != EEXIST || epoll_ctl(l->ep, EPOLL_CTL_MOD, fd, &e) < 0))
		return -1;
	f->on = 1;
	f->tag = tag;
	f->readable = 1;
	f->ended = 0;
	return 0;
}

int
vn_loop_wait(struct vn_loop *l, struct vn_waiter *w, int fd, short events,
             unsigned long tag, long deadline)
{
	w->fd = fd;
	w->events = events;
	w->revents = 0;
	w->deadline = deadline;
	w->seq = ++l->seq;
	w->heap = -1;
	w->next = w->prev = NULL;
	w->queued = OUT;
	if (fd >= 0) {
		if (fd >= l->nfds && grow_fds(l, fd) < 0)
			return -1;
		if (attach(l, fd, tag) < 0)
			return -1;
	}
	if (deadline >= 0 && heap_push(l, w) < 0)
		return -1;
	if (fd >= 0) {
		struct fdent *f = &l->fds[fd];

		w->next = f->head;
		if (f->head)
			f->head->prev = w;
		f->head = w;
	}
	w->queued = WAITING;
	l->count++;
	return 0;
}

void
vn_loop_wake(struct vn_loop *l, struct vn_waiter *w, short revents)
{
	if (w->queued == OUT) {
		w->fd = -1;
		w->heap = -1;
	}
	make_ready(l, w, revents);
}

void
vn_loop_cancel(struct vn_loop *l, struct vn_waiter *w)
{
	if (w->queued == OUT)
		return;
	if (w->queued == WAITING && w->fd >= 0) {
		fd_unlink(l, w);
	} else if (w->queued == READY) {
		if (w->prev)
			w->prev->next = w->next;
		else
			l->rhead = w->next;
		if (w->next)
			w->next->prev = w->prev;
		else
			l->rtail = w->prev;
	}
	heap_remove(l, w);
	w->next = w->prev = NULL;
	w->queued = OUT;
	l->count--;
}

void
vn_loop_closing(struct vn_loop *l, int fd)
{
	if (fd < 0 || fd >= l->nfds || !l->fds[fd].on)
		return;
	wake_all(l, fd, POLLNVAL);
	epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
	l->fds[fd].on = 0;
}

int
vn_loop_maybe_readable(const struct vn_loop *l, int fd, unsigned long tag)
{
	return fd < 0 || fd >= l->nfds || !l->fds[fd].on || l->fds[fd].tag != tag ||
	       l->fds[fd].readable || l->fds[fd].ended;
}

void
vn_loop_drained(struct vn_loop *l, int fd, unsigned long tag)
{
	if (fd >= 0 && fd < l->nfds && l->fds[fd].on && l->fds[fd].tag == tag)
		l->fds[fd].readable = 0;
}

int
vn_loop_count(const struct vn_loop *l)
{
	return l->count;
}

static short
poll_events(unsigned e)
{
	short r = 0;

	if (e & (EPOLLIN | EPOLLRDHUP))
		r |= POLLIN;
	if (e & EPOLLPRI)
		r |= POLLPRI;
	if (e & EPOLLOUT)
		r |= POLLOUT;
	if (e & EPOLLERR)
		r |= POLLERR;
	if (e & EPOLLHUP)
		r |= POLLHUP;
	return r;
}

enum vn_loop_turn
vn_loop_turn(struct vn_loop *l)
{
	int timeout = -1, n, i;
	long now;

	if (vn_sig_pending())
		return VN_LOOP_INTERRUPTED;
	if (l->rhead)
		timeout = 0;
	else if (l->count == 0)
		return VN_LOOP_IDLE;
	else if (l->nheap > 0) {
		long left = l->heap[0]->deadline - vn_now_ms();

		timeout = left <= 0 ? 0 : left > 0x7fffffff ? 0x7fffffff : (int)left;
	}
	n = epoll_wait(l->ep, l->ev, NEVENTS, timeout);
	if (n < 0) {
		if (errno != EINTR)
			return VN_LOOP_FAILED;
		if (vn_sig_pending())
			return VN_LOOP_INTERRUPTED;
		n = 0;
	}
	for (i = 0; i < n; i++) {
		int fd = l->ev[i].data.fd;
		short rev = poll_events(l->ev[i].events);
		struct vn_waiter *w, *next;

		if (fd < 0 || fd >= l->nfds)
			continue;
		if (rev & (POLLIN | POLLERR | POLLHUP))
			l->fds[fd].readable = 1;
		/* A short read before the end does not drain the end itself, and
		 * no other event will come for it. */
		if (l->ev[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			l->fds[fd].ended = 1;
		for (w = l->fds[fd].head; w; w = next) {
			short got = rev & (w->events | POLLERR | POLLHUP);

			next = w->next;
			if (got)
				make_ready(l, w, got);
		}
	}
	if (l->nheap > 0) {
		now = vn_now_ms();
		while (l->nheap > 0 && l->heap[0]->deadline <= now)
			make_ready(l, l->heap[0], 0);
	}
	return VN_LOOP_OK;
}

struct vn_waiter *
vn_loop_ready(struct vn_loop *l)
{
	struct vn_waiter *w = l->rhead;

	if (!w)
		return NULL;
	l->rhead = w->next;
	if (l->rhead)
		l->rhead->prev = NULL;
	else
		l->rtail = NULL;
	w->next = w->prev = NULL;
	w->queued = OUT;
	l->count--;
	return w;
}
