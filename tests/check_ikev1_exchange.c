/*
 * check_ikev1_exchange.c - IKEv1 between two in-process engines, a
 * (198.51.100.1) and b (198.51.100.2), over a mock network and kernels.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>

#include "common/buf.h"
#include "common/log.h"
#include "ike/ike.h"
#include "ike/ike_sa.h"
#include "ike/ikev1.h"
#include "ike/ikev1_sa.h"
#include "policy/config.h"
#include "policy/diag.h"
#include "tests/exchange_pair.h"
#include "tests/mock_kernel.h"
#include "tests/mock_net.h"

/* a's outbound SA is b's inbound SA with the same keys, and back. */
static void
assert_keys_match(const struct tunnel_status *sa, size_t elen, size_t alen)
{
	const struct mock_sa	*x, *y;
	int			 i, dir;
	uint32_t		 spi;

	for (i = 0; i < sa->ts_nchild; i++)
		for (dir = 0; dir < 2; dir++) {
			spi = dir ? sa->ts_child[i].cs_spi_in :
			    sa->ts_child[i].cs_spi_out;
			x = mock_kernel_sa(&A.s_kernel, spi);
			y = mock_kernel_sa(&B.s_kernel, spi);
			ck_assert_ptr_nonnull(x);
			ck_assert_ptr_nonnull(y);
			ck_assert_uint_eq(x->m_sa.ks_ekey_len, elen);
			ck_assert_uint_eq(y->m_sa.ks_ekey_len, elen);
			ck_assert_uint_eq(x->m_sa.ks_akey_len, alen);
			ck_assert_mem_eq(x->m_ekey, y->m_ekey, elen);
			ck_assert_mem_eq(x->m_akey, y->m_akey, alen);
			ck_assert_uint_eq(x->m_sa.ks_src.s_addr,
			    y->m_sa.ks_src.s_addr);
			ck_assert_uint_eq(x->m_sa.ks_src.s_addr, inet_addr(dir ?
			    ADDR_B : ADDR_A));
		}
	/* the two directions have different keys (an AEAD: no
	 * authentication key, compare the encryption keys) */
	if (sa->ts_nchild > 0) {
		x = mock_kernel_sa(&A.s_kernel, sa->ts_child[0].cs_spi_out);
		y = mock_kernel_sa(&A.s_kernel, sa->ts_child[0].cs_spi_in);
		if (alen > 0)
			ck_assert(memcmp(x->m_akey, y->m_akey, alen) != 0);
		else
			ck_assert(memcmp(x->m_ekey, y->m_ekey, elen) != 0);
	}
}

static void
assert_connected(int nchild, size_t elen, size_t alen)
{
	struct tunnel_status	 sa = status(&A), sb = status(&B);

	ck_assert_str_eq(tunnel_state_name(sa.ts_state), "Connected");
	ck_assert_str_eq(tunnel_state_name(sb.ts_state), "Connected");
	ck_assert_int_eq(sa.ts_ike_version, 1);
	ck_assert_int_eq(sa.ts_nchild, nchild);
	ck_assert_int_eq(sb.ts_nchild, nchild);
	ck_assert_int_eq(mock_kernel_nsa(&A.s_kernel), 2 * nchild);
	ck_assert_int_eq(mock_kernel_nsa(&B.s_kernel), 2 * nchild);
	ck_assert_int_eq(mock_kernel_nlarval(&A.s_kernel), 0);
	ck_assert_int_eq(mock_kernel_nlarval(&B.s_kernel), 0);
	ck_assert_mem_eq(sa.ts_spi_i, sb.ts_spi_i, 8);
	ck_assert_mem_eq(sa.ts_spi_r, sb.ts_spi_r, 8);
	assert_keys_match(&sa, elen, alen);
}

static const struct side_opts opt_a = {
	.so_version = 1, .so_local = { "172.16.0.0/24" },
	.so_remote = { "10.0.0.0/12" }, .so_initiate = 1
};
static const struct side_opts opt_b = {
	.so_version = 1, .so_local = { "10.0.0.0/12" },
	.so_remote = { "172.16.0.0/24" }, .so_initiate = 0
};

/*
 * Main Mode  { SA } -->                 <-- { SA }
 *            { KE, Ni, NAT-D x2 } -->   <-- { KE, Nr, NAT-D x2 }
 *            { IDii, HASH_I, N }* -->   <-- { IDir, HASH_R }*
 * Quick Mode { HASH(1), SA, Ni, KE, IDci, IDcr }* -->
 *            <-- { HASH(2), SA, Nr, KE, IDci, IDcr }*
 *            { HASH(3) }* -->
 */
static struct isakmp_sa	*v1_first_sa(const struct side *);

START_TEST(test_v1_main_defaults_establish)
{
	struct tunnel_status	 sa;
	const struct kernel_policy *p;
	struct isakmp_sa	*isa;
	struct child_sa		*cs;
	int			 i;

	pair_init(&opt_a, &opt_b);
	ike_start(A.s_ike);
	ike_start(B.s_ike);
	pump(80);
	assert_connected(1, 16, 20);
	sa = status(&A);
	ck_assert_str_eq(sa.ts_ike_algs, "aes128/sha1/prfsha1/modp1024");
	ck_assert_str_eq(sa.ts_child[0].cs_local_ts, "172.16.0.0/24");
	ck_assert_str_eq(sa.ts_child[0].cs_remote_ts, "10.0.0.0/12");
	ck_assert_str_eq(sa.ts_warning, "");
	p = mock_kernel_policy(&A.s_kernel, KDIR_OUT, "172.16.0.0/24",
	    "10.0.0.0/12");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(mock_kernel_policy(&B.s_kernel, KDIR_IN,
	    "172.16.0.0/24", "10.0.0.0/12"));
	ck_assert_int_eq(A.s_kernel.mk_nroute, 1);
	ck_assert_int_eq(A.s_kernel.mk_errors + B.s_kernel.mk_errors, 0);
	/* issue 8: the IPsec SA's keys are in the kernel only (no NAT) */
	for (i = 0; i < 2; i++) {
		ck_assert_ptr_nonnull(isa = v1_first_sa(i ? &B : &A));
		ck_assert_ptr_nonnull(cs = TAILQ_FIRST(&isa->is_b.b_children));
		ck_assert_int_eq(cs->cs_keys_wiped, 1);
		ck_assert_ptr_null(cs->cs_keys);	/* wiped, freed */
		ck_assert_uint_eq(mock_kernel_sa(i ? &B.s_kernel : &A.s_kernel,
		    cs->cs_spi_in)->m_sa.ks_ekey_len, 16);
		/* no volume limit: the kernel's soft time expiry stays */
		ck_assert_int_eq(mock_kernel_sa(i ? &B.s_kernel : &A.s_kernel,
		    cs->cs_spi_in)->m_sa.ks_no_soft_time, 0);
		ck_assert_uint_eq(mock_kernel_sa(i ? &B.s_kernel : &A.s_kernel,
		    cs->cs_spi_in)->m_sa.ks_bytes_hard, 0);
	}
	pair_free();
}
END_TEST

/* Both initiate: one ISAKMP SA and one IPsec SA pair survive. */
START_TEST(test_v1_both_initiate)
{
	struct side_opts	 b = opt_b;

	b.so_initiate = 1;
	pair_init(&opt_a, &b);
	ike_start(A.s_ike);
	ike_start(B.s_ike);
	pump(300);
	assert_connected(1, 16, 20);
	pair_free();
}
END_TEST

/* Aggressive Mode { SA, KE, Ni, IDii } --> <-- { SA, KE, Nr, IDir,
 * HASH_R } { HASH_I }* --> with FQDN identities. */
START_TEST(test_v1_aggressive_fqdn)
{
	struct side_opts	 a = opt_a, b = opt_b;
	struct tunnel_status	 sb;

	a.so_ike = "\t\tmode aggressive\n\t\tlocal-id a.example.com\n"
	    "\t\tpeer-id b.example.com\n";
	b.so_ike = "\t\tmode aggressive\n\t\tlocal-id b.example.com\n"
	    "\t\tpeer-id a.example.com\n";
	pair_init(&a, &b);
	ike_start(A.s_ike);
	pump(80);
	assert_connected(1, 16, 20);
	sb = status(&B);
	ck_assert_ptr_nonnull(strstr(sb.ts_warning, "offline cracking"));
	pair_free();
}
END_TEST

/*
 * Aggressive Mode with more candidate tunnels than a responder looks at
 * on its stack: b holds t1 for a's address and 39 tunnels for any peer
 * (0.0.0.0) on two gateways of its address; a's IDii names the last of
 * them, t40, which must answer (the responder once looked at the first
 * 16 candidates only, so a peer's 17th tunnel could never come up).
 */
START_TEST(test_v1_aggressive_many_candidates)
{
	static char		 extra[40 * 320];
	char			 l[24], r[24];
	struct side_opts	 a = opt_a, b = opt_b;
	struct tunnel_status	 st[41], sa;
	size_t			 n = 0;
	int			 i, nst, up = 0;

	a.so_ike = "\t\tmode aggressive\n\t\tlocal-id t40.example.com\n"
	    "\t\tpeer-id b.example.com\n";
	/* b's t1 waits for another identity */
	b.so_ike = "\t\tmode aggressive\n\t\tpeer-id t1.example.com\n";
	n += (size_t)snprintf(extra + n, sizeof(extra) - n,
	    "gateway gw2 {\n\taddress %s\n}\npeer any1 {\n\taddress 0.0.0.0\n"
	    "}\npeer any2 {\n\taddress 0.0.0.0\n}\n", ADDR_B);
	for (i = 2; i <= 40; i++)
		n += (size_t)snprintf(extra + n, sizeof(extra) - n,
		    "tunnel t%d {\n\tgateway %s\n\tpeer %s\n"
		    "\tlocal-segment %s\n\tpeer-segment %s\n"
		    "\tpsk Secr3t!key\n\tinitiate no\n\tike {\n\t\tversion 1\n"
		    "\t\tmode aggressive\n\t\tlocal-id b.example.com\n"
		    "\t\tpeer-id t%d.example.com\n\t}\n}\n", i,
		    i <= 20 ? "gw" : "gw2", i <= 20 ? "any1" : "any2",
		    i == 40 ? "10.0.0.0/12" : (snprintf(l, sizeof(l),
		    "10.40.%d.0/24", i), l), i == 40 ? "172.16.0.0/24" :
		    (snprintf(r, sizeof(r), "192.168.%d.0/24", i), r), i);
	ck_assert_uint_lt(n, sizeof(extra));
	b.so_extra = extra;
	pair_init(&a, &b);
	ike_start(A.s_ike);
	ike_start(B.s_ike);
	pump(300);
	sa = status(&A);
	ck_assert_str_eq(tunnel_state_name(sa.ts_state), "Connected");
	nst = ike_status(B.s_ike, st, 41);
	ck_assert_int_eq(nst, 40);
	for (i = 0; i < nst; i++) {
		status_keep(&B, &st[i]);
		if (st[i].ts_state != TUNNEL_CONNECTED)
			continue;
		up++;
		ck_assert_str_eq(st[i].ts_name, "t40");
		ck_assert_mem_eq(st[i].ts_spi_i, sa.ts_spi_i, 8);
	}
	ck_assert_int_eq(up, 1);
	ck_assert_int_eq(mock_kernel_nsa(&B.s_kernel), 2);
	pair_free();
}
END_TEST

/* Aggressive Mode: b's peer-id differs from a's IDii: no tunnel. */
START_TEST(test_v1_aggressive_wrong_id)
{
	struct side_opts	 a = opt_a, b = opt_b;

	a.so_ike = "\t\tmode aggressive\n\t\tlocal-id x.example.com\n";
	b.so_ike = "\t\tmode aggressive\n\t\tpeer-id a.example.com\n";
	pair_init(&a, &b);
	/* 2 retransmissions: 3 attempts of 20+40+80 ms */
	ike_ctx_timing_set(A.s_ike, 20, 2, 10, 60);
	ike_start(A.s_ike);
	pump(1000);
	ck_assert_str_eq(tunnel_state_name(status(&A).ts_state),
	    "Phase 1 failed");
	ck_assert_ptr_nonnull(strstr(status(&A).ts_last_error,
	    "no answer to message 1"));
	ck_assert_int_eq(A.s_kernel.mk_nsa + B.s_kernel.mk_nsa, 0);
	pair_free();
}
END_TEST

struct algo_case {
	const char	*ac_ike;
	const char	*ac_ipsec;
	size_t		 ac_elen, ac_alen;
	const char	*ac_algs;
};

static const struct algo_case algo_cases[] = {
	{ "\t\tencryption 3des\n\t\tintegrity md5\n\t\tdh-group 1\n",
	  "\t\tencryption 3des\n\t\tintegrity md5\n\t\tpfs 1\n", 24, 16,
	  "3des/md5/prfmd5/modp768" },
	/* AES-256 with SHA-1: the phase 1 key needs expansion (App. B) */
	{ "\t\tencryption aes256\n\t\tintegrity sha1\n\t\tdh-group 14\n",
	  "\t\tencryption aes256\n\t\tpfs 14\n", 32, 20,
	  "aes256/sha1/prfsha1/modp2048" },
	{ "\t\tencryption aes192\n\t\tintegrity md5\n\t\tdh-group 5\n",
	  "\t\tpfs disable\n", 16, 20, "aes192/md5/prfmd5/modp1536" },
	{ "\t\tintegrity sha2-256\n",
	  "\t\tprotocol ah\n\t\tintegrity md5\n", 0, 16,
	  "aes128/sha2-256/prfsha256/modp1024" },
	/* RFC 4106 §8.1: ESP AES-GCM, KEYMAT = key | 4-byte salt, no
	 * authentication key */
	{ "\t\tencryption aes256\n\t\tintegrity sha2-384\n"
	  "\t\tdh-group 19\n", "\t\tencryption aes256gcm16\n\t\tpfs 19\n",
	  36, 0, "aes256/sha2-384/prfsha384/ecp256" },
	{ "\t\tdh-group 14\n", "\t\tencryption aes128gcm8\n\t\tpfs 14\n",
	  20, 0, "aes128/sha1/prfsha1/modp2048" },
	/* RFC 4868: HMAC-SHA2 for ESP and AH (keys of the hash length) */
	{ "\t\tdh-group 14\n", "\t\tencryption aes256\n"
	  "\t\tintegrity sha2-512\n\t\tpfs 14\n", 32, 64,
	  "aes128/sha1/prfsha1/modp2048" },
	{ "\t\tdh-group 14\n", "\t\tintegrity sha256\n\t\tpfs 14\n", 16,
	  32, "aes128/sha1/prfsha1/modp2048" },
	{ "\t\tdh-group 14\n", "\t\tprotocol ah\n\t\tintegrity sha384\n",
	  0, 48, "aes128/sha1/prfsha1/modp2048" },
};

START_TEST(test_v1_algorithms)
{
	const struct algo_case	*c = &algo_cases[_i];
	struct side_opts	 a = opt_a, b = opt_b;

	a.so_ike = b.so_ike = c->ac_ike;
	a.so_ipsec = b.so_ipsec = c->ac_ipsec;
	pair_init(&a, &b);
	ike_start(A.s_ike);
	pump(150);
	assert_connected(1, c->ac_elen, c->ac_alen);
	ck_assert_str_eq(status(&A).ts_ike_algs, c->ac_algs);
	ck_assert_str_eq(status(&B).ts_ike_algs, c->ac_algs);
	pair_free();
}
END_TEST



/* n x n segments: n*n Quick Modes, and ike_status() reports every IPsec
 * SA pair, both sides. */
START_TEST(test_v1_segments_many)
{
	struct side_opts	 a = opt_a, b = opt_b;
	struct tunnel_status	 sa, sb;
	int			 n = many_segments[_i];

	segments_make(&a, &b, n);
	pair_init(&a, &b);
	ike_start(A.s_ike);
	pump_children(n * n, 10000);
	assert_connected(n * n, 16, 20);
	ck_assert_int_eq(A.s_kernel.mk_npol, 3 * n * n);
	ck_assert_int_eq(A.s_kernel.mk_errors, 0);
	sa = status(&A);
	sb = status(&B);
	assert_every_pair(&sa, n);
	ck_assert_int_eq(sb.ts_nchild, n * n);
	pair_free();
}
END_TEST

/*
 * The queue (ike/sa_queue.c): with 3 x 3 segments up, both sides ask for
 * all 9 IPsec SAs to be rekeyed in the same instant.  Each side has one
 * Quick Mode of its own on the wire at a time (ikev1_sa.c
 * IKEV1_QM_WINDOW), the rest wait and none is lost: at the end each pair
 * has one new IPsec SA that both sides carry on with (the losers of the
 * 9 simultaneous rekeys stay until they expire, test_v1_rekey_collision),
 * and the old ones are gone.
 */
START_TEST(test_v1_queue_window)
{
	struct side_opts	 a = opt_a, b = opt_b;
	struct tunnel_status	 before, sa, sb;
	int			 i, j;

	segments_make(&a, &b, 3);
	pair_init(&a, &b);
	ike_start(A.s_ike);
	pump_children(9, 10000);
	assert_connected(9, 16, 20);
	before = status(&A);
	wire_watch_reset();
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	ck_assert_int_eq(ike_tunnel_rekey(B.s_ike, "t1"), 0);
	for (i = 0; i < 100; i++) {
		pump(20);
		sa = status(&A);
		sb = status(&B);
		if (sa.ts_child_rekeys >= 9 && sb.ts_child_rekeys >= 9)
			break;
	}
	pump(200);
	ck_assert_int_eq(wire_max[0], 1);
	ck_assert_int_eq(wire_max[1], 1);
	sa = status(&A);
	sb = status(&B);
	ck_assert_str_eq(tunnel_state_name(sa.ts_state), "Connected");
	ck_assert_str_eq(tunnel_state_name(sb.ts_state), "Connected");
	assert_every_pair(&sa, 3);
	ck_assert_int_eq(sb.ts_nchild, 9);
	ck_assert_int_ge(mock_kernel_nsa(&A.s_kernel), 27);
	ck_assert_int_le(mock_kernel_nsa(&A.s_kernel), 36);
	ck_assert_int_ge(mock_kernel_nsa(&B.s_kernel), 27);
	ck_assert_int_le(mock_kernel_nsa(&B.s_kernel), 36);
	ck_assert_int_eq(mock_kernel_nlarval(&A.s_kernel), 0);
	ck_assert_int_eq(mock_kernel_nlarval(&B.s_kernel), 0);
	for (i = 0; i < 9; i++) {
		ck_assert_ptr_null(mock_kernel_sa(&A.s_kernel,
		    before.ts_child[i].cs_spi_in));
		ck_assert_ptr_null(mock_kernel_sa(&B.s_kernel,
		    before.ts_child[i].cs_spi_out));
		for (j = 0; j < 9; j++)
			if (sb.ts_child[j].cs_spi_out ==
			    sa.ts_child[i].cs_spi_in)
				break;
		ck_assert_int_lt(j, 9);
		ck_assert_uint_eq(sb.ts_child[j].cs_spi_in,
		    sa.ts_child[i].cs_spi_out);
	}
	ck_assert_int_eq(A.s_kernel.mk_errors + B.s_kernel.mk_errors, 0);
	pair_free();
}
END_TEST

/* 2 x 2 segments: four Quick Modes, four SA pairs. */
START_TEST(test_v1_segments_2x2)
{
	struct side_opts	 a = { .so_version = 1,
	    .so_local = { "172.16.0.0/24", "172.16.1.0/24" },
	    .so_remote = { "10.0.0.0/12", "10.32.0.0/16" }, .so_initiate = 1 };
	struct side_opts	 b = { .so_version = 1,
	    .so_local = { "10.0.0.0/12", "10.32.0.0/16" },
	    .so_remote = { "172.16.0.0/24", "172.16.1.0/24" } };

	pair_init(&a, &b);
	ike_start(A.s_ike);
	pump(150);
	assert_connected(4, 16, 20);
	ck_assert_int_eq(A.s_kernel.mk_npol, 12);
	ck_assert_int_eq(B.s_kernel.mk_npol, 12);
	ck_assert_ptr_nonnull(mock_kernel_policy(&A.s_kernel, KDIR_OUT,
	    "172.16.1.0/24", "10.32.0.0/16"));
	pair_free();
}
END_TEST

/*
 * Wrong PSK: b cannot decrypt message 5 and answers with an unprotected
 * N(AUTHENTICATION-FAILED); a counts that as a failed attempt when no
 * valid message 6 came within 2 retransmission delays (an unauthenticated
 * notify alone must not end it): three attempts, "Phase 1 failed".
 */
START_TEST(test_v1_wrong_psk)
{
	struct side_opts	 b = opt_b;
	struct tunnel_status	 sa, sb;
	struct ike_counters	 c;

	b.so_psk = "other-key";
	pair_init(&opt_a, &b);
	/* 5 retransmissions of 100 ms and more: not what ends an attempt
	 * (its wait of 2 delays after b's notify does) */
	ike_ctx_timing_set(A.s_ike, 100, 5, 10, 60);
	ike_start(A.s_ike);
	pump(2000);
	sa = status(&A);
	sb = status(&B);
	ike_counters_get(A.s_ike, &c);
	ck_assert_uint_le(c.ic_retransmits, 3 * 2);
	ck_assert_str_eq(tunnel_state_name(sa.ts_state), "Phase 1 failed");
	ck_assert_str_eq(tunnel_state_name(sb.ts_state), "Phase 1 failed");
	ck_assert_msg(strstr(sa.ts_last_error, "authentication failed: the "
	    "pre-shared key probably differs (cannot decrypt/verify the "
	    "peer's message 6)") != NULL, "%s", sa.ts_last_error);
	ck_assert_msg(strstr(sb.ts_last_error, "authentication failed: the "
	    "pre-shared key probably differs (cannot decrypt/verify message "
	    "5)") != NULL, "%s", sb.ts_last_error);
	ck_assert_int_eq(A.s_kernel.mk_nsa + B.s_kernel.mk_nsa, 0);
	pair_free();
}
END_TEST

/*
 * Quick Mode with the Extended Sequence Number attribute (RFC 4304): a
 * initiates with its esn setting (either: two transforms, ESN first), b
 * answers with the one transform it takes; the SAs carry the result and
 * each side's own replay window; yes against no: NO-PROPOSAL-CHOSEN.
 */
static const struct {
	const char	*ev_a, *ev_b;
	int		 ev_esn;	/* -1: no proposal chosen */
} v1_esn_vecs[] = {
	{ "yes", "yes", 1 },
	{ "either", "yes", 1 },
	{ "yes", "either", 1 },
	{ "either", "either", 1 },
	{ "either", "no", 0 },
	{ "no", "either", 0 },
	{ "yes", "no", -1 },
	{ "no", "yes", -1 },
};

START_TEST(test_v1_esn)
{
	struct side_opts	 a = opt_a, b = opt_b;
	char			 ia[128], ib[128];
	struct tunnel_status	 sa, sb;

	snprintf(ia, sizeof(ia), "\t\tesn %s\n\t\treplay-window 2048\n",
	    v1_esn_vecs[_i].ev_a);
	snprintf(ib, sizeof(ib), "\t\tesn %s\n", v1_esn_vecs[_i].ev_b);
	a.so_ipsec = ia;
	b.so_ipsec = ib;
	pair_init(&a, &b);
	ike_ctx_timing_set(A.s_ike, 1000, 2, 10, 60);
	ike_start(A.s_ike);
	pump(150);
	sa = status(&A);
	sb = status(&B);
	if (v1_esn_vecs[_i].ev_esn == -1) {
		ck_assert_int_eq(sa.ts_nchild, 0);
		ck_assert_int_eq(mock_kernel_nsa(&A.s_kernel), 0);
		ck_assert_int_eq(mock_kernel_nsa(&B.s_kernel), 0);
		ck_assert_msg(strstr(sb.ts_last_error, "NO-PROPOSAL-CHOSEN") !=
		    NULL, "%s", sb.ts_last_error);
		ck_assert_msg(strstr(sa.ts_last_error, "NO-PROPOSAL-CHOSEN") !=
		    NULL, "%s", sa.ts_last_error);
		pair_free();
		return;
	}
	ck_assert_msg(sa.ts_nchild == 1, "a: %s; b: %s", sa.ts_last_error,
	    sb.ts_last_error);
	assert_connected(1, 16, 20);
	assert_sas_replay(&A.s_kernel, v1_esn_vecs[_i].ev_esn, 2048);
	assert_sas_replay(&B.s_kernel, v1_esn_vecs[_i].ev_esn, 32);
	ck_assert_str_eq(sa.ts_child[0].cs_algs, v1_esn_vecs[_i].ev_esn ?
	    "aes128/sha1/modp1024/esn" : "aes128/sha1/modp1024");
	ck_assert_str_eq(sb.ts_child[0].cs_algs, sa.ts_child[0].cs_algs);
	pair_free();
}
END_TEST

/*
 * An IPsec proposal list whose suites differ in ESN (RFC 4304: the
 * attribute is per transform), one PFS group: a lists
 * aes256-sha256-modp1024-esn, aes128-sha1-modp1024; b's order decides
 * and the SAs get the chosen suite's ESN; b wanting ESN with a's
 * noesn suite: NO-PROPOSAL-CHOSEN.
 */
static const struct {
	const char	*ev_b;
	int		 ev_esn;	/* -1: no proposal chosen */
	size_t		 ev_ekey, ev_akey;
	const char	*ev_algs;
} v1_list_esn_vecs[] = {
	{ "aes256-sha256-modp1024-esn, aes128-sha1-modp1024", 1, 32, 32,
	  "aes256/sha2-256/modp1024/esn" },
	{ "aes128-sha1-modp1024, aes256-sha256-modp1024-esn", 0, 16, 20,
	  "aes128/sha1/modp1024" },
	{ "aes128-sha1-modp1024-esn", -1, 0, 0, NULL },
};

START_TEST(test_v1_list_esn)
{
	struct side_opts	 a = opt_a, b = opt_b;
	char			 ib[128];
	struct tunnel_status	 sa, sb;

	a.so_ipsec = "\t\tproposals aes256-sha256-modp1024-esn, "
	    "aes128-sha1-modp1024\n\t\treplay-window 2048\n";
	snprintf(ib, sizeof(ib), "\t\tproposals %s\n",
	    v1_list_esn_vecs[_i].ev_b);
	b.so_ipsec = ib;
	pair_init(&a, &b);
	ike_ctx_timing_set(A.s_ike, 1000, 2, 10, 60);
	ike_start(A.s_ike);
	pump(150);
	sa = status(&A);
	sb = status(&B);
	if (v1_list_esn_vecs[_i].ev_esn == -1) {
		ck_assert_int_eq(sa.ts_nchild, 0);
		ck_assert_int_eq(mock_kernel_nsa(&A.s_kernel), 0);
		ck_assert_msg(strstr(sb.ts_last_error, "NO-PROPOSAL-CHOSEN") !=
		    NULL, "%s", sb.ts_last_error);
		pair_free();
		return;
	}
	ck_assert_msg(sa.ts_nchild == 1, "a: %s; b: %s", sa.ts_last_error,
	    sb.ts_last_error);
	assert_connected(1, v1_list_esn_vecs[_i].ev_ekey,
	    v1_list_esn_vecs[_i].ev_akey);
	assert_sas_replay(&A.s_kernel, v1_list_esn_vecs[_i].ev_esn, 2048);
	assert_sas_replay(&B.s_kernel, v1_list_esn_vecs[_i].ev_esn, 32);
	ck_assert_str_eq(sa.ts_child[0].cs_algs, v1_list_esn_vecs[_i].ev_algs);
	ck_assert_str_eq(sb.ts_child[0].cs_algs, sa.ts_child[0].cs_algs);
	pair_free();
}
END_TEST

/* Binary keys in SKEYID (RFC 2409 §5.4): every byte counts, NUL too. */
START_TEST(test_v1_binary_psk)
{
	struct side_opts	 a = opt_a, b = opt_b;

	a.so_psk = "0x4100ff0022";
	b.so_psk = "0sQQD/ACI=";
	pair_init(&a, &b);
	ike_start(A.s_ike);
	pump(80);
	assert_connected(1, 16, 20);
	pair_free();

	b.so_psk = "0x4100ff0023";
	pair_init(&a, &b);
	ike_ctx_timing_set(A.s_ike, 100, 5, 10, 60);
	ike_start(A.s_ike);
	pump(2000);
	ck_assert_str_eq(tunnel_state_name(status(&A).ts_state),
	    "Phase 1 failed");
	ck_assert_int_eq(A.s_kernel.mk_nsa + B.s_kernel.mk_nsa, 0);
	pair_free();
}
END_TEST

/*
 * Quick Modes interleaved: every batch of datagrams is delivered in
 * reverse order, so the two sides handle the exchanges in different
 * orders.  Each exchange has its own IV (RFC 2409 Appendix B): chaining
 * across exchanges, or advancing the phase 1 IV, breaks this.  Also:
 * a never has more than one of its Quick Modes waiting for message 2
 * (strongSwan forgets IVs with more, ike/ikev1_quick.c).
 */
static int	qm_out, qm_out_max;
static uint32_t	qm_ids[16];
static int	qm_nids;

/* Counts a's Quick Modes in flight as datagrams are delivered. */
static void
qm_track(int from_a, const uint8_t *pkt, size_t len)
{
	uint32_t	 id;
	int		 i;

	if (len < IKEV1_HDR_LEN || pkt[18] != IKEV1_EXCH_QUICK)
		return;
	memcpy(&id, pkt + 20, 4);
	for (i = 0; i < qm_nids; i++)
		if (qm_ids[i] == (from_a ? id : ~id))
			return;		/* already counted */
	ck_assert_int_lt(qm_nids, 16);
	qm_ids[qm_nids++] = from_a ? id : ~id;
	qm_out += from_a ? 1 : -1;
	if (qm_out > qm_out_max)
		qm_out_max = qm_out;
}

