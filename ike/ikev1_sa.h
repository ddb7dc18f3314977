/*
 * ikev1_sa.h - the IKEv1 engine (RFC 2408, RFC 2409, RFC 2407, RFC 3706,
 * RFC 3947): the ISAKMP SA with its state machine, CBC IV state, keys,
 * retransmission and reply cache (ikev1_sa.c), Main and Aggressive Mode
 * with pre-shared keys (ikev1_main.c), Quick Mode (ikev1_quick.c) and
 * informational exchanges (ikev1_info.c).
 *
 * The engine context (struct ike_ctx) and tunnels are shared with IKEv2;
 * engine.c and tunnel.c reach IKEv1 through ikev1_version
 * (ikev1_engine.c): its ikev1_tunnel_*() hooks for tunnels with
 * "version 1" and ikev1_recv() for datagrams whose version byte is 0x10.
 */
#ifndef GW_IKEV1_SA_H
#define GW_IKEV1_SA_H

#include <sys/queue.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto/crypto.h"
#include "ike/ike_sa.h"
#include "ike/ikev1.h"
#include "ipsec/child_sa.h"

struct event;

enum isakmp_state {
	ISAKMP_NEW = 0,
	ISAKMP_MM_I1,		/* initiator: MM message 1 out */
	ISAKMP_MM_R2,		/* responder: MM message 2 out */
	ISAKMP_MM_I3,
	ISAKMP_MM_R4,
	ISAKMP_MM_I5,
	ISAKMP_AM_I1,		/* initiator: AM message 1 out */
	ISAKMP_AM_R2,		/* responder: AM message 2 out */
	ISAKMP_ESTABLISHED,
	ISAKMP_DEAD		/* failed or deleted, being freed */
};

enum qm_state {
	QM_NEW = 0,
	QM_I1,			/* initiator: message 1 out */
	QM_R2,			/* responder: message 2 out */
	QM_DONE,		/* SAs installed (cached reply kept) */
	QM_FAILED
};


struct isakmp_sa;

/* One Quick Mode exchange (RFC 2409 §5.5), keyed by its message ID. */
struct ikev1_qm {
	TAILQ_ENTRY(ikev1_qm) qm_entry;
	struct isakmp_sa *qm_sa;
	uint32_t	 qm_msgid;
	int		 qm_initiator;
	enum qm_state	 qm_state;
	uint8_t		 qm_iv[CRYPTO_MAX_BLOCK];
	int		 qm_pair;	/* initiator: segment pair */
	struct child_sa	*qm_child;	/* owned until installed */
	struct dh	*qm_dh;		/* PFS */
	struct buf	*qm_ni;
	struct buf	*qm_nr;
	uint32_t	 qm_life;	/* seconds */
	uint64_t	 qm_life_bytes;	/* the lower of ours and the peer's
					   kilobytes (x 1024); 0 none */
	uint32_t	 qm_rekey_spi;	/* replaces the IPsec SA with this
					   inbound SPI (0: a new one) */
	int		 qm_in_early;	/* responder: its inbound SA went in
					   with message 2 (qm_r2_inbound) */
	int		 qm_no_hash3;	/* responder: installed without
					   message 3 (ikev1_quick_commit_lost):
					   the peer may lack our message 2 */
	uint32_t	 qm_spi_in;	/* done: our inbound SPI it made */
	struct ike_xmit	 qm_x;
};
TAILQ_HEAD(ikev1_qm_list, ikev1_qm);

/*
 * What an authenticated peer can make us hold through Quick Mode (issue
 * 8): per ISAKMP SA at most IKEV1_QM_RESPONDER_MAX of its Quick Modes
 * answered and waiting for message 3 (QM_R2, each with a larval SA), and
 * per tunnel at most IKEV1_CHILD_PER_PAIR IPsec SAs per segment pair plus
 * IKEV1_CHILD_SLACK, larval ones included (ikev1_child_max).  A message 1
 * past either is dropped unanswered once its HASH(1) verified: RFC 2408
 * §3.14.1 has no notify for "not now", and a retransmission of it gets a
 * new chance.  A Quick Mode record is freed when its exchange ends (ours
 * done: after our retransmission span, to answer a repeated message 2
 * with our message 3 again); the last IKEV1_QM_DONE_IDS message IDs are
 * remembered so that a late duplicate is not taken for a new exchange.
 */
#define IKEV1_QM_RESPONDER_MAX	16	/* the peer may start many pairs */
#define IKEV1_CHILD_PER_PAIR	4	/* the SA, its rekey, a colliding
					   rekey, an old one not yet deleted */
#define IKEV1_CHILD_SLACK	4	/* a pair split by narrower selectors */
#define IKEV1_QM_DONE_IDS	32
#define IKEV1_QM_LOG_MS	10000	/* a refusal logged at most this often */

