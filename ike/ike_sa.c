/*
 * ike_sa.c - the IKE SA: states, SPI lookup, message IDs, retransmission
 * of our requests and the cache of our last response (RFC 7296 §2.1-2.3).
 */
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common/keyfile.h"
#include "common/log.h"
#include "ike/ha_state.h"
#include "ike/ike_sa.h"
#include "kernel/kernel.h"

static const char *const ike_sa_state_names[] = {
	[IKE_SA_NEW] = "NEW",
	[IKE_SA_INIT_SENT] = "INIT_SENT",
	[IKE_SA_INIT_DONE] = "INIT_DONE",
	[IKE_SA_AUTH_SENT] = "AUTH_SENT",
	[IKE_SA_ESTABLISHED] = "ESTABLISHED",
	[IKE_SA_DELETING] = "DELETING",
	[IKE_SA_REKEYED] = "REKEYED",
	[IKE_SA_DEAD] = "DEAD",
};

const char *
ike_sa_state_name(enum ike_sa_state s)
{
	if ((unsigned)s >= sizeof(ike_sa_state_names) /
	    sizeof(ike_sa_state_names[0]))
		return ("?");
	return (ike_sa_state_names[s]);
}

const char *
ike_sa_name(const struct ike_sa *sa)
{
	return (sa->sa_b.b_tunnel ? ike_tunnel_name(sa->sa_b.b_tunnel) : NULL);
}

static enum ike_sa_phase
ikev2_sa_phase(const struct ike_sa_base *b)
{
	const struct ike_sa	*sa = ike_sa_of((struct ike_sa_base *)b);

	switch (sa->sa_state) {
	case IKE_SA_NEW:
		return (IKE_PHASE_NEW);
	case IKE_SA_INIT_SENT:
	case IKE_SA_INIT_DONE:
	case IKE_SA_AUTH_SENT:
		return (IKE_PHASE_NEGOTIATING);
	case IKE_SA_ESTABLISHED:
		return (IKE_PHASE_UP);
	case IKE_SA_REKEYED:
		return (IKE_PHASE_REPLACED);
	case IKE_SA_DELETING:
		return (IKE_PHASE_GOING);
	case IKE_SA_DEAD:
		break;
	}
	return (IKE_PHASE_GONE);
}

/* INITIAL_CONTACT: gone at once, its tunnel not told of a failure. */
static void
ikev2_sa_drop(struct ike_sa_base *b)
{
	struct ike_sa	*sa = ike_sa_of(b);

	ike_sa_base_tunnel_set(&sa->sa_b, NULL);
	ike_sa_destroy(sa);
}

static void
ikev2_sa_destroy(struct ike_sa_base *b)
{
	ike_sa_destroy(ike_sa_of(b));
}

static int
ikev2_sa_unseen(const struct ike_sa_base *b)
{
	const struct ike_sa	*sa = ike_sa_of((struct ike_sa_base *)b);

	return (sa->sa_b.b_initiator && sa->sa_state == IKE_SA_INIT_SENT);
}

static int
ikev2_sa_dpd_on(const struct ike_sa_base *b)
{
	return (ike_sa_of((struct ike_sa_base *)b)->sa_state ==
	    IKE_SA_ESTABLISHED);
}

static int
ikev2_sa_dpd_probe(struct ike_sa_base *b, int again)
{
	return (b->b_ctx->ctx_v2x->x_dpd_probe(ike_sa_of(b), again));
}

/* The queue (sa_queue.c): one request in flight (RFC 7296 §2.3). */
static int
ikev2_sa_inflight(const struct ike_sa_base *b)
{
	return (b->b_rq.x_out != NULL);
}

static int
ikev2_sa_pairs(const struct ike_sa_base *b)
{
	return (ike_sa_of((struct ike_sa_base *)b)->sa_pairs);
}

static void
ikev2_sa_start(struct ike_sa_base *b, enum ike_task task,
    struct child_sa *cs, int pair)
{
	b->b_ctx->ctx_v2x->x_start(ike_sa_of(b), task, cs, pair);
}

static void
ikev2_ha_key(struct ha_skey *k, const uint8_t *data, size_t len)
{
	k->k_len = (uint8_t)len;
	memcpy(k->k_data, data, len);
}

static void
ikev2_sa_child_expire(struct ike_sa_base *b, struct child_sa *cs,
    uint32_t spi, int hard, int volume)
{
	b->b_ctx->ctx_v2x->x_child_expire(ike_sa_of(b), cs, spi, hard,
	    volume);
}

/*
 * HA state sync (ike_ha.c): IKEv2's part of the record, the message IDs
 * (§2.3), the transforms, SK_d, SK_a, SK_e, SK_p (§2.14) and the time
 * left to the rekey and the expiry.
 */
static int
ikev2_sa_ha_export(const struct ike_sa_base *b, struct ha_ike_rec *r)
{
	const struct ike_sa	*sa = ike_sa_of((struct ike_sa_base *)b);
	const struct ikev2_keys	*k = &sa->sa_keys;
	uint64_t		 now = ike_now_ms();

	if (!sa->sa_keys_ok || k->k_d_len > HA_SKEY_MAX ||
	    k->k_a_len > HA_SKEY_MAX || k->k_e_len > HA_SKEY_MAX ||
	    k->k_p_len > HA_SKEY_MAX)
		return (-1);
	r->ir_mid_next = sa->sa_msgid_next;
	r->ir_mid_peer = sa->sa_msgid_peer;
	r->ir_encr = (uint16_t)sa->sa_prop.pc_encr;
	r->ir_encr_bits = (uint16_t)sa->sa_prop.pc_encr_bits;
	r->ir_prf = (uint16_t)sa->sa_prop.pc_prf;
	r->ir_integ = (uint16_t)sa->sa_prop.pc_integ;
	r->ir_dh = (uint16_t)sa->sa_prop.pc_dh;
	r->ir_life_s = (uint32_t)(lifetime_hard_in(&sa->sa_life, now) / 1000);
	r->ir_rekey_s = (uint32_t)(lifetime_rekey_in(&sa->sa_life, now) /
	    1000);
	r->ir_nkeys = HA_V2_NKEYS;
	ikev2_ha_key(&r->ir_keys[HA_V2_SK_D], k->k_d, k->k_d_len);
	ikev2_ha_key(&r->ir_keys[HA_V2_SK_AI], k->k_ai, k->k_a_len);
	ikev2_ha_key(&r->ir_keys[HA_V2_SK_AR], k->k_ar, k->k_a_len);
	ikev2_ha_key(&r->ir_keys[HA_V2_SK_EI], k->k_ei, k->k_e_len);
	ikev2_ha_key(&r->ir_keys[HA_V2_SK_ER], k->k_er, k->k_e_len);
	ikev2_ha_key(&r->ir_keys[HA_V2_SK_PI], k->k_pi, k->k_p_len);
	ikev2_ha_key(&r->ir_keys[HA_V2_SK_PR], k->k_pr, k->k_p_len);
	return (0);
}

static const struct ike_sa_ops ikev2_sa_ops = {
	.so_version = 2,
	.so_kind = "IKE SA",
	.so_phase = ikev2_sa_phase,
	.so_drop = ikev2_sa_drop,
	.so_destroy = ikev2_sa_destroy,
	.so_unseen = ikev2_sa_unseen,
	.so_probe = "DPD",
	.so_dpd_on = ikev2_sa_dpd_on,
	.so_dpd_probe = ikev2_sa_dpd_probe,
	.so_window = 1,
	.so_inflight = ikev2_sa_inflight,
	.so_pairs = ikev2_sa_pairs,
	.so_start = ikev2_sa_start,
	.so_child_expire = ikev2_sa_child_expire,
	.so_ha_export = ikev2_sa_ha_export,
};

