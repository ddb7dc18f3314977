/*
 * ha_chan.c - the HA sync channel's socket and heartbeat (ha_chan.h).
 *
 * Each start of a node picks a random node id and an epoch (the wall
 * clock in microseconds, so a restarted node's epoch is newer); records
 * are sealed under a key of that id and epoch.  Every HA_HELLO_MS a
 * HELLO with the role goes to sync-peer, and the same timer notices when
 * the peer has been silent for HA_DEAD_MS.  Dropped records are counted
 * per cause and logged at debug level, rate-limited: anyone who can
 * reach the sync port can send them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common/log.h"
#include "common/ratelimit.h"
#include "ike/ha_chan.h"
#include "ike/ha_state.h"
#include "ike/ha_store.h"
#include "policy/config.h"

struct ha_chan {
	struct event_base	*c_base;
	int			 c_fd;
	struct event		*c_rd;
	struct event		*c_timer;
	struct sockaddr_in	 c_peer;
	struct sockaddr_in	 c_local;
	int			 c_role;
	uint32_t		 c_priority;
	char			 c_ifname[16];
	unsigned		 c_hello_ms;
	unsigned		 c_dead_ms;
	struct ha_tx		 c_tx;
	struct ha_rx		 c_rx;
	uint64_t		 c_tx_count;
	uint64_t		 c_tx_errors;
	uint64_t		 c_tx_type[HA_REC_NTYPES];
	struct ha_store		*c_store;	/* what the peer synced */
	uint64_t		 c_store_full;
	/* bulk dump, receiving side (HA_BULK_*): our request's id, when it
	 * went, BEGIN's sequence number, the records accepted after it and
	 * when the last came; the last complete dump's record count */
	int			 c_bulk;
	uint32_t		 c_bulk_id;
	uint64_t		 c_bulk_req_ms;
	uint64_t		 c_bulk_first;
	uint64_t		 c_bulk_got;
	uint64_t		 c_bulk_last_ms;
	uint32_t		 c_bulk_records;
	uint64_t		 c_bulk_dumps, c_bulk_retries;
	/* sending side: who answers a BULK_REQUEST (ike_ha.c), dumps
	 * asked for */
	void			(*c_bulk_fn)(void *, uint32_t);
	void			*c_bulk_arg;
	uint64_t		 c_bulk_served;
	uint64_t		 c_seq_moved;	/* SEQ_ADVANCE entries taken */
	int			 c_test_cut;	/* tests: drop what arrives */
	int			 c_peer_seen;
	int			 c_peer_alive;	/* as last logged */
	uint64_t		 c_peer_last_ms; /* monotonic */
	time_t			 c_peer_last;	/* wall clock */
	int			 c_peer_role;
	uint32_t		 c_peer_priority;
	int			 c_peer_synced;	/* its HELLO: HA_HELLO_SYNCED */
	struct ratelimit	 c_rl;
	uint8_t			 c_buf[HA_REC_MAX + 1];
	uint8_t			 c_out[HA_REC_MAX];
	uint8_t			 c_pt[HA_PAYLOAD_MAX];
};

static const struct ratelimit_cause ha_rl_cause = {
	"sync records dropped", "bad length, version, tag, epoch or replayed",
	LOG_LVL_DEBUG
};

static uint64_t
ha_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static int	ha_chan_alive(const struct ha_chan *c, uint64_t now);

/* Seals and sends one record of any role.  0 or -1 (counted). */
static int
ha_chan_tx(struct ha_chan *c, uint8_t type, const uint8_t *pl, size_t len)
{
	int	 n;

	n = ha_seal(&c->c_tx, type, pl, len, c->c_out, sizeof(c->c_out));
	if (n == -1 || sendto(c->c_fd, c->c_out, (size_t)n, 0,
	    (struct sockaddr *)&c->c_peer, sizeof(c->c_peer)) != n) {
		/* no route yet, peer's port closed, a full socket buffer:
		 * counted; a HELLO goes again, a bulk dump is asked again */
		c->c_tx_errors++;
		n = -1;
	} else {
		c->c_tx_count++;
		if (type < HA_REC_NTYPES)
			c->c_tx_type[type]++;
	}
	OPENSSL_cleanse(c->c_out, sizeof(c->c_out));
	return (n == -1 ? -1 : 0);
}

