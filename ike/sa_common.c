/*
 * sa_base.c - what the IKE SAs of both versions share (sa_base.h): the
 * engine's one list of them, NAT keepalives and following, and the
 * questions about a tunnel or a peer identity that do not depend on the
 * version (INITIAL_CONTACT in particular: RFC 7296 §2.4 and RFC 2407
 * §4.6.3.3 speak of every SA with the peer, whatever its IKE version).
 */
#include <sys/queue.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include <event2/event.h>

#include "common/buf.h"
#include "common/log.h"
#include "ike/internal.h"
#include "ike/sa_base.h"
#include "ipsec/child_sa.h"

void
ike_sa_base_link(struct ike_ctx *ctx, struct ike_sa_base *b,
    const struct ike_sa_ops *ops)
{
	b->b_ctx = ctx;
	b->b_ops = ops;
	TAILQ_INSERT_TAIL(&ctx->ctx_all, b, b_entry);
}

void
ike_sa_base_unlink(struct ike_sa_base *b)
{
	TAILQ_REMOVE(&b->b_ctx->ctx_all, b, b_entry);
}

void
ike_sa_base_free(struct ike_sa_base *b)
{
	if (b->b_natt_ka_ev != NULL) {
		event_free(b->b_natt_ka_ev);
		b->b_natt_ka_ev = NULL;
	}
}

const char *
ike_sa_base_name(const struct ike_sa_base *b)
{
	return (b->b_tunnel != NULL ? ike_tunnel_name(b->b_tunnel) : NULL);
}

/* Neither our DELETE out nor gone. */
static int
ike_sa_base_alive(const struct ike_sa_base *b)
{
	return (ike_sa_base_phase(b) < IKE_PHASE_GOING);
}

/* RFC 3948 §2.3: one 0xFF octet, never an IKE or ESP packet. */
static void
ike_sa_base_keepalive_cb(evutil_socket_t fd, short ev, void *arg)
{
	static const uint8_t	 ka = 0xff;
	struct ike_sa_base	*b = arg;
	struct timeval		 tv = { IKE_NATT_KEEPALIVE_S, 0 };
	struct buf		*pkt;

	(void)fd;
	(void)ev;
	if (!ike_sa_base_alive(b))
		return;
	if ((pkt = buf_new_data(&ka, 1)) != NULL) {
		ike_net_send(b->b_ctx, pkt, &b->b_local, &b->b_remote,
		    ike_sa_base_name(b));
		buf_free(pkt);
	}
	evtimer_add(b->b_natt_ka_ev, &tv);
}

void
ike_sa_base_keepalive_start(struct ike_sa_base *b)
{
	struct timeval	 tv = { IKE_NATT_KEEPALIVE_S, 0 };

	if (!b->b_nat_local || b->b_natt_ka_ev != NULL)
		return;
	if ((b->b_natt_ka_ev = evtimer_new(b->b_ctx->ctx_base,
	    ike_sa_base_keepalive_cb, b)) == NULL) {
		log_tinfo(ike_sa_base_name(b), "no NAT keepalive timer: "
		    "out of memory");
		return;
	}
	log_tdebug(ike_sa_base_name(b), "behind a NAT: keepalive every %d s",
	    IKE_NATT_KEEPALIVE_S);
	evtimer_add(b->b_natt_ka_ev, &tv);
}

int
ike_sa_base_children_follow(struct ike_sa_base *b)
{
	struct child_sa	*cs;
	int		 n = 0;

	TAILQ_FOREACH(cs, &b->b_children, cs_entry)
		if (child_sa_move(cs, b->b_ctx->ctx_kernel,
		    b->b_remote.sin_addr, ntohs(b->b_remote.sin_port)) == 1)
			n++;
	return (n);
}

/* The identity of an SA: authenticated, or its tunnel's. */
static int
ike_sa_base_ident_is(const struct ike_sa_base *b,
    const struct ike_peer_ident *pi)
{
	struct ike_peer_ident	 tp;

	if (b->b_peer_ident.pi_type != 0)
		return (ike_peer_ident_eq(&b->b_peer_ident, pi));
	if (b->b_tunnel == NULL)
		return (0);
	ike_tunnel_peer_ident(b->b_tunnel, &tp);
	return (ike_peer_ident_eq(&tp, pi));
}

static int
ike_sas_ident_busy(struct ike_ctx *ctx, const struct ike_peer_ident *pi,
    const struct ike_sa_base *self)
{
	struct ike_sa_base	*b;

	TAILQ_FOREACH(b, &ctx->ctx_all, b_entry)
		if (b != self && ike_sa_base_alive(b) &&
		    ike_sa_base_ident_is(b, pi))
			return (1);
	return (0);
}

static int
ike_sas_ident_drop(struct ike_ctx *ctx, const struct ike_peer_ident *pi,
    const struct ike_sa_base *self)
{
	struct ike_sa_base	*b;
	struct ike_tunnel	*t, *mine;
	enum ike_sa_phase	 ph;
	int			 n = 0;

	mine = self != NULL ? self->b_tunnel : NULL;
again:
	TAILQ_FOREACH(b, &ctx->ctx_all, b_entry) {
		if (b == self)
			continue;
		ph = ike_sa_base_phase(b);
		if ((ph != IKE_PHASE_UP && ph != IKE_PHASE_REPLACED) ||
		    !ike_sa_base_ident_is(b, pi))
			continue;
		ike_event(ctx, ike_sa_base_name(b), "initial-contact", "from "
		    "the same peer identity: removing the stale %s",
		    b->b_ops->so_kind);
		t = b->b_tunnel;
		b->b_ops->so_drop(b);
		n++;
		if (t != NULL && t != mine)
			ike_tunnel_sa_gone(t, 0);
		/* dropping one may free others (a rekey under way): rescan */
		goto again;
	}
	return (n);
}

int
ike_initial_contact_ok(struct ike_ctx *ctx, const struct ike_tunnel *t,
    const struct ike_sa_base *self)
{
	struct ike_peer_ident	 pi;

	ike_tunnel_peer_ident(t, &pi);
	return (pi.pi_type != 0 && !ike_sas_ident_busy(ctx, &pi, self));
}

void
ike_initial_contact_recv(struct ike_ctx *ctx, const struct ike_peer_ident *pi,
    const struct ike_sa_base *self)
{
	struct ike_sa_base	*b;
	struct child_sa		*cs;

	if (pi->pi_type == 0 || ike_sas_ident_drop(ctx, pi, self) == 0)
		return;
	/* the stale SAs' policies had our new CHILD SAs' selectors */
	TAILQ_FOREACH(b, &ctx->ctx_all, b_entry)
		if (ike_sa_base_phase(b) == IKE_PHASE_UP)
			TAILQ_FOREACH(cs, &b->b_children, cs_entry)
				if (cs->cs_state == CHILD_SA_INSTALLED)
					child_sa_policies_refresh(cs,
					    ctx->ctx_kernel);
}
