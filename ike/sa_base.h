/*
 * sa_base.h - the IKE SA of both versions.
 *
 * An IKEv2 IKE SA (struct ike_sa, ike_sa.h) and an IKEv1 ISAKMP SA (struct
 * isakmp_sa, ikev1_sa.h) each begin with a struct ike_sa_base: the peer
 * and its identity, the tunnel, the SPIs (IKEv1: cookies) that name it,
 * our outstanding request and its retransmission (xmit.h), the CHILD
 * SAs, the queue of pending exchanges, liveness (DPD), NAT state and
 * keepalives.  The engine keeps every IKE SA of either version in one
 * list, in creation order (ctx_all), so what concerns a peer or a tunnel
 * rather than one exchange (INITIAL_CONTACT, "is the tunnel connected",
 * keepalives, following the peer, the kernel's expiry notices, status,
 * metrics) is written once, and the versions differ only in their
 * exchanges and in the few operations of struct ike_sa_ops.
 */
#ifndef GW_IKE_SA_BASE_H
#define GW_IKE_SA_BASE_H

#include <sys/queue.h>
#include <netinet/in.h>
#include <stdint.h>
#include <time.h>

#include <event2/util.h>

#include "ike/xmit.h"
#include "ipsec/child_sa.h"

struct event;
struct ha_ike_rec;
struct ike_ctx;
struct ike_tunnel;

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

/* Where an IKE SA of either version is in its life (struct ike_sa_ops's
 * so_phase maps each version's states onto these), in this order. */
enum ike_sa_phase {
	IKE_PHASE_NEW = 0,	/* made, nothing exchanged yet */
	IKE_PHASE_NEGOTIATING,	/* IKE_SA_INIT/IKE_AUTH, Main/Aggressive */
	IKE_PHASE_UP,		/* established, the tunnel's current one */
	IKE_PHASE_REPLACED,	/* established, but a successor took (or
				   will take) its CHILD SAs: rekeyed,
				   re-authenticated, or deleted by the peer
				   with its IPsec SAs waiting for the next */
	IKE_PHASE_GOING,	/* our DELETE of it is out */
	IKE_PHASE_GONE		/* failed or deleted, being freed */
};

struct ike_sa_base;

/*
 * The exchanges an IKE SA's queue holds (sa_queue.c), in the order they
 * are taken.  Each waits as a due flag on what it is about (the SA or a
 * CHILD SA) or, for a new pair, as the tunnel's PAIR_NONE, so nothing in
 * the queue outlives what it concerns.
 */
enum ike_task {
	IKE_TASK_CHILD_DELETE,	/* cs_delete_due: DELETE a replaced one */
	IKE_TASK_IKE_REKEY,	/* b_rekey_due: rekey the IKE SA */
	IKE_TASK_CHILD_REKEY,	/* cs_rekey_due: rekey an installed one */
	IKE_TASK_CHILD_RECREATE, /* cs_recreate_due: set an expired one up */
	IKE_TASK_PAIR		/* a segment pair without a CHILD SA */
};

