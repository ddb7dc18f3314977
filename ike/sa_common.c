/*
 * sa_base.c - what the IKE SAs of both versions share (sa_base.h): the
 * engine's one list of them, NAT keepalives and following, and the
 * questions about a tunnel or a peer identity that do not depend on the
 * version (INITIAL_CONTACT in particular: RFC 7296 §2.4 and RFC 2407
 * §4.6.3.3 speak of every SA with the peer, whatever its IKE version).
 */
#include <sys/queue.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/rand.h>

#include "common/buf.h"
#include "common/log.h"
#include "ike/internal.h"
#include "ike/sa_base.h"
#include "ipsec/child_sa.h"

void
ike_sa_base_link(struct ike_ctx *ctx, struct ike_sa_base *b,
    const struct ike_sa_ops *ops)
{
	b->b_ctx = ctx;
	b->b_ops = ops;
	b->b_begin_seq = ++ctx->ctx_sa_seq;
	if (b->b_initiator && ctx->ctx_pace_opening)
		b->b_opening = 1;	/* ike_tunnel_initiate's */
	TAILQ_INSERT_TAIL(&ctx->ctx_all, b, b_entry);
	ike_sa_base_tunnel_link(b);
}

void
ike_sa_base_up(struct ike_sa_base *b)
{
	b->b_established = time(NULL);
	if (b->b_up_seq == 0)
		b->b_up_seq = ++b->b_ctx->ctx_sa_seq;
	if (b->b_opening)
		ike_pace_kick(b->b_ctx);	/* a half-open slot is free */
}

/* The address that initiated b, host order. */
static uint32_t
ike_sa_base_initiator_addr(const struct ike_sa_base *b)
{
	return (ntohl(b->b_initiator ? b->b_local.sin_addr.s_addr :
	    b->b_remote.sin_addr.s_addr));
}

/*
 * Replaced: sa began after o was established (a re-authentication,
 * whoever started it, or a peer that restarted without INITIAL_CONTACT),
 * or the same side initiated both (the newer one is the one in use).
 * Both sides see the same order, a message passes in between, unlike an
 * age threshold.  Otherwise each began before the other was up: a
 * simultaneous initiation, and both sides keep the SA whose initiator
 * has the lower address.
 */
enum ike_dup
ike_sa_base_duplicate(const struct ike_sa_base *sa,
    const struct ike_sa_base *o)
{
	uint32_t	 a = ike_sa_base_initiator_addr(sa);
	uint32_t	 b = ike_sa_base_initiator_addr(o);

	if (o->b_up_seq < sa->b_begin_seq || a == b)
		return (IKE_DUP_REPLACES);
	return (a < b ? IKE_DUP_WINS : IKE_DUP_LOSES);
}

void
ike_sa_base_unlink(struct ike_sa_base *b)
{
	ike_ha_ike_delete(b);	/* the standby's copy goes with it */
	ike_sa_hash_remove(b);
	ike_sa_base_tunnel_unlink(b);
	TAILQ_REMOVE(&b->b_ctx->ctx_all, b, b_entry);
	if (b->b_opening)
		ike_pace_kick(b->b_ctx);	/* a half-open slot is free */
}

int
ike_sa_base_retire_begin(struct ike_sa_base *b)
{
	if (b->b_ctx->ctx_stats_held)
		return (0);
	return (child_sa_list_retire_begin(&b->b_children,
	    b->b_ctx->ctx_kernel));
}

void
ike_sa_base_retire_end(struct ike_sa_base *b, int snap)
{
	child_sa_retire_end(b->b_ctx->ctx_kernel, snap);
}

/* --- the tables by initiator SPI --- */

#define IKE_SA_HASH_MIN	64	/* chains of the first table */

uint64_t
ike_hash_mix(const uint64_t key[2], uint64_t x)
{
	x ^= key[0];
	x ^= x >> 31;
	x *= 0x7fb5d329728ea185ULL;
	x ^= x >> 27;
	x *= 0x81dadef4bc2dd44dULL;
	x ^= x >> 33;
	x += key[1];
	x ^= x >> 29;
	return (x);
}

