/*
 * ike_takeover_child.c - HA takeover's parts shared by both IKE versions
 * (ike_takeover.c, IKEv2; ikev1_takeover.c, IKEv1), which both include
 * this and nothing of each other's: a CHILD SA (IKEv1: an IPsec SA)
 * built from its sync record, not yet installed, its outbound sequence
 * numbers past anything the old node can have sent; the segment pair of
 * the tunnel a CHILD SA's selectors are; an address and port as a
 * sockaddr.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "ike/ha_state.h"
#include "ike/internal.h"
#include "ipsec/child_sa.h"
#include "policy/config.h"

void
ike_takeover_sin(struct sockaddr_in *sin, struct in_addr a, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr = a;
	sin->sin_port = htons(port);
}

int
ike_takeover_pair(const struct cfg_tunnel *c, const struct child_sa *cs)
{
	int	 l, r;

	for (l = 0; l < c->tn_nlocal; l++)
		for (r = 0; r < c->tn_nremote; r++)
			if (c->tn_local[l].pf_addr.s_addr ==
			    cs->cs_lts[0].pf_addr.s_addr &&
			    c->tn_local[l].pf_plen == cs->cs_lts[0].pf_plen &&
			    c->tn_remote[r].pf_addr.s_addr ==
			    cs->cs_rts[0].pf_addr.s_addr &&
			    c->tn_remote[r].pf_plen == cs->cs_rts[0].pf_plen)
				return (l * c->tn_nremote + r);
	return (-1);
}

static void
ike_takeover_prefixes(struct cfg_prefix *out, int *n,
    const struct ha_prefix *p, uint8_t np)
{
	int	 i;

	for (i = 0; i < np && i < CFG_MAX_SEGMENTS; i++) {
		out[i].pf_addr = p[i].p_addr;
		out[i].pf_plen = p[i].p_plen;
	}
	*n = i;
}

/* 0, or -1 out of memory */
static int
ike_takeover_child_keys(struct child_sa *cs, const struct ha_child_rec *r)
{
	struct child_sa_keys	*k;

	if ((k = child_sa_keys_get(cs)) == NULL)
		return (-1);
	cs->cs_ekey_len = r->cr_ekey_in.k_len;
	cs->cs_akey_len = r->cr_akey_in.k_len;
	memcpy(k->ck_ekey_in, r->cr_ekey_in.k_data, cs->cs_ekey_len);
	memcpy(k->ck_akey_in, r->cr_akey_in.k_data, cs->cs_akey_len);
	memcpy(k->ck_ekey_out, r->cr_ekey_out.k_data, cs->cs_ekey_len);
	memcpy(k->ck_akey_out, r->cr_akey_out.k_data, cs->cs_akey_len);
	return (0);
}

struct child_sa *
ike_takeover_child_make(const struct cfg_tunnel *c,
    const struct ha_child_rec *r)
{
	struct child_sa		*cs;

	if (r->cr_mode != HA_MODE_TUNNEL || r->cr_nlts == 0 ||
	    r->cr_nrts == 0 ||
	    r->cr_ekey_out.k_len != r->cr_ekey_in.k_len ||
	    r->cr_akey_out.k_len != r->cr_akey_in.k_len ||
	    r->cr_ekey_in.k_len > CRYPTO_MAX_KEY ||
	    r->cr_akey_in.k_len > CRYPTO_MAX_KEY ||
	    (cs = child_sa_new(c->tn_name, r->cr_proto, r->cr_local,
	    r->cr_remote)) == NULL)
		return (NULL);
	cs->cs_adopted = 1;
	cs->cs_reqid = r->cr_reqid;
	cs->cs_spi_in = r->cr_spi_in;
	cs->cs_spi_out = r->cr_spi_out;
	cs->cs_encap_sport = r->cr_encap_sport;
	cs->cs_encap_dport = r->cr_encap_dport;
	cs->cs_choice.pc_encr = r->cr_encr;
	cs->cs_choice.pc_encr_bits = r->cr_encr_bits;
	cs->cs_choice.pc_integ = r->cr_integ;
	cs->cs_choice.pc_esn = (r->cr_flags & HA_CHILD_ESN) ? PROP_ESN_YES :
	    PROP_ESN_NONE;
	cs->cs_dh = r->cr_dh;
	cs->cs_initiated = (r->cr_flags & HA_CHILD_INITIATED) != 0;
	cs->cs_out_deferred = (r->cr_flags & HA_CHILD_OUT_DEFERRED) != 0;
	cs->cs_replay_window = r->cr_replay_window;
	/* the kernel's hard expiry: what is left of it */
	cs->cs_lifetime = r->cr_life_s;
	cs->cs_life_bytes = r->cr_life_bytes;
	cs->cs_life_packets = r->cr_life_packets;
	cs->cs_soft_bytes = r->cr_soft_bytes;
	cs->cs_soft_packets = r->cr_soft_packets;
	/* advertised ahead of use (SEQ_ADVANCE): from there; else only
	 * the number at installation is known: the margin past it */
	cs->cs_oseq = (r->cr_flags & HA_CHILD_SEQ_ADVANCED) ? r->cr_seq_out :
	    r->cr_seq_out + IKE_TAKEOVER_SEQ_MARGIN;
	ike_takeover_prefixes(cs->cs_lts, &cs->cs_nlts, r->cr_lts, r->cr_nlts);
	ike_takeover_prefixes(cs->cs_rts, &cs->cs_nrts, r->cr_rts, r->cr_nrts);
	if (ike_takeover_child_keys(cs, r) == -1) {
		child_sa_free(cs);
		return (NULL);
	}
	return (cs);
}
