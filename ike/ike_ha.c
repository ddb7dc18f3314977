/*
 * ike_ha.c - HA state sync, the active node's side: the engine's IKE SAs
 * and CHILD SAs as records (ha_state.h) on the sync channel (ha_chan.h).
 *
 * The engine calls these at a few points: an IKE SA established
 * (ike_sa_set_state) and unlinked (ike_sa_base_unlink), its message IDs
 * moved, CHILD SAs moved to it by an IKE SA rekey (RFC 7296 §2.18), and
 * a CHILD SA installed or removed.  The version-neutral fields come from
 * struct ike_sa_base here; message IDs, algorithms, keys and lifetimes
 * from the version's so_ha_export.  Keys pass through static buffers that
 * are wiped after each record and are never logged.
 *
 * Two jobs of their own, on timers: every IKE_HA_SEQ_MS the outbound
 * sequence numbers of the CHILD SAs (one shared counter dump) and a
 * SEQ_ADVANCE record for those that used up half their advertised
 * margin; and the bulk dump a standby asks for (BULK_REQUEST), paced,
 * IKE_HA_BULK_STEP records per IKE_HA_BULK_GAP_MS.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "common/log.h"
#include "ike/ha_chan.h"
#include "ike/ha_state.h"
#include "ike/internal.h"
#include "ike/sa_base.h"
#include "ipsec/child_sa.h"

/* SEQ_ADVANCE: a look every IKE_HA_SEQ_MS; an SA is advertised
 * max(IKE_HA_SEQ_SAFETY x its packets of the last interval,
 * IKE_HA_SEQ_FLOOR) ahead of its current number, again once it used
 * half of that (so the standby's number stays ahead by two intervals'
 * traffic at the rate seen, or at twice the rate for one interval) */
#define IKE_HA_SEQ_MS		1000
#define IKE_HA_SEQ_FLOOR	65536
#define IKE_HA_SEQ_SAFETY	4
/* bulk dump: records per step, and the pause between steps */
#define IKE_HA_BULK_STEP	64
#define IKE_HA_BULK_GAP_MS	2

struct ike_hax {
	struct ike_ctx		*hx_ctx;
	struct event		*hx_seq_ev;
	unsigned		 hx_seq_ms;
	struct event		*hx_bulk_ev;
	uint32_t		 hx_bulk_id;	/* the request; 0: no dump */
	uint32_t		 hx_bulk_serial; /* this dump's mark */
	struct ike_sa_base	*hx_bulk_next;	/* the next IKE SA to dump */
	uint32_t		 hx_bulk_count;	/* SA records of the dump */
	int			 hx_self;	/* ike_ha_keep_own: records
						   go to our own table */
};

/* The marks of bulk dumps (b_ha_bulk, cs_ha_bulk): process-wide, so
 * that a channel set again (ike_ha_set) never reuses one its SAs bear. */
static uint32_t	ike_ha_bulk_serial;

static void	ike_ha_seq_cb(evutil_socket_t, short, void *);
static void	ike_ha_bulk_cb(evutil_socket_t, short, void *);
static void	ike_ha_bulk_req(void *, uint32_t);

static void
ike_ha_arm(struct event *ev, unsigned ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(ev, &tv);
}

void
ike_ha_free(struct ike_ctx *ctx)
{
	struct ike_hax	*hx = ctx->ctx_hax;

	if (ctx->ctx_ha != NULL)
		ha_chan_bulk_cb_drop(ctx->ctx_ha, ctx);
	if (hx == NULL)
		return;
	if (hx->hx_seq_ev != NULL)
		event_free(hx->hx_seq_ev);
	if (hx->hx_bulk_ev != NULL)
		event_free(hx->hx_bulk_ev);
	free(hx);
	ctx->ctx_hax = NULL;
}

