/*
 * check_connlog.c - the connection log's rings (common/connlog.c) and the
 * control socket's "log" request.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "common/buf.h"
#include "common/connlog.h"
#include "common/log.h"
#include "daemon/control.h"

/* out as a NUL-terminated string (the buffer grows by one byte). */
static const char *
str(struct buf *b)
{
	ck_assert_int_eq(buf_add_u8(b, '\0'), 0);
	b->buf_len--;
	return ((const char *)b->buf_data);
}

START_TEST(test_ring_bounded)
{
	struct connlog		*cl = connlog_new(8);
	struct connlog_event	 ev[32];
	char			 want[16];
	int			 i, n;

	ck_assert_ptr_nonnull(cl);
	for (i = 0; i < 20; i++)
		connlog_add(cl, "t1", "state", "e%d", i);
	n = connlog_get(cl, "t1", -1, ev, 32);
	ck_assert_int_eq(n, 8);
	/* the 8 newest, oldest first */
	for (i = 0; i < 8; i++) {
		snprintf(want, sizeof(want), "e%d", 12 + i);
		ck_assert_str_eq(ev[i].ce_detail, want);
		ck_assert_str_eq(ev[i].ce_tunnel, "t1");
		ck_assert_str_eq(ev[i].ce_event, "state");
	}
	/* out bounded by max */
	ck_assert_int_eq(connlog_get(cl, "t1", -1, ev, 3), 3);
	ck_assert_str_eq(ev[2].ce_detail, "e14");
	connlog_free(cl);
}
END_TEST

START_TEST(test_ring_order_merged)
{
	struct connlog		*cl = connlog_new(0);
	struct connlog_event	 ev[16];
	int			 n;

	connlog_add(cl, "a", "attempt", "a1");
	connlog_add(cl, "b", "attempt", "b1");
	connlog_add(cl, "a", "state", "a2");
	connlog_add(cl, "c", "state", "c1");
	connlog_add(cl, "b", "state", "b2");
	connlog_add(cl, "a", "failure", "a3");
	n = connlog_get(cl, NULL, -1, ev, 16);
	ck_assert_int_eq(n, 6);
	ck_assert_str_eq(ev[0].ce_detail, "a1");
	ck_assert_str_eq(ev[1].ce_detail, "b1");
	ck_assert_str_eq(ev[2].ce_detail, "a2");
	ck_assert_str_eq(ev[3].ce_detail, "c1");
	ck_assert_str_eq(ev[4].ce_detail, "b2");
	ck_assert_str_eq(ev[5].ce_detail, "a3");
	/* -n 1: the last event of each tunnel, in time order */
	n = connlog_get(cl, NULL, 1, ev, 16);
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(ev[0].ce_detail, "c1");
	ck_assert_str_eq(ev[1].ce_detail, "b2");
	ck_assert_str_eq(ev[2].ce_detail, "a3");
	/* -n 2 of one tunnel */
	n = connlog_get(cl, "a", 2, ev, 16);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(ev[0].ce_detail, "a2");
	ck_assert_str_eq(ev[1].ce_detail, "a3");
	ck_assert_int_eq(connlog_get(cl, "nope", 5, ev, 16), 0);
	ck_assert_int_eq(connlog_get(NULL, NULL, 5, ev, 16), 0);
	connlog_free(cl);
}
END_TEST

/* Past CONNLOG_TUNNELS names, the ring written least recently goes. */
START_TEST(test_ring_tunnels_bounded)
{
	struct connlog		*cl = connlog_new(2);
	struct connlog_event	 ev[4];
	char			 name[16];
	int			 i;

	for (i = 0; i < CONNLOG_TUNNELS; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		connlog_add(cl, name, "state", "x%d", i);
	}
	connlog_add(cl, "t0", "state", "again");	/* t0 is fresh now */
	connlog_add(cl, "new", "state", "first");	/* t1 goes */
	ck_assert_int_eq(connlog_get(cl, "t1", -1, ev, 4), 0);
	ck_assert_int_eq(connlog_get(cl, "t0", -1, ev, 4), 2);
	ck_assert_int_eq(connlog_get(cl, "new", -1, ev, 4), 1);
	ck_assert_str_eq(ev[0].ce_detail, "first");
	connlog_free(cl);
}
END_TEST

