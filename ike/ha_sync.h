/*
 * ha_sync.h - the records of the HA sync channel between two gatewayd
 * nodes (primary/backup): their layout, their sealing with AES-256-GCM
 * and their checks on receipt.  No sockets and no timers here (see
 * ike/ha_chan.h), so the codec runs alone in tests and the fuzzer.
 *
 * A record on the wire (all integers big-endian):
 *
 *	 0  magic "GWHA"		 4 bytes
 *	 4  version (1)			 1
 *	 5  type (HA_REC_*)		 1
 *	 6  reserved, zero		 2
 *	 8  sender node id		 4
 *	12  sender epoch		 8
 *	20  sequence number		 8
 *	28  payload length		 4
 *	32  payload, encrypted		 length bytes
 *	    GCM tag			16
 *
 * The 32-byte header is the AAD.  The key of a record is derived from
 * the sync key and the sender's node id and epoch (ha_kdf_record_key),
 * so each direction and each start of a node has its own key; the nonce
 * is four zero bytes and the 64-bit sequence number, which a sender
 * never repeats within an epoch: no (key, nonce) pair is used twice.
 */
#ifndef GW_HA_SYNC_H
#define GW_HA_SYNC_H

#include <stddef.h>
#include <stdint.h>

#define HA_MAGIC		0x47574841U	/* "GWHA" */
#define HA_VERSION		1
#define HA_HDR_LEN		32
#define HA_TAG_LEN		16
#define HA_KEY_LEN		32		/* AES-256 */
#define HA_PAYLOAD_MAX		8192
#define HA_REC_MAX		(HA_HDR_LEN + HA_PAYLOAD_MAX + HA_TAG_LEN)
#define HA_WINDOW		256		/* replay window, records */

/* Record types.  HELLO, and the state sync's IKE_SA, CHILD_SA, DELETE,
 * SEQ_ADVANCE and the bulk dump's BULK_REQUEST, BULK_BEGIN and BULK_END
 * (payloads: ha_state.h). */
#define HA_REC_HELLO		1	/* heartbeat: role and priority */
#define HA_REC_BULK_REQUEST	2
#define HA_REC_IKE_SA		3
#define HA_REC_CHILD_SA		4
#define HA_REC_DELETE		5
#define HA_REC_SEQ_ADVANCE	6
#define HA_REC_BULK_BEGIN	7
#define HA_REC_BULK_END		8
#define HA_REC_NTYPES		9	/* counters: [0 .. HA_REC_BULK_END] */

/* Roles (gatewayctl ha ...): what a node does with IKE. */
#define HA_ROLE_STANDBY		0
#define HA_ROLE_ACTIVE		1
#define HA_ROLE_FAULT		2

static inline const char *
ha_role_name(int role)
{
	switch (role) {
	case HA_ROLE_STANDBY:
		return ("standby");
	case HA_ROLE_ACTIVE:
		return ("active");
	case HA_ROLE_FAULT:
		return ("fault");
	}
	return ("unknown");
}

/* HELLO's payload: role (1 byte), flags (1), 2 zero bytes, priority
 * (4 bytes).  HA_HELLO_SYNCED: the sender (not active) holds a whole
 * bulk dump of its peer's current epoch, so it can take the peer's SAs
 * over (a switchover may hand them over without DELETE). */
#define HA_HELLO_LEN		8
#define HA_HELLO_SYNCED		0x01

/* What ha_open() says about a record. */
enum ha_verdict {
	HA_OK = 0,
	HA_BAD_LENGTH,		/* too short, or lengths that disagree */
	HA_BAD_VERSION,		/* wrong magic, version or reserved bits */
	HA_BAD_TAG,		/* does not authenticate under its key */
	HA_REPLAY,		/* sequence number seen or left of the window */
	HA_OLD_EPOCH,		/* from an epoch older than the peer's */
	HA_REFLECTED,		/* carries our own node id */
	HA_BAD_TYPE,		/* authentic, but of a type we do not know
				   or with a payload of the wrong size */
	HA_NVERDICTS
};
/* "bad-length", ..., for logs and counters. */
const char	*ha_verdict_name(enum ha_verdict v);
/* The verdict as an identifier ("accepted", "bad_tag"...): JSON keys
 * of gatewayctl status, label values of the metrics (inline: the
 * status and metrics code links without the channel). */
