/*
 * xfrm.c - the real kernel behind struct kernel_ops: IPsec SAs and
 * policies over NETLINK_XFRM, routes over NETLINK_ROUTE (route.c).
 * Everything installed is remembered so kernel_xfrm_close() can take it
 * down again; a previous instance's leftovers are recognised by reqid.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <linux/xfrm.h>

#include "common/log.h"
#include "crypto/crypto.h"
#include "kernel/kernel_msg.h"

static int	xfrm_local_addr(void *, struct in_addr, uint8_t, struct in_addr *);

#ifndef IP_XFRM_POLICY
#define IP_XFRM_POLICY	17
#endif

enum kernel_entry_type {
	KE_SA,
	KE_POLICY,
	KE_ROUTE
};

struct kernel_entry {
	TAILQ_ENTRY(kernel_entry) ke_entry;	/* kx_entries, in order */
	LIST_ENTRY(kernel_entry) ke_hentry;	/* kx_hash */
	enum kernel_entry_type	 ke_type;
	uint8_t			 ke_proto;	/* KE_SA */
	uint32_t		 ke_spi;
	struct in_addr		 ke_dst;
	struct kernel_policy	 ke_pol;	/* KE_POLICY */
	struct in_addr		 ke_net;	/* KE_ROUTE */
	uint8_t			 ke_plen;
};

TAILQ_HEAD(kernel_entries, kernel_entry);
LIST_HEAD(kernel_entry_chain, kernel_entry);
#define XFRM_HASH_MIN	256	/* chains of the first table */

/* A request that can wait (kernel_xfrm_defer): what it removes or adds. */
enum xfrm_later_op {
	XL_SA_DEL,
	XL_POLICY_DEL,
	XL_ROUTE_ADD,
	XL_ROUTE_DEL
};

struct xfrm_later {
	TAILQ_ENTRY(xfrm_later)	 xl_entry;
	enum xfrm_later_op	 xl_op;
	uint8_t			 xl_proto;	/* XL_SA_DEL */
	uint32_t		 xl_spi;
	struct in_addr		 xl_dst;
	struct kernel_policy	 xl_pol;	/* XL_POLICY_DEL */
	struct in_addr		 xl_net;	/* XL_ROUTE_* */
	uint8_t			 xl_plen;
	struct in_addr		 xl_peer;
	struct in_addr		 xl_src;
};

TAILQ_HEAD(xfrm_laters, xfrm_later);

struct kernel_xfrm {
	struct kernel_nl	 kx_xfrm;
	struct kernel_nl	 kx_route;
	struct mnl_socket	*kx_events;	/* XFRMGRP_EXPIRE */
	struct kernel_entries	 kx_entries;
	/* the same entries by what names them (xfrm_entry_find): a
	 * table that doubles when it holds more entries than chains */
	struct kernel_entry_chain *kx_hash;
	size_t			 kx_hsize;
	size_t			 kx_nentries;
	int			 kx_rule_added;
	/* ko_stats_snapshot: every SA's counters, sorted (xfrm_snap_cmp) */
	struct xfrm_sa_counters	*kx_snap;
	size_t			 kx_nsnap;
	size_t			 kx_snapcap;
	int			 kx_snap_on;
	/* when the dump in kx_snap was made (monotonic ms; 0: none kept),
	 * for ko_stats_snapshot_recent */
	uint64_t		 kx_snap_ms;
	/* requests that wait for kernel_xfrm_flush(), in order; kx_kick
	 * NULL: none wait, each is made at once */
	struct xfrm_laters	 kx_later;
	size_t			 kx_nlater;
	void			(*kx_kick)(void *);
	void			*kx_kick_arg;
	int			 kx_flushing;
	uint64_t		 kx_batches;	/* delete batches sent */
	/* ko_policy_hash: the thresholds found (restored at close; -1:
	 * not read yet) and the ones set now */
	int			 kx_hth_found[2];
	int			 kx_hth[2];
};

static void	xfrm_catch_up(struct kernel_xfrm *);
/* requests of one send of xfrm_child_add at most */
#define XFRM_CHILD_BATCH	128

/* An SA or policy found in a dump that belongs to an earlier gatewayd. */
struct xfrm_stale {
	struct kernel_policy	*xs_pol;
	struct kernel_sa	*xs_sa;
	size_t			 xs_n;
	size_t			 xs_cap;
};

static const int xfrm_quiet_gone[] = { ESRCH, ENOENT, 0 };

static int
xfrm_reqid_ours(uint32_t reqid)
{
	return ((reqid & KERNEL_REQID_MASK) == KERNEL_REQID_BASE);
}

static const char *
xfrm_proto_name(uint8_t proto)
{
	return (proto == IPPROTO_AH ? "ah" : "esp");
}

/* --- the record of what we installed --- */

static int
xfrm_entry_match(const struct kernel_entry *a, const struct kernel_entry *b)
{
	if (a->ke_type != b->ke_type)
		return (0);
	switch (a->ke_type) {
	case KE_SA:
		return (a->ke_proto == b->ke_proto && a->ke_spi == b->ke_spi &&
		    a->ke_dst.s_addr == b->ke_dst.s_addr);
	case KE_POLICY:
		return (a->ke_pol.kp_dir == b->ke_pol.kp_dir &&
		    a->ke_pol.kp_src.s_addr == b->ke_pol.kp_src.s_addr &&
		    a->ke_pol.kp_src_plen == b->ke_pol.kp_src_plen &&
		    a->ke_pol.kp_dst.s_addr == b->ke_pol.kp_dst.s_addr &&
		    a->ke_pol.kp_dst_plen == b->ke_pol.kp_dst_plen);
	case KE_ROUTE:
		return (a->ke_net.s_addr == b->ke_net.s_addr &&
		    a->ke_plen == b->ke_plen);
	}
	return (0);
}

/* What names an entry, mixed (the kernel's own values: not hostile). */
static size_t
xfrm_entry_slot(const struct kernel_xfrm *kx, const struct kernel_entry *k)
{
	uint64_t	 x = (uint64_t)k->ke_type << 56;

	switch (k->ke_type) {
	case KE_SA:
		x ^= (uint64_t)k->ke_spi << 8 ^ k->ke_proto ^
		    (uint64_t)k->ke_dst.s_addr << 24;
		break;
	case KE_POLICY:
		x ^= (uint64_t)k->ke_pol.kp_src.s_addr ^
		    (uint64_t)k->ke_pol.kp_dst.s_addr << 32 ^
		    (uint64_t)k->ke_pol.kp_src_plen << 8 ^
		    (uint64_t)k->ke_pol.kp_dst_plen << 16 ^
		    (uint64_t)k->ke_pol.kp_dir << 48;
		break;
	case KE_ROUTE:
		x ^= (uint64_t)k->ke_net.s_addr ^ (uint64_t)k->ke_plen << 32;
		break;
	}
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return ((size_t)x & (kx->kx_hsize - 1));
}

/* Doubles the table; 0, or -1 if there is none (no memory at all). */
static int
xfrm_hash_grow(struct kernel_xfrm *kx)
{
	struct kernel_entry_chain	*nh, *old = kx->kx_hash;
	struct kernel_entry		*ke;
	size_t				 i, size, oldsize = kx->kx_hsize;

	size = oldsize == 0 ? XFRM_HASH_MIN : oldsize * 2;
	if ((nh = calloc(size, sizeof(*nh))) == NULL)
		return (oldsize == 0 ? -1 : 0);	/* longer chains do */
	for (i = 0; i < size; i++)
		LIST_INIT(&nh[i]);
	kx->kx_hash = nh;
	kx->kx_hsize = size;
	for (i = 0; i < oldsize; i++)
		while ((ke = LIST_FIRST(&old[i])) != NULL) {
			LIST_REMOVE(ke, ke_hentry);
			LIST_INSERT_HEAD(&nh[xfrm_entry_slot(kx, ke)], ke,
			    ke_hentry);
		}
	free(old);
	return (0);
}

