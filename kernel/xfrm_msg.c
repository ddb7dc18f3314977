/*
 * xfrm_msg.c - builds the XFRM and rtnetlink requests gatewayd sends.
 * Pure functions over a caller's buffer: no socket, no kernel, so the
 * tests can take every message apart.
 */
#include <stddef.h>
#include <string.h>

#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <linux/udp.h>
#include <linux/xfrm.h>

#include "crypto/crypto.h"
#include "kernel/kernel_msg.h"

#ifndef UDP_ENCAP_ESPINUDP
#define UDP_ENCAP_ESPINUDP	2	/* RFC 3948 */
#endif

const char *
xfrm_msg_encr_name(int encr)
{
	switch (encr) {
	case ENCR_AES_CBC:
		return ("cbc(aes)");
	case ENCR_3DES:
		return ("cbc(des3_ede)");
	case ENCR_AES_GCM_8:
	case ENCR_AES_GCM_12:
	case ENCR_AES_GCM_16:
		return ("rfc4106(gcm(aes))");
	case ENCR_CHACHA20_POLY1305:
		return ("rfc7539esp(chacha20,poly1305)");
	}
	return (NULL);
}

/* RFC 2403, RFC 2404: 96-bit ICVs; RFC 4868 §2.3: half the hash. */
const char *
xfrm_msg_integ_name(int integ, unsigned int *trunc_bits, size_t *keylen)
{
	switch (integ) {
	case AUTH_HMAC_MD5_96:
		*trunc_bits = 96;
		*keylen = 16;
		return ("hmac(md5)");
	case AUTH_HMAC_SHA1_96:
		*trunc_bits = 96;
		*keylen = 20;
		return ("hmac(sha1)");
	case AUTH_HMAC_SHA2_256_128:
		*trunc_bits = 128;
		*keylen = 32;
		return ("hmac(sha256)");
	case AUTH_HMAC_SHA2_384_192:
		*trunc_bits = 192;
		*keylen = 48;
		return ("hmac(sha384)");
	case AUTH_HMAC_SHA2_512_256:
		*trunc_bits = 256;
		*keylen = 64;
		return ("hmac(sha512)");
	}
	return (NULL);
}

static struct nlmsghdr *
xfrm_msg_start(char *buf, size_t buflen, uint16_t type, uint16_t flags,
    uint32_t seq)
{
	struct nlmsghdr	*nlh;

	if (buflen < MNL_NLMSG_HDRLEN)
		return (NULL);
	memset(buf, 0, buflen);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = seq;
	return (nlh);
}

static void *
xfrm_msg_extra(struct nlmsghdr *nlh, size_t buflen, size_t len)
{
	if (MNL_ALIGN(nlh->nlmsg_len) + MNL_ALIGN(len) > buflen)
		return (NULL);
	return (mnl_nlmsg_put_extra_header(nlh, len));
}

struct nlmsghdr *
xfrm_msg_spi_build(char *buf, size_t buflen, uint8_t proto,
    struct in_addr src, struct in_addr dst, uint32_t reqid, uint32_t seq)
{
	struct nlmsghdr			*nlh;
	struct xfrm_userspi_info	*us;

	if (proto != IPPROTO_ESP && proto != IPPROTO_AH)
		return (NULL);
	if ((nlh = xfrm_msg_start(buf, buflen, XFRM_MSG_ALLOCSPI, 0,
	    seq)) == NULL ||
	    (us = xfrm_msg_extra(nlh, buflen, sizeof(*us))) == NULL)
		return (NULL);
	/* The larval SA is inbound: from the peer (src) to us (dst). */
	us->info.id.proto = proto;
	us->info.id.daddr.a4 = dst.s_addr;
	us->info.saddr.a4 = src.s_addr;
	us->info.family = AF_INET;
	us->info.sel.family = AF_INET;
	us->info.mode = XFRM_MODE_TUNNEL;
	us->info.reqid = reqid;
	us->min = KERNEL_SPI_MIN;
	us->max = KERNEL_SPI_MAX;
	return (nlh);
}