/* A keyed mix of the 8 SPI bytes (the peer chooses them). */
static size_t
ike_sa_hash_slot(const struct ike_sa_hash *h, const uint8_t *spi)
{
	uint64_t	 x;

	memcpy(&x, spi, sizeof(x));
	return ((size_t)ike_hash_mix(h->sh_key, x) & (h->sh_size - 1));
}

struct ike_sa_base_list *
ike_hash_chains_new(size_t size, uint64_t key[2])
{
	struct ike_sa_base_list	*nc;
	size_t			 i;

	if ((nc = calloc(size, sizeof(*nc))) == NULL)
		return (NULL);
	for (i = 0; i < size; i++)
		TAILQ_INIT(&nc[i]);
	if (key != NULL && RAND_bytes((uint8_t *)key,
	    2 * sizeof(key[0])) != 1) {
		free(nc);
		return (NULL);
	}
	return (nc);
}

/* Doubles the table (the first one: its key too).  0, or -1 only for
 * the first: a bigger one that cannot be had leaves longer chains. */
static int
ike_sa_hash_grow(struct ike_sa_hash *h)
{
	struct ike_sa_base_list	*old = h->sh_chain, *nc;
	struct ike_sa_base	*b;
	size_t			 i, oldsize = h->sh_size, size;

	size = oldsize == 0 ? IKE_SA_HASH_MIN : oldsize * 2;
	if ((nc = ike_hash_chains_new(size, oldsize == 0 ? h->sh_key :
	    NULL)) == NULL)
		return (oldsize == 0 ? -1 : 0);
	h->sh_chain = nc;
	h->sh_size = size;
	for (i = 0; i < oldsize; i++)
		while ((b = TAILQ_FIRST(&old[i])) != NULL) {
			/* in order: the oldest SA of an SPI stays first */
			TAILQ_REMOVE(&old[i], b, b_hentry);
			TAILQ_INSERT_TAIL(&nc[ike_sa_hash_slot(h, b->b_spi_i)],
			    b, b_hentry);
		}
	free(old);
	return (0);
}

int
ike_sa_hash_insert(struct ike_sa_hash *h, struct ike_sa_base *b)
{
	ike_sa_hash_remove(b);
	if ((h->sh_size == 0 || h->sh_n >= h->sh_size) &&
	    ike_sa_hash_grow(h) == -1)
		return (-1);
	TAILQ_INSERT_TAIL(&h->sh_chain[ike_sa_hash_slot(h, b->b_spi_i)], b,
	    b_hentry);
	b->b_hash = h;
	h->sh_n++;
	return (0);
}

void
ike_sa_hash_remove(struct ike_sa_base *b)
{
	struct ike_sa_hash	*h = b->b_hash;

	if (h == NULL)
		return;
	TAILQ_REMOVE(&h->sh_chain[ike_sa_hash_slot(h, b->b_spi_i)], b,
	    b_hentry);
	b->b_hash = NULL;
	h->sh_n--;
}

struct ike_sa_base *
ike_sa_hash_first(const struct ike_sa_hash *h, const uint8_t *spi_i)
{
	if (h->sh_size == 0)
		return (NULL);
	return (TAILQ_FIRST(&h->sh_chain[ike_sa_hash_slot(h, spi_i)]));
}

void
ike_sa_hash_free(struct ike_sa_hash *h)
{
	free(h->sh_chain);
	memset(h, 0, sizeof(*h));
}

void
ike_sa_base_free(struct ike_sa_base *b)
{
	if (b->b_natt_ka_ev != NULL) {
		event_free(b->b_natt_ka_ev);
		b->b_natt_ka_ev = NULL;
	}
}

const char *
ike_sa_base_name(const struct ike_sa_base *b)
{
	return (b->b_tunnel != NULL ? ike_tunnel_name(b->b_tunnel) : NULL);
}

/* Neither our DELETE out nor gone. */
static int
ike_sa_base_alive(const struct ike_sa_base *b)
{
	return (ike_sa_base_phase(b) < IKE_PHASE_GOING);
}

