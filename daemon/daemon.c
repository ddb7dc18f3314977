/*
 * daemon.c - gatewayd's main: options, start-up, signals, shutdown.
 *
 * Start-up order: configuration, logging, event base, IKE sockets and
 * control socket (which fail if another gatewayd runs), kernel (which
 * removes what a previous gatewayd left), engine, event loop.  Without
 * -F the daemon forks first and the parent waits until the child reports
 * that start-up succeeded, so every start-up error still reaches the
 * terminal and the exit status.  Under a service manager (Type=notify,
 * $NOTIFY_SOCKET) gatewayd says READY=1 once it listens with its
 * configuration loaded, RELOADING=1 / READY=1 around a reload and
 * STOPPING=1 when it shuts down.
 *
 * Once all of that is open (sockets bound, netlink open, pid file
 * written), gatewayd drops its privileges (daemon/privs.c): it becomes
 * the configured user, if any, and keeps CAP_NET_ADMIN and
 * CAP_NET_BIND_SERVICE only.  A reload then reads the file as that user.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/buf.h"
#include "common/connlog.h"
#include "common/log.h"
#include "daemon/control.h"
#include "daemon/pidfile.h"
#include "daemon/privs.h"
#include "daemon/reload.h"
#include "daemon/sdnotify.h"
#include "daemon/metrics.h"
#include "ike/ha_chan.h"
#include "ike/ike.h"
#include "ike/net.h"
#include "kernel/kernel.h"
#include "policy/config.h"
#include "policy/export.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION	"unknown"
#endif

struct gwd {
	const char		*g_path;	/* configuration file */
	char			 g_abspath[PATH_MAX]; /* reloads after chdir */
	int			 g_debug;	/* -d */
	struct config		*g_cfg;		/* the running configuration */
	char			 g_ctl_path[sizeof(((struct config *)0)->
				    cfg_ctl_socket)];
	struct event_base	*g_base;
	struct kernel_ops	 g_kops;
	int			 g_kernel_open;
	int			 g_kernel_null;	/* benchmarks only */
	struct event		*g_kernel_ev;	/* XFRM expiry events */
	struct event		*g_kflush_ev;	/* kernel requests that wait */
	struct net		*g_net;
	struct ike_net		 g_inet;
	struct ike_ctx		*g_ike;
	struct control		*g_ctl;
	struct metrics		*g_metrics;	/* metrics-listen, or NULL */
	char			 g_metrics_addr[sizeof(((struct config *)0)->
				    cfg_metrics_addr)];
	uint16_t		 g_metrics_port;
	struct event		*g_sig[3];
	const char		*g_pidpath;	/* --pidfile, or NULL */
	struct pidfile		*g_pidfile;
	struct connlog		*g_connlog;	/* gatewayctl log */
	const char		*g_user_opt;	/* --user, or NULL */
	char			 g_user[CFG_USER_MAX + 1]; /* "" root */
	struct ha_chan		*g_ha;		/* ha block: sync channel */
};

static const struct option gwd_longopts[] = {
	{ "config",	required_argument,	NULL,	'f' },
	{ "foreground",	no_argument,		NULL,	'F' },
	{ "debug",	no_argument,		NULL,	'd' },
	{ "check",	no_argument,		NULL,	'n' },
	{ "pidfile",	required_argument,	NULL,	'p' },
	{ "user",	required_argument,	NULL,	'u' },
	{ "help",	no_argument,		NULL,	'h' },
	{ "version",	no_argument,		NULL,	'V' },
	{ "bench-null-kernel", no_argument,	NULL,	'B' },
	{ NULL,		0,			NULL,	0 }
};

static void
gwd_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: gatewayd [-dFhnV] [-f FILE] [-p PIDFILE] [-u USER]\n"
	    "  -f, --config FILE  configuration file (default %s)\n"
	    "  -F, --foreground   stay in the foreground, log to stderr\n"
	    "  -d, --debug        log debug messages (overrides log-level)\n"
	    "  -n, --check        check the configuration and exit\n"
	    "  -p, --pidfile PIDFILE\n"
	    "                     write the pid there (locked: a second\n"
	    "                     gatewayd with it refuses to start)\n"
	    "  -u, --user USER    run as USER after start-up (overrides the\n"
	    "                     file's user); only CAP_NET_ADMIN and\n"
	    "                     CAP_NET_BIND_SERVICE are kept either way\n"
	    "  -h, --help         show this help and exit\n"
	    "  -V, --version      show the version and exit\n",
	    CONFIG_DEFAULT_PATH);
	if (kernel_null_available())
		fprintf(fp,
		    "  --bench-null-kernel\n"
		    "                     benchmarks only: install nothing in\n"
		    "                     the kernel (tunnels carry no traffic)\n");
}

