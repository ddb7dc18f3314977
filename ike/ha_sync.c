/*
 * ha_sync.c - the HA sync channel's records: key derivation, sealing
 * and the receiver's checks (see ha_sync.h for the layout).
 *
 * The receiver's order: lengths and the fixed header fields first (a
 * record is never read past what arrived), then the sender's epoch (an
 * epoch older than the peer's current one is dropped at once), then the
 * tag under the key of the record's node and epoch, and only then the
 * replay window.  A record from a newer epoch (the peer restarted) moves
 * the receiver to that epoch once it authenticates: a forged header
 * cannot reset the window.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ike/ha_sync.h"

#define HA_PRK_LABEL	"gatewayd ha sync v1 prk"
#define HA_KEY_LABEL	"gatewayd ha sync v1 record key"
#define HA_NONCE_LEN	12

static const char *const ha_verdict_names[HA_NVERDICTS] = {
	"ok", "bad-length", "bad-version", "bad-tag", "replay", "old-epoch",
	"reflected", "bad-type"
};

const char *
ha_verdict_name(enum ha_verdict v)
{
	if ((unsigned)v >= HA_NVERDICTS)
		return ("unknown");
	return (ha_verdict_names[v]);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

static uint64_t
get64(const uint8_t *p)
{
	return ((uint64_t)get32(p) << 32 | get32(p + 4));
}

int
ha_kdf_prk(const uint8_t *synckey, size_t len, uint8_t prk[32])
{
	unsigned int	 outlen = 0;

	if (HMAC(EVP_sha256(), HA_PRK_LABEL, (int)strlen(HA_PRK_LABEL),
	    synckey, len, prk, &outlen) == NULL || outlen != 32)
		return (-1);
	return (0);
}

int
ha_kdf_record_key(const uint8_t prk[32], uint32_t node, uint64_t epoch,
    uint8_t key[HA_KEY_LEN])
{
	uint8_t		 info[sizeof(HA_KEY_LABEL) - 1 + 4 + 8 + 1];
	size_t		 l = sizeof(HA_KEY_LABEL) - 1;
	unsigned int	 outlen = 0;

	memcpy(info, HA_KEY_LABEL, l);
	put32(info + l, node);
	put64(info + l + 4, epoch);
	info[l + 12] = 0x01;
	if (HMAC(EVP_sha256(), prk, 32, info, sizeof(info), key,
	    &outlen) == NULL || outlen != HA_KEY_LEN)
		return (-1);
	return (0);
}

int
ha_tx_init(struct ha_tx *tx, const uint8_t prk[32], uint32_t node,
    uint64_t epoch)
{
	memset(tx, 0, sizeof(*tx));
	tx->tx_node = node;
	tx->tx_epoch = epoch;
	return (ha_kdf_record_key(prk, node, epoch, tx->tx_key));
}

void
ha_rx_init(struct ha_rx *rx, const uint8_t prk[32], uint32_t self)
{
	memset(rx, 0, sizeof(*rx));
	memcpy(rx->rx_prk, prk, sizeof(rx->rx_prk));
	rx->rx_self = self;
}

void
ha_sync_wipe(struct ha_tx *tx, struct ha_rx *rx)
{
	if (tx != NULL)
		OPENSSL_cleanse(tx->tx_key, sizeof(tx->tx_key));
	if (rx != NULL) {
		OPENSSL_cleanse(rx->rx_prk, sizeof(rx->rx_prk));
		OPENSSL_cleanse(rx->rx_key, sizeof(rx->rx_key));
	}
}

static void
ha_nonce(uint8_t nonce[HA_NONCE_LEN], uint64_t seq)
{
	memset(nonce, 0, 4);
	put64(nonce + 4, seq);
}

/* AES-256-GCM one way or the other; 0 or -1 (for decryption: bad tag). */
static int
ha_gcm(int enc, const uint8_t key[HA_KEY_LEN], uint64_t seq,
    const uint8_t *aad, const uint8_t *in, size_t len, uint8_t *out,
    uint8_t tag[HA_TAG_LEN])
{
	EVP_CIPHER_CTX	*c;
	uint8_t		 nonce[HA_NONCE_LEN];
	int		 n, rv = -1;

	if ((c = EVP_CIPHER_CTX_new()) == NULL)
		return (-1);
	ha_nonce(nonce, seq);
	if (EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL,
	    enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, HA_NONCE_LEN,
	    NULL) != 1 ||
	    EVP_CipherInit_ex(c, NULL, NULL, key, nonce, enc) != 1 ||
	    EVP_CipherUpdate(c, NULL, &n, aad, HA_HDR_LEN) != 1)
		goto done;
	if (len > 0 && EVP_CipherUpdate(c, out, &n, in, (int)len) != 1)
		goto done;
	if (!enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, HA_TAG_LEN,
	    tag) != 1)
		goto done;
	if (EVP_CipherFinal_ex(c, out + len, &n) != 1)
		goto done;
	if (enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, HA_TAG_LEN,
	    tag) != 1)
		goto done;
	rv = 0;
 done:
	EVP_CIPHER_CTX_free(c);
	return (rv);
}

