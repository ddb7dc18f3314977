/*
 * ikev1_half.c - the IKEv1 responder under a flood of (possibly spoofed)
 * first messages: the caps on half-open ISAKMP SAs (in total and per
 * source address), their bounded lifetime, and the count and the
 * rate-limited log (ike_ratelimit.c) of what was dropped.  (The cookie
 * hash that isakmp_lookup uses, the lifetime's restart on each message
 * of the initiator and the end of a half-open SA's count are the SA
 * core's, ikev1_sa.c.)
 *
 * RFC 2408 §2.5.3 leaves denial of service protection to the cookies, but
 * an IKEv1 responder must keep state from message 1 on (the SA payload is
 * in the HASH of message 5), so the state itself is bounded here.  The
 * responder's message 2 is not retransmitted on a timer (ikev1_main.c):
 * every accepted message 1 gets one answer, and another only when the
 * initiator sends its message 1 again.  A message 1 dropped at a limit is
 * remembered a few seconds (v1_dropped_seen): a spoofed source sends it
 * once, a real initiator sends it again, and then it gets in even when
 * the flood keeps the table full of SAs younger than vc_evict_ms.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <stdlib.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <event2/event.h>
#include <openssl/rand.h>

#include "common/log.h"
#include "crypto/crypto.h"
#include "ike/ikev1_sa.h"
#include "policy/config.h"

_Static_assert(IKE_RL_V1_NO_PROPOSAL - IKE_RL_V1_HALF_TOTAL ==
    V1_DROP_NO_PROPOSAL && IKE_RL_V1_NO_TUNNEL - IKE_RL_V1_HALF_TOTAL ==
    V1_DROP_NO_TUNNEL && V1_DROP_MAX == 4,
    "enum v1_drop is in the order of IKE_RL_V1_*");

/* --- half-open responders --- */

static size_t
v1_src_bucket(struct in_addr a)
{
	uint32_t	 x = ntohl(a.s_addr);

	x ^= x >> 16;
	x *= 0x45d9f3bU;
	x ^= x >> 16;
	return (x % IKEV1_SRC_BUCKETS);
}

static unsigned
v1_src_count(const struct ikev1_ctx *vc, struct in_addr a)
{
	const struct isakmp_sa	*sa;
	unsigned		 n = 0;

	LIST_FOREACH(sa, &vc->vc_src[v1_src_bucket(a)], is_sentry)
		if (sa->is_b.b_remote.sin_addr.s_addr == a.s_addr)
			n++;
	return (n);
}

/*
 * A first message dropped: counted, and logged through the rate limit
 * (ike_ratelimit.c): the first drop of a cause at once, the rest in one
 * summary per interval.
 */
void
v1_drop_note(struct ike_ctx *ctx, enum v1_drop why, struct in_addr from)
{
	static const char *const names[V1_DROP_MAX] = {
		[V1_DROP_HALF_TOTAL] = "half-open ISAKMP SA limit reached",
		[V1_DROP_HALF_SOURCE] = "per-source half-open ISAKMP SA "
		    "limit reached",
		[V1_DROP_NO_TUNNEL] = "no tunnel for the peer",
		[V1_DROP_NO_PROPOSAL] = "no acceptable proposal, "
		    "NO-PROPOSAL-CHOSEN sent",
	};
	uint64_t	*c;
	char		 a[INET_ADDRSTRLEN];

	switch (why) {
	case V1_DROP_HALF_TOTAL:
		c = &ctx->ctx_counters.ic_v1_drop_half_total;
		break;
	case V1_DROP_HALF_SOURCE:
		c = &ctx->ctx_counters.ic_v1_drop_half_source;
		break;
	case V1_DROP_NO_PROPOSAL:
		c = &ctx->ctx_counters.ic_v1_drop_no_proposal;
		break;
	default:
		c = &ctx->ctx_counters.ic_v1_drop_no_tunnel;
		break;
	}
	(*c)++;
	ctx->ctx_counters.ic_dropped++;
	inet_ntop(AF_INET, &from, a, sizeof(a));
	log_debug("IKEv1 first message from %s dropped: %s", a, names[why]);
	ike_rl_log(ctx, IKE_RL_V1_HALF_TOTAL + why, from, NULL, "IKEv1 first "
	    "message from %s dropped (%s); more of them are summarised every "
	    "%u s", a, names[why], ike_rl_interval_s(ctx));
}

