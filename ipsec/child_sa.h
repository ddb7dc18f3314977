/*
 * child_sa.h - the CHILD SA lifecycle (RFC 7296 §1.3, §2.17): inbound SPI
 * allocation, KEYMAT split, installation of the two SAs and of the
 * policies for every (local prefix, remote prefix) pair, removal.  The
 * exchanges (ike/) negotiate; this module talks to struct kernel_ops.
 */
#ifndef GW_CHILD_SA_H
#define GW_CHILD_SA_H

#include <sys/queue.h>
#include <netinet/in.h>
#include <stdint.h>
#include <time.h>

#include "crypto/crypto.h"
#include "policy/offer.h"
#include "ipsec/lifetime.h"
#include "kernel/kernel.h"
#include "policy/config.h"
#include "policy/proposal.h"

enum child_sa_state {
	CHILD_SA_NEW = 0,	/* SPI allocated, negotiating */
	CHILD_SA_INSTALLED,	/* SAs and policies in the kernel */
	CHILD_SA_REKEYED,	/* replaced; waiting for its DELETE */
	CHILD_SA_DELETING,	/* our DELETE sent */
	CHILD_SA_DEAD,		/* removed from the kernel */
	CHILD_SA_EXPIRED	/* hard lifetime reached without a successor:
				   SAs gone, policies kept (traffic held)
				   until the same selectors are set up again */
};

struct child_sa;
struct event_base;

/*
 * What a CHILD SA's timers call (the IKE version that made it decides
 * what to do): the rekey time or a retry's, and the hard lifetime.
 */
struct child_sa_timers {
	void	(*ct_rekey)(struct child_sa *cs);
	void	(*ct_expire)(struct child_sa *cs);
};

/* A CHILD SA's keys: in = peer -> us, out = us -> peer. */
struct child_sa_keys {
	uint8_t		 ck_ekey_in[CRYPTO_MAX_KEY];
	uint8_t		 ck_akey_in[CRYPTO_MAX_KEY];
	uint8_t		 ck_ekey_out[CRYPTO_MAX_KEY];
	uint8_t		 ck_akey_out[CRYPTO_MAX_KEY];
};