struct isakmp_sa {
	struct ike_sa_base is_b;	/* first: both versions (sa_base.h) */
	/* half-open responder (ikev1_half.c): counted towards the caps
	 * until established, destroyed at is_half_ev; 1, or 2 when it
	 * came from an address no tunnel names (a 0.0.0.0 peer) */
	int		 is_halfopen;
	LIST_ENTRY(isakmp_sa) is_sentry;	/* vc_src, by source */
	TAILQ_ENTRY(isakmp_sa) is_qentry;	/* vc_half_q (anonymous) */
	uint64_t	 is_half_ms;		/* monotonic: created */
	struct event	*is_half_ev;
	uint8_t		 is_exchange;	/* IKEV1_EXCH_MAIN / _AGGRESSIVE */
	enum isakmp_state is_state;
	/* negotiated phase 1 transform (crypto.h numbering) */
	int		 is_encr, is_encr_bits, is_integ, is_prf, is_group;
	uint32_t	 is_lifetime;
	struct buf	*is_sai_b;	/* the initiator's SA body */
	struct ikev1_transform is_chosen; /* responder: echoed transform */
	uint8_t		 is_prop_num;
	struct dh	*is_dh;
	struct buf	*is_gxi, *is_gxr, *is_ni, *is_nr;
	struct buf	*is_idi_b, *is_idr_b;	/* ID payload bodies */
	struct ikev1_keys is_keys;
	int		 is_keys_ok;
	size_t		 is_blen;		/* cipher block length */
	/* phase 1 CBC state; once established, the last phase 1 block */
	uint8_t		 is_iv[CRYPTO_MAX_BLOCK];
	int		 is_peer_dpd, is_peer_natt, is_peer_unity;
	int		 is_natd;		/* both sent the RFC 3947 VID */
	struct ikev1_qm_list is_qms;
	uint32_t	 is_qm_done[IKEV1_QM_DONE_IDS]; /* finished, a ring */
	unsigned	 is_qm_done_next;
	uint64_t	 is_qm_refused;	/* past a cap, since is_qm_log_ms */
	uint64_t	 is_qm_log_ms;	/* monotonic: last refusal logged */
	uint64_t	 is_up_ms;	/* monotonic, when established */
	/* DPD (RFC 3706): both roles probe when the peer announced it */
	uint32_t	 is_dpd_seq;	/* last R-U-THERE sent */
	uint32_t	 is_dpd_first;	/* first of the probe under way */
	struct event	*is_check_ev;	/* deferred isakmp_check_cb */
	/* phase 1: the first message 5, 6 or AM 3 that did not decrypt or
	 * verify, or a notify instead of message 6 (unauthenticated), and
	 * how many times our message 5 had gone out again then: a valid one
	 * may still come until V1_BAD_WAIT retransmission delays later and,
	 * as initiator, until another such message answers a retransmission
	 * of message 5 (is_bad_again) or V1_BAD_RESENDS retransmissions of
	 * it went unanswered (isakmp_bad_over, ikev1_main_bad) */
	uint64_t	 is_bad_ms;
	int		 is_bad_tries;
	int		 is_bad_again;
	int		 is_bad_clear;	/* not only informationals that did
					   not decrypt */
#define V1_BAD_WAIT	2
#define V1_BAD_RESENDS	3
	/* lifetime (ikev1_rekey.c) */
	struct event	*is_life_ev;
	int		 is_life_hard;	/* is_life_ev: 0 rekey, 1 expiry */
	uint64_t	 is_life_left_ms; /* rekey time -> hard expiry */
	int		 is_reauth;	/* started to replace an older SA */
	/* HA takeover (ikev1_takeover.c), until it ends: 1 + the IPsec
	 * SAs its record listed; 0: negotiated here */
	int		 is_resumed;
	uint64_t	 is_reauth_at_ms; /* monotonic: when our lifetime timer
					   re-authenticates it (0: not armed;
					   later while a Quick Mode is under
					   way on it) */
	/* the peer's SA of a tunnel that initiates: when the peer has set
	 * up no IPsec SA for a segment pair by is_pairs_at_ms (V1_PAIRS_WAIT
	 * retransmission delays after it came up), we do (is_pairs_ours) */
	uint64_t	 is_pairs_at_ms;
	int		 is_pairs_ours;
#define V1_PAIRS_WAIT	2
	/* until when our Quick Modes wait for its re-authentication
	 * (ikev1_qm_hold) */
	uint64_t	 is_qm_hold_ms;
	int		 is_replaced;	/* its IPsec SAs moved to a newer SA */
	int		 is_replaced_waits; /* its delete put off for a
					   Quick Mode under way */
	int		 is_peer_deleted; /* the peer deleted it: nothing more
					   is sent on it, its IPsec SAs wait
					   for the new ISAKMP SA */
	int		 is_expired;	/* its lifetime ended while a new
					   ISAKMP SA was under way: unused,
					   its IPsec SAs wait for that one */
	/* NAT traversal (ikev1_natt.c, RFC 3947, RFC 3948) */
	/* established: where the message being processed came from, for
	   v1_natt_authenticated() (sin_family 0: nothing pending) */
	struct sockaddr_in is_rx_local, is_rx_remote;
};
TAILQ_HEAD(isakmp_sa_list, isakmp_sa);

/* The ISAKMP SA whose base b is (NULL for NULL), and the engine's ISAKMP
 * SAs in creation order (ctx_all holds both versions). */
static inline struct isakmp_sa *
isakmp_sa_of(struct ike_sa_base *b)
{
	return (b == NULL ? NULL : (struct isakmp_sa *)(void *)((char *)b -
	    offsetof(struct isakmp_sa, is_b)));
}
static inline struct isakmp_sa *
isakmp_first(struct ike_ctx *ctx)
{
	return (isakmp_sa_of(ike_sa_base_next(ctx, NULL, 1)));
}
static inline struct isakmp_sa *
isakmp_after(const struct isakmp_sa *sa)
{
	return (isakmp_sa_of(ike_sa_base_next(sa->is_b.b_ctx,
	    (struct ike_sa_base *)(uintptr_t)&sa->is_b, 1)));
}
#define ISAKMP_SA_FOREACH(sa, ctx)					\
	for ((sa) = isakmp_first(ctx); (sa) != NULL;			\
	    (sa) = isakmp_after(sa))