/* RFC 3948 §2.3: one 0xFF octet, never an IKE or ESP packet. */
static void
ike_sa_base_keepalive_cb(evutil_socket_t fd, short ev, void *arg)
{
	static const uint8_t	 ka = 0xff;
	struct ike_sa_base	*b = arg;
	struct timeval		 tv = { IKE_NATT_KEEPALIVE_S, 0 };
	struct buf		*pkt;

	(void)fd;
	(void)ev;
	if (!ike_sa_base_alive(b))
		return;
	if ((pkt = buf_new_data(&ka, 1)) != NULL) {
		ike_net_send(b->b_ctx, pkt, &b->b_local, &b->b_remote,
		    ike_sa_base_name(b));
		buf_free(pkt);
	}
	evtimer_add(b->b_natt_ka_ev, &tv);
}

void
ike_sa_base_keepalive_start(struct ike_sa_base *b)
{
	struct timeval	 tv = { IKE_NATT_KEEPALIVE_S, 0 };

	if (!b->b_nat_local || b->b_natt_ka_ev != NULL)
		return;
	if ((b->b_natt_ka_ev = evtimer_new(b->b_ctx->ctx_base,
	    ike_sa_base_keepalive_cb, b)) == NULL) {
		log_tinfo(ike_sa_base_name(b), "no NAT keepalive timer: "
		    "out of memory");
		return;
	}
	log_tdebug(ike_sa_base_name(b), "behind a NAT: keepalive every %d s",
	    IKE_NATT_KEEPALIVE_S);
	evtimer_add(b->b_natt_ka_ev, &tv);
}

int
ike_sa_base_children_follow(struct ike_sa_base *b)
{
	struct child_sa	*cs;
	int		 n = 0;

	TAILQ_FOREACH(cs, &b->b_children, cs_entry)
		if (child_sa_move(cs, b->b_ctx->ctx_kernel,
		    b->b_remote.sin_addr, ntohs(b->b_remote.sin_port)) == 1)
			n++;
	return (n);
}

/* The identity of an SA: authenticated, or its tunnel's. */
static int
ike_sa_base_ident_is(const struct ike_sa_base *b,
    const struct ike_peer_ident *pi)
{
	struct ike_peer_ident	 tp;

	if (b->b_peer_ident.pi_type != 0)
		return (ike_peer_ident_eq(&b->b_peer_ident, pi));
	if (b->b_tunnel == NULL)
		return (0);
	ike_tunnel_peer_ident(b->b_tunnel, &tp);
	return (ike_peer_ident_eq(&tp, pi));
}

static int
ike_sas_ident_busy(struct ike_ctx *ctx, const struct ike_peer_ident *pi,
    const struct ike_sa_base *self)
{
	struct ike_sa_base	*b;

	TAILQ_FOREACH(b, &ctx->ctx_all, b_entry)
		if (b != self && ike_sa_base_alive(b) &&
		    ike_sa_base_ident_is(b, pi))
			return (1);
	return (0);
}

static int
ike_sas_ident_drop(struct ike_ctx *ctx, const struct ike_peer_ident *pi,
    const struct ike_sa_base *self)
{
	struct ike_sa_base	*b;
	struct ike_tunnel	*t, *mine;
	enum ike_sa_phase	 ph;
	int			 n = 0;

	mine = self != NULL ? self->b_tunnel : NULL;
again:
	TAILQ_FOREACH(b, &ctx->ctx_all, b_entry) {
		if (b == self)
			continue;
		ph = ike_sa_base_phase(b);
		if ((ph != IKE_PHASE_UP && ph != IKE_PHASE_REPLACED) ||
		    !ike_sa_base_ident_is(b, pi) ||
		    (b->b_ops->so_ic_keep != NULL && b->b_ops->so_ic_keep(b)))
			continue;
		ike_event(ctx, ike_sa_base_name(b), "initial-contact", "from "
		    "the same peer identity: removing the stale %s",
		    b->b_ops->so_kind);
		t = b->b_tunnel;
		b->b_ops->so_drop(b);
		n++;
		if (t != NULL && t != mine)
			ike_tunnel_sa_gone(t, 0);
		/* dropping one may free others (a rekey under way): rescan */
		goto again;
	}
	return (n);
}

int
ike_initial_contact_ok(struct ike_ctx *ctx, const struct ike_tunnel *t,
    const struct ike_sa_base *self)
{
	struct ike_peer_ident	 pi;

	ike_tunnel_peer_ident(t, &pi);
	return (pi.pi_type != 0 && !ike_sas_ident_busy(ctx, &pi, self));
}

