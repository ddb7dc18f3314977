/*
 * ikev1_info.c - informational exchanges (RFC 2408 §4.8, RFC 2409 §5.7):
 * HDR*, HASH(1), N/D.  After phase 1 they are always encrypted and
 * hash-protected; an unprotected notification is logged, never acted on.
 * This file handles what the peer sends; what we send (notifies, DELETEs,
 * Dead Peer Detection's R-U-THERE) is the SA core's, ikev1_sa.c.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common/log.h"
#include "ike/ikev1_sa.h"

/* The IPsec SA of sa's tunnel whose outbound SPI is spi, or NULL. */
static struct child_sa *
info_child_by_spi_out(struct isakmp_sa *sa, uint32_t spi)
{
	struct isakmp_sa	*o;
	struct child_sa		*cs;

	/* IPsec SAs outlive the phase 1 that made them (ikev1_rekey.c) */
	ISAKMP_KIN_FOREACH(o, sa) {
		TAILQ_FOREACH(cs, &o->is_b.b_children, cs_entry)
			if (cs->cs_spi_out == spi)
				return (cs);
	}
	return (NULL);
}

/* DELETE of an IPsec SA: the peer's inbound SPI = our outbound one. */
static void
info_delete_child(struct isakmp_sa *sa, const struct ikev1_delete *d)
{
	struct child_sa		*cs;
	struct isakmp_sa	*cur;
	uint32_t		 spi;
	int			 i, lost = 0;

	if (d->d_spi_len != 4)
		return;
	for (i = 0; i < d->d_nspi; i++) {
		memcpy(&spi, d->d_spis + 4 * i, 4);
		/* one whose Quick Mode the peer gave up before HASH(3) */
		if (info_child_by_spi_out(sa, spi) == NULL &&
		    ikev1_quick_peer_gave_up(sa, spi))
			continue;
		while ((cs = info_child_by_spi_out(sa, spi)) != NULL) {
			ike_event(sa->is_b.b_ctx, isakmp_name(sa), "delete",
			    "peer deleted IPsec SA %08x/%08x",
			    ntohl(cs->cs_spi_in), ntohl(spi));
			/* no gap if the successor's HASH(3) got lost */
			(void)ikev1_quick_commit_lost(sa, cs->cs_spi_in);
			/* a rekeyed pair lives on in its successor */
			if (sa->is_b.b_tunnel != NULL && cs->cs_pair >= 0 &&
			    cs->cs_pair < IKE_PAIR_MAX) {
				sa->is_b.b_tunnel->t_pair[cs->cs_pair] = PAIR_NONE;
				lost = 1;
			}
			ikev1_child_remove(cs);
		}
	}
	if (sa->is_b.b_tunnel == NULL)
		return;
	ike_tunnel_update(sa->is_b.b_tunnel);
	/* the tunnel stays up: its initiator sets the pair up again */
	if (lost && (cur = ikev1_tunnel_sa(sa->is_b.b_tunnel)) != NULL)
		isakmp_next(cur);
}

/* Returns 1 if sa was destroyed. */
/* Another ISAKMP SA of sa's tunnel that is established (and not
 * replaced), or NULL. */
static struct isakmp_sa *
info_heir(const struct isakmp_sa *sa)
{
	struct isakmp_sa	*o;

	ISAKMP_KIN_FOREACH(o, sa)
		if (o != sa && o->is_state == ISAKMP_ESTABLISHED &&
		    !o->is_replaced && !o->is_peer_deleted && !o->is_expired)
			return (o);
	return (NULL);
}

static int
info_delete(struct isakmp_sa *sa, const struct ikev1_delete *d)
{
	struct ike_tunnel	*t = sa->is_b.b_tunnel;
	struct isakmp_sa	*heir;

	if (d->d_proto == IKEV1_PROTO_ESP || d->d_proto == IKEV1_PROTO_AH) {
		info_delete_child(sa, d);
		return (0);
	}
	if (d->d_proto != IKEV1_PROTO_ISAKMP || d->d_spi_len != 16 ||
	    memcmp(d->d_spis, sa->is_b.b_spi_i, 8) != 0 ||
	    memcmp(d->d_spis + 8, sa->is_b.b_spi_r, 8) != 0)
		return (0);
	ike_event(sa->is_b.b_ctx, isakmp_name(sa), "delete", "peer deleted the "
	    "ISAKMP SA");
	heir = info_heir(sa);
	if (ikev1_late_drop(sa, heir) && t != NULL) {
		ike_tunnel_update(t);
		/* the peer may not know they are gone: our pairs to set up,
		 * even on the peer's ISAKMP SA, and the rekeys of the SAs
		 * that carry on instead (ikev1_late_drop; without an heir,
		 * the next ISAKMP SA starts them once it is up) */
		if (heir != NULL && t->t_cfg->tn_initiate) {
			heir->is_pairs_ours = 1;
			isakmp_next(heir);
		}
	}
	/*
	 * IPsec SAs do not depend on the ISAKMP SA that made them (RFC 2409
	 * §5.5; a peer that tears the tunnel down deletes them first): a
	 * peer re-authenticating (strongSwan) may delete the old ISAKMP SA
	 * before its new one is up here, and a duplicate dropped by the
	 * peer may hold them.  They go to another ISAKMP SA of the tunnel,
	 * or wait for the next one (which adopts them) for a grace period.
	 */
	if (t != NULL && !sa->is_replaced && !TAILQ_EMPTY(&sa->is_b.b_children) &&
	    heir != NULL) {
		isakmp_children_move(heir, sa);
		ike_sa_base_tunnel_set(&sa->is_b, NULL);
		isakmp_destroy(sa);
		ike_tunnel_update(t);
		return (1);
	}
	if (t != NULL && !sa->is_replaced && !TAILQ_EMPTY(&sa->is_b.b_children)) {
		log_tinfo(isakmp_name(sa), "its IPsec SAs stay and wait for "
		    "the next ISAKMP SA with the peer");
		sa->is_peer_deleted = 1;
		evtimer_del(sa->is_b.b_dpd_ev);
		ikev1_life_replaced(sa, IKEV1_REPLACED_GRACE_MS);
		return (1);
	}
	ike_sa_base_tunnel_set(&sa->is_b, NULL);
	isakmp_destroy(sa);
	if (t != NULL)
		ike_tunnel_sa_gone(t, 0);
	return (1);
}

