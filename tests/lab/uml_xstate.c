/*
 * uml_xstate.c - LD_PRELOAD shim for Debian's user-mode Linux 6.1 on hosts
 * whose XSAVE area is larger than 832 bytes (AVX-512, AMX).
 *
 * UML 6.1 saves and restores a guest process's FPU state with
 * ptrace(PTRACE_GETREGSET/SETREGSET, NT_X86_XSTATE) and a fixed buffer of
 * 832 bytes (legacy area, XSAVE header, AVX).  The host kernel truncates a
 * short GETREGSET, but refuses a SETREGSET that is not the whole XSAVE
 * area with EFAULT, so on such a host the VM dies at once ("userspace -
 * ptrace set fp regs failed, errno = 14", then "Attempted to kill init").
 *
 * This shim completes UML's short SETREGSET: it reads the task's whole
 * current XSAVE area, lays UML's bytes over its beginning and writes the
 * whole area back.  The state past 832 bytes (AVX-512, AMX) is therefore
 * not part of what UML switches between guest threads; lab.sh tells the
 * guest's glibc and OpenSSL not to use AVX-512 (GLIBC_TUNABLES,
 * OPENSSL_ia32cap), so that nothing depends on it.
 *
 * Built by tests/lab/prepare.sh; lab.sh preloads it into linux.uml only.
 */
#define _GNU_SOURCE
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/types.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#ifndef NT_X86_XSTATE
#define NT_X86_XSTATE	0x202
#endif

typedef long	(*ptrace_fn)(int, pid_t, void *, void *);

/* Large enough for any XSAVE area (AMX: about 11 KiB). */
static uint8_t	 xbuf[64 * 1024] __attribute__((aligned(64)));

static long
real_ptrace(int req, pid_t pid, void *addr, void *data)
{
	static ptrace_fn	 fn;

	if (fn == NULL)
		fn = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");
	if (fn == NULL) {
		errno = ENOSYS;
		return (-1);
	}
	return (fn(req, pid, addr, data));
}

long
ptrace(enum __ptrace_request request, ...)
{
	struct iovec	*iov, full;
	va_list		 ap;
	pid_t		 pid;
	void		*addr, *data;
	long		 rc;
	int		 req = (int)request;

	va_start(ap, request);
	pid = va_arg(ap, pid_t);
	addr = va_arg(ap, void *);
	data = va_arg(ap, void *);
	va_end(ap);

	if (req != PTRACE_SETREGSET || (uintptr_t)addr != NT_X86_XSTATE ||
	    data == NULL)
		return (real_ptrace(req, pid, addr, data));
	iov = data;
	full.iov_base = xbuf;
	full.iov_len = sizeof(xbuf);
	if (real_ptrace(PTRACE_GETREGSET, pid, addr, &full) == -1)
		return (-1);
	if (iov->iov_len >= full.iov_len)	/* already whole */
		return (real_ptrace(req, pid, addr, data));
	memcpy(xbuf, iov->iov_base, iov->iov_len);
	rc = real_ptrace(req, pid, addr, &full);
	return (rc);
}
