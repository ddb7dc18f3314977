/*
 * sa_tunnel.c - the IKE SAs of a tunnel, and of a tunnel and peer,
 * without a scan of every IKE SA (sa_base.h).
 *
 * A tunnel lists its IKE SAs of both versions (t_sas) and, apart, those
 * we initiated (t_inits), each in the engine's order (b_begin_seq, as
 * ctx_all), so that a walk of a tunnel's SAs meets them in the order a
 * walk of ctx_all would.  The engine's peer index files every SA with a
 * tunnel under (tunnel, peer identity): on a 0.0.0.0 tunnel with a
 * thousand peers behind it, finding the SAs of one peer (a duplicate:
 * a re-authentication, RFC 7296 §2.8.3, or a simultaneous initiation)
 * looks at that peer's SAs only.  Both are
 * kept by ike_sa_base_tunnel_set, ike_sa_base_ident_set, and
 * ike_sa_base_link/unlink.
 */
#include <sys/queue.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "ike/internal.h"
#include "ike/sa_base.h"

#define IKE_PEER_INDEX_MIN	64	/* chains of the first table */

/*
 * The keyed hash of (t, pi): the tunnel's address, then the identity's
 * type, length and bytes, 8 at a time, each through the keyed mix.  An
 * unknown identity (type 0) hashes as (t, nothing).
 */
static uint64_t
ike_peer_key(const struct ike_peer_index *px, const struct ike_tunnel *t,
    const struct ike_peer_ident *pi)
{
	uint64_t	 h, w;
	size_t		 i, n, len = pi->pi_type == 0 ? 0 : pi->pi_len;

	h = ike_hash_mix(px->px_key, (uint64_t)(uintptr_t)t);
	h = ike_hash_mix(px->px_key, h ^ ((uint64_t)(pi->pi_type) << 8 |
	    len));
	for (i = 0; i < len; i += n) {
		w = 0;
		n = len - i < sizeof(w) ? len - i : sizeof(w);
		memcpy(&w, pi->pi_data + i, n);
		h = ike_hash_mix(px->px_key, h ^ w);
	}
	return (h);
}

static struct ike_sa_base_list *
ike_peer_chain(const struct ike_peer_index *px, uint64_t key)
{
	return (&px->px_chain[key & (px->px_size - 1)]);
}

/* Doubles the table (the first one: its key too).  0, or -1 only for
 * the first: a bigger one that cannot be had leaves longer chains. */
static int
ike_peer_index_grow(struct ike_peer_index *px)
{
	struct ike_sa_base_list	*old = px->px_chain, *nc;
	struct ike_sa_base	*b;
	size_t			 i, oldsize = px->px_size, size;

	size = oldsize == 0 ? IKE_PEER_INDEX_MIN : oldsize * 2;
	if ((nc = ike_hash_chains_new(size, oldsize == 0 ? px->px_key :
	    NULL)) == NULL)
		return (oldsize == 0 ? -1 : 0);
	px->px_chain = nc;
	px->px_size = size;
	for (i = 0; i < oldsize; i++)
		while ((b = TAILQ_FIRST(&old[i])) != NULL) {
			TAILQ_REMOVE(&old[i], b, b_pentry);
			TAILQ_INSERT_TAIL(ike_peer_chain(px, b->b_pkey), b,
			    b_pentry);
		}
	free(old);
	return (0);
}

/*
 * Files b under (b_tlist, b_peer_ident), b_pkey its key (with the low
 * bit set: 0 means out of the index).  Without memory for the first
 * table it stays out, counted in px_nomem, and ike_tunnel_peer_next
 * walks whole tunnels meanwhile, as it does for an unknown identity.
 */
static void
ike_peer_index_insert(struct ike_sa_base *b)
{
	struct ike_peer_index	*px = &b->b_ctx->ctx_peers;

	if ((px->px_size == 0 || px->px_n >= px->px_size) &&
	    ike_peer_index_grow(px) == -1) {
		px->px_nomem++;
		return;
	}
	b->b_pkey = ike_peer_key(px, b->b_tlist, &b->b_peer_ident) | 1;
	TAILQ_INSERT_TAIL(ike_peer_chain(px, b->b_pkey), b, b_pentry);
	px->px_n++;
}

static void
ike_peer_index_remove(struct ike_sa_base *b)
{
	struct ike_peer_index	*px = &b->b_ctx->ctx_peers;

	if (b->b_pkey == 0) {
		if (b->b_tlist != NULL && px->px_nomem > 0)
			px->px_nomem--;
		return;
	}
	TAILQ_REMOVE(ike_peer_chain(px, b->b_pkey), b, b_pentry);
	b->b_pkey = 0;
	px->px_n--;
}

int
ike_peer_index_filed(const struct ike_sa_base *b)
{
	const struct ike_peer_index	*px = &b->b_ctx->ctx_peers;
	const struct ike_sa_base	*o;
	uint64_t			 key;

	if (b->b_tlist == NULL || px->px_size == 0)
		return (0);
	key = ike_peer_key(px, b->b_tlist, &b->b_peer_ident) | 1;
	if (b->b_pkey != key)
		return (0);
	TAILQ_FOREACH(o, ike_peer_chain(px, key), b_pentry)
		if (o == b)
			return (1);
	return (0);
}

void
ike_peer_index_free(struct ike_peer_index *px)
{
	free(px->px_chain);
	memset(px, 0, sizeof(*px));
}

/* Puts b into list (linked by field) in b_begin_seq order, looking from
 * the end, where a new SA belongs. */
