/*
 * ike.c - the engine: tunnels, datagram dispatch and the ike_* API.
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
#define IKE_REPLACE_AGE		30	/* s: an older SA is a stale one */
#define IKE_PORT		500
#define IKE_REKEYED_MS		30000	/* wait for the old SA's DELETE */
#define IKE_COOKIE_HALFOPEN	10	/* demand cookies from here on */

static void	ike_kernel_expire(void *, uint8_t, uint32_t, struct in_addr,
		    int);
static void	ike_kernel_acquire(void *, struct in_addr, uint8_t,
		    struct in_addr, uint8_t);

static const char *const tunnel_state_names[] = {
	[TUNNEL_DOWN] = "Down",
	[TUNNEL_CONNECTING] = "Connecting",
	[TUNNEL_CONNECTED] = "Connected",
	[TUNNEL_PHASE1_FAILED] = "Phase 1 failed",
	[TUNNEL_PHASE2_FAILED] = "Phase 2 failed",
};

static int	ike_tunnel_initiate(struct ike_tunnel *t);

const char *
tunnel_state_name(enum tunnel_state s)
{
	if ((unsigned)s >= sizeof(tunnel_state_names) /
	    sizeof(tunnel_state_names[0]))
		return ("?");
	return (tunnel_state_names[s]);
}

const char *
ike_tunnel_name(const struct ike_tunnel *t)
{
	return (t->t_cfg->tn_name);
}

void
ike_event(struct ike_ctx *ctx, const char *tunnel, const char *event,
    const char *fmt, ...)
{
	va_list	 ap;

	if (tunnel == NULL)
		return;
	va_start(ap, fmt);
	connlog_vadd(ctx->ctx_connlog, tunnel, event, fmt, ap);
	va_end(ap);
}

void
ike_connlog_set(struct ike_ctx *ctx, struct connlog *cl)
{
	ctx->ctx_connlog = cl;
}

void
ike_tunnel_set_state(struct ike_tunnel *t, enum tunnel_state s)
{
	if (t->t_state == s)
		return;
	ike_event(t->t_ctx, ike_tunnel_name(t), "state", "%s -> %s",
	    tunnel_state_name(t->t_state), tunnel_state_name(s));
	t->t_state = s;
}

static void
ike_tunnel_routes(struct ike_tunnel *t, int add, struct in_addr peer)
{
	struct kernel_ops	*ko = t->t_ctx->ctx_kernel;
	struct cfg_tunnel	*c = t->t_cfg;
	struct in_addr		 src = { INADDR_ANY };
	int			 i;

	if (t->t_routes == add)
		return;
	if (add)
		t->t_route_peer = peer;
	/*
	 * Source: the gateway's own address in a local segment, where it has
	 * one, so that traffic from the gateway itself matches the policies.
	 */
	for (i = 0; ko->ko_local_addr != NULL && i < c->tn_nlocal; i++)
		if (ko->ko_local_addr(ko->ko_arg, c->tn_local[i].pf_addr,
		    c->tn_local[i].pf_plen, &src) == 0)
			break;
	for (i = 0; i < c->tn_nremote; i++) {
		if (add)
			ko->ko_route_add(ko->ko_arg, c->tn_remote[i].pf_addr,
			    c->tn_remote[i].pf_plen, t->t_route_peer, src);
		else
			ko->ko_route_del(ko->ko_arg, c->tn_remote[i].pf_addr,
			    c->tn_remote[i].pf_plen, t->t_route_peer, src);
	}
	t->t_routes = add;
}

struct ike_sa *
ike_tunnel_sa(struct ike_tunnel *t)
{
	struct ike_sa	*sa;

	TAILQ_FOREACH(sa, &t->t_ctx->ctx_sas, sa_entry)
		if (sa->sa_tunnel == t && sa->sa_state == IKE_SA_ESTABLISHED)
			return (sa);
	return (NULL);
}

static int
ike_tunnel_connected(struct ike_tunnel *t, struct in_addr *peer)
{
	struct ike_sa	*sa;
	struct child_sa	*cs;

	if (ikev1_tunnel_connected(t, peer))	/* IKEv1 */
		return (1);
	TAILQ_FOREACH(sa, &t->t_ctx->ctx_sas, sa_entry) {
		if (sa->sa_tunnel != t || sa->sa_state != IKE_SA_ESTABLISHED)
			continue;
		TAILQ_FOREACH(cs, &sa->sa_children, cs_entry)
			if (cs->cs_state == CHILD_SA_INSTALLED) {
				*peer = sa->sa_remote.sin_addr;
				return (1);
			}
	}
	return (0);
}

