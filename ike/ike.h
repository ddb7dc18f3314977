/*
 * ike.h - the IKE engine as the daemon sees it.  The engine owns the
 * tunnels' state (IKE SAs, CHILD SAs, timers on the given event base); the
 * daemon feeds it datagrams and control commands, and it sends through
 * struct ike_net and installs SAs through struct kernel_ops, so exchange
 * tests can run two engines over a mock network and a mock kernel.
 */
#ifndef GW_IKE_H
#define GW_IKE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct event_base;
struct config;
struct kernel_ops;

/* Connection states, in the product's words. */
enum tunnel_state {
	TUNNEL_DOWN = 0,		/* not started (initiate no, or down) */
	TUNNEL_CONNECTING,
	TUNNEL_CONNECTED,
	TUNNEL_PHASE1_FAILED,
	TUNNEL_PHASE2_FAILED
};
const char	*tunnel_state_name(enum tunnel_state s);

struct ike_net {
	void	*in_arg;
	/*
	 * Sends pkt (an IKE message; the daemon adds the non-ESP marker when
	 * sport or dport is 4500) from local to remote.  0 or -1.
	 */
	int	(*in_send)(void *arg, const uint8_t *pkt, size_t len,
		    const struct sockaddr_in *local,
		    const struct sockaddr_in *remote);
};

/* a CHILD SA's selectors of one side, "a.b.c.d/nn" and a comma each, for
 * up to 20 segments (CFG_MAX_SEGMENTS) */
#define IKE_STATUS_TS_LEN	(20 * 19)

struct child_status {
	uint8_t		 cs_proto;		/* IPPROTO_ESP / IPPROTO_AH */
	uint32_t	 cs_spi_in;		/* network byte order */
	uint32_t	 cs_spi_out;
	/* every selector, "a.b.c.d/n[,a.b.c.d/n...]" */
	char		 cs_local_ts[IKE_STATUS_TS_LEN];
	char		 cs_remote_ts[IKE_STATUS_TS_LEN];
	char		 cs_algs[64];		/* "aes128/sha1/modp1024" */
	uint64_t	 cs_bytes_in, cs_bytes_out;
	uint64_t	 cs_packets_in, cs_packets_out;
	/* volume lifetimes of each of its kernel SAs, 0 = none: hard,
	 * soft (where the rekey starts) */
	uint64_t	 cs_life_bytes, cs_soft_bytes;
	uint64_t	 cs_life_packets, cs_soft_packets;
};

struct tunnel_status {
	char		 ts_name[64];
	struct in_addr	 ts_local;		/* gateway address */
	struct in_addr	 ts_remote;		/* peer address (actual) */
	enum tunnel_state ts_state;
	int		 ts_ike_version;
	char		 ts_ike_algs[64];	/* "aes128/sha1/prfsha1/modp1024" */
	uint8_t		 ts_spi_i[8];
	uint8_t		 ts_spi_r[8];
	time_t		 ts_established;	/* 0 if not connected */
	char		 ts_last_error[128];	/* why the last attempt failed */
	char		 ts_warning[128];	/* e.g. aggressive-mode PSK */
	int		 ts_pace_wait;		/* waiting for a half-open
						   slot (pacing) */
	/* every installed CHILD SA, as many as the tunnel has (up to
	 * CFG_MAX_SEGMENTS^2 pairs, and more during rekeys): an owned heap
	 * array, NULL when ts_nchild is 0; ike_status_free() frees it */
	int		 ts_nchild;
	struct child_status *ts_child;
	/* Metrics: the peer block's name; totals over every CHILD SA the
	 * tunnel had, rekeyed and deleted ones included (never go back) */
	char		 ts_peer_name[64];
	uint64_t	 ts_bytes_in, ts_bytes_out;
	uint64_t	 ts_packets_in, ts_packets_out;
	uint64_t	 ts_child_rekeys;	/* CHILD SAs replaced by rekeys */
	uint64_t	 ts_ike_rekeys;		/* IKE SA rekeys (IKEv1:
						   re-authentications) */
	uint64_t	 ts_failures;		/* failed attempts, in all */
};

struct ike_ctx;

/* Returns an engine; borrows base, kernel and net; cfg stays the caller's
 * until ike_config_apply() hands over a new one. */
struct ike_ctx	*ike_new(struct event_base *base, struct config *cfg,
		    struct kernel_ops *kernel, struct ike_net *net);
