/*
 * config.h - gatewayd's configuration: gateways, peer gateways, tunnels
 * with their IKE and IPsec policies.  config_load() validates the whole
 * file and either returns a complete configuration or nothing, with an
 * error "FILE:LINE: what is wrong" for the user.
 */
#ifndef GW_CONFIG_H
#define GW_CONFIG_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define CFG_NAME_MAX		64
#define CFG_MAX_SEGMENTS	20	/* per side of a tunnel */
#define CFG_MAX_TUNNELS		20	/* per gateway and per peer */
#define CFG_MAX_GATEWAYS	64
#define CFG_MAX_PEERS		256
#define CFG_PSK_MAX		128
#define CFG_USER_MAX		32	/* useradd's limit */
#define CFG_ID_MAX		255

#define CFG_IKE_MAIN		0
#define CFG_IKE_AGGRESSIVE	1

#define CFG_ID_IPV4		1	/* = IKEv2 ID_IPV4_ADDR */
#define CFG_ID_FQDN		2	/* = IKEv2 ID_FQDN */

struct cfg_prefix {
	struct in_addr	 pf_addr;	/* network, host bits zero */
	uint8_t		 pf_plen;
};

struct cfg_id {
	int		 id_type;	/* CFG_ID_*; 0 = default (address) */
	char		 id_value[CFG_ID_MAX + 1];
	struct in_addr	 id_addr;	/* for CFG_ID_IPV4 */
};

/*
 * One complete suite of a proposal list, in our order of preference
 * (a "proposals" line, or the product of multi-valued keywords).  IKE
 * uses every member but cp_esn; IPsec has no PRF, its cp_dh is the
 * suite's PFS group (0: none) and cp_esn its ESN setting.
 */
#define CFG_MAX_PROPOSALS	16
struct cfg_prop {
	int		 cp_encr;	/* ENCR_* */
	int		 cp_encr_bits;	/* 0: the cipher has no length */
	int		 cp_integ;	/* AUTH_*; AUTH_NONE: AEAD */
	int		 cp_prf;	/* IKE only */
	int		 cp_dh;		/* DH group; IPsec: PFS, 0 = none */
	int		 cp_esn;	/* IPsec only: CFG_ESN_* */
};

struct cfg_ike {
	int		 ike_version;	/* 1 or 2 (default 2) */
	int		 ike_mode;	/* CFG_IKE_MAIN (default) or _AGGRESSIVE */
	int		 ike_integ;	/* AUTH_* (default AUTH_HMAC_SHA1_96) */
	int		 ike_prf;	/* PRF_* following ike_integ */
	int		 ike_encr;	/* ENCR_* (default ENCR_AES_CBC) */
	int		 ike_encr_bits;	/* 128 (default), 192, 256; 0 for 3DES */
	int		 ike_dh;	/* DH group (default 2) */
	struct cfg_id	 ike_local_id;	/* default: gateway address */
	struct cfg_id	 ike_peer_id;	/* default: peer address */
	uint32_t	 ike_lifetime;	/* 3600..86400 (default 86400) */
	/* A list (IKEv2 only when longer than one): the fields above
	 * hold its first entry.  0: the fields above are the only suite
	 * (a tunnel written with single-valued keywords). */
	struct cfg_prop	 ike_props[CFG_MAX_PROPOSALS];
	int		 ike_nprops;
};

/* Extended sequence numbers (RFC 4303 §2.2.1): what a tunnel accepts. */
#define CFG_ESN_NO		0	/* 32-bit only (default) */
#define CFG_ESN_YES		1	/* 64-bit only */
#define CFG_ESN_EITHER		2	/* 64-bit when the peer agrees */

/* Anti-replay window in packets: today's default and the kernel's
 * bound (XFRMA_REPLAY_ESN_MAX bits in the replay_esn bitmap) */
#define CFG_REPLAY_WINDOW_DEFAULT 32
#define CFG_REPLAY_WINDOW_MAX	4096

struct cfg_ipsec {
	int		 ips_proto;	/* IPPROTO_ESP (default) or IPPROTO_AH */
	int		 ips_integ;	/* AUTH_HMAC_MD5_96 or _SHA1_96 (default) */
	int		 ips_encr;	/* ENCR_*; 0 with AH */
	int		 ips_encr_bits;
	int		 ips_pfs;	/* DH group, 0 = disabled (default 2) */
	uint32_t	 ips_lifetime;	/* 3600..86400 (default 86400) */
	/* volume lifetimes of each kernel SA (hard; the soft limit, which
	 * starts the rekey, is drawn below it): 0 = unlimited (default) */
	uint64_t	 ips_life_bytes;
	uint64_t	 ips_life_packets;
	uint32_t	 ips_replay_window; /* packets, 0 = no replay check */
	int		 ips_esn;	/* CFG_ESN_* (default CFG_ESN_NO) */
	/* As ike_props (cp_prf unused); each suite has its own PFS group
	 * (cp_dh) and ESN setting (cp_esn), ips_pfs and ips_esn hold the
	 * first suite's.  IKEv1: every suite has the same cp_dh. */
	struct cfg_prop	 ips_props[CFG_MAX_PROPOSALS];
	int		 ips_nprops;
};
/* "no", "yes", "either" */
const char	*cfg_esn_name(int esn);

