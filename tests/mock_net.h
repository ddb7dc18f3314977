/*
 * mock_net.h - an in-memory network for exchange tests: an engine's
 * struct ike_net queues what it sends; the test pumps datagrams to the
 * other engine and may drop or duplicate them on the way.
 */
#ifndef GW_MOCK_NET_H
#define GW_MOCK_NET_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ike.h"

#define MOCK_NET_QLEN	256

struct mock_dgram {
	uint8_t			*d_data;
	size_t			 d_len;
	struct sockaddr_in	 d_src;
	struct sockaddr_in	 d_dst;
};

/* What to do with a datagram being sent. */
enum mock_verdict {
	MOCK_PASS = 0,
	MOCK_DROP,
	MOCK_DUP
};

struct mock_net {
	struct ike_net		 mn_net;	/* hand &mn_net to ike_new() */
	struct mock_dgram	 mn_q[MOCK_NET_QLEN];
	int			 mn_head, mn_n;
	uint64_t		 mn_sent;	/* datagrams handed to us */
	uint64_t		 mn_dropped;
	/* Optional filter applied when a datagram is sent. */
	enum mock_verdict	(*mn_filter)(void *arg, const uint8_t *pkt,
				    size_t len);
	void			*mn_filter_arg;
};

void	mock_net_init(struct mock_net *mn);
/* Takes the oldest queued datagram (the caller frees d_data).  0 or -1. */
int	mock_net_pop(struct mock_net *mn, struct mock_dgram *d);
void	mock_net_clear(struct mock_net *mn);

#endif