/* sa and the other ISAKMP SAs of its tunnel, in the same order (sa
 * alone without a tunnel; the same rules for the body). */
#define ISAKMP_KIN_FOREACH(o, sa)					\
	for ((o) = isakmp_sa_of(ike_sa_base_kin_next(&(sa)->is_b, NULL,	\
	    1)); (o) != NULL;						\
	    (o) = isakmp_sa_of(ike_sa_base_kin_next(&(sa)->is_b,	\
	    &(o)->is_b, 1)))
/* The ISAKMP SAs of tunnel t, in the same order (the body must not move
 * the current one to another tunnel, nor free it). */
#define ISAKMP_TUNNEL_SA_FOREACH(sa, t)					\
	for ((sa) = isakmp_sa_of(ike_tunnel_sa_next((t), NULL, 1));	\
	    (sa) != NULL;						\
	    (sa) = isakmp_sa_of(ike_tunnel_sa_next((t), &(sa)->is_b, 1)))

LIST_HEAD(isakmp_sa_chain, isakmp_sa);
TAILQ_HEAD(isakmp_sa_hchain, isakmp_sa);

/*
 * Half-open ISAKMP SAs (responders not yet established, ikev1_half.c):
 * at most the configured number per source address, and in total from
 * addresses that no tunnel names as its peer (tunnels to 0.0.0.0), so a
 * flood of spoofed sources cannot lock out the configured peers (config.h
 * defaults); each lives at most IKEV1_HALF_OPEN_MS.
 */
#define IKEV1_HALF_OPEN_MS	30000
#define IKEV1_HALF_OPEN_TEST_MS	5000	/* test-short-lifetimes yes */
/* With the anonymous budget full, the oldest SA whose initiator has not
 * answered our message 2 gives way to a new one after this long (far
 * more than a round trip): a flood cannot keep real peers out. */
#define IKEV1_HALF_EVICT_MS	1000
/* A message 1 dropped at a limit is remembered for one to two of these
 * (ikev1_half.c): its retransmission, which a spoofed source does not
 * send and a real initiator does (strongSwan after 4 s, Libreswan after
 * 0.5 s, Cisco after 2 s), displaces the oldest SA that never answered. */
#define IKEV1_DROPPED_GEN_MS	3000
#define IKEV1_SRC_BUCKETS	256

/* in the order of their IKE_RL_V1_* log causes (internal.h) */
enum v1_drop {
	V1_DROP_HALF_TOTAL = 0,	/* the total cap is reached */
	V1_DROP_HALF_SOURCE,	/* the per-source cap is reached */
	V1_DROP_NO_TUNNEL,	/* no tunnel for the address (and ID) */
	V1_DROP_NO_PROPOSAL,	/* NO-PROPOSAL-CHOSEN answered */
	V1_DROP_MAX
};

/* The IKEv1 part of an engine (struct ike_ctx's ctx_v1). */
struct ikev1_ctx {
	/* isakmp_lookup: the ISAKMP SAs by initiator cookie (a responder
	 * is put there with message 1, sa_base.h) */
	struct ike_sa_hash vc_hash;
	/* half-open responders, by source address */
	struct isakmp_sa_chain vc_src[IKEV1_SRC_BUCKETS];
	unsigned	 vc_halfopen;		/* all */
	unsigned	 vc_half_peak;		/* most since a trim */
	unsigned	 vc_half_anon;		/* from 0.0.0.0 tunnels */
	struct isakmp_sa_hchain vc_half_q;	/* those, oldest first */
	/* message 1 dropped at a limit, remembered for 3-6 s so that its
	 * retransmission (a real initiator's) gets in: two generations of
	 * a bit filter, allocated at the first drop (ikev1_half.c) */
	uint64_t	*vc_dropped[2];
	uint64_t	 vc_dropped_key[2];
	uint64_t	 vc_dropped_ms;		/* current generation began */
	unsigned	 vc_evict_ms;		/* IKEV1_HALF_EVICT_MS */
	unsigned	 vc_half_ms;		/* lifetime (tests) */
	/* the Aggressive Mode responder's key pair, shared by the half-open
	 * SAs of IKEV1_AM_DH_MS (ikev1_half_dh), and how many were made */
	struct dh	*vc_am_dh;
	uint64_t	 vc_am_dh_ms;
	uint64_t	 vc_am_dh_made;
	uint64_t	 vc_wrong_state;	/* dropped: wrong state */
	unsigned	 vc_life_unit_ms;	/* one lifetime second (tests) */
	unsigned	 vc_reauth_delete_ms;	/* our re-authentication: the
						   old SA's DELETE after */
	/* the received datagram's parsed message, reused by ikev1_recv()
	 * while not busy (a datagram being handled: one of its own) */
	struct ikev1_msg *vc_msg;
	int		 vc_msg_busy;
};

/*
 * After our re-authentication the old ISAKMP SA is deleted this much
 * later, not at once: strongSwan moves the IPsec SAs to the new SA in a
 * job of its own, and a DELETE of the old SA that overtakes that job
 * takes them down with it.  Not much later either: until the DELETE,
 * the peer's own re-authentication timer of the old SA still runs, and
 * when it fires the peer holds two ISAKMP SAs with an IPsec SA chain on
 * each (the v1-gw-swan soak ended with two SA pairs so).
 */
