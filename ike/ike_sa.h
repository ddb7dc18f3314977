/*
 * ike_sa.h - the engine's internals.
 *
 * ike/ reads one way, from the top down:
 *   engine.c            the ike_* API (ike.h): datagrams in, control
 *                       commands, status; it knows the versions only
 *                       through their struct ike_version tables
 *   ikev2_engine.c,     each version's table: its queue of exchanges
 *   ikev1_engine.c      and the exchange module for each message
 *   ikev2_{rekey,init,auth,child,info}.c, ikev1_{info,quick,rekey,main,
 *   child,half}.c       the exchanges: codec use and state machines
 *   ike_sa.c, ikev1_sa.c  each version's IKE SA core: SA lookup,
 *                       message IDs, retransmission, response cache; it
 *                       reaches the exchanges through the version's
 *                       exchange table (struct ikev2_exchanges ...)
 *   tunnel.c, ike_diag.c, ike_metrics.c  the tunnels, shared by both
 *                       versions: state, retries, routes, DPD verdicts,
 *                       identities and INITIAL_CONTACT
 * A lower file never calls a higher one except through those tables.
 */
#ifndef GW_IKE_SA_H
#define GW_IKE_SA_H

#include <sys/queue.h>
#include <netinet/in.h>
#include <stdint.h>
#include <time.h>

#include <event2/util.h>

#include "crypto/crypto.h"
#include "ike/ike.h"
#include "ike/ikev2.h"
#include "ike/xmit.h"
#include "ipsec/child_sa.h"
#include "ipsec/lifetime.h"
#include "policy/config.h"
#include "policy/diag.h"
#include "policy/proposal.h"

struct event;
struct ikev1_ctx;
struct ikev2_msg;
struct ikev1_exchanges;
struct ike_sa;
struct ike_tunnel;
struct ike_peer_ident;
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
	/* 1 with *peer if an IKE SA of t is up with a CHILD SA in. */
	int		(*iv_connected)(struct ike_tunnel *t,
			    struct in_addr *peer);
	/* 1 if t has an IKE SA that is not going or gone. */
	int		(*iv_busy)(struct ike_tunnel *t);
	/* 1 if t has an established IKE SA. */
	int		(*iv_established)(struct ike_tunnel *t);
	/* Removes every IKE SA of t (DELETE sent for established ones). */
	void		(*iv_teardown)(struct ike_tunnel *t);
	/* INITIAL_CONTACT (tunnel.c): 1 if an IKE SA other than self has
	 * the identity pi; remove the established others (how many). */
	int		(*iv_ident_busy)(struct ike_ctx *ctx,
			    const struct ike_peer_ident *pi, const void *self);
	int		(*iv_ident_drop)(struct ike_ctx *ctx,
			    const struct ike_peer_ident *pi, const void *self);
	/* gatewayctl rekey: ike_tunnel_rekey()'s and _rekey_ike()'s
	 * return values. */
	int		(*iv_rekey)(struct ike_tunnel *t, int ike);
	/* The SA part of st (algorithms, SPIs, children). */
	void		(*iv_status)(struct ike_tunnel *t,
			    struct tunnel_status *st);
	/* XFRM_MSG_EXPIRE of an SA (volume: of a byte or packet limit):
	 * 1 if it was one of this version's. */
	int		(*iv_kernel_expire)(struct ike_ctx *ctx, uint8_t proto,
			    uint32_t spi, struct in_addr dst, int hard,
			    int volume);
	void		(*iv_shutdown)(struct ike_ctx *ctx);
	void		(*iv_free)(struct ike_ctx *ctx);
};
extern const struct ike_version ikev1_version, ikev2_version;

/*
 * IKEv2's exchanges as the SA core (ike_sa.c) reaches them: the handler
 * of each exchange's requests and responses, what an SA does when it is
 * established or replaced, its timers, and the queue (ikev2_engine.c).
 */
