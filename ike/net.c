/*
 * net.c - the IKE sockets: UDP 500 and 4500 on INADDR_ANY with IP_PKTINFO,
 * the 4500 one in ESP-in-UDP encapsulation mode (RFC 3948).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <event2/event.h>
#include <openssl/rand.h>

#include "common/log.h"
#include "ike/net.h"

#ifndef UDP_ENCAP
#define UDP_ENCAP		100
#endif
#ifndef UDP_ENCAP_ESPINUDP
#define UDP_ENCAP_ESPINUDP	2
#endif

/*
 * The receive buffer asked for: a burst of first messages waits there
 * rather than being lost while we work.  SO_RCVBUFFORCE (root) passes
 * net.core.rmem_max; else SO_RCVBUF, which the kernel caps at rmem_max;
 * a refusal of both leaves the default.
 */
#define NET_RCVBUF		(1024 * 1024)

/* Datagrams read per readiness event, so a flood cannot starve timers;
 * the event is level-triggered and fires again while data is queued. */
#define NET_READ_BURST		256

/*
 * Datagrams per system call, both ways: recvmmsg reads up to NET_MMSG at
 * once, and what the engine sends while it handles them (answers, cookies)
 * waits in a per-socket queue that one sendmmsg empties at the end of the
 * turn (or when it is full).  Under a flood of first messages this is a
 * system call per NET_MMSG datagrams rather than about three per datagram
 * (recvmsg, sendmsg and the wakeup), which is most of a datagram's cost
 * where system calls are dear (user-mode Linux, the lab).  Sends outside
 * such a turn (timers: retransmissions, DPD) go out at once.
 */
#define NET_MMSG		8

/*
 * Room for one received datagram.  gatewayd authenticates with PSKs, no
 * certificates: its IKE messages and its peers' stay far below this
 * (strongSwan's own limit, charon.max_packet, is 10,000 bytes).  A longer
 * datagram is cut by the kernel and dropped here as truncated (counted,
 * debug log).  Eight of these (128 KB) rather than of NET_DGRAM_MAX
 * (512 KB): every page is resident (n_rbuf), idle RSS counts them.
 */
#define NET_RBUF_SLOT		16384

/*
 * First messages (IKE_SA_INIT requests, IKEv1 Main and Aggressive Mode
 * message 1: a zero responder SPI) wait in a queue of their own, and at
 * most NET_FIRST_BUDGET of them are handled per turn of the event loop;
 * every other IKE datagram is handled as soon as it is read.  Under a
 * flood of first messages the socket is still read to the end each turn,
 * so a peer's message 3 or IKE_AUTH is not stuck behind a second of
 * spoofed first messages in the kernel's queue (an IKEv1 responder's
 * half-open SA gave way to newer ones before its message 3 was read, and
 * strongSwan's connection failed).  The queue is small, so a first
 * message waits little; those beyond it are dropped and counted
 * (nc_first_shed): cheaper than an answer, and the initiator retransmits.
 */
#define NET_FIRST_QUEUE		256
#define NET_FIRST_BUDGET	32

/*
 * A first message shed for want of room is remembered: a keyed hash of
 * its source address, port and initiator SPI (cookie) in a direct-mapped
 * table.  When the same message comes again it is an initiator's
 * retransmission (a spoofed source never sees an answer to wait for), and
 * it goes to the head of the queue in place of the newest waiting one,
 * which is shed (and remembered) instead.  Without this, a queue that a
 * flood keeps full shed a real initiator's retransmissions as well: at
 * 3,000 spoofed first messages a second in the lab, strongSwan's Main and
 * Aggressive Mode message 1 was shed four times out of four and it gave
 * up.  The table is allocated at the first shed; at 3,000 sheds a second
 * a remembered message survives 1 s with a probability of 0.91 (e^(-3000
 * / 32768)).  A flood that sends each message twice gets the same turn,
 * at twice its cost, and still meets the half-open caps.
 */
