/*
 * mock_kernel.h - a struct kernel_ops that records SAs, policies and
 * routes in tables (SPIs from a counter), for exchange tests.  Like
 * XFRM, adding an existing SA or policy fails, deleting a missing one
 * fails, and an update needs the larval SA from spi_alloc.
 */
#ifndef GW_MOCK_KERNEL_H
#define GW_MOCK_KERNEL_H

#include "crypto/crypto.h"
#include "kernel/kernel.h"

/* a 20 x 20 tunnel: 800 SAs, 1,200 policies (and room to rekey) */
#define MOCK_KERNEL_MAX	1280

struct mock_sa {
	struct kernel_sa	 m_sa;		/* key pointers point below */
	uint8_t			 m_ekey[CRYPTO_MAX_KEY];
	uint8_t			 m_akey[CRYPTO_MAX_KEY];
	int			 m_larval;
	/* mock_kernel_traffic: this SA's own counters instead of the
	 * shared mk_stats_bytes */
	int			 m_traffic;
	uint64_t		 m_bytes, m_packets;
	/* its counters as the last ko_stats_snapshot saw them */
	uint64_t		 m_snap_bytes, m_snap_packets;
	/* outbound: the last sequence number sent, ks_oseq plus the
	 * packets of mock_kernel_traffic (st_oseq), and as last dumped */
	uint64_t		 m_oseq, m_snap_oseq;
	int			 m_snapped;	/* in the held dump or fetch */
};

struct mock_route {
	struct in_addr		 r_net;
	uint8_t			 r_plen;
	struct in_addr		 r_peer;
};

struct mock_kernel {
	struct kernel_ops	 mk_ops;	/* hand &mk_ops to ike_new() */
	struct mock_sa		 mk_sa[MOCK_KERNEL_MAX];
	int			 mk_nsa;
	struct kernel_policy	 mk_pol[MOCK_KERNEL_MAX];
	int			 mk_npol;
	struct mock_route	 mk_route[MOCK_KERNEL_MAX];
	int			 mk_nroute;
	uint32_t		 mk_next_spi;	/* host order */
	int			 mk_errors;	/* failed calls */
	int			 mk_updates;	/* UPDSA of valid SAs */
	int			 mk_batches;	/* ko_child_add calls */
	/* ko_sa_stats reports mk_stats_bytes (1000), then adds
	 * mk_stats_step (0): traffic for dead peer detection tests */
	uint64_t		 mk_stats_bytes;
	uint64_t		 mk_stats_step;
	uint64_t		 mk_stats_packets;	/* reported (10) */
	/* ko_stats_snapshot: dumps made; while one is held, ko_sa_stats
	 * answers from it (mk_stats_snap calls), else from the SAs
	 * themselves (mk_stats_live calls, one GETSA each in XFRM) */
	int			 mk_ndumps;
	/* ko_stats_fetch: calls and the SAs they named (one GETSA each in
	 * XFRM); while one is held, SAs it did not name read as gone */
	int			 mk_nfetch;
	int			 mk_fetched;
	int			 mk_snap_on;
	uint64_t		 mk_stats_snap, mk_stats_live;
	int			 mk_key_reads;	/* ko_sa_keys calls */
};

void	mock_kernel_init(struct mock_kernel *mk, uint32_t first_spi);
/* Installed (non-larval) SAs. */
int	mock_kernel_nsa(const struct mock_kernel *mk);
int	mock_kernel_nlarval(const struct mock_kernel *mk);
/* The installed SA with this SPI (network order) or NULL. */
const struct mock_sa *mock_kernel_sa(const struct mock_kernel *mk,
	    uint32_t spi);
/*
 * The SA with this SPI reaches its soft (hard 0) or hard lifetime: as
 * XFRM does, a hard expiry removes it, then the engine is told
 * (ko_expire).  0, or -1 if there is no such SA.
 */
int	mock_kernel_expire(struct mock_kernel *mk, uint32_t spi, int hard);
/*
 * The SA with this SPI reaches its soft (hard 0) or hard byte/packet
 * limit: its counters are set to that limit, a hard expiry removes it,
 * then the engine is told (ko_expire, volume 1).  -1 if there is no such
 * SA or it was installed without that limit.
 */
int	mock_kernel_expire_volume(struct mock_kernel *mk, uint32_t spi,
	    int hard);
/* The SA with this SPI has carried bytes and packets (its counters from
 * now on; an outbound SA's last sequence number is ks_oseq + packets).
 * 0, or -1 if there is no such SA. */
int	mock_kernel_traffic(struct mock_kernel *mk, uint32_t spi,
	    uint64_t bytes, uint64_t packets);
/* Outbound traffic src/splen -> dst/dplen found a policy without SA:
 * the engine is told, as by XFRM_MSG_ACQUIRE (ko_acquire). */
void	mock_kernel_acquire(struct mock_kernel *mk, const char *src,
	    int splen, const char *dst, int dplen);
/* The policy with this direction and selector, or NULL. */
const struct kernel_policy *mock_kernel_policy(const struct mock_kernel *mk,
	    int dir, const char *src, const char *dst);

#endif
