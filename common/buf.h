/*
 * buf.h - the one owned byte buffer type and a bounded read cursor.
 *
 * A struct buf owns its storage; buf_free() wipes it before freeing, so
 * key material can live in a buf.  A struct cur borrows bytes and every
 * cur_get_*() fails (-1) on a short read instead of reading past the end.
 */
#ifndef GW_BUF_H
#define GW_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t	*buf_data;
	size_t	 buf_len;
	size_t	 buf_cap;
};

/* Returns an owned, empty buffer with room for cap bytes, or NULL. */
struct buf	*buf_new(size_t cap);
/* Returns an owned copy of data[0..len), or NULL. */
struct buf	*buf_new_data(const void *data, size_t len);
/* Returns an owned copy of b (NULL in, NULL out). */
struct buf	*buf_dup(const struct buf *b);
/* Wipes and frees b; accepts NULL. */
void		 buf_free(struct buf *b);
/* Wipes the contents and sets the length to 0; keeps the storage. */
void		 buf_reset(struct buf *b);
/*
 * Storage cut to the contents (buf_cap = buf_len), the old storage wiped:
 * for a buffer that is kept (a cached message).  0, or -1 (no memory:
 * b is unchanged).  An empty b keeps its storage.
 */
int		 buf_shrink(struct buf *b);
/* Appends; 0 or -1 (out of memory). */
int		 buf_add(struct buf *b, const void *data, size_t len);
/* Appends printf-formatted text (no NUL); 0, or -1 out of memory. */
int		 buf_addf(struct buf *b, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
int		 buf_add_u8(struct buf *b, uint8_t v);
int		 buf_add_u16(struct buf *b, uint16_t v);	/* big endian */
int		 buf_add_u32(struct buf *b, uint32_t v);	/* big endian */
int		 buf_add_zero(struct buf *b, size_t len);
/* Appends len bytes and returns a pointer to them (valid until the next
 * append), or NULL. */
uint8_t		*buf_reserve(struct buf *b, size_t len);
/* Overwrites bytes at off (off + size must be <= buf_len). */
void		 buf_set_u8(struct buf *b, size_t off, uint8_t v);
void		 buf_set_u16(struct buf *b, size_t off, uint16_t v);
void		 buf_set_u32(struct buf *b, size_t off, uint32_t v);

struct cur {
	const uint8_t	*cur_p;
	size_t		 cur_len;
};

void		 cur_init(struct cur *c, const void *data, size_t len);
size_t		 cur_left(const struct cur *c);
int		 cur_get_u8(struct cur *c, uint8_t *v);
int		 cur_get_u16(struct cur *c, uint16_t *v);
int		 cur_get_u32(struct cur *c, uint32_t *v);
/* Copies n bytes to out. */
int		 cur_get_bytes(struct cur *c, void *out, size_t n);
/* Lends a pointer to the next n bytes and advances. */
int		 cur_get_ptr(struct cur *c, const uint8_t **p, size_t n);
/* Splits off the next n bytes as a sub-cursor and advances. */
int		 cur_get_sub(struct cur *c, size_t n, struct cur *sub);
int		 cur_skip(struct cur *c, size_t n);

/* Lowercase hex of data into out (2*len+1 bytes). */
void		 hex_encode(const uint8_t *data, size_t len, char *out);
/* Parses hex (no separators) into out; returns bytes written or -1. */
int		 hex_decode(const char *hex, uint8_t *out, size_t outlen);

#endif
