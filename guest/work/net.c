/* net: net_loopback — pairs ping-pong fixed-size messages over
 * 127.0.0.1, TCP (TCP_NODELAY) or UDP.  Pos 1 is the client: it spins
 * burst_iters, sends a request and waits for the reply; pos 0 is the
 * server: it waits for a request, spins burst_iters (the service time)
 * and replies.  Every message starts with the sender's clock and a
 * sequence number; the receiver records now - max(send time, start of
 * its wait) as a wake sample: the network stack's softirq delivery plus
 * the scheduler's wake-up of the receiver, as pipe_io measures for a
 * pipe.  Both ends record samples; one round trip is one iteration of
 * the client and one of the server.
 *
 * The sockets are made and connected in group_setup (g->fds[0] the
 * server's end, g->fds[1] the client's), so fork children inherit them
 * and threads share them.  A setup failure (no loopback: the interface
 * is down) is kept in the group's shared memory and reported by both
 * workers.  Every wait polls at most WORK_POLL_NS at a time; a UDP client
 * that got no reply within one poll sends its request again (a datagram
 * may be dropped), and a reply to an older request is skipped. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "work_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct net_shm {
	int err;		/* errno of a setup failure, 0 when none */
	char what[64];		/* the call that failed */
};

struct net_hdr {
	uint64_t sent_ns;
	uint64_t seq;
};

static size_t net_shm_size(const struct worker *proto, int group_size)
{
	(void)proto;
	(void)group_size;
	return sizeof(struct net_shm);
}

static bool is_udp(const struct worker *w)
{
	return !strcmp(wp_str(w, "proto", "tcp"), "udp");
}

static int fail(struct net_shm *s, const char *what, int *fds, int n)
{
	s->err = errno ? errno : EIO;
	snprintf(s->what, sizeof(s->what), "%s", what);
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return 0;
}

static bool loopback_socket(int type, int *fd, struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	*addr = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	*fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	return *fd >= 0 && !bind(*fd, (struct sockaddr *)addr, sizeof(*addr)) &&
	       !getsockname(*fd, (struct sockaddr *)addr, &len);
}

