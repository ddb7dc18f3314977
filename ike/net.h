/*
 * net.h - gatewayd's IKE sockets: UDP 500 and 4500 bound once to
 * INADDR_ANY; IP_PKTINFO tells the local address of each datagram and
 * chooses the source address of each reply.  The 4500 socket carries
 * ESP-in-UDP, which the kernel handles (UDP_ENCAP_ESPINUDP); IKE on it
 * comes with the 4-byte non-ESP marker (RFC 3948 §2.2), which net strips
 * on receipt and adds on sending.
 */
#ifndef GW_NET_H
#define GW_NET_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define NET_PORT_IKE	500
#define NET_PORT_NATT	4500
#define NET_DGRAM_MAX	65535
#define NET_MARKER_LEN	4		/* non-ESP marker, RFC 3948 §2.2 */

/* What a datagram is (net_strip_marker). */
#define NET_DGRAM_IKE		0
#define NET_DGRAM_ESP		1	/* no non-ESP marker: ESP in UDP */
#define NET_DGRAM_KEEPALIVE	2	/* NAT keepalive, RFC 3948 §2.3 */
#define NET_DGRAM_SHORT		3	/* too short to be anything */

struct net_counters {
	uint64_t	 nc_rx;		/* IKE datagrams passed to the engine */
	uint64_t	 nc_tx;		/* datagrams sent */
	uint64_t	 nc_tx_errors;	/* sendmsg failures */
	uint64_t	 nc_short;	/* dropped: too short */
	uint64_t	 nc_esp;	/* dropped: ESP reaching userspace */
	uint64_t	 nc_keepalive;	/* dropped: NAT keepalives */
	uint64_t	 nc_truncated;	/* dropped: larger than the buffer */
	uint64_t	 nc_first_shed;	/* dropped: first messages beyond the
					   queue (net.c, NET_FIRST_QUEUE) */
};

/*
 * Classifies a datagram received on local port (host order): on
 * NET_PORT_NATT IKE must start with four zero bytes, which are skipped.
 * Returns NET_DGRAM_*; for NET_DGRAM_IKE, *out and *outlen lend the IKE
 * message inside buf.
 */
int		 net_strip_marker(const uint8_t *buf, size_t len, uint16_t port,
		    const uint8_t **out, size_t *outlen);

typedef void	 net_recv_fn(void *arg, const uint8_t *pkt, size_t len,
		    const struct sockaddr_in *local,
		    const struct sockaddr_in *remote);

struct event_base;
struct net;

/*
 * Opens and registers the two sockets (port_ike, port_natt; 0 picks a free
 * port, for tests).  bypass (may be NULL) is applied to both sockets so
 * IKE is not caught by IPsec policies; recv gets each IKE message, marker
 * removed.  Returns NULL after logging why.
 */
struct net	*net_open(struct event_base *base, uint16_t port_ike,
		    uint16_t port_natt, int (*bypass)(int fd),
		    net_recv_fn *recv, void *arg);
/*
 * The same, with IP_FREEBIND on both sockets when freebind is set (HA:
 * the node starts on a host that does not hold the gateway's address).
 */
struct net	*net_open_freebind(struct event_base *base, uint16_t port_ike,
		    uint16_t port_natt, int (*bypass)(int fd),
		    net_recv_fn *recv, void *arg, int freebind);
/* 1 if the socket (0 IKE, 1 NAT-T) has IP_FREEBIND, 0 if not, -1. */
int		 net_freebind(const struct net *n, int natt);
/*
 * Sends pkt from local (address and port: the port picks the socket) to
 * remote, with the non-ESP marker when either port is the NAT-T port.
 * 0 or -1.  Fits struct ike_net's in_send with arg = the struct net.
 */
int		 net_send(void *arg, const uint8_t *pkt, size_t len,
		    const struct sockaddr_in *local,
		    const struct sockaddr_in *remote);
/*
 * An IKE datagram (marker removed) as read from a socket: a first message
 * waits in the queue (or is shed), another goes to recv at once.  The
 * socket path's, and the tests'.
 */
void		 net_ike_input(struct net *n, const uint8_t *pkt, size_t len,
		    const struct sockaddr_in *local,
		    const struct sockaddr_in *remote);
/* The bound ports (host order), 0 = IKE socket, 1 = NAT-T socket. */
uint16_t	 net_port(const struct net *n, int natt);
/* The socket's receive buffer in bytes as the kernel reports it (twice
 * what was set, for its bookkeeping), or -1. */
int		 net_rcvbuf(const struct net *n, int natt);
/*
 * Asks for a receive buffer of bytes on both sockets (receive-buffer;
 * SO_RCVBUFFORCE, else SO_RCVBUF, which net.core.rmem_max caps).  0 when
 * each socket has at least that much, 1 when the kernel gave less
 * (logged), -1 when it refused.
 */
int		 net_rcvbuf_set(struct net *n, int bytes);
void		 net_counters_get(const struct net *n, struct net_counters *c);
/*
 * Checks that addr is configured on this host (a test bind); -1 after
 * logging what to do, naming the gateway gw.
 */
int		 net_addr_check(struct in_addr addr, const char *gw);
/* Unregisters and closes; accepts NULL. */
void		 net_close(struct net *n);

#endif
