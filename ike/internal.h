/*
 * internal.h - the engine's internals shared by both IKE versions: the
 * engine (struct ike_ctx), its tunnels, the version tables, DPD's timing
 * and verdicts, and the tunnels' identities.
 *
 * ike/ reads one way, from the top down:
 *   engine.c            the ike_* API (ike.h): datagrams in, control
 *                       commands, status; it knows the versions only
 *                       through their struct ike_version tables
 *   ike_takeover.c,     HA takeover: the synced IKEv2 SAs, and
 *   ikev1_takeover.c    IKEv1's, resumed when the node becomes active
 *                       (beside engine.c)
 *   ikev2_engine.c,     each version's table: its queue of exchanges
 *   ikev1_engine.c      and the exchange module for each message
 *   ikev2_{rekey,init,auth,child,info}.c, ikev1_{info,quick,rekey,main,
 *   child,half}.c       the exchanges: codec use and state machines
 *   ike_sa.c, ikev1_sa.c  each version's IKE SA core: SA lookup,
 *                       message IDs, retransmission, response cache; it
 *                       reaches the exchanges through the version's
 *                       exchange table (struct ikev2_exchanges ...)
 *   sa_common.c         the IKE SA of both versions (sa_base.h): the one
 *                       list of them, INITIAL_CONTACT, NAT keepalives and
 *                       following, dead peer detection
 *   sa_tunnel.c         a tunnel's IKE SAs, and the index of them by
 *                       (tunnel, peer identity): no scan of every SA
 *   tunnel.c            the tunnels, shared by both versions: state,
 *                       retries, pacing of our initiations per peer,
 *                       routes, dpd-action, identities
 *   ike_diag.c          a tunnel's record of its attempt (doctor)
 *   ike_ratelimit.c     the log lines that unauthenticated input causes,
 *                       one per cause per interval
 *   ike_metrics.c (beside the exchanges) counters and gauges
 *   ike_ha.c            HA state sync: the SAs as records on the sync
 *                       channel (ha_chan.c), called from the SA cores
 *   internal.h, sa_base.h  the types all of these share
 * A lower file never calls a higher one except through those tables.
 */
#ifndef GW_IKE_INTERNAL_H
#define GW_IKE_INTERNAL_H

#include <sys/queue.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/util.h>

#include "common/ratelimit.h"
#include "ike/ike.h"
#include "ike/ikev2.h"
#include "ike/sa_base.h"
#include "ipsec/child_sa.h"
#include "policy/config.h"
#include "policy/diag.h"

struct buf;
struct event;
struct ikev1_ctx;
struct ikev1_exchanges;
struct ikev2_exchanges;
struct ike_tunnel;
struct kernel_policy;
struct kernel_sa_stats;
struct ts_list;
struct tunnel_status;

/*
 * One IKE version as the shared layer (tunnel.c, engine.c) sees it:
 * ikev1_version (ikev1_engine.c) and ikev2_version (ikev2_engine.c).
 */
struct ike_version {
	int		 iv_number;		/* 1 or 2 */
	/* A datagram of this version (engine.c tells them apart). */
	void		(*iv_recv)(struct ike_ctx *ctx, const uint8_t *pkt,
			    size_t len, const struct sockaddr_in *local,
			    const struct sockaddr_in *remote);
	/* Starts an attempt of t as initiator.  0 or -1. */
	int		(*iv_initiate)(struct ike_tunnel *t,
			    const struct sockaddr_in *local,
			    const struct sockaddr_in *remote);
	/* 1 if t has an established IKE SA. */
	int		(*iv_established)(struct ike_tunnel *t);
	/* Removes every IKE SA of t (DELETE sent for established ones). */
	void		(*iv_teardown)(struct ike_tunnel *t);
	/* gatewayctl rekey: ike_tunnel_rekey()'s and _rekey_ike()'s
	 * return values. */
	int		(*iv_rekey)(struct ike_tunnel *t, int ike);
	/* The SA part of st (algorithms, SPIs, children): 0, or -1 out of
	 * memory (no children then). */
	int		(*iv_status)(struct ike_tunnel *t,
			    struct tunnel_status *st);
	void		(*iv_shutdown)(struct ike_ctx *ctx);
	void		(*iv_free)(struct ike_ctx *ctx);
};
extern const struct ike_version ikev1_version, ikev2_version;

