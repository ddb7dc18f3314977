/*
 * ikev1_sa.c - the ISAKMP SA: lifecycle, state machine, dispatch of
 * IKEv1 datagrams, retransmission and reply cache, tunnel hooks.
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

#include "common/log.h"
#include "ike/ikev1_sa.h"
#include "kernel/kernel.h"


static const char *const isakmp_state_names[] = {
	[ISAKMP_NEW] = "NEW",
	[ISAKMP_MM_I1] = "MM_I1",
	[ISAKMP_MM_R2] = "MM_R2",
	[ISAKMP_MM_I3] = "MM_I3",
	[ISAKMP_MM_R4] = "MM_R4",
	[ISAKMP_MM_I5] = "MM_I5",
	[ISAKMP_AM_I1] = "AM_I1",
	[ISAKMP_AM_R2] = "AM_R2",
	[ISAKMP_ESTABLISHED] = "ESTABLISHED",
	[ISAKMP_DEAD] = "DEAD",
};

const char *
isakmp_state_name(enum isakmp_state s)
{
	if ((unsigned)s >= sizeof(isakmp_state_names) /
	    sizeof(isakmp_state_names[0]))
		return ("?");
	return (isakmp_state_names[s]);
}

const char *
isakmp_name(const struct isakmp_sa *sa)
{
	return (sa->is_tunnel ? ike_tunnel_name(sa->is_tunnel) : NULL);
}

void
isakmp_set_state(struct isakmp_sa *sa, enum isakmp_state s)
{
	char	 ck[17];

	if (sa->is_state == s)
		return;
	hex_encode(sa->is_cky_i, 8, ck);
	log_tdebug(isakmp_name(sa), "ISAKMP SA %s (%s) %s -> %s", ck,
	    sa->is_initiator ? "initiator" : "responder",
	    isakmp_state_name(sa->is_state), isakmp_state_name(s));
	sa->is_state = s;
	if (s == ISAKMP_ESTABLISHED || s == ISAKMP_DEAD)
		v1_half_end(sa);
	if (s == ISAKMP_ESTABLISHED) {
		sa->is_established = time(NULL);
		sa->is_up_ms = ikev1_now_ms();
	}
}

uint64_t
ikev1_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

struct ikev1_ctx *
ikev1_ctx_get(struct ike_ctx *ctx)
{
	struct ikev1_ctx	*vc;
	int			 i;

	if (ctx->ctx_v1 != NULL)
		return (ctx->ctx_v1);
	if ((vc = calloc(1, sizeof(*vc))) == NULL)
		return (NULL);
	TAILQ_INIT(&vc->vc_sas);
	for (i = 0; i < IKEV1_SRC_BUCKETS; i++)
		LIST_INIT(&vc->vc_src[i]);
	vc->vc_half_ms = IKEV1_HALF_OPEN_MS;
	vc->vc_evict_ms = IKEV1_HALF_EVICT_MS;
	TAILQ_INIT(&vc->vc_half_q);
	vc->vc_life_unit_ms = 1000;
	vc->vc_reauth_delete_ms = IKEV1_REAUTH_DELETE_MS;
	ctx->ctx_v1 = vc;
	return (vc);
}

void
ikev1_dpd_timing_set(struct ike_ctx *ctx, unsigned delay_ms,
    unsigned timeout_ms)
{
	struct ikev1_ctx	*vc = ikev1_ctx_get(ctx);

	if (vc == NULL)
		return;
	vc->vc_dpd_override = 1;
	vc->vc_dpd_delay_ms = delay_ms;
	vc->vc_dpd_timeout_ms = timeout_ms;
}

static void	v1_p1_retx_cb(evutil_socket_t, short, void *);
static void	isakmp_check_cb(evutil_socket_t, short, void *);

/*
 * An established ISAKMP SA between the same addresses exists as a new one
 * begins (our first message out, or the peer's first in): the new one is
 * a re-authentication.  Both sides see the same at the same point of the
 * exchange, unlike an age threshold; two SAs that both began with none
 * established are a simultaneous initiation.
 */
static int
v1_prior_up(const struct ikev1_ctx *vc, const struct sockaddr_in *local,
    const struct sockaddr_in *remote)
{
	const struct isakmp_sa	*o;

	TAILQ_FOREACH(o, &vc->vc_sas, is_entry)
		if (o->is_state == ISAKMP_ESTABLISHED && !o->is_replaced &&
		    o->is_local.sin_addr.s_addr == local->sin_addr.s_addr &&
		    o->is_remote.sin_addr.s_addr == remote->sin_addr.s_addr)
			return (1);
	return (0);
}

