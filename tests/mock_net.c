/*
 * mock_net.c - in-memory datagram queue standing in for the UDP sockets.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/mock_net.h"

static int
mock_net_enqueue(struct mock_net *mn, const uint8_t *pkt, size_t len,
    const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
	struct mock_dgram	*d;

	if (mn->mn_n == MOCK_NET_QLEN)
		return (-1);
	d = &mn->mn_q[(mn->mn_head + mn->mn_n) % MOCK_NET_QLEN];
	if ((d->d_data = malloc(len ? len : 1)) == NULL)
		return (-1);
	memcpy(d->d_data, pkt, len);
	d->d_len = len;
	d->d_src = *local;
	d->d_dst = *remote;
	mn->mn_n++;
	return (0);
}

static int
mock_net_send(void *arg, const uint8_t *pkt, size_t len,
    const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
	struct mock_net		*mn = arg;
	enum mock_verdict	 v = MOCK_PASS;

	mn->mn_sent++;
	if (mn->mn_filter != NULL)
		v = mn->mn_filter(mn->mn_filter_arg, pkt, len);
	if (v == MOCK_DROP) {
		mn->mn_dropped++;
		return (0);
	}
	if (mock_net_enqueue(mn, pkt, len, local, remote) == -1)
		return (-1);
	if (v == MOCK_DUP)
		return (mock_net_enqueue(mn, pkt, len, local, remote));
	return (0);
}

void
mock_net_init(struct mock_net *mn)
{
	memset(mn, 0, sizeof(*mn));
	mn->mn_net.in_arg = mn;
	mn->mn_net.in_send = mock_net_send;
}

int
mock_net_pop(struct mock_net *mn, struct mock_dgram *d)
{
	if (mn->mn_n == 0)
		return (-1);
	*d = mn->mn_q[mn->mn_head];
	mn->mn_head = (mn->mn_head + 1) % MOCK_NET_QLEN;
	mn->mn_n--;
	return (0);
}

void
mock_net_clear(struct mock_net *mn)
{
	struct mock_dgram	d;

	while (mock_net_pop(mn, &d) == 0)
		free(d.d_data);
}
