/*
 * check_ikev1_flood.c - the IKEv1 responder b under a flood of spoofed
 * first messages: a's real Main Mode message 1, replayed with new
 * initiator cookies from many source addresses, against b's tunnel to
 * 0.0.0.0 (t2), while a connects to b's tunnel t1 that names a.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>

#include "common/log.h"
#include "ike/ike.h"
#include "ike/ike_sa.h"
#include "ike/ikev1.h"
#include "ike/ikev1_sa.h"
#include "tests/exchange_pair.h"
#include "tests/mock_kernel.h"
#include "tests/mock_net.h"

/* b's half-open lifetime in these tests: longer than the 10,000 spoofed
 * message 1 take under ASan, before the first pump */
#define HALF_MS		1500

static struct side_opts opt_a = {
	.so_version = 1, .so_local = { "172.16.0.0/24" },
	.so_remote = { "10.0.0.0/12" }, .so_initiate = 1
};
/* the exchange a uses and the flood replays: Main or Aggressive Mode */
static uint8_t exch = IKEV1_EXCH_MAIN;
static const char *t2_ike = "";

/* b: t1 to a, and t2 to any peer (0.0.0.0), the one flooded */
static char b_extra[1024];

static void
flood_init(int cap, int per_src, const char *b_peer, unsigned evict_ms)
{
	struct side_opts	 b = {
		.so_version = 1, .so_local = { "10.0.0.0/12" },
		.so_remote = { "172.16.0.0/24" }, .so_initiate = 0
	};

	snprintf(b_extra, sizeof(b_extra),
	    "ikev1-half-open %d\nikev1-half-open-per-source %d\n"
	    "peer any {\n\taddress 0.0.0.0\n}\n"
	    "tunnel t2 {\n\tgateway gw\n\tpeer any\n"
	    "\tlocal-segment 10.64.0.0/16\n\tpeer-segment 192.168.0.0/16\n"
	    "\tpsk Secr3t!key\n\tinitiate no\n\tike {\n\t\tversion 1\n%s\t}\n"
	    "}\n", cap, per_src, t2_ike);
	b.so_extra = b_extra;
	base = event_base_new();
	side_init(&A, ADDR_A, ADDR_B, &opt_a, 0xa0000001);
	side_init(&B, ADDR_B, b_peer, &b, 0xb0000001);
	ikev1_half_open_ms_set(B.s_ike, HALF_MS, evict_ms);
}

/* a's first Main Mode message, as it sent it (owned by the caller). */
static struct mock_dgram
capture_mm1(void)
{
	struct mock_dgram	 d;
	int			 i;

	ike_start(A.s_ike);
	for (i = 0; i < 200; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (mock_net_pop(&A.s_net, &d) == 0) {
			ck_assert_uint_ge(d.d_len, IKEV1_HDR_LEN);
			ck_assert_uint_eq(d.d_data[18], exch);
			return (d);
		}
		usleep(1000);
	}
	ck_abort_msg("a sent no message 1");
	return (d);
}

static struct sockaddr_in
sin_of(uint32_t host, uint16_t port)
{
	struct sockaddr_in	 s;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_addr.s_addr = htonl(host);
	s.sin_port = htons(port);
	return (s);
}

/*
 * What b sent since the last call: answers to the flood (to anything but
 * a) are counted, checked to name the cookie and address they answer,
 * and dropped; what goes to a is delivered.
 */
struct tally {
	int	t_flood;		/* datagrams to flood sources */
	int	t_legit;		/* to a */
};

static void
drain_b(struct tally *t)
{
	struct mock_dgram	 d;

	while (mock_net_pop(&B.s_net, &d) == 0) {
		if (d.d_dst.sin_addr.s_addr == inet_addr(ADDR_A)) {
			ike_recv(A.s_ike, d.d_data, d.d_len, &d.d_dst,
			    &d.d_src);
			t->t_legit++;
		} else
			t->t_flood++;
		free(d.d_data);
	}
}

/* pump() that keeps the flood's answers away from a. */
static void
pump_tally(int ms, struct tally *t)
{
	struct timespec		 t0, now;
	struct mock_dgram	 d;
	long			 el;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		drain_b(t);
		while (mock_net_pop(&A.s_net, &d) == 0) {
			ike_recv(B.s_ike, d.d_data, d.d_len, &d.d_dst,
			    &d.d_src);
			free(d.d_data);
			drain_b(t);
		}
		event_base_loop(base, EVLOOP_NONBLOCK);
		clock_gettime(CLOCK_MONOTONIC, &now);
		el = (now.tv_sec - t0.tv_sec) * 1000 +
		    (now.tv_nsec - t0.tv_nsec) / 1000000;
		if (el >= ms)
			break;
		usleep(1000);
	}
}

