/*
 * control.c - the control socket server: one request line in, one reply
 * out, then the server closes.  The server never blocks: libevent accepts
 * and buffers; a client that sends nothing is dropped after a timeout.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "common/buf.h"
#include "common/log.h"
#include "daemon/control.h"
#include "daemon/status_fmt.h"
#include "policy/export.h"

#define CONTROL_MAX_CONN	32
#define CONTROL_PATH_MAX	sizeof(((struct sockaddr_un *)0)->sun_path)
#define CONTROL_STATUS_FIRST	64	/* tunnels asked for at first */
#define CONTROL_STATUS_LIMIT	65536

struct control;

struct control_conn {
	TAILQ_ENTRY(control_conn) cc_entry;
	struct control		*cc_ctl;
	struct bufferevent	*cc_bev;
	int			 cc_replied;
};

struct control {
	struct evconnlistener	*ctl_listener;
	struct control_ops	 ctl_ops;
	char			 ctl_path[CONTROL_PATH_MAX];
	TAILQ_HEAD(, control_conn) ctl_conns;
	int			 ctl_nconns;
};

static const char control_usage[] =
    "(expected: status, status --json, up NAME, down NAME, "
    "rekey NAME [ike|child], counters, export NAME [FORMAT], "
    "log [NAME] [-n N] [--json], reload, doctor NAME [--json], "
    "ha active|standby|fault)";

#define CONTROL_TOK_MAX		5

/* Tunnel names as the configuration allows them: [A-Za-z0-9_.-]. */
static int
control_name_valid(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len >= CFG_NAME_MAX)
		return (0);
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return (0);
	return (1);
}

/* "export NAME [FORMAT]": the peer's configuration (policy/export.c). */
static int
control_export_parse(const char **tok, const size_t *toklen, int ntok,
    struct control_req *req, char *err, size_t errlen)
{
	enum export_format	 f = EXPORT_IPSEC_CONF;
	char			 fmt[32];

	if (!control_name_valid(tok[1], toklen[1])) {
		snprintf(err, errlen, "error: invalid tunnel name \"%.*s\"",
		    (int)(toklen[1] > 64 ? 64 : toklen[1]), tok[1]);
		return (-1);
	}
	if (ntok == 3) {
		snprintf(fmt, sizeof(fmt), "%.*s", (int)(toklen[2] <
		    sizeof(fmt) ? toklen[2] : sizeof(fmt) - 1), tok[2]);
		if (toklen[2] >= sizeof(fmt) ||
		    export_format_parse(fmt, &f) == -1) {
			snprintf(err, errlen, "error: unknown export format "
			    "\"%.*s\" (expected one of: %s)",
			    (int)(toklen[2] > 64 ? 64 : toklen[2]), tok[2],
			    EXPORT_FORMAT_NAMES);
			return (-1);
		}
	}
	req->cr_cmd = CONTROL_EXPORT;
	req->cr_format = (int)f;
	memcpy(req->cr_name, tok[1], toklen[1]);
	return (0);
}

/* "log [NAME] [-n N] [--json]", the words in any order. */
static int
control_req_parse_log(const char **tok, const size_t *toklen, int ntok,
    struct control_req *req, char *err, size_t errlen)
{
	char	 num[8];
	long	 n;
	int	 i;

	req->cr_cmd = CONTROL_LOG;
	req->cr_count = CONNLOG_DEFAULT_N;
	for (i = 1; i < ntok; i++) {
		if (toklen[i] == 6 && memcmp(tok[i], "--json", 6) == 0)
			req->cr_json = 1;
		else if (toklen[i] == 2 && memcmp(tok[i], "-n", 2) == 0) {
			if (++i == ntok || toklen[i] >= sizeof(num) ||
			    toklen[i] == 0)
				goto badn;
			memcpy(num, tok[i], toklen[i]);
			num[toklen[i]] = '\0';
			if (num[strspn(num, "0123456789")] != '\0' ||
			    (n = strtol(num, NULL, 10)) < 1 ||
			    n > CONTROL_LOG_MAX)
				goto badn;
			req->cr_count = (int)n;
		} else if (req->cr_name[0] == '\0' &&
		    control_name_valid(tok[i], toklen[i]))
			memcpy(req->cr_name, tok[i], toklen[i]);
		else {
			snprintf(err, errlen, "error: log: unexpected "
			    "\"%.*s\" (expected: log [TUNNEL] [-n N] "
			    "[--json])", (int)(toklen[i] > 64 ? 64 :
			    toklen[i]), tok[i]);
			return (-1);
		}
	}
	return (0);
 badn:
	snprintf(err, errlen, "error: log -n needs a number of events from "
	    "1 to %d", CONTROL_LOG_MAX);
	return (-1);
}