static int
deliver_reversed(struct side *from, struct side *to)
{
	struct mock_dgram	 d[MOCK_NET_QLEN];
	int			 n = 0, i;

	while (n < MOCK_NET_QLEN && mock_net_pop(&from->s_net, &d[n]) == 0)
		n++;
	for (i = n - 1; i >= 0; i--) {
		qm_track(from == &A, d[i].d_data, d[i].d_len);
		ike_recv(to->s_ike, d[i].d_data, d[i].d_len, &d[i].d_dst,
		    &d[i].d_src);
		free(d[i].d_data);
	}
	return (n);
}

START_TEST(test_v1_quick_interleaved)
{
	struct side_opts	 a = { .so_version = 1,
	    .so_local = { "172.16.0.0/24", "172.16.1.0/24" },
	    .so_remote = { "10.0.0.0/12", "10.32.0.0/16" }, .so_initiate = 1 };
	struct side_opts	 b = { .so_version = 1,
	    .so_local = { "10.0.0.0/12", "10.32.0.0/16" },
	    .so_remote = { "172.16.0.0/24", "172.16.1.0/24" } };
	struct ike_counters	 c;
	int			 round;

	qm_out = qm_out_max = qm_nids = 0;
	pair_init(&a, &b);
	/* slow retransmissions: any retransmission here is a rejection */
	ike_ctx_timing_set(A.s_ike, 5000, 5, 10, 60);
	ike_ctx_timing_set(B.s_ike, 5000, 5, 10, 60);
	ike_start(A.s_ike);
	for (round = 0; round < 200; round++) {
		deliver_reversed(&A, &B);
		deliver_reversed(&B, &A);
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(500);
	}
	assert_connected(4, 16, 20);
	/* four Quick Modes, none retransmitted or rejected */
	ck_assert_int_eq(qm_nids, 8);
	ck_assert_int_eq(qm_out_max, 1);
	ike_counters_get(A.s_ike, &c);
	ck_assert_uint_eq(c.ic_retransmits + c.ic_malformed + c.ic_bad_icv, 0);
	ike_counters_get(B.s_ike, &c);
	ck_assert_uint_eq(c.ic_retransmits + c.ic_malformed + c.ic_bad_icv, 0);
	pair_free();
}
END_TEST

/*
 * Instead of message 6, a gets (as from a peer with another PSK, or a
 * forger who saw the cookies, or strongSwan's informational on the SA
 * it just established, whose IV follows message 6) an encrypted message
 * 6 that does not decrypt, an encrypted informational it cannot decrypt,
 * or an unprotected notify, while b's real message 6 is lost on the way
 * (mm6_cases).  None is authenticated: the attempt goes on, and b's
 * message 6, resent for a's retransmitted message 5, establishes the SA
 * (a wait of 2 retransmission delays from an informational lost a
 * strongSwan re-authentication in the v1-gw-swan soak).
 * Without a valid one in time the attempt fails: test_v1_wrong_psk.
 */
static uint8_t	mm5_hdr[IKEV1_HDR_LEN];
static int	mm5_seen;
static int	mm6_drops;

static enum mock_verdict
mm5_grab_cb(void *arg, const uint8_t *pkt, size_t len)
{
	if (len >= IKEV1_HDR_LEN && pkt[18] == IKEV1_EXCH_MAIN &&
	    (pkt[19] & IKEV1_FLAG_ENC)) {
		memcpy(mm5_hdr, pkt, IKEV1_HDR_LEN);
		mm5_seen = 1;
	}
	return (MOCK_PASS);
}

/* Drops b's message 6 mm6_drops times. */
static enum mock_verdict
mm6_drop_cb(void *arg, const uint8_t *pkt, size_t len)
{
	if (len >= IKEV1_HDR_LEN && pkt[18] == IKEV1_EXCH_MAIN &&
	    (pkt[19] & IKEV1_FLAG_ENC) && mm6_drops > 0) {
		mm6_drops--;
		return (MOCK_DROP);
	}
	return (MOCK_PASS);
}

struct mm6_case {
	uint8_t		 mc_exch;
	uint8_t		 mc_flags;
	uint8_t		 mc_next;
	uint32_t	 mc_msgid;
	int		 mc_drops;	/* b's message 6 lost so often */
};

/* A message 6 that does not verify or a notify in the clear says that
 * the keys differ: the wait is 2 retransmission delays, and the real
 * message 6 must come within it.  An informational that does not
 * decrypt may be the peer's first one on the SA (the one case of
 * longer loss). */
static const struct mm6_case mm6_cases[] = {
	{ IKEV1_EXCH_MAIN, IKEV1_FLAG_ENC, IKEV1_PLD_ID, 0, 2 },
	{ IKEV1_EXCH_INFORMATIONAL, IKEV1_FLAG_ENC, IKEV1_PLD_HASH,
	  0x01020304, 4 },
	{ IKEV1_EXCH_INFORMATIONAL, 0, IKEV1_PLD_N, 0x01020304, 2 },
};

START_TEST(test_v1_bad_message6)
{
	const struct mm6_case	*mc = &mm6_cases[_i];
	struct sockaddr_in	 l = { .sin_family = AF_INET }, r = l;
	struct tunnel_status	 sa;
	uint8_t			 pkt[IKEV1_HDR_LEN + 32];
	size_t			 len = sizeof(pkt);
	int			 k;

	mm5_seen = 0;
	mm6_drops = mc->mc_drops;
	pair_init(&opt_a, &opt_b);
	ike_ctx_timing_set(A.s_ike, 100, 5, 10, 60);
	A.s_net.mn_filter = mm5_grab_cb;
	B.s_net.mn_filter = mm6_drop_cb;
	ike_start(A.s_ike);
	pump(150);
	ck_assert(mm5_seen);
	ck_assert_str_eq(tunnel_state_name(status(&A).ts_state),
	    "Connecting");
	memset(pkt, 0, sizeof(pkt));
	memcpy(pkt, mm5_hdr, IKEV1_HDR_LEN);
	pkt[16] = mc->mc_next;
	pkt[18] = mc->mc_exch;
	pkt[19] = mc->mc_flags;
	pkt[20] = mc->mc_msgid >> 24;
	pkt[21] = mc->mc_msgid >> 16;
	pkt[22] = mc->mc_msgid >> 8;
	pkt[23] = mc->mc_msgid;
	if (mc->mc_flags & IKEV1_FLAG_ENC) {
		for (k = IKEV1_HDR_LEN; k < (int)len; k++)
			pkt[k] = (uint8_t)(k * 37 + 11);
	} else {
		/* N(AUTHENTICATION-FAILED), ISAKMP, SPI = the cookies */
		len = IKEV1_HDR_LEN + 12 + 16;
		pkt[IKEV1_HDR_LEN + 3] = 12 + 16;
		pkt[IKEV1_HDR_LEN + 7] = 1;		/* DOI IPsec */
		pkt[IKEV1_HDR_LEN + 8] = IKEV1_PROTO_ISAKMP;
		pkt[IKEV1_HDR_LEN + 9] = 16;
		pkt[IKEV1_HDR_LEN + 11] = IKEV1_N_AUTHENTICATION_FAILED;
		memcpy(pkt + IKEV1_HDR_LEN + 12, mm5_hdr, 16);
	}
	pkt[24] = (uint8_t)(len >> 24);
	pkt[25] = (uint8_t)(len >> 16);
	pkt[26] = (uint8_t)(len >> 8);
	pkt[27] = (uint8_t)len;
	l.sin_addr.s_addr = inet_addr(ADDR_A);
	r.sin_addr.s_addr = inet_addr(ADDR_B);
	l.sin_port = r.sin_port = htons(500);
	ike_recv(A.s_ike, pkt, len, &l, &r);
	/* unauthenticated: the exchange goes on */
	sa = status(&A);
	ck_assert_str_eq(tunnel_state_name(sa.ts_state), "Connecting");
	ck_assert_uint_eq(sa.ts_failures, 0);
	/* b's message 6 for a's message 5 and its first retransmission
	 * were lost; (informational) the answers to retransmissions 2 and
	 * 3, at 300 and 700 ms, are lost too and the next one (1500 ms)
	 * gets in, (else) the answer to retransmission 2 gets in */
	ck_assert_int_eq(mm6_drops, mc->mc_drops - 2);
	pump(2000);
	ck_assert_int_eq(mm6_drops, 0);
	assert_connected(1, 16, 20);
	ck_assert_uint_eq(status(&A).ts_failures, 0);
	pair_free();
}
END_TEST

/* a's first message 5, held back (mm5_hold_cb) */
static uint8_t	mm5_held[1024];
static size_t	mm5_held_len;

static enum mock_verdict
mm5_hold_cb(void *arg, const uint8_t *pkt, size_t len)
{
	if (mm5_held_len == 0 && len >= IKEV1_HDR_LEN &&
	    len <= sizeof(mm5_held) && pkt[18] == IKEV1_EXCH_MAIN &&
	    (pkt[19] & IKEV1_FLAG_ENC)) {
		memcpy(mm5_held, pkt, len);
		mm5_held_len = len;
		return (MOCK_DROP);
	}
	return (MOCK_PASS);
}

/*
 * The responder's side of test_v1_bad_message6: b gets a message 5 with
 * the right cookies that does not decrypt (anyone who saw messages 1-4
 * can send it), then a's real one.  The first is not authenticated: b
 * waits for a valid one, sends no AUTHENTICATION-FAILED and counts no
 * failure, and the real message 5 establishes the SA.
 */
START_TEST(test_v1_bad_message5)
{
	struct sockaddr_in	 l = { .sin_family = AF_INET }, r = l;
	struct tunnel_status	 sb;
	uint8_t			 bad[1024];
	uint64_t		 sent;
	size_t			 k;

	mm5_held_len = 0;
	pair_init(&opt_a, &opt_b);
	A.s_net.mn_filter = mm5_hold_cb;
	ike_start(A.s_ike);
	pump(40);
	ck_assert_uint_ne(mm5_held_len, 0);
	A.s_net.mn_filter = NULL;
	memcpy(bad, mm5_held, mm5_held_len);
	for (k = IKEV1_HDR_LEN; k < mm5_held_len; k++)
		bad[k] ^= 0x5a;
	l.sin_addr.s_addr = inet_addr(ADDR_B);
	r.sin_addr.s_addr = inet_addr(ADDR_A);
	l.sin_port = r.sin_port = htons(500);
	sent = B.s_net.mn_sent;
	ike_recv(B.s_ike, bad, mm5_held_len, &l, &r);
	/* not authenticated: no answer, no failure, b waits */
	ck_assert_uint_eq(B.s_net.mn_sent, sent);
	sb = status(&B);
	ck_assert_uint_eq(sb.ts_failures, 0);
	ck_assert_str_eq(sb.ts_last_error, "");
	ike_recv(B.s_ike, mm5_held, mm5_held_len, &l, &r);
	pump(100);
	assert_connected(1, 16, 20);
	ck_assert_uint_eq(status(&A).ts_failures, 0);
	ck_assert_uint_eq(status(&B).ts_failures, 0);
	pair_free();
}
END_TEST

START_TEST(test_v1_segments_mismatch)
{
	struct side_opts	 b = { .so_version = 1,
	    .so_local = { "192.168.0.0/24" },
	    .so_remote = { "172.16.0.0/24" } };
	struct tunnel_status	 sa, sb;

	pair_init(&opt_a, &b);
	ike_start(A.s_ike);
	pump(400);
	sa = status(&A);
	sb = status(&B);
	ck_assert_str_eq(tunnel_state_name(sa.ts_state), "Phase 2 failed");
	ck_assert_str_eq(tunnel_state_name(sb.ts_state), "Phase 2 failed");
	ck_assert_msg(strstr(sa.ts_last_error, "INVALID-ID-INFORMATION") !=
	    NULL, "%s", sa.ts_last_error);
	ck_assert_msg(strstr(sb.ts_last_error, "INVALID-ID-INFORMATION") !=
	    NULL, "%s", sb.ts_last_error);
	ck_assert_int_eq(A.s_kernel.mk_nsa + B.s_kernel.mk_nsa, 0);
	ck_assert_int_eq(mock_kernel_nlarval(&A.s_kernel), 0);
	pair_free();
}
END_TEST

/* Drops the n-th datagram of an exchange type and flag E. */
struct filt {
	uint8_t		 f_exch;
	int		 f_skip;	/* let this many pass first */
	int		 f_count;	/* then drop this many */
	int		 f_seen;
};

static enum mock_verdict
filt_cb(void *arg, const uint8_t *pkt, size_t len)
{
	struct filt	*f = arg;

	if (len < IKEV1_HDR_LEN || pkt[18] != f->f_exch)
		return (MOCK_PASS);
	f->f_seen++;
	if (f->f_seen > f->f_skip && f->f_seen <= f->f_skip + f->f_count)
		return (MOCK_DROP);
	return (MOCK_PASS);
}

/*
 * MM message 6 lost: a retransmits message 5, b answers from its cache
 * (b's state does not change); then QM message 2 lost likewise.
 */
START_TEST(test_v1_retransmit_cached)
{
	struct filt		 fb = { IKEV1_EXCH_MAIN, 2, 1, 0 };
	struct filt		 fq = { IKEV1_EXCH_QUICK, 0, 1, 0 };
	struct ike_counters	 c;

	pair_init(&opt_a, &opt_b);
	B.s_net.mn_filter = filt_cb;
	B.s_net.mn_filter_arg = &fb;
	ike_start(A.s_ike);
	pump(30);
	ck_assert_int_eq(B.s_net.mn_dropped, 1);
	B.s_net.mn_filter_arg = &fq;
	pump(300);
	ck_assert_int_eq(B.s_net.mn_dropped, 2);
	assert_connected(1, 16, 20);
	ike_counters_get(A.s_ike, &c);
	ck_assert_uint_ge(c.ic_retransmits, 2);
	ike_counters_get(B.s_ike, &c);
	ck_assert_uint_ge(c.ic_dropped, 2);	/* duplicates answered */
	pair_free();
}
END_TEST

/* Our own message 1 unanswered: 5 retransmissions then failure. */
START_TEST(test_v1_retransmit_timeout)
{
	struct filt		 f = { IKEV1_EXCH_MAIN, 0, 100, 0 };
	struct ike_counters	 c;

	pair_init(&opt_a, &opt_b);
	A.s_net.mn_filter = filt_cb;
	A.s_net.mn_filter_arg = &f;
	ike_start(A.s_ike);
	pump(40 * 63 + 200);
	ike_counters_get(A.s_ike, &c);
	ck_assert_uint_ge(c.ic_retransmits, 5);
	ck_assert_ptr_nonnull(strstr(status(&A).ts_last_error,
	    "no answer to message 1"));
	pair_free();
}
END_TEST

START_TEST(test_v1_delete)
{
	pair_init(&opt_a, &opt_b);
	ike_start(A.s_ike);
	pump(80);
	assert_connected(1, 16, 20);
	ck_assert_int_eq(ike_tunnel_down(A.s_ike, "t1"), 0);
	pump(30);
	ck_assert_str_eq(tunnel_state_name(status(&A).ts_state), "Down");
	ck_assert_int_eq(mock_kernel_nsa(&A.s_kernel), 0);
	/* b removed its SAs on the authenticated DELETEs */
	ck_assert_int_eq(mock_kernel_nsa(&B.s_kernel), 0);
	ck_assert_int_eq(B.s_kernel.mk_npol, 0);
	ck_assert_str_ne(tunnel_state_name(status(&B).ts_state), "Connected");
	pair_free();
}
END_TEST

static int	dpd_seen;

static enum mock_verdict
dpd_cb(void *arg, const uint8_t *pkt, size_t len)
{
	if (len >= IKEV1_HDR_LEN && pkt[18] == IKEV1_EXCH_INFORMATIONAL)
		dpd_seen++;
	return (MOCK_PASS);
}

/* R-U-THERE after idle, answered with R-U-THERE-ACK: still up. */
START_TEST(test_v1_dpd_answered)
{
	pair_init(&opt_a, &opt_b);
	ike_ctx_dpd_set(A.s_ike, 60, 100);
	ike_start(A.s_ike);
	pump(50);
	assert_connected(1, 16, 20);
	dpd_seen = 0;
	A.s_net.mn_filter = dpd_cb;
	B.s_net.mn_filter = dpd_cb;
	pump(400);
	ck_assert_int_ge(dpd_seen, 4);	/* R-U-THERE and ACKs */
	assert_connected(1, 16, 20);
	pair_free();
}
END_TEST

/* Peer silent: DPD declares it dead and removes the SAs. */
START_TEST(test_v1_dpd_dead)
{
	struct filt		 f = { IKEV1_EXCH_INFORMATIONAL, 0, 1000, 0 };
	struct tunnel_status	 before, after;

	pair_init(&opt_a, &opt_b);
	ike_ctx_dpd_set(A.s_ike, 50, 80);
	ike_start(A.s_ike);
	pump(45);
	assert_connected(1, 16, 20);
	before = status(&A);
	B.s_net.mn_filter = filt_cb;
	B.s_net.mn_filter_arg = &f;
	ike_tunnel_down(B.s_ike, "t1");		/* its DELETEs are lost */
	ck_assert_int_eq(mock_kernel_nsa(&B.s_kernel), 0);
	pump(250);
	/* a dropped the dead SA and negotiated a new one (b answers) */
	after = status(&A);
	ck_assert(memcmp(before.ts_spi_i, after.ts_spi_i, 8) != 0);
	ck_assert(mock_kernel_sa(&A.s_kernel, before.ts_child[0].cs_spi_in) ==
	    NULL);
	pair_free();
}
END_TEST


/*
 * RFC 3706: the first R-U-THERE-ACK is lost; a resends R-U-THERE (a new
 * sequence number) within the timeout, the ACK comes: the same ISAKMP SA
 * stays up.
 */
START_TEST(test_v1_dpd_ack_lost)
{
	struct filt		 f = { IKEV1_EXCH_INFORMATIONAL, 0, 1, 0 };
	struct tunnel_status	 before, after;

	pair_init(&opt_a, &opt_b);
	ike_ctx_dpd_set(A.s_ike, 60, 150);
	ike_start(A.s_ike);
	pump(50);
	assert_connected(1, 16, 20);
	before = status(&A);
	B.s_net.mn_filter = filt_cb;
	B.s_net.mn_filter_arg = &f;
	pump(400);
	ck_assert_int_ge(f.f_seen, 2);	/* one ACK lost, later ones not */
	assert_connected(1, 16, 20);
	after = status(&A);
	ck_assert_mem_eq(after.ts_spi_i, before.ts_spi_i, 8);
	ck_assert_uint_eq(after.ts_child[0].cs_spi_in,
	    before.ts_child[0].cs_spi_in);
	pair_free();
}
END_TEST

static int	v1_nsa(const struct side *);

static enum mock_verdict
drop_all_cb(void *arg, const uint8_t *pkt, size_t len)
{
	(void)arg;
	(void)pkt;
	(void)len;
	return (MOCK_DROP);
}

/*
 * a vanishes without a word; b, the tunnel's responder, probes by itself
 * and declares a dead within delay + timeout: its SAs go.
 */
START_TEST(test_v1_dpd_dead_responder)
{
	pair_init(&opt_a, &opt_b);
	ike_ctx_dpd_set(A.s_ike, 0, 0);	/* a never probes */
	ike_ctx_dpd_set(B.s_ike, 50, 80);
	ike_start(A.s_ike);
	pump(45);
	assert_connected(1, 16, 20);
	A.s_net.mn_filter = drop_all_cb;
	pump(200);
	ck_assert_int_eq(v1_nsa(&B), 0);
	ck_assert_int_eq(mock_kernel_nsa(&B.s_kernel), 0);
	ck_assert_str_ne(tunnel_state_name(status(&B).ts_state), "Connected");
	pair_free();
}
END_TEST

/* ESP from the peer proves it alive: no R-U-THERE while it flows. */
START_TEST(test_v1_dpd_quiet_with_esp)
{
	pair_init(&opt_a, &opt_b);
	ike_ctx_dpd_set(A.s_ike, 50, 80);
	ike_start(A.s_ike);
	pump(45);
	assert_connected(1, 16, 20);
	A.s_kernel.mk_stats_step = 100;	/* inbound bytes at every look */
	dpd_seen = 0;
	A.s_net.mn_filter = dpd_cb;
	pump(300);
	/* idle, that would be 5 probes and ACKs; one probe (and its ACK)
	 * sent before the ESP came may still pass on a loaded host */
	ck_assert_int_le(dpd_seen, 2);
	A.s_kernel.mk_stats_step = 0;	/* idle now: probes follow */
	pump(200);
	ck_assert_int_ge(dpd_seen, 1);
	assert_connected(1, 16, 20);
	pair_free();
}
END_TEST

/* b's IPsec lifetime is shorter: RESPONDER-LIFETIME, both use it. */
START_TEST(test_v1_responder_lifetime)
{
	struct side_opts	 b = opt_b;
	struct tunnel_status	 sa;
	const struct mock_sa	*x;

	b.so_ipsec = "\t\tlifetime 3600\n";
	pair_init(&opt_a, &b);
	ike_start(A.s_ike);
	pump(80);
	assert_connected(1, 16, 20);
	sa = status(&A);
	x = mock_kernel_sa(&A.s_kernel, sa.ts_child[0].cs_spi_out);
	ck_assert_uint_eq(x->m_sa.ks_lifetime, 3600);
	x = mock_kernel_sa(&B.s_kernel, sa.ts_child[0].cs_spi_out);
	ck_assert_uint_eq(x->m_sa.ks_lifetime, 3600);
	pair_free();
}
END_TEST

/*
 * Life type kilobytes in Quick Mode (RFC 2407 §4.5): a proposes its
 * lifetime-bytes as kilobytes (a Cisco peer: 4608000 KB by default), b
 * accepts it; the lower of both sides' limits (b's through its answer
 * and RESPONDER-LIFETIME) reaches all four kernel SAs of both sides.
 * lifetime-packets is never negotiated: local only.
 */
static const struct {
	const char	*a, *b;		/* ipsec lines */
	uint64_t	 bytes;		/* expected hard byte limit */
	uint64_t	 pkts_a, pkts_b;	/* expected packet limits */
} kb_cases[] = {
	/* a proposes 4608000 KB, b has no limit: b takes a's */
	{ "\t\tlifetime-bytes 4718592000\n", "", 4718592000ULL, 0, 0 },
	/* b's lower limit wins, a proposed none: RESPONDER-LIFETIME */
	{ "", "\t\tlifetime-bytes 2097152\n", 2097152, 0, 0 },
	/* both: the lower (b's) */
	{ "\t\tlifetime-bytes 4718592000\n", "\t\tlifetime-bytes 2097152\n",
	    2097152, 0, 0 },
	/* both: the lower (a's) */
	{ "\t\tlifetime-bytes 2097152\n", "\t\tlifetime-bytes 4718592000\n",
	    2097152, 0, 0 },
	/* whole kilobytes on the wire: 3000000 bytes are 2929 KB */
	{ "\t\tlifetime-bytes 3000000\n", "", 2999296, 0, 0 },
	/* an 8-byte duration: 2^33 KB */
	{ "\t\tlifetime-bytes 8796093022208\n", "", 8796093022208ULL, 0, 0 },
	/* packets: each side its own */
	{ "\t\tlifetime-packets 5000\n", "\t\tlifetime-packets 7000\n", 0,
	    5000, 7000 },
	{ "\t\tlifetime-packets 5000\n\t\tlifetime-bytes 4718592000\n", "",
	    4718592000ULL, 5000, 0 },
};

static void
assert_volume(struct side *x, const struct tunnel_status *st,
    uint64_t bytes, uint64_t pkts, unsigned lo, unsigned hi)
{
	const struct mock_sa	*m;
	int			 dir;

	ck_assert_uint_eq(st->ts_child[0].cs_life_bytes, bytes);
	ck_assert_uint_eq(st->ts_child[0].cs_life_packets, pkts);
	for (dir = 0; dir < 2; dir++) {
		m = mock_kernel_sa(&x->s_kernel, dir ?
		    st->ts_child[0].cs_spi_in : st->ts_child[0].cs_spi_out);
		ck_assert_ptr_nonnull(m);
		ck_assert_uint_eq(m->m_sa.ks_bytes_hard, bytes);
		ck_assert_uint_eq(m->m_sa.ks_packets_hard, pkts);
		/* soft: drawn below hard, as the time rekey is */
		ck_assert_uint_ge(m->m_sa.ks_bytes_soft, bytes / 100 * lo);
		ck_assert_uint_le(m->m_sa.ks_bytes_soft, bytes / 100 * hi +
		    bytes % 100);
		ck_assert_uint_ge(m->m_sa.ks_packets_soft, pkts / 100 * lo);
		ck_assert_uint_le(m->m_sa.ks_packets_soft, pkts / 100 * hi +
		    pkts % 100);
		/* a soft time expiry would silence the volume one */
		ck_assert_int_eq(m->m_sa.ks_no_soft_time, bytes != 0 ||
		    pkts != 0);
		if (bytes != 0)
			ck_assert_uint_lt(m->m_sa.ks_bytes_soft, bytes);
		if (pkts != 0)
			ck_assert_uint_lt(m->m_sa.ks_packets_soft, pkts);
	}
}

START_TEST(test_v1_kbytes_lifetime)
{
	struct side_opts	 a = opt_a, b = opt_b;
	struct tunnel_status	 sa, sb;

	a.so_ipsec = kb_cases[_i].a;
	b.so_ipsec = kb_cases[_i].b;
	pair_init(&a, &b);
	ike_start(A.s_ike);
	pump(80);
	assert_connected(1, 16, 20);
	sa = status(&A);
	sb = status(&B);
	/* a made the SA: soft at 85-90%; b at 95-97% */
	assert_volume(&A, &sa, kb_cases[_i].bytes, kb_cases[_i].pkts_a, 85,
	    90);
	assert_volume(&B, &sb, kb_cases[_i].bytes, kb_cases[_i].pkts_b, 95,
	    97);
	pair_free();
}
END_TEST

/*
 * The kernel's soft expiry of a byte limit (XFRM_MSG_EXPIRE) on a (the
 * SA's creator, _i 0) or b (_i 1) starts a Quick Mode rekey at once
 * (IKEv1's own timers count time only): new SPIs on both sides, with the
 * same limits, the old SAs gone, the ISAKMP SA kept.  A soft expiry of
 * time changes nothing before the timers say so.
 */
START_TEST(test_v1_soft_volume_rekey)
{
	struct side_opts	 a = opt_a, b = opt_b;
	struct side		*x = _i == 0 ? &A : &B;
	struct tunnel_status	 before, after;

	a.so_ipsec = "\t\tlifetime-bytes 4718592000\n";
	b.so_ipsec = "\t\tlifetime-bytes 4718592000\n";
	pair_init(&a, &b);
	ike_start(A.s_ike);
	pump(80);
	assert_connected(1, 16, 20);
	before = status(x);
	/* time: IKEv1 leaves it to its timers (days away) */
	ck_assert_int_eq(mock_kernel_expire(&x->s_kernel,
	    before.ts_child[0].cs_spi_in, 0), 0);
	pump(120);
	after = status(x);
	ck_assert_uint_eq(after.ts_child[0].cs_spi_in,
	    before.ts_child[0].cs_spi_in);
	/* volume: rekeyed */
	ck_assert_int_eq(mock_kernel_expire_volume(&x->s_kernel,
	    before.ts_child[0].cs_spi_out, 0), 0);
	pump(400);
	assert_connected(1, 16, 20);
	after = status(x);
	ck_assert_mem_eq(after.ts_spi_i, before.ts_spi_i, 8);
	ck_assert_uint_ne(after.ts_child[0].cs_spi_in,
	    before.ts_child[0].cs_spi_in);
	ck_assert_uint_ne(after.ts_child[0].cs_spi_out,
	    before.ts_child[0].cs_spi_out);
	ck_assert_ptr_null(mock_kernel_sa(&A.s_kernel,
	    before.ts_child[0].cs_spi_in));
	ck_assert_ptr_null(mock_kernel_sa(&B.s_kernel,
	    before.ts_child[0].cs_spi_out));
	ck_assert_uint_eq(after.ts_child[0].cs_life_bytes, 4718592000ULL);
	ck_assert_uint_eq(mock_kernel_sa(&x->s_kernel,
	    after.ts_child[0].cs_spi_in)->m_sa.ks_bytes_hard, 4718592000ULL);
	ck_assert_int_eq(A.s_kernel.mk_errors + B.s_kernel.mk_errors, 0);
	pair_free();
}
END_TEST

/*
 * A hard byte limit reached without a successor: the kernel removed the
 * SA; the IPsec SA goes and its segment pair is set up again.
 */
START_TEST(test_v1_hard_volume_expire)
{
	struct side_opts	 a = opt_a;
	struct tunnel_status	 before, after;

	a.so_ipsec = "\t\tlifetime-bytes 2097152\n";
	pair_init(&a, &opt_b);
	ike_start(A.s_ike);
	pump(80);
	assert_connected(1, 16, 20);
	before = status(&B);
	ck_assert_int_eq(mock_kernel_expire_volume(&B.s_kernel,
	    before.ts_child[0].cs_spi_in, 1), 0);
	pump(200);
	assert_connected(1, 16, 20);
	after = status(&B);
	ck_assert_uint_ne(after.ts_child[0].cs_spi_in,
	    before.ts_child[0].cs_spi_in);
	ck_assert_ptr_null(mock_kernel_sa(&B.s_kernel,
	    before.ts_child[0].cs_spi_out));
	ck_assert_uint_eq(after.ts_child[0].cs_life_bytes, 2097152);
	pair_free();
}
END_TEST