struct isakmp_sa *
isakmp_new(struct ike_ctx *ctx, struct ike_tunnel *t, int initiator,
    uint8_t exchange, const struct sockaddr_in *local,
    const struct sockaddr_in *remote)
{
	struct ikev1_ctx	*vc;
	struct isakmp_sa	*sa;

	if ((vc = ikev1_ctx_get(ctx)) == NULL ||
	    (sa = calloc(1, sizeof(*sa))) == NULL)
		return (NULL);
	sa->is_ctx = ctx;
	sa->is_tunnel = t;
	sa->is_initiator = initiator;
	sa->is_exchange = exchange;
	sa->is_local = *local;
	sa->is_remote = *remote;
	TAILQ_INIT(&sa->is_qms);
	TAILQ_INIT(&sa->is_children);
	sa->is_x.x_ev = evtimer_new(ctx->ctx_base, v1_p1_retx_cb, sa);
	sa->is_dpd_ev = evtimer_new(ctx->ctx_base, ikev1_dpd_cb, sa);
	sa->is_check_ev = evtimer_new(ctx->ctx_base, isakmp_check_cb, sa);
	/* RFC 2408 §2.5.3: cookies unique per peer; random is enough */
	if (sa->is_x.x_ev == NULL || sa->is_dpd_ev == NULL ||
	    sa->is_check_ev == NULL ||
	    RAND_bytes(initiator ? sa->is_cky_i : sa->is_cky_r, 8) != 1) {
		if (sa->is_x.x_ev != NULL)
			event_free(sa->is_x.x_ev);
		if (sa->is_dpd_ev != NULL)
			event_free(sa->is_dpd_ev);
		if (sa->is_check_ev != NULL)
			event_free(sa->is_check_ev);
		free(sa);
		return (NULL);
	}
	sa->is_prior_up = v1_prior_up(vc, local, remote);
	TAILQ_INSERT_TAIL(&vc->vc_sas, sa, is_entry);
	/* a responder's is_cky_i comes with message 1: hashed then */
	if (initiator && isakmp_hash_insert(sa) == -1) {
		isakmp_destroy(sa);
		return (NULL);
	}
	return (sa);
}

void
v1_xmit_stop(struct v1_xmit *x)
{
	if (x->x_ev != NULL)
		evtimer_del(x->x_ev);
	x->x_waiting = 0;
}

void
v1_xmit_clear(struct v1_xmit *x)
{
	v1_xmit_stop(x);
	if (x->x_ev != NULL)
		event_free(x->x_ev);
	x->x_ev = NULL;
	buf_free(x->x_out);
	buf_free(x->x_in);
	x->x_out = x->x_in = NULL;
}

void
isakmp_destroy(struct isakmp_sa *sa)
{
	struct ike_ctx		*ctx = sa->is_ctx;
	struct ike_tunnel	*t = sa->is_tunnel;
	struct ikev1_qm		*qm;
	struct child_sa		*cs;
	int			 had_children = 0;

	isakmp_set_state(sa, ISAKMP_DEAD);
	v1_half_end(sa);
	isakmp_hash_remove(sa);
	while ((qm = TAILQ_FIRST(&sa->is_qms)) != NULL)
		ikev1_qm_free(qm);
	while ((cs = TAILQ_FIRST(&sa->is_children)) != NULL) {
		ikev1_child_remove(cs);
		had_children = 1;
	}
	v1_xmit_clear(&sa->is_x);
	event_free(sa->is_dpd_ev);
	event_free(sa->is_check_ev);
	v1_natt_free(sa);
	if (sa->is_life_ev != NULL)
		event_free(sa->is_life_ev);
	TAILQ_REMOVE(&ctx->ctx_v1->vc_sas, sa, is_entry);
	dh_free(sa->is_dh);
	buf_free(sa->is_sai_b);
	buf_free(sa->is_gxi);
	buf_free(sa->is_gxr);
	buf_free(sa->is_ni);
	buf_free(sa->is_nr);
	buf_free(sa->is_idi_b);
	buf_free(sa->is_idr_b);
	ikev1_keys_clear(&sa->is_keys);
	OPENSSL_cleanse(sa, sizeof(*sa));
	free(sa);
	if (t != NULL) {
		/* policies shared by selector with a surviving SA */
		if (had_children)
			v1_tunnel_policies_refresh(t);
		ike_tunnel_update(t);
	}
}

void
isakmp_fail(struct isakmp_sa *sa, const char *fmt, ...)
{
	struct ike_tunnel	*t = sa->is_tunnel;
	char			 why[128];
	va_list			 ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	sa->is_tunnel = NULL;
	if (t != NULL && sa->is_reauth && ikev1_tunnel_sa(t) != NULL) {
		/* the current ISAKMP SA and its IPsec SAs stay */
		ike_event(sa->is_ctx, ike_tunnel_name(t), "rekey",
		    "re-authentication failed: %s; the current ISAKMP SA "
		    "stays until it expires", why);
		isakmp_destroy(sa);
		return;
	}
	if (t != NULL)
		log_twarn(ike_tunnel_name(t), "%s", why);
	else
		log_info("IKEv1 phase 1 with %s failed: %s",
		    inet_ntoa(sa->is_remote.sin_addr), why);
	isakmp_destroy(sa);
	if (t != NULL)
		ike_tunnel_failed(t, 1, "%s", why);
}

