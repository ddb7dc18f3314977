/*
 * ike_diag.c - the engine's record of a tunnel's last attempt for
 * "gatewayctl doctor" (policy/diag.c writes the report).  Called where
 * both IKE versions detect a failure; keeps descriptions of what was
 * exchanged, never keys.  Network strings are bounded and escaped.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "ike/internal.h"
#include "policy/ts.h"

void
ike_diag_begin(struct ike_tunnel *t, int initiator)
{
	diag_begin(&t->t_diag, t->t_cfg->tn_ike.ike_version, initiator);
}

void
ike_diag_note(struct ike_tunnel *t, enum diag_cause c, int phase,
    const char *notify)
{
	struct tunnel_diag	*d = &t->t_diag;

	diag_set(d, c, phase);
	if (notify != NULL)
		snprintf(d->td_notify, sizeof(d->td_notify), "%s", notify);
	if (c != DIAG_NO_ANSWER)
		d->td_received = 1;
}

void
ike_diag_props(struct ike_tunnel *t, const struct prop_offer *ours,
    const struct prop_offer *theirs)
{
	struct tunnel_diag	*d = &t->t_diag;

	d->td_ours[0] = d->td_theirs[0] = '\0';
	if (ours != NULL)
		proposal_describe(ours, d->td_ours, sizeof(d->td_ours));
	if (theirs != NULL)
		proposal_describe(theirs, d->td_theirs, sizeof(d->td_theirs));
}

/* An ID as text: a dotted address, or the bytes escaped. */
static void
ike_diag_id_str(char *out, size_t len, uint8_t type, const uint8_t *data,
    size_t dlen)
{
	char	 a[INET_ADDRSTRLEN];

	if (type == IKEV2_ID_IPV4_ADDR && dlen == 4 &&
	    inet_ntop(AF_INET, data, a, sizeof(a)) != NULL)
		snprintf(out, len, "%s", a);
	else
		diag_escape(out, len, data, dlen > 255 ? 255 : dlen);
}

void
ike_diag_id(struct ike_tunnel *t, uint8_t type, const uint8_t *data,
    size_t len)
{
	struct tunnel_diag	*d = &t->t_diag;
	const struct cfg_id	*pid = &t->t_cfg->tn_ike.ike_peer_id;
	struct in_addr		 want;

	ike_diag_id_str(d->td_peer_id, sizeof(d->td_peer_id), type, data,
	    len);
	if (pid->id_type == CFG_ID_FQDN) {
		diag_escape(d->td_expected_id, sizeof(d->td_expected_id),
		    (const uint8_t *)pid->id_value, strnlen(pid->id_value,
		    CFG_ID_MAX));
		return;
	}
	want = pid->id_type == CFG_ID_IPV4 ? pid->id_addr :
	    t->t_cfg->tn_peer->pr_addr;
	ike_diag_id_str(d->td_expected_id, sizeof(d->td_expected_id),
	    IKEV2_ID_IPV4_ADDR, (const uint8_t *)&want, 4);
}

/* "a/n,b/n === c/n" for up to what fits. */
static void
ike_diag_prefixes(char *out, size_t len, const struct cfg_prefix *p, int n)
{
	char	 s[24];
	size_t	 off = strlen(out);
	int	 i;

	for (i = 0; i < n && off + sizeof(s) + 2 < len; i++) {
		cfg_prefix_str(&p[i], s, sizeof(s));
		off += (size_t)snprintf(out + off, len - off, "%s%s",
		    i ? "," : "", s);
	}
}

static void
ike_diag_tslist(char *out, size_t len, const struct ts_list *l)
{
	struct cfg_prefix	 p[4];
	int			 i, n, first = 1;
	size_t			 off;

	for (i = 0; i < l->tsl_n && i < TS_MAX; i++) {
		if ((n = ts_to_prefixes(&l->tsl_ts[i], p, 4)) <= 0)
			continue;
		off = strlen(out);
		if (!first && off + 2 < len)
			strcat(out, ",");
		ike_diag_prefixes(out, len, p, n);
		first = 0;
	}
}