#define NET_SHED_SLOTS		32768
#define NET_IKE_HDR_LEN		28

struct net_sock {
	struct net	*ns_net;
	int		 ns_fd;
	int		 ns_natt;	/* carries the non-ESP marker */
	uint16_t	 ns_port;	/* bound port, host order */
	struct event	*ns_ev;
};

/* A datagram waiting for the end of the turn (its marker included). */
struct net_out {
	uint8_t		*no_pkt;
	size_t		 no_len;
	struct sockaddr_in no_local, no_remote;
};

struct net_first {
	uint8_t		*nf_pkt;	/* owned copy */
	size_t		 nf_len;
	struct sockaddr_in nf_local, nf_remote;
};

struct net {
	struct net_sock	 n_sock[2];	/* 0: IKE, 1: NAT-T */
	net_recv_fn	*n_recv;
	void		*n_arg;
	struct net_counters n_cnt;
	/* first messages waiting (a ring), and the zero timer that
	 * handles them after the sockets had their turn */
	struct net_first n_first[NET_FIRST_QUEUE];
	unsigned	 n_first_head, n_first_count;
	struct event	*n_first_ev;
	uint64_t	*n_shed;	/* NET_SHED_SLOTS hashes; 0: empty */
	uint64_t	 n_shed_key;
	/*
	 * NET_MMSG receive buffers of NET_RBUF_SLOT bytes (128 KB), every
	 * page touched once at the start: user-mode Linux's recvmmsg fails
	 * with EFAULT (and loses the datagram) when it writes to a page that
	 * was never touched, and a real kernel then takes no page fault on
	 * the packet path.
	 */
	uint8_t		*n_rbuf;
	/* inside a read or first-message turn: sends wait in n_out */
	int		 n_batch;
	struct net_out	 n_out[2][NET_MMSG];	/* per socket */
	unsigned	 n_nout[2];
};

int
net_strip_marker(const uint8_t *buf, size_t len, uint16_t port,
    const uint8_t **out, size_t *outlen)
{
	static const uint8_t	 zero[NET_MARKER_LEN];

	*out = NULL;
	*outlen = 0;
	if (port != NET_PORT_NATT) {
		if (len == 0)
			return (NET_DGRAM_SHORT);
		*out = buf;
		*outlen = len;
		return (NET_DGRAM_IKE);
	}
	/* RFC 3948 §2.3: a NAT-keepalive is a single 0xff octet. */
	if (len == 1 && buf[0] == 0xff)
		return (NET_DGRAM_KEEPALIVE);
	if (len <= NET_MARKER_LEN)
		return (NET_DGRAM_SHORT);
	/* RFC 3948 §2.2: ESP starts with a non-zero SPI, IKE with zeros. */
	if (memcmp(buf, zero, NET_MARKER_LEN) != 0)
		return (NET_DGRAM_ESP);
	*out = buf + NET_MARKER_LEN;
	*outlen = len - NET_MARKER_LEN;
	return (NET_DGRAM_IKE);
}

/* An IKE header with a zero responder SPI (RFC 7296 §3.1, RFC 2408
 * §3.1): a request that opens an exchange with no state yet. */
static int
net_is_first(const uint8_t *pkt, size_t len)
{
	static const uint8_t	 zero[8];

	return (len >= NET_IKE_HDR_LEN && memcmp(pkt + 8, zero, 8) == 0);
}

static void	net_flush(struct net *);

static void
net_first_arm(struct net *n)
{
	static const struct timeval	 now = { 0, 0 };

	if (n->n_first_count > 0 && n->n_first_ev != NULL &&
	    !evtimer_pending(n->n_first_ev, NULL))
		evtimer_add(n->n_first_ev, &now);
}

