/*
 * nl.c - one request/answer exchange on a netlink socket via libmnl, with
 * the kernel's extended ACK text in the logs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/xfrm.h>

#include "common/log.h"
#include "kernel/kernel_msg.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

/* mnl_cb_run2 hands data and control callbacks the same pointer. */
struct nl_err {
	const char	*ne_name;
	const int	*ne_quiet;
	int		 ne_kernel;	/* the kernel said no */
	mnl_cb_t	 ne_cb;
	void		*ne_data;
	/* kernel_nl_batch: answers counted, not the end of the exchange */
	int		 ne_batch;
	int		 ne_answers;
	int		 ne_failed;	/* refused, not quietly */
	/* kernel_nl_batch_acklast: errnos by seq - ne_seq0, and the seq
	 * whose answer ends the exchange */
	int		*ne_res;
	int		 ne_nres;
	uint32_t	 ne_seq0;
	uint32_t	 ne_last;
	int		 ne_done;
};

int
kernel_nl_open(struct kernel_nl *kn, int bus, const char *name)
{
	int	 on = 1;

	memset(kn, 0, sizeof(*kn));
	kn->kn_name = name;
	if ((kn->kn_rbuf = malloc(KERNEL_RECV_SIZE)) == NULL) {
		log_err("kernel: %s: out of memory", name);
		return (-1);
	}
	if ((kn->kn_sock = mnl_socket_open(bus)) == NULL) {
		log_err("kernel: netlink %s socket: %s", name, strerror(errno));
		goto fail;
	}
	if (mnl_socket_bind(kn->kn_sock, 0, MNL_SOCKET_AUTOPID) == -1) {
		log_err("kernel: netlink %s bind: %s", name, strerror(errno));
		goto fail;
	}
	/* Without it errors are bare errnos; older kernels ignore it. */
	if (mnl_socket_setsockopt(kn->kn_sock, NETLINK_EXT_ACK, &on,
	    sizeof(on)) == -1)
		log_debug("kernel: %s: no NETLINK_EXT_ACK: %s", name,
		    strerror(errno));
	kn->kn_portid = mnl_socket_get_portid(kn->kn_sock);
	kn->kn_seq = (uint32_t)time(NULL);
	return (0);
 fail:
	kernel_nl_close(kn);
	return (-1);
}

void
kernel_nl_close(struct kernel_nl *kn)
{
	if (kn->kn_sock != NULL)
		mnl_socket_close(kn->kn_sock);
	kn->kn_sock = NULL;
	free(kn->kn_rbuf);
	kn->kn_rbuf = NULL;
}

uint32_t
kernel_nl_seq(struct kernel_nl *kn)
{
	return (++kn->kn_seq);
}

/* For logs: the request the kernel refused. */
static const char *
nl_type_name(const char *bus, uint16_t type)
{
	static const struct {
		char		 tn_bus;	/* 'x'frm or 'r'oute */
		uint16_t	 tn_type;
		const char	*tn_name;
	} names[] = {
		{ 'x', XFRM_MSG_NEWSA, "NEWSA" },
		{ 'x', XFRM_MSG_DELSA, "DELSA" },
		{ 'x', XFRM_MSG_GETSA, "GETSA" },
		{ 'x', XFRM_MSG_NEWPOLICY, "NEWPOLICY" },
		{ 'x', XFRM_MSG_UPDPOLICY, "UPDPOLICY" },
		{ 'x', XFRM_MSG_DELPOLICY, "DELPOLICY" },
		{ 'x', XFRM_MSG_GETPOLICY, "GETPOLICY" },
		{ 'x', XFRM_MSG_ALLOCSPI, "ALLOCSPI" },
		{ 'x', XFRM_MSG_UPDSA, "UPDSA" },
		{ 'r', RTM_NEWROUTE, "NEWROUTE" },
		{ 'r', RTM_DELROUTE, "DELROUTE" },
		{ 'r', RTM_GETROUTE, "GETROUTE" },
		{ 'r', RTM_NEWRULE, "NEWRULE" },
		{ 'r', RTM_DELRULE, "DELRULE" },
	};
	size_t	i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].tn_bus == bus[0] && names[i].tn_type == type)
			return (names[i].tn_name);
	return ("request");
}

static int
nl_errattr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr	**tb = data;
	int			  type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, NLMSGERR_ATTR_MAX) < 0)
		return (MNL_CB_OK);
	if (type == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return (MNL_CB_OK);
	tb[type] = attr;
	return (MNL_CB_OK);
}

