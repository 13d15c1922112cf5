/* test/unit/loop_test.c: core/loop.c: timers wake in deadline order (ties in
 * the order they were set), a cancelled waiter never wakes, a descriptor's
 * waiter wakes on its event (edge-triggered: after the data arrives), a
 * closing descriptor wakes its waiters with POLLNVAL, and an idle loop says
 * so instead of waiting forever. */
#include <poll.h>
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

	vn_loop_wake(l, &a, 0);
	vn_loop_wake(l, &b, POLLIN);
	CHECK(vn_loop_count(l) == 2);
	CHECK(collect(l, got, 2) == 2);
	CHECK(got[0] == &a && got[1] == &b && b.revents == POLLIN);
	vn_loop_free(l);
}

int
main(void)
{
	test_timers();
	test_descriptor();
	test_wake();
	return UNIT_DONE("loop");
}
