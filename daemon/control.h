/*
 * control.h - gatewayd's control socket (a Unix stream socket, mode 0660
 * and group gatewayd when that group exists, else 0600: root only).
 * A client connects, sends one request line, reads the reply until the
 * server closes.  Requests: "status", "status --json", "up NAME",
 * "down NAME", "rekey NAME [ike|child]", "counters", "export NAME
 * [FORMAT]", "log [NAME] [-n N] [--json]", "reload", "doctor NAME [--json]",
 * "ha active|standby|fault".  Replies that start
 * with "error:" are failures.
 * The server calls back through struct control_ops, so it runs without
 * the engine in tests; the daemon wires the callbacks to ike_*().
 */
#ifndef GW_CONTROL_H
#define GW_CONTROL_H

#include <stddef.h>

#include "common/connlog.h"
#include "ike/ha_chan.h"
#include "ike/ike.h"
#include "ike/net.h"
#include "policy/config.h"
#include "policy/diag.h"

struct buf;

#define CONTROL_REQ_MAX		256	/* request line, newline included */
#define CONTROL_TIMEOUT_SECS	5	/* for a client to send its line */
#define CONTROL_GROUP		"gatewayd" /* may use the socket, if it exists */

#define CONTROL_STATUS		1
#define CONTROL_STATUS_JSON	2
#define CONTROL_UP		3
#define CONTROL_DOWN		4
#define CONTROL_COUNTERS	5
#define CONTROL_REKEY		6
#define CONTROL_EXPORT		7
#define CONTROL_LOG		8
#define CONTROL_RELOAD		9
#define CONTROL_DOCTOR		10
#define CONTROL_HA		11
#define CONTROL_LOG_MAX		CONNLOG_RING	/* log -n at most */

struct control_req {
	int		 cr_cmd;		/* CONTROL_* */
	char		 cr_name[CFG_NAME_MAX];	/* for up/down/rekey */
	int		 cr_ike;		/* rekey: 1 IKE SA, 0 CHILD SAs */
	int		 cr_format;		/* export: enum export_format */
	int		 cr_json;		/* log/doctor --json */
	int		 cr_count;		/* log -n (CONNLOG_DEFAULT_N) */
	int		 cr_role;		/* ha: HA_ROLE_* */
};

/*
 * Parses one request (len bytes, an optional trailing "\n" or "\r\n").
 * 0, or -1 with the reply for the client ("error: ...") in err.
 */
int		 control_req_parse(const char *line, size_t len,
		    struct control_req *req, char *err, size_t errlen);

struct control_ops {
	void	*co_arg;
	/*
	 * Fills up to max entries; returns the number of tunnels, or -1
	 * (nothing filled).  The server frees the filled entries' CHILD
	 * SAs with ike_status_free() (ike_status()'s contract).
	 */
	int	(*co_status)(void *arg, struct tunnel_status *out, int max);
	/* 0, or -1 if there is no such tunnel. */
	int	(*co_up)(void *arg, const char *name);
	int	(*co_down)(void *arg, const char *name);
	/*
	 * Rekeys the tunnel's IKE SA (ike != 0) or its CHILD SAs now, as
	 * initiator.  0; -1 no such tunnel; -2 no established IKE SA;
	 * -3 (CHILD SAs only) no installed CHILD SA.
	 */
	int	(*co_rekey)(void *arg, const char *name, int ike);
	void	(*co_counters)(void *arg, struct ike_counters *ic,
		    struct net_counters *nc);
	/*
	 * Appends the peer's configuration for tunnel name in format (enum
	 * export_format) to out: 0, or -1 with the reason in err.  The
	 * text holds the PSK: it goes to the client only.
	 */
	int	(*co_export)(void *arg, const char *name, int format,
		    struct buf *out, char *err, size_t errlen);
	/* The connection log "log" reads (borrowed; NULL: empty). */
	struct connlog *co_connlog;
	/*
	 * Reloads the configuration file (as SIGHUP does) and appends the
	 * report to out: "ok ..." with the tunnels added, removed and
	 * changed, or "error: ..." when the file was refused.  0 reloaded,
	 * 1 refused, -1 out of memory.  NULL: "reload" is refused.
	 */
	int	(*co_reload)(void *arg, struct buf *out);
	/*
	 * The record of tunnel name's last attempt, its state's name (a
	 * static string) and whether it is Connected (gatewayctl doctor):
	 * 0, or -1 if there is no such tunnel.  NULL: refused.
	 */
	int	(*co_doctor)(void *arg, const char *name, struct tunnel_diag *d,
		    const char **state, int *connected);
	/*
	 * HA (an ha block): sets this node's role (HA_ROLE_*): 0, -1 when
	 * there is no ha block, -2 out of memory.  Fills st for status: 0,
	 * or -1 without an ha block (status shows nothing of HA).  NULL:
	 * as without an ha block.
	 */
	int	(*co_ha_role)(void *arg, int role);
	int	(*co_ha_status)(void *arg, struct ha_status *st);
};

struct event_base;
struct control;

/*
 * Replies to one parsed request into out ("ok\n", a status, or
 * "error: ...\n"); 0 or -1 (out of memory).
 */
struct buf;
int		 control_reply(const struct control_ops *ops,
		    const struct control_req *req, struct buf *out);
/*
 * Listens on path (a stale socket is removed; a live one, where another
 * gatewayd answers, is an error).  ops is copied.  NULL after logging why.
 */
struct control	*control_open(struct event_base *base, const char *path,
		    const struct control_ops *ops);
/* Closes the listener and open connections, removes the socket file;
 * accepts NULL. */
void		 control_close(struct control *ctl);

#endif