static int
xfrm_msg_put_crypt(struct nlmsghdr *nlh, size_t buflen,
    const struct kernel_sa *sa)
{
	union {
		struct xfrm_algo	a;
		char			raw[sizeof(struct xfrm_algo) +
					    CRYPTO_MAX_KEY];
	} u;
	const char	*name;
	size_t		 keylen;
	int		 ret;

	if ((name = xfrm_msg_encr_name(sa->ks_encr)) == NULL)
		return (-1);
	if (sa->ks_encr == ENCR_3DES)
		keylen = 24;
	else if (sa->ks_encr_bits == 128 || sa->ks_encr_bits == 192 ||
	    sa->ks_encr_bits == 256)
		keylen = sa->ks_encr_bits / 8;
	else
		return (-1);
	if (sa->ks_ekey == NULL || sa->ks_ekey_len != keylen)
		return (-1);
	memset(&u, 0, sizeof(u));
	strncpy(u.a.alg_name, name, sizeof(u.a.alg_name) - 1);
	u.a.alg_key_len = keylen * 8;		/* in bits */
	memcpy(u.a.alg_key, sa->ks_ekey, keylen);
	ret = mnl_attr_put_check(nlh, buflen, XFRMA_ALG_CRYPT,
	    sizeof(u.a) + keylen, &u) ? 0 : -1;
	explicit_bzero(&u, sizeof(u));
	return (ret);
}

/*
 * An AEAD's key material in bytes (key and 4-byte salt: RFC 4106 §8.1,
 * RFC 7634 §4) and ICV in bits (RFC 4106 §6: 8, 12 or 16 octets).
 */
int
xfrm_msg_aead_lens(int encr, int bits, size_t *keylen, unsigned int *icvbits)
{
	switch (encr) {
	case ENCR_AES_GCM_8:
	case ENCR_AES_GCM_12:
	case ENCR_AES_GCM_16:
		if (bits != 128 && bits != 192 && bits != 256)
			return (-1);
		*keylen = bits / 8 + 4;
		*icvbits = 64 + 32 * (encr - ENCR_AES_GCM_8);
		return (0);
	case ENCR_CHACHA20_POLY1305:
		*keylen = 32 + 4;
		*icvbits = 128;
		return (0);
	}
	return (-1);
}

/*
 * XFRMA_ALG_AEAD (struct xfrm_algo_aead): the key is the cipher key and
 * its 4-byte salt (RFC 4106 §8.1, RFC 7634 §4), its length and the ICV
 * length in bits.
 */
static int
xfrm_msg_put_aead(struct nlmsghdr *nlh, size_t buflen,
    const struct kernel_sa *sa)
{
	union {
		struct xfrm_algo_aead	a;
		char			raw[sizeof(struct xfrm_algo_aead) +
					    CRYPTO_MAX_KEY];
	} u;
	const char	*name;
	size_t		 keylen;
	unsigned int	 icvbits;
	int		 ret;

	if ((name = xfrm_msg_encr_name(sa->ks_encr)) == NULL ||
	    xfrm_msg_aead_lens(sa->ks_encr, sa->ks_encr_bits, &keylen,
	    &icvbits) == -1)
		return (-1);
	if (sa->ks_ekey == NULL || sa->ks_ekey_len != keylen)
		return (-1);
	memset(&u, 0, sizeof(u));
	strncpy(u.a.alg_name, name, sizeof(u.a.alg_name) - 1);
	u.a.alg_key_len = keylen * 8;
	u.a.alg_icv_len = icvbits;
	memcpy(u.a.alg_key, sa->ks_ekey, keylen);
	ret = mnl_attr_put_check(nlh, buflen, XFRMA_ALG_AEAD,
	    sizeof(u.a) + keylen, &u) ? 0 : -1;
	explicit_bzero(&u, sizeof(u));
	return (ret);
}

/* Always XFRMA_ALG_AUTH_TRUNC: plain ALG_AUTH would mean 96 for SHA-256. */
static int
xfrm_msg_put_auth(struct nlmsghdr *nlh, size_t buflen,
    const struct kernel_sa *sa)
{
	union {
		struct xfrm_algo_auth	a;
		char			raw[sizeof(struct xfrm_algo_auth) +
					    CRYPTO_MAX_KEY];
	} u;
	const char	*name;
	unsigned int	 trunc;
	size_t		 keylen;
	int		 ret;

	if ((name = xfrm_msg_integ_name(sa->ks_integ, &trunc,
	    &keylen)) == NULL)
		return (-1);
	if (sa->ks_akey == NULL || sa->ks_akey_len != keylen)
		return (-1);
	memset(&u, 0, sizeof(u));
	strncpy(u.a.alg_name, name, sizeof(u.a.alg_name) - 1);
	u.a.alg_key_len = keylen * 8;
	u.a.alg_trunc_len = trunc;
	memcpy(u.a.alg_key, sa->ks_akey, keylen);
	ret = mnl_attr_put_check(nlh, buflen, XFRMA_ALG_AUTH_TRUNC,
	    sizeof(u.a) + keylen, &u) ? 0 : -1;
	explicit_bzero(&u, sizeof(u));
	return (ret);
}

