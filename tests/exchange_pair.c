/*
 * exchange_pair.c - the two engines A and B that the IKEv1 and IKEv2
 * exchange tests run against each other over mock network and kernels.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>

#include "ike/ike.h"
#include "ike/ike_sa.h"
#include "policy/config.h"
#include "tests/exchange_pair.h"
#include "tests/mock_kernel.h"
#include "tests/mock_net.h"

struct event_base	*base;
struct side		 A, B;
struct side		*side_a = &A;
const char		*keylog_dir;
int			 keylog_chacha;

size_t
cfg_text(const char *me, const char *peer, const struct side_opts *o,
    char *text, size_t len)
{
	size_t		 n = 0;
	int		 i;

#define ADD(...) n += snprintf(text + n, n < len ? len - n : 0, __VA_ARGS__)
	if (keylog_dir != NULL)
		ADD("keylog-dir %s\n", keylog_dir);
	if (keylog_chacha)
		ADD("keylog-chacha20 yes\n");
	ADD("gateway gw {\n\taddress %s\n}\n", me);
	ADD("peer p {\n\taddress %s\n}\n", peer);
	ADD("tunnel t1 {\n\tgateway gw\n\tpeer p\n");
	for (i = 0; o->so_local[i] != NULL; i++)
		ADD("\tlocal-segment %s\n", o->so_local[i]);
	for (i = 0; o->so_remote[i] != NULL; i++)
		ADD("\tpeer-segment %s\n", o->so_remote[i]);
	ADD("\tpsk %s\n\tinitiate %s\n", o->so_psk ? o->so_psk : "Secr3t!key",
	    o->so_initiate ? "yes" : "no");
	if (o->so_tunnel != NULL)
		ADD("%s", o->so_tunnel);
	ADD("\tike {\n\t\tversion %d\n%s\t}\n", o->so_version,
	    o->so_ike ? o->so_ike : "");
	ADD("\tipsec {\n%s\t}\n}\n", o->so_ipsec ? o->so_ipsec : "");
	if (o->so_extra != NULL)
		ADD("%s", o->so_extra);
#undef ADD
	ck_assert_msg(n < len, "config text too long (%zu)", n);
	return (n);
}

struct config *
cfg_make(const char *me, const char *peer, const struct side_opts *o)
{
	char		 text[16384], err[256];
	struct config	*cfg;

	(void)cfg_text(me, peer, o, text, sizeof(text));
	cfg = config_parse("test", text, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "config: %s", err);
	return (cfg);
}

void
side_init(struct side *s, const char *me, const char *peer,
    const struct side_opts *o, uint32_t spi)
{
	s->s_kept = NULL;
	s->s_nkept = 0;
	mock_kernel_init(&s->s_kernel, spi);
	mock_net_init(&s->s_net);
	s->s_cfg = cfg_make(me, peer, o);
	s->s_ike = ike_new(base, s->s_cfg, &s->s_kernel.mk_ops,
	    &s->s_net.mn_net);
	ck_assert_ptr_nonnull(s->s_ike);
	/* fast timers: 40 ms retransmissions, quick retries */
	ike_ctx_timing_set(s->s_ike, 40, 5, 10, 60);
	/* a refused rekey: tried again after 10 ms, doubling up to 80 */
	s->s_ike->ctx_rekey_retry_ms = 10;
	s->s_ike->ctx_rekey_retry_max_ms = 80;
}

void
pair_init(const struct side_opts *a, const struct side_opts *b)
{
	base = event_base_new();
	wire_watch_reset();
	side_a = &A;
	side_init(&A, ADDR_A, ADDR_B, a, 0xa0000001);
	side_init(&B, ADDR_B, ADDR_A, b, 0xb0000001);
}

void
side_free(struct side *s)
{
	int	 i;

	ike_free(s->s_ike);
	config_free(s->s_cfg);
	mock_net_clear(&s->s_net);
	for (i = 0; i < s->s_nkept; i++)
		free(s->s_kept[i]);
	free(s->s_kept);
	s->s_kept = NULL;
	s->s_nkept = 0;
}

void
pair_free(void)
{
	side_free(&A);
	side_free(&B);
	event_base_free(base);
}

