/*
 * ikev2_engine.c - IKEv2 as the engine sees it: the exchange table of
 * the SA core (ike_sa.c), how the queue of an SA starts each exchange, and the
 * struct ike_version of IKEv2 (tunnel.c, engine.c).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/log.h"
#include "ike/ike_sa.h"
#include "kernel/kernel.h"

/*
 * One exchange from the queue of an IKEv2 SA (sa_queue.c, one request
 * in flight, RFC 7296 §2.3).  One that cannot start: a DELETE is given up
 * (the CHILD SA goes with its IKE SA), a rekey is retried with backoff, a
 * new pair waits for the next turn of the queue.
 */
static void
ikev2_task_start(struct ike_sa *sa, enum ike_task task, struct child_sa *cs,
    int pair)
{
	switch (task) {
	case IKE_TASK_CHILD_DELETE:
		(void)ikev2_info_delete_child(sa, cs);
		break;
	case IKE_TASK_IKE_REKEY:
		if (ikev2_rekey_start(sa) != 0)
			ikev2_rekey_retry(sa, 0);
		break;
	case IKE_TASK_CHILD_REKEY:
	case IKE_TASK_CHILD_RECREATE:
		if (ikev2_child_start(sa, cs->cs_pair, cs) != 0)
			ikev2_child_retry(sa, cs, 0);
		break;
	case IKE_TASK_PAIR:
		(void)ikev2_child_start(sa, pair, NULL);
		break;
	}
}

/* CREATE_CHILD_SA: an IKE SA rekey (its SA offers an IKE proposal,
 * RFC 7296 §1.3.2) or a CHILD SA. */
static void
ikev2_create_request(struct ike_sa *sa, struct ikev2_msg *m)
{
	if (m->m_sa.sa_nprop > 0 && m->m_sa.sa_prop[0].prop_proto ==
	    IKEV2_PROTO_IKE)
		ikev2_rekey_request(sa, m);
	else
		ikev2_child_request(sa, m);
}

static void
ikev2_create_response(struct ike_sa *sa, struct ikev2_msg *m)
{
	if (sa->sa_req_kind == IKE_REQ_IKE_REKEY)
		ikev2_rekey_response(sa, m);
	else
		ikev2_child_response(sa, m);
}

static void
ikev2_established(struct ike_sa *sa)
{
	ikev2_rekey_timer_set(sa);
	ike_sa_dpd_start(&sa->sa_b);
}

/* The kernel's expiry notice for cs's SA spi: hard (no successor: set
 * up again) or soft (rekey now, volume: of bytes or packets). */
static void
ikev2_child_kernel_expire(struct ike_sa *sa, struct child_sa *cs,
    uint32_t spi, int hard, int volume)
{
	if (hard)
		ikev2_child_expired(sa, cs, spi);
	else
		ikev2_child_soft_expired(sa, cs, volume);
}

const struct ikev2_exchanges ikev2_exchanges = {
	.x_init_response = ikev2_init_response,
	.x_init_error = ikev2_init_error,
	.x_auth_request = ikev2_auth_request,
	.x_auth_response = ikev2_auth_response,
	.x_create_request = ikev2_create_request,
	.x_create_response = ikev2_create_response,
	.x_info_request = ikev2_info_request,
	.x_info_response = ikev2_info_response,
	.x_established = ikev2_established,
	.x_rekeyed = ikev2_rekey_timer_set,
	.x_rekey_cb = ike_sa_rekey_cb,
	.x_expire_cb = ike_sa_expire_cb,
	.x_dpd_probe = ikev2_info_dpd_probe,
	.x_start = ikev2_task_start,
	.x_child_expire = ikev2_child_kernel_expire,
};

/* --- struct ike_version --- */

static void
ikev2_recv(struct ike_ctx *ctx, const uint8_t *pkt, size_t len,
    const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
	static const uint8_t	 zero[8];
	struct ikev2_msg	*m;
	struct ike_sa		*sa;
	const struct ikev2_hdr	*h;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return;
	h = &m->m_hdr;
	if (ikev2_msg_parse(pkt, len, m) == -1) {
		log_debug("malformed IKE datagram (%zu bytes) dropped", len);
		ctx->ctx_counters.ic_malformed++;
		goto done;
	}
	if ((sa = ike_sa_lookup(ctx, h, remote)) != NULL)
		ike_sa_recv(sa, pkt, len, m, local, remote);
	else if (h->h_exchange == IKEV2_EXCH_IKE_SA_INIT &&
	    (h->h_flags & (IKEV2_FLAG_RESPONSE | IKEV2_FLAG_INITIATOR)) ==
	    IKEV2_FLAG_INITIATOR && h->h_msgid == 0 &&
	    memcmp(h->h_spi_r, zero, 8) == 0) {
		ike_diag_version_seen(ctx, pkt, len, local, remote);
		ikev2_init_request(ctx, pkt, len, m, local, remote);
	}
	else if (ike_sa_rekey_nudge(ctx, h))
		ctx->ctx_counters.ic_unknown_spi++;
	else {
		log_debug("%s %s %u with unknown SPIs dropped",
		    ikev2_exchange_name(h->h_exchange),
		    (h->h_flags & IKEV2_FLAG_RESPONSE) ? "response" :
		    "request", h->h_msgid);
		ctx->ctx_counters.ic_unknown_spi++;
	}
done:
	free(m);
}

