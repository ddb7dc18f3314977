/*
 * fuzz_pair.c - stateful libFuzzer target with live peers: the responder
 * engine R of fuzz_engine.c's configuration and two initiator engines,
 * I1 (198.51.100.2, IKEv1 Main Mode) and I2 (198.51.100.3, IKEv2 with
 * PFS), over mock networks and kernels.  The peers' messages are real,
 * so exchanges authenticate and reach every state; the input decides
 * what the network and the operators do:
 *
 *   byte 0: which initiators start (bit 0: I1, bit 1: I2, else both);
 *   then operations, one byte each (some take arguments):
 *     0 deliver the next datagram of I to R   1 the next of R to I
 *     2 drop the next of I to R               3 drop the next of R to I
 *     4 deliver the next of I to R twice
 *     5 ARG_HI ARG_LO X: deliver the next of I to R with byte ARG xor X
 *     6 K: on I, K % 4: rekey CHILD SA, rekey IKE SA, down, up
 *     7 K: the same on R
 *   where I is I1 or I2 by bit 3 of the operation byte; after each
 *   operation the event loop turns once (EVLOOP_NONBLOCK).
 *
 * Retransmission timers are 1 ms (set with ike_ctx_timing_set), so some
 * fire while an input runs: coverage varies a little between runs of
 * one input.  At the end every installed SA of every mock kernel must
 * have non-zero keys (a CHILD SA installed again after its keys were
 * wiped would show there), then all engines shut down and are freed.
 *
 * FUZZ_SOURCES: ike/engine.c ike/tunnel.c ike/xmit.c ike/sa_[a-z]*.c ike/ike_[a-z]*.c ike/ha_[a-z]*.c ike/ikev[12]_[a-z]*.c ipsec/[a-z]*.c kernel/[a-z]*.c crypto/[a-z]*.c policy/[a-z]*.c common/[a-z]*.c tests/mock_net.c tests/mock_kernel.c
 * FUZZ_LIBS: -levent -lmnl
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/log.h"
#include "ike/ike.h"
#include "ike/ike_sa.h"
#include "policy/config.h"
#include "tests/mock_kernel.h"
#include "tests/mock_net.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

#define FP_GW	"198.51.100.1"

static const char fp_conf_r[] =
    "gateway gw {\n\taddress " FP_GW "\n\tsegment 172.16.0.0/24\n}\n"
    "peer p {\n\taddress 198.51.100.2\n}\n"
    "peer any {\n\taddress 0.0.0.0\n}\n"
    "tunnel v2 {\n\tgateway gw\n\tpeer any\n"
    "\tlocal-segment 172.16.0.0/24\n\tpeer-segment 10.2.0.0/16\n"
    "\tpsk Secr3t!key\n\tinitiate no\n"
    "\tike {\n\t\tversion 2\n\t}\n\tipsec {\n\t\tpfs 14\n\t}\n}\n"
    "tunnel v1 {\n\tgateway gw\n\tpeer p\n"
    "\tlocal-segment 172.16.0.0/24\n\tpeer-segment 10.1.0.0/16\n"
    "\tpsk Secr3t!key\n\tinitiate no\n"
    "\tike {\n\t\tversion 1\n\t}\n\tipsec {\n\t\tpfs 2\n\t}\n}\n";
static const char fp_conf_i1[] =
    "gateway gw {\n\taddress 198.51.100.2\n}\n"
    "peer p {\n\taddress " FP_GW "\n}\n"
    "tunnel v1 {\n\tgateway gw\n\tpeer p\n"
    "\tlocal-segment 10.1.0.0/16\n\tpeer-segment 172.16.0.0/24\n"
    "\tpsk Secr3t!key\n\tinitiate no\n\tike {\n\t\tversion 1\n\t}\n"
    "\tipsec {\n\t\tpfs 2\n\t}\n}\n";
static const char fp_conf_i2[] =
    "gateway gw {\n\taddress 198.51.100.3\n}\n"
    "peer p {\n\taddress " FP_GW "\n}\n"
    "tunnel v2 {\n\tgateway gw\n\tpeer p\n"
    "\tlocal-segment 10.2.0.0/16\n\tpeer-segment 172.16.0.0/24\n"
    "\tpsk Secr3t!key\n\tinitiate no\n\tike {\n\t\tversion 2\n\t}\n"
    "\tipsec {\n\t\tpfs 14\n\t}\n}\n";

struct fp_side {
	struct mock_kernel	 s_mk;
	struct mock_net		 s_mn;
	struct config		*s_cfg;
	struct ike_ctx		*s_ike;
	const char		*s_tunnel;
	struct in_addr		 s_addr;
};

static struct event_base	*fp_base;

static void
fp_side_init(struct fp_side *s, const char *text, const char *tunnel,
    const char *addr, uint32_t spi)
{
	char	 err[256];

	mock_kernel_init(&s->s_mk, spi);
	mock_net_init(&s->s_mn);
	if ((s->s_cfg = config_parse("fuzz", text, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "fuzz_pair: %s\n", err);
		abort();
	}
	if ((s->s_ike = ike_new(fp_base, s->s_cfg, &s->s_mk.mk_ops,
	    &s->s_mn.mn_net)) == NULL)
		abort();
	ike_ctx_timing_set(s->s_ike, 1, 3, 1, 2);
	s->s_tunnel = tunnel;
	inet_pton(AF_INET, addr, &s->s_addr);
}

static void
fp_side_free(struct fp_side *s)
{
	ike_shutdown(s->s_ike);
	ike_free(s->s_ike);
	config_free(s->s_cfg);
	mock_net_clear(&s->s_mn);
}

/*
 * The next datagram in from's queue for to (to NULL: R's queue holds
 * datagrams for both initiators; pick the one for i): popped into d.
 */
