/*
 * metrics.c - the Prometheus endpoint: libevent's evhttp on the daemon's
 * event base.  A request is hostile input: evhttp bounds the header and
 * body sizes we set, only GET and HEAD are allowed, and a client that
 * stalls is dropped after a timeout.  The page is built in one go from
 * one status snapshot (one kernel SA dump, see ike_status()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "common/buf.h"
#include "common/log.h"
#include "daemon/metrics.h"
#include "daemon/metrics_fmt.h"

#define METRICS_PATH		"/metrics"
#define METRICS_MAX_HEADERS	8192	/* request line and headers */
#define METRICS_MAX_BODY	1024	/* GET has none */
#define METRICS_TIMEOUT_SECS	10
#define METRICS_STATUS_FIRST	64	/* tunnels asked for at first */
#define METRICS_STATUS_LIMIT	65536

struct metrics {
	struct evhttp			*m_http;
	struct metrics_ops		 m_ops;
};

int
metrics_page(const struct metrics_ops *ops, struct buf *out)
{
	struct metrics_snapshot	 ms;
	struct ha_status	 ha;
	struct tunnel_status	*ts = NULL, *nts;
	int			 max = METRICS_STATUS_FIRST, n = 0, rv = -1;

	memset(&ms, 0, sizeof(ms));
	for (;;) {
		if ((nts = reallocarray(ts, max, sizeof(*ts))) == NULL)
			goto done;
		ts = nts;
		memset(ts, 0, (size_t)max * sizeof(*ts));
		if ((n = ops->mo_status(ops->mo_arg, ts, max)) == -1)
			goto done;	/* out of memory, nothing filled */
		if (n <= max || max == METRICS_STATUS_LIMIT)
			break;
		ike_status_free(ts, max);
		max = n < METRICS_STATUS_LIMIT ? n : METRICS_STATUS_LIMIT;
		n = 0;			/* ts owns nothing now */
	}
	if (n > max)
		n = max;
	ms.ms_tunnels = ts;
	ms.ms_ntunnels = n;
	ops->mo_counters(ops->mo_arg, &ms.ms_ike, &ms.ms_net);
	ops->mo_gauges(ops->mo_arg, &ms.ms_gauges);
	if (ops->mo_ha != NULL && ops->mo_ha(ops->mo_arg, &ha) == 0)
		ms.ms_ha = &ha;
	rv = metrics_fmt(out, &ms);
 done:
	ike_status_free(ts, n > 0 ? n : 0);
	free(ts);
	return (rv);
}

static void
metrics_reply_error(struct evhttp_request *req, int code, const char *why)
{
	struct evbuffer	*b = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; charset=utf-8");
	if (b != NULL)
		evbuffer_add_printf(b, "%s\n", why);
	evhttp_send_reply(req, code, why, b);
	evbuffer_free(b);
}

static void
metrics_cb(struct evhttp_request *req, void *arg)
{
	struct metrics	*m = arg;
	struct evbuffer	*b = NULL;
	struct buf	*page;
	char		 len[24];

	if ((page = buf_new(16384)) == NULL ||
	    metrics_page(&m->m_ops, page) == -1 ||
	    (b = evbuffer_new()) == NULL ||
	    evbuffer_add(b, page->buf_data, page->buf_len) == -1) {
		log_warn("metrics: out of memory");
		metrics_reply_error(req, HTTP_INTERNAL, "Internal Server Error");
		goto done;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", METRICS_CONTENT_TYPE);
	/* HEAD: the headers GET would have, no body (evhttp 2.1 would
	 * send one) */
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		snprintf(len, sizeof(len), "%zu", page->buf_len);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Length", len);
		evbuffer_drain(b, evbuffer_get_length(b));
	}
	evhttp_send_reply(req, HTTP_OK, "OK", b);
 done:
	evbuffer_free(b);
	buf_free(page);
}

/* Anything but /metrics. */
static void
metrics_other_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	metrics_reply_error(req, HTTP_NOTFOUND, "Not Found (try /metrics)");
}

struct metrics *
metrics_open(struct event_base *base, const char *addr, uint16_t port,
    const struct metrics_ops *ops)
{
	struct metrics	*m;

	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->m_http = evhttp_new(base)) == NULL) {
		log_err("metrics: out of memory");
		free(m);
		return (NULL);
	}
	m->m_ops = *ops;
	evhttp_set_allowed_methods(m->m_http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_HEAD);
	evhttp_set_max_headers_size(m->m_http, METRICS_MAX_HEADERS);
	evhttp_set_max_body_size(m->m_http, METRICS_MAX_BODY);
	evhttp_set_timeout(m->m_http, METRICS_TIMEOUT_SECS);
	if (evhttp_set_cb(m->m_http, METRICS_PATH, metrics_cb, m) != 0)
		goto fail;
	evhttp_set_gencb(m->m_http, metrics_other_cb, m);
	errno = 0;
	if (evhttp_bind_socket_with_handle(m->m_http, addr, port) == NULL) {
		log_err("metrics-listen: cannot listen on %s%s%s:%u: %s "
		    "(is the address on this host, the port free?)",
		    strchr(addr, ':') ? "[" : "", addr,
		    strchr(addr, ':') ? "]" : "", port,
		    errno != 0 ? strerror(errno) : "bind failed");
		goto fail;
	}
	log_info("metrics on http://%s%s%s:%u%s", strchr(addr, ':') ? "[" : "",
	    addr, strchr(addr, ':') ? "]" : "", port, METRICS_PATH);
	return (m);
 fail:
	evhttp_free(m->m_http);
	free(m);
	return (NULL);
}

void
metrics_close(struct metrics *m)
{
	if (m == NULL)
		return;
	evhttp_free(m->m_http);
	free(m);
}
