/*
 * ratelimit.h - log lines that anyone on the network can cause at will
 * (unsolicited or unauthenticated datagrams), limited per cause: the
 * first of an interval is logged at once, the others are counted and
 * summarised in one line at the end of the interval.  No clock and no
 * timer of its own: the caller passes the time and calls
 * ratelimit_flush() when ratelimit_due() says so.
 */
#ifndef GW_RATELIMIT_H
#define GW_RATELIMIT_H

#include <netinet/in.h>
#include <stdint.h>

#define RATELIMIT_INTERVAL_MS	10000	/* README.md, gatewayd.8 */

/* One cause: what its summary says, and the level of its lines. */
struct ratelimit_cause {
	const char	*rc_what;	/* "first messages dropped" */
	const char	*rc_why;	/* "no tunnel for the peer" */
	int		 rc_level;	/* LOG_LVL_* */
};

/* The state of one cause; all zero: idle. */
struct ratelimit {
	uint64_t	 rl_since_ms;	/* the open interval's start, 0: none */
	uint64_t	 rl_count;	/* occurrences not logged in it */
	uint64_t	 rl_logged;	/* lines written, summaries included */
	struct in_addr	 rl_last;	/* the source of the last one counted */
};

/*
 * An occurrence from from at now_ms: 1 if it opens an interval and is to
 * be logged at once (the caller logs it, at the cause's level), 0 if it
 * is counted for the summary.  The caller's timer then calls
 * ratelimit_flush() at ratelimit_due().
 */
int	ratelimit_admit(struct ratelimit *rl, uint64_t now_ms,
	    struct in_addr from);
/* When rl's open interval ends; 0: none is open. */
uint64_t ratelimit_due(const struct ratelimit *rl, unsigned interval_ms);
/*
 * Ends rl's interval if it is over at now_ms: "N more WHAT in the last S s
 * (WHY), the last from ADDR" if any were counted, and then a quiet
 * interval opens (a flood that goes on gives one line per interval);
 * with none counted, the next occurrence is logged at once again.
 */
void	ratelimit_flush(struct ratelimit *rl, const struct ratelimit_cause *c,
	    uint64_t now_ms, unsigned interval_ms);

#endif