void
isakmp_check_later(struct isakmp_sa *sa)
{
	struct timeval	 tv = { 0, 0 };

	evtimer_add(sa->is_check_ev, &tv);
}

static void
isakmp_check_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct isakmp_sa	*sa = arg;
	struct ikev1_qm		*qm;

	if (!sa->is_initiator || sa->is_state != ISAKMP_ESTABLISHED ||
	    !TAILQ_EMPTY(&sa->is_children))
		return;
	TAILQ_FOREACH(qm, &sa->is_qms, qm_entry)
		if (qm->qm_state == QM_I1)
			return;
	log_tinfo(isakmp_name(sa), "no IPsec SA could be established: "
	    "deleting the ISAKMP SA");
	ikev1_info_delete_isakmp(sa);
	isakmp_destroy(sa);
}

/* The address that initiated sa, host order. */
static uint32_t
isakmp_initiator_addr(const struct isakmp_sa *sa)
{
	return (ntohl(sa->is_initiator ? sa->is_local.sin_addr.s_addr :
	    sa->is_remote.sin_addr.s_addr));
}

/*
 * Drops a duplicate ISAKMP SA; its IPsec SAs go to the survivor when one
 * of the two re-authenticates (they belong to the tunnel, not to the
 * phase 1 that made them), else with it.
 */
static void
isakmp_drop(struct isakmp_sa *sa, struct isakmp_sa *survivor)
{
	log_tinfo(isakmp_name(sa), "dropping duplicate ISAKMP SA (%s)",
	    sa->is_initiator ? "ours" : "the peer's");
	if (survivor->is_state == ISAKMP_ESTABLISHED &&
	    sa->is_state == ISAKMP_ESTABLISHED &&
	    !TAILQ_EMPTY(&sa->is_children) &&
	    (sa->is_reauth || survivor->is_reauth))
		ikev1_adopt(survivor, sa);
	if (sa->is_state == ISAKMP_ESTABLISHED)
		ikev1_info_delete_isakmp(sa);
	isakmp_destroy(sa);
}

/*
 * A new ISAKMP SA with a peer we have an older one with (RFC 2409 has no
 * phase 1 rekey): an older established SA is being replaced, by us or by
 * the peer re-authenticating (or by a restarted peer without
 * INITIAL-CONTACT), and the new one takes over its IPsec SAs.  Both
 * gateways may also initiate at once: keep, on both sides, the ISAKMP SA
 * whose initiator has the lower address.  Returns 0 if sa survives.
 */
static int
isakmp_collision(struct isakmp_sa *sa)
{
	struct ikev1_ctx	*vc = sa->is_ctx->ctx_v1;
	struct isakmp_sa	*o, *next, *loser;

	for (o = TAILQ_FIRST(&vc->vc_sas); o != NULL; o = next) {
		next = TAILQ_NEXT(o, is_entry);
		if (o == sa || o->is_tunnel != sa->is_tunnel ||
		    o->is_state == ISAKMP_DEAD || o->is_replaced)
			continue;
		/*
		 * Not yet authenticated and from another address: not the
		 * same peer (a simultaneous initiation comes from the peer's
		 * address), maybe a spoofed message 1 on a 0.0.0.0 tunnel
		 * that must not take an authenticated SA down.
		 */
		if (o->is_state != ISAKMP_ESTABLISHED &&
		    o->is_remote.sin_addr.s_addr !=
		    sa->is_remote.sin_addr.s_addr)
			continue;
		/* another peer behind the same NAT, on a 0.0.0.0 tunnel */
		if (o->is_peer_ident.pi_type != 0 &&
		    sa->is_peer_ident.pi_type != 0 &&
		    !ike_peer_ident_eq(&o->is_peer_ident, &sa->is_peer_ident))
			continue;
		/*
		 * Replaced: sa began while o was up (a re-authentication,
		 * whoever started it: is_prior_up), or the same side
		 * initiated both (a peer that lost its SAs says
		 * INITIAL-CONTACT, and those went already).  Otherwise both
		 * began before either was up: a simultaneous initiation.
		 * The test is the same on both sides.
		 */
		if (o->is_state == ISAKMP_ESTABLISHED && (sa->is_prior_up ||
		    isakmp_initiator_addr(o) == isakmp_initiator_addr(sa))) {
			ikev1_adopt(sa, o);
			/* we re-authenticated: the old one goes soon */
			ikev1_life_replaced(o, sa->is_initiator ?
			    vc->vc_reauth_delete_ms : IKEV1_REPLACED_GRACE_MS);
			continue;
		}
		loser = isakmp_initiator_addr(o) < isakmp_initiator_addr(sa) ?
		    sa : o;
		if (loser == sa) {
			isakmp_drop(sa, o);
			return (-1);
		}
		if (next == sa)
			next = TAILQ_NEXT(sa, is_entry);
		isakmp_drop(o, sa);
	}
	return (0);
}