void
ike_tunnel_update(struct ike_tunnel *t)
{
	struct in_addr	 peer;

	if (ike_tunnel_connected(t, &peer)) {
		if (t->t_state != TUNNEL_CONNECTED) {
			ike_tunnel_set_state(t, TUNNEL_CONNECTED);
			t->t_failures = 0;
		}
		/* the new CHILD SAs' policies replaced the held ones */
		ike_tunnel_held_drop(t, 0);
		ike_tunnel_routes(t, 1, peer);
		return;
	}
	/* held (dpd-action hold): the routes stay with the policies, so
	 * that the traffic reaches them (and raises ACQUIRE) */
	if (t->t_nheld == 0)
		ike_tunnel_routes(t, 0, t->t_route_peer);
	if (t->t_state == TUNNEL_CONNECTED)
		ike_tunnel_set_state(t, t->t_want ? TUNNEL_CONNECTING :
		    TUNNEL_DOWN);
}

static int
ike_tunnel_busy(struct ike_tunnel *t)
{
	struct ike_sa	*sa;

	if (ikev1_tunnel_busy(t))	/* IKEv1 */
		return (1);
	TAILQ_FOREACH(sa, &t->t_ctx->ctx_sas, sa_entry)
		if (sa->sa_tunnel == t && sa->sa_state != IKE_SA_DELETING &&
		    sa->sa_state != IKE_SA_DEAD)
			return (1);
	return (0);
}

static void
ike_tunnel_retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ike_tunnel	*t = arg;

	if (!t->t_want || t->t_ctx->ctx_shutdown || ike_tunnel_busy(t))
		return;
	log_tinfo(ike_tunnel_name(t), "retrying (attempt %d)",
	    t->t_failures + 1);
	ike_tunnel_initiate(t);
}

static void
ike_tunnel_retry(struct ike_tunnel *t, unsigned ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	if (t->t_retry_ev != NULL)
		evtimer_add(t->t_retry_ev, &tv);
}

/*
 * One failed attempt.  Seed rule: 3 failed attempts give a failed state,
 * then a retry every 12 s.  Tunnels we do not initiate fail at once.
 */
void
ike_tunnel_failed(struct ike_tunnel *t, int phase, const char *fmt, ...)
{
	struct ike_ctx	*ctx = t->t_ctx;
	char		 why[sizeof(t->t_last_error)];
	va_list		 ap;

	/* the arguments may point into t_last_error */
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	memcpy(t->t_last_error, why, sizeof(why));
	ike_diag_failed(t, phase);
	t->t_failures++;
	t->t_failures_total++;
	ike_event(ctx, ike_tunnel_name(t), "failure", "phase %d (attempt %d): "
	    "%s", phase, t->t_failures, t->t_last_error);
	if ((ike_tunnel_sa(t) != NULL || ikev1_tunnel_sa(t) != NULL) &&
	    phase == 2 &&
	    t->t_state == TUNNEL_CONNECTED)
		return;
	/* keyingtries failed attempts in a row: a failed state */
	if (!t->t_want || t->t_failures >= t->t_cfg->tn_keyingtries)
		ike_tunnel_set_state(t, phase == 1 ? TUNNEL_PHASE1_FAILED :
		    TUNNEL_PHASE2_FAILED);
	if (t->t_want && !ctx->ctx_shutdown)
		ike_tunnel_retry(t, t->t_failures >= t->t_cfg->tn_keyingtries ?
		    ctx->ctx_retry_slow_ms : ctx->ctx_retry_fast_ms);
}

void
ike_tunnel_error(struct ike_tunnel *t, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(t->t_last_error, sizeof(t->t_last_error), fmt, ap);
	va_end(ap);
}

void
ike_tunnel_sa_gone(struct ike_tunnel *t, int failed)
{
	ike_tunnel_update(t);
	if (!t->t_want || t->t_ctx->ctx_shutdown || ike_tunnel_busy(t))
		return;
	if (t->t_state == TUNNEL_DOWN)
		ike_tunnel_set_state(t, TUNNEL_CONNECTING);
	ike_tunnel_retry(t, failed ? t->t_ctx->ctx_retry_fast_ms : 0);
}

static int
ike_tunnel_initiate(struct ike_tunnel *t)
{
	struct cfg_tunnel	*c = t->t_cfg;
	struct sockaddr_in	 local, remote;
	struct ike_sa		*sa;

	if (c->tn_peer->pr_addr.s_addr == INADDR_ANY) {
		log_twarn(ike_tunnel_name(t), "cannot initiate towards "
		    "0.0.0.0: waiting for the peer");
		return (-1);
	}
	memset(&local, 0, sizeof(local));
	local.sin_family = AF_INET;
	local.sin_addr = c->tn_gw->gw_addr;
	local.sin_port = htons(IKE_PORT);
	remote = local;
	remote.sin_addr = c->tn_peer->pr_addr;
	memset(t->t_pair, PAIR_NONE, sizeof(t->t_pair));
	ike_diag_begin(t, 1);
	ike_event(t->t_ctx, ike_tunnel_name(t), "attempt", "IKEv%d%s "
	    "initiator to %s", c->tn_ike.ike_version,
	    c->tn_ike.ike_version == 1 ? (c->tn_ike.ike_mode ==
	    CFG_IKE_AGGRESSIVE ? " aggressive mode" : " main mode") : "",
	    inet_ntoa(remote.sin_addr));
	if (t->t_state != TUNNEL_CONNECTED &&
	    t->t_failures < t->t_cfg->tn_keyingtries)
		ike_tunnel_set_state(t, TUNNEL_CONNECTING);
	if (c->tn_ike.ike_version == 1)		/* IKEv1 */
		return (ikev1_tunnel_initiate(t, &local, &remote));
	if ((sa = ike_sa_new(t->t_ctx, t, 1, &local, &remote)) == NULL)
		return (-1);
	if (ikev2_init_start(sa) == -1) {
		ike_sa_destroy(sa);
		ike_tunnel_failed(t, 1, "cannot start IKE_SA_INIT");
		return (-1);
	}
	return (0);
}