START_TEST(test_v1_malformed_counted)
{
	struct sockaddr_in	 l = { .sin_family = AF_INET }, r = l;
	struct ike_counters	 c;
	uint8_t			 pkt[64];

	pair_init(&opt_a, &opt_b);
	l.sin_addr.s_addr = inet_addr(ADDR_B);
	r.sin_addr.s_addr = inet_addr(ADDR_A);
	l.sin_port = r.sin_port = htons(500);
	/* a version 1 header whose length field lies */
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 1;
	pkt[16] = IKEV1_PLD_SA;
	pkt[17] = IKEV1_VERSION;
	pkt[18] = IKEV1_EXCH_MAIN;
	pkt[27] = 200;
	ike_recv(B.s_ike, pkt, sizeof(pkt), &l, &r);
	/* right length, SA payload truncated */
	pkt[27] = sizeof(pkt);
	pkt[30] = 0;
	pkt[31] = 200;
	ike_recv(B.s_ike, pkt, sizeof(pkt), &l, &r);
	ike_counters_get(B.s_ike, &c);
	ck_assert_uint_eq(c.ic_malformed, 2);
	/* unknown cookies, Quick Mode */
	pkt[16] = IKEV1_PLD_HASH;
	pkt[18] = IKEV1_EXCH_QUICK;
	pkt[19] = IKEV1_FLAG_ENC;
	pkt[8] = 7;
	pkt[23] = 1;
	ike_recv(B.s_ike, pkt, sizeof(pkt), &l, &r);
	ike_counters_get(B.s_ike, &c);
	ck_assert_uint_eq(c.ic_unknown_spi, 1);
	/* the real exchange still works */
	ike_start(A.s_ike);
	pump(80);
	assert_connected(1, 16, 20);
	pair_free();
}
END_TEST

/* --- rekeying (ikev1_rekey.c) --- */

/* ISAKMP SAs of a side that are not dead. */
static int
v1_nsa(const struct side *s)
{
	const struct isakmp_sa	*sa;
	int			 n = 0;

	if (s->s_ike->ctx_v1 == NULL)
		return (0);
	ISAKMP_SA_FOREACH(sa, s->s_ike)
		if (sa->is_state != ISAKMP_DEAD)
			n++;
	return (n);
}

/* ISAKMP SAs established and not replaced. */
static int
v1_nlive(const struct side *s)
{
	const struct isakmp_sa	*sa;
	int			 n = 0;

	ISAKMP_SA_FOREACH(sa, s->s_ike)
		if (sa->is_state == ISAKMP_ESTABLISHED && !sa->is_replaced)
			n++;
	return (n);
}

/*
 * a and b with the default tunnel, the old ISAKMP SA deleted reauth_ms
 * after a re-authentication (0: the default), set up by a; a's status.
 */
static struct tunnel_status
v1_up(unsigned reauth_ms)
{
	pair_init(&opt_a, &opt_b);
	if (reauth_ms != 0) {
		ikev1_reauth_delete_set(A.s_ike, reauth_ms);
		ikev1_reauth_delete_set(B.s_ike, reauth_ms);
	}
	ike_start(A.s_ike);
	pump(80);
	assert_connected(1, 16, 20);
	return (status(&A));
}

/* Rekeys t1's IPsec SA from x; asserts the new SPIs; returns a's status. */
static struct tunnel_status
child_rekeyed(struct side *x, const struct tunnel_status *before)
{
	struct tunnel_status	 after;

	ck_assert_int_eq(ike_tunnel_rekey(x->s_ike, "t1"), 0);
	pump(80);
	assert_connected(1, 16, 20);
	after = status(&A);
	ck_assert_uint_ne(after.ts_child[0].cs_spi_in,
	    before->ts_child[0].cs_spi_in);
	ck_assert_uint_ne(after.ts_child[0].cs_spi_out,
	    before->ts_child[0].cs_spi_out);
	return (after);
}

/*
 * gatewayctl rekey t1 (child), by a (ISAKMP initiator) or b: a new Quick
 * Mode with the same selectors; the rekeyer deletes the old SA, the
 * other side removes it on that DELETE; the policies stay.
 */
START_TEST(test_v1_rekey_child)
{
	struct side		*x = _i == 0 ? &A : &B;
	struct tunnel_status	 before, after;

	pair_init(&opt_a, &opt_b);
	ike_start(A.s_ike);
	pump(80);
	assert_connected(1, 16, 20);
	before = status(&A);
	after = child_rekeyed(x, &before);
	ck_assert_ptr_null(mock_kernel_sa(&A.s_kernel,
	    before.ts_child[0].cs_spi_in));
	ck_assert_ptr_null(mock_kernel_sa(&B.s_kernel,
	    before.ts_child[0].cs_spi_out));
	/* same ISAKMP SA, policies in place on both sides */
	ck_assert_mem_eq(after.ts_spi_i, before.ts_spi_i, 8);
	ck_assert_ptr_nonnull(mock_kernel_policy(&A.s_kernel, KDIR_OUT,
	    "172.16.0.0/24", "10.0.0.0/12"));
	ck_assert_ptr_nonnull(mock_kernel_policy(&B.s_kernel, KDIR_OUT,
	    "10.0.0.0/12", "172.16.0.0/24"));
	ck_assert_int_eq(A.s_kernel.mk_errors + B.s_kernel.mk_errors, 0);
	/* and again: the successor can be rekeyed too */
	child_rekeyed(x, &after);
	pair_free();
}
END_TEST


/*
 * a rekeys the IPsec SA and its Quick Mode message 3 (HASH(3)) is lost,
 * while its DELETE of the old SA arrives: b installs the new SAs on that
 * DELETE (a had b's answer) instead of standing without any SA until it
 * resends message 2.  b stays Connected throughout.
 */
START_TEST(test_v1_rekey_hash3_lost)
{
	struct filt		 f = { IKEV1_EXCH_QUICK, 1, 1, 0 };
	struct tunnel_status	 before, after;
	int			 ms;

	pair_init(&opt_a, &opt_b);
	ike_start(A.s_ike);
	pump(80);
	assert_connected(1, 16, 20);
	before = status(&A);
	A.s_net.mn_filter = filt_cb;
	A.s_net.mn_filter_arg = &f;
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	for (ms = 0; ms < 30; ms += 2) {
		pump(2);
		ck_assert_str_eq(tunnel_state_name(status(&B).ts_state),
		    "Connected");
	}
	ck_assert_int_ge(f.f_seen, 2);		/* message 3 went (lost) */
	assert_connected(1, 16, 20);
	after = status(&A);
	ck_assert_uint_ne(after.ts_child[0].cs_spi_in,
	    before.ts_child[0].cs_spi_in);
	ck_assert_int_eq(A.s_kernel.mk_errors + B.s_kernel.mk_errors, 0);
	pair_free();
}
END_TEST

/*
 * a rekeys the IPsec SA and b's message 2 is lost; before a sends its
 * message 1 again, the old SA reaches its hard lifetime on a, which
 * deletes it at b.  b takes that DELETE for the sign that a's HASH(3) was
 * lost and installs its new SAs; a's message 1 again must get b's
 * message 2 again, and a completes the same Quick Mode (the v1-gw-gw
 * soak: b dropped it as a message of a finished exchange, and a stood
 * without an SA for 18 s, until b's own rekey).
 */
START_TEST(test_v1_rekey_msg2_lost_old_deleted)
{
	struct filt		 f = { IKEV1_EXCH_QUICK, 0, 1, 0 };
	struct tunnel_status	 before, a1, b1;
	int			 ms;

	pair_init(&opt_a, &opt_b);
	ike_start(A.s_ike);
	pump(80);
	assert_connected(1, 16, 20);
	before = status(&A);
	B.s_net.mn_filter = filt_cb;		/* b's first Quick message */
	B.s_net.mn_filter_arg = &f;
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	for (ms = 0; ms < 20 && f.f_seen == 0; ms++)
		pump(1);
	ck_assert_int_eq(f.f_seen, 1);		/* message 2 went (lost) */
	ck_assert_int_eq(mock_kernel_expire(&A.s_kernel,
	    before.ts_child[0].cs_spi_in, 1), 0);
	pump(200);
	a1 = status(&A);
	b1 = status(&B);
	ck_assert_str_eq(tunnel_state_name(a1.ts_state), "Connected");
	ck_assert_int_eq(a1.ts_nchild, 1);
	ck_assert_int_eq(b1.ts_nchild, 1);
	ck_assert_uint_ne(a1.ts_child[0].cs_spi_in,
	    before.ts_child[0].cs_spi_in);
	/* the one Quick Mode: b's SAs of it are a's */
	ck_assert_uint_eq(a1.ts_child[0].cs_spi_out,
	    b1.ts_child[0].cs_spi_in);
	ck_assert_uint_eq(a1.ts_child[0].cs_spi_in,
	    b1.ts_child[0].cs_spi_out);
	ck_assert_int_eq(f.f_seen, 2);		/* message 2 once again */
	ck_assert_int_eq(A.s_kernel.mk_errors + B.s_kernel.mk_errors, 0);
	pair_free();
}
END_TEST

/* a's informationals, and the messages of its first Quick Mode after
 * message 1 (counted in *arg): lost while *arg is not negative. */
static uint32_t	filt_qm3_msgid;

static enum mock_verdict
filt_qm3_info_cb(void *arg, const uint8_t *pkt, size_t len)
{
	int		*n = arg;
	uint32_t	 id;

	if (*n < 0 || len < IKEV1_HDR_LEN)
		return (MOCK_PASS);
	if (pkt[18] == IKEV1_EXCH_INFORMATIONAL)
		return (MOCK_DROP);
	if (pkt[18] != IKEV1_EXCH_QUICK)
		return (MOCK_PASS);
	memcpy(&id, pkt + 20, 4);
	if ((*n)++ == 0) {
		filt_qm3_msgid = id;
		return (MOCK_PASS);
	}
	return (id == filt_qm3_msgid ? MOCK_DROP : MOCK_PASS);
}

/* The 3 policies of the segment pair on x (b: the mirror image), each
 * naming reqid. */
static void
assert_v1_policies(const struct side *x, uint32_t reqid)
{
	const char		*l = x == &A ? "172.16.0.0/24" : "10.0.0.0/12";
	const char		*r = x == &A ? "10.0.0.0/12" : "172.16.0.0/24";
	const struct kernel_policy *kp;

	ck_assert_ptr_nonnull(kp = mock_kernel_policy(&x->s_kernel, KDIR_OUT,
	    l, r));
	ck_assert_uint_eq(kp->kp_reqid, reqid);
	ck_assert_ptr_nonnull(kp = mock_kernel_policy(&x->s_kernel, KDIR_IN,
	    r, l));
	ck_assert_uint_eq(kp->kp_reqid, reqid);
	ck_assert_ptr_nonnull(kp = mock_kernel_policy(&x->s_kernel, KDIR_FWD,
	    r, l));
	ck_assert_uint_eq(kp->kp_reqid, reqid);
}

/*
 * a rekeys the IPsec SA; b's inbound SA of the new one goes in with its
 * message 2, and the old SA reaches its hard lifetime on b before a's
 * HASH(3) (or its DELETE of the old SA) arrives.  The old SA goes, but
 * its policies stay for the new one, which completes when HASH(3) comes
 * at last (the v1-gw-swan soak: the policies went with the old SA and
 * never came back, and b's traffic went out in the clear for minutes).
 */
START_TEST(test_v1_rekey_old_expires_before_hash3)
{
	struct tunnel_status	 before, mid, after;
	const struct kernel_policy *kp;
	uint32_t		 reqid, reqid_a;
	int			 n = 0;

	pair_init(&opt_a, &opt_b);
	ike_start(A.s_ike);
	pump(80);
	assert_connected(1, 16, 20);
	before = status(&B);
	ck_assert_ptr_nonnull(kp = mock_kernel_policy(&B.s_kernel, KDIR_OUT,
	    "10.0.0.0/12", "172.16.0.0/24"));
	reqid = kp->kp_reqid;
	ck_assert_ptr_nonnull(kp = mock_kernel_policy(&A.s_kernel, KDIR_OUT,
	    "172.16.0.0/24", "10.0.0.0/12"));
	reqid_a = kp->kp_reqid;
	A.s_net.mn_filter = filt_qm3_info_cb;
	A.s_net.mn_filter_arg = &n;
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	pump(10);
	ck_assert_int_ge(n, 2);			/* message 3 went (lost) */
	/* b: the new inbound SA is in, the old pair still up */
	ck_assert_int_eq(mock_kernel_nsa(&B.s_kernel), 3);
	ck_assert_int_eq(mock_kernel_expire(&B.s_kernel,
	    before.ts_child[0].cs_spi_in, 1), 0);
	pump(1);
	assert_v1_policies(&B, reqid);
	/* HASH(3) at last: a sends it again on b's repeated message 2 */
	n = -1;
	pump(400);
	mid = status(&B);
	ck_assert_int_eq(mid.ts_nchild, 1);
	ck_assert_uint_ne(mid.ts_child[0].cs_spi_in,
	    before.ts_child[0].cs_spi_in);
	assert_v1_policies(&B, reqid);
	assert_v1_policies(&A, reqid_a);
	assert_connected(1, 16, 20);
	after = status(&A);
	ck_assert_uint_eq(after.ts_child[0].cs_spi_out,
	    mid.ts_child[0].cs_spi_in);
	pair_free();
}
END_TEST

/*
 * a rekeys the IPsec SA; its HASH(3) never reaches b, whose inbound SA of
 * that rekey went in with its message 2.  Meanwhile b rekeys the same SA
 * itself, and that rekey completes.  Then the old SA expires on b and a's
 * Quick Mode gives up on b.  The policies stay for b's own new SA: they
 * went with the failed Quick Mode's SA (the v1-gw-swan soak: strongSwan's
 * Quick Mode failed after the SA it rekeyed expired, and the policies
 * went while the SAs of the other rekey were in use).
 */
START_TEST(test_v1_rekey_failed_heir)
{
	struct tunnel_status	 before, mid;
	const struct kernel_policy *kp;
	uint32_t		 reqid;
	int			 n = 0, i;

	pair_init(&opt_a, &opt_b);
	ike_start(A.s_ike);
	pump(80);
	assert_connected(1, 16, 20);
	before = status(&B);
	ck_assert_ptr_nonnull(kp = mock_kernel_policy(&B.s_kernel, KDIR_OUT,
	    "10.0.0.0/12", "172.16.0.0/24"));
	reqid = kp->kp_reqid;
	B.s_kernel.mk_stats_bytes = 0;		/* b's watch sees nothing */
	A.s_net.mn_filter = filt_qm3_info_cb;	/* a's HASH(3)s, DELETEs */
	A.s_net.mn_filter_arg = &n;
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	pump(10);
	ck_assert_int_ge(n, 2);
	ck_assert_int_eq(mock_kernel_nsa(&B.s_kernel), 3);
	/* b's own rekey of the same SA (a's filter passes its answers) */
	ck_assert_int_eq(ike_tunnel_rekey(B.s_ike, "t1"), 0);
	pump(20);
	ck_assert_int_eq(mock_kernel_expire(&B.s_kernel,
	    before.ts_child[0].cs_spi_in, 1), 0);
	pump(1);
	assert_v1_policies(&B, reqid);
	/* a's Quick Mode gives up on b (b's message 2 unanswered: 40 ms
	 * doubled 5 times, 2.5 s in all) */
	pump(3500);
	mid = status(&B);
	ck_assert_int_ge(mid.ts_nchild, 1);
	for (i = 0; i < mid.ts_nchild; i++)
		ck_assert_uint_ne(mid.ts_child[i].cs_spi_in,
		    before.ts_child[0].cs_spi_in);
	assert_v1_policies(&B, reqid);
	pair_free();
}
END_TEST

/*
 * Both initiate, b first, but a is not up yet: b's message 1 is lost.
 * a's ISAKMP SA is established on both sides before b sends message 1
 * again; had b's attempt gone on, it would begin on a after a's SA was up
 * (a re-authentication there) but before it here (a simultaneous
 * initiation): each side would keep another SA (the v1-gw-gw soak went
 * Connecting 30 s in).  b's attempt, which a cannot have established,
 * goes as soon as a's SA is up here.
 */
START_TEST(test_v1_both_initiate_one_late)
{
	struct side_opts	 b = opt_b;
	struct filt		 fb = { IKEV1_EXCH_MAIN, 0, 1, 0 };

	b.so_initiate = 1;
	pair_init(&opt_a, &b);
	B.s_net.mn_filter = filt_cb;		/* b's first message 1 */
	B.s_net.mn_filter_arg = &fb;
	ike_start(B.s_ike);
	pump(10);
	ck_assert_int_eq(fb.f_seen, 1);
	ike_start(A.s_ike);
	pump(300);
	assert_connected(1, 16, 20);
	/* one ISAKMP SA on each side, none retired */
	ck_assert_int_eq(v1_nsa(&A), 1);
	ck_assert_int_eq(v1_nsa(&B), 1);
	pair_free();
}
END_TEST

/*
 * gatewayctl rekey t1 ike: a new Main Mode takes over the IPsec SAs (same
 * SPIs), the old ISAKMP SA is deleted on both sides.  By a, or by b (then
 * the old SA must be older than the replace age, else it is a collision).
 */
START_TEST(test_v1_reauth)
{
	struct side		*x = _i == 0 ? &A : &B;
	struct tunnel_status	 before, after;

	pair_init(&opt_a, &opt_b);
	ikev1_reauth_delete_set(A.s_ike, 20);
	ikev1_reauth_delete_set(B.s_ike, 20);
	ike_start(A.s_ike);
	pump(80);
	assert_connected(1, 16, 20);
	before = status(&A);
	/* at once: the new SA began while the old one was up (by b: the
	 * peer that did not create the old one), no age needed */
	ck_assert_int_eq(ike_tunnel_rekey_ike(x->s_ike, "t1"), 0);
	pump(120);
	assert_connected(1, 16, 20);
	after = status(&A);
	ck_assert(memcmp(after.ts_spi_i, before.ts_spi_i, 8) != 0);
	ck_assert_uint_eq(after.ts_child[0].cs_spi_in,
	    before.ts_child[0].cs_spi_in);
	ck_assert_uint_eq(after.ts_child[0].cs_spi_out,
	    before.ts_child[0].cs_spi_out);
	ck_assert_int_eq(v1_nsa(&A), 1);
	ck_assert_int_eq(v1_nsa(&B), 1);
	/* the new ISAKMP SA carries Quick Modes (a child rekey) */
	child_rekeyed(x, &after);
	pair_free();
}
END_TEST

/* b's established (not replaced) ISAKMP SA, or NULL. */
static struct isakmp_sa *
v1_established(struct side *s)
{
	struct isakmp_sa	*sa;

	ISAKMP_SA_FOREACH(sa, s->s_ike)
		if (sa->is_state == ISAKMP_ESTABLISHED && !sa->is_replaced)
			return (sa);
	return (NULL);
}

/*
 * a re-authenticates (its new SA n takes the IPsec SA over on both
 * sides; the old one, r, goes 5 s later), and b, like strongSwan, whose
 * timer for r fires before a's DELETE of r comes, re-authenticates r too:
 * a new SA p from b.  p is up after n by the order of events, but it
 * stands for r, which held no IPsec SA any more at b (strongSwan moved it
 * to n): a keeps the IPsec SA on n, where its Quick Modes go, and p goes
 * as a duplicate.
 */
START_TEST(test_v1_peer_reauths_replaced)
{
	struct isakmp_sa	*r_a, *r_b, *n_a, *p_a, *x;
	struct tunnel_status	 st;

	v1_up(5000);
	ck_assert_ptr_nonnull(r_a = v1_established(&A));
	ck_assert_ptr_nonnull(r_b = v1_established(&B));
	ck_assert_int_eq(ike_tunnel_rekey_ike(A.s_ike, "t1"), 0);
	pump(50);
	ck_assert_ptr_nonnull(n_a = v1_established(&A));
	ck_assert_ptr_ne(n_a, r_a);
	ck_assert(r_a->is_replaced && r_b->is_replaced);
	ck_assert(!TAILQ_EMPTY(&n_a->is_b.b_children));
	/* b re-authenticates r (strongSwan's timer; gatewayd's skips a
	 * replaced SA) */
	r_b->is_replaced = 0;
	ck_assert_int_eq(ikev1_reauth_start(r_b), 0);
	r_b->is_replaced = 1;
	pump(50);
	p_a = NULL;
	ISAKMP_SA_FOREACH(x, A.s_ike)
		if (x != r_a && x != n_a && x->is_state == ISAKMP_ESTABLISHED)
			p_a = x;
	ck_assert_ptr_nonnull(p_a);
	ck_assert(p_a->is_replaced);
	ck_assert(TAILQ_EMPTY(&p_a->is_b.b_children));
	ck_assert(!n_a->is_replaced);
	ck_assert(!TAILQ_EMPTY(&n_a->is_b.b_children));
	ck_assert_ptr_eq(v1_established(&A), n_a);
	st = status(&A);
	ck_assert_str_eq(tunnel_state_name(st.ts_state), "Connected");
	ck_assert_int_eq(st.ts_nchild, 1);
	pair_free();
}
END_TEST

/* Quick Mode message IDs a sent first; b's own Quick Modes are dropped. */
static uint32_t	qm_from_a[32];
static int	nqm_from_a;

static enum mock_verdict
qm_note_a_cb(void *arg, const uint8_t *pkt, size_t len)
{
	uint32_t	 id;
	int		 i;

	if (len >= IKEV1_HDR_LEN && pkt[18] == IKEV1_EXCH_QUICK) {
		memcpy(&id, pkt + 20, 4);
		for (i = 0; i < nqm_from_a; i++)
			if (qm_from_a[i] == id)
				return (MOCK_PASS);
		if (nqm_from_a < 32)
			qm_from_a[nqm_from_a++] = id;
	}
	return (MOCK_PASS);
}

static enum mock_verdict
qm_drop_b_cb(void *arg, const uint8_t *pkt, size_t len)
{
	uint32_t	 id;
	int		 i;

	if (len < IKEV1_HDR_LEN || pkt[18] != IKEV1_EXCH_QUICK)
		return (MOCK_PASS);
	memcpy(&id, pkt + 20, 4);
	for (i = 0; i < nqm_from_a; i++)
		if (qm_from_a[i] == id)
			return (MOCK_PASS);
	return (MOCK_DROP);
}

/*
 * b, like strongSwan after it dropped its ISAKMP SA for a Quick Mode
 * message that came during its re-authentication, forgets its SAs
 * without a DELETE and sets up a new ISAKMP SA with INITIAL-CONTACT but
 * no Quick Mode (here: b's Quick Modes are lost).  a, whose tunnel
 * initiates, drops its stale SAs (INITIAL-CONTACT) and, with no IPsec SA
 * from the peer after V1_PAIRS_WAIT retransmission delays, sets up the
 * segment pair itself on the peer's ISAKMP SA.
 */
START_TEST(test_v1_peer_sets_up_no_pair)
{
	struct isakmp_sa	*old_b, *cur;
	struct tunnel_status	 st;
	int			 i;

	nqm_from_a = 0;
	v1_up(0);
	ck_assert_ptr_nonnull(old_b = v1_established(&B));
	ike_sa_base_tunnel_set(&old_b->is_b, NULL);
	isakmp_destroy(old_b);
	A.s_net.mn_filter = qm_note_a_cb;
	B.s_net.mn_filter = qm_drop_b_cb;
	ck_assert_int_eq(ike_tunnel_up(B.s_ike, "t1"), 0);
	for (i = 0; i < 40; i++) {
		pump(10);
		st = status(&A);
		if (st.ts_nchild == 1 && strcmp(tunnel_state_name(st.ts_state),
		    "Connected") == 0 && (cur = v1_established(&A)) != NULL &&
		    !cur->is_b.b_initiator)
			break;
	}
	ck_assert_ptr_nonnull(cur = v1_established(&A));
	ck_assert(!cur->is_b.b_initiator);
	ck_assert(cur->is_pairs_ours);
	ck_assert_int_ge(nqm_from_a, 1);
	st = status(&A);
	ck_assert_str_eq(tunnel_state_name(st.ts_state), "Connected");
	ck_assert_int_eq(st.ts_nchild, 1);
	/* b has the pair a set up */
	ck_assert_ptr_nonnull(mock_kernel_sa(&B.s_kernel,
	    st.ts_child[0].cs_spi_out));
	pair_free();
}
END_TEST

/*
 * b made the ISAKMP SA; it is past 80% of its lifetime (b, like
 * strongSwan, may re-authenticate it any moment, and strongSwan drops an
 * ISAKMP SA, IPsec SAs and all, when a Quick Mode message comes while it
 * does).  _i 0: a's rekey of the IPsec SA then waits: a re-authenticates
 * first, and the Quick Mode goes on a's new ISAKMP SA.  _i 1: the IPsec
 * SA ends before the hold would (V1_QM_HOLD retransmission delays): its
 * Quick Mode goes on the old ISAKMP SA at once (the v1-gw-gw soak: a held
 * rekey waited for a re-authentication slowed by loss, and the SA
 * expired unrekeyed).
 */
START_TEST(test_v1_qm_hold_near_end)
{
	struct side_opts	 a = opt_a, b = opt_b;
	struct isakmp_sa	*old_a, *x, *n_a = NULL;
	struct tunnel_status	 before, st;
	struct child_sa		*cs;
	uint64_t		 left;
	int			 i;

	a.so_initiate = 0;
	b.so_initiate = 1;
	pair_init(&a, &b);
	ikev1_life_unit_set(A.s_ike, 1);	/* 86400 s: 86.4 s */
	ikev1_life_unit_set(B.s_ike, 1);
	ike_start(A.s_ike);
	ike_start(B.s_ike);
	pump(80);
	assert_connected(1, 16, 20);
	before = status(&A);
	ck_assert_ptr_nonnull(old_a = v1_established(&A));
	ck_assert(!old_a->is_b.b_initiator);
	/* 81% of its life gone */
	old_a->is_up_ms -= 86400 * 81 / 100;
	if (_i == 1) {
		/* the IPsec SA has half the hold left */
		left = (uint64_t)V1_QM_HOLD * A.s_ike->ctx_retx_ms / 2;
		TAILQ_FOREACH(cs, &old_a->is_b.b_children, cs_entry)
			cs->cs_life.lt_born_ms = ike_now_ms() + left -
			    cs->cs_life.lt_life_ms;
	}
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	if (_i == 1) {
		/* the Quick Mode is on the old SA */
		ck_assert(!TAILQ_EMPTY(&old_a->is_qms));
	} else {
		/* no Quick Mode on the old SA: a's Main Mode first */
		ISAKMP_SA_FOREACH(x, A.s_ike)
			if (x != old_a && x->is_b.b_initiator && x->is_reauth)
				n_a = x;
		ck_assert_ptr_nonnull(n_a);
		ck_assert(TAILQ_EMPTY(&old_a->is_qms));
	}
	for (i = 0; i < 30; i++) {
		pump(10);
		st = status(&A);
		if (st.ts_nchild == 1 && st.ts_child[0].cs_spi_in !=
		    before.ts_child[0].cs_spi_in)
			break;
	}
	st = status(&A);
	ck_assert_str_eq(tunnel_state_name(st.ts_state), "Connected");
	ck_assert_int_eq(st.ts_nchild, 1);
	ck_assert_uint_ne(st.ts_child[0].cs_spi_in, before.ts_child[0].cs_spi_in);
	if (_i == 0) {
		ck_assert_ptr_eq(v1_established(&A), n_a);
		/* the new IPsec SA came from a Quick Mode on the new SA */
		TAILQ_FOREACH(cs, &n_a->is_b.b_children, cs_entry)
			if (cs->cs_spi_in == st.ts_child[0].cs_spi_in)
				break;
		ck_assert_ptr_nonnull(cs);
	}
	pair_free();
}
END_TEST

/* b deletes its ISAKMP SA old alone (a DELETE of the ISAKMP SA, none of
 * its IPsec SAs, which stay: RFC 2409 §5.5), as strongSwan does when it
 * re-authenticates. */
static void
delete_isakmp_alone(struct isakmp_sa *old)
{
	struct child_sa_list	 keep;

	TAILQ_INIT(&keep);
	TAILQ_CONCAT(&keep, &old->is_b.b_children, cs_entry);
	ck_assert_int_eq(ikev1_info_delete_isakmp(old), 0);
	TAILQ_CONCAT(&old->is_b.b_children, &keep, cs_entry);
}

/*
 * b re-authenticates and deletes its old ISAKMP SA (as strongSwan does
 * when the old one expires meanwhile) before a has the new one: b's
 * message 5 is lost once.  a's IPsec SA must wait for the new ISAKMP SA,
 * which adopts it (same SPIs), instead of going down with the old one.
 */
START_TEST(test_v1_peer_deletes_old_isakmp_during_reauth)
{
	struct filt		 f5 = { IKEV1_EXCH_MAIN, 2, 1, 0 };
	struct tunnel_status	 before, after;
	struct isakmp_sa	*old;

	before = v1_up(20);
	ikev1_reauth_delete_set(B.s_ike, 500);
	ck_assert_ptr_nonnull(old = v1_established(&B));
	B.s_net.mn_filter = filt_cb;		/* b's MM5 lost once */
	B.s_net.mn_filter_arg = &f5;
	ck_assert_int_eq(ike_tunnel_rekey_ike(B.s_ike, "t1"), 0);
	pump(10);				/* MM1-MM4 */
	ck_assert_int_eq(f5.f_seen, 3);
	delete_isakmp_alone(old);
	pump(10);
	ck_assert_str_eq(tunnel_state_name(status(&A).ts_state), "Connected");
	pump(200);				/* MM5 again, MM6 */
	assert_connected(1, 16, 20);
	after = status(&A);
	ck_assert(memcmp(after.ts_spi_i, before.ts_spi_i, 8) != 0);
	ck_assert_uint_eq(after.ts_child[0].cs_spi_in,
	    before.ts_child[0].cs_spi_in);
	ck_assert_uint_eq(after.ts_child[0].cs_spi_out,
	    before.ts_child[0].cs_spi_out);
	pair_free();
}
END_TEST

