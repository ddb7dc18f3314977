/*
 * check_ts.c - traffic selectors: ranges to prefixes, responder narrowing
 * (RFC 7296 §2.9) and the initiator's check of the answer.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/ts.h"

static struct ts_range
ts_range(const char *s, const char *e)
{
	struct ts_range	 ts;

	memset(&ts, 0, sizeof(ts));
	ts.ts_type = TS_IPV4_RANGE;
	ts.ts_eport = 65535;
	ck_assert_int_eq(inet_pton(AF_INET, s, &ts.ts_saddr), 1);
	ck_assert_int_eq(inet_pton(AF_INET, e, &ts.ts_eaddr), 1);
	return (ts);
}

static struct cfg_prefix
pfx(const char *s)
{
	struct cfg_prefix	 p;
	char			 a[32], *slash;

	snprintf(a, sizeof(a), "%s", s);
	slash = strchr(a, '/');
	ck_assert_ptr_nonnull(slash);
	*slash = '\0';
	ck_assert_int_eq(inet_pton(AF_INET, a, &p.pf_addr), 1);
	p.pf_plen = atoi(slash + 1);
	return (p);
}

/* "a/n,b/m" for comparisons. */
static void
pfx_join(const struct cfg_prefix *p, int n, char *out, size_t len)
{
	char	 s[32];
	size_t	 off = 0;
	int	 i;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		cfg_prefix_str(&p[i], s, sizeof(s));
		off += snprintf(out + off, len - off, "%s%s", i ? "," : "", s);
		ck_assert_uint_lt(off, len);
	}
}

/* Fills a list from "s-e" or "a/n" items separated by commas. */
static void
tsl_fill(struct ts_list *l, const char *spec)
{
	struct cfg_prefix	 p;
	char			 buf[1024], *item, *save, *dash;

	memset(l, 0, sizeof(*l));
	snprintf(buf, sizeof(buf), "%s", spec);
	for (item = strtok_r(buf, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		ck_assert_int_lt(l->tsl_n, TS_MAX);
		if ((dash = strchr(item, '-')) != NULL) {
			*dash = '\0';
			l->tsl_ts[l->tsl_n++] = ts_range(item, dash + 1);
		} else {
			p = pfx(item);
			ts_from_prefix(&p, &l->tsl_ts[l->tsl_n++]);
		}
	}
}

/* --- ts_from_prefix --- */

START_TEST(test_ts_from_prefix_ranges)
{
	static const struct {
		const char	*p, *s, *e;
	} v[] = {
		{ "10.0.0.0/12", "10.0.0.0", "10.15.255.255" },
		{ "172.16.0.14/32", "172.16.0.14", "172.16.0.14" },
		{ "0.0.0.0/0", "0.0.0.0", "255.255.255.255" },
		{ "192.168.1.128/25", "192.168.1.128", "192.168.1.255" },
	};
	struct cfg_prefix	 p;
	struct ts_range		 ts, want;
	size_t			 i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		p = pfx(v[i].p);
		ts_from_prefix(&p, &ts);
		want = ts_range(v[i].s, v[i].e);
		ck_assert_uint_eq(ts.ts_type, TS_IPV4_RANGE);
		ck_assert_uint_eq(ts.ts_proto, 0);
		ck_assert_uint_eq(ts.ts_sport, 0);
		ck_assert_uint_eq(ts.ts_eport, 65535);
		ck_assert_uint_eq(ts.ts_saddr.s_addr, want.ts_saddr.s_addr);
		ck_assert_uint_eq(ts.ts_eaddr.s_addr, want.ts_eaddr.s_addr);
	}
}
END_TEST

/* --- ts_to_prefixes --- */