START_TEST(test_time_iso8601)
{
	struct timespec	 ts = { 1796440647, 123456789 };
	char		 out[48];
	regex_t		 re;

	setenv("TZ", "UTC0", 1);
	tzset();
	connlog_time_str(&ts, out, sizeof(out));
	ck_assert_str_eq(out, "2026-12-05T03:17:27.123+00:00");
	/* POSIX TZ: "IST-5:30" is 5:30 east of UTC */
	setenv("TZ", "IST-5:30", 1);
	tzset();
	connlog_time_str(&ts, out, sizeof(out));
	ck_assert_str_eq(out, "2026-12-05T08:47:27.123+05:30");
	setenv("TZ", "XST7", 1);
	tzset();
	connlog_time_str(&ts, out, sizeof(out));
	ck_assert_str_eq(out, "2026-12-04T20:17:27.123-07:00");
	unsetenv("TZ");
	tzset();
	clock_gettime(CLOCK_REALTIME, &ts);
	connlog_time_str(&ts, out, sizeof(out));
	ck_assert_int_eq(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:"
	    "[0-9]{2}:[0-9]{2}\\.[0-9]{3}[+-][0-9]{2}:[0-9]{2}$", REG_EXTENDED),
	    0);
	ck_assert_msg(regexec(&re, out, 0, NULL, 0) == 0, "%s", out);
	regfree(&re);
}
END_TEST

START_TEST(test_json_escaping)
{
	struct connlog	*cl = connlog_new(4);
	struct buf	*b = buf_new(64);
	const char	*s;

	setenv("TZ", "UTC0", 1);
	tzset();
	connlog_add(cl, "we\"ird\\na\tme\x01", "failure",
	    "cause \"quoted\"\nline2");
	ck_assert_int_eq(connlog_format(cl, NULL, 20, 1, b), 0);
	s = str(b);
	ck_assert_msg(strncmp(s, "[\n  {\"time\": \"", 14) == 0, "%s", s);
	ck_assert_ptr_nonnull(strstr(s, "\"tunnel\": "
	    "\"we\\\"ird\\\\na\\u0009me\\u0001\""));
	ck_assert_ptr_nonnull(strstr(s, "\"event\": \"failure\""));
	ck_assert_ptr_nonnull(strstr(s, "\"detail\": "
	    "\"cause \\\"quoted\\\"\\u000aline2\"}"));
	ck_assert_ptr_nonnull(strstr(s, "+00:00\", \"tunnel\""));
	ck_assert_int_eq(s[strlen(s) - 2], ']');
	/* no raw control byte anywhere but the line breaks between items */
	for (; *s != '\0'; s++)
		ck_assert(*s == '\n' || (unsigned char)*s >= 0x20);
	/* two events: a comma between the objects */
	connlog_add(cl, "t2", "state", "Down -> Connecting");
	buf_reset(b);
	ck_assert_int_eq(connlog_format(cl, NULL, 20, 1, b), 0);
	ck_assert_ptr_nonnull(strstr(str(b), "\"},\n  {\"time\""));
	/* empty: an empty array, and text that says so */
	buf_reset(b);
	ck_assert_int_eq(connlog_format(cl, "none", 20, 1, b), 0);
	ck_assert_str_eq(str(b), "[]\n");
	buf_reset(b);
	ck_assert_int_eq(connlog_format(cl, "none", 20, 0, b), 0);
	ck_assert_str_eq(str(b), "no events logged for tunnel none\n");
	unsetenv("TZ");
	tzset();
	buf_free(b);
	connlog_free(cl);
}
END_TEST

START_TEST(test_text_format)
{
	struct connlog	*cl = connlog_new(4);
	struct buf	*b = buf_new(64);
	const char	*s, *nl;

	connlog_add(cl, "t1", "attempt", "IKEv2 initiator to 192.0.2.1");
	connlog_add(cl, "t1", "state", "Connecting -> Connected");
	ck_assert_int_eq(connlog_format(cl, "t1", 1, 0, b), 0);
	s = str(b);
	/* TIME TUNNEL EVENT DETAIL, one line: only the last with -n 1 */
	nl = strchr(s, '\n');
	ck_assert_ptr_nonnull(nl);
	ck_assert_str_eq(nl + 1, "");
	ck_assert_ptr_nonnull(strstr(s, " t1 state Connecting -> "
	    "Connected\n"));
	ck_assert_ptr_null(strstr(s, "attempt"));
	buf_free(b);
	connlog_free(cl);
}
END_TEST