void
ike_ha_set(struct ike_ctx *ctx, struct ha_chan *c)
{
	struct ike_hax	*hx;

	ike_ha_free(ctx);
	ctx->ctx_ha = c;
	if (c == NULL)
		return;
	if ((hx = calloc(1, sizeof(*hx))) == NULL ||
	    (hx->hx_seq_ev = evtimer_new(ctx->ctx_base, ike_ha_seq_cb,
	    hx)) == NULL || (hx->hx_bulk_ev = evtimer_new(ctx->ctx_base,
	    ike_ha_bulk_cb, hx)) == NULL) {
		log_err("ha: out of memory: no sequence number advances, no "
		    "bulk dumps");
		if (hx != NULL && hx->hx_seq_ev != NULL)
			event_free(hx->hx_seq_ev);
		free(hx);
		return;
	}
	hx->hx_ctx = ctx;
	hx->hx_seq_ms = IKE_HA_SEQ_MS;
	ctx->ctx_hax = hx;
	ike_ha_arm(hx->hx_seq_ev, hx->hx_seq_ms);
	ha_chan_bulk_cb_set(c, ike_ha_bulk_req, ctx);
}

void
ike_ha_test_seq_ms(struct ike_ctx *ctx, unsigned ms)
{
	if (ctx->ctx_hax == NULL)
		return;
	ctx->ctx_hax->hx_seq_ms = ms;
	evtimer_del(ctx->ctx_hax->hx_seq_ev);
	ike_ha_arm(ctx->ctx_hax->hx_seq_ev, ctx->ctx_hax->hx_seq_ms);
}

static int
ike_ha_on(const struct ike_sa_base *b)
{
	return (b->b_ctx->ctx_ha != NULL && b->b_ops->so_ha_export != NULL &&
	    ha_chan_role(b->b_ctx->ctx_ha) == HA_ROLE_ACTIVE);
}

/* Seals pl as one record; wipes pl.  0 sent, 1 not (standby), -1
 * failed. */
static int
ike_ha_send(struct ike_ctx *ctx, uint8_t type, uint8_t *pl, int len,
    const char *name, const char *what)
{
	int	 rv = -1;

	if (len == -1)
		log_twarn(name, "ha: cannot encode the %s record", what);
	else if (ctx->ctx_hax != NULL && ctx->ctx_hax->hx_self)
		rv = ha_chan_put_local(ctx->ctx_ha, type, pl, (size_t)len);
	else if ((rv = ha_chan_send(ctx->ctx_ha, type, pl, (size_t)len)) ==
	    -1)
		log_tdebug(name, "ha: the %s record was not sent", what);
	if (len > 0)
		OPENSSL_cleanse(pl, (size_t)len);
	return (rv);
}

/* The CHILD SAs of b it lists: those synced, which the standby has. */
static void
ike_ha_children(const struct ike_sa_base *b, struct ha_ike_rec *r)
{
	const struct child_sa	*cs;

	TAILQ_FOREACH(cs, &b->b_children, cs_entry)
		if (cs->cs_ha_synced && r->ir_nchildren < HA_IKE_CHILDREN_MAX)
			r->ir_children[r->ir_nchildren++] = cs->cs_spi_in;
}

/* The SA's tunnel name for the log, or NULL (as ike_sa_base_name, which
 * is not used here: sa_common.c calls this file). */
static const char *
ike_ha_name(const struct ike_sa_base *b)
{
	return (b->b_tunnel != NULL ? ike_tunnel_name(b->b_tunnel) : NULL);
}