/*
 * Half-open responder IKE SAs per source address: a count per address
 * in buckets by a keyed hash (an entry exists while its count is not 0;
 * there are at most ikev2-half-open of them).
 */
#define IKE_HALF_SRC_BUCKETS	256

struct ike_half_src {
	LIST_ENTRY(ike_half_src) hs_entry;
	struct in_addr		 hs_addr;
	unsigned		 hs_n;
};
LIST_HEAD(ike_half_src_list, ike_half_src);

static struct ike_half_src_list *
ike_half_src_bucket(struct ike_ctx *ctx, struct in_addr a)
{
	uint32_t	 x = ntohl(a.s_addr) ^ ctx->ctx_v2_half_src_key;

	x ^= x >> 16;
	x *= 0x45d9f3bU;
	x ^= x >> 16;
	x *= 0x45d9f3bU;
	x ^= x >> 16;
	return (&ctx->ctx_v2_half_src[x % IKE_HALF_SRC_BUCKETS]);
}

static struct ike_half_src *
ike_half_src_find(struct ike_ctx *ctx, struct in_addr a)
{
	struct ike_half_src	*hs;

	if (ctx->ctx_v2_half_src == NULL)
		return (NULL);
	LIST_FOREACH(hs, ike_half_src_bucket(ctx, a), hs_entry)
		if (hs->hs_addr.s_addr == a.s_addr)
			return (hs);
	return (NULL);
}

unsigned
ike_sa_half_src_count(struct ike_ctx *ctx, struct in_addr a)
{
	struct ike_half_src	*hs = ike_half_src_find(ctx, a);

	return (hs != NULL ? hs->hs_n : 0);
}

/* One more (up 1) or one less (up 0) half-open SA from a. */
static void
ike_half_src_move(struct ike_ctx *ctx, struct in_addr a, int up)
{
	struct ike_half_src	*hs;
	size_t			 i;

	if (ctx->ctx_v2_half_src == NULL) {
		if (!up || (ctx->ctx_v2_half_src = calloc(IKE_HALF_SRC_BUCKETS,
		    sizeof(*ctx->ctx_v2_half_src))) == NULL)
			return;
		for (i = 0; i < IKE_HALF_SRC_BUCKETS; i++)
			LIST_INIT(&ctx->ctx_v2_half_src[i]);
		if (RAND_bytes((unsigned char *)&ctx->ctx_v2_half_src_key,
		    sizeof(ctx->ctx_v2_half_src_key)) != 1)
			ctx->ctx_v2_half_src_key = (uint32_t)ike_now_ms();
	}
	if ((hs = ike_half_src_find(ctx, a)) == NULL) {
		/* out of memory: that source goes uncounted */
		if (!up || (hs = calloc(1, sizeof(*hs))) == NULL)
			return;
		hs->hs_addr = a;
		LIST_INSERT_HEAD(ike_half_src_bucket(ctx, a), hs, hs_entry);
	}
	if (up) {
		hs->hs_n++;
		return;
	}
	if (--hs->hs_n == 0) {
		LIST_REMOVE(hs, hs_entry);
		free(hs);
	}
}

void
ike_sa_half_src_free(struct ike_ctx *ctx)
{
	struct ike_half_src	*hs;
	size_t			 i;

	if (ctx->ctx_v2_half_src == NULL)
		return;
	for (i = 0; i < IKE_HALF_SRC_BUCKETS; i++)
		while ((hs = LIST_FIRST(&ctx->ctx_v2_half_src[i])) != NULL) {
			LIST_REMOVE(hs, hs_entry);
			free(hs);
		}
	free(ctx->ctx_v2_half_src);
	ctx->ctx_v2_half_src = NULL;
}

void
ike_sa_set_state(struct ike_sa *sa, enum ike_sa_state s)
{
	char	 spi[17];

	if (sa->sa_state == s)
		return;
	hex_encode(sa->sa_b.b_spi_i, 8, spi);
	log_tdebug(ike_sa_name(sa), "IKE SA %s (%s) %s -> %s", spi,
	    sa->sa_b.b_initiator ? "initiator" : "responder",
	    ike_sa_state_name(sa->sa_state), ike_sa_state_name(s));
	/* the half-open responders, for the cookie threshold and the
	 * caps, in total and per source (the address counted is kept:
	 * the peer may move before it authenticates) */
	if (!sa->sa_b.b_initiator && sa->sa_state == IKE_SA_INIT_DONE) {
		sa->sa_b.b_ctx->ctx_v2_half_open--;
		ike_half_src_move(sa->sa_b.b_ctx, sa->sa_half_src, 0);
	}
	if (!sa->sa_b.b_initiator && s == IKE_SA_INIT_DONE) {
		sa->sa_b.b_ctx->ctx_v2_half_open++;
		sa->sa_half_src = sa->sa_b.b_remote.sin_addr;
		ike_half_src_move(sa->sa_b.b_ctx, sa->sa_half_src, 1);
	}
	sa->sa_state = s;
	switch (s) {
	case IKE_SA_ESTABLISHED:
		ike_sa_negotiated(sa);
		ike_sa_base_up(&sa->sa_b);
		sa->sa_b.b_last_rx_ms = ike_now_ms();
		sa->sa_b.b_ctx->ctx_v2x->x_established(sa);
		ike_sa_base_keepalive_start(&sa->sa_b);
		ike_ha_ike_sa(&sa->sa_b);	/* with its lifetime set */
		break;
	case IKE_SA_REKEYED:
		evtimer_del(sa->sa_b.b_dpd_ev);
		evtimer_del(sa->sa_expire_ev);
		sa->sa_b.b_ctx->ctx_v2x->x_rekeyed(sa);	/* wait for the D */
		break;
	case IKE_SA_DELETING:
	case IKE_SA_DEAD:
		evtimer_del(sa->sa_b.b_dpd_ev);
		evtimer_del(sa->sa_rekey_ev);
		evtimer_del(sa->sa_expire_ev);
		break;
	default:
		break;
	}
}

static void	ike_sa_retx_cb(evutil_socket_t, short, void *);

struct ike_sa *
ike_sa_new(struct ike_ctx *ctx, struct ike_tunnel *t, int initiator,
    const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
	struct ike_sa	*sa;

	if ((sa = calloc(1, sizeof(*sa))) == NULL)
		return (NULL);
	sa->sa_b.b_ctx = ctx;
	ike_sa_base_tunnel_set(&sa->sa_b, t);
	sa->sa_b.b_initiator = initiator;
	sa->sa_b.b_local = *local;
	sa->sa_b.b_remote = *remote;
	TAILQ_INIT(&sa->sa_b.b_children);
	sa->sa_pairs = initiator;
	(void)ike_xmit_timer(&sa->sa_b.b_rq, ctx->ctx_base, ike_sa_retx_cb, sa);
	/* their logic is the exchanges' (IKE SA rekey, liveness) */
	sa->sa_rekey_ev = evtimer_new(ctx->ctx_base,
	    ctx->ctx_v2x->x_rekey_cb, sa);
	sa->sa_b.b_dpd_ev = evtimer_new(ctx->ctx_base, ike_sa_dpd_cb, &sa->sa_b);
	sa->sa_expire_ev = evtimer_new(ctx->ctx_base,
	    ctx->ctx_v2x->x_expire_cb, sa);
	if (sa->sa_b.b_rq.x_ev == NULL || sa->sa_rekey_ev == NULL ||
	    sa->sa_b.b_dpd_ev == NULL || sa->sa_expire_ev == NULL) {
		ike_xmit_clear(&sa->sa_b.b_rq);
		if (sa->sa_rekey_ev != NULL)
			event_free(sa->sa_rekey_ev);
		if (sa->sa_b.b_dpd_ev != NULL)
			event_free(sa->sa_b.b_dpd_ev);
		if (sa->sa_expire_ev != NULL)
			event_free(sa->sa_expire_ev);
		free(sa);
		return (NULL);
	}
	/* Our SPI: random, non-zero (§2.6) */
	do {
		RAND_bytes(initiator ? sa->sa_b.b_spi_i : sa->sa_b.b_spi_r, 8);
	} while (memcmp(initiator ? sa->sa_b.b_spi_i : sa->sa_b.b_spi_r,
	    "\0\0\0\0\0\0\0\0", 8) == 0);
	ike_sa_base_link(ctx, &sa->sa_b, &ikev2_sa_ops);
	/* a responder learns SPIi from the request (ike_sa_spi_i_set) */
	if (initiator && ike_sa_hash_insert(&ctx->ctx_v2_hash,
	    &sa->sa_b) == -1) {
		ike_sa_destroy(sa);
		return (NULL);
	}
	return (sa);
}

