/*
 * privs.c - the privilege drop after start-up, with the raw capget and
 * capset system calls (capabilities(7)); no libcap.
 *
 * Order matters: the bounding set is trimmed first, while CAP_SETPCAP is
 * still effective; then the groups and uids change with PR_SET_KEEPCAPS,
 * which keeps the permitted set across setresuid (the effective set is
 * cleared by it); then capset leaves exactly the two capabilities in the
 * effective and permitted sets and none inheritable.  no_new_privs and a
 * non-dumpable process come last.  The result is read back and checked.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "common/log.h"
#include "daemon/privs.h"

#define PRIVS_CAP_MAX	63	/* the masks are 64 bits */

uint64_t
privs_keep_mask(void)
{
	return ((UINT64_C(1) << CAP_NET_ADMIN) |
	    (UINT64_C(1) << CAP_NET_BIND_SERVICE));
}

void
privs_mask_split(uint64_t mask, uint32_t *lo, uint32_t *hi)
{
	*lo = (uint32_t)(mask & 0xffffffffu);
	*hi = (uint32_t)(mask >> 32);
}

int
privs_user_lookup(const char *user, uid_t *uid, gid_t *gid, char *err,
    size_t errlen)
{
	struct passwd	*pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "user \"%s\" does not exist (create it: "
		    "useradd --system --no-create-home %s; or remove \"user\" "
		    "and --user to stay root)", user, user);
		return (-1);
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "user \"%s\" has uid 0, which is not "
		    "unprivileged (name a system user such as gatewayd)",
		    user);
		return (-1);
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return (0);
}

static int
privs_capget(uint64_t *eff, uint64_t *prm, uint64_t *inh)
{
	struct __user_cap_header_struct	 h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct	 d[2];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) == -1)
		return (-1);
	*eff = (uint64_t)d[1].effective << 32 | d[0].effective;
	*prm = (uint64_t)d[1].permitted << 32 | d[0].permitted;
	*inh = (uint64_t)d[1].inheritable << 32 | d[0].inheritable;
	return (0);
}

static int
privs_capset(uint64_t mask)
{
	struct __user_cap_header_struct	 h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct	 d[2];

	memset(d, 0, sizeof(d));
	privs_mask_split(mask, &d[0].effective, &d[1].effective);
	privs_mask_split(mask, &d[0].permitted, &d[1].permitted);
	return (syscall(SYS_capset, &h, d) == -1 ? -1 : 0);
}

/*
 * Trims the bounding set to the kept capabilities.  Without CAP_SETPCAP
 * (a service manager may have removed it, with its own bounding set)
 * the capabilities outside ours stay there but leave the permitted set,
 * and no_new_privs with no exec means they cannot come back.
 */
static int
privs_bounding_trim(uint64_t keep, char *err, size_t errlen)
{
	int	 c, left = 0;

	for (c = 0; c <= PRIVS_CAP_MAX; c++) {
		if (keep & (UINT64_C(1) << c))
			continue;
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) != 1)
			continue;	/* absent, or beyond the kernel's */
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == 0)
			continue;
		if (errno != EPERM) {
			snprintf(err, errlen, "cannot drop capability %d from "
			    "the bounding set: %s", c, strerror(errno));
			return (-1);
		}
		left++;
	}
	if (left > 0)
		log_debug("privileges: %d capabilities stay in the bounding "
		    "set (no CAP_SETPCAP); none is permitted", left);
	return (0);
}

static int
privs_user_switch(const char *user, uid_t uid, gid_t gid, char *err,
    size_t errlen)
{
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1 ||
	    setgroups(1, &gid) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1) {
		snprintf(err, errlen, "cannot switch to user \"%s\" (uid %u, "
		    "gid %u): %s (gatewayd must start as root; under systemd "
		    "its CapabilityBoundingSet needs CAP_SETUID, CAP_SETGID "
		    "and CAP_SETPCAP)", user, (unsigned)uid, (unsigned)gid,
		    strerror(errno));
		return (-1);
	}
	(void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	return (0);
}

/* Reads the result back: exactly our capabilities, no way back to 0. */
static int
privs_verify(const char *user, uint64_t keep, char *err, size_t errlen)
{
	uint64_t	 eff, prm, inh;

	if (privs_capget(&eff, &prm, &inh) == -1) {
		snprintf(err, errlen, "capget: %s", strerror(errno));
		return (-1);
	}
	if (eff != keep || prm != keep || inh != 0) {
		snprintf(err, errlen, "capabilities after the drop: effective "
		    "%#llx, permitted %#llx, inheritable %#llx (wanted %#llx)",
		    (unsigned long long)eff, (unsigned long long)prm,
		    (unsigned long long)inh, (unsigned long long)keep);
		return (-1);
	}
	if (user != NULL && user[0] != '\0' && setuid(0) != -1) {
		snprintf(err, errlen, "could become root again after "
		    "switching to user \"%s\"", user);
		return (-1);
	}
	return (0);
}

int
privs_drop(const char *user, char *err, size_t errlen)
{
	uint64_t	 keep = privs_keep_mask(), eff, prm, inh;
	uid_t		 uid = 0;
	gid_t		 gid = 0;
	int		 switch_ = user != NULL && user[0] != '\0';

	/* nothing changes before every check passed */
	if (switch_ && privs_user_lookup(user, &uid, &gid, err, errlen) == -1)
		return (-1);
	if (privs_capget(&eff, &prm, &inh) == -1) {
		snprintf(err, errlen, "capget: %s", strerror(errno));
		return (-1);
	}
	if ((prm & keep) != keep) {
		snprintf(err, errlen, "gatewayd lacks CAP_NET_ADMIN or "
		    "CAP_NET_BIND_SERVICE (permitted %#llx): start it as "
		    "root", (unsigned long long)prm);
		return (-1);
	}
	if (privs_bounding_trim(keep, err, errlen) == -1)
		return (-1);
	/* EINVAL: a kernel before 4.3, without ambient capabilities */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL) {
		snprintf(err, errlen, "cannot clear the ambient capabilities: "
		    "%s", strerror(errno));
		return (-1);
	}
	if (switch_ && privs_user_switch(user, uid, gid, err, errlen) == -1)
		return (-1);
	if (privs_capset(keep) == -1) {
		snprintf(err, errlen, "capset: %s", strerror(errno));
		return (-1);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		snprintf(err, errlen, "prctl (no_new_privs, dumpable): %s",
		    strerror(errno));
		return (-1);
	}
	return (privs_verify(user, keep, err, errlen));
}