struct cfg_gateway {
	char		 gw_name[CFG_NAME_MAX];
	struct in_addr	 gw_addr;	/* the gateway's public address */
	struct cfg_prefix gw_segments[CFG_MAX_SEGMENTS]; /* the VPC's */
	int		 gw_nsegments;
	int		 gw_line;
};

struct cfg_peer {
	char		 pr_name[CFG_NAME_MAX];
	struct in_addr	 pr_addr;	/* INADDR_ANY: any peer (dynamic NAT) */
	int		 pr_line;
};

/* What a dead peer (DPD) does to the tunnel (strongSwan's dpdaction). */
enum cfg_dpd_action {
	CFG_DPD_HOLD = 0,	/* keep the policies (traffic held), set the
				   tunnel up again on traffic or retry */
	CFG_DPD_RESTART,	/* set the tunnel up again at once */
	CFG_DPD_CLEAR		/* remove everything; the tunnel stays down */
};
const char	*cfg_dpd_action_name(enum cfg_dpd_action a);

struct cfg_tunnel {
	char		 tn_name[CFG_NAME_MAX];
	struct cfg_gateway *tn_gw;	/* borrowed from the config */
	struct cfg_peer	*tn_peer;	/* borrowed from the config */
	struct cfg_prefix tn_local[CFG_MAX_SEGMENTS];
	int		 tn_nlocal;
	struct cfg_prefix tn_remote[CFG_MAX_SEGMENTS];
	int		 tn_nremote;
	char		 tn_psk[CFG_PSK_MAX + 1];
	size_t		 tn_psk_len;
	int		 tn_initiate;	/* start the tunnel (default: yes,
					   no when the peer is 0.0.0.0) */
	struct cfg_ike	 tn_ike;
	struct cfg_ipsec tn_ipsec;
	/* Dead peer detection: probe after dpd-delay s without a sign of
	 * life (0: off), peer dead after dpd-timeout s without an answer */
	uint32_t	 tn_dpd_delay;		/* default 8 */
	uint32_t	 tn_dpd_timeout;	/* default 13 */
	enum cfg_dpd_action tn_dpd_action;	/* default hold */
	int		 tn_keyingtries;	/* failed attempts before a
						   failed state; default 3 */
	/* child-sa single: one CHILD SA for all segments (IKEv2 only);
	 * 0: one per segment pair (default) */
	int		 tn_child_single;
	int		 tn_line;
};

/*
 * The ha block (primary/backup): this node's priority, the two ends of
 * the sync channel and its key, the interface of the virtual address.
 * ha_enabled 0: no block, the daemon is always active.
 */
#define CFG_HA_PORT_DEFAULT	4510	/* sync channel, UDP */
#define CFG_HA_KEY_MIN		16	/* bytes of a 0x/0s sync-key */
#define CFG_HA_KEY_PRINT_MIN	32	/* characters of a printable one */
#define CFG_IFNAME_MAX		15	/* IFNAMSIZ - 1 */
struct cfg_ha {
	int		 ha_enabled;
	int		 ha_line;
	uint32_t	 ha_priority;		/* 1..255 */
	struct in_addr	 ha_peer_addr;		/* sync-peer */
	uint16_t	 ha_peer_port;		/* default CFG_HA_PORT_DEFAULT */
	struct in_addr	 ha_local_addr;		/* sync-local; default any */
	uint16_t	 ha_local_port;		/* default CFG_HA_PORT_DEFAULT */
	uint8_t		 ha_key[CFG_PSK_MAX];	/* sync-key: wiped with the
						   config (config_free) */
	size_t		 ha_key_len;
	char		 ha_ifname[CFG_IFNAME_MAX + 1];
};

