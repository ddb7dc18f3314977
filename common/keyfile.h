/*
 * keyfile.h - opening Wireshark key-log files (keylog-dir) safely.
 *
 * A key file is appended to, created with mode 0600 if absent, never
 * through a symbolic link, and only when it is a regular file owned by
 * our effective uid: a file another user placed (or a link to one) in
 * the key directory is refused, so keys cannot be redirected or read.
 */
#ifndef GW_KEYFILE_H
#define GW_KEYFILE_H

#include <stddef.h>
#include <stdio.h>

/*
 * dir/name for appending, as a stream the caller fcloses; NULL with the
 * reason, the file and what to do in err.
 */
FILE	*keyfile_open(const char *dir, const char *name, char *err,
	    size_t errlen);

#endif