int
ike_sa_spi_i_set(struct ike_sa *sa, const uint8_t *spi_i)
{
	ike_sa_hash_remove(&sa->sa_b);
	memcpy(sa->sa_b.b_spi_i, spi_i, 8);
	return (ike_sa_hash_insert(&sa->sa_b.b_ctx->ctx_v2_hash, &sa->sa_b));
}

void
ike_sa_child_remove(struct ike_sa *sa, struct child_sa *cs)
{
	struct child_sa	*succ;
	struct ike_sa	*o;

	/* the request about it may be out on the SA it moved from */
	if (!sa->sa_b.b_ctx->ctx_v2_unlinked)
		IKEV2_SA_FOREACH(o, sa->sa_b.b_ctx)
			if (o->sa_req_child == cs)
				o->sa_req_child = NULL;
	/* the SA the peer rekeyed goes: its successor sends from now on */
	if (cs->cs_peer_rekey_spi != 0 && (succ = ike_sa_child_by_spi(sa,
	    cs->cs_peer_rekey_spi, 1)) != NULL && succ != cs)
		child_sa_install_outbound(succ, sa->sa_b.b_ctx->ctx_kernel);
	child_sa_life_free(cs);
	ike_ha_child_delete(&sa->sa_b, cs);
	TAILQ_REMOVE(&sa->sa_b.b_children, cs, cs_entry);
	child_sa_uninstall(cs, sa->sa_b.b_ctx->ctx_kernel, &sa->sa_b.b_children);
	child_sa_free(cs);
}

void
ike_sa_destroy(struct ike_sa *sa)
{
	struct child_sa	*cs;
	struct ike_sa	*o, *pending;
	int		 snap;

	if (sa == NULL)
		return;
	/* a new IKE SA still being negotiated on sa goes with it */
	if ((pending = sa->sa_rekey_new) != NULL) {
		sa->sa_rekey_new = NULL;
		ike_sa_destroy(pending);
	}
	if (!sa->sa_b.b_ctx->ctx_v2_unlinked)
		IKEV2_SA_FOREACH(o, sa->sa_b.b_ctx) {
			if (o->sa_rekey_new == sa)
				o->sa_rekey_new = NULL;
			if (o->sa_rekey_peer == sa)
				o->sa_rekey_peer = NULL;
		}
	/* our DELETE of a CHILD SA that moved on (an IKE SA rekey) was not
	 * answered: the SA it is on now sends it again (its queue) */
	if ((cs = sa->sa_req_child) != NULL && sa->sa_b.b_rq.x_out != NULL &&
	    sa->sa_req_kind == IKE_REQ_CHILD_DELETE && cs->cs_owner != sa) {
		sa->sa_req_child = NULL;
		cs->cs_delete_due = 1;
	}
	snap = ike_sa_base_retire_begin(&sa->sa_b);
	while ((cs = TAILQ_FIRST(&sa->sa_b.b_children)) != NULL)
		ike_sa_child_remove(sa, cs);
	ike_sa_base_retire_end(&sa->sa_b, snap);
	ike_sa_set_state(sa, IKE_SA_DEAD);
	ike_sa_base_unlink(&sa->sa_b);
	ike_xmit_clear(&sa->sa_b.b_rq);
	ike_xmit_clear(&sa->sa_rsp);
	event_free(sa->sa_rekey_ev);
	event_free(sa->sa_b.b_dpd_ev);
	event_free(sa->sa_expire_ev);
	ike_sa_base_free(&sa->sa_b);
	dh_free(sa->sa_dh);
	buf_free(sa->sa_ni);
	buf_free(sa->sa_nr);
	buf_free(sa->sa_msg1);
	buf_free(sa->sa_msg2);
	buf_free(sa->sa_cookie);
	free(sa->sa_offer);
	ikev2_keys_clear(&sa->sa_keys);
	if (sa->sa_b.b_tunnel != NULL)
		ike_tunnel_update(sa->sa_b.b_tunnel);
	OPENSSL_cleanse(sa, sizeof(*sa));
	free(sa);
}

struct prop_offer *
ike_sa_offer_get(struct ike_sa *sa)
{
	if (sa->sa_offer == NULL)
		sa->sa_offer = calloc(1, sizeof(*sa->sa_offer));
	return (sa->sa_offer);
}

void
ike_sa_nonces_free(struct ike_sa *sa)
{
	buf_free(sa->sa_ni);
	buf_free(sa->sa_nr);
	sa->sa_ni = sa->sa_nr = NULL;
}

void
ike_sa_negotiated(struct ike_sa *sa)
{
	free(sa->sa_offer);
	sa->sa_offer = NULL;
	buf_free(sa->sa_msg1);
	buf_free(sa->sa_msg2);
	buf_free(sa->sa_cookie);
	sa->sa_msg1 = sa->sa_msg2 = sa->sa_cookie = NULL;
	dh_free(sa->sa_dh);
	sa->sa_dh = NULL;
}

/*
 * RFC 7296 §2.6: the SPIs identify the IKE SA; the I flag tells which
 * role the sender has.  A retransmitted IKE_SA_INIT request still carries
 * a zero SPIr: match our half-open responder SA by SPIi and address.
 */
struct ike_sa *
ike_sa_lookup(struct ike_ctx *ctx, const struct ikev2_hdr *h,
    const struct sockaddr_in *remote)
{
	static const uint8_t	 zero[8];
	struct ike_sa_base	*b;
	struct ike_sa		*sa;
	int			 from_init = (h->h_flags & IKEV2_FLAG_INITIATOR) != 0;

	for (b = ike_sa_hash_first(&ctx->ctx_v2_hash, h->h_spi_i); b != NULL;
	    b = TAILQ_NEXT(b, b_hentry)) {
		sa = ike_sa_of(b);
		/* a new IKE SA of a rekey gets nothing until it is up */
		if (sa->sa_state == IKE_SA_NEW || sa->sa_state == IKE_SA_DEAD)
			continue;
		if (sa->sa_b.b_initiator == from_init ||
		    memcmp(sa->sa_b.b_spi_i, h->h_spi_i, 8) != 0)
			continue;
		if (memcmp(sa->sa_b.b_spi_r, h->h_spi_r, 8) == 0)
			return (sa);
		/* initiator waiting for the first response */
		if (sa->sa_b.b_initiator && memcmp(sa->sa_b.b_spi_r, zero, 8) == 0 &&
		    h->h_exchange == IKEV2_EXCH_IKE_SA_INIT)
			return (sa);
		if (!sa->sa_b.b_initiator && memcmp(h->h_spi_r, zero, 8) == 0 &&
		    h->h_exchange == IKEV2_EXCH_IKE_SA_INIT &&
		    sa->sa_b.b_remote.sin_addr.s_addr == remote->sin_addr.s_addr)
			return (sa);
	}
	return (NULL);
}