/* What differs between the versions for one IKE SA. */
struct ike_sa_ops {
	int		  so_version;		/* 1 or 2 */
	const char	 *so_kind;		/* "ISAKMP SA", "IKE SA" */
	enum ike_sa_phase (*so_phase)(const struct ike_sa_base *b);
	/* An authenticated INITIAL_CONTACT from the same identity: remove
	 * it at once, without a DELETE (the peer has forgotten it). */
	void		 (*so_drop)(struct ike_sa_base *b);
	/* Removes it now (its CHILD SAs with it), nothing sent. */
	void		 (*so_destroy)(struct ike_sa_base *b);
	/* Ours, and the peer cannot have established it yet: we have not
	 * sent the message that authenticates us (IKEv1 message 5 or 3,
	 * IKEv2 IKE_AUTH). */
	int		 (*so_unseen)(const struct ike_sa_base *b);
	/* An INITIAL_CONTACT from its peer leaves it: the peer deleted it
	 * itself (so it did not lose its state) and its CHILD SAs wait
	 * for the next SA, which adopts them (NULL: never). */
	int		 (*so_ic_keep)(const struct ike_sa_base *b);
	/*
	 * Dead peer detection: whether probes go out now (established,
	 * the tunnel's current SA, and the peer takes them); and the
	 * version's probe (IKEv2: an empty INFORMATIONAL request, RFC 7296
	 * §2.4; IKEv1: R-U-THERE, RFC 3706) sent, or (again, only when
	 * so_dpd_resend) sent once more while the first is unanswered.
	 * so_dpd_probe: 0 sent, 1 not now (a request in flight watches the
	 * peer already), -1 failed.  Without so_dpd_resend the probe is a
	 * request that its own retransmission repeats.
	 */
	const char	 *so_probe;		/* its name, for the log */
	int		  so_dpd_resend;
	int		 (*so_dpd_on)(const struct ike_sa_base *b);
	int		 (*so_dpd_probe)(struct ike_sa_base *b, int again);
	/*
	 * The queue of pending exchanges (sa_queue.c).  so_window: requests
	 * of ours in flight at once (the message-ID window: 1 in IKEv2, RFC
	 * 7296 §2.3; one Quick Mode in IKEv1, see ikev1_quick.c), of which
	 * so_inflight counts those out now.  so_shared_children: the CHILD
	 * SAs of every SA of the tunnel are this one's to rekey (IKEv1: a
	 * Quick Mode is not bound to the ISAKMP SA that made an IPsec SA);
	 * else only its own.  so_pairs: it sets up the tunnel's segment
	 * pairs (it or its predecessor initiated).  so_start: starts one
	 * exchange (cs: the CHILD SA it is about, pair: the segment pair);
	 * if it cannot, the version retries with backoff or fails the pair
	 * its own way.
	 */
	int		  so_window;
	int		 (*so_inflight)(const struct ike_sa_base *b);
	int		  so_shared_children;
	int		 (*so_pairs)(const struct ike_sa_base *b);
	void		 (*so_start)(struct ike_sa_base *b, enum ike_task task,
			    struct child_sa *cs, int pair);
	/* XFRM_MSG_EXPIRE of cs's kernel SA spi, soft or hard (volume: of
	 * a byte or packet limit): the version's CHILD SA life acts on it
	 * (ike_kernel_expire finds cs among every IKE SA's). */
	void		 (*so_child_expire)(struct ike_sa_base *b,
			    struct child_sa *cs, uint32_t spi, int hard,
			    int volume);
	/* HA state sync (ike_ha.c): the version's part of b's record
	 * (message IDs, algorithms, keys, lifetimes).  0, or -1 (not
	 * synced); NULL: the version is not synced. */
	int		 (*so_ha_export)(const struct ike_sa_base *b,
			    struct ha_ike_rec *r);
};

struct ike_sa_hash;

