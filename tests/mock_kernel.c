/*
 * mock_kernel.c - kernel_ops over plain tables (see mock_kernel.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/mock_kernel.h"

static struct mock_sa *
mock_sa_find(struct mock_kernel *mk, uint8_t proto, uint32_t spi,
    struct in_addr dst)
{
	int	i;

	for (i = 0; i < mk->mk_nsa; i++)
		if (mk->mk_sa[i].m_sa.ks_proto == proto &&
		    mk->mk_sa[i].m_sa.ks_spi == spi &&
		    mk->mk_sa[i].m_sa.ks_dst.s_addr == dst.s_addr)
			return (&mk->mk_sa[i]);
	return (NULL);
}

#define mock_fail(mk)	mock_fail_at((mk), __func__)

static int
mock_fail_at(struct mock_kernel *mk, const char *fn)
{
	if (getenv("GW_DEBUG") != NULL)
		fprintf(stderr, "mock kernel: %s failed\n", fn);
	mk->mk_errors++;
	return (-1);
}

static int
mock_spi_alloc(void *arg, uint8_t proto, struct in_addr src,
    struct in_addr dst, uint32_t reqid, uint32_t *spi)
{
	struct mock_kernel	*mk = arg;
	struct mock_sa		*m;

	if (mk->mk_nsa == MOCK_KERNEL_MAX)
		return (mock_fail(mk));
	m = &mk->mk_sa[mk->mk_nsa++];
	memset(m, 0, sizeof(*m));
	m->m_sa.ks_proto = proto;
	m->m_sa.ks_spi = *spi = htonl(mk->mk_next_spi++);
	m->m_sa.ks_src = src;
	m->m_sa.ks_dst = dst;
	m->m_sa.ks_reqid = reqid;
	m->m_larval = 1;
	return (0);
}

static int
mock_sa_add(void *arg, const struct kernel_sa *sa)
{
	struct mock_kernel	*mk = arg;
	struct mock_sa		*m;

	m = mock_sa_find(mk, sa->ks_proto, sa->ks_spi, sa->ks_dst);
	if (sa->ks_update ? m == NULL : m != NULL)
		return (mock_fail(mk));
	/* as XFRM_MSG_UPDSA of a valid SA: only the encapsulation changes,
	 * and only between two UDP ones */
	if (sa->ks_update && !m->m_larval) {
		if (m->m_sa.ks_encap_dport == 0 || sa->ks_encap_dport == 0 ||
		    m->m_sa.ks_src.s_addr != sa->ks_src.s_addr)
			return (mock_fail(mk));
		m->m_sa.ks_encap_sport = sa->ks_encap_sport;
		m->m_sa.ks_encap_dport = sa->ks_encap_dport;
		mk->mk_updates++;
		return (0);
	}
	if (m == NULL) {
		if (mk->mk_nsa == MOCK_KERNEL_MAX)
			return (mock_fail(mk));
		m = &mk->mk_sa[mk->mk_nsa++];
	}
	if (sa->ks_ekey_len > CRYPTO_MAX_KEY || sa->ks_akey_len > CRYPTO_MAX_KEY)
		return (mock_fail(mk));
	memset(m, 0, sizeof(*m));
	m->m_sa = *sa;
	memcpy(m->m_ekey, sa->ks_ekey, sa->ks_ekey_len);
	memcpy(m->m_akey, sa->ks_akey, sa->ks_akey_len);
	m->m_sa.ks_ekey = m->m_ekey;
	m->m_sa.ks_akey = m->m_akey;
	m->m_oseq = sa->ks_oseq;
	return (0);
}

static int
mock_sa_del(void *arg, uint8_t proto, uint32_t spi, struct in_addr dst)
{
	struct mock_kernel	*mk = arg;
	struct mock_sa		*m;
	int			 i;

	if ((m = mock_sa_find(mk, proto, spi, dst)) == NULL)
		return (mock_fail(mk));
	i = m - mk->mk_sa;
	memmove(&mk->mk_sa[i], &mk->mk_sa[i + 1],
	    (mk->mk_nsa - i - 1) * sizeof(mk->mk_sa[0]));
	mk->mk_nsa--;
	/* the moved entries' key pointers point into their own slots */
	for (; i < mk->mk_nsa; i++) {
		mk->mk_sa[i].m_sa.ks_ekey = mk->mk_sa[i].m_ekey;
		mk->mk_sa[i].m_sa.ks_akey = mk->mk_sa[i].m_akey;
	}
	return (0);
}