/*
 * Replays mm1 with initiator cookie (n, 0xf1) from src:500 to b; returns
 * the number of answers, each checked to be b's message 2 to src for
 * that cookie with a fresh responder cookie (copied to rcky if not NULL).
 */
static int
spoof(const struct mock_dgram *mm1, uint32_t n, uint32_t src,
    uint8_t *rcky)
{
	struct sockaddr_in	 local = sin_of(ntohl(inet_addr(ADDR_B)), 500);
	struct sockaddr_in	 remote = sin_of(src, 500);
	struct mock_dgram	 d;
	uint8_t			*pkt;
	int			 answers = 0;

	ck_assert_ptr_nonnull(pkt = malloc(mm1->d_len));
	memcpy(pkt, mm1->d_data, mm1->d_len);
	memcpy(pkt, &n, 4);
	memset(pkt + 4, 0xf1, 4);
	ike_recv(B.s_ike, pkt, mm1->d_len, &local, &remote);
	while (mock_net_pop(&B.s_net, &d) == 0) {
		ck_assert_uint_eq(d.d_dst.sin_addr.s_addr, htonl(src));
		ck_assert_uint_ge(d.d_len, IKEV1_HDR_LEN);
		ck_assert_mem_eq(d.d_data, pkt, 8);
		ck_assert_uint_eq(d.d_data[18], exch);
		/* Aggressive Mode's answer holds b's KE: a DH was made */
		if (exch == IKEV1_EXCH_AGGRESSIVE)
			ck_assert_uint_gt(d.d_len, IKEV1_HDR_LEN + 4 + 128);
		if (rcky != NULL)
			memcpy(rcky, d.d_data + 8, 8);
		answers++;
		free(d.d_data);
	}
	free(pkt);
	return (answers);
}

static struct tunnel_status
status_of(struct side *s, const char *name)
{
	struct tunnel_status	 st[4], found;
	int			 i, n;

	n = ike_status(s->s_ike, st, 4);
	for (i = 0; i < n && i < 4; i++)
		if (strcmp(st[i].ts_name, name) == 0) {
			/* its CHILD SAs kept until side_free(s), the
			 * others' freed now */
			found = st[i];
			status_keep(s, &found);
			st[i].ts_child = NULL;
			ike_status_free(st, n < 4 ? n : 4);
			return (found);
		}
	ck_abort_msg("no tunnel %s", name);
	return (st[0]);
}

/*
 * 10 from one source (cap 4 per source), then 10,000 from 1,000 sources
 * (cap 256 in all): b answers each accepted message 1 once (again only
 * for the same bytes), drops the
 * rest unanswered, never retransmits a message 2 on its own; a connects
 * to t1 meanwhile; the half-open SAs are gone after their lifetime.
 */