/* b's IKE SA record: 0 sent, 1 not to be sent, -1 failed. */
static int
ike_ha_ike_rec(struct ike_sa_base *b)
{
	static struct ha_ike_rec	 r;
	static uint8_t			 pl[HA_PAYLOAD_MAX];
	enum ike_sa_phase		 ph;
	const char			*name;
	int				 n, rv;

	if (!ike_ha_on(b) || (name = ike_ha_name(b)) == NULL)
		return (1);
	ph = ike_sa_base_phase(b);
	if (ph != IKE_PHASE_UP && ph != IKE_PHASE_REPLACED)
		return (1);
	memset(&r, 0, sizeof(r));
	r.ir_version = (uint8_t)b->b_ops->so_version;
	r.ir_flags = (b->b_initiator ? HA_IKE_INITIATOR : 0) |
	    (b->b_nat ? HA_IKE_NAT : 0) | (b->b_nat_local ? HA_IKE_NAT_LOCAL :
	    0);
	snprintf(r.ir_name, sizeof(r.ir_name), "%s", name);
	memcpy(r.ir_spi_i, b->b_spi_i, 8);
	memcpy(r.ir_spi_r, b->b_spi_r, 8);
	r.ir_local = b->b_local.sin_addr;
	r.ir_local_port = ntohs(b->b_local.sin_port);
	r.ir_peer = b->b_remote.sin_addr;
	r.ir_peer_port = ntohs(b->b_remote.sin_port);
	r.ir_id_type = b->b_peer_ident.pi_type;
	r.ir_id_len = b->b_peer_ident.pi_len;
	memcpy(r.ir_id, b->b_peer_ident.pi_data, r.ir_id_len);
	ike_ha_children(b, &r);
	n = -1;
	if (b->b_ops->so_ha_export(b, &r) == 0)
		n = ha_ike_encode(&r, pl, sizeof(pl));
	ha_ike_clear(&r);
	rv = ike_ha_send(b->b_ctx, HA_REC_IKE_SA, pl, n, name,
	    b->b_ops->so_kind);
	if (n != -1)
		b->b_ha_synced = 1;
	return (rv);
}

void
ike_ha_ike_sa(struct ike_sa_base *b)
{
	(void)ike_ha_ike_rec(b);
}

void
ike_ha_ike_delete(struct ike_sa_base *b)
{
	struct ha_del_rec	 r;
	uint8_t			 pl[32];

	/* a bulk dump in progress goes on after it */
	if (b->b_ctx->ctx_hax != NULL && b->b_ctx->ctx_hax->hx_bulk_next == b)
		b->b_ctx->ctx_hax->hx_bulk_next = TAILQ_NEXT(b, b_entry);
	if (!b->b_ha_synced || !ike_ha_on(b))
		return;
	b->b_ha_synced = 0;
	memset(&r, 0, sizeof(r));
	r.dr_kind = HA_DEL_IKE;
	memcpy(r.dr_spi_i, b->b_spi_i, 8);
	memcpy(r.dr_spi_r, b->b_spi_r, 8);
	ike_ha_send(b->b_ctx, HA_REC_DELETE, pl, ha_del_encode(&r, pl,
	    sizeof(pl)), ike_ha_name(b), "delete");
}

static void
ike_ha_key(struct ha_skey *k, const uint8_t *data, size_t len)
{
	k->k_len = (uint8_t)len;
	memcpy(k->k_data, data, len);
}

static void
ike_ha_prefixes(struct ha_prefix *out, uint8_t *n,
    const struct cfg_prefix *p, int np)
{
	int	 i;

	for (i = 0; i < np && i < HA_TS_MAX; i++) {
		out[i].p_addr = p[i].pf_addr;
		out[i].p_plen = p[i].pf_plen;
	}
	*n = (uint8_t)i;
}

static uint32_t
ike_ha_secs(uint64_t ms)
{
	return (ms / 1000 > UINT32_MAX ? UINT32_MAX : (uint32_t)(ms / 1000));
}

/*
 * The four keys of cs: its own, or (wiped at installation, a bulk dump)
 * the kernel's.  0 or -1.
 */