/* NLMSG_ERROR: an ACK (error 0) ends the exchange, anything else fails. */
static int
nl_error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_err		*ne = data;
	const struct nlmsgerr	*err;
	const struct nlattr	*tb[NLMSGERR_ATTR_MAX + 1] = { NULL };
	const char		*text = NULL;
	size_t			 off;
	int			 e, i, level;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		log_warn("kernel: %s: short netlink error message", ne->ne_name);
		errno = EBADMSG;
		return (MNL_CB_ERROR);
	}
	err = mnl_nlmsg_get_payload(nlh);
	if (ne->ne_res != NULL && nlh->nlmsg_seq == ne->ne_last)
		ne->ne_done = 1;
	if (err->error == 0) {
		if (!ne->ne_batch)
			return (MNL_CB_STOP);
		ne->ne_answers++;
		return (MNL_CB_OK);
	}
	e = err->error < 0 ? -err->error : err->error;
	/* The TLVs follow the echoed request (only its header if capped). */
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		off = sizeof(*err);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
		    err->msg.nlmsg_len >= sizeof(struct nlmsghdr))
			off += MNL_ALIGN(err->msg.nlmsg_len -
			    sizeof(struct nlmsghdr));
		if (off <= mnl_nlmsg_get_payload_len(nlh) &&
		    mnl_attr_parse(nlh, off, nl_errattr_cb, tb) >= 0 &&
		    tb[NLMSGERR_ATTR_MSG] != NULL)
			text = mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]);
	}
	/* Expected answers (e.g. ESRCH on a delete) are only debug. */
	level = LOG_LVL_ERR;
	for (i = 0; ne->ne_quiet != NULL && ne->ne_quiet[i] != 0; i++)
		if (ne->ne_quiet[i] == e)
			level = LOG_LVL_DEBUG;
	if (ne->ne_batch) {
		ne->ne_answers++;
		ne->ne_failed += level != LOG_LVL_DEBUG;
	}
	if (ne->ne_res != NULL && nlh->nlmsg_seq - ne->ne_seq0 <
	    (uint32_t)ne->ne_nres)
		ne->ne_res[nlh->nlmsg_seq - ne->ne_seq0] = e;
	if (text != NULL)
		log_msg(level, NULL, "kernel: %s %s: %s (%s)", ne->ne_name,
		    nl_type_name(ne->ne_name, err->msg.nlmsg_type), text,
		    strerror(e));
	else
		log_msg(level, NULL, "kernel: %s %s: %s", ne->ne_name,
		    nl_type_name(ne->ne_name, err->msg.nlmsg_type),
		    strerror(e));
	ne->ne_kernel = 1;
	errno = e;
	return (ne->ne_batch ? MNL_CB_OK : MNL_CB_ERROR);
}

static int
nl_data_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nl_err	*ne = data;

	if (ne->ne_cb == NULL)
		return (MNL_CB_OK);
	return (ne->ne_cb(nlh, ne->ne_data));
}

static int
nl_done_cb(const struct nlmsghdr *nlh, void *data)
{
	return (MNL_CB_STOP);
}

/* One send (out 1) or receive, logged with errno kept when it fails. */
static ssize_t
nl_io(struct kernel_nl *kn, int out, const void *buf, size_t len)
{
	ssize_t	 n;
	int	 e;

	n = out ? mnl_socket_sendto(kn->kn_sock, buf, len) :
	    mnl_socket_recvfrom(kn->kn_sock, (void *)(uintptr_t)buf, len);
	if (n < 0) {
		e = errno;
		log_err("kernel: %s %s: %s", kn->kn_name,
		    out ? "send" : "receive", strerror(e));
		errno = e;
	}
	return (n);
}

int
kernel_nl_talk(struct kernel_nl *kn, const struct nlmsghdr *nlh,
    mnl_cb_t cb, void *data, const int *quiet)
{
	struct nl_err	 ne = { kn->kn_name, quiet, 0, cb, data, 0, 0, 0,
			    NULL, 0, 0, 0, 0 };
	mnl_cb_t	 ctl[NLMSG_MIN_TYPE] = { NULL };
	ssize_t		 n;
	int		 ret, e;

	ctl[NLMSG_ERROR] = nl_error_cb;
	ctl[NLMSG_DONE] = nl_done_cb;
	if (kn->kn_sock == NULL) {
		errno = ENOTCONN;
		return (-1);
	}
	if (nl_io(kn, 1, nlh, nlh->nlmsg_len) < 0)
		return (-1);
	do {
		if ((n = nl_io(kn, 0, kn->kn_rbuf, KERNEL_RECV_SIZE)) < 0)
			return (-1);
		/* mnl_cb_run2 fails on a foreign seq or portid. */
		errno = 0;
		ret = mnl_cb_run2(kn->kn_rbuf, n, nlh->nlmsg_seq, kn->kn_portid,
		    nl_data_cb, &ne, ctl, NLMSG_MIN_TYPE);
		if (ret == MNL_CB_ERROR && errno == 0)
			errno = EIO;
	} while (ret > MNL_CB_STOP);
	if (ret == MNL_CB_ERROR) {
		if (!ne.ne_kernel) {
			e = errno;
			log_err("kernel: %s: bad reply: %s", kn->kn_name,
			    strerror(e));
			errno = e;
		}
		return (-1);
	}
	return (0);
}

