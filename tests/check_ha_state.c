/*
 * check_ha_state.c - HA state sync (issue 10, second step): the IKE SA,
 * CHILD SA and DELETE payloads (round trips, every truncation, trailing
 * bytes and bad fields refused, keys wiped), the standby's table, bad
 * payloads in authentic records counted on a channel, and two engines
 * over the mock network with the active one's channel syncing to a
 * standby's over loopback: establish, rekey, delete.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "ike/ha_chan.h"
#include "ike/ha_state.h"
#include "ike/ha_store.h"
#include "ike/ha_sync.h"
#include "ike/ike.h"
#include "ike/ike_sa.h"
#include "ike/ikev1_sa.h"
#include "policy/config.h"
#include "tests/exchange_pair.h"
#include "tests/ha_testlib.h"

static uint8_t	 pl[HA_PAYLOAD_MAX + 16];

/* An IKE SA record of version v with keys and two CHILD SAs. */
static void
ike_rec_make(struct ha_ike_rec *r, int v)
{
	int	 i, j;

	memset(r, 0, sizeof(*r));
	r->ir_version = (uint8_t)v;
	r->ir_flags = HA_IKE_INITIATOR | HA_IKE_NAT;
	snprintf(r->ir_name, sizeof(r->ir_name), "branch-%d", v);
	memset(r->ir_spi_i, 0x11, 8);
	memset(r->ir_spi_r, 0x22, 8);
	inet_pton(AF_INET, "192.0.2.1", &r->ir_local);
	r->ir_local_port = 4500;
	inet_pton(AF_INET, "198.51.100.7", &r->ir_peer);
	r->ir_peer_port = 31337;
	r->ir_mid_next = v == 2 ? 7 : 0;
	r->ir_mid_peer = v == 2 ? 9 : HA_V1_PEER_DPD | HA_V1_NATD;
	r->ir_encr = 20;
	r->ir_encr_bits = 256;
	r->ir_prf = 5;
	r->ir_integ = 0;
	r->ir_dh = 19;
	r->ir_life_s = 86000;
	r->ir_rekey_s = 70000;
	r->ir_id_type = 2;
	r->ir_id_len = 11;
	memcpy(r->ir_id, "peer.test.x", 11);
	r->ir_nkeys = v == 2 ? HA_V2_NKEYS : HA_V1_NKEYS;
	for (i = 0; i < r->ir_nkeys; i++) {
		r->ir_keys[i].k_len = (uint8_t)(16 + 8 * i);
		for (j = 0; j < r->ir_keys[i].k_len; j++)
			r->ir_keys[i].k_data[j] = (uint8_t)(i * 31 + j);
	}
	r->ir_nchildren = 2;
	r->ir_children[0] = htonl(0xc0000001);
	r->ir_children[1] = htonl(0xc0000002);
}

static void
child_rec_make(struct ha_child_rec *r)
{
	int	 i;

	memset(r, 0, sizeof(*r));
	r->cr_version = 2;
	memset(r->cr_ike_spi_i, 0x11, 8);
	memset(r->cr_ike_spi_r, 0x22, 8);
	r->cr_proto = IPPROTO_ESP;
	r->cr_mode = HA_MODE_TUNNEL;
	r->cr_flags = HA_CHILD_ESN | HA_CHILD_INITIATED;
	snprintf(r->cr_name, sizeof(r->cr_name), "branch-2");
	r->cr_spi_in = htonl(0xc0000001);
	r->cr_spi_out = htonl(0xd0000001);
	r->cr_reqid = 42;
	inet_pton(AF_INET, "192.0.2.1", &r->cr_local);
	inet_pton(AF_INET, "198.51.100.7", &r->cr_remote);
	r->cr_encap_sport = 4500;
	r->cr_encap_dport = 31337;
	r->cr_encr = 12;
	r->cr_encr_bits = 256;
	r->cr_integ = 12;
	r->cr_dh = 14;
	r->cr_replay_window = 128;
	r->cr_life_s = 3500;
	r->cr_rekey_s = 3000;
	r->cr_life_bytes = 1ULL << 40;
	r->cr_life_packets = 1ULL << 33;
	r->cr_soft_bytes = 1ULL << 39;
	r->cr_soft_packets = 1ULL << 32;
	r->cr_seq_out = 0x123456789ULL;
	r->cr_nlts = 2;
	inet_pton(AF_INET, "10.1.0.0", &r->cr_lts[0].p_addr);
	r->cr_lts[0].p_plen = 16;
	inet_pton(AF_INET, "10.2.0.0", &r->cr_lts[1].p_addr);
	r->cr_lts[1].p_plen = 24;
	r->cr_nrts = 1;
	inet_pton(AF_INET, "172.16.0.0", &r->cr_rts[0].p_addr);
	r->cr_rts[0].p_plen = 12;
	r->cr_ekey_in.k_len = r->cr_ekey_out.k_len = 32;
	r->cr_akey_in.k_len = r->cr_akey_out.k_len = 32;
	for (i = 0; i < 32; i++) {
		r->cr_ekey_in.k_data[i] = (uint8_t)i;
		r->cr_akey_in.k_data[i] = (uint8_t)(i + 64);
		r->cr_ekey_out.k_data[i] = (uint8_t)(i + 128);
		r->cr_akey_out.k_data[i] = (uint8_t)(i + 192);
	}
}

static int
all_zero(const void *p, size_t n)
{
	const uint8_t	*b = p;
	size_t		 i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return (0);
	return (1);
}

/* --- the codec --- */