/* --- first messages dropped at a limit --- */

#define V1_DROPPED_BITS		(1U << 20)	/* per generation, 128 KB */
#define V1_DROPPED_WORDS	(V1_DROPPED_BITS / 64)

static uint64_t
v1_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return (x);
}

static void
v1_dropped_free(struct ikev1_ctx *vc)
{
	free(vc->vc_dropped[0]);
	free(vc->vc_dropped[1]);
	vc->vc_dropped[0] = vc->vc_dropped[1] = NULL;
}

/*
 * 1 if message 1 with this initiator cookie from a was dropped at a limit
 * in the current generation of IKEV1_DROPPED_GEN_MS or the one before
 * (so for 3 to 6 s), else 0, and with add it is remembered.  A filter of
 * two bits per message in 2^20 (keyed: the sender picks the cookie), so a
 * message never seen passes for one seen once in thousands at 3,000 per
 * second; under a heavier flood that rises, and such a message only
 * displaces an SA that never answered, as at a lower rate its
 * retransmission would.  Allocated at the first drop, freed once two
 * generations went by without one.
 */
static int
v1_dropped_seen(struct ikev1_ctx *vc, struct in_addr a,
    const uint8_t *cky, int add)
{
	uint64_t	 now = ike_now_ms(), x, c, *tmp;
	uint32_t	 bit[2];
	int		 g, k, hit;

	if (vc->vc_dropped[0] != NULL &&
	    now - vc->vc_dropped_ms >= IKEV1_DROPPED_GEN_MS) {
		if (now - vc->vc_dropped_ms >= 2 * IKEV1_DROPPED_GEN_MS) {
			v1_dropped_free(vc);	/* nothing left to know */
		} else {
			tmp = vc->vc_dropped[1];
			vc->vc_dropped[1] = vc->vc_dropped[0];
			memset(tmp, 0, V1_DROPPED_WORDS * sizeof(*tmp));
			vc->vc_dropped[0] = tmp;
			vc->vc_dropped_ms = now;
		}
	}
	if (vc->vc_dropped[0] == NULL) {
		if (!add)
			return (0);
		vc->vc_dropped[0] = calloc(V1_DROPPED_WORDS, sizeof(uint64_t));
		vc->vc_dropped[1] = calloc(V1_DROPPED_WORDS, sizeof(uint64_t));
		if (vc->vc_dropped[0] == NULL || vc->vc_dropped[1] == NULL ||
		    RAND_bytes((uint8_t *)vc->vc_dropped_key,
		    sizeof(vc->vc_dropped_key)) != 1) {
			v1_dropped_free(vc);
			return (0);
		}
		vc->vc_dropped_ms = now;
	}
	memcpy(&c, cky, sizeof(c));
	x = v1_mix(v1_mix(c ^ vc->vc_dropped_key[0]) ^ a.s_addr ^
	    vc->vc_dropped_key[1]);
	bit[0] = (uint32_t)(x % V1_DROPPED_BITS);
	bit[1] = (uint32_t)((x >> 32) % V1_DROPPED_BITS);
	for (g = 0; g < 2; g++) {
		hit = 1;
		for (k = 0; k < 2; k++)
			if (((vc->vc_dropped[g][bit[k] / 64] >> (bit[k] % 64)) &
			    1) == 0)
				hit = 0;
		if (hit)
			return (1);
	}
	if (add)
		for (k = 0; k < 2; k++)
			vc->vc_dropped[0][bit[k] / 64] |= 1ULL << (bit[k] % 64);
	return (0);
}

