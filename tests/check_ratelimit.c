/*
 * check_ratelimit.c - rate-limited logging of unauthenticated input
 * (issue 8, part 4): the facility on its own with a given clock, then an
 * engine fed 10,000 unsolicited and garbage datagrams from 1,000 sources,
 * whose INFO (and higher) lines stay at one per cause per interval plus
 * the summaries, while its counters count every datagram.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>

#include "common/log.h"
#include "common/ratelimit.h"
#include "ike/ike.h"
#include "ike/ike_sa.h"
#include "ike/ikev1.h"
#include "tests/exchange_pair.h"
#include "tests/mock_kernel.h"
#include "tests/mock_net.h"

#define FLOOD_N		10000
#define FLOOD_SOURCES	1000
#define INTERVAL_MS	100	/* the engine's log interval in this test */

/* The log as the hook sees it: INFO and higher only. */
struct capture {
	int		 c_lines;
	int		 c_summaries;	/* "N more ... in the last" */
	uint64_t	 c_summed;	/* their Ns */
	char		 c_last[512];
};

static void
capture_hook(void *arg, int level, const char *tunnel, const char *line)
{
	struct capture		*c = arg;
	unsigned long long	 n;

	if (level > LOG_LVL_INFO)
		return;
	c->c_lines++;
	if (sscanf(line, "%llu more ", &n) == 1 &&
	    strstr(line, " in the last ") != NULL) {
		c->c_summaries++;
		c->c_summed += n;
	}
	snprintf(c->c_last, sizeof(c->c_last), "%s", line);
}

static void
capture_start(struct capture *c)
{
	memset(c, 0, sizeof(*c));
	log_set_level(LOG_LVL_INFO);
	log_hook_set(capture_hook, c);
}

static void
capture_stop(void)
{
	log_hook_set(NULL, NULL);
	log_set_level(LOG_LVL_WARN);
}

/* --- the facility --- */

START_TEST(test_ratelimit_interval)
{
	static const struct ratelimit_cause cause = {
		"test datagrams dropped", "testing", LOG_LVL_INFO
	};
	struct ratelimit	 rl;
	struct capture		 c;
	struct in_addr		 a, b;
	int			 i;

	memset(&rl, 0, sizeof(rl));
	a.s_addr = inet_addr("192.0.2.1");
	b.s_addr = inet_addr("192.0.2.99");
	capture_start(&c);
	/* the first is logged at once (by the caller), the rest counted */
	ck_assert_int_eq(ratelimit_admit(&rl, 1000, a), 1);
	for (i = 0; i < 99; i++)
		ck_assert_int_eq(ratelimit_admit(&rl, 1000 + i, i < 98 ? a :
		    b), 0);
	ck_assert_uint_eq(ratelimit_due(&rl, 10000), 11000);
	ratelimit_flush(&rl, &cause, 10999, 10000);
	ck_assert_int_eq(c.c_lines, 0);
	ratelimit_flush(&rl, &cause, 11000, 10000);
	ck_assert_int_eq(c.c_lines, 1);
	ck_assert_str_eq(c.c_last, "99 more test datagrams dropped in the "
	    "last 10 s (testing), the last from 192.0.2.99");
	/* a flood that goes on: counted, one line per interval */
	ck_assert_int_eq(ratelimit_admit(&rl, 12000, a), 0);
	ck_assert_uint_eq(ratelimit_due(&rl, 10000), 21000);
	ratelimit_flush(&rl, &cause, 21000, 10000);
	ck_assert_int_eq(c.c_lines, 2);
	ck_assert_str_eq(c.c_last, "1 more test datagrams dropped in the "
	    "last 10 s (testing), the last from 192.0.2.1");
	/* an interval without any: idle, and the next one goes at once */
	ratelimit_flush(&rl, &cause, 31000, 10000);
	ck_assert_int_eq(c.c_lines, 2);
	ck_assert_uint_eq(ratelimit_due(&rl, 10000), 0);
	ck_assert_int_eq(ratelimit_admit(&rl, 40000, b), 1);
	ck_assert_uint_eq(rl.rl_logged, 4);
	capture_stop();
}
END_TEST

/* --- an engine under a flood --- */

static struct side_opts opt_a = {
	.so_version = 2, .so_local = { "172.16.0.0/24" },
	.so_remote = { "10.0.0.0/12" }, .so_initiate = 1
};
static struct side_opts opt_b = {
	.so_version = 2, .so_local = { "10.0.0.0/12" },
	.so_remote = { "172.16.0.0/24" }, .so_initiate = 0
};

/* a's IKE_SA_INIT request, as it sent it (owned by the caller); a is
 * gone afterwards, so that only b logs */
static struct mock_dgram
capture_init(void)
{
	struct mock_dgram	 d;
	int			 i;

	ike_start(A.s_ike);
	for (i = 0; i < 200; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (mock_net_pop(&A.s_net, &d) == 0) {
			ck_assert_uint_ge(d.d_len, IKEV2_HDR_LEN);
			ck_assert_uint_eq(d.d_data[18], IKEV2_EXCH_IKE_SA_INIT);
			side_free(&A);
			return (d);
		}
		usleep(1000);
	}
	ck_abort_msg("a sent no IKE_SA_INIT");
	return (d);
}