/* struct ike_net and struct control_ops, wired to the engine. */

static void
gwd_recv(void *arg, const uint8_t *pkt, size_t len,
    const struct sockaddr_in *local, const struct sockaddr_in *remote)
{
	struct gwd	*g = arg;

	if (g->g_ike != NULL)
		ike_recv(g->g_ike, pkt, len, local, remote);
}

static int
gwd_ctl_status(void *arg, struct tunnel_status *out, int max)
{
	struct gwd	*g = arg;

	return (ike_status(g->g_ike, out, max));
}

static int
gwd_ctl_up(void *arg, const char *name)
{
	struct gwd	*g = arg;

	return (ike_tunnel_up(g->g_ike, name));
}

static int
gwd_ctl_down(void *arg, const char *name)
{
	struct gwd	*g = arg;

	return (ike_tunnel_down(g->g_ike, name));
}

/* 0; -1 no such tunnel; -2 not established; -3 no CHILD SA to rekey. */
static int
gwd_ctl_rekey(void *arg, const char *name, int ike)
{
	struct gwd	*g = arg;

	return (ike ? ike_tunnel_rekey_ike(g->g_ike, name) :
	    ike_tunnel_rekey(g->g_ike, name));
}

static void
gwd_ctl_counters(void *arg, struct ike_counters *ic, struct net_counters *nc)
{
	struct gwd	*g = arg;

	ike_counters_get(g->g_ike, ic);
	net_counters_get(g->g_net, nc);
}

/* The peer's configuration for a tunnel of the running configuration. */
static int
gwd_ctl_export(void *arg, const char *name, int format, struct buf *out,
    char *err, size_t errlen)
{
	struct gwd		*g = arg;
	struct cfg_tunnel	*t;

	if ((t = config_tunnel_find(g->g_cfg, name)) == NULL) {
		snprintf(err, errlen, "no tunnel named %s", name);
		return (-1);
	}
	return (export_tunnel(t, (enum export_format)format, out, err,
	    errlen));
}

static int	gwd_reload(struct gwd *, struct buf *);

static int
gwd_ctl_doctor(void *arg, const char *name, struct tunnel_diag *d,
    const char **state, int *connected)
{
	struct gwd		*g = arg;
	enum tunnel_state	 st;

	if (ike_tunnel_doctor(g->g_ike, name, d, &st) == -1)
		return (-1);
	*state = tunnel_state_name(st);
	*connected = st == TUNNEL_CONNECTED;
	return (0);
}

static int
gwd_ctl_reload(void *arg, struct buf *out)
{
	return (gwd_reload(arg, out));
}

/*
 * gatewayctl ha ROLE (keepalived's notify hooks): 0, -1 without an ha
 * block, -2 out of memory.  Becoming active resumes the SAs synced
 * from the old active node (IKEv2, ike_takeover) and starts the other
 * tunnels as at start-up.  Leaving it removes every SA from the kernel
 * and a new, passive engine waits: while the other node is alive on
 * the sync channel and says its bulk sync is complete (it holds our
 * state and is about to take over: a switchover) the peers are told
 * nothing (ike_handover); else DELETEs are sent as at exit
 * (ike_shutdown).
 */