static void
ha_hdr_put(uint8_t *p, uint8_t type, uint32_t node, uint64_t epoch,
    uint64_t seq, uint32_t len)
{
	put32(p, HA_MAGIC);
	p[4] = HA_VERSION;
	p[5] = type;
	p[6] = p[7] = 0;
	put32(p + 8, node);
	put64(p + 12, epoch);
	put64(p + 20, seq);
	put32(p + 28, len);
}

int
ha_seal(struct ha_tx *tx, uint8_t type, const uint8_t *pl, size_t len,
    uint8_t *out, size_t outlen)
{
	size_t	 total = HA_HDR_LEN + len + HA_TAG_LEN;

	if (len > HA_PAYLOAD_MAX || outlen < total ||
	    tx->tx_seq == UINT64_MAX)
		return (-1);
	tx->tx_seq++;
	ha_hdr_put(out, type, tx->tx_node, tx->tx_epoch, tx->tx_seq,
	    (uint32_t)len);
	if (ha_gcm(1, tx->tx_key, tx->tx_seq, out, pl, len, out + HA_HDR_LEN,
	    out + HA_HDR_LEN + len) == -1)
		return (-1);
	return ((int)total);
}

static int
ha_type_known(uint8_t t)
{
	return (t >= HA_REC_HELLO && t <= HA_REC_BULK_END);
}

/* Is seq new in the current epoch's window?  Does not change it. */
static int
ha_window_check(const struct ha_rx *rx, uint64_t seq)
{
	uint64_t	 off;

	if (seq == 0)
		return (0);
	if (seq > rx->rx_top)
		return (1);
	off = rx->rx_top - seq;
	if (off >= HA_WINDOW)
		return (0);
	return (!(rx->rx_bitmap[off / 64] & (1ULL << (off % 64))));
}

/* Shifts the bitmap left by n positions (bit i moves to i + n). */
static void
ha_window_shift(struct ha_rx *rx, uint64_t n)
{
	uint64_t	 w[HA_WINDOW / 64];
	size_t		 words = HA_WINDOW / 64, i, ws, bs;

	if (n >= HA_WINDOW) {
		memset(rx->rx_bitmap, 0, sizeof(rx->rx_bitmap));
		return;
	}
	ws = (size_t)(n / 64);
	bs = (size_t)(n % 64);
	memset(w, 0, sizeof(w));
	for (i = words; i-- > ws; ) {
		w[i] = rx->rx_bitmap[i - ws] << bs;
		if (bs != 0 && i - ws > 0)
			w[i] |= rx->rx_bitmap[i - ws - 1] >> (64 - bs);
	}
	memcpy(rx->rx_bitmap, w, sizeof(w));
}

static void
ha_window_update(struct ha_rx *rx, uint64_t seq)
{
	uint64_t	 off;

	if (seq > rx->rx_top) {
		ha_window_shift(rx, seq - rx->rx_top);
		rx->rx_top = seq;
	}
	off = rx->rx_top - seq;
	rx->rx_bitmap[off / 64] |= 1ULL << (off % 64);
}

static enum ha_verdict
ha_verdict(struct ha_rx *rx, enum ha_verdict v)
{
	rx->rx_count[v]++;
	return (v);
}

