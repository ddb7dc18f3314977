/*
 * kernel.h - what the IKE engine asks of the kernel: SPIs, IPsec SAs,
 * policies and routes.  The engine calls through struct kernel_ops so that
 * exchange tests can run over a mock kernel; kernel/xfrm.c is the real one
 * (XFRM netlink via libmnl).  IPv4 only.  Addresses and SPIs are in
 * network byte order.  All calls return 0 or -1 (after logging the
 * kernel's own message).
 */
#ifndef GW_KERNEL_H
#define GW_KERNEL_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* Policy directions (match XFRM_POLICY_IN/OUT/FWD). */
#define KDIR_IN		0
#define KDIR_OUT	1
#define KDIR_FWD	2

struct kernel_sa {
	uint8_t		 ks_proto;	/* IPPROTO_ESP or IPPROTO_AH */
	uint32_t	 ks_spi;
	struct in_addr	 ks_src;	/* outer (tunnel) addresses */
	struct in_addr	 ks_dst;
	uint32_t	 ks_reqid;
	int		 ks_encr;	/* ENCR_*, 0 for AH */
	int		 ks_encr_bits;	/* AES key bits; 0 for 3DES */
	const uint8_t	*ks_ekey;
	size_t		 ks_ekey_len;
	int		 ks_integ;	/* AUTH_* */
	const uint8_t	*ks_akey;
	size_t		 ks_akey_len;
	uint32_t	 ks_lifetime;	/* hard expiry in seconds, 0 = none */
	/* volume lifetimes (XFRM byte/packet limits), 0 = unlimited; a soft
	 * limit of 0 or above the hard one is the hard one */
	uint64_t	 ks_bytes_soft, ks_bytes_hard;
	uint64_t	 ks_packets_soft, ks_packets_hard;
	/* 1: no soft time expiry (the engine's timers alone rekey by time):
	 * the kernel sends one soft expiry per SA, so a time one would
	 * silence a later byte or packet one */
	int		 ks_no_soft_time;
	uint16_t	 ks_encap_sport; /* UDP encapsulation ports, 0 = none */
	uint16_t	 ks_encap_dport;
	int		 ks_update;	/* 1: SPI came from spi_alloc (UPDSA) */
	/* anti-replay window in packets (0: no check), at most
	 * KERNEL_REPLAY_MAX; above 32, or with ESN, it goes in a
	 * replay_esn attribute (XFRMA_REPLAY_ESN_VAL) */
	uint32_t	 ks_replay_window;
	int		 ks_esn;	/* 1: 64-bit sequence numbers
					   (XFRM_STATE_ESN, RFC 4303) */
	/* outbound: the last sequence number taken as sent (0: a fresh
	 * SA, the first packet is 1); an HA takeover starts past what the
	 * old node can have used.  Above 2^32 - 1 only with ESN. */
	uint64_t	 ks_oseq;
};
#define KERNEL_REPLAY_MAX	4096	/* XFRMA_REPLAY_ESN_MAX bits */

struct kernel_policy {
	int		 kp_dir;	/* KDIR_* */
	struct in_addr	 kp_src;	/* selector: source net */
	uint8_t		 kp_src_plen;
	struct in_addr	 kp_dst;	/* selector: destination net */
	uint8_t		 kp_dst_plen;
	struct in_addr	 kp_tun_src;	/* template: tunnel endpoints */
	struct in_addr	 kp_tun_dst;
	uint8_t		 kp_proto;	/* IPPROTO_ESP or IPPROTO_AH */
	uint32_t	 kp_reqid;
};

/* An SA's ID in the kernel: protocol, SPI (network order), destination */
struct kernel_sa_id {
	uint8_t		 si_proto;
	uint32_t	 si_spi;
	struct in_addr	 si_dst;
};

struct kernel_sa_stats {
	uint64_t	 st_bytes;
	uint64_t	 st_packets;
	uint64_t	 st_use_time;	/* wall clock (s) of the last packet,
					   0 if none or unknown */
	/* an outbound SA's last sequence number sent (XFRM replay state's
	 * oseq, with ESN oseq_hi too); 0 if none or unknown */
	uint64_t	 st_oseq;
};