static struct kernel_entry *
xfrm_entry_find(struct kernel_xfrm *kx, const struct kernel_entry *key)
{
	struct kernel_entry	*ke;

	if (kx->kx_hsize == 0)
		return (NULL);
	LIST_FOREACH(ke, &kx->kx_hash[xfrm_entry_slot(kx, key)], ke_hentry)
		if (xfrm_entry_match(ke, key))
			return (ke);
	return (NULL);
}

/* Takes ke out of the list and the table, frees it. */
static void
xfrm_entry_free(struct kernel_xfrm *kx, struct kernel_entry *ke)
{
	TAILQ_REMOVE(&kx->kx_entries, ke, ke_entry);
	LIST_REMOVE(ke, ke_hentry);
	kx->kx_nentries--;
	free(ke);
}

static void
xfrm_entry_record(struct kernel_xfrm *kx, const struct kernel_entry *key)
{
	struct kernel_entry	*ke;

	if ((ke = xfrm_entry_find(kx, key)) == NULL) {
		if (((kx->kx_hsize == 0 || kx->kx_nentries >= kx->kx_hsize) &&
		    xfrm_hash_grow(kx) == -1) ||
		    (ke = calloc(1, sizeof(*ke))) == NULL) {
			log_warn("kernel: out of memory: cannot remove at "
			    "exit");
			return;
		}
		*ke = *key;
		TAILQ_INSERT_TAIL(&kx->kx_entries, ke, ke_entry);
		LIST_INSERT_HEAD(&kx->kx_hash[xfrm_entry_slot(kx, ke)], ke,
		    ke_hentry);
		kx->kx_nentries++;
		return;
	}
	ke->ke_type = key->ke_type;
	ke->ke_proto = key->ke_proto;
	ke->ke_spi = key->ke_spi;
	ke->ke_dst = key->ke_dst;
	ke->ke_pol = key->ke_pol;
	ke->ke_net = key->ke_net;
	ke->ke_plen = key->ke_plen;
}

static void
xfrm_entry_forget(struct kernel_xfrm *kx, const struct kernel_entry *key)
{
	struct kernel_entry	*ke;

	if ((ke = xfrm_entry_find(kx, key)) != NULL)
		xfrm_entry_free(kx, ke);
}

/* --- SAs --- */

static int
xfrm_sa_reply_cb(const struct nlmsghdr *nlh, void *data)
{
	struct xfrm_usersa_info	*out = data;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA)
		return (MNL_CB_OK);
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*out))) {
		log_debug("kernel: short SA reply (%u)", nlh->nlmsg_len);
		return (MNL_CB_OK);
	}
	memcpy(out, mnl_nlmsg_get_payload(nlh), sizeof(*out));
	out->family = AF_INET + 1;	/* mark: filled in */
	return (MNL_CB_OK);
}

static int
xfrm_spi_alloc(void *arg, uint8_t proto, struct in_addr src,
    struct in_addr dst, uint32_t reqid, uint32_t *spi)
{
	struct kernel_xfrm	*kx = arg;
	char			 buf[KERNEL_MSG_SIZE];
	struct nlmsghdr		*nlh;
	struct xfrm_usersa_info	 si;
	struct kernel_entry	 key;
	uint32_t		 h;

	xfrm_catch_up(kx);
	memset(&si, 0, sizeof(si));
	if ((nlh = xfrm_msg_spi_build(buf, sizeof(buf), proto, src, dst,
	    reqid, kernel_nl_seq(&kx->kx_xfrm))) == NULL ||
	    kernel_nl_talk(&kx->kx_xfrm, nlh, xfrm_sa_reply_cb, &si,
	    NULL) == -1)
		return (-1);
	h = ntohl(si.id.spi);
	if (si.family != AF_INET + 1 || h < KERNEL_SPI_MIN ||
	    h > KERNEL_SPI_MAX) {
		log_err("kernel: ALLOCSPI: no usable SPI in reply");
		return (-1);
	}
	*spi = si.id.spi;
	/* The larval SA: removed at close if never completed. */
	memset(&key, 0, sizeof(key));
	key.ke_type = KE_SA;
	key.ke_proto = proto;
	key.ke_spi = si.id.spi;
	key.ke_dst = dst;
	xfrm_entry_record(kx, &key);
	log_debug("kernel: allocated %s SPI 0x%08x reqid %u",
	    xfrm_proto_name(proto), h, reqid);
	return (0);
}

static int
xfrm_sa_add(void *arg, const struct kernel_sa *sa)
{
	struct kernel_xfrm	*kx = arg;
	char			 buf[KERNEL_MSG_SIZE];
	char			 s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
	struct nlmsghdr		*nlh;
	struct kernel_entry	 key;
	int			 ret = -1;

	xfrm_catch_up(kx);
	inet_ntop(AF_INET, &sa->ks_src, s, sizeof(s));
	inet_ntop(AF_INET, &sa->ks_dst, d, sizeof(d));
	if ((nlh = xfrm_msg_sa_build(buf, sizeof(buf), sa,
	    kernel_nl_seq(&kx->kx_xfrm))) == NULL) {
		log_err("kernel: cannot build %s SA %s->%s (algorithms %d/%d "
		    "bits %d)", xfrm_proto_name(sa->ks_proto), s, d,
		    sa->ks_encr, sa->ks_integ, sa->ks_encr_bits);
		goto done;
	}
	if (kernel_nl_talk(&kx->kx_xfrm, nlh, NULL, NULL, NULL) == -1)
		goto done;
	memset(&key, 0, sizeof(key));
	key.ke_type = KE_SA;
	key.ke_proto = sa->ks_proto;
	key.ke_spi = sa->ks_spi;
	key.ke_dst = sa->ks_dst;
	xfrm_entry_record(kx, &key);
	log_debug("kernel: %s SA %s->%s SPI 0x%08x reqid %u installed",
	    xfrm_proto_name(sa->ks_proto), s, d, ntohl(sa->ks_spi),
	    sa->ks_reqid);
	ret = 0;
 done:
	/* The request carried the keys. */
	explicit_bzero(buf, sizeof(buf));
	return (ret);
}

/*
 * ko_child_add: the SAs and then the policies (UPDPOLICY) of a CHILD SA
 * in as few sends as fit KERNEL_BATCH_SIZE (one for a CHILD SA of a few
 * selector pairs), each request answered only when refused and the last
 * one acknowledged (kernel_nl_batch_acklast): one send and one receive
 * instead of one of each per SA and policy.  res: see kernel.h.
 */