static void
v1_half_give_way(struct ike_ctx *ctx, struct isakmp_sa *sa, uint64_t now)
{
	log_tdebug(isakmp_name(sa), "half-open ISAKMP SA from %s (%llu ms "
	    "old) gives way to a new one",
	    inet_ntoa(sa->is_b.b_remote.sin_addr),
	    (unsigned long long)(now - sa->is_half_ms));
	ctx->ctx_counters.ic_v1_half_evicted++;
	isakmp_destroy(sa);
}

/*
 * The anonymous budget is full: the oldest of the first few SAs that
 * never heard from their initiator again (MM_R2, AM_R2), if it is old
 * enough that a real initiator would have answered (or whatever its age,
 * with force: for a message 1 sent again), gives way.  0 if one did.
 * Every accepted message 1 still gets one answer, and no more.
 */
static int
v1_half_evict(struct ike_ctx *ctx, int force)
{
	struct ikev1_ctx	*vc = ctx->ctx_v1;
	struct isakmp_sa	*sa;
	uint64_t		 now = ike_now_ms();
	int			 n = 0;

	TAILQ_FOREACH(sa, &vc->vc_half_q, is_qentry) {
		if ((!force && now - sa->is_half_ms < vc->vc_evict_ms) ||
		    ++n > 8)
			return (-1);
		if (sa->is_state != ISAKMP_MM_R2 &&
		    sa->is_state != ISAKMP_AM_R2)
			continue;
		v1_half_give_way(ctx, sa, now);
		return (0);
	}
	return (-1);
}

/*
 * The per-source budget of a is full and a message 1 from it came again:
 * the oldest of its SAs that never answered gives way.  0 if one did.
 */
static int
v1_src_evict(struct ike_ctx *ctx, struct in_addr a)
{
	struct isakmp_sa	*sa, *old = NULL;

	LIST_FOREACH(sa, &ctx->ctx_v1->vc_src[v1_src_bucket(a)], is_sentry)
		if (sa->is_b.b_remote.sin_addr.s_addr == a.s_addr &&
		    (sa->is_state == ISAKMP_MM_R2 ||
		    sa->is_state == ISAKMP_AM_R2) &&
		    (old == NULL || sa->is_half_ms < old->is_half_ms))
			old = sa;
	if (old == NULL)
		return (-1);
	v1_half_give_way(ctx, old, ike_now_ms());
	return (0);
}

/* A message 1 dropped before came again and got in. */
static void
v1_half_retried(struct ike_ctx *ctx, struct in_addr a, const char *limit)
{
	ctx->ctx_counters.ic_v1_half_retried++;
	log_debug("IKEv1 first message from %s sent again after a drop (%s): "
	    "admitted", inet_ntoa(a), limit);
}

int
v1_half_admit(struct ike_ctx *ctx, const struct sockaddr_in *remote,
    const uint8_t *icookie, int anon)
{
	struct ikev1_ctx	*vc = ikev1_ctx_get(ctx);
	const struct config	*cfg = ctx->ctx_cfg;
	unsigned		 max, per;

	if (vc == NULL)
		return (-1);
	max = cfg->cfg_v1_half_open_max > 0 ?
	    (unsigned)cfg->cfg_v1_half_open_max : CFG_V1_HALF_OPEN_MAX;
	per = cfg->cfg_v1_half_open_per_source > 0 ?
	    (unsigned)cfg->cfg_v1_half_open_per_source :
	    CFG_V1_HALF_OPEN_PER_SRC;
	if (anon && vc->vc_half_anon >= max && v1_half_evict(ctx, 0) == -1) {
		if (!v1_dropped_seen(vc, remote->sin_addr, icookie, 1) ||
		    v1_half_evict(ctx, 1) == -1) {
			v1_drop_note(ctx, V1_DROP_HALF_TOTAL,
			    remote->sin_addr);
			return (-1);
		}
		v1_half_retried(ctx, remote->sin_addr, "half-open limit");
	}
	if (v1_src_count(vc, remote->sin_addr) >= per) {
		if (!v1_dropped_seen(vc, remote->sin_addr, icookie, 1) ||
		    v1_src_evict(ctx, remote->sin_addr) == -1) {
			v1_drop_note(ctx, V1_DROP_HALF_SOURCE,
			    remote->sin_addr);
			return (-1);
		}
		v1_half_retried(ctx, remote->sin_addr,
		    "per-source half-open limit");
	}
	return (0);
}

