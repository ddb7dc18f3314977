/*
 * route.c - routes to the remote subnets in table 220 (looked up through
 * an ip rule at priority 220), via the path to the peer, with our inside
 * address as preferred source so local traffic matches the policies.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/rtnetlink.h>

#include "common/log.h"
#include "kernel/kernel_msg.h"

struct route_hop {
	struct in_addr	 rh_gw;
	uint32_t	 rh_oif;
	int		 rh_found;
};

struct route_stale {
	struct in_addr	*rs_net;
	uint8_t		*rs_plen;
	size_t		 rs_n;
	size_t		 rs_cap;
};

static int
route_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr	**tb = data;
	int			  type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, RTA_MAX) < 0)
		return (MNL_CB_OK);
	switch (type) {
	case RTA_DST:
	case RTA_GATEWAY:
	case RTA_OIF:
	case RTA_PREFSRC:
	case RTA_TABLE:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0) {
			log_debug("kernel: route attribute %d: bad length",
			    type);
			return (MNL_CB_OK);
		}
		break;
	default:
		return (MNL_CB_OK);
	}
	tb[type] = attr;
	return (MNL_CB_OK);
}

static int
route_hop_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_hop	*rh = data;
	const struct nlattr	*tb[RTA_MAX + 1] = { NULL };

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct rtmsg)))
		return (MNL_CB_OK);
	if (mnl_attr_parse(nlh, sizeof(struct rtmsg), route_attr_cb, tb) < 0)
		return (MNL_CB_OK);
	if (tb[RTA_GATEWAY] != NULL)
		rh->rh_gw.s_addr = mnl_attr_get_u32(tb[RTA_GATEWAY]);
	if (tb[RTA_OIF] != NULL)
		rh->rh_oif = mnl_attr_get_u32(tb[RTA_OIF]);
	rh->rh_found = 1;
	return (MNL_CB_OK);
}

int
route_add(struct kernel_nl *rt, struct in_addr net, uint8_t plen,
    struct in_addr peer, struct in_addr src)
{
	char			 buf[KERNEL_MSG_SIZE];
	char			 a[INET_ADDRSTRLEN];
	struct nlmsghdr		*nlh;
	struct route_hop	 rh;

	memset(&rh, 0, sizeof(rh));
	if ((nlh = route_msg_get_build(buf, sizeof(buf), peer, 0,
	    kernel_nl_seq(rt))) == NULL ||
	    kernel_nl_talk(rt, nlh, route_hop_cb, &rh, NULL) == -1)
		return (-1);
	if (!rh.rh_found || rh.rh_oif == 0) {
		log_err("kernel: no route to peer %s",
		    inet_ntop(AF_INET, &peer, a, sizeof(a)));
		return (-1);
	}
	if ((nlh = route_msg_build(buf, sizeof(buf), RTM_NEWROUTE, net, plen,
	    rh.rh_gw, rh.rh_oif, src, kernel_nl_seq(rt))) == NULL) {
		log_err("kernel: bad route %s/%u",
		    inet_ntop(AF_INET, &net, a, sizeof(a)), plen);
		return (-1);
	}
	if (kernel_nl_talk(rt, nlh, NULL, NULL, NULL) == -1)
		return (-1);
	log_debug("kernel: route %s/%u table %d dev %u",
	    inet_ntop(AF_INET, &net, a, sizeof(a)), plen, KERNEL_RT_TABLE,
	    rh.rh_oif);
	return (0);
}

int
route_del(struct kernel_nl *rt, struct in_addr net, uint8_t plen)
{
	static const int	 quiet[] = { ESRCH, 0 };
	char			 buf[KERNEL_MSG_SIZE];
	struct nlmsghdr		*nlh;
	struct in_addr		 none = { INADDR_ANY };

	if ((nlh = route_msg_build(buf, sizeof(buf), RTM_DELROUTE, net, plen,
	    none, 0, none, kernel_nl_seq(rt))) == NULL)
		return (-1);
	if (kernel_nl_talk(rt, nlh, NULL, NULL, quiet) == -1) {
		/* Already gone (e.g. its device went away): that is fine. */
		return (errno == ESRCH ? 0 : -1);
	}
	return (0);
}

