/*
 * pld.h - writing a chain of payloads with the generic payload header
 * both IKE versions use (RFC 2408 §3.2, RFC 7296 §3.2): next payload (1
 * byte), reserved / critical flag (1), payload length (2), then the body.
 * Each payload's type is written into the previous payload's (or the
 * message header's) next-payload byte once the payload is complete.
 */
#ifndef GW_PLD_H
#define GW_PLD_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define PLD_GENERIC_LEN		4	/* next, reserved/critical, length */

struct pld_writer {
	struct buf	*w_buf;
	size_t		 w_next_off;	/* offset of the byte that will name
					   the next payload's type; SIZE_MAX:
					   store it in w_first instead */
	uint8_t		 w_first;	/* first payload type of the chain */
};

/* A chain that starts in w_first (no header in b yet). */
void	pld_writer_init(struct pld_writer *w, struct buf *b);
/* Appends a zeroed generic header; *off is its offset.  0 or -1. */
int	pld_begin(struct pld_writer *w, size_t *off);
/*
 * Finishes the payload at off: sets its length and links it (pld_link).
 * !ok, or a payload longer than 65535 bytes: the payload is removed, -1.
 */
int	pld_end(struct pld_writer *w, uint8_t type, size_t off, int ok);
/* Names type in the previous next-payload byte; off chains the next. */
void	pld_link(struct pld_writer *w, uint8_t type, size_t off);
/* Sets the 4-byte length at offset 24 of a message of >= hdrlen bytes. */
void	pld_msg_set_length(struct buf *b, size_t hdrlen);

#endif
