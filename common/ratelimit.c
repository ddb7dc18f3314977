/*
 * ratelimit.c - one log line per cause per interval, with a count, for
 * what the network can trigger at will (ratelimit.h).
 */
#include <arpa/inet.h>
#include <stddef.h>

#include "common/log.h"
#include "common/ratelimit.h"

int
ratelimit_admit(struct ratelimit *rl, uint64_t now_ms, struct in_addr from)
{
	if (rl->rl_since_ms != 0) {
		rl->rl_count++;
		rl->rl_last = from;
		return (0);
	}
	/* 0 stands for "no interval": a clock at 0 is moved by 1 ms */
	rl->rl_since_ms = now_ms != 0 ? now_ms : 1;
	rl->rl_count = 0;
	rl->rl_logged++;
	return (1);
}

uint64_t
ratelimit_due(const struct ratelimit *rl, unsigned interval_ms)
{
	return (rl->rl_since_ms == 0 ? 0 : rl->rl_since_ms + interval_ms);
}

void
ratelimit_flush(struct ratelimit *rl, const struct ratelimit_cause *c,
    uint64_t now_ms, unsigned interval_ms)
{
	char	 a[INET_ADDRSTRLEN];

	if (rl->rl_since_ms == 0 || now_ms < rl->rl_since_ms + interval_ms)
		return;
	if (rl->rl_count == 0) {
		rl->rl_since_ms = 0;	/* idle: the next one goes at once */
		return;
	}
	inet_ntop(AF_INET, &rl->rl_last, a, sizeof(a));
	log_msg(c->rc_level, NULL, "%llu more %s in the last %u s (%s), the "
	    "last from %s", (unsigned long long)rl->rl_count, c->rc_what,
	    (unsigned)((now_ms - rl->rl_since_ms + 500) / 1000), c->rc_why,
	    a);
	rl->rl_logged++;
	rl->rl_count = 0;
	/* a quiet interval: a flood that goes on, one line each */
	rl->rl_since_ms = now_ms;
}
