/*
 * gatewayctl - asks a running gatewayd over its control socket: one
 * request line out, the reply until the daemon closes, printed as is.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/config.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION	"unknown"
#endif

#define CTL_REQ_MAX		256
#define CTL_TIMEOUT_SECS	30

static const struct option ctl_longopts[] = {
	{ "socket",	required_argument,	NULL,	's' },
	{ "help",	no_argument,		NULL,	'h' },
	{ "version",	no_argument,		NULL,	'V' },
	{ NULL,		0,			NULL,	0 }
};

static void
ctl_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: gatewayctl [-s SOCKET] command\n"
	    "commands:\n"
	    "  status [--json]   state of every tunnel\n"
	    "  up TUNNEL         start a tunnel\n"
	    "  down TUNNEL       stop a tunnel\n"
	    "  rekey TUNNEL [ike|child]\n"
	    "                    rekey its CHILD SAs (default) or IKE SA now\n"
	    "  counters          dropped and exchanged datagrams\n"
	    "  export TUNNEL [--format FORMAT]\n"
	    "                    print the configuration the tunnel's peer\n"
	    "                    gateway needs, with its pre-shared key;\n"
	    "                    FORMAT: ipsec.conf (strongSwan, default),\n"
	    "                    swanctl, libreswan, cisco-ios\n"
	    "  log [TUNNEL] [-n N] [--json]\n"
	    "                    the last N (default 20) events of the tunnel\n"
	    "                    or of every tunnel, in time order\n"
	    "  reload            reload the configuration file (as SIGHUP)\n"
	    "                    and show what changed or why it was refused\n"
	    "  doctor TUNNEL [--json]\n"
	    "                    why the tunnel is not Connected, from what\n"
	    "                    its last attempt exchanged, and the setting\n"
	    "                    to change on our side or the peer's\n"
	    "  ha active|standby|fault\n"
	    "                    set this node's HA role (keepalived's notify\n"
	    "                    hooks); needs an ha block in the configuration;\n"
	    "                    active before the bulk sync completed: goes\n"
	    "                    on with what was synced, warns in the log\n"
	    "options:\n"
	    "  -s, --socket SOCKET  control socket (default %s)\n"
	    "  -h, --help           show this help and exit\n"
	    "  -V, --version        show the version and exit\n",
	    CONFIG_DEFAULT_SOCKET);
}

/* "export TUNNEL [--format FORMAT]" -> "export TUNNEL FORMAT"; the
 * daemon checks the format name. */
static int
ctl_request_export(int argc, char *argv[], char *req, size_t len)
{
	const char	*fmt = "ipsec.conf";
	int		 n;

	if (argc == 4 && strcmp(argv[2], "--format") == 0)
		fmt = argv[3];
	else if (argc == 3 && strncmp(argv[2], "--format=", 9) == 0)
		fmt = argv[2] + 9;
	else if (argc != 2) {
		fprintf(stderr, "gatewayctl: usage: export TUNNEL "
		    "[--format ipsec.conf|swanctl|libreswan|cisco-ios]\n");
		return (-1);
	}
	if (argv[1][0] == '\0' || strpbrk(argv[1], " \t\r\n") != NULL ||
	    fmt[0] == '\0' || strpbrk(fmt, " \t\r\n") != NULL) {
		fprintf(stderr, "gatewayctl: export: a tunnel name and a "
		    "format are single words\n");
		return (-1);
	}
	n = snprintf(req, len, "export %s %s\n", argv[1], fmt);
	return (n > 0 && (size_t)n < len ? 0 : -1);
}

/* "log [TUNNEL] [-n N] [--json]": the words go as they are; gatewayd
 * checks them. */
static int
ctl_request_log(int argc, char *argv[], char *req, size_t len)
{
	size_t	 n;
	int	 i;

	if (argc > 5)
		return (-1);
	n = (size_t)snprintf(req, len, "log");
	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '\0' || strpbrk(argv[i], " \t\r\n") != NULL)
			return (-1);
		n += (size_t)snprintf(req + n, len - n, " %s", argv[i]);
		if (n >= len)
			return (-1);
	}
	n += (size_t)snprintf(req + n, len - n, "\n");
	return (n < len ? 0 : -1);
}