/* Starts every tunnel with initiate yes. */
void		 ike_start(struct ike_ctx *ctx);
/*
 * HA standby or fault (passive 1): datagrams are ignored and no tunnel
 * starts (ike_start, up, reload and retries do nothing) until passive
 * is 0 again and ike_start() runs.  Set it on an engine that has
 * nothing established: the daemon makes a new one to leave active.
 */
void		 ike_passive_set(struct ike_ctx *ctx, int passive);
/*
 * HA state sync (ike/ike_ha.c): the channel (borrowed, NULL: none) that
 * the engine's established, rekeyed and deleted IKE SAs and CHILD SAs (both
 * versions) are sent on; ha_chan_send sends only while the node is active.
 */
struct ha_chan;
void		 ike_ha_set(struct ike_ctx *ctx, struct ha_chan *c);
/*
 * Before this node leaves the active role by a hand-over (ike_handover):
 * its own IKE SAs and CHILD SAs go into its own channel's table, as the
 * records a bulk dump would send, so that it can resume them if it is
 * made active again before the other node took them (keepalived's init
 * turns a starting node backup for a moment).  Records from the other
 * node, once it is active, replace them.  The records kept.
 */
int		 ike_ha_keep_own(struct ike_ctx *ctx);
/* Test hook: SEQ_ADVANCE looks every ms (IKE_HA_SEQ_MS). */
void		 ike_ha_test_seq_ms(struct ike_ctx *ctx, unsigned ms);
/*
 * HA takeover (ike_takeover.c): the node became active; the IKEv2 IKE
 * SAs and CHILD SAs its channel's table holds (the old active node's)
 * are resumed with their SPIs, keys and message IDs, the IKEv1 ISAKMP
 * SAs and IPsec SAs with their cookies, keys and last phase 1 IV
 * (ikev1_takeover.c), before ike_start()
 * starts the other tunnels.  Call with the engine no longer passive.
 * The number of IKE SAs resumed.
 */
int		 ike_takeover(struct ike_ctx *ctx);
/* One IKE datagram (non-ESP marker already removed). */
void		 ike_recv(struct ike_ctx *ctx, const uint8_t *pkt, size_t len,
		    const struct sockaddr_in *local,
		    const struct sockaddr_in *remote);
/* Control: 0, or -1 if there is no such tunnel. */
int		 ike_tunnel_up(struct ike_ctx *ctx, const char *name);
int		 ike_tunnel_down(struct ike_ctx *ctx, const char *name);
/*
 * Rekey a tunnel's CHILD SAs (IKEv1: its IPsec SAs) or its IKE SA (IKEv1:
 * a new phase 1) now, as initiator (gatewayctl rekey).  0; -1 no such
 * tunnel; -2 no established IKE SA; -3 (CHILD SAs) none installed.
 */
int		 ike_tunnel_rekey(struct ike_ctx *ctx, const char *name);
int		 ike_tunnel_rekey_ike(struct ike_ctx *ctx, const char *name);
/* Takes a validated new configuration (the engine owns it afterwards and
 * frees the old one): removed tunnels go down, new ones start. */
void		 ike_config_apply(struct ike_ctx *ctx, struct config *cfg);
/* 1 if ike_config_apply() keeps a tunnel configured as a when it is
 * configured as b (nothing to renegotiate), else 0. */
struct cfg_tunnel;
int		 ike_tunnel_cfg_same(const struct cfg_tunnel *a,
		    const struct cfg_tunnel *b);
/*
 * Fills up to max entries; returns the number of tunnels, or -1 (out of
 * memory, nothing left to free).  The filled entries own their ts_child:
 * the caller frees them with ike_status_free(out, min(returned, max)).
 */
int		 ike_status(struct ike_ctx *ctx, struct tunnel_status *out,
		    int max);
/* Frees the CHILD SA arrays of ts[0..n) and empties them; keeps ts
 * itself (the caller's); accepts NULL.  In ike/ike_status.c, which
 * needs nothing else of the engine. */
void		 ike_status_free(struct tunnel_status *ts, int n);
/* Sends DELETE for every SA and removes what was installed. */
void		 ike_shutdown(struct ike_ctx *ctx);
/* HA: this node stops being active while the standby holds its state:
 * removes what was installed like ike_shutdown, but tells the peers
 * nothing (no DELETE), so that the node taking over continues the SAs. */
void		 ike_handover(struct ike_ctx *ctx);
void		 ike_free(struct ike_ctx *ctx);
/* The record of a tunnel's last attempt (policy/diag.h) and its state,
 * for gatewayctl doctor: 0, or -1 if there is no such tunnel. */