/*
 * The half-open lifetime is over.  An SA whose initiator never sent its
 * message 3 (MM_R2, AM_R2) goes quietly: most likely a spoofed source,
 * not a failure of the tunnel.  One that got further failed for real.
 */
static void
v1_half_expire_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct isakmp_sa	*sa = arg;
	char			 ck[17];

	if (!sa->is_halfopen)
		return;
	sa->is_b.b_ctx->ctx_counters.ic_v1_half_expired++;
	if (sa->is_state == ISAKMP_MM_R2 || sa->is_state == ISAKMP_AM_R2 ||
	    sa->is_state == ISAKMP_NEW) {
		hex_encode(sa->is_b.b_spi_i, 8, ck);
		log_tdebug(isakmp_name(sa), "half-open ISAKMP SA %s from %s "
		    "expired in state %s", ck,
		    inet_ntoa(sa->is_b.b_remote.sin_addr),
		    isakmp_state_name(sa->is_state));
		isakmp_destroy(sa);
		return;
	}
	isakmp_fail(sa, "Phase 1 failed: not complete within the half-open "
	    "lifetime (state %s)", isakmp_state_name(sa->is_state));
}

int
v1_half_start(struct isakmp_sa *sa, int anon)
{
	struct ikev1_ctx	*vc = sa->is_b.b_ctx->ctx_v1;
	unsigned		 ms = v1_half_ms(sa);
	struct timeval		 tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;

	if ((sa->is_half_ev = evtimer_new(sa->is_b.b_ctx->ctx_base,
	    v1_half_expire_cb, sa)) == NULL)
		return (-1);
	evtimer_add(sa->is_half_ev, &tv);
	LIST_INSERT_HEAD(&vc->vc_src[v1_src_bucket(sa->is_b.b_remote.sin_addr)],
	    sa, is_sentry);
	sa->is_halfopen = anon ? 2 : 1;
	sa->is_half_ms = ike_now_ms();
	if (++vc->vc_halfopen > vc->vc_half_peak)
		vc->vc_half_peak = vc->vc_halfopen;
	if (anon) {
		vc->vc_half_anon++;
		TAILQ_INSERT_TAIL(&vc->vc_half_q, sa, is_qentry);
	}
	return (0);
}

void
ikev1_half_open_ms_set(struct ike_ctx *ctx, unsigned life_ms,
    unsigned evict_ms)
{
	struct ikev1_ctx	*vc = ikev1_ctx_get(ctx);

	if (vc != NULL) {
		vc->vc_half_ms = life_ms;
		vc->vc_evict_ms = evict_ms;
	}
}

unsigned
ikev1_half_open_count(struct ike_ctx *ctx)
{
	return (ctx->ctx_v1 == NULL ? 0 : ctx->ctx_v1->vc_halfopen);
}

struct dh *
ikev1_half_dh(struct isakmp_sa *sa)
{
	struct ikev1_ctx	*vc = sa->is_b.b_ctx->ctx_v1;
	uint64_t		 now = ike_now_ms();

	if (vc->vc_am_dh == NULL || dh_group(vc->vc_am_dh) != sa->is_group ||
	    now - vc->vc_am_dh_ms >= IKEV1_AM_DH_MS) {
		dh_free(vc->vc_am_dh);
		vc->vc_am_dh_ms = now;
		if ((vc->vc_am_dh = dh_new(sa->is_group)) == NULL)
			return (NULL);
		vc->vc_am_dh_made++;
		sa->is_b.b_ctx->ctx_counters.ic_v1_am_keys++;
	}
	return (dh_share(vc->vc_am_dh));
}