static int
xfrm_child_add(void *arg, const struct kernel_sa *sa, int nsa,
    const struct kernel_policy *pol, int npol, int *res)
{
	struct kernel_xfrm	*kx = arg;
	static char		 batch[KERNEL_BATCH_SIZE];
	char			 one[KERNEL_MSG_SIZE];
	char			 s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
	struct nlmsghdr		*nlh;
	struct kernel_entry	 key;
	int			 idx[XFRM_CHILD_BATCH], got[XFRM_CHILD_BATCH];
	size_t			 len, sz;
	int			 i, j, n, rv = 0, total = nsa + npol;

	xfrm_catch_up(kx);
	for (i = 0; i < total; ) {
		/* as many requests as fit one send */
		for (len = 0, n = 0; i < total && n < XFRM_CHILD_BATCH; i++) {
			if (i < nsa)
				nlh = xfrm_msg_sa_build(one, sizeof(one),
				    &sa[i], kx->kx_xfrm.kn_seq + 1);
			else
				nlh = xfrm_msg_policy_build(one, sizeof(one),
				    XFRM_MSG_UPDPOLICY, &pol[i - nsa],
				    kx->kx_xfrm.kn_seq + 1);
			if (nlh == NULL) {
				log_err("kernel: cannot build the %s request "
				    "%d of a CHILD SA", i < nsa ? "SA" :
				    "policy", i);
				res[i] = EINVAL;
				rv = -1;
				continue;
			}
			sz = MNL_ALIGN(nlh->nlmsg_len);
			if (len + sz > sizeof(batch))
				break;			/* the next send */
			(void)kernel_nl_seq(&kx->kx_xfrm);
			memcpy(batch + len, one, sz);
			len += sz;
			idx[n++] = i;
		}
		/* the SA requests carried keys */
		explicit_bzero(one, sizeof(one));
		if (n == 0)
			continue;
		if (kernel_nl_batch_acklast(&kx->kx_xfrm, batch, len, n,
		    got) == -1)
			for (j = 0; j < n; j++)
				got[j] = EIO;
		explicit_bzero(batch, len);
		kx->kx_batches++;
		for (j = 0; j < n; j++) {
			res[idx[j]] = got[j];
			if (got[j] != 0) {
				rv = -1;
				continue;
			}
			memset(&key, 0, sizeof(key));
			if (idx[j] < nsa) {
				const struct kernel_sa *a = &sa[idx[j]];

				key.ke_type = KE_SA;
				key.ke_proto = a->ks_proto;
				key.ke_spi = a->ks_spi;
				key.ke_dst = a->ks_dst;
				inet_ntop(AF_INET, &a->ks_src, s, sizeof(s));
				inet_ntop(AF_INET, &a->ks_dst, d, sizeof(d));
				log_debug("kernel: %s SA %s->%s SPI 0x%08x "
				    "reqid %u installed",
				    xfrm_proto_name(a->ks_proto), s, d,
				    ntohl(a->ks_spi), a->ks_reqid);
			} else {
				key.ke_type = KE_POLICY;
				key.ke_pol = pol[idx[j] - nsa];
				inet_ntop(AF_INET, &key.ke_pol.kp_src, s,
				    sizeof(s));
				inet_ntop(AF_INET, &key.ke_pol.kp_dst, d,
				    sizeof(d));
				log_debug("kernel: policy %s/%u -> %s/%u dir %d "
				    "reqid %u", s, key.ke_pol.kp_src_plen, d,
				    key.ke_pol.kp_dst_plen, key.ke_pol.kp_dir,
				    key.ke_pol.kp_reqid);
			}
			xfrm_entry_record(kx, &key);
		}
	}
	return (rv);
}

static int
xfrm_spd_cb(const struct nlmsghdr *nlh, void *data)
{
	int	*bits = data;

	if (xfrm_msg_spd_parse(nlh, &bits[0], &bits[1]) == -1)
		log_warn("kernel: no policy hash thresholds in the answer");
	return (MNL_CB_OK);
}

/* The kernel's IPv4 policy hash thresholds to (lbits, rbits) (-1 -1:
 * back to those found first); see kernel.h. */
static int
xfrm_policy_hash(void *arg, int lbits, int rbits)
{
	struct kernel_xfrm	*kx = arg;
	char			 buf[KERNEL_MSG_SIZE];
	struct nlmsghdr		*nlh;

	if (kx->kx_hth_found[0] < 0) {
		if ((nlh = xfrm_msg_spd_build(buf, sizeof(buf), -1, 0,
		    kernel_nl_seq(&kx->kx_xfrm))) == NULL ||
		    kernel_nl_talk(&kx->kx_xfrm, nlh, xfrm_spd_cb,
		    kx->kx_hth_found, NULL) == -1 || kx->kx_hth_found[0] < 0) {
			kx->kx_hth_found[0] = -1;
			return (-1);
		}
		kx->kx_hth[0] = kx->kx_hth_found[0];
		kx->kx_hth[1] = kx->kx_hth_found[1];
	}
	if (lbits < 0) {
		lbits = kx->kx_hth_found[0];
		rbits = kx->kx_hth_found[1];
	}
	if (lbits == kx->kx_hth[0] && rbits == kx->kx_hth[1])
		return (0);
	if ((nlh = xfrm_msg_spd_build(buf, sizeof(buf), lbits, rbits,
	    kernel_nl_seq(&kx->kx_xfrm))) == NULL ||
	    kernel_nl_talk(&kx->kx_xfrm, nlh, NULL, NULL, NULL) == -1)
		return (-1);
	log_info("kernel: XFRM policy hash thresholds %d/%d (were %d/%d): "
	    "policies with a local prefix of %d bits or more and a remote "
	    "one of %d or more are hashed", lbits, rbits, kx->kx_hth[0],
	    kx->kx_hth[1], lbits, rbits);
	kx->kx_hth[0] = lbits;
	kx->kx_hth[1] = rbits;
	return (0);
}

static int
xfrm_sa_del_now(void *arg, uint8_t proto, uint32_t spi, struct in_addr dst)
{
	struct kernel_xfrm	*kx = arg;
	char			 buf[KERNEL_MSG_SIZE];
	struct nlmsghdr		*nlh;
	struct kernel_entry	 key;

	if ((nlh = xfrm_msg_sa_id_build(buf, sizeof(buf), XFRM_MSG_DELSA,
	    proto, spi, dst, kernel_nl_seq(&kx->kx_xfrm))) == NULL)
		return (-1);
	memset(&key, 0, sizeof(key));
	key.ke_type = KE_SA;
	key.ke_proto = proto;
	key.ke_spi = spi;
	key.ke_dst = dst;
	xfrm_entry_forget(kx, &key);
	if (kernel_nl_talk(&kx->kx_xfrm, nlh, NULL, NULL,
	    xfrm_quiet_gone) == -1) {
		if (errno != ESRCH && errno != ENOENT)
			return (-1);
		/* Expired by its hard lifetime already: nothing to do. */
		log_debug("kernel: SA 0x%08x already gone", ntohl(spi));
	}
	return (0);
}

/* GETSA's answer: the SA and its XFRMA_LASTUSED (the last packet's
 * time; curlft.use_time is the first one's). */
struct xfrm_sa_reply {
	struct xfrm_usersa_info	 r_si;
	uint64_t		 r_lastused;
	uint64_t		 r_oseq;
};

static int
xfrm_sa_lastused_cb(const struct nlattr *attr, void *data)
{
	struct xfrm_sa_reply	*r = data;

	if (mnl_attr_get_type(attr) == XFRMA_LASTUSED &&
	    mnl_attr_validate(attr, MNL_TYPE_U64) == 0)
		r->r_lastused = mnl_attr_get_u64(attr);
	else
		(void)xfrm_msg_attr_oseq(attr, &r->r_oseq);
	return (MNL_CB_OK);
}

static int
xfrm_sa_stats_cb(const struct nlmsghdr *nlh, void *data)
{
	struct xfrm_sa_reply	*r = data;

	if (xfrm_sa_reply_cb(nlh, &r->r_si) != MNL_CB_OK ||
	    r->r_si.family != AF_INET + 1)
		return (MNL_CB_OK);
	(void)mnl_attr_parse(nlh, sizeof(struct xfrm_usersa_info),
	    xfrm_sa_lastused_cb, r);
	return (MNL_CB_OK);
}

/* --- the counters of every SA in one dump (status, metrics) --- */

static int
xfrm_snap_cmp(const void *a, const void *b)
{
	const struct xfrm_sa_counters	*x = a, *y = b;

	if (x->xc_spi != y->xc_spi)
		return (x->xc_spi < y->xc_spi ? -1 : 1);
	if (x->xc_dst.s_addr != y->xc_dst.s_addr)
		return (x->xc_dst.s_addr < y->xc_dst.s_addr ? -1 : 1);
	return ((int)x->xc_proto - (int)y->xc_proto);
}

