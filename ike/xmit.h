/*
 * xmit.h - one exchange's messages, for both IKE versions: our last
 * message with its retransmission timer (RFC 7296 §2.1, RFC 2408 §5),
 * and the reply cache.  An answer goes out again only for the very
 * message it answered (compared by SHA-256), never for another datagram
 * that merely carries the same message ID or cookies: a forged one with
 * a bad ICV gets nothing.
 */
#ifndef GW_IKE_XMIT_H
#define GW_IKE_XMIT_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

struct buf;

struct ike_xmit {
	struct buf	*x_out;		/* our last message, as sent */
	struct event	*x_ev;		/* its retransmission timer */
	int		 x_tries;	/* timer firings since it was sent */
	int		 x_waiting;	/* x_out is a request: resend it until
					   the answer */
	int		 x_answers;	/* x_out answers the message x_in_md */
	int		 x_in_set;
	size_t		 x_in_len;	/* its length: most others differ */
	uint8_t		 x_in_md[32];	/* SHA-256 of the peer's message */
};

/* What a retransmission timer that fired asks for (ike_xmit_due). */
enum ike_xmit_next {
	IKE_XMIT_IDLE = 0,	/* nothing is waiting */
	IKE_XMIT_RESEND,	/* send x_out again, then ike_xmit_arm() */
	IKE_XMIT_GIVE_UP	/* the tries are exhausted */
};

/* The timer (cb(arg) when it fires); 0 or -1. */
int		 ike_xmit_timer(struct ike_xmit *x, struct event_base *base,
		    event_callback_fn cb, void *arg);
/* b (owned from now on, its storage cut to its length, buf_shrink) is
 * our new last message; waiting: a request. */
void		 ike_xmit_take(struct ike_xmit *x, struct buf *b, int waiting);
/* The timer fires in ms. */
void		 ike_xmit_arm(struct ike_xmit *x, unsigned ms);
/* first_ms doubled tries times (at most 2^16 times). */
unsigned	 ike_xmit_backoff(unsigned first_ms, int tries);
/* The timer fired: counts it; IKE_XMIT_GIVE_UP after max resends. */
enum ike_xmit_next ike_xmit_due(struct ike_xmit *x, int max);
/* No more retransmission (answered, or given up). */
void		 ike_xmit_stop(struct ike_xmit *x);
/* Answered: stopped and forgotten (the timer stays). */
void		 ike_xmit_done(struct ike_xmit *x);
/* Stopped, timer and messages freed. */
void		 ike_xmit_clear(struct ike_xmit *x);
/* The peer's message that our next message answers. */
void		 ike_xmit_heard(struct ike_xmit *x, const uint8_t *pkt,
		    size_t len);
/* 1 if pkt is that message again (byte for byte). */
int		 ike_xmit_repeat(const struct ike_xmit *x, const uint8_t *pkt,
		    size_t len);
/* Our answer to it, or NULL. */
const struct buf *ike_xmit_answer(const struct ike_xmit *x);

#endif
