/*
 * ike_sa.h - the IKEv2 IKE SA (struct ike_sa) and IKEv2's exchanges; the
 * engine, its tunnels and the order of ike/'s files are in internal.h.
 */
#ifndef GW_IKE_SA_H
#define GW_IKE_SA_H

#include <sys/queue.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <event2/util.h>

#include "crypto/crypto.h"
#include "ike/ike.h"
#include "ike/ikev2.h"
#include "ike/sa_base.h"
#include "ike/internal.h"
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
 * IKEv2's exchanges as the SA core (ike_sa.c) reaches them: the handler
 * of each exchange's requests and responses, what an SA does when it is
 * established or replaced, its timers, and the queue (ikev2_engine.c).
 */
struct ikev2_exchanges {
	void	(*x_init_response)(struct ike_sa *sa, const uint8_t *pkt,
		    size_t len, struct ikev2_msg *m);
	/* the error that answered IKE_SA_INIT (sa_init_err) stands: the
	 * attempt fails with it (sa goes) */
	void	(*x_init_error)(struct ike_sa *sa);
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
	int	(*x_dpd_probe)(struct ike_sa *sa, int again);
	/* Starts one exchange the queue of sa holds (sa_queue.c). */
	void	(*x_start)(struct ike_sa *sa, enum ike_task task,
		    struct child_sa *cs, int pair);
	/* XFRM_MSG_EXPIRE of cs's kernel SA spi (struct ike_sa_ops
	 * so_child_expire) */
	void	(*x_child_expire)(struct ike_sa *sa, struct child_sa *cs,
		    uint32_t spi, int hard, int volume);
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


struct ike_sa {
	struct ike_sa_base sa_b;	/* first: both versions (sa_base.h) */
	enum ike_sa_state sa_state;
	/* §2.11: behind a NAT we do not follow the peer (§2.23), but we
	 * answer a request where it came from */
	struct sockaddr_in sa_reply_to;
	int		 sa_reply_to_set;
	/* initiator, until the answer: our IKE proposal (4 KB, allocated
	 * by ike_sa_offer_get(), freed by ike_sa_negotiated()) */
	struct prop_offer	*sa_offer;
	struct proposal_choice sa_prop;
	struct dh	*sa_dh;
	struct buf	*sa_ni;
	struct buf	*sa_nr;
	struct buf	*sa_msg1;	/* RealMessage1 (§2.15) */
	struct buf	*sa_msg2;	/* RealMessage2 */
	struct buf	*sa_cookie;
	struct sa_lifetime sa_life;	/* rekey time, retries, expiry */
	struct event	*sa_expire_ev;	/* ESTABLISHED: the hard expiry */
	struct ikev2_keys sa_keys;
	int		 sa_keys_ok;
	/* Message IDs (§2.3) */
	uint32_t	 sa_msgid_next;	/* our next request */
	uint32_t	 sa_msgid_peer;	/* the peer's next request */
	/* our outstanding request is sa_b.b_rq (x_out NULL: none); its
	 * timer also ends a half-open responder SA */
	enum ike_req_kind sa_req_kind;
	uint32_t	 sa_req_msgid;
	struct child_sa	*sa_req_child;	/* the CHILD SA it is about */
	/* our last response and the request it answers (§2.1) */
	struct ike_xmit	 sa_rsp;
	uint32_t	 sa_resp_msgid;
	int		 sa_cookie_tries;
	int		 sa_pairs;	/* we create the tunnel's segment
					   pairs (we initiated it; a rekeyed
					   SA inherits this) */
	int		 sa_ke_tries;	/* INVALID_KE_PAYLOAD retries */
	/* initiator: an error notification answered our IKE_SA_INIT
	 * request (unauthenticated, §2.21.1): the first one and when; a
	 * valid response may still come until ike_sa_init_error_wait()'s
	 * deadline */
	uint16_t	 sa_init_err;
	uint64_t	 sa_init_err_ms;
	/* IKE SA rekey (§2.18): on the old SA, the new one we negotiate
	 * and, in a collision (§2.8.2), the one the peer created */
	struct ike_sa	*sa_rekey_new;
	struct ike_sa	*sa_rekey_peer;
	uint64_t	 sa_rekey_nudge_ms; /* ike_sa_rekey_nudge(), last */
	/* the source address counted as half-open (ike_sa_half_src) */
	struct in_addr	 sa_half_src;
	struct event	*sa_rekey_ev;	/* ESTABLISHED: rekey time or the
					   next try; REKEYED: give up
					   waiting */
};
TAILQ_HEAD(ike_sa_list, ike_sa);



/* The IKEv2 SA whose base b is (NULL for NULL), and the engine's IKEv2
 * SAs in creation order (ctx_all holds both versions). */
static inline struct ike_sa *
ike_sa_of(struct ike_sa_base *b)
{
	return (b == NULL ? NULL :
	    (struct ike_sa *)(void *)((char *)b - offsetof(struct ike_sa, sa_b)));
}
static inline struct ike_sa *
ikev2_sa_first(struct ike_ctx *ctx)
{
	return (ike_sa_of(ike_sa_base_next(ctx, NULL, 2)));
}
static inline struct ike_sa *
ikev2_sa_after(const struct ike_sa *sa)
{
	return (ike_sa_of(ike_sa_base_next(sa->sa_b.b_ctx,
	    (struct ike_sa_base *)(uintptr_t)&sa->sa_b, 2)));
}
#define IKEV2_SA_FOREACH(sa, ctx)					\
	for ((sa) = ikev2_sa_first(ctx); (sa) != NULL;			\
	    (sa) = ikev2_sa_after(sa))
/* The IKEv2 SAs of tunnel t, in the same order (the body must not move
 * the current one to another tunnel, nor free it). */
#define IKEV2_TUNNEL_SA_FOREACH(sa, t)					\
	for ((sa) = ike_sa_of(ike_tunnel_sa_next((t), NULL, 2));	\
	    (sa) != NULL;						\
	    (sa) = ike_sa_of(ike_tunnel_sa_next((t), &(sa)->sa_b, 2)))

/* --- ike_sa.c: the IKEv2 SA core --- */
/* The IKE SA of the tunnel that is established, or NULL. */
struct ike_sa	*ike_tunnel_sa(struct ike_tunnel *t);
/* Handles two IKE SAs for one tunnel (simultaneous initiation). */
void		 ike_tunnel_collision(struct ike_tunnel *t, struct ike_sa *sa);
const char	*ike_sa_state_name(enum ike_sa_state s);
void		 ike_sa_set_state(struct ike_sa *sa, enum ike_sa_state s);
struct ike_sa	*ike_sa_new(struct ike_ctx *ctx, struct ike_tunnel *t,
		    int initiator, const struct sockaddr_in *local,
		    const struct sockaddr_in *remote);
/* A responder's SA takes the peer's SPIi (the IKE_SA_INIT request, or
 * an IKE SA rekey it initiated) and joins the lookup table.  0 or -1. */
int		 ike_sa_spi_i_set(struct ike_sa *sa, const uint8_t *spi_i);
/* Removes CHILD SAs from the kernel, stops timers, frees. */
void		 ike_sa_destroy(struct ike_sa *sa);
/* Our IKE proposal's storage (allocated on first use), or NULL. */
struct prop_offer *ike_sa_offer_get(struct ike_sa *sa);
/*
 * sa is established: what only its negotiation needed goes, so that a
 * held SA keeps little more than its keys and last messages (issue 11):
 * our proposal, RealMessage1 and 2 (§2.15, signed in IKE_AUTH), the
 * cookie, the DH value (its private key went at the derivation).
 * ike_sa_set_state() calls it on IKE_SA_ESTABLISHED.
 */
void		 ike_sa_negotiated(struct ike_sa *sa);
/* IKE_AUTH is done, its CHILD SA's keys made: Ni and Nr go (an SA made
 * by a rekey keeps them: the smaller decides a collision, §2.8.2). */
void		 ike_sa_nonces_free(struct ike_sa *sa);
const char	*ike_sa_name(const struct ike_sa *sa);
struct ike_sa	*ike_sa_lookup(struct ike_ctx *ctx, const struct ikev2_hdr *h,
		    const struct sockaddr_in *remote);
/*
 * A message with unknown SPIs that belongs to the IKE SA our rekey is
 * creating (its SPIi is the one we proposed, §2.18): the peer has that SA
 * and may already use it, so the answer to our rekey request was lost.
 * The request goes again at once (the peer answers from its cache)
 * rather than at the next retransmission, by which time the peer may
 * have given up on its own request on the new SA.  At most once per
 * IKE_REKEY_NUDGE_MS.  1 if h was such a message.
 */
int		 ike_sa_rekey_nudge(struct ike_ctx *ctx,
		    const struct ikev2_hdr *h);
/*
 * Initiator, IKE_SA_INIT answered with the error notification type: the
 * answer is unauthenticated (§2.21.1), maybe forged, so the request stays
 * out (retransmitted) and a valid response is still taken, until
 * IKE_INIT_ERR_WAIT first retransmission delays after the first error;
 * then the attempt fails with that error.  0: waiting; -1: fail now.
 */
int		 ike_sa_init_error_wait(struct ike_sa *sa, uint16_t type);
#define IKE_INIT_ERR_WAIT	2
#define IKE_REKEY_NUDGE_MS	500
/* Responder: drop the SA if IKE_AUTH does not follow IKE_SA_INIT. */
#define IKE_HALFOPEN_TIMEOUT	30	/* seconds */
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
 * (its queue, ike_sa_queue_run()). */
void	ike_sa_next(struct ike_sa *sa);
/* Sends DELETE of the IKE SA and removes it without waiting (§1.4.1). */
void	ike_sa_delete_now(struct ike_sa *sa);
/* A configured lifetime in seconds, in ms (ctx_life_unit_us). */
uint64_t ikev2_life_ms(const struct ike_ctx *ctx, uint32_t secs);

/*
 * Half-open responder IKE SAs (state INIT_DONE) from source address a
 * now; the table is kept by ike_sa_set_state.  ike_sa_half_src_free
 * drops the (then empty) table.
 */
unsigned ike_sa_half_src_count(struct ike_ctx *ctx, struct in_addr a);
void	ike_sa_half_src_free(struct ike_ctx *ctx);

/* --- ikev2_init.c --- */
int	ikev2_init_start(struct ike_sa *sa);
/* Responder IKE SAs with IKE_SA_INIT answered and no IKE_AUTH yet. */
int	ikev2_half_open_count(struct ike_ctx *ctx);
void	ikev2_init_request(struct ike_ctx *ctx, const uint8_t *pkt,
	    size_t len, struct ikev2_msg *m, const struct sockaddr_in *local,
	    const struct sockaddr_in *remote);
void	ikev2_init_error(struct ike_sa *sa);
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
/* Sets the state (PAIR_*) of cs's segment pairs: its cs_pair, or for a
 * cs_single one every pair whose two segments its selectors overlap. */
void	ikev2_child_pairs_set(struct ike_tunnel *t,
	    const struct child_sa *cs, int state);
/* Initiator: CREATE_CHILD_SA for segment pair pair, or to rekey or set
 * up again old.  0 or -1 (nothing sent; pair marked failed). */
int	ikev2_child_start(struct ike_sa *sa, int pair, struct child_sa *old);
/*
 * Initiator: a new CHILD SA for segment pair p (IKEV2_CHILD_ALL: every
 * local and peer segment, child-sa single; old: the CHILD SA it
 * rekeys, whose selectors and reqid it takes), SPI allocated, offer and
 * TS built; it joins sa_b.b_children in state NEW.
 */
#define IKEV2_CHILD_ALL	(-1)
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
 * HA takeover (ike_takeover.c): cs, made from the old active node's
 * record (SPIs, keys, selectors), joins sa and goes into the kernel as a
 * negotiated one does (policies, the standby's copy); its timers run for
 * the life it has left, life_ms (0: none).  0, or -1: nothing installed,
 * cs not in sa (the caller frees it).
 */
int	ikev2_child_adopt(struct ike_sa *sa, struct child_sa *cs,
	    uint64_t life_ms);
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

/* --- ikev2_info.c --- */
int	ikev2_info_delete_child(struct ike_sa *sa, struct child_sa *cs);
/* Sends DELETE of the IKE SA as a request; the SA goes (DELETING) when
 * the answer comes or the retransmissions give up.  0 or -1. */
int	ikev2_info_delete_wait(struct ike_sa *sa);
/* Dead peer detection: (re)arms the timer of an established SA. */
int	ikev2_info_dpd_probe(struct ike_sa *sa, int again);
void	ikev2_info_request(struct ike_sa *sa, struct ikev2_msg *m);
void	ikev2_info_response(struct ike_sa *sa, struct ikev2_msg *m);

#endif