/*
 * b deletes its old ISAKMP SA while its re-authentication is under way,
 * and that new phase 1 dies (b's message 5 and later never arrive): a's
 * half-open SA of it ends after its lifetime (200 ms here), and with it
 * the wait of a's IPsec SA for a new ISAKMP SA.  It goes at once and the
 * tunnel is set up again, instead of after the 15 s grace.
 */
START_TEST(test_v1_peer_reauth_dies)
{
	struct filt		 f5 = { IKEV1_EXCH_MAIN, 2, 1000, 0 };
	struct tunnel_status	 before;
	struct isakmp_sa	*old, *aold, *o;
	uint8_t			 cky[8];
	int			 n;

	before = v1_up(20);
	ikev1_half_open_ms_set(A.s_ike, 200, IKEV1_HALF_EVICT_MS);
	ck_assert_ptr_nonnull(old = v1_established(&B));
	ck_assert_ptr_nonnull(aold = v1_established(&A));
	memcpy(cky, aold->is_b.b_spi_i, sizeof(cky));
	B.s_net.mn_filter = filt_cb;		/* b's MM5 and later lost */
	B.s_net.mn_filter_arg = &f5;
	ck_assert_int_eq(ike_tunnel_rekey_ike(B.s_ike, "t1"), 0);
	pump(10);				/* MM1-MM4 */
	ck_assert_int_eq(f5.f_seen, 3);
	delete_isakmp_alone(old);
	pump(10);
	ck_assert(aold->is_peer_deleted);
	ck_assert_str_eq(tunnel_state_name(status(&A).ts_state), "Connected");
	ck_assert_ptr_nonnull(mock_kernel_sa(&A.s_kernel,
	    before.ts_child[0].cs_spi_in));
	pump(500);
	n = 0;
	ISAKMP_SA_FOREACH(o, A.s_ike)
		if (memcmp(o->is_b.b_spi_i, cky, sizeof(cky)) == 0)
			n++;
	ck_assert_int_eq(n, 0);
	ck_assert_ptr_null(mock_kernel_sa(&A.s_kernel,
	    before.ts_child[0].cs_spi_in));
	pair_free();
}
END_TEST

/*
 * b re-authenticates break-before-make, as strongSwan does: a DELETE of
 * its old ISAKMP SA alone (its IPsec SAs stay), then a new Main Mode
 * whose message 5 carries INITIAL-CONTACT (b holds no other ISAKMP SA
 * now), then a new Quick Mode.  a keeps the IPsec SA of the deleted SA
 * for the next one; the INITIAL-CONTACT must not take it away (the
 * v1-gw-swan soak went Connecting for 23 s): when a's new ISAKMP SA is
 * up it holds the old IPsec SA, and a stays Connected at every step.
 */
START_TEST(test_v1_peer_reauth_initial_contact)
{
	struct tunnel_status	 before, st;
	struct isakmp_sa	*old, *aold, *cur;
	struct child_sa_list	 keep;
	struct child_sa		*cs;
	int			 i, n, adopted = 0;

	before = v1_up(20);
	ck_assert_int_eq(before.ts_nchild, 1);
	ck_assert_ptr_nonnull(old = v1_established(&B));
	/* b: a DELETE of the old ISAKMP SA alone; the IPsec SA stays */
	TAILQ_INIT(&keep);
	TAILQ_CONCAT(&keep, &old->is_b.b_children, cs_entry);
	ck_assert_int_eq(ikev1_info_delete_isakmp(old), 0);
	ike_sa_base_tunnel_set(&old->is_b, NULL);
	isakmp_destroy(old);
	pump(5);
	ck_assert_str_eq(tunnel_state_name(status(&A).ts_state), "Connected");
	ck_assert_ptr_nonnull(aold = v1_established(&A));
	ck_assert(aold->is_peer_deleted);
	/* b: a new Main Mode, with INITIAL-CONTACT, one message at a time */
	ck_assert_int_eq(ike_tunnel_up(B.s_ike, "t1"), 0);
	for (i = 0; i < 20 && !adopted; i++) {
		n = deliver(&B, &A) + deliver(&A, &B);
		st = status(&A);
		ck_assert_str_eq(tunnel_state_name(st.ts_state), "Connected");
		ck_assert_ptr_nonnull(mock_kernel_sa(&A.s_kernel,
		    before.ts_child[0].cs_spi_in));
		cur = NULL;
		ISAKMP_SA_FOREACH(cur, A.s_ike)
			if (cur != aold && cur->is_state == ISAKMP_ESTABLISHED)
				break;
		if (cur != NULL) {
			/* the new SA holds the old IPsec SA */
			ck_assert_int_eq(st.ts_nchild, 1);
			ck_assert_uint_eq(st.ts_child[0].cs_spi_in,
			    before.ts_child[0].cs_spi_in);
			ck_assert(!TAILQ_EMPTY(&cur->is_b.b_children));
			adopted = 1;
		}
		ck_assert_int_gt(n, 0);
	}
	ck_assert(adopted);
	/* then b's Quick Mode rekeys it; a stays Connected */
	pump(100);
	st = status(&A);
	ck_assert_str_eq(tunnel_state_name(st.ts_state), "Connected");
	ck_assert_int_eq(st.ts_nchild, 1);
	while ((cs = TAILQ_FIRST(&keep)) != NULL) {
		TAILQ_REMOVE(&keep, cs, cs_entry);
		child_sa_free(cs);
	}
	pair_free();
}
END_TEST

/*
 * a rekeys the IPsec SA and its Quick Mode message 3 is lost, and b does
 * not send message 2 again (as strongSwan): b never installs the new
 * SAs.  a keeps sending on the old SA, and seeing b still send on the old
 * SA only, drops the new one and rekeys again; the second rekey goes
 * through.  Without the wait a deleted the old SA at once and b was left
 * with nothing.
 */
START_TEST(test_v1_rekey_message3_lost)
{
	struct filt		 fa = { IKEV1_EXCH_QUICK, 1, 1, 0 };
	struct tunnel_status	 before, sa, sb;
	uint32_t		 old_in;

	before = v1_up(0);
	old_in = before.ts_child[0].cs_spi_in;
	/* b: no retransmission of message 2 */
	B.s_ike->ctx_retx_tries = 0;
	/* a: no traffic unless said; the old inbound SA carries some */
	A.s_kernel.mk_stats_bytes = 0;
	ck_assert_int_eq(mock_kernel_traffic(&A.s_kernel, old_in, 1000, 10),
	    0);
	A.s_net.mn_filter = filt_cb;		/* a's message 3 lost */
	A.s_net.mn_filter_arg = &fa;
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	pump(20);
	ck_assert_int_eq(fa.f_seen, 2);
	/* a: the new inbound SA, but still the old outbound one; b: the
	 * new inbound SA too (in with its message 2), no outbound one */
	ck_assert_int_eq(mock_kernel_nsa(&A.s_kernel), 3);
	ck_assert_int_eq(mock_kernel_nsa(&B.s_kernel), 3);
	/* b keeps sending on the old SA */
	ck_assert_int_eq(mock_kernel_traffic(&A.s_kernel, old_in, 5000, 50),
	    0);
	pump(400);
	assert_connected(1, 16, 20);
	sa = status(&A);
	sb = status(&B);
	ck_assert_uint_ne(sa.ts_child[0].cs_spi_in, old_in);
	ck_assert_uint_eq(sa.ts_child[0].cs_spi_in, sb.ts_child[0].cs_spi_out);
	ck_assert_uint_eq(sa.ts_child[0].cs_spi_out, sb.ts_child[0].cs_spi_in);
	ck_assert_int_ge(fa.f_seen, 4);		/* a second Quick Mode */
	pair_free();
}
END_TEST

/*
 * a rekeys the IPsec SA and every HASH(3) of it is lost (strongSwan does
 * not send it again for our retransmitted message 2), while a sends on
 * the new SA.  b put the new inbound SA in with its message 2, sees the
 * traffic and completes the Quick Mode: before, what a sent on it was
 * dropped until the next rekey (the v1-gw-swan soak lost 12 s).
 */
START_TEST(test_v1_rekey_message3_lost_traffic)
{
	struct filt		 fa = { IKEV1_EXCH_QUICK, 1, 1 << 30, 0 };
	struct tunnel_status	 before, mid, sa, sb;
	uint32_t		 old_in, new_out = 0, new_in = 0;
	int			 i;

	before = v1_up(0);
	old_in = before.ts_child[0].cs_spi_in;
	A.s_kernel.mk_stats_bytes = 0;
	B.s_kernel.mk_stats_bytes = 0;
	/* a waits 2 s (2 retransmission delays) for b to use the new SA
	 * before it deletes the old one (whose DELETE b would take for
	 * the sign that HASH(3) was lost): b's traffic watch decides */
	ike_ctx_timing_set(A.s_ike, 1000, 5, 10, 60);
	A.s_net.mn_filter = filt_cb;		/* a's HASH(3)s lost */
	A.s_net.mn_filter_arg = &fa;
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	pump(20);
	mid = status(&A);
	for (i = 0; i < mid.ts_nchild; i++)
		if (mid.ts_child[i].cs_spi_in != old_in) {
			new_in = mid.ts_child[i].cs_spi_in;
			new_out = mid.ts_child[i].cs_spi_out;
		}
	ck_assert_uint_ne(new_in, 0);
	/* a sends on the new SA: b's new inbound SA counts it */
	ck_assert_int_eq(mock_kernel_traffic(&B.s_kernel, new_out, 5000, 50),
	    0);
	pump(600);
	/* b completed it: its new outbound SA is in */
	ck_assert_ptr_nonnull(mock_kernel_sa(&B.s_kernel, new_in));
	/* and b sends on it, so a moves its traffic over too */
	ck_assert_int_eq(mock_kernel_traffic(&A.s_kernel, new_in, 5000, 50),
	    0);
	pump(600);
	assert_connected(1, 16, 20);
	sa = status(&A);
	sb = status(&B);
	ck_assert_uint_eq(sa.ts_child[0].cs_spi_in, new_in);
	ck_assert_uint_eq(sa.ts_child[0].cs_spi_in, sb.ts_child[0].cs_spi_out);
	ck_assert_uint_eq(sa.ts_child[0].cs_spi_out, sb.ts_child[0].cs_spi_in);
	ck_assert_ptr_null(mock_kernel_sa(&B.s_kernel, old_in));
	ck_assert_int_eq(A.s_kernel.mk_errors + B.s_kernel.mk_errors, 0);
	pair_free();
}
END_TEST

/*
 * a rekeys the IPsec SA and its message 3 is lost; b sends message 2
 * again (strongSwan does, at times), and a sends message 3 again.  b
 * sends on the old SA until it has the new one, then on the new one
 * only.  a's wait for b's traffic on the new SA starts again with the
 * repeated message 3: before, it ended 2 retransmission delays after the
 * first, just after b got the new SA, and a dropped it and rekeyed again
 * (the v1-gw-swan soak: strongSwan then deleted the old SA, and the
 * tunnel stood without an SA, Connecting, for 0.6 s).
 */
START_TEST(test_v1_rekey_msg3_again)
{
	struct filt		 fa = { IKEV1_EXCH_QUICK, 1, 1, 0 };
	struct tunnel_status	 before, mid, sa, sb;
	uint32_t		 old_in, new_in = 0;
	int			 i;

	before = v1_up(0);
	old_in = before.ts_child[0].cs_spi_in;
	/* no traffic unless said: b's own watch (qm_r2_watch_cb) sees none */
	A.s_kernel.mk_stats_bytes = 0;
	B.s_kernel.mk_stats_bytes = 0;
	ck_assert_int_eq(mock_kernel_traffic(&A.s_kernel, old_in, 1000, 10),
	    0);
	/* a waits 400 ms for b's traffic on the new SA; b repeats its
	 * message 2 after 300 ms */
	ike_ctx_timing_set(A.s_ike, 200, 5, 10, 60);
	ike_ctx_timing_set(B.s_ike, 300, 5, 10, 60);
	A.s_net.mn_filter = filt_cb;		/* a's first message 3 lost */
	A.s_net.mn_filter_arg = &fa;
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	pump(100);
	ck_assert_int_eq(fa.f_seen, 2);
	mid = status(&A);
	for (i = 0; i < mid.ts_nchild; i++)
		if (mid.ts_child[i].cs_spi_in != old_in)
			new_in = mid.ts_child[i].cs_spi_in;
	ck_assert_uint_ne(new_in, 0);
	/* b still sends on the old SA */
	ck_assert_int_eq(mock_kernel_traffic(&A.s_kernel, old_in, 2000, 20),
	    0);
	pump(400);				/* 500 ms in */
	ck_assert_int_eq(fa.f_seen, 3);		/* message 3 again */
	/* b has the new SA and sends on it */
	ck_assert_int_eq(mock_kernel_traffic(&A.s_kernel, new_in, 1000, 10),
	    0);
	pump(600);
	assert_connected(1, 16, 20);
	sa = status(&A);
	sb = status(&B);
	/* the first rekey's SA, no second Quick Mode */
	ck_assert_int_eq(fa.f_seen, 3);
	ck_assert_uint_eq(sa.ts_child[0].cs_spi_in, new_in);
	ck_assert_uint_eq(sa.ts_child[0].cs_spi_in, sb.ts_child[0].cs_spi_out);
	ck_assert_uint_eq(sa.ts_child[0].cs_spi_out, sb.ts_child[0].cs_spi_in);
	ck_assert_int_eq(A.s_kernel.mk_errors + B.s_kernel.mk_errors, 0);
	pair_free();
}
END_TEST

/*
 * a rekeys the IPsec SA and its message 3 is lost: b never installs the
 * new pair, and keeps sending on the old one.  b then rekeys itself (its
 * current SA is still the old one); a takes b's Quick Mode for a rekey
 * of its own new pair, which it holds as current.  Then a's watch of its
 * new pair sees b still on the old SA: before, a set the old one up
 * again and rekeyed it once more, and both sides kept two chains of
 * IPsec SAs for one segment pair (the v1-gw-gw soak ended with two
 * pairs).  Now b's pair is the one: a deletes both its new pair (which
 * also ends b's Quick Mode waiting for message 3) and the old one.
 */
START_TEST(test_v1_rekey_superseded_before_use)
{
	struct filt		 fa = { IKEV1_EXCH_QUICK, 1, 1, 0 };
	struct tunnel_status	 before, sa, sb;
	uint32_t		 old_in;

	before = v1_up(0);
	old_in = before.ts_child[0].cs_spi_in;
	B.s_ike->ctx_retx_tries = 0;	/* b: message 2 not sent again */
	A.s_kernel.mk_stats_bytes = 0;
	A.s_kernel.mk_stats_step = 0;
	A.s_net.mn_filter = filt_cb;	/* a's message 3 lost */
	A.s_net.mn_filter_arg = &fa;
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	pump(10);
	ck_assert_int_eq(fa.f_seen, 2);
	/* b rekeys what it holds, the old pair, and keeps sending on it */
	ck_assert_int_eq(mock_kernel_traffic(&A.s_kernel, old_in, 5000, 50),
	    0);
	B.s_ike->ctx_retx_tries = 5;
	ck_assert_int_eq(ike_tunnel_rekey(B.s_ike, "t1"), 0);
	pump(400);
	assert_connected(1, 16, 20);
	sa = status(&A);
	sb = status(&B);
	ck_assert_uint_ne(sa.ts_child[0].cs_spi_in, old_in);
	ck_assert_uint_eq(sa.ts_child[0].cs_spi_in, sb.ts_child[0].cs_spi_out);
	pair_free();
}
END_TEST

/* Drops Quick Mode x's message 3 (a), its message 2 after the first (b),
 * and the first n INFORMATIONALs of a. */
struct qm_lose {
	uint32_t	*ql_msgid;	/* the first Quick Mode a sends */
	int		 ql_b;		/* 1: b's filter */
	int		 ql_info;	/* INFORMATIONALs still to drop */
	int		*ql_seen;	/* messages of the Quick Mode (a: its
					   messages 3) */
	int		 ql_pass;	/* passes them from this one on (0:
					   b's first only, none of a's) */
};

static enum mock_verdict
qm_lose_cb(void *arg, const uint8_t *pkt, size_t len)
{
	struct qm_lose	*q = arg;
	uint32_t	 id;

	if (len < IKEV1_HDR_LEN)
		return (MOCK_PASS);
	memcpy(&id, pkt + 20, 4);
	if (!q->ql_b && pkt[18] == IKEV1_EXCH_INFORMATIONAL && q->ql_info > 0) {
		q->ql_info--;
		return (MOCK_DROP);
	}
	if (pkt[18] != IKEV1_EXCH_QUICK)
		return (MOCK_PASS);
	if (!q->ql_b && *q->ql_msgid == 0) {
		*q->ql_msgid = id;		/* a's message 1 */
		return (MOCK_PASS);
	}
	if (id != *q->ql_msgid)
		return (MOCK_PASS);
	if (q->ql_seen != NULL)
		(*q->ql_seen)++;
	if (q->ql_pass > 0 && *q->ql_seen >= q->ql_pass)
		return (MOCK_PASS);
	if (q->ql_b)
		return (*q->ql_seen == 1 ? MOCK_PASS : MOCK_DROP);
	return (MOCK_DROP);			/* a's message 3 */
}

/*
 * a rekeys the IPsec SA; its HASH(3) is lost and so are b's
 * retransmissions of message 2 (10 % loss in the v1-gw-gw soak): b waits
 * for HASH(3).  a sees b still send on the old SA, gives its new SA up
 * (a DELETE of it), rekeys again, and that Quick Mode completes; then a
 * deletes the old SA.  b must not install the given-up Quick Mode then
 * (its HASH(3) "lost"): its outbound SA, which a no longer has, would
 * take b's traffic (a 12 s gap in the soak).  _i 0: a's DELETE of the
 * given-up SA is lost too; 1: it reaches b, which drops the Quick Mode.
 */
START_TEST(test_v1_rekey_given_up)
{
	uint32_t		 msgid = 0;
	int			 seen = 0;
	struct qm_lose		 qa = { &msgid, 0, _i == 0 ? 1 : 0, NULL, 0 };
	struct qm_lose		 qb = { &msgid, 1, 0, &seen, 0 };
	struct tunnel_status	 before, sa, sb;
	uint32_t		 old_in;

	before = v1_up(0);
	old_in = before.ts_child[0].cs_spi_in;
	A.s_kernel.mk_stats_bytes = 0;
	B.s_kernel.mk_stats_bytes = 0;
	ck_assert_int_eq(mock_kernel_traffic(&A.s_kernel, old_in, 1000, 10),
	    0);
	A.s_net.mn_filter = qm_lose_cb;
	A.s_net.mn_filter_arg = &qa;
	B.s_net.mn_filter = qm_lose_cb;
	B.s_net.mn_filter_arg = &qb;
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	pump(20);
	ck_assert_uint_ne(msgid, 0);
	/* b keeps sending on the old SA */
	ck_assert_int_eq(mock_kernel_traffic(&A.s_kernel, old_in, 5000, 50),
	    0);
	pump(400);
	ck_assert_int_ge(seen, 2);		/* b did retransmit */
	assert_connected(1, 16, 20);
	sa = status(&A);
	sb = status(&B);
	ck_assert_uint_ne(sa.ts_child[0].cs_spi_in, old_in);
	ck_assert_uint_eq(sa.ts_child[0].cs_spi_in, sb.ts_child[0].cs_spi_out);
	ck_assert_uint_eq(sa.ts_child[0].cs_spi_out, sb.ts_child[0].cs_spi_in);
	pair_free();
}
END_TEST

/*
 * As above, but b's message 2 comes again after a gave its new SA up,
 * and a's DELETE of it was lost (strongSwan ignores it anyway while its
 * Quick Mode waits for message 3): a must not answer with message 3
 * again, which made strongSwan install the SA a had deleted and send on
 * it (the v1-gw-swan soak lost 12 s so).
 */
START_TEST(test_v1_rekey_given_up_no_msg3)
{
	uint32_t		 msgid = 0;
	int			 seen = 0, seen3 = 0;
	struct qm_lose		 qa = { &msgid, 0, 1, &seen3, 2 };
	struct qm_lose		 qb = { &msgid, 1, 0, &seen, 3 };
	struct tunnel_status	 before, sa, sb;
	uint32_t		 old_in;

	before = v1_up(0);
	old_in = before.ts_child[0].cs_spi_in;
	A.s_kernel.mk_stats_bytes = 0;
	B.s_kernel.mk_stats_bytes = 0;
	ck_assert_int_eq(mock_kernel_traffic(&A.s_kernel, old_in, 1000, 10),
	    0);
	A.s_net.mn_filter = qm_lose_cb;
	A.s_net.mn_filter_arg = &qa;
	B.s_net.mn_filter = qm_lose_cb;
	B.s_net.mn_filter_arg = &qb;
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	pump(20);
	ck_assert_uint_ne(msgid, 0);
	ck_assert_int_eq(mock_kernel_traffic(&A.s_kernel, old_in, 5000, 50),
	    0);
	pump(600);
	ck_assert_int_ge(seen, 3);	/* b's message 2 came again, late */
	assert_connected(1, 16, 20);
	sa = status(&A);
	sb = status(&B);
	ck_assert_uint_ne(sa.ts_child[0].cs_spi_in, old_in);
	ck_assert_uint_eq(sa.ts_child[0].cs_spi_in, sb.ts_child[0].cs_spi_out);
	ck_assert_uint_eq(sa.ts_child[0].cs_spi_out, sb.ts_child[0].cs_spi_in);
	pair_free();
}
END_TEST

/*
 * Both sides re-authenticate at the same moment: two new ISAKMP SAs,
 * each begun while the old one was up.  Afterwards both sides hold the
 * same single ISAKMP SA and the same IPsec SA pair as before (adopted,
 * never lost on the way).
 */
START_TEST(test_v1_reauth_both)
{
	struct tunnel_status	 before, after;

	before = v1_up(20);
	ck_assert_int_eq(ike_tunnel_rekey_ike(A.s_ike, "t1"), 0);
	ck_assert_int_eq(ike_tunnel_rekey_ike(B.s_ike, "t1"), 0);
	pump(400);
	assert_connected(1, 16, 20);
	after = status(&A);
	ck_assert(memcmp(after.ts_spi_i, before.ts_spi_i, 8) != 0);
	ck_assert_uint_eq(after.ts_child[0].cs_spi_in,
	    before.ts_child[0].cs_spi_in);
	/* one ISAKMP SA in use on each side (the old one may wait for its
	 * DELETE up to IKEV1_REPLACED_GRACE_MS) */
	ck_assert_int_eq(v1_nlive(&A), 1);
	ck_assert_int_eq(v1_nlive(&B), 1);
	pair_free();
}
END_TEST

/*
 * After a simultaneous rekey a's winner is not the pair the peer sends
 * on (strongSwan, which has no IKEv1 collision rule, keeps the pair it
 * installed last, and our winner is superseded there).  When the
 * winner's rekey time comes, a takes the peer's pair instead: the winner
 * is left to expire and not rekeyed (a Quick Mode for it, whose message 3
 * was lost, left strongSwan without an outbound SA for 15 s in the
 * v1-gw-swan soak).
 */
START_TEST(test_v1_rekey_collision_peer_choice)
{
	struct tunnel_status	 before;
	struct isakmp_sa	*o;
	struct ikev1_qm		*qm;
	struct child_sa		*cs, *w = NULL, *l = NULL;

	before = v1_up(0);
	/* no traffic anywhere unless said */
	A.s_kernel.mk_stats_bytes = 0;
	A.s_kernel.mk_stats_step = 0;
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	ck_assert_int_eq(ike_tunnel_rekey(B.s_ike, "t1"), 0);
	pump(200);
	ISAKMP_SA_FOREACH(o, A.s_ike)
		TAILQ_FOREACH(cs, &o->is_b.b_children, cs_entry) {
			if (cs->cs_rekey_spi != before.ts_child[0].cs_spi_in)
				continue;
			if (cs->cs_state == CHILD_SA_INSTALLED)
				w = cs;
			else if (cs->cs_state == CHILD_SA_REKEYED)
				l = cs;
		}
	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_nonnull(l);
	/* the peer sends on the loser only; the winner's rekey time */
	ck_assert_int_eq(mock_kernel_traffic(&A.s_kernel, l->cs_spi_in, 5000,
	    50), 0);
	child_sa_life_rekey_in(w, 1);
	pump(5);
	ck_assert_int_eq(w->cs_state, CHILD_SA_REKEYED);
	ck_assert_int_eq(l->cs_state, CHILD_SA_INSTALLED);
	ISAKMP_SA_FOREACH(o, A.s_ike)
		TAILQ_FOREACH(qm, &o->is_qms, qm_entry)
			ck_assert_uint_ne(qm->qm_rekey_spi, w->cs_spi_in);
	ck_assert_str_eq(tunnel_state_name(status(&A).ts_state), "Connected");
	ck_assert_uint_eq(status(&A).ts_child[0].cs_spi_in, l->cs_spi_in);
	pair_free();
}
END_TEST

/*
 * The peer keeps two chains of IPsec SAs for one segment pair (strongSwan
 * after a simultaneous rekey: both new pairs installed, each rekeyed from
 * then on) and never deletes a rekeyed SA (strongSwan's IKEv1 default):
 * b's DELETEs are lost here.  b rekeys Y, which it made itself a moment
 * ago.  a takes that for the sign: once Y is unused (4 retransmission
 * delays without traffic) a deletes it, on the ISAKMP SA, so that the peer
 * keeps one chain.  An SA that the peer made long ago and rekeys is kept
 * until the peer deletes it or it expires, as before.
 */
/* Both "young" tests: a without traffic unless said, b's DELETEs lost
 * (fi), b rekeys X into Y; *before gets a's status with X, returns it
 * with Y. */
static struct tunnel_status
v1_peer_rekeys_quiet(struct filt *fi, struct tunnel_status *before)
{
	struct tunnel_status	 mid;

	*before = v1_up(0);
	A.s_kernel.mk_stats_bytes = 0;
	A.s_kernel.mk_stats_step = 0;
	B.s_net.mn_filter = filt_cb;
	B.s_net.mn_filter_arg = fi;
	ck_assert_int_eq(ike_tunnel_rekey(B.s_ike, "t1"), 0);
	pump(80);
	mid = status(&A);
	ck_assert_uint_ne(mid.ts_child[0].cs_spi_in,
	    before->ts_child[0].cs_spi_in);
	return (mid);
}

START_TEST(test_v1_peer_rekeys_young)
{
	struct filt		 fi = {
		IKEV1_EXCH_INFORMATIONAL, 0, 1000, 0
	};
	struct tunnel_status	 before, mid, after;
	struct child_sa		*y;

	mid = v1_peer_rekeys_quiet(&fi, &before);
	/* X, made by a, was rekeyed by b: kept (b did not delete it) */
	ck_assert_ptr_nonnull(mock_kernel_sa(&A.s_kernel,
	    before.ts_child[0].cs_spi_in));
	ck_assert_ptr_nonnull(y = ikev1_child_by_spi(ike_tunnel_find(A.s_ike,
	    "t1"), mid.ts_child[0].cs_spi_in));
	ck_assert_int_eq(y->cs_state, CHILD_SA_INSTALLED);
	ck_assert_int_eq(ike_tunnel_rekey(B.s_ike, "t1"), 0);
	pump(300);				/* y may be freed from here */
	after = status(&A);
	ck_assert_uint_ne(after.ts_child[0].cs_spi_in,
	    mid.ts_child[0].cs_spi_in);
	ck_assert_ptr_null(mock_kernel_sa(&A.s_kernel,
	    mid.ts_child[0].cs_spi_in));
	ck_assert_ptr_null(mock_kernel_sa(&A.s_kernel,
	    mid.ts_child[0].cs_spi_out));
	/* b got a's DELETE of Y */
	ck_assert_ptr_null(mock_kernel_sa(&B.s_kernel,
	    mid.ts_child[0].cs_spi_in));
	/* X (made by a, rekeyed at its age) and Z stay */
	ck_assert_ptr_nonnull(mock_kernel_sa(&A.s_kernel,
	    before.ts_child[0].cs_spi_in));
	ck_assert_ptr_nonnull(mock_kernel_sa(&A.s_kernel,
	    after.ts_child[0].cs_spi_in));
	ck_assert_str_eq(tunnel_state_name(status(&A).ts_state), "Connected");
	ck_assert_str_eq(tunnel_state_name(status(&B).ts_state), "Connected");
	pair_free();
}
END_TEST

/*
 * The same, but the peer still sends on Y: a keeps it while it does, and
 * deletes it once it is unused.
 */
START_TEST(test_v1_peer_rekeys_young_in_use)
{
	struct filt		 fi = { IKEV1_EXCH_INFORMATIONAL, 0, 1000, 0 };
	struct tunnel_status	 before;
	uint32_t		 y;
	int			 i;

	y = v1_peer_rekeys_quiet(&fi, &before).ts_child[0].cs_spi_in;
	ck_assert_int_eq(ike_tunnel_rekey(B.s_ike, "t1"), 0);
	for (i = 1; i <= 80; i++) {	/* 400 ms: 2.5 unused spans */
		ck_assert_int_eq(mock_kernel_traffic(&A.s_kernel, y,
		    1000 * (uint64_t)i, 10 * (uint64_t)i), 0);
		pump(5);
	}
	ck_assert_uint_ne(status(&A).ts_child[0].cs_spi_in, y);
	ck_assert_ptr_nonnull(mock_kernel_sa(&A.s_kernel, y));
	pump(300);			/* silent from now on */
	ck_assert_ptr_null(mock_kernel_sa(&A.s_kernel, y));
	ck_assert_str_eq(tunnel_state_name(status(&A).ts_state), "Connected");
	pair_free();
}
END_TEST