int
control_req_parse(const char *line, size_t len, struct control_req *req,
    char *err, size_t errlen)
{
	const char	*tok[CONTROL_TOK_MAX];
	size_t		 toklen[CONTROL_TOK_MAX], i = 0;
	int		 ntok = 0;

	memset(req, 0, sizeof(*req));
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len + 1 > CONTROL_REQ_MAX) {
		snprintf(err, errlen, "error: request too long (at most %d "
		    "bytes)", CONTROL_REQ_MAX - 1);
		return (-1);
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)line[i] < 0x20 && line[i] != '\t') {
			snprintf(err, errlen, "error: unknown command "
			    "(control character in request) %s",
			    control_usage);
			return (-1);
		}
	}
	for (i = 0; i < len;) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == len)
			break;
		if (ntok == CONTROL_TOK_MAX)
			goto unknown;
		tok[ntok] = line + i;
		while (i < len && line[i] != ' ' && line[i] != '\t')
			i++;
		toklen[ntok] = (size_t)(line + i - tok[ntok]);
		ntok++;
	}
	if (ntok == 0) {
		snprintf(err, errlen, "error: empty request %s", control_usage);
		return (-1);
	}
#define TOK_IS(n, s)	(toklen[n] == strlen(s) && \
			    memcmp(tok[n], (s), toklen[n]) == 0)
	if (TOK_IS(0, "status") && ntok == 1)
		req->cr_cmd = CONTROL_STATUS;
	else if (TOK_IS(0, "status") && ntok == 2 && TOK_IS(1, "--json"))
		req->cr_cmd = CONTROL_STATUS_JSON;
	else if (TOK_IS(0, "counters") && ntok == 1)
		req->cr_cmd = CONTROL_COUNTERS;
	else if (TOK_IS(0, "reload") && ntok == 1)
		req->cr_cmd = CONTROL_RELOAD;
	else if (TOK_IS(0, "ha") && ntok == 2 && (TOK_IS(1, "active") ||
	    TOK_IS(1, "standby") || TOK_IS(1, "fault"))) {
		req->cr_cmd = CONTROL_HA;
		req->cr_role = TOK_IS(1, "active") ? HA_ROLE_ACTIVE :
		    TOK_IS(1, "standby") ? HA_ROLE_STANDBY : HA_ROLE_FAULT;
	} else if (TOK_IS(0, "ha")) {
		snprintf(err, errlen, "error: usage: ha active|standby|fault");
		return (-1);
	}
	else if (TOK_IS(0, "doctor") && ntok >= 2 && ntok <= 3 &&
	    (ntok == 2 || TOK_IS(2, "--json"))) {
		if (!control_name_valid(tok[1], toklen[1])) {
			snprintf(err, errlen, "error: invalid tunnel name "
			    "\"%.*s\"", (int)(toklen[1] > 64 ? 64 : toklen[1]),
			    tok[1]);
			return (-1);
		}
		req->cr_cmd = CONTROL_DOCTOR;
		req->cr_json = ntok == 3;
		memcpy(req->cr_name, tok[1], toklen[1]);
	} else if (TOK_IS(0, "log"))
		return (control_req_parse_log(tok, toklen, ntok, req, err,
		    errlen));
	else if (((TOK_IS(0, "up") || TOK_IS(0, "down")) && ntok == 2) ||
	    (TOK_IS(0, "rekey") && ntok >= 2 && ntok <= 3)) {
		if (!control_name_valid(tok[1], toklen[1])) {
			snprintf(err, errlen, "error: invalid tunnel name "
			    "\"%.*s\"", (int)(toklen[1] > 64 ? 64 : toklen[1]),
			    tok[1]);
			return (-1);
		}
		if (TOK_IS(0, "rekey")) {
			req->cr_cmd = CONTROL_REKEY;
			/* what to rekey: the CHILD SAs unless told "ike" */
			if (ntok == 3 && TOK_IS(2, "ike"))
				req->cr_ike = 1;
			else if (ntok == 3 && !TOK_IS(2, "child")) {
				snprintf(err, errlen, "error: unknown rekey "
				    "kind \"%.*s\" (expected: rekey NAME ike, "
				    "or rekey NAME child, the default)",
				    (int)(toklen[2] > 64 ? 64 : toklen[2]),
				    tok[2]);
				return (-1);
			}
		} else
			req->cr_cmd = TOK_IS(0, "up") ? CONTROL_UP :
			    CONTROL_DOWN;
		memcpy(req->cr_name, tok[1], toklen[1]);
	} else if (TOK_IS(0, "export") && ntok >= 2 && ntok <= 3) {
		if (control_export_parse(tok, toklen, ntok, req, err,
		    errlen) == -1)
			return (-1);
	} else
		goto unknown;