struct kernel_ops {
	void	*ko_arg;
	/* XFRM_MSG_ALLOCSPI: a larval inbound SA src -> dst. */
	int	(*ko_spi_alloc)(void *arg, uint8_t proto, struct in_addr src,
		    struct in_addr dst, uint32_t reqid, uint32_t *spi);
	int	(*ko_sa_add)(void *arg, const struct kernel_sa *sa);
	int	(*ko_sa_del)(void *arg, uint8_t proto, uint32_t spi,
		    struct in_addr dst);
	int	(*ko_sa_stats)(void *arg, uint8_t proto, uint32_t spi,
		    struct in_addr dst, struct kernel_sa_stats *st);
	int	(*ko_policy_add)(void *arg, const struct kernel_policy *p);
	int	(*ko_policy_del)(void *arg, const struct kernel_policy *p);
	/*
	 * Optional (NULL: ko_sa_add and ko_policy_add one by one): what a
	 * CHILD SA installs, the SAs sa[0..nsa) then the policies
	 * pol[0..npol) (each added or replacing one with its selector and
	 * direction), as one batch: kernel/xfrm.c sends them in one netlink
	 * request buffer.  Every item is tried; res[i] (the SAs, then the
	 * policies) is 0 or the errno it was refused with.  0 when all
	 * went in, -1 otherwise.
	 */
	int	(*ko_child_add)(void *arg, const struct kernel_sa *sa, int nsa,
		    const struct kernel_policy *pol, int npol, int *res);
	/*
	 * Optional: the kernel's IPv4 policy hash thresholds (XFRM: a
	 * policy whose selector has a local prefix of at least lbits and a
	 * remote one of at least rbits is kept in a hash table, any other
	 * in lists that grow with their number).  kernel/xfrm.c reads the
	 * values it finds first and puts them back at close.
	 */
	int	(*ko_policy_hash)(void *arg, int lbits, int rbits);
	/*
	 * Route to net/plen along the path to the peer's public address,
	 * with src as preferred source (INADDR_ANY: none).
	 */
	int	(*ko_route_add)(void *arg, struct in_addr net, uint8_t plen,
		    struct in_addr peer, struct in_addr src);
	int	(*ko_route_del)(void *arg, struct in_addr net, uint8_t plen,
		    struct in_addr peer, struct in_addr src);
	/*
	 * Finds an address of this host inside net/plen (the gateway's own
	 * address in a local segment, used as the routes' source).  0 with
	 * *addr set, -1 if there is none.  May be NULL (mock kernels).
	 */
	int	(*ko_local_addr)(void *arg, struct in_addr net, uint8_t plen,
		    struct in_addr *addr);
	/*
	 * Set by the engine (kernel -> engine): an SA of ours reached its
	 * soft (hard 0) or hard (hard 1) lifetime (XFRM_MSG_EXPIRE); after
	 * a hard one the kernel has removed it.  volume 1: a byte or packet
	 * limit was reached, 0: the time limit.  May be NULL.
	 */
	void	*ko_event_arg;
	void	(*ko_expire)(void *arg, uint8_t proto, uint32_t spi,
		    struct in_addr dst, int hard, int volume);
	/* Outbound traffic src/splen -> dst/dplen met one of our policies
	 * without an SA (XFRM_MSG_ACQUIRE).  May be NULL. */
	void	(*ko_acquire)(void *arg, struct in_addr src, uint8_t splen,
		    struct in_addr dst, uint8_t dplen);
	/*
	 * One dump of every SA's counters (XFRM_MSG_GETSA with NLM_F_DUMP):
	 * until ko_stats_release(), ko_sa_stats answers from it, so that a
	 * status or a metrics scrape costs one round trip, not one per SA.
	 * 0 or -1 (then ko_sa_stats asks the kernel as usual).  May be NULL.
	 */
	int	(*ko_stats_snapshot)(void *arg);
	void	(*ko_stats_release)(void *arg);
	/*
	 * As ko_stats_snapshot, but a dump made at most max_ms ago (by
	 * either call) is used again rather than a new one: for a look that
	 * many IKE SAs make every few seconds (dead peer detection), one
	 * dump of every SA per max_ms instead of one per IKE SA and look.
	 * Released with ko_stats_release.  May be NULL (then
	 * ko_stats_snapshot).
	 */
	int	(*ko_stats_snapshot_recent)(void *arg, unsigned max_ms);
	/*
	 * As ko_stats_snapshot, for the n SAs of ids only: one GETSA each,
	 * sent in batches with the answers matched by sequence number, so
	 * that the last counters of one IKE SA's CHILD SAs cost their own
	 * answers, not a dump of every SA the kernel holds.  An SA not
	 * found reads as gone.  Released with ko_stats_release; never
	 * used again by ko_stats_snapshot_recent.  0 or -1.  May be NULL
	 * (then ko_stats_snapshot).
	 */
	int	(*ko_stats_fetch)(void *arg, const struct kernel_sa_id *ids,
		    int n);
	/*
	 * Set by the engine (its bookkeeping, not a kernel call): the final
	 * counters of a CHILD SA of tunnel `tunnel` whose SAs leave the
	 * kernel (in/out NULL: that direction was not installed), or, with
	 * rekey 1 and no counters, a CHILD SA that a rekey replaced.  Called
	 * (by ipsec/) with ko_event_arg.  Tunnel totals add them up so that
	 * they never go backwards.  May be NULL.
	 */
	void	(*ko_child_acct)(void *arg, const char *tunnel,
		    const struct kernel_sa_stats *in,
		    const struct kernel_sa_stats *out, int rekey);
	/*
	 * The keys of an installed SA as the kernel holds them (XFRM_MSG_
	 * GETSA: the cipher or AEAD key with its salt, the integrity key),
	 * each into a buffer of cap bytes: for an HA bulk dump of CHILD
	 * SAs whose keys the engine wiped after installation.  0 or -1;
	 * the caller wipes them.  May be NULL.
	 */
	int	(*ko_sa_keys)(void *arg, uint8_t proto, uint32_t spi,
		    struct in_addr dst, uint8_t *ekey, size_t *ekey_len,
		    uint8_t *akey, size_t *akey_len, size_t cap);
};

