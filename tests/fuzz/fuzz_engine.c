/*
 * fuzz_engine.c - stateful libFuzzer target: a whole engine (ike_new with
 * the mock network and mock kernel) as a responder, fed a sequence of
 * datagrams.  Its configuration has an IKEv2 tunnel to any peer
 * (0.0.0.0), an IKEv1 Main Mode tunnel to the configured peer
 * 198.51.100.2 and an IKEv1 Aggressive Mode tunnel to any peer.
 *
 * Input: records, each
 *   flags (1 byte): bit 0 to port 4500 (else 500); bits 1-2 the source:
 *     198.51.100.2 (the configured peer), 198.51.100.3, 203.0.113.5, or
 *     198.51.100.2 from NAT port 20000 + length's low byte; bit 3 from
 *     port 4500 (else 500); bit 4: bytes 8-15 (IKEv2 SPIr, IKEv1
 *     responder cookie) replaced by those of the engine's last answer,
 *     which the fuzzer cannot guess (random); bit 5: run the event loop
 *     once (EVLOOP_NONBLOCK) after this datagram;
 *   length (2 bytes, big-endian), then that many bytes.
 * Timers keep their production lengths (seconds): none fires while an
 * input runs, so each run is deterministic but for random SPIs, nonces
 * and DH values.  What the engine sends is kept only for bit 4.  At the
 * end, ike_shutdown (DELETEs) and ike_free; ASan/UBSan and the engine's
 * own checks find the bugs.
 *
 * Seeds (tests/fuzz/corpus/engine): gen-* from two engines (the same
 * configuration, and initiators at 198.51.100.2 and .3) exchanging
 * IKEv2 and IKEv1 Main and Aggressive Mode messages, written by this
 * file built with -DFUZZ_ENGINE_GEN (see gen_main below); cap-* from the
 * real captures (tests/fuzz/engine_seeds.py).
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

#define FE_GW		"198.51.100.1"
#define FE_PEER		"198.51.100.2"

/* The responder's configuration; the generator's initiators mirror it. */
static const char fe_conf[] =
    "gateway gw {\n\taddress " FE_GW "\n\tsegment 172.16.0.0/24\n}\n"
    "peer p {\n\taddress " FE_PEER "\n}\n"
    "peer any {\n\taddress 0.0.0.0\n}\n"
    "tunnel v2 {\n\tgateway gw\n\tpeer any\n"
    "\tlocal-segment 172.16.0.0/24\n\tpeer-segment 10.2.0.0/16\n"
    "\tpsk Secr3t!key\n\tinitiate no\n"
    "\tike {\n\t\tversion 2\n\t}\n\tipsec {\n\t\tpfs 14\n\t}\n}\n"
    "tunnel v1 {\n\tgateway gw\n\tpeer p\n"
    "\tlocal-segment 172.16.0.0/24\n\tpeer-segment 10.1.0.0/16\n"
    "\tpsk Secr3t!key\n\tinitiate no\n"
    "\tike {\n\t\tversion 1\n\t}\n}\n"
    "tunnel v1a {\n\tgateway gw\n\tpeer any\n"
    "\tlocal-segment 172.16.0.0/24\n\tpeer-segment 10.3.0.0/16\n"
    "\tpsk Other!key\n\tinitiate no\n"
    "\tike {\n\t\tversion 1\n\t\tmode aggressive\n"
    "\t\tpeer-id client.example.net\n\t}\n}\n";

static struct event_base	*fe_base;

static void
fe_addr(struct sockaddr_in *sin, const char *a, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, a, &sin->sin_addr);
	sin->sin_port = htons(port);
}