#undef TOK_IS
	return (0);
 unknown:
	/* Echo the request, bounded; it holds printable bytes and tabs. */
	snprintf(err, errlen, "error: unknown command \"%.*s\" %s",
	    (int)(len > 64 ? 64 : len), line, control_usage);
	return (-1);
}

static int
control_reply_status(const struct control_ops *ops, int json,
    struct buf *out)
{
	struct tunnel_status	*ts = NULL, *nts;
	struct ha_status	 ha, *hap = NULL;
	int			 max = CONTROL_STATUS_FIRST, n = 0, rv = -1;

	/* The whole reply is built here and written by libevent, with no
	 * size limit: every CHILD SA of every tunnel (up to 400 pairs of
	 * 20 selectors each, ~1 KB a CHILD SA) is in it. */
	for (;;) {
		if ((nts = reallocarray(ts, max, sizeof(*ts))) == NULL)
			goto done;
		ts = nts;
		memset(ts, 0, (size_t)max * sizeof(*ts));
		if ((n = ops->co_status(ops->co_arg, ts, max)) == -1)
			goto done;	/* out of memory, nothing filled */
		if (n <= max || max == CONTROL_STATUS_LIMIT)
			break;
		ike_status_free(ts, max);
		max = n < CONTROL_STATUS_LIMIT ? n : CONTROL_STATUS_LIMIT;
		n = 0;			/* ts owns nothing now */
	}
	if (n > max)
		n = max;
	if (ops->co_ha_status != NULL && ops->co_ha_status(ops->co_arg,
	    &ha) == 0)
		hap = &ha;
	if (json)
		rv = status_fmt_json_ha(out, ts, n, hap, time(NULL));
	else if ((rv = status_fmt_ha_text(out, hap, time(NULL))) == 0)
		rv = status_fmt_text(out, ts, n, time(NULL));
 done:
	ike_status_free(ts, n > 0 ? n : 0);
	free(ts);
	return (rv);
}

/* "rekey NAME [ike|child]": asks the engine, says why it cannot. */
static int
control_reply_rekey(const struct control_ops *ops,
    const struct control_req *req, struct buf *out)
{
	const char	*n = req->cr_name, *kind = req->cr_ike ? "ike" : "child";
	const char	*what;
	char		 line[4 * CFG_NAME_MAX + 256];
	int		 rv;

	if (ops->co_rekey == NULL) {
		snprintf(line, sizeof(line), "error: this gatewayd cannot "
		    "rekey on request\n");
		return (buf_add(out, line, strlen(line)));
	}
	rv = ops->co_rekey(ops->co_arg, n, req->cr_ike);
	switch (rv) {
	case 0:
		what = "ok";
		snprintf(line, sizeof(line), "ok\n");
		break;
	case -2:
		what = "no established IKE SA";
		snprintf(line, sizeof(line), "error: tunnel %s has no "
		    "established IKE SA to rekey: start it with gatewayctl "
		    "up %s, then wait for gatewayctl status to show "
		    "Connected\n", n, n);
		break;
	case -3:
		what = "no installed CHILD SA";
		snprintf(line, sizeof(line), "error: tunnel %s has no "
		    "installed CHILD SA to rekey: see its last error in "
		    "gatewayctl status; gatewayctl rekey %s ike, or down %s "
		    "and up %s, negotiates again\n", n, n, n, n);
		break;
	default:
		what = "no such tunnel";
		snprintf(line, sizeof(line), "error: no tunnel named %s\n",
		    n);
		break;
	}
	log_info("control: rekey %s %s: %s", n, kind, what);
	return (buf_add(out, line, strlen(line)));
}