int
route_rule_add(struct kernel_nl *rt, int *added)
{
	static const int	 quiet[] = { EEXIST, 0 };
	char			 buf[KERNEL_MSG_SIZE];
	struct nlmsghdr		*nlh;

	*added = 0;
	if ((nlh = route_msg_rule_build(buf, sizeof(buf), RTM_NEWRULE,
	    kernel_nl_seq(rt))) == NULL)
		return (-1);
	if (kernel_nl_talk(rt, nlh, NULL, NULL, quiet) == -1)
		return (errno == EEXIST ? 0 : -1);
	*added = 1;
	return (0);
}

int
route_rule_del(struct kernel_nl *rt)
{
	char			 buf[KERNEL_MSG_SIZE];
	struct nlmsghdr		*nlh;

	if ((nlh = route_msg_rule_build(buf, sizeof(buf), RTM_DELRULE,
	    kernel_nl_seq(rt))) == NULL)
		return (-1);
	return (kernel_nl_talk(rt, nlh, NULL, NULL, NULL));
}

static int
route_stale_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_stale	*rs = data;
	const struct nlattr	*tb[RTA_MAX + 1] = { NULL };
	const struct rtmsg	*rtm;
	uint32_t		 table;
	void			*p;

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*rtm)))
		return (MNL_CB_OK);
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != AF_INET || rtm->rtm_protocol != KERNEL_RT_PROTO ||
	    rtm->rtm_dst_len > 32)
		return (MNL_CB_OK);
	if (mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, tb) < 0)
		return (MNL_CB_OK);
	table = tb[RTA_TABLE] != NULL ? mnl_attr_get_u32(tb[RTA_TABLE]) :
	    rtm->rtm_table;
	if (table != KERNEL_RT_TABLE)
		return (MNL_CB_OK);
	if (rs->rs_n == rs->rs_cap) {
		rs->rs_cap = rs->rs_cap ? rs->rs_cap * 2 : 16;
		if ((p = reallocarray(rs->rs_net, rs->rs_cap,
		    sizeof(*rs->rs_net))) == NULL)
			return (MNL_CB_ERROR);
		rs->rs_net = p;
		if ((p = reallocarray(rs->rs_plen, rs->rs_cap, 1)) == NULL)
			return (MNL_CB_ERROR);
		rs->rs_plen = p;
	}
	rs->rs_net[rs->rs_n].s_addr = tb[RTA_DST] != NULL ?
	    mnl_attr_get_u32(tb[RTA_DST]) : INADDR_ANY;
	rs->rs_plen[rs->rs_n] = rtm->rtm_dst_len;
	rs->rs_n++;
	return (MNL_CB_OK);
}

/* Routes a previous gatewayd left in our table (our protocol mark). */
int
route_stale_flush(struct kernel_nl *rt)
{
	char			 buf[KERNEL_MSG_SIZE];
	char			 a[INET_ADDRSTRLEN];
	struct nlmsghdr		*nlh;
	struct route_stale	 rs;
	struct in_addr		 none = { INADDR_ANY };
	size_t			 i;
	int			 ret = -1;

	memset(&rs, 0, sizeof(rs));
	if ((nlh = route_msg_get_build(buf, sizeof(buf), none, 1,
	    kernel_nl_seq(rt))) == NULL ||
	    kernel_nl_talk(rt, nlh, route_stale_cb, &rs, NULL) == -1)
		goto done;
	for (i = 0; i < rs.rs_n; i++) {
		log_info("kernel: removing stale route %s/%u table %d",
		    inet_ntop(AF_INET, &rs.rs_net[i], a, sizeof(a)),
		    rs.rs_plen[i], KERNEL_RT_TABLE);
		if (route_del(rt, rs.rs_net[i], rs.rs_plen[i]) == -1)
			goto done;
	}
	ret = 0;
 done:
	free(rs.rs_net);
	free(rs.rs_plen);
	return (ret);
}