static inline const char *
ha_verdict_key(int v)
{
	static const char *const keys[HA_NVERDICTS] = {
		"accepted", "bad_length", "bad_version", "bad_tag",
		"replayed", "old_epoch", "reflected", "bad_type"
	};

	return ((unsigned)v < HA_NVERDICTS ? keys[v] : "unknown");
}

struct ha_hdr {
	uint8_t		 h_version;
	uint8_t		 h_type;
	uint32_t	 h_node;
	uint64_t	 h_epoch;
	uint64_t	 h_seq;
	uint32_t	 h_len;
};

/*
 * The secret all record keys come from: HMAC-SHA256 with a fixed label
 * as its key, over the sync key (an extract step).  0 or -1.
 */
int		 ha_kdf_prk(const uint8_t *synckey, size_t len,
		    uint8_t prk[32]);
/*
 * The key of the records a node sends in one epoch: HMAC-SHA256(prk,
 * label || node || epoch || 0x01) (an expand step).  0 or -1.
 */
int		 ha_kdf_record_key(const uint8_t prk[32], uint32_t node,
		    uint64_t epoch, uint8_t key[HA_KEY_LEN]);

/* A sender: its identity, epoch, next sequence number and key. */
struct ha_tx {
	uint32_t	 tx_node;
	uint64_t	 tx_epoch;
	uint64_t	 tx_seq;		/* the last one used; 0: none */
	uint8_t		 tx_key[HA_KEY_LEN];
};

/* Sets tx up (sequence numbers start at 1).  0 or -1. */
int		 ha_tx_init(struct ha_tx *tx, const uint8_t prk[32],
		    uint32_t node, uint64_t epoch);
/*
 * Seals one record of type with payload pl (len <= HA_PAYLOAD_MAX) into
 * out (outlen bytes).  Returns the record's length, or -1.
 */
int		 ha_seal(struct ha_tx *tx, uint8_t type, const uint8_t *pl,
		    size_t len, uint8_t *out, size_t outlen);

/* A receiver: the peer's current epoch, its key and replay window. */
struct ha_rx {
	uint8_t		 rx_prk[32];
	uint32_t	 rx_self;		/* our node id: reflections */
	int		 rx_have;		/* a peer epoch is known */
	uint32_t	 rx_node;
	uint64_t	 rx_epoch;
	uint8_t		 rx_key[HA_KEY_LEN];
	uint64_t	 rx_top;		/* highest sequence accepted */
	uint64_t	 rx_bitmap[HA_WINDOW / 64]; /* bit i: rx_top - i */
	uint64_t	 rx_count[HA_NVERDICTS];	/* per verdict */
};

void		 ha_rx_init(struct ha_rx *rx, const uint8_t prk[32],
		    uint32_t self);
/* Wipes the keys of tx or rx (either may be NULL). */
void		 ha_sync_wipe(struct ha_tx *tx, struct ha_rx *rx);
/*
 * Checks and opens one record: lengths, header, epoch, tag, then the
 * replay window; a newer epoch of the peer replaces the current one
 * only once the record authenticates.  On HA_OK, *hdr is the header and
 * the payload (hdr->h_len bytes) is in pt (ptlen >= HA_PAYLOAD_MAX).
 * Every verdict is counted in rx->rx_count.  Never reads outside rec.
 */
enum ha_verdict	 ha_open(struct ha_rx *rx, const uint8_t *rec, size_t len,
		    struct ha_hdr *hdr, uint8_t *pt, size_t ptlen);

/* HELLO payload. */
void		 ha_hello_encode(uint8_t out[HA_HELLO_LEN], int role,
		    uint32_t priority, uint8_t flags);
/* 0, or -1 when the payload is malformed (unknown flags too). */
int		 ha_hello_decode(const uint8_t *pl, size_t len, int *role,
		    uint32_t *priority, uint8_t *flags);

#endif
