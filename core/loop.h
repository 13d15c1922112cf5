/* core/loop.h: an event loop: epoll for descriptors, a binary heap of timers,
 * one wait per turn however many waiters there are. Waiters are structs the
 * caller owns (intrusive), so waiting allocates nothing; the loop only grows
 * its per-descriptor array and its heap, amortised. No Lua here. */
#ifndef VN_LOOP_H
#define VN_LOOP_H

/* One thing waiting: a descriptor's events, a deadline, or both. */
struct vn_waiter {
	int fd;                       /* -1: a timer only */
	short events;                 /* POLLIN and/or POLLOUT wanted */
	short revents;                /* what came: 0 when the deadline passed */
	long deadline;                /* vn_now_ms() time, or -1: none */
	unsigned long seq;            /* timers that end together wake in order */
	int heap;                     /* index in the timer heap, or -1 */
	int queued;                   /* on a descriptor's list or the ready list */
	struct vn_waiter *next, *prev;
	void *data;                   /* the caller's */
};

struct vn_loop;

/* What a turn of the loop ended with. */
enum vn_loop_turn {
	VN_LOOP_OK,           /* waiters may be ready: vn_loop_ready */
	VN_LOOP_IDLE,         /* nothing waits: a turn would wait forever */
	VN_LOOP_INTERRUPTED,  /* SIGINT/SIGTERM is pending (core/sig.h) */
	VN_LOOP_FAILED        /* epoll failed: errno */
};

/* A loop, or NULL with errno. */
struct vn_loop *vn_loop_new(void);
void vn_loop_free(struct vn_loop *l);

/* Wait for events on fd (edge-triggered underneath: the caller waits only
 * after a call on fd said EAGAIN) and/or until deadline (-1: none). tag says
 * which open file fd is (it changes when the number is closed and reused), so
 * the loop registers a reused number again. 0, or -1 with errno (ENOMEM, or
 * epoll's refusal, e.g. EPERM for a regular file). */
int vn_loop_wait(struct vn_loop *l, struct vn_waiter *w, int fd, short events,
                 unsigned long tag, long deadline);
/* Make w ready at the next turn without waiting (revents as given). */
void vn_loop_wake(struct vn_loop *l, struct vn_waiter *w, short revents);
/* Take w out of the loop, wherever it waits; harmless when it does not. */
void vn_loop_cancel(struct vn_loop *l, struct vn_waiter *w);
/* fd is being closed: every waiter on it becomes ready with POLLNVAL, and
 * the number is forgotten. */
void vn_loop_closing(struct vn_loop *l, int fd);
/* Whether fd (the file tag) may have bytes to read: 0 only when a read
 * drained it (vn_loop_drained) and no event came since, so a reader can wait
 * at once instead of trying a read that would say EAGAIN. */
int vn_loop_maybe_readable(const struct vn_loop *l, int fd, unsigned long tag);
/* A read of fd returned less than asked (or EAGAIN): it is empty now. */
void vn_loop_drained(struct vn_loop *l, int fd, unsigned long tag);
/* How many waiters are in the loop (waiting or ready). */
int vn_loop_count(const struct vn_loop *l);

/* One turn: when nothing is ready yet, one epoll_wait until the first
 * event or deadline; then the waiters whose events came or whose deadline
 * passed are ready, in order. */
enum vn_loop_turn vn_loop_turn(struct vn_loop *l);
/* The next ready waiter (now out of the loop), or NULL. */
struct vn_waiter *vn_loop_ready(struct vn_loop *l);

#endif