struct child_sa {
	TAILQ_ENTRY(child_sa) cs_entry;
	enum child_sa_state cs_state;
	char		 cs_name[CFG_NAME_MAX];	/* tunnel, for logs */
	uint8_t		 cs_proto;		/* IPPROTO_ESP / _AH */
	uint32_t	 cs_reqid;
	uint32_t	 cs_spi_in;		/* ours, network order */
	uint32_t	 cs_spi_out;		/* the peer's */
	struct in_addr	 cs_local;		/* outer addresses */
	struct in_addr	 cs_remote;
	uint16_t	 cs_encap_sport;	/* ESP in UDP (NAT), 0 none */
	uint16_t	 cs_encap_dport;
	struct proposal_choice cs_choice;	/* negotiated algorithms */
	int		 cs_dh;			/* PFS group used, 0 none */
	struct cfg_prefix cs_lts[CFG_MAX_SEGMENTS];
	int		 cs_nlts;
	struct cfg_prefix cs_rts[CFG_MAX_SEGMENTS];
	int		 cs_nrts;
	int		 cs_pair;		/* initiator: segment pair, -1 */
	/* initiator, child-sa single: covers every segment pair its
	 * selectors overlap */
	int		 cs_single;
	uint32_t	 cs_lifetime;		/* hard, seconds */
	/* volume lifetimes of each kernel SA, 0 = unlimited: hard (the
	 * configured or negotiated ones), soft (the rekey, drawn below) */
	uint64_t	 cs_life_bytes, cs_life_packets;
	uint64_t	 cs_soft_bytes, cs_soft_packets;
	int		 cs_no_soft_time;	/* kernel SAs without a soft
						   time expiry (ks_no_soft_time) */
	uint32_t	 cs_replay_window;	/* packets, 0 = no check */
	time_t		 cs_installed_at;
	/* KEYMAT split (§2.17), NULL until derived (child_sa_keys_get):
	 * out of line, so that the installed SAs, whose keys are wiped
	 * and freed, do not carry 256 bytes each (issue 11) */
	struct child_sa_keys *cs_keys;
	size_t		 cs_ekey_len;
	size_t		 cs_akey_len;
	/* the keys were wiped and freed: the kernel alone holds them
	 * (child_sa_keys_done); such an SA cannot be installed again */
	int		 cs_keys_wiped;
	int		 cs_sa_in, cs_sa_out;	/* installed flags */
	int		 cs_policies;
	/* Responder of a rekey: our outbound SA waits until the peer
	 * proves it holds the new inbound one (it deletes the old SA), so
	 * that our traffic never goes where the peer cannot read it */
	int		 cs_out_deferred;
	/* child_sa_watch(): a one-shot timer of its own (struct event *,
	 * owned) and what it calls; IKEv1 watches a rekey's new SA until
	 * the peer uses it */
	void		*cs_watch_ev;
	void		(*cs_watch_cb)(struct child_sa *cs);
	uint64_t	 cs_watch_since_ms;	/* monotonic: watch began */
	uint64_t	 cs_watch_old_bytes;	/* the old SA's inbound bytes */
	/* IKEv1 simultaneous rekey: the other new pair (its inbound SPI)
	 * and our inbound bytes when the two were weighed (which one the
	 * peer sends on shows later) */
	uint32_t	 cs_twin_spi;
	/* took a live sibling's reqid (child_sa_reqid_join): a duplicate,
	 * not a rekey */
	int		 cs_reqid_joined;
	uint64_t	 cs_collide_bytes;
	/* child_sa_settle(): a second one-shot timer like cs_watch_ev
	 * (IKEv1: whether the peer still sends on another SA for the same
	 * selectors, cs_settle_spi), and what it weighed: that SA's inbound
	 * bytes and when they last grew (monotonic ms) */
	void		*cs_settle_ev;
	void		(*cs_settle_cb)(struct child_sa *cs);
	uint32_t	 cs_settle_spi;		/* the other SA (0: none) */
	uint64_t	 cs_settle_since_ms;
	uint64_t	 cs_settle_bytes;
	uint64_t	 cs_settle_grew_ms;
	/* Negotiation state while we initiate (CREATE_CHILD_SA/IKE_AUTH):
	 * our proposal (4 KB, allocated by child_sa_offer_new(), freed
	 * once the CHILD SA is INSTALLED or goes) */
	struct prop_offer	*cs_offer;
	struct dh	*cs_kedh;
	int		 cs_ke_tries;	/* INVALID_KE_PAYLOAD retries */
	struct buf	*cs_nonce;
	uint32_t	 cs_rekey_spi;		/* old child's SPI we rekey */
	int		 cs_rekey_due;		/* initiator: rekey now */
	int		 cs_delete_due;		/* initiator: send DELETE */
	/* child_sa_life_*(): the rekey (and retry) timer and the hard
	 * expiry timer, struct event *, owned, and what they call */
	void		*cs_timer;
	void		*cs_expire_timer;
	const struct child_sa_timers *cs_timers;
	struct sa_lifetime cs_life;		/* rekey time, retries */
	int		 cs_recreate_due;	/* EXPIRED: negotiate again */
	/* RFC 7296 §2.8.1: a CHILD SA the peer made by rekeying holds the
	 * smaller nonce of that exchange; the old SA names it */
	struct buf	*cs_min_nonce;
	uint32_t	 cs_peer_rekey_spi;
	void		*cs_owner;		/* the IKE SA (opaque) */
	/* IKEv1: made on the ISAKMP SA with this b_up_seq after the peer
	 * began to re-authenticate it (0: not so), ikev1_child_late() */
	uint64_t	 cs_late_on;
	uint64_t	 cs_made_seq;	/* ctx_sa_seq when it was made */
	int		 cs_initiated;		/* we sent the first message of
						   the exchange that made it */
	/* the highest counters seen (child_sa_traffic): what an SA the
	 * kernel removed by itself still adds to its tunnel's totals */
	struct kernel_sa_stats cs_seen_in, cs_seen_out;
	int		 cs_ha_synced;	/* an HA record of it went out */
	/* HA takeover (ike_takeover.c): made from the old active node's
	 * record, so its inbound SPI was never allocated here (NEWSA, not
	 * UPDSA of a larval SA), and its outbound SA starts at cs_oseq */
	int		 cs_adopted;
	uint64_t	 cs_oseq;
	/* HA (ike_ha.c): the outbound sequence number last advertised in
	 * a SEQ_ADVANCE record (0: none), the kernel's at the last look,
	 * and the bulk dump that last carried it */
	uint64_t	 cs_ha_seq_adv;
	uint64_t	 cs_ha_seq_last;
	uint32_t	 cs_ha_bulk;
};
TAILQ_HEAD(child_sa_list, child_sa);