static int
ike_ha_child_keys(struct ike_sa_base *b, const struct child_sa *cs,
    int bulk, struct ha_child_rec *r)
{
	struct kernel_ops	*ko = b->b_ctx->ctx_kernel;
	size_t			 el, al, el2, al2;
	const struct child_sa_keys *k;

	if ((k = cs->cs_keys) != NULL) {
		if (cs->cs_ekey_len > HA_SKEY_MAX ||
		    cs->cs_akey_len > HA_SKEY_MAX)
			return (-1);
		ike_ha_key(&r->cr_ekey_in, k->ck_ekey_in, cs->cs_ekey_len);
		ike_ha_key(&r->cr_akey_in, k->ck_akey_in, cs->cs_akey_len);
		ike_ha_key(&r->cr_ekey_out, k->ck_ekey_out, cs->cs_ekey_len);
		ike_ha_key(&r->cr_akey_out, k->ck_akey_out, cs->cs_akey_len);
		return (0);
	}
	if (!bulk || ko->ko_sa_keys == NULL || !cs->cs_sa_in ||
	    !cs->cs_sa_out ||
	    ko->ko_sa_keys(ko->ko_arg, cs->cs_proto, cs->cs_spi_in,
	    cs->cs_local, r->cr_ekey_in.k_data, &el, r->cr_akey_in.k_data,
	    &al, HA_SKEY_MAX) == -1 ||
	    ko->ko_sa_keys(ko->ko_arg, cs->cs_proto, cs->cs_spi_out,
	    cs->cs_remote, r->cr_ekey_out.k_data, &el2,
	    r->cr_akey_out.k_data, &al2, HA_SKEY_MAX) == -1 ||
	    el != el2 || al != al2)
		return (-1);
	r->cr_ekey_in.k_len = r->cr_ekey_out.k_len = (uint8_t)el;
	r->cr_akey_in.k_len = r->cr_akey_out.k_len = (uint8_t)al;
	return (0);
}

/* cs's CHILD SA record, at its installation or (bulk 1) in a dump: 0
 * sent, 1 not to be sent, -1 failed. */
static int
ike_ha_child_rec(struct ike_sa_base *b, struct child_sa *cs, int bulk)
{
	static struct ha_child_rec	 r;
	static uint8_t			 pl[HA_PAYLOAD_MAX];
	uint64_t			 now = ike_now_ms();
	int				 n, rv;

	if (!ike_ha_on(b))
		return (1);
	memset(&r, 0, sizeof(r));
	if (ike_ha_child_keys(b, cs, bulk, &r) == -1) {
		ha_child_clear(&r);
		log_tdebug(cs->cs_name, "ha: CHILD SA %08x_i: no keys to sync",
		    ntohl(cs->cs_spi_in));
		return (1);
	}
	r.cr_version = (uint8_t)b->b_ops->so_version;
	memcpy(r.cr_ike_spi_i, b->b_spi_i, 8);
	memcpy(r.cr_ike_spi_r, b->b_spi_r, 8);
	r.cr_proto = cs->cs_proto;
	r.cr_mode = HA_MODE_TUNNEL;		/* the only one we set up */
	r.cr_flags = (cs->cs_choice.pc_esn == PROP_ESN_YES ? HA_CHILD_ESN :
	    0) | (cs->cs_initiated ? HA_CHILD_INITIATED : 0) |
	    (cs->cs_out_deferred && !cs->cs_sa_out ? HA_CHILD_OUT_DEFERRED :
	    0);
	snprintf(r.cr_name, sizeof(r.cr_name), "%s", cs->cs_name);
	r.cr_spi_in = cs->cs_spi_in;
	r.cr_spi_out = cs->cs_spi_out;
	r.cr_reqid = cs->cs_reqid;
	r.cr_local = cs->cs_local;
	r.cr_remote = cs->cs_remote;
	r.cr_encap_sport = cs->cs_encap_sport;
	r.cr_encap_dport = cs->cs_encap_dport;
	r.cr_encr = (uint16_t)cs->cs_choice.pc_encr;
	r.cr_encr_bits = (uint16_t)cs->cs_choice.pc_encr_bits;
	r.cr_integ = (uint16_t)cs->cs_choice.pc_integ;
	r.cr_dh = (uint16_t)cs->cs_dh;
	r.cr_replay_window = cs->cs_replay_window;
	/* sent at its installation, before its timers start: the whole
	 * life is left and the rekey time is not drawn yet (0) */
	r.cr_life_s = cs->cs_life.lt_life_ms != 0 ?
	    ike_ha_secs(lifetime_hard_in(&cs->cs_life, now)) : cs->cs_lifetime;
	r.cr_rekey_s = cs->cs_life.lt_life_ms != 0 ?
	    ike_ha_secs(lifetime_rekey_in(&cs->cs_life, now)) : 0;
	r.cr_life_bytes = cs->cs_life_bytes;
	r.cr_life_packets = cs->cs_life_packets;
	r.cr_soft_bytes = cs->cs_soft_bytes;
	r.cr_soft_packets = cs->cs_soft_packets;
	/* the number advertised, or where it started (0, or a takeover's
	 * start): then the standby's takeover adds its margin */
	if (cs->cs_ha_seq_adv != 0) {
		r.cr_seq_out = cs->cs_ha_seq_adv;
		r.cr_flags |= HA_CHILD_SEQ_ADVANCED;
	} else
		r.cr_seq_out = cs->cs_oseq;
	ike_ha_prefixes(r.cr_lts, &r.cr_nlts, cs->cs_lts, cs->cs_nlts);
	ike_ha_prefixes(r.cr_rts, &r.cr_nrts, cs->cs_rts, cs->cs_nrts);
	n = ha_child_encode(&r, pl, sizeof(pl));
	ha_child_clear(&r);
	rv = ike_ha_send(b->b_ctx, HA_REC_CHILD_SA, pl, n, cs->cs_name,
	    "CHILD SA");
	if (n != -1)
		cs->cs_ha_synced = 1;
	return (rv);
}