void
ike_sa_halfopen_timer(struct ike_sa *sa)
{
	ike_xmit_arm(&sa->sa_b.b_rq, IKE_HALFOPEN_TIMEOUT * 1000);
}

void
ike_sa_sk_keys(const struct ike_sa *sa, int outbound, struct ikev2_sk_keys *k)
{
	/* messages from the original initiator use SK_ei/SK_ai (§2.14) */
	int	from_i = outbound == sa->sa_b.b_initiator;

	memset(k, 0, sizeof(*k));
	k->sk_encr = sa->sa_prop.pc_encr;
	k->sk_integ = sa->sa_prop.pc_integ;
	k->sk_ekey = from_i ? sa->sa_keys.k_ei : sa->sa_keys.k_er;
	k->sk_ekey_len = sa->sa_keys.k_e_len;
	k->sk_akey = from_i ? sa->sa_keys.k_ai : sa->sa_keys.k_ar;
}

void
ike_msg_log(const char *name, const char *what, const struct ikev2_msg *m)
{
	char	 desc[512];

	if (log_get_level() < LOG_LVL_DEBUG)
		return;
	ikev2_msg_describe(m, desc, sizeof(desc));
	log_tdebug(name, "%s %s %s %u [ %s ]", what,
	    ikev2_exchange_name(m->m_hdr.h_exchange),
	    (m->m_hdr.h_flags & IKEV2_FLAG_RESPONSE) ? "response" : "request",
	    m->m_hdr.h_msgid, desc);
}

int
ike_msg_begin(struct ike_sa *sa, struct ike_msg_out *mo, uint8_t exchange,
    int response, uint32_t msgid)
{
	struct ikev2_hdr	 h;

	memset(mo, 0, sizeof(*mo));
	memset(&h, 0, sizeof(h));
	memcpy(h.h_spi_i, sa->sa_b.b_spi_i, 8);
	memcpy(h.h_spi_r, sa->sa_b.b_spi_r, 8);
	h.h_version = IKEV2_VERSION;
	h.h_exchange = exchange;
	h.h_flags = (sa->sa_b.b_initiator ? IKEV2_FLAG_INITIATOR : 0) |
	    (response ? IKEV2_FLAG_RESPONSE : 0);
	/* IKE_SA_INIT is always message 0, also when resent with a cookie */
	if (response)
		h.h_msgid = msgid;
	else if (exchange == IKEV2_EXCH_IKE_SA_INIT)
		h.h_msgid = 0;
	else
		h.h_msgid = sa->sa_msgid_next;
	mo->mo_exchange = exchange;
	mo->mo_response = response;
	mo->mo_msgid = h.h_msgid;
	if ((mo->mo_buf = buf_new(1024)) == NULL ||
	    (mo->mo_inner = buf_new(1024)) == NULL)
		goto fail;
	if (ikev2_hdr_write(mo->mo_buf, &h, &mo->mo_w) == -1)
		goto fail;
	ikev2_writer_init(&mo->mo_iw, mo->mo_inner);
	return (0);
fail:
	ike_msg_abort(mo);
	return (-1);
}

struct pld_writer *
ike_msg_w(struct ike_msg_out *mo)
{
	return (mo->mo_exchange == IKEV2_EXCH_IKE_SA_INIT ? &mo->mo_w :
	    &mo->mo_iw);
}

void
ike_msg_abort(struct ike_msg_out *mo)
{
	buf_free(mo->mo_buf);
	buf_free(mo->mo_inner);
	mo->mo_buf = mo->mo_inner = NULL;
}

/* Debug log of what we send: parse our own inner chain. */
static void
ike_msg_log_out(struct ike_sa *sa, struct ike_msg_out *mo)
{
	struct ikev2_msg	*m;

	if (log_get_level() < LOG_LVL_DEBUG ||
	    (m = calloc(1, sizeof(*m))) == NULL)
		return;
	if (ikev2_msg_parse(mo->mo_buf->buf_data, mo->mo_buf->buf_len,
	    m) == 0 && (mo->mo_exchange == IKEV2_EXCH_IKE_SA_INIT ||
	    ikev2_pld_parse(mo->mo_iw.w_first, mo->mo_inner->buf_data,
	    mo->mo_inner->buf_len, 1, m) == 0))
		ike_msg_log(ike_sa_name(sa), "generating", m);
	free(m);
}

/*
 * 2 s, doubling (§2.1).  A liveness check is resent evenly within the
 * DPD timeout instead (5 sends in all), so that a lossy link does not
 * make a live peer look dead; its timer, not the retransmissions, ends it.
 */
/*
 * An outstanding rekey (of a CHILD SA or of the IKE SA): the ms left
 * before what it rekeys reaches its hard lifetime, 0 for other requests.
 * The retransmissions of such a request are spread so that at least
 * IKE_REKEY_LAST_TRIES more fit (RFC 7296 §2.1 leaves the timing to us):
 * with the usual doubling, a rekey whose first two tries are lost would
 * end with the SA (a 20 s test lifetime leaves room for 3 sends).
 */
#define IKE_REKEY_LAST_TRIES	4
#define IKE_RETX_MIN_MS		100

static uint64_t
ike_sa_rekey_left_ms(struct ike_sa *sa)
{
	struct child_sa	*old;
	uint64_t	 now = ike_now_ms();

	if (sa->sa_req_kind == IKE_REQ_IKE_REKEY && sa->sa_life.lt_life_ms)
		return (lifetime_hard_in(&sa->sa_life, now));
	if (sa->sa_req_kind != IKE_REQ_CHILD_REKEY ||
	    sa->sa_req_child == NULL || sa->sa_req_child->cs_rekey_spi == 0 ||
	    (old = ike_sa_child_by_spi(sa, sa->sa_req_child->cs_rekey_spi,
	    1)) == NULL || old->cs_life.lt_life_ms == 0)
		return (0);
	return (lifetime_hard_in(&old->cs_life, now));
}

static uint64_t
ike_sa_init_err_deadline(const struct ike_sa *sa)
{
	return (sa->sa_init_err_ms + (uint64_t)IKE_INIT_ERR_WAIT *
	    sa->sa_b.b_ctx->ctx_retx_ms);
}

static void
ike_sa_retx_arm(struct ike_sa *sa)
{
	unsigned	 ms = ike_xmit_backoff(sa->sa_b.b_ctx->ctx_retx_ms,
			    sa->sa_b.b_rq.x_tries);
	unsigned	 dpd;
	uint64_t	 left;

	if (sa->sa_req_kind == IKE_REQ_LIVENESS && sa->sa_b.b_dpd_out &&
	    (dpd = ike_dpd_timeout_ms(sa->sa_b.b_ctx, sa->sa_b.b_tunnel) / 5) > 0 &&
	    dpd < ms)
		ms = dpd;
	/* an unauthenticated error answered IKE_SA_INIT: wait no longer
	 * than its deadline for a valid answer */
	if (sa->sa_state == IKE_SA_INIT_SENT && sa->sa_init_err != 0) {
		left = ike_sa_init_err_deadline(sa);
		left = left > ike_now_ms() ? left - ike_now_ms() : 1;
		if (left < ms)
			ms = (unsigned)left;
	}
	/* a rekey close to the end of what it rekeys: more tries fit */
	if ((left = ike_sa_rekey_left_ms(sa)) != 0 &&
	    left / IKE_REKEY_LAST_TRIES < ms)
		ms = left / IKE_REKEY_LAST_TRIES > IKE_RETX_MIN_MS ?
		    (unsigned)(left / IKE_REKEY_LAST_TRIES) : IKE_RETX_MIN_MS;
	ike_xmit_arm(&sa->sa_b.b_rq, ms);
}

