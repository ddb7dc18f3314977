/*
 * engine.c - the top of ike/: the ike_* API (ike.h).  Datagrams go to
 * their version's table (struct ike_version), control commands to the
 * tunnels (tunnel.c) and through them to the versions.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common/connlog.h"
#include "common/log.h"
#include "ike/ike_sa.h"
#include "ike/ikev1_sa.h"
#include "kernel/kernel.h"

/* the longest selector list of one side: 20 x "255.255.255.255/32", 19
 * commas and the NUL */
_Static_assert(IKE_STATUS_TS_LEN >= CFG_MAX_SEGMENTS * 19,
    "IKE_STATUS_TS_LEN holds every selector");
#define IKE_RETX_MS		2000	/* 2 s, doubling */
#define IKE_RETX_TRIES		5
#define IKE_RETRY_FAST_MS	2000	/* after a 1st/2nd failed attempt */
#define IKE_RETRY_SLOW_MS	12000	/* in a failed state */
#define IKE_REKEY_RETRY_MS	2000	/* a refused rekey: 2 s, doubling */
#define IKE_REKEY_RETRY_MAX_MS	60000
#define IKE_REKEYED_MS		30000	/* wait for the old SA's DELETE */

static void	ike_kernel_expire(void *, uint8_t, uint32_t, struct in_addr,
		    int, int);


void
ike_connlog_set(struct ike_ctx *ctx, struct connlog *cl)
{
	ctx->ctx_connlog = cl;
}

struct ike_ctx *
ike_new(struct event_base *base, struct config *cfg,
    struct kernel_ops *kernel, struct ike_net *net)
{
	struct ike_ctx	*ctx;
	int		 i;

	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return (NULL);
	ctx->ctx_base = base;
	ctx->ctx_cfg = cfg;
	ctx->ctx_kernel = kernel;
	ctx->ctx_net = net;
	TAILQ_INIT(&ctx->ctx_tunnels);
	TAILQ_INIT(&ctx->ctx_all);
	TAILQ_INIT(&ctx->ctx_pace);
	ctx->ctx_pace_budget = -1;		/* the configuration's */
	ctx->ctx_ver[0] = &ikev1_version;
	ctx->ctx_ver[1] = &ikev2_version;
	ctx->ctx_v2x = &ikev2_exchanges;
	ctx->ctx_v1x = &ikev1_exchanges;
	ike_ctx_timing_set(ctx, IKE_RETX_MS, IKE_RETX_TRIES,
	    IKE_RETRY_FAST_MS, IKE_RETRY_SLOW_MS);
	ctx->ctx_rekey_percent = 90;
	ctx->ctx_rekeyed_ms = IKE_REKEYED_MS;
	ctx->ctx_rekey_retry_ms = IKE_REKEY_RETRY_MS;
	ctx->ctx_rekey_retry_max_ms = IKE_REKEY_RETRY_MAX_MS;
	ctx->ctx_life_unit_us = 1000000;
	kernel->ko_event_arg = ctx;
	kernel->ko_expire = ike_kernel_expire;
	kernel->ko_acquire = ike_kernel_acquire;
	kernel->ko_child_acct = ike_metrics_child_acct;
	ctx->ctx_cookie_threshold = -1;		/* the configuration's */
	if (ike_ctx_cookie_rotate(ctx) == -1) {
		ike_free(ctx);
		return (NULL);
	}
	ctx->ctx_cookie_prev_ok = 0;
	for (i = 0; i < cfg->cfg_ntunnels; i++)
		if (ike_tunnel_add(ctx, &cfg->cfg_tunnels[i]) == NULL) {
			ike_free(ctx);
			return (NULL);
		}
	return (ctx);
}

/*
 * XFRM_MSG_EXPIRE (through struct kernel_ops): an SA of one of our CHILD
 * SAs (IPsec SAs) reached its soft or hard lifetime.
 */
static void
ike_kernel_expire(void *arg, uint8_t proto, uint32_t spi, struct in_addr dst,
    int hard, int volume)
{
	struct ike_ctx		*ctx = arg;
	struct ike_sa_base	*b;
	struct child_sa		*cs;

	TAILQ_FOREACH(b, &ctx->ctx_all, b_entry)
		TAILQ_FOREACH(cs, &b->b_children, cs_entry)
			if (child_sa_is_kernel_sa(cs, proto, spi, dst)) {
				b->b_ops->so_child_expire(b, cs, spi, hard,
				    volume);
				return;
			}
	log_debug("kernel: %s expiry of SA %08x, which is not ours (any "
	    "more)", hard ? "hard" : "soft", ntohl(spi));
}

