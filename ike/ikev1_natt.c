/*
 * ikev1_natt.c - IKEv1 NAT traversal: port floating (RFC 3947 §4), the
 * UDP-Encapsulated-Tunnel mode of Quick Mode (RFC 3947 §5.1), ESP in UDP
 * for the IPsec SAs (RFC 3948) and NAT keepalives (RFC 3948 §2.3).
 *
 * NAT detection itself (the NAT-D payloads and the vendor ID) is in
 * ikev1_main.c; it sets is_nat and is_nat_local.  The 4500 socket (net.c)
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

/* RFC 3948 §2.3: a single octet 0xFF, never an IKE or ESP packet. */
static const uint8_t v1_natt_ka_byte = 0xff;

static void
v1_natt_ka_cb(int fd, short ev, void *arg)
{
	struct isakmp_sa	*sa = arg;
	struct timeval		 tv = { IKEV1_NATT_KEEPALIVE_S, 0 };
	struct buf		*b;

	(void)fd;
	(void)ev;
	if (sa->is_state == ISAKMP_DEAD)
		return;
	if ((b = buf_new_data(&v1_natt_ka_byte, 1)) != NULL) {
		ike_net_send(sa->is_ctx, b, &sa->is_local, &sa->is_remote,
		    isakmp_name(sa));
		buf_free(b);
	}
	evtimer_add(sa->is_natt_ka_ev, &tv);
}

/* Behind the NAT: keep its mapping alive while the SA lives. */
static void
v1_natt_ka_start(struct isakmp_sa *sa)
{
	struct timeval	 tv = { IKEV1_NATT_KEEPALIVE_S, 0 };

	if (sa->is_natt_ka_ev != NULL)
		return;
	sa->is_natt_ka_ev = evtimer_new(sa->is_ctx->ctx_base, v1_natt_ka_cb,
	    sa);
	if (sa->is_natt_ka_ev == NULL) {
		log_tinfo(isakmp_name(sa), "no NAT keepalive timer");
		return;
	}
	evtimer_add(sa->is_natt_ka_ev, &tv);
}

void
v1_natt_float(struct isakmp_sa *sa)
{
	if (!sa->is_nat)
		return;
	/* RFC 3947 §4: both ports 4500 from the ID (MM 5) or HASH (AM 3) on */
	if (ntohs(sa->is_remote.sin_port) != IKEV1_NATT_PORT) {
		sa->is_local.sin_port = htons(IKEV1_NATT_PORT);
		sa->is_remote.sin_port = htons(IKEV1_NATT_PORT);
		log_tinfo(isakmp_name(sa), "NAT between us and the peer: IKE "
		    "moves to port %d", IKEV1_NATT_PORT);
	}
	if (sa->is_nat_local)
		v1_natt_ka_start(sa);
}

static void
v1_natt_follow(struct isakmp_sa *sa, const struct sockaddr_in *local,
    const struct sockaddr_in *remote)
{
	struct child_sa	*cs;
	char		 a[INET_ADDRSTRLEN];
	int		 n = 0;

	/*
	 * RFC 3947 §4: the responder answers on the ports the initiator
	 * moved to.  Only a peer that sent the RFC 3947 vendor ID, only to
	 * our 4500 and only from the address it already has: the NAT may
	 * give the 4500 flow another port than the 500 one (or a new one
	 * later), but a different address is not followed.
	 */
	if (!sa->is_natd || ntohs(local->sin_port) != IKEV1_NATT_PORT ||
	    remote->sin_addr.s_addr != sa->is_remote.sin_addr.s_addr ||
	    (remote->sin_port == sa->is_remote.sin_port &&
	    local->sin_port == sa->is_local.sin_port))
		return;
	inet_ntop(AF_INET, &remote->sin_addr, a, sizeof(a));
	/* RFC 7296 §2.23 (the same holds here): behind a NAT, one packet
	 * must not move us once the SA is up */
	if (sa->is_nat_local && sa->is_state == ISAKMP_ESTABLISHED) {
		log_tdebug(isakmp_name(sa), "a message from the peer came from "
		    "%s[%u]: not followed, we are behind a NAT", a,
		    ntohs(remote->sin_port));
		return;
	}
	log_tinfo(isakmp_name(sa), "the peer moved to %s[%u] (our port %u)",
	    a, ntohs(remote->sin_port), ntohs(local->sin_port));
	sa->is_remote.sin_port = remote->sin_port;
	sa->is_local.sin_port = local->sin_port;
	if (sa->is_nat_local)
		v1_natt_ka_start(sa);
	/* its ESP in UDP follows the new mapping (RFC 3948) */
	TAILQ_FOREACH(cs, &sa->is_children, cs_entry)
		if (child_sa_move(cs, sa->is_ctx->ctx_kernel,
		    sa->is_remote.sin_addr, ntohs(remote->sin_port)) == 1)
			n++;
	if (n > 0)
		log_tinfo(isakmp_name(sa), "%d IPsec SA(s) follow the peer to "
		    "port %u", n, ntohs(remote->sin_port));
}

void
v1_natt_recv(struct isakmp_sa *sa, const struct sockaddr_in *local,
    const struct sockaddr_in *remote)
{
	/* phase 1: the float itself (RFC 3947 §4), before HASH_I */
	if (sa->is_state != ISAKMP_ESTABLISHED) {
		v1_natt_follow(sa, local, remote);
		return;
	}
	sa->is_rx_local = *local;
	sa->is_rx_remote = *remote;
	sa->is_rx_remote.sin_family = AF_INET;
}

void
v1_natt_authenticated(struct isakmp_sa *sa)
{
	if (sa->is_rx_remote.sin_family != AF_INET)
		return;
	sa->is_rx_remote.sin_family = 0;
	v1_natt_follow(sa, &sa->is_rx_local, &sa->is_rx_remote);
}

uint16_t
v1_natt_encap(const struct isakmp_sa *sa)
{
	/* RFC 3947 §5.1; the draft number is only recognised (below) */
	return (sa->is_nat ? IKEV1_ENCAP_UDP_TUNNEL : IKEV1_ENCAP_TUNNEL);
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
	if (!sa->is_nat)
		return;
	/* RFC 3948 §2.1: ESP in UDP on the ports IKE uses now */
	cs->cs_encap_sport = ntohs(sa->is_local.sin_port);
	cs->cs_encap_dport = ntohs(sa->is_remote.sin_port);
}

void
v1_natt_free(struct isakmp_sa *sa)
{
	if (sa->is_natt_ka_ev != NULL) {
		event_free(sa->is_natt_ka_ev);
		sa->is_natt_ka_ev = NULL;
	}
}