void
ike_ha_child_sa(struct ike_sa_base *b, struct child_sa *cs)
{
	(void)ike_ha_child_rec(b, cs, 0);
}

void
ike_ha_child_delete(struct ike_sa_base *b, struct child_sa *cs)
{
	struct ha_del_rec	 r;
	uint8_t			 pl[32];

	if (!cs->cs_ha_synced || !ike_ha_on(b))
		return;
	cs->cs_ha_synced = 0;
	memset(&r, 0, sizeof(r));
	r.dr_kind = HA_DEL_CHILD;
	r.dr_proto = cs->cs_proto;
	r.dr_spi_in = cs->cs_spi_in;
	ike_ha_send(b->b_ctx, HA_REC_DELETE, pl, ha_del_encode(&r, pl,
	    sizeof(pl)), cs->cs_name, "delete");
}

/* --- SEQ_ADVANCE --- */

static int
ike_ha_seq_flush(struct ike_ctx *ctx, struct ha_seq_rec *sr)
{
	static uint8_t	 pl[HA_PAYLOAD_MAX];
	int		 n;

	if (sr->sr_n == 0)
		return (0);
	n = ha_seq_encode(sr, pl, sizeof(pl));
	sr->sr_n = 0;
	return (ike_ha_send(ctx, HA_REC_SEQ_ADVANCE, pl, n, NULL,
	    "sequence number advance"));
}

/*
 * One look: the kernel's outbound sequence number of each synced CHILD
 * SA (from one counter dump), and an advance for those that crossed half
 * their margin.  An idle SA costs a lookup in the dump, no record.
 */
