/*
 * pidfile.h - gatewayd's pid file: written atomically (a temporary file
 * renamed over it), locked (flock) for as long as the daemon runs, so
 * that a second gatewayd with the same pid file refuses to start.
 */
#ifndef GW_PIDFILE_H
#define GW_PIDFILE_H

#include <stddef.h>

struct pidfile;

/*
 * Locks path and writes this process's pid into it.  NULL with the
 * reason and what to do in err, e.g. when another process holds it.
 */
struct pidfile	*pidfile_open(const char *path, char *err, size_t errlen);
/* Removes the file and releases the lock; accepts NULL. */
void		 pidfile_close(struct pidfile *pf);

#endif