/* _i: the IKE version */
START_TEST(test_ike_roundtrip)
{
	static struct ha_ike_rec	 r, d;
	int				 n;

	ike_rec_make(&r, _i);
	n = ha_ike_encode(&r, pl, sizeof(pl));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(ha_ike_decode(pl, (size_t)n, &d), 0);
	/* every field, padding aside: the names and keys compared whole */
	ck_assert_int_eq(d.ir_version, _i);
	ck_assert_int_eq(d.ir_flags, r.ir_flags);
	ck_assert_str_eq(d.ir_name, r.ir_name);
	ck_assert_mem_eq(d.ir_spi_i, r.ir_spi_i, 8);
	ck_assert_mem_eq(d.ir_spi_r, r.ir_spi_r, 8);
	ck_assert_uint_eq(d.ir_local.s_addr, r.ir_local.s_addr);
	ck_assert_uint_eq(d.ir_local_port, 4500);
	ck_assert_uint_eq(d.ir_peer.s_addr, r.ir_peer.s_addr);
	ck_assert_uint_eq(d.ir_peer_port, 31337);
	ck_assert_uint_eq(d.ir_mid_next, r.ir_mid_next);
	ck_assert_uint_eq(d.ir_mid_peer, r.ir_mid_peer);
	ck_assert_uint_eq(d.ir_encr, 20);
	ck_assert_uint_eq(d.ir_encr_bits, 256);
	ck_assert_uint_eq(d.ir_prf, 5);
	ck_assert_uint_eq(d.ir_dh, 19);
	ck_assert_uint_eq(d.ir_life_s, 86000);
	ck_assert_uint_eq(d.ir_rekey_s, 70000);
	ck_assert_uint_eq(d.ir_id_type, 2);
	ck_assert_uint_eq(d.ir_id_len, 11);
	ck_assert_mem_eq(d.ir_id, "peer.test.x", 11);
	ck_assert_uint_eq(d.ir_nkeys, r.ir_nkeys);
	ck_assert_mem_eq(d.ir_keys, r.ir_keys, sizeof(r.ir_keys));
	ck_assert_uint_eq(d.ir_nchildren, 2);
	ck_assert_mem_eq(d.ir_children, r.ir_children, 8);
	/* the same again, byte for byte */
	ck_assert_int_eq(ha_ike_encode(&d, pl + 4096, 4096), n);
	ck_assert_mem_eq(pl + 4096, pl, (size_t)n);
	ha_ike_clear(&d);
	ck_assert(all_zero(&d, sizeof(d)));
	/* a version and a key count that disagree are not encoded */
	r.ir_nkeys = _i == 2 ? HA_V1_NKEYS : HA_V2_NKEYS;
	ck_assert_int_eq(ha_ike_encode(&r, pl, sizeof(pl)), -1);
}
END_TEST

START_TEST(test_child_roundtrip)
{
	struct ha_child_rec	 r, d;
	int			 n;

	child_rec_make(&r);
	n = ha_child_encode(&r, pl, sizeof(pl));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(ha_child_decode(pl, (size_t)n, &d), 0);
	ck_assert_int_eq(d.cr_version, 2);
	ck_assert_mem_eq(d.cr_ike_spi_i, r.cr_ike_spi_i, 8);
	ck_assert_mem_eq(d.cr_ike_spi_r, r.cr_ike_spi_r, 8);
	ck_assert_int_eq(d.cr_proto, IPPROTO_ESP);
	ck_assert_int_eq(d.cr_mode, HA_MODE_TUNNEL);
	ck_assert_int_eq(d.cr_flags, HA_CHILD_ESN | HA_CHILD_INITIATED);
	ck_assert_str_eq(d.cr_name, "branch-2");
	ck_assert_uint_eq(d.cr_spi_in, r.cr_spi_in);
	ck_assert_uint_eq(d.cr_spi_out, r.cr_spi_out);
	ck_assert_uint_eq(d.cr_reqid, 42);
	ck_assert_uint_eq(d.cr_local.s_addr, r.cr_local.s_addr);
	ck_assert_uint_eq(d.cr_remote.s_addr, r.cr_remote.s_addr);
	ck_assert_uint_eq(d.cr_encap_sport, 4500);
	ck_assert_uint_eq(d.cr_encap_dport, 31337);
	ck_assert_uint_eq(d.cr_encr, 12);
	ck_assert_uint_eq(d.cr_integ, 12);
	ck_assert_uint_eq(d.cr_dh, 14);
	ck_assert_uint_eq(d.cr_replay_window, 128);
	ck_assert_uint_eq(d.cr_life_s, 3500);
	ck_assert_uint_eq(d.cr_rekey_s, 3000);
	ck_assert_uint_eq(d.cr_life_bytes, 1ULL << 40);
	ck_assert_uint_eq(d.cr_life_packets, 1ULL << 33);
	ck_assert_uint_eq(d.cr_soft_bytes, 1ULL << 39);
	ck_assert_uint_eq(d.cr_soft_packets, 1ULL << 32);
	ck_assert_uint_eq(d.cr_seq_out, 0x123456789ULL);
	ck_assert_uint_eq(d.cr_nlts, 2);
	ck_assert_uint_eq(d.cr_nrts, 1);
	ck_assert_uint_eq(d.cr_lts[1].p_addr.s_addr, r.cr_lts[1].p_addr.s_addr);
	ck_assert_uint_eq(d.cr_lts[1].p_plen, 24);
	ck_assert_uint_eq(d.cr_rts[0].p_plen, 12);
	ck_assert_mem_eq(&d.cr_ekey_in, &r.cr_ekey_in, sizeof(r.cr_ekey_in));
	ck_assert_mem_eq(&d.cr_akey_in, &r.cr_akey_in, sizeof(r.cr_akey_in));
	ck_assert_mem_eq(&d.cr_ekey_out, &r.cr_ekey_out,
	    sizeof(r.cr_ekey_out));
	ck_assert_mem_eq(&d.cr_akey_out, &r.cr_akey_out,
	    sizeof(r.cr_akey_out));
	ha_child_clear(&d);
	ck_assert(all_zero(&d, sizeof(d)));
	/* AH with a cipher key, or keys of two lengths: not encoded */
	r.cr_proto = IPPROTO_AH;
	ck_assert_int_eq(ha_child_encode(&r, pl, sizeof(pl)), -1);
	r.cr_proto = IPPROTO_ESP;
	r.cr_akey_out.k_len = 20;
	ck_assert_int_eq(ha_child_encode(&r, pl, sizeof(pl)), -1);
}
END_TEST

START_TEST(test_del_roundtrip)
{
	struct ha_del_rec	 r, d;
	int			 n;

	memset(&r, 0, sizeof(r));
	r.dr_kind = HA_DEL_IKE;
	memset(r.dr_spi_i, 0xab, 8);
	memset(r.dr_spi_r, 0xcd, 8);
	ck_assert_int_eq(n = ha_del_encode(&r, pl, sizeof(pl)), 17);
	ck_assert_int_eq(ha_del_decode(pl, (size_t)n, &d), 0);
	ck_assert_int_eq(d.dr_kind, HA_DEL_IKE);
	ck_assert_mem_eq(d.dr_spi_i, r.dr_spi_i, 8);
	ck_assert_mem_eq(d.dr_spi_r, r.dr_spi_r, 8);
	memset(&r, 0, sizeof(r));
	r.dr_kind = HA_DEL_CHILD;
	r.dr_proto = IPPROTO_ESP;
	r.dr_spi_in = htonl(0xc0000001);
	ck_assert_int_eq(n = ha_del_encode(&r, pl, sizeof(pl)), 6);
	ck_assert_int_eq(ha_del_decode(pl, (size_t)n, &d), 0);
	ck_assert_int_eq(d.dr_kind, HA_DEL_CHILD);
	ck_assert_int_eq(d.dr_proto, IPPROTO_ESP);
	ck_assert_uint_eq(d.dr_spi_in, r.dr_spi_in);
	/* kind 3, SPI 0, protocol UDP: refused */
	pl[0] = 3;
	ck_assert_int_eq(ha_del_decode(pl, 6, &d), -1);
	pl[0] = HA_DEL_CHILD;
	pl[1] = IPPROTO_UDP;
	ck_assert_int_eq(ha_del_decode(pl, 6, &d), -1);
	pl[1] = IPPROTO_ESP;
	memset(pl + 2, 0, 4);
	ck_assert_int_eq(ha_del_decode(pl, 6, &d), -1);
}
END_TEST