void
ike_ctx_timing_set(struct ike_ctx *ctx, unsigned retx_ms, int tries,
    unsigned retry_fast_ms, unsigned retry_slow_ms)
{
	ctx->ctx_retx_ms = retx_ms;
	ctx->ctx_retx_tries = tries;
	ctx->ctx_retry_fast_ms = retry_fast_ms;
	ctx->ctx_retry_slow_ms = retry_slow_ms;
}

void
ike_ctx_test_first_ke_group(struct ike_ctx *ctx, int group)
{
	ctx->ctx_test_ke_group = group;
}

void
ike_ctx_cookie_threshold_set(struct ike_ctx *ctx, int halfopen)
{
	ctx->ctx_cookie_threshold = halfopen;
}

void
ike_ctx_dpd_set(struct ike_ctx *ctx, unsigned delay_ms, unsigned timeout_ms)
{
	ctx->ctx_dpd_override = 1;
	ctx->ctx_dpd_delay_ms = delay_ms;
	ctx->ctx_dpd_timeout_ms = timeout_ms;
}

void
ike_start(struct ike_ctx *ctx)
{
	struct ike_tunnel	*t;

	TAILQ_FOREACH(t, &ctx->ctx_tunnels, t_entry)
		if (t->t_want && !t->t_removed && !ike_tunnel_busy(t))
			ike_tunnel_initiate(t);
}

void
ike_recv(struct ike_ctx *ctx, const uint8_t *pkt, size_t len,
    const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
	if (ctx->ctx_passive)
		return;			/* HA standby or fault: not ours */
	ctx->ctx_counters.ic_rx++;
	if (ctx->ctx_shutdown)
		return;
	/* IKEv1: version byte 0x10 (RFC 2408 §3.1) */
	if (len >= IKEV1_HDR_LEN && pkt[17] == IKEV1_VERSION)
		ctx->ctx_ver[0]->iv_recv(ctx, pkt, len, local, remote);
	else
		ctx->ctx_ver[1]->iv_recv(ctx, pkt, len, local, remote);
}

int
ike_tunnel_up(struct ike_ctx *ctx, const char *name)
{
	struct ike_tunnel	*t;

	if ((t = ike_tunnel_find(ctx, name)) == NULL)
		return (-1);
	t->t_want = 1;
	t->t_failures = 0;
	if (!ike_tunnel_busy(t))
		ike_tunnel_initiate(t);
	return (0);
}

int
ike_tunnel_down(struct ike_ctx *ctx, const char *name)
{
	struct ike_tunnel	*t;

	if ((t = ike_tunnel_find(ctx, name)) == NULL)
		return (-1);
	t->t_want = 0;
	t->t_failures = 0;
	evtimer_del(t->t_retry_ev);
	ike_tunnel_teardown(t);
	ike_tunnel_set_state(t, TUNNEL_DOWN);
	return (0);
}

int
ike_tunnel_rekey(struct ike_ctx *ctx, const char *name)
{
	struct ike_tunnel	*t;

	if ((t = ike_tunnel_find(ctx, name)) == NULL)
		return (-1);
	return (ike_tunnel_version(t)->iv_rekey(t, 0));
}

int
ike_tunnel_rekey_ike(struct ike_ctx *ctx, const char *name)
{
	struct ike_tunnel	*t;

	if ((t = ike_tunnel_find(ctx, name)) == NULL)
		return (-1);
	return (ike_tunnel_version(t)->iv_rekey(t, 1));
}

static int
ike_prefixes_same(const struct cfg_prefix *a, const struct cfg_prefix *b,
    int n)
{
	int	i;

	for (i = 0; i < n; i++)
		if (a[i].pf_addr.s_addr != b[i].pf_addr.s_addr ||
		    a[i].pf_plen != b[i].pf_plen)
			return (0);
	return (1);
}

static int
ike_id_same(const struct cfg_id *a, const struct cfg_id *b)
{
	return (a->id_type == b->id_type &&
	    a->id_addr.s_addr == b->id_addr.s_addr &&
	    strcmp(a->id_value, b->id_value) == 0);
}