static int
mock_sa_stats(void *arg, uint8_t proto, uint32_t spi, struct in_addr dst,
    struct kernel_sa_stats *st)
{
	struct mock_kernel	*mk = arg;
	struct mock_sa		*m;

	if ((m = mock_sa_find(mk, proto, spi, dst)) == NULL)
		return (-1);
	st->st_use_time = 0;
	if (mk->mk_snap_on) {
		if (!m->m_snapped)
			return (-1);
		mk->mk_stats_snap++;
		st->st_bytes = m->m_snap_bytes;
		st->st_packets = m->m_snap_packets;
		st->st_oseq = m->m_snap_oseq;
		return (0);
	}
	mk->mk_stats_live++;
	st->st_oseq = m->m_oseq;
	if (m->m_traffic) {
		st->st_bytes = m->m_bytes;
		st->st_packets = m->m_packets;
		return (0);
	}
	st->st_bytes = mk->mk_stats_bytes;
	st->st_packets = mk->mk_stats_packets;
	mk->mk_stats_bytes += mk->mk_stats_step;
	return (0);
}

static int
mock_sa_keys(void *arg, uint8_t proto, uint32_t spi, struct in_addr dst,
    uint8_t *ekey, size_t *ekey_len, uint8_t *akey, size_t *akey_len,
    size_t cap)
{
	struct mock_kernel	*mk = arg;
	struct mock_sa		*m;

	if ((m = mock_sa_find(mk, proto, spi, dst)) == NULL || m->m_larval ||
	    m->m_sa.ks_ekey_len > cap || m->m_sa.ks_akey_len > cap)
		return (mock_fail(mk));
	mk->mk_key_reads++;
	memcpy(ekey, m->m_ekey, m->m_sa.ks_ekey_len);
	*ekey_len = m->m_sa.ks_ekey_len;
	memcpy(akey, m->m_akey, m->m_sa.ks_akey_len);
	*akey_len = m->m_sa.ks_akey_len;
	return (0);
}

/* m's counters as they are now, into the held snapshot */
static void
mock_snap_one(struct mock_kernel *mk, struct mock_sa *m)
{
	m->m_snap_bytes = m->m_traffic ? m->m_bytes : mk->mk_stats_bytes;
	m->m_snap_packets = m->m_traffic ? m->m_packets :
	    mk->mk_stats_packets;
	m->m_snap_oseq = m->m_oseq;
	m->m_snapped = 1;
}

/* One "dump": every SA's counters as they are now. */
static int
mock_stats_snapshot(void *arg)
{
	struct mock_kernel	*mk = arg;
	int			 i;

	for (i = 0; i < mk->mk_nsa; i++)
		mock_snap_one(mk, &mk->mk_sa[i]);
	/* the traffic of mk_stats_step shows in dumps too */
	mk->mk_stats_bytes += mk->mk_stats_step;
	mk->mk_ndumps++;
	mk->mk_snap_on = 1;
	return (0);
}

/* ko_stats_fetch: the named SAs' counters only */
static int
mock_stats_fetch(void *arg, const struct kernel_sa_id *ids, int n)
{
	struct mock_kernel	*mk = arg;
	struct mock_sa		*m;
	int			 i;

	for (i = 0; i < mk->mk_nsa; i++)
		mk->mk_sa[i].m_snapped = 0;
	for (i = 0; i < n; i++)
		if ((m = mock_sa_find(mk, ids[i].si_proto, ids[i].si_spi,
		    ids[i].si_dst)) != NULL)
			mock_snap_one(mk, m);
	mk->mk_stats_bytes += mk->mk_stats_step;
	mk->mk_nfetch++;
	mk->mk_fetched += n;
	mk->mk_snap_on = 1;
	return (0);
}

static void
mock_stats_release(void *arg)
{
	struct mock_kernel	*mk = arg;

	mk->mk_snap_on = 0;
}

int
mock_kernel_traffic(struct mock_kernel *mk, uint32_t spi, uint64_t bytes,
    uint64_t packets)
{
	int	 i;

	for (i = 0; i < mk->mk_nsa; i++)
		if (!mk->mk_sa[i].m_larval && mk->mk_sa[i].m_sa.ks_spi == spi) {
			mk->mk_sa[i].m_traffic = 1;
			mk->mk_sa[i].m_bytes = bytes;
			mk->mk_sa[i].m_packets = packets;
			/* as sent: one sequence number per packet */
			mk->mk_sa[i].m_oseq = mk->mk_sa[i].m_sa.ks_oseq +
			    packets;
			return (0);
		}
	return (-1);
}

