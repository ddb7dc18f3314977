/*
 * ikev2_info.c - the INFORMATIONAL exchange (RFC 7296 §1.4): DELETE of
 * CHILD SAs and of the IKE SA, liveness checks (an empty request).
 *
 *   HDR, SK { [D...] }  -->
 *                          <--  HDR, SK { [D...] }
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/log.h"
#include "ike/ike_sa.h"
#include "kernel/kernel.h"


static uint8_t
ikev2_info_proto(uint8_t ipproto)
{
	return (ipproto == IPPROTO_AH ? IKEV2_PROTO_AH : IKEV2_PROTO_ESP);
}

/* §1.4.1: a DELETE names the SA by the SPI its sender receives on. */
int
ikev2_info_delete_child(struct ike_sa *sa, struct child_sa *cs)
{
	struct ike_msg_out	 mo;

	if (ike_msg_begin(sa, &mo, IKEV2_EXCH_INFORMATIONAL, 0, 0) == -1)
		return (-1);
	if (ikev2_add_delete(ike_msg_w(&mo), ikev2_info_proto(cs->cs_proto),
	    4, 1, (const uint8_t *)&cs->cs_spi_in) == -1) {
		ike_msg_abort(&mo);
		return (-1);
	}
	cs->cs_delete_due = 0;
	if (ike_msg_send(sa, &mo, IKE_REQ_CHILD_DELETE, cs) == -1)
		return (-1);
	/* an EXPIRED one stays as the template of its successor */
	if (cs->cs_state != CHILD_SA_EXPIRED)
		child_sa_set_state(cs, CHILD_SA_DELETING);
	return (0);
}

int
ikev2_info_delete_wait(struct ike_sa *sa)
{
	struct ike_msg_out	 mo;

	if (ike_msg_begin(sa, &mo, IKEV2_EXCH_INFORMATIONAL, 0, 0) == -1)
		return (-1);
	if (ikev2_add_delete(ike_msg_w(&mo), IKEV2_PROTO_IKE, 0, 0,
	    NULL) == -1) {
		ike_msg_abort(&mo);
		return (-1);
	}
	if (ike_msg_send(sa, &mo, IKE_REQ_IKE_DELETE, NULL) == -1)
		return (-1);
	ike_sa_set_state(sa, IKE_SA_DELETING);
	return (0);
}

/*
 * Dead peer detection's probe (sa_common.c drives it): an empty
 * INFORMATIONAL request (§2.4), retransmitted as any request is.
 */
int
ikev2_info_dpd_probe(struct ike_sa *sa, int again)
{
	struct ike_msg_out	 mo;

	(void)again;	/* never: so_dpd_resend is 0 */
	/* a request in flight: its retransmissions watch the peer */
	if (sa->sa_b.b_rq.x_out != NULL)
		return (1);
	if (ike_msg_begin(sa, &mo, IKEV2_EXCH_INFORMATIONAL, 0, 0) == -1 ||
	    ike_msg_send(sa, &mo, IKE_REQ_LIVENESS, NULL) == -1)
		return (-1);
	return (0);
}

/*
 * §2.8.2: the peer deletes the new IKE SA it made while our own rekey of
 * the same SA was in flight: it lost the collision (its SA is the
 * redundant one).  The CHILD SAs that had moved to it go back to the old
 * SA, which stays until our rekey's answer (or its failure) settles it.
 * 1 if sa was such an SA (it is gone then).
 */