static int
xfrm_snap_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kernel_xfrm	*kx = data;
	struct xfrm_sa_counters	 xc, *n;
	size_t			 cap;

	/* mnl_cb_run2 checked nlmsg_len against the datagram */
	if (xfrm_msg_sa_counters_parse(nlh, nlh->nlmsg_len, &xc) == -1)
		return (MNL_CB_OK);	/* IPv6, IPcomp...: not ours */
	if (kx->kx_nsnap == kx->kx_snapcap) {
		cap = kx->kx_snapcap ? kx->kx_snapcap * 2 : 64;
		if ((n = reallocarray(kx->kx_snap, cap, sizeof(*n))) == NULL)
			return (MNL_CB_ERROR);
		kx->kx_snap = n;
		kx->kx_snapcap = cap;
	}
	kx->kx_snap[kx->kx_nsnap++] = xc;
	return (MNL_CB_OK);
}

static uint64_t
xfrm_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static int
xfrm_stats_snapshot(void *arg)
{
	struct kernel_xfrm	*kx = arg;
	char			 buf[KERNEL_MSG_SIZE];
	struct nlmsghdr		*nlh;

	xfrm_catch_up(kx);
	kx->kx_nsnap = 0;
	kx->kx_snap_on = 0;
	kx->kx_snap_ms = 0;
	if ((nlh = xfrm_msg_dump_build(buf, sizeof(buf), XFRM_MSG_GETSA,
	    kernel_nl_seq(&kx->kx_xfrm))) == NULL ||
	    kernel_nl_talk(&kx->kx_xfrm, nlh, xfrm_snap_cb, kx, NULL) == -1) {
		log_warn("kernel: SA counters dump failed: asking per SA");
		return (-1);
	}
	if (kx->kx_nsnap > 1)
		qsort(kx->kx_snap, kx->kx_nsnap, sizeof(*kx->kx_snap),
		    xfrm_snap_cmp);
	kx->kx_snap_on = 1;
	kx->kx_snap_ms = xfrm_now_ms();
	return (0);
}

/*
 * GETSAs per send of xfrm_stats_fetch: the kernel answers a send's
 * requests while it handles it, so their answers (the SA, with its
 * keys, and the ACK) must fit in the socket's receive buffer at once
 * (rmem_default, about 208 KB; an answer takes about 2 KB of it).
 */
#define XFRM_FETCH_BATCH	32

static int
xfrm_stats_fetch(void *arg, const struct kernel_sa_id *ids, int n)
{
	static const int	 quiet[] = { ESRCH, 0 };
	struct kernel_xfrm	*kx = arg;
	char			 buf[XFRM_FETCH_BATCH * 64];
	struct nlmsghdr		*nlh;
	size_t			 off;
	int			 i, m;

	xfrm_catch_up(kx);
	kx->kx_nsnap = 0;
	kx->kx_snap_on = 0;
	kx->kx_snap_ms = 0;	/* not every SA: never a recent dump */
	for (i = 0; i < n; i += m) {
		for (m = 0, off = 0; m < XFRM_FETCH_BATCH && i + m < n; m++) {
			if ((nlh = xfrm_msg_sa_id_build(buf + off,
			    sizeof(buf) - off, XFRM_MSG_GETSA,
			    ids[i + m].si_proto, ids[i + m].si_spi,
			    ids[i + m].si_dst,
			    kernel_nl_seq(&kx->kx_xfrm))) == NULL)
				return (-1);
			off += MNL_ALIGN(nlh->nlmsg_len);
		}
		if (kernel_nl_batch_cb(&kx->kx_xfrm, buf, off, m, quiet,
		    xfrm_snap_cb, kx) == -1) {
			log_warn("kernel: SA counters (%d GETSAs) failed: "
			    "asking per SA", m);
			return (-1);
		}
	}
	if (kx->kx_nsnap > 1)
		qsort(kx->kx_snap, kx->kx_nsnap, sizeof(*kx->kx_snap),
		    xfrm_snap_cmp);
	kx->kx_snap_on = 1;
	log_debug("kernel: counters of %d SAs asked, %zu found, %d to a send",
	    n, kx->kx_nsnap, XFRM_FETCH_BATCH);
	return (0);
}

/* The dump is kept (not used until the next snapshot) for
 * xfrm_stats_snapshot_recent. */
static void
xfrm_stats_release(void *arg)
{
	struct kernel_xfrm	*kx = arg;

	kx->kx_snap_on = 0;
}

static int
xfrm_stats_snapshot_recent(void *arg, unsigned max_ms)
{
	struct kernel_xfrm	*kx = arg;
	uint64_t		 now = xfrm_now_ms();

	if (kx->kx_snap_ms != 0 && now >= kx->kx_snap_ms &&
	    now - kx->kx_snap_ms <= max_ms) {
		xfrm_catch_up(kx);
		kx->kx_snap_on = 1;
		return (0);
	}
	return (xfrm_stats_snapshot(arg));
}

static int
xfrm_sa_stats(void *arg, uint8_t proto, uint32_t spi, struct in_addr dst,
    struct kernel_sa_stats *st)
{
	struct kernel_xfrm	*kx = arg;
	char			 buf[KERNEL_MSG_SIZE];
	struct nlmsghdr		*nlh;
	struct xfrm_sa_reply	 r;
	struct xfrm_sa_counters	 key, *xc;

	/* from a snapshot: it was taken after the queued requests went, and
	 * what was queued since is about SAs already read (a CHILD SA's
	 * counters are read before its deletes are queued): answering from
	 * it without sending them keeps a teardown's deletes in large
	 * batches */
	if (kx->kx_snap_on) {
		memset(&key, 0, sizeof(key));
		key.xc_proto = proto;
		key.xc_spi = spi;
		key.xc_dst = dst;
		if (kx->kx_nsnap == 0 || (xc = bsearch(&key, kx->kx_snap,
		    kx->kx_nsnap, sizeof(*xc), xfrm_snap_cmp)) == NULL)
			return (-1);	/* not in the kernel (any more) */
		st->st_bytes = xc->xc_bytes;
		st->st_packets = xc->xc_packets;
		st->st_use_time = xc->xc_lastused;
		st->st_oseq = xc->xc_oseq;
		return (0);
	}
	xfrm_catch_up(kx);
	memset(&r, 0, sizeof(r));
	if ((nlh = xfrm_msg_sa_id_build(buf, sizeof(buf), XFRM_MSG_GETSA,
	    proto, spi, dst, kernel_nl_seq(&kx->kx_xfrm))) == NULL ||
	    kernel_nl_talk(&kx->kx_xfrm, nlh, xfrm_sa_stats_cb, &r,
	    NULL) == -1)
		return (-1);
	if (r.r_si.family != AF_INET + 1) {
		log_err("kernel: GETSA 0x%08x: no SA in reply", ntohl(spi));
		return (-1);
	}
	st->st_bytes = r.r_si.curlft.bytes;
	st->st_packets = r.r_si.curlft.packets;
	st->st_use_time = r.r_lastused;
	st->st_oseq = r.r_oseq;
	return (0);
}

/* --- an SA's keys (HA bulk dump) --- */

struct xfrm_keys_reply {
	uint8_t		*k_ekey, *k_akey;
	size_t		*k_elen, *k_alen;
	size_t		 k_cap;
	int		 k_ok;
};

static int
xfrm_sa_keys_cb(const struct nlmsghdr *nlh, void *data)
{
	struct xfrm_keys_reply	*k = data;

	if (xfrm_msg_sa_keys_parse(nlh, nlh->nlmsg_len, k->k_ekey, k->k_elen,
	    k->k_akey, k->k_alen, k->k_cap) == 0)
		k->k_ok = 1;
	return (MNL_CB_OK);
}

