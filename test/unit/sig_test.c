/*
 * test/unit/sig_test.c: core's blocking calls and the signals that are not
 * SIGINT/SIGTERM. A process that handles such a signal (SIGCHLD for its
 * children, SIGUSR1, SIGWINCH...) sees its system calls fail with EINTR;
 * core/ must wait on as if nothing happened, and only SIGINT/SIGTERM (the
 * flag of core/sig.c) may end a wait.
 *
 * A timer sends SIGUSR1 every 2 ms to a handler without SA_RESTART. Its
 * third delivery does what ends the wait (writes the byte the call waits
 * for, connects, makes room in a backlog), so the wait has seen at least two
 * interruptions by then, whatever the machine's load: no sleep, no timing.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../core/net.h"
#include "../../core/sig.h"
#include "../../core/udp.h"
#include "../../core/unix.h"
#include "unit.h"

enum { WRITE_BYTE, CONNECT, ACCEPT_ONE, SIGINT_SELF };

static volatile sig_atomic_t delivered;
static int action, act_fd = -1, act_udp;
static struct sockaddr_storage act_to;
static socklen_t act_tolen;
static timer_t timer;

static void on_usr1(int);

/* The SIGUSR1 handler and a stopped timer for it (a child makes its own:
 * timers are not inherited). */
static int
make_timer(void)
{
	struct sigaction sa;
	struct sigevent sev;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR1;
	return timer_create(CLOCK_MONOTONIC, &sev, &timer);
}

static void
on_usr1(int sig)
{
	int err = errno, fd;

	(void)sig;
	if (++delivered != 3)
		goto out;
	switch (action) {
	case WRITE_BYTE:
		if (act_udp)
			sendto(act_fd, "x", 1, 0, (struct sockaddr *)&act_to, act_tolen);
		else
			(void)!write(act_fd, "x", 1);
		break;
	case CONNECT:
		connect(act_fd, (struct sockaddr *)&act_to, act_tolen);
		break;
	case ACCEPT_ONE:
		fd = accept(act_fd, NULL, NULL);
		if (fd >= 0)
			close(fd);
		break;
	case SIGINT_SELF:
		raise(SIGINT);
		break;
	}
out:
	errno = err;
}

/* Starts the SIGUSR1 timer for one wait; its 3rd delivery does `what`. */
static void
start(int what, int fd)
{
	struct itimerspec its = { { 0, 2000000 }, { 0, 2000000 } };

	delivered = 0;
	action = what;
	act_fd = fd;
	timer_settime(timer, 0, &its, NULL);
}

/* Stops it; returns how many signals came. */
static int
stop(void)
{
	struct itimerspec off = { { 0, 0 }, { 0, 0 } };

	timer_settime(timer, 0, &off, NULL);
	act_udp = 0;
	return delivered;
}

static void
recv_and_read_wait_through_other_signals(void)
{
	int sp[2], p[2];
	char c = 0;
	ssize_t r;

	if (!CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0 && pipe(p) == 0))
		return;
	start(WRITE_BYTE, sp[1]);
	r = vn_recv(sp[0], &c, 1);
	CHECK(stop() >= 3);
	CHECK(r == 1 && c == 'x');

	c = 0;
	start(WRITE_BYTE, p[1]);
	r = vn_read(p[0], &c, 1);
	CHECK(stop() >= 3);
	CHECK(r == 1 && c == 'x');

	/* vn_recv on what is not a socket falls back to read(2) */
	c = 0;
	start(WRITE_BYTE, p[1]);
	r = vn_recv(p[0], &c, 1);
	CHECK(stop() >= 3);
	CHECK(r == 1 && c == 'x');
	close(sp[0]);
	close(sp[1]);
	close(p[0]);
	close(p[1]);
}

static void
poll_waits_through_other_signals(void)
{
	int p[2];
	struct pollfd pf;
	long t0;
	int r;

	if (!CHECK(pipe(p) == 0))
		return;
	pf.fd = p[0];
	pf.events = POLLIN;
	start(WRITE_BYTE, p[1]);
	r = vn_poll(&pf, 1, -1);
	CHECK(stop() >= 3);
	CHECK(r == 1 && (pf.revents & POLLIN));

	/* with a timeout: the time left is waited, not the whole again */
	{
		char c;
		(void)!read(p[0], &c, 1);
	}
	pf.revents = 0;
	t0 = vn_now_ms();
	start(WRITE_BYTE, p[1]);
	r = vn_poll(&pf, 1, 60000);
	CHECK(stop() >= 3);
	CHECK(r == 1 && (pf.revents & POLLIN));
	CHECK(vn_now_ms() - t0 < 60000);

	/* a timeout that expires between signals still ends the wait with 0 */
	pf.fd = p[0];
	{
		char c;
		(void)!read(p[0], &c, 1);
	}
	t0 = vn_now_ms();
	start(-1, -1);
	r = vn_poll(&pf, 1, 30);
	stop();
	CHECK(r == 0);
	CHECK(vn_now_ms() - t0 >= 30);
	close(p[0]);
	close(p[1]);
}

