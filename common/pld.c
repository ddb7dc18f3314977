/*
 * pld.c - the generic payload chain shared by the IKEv1 and IKEv2 codecs.
 */
#include <stdint.h>

#include "common/pld.h"

void
pld_writer_init(struct pld_writer *w, struct buf *b)
{
	w->w_buf = b;
	w->w_next_off = SIZE_MAX;
	w->w_first = 0;
}

int
pld_begin(struct pld_writer *w, size_t *off)
{
	*off = w->w_buf->buf_len;
	return (buf_add_zero(w->w_buf, PLD_GENERIC_LEN));
}

void
pld_link(struct pld_writer *w, uint8_t type, size_t off)
{
	if (w->w_next_off == SIZE_MAX)
		w->w_first = type;
	else
		buf_set_u8(w->w_buf, w->w_next_off, type);
	w->w_next_off = off;
}

int
pld_end(struct pld_writer *w, uint8_t type, size_t off, int ok)
{
	struct buf	*b = w->w_buf;
	size_t		 len = b->buf_len - off;

	if (!ok || len > UINT16_MAX) {
		b->buf_len = off;
		return (-1);
	}
	buf_set_u16(b, off + 2, (uint16_t)len);
	pld_link(w, type, off);
	return (0);
}

void
pld_msg_set_length(struct buf *b, size_t hdrlen)
{
	if (b->buf_len >= hdrlen)
		buf_set_u32(b, 24, (uint32_t)b->buf_len);
}