static void
ha_chan_send_hello(struct ha_chan *c)
{
	uint8_t	 pl[HA_HELLO_LEN];

	ha_hello_encode(pl, c->c_role, c->c_priority,
	    c->c_role != HA_ROLE_ACTIVE && c->c_bulk == HA_BULK_COMPLETE ?
	    HA_HELLO_SYNCED : 0);
	(void)ha_chan_tx(c, HA_REC_HELLO, pl, sizeof(pl));
}

/* The table may lack what the peer holds: ask for a dump (again). */
static void
ha_chan_bulk_pending(struct ha_chan *c, const char *why)
{
	if (c->c_bulk == HA_BULK_PENDING)
		return;
	c->c_bulk = HA_BULK_PENDING;
	c->c_bulk_req_ms = 0;
	log_info("ha: bulk sync pending: %s", why);
}

/*
 * The standby's side of the bulk dump, on the heartbeat timer: while the
 * table is not complete and the peer is an active node alive, a
 * BULK_REQUEST; again if no BEGIN came within two heartbeats, or if a
 * dump stalls (nothing for HA_DEAD_MS).
 */
static void
ha_chan_bulk_tick(struct ha_chan *c, uint64_t now)
{
	struct ha_bulk_rec	 br;
	uint8_t			 pl[HA_BULK_LEN];

	if (c->c_role == HA_ROLE_ACTIVE || c->c_bulk == HA_BULK_COMPLETE ||
	    !ha_chan_alive(c, now) || c->c_peer_role != HA_ROLE_ACTIVE)
		return;
	if (c->c_bulk == HA_BULK_RECEIVING) {
		if (now - c->c_bulk_last_ms < c->c_dead_ms)
			return;
		c->c_bulk = HA_BULK_PENDING;
		c->c_bulk_retries++;
	} else if (c->c_bulk_req_ms != 0 &&
	    now - c->c_bulk_req_ms < 2 * (uint64_t)c->c_hello_ms)
		return;
	if (++c->c_bulk_id == 0)
		c->c_bulk_id = 1;
	br.br_id = c->c_bulk_id;
	br.br_count = 0;
	if (ha_bulk_encode(&br, pl, sizeof(pl)) == -1)
		return;
	c->c_bulk_req_ms = now;
	if (ha_chan_tx(c, HA_REC_BULK_REQUEST, pl, sizeof(pl)) == 0)
		log_debug("ha: bulk sync: request %u sent", br.br_id);
}

static int
ha_chan_alive(const struct ha_chan *c, uint64_t now)
{
	return (c->c_peer_seen && now - c->c_peer_last_ms < c->c_dead_ms);
}

static void
ha_chan_liveness(struct ha_chan *c)
{
	char	 a[INET_ADDRSTRLEN];
	int	 alive = ha_chan_alive(c, ha_now_ms());

	if (alive == c->c_peer_alive)
		return;
	c->c_peer_alive = alive;
	/* back after a silence: records may have been lost meanwhile */
	if (alive && c->c_bulk == HA_BULK_COMPLETE)
		ha_chan_bulk_pending(c, "the sync peer is back");
	inet_ntop(AF_INET, &c->c_peer.sin_addr, a, sizeof(a));
	if (alive)
		log_info("ha: sync peer %s:%u is alive (role %s, priority %u)",
		    a, ntohs(c->c_peer.sin_port),
		    ha_role_name(c->c_peer_role), c->c_peer_priority);
	else
		log_warn("ha: sync peer %s:%u is silent (no heartbeat for %u "
		    "ms)", a, ntohs(c->c_peer.sin_port), c->c_dead_ms);
}