struct ike_sa_base {
	TAILQ_ENTRY(ike_sa_base) b_entry;	/* ctx_all */
	/* its version's table by initiator SPI (ike_sa_hash_*), and which
	 * table it is in (NULL: none yet, a responder learns the SPI from
	 * the first message) */
	TAILQ_ENTRY(ike_sa_base) b_hentry;
	struct ike_sa_hash *b_hash;
	const struct ike_sa_ops *b_ops;
	struct ike_ctx	*b_ctx;
	struct ike_tunnel *b_tunnel;	/* IKEv2 responder: NULL until
					   IKE_AUTH; set only with
					   ike_sa_base_tunnel_set */
	/* sa_tunnel.c: its place in its tunnel's lists (t_sas, and
	 * t_inits if ours) and in the engine's peer index by (tunnel,
	 * identity), filed under b_pkey; b_tlist: the tunnel whose lists
	 * hold it (NULL: none) */
	TAILQ_ENTRY(ike_sa_base) b_tentry;
	TAILQ_ENTRY(ike_sa_base) b_ientry;
	TAILQ_ENTRY(ike_sa_base) b_pentry;
	struct ike_tunnel *b_tlist;
	uint64_t	 b_pkey;
	int		 b_linked;	/* in ctx_all */
	int		 b_initiator;
	/* ours, begun with IKE_SA_INIT or Main/Aggressive Mode (a new
	 * attempt of its tunnel, or an IKEv1 re-authentication): it counts
	 * against the peer's half-open budget (pacing, tunnel.c) until it
	 * is established */
	int		 b_opening;
	/* what names it in every message: the SPIs of the original
	 * initiator and responder (RFC 7296 §3.1), IKEv1's cookies (RFC
	 * 2408 §3.1) */
	uint8_t		 b_spi_i[8];
	uint8_t		 b_spi_r[8];
	struct sockaddr_in b_local;
	struct sockaddr_in b_remote;	/* the peer's current address */
	struct ike_peer_ident b_peer_ident; /* from its ID, once verified
					      (ike_sa_base_ident_set) */
	/* our outstanding request and its retransmission (IKEv1: also our
	 * last answer, IKEv2 keeps that in sa_rsp) */
	struct ike_xmit	 b_rq;
	struct child_sa_list b_children;
	int		 b_rekey_due;	/* the queue: rekey the IKE SA */
	time_t		 b_established;
	/* NAT (RFC 7296 §2.23, RFC 3947): ESP in UDP, and whether the NAT
	 * is in front of us (then we send keepalives, RFC 3948 §2.3, and
	 * never follow the peer) */
	int		 b_nat;
	int		 b_nat_local;
	struct event	*b_natt_ka_ev;
	/* liveness (sa_common.c): the last authenticated message, inbound
	 * ESP at the last look, the DPD timer, our probe under way and
	 * when it expires (each version probes its own way, so_dpd_probe) */
	uint64_t	 b_last_rx_ms;		/* monotonic */
	uint64_t	 b_dpd_bytes;
	struct event	*b_dpd_ev;
	int		 b_dpd_out;
	uint64_t	 b_dpd_deadline_ms;
	/* the order of events among the engine's IKE SAs: when this one
	 * began and when it was established (0: not yet), ike_sa_base_up */
	uint64_t	 b_begin_seq;
	uint64_t	 b_up_seq;
	int		 b_ha_synced;	/* an HA record of it went out */
	uint32_t	 b_ha_bulk;	/* the bulk dump that carried it */
};
TAILQ_HEAD(ike_sa_base_list, ike_sa_base);

/*
 * The IKE SAs of one version by the initiator's SPI (IKEv1: cookie), so
 * that each received message finds its SA without a scan: a table of
 * chains that doubles when it holds more SAs than chains.  The
 * initiator chooses the SPI, so the hash is keyed with a random secret.
 * A chain keeps its SAs in the order they were inserted.
 */
struct ike_sa_hash {
	struct ike_sa_base_list *sh_chain;
	size_t		 sh_size;	/* power of 2; 0 before the first */
	size_t		 sh_n;
	uint64_t	 sh_key[2];
};
/* Puts b in h under its b_spi_i (again if it is there already, after its
 * SPI was set).  0, or -1 (no memory for the first table). */
int	ike_sa_hash_insert(struct ike_sa_hash *h, struct ike_sa_base *b);
/* Takes b out of its table, if any (ike_sa_base_unlink does too). */
void	ike_sa_hash_remove(struct ike_sa_base *b);
/* The first SA of the chain spi_i falls in (NULL: none); the next is
 * TAILQ_NEXT(b, b_hentry).  Chains mix SPIs: compare b_spi_i. */
struct ike_sa_base *ike_sa_hash_first(const struct ike_sa_hash *h,
	    const uint8_t *spi_i);
/* Frees the table (every SA out of it already). */
void	ike_sa_hash_free(struct ike_sa_hash *h);

