/*
 * tunnel.c - the tunnels, shared by both IKE versions: connection state,
 * failed attempts and retries, pacing of our initiations per peer, routes,
 * dead peers (dpd-action) and held policies, identities and
 * INITIAL_CONTACT.  It reaches the versions
 * only through their struct ike_version (ctx_ver).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "common/connlog.h"
#include "common/log.h"
#include "ike/internal.h"
#include "kernel/kernel.h"

#define IKE_PORT		500

static const char *const tunnel_state_names[] = {
	[TUNNEL_DOWN] = "Down",
	[TUNNEL_CONNECTING] = "Connecting",
	[TUNNEL_CONNECTED] = "Connected",
	[TUNNEL_PHASE1_FAILED] = "Phase 1 failed",
	[TUNNEL_PHASE2_FAILED] = "Phase 2 failed",
};

uint64_t
ike_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

void
ike_net_send(struct ike_ctx *ctx, const struct buf *b,
    const struct sockaddr_in *local, const struct sockaddr_in *remote,
    const char *name)
{
	char	 dst[INET_ADDRSTRLEN];

	ctx->ctx_counters.ic_tx++;
	if (log_get_level() >= LOG_LVL_DEBUG) {
		inet_ntop(AF_INET, &remote->sin_addr, dst, sizeof(dst));
		log_tdebug(name, "sending %zu bytes to %s[%u]", b->buf_len,
		    dst, ntohs(remote->sin_port));
	}
	if (ctx->ctx_net->in_send(ctx->ctx_net->in_arg, b->buf_data,
	    b->buf_len, local, remote) == -1)
		log_tdebug(name, "send failed");
}

const struct ike_version *
ike_tunnel_version(const struct ike_tunnel *t)
{
	return (t->t_ctx->ctx_ver[t->t_cfg->tn_ike.ike_version == 1 ? 0 : 1]);
}

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

/*
 * Connected: an IKE SA of t, of either version, that is neither going
 * nor gone holds an installed CHILD SA (IPsec SAs carry the traffic
 * whatever their IKE SA negotiates, a re-authentication for one).
 */