static void
ha_chan_arm(struct ha_chan *c)
{
	struct timeval	 tv;

	tv.tv_sec = c->c_hello_ms / 1000;
	tv.tv_usec = (c->c_hello_ms % 1000) * 1000;
	evtimer_add(c->c_timer, &tv);
}

static void
ha_chan_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ha_chan	*c = arg;

	ha_chan_send_hello(c);
	ha_chan_liveness(c);
	ha_chan_bulk_tick(c, ha_now_ms());
	ratelimit_flush(&c->c_rl, &ha_rl_cause, ha_now_ms(),
	    RATELIMIT_INTERVAL_MS);
	ha_chan_arm(c);
}

/*
 * A state record, authentic: decoded into the table.  -1 if malformed
 * (a bad payload); a record the table cannot take is counted apart.
 * The decoded copies are wiped on the way out.
 */
/* BULK_BEGIN and BULK_END of the dump we asked for. */
static void
ha_chan_bulk_mark_rx(struct ha_chan *c, const struct ha_hdr *h,
    const struct ha_bulk_rec *br)
{
	size_t	 gone;

	if (br->br_id != c->c_bulk_id || c->c_role == HA_ROLE_ACTIVE)
		return;			/* an old request's, or unasked */
	if (h->h_type == HA_REC_BULK_BEGIN) {
		c->c_bulk = HA_BULK_RECEIVING;
		c->c_bulk_first = h->h_seq;
		c->c_bulk_got = 0;
		c->c_bulk_last_ms = ha_now_ms();
		ha_store_gen_next(c->c_store);
		return;
	}
	if (c->c_bulk != HA_BULK_RECEIVING)
		return;
	/* every record the peer sent between BEGIN and this END arrived
	 * whole (the sequence numbers are consecutive; a malformed one is
	 * not counted): the dump is complete */
	if (h->h_seq <= c->c_bulk_first ||
	    c->c_bulk_got != h->h_seq - c->c_bulk_first - 1) {
		c->c_bulk = HA_BULK_PENDING;
		c->c_bulk_req_ms = 0;
		c->c_bulk_retries++;
		log_info("ha: bulk sync incomplete (%llu of %llu records "
		    "arrived): asking again", (unsigned long long)
		    c->c_bulk_got, (unsigned long long)(h->h_seq >
		    c->c_bulk_first ? h->h_seq - c->c_bulk_first - 1 : 0));
		return;
	}
	gone = ha_store_sweep(c->c_store);
	c->c_bulk = HA_BULK_COMPLETE;
	c->c_bulk_records = br->br_count;
	c->c_bulk_dumps++;
	log_info("ha: bulk sync complete: %u records (%zu IKE SAs, %zu CHILD "
	    "SAs), %zu stale entries dropped", br->br_count,
	    ha_store_nike(c->c_store), ha_store_nchild(c->c_store), gone);
	ha_chan_send_hello(c);		/* the peer learns it at once */
}

/* The records of the bulk dump and SEQ_ADVANCE.  0, or -1 (malformed). */
static int
ha_chan_state2(struct ha_chan *c, const struct ha_hdr *h)
{
	static struct ha_seq_rec	 sr;	/* 8 KB: not on the stack */
	struct ha_bulk_rec		 br;
	int				 i;

	if (h->h_type == HA_REC_SEQ_ADVANCE) {
		if (ha_seq_decode(c->c_pt, h->h_len, &sr) == -1)
			return (-1);
		for (i = 0; i < sr.sr_n; i++)
			c->c_seq_moved += (uint64_t)ha_store_seq(c->c_store,
			    sr.sr_e[i].se_proto, sr.sr_e[i].se_spi_in,
			    sr.sr_e[i].se_seq);
		return (0);
	}
	if (ha_bulk_decode(c->c_pt, h->h_len, &br) == -1 ||
	    (h->h_type != HA_REC_BULK_END && br.br_count != 0))
		return (-1);
	if (h->h_type != HA_REC_BULK_REQUEST)
		ha_chan_bulk_mark_rx(c, h, &br);
	else if (c->c_role == HA_ROLE_ACTIVE && c->c_bulk_fn != NULL) {
		c->c_bulk_served++;
		log_info("ha: bulk sync: the peer asks for every SA "
		    "(request %u)", br.br_id);
		c->c_bulk_fn(c->c_bulk_arg, br.br_id);
	}
	return (0);
}