static int
ike_policies_same(const struct cfg_tunnel *a, const struct cfg_tunnel *b)
{
	const struct cfg_ike	*x = &a->tn_ike, *y = &b->tn_ike;
	const struct cfg_ipsec	*p = &a->tn_ipsec, *q = &b->tn_ipsec;

	return (x->ike_version == y->ike_version &&
	    x->ike_mode == y->ike_mode && x->ike_integ == y->ike_integ &&
	    x->ike_prf == y->ike_prf && x->ike_encr == y->ike_encr &&
	    x->ike_encr_bits == y->ike_encr_bits && x->ike_dh == y->ike_dh &&
	    ike_id_same(&x->ike_local_id, &y->ike_local_id) &&
	    ike_id_same(&x->ike_peer_id, &y->ike_peer_id) &&
	    x->ike_lifetime == y->ike_lifetime &&
	    p->ips_proto == q->ips_proto && p->ips_integ == q->ips_integ &&
	    p->ips_encr == q->ips_encr && p->ips_encr_bits == q->ips_encr_bits &&
	    p->ips_pfs == q->ips_pfs && p->ips_lifetime == q->ips_lifetime &&
	    p->ips_life_bytes == q->ips_life_bytes &&
	    p->ips_life_packets == q->ips_life_packets &&
	    p->ips_replay_window == q->ips_replay_window &&
	    p->ips_esn == q->ips_esn && x->ike_nprops == y->ike_nprops &&
	    memcmp(x->ike_props, y->ike_props, x->ike_nprops *
	    sizeof(x->ike_props[0])) == 0 && p->ips_nprops == q->ips_nprops &&
	    memcmp(p->ips_props, q->ips_props, p->ips_nprops *
	    sizeof(p->ips_props[0])) == 0);
}

/* Same tunnel in both configurations (nothing to renegotiate)? */
static int
ike_tunnel_same(const struct cfg_tunnel *a, const struct cfg_tunnel *b)
{
	return (a->tn_gw->gw_addr.s_addr == b->tn_gw->gw_addr.s_addr &&
	    a->tn_peer->pr_addr.s_addr == b->tn_peer->pr_addr.s_addr &&
	    a->tn_nlocal == b->tn_nlocal && a->tn_nremote == b->tn_nremote &&
	    ike_prefixes_same(a->tn_local, b->tn_local, a->tn_nlocal) &&
	    ike_prefixes_same(a->tn_remote, b->tn_remote, a->tn_nremote) &&
	    a->tn_psk_len == b->tn_psk_len &&
	    CRYPTO_memcmp(a->tn_psk, b->tn_psk, a->tn_psk_len) == 0 &&
	    a->tn_initiate == b->tn_initiate &&
	    a->tn_child_single == b->tn_child_single &&
	    ike_policies_same(a, b));
}

int
ike_tunnel_cfg_same(const struct cfg_tunnel *a, const struct cfg_tunnel *b)
{
	return (ike_tunnel_same(a, b));
}

void
ike_config_apply(struct ike_ctx *ctx, struct config *cfg)
{
	struct ike_tunnel	*t, *next;
	struct cfg_tunnel	*c;
	struct config		*old = ctx->ctx_cfg;
	int			 i;

	for (t = TAILQ_FIRST(&ctx->ctx_tunnels); t != NULL; t = next) {
		next = TAILQ_NEXT(t, t_entry);
		c = config_tunnel_find(cfg, t->t_cfg->tn_name);
		if (c != NULL && ike_tunnel_same(c, t->t_cfg)) {
			t->t_cfg = c;
			continue;
		}
		log_tinfo(ike_tunnel_name(t), "%s by the new configuration",
		    c ? "changed" : "removed");
		ike_tunnel_free(t);
	}
	ctx->ctx_cfg = cfg;
	for (i = 0; i < cfg->cfg_ntunnels; i++) {
		c = &cfg->cfg_tunnels[i];
		if (ike_tunnel_find(ctx, c->tn_name) != NULL)
			continue;
		if ((t = ike_tunnel_add(ctx, c)) != NULL && t->t_want)
			ike_tunnel_initiate(t);
	}
	config_free(old);
	/* initiate-half-open-per-peer may have grown */
	ike_pace_kick(ctx);
}

/* 0, or -1 out of memory (st owns nothing then). */
static int
ike_status_tunnel(struct ike_tunnel *t, struct tunnel_status *st)
{
	memset(st, 0, sizeof(*st));
	snprintf(st->ts_name, sizeof(st->ts_name), "%s", t->t_cfg->tn_name);
	ike_metrics_tunnel(t, st);
	st->ts_local = t->t_cfg->tn_gw->gw_addr;
	st->ts_remote = t->t_cfg->tn_peer->pr_addr;
	st->ts_state = t->t_state;
	st->ts_ike_version = t->t_cfg->tn_ike.ike_version;
	st->ts_pace_wait = t->t_pace_wait;
	snprintf(st->ts_last_error, sizeof(st->ts_last_error), "%s",
	    t->t_last_error);
	return (ike_tunnel_version(t)->iv_status(t, st));
}