/* Initiator: one CHILD SA per (local x remote) segment pair. */
#define IKE_PAIR_MAX	(CFG_MAX_SEGMENTS * CFG_MAX_SEGMENTS)
#define IKE_HELD_MAX	(3 * IKE_PAIR_MAX)	/* out, in, fwd per pair */
enum ike_pair_state {
	PAIR_NONE = 0,
	PAIR_PENDING,
	PAIR_UP,
	PAIR_FAILED
};

struct ike_sa;

struct ike_tunnel {
	TAILQ_ENTRY(ike_tunnel) t_entry;
	struct ike_ctx	*t_ctx;
	struct cfg_tunnel *t_cfg;	/* borrowed from ctx_cfg */
	enum tunnel_state t_state;
	int		 t_want;	/* keep it up (initiate or up) */
	int		 t_failures;	/* consecutive failed attempts */
	char		 t_last_error[128];
	struct event	*t_retry_ev;
	int		 t_routes;	/* routes installed */
	struct in_addr	 t_route_peer;
	int		 t_removed;	/* gone from the configuration */
	uint8_t		 t_pair[IKE_PAIR_MAX];
	/* dpd-action hold: the dead SA's policies, kept in the kernel */
	struct kernel_policy *t_held;	/* IKE_HELD_MAX entries */
	int		 t_nheld;
	/* metrics (ike_metrics.c): counters of the CHILD SAs that left
	 * the kernel, rekeys and failed attempts, since the tunnel began */
	uint64_t	 t_gone_bytes_in, t_gone_bytes_out;
	uint64_t	 t_gone_packets_in, t_gone_packets_out;
	uint64_t	 t_child_rekeys, t_ike_rekeys, t_failures_total;
	struct tunnel_diag t_diag;	/* this attempt (ike_diag.c) */
	struct tunnel_diag t_diag_last;	/* the last failed one */
	/* pacing (tunnel.c): waiting in ctx_pace for a half-open slot
	 * towards its peer */
	TAILQ_ENTRY(ike_tunnel) t_pace_entry;
	int		 t_pace_wait;
	/* during an HA takeover (ike_takeover.c): its resumed IKE SA */
	struct ike_sa	*t_takeover;
	/* its IKE SAs of both versions, oldest first (b_tentry), and of
	 * those ours (b_ientry): kept by ike_sa_base_tunnel_set */
	struct ike_sa_base_list t_sas;
	struct ike_sa_base_list t_inits;
};
TAILQ_HEAD(ike_tunnel_list, ike_tunnel);

/*
 * The causes of the rate-limited log lines (ike_ratelimit.c): what a
 * datagram can make us log before it is authenticated.
 */
enum ike_rl {
	IKE_RL_V1_HALF_TOTAL = 0,	/* first messages dropped (as enum */
	IKE_RL_V1_HALF_SOURCE,		/* v1_drop, in its order) */
	IKE_RL_V1_NO_TUNNEL,
	IKE_RL_V1_NO_PROPOSAL,
	IKE_RL_V1_PLAIN_INFO,		/* notify/DELETE in the clear */
	IKE_RL_V1_INFO_HASH,		/* informational without valid HASH */
	IKE_RL_V1_NOT_MM6,		/* a notify instead of message 6 */
	IKE_RL_V1_AGGR,			/* aggressive mode responder */
	IKE_RL_V1_NAT,			/* NAT-D before authentication */
	IKE_RL_V1_PEER_ID,		/* ID refused before authentication */
	IKE_RL_V1_P1_FAILED,		/* phase 1 failed on a message */
	IKE_RL_V2_NO_TUNNEL,		/* IKE_SA_INIT: no candidate */
	IKE_RL_V2_NO_PROPOSAL,
	IKE_RL_V2_INVALID_KE,		/* INVALID_KE_PAYLOAD answered */
	IKE_RL_V2_BAD_KE,		/* the KE does not derive */
	IKE_RL_V2_NAT,			/* NAT-D in IKE_SA_INIT */
	IKE_RL_V2_CRITICAL,		/* IKE_SA_INIT response rejected */
	IKE_RL_V2_KE_RETRY,		/* INVALID_KE_PAYLOAD taken */
	IKE_RL_V2_AUTH_FAILED,		/* IKE_AUTH request refused */
	IKE_RL_V2_AUTH_NO_TUNNEL,
	IKE_RL_V2_HALF_TOTAL,		/* IKE_SA_INIT beyond ikev2-half-open */
	IKE_RL_V2_HALF_SRC,		/* ... beyond ...-per-source */
	IKE_RL_MAX
};