struct ikev2_exchanges {
	void	(*x_init_response)(struct ike_sa *sa, const uint8_t *pkt,
		    size_t len, struct ikev2_msg *m);
	void	(*x_auth_request)(struct ike_sa *sa, struct ikev2_msg *m);
	void	(*x_auth_response)(struct ike_sa *sa, struct ikev2_msg *m);
	void	(*x_create_request)(struct ike_sa *sa, struct ikev2_msg *m);
	void	(*x_create_response)(struct ike_sa *sa, struct ikev2_msg *m);
	void	(*x_info_request)(struct ike_sa *sa, struct ikev2_msg *m);
	void	(*x_info_response)(struct ike_sa *sa, struct ikev2_msg *m);
	/* ESTABLISHED: rekey, expiry and DPD timers armed; REKEYED: the
	 * wait for the peer's DELETE */
	void	(*x_established)(struct ike_sa *sa);
	void	(*x_rekeyed)(struct ike_sa *sa);
	void	(*x_rekey_cb)(evutil_socket_t, short, void *);
	void	(*x_expire_cb)(evutil_socket_t, short, void *);
	void	(*x_dpd_cb)(evutil_socket_t, short, void *);
	/* Starts the next request waiting on sa, if none is in flight. */
	void	(*x_next)(struct ike_sa *sa);
};
extern const struct ikev2_exchanges ikev2_exchanges;

enum ike_sa_state {
	IKE_SA_NEW = 0,
	IKE_SA_INIT_SENT,	/* initiator: IKE_SA_INIT request out */
	IKE_SA_INIT_DONE,	/* responder: IKE_SA_INIT answered */
	IKE_SA_AUTH_SENT,	/* initiator: IKE_AUTH request out */
	IKE_SA_ESTABLISHED,
	IKE_SA_DELETING,	/* our DELETE of the IKE SA is out */
	IKE_SA_REKEYED,		/* replaced by a rekey (§2.18): waiting for
				   the peer's DELETE, then gone */
	IKE_SA_DEAD
};

/* What our one outstanding request is (window size 1, RFC 7296 §2.3). */
enum ike_req_kind {
	IKE_REQ_NONE = 0,
	IKE_REQ_INIT,
	IKE_REQ_AUTH,
	IKE_REQ_CHILD_NEW,
	IKE_REQ_CHILD_REKEY,
	IKE_REQ_CHILD_DELETE,
	IKE_REQ_IKE_DELETE,
	IKE_REQ_LIVENESS,
	IKE_REQ_IKE_REKEY	/* CREATE_CHILD_SA rekeying the IKE SA */
};

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

/*
 * A peer's identity as authenticated (IKEv1 and IKEv2 number the IPv4
 * address and FQDN types alike): what INITIAL_CONTACT speaks of (RFC
 * 7296 §2.4, RFC 2407 §4.6.3.3).  pi_type 0: unknown.
 */
struct ike_peer_ident {
	uint8_t		 pi_type;
	uint8_t		 pi_len;
	uint8_t		 pi_data[255];	/* an FQDN in lower case */
};

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
};
TAILQ_HEAD(ike_tunnel_list, ike_tunnel);