struct config {
	char		 cfg_path[4096];
	char		 cfg_ctl_socket[108];	/* default /run/gatewayd.sock */
	char		 cfg_keylog_dir[4096];	/* Wireshark key files; "" off */
	int		 cfg_keylog_chacha;	/* keylog-chacha20 yes: esp_sa
						   lines for ChaCha20-Poly1305
						   (Wireshark 4.0 refuses
						   them); default no */
	int		 cfg_log_level;		/* LOG_LVL_*, default INFO */
	int		 cfg_test_short_life;	/* test-short-lifetimes yes:
						   lifetimes from 10 s (lab
						   soak tests only) */
	/* metrics-listen ADDR:PORT (Prometheus /metrics over HTTP):
	 * a numeric IPv4 or IPv6 address; port 0 = off (the default) */
	char		 cfg_metrics_addr[46];	/* INET6_ADDRSTRLEN */
	uint16_t	 cfg_metrics_port;
	/* IKEv1 responder: half-open (not yet authenticated) ISAKMP SAs
	 * at most in total and per source address */
	int		 cfg_v1_half_open_max;		/* default 1024 */
	int		 cfg_v1_half_open_per_source;	/* default 16 */
	/* IKEv2 responder: cookies (RFC 7296 §2.6) demanded from this many
	 * half-open IKE SAs on (0: always), and half-open IKE SAs at most
	 * (IKE_SA_INIT requests beyond, even with our cookie, dropped) */
	int		 cfg_v2_cookie_threshold;	/* default 10 */
	int		 cfg_v2_half_open_max;		/* default 1024 */
	/* ... and at most this many from one source address */
	int		 cfg_v2_half_open_per_source;	/* default 32 */
	/* Initiator: IKE SAs of ours at most half-open towards one peer
	 * address at a time, both versions together; further initiations
	 * wait in a queue per peer (ike/tunnel.c, pacing) */
	int		 cfg_initiate_half_open;	/* default 2 */
	/* receive-buffer KB: what the UDP sockets ask the kernel for, so
	 * that a flood does not push a peer's messages out of the queue */
	int		 cfg_rcvbuf_kb;		/* default 1024 */
	/* user NAME: the unprivileged user gatewayd runs as after
	 * start-up; "" stays root (with the two capabilities only) */
	char		 cfg_user[CFG_USER_MAX + 1];
	struct cfg_gateway cfg_gateways[CFG_MAX_GATEWAYS];
	int		 cfg_ngateways;
	struct cfg_peer	 cfg_peers[CFG_MAX_PEERS];
	int		 cfg_npeers;
	struct cfg_tunnel *cfg_tunnels;		/* array of cfg_ntunnels */
	int		 cfg_ntunnels;
	struct cfg_ha	 cfg_ha;		/* ha { ... } */
};

#define CONFIG_DEFAULT_PATH	"/etc/gatewayd/gatewayd.conf"
#define CONFIG_DEFAULT_SOCKET	"/run/gatewayd.sock"
#define CFG_V1_HALF_OPEN_MAX	1024
#define CFG_V1_HALF_OPEN_PER_SRC 16
#define CFG_V2_COOKIE_THRESHOLD	10
#define CFG_V2_HALF_OPEN_MAX	1024
/* above 20 tunnels with one peer set up at once */
#define CFG_V2_HALF_OPEN_PER_SRC 32
/* below strongSwan's cookie_threshold_ip, 3 */
#define CFG_INITIATE_HALF_OPEN	2
#define CFG_INITIATE_HALF_OPEN_MAX 64
#define CFG_RCVBUF_KB		1024
#define CFG_RCVBUF_KB_MIN	64

/*
 * Parses and validates path.  Returns an owned config, or NULL with a
 * message "path:line: ..." in err.
 */
struct config	*config_load(const char *path, char *err, size_t errlen);
/* Same from a string (tests); name stands in for the file name. */
struct config	*config_parse(const char *name, const char *text, char *err,
		    size_t errlen);
/* Wipes the PSKs and frees; accepts NULL. */
void		 config_free(struct config *cfg);
struct cfg_tunnel *config_tunnel_find(struct config *cfg, const char *name);
/*
 * The kernel's policy hash thresholds for cfg's tunnels (ko_policy_hash):
 * per side (local segments, peer segments) the most common prefix length
 * (ties: the shorter), so that the policies of most segment pairs are
 * hashed, not kept in lists; 32 (the kernel's default, /32 only) when
 * that is below CFG_HASH_BITS_MIN (hashing on fewer bits would put many
 * policies in one bucket) or there is no tunnel.
 */
void	config_hash_bits(const struct config *cfg, int *lbits, int *rbits);
#define CFG_HASH_BITS_MIN	16
/* Formats a prefix as "a.b.c.d/n" into out (at least 19 bytes). */
void		 cfg_prefix_str(const struct cfg_prefix *p, char *out,
		    size_t len);

#endif