START_TEST(test_v1_flood_caps)
{
	struct mock_dgram	 mm1, mod;
	struct ike_counters	 c;
	struct tally		 t = { 0, 0 };
	struct tunnel_status	 st;
	int			 i, ans, accepted = 0;
	uint64_t		 retried;

	flood_init(256, 4, ADDR_A, 10 * HALF_MS);
	mm1 = capture_mm1();
	for (i = 0; i < 10; i++)
		accepted += spoof(&mm1, 1000 + i, 0xc0000207, NULL);
	ck_assert_int_eq(accepted, 4);
	ike_counters_get(B.s_ike, &c);
	ck_assert_uint_eq(c.ic_v1_drop_half_source, 6);
	ck_assert_uint_eq(c.ic_v1_half_open, 4);
	for (i = 0; i < 10000; i++) {
		ans = spoof(&mm1, 5000 + i, 0x0a010000 + i % 1000, NULL);
		ck_assert_int_le(ans, 1);
		accepted += ans;
	}
	/* the state stays at the cap; beyond it, a new message 1 gets in
	 * only as a message 1 that was dropped and is sent again (the
	 * bit filter of dropped ones has false positives at 10,000), and
	 * the oldest SA that never answered gives way for it */
	ike_counters_get(B.s_ike, &c);
	ck_assert_uint_eq(c.ic_v1_half_open, 256);
	ck_assert_uint_eq(ikev1_half_open_count(B.s_ike), 256);
	ck_assert_int_ge(accepted, 256);
	ck_assert_uint_eq(c.ic_v1_half_retried, accepted - 256);
	ck_assert_uint_eq(c.ic_v1_half_evicted, accepted - 256);
	ck_assert_uint_lt(c.ic_v1_half_retried, 100);
	ck_assert_uint_eq(c.ic_v1_drop_half_total + c.ic_v1_drop_half_source -
	    6, 10000 - (accepted - 4));
	retried = c.ic_v1_half_retried;
	/* a retransmitted message 1 gets the cached answer, once */
	ck_assert_int_eq(spoof(&mm1, 5000, 0x0a010000, NULL), 1);
	/* one with the same cookie that differs (its last byte) is not a
	 * retransmission: no cached answer, nothing else either */
	mod = mm1;
	ck_assert_ptr_nonnull(mod.d_data = malloc(mm1.d_len));
	memcpy(mod.d_data, mm1.d_data, mm1.d_len);
	mod.d_data[mm1.d_len - 1] ^= 0x01;
	ck_assert_int_eq(spoof(&mod, 5000, 0x0a010000, NULL), 0);
	free(mod.d_data);
	/* one that was dropped gets in when sent again: the oldest SA that
	 * never answered gives way, the budget holds */
	ck_assert_int_eq(spoof(&mm1, 5000 + 1999, 0x0a010000 + 999, NULL),
	    1);
	ike_counters_get(B.s_ike, &c);
	ck_assert_uint_eq(c.ic_v1_half_retried, retried + 1);
	ck_assert_uint_eq(c.ic_v1_half_evicted, retried + 1);
	ck_assert_uint_eq(ikev1_half_open_count(B.s_ike), 256);
	/* one never seen is still dropped */
	ck_assert_int_eq(spoof(&mm1, 9999, 0x0a010000 + 998, NULL), 0);
	free(mm1.d_data);
	/* a, named by t1, is not held back by the full 0.0.0.0 budget */
	pump_tally(HALF_MS / 2, &t);
	st = status_of(&A, "t1");
	ck_assert_str_eq(tunnel_state_name(st.ts_state), "Connected");
	ck_assert_str_eq(tunnel_state_name(status_of(&B, "t1").ts_state),
	    "Connected");
	ck_assert_int_gt(t.t_legit, 0);
	ike_counters_get(B.s_ike, &c);
	ck_assert_uint_eq(c.ic_v1_half_open, 256);
	/* the half-open lifetime passes: nothing more to the flood */
	pump_tally(HALF_MS * 2, &t);
	ck_assert_int_eq(t.t_flood, 0);
	ike_counters_get(B.s_ike, &c);
	ck_assert_uint_eq(c.ic_v1_half_open, 0);
	ck_assert_uint_eq(c.ic_v1_half_expired, 256);
	ck_assert_uint_eq(c.ic_retransmits, 0);
	/* quietly: t2 is not marked failed by the spoofed attempts */
	st = status_of(&B, "t2");
	ck_assert_str_eq(st.ts_last_error, "");
	ck_assert_str_eq(tunnel_state_name(status_of(&A, "t1").ts_state),
	    "Connected");
	side_free(&A);
	side_free(&B);
	event_base_free(base);
}
END_TEST

/*
 * 4,000 half-open SAs (the cookie table grows from 64 chains): a
 * retransmission of any of them finds its own SA, whose answer carries
 * the responder cookie it had the first time.
 */
START_TEST(test_v1_lookup_many)
{
	struct mock_dgram	 mm1;
	struct ike_counters	 c;
	uint8_t			(*rcky)[8], again[8];
	int			 i, n = 4000;

	flood_init(65536, 65536, ADDR_A, 10 * HALF_MS);
	mm1 = capture_mm1();
	ck_assert_ptr_nonnull(rcky = calloc(n, 8));
	for (i = 0; i < n; i++)
		ck_assert_int_eq(spoof(&mm1, 100000 + i, 0x0a020000 + i,
		    rcky[i]), 1);
	ck_assert_uint_eq(ikev1_half_open_count(B.s_ike), n);
	for (i = 0; i < n; i += 7) {
		memset(again, 0, sizeof(again));
		ck_assert_int_eq(spoof(&mm1, 100000 + i, 0x0a020000 + i,
		    again), 1);
		ck_assert_mem_eq(again, rcky[i], 8);
	}
	/* the same cookie from another address is another SA */
	ck_assert_int_eq(spoof(&mm1, 100000, 0x0a030001, again), 1);
	ck_assert(memcmp(again, rcky[0], 8) != 0);
	ike_counters_get(B.s_ike, &c);
	ck_assert_uint_eq(c.ic_v1_half_open, n + 1);
	free(rcky);
	free(mm1.d_data);
	side_free(&A);
	side_free(&B);
	event_base_free(base);
}
END_TEST