static int
ikev2_info_redundant_deleted(struct ike_sa *sa)
{
	struct ike_sa	*old, *o;
	struct child_sa	*cs, *next;

	old = NULL;
	IKEV2_SA_FOREACH(o, sa->sa_b.b_ctx)
		if (o->sa_rekey_peer == sa)
			old = o;
	if (old == NULL)
		return (0);
	log_tinfo(ike_sa_name(sa), "simultaneous IKE SA rekey: the peer "
	    "deleted its redundant new SA; the CHILD SAs stay on the old one "
	    "until our rekey completes");
	old->sa_rekey_peer = NULL;
	/* one that a CHILD SA exchange on sa still creates goes with sa */
	for (cs = TAILQ_FIRST(&sa->sa_b.b_children); cs != NULL; cs = next) {
		next = TAILQ_NEXT(cs, cs_entry);
		if (cs == sa->sa_req_child && sa->sa_b.b_rq.x_out != NULL &&
		    (sa->sa_req_kind == IKE_REQ_CHILD_NEW ||
		    sa->sa_req_kind == IKE_REQ_CHILD_REKEY))
			continue;
		TAILQ_REMOVE(&sa->sa_b.b_children, cs, cs_entry);
		cs->cs_owner = old;
		TAILQ_INSERT_TAIL(&old->sa_b.b_children, cs, cs_entry);
	}
	ike_sa_set_state(old, IKE_SA_ESTABLISHED);
	ike_sa_base_tunnel_set(&sa->sa_b, NULL);
	ike_sa_set_state(sa, IKE_SA_DELETING);
	ike_sa_destroy(sa);
	return (1);
}

/*
 * §2.8.1: the peer deletes the CHILD SA it made by rekeying one that we
 * rekey too, before our answer came: it lost the collision.  The old SA,
 * marked REKEYED when the peer's request came, carries the traffic again
 * until our own rekey completes.
 */
static void
ikev2_info_redundant_child(struct ike_sa *sa, const struct child_sa *cs)
{
	struct child_sa	*old;

	if (cs->cs_state != CHILD_SA_INSTALLED)
		return;
	TAILQ_FOREACH(old, &sa->sa_b.b_children, cs_entry)
		if (old->cs_state == CHILD_SA_REKEYED &&
		    old->cs_peer_rekey_spi == cs->cs_spi_in && !old->cs_delete_due)
			break;
	if (old == NULL)
		return;
	log_tinfo(ike_sa_name(sa), "simultaneous CHILD SA rekey: the peer "
	    "deleted its redundant %08x_i; %08x_i stays until our rekey "
	    "completes", ntohl(cs->cs_spi_in), ntohl(old->cs_spi_in));
	old->cs_peer_rekey_spi = 0;
	child_sa_set_state(old, CHILD_SA_INSTALLED);
}

/* Another installed CHILD SA carries cs's segment pair. */
static int
ikev2_info_pair_covered(struct ike_sa *sa, const struct child_sa *cs)
{
	const struct child_sa	*o;

	TAILQ_FOREACH(o, &sa->sa_b.b_children, cs_entry)
		if (o != cs && o->cs_pair == cs->cs_pair &&
		    o->cs_single == cs->cs_single &&
		    o->cs_state == CHILD_SA_INSTALLED)
			return (1);
	return (0);
}

/*
 * Removes the CHILD SAs the peer deleted; fills our SPIs for the answer.
 * On an IKE SA we rekeyed, the CHILD SAs moved to the new one (§2.18);
 * the peer may still send the DELETE on the old one (it sent it first).
 */
static int
ikev2_info_child_deletes(struct ike_sa *sa, const struct ikev2_delete *d,
    uint8_t *ours, int max)
{
	struct ike_tunnel	*t = sa->sa_b.b_tunnel;
	struct child_sa		*cs;
	struct ike_sa		*own;
	uint32_t		 spi;
	int			 i, n = 0;

	if (d->d_spi_len != 4)
		return (0);
	for (i = 0; i < d->d_nspi; i++) {
		memcpy(&spi, d->d_spis + 4 * i, 4);
		if ((cs = ike_sa_child_by_spi(sa, spi, 0)) == NULL &&
		    sa->sa_state == IKE_SA_REKEYED && t != NULL &&
		    (own = ike_tunnel_sa(t)) != NULL)
			cs = ike_sa_child_by_spi(own, spi, 0);
		if (cs == NULL) {
			log_tdebug(ike_sa_name(sa), "DELETE for unknown SPI "
			    "%08x", ntohl(spi));
			continue;
		}
		ike_event(sa->sa_b.b_ctx, ike_sa_name(sa), "delete", "peer "
		    "deleted CHILD SA %08x_i %08x_o", ntohl(cs->cs_spi_in),
		    ntohl(cs->cs_spi_out));
		own = cs->cs_owner;
		ikev2_info_redundant_child(own, cs);
		if (n < max) {
			memcpy(ours + 4 * n, &cs->cs_spi_in, 4);
			n++;
		}
		/* a pair the peer closed (not a rekey, nor the redundant SA
		 * of a rekey collision) is not re-created */
		if (t != NULL && cs->cs_pair >= 0 &&
		    cs->cs_state == CHILD_SA_INSTALLED &&
		    !ikev2_info_pair_covered(own, cs))
			ikev2_child_pairs_set(t, cs, PAIR_FAILED);
		/* it expired here too: the pair is set up afresh */
		if (t != NULL && cs->cs_pair >= 0 &&
		    cs->cs_state == CHILD_SA_EXPIRED)
			ikev2_child_pairs_set(t, cs, PAIR_NONE);
		ike_sa_child_remove(own, cs);
	}
	return (n);
}