/* A volume limit: 0 is unlimited (XFRM_INF; a 0 would expire at once). */
static uint64_t
xfrm_msg_limit(uint64_t n)
{
	return (n == 0 ? XFRM_INF : n);
}

static void
xfrm_msg_lifetime(struct xfrm_lifetime_cfg *lft, const struct kernel_sa *sa)
{
	uint32_t	 hard = sa->ks_lifetime;

	/* soft byte/packet limits: the engine's rekey; no soft above the
	 * hard one (unset: the hard one) */
	lft->hard_byte_limit = xfrm_msg_limit(sa->ks_bytes_hard);
	lft->soft_byte_limit = sa->ks_bytes_soft != 0 &&
	    sa->ks_bytes_soft < lft->hard_byte_limit ? sa->ks_bytes_soft :
	    lft->hard_byte_limit;
	lft->hard_packet_limit = xfrm_msg_limit(sa->ks_packets_hard);
	lft->soft_packet_limit = sa->ks_packets_soft != 0 &&
	    sa->ks_packets_soft < lft->hard_packet_limit ?
	    sa->ks_packets_soft : lft->hard_packet_limit;
	lft->hard_add_expires_seconds = hard;
	/* The engine rekeys by its own timers; soft is a notice. */
	lft->soft_add_expires_seconds = hard >= 10 && !sa->ks_no_soft_time ?
	    hard - hard / 10 : 0;
}

_Static_assert(KERNEL_REPLAY_MAX == XFRMA_REPLAY_ESN_MAX,
    "the replay bitmap's bound");

/*
 * The anti-replay window: up to 32 packets without ESN in the legacy
 * field (its bitmap is 32 bits), else in XFRMA_REPLAY_ESN_VAL (struct
 * xfrm_replay_state_esn, bmp_len 32-bit words of bitmap, zero at first),
 * which the kernel wants with the legacy field 0; ESN sets
 * XFRM_STATE_ESN and needs a window of at least 1 (xfrm_init_replay).
 * A starting outbound sequence number (ks_oseq) goes in the replay
 * state's oseq (and oseq_hi): XFRMA_REPLAY_VAL in the legacy case, which
 * NEWSA copies into the SA (xfrm_update_ae_params); the inbound side
 * starts fresh either way.
 */
static int
xfrm_msg_put_replay(struct nlmsghdr *nlh, size_t buflen,
    struct xfrm_usersa_info *si, const struct kernel_sa *sa)
{
	uint8_t				 rbuf[sizeof(struct xfrm_replay_state_esn) +
					    KERNEL_REPLAY_MAX / 8];
	struct xfrm_replay_state_esn	*rs;
	struct xfrm_replay_state	 leg;
	size_t				 words;

	if (sa->ks_replay_window > KERNEL_REPLAY_MAX ||
	    (sa->ks_esn && sa->ks_replay_window == 0) ||
	    (!sa->ks_esn && sa->ks_oseq > UINT32_MAX))
		return (-1);
	if (!sa->ks_esn && sa->ks_replay_window <= KERNEL_REPLAY_WINDOW) {
		si->replay_window = (uint8_t)sa->ks_replay_window;
		if (sa->ks_oseq == 0)
			return (0);
		memset(&leg, 0, sizeof(leg));
		leg.oseq = (uint32_t)sa->ks_oseq;
		return (mnl_attr_put_check(nlh, buflen, XFRMA_REPLAY_VAL,
		    sizeof(leg), &leg) ? 0 : -1);
	}
	si->replay_window = 0;
	if (sa->ks_esn)
		si->flags |= XFRM_STATE_ESN;
	words = (sa->ks_replay_window + 31) / 32;
	memset(rbuf, 0, sizeof(rbuf));
	rs = (struct xfrm_replay_state_esn *)rbuf;
	rs->bmp_len = (unsigned int)words;
	rs->replay_window = sa->ks_replay_window;
	rs->oseq = (uint32_t)sa->ks_oseq;
	rs->oseq_hi = (uint32_t)(sa->ks_oseq >> 32);
	if (!mnl_attr_put_check(nlh, buflen, XFRMA_REPLAY_ESN_VAL,
	    sizeof(*rs) + words * sizeof(uint32_t), rs))
		return (-1);
	return (0);
}