const char	*child_sa_state_name(enum child_sa_state s);
void		 child_sa_set_state(struct child_sa *cs, enum child_sa_state s);
/* Returns an owned CHILD SA with a new reqid, or NULL. */
struct child_sa	*child_sa_new(const char *name, uint8_t proto,
		    struct in_addr local, struct in_addr remote);
/* Frees (does not touch the kernel: child_sa_uninstall first). */
void		 child_sa_free(struct child_sa *cs);
/* cs_offer, zeroed (allocated if it was not).  NULL: no memory. */
struct prop_offer *child_sa_offer_new(struct child_sa *cs);
/* XFRM_MSG_ALLOCSPI for the inbound SA (peer -> us).  0 or -1. */
int		 child_sa_spi_alloc(struct child_sa *cs, struct kernel_ops *ko);
/*
 * KEYMAT = prf+(SK_d, [g^ir |] Ni | Nr) split per §2.17; initiator: we
 * initiated the exchange that created this CHILD SA.  Needs cs_choice.
 */
int		 child_sa_keys_derive(struct child_sa *cs, int prf,
		    const uint8_t *sk_d, size_t dlen, const struct buf *gir,
		    const struct buf *ni, const struct buf *nr, int initiator);
/*
 * Installs SA in, SA out (not with cs_out_deferred set) and, for every
 * (local, remote) pair, policies out, in and fwd (unless a sibling in
 * others with the same reqid, the SA it rekeys, has them).  0, or -1
 * after removing what was installed.
 */
int		 child_sa_install(struct child_sa *cs, struct kernel_ops *ko,
		    struct child_sa_list *others);
/*
 * cs's selectors' policies point to cs's reqid (a rekey collision's
 * winner, when the loser with another reqid was installed last).  0 or
 * -1; nothing for a CHILD SA without policies.
 */
int		 child_sa_policies_claim(struct child_sa *cs,
		    struct kernel_ops *ko);
/*
 * Installs a deferred outbound SA (cs_out_deferred): from then on the
 * kernel sends with it (the newest SA of a reqid wins).  0, or -1.
 */
int		 child_sa_install_outbound(struct child_sa *cs,
		    struct kernel_ops *ko);
/*
 * cs's volume lifetimes (before child_sa_install): hard limits of bytes
 * and packets per kernel SA (0: none), and soft ones, which start the
 * rekey, drawn between lo_pct and hi_pct of them (lifetime_volume_soft).
 */
void		 child_sa_volume_set(struct child_sa *cs, uint64_t bytes,
		    uint64_t packets, unsigned lo_pct, unsigned hi_pct);