/* The shed table's hash of a first message (never 0). */
static uint64_t
net_shed_hash(const struct net *n, const uint8_t *pkt,
    const struct sockaddr_in *remote)
{
	uint64_t	 h, spi;

	memcpy(&spi, pkt, sizeof(spi));
	h = n->n_shed_key ^ spi;
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
	h ^= (uint64_t)remote->sin_addr.s_addr << 16 | remote->sin_port;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return (h | 1);
}

/* Remembers a shed first message; no table (out of memory): nothing. */
static void
net_shed_note(struct net *n, const uint8_t *pkt,
    const struct sockaddr_in *remote)
{
	uint64_t	 h;

	if (n->n_shed == NULL) {
		if ((n->n_shed = calloc(NET_SHED_SLOTS,
		    sizeof(*n->n_shed))) == NULL ||
		    RAND_bytes((unsigned char *)&n->n_shed_key,
		    sizeof(n->n_shed_key)) != 1) {
			free(n->n_shed);
			n->n_shed = NULL;
			return;
		}
	}
	h = net_shed_hash(n, pkt, remote);
	n->n_shed[h % NET_SHED_SLOTS] = h;
}

/* 1 if pkt from remote was shed before (and forgets it), else 0. */
static int
net_shed_seen(struct net *n, const uint8_t *pkt,
    const struct sockaddr_in *remote)
{
	uint64_t	 h;

	if (n->n_shed == NULL)
		return (0);
	h = net_shed_hash(n, pkt, remote);
	if (n->n_shed[h % NET_SHED_SLOTS] != h)
		return (0);
	n->n_shed[h % NET_SHED_SLOTS] = 0;
	return (1);
}

static void
net_first_put(struct net *n, const uint8_t *pkt, size_t len,
    const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
	struct net_first	*f;
	char			 addr[INET_ADDRSTRLEN];
	unsigned		 slot;
	int			 again = 0;

	if (n->n_first_count == NET_FIRST_QUEUE) {
		n->n_cnt.nc_first_shed++;
		inet_ntop(AF_INET, &remote->sin_addr, addr, sizeof(addr));
		if (!net_shed_seen(n, pkt, remote)) {
			net_shed_note(n, pkt, remote);
			log_debug("first message from %s:%u dropped: %u wait "
			    "already", addr, ntohs(remote->sin_port),
			    NET_FIRST_QUEUE);
			return;
		}
		/* a retransmission: the newest waiting one gives way */
		f = &n->n_first[(n->n_first_head + NET_FIRST_QUEUE - 1) %
		    NET_FIRST_QUEUE];
		net_shed_note(n, f->nf_pkt, &f->nf_remote);
		free(f->nf_pkt);
		f->nf_pkt = NULL;
		n->n_first_count--;
		log_debug("first message from %s:%u again: it goes first",
		    addr, ntohs(remote->sin_port));
		again = 1;
	}
	slot = again ? (n->n_first_head + NET_FIRST_QUEUE - 1) %
	    NET_FIRST_QUEUE : (n->n_first_head + n->n_first_count) %
	    NET_FIRST_QUEUE;
	f = &n->n_first[slot];
	if ((f->nf_pkt = malloc(len)) == NULL) {
		n->n_cnt.nc_first_shed++;
		return;
	}
	memcpy(f->nf_pkt, pkt, len);
	f->nf_len = len;
	f->nf_local = *local;
	f->nf_remote = *remote;
	if (again)
		n->n_first_head = slot;
	n->n_first_count++;
	net_first_arm(n);
}

/* Hands the oldest waiting first messages to the engine, a budget's
 * worth; the timer comes back while some wait. */
static void
net_first_cb(evutil_socket_t fd, short what, void *arg)
{
	struct net		*n = arg;
	struct net_first	 f;
	int			 i;

	n->n_batch++;
	for (i = 0; i < NET_FIRST_BUDGET && n->n_first_count > 0; i++) {
		f = n->n_first[n->n_first_head];
		n->n_first[n->n_first_head].nf_pkt = NULL;
		n->n_first_head = (n->n_first_head + 1) % NET_FIRST_QUEUE;
		n->n_first_count--;
		n->n_cnt.nc_rx++;
		n->n_recv(n->n_arg, f.nf_pkt, f.nf_len, &f.nf_local,
		    &f.nf_remote);
		free(f.nf_pkt);
	}
	n->n_batch--;
	net_flush(n);
	net_first_arm(n);
}