static int
ha_chan_state(struct ha_chan *c, const struct ha_hdr *h)
{
	static struct ha_ike_rec	 ir;	/* large: not on the stack */
	struct ha_child_rec		 cr;
	struct ha_del_rec		 dr;
	int				 rv = -1, put = 0;

	switch (h->h_type) {
	case HA_REC_IKE_SA:
		if ((rv = ha_ike_decode(c->c_pt, h->h_len, &ir)) == 0)
			put = ha_store_ike_put(c->c_store, &ir);
		ha_ike_clear(&ir);
		break;
	case HA_REC_CHILD_SA:
		if ((rv = ha_child_decode(c->c_pt, h->h_len, &cr)) == 0)
			put = ha_store_child_put(c->c_store, &cr);
		ha_child_clear(&cr);
		break;
	case HA_REC_DELETE:
		if ((rv = ha_del_decode(c->c_pt, h->h_len, &dr)) == 0)
			(void)ha_store_del(c->c_store, &dr);
		break;
	default:
		return (ha_chan_state2(c, h));
	}
	if (put == -1 && c->c_store_full++ == 0)
		log_warn("ha: the table of synced SAs is full (%zu IKE SAs, "
		    "%zu CHILD SAs): records dropped",
		    ha_store_nike(c->c_store), ha_store_nchild(c->c_store));
	return (rv);
}

/*
 * A record of this node's own SAs into its own table, as if the peer
 * had sent it (ike_ha_keep_own: leaving the active role): IKE_SA,
 * CHILD_SA and DELETE only.  0, or -1 (malformed, or the table full).
 */
int
ha_chan_put_local(struct ha_chan *c, uint8_t type, const uint8_t *pl,
    size_t len)
{
	struct ha_hdr	 h;
	int		 rv;

	if ((type != HA_REC_IKE_SA && type != HA_REC_CHILD_SA &&
	    type != HA_REC_DELETE) || len > sizeof(c->c_pt))
		return (-1);
	memset(&h, 0, sizeof(h));
	h.h_type = type;
	h.h_len = (uint32_t)len;
	memcpy(c->c_pt, pl, len);
	rv = ha_chan_state(c, &h);
	OPENSSL_cleanse(c->c_pt, len);
	return (rv);
}

