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
	uint8_t		 n_buf[NET_DGRAM_MAX];
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
net_dgram_handle(struct net_sock *ns, size_t len,
    const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
	struct net	*n = ns->ns_net;
	const uint8_t	*pkt;
	size_t		 pktlen;
	char		 addr[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &remote->sin_addr, addr, sizeof(addr));
	switch (net_strip_marker(n->n_buf, len,
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

/* One recvmsg; 1 = got a datagram, 0 = nothing more queued, -1 = error. */
static int
net_read_one(struct net_sock *ns)
{
	struct net		*n = ns->ns_net;
	struct sockaddr_in	 remote, local;
	struct iovec		 iov;
	struct msghdr		 msg;
	struct cmsghdr		*cm;
	struct in_pktinfo	 pi;
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	}			 cbuf;
	ssize_t			 r;

	memset(&msg, 0, sizeof(msg));
	memset(&remote, 0, sizeof(remote));
	iov.iov_base = n->n_buf;
	iov.iov_len = sizeof(n->n_buf);
	msg.msg_name = &remote;
	msg.msg_namelen = sizeof(remote);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);
	r = recvmsg(ns->ns_fd, &msg, 0);
	if (r == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return (0);
		if (errno == EINTR)
			return (1);
		log_debug("recvmsg on UDP port %u: %s", ns->ns_port,
		    strerror(errno));
		return (-1);
	}
	if (remote.sin_family != AF_INET ||
	    msg.msg_namelen < sizeof(remote))
		return (1);
	if (msg.msg_flags & MSG_TRUNC) {
		n->n_cnt.nc_truncated++;
		log_debug("truncated datagram on UDP port %u dropped",
		    ns->ns_port);
		return (1);
	}
	memset(&local, 0, sizeof(local));
	local.sin_family = AF_INET;
	local.sin_port = htons(ns->ns_port);
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(pi))) {
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			/* The datagram's destination: our gateway address. */
			local.sin_addr = pi.ipi_addr;
		}
	}
	net_dgram_handle(ns, (size_t)r, &local, &remote);
	return (1);
}

static void
net_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct net_sock	*ns = arg;
	int		 i;

	for (i = 0; i < NET_READ_BURST; i++)
		if (net_read_one(ns) != 1)
			break;
}

static int
net_sock_open(struct net *n, struct event_base *base, int natt,
    uint16_t port, int (*bypass)(int), int freebind)
{
	struct net_sock		*ns = &n->n_sock[natt];
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof(sin);
	int			 on = 1, encap = UDP_ENCAP_ESPINUDP, rcvbuf;

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
	rcvbuf = NET_RCVBUF;
	if (setsockopt(ns->ns_fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
	    sizeof(rcvbuf)) == -1 && setsockopt(ns->ns_fd, SOL_SOCKET,
	    SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) == -1)
		log_debug("SO_RCVBUF %d on UDP port %u: %s", rcvbuf, port,
		    strerror(errno));
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
	n->n_recv = recv;
	n->n_arg = arg;
	if ((n->n_first_ev = evtimer_new(base, net_first_cb, n)) == NULL) {
		log_err("out of memory");
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

int
net_send(void *arg, const uint8_t *pkt, size_t len,
    const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
	static const uint8_t	 marker[NET_MARKER_LEN];
	struct net		*n = arg;
	struct net_sock		*ns;
	struct iovec		 iov[2];
	struct msghdr		 msg;
	struct cmsghdr		*cm;
	struct in_pktinfo	 pi;
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	}			 cbuf;
	char			 addr[INET_ADDRSTRLEN];
	int			 nio = 0;

	ns = ntohs(local->sin_port) == n->n_sock[1].ns_port ?
	    &n->n_sock[1] : &n->n_sock[0];
	if (len + NET_MARKER_LEN > NET_DGRAM_MAX) {
		n->n_cnt.nc_tx_errors++;
		log_debug("IKE message too large to send (%zu bytes)", len);
		return (-1);
	}
	/* a NAT keepalive (one 0xFF byte, RFC 3948 §2.3) has no marker */
	if (len != 1 && (ns->ns_natt ||
	    ntohs(remote->sin_port) == NET_PORT_NATT)) {
		iov[nio].iov_base = (void *)marker;
		iov[nio++].iov_len = sizeof(marker);
	}
	iov[nio].iov_base = (void *)pkt;
	iov[nio++].iov_len = len;
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = (void *)remote;
	msg.msg_namelen = sizeof(*remote);
	msg.msg_iov = iov;
	msg.msg_iovlen = nio;
	if (local->sin_addr.s_addr != htonl(INADDR_ANY)) {
		/* Reply from the address the peer talks to. */
		memset(&cbuf, 0, sizeof(cbuf));
		memset(&pi, 0, sizeof(pi));
		pi.ipi_spec_dst = local->sin_addr;
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = sizeof(cbuf.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	}
	if (sendmsg(ns->ns_fd, &msg, 0) == -1) {
		n->n_cnt.nc_tx_errors++;
		inet_ntop(AF_INET, &remote->sin_addr, addr, sizeof(addr));
		log_debug("sendmsg to %s:%u: %s", addr,
		    ntohs(remote->sin_port), strerror(errno));
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