/*
 * The window watch: each side's requests on the wire that no answer
 * has crossed yet, per IKE SA (its SPIi or initiator cookie).  IKEv2:
 * a request (no R flag) and its response share the Message ID, which
 * each side numbers on its own; IKEv1 Quick Mode: the side that sends
 * a Message ID first asked, the other side's first message with it
 * answers (message 3 and retransmissions are not new requests).
 */
struct wire_req {
	uint8_t		 wr_spi[8];
	uint32_t	 wr_msgid;
	int		 wr_side;	/* 0: A, 1: B */
	int		 wr_state;	/* 1 out, 2 answered */
};
static struct wire_req	 wire[4096];
static int		 nwire;
int			 wire_max[2];

void
wire_watch_reset(void)
{
	nwire = 0;
	wire_max[0] = wire_max[1] = 0;
}

static struct wire_req *
wire_find(const uint8_t *spi, uint32_t msgid, int side)
{
	int	 i;

	for (i = 0; i < nwire; i++)
		if (memcmp(wire[i].wr_spi, spi, 8) == 0 &&
		    wire[i].wr_msgid == msgid &&
		    (side < 0 || wire[i].wr_side == side))
			return (&wire[i]);
	return (NULL);
}

static void
wire_watch(int side, const uint8_t *p, size_t len)
{
	struct wire_req	*r;
	uint32_t	 msgid;
	int		 i, n, resp;

	if (len >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0) {
		p += 4;		/* the non-ESP marker (RFC 3948 §2.2) */
		len -= 4;
	}
	if (len < 28)
		return;
	memcpy(&msgid, p + 20, 4);
	if (p[17] == 0x20) {			/* IKEv2 */
		resp = (p[19] & 0x20) != 0;
		if (resp) {
			if ((r = wire_find(p, msgid, !side)) != NULL)
				r->wr_state = 2;
			return;
		}
		if (wire_find(p, msgid, side) != NULL)
			return;
	} else if (p[17] == 0x10 && p[18] == 32) {	/* Quick Mode */
		if ((r = wire_find(p, msgid, -1)) != NULL) {
			if (r->wr_side != side)
				r->wr_state = 2;
			return;
		}
	} else
		return;
	if (nwire == (int)(sizeof(wire) / sizeof(wire[0])))
		nwire = 0;	/* a long test: watch short stretches */
	r = &wire[nwire++];
	memcpy(r->wr_spi, p, 8);
	r->wr_msgid = msgid;
	r->wr_side = side;
	r->wr_state = 1;
	for (i = n = 0; i < nwire; i++)
		if (wire[i].wr_side == side && wire[i].wr_state == 1 &&
		    memcmp(wire[i].wr_spi, p, 8) == 0)
			n++;
	if (n > wire_max[side])
		wire_max[side] = n;
}

int
deliver(struct side *from, struct side *to)
{
	struct mock_dgram	 d;
	int			 n = 0;

	while (mock_net_pop(&from->s_net, &d) == 0) {
		wire_watch(from == &B, d.d_data, d.d_len);
		/* the receiver sees dst as local, src as remote */
		ike_recv(to->s_ike, d.d_data, d.d_len, &d.d_dst, &d.d_src);
		free(d.d_data);
		n++;
	}
	return (n);
}

void
pump(int ms)
{
	struct timespec	 t0, t;
	long		 el;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		while (deliver(side_a, &B) + deliver(&B, side_a) > 0)
			;
		event_base_loop(base, EVLOOP_NONBLOCK);
		clock_gettime(CLOCK_MONOTONIC, &t);
		el = (t.tv_sec - t0.tv_sec) * 1000 +
		    (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (el >= ms)
			break;
		usleep(1000);
	}
}

struct tunnel_status
status(struct side *s)
{
	struct tunnel_status	 st[2];

	ck_assert_int_eq(ike_status(s->s_ike, st, 2), 1);
	/* tests poll ts_child[0].cs_spi_in across a moment without any
	 * CHILD SA (a hard expiry): it reads 0 then, as when the array was
	 * fixed; ts_nchild stays 0 */
	if (st[0].ts_child == NULL) {
		st[0].ts_child = calloc(1, sizeof(*st[0].ts_child));
		ck_assert_ptr_nonnull(st[0].ts_child);
	}
	status_keep(s, &st[0]);
	return (st[0]);
}