void
net_ike_input(struct net *n, const uint8_t *pkt, size_t len,
    const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
	if (n->n_first_ev != NULL && net_is_first(pkt, len)) {
		net_first_put(n, pkt, len, local, remote);
		return;
	}
	n->n_cnt.nc_rx++;
	n->n_recv(n->n_arg, pkt, len, local, remote);
}

static void
net_dgram_handle(struct net_sock *ns, const uint8_t *buf, size_t len,
    const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
	struct net	*n = ns->ns_net;
	const uint8_t	*pkt;
	size_t		 pktlen;
	char		 addr[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &remote->sin_addr, addr, sizeof(addr));
	switch (net_strip_marker(buf, len,
	    ns->ns_natt ? NET_PORT_NATT : NET_PORT_IKE, &pkt, &pktlen)) {
	case NET_DGRAM_IKE:
		net_ike_input(n, pkt, pktlen, local, remote);
		break;
	case NET_DGRAM_KEEPALIVE:
		n->n_cnt.nc_keepalive++;
		log_debug("NAT keepalive from %s:%u ignored", addr,
		    ntohs(remote->sin_port));
		break;
	case NET_DGRAM_ESP:
		n->n_cnt.nc_esp++;
		log_debug("ESP in UDP from %s:%u reached userspace (%zu "
		    "bytes), dropped", addr, ntohs(remote->sin_port), len);
		break;
	default:
		n->n_cnt.nc_short++;
		log_debug("datagram from %s:%u too short (%zu bytes), dropped",
		    addr, ntohs(remote->sin_port), len);
		break;
	}
}

/* The receive control buffer of one datagram (IP_PKTINFO). */
union net_cbuf {
	struct cmsghdr	 hdr;
	uint8_t		 buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
};

/* Hands one datagram read by recvmmsg on. */
static void
net_read_handle(struct net_sock *ns, const uint8_t *buf, struct msghdr *msg,
    size_t len, const struct sockaddr_in *remote)
{
	struct net		*n = ns->ns_net;
	struct sockaddr_in	 local;
	struct cmsghdr		*cm;
	struct in_pktinfo	 pi;

	if (remote->sin_family != AF_INET ||
	    msg->msg_namelen < sizeof(*remote))
		return;
	if (msg->msg_flags & MSG_TRUNC) {
		n->n_cnt.nc_truncated++;
		log_debug("truncated datagram on UDP port %u dropped",
		    ns->ns_port);
		return;
	}
	memset(&local, 0, sizeof(local));
	local.sin_family = AF_INET;
	local.sin_port = htons(ns->ns_port);
	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(pi))) {
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			/* The datagram's destination: our gateway address. */
			local.sin_addr = pi.ipi_addr;
		}
	}
	net_dgram_handle(ns, buf, len, &local, remote);
}

/*
 * One recvmmsg of up to max (<= NET_MMSG) datagrams, each handed on.
 * Returns how many were read, 0 when nothing is queued, -1 on an error.
 */
