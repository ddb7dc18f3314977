/*
 * diag.h - why a tunnel's last attempt failed, as the engine saw it
 * ("gatewayctl doctor").  The engine fills a struct tunnel_diag where it
 * detects a failure (both IKE versions); diag_report() turns it into the
 * report text.  Only descriptions and bounded, escaped strings from the
 * network are kept: never a key or the PSK.
 */
#ifndef GW_DIAG_H
#define GW_DIAG_H

#include <stddef.h>
#include <stdint.h>

struct buf;

enum diag_cause {
	DIAG_NONE = 0,		/* nothing recorded */
	DIAG_PSK_OURS,		/* the peer rejected our AUTH/HASH */
	DIAG_PSK_THEIRS,	/* the peer's AUTH/HASH failed our check */
	DIAG_VERSION,		/* IKEv1 against IKEv2 */
	DIAG_MODE,		/* IKEv1 Main against Aggressive Mode */
	DIAG_ID,		/* the peer's ID is not our peer-id */
	DIAG_IKE_PROPOSAL,	/* no common IKE proposal */
	DIAG_SEGMENTS,		/* traffic selectors refused */
	DIAG_CHILD_PROPOSAL,	/* ESP against AH, or their algorithms */
	DIAG_PFS,		/* PFS group mismatch */
	DIAG_NO_ANSWER,		/* nothing received at all */
	DIAG_NAT,		/* a NAT, and the peer without NAT-T */
	DIAG_OTHER		/* failed otherwise: see the detail */
};

#define DIAG_STR_MAX	256
#define DIAG_ID_MAX	96	/* an escaped ID: "\xNN" per odd byte */

struct tunnel_diag {
	enum diag_cause	 td_cause;
	int		 td_phase;		/* 1 or 2 */
	int		 td_version;		/* IKE version we spoke */
	int		 td_initiator;		/* we initiated the attempt */
	int		 td_received;		/* the peer sent anything */
	int		 td_nat;		/* NAT-D: a NAT between us */
	int		 td_tries;		/* retransmissions, no answer */
	int		 td_psk_same;		/* its refusal verified with
						 * keys from our PSK */
	char		 td_notify[40];		/* error notify from the peer */
	char		 td_ours[DIAG_STR_MAX];	/* proposal_describe() */
	char		 td_theirs[DIAG_STR_MAX];
	char		 td_peer_id[DIAG_ID_MAX];	/* as received */
	char		 td_expected_id[DIAG_ID_MAX];	/* peer-id */
	char		 td_ts_ours[DIAG_STR_MAX];	/* "local === remote" */
	char		 td_ts_theirs[DIAG_STR_MAX];
	char		 td_detail[128];		/* the last error */
};

/* "psk", "proposal", ... (the JSON "cause" and what tests grep). */
const char	*diag_cause_name(enum diag_cause c);
/* Starts a new record for an attempt (keeps nothing of the last one). */
void		 diag_begin(struct tunnel_diag *d, int version, int initiator);
/* Sets the cause and phase; a later call replaces an earlier one. */
void		 diag_set(struct tunnel_diag *d, enum diag_cause c, int phase);
/* Copies src into dst (dstlen > 0), printable ASCII kept, other bytes
 * and '\\' and '"' as "\xNN"; cut to fit, always terminated. */
void		 diag_escape(char *dst, size_t dstlen, const uint8_t *src,
		    size_t len);
/*
 * Appends the report for tunnel name in state (its product name, e.g.
 * "Phase 1 failed"; connected != 0: it is up) to out, as text or one
 * JSON object.  0 or -1 (out of memory).
 */
int		 diag_report(struct buf *out, const char *name,
		    const char *state, int connected,
		    const struct tunnel_diag *d, int json);

#endif