static int
gwd_ha_role(void *arg, int role)
{
	struct gwd	*g = arg;
	struct ike_ctx	*ike;
	struct ha_status st;
	struct timespec	 t0, t1;
	long long	 us = 0;
	int		 old, handover = 0;

	if (g->g_ha == NULL)
		return (-1);
	old = ha_chan_role(g->g_ha);
	if (old == role)
		return (0);
	if (role == HA_ROLE_ACTIVE) {
		ha_chan_role_set(g->g_ha, role);
		ike_passive_set(g->g_ike, 0);
		/* the old active node's SAs go on here; the rest start */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		(void)ike_takeover(g->g_ike);
		ike_start(g->g_ike);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		us = (t1.tv_sec - t0.tv_sec) * 1000000LL +
		    (t1.tv_nsec - t0.tv_nsec) / 1000;
	} else if (old == HA_ROLE_ACTIVE) {
		if ((ike = ike_new(g->g_base, g->g_cfg, &g->g_kops,
		    &g->g_inet)) == NULL)
			return (-2);
		ha_chan_status(g->g_ha, &st);
		/* only to a standby that holds all of our SAs (its bulk
		 * sync complete); else the peers are told (DELETE) */
		handover = st.hs_peer_alive && st.hs_peer_synced;
		/* ours kept in our own table, in case we are made active
		 * again before the other node is (keepalived's init) */
		if (handover)
			(void)ike_ha_keep_own(g->g_ike);
		/* no sync record (no DELETE) once not active */
		ha_chan_role_set(g->g_ha, role);
		if (handover)
			ike_handover(g->g_ike);
		else
			ike_shutdown(g->g_ike);
		ike_free(g->g_ike);
		g->g_ike = ike;
		/* ike_new() wired the kernel's events to the new engine */
		ike_connlog_set(g->g_ike, g->g_connlog);
		ike_passive_set(g->g_ike, 1);
		ike_ha_set(g->g_ike, g->g_ha);
	} else
		ha_chan_role_set(g->g_ha, role);
	if (role == HA_ROLE_ACTIVE)
		log_info("ha: role active (was %s): takeover and start of "
		    "the tunnels took %lld.%03lld ms", ha_role_name(old),
		    us / 1000, us % 1000);
	else
		log_info("ha: role %s (was %s)%s", ha_role_name(role),
		    ha_role_name(old), old != HA_ROLE_ACTIVE ? "" :
		    handover ? ": SAs handed over to the other node (removed "
		    "here, no DELETE sent), IKE ignored" : ": tunnels stopped "
		    "(DELETE sent, no live standby), IKE ignored");
	return (0);
}

static int
gwd_ha_status(void *arg, struct ha_status *st)
{
	struct gwd	*g = arg;

	if (g->g_ha == NULL)
		return (-1);
	ha_chan_status(g->g_ha, st);
	return (0);
}

static int
gwd_control_open(struct gwd *g, const char *path)
{
	struct control_ops	 ops = {
		.co_arg = g,
		.co_status = gwd_ctl_status,
		.co_up = gwd_ctl_up,
		.co_down = gwd_ctl_down,
		.co_rekey = gwd_ctl_rekey,
		.co_counters = gwd_ctl_counters,
		.co_export = gwd_ctl_export,
		.co_doctor = gwd_ctl_doctor,
		.co_connlog = g->g_connlog,
		.co_reload = gwd_ctl_reload,
		.co_ha_role = gwd_ha_role,
		.co_ha_status = gwd_ha_status
	};

	if ((g->g_ctl = control_open(g->g_base, path, &ops)) == NULL)
		return (-1);
	snprintf(g->g_ctl_path, sizeof(g->g_ctl_path), "%s", path);
	return (0);
}

/* metrics_ops, wired to the engine like the control socket's. */

static void
gwd_metrics_gauges(void *arg, struct ike_gauges *gauges)
{
	struct gwd	*g = arg;

	ike_gauges_get(g->g_ike, gauges);
}

/* Opens (or closes) the metrics endpoint as cfg says; -1 if it cannot. */
static int
gwd_metrics_open(struct gwd *g, const struct config *cfg)
{
	struct metrics_ops	 ops = {
		.mo_arg = g,
		.mo_status = gwd_ctl_status,
		.mo_counters = gwd_ctl_counters,
		.mo_gauges = gwd_metrics_gauges,
		.mo_ha = gwd_ha_status
	};

	if (g->g_metrics != NULL && cfg->cfg_metrics_port == g->g_metrics_port &&
	    strcmp(cfg->cfg_metrics_addr, g->g_metrics_addr) == 0)
		return (0);		/* unchanged */
	metrics_close(g->g_metrics);
	g->g_metrics = NULL;
	g->g_metrics_port = 0;
	if (cfg->cfg_metrics_port == 0)
		return (0);		/* off */
	if ((g->g_metrics = metrics_open(g->g_base, cfg->cfg_metrics_addr,
	    cfg->cfg_metrics_port, &ops)) == NULL)
		return (-1);
	snprintf(g->g_metrics_addr, sizeof(g->g_metrics_addr), "%s",
	    cfg->cfg_metrics_addr);
	g->g_metrics_port = cfg->cfg_metrics_port;
	return (0);
}

