/*
 * ikev1_info.c - informational exchanges (RFC 2408 §4.8, RFC 2409 §5.7):
 * HDR*, HASH(1), N/D.  After phase 1 they are always encrypted and
 * hash-protected; an unprotected notification is logged, never acted on.
 * Dead Peer Detection (RFC 3706): R-U-THERE / R-U-THERE-ACK.
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

enum info_kind { INFO_NOTIFY, INFO_DELETE };

/* Builds, protects and sends one informational message. */
static int
info_send(struct isakmp_sa *sa, enum info_kind kind, uint8_t proto,
    const uint8_t *spi, uint8_t spilen, uint16_t type, const uint8_t *data,
    size_t len)
{
	struct pld_writer	 w;
	struct buf		*b = NULL;
	uint8_t			 iv[CRYPTO_MAX_BLOCK];
	uint32_t		 msgid;
	size_t			 hoff, hl = prf_len(sa->is_prf);
	int			 rc = -1;

	if (!sa->is_keys_ok || sa->is_state != ISAKMP_ESTABLISHED)
		return (-1);
	do {
		if (RAND_bytes((uint8_t *)&msgid, sizeof(msgid)) != 1)
			return (-1);
	} while (msgid == 0);
	if (ikev1_iv_phase2(sa->is_prf, sa->is_iv, sa->is_blen, msgid,
	    iv) == -1 ||
	    v1_msg_begin(sa, &b, &w, IKEV1_EXCH_INFORMATIONAL, msgid) == -1 ||
	    ikev1_add_hash(&w, NULL, hl, &hoff) == -1)
		goto done;
	if (kind == INFO_NOTIFY ? ikev1_add_notify(&w, proto, spi, spilen,
	    type, data, len) == -1 : ikev1_add_delete(&w, proto, spilen, 1,
	    spi) == -1)
		goto done;
	/* HASH(1) = prf(SKEYID_a, M-ID | N/D) (RFC 2409 §5.7) */
	if (ikev1_hash_qm1(sa->is_prf, sa->is_keys.k_a, sa->is_keys.k_len,
	    msgid, b->buf_data + hoff + hl, b->buf_len - hoff - hl,
	    b->buf_data + hoff) == -1 || v1_msg_seal(sa, b, iv, NULL) == -1)
		goto done;
	v1_send_raw(sa, b);
	rc = 0;
done:
	buf_free(b);
	return (rc);
}

int
ikev1_info_notify(struct isakmp_sa *sa, uint8_t proto, const uint8_t *spi,
    uint8_t spilen, uint16_t type, const uint8_t *data, size_t len)
{
	return (info_send(sa, INFO_NOTIFY, proto, spi, spilen, type, data,
	    len));
}

int
ikev1_info_delete_child(struct isakmp_sa *sa, struct child_sa *cs)
{
	/* RFC 2408 §3.15: the SPI of our inbound SA */
	return (info_send(sa, INFO_DELETE, cs->cs_proto == IPPROTO_AH ?
	    IKEV1_PROTO_AH : IKEV1_PROTO_ESP, (const uint8_t *)&cs->cs_spi_in,
	    4, 0, NULL, 0));
}

int
ikev1_info_delete_isakmp(struct isakmp_sa *sa)
{
	struct child_sa	*cs;
	uint8_t		 spi[16];

	TAILQ_FOREACH(cs, &sa->is_children, cs_entry)
		if (cs->cs_state == CHILD_SA_INSTALLED)
			ikev1_info_delete_child(sa, cs);
	memcpy(spi, sa->is_cky_i, 8);
	memcpy(spi + 8, sa->is_cky_r, 8);
	log_tinfo(isakmp_name(sa), "sending DELETE of the ISAKMP SA");
	return (info_send(sa, INFO_DELETE, IKEV1_PROTO_ISAKMP, spi, 16, 0,
	    NULL, 0));
}

void
ikev1_info_plain(struct ike_ctx *ctx, const struct ikev1_msg *m)
{
	int	i;

	for (i = 0; i < m->m_nnotify; i++)
		log_info("unauthenticated IKEv1 notify %s ignored",
		    ikev1_notify_name(m->m_notify[i].n_type));
	if (m->m_ndelete > 0)
		log_info("unauthenticated IKEv1 DELETE ignored");
	ctx->ctx_counters.ic_dropped++;
}