/* Every truncation and one byte more: refused, and the record wiped. */
START_TEST(test_truncated_oversized)
{
	static struct ha_ike_rec	 ir, ird;
	struct ha_child_rec		 cr, crd;
	struct ha_del_rec		 dr, drd;
	int				 n, i;

	ike_rec_make(&ir, 2);
	n = ha_ike_encode(&ir, pl, sizeof(pl));
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(ha_ike_decode(pl, (size_t)i, &ird), -1);
		ck_assert(all_zero(&ird, sizeof(ird)));
	}
	pl[n] = 0;
	ck_assert_int_eq(ha_ike_decode(pl, (size_t)n + 1, &ird), -1);
	ck_assert_int_eq(ha_ike_decode(pl, (size_t)n + 4, &ird), -1);
	ck_assert(all_zero(&ird, sizeof(ird)));

	child_rec_make(&cr);
	n = ha_child_encode(&cr, pl, sizeof(pl));
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(ha_child_decode(pl, (size_t)i, &crd), -1);
		ck_assert(all_zero(&crd, sizeof(crd)));
	}
	ck_assert_int_eq(ha_child_decode(pl, (size_t)n + 1, &crd), -1);

	memset(&dr, 0, sizeof(dr));
	dr.dr_kind = HA_DEL_IKE;
	memset(dr.dr_spi_i, 1, 8);
	n = ha_del_encode(&dr, pl, sizeof(pl));
	for (i = 0; i < n; i++)
		ck_assert_int_eq(ha_del_decode(pl, (size_t)i, &drd), -1);
	ck_assert_int_eq(ha_del_decode(pl, (size_t)n + 1, &drd), -1);
	/* an encoder with too little room fails and leaves nothing */
	ike_rec_make(&ir, 1);
	ck_assert_int_eq(ha_ike_encode(&ir, pl, 40), -1);
	ck_assert(all_zero(pl, 40));
}
END_TEST

/*
 * One field out of range at a time (offsets from the layout in
 * ha_state.c): _i selects the mutation.
 */
struct ike_mut {
	size_t		 off;
	uint8_t		 val;
	const char	*what;
};
/* name "branch-2" (8): fields start at 2 + 1 + 8 = 11 */
#define O_SPI_I		11
#define O_ID_LEN	(O_SPI_I + 16 + 12 + 8 + 10 + 8 + 1)
#define O_NKEYS		(O_ID_LEN + 1 + 11)
static const struct ike_mut ike_muts[] = {
	{ 0, 3, "version 3" },
	{ 0, 0, "version 0" },
	{ 1, 0x80, "unknown flag" },
	{ 2, 0, "empty name" },
	{ 2, 64, "name too long" },
	{ 2, 200, "name past the end" },
	{ 3, 0, "NUL in the name" },
	{ O_ID_LEN, 255, "identity past the end" },
	{ O_NKEYS, 5, "IKEv2 with 5 keys" },
	{ O_NKEYS + 1, 65, "key of 65 bytes" },
	{ O_NKEYS + 1, 250, "key past the end" },
};

START_TEST(test_ike_bad_fields)
{
	static struct ha_ike_rec	 r, d;
	int				 n;

	ike_rec_make(&r, 2);
	n = ha_ike_encode(&r, pl, sizeof(pl));
	ck_assert_int_eq(ha_ike_decode(pl, (size_t)n, &d), 0);
	ck_assert_uint_eq(pl[O_ID_LEN], 11);
	ck_assert_uint_eq(pl[O_NKEYS], HA_V2_NKEYS);
	pl[ike_muts[_i].off] = ike_muts[_i].val;
	ck_assert_msg(ha_ike_decode(pl, (size_t)n, &d) == -1, "%s accepted",
	    ike_muts[_i].what);
	ck_assert(all_zero(&d, sizeof(d)));
	/* zero SPIs, too many CHILD SAs */
	n = ha_ike_encode(&r, pl, sizeof(pl));
	memset(pl + O_SPI_I, 0, 8);
	ck_assert_int_eq(ha_ike_decode(pl, (size_t)n, &d), -1);
	n = ha_ike_encode(&r, pl, sizeof(pl));
	pl[n - 10] = 0x04;		/* count 0x0402 */
	ck_assert_int_eq(ha_ike_decode(pl, (size_t)n, &d), -1);
}
END_TEST

/* IKEv1's message ID fields: 0, and only HA_V1_* bits (what phase 1
 * learnt); anything else is neither encoded nor decoded. */
#define O_MIDS		(O_SPI_I + 16 + 12)
START_TEST(test_ike_v1_bits)
{
	static struct ha_ike_rec	 r, d;
	int				 n;

	ike_rec_make(&r, 1);
	r.ir_mid_peer = HA_V1_BITS;
	ck_assert_int_gt(n = ha_ike_encode(&r, pl, sizeof(pl)), 0);
	ck_assert_int_eq(ha_ike_decode(pl, (size_t)n, &d), 0);
	ck_assert_uint_eq(d.ir_mid_peer, HA_V1_BITS);
	ck_assert_uint_eq(pl[O_MIDS + 7], HA_V1_BITS);
	pl[O_MIDS + 3] = 1;			/* ir_mid_next 1 */
	ck_assert_int_eq(ha_ike_decode(pl, (size_t)n, &d), -1);
	ck_assert(all_zero(&d, sizeof(d)));
	pl[O_MIDS + 3] = 0;
	pl[O_MIDS + 7] = HA_V1_BITS + 1;	/* an unknown bit */
	ck_assert_int_eq(ha_ike_decode(pl, (size_t)n, &d), -1);
	pl[O_MIDS + 7] = HA_V1_BITS;
	pl[O_MIDS + 4] = 0x80;
	ck_assert_int_eq(ha_ike_decode(pl, (size_t)n, &d), -1);
	pl[O_MIDS + 4] = 0;
	ck_assert_int_eq(ha_ike_decode(pl, (size_t)n, &d), 0);
	r.ir_mid_next = 1;
	ck_assert_int_eq(ha_ike_encode(&r, pl, sizeof(pl)), -1);
	r.ir_mid_next = 0;
	r.ir_mid_peer = 0x100;
	ck_assert_int_eq(ha_ike_encode(&r, pl, sizeof(pl)), -1);
	/* IKEv2's are message IDs, any value */
	ike_rec_make(&r, 2);
	r.ir_mid_next = r.ir_mid_peer = 0xfffffff0;
	ck_assert_int_gt(n = ha_ike_encode(&r, pl, sizeof(pl)), 0);
	ck_assert_int_eq(ha_ike_decode(pl, (size_t)n, &d), 0);
	ck_assert_uint_eq(d.ir_mid_peer, 0xfffffff0);
	ha_ike_clear(&d);
}
END_TEST