/*
 * b's t1 is to 0.0.0.0 too: a is one more anonymous source.  8 spoofed
 * message 1 fill the budget of 8; a's message 1 right then is dropped;
 * its retransmission 100 ms later displaces the oldest spoofed SA, which
 * never answered, and a connects.  The budget is never exceeded and the
 * flood gets no answer beyond its first 8.
 */
START_TEST(test_v1_flood_evict_oldest)
{
	struct mock_dgram	 mm1;
	struct ike_counters	 c;
	struct tally		 t = { 0, 0 };
	struct sockaddr_in	 la, lb;
	int			 i, accepted = 0;

	flood_init(8, 4, "0.0.0.0", 100);
	mm1 = capture_mm1();
	for (i = 0; i < 8; i++)
		accepted += spoof(&mm1, 7000 + i, 0x0a040000 + i, NULL);
	ck_assert_int_eq(accepted, 8);
	/* a's own message 1: the budget is full and nothing is old yet */
	la = sin_of(ntohl(inet_addr(ADDR_A)), 500);
	lb = sin_of(ntohl(inet_addr(ADDR_B)), 500);
	ike_recv(B.s_ike, mm1.d_data, mm1.d_len, &lb, &la);
	drain_b(&t);
	ck_assert_int_eq(t.t_legit, 0);
	ike_counters_get(B.s_ike, &c);
	ck_assert_uint_eq(c.ic_v1_drop_half_total, 1);
	free(mm1.d_data);
	pump_tally(HALF_MS / 2 + 100, &t);
	ck_assert_str_eq(tunnel_state_name(status_of(&A, "t1").ts_state),
	    "Connected");
	ck_assert_str_eq(tunnel_state_name(status_of(&B, "t1").ts_state),
	    "Connected");
	ike_counters_get(B.s_ike, &c);
	ck_assert_uint_ge(c.ic_v1_half_evicted, 1);
	ck_assert_uint_le(c.ic_v1_half_open, 8);
	ck_assert_int_eq(t.t_flood, 0);
	pump_tally(HALF_MS * 2, &t);
	ike_counters_get(B.s_ike, &c);
	ck_assert_uint_eq(c.ic_v1_half_open, 0);
	ck_assert_uint_eq(c.ic_v1_half_evicted + c.ic_v1_half_expired, 8);
	ck_assert_int_eq(t.t_flood, 0);
	side_free(&A);
	side_free(&B);
	event_base_free(base);
}
END_TEST

/*
 * As test_v1_flood_evict_oldest, but no spoofed SA is ever old enough to
 * give way (evict 10 x the half-open lifetime): a's first message 1 is
 * dropped, and its retransmission, remembered as dropped, displaces the
 * oldest spoofed SA; a connects.  Then the per-source limit: 4 message 1
 * spoofed from a's own address (t1 names a) fill it, a's new attempt is
 * dropped once and gets in when sent again.
 */