struct ike_ctx {
	struct event_base *ctx_base;
	struct config	*ctx_cfg;
	struct kernel_ops *ctx_kernel;
	struct ike_net	*ctx_net;
	struct ike_tunnel_list ctx_tunnels;
	/* pacing (tunnel.c): tunnels waiting to initiate, oldest first
	 * (t_pace_entry), the timer that starts them, and the budget of
	 * half-open IKE SAs of ours per peer address (-1: the
	 * configuration's initiate-half-open-per-peer; 0: no pacing, a
	 * test hook) */
	TAILQ_HEAD(, ike_tunnel) ctx_pace;
	struct event	*ctx_pace_ev;
	int		 ctx_pace_budget;
	int		 ctx_pace_opening;	/* an attempt is being started:
						   its new SA is b_opening */
	/* every IKE SA of both versions, oldest first (sa_base.h) */
	struct ike_sa_base_list ctx_all;
	struct ike_counters ctx_counters;
	/* Timing (milliseconds); tests shorten them. */
	unsigned	 ctx_retx_ms;		/* first retransmission */
	uint64_t	 ctx_sa_seq;		/* ike_sa_base: event order */
	/* IKEv2: the IKE SAs by SPIi (ike_sa_lookup), and how many are
	 * half-open responders (state INIT_DONE) */
	struct ike_sa_hash ctx_v2_hash;
	/* both versions: the IKE SAs by (tunnel, peer identity) */
	struct ike_peer_index ctx_peers;
	unsigned	 ctx_v2_half_open;
	/* ... and how many per source address (ike_sa.c: a keyed hash of
	 * counts, made at the first one; ikev2-half-open-per-source) */
	struct ike_half_src_list *ctx_v2_half_src;
	uint32_t	 ctx_v2_half_src_key;
	int		 ctx_retx_tries;	/* then give up */
	unsigned	 ctx_retry_fast_ms;	/* after failure 1 and 2 */
	unsigned	 ctx_retry_slow_ms;	/* in a failed state */
	unsigned	 ctx_rekey_percent;	/* of the CHILD lifetime */
	int		 ctx_shutdown;
	/* ikev2_shutdown/ikev2_free cleared every IKEv2 SA's pointers to
	 * other SAs and CHILD SAs (sa_rekey_new, sa_rekey_peer,
	 * sa_req_child) before removing them all: ike_sa_destroy and
	 * ike_sa_child_remove need not look for pointers to what goes (a
	 * scan of every IKE SA each, quadratic at 10,000 IKE SAs) */
	int		 ctx_v2_unlinked;
	/* ike_shutdown holds one counters dump for every SA it removes */
	int		 ctx_stats_held;
	int		 ctx_handover;	/* ike_handover: the peers are told
					   nothing */
	int		 ctx_passive;	/* HA standby or fault: no IKE
					   (ike_passive_set) */
	/* IKE SA rekey: 0 = at ctx_rekey_percent of ike-lifetime (minus
	 * up to 5% jitter); tests set a delay in ms */
	unsigned	 ctx_ike_rekey_ms;
	unsigned	 ctx_rekeyed_ms;	/* wait for the old SA's D */
	/* A refused or failed rekey (IKE or CHILD SA) is tried again after
	 * ctx_rekey_retry_ms, doubled each time up to ..._max_ms */
	unsigned	 ctx_rekey_retry_ms;
	unsigned	 ctx_rekey_retry_max_ms;
	/* IKEv2 lifetimes: microseconds per configured second (tests
	 * shorten them; 1000000) */
	unsigned	 ctx_life_unit_us;
	/* test hook (ike_ctx_dpd_set): these instead of the tunnels'
	 * dpd-delay and dpd-timeout */
	int		 ctx_dpd_override;
	unsigned	 ctx_dpd_delay_ms;	/* idle before a check */
	unsigned	 ctx_dpd_timeout_ms;	/* no answer: peer dead */
	/* Cookies (§2.6): demanded from this many half-open SAs on; -1:
	 * the configuration's ikev2-cookie-threshold (tests set it) */
	int		 ctx_cookie_threshold;
	/* [0] the current secret, [1] the one before (its version - 1) */
	uint8_t		 ctx_cookie_secret[2][32];
	uint8_t		 ctx_cookie_version;	/* first byte of our cookies */
	int		 ctx_cookie_prev_ok;	/* [1] still accepted */
	uint64_t	 ctx_cookie_born_ms;	/* when [0] was made */
	int		 ctx_test_ke_group;	/* test: first KE's group */
	/* test: answer the next ctx_test_refuse_n rekey requests (IKE SA
	 * or CHILD SA) with this error notify */
	int		 ctx_test_refuse_n;
	uint16_t	 ctx_test_refuse_notify;
	struct ikev1_ctx *ctx_v1;	/* IKEv1 engine (ikev1_sa.h), lazy */
	/* [0] IKEv1, [1] IKEv2; and IKEv2's exchanges (engine.c) */
	const struct ike_version *ctx_ver[2];
	const struct ikev2_exchanges *ctx_v2x;
	const struct ikev1_exchanges *ctx_v1x;
	struct connlog	*ctx_connlog;	/* borrowed (ike_connlog_set) */
	struct ha_chan	*ctx_ha;	/* borrowed (ike_ha_set), or NULL */
	struct ike_hax	*ctx_hax;	/* ike_ha.c's timers and dump */
	/* rate-limited log lines (ike_ratelimit.c), per cause */
	struct ratelimit ctx_rl[IKE_RL_MAX];
	struct event	*ctx_rl_ev;	/* the summaries' timer, lazy */
	unsigned	 ctx_rl_ms;	/* 0: RATELIMIT_INTERVAL_MS (tests) */
};