START_TEST(test_child_bad_fields)
{
	/* proto, mode, flags at 17, 18, 19; the name's length at 20 */
	static const size_t	 off[] = { 17, 17, 18, 19, 20 };
	static const uint8_t	 val[] = { IPPROTO_UDP, 0, 3, 0x80, 0 };
	struct ha_child_rec	 r, d;
	int			 n;

	child_rec_make(&r);
	n = ha_child_encode(&r, pl, sizeof(pl));
	ck_assert_int_eq(pl[17], IPPROTO_ESP);
	pl[off[_i]] = val[_i];
	ck_assert_int_eq(ha_child_decode(pl, (size_t)n, &d), -1);
	ck_assert(all_zero(&d, sizeof(d)));
}
END_TEST

/* Garbage: refused or taken, never a read out of bounds (ASan build). */
START_TEST(test_garbage)
{
	static struct ha_ike_rec	 ir;
	struct ha_child_rec		 cr;
	struct ha_del_rec		 dr;
	size_t				 len;
	int				 i, j, ok = 0;

	srandom(7);
	for (i = 0; i < 20000; i++) {
		len = (size_t)(random() % 600);
		for (j = 0; j < (int)len; j++)
			pl[j] = (uint8_t)random();
		ok += ha_ike_decode(pl, len, &ir) == 0;
		ok += ha_child_decode(pl, len, &cr) == 0;
		ok += ha_del_decode(pl, len, &dr) == 0;
	}
	ck_assert_int_lt(ok, 10);
}
END_TEST

/* --- the table --- */

START_TEST(test_store)
{
	static struct ha_ike_rec	 ir;
	struct ha_child_rec		 cr;
	struct ha_del_rec		 dr;
	struct ha_store			*s = ha_store_new();
	const struct ha_child_rec	*c;
	uint8_t				 spi_i2[8], spi_r2[8];

	ck_assert_ptr_nonnull(s);
	child_rec_make(&cr);
	ck_assert_int_eq(ha_store_child_put(s, &cr), 0);	/* orphan */
	cr.cr_spi_in = htonl(0xc0000002);
	ck_assert_int_eq(ha_store_child_put(s, &cr), 0);
	ike_rec_make(&ir, 2);
	ck_assert_int_eq(ha_store_ike_put(s, &ir), 0);
	ir.ir_mid_next = 100;			/* an update replaces */
	ck_assert_int_eq(ha_store_ike_put(s, &ir), 0);
	ck_assert_uint_eq(ha_store_nike(s), 1);
	ck_assert_uint_eq(ha_store_nchild(s), 2);
	ck_assert_uint_eq(ha_store_ike_get(s, ir.ir_spi_i,
	    ir.ir_spi_r)->ir_mid_next, 100);
	/* an IKE SA rekey: the new one lists the CHILD SAs, they move */
	memset(spi_i2, 0x33, 8);
	memset(spi_r2, 0x44, 8);
	memcpy(ir.ir_spi_i, spi_i2, 8);
	memcpy(ir.ir_spi_r, spi_r2, 8);
	ir.ir_nchildren = 1;
	ck_assert_int_eq(ha_store_ike_put(s, &ir), 0);
	c = ha_store_child_get(s, IPPROTO_ESP, htonl(0xc0000001));
	ck_assert_mem_eq(c->cr_ike_spi_i, spi_i2, 8);
	/* the old IKE SA goes with the CHILD SA still its own */
	memset(&dr, 0, sizeof(dr));
	dr.dr_kind = HA_DEL_IKE;
	memset(dr.dr_spi_i, 0x11, 8);
	memset(dr.dr_spi_r, 0x22, 8);
	ck_assert_int_eq(ha_store_del(s, &dr), 1);
	ck_assert_uint_eq(ha_store_nike(s), 1);
	ck_assert_uint_eq(ha_store_nchild(s), 1);
	ck_assert_ptr_null(ha_store_child_get(s, 0, htonl(0xc0000002)));
	ck_assert_int_eq(ha_store_del(s, &dr), 0);
	/* a CHILD SA by its inbound SPI */
	dr.dr_kind = HA_DEL_CHILD;
	dr.dr_proto = IPPROTO_AH;
	dr.dr_spi_in = htonl(0xc0000001);
	ck_assert_int_eq(ha_store_del(s, &dr), 0);	/* not AH */
	dr.dr_proto = IPPROTO_ESP;
	ck_assert_int_eq(ha_store_del(s, &dr), 1);
	ck_assert_uint_eq(ha_store_nchild(s), 0);
	ha_store_clear(s);
	ck_assert_uint_eq(ha_store_nike(s), 0);
	ha_store_free(s);
	ha_store_free(NULL);
}
END_TEST

/* --- channels over loopback --- */