static void
ha_chan_record(struct ha_chan *c, const uint8_t *rec, size_t len,
    const struct sockaddr_in *from)
{
	struct ha_hdr		 h;
	enum ha_verdict		 v;
	uint32_t		 prio, node = c->c_rx.rx_node;
	uint64_t		 epoch = c->c_rx.rx_epoch;
	int			 role, had = c->c_rx.rx_have;
	uint8_t			 flags = 0;

	if (c->c_test_cut)
		return;
	v = ha_open(&c->c_rx, rec, len, &h, c->c_pt, sizeof(c->c_pt));
	/* the peer restarted: what it holds now is not what we hold */
	if (v == HA_OK && had && (c->c_rx.rx_node != node ||
	    c->c_rx.rx_epoch != epoch))
		ha_chan_bulk_pending(c, "the sync peer restarted");
	if (v == HA_OK && ((h.h_type == HA_REC_HELLO &&
	    ha_hello_decode(c->c_pt, h.h_len, &role, &prio, &flags) == -1) ||
	    (h.h_type != HA_REC_HELLO && ha_chan_state(c, &h) == -1))) {
		/* authentic but malformed: a peer of another version */
		c->c_rx.rx_count[HA_OK]--;
		c->c_rx.rx_count[HA_BAD_TYPE]++;
		v = HA_BAD_TYPE;
	}
	OPENSSL_cleanse(c->c_pt, v == HA_OK ? h.h_len : 0);
	if (v != HA_OK) {
		if (ratelimit_admit(&c->c_rl, ha_now_ms(), from->sin_addr))
			log_debug("ha: sync record from %s:%u dropped: %s",
			    inet_ntoa(from->sin_addr), ntohs(from->sin_port),
			    ha_verdict_name(v));
		return;
	}
	/* taken whole: one more of the dump in progress (not BEGIN, which
	 * set it up, nor END, which ended it) */
	if (c->c_bulk == HA_BULK_RECEIVING && h.h_seq > c->c_bulk_first) {
		c->c_bulk_got++;
		c->c_bulk_last_ms = ha_now_ms();
	}
	if (h.h_type != HA_REC_HELLO)
		return;			/* state: in the table already */
	c->c_peer_seen = 1;
	c->c_peer_last_ms = ha_now_ms();
	c->c_peer_last = time(NULL);
	if (c->c_peer_alive && role != c->c_peer_role)
		log_info("ha: sync peer's role is now %s", ha_role_name(role));
	c->c_peer_role = role;
	c->c_peer_priority = prio;
	c->c_peer_synced = (flags & HA_HELLO_SYNCED) != 0;
	ha_chan_liveness(c);
}

static void
ha_chan_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ha_chan		*c = arg;
	struct sockaddr_in	 from;
	socklen_t		 flen;
	ssize_t			 n;
	int			 i;

	for (i = 0; i < 64; i++) {
		flen = sizeof(from);
		n = recvfrom(c->c_fd, c->c_buf, sizeof(c->c_buf), 0,
		    (struct sockaddr *)&from, &flen);
		if (n < 0)
			return;		/* EAGAIN, or an ICMP error */
		if (flen != sizeof(from) || from.sin_family != AF_INET)
			continue;
		/* longer than any record: counted as such by ha_open */
		ha_chan_record(c, c->c_buf, (size_t)n, &from);
	}
}