/* An IKEv1 informational in the clear: one N(PAYLOAD-MALFORMED). */
static size_t
v1_plain_notify(uint8_t *p, uint32_t cookie)
{
	memset(p, 0, 40);
	memcpy(p, &cookie, sizeof(cookie));		/* initiator cookie */
	p[16] = IKEV1_PLD_N;
	p[17] = IKEV1_VERSION;
	p[18] = IKEV1_EXCH_INFORMATIONAL;
	p[27] = 40;					/* length */
	p[31] = 12;					/* N: length */
	p[35] = 1;					/* DOI: IPsec */
	p[36] = IKEV1_PROTO_ISAKMP;
	p[39] = IKEV1_N_PAYLOAD_MALFORMED;
	return (40);
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ((now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000);
}

static void
run_for(int ms)
{
	struct timespec	 t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (ms_since(&t0) < ms) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		mock_net_clear(&B.s_net);
		usleep(2000);
	}
}

/*
 * 10,000 datagrams from 1,000 sources, four kinds in turn: IKE_SA_INIT
 * from addresses no tunnel names (answered NO_PROPOSAL_CHOSEN), IKEv1
 * notifies in the clear, garbage, IKEv2 messages with unknown SPIs.  Two
 * causes log at INFO: at most one line each per interval, plus the
 * summaries, which add up to every datagram of the cause.
 */
START_TEST(test_ratelimit_flood)
{
	struct mock_dgram	 init;
	struct sockaddr_in	 lb, r;
	struct ike_counters	 ic;
	struct capture		 c;
	struct timespec		 t0;
	uint8_t			 pkt[2048];
	uint32_t		 v;
	size_t			 len;
	uint64_t		 logged;
	long			 el, bound;
	int			 i, j, k;

	base = event_base_new();
	side_init(&A, ADDR_A, ADDR_B, &opt_a, 0xa0000001);
	side_init(&B, ADDR_B, ADDR_A, &opt_b, 0xb0000001);
	init = capture_init();
	ck_assert_uint_le(init.d_len, sizeof(pkt));
	ike_ctx_log_interval_set(B.s_ike, INTERVAL_MS);
	memset(&lb, 0, sizeof(lb));
	lb.sin_family = AF_INET;
	lb.sin_addr.s_addr = inet_addr(ADDR_B);
	lb.sin_port = htons(500);
	r = lb;
	capture_start(&c);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < FLOOD_N; i++) {
		r.sin_addr.s_addr = htonl(0x0a000001 + i % FLOOD_SOURCES);
		v = htonl(i + 1);
		switch (i % 4) {
		case 0:		/* IKE_SA_INIT, a new SPIi */
		case 3:		/* the same with an SPIr: unknown SPIs */
			memcpy(pkt, init.d_data, init.d_len);
			len = init.d_len;
			memcpy(pkt, &v, sizeof(v));
			if (i % 4 == 3)
				memcpy(pkt + 8, &v, sizeof(v));
			break;
		case 1:
			len = v1_plain_notify(pkt, v);
			break;
		default:	/* garbage, neither version */
			len = 60 + i % 40;
			for (j = 0; j < (int)len; j++)
				pkt[j] = (uint8_t)(i * 31 + j * 7);
			pkt[17] = 0;
			break;
		}
		ike_recv(B.s_ike, pkt, len, &lb, &r);
		mock_net_clear(&B.s_net);
		/* five bursts, with the event loop (the summaries) between */
		if (i % (FLOOD_N / 5) == FLOOD_N / 5 - 1)
			run_for(INTERVAL_MS * 3 / 5);
	}
	/* every open interval ends: its summary, then idle */
	run_for(INTERVAL_MS * 5 / 2);
	el = ms_since(&t0);
	capture_stop();

	/* the counters count every datagram */
	ike_counters_get(B.s_ike, &ic);
	ck_assert_uint_eq(ic.ic_rx, FLOOD_N);
	ck_assert_uint_eq(ic.ic_dropped, FLOOD_N / 2);
	ck_assert_uint_eq(ic.ic_malformed, FLOOD_N / 4);
	ck_assert_uint_eq(ic.ic_unknown_spi, FLOOD_N / 4);

	/* the log: per cause, one line at once per interval, and one
	 * summary per interval; nothing else at INFO */
	bound = 2 * 2 * (el / INTERVAL_MS + 2);
	ck_assert_msg(c.c_lines <= bound, "%d lines for %d datagrams in %ld "
	    "ms (at most %ld)", c.c_lines, FLOOD_N, el, bound);
	ck_assert_int_le(c.c_lines, 200);
	ck_assert_int_ge(c.c_summaries, 2);
	/* nothing is lost: the lines logged at once and the summaries'
	 * counts add up to every datagram of the two causes */
	ck_assert_uint_eq((uint64_t)(c.c_lines - c.c_summaries) + c.c_summed,
	    FLOOD_N / 2);
	for (k = 0, logged = 0; k < IKE_RL_MAX; k++)
		logged += ike_rl_logged(B.s_ike, k);
	ck_assert_uint_eq(logged, c.c_lines);
	ck_assert_uint_ge(ike_rl_logged(B.s_ike, IKE_RL_V2_NO_TUNNEL), 2);
	ck_assert_uint_ge(ike_rl_logged(B.s_ike, IKE_RL_V1_PLAIN_INFO), 2);
	free(init.d_data);
	side_free(&B);
	event_base_free(base);
}
END_TEST

static Suite *
ratelimit_suite(void)
{
	Suite	*s = suite_create("ratelimit");
	TCase	*tc;

	tc = tcase_create("facility");
	tcase_add_test(tc, test_ratelimit_interval);
	suite_add_tcase(s, tc);
	tc = tcase_create("flood");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ratelimit_flood);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 nf;

	log_init(0, LOG_LVL_WARN);
	sr = srunner_create(ratelimit_suite());
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
