/*
 * fuzz_ha_state.c - libFuzzer target for the HA state sync payloads
 * (ike/ha_state.c) and the standby's table (ike/ha_store.c): the input
 * is a sequence of chunks (1 byte type 0..5: IKE SA, CHILD SA, DELETE,
 * SEQ_ADVANCE, a BULK_* payload, a bulk dump's start or end (an empty
 * chunk starts one, any other ends it: the table sweeps); 2-byte
 * big-endian length; that many bytes), each decoded and, when
 * well-formed, encoded again (it must give the same bytes) and applied
 * to one table, as the channel does with authentic records.
 *
 * FUZZ_SOURCES: ike/ha_state.c ike/ha_store.c common/buf.c
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ike/ha_state.h"
#include "ike/ha_store.h"
#include "ike/ha_sync.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static uint8_t			 out[HA_PAYLOAD_MAX];
static struct ha_ike_rec	 ir;
static struct ha_seq_rec	 sr;

/* A decoded record encodes back to the very bytes it came from. */
static void
fuzz_same(int n, const uint8_t *c, size_t clen)
{
	if (n < 0 || (size_t)n != clen || memcmp(out, c, clen) != 0)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct ha_store		*s;
	struct ha_child_rec	 cr;
	struct ha_del_rec	 dr;
	struct ha_bulk_rec	 br;
	const uint8_t		*c;
	int			 i;
	size_t			 clen;
	uint8_t			 type;

	if ((s = ha_store_new()) == NULL)
		return (0);
	while (len >= 3) {
		type = data[0] % 6;
		clen = (size_t)data[1] << 8 | data[2];
		data += 3;
		len -= 3;
		if (clen > len)
			clen = len;
		c = data;
		data += clen;
		len -= clen;
		switch (type) {
		case 0:
			if (ha_ike_decode(c, clen, &ir) == 0) {
				fuzz_same(ha_ike_encode(&ir, out, sizeof(out)),
				    c, clen);
				(void)ha_store_ike_put(s, &ir);
			}
			ha_ike_clear(&ir);
			break;
		case 1:
			if (ha_child_decode(c, clen, &cr) == 0) {
				fuzz_same(ha_child_encode(&cr, out,
				    sizeof(out)), c, clen);
				(void)ha_store_child_put(s, &cr);
			}
			ha_child_clear(&cr);
			break;
		case 2:
			if (ha_del_decode(c, clen, &dr) == 0) {
				fuzz_same(ha_del_encode(&dr, out, sizeof(out)),
				    c, clen);
				(void)ha_store_del(s, &dr);
			}
			break;
		case 3:
			if (ha_seq_decode(c, clen, &sr) == 0) {
				fuzz_same(ha_seq_encode(&sr, out, sizeof(out)),
				    c, clen);
				for (i = 0; i < sr.sr_n; i++)
					(void)ha_store_seq(s,
					    sr.sr_e[i].se_proto,
					    sr.sr_e[i].se_spi_in,
					    sr.sr_e[i].se_seq);
			}
			break;
		case 4:
			if (ha_bulk_decode(c, clen, &br) == 0)
				fuzz_same(ha_bulk_encode(&br, out,
				    sizeof(out)), c, clen);
			break;
		default:
			if (clen == 0)
				ha_store_gen_next(s);
			else
				(void)ha_store_sweep(s);
			break;
		}
	}
	if (ha_store_nike(s) > HA_STORE_IKE_MAX ||
	    ha_store_nchild(s) > HA_STORE_CHILD_MAX)
		__builtin_trap();
	ha_store_free(s);
	return (0);
}