void
ike_initial_contact_recv(struct ike_ctx *ctx, const struct ike_peer_ident *pi,
    const struct ike_sa_base *self)
{
	struct ike_sa_base	*b;
	struct child_sa		*cs;

	if (pi->pi_type == 0 || ike_sas_ident_drop(ctx, pi, self) == 0)
		return;
	/* the stale SAs' policies had our new CHILD SAs' selectors */
	TAILQ_FOREACH(b, &ctx->ctx_all, b_entry)
		if (ike_sa_base_phase(b) == IKE_PHASE_UP)
			TAILQ_FOREACH(cs, &b->b_children, cs_entry)
				if (cs->cs_state == CHILD_SA_INSTALLED)
					child_sa_policies_refresh(cs,
					    ctx->ctx_kernel);
}

/* --- dead peer detection --- */

/*
 * DPD's look at b: inbound ESP bytes of its children since the last look
 * are a sign of life at the time the kernel saw them, which moves
 * b_last_rx_ms.  Returns the ms to wait before the next look while the
 * peer has been quiet for less than delay (often enough that a dead peer
 * is found within delay + timeout of its last packet, give or take
 * delay / 4), 0 when it is time to probe.  *esp: 1 if there was traffic.
 *
 * An IKE SA with IKE_DPD_LOOK_MAX inbound CHILD SAs or more (a per-pair
 * tunnel of many segments) does not look: reading their counters four
 * times per delay costs more than the one exchange a probe is (issue 11:
 * 8,000 CHILD SAs under 20 IKE SAs, a dump of 16,000 SAs every 2 s,
 * 1.6% of the lab VM's CPU idle).  It probes whenever no IKE message
 * came from the peer for delay, whether ESP flows or not, as Cisco's
 * periodic DPD does; a dead peer is found within delay + timeout.
 */
#define IKE_DPD_LOOK_MAX	CHILD_SA_STATS_DUMP

/*
 * When both ends probe after the same delay, their probes cross: each
 * side's request arrives just as the other's timer fires, and every
 * idle IKE SA costs two exchanges per delay instead of one (issue 11:
 * idle CPU).  The side that responded to the IKE SA's set-up therefore
 * waits this much longer (an eighth of the delay, at most 1 s), so that
 * the initiator's probe arrives first and counts as heard; if the
 * initiator does not probe (no DPD there), the responder still probes
 * after delay + this.
 */
#define IKE_DPD_YIELD_MAX_MS	1000

static unsigned
ike_dpd_yield_ms(const struct ike_sa_base *sb, unsigned delay)
{
	if (sb->b_initiator)
		return (0);
	return (delay / 8 < IKE_DPD_YIELD_MAX_MS ? delay / 8 :
	    IKE_DPD_YIELD_MAX_MS);
}

static uint64_t
ike_dpd_look(struct ike_sa_base *sb, uint64_t now, unsigned delay, int *esp)
{
	uint64_t	 b, use, last, idle;

	*esp = 0;
	delay += ike_dpd_yield_ms(sb, delay);
	if (child_sa_list_count_in(&sb->b_children) >= IKE_DPD_LOOK_MAX) {
		idle = now > sb->b_last_rx_ms ? now - sb->b_last_rx_ms : 0;
		return (idle >= delay ? 0 : delay - idle);
	}
	/* fewer than IKE_DPD_LOOK_MAX: a request per inbound SA */
	if ((b = child_sa_list_inbound(&sb->b_children,
	    sb->b_ctx->ctx_kernel, &use)) != sb->b_dpd_bytes) {
		sb->b_dpd_bytes = b;
		*esp = 1;
		/* when the traffic came, not when we looked */
		last = ike_last_use_ms(now, use);
		if (last > sb->b_last_rx_ms)
			sb->b_last_rx_ms = last;
	}
	idle = now > sb->b_last_rx_ms ? now - sb->b_last_rx_ms : 0;
	if (idle >= delay)
		return (0);
	/* traffic is seen when we look (the kernel keeps no last-use time
	 * of inbound SAs) */
	return (delay - idle < delay / 4 + 1 ? delay - idle : delay / 4 + 1);
}

static void
ike_sa_dpd_arm(struct ike_sa_base *b, uint64_t ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(b->b_dpd_ev, &tv);
}