/* "export NAME [FORMAT]": the text holds the PSK, so it is not logged. */
static int
control_reply_export(const struct control_ops *ops,
    const struct control_req *req, struct buf *out)
{
	char	 err[512], line[600];

	if (ops->co_export == NULL)
		snprintf(err, sizeof(err), "this gatewayd cannot export");
	else if (ops->co_export(ops->co_arg, req->cr_name, req->cr_format,
	    out, err, sizeof(err)) == 0) {
		log_info("control: export %s (%s): ok", req->cr_name,
		    export_format_name((enum export_format)req->cr_format));
		return (0);
	}
	log_info("control: export %s: %s", req->cr_name, err);
	snprintf(line, sizeof(line), "error: %s\n", err);
	return (buf_add(out, line, strlen(line)));
}

/* "doctor NAME [--json]": why the tunnel is not Connected. */
static int
control_reply_doctor(const struct control_ops *ops,
    const struct control_req *req, struct buf *out)
{
	struct tunnel_diag	 d;
	const char		*st = "?";
	int			 up = 0;
	char			 line[CFG_NAME_MAX + 80];

	if (ops->co_doctor == NULL)
		snprintf(line, sizeof(line), "error: this gatewayd has no "
		    "doctor\n");
	else if (ops->co_doctor(ops->co_arg, req->cr_name, &d, &st,
	    &up) == -1)
		snprintf(line, sizeof(line), "error: no tunnel named %s\n",
		    req->cr_name);
	else {
		log_info("control: doctor %s", req->cr_name);
		return (diag_report(out, req->cr_name, st, up, &d,
		    req->cr_json));
	}
	return (buf_add(out, line, strlen(line)));
}

int
control_reply(const struct control_ops *ops, const struct control_req *req,
    struct buf *out)
{
	struct ike_counters	 ic;
	struct net_counters	 nc;
	char			 line[CFG_NAME_MAX + 128];
	int			 rv;

	switch (req->cr_cmd) {
	case CONTROL_STATUS:
	case CONTROL_STATUS_JSON:
		return (control_reply_status(ops,
		    req->cr_cmd == CONTROL_STATUS_JSON, out));
	case CONTROL_COUNTERS:
		memset(&ic, 0, sizeof(ic));
		memset(&nc, 0, sizeof(nc));
		ops->co_counters(ops->co_arg, &ic, &nc);
		return (status_fmt_counters(out, &ic, &nc));
	case CONTROL_UP:
	case CONTROL_DOWN:
		rv = req->cr_cmd == CONTROL_UP ?
		    ops->co_up(ops->co_arg, req->cr_name) :
		    ops->co_down(ops->co_arg, req->cr_name);
		if (rv == 0)
			snprintf(line, sizeof(line), "ok\n");
		else
			snprintf(line, sizeof(line), "error: no tunnel named "
			    "%s\n", req->cr_name);
		log_info("control: %s %s: %s",
		    req->cr_cmd == CONTROL_UP ? "up" : "down", req->cr_name,
		    rv == 0 ? "ok" : "no such tunnel");
		return (buf_add(out, line, strlen(line)));
	case CONTROL_REKEY:
		return (control_reply_rekey(ops, req, out));
	case CONTROL_EXPORT:
		return (control_reply_export(ops, req, out));
	case CONTROL_DOCTOR:
		return (control_reply_doctor(ops, req, out));
	case CONTROL_LOG:
		return (connlog_format(ops->co_connlog, req->cr_name[0] !=
		    '\0' ? req->cr_name : NULL, req->cr_count, req->cr_json,
		    out));
	case CONTROL_HA:
		rv = ops->co_ha_role == NULL ? -1 : ops->co_ha_role(ops->co_arg,
		    req->cr_role);
		if (rv == -2)
			return (-1);
		if (rv == 0)
			snprintf(line, sizeof(line), "ok\n");
		else
			snprintf(line, sizeof(line), "error: no ha block in the "
			    "configuration (roles need \"ha { ... }\"; without "
			    "it gatewayd is always active)\n");
		log_info("control: ha %s: %s", ha_role_name(req->cr_role),
		    rv == 0 ? "ok" : "no ha block");
		return (buf_add(out, line, strlen(line)));
	case CONTROL_RELOAD:
		if (ops->co_reload == NULL) {
			snprintf(line, sizeof(line), "error: this gatewayd "
			    "cannot reload on request: send it SIGHUP\n");
			return (buf_add(out, line, strlen(line)));
		}
		log_info("control: reload");
		return (ops->co_reload(ops->co_arg, out) == -1 ? -1 : 0);
	default:
		return (-1);
	}
}