int
ike_tunnel_candidates(struct ike_ctx *ctx, const struct sockaddr_in *local,
    const struct sockaddr_in *remote, struct ike_tunnel **out, int max)
{
	struct ike_tunnel	*t;
	int			 n = 0;

	TAILQ_FOREACH(t, &ctx->ctx_tunnels, t_entry) {
		if (t->t_removed || t->t_cfg->tn_ike.ike_version != 2 ||
		    t->t_cfg->tn_gw->gw_addr.s_addr != local->sin_addr.s_addr)
			continue;
		if (t->t_cfg->tn_peer->pr_addr.s_addr != INADDR_ANY &&
		    t->t_cfg->tn_peer->pr_addr.s_addr !=
		    remote->sin_addr.s_addr)
			continue;
		if (n < max)
			out[n++] = t;
	}
	return (n);
}

/* The address that initiated sa. */
static uint32_t
ike_sa_initiator_addr(const struct ike_sa *sa)
{
	return (ntohl(sa->sa_initiator ? sa->sa_local.sin_addr.s_addr :
	    sa->sa_remote.sin_addr.s_addr));
}

static void
ike_sa_drop(struct ike_sa *sa)
{
	log_tinfo(ike_sa_name(sa), "dropping duplicate IKE SA (%s)",
	    sa->sa_initiator ? "ours" : "the peer's");
	if (sa->sa_state == IKE_SA_ESTABLISHED)
		ikev2_info_delete_ike(sa);
	else
		ike_sa_destroy(sa);
}

/*
 * Both gateways may initiate the same tunnel at once.  The IKE SA whose
 * initiator has the lower address is kept on both sides; an SA that was
 * established long ago is stale (the peer restarted) and is replaced.
 */
void
ike_tunnel_collision(struct ike_tunnel *t, struct ike_sa *sa)
{
	struct ike_sa	*o, *loser;
	struct child_sa	*cs;
	time_t		 now = time(NULL);
	int		 dropped = 0;

	/* dropping an SA may drop another (its rekey): rescan each time */
again:
	TAILQ_FOREACH(o, &t->t_ctx->ctx_sas, sa_entry) {
		if (o == sa || o->sa_tunnel != t ||
		    o->sa_state == IKE_SA_NEW ||
		    o->sa_state == IKE_SA_DELETING ||
		    o->sa_state == IKE_SA_REKEYED || o->sa_state == IKE_SA_DEAD)
			continue;
		if (o->sa_state == IKE_SA_ESTABLISHED &&
		    now - o->sa_established >= IKE_REPLACE_AGE)
			loser = o;
		else if (ike_sa_initiator_addr(o) < ike_sa_initiator_addr(sa))
			loser = sa;
		else
			loser = o;
		dropped = 1;
		if (loser == sa) {
			ike_sa_drop(sa);
			break;
		}
		ike_sa_drop(o);
		goto again;
	}
	/* the survivors' policies may have gone with the loser's */
	TAILQ_FOREACH(o, &t->t_ctx->ctx_sas, sa_entry)
		if (o->sa_tunnel == t && o->sa_state == IKE_SA_ESTABLISHED)
			TAILQ_FOREACH(cs, &o->sa_children, cs_entry)
				if (dropped && cs->cs_state == CHILD_SA_INSTALLED)
					child_sa_policies_refresh(cs,
					    t->t_ctx->ctx_kernel);
	ike_tunnel_update(t);
}

size_t
ike_tunnel_local_id(const struct ike_tunnel *t, uint8_t *type, uint8_t *out)
{
	const struct cfg_id	*id = &t->t_cfg->tn_ike.ike_local_id;
	size_t			 len;

	switch (id->id_type) {
	case CFG_ID_FQDN:
		*type = IKEV2_ID_FQDN;
		len = strnlen(id->id_value, CFG_ID_MAX);
		memcpy(out, id->id_value, len);
		return (len);
	case CFG_ID_IPV4:
		*type = IKEV2_ID_IPV4_ADDR;
		memcpy(out, &id->id_addr, 4);
		return (4);
	default:
		*type = IKEV2_ID_IPV4_ADDR;
		memcpy(out, &t->t_cfg->tn_gw->gw_addr, 4);
		return (4);
	}
}