static void
ike_ha_seq_look(struct ike_ctx *ctx)
{
	static struct ha_seq_rec	 sr;
	struct kernel_ops		*ko = ctx->ctx_kernel;
	struct kernel_sa_stats		 st;
	struct ike_sa_base		*b;
	struct child_sa			*cs;
	uint64_t			 cur, rate, margin, adv;
	int				 looked = 0, snap = 0;

	sr.sr_n = 0;
	for (b = ike_sa_base_next(ctx, NULL, 0); b != NULL;
	    b = ike_sa_base_next(ctx, b, 0))
		TAILQ_FOREACH(cs, &b->b_children, cs_entry) {
			if (!cs->cs_ha_synced || !cs->cs_sa_out)
				continue;
			if (!looked) {	/* one dump for all of them */
				looked = 1;
				snap = (ko->ko_stats_snapshot_recent != NULL ?
				    ko->ko_stats_snapshot_recent(ko->ko_arg,
				    ctx->ctx_hax->hx_seq_ms / 2) :
				    ko->ko_stats_snapshot != NULL ?
				    ko->ko_stats_snapshot(ko->ko_arg) : -1) ==
				    0;
			}
			memset(&st, 0, sizeof(st));
			if (ko->ko_sa_stats(ko->ko_arg, cs->cs_proto,
			    cs->cs_spi_out, cs->cs_remote, &st) == -1 ||
			    (cur = st.st_oseq) == 0)
				continue;	/* gone, or nothing sent */
			rate = cur > cs->cs_ha_seq_last ? cur -
			    cs->cs_ha_seq_last : 0;
			cs->cs_ha_seq_last = cur;
			margin = rate > IKE_HA_SEQ_FLOOR / IKE_HA_SEQ_SAFETY ?
			    rate * IKE_HA_SEQ_SAFETY : IKE_HA_SEQ_FLOOR;
			if (cs->cs_ha_seq_adv > cur &&
			    cs->cs_ha_seq_adv - cur >= margin / 2)
				continue;	/* enough ahead still */
			adv = cur + margin;
			if (cs->cs_choice.pc_esn != PROP_ESN_YES &&
			    adv > UINT32_MAX)
				adv = UINT32_MAX;	/* 32-bit: the end */
			if (adv <= cs->cs_ha_seq_adv)
				continue;
			sr.sr_e[sr.sr_n].se_proto = cs->cs_proto;
			sr.sr_e[sr.sr_n].se_spi_in = cs->cs_spi_in;
			sr.sr_e[sr.sr_n].se_seq = adv;
			sr.sr_n++;
			cs->cs_ha_seq_adv = adv;
			if (sr.sr_n == HA_SEQ_ADV_MAX)
				(void)ike_ha_seq_flush(ctx, &sr);
		}
	(void)ike_ha_seq_flush(ctx, &sr);
	if (snap && ko->ko_stats_release != NULL)
		ko->ko_stats_release(ko->ko_arg);
}

static void
ike_ha_seq_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ike_hax	*hx = arg;
	struct ike_ctx	*ctx = hx->hx_ctx;

	if (ctx->ctx_ha != NULL && ha_chan_role(ctx->ctx_ha) ==
	    HA_ROLE_ACTIVE && !ctx->ctx_shutdown)
		ike_ha_seq_look(ctx);
	ike_ha_arm(hx->hx_seq_ev, hx->hx_seq_ms);
}

/* --- bulk dump --- */

/* A standby asks for everything: BEGIN now, the SAs from the timer. */
static void
ike_ha_bulk_req(void *arg, uint32_t id)
{
	struct ike_ctx	*ctx = arg;
	struct ike_hax	*hx = ctx->ctx_hax;

	if (hx == NULL || ctx->ctx_shutdown)
		return;
	if (hx->hx_bulk_id != 0)
		log_info("ha: bulk dump %u abandoned for request %u",
		    hx->hx_bulk_id, id);
	/* a serial of ours marks what this dump carried: the standby's
	 * request ids start again when it restarts */
	if (++ike_ha_bulk_serial == 0)
		ike_ha_bulk_serial = 1;
	hx->hx_bulk_serial = ike_ha_bulk_serial;
	hx->hx_bulk_id = id;
	hx->hx_bulk_count = 0;
	hx->hx_bulk_next = ike_sa_base_next(ctx, NULL, 0);
	if (ha_chan_bulk_mark(ctx->ctx_ha, HA_REC_BULK_BEGIN, id, 0) != 0) {
		hx->hx_bulk_id = 0;
		return;
	}
	ike_ha_arm(hx->hx_bulk_ev, 0);
}

