/* test/unit/loop_test.c: core/loop.c: timers wake in deadline order (ties in
 * the order they were set), a cancelled waiter never wakes, a descriptor's
 * waiter wakes on its event (edge-triggered: after the data arrives), a
 * closing descriptor wakes its waiters with POLLNVAL, and an idle loop says
 * so instead of waiting forever; several waiters of one descriptor, a
 * cancelled timer in the heap's middle, a waiter cancelled once ready, TCP's
 * urgent data (POLLPRI), a regular file, which epoll refuses, and a signal
 * that is not SIGINT/SIGTERM, which ends no wait. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../core/loop.h"
#include "../../core/net.h"
#include "unit.h"

/* Turn the loop until n waiters came out (5 s at most); they go to got[]. */
static int
collect(struct vn_loop *l, struct vn_waiter **got, int n)
{
	long end = vn_now_ms() + 5000;
	int k = 0;

	while (k < n && vn_now_ms() < end) {
		struct vn_waiter *w;

		if (vn_loop_turn(l) != VN_LOOP_OK)
			break;
		while (k < n && (w = vn_loop_ready(l)))
			got[k++] = w;
	}
	return k;
}

static void
test_timers(void)
{
	struct vn_loop *l = vn_loop_new();
	struct vn_waiter w[6], *got[6];
	long now = vn_now_ms();
	/* deadlines, in the order set: a..f; c and e tie, d is cancelled */
	long at[6] = { 40, 10, 20, 5, 20, 0 };
	int i;

	CHECK(l != NULL);
	for (i = 0; i < 6; i++)
		CHECK(vn_loop_wait(l, &w[i], -1, 0, 0, now + at[i]) == 0);
	vn_loop_cancel(l, &w[3]);
	CHECK(vn_loop_count(l) == 5);
	CHECK(collect(l, got, 5) == 5);
	CHECK(got[0] == &w[5] && got[1] == &w[1] && got[2] == &w[2] &&
	      got[3] == &w[4] && got[4] == &w[0]);
	CHECK(got[4]->revents == 0);
	CHECK(vn_now_ms() >= now + 40);
	CHECK(vn_loop_count(l) == 0);
	CHECK(vn_loop_turn(l) == VN_LOOP_IDLE);
	vn_loop_free(l);
}

static void
test_descriptor(void)
{
	struct vn_loop *l = vn_loop_new();
	struct vn_waiter r, t, *got[2];
	int sv[2];
	char c;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	CHECK(vn_loop_wait(l, &r, sv[0], POLLIN, 1, -1) == 0);
	CHECK(vn_loop_wait(l, &t, -1, 0, 0, vn_now_ms() + 3000) == 0);
	CHECK(write(sv[1], "x", 1) == 1);
	CHECK(collect(l, got, 1) == 1);
	CHECK(got[0] == &r && (r.revents & POLLIN));
	CHECK(read(sv[0], &c, 1) == 1);
	/* drained: it waits again, and the next byte wakes it */
	CHECK(vn_loop_wait(l, &r, sv[0], POLLIN, 1, -1) == 0);
	vn_loop_drained(l, sv[0], 1);
	CHECK(!vn_loop_maybe_readable(l, sv[0], 1));
	CHECK(write(sv[1], "y", 1) == 1);
	CHECK(collect(l, got, 1) == 1);
	CHECK(got[0] == &r);
	CHECK(vn_loop_maybe_readable(l, sv[0], 1));
	/* closing: its waiter wakes with POLLNVAL, before the timer */
	CHECK(vn_loop_wait(l, &r, sv[0], POLLIN, 1, -1) == 0);
	vn_loop_closing(l, sv[0]);
	close(sv[0]);
	CHECK(collect(l, got, 1) == 1);
	CHECK(got[0] == &r && r.revents == POLLNVAL);
	vn_loop_cancel(l, &t);
	CHECK(vn_loop_turn(l) == VN_LOOP_IDLE);
	close(sv[1]);
	vn_loop_free(l);
}

static void
test_wake(void)
{
	struct vn_loop *l = vn_loop_new();
	struct vn_waiter a, b, *got[2];

	/* a waiter starts zeroed (out of the loop), as a task's does */
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	vn_loop_wake(l, &a, 0);
	vn_loop_wake(l, &b, POLLIN);
	CHECK(vn_loop_count(l) == 2);
	CHECK(collect(l, got, 2) == 2);
	CHECK(got[0] == &a && got[1] == &b && b.revents == POLLIN);
	vn_loop_free(l);
}

/* Four waiters of one descriptor (its list: 3 2 1 0): the middle one and
 * then the last cancelled, the other two wake on its event, each with what
 * it asked, and nothing else is left. */
static void
test_many_on_one(void)
{
	struct vn_loop *l = vn_loop_new();
	struct vn_waiter w[4], *got[2];
	int sv[2], n;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	CHECK(vn_loop_wait(l, &w[0], sv[0], POLLIN, 7, -1) == 0);
	CHECK(vn_loop_wait(l, &w[1], sv[0], POLLIN, 7, -1) == 0);
	CHECK(vn_loop_wait(l, &w[2], sv[0], POLLIN, 7, -1) == 0);
	CHECK(vn_loop_wait(l, &w[3], sv[0], POLLIN | POLLOUT, 7, -1) == 0);
	vn_loop_cancel(l, &w[1]);
	vn_loop_cancel(l, &w[0]);
	vn_loop_cancel(l, &w[1]);   /* harmless again */
	CHECK(vn_loop_count(l) == 2);
	CHECK(write(sv[1], "x", 1) == 1);
	n = collect(l, got, 2);
	CHECK(n == 2);
	CHECK(n == 2 && got[0] == &w[3] && got[1] == &w[2]);
	CHECK(w[2].revents == POLLIN);
	CHECK(w[3].revents == (POLLIN | POLLOUT));
	CHECK(vn_loop_count(l) == 0);
	CHECK(vn_loop_turn(l) == VN_LOOP_IDLE);
	close(sv[0]);
	close(sv[1]);
	vn_loop_free(l);
}

