/*
 * pidfile.c - a locked pid file.  The lock, not the file's existence,
 * tells that a gatewayd runs: a file a crashed daemon left behind is
 * taken over.  The pid is written to PATH.tmp.PID, which is locked first
 * and then renamed over PATH, so a reader never sees a partial file and
 * the lock moves with the name.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/pidfile.h"

struct pidfile {
	int	 pf_fd;
	char	 pf_path[PATH_MAX];
};

/* The pid in the locked file at path, or 0 if unreadable. */
static long
pidfile_holder(const char *path)
{
	char	 b[32];
	ssize_t	 r;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (0);
	r = read(fd, b, sizeof(b) - 1);
	close(fd);
	if (r <= 0)
		return (0);
	b[r] = '\0';
	return (strtol(b, NULL, 10));
}

/*
 * Opens and locks path itself (made if missing), making sure the locked
 * file is still the one of that name (another gatewayd may have renamed
 * a new one over it meanwhile).  The fd, -1 (errno) or -2 (held).
 */
static int
pidfile_lock_name(const char *path)
{
	struct stat	 a, b;
	int		 fd, tries;

	for (tries = 0; tries < 10; tries++) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		    0644);
		if (fd == -1)
			return (-1);
		if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
			close(fd);
			return (errno == EWOULDBLOCK ? -2 : -1);
		}
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return (fd);
		close(fd);
	}
	errno = EAGAIN;
	return (-1);
}

struct pidfile *
pidfile_open(const char *path, char *err, size_t errlen)
{
	struct pidfile	*pf;
	char		 abs[PATH_MAX], tmp[PATH_MAX + 32], pid[32];
	int		 fd, nfd = -1, n;

	if (strlen(path) >= PATH_MAX - 1 || path[0] == '\0') {
		snprintf(err, errlen, "pid file path is empty or too long "
		    "(at most %d bytes): give --pidfile another path",
		    PATH_MAX - 2);
		return (NULL);
	}
	/* gatewayd changes to "/": the name must stay valid for the exit */
	if (path[0] != '/') {
		if (getcwd(abs, sizeof(abs)) == NULL ||
		    strlen(abs) + strlen(path) + 2 > sizeof(abs)) {
			snprintf(err, errlen, "pid file %s: cannot make its "
			    "path absolute: give an absolute --pidfile", path);
			return (NULL);
		}
		strcat(abs, "/");
		strcat(abs, path);
		path = abs;
	}
	if ((fd = pidfile_lock_name(path)) < 0) {
		if (fd == -2)
			snprintf(err, errlen, "pid file %s is locked by "
			    "another gatewayd (pid %ld): stop it first, or "
			    "give this one another --pidfile", path,
			    pidfile_holder(path));
		else
			snprintf(err, errlen, "cannot open pid file %s: %s "
			    "(does its directory exist and is it writable?)",
			    path, strerror(errno));
		return (NULL);
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if ((nfd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0644)) == -1 || flock(nfd, LOCK_EX | LOCK_NB) == -1 ||
	    write(nfd, pid, (size_t)n) != n || fsync(nfd) == -1 ||
	    rename(tmp, path) == -1) {
		snprintf(err, errlen, "cannot write pid file %s: %s", path,
		    strerror(errno));
		if (nfd != -1) {
			unlink(tmp);
			close(nfd);
		}
		close(fd);
		return (NULL);
	}
	/* the old name's lock is no longer needed: nfd is PATH now */
	close(fd);
	if ((pf = calloc(1, sizeof(*pf))) == NULL) {
		snprintf(err, errlen, "out of memory");
		unlink(path);
		close(nfd);
		return (NULL);
	}
	pf->pf_fd = nfd;
	snprintf(pf->pf_path, sizeof(pf->pf_path), "%s", path);
	return (pf);
}

void
pidfile_close(struct pidfile *pf)
{
	if (pf == NULL)
		return;
	/* unlink while locked: nobody takes over a file about to go */
	unlink(pf->pf_path);
	close(pf->pf_fd);
	free(pf);
}