static int
ike_tunnel_connected(struct ike_tunnel *t, struct in_addr *peer)
{
	struct ike_sa_base	*b;
	struct child_sa		*cs;

	TAILQ_FOREACH(b, &t->t_sas, b_tentry) {
		if (ike_sa_base_phase(b) >= IKE_PHASE_GOING)
			continue;
		TAILQ_FOREACH(cs, &b->b_children, cs_entry)
			if (cs->cs_state == CHILD_SA_INSTALLED) {
				*peer = b->b_remote.sin_addr;
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

int
ike_tunnel_busy(struct ike_tunnel *t)
{
	struct ike_sa_base	*b;

	if (t->t_pace_wait)
		return (1);
	TAILQ_FOREACH(b, &t->t_sas, b_tentry)
		if (ike_sa_base_phase(b) < IKE_PHASE_GOING)
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

int
ike_tunnel_is_up(struct ike_tunnel *t)
{
	struct ike_ctx	*ctx = t->t_ctx;

	return (t->t_state == TUNNEL_CONNECTED &&
	    (ctx->ctx_ver[0]->iv_established(t) ||
	    ctx->ctx_ver[1]->iv_established(t)));
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
	if (phase == 2 && ike_tunnel_is_up(t))
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

/*
 * --- pacing of our own initiations per peer address ---
 *
 * A responder limits the half-open IKE SAs per source address (stock
 * strongSwan: charon.block_threshold, 5; and cookies from
 * charon.cookie_threshold, 10, in total), so 20 tunnels to it started at
 * once are mostly ignored and come up one retransmission (or retry)
 * after another.  We keep at most the budget (initiate-half-open-per-peer,
 * default 3: below strongSwan's 5, so that a retransmission or the
 * peer's own attempts fit) of our new attempts half-open towards a peer
 * address, both versions together; the others wait here, first come
 * first started, and begin as soon as one of the peer's half-open SAs
 * is established or freed (failed after its retransmissions, deleted).
 * Every new attempt goes through ike_tunnel_initiate(): the start, a
 * retry after a failure, dpd-action restart and hold, ACQUIRE,
 * gatewayctl up, a reload.  Rekeys are not paced: an IKEv2 IKE SA rekey
 * is one CREATE_CHILD_SA inside an established SA (not half-open at the
 * peer); an IKEv1 re-authentication is a Main Mode and counts, but
 * starts at once (it must never wait behind new tunnels).
 */
static void	ike_pace_cb(evutil_socket_t, short, void *);

static int
ike_pace_budget(const struct ike_ctx *ctx)
{
	if (ctx->ctx_pace_budget >= 0)
		return (ctx->ctx_pace_budget);
	return (ctx->ctx_cfg->cfg_initiate_half_open);
}

static struct in_addr
ike_tunnel_peer_addr(const struct ike_tunnel *t)
{
	return (t->t_cfg->tn_peer->pr_addr);
}

int
ike_pace_half_open(struct ike_ctx *ctx, struct in_addr peer)
{
	struct ike_sa_base	*b;
	int			 n = 0;

	TAILQ_FOREACH(b, &ctx->ctx_all, b_entry)
		if (b->b_opening && b->b_initiator &&
		    b->b_remote.sin_addr.s_addr == peer.s_addr &&
		    ike_sa_base_phase(b) <= IKE_PHASE_NEGOTIATING)
			n++;
	return (n);
}

/* A slot towards peer for a new attempt (nobody waits before it). */
static int
ike_pace_room(struct ike_ctx *ctx, struct in_addr peer)
{
	int	 budget = ike_pace_budget(ctx);

	return (budget <= 0 || ike_pace_half_open(ctx, peer) < budget);
}

static void
ike_pace_remove(struct ike_tunnel *t)
{
	if (!t->t_pace_wait)
		return;
	TAILQ_REMOVE(&t->t_ctx->ctx_pace, t, t_pace_entry);
	t->t_pace_wait = 0;
}

void
ike_pace_kick(struct ike_ctx *ctx)
{
	struct timeval	 tv = { 0, 0 };

	if (TAILQ_EMPTY(&ctx->ctx_pace) || ctx->ctx_pace_ev == NULL)
		return;
	evtimer_add(ctx->ctx_pace_ev, &tv);
}

void
ike_ctx_pace_set(struct ike_ctx *ctx, int budget)
{
	ctx->ctx_pace_budget = budget;
	ike_pace_kick(ctx);
}

void
ike_pace_free(struct ike_ctx *ctx)
{
	struct ike_tunnel	*t;

	while ((t = TAILQ_FIRST(&ctx->ctx_pace)) != NULL)
		ike_pace_remove(t);
	if (ctx->ctx_pace_ev != NULL)
		event_free(ctx->ctx_pace_ev);
	ctx->ctx_pace_ev = NULL;
}

/* Starts t's attempt now, whatever the budget. */
static int
ike_tunnel_start(struct ike_tunnel *t)
{
	struct cfg_tunnel	*c = t->t_cfg;
	struct sockaddr_in	 local, remote;
	int			 rv;

	/* HA standby or fault: nothing starts; ike_start() when active */
	if (t->t_ctx->ctx_passive)
		return (0);
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
	t->t_ctx->ctx_pace_opening = 1;
	rv = ike_tunnel_version(t)->iv_initiate(t, &local, &remote);
	t->t_ctx->ctx_pace_opening = 0;
	return (rv);
}

/* The queue: each waiting tunnel whose peer has a slot starts, in order. */
static void
ike_pace_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ike_ctx		*ctx = arg;
	struct ike_tunnel	*t, *next;
	struct timeval		 tv = { 1, 0 };
	/* peers found without a slot in this run: the others waiting for
	 * them are passed over without counting again (many tunnels to
	 * one peer would make each run quadratic) */
	struct in_addr		 full[32], peer;
	int			 nfull = 0, i;

	for (t = TAILQ_FIRST(&ctx->ctx_pace); t != NULL; t = next) {
		next = TAILQ_NEXT(t, t_pace_entry);
		if (!t->t_want || t->t_removed || ctx->ctx_shutdown) {
			ike_pace_remove(t);
			continue;
		}
		peer = ike_tunnel_peer_addr(t);
		for (i = 0; i < nfull; i++)
			if (full[i].s_addr == peer.s_addr)
				break;
		if (i < nfull)
			continue;
		if (!ike_pace_room(ctx, peer)) {
			if (nfull < (int)(sizeof(full) / sizeof(full[0])))
				full[nfull++] = peer;
			continue;
		}
		ike_pace_remove(t);
		/* the peer may have set it up meanwhile (we responded) */
		if (ike_tunnel_busy(t))
			continue;
		log_tdebug(ike_tunnel_name(t), "a half-open slot is free: "
		    "initiating");
		/* an attempt that fails at once frees its slot: next still
		 * waits (a failed start does not touch the queue) */
		ike_tunnel_start(t);
		next = TAILQ_FIRST(&ctx->ctx_pace);
	}
	/* a slot's end is noticed by ike_pace_kick(); this look is only a
	 * safety net while someone waits */
	if (!TAILQ_EMPTY(&ctx->ctx_pace))
		evtimer_add(ctx->ctx_pace_ev, &tv);
}

int
ike_tunnel_initiate(struct ike_tunnel *t)
{
	struct ike_ctx		*ctx = t->t_ctx;
	struct cfg_tunnel	*c = t->t_cfg;
	struct ike_tunnel	*w;
	struct in_addr		 peer = c->tn_peer->pr_addr;
	int			 ahead = 0;

	/* HA standby or fault: nothing starts or waits; ike_start() when
	 * active */
	if (ctx->ctx_passive)
		return (0);
	if (peer.s_addr == INADDR_ANY) {
		log_twarn(ike_tunnel_name(t), "cannot initiate towards "
		    "0.0.0.0: waiting for the peer");
		return (-1);
	}
	if (t->t_pace_wait)
		return (0);		/* waiting already */
	TAILQ_FOREACH(w, &ctx->ctx_pace, t_pace_entry)
		if (ike_tunnel_peer_addr(w).s_addr == peer.s_addr)
			ahead++;
	if (ahead == 0 && ike_pace_room(ctx, peer))
		return (ike_tunnel_start(t));
	if (ctx->ctx_pace_ev == NULL && (ctx->ctx_pace_ev =
	    evtimer_new(ctx->ctx_base, ike_pace_cb, ctx)) == NULL) {
		log_twarn(ike_tunnel_name(t), "pacing: out of memory, "
		    "initiating at once");
		return (ike_tunnel_start(t));
	}
	TAILQ_INSERT_TAIL(&ctx->ctx_pace, t, t_pace_entry);
	t->t_pace_wait = 1;
	ctx->ctx_counters.ic_paced++;
	if (t->t_state != TUNNEL_CONNECTED &&
	    t->t_failures < t->t_cfg->tn_keyingtries)
		ike_tunnel_set_state(t, TUNNEL_CONNECTING);
	log_tdebug(ike_tunnel_name(t), "waiting for a half-open slot "
	    "towards %s (%d of ours half-open, %d waiting before it)",
	    inet_ntoa(peer), ike_pace_half_open(ctx, peer), ahead);
	ike_event(ctx, ike_tunnel_name(t), "attempt", "waiting for a "
	    "half-open slot towards %s (initiate-half-open-per-peer %d)",
	    inet_ntoa(peer), ike_pace_budget(ctx));
	ike_pace_kick(ctx);
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

struct ike_tunnel *
ike_tunnel_add(struct ike_ctx *ctx, struct cfg_tunnel *c)
{
	struct ike_tunnel	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (NULL);
	t->t_ctx = ctx;
	t->t_cfg = c;
	t->t_want = c->tn_initiate;
	TAILQ_INIT(&t->t_sas);
	TAILQ_INIT(&t->t_inits);
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

struct ike_tunnel *
ike_tunnel_find(struct ike_ctx *ctx, const char *name)
{
	struct ike_tunnel	*t;

	TAILQ_FOREACH(t, &ctx->ctx_tunnels, t_entry)
		if (!t->t_removed && strcmp(t->t_cfg->tn_name, name) == 0)
			return (t);
	return (NULL);
}

void
ike_tunnel_free(struct ike_tunnel *t)
{
	struct ike_sa_base	*b;

	ike_pace_remove(t);
	ike_tunnel_teardown(t);
	/* the teardown removes them all; none may keep a freed tunnel */
	while ((b = TAILQ_FIRST(&t->t_sas)) != NULL)
		ike_sa_base_tunnel_set(b, NULL);
	TAILQ_REMOVE(&t->t_ctx->ctx_tunnels, t, t_entry);
	event_free(t->t_retry_ev);
	free(t->t_held);
	free(t);
}

/* Shutting down: no retry, no routes. */
void
ike_tunnel_stop(struct ike_tunnel *t)
{
	ike_pace_remove(t);
	evtimer_del(t->t_retry_ev);
	ike_tunnel_routes(t, 0, t->t_route_peer);
}

/* Removes every IKE SA of t (DELETE sent for established ones). */
void
ike_tunnel_teardown(struct ike_tunnel *t)
{
	int	 i;

	ike_pace_remove(t);
	for (i = 1; i >= 0; i--)
		t->t_ctx->ctx_ver[i]->iv_teardown(t);
	ike_tunnel_routes(t, 0, t->t_route_peer);
	ike_tunnel_held_drop(t, 1);
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
void
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
	st->cs_life_bytes = cs->cs_life_bytes;
	st->cs_soft_bytes = cs->cs_soft_bytes;
	st->cs_life_packets = cs->cs_life_packets;
	st->cs_soft_packets = cs->cs_soft_packets;
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

int
ike_status_sa(const struct ike_sa_base *b, struct tunnel_status *st)
{
	const struct child_sa_list *list = &b->b_children;
	const struct child_sa	*cs;
	int			 n = 0;

	st->ts_remote = b->b_remote.sin_addr;
	memcpy(st->ts_spi_i, b->b_spi_i, 8);
	memcpy(st->ts_spi_r, b->b_spi_r, 8);
	st->ts_established = b->b_established;

	/* counted first: one array of the right size, however many */
	TAILQ_FOREACH(cs, list, cs_entry)
		if (cs->cs_state == CHILD_SA_INSTALLED)
			n++;
	st->ts_child = NULL;
	st->ts_nchild = 0;
	if (n == 0)
		return (0);
	if ((st->ts_child = calloc((size_t)n, sizeof(*st->ts_child))) ==
	    NULL) {
		log_warn("status: out of memory for %d CHILD SAs", n);
		return (-1);
	}
	TAILQ_FOREACH(cs, list, cs_entry)
		if (cs->cs_state == CHILD_SA_INSTALLED)
			ike_status_child(b->b_ctx, cs,
			    &st->ts_child[st->ts_nchild++]);
	return (0);
}
