/*
 * fuzz_ha_sync.c - libFuzzer target for the HA sync channel's record
 * decoder (ha_open, ike/ha_sync.c): a sequence of records into one
 * receiver.  The input is split into chunks (2-byte big-endian length,
 * then that many bytes); a chunk whose first byte is odd is sealed first
 * with the receiver's key, from fields the chunk gives (sender's node
 * and epoch, sequence number, type), so the fuzzer reaches the tag, the
 * epochs and the replay window and not only the length checks; an even
 * one goes to the decoder as it is, after that first byte.
 *
 * FUZZ_SOURCES: ike/ha_sync.c
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ike/ha_sync.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static uint8_t	 prk[32];
static int	 prk_done;

static uint64_t
get_n(const uint8_t *p, size_t n)
{
	uint64_t	 v = 0;
	size_t		 i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return (v);
}

/* chunk: 1 mode, 1 node (0..3), 2 epoch, 2 seq, 1 type, payload */
static size_t
fuzz_seal(const uint8_t *c, size_t clen, uint8_t *rec, size_t reclen)
{
	struct ha_tx	 tx;
	int		 n;

	if (clen < 7)
		return (0);
	if (ha_tx_init(&tx, prk, 1 + (c[1] & 3), get_n(c + 2, 2)) == -1)
		return (0);
	tx.tx_seq = get_n(c + 4, 2);	/* the next one is this + 1 */
	n = ha_seal(&tx, c[6], c + 7, clen - 7, rec, reclen);
	ha_sync_wipe(&tx, NULL);
	return (n > 0 ? (size_t)n : 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static uint8_t	 rec[HA_REC_MAX], pt[HA_PAYLOAD_MAX];
	struct ha_rx	 rx;
	struct ha_hdr	 h;
	const uint8_t	*c;
	size_t		 clen, rlen;
	enum ha_verdict	 v;
	uint64_t	 total = 0;
	int		 i;

	if (!prk_done) {
		static const uint8_t key[16] = "fuzz-sync-key-16";

		if (ha_kdf_prk(key, sizeof(key), prk) == -1)
			return (0);
		prk_done = 1;
	}
	ha_rx_init(&rx, prk, 0x7fffffff);
	while (len >= 2) {
		clen = (size_t)get_n(data, 2);
		data += 2;
		len -= 2;
		if (clen > len)
			clen = len;
		c = data;
		data += clen;
		len -= clen;
		if (clen > 0 && (c[0] & 1)) {
			if ((rlen = fuzz_seal(c, clen, rec, sizeof(rec))) == 0)
				continue;
			v = ha_open(&rx, rec, rlen, &h, pt, sizeof(pt));
		} else if (clen > 0)
			v = ha_open(&rx, c + 1, clen - 1, &h, pt, sizeof(pt));
		else
			v = ha_open(&rx, c, 0, &h, pt, sizeof(pt));
		if (v == HA_OK && (h.h_len > HA_PAYLOAD_MAX || h.h_seq == 0 ||
		    h.h_seq > rx.rx_top || h.h_epoch != rx.rx_epoch))
			__builtin_trap();
	}
	for (i = 0; i < HA_NVERDICTS; i++)
		total += rx.rx_count[i];
	(void)total;
	ha_sync_wipe(NULL, &rx);
	return (0);
}