struct tunnel_diag;
int		 ike_tunnel_doctor(struct ike_ctx *ctx, const char *name,
		    struct tunnel_diag *out, enum tunnel_state *state);
/* Counters of dropped datagrams (malformed, unknown SPI, bad ICV...). */
struct ike_counters {
	uint64_t	 ic_rx;
	uint64_t	 ic_tx;
	uint64_t	 ic_malformed;
	uint64_t	 ic_unknown_spi;
	uint64_t	 ic_bad_icv;
	uint64_t	 ic_retransmits;
	uint64_t	 ic_dropped;
	/* dead peer detection: liveness checks started, and those that
	 * got no answer within dpd-timeout (the peer was declared dead) */
	uint64_t	 ic_dpd_sent;
	uint64_t	 ic_dpd_missed;
	/* IKEv1 responder under a flood (ikev1_half.c): half-open ISAKMP
	 * SAs now (a gauge), first messages dropped unanswered because the
	 * total or per-source cap was reached or no tunnel matched, and
	 * half-open SAs expired without their initiator's message 3 */
	uint64_t	 ic_v1_half_open;
	uint64_t	 ic_v1_drop_half_total;
	uint64_t	 ic_v1_drop_half_source;
	uint64_t	 ic_v1_drop_no_tunnel;
	uint64_t	 ic_v1_drop_no_proposal; /* NO-PROPOSAL-CHOSEN sent */
	uint64_t	 ic_v1_half_expired;
	uint64_t	 ic_v1_half_evicted;	/* gave way to a newer */
	uint64_t	 ic_v1_half_retried;	/* message 1 dropped at a limit,
						   in when sent again */
	/* Aggressive Mode responder key pairs made (ikev1_half_dh: one a
	 * second at most, however many message 1 come) */
	uint64_t	 ic_v1_am_keys;
	/* IKEv1 Quick Modes of an authenticated peer dropped unanswered:
	 * too many waiting for message 3 on the ISAKMP SA, or the tunnel's
	 * IPsec SA limit reached (ikev1_sa.h IKEV1_QM_RESPONDER_MAX) */
	uint64_t	 ic_v1_qm_refused_inflight;
	uint64_t	 ic_v1_qm_refused_sas;
	/* IKEv2 responder: half-open IKE SAs now (a gauge), N(COOKIE)
	 * demands sent, IKE_SA_INIT requests whose cookie was wrong (or
	 * stale: the demand was sent again), and those dropped unanswered
	 * at the ikev2-half-open cap */
	uint64_t	 ic_v2_half_open;
	uint64_t	 ic_v2_cookies_sent;
	uint64_t	 ic_v2_cookies_wrong;
	uint64_t	 ic_v2_drop_half_total;
	uint64_t	 ic_v2_drop_half_source;	/* ...-per-source */
	/* Initiator pacing (initiate-half-open-per-peer): initiations that
	 * had to wait for a half-open slot towards their peer, and the
	 * tunnels waiting now (a gauge) */
	uint64_t	 ic_paced;
	uint64_t	 ic_pace_waiting;
};
void		 ike_counters_get(struct ike_ctx *ctx, struct ike_counters *c);
/* The connection log (gatewayctl log) the engine writes its tunnels'
 * events to; borrowed; NULL (the default): events are only logged. */
struct connlog;
void		 ike_connlog_set(struct ike_ctx *ctx, struct connlog *cl);

/* How many IKE SAs (both versions) and CHILD SAs are in each state. */
enum ike_gauge_ike {
	IKE_GAUGE_HALF_OPEN = 0,	/* negotiating, not authenticated */
	IKE_GAUGE_ESTABLISHED,
	IKE_GAUGE_REKEYED,		/* replaced, waiting to go */
	IKE_GAUGE_DELETING,
	IKE_GAUGE_IKE_N
};
enum ike_gauge_child {
	IKE_GAUGE_CHILD_NEGOTIATING = 0,
	IKE_GAUGE_CHILD_INSTALLED,
	IKE_GAUGE_CHILD_REKEYED,
	IKE_GAUGE_CHILD_DELETING,
	IKE_GAUGE_CHILD_EXPIRED,	/* SAs gone, policies held */
	IKE_GAUGE_CHILD_N
};
struct ike_gauges {
	uint64_t	 ig_ike[IKE_GAUGE_IKE_N];
	uint64_t	 ig_child[IKE_GAUGE_CHILD_N];
};
void		 ike_gauges_get(struct ike_ctx *ctx, struct ike_gauges *g);

#endif