/*
 * a re-authenticates, but b forgets its half-open SA after message 2 (a's
 * message 3 was lost until b's half-open lifetime ran out: the v1-gw-gw
 * soak under 10% loss): a sends message 3 into the void.  b then
 * re-authenticates itself, and its new ISAKMP SA must take over a's
 * IPsec SA, not hand it to a's SA that will never be established (which
 * then took it down: Connecting for 15 s, again and again).  The tunnel
 * stays Connected throughout; when a's attempt has given up, each side
 * has one live ISAKMP SA, b's, and the IPsec SA pair from before.
 */
START_TEST(test_v1_reauth_responder_forgot)
{
	struct filt		 fa = { IKEV1_EXCH_MAIN, 1, 2, 0 };
	struct tunnel_status	 before, after, sb;
	int			 i;

	before = v1_up(20);
	ikev1_half_open_ms_set(B.s_ike, 30, IKEV1_HALF_EVICT_MS);
	A.s_net.mn_filter = filt_cb;	/* a's message 3 lost twice */
	A.s_net.mn_filter_arg = &fa;
	ck_assert_int_eq(ike_tunnel_rekey_ike(A.s_ike, "t1"), 0);
	pump(100);
	ck_assert_int_eq(fa.f_seen, 3);	/* message 1, message 3 twice */
	ck_assert_int_eq(v1_nsa(&B), 1);	/* b forgot a's new SA */
	ck_assert_int_eq(v1_nsa(&A), 2);	/* a still waits for message 4 */
	ck_assert_int_eq(ike_tunnel_rekey_ike(B.s_ike, "t1"), 0);
	for (i = 0; i < 200; i++) {		/* 4 s: a's attempt ends (2.5 s) */
		pump(20);
		ck_assert_str_eq(tunnel_state_name(status(&A).ts_state),
		    "Connected");
		ck_assert_str_eq(tunnel_state_name(status(&B).ts_state),
		    "Connected");
	}
	assert_connected(1, 16, 20);
	ck_assert_int_eq(v1_nlive(&A), 1);
	ck_assert_int_eq(v1_nlive(&B), 1);
	after = status(&A);
	sb = status(&B);
	ck_assert(memcmp(after.ts_spi_i, before.ts_spi_i, 8) != 0);
	ck_assert_mem_eq(after.ts_spi_i, sb.ts_spi_i, 8);
	ck_assert_uint_eq(after.ts_child[0].cs_spi_in,
	    before.ts_child[0].cs_spi_in);
	ck_assert_uint_eq(after.ts_child[0].cs_spi_out,
	    before.ts_child[0].cs_spi_out);
	pair_free();
}
END_TEST

/*
 * a re-authenticates; b's message 2 is lost once, so a sends message 1
 * again (at 40 ms), and a's message 3 is lost once too: its
 * retransmission reaches b at 80 ms, after b's 60 ms half-open lifetime
 * counted from message 1 (the v1-gw-gw soak: message 3 at 6.0 s, the
 * lifetime 5 s; the old ISAKMP SA then reached its end without a
 * successor).  The retransmitted message 1 starts that lifetime again:
 * the new ISAKMP SA is established on both sides.
 */
START_TEST(test_v1_half_open_retransmitted)
{
	struct filt		 fa = { IKEV1_EXCH_MAIN, 2, 1, 0 };
	struct filt		 fb = { IKEV1_EXCH_MAIN, 0, 1, 0 };
	struct tunnel_status	 before, after, sb;
	struct ike_counters	 c;

	before = v1_up(20);
	ikev1_half_open_ms_set(B.s_ike, 60, IKEV1_HALF_EVICT_MS);
	A.s_net.mn_filter = filt_cb;	/* a's message 3 lost once */
	A.s_net.mn_filter_arg = &fa;
	B.s_net.mn_filter = filt_cb;	/* b's message 2 lost once */
	B.s_net.mn_filter_arg = &fb;
	ck_assert_int_eq(ike_tunnel_rekey_ike(A.s_ike, "t1"), 0);
	pump(300);
	ck_assert_int_ge(fa.f_seen, 4);	/* 1 twice, 3 twice, 5 */
	ike_counters_get(B.s_ike, &c);
	ck_assert_uint_eq(c.ic_v1_half_expired, 0);
	after = status(&A);
	sb = status(&B);
	ck_assert(memcmp(after.ts_spi_i, before.ts_spi_i, 8) != 0);
	ck_assert_mem_eq(after.ts_spi_i, sb.ts_spi_i, 8);
	assert_connected(1, 16, 20);
	pair_free();
}
END_TEST

/*
 * a's ISAKMP SA (3600 "s" of 1 ms) reaches its end while a's
 * re-authentication waits for message 6 (b's answers lost until 3.65 s;
 * the v1-gw-gw soak): the IPsec SAs stay and the new ISAKMP SA takes
 * them over once message 6 gets through.  Before, a deleted them with
 * the old SA ("expired without a successor") and the tunnel went
 * Connecting for 8 s.
 */
START_TEST(test_v1_expiry_during_reauth)
{
	struct side_opts	 a = opt_a, b = opt_b;
	struct tunnel_status	 before, after, sb;
	int			 t;

	a.so_ike = b.so_ike = "\t\tlifetime 3600\n";
	pair_init(&a, &b);
	ikev1_life_unit_set(A.s_ike, 1);
	ikev1_life_unit_set(B.s_ike, 1);
	ikev1_reauth_delete_set(A.s_ike, 20);
	ikev1_reauth_delete_set(B.s_ike, 20);
	ike_start(A.s_ike);
	pump(50);
	assert_connected(1, 16, 20);
	before = status(&A);
	mm6_drops = 1000;
	B.s_net.mn_filter = mm6_drop_cb;
	for (t = 50; t < 4600; t += 20) {
		if (t >= 3650)
			mm6_drops = 0;
		pump(20);
		ck_assert_str_eq(tunnel_state_name(status(&A).ts_state),
		    "Connected");
		ck_assert_str_eq(tunnel_state_name(status(&B).ts_state),
		    "Connected");
	}
	ck_assert_int_lt(mm6_drops, 1000);	/* message 6 was lost */
	ck_assert_uint_eq(status(&A).ts_ike_rekeys, 1);
	assert_connected(1, 16, 20);
	ck_assert_int_eq(v1_nlive(&A), 1);
	ck_assert_int_eq(v1_nlive(&B), 1);
	after = status(&A);
	sb = status(&B);
	ck_assert(memcmp(after.ts_spi_i, before.ts_spi_i, 8) != 0);
	ck_assert_mem_eq(after.ts_spi_i, sb.ts_spi_i, 8);
	ck_assert_uint_eq(after.ts_child[0].cs_spi_in,
	    before.ts_child[0].cs_spi_in);
	pair_free();
}
END_TEST

/*
 * Our rekey of an IPsec SA that ends within a second (3600 "s" of 1 ms,
 * rekeyed 2.75 s in): the new outbound SA goes in at once and the old SA
 * goes, instead of our traffic staying on the old SA until the peer uses
 * the new one: the old one would be gone before that, and with it every
 * outbound SA (the v1-gw-swan soak then lost 12 s: its ping only answers,
 * so the peer never sent first).
 */
START_TEST(test_v1_rekey_late_no_defer)
{
	struct side_opts	 a = opt_a, b = opt_b;
	struct tunnel_status	 before, after;

	a.so_ipsec = b.so_ipsec = "\t\tlifetime 3600\n";
	pair_init(&a, &b);
	ikev1_life_unit_set(A.s_ike, 1);
	ikev1_life_unit_set(B.s_ike, 1);
	ike_start(A.s_ike);
	pump(50);
	assert_connected(1, 16, 20);
	before = status(&A);
	/* no traffic anywhere unless said */
	A.s_kernel.mk_stats_bytes = 0;
	B.s_kernel.mk_stats_bytes = 0;
	pump(2700);
	ck_assert_uint_eq(status(&A).ts_child[0].cs_spi_in,
	    before.ts_child[0].cs_spi_in);
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	pump(15);
	after = status(&A);
	ck_assert_uint_ne(after.ts_child[0].cs_spi_in,
	    before.ts_child[0].cs_spi_in);
	/* the new pair only, its outbound SA in already */
	ck_assert_ptr_nonnull(mock_kernel_sa(&A.s_kernel,
	    after.ts_child[0].cs_spi_out));
	ck_assert_ptr_null(mock_kernel_sa(&A.s_kernel,
	    before.ts_child[0].cs_spi_out));
	ck_assert_int_eq(mock_kernel_nsa(&A.s_kernel), 2);
	assert_connected(1, 16, 20);
	pair_free();
}
END_TEST

/* b's filter: b's first Quick Mode message passes (its id noted), its
 * second (message 3) is lost; a's filter: counts a's Quick Mode messages
 * of other exchanges (Quick Modes a begins). */
static uint32_t	filt_peer_qm_id;
static int	filt_own_qm;

static enum mock_verdict
filt_peer_qm_cb(void *arg, const uint8_t *pkt, size_t len)
{
	int		*n = arg;
	uint32_t	 id;

	if (len < IKEV1_HDR_LEN || pkt[18] != IKEV1_EXCH_QUICK)
		return (MOCK_PASS);
	memcpy(&id, pkt + 20, 4);
	if (n == NULL) {			/* a */
		if (id != filt_peer_qm_id)
			filt_own_qm++;
		return (MOCK_PASS);
	}
	if ((*n)++ == 0) {
		filt_peer_qm_id = id;
		return (MOCK_PASS);
	}
	return (*n == 2 ? MOCK_DROP : MOCK_PASS);
}

/*
 * a's rekey time of X comes while b's Quick Mode rekeying X waits for its
 * message 3 (lost): a does not start a Quick Mode of its own for X (a
 * second new pair; strongSwan, reached by it while its own rekey waits,
 * keeps both, each rekeyed from then on), and b's rekey completes (here
 * by b's DELETE of X).
 */
START_TEST(test_v1_rekey_waits_for_peer_qm)
{
	struct tunnel_status	 before, after;
	struct child_sa		*x;
	int			 nb = 0;

	before = v1_up(0);
	/* no traffic: a's new SA waits for message 3, b's for a's DELETE */
	A.s_kernel.mk_stats_bytes = B.s_kernel.mk_stats_bytes = 0;
	A.s_kernel.mk_stats_step = B.s_kernel.mk_stats_step = 0;
	filt_peer_qm_id = 0;
	filt_own_qm = 0;
	A.s_net.mn_filter = filt_peer_qm_cb;
	A.s_net.mn_filter_arg = NULL;
	B.s_net.mn_filter = filt_peer_qm_cb;
	B.s_net.mn_filter_arg = &nb;
	ck_assert_int_eq(ike_tunnel_rekey(B.s_ike, "t1"), 0);
	pump(10);
	ck_assert_int_eq(nb, 2);		/* message 3 lost */
	ck_assert_ptr_nonnull(x = ikev1_child_by_spi(ike_tunnel_find(A.s_ike,
	    "t1"), before.ts_child[0].cs_spi_in));
	child_sa_life_rekey_in(x, 1);		/* a's rekey time */
	pump(20);
	ck_assert_int_eq(filt_own_qm, 0);
	pump(300);
	ck_assert_int_eq(filt_own_qm, 0);
	after = status(&A);
	ck_assert_str_eq(tunnel_state_name(after.ts_state), "Connected");
	ck_assert_uint_ne(after.ts_child[0].cs_spi_in,
	    before.ts_child[0].cs_spi_in);
	ck_assert_uint_eq(after.ts_child[0].cs_spi_in,
	    status(&B).ts_child[0].cs_spi_out);
	pair_free();
}
END_TEST

/*
 * Both sides rekey the IPsec SA at the same moment (gatewayctl rekey on
 * each): two Quick Modes, two new SA pairs.  Afterwards both sides carry
 * on with the same one (a's inbound SPI is b's outbound), the other is
 * kept until it expires, and the old pair is gone.
 */
START_TEST(test_v1_rekey_collision)
{
	struct tunnel_status	 before, sa, sb;

	before = v1_up(0);
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	ck_assert_int_eq(ike_tunnel_rekey(B.s_ike, "t1"), 0);
	pump(200);
	/* the losing pair is not deleted (strongSwan may send only on it)
	 * but no longer rekeyed: it goes when it expires; the old pair is
	 * gone */
	ck_assert_int_ge(mock_kernel_nsa(&A.s_kernel), 3);
	ck_assert_int_le(mock_kernel_nsa(&A.s_kernel), 4);
	ck_assert_int_ge(mock_kernel_nsa(&B.s_kernel), 3);
	ck_assert_int_le(mock_kernel_nsa(&B.s_kernel), 4);
	ck_assert_ptr_null(mock_kernel_sa(&A.s_kernel,
	    before.ts_child[0].cs_spi_in));
	ck_assert_ptr_null(mock_kernel_sa(&B.s_kernel,
	    before.ts_child[0].cs_spi_out));
	sa = status(&A);
	sb = status(&B);
	ck_assert_str_eq(tunnel_state_name(sa.ts_state), "Connected");
	ck_assert_str_eq(tunnel_state_name(sb.ts_state), "Connected");
	ck_assert_int_eq(mock_kernel_nlarval(&A.s_kernel), 0);
	ck_assert_int_eq(mock_kernel_nlarval(&B.s_kernel), 0);
	ck_assert_uint_eq(sa.ts_child[0].cs_spi_in, sb.ts_child[0].cs_spi_out);
	ck_assert_uint_eq(sa.ts_child[0].cs_spi_out, sb.ts_child[0].cs_spi_in);
	ck_assert_uint_ne(sa.ts_child[0].cs_spi_in,
	    before.ts_child[0].cs_spi_in);
	ck_assert_int_eq(A.s_kernel.mk_errors + B.s_kernel.mk_errors, 0);
	/* the policies name the surviving pair's reqid */
	ck_assert_uint_eq(mock_kernel_policy(&A.s_kernel, KDIR_IN,
	    "10.0.0.0/12", "172.16.0.0/24")->kp_reqid,
	    mock_kernel_sa(&A.s_kernel, sa.ts_child[0].cs_spi_in)->m_sa.ks_reqid);
	ck_assert_uint_eq(mock_kernel_policy(&B.s_kernel, KDIR_IN,
	    "172.16.0.0/24", "10.0.0.0/12")->kp_reqid,
	    mock_kernel_sa(&B.s_kernel, sb.ts_child[0].cs_spi_in)->m_sa.ks_reqid);
	pair_free();
}
END_TEST

/*
 * b's Quick Mode rekeying the IPsec SA X is held on the way (as under
 * loss) while a's rekey of X runs to its end: it arrives after a has X's
 * successor Y.  a must take it for b's rekey of X (a collision both
 * sides settle alike), not for a rekey of Y: then strongSwan kept two
 * chains of CHILD SAs for good (the v1-gw-swan soak's final check).
 */
START_TEST(test_v1_crossed_rekey_late)
{
	struct tunnel_status	 before, sa, sb;
	struct mock_dgram	 held;
	struct child_sa		*cs;

	before = v1_up(0);
	ck_assert_int_eq(ike_tunnel_rekey(B.s_ike, "t1"), 0);
	ck_assert_int_eq(mock_net_pop(&B.s_net, &held), 0);	/* b's QM1 */
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	pump(60);
	ike_recv(A.s_ike, held.d_data, held.d_len, &held.d_dst, &held.d_src);
	free(held.d_data);
	pump(400);
	sa = status(&A);
	sb = status(&B);
	ck_assert_str_eq(tunnel_state_name(sa.ts_state), "Connected");
	ck_assert_str_eq(tunnel_state_name(sb.ts_state), "Connected");
	/* one pair carries on, the same on both sides */
	ck_assert_uint_eq(sa.ts_child[0].cs_spi_in, sb.ts_child[0].cs_spi_out);
	ck_assert_uint_eq(sa.ts_child[0].cs_spi_out, sb.ts_child[0].cs_spi_in);
	ck_assert_uint_ne(sa.ts_child[0].cs_spi_in,
	    before.ts_child[0].cs_spi_in);
	ck_assert_int_le(mock_kernel_nsa(&A.s_kernel), 4);
	ck_assert_int_le(mock_kernel_nsa(&B.s_kernel), 4);
	/* a took it for a collision (the two new pairs are twins), not for
	 * a rekey of its own new SA kept until the peer deletes it */
	ck_assert_ptr_nonnull(cs = ikev1_child_by_spi(ike_tunnel_find(A.s_ike,
	    "t1"), sa.ts_child[0].cs_spi_in));
	ck_assert_uint_ne(cs->cs_twin_spi, 0);
	pair_free();
}
END_TEST

/* Drops b's Quick Mode messages with the message ID *arg. */
static enum mock_verdict
filt_qm_id_cb(void *arg, const uint8_t *pkt, size_t len)
{
	const uint32_t	*want = arg;
	uint32_t	 id;

	if (len < IKEV1_HDR_LEN || pkt[18] != IKEV1_EXCH_QUICK)
		return (MOCK_PASS);
	memcpy(&id, pkt + 20, 4);
	return (id == *want ? MOCK_DROP : MOCK_PASS);
}

/*
 * As test_v1_crossed_rekey_late, and b's message 3 of its Quick Mode is
 * lost: b sends on its new SA from then on.  a's inbound SA for it must
 * be in from a's message 2, although a deleted the SA that Quick Mode
 * rekeys already (strongSwan's traffic on it was dropped for 6 s in the
 * v1-gw-swan soak, until a retransmission brought message 3).
 */
START_TEST(test_v1_crossed_rekey_msg3_lost)
{
	struct mock_dgram	 held;
	struct isakmp_sa	*o;
	struct ikev1_qm		*qm, *r2 = NULL;
	uint32_t		 id;

	(void)v1_up(0);
	ck_assert_int_eq(ike_tunnel_rekey(B.s_ike, "t1"), 0);
	ck_assert_int_eq(mock_net_pop(&B.s_net, &held), 0);	/* b's QM1 */
	memcpy(&id, held.d_data + 20, 4);
	/* b's retransmissions of it and its message 3 are lost */
	B.s_net.mn_filter = filt_qm_id_cb;
	B.s_net.mn_filter_arg = &id;
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	pump(60);
	ike_recv(A.s_ike, held.d_data, held.d_len, &held.d_dst, &held.d_src);
	free(held.d_data);
	/* a's message 2 is out (not yet delivered) */
	ISAKMP_SA_FOREACH(o, A.s_ike)
		TAILQ_FOREACH(qm, &o->is_qms, qm_entry)
			if (qm->qm_msgid == ntohl(id) && qm->qm_state == QM_R2)
				r2 = qm;
	ck_assert_ptr_nonnull(r2);
	ck_assert_ptr_nonnull(r2->qm_child);
	ck_assert_ptr_nonnull(mock_kernel_sa(&A.s_kernel,
	    r2->qm_child->cs_spi_in));
	pump(300);
	ck_assert_str_eq(tunnel_state_name(status(&A).ts_state), "Connected");
	ck_assert_str_eq(tunnel_state_name(status(&B).ts_state), "Connected");
	ck_assert_uint_eq(status(&A).ts_child[0].cs_spi_in,
	    status(&B).ts_child[0].cs_spi_out);
	pair_free();
}
END_TEST

/*
 * A Quick Mode rekeying the IPsec SA is under way on the old ISAKMP SA
 * (b's message 2 lost, a retransmits after 40 ms) when a's
 * re-authentication finishes and the new ISAKMP SA takes the IPsec SAs
 * over.  The Quick Mode then ends on the replaced SA: its new IPsec SA
 * must go to the new ISAKMP SA on both sides, not down with the old one
 * when that is deleted (the lab soak lost the tunnel so), and that
 * delete waits for a Quick Mode still under way on it.
 */
START_TEST(test_v1_reauth_quick_in_flight)
{
	struct filt		 fq = { IKEV1_EXCH_QUICK, 0, 1, 0 };
	struct tunnel_status	 before, after;

	/* the old ISAKMP SA goes 100 ms after the new one is up (_i 0), or
	 * 20 ms, before the retransmission: its delete waits for the Quick
	 * Mode then */
	before = v1_up(_i == 0 ? 100 : 20);
	B.s_net.mn_filter = filt_cb;
	B.s_net.mn_filter_arg = &fq;
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	ck_assert_int_eq(ike_tunnel_rekey_ike(A.s_ike, "t1"), 0);
	pump(300);
	ck_assert_int_ge(fq.f_seen, 2);		/* message 2 lost, then sent */
	assert_connected(1, 16, 20);
	after = status(&A);
	ck_assert(memcmp(after.ts_spi_i, before.ts_spi_i, 8) != 0);
	ck_assert_uint_ne(after.ts_child[0].cs_spi_in,
	    before.ts_child[0].cs_spi_in);
	/* the old ISAKMP SA, on which the new IPsec SA was made, stays
	 * (replaced) until that IPsec SA's lifetime is over: a peer like
	 * strongSwan keeps it with the IKE SA it was made on */
	ck_assert_int_eq(v1_nlive(&A), 1);
	ck_assert_int_eq(v1_nlive(&B), 1);
	ck_assert_int_eq(A.s_kernel.mk_errors + B.s_kernel.mk_errors, 0);
	pair_free();
}
END_TEST

/*
 * b (as strongSwan would) rekeys the IPsec SA and re-authenticates at
 * once: its Quick Mode ends on the old ISAKMP SA after a has seen b's
 * new phase 1 begin.  strongSwan then destroys that IPsec SA silently
 * with the old IKE SA (emulated: b forgets it without a DELETE).  When
 * b deletes the old ISAKMP SA, a deletes the IPsec SA made on it late
 * and sets the segment pair up again at once, on the new ISAKMP SA:
 * before, a kept sending on an SA b no longer had.
 */
START_TEST(test_v1_late_child_dropped)
{
	struct tunnel_status	 before, mid, after;
	struct child_sa		*cs;

	before = v1_up(150);
	ck_assert_int_eq(ike_tunnel_rekey(B.s_ike, "t1"), 0);
	ck_assert_int_eq(ike_tunnel_rekey_ike(B.s_ike, "t1"), 0);
	pump(60);
	mid = status(&A);
	ck_assert(memcmp(mid.ts_spi_i, before.ts_spi_i, 8) != 0);
	ck_assert_int_eq(mid.ts_nchild, 1);
	ck_assert_uint_ne(mid.ts_child[0].cs_spi_in,
	    before.ts_child[0].cs_spi_in);
	/* b forgets the IPsec SA made late on the old ISAKMP SA */
	ck_assert_ptr_nonnull(cs = ikev1_child_by_spi(ike_tunnel_find(B.s_ike,
	    "t1"), mid.ts_child[0].cs_spi_out));
	ikev1_child_remove(cs);
	pump(300);
	after = status(&A);
	assert_connected(1, 16, 20);
	ck_assert_uint_ne(after.ts_child[0].cs_spi_in,
	    mid.ts_child[0].cs_spi_in);
	ck_assert_ptr_nonnull(mock_kernel_sa(&B.s_kernel,
	    after.ts_child[0].cs_spi_out));
	ck_assert_ptr_null(mock_kernel_sa(&A.s_kernel,
	    mid.ts_child[0].cs_spi_in));
	ck_assert_int_eq(v1_nlive(&A), 1);
	ck_assert_int_eq(v1_nlive(&B), 1);
	pair_free();
}
END_TEST

/*
 * The rule of test_v1_late_child_dropped, as the peer's DELETE of an
 * ISAKMP SA meets it: an IPsec SA made on that SA after the peer began a
 * new phase 1 goes with it (_i 0), unless the peer began another phase 1
 * after the IPsec SA was made (_i 1): strongSwan, holding two ISAKMP SAs
 * of the tunnel after both sides re-authenticated together, had moved
 * the IPsec SA along when it re-authenticated its SA later, and dropping
 * it cost the v1-gw-swan soak a second without an SA and a second chain.
 */
START_TEST(test_v1_late_child_newer_phase1)
{
	struct ike_tunnel	*t;
	struct isakmp_sa	*sa, *o1, *o2 = NULL;
	struct child_sa		*cs;
	uint32_t		 spi;

	(void)v1_up(0);
	t = ike_tunnel_find(A.s_ike, "t1");
	ck_assert_ptr_nonnull(sa = ikev1_tunnel_sa(t));
	ck_assert_ptr_nonnull(cs = TAILQ_FIRST(&sa->is_b.b_children));
	spi = cs->cs_spi_in;
	/* the peer's phase 1 (another SA's re-authentication, say) */
	ck_assert_ptr_nonnull(o1 = isakmp_new(A.s_ike, t, 0, IKEV1_EXCH_MAIN,
	    &sa->is_b.b_local, &sa->is_b.b_remote));
	ikev1_child_late(sa, cs);
	ck_assert_uint_eq(cs->cs_late_on, sa->is_b.b_up_seq);
	if (_i == 1)
		ck_assert_ptr_nonnull(o2 = isakmp_new(A.s_ike, t, 0,
		    IKEV1_EXCH_MAIN, &sa->is_b.b_local, &sa->is_b.b_remote));
	ck_assert_int_eq(ikev1_late_drop(sa, NULL), _i == 0);
	if (_i == 0)
		ck_assert_ptr_null(ikev1_child_by_spi(t, spi));
	else
		ck_assert_ptr_eq(ikev1_child_by_spi(t, spi), cs);
	if (o2 != NULL) {
		ike_sa_base_tunnel_set(&o2->is_b, NULL);
		isakmp_destroy(o2);
	}
	ike_sa_base_tunnel_set(&o1->is_b, NULL);
	isakmp_destroy(o1);
	pair_free();
}
END_TEST

static struct child_sa	*v1_one_installed(struct side *);

/*
 * As test_exchange_unauth_fail_connected (IKEv2): a's second Main Mode
 * with another PSK (anyone with the peer's address may begin one): b's
 * tunnel, which does not initiate and is Connected, stays so with no
 * last error; the old code set it to "Phase 1 failed".
 */
START_TEST(test_v1_unauth_fail_connected)
{
	struct ike_tunnel	*ta;
	struct tunnel_status	 sb;
	int			 ms;

	(void)v1_up(0);
	ck_assert_ptr_nonnull(ta = ike_tunnel_find(A.s_ike, "t1"));
	ta->t_cfg->tn_psk[0] ^= 0x01;
	ck_assert_int_eq(ike_tunnel_initiate(ta), 0);
	for (ms = 0; ms < 1500; ms += 50) {
		pump(50);
		sb = status(&B);
		ck_assert_str_eq(tunnel_state_name(sb.ts_state), "Connected");
		ck_assert_str_eq(sb.ts_last_error, "");
	}
	ck_assert_int_eq(v1_nlive(&B), 1);
	ck_assert_int_eq(B.s_kernel.mk_nsa, 2);
	pair_free();
}
END_TEST

/*
 * The late IPsec SA of test_v1_late_child_dropped rekeyed an SA that is
 * still here: b's DELETE of the old SA is lost (strongSwan sends it only
 * once its rekey is done, on the same IKE SA, which reached its end
 * first: the v1-gw-swan soak).  When the peer's ISAKMP SA goes, the late
 * SA goes, and the old one carries on (it is in the kernel both ways)
 * and is rekeyed again: the tunnel stays Connected.  Before, the
 * segment pair was down (Connecting) until a new Quick Mode was done.
 */
START_TEST(test_v1_late_heir)
{
	struct ike_tunnel	*t;
	struct isakmp_sa	*sa, *o1;
	struct child_sa		*old, *cs;
	struct filt		 fi = { IKEV1_EXCH_INFORMATIONAL, 0, 1000, 0 };
	uint32_t		 old_spi, late_spi;

	(void)v1_up(0);
	t = ike_tunnel_find(A.s_ike, "t1");
	ck_assert_ptr_nonnull(sa = ikev1_tunnel_sa(t));
	ck_assert_ptr_nonnull(old = TAILQ_FIRST(&sa->is_b.b_children));
	old_spi = old->cs_spi_in;
	/* the peer's new phase 1 has begun */
	ck_assert_ptr_nonnull(o1 = isakmp_new(A.s_ike, t, 0, IKEV1_EXCH_MAIN,
	    &sa->is_b.b_local, &sa->is_b.b_remote));
	B.s_net.mn_filter = filt_cb;		/* b's DELETEs lost */
	B.s_net.mn_filter_arg = &fi;
	ck_assert_int_eq(ike_tunnel_rekey(B.s_ike, "t1"), 0);
	pump(30);
	B.s_net.mn_filter = NULL;
	/* a: the late SA carries on, the old one is superseded */
	ck_assert_ptr_nonnull(old = ikev1_child_by_spi(t, old_spi));
	ck_assert_int_eq(old->cs_state, CHILD_SA_REKEYED);
	ck_assert_uint_eq(old->cs_rekey_spi, 0);
	cs = NULL;
	TAILQ_FOREACH(cs, &sa->is_b.b_children, cs_entry)
		if (cs->cs_rekey_spi == old_spi)
			break;
	ck_assert_ptr_nonnull(cs);
	ck_assert_uint_eq(cs->cs_late_on, sa->is_b.b_up_seq);
	late_spi = cs->cs_spi_in;
	/* the peer deletes the ISAKMP SA the late SA was made on */
	ck_assert_int_eq(ikev1_late_drop(sa, NULL), 1);
	ck_assert_ptr_null(ikev1_child_by_spi(t, late_spi));
	ck_assert_ptr_null(mock_kernel_sa(&A.s_kernel, late_spi));
	ck_assert_int_eq(old->cs_state, CHILD_SA_INSTALLED);
	ck_assert_int_eq(old->cs_pair, 0);
	ck_assert_int_eq(t->t_pair[0], PAIR_UP);
	ck_assert_str_eq(tunnel_state_name(status(&A).ts_state), "Connected");
	/* and is rekeyed again */
	ike_sa_base_tunnel_set(&o1->is_b, NULL);
	isakmp_destroy(o1);
	isakmp_next(sa);
	pump(100);
	ck_assert_str_eq(tunnel_state_name(status(&A).ts_state), "Connected");
	ck_assert_ptr_null(ikev1_child_by_spi(t, old_spi));
	cs = v1_one_installed(&A);
	ck_assert_uint_ne(cs->cs_spi_in, old_spi);
	ck_assert_ptr_nonnull(mock_kernel_sa(&B.s_kernel, cs->cs_spi_out));
	pair_free();
}
END_TEST