struct nlmsghdr *
xfrm_msg_sa_build(char *buf, size_t buflen, const struct kernel_sa *sa,
    uint32_t seq)
{
	struct nlmsghdr		*nlh;
	struct xfrm_usersa_info	*si;
	struct xfrm_encap_tmpl	 enc;

	if (sa->ks_proto != IPPROTO_ESP && sa->ks_proto != IPPROTO_AH)
		return (NULL);
	if (sa->ks_proto == IPPROTO_AH && sa->ks_encr != 0)
		return (NULL);
	if ((nlh = xfrm_msg_start(buf, buflen, sa->ks_update ?
	    XFRM_MSG_UPDSA : XFRM_MSG_NEWSA, 0, seq)) == NULL ||
	    (si = xfrm_msg_extra(nlh, buflen, sizeof(*si))) == NULL)
		return (NULL);
	/* Tunnel mode carries any inner traffic: empty selector. */
	si->sel.family = AF_INET;
	si->id.daddr.a4 = sa->ks_dst.s_addr;
	si->id.spi = sa->ks_spi;
	si->id.proto = sa->ks_proto;
	si->saddr.a4 = sa->ks_src.s_addr;
	si->family = AF_INET;
	si->mode = XFRM_MODE_TUNNEL;
	si->reqid = sa->ks_reqid;
	/*
	 * RFC 4302 §3.3.3.2.1: over IPv4 the AH header is padded to a
	 * multiple of 32 bits, not 64 as the kernel does by default; with
	 * a 128-bit ICV (HMAC-SHA2-256) the two differ and a peer that
	 * follows the RFC (strongSwan) rejects every packet
	 */
	if (sa->ks_proto == IPPROTO_AH)
		si->flags |= XFRM_STATE_ALIGN4;
	xfrm_msg_lifetime(&si->lft, sa);
	if (xfrm_msg_put_replay(nlh, buflen, si, sa) == -1)
		goto fail;
	if (sa->ks_proto == IPPROTO_ESP && encr_is_aead(sa->ks_encr)) {
		/* one combined transform, no integrity (RFC 4106 §8.2) */
		if (sa->ks_integ != AUTH_NONE ||
		    xfrm_msg_put_aead(nlh, buflen, sa) == -1)
			goto fail;
	} else {
		if (sa->ks_proto == IPPROTO_ESP &&
		    xfrm_msg_put_crypt(nlh, buflen, sa) == -1)
			goto fail;
		if (xfrm_msg_put_auth(nlh, buflen, sa) == -1)
			goto fail;
	}
	if (sa->ks_encap_sport != 0 || sa->ks_encap_dport != 0) {
		/* RFC 3948: ESP in UDP, ports in network order. */
		if (sa->ks_proto != IPPROTO_ESP)
			goto fail;
		memset(&enc, 0, sizeof(enc));
		enc.encap_type = UDP_ENCAP_ESPINUDP;
		enc.encap_sport = htons(sa->ks_encap_sport);
		enc.encap_dport = htons(sa->ks_encap_dport);
		if (!mnl_attr_put_check(nlh, buflen, XFRMA_ENCAP, sizeof(enc),
		    &enc))
			goto fail;
	}
	return (nlh);
 fail:
	explicit_bzero(buf, buflen);
	return (NULL);
}

struct nlmsghdr *
xfrm_msg_sa_id_build(char *buf, size_t buflen, uint16_t type, uint8_t proto,
    uint32_t spi, struct in_addr dst, uint32_t seq)
{
	struct nlmsghdr		*nlh;
	struct xfrm_usersa_id	*id;

	if (type != XFRM_MSG_DELSA && type != XFRM_MSG_GETSA)
		return (NULL);
	if ((nlh = xfrm_msg_start(buf, buflen, type, 0, seq)) == NULL ||
	    (id = xfrm_msg_extra(nlh, buflen, sizeof(*id))) == NULL)
		return (NULL);
	id->daddr.a4 = dst.s_addr;
	id->spi = spi;
	id->family = AF_INET;
	id->proto = proto;
	return (nlh);
}