#define IKE_LIST_INSERT_SEQ(list, b, field) do {			\
	struct ike_sa_base *_p = TAILQ_LAST((list), ike_sa_base_list);	\
	while (_p != NULL && _p->b_begin_seq > (b)->b_begin_seq)	\
		_p = TAILQ_PREV(_p, ike_sa_base_list, field);		\
	if (_p == NULL)							\
		TAILQ_INSERT_HEAD((list), (b), field);			\
	else								\
		TAILQ_INSERT_AFTER((list), _p, (b), field);		\
} while (0)

/* b leaves its tunnel's lists and the peer index. */
static void
ike_sa_base_tunnel_leave(struct ike_sa_base *b)
{
	struct ike_tunnel	*t = b->b_tlist;

	if (t == NULL)
		return;
	ike_peer_index_remove(b);
	TAILQ_REMOVE(&t->t_sas, b, b_tentry);
	if (b->b_initiator)
		TAILQ_REMOVE(&t->t_inits, b, b_ientry);
	b->b_tlist = NULL;
}

/* b joins the lists of its b_tunnel, if any, and the peer index. */
static void
ike_sa_base_tunnel_join(struct ike_sa_base *b)
{
	struct ike_tunnel	*t = b->b_tunnel;

	if (t == NULL || !b->b_linked)
		return;
	b->b_tlist = t;
	IKE_LIST_INSERT_SEQ(&t->t_sas, b, b_tentry);
	if (b->b_initiator)
		IKE_LIST_INSERT_SEQ(&t->t_inits, b, b_ientry);
	ike_peer_index_insert(b);
}

void
ike_sa_base_tunnel_set(struct ike_sa_base *b, struct ike_tunnel *t)
{
	if (b->b_tlist == t && b->b_tunnel == t)
		return;
	ike_sa_base_tunnel_leave(b);
	b->b_tunnel = t;
	ike_sa_base_tunnel_join(b);
}

void
ike_sa_base_ident_set(struct ike_sa_base *b, uint8_t type,
    const uint8_t *data, size_t len)
{
	if (b->b_tlist != NULL)
		ike_peer_index_remove(b);
	ike_peer_ident_set(&b->b_peer_ident, type, data, len);
	if (b->b_tlist != NULL)
		ike_peer_index_insert(b);
}

void
ike_sa_base_tunnel_link(struct ike_sa_base *b)
{
	b->b_linked = 1;
	ike_sa_base_tunnel_join(b);
}

void
ike_sa_base_tunnel_unlink(struct ike_sa_base *b)
{
	ike_sa_base_tunnel_leave(b);
	b->b_linked = 0;
}

/* o, of b's tunnel, after seq and of version v: may it be b's peer? */
static int
ike_tunnel_peer_is(const struct ike_sa_base *b, const struct ike_sa_base *o,
    uint64_t seq, int v)
{
	b->b_ctx->ctx_peers.px_visits++;
	if (o == b || o->b_tlist != b->b_tlist || o->b_begin_seq <= seq ||
	    (v != 0 && o->b_ops->so_version != v))
		return (0);
	return (o->b_peer_ident.pi_type == 0 ||
	    b->b_peer_ident.pi_type == 0 ||
	    ike_peer_ident_eq(&o->b_peer_ident, &b->b_peer_ident));
}

/* The first SA of chain after seq that may be b's peer, or best if that
 * comes first. */
static struct ike_sa_base *
ike_tunnel_peer_chain(const struct ike_sa_base *b, uint64_t key,
    uint64_t seq, int v, struct ike_sa_base *best)
{
	struct ike_peer_index	*px = &b->b_ctx->ctx_peers;
	struct ike_sa_base	*o;

	TAILQ_FOREACH(o, ike_peer_chain(px, key | 1), b_pentry)
		if ((best == NULL || o->b_begin_seq < best->b_begin_seq) &&
		    ike_tunnel_peer_is(b, o, seq, v))
			best = o;
	return (best);
}

struct ike_sa_base *
ike_tunnel_peer_next(const struct ike_sa_base *b, uint64_t seq, int v)
{
	struct ike_peer_index	*px = &b->b_ctx->ctx_peers;
	struct ike_peer_ident	 none = { 0 };
	struct ike_sa_base	*o;

	if (b->b_tlist == NULL)
		return (NULL);
	/* an unknown identity may be anyone's; so may any SA out of the
	 * index (no memory): every SA of the tunnel, in order */
	if (b->b_peer_ident.pi_type == 0 || px->px_nomem > 0 ||
	    px->px_size == 0) {
		for (o = TAILQ_FIRST(&b->b_tlist->t_sas); o != NULL;
		    o = TAILQ_NEXT(o, b_tentry))
			if (ike_tunnel_peer_is(b, o, seq, v))
				return (o);
		return (NULL);
	}
	/* the same identity, and the unknown ones: the earliest of both */
	o = ike_tunnel_peer_chain(b, ike_peer_key(px, b->b_tlist,
	    &b->b_peer_ident), seq, v, NULL);
	return (ike_tunnel_peer_chain(b, ike_peer_key(px, b->b_tlist, &none),
	    seq, v, o));
}

void
ike_sa_base_unseen_drop(struct ike_sa_base *b)
{
	struct ike_sa_base	*o;

	if (b->b_tlist == NULL)
		return;
again:
	TAILQ_FOREACH(o, &b->b_tlist->t_inits, b_ientry) {
		b->b_ctx->ctx_peers.px_visits++;
		if (o == b || o->b_remote.sin_addr.s_addr !=
		    b->b_remote.sin_addr.s_addr || !o->b_ops->so_unseen(o))
			continue;
		log_tinfo(ike_tunnel_name(o->b_tunnel), "our own %s attempt "
		    "goes: one with the peer is up", o->b_ops->so_kind);
		o->b_ops->so_destroy(o);
		goto again;	/* it may have taken others with it */
	}
}