static int
mock_pol_find(struct mock_kernel *mk, const struct kernel_policy *p)
{
	const struct kernel_policy	*q;
	int				 i;

	for (i = 0; i < mk->mk_npol; i++) {
		q = &mk->mk_pol[i];
		if (q->kp_dir == p->kp_dir &&
		    q->kp_src.s_addr == p->kp_src.s_addr &&
		    q->kp_src_plen == p->kp_src_plen &&
		    q->kp_dst.s_addr == p->kp_dst.s_addr &&
		    q->kp_dst_plen == p->kp_dst_plen)
			return (i);
	}
	return (-1);
}

static int
mock_policy_add(void *arg, const struct kernel_policy *p)
{
	struct mock_kernel	*mk = arg;

	int			 k;

	/* like XFRM_MSG_UPDPOLICY (kernel/xfrm.c): one with the same
	 * selector and direction is replaced */
	if ((k = mock_pol_find(mk, p)) != -1) {
		mk->mk_pol[k] = *p;
		return (0);
	}
	if (mk->mk_npol == MOCK_KERNEL_MAX)
		return (mock_fail(mk));
	mk->mk_pol[mk->mk_npol++] = *p;
	return (0);
}

/* ko_child_add: one batch, each item tried; policies as
 * XFRM_MSG_UPDPOLICY (an existing one with the selector is replaced) */
static int
mock_child_add(void *arg, const struct kernel_sa *sa, int nsa,
    const struct kernel_policy *pol, int npol, int *res)
{
	struct mock_kernel	*mk = arg;
	int			 i, rv = 0;

	mk->mk_batches++;
	for (i = 0; i < nsa; i++)
		if ((res[i] = mock_sa_add(mk, &sa[i]) == 0 ? 0 : EEXIST) != 0)
			rv = -1;
	for (i = 0; i < npol; i++) {
		res[nsa + i] = 0;
		if (mock_policy_add(mk, &pol[i]) == -1) {
			res[nsa + i] = ENOSPC;
			rv = -1;
		}
	}
	return (rv);
}

static int
mock_policy_del(void *arg, const struct kernel_policy *p)
{
	struct mock_kernel	*mk = arg;
	int			 i;

	if ((i = mock_pol_find(mk, p)) == -1)
		return (mock_fail(mk));
	memmove(&mk->mk_pol[i], &mk->mk_pol[i + 1],
	    (mk->mk_npol - i - 1) * sizeof(mk->mk_pol[0]));
	mk->mk_npol--;
	return (0);
}

static int
mock_route_find(struct mock_kernel *mk, struct in_addr net, uint8_t plen)
{
	int	i;

	for (i = 0; i < mk->mk_nroute; i++)
		if (mk->mk_route[i].r_net.s_addr == net.s_addr &&
		    mk->mk_route[i].r_plen == plen)
			return (i);
	return (-1);
}

static int
mock_route_add(void *arg, struct in_addr net, uint8_t plen,
    struct in_addr peer, struct in_addr src)
{
	struct mock_kernel	*mk = arg;
	struct mock_route	*r;

	if (mock_route_find(mk, net, plen) != -1 ||
	    mk->mk_nroute == MOCK_KERNEL_MAX)
		return (mock_fail(mk));
	r = &mk->mk_route[mk->mk_nroute++];
	r->r_net = net;
	r->r_plen = plen;
	r->r_peer = peer;
	return (0);
}

static int
mock_route_del(void *arg, struct in_addr net, uint8_t plen,
    struct in_addr peer, struct in_addr src)
{
	struct mock_kernel	*mk = arg;
	int			 i;

	if ((i = mock_route_find(mk, net, plen)) == -1)
		return (mock_fail(mk));
	memmove(&mk->mk_route[i], &mk->mk_route[i + 1],
	    (mk->mk_nroute - i - 1) * sizeof(mk->mk_route[0]));
	mk->mk_nroute--;
	return (0);
}

void
mock_kernel_init(struct mock_kernel *mk, uint32_t first_spi)
{
	memset(mk, 0, sizeof(*mk));
	mk->mk_next_spi = first_spi;
	mk->mk_stats_bytes = 1000;
	mk->mk_stats_packets = 10;
	mk->mk_ops.ko_arg = mk;
	mk->mk_ops.ko_spi_alloc = mock_spi_alloc;
	mk->mk_ops.ko_sa_add = mock_sa_add;
	mk->mk_ops.ko_sa_del = mock_sa_del;
	mk->mk_ops.ko_sa_stats = mock_sa_stats;
	mk->mk_ops.ko_sa_keys = mock_sa_keys;
	mk->mk_ops.ko_stats_snapshot = mock_stats_snapshot;
	mk->mk_ops.ko_stats_release = mock_stats_release;
	mk->mk_ops.ko_stats_fetch = mock_stats_fetch;
	mk->mk_ops.ko_policy_add = mock_policy_add;
	mk->mk_ops.ko_policy_del = mock_policy_del;
	mk->mk_ops.ko_child_add = mock_child_add;
	mk->mk_ops.ko_route_add = mock_route_add;
	mk->mk_ops.ko_route_del = mock_route_del;
}