static int
net_read_batch(struct net_sock *ns, unsigned max)
{
	struct net		*n = ns->ns_net;
	struct mmsghdr		 mm[NET_MMSG];
	struct iovec		 iov[NET_MMSG];
	struct sockaddr_in	 remote[NET_MMSG];
	union net_cbuf		 cbuf[NET_MMSG];
	unsigned		 i;
	int			 r;

	memset(mm, 0, sizeof(mm[0]) * max);
	memset(remote, 0, sizeof(remote[0]) * max);
	for (i = 0; i < max; i++) {
		iov[i].iov_base = n->n_rbuf + (size_t)i * NET_RBUF_SLOT;
		iov[i].iov_len = NET_RBUF_SLOT;
		mm[i].msg_hdr.msg_name = &remote[i];
		mm[i].msg_hdr.msg_namelen = sizeof(remote[i]);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_control = cbuf[i].buf;
		mm[i].msg_hdr.msg_controllen = sizeof(cbuf[i].buf);
	}
	r = recvmmsg(ns->ns_fd, mm, max, MSG_DONTWAIT, NULL);
	if (r == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return (0);
		log_debug("recvmmsg on UDP port %u: %s", ns->ns_port,
		    strerror(errno));
		return (-1);
	}
	for (i = 0; i < (unsigned)r; i++)
		net_read_handle(ns, iov[i].iov_base, &mm[i].msg_hdr,
		    mm[i].msg_len, &remote[i]);
	return (r);
}

static void
net_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct net_sock	*ns = arg;
	struct net	*n = ns->ns_net;
	unsigned	 done = 0, want;
	int		 r;

	n->n_batch++;
	while (done < NET_READ_BURST) {
		want = NET_READ_BURST - done < NET_MMSG ?
		    NET_READ_BURST - done : NET_MMSG;
		if ((r = net_read_batch(ns, want)) <= 0)
			break;
		done += (unsigned)r;
		if ((unsigned)r < want)
			break;		/* the socket is empty */
	}
	n->n_batch--;
	net_flush(n);
}

static int	net_sock_rcvbuf(struct net_sock *, int);