static uint32_t
xfrm_msg_mask(uint8_t plen)
{
	return (plen == 0 ? 0 : htonl(0xffffffffu << (32 - plen)));
}

static int
xfrm_msg_selector(struct xfrm_selector *sel, const struct kernel_policy *p)
{
	if (p->kp_src_plen > 32 || p->kp_dst_plen > 32)
		return (-1);
	sel->saddr.a4 = p->kp_src.s_addr & xfrm_msg_mask(p->kp_src_plen);
	sel->daddr.a4 = p->kp_dst.s_addr & xfrm_msg_mask(p->kp_dst_plen);
	sel->prefixlen_s = p->kp_src_plen;
	sel->prefixlen_d = p->kp_dst_plen;
	sel->family = AF_INET;
	return (0);
}

/* Lower wins in XFRM: a longer destination, then a longer source. */
uint32_t
xfrm_msg_policy_prio(const struct kernel_policy *p)
{
	return (0x4000 - (p->kp_dst_plen << 6) - p->kp_src_plen);
}

struct nlmsghdr *
xfrm_msg_policy_build(char *buf, size_t buflen, uint16_t type,
    const struct kernel_policy *p, uint32_t seq)
{
	struct nlmsghdr			*nlh;
	struct xfrm_userpolicy_info	*pi;
	struct xfrm_userpolicy_id	*pid;
	struct xfrm_user_tmpl		 t;

	if (p->kp_dir != KDIR_IN && p->kp_dir != KDIR_OUT &&
	    p->kp_dir != KDIR_FWD)
		return (NULL);
	if ((nlh = xfrm_msg_start(buf, buflen, type, 0, seq)) == NULL)
		return (NULL);
	if (type == XFRM_MSG_DELPOLICY) {
		if ((pid = xfrm_msg_extra(nlh, buflen, sizeof(*pid))) == NULL ||
		    xfrm_msg_selector(&pid->sel, p) == -1)
			return (NULL);
		pid->dir = p->kp_dir;
		return (nlh);
	}
	if ((type != XFRM_MSG_NEWPOLICY && type != XFRM_MSG_UPDPOLICY) ||
	    (p->kp_proto != IPPROTO_ESP && p->kp_proto != IPPROTO_AH))
		return (NULL);
	if ((pi = xfrm_msg_extra(nlh, buflen, sizeof(*pi))) == NULL ||
	    xfrm_msg_selector(&pi->sel, p) == -1)
		return (NULL);
	pi->lft.soft_byte_limit = XFRM_INF;
	pi->lft.hard_byte_limit = XFRM_INF;
	pi->lft.soft_packet_limit = XFRM_INF;
	pi->lft.hard_packet_limit = XFRM_INF;
	pi->priority = xfrm_msg_policy_prio(p);
	pi->dir = p->kp_dir;
	pi->action = XFRM_POLICY_ALLOW;
	pi->share = XFRM_SHARE_ANY;
	memset(&t, 0, sizeof(t));
	t.id.proto = p->kp_proto;
	t.id.daddr.a4 = p->kp_tun_dst.s_addr;
	t.saddr.a4 = p->kp_tun_src.s_addr;
	t.family = AF_INET;
	t.reqid = p->kp_reqid;
	t.mode = XFRM_MODE_TUNNEL;
	t.aalgos = ~0u;
	t.ealgos = ~0u;
	t.calgos = ~0u;
	if (!mnl_attr_put_check(nlh, buflen, XFRMA_TMPL, sizeof(t), &t))
		return (NULL);
	return (nlh);
}

struct nlmsghdr *
xfrm_msg_dump_build(char *buf, size_t buflen, uint16_t type, uint32_t seq)
{
	if (type != XFRM_MSG_GETSA && type != XFRM_MSG_GETPOLICY)
		return (NULL);
	return (xfrm_msg_start(buf, buflen, type, NLM_F_DUMP, seq));
}

struct nlmsghdr *
route_msg_get_build(char *buf, size_t buflen, struct in_addr dst, int dump,
    uint32_t seq)
{
	struct nlmsghdr	*nlh;
	struct rtmsg	*rtm;

	if ((nlh = xfrm_msg_start(buf, buflen, RTM_GETROUTE,
	    dump ? NLM_F_DUMP : 0, seq)) == NULL ||
	    (rtm = xfrm_msg_extra(nlh, buflen, sizeof(*rtm))) == NULL)
		return (NULL);
	rtm->rtm_family = AF_INET;
	if (dump)
		return (nlh);
	rtm->rtm_dst_len = 32;
	if (!mnl_attr_put_u32_check(nlh, buflen, RTA_DST, dst.s_addr))
		return (NULL);
	return (nlh);
}