void
isakmp_established(struct isakmp_sa *sa)
{
	char	ci[17], cr[17];

	isakmp_set_state(sa, ISAKMP_ESTABLISHED);
	hex_encode(sa->is_cky_i, 8, ci);
	hex_encode(sa->is_cky_r, 8, cr);
	log_tinfo(isakmp_name(sa), "ISAKMP SA %s_i %s_r established with %s "
	    "(%s mode, %s/%s/%s, lifetime %u s)", ci, cr,
	    inet_ntoa(sa->is_remote.sin_addr),
	    sa->is_exchange == IKEV1_EXCH_MAIN ? "main" : "aggressive",
	    crypto_encr_name(sa->is_encr, sa->is_encr_bits),
	    crypto_integ_name(sa->is_integ), crypto_dh_name(sa->is_group),
	    sa->is_lifetime);
	if (isakmp_collision(sa) == -1)
		return;
	ikev1_life_arm(sa);
	ikev1_dpd_arm(sa);
	if (sa->is_initiator)
		ikev1_quick_start_all(sa);
}

/* --- messages --- */

int
v1_msg_begin(const struct isakmp_sa *sa, struct buf **b,
    struct pld_writer *w, uint8_t exchange, uint32_t msgid)
{
	struct ikev1_hdr	 h;

	memset(&h, 0, sizeof(h));
	memcpy(h.h_icookie, sa->is_cky_i, 8);
	memcpy(h.h_rcookie, sa->is_cky_r, 8);
	h.h_version = IKEV1_VERSION;
	h.h_exchange = exchange;
	h.h_msgid = msgid;
	if ((*b = buf_new(512)) == NULL)
		return (-1);
	if (ikev1_hdr_write(*b, &h, w) == -1) {
		buf_free(*b);
		*b = NULL;
		return (-1);
	}
	return (0);
}

void
v1_msg_log(const char *name, const char *what, const struct ikev1_msg *m)
{
	char	 desc[512];

	if (log_get_level() < LOG_LVL_DEBUG)
		return;
	ikev1_msg_describe(m, desc, sizeof(desc));
	log_tdebug(name, "%s %s %08x%s [ %s ]", what,
	    ikev1_exchange_name(m->m_hdr.h_exchange), m->m_hdr.h_msgid,
	    (m->m_hdr.h_flags & IKEV1_FLAG_ENC) ? " (encrypted)" : "", desc);
}

int
v1_msg_seal(struct isakmp_sa *sa, struct buf *b, const uint8_t *iv_in,
    uint8_t *iv_out)
{
	struct ikev1_msg	*m;
	uint8_t			 iv[CRYPTO_MAX_BLOCK];
	int			 rc;

	ikev1_hdr_set_length(b);
	if (log_get_level() >= LOG_LVL_DEBUG &&
	    (m = calloc(1, sizeof(*m))) != NULL) {
		if (ikev1_hdr_parse(b->buf_data, b->buf_len, &m->m_hdr) == 0 &&
		    ikev1_pld_parse(m->m_hdr.h_next, b->buf_data +
		    IKEV1_HDR_LEN, b->buf_len - IKEV1_HDR_LEN, 0, m) == 0) {
			if (iv_in != NULL)
				m->m_hdr.h_flags |= IKEV1_FLAG_ENC;
			v1_msg_log(isakmp_name(sa), "generating", m);
		}
		free(m);
	}
	if (iv_in == NULL)
		return (0);
	memcpy(iv, iv_in, sa->is_blen);
	rc = ikev1_encrypt(sa->is_encr, sa->is_keys.k_enc,
	    sa->is_keys.k_enc_len, iv, b);
	if (rc == 0 && iv_out != NULL)
		memcpy(iv_out, iv, sa->is_blen);
	return (rc);
}

void
v1_send_raw(struct isakmp_sa *sa, const struct buf *b)
{
	ike_net_send(sa->is_ctx, b, &sa->is_local, &sa->is_remote,
	    isakmp_name(sa));
}

static void
v1_xmit_arm(struct isakmp_sa *sa, struct v1_xmit *x)
{
	unsigned	 ms = sa->is_ctx->ctx_retx_ms << x->x_tries;
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(x->x_ev, &tv);
}

void
v1_xmit_send(struct isakmp_sa *sa, struct v1_xmit *x, struct buf *b,
    int waiting)
{
	v1_xmit_stop(x);
	buf_free(x->x_out);
	x->x_out = b;
	x->x_tries = 0;
	x->x_waiting = waiting;
	x->x_answers = x->x_in != NULL;
	v1_send_raw(sa, b);
	if (waiting && x->x_ev != NULL)
		v1_xmit_arm(sa, x);
}

int
v1_xmit_retx(struct isakmp_sa *sa, struct v1_xmit *x)
{
	if (!x->x_waiting || x->x_out == NULL)
		return (0);
	if (++x->x_tries > sa->is_ctx->ctx_retx_tries) {
		x->x_waiting = 0;
		return (1);
	}
	log_tdebug(isakmp_name(sa), "retransmitting (%d/%d)", x->x_tries,
	    sa->is_ctx->ctx_retx_tries);
	sa->is_ctx->ctx_counters.ic_retransmits++;
	v1_send_raw(sa, x->x_out);
	v1_xmit_arm(sa, x);
	return (0);
}