/* The IPsec SA of sa's tunnel whose outbound SPI is spi, or NULL. */
static struct child_sa *
info_child_by_spi_out(struct isakmp_sa *sa, uint32_t spi)
{
	struct isakmp_sa	*o;
	struct child_sa		*cs;

	/* IPsec SAs outlive the phase 1 that made them (ikev1_rekey.c) */
	TAILQ_FOREACH(o, &sa->is_ctx->ctx_v1->vc_sas, is_entry) {
		if (o != sa && (sa->is_tunnel == NULL ||
		    o->is_tunnel != sa->is_tunnel))
			continue;
		TAILQ_FOREACH(cs, &o->is_children, cs_entry)
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
		while ((cs = info_child_by_spi_out(sa, spi)) != NULL) {
			ike_event(sa->is_ctx, isakmp_name(sa), "delete",
			    "peer deleted IPsec SA %08x/%08x",
			    ntohl(cs->cs_spi_in), ntohl(spi));
			/* no gap if the successor's HASH(3) got lost */
			(void)ikev1_quick_commit_lost(sa, cs->cs_spi_in);
			/* a rekeyed pair lives on in its successor */
			if (sa->is_tunnel != NULL && cs->cs_pair >= 0 &&
			    cs->cs_pair < IKE_PAIR_MAX) {
				sa->is_tunnel->t_pair[cs->cs_pair] = PAIR_NONE;
				lost = 1;
			}
			ikev1_child_remove(cs);
		}
	}
	if (sa->is_tunnel == NULL)
		return;
	ike_tunnel_update(sa->is_tunnel);
	/* the tunnel stays up: its initiator sets the pair up again */
	if (lost && (cur = ikev1_tunnel_sa(sa->is_tunnel)) != NULL)
		ikev1_quick_start_all(cur);
}

/* Returns 1 if sa was destroyed. */
static int
info_delete(struct isakmp_sa *sa, const struct ikev1_delete *d)
{
	struct ike_tunnel	*t = sa->is_tunnel;

	if (d->d_proto == IKEV1_PROTO_ESP || d->d_proto == IKEV1_PROTO_AH) {
		info_delete_child(sa, d);
		return (0);
	}
	if (d->d_proto != IKEV1_PROTO_ISAKMP || d->d_spi_len != 16 ||
	    memcmp(d->d_spis, sa->is_cky_i, 8) != 0 ||
	    memcmp(d->d_spis + 8, sa->is_cky_r, 8) != 0)
		return (0);
	ike_event(sa->is_ctx, isakmp_name(sa), "delete", "peer deleted the "
	    "ISAKMP SA");
	sa->is_tunnel = NULL;
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
		if (sa->is_dpd_outstanding && seq - sa->is_dpd_first <=
		    sa->is_dpd_seq - sa->is_dpd_first) {
			sa->is_dpd_outstanding = 0;
			ikev1_dpd_arm(sa);
		}
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
ikev1_info_recv(struct isakmp_sa *sa, const uint8_t *pkt, size_t len)
{
	struct ikev1_msg	*m = NULL;
	struct buf		*out = NULL;
	uint8_t			 iv[CRYPTO_MAX_BLOCK], h[CRYPTO_MAX_HASH];
	size_t			 hl = prf_len(sa->is_prf);
	int			 i;

	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (out = buf_new(len)) == NULL ||
	    ikev1_msg_parse(pkt, len, m) == -1 ||
	    ikev1_iv_phase2(sa->is_prf, sa->is_iv, sa->is_blen,
	    m->m_hdr.h_msgid, iv) == -1)
		goto done;
	if (ikev1_msg_open(pkt, len, sa->is_encr, sa->is_keys.k_enc,
	    sa->is_keys.k_enc_len, iv, out, m) == -1) {
		log_tdebug(isakmp_name(sa), "informational %08x does not "
		    "decrypt/parse: dropped", m->m_hdr.h_msgid);
		sa->is_ctx->ctx_counters.ic_malformed++;
		goto done;
	}
	v1_msg_log(isakmp_name(sa), "parsed", m);
	if (m->m_npld < 1 || m->m_order[0] != IKEV1_PLD_HASH ||
	    m->m_hash_len != hl || ikev1_hash_qm1(sa->is_prf,
	    sa->is_keys.k_a, sa->is_keys.k_len, m->m_hdr.h_msgid,
	    m->m_after_hash, m->m_after_hash_len, h) == -1 ||
	    CRYPTO_memcmp(h, m->m_hash, hl) != 0) {
		log_tinfo(isakmp_name(sa), "informational %08x without a "
		    "valid HASH ignored", m->m_hdr.h_msgid);
		sa->is_ctx->ctx_counters.ic_bad_icv++;
		goto done;
	}
	v1_natt_authenticated(sa);
	ikev1_dpd_alive(sa);
	for (i = 0; i < m->m_nnotify; i++)
		info_notify(sa, &m->m_notify[i]);
	for (i = 0; i < m->m_ndelete; i++)
		if (info_delete(sa, &m->m_delete[i]))
			break;		/* sa is gone */
done:
	buf_free(out);
	free(m);
}

/* --- DPD (RFC 3706) --- */

/* R-U-THEREs per probe: the first and this many retransmissions, spread
 * over the timeout, so that one lost datagram does not kill the SA. */
#define V1_DPD_RETRANSMITS	4

static void
v1_dpd_timer(struct isakmp_sa *sa, uint64_t ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(sa->is_dpd_ev, &tv);
}

