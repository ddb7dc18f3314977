/*
 * ts.h - traffic selectors against a tunnel's segments (RFC 7296 §2.9).
 * Selectors are address ranges; segments are prefixes.  Ranges that are
 * not prefixes are split into the prefixes that cover them exactly.
 */
#ifndef GW_TS_H
#define GW_TS_H

#include "policy/offer.h"
#include "policy/config.h"

/* A prefix as a TS_IPV4_ADDR_RANGE, all protocols and ports. */
void	ts_from_prefix(const struct cfg_prefix *p, struct ts_range *ts);
/* Splits a range (IPv4, any protocol, ports 0-65535 only) into at most max
 * prefixes; returns the count, -1 if it needs more or the TS is not
 * acceptable (IPv6, a protocol or port restriction). */
int	ts_to_prefixes(const struct ts_range *ts, struct cfg_prefix *out,
	    int max);
/* 1 if the two prefixes share any address. */
int	ts_prefix_overlap(const struct cfg_prefix *a,
	    const struct cfg_prefix *b);
/* 1 if inner lies within outer. */
int	ts_prefix_contains(const struct cfg_prefix *outer,
	    const struct cfg_prefix *inner);

/*
 * Responder narrowing.  peer_ts is what the initiator proposed for its own
 * side (TSi), our_ts for ours (TSr).  For each side, every proposed range
 * is split into prefixes and intersected with the tunnel's segments of
 * that side (peer side: tn_remote, our side: tn_local); the result keeps
 * the intersections, dropping any prefix contained in another result (so
 * a first single-host TS, §2.9, disappears in a broader one).  Fills up to
 * CFG_MAX_SEGMENTS prefixes per side; returns 0, or -1 when either side
 * ends up empty (TS_UNACCEPTABLE).
 */
int	ts_narrow(const struct cfg_tunnel *t, const struct ts_list *peer_ts,
	    const struct ts_list *our_ts, struct cfg_prefix *remote,
	    int *nremote, struct cfg_prefix *local, int *nlocal);
/*
 * Initiator check of the responder's answer: every answered range must
 * lie within one of the prefixes we proposed on that side.  Fills the
 * answered prefixes like ts_narrow.  0 or -1.
 */
int	ts_check_answer(const struct cfg_prefix *proposed, int nproposed,
	    const struct ts_list *answer, struct cfg_prefix *out,
	    int *nout);

#endif