struct nlmsghdr *
route_msg_build(char *buf, size_t buflen, uint16_t type, struct in_addr net,
    uint8_t plen, struct in_addr gw, uint32_t oif, struct in_addr src,
    uint32_t seq)
{
	struct nlmsghdr	*nlh;
	struct rtmsg	*rtm;
	uint16_t	 flags;

	if (plen > 32 || (type != RTM_NEWROUTE && type != RTM_DELROUTE))
		return (NULL);
	flags = type == RTM_NEWROUTE ? NLM_F_CREATE | NLM_F_REPLACE : 0;
	if ((nlh = xfrm_msg_start(buf, buflen, type, flags, seq)) == NULL ||
	    (rtm = xfrm_msg_extra(nlh, buflen, sizeof(*rtm))) == NULL)
		return (NULL);
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = plen;
	rtm->rtm_table = KERNEL_RT_TABLE;
	rtm->rtm_protocol = KERNEL_RT_PROTO;
	rtm->rtm_type = RTN_UNICAST;
	/* Deletion matches any scope (NOWHERE), but only our protocol. */
	if (type == RTM_DELROUTE)
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
	else
		rtm->rtm_scope = gw.s_addr != INADDR_ANY ?
		    RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	if (!mnl_attr_put_u32_check(nlh, buflen, RTA_TABLE, KERNEL_RT_TABLE) ||
	    !mnl_attr_put_u32_check(nlh, buflen, RTA_DST,
	    net.s_addr & xfrm_msg_mask(plen)))
		return (NULL);
	if (type == RTM_DELROUTE)
		return (nlh);
	if (gw.s_addr != INADDR_ANY &&
	    !mnl_attr_put_u32_check(nlh, buflen, RTA_GATEWAY, gw.s_addr))
		return (NULL);
	if (oif != 0 && !mnl_attr_put_u32_check(nlh, buflen, RTA_OIF, oif))
		return (NULL);
	if (src.s_addr != INADDR_ANY &&
	    !mnl_attr_put_u32_check(nlh, buflen, RTA_PREFSRC, src.s_addr))
		return (NULL);
	return (nlh);
}

struct nlmsghdr *
route_msg_rule_build(char *buf, size_t buflen, uint16_t type, uint32_t seq)
{
	struct nlmsghdr		*nlh;
	struct fib_rule_hdr	*frh;
	uint16_t		 flags;

	if (type != RTM_NEWRULE && type != RTM_DELRULE)
		return (NULL);
	/* EXCL: an existing rule says EEXIST, and we leave it at close. */
	flags = type == RTM_NEWRULE ? NLM_F_CREATE | NLM_F_EXCL : 0;
	if ((nlh = xfrm_msg_start(buf, buflen, type, flags, seq)) == NULL ||
	    (frh = xfrm_msg_extra(nlh, buflen, sizeof(*frh))) == NULL)
		return (NULL);
	frh->family = AF_INET;
	frh->action = FR_ACT_TO_TBL;
	frh->table = KERNEL_RT_TABLE;
	if (!mnl_attr_put_u32_check(nlh, buflen, FRA_PRIORITY,
	    KERNEL_RT_RULE_PRIO) ||
	    !mnl_attr_put_u32_check(nlh, buflen, FRA_TABLE, KERNEL_RT_TABLE))
		return (NULL);
	return (nlh);
}

int
xfrm_msg_expire_parse(const struct nlmsghdr *nlh, size_t len,
    struct xfrm_expire *xe)
{
	struct xfrm_user_expire	 ue;