struct ike_sa {
	TAILQ_ENTRY(ike_sa) sa_entry;
	struct ike_ctx	*sa_ctx;
	struct ike_tunnel *sa_tunnel;	/* responder: NULL until IKE_AUTH */
	int		 sa_initiator;	/* original initiator (§2.2) */
	enum ike_sa_state sa_state;
	uint8_t		 sa_spi_i[8];
	uint8_t		 sa_spi_r[8];
	struct sockaddr_in sa_local;
	struct sockaddr_in sa_remote;	/* the peer's current address */
	/* §2.11: behind a NAT we do not follow the peer (§2.23), but we
	 * answer a request where it came from */
	struct sockaddr_in sa_reply_to;
	int		 sa_reply_to_set;
	struct ike_peer_ident sa_peer_ident; /* from IDi/IDr, once verified */
	struct prop_offer	 sa_offer;	/* initiator: our IKE proposal */
	struct proposal_choice sa_prop;
	struct dh	*sa_dh;
	struct buf	*sa_ni;
	struct buf	*sa_nr;
	struct buf	*sa_msg1;	/* RealMessage1 (§2.15) */
	struct buf	*sa_msg2;	/* RealMessage2 */
	struct buf	*sa_cookie;
	int		 sa_nat;	/* NAT between us: ESP in UDP */
	int		 sa_nat_local;	/* the NAT is in front of us */
	struct sa_lifetime sa_life;	/* rekey time, retries, expiry */
	struct event	*sa_expire_ev;	/* ESTABLISHED: the hard expiry */
	struct event	*sa_natt_ka_ev;	/* NAT keepalives (RFC 3948 §2.3) */
	struct ikev2_keys sa_keys;
	int		 sa_keys_ok;
	/* Message IDs (§2.3) */
	uint32_t	 sa_msgid_next;	/* our next request */
	uint32_t	 sa_msgid_peer;	/* the peer's next request */
	/* our outstanding request (x_out NULL: none), retransmitted; its
	 * timer also ends a half-open responder SA */
	struct ike_xmit	 sa_rq;
	enum ike_req_kind sa_req_kind;
	uint32_t	 sa_req_msgid;
	struct child_sa	*sa_req_child;	/* the CHILD SA it is about */
	/* our last response and the request it answers (§2.1) */
	struct ike_xmit	 sa_rsp;
	uint32_t	 sa_resp_msgid;
	struct child_sa_list sa_children;
	time_t		 sa_established;
	int		 sa_cookie_tries;
	int		 sa_pairs;	/* we create the tunnel's segment
					   pairs (we initiated it; a rekeyed
					   SA inherits this) */
	int		 sa_ke_tries;	/* INVALID_KE_PAYLOAD retries */
	/* an IKE SA with this peer (the tunnel's; as responder, from the
	 * address) was established when this one began: it replaces that
	 * one (a re-authentication or a restarted peer), it is not a
	 * simultaneous initiation (ike_tunnel_collision) */
	int		 sa_prior_up;
	/* IKE SA rekey (§2.18): on the old SA, the new one we negotiate
	 * and, in a collision (§2.8.2), the one the peer created */
	struct ike_sa	*sa_rekey_new;
	struct ike_sa	*sa_rekey_peer;
	int		 sa_rekey_due;	/* rekey the IKE SA now */
	struct event	*sa_rekey_ev;	/* ESTABLISHED: rekey time or the
					   next try; REKEYED: give up
					   waiting */
	/* Dead peer detection (RFC 7296 §2.4) */
	struct event	*sa_dpd_ev;
	uint64_t	 sa_last_rx_ms;	/* monotonic: last valid message */
	uint64_t	 sa_dpd_bytes;	/* inbound ESP bytes at last look */
	int		 sa_dpd_out;	/* our liveness check is out */
	uint32_t	 sa_dpd_msgid;
};
TAILQ_HEAD(ike_sa_list, ike_sa);


struct ike_ctx {
	struct event_base *ctx_base;
	struct config	*ctx_cfg;
	struct kernel_ops *ctx_kernel;
	struct ike_net	*ctx_net;
	struct ike_tunnel_list ctx_tunnels;
	struct ike_sa_list ctx_sas;
	struct ike_counters ctx_counters;
	/* Timing (milliseconds); tests shorten them. */
	unsigned	 ctx_retx_ms;		/* first retransmission */
	int		 ctx_retx_tries;	/* then give up */
	unsigned	 ctx_retry_fast_ms;	/* after failure 1 and 2 */
	unsigned	 ctx_retry_slow_ms;	/* in a failed state */
	unsigned	 ctx_rekey_percent;	/* of the CHILD lifetime */
	int		 ctx_shutdown;
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
	/* Cookies (§2.6): demanded above this many half-open SAs */
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
};

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
/*
 * DPD's look at an IKE SA of either version: inbound ESP bytes of its
 * children since the last look (*bytes) are a sign of life at the time
 * the kernel saw them, which moves *last_rx_ms.  Returns the ms to wait
 * before the next look while the peer has been quiet for less than
 * delay (often enough that a dead peer is found within delay + timeout
 * of its last packet, give or take delay / 4), 0 when it is time to
 * probe.  *esp: 1 if there was traffic.
 */
uint64_t ike_dpd_look(struct ike_ctx *ctx, struct child_sa_list *children,
	    uint64_t now, unsigned delay, uint64_t *bytes,
	    uint64_t *last_rx_ms, int *esp);
/*
 * The verdict "peer dead" of either version, before the caller destroys
 * the IKE SA and calls ike_tunnel_peer_dead(t): counted, logged with
 * what (the probe) was not answered, the tunnel's error and, with
 * dpd-action hold, its children's policies kept (t may be NULL).
 */
void	ike_dpd_dead(struct ike_ctx *ctx, struct ike_tunnel *t,
	    const char *name, struct child_sa_list *children,
	    const char *probe, unsigned timeout, struct in_addr peer);
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