static int
xfrm_sa_keys(void *arg, uint8_t proto, uint32_t spi, struct in_addr dst,
    uint8_t *ekey, size_t *ekey_len, uint8_t *akey, size_t *akey_len,
    size_t cap)
{
	struct kernel_xfrm	*kx = arg;
	char			 buf[KERNEL_MSG_SIZE];
	struct nlmsghdr		*nlh;
	struct xfrm_keys_reply	 k = { ekey, akey, ekey_len, akey_len, cap,
				    0 };

	xfrm_catch_up(kx);
	if ((nlh = xfrm_msg_sa_id_build(buf, sizeof(buf), XFRM_MSG_GETSA,
	    proto, spi, dst, kernel_nl_seq(&kx->kx_xfrm))) == NULL ||
	    kernel_nl_talk(&kx->kx_xfrm, nlh, xfrm_sa_keys_cb, &k,
	    NULL) == -1 || !k.k_ok) {
		k.k_ok = 0;
		log_err("kernel: GETSA 0x%08x: no keys in reply", ntohl(spi));
	}
	/* the reply held the keys: one SA's NEWSA (well under 4 KB) */
	if (kx->kx_xfrm.kn_rbuf != NULL)
		explicit_bzero(kx->kx_xfrm.kn_rbuf, KERNEL_RECV_SIZE < 4096 ?
		    KERNEL_RECV_SIZE : 4096);
	if (!k.k_ok) {
		explicit_bzero(ekey, cap);
		explicit_bzero(akey, cap);
		return (-1);
	}
	return (0);
}

/* --- policies --- */

static int
xfrm_policy_add(void *arg, const struct kernel_policy *p)
{
	struct kernel_xfrm	*kx = arg;
	char			 buf[KERNEL_MSG_SIZE];
	char			 s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
	struct nlmsghdr		*nlh;
	struct kernel_entry	 key;

	xfrm_catch_up(kx);
	inet_ntop(AF_INET, &p->kp_src, s, sizeof(s));
	inet_ntop(AF_INET, &p->kp_dst, d, sizeof(d));
	/*
	 * UPDPOLICY adds the policy or replaces one with the same selector
	 * and direction in one step: a rekey collision or an SA moved
	 * between ISAKMP SAs re-points a policy that exists, and deleting it
	 * first (after NEWPOLICY's EEXIST) left a moment without one, when
	 * traffic went out in the clear.
	 */
	if ((nlh = xfrm_msg_policy_build(buf, sizeof(buf), XFRM_MSG_UPDPOLICY,
	    p, kernel_nl_seq(&kx->kx_xfrm))) == NULL) {
		log_err("kernel: bad policy %s/%u -> %s/%u dir %d", s,
		    p->kp_src_plen, d, p->kp_dst_plen, p->kp_dir);
		return (-1);
	}
	if (kernel_nl_talk(&kx->kx_xfrm, nlh, NULL, NULL, NULL) == -1)
		return (-1);
	memset(&key, 0, sizeof(key));
	key.ke_type = KE_POLICY;
	key.ke_pol = *p;
	xfrm_entry_record(kx, &key);
	log_debug("kernel: policy %s/%u -> %s/%u dir %d reqid %u", s,
	    p->kp_src_plen, d, p->kp_dst_plen, p->kp_dir, p->kp_reqid);
	return (0);
}

static int
xfrm_policy_del_now(void *arg, const struct kernel_policy *p)
{
	struct kernel_xfrm	*kx = arg;
	char			 buf[KERNEL_MSG_SIZE];
	struct nlmsghdr		*nlh;
	struct kernel_entry	 key;

	if ((nlh = xfrm_msg_policy_build(buf, sizeof(buf), XFRM_MSG_DELPOLICY,
	    p, kernel_nl_seq(&kx->kx_xfrm))) == NULL)
		return (-1);
	memset(&key, 0, sizeof(key));
	key.ke_type = KE_POLICY;
	key.ke_pol = *p;
	xfrm_entry_forget(kx, &key);
	if (kernel_nl_talk(&kx->kx_xfrm, nlh, NULL, NULL,
	    xfrm_quiet_gone) == -1)
		return (errno == ENOENT || errno == ESRCH ? 0 : -1);
	return (0);
}

/* --- routes (route.c does the netlink work) --- */

static int
xfrm_route_add_now(void *arg, struct in_addr net, uint8_t plen,
    struct in_addr peer, struct in_addr src)
{
	struct kernel_xfrm	*kx = arg;
	struct kernel_entry	 key;

	if (route_add(&kx->kx_route, net, plen, peer, src) == -1)
		return (-1);
	memset(&key, 0, sizeof(key));
	key.ke_type = KE_ROUTE;
	key.ke_net = net;
	key.ke_plen = plen;
	xfrm_entry_record(kx, &key);
	return (0);
}

static int
xfrm_route_del_now(void *arg, struct in_addr net, uint8_t plen,
    struct in_addr peer, struct in_addr src)
{
	struct kernel_xfrm	*kx = arg;
	struct kernel_entry	 key;

	memset(&key, 0, sizeof(key));
	key.ke_type = KE_ROUTE;
	key.ke_net = net;
	key.ke_plen = plen;
	xfrm_entry_forget(kx, &key);
	return (route_del(&kx->kx_route, net, plen));
}

/* --- requests that can wait --- */

/*
 * Queues l (copied) behind the others: 0.  1: it is to be made now (no
 * deferral asked for, we are flushing, or no memory).
 */
static int
xfrm_later(struct kernel_xfrm *kx, const struct xfrm_later *l)
{
	struct xfrm_later	*n;

	if (kx->kx_kick == NULL || kx->kx_flushing ||
	    (n = malloc(sizeof(*n))) == NULL)
		return (1);
	*n = *l;
	TAILQ_INSERT_TAIL(&kx->kx_later, n, xl_entry);
	if (kx->kx_nlater++ == 0)
		kx->kx_kick(kx->kx_kick_arg);
	return (0);
}

/*
 * The deletes of SAs and policies at the head of the queue, in one
 * netlink batch (one send for up to KERNEL_BATCH_SIZE bytes of requests,
 * the answers matched by sequence number): a rekey or a DELETE of many
 * CHILD SAs costs one round trip, not one per SA and policy.
 */
static void
xfrm_later_deletes(struct kernel_xfrm *kx)
{
	static char		 batch[KERNEL_BATCH_SIZE];
	char			 one[KERNEL_MSG_SIZE];
	struct xfrm_later	*l;
	struct nlmsghdr		*nlh;
	struct kernel_entry	 key;
	size_t			 len = 0, sz;
	int			 n = 0, refused;

	while ((l = TAILQ_FIRST(&kx->kx_later)) != NULL &&
	    (l->xl_op == XL_SA_DEL || l->xl_op == XL_POLICY_DEL)) {
		memset(&key, 0, sizeof(key));
		if (l->xl_op == XL_SA_DEL) {
			nlh = xfrm_msg_sa_id_build(one, sizeof(one),
			    XFRM_MSG_DELSA, l->xl_proto, l->xl_spi, l->xl_dst,
			    kernel_nl_seq(&kx->kx_xfrm));
			key.ke_type = KE_SA;
			key.ke_proto = l->xl_proto;
			key.ke_spi = l->xl_spi;
			key.ke_dst = l->xl_dst;
		} else {
			nlh = xfrm_msg_policy_build(one, sizeof(one),
			    XFRM_MSG_DELPOLICY, &l->xl_pol,
			    kernel_nl_seq(&kx->kx_xfrm));
			key.ke_type = KE_POLICY;
			key.ke_pol = l->xl_pol;
		}
		sz = nlh != NULL ? MNL_ALIGN(nlh->nlmsg_len) : 0;
		if (nlh != NULL && len + sz > sizeof(batch))
			break;			/* the next batch */
		if (nlh != NULL) {
			memcpy(batch + len, nlh, sz);
			len += sz;
			n++;
		} else
			log_err("kernel: cannot build a delete request");
		xfrm_entry_forget(kx, &key);
		TAILQ_REMOVE(&kx->kx_later, l, xl_entry);
		kx->kx_nlater--;
		free(l);
	}
	if (n == 0)
		return;
	refused = kernel_nl_batch(&kx->kx_xfrm, batch, len, n,
	    xfrm_quiet_gone);
	kx->kx_batches++;
	log_debug("kernel: %d deletes in one request batch%s", n,
	    refused > 0 ? ", some refused" : refused < 0 ? ", failed" : "");
}