/*
 * Both initiate; once connected, each side drops its IPsec SA and sets
 * the segment pair up again at once: the two Quick Modes cross.
 */
static void
v1_crossed_setup(void)
{
	struct side_opts	 b = opt_b;
	struct side		*s[2] = { &A, &B };
	struct ike_tunnel	*t;
	struct isakmp_sa	*sa;
	struct child_sa		*cs;
	int			 i;

	b.so_initiate = 1;
	pair_init(&opt_a, &b);
	ike_start(A.s_ike);
	pump(80);
	assert_connected(1, 16, 20);
	for (i = 0; i < 2; i++) {
		t = ike_tunnel_find(s[i]->s_ike, "t1");
		ck_assert_ptr_nonnull(sa = ikev1_tunnel_sa(t));
		ck_assert_ptr_nonnull(cs = TAILQ_FIRST(&sa->is_b.b_children));
		t->t_pair[0] = PAIR_NONE;
		ikev1_child_remove(cs);
	}
	for (i = 0; i < 2; i++) {
		sa = ikev1_tunnel_sa(ike_tunnel_find(s[i]->s_ike, "t1"));
		sa->is_pairs_ours = 1;
		isakmp_next(sa);
	}
	pump(100);
}

/*
 * Both sides set the segment pair up at once (the pair went on both, as
 * when a re-authentication's late IPsec SA is dropped and the peer's
 * DELETE of it arrives): the Quick Modes cross, and each side has two
 * pairs for one selector.  They share one reqid, so the inbound policy
 * accepts what the peer sends on either.  With a reqid each, each side's
 * policies followed the pair it installed last, not the same one, and
 * in the v1-gw-gw soak 15 s of traffic failed the inbound check.
 */
START_TEST(test_v1_crossed_quick_modes)
{
	struct side		*s[2] = { &A, &B };
	struct isakmp_sa	*sa;
	struct child_sa		*cs;
	const struct kernel_policy *kp;
	int			 i, n, ninst;

	v1_crossed_setup();
	for (i = 0; i < 2; i++) {
		sa = ikev1_tunnel_sa(ike_tunnel_find(s[i]->s_ike, "t1"));
		ck_assert_ptr_nonnull(kp = mock_kernel_policy(&s[i]->s_kernel,
		    KDIR_IN, i ? "172.16.0.0/24" : "10.0.0.0/12",
		    i ? "10.0.0.0/12" : "172.16.0.0/24"));
		n = ninst = 0;
		TAILQ_FOREACH(cs, &sa->is_b.b_children, cs_entry) {
			/* one carries on, the other is superseded
			 * (test_v1_crossed_then_rekeyed) */
			ninst += cs->cs_state == CHILD_SA_INSTALLED;
			ck_assert(cs->cs_state == CHILD_SA_INSTALLED ||
			    cs->cs_state == CHILD_SA_REKEYED);
			ck_assert_uint_eq(mock_kernel_sa(&s[i]->s_kernel,
			    cs->cs_spi_in)->m_sa.ks_reqid, kp->kp_reqid);
			n++;
		}
		ck_assert_int_eq(n, 2);
		ck_assert_int_eq(ninst, 1);
	}
	ck_assert_str_eq(tunnel_state_name(status(&A).ts_state), "Connected");
	ck_assert_str_eq(tunnel_state_name(status(&B).ts_state), "Connected");
	ck_assert_int_eq(A.s_kernel.mk_errors + B.s_kernel.mk_errors, 0);
	pair_free();
}
END_TEST

/* The one installed (not superseded) IPsec SA of t1 at s; fails if
 * there are more. */
static struct child_sa *
v1_one_installed(struct side *s)
{
	struct ike_tunnel	*t = ike_tunnel_find(s->s_ike, "t1");
	struct isakmp_sa	*o;
	struct child_sa		*cs, *one = NULL;

	ISAKMP_TUNNEL_SA_FOREACH(o, t) {
		if (o->is_state == ISAKMP_DEAD)
			continue;
		TAILQ_FOREACH(cs, &o->is_b.b_children, cs_entry)
			if (cs->cs_state == CHILD_SA_INSTALLED) {
				ck_assert_ptr_null(one);
				one = cs;
			}
	}
	ck_assert_ptr_nonnull(one);
	return (one);
}

/*
 * As test_v1_crossed_quick_modes, and then the rekey time of each side's
 * own pair comes at once (each side made one of the two: the v1-gw-gw
 * soak, 13 s after the crossing).  Quick Mode does not say which SA it
 * rekeys: with both pairs carried on, each side rekeyed a different
 * one, each took the other's new pair for the successor of another SA,
 * and one side deleted the pair the other kept (2 s of Connecting in
 * CI).  Both sides must settle the duplicate alike when it is made:
 * one pair carries on (the same one at a and b), the other is no
 * longer rekeyed.
 */
START_TEST(test_v1_crossed_then_rekeyed)
{
	struct side		*s[2] = { &A, &B };
	struct isakmp_sa	*sa;
	struct child_sa		*cs, *ca, *cb;
	int			 i, ms;

	v1_crossed_setup();
	/* settled when made: the same pair carries on at a and b */
	ca = v1_one_installed(&A);
	cb = v1_one_installed(&B);
	ck_assert_uint_eq(ca->cs_spi_in, cb->cs_spi_out);
	ck_assert_uint_eq(ca->cs_spi_out, cb->cs_spi_in);
	/* each side's rekey timer of the pair it made, if it carries on
	 * (v1_child_rekey_due rekeys installed SAs only) */
	for (i = 0; i < 2; i++) {
		sa = ikev1_tunnel_sa(ike_tunnel_find(s[i]->s_ike, "t1"));
		TAILQ_FOREACH(cs, &sa->is_b.b_children, cs_entry)
			if (cs->cs_initiated &&
			    cs->cs_state == CHILD_SA_INSTALLED)
				cs->cs_rekey_due = 1;
	}
	for (i = 0; i < 2; i++)
		isakmp_next(ikev1_tunnel_sa(ike_tunnel_find(s[i]->s_ike,
		    "t1")));
	for (ms = 0; ms < 400; ms += 10) {
		pump(10);
		ck_assert_str_eq(tunnel_state_name(status(&A).ts_state),
		    "Connected");
		ck_assert_str_eq(tunnel_state_name(status(&B).ts_state),
		    "Connected");
	}
	/* one pair carries on, the same at both, and each side's outbound
	 * SA of it is the other's inbound SA */
	ca = v1_one_installed(&A);
	cb = v1_one_installed(&B);
	ck_assert_uint_eq(ca->cs_spi_in, cb->cs_spi_out);
	ck_assert_uint_eq(ca->cs_spi_out, cb->cs_spi_in);
	ck_assert_ptr_nonnull(mock_kernel_sa(&B.s_kernel, ca->cs_spi_out));
	ck_assert_ptr_nonnull(mock_kernel_sa(&A.s_kernel, cb->cs_spi_out));
	ck_assert_int_eq(A.s_kernel.mk_errors + B.s_kernel.mk_errors, 0);
	pair_free();
}
END_TEST

/*
 * The lifetimes drive it (one lifetime second = 2 ms here): IPsec SAs of
 * 3600 "s" are rekeyed at ~85-90% by their creator, and the ISAKMP SA of
 * 3600 "s" is re-authenticated; the tunnel stays up throughout.
 */
START_TEST(test_v1_lifetimes)
{
	struct side_opts	 a = opt_a, b = opt_b;
	struct tunnel_status	 before, after;
	int			 ms;

	a.so_ike = b.so_ike = "\t\tlifetime 3600\n";
	a.so_ipsec = b.so_ipsec = "\t\tlifetime 3600\n";
	pair_init(&a, &b);
	ikev1_life_unit_set(A.s_ike, 2);
	ikev1_life_unit_set(B.s_ike, 2);
	ikev1_reauth_delete_set(A.s_ike, 20);
	ikev1_reauth_delete_set(B.s_ike, 20);
	ike_start(A.s_ike);
	pump(80);
	assert_connected(1, 16, 20);
	before = status(&A);
	for (ms = 0; ms < 7600; ms += 100) {
		pump(100);
		ck_assert_str_eq(tunnel_state_name(status(&A).ts_state),
		    "Connected");
	}
	assert_connected(1, 16, 20);
	after = status(&A);
	ck_assert_uint_ne(after.ts_child[0].cs_spi_in,
	    before.ts_child[0].cs_spi_in);
	ck_assert(memcmp(after.ts_spi_i, before.ts_spi_i, 8) != 0);
	ck_assert_int_eq(v1_nsa(&A), 1);
	ck_assert_int_eq(v1_nsa(&B), 1);
	ck_assert_int_eq(A.s_kernel.mk_errors + B.s_kernel.mk_errors, 0);
	pair_free();
}
END_TEST

/* b's Quick Mode messages lost until rw_until_ms, and when the next one
 * passed (rw_qm_ms); when a sent its first Main Mode message (rw_mm_ms)
 * and its first Quick Mode message (rw_aq_ms) after arming. */
struct reauth_watch {
	uint64_t	 rw_until_ms;
	uint64_t	 rw_qm_ms;
	uint64_t	 rw_mm_ms;
	uint64_t	 rw_aq_ms;
	int		 rw_armed;
};

static enum mock_verdict
rw_b_cb(void *arg, const uint8_t *pkt, size_t len)
{
	struct reauth_watch	*rw = arg;

	if (!rw->rw_armed || len < IKEV1_HDR_LEN ||
	    pkt[18] != IKEV1_EXCH_QUICK)
		return (MOCK_PASS);
	if (ike_now_ms() < rw->rw_until_ms)
		return (MOCK_DROP);
	if (rw->rw_qm_ms == 0)
		rw->rw_qm_ms = ike_now_ms();
	return (MOCK_PASS);
}

static enum mock_verdict
rw_a_cb(void *arg, const uint8_t *pkt, size_t len)
{
	struct reauth_watch	*rw = arg;

	if (!rw->rw_armed || len < IKEV1_HDR_LEN)
		return (MOCK_PASS);
	if (pkt[18] == IKEV1_EXCH_MAIN && rw->rw_mm_ms == 0)
		rw->rw_mm_ms = ike_now_ms();
	if (pkt[18] == IKEV1_EXCH_QUICK && rw->rw_aq_ms == 0)
		rw->rw_aq_ms = ike_now_ms();
	return (MOCK_PASS);
}

/*
 * a's rekey of the IPsec SA near a's ISAKMP SA's re-authentication time.
 * 0: before V1_QM_HOLD_PCT of the lifetime, and b's message 2 is lost
 * until 90 ms past that time: the Quick Mode is under way then, and the
 * re-authentication waits until it is done.  1: 100 ms before that
 * time, which the retransmission margin put before V1_QM_HOLD_PCT: the
 * Quick Mode waits instead, for the re-authentication, which starts at
 * once.  A Quick Mode that straddled
 * the re-authentication left its IPsec SA with the old ISAKMP SA at
 * strongSwan (which had moved the others to the new one already), and
 * strongSwan took our next rekey of it, on the new SA, for a second
 * CHILD SA: two chains for good (the v1-gw-swan soak).
 */
START_TEST(test_v1_reauth_waits_for_qm)
{
	struct side_opts	 a = opt_a, b = opt_b;
	struct reauth_watch	 rw = { 0, 0, 0, 0, 0 };
	struct tunnel_status	 sa, sb;
	struct isakmp_sa	*old;
	uint64_t		 at, d;

	a.so_ike = b.so_ike = "\t\tlifetime 3600\n";
	pair_init(&a, &b);
	ikev1_life_unit_set(A.s_ike, 2);	/* 3600 "s": 7.2 s */
	ikev1_life_unit_set(B.s_ike, 2);
	ikev1_reauth_delete_set(A.s_ike, 20);
	ikev1_reauth_delete_set(B.s_ike, 20);
	/* 1: a's retransmission margin (4 x 400 ms) puts its
	 * re-authentication at 66-70% of the lifetime, before
	 * V1_QM_HOLD_PCT */
	if (_i == 1)
		ike_ctx_timing_set(A.s_ike, 400, 5, 10, 60);
	ike_start(A.s_ike);
	pump(80);
	assert_connected(1, 16, 20);
	ck_assert_ptr_nonnull(old = ikev1_tunnel_sa(ike_tunnel_find(A.s_ike,
	    "t1")));
	at = old->is_reauth_at_ms;
	if (_i == 1)
		ck_assert_uint_lt((at - old->is_up_ms) * 100,
		    7200 * V1_QM_HOLD_PCT);
	ck_assert_uint_gt(at, ike_now_ms() + 1000);
	/* no traffic: b's watch of its new inbound SA (qm_r2_inbound)
	 * does not complete the Quick Mode without a's message 3 */
	A.s_kernel.mk_stats_bytes = 0;
	B.s_kernel.mk_stats_bytes = 0;
	if (_i == 0) {
		/* a's message 1 goes again after 40, 120, 280, 600 and 1240
		 * ms, and so does b's message 2: start d ms before, before 80%
		 * of the lifetime, so that one of them comes 100 ms past */
		d = at - old->is_up_ms <= 7200 * 80 / 100 + 500 - 20 ? 500 :
		    1140;
		pump((int)(at - d - ike_now_ms()));
		rw.rw_until_ms = at + 90;
	} else
		pump((int)(at - 100 - ike_now_ms()));
	A.s_net.mn_filter = rw_a_cb;
	A.s_net.mn_filter_arg = &rw;
	B.s_net.mn_filter = rw_b_cb;
	B.s_net.mn_filter_arg = &rw;
	rw.rw_armed = 1;
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	/* (a's message 1 goes again after 40, 120, 280, 600, 1240 ms) */
	pump(1500);
	ck_assert_uint_ne(rw.rw_qm_ms, 0);
	ck_assert_uint_ne(rw.rw_mm_ms, 0);	/* re-authenticated */
	if (_i == 0) {
		ck_assert_uint_lt(rw.rw_aq_ms, at);
		ck_assert_uint_gt(rw.rw_qm_ms, at); /* under way then */
		ck_assert_uint_ge(rw.rw_mm_ms, rw.rw_qm_ms);
	} else
		ck_assert_uint_le(rw.rw_mm_ms, rw.rw_aq_ms);
	pump(300);
	assert_connected(1, 16, 20);
	sa = status(&A);
	sb = status(&B);
	ck_assert_int_eq(sa.ts_nchild, 1);
	ck_assert_int_eq(sb.ts_nchild, 1);
	ck_assert_uint_eq(sa.ts_child[0].cs_spi_in, sb.ts_child[0].cs_spi_out);
	ck_assert_int_eq(v1_nsa(&A), 1);
	ck_assert_int_eq(v1_nsa(&B), 1);
	ck_assert_int_eq(A.s_kernel.mk_errors + B.s_kernel.mk_errors, 0);
	pair_free();
}
END_TEST

/* No rekey gets through: at its hard lifetime the IPsec SA is removed. */
START_TEST(test_v1_child_expiry)
{
	struct side_opts	 a = opt_a, b = opt_b;
	struct filt		 f = { IKEV1_EXCH_QUICK, 0, 100000, 0 };

	a.so_ipsec = b.so_ipsec = "\t\tlifetime 3600\n";
	pair_init(&a, &b);
	ikev1_life_unit_set(A.s_ike, 2);
	ikev1_life_unit_set(B.s_ike, 2);
	ike_start(A.s_ike);
	pump(80);
	assert_connected(1, 16, 20);
	/* from now on every Quick Mode message is lost */
	A.s_net.mn_filter = filt_cb;
	A.s_net.mn_filter_arg = &f;
	B.s_net.mn_filter = filt_cb;
	B.s_net.mn_filter_arg = &f;
	pump(6000);
	ck_assert_int_eq(mock_kernel_nsa(&A.s_kernel), 2);
	pump(1800);
	ck_assert_int_ge(f.f_seen, 2);		/* rekeys were tried */
	ck_assert_int_eq(mock_kernel_nsa(&A.s_kernel), 0);
	ck_assert_int_eq(mock_kernel_nsa(&B.s_kernel), 0);
	ck_assert_str_ne(tunnel_state_name(status(&A).ts_state), "Connected");
	pair_free();
}
END_TEST

/* --- NAT traversal (RFC 3947, RFC 3948) --- */

/*
 * a sits behind a NAT router: a's address is A_PRIV, b sees it as ADDR_A
 * with the ports moved (500 -> 20500, 4500 -> 24500); b's peer is 0.0.0.0.
 */
#define A_PRIV		"192.168.77.2"
#define NAT_PORT(p)	((p) == 500 ? 20500 + nat_shift : (p) == 4500 ? \
			    24500 + nat_shift : 0)
/* the NAT's public address, and how far its ports moved (a NAT that
 * restarted: test_v1_nat_address_change) */
static const char	*nat_pub = ADDR_A;
static int		 nat_shift;

static struct nat_seen {
	int	 ns_a500, ns_a4500, ns_b4500, ns_other;
} nat_seen;

static int
deliver_nat(struct side *from, struct side *to)
{
	struct mock_dgram	 d;
	uint16_t		 sp, dp;
	int			 n = 0;

	while (mock_net_pop(&from->s_net, &d) == 0) {
		sp = ntohs(d.d_src.sin_port);
		dp = ntohs(d.d_dst.sin_port);
		if (from == &A) {
			/* outbound through the NAT: source rewritten */
			ck_assert_uint_eq(d.d_src.sin_addr.s_addr,
			    inet_addr(A_PRIV));
			ck_assert_uint_eq(sp, dp);
			if (sp == 500)
				nat_seen.ns_a500++;
			else if (sp == 4500)
				nat_seen.ns_a4500++;
			else
				nat_seen.ns_other++;
			d.d_src.sin_addr.s_addr = inet_addr(nat_pub);
			d.d_src.sin_port = htons(NAT_PORT(sp));
		} else {
			/* back to a: only to a mapping the NAT made */
			ck_assert_uint_eq(d.d_dst.sin_addr.s_addr,
			    inet_addr(nat_pub));
			ck_assert(dp == NAT_PORT(500) || dp == NAT_PORT(4500));
			if (dp == NAT_PORT(4500)) {
				ck_assert_uint_eq(sp, 4500);
				nat_seen.ns_b4500++;
			}
			d.d_dst.sin_addr.s_addr = inet_addr(A_PRIV);
			d.d_dst.sin_port = htons(dp == NAT_PORT(500) ? 500 :
			    4500);
		}
		ike_recv(to->s_ike, d.d_data, d.d_len, &d.d_dst, &d.d_src);
		free(d.d_data);
		n++;
	}
	return (n);
}

static void
nat_pump(int ms)
{
	int	 i;

	for (i = 0; i < ms; i++) {
		while (deliver_nat(&A, &B) + deliver_nat(&B, &A) > 0)
			;
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
}

static const struct {
	const char	*nc_name;
	const char	*nc_ike_a, *nc_ike_b;
} nat_cases[] = {
	{ "main", "\t\tlocal-id left.lab.test\n\t\tpeer-id right.lab.test\n",
	  "\t\tlocal-id right.lab.test\n\t\tpeer-id left.lab.test\n" },
	{ "aggressive", "\t\tmode aggressive\n\t\tlocal-id left.lab.test\n"
	  "\t\tpeer-id right.lab.test\n", "\t\tmode aggressive\n"
	  "\t\tlocal-id right.lab.test\n\t\tpeer-id left.lab.test\n" },
};

/*
 * a (behind NAT) --> b (peer 0.0.0.0):
 *   Main Mode 1-4 on 500 (NAT-D in 3 and 4), 5 and 6 on 4500;
 *   Aggressive Mode 1-2 on 500, 3 on 4500;
 *   Quick Mode on 4500 with UDP-Encapsulated-Tunnel; the IPsec SAs are ESP
 *   in UDP: a 4500 <-> 4500, b 4500 <-> the NAT's 24500.
 */
START_TEST(test_v1_nat_float_encap)
{
	struct side_opts	 oa = opt_a, ob = opt_b;
	struct tunnel_status	 sa, sb;
	const struct mock_sa	*x;
	int			 i, dir;
	uint32_t		 spi;

	memset(&nat_seen, 0, sizeof(nat_seen));
	oa.so_ike = nat_cases[_i].nc_ike_a;
	ob.so_ike = nat_cases[_i].nc_ike_b;
	base = event_base_new();
	side_init(&A, A_PRIV, ADDR_B, &oa, 0xa0000001);
	side_init(&B, ADDR_B, "0.0.0.0", &ob, 0xb0000001);
	ike_start(A.s_ike);
	ike_start(B.s_ike);
	nat_pump(150);
	sa = status(&A);
	sb = status(&B);
	ck_assert_str_eq(tunnel_state_name(sa.ts_state), "Connected");
	ck_assert_str_eq(tunnel_state_name(sb.ts_state), "Connected");
	ck_assert_uint_eq(sb.ts_remote.s_addr, inet_addr(ADDR_A));
	ck_assert_int_eq(sa.ts_nchild, 1);
	ck_assert_int_eq(sb.ts_nchild, 1);
	/* phase 1 started on 500 and moved to 4500 (RFC 3947 §4) */
	ck_assert_int_ge(nat_seen.ns_a500, _i == 0 ? 2 : 1);
	ck_assert_int_ge(nat_seen.ns_a4500, 2);
	ck_assert_int_ge(nat_seen.ns_b4500, 1);
	ck_assert_int_eq(nat_seen.ns_other, 0);
	/* ESP in UDP on the ports IKE uses (RFC 3948) */
	for (dir = 0; dir < 2; dir++) {
		spi = dir ? sa.ts_child[0].cs_spi_in : sa.ts_child[0].cs_spi_out;
		x = mock_kernel_sa(&A.s_kernel, spi);
		ck_assert_ptr_nonnull(x);
		ck_assert_uint_eq(x->m_sa.ks_encap_sport, 4500);
		ck_assert_uint_eq(x->m_sa.ks_encap_dport, 4500);
		x = mock_kernel_sa(&B.s_kernel, spi);
		ck_assert_ptr_nonnull(x);
		/* b's outbound SA is a's inbound one */
		ck_assert_uint_eq(x->m_sa.ks_encap_sport, dir ? 4500 : 24500);
		ck_assert_uint_eq(x->m_sa.ks_encap_dport, dir ? 24500 : 4500);
	}
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(mock_kernel_nsa(i ? &B.s_kernel :
		    &A.s_kernel), 2);
	pair_free();
}
END_TEST

/*
 * The NAT in front of a restarts with another public address and other
 * ports.  b, not behind a NAT, follows a's ISAKMP SA and the ESP in UDP
 * of its IPsec SAs to the new address and port after the first
 * authenticated message from there (a Quick Mode); a, behind the NAT,
 * never moves.
 */
START_TEST(test_v1_nat_address_change)
{
	struct side_opts	 oa = opt_a, ob = opt_b;
	struct tunnel_status	 sb;
	const struct mock_sa	*x;
	int			 i;

	memset(&nat_seen, 0, sizeof(nat_seen));
	nat_pub = ADDR_A;
	nat_shift = 0;
	oa.so_ike = nat_cases[0].nc_ike_a;
	ob.so_ike = nat_cases[0].nc_ike_b;
	base = event_base_new();
	side_init(&A, A_PRIV, ADDR_B, &oa, 0xa0000001);
	side_init(&B, ADDR_B, "0.0.0.0", &ob, 0xb0000001);
	ike_start(A.s_ike);
	ike_start(B.s_ike);
	nat_pump(150);
	ck_assert_uint_eq(status(&B).ts_remote.s_addr, inet_addr(ADDR_A));
	/* the NAT restarts: another address, other ports */
	nat_pub = "198.51.100.77";
	nat_shift = 7;
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	nat_pump(150);
	sb = status(&B);
	ck_assert_str_eq(tunnel_state_name(sb.ts_state), "Connected");
	ck_assert_str_eq(tunnel_state_name(status(&A).ts_state),
	    "Connected");
	ck_assert_uint_eq(sb.ts_remote.s_addr, inet_addr(nat_pub));
	ck_assert_int_eq(sb.ts_nchild, 1);
	/* b's SAs: to the new address and port, none to the old one */
	for (i = 0; i < B.s_kernel.mk_nsa; i++) {
		x = &B.s_kernel.mk_sa[i];
		if (x->m_larval)
			continue;
		ck_assert_uint_ne(x->m_sa.ks_dst.s_addr, inet_addr(ADDR_A));
		ck_assert_uint_ne(x->m_sa.ks_src.s_addr, inet_addr(ADDR_A));
		if (x->m_sa.ks_dst.s_addr == inet_addr(nat_pub))
			ck_assert_uint_eq(x->m_sa.ks_encap_dport,
			    NAT_PORT(4500));
	}
	x = mock_kernel_sa(&B.s_kernel, sb.ts_child[0].cs_spi_out);
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(x->m_sa.ks_dst.s_addr, inet_addr(nat_pub));
	ck_assert_uint_eq(x->m_sa.ks_encap_dport, 24507);
	/* a itself only ever sent from 500 and 4500 */
	ck_assert_int_eq(nat_seen.ns_other, 0);
	pair_free();
	nat_pub = ADDR_A;
	nat_shift = 0;
}
END_TEST

/* Without NAT nothing floats and the SAs are plain ESP. */
START_TEST(test_v1_nat_none_plain_esp)
{
	struct tunnel_status	 sa;
	const struct mock_sa	*x;

	pair_init(&opt_a, &opt_b);
	ike_start(A.s_ike);
	ike_start(B.s_ike);
	pump(80);
	assert_connected(1, 16, 20);
	sa = status(&A);
	x = mock_kernel_sa(&A.s_kernel, sa.ts_child[0].cs_spi_out);
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(x->m_sa.ks_encap_sport, 0);
	ck_assert_uint_eq(x->m_sa.ks_encap_dport, 0);
	pair_free();
}
END_TEST

/* RFC 3947 §5.1 encapsulation modes: what we propose and accept. */
START_TEST(test_v1_nat_encap_mode)
{
	static const struct {
		uint16_t	 mode;
		int		 ok;
	} modes[] = {
		{ IKEV1_ENCAP_TUNNEL, 1 },
		{ IKEV1_ENCAP_UDP_TUNNEL, 1 },
		{ IKEV1_ENCAP_UDP_TUNNEL_DRAFT, 1 },
		{ IKEV1_ENCAP_TRANSPORT, 0 },
		{ IKEV1_ENCAP_UDP_TRANSPORT, 0 },
		{ IKEV1_ENCAP_UDP_TRANSPORT_DRAFT, 0 },
		{ 0, 0 },
		{ 5, 0 },
	};
	struct isakmp_sa	 isa;
	size_t			 i;

	ck_assert_uint_eq(IKEV1_ENCAP_UDP_TUNNEL, 3);
	ck_assert_uint_eq(IKEV1_ENCAP_UDP_TUNNEL_DRAFT, 61443);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		ck_assert_int_eq(v1_natt_encap_ok(modes[i].mode), modes[i].ok);
	memset(&isa, 0, sizeof(isa));
	ck_assert_uint_eq(v1_natt_encap(&isa), IKEV1_ENCAP_TUNNEL);
	isa.is_b.b_nat = 1;
	ck_assert_uint_eq(v1_natt_encap(&isa), IKEV1_ENCAP_UDP_TUNNEL);
}
END_TEST

/* The first ISAKMP SA of a side that is not dead, or NULL. */
static struct isakmp_sa *
v1_first_sa(const struct side *s)
{
	struct isakmp_sa	*sa;

	ISAKMP_SA_FOREACH(sa, s->s_ike)
		if (sa->is_state == ISAKMP_ESTABLISHED)
			return (sa);
	return (NULL);
}

/*
 * b deletes the IPsec SA only (RFC 2408 §4.8): a removes it on the
 * authenticated DELETE and, as the tunnel's initiator, sets the segment
 * pair up again with a new Quick Mode over the same ISAKMP SA.
 */
START_TEST(test_v1_peer_deletes_ipsec_sa)
{
	struct tunnel_status	 before, after;
	struct isakmp_sa	*sb;
	struct child_sa		*cs;

	pair_init(&opt_a, &opt_b);
	ike_start(A.s_ike);
	pump(80);
	assert_connected(1, 16, 20);
	before = status(&A);
	ck_assert_ptr_nonnull(sb = v1_first_sa(&B));
	ck_assert_ptr_nonnull(cs = TAILQ_FIRST(&sb->is_b.b_children));
	ck_assert_int_eq(ikev1_info_delete_child(sb, cs), 0);
	ikev1_child_remove(cs);
	pump(80);
	assert_connected(1, 16, 20);
	after = status(&A);
	ck_assert_mem_eq(after.ts_spi_i, before.ts_spi_i, 8);
	ck_assert_uint_ne(after.ts_child[0].cs_spi_in,
	    before.ts_child[0].cs_spi_in);
	ck_assert_ptr_null(mock_kernel_sa(&A.s_kernel,
	    before.ts_child[0].cs_spi_in));
	pair_free();
}
END_TEST


/*
 * The kernel hard-expires a's inbound IPsec SA (XFRM_MSG_EXPIRE) with no
 * successor (_i: by the tunnel's initiator a, or its responder b): the
 * SA goes, the peer gets a DELETE and the segment pair is set up again
 * with a new Quick Mode on the same ISAKMP SA.
 */
START_TEST(test_v1_kernel_hard_expire)
{
	struct side		*x = _i == 0 ? &A : &B;
	struct tunnel_status	 before, after;

	pair_init(&opt_a, &opt_b);
	ike_start(A.s_ike);
	pump(80);
	assert_connected(1, 16, 20);
	before = status(x);
	ck_assert_int_eq(mock_kernel_expire(&x->s_kernel,
	    before.ts_child[0].cs_spi_in, 1), 0);
	pump(120);
	assert_connected(1, 16, 20);
	after = status(x);
	ck_assert_mem_eq(after.ts_spi_i, before.ts_spi_i, 8);
	ck_assert_uint_ne(after.ts_child[0].cs_spi_in,
	    before.ts_child[0].cs_spi_in);
	ck_assert_ptr_null(mock_kernel_sa(&x->s_kernel,
	    before.ts_child[0].cs_spi_out));
	ck_assert_int_eq(A.s_kernel.mk_errors + B.s_kernel.mk_errors, 0);
	pair_free();
}
END_TEST

/*
 * b restarts (its SAs are lost without DELETEs) and initiates: its Main
 * Mode carries INITIAL-CONTACT (RFC 2407 §4.6.3.3), so a removes the stale
 * ISAKMP and IPsec SAs at once instead of keeping them until they expire.
 */
START_TEST(test_v1_initial_contact_restart)
{
	struct side_opts	 b = opt_b;
	struct tunnel_status	 before, after;

	pair_init(&opt_a, &opt_b);
	ike_start(A.s_ike);
	pump(80);
	assert_connected(1, 16, 20);
	before = status(&A);
	side_free(&B);
	b.so_initiate = 1;
	side_init(&B, ADDR_B, ADDR_A, &b, 0xb1000001);
	ike_start(B.s_ike);
	pump(150);
	assert_connected(1, 16, 20);
	after = status(&A);
	ck_assert(memcmp(after.ts_spi_i, before.ts_spi_i, 8) != 0);
	ck_assert_ptr_null(mock_kernel_sa(&A.s_kernel,
	    before.ts_child[0].cs_spi_in));
	ck_assert_ptr_null(mock_kernel_sa(&A.s_kernel,
	    before.ts_child[0].cs_spi_out));
	ck_assert_int_eq(v1_nsa(&A), 1);
	pair_free();
}
END_TEST

/*
 * RFC 2409 §5.4 shows Aggressive Mode message 3 { HASH_I } in the clear
 * (strongSwan encrypts it).  a's encrypted message 3 is dropped and b gets
 * the same payloads unencrypted: it must accept them.
 */
struct am3 {
	int		 a_dropped;	/* encrypted message 3s dropped */
	uint8_t		 a_clear[512];
	size_t		 a_len;
};

static enum mock_verdict
am3_clear_cb(void *arg, const uint8_t *pkt, size_t len)
{
	struct am3		*st = arg;
	struct isakmp_sa	*sa;
	struct buf		*out;
	uint8_t			 iv[CRYPTO_MAX_BLOCK];
	size_t			 off = 0, plen;

	if (len < IKEV1_HDR_LEN || pkt[18] != IKEV1_EXCH_AGGRESSIVE ||
	    !(pkt[19] & IKEV1_FLAG_ENC))
		return (MOCK_PASS);
	st->a_dropped++;
	sa = isakmp_first(A.s_ike);
	ck_assert_ptr_nonnull(sa);
	/* the first encrypted message of phase 1: IV = hash(g^xi | g^xr) */
	ck_assert_int_eq(ikev1_iv_phase1(sa->is_prf, sa->is_gxi->buf_data,
	    sa->is_gxi->buf_len, sa->is_gxr->buf_data, sa->is_gxr->buf_len,
	    iv, sa->is_blen), 0);
	ck_assert_ptr_nonnull(out = buf_new(len));
	ck_assert_int_eq(ikev1_decrypt(sa->is_encr, sa->is_keys.k_enc,
	    sa->is_keys.k_enc_len, iv, pkt, len, out), 0);
	/* the payload chain without the zero padding */
	for (;;) {
		ck_assert_uint_le(off + 4, out->buf_len);
		plen = (size_t)out->buf_data[off + 2] << 8 |
		    out->buf_data[off + 3];
		ck_assert_uint_ge(plen, 4);
		if (out->buf_data[off] == 0)
			break;
		off += plen;
	}
	off += plen;
	ck_assert_uint_le(IKEV1_HDR_LEN + off, sizeof(st->a_clear));
	memcpy(st->a_clear, pkt, IKEV1_HDR_LEN);
	memcpy(st->a_clear + IKEV1_HDR_LEN, out->buf_data, off);
	st->a_len = IKEV1_HDR_LEN + off;
	st->a_clear[19] &= ~IKEV1_FLAG_ENC;
	st->a_clear[24] = (uint8_t)(st->a_len >> 24);
	st->a_clear[25] = (uint8_t)(st->a_len >> 16);
	st->a_clear[26] = (uint8_t)(st->a_len >> 8);
	st->a_clear[27] = (uint8_t)st->a_len;
	buf_free(out);
	/*
	 * A peer that sends message 3 in the clear has no phase 1 CBC block
	 * after the initial IV: phase 2 IVs start from that one.
	 */
	ck_assert_int_eq(ikev1_iv_phase1(sa->is_prf, sa->is_gxi->buf_data,
	    sa->is_gxi->buf_len, sa->is_gxr->buf_data, sa->is_gxr->buf_len,
	    sa->is_iv, sa->is_blen), 0);
	return (MOCK_DROP);
}

START_TEST(test_v1_aggressive_clear_message3)
{
	struct side_opts	 a = opt_a, b = opt_b;
	struct sockaddr_in	 la = { .sin_family = AF_INET }, lb = la;
	struct am3		 st;

	a.so_ike = "\t\tmode aggressive\n\t\tlocal-id a.example.com\n"
	    "\t\tpeer-id b.example.com\n";
	b.so_ike = "\t\tmode aggressive\n\t\tlocal-id b.example.com\n"
	    "\t\tpeer-id a.example.com\n";
	pair_init(&a, &b);
	memset(&st, 0, sizeof(st));
	A.s_net.mn_filter = am3_clear_cb;
	A.s_net.mn_filter_arg = &st;
	ike_start(A.s_ike);
	pump(30);
	ck_assert_int_ge(st.a_dropped, 1);
	ck_assert_str_ne(tunnel_state_name(status(&B).ts_state), "Connected");
	A.s_net.mn_filter = NULL;
	la.sin_addr.s_addr = inet_addr(ADDR_A);
	lb.sin_addr.s_addr = inet_addr(ADDR_B);
	la.sin_port = lb.sin_port = htons(500);
	ike_recv(B.s_ike, st.a_clear, st.a_len, &lb, &la);
	/* a's Quick Mode, dropped by b until now, is retransmitted */
	pump(400);
	assert_connected(1, 16, 20);
	pair_free();
}
END_TEST

/*
 * gatewayctl doctor t1 on s as the daemon answers it (ike_tunnel_doctor,
 * then diag_report): the record in d, the report text returned (the
 * caller frees it).
 */
static char *
v1_doctor(struct side *s, struct tunnel_diag *d)
{
	enum tunnel_state	 st;
	struct buf		*b;
	char			*r;

	ck_assert_int_eq(ike_tunnel_doctor(s->s_ike, "t1", d, &st), 0);
	ck_assert_ptr_nonnull(b = buf_new(256));
	ck_assert_int_eq(diag_report(b, "t1", tunnel_state_name(st),
	    st == TUNNEL_CONNECTED, d, 0), 0);
	ck_assert_int_eq(buf_add_u8(b, '\0'), 0);
	ck_assert_ptr_nonnull(r = strdup((const char *)b->buf_data));
	buf_free(b);
	return (r);
}

#define HAS(s, x)	ck_assert_msg(strstr((s), (x)) != NULL, \
			    "missing \"%s\" in:\n%s", (x), (s))