	if (len < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) ||
	    nlh->nlmsg_len > len || nlh->nlmsg_type != XFRM_MSG_EXPIRE ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(ue)))
		return (-1);
	/* netlink aligns to 4 bytes, the struct wants 8: copy it out */
	memcpy(&ue, NLMSG_DATA(nlh), sizeof(ue));
	if (ue.state.family != AF_INET || (ue.state.id.proto != IPPROTO_ESP &&
	    ue.state.id.proto != IPPROTO_AH))
		return (-1);
	memset(xe, 0, sizeof(*xe));
	xe->xe_proto = ue.state.id.proto;
	xe->xe_spi = ue.state.id.spi;
	xe->xe_dst.s_addr = ue.state.id.daddr.a4;
	xe->xe_reqid = ue.state.reqid;
	xe->xe_hard = ue.hard != 0;
	/* the kernel copies the SA's limits and counters into the notice */
	if (xe->xe_hard)
		xe->xe_volume = ue.state.curlft.bytes >=
		    ue.state.lft.hard_byte_limit ||
		    ue.state.curlft.packets >= ue.state.lft.hard_packet_limit;
	else
		xe->xe_volume = ue.state.curlft.bytes >=
		    ue.state.lft.soft_byte_limit ||
		    ue.state.curlft.packets >= ue.state.lft.soft_packet_limit;
	return (0);
}

int
xfrm_msg_walk(const void *buf, size_t len,
    void (*cb)(const struct nlmsghdr *, size_t, void *), void *arg)
{
	const uint8_t		*p = buf;
	const struct nlmsghdr	*nlh;
	size_t			 step;
	int			 n = 0;

	while (len >= sizeof(*nlh)) {
		nlh = (const struct nlmsghdr *)p;
		if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len)
			break;
		cb(nlh, nlh->nlmsg_len, arg);
		n++;
		step = NLMSG_ALIGN(nlh->nlmsg_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return (n);
}

/*
 * One XFRM_MSG_NEWSA of a GETSA dump: the SA's id, its lifetime counters
 * and XFRMA_LASTUSED.  nlmsg_len is checked against len before the
 * attributes are walked (mnl_attr_ok bounds each one by what is left).
 */
int
xfrm_msg_sa_counters_parse(const struct nlmsghdr *nlh, size_t len,
    struct xfrm_sa_counters *xc)
{
	struct xfrm_usersa_info	 si;
	const struct nlattr	*attr;
	const char		*end;

	if (len < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) ||
	    nlh->nlmsg_len > len || nlh->nlmsg_type != XFRM_MSG_NEWSA ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(si)))
		return (-1);
	memcpy(&si, NLMSG_DATA(nlh), sizeof(si));
	if (si.family != AF_INET || (si.id.proto != IPPROTO_ESP &&
	    si.id.proto != IPPROTO_AH))
		return (-1);
	memset(xc, 0, sizeof(*xc));
	xc->xc_proto = si.id.proto;
	xc->xc_spi = si.id.spi;
	xc->xc_dst.s_addr = si.id.daddr.a4;
	xc->xc_reqid = si.reqid;
	xc->xc_bytes = si.curlft.bytes;
	xc->xc_packets = si.curlft.packets;
	/* bounded by nlmsg_len itself: mnl_attr_for_each() rounds it up
	 * to 4, past the end of a datagram whose length is not aligned */
	end = (const char *)nlh + nlh->nlmsg_len;
	for (attr = mnl_nlmsg_get_payload_offset(nlh, sizeof(si));
	    end - (const char *)attr >= (ptrdiff_t)sizeof(*attr) &&
	    mnl_attr_ok(attr, (int)(end - (const char *)attr));
	    attr = mnl_attr_next(attr)) {
		if (mnl_attr_get_type(attr) == XFRMA_LASTUSED &&
		    mnl_attr_get_payload_len(attr) == sizeof(uint64_t))
			memcpy(&xc->xc_lastused, mnl_attr_get_payload(attr),
			    sizeof(uint64_t));
		else
			(void)xfrm_msg_attr_oseq(attr, &xc->xc_oseq);
	}
	return (0);
}

int
xfrm_msg_attr_oseq(const struct nlattr *attr, uint64_t *oseq)
{
	struct xfrm_replay_state	 rs;
	struct xfrm_replay_state_esn	 esn;
	size_t				 len = mnl_attr_get_payload_len(attr);

	switch (mnl_attr_get_type(attr)) {
	case XFRMA_REPLAY_VAL:
		if (len != sizeof(rs))
			return (0);
		memcpy(&rs, mnl_attr_get_payload(attr), sizeof(rs));
		*oseq = rs.oseq;
		return (1);
	case XFRMA_REPLAY_ESN_VAL:
		/* the fixed part, then bmp_len 32-bit words */
		if (len < sizeof(esn))
			return (0);
		memcpy(&esn, mnl_attr_get_payload(attr), sizeof(esn));
		if (esn.bmp_len > XFRMA_REPLAY_ESN_MAX / 32 ||
		    len != sizeof(esn) + esn.bmp_len * sizeof(uint32_t))
			return (0);
		*oseq = (uint64_t)esn.oseq_hi << 32 | esn.oseq;
		return (1);
	}
	return (0);
}