int
ike_tunnel_peer_id_match(const struct ike_tunnel *t, const struct ikev2_id *id)
{
	const struct cfg_id	*pid = &t->t_cfg->tn_ike.ike_peer_id;
	struct in_addr		 want;
	size_t			 i, len;

	switch (pid->id_type) {
	case CFG_ID_FQDN:
		len = strnlen(pid->id_value, CFG_ID_MAX);
		if (id->id_type != IKEV2_ID_FQDN || id->id_len != len)
			return (0);
		for (i = 0; i < len; i++)
			if (tolower((unsigned char)id->id_data[i]) !=
			    tolower((unsigned char)pid->id_value[i]))
				return (0);
		return (1);
	case CFG_ID_IPV4:
		want = pid->id_addr;
		break;
	default:
		/* default peer-id on a 0.0.0.0 peer: any */
		want = t->t_cfg->tn_peer->pr_addr;
		if (want.s_addr == INADDR_ANY)
			return (1);
		break;
	}
	return (id->id_type == IKEV2_ID_IPV4_ADDR && id->id_len == 4 &&
	    memcmp(id->id_data, &want, 4) == 0);
}

void
ike_peer_ident_set(struct ike_peer_ident *pi, uint8_t type,
    const uint8_t *data, size_t len)
{
	size_t	 i;

	memset(pi, 0, sizeof(*pi));
	if (len > sizeof(pi->pi_data))
		len = sizeof(pi->pi_data);
	pi->pi_type = type;
	pi->pi_len = (uint8_t)len;
	memcpy(pi->pi_data, data, len);
	/* DNS names compare without case */
	if (type == IKEV2_ID_FQDN)
		for (i = 0; i < len; i++)
			if (pi->pi_data[i] >= 'A' && pi->pi_data[i] <= 'Z')
				pi->pi_data[i] += 'a' - 'A';
}

int
ike_peer_ident_eq(const struct ike_peer_ident *a,
    const struct ike_peer_ident *b)
{
	return (a->pi_type != 0 && a->pi_type == b->pi_type &&
	    a->pi_len == b->pi_len &&
	    memcmp(a->pi_data, b->pi_data, a->pi_len) == 0);
}

void
ike_tunnel_peer_ident(const struct ike_tunnel *t, struct ike_peer_ident *pi)
{
	const struct cfg_id	*id = &t->t_cfg->tn_ike.ike_peer_id;
	struct in_addr		 a;

	memset(pi, 0, sizeof(*pi));
	switch (id->id_type) {
	case CFG_ID_FQDN:
		ike_peer_ident_set(pi, IKEV2_ID_FQDN,
		    (const uint8_t *)id->id_value,
		    strnlen(id->id_value, CFG_ID_MAX));
		break;
	case CFG_ID_IPV4:
		ike_peer_ident_set(pi, IKEV2_ID_IPV4_ADDR,
		    (const uint8_t *)&id->id_addr, 4);
		break;
	default:
		a = t->t_cfg->tn_peer->pr_addr;
		if (a.s_addr != INADDR_ANY)
			ike_peer_ident_set(pi, IKEV2_ID_IPV4_ADDR,
			    (const uint8_t *)&a, 4);
		break;
	}
}

/* The identity of an IKEv2 SA: authenticated, or its tunnel's. */
static int
ike_sa_ident_is(const struct ike_sa *sa, const struct ike_peer_ident *pi)
{
	struct ike_peer_ident	 tp;

	if (sa->sa_peer_ident.pi_type != 0)
		return (ike_peer_ident_eq(&sa->sa_peer_ident, pi));
	if (sa->sa_tunnel == NULL)
		return (0);
	ike_tunnel_peer_ident(sa->sa_tunnel, &tp);
	return (ike_peer_ident_eq(&tp, pi));
}

int
ike_initial_contact_ok(struct ike_ctx *ctx, const struct ike_tunnel *t,
    const void *self)
{
	struct ike_peer_ident	 pi;
	struct ike_sa		*o;

	ike_tunnel_peer_ident(t, &pi);
	if (pi.pi_type == 0)
		return (0);
	TAILQ_FOREACH(o, &ctx->ctx_sas, sa_entry)
		if ((const void *)o != self && o->sa_state != IKE_SA_NEW &&
		    o->sa_state != IKE_SA_DELETING &&
		    o->sa_state != IKE_SA_DEAD && ike_sa_ident_is(o, &pi))
			return (0);
	return (!ikev1_ident_busy(ctx, &pi, self));
}

