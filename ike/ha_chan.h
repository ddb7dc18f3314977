/*
 * ha_chan.h - the HA sync channel of one node: a UDP socket to the other
 * node (sync-local to sync-peer), a HELLO (heartbeat) with this node's
 * role every second, and whether the peer is alive (an authentic HELLO
 * seen within the last 3 s).  Records are sealed and checked by
 * ike/ha_sync.c.  State sync: the active node sends the engine's IKE and
 * CHILD SAs and their deletes (ha_chan_send, from ike/ike_ha.c); every
 * node keeps what it receives in its table (ike/ha_store.h).
 */
#ifndef GW_HA_CHAN_H
#define GW_HA_CHAN_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ike/ha_sync.h"

#define HA_HELLO_MS	1000	/* heartbeat interval */
#define HA_DEAD_MS	3000	/* peer alive: a HELLO seen within this */

/* What gatewayctl status shows. */
struct ha_status {
	int		 hs_role;		/* HA_ROLE_* of this node */
	uint32_t	 hs_priority;
	uint32_t	 hs_node;		/* this node's id (this start) */
	char		 hs_ifname[16];
	struct sockaddr_in hs_peer;		/* sync-peer */
	struct sockaddr_in hs_local;		/* sync-local as configured */
	int		 hs_peer_seen;		/* a HELLO ever arrived */
	int		 hs_peer_alive;		/* ... within HA_DEAD_MS */
	time_t		 hs_peer_last;		/* wall clock of the last */
	int		 hs_peer_role;		/* HA_ROLE_*, if seen */
	uint32_t	 hs_peer_priority;
	/* its last HELLO said its table holds a whole bulk dump of ours
	 * (HA_HELLO_SYNCED): it can take our SAs over */
	int		 hs_peer_synced;
	uint64_t	 hs_tx;			/* records sent */
	uint64_t	 hs_tx_errors;
	uint64_t	 hs_rx[HA_NVERDICTS];	/* received, per verdict */
	/* state sync: records sent per type (HA_REC_*), and the SAs the
	 * table holds; records authentic and well-formed that the table
	 * could not take (full) */
	uint64_t	 hs_tx_type[HA_REC_NTYPES];
	uint64_t	 hs_sync_ike;
	uint64_t	 hs_sync_child;
	uint64_t	 hs_store_full;
	/* bulk dump: HA_BULK_* of the table, the records of the last
	 * complete dump, dumps completed and asked again (lost records),
	 * dumps this node served; SEQ_ADVANCE entries that moved the table */
	int		 hs_bulk;
	uint32_t	 hs_bulk_records;
	uint64_t	 hs_bulk_dumps, hs_bulk_retries, hs_bulk_served;
	uint64_t	 hs_seq_moved;
};

/* The table's bulk sync (ha_status hs_bulk): nothing yet, or the peer
 * came back or restarted (pending); a dump arriving; the last dump
 * arrived whole (complete). */
#define HA_BULK_PENDING		0
#define HA_BULK_RECEIVING	1
#define HA_BULK_COMPLETE	2

struct event_base;
struct cfg_ha;
struct ha_chan;

/*
 * Opens the channel for ha (copied: the key is kept only as derived
 * keys) with role as this node's first role.  The socket has
 * IP_FREEBIND: sync-local may be an address this host gets later.
 * NULL after logging why.
 */
struct ha_chan	*ha_chan_open(struct event_base *base, const struct cfg_ha *ha,
		    int role);
/* Sets this node's role; a HELLO tells the peer at once.  Active before
 * the bulk sync completed: a warning (keepalived is obeyed). */
void		 ha_chan_role_set(struct ha_chan *c, int role);
int		 ha_chan_role(const struct ha_chan *c);
/*
 * Seals and sends one state record (HA_REC_IKE_SA, _CHILD_SA, _DELETE,
 * _SEQ_ADVANCE)
 * with payload pl, only while this node is active.  0 sent, 1 not (not
 * active), -1 failed (counted).
 */
int		 ha_chan_send(struct ha_chan *c, uint8_t type, const uint8_t *pl,
		    size_t len);
/*
 * Bulk dump (a standby that starts, or whose peer restarted or came back
 * after a silence, sends BULK_REQUEST on its heartbeat timer until a
 * dump arrives whole).  The active node calls fn(arg, id) for a request
 * (ike/ike_ha.c sends BULK_BEGIN, every SA, BULK_END); ha_chan_bulk_mark
 * sends BEGIN or END (type) of request id with count records, only while
 * active (as ha_chan_send).  On END the standby drops the entries the
 * dump did not carry.  ha_chan_bulk_complete: 1 once the last dump
 * arrived whole.
 */
void		 ha_chan_bulk_cb_set(struct ha_chan *c,
		    void (*fn)(void *, uint32_t), void *arg);
int		 ha_chan_bulk_mark(struct ha_chan *c, uint8_t type,
		    uint32_t id, uint32_t count);
int		 ha_chan_bulk_complete(const struct ha_chan *c);
/* Forgets fn's arg if it is arg (an engine going away). */
void		 ha_chan_bulk_cb_drop(struct ha_chan *c, void *arg);
/* The table of synced SAs (lent). */
const struct ha_store *ha_chan_store(const struct ha_chan *c);
/* Empties the table (keys wiped): a takeover used it, and the node's
 * own SAs are what counts from then on. */
void		 ha_chan_store_clear(struct ha_chan *c);
int		 ha_chan_put_local(struct ha_chan *c, uint8_t type,
		    const uint8_t *pl, size_t len);
void		 ha_chan_status(const struct ha_chan *c, struct ha_status *st);
/*
 * 1 if synckey is the key the channel runs with (its derived secret
 * compared in constant time), 0 if not.
 */
int		 ha_chan_key_same(const struct ha_chan *c, const uint8_t *synckey,
		    size_t len);
/* Tests: the bound port, the peer's address, shorter timing. */
uint16_t	 ha_chan_port(const struct ha_chan *c);
void		 ha_chan_test_peer(struct ha_chan *c,
		    const struct sockaddr_in *peer);
void		 ha_chan_test_timing(struct ha_chan *c, unsigned hello_ms,
		    unsigned dead_ms);
/* Tests: drop (1) whatever arrives, as a cut sync link would. */
void		 ha_chan_test_cut(struct ha_chan *c, int cut);
/* Stops the timer, closes the socket, wipes the keys; accepts NULL. */
void		 ha_chan_close(struct ha_chan *c);

#endif