/* Timers set 8, 9, 4, 6, 16, 5, 2 (x 5 ms), then 9 cancelled from the
 * heap's middle: 2 takes its place there and must climb; the rest wake in
 * the order of their deadlines. */
static void
test_heap_cancel(void)
{
	struct vn_loop *l = vn_loop_new();
	struct vn_waiter w[7], *got[6];
	long now = vn_now_ms();
	int at[7] = { 8, 9, 4, 6, 16, 5, 2 }, want[6] = { 6, 2, 5, 3, 0, 4 }, i, n;

	for (i = 0; i < 7; i++)
		CHECK(vn_loop_wait(l, &w[i], -1, 0, 0, now + 5 * at[i]) == 0);
	vn_loop_cancel(l, &w[1]);
	n = collect(l, got, 6);
	CHECK(n == 6);
	for (i = 0; i < n; i++)
		CHECK(got[i] == &w[want[i]]);
	CHECK(vn_loop_turn(l) == VN_LOOP_IDLE);
	vn_loop_free(l);
}

/* Waiters made ready, then cancelled before they were taken (the middle,
 * the last, the first): none comes out, and one made ready after them
 * does. */
static void
test_cancel_ready(void)
{
	struct vn_loop *l = vn_loop_new();
	struct vn_waiter a, b, c, d, e, *w;

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	memset(&c, 0, sizeof c);
	memset(&d, 0, sizeof d);
	memset(&e, 0, sizeof e);
	vn_loop_wake(l, &a, 0);
	vn_loop_wake(l, &b, 0);
	vn_loop_wake(l, &c, 0);
	vn_loop_wake(l, &d, 0);
	vn_loop_cancel(l, &b);
	vn_loop_cancel(l, &d);
	vn_loop_cancel(l, &a);
	vn_loop_wake(l, &e, 0);
	CHECK(vn_loop_count(l) == 2);
	CHECK(vn_loop_turn(l) == VN_LOOP_OK);
	CHECK((w = vn_loop_ready(l)) == &c);
	CHECK((w = vn_loop_ready(l)) == &e);
	CHECK(vn_loop_ready(l) == NULL);
	vn_loop_cancel(l, &c);
	CHECK(vn_loop_count(l) == 0);
	CHECK(vn_loop_turn(l) == VN_LOOP_IDLE);
	vn_loop_free(l);
}

/* TCP urgent data on loopback wakes a POLLPRI waiter with POLLPRI. */
static void
test_urgent(void)
{
	struct vn_loop *l = vn_loop_new();
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	struct vn_waiter w, *got[1];
	int s, c, a;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(s >= 0 && c >= 0);
	CHECK(bind(s, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(s, 1) == 0);
	CHECK(getsockname(s, (struct sockaddr *)&sa, &len) == 0);
	CHECK(connect(c, (struct sockaddr *)&sa, sizeof sa) == 0);
	CHECK((a = accept(s, NULL, NULL)) >= 0);
	CHECK(vn_loop_wait(l, &w, a, POLLPRI, 3, vn_now_ms() + 5000) == 0);
	CHECK(send(c, "!", 1, MSG_OOB) == 1);
	CHECK(collect(l, got, 1) == 1);
	CHECK(w.revents & POLLPRI);
	close(a);
	close(c);
	close(s);
	vn_loop_free(l);
}

/* epoll refuses a regular file: the wait fails with its errno, and the
 * loop has nothing in it. */
static void
test_refused(void)
{
	struct vn_loop *l = vn_loop_new();
	struct vn_waiter w;
	FILE *f = tmpfile();
	int fd = f ? fileno(f) : -1;

	CHECK(fd >= 0);
	errno = 0;
	CHECK(vn_loop_wait(l, &w, fd, POLLIN, 1, -1) < 0 && errno == EPERM);
	CHECK(vn_loop_count(l) == 0);
	if (f)
		fclose(f);
	vn_loop_free(l);
}

static void
on_alarm(int sig)
{
	(void)sig;
}

/* A signal other than SIGINT/SIGTERM interrupts epoll_wait: the turn is
 * not a failure, and the timer still wakes at its deadline, not before. */
static void
test_other_signal(void)
{
	struct vn_loop *l = vn_loop_new();
	struct sigaction sa, old;
	struct itimerval it = { { 0, 0 }, { 0, 20000 } };
	struct vn_waiter w, *got[1];
	long end = vn_now_ms() + 150;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;   /* no SA_RESTART: epoll_wait says EINTR */
	CHECK(sigaction(SIGALRM, &sa, &old) == 0);
	CHECK(vn_loop_wait(l, &w, -1, 0, 0, end) == 0);
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	CHECK(collect(l, got, 1) == 1);
	CHECK(got[0] == &w && vn_now_ms() >= end);
	sigaction(SIGALRM, &old, NULL);
	vn_loop_free(l);
}

int
main(void)
{
	test_timers();
	test_descriptor();
	test_wake();
	test_many_on_one();
	test_heap_cancel();
	test_cancel_ready();
	test_urgent();
	test_refused();
	test_other_signal();
	return UNIT_DONE("loop");
}
