/*
 * sdnotify.h - the service manager's readiness protocol (systemd's
 * sd_notify, Type=notify), spoken by hand: one datagram of
 * "VARIABLE=value" lines to the AF_UNIX socket named by $NOTIFY_SOCKET
 * (a path, or an abstract name written with a leading '@').
 */
#ifndef GW_SDNOTIFY_H
#define GW_SDNOTIFY_H

/*
 * Sends state (e.g. "READY=1", "RELOADING=1\nMONOTONIC_USEC=...").
 * 1 sent, 0 no $NOTIFY_SOCKET (not run by a service manager), -1 error
 * (logged).
 */
int	sdnotify(const char *state);
/* The same with "\nMONOTONIC_USEC=<now>" appended (for RELOADING=1). */
int	sdnotify_reloading(void);

#endif