struct ha_chan *
ha_chan_open(struct event_base *base, const struct cfg_ha *ha, int role)
{
	struct ha_chan		*c;
	struct sockaddr_in	 sin;
	struct timespec		 ts;
	uint8_t			 prk[32];
	uint32_t		 node = 0;
	int			 on = 1;
	char			 a[INET_ADDRSTRLEN];

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_err("ha: out of memory");
		return (NULL);
	}
	c->c_base = base;
	c->c_role = role;
	c->c_priority = ha->ha_priority;
	snprintf(c->c_ifname, sizeof(c->c_ifname), "%s", ha->ha_ifname);
	c->c_hello_ms = HA_HELLO_MS;
	c->c_dead_ms = HA_DEAD_MS;
	c->c_peer.sin_family = AF_INET;
	c->c_peer.sin_addr = ha->ha_peer_addr;
	c->c_peer.sin_port = htons(ha->ha_peer_port);
	c->c_fd = -1;
	if ((c->c_store = ha_store_new()) == NULL) {
		log_err("ha: out of memory");
		goto fail;
	}
	while (node == 0)
		if (RAND_bytes((uint8_t *)&node, sizeof(node)) != 1) {
			log_err("ha: no random bytes for the node id");
			goto fail;
		}
	clock_gettime(CLOCK_REALTIME, &ts);
	if (ha_kdf_prk(ha->ha_key, ha->ha_key_len, prk) == -1 ||
	    ha_tx_init(&c->c_tx, prk, node, (uint64_t)ts.tv_sec * 1000000 +
	    (uint64_t)ts.tv_nsec / 1000) == -1) {
		OPENSSL_cleanse(prk, sizeof(prk));
		log_err("ha: cannot derive the sync keys");
		goto fail;
	}
	ha_rx_init(&c->c_rx, prk, node);
	OPENSSL_cleanse(prk, sizeof(prk));

	c->c_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (c->c_fd == -1) {
		log_err("ha: socket: %s", strerror(errno));
		goto fail;
	}
	/* sync-local may be an address this host gets later */
	if (setsockopt(c->c_fd, IPPROTO_IP, IP_FREEBIND, &on,
	    sizeof(on)) == -1)
		log_warn("ha: IP_FREEBIND: %s", strerror(errno));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = ha->ha_local_addr;
	sin.sin_port = htons(ha->ha_local_port);
	c->c_local = sin;
	inet_ntop(AF_INET, &sin.sin_addr, a, sizeof(a));
	if (bind(c->c_fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		log_err("ha: cannot bind the sync channel to %s:%u: %s (check "
		    "sync-local in the ha block)", a, ha->ha_local_port,
		    strerror(errno));
		goto fail;
	}
	if ((c->c_rd = event_new(base, c->c_fd, EV_READ | EV_PERSIST,
	    ha_chan_read_cb, c)) == NULL || event_add(c->c_rd, NULL) == -1 ||
	    (c->c_timer = evtimer_new(base, ha_chan_timer_cb, c)) == NULL) {
		log_err("ha: cannot register the sync channel");
		goto fail;
	}
	log_info("ha: sync channel on %s:%u to %s:%u, node id %08x, role %s",
	    a, ntohs(sin.sin_port), inet_ntoa(c->c_peer.sin_addr),
	    ha->ha_peer_port, node, ha_role_name(role));
	ha_chan_send_hello(c);
	ha_chan_arm(c);
	return (c);
 fail:
	ha_chan_close(c);
	return (NULL);
}

void
ha_chan_role_set(struct ha_chan *c, int role)
{
	/* keepalived is obeyed (the active node may really be dead), but
	 * the takeover has only what the table holds */
	if (role == HA_ROLE_ACTIVE && c->c_role != HA_ROLE_ACTIVE &&
	    c->c_bulk != HA_BULK_COMPLETE)
		log_warn("ha: becoming active before the bulk sync completed: "
		    "the takeover resumes only the %zu IKE SAs and %zu CHILD "
		    "SAs synced so far", ha_store_nike(c->c_store),
		    ha_store_nchild(c->c_store));
	/* back from active: the table was used (and emptied) */
	if (role != HA_ROLE_ACTIVE && c->c_role == HA_ROLE_ACTIVE) {
		c->c_bulk = HA_BULK_PENDING;
		c->c_bulk_req_ms = 0;
	}
	c->c_role = role;
	ha_chan_send_hello(c);
}

int
ha_chan_role(const struct ha_chan *c)
{
	return (c->c_role);
}

int
ha_chan_send(struct ha_chan *c, uint8_t type, const uint8_t *pl, size_t len)
{
	if (c->c_role != HA_ROLE_ACTIVE)
		return (1);
	return (ha_chan_tx(c, type, pl, len));
}

int
ha_chan_bulk_mark(struct ha_chan *c, uint8_t type, uint32_t id,
    uint32_t count)
{
	struct ha_bulk_rec	 br;
	uint8_t			 pl[HA_BULK_LEN];

	br.br_id = id;
	br.br_count = type == HA_REC_BULK_END ? count : 0;
	if ((type != HA_REC_BULK_BEGIN && type != HA_REC_BULK_END) ||
	    ha_bulk_encode(&br, pl, sizeof(pl)) == -1)
		return (-1);
	return (ha_chan_send(c, type, pl, sizeof(pl)));
}

void
ha_chan_bulk_cb_set(struct ha_chan *c, void (*fn)(void *, uint32_t),
    void *arg)
{
	c->c_bulk_fn = fn;
	c->c_bulk_arg = arg;
}