int
ike_msg_send(struct ike_sa *sa, struct ike_msg_out *mo,
    enum ike_req_kind kind, struct child_sa *child)
{
	struct ikev2_sk_keys	 k;

	if (mo->mo_exchange == IKEV2_EXCH_IKE_SA_INIT)
		ikev2_hdr_set_length(mo->mo_buf);
	else {
		ike_sa_sk_keys(sa, 1, &k);
		if (ikev2_sk_seal(mo->mo_buf, &mo->mo_w, mo->mo_iw.w_first,
		    mo->mo_inner, &k) == -1) {
			log_terr(ike_sa_name(sa), "cannot encrypt message");
			ike_msg_abort(mo);
			return (-1);
		}
	}
	ike_msg_log_out(sa, mo);
	ike_net_send(sa->sa_b.b_ctx, mo->mo_buf, &sa->sa_b.b_local, mo->mo_response &&
	    sa->sa_reply_to_set ? &sa->sa_reply_to : &sa->sa_b.b_remote,
	    ike_sa_name(sa));
	if (mo->mo_response)
		sa->sa_reply_to_set = 0;
	buf_free(mo->mo_inner);
	mo->mo_inner = NULL;
	if (mo->mo_response) {
		ike_xmit_take(&sa->sa_rsp, mo->mo_buf, 0);
		sa->sa_resp_msgid = mo->mo_msgid;
	} else {
		ike_xmit_take(&sa->sa_b.b_rq, mo->mo_buf, 1);
		sa->sa_req_msgid = mo->mo_msgid;
		sa->sa_req_kind = kind;
		sa->sa_req_child = child;
		sa->sa_msgid_next = mo->mo_msgid + 1;
		ike_sa_retx_arm(sa);
		ike_ha_ike_sa(&sa->sa_b);	/* the message IDs moved */
	}
	mo->mo_buf = NULL;
	return (0);
}

/* RFC 7296 §2.1: retransmit the request until it is answered. */
static void
ike_sa_retx_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ike_sa	*sa = arg;
	struct ike_ctx	*ctx = sa->sa_b.b_ctx;
	struct ike_tunnel *t = sa->sa_b.b_tunnel;

	enum ike_xmit_next	 next;

	if (sa->sa_b.b_rq.x_out == NULL) {
		/* a half-open responder SA that never saw IKE_AUTH */
		if (sa->sa_state == IKE_SA_INIT_DONE) {
			log_debug("half-open IKE SA timed out");
			ike_sa_destroy(sa);
		}
		return;
	}
	/* ctx_retx_tries transmissions in all; dead peer detection's probe
	 * is resent until its own deadline (sa_common.c) says "dead" */
	next = ike_xmit_due(&sa->sa_b.b_rq, sa->sa_req_kind ==
	    IKE_REQ_LIVENESS && sa->sa_b.b_dpd_out ? INT_MAX :
	    ctx->ctx_retx_tries - 1);
	if (next == IKE_XMIT_IDLE)
		return;
	/* no valid answer came after an (unauthenticated) error one: the
	 * error stands */
	if (sa->sa_state == IKE_SA_INIT_SENT && sa->sa_init_err != 0 &&
	    (next == IKE_XMIT_GIVE_UP ||
	    ike_now_ms() >= ike_sa_init_err_deadline(sa))) {
		ctx->ctx_v2x->x_init_error(sa);
		return;
	}
	if (next == IKE_XMIT_GIVE_UP &&
	    (sa->sa_state == IKE_SA_DELETING ||
	    sa->sa_state == IKE_SA_REKEYED)) {
		/* an old SA on its way out: nothing more to lose */
		log_tdebug(ike_sa_name(sa), "no answer on the %s IKE SA",
		    ike_sa_state_name(sa->sa_state));
		ike_sa_destroy(sa);
		return;
	}
	if (next == IKE_XMIT_GIVE_UP) {
		log_tinfo(ike_sa_name(sa), "giving up after %d retransmissions"
		    " of %s request %u", sa->sa_b.b_rq.x_tries - 1,
		    sa->sa_state < IKE_SA_ESTABLISHED ? "an IKE" : "a",
		    sa->sa_req_msgid);
		if (sa->sa_state < IKE_SA_ESTABLISHED && t != NULL &&
		    ike_tunnel_sa(t) != NULL) {
			/* another IKE SA holds the tunnel (the peer's, made
			 * meanwhile; it forgot this one): not a failure */
			log_tinfo(ike_sa_name(sa), "the tunnel's established "
			    "IKE SA stays");
			ike_sa_destroy(sa);
		} else if (sa->sa_state < IKE_SA_ESTABLISHED && t != NULL) {
			/* nothing at all, or IKE_SA_INIT only: behind a
			 * NAT, the peer may not follow us to 4500 */
			ike_diag_note(t, sa->sa_state == IKE_SA_INIT_SENT ?
			    DIAG_NO_ANSWER : sa->sa_b.b_nat ? DIAG_NAT :
			    DIAG_OTHER, 1, NULL);
			t->t_diag.td_tries = sa->sa_b.b_rq.x_tries;
			ike_sa_destroy(sa);
			ike_tunnel_failed(t, 1, "peer did not respond");
		} else {
			/* an established SA's peer that answers nothing is
			 * dead: dpd-action applies */
			if (t != NULL) {
				ike_tunnel_error(t, "peer dead: no answer to "
				    "request %u", sa->sa_req_msgid);
				ike_tunnel_dead_hold(t, &sa->sa_b.b_children);
			}
			ike_sa_base_tunnel_set(&sa->sa_b, NULL);
			ike_sa_destroy(sa);
			if (t != NULL)
				ike_tunnel_peer_dead(t);
		}
		return;
	}
	ctx->ctx_counters.ic_retransmits++;
	log_tdebug(ike_sa_name(sa), "retransmit %d of request %u",
	    sa->sa_b.b_rq.x_tries, sa->sa_req_msgid);
	ike_net_send(ctx, sa->sa_b.b_rq.x_out, &sa->sa_b.b_local, &sa->sa_b.b_remote,
	    ike_sa_name(sa));
	ike_sa_retx_arm(sa);
}

int
ike_sa_init_error_wait(struct ike_sa *sa, uint16_t type)
{
	uint64_t	 now = ike_now_ms();
	struct buf	*b;

	if (sa->sa_init_err == 0) {
		sa->sa_init_err = type;
		sa->sa_init_err_ms = now;
	} else if (now >= ike_sa_init_err_deadline(sa))
		return (-1);
	if (sa->sa_msg1 == NULL || (b = buf_dup(sa->sa_msg1)) == NULL)
		return (-1);
	ike_xmit_take(&sa->sa_b.b_rq, b, 1);
	sa->sa_req_kind = IKE_REQ_INIT;
	sa->sa_req_msgid = 0;
	ike_sa_retx_arm(sa);
	return (0);
}