static const struct {
	const char	*tv_s, *tv_e;
	int		 tv_max;
	int		 tv_n;		/* -1: refused */
	const char	*tv_want;
} split_vecs[] = {
	{ "10.0.0.0", "10.15.255.255", 20, 1, "10.0.0.0/12" },
	{ "10.0.0.5", "10.0.0.5", 20, 1, "10.0.0.5/32" },
	{ "0.0.0.0", "255.255.255.255", 1, 1, "0.0.0.0/0" },
	{ "10.0.0.1", "10.0.0.6", 20, 4,
	  "10.0.0.1/32,10.0.0.2/31,10.0.0.4/31,10.0.0.6/32" },
	{ "10.0.0.1", "10.0.0.6", 4, 4,
	  "10.0.0.1/32,10.0.0.2/31,10.0.0.4/31,10.0.0.6/32" },
	{ "10.0.0.1", "10.0.0.6", 3, -1, "" },
	{ "192.168.0.0", "192.168.2.255", 20, 2,
	  "192.168.0.0/23,192.168.2.0/24" },
	{ "255.255.255.254", "255.255.255.255", 20, 1, "255.255.255.254/31" },
	{ "0.0.0.1", "255.255.255.254", 62, 62, NULL },
	{ "0.0.0.1", "255.255.255.254", 61, -1, "" },
	{ "10.0.0.6", "10.0.0.1", 20, -1, "" },	/* start after end */
};

START_TEST(test_ts_to_prefixes_split)
{
	struct cfg_prefix	 out[64];
	struct ts_range		 ts;
	char			 got[1024];
	int			 n;

	ts = ts_range(split_vecs[_i].tv_s, split_vecs[_i].tv_e);
	n = ts_to_prefixes(&ts, out, split_vecs[_i].tv_max);
	ck_assert_int_eq(n, split_vecs[_i].tv_n);
	if (n <= 0 || split_vecs[_i].tv_want == NULL)
		return;
	pfx_join(out, n, got, sizeof(got));
	ck_assert_str_eq(got, split_vecs[_i].tv_want);
}
END_TEST

START_TEST(test_ts_to_prefixes_cover)
{
	struct cfg_prefix	 out[64];
	struct ts_range		 ts;
	uint64_t		 next, size;
	int			 i, n;

	/* The 62 prefixes of 0.0.0.1-255.255.255.254 tile it in order. */
	ts = ts_range("0.0.0.1", "255.255.255.254");
	n = ts_to_prefixes(&ts, out, 64);
	ck_assert_int_eq(n, 62);
	next = 1;
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(ntohl(out[i].pf_addr.s_addr), next);
		size = (uint64_t)1 << (32 - out[i].pf_plen);
		ck_assert_uint_eq(next % size, 0);
		next += size;
	}
	ck_assert_uint_eq(next, 0xffffffffULL);
}
END_TEST

START_TEST(test_ts_to_prefixes_refused)
{
	struct cfg_prefix	 out[4];
	struct ts_range		 ts;

	ts = ts_range("10.0.0.0", "10.0.0.255");
	ck_assert_int_eq(ts_to_prefixes(&ts, out, 4), 1);
	ts.ts_type = TS_IPV6_RANGE;
	ck_assert_int_eq(ts_to_prefixes(&ts, out, 4), -1);
	ts = ts_range("10.0.0.0", "10.0.0.255");
	ts.ts_proto = IPPROTO_TCP;
	ck_assert_int_eq(ts_to_prefixes(&ts, out, 4), -1);
	ts = ts_range("10.0.0.0", "10.0.0.255");
	ts.ts_sport = ts.ts_eport = 500;
	ck_assert_int_eq(ts_to_prefixes(&ts, out, 4), -1);
	ts = ts_range("10.0.0.0", "10.0.0.255");
	ts.ts_eport = 1023;
	ck_assert_int_eq(ts_to_prefixes(&ts, out, 4), -1);
	ts = ts_range("10.0.0.0", "10.0.0.255");
	ts.ts_sport = 1;
	ck_assert_int_eq(ts_to_prefixes(&ts, out, 4), -1);
	ts = ts_range("10.0.0.0", "10.0.0.255");
	ck_assert_int_eq(ts_to_prefixes(&ts, out, 0), -1);
}
END_TEST

/* --- overlap and containment --- */