/* Builds the request line from the command words; -1 if not valid. */
static int
ctl_request(int argc, char *argv[], char *req, size_t len)
{
	int	 n;

	if (argc >= 2 && strcmp(argv[0], "export") == 0)
		return (ctl_request_export(argc, argv, req, len));
	if (argc == 1 && strcmp(argv[0], "status") == 0)
		n = snprintf(req, len, "status\n");
	else if (argc == 2 && strcmp(argv[0], "status") == 0 &&
	    strcmp(argv[1], "--json") == 0)
		n = snprintf(req, len, "status --json\n");
	else if (argc == 1 && strcmp(argv[0], "counters") == 0)
		n = snprintf(req, len, "counters\n");
	else if (argc == 1 && strcmp(argv[0], "reload") == 0)
		n = snprintf(req, len, "reload\n");
	else if (argc == 2 && strcmp(argv[0], "ha") == 0 &&
	    (strcmp(argv[1], "active") == 0 || strcmp(argv[1], "standby") ==
	    0 || strcmp(argv[1], "fault") == 0))
		n = snprintf(req, len, "ha %s\n", argv[1]);
	else if ((argc == 2 || (argc == 3 && strcmp(argv[2], "--json") ==
	    0)) && strcmp(argv[0], "doctor") == 0 && argv[1][0] != '\0' &&
	    strpbrk(argv[1], " \t\r\n") == NULL)
		n = snprintf(req, len, "doctor %s%s\n", argv[1],
		    argc == 3 ? " --json" : "");
	else if (argc >= 1 && strcmp(argv[0], "log") == 0)
		return (ctl_request_log(argc, argv, req, len));
	else if (argc == 2 && (strcmp(argv[0], "up") == 0 ||
	    strcmp(argv[0], "down") == 0) && argv[1][0] != '\0' &&
	    strpbrk(argv[1], " \t\r\n") == NULL)
		n = snprintf(req, len, "%s %s\n", argv[0], argv[1]);
	else if ((argc == 2 || argc == 3) && strcmp(argv[0], "rekey") == 0 &&
	    argv[1][0] != '\0' && strpbrk(argv[1], " \t\r\n") == NULL) {
		if (argc == 3 && strcmp(argv[2], "ike") != 0 &&
		    strcmp(argv[2], "child") != 0) {
			fprintf(stderr, "gatewayctl: unknown rekey kind "
			    "\"%s\": use ike or child\n", argv[2]);
			return (-1);
		}
		n = snprintf(req, len, "rekey %s %s\n", argv[1],
		    argc == 3 ? argv[2] : "child");
	} else
		return (-1);
	return (n > 0 && (size_t)n < len ? 0 : -1);
}

static int
ctl_connect(const char *path)
{
	struct sockaddr_un	 sun;
	struct timeval		 tv = { CTL_TIMEOUT_SECS, 0 };
	int			 fd, saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "socket path too long: %s\n", path);
		return (-1);
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		fprintf(stderr, "socket: %s\n", strerror(errno));
		return (-1);
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		fprintf(stderr, "cannot connect to %s: %s (%s)\n", path,
		    strerror(saved), saved == EACCES || saved == EPERM ?
		    "are you root?" : "is gatewayd running?");
		close(fd);
		return (-1);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return (fd);
}

static int
ctl_write_all(int fd, const char *p, size_t len)
{
	ssize_t	 w;

	while (len > 0) {
		if ((w = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += w;
		len -= (size_t)w;
	}
	return (0);
}

/* Copies the reply to stdout, or to stderr if it starts with "error:". */
static int
ctl_reply(int fd, const char *path)
{
	char	 buf[8192];
	size_t	 total = 0;
	ssize_t	 r;
	int	 error = 0, out = STDOUT_FILENO;

	for (;;) {
		r = read(fd, buf, sizeof(buf));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			fprintf(stderr, "reading from %s: %s\n", path,
			    errno == EAGAIN ? "timed out" : strerror(errno));
			return (1);
		}
		if (r == 0)
			break;
		if (total == 0 && r >= 6 && memcmp(buf, "error:", 6) == 0) {
			error = 1;
			out = STDERR_FILENO;
		}
		total += (size_t)r;
		if (ctl_write_all(out, buf, (size_t)r) == -1) {
			perror("write");
			return (1);
		}
	}
	explicit_bzero(buf, sizeof(buf));	/* an export holds a PSK */
	if (total == 0) {
		fprintf(stderr, "no reply from gatewayd on %s\n", path);
		return (1);
	}
	return (error);
}

int
main(int argc, char *argv[])
{
	const char	*path = CONFIG_DEFAULT_SOCKET;
	char		 req[CTL_REQ_MAX];
	int		 ch, fd, rv;

	signal(SIGPIPE, SIG_IGN);
	/* "+": stop at the command, so "status --json" stays its own. */
	while ((ch = getopt_long(argc, argv, "+s:hV", ctl_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			path = optarg;
			break;
		case 'h':
			ctl_usage(stdout);
			return (0);
		case 'V':
			printf("gatewayctl %s\n", PACKAGE_VERSION);
			return (0);
		default:
			ctl_usage(stderr);
			return (1);
		}
	}
	if (ctl_request(argc - optind, argv + optind, req, sizeof(req)) ==
	    -1) {
		ctl_usage(stderr);
		return (1);
	}
	if ((fd = ctl_connect(path)) == -1)
		return (1);
	if (ctl_write_all(fd, req, strlen(req)) == -1) {
		fprintf(stderr, "writing to %s: %s\n", path, strerror(errno));
		close(fd);
		return (1);
	}
	shutdown(fd, SHUT_WR);
	rv = ctl_reply(fd, path);
	close(fd);
	return (rv);
}