static void
info_notify(struct isakmp_sa *sa, const struct ikev1_notify *n)
{
	uint32_t	 seq;

	switch (n->n_type) {
	case IKEV1_N_R_U_THERE:
		if (n->n_len != 4)
			return;
		log_tdebug(isakmp_name(sa), "R-U-THERE: answering");
		ikev1_info_notify(sa, IKEV1_PROTO_ISAKMP, n->n_spi,
		    n->n_spi_len, IKEV1_N_R_U_THERE_ACK, n->n_data, 4);
		return;
	case IKEV1_N_R_U_THERE_ACK:
		if (n->n_len != 4)
			return;
		memcpy(&seq, n->n_data, 4);
		seq = ntohl(seq);
		/* an ACK of any R-U-THERE of this probe (retransmissions
		 * carry new sequence numbers, RFC 3706 §7) */
		if (sa->is_dpd_seq != 0 && seq - sa->is_dpd_first <=
		    sa->is_dpd_seq - sa->is_dpd_first)
			ikev1_dpd_arm(sa);
		log_tdebug(isakmp_name(sa), "R-U-THERE-ACK %u", seq);
		return;
	case IKEV1_N_INITIAL_CONTACT:
	case IKEV1_N_RESPONDER_LIFETIME:
	case IKEV1_N_REPLAY_STATUS:
		log_tdebug(isakmp_name(sa), "notify %s",
		    ikev1_notify_name(n->n_type));
		return;
	default:
		break;
	}
	if (n->n_type <= IKEV1_N_ERROR_MAX) {
		log_tinfo(isakmp_name(sa), "peer sent %s",
		    ikev1_notify_name(n->n_type));
		if (n->n_proto == IKEV1_PROTO_ESP ||
		    n->n_proto == IKEV1_PROTO_AH || n->n_type ==
		    IKEV1_N_INVALID_ID_INFORMATION || n->n_type ==
		    IKEV1_N_NO_PROPOSAL_CHOSEN)
			ikev1_quick_refused(sa, n->n_proto, n->n_spi,
			    n->n_spi_len, n->n_type);
	} else
		log_tdebug(isakmp_name(sa), "notify %u ignored", n->n_type);
}

void
ikev1_info_recv(struct isakmp_sa *sa, struct ikev1_msg *m,
    const uint8_t *pkt, size_t len)
{
	struct buf		*out;
	int			 i, rc;

	if ((out = buf_new(len)) == NULL)
		return;
	if ((rc = ikev1_info_open(sa, m, pkt, len, out)) == -1) {
		log_tdebug(isakmp_name(sa), "informational %08x does not "
		    "decrypt/parse: dropped", m->m_hdr.h_msgid);
		sa->is_b.b_ctx->ctx_counters.ic_malformed++;
		goto done;
	}
	v1_msg_log(isakmp_name(sa), "parsed", m);
	if (rc == -2) {
		/* the cookies travel in the clear: anyone can send it */
		ike_rl_log(sa->is_b.b_ctx, IKE_RL_V1_INFO_HASH,
		    sa->is_b.b_remote.sin_addr, isakmp_name(sa),
		    "informational %08x without a valid HASH ignored",
		    m->m_hdr.h_msgid);
		sa->is_b.b_ctx->ctx_counters.ic_bad_icv++;
		goto done;
	}
	v1_natt_authenticated(sa);
	ike_sa_heard(&sa->is_b);
	for (i = 0; i < m->m_nnotify; i++)
		info_notify(sa, &m->m_notify[i]);
	for (i = 0; i < m->m_ndelete; i++)
		if (info_delete(sa, &m->m_delete[i]))
			break;		/* sa is gone */
done:
	buf_free(out);
}