START_TEST(test_v1_flood_retried)
{
	struct mock_dgram	 mm1;
	struct ike_counters	 c;
	struct tally		 t = { 0, 0 };
	struct sockaddr_in	 la, lb;
	int			 i, accepted = 0;

	flood_init(8, 4, "0.0.0.0", 10 * HALF_MS);
	mm1 = capture_mm1();
	for (i = 0; i < 8; i++)
		accepted += spoof(&mm1, 7000 + i, 0x0a040000 + i, NULL);
	ck_assert_int_eq(accepted, 8);
	la = sin_of(ntohl(inet_addr(ADDR_A)), 500);
	lb = sin_of(ntohl(inet_addr(ADDR_B)), 500);
	ike_recv(B.s_ike, mm1.d_data, mm1.d_len, &lb, &la);
	drain_b(&t);
	ck_assert_int_eq(t.t_legit, 0);
	ike_counters_get(B.s_ike, &c);
	ck_assert_uint_eq(c.ic_v1_drop_half_total, 1);
	ck_assert_uint_eq(c.ic_v1_half_retried, 0);
	free(mm1.d_data);
	pump_tally(HALF_MS / 2 + 100, &t);
	ck_assert_str_eq(tunnel_state_name(status_of(&A, "t1").ts_state),
	    "Connected");
	ike_counters_get(B.s_ike, &c);
	ck_assert_uint_eq(c.ic_v1_half_retried, 1);
	ck_assert_uint_eq(c.ic_v1_half_evicted, 1);
	ck_assert_uint_le(c.ic_v1_half_open, 8);
	ck_assert_int_eq(t.t_flood, 0);
	side_free(&A);
	side_free(&B);
	event_base_free(base);

	/* the per-source limit, t1 naming a */
	memset(&t, 0, sizeof(t));
	flood_init(256, 4, ADDR_A, 10 * HALF_MS);
	mm1 = capture_mm1();
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(spoof(&mm1, 8000 + i,
		    ntohl(inet_addr(ADDR_A)), NULL), 1);
	ike_recv(B.s_ike, mm1.d_data, mm1.d_len, &lb, &la);
	drain_b(&t);
	ck_assert_int_eq(t.t_legit, 0);
	ike_counters_get(B.s_ike, &c);
	ck_assert_uint_eq(c.ic_v1_drop_half_source, 1);
	free(mm1.d_data);
	pump_tally(HALF_MS / 2 + 100, &t);
	ck_assert_str_eq(tunnel_state_name(status_of(&A, "t1").ts_state),
	    "Connected");
	ck_assert_str_eq(tunnel_state_name(status_of(&B, "t1").ts_state),
	    "Connected");
	ike_counters_get(B.s_ike, &c);
	ck_assert_uint_eq(c.ic_v1_half_retried, 1);
	ck_assert_uint_eq(c.ic_v1_half_evicted, 1);
	side_free(&A);
	side_free(&B);
	event_base_free(base);
}
END_TEST

/*
 * Aggressive Mode: message 1 carries KE, so each admitted one gets a
 * message 2 (with b's KE and HASH_R).  10,000 spoofed ones from 1,000
 * sources against a cap of 32: 32 answers, 9,968 dropped before any DH;
 * the 32 share one key pair and derive nothing (g^xy waits for message
 * 3); a still connects.
 */
START_TEST(test_v1_flood_aggressive)
{
	struct mock_dgram	 mm1;
	struct ike_counters	 c;
	struct isakmp_sa	*sa;
	const struct buf	*gxr = NULL;
	struct tally		 t = { 0, 0 };
	int			 i, n = 0, ans, accepted = 0;

	exch = IKEV1_EXCH_AGGRESSIVE;
	opt_a.so_ike = "\t\tmode aggressive\n\t\tlocal-id a.example.com\n"
	    "\t\tpeer-id b.example.com\n";
	t2_ike = "\t\tmode aggressive\n\t\tpeer-id a.example.com\n"
	    "\t\tlocal-id b.example.com\n";
	opt_a.so_local[0] = "192.168.0.0/16";	/* t2's peer segment */
	opt_a.so_remote[0] = "10.64.0.0/16";
	flood_init(32, 4, ADDR_A, 10 * HALF_MS);
	mm1 = capture_mm1();
	for (i = 0; i < 10000; i++) {
		ans = spoof(&mm1, 9000 + i, 0x0a050000 + i % 1000, NULL);
		ck_assert_int_le(ans, 1);
		accepted += ans;
	}
	/* as in test_v1_flood_caps: the cap holds, a few get in for the
	 * oldest ones */
	ike_counters_get(B.s_ike, &c);
	ck_assert_uint_eq(c.ic_v1_half_open, 32);
	ck_assert_int_ge(accepted, 32);
	ck_assert_uint_eq(c.ic_v1_half_evicted, accepted - 32);
	ck_assert_uint_lt(c.ic_v1_half_evicted, 100);
	ck_assert_uint_eq(c.ic_v1_drop_half_total +
	    c.ic_v1_drop_half_source, 10000 - accepted);
	/* the 32 answers share one key pair made for them (well within
	 * IKEV1_AM_DH_MS), and none derived g^xy: their sources never
	 * answered */
	ck_assert_uint_eq(B.s_ike->ctx_v1->vc_am_dh_made, 1);
	ike_counters_get(B.s_ike, &c);
	ck_assert_uint_eq(c.ic_v1_am_keys, 1);
	ISAKMP_SA_FOREACH(sa, B.s_ike) {
		if (sa->is_b.b_initiator)
			continue;
		ck_assert_int_eq(sa->is_keys_ok, 0);
		ck_assert_ptr_nonnull(sa->is_dh);
		ck_assert_ptr_nonnull(sa->is_gxr);
		if (gxr == NULL)
			gxr = sa->is_gxr;
		ck_assert_mem_eq(sa->is_gxr->buf_data, gxr->buf_data,
		    gxr->buf_len);
		n++;
	}
	ck_assert_int_eq(n, 32);
	free(mm1.d_data);
	/* a, whose address a tunnel names, is not held back: it connects
	 * (to t2, whose peer-id it names and whose segments it has here) */
	pump_tally(HALF_MS / 2, &t);
	ck_assert_str_eq(tunnel_state_name(status_of(&A, "t1").ts_state),
	    "Connected");
	ck_assert_int_gt(t.t_legit, 0);
	side_free(&A);
	side_free(&B);
	event_base_free(base);
	exch = IKEV1_EXCH_MAIN;
	opt_a.so_ike = NULL;
	opt_a.so_local[0] = "172.16.0.0/24";
	opt_a.so_remote[0] = "10.0.0.0/12";
	t2_ike = "";
}
END_TEST

