/*
 * ikev1_engine.c - IKEv1 as the engine sees it: the exchange table of the
 * SA core (ikev1_sa.c) and the struct ike_version of IKEv1 (tunnel.c,
 * engine.c).
 */
#include <netinet/in.h>

#include "common/log.h"
#include "ike/ikev1_sa.h"

static void
ikev1_version_recv(struct ike_ctx *ctx, const uint8_t *pkt, size_t len,
    const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
	ike_diag_version_seen(ctx, pkt, len, local, remote);
	ikev1_recv(ctx, pkt, len, local, remote);
}

int
ikev1_tunnel_initiate(struct ike_tunnel *t, const struct sockaddr_in *local,
    const struct sockaddr_in *remote)
{
	struct isakmp_sa	*sa;
	uint8_t			 exch;

	exch = t->t_cfg->tn_ike.ike_mode == CFG_IKE_AGGRESSIVE ?
	    IKEV1_EXCH_AGGRESSIVE : IKEV1_EXCH_MAIN;
	if ((sa = isakmp_new(t->t_ctx, t, 1, exch, local, remote)) == NULL)
		return (-1);
	if (ikev1_main_start(sa) == -1) {
		isakmp_destroy(sa);
		ike_tunnel_failed(t, 1, "cannot start IKEv1 phase 1");
		return (-1);
	}
	return (0);
}

static int
ikev1_established(struct ike_tunnel *t)
{
	return (ikev1_tunnel_sa(t) != NULL);
}

static int
ikev1_rekey_now(struct ike_tunnel *t, int ike)
{
	return (ikev1_tunnel_rekey(t, ike) == 0 ? 0 : -2);
}

const struct ikev1_exchanges ikev1_exchanges = {
	.x_first = ikev1_main_first,
	.x_phase1 = ikev1_main_recv,
	.x_phase1_bad = ikev1_main_bad,
	.x_phase1_keys = ikev1_main_keys,
	.x_phase1_info = ikev1_main_info,
	.x_phase1_timeout = ikev1_main_timeout,
	.x_quick = ikev1_quick_recv,
	.x_info = ikev1_info_recv,
	.x_life_arm = ikev1_life_arm,
	.x_adopt = ikev1_adopt,
	.x_replaced = ikev1_life_replaced,
	.x_start = ikev1_quick_task,
	.x_msg3_again = ikev1_rekey_msg3_again,
};

const struct ike_version ikev1_version = {
	.iv_number = 1,
	.iv_recv = ikev1_version_recv,
	.iv_initiate = ikev1_tunnel_initiate,
	.iv_established = ikev1_established,
	.iv_teardown = ikev1_tunnel_teardown,
	.iv_rekey = ikev1_rekey_now,
	.iv_status = ikev1_status,
	.iv_shutdown = ikev1_shutdown,
	.iv_free = ikev1_free,
};
