/*
 * keyfile.c - key-log files: O_NOFOLLOW, O_CREAT with mode 0600 (no
 * window in which the file has wider permissions, unlike fopen and a
 * later fchmod), then fstat: a regular file owned by us, else refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "common/keyfile.h"

FILE *
keyfile_open(const char *dir, const char *name, char *err, size_t errlen)
{
	char		 path[4200];
	struct stat	 st;
	FILE		*f;
	int		 fd, fl;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	/* O_NONBLOCK: a FIFO planted there must not block the daemon. */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC | O_NONBLOCK, 0600);
	if (fd == -1) {
		if (errno == ELOOP)
			snprintf(err, errlen, "key file %s is a symbolic "
			    "link: keys not written (remove the link; "
			    "keylog-dir must hold the files themselves)",
			    path);
		else if (errno == ENXIO)	/* a FIFO or socket */
			snprintf(err, errlen, "key file %s is not a regular "
			    "file: keys not written (remove it)", path);
		else
			snprintf(err, errlen, "cannot open key file %s: %s "
			    "(keylog-dir must exist and be writable by uid "
			    "%u)", path, strerror(errno), (unsigned)geteuid());
		return (NULL);
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "cannot stat key file %s: %s", path,
		    strerror(errno));
		close(fd);
		return (NULL);
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "key file %s is not a regular file: "
		    "keys not written (remove it)", path);
		close(fd);
		return (NULL);
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, errlen, "key file %s belongs to uid %u, not to "
		    "gatewayd (uid %u): keys not written (remove it, or "
		    "chown it to uid %u)", path, (unsigned)st.st_uid,
		    (unsigned)geteuid(), (unsigned)geteuid());
		close(fd);
		return (NULL);
	}
	/* An existing file keeps its mode: make sure only we read it. */
	if ((st.st_mode & 077) != 0 && fchmod(fd, 0600) == -1) {
		snprintf(err, errlen, "key file %s has mode %04o and cannot "
		    "be made 0600: %s (chmod 0600 it)", path,
		    (unsigned)(st.st_mode & 07777), strerror(errno));
		close(fd);
		return (NULL);
	}
	if ((fl = fcntl(fd, F_GETFL)) != -1)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	if ((f = fdopen(fd, "a")) == NULL) {
		snprintf(err, errlen, "cannot open key file %s: %s", path,
		    strerror(errno));
		close(fd);
		return (NULL);
	}
	return (f);
}
