/*
 * connlog.c - the connection log: one ring of events per tunnel name.
 * A tunnel's ring outlives its tunnel (a reload that removes it keeps
 * its history); past CONNLOG_TUNNELS names, the ring written least
 * recently is dropped for a new one.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/connlog.h"
#include "common/log.h"

struct connlog_ring {
	char			 cr_name[CONNLOG_NAME_MAX];
	unsigned		 cr_head;	/* next slot to write */
	unsigned		 cr_count;
	uint64_t		 cr_last_seq;
	struct connlog_event	*cr_ev;		/* cl_ring entries */
};

struct connlog {
	unsigned		 cl_ring;
	uint64_t		 cl_seq;
	int			 cl_nrings;
	struct connlog_ring	*cl_rings[CONNLOG_TUNNELS];
};

struct connlog *
connlog_new(unsigned ring)
{
	struct connlog	*cl;

	if ((cl = calloc(1, sizeof(*cl))) == NULL)
		return (NULL);
	cl->cl_ring = ring == 0 ? CONNLOG_RING : ring;
	return (cl);
}

static void
connlog_ring_free(struct connlog_ring *r)
{
	if (r == NULL)
		return;
	free(r->cr_ev);
	free(r);
}

void
connlog_free(struct connlog *cl)
{
	int	 i;

	if (cl == NULL)
		return;
	for (i = 0; i < cl->cl_nrings; i++)
		connlog_ring_free(cl->cl_rings[i]);
	free(cl);
}

static struct connlog_ring *
connlog_ring_find(const struct connlog *cl, const char *name)
{
	int	 i;

	for (i = 0; i < cl->cl_nrings; i++)
		if (strcmp(cl->cl_rings[i]->cr_name, name) == 0)
			return (cl->cl_rings[i]);
	return (NULL);
}

/* The ring of name, made (or recycled from the stalest one) if needed. */
static struct connlog_ring *
connlog_ring_get(struct connlog *cl, const char *name)
{
	struct connlog_ring	*r;
	int			 i, old = 0;

	if ((r = connlog_ring_find(cl, name)) != NULL)
		return (r);
	if (cl->cl_nrings == CONNLOG_TUNNELS) {
		for (i = 1; i < cl->cl_nrings; i++)
			if (cl->cl_rings[i]->cr_last_seq <
			    cl->cl_rings[old]->cr_last_seq)
				old = i;
		r = cl->cl_rings[old];
		r->cr_head = r->cr_count = 0;
	} else {
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return (NULL);
		if ((r->cr_ev = calloc(cl->cl_ring, sizeof(*r->cr_ev))) ==
		    NULL) {
			free(r);
			return (NULL);
		}
		cl->cl_rings[cl->cl_nrings++] = r;
	}
	snprintf(r->cr_name, sizeof(r->cr_name), "%s", name);
	return (r);
}

void
connlog_add(struct connlog *cl, const char *tunnel, const char *event,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	connlog_vadd(cl, tunnel, event, fmt, ap);
	va_end(ap);
}

void
connlog_vadd(struct connlog *cl, const char *tunnel, const char *event,
    const char *fmt, va_list ap)
{
	struct connlog_ring	*r;
	struct connlog_event	*e;
	char			 detail[CONNLOG_DETAIL_MAX];

	if (tunnel == NULL)
		tunnel = "-";
	vsnprintf(detail, sizeof(detail), fmt, ap);
	log_msg(strcmp(event, "failure") == 0 || strcmp(event, "dpd") == 0 ?
	    LOG_LVL_WARN : LOG_LVL_INFO, tunnel, "event %s: %s", event,
	    detail);
	if (cl == NULL || (r = connlog_ring_get(cl, tunnel)) == NULL)
		return;
	e = &r->cr_ev[r->cr_head];
	memset(e, 0, sizeof(*e));
	clock_gettime(CLOCK_REALTIME, &e->ce_time);
	e->ce_seq = ++cl->cl_seq;
	snprintf(e->ce_tunnel, sizeof(e->ce_tunnel), "%s", tunnel);
	snprintf(e->ce_event, sizeof(e->ce_event), "%s", event);
	memcpy(e->ce_detail, detail, sizeof(e->ce_detail));
	r->cr_head = (r->cr_head + 1) % cl->cl_ring;
	if (r->cr_count < cl->cl_ring)
		r->cr_count++;
	r->cr_last_seq = e->ce_seq;
}

/* The last n events of r appended to out[*k..max). */
static void
connlog_ring_copy(const struct connlog *cl, const struct connlog_ring *r,
    int n, struct connlog_event *out, int max, int *k)
{
	unsigned	 i, take, start;

	take = n < 0 || (unsigned)n > r->cr_count ? r->cr_count : (unsigned)n;
	start = (r->cr_head + cl->cl_ring - take) % cl->cl_ring;
	for (i = 0; i < take && *k < max; i++)
		out[(*k)++] = r->cr_ev[(start + i) % cl->cl_ring];
}

