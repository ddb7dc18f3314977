/*
 * lifetime.c - rekey time with jitter, retry backoff and hard expiry of
 * an SA (see lifetime.h).
 */
#include <stdint.h>
#include <string.h>

#include <openssl/rand.h>

#include "ipsec/lifetime.h"

/* Uniform in [0, n] (n < 2^32), from the CSPRNG. */
static uint64_t
lifetime_random(uint64_t n)
{
	uint32_t	 r = 0;

	if (n == 0)
		return (0);
	(void)RAND_bytes((uint8_t *)&r, sizeof(r));
	return ((uint64_t)r % (n + 1));
}

uint64_t
lifetime_margin(uint64_t life_ms, uint64_t retx_ms)
{
	uint64_t	 m = 4 * retx_ms;

	return (m > life_ms / 4 ? life_ms / 4 : m);
}

uint64_t
lifetime_pick(uint64_t life_ms, unsigned lo_pct, unsigned hi_pct,
    uint64_t margin_ms)
{
	uint64_t	 lo, hi, base;

	if (hi_pct > 100)
		hi_pct = 100;
	if (lo_pct > hi_pct)
		lo_pct = hi_pct;
	base = margin_ms < life_ms ? life_ms - margin_ms : 0;
	lo = base * lo_pct / 100;
	hi = base * hi_pct / 100;
	return (lo + lifetime_random(hi - lo > UINT32_MAX ? UINT32_MAX :
	    hi - lo));
}

void
lifetime_init(struct sa_lifetime *lt, uint64_t now, uint64_t life_ms,
    unsigned lo_pct, unsigned hi_pct, uint64_t margin_ms)
{
	memset(lt, 0, sizeof(*lt));
	lt->lt_born_ms = now;
	lt->lt_life_ms = life_ms;
	lt->lt_rekey_ms = lifetime_pick(life_ms, lo_pct, hi_pct, margin_ms);
}

uint64_t
lifetime_rekey_in(const struct sa_lifetime *lt, uint64_t now)
{
	uint64_t	 at = lt->lt_born_ms + lt->lt_rekey_ms;

	return (at > now ? at - now : 0);
}

uint64_t
lifetime_hard_in(const struct sa_lifetime *lt, uint64_t now)
{
	uint64_t	 at = lt->lt_born_ms + lt->lt_life_ms;

	return (at > now ? at - now : 0);
}

uint64_t
lifetime_backoff(int tries, uint64_t base_ms, uint64_t max_ms)
{
	uint64_t	 ms = base_ms;
	int		 i;

	for (i = 0; i < tries && ms < max_ms; i++)
		ms *= 2;
	if (ms > max_ms)
		ms = max_ms;
	/* +-25 %: two peers refused at once do not retry in step */
	ms = ms - ms / 4 + lifetime_random(ms / 2);
	return (ms == 0 ? 1 : ms);
}

uint64_t
lifetime_retry_in(struct sa_lifetime *lt, uint64_t now, uint64_t base_ms,
    uint64_t max_ms)
{
	uint64_t	 left = lifetime_hard_in(lt, now), ms;

	ms = lifetime_backoff(lt->lt_tries, base_ms, max_ms);
	lt->lt_tries++;
	/*
	 * The try must end before the hard expiry: keep a margin of one
	 * base delay, else give up and let the expiry act.
	 */
	if (left <= base_ms)
		return (0);
	if (ms > left - base_ms)
		ms = left - base_ms;
	return (ms);
}

void
lifetime_rekeyed(struct sa_lifetime *lt)
{
	lt->lt_tries = 0;
}

/* n * pct / 100 without overflow (n up to 2^64 - 1, pct <= 100). */
static uint64_t
lifetime_share(uint64_t n, unsigned pct)
{
	return (n / 100 * pct + n % 100 * pct / 100);
}

uint64_t
lifetime_volume_soft(uint64_t hard, unsigned lo_pct, unsigned hi_pct)
{
	uint64_t	 lo, hi, soft;

	if (hard == 0)
		return (0);
	if (hi_pct > 100)
		hi_pct = 100;
	if (lo_pct > hi_pct)
		lo_pct = hi_pct;
	lo = lifetime_share(hard, lo_pct);
	hi = lifetime_share(hard, hi_pct);
	soft = lo + lifetime_random(hi - lo > UINT32_MAX ? UINT32_MAX :
	    hi - lo);
	if (soft >= hard)
		soft = hard - 1;
	return (soft == 0 ? 1 : soft);
}