/* DPD timing: the test override, else the tunnel's. */
static unsigned
v1_dpd_delay(const struct isakmp_sa *sa)
{
	const struct ikev1_ctx	*vc = sa->is_ctx->ctx_v1;

	return (vc->vc_dpd_override ? vc->vc_dpd_delay_ms :
	    ike_dpd_delay_ms(sa->is_ctx, sa->is_tunnel));
}

static unsigned
v1_dpd_timeout(const struct isakmp_sa *sa)
{
	const struct ikev1_ctx	*vc = sa->is_ctx->ctx_v1;

	return (vc->vc_dpd_override ? vc->vc_dpd_timeout_ms :
	    ike_dpd_timeout_ms(sa->is_ctx, sa->is_tunnel));
}

/* The peer announced DPD and the SA is the tunnel's current one. */
static int
v1_dpd_on(const struct isakmp_sa *sa)
{
	return (sa->is_peer_dpd && !sa->is_replaced &&
	    sa->is_state == ISAKMP_ESTABLISHED && v1_dpd_delay(sa) != 0);
}

void
ikev1_dpd_alive(struct isakmp_sa *sa)
{
	sa->is_last_rx_ms = ike_now_ms();
}

void
ikev1_dpd_arm(struct isakmp_sa *sa)
{
	sa->is_dpd_outstanding = 0;
	sa->is_last_rx_ms = ike_now_ms();
	if (!v1_dpd_on(sa)) {
		evtimer_del(sa->is_dpd_ev);
		return;
	}
	v1_dpd_timer(sa, v1_dpd_delay(sa) / 4 + 1);	/* see ikev1_dpd_cb */
}


static void
v1_dpd_send(struct isakmp_sa *sa)
{
	uint8_t		 spi[16];
	uint32_t	 seq;

	if (sa->is_dpd_seq == 0 && RAND_bytes((uint8_t *)&sa->is_dpd_seq,
	    sizeof(sa->is_dpd_seq)) != 1)
		return;
	/* RFC 3706 §7: sequence numbers start random, then increment */
	sa->is_dpd_seq = (sa->is_dpd_seq & 0x7fffffffu) + 1;
	seq = htonl(sa->is_dpd_seq);
	memcpy(spi, sa->is_cky_i, 8);
	memcpy(spi + 8, sa->is_cky_r, 8);
	log_tdebug(isakmp_name(sa), "DPD: sending R-U-THERE %u",
	    sa->is_dpd_seq);
	ikev1_info_notify(sa, IKEV1_PROTO_ISAKMP, spi, 16, IKEV1_N_R_U_THERE,
	    (const uint8_t *)&seq, 4);
}

/*
 * RFC 3706 §5: after dpd-delay without any sign of life from the peer
 * (an authenticated message, or inbound ESP bytes) an R-U-THERE, resent
 * within dpd-timeout; no R-U-THERE-ACK by then: the peer is dead.  Both
 * roles probe.
 */
void
ikev1_dpd_cb(int fd, short ev, void *arg)
{
	struct isakmp_sa	*sa = arg;
	struct ike_tunnel	*t = sa->is_tunnel;
	uint64_t		 now = ike_now_ms(), idle, step, next;
	unsigned		 delay = v1_dpd_delay(sa);
	unsigned		 timeout = v1_dpd_timeout(sa);
	int			 esp;

	if (!v1_dpd_on(sa))
		return;
	next = ike_dpd_look(sa->is_ctx, &sa->is_children, now, delay,
	    &sa->is_dpd_bytes, &sa->is_last_rx_ms, &esp);
	if (esp)
		sa->is_dpd_outstanding = 0;
	step = timeout / (V1_DPD_RETRANSMITS + 1);
	if (step == 0)
		step = 1;
	if (sa->is_dpd_outstanding) {
		if (now >= sa->is_dpd_deadline_ms) {
			ike_dpd_dead(sa->is_ctx, t, isakmp_name(sa),
			    &sa->is_children, "R-U-THERE", timeout,
			    sa->is_remote.sin_addr);
			sa->is_tunnel = NULL;
			isakmp_destroy(sa);
			if (t != NULL)
				ike_tunnel_peer_dead(t);
			return;
		}
		v1_dpd_send(sa);	/* a retransmission */
		v1_dpd_timer(sa, sa->is_dpd_deadline_ms - now < step ?
		    sa->is_dpd_deadline_ms - now : step);
		return;
	}
	if (next != 0) {
		v1_dpd_timer(sa, next);
		return;
	}
	idle = now - sa->is_last_rx_ms;
	log_tdebug(isakmp_name(sa), "nothing from the peer for %llu ms: DPD",
	    (unsigned long long)idle);
	sa->is_ctx->ctx_counters.ic_dpd_sent++;
	v1_dpd_send(sa);
	sa->is_dpd_first = sa->is_dpd_seq;
	sa->is_dpd_outstanding = 1;
	sa->is_dpd_deadline_ms = now + timeout;
	v1_dpd_timer(sa, step);
}