enum ha_verdict
ha_open(struct ha_rx *rx, const uint8_t *rec, size_t len,
    struct ha_hdr *hdr, uint8_t *pt, size_t ptlen)
{
	uint8_t		 key[HA_KEY_LEN], *keyp;
	uint8_t		 tag[HA_TAG_LEN];
	struct ha_hdr	 h;
	int		 newer;

	if (len < HA_HDR_LEN + HA_TAG_LEN)
		return (ha_verdict(rx, HA_BAD_LENGTH));
	if (get32(rec) != HA_MAGIC || rec[4] != HA_VERSION || rec[6] != 0 ||
	    rec[7] != 0)
		return (ha_verdict(rx, HA_BAD_VERSION));
	h.h_version = rec[4];
	h.h_type = rec[5];
	h.h_node = get32(rec + 8);
	h.h_epoch = get64(rec + 12);
	h.h_seq = get64(rec + 20);
	h.h_len = get32(rec + 28);
	if (h.h_len > HA_PAYLOAD_MAX || h.h_len > ptlen ||
	    (size_t)h.h_len != len - HA_HDR_LEN - HA_TAG_LEN)
		return (ha_verdict(rx, HA_BAD_LENGTH));
	if (!ha_type_known(h.h_type))
		return (ha_verdict(rx, HA_BAD_TYPE));
	if (h.h_node == rx->rx_self)
		return (ha_verdict(rx, HA_REFLECTED));
	if (h.h_seq == 0)		/* never sent */
		return (ha_verdict(rx, HA_REPLAY));
	if (rx->rx_have && h.h_epoch < rx->rx_epoch)
		return (ha_verdict(rx, HA_OLD_EPOCH));
	/* the same epoch from another node id is not the peer we know */
	if (rx->rx_have && h.h_epoch == rx->rx_epoch &&
	    h.h_node != rx->rx_node)
		return (ha_verdict(rx, HA_OLD_EPOCH));
	newer = !rx->rx_have || h.h_epoch > rx->rx_epoch;
	if (newer) {
		if (ha_kdf_record_key(rx->rx_prk, h.h_node, h.h_epoch,
		    key) == -1)
			return (ha_verdict(rx, HA_BAD_TAG));
		keyp = key;
	} else
		keyp = rx->rx_key;
	memcpy(tag, rec + HA_HDR_LEN + h.h_len, HA_TAG_LEN);
	if (ha_gcm(0, keyp, h.h_seq, rec, rec + HA_HDR_LEN, h.h_len, pt,
	    tag) == -1) {
		OPENSSL_cleanse(key, sizeof(key));
		OPENSSL_cleanse(pt, h.h_len);
		return (ha_verdict(rx, HA_BAD_TAG));
	}
	if (newer) {
		/* authentic and newer: the peer's new epoch */
		rx->rx_have = 1;
		rx->rx_node = h.h_node;
		rx->rx_epoch = h.h_epoch;
		memcpy(rx->rx_key, key, sizeof(rx->rx_key));
		OPENSSL_cleanse(key, sizeof(key));
		rx->rx_top = 0;
		memset(rx->rx_bitmap, 0, sizeof(rx->rx_bitmap));
	}
	if (!ha_window_check(rx, h.h_seq)) {
		OPENSSL_cleanse(pt, h.h_len);
		return (ha_verdict(rx, HA_REPLAY));
	}
	ha_window_update(rx, h.h_seq);
	*hdr = h;
	return (ha_verdict(rx, HA_OK));
}

void
ha_hello_encode(uint8_t out[HA_HELLO_LEN], int role, uint32_t priority,
    uint8_t flags)
{
	out[0] = (uint8_t)role;
	out[1] = flags & HA_HELLO_SYNCED;
	out[2] = out[3] = 0;
	put32(out + 4, priority);
}

int
ha_hello_decode(const uint8_t *pl, size_t len, int *role,
    uint32_t *priority, uint8_t *flags)
{
	if (len != HA_HELLO_LEN || (pl[1] & ~HA_HELLO_SYNCED) != 0 ||
	    pl[2] != 0 || pl[3] != 0 || pl[0] > HA_ROLE_FAULT)
		return (-1);
	*role = pl[0];
	*flags = pl[1];
	*priority = get32(pl + 4);
	return (0);
}