int
ike_status(struct ike_ctx *ctx, struct tunnel_status *out, int max)
{
	struct ike_tunnel	*t;
	struct kernel_ops	*ko = ctx->ctx_kernel;
	int			 n = 0, snap;

	/* one dump of the kernel's SA counters for all tunnels */
	snap = ko->ko_stats_snapshot != NULL &&
	    ko->ko_stats_snapshot(ko->ko_arg) == 0;
	TAILQ_FOREACH(t, &ctx->ctx_tunnels, t_entry) {
		if (t->t_removed)
			continue;
		if (n < max && ike_status_tunnel(t, &out[n]) == -1) {
			ike_status_free(out, n);
			n = -1;
			break;
		}
		n++;
	}
	if (snap && ko->ko_stats_release != NULL)
		ko->ko_stats_release(ko->ko_arg);
	return (n);
}

void
ike_shutdown(struct ike_ctx *ctx)
{
	struct ike_tunnel	*t;
	struct ike_sa_base	*b;
	int			 i, n_in = 0;

	ctx->ctx_shutdown = 1;
	/* the last counters of every CHILD SA from one dump, not one per
	 * IKE SA of many CHILD SAs (issue 11: 20 x 400 CHILD SAs) nor two
	 * requests per CHILD SA of the others */
	TAILQ_FOREACH(b, &ctx->ctx_all, b_entry)
		n_in += child_sa_list_count_in(&b->b_children);
	ctx->ctx_stats_held = child_sa_retire_begin(n_in, ctx->ctx_kernel);
	for (i = 1; i >= 0; i--)
		ctx->ctx_ver[i]->iv_shutdown(ctx);
	child_sa_retire_end(ctx->ctx_kernel, ctx->ctx_stats_held);
	ctx->ctx_stats_held = 0;
	TAILQ_FOREACH(t, &ctx->ctx_tunnels, t_entry)
		ike_tunnel_stop(t);
}

void
ike_handover(struct ike_ctx *ctx)
{
	ctx->ctx_handover = 1;
	ike_shutdown(ctx);
}

void
ike_passive_set(struct ike_ctx *ctx, int passive)
{
	ctx->ctx_passive = passive;
}

void
ike_free(struct ike_ctx *ctx)
{
	struct ike_tunnel	*t;
	int			 i;

	if (ctx == NULL)
		return;
	ctx->ctx_shutdown = 1;
	ike_ha_free(ctx);
	if (ctx->ctx_kernel->ko_event_arg == ctx) {
		ctx->ctx_kernel->ko_expire = NULL;
		ctx->ctx_kernel->ko_acquire = NULL;
		ctx->ctx_kernel->ko_child_acct = NULL;
		ctx->ctx_kernel->ko_event_arg = NULL;
	}
	for (i = 1; i >= 0; i--)
		if (ctx->ctx_ver[i] != NULL)
			ctx->ctx_ver[i]->iv_free(ctx);
	ike_sa_hash_free(&ctx->ctx_v2_hash);
	ike_peer_index_free(&ctx->ctx_peers);
	ike_pace_free(ctx);
	while ((t = TAILQ_FIRST(&ctx->ctx_tunnels)) != NULL) {
		TAILQ_REMOVE(&ctx->ctx_tunnels, t, t_entry);
		ike_tunnel_held_drop(t, 1);
		event_free(t->t_retry_ev);
		free(t->t_held);
		free(t);
	}
	ike_rl_free(ctx);
	OPENSSL_cleanse(ctx->ctx_cookie_secret,
	    sizeof(ctx->ctx_cookie_secret));
	free(ctx);
}

void
ike_counters_get(struct ike_ctx *ctx, struct ike_counters *c)
{
	struct ike_tunnel	*t;

	*c = ctx->ctx_counters;
	c->ic_v1_half_open = ikev1_half_open_count(ctx);
	c->ic_v2_half_open = (uint64_t)ikev2_half_open_count(ctx);
	c->ic_pace_waiting = 0;
	TAILQ_FOREACH(t, &ctx->ctx_pace, t_pace_entry)
		c->ic_pace_waiting++;
}

