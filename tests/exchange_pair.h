/*
 * exchange_pair.h - two in-process engines for exchange tests, A
 * (198.51.100.1) and B (198.51.100.2), each with its own config, mock
 * network and mock kernel, sharing one event base.
 */
#ifndef GW_EXCHANGE_PAIR_H
#define GW_EXCHANGE_PAIR_H

#include <stdint.h>

#include <event2/event.h>

#include "ike/ike.h"
#include "policy/config.h"
#include "tests/mock_kernel.h"
#include "tests/mock_net.h"

#define ADDR_A	"198.51.100.1"
#define ADDR_B	"198.51.100.2"

/* What cfg_make writes into a side's single tunnel "t1". */
struct side_opts {
	int		 so_version;	/* IKE version: 1 or 2 */
	/* local segments, NULL-ended */
	const char	*so_local[CFG_MAX_SEGMENTS + 1];
	const char	*so_remote[CFG_MAX_SEGMENTS + 1];
	const char	*so_psk;	/* NULL: "Secr3t!key" */
	int		 so_initiate;
	const char	*so_ike;	/* extra lines in the ike block */
	const char	*so_ipsec;	/* extra lines in the ipsec block */
	const char	*so_tunnel;	/* extra lines in the tunnel block */
	const char	*so_extra;	/* appended: more tunnels of gw/p */
};

struct side {
	struct config		*s_cfg;
	struct ike_ctx		*s_ike;
	struct mock_kernel	 s_kernel;
	struct mock_net		 s_net;
	/* the CHILD SA arrays of the snapshots status() handed out */
	struct child_status	**s_kept;
	int			 s_nkept;
};

extern struct event_base	*base;
extern struct side		 A, B;
/* The engine that holds ADDR_A, which pump() connects to B: &A (from
 * pair_init) unless a test moves the address to another side, as an HA
 * takeover does.  pair_free() frees A and B, not this. */
extern struct side		*side_a;
/* keylog-dir for the next configs made, NULL: off */
extern const char		*keylog_dir;
extern int			 keylog_chacha;	/* keylog-chacha20 yes */

/* The text of a one-tunnel config for gateway me and peer (its length;
 * fails the test if longer than len - 1). */
size_t		 cfg_text(const char *me, const char *peer,
		    const struct side_opts *o, char *text, size_t len);
/* Parses a one-tunnel config for gateway me and peer; fails the test. */
struct config	*cfg_make(const char *me, const char *peer,
		    const struct side_opts *o);
/* Sets up s on base with fast timers; spi seeds its mock kernel. */
void		 side_init(struct side *s, const char *me, const char *peer,
		    const struct side_opts *o, uint32_t spi);
/* Makes base, then A and B, each the other's peer. */
void		 pair_init(const struct side_opts *a,
		    const struct side_opts *b);
void		 side_free(struct side *s);
void		 pair_free(void);
/* Delivers what from sent to to; returns the number of datagrams. */
int		 deliver(struct side *from, struct side *to);
/*
 * The window watch of deliver(): the most requests of A (wire_max[0]) and
 * B (wire_max[1]) on the wire at once on one IKE SA, unanswered (IKEv2
 * requests, IKEv1 Quick Modes), since wire_watch_reset().
 */
extern int	 wire_max[2];
void		 wire_watch_reset(void);
/* Pumps datagrams between A and B and runs timers for ms milliseconds. */
void		 pump(int ms);
/*
 * n x n segments for a and b (n <= CFG_MAX_SEGMENTS): a's local ones
 * 172.16.0.0/24 ... 172.16.(n-1).0/24, b's 10.0.0.0/16 ...
 * 10.(n-1).0.0/16; the strings are static, valid until the next call.
 */
void		 segments_make(struct side_opts *a, struct side_opts *b,
		    int n);
/* pump()s until both sides have n CHILD SAs or ms have gone by. */
void		 pump_children(int n, int ms);
/* Every installed (not larval) SA of mk has this ESN flag and replay
 * window, and there is one at least. */
void		 assert_sas_replay(const struct mock_kernel *mk, int esn,
		    uint32_t window);
/* The one tunnel's status on s; fails the test unless there is one.  Its
 * ts_child stays valid until side_free(s) (pair_free()), and has one
 * zeroed entry at least (ts_nchild may be 0). */
struct tunnel_status status(struct side *s);
/* Takes st's CHILD SA array until side_free(s). */
void		 status_keep(struct side *s, const struct tunnel_status *st);

/* Sizes of the many-segment tests: more CHILD SAs than status once
 * showed (16), up to CFG_MAX_SEGMENTS x CFG_MAX_SEGMENTS = 400. */
extern const int	 many_segments[3];
/* st shows n x n CHILD SAs, one for each segment pair of segments_make()
 * (172.16.l.0/24 === 10.r.0.0/16), each once. */
void		 assert_every_pair(const struct tunnel_status *st, int n);

#endif