/* Warns about gateway addresses this host does not have (yet). */
static void
gwd_addrs_check(const struct config *cfg)
{
	int	 i;

	/* HA: a standby node does not hold the virtual address */
	if (cfg->cfg_ha.ha_enabled)
		return;
	for (i = 0; i < cfg->cfg_ngateways; i++)
		net_addr_check(cfg->cfg_gateways[i].gw_addr,
		    cfg->cfg_gateways[i].gw_name);
}

/* A new control-socket path: moved once the reply in progress is out. */
static void
gwd_control_move_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct gwd	*g = arg;

	if (strcmp(g->g_cfg->cfg_ctl_socket, g->g_ctl_path) == 0)
		return;
	control_close(g->g_ctl);
	g->g_ctl = NULL;
	g->g_ctl_path[0] = '\0';
	if (gwd_control_open(g, g->g_cfg->cfg_ctl_socket) == -1)
		log_err("no control socket until the next reload");
}

/* The kernel's policy hash thresholds for the tunnels of the file. */
static void
gwd_policy_hash(struct gwd *g)
{
	int	l, r;

	if (!g->g_kernel_open || g->g_kops.ko_policy_hash == NULL)
		return;
	config_hash_bits(g->g_cfg, &l, &r);
	if (g->g_kops.ko_policy_hash(g->g_kops.ko_arg, l, r) == -1)
		log_warn("kernel: cannot set the XFRM policy hash thresholds "
		    "to %d/%d: policies are added at a cost that grows with "
		    "their number", l, r);
}

/*
 * SIGHUP and "gatewayctl reload": the file again, as a whole or not at
 * all; the report (NULL for SIGHUP: logged only) says what changed or
 * why the file was refused.  0 reloaded, 1 refused, -1 out of memory.
 */
static int
gwd_reload(struct gwd *g, struct buf *out)
{
	struct timeval	 now = { 0, 0 };
	int		 rv;

	sdnotify_reloading();
	rv = reload_config(g->g_ike, &g->g_cfg, g->g_path, out);
	if (rv == 0)
		gwd_policy_hash(g);
	if (rv == 0 && g->g_user_opt == NULL &&
	    strcmp(g->g_cfg->cfg_user, g->g_user) != 0)
		log_warn("%s: user changed to \"%s\": gatewayd keeps running "
		    "as \"%s\" until it is restarted", g->g_path,
		    g->g_cfg->cfg_user, g->g_user[0] != '\0' ? g->g_user :
		    "root");
	/* an ha block added: this node becomes the active one (upgrade in
	 * place); changed or removed: a restart applies it */
	if (rv == 0)
		(void)reload_ha(g->g_ike, &g->g_cfg->cfg_ha, g->g_base,
		    &g->g_ha);
	if (rv == 0) {
		if (!g->g_debug)
			log_set_level(g->g_cfg->cfg_log_level);
		gwd_addrs_check(g->g_cfg);
		(void)net_rcvbuf_set(g->g_net, g->g_cfg->cfg_rcvbuf_kb *
		    1024);
		if (strcmp(g->g_cfg->cfg_ctl_socket, g->g_ctl_path) != 0 &&
		    event_base_once(g->g_base, -1, EV_TIMEOUT,
		    gwd_control_move_cb, g, &now) == -1)
			log_err("cannot move the control socket to %s",
			    g->g_cfg->cfg_ctl_socket);
		if (gwd_metrics_open(g, g->g_cfg) == -1)
			log_err("no metrics endpoint until the next reload");
	}
	sdnotify("READY=1");
	return (rv);
}