static const struct {
	const char	*ov_a, *ov_b;
	int		 ov_overlap, ov_a_contains_b;
} overlap_vecs[] = {
	{ "10.0.0.0/12", "10.0.1.0/24", 1, 1 },
	{ "10.0.1.0/24", "10.0.0.0/12", 1, 0 },
	{ "10.0.0.0/12", "10.16.0.0/12", 0, 0 },
	{ "10.0.0.0/12", "10.0.0.0/12", 1, 1 },
	{ "0.0.0.0/0", "192.0.2.1/32", 1, 1 },
	{ "192.0.2.1/32", "192.0.2.2/32", 0, 0 },
	{ "172.16.0.0/24", "172.16.0.255/32", 1, 1 },
	{ "172.16.0.0/24", "172.16.1.0/32", 0, 0 },
};

START_TEST(test_ts_prefix_overlap_contains)
{
	struct cfg_prefix	 a = pfx(overlap_vecs[_i].ov_a);
	struct cfg_prefix	 b = pfx(overlap_vecs[_i].ov_b);

	ck_assert_int_eq(ts_prefix_overlap(&a, &b),
	    overlap_vecs[_i].ov_overlap);
	ck_assert_int_eq(ts_prefix_overlap(&b, &a),
	    overlap_vecs[_i].ov_overlap);
	ck_assert_int_eq(ts_prefix_contains(&a, &b),
	    overlap_vecs[_i].ov_a_contains_b);
}
END_TEST

/* --- responder narrowing --- */

static const struct {
	const char	*nv_what;
	const char	*nv_local, *nv_remote;	/* the tunnel's */
	const char	*nv_tsi, *nv_tsr;	/* proposed */
	int		 nv_rc;
	const char	*nv_remote_out, *nv_local_out;
} narrow_vecs[] = {
	{ "exact match", "172.16.0.0/24", "10.0.0.0/12",
	  "10.0.0.0/12", "172.16.0.0/24", 0, "10.0.0.0/12", "172.16.0.0/24" },
	{ "strongSwan: the first single-host TS is dropped in the subnet",
	  "172.16.0.0/24", "10.0.0.0/12",
	  "10.0.0.2/32,10.0.0.0/12", "172.16.0.14/32,172.16.0.0/24", 0,
	  "10.0.0.0/12", "172.16.0.0/24" },
	{ "the host TS may also come after the subnet",
	  "172.16.0.0/24", "10.0.0.0/12",
	  "10.0.0.0/12,10.0.0.2/32", "172.16.0.0/24,172.16.0.14/32", 0,
	  "10.0.0.0/12", "172.16.0.0/24" },
	{ "0.0.0.0/0 narrowed to our segments", "172.16.0.0/24", "10.0.0.0/12",
	  "0.0.0.0/0", "0.0.0.0/0", 0, "10.0.0.0/12", "172.16.0.0/24" },
	{ "a wider prefix narrowed", "172.16.0.0/24", "10.0.0.0/12",
	  "10.0.0.0/8", "172.16.0.0/16", 0, "10.0.0.0/12", "172.16.0.0/24" },
	{ "a narrower proposal kept", "172.16.0.0/24", "10.0.0.0/12",
	  "10.1.0.0/16", "172.16.0.128/25", 0, "10.1.0.0/16",
	  "172.16.0.128/25" },
	{ "a non-prefix range split", "172.16.0.0/24", "10.0.0.0/12",
	  "10.0.0.1-10.0.0.6", "172.16.0.0/24", 0,
	  "10.0.0.1/32,10.0.0.2/31,10.0.0.4/31,10.0.0.6/32", "172.16.0.0/24" },
	{ "a range across the segment's edge", "172.16.0.0/24", "10.0.0.0/12",
	  "9.255.255.0-10.0.0.3", "172.16.0.0-172.16.1.255", 0,
	  "10.0.0.0/30", "172.16.0.0/24" },
	{ "peer side disjoint", "172.16.0.0/24", "10.0.0.0/12",
	  "10.16.0.0/12", "172.16.0.0/24", -1, "", "172.16.0.0/24" },
	{ "our side disjoint", "172.16.0.0/24", "10.0.0.0/12",
	  "10.0.0.0/12", "172.16.1.0/24", -1, "10.0.0.0/12", "" },
	{ "several segments on each side",
	  "172.16.0.0/24,172.16.5.0/24", "10.0.0.0/12,192.168.1.0/24",
	  "0.0.0.0/0", "172.16.0.0/16", 0,
	  "10.0.0.0/12,192.168.1.0/24", "172.16.0.0/24,172.16.5.0/24" },
	{ "several segments, one proposed",
	  "172.16.0.0/24,172.16.5.0/24", "10.0.0.0/12,192.168.1.0/24",
	  "192.168.1.0/24", "172.16.5.0/25", 0,
	  "192.168.1.0/24", "172.16.5.0/25" },
	{ "several proposed, one segment each",
	  "172.16.0.0/24", "10.0.0.0/12",
	  "192.168.0.0/16,10.2.0.0/16,10.3.0.0/16", "172.16.0.0/24", 0,
	  "10.2.0.0/16,10.3.0.0/16", "172.16.0.0/24" },
	{ "duplicates collapse", "172.16.0.0/24", "10.0.0.0/12",
	  "10.0.0.0/12,10.0.0.0/12", "0.0.0.0/0,172.16.0.0/24", 0,
	  "10.0.0.0/12", "172.16.0.0/24" },
};

