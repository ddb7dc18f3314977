/*
 * kernel_msg.h - private to kernel/: netlink channels (nl.c), pure message
 * builders (xfrm_msg.c) and the route half of the real kernel (route.c).
 * The builders only fill a caller's buffer, so tests check them without a
 * kernel.  They return the message or NULL when the request is invalid or
 * does not fit in buflen.
 */
#ifndef GW_KERNEL_MSG_H
#define GW_KERNEL_MSG_H

#include <sys/queue.h>

#include <libmnl/libmnl.h>

#include "kernel/kernel.h"

#define KERNEL_MSG_SIZE		4096	/* one request */
#define KERNEL_RECV_SIZE	32768	/* dump replies */

#define KERNEL_RT_TABLE		220	/* where strongSwan users look */
#define KERNEL_RT_RULE_PRIO	220
#define KERNEL_RT_PROTO		0x67	/* our routes (> RTPROT_STATIC) */

#define KERNEL_SPI_MIN		0xc0000000u
#define KERNEL_SPI_MAX		0xcfffffffu
#define KERNEL_REPLAY_WINDOW	32	/* the legacy field's most (and the
					   default: CFG_REPLAY_WINDOW_DEFAULT) */

/* One netlink socket (NETLINK_XFRM or NETLINK_ROUTE). */
struct kernel_nl {
	struct mnl_socket	*kn_sock;
	uint32_t		 kn_portid;
	uint32_t		 kn_seq;
	const char		*kn_name;	/* "xfrm", "route" for logs */
	char			*kn_rbuf;	/* KERNEL_RECV_SIZE */
};

/* Opens the socket with NETLINK_EXT_ACK; logs and returns -1 on error. */
int	kernel_nl_open(struct kernel_nl *kn, int bus, const char *name);
void	kernel_nl_close(struct kernel_nl *kn);
uint32_t kernel_nl_seq(struct kernel_nl *kn);
/*
 * Sends nlh (its seq from kernel_nl_seq()) and reads replies with matching
 * seq/portid until the ACK, the error or NLMSG_DONE; cb (may be NULL) sees
 * each data message.  On a kernel error sets errno and returns -1; the
 * kernel's text is logged unless errno is in quiet (0-terminated, or NULL).
 */
int	kernel_nl_talk(struct kernel_nl *kn, const struct nlmsghdr *nlh,
	    mnl_cb_t cb, void *data, const int *quiet);
/*
 * Sends nmsg requests at once (buf[0..len): each with its own seq and
 * NLM_F_ACK, none a dump) and reads until each has its ACK or error;
 * errors are logged one by one as kernel_nl_talk logs them.  Returns the
 * number of requests refused (an errno in quiet does not count), or -1
 * if the exchange itself failed.
 */
int	kernel_nl_batch(struct kernel_nl *kn, const void *buf, size_t len,
	    int nmsg, const int *quiet);
/* As kernel_nl_batch, for requests answered with data (a GETSA with
 * NLM_F_ACK: the SA, then the ACK): cb sees each data message. */
int	kernel_nl_batch_cb(struct kernel_nl *kn, const void *buf, size_t len,
	    int nmsg, const int *quiet, mnl_cb_t cb, void *data);
#define KERNEL_BATCH_SIZE	16384	/* requests of one kernel_nl_batch */
/*
 * As kernel_nl_batch, for requests that are answered only when refused:
 * the nmsg requests of buf[0..len) (seqs consecutive, none a dump) go in
 * one send with NLM_F_ACK on the last one only (it sets and clears the
 * flags).  The kernel handles a send's requests in order and answers a
 * request without NLM_F_ACK only with an error, so the last one's answer
 * ends the exchange: one send and, when all went in, one receive.
 * res[i]: 0, or the errno the kernel refused request i with.  Returns
 * the number refused, or -1 if the exchange itself failed.
 */
int	kernel_nl_batch_acklast(struct kernel_nl *kn, void *buf, size_t len,
	    int nmsg, int *res);

/* --- xfrm_msg.c --- */
const char	*xfrm_msg_encr_name(int encr);
/* AEAD: key material (key | salt) in bytes, ICV in bits; 0 or -1. */
int		 xfrm_msg_aead_lens(int encr, int bits, size_t *keylen,
		    unsigned int *icvbits);
const char	*xfrm_msg_integ_name(int integ, unsigned int *trunc_bits,
		    size_t *keylen);
struct nlmsghdr	*xfrm_msg_spi_build(char *buf, size_t buflen, uint8_t proto,
		    struct in_addr src, struct in_addr dst, uint32_t reqid,
		    uint32_t seq);
/* XFRM_MSG_NEWSA, or UPDSA when sa->ks_update.  Holds the keys. */
struct nlmsghdr	*xfrm_msg_sa_build(char *buf, size_t buflen,
		    const struct kernel_sa *sa, uint32_t seq);
/* XFRM_MSG_DELSA or GETSA (type) by (dst, spi, proto). */
/* XFRM_MSG_NEWSPDINFO with IPv4 policy hash thresholds, or (lbits -1)
 * XFRM_MSG_GETSPDINFO; the answer's thresholds (0, or -1: none). */
struct nlmsghdr	*xfrm_msg_spd_build(char *buf, size_t buflen, int lbits,
		    int rbits, uint32_t seq);
int		 xfrm_msg_spd_parse(const struct nlmsghdr *nlh, int *lbits,
		    int *rbits);
struct nlmsghdr	*xfrm_msg_sa_id_build(char *buf, size_t buflen, uint16_t type,
		    uint8_t proto, uint32_t spi, struct in_addr dst,
		    uint32_t seq);