int
ike_sa_rekey_nudge(struct ike_ctx *ctx, const struct ikev2_hdr *h)
{
	struct ike_sa	*o;
	uint64_t	 now;

	IKEV2_SA_FOREACH(o, ctx) {
		if (o->sa_rekey_new == NULL || o->sa_req_kind !=
		    IKE_REQ_IKE_REKEY || o->sa_b.b_rq.x_out == NULL ||
		    memcmp(o->sa_rekey_new->sa_b.b_spi_i, h->h_spi_i, 8) != 0)
			continue;
		now = ike_now_ms();
		if (o->sa_rekey_nudge_ms != 0 &&
		    now - o->sa_rekey_nudge_ms < IKE_REKEY_NUDGE_MS)
			return (1);
		o->sa_rekey_nudge_ms = now;
		ctx->ctx_counters.ic_retransmits++;
		log_tdebug(ike_sa_name(o), "a message on the IKE SA our rekey "
		    "makes: its answer was lost, request %u again",
		    o->sa_req_msgid);
		ike_net_send(ctx, o->sa_b.b_rq.x_out, &o->sa_b.b_local,
		    &o->sa_b.b_remote, ike_sa_name(o));
		return (1);
	}
	return (0);
}

/*
 * Opens SK (ICV first, constant time in ikev2_sk_open) and parses the
 * inner chain into m.  0 or -1 (counted).
 */
static int
ike_sa_open(struct ike_sa *sa, const uint8_t *pkt, size_t len,
    struct ikev2_msg *m, struct buf *plain)
{
	struct ikev2_sk_keys	 k;
	struct ike_counters	*c = &sa->sa_b.b_ctx->ctx_counters;

	if (!sa->sa_keys_ok || m->m_count[IKEV2_PLD_SK] != 1) {
		log_tdebug(ike_sa_name(sa), "%s without SK payload or keys",
		    ikev2_exchange_name(m->m_hdr.h_exchange));
		c->ic_malformed++;
		return (-1);
	}
	ike_sa_sk_keys(sa, 0, &k);
	switch (ikev2_sk_open(pkt, len, m, &k, plain)) {
	case 0:
		break;
	case -2:
		log_tdebug(ike_sa_name(sa), "message %u: SK payload malformed "
		    "or too short", m->m_hdr.h_msgid);
		c->ic_malformed++;
		return (-1);
	default:
		log_tdebug(ike_sa_name(sa), "message %u: ICV or padding check"
		    " failed", m->m_hdr.h_msgid);
		c->ic_bad_icv++;
		return (-1);
	}
	if (ikev2_pld_parse(m->m_sk_next, plain->buf_data, plain->buf_len, 1,
	    m) == -1) {
		c->ic_malformed++;
		return (-1);
	}
	return (0);
}

/*
 * RFC 7296 §2.2/§2.3 message ID checks.  Returns 1 to process, 0 to drop
 * (after resending our cached response to a retransmitted request).
 */
static int
ike_sa_msgid_check(struct ike_sa *sa, const uint8_t *pkt, size_t len,
    const struct ikev2_msg *m)
{
	const struct ikev2_hdr	*h = &m->m_hdr;
	struct ike_ctx		*ctx = sa->sa_b.b_ctx;
	const struct buf	*answer;

	if (h->h_flags & IKEV2_FLAG_RESPONSE) {
		if (sa->sa_b.b_rq.x_out == NULL || h->h_msgid != sa->sa_req_msgid) {
			log_tdebug(ike_sa_name(sa), "unexpected response %u",
			    h->h_msgid);
			ctx->ctx_counters.ic_dropped++;
			return (0);
		}
		return (1);
	}
	if (h->h_msgid == sa->sa_msgid_peer)
		return (1);
	if ((answer = ike_xmit_answer(&sa->sa_rsp)) != NULL &&
	    h->h_msgid == sa->sa_resp_msgid) {
		/* §2.1: only a retransmission (the same bytes) of the request
		 * we answered gets the answer again */
		if (!ike_xmit_repeat(&sa->sa_rsp, pkt, len)) {
			log_tdebug(ike_sa_name(sa), "request %u differs from "
			    "the one we answered: dropped", h->h_msgid);
			ctx->ctx_counters.ic_dropped++;
			return (0);
		}
		log_tdebug(ike_sa_name(sa), "retransmitted request %u: "
		    "resending our response", h->h_msgid);
		ctx->ctx_counters.ic_retransmits++;
		ike_net_send(ctx, answer, &sa->sa_b.b_local, &sa->sa_b.b_remote,
		    ike_sa_name(sa));
		return (0);
	}
	log_tdebug(ike_sa_name(sa), "request %u out of window (expected %u)",
	    h->h_msgid, sa->sa_msgid_peer);
	ctx->ctx_counters.ic_dropped++;
	return (0);
}

static void
ike_sa_dispatch(struct ike_sa *sa, const uint8_t *pkt, size_t len,
    struct ikev2_msg *m)
{
	const struct ikev2_exchanges *x = sa->sa_b.b_ctx->ctx_v2x;
	int	resp = (m->m_hdr.h_flags & IKEV2_FLAG_RESPONSE) != 0;

	switch (m->m_hdr.h_exchange) {
	case IKEV2_EXCH_IKE_SA_INIT:
		if (resp)
			x->x_init_response(sa, pkt, len, m);
		break;
	case IKEV2_EXCH_IKE_AUTH:
		if (resp)
			x->x_auth_response(sa, m);
		else
			x->x_auth_request(sa, m);
		break;
	case IKEV2_EXCH_CREATE_CHILD_SA:
		if (resp)
			x->x_create_response(sa, m);
		else
			x->x_create_request(sa, m);
		break;
	case IKEV2_EXCH_INFORMATIONAL:
		if (resp)
			x->x_info_response(sa, m);
		else
			x->x_info_request(sa, m);
		break;
	default:
		sa->sa_b.b_ctx->ctx_counters.ic_dropped++;
		break;
	}
}

/* The exchange types each state accepts (checked before the exchange). */
static int
ike_sa_exchange_ok(const struct ike_sa *sa, const struct ikev2_msg *m)
{
	uint8_t	 x = m->m_hdr.h_exchange;
	int	 resp = (m->m_hdr.h_flags & IKEV2_FLAG_RESPONSE) != 0;

	switch (sa->sa_state) {
	case IKE_SA_INIT_SENT:
		return (x == IKEV2_EXCH_IKE_SA_INIT && resp);
	case IKE_SA_INIT_DONE:
		return (x == IKEV2_EXCH_IKE_AUTH && !resp);
	case IKE_SA_AUTH_SENT:
		return (x == IKEV2_EXCH_IKE_AUTH && resp);
	case IKE_SA_ESTABLISHED:
	case IKE_SA_DELETING:
	case IKE_SA_REKEYED:
		return (x == IKEV2_EXCH_CREATE_CHILD_SA ||
		    x == IKEV2_EXCH_INFORMATIONAL);
	default:
		return (0);
	}
}

/*
 * §2.23: a new authenticated message (not a retransmission: the message
 * ID check came first) from another address or port.  The side that is
 * not behind a NAT follows it, with its ESP-in-UDP SAs (a NAT in front
 * of the peer made a new mapping); the side behind a NAT does not (one
 * packet must not move it), but answers a request where it came from
 * (§2.11).
 */
