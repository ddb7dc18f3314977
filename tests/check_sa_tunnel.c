/*
 * check_sa_tunnel.c - the IKE SAs of a tunnel (ike/sa_tunnel.c): the
 * tunnel's lists and the peer index stay in step with the SAs through
 * establishment, rekeys, re-authentication and deletion, in both
 * versions; the collision rule finds the peer's SAs through the index;
 * and a new SA on a tunnel that holds thousands of other peers' SAs is
 * checked without a look at them.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "common/log.h"
#include "ike/ike.h"
#include "ike/ike_sa.h"
#include "ike/ikev1_sa.h"
#include "ike/ikev2.h"
#include "policy/config.h"
#include "tests/exchange_pair.h"
#include "tests/mock_kernel.h"
#include "tests/mock_net.h"

#define PFS_2	"\t\tpfs 2\n"

static const struct side_opts opt_a = {
	.so_version = 2, .so_local = { "172.16.0.0/24" },
	.so_remote = { "10.0.0.0/12" }, .so_initiate = 1, .so_ipsec = PFS_2
};
static const struct side_opts opt_b_resp = {
	.so_version = 2, .so_local = { "10.0.0.0/12" },
	.so_remote = { "172.16.0.0/24" }, .so_initiate = 0, .so_ipsec = PFS_2
};
static const struct side_opts opt_a1 = {
	.so_version = 1, .so_local = { "172.16.0.0/24" },
	.so_remote = { "10.0.0.0/12" }, .so_initiate = 1
};
static const struct side_opts opt_b1 = {
	.so_version = 1, .so_local = { "10.0.0.0/12" },
	.so_remote = { "172.16.0.0/24" }, .so_initiate = 0
};

/* Whether b may be a's peer by the collision rule (the scan it
 * replaced): the same tunnel and version, the same identity or either
 * unknown. */
static int
peer_of(const struct ike_sa_base *a, const struct ike_sa_base *b, int v)
{
	if (b == a || b->b_tunnel == NULL || b->b_tunnel != a->b_tunnel ||
	    (v != 0 && b->b_ops->so_version != v))
		return (0);
	return (a->b_peer_ident.pi_type == 0 ||
	    b->b_peer_ident.pi_type == 0 ||
	    ike_peer_ident_eq(&a->b_peer_ident, &b->b_peer_ident));
}

/* ike_tunnel_peer_next() walks exactly the SAs of ctx_all that may be
 * a's peer, in ctx_all's order. */
static void
assert_peers(struct ike_ctx *ctx, const struct ike_sa_base *a)
{
	struct ike_sa_base	*b, *p;
	uint64_t		 seq = 0;

	TAILQ_FOREACH(b, &ctx->ctx_all, b_entry) {
		if (!peer_of(a, b, 0))
			continue;
		p = ike_tunnel_peer_next(a, seq, 0);
		ck_assert_ptr_eq(p, b);
		seq = p->b_begin_seq;
	}
	ck_assert_ptr_null(ike_tunnel_peer_next(a, seq, 0));
}

/*
 * Every tunnel of ctx lists exactly the IKE SAs of ctx_all that are its,
 * in ctx_all's order, and those we initiated apart; each SA with a tunnel
 * is in the peer index, none without; with peers, the index answers as
 * the scan did.  The number of SAs with a tunnel.
 */
static int
assert_members(struct ike_ctx *ctx, int peers)
{
	struct ike_tunnel	*t;
	struct ike_sa_base	*b, *m, *i;
	size_t			 n = 0;

	TAILQ_FOREACH(b, &ctx->ctx_all, b_entry) {
		ck_assert_ptr_eq(b->b_tlist, b->b_tunnel);
		if (b->b_tunnel == NULL) {
			ck_assert(b->b_pkey == 0);
			continue;
		}
		ck_assert(ike_peer_index_filed(b));
		if (peers)
			assert_peers(ctx, b);
		n++;
	}
	ck_assert_uint_eq(ctx->ctx_peers.px_n, n);
	TAILQ_FOREACH(t, &ctx->ctx_tunnels, t_entry) {
		m = TAILQ_FIRST(&t->t_sas);
		i = TAILQ_FIRST(&t->t_inits);
		TAILQ_FOREACH(b, &ctx->ctx_all, b_entry) {
			if (b->b_tunnel != t)
				continue;
			ck_assert_ptr_eq(m, b);
			m = TAILQ_NEXT(m, b_tentry);
			if (b->b_initiator) {
				ck_assert_ptr_eq(i, b);
				i = TAILQ_NEXT(i, b_ientry);
			}
		}
		ck_assert_ptr_null(m);
		ck_assert_ptr_null(i);
	}
	return ((int)n);
}

