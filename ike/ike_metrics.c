/*
 * ike_metrics.c - what status and the metrics endpoint count per tunnel
 * and per engine: traffic totals that survive rekeys, rekeys, failures,
 * and how many IKE and CHILD SAs are in each state.
 *
 * A tunnel's traffic is the sum of what its CHILD SAs that left the kernel
 * carried (their final counters, read just before their removal: see
 * ko_child_acct in kernel.h) and what the SAs still in the kernel carry
 * now, whatever their state (a rekeyed SA waiting for its DELETE still
 * counts).  So the totals never go backwards across a rekey.
 */
#include <stdio.h>
#include <string.h>

#include "ike/ike.h"
#include "ike/ike_sa.h"
#include "ike/ikev1_sa.h"
#include "ipsec/child_sa.h"
#include "kernel/kernel.h"

/* The tunnel named name (its CHILD SAs carry the name), or NULL. */
static struct ike_tunnel *
ike_metrics_tunnel_find(struct ike_ctx *ctx, const char *name)
{
	struct ike_tunnel	*t;

	TAILQ_FOREACH(t, &ctx->ctx_tunnels, t_entry)
		if (!t->t_removed && strcmp(t->t_cfg->tn_name, name) == 0)
			return (t);
	return (NULL);
}

void
ike_metrics_child_acct(void *arg, const char *tunnel,
    const struct kernel_sa_stats *in, const struct kernel_sa_stats *out,
    int rekey)
{
	struct ike_ctx		*ctx = arg;
	struct ike_tunnel	*t;

	if (ctx == NULL || (t = ike_metrics_tunnel_find(ctx, tunnel)) == NULL)
		return;
	if (rekey)
		t->t_child_rekeys++;
	if (in != NULL) {
		t->t_gone_bytes_in += in->st_bytes;
		t->t_gone_packets_in += in->st_packets;
	}
	if (out != NULL) {
		t->t_gone_bytes_out += out->st_bytes;
		t->t_gone_packets_out += out->st_packets;
	}
}

/* Adds the live counters of the CHILD SAs in list that belong to t. */
static void
ike_metrics_list_add(struct ike_tunnel *t, struct child_sa_list *list,
    struct tunnel_status *st)
{
	struct kernel_ops	*ko = t->t_ctx->ctx_kernel;
	struct kernel_sa_stats	 in, out;
	struct child_sa		*cs;

	TAILQ_FOREACH(cs, list, cs_entry) {
		if ((!cs->cs_sa_in && !cs->cs_sa_out) ||
		    strcmp(cs->cs_name, t->t_cfg->tn_name) != 0)
			continue;
		child_sa_traffic(cs, ko, &in, &out);
		st->ts_bytes_in += in.st_bytes;
		st->ts_packets_in += in.st_packets;
		st->ts_bytes_out += out.st_bytes;
		st->ts_packets_out += out.st_packets;
	}
}

void
ike_metrics_tunnel(struct ike_tunnel *t, struct tunnel_status *st)
{
	struct ike_ctx		*ctx = t->t_ctx;
	struct ike_sa_base	*b;

	snprintf(st->ts_peer_name, sizeof(st->ts_peer_name), "%s",
	    t->t_cfg->tn_peer->pr_name);
	st->ts_bytes_in = t->t_gone_bytes_in;
	st->ts_bytes_out = t->t_gone_bytes_out;
	st->ts_packets_in = t->t_gone_packets_in;
	st->ts_packets_out = t->t_gone_packets_out;
	st->ts_child_rekeys = t->t_child_rekeys;
	st->ts_ike_rekeys = t->t_ike_rekeys;
	st->ts_failures = t->t_failures_total;
	/* by name, not by b_tunnel: a dead peer's SA loses its tunnel
	 * pointer before its CHILD SAs leave the kernel */
	TAILQ_FOREACH(b, &ctx->ctx_all, b_entry)
		ike_metrics_list_add(t, &b->b_children, st);
}

static void
ike_gauges_children(struct ike_gauges *g, const struct child_sa_list *list)
{
	const struct child_sa	*cs;

	TAILQ_FOREACH(cs, list, cs_entry) {
		switch (cs->cs_state) {
		case CHILD_SA_NEW:
			g->ig_child[IKE_GAUGE_CHILD_NEGOTIATING]++;
			break;
		case CHILD_SA_INSTALLED:
			g->ig_child[IKE_GAUGE_CHILD_INSTALLED]++;
			break;
		case CHILD_SA_REKEYED:
			g->ig_child[IKE_GAUGE_CHILD_REKEYED]++;
			break;
		case CHILD_SA_DELETING:
			g->ig_child[IKE_GAUGE_CHILD_DELETING]++;
			break;
		case CHILD_SA_EXPIRED:
			g->ig_child[IKE_GAUGE_CHILD_EXPIRED]++;
			break;
		case CHILD_SA_DEAD:
			break;
		}
	}
}

static void
ike_gauges_v1_qms(struct ike_ctx *ctx, struct ike_gauges *g)
{
	struct isakmp_sa	*sa;
	struct ikev1_qm		*qm;

	/* Quick Modes under way own their CHILD SA until installed */
	ISAKMP_SA_FOREACH(sa, ctx)
		if (sa->is_state != ISAKMP_DEAD)
			TAILQ_FOREACH(qm, &sa->is_qms, qm_entry)
				if (qm->qm_child != NULL)
					g->ig_child[
					    IKE_GAUGE_CHILD_NEGOTIATING]++;
}

void
ike_gauges_get(struct ike_ctx *ctx, struct ike_gauges *g)
{
	struct ike_sa_base	*b;

	memset(g, 0, sizeof(*g));
	TAILQ_FOREACH(b, &ctx->ctx_all, b_entry) {
		switch (ike_sa_base_phase(b)) {
		case IKE_PHASE_NEW:
		case IKE_PHASE_NEGOTIATING:
			g->ig_ike[IKE_GAUGE_HALF_OPEN]++;
			break;
		case IKE_PHASE_UP:
			g->ig_ike[IKE_GAUGE_ESTABLISHED]++;
			break;
		case IKE_PHASE_REPLACED:
			g->ig_ike[IKE_GAUGE_REKEYED]++;
			break;
		case IKE_PHASE_GOING:
			g->ig_ike[IKE_GAUGE_DELETING]++;
			break;
		case IKE_PHASE_GONE:
			continue;
		}
		ike_gauges_children(g, &b->b_children);
	}
	ike_gauges_v1_qms(ctx, g);
}