/*
 * The initiator a and the responder b configured for different modes
 * (mode_cases[_i]: a's, b's): b refuses a's message 1 of the other mode
 * without any state of its own (a refused first message: counted as one
 * without a tunnel, one INVALID-EXCHANGE-TYPE in the clear, b's state and
 * last error untouched) and its doctor names both modes; a keeps that
 * refusal as the hint when its retransmissions run out.
 */
static const struct mode_case {
	const char	*mc_a, *mc_b;	/* so_ike of a and b */
	const char	*mc_b_detail;	/* b's evidence */
	const char	*mc_a_detail;	/* a's */
} mode_cases[] = {
	{ "\t\tmode aggressive\n", NULL,
	  "the peer started Aggressive Mode; tunnel t1 is configured for "
	  "mode main",
	  "we sent Aggressive Mode, the peer answered INVALID-EXCHANGE-TYPE "
	  "(it expects Main Mode)" },
	{ NULL, "\t\tmode aggressive\n",
	  "the peer started Main Mode; tunnel t1 is configured for mode "
	  "aggressive",
	  "we sent Main Mode, the peer answered INVALID-EXCHANGE-TYPE (it "
	  "expects Aggressive Mode)" },
};

START_TEST(test_v1_mode_mismatch)
{
	const struct mode_case	*mc = &mode_cases[_i];
	struct side_opts	 a = opt_a, b = opt_b;
	struct tunnel_status	 sb0, sb;
	struct tunnel_diag	 d;
	struct ike_counters	 c;
	char			*s;

	a.so_ike = mc->mc_a;
	b.so_ike = mc->mc_b;
	pair_init(&a, &b);
	/* 2 retransmissions: 3 attempts of 20+40+80 ms */
	ike_ctx_timing_set(A.s_ike, 20, 2, 10, 60);
	sb0 = status(&B);
	ike_start(A.s_ike);
	pump(1000);
	/* b: a refused first message, nothing more */
	ck_assert_int_eq(A.s_kernel.mk_nsa + B.s_kernel.mk_nsa, 0);
	ck_assert_ptr_null(isakmp_first(B.s_ike));
	sb = status(&B);
	ck_assert_int_eq(sb.ts_state, sb0.ts_state);
	ck_assert_str_eq(sb.ts_last_error, sb0.ts_last_error);
	ike_counters_get(B.s_ike, &c);
	/* one for each of a's message 1s (a tries again after a while) */
	ck_assert_uint_ge(c.ic_v1_drop_no_tunnel, 3);
	ck_assert_uint_eq(c.ic_v1_drop_no_proposal, 0);
	ck_assert_uint_eq(c.ic_v1_half_open, 0);
	s = v1_doctor(&B, &d);
	ck_assert_int_eq(d.td_cause, DIAG_MODE);
	ck_assert_int_eq(d.td_version, 1);
	ck_assert_int_eq(d.td_initiator, 0);
	ck_assert_str_eq(d.td_detail, mc->mc_b_detail);
	ck_assert_str_eq(diag_cause_name(d.td_cause), "ike-mode");
	HAS(s, "verdict: IKEv1 mode mismatch (Main against Aggressive "
	    "Mode)");
	HAS(s, mc->mc_b_detail);
	HAS(s, "tunnel t1, ike block, keyword mode");
	free(s);
	/* a: failed on no answer but the refusal, which names the mode */
	ck_assert_str_eq(tunnel_state_name(status(&A).ts_state),
	    "Phase 1 failed");
	s = v1_doctor(&A, &d);
	ck_assert_int_eq(d.td_cause, DIAG_MODE);
	ck_assert_int_eq(d.td_initiator, 1);
	ck_assert_str_eq(d.td_notify, "INVALID-EXCHANGE-TYPE");
	HAS(s, "verdict: IKEv1 mode mismatch");
	HAS(s, mc->mc_a_detail);
	free(s);
	pair_free();
}
END_TEST

/*
 * What a strongSwan responder whose connection is for Aggressive Mode
 * only (aggressive=yes) does with our Main Mode: it decrypts message 5
 * (the PSK found by address), finds no Main Mode connection for our ID
 * and, instead of message 6, sends AUTHENTICATION-FAILED in an
 * informational under the ISAKMP SA's keys (HASH(1), the IV from the last
 * block of message 5 and its message ID).  b plays it: its message 6 is
 * dropped and its SA sends the notify from the IV a's message 5 left.
 */
struct mm6_swap {
	uint8_t		 s_mm5_last[16];	/* AES: 16-byte blocks */
	int		 s_mm5;			/* seen */
};

static enum mock_verdict
mm5_last_cb(void *arg, const uint8_t *pkt, size_t len)
{
	struct mm6_swap	*sw = arg;

	if (len > IKEV1_HDR_LEN + 16 && pkt[18] == IKEV1_EXCH_MAIN &&
	    (pkt[19] & IKEV1_FLAG_ENC)) {
		memcpy(sw->s_mm5_last, pkt + len - 16, 16);
		sw->s_mm5++;
	}
	return (MOCK_PASS);
}

/*
 * _i 0: the notify verifies with a's keys: the PSK is the same, the
 * attempt ends at once and doctor says mode mismatch (not psk).  _i 1:
 * the same notify with another SKEYID_a (a peer with another PSK, or a
 * forger who saw the cookies): not acted on, a's attempt ends as before
 * (no valid message 6: psk).
 */
START_TEST(test_v1_mm5_refused_aggr_peer)
{
	struct mm6_swap		 sw;
	struct isakmp_sa	*bsa, *asa;
	struct tunnel_diag	 d;
	uint8_t			 spi[16];
	char			*s;

	pair_init(&opt_a, &opt_b);
	/* one attempt, no other soon */
	ike_ctx_timing_set(A.s_ike, 20, 2, 5000, 5000);
	memset(&sw, 0, sizeof(sw));
	A.s_net.mn_filter = mm5_last_cb;
	A.s_net.mn_filter_arg = &sw;
	mm6_drops = 1000;
	B.s_net.mn_filter = mm6_drop_cb;
	ike_start(A.s_ike);
	pump(15);
	/* message 5 may have gone twice (the same bytes) */
	ck_assert_int_ge(sw.s_mm5, 1);
	ck_assert_int_lt(mm6_drops, 1000);
	ck_assert_ptr_nonnull(asa = isakmp_first(A.s_ike));
	ck_assert_int_eq(asa->is_state, ISAKMP_MM_I5);
	ck_assert_ptr_nonnull(bsa = isakmp_first(B.s_ike));
	ck_assert_int_eq(bsa->is_state, ISAKMP_ESTABLISHED);
	ck_assert_uint_eq(bsa->is_blen, 16);
	memcpy(bsa->is_iv, sw.s_mm5_last, 16);
	if (_i == 1)
		bsa->is_keys.k_a[0] ^= 0x01;
	memcpy(spi, bsa->is_b.b_spi_i, 8);
	memcpy(spi + 8, bsa->is_b.b_spi_r, 8);
	ck_assert_int_eq(ikev1_info_notify(bsa, IKEV1_PROTO_ISAKMP, spi, 16,
	    IKEV1_N_AUTHENTICATION_FAILED, NULL, 0), 0);
	if (_i == 0) {
		pump(2);
		/* at once, not after the retransmissions */
		ck_assert_ptr_null(isakmp_first(A.s_ike));
		ck_assert_str_eq(status(&A).ts_last_error, "Phase 1 failed: "
		    "the peer answered our Main Mode message 5 with "
		    "AUTHENTICATION-FAILED, authenticated with our PSK's keys");
		s = v1_doctor(&A, &d);
		ck_assert_int_eq(d.td_cause, DIAG_MODE);
		ck_assert_int_eq(d.td_psk_same, 1);
		ck_assert_int_eq(d.td_initiator, 1);
		ck_assert_str_eq(d.td_notify, "AUTHENTICATION-FAILED");
		HAS(s, "verdict: IKEv1 mode mismatch (Main against Aggressive "
		    "Mode)");
		HAS(s, "the pre-shared key is the same");
		HAS(s, "keyword mode");
		ck_assert_ptr_null(strstr(s, "keyword psk"));
	} else {
		pump(2);
		/* unauthenticated: the attempt goes on for a while */
		ck_assert_ptr_nonnull(isakmp_first(A.s_ike));
		pump(1000);
		s = v1_doctor(&A, &d);
		ck_assert_int_eq(d.td_cause, DIAG_PSK_OURS);
		ck_assert_int_eq(d.td_psk_same, 0);
		HAS(s, "verdict: pre-shared key mismatch");
	}
	free(s);
	pair_free();
}
END_TEST

/* What a strongSwan responder without an Aggressive Mode connection
 * (aggressive=no) sends: AUTHENTICATION-FAILED in the clear, with its
 * own cookie and a message ID. */
struct am1_refuse {
	uint8_t		 r_icky[8];
	int		 r_seen;	/* a's message 1s dropped */
};

static enum mock_verdict
am1_refuse_cb(void *arg, const uint8_t *pkt, size_t len)
{
	struct am1_refuse	*r = arg;

	if (len < IKEV1_HDR_LEN || pkt[18] != IKEV1_EXCH_AGGRESSIVE)
		return (MOCK_PASS);
	memcpy(r->r_icky, pkt, 8);
	r->r_seen++;
	return (MOCK_DROP);
}

static void
am1_refuse_send(const struct am1_refuse *r, uint16_t type)
{
	struct sockaddr_in	 la = { .sin_family = AF_INET }, lb = la;
	struct ikev1_hdr	 h;
	struct pld_writer	 w;
	struct buf		*b;
	uint8_t			 spi[16];

	memset(&h, 0, sizeof(h));
	memcpy(h.h_icookie, r->r_icky, 8);
	memset(h.h_rcookie, 0x5a, 8);
	h.h_exchange = IKEV1_EXCH_INFORMATIONAL;
	h.h_msgid = 0x12345678;
	memcpy(spi, h.h_icookie, 8);
	memcpy(spi + 8, h.h_rcookie, 8);
	ck_assert_ptr_nonnull(b = buf_new(128));
	ck_assert_int_eq(ikev1_hdr_write(b, &h, &w), 0);
	ck_assert_int_eq(ikev1_add_notify(&w, IKEV1_PROTO_ISAKMP, spi, 16,
	    type, NULL, 0), 0);
	ikev1_hdr_set_length(b);
	la.sin_addr.s_addr = inet_addr(ADDR_A);
	lb.sin_addr.s_addr = inet_addr(ADDR_B);
	la.sin_port = lb.sin_port = htons(500);
	ike_recv(A.s_ike, b->buf_data, b->buf_len, &la, &lb);
	buf_free(b);
}

/*
 * a's Aggressive Mode message 1 drew a refusal in the clear: only
 * AUTHENTICATION-FAILED (no HASH of ours was seen yet: not the PSK)
 * hints at the mode; NO-PROPOSAL-CHOSEN is kept as a proposal mismatch
 * with our side of the table only.  Neither ends the attempt before its
 * retransmissions do.
 */
START_TEST(test_v1_mode_refused_swan)
{
	struct side_opts	 a = opt_a;
	struct am1_refuse	 r;
	struct tunnel_diag	 d;
	char			*s;

	a.so_ike = "\t\tmode aggressive\n";
	pair_init(&a, &opt_b);
	/* one attempt of 3 message 1s (20+40+80 ms), no other soon */
	ike_ctx_timing_set(A.s_ike, 20, 2, 5000, 5000);
	memset(&r, 0, sizeof(r));
	A.s_net.mn_filter = am1_refuse_cb;
	A.s_net.mn_filter_arg = &r;
	ike_start(A.s_ike);
	pump(5);
	ck_assert_int_eq(r.r_seen, 1);
	am1_refuse_send(&r, _i ? IKEV1_N_NO_PROPOSAL_CHOSEN :
	    IKEV1_N_AUTHENTICATION_FAILED);
	/* unauthenticated: the attempt goes on */
	ck_assert_ptr_nonnull(isakmp_first(A.s_ike));
	ck_assert_int_eq(isakmp_first(A.s_ike)->is_state, ISAKMP_AM_I1);
	pump(400);
	ck_assert_int_eq(r.r_seen, 3);
	ck_assert_ptr_null(isakmp_first(A.s_ike));
	s = v1_doctor(&A, &d);
	if (_i == 0) {
		ck_assert_str_eq(status(&A).ts_last_error, "Phase 1 failed: "
		    "we sent Aggressive Mode, the peer answered "
		    "AUTHENTICATION-FAILED (no Aggressive Mode connection for "
		    "our ID)");
		ck_assert_int_eq(d.td_cause, DIAG_MODE);
		ck_assert_str_eq(d.td_notify, "AUTHENTICATION-FAILED");
		HAS(s, "verdict: IKEv1 mode mismatch");
		HAS(s, "we sent Aggressive Mode, the peer answered "
		    "AUTHENTICATION-FAILED (no Aggressive Mode connection for "
		    "our ID)");
	} else {
		ck_assert_str_eq(status(&A).ts_last_error, "Phase 1 failed: "
		    "the peer answered our Aggressive Mode message 1 with "
		    "NO-PROPOSAL-CHOSEN: none of its phase 1 proposals is "
		    "ours");
		ck_assert_int_eq(d.td_cause, DIAG_IKE_PROPOSAL);
		ck_assert_str_eq(d.td_notify, "NO-PROPOSAL-CHOSEN");
		ck_assert_str_eq(d.td_ours, "IKE:aes128-sha1-modp1024-psk");
		ck_assert_str_eq(d.td_theirs, "");
		HAS(s, "verdict: IKE proposal mismatch: the peer refused ours");
		ck_assert_ptr_null(strstr(s, "mode mismatch"));
	}
	free(s);
	pair_free();
}
END_TEST

/* Datagrams sent with the commit bit (RFC 2408 §3.1): there must be none. */
static int	commit_sent;

static enum mock_verdict
commit_cb(void *arg, const uint8_t *pkt, size_t len)
{
	if (len >= IKEV1_HDR_LEN && (pkt[19] & IKEV1_FLAG_COMMIT))
		commit_sent++;
	return (MOCK_PASS);
}

/* Delivers from -> to with the commit bit set on every datagram. */
static int
deliver_commit(struct side *from, struct side *to)
{
	struct mock_dgram	 d;
	int			 n = 0;

	while (mock_net_pop(&from->s_net, &d) == 0) {
		if (d.d_len >= IKEV1_HDR_LEN)
			d.d_data[19] |= IKEV1_FLAG_COMMIT;
		ike_recv(to->s_ike, d.d_data, d.d_len, &d.d_dst, &d.d_src);
		free(d.d_data);
		n++;
	}
	return (n);
}

/*
 * gatewayd never sets the commit bit, and one set by the peer (outside
 * the encryption and the hashes) is ignored: the exchanges complete as
 * usual, with no CONNECTED notify waited for.
 */