void
ha_chan_bulk_cb_drop(struct ha_chan *c, void *arg)
{
	if (c->c_bulk_arg == arg) {
		c->c_bulk_fn = NULL;
		c->c_bulk_arg = NULL;
	}
}

int
ha_chan_bulk_complete(const struct ha_chan *c)
{
	return (c->c_bulk == HA_BULK_COMPLETE);
}

void
ha_chan_test_cut(struct ha_chan *c, int cut)
{
	c->c_test_cut = cut;
}

const struct ha_store *
ha_chan_store(const struct ha_chan *c)
{
	return (c->c_store);
}

void
ha_chan_store_clear(struct ha_chan *c)
{
	ha_store_clear(c->c_store);
}

void
ha_chan_status(const struct ha_chan *c, struct ha_status *st)
{
	memset(st, 0, sizeof(*st));
	st->hs_role = c->c_role;
	st->hs_priority = c->c_priority;
	st->hs_node = c->c_tx.tx_node;
	snprintf(st->hs_ifname, sizeof(st->hs_ifname), "%s", c->c_ifname);
	st->hs_peer = c->c_peer;
	st->hs_local = c->c_local;
	st->hs_peer_seen = c->c_peer_seen;
	st->hs_peer_alive = ha_chan_alive(c, ha_now_ms());
	st->hs_peer_last = c->c_peer_last;
	st->hs_peer_role = c->c_peer_role;
	st->hs_peer_priority = c->c_peer_priority;
	st->hs_peer_synced = c->c_peer_synced;
	st->hs_tx = c->c_tx_count;
	st->hs_tx_errors = c->c_tx_errors;
	memcpy(st->hs_rx, c->c_rx.rx_count, sizeof(st->hs_rx));
	memcpy(st->hs_tx_type, c->c_tx_type, sizeof(st->hs_tx_type));
	st->hs_sync_ike = ha_store_nike(c->c_store);
	st->hs_sync_child = ha_store_nchild(c->c_store);
	st->hs_store_full = c->c_store_full;
	st->hs_bulk = c->c_bulk;
	st->hs_bulk_records = c->c_bulk_records;
	st->hs_bulk_dumps = c->c_bulk_dumps;
	st->hs_bulk_retries = c->c_bulk_retries;
	st->hs_bulk_served = c->c_bulk_served;
	st->hs_seq_moved = c->c_seq_moved;
}

int
ha_chan_key_same(const struct ha_chan *c, const uint8_t *synckey, size_t len)
{
	uint8_t	 prk[32];
	int	 same;

	if (ha_kdf_prk(synckey, len, prk) == -1)
		return (0);
	same = CRYPTO_memcmp(prk, c->c_rx.rx_prk, sizeof(prk)) == 0;
	OPENSSL_cleanse(prk, sizeof(prk));
	return (same);
}

uint16_t
ha_chan_port(const struct ha_chan *c)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);

	if (getsockname(c->c_fd, (struct sockaddr *)&sin, &len) == -1)
		return (0);
	return (ntohs(sin.sin_port));
}

void
ha_chan_test_peer(struct ha_chan *c, const struct sockaddr_in *peer)
{
	c->c_peer = *peer;
}

void
ha_chan_test_timing(struct ha_chan *c, unsigned hello_ms, unsigned dead_ms)
{
	c->c_hello_ms = hello_ms;
	c->c_dead_ms = dead_ms;
	evtimer_del(c->c_timer);
	ha_chan_arm(c);
}

void
ha_chan_close(struct ha_chan *c)
{
	if (c == NULL)
		return;
	if (c->c_rd != NULL)
		event_free(c->c_rd);
	if (c->c_timer != NULL)
		event_free(c->c_timer);
	if (c->c_fd != -1)
		close(c->c_fd);
	ha_sync_wipe(&c->c_tx, &c->c_rx);
	ha_store_free(c->c_store);
	OPENSSL_cleanse(c->c_pt, sizeof(c->c_pt));
	free(c);
}