#define IKEV1_REAUTH_DELETE_MS	1500
#define IKEV1_REPLACED_GRACE_MS	15000	/* the peer deletes its old SA */
/* a peer's Quick Mode for the selectors of an IPsec SA our rekey made
 * this many seconds ago or less rekeys that rekey's predecessor */
#define V1_CROSSED_REKEY_S	3



/*
 * IKEv1's exchanges as the SA core (ikev1_sa.c) reaches them, filled by
 * the engine (ikev1_engine.c): phase 1 (ikev1_main.c), Quick Mode
 * (ikev1_quick.c), informational (ikev1_info.c), lifetimes and
 * re-authentication (ikev1_rekey.c).
 */
struct ikev1_exchanges {
	void	(*x_first)(struct ike_ctx *ctx, const uint8_t *pkt,
		    size_t len, struct ikev1_msg *m,
		    const struct sockaddr_in *local,
		    const struct sockaddr_in *remote);
	void	(*x_phase1)(struct isakmp_sa *sa, struct ikev1_msg *m,
		    const uint8_t *pkt, size_t len);
	void	(*x_phase1_bad)(struct isakmp_sa *sa);
	/* the keys of a phase 1 whose g^xy waits for the initiator's next
	 * message (an Aggressive Mode responder): derived now; 0, or -1
	 * (none to derive, or a bad KE) */
	int	(*x_phase1_keys)(struct isakmp_sa *sa);
	void	(*x_phase1_info)(struct isakmp_sa *sa,
		    const struct ikev1_msg *m, const uint8_t *pkt,
		    size_t len);
	void	(*x_phase1_timeout)(struct isakmp_sa *sa);
	/* an encrypted message of sa: m has the header that ikev1_recv()
	 * parsed from pkt, and gets the decrypted payloads (which borrow a
	 * buffer freed on return) */
	void	(*x_quick)(struct isakmp_sa *sa, struct ikev1_msg *m,
		    const uint8_t *pkt, size_t len);
	void	(*x_info)(struct isakmp_sa *sa, struct ikev1_msg *m,
		    const uint8_t *pkt, size_t len);
	/* established: lifetime armed; sa takes over o's IPsec SAs; o is
	 * replaced and goes after ms */
	void	(*x_life_arm)(struct isakmp_sa *sa);
	void	(*x_adopt)(struct isakmp_sa *sa, struct isakmp_sa *o);
	void	(*x_replaced)(struct isakmp_sa *o, unsigned ms);
	/* one exchange from the queue (sa_queue.c): a Quick Mode */
	void	(*x_start)(struct isakmp_sa *sa, enum ike_task task,
		    struct child_sa *cs, int pair);
	/* the peer repeated its Quick Mode message 2 of our exchange that
	 * made the IPsec SA spi_in, and got message 3 again */
	void	(*x_msg3_again)(struct isakmp_sa *sa, uint32_t spi_in);
};
extern const struct ikev1_exchanges ikev1_exchanges;

/* --- the struct ike_version of IKEv1 (ikev1_engine.c) --- */
void	 ikev1_recv(struct ike_ctx *ctx, const uint8_t *pkt, size_t len,
	    const struct sockaddr_in *local, const struct sockaddr_in *remote);
/* Starts phase 1 for t (Main or Aggressive per config).  0 or -1. */
int	 ikev1_tunnel_initiate(struct ike_tunnel *t,
	    const struct sockaddr_in *local, const struct sockaddr_in *remote);
/* The established ISAKMP SA of t, or NULL. */
struct isakmp_sa *ikev1_tunnel_sa(struct ike_tunnel *t);
/* Sends DELETEs and removes every SA of t. */
void	 ikev1_tunnel_teardown(struct ike_tunnel *t);
/*
 * Rekeys now: ike != 0 re-authenticates the ISAKMP SA (a new Main or
 * Aggressive Mode that takes over the IPsec SAs), ike == 0 starts a new
 * Quick Mode for every installed IPsec SA.  0, or -1 if t has no
 * established ISAKMP SA.
 */
int	 ikev1_tunnel_rekey(struct ike_tunnel *t, int ike);
/* Fills the SA part of st (algorithms, cookies, children). */
int	 ikev1_status(struct ike_tunnel *t, struct tunnel_status *st);
void	 ikev1_shutdown(struct ike_ctx *ctx);
void	 ikev1_free(struct ike_ctx *ctx);
/* Test hooks: the length of one lifetime "second". */
void	 ikev1_life_unit_set(struct ike_ctx *ctx, unsigned ms);
void	 ikev1_reauth_delete_set(struct ike_ctx *ctx, unsigned ms);
/* The IKEv1 context, created on first use (NULL on allocation failure). */
struct ikev1_ctx *ikev1_ctx_get(struct ike_ctx *ctx);

/* --- ikev1_half.c --- */
/*
 * 0 if a new half-open responder SA from remote fits the caps, else -1
 * (counted and summarised in the log, nothing is answered).
 */
int		 v1_half_admit(struct ike_ctx *ctx,
		    const struct sockaddr_in *remote, const uint8_t *icookie,
		    int anon);