START_TEST(test_v1_commit_bit_ignored)
{
	int	 i;

	pair_init(&opt_a, &opt_b);
	commit_sent = 0;
	A.s_net.mn_filter = commit_cb;
	B.s_net.mn_filter = commit_cb;
	ike_start(A.s_ike);
	for (i = 0; i < 100; i++) {
		while (deliver_commit(&A, &B) + deliver_commit(&B, &A) > 0)
			;
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
	ck_assert_int_eq(commit_sent, 0);
	assert_connected(1, 16, 20);
	pair_free();
}
END_TEST

/*
 * Once established, only an authenticated message moves the ports an SA
 * uses (RFC 3947 §4 float, RFC 3948): a forged Quick Mode datagram from the
 * peer's address and another port to our 4500 changes nothing; a genuine
 * (hash-verified) R-U-THERE arriving that way is followed.
 */
START_TEST(test_v1_port_follow_authenticated)
{
	struct sockaddr_in	 l = { .sin_family = AF_INET }, r = l;
	struct isakmp_sa	*sb;
	struct mock_dgram	 d;
	uint8_t			 pkt[IKEV1_HDR_LEN + 32];
	int			 i;

	pair_init(&opt_a, &opt_b);
	ike_start(A.s_ike);
	pump(80);
	assert_connected(1, 16, 20);
	ck_assert_ptr_nonnull(sb = v1_first_sa(&B));
	ck_assert(sb->is_natd);
	l.sin_addr.s_addr = inet_addr(ADDR_B);
	r.sin_addr.s_addr = inet_addr(ADDR_A);
	l.sin_port = htons(4500);
	r.sin_port = htons(33333);
	/* forged: right cookies, junk body */
	memset(pkt, 0x5a, sizeof(pkt));
	memcpy(pkt, sb->is_b.b_spi_i, 8);
	memcpy(pkt + 8, sb->is_b.b_spi_r, 8);
	pkt[16] = IKEV1_PLD_HASH;
	pkt[17] = IKEV1_VERSION;
	pkt[18] = IKEV1_EXCH_QUICK;
	pkt[19] = IKEV1_FLAG_ENC;
	pkt[24] = pkt[25] = pkt[26] = 0;
	pkt[27] = sizeof(pkt);
	ike_recv(B.s_ike, pkt, sizeof(pkt), &l, &r);
	pump(20);
	ck_assert_uint_eq(ntohs(sb->is_b.b_remote.sin_port), 500);
	ck_assert_uint_eq(ntohs(sb->is_b.b_local.sin_port), 500);
	/* genuine: a's R-U-THERE, delivered as if from another port */
	ike_ctx_dpd_set(A.s_ike, 20, 1000);
	ikev1_dpd_arm(v1_first_sa(&A));
	for (i = 0; i < 1000 && A.s_net.mn_n == 0; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(1000);
	}
	ck_assert_int_eq(mock_net_pop(&A.s_net, &d), 0);
	ike_recv(B.s_ike, d.d_data, d.d_len, &l, &r);
	free(d.d_data);
	ck_assert_uint_eq(ntohs(sb->is_b.b_remote.sin_port), 33333);
	ck_assert_uint_eq(ntohs(sb->is_b.b_local.sin_port), 4500);
	pair_free();
}
END_TEST

/* --- limits on what an authenticated peer can make us hold (issue 8) --- */

/*
 * A Quick Mode forged by the authenticated peer b, with b's keys on its
 * ISAKMP SA sb (what a peer that ignores its own limits sends): message 1
 * for b's first segment pair (a rekey of that pair's IPsec SA, to a),
 * built as qm_start() builds it; then message 3 once a answered.
 */
struct forged_qm {
	struct isakmp_sa	*fq_sa;		/* b's */
	struct buf		*fq_ke;		/* one PFS value for all */
	uint32_t		 fq_msgid;
	uint8_t			 fq_iv[CRYPTO_MAX_BLOCK];
	uint8_t			 fq_ni[IKEV1_NONCE_LEN];
};

static void
fq_send(struct forged_qm *fq, struct buf *b)
{
	struct isakmp_sa	*sb = fq->fq_sa;

	/* a sees b's datagram: local is a's address, remote b's */
	ike_recv(A.s_ike, b->buf_data, b->buf_len, &sb->is_b.b_remote,
	    &sb->is_b.b_local);
	buf_free(b);
}

/* HDR*, HASH(1), SA, Ni, KE, IDci, IDcr --> a */
static void
fq_message1(struct forged_qm *fq, uint32_t msgid)
{
	struct isakmp_sa	*sb = fq->fq_sa;
	const struct cfg_tunnel	*c = sb->is_b.b_tunnel->t_cfg;
	struct ikev1_p2_params	 p;
	struct ikev1_sa		*offer;
	struct pld_writer	 w;
	struct buf		*b = NULL;
	uint8_t			 id[8];
	uint32_t		 mask;
	size_t			 hoff, hl = prf_len(sb->is_prf);
	int			 i;

	fq->fq_msgid = msgid;
	memset(&p, 0, sizeof(p));
	p.p2_proto = IKEV1_PROTO_ESP;
	p.p2_id = IKEV1_ESP_AES;
	p.p2_keylen = (uint16_t)c->tn_ipsec.ips_encr_bits;
	p.p2_auth_alg = IKEV1_AUTH_HMAC_SHA;
	p.p2_group = (uint16_t)c->tn_ipsec.ips_pfs;
	p.p2_encap = IKEV1_ENCAP_TUNNEL;
	p.p2_life_secs = c->tn_ipsec.ips_lifetime;
	p.p2_spi = 0x77000000u + msgid;
	ck_assert_ptr_nonnull(offer = calloc(1, sizeof(*offer)));
	ck_assert_int_eq(ikev1_sa_p2_build(offer, &p, 1), 0);
	for (i = 0; i < IKEV1_NONCE_LEN; i++)
		fq->fq_ni[i] = (uint8_t)(msgid + i);
	ck_assert_int_eq(v1_msg_begin(sb, &b, &w, IKEV1_EXCH_QUICK, msgid), 0);
	ck_assert_int_eq(ikev1_add_hash(&w, NULL, hl, &hoff), 0);
	ck_assert_int_eq(ikev1_add_sa(&w, offer), 0);
	ck_assert_int_eq(ikev1_add_nonce(&w, fq->fq_ni, sizeof(fq->fq_ni)), 0);
	ck_assert_int_eq(ikev1_add_ke(&w, fq->fq_ke->buf_data,
	    fq->fq_ke->buf_len), 0);
	for (i = 0; i < 2; i++) {
		const struct cfg_prefix *pf = i == 0 ? &c->tn_local[0] :
		    &c->tn_remote[0];

		memcpy(id, &pf->pf_addr, 4);
		mask = htonl(pf->pf_plen ? 0xffffffffu << (32 - pf->pf_plen) :
		    0);
		memcpy(id + 4, &mask, 4);
		ck_assert_int_eq(ikev1_add_id(&w, IKEV1_ID_IPV4_ADDR_SUBNET, 0,
		    0, id, 8), 0);
	}
	free(offer);
	ck_assert_int_eq(ikev1_hash_qm1(sb->is_prf, sb->is_keys.k_a,
	    sb->is_keys.k_len, msgid, b->buf_data + hoff + hl,
	    b->buf_len - hoff - hl, b->buf_data + hoff), 0);
	ck_assert_int_eq(ikev1_iv_phase2(sb->is_prf, sb->is_iv, sb->is_blen,
	    msgid, fq->fq_iv), 0);
	ck_assert_int_eq(v1_msg_seal(sb, b, fq->fq_iv, fq->fq_iv), 0);
	fq_send(fq, b);
}

/* a's answer (its message 2, now in a's outbox), if any --> HDR*,
 * HASH(3) --> a.  1 if a answered. */
static int
fq_message3(struct forged_qm *fq)
{
	struct isakmp_sa	*sb = fq->fq_sa;
	struct mock_dgram	 d;
	struct ikev1_msg	 m;
	struct pld_writer	 w;
	struct buf		*out, *b = NULL;
	uint8_t			 h[CRYPTO_MAX_HASH];

	if (mock_net_pop(&A.s_net, &d) == -1)
		return (0);
	ck_assert_ptr_nonnull(out = buf_new(d.d_len));
	ck_assert_int_eq(ikev1_msg_parse(d.d_data, d.d_len, &m), 0);
	ck_assert_int_eq(ikev1_msg_open(&m, d.d_data, d.d_len, sb->is_encr,
	    sb->is_keys.k_enc, sb->is_keys.k_enc_len, fq->fq_iv, out), 0);
	ck_assert_uint_eq(m.m_hdr.h_msgid, fq->fq_msgid);
	ck_assert_ptr_nonnull(m.m_nonce);
	ck_assert_int_eq(ikev1_hash_qm3(sb->is_prf, sb->is_keys.k_a,
	    sb->is_keys.k_len, fq->fq_msgid, fq->fq_ni, sizeof(fq->fq_ni),
	    m.m_nonce, m.m_nonce_len, h), 0);
	buf_free(out);
	free(d.d_data);
	ck_assert_int_eq(v1_msg_begin(sb, &b, &w, IKEV1_EXCH_QUICK,
	    fq->fq_msgid), 0);
	ck_assert_int_eq(ikev1_add_hash(&w, h, prf_len(sb->is_prf), NULL), 0);
	ck_assert_int_eq(v1_msg_seal(sb, b, fq->fq_iv, fq->fq_iv), 0);
	fq_send(fq, b);
	return (1);
}

static void
fq_init(struct forged_qm *fq)
{
	struct dh	*dh;

	memset(fq, 0, sizeof(*fq));
	ck_assert_ptr_nonnull(fq->fq_sa = v1_first_sa(&B));
	ck_assert_ptr_nonnull(dh = dh_new(fq->fq_sa->is_b.b_tunnel->t_cfg->
	    tn_ipsec.ips_pfs));
	ck_assert_ptr_nonnull(fq->fq_ke = buf_new(256));
	ck_assert_int_eq(dh_public_get(dh, fq->fq_ke), 0);
	dh_free(dh);
}

/* s's Quick Mode records: all, the peer's, or the peer's waiting for
 * message 3. */
enum { QMN_ALL, QMN_PEER, QMN_R2 };
static int
v1_nqm(const struct side *s, int what)
{
	const struct isakmp_sa	*sa;
	const struct ikev1_qm	*qm;
	int			 n = 0;

	ISAKMP_SA_FOREACH(sa, s->s_ike)
		TAILQ_FOREACH(qm, &sa->is_qms, qm_entry)
			if (what == QMN_ALL || (!qm->qm_initiator &&
			    (what == QMN_PEER || qm->qm_state == QM_R2)))
				n++;
	return (n);
}

/* Every IPsec SA in after is new (none of before's inbound SPIs). */
static void
assert_all_rekeyed(const struct tunnel_status *before,
    const struct tunnel_status *after)
{
	int	 i, j;

	ck_assert_int_eq(after->ts_nchild, before->ts_nchild);
	for (i = 0; i < after->ts_nchild; i++)
		for (j = 0; j < before->ts_nchild; j++)
			ck_assert_uint_ne(after->ts_child[i].cs_spi_in,
			    before->ts_child[j].cs_spi_in);
}

static const struct side_opts opt_a3 = {
	.so_version = 1,
	.so_local = { "172.16.0.0/24", "172.16.1.0/24", "172.16.2.0/24" },
	.so_remote = { "10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16" },
	.so_initiate = 1
};
static const struct side_opts opt_b3 = {
	.so_version = 1,
	.so_local = { "10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16" },
	.so_remote = { "172.16.0.0/24", "172.16.1.0/24", "172.16.2.0/24" },
	.so_initiate = 0
};

/*
 * b, authenticated, opens 1,000 Quick Modes and never sends message 3
 * (3 x 3 segment pairs: the IPsec SA limit, 40, is not what binds):
 *   { HASH(1), SA, Ni, KE, IDci, IDcr }* x 1000 -->
 *   <-- { HASH(2), SA, Nr, KE, IDci, IDcr }* x 16 (lost)
 * a answers IKEV1_QM_RESPONDER_MAX of them, holds as many inbound SAs
 * (larval, or in with message 2 for a rekey: qm_r2_inbound), and drops
 * the rest unanswered (counted); after its retransmissions of message 2
 * give up, the records and those SAs are gone, and b's normal rekey of
 * all 9 IPsec SAs goes through.
 */
START_TEST(test_v1_qm_flood_in_flight)
{
	struct filt		 f = { IKEV1_EXCH_QUICK, 0, 1 << 30, 0 };
	struct forged_qm	 fq;
	struct tunnel_status	 before, after;
	struct ike_counters	 c;
	int			 i, own, nsa0;

	pair_init(&opt_a3, &opt_b3);
	ike_start(A.s_ike);
	pump(200);
	assert_connected(9, 16, 20);
	before = status(&A);
	fq_init(&fq);
	A.s_net.mn_filter = filt_cb;		/* a's answers are lost */
	A.s_net.mn_filter_arg = &f;
	own = v1_nqm(&A, QMN_ALL);	/* a's own, done, go soon */
	nsa0 = mock_kernel_nsa(&A.s_kernel);
	/* no traffic: none of them is completed by the peer's use */
	A.s_kernel.mk_stats_bytes = 0;
	for (i = 0; i < 1000; i++) {
		fq_message1(&fq, 0x1000u + (uint32_t)i);
		ck_assert_int_le(v1_nqm(&A, QMN_PEER), IKEV1_QM_RESPONDER_MAX);
		ck_assert_int_le(v1_nqm(&A, QMN_ALL), own +
		    IKEV1_QM_RESPONDER_MAX);
		ck_assert_int_le(mock_kernel_nsa(&A.s_kernel) - nsa0,
		    IKEV1_QM_RESPONDER_MAX);
	}
	ck_assert_int_eq(v1_nqm(&A, QMN_R2), IKEV1_QM_RESPONDER_MAX);
	ck_assert_int_eq(mock_kernel_nsa(&A.s_kernel) - nsa0,
	    IKEV1_QM_RESPONDER_MAX);
	ike_counters_get(A.s_ike, &c);
	ck_assert_uint_eq(c.ic_v1_qm_refused_inflight,
	    1000 - IKEV1_QM_RESPONDER_MAX);
	ck_assert_uint_eq(c.ic_v1_qm_refused_sas, 0);
	ck_assert_uint_eq(f.f_seen, IKEV1_QM_RESPONDER_MAX);
	/* message 2 retransmitted 5 times in 40 * 63 ms, then given up */
	pump(40 * 63 + 300);
	ck_assert_int_eq(v1_nqm(&A, QMN_ALL), 0);
	ck_assert_int_eq(mock_kernel_nlarval(&A.s_kernel), 0);
	ck_assert_int_eq(mock_kernel_nsa(&A.s_kernel), nsa0);
	A.s_net.mn_filter = NULL;
	ck_assert_int_eq(ike_tunnel_rekey(B.s_ike, "t1"), 0);
	pump(300);
	assert_connected(9, 16, 20);
	after = status(&A);
	assert_all_rekeyed(&before, &after);
	ck_assert_int_eq(A.s_kernel.mk_errors + B.s_kernel.mk_errors, 0);
	fq.fq_sa = NULL;
	buf_free(fq.fq_ke);
	pair_free();
}
END_TEST

/*
 * b completes 1,000 Quick Modes for the one segment pair, never deleting
 * an old IPsec SA:
 *   { HASH(1), SA, Ni, KE, IDci, IDcr }* -->
 *   <-- { HASH(2), SA, Nr, KE, IDci, IDcr }*
 *   { HASH(3) }* -->                                    x 1000
 * a installs IPsec SAs up to the tunnel's limit (4 x 1 pair + 4, the one
 * it had included) and drops the rest unanswered, with no larval SA;
 * completed records are freed; b's normal rekey still goes through once
 * the extra SAs are deleted.
 */
START_TEST(test_v1_qm_flood_ipsec_sas)
{
	struct forged_qm	 fq;
	struct ike_counters	 c;
	struct isakmp_sa	*sa;
	struct child_sa		*cs;
	struct tunnel_status	 before, after;
	uint64_t		 wrong;
	int			 i, done = 0, max;

	v1_up(0);
	before = status(&A);
	fq_init(&fq);
	max = ikev1_child_max(v1_first_sa(&A)->is_b.b_tunnel);
	ck_assert_int_eq(max, IKEV1_CHILD_PER_PAIR + IKEV1_CHILD_SLACK);
	for (i = 0; i < 1000; i++) {
		fq_message1(&fq, 0x2000u + (uint32_t)i);
		done += fq_message3(&fq);
		ck_assert_int_eq(mock_kernel_nlarval(&A.s_kernel), 0);
		ck_assert_int_le(mock_kernel_nsa(&A.s_kernel), 2 * max);
	}
	ck_assert_int_eq(done, max - 1);
	ck_assert_int_eq(ikev1_child_count(v1_first_sa(&A)->is_b.b_tunnel),
	    max);
	ike_counters_get(A.s_ike, &c);
	ck_assert_uint_eq(c.ic_v1_qm_refused_sas, 1000 - (max - 1));
	ck_assert_uint_eq(c.ic_v1_qm_refused_inflight, 0);
	/* the peer's records go once done */
	pump(5);
	ck_assert_int_eq(v1_nqm(&A, QMN_PEER), 0);
	/* b's own state knows nothing of the forged SAs: a deletes them
	 * (here: by hand), then a normal rekey goes through */
	sa = v1_first_sa(&A);
	while ((cs = TAILQ_LAST(&sa->is_b.b_children, child_sa_list)) !=
	    NULL && cs->cs_spi_in != before.ts_child[0].cs_spi_in)
		ikev1_child_remove(cs);
	ck_assert_int_eq(ikev1_child_count(sa->is_b.b_tunnel), 1);
	/* a replay of a finished one's message 1 (its record is freed) is
	 * not taken for a new Quick Mode */
	wrong = A.s_ike->ctx_v1->vc_wrong_state;
	fq_message1(&fq, 0x2000u);
	ck_assert_uint_eq(A.s_ike->ctx_v1->vc_wrong_state, wrong + 1);
	ck_assert_int_eq(v1_nqm(&A, QMN_PEER), 0);
	ck_assert_int_eq(mock_kernel_nlarval(&A.s_kernel), 0);
	ck_assert_int_eq(A.s_net.mn_n, 0);
	ck_assert_int_eq(ike_tunnel_rekey(B.s_ike, "t1"), 0);
	pump(80);
	assert_connected(1, 16, 20);
	after = status(&A);
	assert_all_rekeyed(&before, &after);
	buf_free(fq.fq_ke);
	pair_free();
}
END_TEST

/*
 * a's Quick Mode message 3 is lost; b repeats its message 2, and a,
 * whose exchange is done, still has its record (kept for its own
 * retransmission span) and sends message 3 again:
 *   { HASH(1), SA, Ni, KE, IDci, IDcr }* -->
 *   <-- { HASH(2), SA, Nr, KE, IDci, IDcr }*
 *   { HASH(3) }* --> (lost)
 *   <-- { HASH(2), ... }* (again)       { HASH(3) }* -->
 */
START_TEST(test_v1_qm_message3_resent)
{
	struct filt		 f = { IKEV1_EXCH_QUICK, 1, 1, 0 };

	pair_init(&opt_a, &opt_b);
	A.s_net.mn_filter = filt_cb;
	A.s_net.mn_filter_arg = &f;
	ike_start(A.s_ike);
	pump(300);
	ck_assert_int_eq(A.s_net.mn_dropped, 1);
	ck_assert_int_ge(f.f_seen, 3);		/* message 3 sent again */
	assert_connected(1, 16, 20);
	ck_assert_int_eq(v1_nqm(&B, QMN_ALL), 0);
	pair_free();
}
END_TEST

/*
 * Proposal lists (issue 9), IKEv1: each side lists three phase 1 suites
 * (Main Mode: of different groups) and three ESP suites; one of each is
 * common.  The responder takes the first of ITS suites that the
 * initiator offers.
 *
 * Main Mode  { SA(P(T1, T2, T3)) } -->          <-- { SA(P(Tk)) }
 *            ... KE of Tk's group ...
 * Quick Mode { HASH(1), SA(P1, P2, P3), ... }* --> <-- { HASH(2), SA(Pk) }*
 */
#define V1_LIST_A_IKE	"\t\tproposals aes256-sha256-modp2048, " \
			"aes256-sha1-modp1536, aes128-sha1-modp2048\n"
#define V1_LIST_B_IKE	"\t\tproposals 3des-md5-modp1024, " \
			"aes192-sha384-modp1536, aes128-sha1-modp2048\n"
#define V1_LIST_A_ESP	"\t\tproposals aes256-sha256-modp2048, " \
			"aes128-sha1-modp2048, 3des-md5-modp2048\n"
#define V1_LIST_B_ESP	"\t\tproposals aes192-sha384-modp2048, " \
			"aes128-sha1-modp2048\n"

static const struct {
	const char	*lv_a_ike, *lv_a_esp;	/* the initiator's */
	const char	*lv_b_ike, *lv_b_esp;	/* the responder's */
	int		 lv_ntr;	/* transforms of its phase 1 offer */
	const char	*lv_ike_algs, *lv_child;
	/* after b (the Quick Mode initiator now) rekeys the IPsec SA */
	const char	*lv_child_b;
	size_t		 lv_ekey, lv_akey, lv_ekey_b, lv_akey_b;
} v1_list_vecs[] = {
	/* the initiator's third phase 1 suite, its second ESP suite */
	{ V1_LIST_A_IKE, V1_LIST_A_ESP, V1_LIST_B_IKE, V1_LIST_B_ESP, 3,
	  "aes128/sha1/prfsha1/modp2048", "aes128/sha1/modp2048",
	  "aes128/sha1/modp2048", 16, 20, 16, 20 },
	/* the other way round: the responder's third and second */
	{ V1_LIST_B_IKE, V1_LIST_B_ESP, V1_LIST_A_IKE, V1_LIST_A_ESP, 3,
	  "aes128/sha1/prfsha1/modp2048", "aes128/sha1/modp2048",
	  "aes128/sha1/modp2048", 16, 20, 16, 20 },
	/* the same two in opposite orders: the responder's order wins;
	 * when b initiates the Quick Mode, a answers and a's first wins */
	{ "\t\tproposals aes256-sha256-modp2048, aes128-sha1-modp2048\n",
	  "\t\tproposals aes256-sha256-modp2048, aes128-sha1-modp2048\n",
	  "\t\tproposals aes128-sha1-modp2048, aes256-sha256-modp2048\n",
	  "\t\tproposals aes128-sha1-modp2048, aes256-sha256-modp2048\n", 2,
	  "aes128/sha1/prfsha1/modp2048", "aes128/sha1/modp2048",
	  "aes256/sha2-256/modp2048", 16, 20, 32, 32 },
	/* multi-valued keywords: aes256 x (sha256, sha1) x (14, 2) against
	 * the one suite aes256-sha1-modp1024: our fourth */
	{ "\t\tencryption aes256\n\t\tintegrity sha256 sha1\n"
	  "\t\tdh-group 14 2\n",
	  "\t\tencryption aes256gcm16 aes256\n\t\tintegrity sha1\n"
	  "\t\tpfs 2\n",
	  "\t\tencryption aes256\n\t\tintegrity sha1\n\t\tdh-group 2\n",
	  "\t\tencryption aes256\n\t\tintegrity sha1\n\t\tpfs 2\n", 4,
	  "aes256/sha1/prfsha1/modp1024", "aes256/sha1/modp1024",
	  "aes256/sha1/modp1024", 32, 20, 32, 20 },
	/* Aggressive Mode: the suites share the group of the KE */
	{ "\t\tmode aggressive\n\t\tproposals aes256-sha256-modp2048, "
	  "aes128-sha256-modp2048, aes128-sha1-modp2048\n", V1_LIST_A_ESP,
	  "\t\tmode aggressive\n\t\tproposals 3des-md5-modp2048, "
	  "aes128-sha1-modp2048\n", V1_LIST_B_ESP, 3,
	  "aes128/sha1/prfsha1/modp2048", "aes128/sha1/modp2048",
	  "aes128/sha1/modp2048", 16, 20, 16, 20 },
};

static int	v1_mm1_ntr;

/* The number of transforms in the first proposal of a's first message
 * (a cleartext SA payload right after the header). */
static enum mock_verdict
v1_mm1_cb(void *arg, const uint8_t *pkt, size_t len)
{
	struct ikev1_msg	*m;

	(void)arg;
	if (v1_mm1_ntr != 0 || len < IKEV1_HDR_LEN || (pkt[19] &
	    IKEV1_FLAG_ENC) || (m = calloc(1, sizeof(*m))) == NULL)
		return (MOCK_PASS);
	if (ikev1_msg_parse(pkt, len, m) == 0 && m->m_sa.sa_nprop == 1)
		v1_mm1_ntr = m->m_sa.sa_prop[0].prop_ntr;
	free(m);
	return (MOCK_PASS);
}

START_TEST(test_v1_proposal_list)
{
	struct side_opts	 a = opt_a, b = opt_b;
	struct tunnel_status	 st;
	char			 ai[256], bi[256];

	snprintf(ai, sizeof(ai), "%s%s", v1_list_vecs[_i].lv_a_ike,
	    strstr(v1_list_vecs[_i].lv_a_ike, "aggressive") ?
	    "\t\tlocal-id a.example.com\n\t\tpeer-id b.example.com\n" : "");
	snprintf(bi, sizeof(bi), "%s%s", v1_list_vecs[_i].lv_b_ike,
	    strstr(v1_list_vecs[_i].lv_b_ike, "aggressive") ?
	    "\t\tlocal-id b.example.com\n\t\tpeer-id a.example.com\n" : "");
	a.so_ike = ai;
	a.so_ipsec = v1_list_vecs[_i].lv_a_esp;
	b.so_ike = bi;
	b.so_ipsec = v1_list_vecs[_i].lv_b_esp;
	pair_init(&a, &b);
	ikev1_reauth_delete_set(A.s_ike, 20);
	ikev1_reauth_delete_set(B.s_ike, 20);
	v1_mm1_ntr = 0;
	A.s_net.mn_filter = v1_mm1_cb;
	ike_start(A.s_ike);
	pump(150);
	A.s_net.mn_filter = NULL;
	ck_assert_int_eq(v1_mm1_ntr, v1_list_vecs[_i].lv_ntr);
	assert_connected(1, v1_list_vecs[_i].lv_ekey,
	    v1_list_vecs[_i].lv_akey);
	ck_assert_str_eq(status(&A).ts_ike_algs, v1_list_vecs[_i].lv_ike_algs);
	ck_assert_str_eq(status(&B).ts_ike_algs, v1_list_vecs[_i].lv_ike_algs);
	ck_assert_str_eq(status(&A).ts_child[0].cs_algs,
	    v1_list_vecs[_i].lv_child);
	ck_assert_str_eq(status(&B).ts_child[0].cs_algs,
	    v1_list_vecs[_i].lv_child);

	/* IPsec SA rekeys from a, then from b (b proposes its list) */
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	pump(80);
	assert_connected(1, v1_list_vecs[_i].lv_ekey,
	    v1_list_vecs[_i].lv_akey);
	ck_assert_str_eq(status(&B).ts_child[0].cs_algs,
	    v1_list_vecs[_i].lv_child);
	ck_assert_int_eq(ike_tunnel_rekey(B.s_ike, "t1"), 0);
	pump(80);
	assert_connected(1, v1_list_vecs[_i].lv_ekey_b,
	    v1_list_vecs[_i].lv_akey_b);
	ck_assert_str_eq(status(&A).ts_child[0].cs_algs,
	    v1_list_vecs[_i].lv_child_b);
	ck_assert_str_eq(status(&B).ts_child[0].cs_algs,
	    v1_list_vecs[_i].lv_child_b);

	/* re-authentication from a: the same phase 1 suite again */
	st = status(&A);
	ck_assert_int_eq(ike_tunnel_rekey_ike(A.s_ike, "t1"), 0);
	pump(150);
	assert_connected(1, v1_list_vecs[_i].lv_ekey_b,
	    v1_list_vecs[_i].lv_akey_b);
	ck_assert(memcmp(status(&A).ts_spi_i, st.ts_spi_i, 8) != 0);
	ck_assert_str_eq(status(&A).ts_ike_algs, v1_list_vecs[_i].lv_ike_algs);
	ck_assert_str_eq(status(&B).ts_ike_algs, v1_list_vecs[_i].lv_ike_algs);
	ck_assert_int_eq(A.s_kernel.mk_errors + B.s_kernel.mk_errors, 0);
	pair_free();
}
END_TEST

static Suite *
ikev1_exchange_suite(void)
{
	Suite	*s = suite_create("ikev1_exchange");
	TCase	*tc;

	tc = tcase_create("phase1");
	tcase_add_test(tc, test_v1_main_defaults_establish);
	tcase_add_test(tc, test_v1_both_initiate);
	tcase_add_test(tc, test_v1_both_initiate_one_late);
	tcase_add_test(tc, test_v1_aggressive_fqdn);
	tcase_add_test(tc, test_v1_aggressive_wrong_id);
	tcase_add_test(tc, test_v1_aggressive_clear_message3);
	tcase_add_test(tc, test_v1_aggressive_many_candidates);
	tcase_add_loop_test(tc, test_v1_mode_mismatch, 0,
	    (int)(sizeof(mode_cases) / sizeof(mode_cases[0])));
	tcase_add_loop_test(tc, test_v1_mode_refused_swan, 0, 2);
	tcase_add_loop_test(tc, test_v1_mm5_refused_aggr_peer, 0, 2);
	tcase_add_test(tc, test_v1_wrong_psk);
	tcase_add_test(tc, test_v1_binary_psk);
	tcase_add_loop_test(tc, test_v1_esn, 0,
	    (int)(sizeof(v1_esn_vecs) / sizeof(v1_esn_vecs[0])));
	tcase_add_loop_test(tc, test_v1_bad_message6, 0,
	    sizeof(mm6_cases) / sizeof(mm6_cases[0]));
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	tc = tcase_create("algorithms");
	tcase_add_loop_test(tc, test_v1_proposal_list, 0,
	    (int)(sizeof(v1_list_vecs) / sizeof(v1_list_vecs[0])));
	tcase_add_loop_test(tc, test_v1_list_esn, 0,
	    (int)(sizeof(v1_list_esn_vecs) / sizeof(v1_list_esn_vecs[0])));
	tcase_add_loop_test(tc, test_v1_algorithms, 0,
	    sizeof(algo_cases) / sizeof(algo_cases[0]));
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	tc = tcase_create("quick");
	tcase_add_test(tc, test_v1_segments_2x2);
	tcase_add_test(tc, test_v1_queue_window);
	tcase_add_loop_test(tc, test_v1_segments_many, 0,
	    (int)(sizeof(many_segments) / sizeof(many_segments[0])));
	tcase_add_test(tc, test_v1_quick_interleaved);
	tcase_add_test(tc, test_v1_bad_message5);
	tcase_add_test(tc, test_v1_segments_mismatch);
	tcase_add_test(tc, test_v1_responder_lifetime);
	tcase_add_loop_test(tc, test_v1_kbytes_lifetime, 0,
	    sizeof(kb_cases) / sizeof(kb_cases[0]));
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	tc = tcase_create("reliability");
	tcase_add_test(tc, test_v1_retransmit_cached);
	tcase_add_test(tc, test_v1_retransmit_timeout);
	tcase_add_test(tc, test_v1_malformed_counted);
	tcase_add_test(tc, test_v1_commit_bit_ignored);
	tcase_add_test(tc, test_v1_port_follow_authenticated);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	tc = tcase_create("informational");
	tcase_add_test(tc, test_v1_delete);
	tcase_add_test(tc, test_v1_dpd_answered);
	tcase_add_test(tc, test_v1_dpd_dead);
	tcase_add_test(tc, test_v1_dpd_ack_lost);
	tcase_add_test(tc, test_v1_dpd_dead_responder);
	tcase_add_test(tc, test_v1_dpd_quiet_with_esp);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	tc = tcase_create("nat");
	tcase_add_loop_test(tc, test_v1_nat_float_encap, 0,
	    sizeof(nat_cases) / sizeof(nat_cases[0]));
	tcase_add_test(tc, test_v1_nat_none_plain_esp);
	tcase_add_test(tc, test_v1_nat_address_change);
	tcase_add_test(tc, test_v1_nat_encap_mode);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	tc = tcase_create("rekey");
	tcase_add_loop_test(tc, test_v1_rekey_child, 0, 2);
	tcase_add_loop_test(tc, test_v1_reauth, 0, 2);
	tcase_add_test(tc, test_v1_lifetimes);
	tcase_add_loop_test(tc, test_v1_reauth_waits_for_qm, 0, 2);
	tcase_add_test(tc, test_v1_child_expiry);
	tcase_add_test(tc, test_v1_peer_deletes_ipsec_sa);
	tcase_add_test(tc, test_v1_rekey_hash3_lost);
	tcase_add_test(tc, test_v1_rekey_msg2_lost_old_deleted);
	tcase_add_test(tc, test_v1_rekey_old_expires_before_hash3);
	tcase_add_test(tc, test_v1_rekey_failed_heir);
	tcase_add_loop_test(tc, test_v1_kernel_hard_expire, 0, 2);
	tcase_add_loop_test(tc, test_v1_soft_volume_rekey, 0, 2);
	tcase_add_test(tc, test_v1_hard_volume_expire);
	tcase_add_test(tc, test_v1_initial_contact_restart);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	/* a Quick Mode in flight across a re-authentication */
	tc = tcase_create("reauth-race");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_v1_reauth_quick_in_flight, 0, 2);
	tcase_add_test(tc, test_v1_rekey_collision);
	tcase_add_test(tc, test_v1_crossed_rekey_late);
	tcase_add_test(tc, test_v1_crossed_rekey_msg3_lost);
	tcase_add_test(tc, test_v1_rekey_collision_peer_choice);
	tcase_add_test(tc, test_v1_peer_rekeys_young);
	tcase_add_test(tc, test_v1_peer_rekeys_young_in_use);
	tcase_add_test(tc, test_v1_rekey_waits_for_peer_qm);
	tcase_add_test(tc, test_v1_reauth_responder_forgot);
	tcase_add_test(tc, test_v1_half_open_retransmitted);
	tcase_add_test(tc, test_v1_expiry_during_reauth);
	tcase_add_test(tc, test_v1_late_child_dropped);
	tcase_add_loop_test(tc, test_v1_late_child_newer_phase1, 0, 2);
	tcase_add_test(tc, test_v1_crossed_quick_modes);
	tcase_add_test(tc, test_v1_crossed_then_rekeyed);
	tcase_add_test(tc, test_v1_late_heir);
	tcase_add_test(tc, test_v1_unauth_fail_connected);
	tcase_add_test(tc, test_v1_rekey_late_no_defer);
	tcase_add_test(tc, test_v1_reauth_both);
	tcase_add_test(tc, test_v1_rekey_message3_lost);
	tcase_add_test(tc, test_v1_rekey_message3_lost_traffic);
	tcase_add_test(tc, test_v1_rekey_msg3_again);
	tcase_add_loop_test(tc, test_v1_rekey_given_up, 0, 2);
	tcase_add_test(tc, test_v1_rekey_superseded_before_use);
	tcase_add_test(tc, test_v1_rekey_given_up_no_msg3);
	tcase_add_test(tc, test_v1_peer_deletes_old_isakmp_during_reauth);
	tcase_add_test(tc, test_v1_peer_reauth_dies);
	tcase_add_test(tc, test_v1_peer_reauth_initial_contact);
	tcase_add_test(tc, test_v1_peer_reauths_replaced);
	tcase_add_test(tc, test_v1_peer_sets_up_no_pair);
	tcase_add_loop_test(tc, test_v1_qm_hold_near_end, 0, 2);
	suite_add_tcase(s, tc);
	tc = tcase_create("qm-limits");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_v1_qm_flood_in_flight);
	tcase_add_test(tc, test_v1_qm_flood_ipsec_sas);
	tcase_add_test(tc, test_v1_qm_message3_resent);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 nfail;

	log_init(0, getenv("V1_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_WARN);
	sr = srunner_create(ikev1_exchange_suite());
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nfail == 0 ? 0 : 1);
}