/* The IKE SAs of s's tunnel t1 of version v (0: any) in phase p. */
static int
tunnel_count(struct side *s, int v, enum ike_sa_phase p)
{
	struct ike_tunnel	*t = ike_tunnel_find(s->s_ike, "t1");
	struct ike_sa_base	*b;
	int			 n = 0;

	ck_assert_ptr_nonnull(t);
	for (b = ike_tunnel_sa_next(t, NULL, v); b != NULL;
	    b = ike_tunnel_sa_next(t, b, v))
		if (ike_sa_base_phase(b) == p)
			n++;
	return (n);
}

static void
assert_both(int peers)
{
	assert_members(A.s_ike, peers);
	assert_members(B.s_ike, peers);
}

/*
 * IKEv2 (_i: who rekeys the IKE SA, 0 a, 1 b): the lists follow the
 * first IKE SA, a CHILD SA rekey, an IKE SA rekey (a new SA of the
 * tunnel, the rekey's initiator's, with the peer's identity, takes the
 * CHILD SAs; the old one goes), a second rekey by the other side, and
 * the tunnel going down.
 */
START_TEST(test_v2_members)
{
	struct side		*x = _i == 0 ? &A : &B, *y = _i == 0 ? &B : &A;
	struct ike_tunnel	*tx;
	struct ike_sa		*old, *n;
	struct ike_peer_ident	 pi;

	pair_init(&opt_a, &opt_b_resp);
	assert_both(1);
	ike_start(A.s_ike);
	pump(50);
	assert_both(1);
	ck_assert_int_eq(tunnel_count(&A, 2, IKE_PHASE_UP), 1);
	ck_assert_int_eq(tunnel_count(&B, 2, IKE_PHASE_UP), 1);
	/* the IKEv2 responder joined the tunnel at IKE_AUTH */
	ck_assert(TAILQ_EMPTY(&ike_tunnel_find(B.s_ike, "t1")->t_inits));
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	pump(50);
	assert_both(1);
	tx = ike_tunnel_find(x->s_ike, "t1");
	ck_assert_ptr_nonnull(old = ike_tunnel_sa(tx));
	pi = old->sa_b.b_peer_ident;
	ck_assert_int_ne(pi.pi_type, 0);
	ck_assert_int_eq(ike_tunnel_rekey_ike(x->s_ike, "t1"), 0);
	pump(150);
	assert_both(1);
	ck_assert_ptr_nonnull(n = ike_tunnel_sa(tx));
	ck_assert_ptr_ne(n, old);
	/* the rekey's SA is the same peer's, on both sides (§2.8) */
	ck_assert(ike_peer_ident_eq(&n->sa_b.b_peer_ident, &pi));
	ck_assert_int_ne(ike_tunnel_sa(ike_tunnel_find(y->s_ike,
	    "t1"))->sa_b.b_peer_ident.pi_type, 0);
	ck_assert(n->sa_b.b_initiator);
	ck_assert_ptr_eq(TAILQ_LAST(&tx->t_inits, ike_sa_base_list),
	    &n->sa_b);
	ck_assert(!TAILQ_EMPTY(&n->sa_b.b_children));
	ck_assert_int_eq(tunnel_count(&A, 0, IKE_PHASE_UP), 1);
	ck_assert_int_eq(tunnel_count(&B, 0, IKE_PHASE_UP), 1);
	ck_assert_int_eq(ike_tunnel_rekey_ike(y->s_ike, "t1"), 0);
	pump(150);
	assert_both(1);
	ck_assert_int_eq(tunnel_count(&A, 0, IKE_PHASE_UP), 1);
	ck_assert_int_eq(tunnel_count(&B, 0, IKE_PHASE_UP), 1);
	ck_assert_int_eq(ike_tunnel_down(A.s_ike, "t1"), 0);
	pump(100);
	ck_assert_int_eq(assert_members(A.s_ike, 1), 0);
	ck_assert_int_eq(assert_members(B.s_ike, 1), 0);
	ck_assert(TAILQ_EMPTY(&ike_tunnel_find(A.s_ike, "t1")->t_sas));
	ck_assert(TAILQ_EMPTY(&ike_tunnel_find(B.s_ike, "t1")->t_sas));
	pair_free();
}
END_TEST