int
mock_kernel_nsa(const struct mock_kernel *mk)
{
	int	i, n = 0;

	for (i = 0; i < mk->mk_nsa; i++)
		n += !mk->mk_sa[i].m_larval;
	return (n);
}

int
mock_kernel_nlarval(const struct mock_kernel *mk)
{
	return (mk->mk_nsa - mock_kernel_nsa(mk));
}

const struct mock_sa *
mock_kernel_sa(const struct mock_kernel *mk, uint32_t spi)
{
	int	i;

	for (i = 0; i < mk->mk_nsa; i++)
		if (!mk->mk_sa[i].m_larval && mk->mk_sa[i].m_sa.ks_spi == spi)
			return (&mk->mk_sa[i]);
	return (NULL);
}

const struct kernel_policy *
mock_kernel_policy(const struct mock_kernel *mk, int dir, const char *src,
    const char *dst)
{
	char	s[32], d[32], a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	int	i;

	for (i = 0; i < mk->mk_npol; i++) {
		if (mk->mk_pol[i].kp_dir != dir)
			continue;
		inet_ntop(AF_INET, &mk->mk_pol[i].kp_src, a, sizeof(a));
		inet_ntop(AF_INET, &mk->mk_pol[i].kp_dst, b, sizeof(b));
		snprintf(s, sizeof(s), "%s/%u", a, mk->mk_pol[i].kp_src_plen);
		snprintf(d, sizeof(d), "%s/%u", b, mk->mk_pol[i].kp_dst_plen);
		if (strcmp(s, src) == 0 && strcmp(d, dst) == 0)
			return (&mk->mk_pol[i]);
	}
	return (NULL);
}

int
mock_kernel_expire(struct mock_kernel *mk, uint32_t spi, int hard)
{
	const struct mock_sa	*m;
	uint8_t			 proto;
	struct in_addr		 dst;

	if ((m = mock_kernel_sa(mk, spi)) == NULL)
		return (-1);
	proto = m->m_sa.ks_proto;
	dst = m->m_sa.ks_dst;
	/* like XFRM: a hard expiry removes the SA before telling */
	if (hard && mock_sa_del(mk, proto, spi, dst) == -1)
		return (-1);
	if (mk->mk_ops.ko_expire != NULL)
		mk->mk_ops.ko_expire(mk->mk_ops.ko_event_arg, proto, spi, dst,
		    hard, 0);
	return (0);
}

int
mock_kernel_expire_volume(struct mock_kernel *mk, uint32_t spi, int hard)
{
	const struct mock_sa	*m;
	uint8_t			 proto;
	struct in_addr		 dst;
	uint64_t		 bytes, packets;

	if ((m = mock_kernel_sa(mk, spi)) == NULL)
		return (-1);
	proto = m->m_sa.ks_proto;
	dst = m->m_sa.ks_dst;
	/* the limit XFRM would have checked: none installed, no expiry */
	bytes = hard ? m->m_sa.ks_bytes_hard : m->m_sa.ks_bytes_soft;
	packets = hard ? m->m_sa.ks_packets_hard : m->m_sa.ks_packets_soft;
	if (bytes == 0 && packets == 0)
		return (-1);
	if (mock_kernel_traffic(mk, spi, bytes, packets) == -1)
		return (-1);
	if (hard && mock_sa_del(mk, proto, spi, dst) == -1)
		return (-1);
	if (mk->mk_ops.ko_expire != NULL)
		mk->mk_ops.ko_expire(mk->mk_ops.ko_event_arg, proto, spi, dst,
		    hard, 1);
	return (0);
}

void
mock_kernel_acquire(struct mock_kernel *mk, const char *src, int splen,
    const char *dst, int dplen)
{
	struct in_addr	 s, d;

	s.s_addr = inet_addr(src);
	d.s_addr = inet_addr(dst);
	if (mk->mk_ops.ko_acquire != NULL)
		mk->mk_ops.ko_acquire(mk->mk_ops.ko_event_arg, s,
		    (uint8_t)splen, d, (uint8_t)dplen);
}