void
ike_initial_contact_recv(struct ike_ctx *ctx, const struct ike_peer_ident *pi,
    const void *self)
{
	const struct ike_sa	*me = NULL;
	struct ike_sa		*o;
	struct ike_tunnel	*t;
	struct child_sa		*cs;
	int			 dropped = 0;

	if (pi->pi_type == 0)
		return;
again:
	TAILQ_FOREACH(o, &ctx->ctx_sas, sa_entry) {
		if ((const void *)o == self) {
			me = o;
			continue;
		}
		if ((o->sa_state != IKE_SA_ESTABLISHED &&
		    o->sa_state != IKE_SA_REKEYED) || !ike_sa_ident_is(o, pi))
			continue;
		ike_event(ctx, ike_sa_name(o), "initial-contact", "from the "
		    "same peer identity: removing the stale IKE SA");
		t = o->sa_tunnel;
		o->sa_tunnel = NULL;
		ike_sa_destroy(o);
		dropped++;
		if (t != NULL && (me == NULL || t != me->sa_tunnel))
			ike_tunnel_sa_gone(t, 0);
		goto again;
	}
	dropped += ikev1_ident_drop(ctx, pi, self);
	if (dropped == 0)
		return;
	/* the stale SAs' policies had our new CHILD SAs' selectors */
	TAILQ_FOREACH(o, &ctx->ctx_sas, sa_entry)
		if (o->sa_state == IKE_SA_ESTABLISHED)
			TAILQ_FOREACH(cs, &o->sa_children, cs_entry)
				if (cs->cs_state == CHILD_SA_INSTALLED)
					child_sa_policies_refresh(cs,
					    ctx->ctx_kernel);
}

static struct ike_tunnel *
ike_tunnel_add(struct ike_ctx *ctx, struct cfg_tunnel *c)
{
	struct ike_tunnel	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (NULL);
	t->t_ctx = ctx;
	t->t_cfg = c;
	t->t_want = c->tn_initiate;
	if ((t->t_held = calloc(IKE_HELD_MAX, sizeof(*t->t_held))) == NULL ||
	    (t->t_retry_ev = evtimer_new(ctx->ctx_base, ike_tunnel_retry_cb,
	    t)) == NULL) {
		free(t->t_held);
		free(t);
		return (NULL);
	}
	TAILQ_INSERT_TAIL(&ctx->ctx_tunnels, t, t_entry);
	return (t);
}