static void
control_conn_free(struct control_conn *cc)
{
	struct control	*ctl = cc->cc_ctl;

	TAILQ_REMOVE(&ctl->ctl_conns, cc, cc_entry);
	ctl->ctl_nconns--;
	bufferevent_free(cc->cc_bev);
	free(cc);
}

/* The reply leaves through libevent without a copy (an export holds
 * the PSK); buf_free() wipes it once written. */
static void
control_reply_done(const void *data, size_t len, void *arg)
{
	buf_free(arg);
}

/* Answers line[0..len) and closes once the reply is written. */
static void
control_conn_answer(struct control_conn *cc, const char *line, size_t len)
{
	struct control_req	 req;
	struct buf		*out;
	char			 err[CONTROL_REQ_MAX + 160];

	cc->cc_replied = 1;
	bufferevent_disable(cc->cc_bev, EV_READ);
	if ((out = buf_new(1024)) == NULL) {
		control_conn_free(cc);
		return;
	}
	if (control_req_parse(line, len, &req, err, sizeof(err)) == -1) {
		log_debug("control: %s", err);
		if (buf_add(out, err, strlen(err)) == -1 ||
		    buf_add_u8(out, '\n') == -1)
			goto fail;
	} else if (control_reply(&cc->cc_ctl->ctl_ops, &req, out) == -1) {
		buf_reset(out);
		if (buf_add(out, "error: out of memory\n", 21) == -1)
			goto fail;
	}
	if (evbuffer_add_reference(bufferevent_get_output(cc->cc_bev),
	    out->buf_data, out->buf_len, control_reply_done, out) == -1)
		goto fail;
	return;
 fail:
	buf_free(out);
	control_conn_free(cc);
}

static void
control_read_cb(struct bufferevent *bev, void *arg)
{
	struct control_conn	*cc = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer_ptr	 eol;
	char			 line[CONTROL_REQ_MAX];
	size_t			 len = CONTROL_REQ_MAX;

	if (cc->cc_replied)
		return;
	eol = evbuffer_search(in, "\n", 1, NULL);
	if (eol.pos == -1 && evbuffer_get_length(in) < CONTROL_REQ_MAX)
		return;			/* wait for the rest of the line */
	/* Over-long lines reach the parser as CONTROL_REQ_MAX bytes
	 * without their newline, which it rejects. */
	if (eol.pos != -1 && (size_t)eol.pos + 1 <= CONTROL_REQ_MAX)
		len = (size_t)eol.pos + 1;
	evbuffer_remove(in, line, len);
	control_conn_answer(cc, line, len);
}