/* --- tunnel.c: the clock and the network, for both versions --- */
uint64_t	 ike_now_ms(void);		/* CLOCK_MONOTONIC */
/* Sends raw bytes and logs them at debug level. */
void	ike_net_send(struct ike_ctx *ctx, const struct buf *b,
	    const struct sockaddr_in *local, const struct sockaddr_in *remote,
	    const char *name);

/* --- ike_sa.c: the IKEv2 SA core --- */
const char	*ike_sa_state_name(enum ike_sa_state s);
void		 ike_sa_set_state(struct ike_sa *sa, enum ike_sa_state s);
struct ike_sa	*ike_sa_new(struct ike_ctx *ctx, struct ike_tunnel *t,
		    int initiator, const struct sockaddr_in *local,
		    const struct sockaddr_in *remote);
/* Removes CHILD SAs from the kernel, stops timers, frees. */
void		 ike_sa_destroy(struct ike_sa *sa);
const char	*ike_sa_name(const struct ike_sa *sa);
struct ike_sa	*ike_sa_lookup(struct ike_ctx *ctx, const struct ikev2_hdr *h,
		    const struct sockaddr_in *remote);
/* Responder: drop the SA if IKE_AUTH does not follow IKE_SA_INIT. */
#define IKE_HALFOPEN_TIMEOUT	30	/* seconds */
#define IKE_NATT_KEEPALIVE_S	20	/* NAT keepalive period (RFC 3948) */
void		 ike_sa_halfopen_timer(struct ike_sa *sa);
/* Keys for messages we send (outbound 1) or receive. */
void		 ike_sa_sk_keys(const struct ike_sa *sa, int outbound,
		    struct ikev2_sk_keys *k);
/* Handles a parsed datagram for sa (message IDs, SK, rules, exchange). */
void		 ike_sa_recv(struct ike_sa *sa, const uint8_t *pkt, size_t len,
		    struct ikev2_msg *m, const struct sockaddr_in *local,
		    const struct sockaddr_in *remote);

/* Outgoing message under construction. */
struct ike_msg_out {
	struct buf		*mo_buf;
	struct buf		*mo_inner;
	struct pld_writer	 mo_w;
	struct pld_writer	 mo_iw;
	uint8_t			 mo_exchange;
	int			 mo_response;
	uint32_t		 mo_msgid;
};
/* Starts a request (msgid = the next one) or a response to msgid. */
int	ike_msg_begin(struct ike_sa *sa, struct ike_msg_out *mo,
	    uint8_t exchange, int response, uint32_t msgid);
/* The writer for payloads (inside SK except in IKE_SA_INIT). */
struct pld_writer *ike_msg_w(struct ike_msg_out *mo);
void	ike_msg_abort(struct ike_msg_out *mo);
/* Seals and sends: a request gets a retransmission timer, a response is
 * cached.  Consumes mo.  0 or -1. */
int	ike_msg_send(struct ike_sa *sa, struct ike_msg_out *mo,
	    enum ike_req_kind kind, struct child_sa *child);
/* Debug-log a message ("parsed IKE_AUTH response 1 [ IDr AUTH ... ]"). */
void	ike_msg_log(const char *name, const char *what,
	    const struct ikev2_msg *m);
/* Finds an installed CHILD SA by our inbound or the peer's SPI. */
struct child_sa *ike_sa_child_by_spi(struct ike_sa *sa, uint32_t spi,
	    int inbound);
/* Removes one CHILD SA from the kernel and frees it. */
void	ike_sa_child_remove(struct ike_sa *sa, struct child_sa *cs);
/* Wireshark ikev2_decryption_table line. */
void	ike_sa_keylog(const struct ike_sa *sa);
/* Starts whatever the IKE SA has to do next, one request at a time
 * (through its exchange table: ikev2_next()). */
void	ike_sa_next(struct ike_sa *sa);
/* Sends DELETE of the IKE SA and removes it without waiting (§1.4.1). */
void	ike_sa_delete_now(struct ike_sa *sa);
/* A configured lifetime in seconds, in ms (ctx_life_unit_us). */
uint64_t ikev2_life_ms(const struct ike_ctx *ctx, uint32_t secs);

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
/* 1 if an IKE SA of t, of either version, is not going or gone. */
int		 ike_tunnel_busy(struct ike_tunnel *t);
/* XFRM_MSG_ACQUIRE (kernel_ops ko_acquire, arg: the ike_ctx). */
void		 ike_kernel_acquire(void *arg, struct in_addr src,
		    uint8_t splen, struct in_addr dst, uint8_t dplen);