static void
segs_fill(struct cfg_prefix *out, int *n, const char *spec)
{
	char	 buf[256], *item, *save;

	*n = 0;
	snprintf(buf, sizeof(buf), "%s", spec);
	for (item = strtok_r(buf, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save))
		out[(*n)++] = pfx(item);
}

START_TEST(test_ts_narrow_cases)
{
	struct cfg_tunnel	 t;
	struct ts_list	 tsi, tsr;
	struct cfg_prefix	 remote[CFG_MAX_SEGMENTS];
	struct cfg_prefix	 local[CFG_MAX_SEGMENTS];
	char			 got[1024];
	int			 nremote, nlocal, rc;

	memset(&t, 0, sizeof(t));
	snprintf(t.tn_name, sizeof(t.tn_name), "t1");
	segs_fill(t.tn_local, &t.tn_nlocal, narrow_vecs[_i].nv_local);
	segs_fill(t.tn_remote, &t.tn_nremote, narrow_vecs[_i].nv_remote);
	tsl_fill(&tsi, narrow_vecs[_i].nv_tsi);
	tsl_fill(&tsr, narrow_vecs[_i].nv_tsr);
	rc = ts_narrow(&t, &tsi, &tsr, remote, &nremote, local, &nlocal);
	ck_assert_msg(rc == narrow_vecs[_i].nv_rc, "%s: rc %d",
	    narrow_vecs[_i].nv_what, rc);
	pfx_join(remote, nremote, got, sizeof(got));
	ck_assert_msg(strcmp(got, narrow_vecs[_i].nv_remote_out) == 0,
	    "%s: remote %s", narrow_vecs[_i].nv_what, got);
	pfx_join(local, nlocal, got, sizeof(got));
	ck_assert_msg(strcmp(got, narrow_vecs[_i].nv_local_out) == 0,
	    "%s: local %s", narrow_vecs[_i].nv_what, got);
}
END_TEST