static void
ike_sa_follow(struct ike_sa *sa, const struct sockaddr_in *local,
    const struct sockaddr_in *remote, int resp)
{
	char		 from[INET_ADDRSTRLEN], to[INET_ADDRSTRLEN];
	unsigned	 oport = ntohs(sa->sa_b.b_remote.sin_port);
	int		 n;

	if (remote->sin_addr.s_addr == sa->sa_b.b_remote.sin_addr.s_addr &&
	    remote->sin_port == sa->sa_b.b_remote.sin_port) {
		sa->sa_b.b_local = *local;
		return;
	}
	inet_ntop(AF_INET, &sa->sa_b.b_remote.sin_addr, from, sizeof(from));
	inet_ntop(AF_INET, &remote->sin_addr, to, sizeof(to));
	if (sa->sa_b.b_nat_local) {
		log_tdebug(ike_sa_name(sa), "a message from the peer came from"
		    " %s[%u], not %s[%u]: not followed, we are behind a NAT",
		    to, ntohs(remote->sin_port), from, oport);
		if (!resp) {
			sa->sa_reply_to = *remote;
			sa->sa_reply_to_set = 1;
		}
		return;
	}
	sa->sa_b.b_local = *local;
	sa->sa_b.b_remote = *remote;
	if (sa->sa_state != IKE_SA_ESTABLISHED &&
	    sa->sa_state != IKE_SA_REKEYED && sa->sa_state != IKE_SA_DELETING)
		return;		/* the NAT-T float (§2.23), no SAs yet */
	n = ike_sa_base_children_follow(&sa->sa_b);
	log_tinfo(ike_sa_name(sa), "the peer moved from %s[%u] to %s[%u]%s: "
	    "%d CHILD SA(s) follow", from, oport, to, ntohs(remote->sin_port),
	    sa->sa_b.b_nat ? " (NAT)" : "", n);
}

/*
 * An encrypted answer to the peer's request m that holds only an error
 * notification (§2.21.2), for a request we do not act on.
 */
static void
ike_sa_reply_notify(struct ike_sa *sa, const struct ikev2_msg *m,
    uint16_t type, const uint8_t *data, size_t len)
{
	struct ike_msg_out	 mo;

	log_tinfo(ike_sa_name(sa), "%s request %u: answering %s",
	    ikev2_exchange_name(m->m_hdr.h_exchange), m->m_hdr.h_msgid,
	    ikev2_notify_name(type));
	if (ike_msg_begin(sa, &mo, m->m_hdr.h_exchange, 1,
	    m->m_hdr.h_msgid) == -1)
		return;
	if (ikev2_add_notify(ike_msg_w(&mo), 0, NULL, 0, type, data,
	    len) == -1) {
		ike_msg_abort(&mo);
		return;
	}
	(void)ike_msg_send(sa, &mo, IKE_REQ_NONE, NULL);
}

void
ike_sa_recv(struct ike_sa *sa, const uint8_t *pkt, size_t len,
    struct ikev2_msg *m, const struct sockaddr_in *local,
    const struct sockaddr_in *remote)
{
	struct buf	*plain = NULL;
	int		 resp = (m->m_hdr.h_flags & IKEV2_FLAG_RESPONSE) != 0;
	int		 syntax = 0;

	if (!ike_sa_msgid_check(sa, pkt, len, m))
		return;
	if (m->m_hdr.h_exchange != IKEV2_EXCH_IKE_SA_INIT) {
		if ((plain = buf_new(len)) == NULL)
			return;
		if (ike_sa_open(sa, pkt, len, m, plain) == -1)
			goto done;
	}
	ike_msg_log(ike_sa_name(sa), "parsed", m);
	if ((syntax = ikev2_rules_check(m)) == -1 ||
	    !ike_sa_exchange_ok(sa, m)) {
		log_tdebug(ike_sa_name(sa), "%s %s %u not acceptable in state"
		    " %s", ikev2_exchange_name(m->m_hdr.h_exchange),
		    resp ? "response" : "request", m->m_hdr.h_msgid,
		    ike_sa_state_name(sa->sa_state));
		sa->sa_b.b_ctx->ctx_counters.ic_malformed++;
		/* §2.21.2: an authenticated (encrypted) request whose
		 * payloads break the exchange's rules gets INVALID_SYNTAX
		 * and is not acted on */
		if (syntax == -1 && !resp && plain != NULL) {
			ike_sa_heard(&sa->sa_b);
			sa->sa_msgid_peer = m->m_hdr.h_msgid + 1;
			ike_ha_ike_sa(&sa->sa_b);
			ike_xmit_heard(&sa->sa_rsp, pkt, len);
			ike_sa_reply_notify(sa, m, IKEV2_N_INVALID_SYNTAX,
			    NULL, 0);
		}
		goto done;
	}
	/* §2.5: a response with a critical payload we do not know is
	 * rejected (our request stays out: its retransmission or failure
	 * decides); a request is answered with UNSUPPORTED_CRITICAL_PAYLOAD
	 * below and not acted on */
	if (resp && m->m_unsupported_critical != 0) {
		/* an IKE_SA_INIT response (no SK) may be forged at will */
		if (plain == NULL)
			ike_rl_log(sa->sa_b.b_ctx, IKE_RL_V2_CRITICAL,
			    remote->sin_addr, ike_sa_name(sa), "%s response %u "
			    "with the unsupported critical payload %u: "
			    "rejected", ikev2_exchange_name(
			    m->m_hdr.h_exchange), m->m_hdr.h_msgid,
			    m->m_unsupported_critical);
		else
			log_tinfo(ike_sa_name(sa), "%s response %u with the "
			    "unsupported critical payload %u: rejected",
			    ikev2_exchange_name(m->m_hdr.h_exchange),
			    m->m_hdr.h_msgid, m->m_unsupported_critical);
		sa->sa_b.b_ctx->ctx_counters.ic_malformed++;
		goto done;
	}
	/* only an authenticated message moves the peer (§2.23): not an
	 * IKE_SA_INIT response, which anyone can forge */
	if (plain != NULL)
		ike_sa_follow(sa, local, remote, resp);
	ike_sa_heard(&sa->sa_b);	/* the peer is alive (§2.4) */
	if (resp)
		ike_xmit_done(&sa->sa_b.b_rq);
	else {
		sa->sa_msgid_peer = m->m_hdr.h_msgid + 1;
		ike_ha_ike_sa(&sa->sa_b);	/* the message IDs moved */
		/* authenticated: the request our answer will be for */
		ike_xmit_heard(&sa->sa_rsp, pkt, len);
	}
	if (!resp && m->m_unsupported_critical != 0) {
		sa->sa_b.b_ctx->ctx_counters.ic_malformed++;
		ike_sa_reply_notify(sa, m, IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD,
		    &m->m_unsupported_critical, 1);
		goto done;
	}
	/* the exchange may destroy sa */
	ike_sa_dispatch(sa, pkt, len, m);
done:
	buf_free(plain);
}

struct child_sa *
ike_sa_child_by_spi(struct ike_sa *sa, uint32_t spi, int inbound)
{
	struct child_sa	*cs;

	TAILQ_FOREACH(cs, &sa->sa_b.b_children, cs_entry)
		if ((inbound ? cs->cs_spi_in : cs->cs_spi_out) == spi &&
		    cs->cs_state != CHILD_SA_NEW)
			return (cs);
	return (NULL);
}

/*
 * Wireshark's IKEv2 decryption table (ikev2_decryption_table) names;
 * NULL when Wireshark (4.0) has none: ChaCha20-Poly1305.
 */
