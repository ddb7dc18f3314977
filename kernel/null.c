/*
 * null.c - a kernel that accepts everything and keeps nothing, for
 * benchmarks only (tests/bench/handshake.sh): the counterpart of
 * strongSwan's kernel-fake.  SPIs are handed out from a counter, SAs,
 * policies and routes are accepted and forgotten, counters read zero.
 * It lets the IKE handshake rate be measured on a host whose kernel has
 * XFRM but no ESP.  A build without --enable-bench (GW_BENCH undefined)
 * refuses it, so that a production gatewayd can never run with tunnels
 * that look up but carry nothing.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "kernel/kernel.h"

#ifdef GW_BENCH
struct kernel_null {
	uint32_t	 kn_next_spi;
};

static int
null_spi_alloc(void *arg, uint8_t proto, struct in_addr src,
    struct in_addr dst, uint32_t reqid, uint32_t *spi)
{
	struct kernel_null	*kn = arg;

	/* SPIs 0-255 are reserved (RFC 4303 §2.1): skip them on wrap */
	if (kn->kn_next_spi < 0x100)
		kn->kn_next_spi = 0x100;
	*spi = htonl(kn->kn_next_spi++);
	return (0);
}

static int
null_sa_add(void *arg, const struct kernel_sa *sa)
{
	return (0);
}

static int
null_sa_del(void *arg, uint8_t proto, uint32_t spi, struct in_addr dst)
{
	return (0);
}

static int
null_sa_stats(void *arg, uint8_t proto, uint32_t spi, struct in_addr dst,
    struct kernel_sa_stats *st)
{
	memset(st, 0, sizeof(*st));
	return (0);
}

static int
null_policy(void *arg, const struct kernel_policy *p)
{
	return (0);
}

static int
null_route(void *arg, struct in_addr net, uint8_t plen, struct in_addr peer,
    struct in_addr src)
{
	return (0);
}

int
kernel_null_open(struct kernel_ops *ops)
{
	struct kernel_null	*kn;

	if ((kn = calloc(1, sizeof(*kn))) == NULL) {
		log_err("null kernel: out of memory");
		return (-1);
	}
	kn->kn_next_spi = 0x100;	/* nothing persists across runs */
	memset(ops, 0, sizeof(*ops));
	ops->ko_arg = kn;
	ops->ko_spi_alloc = null_spi_alloc;
	ops->ko_sa_add = null_sa_add;
	ops->ko_sa_del = null_sa_del;
	ops->ko_sa_stats = null_sa_stats;
	ops->ko_policy_add = null_policy;
	ops->ko_policy_del = null_policy;
	ops->ko_route_add = null_route;
	ops->ko_route_del = null_route;
	log_warn("null kernel (benchmarks only): no SA, policy or route is "
	    "installed, tunnels carry no traffic");
	return (0);
}

void
kernel_null_close(struct kernel_ops *ops)
{
	free(ops->ko_arg);
	ops->ko_arg = NULL;
}

int
kernel_null_available(void)
{
	return (1);
}
#else /* !GW_BENCH */
int
kernel_null_open(struct kernel_ops *ops)
{
	log_err("the null kernel is for benchmarks only: this gatewayd was "
	    "built without --enable-bench");
	return (-1);
}

void
kernel_null_close(struct kernel_ops *ops)
{
}

int
kernel_null_available(void)
{
	return (0);
}
#endif