/*
 * The peer index (sa_tunnel.c): the IKE SAs with a tunnel by (tunnel,
 * peer identity), so that the SAs of one tunnel and peer are found
 * without a look at the tunnel's other peers (a 0.0.0.0 tunnel holds
 * one SA per peer behind it).  A table of chains that doubles when it
 * holds more SAs than chains; the peer chooses its identity, so the
 * hash is keyed with a random secret.
 */
struct ike_peer_index {
	struct ike_sa_base_list *px_chain;
	size_t		 px_size;	/* power of 2; 0 before the first */
	size_t		 px_n;
	uint64_t	 px_key[2];
	/* tests: how many SAs the per-tunnel lookups (the peer index,
	 * our own attempts of a tunnel) looked at */
	uint64_t	 px_visits;
	size_t		 px_nomem;	/* SAs left out: no first table */
};
/* The hash tables' parts (sa_common.c): the keyed mix of x, and size
 * empty chains (with key: a new random key into it too; NULL: no
 * memory or no randomness). */
uint64_t ike_hash_mix(const uint64_t key[2], uint64_t x);
struct ike_sa_base_list *ike_hash_chains_new(size_t size, uint64_t key[2]);

/*
 * b's tunnel is t now (NULL: none): b leaves its old tunnel's lists and
 * the peer index, and joins t's (in the order of b_begin_seq, as in
 * ctx_all) and the index under (t, b_peer_ident).  Every change of
 * b_tunnel goes through here; an SA not linked yet only takes t
 * (ike_sa_base_link files it).
 */
void	ike_sa_base_tunnel_set(struct ike_sa_base *b, struct ike_tunnel *t);
/* ike_sa_base_link/unlink's part: into and out of the tunnel's lists
 * and the index (b_tunnel stays as it is). */
void	ike_sa_base_tunnel_link(struct ike_sa_base *b);
void	ike_sa_base_tunnel_unlink(struct ike_sa_base *b);
/* b's peer identity is now (type, data, len) (ike_peer_ident_set: an
 * FQDN in lower case, at most 255 bytes kept): b moves in the peer
 * index.  Every change of b_peer_ident goes through here. */
void	ike_sa_base_ident_set(struct ike_sa_base *b, uint8_t type,
	    const uint8_t *data, size_t len);
/*
 * The IKE SA of version v (0: any) that comes after seq (b_begin_seq,
 * 0: from the first) on b's tunnel and may be b's peer: its identity is
 * b's, or either one is unknown.  Never b itself; NULL: no more.
 */
struct ike_sa_base *ike_tunnel_peer_next(const struct ike_sa_base *b,
	    uint64_t seq, int v);
/* Tests: 1 if b is in the peer index under its tunnel and identity. */
int	ike_peer_index_filed(const struct ike_sa_base *b);
/* Frees the peer index (every SA out of it already). */
void	ike_peer_index_free(struct ike_peer_index *px);

/* Joins/leaves the engine's list of all IKE SAs (at its end), and its
 * tunnel's lists (ike_sa_base_tunnel_set). */
void	ike_sa_base_link(struct ike_ctx *ctx, struct ike_sa_base *b,
	    const struct ike_sa_ops *ops);
void	ike_sa_base_unlink(struct ike_sa_base *b);
/* b is established now: its time and its place in the order of events. */
void	ike_sa_base_up(struct ike_sa_base *b);
/*
 * sa was just established and o, established too, is of the same tunnel
 * and peer: which one goes.  Each version acts on it its own way (an
 * IKEv1 SA hands its IPsec SAs over, an IKEv2 one is deleted with its
 * CHILD SAs); an SA not yet established is judged when it is, if ever.
 */
enum ike_dup {
	IKE_DUP_REPLACES,	/* sa replaces o: it began after o was up */
	IKE_DUP_WINS,		/* simultaneous: o goes */
	IKE_DUP_LOSES		/* simultaneous: sa goes */
};
enum ike_dup ike_sa_base_duplicate(const struct ike_sa_base *sa,
	    const struct ike_sa_base *o);