static void
accept_waits_through_other_signals(void)
{
	struct vn_err e = { 0, 0 };
	struct sockaddr_storage peer;
	struct sockaddr_in *in = (struct sockaddr_in *)&act_to;
	int fds[VN_MAXLISTEN], n, c, fd;

	n = vn_listen_tcp("127.0.0.1", 0, AF_INET, fds, &e);
	if (!CHECK(n == 1))
		return;
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	memset(&act_to, 0, sizeof act_to);
	in->sin_family = AF_INET;
	in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	in->sin_port = htons(vn_local_port(fds[0]));
	act_tolen = sizeof *in;
	start(CONNECT, c);
	fd = vn_accept(fds, n, -1, &peer);
	CHECK(stop() >= 3);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	close(c);
	close(fds[0]);
}

static void
recvfrom_waits_through_other_signals(void)
{
	struct vn_err e = { 0, 0 };
	struct sockaddr_storage from;
	socklen_t len;
	struct sockaddr_in *in = (struct sockaddr_in *)&act_to;
	char buf[8];
	ssize_t r;
	int u, s;

	u = vn_udp_bind("127.0.0.1", 0, AF_INET, &e);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (!CHECK(u >= 0 && s >= 0))
		return;
	memset(&act_to, 0, sizeof act_to);
	in->sin_family = AF_INET;
	in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	in->sin_port = htons(vn_local_port(u));
	act_tolen = sizeof *in;
	act_udp = 1;
	start(WRITE_BYTE, s);
	r = vn_recvfrom(u, buf, sizeof buf, &from, &len);
	CHECK(stop() >= 3);
	CHECK(r == 1 && buf[0] == 'x');
	CHECK(from.ss_family == AF_INET);
	close(u);
	close(s);
}

/* A Unix stream connect blocks while the listener's backlog is full; the
 * signal that makes room accepts one of the queue. The backlog is
 * net.core.somaxconn (4096 today): the test needs that many descriptors. */
enum { QMAX = 70000 };
static void
unix_connect_waits_through_other_signals(void)
{
	struct vn_err e = { 0, 0 };
	struct vn_unix_file file;
	struct sockaddr_un sa;
	socklen_t len;
	char dir[] = "/tmp/vn-sig-XXXXXX", path[64];
	int l, fd, nq = 0, i;

	static int queued[QMAX];
	struct rlimit rl;
	FILE *f = fopen("/proc/sys/net/core/somaxconn", "r");
	int somaxconn = 4096;

	if (f) {
		if (fscanf(f, "%d", &somaxconn) != 1)
			somaxconn = 4096;
		fclose(f);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)somaxconn + 100 &&
	    rl.rlim_max >= (rlim_t)somaxconn + 100) {
		rl.rlim_cur = (rlim_t)somaxconn + 100;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < (rlim_t)somaxconn + 100 ||
	    somaxconn + 100 > QMAX) {
		fprintf(stderr, "sig_test: not tried: a Unix connect on a full backlog "
		        "(somaxconn %d needs more descriptors)\n", somaxconn);
		return;
	}
	if (!CHECK(mkdtemp(dir) != NULL))
		return;
	snprintf(path, sizeof path, "%s/s", dir);
	l = vn_listen_unix(path, SOCK_STREAM, &file, &e);
	if (!CHECK(l >= 0) || !CHECK(vn_unix_addr(path, &sa, &len) == 0))
		goto out;
	/* fill the backlog with connections nobody accepts */
	while (nq < QMAX) {
		int c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

		if (c < 0)
			break;
		if (connect(c, (struct sockaddr *)&sa, len) < 0) {
			close(c);
			break;
		}
		queued[nq++] = c;
	}
	if (!CHECK(nq > 0 && nq < QMAX))
		fprintf(stderr, "sig_test: %d queued (%s)\n", nq, strerror(errno));
	start(ACCEPT_ONE, l);
	fd = vn_connect_unix(path, SOCK_STREAM, &e);
	CHECK(stop() >= 3);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	for (i = 0; i < nq; i++)
		close(queued[i]);
	vn_unix_remove(path, &file);
	close(l);
out:
	rmdir(dir);
}

/* SIGINT, the flag's signal, does end the wait: in a child, since the flag
 * stays set for the rest of the process. */
static void
sigint_ends_the_wait(void)
{
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		int sp[2];
		char c;
		ssize_t r;

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) < 0)
			_exit(3);
		alarm(20);	/* a wait that never ends fails the test */
		vn_sig_init(NULL);
		if (make_timer() < 0)
			_exit(4);
		start(SIGINT_SELF, -1);
		r = vn_recv(sp[0], &c, 1);
		stop();
		/* and the calls after it fail at once */
		_exit(r < 0 && errno == EINTR && vn_sig_pending() == SIGINT &&
		      vn_read(sp[0], &c, 1) < 0 && errno == EINTR ? 0 : 1);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	alarm(60);	/* a wait that never ends fails the test */
	if (make_timer() < 0) {
		perror("timer_create");
		return 1;
	}
	recv_and_read_wait_through_other_signals();
	poll_waits_through_other_signals();
	accept_waits_through_other_signals();
	recvfrom_waits_through_other_signals();
	unix_connect_waits_through_other_signals();
	sigint_ends_the_wait();
	return UNIT_DONE("sig");
}
