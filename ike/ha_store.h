/*
 * ha_store.h - the standby's table of the SAs the active node synced:
 * IKE SAs by their SPIs, CHILD SAs by protocol and inbound SPI, each the
 * decoded record (ha_state.h) as it last came.  An IKE SA record
 * replaces the one of the same SPIs and adopts the CHILD SAs it lists;
 * a DELETE removes one, an IKE SA's with its CHILD SAs.  The records'
 * keys are wiped when they leave.  No sockets and no timers.
 */
#ifndef GW_HA_STORE_H
#define GW_HA_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "ike/ha_state.h"

/* At most this many of each kind: an authentic but runaway peer cannot
 * take all memory. */
#define HA_STORE_IKE_MAX	65536
#define HA_STORE_CHILD_MAX	262144

struct ha_store;

/* An empty table, or NULL (out of memory). */
struct ha_store	*ha_store_new(void);
/* Frees the table, every record's keys wiped; accepts NULL. */
void		 ha_store_free(struct ha_store *s);
/* Copies r in (replacing the one of its SPIs).  0, or -1 (full or out
 * of memory). */
int		 ha_store_ike_put(struct ha_store *s,
		    const struct ha_ike_rec *r);
int		 ha_store_child_put(struct ha_store *s,
		    const struct ha_child_rec *r);
/* Applies a DELETE: 1 if something was removed, 0 if nothing matched. */
int		 ha_store_del(struct ha_store *s, const struct ha_del_rec *r);
/* Lends the record, or NULL. */
const struct ha_ike_rec *ha_store_ike_get(const struct ha_store *s,
		    const uint8_t spi_i[8], const uint8_t spi_r[8]);
const struct ha_child_rec *ha_store_child_get(const struct ha_store *s,
		    uint8_t proto, uint32_t spi_in);
size_t		 ha_store_nike(const struct ha_store *s);
size_t		 ha_store_nchild(const struct ha_store *s);
/* Calls fn with each record (lent), in no particular order; fn must
 * not change the table. */
void		 ha_store_ike_each(const struct ha_store *s,
		    void (*fn)(const struct ha_ike_rec *, void *), void *arg);
void		 ha_store_child_each(const struct ha_store *s,
		    void (*fn)(const struct ha_child_rec *, void *), void *arg);
/*
 * SEQ_ADVANCE: the CHILD SA's outbound sequence number becomes seq if
 * that is higher (the table keeps the highest seen; a CHILD_SA record
 * of the same SAs never lowers it either).  1 moved, 0 not (no such
 * CHILD SA, or not higher).
 */
int		 ha_store_seq(struct ha_store *s, uint8_t proto,
		    uint32_t spi_in, uint64_t seq);
/*
 * A bulk dump: ha_store_gen_next() as it begins, then every record put
 * is of the new generation; ha_store_sweep() at its end removes (keys
 * wiped) what the dump did not carry, and returns how many went.
 */
void		 ha_store_gen_next(struct ha_store *s);
size_t		 ha_store_sweep(struct ha_store *s);
/* Empties the table (keys wiped). */
void		 ha_store_clear(struct ha_store *s);

#endif