void
ikev2_info_request(struct ike_sa *sa, struct ikev2_msg *m)
{
	struct ike_tunnel	*t = sa->sa_b.b_tunnel;
	struct ike_msg_out	 mo;
	uint8_t			 spis[IKEV2_MAX_DELETE][4 * 64];
	int			 nspi[IKEV2_MAX_DELETE] = { 0 };
	int			 i, ike = 0;

	for (i = 0; i < m->m_ndelete; i++) {
		if (m->m_delete[i].d_proto == IKEV2_PROTO_IKE)
			ike = 1;
		else
			nspi[i] = ikev2_info_child_deletes(sa, &m->m_delete[i],
			    spis[i], 64);
	}
	if (m->m_ndelete == 0)
		log_tdebug(ike_sa_name(sa), "liveness check answered");
	if (ike_msg_begin(sa, &mo, IKEV2_EXCH_INFORMATIONAL, 1,
	    m->m_hdr.h_msgid) == -1)
		return;
	/* §1.4.1: answer the deleted IKE SA empty, CHILD SAs with ours */
	for (i = 0; !ike && i < m->m_ndelete; i++)
		if (nspi[i] > 0 && ikev2_add_delete(ike_msg_w(&mo),
		    m->m_delete[i].d_proto, 4, nspi[i], spis[i]) == -1) {
			ike_msg_abort(&mo);
			return;
		}
	ike_msg_send(sa, &mo, IKE_REQ_NONE, NULL);
	if (ike && ikev2_info_redundant_deleted(sa))
		return;
	if (ike) {
		ike_event(sa->sa_b.b_ctx, ike_sa_name(sa), "delete", "peer "
		    "deleted the %sIKE SA", sa->sa_state == IKE_SA_REKEYED ?
		    "rekeyed " : "");
		ike_sa_set_state(sa, IKE_SA_DELETING);
		ike_sa_destroy(sa);
		if (t != NULL)
			ike_tunnel_sa_gone(t, 0);
		/* a DELETE that was out on it may be due on its successor */
		if (t != NULL && (sa = ike_tunnel_sa(t)) != NULL)
			ike_sa_next(sa);
		return;
	}
	if (t != NULL)
		ike_tunnel_update(t);
	ike_sa_next(sa);
}

void
ikev2_info_response(struct ike_sa *sa, struct ikev2_msg *m)
{
	struct child_sa	*cs = sa->sa_req_child;

	if (sa->sa_req_kind == IKE_REQ_IKE_DELETE) {
		log_tdebug(ike_sa_name(sa), "peer confirmed the IKE SA's "
		    "DELETE");
		ike_sa_destroy(sa);
		return;
	}
	/* the CHILD SA may have moved to the SA that rekeyed sa */
	if (sa->sa_req_kind == IKE_REQ_CHILD_DELETE && cs != NULL &&
	    cs->cs_state != CHILD_SA_EXPIRED)
		ike_sa_child_remove(cs->cs_owner, cs);
	if (sa->sa_b.b_tunnel != NULL)
		ike_tunnel_update(sa->sa_b.b_tunnel);
	ike_sa_next(sa);
}