/* One CHILD SA's status (selectors, algorithms, kernel counters). */
void		 ike_status_child(struct ike_ctx *ctx,
		    const struct child_sa *cs, struct child_status *st);
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
/* The IKE SA of the tunnel that is established, or NULL. */
struct ike_sa	*ike_tunnel_sa(struct ike_tunnel *t);
/* An IKE SA was dropped (peer DELETE, timeout): maybe re-initiate. */
void		 ike_tunnel_sa_gone(struct ike_tunnel *t, int failed);
/* Responder candidates: gateway == local, peer == remote or 0.0.0.0. */
int		 ike_tunnel_candidates(struct ike_ctx *ctx,
		    const struct sockaddr_in *local,
		    const struct sockaddr_in *remote,
		    struct ike_tunnel **out, int max);
/* Handles two IKE SAs for one tunnel (simultaneous initiation). */
void		 ike_tunnel_collision(struct ike_tunnel *t, struct ike_sa *sa);
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
/*
 * INITIAL_CONTACT (RFC 7296 §2.4, RFC 2407 §4.6.3.3) goes out on an IKE
 * SA of t (self, either version) only while gatewayd holds no other IKE
 * SA, of either version, established or under way, with that peer
 * identity: otherwise the peer would drop that other SA.  1: send it.
 */
int		 ike_initial_contact_ok(struct ike_ctx *ctx,
		    const struct ike_tunnel *t, const void *self);
/* An authenticated INITIAL_CONTACT on self: every other IKE SA, of
 * either version, with the identity pi is stale and goes. */
void		 ike_initial_contact_recv(struct ike_ctx *ctx,
		    const struct ike_peer_ident *pi, const void *self);

/* --- ikev2_init.c --- */
int	ikev2_init_start(struct ike_sa *sa);
void	ikev2_init_request(struct ike_ctx *ctx, const uint8_t *pkt,
	    size_t len, struct ikev2_msg *m, const struct sockaddr_in *local,
	    const struct sockaddr_in *remote);
void	ikev2_init_response(struct ike_sa *sa, const uint8_t *pkt, size_t len,
	    struct ikev2_msg *m);
/* A fresh IKEV2_NONCE_LEN-byte nonce (owned), or NULL. */
struct buf *ikev2_init_nonce(void);
/* Appends KE with sa_dh's public value. */
int	ikev2_init_add_ke(struct ike_sa *sa, struct pld_writer *w);
/* RFC 7296 §2.23 NAT_DETECTION hash of spis, addr, port (network). */
void	ikev2_natd_hash(const uint8_t spii[8], const uint8_t spir[8],
	    struct in_addr addr, uint16_t port, uint8_t out[20]);

/* --- ikev2_auth.c --- */
int	ikev2_auth_start(struct ike_sa *sa);
void	ikev2_auth_request(struct ike_sa *sa, struct ikev2_msg *m);
void	ikev2_auth_response(struct ike_sa *sa, struct ikev2_msg *m);

/* --- ikev2_child.c --- */
/* Starts the next request of an IKEv2 SA's queue (ikev2_engine.c). */
void	ikev2_next(struct ike_sa *sa);
/* Initiator: CREATE_CHILD_SA for segment pair pair, or to rekey or set
 * up again old.  0 or -1 (nothing sent; pair marked failed). */
int	ikev2_child_start(struct ike_sa *sa, int pair, struct child_sa *old);
/*
 * Initiator: a new CHILD SA for segment pair p (old: the CHILD SA it
 * rekeys, whose selectors and reqid it takes), SPI allocated, offer and
 * TS built; it joins sa_children in state NEW.
 */
struct child_sa *ikev2_child_prepare(struct ike_sa *sa, int pair, int dh,
	    const struct child_sa *old, struct ts_list *tsi,
	    struct ts_list *tsr);
/*
 * Responder: selects (dh: as proposal_child_select), narrows, derives
 * and installs; fills our SA answer, or sets *notify to the error to
 * send.  Returns the installed child or NULL.
 */
struct child_sa *ikev2_child_respond(struct ike_sa *sa,
	    const struct ikev2_msg *m, int dh, const struct child_sa *old,
	    const struct buf *gir, const struct buf *ni, const struct buf *nr,
	    struct prop_offer *answer, uint16_t *notify);