static const struct side_opts opt_b1_changed = {
	.so_version = 1, .so_local = { "10.0.0.0/12" },
	.so_remote = { "172.16.0.0/25" }, .so_initiate = 0
};

/*
 * IKEv1 (_i: who re-authenticates): the new ISAKMP SA joins the tunnel,
 * the replaced one stays on it until it goes, and a reload that changes
 * the tunnel takes every SA off it.
 */
START_TEST(test_v1_members)
{
	struct side	*x = _i == 0 ? &A : &B;
	struct config	*cfg;

	pair_init(&opt_a1, &opt_b1);
	ikev1_reauth_delete_set(A.s_ike, 20);
	ikev1_reauth_delete_set(B.s_ike, 20);
	ike_start(A.s_ike);
	pump(80);
	assert_both(1);
	ck_assert_int_eq(tunnel_count(&A, 1, IKE_PHASE_UP), 1);
	ck_assert_int_eq(tunnel_count(&B, 1, IKE_PHASE_UP), 1);
	ck_assert_int_eq(ike_tunnel_rekey_ike(x->s_ike, "t1"), 0);
	pump(10);
	assert_both(1);
	pump(400);
	assert_both(1);
	ck_assert_int_eq(tunnel_count(&A, 1, IKE_PHASE_UP), 1);
	ck_assert_int_eq(tunnel_count(&B, 1, IKE_PHASE_UP), 1);
	ck_assert_int_eq(tunnel_count(&A, 1, IKE_PHASE_REPLACED), 0);
	/* a reload changes b's tunnel: the old one goes with its SAs */
	cfg = cfg_make(ADDR_B, ADDR_A, &opt_b1_changed);
	ike_config_apply(B.s_ike, cfg);
	B.s_cfg = cfg;
	ck_assert_int_eq(assert_members(B.s_ike, 1), 0);
	pump(100);
	assert_both(1);
	pair_free();
}
END_TEST

/* Established IKE SAs of version 2 on s's tunnel t1. */
static int
v2_up(struct side *s)
{
	return (tunnel_count(s, 2, IKE_PHASE_UP));
}

/*
 * The collision rule through the index: a second IKE SA of the tunnel
 * (a's re-authentication) replaces the first when both have the peer's
 * identity (_i 0), on both sides; when each side's first SA carries
 * another identity (_i 1: another peer behind a NAT, as on a 0.0.0.0
 * tunnel), both SAs stay.
 */
START_TEST(test_collision_identity)
{
	static const uint8_t	 other[] = "other.example";
	struct ike_sa		*fa, *fb;

	pair_init(&opt_a, &opt_b_resp);
	ike_start(A.s_ike);
	pump(50);
	ck_assert_ptr_nonnull(fa = ike_tunnel_sa(ike_tunnel_find(A.s_ike,
	    "t1")));
	ck_assert_ptr_nonnull(fb = ike_tunnel_sa(ike_tunnel_find(B.s_ike,
	    "t1")));
	if (_i == 1) {
		ike_sa_base_ident_set(&fa->sa_b, IKEV2_ID_FQDN, other,
		    sizeof(other) - 1);
		ike_sa_base_ident_set(&fb->sa_b, IKEV2_ID_FQDN, other,
		    sizeof(other) - 1);
	}
	assert_both(1);
	ck_assert_int_eq(ike_tunnel_initiate(ike_tunnel_find(A.s_ike, "t1")),
	    0);
	pump(150);
	assert_both(1);
	ck_assert_int_eq(v2_up(&A), _i == 0 ? 1 : 2);
	ck_assert_int_eq(v2_up(&B), _i == 0 ? 1 : 2);
	if (_i == 0) {
		/* the first went: the one left is the new one */
		ck_assert_ptr_ne(ike_tunnel_sa(ike_tunnel_find(B.s_ike, "t1")),
		    fb);
		ck_assert_int_eq(assert_members(B.s_ike, 1), 1);
	} else
		ck_assert_ptr_eq(ike_tunnel_sa(ike_tunnel_find(B.s_ike, "t1")),
		    fb);
	pair_free();
}
END_TEST