/* One key attribute's key: struct xfrm_algo (_aead, _auth), its key
 * length in bits, the key after the fixed part. */
static int
xfrm_msg_key(const struct nlattr *attr, size_t fixed, size_t bits_off,
    uint8_t *key, size_t *key_len, size_t cap)
{
	const uint8_t	*p = mnl_attr_get_payload(attr);
	size_t		 len = mnl_attr_get_payload_len(attr), n;
	uint32_t	 bits;

	if (len < fixed)
		return (-1);
	memcpy(&bits, p + bits_off, sizeof(bits));
	n = (bits + 7) / 8;
	if (n > cap || len < fixed + n)
		return (-1);
	memcpy(key, p + fixed, n);
	*key_len = n;
	return (0);
}

int
xfrm_msg_sa_keys_parse(const struct nlmsghdr *nlh, size_t len,
    uint8_t *ekey, size_t *ekey_len, uint8_t *akey, size_t *akey_len,
    size_t cap)
{
	const struct nlattr	*attr;
	const char		*end;
	int			 got = 0, rv = 0;

	*ekey_len = *akey_len = 0;
	if (len < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) ||
	    nlh->nlmsg_len > len || nlh->nlmsg_type != XFRM_MSG_NEWSA ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct xfrm_usersa_info)))
		return (-1);
	end = (const char *)nlh + nlh->nlmsg_len;
	for (attr = mnl_nlmsg_get_payload_offset(nlh,
	    sizeof(struct xfrm_usersa_info));
	    rv == 0 && end - (const char *)attr >= (ptrdiff_t)sizeof(*attr) &&
	    mnl_attr_ok(attr, (int)(end - (const char *)attr));
	    attr = mnl_attr_next(attr)) {
		switch (mnl_attr_get_type(attr)) {
		case XFRMA_ALG_AEAD:
			rv = xfrm_msg_key(attr, sizeof(struct xfrm_algo_aead),
			    offsetof(struct xfrm_algo_aead, alg_key_len),
			    ekey, ekey_len, cap);
			got++;
			break;
		case XFRMA_ALG_CRYPT:
			rv = xfrm_msg_key(attr, sizeof(struct xfrm_algo),
			    offsetof(struct xfrm_algo, alg_key_len), ekey,
			    ekey_len, cap);
			got++;
			break;
		case XFRMA_ALG_AUTH_TRUNC:
			rv = xfrm_msg_key(attr, sizeof(struct xfrm_algo_auth),
			    offsetof(struct xfrm_algo_auth, alg_key_len),
			    akey, akey_len, cap);
			got++;
			break;
		case XFRMA_ALG_AUTH:
			if (*akey_len == 0)
				rv = xfrm_msg_key(attr,
				    sizeof(struct xfrm_algo),
				    offsetof(struct xfrm_algo, alg_key_len),
				    akey, akey_len, cap);
			got++;
			break;
		}
	}
	return (rv == 0 && got > 0 ? 0 : -1);
}

int
xfrm_msg_acquire_parse(const struct nlmsghdr *nlh, size_t len,
    struct xfrm_acquire *xa)
{
	struct xfrm_user_acquire	 ua;

	if (len < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) ||
	    nlh->nlmsg_len > len || nlh->nlmsg_type != XFRM_MSG_ACQUIRE ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(ua)))
		return (-1);
	memcpy(&ua, NLMSG_DATA(nlh), sizeof(ua));
	if (ua.policy.sel.family != AF_INET || ua.policy.sel.prefixlen_s > 32 ||
	    ua.policy.sel.prefixlen_d > 32)
		return (-1);
	memset(xa, 0, sizeof(*xa));
	xa->xa_src.s_addr = ua.policy.sel.saddr.a4;
	xa->xa_src_plen = ua.policy.sel.prefixlen_s;
	xa->xa_dst.s_addr = ua.policy.sel.daddr.a4;
	xa->xa_dst_plen = ua.policy.sel.prefixlen_d;
	return (0);
}