START_TEST(test_ts_narrow_ignores_ipv6_and_ports)
{
	struct cfg_tunnel	 t;
	struct ts_list	 tsi, tsr;
	struct cfg_prefix	 remote[CFG_MAX_SEGMENTS];
	struct cfg_prefix	 local[CFG_MAX_SEGMENTS];
	int			 nremote, nlocal;

	memset(&t, 0, sizeof(t));
	segs_fill(t.tn_local, &t.tn_nlocal, "172.16.0.0/24");
	segs_fill(t.tn_remote, &t.tn_nremote, "10.0.0.0/12");
	/* strongSwan's first TS from a trapped ICMP packet, an IPv6 TS,
	 * then the subnet. */
	tsl_fill(&tsi, "10.0.0.2/32,10.0.0.0/12,10.0.0.0/12");
	tsi.tsl_ts[0].ts_proto = IPPROTO_ICMP;
	tsi.tsl_ts[1].ts_type = TS_IPV6_RANGE;
	tsl_fill(&tsr, "172.16.0.14/32,172.16.0.0/25,172.16.0.128/25");
	tsr.tsl_ts[0].ts_proto = IPPROTO_TCP;
	tsr.tsl_ts[0].ts_sport = tsr.tsl_ts[0].ts_eport = 80;
	tsr.tsl_ts[2].ts_sport = 1;
	ck_assert_int_eq(ts_narrow(&t, &tsi, &tsr, remote, &nremote, local,
	    &nlocal), 0);
	ck_assert_int_eq(nremote, 1);
	ck_assert_uint_eq(remote[0].pf_plen, 12);
	ck_assert_int_eq(nlocal, 1);
	ck_assert_uint_eq(local[0].pf_plen, 25);
	ck_assert_uint_eq(local[0].pf_addr.s_addr, pfx("172.16.0.0/25")
	    .pf_addr.s_addr);

	/* Nothing usable at all on one side. */
	tsl_fill(&tsi, "10.0.0.0/12");
	tsi.tsl_ts[0].ts_type = TS_IPV6_RANGE;
	ck_assert_int_eq(ts_narrow(&t, &tsi, &tsr, remote, &nremote, local,
	    &nlocal), -1);
	ck_assert_int_eq(nremote, 0);
	tsi.tsl_n = 0;
	ck_assert_int_eq(ts_narrow(&t, &tsi, &tsr, remote, &nremote, local,
	    &nlocal), -1);
}
END_TEST

START_TEST(test_ts_narrow_keeps_at_most_max)
{
	struct cfg_tunnel	 t;
	struct ts_list	 tsi, tsr;
	struct cfg_prefix	 remote[CFG_MAX_SEGMENTS];
	struct cfg_prefix	 local[CFG_MAX_SEGMENTS];
	char			 a[32];
	int			 i, nremote, nlocal;

	memset(&t, 0, sizeof(t));
	segs_fill(t.tn_local, &t.tn_nlocal, "172.16.0.0/24");
	segs_fill(t.tn_remote, &t.tn_nremote, "10.0.0.0/12");
	memset(&tsi, 0, sizeof(tsi));
	/* 30 separate hosts: the first 20 are kept. */
	for (i = 0; i < 30; i++) {
		snprintf(a, sizeof(a), "10.0.0.%d", 2 * i + 1);
		tsi.tsl_ts[tsi.tsl_n++] = ts_range(a, a);
	}
	tsl_fill(&tsr, "172.16.0.0/24");
	ck_assert_int_eq(ts_narrow(&t, &tsi, &tsr, remote, &nremote, local,
	    &nlocal), 0);
	ck_assert_int_eq(nremote, CFG_MAX_SEGMENTS);
	for (i = 0; i < nremote; i++) {
		snprintf(a, sizeof(a), "10.0.0.%d/32", 2 * i + 1);
		ck_assert_uint_eq(remote[i].pf_addr.s_addr,
		    pfx(a).pf_addr.s_addr);
	}
}
END_TEST

/* --- initiator: the responder's answer --- */

static const struct {
	const char	*av_proposed;
	const char	*av_answer;
	int		 av_rc;
	const char	*av_out;
} answer_vecs[] = {
	{ "172.16.0.0/24", "172.16.0.0/24", 0, "172.16.0.0/24" },
	{ "172.16.0.0/24", "172.16.0.0/25", 0, "172.16.0.0/25" },
	{ "172.16.0.0/24", "172.16.0.14/32,172.16.0.0/24", 0, "172.16.0.0/24" },
	{ "172.16.0.0/24", "172.16.0.1-172.16.0.6", 0,
	  "172.16.0.1/32,172.16.0.2/31,172.16.0.4/31,172.16.0.6/32" },
	{ "172.16.0.0/24,172.16.5.0/24", "172.16.5.0/24,172.16.0.0/24", 0,
	  "172.16.5.0/24,172.16.0.0/24" },
	{ "172.16.0.0/24", "172.16.0.0/23", -1, "" },
	{ "172.16.0.0/24", "172.16.0.0/24,172.16.1.0/24", -1, "" },
	{ "172.16.0.0/24", "172.16.0.200-172.16.1.5", -1, "" },
	{ "172.16.0.0/24", "0.0.0.0/0", -1, "" },
	{ "172.16.0.0/24", "", -1, "" },
};

