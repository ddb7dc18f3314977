/*
 * sdnotify.c - readiness notification without libsystemd: the protocol is
 * one datagram per message on the AF_UNIX SOCK_DGRAM socket that
 * $NOTIFY_SOCKET names; '@' at its start stands for the NUL byte of
 * Linux's abstract socket namespace.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "daemon/sdnotify.h"

int
sdnotify(const char *state)
{
	struct sockaddr_un	 sun;
	const char		*path = getenv("NOTIFY_SOCKET");
	socklen_t		 salen;
	size_t			 len;
	ssize_t			 w;
	int			 fd;

	if (path == NULL || path[0] == '\0')
		return (0);
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len < 2 ||
	    len >= sizeof(sun.sun_path)) {
		log_warn("NOTIFY_SOCKET \"%.64s\" is not an absolute path or "
		    "an abstract name (@NAME) of at most %zu bytes: no "
		    "readiness notification", path, sizeof(sun.sun_path) - 1);
		return (-1);
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, len);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	/* an abstract name is exactly len bytes long, no trailing NUL */
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
	    (path[0] == '@' ? 0 : 1));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("notify socket: %s", strerror(errno));
		return (-1);
	}
	do
		w = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		    (struct sockaddr *)&sun, salen);
	while (w == -1 && errno == EINTR);
	close(fd);
	if (w == -1) {
		log_warn("cannot notify the service manager on %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	log_debug("notified the service manager: %s", state);
	return (1);
}

int
sdnotify_reloading(void)
{
	struct timespec	 ts;
	char		 msg[64];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000);
	return (sdnotify(msg));
}
