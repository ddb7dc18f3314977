/*
 * ike_ratelimit.c - the engine's rate-limited log lines: every INFO or
 * WARN line that a datagram can cause before it is authenticated (an
 * unsolicited first message, a forged notify, a message that does not
 * verify) goes through here, one cause per line kind.  Each cause logs
 * its first occurrence at once and then one summary per interval with
 * the count (common/ratelimit.h); the counters (ike_counters) still count
 * every datagram.  Lines about authenticated messages or our own timers
 * are logged as usual.
 */
#include <stdarg.h>

#include <event2/event.h>

#include "common/log.h"
#include "common/ratelimit.h"
#include "ike/internal.h"

static const struct ratelimit_cause ike_rl_causes[IKE_RL_MAX] = {
	[IKE_RL_V1_HALF_TOTAL] = { "IKEv1 first messages dropped",
	    "half-open ISAKMP SA limit reached", LOG_LVL_INFO },
	[IKE_RL_V1_HALF_SOURCE] = { "IKEv1 first messages dropped",
	    "per-source half-open ISAKMP SA limit reached", LOG_LVL_INFO },
	[IKE_RL_V1_NO_TUNNEL] = { "IKEv1 first messages dropped",
	    "no tunnel for the peer", LOG_LVL_INFO },
	[IKE_RL_V1_NO_PROPOSAL] = { "IKEv1 first messages dropped",
	    "no acceptable proposal, NO-PROPOSAL-CHOSEN sent", LOG_LVL_INFO },
	[IKE_RL_V1_PLAIN_INFO] = { "IKEv1 informationals ignored",
	    "unauthenticated notify or DELETE", LOG_LVL_INFO },
	[IKE_RL_V1_INFO_HASH] = { "IKEv1 informationals ignored",
	    "no valid HASH", LOG_LVL_INFO },
	[IKE_RL_V1_NOT_MM6] = { "IKEv1 messages instead of message 6",
	    "unauthenticated notify", LOG_LVL_INFO },
	[IKE_RL_V1_AGGR] = { "IKEv1 aggressive mode warnings",
	    "aggressive mode with PSK", LOG_LVL_WARN },
	[IKE_RL_V1_NAT] = { "IKEv1 NAT detections",
	    "unauthenticated NAT-D", LOG_LVL_INFO },
	[IKE_RL_V1_PEER_ID] = { "IKEv1 peer IDs refused",
	    "the peer's ID does not match peer-id", LOG_LVL_WARN },
	[IKE_RL_V1_P1_FAILED] = { "IKEv1 phase 1 failures",
	    "caused by an unauthenticated message", LOG_LVL_WARN },
	[IKE_RL_V2_NO_TUNNEL] = { "IKE_SA_INIT requests refused",
	    "no tunnel with this peer", LOG_LVL_INFO },
	[IKE_RL_V2_NO_PROPOSAL] = { "IKE_SA_INIT requests refused",
	    "no acceptable IKE proposal", LOG_LVL_INFO },
	[IKE_RL_V2_INVALID_KE] = { "IKE_SA_INIT requests refused",
	    "KE of another group, INVALID_KE_PAYLOAD sent", LOG_LVL_INFO },
	[IKE_RL_V2_BAD_KE] = { "IKE_SA_INIT messages dropped",
	    "invalid KE payload", LOG_LVL_INFO },
	[IKE_RL_V2_NAT] = { "IKEv2 NAT detections",
	    "unauthenticated NAT-D", LOG_LVL_INFO },
	[IKE_RL_V2_CRITICAL] = { "IKE_SA_INIT responses rejected",
	    "unsupported critical payload", LOG_LVL_INFO },
	[IKE_RL_V2_KE_RETRY] = { "IKE_SA_INIT responses taken",
	    "INVALID_KE_PAYLOAD, unauthenticated", LOG_LVL_INFO },
	[IKE_RL_V2_AUTH_FAILED] = { "IKE_AUTH requests refused",
	    "authentication failed", LOG_LVL_INFO },
	[IKE_RL_V2_AUTH_NO_TUNNEL] = { "IKE_AUTH requests refused",
	    "no tunnel", LOG_LVL_INFO },
	[IKE_RL_V2_HALF_TOTAL] = { "IKE_SA_INIT requests dropped",
	    "half-open IKE SA limit reached", LOG_LVL_INFO },
	[IKE_RL_V2_HALF_SRC] = { "IKE_SA_INIT requests dropped",
	    "half-open IKE SA limit per source reached", LOG_LVL_INFO },
};

static unsigned
ike_rl_interval(const struct ike_ctx *ctx)
{
	return (ctx->ctx_rl_ms != 0 ? ctx->ctx_rl_ms : RATELIMIT_INTERVAL_MS);
}

/* The summaries that are due; then the timer for the next one. */
static void
ike_rl_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ike_ctx	*ctx = arg;
	unsigned	 ms = ike_rl_interval(ctx);
	uint64_t	 now = ike_now_ms(), due, next = 0;
	struct timeval	 tv;
	int		 i;

	for (i = 0; i < IKE_RL_MAX; i++) {
		ratelimit_flush(&ctx->ctx_rl[i], &ike_rl_causes[i], now, ms);
		due = ratelimit_due(&ctx->ctx_rl[i], ms);
		if (due != 0 && (next == 0 || due < next))
			next = due;
	}
	if (next == 0)
		return;
	next = next > now ? next - now : 1;
	tv.tv_sec = next / 1000;
	tv.tv_usec = (next % 1000) * 1000;
	evtimer_add(ctx->ctx_rl_ev, &tv);
}

void
ike_rl_log(struct ike_ctx *ctx, enum ike_rl cause, struct in_addr from,
    const char *tunnel, const char *fmt, ...)
{
	struct ratelimit	*rl = &ctx->ctx_rl[cause];
	unsigned		 ms = ike_rl_interval(ctx);
	struct timeval		 tv = { ms / 1000, (ms % 1000) * 1000 };
	va_list			 ap;

	/* a timer that is pending fires at the earliest due interval,
	 * never later than this one's */
	if (ctx->ctx_rl_ev == NULL && (ctx->ctx_rl_ev = evtimer_new(
	    ctx->ctx_base, ike_rl_cb, ctx)) == NULL)
		return;
	if (!ratelimit_admit(rl, ike_now_ms(), from))
		return;		/* counted: formatted only if logged */
	va_start(ap, fmt);
	log_vmsg(ike_rl_causes[cause].rc_level, tunnel, fmt, ap);
	va_end(ap);
	if (!evtimer_pending(ctx->ctx_rl_ev, NULL))
		evtimer_add(ctx->ctx_rl_ev, &tv);
}

unsigned
ike_rl_interval_s(const struct ike_ctx *ctx)
{
	return ((ike_rl_interval(ctx) + 999) / 1000);
}

uint64_t
ike_rl_logged(const struct ike_ctx *ctx, enum ike_rl cause)
{
	return (ctx->ctx_rl[cause].rl_logged);
}

void
ike_ctx_log_interval_set(struct ike_ctx *ctx, unsigned ms)
{
	ctx->ctx_rl_ms = ms;
}

void
ike_rl_free(struct ike_ctx *ctx)
{
	if (ctx->ctx_rl_ev != NULL)
		event_free(ctx->ctx_rl_ev);
	ctx->ctx_rl_ev = NULL;
}