static void
v1_p1_retx_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct isakmp_sa	*sa = arg;

	if (v1_xmit_retx(sa, &sa->is_x))
		ikev1_main_timeout(sa);
}

/*
 * A retransmitted peer message (byte for byte the last one) gets our
 * cached answer (RFC 2408 §5: the exchange is not processed again).
 * Returns 1 if it was one.
 */
static int
v1_xmit_dup(struct isakmp_sa *sa, struct v1_xmit *x, const uint8_t *pkt,
    size_t len)
{
	if (x->x_in == NULL || x->x_in->buf_len != len ||
	    memcmp(x->x_in->buf_data, pkt, len) != 0)
		return (0);
	log_tdebug(isakmp_name(sa), "retransmitted message (%zu bytes)%s",
	    len, x->x_out != NULL && x->x_answers ? ": resending our answer" :
	    "");
	sa->is_ctx->ctx_counters.ic_dropped++;
	if (x->x_out != NULL && x->x_answers)
		v1_send_raw(sa, x->x_out);
	return (1);
}

/* --- identities and tunnels --- */

struct buf *
v1_local_id_body(const struct ike_tunnel *t)
{
	uint8_t		 data[256], type;
	size_t		 len;
	struct buf	*b;

	len = ike_tunnel_local_id(t, &type, data);
	/* IKEv2 ID_IPV4_ADDR/ID_FQDN have the IKEv1 DOI numbers */
	if ((b = buf_new(len + 4)) == NULL)
		return (NULL);
	if (buf_add_u8(b, type == IKEV2_ID_FQDN ? IKEV1_ID_FQDN :
	    IKEV1_ID_IPV4_ADDR) == -1 || buf_add_u8(b, 0) == -1 ||
	    buf_add_u16(b, 0) == -1 || buf_add(b, data, len) == -1) {
		buf_free(b);
		return (NULL);
	}
	return (b);
}

int
v1_peer_id_match(const struct ike_tunnel *t, const struct ikev1_id *id)
{
	struct ikev2_id	 v2;

	memset(&v2, 0, sizeof(v2));
	if (id->id_type == IKEV1_ID_FQDN)
		v2.id_type = IKEV2_ID_FQDN;
	else if (id->id_type == IKEV1_ID_IPV4_ADDR)
		v2.id_type = IKEV2_ID_IPV4_ADDR;
	else
		return (0);
	v2.id_data = id->id_data;
	v2.id_len = id->id_len;
	return (ike_tunnel_peer_id_match(t, &v2));
}

/* The identity of an ISAKMP SA: authenticated, or its tunnel's. */
static int
v1_ident_is(const struct isakmp_sa *sa, const struct ike_peer_ident *pi)
{
	struct ike_peer_ident	 tp;

	if (sa->is_peer_ident.pi_type != 0)
		return (ike_peer_ident_eq(&sa->is_peer_ident, pi));
	if (sa->is_tunnel == NULL)
		return (0);
	ike_tunnel_peer_ident(sa->is_tunnel, &tp);
	return (ike_peer_ident_eq(&tp, pi));
}

int
ikev1_ident_busy(struct ike_ctx *ctx, const struct ike_peer_ident *pi,
    const void *self)
{
	struct isakmp_sa	*o;

	if (ctx->ctx_v1 == NULL)
		return (0);
	TAILQ_FOREACH(o, &ctx->ctx_v1->vc_sas, is_entry)
		if ((const void *)o != self && o->is_state != ISAKMP_DEAD &&
		    !o->is_replaced && v1_ident_is(o, pi))
			return (1);
	return (0);
}

int
ikev1_ident_drop(struct ike_ctx *ctx, const struct ike_peer_ident *pi,
    const void *self)
{
	struct isakmp_sa	*o, *next;
	struct ike_tunnel	*t, *mine = NULL;
	int			 n = 0;

	if (ctx->ctx_v1 == NULL)
		return (0);
	TAILQ_FOREACH(o, &ctx->ctx_v1->vc_sas, is_entry)
		if ((const void *)o == self)
			mine = o->is_tunnel;
	for (o = TAILQ_FIRST(&ctx->ctx_v1->vc_sas); o != NULL; o = next) {
		next = TAILQ_NEXT(o, is_entry);
		if ((const void *)o == self ||
		    o->is_state != ISAKMP_ESTABLISHED || !v1_ident_is(o, pi))
			continue;
		ike_event(ctx, isakmp_name(o), "initial-contact", "from the "
		    "same peer identity: removing the stale ISAKMP SA");
		t = o->is_tunnel;
		isakmp_destroy(o);
		n++;
		if (t != NULL && t != mine)
			ike_tunnel_sa_gone(t, 0);
		/* destroying may free others (their IPsec SAs): rescan */
		next = TAILQ_FIRST(&ctx->ctx_v1->vc_sas);
	}
	return (n);
}