/* Initiator: checks the answer, derives keys, installs.  0 or -1 (the
 * child is removed, t_last_error says why). */
int	ikev2_child_complete(struct ike_sa *sa, struct child_sa *cs,
	    const struct ikev2_msg *m, const struct buf *gir,
	    const struct buf *ni, const struct buf *nr);
/* The TSi/TSr payload contents for cs; we_init: we are the exchange's
 * initiator (TSi is our side). */
void	ikev2_child_ts(const struct child_sa *cs, int we_init,
	    struct ts_list *tsi, struct ts_list *tsr);
void	ikev2_child_request(struct ike_sa *sa, struct ikev2_msg *m);
void	ikev2_child_response(struct ike_sa *sa, struct ikev2_msg *m);
/*
 * Starts a new CHILD SA's life: its rekey at 85-90% of the lifetime (at
 * random, RFC 7296 §2.8.1) and its own hard expiry, a safety net behind
 * the kernel's (XFRM_MSG_EXPIRE, ikev2_child_expired()).
 */
void	ikev2_child_timer_set(struct ike_sa *sa, struct child_sa *cs);
void	ikev2_child_timer_clear(struct child_sa *cs);
/*
 * The CHILD SA reached its hard lifetime (the kernel's, or our timer)
 * without a successor: its SAs go, its policies stay (traffic is held,
 * never sent in the clear), the peer is told with a DELETE and the same
 * selectors are negotiated again.  kernel_gone: the kernel already
 * removed the SA with this SPI (0: none).
 */
void	ikev2_child_expired(struct ike_sa *sa, struct child_sa *cs,
	    uint32_t kernel_gone);
/* The kernel's soft lifetime (volume 1: of bytes or packets, the
 * only one for those): rekey now unless that is under way. */
void	ikev2_child_soft_expired(struct ike_sa *sa, struct child_sa *cs,
	    int volume);
/* Our rekey (or re-creation) of cs failed or was refused (temporary:
 * TEMPORARY_FAILURE): try again later, with backoff. */
void	ikev2_child_retry(struct ike_sa *sa, struct child_sa *cs,
	    int temporary);

/* --- ikev2_rekey.c: IKE SA rekey (RFC 7296 §1.3.2, §2.8.2, §2.18) --- */
/* Arms the rekey and the hard-expiry timers of an established SA
 * (ctx_ike_rekey_ms or 85-90% of the lifetime, at random), or the
 * REKEYED SA's wait for the peer's DELETE. */
void	ikev2_rekey_timer_set(struct ike_sa *sa);
/* Our rekey of sa failed or was refused (temporary: TEMPORARY_FAILURE):
 * try again later, with backoff, as long as the lifetime allows. */
void	ikev2_rekey_retry(struct ike_sa *sa, int temporary);
/* Rekey initiator: CREATE_CHILD_SA { SA, Ni, KEi } on sa.  0 or -1. */
int	ikev2_rekey_start(struct ike_sa *sa);
/* Responder: a CREATE_CHILD_SA request whose SA offers an IKE proposal. */
void	ikev2_rekey_request(struct ike_sa *sa, struct ikev2_msg *m);
/* Initiator: the answer to our IKE_REQ_IKE_REKEY request. */
void	ikev2_rekey_response(struct ike_sa *sa, struct ikev2_msg *m);

/* Timers of an established SA (ikev2_rekey.c, ikev2_info.c). */
void	ike_sa_rekey_cb(evutil_socket_t, short, void *);
void	ike_sa_expire_cb(evutil_socket_t, short, void *);
void	ike_sa_dpd_cb(evutil_socket_t, short, void *);

/* --- ikev2_info.c --- */
int	ikev2_info_delete_child(struct ike_sa *sa, struct child_sa *cs);
/* Sends DELETE of the IKE SA as a request; the SA goes (DELETING) when
 * the answer comes or the retransmissions give up.  0 or -1. */
int	ikev2_info_delete_wait(struct ike_sa *sa);
/* Dead peer detection: (re)arms the timer of an established SA. */
void	ikev2_info_dpd_start(struct ike_sa *sa);
void	ikev2_info_request(struct ike_sa *sa, struct ikev2_msg *m);
void	ikev2_info_response(struct ike_sa *sa, struct ikev2_msg *m);

#endif