static struct ike_tunnel *
ike_tunnel_find(struct ike_ctx *ctx, const char *name)
{
	struct ike_tunnel	*t;

	TAILQ_FOREACH(t, &ctx->ctx_tunnels, t_entry)
		if (!t->t_removed && strcmp(t->t_cfg->tn_name, name) == 0)
			return (t);
	return (NULL);
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
	TAILQ_INIT(&ctx->ctx_sas);
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
	ctx->ctx_cookie_threshold = IKE_COOKIE_HALFOPEN;
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
    int hard)
{
	struct ike_ctx	*ctx = arg;
	struct ike_sa	*sa;
	struct child_sa	*cs;

	TAILQ_FOREACH(sa, &ctx->ctx_sas, sa_entry)
		TAILQ_FOREACH(cs, &sa->sa_children, cs_entry) {
			if (cs->cs_proto != proto || !((cs->cs_spi_in == spi &&
			    cs->cs_local.s_addr == dst.s_addr) ||
			    (cs->cs_spi_out == spi &&
			    cs->cs_remote.s_addr == dst.s_addr)))
				continue;
			if (hard)
				ikev2_child_expired(sa, cs, spi);
			else
				ikev2_child_soft_expired(sa, cs);
			return;
		}
	if (ikev1_kernel_expire(ctx, proto, spi, dst, hard))
		return;
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

int
ike_ctx_cookie_rotate(struct ike_ctx *ctx)
{
	memcpy(ctx->ctx_cookie_secret[1], ctx->ctx_cookie_secret[0],
	    sizeof(ctx->ctx_cookie_secret[0]));
	if (RAND_bytes(ctx->ctx_cookie_secret[0],
	    sizeof(ctx->ctx_cookie_secret[0])) != 1)
		return (-1);
	ctx->ctx_cookie_version++;
	ctx->ctx_cookie_prev_ok = 1;
	ctx->ctx_cookie_born_ms = ike_now_ms();
	return (0);
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

/* (Linux fills XFRMA_LASTUSED for outbound SAs only, so far.) */
uint64_t
ike_last_use_ms(uint64_t now_ms, uint64_t use_time)
{
	time_t		 now = time(NULL);
	uint64_t	 age;

	if (use_time == 0 || (uint64_t)now < use_time)
		return (now_ms);
	age = ((uint64_t)now - use_time) * 1000;
	return (age < now_ms ? now_ms - age : 0);
}

uint64_t
ike_dpd_look(struct ike_ctx *ctx, struct child_sa_list *children,
    uint64_t now, unsigned delay, uint64_t *bytes, uint64_t *last_rx_ms,
    int *esp)
{
	uint64_t	 b, use, last, idle;

	*esp = 0;
	if ((b = child_sa_list_inbound(children, ctx->ctx_kernel, &use)) !=
	    *bytes) {
		*bytes = b;
		*esp = 1;
		/* when the traffic came, not when we looked */
		last = ike_last_use_ms(now, use);
		if (last > *last_rx_ms)
			*last_rx_ms = last;
	}
	idle = now > *last_rx_ms ? now - *last_rx_ms : 0;
	if (idle >= delay)
		return (0);
	/* traffic is seen when we look (the kernel keeps no last-use time
	 * of inbound SAs) */
	return (delay - idle < delay / 4 + 1 ? delay - idle : delay / 4 + 1);
}

void
ike_dpd_dead(struct ike_ctx *ctx, struct ike_tunnel *t, const char *name,
    struct child_sa_list *children, const char *probe, unsigned timeout,
    struct in_addr peer)
{
	char	 a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &peer, a, sizeof(a));
	ctx->ctx_counters.ic_dpd_missed++;
	ike_event(ctx, name, "dpd", "no answer to %s within %u ms: peer %s "
	    "is dead", probe, timeout, a);
	if (t != NULL) {
		ike_tunnel_error(t, "peer dead: no answer to DPD");
		ike_tunnel_dead_hold(t, children);
	}
}

unsigned
ike_dpd_delay_ms(const struct ike_ctx *ctx, const struct ike_tunnel *t)
{
	if (ctx->ctx_dpd_override)
		return (ctx->ctx_dpd_delay_ms);
	return (t != NULL ? t->t_cfg->tn_dpd_delay * 1000 : 0);
}

unsigned
ike_dpd_timeout_ms(const struct ike_ctx *ctx, const struct ike_tunnel *t)
{
	if (ctx->ctx_dpd_override)
		return (ctx->ctx_dpd_timeout_ms);
	return (t != NULL ? t->t_cfg->tn_dpd_timeout * 1000 : 13000);
}

/* --- dead peers (dpd-action) --- */

/*
 * hold: the policies of children (the dead IKE SA's CHILD SAs) are handed
 * to the tunnel before the SA goes, so that they stay in the kernel:
 * traffic is held (and raises ACQUIRE), never sent in the clear.
 */
void
ike_tunnel_dead_hold(struct ike_tunnel *t, struct child_sa_list *children)
{
	static const int	 dirs[] = { KDIR_OUT, KDIR_IN, KDIR_FWD };
	struct kernel_policy	*kp;
	struct child_sa		*cs;
	int			 i, j, d;

	if (t->t_cfg->tn_dpd_action != CFG_DPD_HOLD)
		return;
	TAILQ_FOREACH(cs, children, cs_entry) {
		if (cs->cs_state != CHILD_SA_INSTALLED || !cs->cs_policies)
			continue;
		for (i = 0; i < cs->cs_nlts; i++)
			for (j = 0; j < cs->cs_nrts; j++)
				for (d = 0; d < 3; d++) {
					if (t->t_nheld >= IKE_HELD_MAX)
						goto done;
					kp = &t->t_held[t->t_nheld++];
					child_sa_policy_get(cs, dirs[d],
					    &cs->cs_lts[i], &cs->cs_rts[j], kp);
				}
done:
		cs->cs_policies = 0;	/* the tunnel holds them now */
	}
	if (t->t_nheld > 0)
		log_tinfo(ike_tunnel_name(t), "dpd-action hold: keeping %d "
		    "policies; traffic or the retry sets the tunnel up again",
		    t->t_nheld);
}

/* Held policies (and the routes kept with them): removed from the kernel
 * (delete) or, when a new CHILD SA has taken them over, only forgotten. */
void
ike_tunnel_held_drop(struct ike_tunnel *t, int delete)
{
	struct kernel_ops	*ko = t->t_ctx->ctx_kernel;
	int			 i;

	for (i = 0; delete && i < t->t_nheld; i++)
		ko->ko_policy_del(ko->ko_arg, &t->t_held[i]);
	if (delete && t->t_nheld > 0 && t->t_state != TUNNEL_CONNECTED)
		ike_tunnel_routes(t, 0, t->t_route_peer);
	t->t_nheld = 0;
}

void
ike_tunnel_peer_dead(struct ike_tunnel *t)
{
	struct ike_ctx	*ctx = t->t_ctx;

	switch (t->t_cfg->tn_dpd_action) {
	case CFG_DPD_CLEAR:
		ike_event(ctx, ike_tunnel_name(t), "dpd", "peer dead: "
		    "dpd-action clear, the tunnel stays down");
		t->t_want = 0;
		ike_tunnel_held_drop(t, 1);
		ike_tunnel_update(t);
		ike_tunnel_set_state(t, TUNNEL_DOWN);
		break;
	case CFG_DPD_RESTART:
		ike_event(ctx, ike_tunnel_name(t), "dpd", "peer dead: "
		    "dpd-action restart, connecting again");
		ike_tunnel_sa_gone(t, 0);
		break;
	case CFG_DPD_HOLD:
		ike_event(ctx, ike_tunnel_name(t), "dpd", "peer dead: "
		    "dpd-action hold, policies kept, retry in %u ms",
		    ctx->ctx_retry_slow_ms);
		ike_tunnel_update(t);
		if (!t->t_want || ctx->ctx_shutdown || ike_tunnel_busy(t))
			break;
		if (t->t_state == TUNNEL_DOWN || t->t_state == TUNNEL_CONNECTED)
			ike_tunnel_set_state(t, TUNNEL_CONNECTING);
		ike_tunnel_retry(t, ctx->ctx_retry_slow_ms);
		break;
	}
}

/*
 * XFRM_MSG_ACQUIRE: outbound traffic met a policy of ours without an SA
 * (held by dpd-action hold, or a CHILD SA that expired): set the tunnel
 * up now instead of at its next retry.
 */
static void
ike_kernel_acquire(void *arg, struct in_addr src, uint8_t splen,
    struct in_addr dst, uint8_t dplen)
{
	struct ike_ctx		*ctx = arg;
	struct ike_tunnel	*t;
	int			 i;

	TAILQ_FOREACH(t, &ctx->ctx_tunnels, t_entry)
		for (i = 0; i < t->t_nheld; i++) {
			if (t->t_held[i].kp_dir != KDIR_OUT ||
			    t->t_held[i].kp_src.s_addr != src.s_addr ||
			    t->t_held[i].kp_src_plen != splen ||
			    t->t_held[i].kp_dst.s_addr != dst.s_addr ||
			    t->t_held[i].kp_dst_plen != dplen)
				continue;
			if (!t->t_want || ctx->ctx_shutdown ||
			    ike_tunnel_busy(t))
				return;
			log_tinfo(ike_tunnel_name(t), "traffic for %s/%u: "
			    "setting the tunnel up (held)", inet_ntoa(dst),
			    dplen);
			ike_tunnel_retry(t, 0);
			return;
		}
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
	static const uint8_t	 zero[8];
	struct ikev2_msg	*m;
	struct ike_sa		*sa;
	const struct ikev2_hdr	*h;

	ctx->ctx_counters.ic_rx++;
	if (ctx->ctx_shutdown)
		return;
	/* IKEv1: version byte 0x10 (RFC 2408 §3.1) */
	if (len >= IKEV1_HDR_LEN && pkt[17] == IKEV1_VERSION) {
		ike_diag_version_seen(ctx, pkt, len, local, remote);
		ikev1_recv(ctx, pkt, len, local, remote);
		return;
	}
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

/* Removes every IKE SA of t (DELETE sent for established ones). */
static void
ike_tunnel_teardown(struct ike_tunnel *t)
{
	struct ike_sa	*sa;

	/* destroying an SA may destroy the next one (its rekey): rescan */
	for (;;) {
		TAILQ_FOREACH(sa, &t->t_ctx->ctx_sas, sa_entry)
			if (sa->sa_tunnel == t)
				break;
		if (sa == NULL)
			break;
		if (sa->sa_state == IKE_SA_ESTABLISHED)
			ikev2_info_delete_ike(sa);
		else
			ike_sa_destroy(sa);
	}
	ikev1_tunnel_teardown(t);	/* IKEv1 */
	ike_tunnel_routes(t, 0, t->t_route_peer);
	ike_tunnel_held_drop(t, 1);
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
	struct ike_sa		*sa;
	struct child_sa		*cs;
	int			 n = 0;

	if ((t = ike_tunnel_find(ctx, name)) == NULL)
		return (-1);
	if (t->t_cfg->tn_ike.ike_version == 1)		/* IKEv1 */
		return (ikev1_tunnel_rekey(t, 0) == 0 ? 0 : -2);
	if ((sa = ike_tunnel_sa(t)) == NULL)
		return (-2);
	TAILQ_FOREACH(cs, &sa->sa_children, cs_entry)
		if (cs->cs_state == CHILD_SA_INSTALLED) {
			cs->cs_rekey_due = 1;
			n++;
		}
	if (n == 0)
		return (-3);
	/* now, or once the exchange in progress is done (RFC 7296 §2.3) */
	ikev2_child_next(sa);
	return (0);
}

int
ike_tunnel_rekey_ike(struct ike_ctx *ctx, const char *name)
{
	struct ike_tunnel	*t;
	struct ike_sa		*sa;

	if ((t = ike_tunnel_find(ctx, name)) == NULL)
		return (-1);
	if (t->t_cfg->tn_ike.ike_version == 1)		/* IKEv1 */
		return (ikev1_tunnel_rekey(t, 1) == 0 ? 0 : -2);
	if ((sa = ike_tunnel_sa(t)) == NULL)
		return (-2);
	sa->sa_rekey_due = 1;
	ikev2_child_next(sa);
	return (0);
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
	    p->ips_pfs == q->ips_pfs && p->ips_lifetime == q->ips_lifetime);
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
	    memcmp(a->tn_psk, b->tn_psk, a->tn_psk_len) == 0 &&
	    a->tn_initiate == b->tn_initiate && ike_policies_same(a, b));
}

