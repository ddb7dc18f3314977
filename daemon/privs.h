/*
 * privs.h - least privilege after start-up: gatewayd switches to an
 * unprivileged user (global keyword "user", option --user) and keeps
 * only CAP_NET_ADMIN (XFRM and routing netlink, SO_RCVBUFFORCE) and
 * CAP_NET_BIND_SERVICE (a metrics-listen port below 1024 on reload);
 * every other capability leaves the effective, permitted, inheritable,
 * ambient and bounding sets, no_new_privs is set and the process is no
 * longer dumpable (no core files or ptrace of its keys).
 */
#ifndef GW_PRIVS_H
#define GW_PRIVS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The capability numbers kept, as a mask (bit N = capability N). */
uint64_t	privs_keep_mask(void);

/* A 64-bit mask as capset(2)'s two 32-bit words (version 3). */
void		privs_mask_split(uint64_t mask, uint32_t *lo, uint32_t *hi);

/*
 * Looks a user up for the switch: 0, or -1 with what is wrong and what to
 * do in err (no such user, or uid 0).
 */
int		privs_user_lookup(const char *user, uid_t *uid, gid_t *gid,
		    char *err, size_t errlen);

/*
 * Drops privileges for good: user NULL or "" stays uid 0 (capabilities
 * dropped all the same).  0, or -1 with the step that failed and what to
 * do in err; the caller must then exit (privileges may be half dropped).
 */
int		privs_drop(const char *user, char *err, size_t errlen);

#endif