static void
control_write_cb(struct bufferevent *bev, void *arg)
{
	struct control_conn	*cc = arg;

	if (cc->cc_replied &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		control_conn_free(cc);
}

static void
control_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct control_conn	*cc = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	char			 line[CONTROL_REQ_MAX];
	size_t			 len;

	/* A client that half-closes after its line without a newline. */
	if ((what & BEV_EVENT_EOF) && !cc->cc_replied &&
	    (len = evbuffer_get_length(in)) > 0 && len < CONTROL_REQ_MAX) {
		evbuffer_remove(in, line, len);
		control_conn_answer(cc, line, len);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		log_debug("control: client timed out");
	control_conn_free(cc);
}

static void
control_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct control		*ctl = arg;
	struct control_conn	*cc;
	struct timeval		 tv = { CONTROL_TIMEOUT_SECS, 0 };

	if (ctl->ctl_nconns >= CONTROL_MAX_CONN ||
	    (cc = calloc(1, sizeof(*cc))) == NULL) {
		log_debug("control: too many connections, refused");
		close(fd);
		return;
	}
	cc->cc_ctl = ctl;
	cc->cc_bev = bufferevent_socket_new(evconnlistener_get_base(l), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (cc->cc_bev == NULL) {
		close(fd);
		free(cc);
		return;
	}
	TAILQ_INSERT_TAIL(&ctl->ctl_conns, cc, cc_entry);
	ctl->ctl_nconns++;
	bufferevent_setcb(cc->cc_bev, control_read_cb, control_write_cb,
	    control_event_cb, cc);
	bufferevent_set_timeouts(cc->cc_bev, &tv, &tv);
	bufferevent_enable(cc->cc_bev, EV_READ | EV_WRITE);
}

/*
 * Who may use the socket: root, and the members of group gatewayd when
 * that group exists (mode 0660), else root only (0600).
 */
static void
control_socket_group(const char *path)
{
	struct group	*gr;

	if ((gr = getgrnam(CONTROL_GROUP)) == NULL) {
		log_debug("control socket %s: mode 0600 (no group %s)", path,
		    CONTROL_GROUP);
		return;
	}
	if (chown(path, (uid_t)-1, gr->gr_gid) == -1 ||
	    chmod(path, 0660) == -1) {
		log_warn("control socket %s: cannot give it to group %s "
		    "(%s): root only (0600)", path, CONTROL_GROUP,
		    strerror(errno));
		chmod(path, 0600);
		return;
	}
	log_debug("control socket %s: mode 0660, group %s", path,
	    CONTROL_GROUP);
}

/* Removes a stale socket file; -1 if a server answers on it. */
static int
control_stale_remove(const char *path, const struct sockaddr_un *sun)
{
	struct stat	 st;
	int		 fd, alive;

	if (lstat(path, &st) == -1)
		return (0);
	if (!S_ISSOCK(st.st_mode)) {
		log_err("control socket %s exists and is not a socket", path);
		return (-1);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (0);
	alive = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	if (alive) {
		log_err("control socket %s is in use: is another gatewayd "
		    "running?", path);
		return (-1);
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		log_err("cannot remove stale control socket %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	return (0);
}

struct control *
control_open(struct event_base *base, const char *path,
    const struct control_ops *ops)
{
	struct control		*ctl = NULL;
	struct sockaddr_un	 sun;
	mode_t			 old;
	int			 fd = -1, rv;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_err("control socket path too long: %s", path);
		return (NULL);
	}
	strcpy(sun.sun_path, path);
	if (control_stale_remove(path, &sun) == -1)
		return (NULL);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_err("control socket: %s", strerror(errno));
		return (NULL);
	}
	old = umask(0177);
	rv = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rv == -1 || chmod(path, 0600) == -1) {
		log_err("cannot create control socket %s: %s", path,
		    strerror(errno));
		close(fd);
		return (NULL);
	}
	control_socket_group(path);
	if ((ctl = calloc(1, sizeof(*ctl))) == NULL)
		goto fail;
	TAILQ_INIT(&ctl->ctl_conns);
	ctl->ctl_ops = *ops;
	strcpy(ctl->ctl_path, path);
	ctl->ctl_listener = evconnlistener_new(base, control_accept_cb, ctl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16, fd);
	if (ctl->ctl_listener == NULL)
		goto fail;
	log_debug("control socket %s", path);
	return (ctl);
 fail:
	log_err("cannot listen on control socket %s", path);
	close(fd);
	unlink(path);
	free(ctl);
	return (NULL);
}

void
control_close(struct control *ctl)
{
	if (ctl == NULL)
		return;
	while (!TAILQ_EMPTY(&ctl->ctl_conns))
		control_conn_free(TAILQ_FIRST(&ctl->ctl_conns));
	evconnlistener_free(ctl->ctl_listener);
	unlink(ctl->ctl_path);
	free(ctl);
}