int
ike_tunnel_cfg_same(const struct cfg_tunnel *a, const struct cfg_tunnel *b)
{
	return (ike_tunnel_same(a, b));
}

static void
ike_tunnel_free(struct ike_tunnel *t)
{
	ike_tunnel_teardown(t);
	TAILQ_REMOVE(&t->t_ctx->ctx_tunnels, t, t_entry);
	event_free(t->t_retry_ev);
	free(t->t_held);
	free(t);
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
}

static void
ike_status_child(struct ike_ctx *ctx, const struct child_sa *cs,
    struct child_status *st)
{
	struct kernel_ops	*ko = ctx->ctx_kernel;
	struct kernel_sa_stats	 s;

	memset(st, 0, sizeof(*st));
	st->cs_proto = cs->cs_proto;
	st->cs_spi_in = cs->cs_spi_in;
	st->cs_spi_out = cs->cs_spi_out;
	child_sa_ts_str(cs, 1, st->cs_local_ts, sizeof(st->cs_local_ts));
	child_sa_ts_str(cs, 0, st->cs_remote_ts,
	    sizeof(st->cs_remote_ts));
	child_sa_algs(cs, st->cs_algs, sizeof(st->cs_algs));
	if (ko->ko_sa_stats != NULL && ko->ko_sa_stats(ko->ko_arg,
	    cs->cs_proto, cs->cs_spi_in, cs->cs_local, &s) == 0) {
		st->cs_bytes_in = s.st_bytes;
		st->cs_packets_in = s.st_packets;
	}
	if (ko->ko_sa_stats != NULL && ko->ko_sa_stats(ko->ko_arg,
	    cs->cs_proto, cs->cs_spi_out, cs->cs_remote, &s) == 0) {
		st->cs_bytes_out = s.st_bytes;
		st->cs_packets_out = s.st_packets;
	}
}