static void
gwd_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct gwd	*g = arg;

	if (sig == SIGHUP) {
		gwd_reload(g, NULL);
		return;
	}
	sdnotify("STOPPING=1");
	log_info("%s received, shutting down",
	    sig == SIGTERM ? "SIGTERM" : "SIGINT");
	event_base_loopbreak(g->g_base);
}

static int
gwd_signals(struct gwd *g)
{
	static const int	 sigs[3] = { SIGTERM, SIGINT, SIGHUP };
	int			 i;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < 3; i++) {
		g->g_sig[i] = evsignal_new(g->g_base, sigs[i], gwd_signal_cb,
		    g);
		if (g->g_sig[i] == NULL || evsignal_add(g->g_sig[i],
		    NULL) == -1) {
			log_err("cannot handle signal %d", sigs[i]);
			return (-1);
		}
	}
	return (0);
}

/*
 * Forks; the parent exits 0 once the child writes one byte to the pipe, 1
 * if the child exits first.  The child gets the pipe's write end.
 */
static int
gwd_daemon_fork(void)
{
	int	 p[2];
	pid_t	 pid;
	ssize_t	 r;
	char	 c = 0;

	if (pipe2(p, O_CLOEXEC) == -1) {
		fprintf(stderr, "gatewayd: pipe: %s\n", strerror(errno));
		exit(1);
	}
	if ((pid = fork()) == -1) {
		fprintf(stderr, "gatewayd: fork: %s\n", strerror(errno));
		exit(1);
	}
	if (pid > 0) {
		close(p[1]);
		do
			r = read(p[0], &c, 1);
		while (r == -1 && errno == EINTR);
		_exit(r == 1 && c == 'r' ? 0 : 1);
	}
	close(p[0]);
	setsid();
	return (p[1]);
}

/* Start-up done: detach from the terminal and log to syslog. */
static void
gwd_daemon_ready(int fd, int level)
{
	int	 null;

	if (chdir("/") == -1)
		log_warn("chdir /: %s", strerror(errno));
	if ((null = open("/dev/null", O_RDWR)) != -1) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	log_init(1, level);
	log_info("gatewayd %s started", PACKAGE_VERSION);
	if (write(fd, "r", 1) != 1)
		log_warn("cannot notify the parent process");
	close(fd);
}

/* The kernel requests that waited for the datagram or timer at hand. */
static void
gwd_kflush_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct gwd	*g = arg;

	kernel_xfrm_flush(&g->g_kops);
}

static void
gwd_kflush_kick(void *arg)
{
	struct gwd	*g = arg;

	event_active(g->g_kflush_ev, EV_TIMEOUT, 0);
}

static void
gwd_kernel_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct gwd	*g = arg;

	kernel_xfrm_events_read(&g->g_kops);
}

/*
 * The kernel's SA expiry notifications: a soft one starts a rekey that
 * has not happened, a hard one sets the CHILD SA up again.  Without them
 * the engine's own timers still act.
 */
static void
gwd_kernel_events(struct gwd *g)
{
	int	 fd;

	if ((fd = kernel_xfrm_events_open(&g->g_kops)) == -1 ||
	    (g->g_kernel_ev = event_new(g->g_base, fd, EV_READ | EV_PERSIST,
	    gwd_kernel_cb, g)) == NULL ||
	    event_add(g->g_kernel_ev, NULL) == -1)
		log_warn("no kernel SA expiry events: relying on gatewayd's "
		    "own lifetime timers");
}