/*
 * b was just established: our own attempts with the same tunnel and peer
 * that the peer cannot have established yet (so_unseen) go, quietly.
 * Both sides may initiate at once and one side's message 1 may come
 * late (the peer started later, or it was lost): such an attempt would
 * begin on the peer after b was up there and be taken for a
 * re-authentication there, while here it began first.
 */
void	ike_sa_base_unseen_drop(struct ike_sa_base *b);
/*
 * The queue of pending exchanges of b, both versions: while fewer than
 * so_window of our requests are in flight, it starts what is due, in
 * enum ike_task's order (over its CHILD SAs, or with so_shared_children
 * those of every SA of its tunnel and version), then the segment pairs
 * not set up yet when so_pairs.  Nothing is refused: what cannot start
 * now waits.  Called whenever a request ends or something becomes due;
 * does nothing unless b is established (IKE_PHASE_UP) with a tunnel.
 */
void	ike_sa_queue_run(struct ike_sa_base *b);
/* Frees what the base holds (the keepalive timer); not the children. */
void	ike_sa_base_free(struct ike_sa_base *b);
/*
 * Around the removal of all of b's CHILD SAs: child_sa_retire_begin for
 * them, unless the engine already holds one dump for every SA it
 * removes (ike_shutdown).  Returns what to pass to ..._retire_end.
 */
int	ike_sa_base_retire_begin(struct ike_sa_base *b);
void	ike_sa_base_retire_end(struct ike_sa_base *b, int snap);

static inline enum ike_sa_phase
ike_sa_base_phase(const struct ike_sa_base *b)
{
	return (b->b_ops->so_phase(b));
}
/* The tunnel's name, or NULL. */
const char *ike_sa_base_name(const struct ike_sa_base *b);
/* ike_sa.h: ike_sa_base_next(), the walk of the engine's list. */

/*
 * Behind a NAT: a one-octet keepalive (RFC 3948 §2.3) every
 * IKE_NATT_KEEPALIVE_S while the SA is neither going nor gone.  Does
 * nothing unless b_nat_local; idempotent.
 */
void	ike_sa_base_keepalive_start(struct ike_sa_base *b);
#define IKE_NATT_KEEPALIVE_S	20

/*
 * Dead peer detection, both versions and both roles (RFC 7296 §2.4, RFC
 * 3706): after dpd-delay without an authenticated message or inbound ESP
 * byte from the peer, the version's probe; resent IKE_DPD_TRIES - 1
 * times within dpd-timeout unless its retransmission is the request's
 * own; nothing from the peer by then: it is dead, dpd-action applies and
 * the SA goes.  ike_sa_dpd_cb is b_dpd_ev's callback (arg: b).
 */
void	ike_sa_dpd_start(struct ike_sa_base *b);
void	ike_sa_dpd_cb(evutil_socket_t fd, short ev, void *arg);
#define IKE_DPD_TRIES		5
/* An authenticated message from the peer: it is alive. */
void	ike_sa_heard(struct ike_sa_base *b);

/* The peer moved (b_remote is its new address): its ESP-in-UDP SAs
 * follow.  How many moved. */
int	ike_sa_base_children_follow(struct ike_sa_base *b);

/*
 * INITIAL_CONTACT (RFC 7296 §2.4, RFC 2407 §4.6.3.3) goes out on an IKE
 * SA of t (self, either version) only while gatewayd holds no other IKE
 * SA, of either version, with that peer identity (authenticated, or else
 * its tunnel's) that is neither going nor gone: otherwise the peer would
 * drop that other SA.  1: send it.
 */
int	ike_initial_contact_ok(struct ike_ctx *ctx,
	    const struct ike_tunnel *t, const struct ike_sa_base *self);
/* An authenticated INITIAL_CONTACT on self: every other established IKE
 * SA, of either version, with the identity pi is stale and goes. */
void	ike_initial_contact_recv(struct ike_ctx *ctx,
	    const struct ike_peer_ident *pi, const struct ike_sa_base *self);

#endif