/*
 * Sends the batch buf[0..len) at once and reads answers until each of
 * its nmsg requests has one (ne_res NULL) or the answer to ne_last came:
 * the number refused, or -1.
 */
static int
nl_batch_run(struct kernel_nl *kn, const void *buf, size_t len, int nmsg,
    struct nl_err *ne)
{
	mnl_cb_t	 ctl[NLMSG_MIN_TYPE] = { NULL };
	ssize_t		 n;
	int		 ret, e;

	ctl[NLMSG_ERROR] = nl_error_cb;
	if (nl_io(kn, 1, buf, len) < 0)
		return (-1);
	while (ne->ne_res != NULL ? !ne->ne_done : ne->ne_answers < nmsg) {
		if ((n = nl_io(kn, 0, kn->kn_rbuf, KERNEL_RECV_SIZE)) < 0)
			return (-1);
		/* the answers carry the requests' seqs: any of ours (0) */
		errno = 0;
		ret = mnl_cb_run2(kn->kn_rbuf, n, 0, kn->kn_portid,
		    nl_data_cb, ne, ctl, NLMSG_MIN_TYPE);
		if (ret == MNL_CB_ERROR) {
			e = errno != 0 ? errno : EIO;
			log_err("kernel: %s: bad reply to a batch: %s",
			    kn->kn_name, strerror(e));
			errno = e;
			return (-1);
		}
	}
	return (ne->ne_failed);
}

int
kernel_nl_batch(struct kernel_nl *kn, const void *buf, size_t len, int nmsg,
    const int *quiet)
{
	return (kernel_nl_batch_cb(kn, buf, len, nmsg, quiet, NULL, NULL));
}

int
kernel_nl_batch_cb(struct kernel_nl *kn, const void *buf, size_t len,
    int nmsg, const int *quiet, mnl_cb_t cb, void *data)
{
	struct nl_err	 ne = { kn->kn_name, quiet, 0, cb, data, 1, 0, 0,
			    NULL, 0, 0, 0, 0 };

	if (kn->kn_sock == NULL) {
		errno = ENOTCONN;
		return (-1);
	}
	if (nmsg <= 0)
		return (0);
	return (nl_batch_run(kn, buf, len, nmsg, &ne));
}

int
kernel_nl_batch_acklast(struct kernel_nl *kn, void *buf, size_t len,
    int nmsg, int *res)
{
	struct nl_err	 ne = { kn->kn_name, NULL, 0, NULL, NULL, 1, 0, 0,
			    res, nmsg, 0, 0, 0 };
	struct nlmsghdr	*nlh;
	size_t		 off;
	int		 i;

	if (kn->kn_sock == NULL) {
		errno = ENOTCONN;
		return (-1);
	}
	if (nmsg <= 0)
		return (0);
	/* consecutive seqs; only the last one asks for an ACK */
	for (i = 0, off = 0; i < nmsg; i++) {
		if (off + sizeof(*nlh) > len) {
			errno = EINVAL;
			return (-1);
		}
		nlh = (struct nlmsghdr *)((char *)buf + off);
		if (nlh->nlmsg_len < sizeof(*nlh) ||
		    off + nlh->nlmsg_len > len) {
			errno = EINVAL;
			return (-1);
		}
		if (i == 0)
			ne.ne_seq0 = nlh->nlmsg_seq;
		else if (nlh->nlmsg_seq != ne.ne_seq0 + (uint32_t)i) {
			errno = EINVAL;
			return (-1);
		}
		if (i < nmsg - 1)
			nlh->nlmsg_flags &= (uint16_t)~NLM_F_ACK;
		else
			nlh->nlmsg_flags |= NLM_F_ACK;
		res[i] = 0;
		off += MNL_ALIGN(nlh->nlmsg_len);
	}
	ne.ne_last = ne.ne_seq0 + (uint32_t)(nmsg - 1);
	return (nl_batch_run(kn, buf, len, nmsg, &ne));
}
