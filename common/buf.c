/*
 * buf.c - owned buffers and bounded read cursors.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "buf.h"

struct buf *
buf_new(size_t cap)
{
	struct buf	*b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return (NULL);
	if (cap == 0)
		cap = 64;
	if ((b->buf_data = malloc(cap)) == NULL) {
		free(b);
		return (NULL);
	}
	b->buf_cap = cap;
	return (b);
}

struct buf *
buf_new_data(const void *data, size_t len)
{
	struct buf	*b;

	if ((b = buf_new(len)) == NULL)
		return (NULL);
	if (buf_add(b, data, len) == -1) {
		buf_free(b);
		return (NULL);
	}
	return (b);
}

struct buf *
buf_dup(const struct buf *b)
{
	if (b == NULL)
		return (NULL);
	return (buf_new_data(b->buf_data, b->buf_len));
}

void
buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	if (b->buf_data != NULL)
		OPENSSL_cleanse(b->buf_data, b->buf_cap);
	free(b->buf_data);
	free(b);
}

void
buf_reset(struct buf *b)
{
	OPENSSL_cleanse(b->buf_data, b->buf_cap);
	b->buf_len = 0;
}

int
buf_shrink(struct buf *b)
{
	uint8_t	*n;

	if (b->buf_len == 0 || b->buf_len == b->buf_cap)
		return (0);
	if ((n = malloc(b->buf_len)) == NULL)
		return (-1);
	memcpy(n, b->buf_data, b->buf_len);
	OPENSSL_cleanse(b->buf_data, b->buf_cap);
	free(b->buf_data);
	b->buf_data = n;
	b->buf_cap = b->buf_len;
	return (0);
}

static int
buf_grow(struct buf *b, size_t need)
{
	uint8_t	*n;
	size_t	 cap;

	if (need <= b->buf_cap - b->buf_len)
		return (0);
	if (need > SIZE_MAX / 2 - b->buf_len)
		return (-1);
	cap = b->buf_cap * 2;
	if (cap < b->buf_len + need)
		cap = b->buf_len + need;
	/* Not realloc: the old storage may hold secrets and must be wiped. */
	if ((n = malloc(cap)) == NULL)
		return (-1);
	memcpy(n, b->buf_data, b->buf_len);
	OPENSSL_cleanse(b->buf_data, b->buf_cap);
	free(b->buf_data);
	b->buf_data = n;
	b->buf_cap = cap;
	return (0);
}

uint8_t *
buf_reserve(struct buf *b, size_t len)
{
	uint8_t	*p;

	if (buf_grow(b, len) == -1)
		return (NULL);
	p = b->buf_data + b->buf_len;
	b->buf_len += len;
	return (p);
}

int
buf_add(struct buf *b, const void *data, size_t len)
{
	uint8_t	*p;

	if (len == 0)
		return (0);
	if ((p = buf_reserve(b, len)) == NULL)
		return (-1);
	memcpy(p, data, len);
	return (0);
}

int
buf_add_zero(struct buf *b, size_t len)
{
	uint8_t	*p;

	if (len == 0)
		return (0);
	if ((p = buf_reserve(b, len)) == NULL)
		return (-1);
	memset(p, 0, len);
	return (0);
}

int
buf_add_u8(struct buf *b, uint8_t v)
{
	return (buf_add(b, &v, 1));
}

int
buf_add_u16(struct buf *b, uint16_t v)
{
	uint8_t	x[2] = { v >> 8, v & 0xff };

	return (buf_add(b, x, 2));
}

int
buf_add_u32(struct buf *b, uint32_t v)
{
	uint8_t	x[4] = { v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff };

	return (buf_add(b, x, 4));
}

void
buf_set_u8(struct buf *b, size_t off, uint8_t v)
{
	b->buf_data[off] = v;
}

void
buf_set_u16(struct buf *b, size_t off, uint16_t v)
{
	b->buf_data[off] = v >> 8;
	b->buf_data[off + 1] = v & 0xff;
}

void
buf_set_u32(struct buf *b, size_t off, uint32_t v)
{
	b->buf_data[off] = v >> 24;
	b->buf_data[off + 1] = (v >> 16) & 0xff;
	b->buf_data[off + 2] = (v >> 8) & 0xff;
	b->buf_data[off + 3] = v & 0xff;
}

void
cur_init(struct cur *c, const void *data, size_t len)
{
	c->cur_p = data;
	c->cur_len = len;
}

size_t
cur_left(const struct cur *c)
{
	return (c->cur_len);
}

int
cur_get_ptr(struct cur *c, const uint8_t **p, size_t n)
{
	if (n > c->cur_len)
		return (-1);
	*p = c->cur_p;
	c->cur_p += n;
	c->cur_len -= n;
	return (0);
}

int
cur_get_bytes(struct cur *c, void *out, size_t n)
{
	const uint8_t	*p;

	if (cur_get_ptr(c, &p, n) == -1)
		return (-1);
	if (n > 0)
		memcpy(out, p, n);
	return (0);
}

int
cur_get_u8(struct cur *c, uint8_t *v)
{
	return (cur_get_bytes(c, v, 1));
}

int
cur_get_u16(struct cur *c, uint16_t *v)
{
	const uint8_t	*p;

	if (cur_get_ptr(c, &p, 2) == -1)
		return (-1);
	*v = (uint16_t)(p[0] << 8 | p[1]);
	return (0);
}

int
cur_get_u32(struct cur *c, uint32_t *v)
{
	const uint8_t	*p;

	if (cur_get_ptr(c, &p, 4) == -1)
		return (-1);
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	return (0);
}

int
cur_get_sub(struct cur *c, size_t n, struct cur *sub)
{
	const uint8_t	*p;

	if (cur_get_ptr(c, &p, n) == -1)
		return (-1);
	cur_init(sub, p, n);
	return (0);
}

int
cur_skip(struct cur *c, size_t n)
{
	const uint8_t	*p;

	return (cur_get_ptr(c, &p, n));
}

void
hex_encode(const uint8_t *data, size_t len, char *out)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static int
hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

int
hex_decode(const char *hex, uint8_t *out, size_t outlen)
{
	size_t	n = strlen(hex), i;
	int	hi, lo;

	if (n % 2 != 0 || n / 2 > outlen)
		return (-1);
	for (i = 0; i < n / 2; i++) {
		if ((hi = hex_val(hex[2 * i])) < 0 ||
		    (lo = hex_val(hex[2 * i + 1])) < 0)
			return (-1);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return ((int)(n / 2));
}

int
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;
	char	*p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (p = (char *)buf_reserve(b, (size_t)n + 1)) == NULL)
		return (-1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->buf_len--;		/* drop the NUL */
	return (0);
}