int
v1_candidates(struct ike_ctx *ctx, const struct sockaddr_in *local,
    const struct sockaddr_in *remote, struct ike_tunnel **out, int max)
{
	struct ike_tunnel	*t;
	int			 n = 0, pass;

	for (pass = 0; pass < 2; pass++)
		TAILQ_FOREACH(t, &ctx->ctx_tunnels, t_entry) {
			if (t->t_removed || t->t_cfg->tn_ike.ike_version != 1 ||
			    t->t_cfg->tn_gw->gw_addr.s_addr !=
			    local->sin_addr.s_addr)
				continue;
			if (pass == 0 && t->t_cfg->tn_peer->pr_addr.s_addr !=
			    remote->sin_addr.s_addr)
				continue;
			if (pass == 1 && t->t_cfg->tn_peer->pr_addr.s_addr !=
			    INADDR_ANY)
				continue;
			if (n < max)
				out[n++] = t;
		}
	return (n);
}

void
v1_tunnel_policies_refresh(struct ike_tunnel *t)
{
	struct isakmp_sa	*sa;
	struct child_sa		*cs;

	if (t->t_ctx->ctx_v1 == NULL)
		return;
	TAILQ_FOREACH(sa, &t->t_ctx->ctx_v1->vc_sas, is_entry)
		if (sa->is_tunnel == t)
			TAILQ_FOREACH(cs, &sa->is_children, cs_entry)
				if (cs->cs_state == CHILD_SA_INSTALLED)
					child_sa_policies_refresh(cs,
					    t->t_ctx->ctx_kernel);
}

int
ikev1_tunnel_initiate(struct ike_tunnel *t, const struct sockaddr_in *local,
    const struct sockaddr_in *remote)
{
	struct isakmp_sa	*sa;
	uint8_t			 exch;

	exch = t->t_cfg->tn_ike.ike_mode == CFG_IKE_AGGRESSIVE ?
	    IKEV1_EXCH_AGGRESSIVE : IKEV1_EXCH_MAIN;
	if ((sa = isakmp_new(t->t_ctx, t, 1, exch, local, remote)) == NULL)
		return (-1);
	if (ikev1_main_start(sa) == -1) {
		isakmp_destroy(sa);
		ike_tunnel_failed(t, 1, "cannot start IKEv1 phase 1");
		return (-1);
	}
	return (0);
}

int
ikev1_tunnel_connected(struct ike_tunnel *t, struct in_addr *peer)
{
	struct isakmp_sa	*sa;
	struct child_sa		*cs;

	if (t->t_ctx->ctx_v1 == NULL)
		return (0);
	TAILQ_FOREACH(sa, &t->t_ctx->ctx_v1->vc_sas, is_entry) {
		if (sa->is_tunnel != t || sa->is_state != ISAKMP_ESTABLISHED)
			continue;
		TAILQ_FOREACH(cs, &sa->is_children, cs_entry)
			if (cs->cs_state == CHILD_SA_INSTALLED) {
				*peer = sa->is_remote.sin_addr;
				return (1);
			}
	}
	return (0);
}

int
ikev1_tunnel_busy(struct ike_tunnel *t)
{
	struct isakmp_sa	*sa;

	if (t->t_ctx->ctx_v1 == NULL)
		return (0);
	TAILQ_FOREACH(sa, &t->t_ctx->ctx_v1->vc_sas, is_entry)
		if (sa->is_tunnel == t && sa->is_state != ISAKMP_DEAD)
			return (1);
	return (0);
}

struct isakmp_sa *
ikev1_tunnel_sa(struct ike_tunnel *t)
{
	struct isakmp_sa	*sa, *newest = NULL;

	if (t->t_ctx->ctx_v1 == NULL)
		return (NULL);
	TAILQ_FOREACH(sa, &t->t_ctx->ctx_v1->vc_sas, is_entry)
		if (sa->is_tunnel == t && sa->is_state == ISAKMP_ESTABLISHED &&
		    !sa->is_replaced)
			newest = sa;
	return (newest);
}

void
ikev1_tunnel_teardown(struct ike_tunnel *t)
{
	struct isakmp_sa	*sa, *next;

	if (t->t_ctx->ctx_v1 == NULL)
		return;
	for (sa = TAILQ_FIRST(&t->t_ctx->ctx_v1->vc_sas); sa != NULL;
	    sa = next) {
		next = TAILQ_NEXT(sa, is_entry);
		if (sa->is_tunnel != t)
			continue;
		if (sa->is_state == ISAKMP_ESTABLISHED)
			ikev1_info_delete_isakmp(sa);
		sa->is_tunnel = NULL;	/* no failure accounting */
		isakmp_destroy(sa);
	}
}