/* The first IKE SA of version v (0: any) after b (NULL: from the start)
 * in the engine's list. */
static inline struct ike_sa_base *
ike_sa_base_next(struct ike_ctx *ctx, struct ike_sa_base *b, int v)
{
	b = b == NULL ? TAILQ_FIRST(&ctx->ctx_all) : TAILQ_NEXT(b, b_entry);
	while (b != NULL && v != 0 && b->b_ops->so_version != v)
		b = TAILQ_NEXT(b, b_entry);
	return (b);
}

/* The first IKE SA of version v (0: any) of tunnel t after b (NULL: from
 * the start), in the engine's order; b must be t's still. */
static inline struct ike_sa_base *
ike_tunnel_sa_next(const struct ike_tunnel *t, const struct ike_sa_base *o,
    int v)
{
	struct ike_sa_base	*b;

	b = o == NULL ? TAILQ_FIRST(&t->t_sas) : TAILQ_NEXT(o, b_tentry);
	while (b != NULL && v != 0 && b->b_ops->so_version != v)
		b = TAILQ_NEXT(b, b_tentry);
	return (b);
}

/* The IKE SA of version v after o (NULL: the first) among b's tunnel's
 * (b among them), or b alone while it has no tunnel. */
static inline struct ike_sa_base *
ike_sa_base_kin_next(const struct ike_sa_base *b, const struct ike_sa_base *o,
    int v)
{
	if (b->b_tlist == NULL)
		return (o == NULL ? (struct ike_sa_base *)(uintptr_t)b : NULL);
	return (ike_tunnel_sa_next(b->b_tlist, o, v));
}

/*
 * One event of tunnel (NULL: none, nothing done) for the connection log
 * (common/connlog.h): attempts, state changes, failures, rekeys, DPD,
 * deletes by the peer, INITIAL_CONTACT.  No secrets.
 */
