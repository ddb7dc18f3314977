/*
 * lifetime.h - when an SA (an IKE SA or a CHILD SA, of either IKE
 * version) is rekeyed, when a failed rekey is tried again and when the SA
 * expires.  Pure arithmetic on a monotonic clock in milliseconds: the
 * caller arms its own timers with the delays returned here.
 */
#ifndef GW_LIFETIME_H
#define GW_LIFETIME_H

#include <stdint.h>

struct sa_lifetime {
	uint64_t	 lt_born_ms;	/* monotonic: when the SA came up */
	uint64_t	 lt_life_ms;	/* whole life: the hard expiry */
	uint64_t	 lt_rekey_ms;	/* after birth: first rekey attempt */
	int		 lt_tries;	/* failed rekey attempts so far */
};

/*
 * Starts a life of life_ms at now; the rekey falls at random between
 * lo_pct and hi_pct (RFC 7296 §2.8.1: peers with equal lifetimes rarely
 * rekey at once) of the life less margin_ms, so that a rekey whose
 * messages are lost still has margin_ms for its retransmissions before
 * the hard expiry (lifetime_margin()).
 */
void		 lifetime_init(struct sa_lifetime *lt, uint64_t now,
		    uint64_t life_ms, unsigned lo_pct, unsigned hi_pct,
		    uint64_t margin_ms);
/* The rekey time alone (ms after birth), as lifetime_init() draws it. */
uint64_t	 lifetime_pick(uint64_t life_ms, unsigned lo_pct,
		    unsigned hi_pct, uint64_t margin_ms);
/*
 * The margin for a request retransmitted after retx_ms, then twice as
 * long each time: room for 3 transmissions (4 * retx_ms), but at most a
 * quarter of the life (short test lifetimes).
 */
uint64_t	 lifetime_margin(uint64_t life_ms, uint64_t retx_ms);
/* Milliseconds from now to the rekey time / to the hard expiry (0 when
 * past). */
uint64_t	 lifetime_rekey_in(const struct sa_lifetime *lt, uint64_t now);
uint64_t	 lifetime_hard_in(const struct sa_lifetime *lt, uint64_t now);
/*
 * A rekey failed or was refused: milliseconds from now to the next try,
 * base_ms doubled at each failure up to max_ms, +-25 % at random, and
 * always before the hard expiry; 0 when no time is left for a try.
 * Counts the failure.
 */
uint64_t	 lifetime_retry_in(struct sa_lifetime *lt, uint64_t now,
		    uint64_t base_ms, uint64_t max_ms);
/* base_ms doubled tries times, at most max_ms, +-25 % at random. */
uint64_t	 lifetime_backoff(int tries, uint64_t base_ms, uint64_t max_ms);
/* The rekey succeeded: the failure count starts again. */
void		 lifetime_rekeyed(struct sa_lifetime *lt);
/*
 * A volume lifetime (bytes or packets of one kernel SA): the soft limit,
 * which starts the rekey, at random between lo_pct and hi_pct of the
 * hard limit (the time lifetime's percentages: two peers, or the SAs of
 * one, rarely reach it at once), at least 1 and below hard when hard >
 * 1.  0 (unlimited) gives 0.
 */
uint64_t	 lifetime_volume_soft(uint64_t hard, unsigned lo_pct,
		    unsigned hi_pct);

#endif
