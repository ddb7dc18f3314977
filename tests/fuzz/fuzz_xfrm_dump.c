/*
 * fuzz_xfrm_dump.c - libFuzzer target for the parser of the kernel's
 * XFRM_MSG_GETSA dump replies (xfrm_msg_sa_counters_parse, kernel/
 * xfrm_msg.c), which status and the metrics endpoint use: any bytes,
 * walked as a netlink datagram (xfrm_msg_walk), each message parsed.
 *
 * FUZZ_SOURCES: kernel/xfrm_msg.c
 * FUZZ_LIBS: -lmnl
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "kernel/kernel_msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static void
fuzz_one(const struct nlmsghdr *nlh, size_t len, void *arg)
{
	struct xfrm_sa_counters	 xc;

	(void)arg;
	if (xfrm_msg_sa_counters_parse(nlh, len, &xc) == 0 &&
	    xc.xc_proto != IPPROTO_ESP && xc.xc_proto != IPPROTO_AH)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	uint8_t	*buf;

	/* the kernel's datagrams are aligned: so is malloc's buffer */
	if ((buf = malloc(len + 1)) == NULL)
		return (0);
	memcpy(buf, data, len);
	(void)xfrm_msg_walk(buf, len, fuzz_one, NULL);
	free(buf);
	return (0);
}