static int
gwd_start(struct gwd *g)
{
	char	 err[PATH_MAX + 256];

	/* after the fork: the pid is the daemon's */
	if (g->g_pidpath != NULL && (g->g_pidfile = pidfile_open(g->g_pidpath,
	    err, sizeof(err))) == NULL) {
		log_err("%s", err);
		return (-1);
	}
	if ((g->g_connlog = connlog_new(0)) == NULL) {
		log_err("cannot allocate the connection log");
		return (-1);
	}
	if ((g->g_base = event_base_new()) == NULL) {
		log_err("cannot create the event base");
		return (-1);
	}
	if (gwd_signals(g) == -1)
		return (-1);
	/*
	 * Sockets first: a second gatewayd fails here, before the kernel's
	 * stale-state cleanup could remove the running one's SAs.
	 */
	gwd_addrs_check(g->g_cfg);
	g->g_net = net_open_freebind(g->g_base, NET_PORT_IKE, NET_PORT_NATT,
	    kernel_socket_bypass, gwd_recv, g, g->g_cfg->cfg_ha.ha_enabled);
	if (g->g_net == NULL)
		return (-1);
	(void)net_rcvbuf_set(g->g_net, g->g_cfg->cfg_rcvbuf_kb * 1024);
	if (gwd_control_open(g, g->g_cfg->cfg_ctl_socket) == -1)
		return (-1);
	if (g->g_kernel_null) {
		if (kernel_null_open(&g->g_kops) == -1)
			return (-1);
		g->g_kernel_open = 1;
	} else {
		/* Also removes SAs, policies and routes a previous run
		 * left. */
		if (kernel_xfrm_open(&g->g_kops) == -1)
			return (-1);
		g->g_kernel_open = 1;
		gwd_kernel_events(g);
		/* deletes and routes wait until the answer to the peer is
		 * out */
		if ((g->g_kflush_ev = event_new(g->g_base, -1, 0,
		    gwd_kflush_cb, g)) != NULL)
			kernel_xfrm_defer(&g->g_kops, gwd_kflush_kick, g);
	}
	g->g_inet.in_arg = g->g_net;
	g->g_inet.in_send = net_send;
	gwd_policy_hash(g);
	g->g_ike = ike_new(g->g_base, g->g_cfg, &g->g_kops, &g->g_inet);
	if (g->g_ike == NULL) {
		log_err("cannot start the IKE engine");
		return (-1);
	}
	ike_connlog_set(g->g_ike, g->g_connlog);
	if (g->g_cfg->cfg_ha.ha_enabled) {
		/* standby until keepalived says otherwise (gatewayctl ha) */
		ike_passive_set(g->g_ike, 1);
		if (if_nametoindex(g->g_cfg->cfg_ha.ha_ifname) == 0)
			log_warn("ha: interface %s does not exist (yet)",
			    g->g_cfg->cfg_ha.ha_ifname);
		if ((g->g_ha = ha_chan_open(g->g_base, &g->g_cfg->cfg_ha,
		    HA_ROLE_STANDBY)) == NULL)
			return (-1);
		/* the active node's SAs go to the standby (ike/ike_ha.c) */
		ike_ha_set(g->g_ike, g->g_ha);
	}
	/* after the engine: a scrape reads it */
	if (gwd_metrics_open(g, g->g_cfg) == -1)
		return (-1);
	ike_start(g->g_ike);
	return (0);
}

/*
 * After start-up: the user and the two capabilities.  What gatewayd
 * still opens later must be reachable then: the file (reload), the
 * key directory; both are checked now, so that a start fails rather
 * than the next reload.
 */
