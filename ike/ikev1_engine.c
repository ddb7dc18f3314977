/*
 * ikev1_engine.c - IKEv1 as the engine sees it: the struct ike_version
 * of IKEv1 (tunnel.c, engine.c).
 */
#include <netinet/in.h>

#include "ike/ikev1_sa.h"

static void
ikev1_version_recv(struct ike_ctx *ctx, const uint8_t *pkt, size_t len,
    const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
	ike_diag_version_seen(ctx, pkt, len, local, remote);
	ikev1_recv(ctx, pkt, len, local, remote);
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

const struct ike_version ikev1_version = {
	.iv_number = 1,
	.iv_recv = ikev1_version_recv,
	.iv_initiate = ikev1_tunnel_initiate,
	.iv_connected = ikev1_tunnel_connected,
	.iv_busy = ikev1_tunnel_busy,
	.iv_established = ikev1_established,
	.iv_teardown = ikev1_tunnel_teardown,
	.iv_ident_busy = ikev1_ident_busy,
	.iv_ident_drop = ikev1_ident_drop,
	.iv_rekey = ikev1_rekey_now,
	.iv_status = ikev1_status,
	.iv_kernel_expire = ikev1_kernel_expire,
	.iv_shutdown = ikev1_shutdown,
	.iv_free = ikev1_free,
};
