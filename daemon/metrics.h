/*
 * metrics.h - the Prometheus endpoint (metrics-listen): an HTTP server
 * (libevent's evhttp) on the daemon's event base that answers GET or HEAD
 * /metrics with metrics_fmt()'s page and 404 anything else.  It reads the
 * engine through struct metrics_ops, so tests run it without one.
 */
#ifndef GW_METRICS_H
#define GW_METRICS_H

#include <stdint.h>

#include "ike/ha_chan.h"
#include "ike/ike.h"
#include "ike/net.h"

struct metrics_ops {
	void	*mo_arg;
	/* As control_ops' co_status: ike_status()'s contract, the CHILD
	 * SAs freed with ike_status_free(). */
	int	(*mo_status)(void *arg, struct tunnel_status *out, int max);
	void	(*mo_counters)(void *arg, struct ike_counters *ic,
		    struct net_counters *nc);
	void	(*mo_gauges)(void *arg, struct ike_gauges *g);
	/* The HA channel's status: 0, or -1 without an ha block; NULL
	 * for none. */
	int	(*mo_ha)(void *arg, struct ha_status *st);
};

struct event_base;
struct metrics;

/*
 * Listens on addr (numeric IPv4 or IPv6) and port; ops is copied.  NULL
 * after logging why (address in use, not on this host...).
 */
struct metrics	*metrics_open(struct event_base *base, const char *addr,
		    uint16_t port, const struct metrics_ops *ops);
/* Closes the listener and its connections; accepts NULL. */
void		 metrics_close(struct metrics *m);
/*
 * The page one scrape returns, into out (metrics_fmt.h's format); 0 or -1
 * (out of memory).  For the server and for tests.
 */
struct buf;
int		 metrics_page(const struct metrics_ops *ops, struct buf *out);

#endif