static const struct {
	const char	*line;
	int		 ok;
	const char	*name;
	int		 count;
	int		 json;
} log_reqs[] = {
	{ "log\n", 1, "", CONNLOG_DEFAULT_N, 0 },
	{ "log t1\n", 1, "t1", CONNLOG_DEFAULT_N, 0 },
	{ "log t1 -n 5 --json\n", 1, "t1", 5, 1 },
	{ "log --json -n 256\n", 1, "", 256, 1 },
	{ "log -n 3 gw-a.b_c\n", 1, "gw-a.b_c", 3, 0 },
	{ "log -n 0\n", 0, NULL, 0, 0 },
	{ "log -n 257\n", 0, NULL, 0, 0 },
	{ "log -n x\n", 0, NULL, 0, 0 },
	{ "log -n\n", 0, NULL, 0, 0 },
	{ "log t1 t2\n", 0, NULL, 0, 0 },
	{ "log t\"1\n", 0, NULL, 0, 0 },
	{ "reload\n", 1, "", 0, 0 },
	{ "reload now\n", 0, NULL, 0, 0 },
	{ "rekey t1 ike extra\n", 0, NULL, 0, 0 },
};

START_TEST(test_control_log_parse)
{
	struct control_req	 req;
	char			 err[512];
	int			 rv;

	rv = control_req_parse(log_reqs[_i].line, strlen(log_reqs[_i].line),
	    &req, err, sizeof(err));
	ck_assert_msg(rv == (log_reqs[_i].ok ? 0 : -1), "%s: %d %s",
	    log_reqs[_i].line, rv, err);
	if (!log_reqs[_i].ok) {
		ck_assert_msg(strncmp(err, "error: ", 7) == 0, "%s", err);
		return;
	}
	if (strncmp(log_reqs[_i].line, "reload", 6) == 0) {
		ck_assert_int_eq(req.cr_cmd, CONTROL_RELOAD);
		return;
	}
	ck_assert_int_eq(req.cr_cmd, CONTROL_LOG);
	ck_assert_str_eq(req.cr_name, log_reqs[_i].name);
	ck_assert_int_eq(req.cr_count, log_reqs[_i].count);
	ck_assert_int_eq(req.cr_json, log_reqs[_i].json);
}
END_TEST

/* "log" answers from the ops' connection log; "reload" without a
 * callback is refused. */
START_TEST(test_control_log_reply)
{
	struct connlog		*cl = connlog_new(0);
	struct control_ops	 ops = { .co_connlog = cl };
	struct control_req	 req;
	struct buf		*b = buf_new(64);
	const char		*p29, *pt2;
	char			 err[128];
	int			 i;

	for (i = 0; i < 30; i++)
		connlog_add(cl, "t1", "state", "n%d", i);
	connlog_add(cl, "t2", "failure", "phase 1 (attempt 1): x");
	ck_assert_int_eq(control_req_parse("log t1 -n 2", 11, &req, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(control_reply(&ops, &req, b), 0);
	ck_assert_ptr_nonnull(strstr(str(b), " t1 state n28\n"));
	ck_assert_ptr_nonnull(strstr(str(b), " t1 state n29\n"));
	ck_assert_ptr_null(strstr(str(b), "n27"));
	ck_assert_ptr_null(strstr(str(b), "t2"));
	buf_reset(b);
	ck_assert_int_eq(control_req_parse("log", 3, &req, err, sizeof(err)),
	    0);
	ck_assert_int_eq(control_reply(&ops, &req, b), 0);
	/* the default: 20 per tunnel, t2's one last */
	ck_assert_ptr_null(strstr(str(b), "n9\n"));
	ck_assert_ptr_nonnull(strstr(str(b), "n10\n"));
	p29 = strstr(str(b), " t1 state n29\n");
	pt2 = strstr(str(b), " t2 failure phase 1 (attempt 1): x\n");
	ck_assert_ptr_nonnull(p29);
	ck_assert_ptr_nonnull(pt2);
	ck_assert(pt2 > p29);
	buf_reset(b);
	ck_assert_int_eq(control_req_parse("reload", 6, &req, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(control_reply(&ops, &req, b), 0);
	ck_assert_msg(strncmp(str(b), "error: ", 7) == 0, "%s", str(b));
	buf_free(b);
	connlog_free(cl);
}
END_TEST

static Suite *
connlog_suite(void)
{
	Suite	*s = suite_create("connlog");
	TCase	*tc;

	tc = tcase_create("ring");
	tcase_add_test(tc, test_ring_bounded);
	tcase_add_test(tc, test_ring_order_merged);
	tcase_add_test(tc, test_ring_tunnels_bounded);
	suite_add_tcase(s, tc);
	tc = tcase_create("format");
	tcase_add_test(tc, test_time_iso8601);
	tcase_add_test(tc, test_json_escaping);
	tcase_add_test(tc, test_text_format);
	suite_add_tcase(s, tc);
	tc = tcase_create("control");
	tcase_add_loop_test(tc, test_control_log_parse, 0,
	    sizeof(log_reqs) / sizeof(log_reqs[0]));
	tcase_add_test(tc, test_control_log_reply);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(connlog_suite());
	int	 failed;

	log_init(0, LOG_LVL_ERR);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