/* sa becomes a half-open responder: counted, expires; 0 or -1. */
int		 v1_half_start(struct isakmp_sa *sa, int anon);
/* gatewayctl doctor's proposal table: ours (or NULL) and theirs (NULL:
 * the peer refused ours); what names the phase for the debug log. */
void		 v1_diag_offers(struct isakmp_sa *sa,
		    const struct ikev1_sa *ours, const struct ikev1_sa *theirs,
		    const char *what);
/* The half-open lifetime of sa, in milliseconds. */
unsigned	 v1_half_ms(const struct isakmp_sa *sa);
/* Another message of sa's initiator: its half-open lifetime starts
 * again, up to V1_HALF_EXTEND lifetimes in all. */
void		 v1_half_touch(struct isakmp_sa *sa);
#define V1_HALF_EXTEND	2
/* sa is established or gone: no longer counted. */
void		 v1_half_end(struct isakmp_sa *sa);
/* Counts a dropped first message for the rate-limited log summary. */
void		 v1_drop_note(struct ike_ctx *ctx, enum v1_drop why,
		    struct in_addr from);
/* Test hook: the lifetime of half-open SAs and the age from which one
 * may give way to a new one, in milliseconds. */
void		 ikev1_half_open_ms_set(struct ike_ctx *ctx, unsigned life_ms,
		    unsigned evict_ms);
/* Number of half-open responder SAs. */
unsigned	 ikev1_half_open_count(struct ike_ctx *ctx);
/*
 * An Aggressive Mode responder's DH key pair for sa (its group): a share
 * of one made at most IKEV1_AM_DH_MS ago, so that a flood of spoofed
 * message 1 costs one key generation per interval, not one each (RFC
 * 7296 §2.12 allows reusing an exponent for a while; the responder's
 * g^xy waits for message 3, ikev1_main.c).  Owned, or NULL.
 */
struct dh	*ikev1_half_dh(struct isakmp_sa *sa);
#define IKEV1_AM_DH_MS	1000
/* The wait that a phase 1 message which did not verify began is over
 * (V1_BAD_WAIT, and as initiator V1_BAD_RESENDS): the attempt fails. */
int		 isakmp_bad_over(const struct isakmp_sa *sa);

/* --- ikev1_sa.c --- */
/*
 * Opens the encrypted informational pkt of sa, whose header m holds
 * (ikev1_msg_parse), with sa's keys and the IV of its message ID (RFC
 * 2409 Appendix B), and checks its HASH(1) (§5.7): m gets the payloads,
 * which point into out.  0: it is the peer's; -1: it does not decrypt or
 * parse (or sa has no keys yet); -2: its HASH(1) is missing or wrong.
 */
int	 ikev1_info_open(struct isakmp_sa *sa, struct ikev1_msg *m,
	    const uint8_t *pkt, size_t len, struct buf *out);
const char	*isakmp_state_name(enum isakmp_state s);
void		 isakmp_set_state(struct isakmp_sa *sa, enum isakmp_state s);
static inline const char *
isakmp_name(const struct isakmp_sa *sa)
{
	return (sa->is_b.b_tunnel ? ike_tunnel_name(sa->is_b.b_tunnel) : NULL);
}
/* The peer's datagram came from remote to local: follow it where RFC
 * 3947 §4 says so (ESP in UDP follows too, RFC 3948). */
void		 isakmp_follow(struct isakmp_sa *sa,
		    const struct sockaddr_in *local,
		    const struct sockaddr_in *remote);
/* from's IPsec SAs go to to (their tunnel's other ISAKMP SA). */
void		 isakmp_children_move(struct isakmp_sa *to,
		    struct isakmp_sa *from);
/* Starts the Quick Modes due on sa, one at a time (its queue,
 * ike_sa_queue_run()). */
void		 isakmp_next(struct isakmp_sa *sa);
struct isakmp_sa *isakmp_new(struct ike_ctx *ctx, struct ike_tunnel *t,
		    int initiator, uint8_t exchange,
		    const struct sockaddr_in *local,
		    const struct sockaddr_in *remote);