void
ikev1_status(struct ike_tunnel *t, struct tunnel_status *st)
{
	struct isakmp_sa	*sa = ikev1_tunnel_sa(t);
	struct child_sa		*cs;

	st->ts_ike_version = 1;
	if (t->t_cfg->tn_ike.ike_mode == CFG_IKE_AGGRESSIVE)
		snprintf(st->ts_warning, sizeof(st->ts_warning), "%s",
		    ikev1_aggr_warning());
	if (sa == NULL)
		return;
	st->ts_remote = sa->is_remote.sin_addr;
	snprintf(st->ts_ike_algs, sizeof(st->ts_ike_algs), "%s/%s/%s/%s",
	    crypto_encr_name(sa->is_encr, sa->is_encr_bits),
	    crypto_integ_name(sa->is_integ), crypto_prf_name(sa->is_prf),
	    crypto_dh_name(sa->is_group));
	memcpy(st->ts_spi_i, sa->is_cky_i, 8);
	memcpy(st->ts_spi_r, sa->is_cky_r, 8);
	st->ts_established = sa->is_established;
	TAILQ_FOREACH(cs, &sa->is_children, cs_entry) {
		if (cs->cs_state != CHILD_SA_INSTALLED ||
		    st->ts_nchild >= IKE_STATUS_MAX_CHILD)
			continue;
		ike_status_child(t->t_ctx, cs, &st->ts_child[st->ts_nchild++]);
	}
}

void
ikev1_shutdown(struct ike_ctx *ctx)
{
	struct isakmp_sa	*sa;

	if (ctx->ctx_v1 == NULL)
		return;
	while ((sa = TAILQ_FIRST(&ctx->ctx_v1->vc_sas)) != NULL) {
		if (sa->is_state == ISAKMP_ESTABLISHED)
			ikev1_info_delete_isakmp(sa);
		sa->is_tunnel = NULL;
		isakmp_destroy(sa);
	}
}

void
ikev1_free(struct ike_ctx *ctx)
{
	struct isakmp_sa	*sa;

	if (ctx->ctx_v1 == NULL)
		return;
	while ((sa = TAILQ_FIRST(&ctx->ctx_v1->vc_sas)) != NULL) {
		sa->is_tunnel = NULL;
		isakmp_destroy(sa);
	}
	if (ctx->ctx_v1->vc_flood_ev != NULL)
		event_free(ctx->ctx_v1->vc_flood_ev);
	free(ctx->ctx_v1->vc_hash);
	free(ctx->ctx_v1);
	ctx->ctx_v1 = NULL;
}

/* --- receiving --- */

static struct isakmp_sa *
isakmp_lookup(struct ike_ctx *ctx, const struct ikev1_hdr *h,
    const struct sockaddr_in *remote)
{
	static const uint8_t	 zero[8];
	struct isakmp_sa	*sa;

	if (ctx->ctx_v1 == NULL)
		return (NULL);
	/* the chain of this initiator cookie, oldest SA first */
	for (sa = isakmp_hash_first(ctx->ctx_v1, h->h_icookie); sa != NULL;
	    sa = TAILQ_NEXT(sa, is_hentry)) {
		if (sa->is_state == ISAKMP_DEAD ||
		    memcmp(sa->is_cky_i, h->h_icookie, 8) != 0)
			continue;
		if (memcmp(sa->is_cky_r, h->h_rcookie, 8) == 0)
			return (sa);
		/* initiator: the responder's first answer names its cookie */
		if (sa->is_initiator && memcmp(sa->is_cky_r, zero, 8) == 0 &&
		    h->h_msgid == 0)
			return (sa);
		/* responder: the initiator retransmits its first message */
		if (!sa->is_initiator && memcmp(h->h_rcookie, zero, 8) == 0 &&
		    sa->is_remote.sin_addr.s_addr ==
		    remote->sin_addr.s_addr)
			return (sa);
	}
	return (NULL);
}

/* Phase 1 message (M-ID 0) for sa. */
static void
ikev1_recv_phase1(struct isakmp_sa *sa, const uint8_t *pkt, size_t len,
    struct ikev1_msg *m)
{
	struct buf	*out = NULL;
	uint8_t		 iv[CRYPTO_MAX_BLOCK];

	if (v1_xmit_dup(sa, &sa->is_x, pkt, len))
		return;
	if (m->m_hdr.h_flags & IKEV1_FLAG_ENC) {
		if (!sa->is_keys_ok || (out = buf_new(len)) == NULL) {
			log_tdebug(isakmp_name(sa), "encrypted phase 1 message "
			    "before the keys: dropped");
			sa->is_ctx->ctx_counters.ic_dropped++;
			goto done;
		}
		memcpy(iv, sa->is_iv, sizeof(iv));
		if (ikev1_msg_open(pkt, len, sa->is_encr, sa->is_keys.k_enc,
		    sa->is_keys.k_enc_len, iv, out, m) == -1) {
			ikev1_main_bad(sa);
			goto done;
		}
		/*
		 * Once established, is_iv is the last phase 1 block that every
		 * phase 2 IV starts from (RFC 2409 Appendix B): a stray phase
		 * 1 message (dropped below) must not move it.
		 */
		if (sa->is_state != ISAKMP_ESTABLISHED)
			memcpy(sa->is_iv, iv, sizeof(iv));
	}
	ikev1_main_recv(sa, m, pkt, len);
done:
	buf_free(out);
}