/* Makes request l now. */
static int
xfrm_later_run(struct kernel_xfrm *kx, const struct xfrm_later *l)
{
	switch (l->xl_op) {
	case XL_SA_DEL:
		return (xfrm_sa_del_now(kx, l->xl_proto, l->xl_spi,
		    l->xl_dst));
	case XL_POLICY_DEL:
		return (xfrm_policy_del_now(kx, &l->xl_pol));
	case XL_ROUTE_ADD:
		return (xfrm_route_add_now(kx, l->xl_net, l->xl_plen,
		    l->xl_peer, l->xl_src));
	case XL_ROUTE_DEL:
		return (xfrm_route_del_now(kx, l->xl_net, l->xl_plen,
		    l->xl_peer, l->xl_src));
	}
	return (-1);
}

/* Queues l, or (no deferral, or no memory) makes it now. */
static int
xfrm_later_or_now(void *arg, const struct xfrm_later *l)
{
	if (xfrm_later(arg, l) == 0)
		return (0);
	return (xfrm_later_run(arg, l));
}

/* Makes every waiting request, in order (before any request that cannot
 * wait, so that the kernel sees them in the order they were asked). */
static void
xfrm_catch_up(struct kernel_xfrm *kx)
{
	struct xfrm_later	*l;

	if (kx->kx_nlater == 0 || kx->kx_flushing)
		return;
	kx->kx_flushing = 1;
	while ((l = TAILQ_FIRST(&kx->kx_later)) != NULL) {
		if (l->xl_op == XL_SA_DEL || l->xl_op == XL_POLICY_DEL) {
			xfrm_later_deletes(kx);
			continue;
		}
		TAILQ_REMOVE(&kx->kx_later, l, xl_entry);
		kx->kx_nlater--;
		(void)xfrm_later_run(kx, l);
		free(l);
	}
	kx->kx_flushing = 0;
}

static int
xfrm_sa_del(void *arg, uint8_t proto, uint32_t spi, struct in_addr dst)
{
	struct xfrm_later	 l = { .xl_op = XL_SA_DEL, .xl_proto = proto,
				    .xl_spi = spi, .xl_dst = dst };

	return (xfrm_later_or_now(arg, &l));
}

static int
xfrm_policy_del(void *arg, const struct kernel_policy *p)
{
	struct xfrm_later	 l = { .xl_op = XL_POLICY_DEL, .xl_pol = *p };

	return (xfrm_later_or_now(arg, &l));
}

/* A route added (add 1) or removed: queued like the deletes. */
static int
xfrm_route(void *arg, int add, struct in_addr net, uint8_t plen,
    struct in_addr peer, struct in_addr src)
{
	struct xfrm_later	 l = { .xl_op = add ? XL_ROUTE_ADD :
				    XL_ROUTE_DEL, .xl_net = net,
				    .xl_plen = plen, .xl_peer = peer,
				    .xl_src = src };

	return (xfrm_later_or_now(arg, &l));
}

static int
xfrm_route_add(void *arg, struct in_addr net, uint8_t plen,
    struct in_addr peer, struct in_addr src)
{
	return (xfrm_route(arg, 1, net, plen, peer, src));
}

static int
xfrm_route_del(void *arg, struct in_addr net, uint8_t plen,
    struct in_addr peer, struct in_addr src)
{
	return (xfrm_route(arg, 0, net, plen, peer, src));
}

void
kernel_xfrm_defer(struct kernel_ops *ops, void (*kick)(void *), void *arg)
{
	struct kernel_xfrm	*kx = ops->ko_arg;

	if (kx == NULL)
		return;
	if (kick == NULL)
		xfrm_catch_up(kx);
	kx->kx_kick = kick;
	kx->kx_kick_arg = arg;
}

void
kernel_xfrm_flush(struct kernel_ops *ops)
{
	if (ops->ko_arg != NULL)
		xfrm_catch_up(ops->ko_arg);
}

uint64_t
kernel_xfrm_batches(const struct kernel_ops *ops)
{
	const struct kernel_xfrm *kx = ops->ko_arg;

	return (kx == NULL ? 0 : kx->kx_batches);
}

size_t
kernel_xfrm_waiting(const struct kernel_ops *ops)
{
	const struct kernel_xfrm *kx = ops->ko_arg;

	return (kx == NULL ? 0 : kx->kx_nlater);
}

/* --- stale state from an earlier run --- */

static int
xfrm_stale_grow(struct xfrm_stale *xs)
{
	void	*p;

	if (xs->xs_n < xs->xs_cap)
		return (0);
	xs->xs_cap = xs->xs_cap ? xs->xs_cap * 2 : 16;
	if ((p = reallocarray(xs->xs_sa, xs->xs_cap,
	    sizeof(*xs->xs_sa))) == NULL)
		return (-1);
	xs->xs_sa = p;
	if ((p = reallocarray(xs->xs_pol, xs->xs_cap,
	    sizeof(*xs->xs_pol))) == NULL)
		return (-1);
	xs->xs_pol = p;
	return (0);
}

static int
xfrm_stale_sa_cb(const struct nlmsghdr *nlh, void *data)
{
	struct xfrm_stale		*xs = data;
	struct xfrm_usersa_info		 si;
	struct kernel_sa		*sa;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(si)))
		return (MNL_CB_OK);
	/* copied out: a message in a dump is 4-byte aligned, the struct
	 * (its 64-bit lifetimes) 8 (UBSan: misaligned access) */
	memcpy(&si, mnl_nlmsg_get_payload(nlh), sizeof(si));
	if (si.family != AF_INET || !xfrm_reqid_ours(si.reqid))
		return (MNL_CB_OK);
	if (xfrm_stale_grow(xs) == -1)
		return (MNL_CB_ERROR);
	sa = &xs->xs_sa[xs->xs_n++];
	memset(sa, 0, sizeof(*sa));
	sa->ks_proto = si.id.proto;
	sa->ks_spi = si.id.spi;
	sa->ks_dst.s_addr = si.id.daddr.a4;
	return (MNL_CB_OK);
}

static int
xfrm_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr	**tb = data;
	int			  type = mnl_attr_get_type(attr);
	uint16_t		  len = mnl_attr_get_payload_len(attr);

	if (mnl_attr_type_valid(attr, XFRMA_MAX) < 0 || type != XFRMA_TMPL)
		return (MNL_CB_OK);
	if (mnl_attr_validate(attr, MNL_TYPE_BINARY) < 0 ||
	    len < sizeof(struct xfrm_user_tmpl) ||
	    len % sizeof(struct xfrm_user_tmpl) != 0) {
		log_debug("kernel: policy template: bad length %u", len);
		return (MNL_CB_OK);
	}
	tb[type] = attr;
	return (MNL_CB_OK);
}