/* Removes IPsec SAs from the kernel, stops timers, frees. */
void		 isakmp_destroy(struct isakmp_sa *sa);
/* Phase 1 failed: record on the tunnel, destroy sa. */
void		 isakmp_fail(struct isakmp_sa *sa, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* The same, caused by an unauthenticated message (of a source that may
 * try again at will): the log line is rate-limited. */
void		 isakmp_fail_unauth(struct isakmp_sa *sa, const char *fmt,
		    ...) __attribute__((format(printf, 2, 3)));
/*
 * Soon (from the event loop): an initiator's ISAKMP SA without any IPsec
 * SA up or under way is deleted, so the tunnel's retry starts afresh.
 */
void		 isakmp_check_later(struct isakmp_sa *sa);
/* The same at monotonic time at_ms (now if past). */
void		 isakmp_check_at(struct isakmp_sa *sa, uint64_t at_ms);
/* Phase 1 done: collision check, then Quick Modes / DPD start. */
void		 isakmp_established(struct isakmp_sa *sa);
/* Header + writer for a new message; 0 or -1. */
int		 v1_msg_begin(const struct isakmp_sa *sa, struct buf **b,
		    struct pld_writer *w, uint8_t exchange, uint32_t msgid);
/* Logs (debug) then encrypts with iv if iv != NULL; sets the length. */
int		 v1_msg_seal(struct isakmp_sa *sa, struct buf *b,
		    const uint8_t *iv_in, uint8_t *iv_out);
/* Sends b (taking ownership) as x's last message; waiting: retransmit
 * until the answer. */
void		 v1_xmit_send(struct isakmp_sa *sa, struct ike_xmit *x,
		    struct buf *b, int waiting);
/* Timer fired: resends x's message; 1 when the tries are exhausted. */
int		 v1_xmit_retx(struct isakmp_sa *sa, struct ike_xmit *x);
/* Sends raw bytes without caching. */
void		 v1_send_raw(struct isakmp_sa *sa, const struct buf *b);
/* Logs a parsed message at debug level. */
void		 v1_msg_log(const char *name, const char *what,
		    const struct ikev1_msg *m);
/* The ID payload body we send for t (type, 0, 0, data). */
struct buf	*v1_local_id_body(const struct ike_tunnel *t);
/* 1 if the peer's ID matches t's peer-id. */
int		 v1_peer_id_match(const struct ike_tunnel *t,
		    const struct ikev1_id *id);
/* Version-1 tunnels that may answer (gateway == local, peer == remote or
 * 0.0.0.0; exact-address tunnels first): the first max of them in out,
 * and how many there are (which may be more than max). */
int		 v1_candidates(struct ike_ctx *ctx,
		    const struct sockaddr_in *local,
		    const struct sockaddr_in *remote, struct ike_tunnel **out,
		    int max);
/* Re-adds the policies of every installed IPsec SA of t. */
void		 v1_tunnel_policies_refresh(struct ike_tunnel *t);

/* --- ikev1_rekey.c: lifetimes, rekeying, re-authentication --- */
/* Established (and surviving collisions): arms the rekey timer. */
void	 ikev1_life_arm(struct isakmp_sa *sa);
/* Starts a new phase 1 that will take over old's IPsec SAs.  0 or -1. */
int	 ikev1_reauth_start(struct isakmp_sa *old);
/*
 * A Quick Mode rekeying an IPsec SA is due on sa: 1 if it waits for a
 * re-authentication of sa instead (started here if none is under way),
 * and then sa's queue stays shut (its window full) until the new SA is up
 * or V1_QM_HOLD retransmission delays have gone by.
 */
int	 ikev1_qm_hold(struct isakmp_sa *sa);
#define V1_QM_HOLD_PCT	80	/* of the ISAKMP SA's lifetime */
#define V1_QM_HOLD	4
/* how often a Quick Mode waiting for HASH(3) looks for the peer's
 * traffic on its inbound SA (qm_r2_inbound) */
#define QM_R2_WATCH_MS	250
/* sa (just established) takes over o's IPsec SAs; o is replaced. */
void	 ikev1_adopt(struct isakmp_sa *sa, struct isakmp_sa *o);
/* A replaced SA: deleted after ms unless the peer deletes it first. */
void	 ikev1_life_replaced(struct isakmp_sa *o, unsigned ms);
/*
 * A phase 1 of t with the peer at addr died before it was established
 * (after its initiator's message 3: a real source).  ISAKMP SAs whose
 * IPsec SAs wait for a new one (the peer deleted theirs, or they expired
 * while a new one was under way) wait no longer when no other phase 1
 * of t is under way: their timer fires now.
 */
void	 ikev1_p1_ended(struct ike_tunnel *t, struct in_addr addr);
/* cs was made on the replaced SA o: o is deleted after cs's lifetime. */
void	 ikev1_life_replaced_keep(struct isakmp_sa *o,
	    const struct child_sa *cs);
/*
 * cs, just made on sa: marked if the peer had begun a new phase 1 with us
 * by then (its re-authentication of sa); ikev1_late_drop() deletes the
 * marked ones when the peer deletes sa.
 */
void	 ikev1_child_late(struct isakmp_sa *sa, struct child_sa *cs);
/* The peer deleted sa: the IPsec SAs made on it late go; 1 if any did. */
int	 ikev1_late_drop(struct isakmp_sa *sa, struct isakmp_sa *via);
/* An installed IPsec SA: arms its rekey and expiry timers. */
void	 ikev1_child_timer_arm(struct isakmp_sa *sa, struct child_sa *cs);
/*
 * Before cs is installed: its volume lifetimes (hard limits per kernel
 * SA, 0 none), with soft limits drawn as the time rekey is (creator: we
 * started the Quick Mode that made it); with limits its kernel SAs have
 * no soft time expiry, which would silence the volume one.
 */
void	 ikev1_child_volume_set(struct isakmp_sa *sa, struct child_sa *cs,
	    int creator, uint64_t bytes, uint64_t packets);
/* t's IPsec SAs holding kernel state (larval ones of Quick Modes under
 * way included), over all its ISAKMP SAs, and the most it may have. */
int	 ikev1_child_count(struct ike_tunnel *t);
int	 ikev1_child_max(const struct ike_tunnel *t);
/* Removes an IPsec SA from its ISAKMP SA, the kernel and memory. */
void	 ikev1_child_remove(struct child_sa *cs);
/*
 * cs (of sa's tunnel) is about to go: its policies stay when another
 * IPsec SA of the tunnel holds them (cs_policies), with cs's reqid and
 * selectors, or go over to the peer's Quick Mode rekeying cs when that
 * one's inbound SA is in before its HASH(3) (qm_r2_inbound); cs no longer
 * holds them then.  child_sa_uninstall() looks only at one ISAKMP SA's
 * list, but a tunnel's IPsec SAs may sit on several while a
 * re-authentication hands them over, and a Quick Mode's SA is in no list
 * until it completes.  (The v1-gw-swan soak: an SA that expired 50 ms
 * before its successor's HASH(3) took the policies with it, for good;
 * and a successor whose Quick Mode then failed took them too, while
 * another SA still used them.)
 */
void	 ikev1_child_policies_heir(struct isakmp_sa *sa, struct child_sa *cs);
/* The installed IPsec SA of t with exactly these selectors, or NULL. */
struct child_sa *ikev1_child_by_ts(struct ike_tunnel *t,
	    const struct cfg_prefix *l, const struct cfg_prefix *r);
/* The IPsec SA of t with this inbound SPI, or NULL. */
struct child_sa *ikev1_child_by_spi(struct ike_tunnel *t, uint32_t spi_in);
/*
 * cs (installed by sa's Quick Mode) replaces the IPsec SA with inbound
 * SPI old_spi: the segment pair moves to cs; the old SA is deleted now
 * (we rekeyed) or kept until the peer deletes it (the peer rekeyed).
 */
void	 ikev1_child_replaced(struct isakmp_sa *sa, struct child_sa *cs,
	    uint32_t old_spi, int delete_now);
/*
 * cs (installed by sa's Quick Mode, not a rekey) shares its selectors
 * with another installed pair (crossed Quick Modes): one of the two is
 * superseded, the same one as at the peer.
 */
void	 ikev1_child_crossed(struct isakmp_sa *sa, struct child_sa *cs);
/*
 * Our rekey of the IPsec SA old_spi is done: 1 if our traffic may stay
 * on the old SA until the peer shows it has the new one (the old SA still
 * sends and lives a while yet), 0 if the new outbound SA must go in now
 * (the old one expired or has no outbound SA any more: deferring would
 * leave no outbound SA at all).
 */
int	 ikev1_rekey_defer_ok(struct isakmp_sa *sa, uint32_t old_spi);
/* The peer repeated its message 2 of the Quick Mode that made our new
 * IPsec SA spi_in and got message 3 again (struct ikev1_exchanges
 * x_msg3_again): the wait for the peer to send on it starts again. */
void	 ikev1_rekey_msg3_again(struct isakmp_sa *sa, uint32_t spi_in);

/* --- ikev1_main.c --- */
int	 ikev1_main_start(struct isakmp_sa *sa);
/* First message of a Main/Aggressive exchange from an unknown peer. */
void	 ikev1_main_first(struct ike_ctx *ctx, const uint8_t *pkt, size_t len,
	    struct ikev1_msg *m, const struct sockaddr_in *local,
	    const struct sockaddr_in *remote);
/* Phase 1 message for an existing SA (m parsed/decrypted). */
void	 ikev1_main_recv(struct isakmp_sa *sa, struct ikev1_msg *m,
	    const uint8_t *pkt, size_t len);
/* Phase 1 encrypted message that did not decrypt/parse. */
void	 ikev1_main_bad(struct isakmp_sa *sa);
/* An Aggressive Mode responder's keys from g^xy, once its initiator
 * answered (x_phase1_keys); 0 or -1. */
int	 ikev1_main_keys(struct isakmp_sa *sa);
/*
 * Informational message pkt for sa before phase 1 is done (m: its header
 * parsed, and its payloads if unprotected): after our message 5 (no
 * message 6 yet) it ends the attempt (logged; an error notify acted on
 * only if its HASH(1) verifies with our keys); otherwise unprotected ones
 * are logged, encrypted ones dropped.
 */
void	 ikev1_main_info(struct isakmp_sa *sa, const struct ikev1_msg *m,
	    const uint8_t *pkt, size_t len);
/* Retransmissions exhausted in phase 1. */
void	 ikev1_main_timeout(struct isakmp_sa *sa);
/* The warning shown for aggressive-mode tunnels. */
const char *ikev1_aggr_warning(void);

/* --- ikev1_quick.c --- */
/*
 * One exchange from the queue of sa (sa_queue.c): a Quick Mode rekeying
 * cs (either role), or (initiator) setting up segment pair p.
 */
void	 ikev1_quick_task(struct isakmp_sa *sa, enum ike_task task,
	    struct child_sa *cs, int p);
/*
 * The peer deleted (an authenticated DELETE) the IPsec SA with our
 * inbound SPI old_spi_in while our answer to its Quick Mode rekeying it
 * waits for HASH(3): the peer got our answer and installed the new SAs,
 * so their HASH(3) was lost.  Installs them now.  1 if there was such a
 * Quick Mode.
 */
int	 ikev1_quick_commit_lost(struct isakmp_sa *sa, uint32_t old_spi_in);
/*
 * The peer deleted (an authenticated DELETE) spi, its inbound SPI of a
 * Quick Mode of ours waiting for HASH(3): it gave that Quick Mode up
 * (and rekeys again).  Drops it and its larval SA; 1 if there was one.
 */
int	 ikev1_quick_peer_gave_up(struct isakmp_sa *sa, uint32_t spi);
/*
 * We gave up the IPsec SA with inbound SPI spi_in that our Quick Mode
 * made before the peer used it: that Quick Mode no longer answers the
 * peer's repeated message 2 with message 3 (which would make the peer
 * install an SA we deleted, and send on it).
 */
void	 ikev1_quick_given_up(struct ike_tunnel *t, uint32_t spi_in);
struct ikev1_qm *ikev1_qm_find(struct isakmp_sa *sa, uint32_t msgid);
/* An encrypted Quick Mode message pkt, its header parsed into m (which
 * gets the decrypted payloads: see x_quick). */
void	 ikev1_quick_recv(struct isakmp_sa *sa, struct ikev1_msg *m,
	    const uint8_t *pkt, size_t len);
void	 ikev1_qm_free(struct ikev1_qm *qm);
/* Frees qm now; its message ID is remembered (a late duplicate of one
 * of its messages is dropped, not taken for a new exchange). */
void	 ikev1_qm_forget(struct ikev1_qm *qm);
/* The peer refused our Quick Mode spi (notify from info). */
void	 ikev1_quick_refused(struct isakmp_sa *sa, uint8_t proto,
	    const uint8_t *spi, size_t spilen, uint16_t type);

/*
 * --- ikev1_takeover.c: HA takeover (ike_takeover.c walks the records) ---
 * ikev1_takeover_sa: an established ISAKMP SA from r if r's tunnel is an
 * IKEv1 one without an SA: 1; 0 (left: the tunnel has an SA); -1 (does
 * not fit, logged).  ikev1_takeover_child: r's IPsec SA installed on its
 * tunnel's resumed ISAKMP SA: 1; 0 (no such SA); -1 (not installed,
 * logged).  ikev1_takeover_done: after the records, the resumed tunnels
 * go on as after a phase 1 (Connected, their missing pairs queued).
 */
struct ha_ike_rec;
struct ha_child_rec;
int	 ikev1_takeover_sa(struct ike_ctx *ctx, const struct ha_ike_rec *r);
int	 ikev1_takeover_child(struct ike_ctx *ctx,
	    const struct ha_child_rec *r);
void	 ikev1_takeover_done(struct ike_ctx *ctx);
/* ikev1_rekey.c: the lifetime timers of a resumed SA, its is_lifetime
 * being what is left; the re-authentication rekey_s seconds from now if
 * that is sooner than the draw over what is left (0: the draw). */
void	 ikev1_life_resume(struct isakmp_sa *sa, uint32_t rekey_s);

/* --- ikev1_natt.c (RFC 3947, RFC 3948) --- */
#define IKEV1_NATT_PORT		4500
/*
 * Initiator, NAT detected (Main Mode before message 5, Aggressive Mode
 * before message 3): IKE moves to port 4500 on both sides (RFC 3947 §4);
 * behind the NAT, keepalives start (RFC 3948 §2.3).
 */
void	 v1_natt_float(struct isakmp_sa *sa);
/*
 * A datagram for sa: the responder follows a peer that moved to 4500.
 * Once sa is established only an authenticated message may move it: the
 * addresses are kept and v1_natt_authenticated() follows them after the
 * message's HASH verified.
 */
void	 v1_natt_authenticated(struct isakmp_sa *sa);
/* The encapsulation mode we propose: UDP-Encapsulated-Tunnel after NAT. */
uint16_t v1_natt_encap(const struct isakmp_sa *sa);
/* 1 if mode is one of the tunnel modes we accept (plain, RFC, draft). */
int	 v1_natt_encap_ok(uint16_t mode);
/* A new IPsec SA of sa: ESP in UDP on the ports IKE uses, after NAT. */
void	 v1_natt_child(const struct isakmp_sa *sa, struct child_sa *cs);

/* --- ikev1_info.c --- */
/* An encrypted informational pkt, its header parsed into m (see
 * x_info). */
void	 ikev1_info_recv(struct isakmp_sa *sa, struct ikev1_msg *m,
	    const uint8_t *pkt, size_t len);
/* Unprotected informational (from from): counted, logged (rate-limited)
 * and otherwise ignored. */
void	 ikev1_info_plain(struct ike_ctx *ctx, const struct ikev1_msg *m,
	    struct in_addr from);
/* Protected notify (RFC 2409 §5.7); spi may be NULL. */
int	 ikev1_info_notify(struct isakmp_sa *sa, uint8_t proto,
	    const uint8_t *spi, uint8_t spilen, uint16_t type,
	    const uint8_t *data, size_t len);
int	 ikev1_info_delete_child(struct isakmp_sa *sa, struct child_sa *cs);
/*
 * The same on sa and on every other established ISAKMP SA of its tunnel
 * that the peer has not deleted: strongSwan looks for the IPsec SA of a
 * DELETE only among the CHILD SAs of the IKE SA it comes on, and while a
 * re-authentication hands them over it may hold one on another ISAKMP SA
 * than we do ("CHILD_SA not found, ignored"; the SA then lived on there
 * and was rekeyed on its own: two chains).  0 if one went out.
 */
int	 ikev1_info_delete_child_all(struct isakmp_sa *sa,
	    struct child_sa *cs);
int	 ikev1_info_delete_isakmp(struct isakmp_sa *sa);
/* DPD: the peer is alive, and the idle watch (re)starts (established,
 * or an ACK came). */
void	 ikev1_dpd_arm(struct isakmp_sa *sa);

/*
 * The kernel reports that spi, a kernel SA of the IPsec SA cs, reached
 * its lifetime (XFRM_MSG_EXPIRE; hard: it is gone; volume: a byte or
 * packet limit): struct ike_sa_ops so_child_expire.
 */
void	ikev1_child_kernel_expire(struct ike_sa_base *b, struct child_sa *cs,
	    uint32_t spi, int hard, int volume);


#endif
