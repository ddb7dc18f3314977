/*
 * connlog.h - the connection log: a bounded ring of events per tunnel
 * (attempts, state changes, failure causes, rekeys, DPD verdicts, deletes
 * by the peer, INITIAL_CONTACT), kept in memory for "gatewayctl log" and
 * also written through the log module (syslog, facility daemon, or
 * stderr in the foreground).  Never pass secrets.
 */
#ifndef GW_CONNLOG_H
#define GW_CONNLOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CONNLOG_RING		256	/* events kept per tunnel */
#define CONNLOG_TUNNELS		256	/* rings kept; the stalest goes */
#define CONNLOG_NAME_MAX	64
#define CONNLOG_EVENT_MAX	24
#define CONNLOG_DETAIL_MAX	192
#define CONNLOG_DEFAULT_N	20	/* events per tunnel shown by default */

struct connlog_event {
	struct timespec	 ce_time;		/* CLOCK_REALTIME */
	uint64_t	 ce_seq;		/* order across tunnels */
	char		 ce_tunnel[CONNLOG_NAME_MAX];
	char		 ce_event[CONNLOG_EVENT_MAX];
	char		 ce_detail[CONNLOG_DETAIL_MAX];
};

struct connlog;
struct buf;

/* A log holding up to ring events per tunnel (0: CONNLOG_RING); NULL. */
struct connlog	*connlog_new(unsigned ring);
void		 connlog_free(struct connlog *cl);	/* accepts NULL */
/*
 * Appends one event to tunnel's ring (the oldest goes when it is full)
 * and logs it.  cl NULL: logged only.  Long texts are cut.
 */
void		 connlog_add(struct connlog *cl, const char *tunnel,
		    const char *event, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));
void		 connlog_vadd(struct connlog *cl, const char *tunnel,
		    const char *event, const char *fmt, va_list ap)
		    __attribute__((format(printf, 4, 0)));
/*
 * Copies the last n events of tunnel (NULL: of every tunnel, merged in
 * time order) into out (max entries), oldest first; returns the number.
 */
int		 connlog_get(const struct connlog *cl, const char *tunnel,
		    int n, struct connlog_event *out, int max);
/*
 * Appends the last n events of tunnel (NULL: all) as text lines
 * ("TIME TUNNEL EVENT DETAIL") or as a JSON array of objects {time,
 * tunnel, event, detail}.  0, or -1 out of memory.
 */
int		 connlog_format(const struct connlog *cl, const char *tunnel,
		    int n, int json, struct buf *out);
/* "2026-12-05T03:17:27.123+00:00" (local time, its UTC offset). */
void		 connlog_time_str(const struct timespec *ts, char *out,
		    size_t len);
/* Appends s as a JSON string (quotes included); 0 or -1. */
int		 connlog_json_str(struct buf *out, const char *s);

#endif