/*
 * cs, a new pair (not a rekey), has the selectors of sibling, a live pair
 * of the same tunnel (both sides started a Quick Mode or CREATE_CHILD_SA
 * at once): cs takes sibling's reqid, before its installation.  The
 * policies' templates then accept what the peer sends on either pair
 * (with two reqids, the policies follow the pair installed last, and the
 * peer's last may be the other one: its traffic failed the inbound
 * check until one pair went), and the kernel sends on the newest.
 */
void		 child_sa_reqid_join(struct child_sa *cs,
		    const struct child_sa *sibling);
/* 1 if the kernel SA (proto, spi, destination dst) is one of cs's: its
 * inbound SA (to us) or its outbound one (to the peer). */
int		 child_sa_is_kernel_sa(const struct child_sa *cs,
		    uint8_t proto, uint32_t spi, struct in_addr dst);
/* 1 if a and b have the same traffic selectors, in the same order. */
int		 child_sa_same_ts(const struct child_sa *a,
		    const struct child_sa *b);
/* cs's local (1) or remote (0) selectors, "a.b.c.d/n[,...]", into out. */
void		 child_sa_ts_str(const struct child_sa *cs, int local,
		    char *out, size_t len);
/*
 * Starts cs's life on base (both IKE versions): it expires life_ms after
 * now (monotonic ms), and its rekey falls at random between lo_pct and
 * hi_pct of that (RFC 7296 §2.8.1: two peers rarely rekey at once; SAs
 * made together are not all rekeyed together).  ct's functions are
 * called then.  0, or -1 (no timers: the kernel's expiry remains).
 */
int		 child_sa_life_start(struct child_sa *cs,
		    struct event_base *base, uint64_t now, uint64_t life_ms,
		    unsigned lo_pct, unsigned hi_pct, uint64_t margin_ms,
		    const struct child_sa_timers *ct);
/* The rekey timer fires again in ms (a retry); the expiry stays. */
void		 child_sa_life_rekey_in(struct child_sa *cs, uint64_t ms);
/* Both timers stopped (an SA that expired; the rekey timer may be armed
 * again to set it up anew). */
void		 child_sa_life_stop(struct child_sa *cs);
/* cb(cs) once, ms from now (again: re-armed); freed with cs.  0 or -1. */
int		 child_sa_watch(struct child_sa *cs, struct event_base *base,
		    uint64_t ms, void (*cb)(struct child_sa *cs));
/* The same with a second timer of cs's own (cs_settle_ev). */
int		 child_sa_settle(struct child_sa *cs, struct event_base *base,
		    uint64_t ms, void (*cb)(struct child_sa *cs));
/* The inbound SA's byte counter (0 unknown). */
uint64_t	 child_sa_inbound_bytes(const struct child_sa *cs,
		    struct kernel_ops *ko);
/* The timers freed (child_sa_free does it too). */
void		 child_sa_life_free(struct child_sa *cs);
/*
 * The peer's outer address or ESP-in-UDP port changed (a NAT in front of
 * it made a new mapping, RFC 7296 §2.23, RFC 3948): cs's SAs follow.  A
 * new port: XFRM_MSG_UPDSA of the encapsulation; a new address (part of
 * an SA's ID): the SAs and the policies' templates are installed again.
 * dport 0 leaves the port.  The keys, wiped once installed, are read
 * back from the kernel for it (ko_sa_keys) and wiped again.  1 if cs
 * changed, 0 if not, -1 on a kernel error.
 */
int		 child_sa_move(struct child_sa *cs, struct kernel_ops *ko,
		    struct in_addr remote, uint16_t dport);
/*
 * Removes the SAs; the policies too unless a sibling in others (may be
 * NULL) still covers the same selectors: then they are re-pointed at the
 * sibling's reqid.
 */
void		 child_sa_uninstall(struct child_sa *cs, struct kernel_ops *ko,
		    struct child_sa_list *others);