static int net_setup(struct work_group *g, const struct worker *proto)
{
	struct net_shm *s = g->shm;
	if (!s)
		return -1;
	int fds[3] = {-1, -1, -1};	/* server end, client end, listener */
	struct sockaddr_in a, b;
	if (is_udp(proto)) {
		if (!loopback_socket(SOCK_DGRAM, &fds[0], &a) || !loopback_socket(SOCK_DGRAM, &fds[1], &b))
			return fail(s, "udp socket on 127.0.0.1", fds, 3);
		if (connect(fds[0], (struct sockaddr *)&b, sizeof(b)) ||
		    connect(fds[1], (struct sockaddr *)&a, sizeof(a)))
			return fail(s, "udp connect on 127.0.0.1", fds, 3);
	} else {
		if (!loopback_socket(SOCK_STREAM, &fds[2], &a) || listen(fds[2], 1))
			return fail(s, "tcp listen on 127.0.0.1", fds, 3);
		fds[1] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fds[1] < 0 || connect(fds[1], (struct sockaddr *)&a, sizeof(a)))
			return fail(s, "tcp connect to 127.0.0.1", fds, 3);
		fds[0] = accept4(fds[2], NULL, NULL, SOCK_CLOEXEC);
		if (fds[0] < 0)
			return fail(s, "tcp accept", fds, 3);
		close(fds[2]);
		fds[2] = -1;
		int one = 1;
		setsockopt(fds[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(fds[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	for (int i = 0; i < 2; i++)
		if (fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK))
			return fail(s, "fcntl O_NONBLOCK", fds, 3);
	g->fds[0] = fds[0];
	g->fds[1] = fds[1];
	return 0;
}

/* Wait for fd to be ready for `events` for at most one poll slice:
 * 1 ready, 0 timed out or stopped, -1 error. */
static int net_poll(const struct worker *w, int fd, short events)
{
	struct pollfd p = {.fd = fd, .events = events};
	int r = poll(&p, 1, (int)(WORK_POLL_NS / 1000000ull));
	if (r > 0)
		return (p.revents & events) ? 1 : -1;
	if (r < 0 && errno != EINTR)
		return -1;
	(void)w;
	return 0;
}

static bool net_send(struct worker *w, int fd, const uint8_t *buf, size_t len)
{
	size_t off = 0;
	while (off < len && !wu_stopped(w)) {
		ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR || errno == ENOBUFS)) {
			if (net_poll(w, fd, POLLOUT) < 0) {
				wu_error(w, "net_loopback: poll for send failed");
				return false;
			}
			continue;
		}
		wu_error(w, "net_loopback: send: %s", n < 0 ? strerror(errno) : "nothing sent");
		return false;
	}
	return off == len;
}

/* Receive one whole message into buf.  *arrived: when its first bytes
 * were read.  1 received, 0 one poll slice passed without data (or
 * stop), -1 error (w->error set). */
static int net_recv(struct worker *w, int fd, uint8_t *buf, size_t len, bool udp, uint64_t *arrived)
{
	size_t got = 0;
	for (;;) {
		ssize_t n = recv(fd, buf + got, len - got, 0);
		if (n > 0) {
			if (!got)
				*arrived = tm_now_ns();
			if (udp && (size_t)n != len) {
				wu_error(w, "net_loopback: datagram of %zd bytes, want %zu", n, len);
				return -1;
			}
			got += (size_t)n;
			if (got == len)
				return 1;
			continue;
		}
		if (n == 0 && !udp) {
			if (wu_stopped(w))
				return 0;
			wu_error(w, "net_loopback: the peer closed the connection");
			return -1;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			wu_error(w, "net_loopback: recv: %s", strerror(errno));
			return -1;
		}
		if (wu_stopped(w))
			return 0;
		int r = net_poll(w, fd, POLLIN);
		if (r < 0) {
			wu_error(w, "net_loopback: poll for receive failed");
			return -1;
		}
		/* a partial TCP message is finished whatever the wait */
		if (r == 0 && !got)
			return 0;
	}
}

/* The wake sample ends when the message's first bytes were read (a long
 * TCP message then takes more reads: copying, not waking); the whole
 * wait until now is blocking. */
static void net_record(struct worker *w, uint64_t start, uint64_t arrived, const uint8_t *buf)
{
	struct net_hdr h;
	memcpy(&h, buf, sizeof(h));
	uint64_t now = tm_now_ns(), from = h.sent_ns > start ? h.sent_ns : start;
	if (arrived < start || arrived > now)
		arrived = now;
	wu_waited(w->tm, now - start, arrived > from ? arrived - from : 0);
}

static void run_net_loopback(struct worker *w)
{
	if (!wu_need_group(w, 2))
		return;
	const struct net_shm *s = w->group->shm;
	if (s->err) {
		wu_error(w, "net_loopback: %s: %s (is the loopback interface up?)", s->what,
			 strerror(s->err));
		return;
	}
	int fd = w->group->fds[w->pos == 0 ? 0 : 1];
	if (fd < 0 || w->pos > 1) {
		if (w->pos > 1)
			wu_error(w, "net_loopback: pairs only (pos %d)", w->pos);
		else
			wu_error(w, "net_loopback: no socket");
		return;
	}
	bool udp = is_udp(w);
	size_t len = (size_t)wp_int(w, "msg_bytes", 64);
	if (len < sizeof(struct net_hdr))
		len = sizeof(struct net_hdr);
	uint64_t burst = (uint64_t)wp_int(w, "burst_iters", 1024);
	uint8_t *buf = calloc(1, len);
	if (!buf) {
		wu_error(w, "net_loopback: cannot allocate %zu bytes", len);
		return;
	}
	struct net_hdr h = {0};
	uint64_t seq = 0;
	while (!wu_stopped(w)) {
		if (w->pos == 1) {	/* client: request, then wait for its reply */
			spin_units(w->tm, burst);
			h = (struct net_hdr){.sent_ns = tm_now_ns(), .seq = ++seq};
			memcpy(buf, &h, sizeof(h));
			if (!net_send(w, fd, buf, len))
				break;
			uint64_t start = tm_now_ns(), arrived = 0;
			int r;
			for (;;) {
				r = net_recv(w, fd, buf, len, udp, &arrived);
				if (r < 0 || wu_stopped(w))
					break;
				struct net_hdr rh;
				memcpy(&rh, buf, sizeof(rh));
				if (r > 0 && rh.seq == seq)
					break;
				if (r == 0 && udp) {	/* lost: ask again */
					h.sent_ns = tm_now_ns();
					memcpy(buf, &h, sizeof(h));
					if (!net_send(w, fd, buf, len)) {
						r = -1;
						break;
					}
				}
			}
			if (r <= 0)
				break;
			net_record(w, start, arrived, buf);
		} else {		/* server: wait for a request, serve it, reply */
			uint64_t start = tm_now_ns(), arrived = 0;
			int r = net_recv(w, fd, buf, len, udp, &arrived);
			if (r < 0)
				break;
			if (r == 0) {
				tm_blocked(w->tm, tm_now_ns() - start);
				continue;
			}
			net_record(w, start, arrived, buf);
			memcpy(&h, buf, sizeof(h));
			spin_units(w->tm, burst);
			h.sent_ns = tm_now_ns();
			memcpy(buf, &h, sizeof(h));
			if (!net_send(w, fd, buf, len))
				break;
		}
		tm_iter(w->tm);
	}
	free(buf);
}

const struct work_type work_net_loopback = {
	.name = "net_loopback",
	.shm_size = net_shm_size,
	.group_setup = net_setup,
	.run = run_net_loopback,
	.group_teardown = wu_close_fds,
};