static int
gwd_privs_drop(struct gwd *g)
{
	const char	*who = g->g_user[0] != '\0' ? g->g_user : "root";
	char		 err[512];
	int		 fd;

	if (privs_drop(g->g_user, err, sizeof(err)) == -1) {
		log_err("cannot drop privileges: %s", err);
		return (-1);
	}
	if ((fd = open(g->g_path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_err("%s: not readable by user %s (uid %u) after the "
		    "privilege drop: %s (make it readable: chgrp %s %s; chmod "
		    "0640 %s; or remove \"user\" to stay root)", g->g_path,
		    who, (unsigned)getuid(), strerror(errno), who,
		    g->g_path, g->g_path);
		return (-1);
	}
	close(fd);
	if (g->g_cfg->cfg_keylog_dir[0] != '\0' &&
	    access(g->g_cfg->cfg_keylog_dir, W_OK | X_OK) == -1)
		log_warn("keylog-dir %s: not writable by uid %u: %s (no key "
		    "files until it is: chown it to the user gatewayd runs "
		    "as)", g->g_cfg->cfg_keylog_dir, (unsigned)getuid(),
		    strerror(errno));
	log_info("running as %s (uid %u), capabilities cap_net_admin and "
	    "cap_net_bind_service only", who, (unsigned)getuid());
	return (0);
}

static void
gwd_stop(struct gwd *g)
{
	int	 i;

	if (g->g_kernel_ev != NULL)
		event_free(g->g_kernel_ev);
	metrics_close(g->g_metrics);

	if (g->g_ike != NULL) {
		/* DELETE every SA while the sockets are still open. */
		ike_shutdown(g->g_ike);
		ike_free(g->g_ike);
	}
	if (g->g_kernel_open && g->g_kernel_null)
		kernel_null_close(&g->g_kops);
	else if (g->g_kernel_open) {
		kernel_xfrm_defer(&g->g_kops, NULL, NULL);
		kernel_xfrm_close(&g->g_kops);
	}
	if (g->g_kflush_ev != NULL)
		event_free(g->g_kflush_ev);
	control_close(g->g_ctl);
	ha_chan_close(g->g_ha);
	net_close(g->g_net);
	for (i = 0; i < 3; i++)
		if (g->g_sig[i] != NULL)
			event_free(g->g_sig[i]);
	if (g->g_base != NULL)
		event_base_free(g->g_base);
	/* ike_free() leaves the running configuration to us. */
	config_free(g->g_cfg);
	connlog_free(g->g_connlog);
	pidfile_close(g->g_pidfile);
}

int
main(int argc, char *argv[])
{
	struct gwd	 g;
	char		 err[512];
	int		 ch, foreground = 0, check = 0, level, readyfd = -1;

	memset(&g, 0, sizeof(g));
	g.g_path = CONFIG_DEFAULT_PATH;
	while ((ch = getopt_long(argc, argv, "f:Fdnp:u:hV", gwd_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'f':
			g.g_path = optarg;
			break;
		case 'F':
			foreground = 1;
			break;
		case 'd':
			g.g_debug = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'p':
			g.g_pidpath = optarg;
			break;
		case 'u':
			if (strlen(optarg) > CFG_USER_MAX) {
				fprintf(stderr, "gatewayd: --user %.40s...: "
				    "too long (at most %d characters)\n",
				    optarg, CFG_USER_MAX);
				return (1);
			}
			g.g_user_opt = optarg;
			break;
		case 'h':
			gwd_usage(stdout);
			return (0);
		case 'V':
			printf("gatewayd %s\n", PACKAGE_VERSION);
			return (0);
		case 'B':
			/* refused before anything starts: a production
			 * build must never run without its kernel */
			if (!kernel_null_available()) {
				fprintf(stderr, "gatewayd: --bench-null-kernel "
				    "is for benchmarks only: this gatewayd was "
				    "built without --enable-bench\n");
				return (1);
			}
			g.g_kernel_null = 1;
			break;
		default:
			gwd_usage(stderr);
			return (1);
		}
	}
	if (optind != argc) {
		gwd_usage(stderr);
		return (1);
	}
	if ((g.g_cfg = config_load(g.g_path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return (1);
	}
	snprintf(g.g_user, sizeof(g.g_user), "%s", g.g_user_opt != NULL ?
	    g.g_user_opt : g.g_cfg->cfg_user);
	if (g.g_user[0] != '\0') {
		uid_t	 uid;
		gid_t	 gid;

		if (privs_user_lookup(g.g_user, &uid, &gid, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "%s: %s\n", g.g_path, err);
			config_free(g.g_cfg);
			return (1);
		}
	}
	if (check) {
		printf("%s: configuration OK\n", g.g_path);
		config_free(g.g_cfg);
		return (0);
	}
	/* The daemon changes to "/": reload from the absolute path. */
	if (realpath(g.g_path, g.g_abspath) != NULL)
		g.g_path = g.g_abspath;
	level = g.g_debug ? LOG_LVL_DEBUG : g.g_cfg->cfg_log_level;
	log_init(0, level);
	if (!foreground)
		readyfd = gwd_daemon_fork();
	if (gwd_start(&g) == -1 || gwd_privs_drop(&g) == -1) {
		gwd_stop(&g);
		return (1);
	}
	if (readyfd != -1)
		gwd_daemon_ready(readyfd, level);
	else
		log_info("gatewayd %s started", PACKAGE_VERSION);
	/* listening, configuration loaded (the pid is final: no fork) */
	sdnotify("READY=1");
	event_base_dispatch(g.g_base);
	gwd_stop(&g);
	log_info("gatewayd stopped");
	return (0);
}