void
ike_sa_heard(struct ike_sa_base *b)
{
	unsigned	 delay;

	b->b_last_rx_ms = ike_now_ms();
	if (!b->b_dpd_out)
		return;
	/* our probe is answered: the next look after a full delay, not
	 * when the timer set for the timeout fires (IKEv2 arms it so), or
	 * the peer's own probe comes first and both sides probe in turn */
	b->b_dpd_out = 0;
	delay = ike_dpd_delay_ms(b->b_ctx, b->b_tunnel);
	if (delay != 0 && b->b_dpd_ev != NULL)
		ike_sa_dpd_arm(b, delay + ike_dpd_yield_ms(b, delay));
}

void
ike_sa_dpd_start(struct ike_sa_base *b)
{
	b->b_dpd_out = 0;
	if (!b->b_ops->so_dpd_on(b)) {
		evtimer_del(b->b_dpd_ev);
		return;
	}
	/* see ike_dpd_look */
	ike_sa_dpd_arm(b, ike_dpd_delay_ms(b->b_ctx, b->b_tunnel) / 4 + 1);
}

/*
 * No answer: the verdict (counted, logged with the probe that went
 * unanswered, the tunnel's error and, with dpd-action hold, its CHILD
 * SAs' policies kept), then the SA goes and dpd-action applies.
 */
static void
ike_sa_dpd_dead(struct ike_sa_base *b, unsigned timeout)
{
	struct ike_ctx		*ctx = b->b_ctx;
	struct ike_tunnel	*t = b->b_tunnel;
	char			 a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &b->b_remote.sin_addr, a, sizeof(a));
	ctx->ctx_counters.ic_dpd_missed++;
	ike_event(ctx, ike_sa_base_name(b), "dpd", "no answer to %s within "
	    "%u ms: peer %s is dead", b->b_ops->so_probe, timeout, a);
	if (t != NULL) {
		ike_tunnel_error(t, "peer dead: no answer to DPD");
		ike_tunnel_dead_hold(t, &b->b_children);
	}
	ike_sa_base_tunnel_set(b, NULL);
	b->b_ops->so_destroy(b);
	if (t != NULL)
		ike_tunnel_peer_dead(t);
}

void
ike_sa_dpd_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ike_sa_base	*b = arg;
	struct ike_ctx		*ctx = b->b_ctx;
	uint64_t		 now = ike_now_ms(), next, step;
	unsigned		 delay = ike_dpd_delay_ms(ctx, b->b_tunnel);
	unsigned		 timeout = ike_dpd_timeout_ms(ctx, b->b_tunnel);
	int			 esp;

	(void)fd;
	(void)ev;
	if (delay == 0 || !b->b_ops->so_dpd_on(b))
		return;
	next = ike_dpd_look(b, now, delay, &esp);
	if (esp)
		b->b_dpd_out = 0;	/* ESP from the peer answers for it */
	if ((step = timeout / IKE_DPD_TRIES) == 0)
		step = 1;
	if (b->b_dpd_out) {
		if (now >= b->b_dpd_deadline_ms) {
			ike_sa_dpd_dead(b, timeout);
			return;
		}
		next = b->b_dpd_deadline_ms - now;
		if (b->b_ops->so_dpd_resend) {
			(void)b->b_ops->so_dpd_probe(b, 1);
			if (next > step)
				next = step;
		}
		ike_sa_dpd_arm(b, next);
		return;
	}
	if (next != 0) {
		ike_sa_dpd_arm(b, next);
		return;
	}
	/* before sending: IKEv2 paces the request's retransmission by it */
	b->b_dpd_out = 1;
	b->b_dpd_deadline_ms = now + timeout;
	if (b->b_ops->so_dpd_probe(b, 0) != 0) {
		b->b_dpd_out = 0;
		ike_sa_dpd_arm(b, delay);
		return;
	}
	log_tdebug(ike_sa_base_name(b), "nothing from the peer for %llu ms: "
	    "%s sent", (unsigned long long)(now - b->b_last_rx_ms),
	    b->b_ops->so_probe);
	ctx->ctx_counters.ic_dpd_sent++;
	ike_sa_dpd_arm(b, b->b_ops->so_dpd_resend ? step : timeout);
}