START_TEST(test_ts_check_answer_cases)
{
	struct cfg_prefix	 proposed[CFG_MAX_SEGMENTS];
	struct cfg_prefix	 out[CFG_MAX_SEGMENTS];
	struct ts_list	 answer;
	char			 got[1024];
	int			 nproposed, nout, rc;

	segs_fill(proposed, &nproposed, answer_vecs[_i].av_proposed);
	tsl_fill(&answer, answer_vecs[_i].av_answer);
	rc = ts_check_answer(proposed, nproposed, &answer, out, &nout);
	ck_assert_int_eq(rc, answer_vecs[_i].av_rc);
	if (rc == 0) {
		pfx_join(out, nout, got, sizeof(got));
		ck_assert_str_eq(got, answer_vecs[_i].av_out);
	}
}
END_TEST

START_TEST(test_ts_check_answer_refused)
{
	struct cfg_prefix	 proposed[1], out[CFG_MAX_SEGMENTS];
	struct ts_list	 answer;
	char			 a[32];
	int			 i, nout;

	proposed[0] = pfx("172.16.0.0/24");
	tsl_fill(&answer, "172.16.0.0/24");
	answer.tsl_ts[0].ts_proto = IPPROTO_UDP;
	ck_assert_int_eq(ts_check_answer(proposed, 1, &answer, out, &nout), -1);
	tsl_fill(&answer, "172.16.0.0/24");
	answer.tsl_ts[0].ts_type = TS_IPV6_RANGE;
	ck_assert_int_eq(ts_check_answer(proposed, 1, &answer, out, &nout), -1);
	answer.tsl_n = TS_MAX + 1;
	ck_assert_int_eq(ts_check_answer(proposed, 1, &answer, out, &nout), -1);
	/* More prefixes than a tunnel holds cannot be installed. */
	memset(&answer, 0, sizeof(answer));
	for (i = 0; i < 21; i++) {
		snprintf(a, sizeof(a), "172.16.0.%d", 2 * i);
		answer.tsl_ts[answer.tsl_n++] = ts_range(a, a);
	}
	ck_assert_int_eq(ts_check_answer(proposed, 1, &answer, out, &nout), -1);
	answer.tsl_n = 20;
	ck_assert_int_eq(ts_check_answer(proposed, 1, &answer, out, &nout), 0);
	ck_assert_int_eq(nout, 20);
}
END_TEST

#define NVEC(a)	((int)(sizeof(a) / sizeof((a)[0])))

static Suite *
ts_suite(void)
{
	Suite	*s = suite_create("ts");
	TCase	*tc;

	tc = tcase_create("from_prefix");
	tcase_add_test(tc, test_ts_from_prefix_ranges);
	suite_add_tcase(s, tc);

	tc = tcase_create("to_prefixes");
	tcase_add_loop_test(tc, test_ts_to_prefixes_split, 0,
	    NVEC(split_vecs));
	tcase_add_test(tc, test_ts_to_prefixes_cover);
	tcase_add_test(tc, test_ts_to_prefixes_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("overlap");
	tcase_add_loop_test(tc, test_ts_prefix_overlap_contains, 0,
	    NVEC(overlap_vecs));
	suite_add_tcase(s, tc);

	tc = tcase_create("narrow");
	tcase_add_loop_test(tc, test_ts_narrow_cases, 0, NVEC(narrow_vecs));
	tcase_add_test(tc, test_ts_narrow_ignores_ipv6_and_ports);
	tcase_add_test(tc, test_ts_narrow_keeps_at_most_max);
	suite_add_tcase(s, tc);

	tc = tcase_create("check_answer");
	tcase_add_loop_test(tc, test_ts_check_answer_cases, 0,
	    NVEC(answer_vecs));
	tcase_add_test(tc, test_ts_check_answer_refused);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(ts_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