static int
ikev2_initiate(struct ike_tunnel *t, const struct sockaddr_in *local,
    const struct sockaddr_in *remote)
{
	struct ike_sa	*sa;

	if ((sa = ike_sa_new(t->t_ctx, t, 1, local, remote)) == NULL)
		return (-1);
	if (ikev2_init_start(sa) == -1) {
		ike_sa_destroy(sa);
		ike_tunnel_failed(t, 1, "cannot start IKE_SA_INIT");
		return (-1);
	}
	return (0);
}

static int
ikev2_established_any(struct ike_tunnel *t)
{
	return (ike_tunnel_sa(t) != NULL);
}

static void
ikev2_teardown(struct ike_tunnel *t)
{
	struct ike_sa	*sa;

	/* destroying an SA may destroy the next one (its rekey): rescan */
	while ((sa = ike_sa_of(ike_tunnel_sa_next(t, NULL, 2))) != NULL) {
		if (sa->sa_state == IKE_SA_ESTABLISHED)
			ike_sa_delete_now(sa);
		else
			ike_sa_destroy(sa);
	}
}

static int
ikev2_rekey_now(struct ike_tunnel *t, int ike)
{
	struct ike_sa	*sa;
	struct child_sa	*cs;
	int		 n = 0;

	if ((sa = ike_tunnel_sa(t)) == NULL)
		return (-2);
	if (ike)
		sa->sa_b.b_rekey_due = 1;
	else {
		TAILQ_FOREACH(cs, &sa->sa_b.b_children, cs_entry)
			if (cs->cs_state == CHILD_SA_INSTALLED) {
				cs->cs_rekey_due = 1;
				n++;
			}
		if (n == 0)
			return (-3);
	}
	/* now, or once the exchange in progress is done (RFC 7296 §2.3) */
	ike_sa_next(sa);
	return (0);
}

static int
ikev2_status(struct ike_tunnel *t, struct tunnel_status *st)
{
	struct ike_sa		*sa = ike_tunnel_sa(t);
	const struct proposal_choice *p;

	if (sa == NULL)
		return (0);
	p = &sa->sa_prop;
	if (p->pc_integ == AUTH_NONE)	/* an AEAD: no integrity */
		snprintf(st->ts_ike_algs, sizeof(st->ts_ike_algs),
		    "%s/%s/%s", crypto_encr_name(p->pc_encr,
		    p->pc_encr_bits), crypto_prf_name(p->pc_prf),
		    crypto_dh_name(p->pc_dh));
	else
		snprintf(st->ts_ike_algs, sizeof(st->ts_ike_algs),
		    "%s/%s/%s/%s", crypto_encr_name(p->pc_encr,
		    p->pc_encr_bits), crypto_integ_name(p->pc_integ),
		    crypto_prf_name(p->pc_prf), crypto_dh_name(p->pc_dh));
	return (ike_status_sa(&sa->sa_b, st));
}

/*
 * Every IKEv2 SA is about to go: the pointers between them go first, in
 * one pass, so that each removal need not scan the others for pointers
 * to it (ctx_v2_unlinked).  A new IKE SA of a rekey under way is on the
 * list and goes on its own; a CHILD SA whose DELETE is unanswered goes
 * with its IKE SA.  Nothing makes new pointers from now on
 * (ctx_shutdown).
 */
static void
ikev2_unlink_all(struct ike_ctx *ctx)
{
	struct ike_sa	*sa;

	IKEV2_SA_FOREACH(sa, ctx) {
		sa->sa_rekey_new = NULL;
		sa->sa_rekey_peer = NULL;
		sa->sa_req_child = NULL;
	}
	ctx->ctx_v2_unlinked = 1;
}

static void
ikev2_shutdown(struct ike_ctx *ctx)
{
	struct ike_sa	*sa;

	ikev2_unlink_all(ctx);
	while ((sa = ikev2_sa_first(ctx)) != NULL) {
		if (sa->sa_state == IKE_SA_ESTABLISHED && !ctx->ctx_handover)
			ike_sa_delete_now(sa);
		else
			ike_sa_destroy(sa);
	}
}

static void
ikev2_free(struct ike_ctx *ctx)
{
	struct ike_sa	*sa;

	ikev2_unlink_all(ctx);
	while ((sa = ikev2_sa_first(ctx)) != NULL)
		ike_sa_destroy(sa);
	ike_sa_half_src_free(ctx);
}

const struct ike_version ikev2_version = {
	.iv_number = 2,
	.iv_recv = ikev2_recv,
	.iv_initiate = ikev2_initiate,
	.iv_established = ikev2_established_any,
	.iv_teardown = ikev2_teardown,
	.iv_rekey = ikev2_rekey_now,
	.iv_status = ikev2_status,
	.iv_shutdown = ikev2_shutdown,
	.iv_free = ikev2_free,
};