static void
ikev1_recv_sa(struct isakmp_sa *sa, const uint8_t *pkt, size_t len,
    struct ikev1_msg *m)
{
	const struct ikev1_hdr	*h = &m->m_hdr;
	struct ikev1_qm		*qm;

	if (h->h_exchange == sa->is_exchange && h->h_msgid == 0) {
		ikev1_recv_phase1(sa, pkt, len, m);
		return;
	}
	if (sa->is_state != ISAKMP_ESTABLISHED) {
		if (h->h_exchange == IKEV1_EXCH_INFORMATIONAL) {
			ikev1_main_info(sa, m);
			return;
		}
		log_tdebug(isakmp_name(sa), "%s %08x in state %s dropped",
		    ikev1_exchange_name(h->h_exchange), h->h_msgid,
		    isakmp_state_name(sa->is_state));
		sa->is_ctx->ctx_v1->vc_wrong_state++;
		sa->is_ctx->ctx_counters.ic_dropped++;
		return;
	}
	if (!(h->h_flags & IKEV1_FLAG_ENC)) {
		if (h->h_exchange == IKEV1_EXCH_INFORMATIONAL)
			ikev1_info_plain(sa->is_ctx, m);
		else {
			log_tdebug(isakmp_name(sa), "unencrypted %s after "
			    "phase 1 dropped", ikev1_exchange_name(
			    h->h_exchange));
			sa->is_ctx->ctx_counters.ic_dropped++;
		}
		return;
	}
	switch (h->h_exchange) {
	case IKEV1_EXCH_QUICK:
		if (h->h_msgid == 0) {
			sa->is_ctx->ctx_counters.ic_malformed++;
			return;
		}
		if ((qm = ikev1_qm_find(sa, h->h_msgid)) != NULL &&
		    v1_xmit_dup(sa, &qm->qm_x, pkt, len))
			return;
		ikev1_quick_recv(sa, pkt, len);
		break;
	case IKEV1_EXCH_INFORMATIONAL:
		ikev1_info_recv(sa, pkt, len);
		break;
	default:
		log_tdebug(isakmp_name(sa), "unsupported exchange %s dropped",
		    ikev1_exchange_name(h->h_exchange));
		sa->is_ctx->ctx_counters.ic_dropped++;
		break;
	}
}

void
ikev1_recv(struct ike_ctx *ctx, const uint8_t *pkt, size_t len,
    const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
	static const uint8_t	 zero[8];
	struct ikev1_msg	*m;
	struct isakmp_sa	*sa;
	const struct ikev1_hdr	*h;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return;
	h = &m->m_hdr;
	/* an E-flagged message: only the header is parsed here */
	if (ikev1_msg_parse(pkt, len, m) == -1) {
		log_debug("malformed IKEv1 datagram (%zu bytes) from %s "
		    "dropped", len, inet_ntoa(remote->sin_addr));
		ctx->ctx_counters.ic_malformed++;
		goto done;
	}
	if (!(h->h_flags & IKEV1_FLAG_ENC))
		v1_msg_log(NULL, "received", m);
	else
		log_debug("received %s %08x (encrypted, %zu bytes) from %s",
		    ikev1_exchange_name(h->h_exchange), h->h_msgid, len,
		    inet_ntoa(remote->sin_addr));
	if ((sa = isakmp_lookup(ctx, h, remote)) != NULL) {
		v1_natt_recv(sa, local, remote);
		ikev1_recv_sa(sa, pkt, len, m);
	} else if ((h->h_exchange == IKEV1_EXCH_MAIN ||
	    h->h_exchange == IKEV1_EXCH_AGGRESSIVE) && h->h_msgid == 0 &&
	    memcmp(h->h_rcookie, zero, 8) == 0 &&
	    !(h->h_flags & IKEV1_FLAG_ENC)) {
		ikev1_main_first(ctx, pkt, len, m, local, remote);
	} else if (h->h_exchange == IKEV1_EXCH_INFORMATIONAL &&
	    !(h->h_flags & IKEV1_FLAG_ENC)) {
		ikev1_info_plain(ctx, m);
	} else {
		log_debug("IKEv1 %s %08x with unknown cookies from %s dropped",
		    ikev1_exchange_name(h->h_exchange), h->h_msgid,
		    inet_ntoa(remote->sin_addr));
		ctx->ctx_counters.ic_unknown_spi++;
	}
done:
	free(m);
}

void
v1_xmit_record_in(struct v1_xmit *x, const uint8_t *pkt, size_t len)
{
	buf_free(x->x_in);
	x->x_in = buf_new_data(pkt, len);
	x->x_answers = 0;
}