int
ike_ha_keep_own(struct ike_ctx *ctx)
{
	struct ike_hax		*hx = ctx->ctx_hax;
	struct ike_sa_base	*b;
	struct child_sa		*cs;
	int			 n = 0;

	if (hx == NULL || ctx->ctx_ha == NULL ||
	    ha_chan_role(ctx->ctx_ha) != HA_ROLE_ACTIVE)
		return (0);
	hx->hx_self = 1;
	/* each IKE SA's CHILD SAs before it, as in a dump */
	for (b = ike_sa_base_next(ctx, NULL, 0); b != NULL;
	    b = TAILQ_NEXT(b, b_entry)) {
		TAILQ_FOREACH(cs, &b->b_children, cs_entry)
			if ((cs->cs_state == CHILD_SA_INSTALLED ||
			    cs->cs_state == CHILD_SA_REKEYED) && cs->cs_sa_in)
				n += ike_ha_child_rec(b, cs, 1) == 0;
		n += ike_ha_ike_rec(b) == 0;
	}
	hx->hx_self = 0;
	log_info("ha: %d records of our own SAs kept in our table (resumed "
	    "if we are made active again first)", n);
	return (n);
}

/* One step of a dump: up to IKE_HA_BULK_STEP records.  Each IKE SA's
 * CHILD SAs go before it (its record lists them, synced).  A record
 * that cannot go ends the dump: the standby sees a gap and asks again. */
static void
ike_ha_bulk_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ike_hax		*hx = arg;
	struct ike_ctx		*ctx = hx->hx_ctx;
	struct ike_sa_base	*b;
	struct child_sa		*cs;
	int			 budget = IKE_HA_BULK_STEP, rv;

	if (hx->hx_bulk_id == 0 || ctx->ctx_ha == NULL ||
	    ha_chan_role(ctx->ctx_ha) != HA_ROLE_ACTIVE) {
		hx->hx_bulk_id = 0;
		return;
	}
	while ((b = hx->hx_bulk_next) != NULL && budget > 0) {
		TAILQ_FOREACH(cs, &b->b_children, cs_entry) {
			if (cs->cs_ha_bulk == hx->hx_bulk_serial ||
			    (cs->cs_state != CHILD_SA_INSTALLED &&
			    cs->cs_state != CHILD_SA_REKEYED) || !cs->cs_sa_in)
				continue;
			if (budget == 0)
				goto next;
			cs->cs_ha_bulk = hx->hx_bulk_serial;
			if ((rv = ike_ha_child_rec(b, cs, 1)) == -1)
				goto fail;
			hx->hx_bulk_count += rv == 0;
			budget -= rv == 0;
		}
		if (budget == 0)
			break;
		if (b->b_ha_bulk != hx->hx_bulk_serial) {
			b->b_ha_bulk = hx->hx_bulk_serial;
			if ((rv = ike_ha_ike_rec(b)) == -1)
				goto fail;
			hx->hx_bulk_count += rv == 0;
			budget -= rv == 0;
		}
		hx->hx_bulk_next = TAILQ_NEXT(b, b_entry);
	}
	if (hx->hx_bulk_next == NULL) {
		if (ha_chan_bulk_mark(ctx->ctx_ha, HA_REC_BULK_END,
		    hx->hx_bulk_id, hx->hx_bulk_count) == 0)
			log_info("ha: bulk dump %u sent: %u records",
			    hx->hx_bulk_id, hx->hx_bulk_count);
		hx->hx_bulk_id = 0;
		return;
	}
 next:
	ike_ha_arm(hx->hx_bulk_ev, IKE_HA_BULK_GAP_MS);
	return;
 fail:
	log_warn("ha: bulk dump %u stopped: a record could not be sent (the "
	    "standby asks again)", hx->hx_bulk_id);
	hx->hx_bulk_id = 0;
}