/* Takes what the engine sent; keeps bytes 8-15 of the last IKE message. */
static void
fe_drain(struct mock_net *mn, uint8_t spi[8], int *have)
{
	struct mock_dgram	 d;

	while (mock_net_pop(mn, &d) == 0) {
		if (d.d_len >= 28) {
			memcpy(spi, d.d_data + 8, 8);
			*have = 1;
		}
		free(d.d_data);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char *const srcs[4] = { FE_PEER, "198.51.100.3",
	    "203.0.113.5", FE_PEER };
	struct mock_kernel	*mk;
	struct mock_net		 mn;
	struct config		*cfg;
	struct ike_ctx		*ctx;
	struct sockaddr_in	 local, remote;
	uint8_t			 spi[8], *pkt;
	size_t			 off = 0, n;
	int			 have = 0, f, nrec = 0;
	char			 err[256];

	if (fe_base == NULL) {
		log_set_level(LOG_LVL_ERR);
		if ((fe_base = event_base_new()) == NULL)
			abort();
	}
	if ((mk = calloc(1, sizeof(*mk))) == NULL)
		return (0);
	mock_kernel_init(mk, 0xc0000001);
	mock_net_init(&mn);
	if ((cfg = config_parse("fuzz", fe_conf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_engine: %s\n", err);
		abort();
	}
	if ((ctx = ike_new(fe_base, cfg, &mk->mk_ops, &mn.mn_net)) == NULL)
		abort();
	ike_start(ctx);
	while (off + 3 <= len && nrec++ < 64) {
		f = data[off];
		n = (size_t)data[off + 1] << 8 | data[off + 2];
		off += 3;
		if (n > len - off)
			n = len - off;
		if ((pkt = malloc(n ? n : 1)) == NULL)
			break;
		memcpy(pkt, data + off, n);
		off += n;
		if ((f & 0x10) && have && n >= 16)
			memcpy(pkt + 8, spi, 8);
		fe_addr(&local, FE_GW, f & 1 ? 4500 : 500);
		fe_addr(&remote, srcs[(f >> 1) & 3], ((f >> 1) & 3) == 3 ?
		    20000 + (n & 0xff) : f & 8 ? 4500 : 500);
		ike_recv(ctx, pkt, n, &local, &remote);
		free(pkt);
		if (f & 0x20)
			event_base_loop(fe_base, EVLOOP_NONBLOCK);
		fe_drain(&mn, spi, &have);
	}
	ike_shutdown(ctx);
	fe_drain(&mn, spi, &have);
	ike_free(ctx);
	/* nothing of the engine may be left in the event base */
	if (event_base_get_num_events(fe_base, EVENT_BASE_COUNT_ADDED) != 0)
		__builtin_trap();
	config_free(cfg);
	free(mk);
	return (0);
}

#ifdef FUZZ_ENGINE_GEN
/*
 * Seed generator: initiators at 198.51.100.2 (IKEv1 Main Mode, tunnel
 * v1) and 198.51.100.3 (IKEv2 with a CREATE_CHILD_SA rekey and a
 * DELETE, tunnel v2; IKEv1 Aggressive Mode, tunnel v1a) against the
 * target's configuration, over mock networks; every datagram an
 * initiator sends to the responder is one record (bit 4 on all but the
 * first of an exchange, bit 5 on all).  Build and run from the top:
 *   clang -std=c11 -D_GNU_SOURCE -DFUZZ_ENGINE_GEN -I. -o /tmp/gen \
 *       tests/fuzz/fuzz_engine.c SOURCES... -lcrypto -levent
 *   /tmp/gen tests/fuzz/corpus/engine
 */
#include <time.h>
#include <unistd.h>

static const char gen_conf_v1[] =
    "gateway gw {\n\taddress " FE_PEER "\n}\n"
    "peer p {\n\taddress " FE_GW "\n}\n"
    "tunnel v1 {\n\tgateway gw\n\tpeer p\n"
    "\tlocal-segment 10.1.0.0/16\n\tpeer-segment 172.16.0.0/24\n"
    "\tpsk Secr3t!key\n\tike {\n\t\tversion 1\n\t}\n}\n";
static const char gen_conf_v2[] =
    "gateway gw {\n\taddress 198.51.100.3\n}\n"
    "peer p {\n\taddress " FE_GW "\n}\n"
    "tunnel v2 {\n\tgateway gw\n\tpeer p\n"
    "\tlocal-segment 10.2.0.0/16\n\tpeer-segment 172.16.0.0/24\n"
    "\tpsk Secr3t!key\n\tike {\n\t\tversion 2\n\t}\n"
    "\tipsec {\n\t\tpfs 14\n\t}\n}\n";
static const char gen_conf_v1a[] =
    "gateway gw {\n\taddress 198.51.100.3\n}\n"
    "peer p {\n\taddress " FE_GW "\n}\n"
    "tunnel v1a {\n\tgateway gw\n\tpeer p\n"
    "\tlocal-segment 10.3.0.0/16\n\tpeer-segment 172.16.0.0/24\n"
    "\tpsk Other!key\n\tike {\n\t\tversion 1\n\t\tmode aggressive\n"
    "\t\tlocal-id client.example.net\n\t}\n}\n";

struct gen_side {
	struct mock_kernel	 gs_mk;
	struct mock_net		 gs_mn;
	struct config		*gs_cfg;
	struct ike_ctx		*gs_ike;
};

static FILE	*gen_out;
static int	 gen_first;

/* Moves one side's datagrams to the other; records the initiator's. */
static int
gen_deliver(struct gen_side *from, struct gen_side *to, int record)
{
	struct mock_dgram	 d;
	int			 n = 0, src;
	uint8_t			 h[3];

	while (mock_net_pop(&from->gs_mn, &d) == 0) {
		if (record && gen_out != NULL && d.d_len >= 28) {
			src = d.d_src.sin_addr.s_addr == inet_addr(FE_PEER) ?
			    0 : 1;
			h[0] = (uint8_t)((ntohs(d.d_dst.sin_port) == 4500) |
			    src << 1 | (ntohs(d.d_src.sin_port) == 4500) << 3 |
			    (gen_first ? 0 : 0x10) | 0x20);
			h[1] = (uint8_t)(d.d_len >> 8);
			h[2] = (uint8_t)d.d_len;
			fwrite(h, 1, 3, gen_out);
			fwrite(d.d_data, 1, d.d_len, gen_out);
			gen_first = 0;
		}
		ike_recv(to->gs_ike, d.d_data, d.d_len, &d.d_dst, &d.d_src);
		free(d.d_data);
		n++;
	}
	return (n);
}

static void
gen_pump(struct gen_side *i, struct gen_side *r, int ms)
{
	struct timespec	 t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		while (gen_deliver(i, r, 1) + gen_deliver(r, i, 0) > 0)
			;
		event_base_loop(fe_base, EVLOOP_NONBLOCK);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 +
		    (t.tv_nsec - t0.tv_nsec) / 1000000 >= ms)
			break;
		usleep(1000);
	}
}

static void
gen_side_init(struct gen_side *s, const char *text, uint32_t spi)
{
	char	 err[256];

	mock_kernel_init(&s->gs_mk, spi);
	mock_net_init(&s->gs_mn);
	if ((s->gs_cfg = config_parse("gen", text, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "gen: %s\n", err);
		exit(1);
	}
	if ((s->gs_ike = ike_new(fe_base, s->gs_cfg, &s->gs_mk.mk_ops,
	    &s->gs_mn.mn_net)) == NULL)
		exit(1);
	ike_ctx_timing_set(s->gs_ike, 40, 5, 10, 60);
}

static void
gen_side_free(struct gen_side *s)
{
	ike_free(s->gs_ike);
	config_free(s->gs_cfg);
	mock_net_clear(&s->gs_mn);
}

/* One seed: initiator text against the target, then what more. */
static void
gen_one(const char *dir, const char *name, const char *text,
    const char *tunnel, int rekey)
{
	struct gen_side	*i, *r;
	struct tunnel_status st[4];
	char		 path[512];
	int		 n;

	i = calloc(1, sizeof(*i));
	r = calloc(1, sizeof(*r));
	gen_side_init(r, fe_conf, 0xc0000001);
	gen_side_init(i, text, 0xd0000001);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((gen_out = fopen(path, "wb")) == NULL) {
		perror(path);
		exit(1);
	}
	gen_first = 1;
	ike_tunnel_up(i->gs_ike, tunnel);
	gen_pump(i, r, 150);
	if ((n = ike_status(i->gs_ike, st, 4)) < 1 ||
	    st[0].ts_state != TUNNEL_CONNECTED) {
		fprintf(stderr, "gen: %s: %s not Connected (%s)\n", name,
		    tunnel, n < 1 ? "no status" : st[0].ts_last_error);
		exit(1);
	}
	ike_status_free(st, n < 4 ? n : 4);
	if (rekey) {
		ike_tunnel_rekey(i->gs_ike, tunnel);
		gen_pump(i, r, 100);
		ike_tunnel_rekey_ike(i->gs_ike, tunnel);
		gen_pump(i, r, 100);
	}
	ike_tunnel_down(i->gs_ike, tunnel);
	gen_pump(i, r, 60);
	fclose(gen_out);
	gen_out = NULL;
	printf("%s: %s Connected, seed written\n", path, tunnel);
	gen_side_free(i);
	gen_side_free(r);
	free(i);
	free(r);
}

int
main(int argc, char *argv[])
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen DIR\n");
		return (2);
	}
	log_set_level(LOG_LVL_ERR);
	if ((fe_base = event_base_new()) == NULL)
		return (1);
	gen_one(argv[1], "gen-ikev1-main", gen_conf_v1, "v1", 1);
	gen_one(argv[1], "gen-ikev2", gen_conf_v2, "v2", 1);
	gen_one(argv[1], "gen-ikev1-aggressive", gen_conf_v1a, "v1a", 0);
	return (0);
}
#endif