/*
 * The real kernel (xfrm.c).  kernel_xfrm_open() connects the netlink
 * socket, checks that xfrm_user/esp4/ah4 are usable (one clear error
 * naming the missing module otherwise) and removes stale SAs, policies
 * and routes a previous gatewayd left (reqids in our range).
 */
int	kernel_xfrm_open(struct kernel_ops *ops);
/* Same without the ESP/AH probe: for tests on kernels lacking esp4. */
int	kernel_xfrm_open_noprobe(struct kernel_ops *ops);
/*
 * Subscribes to the kernel's SA expiry and acquire notifications
 * (XFRMGRP_EXPIRE, XFRMGRP_ACQUIRE): the returned non-blocking fd is to
 * be watched for reading, and kernel_xfrm_events_read() called when it
 * is readable.  -1 on error.
 */
int	kernel_xfrm_events_open(struct kernel_ops *ops);
/* Reads the pending notifications: expiries of our SAs go to
 * ops->ko_expire, acquires to ops->ko_acquire.  Malformed ones are
 * dropped with a debug log. */
void	kernel_xfrm_events_read(struct kernel_ops *ops);
/*
 * Requests that can wait (deletes of SAs and policies, routes) are not
 * made on the packet path: kernel_xfrm_defer() queues them, calls
 * kick(arg) when the first one is queued, and the caller's loop then
 * runs kernel_xfrm_flush() once the datagram or timer at hand is dealt
 * with (the daemon: an event made active, so the answer to the peer goes
 * out first).  Any request that cannot wait (an SA or policy added, an
 * SPI, counters) makes the queued ones first, so the kernel sees every
 * request in the order it was asked.  kick NULL: each request is made at
 * once again (the default; the queue is flushed first).
 */
void	kernel_xfrm_defer(struct kernel_ops *ops, void (*kick)(void *),
	    void *arg);
void	kernel_xfrm_flush(struct kernel_ops *ops);
/* Requests waiting for kernel_xfrm_flush(); batches of deletes sent
 * (consecutive waiting deletes go to the kernel in one send). */
size_t	kernel_xfrm_waiting(const struct kernel_ops *ops);
uint64_t kernel_xfrm_batches(const struct kernel_ops *ops);
/* Removes everything installed through ops (shutdown), closes. */
void	kernel_xfrm_close(struct kernel_ops *ops);
/*
 * Benchmarks only (null.c): kernel_ops that hand out SPIs and accept
 * and forget everything else.  kernel_null_open() fails with an error
 * unless the build was configured with --enable-bench;
 * kernel_null_available() says which (1 or 0).
 */
int	kernel_null_open(struct kernel_ops *ops);
void	kernel_null_close(struct kernel_ops *ops);
int	kernel_null_available(void);
/* Makes an IKE socket bypass IPsec (IP_XFRM_POLICY allow, in and out). */
int	kernel_socket_bypass(int fd);
/* Allocates a reqid in gatewayd's range (stale-cleanup recognises it). */
uint32_t kernel_reqid_new(void);

#define KERNEL_REQID_BASE	0x67770000u	/* gatewayd's reqid range */
#define KERNEL_REQID_MASK	0xffff0000u

#endif