/*
 * Removes the two SAs but keeps the policies (hard expiry: traffic is
 * held until a successor is installed, never sent in the clear).
 * gone_spi: an SA the kernel already removed (0: none).
 */
void		 child_sa_sas_remove(struct child_sa *cs, struct kernel_ops *ko,
		    uint32_t gone_spi);
/* The kernel policy of cs for direction dir (KDIR_*) and one selector
 * pair (local l, remote r). */
void		 child_sa_policy_get(const struct child_sa *cs, int dir,
		    const struct cfg_prefix *l, const struct cfg_prefix *r,
		    struct kernel_policy *kp);
/* Re-adds the policies (after a sibling with the same selectors left). */
void		 child_sa_policies_refresh(struct child_sa *cs,
		    struct kernel_ops *ko);
/*
 * Inbound bytes of the installed CHILD SAs of list (traffic from the peer
 * proves it alive: dead peer detection) and the kernel's time of the
 * last inbound packet (*use, wall clock s, 0 unknown), one request per
 * SA.  DPD reads them only for fewer than CHILD_SA_STATS_DUMP inbound SAs
 * (ike/sa_common.c); from that many on, a teardown reads the last
 * counters from one dump of every SA (child_sa_retire_begin).
 */
#define CHILD_SA_STATS_DUMP	8
uint64_t	 child_sa_list_inbound(const struct child_sa_list *list,
		    struct kernel_ops *ko, uint64_t *use);
/* The number of installed inbound SAs of list. */
int		 child_sa_list_count_in(const struct child_sa_list *list);
/*
 * Before CHILD SAs with n_in installed inbound SAs in all are removed
 * together (their IKE SA goes, or every IKE SA at shutdown): from
 * CHILD_SA_STATS_DUMP inbound SAs on, one dump of every SA's counters
 * answers the reads of their last counters (child_sa_retire), instead
 * of two requests per CHILD SA, each of which would first send the
 * deletes queued so far.  Returns 1 if a dump was taken: pass it to
 * child_sa_retire_end.
 */
int		 child_sa_retire_begin(int n_in, struct kernel_ops *ko);
/*
 * The same for the CHILD SAs of one list (their IKE SA goes): from
 * CHILD_SA_STATS_DUMP inbound SAs on, their SAs' counters only, in
 * batches of GETSAs (ko_stats_fetch; else one dump of every SA).
 */
int		 child_sa_list_retire_begin(const struct child_sa_list *list,
		    struct kernel_ops *ko);
void		 child_sa_retire_end(struct kernel_ops *ko, int snap);
/*
 * The counters of cs's installed SAs (a direction not installed, or not
 * found in the kernel, keeps the highest values seen before), for
 * status and metrics; never lower than what an earlier call returned.
 */
void		 child_sa_traffic(struct child_sa *cs, struct kernel_ops *ko,
		    struct kernel_sa_stats *in, struct kernel_sa_stats *out);
/*
 * Wireshark esp_sa lines (cfg's keylog-dir, keylog-chacha20), both
 * directions; cfg NULL: none.
 */
void		 child_sa_keylog(const struct child_sa *cs,
		    const struct config *cfg);
/* cs's keys, allocated (zeroed) on the first call; NULL if out of
 * memory (logged) or already wiped. */
struct child_sa_keys *child_sa_keys_get(struct child_sa *cs);
/*
 * After child_sa_install: writes the key log (cfg NULL or no keylog-dir:
 * none), then wipes and frees the keys unless the outbound SA of a rekey
 * responder is not installed yet (child_sa_install_outbound wipes them
 * then).  An SA that must follow the peer's NAT mapping reads them back
 * from the kernel for the move (child_sa_move).
 */
void		 child_sa_keys_done(struct child_sa *cs,
		    const struct config *cfg);
/* "aes128/sha1/modp1024", "aes128/sha256/esn" */
void		 child_sa_algs(const struct child_sa *cs, char *out, size_t len);

#endif