static int
fp_next(struct fp_side *from, const struct fp_side *i, struct mock_dgram *d)
{
	struct mock_net		*mn = &from->s_mn;
	struct mock_dgram	 t;
	int			 k, n = mn->mn_n;

	for (k = 0; k < n; k++) {
		if (mock_net_pop(mn, &t) == -1)
			return (-1);
		if (i == NULL || t.d_dst.sin_addr.s_addr == i->s_addr.s_addr) {
			*d = t;
			/* the rest keep their order */
			for (k++; k < n; k++) {
				struct mock_dgram u;

				mock_net_pop(mn, &u);
				mn->mn_q[(mn->mn_head + mn->mn_n) %
				    MOCK_NET_QLEN] = u;
				mn->mn_n++;
			}
			return (0);
		}
		mn->mn_q[(mn->mn_head + mn->mn_n) % MOCK_NET_QLEN] = t;
		mn->mn_n++;
	}
	return (-1);
}

static void
fp_control(struct fp_side *s, const char *tunnel, int k)
{
	switch (k % 4) {
	case 0:
		(void)ike_tunnel_rekey(s->s_ike, tunnel);
		break;
	case 1:
		(void)ike_tunnel_rekey_ike(s->s_ike, tunnel);
		break;
	case 2:
		(void)ike_tunnel_down(s->s_ike, tunnel);
		break;
	default:
		(void)ike_tunnel_up(s->s_ike, tunnel);
		break;
	}
}

/* No SA in the kernel without its keys (see the header). */
static void
fp_keys_check(const struct mock_kernel *mk)
{
	int	 i;
	size_t	 j;
	uint8_t	 acc;

	for (i = 0; i < mk->mk_nsa; i++) {
		const struct mock_sa *m = &mk->mk_sa[i];

		if (m->m_larval || m->m_sa.ks_ekey_len == 0)
			continue;
		for (acc = 0, j = 0; j < m->m_sa.ks_ekey_len; j++)
			acc |= m->m_ekey[j];
		if (acc == 0)
			__builtin_trap();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct fp_side		*r, *in[2], *s;
	struct mock_dgram	 d;
	size_t			 off = 1;
	unsigned		 pos;
	int			 op, start, k;

	if (len < 1)
		return (0);
	if (fp_base == NULL) {
		log_set_level(LOG_LVL_ERR);
		if ((fp_base = event_base_new()) == NULL)
			abort();
	}
	r = calloc(1, sizeof(*r));
	in[0] = calloc(1, sizeof(*in[0]));
	in[1] = calloc(1, sizeof(*in[1]));
	if (r == NULL || in[0] == NULL || in[1] == NULL)
		abort();
	fp_side_init(r, fp_conf_r, NULL, FP_GW, 0xa0000001);
	fp_side_init(in[0], fp_conf_i1, "v1", "198.51.100.2", 0xb0000001);
	fp_side_init(in[1], fp_conf_i2, "v2", "198.51.100.3", 0xc0000001);
	start = data[0] & 3 ? data[0] & 3 : 3;
	for (k = 0; k < 2; k++)
		if (start & (1 << k))
			(void)ike_tunnel_up(in[k]->s_ike, in[k]->s_tunnel);
	while (off < len) {
		op = data[off++];
		s = in[(op >> 3) & 1];
		switch (op & 7) {
		case 0:
		case 4:
		case 5:
			if (fp_next(s, NULL, &d) == -1)
				break;
			if ((op & 7) == 5 && off + 3 <= len) {
				pos = (unsigned)data[off] << 8 | data[off + 1];
				if (d.d_len > 0)
					d.d_data[pos % d.d_len] ^= data[off + 2];
				off += 3;
			}
			ike_recv(r->s_ike, d.d_data, d.d_len, &d.d_dst,
			    &d.d_src);
			if ((op & 7) == 4)
				ike_recv(r->s_ike, d.d_data, d.d_len,
				    &d.d_dst, &d.d_src);
			free(d.d_data);
			break;
		case 1:
			if (fp_next(r, s, &d) == -1)
				break;
			ike_recv(s->s_ike, d.d_data, d.d_len, &d.d_dst,
			    &d.d_src);
			free(d.d_data);
			break;
		case 2:
			if (fp_next(s, NULL, &d) == 0)
				free(d.d_data);
			break;
		case 3:
			if (fp_next(r, s, &d) == 0)
				free(d.d_data);
			break;
		case 6:
		case 7:
			if (off >= len)
				break;
			fp_control((op & 7) == 6 ? s : r, s == in[0] ? "v1" :
			    "v2", data[off++]);
			break;
		}
		event_base_loop(fp_base, EVLOOP_NONBLOCK);
	}
	fp_keys_check(&r->s_mk);
	fp_keys_check(&in[0]->s_mk);
	fp_keys_check(&in[1]->s_mk);
	fp_side_free(in[0]);
	fp_side_free(in[1]);
	fp_side_free(r);
	if (event_base_get_num_events(fp_base, EVENT_BASE_COUNT_ADDED) != 0)
		__builtin_trap();
	free(r);
	free(in[0]);
	free(in[1]);
	return (0);
}