static void
loop_ms(struct event_base *ev, int ms)
{
	struct timespec	 t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		event_base_loop(ev, EVLOOP_NONBLOCK);
		usleep(2000);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 +
	    (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

/*
 * Authentic records (sealed with the sync key) with bad payloads: each
 * counted bad-type, the table untouched; the good ones taken; a standby
 * sends nothing.
 */
/*
 * SEQ_ADVANCE and BULK_* payloads: round trip at 1 and HA_SEQ_ADV_MAX
 * entries; every truncation, a trailing byte, a count of 0 or above the
 * limit, a bad protocol, a zero SPI, a request id of 0 refused.
 */
START_TEST(test_seq_bulk_codec)
{
	static struct ha_seq_rec	 sr, sr2;
	struct ha_bulk_rec		 br, br2;
	int				 i, n, len;

	memset(&sr, 0, sizeof(sr));
	ck_assert_int_eq(ha_seq_encode(&sr, pl, sizeof(pl)), -1);
	for (i = 0; i < HA_SEQ_ADV_MAX; i++) {
		sr.sr_e[i].se_proto = i % 2 ? IPPROTO_AH : IPPROTO_ESP;
		sr.sr_e[i].se_spi_in = htonl(0xc0000001 + (uint32_t)i);
		sr.sr_e[i].se_seq = (1ULL << 40) + (uint64_t)i * 65536;
	}
	sr.sr_n = 1;
	ck_assert_int_eq(ha_seq_encode(&sr, pl, sizeof(pl)), 2 + 13);
	sr.sr_n = HA_SEQ_ADV_MAX;
	len = ha_seq_encode(&sr, pl, sizeof(pl));
	ck_assert_int_eq(len, 2 + 13 * HA_SEQ_ADV_MAX);
	ck_assert_int_le(len, HA_PAYLOAD_MAX);
	ck_assert_int_eq(ha_seq_decode(pl, (size_t)len, &sr2), 0);
	ck_assert_mem_eq(&sr2, &sr, sizeof(sr));
	/* short output */
	ck_assert_int_eq(ha_seq_encode(&sr, pl, (size_t)len - 1), -1);
	for (n = 0; n < len; n++)
		ck_assert_int_eq(ha_seq_decode(pl, (size_t)n, &sr2), -1);
	ck_assert_int_eq(ha_seq_decode(pl, (size_t)len + 1, &sr2), -1);
	ck_assert_uint_eq(sr2.sr_n, 0);
	sr.sr_n = HA_SEQ_ADV_MAX + 1;
	ck_assert_int_eq(ha_seq_encode(&sr, pl, sizeof(pl)), -1);
	/* a count that disagrees with the length */
	sr.sr_n = 2;
	ck_assert_int_eq(len = ha_seq_encode(&sr, pl, sizeof(pl)), 2 + 26);
	pl[1] = 1;
	ck_assert_int_eq(ha_seq_decode(pl, (size_t)len, &sr2), -1);
	pl[1] = 0;
	ck_assert_int_eq(ha_seq_decode(pl, (size_t)len, &sr2), -1);
	pl[1] = 2;
	pl[2] = 17;		/* UDP */
	ck_assert_int_eq(ha_seq_decode(pl, (size_t)len, &sr2), -1);
	pl[2] = IPPROTO_ESP;
	memset(pl + 3, 0, 4);
	ck_assert_int_eq(ha_seq_decode(pl, (size_t)len, &sr2), -1);
	sr.sr_e[1].se_spi_in = 0;
	ck_assert_int_eq(ha_seq_encode(&sr, pl, sizeof(pl)), -1);

	br.br_id = 7;
	br.br_count = 300000;
	ck_assert_int_eq(len = ha_bulk_encode(&br, pl, sizeof(pl)), HA_BULK_LEN);
	ck_assert_int_eq(ha_bulk_decode(pl, (size_t)len, &br2), 0);
	ck_assert_uint_eq(br2.br_id, 7);
	ck_assert_uint_eq(br2.br_count, 300000);
	for (n = 0; n < len; n++)
		ck_assert_int_eq(ha_bulk_decode(pl, (size_t)n, &br2), -1);
	ck_assert_int_eq(ha_bulk_decode(pl, (size_t)len + 1, &br2), -1);
	memset(pl, 0, 4);
	ck_assert_int_eq(ha_bulk_decode(pl, (size_t)len, &br2), -1);
	br.br_id = 0;
	ck_assert_int_eq(ha_bulk_encode(&br, pl, sizeof(pl)), -1);
}
END_TEST

/*
 * The table and SEQ_ADVANCE: the highest number is kept (an advance
 * never lowers it, a record of the same SAs neither), unknown SAs are
 * ignored; a bulk dump's generation sweeps what it did not carry.
 */
START_TEST(test_store_seq_sweep)
{
	struct ha_store			*st;
	struct ha_child_rec		 cr;
	static struct ha_ike_rec	 ir;
	const struct ha_child_rec	*g;

	ck_assert_ptr_nonnull(st = ha_store_new());
	child_rec_make(&cr);
	cr.cr_seq_out = 0;		/* at installation */
	ck_assert_int_eq(ha_store_child_put(st, &cr), 0);
	ck_assert_int_eq(ha_store_seq(st, IPPROTO_ESP, htonl(0xc0000099),
	    5000), 0);
	ck_assert_int_eq(ha_store_seq(st, IPPROTO_AH, cr.cr_spi_in, 5000), 0);
	ck_assert_int_eq(ha_store_seq(st, IPPROTO_ESP, cr.cr_spi_in, 5000), 1);
	ck_assert_ptr_nonnull(g = ha_store_child_get(st, IPPROTO_ESP,
	    cr.cr_spi_in));
	ck_assert_uint_eq(g->cr_seq_out, 5000);
	ck_assert_int_eq(g->cr_flags & HA_CHILD_SEQ_ADVANCED,
	    HA_CHILD_SEQ_ADVANCED);
	ck_assert_int_eq(ha_store_seq(st, IPPROTO_ESP, cr.cr_spi_in, 4000), 0);
	ck_assert_int_eq(ha_store_seq(st, IPPROTO_ESP, cr.cr_spi_in, 5000), 0);
	ck_assert_uint_eq(g->cr_seq_out, 5000);
	/* the same SAs' record again, with a lower number: kept */
	cr.cr_seq_out = 100;
	ck_assert_int_eq(ha_store_child_put(st, &cr), 0);
	ck_assert_ptr_nonnull(g = ha_store_child_get(st, IPPROTO_ESP,
	    cr.cr_spi_in));
	ck_assert_uint_eq(g->cr_seq_out, 5000);
	ck_assert_int_eq(g->cr_flags & HA_CHILD_SEQ_ADVANCED,
	    HA_CHILD_SEQ_ADVANCED);
	/* a new outbound SPI (another SA): its own number */
	cr.cr_spi_out = htonl(0xd0000002);
	ck_assert_int_eq(ha_store_child_put(st, &cr), 0);
	g = ha_store_child_get(st, IPPROTO_ESP, cr.cr_spi_in);
	ck_assert_uint_eq(g->cr_seq_out, 100);
	ck_assert_int_eq(g->cr_flags & HA_CHILD_SEQ_ADVANCED, 0);

	/* a dump carries one IKE SA and the CHILD SA; a second CHILD SA
	 * and a second IKE SA from before are swept */
	ike_rec_make(&ir, 2);
	ck_assert_int_eq(ha_store_ike_put(st, &ir), 0);
	cr.cr_spi_in = htonl(0xc0000002);
	ck_assert_int_eq(ha_store_child_put(st, &cr), 0);
	ha_store_gen_next(st);
	ck_assert_uint_eq(ha_store_sweep(st), 3);
	ck_assert_uint_eq(ha_store_nike(st) + ha_store_nchild(st), 0);
	ck_assert_int_eq(ha_store_ike_put(st, &ir), 0);
	ck_assert_int_eq(ha_store_child_put(st, &cr), 0);
	cr.cr_spi_in = htonl(0xc0000001);
	ck_assert_int_eq(ha_store_child_put(st, &cr), 0);
	ha_store_gen_next(st);
	ck_assert_int_eq(ha_store_ike_put(st, &ir), 0);
	ck_assert_int_eq(ha_store_child_put(st, &cr), 0);
	ck_assert_uint_eq(ha_store_sweep(st), 1);
	ck_assert_uint_eq(ha_store_nike(st), 1);
	ck_assert_uint_eq(ha_store_nchild(st), 1);
	ck_assert_ptr_nonnull(ha_store_child_get(st, 0, htonl(0xc0000001)));
	ck_assert_ptr_null(ha_store_child_get(st, 0, htonl(0xc0000002)));
	ck_assert_uint_eq(ha_store_sweep(st), 0);
	ha_store_free(st);
	ha_ike_clear(&ir);
	ha_child_clear(&cr);
}
END_TEST

START_TEST(test_chan_bad_payloads)
{
	struct event_base	*ev = event_base_new();
	struct ha_chan		*a, *b;
	struct ha_status	 sa, sb;
	static struct ha_ike_rec ir;
	struct ha_child_rec	 cr;
	int			 n;

	chans_open(ev, &a, &b);
	loop_ms(ev, 60);
	ha_chan_status(b, &sb);
	ck_assert_uint_eq(sb.hs_rx[HA_BAD_TYPE], 0);
	/* the standby's sends are refused */
	ck_assert_int_eq(ha_chan_send(b, HA_REC_DELETE, pl, 6), 1);
	ike_rec_make(&ir, 2);
	n = ha_ike_encode(&ir, pl, sizeof(pl));
	ck_assert_int_eq(ha_chan_send(a, HA_REC_IKE_SA, pl, (size_t)n - 1), 0);
	ck_assert_int_eq(ha_chan_send(a, HA_REC_IKE_SA, pl, (size_t)n + 1), 0);
	ck_assert_int_eq(ha_chan_send(a, HA_REC_CHILD_SA, pl, (size_t)n), 0);
	ck_assert_int_eq(ha_chan_send(a, HA_REC_DELETE, pl, 0), 0);
	ck_assert_int_eq(ha_chan_send(a, HA_REC_SEQ_ADVANCE, pl, 12), 0);
	ck_assert_int_eq(ha_chan_send(a, HA_REC_IKE_SA, pl, (size_t)n), 0);
	child_rec_make(&cr);
	n = ha_child_encode(&cr, pl, sizeof(pl));
	ck_assert_int_eq(ha_chan_send(a, HA_REC_CHILD_SA, pl, (size_t)n), 0);
	loop_ms(ev, 60);
	ha_chan_status(b, &sb);
	ha_chan_status(a, &sa);
	ck_assert_uint_eq(sb.hs_rx[HA_BAD_TYPE], 5);
	ck_assert_uint_eq(sb.hs_sync_ike, 1);
	ck_assert_uint_eq(sb.hs_sync_child, 1);
	ck_assert_uint_eq(sa.hs_tx_type[HA_REC_IKE_SA], 3);
	ck_assert_uint_eq(sa.hs_tx_type[HA_REC_CHILD_SA], 2);
	ck_assert_uint_eq(sa.hs_tx_type[HA_REC_DELETE], 1);
	ha_chan_close(a);
	ha_chan_close(b);
	event_base_free(ev);
}
END_TEST

/* --- two engines, the active one synced to a standby --- */

static const struct side_opts opt_a = {
	.so_version = 2, .so_local = { "172.16.0.0/24" },
	.so_remote = { "10.0.0.0/12" }, .so_initiate = 1,
	.so_ipsec = "\t\tpfs 2\n"
};
static const struct side_opts opt_b = {
	.so_version = 2, .so_local = { "10.0.0.0/12" },
	.so_remote = { "172.16.0.0/24" }, .so_initiate = 0,
	.so_ipsec = "\t\tpfs 2\n"
};

/* The standby's table holds exactly A's IKE SA and its CHILD SA, with
 * their SPIs and keys. */
static void
assert_synced(const struct ha_store *st)
{
	struct ike_sa			*sa = ikev2_sa_first(A.s_ike);
	const struct ha_ike_rec		*ir;
	const struct ha_child_rec	*cr;
	const struct child_sa		*cs;
	const struct mock_sa		*in, *out;

	ck_assert_ptr_nonnull(sa);
	ck_assert_ptr_null(ikev2_sa_after(sa));
	ck_assert_uint_eq(ha_store_nike(st), 1);
	ir = ha_store_ike_get(st, sa->sa_b.b_spi_i, sa->sa_b.b_spi_r);
	ck_assert_ptr_nonnull(ir);
	ck_assert_int_eq(ir->ir_version, 2);
	ck_assert_str_eq(ir->ir_name, "t1");
	ck_assert_int_eq(ir->ir_flags & HA_IKE_INITIATOR, HA_IKE_INITIATOR);
	ck_assert_uint_eq(ir->ir_mid_next, sa->sa_msgid_next);
	ck_assert_uint_eq(ir->ir_mid_peer, sa->sa_msgid_peer);
	ck_assert_uint_eq(ir->ir_peer.s_addr, inet_addr(ADDR_B));
	ck_assert_uint_eq(ir->ir_encr, (uint16_t)sa->sa_prop.pc_encr);
	ck_assert_uint_eq(ir->ir_keys[HA_V2_SK_D].k_len, sa->sa_keys.k_d_len);
	ck_assert_mem_eq(ir->ir_keys[HA_V2_SK_D].k_data, sa->sa_keys.k_d,
	    sa->sa_keys.k_d_len);
	ck_assert_mem_eq(ir->ir_keys[HA_V2_SK_EI].k_data, sa->sa_keys.k_ei,
	    sa->sa_keys.k_e_len);
	ck_assert_mem_eq(ir->ir_keys[HA_V2_SK_PR].k_data, sa->sa_keys.k_pr,
	    sa->sa_keys.k_p_len);
	ck_assert_uint_gt(ir->ir_life_s, 0);
	cs = TAILQ_FIRST(&sa->sa_b.b_children);
	ck_assert_ptr_nonnull(cs);
	ck_assert_ptr_null(TAILQ_NEXT(cs, cs_entry));
	ck_assert_uint_eq(ha_store_nchild(st), 1);
	cr = ha_store_child_get(st, IPPROTO_ESP, cs->cs_spi_in);
	ck_assert_ptr_nonnull(cr);
	ck_assert_mem_eq(cr->cr_ike_spi_i, sa->sa_b.b_spi_i, 8);
	ck_assert_mem_eq(cr->cr_ike_spi_r, sa->sa_b.b_spi_r, 8);
	ck_assert_uint_eq(cr->cr_spi_out, cs->cs_spi_out);
	ck_assert_uint_eq(cr->cr_reqid, cs->cs_reqid);
	ck_assert_uint_eq(cr->cr_nlts, 1);
	ck_assert_uint_eq(cr->cr_lts[0].p_addr.s_addr, inet_addr("172.16.0.0"));
	ck_assert_uint_eq(cr->cr_rts[0].p_plen, 12);
	ck_assert_uint_eq(cr->cr_dh, (uint16_t)cs->cs_dh);
	/* the keys are the kernel's (A's own were wiped at installation) */
	ck_assert_ptr_nonnull(in = mock_kernel_sa(&A.s_kernel, cs->cs_spi_in));
	ck_assert_ptr_nonnull(out = mock_kernel_sa(&A.s_kernel,
	    cs->cs_spi_out));
	ck_assert_uint_eq(cr->cr_ekey_in.k_len, in->m_sa.ks_ekey_len);
	ck_assert_mem_eq(cr->cr_ekey_in.k_data, in->m_ekey,
	    in->m_sa.ks_ekey_len);
	ck_assert_mem_eq(cr->cr_akey_in.k_data, in->m_akey,
	    in->m_sa.ks_akey_len);
	ck_assert_mem_eq(cr->cr_ekey_out.k_data, out->m_ekey,
	    out->m_sa.ks_ekey_len);
	ck_assert_mem_eq(cr->cr_akey_out.k_data, out->m_akey,
	    out->m_sa.ks_akey_len);
}

START_TEST(test_engine_sync)
{
	struct ha_chan		*ca, *cb, *cc;
	struct ha_status	 sa, sb;
	struct cfg_ha		 hc;
	struct tunnel_status	 st;
	uint8_t			 old_spi[8];
	uint32_t		 old_child;

	pair_init(&opt_a, &opt_b);
	chans_open(base, &ca, &cb);
	ike_ha_set(A.s_ike, ca);
	/* B's engine has a channel too, but it is standby: sends nothing */
	chan_cfg(&hc, 50);
	ck_assert_ptr_nonnull(cc = ha_chan_open(base, &hc, HA_ROLE_STANDBY));
	ike_ha_set(B.s_ike, cc);
	ike_start(A.s_ike);
	ike_start(B.s_ike);
	/* IKE_SA_INIT, IKE_AUTH --> <-- over the mock network */
	pump_children(1, 2000);
	pump(100);		/* the last records cross the loopback */
	st = status(&A);
	ck_assert_str_eq(tunnel_state_name(st.ts_state), "Connected");
	assert_synced(ha_chan_store(cb));
	ha_chan_status(ca, &sa);
	ck_assert_uint_ge(sa.hs_tx_type[HA_REC_IKE_SA], 1);
	/* at its installation, and again in the bulk dump cb asked for */
	ck_assert_uint_ge(sa.hs_tx_type[HA_REC_CHILD_SA], 1);
	ha_chan_status(cc, &sb);
	ck_assert_uint_eq(sb.hs_tx_type[HA_REC_IKE_SA] +
	    sb.hs_tx_type[HA_REC_CHILD_SA], 0);
	/* the active one holds nothing of B's */
	ck_assert_uint_eq(ha_store_nike(ha_chan_store(ca)), 0);

	/* CHILD SA rekey: the new one replaces the old in the table */
	old_child = TAILQ_FIRST(&ikev2_sa_first(A.s_ike)->sa_b.b_children)->
	    cs_spi_in;
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	pump(400);
	assert_synced(ha_chan_store(cb));
	ck_assert_ptr_null(ha_store_child_get(ha_chan_store(cb), 0,
	    old_child));

	/* IKE SA rekey (§2.18): new SPIs, the CHILD SA moves with it */
	memcpy(old_spi, ikev2_sa_first(A.s_ike)->sa_b.b_spi_i, 8);
	ck_assert_int_eq(ike_tunnel_rekey_ike(A.s_ike, "t1"), 0);
	pump(400);
	ck_assert_mem_ne(ikev2_sa_first(A.s_ike)->sa_b.b_spi_i, old_spi, 8);
	assert_synced(ha_chan_store(cb));

	ha_chan_status(cb, &sb);
	ck_assert_uint_eq(sb.hs_sync_ike, 1);
	ck_assert_uint_eq(sb.hs_sync_child, 1);

	/* down: DELETE --> <-- ; the table is empty */
	ck_assert_int_eq(ike_tunnel_down(A.s_ike, "t1"), 0);
	pump(400);
	ck_assert_ptr_null(ikev2_sa_first(A.s_ike));
	ck_assert_uint_eq(ha_store_nike(ha_chan_store(cb)), 0);
	ck_assert_uint_eq(ha_store_nchild(ha_chan_store(cb)), 0);
	ha_chan_status(ca, &sa);
	ck_assert_uint_ge(sa.hs_tx_type[HA_REC_DELETE], 2);
	ck_assert_uint_eq(sa.hs_tx_errors, 0);
	ha_chan_status(cb, &sb);
	ck_assert_uint_eq(sb.hs_rx[HA_BAD_TYPE], 0);
	ck_assert_uint_eq(sb.hs_rx[HA_REPLAY], 0);
	ike_ha_set(A.s_ike, NULL);
	ike_ha_set(B.s_ike, NULL);
	pair_free();
	ha_chan_close(ca);
	ha_chan_close(cb);
	ha_chan_close(cc);
}
END_TEST

/*
 * IKEv1: Main Mode and Quick Mode --> <-- ; the standby holds the ISAKMP
 * SA (cookies, SKEYIDs, cipher key, last IV) and the IPsec SA with the
 * kernel's keys; after the delete, nothing.
 */
START_TEST(test_engine_sync_v1)
{
	struct side_opts		 oa = opt_a, ob = opt_b;
	struct ha_chan			*ca, *cb;
	const struct ha_store		*st;
	const struct ha_ike_rec		*ir;
	const struct ha_child_rec	*cr;
	struct ike_sa_base		*b;
	struct isakmp_sa		*sa;
	const struct child_sa		*cs;
	const struct mock_sa		*in, *out;
	struct ike_sa_base		*last = NULL;
	uint32_t			 old_spi;
	uint8_t				 old_ck[8];
	int				 n;

	oa.so_version = ob.so_version = 1;
	oa.so_ipsec = ob.so_ipsec = NULL;
	pair_init(&oa, &ob);
	chans_open(base, &ca, &cb);
	ike_ha_set(A.s_ike, ca);
	ike_start(A.s_ike);
	ike_start(B.s_ike);
	pump_children(1, 3000);
	pump(100);
	st = ha_chan_store(cb);
	ck_assert_ptr_nonnull(b = ike_sa_base_next(A.s_ike, NULL, 1));
	ck_assert_ptr_null(ike_sa_base_next(A.s_ike, b, 0));
	sa = isakmp_sa_of(b);
	ck_assert_uint_eq(ha_store_nike(st), 1);
	ck_assert_ptr_nonnull(ir = ha_store_ike_get(st, b->b_spi_i,
	    b->b_spi_r));
	ck_assert_int_eq(ir->ir_version, 1);
	ck_assert_uint_eq(ir->ir_nkeys, HA_V1_NKEYS);
	ck_assert_uint_eq(ir->ir_keys[HA_V1_SKEYID_D].k_len,
	    sa->is_keys.k_len);
	ck_assert_mem_eq(ir->ir_keys[HA_V1_SKEYID_D].k_data, sa->is_keys.k_d,
	    sa->is_keys.k_len);
	ck_assert_mem_eq(ir->ir_keys[HA_V1_SKEYID_A].k_data, sa->is_keys.k_a,
	    sa->is_keys.k_len);
	ck_assert_mem_eq(ir->ir_keys[HA_V1_ENC].k_data, sa->is_keys.k_enc,
	    sa->is_keys.k_enc_len);
	ck_assert_uint_eq(ir->ir_keys[HA_V1_IV].k_len, sa->is_blen);
	ck_assert_uint_gt(ir->ir_life_s, 0);
	cs = TAILQ_FIRST(&b->b_children);
	ck_assert_ptr_nonnull(cs);
	ck_assert_uint_eq(ha_store_nchild(st), 1);
	ck_assert_ptr_nonnull(cr = ha_store_child_get(st, IPPROTO_ESP,
	    cs->cs_spi_in));
	ck_assert_int_eq(cr->cr_version, 1);
	ck_assert_mem_eq(cr->cr_ike_spi_i, b->b_spi_i, 8);
	ck_assert_uint_eq(cr->cr_spi_out, cs->cs_spi_out);
	ck_assert_ptr_nonnull(in = mock_kernel_sa(&A.s_kernel, cs->cs_spi_in));
	ck_assert_ptr_nonnull(out = mock_kernel_sa(&A.s_kernel,
	    cs->cs_spi_out));
	ck_assert_mem_eq(cr->cr_ekey_in.k_data, in->m_ekey,
	    in->m_sa.ks_ekey_len);
	ck_assert_mem_eq(cr->cr_akey_out.k_data, out->m_akey,
	    out->m_sa.ks_akey_len);
	/* Quick Mode rekey, then a re-authentication (a new ISAKMP SA
	 * takes the IPsec SA over): the table follows each */
	old_spi = cs->cs_spi_in;
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	pump(600);
	ck_assert_uint_eq(ha_store_nchild(st), 1);
	ck_assert_ptr_null(ha_store_child_get(st, 0, old_spi));
	/* the ISAKMP SA's record came again with the Quick Mode: it lists
	 * the new IPsec SA (and its time left is that of now) */
	ck_assert_ptr_nonnull(ir = ha_store_ike_get(st, b->b_spi_i,
	    b->b_spi_r));
	ck_assert_uint_ge(ir->ir_nchildren, 1);
	ck_assert_uint_ne(ir->ir_children[ir->ir_nchildren - 1], old_spi);
	ck_assert_ptr_nonnull(ha_store_child_get(st, IPPROTO_ESP,
	    ir->ir_children[ir->ir_nchildren - 1]));
	memcpy(old_ck, b->b_spi_i, 8);
	ck_assert_int_eq(ike_tunnel_rekey_ike(A.s_ike, "t1"), 0);
	pump(800);
	/* the old ISAKMP SA may stay a while (replaced): each one A holds
	 * established is in the table, the newest has the IPsec SA */
	n = 0;
	for (b = ike_sa_base_next(A.s_ike, NULL, 1); b != NULL;
	    b = ike_sa_base_next(A.s_ike, b, 1)) {
		ck_assert_int_ge(ike_sa_base_phase(b), IKE_PHASE_UP);
		ck_assert_ptr_nonnull(ha_store_ike_get(st, b->b_spi_i,
		    b->b_spi_r));
		last = b;
		n++;
	}
	ck_assert_uint_eq(ha_store_nike(st), (size_t)n);
	b = last;
	ck_assert_mem_ne(b->b_spi_i, old_ck, 8);
	cs = TAILQ_FIRST(&b->b_children);
	ck_assert_ptr_nonnull(cs);
	ck_assert_uint_eq(ha_store_nchild(st), 1);
	ck_assert_ptr_nonnull(cr = ha_store_child_get(st, IPPROTO_ESP,
	    cs->cs_spi_in));
	ck_assert_mem_eq(cr->cr_ike_spi_i, b->b_spi_i, 8);
	ck_assert_int_eq(ike_tunnel_down(A.s_ike, "t1"), 0);
	pump(400);
	ck_assert_ptr_null(ike_sa_base_next(A.s_ike, NULL, 0));
	ck_assert_uint_eq(ha_store_nike(st), 0);
	ck_assert_uint_eq(ha_store_nchild(st), 0);
	ike_ha_set(A.s_ike, NULL);
	pair_free();
	ha_chan_close(ca);
	ha_chan_close(cb);
}
END_TEST

static Suite *
ha_state_suite(void)
{
	Suite	*s = suite_create("ha_state");
	TCase	*tc;

	tc = tcase_create("codec");
	tcase_add_loop_test(tc, test_ike_roundtrip, 1, 3);
	tcase_add_test(tc, test_child_roundtrip);
	tcase_add_test(tc, test_del_roundtrip);
	tcase_add_test(tc, test_truncated_oversized);
	tcase_add_loop_test(tc, test_ike_bad_fields, 0,
	    (int)(sizeof(ike_muts) / sizeof(ike_muts[0])));
	tcase_add_test(tc, test_ike_v1_bits);
	tcase_add_loop_test(tc, test_child_bad_fields, 0, 5);
	tcase_add_test(tc, test_garbage);
	suite_add_tcase(s, tc);
	tc = tcase_create("store");
	tcase_add_test(tc, test_store);
	tcase_add_test(tc, test_seq_bulk_codec);
	tcase_add_test(tc, test_store_seq_sweep);
	suite_add_tcase(s, tc);
	tc = tcase_create("sync");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_chan_bad_payloads);
	tcase_add_test(tc, test_engine_sync);
	tcase_add_test(tc, test_engine_sync_v1);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(ha_state_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
