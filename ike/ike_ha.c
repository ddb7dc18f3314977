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
 */
#include <netinet/in.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/log.h"
#include "ike/ha_chan.h"
#include "ike/ha_state.h"
#include "ike/internal.h"
#include "ike/sa_base.h"
#include "ipsec/child_sa.h"

void
ike_ha_set(struct ike_ctx *ctx, struct ha_chan *c)
{
	ctx->ctx_ha = c;
}

static int
ike_ha_on(const struct ike_sa_base *b)
{
	return (b->b_ctx->ctx_ha != NULL && b->b_ops->so_ha_export != NULL &&
	    ha_chan_role(b->b_ctx->ctx_ha) == HA_ROLE_ACTIVE);
}

/* Seals pl as one record; wipes pl. */
static void
ike_ha_send(struct ike_ctx *ctx, uint8_t type, uint8_t *pl, int len,
    const char *name, const char *what)
{
	if (len == -1)
		log_twarn(name, "ha: cannot encode the %s record", what);
	else if (ha_chan_send(ctx->ctx_ha, type, pl, (size_t)len) == -1)
		log_tdebug(name, "ha: the %s record was not sent", what);
	if (len > 0)
		OPENSSL_cleanse(pl, (size_t)len);
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

void
ike_ha_ike_sa(struct ike_sa_base *b)
{
	static struct ha_ike_rec	 r;
	static uint8_t			 pl[HA_PAYLOAD_MAX];
	enum ike_sa_phase		 ph;
	const char			*name;
	int				 n;

	if (!ike_ha_on(b) || (name = ike_ha_name(b)) == NULL)
		return;
	ph = ike_sa_base_phase(b);
	if (ph != IKE_PHASE_UP && ph != IKE_PHASE_REPLACED)
		return;
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
	ike_ha_send(b->b_ctx, HA_REC_IKE_SA, pl, n, name, b->b_ops->so_kind);
	if (n != -1)
		b->b_ha_synced = 1;
}

void
ike_ha_ike_delete(struct ike_sa_base *b)
{
	struct ha_del_rec	 r;
	uint8_t			 pl[32];

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

void
ike_ha_child_sa(struct ike_sa_base *b, struct child_sa *cs)
{
	static struct ha_child_rec	 r;
	static uint8_t			 pl[HA_PAYLOAD_MAX];
	uint64_t			 now = ike_now_ms();
	int				 n;

	if (!ike_ha_on(b))
		return;
	if (cs->cs_keys_wiped || cs->cs_ekey_len > HA_SKEY_MAX ||
	    cs->cs_akey_len > HA_SKEY_MAX) {
		log_tdebug(cs->cs_name, "ha: CHILD SA %08x_i: no keys to sync",
		    ntohl(cs->cs_spi_in));
		return;
	}
	memset(&r, 0, sizeof(r));
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
	r.cr_seq_out = 0;			/* just installed */
	ike_ha_prefixes(r.cr_lts, &r.cr_nlts, cs->cs_lts, cs->cs_nlts);
	ike_ha_prefixes(r.cr_rts, &r.cr_nrts, cs->cs_rts, cs->cs_nrts);
	ike_ha_key(&r.cr_ekey_in, cs->cs_ekey_in, cs->cs_ekey_len);
	ike_ha_key(&r.cr_akey_in, cs->cs_akey_in, cs->cs_akey_len);
	ike_ha_key(&r.cr_ekey_out, cs->cs_ekey_out, cs->cs_ekey_len);
	ike_ha_key(&r.cr_akey_out, cs->cs_akey_out, cs->cs_akey_len);
	n = ha_child_encode(&r, pl, sizeof(pl));
	ha_child_clear(&r);
	ike_ha_send(b->b_ctx, HA_REC_CHILD_SA, pl, n, cs->cs_name, "CHILD SA");
	if (n != -1)
		cs->cs_ha_synced = 1;
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
