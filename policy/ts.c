/*
 * ts.c - traffic selectors against a tunnel's segments (RFC 7296 §2.9).
 *
 * Everything is done on prefixes: a selector range is first split into
 * the smallest set of prefixes covering exactly the same addresses, then
 * compared with the segments.  Two prefixes either are disjoint or one
 * contains the other, which keeps intersections simple: the intersection
 * of two overlapping prefixes is the longer one.
 */
#include <arpa/inet.h>
#include <string.h>

#include "common/log.h"
#include "policy/ts.h"

#define TS_SPLIT_MAX	64	/* an IPv4 range needs at most 62 */

static uint32_t
ts_mask(int plen)
{
	return (plen <= 0 ? 0 : 0xffffffffU << (32 - plen));
}

void
ts_from_prefix(const struct cfg_prefix *p, struct ts_range *ts)
{
	uint32_t	 net = ntohl(p->pf_addr.s_addr) & ts_mask(p->pf_plen);

	memset(ts, 0, sizeof(*ts));
	ts->ts_type = TS_IPV4_RANGE;
	ts->ts_proto = 0;
	ts->ts_sport = 0;
	ts->ts_eport = 65535;
	ts->ts_saddr.s_addr = htonl(net);
	ts->ts_eaddr.s_addr = htonl(net | ~ts_mask(p->pf_plen));
}

int
ts_to_prefixes(const struct ts_range *ts, struct cfg_prefix *out, int max)
{
	uint64_t	 s, e, size;
	int		 n = 0, plen;

	if (ts->ts_type != TS_IPV4_RANGE || ts->ts_proto != 0 ||
	    ts->ts_sport != 0 || ts->ts_eport != 65535) {
		log_debug("TS type %u proto %u ports %u-%u not acceptable",
		    ts->ts_type, ts->ts_proto, ts->ts_sport, ts->ts_eport);
		return (-1);
	}
	s = ntohl(ts->ts_saddr.s_addr);
	e = ntohl(ts->ts_eaddr.s_addr);
	if (s > e) {
		log_debug("TS range start after its end");
		return (-1);
	}
	/* Each step takes the largest aligned block starting at s. */
	while (s <= e) {
		plen = 32;
		size = 1;
		while (plen > 0 && (s & (size * 2 - 1)) == 0 &&
		    s + size * 2 - 1 <= e) {
			size *= 2;
			plen--;
		}
		if (n >= max) {
			log_debug("TS range needs more than %d prefixes", max);
			return (-1);
		}
		out[n].pf_addr.s_addr = htonl((uint32_t)s);
		out[n].pf_plen = plen;
		n++;
		s += size;
	}
	return (n);
}

int
ts_prefix_overlap(const struct cfg_prefix *a, const struct cfg_prefix *b)
{
	int	 plen = a->pf_plen < b->pf_plen ? a->pf_plen : b->pf_plen;

	return (((ntohl(a->pf_addr.s_addr) ^ ntohl(b->pf_addr.s_addr)) &
	    ts_mask(plen)) == 0);
}

int
ts_prefix_contains(const struct cfg_prefix *outer,
    const struct cfg_prefix *inner)
{
	return (outer->pf_plen <= inner->pf_plen &&
	    ts_prefix_overlap(outer, inner));
}

/*
 * Adds c to the set out[0..*n): nothing if a member already contains it,
 * otherwise the members it contains are dropped and c is appended.  The
 * members therefore never overlap.  -1 when the set is full.
 */
static int
ts_set_add(struct cfg_prefix *out, int *n, int max,
    const struct cfg_prefix *c)
{
	int	 i, j;

	for (i = 0; i < *n; i++)
		if (ts_prefix_contains(&out[i], c))
			return (0);
	for (i = j = 0; i < *n; i++)
		if (!ts_prefix_contains(c, &out[i]))
			out[j++] = out[i];
	*n = j;
	if (*n >= max)
		return (-1);
	out[(*n)++] = *c;
	return (0);
}

/* One side of ts_narrow(): proposed ranges against our segments. */
static int
ts_narrow_side(const struct ts_list *tsl, const struct cfg_prefix *seg,
    int nseg, struct cfg_prefix *out, int *nout)
{
	struct cfg_prefix	 split[TS_SPLIT_MAX];
	const struct cfg_prefix	*x;
	int			 i, j, k, n;

	*nout = 0;
	for (i = 0; i < tsl->tsl_n && i < TS_MAX; i++) {
		/* IPv6 or port-restricted selectors are skipped: §2.9
		 * lets the responder narrow them away. */
		if ((n = ts_to_prefixes(&tsl->tsl_ts[i], split,
		    TS_SPLIT_MAX)) == -1)
			continue;
		for (j = 0; j < n; j++)
		for (k = 0; k < nseg; k++) {
			if (!ts_prefix_overlap(&split[j], &seg[k]))
				continue;
			x = split[j].pf_plen >= seg[k].pf_plen ? &split[j] :
			    &seg[k];
			if (ts_set_add(out, nout, CFG_MAX_SEGMENTS, x) == -1) {
				/* Narrowing to fewer is still valid. */
				log_debug("TS narrowing keeps the first %d "
				    "prefixes", CFG_MAX_SEGMENTS);
				return (0);
			}
		}
	}
	return (0);
}

int
ts_narrow(const struct cfg_tunnel *t, const struct ts_list *peer_ts,
    const struct ts_list *our_ts, struct cfg_prefix *remote,
    int *nremote, struct cfg_prefix *local, int *nlocal)
{
	ts_narrow_side(peer_ts, t->tn_remote, t->tn_nremote, remote, nremote);
	ts_narrow_side(our_ts, t->tn_local, t->tn_nlocal, local, nlocal);
	if (*nremote == 0 || *nlocal == 0) {
		log_tdebug(t->tn_name, "TS unacceptable: %d peer and %d local "
		    "prefixes left after narrowing", *nremote, *nlocal);
		return (-1);
	}
	return (0);
}

int
ts_check_answer(const struct cfg_prefix *proposed, int nproposed,
    const struct ts_list *answer, struct cfg_prefix *out, int *nout)
{
	struct cfg_prefix	 split[TS_SPLIT_MAX];
	int			 i, j, k, n;

	*nout = 0;
	if (answer->tsl_n <= 0 || answer->tsl_n > TS_MAX) {
		log_debug("TS answer with %d selectors", answer->tsl_n);
		return (-1);
	}
	for (i = 0; i < answer->tsl_n; i++) {
		if ((n = ts_to_prefixes(&answer->tsl_ts[i], split,
		    TS_SPLIT_MAX)) == -1)
			return (-1);
		for (j = 0; j < n; j++) {
			for (k = 0; k < nproposed; k++)
				if (ts_prefix_contains(&proposed[k], &split[j]))
					break;
			if (k == nproposed) {
				log_debug("TS answer wider than our proposal");
				return (-1);
			}
			/* The SA covers all of it: no room means failure. */
			if (ts_set_add(out, nout, CFG_MAX_SEGMENTS,
			    &split[j]) == -1) {
				log_debug("TS answer has more than %d prefixes",
				    CFG_MAX_SEGMENTS);
				return (-1);
			}
		}
	}
	return (0);
}
