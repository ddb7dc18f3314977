/*
 * ikev1_natt.c - IKEv1 NAT traversal: port floating (RFC 3947 §4), the
 * UDP-Encapsulated-Tunnel mode of Quick Mode (RFC 3947 §5.1), ESP in UDP
 * for the IPsec SAs (RFC 3948) and NAT keepalives (RFC 3948 §2.3).
 *
 * NAT detection itself (the NAT-D payloads and the vendor ID) is in
 * ikev1_main.c; it sets is_b.b_nat and is_b.b_nat_local.  Following a peer that
 * moved and the keepalives are the SA core's (ikev1_sa.c).  The 4500 socket (net.c)
 * adds and strips the non-ESP marker, so the engine only picks ports.
 */
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include <event2/event.h>

#include "common/buf.h"
#include "common/log.h"
#include "ike/ikev1_sa.h"

void
v1_natt_float(struct isakmp_sa *sa)
{
	if (!sa->is_b.b_nat)
		return;
	/* RFC 3947 §4: both ports 4500 from the ID (MM 5) or HASH (AM 3) on */
	if (ntohs(sa->is_b.b_remote.sin_port) != IKEV1_NATT_PORT) {
		sa->is_b.b_local.sin_port = htons(IKEV1_NATT_PORT);
		sa->is_b.b_remote.sin_port = htons(IKEV1_NATT_PORT);
		log_tinfo(isakmp_name(sa), "NAT between us and the peer: IKE "
		    "moves to port %d", IKEV1_NATT_PORT);
	}
	if (sa->is_b.b_nat_local)
		ike_sa_base_keepalive_start(&sa->is_b);
}

void
v1_natt_authenticated(struct isakmp_sa *sa)
{
	if (sa->is_rx_remote.sin_family != AF_INET)
		return;
	sa->is_rx_remote.sin_family = 0;
	isakmp_follow(sa, &sa->is_rx_local, &sa->is_rx_remote);
}

uint16_t
v1_natt_encap(const struct isakmp_sa *sa)
{
	/* RFC 3947 §5.1; the draft number is only recognised (below) */
	return (sa->is_b.b_nat ? IKEV1_ENCAP_UDP_TUNNEL : IKEV1_ENCAP_TUNNEL);
}

int
v1_natt_encap_ok(uint16_t mode)
{
	return (mode == IKEV1_ENCAP_TUNNEL ||
	    mode == IKEV1_ENCAP_UDP_TUNNEL ||
	    mode == IKEV1_ENCAP_UDP_TUNNEL_DRAFT);
}

void
v1_natt_child(const struct isakmp_sa *sa, struct child_sa *cs)
{
	if (!sa->is_b.b_nat)
		return;
	/* RFC 3948 §2.1: ESP in UDP on the ports IKE uses now */
	cs->cs_encap_sport = ntohs(sa->is_b.b_local.sin_port);
	cs->cs_encap_dport = ntohs(sa->is_b.b_remote.sin_port);
}