static const char *
ike_sa_ws_encr(int encr, int bits)
{
	static const char *const gcm[3][3] = {
		{ "AES-GCM-128 with 8 octet ICV [RFC5282]",
		  "AES-GCM-128 with 12 octet ICV [RFC5282]",
		  "AES-GCM-128 with 16 octet ICV [RFC5282]" },
		{ "AES-GCM-192 with 8 octet ICV [RFC5282]",
		  "AES-GCM-192 with 12 octet ICV [RFC5282]",
		  "AES-GCM-192 with 16 octet ICV [RFC5282]" },
		{ "AES-GCM-256 with 8 octet ICV [RFC5282]",
		  "AES-GCM-256 with 12 octet ICV [RFC5282]",
		  "AES-GCM-256 with 16 octet ICV [RFC5282]" },
	};

	switch (encr) {
	case ENCR_3DES:
		return ("3DES [RFC2451]");
	case ENCR_AES_GCM_8:
	case ENCR_AES_GCM_12:
	case ENCR_AES_GCM_16:
		if (bits != 128 && bits != 192 && bits != 256)
			return (NULL);
		return (gcm[(bits - 128) / 64][encr - ENCR_AES_GCM_8]);
	case ENCR_AES_CBC:
		break;
	default:
		return (NULL);
	}
	switch (bits) {
	case 192:
		return ("AES-CBC-192 [RFC3602]");
	case 256:
		return ("AES-CBC-256 [RFC3602]");
	default:
		return ("AES-CBC-128 [RFC3602]");
	}
}

static const char *
ike_sa_ws_integ(int integ)
{
	switch (integ) {
	case AUTH_NONE:
		return ("NONE [RFC4306]");	/* an AEAD */
	case AUTH_HMAC_MD5_96:
		return ("HMAC_MD5_96 [RFC2403]");
	case AUTH_HMAC_SHA2_256_128:
		return ("HMAC_SHA2_256_128 [RFC4868]");
	case AUTH_HMAC_SHA2_384_192:
		return ("HMAC_SHA2_384_192 [RFC4868]");
	case AUTH_HMAC_SHA2_512_256:
		return ("HMAC_SHA2_512_256 [RFC4868]");
	default:
		return ("HMAC_SHA1_96 [RFC2404]");
	}
}

void
ike_sa_keylog(const struct ike_sa *sa)
{
	const struct ikev2_keys	*k = &sa->sa_keys;
	const char		*dir = sa->sa_b.b_ctx->ctx_cfg->cfg_keylog_dir;
	char			 err[4400], si[17], sr[17];
	char			 ei[2 * CRYPTO_MAX_KEY + 1], er[sizeof(ei)];
	char			 ai[sizeof(ei)], ar[sizeof(ei)];
	FILE			*f;

	if (dir[0] == '\0')
		return;
	/* A name Wireshark does not know would void its whole table. */
	if (ike_sa_ws_encr(sa->sa_prop.pc_encr,
	    sa->sa_prop.pc_encr_bits) == NULL) {
		log_tinfo(ike_sa_name(sa), "no Wireshark key line: Wireshark "
		    "has no IKEv2 decryption for %s",
		    crypto_encr_name(sa->sa_prop.pc_encr,
		    sa->sa_prop.pc_encr_bits));
		return;
	}
	if ((f = keyfile_open(dir, "ikev2_decryption_table", err,
	    sizeof(err))) == NULL) {
		log_twarn(ike_sa_name(sa), "%s", err);
		return;
	}
	hex_encode(sa->sa_b.b_spi_i, 8, si);
	hex_encode(sa->sa_b.b_spi_r, 8, sr);
	hex_encode(k->k_ei, k->k_e_len, ei);
	hex_encode(k->k_er, k->k_e_len, er);
	hex_encode(k->k_ai, k->k_a_len, ai);
	hex_encode(k->k_ar, k->k_a_len, ar);
	fprintf(f, "%s,%s,%s,%s,\"%s\",%s,%s,\"%s\"\n", si, sr, ei, er,
	    ike_sa_ws_encr(sa->sa_prop.pc_encr, sa->sa_prop.pc_encr_bits),
	    ai, ar, ike_sa_ws_integ(sa->sa_prop.pc_integ));
	fclose(f);
	OPENSSL_cleanse(ei, sizeof(ei));
	OPENSSL_cleanse(er, sizeof(er));
	OPENSSL_cleanse(ai, sizeof(ai));
	OPENSSL_cleanse(ar, sizeof(ar));
}

/* --- what the exchanges ask of the core --- */

void
ike_sa_next(struct ike_sa *sa)
{
	ike_sa_queue_run(&sa->sa_b);
}

uint64_t
ikev2_life_ms(const struct ike_ctx *ctx, uint32_t secs)
{
	return ((uint64_t)secs * ctx->ctx_life_unit_us / 1000);
}

/* Sends DELETE of the IKE SA and removes it without waiting (§1.4.1). */
void
ike_sa_delete_now(struct ike_sa *sa)
{
	struct ike_msg_out	 mo;

	log_tinfo(ike_sa_name(sa), "deleting IKE SA");
	if (sa->sa_state == IKE_SA_ESTABLISHED &&
	    ike_msg_begin(sa, &mo, IKEV2_EXCH_INFORMATIONAL, 0, 0) == 0) {
		if (ikev2_add_delete(ike_msg_w(&mo), IKEV2_PROTO_IKE, 0, 0,
		    NULL) == 0)
			ike_msg_send(sa, &mo, IKE_REQ_IKE_DELETE, NULL);
		else
			ike_msg_abort(&mo);
	}
	ike_sa_set_state(sa, IKE_SA_DELETING);
	ike_sa_destroy(sa);
}

struct ike_sa *
ike_tunnel_sa(struct ike_tunnel *t)
{
	struct ike_sa	*sa;

	IKEV2_TUNNEL_SA_FOREACH(sa, t)
		if (sa->sa_state == IKE_SA_ESTABLISHED)
			return (sa);
	return (NULL);
}

static void
ike_sa_drop(struct ike_sa *sa)
{
	log_tinfo(ike_sa_name(sa), "dropping duplicate IKE SA (%s)",
	    sa->sa_b.b_initiator ? "ours" : "the peer's");
	ike_sa_delete_now(sa);
}

/*
 * Two established IKE SAs of one tunnel with the same peer identity: the
 * one that goes is ike_sa_base_duplicate's (a re-authentication replaces
 * the old SA; of two simultaneous initiations, the one whose initiator
 * has the lower address stays, on both sides).  One not yet established
 * is judged when it is, if ever: the peer may have forgotten it.  Other
 * identities (peers behind one NAT on a 0.0.0.0 tunnel) do not collide.
 */
void
ike_tunnel_collision(struct ike_tunnel *t, struct ike_sa *sa)
{
	struct ike_sa_base	*b;
	struct ike_sa		*o, *loser;
	struct child_sa		*cs;
	uint64_t		 seq = 0;
	int			 dropped = 0;

	ike_sa_base_unseen_drop(&sa->sa_b);
	/* the SAs of t that may be the same peer (the peer index), oldest
	 * first; dropping one may drop another (its rekey): look again
	 * from the first each time */
	while ((b = ike_tunnel_peer_next(&sa->sa_b, seq, 2)) != NULL) {
		o = ike_sa_of(b);
		seq = b->b_begin_seq;
		if (o->sa_state != IKE_SA_ESTABLISHED)
			continue;
		loser = ike_sa_base_duplicate(&sa->sa_b, &o->sa_b) ==
		    IKE_DUP_LOSES ? sa : o;
		dropped = 1;
		if (loser == sa) {
			ike_sa_drop(sa);
			break;
		}
		ike_sa_drop(o);
		seq = 0;
	}
	/* the survivors' policies may have gone with the loser's */
	if (dropped)
		IKEV2_TUNNEL_SA_FOREACH(o, t)
			if (o->sa_state == IKE_SA_ESTABLISHED)
				TAILQ_FOREACH(cs, &o->sa_b.b_children, cs_entry)
					if (cs->cs_state == CHILD_SA_INSTALLED)
						child_sa_policies_refresh(cs,
						    t->t_ctx->ctx_kernel);
	ike_tunnel_update(t);
}

