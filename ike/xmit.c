/*
 * xmit.c - retransmission and reply cache of one exchange, for both IKE
 * versions (see xmit.h).
 */
#include <string.h>

#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "common/buf.h"
#include "ike/xmit.h"

int
ike_xmit_timer(struct ike_xmit *x, struct event_base *base,
    event_callback_fn cb, void *arg)
{
	if (x->x_ev == NULL && (x->x_ev = evtimer_new(base, cb, arg)) == NULL)
		return (-1);
	return (0);
}

void
ike_xmit_take(struct ike_xmit *x, struct buf *b, int waiting)
{
	ike_xmit_stop(x);
	buf_free(x->x_out);
	/* kept until the next message: no room beyond it (a message is
	 * built in a buffer of 1 KB or more, most are a few hundred
	 * bytes; issue 11) */
	if (b != NULL)
		(void)buf_shrink(b);
	x->x_out = b;
	x->x_tries = 0;
	x->x_waiting = waiting;
	x->x_answers = x->x_in_set;
}

void
ike_xmit_arm(struct ike_xmit *x, unsigned ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	if (x->x_ev != NULL)
		evtimer_add(x->x_ev, &tv);
}

unsigned
ike_xmit_backoff(unsigned first_ms, int tries)
{
	if (tries < 0)
		tries = 0;
	if (tries > 16)
		tries = 16;
	return (first_ms << tries);
}

enum ike_xmit_next
ike_xmit_due(struct ike_xmit *x, int max)
{
	if (!x->x_waiting || x->x_out == NULL)
		return (IKE_XMIT_IDLE);
	if (++x->x_tries > max) {
		x->x_waiting = 0;
		return (IKE_XMIT_GIVE_UP);
	}
	return (IKE_XMIT_RESEND);
}

void
ike_xmit_stop(struct ike_xmit *x)
{
	if (x->x_ev != NULL)
		evtimer_del(x->x_ev);
	x->x_waiting = 0;
}

void
ike_xmit_done(struct ike_xmit *x)
{
	ike_xmit_stop(x);
	buf_free(x->x_out);
	x->x_out = NULL;
}

void
ike_xmit_clear(struct ike_xmit *x)
{
	ike_xmit_stop(x);
	if (x->x_ev != NULL)
		event_free(x->x_ev);
	x->x_ev = NULL;
	buf_free(x->x_out);
	x->x_out = NULL;
	x->x_in_set = x->x_answers = 0;
}

static int
ike_xmit_md(const uint8_t *pkt, size_t len, uint8_t md[32])
{
	unsigned	 n = 0;

	if (EVP_Digest(pkt, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return (-1);
	return (0);
}

void
ike_xmit_heard(struct ike_xmit *x, const uint8_t *pkt, size_t len)
{
	x->x_in_set = ike_xmit_md(pkt, len, x->x_in_md) == 0;
	x->x_in_len = len;
	x->x_answers = 0;
}

int
ike_xmit_repeat(const struct ike_xmit *x, const uint8_t *pkt, size_t len)
{
	uint8_t	 md[32];

	/* IKEv1 asks for every datagram of an SA: no digest unless the
	 * length matches */
	if (!x->x_in_set || len != x->x_in_len ||
	    ike_xmit_md(pkt, len, md) == -1)
		return (0);
	return (CRYPTO_memcmp(md, x->x_in_md, sizeof(md)) == 0);
}

const struct buf *
ike_xmit_answer(const struct ike_xmit *x)
{
	return (x->x_out != NULL && x->x_answers ? x->x_out : NULL);
}
