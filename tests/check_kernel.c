/*
 * check_kernel.c - kernel/: the netlink messages taken apart attribute by
 * attribute, then the real thing in a private network namespace.
 *
 * The host kernel has XFRM but no esp4/ah4, so the live SA tcase expects
 * sa_add to fail cleanly there; with GW_LAB_KERNEL=1 (inside the lab's
 * user-mode-linux kernel, tests/lab) it installs, reads and deletes SAs
 * for every algorithm combination.  Live tests need root and fork mode.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/wait.h>

#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <linux/udp.h>
#include <linux/xfrm.h>

#include <check.h>

#include "common/log.h"
#include "crypto/crypto.h"
#include "kernel/kernel.h"
#include "kernel/kernel_msg.h"

static uint8_t	test_ekey[64];
static uint8_t	test_akey[64];

static struct in_addr
A(const char *s)
{
	struct in_addr	a;

	ck_assert_int_eq(inet_pton(AF_INET, s, &a), 1);
	return (a);
}

static int
lab_kernel(void)
{
	const char	*e = getenv("GW_LAB_KERNEL");

	return (e != NULL && strcmp(e, "1") == 0);
}

/* --- attribute parsing for the builder tests --- */

struct xattrs {
	const struct nlattr	*xa_tb[XFRMA_MAX + 1];
	int			 xa_count;
};

static int
xattr_cb(const struct nlattr *attr, void *data)
{
	struct xattrs	*xa = data;
	int		 type = mnl_attr_get_type(attr);

	ck_assert_int_ge(mnl_attr_type_valid(attr, XFRMA_MAX), 0);
	ck_assert_int_ge(mnl_attr_validate(attr, MNL_TYPE_BINARY), 0);
	ck_assert_msg(xa->xa_tb[type] == NULL, "duplicate attribute %d",
	    type);
	xa->xa_tb[type] = attr;
	xa->xa_count++;
	return (MNL_CB_OK);
}

static void
xattrs_parse(const struct nlmsghdr *nlh, size_t hdrlen, struct xattrs *xa)
{
	memset(xa, 0, sizeof(*xa));
	ck_assert(mnl_nlmsg_ok(nlh, (int)nlh->nlmsg_len));
	ck_assert_uint_ge(nlh->nlmsg_len, mnl_nlmsg_size(hdrlen));
	ck_assert_int_ge(mnl_attr_parse(nlh, hdrlen, xattr_cb, xa), 0);
}

static void
lifetime_check_inf(const struct xfrm_lifetime_cfg *lft)
{
	ck_assert_uint_eq(lft->soft_byte_limit, XFRM_INF);
	ck_assert_uint_eq(lft->hard_byte_limit, XFRM_INF);
	ck_assert_uint_eq(lft->soft_packet_limit, XFRM_INF);
	ck_assert_uint_eq(lft->hard_packet_limit, XFRM_INF);
}

/* --- algorithms --- */

struct alg_vec {
	const char	*av_label;
	uint8_t		 av_proto;
	int		 av_encr;
	int		 av_bits;
	int		 av_integ;
	const char	*av_ename;	/* NULL: no XFRMA_ALG_CRYPT */
	unsigned int	 av_ekeybits;
	const char	*av_aname;	/* NULL: an AEAD (XFRMA_ALG_AEAD) */
	unsigned int	 av_akeybits;
	unsigned int	 av_trunc;	/* AEAD: the ICV in bits */
};

static const struct alg_vec alg_vecs[] = {
	{ "aes128-md5", IPPROTO_ESP, ENCR_AES_CBC, 128, AUTH_HMAC_MD5_96,
	  "cbc(aes)", 128, "hmac(md5)", 128, 96 },
	{ "aes128-sha1", IPPROTO_ESP, ENCR_AES_CBC, 128, AUTH_HMAC_SHA1_96,
	  "cbc(aes)", 128, "hmac(sha1)", 160, 96 },
	{ "aes128-sha256", IPPROTO_ESP, ENCR_AES_CBC, 128,
	  AUTH_HMAC_SHA2_256_128, "cbc(aes)", 128, "hmac(sha256)", 256, 128 },
	{ "aes192-md5", IPPROTO_ESP, ENCR_AES_CBC, 192, AUTH_HMAC_MD5_96,
	  "cbc(aes)", 192, "hmac(md5)", 128, 96 },
	{ "aes192-sha1", IPPROTO_ESP, ENCR_AES_CBC, 192, AUTH_HMAC_SHA1_96,
	  "cbc(aes)", 192, "hmac(sha1)", 160, 96 },
	{ "aes192-sha256", IPPROTO_ESP, ENCR_AES_CBC, 192,
	  AUTH_HMAC_SHA2_256_128, "cbc(aes)", 192, "hmac(sha256)", 256, 128 },
	{ "aes256-md5", IPPROTO_ESP, ENCR_AES_CBC, 256, AUTH_HMAC_MD5_96,
	  "cbc(aes)", 256, "hmac(md5)", 128, 96 },
	{ "aes256-sha1", IPPROTO_ESP, ENCR_AES_CBC, 256, AUTH_HMAC_SHA1_96,
	  "cbc(aes)", 256, "hmac(sha1)", 160, 96 },
	{ "aes256-sha256", IPPROTO_ESP, ENCR_AES_CBC, 256,
	  AUTH_HMAC_SHA2_256_128, "cbc(aes)", 256, "hmac(sha256)", 256, 128 },
	{ "3des-md5", IPPROTO_ESP, ENCR_3DES, 0, AUTH_HMAC_MD5_96,
	  "cbc(des3_ede)", 192, "hmac(md5)", 128, 96 },
	{ "3des-sha1", IPPROTO_ESP, ENCR_3DES, 0, AUTH_HMAC_SHA1_96,
	  "cbc(des3_ede)", 192, "hmac(sha1)", 160, 96 },
	{ "3des-sha256", IPPROTO_ESP, ENCR_3DES, 0, AUTH_HMAC_SHA2_256_128,
	  "cbc(des3_ede)", 192, "hmac(sha256)", 256, 128 },
	{ "ah-md5", IPPROTO_AH, 0, 0, AUTH_HMAC_MD5_96,
	  NULL, 0, "hmac(md5)", 128, 96 },
	{ "ah-sha1", IPPROTO_AH, 0, 0, AUTH_HMAC_SHA1_96,
	  NULL, 0, "hmac(sha1)", 160, 96 },
	{ "ah-sha256", IPPROTO_AH, 0, 0, AUTH_HMAC_SHA2_256_128,
	  NULL, 0, "hmac(sha256)", 256, 128 },
	/* RFC 4868 §2.3: keys of the hash's length, ICVs of half of it */
	{ "aes256-sha384", IPPROTO_ESP, ENCR_AES_CBC, 256,
	  AUTH_HMAC_SHA2_384_192, "cbc(aes)", 256, "hmac(sha384)", 384, 192 },
	{ "aes128-sha512", IPPROTO_ESP, ENCR_AES_CBC, 128,
	  AUTH_HMAC_SHA2_512_256, "cbc(aes)", 128, "hmac(sha512)", 512, 256 },
	{ "ah-sha384", IPPROTO_AH, 0, 0, AUTH_HMAC_SHA2_384_192,
	  NULL, 0, "hmac(sha384)", 384, 192 },
	{ "ah-sha512", IPPROTO_AH, 0, 0, AUTH_HMAC_SHA2_512_256,
	  NULL, 0, "hmac(sha512)", 512, 256 },
	/* AEAD: the key is key | 4-byte salt (RFC 4106 §8.1, RFC 7634 §4) */
	{ "aes128gcm16", IPPROTO_ESP, ENCR_AES_GCM_16, 128, AUTH_NONE,
	  "rfc4106(gcm(aes))", 160, NULL, 0, 128 },
	{ "aes256gcm16", IPPROTO_ESP, ENCR_AES_GCM_16, 256, AUTH_NONE,
	  "rfc4106(gcm(aes))", 288, NULL, 0, 128 },
	{ "aes192gcm12", IPPROTO_ESP, ENCR_AES_GCM_12, 192, AUTH_NONE,
	  "rfc4106(gcm(aes))", 224, NULL, 0, 96 },
	{ "aes128gcm8", IPPROTO_ESP, ENCR_AES_GCM_8, 128, AUTH_NONE,
	  "rfc4106(gcm(aes))", 160, NULL, 0, 64 },
	{ "chacha20poly1305", IPPROTO_ESP, ENCR_CHACHA20_POLY1305, 0,
	  AUTH_NONE, "rfc7539esp(chacha20,poly1305)", 288, NULL, 0, 128 },
};
#define ALG_NVECS	(int)(sizeof(alg_vecs) / sizeof(alg_vecs[0]))

static void
sa_from_vec(struct kernel_sa *sa, const struct alg_vec *v)
{
	memset(sa, 0, sizeof(*sa));
	sa->ks_proto = v->av_proto;
	sa->ks_spi = htonl(0xc0001234);
	sa->ks_src = A("198.51.100.2");
	sa->ks_dst = A("198.51.100.1");
	sa->ks_reqid = KERNEL_REQID_BASE + 7;
	sa->ks_encr = v->av_encr;
	sa->ks_encr_bits = v->av_bits;
	sa->ks_ekey = test_ekey;
	sa->ks_ekey_len = v->av_ekeybits / 8;
	sa->ks_integ = v->av_integ;
	sa->ks_akey = test_akey;
	sa->ks_akey_len = v->av_akeybits / 8;
	sa->ks_lifetime = 3600;
	sa->ks_replay_window = 32;	/* the default */
}