void
ike_diag_ts(struct ike_tunnel *t, const struct ts_list *local,
    const struct ts_list *remote)
{
	struct tunnel_diag	*d = &t->t_diag;
	const struct cfg_tunnel	*c = t->t_cfg;

	d->td_ts_ours[0] = d->td_ts_theirs[0] = '\0';
	ike_diag_prefixes(d->td_ts_ours, sizeof(d->td_ts_ours), c->tn_local,
	    c->tn_nlocal);
	strcat(d->td_ts_ours, " === ");
	ike_diag_prefixes(d->td_ts_ours, sizeof(d->td_ts_ours), c->tn_remote,
	    c->tn_nremote);
	if (local == NULL || remote == NULL)
		return;
	/* theirs as seen from our side: our local first */
	ike_diag_tslist(d->td_ts_theirs, sizeof(d->td_ts_theirs) / 2, local);
	strcat(d->td_ts_theirs, " === ");
	ike_diag_tslist(d->td_ts_theirs, sizeof(d->td_ts_theirs), remote);
}

/* 1 if t is configured between local and remote (0.0.0.0 peers: no). */
static int
ike_diag_peer_is(const struct ike_tunnel *t, const struct sockaddr_in *local,
    const struct sockaddr_in *remote)
{
	const struct cfg_tunnel	*c = t->t_cfg;

	return (c->tn_gw->gw_addr.s_addr == local->sin_addr.s_addr &&
	    c->tn_peer->pr_addr.s_addr == remote->sin_addr.s_addr);
}

/* At a failure: keeps the last error; a failure no hook named is
 * "other". */
void
ike_diag_failed(struct ike_tunnel *t, int phase)
{
	struct tunnel_diag	*d = &t->t_diag;

	snprintf(d->td_detail, sizeof(d->td_detail), "%s", t->t_last_error);
	if (d->td_cause == DIAG_NONE)
		diag_set(d, DIAG_OTHER, phase);
	/* the next attempt starts a new record: keep this one to show */
	t->t_diag_last = *d;
}

void
ike_diag_version_seen(struct ike_ctx *ctx, const uint8_t *pkt, size_t len,
    const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
	static const uint8_t	 zero[8];
	struct ike_tunnel	*t;
	int			 v, same = 0;

	if (len < 28)
		return;
	v = pkt[17] >> 4;
	/* IKEv1: a new exchange has no responder cookie (RFC 2408 §3.1) */
	if (v == 1 && memcmp(pkt + 8, zero, 8) != 0)
		return;
	TAILQ_FOREACH(t, &ctx->ctx_tunnels, t_entry)
		if (!t->t_removed && ike_diag_peer_is(t, local, remote) &&
		    t->t_cfg->tn_ike.ike_version == v)
			same = 1;
	if (same)
		return;
	TAILQ_FOREACH(t, &ctx->ctx_tunnels, t_entry) {
		if (t->t_removed || !ike_diag_peer_is(t, local, remote))
			continue;
		ike_diag_begin(t, 0);
		ike_diag_note(t, DIAG_VERSION, 1, NULL);
		snprintf(t->t_diag.td_detail, sizeof(t->t_diag.td_detail),
		    "the peer sent an IKEv%d %s request", v, v == 2 ?
		    "IKE_SA_INIT" : pkt[18] == 4 ? "Aggressive Mode" :
		    "Main Mode");
	}
}

int
ike_tunnel_doctor(struct ike_ctx *ctx, const char *name,
    struct tunnel_diag *out, enum tunnel_state *state)
{
	struct ike_tunnel	*t;

	TAILQ_FOREACH(t, &ctx->ctx_tunnels, t_entry) {
		if (t->t_removed || strcmp(t->t_cfg->tn_name, name) != 0)
			continue;
		/* what this attempt found so far, else the last failure */
		*out = t->t_diag.td_cause != DIAG_NONE ? t->t_diag :
		    t->t_diag_last;
		if (out->td_detail[0] == '\0')
			snprintf(out->td_detail, sizeof(out->td_detail), "%s",
			    t->t_last_error);
		*state = t->t_state;
		return (0);
	}
	return (-1);
}