static int
connlog_seq_cmp(const void *a, const void *b)
{
	const struct connlog_event	*x = a, *y = b;

	return (x->ce_seq < y->ce_seq ? -1 : x->ce_seq > y->ce_seq);
}

int
connlog_get(const struct connlog *cl, const char *tunnel, int n,
    struct connlog_event *out, int max)
{
	const struct connlog_ring	*r;
	int				 i, k = 0;

	if (cl == NULL)
		return (0);
	if (tunnel != NULL) {
		if ((r = connlog_ring_find(cl, tunnel)) != NULL)
			connlog_ring_copy(cl, r, n, out, max, &k);
		return (k);
	}
	for (i = 0; i < cl->cl_nrings; i++)
		connlog_ring_copy(cl, cl->cl_rings[i], n, out, max, &k);
	qsort(out, (size_t)k, sizeof(*out), connlog_seq_cmp);
	return (k);
}

void
connlog_time_str(const struct timespec *ts, char *out, size_t len)
{
	struct tm	 tm;
	long		 off;
	char		 date[32];

	localtime_r(&ts->tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	off = tm.tm_gmtoff / 60;
	snprintf(out, len, "%s.%03ld%c%02ld:%02ld", date,
	    ts->tv_nsec / 1000000, off < 0 ? '-' : '+', labs(off) / 60,
	    labs(off) % 60);
}

int
connlog_json_str(struct buf *out, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)s;
	char			 esc[7];

	if (buf_add_u8(out, '"') == -1)
		return (-1);
	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			if (buf_add(out, esc, 2) == -1)
				return (-1);
		} else if (*p < 0x20 || *p == 0x7f) {
			/* \u00XX for every control character (RFC 8259 §7) */
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 0xf];
			if (buf_add(out, esc, 6) == -1)
				return (-1);
		} else if (buf_add_u8(out, *p) == -1)
			return (-1);
	}
	return (buf_add_u8(out, '"'));
}

static int
connlog_format_one(const struct connlog_event *e, int json, int first,
    struct buf *out)
{
	char	 t[48], line[CONNLOG_NAME_MAX + CONNLOG_EVENT_MAX +
		    CONNLOG_DETAIL_MAX + 64];
	int	 n;

	connlog_time_str(&e->ce_time, t, sizeof(t));
	if (!json) {
		n = snprintf(line, sizeof(line), "%s %s %s %s\n", t,
		    e->ce_tunnel, e->ce_event, e->ce_detail);
		return (buf_add(out, line, (size_t)n < sizeof(line) ?
		    (size_t)n : sizeof(line) - 1));
	}
	n = snprintf(line, sizeof(line), "%s\n  {\"time\": \"%s\", "
	    "\"tunnel\": ", first ? "" : ",", t);
	if (buf_add(out, line, (size_t)n) == -1 ||
	    connlog_json_str(out, e->ce_tunnel) == -1 ||
	    buf_add(out, ", \"event\": ", 11) == -1 ||
	    connlog_json_str(out, e->ce_event) == -1 ||
	    buf_add(out, ", \"detail\": ", 12) == -1 ||
	    connlog_json_str(out, e->ce_detail) == -1 ||
	    buf_add_u8(out, '}') == -1)
		return (-1);
	return (0);
}

int
connlog_format(const struct connlog *cl, const char *tunnel, int n,
    int json, struct buf *out)
{
	struct connlog_event	*ev;
	char			 line[CONNLOG_NAME_MAX + 64];
	int			 i, k, max = 0, per, rv = -1;

	if (cl != NULL) {
		per = n < 0 || (unsigned)n > cl->cl_ring ? (int)cl->cl_ring : n;
		max = (tunnel != NULL ? 1 : cl->cl_nrings) * per;
	}
	if ((ev = calloc(max > 0 ? (size_t)max : 1, sizeof(*ev))) == NULL)
		return (-1);
	k = connlog_get(cl, tunnel, n, ev, max);
	if (json && buf_add_u8(out, '[') == -1)
		goto done;
	for (i = 0; i < k; i++)
		if (connlog_format_one(&ev[i], json, i == 0, out) == -1)
			goto done;
	if (json && buf_add(out, k > 0 ? "\n]\n" : "]\n", k > 0 ? 3 : 2) ==
	    -1)
		goto done;
	if (!json && k == 0) {
		/* the reply is never empty: say why there is nothing */
		i = snprintf(line, sizeof(line), "no events logged%s%.*s\n",
		    tunnel != NULL ? " for tunnel " : "", CONNLOG_NAME_MAX,
		    tunnel != NULL ? tunnel : "");
		if (buf_add(out, line, (size_t)i) == -1)
			goto done;
	}
	rv = 0;
 done:
	free(ev);
	return (rv);
}