static int
net_sock_open(struct net *n, struct event_base *base, int natt,
    uint16_t port, int (*bypass)(int), int freebind)
{
	struct net_sock		*ns = &n->n_sock[natt];
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof(sin);
	int			 on = 1, encap = UDP_ENCAP_ESPINUDP;

	ns->ns_net = n;
	ns->ns_natt = natt;
	ns->ns_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (ns->ns_fd == -1) {
		log_err("socket: %s", strerror(errno));
		return (-1);
	}
	if (setsockopt(ns->ns_fd, IPPROTO_IP, IP_PKTINFO, &on,
	    sizeof(on)) == -1) {
		log_err("IP_PKTINFO: %s", strerror(errno));
		return (-1);
	}
	/* the default; receive-buffer may change it (net_rcvbuf_set) */
	(void)net_sock_rcvbuf(ns, NET_RCVBUF);
	/* HA: this host may not hold the gateway's address yet */
	if (freebind && setsockopt(ns->ns_fd, IPPROTO_IP, IP_FREEBIND, &on,
	    sizeof(on)) == -1) {
		log_err("IP_FREEBIND on UDP port %u: %s", port,
		    strerror(errno));
		return (-1);
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	sin.sin_port = htons(port);
	if (bind(ns->ns_fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		log_err("cannot bind UDP port %u: %s%s", port, strerror(errno),
		    errno == EADDRINUSE ? " (is another IKE daemon such as "
		    "strongSwan or Libreswan running?)" : "");
		return (-1);
	}
	if (getsockname(ns->ns_fd, (struct sockaddr *)&sin, &slen) == -1) {
		log_err("getsockname: %s", strerror(errno));
		return (-1);
	}
	ns->ns_port = ntohs(sin.sin_port);
	/* IKE itself must not be caught by the tunnels' policies. */
	if (bypass != NULL && bypass(ns->ns_fd) == -1)
		return (-1);
	/* RFC 3948: the kernel decapsulates ESP; IKE keeps its marker. */
	if (natt && setsockopt(ns->ns_fd, SOL_UDP, UDP_ENCAP, &encap,
	    sizeof(encap)) == -1)
		log_warn("UDP_ENCAP on port %u: %s; NAT traversal will not "
		    "carry ESP", ns->ns_port, strerror(errno));
	ns->ns_ev = event_new(base, ns->ns_fd, EV_READ | EV_PERSIST,
	    net_read_cb, ns);
	if (ns->ns_ev == NULL || event_add(ns->ns_ev, NULL) == -1) {
		log_err("cannot register UDP port %u", ns->ns_port);
		return (-1);
	}
	return (0);
}

/* Writes one byte of every page of p, so that each is resident. */
static void
net_touch(void *p, size_t len)
{
	volatile uint8_t	*v = p;
	size_t			 i;

	for (i = 0; i < len; i += 4096)
		v[i] = 0;
}

struct net *
net_open(struct event_base *base, uint16_t port_ike, uint16_t port_natt,
    int (*bypass)(int fd), net_recv_fn *recv, void *arg)
{
	return (net_open_freebind(base, port_ike, port_natt, bypass, recv, arg,
	    0));
}

struct net *
net_open_freebind(struct event_base *base, uint16_t port_ike,
    uint16_t port_natt, int (*bypass)(int fd), net_recv_fn *recv, void *arg,
    int freebind)
{
	struct net	*n;

	if ((n = calloc(1, sizeof(*n))) == NULL) {
		log_err("out of memory");
		return (NULL);
	}
	n->n_sock[0].ns_fd = n->n_sock[1].ns_fd = -1;
	if ((n->n_rbuf = malloc((size_t)NET_MMSG * NET_RBUF_SLOT)) == NULL) {
		log_err("out of memory");
		free(n);
		return (NULL);
	}
	/* every page touched now: see n_rbuf.  Written through a volatile
	 * pointer: GCC at -O2 turns malloc + memset(0) into calloc, which
	 * writes nothing to a fresh mmap, and the pages would stay
	 * untouched (this costs 128 KB of idle RSS; README, harness 3) */
	net_touch(n->n_rbuf, (size_t)NET_MMSG * NET_RBUF_SLOT);
	n->n_recv = recv;
	n->n_arg = arg;
	if ((n->n_first_ev = evtimer_new(base, net_first_cb, n)) == NULL) {
		log_err("out of memory");
		free(n->n_rbuf);
		free(n);
		return (NULL);
	}
	if (net_sock_open(n, base, 0, port_ike, bypass, freebind) == -1 ||
	    net_sock_open(n, base, 1, port_natt, bypass, freebind) == -1) {
		net_close(n);
		return (NULL);
	}
	log_debug("listening on UDP ports %u and %u", n->n_sock[0].ns_port,
	    n->n_sock[1].ns_port);
	return (n);
}

/*
 * Fills msg (with iov[2] and cbuf) for pkt of len bytes to remote, from
 * local's address if it names one, with marker first if given.
 */
static void
net_msg_fill(struct msghdr *msg, struct iovec *iov, union net_cbuf *cbuf,
    const uint8_t *marker, const uint8_t *pkt, size_t len,
    const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
	struct cmsghdr		*cm;
	struct in_pktinfo	 pi;
	int			 nio = 0;

	if (marker != NULL) {
		iov[nio].iov_base = (void *)marker;
		iov[nio++].iov_len = NET_MARKER_LEN;
	}
	iov[nio].iov_base = (void *)pkt;
	iov[nio++].iov_len = len;
	memset(msg, 0, sizeof(*msg));
	msg->msg_name = (void *)remote;
	msg->msg_namelen = sizeof(*remote);
	msg->msg_iov = iov;
	msg->msg_iovlen = nio;
	if (local->sin_addr.s_addr != htonl(INADDR_ANY)) {
		/* Reply from the address the peer talks to. */
		memset(cbuf, 0, sizeof(*cbuf));
		memset(&pi, 0, sizeof(pi));
		pi.ipi_spec_dst = local->sin_addr;
		msg->msg_control = cbuf->buf;
		msg->msg_controllen = sizeof(cbuf->buf);
		cm = CMSG_FIRSTHDR(msg);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	}
}

static void
net_send_failed(struct net *n, const struct sockaddr_in *remote, int err)
{
	char	 addr[INET_ADDRSTRLEN];

	n->n_cnt.nc_tx_errors++;
	inet_ntop(AF_INET, &remote->sin_addr, addr, sizeof(addr));
	log_debug("sendmsg to %s:%u: %s", addr, ntohs(remote->sin_port),
	    strerror(err));
}

/* Sends what waits for socket i with sendmmsg, and forgets it. */
static void
net_flush_sock(struct net *n, int i)
{
	struct net_sock	*ns = &n->n_sock[i];
	struct mmsghdr	 mm[NET_MMSG];
	struct iovec	 iov[NET_MMSG][2];
	union net_cbuf	 cbuf[NET_MMSG];
	struct net_out	*o;
	unsigned	 k, at = 0, cnt = n->n_nout[i];
	int		 r;

	for (k = 0; k < cnt; k++) {
		o = &n->n_out[i][k];
		net_msg_fill(&mm[k].msg_hdr, iov[k], &cbuf[k], NULL, o->no_pkt,
		    o->no_len, &o->no_local, &o->no_remote);
		mm[k].msg_len = 0;
	}
	while (at < cnt) {
		r = sendmmsg(ns->ns_fd, mm + at, cnt - at, 0);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			/* the first one failed: count it, go on after it */
			net_send_failed(n, &n->n_out[i][at].no_remote,
			    r == -1 ? errno : EIO);
			at++;
			continue;
		}
		n->n_cnt.nc_tx += (unsigned)r;
		at += (unsigned)r;
	}
	for (k = 0; k < cnt; k++) {
		free(n->n_out[i][k].no_pkt);
		n->n_out[i][k].no_pkt = NULL;
	}
	n->n_nout[i] = 0;
}

static void
net_flush(struct net *n)
{
	int	 i;

	for (i = 0; i < 2; i++)
		if (n->n_nout[i] > 0 && n->n_sock[i].ns_fd != -1)
			net_flush_sock(n, i);
}

int
net_send(void *arg, const uint8_t *pkt, size_t len,
    const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
	static const uint8_t	 zero[NET_MARKER_LEN];
	struct net		*n = arg;
	struct net_sock		*ns;
	struct net_out		*o;
	const uint8_t		*marker = NULL;
	struct iovec		 iov[2];
	struct msghdr		 msg;
	union net_cbuf		 cbuf;
	int			 i;

	i = ntohs(local->sin_port) == n->n_sock[1].ns_port ? 1 : 0;
	ns = &n->n_sock[i];
	if (len + NET_MARKER_LEN > NET_DGRAM_MAX) {
		n->n_cnt.nc_tx_errors++;
		log_debug("IKE message too large to send (%zu bytes)", len);
		return (-1);
	}
	/* a NAT keepalive (one 0xFF byte, RFC 3948 §2.3) has no marker */
	if (len != 1 && (ns->ns_natt ||
	    ntohs(remote->sin_port) == NET_PORT_NATT))
		marker = zero;
	if (n->n_batch > 0) {
		/* in a read turn: with the others, at its end */
		if (n->n_nout[i] == NET_MMSG)
			net_flush_sock(n, i);
		o = &n->n_out[i][n->n_nout[i]];
		if ((o->no_pkt = malloc(len + NET_MARKER_LEN)) == NULL) {
			n->n_cnt.nc_tx_errors++;
			return (-1);
		}
		o->no_len = 0;
		if (marker != NULL) {
			memcpy(o->no_pkt, marker, NET_MARKER_LEN);
			o->no_len = NET_MARKER_LEN;
		}
		memcpy(o->no_pkt + o->no_len, pkt, len);
		o->no_len += len;
		o->no_local = *local;
		o->no_remote = *remote;
		n->n_nout[i]++;
		return (0);
	}
	net_msg_fill(&msg, iov, &cbuf, marker, pkt, len, local, remote);
	if (sendmsg(ns->ns_fd, &msg, 0) == -1) {
		net_send_failed(n, remote, errno);
		return (-1);
	}
	n->n_cnt.nc_tx++;
	return (0);
}

int
net_rcvbuf(const struct net *n, int natt)
{
	int		 v;
	socklen_t	 len = sizeof(v);

	if (getsockopt(n->n_sock[natt ? 1 : 0].ns_fd, SOL_SOCKET, SO_RCVBUF,
	    &v, &len) == -1)
		return (-1);
	return (v);
}

static int
net_sock_rcvbuf(struct net_sock *ns, int bytes)
{
	if (setsockopt(ns->ns_fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes,
	    sizeof(bytes)) == -1 && setsockopt(ns->ns_fd, SOL_SOCKET,
	    SO_RCVBUF, &bytes, sizeof(bytes)) == -1) {
		log_debug("SO_RCVBUF %d on UDP port %u: %s", bytes,
		    ns->ns_port, strerror(errno));
		return (-1);
	}
	return (0);
}

int
net_rcvbuf_set(struct net *n, int bytes)
{
	int	 i, got, rv = 0;

	for (i = 0; i < 2; i++) {
		if (net_sock_rcvbuf(&n->n_sock[i], bytes) == -1) {
			log_warn("UDP port %u: the kernel refused a receive "
			    "buffer of %d KB (receive-buffer)",
			    n->n_sock[i].ns_port, bytes / 1024);
			rv = -1;
			continue;
		}
		/* the kernel reports twice what it keeps */
		if ((got = net_rcvbuf(n, i)) >= 0 && got / 2 < bytes) {
			log_info("UDP port %u: receive buffer %d KB, not the "
			    "%d KB asked (receive-buffer): net.core.rmem_max "
			    "caps it without CAP_NET_ADMIN",
			    n->n_sock[i].ns_port, got / 2 / 1024,
			    bytes / 1024);
			if (rv == 0)
				rv = 1;
		}
	}
	return (rv);
}

uint16_t
net_port(const struct net *n, int natt)
{
	return (n->n_sock[natt ? 1 : 0].ns_port);
}

void
net_counters_get(const struct net *n, struct net_counters *c)
{
	*c = n->n_cnt;
}

void
net_close(struct net *n)
{
	int	i;

	if (n == NULL)
		return;
	for (i = 0; i < 2; i++) {
		while (n->n_nout[i] > 0)
			free(n->n_out[i][--n->n_nout[i]].no_pkt);
		if (n->n_sock[i].ns_ev != NULL)
			event_free(n->n_sock[i].ns_ev);
		if (n->n_sock[i].ns_fd != -1)
			close(n->n_sock[i].ns_fd);
	}
	for (; n->n_first_count > 0; n->n_first_count--) {
		free(n->n_first[n->n_first_head].nf_pkt);
		n->n_first_head = (n->n_first_head + 1) % NET_FIRST_QUEUE;
	}
	if (n->n_first_ev != NULL)
		event_free(n->n_first_ev);
	free(n->n_shed);
	free(n->n_rbuf);
	free(n);
}

int
net_freebind(const struct net *n, int natt)
{
	int		 on = 0;
	socklen_t	 len = sizeof(on);

	if (getsockopt(n->n_sock[natt].ns_fd, IPPROTO_IP, IP_FREEBIND, &on,
	    &len) == -1)
		return (-1);
	return (on != 0);
}

int
net_addr_check(struct in_addr addr, const char *gw)
{
	struct sockaddr_in	 sin;
	char			 a[INET_ADDRSTRLEN];
	int			 fd, rv = 0;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = addr;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    errno == EADDRNOTAVAIL) {
		inet_ntop(AF_INET, &addr, a, sizeof(a));
		log_err("gateway %s: address %s is not configured on this "
		    "host; add it to an interface (ip address add %s/32 dev "
		    "IFACE) or correct the gateway's address", gw, a, a);
		rv = -1;
	}
	close(fd);
	return (rv);
}