void	ike_event(struct ike_ctx *ctx, const char *tunnel, const char *event,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Test hook: shorter timers. */
void	ike_ctx_timing_set(struct ike_ctx *ctx, unsigned retx_ms, int tries,
	    unsigned retry_fast_ms, unsigned retry_slow_ms);
/* Test hook: the first KE of every IKE SA (IKE_SA_INIT, IKE rekey) is of
 * this group instead of the configured one (0: off), so that the peer
 * answers INVALID_KE_PAYLOAD. */
void	ike_ctx_test_first_ke_group(struct ike_ctx *ctx, int group);
/* Responder: demand a cookie (§2.6) from this many half-open SAs on
 * (default 10; 0: always). */
void	ike_ctx_cookie_threshold_set(struct ike_ctx *ctx, int halfopen);
/*
 * A new cookie secret (§2.6), done by itself every IKE_COOKIE_ROTATE_MS;
 * cookies made with the previous one stay valid until the next rotation.
 * 0 or -1.
 */
int	ike_ctx_cookie_rotate(struct ike_ctx *ctx);
#define IKE_COOKIE_ROTATE_MS	(5 * 60 * 1000)
/* Test hook: dead peer detection timing for every tunnel (otherwise
 * each tunnel's dpd-delay and dpd-timeout, by default 8 s and 13 s). */
void	ike_ctx_dpd_set(struct ike_ctx *ctx, unsigned delay_ms,
	    unsigned timeout_ms);
/* When (monotonic ms) inbound traffic was last seen, from the kernel's
 * last-use time (wall clock s, 0 unknown: now_ms). */
uint64_t ike_last_use_ms(uint64_t now_ms, uint64_t use_time);
/* The DPD delay (0: off) and timeout in ms for an SA of tunnel t. */
unsigned ike_dpd_delay_ms(const struct ike_ctx *ctx,
	    const struct ike_tunnel *t);
unsigned ike_dpd_timeout_ms(const struct ike_ctx *ctx,
	    const struct ike_tunnel *t);
/*
 * A dead peer (DPD, either version).  Before its IKE SA is destroyed:
 * with dpd-action hold, the tunnel takes over the policies of children
 * (so they stay in the kernel).  After: ike_tunnel_peer_dead() applies
 * dpd-action (hold: retry later, or at once on traffic; restart: connect
 * now; clear: the tunnel goes down).
 */
void	ike_tunnel_dead_hold(struct ike_tunnel *t,
	    struct child_sa_list *children);
void	ike_tunnel_peer_dead(struct ike_tunnel *t);
/* Held policies: delete (1) from the kernel, or forget (0). */
void	ike_tunnel_held_drop(struct ike_tunnel *t, int delete);

/*
 * --- ike_ha.c: HA state sync, the active node's side ---
 * Each does nothing without a channel (ike_ha_set) or for a version
 * without so_ha_export.  ike_ha_ike_sa: b's record (again), if it is
 * established (up or replaced): when it is established, when its message
 * IDs move and when CHILD SAs move to it.  ike_ha_child_sa: cs's, at its
 * installation (its keys are wiped after).  The deletes go for what was
 * sent.
 */
void	ike_ha_ike_sa(struct ike_sa_base *b);
void	ike_ha_ike_delete(struct ike_sa_base *b);
void	ike_ha_child_sa(struct ike_sa_base *b, struct child_sa *cs);
void	ike_ha_child_delete(struct ike_sa_base *b, struct child_sa *cs);
/* ike_free(): the timers go, the channel forgets the engine. */
void	ike_ha_free(struct ike_ctx *ctx);

/*
 * --- ike_takeover.c: HA takeover, what both versions' parts share ---
 * Outbound ESP/AH sequence numbers a taken-over SA skips: the records
 * carry the number at installation (0), and the old node may have sent
 * this many packets since.  2^20 is about 10 s at 100,000 packets/s;
 * a busier SA is rekeyed soon after anyway (RFC 4303 §3.3.3 forbids
 * reuse, the skip costs nothing but the numbers).
 */
#define IKE_TAKEOVER_SEQ_MARGIN	(1ULL << 20)
struct ha_child_rec;
/* *sin: a, port (host order), as a record has them. */
void		 ike_takeover_sin(struct sockaddr_in *sin, struct in_addr a,
		    uint16_t port);
/* A CHILD SA (IPsec SA) of tunnel c from r, its outbound sequence
 * numbers past the margin, not installed, without owner nor pair; or
 * NULL (r does not fit: a mode, key lengths). */
struct child_sa	*ike_takeover_child_make(const struct cfg_tunnel *c,
		    const struct ha_child_rec *r);
/* The segment pair (l * tn_nremote + r, as both versions number them)
 * whose selectors cs has exactly, or -1. */
int		 ike_takeover_pair(const struct cfg_tunnel *c,
		    const struct child_sa *cs);

/* --- ike_ratelimit.c: log lines that unauthenticated input causes --- */
/*
 * Logs the line (at the cause's level) if it is the first of the cause in
 * its interval; else counts it for the summary at the interval's end
 * ("N more ... in the last 10 s (...), the last from ADDR").  The caller
 * still counts the datagram in ike_counters.
 */
void	ike_rl_log(struct ike_ctx *ctx, enum ike_rl cause, struct in_addr from,
	    const char *tunnel, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* The interval in seconds (for the first line's text). */
unsigned ike_rl_interval_s(const struct ike_ctx *ctx);
/* Lines of cause written so far, summaries included (tests). */
uint64_t ike_rl_logged(const struct ike_ctx *ctx, enum ike_rl cause);
/* Test hook: the interval in ms (0: RATELIMIT_INTERVAL_MS, 10 s). */
void	ike_ctx_log_interval_set(struct ike_ctx *ctx, unsigned ms);
void	ike_rl_free(struct ike_ctx *ctx);

/* --- tunnel.c: the clock and the network, for both versions --- */
uint64_t	 ike_now_ms(void);		/* CLOCK_MONOTONIC */
/* Sends raw bytes and logs them at debug level. */
void	ike_net_send(struct ike_ctx *ctx, const struct buf *b,
	    const struct sockaddr_in *local, const struct sockaddr_in *remote,
	    const char *name);

/* --- tunnel.c: tunnels --- */
const char	*ike_tunnel_name(const struct ike_tunnel *t);
/* The version of t's IKE SAs (its configuration's). */
const struct ike_version *ike_tunnel_version(const struct ike_tunnel *t);
/* A new tunnel for c (retry timer, held policies), or NULL. */
struct ike_tunnel *ike_tunnel_add(struct ike_ctx *ctx, struct cfg_tunnel *c);
struct ike_tunnel *ike_tunnel_find(struct ike_ctx *ctx, const char *name);
/* Torn down (every IKE SA, routes, held policies) and freed. */
void		 ike_tunnel_free(struct ike_tunnel *t);
void		 ike_tunnel_teardown(struct ike_tunnel *t);
/* Shutting down: the retry stopped, the routes removed. */
void		 ike_tunnel_stop(struct ike_tunnel *t);
/* Starts an attempt as initiator.  0 or -1. */
int		 ike_tunnel_initiate(struct ike_tunnel *t);
/* 1 if an IKE SA of t, of either version, is not going or gone, or t
 * waits for a half-open slot (pacing). */
int		 ike_tunnel_busy(struct ike_tunnel *t);
/*
 * Pacing of our own initiations per peer address: at most the budget
 * (initiate-half-open-per-peer, default 2) of our IKE SAs that began
 * with IKE_SA_INIT or Main/Aggressive Mode (b_opening) are half-open
 * towards one peer address at a time, both versions together (IKEv2:
 * until the IKE_AUTH response; IKEv1: until phase 1 is complete).
 * ike_tunnel_initiate() queues an attempt beyond it (FIFO per peer);
 * ike_pace_kick() says that a slot may have come free (an SA was
 * established or freed): the queue is looked at from the event loop.
 * Rekeys (IKEv2 CREATE_CHILD_SA) are neither paced nor counted; IKEv1
 * re-authentications are counted but never wait.
 */
void		 ike_pace_kick(struct ike_ctx *ctx);
/* Our half-open IKE SAs (b_opening) towards peer now. */
int		 ike_pace_half_open(struct ike_ctx *ctx, struct in_addr peer);
/* The test hook: budget per peer (0: no pacing; -1: the configuration's). */
void		 ike_ctx_pace_set(struct ike_ctx *ctx, int budget);
/* The queue is dropped (ike_free). */
void		 ike_pace_free(struct ike_ctx *ctx);
/* XFRM_MSG_ACQUIRE (kernel_ops ko_acquire, arg: the ike_ctx). */
void		 ike_kernel_acquire(void *arg, struct in_addr src,
		    uint8_t splen, struct in_addr dst, uint8_t dplen);
/* What the tunnel's current IKE SA b, of either version, tells its status:
 * the peer's address, the SPIs, when it was established, and every
 * installed CHILD SA (selectors, algorithms, kernel counters) into
 * st->ts_child, a new array (NULL if none): 0, or -1 out of memory (st
 * has no CHILD SA then). */
int		 ike_status_sa(const struct ike_sa_base *b,
		    struct tunnel_status *st);
void		 ike_tunnel_set_state(struct ike_tunnel *t,
		    enum tunnel_state s);
/* A failed attempt (phase 1 or 2): counts, records, schedules a retry. */
/* ike_diag.c: records what the last attempt exchanged (gatewayctl
 * doctor); begin resets it, the others add to it. */
void		 ike_diag_begin(struct ike_tunnel *t, int initiator);
void		 ike_diag_note(struct ike_tunnel *t, enum diag_cause c,
		    int phase, const char *notify);
void		 ike_diag_props(struct ike_tunnel *t,
		    const struct prop_offer *ours,
		    const struct prop_offer *theirs);
void		 ike_diag_id(struct ike_tunnel *t, uint8_t type,
		    const uint8_t *data, size_t len);
void		 ike_diag_ts(struct ike_tunnel *t, const struct ts_list *local,
		    const struct ts_list *remote);
void		 ike_diag_failed(struct ike_tunnel *t, int phase);
/* A first message (IKEv1 Main/Aggressive Mode 1 or IKE_SA_INIT request)
 * from remote: tunnels with this peer that speak only the other version
 * note a version mismatch. */
void		 ike_diag_version_seen(struct ike_ctx *ctx, const uint8_t *pkt,
		    size_t len, const struct sockaddr_in *local,
		    const struct sockaddr_in *remote);
void		 ike_tunnel_failed(struct ike_tunnel *t, int phase,
		    const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
/*
 * 1 when t is Connected on an established IKE SA: an attempt that fails
 * before the peer authenticated (anyone may begin one with the peer's
 * address) then leaves its state and t_last_error alone (issue 8:
 * status and failure causes come only from authenticated messages or
 * timeouts); its rate-limited log line and counters stay.
 */
int		 ike_tunnel_is_up(struct ike_tunnel *t);
/* Records why the last attempt failed (t_last_error), no counting. */
/* ike_metrics.c: ko_child_acct (arg: the ike_ctx); a tunnel's totals,
 * peer name and live CHILD SA counters into st (status, metrics). */
void		 ike_metrics_child_acct(void *arg, const char *tunnel,
		    const struct kernel_sa_stats *in,
		    const struct kernel_sa_stats *out, int rekey);
void		 ike_metrics_tunnel(struct ike_tunnel *t,
		    struct tunnel_status *st);
void		 ike_tunnel_error(struct ike_tunnel *t, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* Re-evaluates Connected (IKE SA up with >= 1 CHILD SA), routes. */
void		 ike_tunnel_update(struct ike_tunnel *t);
/* An IKE SA was dropped (peer DELETE, timeout): maybe re-initiate. */
void		 ike_tunnel_sa_gone(struct ike_tunnel *t, int failed);
/* Responder candidates: gateway == local, peer == remote or 0.0.0.0. */
int		 ike_tunnel_candidates(struct ike_ctx *ctx,
		    const struct sockaddr_in *local,
		    const struct sockaddr_in *remote,
		    struct ike_tunnel **out, int max);
/* Our ID payload for the tunnel: type and data (out >= 256 bytes). */
size_t		 ike_tunnel_local_id(const struct ike_tunnel *t,
		    uint8_t *type, uint8_t *out);
/* 1 if the peer's ID matches the tunnel's peer-id. */
int		 ike_tunnel_peer_id_match(const struct ike_tunnel *t,
		    const struct ikev2_id *id);
/* An identity from an ID payload (type, data); an FQDN is lowered. */
void		 ike_peer_ident_set(struct ike_peer_ident *pi, uint8_t type,
		    const uint8_t *data, size_t len);
int		 ike_peer_ident_eq(const struct ike_peer_ident *a,
		    const struct ike_peer_ident *b);
/* The identity t expects of its peer (peer-id, or the peer's address);
 * pi_type 0 when any identity will do (0.0.0.0 peer without peer-id). */
void		 ike_tunnel_peer_ident(const struct ike_tunnel *t,
		    struct ike_peer_ident *pi);

#endif
