/*
 * fuzz_xfrm_expire.c - libFuzzer target for the parsers of the kernel's
 * XFRM_MSG_EXPIRE and XFRM_MSG_ACQUIRE notifications (kernel/xfrm_msg.c):
 * any bytes, walked as a netlink datagram the way
 * kernel_xfrm_events_read() walks it (xfrm_msg_walk).
 *
 * FUZZ_SOURCES: kernel/xfrm_msg.c
 * FUZZ_LIBS: -lmnl
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kernel_msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static void
fuzz_one(const struct nlmsghdr *nlh, size_t len, void *arg)
{
	struct xfrm_expire	 xe;
	struct xfrm_acquire	 xa;

	(void)arg;
	if (xfrm_msg_expire_parse(nlh, len, &xe) == 0 &&
	    ((xe.xe_hard != 0 && xe.xe_hard != 1) ||
	    (xe.xe_volume != 0 && xe.xe_volume != 1)))
		__builtin_trap();
	if (xfrm_msg_acquire_parse(nlh, len, &xa) == 0 &&
	    (xa.xa_src_plen > 32 || xa.xa_dst_plen > 32))
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