#define HELD_N	3000

/* An established IKEv2 SA of peer n behind the tunnel t of ctx: an FQDN
 * identity of its own, an address of its own. */
static struct ike_sa *
held_sa(struct ike_ctx *ctx, struct ike_tunnel *t, int n)
{
	struct sockaddr_in	 local, remote;
	struct ike_sa		*sa;
	char			 id[32];
	int			 len;

	memset(&local, 0, sizeof(local));
	local.sin_family = AF_INET;
	local.sin_port = htons(500);
	inet_pton(AF_INET, ADDR_B, &local.sin_addr);
	remote = local;
	remote.sin_port = htons(4500);
	remote.sin_addr.s_addr = htonl(0x0a800000U + (uint32_t)n);
	ck_assert_ptr_nonnull(sa = ike_sa_new(ctx, t, 0, &local, &remote));
	sa->sa_state = IKE_SA_ESTABLISHED;
	ike_sa_base_up(&sa->sa_b);
	len = snprintf(id, sizeof(id), "peer%d.example", n);
	ck_assert(len > 0 && (size_t)len < sizeof(id));
	ike_sa_base_ident_set(&sa->sa_b, IKEV2_ID_FQDN, (uint8_t *)id,
	    (size_t)len);
	return (sa);
}

/*
 * b's tunnel holds HELD_N IKE SAs of other peers (each its own FQDN, as
 * behind a 0.0.0.0 tunnel); a re-authenticates.  At b the new SA
 * replaces a's old one, the held ones all stay, and the collision check
 * and the drop of our own unseen attempts looked at a handful of SAs,
 * none of the held ones.
 */
START_TEST(test_many_held)
{
	struct ike_tunnel	*tb;
	struct ike_sa		*fb, *nb;
	uint64_t		 visits;
	int			 i;

	pair_init(&opt_a, &opt_b_resp);
	ike_start(A.s_ike);
	pump(50);
	tb = ike_tunnel_find(B.s_ike, "t1");
	ck_assert_ptr_nonnull(fb = ike_tunnel_sa(tb));
	for (i = 0; i < HELD_N; i++)
		held_sa(B.s_ike, tb, i);
	ck_assert_int_eq(assert_members(B.s_ike, 0), HELD_N + 1);
	B.s_ike->ctx_peers.px_visits = 0;
	ck_assert_int_eq(ike_tunnel_initiate(ike_tunnel_find(A.s_ike, "t1")),
	    0);
	pump(150);
	visits = B.s_ike->ctx_peers.px_visits;
	ck_assert_msg(visits > 0 && visits < 16, "%llu SAs looked at",
	    (unsigned long long)visits);
	ck_assert_int_eq(v2_up(&A), 1);
	ck_assert_int_eq(v2_up(&B), HELD_N + 1);
	ck_assert_int_eq(assert_members(B.s_ike, 0), HELD_N + 1);
	/* a's old SA went at b (replaced); the new one is the last */
	nb = ike_sa_of(TAILQ_LAST(&tb->t_sas, ike_sa_base_list));
	ck_assert_ptr_ne(nb, fb);
	ck_assert_int_eq(nb->sa_state, IKE_SA_ESTABLISHED);
	ck_assert_ptr_ne(ike_sa_of(TAILQ_FIRST(&tb->t_sas)), fb);
	assert_peers(B.s_ike, &nb->sa_b);
	pair_free();
}
END_TEST

int
main(void)
{
	SRunner	*sr;
	Suite	*s = suite_create("sa_tunnel");
	TCase	*tc;
	int	 failed;

	log_init(0, getenv("GW_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_WARN);
	tc = tcase_create("members");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_v2_members, 0, 2);
	tcase_add_loop_test(tc, test_v1_members, 0, 2);
	suite_add_tcase(s, tc);
	tc = tcase_create("collision");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_collision_identity, 0, 2);
	tcase_add_test(tc, test_many_held);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? 0 : 1);
}