static int
xfrm_stale_policy_cb(const struct nlmsghdr *nlh, void *data)
{
	struct xfrm_stale			*xs = data;
	struct xfrm_userpolicy_info		 pi;
	const struct nlattr			*tb[XFRMA_MAX + 1] = { NULL };
	struct xfrm_user_tmpl			 t;
	const uint8_t				*tp;
	struct kernel_policy			*p;
	size_t					 i, n;

	if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(pi)))
		return (MNL_CB_OK);
	/* copied out, as in xfrm_stale_sa_cb: the struct needs 8-byte
	 * alignment, a dumped message has 4 */
	memcpy(&pi, mnl_nlmsg_get_payload(nlh), sizeof(pi));
	if (pi.sel.family != AF_INET || pi.dir > XFRM_POLICY_FWD ||
	    mnl_attr_parse(nlh, sizeof(pi), xfrm_attr_cb, tb) < 0 ||
	    tb[XFRMA_TMPL] == NULL)
		return (MNL_CB_OK);
	tp = mnl_attr_get_payload(tb[XFRMA_TMPL]);
	n = mnl_attr_get_payload_len(tb[XFRMA_TMPL]) / sizeof(t);
	for (i = 0; i < n; i++) {
		memcpy(&t, tp + i * sizeof(t), sizeof(t));
		if (xfrm_reqid_ours(t.reqid))
			break;
	}
	if (i == n)
		return (MNL_CB_OK);
	if (xfrm_stale_grow(xs) == -1)
		return (MNL_CB_ERROR);
	p = &xs->xs_pol[xs->xs_n++];
	memset(p, 0, sizeof(*p));
	p->kp_dir = pi.dir;
	p->kp_src.s_addr = pi.sel.saddr.a4;
	p->kp_src_plen = pi.sel.prefixlen_s;
	p->kp_dst.s_addr = pi.sel.daddr.a4;
	p->kp_dst_plen = pi.sel.prefixlen_d;
	return (MNL_CB_OK);
}

static int
xfrm_stale_flush(struct kernel_xfrm *kx)
{
	char		 buf[KERNEL_MSG_SIZE];
	struct nlmsghdr	*nlh;
	struct xfrm_stale xs;
	size_t		 i;
	int		 ret = -1;

	/* Collect first: no request may interleave with a running dump. */
	memset(&xs, 0, sizeof(xs));
	if ((nlh = xfrm_msg_dump_build(buf, sizeof(buf), XFRM_MSG_GETPOLICY,
	    kernel_nl_seq(&kx->kx_xfrm))) == NULL ||
	    kernel_nl_talk(&kx->kx_xfrm, nlh, xfrm_stale_policy_cb, &xs,
	    NULL) == -1)
		goto done;
	for (i = 0; i < xs.xs_n; i++) {
		log_info("kernel: removing stale policy dir %d",
		    xs.xs_pol[i].kp_dir);
		if (xfrm_policy_del_now(kx, &xs.xs_pol[i]) == -1)
			goto done;
	}
	xs.xs_n = 0;
	if ((nlh = xfrm_msg_dump_build(buf, sizeof(buf), XFRM_MSG_GETSA,
	    kernel_nl_seq(&kx->kx_xfrm))) == NULL ||
	    kernel_nl_talk(&kx->kx_xfrm, nlh, xfrm_stale_sa_cb, &xs,
	    NULL) == -1)
		goto done;
	for (i = 0; i < xs.xs_n; i++) {
		log_info("kernel: removing stale %s SA 0x%08x",
		    xfrm_proto_name(xs.xs_sa[i].ks_proto),
		    ntohl(xs.xs_sa[i].ks_spi));
		if (xfrm_sa_del_now(kx, xs.xs_sa[i].ks_proto,
		    xs.xs_sa[i].ks_spi, xs.xs_sa[i].ks_dst) == -1)
			goto done;
	}
	ret = 0;
 done:
	free(xs.xs_sa);
	free(xs.xs_pol);
	return (ret);
}

/* --- start-up checks --- */

/*
 * Installs and removes a throwaway SA between TEST-NET-1 addresses (a
 * kernel state only: nothing is sent).  Returns 0 if the kernel knows
 * proto, -1 otherwise after naming the module to load.
 */
static int
xfrm_probe(struct kernel_xfrm *kx, uint8_t proto)
{
	uint8_t			 ekey[16], akey[20];
	struct kernel_sa	 sa;
	const char		*mod = proto == IPPROTO_AH ? "ah4" : "esp4";

	memset(ekey, 0x5a, sizeof(ekey));
	memset(akey, 0xa5, sizeof(akey));
	memset(&sa, 0, sizeof(sa));
	sa.ks_proto = proto;
	sa.ks_spi = htonl(KERNEL_SPI_MIN);
	sa.ks_src.s_addr = htonl(0xc0000202);	/* 192.0.2.2 */
	sa.ks_dst.s_addr = htonl(0xc0000201);	/* 192.0.2.1 */
	sa.ks_reqid = KERNEL_REQID_BASE;	/* never handed out */
	if (proto == IPPROTO_ESP) {
		sa.ks_encr = ENCR_AES_CBC;
		sa.ks_encr_bits = 128;
		sa.ks_ekey = ekey;
		sa.ks_ekey_len = sizeof(ekey);
	}
	sa.ks_integ = AUTH_HMAC_SHA1_96;
	sa.ks_akey = akey;
	sa.ks_akey_len = sizeof(akey);
	if (xfrm_sa_add(kx, &sa) == -1) {
		if (errno == EPROTONOSUPPORT)
			log_err("kernel lacks %s support: load %s (modprobe "
			    "%s)", proto == IPPROTO_AH ? "AH" : "ESP", mod,
			    mod);
		else
			log_err("kernel cannot install %s SAs: %s (crypto "
			    "modules missing?)", xfrm_proto_name(proto),
			    strerror(errno));
		return (-1);
	}
	return (xfrm_sa_del_now(kx, proto, sa.ks_spi, sa.ks_dst));
}

static int
xfrm_open(struct kernel_ops *ops, int probe)
{
	struct kernel_xfrm	*kx;

	memset(ops, 0, sizeof(*ops));
	if ((kx = calloc(1, sizeof(*kx))) == NULL) {
		log_err("kernel: out of memory");
		return (-1);
	}
	TAILQ_INIT(&kx->kx_entries);
	TAILQ_INIT(&kx->kx_later);
	kx->kx_hth_found[0] = kx->kx_hth_found[1] = -1;
	ops->ko_arg = kx;
	if (kernel_nl_open(&kx->kx_xfrm, NETLINK_XFRM, "xfrm") == -1) {
		log_err("kernel lacks XFRM netlink: load xfrm_user (modprobe "
		    "xfrm_user)");
		goto fail;
	}
	if (kernel_nl_open(&kx->kx_route, NETLINK_ROUTE, "route") == -1)
		goto fail;
	/* The dumps double as the check that XFRM answers at all. */
	if (xfrm_stale_flush(kx) == -1 ||
	    route_stale_flush(&kx->kx_route) == -1)
		goto fail;
	if (route_rule_add(&kx->kx_route, &kx->kx_rule_added) == -1)
		goto fail;
	if (probe) {
		if (xfrm_probe(kx, IPPROTO_ESP) == -1)
			goto fail;
		if (xfrm_probe(kx, IPPROTO_AH) == -1)
			log_warn("kernel: AH tunnels will fail");
	}
	ops->ko_spi_alloc = xfrm_spi_alloc;
	ops->ko_sa_add = xfrm_sa_add;
	ops->ko_sa_del = xfrm_sa_del;
	ops->ko_sa_stats = xfrm_sa_stats;
	ops->ko_sa_keys = xfrm_sa_keys;
	ops->ko_stats_snapshot = xfrm_stats_snapshot;
	ops->ko_stats_snapshot_recent = xfrm_stats_snapshot_recent;
	ops->ko_stats_fetch = xfrm_stats_fetch;
	ops->ko_stats_release = xfrm_stats_release;
	ops->ko_policy_add = xfrm_policy_add;
	ops->ko_child_add = xfrm_child_add;
	ops->ko_policy_hash = xfrm_policy_hash;
	ops->ko_policy_del = xfrm_policy_del;
	ops->ko_route_add = xfrm_route_add;
	ops->ko_route_del = xfrm_route_del;
	ops->ko_local_addr = xfrm_local_addr;
	return (0);
 fail:
	kernel_xfrm_close(ops);
	return (-1);
}

/* An IPv4 address of this host (this network namespace) inside net/plen. */
static int
xfrm_local_addr(void *arg, struct in_addr net, uint8_t plen,
    struct in_addr *addr)
{
	struct ifaddrs		*ifa, *i;
	struct sockaddr_in	*sin;
	uint32_t		 mask;
	int			 rc = -1;