void
status_keep(struct side *s, const struct tunnel_status *st)
{
	struct child_status	**k;

	if (st->ts_child == NULL)
		return;
	k = reallocarray(s->s_kept, (size_t)s->s_nkept + 1, sizeof(*k));
	ck_assert_ptr_nonnull(k);
	s->s_kept = k;
	s->s_kept[s->s_nkept++] = st->ts_child;
}

void
segments_make(struct side_opts *a, struct side_opts *b, int n)
{
	static char	 l[CFG_MAX_SEGMENTS][24], r[CFG_MAX_SEGMENTS][24];
	int		 i;

	ck_assert_int_le(n, CFG_MAX_SEGMENTS);
	for (i = 0; i <= CFG_MAX_SEGMENTS; i++) {
		a->so_local[i] = a->so_remote[i] = NULL;
		b->so_local[i] = b->so_remote[i] = NULL;
	}
	for (i = 0; i < n; i++) {
		snprintf(l[i], sizeof(l[i]), "172.16.%d.0/24", i);
		snprintf(r[i], sizeof(r[i]), "10.%d.0.0/16", i);
		a->so_local[i] = b->so_remote[i] = l[i];
		a->so_remote[i] = b->so_local[i] = r[i];
	}
}

/* Installed CHILD SAs of s's one tunnel (no snapshot kept). */
static int
nchild(struct side *s)
{
	struct tunnel_status	 st[2];
	int			 n;

	ck_assert_int_eq(ike_status(s->s_ike, st, 2), 1);
	n = st[0].ts_nchild;
	ike_status_free(st, 1);
	return (n);
}

void
pump_children(int n, int ms)
{
	int	 t;

	for (t = 0; t < ms; t += 20) {
		pump(20);
		if (nchild(side_a) == n && nchild(&B) == n)
			return;
	}
}

void
assert_sas_replay(const struct mock_kernel *mk, int esn, uint32_t window)
{
	int	 i, n = 0;

	for (i = 0; i < mk->mk_nsa; i++) {
		if (mk->mk_sa[i].m_larval)
			continue;
		ck_assert_int_eq(mk->mk_sa[i].m_sa.ks_esn, esn);
		ck_assert_uint_eq(mk->mk_sa[i].m_sa.ks_replay_window, window);
		n++;
	}
	ck_assert_int_gt(n, 0);
}

/*
 * st shows n x n CHILD SAs, one for each segment pair of segments_make()
 * (172.16.l.0/24 === 10.r.0.0/16), each once.
 */
const int many_segments[3] = { 5, 9, 20 };

void
assert_every_pair(const struct tunnel_status *st, int n)
{
	uint8_t	 seen[CFG_MAX_SEGMENTS][CFG_MAX_SEGMENTS];
	char	 want[64];
	int	 i, l, r;

	memset(seen, 0, sizeof(seen));
	ck_assert_int_eq(st->ts_nchild, n * n);
	for (i = 0; i < st->ts_nchild; i++) {
		ck_assert_msg(sscanf(st->ts_child[i].cs_local_ts,
		    "172.16.%d.0/24", &l) == 1 && l >= 0 && l < n,
		    "child %d: %s", i, st->ts_child[i].cs_local_ts);
		snprintf(want, sizeof(want), "172.16.%d.0/24", l);
		ck_assert_str_eq(st->ts_child[i].cs_local_ts, want);
		ck_assert_msg(sscanf(st->ts_child[i].cs_remote_ts,
		    "10.%d.0.0/16", &r) == 1 && r >= 0 && r < n,
		    "child %d: %s", i, st->ts_child[i].cs_remote_ts);
		snprintf(want, sizeof(want), "10.%d.0.0/16", r);
		ck_assert_str_eq(st->ts_child[i].cs_remote_ts, want);
		ck_assert_msg(!seen[l][r], "pair %d x %d twice", l, r);
		seen[l][r] = 1;
	}
}