static void
ike_status_tunnel(struct ike_tunnel *t, struct tunnel_status *st)
{
	struct ike_sa		*sa = ike_tunnel_sa(t);
	const struct proposal_choice *p;
	struct child_sa		*cs;

	memset(st, 0, sizeof(*st));
	snprintf(st->ts_name, sizeof(st->ts_name), "%s", t->t_cfg->tn_name);
	ike_metrics_tunnel(t, st);
	st->ts_local = t->t_cfg->tn_gw->gw_addr;
	st->ts_remote = t->t_cfg->tn_peer->pr_addr;
	st->ts_state = t->t_state;
	st->ts_ike_version = t->t_cfg->tn_ike.ike_version;
	snprintf(st->ts_last_error, sizeof(st->ts_last_error), "%s",
	    t->t_last_error);
	if (t->t_cfg->tn_ike.ike_version == 1) {	/* IKEv1 */
		ikev1_status(t, st);
		return;
	}
	if (sa == NULL)
		return;
	p = &sa->sa_prop;
	st->ts_remote = sa->sa_remote.sin_addr;
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
	memcpy(st->ts_spi_i, sa->sa_spi_i, 8);
	memcpy(st->ts_spi_r, sa->sa_spi_r, 8);
	st->ts_established = sa->sa_established;
	TAILQ_FOREACH(cs, &sa->sa_children, cs_entry)
		if (cs->cs_state == CHILD_SA_INSTALLED &&
		    st->ts_nchild < IKE_STATUS_MAX_CHILD)
			ike_status_child(t->t_ctx, cs,
			    &st->ts_child[st->ts_nchild++]);
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
		if (n < max)
			ike_status_tunnel(t, &out[n]);
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
	struct ike_sa		*sa;

	ctx->ctx_shutdown = 1;
	while ((sa = TAILQ_FIRST(&ctx->ctx_sas)) != NULL) {
		if (sa->sa_state == IKE_SA_ESTABLISHED)
			ikev2_info_delete_ike(sa);
		else
			ike_sa_destroy(sa);
	}
	ikev1_shutdown(ctx);	/* IKEv1 */
	TAILQ_FOREACH(t, &ctx->ctx_tunnels, t_entry) {
		evtimer_del(t->t_retry_ev);
		ike_tunnel_routes(t, 0, t->t_route_peer);
	}
}

void
ike_free(struct ike_ctx *ctx)
{
	struct ike_tunnel	*t;
	struct ike_sa		*sa;

	if (ctx == NULL)
		return;
	ctx->ctx_shutdown = 1;
	if (ctx->ctx_kernel->ko_event_arg == ctx) {
		ctx->ctx_kernel->ko_expire = NULL;
		ctx->ctx_kernel->ko_acquire = NULL;
		ctx->ctx_kernel->ko_child_acct = NULL;
		ctx->ctx_kernel->ko_event_arg = NULL;
	}
	while ((sa = TAILQ_FIRST(&ctx->ctx_sas)) != NULL)
		ike_sa_destroy(sa);
	ikev1_free(ctx);	/* IKEv1 */
	while ((t = TAILQ_FIRST(&ctx->ctx_tunnels)) != NULL) {
		TAILQ_REMOVE(&ctx->ctx_tunnels, t, t_entry);
		ike_tunnel_held_drop(t, 1);
		event_free(t->t_retry_ev);
		free(t->t_held);
		free(t);
	}
	OPENSSL_cleanse(ctx->ctx_cookie_secret,
	    sizeof(ctx->ctx_cookie_secret));
	free(ctx);
}

void
ike_counters_get(struct ike_ctx *ctx, struct ike_counters *c)
{
	*c = ctx->ctx_counters;
	c->ic_v1_half_open = ikev1_half_open_count(ctx);
}