START_TEST(test_msg_sa_algorithms)
{
	const struct alg_vec		*v = &alg_vecs[_i];
	char				 buf[KERNEL_MSG_SIZE];
	struct kernel_sa		 sa;
	struct nlmsghdr			*nlh;
	const struct xfrm_usersa_info	*si;
	const struct xfrm_algo		*ea;
	const struct xfrm_algo_auth	*aa;
	const struct xfrm_algo_aead	*ad;
	struct xattrs			 xa;
	static const uint8_t		 zero[sizeof(si->sel)];
	struct xfrm_selector		 sel;

	sa_from_vec(&sa, v);
	nlh = xfrm_msg_sa_build(buf, sizeof(buf), &sa, 42);
	ck_assert_msg(nlh != NULL, "%s: not built", v->av_label);
	ck_assert_uint_eq(nlh->nlmsg_type, XFRM_MSG_NEWSA);
	ck_assert_uint_eq(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	ck_assert_uint_eq(nlh->nlmsg_seq, 42);
	xattrs_parse(nlh, sizeof(*si), &xa);
	si = mnl_nlmsg_get_payload(nlh);
	ck_assert_uint_eq(si->family, AF_INET);
	ck_assert_uint_eq(si->mode, XFRM_MODE_TUNNEL);
	ck_assert_uint_eq(si->replay_window, 32);
	/* AH over IPv4: 32-bit alignment (RFC 4302); no ESN by default */
	ck_assert_uint_eq(si->flags, v->av_proto == IPPROTO_AH ?
	    XFRM_STATE_ALIGN4 : 0);
	ck_assert_uint_eq(si->reqid, KERNEL_REQID_BASE + 7);
	ck_assert_uint_eq(si->id.proto, v->av_proto);
	ck_assert_uint_eq(si->id.spi, htonl(0xc0001234));
	ck_assert_uint_eq(si->id.daddr.a4, A("198.51.100.1").s_addr);
	ck_assert_uint_eq(si->saddr.a4, A("198.51.100.2").s_addr);
	lifetime_check_inf(&si->lft);
	ck_assert_uint_eq(si->lft.hard_add_expires_seconds, 3600);
	ck_assert_uint_lt(si->lft.soft_add_expires_seconds, 3600);
	ck_assert_uint_gt(si->lft.soft_add_expires_seconds, 0);
	/* Tunnel mode: selector empty except for its family. */
	sel = si->sel;
	ck_assert_uint_eq(sel.family, AF_INET);
	sel.family = 0;
	ck_assert_mem_eq(&sel, zero, sizeof(sel));

	ck_assert_ptr_null(xa.xa_tb[XFRMA_ALG_AUTH]);
	ck_assert_ptr_null(xa.xa_tb[XFRMA_ENCAP]);
	if (v->av_aname == NULL) {
		/* one AEAD attribute: no ALG_CRYPT, no integrity */
		ck_assert_int_eq(xa.xa_count, 1);
		ck_assert_ptr_null(xa.xa_tb[XFRMA_ALG_CRYPT]);
		ck_assert_ptr_null(xa.xa_tb[XFRMA_ALG_AUTH_TRUNC]);
		ck_assert_ptr_nonnull(xa.xa_tb[XFRMA_ALG_AEAD]);
		ad = mnl_attr_get_payload(xa.xa_tb[XFRMA_ALG_AEAD]);
		ck_assert_uint_eq(mnl_attr_get_payload_len(
		    xa.xa_tb[XFRMA_ALG_AEAD]), sizeof(*ad) +
		    v->av_ekeybits / 8);
		ck_assert_str_eq(ad->alg_name, v->av_ename);
		ck_assert_uint_eq(ad->alg_key_len, v->av_ekeybits);
		ck_assert_uint_eq(ad->alg_icv_len, v->av_trunc);
		ck_assert_mem_eq(ad->alg_key, test_ekey, v->av_ekeybits / 8);
		return;
	}
	ck_assert_ptr_null(xa.xa_tb[XFRMA_ALG_AEAD]);
	if (v->av_ename == NULL) {
		ck_assert_ptr_null(xa.xa_tb[XFRMA_ALG_CRYPT]);
		ck_assert_int_eq(xa.xa_count, 1);
	} else {
		ck_assert_ptr_nonnull(xa.xa_tb[XFRMA_ALG_CRYPT]);
		ck_assert_int_eq(xa.xa_count, 2);
		ea = mnl_attr_get_payload(xa.xa_tb[XFRMA_ALG_CRYPT]);
		ck_assert_uint_eq(mnl_attr_get_payload_len(
		    xa.xa_tb[XFRMA_ALG_CRYPT]), sizeof(*ea) +
		    v->av_ekeybits / 8);
		ck_assert_str_eq(ea->alg_name, v->av_ename);
		ck_assert_uint_eq(ea->alg_key_len, v->av_ekeybits);
		ck_assert_mem_eq(ea->alg_key, test_ekey, v->av_ekeybits / 8);
	}
	ck_assert_ptr_nonnull(xa.xa_tb[XFRMA_ALG_AUTH_TRUNC]);
	aa = mnl_attr_get_payload(xa.xa_tb[XFRMA_ALG_AUTH_TRUNC]);
	ck_assert_uint_eq(mnl_attr_get_payload_len(
	    xa.xa_tb[XFRMA_ALG_AUTH_TRUNC]), sizeof(*aa) +
	    v->av_akeybits / 8);
	ck_assert_str_eq(aa->alg_name, v->av_aname);
	ck_assert_uint_eq(aa->alg_key_len, v->av_akeybits);
	ck_assert_uint_eq(aa->alg_trunc_len, v->av_trunc);
	ck_assert_mem_eq(aa->alg_key, test_akey, v->av_akeybits / 8);

	/* The SPI came from ALLOCSPI: the larval SA is updated. */
	sa.ks_update = 1;
	nlh = xfrm_msg_sa_build(buf, sizeof(buf), &sa, 43);
	ck_assert_ptr_nonnull(nlh);
	ck_assert_uint_eq(nlh->nlmsg_type, XFRM_MSG_UPDSA);
}
END_TEST

struct bad_sa_vec {
	const char	*bv_label;
	uint8_t		 bv_proto;
	int		 bv_encr;
	int		 bv_bits;
	size_t		 bv_ekey_len;
	int		 bv_integ;
	size_t		 bv_akey_len;
};

static const struct bad_sa_vec bad_sa_vecs[] = {
	{ "aes bits 100", IPPROTO_ESP, ENCR_AES_CBC, 100, 16, 2, 20 },
	{ "aes key short", IPPROTO_ESP, ENCR_AES_CBC, 128, 15, 2, 20 },
	{ "3des key 16", IPPROTO_ESP, ENCR_3DES, 0, 16, 2, 20 },
	{ "esp no encr", IPPROTO_ESP, 0, 0, 0, 2, 20 },
	{ "unknown encr", IPPROTO_ESP, 99, 128, 16, 2, 20 },
	{ "esp no integ", IPPROTO_ESP, ENCR_AES_CBC, 128, 16, AUTH_NONE, 0 },
	{ "sha1 key 16", IPPROTO_ESP, ENCR_AES_CBC, 128, 16, 2, 16 },
	{ "sha256 key 20", IPPROTO_AH, 0, 0, 0, AUTH_HMAC_SHA2_256_128, 20 },
	{ "ah with encr", IPPROTO_AH, ENCR_AES_CBC, 128, 16, 2, 20 },
	{ "gcm with integ", IPPROTO_ESP, ENCR_AES_GCM_16, 128, 20, 2, 20 },
	{ "gcm key without salt", IPPROTO_ESP, ENCR_AES_GCM_16, 128, 16,
	  AUTH_NONE, 0 },
	{ "gcm bits 64", IPPROTO_ESP, ENCR_AES_GCM_16, 64, 12, AUTH_NONE, 0 },
	{ "chacha key 32", IPPROTO_ESP, ENCR_CHACHA20_POLY1305, 0, 32,
	  AUTH_NONE, 0 },
	{ "ah with gcm", IPPROTO_AH, ENCR_AES_GCM_16, 128, 20, AUTH_NONE, 0 },
	{ "proto udp", IPPROTO_UDP, ENCR_AES_CBC, 128, 16, 2, 20 },
};

START_TEST(test_msg_sa_rejects_bad)
{
	const struct bad_sa_vec	*v = &bad_sa_vecs[_i];
	char			 buf[KERNEL_MSG_SIZE];
	struct kernel_sa	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.ks_proto = v->bv_proto;
	sa.ks_encr = v->bv_encr;
	sa.ks_encr_bits = v->bv_bits;
	sa.ks_ekey = test_ekey;
	sa.ks_ekey_len = v->bv_ekey_len;
	sa.ks_integ = v->bv_integ;
	sa.ks_akey = test_akey;
	sa.ks_akey_len = v->bv_akey_len;
	ck_assert_msg(xfrm_msg_sa_build(buf, sizeof(buf), &sa, 1) == NULL,
	    "%s: built", v->bv_label);
	/* A half-built request must not leave key bytes behind. */
	ck_assert_ptr_null(memmem(buf, sizeof(buf), test_akey, 8));
	ck_assert_ptr_null(memmem(buf, sizeof(buf), test_ekey, 8));
}
END_TEST

START_TEST(test_msg_sa_encap_and_lifetime)
{
	char				 buf[KERNEL_MSG_SIZE];
	struct kernel_sa		 sa;
	struct nlmsghdr			*nlh;
	const struct xfrm_usersa_info	*si;
	const struct xfrm_encap_tmpl	*enc;
	struct xattrs			 xa;

	sa_from_vec(&sa, &alg_vecs[1]);
	sa.ks_encap_sport = 4500;
	sa.ks_encap_dport = 20001;
	sa.ks_lifetime = 0;
	ck_assert_ptr_nonnull(nlh = xfrm_msg_sa_build(buf, sizeof(buf), &sa,
	    7));
	xattrs_parse(nlh, sizeof(*si), &xa);
	si = mnl_nlmsg_get_payload(nlh);
	lifetime_check_inf(&si->lft);
	ck_assert_uint_eq(si->lft.hard_add_expires_seconds, 0);
	ck_assert_uint_eq(si->lft.soft_add_expires_seconds, 0);
	ck_assert_ptr_nonnull(xa.xa_tb[XFRMA_ENCAP]);
	ck_assert_uint_eq(mnl_attr_get_payload_len(xa.xa_tb[XFRMA_ENCAP]),
	    sizeof(*enc));
	enc = mnl_attr_get_payload(xa.xa_tb[XFRMA_ENCAP]);
	ck_assert_uint_eq(enc->encap_type, UDP_ENCAP_ESPINUDP);
	ck_assert_uint_eq(enc->encap_sport, htons(4500));
	ck_assert_uint_eq(enc->encap_dport, htons(20001));

	/* Too small a buffer is a clean failure. */
	ck_assert_ptr_null(xfrm_msg_sa_build(buf, 200, &sa, 7));
	/* UDP encapsulation is for ESP only (RFC 3948). */
	sa_from_vec(&sa, &alg_vecs[14]);	/* ah-sha256 */
	ck_assert_uint_eq(sa.ks_proto, IPPROTO_AH);
	sa.ks_encap_sport = 4500;
	sa.ks_encap_dport = 4500;
	ck_assert_ptr_null(xfrm_msg_sa_build(buf, sizeof(buf), &sa, 7));
}
END_TEST

START_TEST(test_msg_spi_alloc_fields)
{
	char				 buf[KERNEL_MSG_SIZE];
	struct nlmsghdr			*nlh;
	const struct xfrm_userspi_info	*us;
	struct xattrs			 xa;

	ck_assert_ptr_nonnull(nlh = xfrm_msg_spi_build(buf, sizeof(buf),
	    IPPROTO_ESP, A("198.51.100.2"), A("198.51.100.1"),
	    KERNEL_REQID_BASE + 3, 9));
	ck_assert_uint_eq(nlh->nlmsg_type, XFRM_MSG_ALLOCSPI);
	ck_assert_uint_eq(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	xattrs_parse(nlh, sizeof(*us), &xa);
	ck_assert_int_eq(xa.xa_count, 0);
	us = mnl_nlmsg_get_payload(nlh);
	ck_assert_uint_eq(us->info.id.proto, IPPROTO_ESP);
	ck_assert_uint_eq(us->info.id.daddr.a4, A("198.51.100.1").s_addr);
	ck_assert_uint_eq(us->info.saddr.a4, A("198.51.100.2").s_addr);
	ck_assert_uint_eq(us->info.family, AF_INET);
	ck_assert_uint_eq(us->info.mode, XFRM_MODE_TUNNEL);
	ck_assert_uint_eq(us->info.reqid, KERNEL_REQID_BASE + 3);
	ck_assert_uint_eq(us->min, 0xc0000000u);
	ck_assert_uint_eq(us->max, 0xcfffffffu);
	ck_assert_ptr_null(xfrm_msg_spi_build(buf, sizeof(buf), IPPROTO_UDP,
	    A("198.51.100.2"), A("198.51.100.1"), 1, 9));
}
END_TEST

/* --- policies --- */

static void
policy_sample(struct kernel_policy *p, int dir)
{
	memset(p, 0, sizeof(*p));
	p->kp_dir = dir;
	p->kp_proto = IPPROTO_ESP;
	p->kp_reqid = KERNEL_REQID_BASE + 5;
	if (dir == KDIR_OUT) {
		p->kp_src = A("10.1.2.3");	/* host bits are masked */
		p->kp_dst = A("10.2.0.0");
		p->kp_tun_src = A("198.51.100.1");
		p->kp_tun_dst = A("198.51.100.2");
	} else {
		p->kp_src = A("10.2.0.0");
		p->kp_dst = A("10.1.0.0");
		p->kp_tun_src = A("198.51.100.2");
		p->kp_tun_dst = A("198.51.100.1");
	}
	p->kp_src_plen = 16;
	p->kp_dst_plen = 16;
}

START_TEST(test_msg_policy_fields)
{
	int					 dir = _i;
	char					 buf[KERNEL_MSG_SIZE];
	char					 buf2[KERNEL_MSG_SIZE];
	struct kernel_policy			 p;
	struct nlmsghdr				*nlh, *nlh2;
	const struct xfrm_userpolicy_info	*pi;
	const struct xfrm_userpolicy_id		*pid;
	const struct xfrm_user_tmpl		*t;
	struct xattrs				 xa;

	policy_sample(&p, dir);
	ck_assert_ptr_nonnull(nlh = xfrm_msg_policy_build(buf, sizeof(buf),
	    XFRM_MSG_NEWPOLICY, &p, 5));
	ck_assert_uint_eq(nlh->nlmsg_type, XFRM_MSG_NEWPOLICY);
	ck_assert_uint_eq(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	/* the same body as an update (what gatewayd sends) */
	ck_assert_ptr_nonnull(nlh2 = xfrm_msg_policy_build(buf2,
	    sizeof(buf2), XFRM_MSG_UPDPOLICY, &p, 5));
	ck_assert_uint_eq(nlh2->nlmsg_type, XFRM_MSG_UPDPOLICY);
	ck_assert_uint_eq(nlh2->nlmsg_len, nlh->nlmsg_len);
	ck_assert_mem_eq((const char *)nlh2 + sizeof(struct nlmsghdr),
	    (const char *)nlh + sizeof(struct nlmsghdr),
	    nlh->nlmsg_len - sizeof(struct nlmsghdr));
	xattrs_parse(nlh, sizeof(*pi), &xa);
	ck_assert_int_eq(xa.xa_count, 1);
	pi = mnl_nlmsg_get_payload(nlh);
	ck_assert_uint_eq(pi->dir, dir);
	ck_assert_uint_eq(pi->action, XFRM_POLICY_ALLOW);
	ck_assert_uint_eq(pi->sel.family, AF_INET);
	ck_assert_uint_eq(pi->sel.proto, 0);
	ck_assert_uint_eq(pi->sel.prefixlen_s, 16);
	ck_assert_uint_eq(pi->sel.prefixlen_d, 16);
	ck_assert_uint_eq(pi->sel.saddr.a4, dir == KDIR_OUT ?
	    A("10.1.0.0").s_addr : A("10.2.0.0").s_addr);
	ck_assert_uint_eq(pi->sel.daddr.a4, dir == KDIR_OUT ?
	    A("10.2.0.0").s_addr : A("10.1.0.0").s_addr);
	ck_assert_uint_eq(pi->priority, xfrm_msg_policy_prio(&p));
	lifetime_check_inf(&pi->lft);
	ck_assert_ptr_nonnull(xa.xa_tb[XFRMA_TMPL]);
	ck_assert_uint_eq(mnl_attr_get_payload_len(xa.xa_tb[XFRMA_TMPL]),
	    sizeof(*t));
	t = mnl_attr_get_payload(xa.xa_tb[XFRMA_TMPL]);
	ck_assert_uint_eq(t->id.proto, IPPROTO_ESP);
	ck_assert_uint_eq(t->id.spi, 0);
	ck_assert_uint_eq(t->id.daddr.a4, p.kp_tun_dst.s_addr);
	ck_assert_uint_eq(t->saddr.a4, p.kp_tun_src.s_addr);
	ck_assert_uint_eq(t->family, AF_INET);
	ck_assert_uint_eq(t->reqid, KERNEL_REQID_BASE + 5);
	ck_assert_uint_eq(t->mode, XFRM_MODE_TUNNEL);
	ck_assert_uint_eq(t->optional, 0);
	ck_assert_uint_eq(t->aalgos, 0xffffffffu);
	ck_assert_uint_eq(t->ealgos, 0xffffffffu);
	ck_assert_uint_eq(t->calgos, 0xffffffffu);

	ck_assert_ptr_nonnull(nlh = xfrm_msg_policy_build(buf, sizeof(buf),
	    XFRM_MSG_DELPOLICY, &p, 6));
	ck_assert_uint_eq(nlh->nlmsg_type, XFRM_MSG_DELPOLICY);
	xattrs_parse(nlh, sizeof(*pid), &xa);
	ck_assert_int_eq(xa.xa_count, 0);
	pid = mnl_nlmsg_get_payload(nlh);
	ck_assert_uint_eq(pid->dir, dir);
	ck_assert_uint_eq(pid->sel.prefixlen_d, 16);
	ck_assert_uint_eq(pid->sel.family, AF_INET);
}
END_TEST

START_TEST(test_msg_policy_priority_specific_wins)
{
	char			 buf[KERNEL_MSG_SIZE];
	struct kernel_policy	 p, q;

	policy_sample(&p, KDIR_OUT);
	q = p;
	q.kp_dst_plen = 24;
	/* XFRM picks the lowest priority value first. */
	ck_assert_uint_lt(xfrm_msg_policy_prio(&q), xfrm_msg_policy_prio(&p));
	q = p;
	q.kp_src_plen = 32;
	ck_assert_uint_lt(xfrm_msg_policy_prio(&q), xfrm_msg_policy_prio(&p));
	q = p;
	q.kp_dst_plen = 0;
	q.kp_src_plen = 32;
	ck_assert_uint_gt(xfrm_msg_policy_prio(&q), xfrm_msg_policy_prio(&p));

	q = p;
	q.kp_dir = 3;
	ck_assert_ptr_null(xfrm_msg_policy_build(buf, sizeof(buf),
	    XFRM_MSG_NEWPOLICY, &q, 1));
	q = p;
	q.kp_dst_plen = 33;
	ck_assert_ptr_null(xfrm_msg_policy_build(buf, sizeof(buf),
	    XFRM_MSG_NEWPOLICY, &q, 1));
	q = p;
	q.kp_proto = IPPROTO_UDP;
	ck_assert_ptr_null(xfrm_msg_policy_build(buf, sizeof(buf),
	    XFRM_MSG_NEWPOLICY, &q, 1));
}
END_TEST

/* --- routes --- */

struct rattrs {
	const struct nlattr	*ra_tb[RTA_MAX + 1];
};

static int
rattr_cb(const struct nlattr *attr, void *data)
{
	struct rattrs	*ra = data;
	int		 type = mnl_attr_get_type(attr);

	ck_assert_int_ge(mnl_attr_type_valid(attr, RTA_MAX), 0);
	ck_assert_int_ge(mnl_attr_validate(attr, MNL_TYPE_U32), 0);
	ck_assert_ptr_null(ra->ra_tb[type]);
	ra->ra_tb[type] = attr;
	return (MNL_CB_OK);
}

START_TEST(test_msg_route_fields)
{
	char			 buf[KERNEL_MSG_SIZE];
	struct nlmsghdr		*nlh;
	const struct rtmsg	*rtm;
	const struct fib_rule_hdr *frh;
	struct rattrs		 ra;

	ck_assert_ptr_nonnull(nlh = route_msg_build(buf, sizeof(buf),
	    RTM_NEWROUTE, A("10.2.3.4"), 16, A("198.51.100.254"), 3,
	    A("10.1.0.1"), 11));
	ck_assert_uint_eq(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK |
	    NLM_F_CREATE | NLM_F_REPLACE);
	rtm = mnl_nlmsg_get_payload(nlh);
	ck_assert_uint_eq(rtm->rtm_family, AF_INET);
	ck_assert_uint_eq(rtm->rtm_dst_len, 16);
	ck_assert_uint_eq(rtm->rtm_table, 220);
	ck_assert_uint_eq(rtm->rtm_protocol, KERNEL_RT_PROTO);
	ck_assert_uint_gt(rtm->rtm_protocol, RTPROT_STATIC);
	memset(&ra, 0, sizeof(ra));
	ck_assert_int_ge(mnl_attr_parse(nlh, sizeof(*rtm), rattr_cb, &ra), 0);
	ck_assert_uint_eq(mnl_attr_get_u32(ra.ra_tb[RTA_DST]),
	    A("10.2.0.0").s_addr);
	ck_assert_uint_eq(mnl_attr_get_u32(ra.ra_tb[RTA_GATEWAY]),
	    A("198.51.100.254").s_addr);
	ck_assert_uint_eq(mnl_attr_get_u32(ra.ra_tb[RTA_OIF]), 3);
	ck_assert_uint_eq(mnl_attr_get_u32(ra.ra_tb[RTA_PREFSRC]),
	    A("10.1.0.1").s_addr);
	ck_assert_uint_eq(mnl_attr_get_u32(ra.ra_tb[RTA_TABLE]), 220);

	/* No gateway, no source: neither attribute. */
	ck_assert_ptr_nonnull(nlh = route_msg_build(buf, sizeof(buf),
	    RTM_NEWROUTE, A("10.2.0.0"), 16, A("0.0.0.0"), 3, A("0.0.0.0"),
	    12));
	memset(&ra, 0, sizeof(ra));
	ck_assert_int_ge(mnl_attr_parse(nlh, sizeof(*rtm), rattr_cb, &ra), 0);
	ck_assert_ptr_null(ra.ra_tb[RTA_GATEWAY]);
	ck_assert_ptr_null(ra.ra_tb[RTA_PREFSRC]);
	ck_assert_ptr_null(route_msg_build(buf, sizeof(buf), RTM_NEWROUTE,
	    A("10.2.0.0"), 33, A("0.0.0.0"), 3, A("0.0.0.0"), 12));

	ck_assert_ptr_nonnull(nlh = route_msg_rule_build(buf, sizeof(buf),
	    RTM_NEWRULE, 13));
	frh = mnl_nlmsg_get_payload(nlh);
	ck_assert_uint_eq(frh->family, AF_INET);
	ck_assert_uint_eq(frh->action, FR_ACT_TO_TBL);
	ck_assert_uint_eq(frh->table, 220);
}
END_TEST

/* --- live: a private network namespace on this kernel --- */

static void
sh(const char *fmt, ...)
{
	char	cmd[512];
	va_list	ap;
	int	st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	ck_assert_msg(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "command failed: %s", cmd);
}

/* Output of a shell command (stdout and stderr), NUL-terminated. */
static void
sh_out(char *out, size_t outlen, const char *cmd)
{
	FILE	*f;
	size_t	 n;

	ck_assert_ptr_nonnull(f = popen(cmd, "r"));
	n = fread(out, 1, outlen - 1, f);
	out[n] = '\0';
	pclose(f);
}

static void
netns_setup(void)
{
	ck_assert_msg(geteuid() == 0, "live kernel tests need root "
	    "(unshare(CLONE_NEWNET), XFRM needs CAP_NET_ADMIN)");
	ck_assert_msg(unshare(CLONE_NEWNET) == 0,
	    "unshare(CLONE_NEWNET): %s", strerror(errno));
	sh("ip link set lo up");
	sh("ip addr add 192.0.2.1/32 dev lo");
}

static int
open_noprobe(struct kernel_ops *ops)
{
	return (kernel_xfrm_open_noprobe(ops));
}

START_TEST(test_xfrm_open_esp_probe)
{
	struct kernel_ops	 ops;
	char			 path[] = "/tmp/check_kernel.XXXXXX";
	char			 text[4096];
	int			 fd, saved, ret;
	ssize_t			 n;

	ck_assert_int_ge(fd = mkstemp(path), 0);
	unlink(path);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	ret = kernel_xfrm_open(&ops);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, text, sizeof(text) - 1, 0);
	close(fd);
	text[n > 0 ? n : 0] = '\0';
	if (lab_kernel()) {
		ck_assert_msg(ret == 0, "open failed in lab kernel: %s", text);
		kernel_xfrm_close(&ops);
		return;
	}
	/* This host kernel lacks esp4: one clear error, nothing left. */
	ck_assert_int_eq(ret, -1);
	ck_assert_ptr_null(ops.ko_arg);
	ck_assert_ptr_null(ops.ko_sa_add);
	ck_assert_msg(strstr(text, "kernel lacks ESP support: load esp4") !=
	    NULL, "no clear error in: %s", text);
	ck_assert_msg(strstr(text, "Requested type not found") != NULL,
	    "kernel text not logged: %s", text);
	sh_out(text, sizeof(text), "ip xfrm state; ip rule show table 220");
	ck_assert_msg(text[0] == '\0', "left behind: %s", text);
}
END_TEST

START_TEST(test_xfrm_spi_alloc_range)
{
	struct kernel_ops	 ops;
	uint32_t		 a, b;
	char			 out[4096], want[64];

	ck_assert_int_eq(open_noprobe(&ops), 0);
	ck_assert_int_eq(ops.ko_spi_alloc(ops.ko_arg, IPPROTO_ESP,
	    A("198.51.100.2"), A("192.0.2.1"), KERNEL_REQID_BASE + 1, &a), 0);
	ck_assert_int_eq(ops.ko_spi_alloc(ops.ko_arg, IPPROTO_ESP,
	    A("198.51.100.2"), A("192.0.2.1"), KERNEL_REQID_BASE + 1, &b), 0);
	ck_assert_uint_ne(a, b);
	ck_assert_uint_ge(ntohl(a), 0xc0000000u);
	ck_assert_uint_le(ntohl(a), 0xcfffffffu);
	ck_assert_uint_ge(ntohl(b), 0xc0000000u);
	ck_assert_uint_le(ntohl(b), 0xcfffffffu);
	sh_out(out, sizeof(out), "ip xfrm state");
	snprintf(want, sizeof(want), "spi 0x%08x reqid %u mode tunnel",
	    ntohl(a), KERNEL_REQID_BASE + 1);
	ck_assert_msg(strstr(out, want) != NULL, "%s not in %s", want, out);
	kernel_xfrm_close(&ops);
	/* Larval SAs we allocated go at close too. */
	sh_out(out, sizeof(out), "ip xfrm state");
	ck_assert_msg(out[0] == '\0', "left behind: %s", out);
}
END_TEST

START_TEST(test_xfrm_policy_add_del)
{
	static const int	 dirs[] = { KDIR_OUT, KDIR_IN, KDIR_FWD };
	static const char *const names[] = { "out", "in", "fwd" };
	struct kernel_ops	 ops;
	struct kernel_policy	 p;
	char			 out[4096], cmd[128], want[128];
	size_t			 i;

	ck_assert_int_eq(open_noprobe(&ops), 0);
	for (i = 0; i < 3; i++) {
		policy_sample(&p, dirs[i]);
		ck_assert_int_eq(ops.ko_policy_add(ops.ko_arg, &p), 0);
		snprintf(cmd, sizeof(cmd), "ip xfrm policy list dir %s",
		    names[i]);
		sh_out(out, sizeof(out), cmd);
		snprintf(want, sizeof(want), "src %s dst %s",
		    dirs[i] == KDIR_OUT ? "10.1.0.0/16" : "10.2.0.0/16",
		    dirs[i] == KDIR_OUT ? "10.2.0.0/16" : "10.1.0.0/16");
		ck_assert_msg(strstr(out, want) != NULL, "%s", out);
		snprintf(want, sizeof(want), "dir %s priority %u", names[i],
		    xfrm_msg_policy_prio(&p));
		ck_assert_msg(strstr(out, want) != NULL, "%s", out);
		snprintf(want, sizeof(want), "tmpl src %s dst %s",
		    dirs[i] == KDIR_OUT ? "198.51.100.1" : "198.51.100.2",
		    dirs[i] == KDIR_OUT ? "198.51.100.2" : "198.51.100.1");
		ck_assert_msg(strstr(out, want) != NULL, "%s", out);
		snprintf(want, sizeof(want), "proto esp reqid %u mode tunnel",
		    KERNEL_REQID_BASE + 5);
		ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	}
	/* Adding the same selector again replaces it (UPDPOLICY): one
	 * policy, with the new reqid */
	p.kp_reqid = KERNEL_REQID_BASE + 6;
	ck_assert_int_eq(ops.ko_policy_add(ops.ko_arg, &p), 0);
	sh_out(out, sizeof(out), "ip xfrm policy list dir fwd");
	snprintf(want, sizeof(want), "reqid %u", KERNEL_REQID_BASE + 6);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	snprintf(want, sizeof(want), "reqid %u", KERNEL_REQID_BASE + 5);
	ck_assert_msg(strstr(out, want) == NULL, "%s", out);
	ck_assert_int_eq(ops.ko_policy_del(ops.ko_arg, &p), 0);
	sh_out(out, sizeof(out), "ip xfrm policy list dir fwd");
	ck_assert_msg(out[0] == '\0', "fwd not deleted: %s", out);
	sh_out(out, sizeof(out), "ip xfrm policy list dir out");
	ck_assert_msg(out[0] != '\0', "out deleted too");
	kernel_xfrm_close(&ops);
	sh_out(out, sizeof(out), "ip xfrm policy");
	ck_assert_msg(out[0] == '\0', "close left: %s", out);
}
END_TEST

static int kicks;

static void
kick_count(void *arg)
{
	(void)arg;
	kicks++;
}

/* The number of policies the kernel holds in direction dir ("in"...). */
static int
policies_in(const char *dir)
{
	char	 out[64], cmd[96];

	snprintf(cmd, sizeof(cmd), "ip xfrm policy list dir %s | "
	    "grep -c '^[[:space:]]*dir '", dir);
	sh_out(out, sizeof(out), cmd);
	return (atoi(out));
}

/*
 * Issue 8: deletes wait for kernel_xfrm_flush() (the daemon runs it once
 * the datagram at hand is answered); the first one queued kicks the
 * caller's loop once; a request that cannot wait makes the queued ones
 * first, in order: a delete then an add of the same policy leaves it in
 * the kernel.  Without deferral (kick NULL) a delete is made at once.
 */
START_TEST(test_xfrm_deferred)
{
	struct kernel_ops	 ops;
	struct kernel_policy	 in, fwd, out;

	ck_assert_int_eq(open_noprobe(&ops), 0);
	policy_sample(&in, KDIR_IN);
	policy_sample(&fwd, KDIR_FWD);
	policy_sample(&out, KDIR_OUT);
	ck_assert_int_eq(ops.ko_policy_add(ops.ko_arg, &in), 0);
	ck_assert_int_eq(ops.ko_policy_add(ops.ko_arg, &fwd), 0);
	kicks = 0;
	kernel_xfrm_defer(&ops, kick_count, NULL);
	ck_assert_int_eq(ops.ko_policy_del(ops.ko_arg, &in), 0);
	ck_assert_int_eq(ops.ko_policy_del(ops.ko_arg, &fwd), 0);
	ck_assert_int_eq(kicks, 1);
	ck_assert_uint_eq(kernel_xfrm_waiting(&ops), 2);
	ck_assert_int_eq(policies_in("in"), 1);		/* not yet */
	ck_assert_int_eq(policies_in("fwd"), 1);
	/* an add cannot wait: the deletes go first, then the add */
	ck_assert_int_eq(ops.ko_policy_add(ops.ko_arg, &out), 0);
	ck_assert_uint_eq(kernel_xfrm_waiting(&ops), 0);
	ck_assert_uint_eq(kernel_xfrm_batches(&ops), 1);	/* one send */
	ck_assert_int_eq(policies_in("in"), 0);
	ck_assert_int_eq(policies_in("fwd"), 0);
	ck_assert_int_eq(policies_in("out"), 1);
	/* a delete, then an add of the same: it stays */
	ck_assert_int_eq(ops.ko_policy_del(ops.ko_arg, &out), 0);
	ck_assert_int_eq(kicks, 2);
	ck_assert_int_eq(ops.ko_policy_add(ops.ko_arg, &out), 0);
	ck_assert_int_eq(policies_in("out"), 1);
	/* the loop's flush */
	ck_assert_int_eq(ops.ko_policy_del(ops.ko_arg, &out), 0);
	ck_assert_int_eq(policies_in("out"), 1);
	kernel_xfrm_flush(&ops);
	ck_assert_int_eq(policies_in("out"), 0);
	ck_assert_int_eq(kicks, 3);
	/* no deferral: at once */
	ck_assert_int_eq(ops.ko_policy_add(ops.ko_arg, &in), 0);
	kernel_xfrm_defer(&ops, NULL, NULL);
	ck_assert_int_eq(ops.ko_policy_del(ops.ko_arg, &in), 0);
	ck_assert_int_eq(policies_in("in"), 0);
	ck_assert_int_eq(kicks, 3);
	/* what waits at close is made */
	ck_assert_int_eq(ops.ko_policy_add(ops.ko_arg, &in), 0);
	kernel_xfrm_defer(&ops, kick_count, NULL);
	ck_assert_int_eq(ops.ko_policy_del(ops.ko_arg, &in), 0);
	kernel_xfrm_close(&ops);
	ck_assert_int_eq(policies_in("in"), 0);
}
END_TEST

/*
 * The record of what we installed (a table that grows from 256 chains)
 * with 700 policies: 350 deletes (waiting, then sent in batches) each
 * forget their own, and close removes exactly the rest.
 */
START_TEST(test_xfrm_many_entries)
{
	struct kernel_ops	 ops;
	struct kernel_policy	 p;
	char			 out[256];
	int			 i, n = 700;

	ck_assert_int_eq(open_noprobe(&ops), 0);
	policy_sample(&p, KDIR_OUT);
	p.kp_src_plen = p.kp_dst_plen = 24;
	for (i = 0; i < n; i++) {
		p.kp_dst.s_addr = htonl(0x0a800000u + ((uint32_t)i << 8));
		ck_assert_int_eq(ops.ko_policy_add(ops.ko_arg, &p), 0);
	}
	ck_assert_int_eq(policies_in("out"), n);
	/* the deletes wait, then go in batches; one of a policy that is
	 * not there (quietly refused) does not stop the others */
	kernel_xfrm_defer(&ops, kick_count, NULL);
	p.kp_dst.s_addr = htonl(0x0b000000u);
	ck_assert_int_eq(ops.ko_policy_del(ops.ko_arg, &p), 0);
	for (i = 0; i < n; i += 2) {
		p.kp_dst.s_addr = htonl(0x0a800000u + ((uint32_t)i << 8));
		ck_assert_int_eq(ops.ko_policy_del(ops.ko_arg, &p), 0);
	}
	ck_assert_uint_eq(kernel_xfrm_waiting(&ops), n / 2 + 1);
	ck_assert_int_eq(policies_in("out"), n);
	kernel_xfrm_flush(&ops);
	ck_assert_int_eq(policies_in("out"), n / 2);
	ck_assert_uint_ge(kernel_xfrm_batches(&ops), 2);	/* 16 KB each */
	ck_assert_uint_le(kernel_xfrm_batches(&ops), 20);
	kernel_xfrm_close(&ops);
	sh_out(out, sizeof(out), "ip xfrm policy");
	ck_assert_msg(out[0] == '\0', "close left: %s", out);
}
END_TEST

/*
 * Issue 11: ko_child_add sends a CHILD SA's SAs and policies in one
 * request buffer, only the last with NLM_F_ACK; the answers are matched
 * to the requests by sequence number.  Here SA 0 is a NEWSA (refused by
 * a host kernel without esp4, accepted in the lab's), SA 1 an UPDSA of
 * an SPI nobody allocated (refused by every kernel), then three
 * policies: every item is tried and each gets its own result, in one
 * send; no answer is left behind for the next request.
 */
START_TEST(test_xfrm_child_add_batch)
{
	static const int	 dirs[] = { KDIR_OUT, KDIR_IN, KDIR_FWD };
	struct kernel_ops	 ops;
	struct kernel_sa	 sa[2];
	struct kernel_policy	 p[3];
	uint64_t		 b0;
	char			 out[4096];
	int			 res[5], i;

	if (lab_kernel())
		ck_assert_int_eq(kernel_xfrm_open(&ops), 0);
	else
		ck_assert_int_eq(open_noprobe(&ops), 0);
	ck_assert_ptr_nonnull(ops.ko_child_add);
	sa_from_vec(&sa[0], &alg_vecs[0]);
	sa[1] = sa[0];
	sa[1].ks_spi = htonl(0xc0005678);
	sa[1].ks_update = 1;
	for (i = 0; i < 3; i++)
		policy_sample(&p[i], dirs[i]);
	memset(res, 0x55, sizeof(res));
	b0 = kernel_xfrm_batches(&ops);
	ck_assert_int_eq(ops.ko_child_add(ops.ko_arg, sa, 2, p, 3, res), -1);
	ck_assert_uint_eq(kernel_xfrm_batches(&ops), b0 + 1);	/* one send */
	if (lab_kernel())
		ck_assert_int_eq(res[0], 0);
	else
		ck_assert_int_ne(res[0], 0);
	ck_assert_int_ne(res[1], 0);
	ck_assert_int_ne(res[1], 0x55555555);
	for (i = 2; i < 5; i++)
		ck_assert_int_eq(res[i], 0);
	ck_assert_int_eq(policies_in("out"), 1);
	ck_assert_int_eq(policies_in("in"), 1);
	ck_assert_int_eq(policies_in("fwd"), 1);
	sh_out(out, sizeof(out), "ip xfrm state");
	if (lab_kernel())
		ck_assert_msg(strstr(out, "spi 0xc0001234") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "spi 0xc0005678") == NULL, "%s", out);
	/* the next request gets its own answer, not a stray one */
	ck_assert_int_eq(ops.ko_policy_del(ops.ko_arg, &p[0]), 0);
	ck_assert_int_eq(policies_in("out"), 0);
	/* all accepted (two of them replace what is there): 0 */
	memset(res, 0x55, sizeof(res));
	ck_assert_int_eq(ops.ko_child_add(ops.ko_arg, NULL, 0, p, 3, res), 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(res[i], 0);
	ck_assert_int_eq(policies_in("out"), 1);
	ck_assert_int_eq(policies_in("in"), 1);
	/* what went in is recorded: close removes it all */
	kernel_xfrm_close(&ops);
	sh_out(out, sizeof(out), "ip xfrm policy; ip xfrm state");
	ck_assert_msg(out[0] == '\0', "close left: %s", out);
}
END_TEST

/*
 * More policies than one send holds (KERNEL_BATCH_SIZE): several sends,
 * every policy in; one that cannot be built (a prefix of 40 bits) is
 * refused alone and the others still go in.
 */
START_TEST(test_xfrm_child_add_many)
{
	struct kernel_ops	 ops;
	struct kernel_policy	*p;
	char			 out[256];
	int			*res, i, n = 400;

	ck_assert_int_eq(open_noprobe(&ops), 0);
	ck_assert_ptr_nonnull(p = calloc((size_t)n, sizeof(*p)));
	ck_assert_ptr_nonnull(res = calloc((size_t)n, sizeof(*res)));
	for (i = 0; i < n; i++) {
		policy_sample(&p[i], KDIR_OUT);
		p[i].kp_src_plen = p[i].kp_dst_plen = 24;
		p[i].kp_dst.s_addr = htonl(0x0a800000u + ((uint32_t)i << 8));
	}
	p[200].kp_dst_plen = 40;
	ck_assert_int_eq(ops.ko_child_add(ops.ko_arg, NULL, 0, p, n, res), -1);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(res[i], i == 200 ? EINVAL : 0);
	ck_assert_int_eq(policies_in("out"), n - 1);
	ck_assert_uint_ge(kernel_xfrm_batches(&ops), 3);
	ck_assert_uint_le(kernel_xfrm_batches(&ops), 10);
	kernel_xfrm_close(&ops);
	sh_out(out, sizeof(out), "ip xfrm policy");
	ck_assert_msg(out[0] == '\0', "close left: %s", out);
	free(p);
	free(res);
}
END_TEST

/*
 * ko_policy_hash sets the kernel's IPv4 policy hash thresholds
 * (XFRM_MSG_NEWSPDINFO) and close puts back those it found
 * (XFRM_MSG_GETSPDINFO).
 */
START_TEST(test_xfrm_policy_hash)
{
	struct kernel_ops	 ops;
	char			 out[1024];

	sh("ip xfrm policy set hthresh4 30 31");
	ck_assert_int_eq(open_noprobe(&ops), 0);
	ck_assert_ptr_nonnull(ops.ko_policy_hash);
	ck_assert_int_eq(ops.ko_policy_hash(ops.ko_arg, 24, 20), 0);
	sh_out(out, sizeof(out), "ip -s -s xfrm policy count");
	ck_assert_msg(strstr(out, "IPv4 thresholds: local 24 remote 20") !=
	    NULL, "%s", out);
	ck_assert_int_eq(ops.ko_policy_hash(ops.ko_arg, 24, 20), 0);
	ck_assert_int_eq(ops.ko_policy_hash(ops.ko_arg, 33, 20), -1);
	kernel_xfrm_close(&ops);
	sh_out(out, sizeof(out), "ip -s -s xfrm policy count");
	ck_assert_msg(strstr(out, "IPv4 thresholds: local 30 remote 31") !=
	    NULL, "%s", out);
}
END_TEST

START_TEST(test_xfrm_stale_cleanup)
{
	struct kernel_ops	 ops;
	char			 out[4096];

	/* A previous gatewayd's leftovers (our reqid, our route mark)... */
	sh("ip xfrm policy add src 10.1.0.0/16 dst 10.2.0.0/16 dir out "
	    "tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid %u mode tunnel",
	    KERNEL_REQID_BASE + 77);
	sh("ip xfrm state allocspi src 192.0.2.2 dst 192.0.2.1 proto esp "
	    "reqid %u mode tunnel >/dev/null", KERNEL_REQID_BASE + 77);
	sh("ip route add 10.9.0.0/16 dev lo table 220 proto %d",
	    KERNEL_RT_PROTO);
	/* ...and someone else's, which must stay.  A mark makes a message
	 * of the dump 12 bytes longer: some messages then start 4 bytes
	 * past an 8-byte boundary, where the 8-byte aligned
	 * xfrm_userpolicy_info must be copied out, not read in place
	 * (UBSan: misaligned access, finding 6 of issue 8) */
	sh("ip xfrm policy add src 10.3.0.0/16 dst 10.4.0.0/16 dir out "
	    "tmpl src 192.0.2.1 dst 192.0.2.3 proto esp reqid 5 mode tunnel");
	sh("ip xfrm policy add src 10.5.0.0/16 dst 10.6.0.0/16 dir out "
	    "mark 7 tmpl src 192.0.2.1 dst 192.0.2.3 proto esp reqid 6 "
	    "mode tunnel");
	sh("ip xfrm policy add src 10.1.0.0/16 dst 10.2.0.0/16 dir in "
	    "tmpl src 192.0.2.2 dst 192.0.2.1 proto esp reqid %u "
	    "mode tunnel", KERNEL_REQID_BASE + 78);
	sh("ip route add 10.8.0.0/16 dev lo table 220 proto static");
	ck_assert_int_eq(open_noprobe(&ops), 0);
	sh_out(out, sizeof(out), "ip xfrm policy");
	ck_assert_msg(strstr(out, "10.1.0.0/16") == NULL, "stale: %s", out);
	ck_assert_msg(strstr(out, "10.3.0.0/16") != NULL, "foreign: %s", out);
	ck_assert_msg(strstr(out, "10.5.0.0/16") != NULL, "foreign: %s", out);
	sh_out(out, sizeof(out), "ip xfrm state");
	ck_assert_msg(out[0] == '\0', "stale SA: %s", out);
	sh_out(out, sizeof(out), "ip route show table 220");
	ck_assert_msg(strstr(out, "10.9.0.0/16") == NULL, "stale: %s", out);
	ck_assert_msg(strstr(out, "10.8.0.0/16") != NULL, "foreign: %s", out);
	kernel_xfrm_close(&ops);
}
END_TEST

START_TEST(test_xfrm_socket_bypass)
{
	struct kernel_ops	 ops;
	struct kernel_policy	 p;
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof(sin);
	char			 msg[16];
	int			 rx, plain, ike;

	/* Everything 127.0.0.1 -> 127.0.0.1 must go through ESP... */
	sh("sysctl -q -w net.ipv4.conf.lo.disable_xfrm=0");
	ck_assert_int_eq(open_noprobe(&ops), 0);
	memset(&p, 0, sizeof(p));
	p.kp_dir = KDIR_OUT;
	p.kp_src = p.kp_dst = A("127.0.0.1");
	p.kp_src_plen = p.kp_dst_plen = 32;
	p.kp_tun_src = A("192.0.2.1");
	p.kp_tun_dst = A("192.0.2.2");
	p.kp_proto = IPPROTO_ESP;
	p.kp_reqid = KERNEL_REQID_BASE + 9;
	ck_assert_int_eq(ops.ko_policy_add(ops.ko_arg, &p), 0);

	ck_assert_int_ge(rx = socket(AF_INET, SOCK_DGRAM, 0), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = A("127.0.0.1");
	ck_assert_int_eq(bind(rx, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(rx, (struct sockaddr *)&sin, &slen), 0);
	ck_assert_int_ge(plain = socket(AF_INET, SOCK_DGRAM, 0), 0);
	ck_assert_int_ge(ike = socket(AF_INET, SOCK_DGRAM, 0), 0);
	ck_assert_int_eq(kernel_socket_bypass(ike), 0);

	/* ...and there is no SA, so a plain socket's datagram is lost, */
	(void)sendto(plain, "plain", 5, 0, (struct sockaddr *)&sin,
	    sizeof(sin));
	usleep(50000);
	ck_assert_int_eq(recv(rx, msg, sizeof(msg), MSG_DONTWAIT), -1);
	/* but the IKE socket's goes around the policy. */
	ck_assert_int_eq(sendto(ike, "ike", 3, 0, (struct sockaddr *)&sin,
	    sizeof(sin)), 3);
	usleep(50000);
	ck_assert_int_eq(recv(rx, msg, sizeof(msg), MSG_DONTWAIT), 3);
	ck_assert_mem_eq(msg, "ike", 3);
	ck_assert_int_eq(kernel_socket_bypass(-1), -1);
	close(rx);
	close(plain);
	close(ike);
	kernel_xfrm_close(&ops);
}
END_TEST

START_TEST(test_route_add_del)
{
	struct kernel_ops	 ops;
	char			 out[4096];

	sh("ip link add gw0 type veth peer name gw1");
	sh("ip addr add 198.51.100.1/24 dev gw0");
	sh("ip link set gw0 up && ip link set gw1 up");
	sh("ip addr add 10.1.0.1/32 dev lo");
	sh("ip route add 203.0.113.0/24 via 198.51.100.254");
	ck_assert_int_eq(open_noprobe(&ops), 0);
	sh_out(out, sizeof(out), "ip rule show");
	ck_assert_msg(strstr(out, "220:\tfrom all lookup 220") != NULL,
	    "no rule: %s", out);

	/* Peer behind a gateway: the route follows it. */
	ck_assert_int_eq(ops.ko_route_add(ops.ko_arg, A("10.2.0.0"), 16,
	    A("203.0.113.5"), A("10.1.0.1")), 0);
	/* Peer on the link: no gateway; no preferred source. */
	ck_assert_int_eq(ops.ko_route_add(ops.ko_arg, A("10.3.0.0"), 24,
	    A("198.51.100.2"), A("0.0.0.0")), 0);
	sh_out(out, sizeof(out), "ip route show table 220");
	ck_assert_msg(strstr(out, "10.2.0.0/16 via 198.51.100.254 dev gw0 "
	    "proto 103 src 10.1.0.1") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "10.3.0.0/24 dev gw0 proto 103 scope link")
	    != NULL, "%s", out);
	/* Replace, not EEXIST, when the same net comes again. */
	ck_assert_int_eq(ops.ko_route_add(ops.ko_arg, A("10.3.0.0"), 24,
	    A("198.51.100.2"), A("10.1.0.1")), 0);
	ck_assert_int_eq(ops.ko_route_del(ops.ko_arg, A("10.2.0.0"), 16,
	    A("203.0.113.5"), A("10.1.0.1")), 0);
	sh_out(out, sizeof(out), "ip route show table 220");
	ck_assert_msg(strstr(out, "10.2.0.0") == NULL, "%s", out);
	ck_assert_msg(strstr(out, "10.3.0.0/24 dev gw0 proto 103 scope link "
	    "src 10.1.0.1") != NULL, "%s", out);
	/* No route to the peer at all: a clean -1. */
	sh("ip route del 203.0.113.0/24");
	ck_assert_int_eq(ops.ko_route_add(ops.ko_arg, A("10.4.0.0"), 16,
	    A("203.0.113.5"), A("0.0.0.0")), -1);
	kernel_xfrm_close(&ops);
	sh_out(out, sizeof(out), "ip route show table 220; ip rule show "
	    "table 220");
	ck_assert_msg(out[0] == '\0', "close left: %s", out);
}
END_TEST

/*
 * The real SA test needs esp4/ah4: it runs in the lab kernel with
 * GW_LAB_KERNEL=1.  On the host it checks that sa_add fails cleanly and
 * the channel stays usable.
 */
START_TEST(test_sa_add_stats_del)
{
	const struct alg_vec	*v = &alg_vecs[_i];
	struct kernel_ops	 ops;
	struct kernel_sa	 sa;
	struct kernel_sa_stats	 st;
	struct kernel_policy	 p;
	uint32_t		 spi;
	char			 out[8192], want[128];

	if (lab_kernel())
		ck_assert_int_eq(kernel_xfrm_open(&ops), 0);
	else
		ck_assert_int_eq(open_noprobe(&ops), 0);
	sa_from_vec(&sa, v);
	sa.ks_src = A("198.51.100.2");
	sa.ks_dst = A("192.0.2.1");
	ck_assert_int_eq(ops.ko_spi_alloc(ops.ko_arg, v->av_proto, sa.ks_src,
	    sa.ks_dst, sa.ks_reqid, &spi), 0);
	sa.ks_spi = spi;
	sa.ks_update = 1;
	if (!lab_kernel()) {
		ck_assert_int_eq(ops.ko_sa_add(ops.ko_arg, &sa), -1);
		/* The failure left no stray reply on the socket. */
		policy_sample(&p, KDIR_IN);
		ck_assert_int_eq(ops.ko_policy_add(ops.ko_arg, &p), 0);
		kernel_xfrm_close(&ops);
		return;
	}
	ck_assert_int_eq(ops.ko_sa_add(ops.ko_arg, &sa), 0);
	/* An outbound SA with an SPI of the peer's choosing: NEWSA. */
	sa.ks_update = 0;
	sa.ks_spi = htonl(0x01020304);
	sa.ks_src = A("192.0.2.1");
	sa.ks_dst = A("198.51.100.2");
	ck_assert_int_eq(ops.ko_sa_add(ops.ko_arg, &sa), 0);
	sh_out(out, sizeof(out), "ip xfrm state");
	if (v->av_aname == NULL) {
		/* "aead rfc4106(gcm(aes)) 0x<key | salt> 128" */
		snprintf(want, sizeof(want), "aead %s 0x", v->av_ename);
		ck_assert_msg(strstr(out, want) != NULL, "%s not in %s",
		    want, out);
		ck_assert_msg(strstr(out, "auth-trunc") == NULL, "%s", out);
	} else {
		snprintf(want, sizeof(want), "%s %s", v->av_ename != NULL ?
		    "enc" : "auth-trunc", v->av_ename != NULL ? v->av_ename :
		    v->av_aname);
		ck_assert_msg(strstr(out, want) != NULL, "%s not in %s",
		    want, out);
		snprintf(want, sizeof(want), "auth-trunc %s", v->av_aname);
		ck_assert_msg(strstr(out, want) != NULL, "%s not in %s",
		    want, out);
	}
	snprintf(want, sizeof(want), " %u\n", v->av_trunc);
	ck_assert_msg(strstr(out, want) != NULL, "trunc %u: %s",
	    v->av_trunc, out);
	ck_assert_msg(strstr(out, "replay-window 32") != NULL, "%s", out);
	memset(&st, 0xff, sizeof(st));
	ck_assert_int_eq(ops.ko_sa_stats(ops.ko_arg, v->av_proto, spi,
	    A("192.0.2.1"), &st), 0);
	ck_assert_uint_eq(st.st_bytes, 0);
	ck_assert_uint_eq(st.st_packets, 0);
	ck_assert_int_eq(ops.ko_sa_del(ops.ko_arg, v->av_proto, spi,
	    A("192.0.2.1")), 0);
	ck_assert_int_eq(ops.ko_sa_stats(ops.ko_arg, v->av_proto, spi,
	    A("192.0.2.1"), &st), -1);
	kernel_xfrm_close(&ops);
	sh_out(out, sizeof(out), "ip xfrm state");
	ck_assert_msg(out[0] == '\0', "close left: %s", out);
}
END_TEST


/*
 * ko_stats_snapshot: one GETSA dump, then ko_sa_stats answers from it
 * (status and metrics).  On the host the larval SA of ALLOCSPI is in the
 * dump; in the lab kernel two full SAs are, with the same counters that
 * GETSA gives.  An SA not in the dump is -1 while the snapshot is held.
 */
START_TEST(test_sa_stats_snapshot)
{
	struct kernel_ops	 ops;
	struct kernel_sa	 sa;
	struct kernel_sa_stats	 st, live;
	uint32_t		 spi;

	if (lab_kernel())
		ck_assert_int_eq(kernel_xfrm_open(&ops), 0);
	else
		ck_assert_int_eq(open_noprobe(&ops), 0);
	ck_assert_ptr_nonnull(ops.ko_stats_snapshot);
	ck_assert_ptr_nonnull(ops.ko_stats_release);
	sa_from_vec(&sa, &alg_vecs[0]);
	sa.ks_src = A("198.51.100.2");
	sa.ks_dst = A("192.0.2.1");
	ck_assert_int_eq(ops.ko_spi_alloc(ops.ko_arg, sa.ks_proto, sa.ks_src,
	    sa.ks_dst, sa.ks_reqid, &spi), 0);
	if (lab_kernel()) {
		sa.ks_spi = spi;
		sa.ks_update = 1;
		ck_assert_int_eq(ops.ko_sa_add(ops.ko_arg, &sa), 0);
		sa.ks_update = 0;
		sa.ks_spi = htonl(0x01020304);
		sa.ks_src = A("192.0.2.1");
		sa.ks_dst = A("198.51.100.2");
		ck_assert_int_eq(ops.ko_sa_add(ops.ko_arg, &sa), 0);
	}
	memset(&live, 0xff, sizeof(live));
	ck_assert_int_eq(ops.ko_sa_stats(ops.ko_arg, sa.ks_proto, spi,
	    A("192.0.2.1"), &live), 0);
	ck_assert_int_eq(ops.ko_stats_snapshot(ops.ko_arg), 0);
	memset(&st, 0xff, sizeof(st));
	ck_assert_int_eq(ops.ko_sa_stats(ops.ko_arg, sa.ks_proto, spi,
	    A("192.0.2.1"), &st), 0);
	ck_assert_uint_eq(st.st_bytes, live.st_bytes);
	ck_assert_uint_eq(st.st_packets, live.st_packets);
	if (lab_kernel())
		ck_assert_int_eq(ops.ko_sa_stats(ops.ko_arg, sa.ks_proto,
		    htonl(0x01020304), A("198.51.100.2"), &st), 0);
	/* not in the dump: another SPI, another destination, protocol */
	ck_assert_int_eq(ops.ko_sa_stats(ops.ko_arg, sa.ks_proto,
	    htonl(0x0badf00d), A("192.0.2.1"), &st), -1);
	ck_assert_int_eq(ops.ko_sa_stats(ops.ko_arg, sa.ks_proto, spi,
	    A("192.0.2.9"), &st), -1);
	ck_assert_int_eq(ops.ko_sa_stats(ops.ko_arg, IPPROTO_AH, spi,
	    A("192.0.2.1"), &st), -1);
	ops.ko_stats_release(ops.ko_arg);
	/* released: GETSA again, which finds the SA */
	ck_assert_int_eq(ops.ko_sa_stats(ops.ko_arg, sa.ks_proto, spi,
	    A("192.0.2.1"), &st), 0);
	kernel_xfrm_close(&ops);
}
END_TEST

/*
 * ko_stats_snapshot_recent (dead peer detection): a dump made at most
 * max_ms ago is used again, so an SA added since is not in it; an older
 * one is made again, and then it is.
 */
START_TEST(test_sa_stats_snapshot_recent)
{
	struct kernel_ops	 ops;
	struct kernel_sa_stats	 st;
	uint32_t		 spi1, spi2;
	struct in_addr		 src = A("198.51.100.2"), dst = A("192.0.2.1");

	if (lab_kernel())
		ck_assert_int_eq(kernel_xfrm_open(&ops), 0);
	else
		ck_assert_int_eq(open_noprobe(&ops), 0);
	ck_assert_ptr_nonnull(ops.ko_stats_snapshot_recent);
	ck_assert_int_eq(ops.ko_spi_alloc(ops.ko_arg, IPPROTO_ESP, src, dst,
	    7, &spi1), 0);
	ck_assert_int_eq(ops.ko_stats_snapshot_recent(ops.ko_arg, 60000), 0);
	ck_assert_int_eq(ops.ko_sa_stats(ops.ko_arg, IPPROTO_ESP, spi1, dst,
	    &st), 0);
	ops.ko_stats_release(ops.ko_arg);
	ck_assert_int_eq(ops.ko_spi_alloc(ops.ko_arg, IPPROTO_ESP, src, dst,
	    8, &spi2), 0);
	/* within 60 s: the same dump, without spi2 */
	ck_assert_int_eq(ops.ko_stats_snapshot_recent(ops.ko_arg, 60000), 0);
	ck_assert_int_eq(ops.ko_sa_stats(ops.ko_arg, IPPROTO_ESP, spi1, dst,
	    &st), 0);
	ck_assert_int_eq(ops.ko_sa_stats(ops.ko_arg, IPPROTO_ESP, spi2, dst,
	    &st), -1);
	ops.ko_stats_release(ops.ko_arg);
	/* released: each SA is asked for, and found */
	ck_assert_int_eq(ops.ko_sa_stats(ops.ko_arg, IPPROTO_ESP, spi2, dst,
	    &st), 0);
	/* older than 5 ms: a new dump, with spi2 */
	usleep(20000);
	ck_assert_int_eq(ops.ko_stats_snapshot_recent(ops.ko_arg, 5), 0);
	ck_assert_int_eq(ops.ko_sa_stats(ops.ko_arg, IPPROTO_ESP, spi2, dst,
	    &st), 0);
	ops.ko_stats_release(ops.ko_arg);
	kernel_xfrm_close(&ops);
}
END_TEST

/*
 * Volume lifetimes: the hard byte and packet limits as given, the soft
 * ones below them; a soft limit unset or above the hard one is the hard
 * one; 0 is unlimited (XFRM_INF); the time limits are untouched.
 */
START_TEST(test_msg_sa_volume_limits)
{
	char				 buf[KERNEL_MSG_SIZE];
	struct kernel_sa		 sa;
	struct nlmsghdr			*nlh;
	struct xfrm_usersa_info		 si;

	sa_from_vec(&sa, &alg_vecs[1]);
	sa.ks_bytes_hard = 4718592000ULL;	/* 4608000 KB */
	sa.ks_bytes_soft = 4246732800ULL;
	sa.ks_packets_hard = 100000;
	sa.ks_packets_soft = 95000;
	ck_assert_ptr_nonnull(nlh = xfrm_msg_sa_build(buf, sizeof(buf), &sa,
	    9));
	memcpy(&si, mnl_nlmsg_get_payload(nlh), sizeof(si));
	ck_assert_uint_eq(si.lft.hard_byte_limit, 4718592000ULL);
	ck_assert_uint_eq(si.lft.soft_byte_limit, 4246732800ULL);
	ck_assert_uint_eq(si.lft.hard_packet_limit, 100000);
	ck_assert_uint_eq(si.lft.soft_packet_limit, 95000);
	ck_assert_uint_eq(si.lft.hard_add_expires_seconds, 3600);
	ck_assert_uint_eq(si.lft.soft_add_expires_seconds, 3240);
	/* no soft time expiry asked (IKEv1 with volume limits) */
	sa.ks_no_soft_time = 1;
	ck_assert_ptr_nonnull(nlh = xfrm_msg_sa_build(buf, sizeof(buf), &sa,
	    9));
	memcpy(&si, mnl_nlmsg_get_payload(nlh), sizeof(si));
	ck_assert_uint_eq(si.lft.hard_add_expires_seconds, 3600);
	ck_assert_uint_eq(si.lft.soft_add_expires_seconds, 0);
	ck_assert_uint_eq(si.lft.soft_byte_limit, 4246732800ULL);
	sa.ks_no_soft_time = 0;

	/* bytes only: packets unlimited; a soft limit above the hard one
	 * (never drawn so, but the message must stay sane) is the hard */
	sa.ks_bytes_hard = 102400;
	sa.ks_bytes_soft = 204800;
	sa.ks_packets_hard = 0;
	sa.ks_packets_soft = 0;
	ck_assert_ptr_nonnull(nlh = xfrm_msg_sa_build(buf, sizeof(buf), &sa,
	    9));
	memcpy(&si, mnl_nlmsg_get_payload(nlh), sizeof(si));
	ck_assert_uint_eq(si.lft.hard_byte_limit, 102400);
	ck_assert_uint_eq(si.lft.soft_byte_limit, 102400);
	ck_assert_uint_eq(si.lft.hard_packet_limit, XFRM_INF);
	ck_assert_uint_eq(si.lft.soft_packet_limit, XFRM_INF);

	/* packets only, no soft: soft = hard; bytes unlimited */
	sa.ks_bytes_hard = 0;
	sa.ks_bytes_soft = 0;
	sa.ks_packets_hard = 50;
	ck_assert_ptr_nonnull(nlh = xfrm_msg_sa_build(buf, sizeof(buf), &sa,
	    9));
	memcpy(&si, mnl_nlmsg_get_payload(nlh), sizeof(si));
	ck_assert_uint_eq(si.lft.hard_byte_limit, XFRM_INF);
	ck_assert_uint_eq(si.lft.soft_byte_limit, XFRM_INF);
	ck_assert_uint_eq(si.lft.hard_packet_limit, 50);
	ck_assert_uint_eq(si.lft.soft_packet_limit, 50);
}
END_TEST

/* An XFRM_MSG_EXPIRE as the kernel sends it (struct xfrm_user_expire). */
static size_t
expire_msg(char *buf, size_t len, uint16_t type, int family, uint8_t proto,
    int hard)
{
	struct nlmsghdr		*nlh = (struct nlmsghdr *)buf;
	struct xfrm_user_expire	*ue;

	memset(buf, 0, len);
	nlh->nlmsg_len = NLMSG_LENGTH(sizeof(*ue));
	nlh->nlmsg_type = type;
	ue = NLMSG_DATA(nlh);
	ue->state.family = family;
	ue->state.id.proto = proto;
	ue->state.id.spi = htonl(0xc0ffee01);
	ue->state.id.daddr.a4 = A("198.51.100.2").s_addr;
	ue->state.reqid = KERNEL_REQID_BASE + 7;
	ue->hard = hard;
	/* what the kernel copies of an SA without volume limits */
	ue->state.lft.soft_byte_limit = XFRM_INF;
	ue->state.lft.hard_byte_limit = XFRM_INF;
	ue->state.lft.soft_packet_limit = XFRM_INF;
	ue->state.lft.hard_packet_limit = XFRM_INF;
	ue->state.curlft.bytes = 123456;
	ue->state.curlft.packets = 321;
	return (nlh->nlmsg_len);
}

/*
 * The cause of an expiry: the counters the kernel copies into the notice
 * at (or past) the byte or packet limit that the notice's kind names.
 */
START_TEST(test_msg_expire_volume)
{
	char			 buf[512] __attribute__((aligned(8)));
	struct xfrm_user_expire	*ue;
	struct xfrm_expire	 xe;
	size_t			 n;

	ue = NLMSG_DATA((struct nlmsghdr *)buf);
	/* time: no limits */
	n = expire_msg(buf, sizeof(buf), XFRM_MSG_EXPIRE, AF_INET,
	    IPPROTO_ESP, 0);
	ck_assert_int_eq(xfrm_msg_expire_parse((struct nlmsghdr *)buf, n, &xe),
	    0);
	ck_assert_int_eq(xe.xe_hard, 0);
	ck_assert_int_eq(xe.xe_volume, 0);
	/* soft bytes reached */
	ue->state.lft.soft_byte_limit = 100000;
	ue->state.lft.hard_byte_limit = 200000;
	ck_assert_int_eq(xfrm_msg_expire_parse((struct nlmsghdr *)buf, n, &xe),
	    0);
	ck_assert_int_eq(xe.xe_hard, 0);
	ck_assert_int_eq(xe.xe_volume, 1);
	/* a hard notice below the hard byte limit: time */
	ue->hard = 1;
	ck_assert_int_eq(xfrm_msg_expire_parse((struct nlmsghdr *)buf, n, &xe),
	    0);
	ck_assert_int_eq(xe.xe_hard, 1);
	ck_assert_int_eq(xe.xe_volume, 0);
	/* hard packets reached */
	ue->state.lft.hard_packet_limit = 321;
	ck_assert_int_eq(xfrm_msg_expire_parse((struct nlmsghdr *)buf, n, &xe),
	    0);
	ck_assert_int_eq(xe.xe_hard, 1);
	ck_assert_int_eq(xe.xe_volume, 1);
	/* soft packets one short: time */
	ue->hard = 0;
	ue->state.lft.soft_byte_limit = XFRM_INF;
	ue->state.lft.soft_packet_limit = 322;
	ck_assert_int_eq(xfrm_msg_expire_parse((struct nlmsghdr *)buf, n, &xe),
	    0);
	ck_assert_int_eq(xe.xe_volume, 0);
}
END_TEST

START_TEST(test_msg_expire_parse)
{
	char			 buf[512] __attribute__((aligned(8)));
	struct xfrm_expire	 xe;
	size_t			 n;
	int			 hard;

	for (hard = 0; hard <= 1; hard++) {
		n = expire_msg(buf, sizeof(buf), XFRM_MSG_EXPIRE, AF_INET,
		    IPPROTO_ESP, hard);
		ck_assert_int_eq(xfrm_msg_expire_parse((struct nlmsghdr *)buf,
		    n, &xe), 0);
		ck_assert_uint_eq(xe.xe_proto, IPPROTO_ESP);
		ck_assert_uint_eq(xe.xe_spi, htonl(0xc0ffee01));
		ck_assert_uint_eq(xe.xe_dst.s_addr, A("198.51.100.2").s_addr);
		ck_assert_uint_eq(xe.xe_reqid, KERNEL_REQID_BASE + 7);
		ck_assert_int_eq(xe.xe_hard, hard);
	}
	n = expire_msg(buf, sizeof(buf), XFRM_MSG_EXPIRE, AF_INET, IPPROTO_AH,
	    1);
	ck_assert_int_eq(xfrm_msg_expire_parse((struct nlmsghdr *)buf, n, &xe),
	    0);
	ck_assert_uint_eq(xe.xe_proto, IPPROTO_AH);
	/* another type, IPv6, another protocol, short: refused */
	n = expire_msg(buf, sizeof(buf), XFRM_MSG_ACQUIRE, AF_INET,
	    IPPROTO_ESP, 1);
	ck_assert_int_eq(xfrm_msg_expire_parse((struct nlmsghdr *)buf, n, &xe),
	    -1);
	n = expire_msg(buf, sizeof(buf), XFRM_MSG_EXPIRE, AF_INET6,
	    IPPROTO_ESP, 1);
	ck_assert_int_eq(xfrm_msg_expire_parse((struct nlmsghdr *)buf, n, &xe),
	    -1);
	n = expire_msg(buf, sizeof(buf), XFRM_MSG_EXPIRE, AF_INET,
	    IPPROTO_UDP, 1);
	ck_assert_int_eq(xfrm_msg_expire_parse((struct nlmsghdr *)buf, n, &xe),
	    -1);
	n = expire_msg(buf, sizeof(buf), XFRM_MSG_EXPIRE, AF_INET,
	    IPPROTO_ESP, 1);
	ck_assert_int_eq(xfrm_msg_expire_parse((struct nlmsghdr *)buf, n - 1,
	    &xe), -1);
	((struct nlmsghdr *)buf)->nlmsg_len = NLMSG_LENGTH(4);
	ck_assert_int_eq(xfrm_msg_expire_parse((struct nlmsghdr *)buf, n, &xe),
	    -1);
	ck_assert_int_eq(xfrm_msg_expire_parse((struct nlmsghdr *)buf, 8, &xe),
	    -1);
}
END_TEST

static void
walk_count_cb(const struct nlmsghdr *nlh, size_t len, void *arg)
{
	struct xfrm_expire	 xe;

	if (xfrm_msg_expire_parse(nlh, len, &xe) == 0)
		(*(int *)arg)++;
}

/* Two notifications in one datagram; a truncated or lying second one. */
START_TEST(test_msg_walk_bounds)
{
	char	 buf[1024] __attribute__((aligned(8))), one[512];
	size_t	 n;
	int	 parsed = 0;

	n = expire_msg(one, sizeof(one), XFRM_MSG_EXPIRE, AF_INET,
	    IPPROTO_ESP, 0);
	memcpy(buf, one, n);
	memcpy(buf + NLMSG_ALIGN(n), one, n);
	ck_assert_int_eq(xfrm_msg_walk(buf, NLMSG_ALIGN(n) + n,
	    walk_count_cb, &parsed), 2);
	ck_assert_int_eq(parsed, 2);
	parsed = 0;
	ck_assert_int_eq(xfrm_msg_walk(buf, NLMSG_ALIGN(n) + n - 1,
	    walk_count_cb, &parsed), 1);
	ck_assert_int_eq(parsed, 1);
	/* a length beyond the datagram, or below a header: nothing */
	((struct nlmsghdr *)buf)->nlmsg_len = 4000;
	ck_assert_int_eq(xfrm_msg_walk(buf, n, walk_count_cb, &parsed), 0);
	((struct nlmsghdr *)buf)->nlmsg_len = 3;
	ck_assert_int_eq(xfrm_msg_walk(buf, n, walk_count_cb, &parsed), 0);
	ck_assert_int_eq(xfrm_msg_walk(buf, 10, walk_count_cb, &parsed), 0);
}
END_TEST

START_TEST(test_msg_acquire_parse)
{
	char				 buf[1024] __attribute__((aligned(8)));
	struct nlmsghdr			*nlh = (struct nlmsghdr *)buf;
	struct xfrm_user_acquire	*ua;
	struct xfrm_acquire		 xa;

	memset(buf, 0, sizeof(buf));
	nlh->nlmsg_len = NLMSG_LENGTH(sizeof(*ua));
	nlh->nlmsg_type = XFRM_MSG_ACQUIRE;
	ua = NLMSG_DATA(nlh);
	ua->policy.sel.family = AF_INET;
	ua->policy.sel.saddr.a4 = A("172.16.0.0").s_addr;
	ua->policy.sel.prefixlen_s = 24;
	ua->policy.sel.daddr.a4 = A("10.0.0.0").s_addr;
	ua->policy.sel.prefixlen_d = 12;
	ck_assert_int_eq(xfrm_msg_acquire_parse(nlh, nlh->nlmsg_len, &xa), 0);
	ck_assert_uint_eq(xa.xa_src.s_addr, A("172.16.0.0").s_addr);
	ck_assert_uint_eq(xa.xa_src_plen, 24);
	ck_assert_uint_eq(xa.xa_dst.s_addr, A("10.0.0.0").s_addr);
	ck_assert_uint_eq(xa.xa_dst_plen, 12);
	ck_assert_int_eq(xfrm_msg_acquire_parse(nlh, nlh->nlmsg_len - 1, &xa),
	    -1);
	ua->policy.sel.prefixlen_d = 33;
	ck_assert_int_eq(xfrm_msg_acquire_parse(nlh, nlh->nlmsg_len, &xa), -1);
	ua->policy.sel.prefixlen_d = 12;
	ua->policy.sel.family = AF_INET6;
	ck_assert_int_eq(xfrm_msg_acquire_parse(nlh, nlh->nlmsg_len, &xa), -1);
	ua->policy.sel.family = AF_INET;
	nlh->nlmsg_type = XFRM_MSG_EXPIRE;
	ck_assert_int_eq(xfrm_msg_acquire_parse(nlh, nlh->nlmsg_len, &xa), -1);
}
END_TEST

struct acquire_rec {
	int		 ar_n;
	struct in_addr	 ar_dst;
	uint8_t		 ar_dplen;
};

static void
acquire_rec_cb(void *arg, struct in_addr src, uint8_t splen,
    struct in_addr dst, uint8_t dplen)
{
	struct acquire_rec	*r = arg;

	r->ar_n++;
	r->ar_dst = dst;
	r->ar_dplen = dplen;
}

/*
 * XFRM_MSG_ACQUIRE from the real kernel (the lab's; tests/lab/t-kernel.sh):
 * an outbound policy of ours with
 * an ESP template and no SA (what dpd-action hold leaves), and a packet
 * that matches it (to an address routed to a dummy device in this private
 * namespace): the events socket reports the policy's selector.
 */
START_TEST(test_xfrm_acquire_events)
{
	struct kernel_ops	 ops;
	struct kernel_policy	 p;
	struct acquire_rec	 rec;
	struct pollfd		 pfd;
	struct sockaddr_in	 to;
	int			 fd, s, i;

	memset(&rec, 0, sizeof(rec));
	ck_assert_int_eq(open_noprobe(&ops), 0);
	ops.ko_event_arg = &rec;
	ops.ko_acquire = acquire_rec_cb;
	ck_assert_int_ge(fd = kernel_xfrm_events_open(&ops), 0);
	if (!lab_kernel()) {
		/* without esp4 the kernel resolves no ESP template and
		 * asks for nothing: the lab kernel runs the rest */
		kernel_xfrm_close(&ops);
		return;
	}
	/* not via lo: its disable_xfrm keeps policies out of its routes */
	sh("ip link add d0 type dummy && ip link set d0 up && "
	    "ip route add 198.51.100.0/24 dev d0");
	memset(&p, 0, sizeof(p));
	p.kp_dir = KDIR_OUT;
	p.kp_src = A("192.0.2.1");
	p.kp_src_plen = 32;
	p.kp_dst = A("198.51.100.0");
	p.kp_dst_plen = 24;
	p.kp_tun_src = A("192.0.2.1");
	p.kp_tun_dst = A("203.0.113.2");
	p.kp_proto = IPPROTO_ESP;
	p.kp_reqid = KERNEL_REQID_BASE + 99;
	ck_assert_int_eq(ops.ko_policy_add(ops.ko_arg, &p), 0);
	ck_assert_int_ge(s = socket(AF_INET, SOCK_DGRAM, 0), 0);
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_addr = A("192.0.2.1");	/* the selector's source */
	ck_assert_int_eq(bind(s, (struct sockaddr *)&to, sizeof(to)), 0);
	to.sin_port = htons(9);
	to.sin_addr = A("198.51.100.9");
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (i = 0; i < 5 && rec.ar_n == 0; i++) {
		/* held: the kernel drops it and asks for an SA */
		(void)sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof(to));
		if (poll(&pfd, 1, 1000) > 0)
			kernel_xfrm_events_read(&ops);
	}
	close(s);
	ck_assert_int_ge(rec.ar_n, 1);
	ck_assert_uint_eq(rec.ar_dst.s_addr, A("198.51.100.0").s_addr);
	ck_assert_uint_eq(rec.ar_dplen, 24);
	kernel_xfrm_close(&ops);
}
END_TEST

struct expire_rec {
	int		 er_n;
	uint32_t	 er_spi[8];
	int		 er_hard[8];
	int		 er_volume[8];
};

static void
expire_rec_cb(void *arg, uint8_t proto, uint32_t spi, struct in_addr dst,
    int hard, int volume)
{
	struct expire_rec	*r = arg;

	if (r->er_n < 8) {
		r->er_spi[r->er_n] = spi;
		r->er_hard[r->er_n] = hard;
		r->er_volume[r->er_n] = volume;
	}
	r->er_n++;
}

/*
 * XFRM_MSG_EXPIRE from the real kernel: in the lab kernel an ESP SA with
 * a 10 s lifetime (soft at 9 s) reports soft, then hard, and is gone.  On
 * the host (no esp4) the subscription works and nothing comes.
 */
START_TEST(test_xfrm_expire_events)
{
	const struct alg_vec	*v = &alg_vecs[1];
	struct kernel_ops	 ops;
	struct kernel_sa	 sa;
	struct expire_rec	 rec;
	struct pollfd		 pfd;
	uint64_t		 t0;
	char			 out[4096];
	int			 fd;

	memset(&rec, 0, sizeof(rec));
	if (lab_kernel())
		ck_assert_int_eq(kernel_xfrm_open(&ops), 0);
	else
		ck_assert_int_eq(open_noprobe(&ops), 0);
	ops.ko_event_arg = &rec;
	ops.ko_expire = expire_rec_cb;
	ck_assert_int_ge(fd = kernel_xfrm_events_open(&ops), 0);
	if (!lab_kernel()) {
		kernel_xfrm_events_read(&ops);
		ck_assert_int_eq(rec.er_n, 0);
		kernel_xfrm_close(&ops);
		return;
	}
	sa_from_vec(&sa, v);
	sa.ks_src = A("192.0.2.1");
	sa.ks_dst = A("198.51.100.2");
	sa.ks_spi = htonl(0x0badcafe);
	sa.ks_lifetime = 10;
	ck_assert_int_eq(ops.ko_sa_add(ops.ko_arg, &sa), 0);
	pfd.fd = fd;
	pfd.events = POLLIN;
	t0 = (uint64_t)time(NULL);
	while (rec.er_n < 2 && (uint64_t)time(NULL) < t0 + 20) {
		if (poll(&pfd, 1, 1000) > 0)
			kernel_xfrm_events_read(&ops);
	}
	ck_assert_int_eq(rec.er_n, 2);
	ck_assert_uint_eq(rec.er_spi[0], htonl(0x0badcafe));
	ck_assert_int_eq(rec.er_hard[0], 0);
	ck_assert_int_eq(rec.er_volume[0], 0);
	ck_assert_uint_eq(rec.er_spi[1], htonl(0x0badcafe));
	ck_assert_int_eq(rec.er_hard[1], 1);
	ck_assert_int_eq(rec.er_volume[1], 0);
	sh_out(out, sizeof(out), "ip xfrm state");
	ck_assert_msg(strstr(out, "0x0badcafe") == NULL, "still there: %s",
	    out);
	/* gone from what close() would delete: no error there */
	kernel_xfrm_close(&ops);
}
END_TEST

/*
 * Volume lifetimes in the real kernel: an outbound ESP SA with packet
 * limits soft 2, hard 3 and byte limits shows them in "ip -s xfrm
 * state"; UDP sent through its policy makes the kernel report a soft,
 * then a hard expiry, both parsed as volume ones (the notice carries the
 * SA's counters and limits), and remove the SA.  On the host (no esp4)
 * the SA cannot be added.
 */
START_TEST(test_xfrm_volume_expire_events)
{
	struct kernel_ops	 ops;
	struct kernel_sa	 sa;
	struct kernel_policy	 p;
	struct expire_rec	 rec;
	struct sockaddr_in	 src, dst;
	struct pollfd		 pfd;
	uint64_t		 t0;
	char			 out[8192];
	int			 fd, s, i;

	memset(&rec, 0, sizeof(rec));
	if (lab_kernel())
		ck_assert_int_eq(kernel_xfrm_open(&ops), 0);
	else
		ck_assert_int_eq(open_noprobe(&ops), 0);
	ops.ko_event_arg = &rec;
	ops.ko_expire = expire_rec_cb;
	ck_assert_int_ge(fd = kernel_xfrm_events_open(&ops), 0);
	policy_sample(&p, KDIR_OUT);
	sa_from_vec(&sa, &alg_vecs[1]);
	sa.ks_src = p.kp_tun_src;
	sa.ks_dst = p.kp_tun_dst;
	sa.ks_reqid = p.kp_reqid;
	sa.ks_spi = htonl(0x0badc0de);
	sa.ks_packets_hard = 3;
	sa.ks_packets_soft = 2;
	sa.ks_bytes_hard = 4718592000ULL;
	sa.ks_bytes_soft = 4246732800ULL;
	if (!lab_kernel()) {
		ck_assert_int_eq(ops.ko_sa_add(ops.ko_arg, &sa), -1);
		kernel_xfrm_close(&ops);
		return;
	}
	/* 10.1.0.1 -> 10.2.0.5 matches the policy; the ESP leaves by a
	 * dummy link towards the tunnel's far end */
	sh("ip link add dummy0 type dummy");
	sh("ip addr add 198.51.100.1/24 dev dummy0");
	sh("ip link set dummy0 up");
	sh("ip addr add 10.1.0.1/32 dev lo");
	sh("ip route add 10.2.0.0/16 dev dummy0");
	ck_assert_int_eq(ops.ko_sa_add(ops.ko_arg, &sa), 0);
	ck_assert_int_eq(ops.ko_policy_add(ops.ko_arg, &p), 0);
	sh_out(out, sizeof(out), "ip -s xfrm state");
	ck_assert_msg(strstr(out, "limit: soft 4246732800(bytes), hard "
	    "4718592000(bytes)") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "limit: soft 2(packets), hard 3(packets)") !=
	    NULL, "%s", out);
	ck_assert_int_ge(s = socket(AF_INET, SOCK_DGRAM, 0), 0);
	memset(&src, 0, sizeof(src));
	src.sin_family = AF_INET;
	src.sin_addr = A("10.1.0.1");
	ck_assert_int_eq(bind(s, (struct sockaddr *)&src, sizeof(src)), 0);
	dst = src;
	dst.sin_addr = A("10.2.0.5");
	dst.sin_port = htons(9);
	pfd.fd = fd;
	pfd.events = POLLIN;
	t0 = (uint64_t)time(NULL);
	for (i = 0; i < 6 && rec.er_n < 2; i++) {
		/* past the hard limit the kernel refuses: no matter */
		(void)sendto(s, "volume", 6, 0, (struct sockaddr *)&dst,
		    sizeof(dst));
		if (poll(&pfd, 1, 200) > 0)
			kernel_xfrm_events_read(&ops);
	}
	while (rec.er_n < 2 && (uint64_t)time(NULL) < t0 + 10) {
		if (poll(&pfd, 1, 1000) > 0)
			kernel_xfrm_events_read(&ops);
	}
	close(s);
	ck_assert_int_eq(rec.er_n, 2);
	ck_assert_uint_eq(rec.er_spi[0], htonl(0x0badc0de));
	ck_assert_int_eq(rec.er_hard[0], 0);
	ck_assert_int_eq(rec.er_volume[0], 1);
	ck_assert_uint_eq(rec.er_spi[1], htonl(0x0badc0de));
	ck_assert_int_eq(rec.er_hard[1], 1);
	ck_assert_int_eq(rec.er_volume[1], 1);
	sh_out(out, sizeof(out), "ip xfrm state");
	ck_assert_msg(strstr(out, "0x0badc0de") == NULL, "still there: %s",
	    out);
	kernel_xfrm_close(&ops);
}
END_TEST

START_TEST(test_reqid_new_in_range)
{
	uint32_t	a = kernel_reqid_new(), b = kernel_reqid_new();

	ck_assert_uint_eq(a & KERNEL_REQID_MASK, KERNEL_REQID_BASE);
	ck_assert_uint_eq(b & KERNEL_REQID_MASK, KERNEL_REQID_BASE);
	ck_assert_uint_ne(a, KERNEL_REQID_BASE);
	ck_assert_uint_eq(b, a + 1);
}
END_TEST

/*
 * The replay window and ESN: up to 32 packets without ESN in the legacy
 * field (a default tunnel's request is as before); larger windows, and
 * any with ESN, in XFRMA_REPLAY_ESN_VAL with the legacy field 0 (the
 * kernel refuses both at once), a bitmap of whole 32-bit words, and
 * XFRM_STATE_ESN when ESN was negotiated.
 */
static const struct {
	uint32_t	 rv_window;
	int		 rv_esn;
	int		 rv_attr;	/* 1: XFRMA_REPLAY_ESN_VAL expected */
	unsigned int	 rv_bmp_len;
} replay_vecs[] = {
	{ 32, 0, 0, 0 },
	{ 0, 0, 0, 0 },
	{ 1, 0, 0, 0 },
	{ 33, 0, 1, 2 },
	{ 64, 0, 1, 2 },
	{ 4096, 0, 1, 128 },
	{ 1, 1, 1, 1 },
	{ 32, 1, 1, 1 },
	{ 100, 1, 1, 4 },
	{ 4096, 1, 1, 128 },
};

START_TEST(test_msg_sa_replay_esn)
{
	char					 buf[KERNEL_MSG_SIZE];
	struct kernel_sa			 sa;
	struct nlmsghdr				*nlh;
	const struct xfrm_usersa_info		*si;
	const struct xfrm_replay_state_esn	*rs;
	struct xattrs				 xa;
	size_t					 i;
	unsigned int				 w;

	sa_from_vec(&sa, &alg_vecs[1]);
	sa.ks_replay_window = replay_vecs[_i].rv_window;
	sa.ks_esn = replay_vecs[_i].rv_esn;
	ck_assert_ptr_nonnull(nlh = xfrm_msg_sa_build(buf, sizeof(buf), &sa,
	    7));
	xattrs_parse(nlh, sizeof(*si), &xa);
	si = mnl_nlmsg_get_payload(nlh);
	ck_assert_uint_eq(!!(si->flags & XFRM_STATE_ESN),
	    replay_vecs[_i].rv_esn);
	if (!replay_vecs[_i].rv_attr) {
		ck_assert_uint_eq(si->replay_window,
		    replay_vecs[_i].rv_window);
		ck_assert_ptr_null(xa.xa_tb[XFRMA_REPLAY_ESN_VAL]);
		return;
	}
	ck_assert_uint_eq(si->replay_window, 0);
	ck_assert_ptr_nonnull(xa.xa_tb[XFRMA_REPLAY_ESN_VAL]);
	w = replay_vecs[_i].rv_bmp_len;
	ck_assert_uint_eq(mnl_attr_get_payload_len(
	    xa.xa_tb[XFRMA_REPLAY_ESN_VAL]), sizeof(*rs) + 4 * w);
	rs = mnl_attr_get_payload(xa.xa_tb[XFRMA_REPLAY_ESN_VAL]);
	ck_assert_uint_eq(rs->bmp_len, w);
	ck_assert_uint_eq(rs->replay_window, replay_vecs[_i].rv_window);
	/* the window fits its bitmap, with less than a word to spare */
	ck_assert_uint_le(rs->replay_window, 32 * w);
	ck_assert_uint_gt(rs->replay_window, 32 * (w - 1));
	ck_assert_uint_eq(rs->oseq, 0);
	ck_assert_uint_eq(rs->seq, 0);
	ck_assert_uint_eq(rs->oseq_hi, 0);
	ck_assert_uint_eq(rs->seq_hi, 0);
	for (i = 0; i < w; i++)
		ck_assert_uint_eq(rs->bmp[i], 0);
}
END_TEST

/*
 * An HA takeover's outbound SA starts past the old node's sequence
 * numbers: oseq in XFRMA_REPLAY_VAL beside a legacy window (seq and
 * bitmap 0: the inbound side starts fresh), in the ESN attribute's oseq
 * and oseq_hi otherwise; none without a start; past 2^32 - 1 without
 * ESN refused.
 */
START_TEST(test_msg_sa_oseq)
{
	char					 buf[KERNEL_MSG_SIZE];
	struct kernel_sa			 sa;
	struct nlmsghdr				*nlh;
	const struct xfrm_replay_state		*leg;
	const struct xfrm_replay_state_esn	*rs;
	struct xattrs				 xa;

	sa_from_vec(&sa, &alg_vecs[1]);
	sa.ks_replay_window = 32;
	ck_assert_ptr_nonnull(nlh = xfrm_msg_sa_build(buf, sizeof(buf), &sa,
	    1));
	xattrs_parse(nlh, sizeof(struct xfrm_usersa_info), &xa);
	ck_assert_ptr_null(xa.xa_tb[XFRMA_REPLAY_VAL]);
	sa.ks_oseq = 1 << 20;
	ck_assert_ptr_nonnull(nlh = xfrm_msg_sa_build(buf, sizeof(buf), &sa,
	    2));
	xattrs_parse(nlh, sizeof(struct xfrm_usersa_info), &xa);
	ck_assert_ptr_nonnull(xa.xa_tb[XFRMA_REPLAY_VAL]);
	ck_assert_ptr_null(xa.xa_tb[XFRMA_REPLAY_ESN_VAL]);
	ck_assert_uint_eq(mnl_attr_get_payload_len(xa.xa_tb[XFRMA_REPLAY_VAL]),
	    sizeof(*leg));
	leg = mnl_attr_get_payload(xa.xa_tb[XFRMA_REPLAY_VAL]);
	ck_assert_uint_eq(leg->oseq, 1 << 20);
	ck_assert_uint_eq(leg->seq, 0);
	ck_assert_uint_eq(leg->bitmap, 0);
	sa.ks_oseq = 0x100000000ULL;
	ck_assert_ptr_null(xfrm_msg_sa_build(buf, sizeof(buf), &sa, 3));
	sa.ks_esn = 1;
	sa.ks_oseq = 0x200000005ULL;
	ck_assert_ptr_nonnull(nlh = xfrm_msg_sa_build(buf, sizeof(buf), &sa,
	    4));
	xattrs_parse(nlh, sizeof(struct xfrm_usersa_info), &xa);
	ck_assert_ptr_null(xa.xa_tb[XFRMA_REPLAY_VAL]);
	ck_assert_ptr_nonnull(xa.xa_tb[XFRMA_REPLAY_ESN_VAL]);
	rs = mnl_attr_get_payload(xa.xa_tb[XFRMA_REPLAY_ESN_VAL]);
	ck_assert_uint_eq(rs->oseq, 5);
	ck_assert_uint_eq(rs->oseq_hi, 2);
	ck_assert_uint_eq(rs->seq, 0);
	ck_assert_uint_eq(rs->seq_hi, 0);
}
END_TEST

/*
 * What a GETSA reply says back (the message we build is the kernel's
 * reply's layout): the outbound sequence number from either replay
 * attribute, and the keys; a short buffer or message refused.
 */
START_TEST(test_msg_sa_read_back)
{
	char			 buf[KERNEL_MSG_SIZE];
	struct kernel_sa	 sa;
	struct nlmsghdr		*nlh;
	struct xfrm_sa_counters	 xc;
	uint8_t			 ek[64], ak[64];
	size_t			 el, al, n;
	int			 v;

	for (v = 0; v < 3; v++) {
		sa_from_vec(&sa, &alg_vecs[v]);
		sa.ks_replay_window = 32;
		sa.ks_oseq = 1 << 20;
		ck_assert_ptr_nonnull(nlh = xfrm_msg_sa_build(buf, sizeof(buf),
		    &sa, 2));
		nlh->nlmsg_type = XFRM_MSG_NEWSA;
		ck_assert_int_eq(xfrm_msg_sa_counters_parse(nlh,
		    nlh->nlmsg_len, &xc), 0);
		ck_assert_uint_eq(xc.xc_oseq, 1 << 20);
		ck_assert_int_eq(xfrm_msg_sa_keys_parse(nlh, nlh->nlmsg_len,
		    ek, &el, ak, &al, sizeof(ek)), 0);
		ck_assert_uint_eq(el, sa.ks_ekey_len);
		ck_assert_mem_eq(ek, sa.ks_ekey, el);
		ck_assert_uint_eq(al, sa.ks_akey_len);
		if (al > 0)
			ck_assert_mem_eq(ak, sa.ks_akey, al);
		if (el > 1)
			ck_assert_int_eq(xfrm_msg_sa_keys_parse(nlh,
			    nlh->nlmsg_len, ek, &el, ak, &al,
			    sa.ks_ekey_len - 1), -1);
		for (n = 0; n < nlh->nlmsg_len; n += 7)
			ck_assert_int_eq(xfrm_msg_sa_keys_parse(nlh, n, ek,
			    &el, ak, &al, sizeof(ek)), -1);
		sa.ks_esn = 1;
		sa.ks_oseq = 0x200000005ULL;
		ck_assert_ptr_nonnull(nlh = xfrm_msg_sa_build(buf, sizeof(buf),
		    &sa, 3));
		nlh->nlmsg_type = XFRM_MSG_NEWSA;
		ck_assert_int_eq(xfrm_msg_sa_counters_parse(nlh,
		    nlh->nlmsg_len, &xc), 0);
		ck_assert_uint_eq(xc.xc_oseq, 0x200000005ULL);
	}
	memset(ek, 0, sizeof(ek));
	memset(ak, 0, sizeof(ak));
}
END_TEST

START_TEST(test_msg_sa_replay_bad)
{
	char			 buf[KERNEL_MSG_SIZE];
	struct kernel_sa	 sa;
	struct nlmsghdr		*nlh;
	size_t			 len;

	sa_from_vec(&sa, &alg_vecs[1]);
	/* beyond the kernel's bitmap (XFRMA_REPLAY_ESN_MAX) */
	sa.ks_replay_window = 4097;
	ck_assert_ptr_null(xfrm_msg_sa_build(buf, sizeof(buf), &sa, 1));
	sa.ks_esn = 1;
	ck_assert_ptr_null(xfrm_msg_sa_build(buf, sizeof(buf), &sa, 1));
	/* ESN without a window: the kernel would refuse it */
	sa.ks_replay_window = 0;
	ck_assert_ptr_null(xfrm_msg_sa_build(buf, sizeof(buf), &sa, 1));
	ck_assert_ptr_null(memmem(buf, sizeof(buf), test_akey, 8));
	/* the largest bitmap: a buffer a few bytes short of the whole
	 * request fails cleanly, without key bytes left behind */
	sa.ks_replay_window = 4096;
	ck_assert_ptr_nonnull(nlh = xfrm_msg_sa_build(buf, sizeof(buf), &sa,
	    1));
	len = nlh->nlmsg_len;
	ck_assert_uint_gt(len, 4 * 128 + 200);
	memset(buf, 0, sizeof(buf));
	ck_assert_ptr_null(xfrm_msg_sa_build(buf, len - 4, &sa, 1));
	ck_assert_ptr_null(memmem(buf, sizeof(buf), test_akey, 8));
	ck_assert_ptr_null(memmem(buf, sizeof(buf), test_ekey, 8));
	ck_assert_ptr_null(xfrm_msg_sa_build(buf, 600, &sa, 1));
}
END_TEST

/*
 * The null kernel (benchmarks): refused unless built with --enable-bench.
 * check_kernel_null tests what it does, in every build.
 */
START_TEST(test_null_only_in_bench_build)
{
	struct kernel_ops	 ops;

	memset(&ops, 0, sizeof(ops));
#ifndef GW_BENCH
	ck_assert_int_eq(kernel_null_available(), 0);
	ck_assert_int_eq(kernel_null_open(&ops), -1);
	ck_assert_ptr_null(ops.ko_spi_alloc);
#else
	ck_assert_int_eq(kernel_null_available(), 1);
	ck_assert_int_eq(kernel_null_open(&ops), 0);
	ck_assert_ptr_nonnull(ops.ko_spi_alloc);
#endif
	kernel_null_close(&ops);
}
END_TEST

static Suite *
kernel_suite(void)
{
	Suite	*s = suite_create("kernel");
	TCase	*tc;

	tc = tcase_create("msg_sa");
	tcase_add_loop_test(tc, test_msg_sa_algorithms, 0, ALG_NVECS);
	tcase_add_loop_test(tc, test_msg_sa_rejects_bad, 0,
	    (int)(sizeof(bad_sa_vecs) / sizeof(bad_sa_vecs[0])));
	tcase_add_test(tc, test_msg_sa_encap_and_lifetime);
	tcase_add_test(tc, test_msg_sa_volume_limits);
	tcase_add_loop_test(tc, test_msg_sa_replay_esn, 0,
	    (int)(sizeof(replay_vecs) / sizeof(replay_vecs[0])));
	tcase_add_test(tc, test_msg_sa_replay_bad);
	tcase_add_test(tc, test_msg_sa_oseq);
	tcase_add_test(tc, test_msg_sa_read_back);
	tcase_add_test(tc, test_msg_spi_alloc_fields);
	suite_add_tcase(s, tc);

	tc = tcase_create("msg_policy");
	tcase_add_loop_test(tc, test_msg_policy_fields, KDIR_IN, KDIR_FWD + 1);
	tcase_add_test(tc, test_msg_policy_priority_specific_wins);
	suite_add_tcase(s, tc);

	tc = tcase_create("msg_route");
	tcase_add_test(tc, test_msg_route_fields);
	suite_add_tcase(s, tc);

	tc = tcase_create("msg_expire");
	tcase_add_test(tc, test_msg_expire_parse);
	tcase_add_test(tc, test_msg_expire_volume);
	tcase_add_test(tc, test_msg_walk_bounds);
	tcase_add_test(tc, test_msg_acquire_parse);
	suite_add_tcase(s, tc);

	tc = tcase_create("null");
	tcase_add_test(tc, test_null_only_in_bench_build);
	suite_add_tcase(s, tc);

	tc = tcase_create("reqid");
	tcase_add_test(tc, test_reqid_new_in_range);
	suite_add_tcase(s, tc);

	tc = tcase_create("live_xfrm");
	tcase_add_checked_fixture(tc, netns_setup, NULL);
	tcase_add_test(tc, test_xfrm_open_esp_probe);
	tcase_add_test(tc, test_xfrm_spi_alloc_range);
	tcase_add_test(tc, test_xfrm_policy_add_del);
	tcase_add_test(tc, test_xfrm_deferred);
	tcase_add_test(tc, test_xfrm_many_entries);
	tcase_add_test(tc, test_xfrm_child_add_batch);
	tcase_add_test(tc, test_xfrm_child_add_many);
	tcase_add_test(tc, test_xfrm_policy_hash);
	tcase_add_test(tc, test_xfrm_stale_cleanup);
	tcase_add_test(tc, test_xfrm_socket_bypass);
	tcase_add_test(tc, test_xfrm_expire_events);
	tcase_add_test(tc, test_xfrm_volume_expire_events);
	tcase_add_test(tc, test_xfrm_acquire_events);
	/* Each `ip` costs a lot inside user-mode-linux. */
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("live_route");
	tcase_add_checked_fixture(tc, netns_setup, NULL);
	tcase_add_test(tc, test_route_add_del);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("live_sa");
	tcase_add_checked_fixture(tc, netns_setup, NULL);
	tcase_add_loop_test(tc, test_sa_add_stats_del, 0, ALG_NVECS);
	tcase_add_test(tc, test_sa_stats_snapshot);
	tcase_add_test(tc, test_sa_stats_snapshot_recent);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	size_t	 i;
	int	 failed;

	for (i = 0; i < sizeof(test_ekey); i++) {
		test_ekey[i] = (uint8_t)(0x10 + i);
		test_akey[i] = (uint8_t)(0xa0 + i);
	}
	log_init(0, LOG_LVL_INFO);
	sr = srunner_create(kernel_suite());
	/* Each live test unshares its own namespace: that needs a fork. */
	if (srunner_fork_status(sr) != CK_FORK) {
		fprintf(stderr, "check_kernel: live tests need CK_FORK=yes\n");
		srunner_free(sr);
		return (EXIT_FAILURE);
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