	if (plen > 32 || getifaddrs(&ifa) == -1)
		return (-1);
	mask = plen == 0 ? 0 : htonl(0xffffffffu << (32 - plen));
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET)
			continue;
		sin = (struct sockaddr_in *)i->ifa_addr;
		if ((sin->sin_addr.s_addr & mask) == (net.s_addr & mask)) {
			*addr = sin->sin_addr;
			rc = 0;
			break;
		}
	}
	freeifaddrs(ifa);
	return (rc);
}

int
kernel_xfrm_open(struct kernel_ops *ops)
{
	return (xfrm_open(ops, 1));
}

int
kernel_xfrm_open_noprobe(struct kernel_ops *ops)
{
	return (xfrm_open(ops, 0));
}

void
kernel_xfrm_close(struct kernel_ops *ops)
{
	struct kernel_xfrm	*kx = ops->ko_arg;
	struct kernel_entry	*ke, e;

	if (kx == NULL)
		return;
	xfrm_catch_up(kx);
	/* Newest first: routes and policies before the SAs they use. */
	while ((ke = TAILQ_LAST(&kx->kx_entries, kernel_entries)) != NULL) {
		e = *ke;
		xfrm_entry_free(kx, ke);
		switch (e.ke_type) {
		case KE_SA:
			(void)xfrm_sa_del_now(kx, e.ke_proto, e.ke_spi,
			    e.ke_dst);
			break;
		case KE_POLICY:
			(void)xfrm_policy_del_now(kx, &e.ke_pol);
			break;
		case KE_ROUTE:
			(void)route_del(&kx->kx_route, e.ke_net, e.ke_plen);
			break;
		}
	}
	free(kx->kx_hash);
	/* the policy hash thresholds as they were */
	if (kx->kx_hth_found[0] >= 0)
		(void)xfrm_policy_hash(kx, -1, -1);
	if (kx->kx_rule_added)
		(void)route_rule_del(&kx->kx_route);
	if (kx->kx_events != NULL)
		mnl_socket_close(kx->kx_events);
	kernel_nl_close(&kx->kx_route);
	kernel_nl_close(&kx->kx_xfrm);
	free(kx->kx_snap);
	free(kx);
	memset(ops, 0, sizeof(*ops));
}

int
kernel_xfrm_events_open(struct kernel_ops *ops)
{
	struct kernel_xfrm	*kx = ops->ko_arg;
	int			 fd, sz = 1 << 20;

	if (kx == NULL)
		return (-1);
	if ((kx->kx_events = mnl_socket_open(NETLINK_XFRM)) == NULL ||
	    mnl_socket_bind(kx->kx_events, XFRMGRP_EXPIRE | XFRMGRP_ACQUIRE,
	    MNL_SOCKET_AUTOPID) == -1) {
		log_err("kernel: cannot subscribe to XFRM expiry events: %s",
		    strerror(errno));
		if (kx->kx_events != NULL)
			mnl_socket_close(kx->kx_events);
		kx->kx_events = NULL;
		return (-1);
	}
	fd = mnl_socket_get_fd(kx->kx_events);
	/* a burst of expiries must not overflow the queue */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1) {
		log_err("kernel: events socket: %s", strerror(errno));
		return (-1);
	}
	return (fd);
}

/* One notification: ours (reqid range) goes to the engine. */
static void
xfrm_event_one(const struct nlmsghdr *nlh, size_t len, void *arg)
{
	struct kernel_ops	*ops = arg;
	struct kernel_xfrm	*kx = ops->ko_arg;
	struct kernel_entry	 key;
	struct xfrm_expire	 xe;
	struct xfrm_acquire	 xa;

	if (nlh->nlmsg_type == XFRM_MSG_ACQUIRE &&
	    xfrm_msg_acquire_parse(nlh, len, &xa) == 0) {
		log_debug("kernel: ACQUIRE for %s/%u", inet_ntoa(xa.xa_dst),
		    xa.xa_dst_plen);
		if (ops->ko_acquire != NULL)
			ops->ko_acquire(ops->ko_event_arg, xa.xa_src,
			    xa.xa_src_plen, xa.xa_dst, xa.xa_dst_plen);
		return;
	}
	if (xfrm_msg_expire_parse(nlh, len, &xe) == -1) {
		log_debug("kernel: ignoring XFRM event type %u (%u bytes)",
		    nlh->nlmsg_type, nlh->nlmsg_len);
		return;
	}
	if (!xfrm_reqid_ours(xe.xe_reqid))
		return;
	log_debug("kernel: %s SA %08x to %s: %s %s lifetime reached",
	    xfrm_proto_name(xe.xe_proto), ntohl(xe.xe_spi),
	    inet_ntoa(xe.xe_dst), xe.xe_hard ? "hard" : "soft",
	    xe.xe_volume ? "volume" : "time");
	if (xe.xe_hard) {
		/* the kernel removed it: nothing left to delete at exit */
		memset(&key, 0, sizeof(key));
		key.ke_type = KE_SA;
		key.ke_proto = xe.xe_proto;
		key.ke_spi = xe.xe_spi;
		key.ke_dst = xe.xe_dst;
		xfrm_entry_forget(kx, &key);
	}
	if (ops->ko_expire != NULL)
		ops->ko_expire(ops->ko_event_arg, xe.xe_proto, xe.xe_spi,
		    xe.xe_dst, xe.xe_hard, xe.xe_volume);
}

void
kernel_xfrm_events_read(struct kernel_ops *ops)
{
	struct kernel_xfrm	*kx = ops->ko_arg;
	ssize_t			 n;
	int			 fd, i;

	if (kx == NULL || kx->kx_events == NULL)
		return;
	fd = mnl_socket_get_fd(kx->kx_events);
	/* bounded: other events get their turn */
	for (i = 0; i < 64; i++) {
		n = recv(fd, kx->kx_xfrm.kn_rbuf, KERNEL_RECV_SIZE,
		    MSG_DONTWAIT);
		if (n <= 0) {
			if (n == -1 && errno == ENOBUFS)
				log_warn("kernel: XFRM events lost (ENOBUFS); "
				    "the engine's own expiry timers act");
			return;
		}
		xfrm_msg_walk(kx->kx_xfrm.kn_rbuf, (size_t)n, xfrm_event_one,
		    ops);
	}
}

/*
 * Per-socket policy "allow" in both directions: IKE packets must not be
 * caught by our own tunnel policies (RFC 4301 §5.1: IKE bypasses SPD).
 */
int
kernel_socket_bypass(int fd)
{
	struct xfrm_userpolicy_info	 pi;
	int				 dir;

	for (dir = XFRM_POLICY_IN; dir <= XFRM_POLICY_OUT; dir++) {
		memset(&pi, 0, sizeof(pi));
		pi.action = XFRM_POLICY_ALLOW;
		pi.dir = dir;
		pi.sel.family = AF_INET;
		pi.lft.soft_byte_limit = XFRM_INF;
		pi.lft.hard_byte_limit = XFRM_INF;
		pi.lft.soft_packet_limit = XFRM_INF;
		pi.lft.hard_packet_limit = XFRM_INF;
		if (setsockopt(fd, IPPROTO_IP, IP_XFRM_POLICY, &pi,
		    sizeof(pi)) == -1) {
			log_err("kernel: IKE socket bypass (dir %d): %s", dir,
			    strerror(errno));
			return (-1);
		}
	}
	return (0);
}

uint32_t
kernel_reqid_new(void)
{
	static uint32_t	 next;

	/* BASE itself is the start-up probe's. */
	next = (next + 1) & ~KERNEL_REQID_MASK;
	if (next == 0)
		next = 1;
	return (KERNEL_REQID_BASE | next);
}