/* XFRM_MSG_NEWPOLICY or UPDPOLICY (with template) or DELPOLICY (type). */
struct nlmsghdr	*xfrm_msg_policy_build(char *buf, size_t buflen,
		    uint16_t type, const struct kernel_policy *p, uint32_t seq);
/* XFRM_MSG_GETSA or GETPOLICY dump. */
struct nlmsghdr	*xfrm_msg_dump_build(char *buf, size_t buflen, uint16_t type,
		    uint32_t seq);
uint32_t	 xfrm_msg_policy_prio(const struct kernel_policy *p);

/* What an XFRM_MSG_EXPIRE notification says. */
struct xfrm_expire {
	uint8_t		 xe_proto;	/* IPPROTO_ESP / _AH */
	uint32_t	 xe_spi;	/* network order */
	struct in_addr	 xe_dst;
	uint32_t	 xe_reqid;
	int		 xe_hard;	/* 1: the kernel removed the SA */
	int		 xe_volume;	/* 1: a byte or packet limit was
					   reached (the SA's counters are at
					   the limit xe_hard names) */
};
/*
 * Parses one message from the kernel's XFRMGRP_EXPIRE group (every
 * length checked).  0 with *xe filled; -1 for anything else (another
 * type, IPv6, short or malformed).
 */
int		 xfrm_msg_expire_parse(const struct nlmsghdr *nlh, size_t len,
		    struct xfrm_expire *xe);
/* What an XFRM_MSG_ACQUIRE says: the outbound policy's selector. */
struct xfrm_acquire {
	struct in_addr	 xa_src;
	uint8_t		 xa_src_plen;
	struct in_addr	 xa_dst;
	uint8_t		 xa_dst_plen;
};
/* Parses one XFRMGRP_ACQUIRE message (IPv4 only).  0 or -1. */
int		 xfrm_msg_acquire_parse(const struct nlmsghdr *nlh,
		    size_t len, struct xfrm_acquire *xa);
/* One SA of an XFRM_MSG_GETSA dump, as status and metrics need it. */
struct xfrm_sa_counters {
	uint8_t		 xc_proto;	/* IPPROTO_ESP / _AH */
	uint32_t	 xc_spi;	/* network order */
	struct in_addr	 xc_dst;
	uint32_t	 xc_reqid;
	uint64_t	 xc_bytes;
	uint64_t	 xc_packets;
	uint64_t	 xc_lastused;	/* XFRMA_LASTUSED (s), 0 if absent */
	uint64_t	 xc_oseq;	/* replay state's oseq, 0 if absent */
};
/*
 * The outbound sequence number of an SA attribute: XFRMA_REPLAY_VAL's
 * oseq, or XFRMA_REPLAY_ESN_VAL's oseq_hi:oseq (its length checked).  1
 * with *oseq set, 0 for another attribute or a malformed one.
 */
int		 xfrm_msg_attr_oseq(const struct nlattr *attr, uint64_t *oseq);
/*
 * The keys in one XFRM_MSG_NEWSA message (a GETSA reply): XFRMA_ALG_AEAD
 * or _CRYPT into ekey, XFRMA_ALG_AUTH_TRUNC or _AUTH into akey, each at
 * most cap bytes (every length checked).  0, or -1 (malformed, a key
 * longer than cap, no key at all).
 */
int		 xfrm_msg_sa_keys_parse(const struct nlmsghdr *nlh, size_t len,
		    uint8_t *ekey, size_t *ekey_len, uint8_t *akey,
		    size_t *akey_len, size_t cap);
/*
 * Parses one XFRM_MSG_NEWSA message of a dump (IPv4 ESP/AH only, every
 * length checked).  0 with *xc filled; -1 for anything else.
 */
int		 xfrm_msg_sa_counters_parse(const struct nlmsghdr *nlh,
		    size_t len, struct xfrm_sa_counters *xc);
/*
 * Calls cb for each whole netlink message in the datagram buf[0..len)
 * (its length checked against what is left); stops at the first one that
 * does not fit.  Returns the number of messages seen.
 */
int		 xfrm_msg_walk(const void *buf, size_t len,
		    void (*cb)(const struct nlmsghdr *, size_t, void *),
		    void *arg);

/* RTM_GETROUTE for one address (lookup) or a dump (dst.s_addr unused). */
struct nlmsghdr	*route_msg_get_build(char *buf, size_t buflen,
		    struct in_addr dst, int dump, uint32_t seq);
/* RTM_NEWROUTE/DELROUTE net/plen in KERNEL_RT_TABLE. */
struct nlmsghdr	*route_msg_build(char *buf, size_t buflen, uint16_t type,
		    struct in_addr net, uint8_t plen, struct in_addr gw,
		    uint32_t oif, struct in_addr src, uint32_t seq);
/* RTM_NEWRULE/DELRULE: lookup KERNEL_RT_TABLE at KERNEL_RT_RULE_PRIO. */
struct nlmsghdr	*route_msg_rule_build(char *buf, size_t buflen,
		    uint16_t type, uint32_t seq);

/* --- route.c: on the NETLINK_ROUTE channel; *added: we made the rule --- */
int	route_rule_add(struct kernel_nl *rt, int *added);
int	route_rule_del(struct kernel_nl *rt);
int	route_stale_flush(struct kernel_nl *rt);
int	route_add(struct kernel_nl *rt, struct in_addr net, uint8_t plen,
	    struct in_addr peer, struct in_addr src);
int	route_del(struct kernel_nl *rt, struct in_addr net, uint8_t plen);

#endif