/*
 * 50 message 1 offering a DH group b does not accept (group 14 for 2),
 * from 50 sources: one NO-PROPOSAL-CHOSEN each, no SA kept, the tunnel's
 * state and last error untouched (the sources may be spoofed).
 */
START_TEST(test_v1_flood_no_proposal)
{
	struct mock_dgram	 mm1, d;
	struct ike_counters	 c;
	struct sockaddr_in	 lb, r;
	struct tunnel_status	 st;
	static const uint8_t	 grp2[4] = { 0x80, 0x04, 0x00, 0x02 };
	uint8_t			*g = NULL;
	size_t			 i;
	int			 n, notifies = 0;

	flood_init(256, 4, ADDR_A, 10 * HALF_MS);
	mm1 = capture_mm1();
	for (i = IKEV1_HDR_LEN; i + 4 <= mm1.d_len; i++)
		if (memcmp(mm1.d_data + i, grp2, 4) == 0)
			g = mm1.d_data + i;
	ck_assert_ptr_nonnull(g);
	g[3] = 14;
	lb = sin_of(ntohl(inet_addr(ADDR_B)), 500);
	for (n = 0; n < 50; n++) {
		memcpy(mm1.d_data, &n, sizeof(n));
		r = sin_of(0x0a060000 + n, 500);
		ike_recv(B.s_ike, mm1.d_data, mm1.d_len, &lb, &r);
		while (mock_net_pop(&B.s_net, &d) == 0) {
			ck_assert_uint_eq(d.d_dst.sin_addr.s_addr,
			    r.sin_addr.s_addr);
			ck_assert_uint_eq(d.d_data[18],
			    IKEV1_EXCH_INFORMATIONAL);
			notifies++;
			free(d.d_data);
		}
	}
	ck_assert_int_eq(notifies, 50);
	ike_counters_get(B.s_ike, &c);
	ck_assert_uint_eq(c.ic_v1_drop_no_proposal, 50);
	ck_assert_uint_eq(c.ic_v1_half_open, 0);
	st = status_of(&B, "t2");
	ck_assert_str_eq(st.ts_last_error, "");
	ck_assert_str_eq(tunnel_state_name(st.ts_state), "Down");
	free(mm1.d_data);
	side_free(&A);
	side_free(&B);
	event_base_free(base);
}
END_TEST

static Suite *
flood_suite(void)
{
	Suite	*s = suite_create("ikev1_flood");
	TCase	*tc = tcase_create("flood");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_v1_flood_caps);
	tcase_add_test(tc, test_v1_lookup_many);
	tcase_add_test(tc, test_v1_flood_evict_oldest);
	tcase_add_test(tc, test_v1_flood_retried);
	tcase_add_test(tc, test_v1_flood_aggressive);
	tcase_add_test(tc, test_v1_flood_no_proposal);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 nf;

	log_init(0, getenv("V1_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_WARN);
	sr = srunner_create(flood_suite());
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
