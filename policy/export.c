/*
 * export.c - the peer gateway's configuration for one tunnel, in the
 * peer's own configuration language.  Pure formatting: the tunnel as
 * configured in, text out; nothing here talks to the engine.
 *
 * Sides are swapped: the peer's local side (strongSwan "left", swanctl
 * "local", Cisco's own end) gets our peer address, peer-id and peer
 * segments; its remote side gets our gateway, local-id and local
 * segments.  Every algorithm is written the way the target names it;
 * what a target cannot express is refused with the reason, never
 * approximated (a near miss would only fail later, in negotiation).
 *
 * Who initiates: the peer starts the tunnel (auto=start) when gatewayd
 * does not (initiate no, or a 0.0.0.0 peer); otherwise it only waits
 * (auto=add), so that the two sides never set up two IKE SAs at once.
 * gatewayd retries without end, so the peer does too (keyingtries
 * %forever).  The CHILD SAs as gatewayd negotiates them (child-sa): per
 * pair, one strongSwan child (or conn) per pair, Libreswan's leftsubnets=;
 * single, one strongSwan child (or conn) with every segment as a traffic
 * selector.  Libreswan has no CHILD SA with several selectors: it gets
 * one per pair either way (gatewayd's single takes them as a responder,
 * and sets up per pair what a responder narrows away).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "crypto/crypto.h"
#include "policy/export.h"
#include "policy/proposal.h"

struct exp {
	const struct cfg_tunnel	*ex_t;
	enum export_format	 ex_fmt;
	struct buf		*ex_out;	/* owned, wiped when freed */
	int			 ex_nomem;
	char			*ex_err;
	size_t			 ex_errlen;
};

static const char *const export_names[] = {
	[EXPORT_IPSEC_CONF] = "ipsec.conf",
	[EXPORT_SWANCTL] = "swanctl",
	[EXPORT_LIBRESWAN] = "libreswan",
	[EXPORT_CISCO_IOS] = "cisco-ios"
};

int
export_format_parse(const char *name, enum export_format *f)
{
	size_t	 i;

	for (i = 0; i < sizeof(export_names) / sizeof(export_names[0]); i++)
		if (strcmp(name, export_names[i]) == 0) {
			*f = (enum export_format)i;
			return (0);
		}
	return (-1);
}

const char *
export_format_name(enum export_format f)
{
	if ((size_t)f >= sizeof(export_names) / sizeof(export_names[0]))
		return ("?");
	return (export_names[f]);
}

static void	ex_add(struct exp *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	ex_refuse(struct exp *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
ex_add(struct exp *ex, const char *fmt, ...)
{
	va_list	 ap;
	char	 line[512];
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) ||
	    buf_add(ex->ex_out, line, (size_t)n) == -1)
		ex->ex_nomem = 1;
	explicit_bzero(line, sizeof(line));	/* may have held the PSK */
}

/* "tunnel T: cannot export to FORMAT: <why, what to do>"; returns -1. */
static int
ex_refuse(struct exp *ex, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	n = snprintf(ex->ex_err, ex->ex_errlen, "tunnel %s: cannot export "
	    "to %s: ", ex->ex_t->tn_name, export_format_name(ex->ex_fmt));
	if (n < 0 || (size_t)n >= ex->ex_errlen)
		return (-1);
	va_start(ap, fmt);
	vsnprintf(ex->ex_err + n, ex->ex_errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return (-1);
}

/* --- names ------------------------------------------------------------- */

static int
ex_is_any(const struct exp *ex)
{
	return (ex->ex_t->tn_peer->pr_addr.s_addr == INADDR_ANY);
}

static void
ex_addr(struct in_addr a, char *out, size_t len)
{
	if (inet_ntop(AF_INET, &a, out, (socklen_t)len) == NULL)
		snprintf(out, len, "?");
}

/* strongSwan's DH names (ipsec.conf and swanctl.conf alike). */
static const char *
swan_dh(int g)
{
	switch (g) {
	case 1:		return ("modp768");
	case 2:		return ("modp1024");
	case 5:		return ("modp1536");
	case 14:	return ("modp2048");
	case 15:	return ("modp3072");
	case 16:	return ("modp4096");
	case 19:	return ("ecp256");
	case 20:	return ("ecp384");
	case 21:	return ("ecp521");
	case 24:	return ("modp2048s256");
	case 31:	return ("curve25519");
	default:	return (NULL);
	}
}

static const char *
swan_integ(int integ)
{
	switch (integ) {
	case AUTH_HMAC_MD5_96:		return ("md5");
	case AUTH_HMAC_SHA1_96:		return ("sha1");
	case AUTH_HMAC_SHA2_256_128:	return ("sha256");
	case AUTH_HMAC_SHA2_384_192:	return ("sha384");
	case AUTH_HMAC_SHA2_512_256:	return ("sha512");
	default:			return (NULL);
	}
}

/* The integrity transform of the PRF's hash, to name an AEAD's PRF. */
static int
ex_prf_integ(int prf)
{
	switch (prf) {
	case PRF_HMAC_MD5:	return (AUTH_HMAC_MD5_96);
	case PRF_HMAC_SHA1:	return (AUTH_HMAC_SHA1_96);
	case PRF_HMAC_SHA2_256:	return (AUTH_HMAC_SHA2_256_128);
	case PRF_HMAC_SHA2_384:	return (AUTH_HMAC_SHA2_384_192);
	case PRF_HMAC_SHA2_512:	return (AUTH_HMAC_SHA2_512_256);
	default:		return (-1);
	}
}

/* strongSwan: "3des", "aes128", "aes256gcm16", "chacha20poly1305". */
static void
swan_encr(int encr, int bits, char *out, size_t len)
{
	if (encr == ENCR_3DES)
		snprintf(out, len, "3des");
	else if (encr == ENCR_CHACHA20_POLY1305)
		snprintf(out, len, "chacha20poly1305");
	else if (encr_is_aead(encr))
		snprintf(out, len, "aes%dgcm%d", bits,
		    8 + 4 * (encr - ENCR_AES_GCM_8));
	else
		snprintf(out, len, "aes%d", bits);
}

/*
 * Libreswan: "3des", "aes128", "aes_gcm256" (16-octet ICV),
 * "chacha20_poly1305"; NULL for the 8 and 12-octet GCM ICVs, whose
 * names gatewayd does not write.
 */
static const char *
lsw_encr(int encr, int bits, char *out, size_t len)
{
	if (encr == ENCR_AES_GCM_8 || encr == ENCR_AES_GCM_12)
		return (NULL);
	if (encr == ENCR_CHACHA20_POLY1305)
		snprintf(out, len, "chacha20_poly1305");
	else if (encr == ENCR_AES_GCM_16)
		snprintf(out, len, "aes_gcm%d", bits);
	else
		swan_encr(encr, bits, out, len);
	return (out);
}

/* Libreswan 4 (Debian's 4.10) parses only these groups: "IKE DH
 * algorithm 'modp1024' is not supported" for 2, likewise 1 and 24. */
static const char *
lsw_dh(int g)
{
	switch (g) {
	case 5:		return ("modp1536");
	case 14:	return ("modp2048");
	case 15:	return ("modp3072");
	case 16:	return ("modp4096");
	case 19:	return ("dh19");
	case 20:	return ("dh20");
	case 21:	return ("dh21");
	case 31:	return ("dh31");
	default:	return (NULL);
	}
}

static const char *
lsw_integ(int integ)
{
	switch (integ) {
	case AUTH_HMAC_MD5_96:		return ("md5");
	case AUTH_HMAC_SHA1_96:		return ("sha1");
	case AUTH_HMAC_SHA2_256_128:	return ("sha2_256");
	case AUTH_HMAC_SHA2_384_192:	return ("sha2_384");
	case AUTH_HMAC_SHA2_512_256:	return ("sha2_512");
	default:			return (NULL);
	}
}

/* An ID as strongSwan and Libreswan write it: an address, or @FQDN
 * (the @ keeps an FQDN from being resolved into an address). */
static void
ex_id(const struct cfg_id *id, char *out, size_t len)
{
	if (id->id_type == CFG_ID_FQDN)
		snprintf(out, len, "@%s", id->id_value);
	else
		snprintf(out, len, "%s", id->id_value);
}

/*
 * The PSK as a strongSwan or Libreswan secrets value: quoted when every
 * byte is a plain printable character, else 0x hex (both files take it:
 * a key given as 0x or 0s may hold any byte, NUL included), so that no
 * quote, backslash, $ or control byte of the key meets the parser.
 * out: at least 2 * CFG_PSK_MAX + 3.
 */
static void
swan_psk(const struct cfg_tunnel *t, char *out, size_t len)
{
	size_t	 i;
	int	 plain = 1;

	for (i = 0; i < t->tn_psk_len; i++)
		if ((unsigned char)t->tn_psk[i] <= ' ' ||
		    (unsigned char)t->tn_psk[i] > '~' ||
		    t->tn_psk[i] == '"' || t->tn_psk[i] == '\\' ||
		    t->tn_psk[i] == '$')
			plain = 0;
	if (plain) {
		snprintf(out, len, "\"%.*s\"", (int)t->tn_psk_len, t->tn_psk);
		return;
	}
	snprintf(out, len, "0x");
	hex_encode((const uint8_t *)t->tn_psk, t->tn_psk_len, out + 2);
}

/* --- strongSwan ---------------------------------------------------------- */

/* "aes256-sha256-modp2048" (one IKE suite) */
static int
swan_ike_one(struct exp *ex, const struct cfg_prop *cp, char *out,
    size_t len)
{
	char			 encr[32];

	swan_encr(cp->cp_encr, cp->cp_encr_bits, encr, sizeof(encr));
	if (swan_dh(cp->cp_dh) == NULL ||
	    swan_integ(ex_prf_integ(cp->cp_prf)) == NULL ||
	    (cp->cp_integ != AUTH_NONE && swan_integ(cp->cp_integ) == NULL))
		return (ex_refuse(ex, "unknown IKE algorithm (integrity %d, "
		    "PRF %d, DH group %d)", cp->cp_integ, cp->cp_prf,
		    cp->cp_dh));
	/* an AEAD names its PRF: aes256gcm16-prfsha384-ecp384; so does a
	 * suite whose PRF is not its integrity's hash */
	if (cp->cp_integ == AUTH_NONE)
		snprintf(out, len, "%s-prf%s-%s", encr,
		    swan_integ(ex_prf_integ(cp->cp_prf)), swan_dh(cp->cp_dh));
	else if (ex_prf_integ(cp->cp_prf) != cp->cp_integ)
		snprintf(out, len, "%s-%s-prf%s-%s", encr,
		    swan_integ(cp->cp_integ),
		    swan_integ(ex_prf_integ(cp->cp_prf)), swan_dh(cp->cp_dh));
	else
		snprintf(out, len, "%s-%s-%s", encr,
		    swan_integ(cp->cp_integ), swan_dh(cp->cp_dh));
	return (0);
}

/* Every IKE suite, in our order, separated by sep (", " or ","). */
static int
swan_ike_prop(struct exp *ex, const char *sep, char *out, size_t len)
{
	const struct cfg_ike	*ike = &ex->ex_t->tn_ike;
	struct cfg_prop		 cp;
	char			 one[96];
	int			 i;

	out[0] = '\0';
	for (i = 0; i < proposal_ike_count(ike); i++) {
		proposal_ike_get(ike, i, &cp);
		if (swan_ike_one(ex, &cp, one, sizeof(one)) == -1)
			return (-1);
		if (i > 0)
			strncat(out, sep, len - strlen(out) - 1);
		strncat(out, one, len - strlen(out) - 1);
	}
	return (0);
}

/* "aes128-sha1[-modp1024][-esn]" (ESP) or "sha1[-modp1024]" (AH): the
 * suite's own PFS group when it has one, and its esn setting. */
static int
swan_child_one(struct exp *ex, const struct cfg_prop *cp, char *out,
    size_t len)
{
	const struct cfg_ipsec	*ips = &ex->ex_t->tn_ipsec;
	char			 encr[32];
	const char		*integ = swan_integ(cp->cp_integ);

	/* ESP with an AEAD: the cipher alone ("aes256gcm16-ecp384") */
	if (cp->cp_integ == AUTH_NONE && encr_is_aead(cp->cp_encr))
		integ = "";
	if (integ == NULL ||
	    (cp->cp_dh != 0 && swan_dh(cp->cp_dh) == NULL))
		return (ex_refuse(ex, "unknown IPsec algorithm (integrity %d, "
		    "PFS group %d)", cp->cp_integ, cp->cp_dh));
	if (ips->ips_proto == IPPROTO_AH)
		snprintf(out, len, "%s", integ);
	else {
		swan_encr(cp->cp_encr, cp->cp_encr_bits, encr,
		    sizeof(encr));
		snprintf(out, len, "%s%s%s", encr, integ[0] ? "-" : "",
		    integ);
	}
	if (cp->cp_dh != 0) {
		strncat(out, "-", len - strlen(out) - 1);
		strncat(out, swan_dh(cp->cp_dh), len - strlen(out) - 1);
	}
	/* strongSwan's ESN keywords: both for either (ESN first, as we
	 * offer them); none for no, its default */
	if (cp->cp_esn == CFG_ESN_YES)
		strncat(out, "-esn", len - strlen(out) - 1);
	else if (cp->cp_esn == CFG_ESN_EITHER)
		strncat(out, "-esn-noesn", len - strlen(out) - 1);
	return (0);
}

static int
swan_child_prop(struct exp *ex, const char *sep, char *out, size_t len)
{
	const struct cfg_ipsec	*ips = &ex->ex_t->tn_ipsec;
	struct cfg_prop		 cp;
	char			 one[96];
	int			 i;

	out[0] = '\0';
	for (i = 0; i < proposal_child_count(ips); i++) {
		proposal_child_get(ips, i, &cp);
		if (swan_child_one(ex, &cp, one, sizeof(one)) == -1)
			return (-1);
		if (i > 0)
			strncat(out, sep, len - strlen(out) - 1);
		strncat(out, one, len - strlen(out) - 1);
	}
	return (0);
}

static const char *
swan_dpd_action(enum cfg_dpd_action a, int swanctl)
{
	switch (a) {
	case CFG_DPD_RESTART:	return ("restart");
	case CFG_DPD_CLEAR:	return ("clear");
	default:		return (swanctl ? "trap" : "hold");
	}
}

static void
ex_header(struct exp *ex, const char *c, const char *what)
{
	const struct cfg_tunnel	*t = ex->ex_t;
	char			 gw[INET_ADDRSTRLEN];

	ex_addr(t->tn_gw->gw_addr, gw, sizeof(gw));
	ex_add(ex, "%s %s for the peer of gatewayd tunnel %s\n", c, what,
	    t->tn_name);
	ex_add(ex, "%s (gatewayctl export %s --format %s).  This host is the "
	    "peer;\n", c, t->tn_name, export_format_name(ex->ex_fmt));
	ex_add(ex, "%s the remote end is gatewayd's gateway %s (%s).\n", c,
	    t->tn_gw->gw_name, gw);
	ex_add(ex, "%s It holds the pre-shared key: keep it private.\n", c);
	if (t->tn_ike.ike_version == 1 &&
	    t->tn_ike.ike_mode == CFG_IKE_AGGRESSIVE)
		ex_add(ex, "%s IKEv1 Aggressive Mode with a PSK: the key's "
		    "hash can be cracked offline.\n", c);
}

/* "a/n,b/m,..." (sep between) of n prefixes into out. */
static void
ex_prefix_list(const struct cfg_prefix *p, int n, const char *sep,
    char *out, size_t len)
{
	char	 one[32];
	size_t	 o = 0;
	int	 i;

	out[0] = '\0';
	for (i = 0; i < n && o < len; i++) {
		cfg_prefix_str(&p[i], one, sizeof(one));
		o += snprintf(out + o, len - o, "%s%s", i > 0 ? sep : "", one);
	}
}

/* One CHILD SA per pair of several (the tunnel's child-sa per-pair). */
static int
ex_child_per_pair(const struct cfg_tunnel *t)
{
	return (!t->tn_child_single && t->tn_nlocal * t->tn_nremote > 1);
}

/* Room for CFG_MAX_SEGMENTS prefixes, ", " between */
#define EX_TS_LIST	(CFG_MAX_SEGMENTS * 21)

static int
exp_ipsec_conf(struct exp *ex)
{
	const struct cfg_tunnel	*t = ex->ex_t;
	const struct cfg_ike	*ike = &t->tn_ike;
	const struct cfg_ipsec	*ips = &t->tn_ipsec;
	char			 ikep[1600], childp[1600];
	char			 gw[INET_ADDRSTRLEN];
	char			 left[INET_ADDRSTRLEN], lid[CFG_ID_MAX + 2];
	char			 rid[CFG_ID_MAX + 2], a[EX_TS_LIST];
	char			 b[EX_TS_LIST];
	char			 psk[2 * CFG_PSK_MAX + 3];
	const char		*autos = t->tn_initiate ? "add" : "start";
	int			 i, j, n = 0, multi;

	if (swan_ike_prop(ex, ",", ikep, sizeof(ikep)) == -1 ||
	    swan_child_prop(ex, ",", childp, sizeof(childp)) == -1)
		return (-1);
	multi = ex_child_per_pair(t);
	ex_addr(t->tn_gw->gw_addr, gw, sizeof(gw));
	ex_id(&ike->ike_local_id, rid, sizeof(rid));
	if (ex_is_any(ex))
		snprintf(left, sizeof(left), "%%defaultroute");
	else
		ex_addr(t->tn_peer->pr_addr, left, sizeof(left));
	ex_header(ex, "#", "strongSwan ipsec.conf");
	if (ex_is_any(ex))
		ex_add(ex, "# gatewayd accepts this peer from any address "
		    "(its peer is 0.0.0.0).\n");
	if (multi)
		ex_add(ex, "# One conn per segment pair (one CHILD SA each), "
		    "sharing one IKE SA.\n");
	else if (t->tn_nlocal * t->tn_nremote > 1)
		ex_add(ex, "# One CHILD SA for every segment (child-sa "
		    "single).\n");
	ex_add(ex, "\nconn %s\n", t->tn_name);
	ex_add(ex, "\tkeyexchange=%s\n", ike->ike_version == 1 ? "ikev1" :
	    "ikev2");
	if (ike->ike_version == 1 && ike->ike_mode == CFG_IKE_AGGRESSIVE)
		ex_add(ex, "\taggressive=yes\n");
	ex_add(ex, "\tauthby=psk\n");
	ex_add(ex, "\tauto=%s\n", multi ? "ignore" : autos);
	ex_add(ex, "\tkeyingtries=%%forever\n");
	ex_add(ex, "\tike=%s!\n", ikep);
	ex_add(ex, "\t%s=%s!\n", ips->ips_proto == IPPROTO_AH ? "ah" : "esp",
	    childp);
	ex_add(ex, "\tikelifetime=%us\n", ike->ike_lifetime);
	ex_add(ex, "\tlifetime=%us\n", ips->ips_lifetime);
	/* volume lifetimes: the same hard limits; strongSwan rekeys at
	 * life less margin less up to rekeyfuzz (100%) of the margin */
	if (ips->ips_life_bytes != 0)
		ex_add(ex, "\tlifebytes=%llu\n\tmarginbytes=%llu\n",
		    (unsigned long long)ips->ips_life_bytes,
		    (unsigned long long)(ips->ips_life_bytes / 10));
	if (ips->ips_life_packets != 0)
		ex_add(ex, "\tlifepackets=%llu\n\tmarginpackets=%llu\n",
		    (unsigned long long)ips->ips_life_packets,
		    (unsigned long long)(ips->ips_life_packets / 10));
	ex_add(ex, "\tleft=%s\n", left);
	if (ike->ike_peer_id.id_type != 0) {
		ex_id(&ike->ike_peer_id, lid, sizeof(lid));
		ex_add(ex, "\tleftid=%s\n", lid);
	}
	if (!multi) {
		ex_prefix_list(t->tn_remote, t->tn_nremote, ",", a, sizeof(a));
		ex_add(ex, "\tleftsubnet=%s\n", a);
	}
	ex_add(ex, "\tright=%s\n", gw);
	ex_add(ex, "\trightid=%s\n", rid);
	if (!multi) {
		ex_prefix_list(t->tn_local, t->tn_nlocal, ",", b, sizeof(b));
		ex_add(ex, "\trightsubnet=%s\n", b);
	}
	if (t->tn_dpd_delay == 0)
		ex_add(ex, "\tdpdaction=none\n");
	else {
		ex_add(ex, "\tdpdaction=%s\n",
		    swan_dpd_action(t->tn_dpd_action, 0));
		ex_add(ex, "\tdpddelay=%us\n", t->tn_dpd_delay);
		ex_add(ex, "\tdpdtimeout=%us\n", t->tn_dpd_timeout);
	}
	for (i = 0; multi && i < t->tn_nremote; i++)
		for (j = 0; j < t->tn_nlocal; j++) {
			cfg_prefix_str(&t->tn_remote[i], a, sizeof(a));
			cfg_prefix_str(&t->tn_local[j], b, sizeof(b));
			ex_add(ex, "\nconn %s-%d\n\talso=%s\n", t->tn_name, ++n,
			    t->tn_name);
			ex_add(ex, "\tleftsubnet=%s\n\trightsubnet=%s\n", a, b);
			ex_add(ex, "\tauto=%s\n", autos);
		}
	swan_psk(t, psk, sizeof(psk));
	ex_add(ex, "\n# ---- ipsec.secrets ----\n");
	if (ike->ike_peer_id.id_type != 0)
		ex_add(ex, "%s %s : PSK %s\n", lid, rid, psk);
	else
		ex_add(ex, "%s : PSK %s\n", rid, psk);
	explicit_bzero(psk, sizeof(psk));
	return (0);
}

/* A child with local_ts l[nl] and remote_ts r[nr]. */
static void
swanctl_child(struct exp *ex, const char *name, const struct cfg_prefix *l,
    int nl, const struct cfg_prefix *r, int nr, const char *childp)
{
	const struct cfg_tunnel	*t = ex->ex_t;
	const struct cfg_ipsec	*ips = &t->tn_ipsec;
	char			 a[EX_TS_LIST], b[EX_TS_LIST];

	ex_prefix_list(l, nl, ", ", a, sizeof(a));
	ex_prefix_list(r, nr, ", ", b, sizeof(b));
	ex_add(ex, "\t\t\t%s {\n", name);
	ex_add(ex, "\t\t\t\tlocal_ts = %s\n\t\t\t\tremote_ts = %s\n", a, b);
	ex_add(ex, "\t\t\t\t%s_proposals = %s\n",
	    ips->ips_proto == IPPROTO_AH ? "ah" : "esp", childp);
	/* rekey at 90% (minus rand_time, 10% by default); hard lifetime
	 * ours, so neither side outlives the other's SA */
	ex_add(ex, "\t\t\t\trekey_time = %us\n\t\t\t\tlife_time = %us\n",
	    ips->ips_lifetime / 10 * 9, ips->ips_lifetime);
	/* volume lifetimes: the same way (rekey at 90%, less rand_*) */
	if (ips->ips_life_bytes != 0)
		ex_add(ex, "\t\t\t\trekey_bytes = %llu\n"
		    "\t\t\t\tlife_bytes = %llu\n",
		    (unsigned long long)(ips->ips_life_bytes / 10 * 9),
		    (unsigned long long)ips->ips_life_bytes);
	if (ips->ips_life_packets != 0)
		ex_add(ex, "\t\t\t\trekey_packets = %llu\n"
		    "\t\t\t\tlife_packets = %llu\n",
		    (unsigned long long)(ips->ips_life_packets / 10 * 9),
		    (unsigned long long)ips->ips_life_packets);
	ex_add(ex, "\t\t\t\tstart_action = %s\n",
	    t->tn_initiate ? "none" : "start");
	if (t->tn_dpd_delay != 0)
		ex_add(ex, "\t\t\t\tdpd_action = %s\n",
		    swan_dpd_action(t->tn_dpd_action, 1));
	ex_add(ex, "\t\t\t}\n");
}

static int
exp_swanctl(struct exp *ex)
{
	const struct cfg_tunnel	*t = ex->ex_t;
	const struct cfg_ike	*ike = &t->tn_ike;
	char			 ikep[1600], childp[1600];
	char			 gw[INET_ADDRSTRLEN];
	char			 lid[CFG_ID_MAX + 2], rid[CFG_ID_MAX + 2];
	char			 name[CFG_NAME_MAX + 16];
	char			 psk[2 * CFG_PSK_MAX + 3];
	int			 i, j, n = 0, multi;

	if (swan_ike_prop(ex, ", ", ikep, sizeof(ikep)) == -1 ||
	    swan_child_prop(ex, ", ", childp, sizeof(childp)) == -1)
		return (-1);
	multi = ex_child_per_pair(t);
	ex_addr(t->tn_gw->gw_addr, gw, sizeof(gw));
	ex_id(&ike->ike_local_id, rid, sizeof(rid));
	ex_header(ex, "#", "strongSwan swanctl.conf");
	ex_add(ex, "# local_addrs is left out (any of this host's "
	    "addresses).\n");
	ex_add(ex, "connections {\n\t%s {\n", t->tn_name);
	ex_add(ex, "\t\tversion = %d\n", ike->ike_version);
	if (ike->ike_version == 1 && ike->ike_mode == CFG_IKE_AGGRESSIVE)
		ex_add(ex, "\t\taggressive = yes\n");
	ex_add(ex, "\t\tremote_addrs = %s\n", gw);
	ex_add(ex, "\t\tproposals = %s\n", ikep);
	ex_add(ex, "\t\tkeyingtries = 0\n");
	ex_add(ex, "\t\trekey_time = %us\n\t\tover_time = %us\n",
	    ike->ike_lifetime / 10 * 9,
	    ike->ike_lifetime - ike->ike_lifetime / 10 * 9);
	if (t->tn_dpd_delay != 0) {
		ex_add(ex, "\t\tdpd_delay = %us\n", t->tn_dpd_delay);
		/* IKEv2 has no separate DPD timeout (retransmissions) */
		if (ike->ike_version == 1)
			ex_add(ex, "\t\tdpd_timeout = %us\n",
			    t->tn_dpd_timeout);
	}
	ex_add(ex, "\t\tlocal {\n\t\t\tauth = psk\n");
	if (ike->ike_peer_id.id_type != 0) {
		ex_id(&ike->ike_peer_id, lid, sizeof(lid));
		ex_add(ex, "\t\t\tid = %s\n", lid);
	}
	ex_add(ex, "\t\t}\n\t\tremote {\n\t\t\tauth = psk\n\t\t\tid = %s\n"
	    "\t\t}\n\t\tchildren {\n", rid);
	/* child-sa single: one child with every segment */
	if (!multi)
		swanctl_child(ex, t->tn_name, t->tn_remote, t->tn_nremote,
		    t->tn_local, t->tn_nlocal, childp);
	for (i = 0; multi && i < t->tn_nremote; i++)
		for (j = 0; j < t->tn_nlocal; j++) {
			snprintf(name, sizeof(name), "%s-%d", t->tn_name, ++n);
			swanctl_child(ex, name, &t->tn_remote[i], 1,
			    &t->tn_local[j], 1, childp);
		}
	ex_add(ex, "\t\t}\n\t}\n}\n");
	swan_psk(t, psk, sizeof(psk));
	ex_add(ex, "secrets {\n\tike-%s {\n", t->tn_name);
	if (ike->ike_peer_id.id_type != 0)
		ex_add(ex, "\t\tid-1 = %s\n\t\tid-2 = %s\n", lid, rid);
	else
		ex_add(ex, "\t\tid = %s\n", rid);
	ex_add(ex, "\t\tsecret = %s\n\t}\n}\n", psk);
	explicit_bzero(psk, sizeof(psk));
	return (0);
}

/* --- Libreswan ------------------------------------------------------------ */

/*
 * Libreswan's list syntax (ipsec.conf(5), checked with its algparse):
 * ike=PROPOSAL,PROPOSAL... with a proposal "cipher-hash;dhgroup", where
 * the hash is both the integrity and the PRF, or for an AEAD the PRF
 * alone (aes_gcm256-sha2_384;dh20); esp= (phase2alg=, its alias) the
 * same with "cipher-integ" ("aes_gcm256-null" for an AEAD) and the PFS
 * group after the semicolon.  Libreswan has one PFS group per connection
 * (algparse: "more than one IKEv2 ESP DH algorithm ... requires
 * unimplemented CHILD_SA INVALID_KE"), and so does gatewayd.
 */

/* Our strongSwan-style name of IKE suite i, for a refusal's text. */
static void
lsw_suite_name(struct exp *ex, const struct cfg_prop *cp, char *out,
    size_t len)
{
	char	 err[8];
	char	*save = ex->ex_err;
	size_t	 savelen = ex->ex_errlen;

	/* swan_ike_one refuses only unknown algorithms: keep ex_err */
	ex->ex_err = err;
	ex->ex_errlen = sizeof(err);
	if (swan_ike_one(ex, cp, out, len) == -1)
		snprintf(out, len, "?");
	ex->ex_err = save;
	ex->ex_errlen = savelen;
}

static int
lsw_check(struct exp *ex)
{
	const struct cfg_tunnel	*t = ex->ex_t;
	const struct cfg_ike	*ike = &t->tn_ike;
	const struct cfg_ipsec	*ips = &t->tn_ipsec;
	struct cfg_prop		 cp;
	char			 name[32], suite[96];
	int			 i, n = proposal_ike_count(ike);

	for (i = 0; i < n; i++) {
		proposal_ike_get(ike, i, &cp);
		if (lsw_dh(cp.cp_dh) != NULL)
			continue;
		if (n == 1)
			return (ex_refuse(ex, "Libreswan 4 has no DH group %d "
			    "(%s) for the IKE SA (set dh-group 5, 14, 15, 16, "
			    "19, 20, 21 or 31 in the tunnel's ike block on "
			    "both sides)", cp.cp_dh, swan_dh(cp.cp_dh)));
		lsw_suite_name(ex, &cp, suite, sizeof(suite));
		return (ex_refuse(ex, "Libreswan 4 has no DH group %d (%s) "
		    "for the IKE SA, and IKE suite %d of %d (%s) has it "
		    "(drop that suite, or use DH group 5, 14, 15, 16, 19, 20, "
		    "21 or 31 in it)", cp.cp_dh, swan_dh(cp.cp_dh), i + 1, n,
		    suite));
	}
	/* one pfs= (yes: a group in every suite) and one esn= per
	 * connection: suites differing in either cannot be written */
	for (i = 1; i < proposal_child_count(ips); i++) {
		struct cfg_prop	 first;

		proposal_child_get(ips, 0, &first);
		proposal_child_get(ips, i, &cp);
		if (cp.cp_dh != first.cp_dh || cp.cp_esn != first.cp_esn)
			return (ex_refuse(ex, "Libreswan takes one PFS setting "
			    "and one esn= for all IPsec suites of a "
			    "connection, and IPsec suite %d (PFS %s, esn %s) "
			    "differs from suite 1 (PFS %s, esn %s) (give "
			    "every ipsec proposal the same group and esn, or "
			    "export to swanctl or ipsec-conf)", i + 1,
			    cp.cp_dh ? swan_dh(cp.cp_dh) : "none",
			    cfg_esn_name(cp.cp_esn), first.cp_dh ?
			    swan_dh(first.cp_dh) : "none",
			    cfg_esn_name(first.cp_esn)));
	}
	if (ips->ips_pfs != 0 && lsw_dh(ips->ips_pfs) == NULL)
		return (ex_refuse(ex, "Libreswan 4 has no DH group %d (%s) "
		    "for PFS (set pfs 5, 14, 15, 16, 19, 20, 21, 31 or "
		    "disable in the tunnel's ipsec block)",
		    ips->ips_pfs, swan_dh(ips->ips_pfs)));
	for (i = 0; i < n; i++) {
		proposal_ike_get(ike, i, &cp);
		if (lsw_encr(cp.cp_encr, cp.cp_encr_bits, name,
		    sizeof(name)) == NULL)
			goto gcm;
	}
	for (i = 0; ips->ips_proto == IPPROTO_ESP &&
	    i < proposal_child_count(ips); i++) {
		proposal_child_get(ips, i, &cp);
		if (lsw_encr(cp.cp_encr, cp.cp_encr_bits, name,
		    sizeof(name)) == NULL)
			goto gcm;
	}
	/* one hash for integrity and PRF (an AEAD names only its PRF) */
	for (i = 0; i < n; i++) {
		proposal_ike_get(ike, i, &cp);
		if (cp.cp_integ == AUTH_NONE ||
		    ex_prf_integ(cp.cp_prf) == cp.cp_integ)
			continue;
		lsw_suite_name(ex, &cp, suite, sizeof(suite));
		return (ex_refuse(ex, "Libreswan uses the integrity "
		    "algorithm's hash as the PRF, and IKE suite %d of %d (%s) "
		    "has another PRF (drop its prf part)", i + 1, n, suite));
	}
	/* algparse -v1 -pfs: "ESP DH algorithm 'dh19' is not supported by
	 * IKEv1" (likewise 20, 21 and 31) */
	if (ike->ike_version == 1 && (ips->ips_pfs == 19 ||
	    ips->ips_pfs == 20 || ips->ips_pfs == 21 || ips->ips_pfs == 31))
		return (ex_refuse(ex, "Libreswan 4 has no DH group %d (%s) "
		    "for PFS in IKEv1 Quick Mode (set pfs 5, 14, 15, 16 or "
		    "disable in the tunnel's ipsec block)", ips->ips_pfs,
		    swan_dh(ips->ips_pfs)));
	return (0);
gcm:
	return (ex_refuse(ex, "gatewayd writes Libreswan's AES-GCM names "
	    "for the 16-octet ICV only (use aes128gcm16 or aes256gcm16 in "
	    "the tunnel's ike and ipsec blocks)"));
}

/* "\tike=aes_gcm256-sha2_384;dh20,aes256-sha2_256;modp2048\n": every IKE
 * suite in our order (checked by lsw_check). */
static void
lsw_ike_line(struct exp *ex)
{
	const struct cfg_ike	*ike = &ex->ex_t->tn_ike;
	struct cfg_prop		 cp;
	char			 encr[32];
	int			 i;

	ex_add(ex, "\tike=");
	for (i = 0; i < proposal_ike_count(ike); i++) {
		proposal_ike_get(ike, i, &cp);
		/* an AEAD's second name is the PRF */
		lsw_encr(cp.cp_encr, cp.cp_encr_bits, encr, sizeof(encr));
		ex_add(ex, "%s%s-%s;%s", i > 0 ? "," : "", encr,
		    lsw_integ(cp.cp_integ == AUTH_NONE ?
		    ex_prf_integ(cp.cp_prf) : cp.cp_integ), lsw_dh(cp.cp_dh));
	}
	ex_add(ex, "\n");
}

/* "\tphase2alg=aes256-sha2_256;modp2048,aes128-sha1;modp2048\n" (ESP,
 * "aes_gcm256-null" for an AEAD) or "sha1;modp2048" (AH): every IPsec
 * suite in our order, each with the PFS group when PFS is on. */
static void
lsw_child_line(struct exp *ex)
{
	const struct cfg_ipsec	*ips = &ex->ex_t->tn_ipsec;
	struct cfg_prop		 cp;
	char			 encr[32];
	int			 i;

	ex_add(ex, "\tphase2alg=");
	for (i = 0; i < proposal_child_count(ips); i++) {
		proposal_child_get(ips, i, &cp);
		if (i > 0)
			ex_add(ex, ",");
		if (ips->ips_proto == IPPROTO_AH)
			ex_add(ex, "%s", lsw_integ(cp.cp_integ));
		else {
			lsw_encr(cp.cp_encr, cp.cp_encr_bits, encr,
			    sizeof(encr));
			ex_add(ex, "%s-%s", encr, cp.cp_integ == AUTH_NONE ?
			    "null" : lsw_integ(cp.cp_integ));
		}
		if (ips->ips_pfs != 0)
			ex_add(ex, ";%s", lsw_dh(ips->ips_pfs));
	}
	ex_add(ex, "\n\tpfs=%s\n", ips->ips_pfs != 0 ? "yes" : "no");
}

static void
lsw_subnets(struct exp *ex, const char *side, const struct cfg_prefix *p,
    int np, int plural)
{
	char	 a[32];
	int	 i;

	if (!plural) {
		cfg_prefix_str(&p[0], a, sizeof(a));
		ex_add(ex, "\t%ssubnet=%s\n", side, a);
		return;
	}
	ex_add(ex, "\t%ssubnets={", side);
	for (i = 0; i < np; i++) {
		cfg_prefix_str(&p[i], a, sizeof(a));
		ex_add(ex, "%s%s", i ? " " : "", a);
	}
	ex_add(ex, "}\n");
}

static int
exp_libreswan(struct exp *ex)
{
	const struct cfg_tunnel	*t = ex->ex_t;
	const struct cfg_ike	*ike = &t->tn_ike;
	const struct cfg_ipsec	*ips = &t->tn_ipsec;
	char			 gw[INET_ADDRSTRLEN], left[INET_ADDRSTRLEN];
	char			 lid[CFG_ID_MAX + 2], rid[CFG_ID_MAX + 2];
	char			 psk[2 * CFG_PSK_MAX + 3];
	int			 plural;

	if (lsw_check(ex) == -1)
		return (-1);
	plural = t->tn_nlocal > 1 || t->tn_nremote > 1;
	ex_addr(t->tn_gw->gw_addr, gw, sizeof(gw));
	ex_id(&ike->ike_local_id, rid, sizeof(rid));
	if (ex_is_any(ex))
		snprintf(left, sizeof(left), "%%defaultroute");
	else
		ex_addr(t->tn_peer->pr_addr, left, sizeof(left));
	ex_header(ex, "#", "Libreswan 4 ipsec.conf");
	if (ike->ike_version == 1)
		ex_add(ex, "# IKEv1: Libreswan needs \"ikev1-policy=accept\" "
		    "in its \"config setup\" section.\n");
	if (plural)
		ex_add(ex, "# leftsubnets/rightsubnets: one CHILD SA per "
		    "segment pair.\n");
	if (plural && ex->ex_t->tn_child_single)
		ex_add(ex, "# (gatewayd's tunnel has child-sa single: "
		    "Libreswan has no CHILD SA with\n# several selectors; "
		    "gatewayd takes one per pair as well.)\n");
	ex_add(ex, "\nconn %s\n", t->tn_name);
	ex_add(ex, "\tikev2=%s\n", ike->ike_version == 2 ? "yes" : "no");
	if (ike->ike_version == 1 && ike->ike_mode == CFG_IKE_AGGRESSIVE)
		ex_add(ex, "\taggressive=yes\n");
	ex_add(ex, "\tauthby=secret\n");
	ex_add(ex, "\tauto=%s\n", t->tn_initiate ? "add" : "start");
	ex_add(ex, "\tkeyingtries=%%forever\n");
	ex_add(ex, "\tleft=%s\n", left);
	if (ike->ike_peer_id.id_type != 0) {
		ex_id(&ike->ike_peer_id, lid, sizeof(lid));
		ex_add(ex, "\tleftid=%s\n", lid);
	} else
		snprintf(lid, sizeof(lid), "%%any");
	lsw_subnets(ex, "left", t->tn_remote, t->tn_nremote, plural);
	ex_add(ex, "\tright=%s\n\trightid=%s\n", gw, rid);
	lsw_subnets(ex, "right", t->tn_local, t->tn_nlocal, plural);
	lsw_ike_line(ex);
	ex_add(ex, "\tphase2=%s\n", ips->ips_proto == IPPROTO_AH ? "ah" :
	    "esp");
	lsw_child_line(ex);
	/* Libreswan's own esn= keyword (its algorithm strings have none) */
	if (ips->ips_esn != CFG_ESN_NO)
		ex_add(ex, "\tesn=%s\n", cfg_esn_name(ips->ips_esn));
	ex_add(ex, "\tikelifetime=%us\n\tsalifetime=%us\n", ike->ike_lifetime,
	    ips->ips_lifetime);
	/* volume lifetimes (Libreswan 4's ipsec-max-bytes/-packets) */
	if (ips->ips_life_bytes != 0)
		ex_add(ex, "\tipsec-max-bytes=%llu\n",
		    (unsigned long long)ips->ips_life_bytes);
	if (ips->ips_life_packets != 0)
		ex_add(ex, "\tipsec-max-packets=%llu\n",
		    (unsigned long long)ips->ips_life_packets);
	if (t->tn_dpd_delay != 0) {
		ex_add(ex, "\tdpddelay=%us\n\tdpdtimeout=%us\n",
		    t->tn_dpd_delay, t->tn_dpd_timeout);
		ex_add(ex, "\tdpdaction=%s\n",
		    swan_dpd_action(t->tn_dpd_action, 0));
	}
	ex_add(ex, "\n# ---- ipsec.secrets ----\n");
	/* a double-quoted string without escapes, or 0x hex */
	swan_psk(t, psk, sizeof(psk));
	ex_add(ex, "%s %s : PSK %s\n", lid, rid, psk);
	explicit_bzero(psk, sizeof(psk));
	return (0);
}

/* --- Cisco IOS ------------------------------------------------------------ */

/* Dotted wildcard mask of a prefix length ("0.0.0.255" for /24). */
static void
ios_wildcard(const struct cfg_prefix *p, char *out, size_t len)
{
	struct in_addr	 w;
	char		 a[INET_ADDRSTRLEN];

	w.s_addr = htonl(p->pf_plen == 0 ? 0xffffffffU :
	    (p->pf_plen == 32 ? 0 : 0xffffffffU >> p->pf_plen));
	ex_addr(p->pf_addr, a, sizeof(a));
	snprintf(out, len, "%s ", a);
	ex_addr(w, a, sizeof(a));
	strncat(out, a, len - strlen(out) - 1);
}

/* What IOS cannot take of an IKEv1 IPsec suite.  0 or -1. */
static int
ios_check_child(struct exp *ex, const struct cfg_ipsec *ips)
{
	/* IOS's command reference: esp-gcm needs IKEv2 */
	if (encr_is_aead(ips->ips_encr))
		return (ex_refuse(ex, "IOS offers esp-gcm with IKEv2 only "
		    "(use version 2, or aes128, aes192 or aes256 for ESP)"));
	if (ips->ips_proto == IPPROTO_AH &&
	    ips->ips_integ != AUTH_HMAC_MD5_96 &&
	    ips->ips_integ != AUTH_HMAC_SHA1_96)
		return (ex_refuse(ex, "gatewayd writes IOS's AH transforms "
		    "for md5 and sha1 only (use protocol esp for sha2-256, "
		    "sha2-384 or sha2-512)"));
	return (0);
}

static int
ios_check(struct exp *ex)
{
	const struct cfg_tunnel	*t = ex->ex_t;
	const struct cfg_ike	*ike = &t->tn_ike;
	struct cfg_ipsec	 one;
	struct cfg_prop		 cp;
	size_t			 i;
	int			 k;

	/* IKEv1: one isakmp policy and one transform set per suite (each
	 * suite checked below as a tunnel of its own) */
	if (ike->ike_version == 1 && proposal_child_count(&t->tn_ipsec) > 6)
		return (ex_refuse(ex, "a crypto map entry of IOS takes at most "
		    "6 transform sets, and the tunnel lists %d IPsec suites "
		    "(keep 6 or fewer)", proposal_child_count(&t->tn_ipsec)));
	if (ike->ike_version == 1)
		for (k = 0; k < proposal_child_count(&t->tn_ipsec); k++) {
			proposal_child_get(&t->tn_ipsec, k, &cp);
			one = t->tn_ipsec;
			one.ips_encr = cp.cp_encr;
			one.ips_encr_bits = cp.cp_encr_bits;
			one.ips_integ = cp.cp_integ;
			if (ios_check_child(ex, &one) == -1)
				return (-1);
		}
	else if (ike->ike_nprops > 1 || t->tn_ipsec.ips_nprops > 1)
		return (ex_refuse(ex, "gatewayd does not yet write a proposal "
		    "list for IOS (the tunnel lists %d IKE and %d IPsec "
		    "suites; export to swanctl or ipsec-conf, or keep one "
		    "suite)", proposal_ike_count(ike),
		    proposal_child_count(&t->tn_ipsec)));
	/* IOS takes the key as a word of printable characters only: a key
	 * given as 0x or 0s with other bytes cannot be written */
	for (i = 0; i < t->tn_psk_len; i++)
		if ((unsigned char)t->tn_psk[i] <= ' ' ||
		    (unsigned char)t->tn_psk[i] > '~' || t->tn_psk[i] == '?')
			return (ex_refuse(ex, "the psk holds bytes that are not "
			    "printable characters (it is given as 0x hex or 0s "
			    "base64), and IOS takes a pre-shared key as "
			    "printable text only (choose a psk of printable "
			    "characters without spaces and '?')"));
	for (k = 0; k < proposal_child_count(&t->tn_ipsec); k++) {
		proposal_child_get(&t->tn_ipsec, k, &cp);
		if (cp.cp_esn == CFG_ESN_YES && t->tn_ipsec.ips_nprops == 0)
			return (ex_refuse(ex, "gatewayd writes no extended "
			    "sequence numbers for IOS, and with esn yes a peer "
			    "without them is refused (use esn either or no in "
			    "the tunnel's ipsec block)"));
		if (cp.cp_esn == CFG_ESN_YES)
			return (ex_refuse(ex, "gatewayd writes no extended "
			    "sequence numbers for IOS, and IPsec proposal %d "
			    "has esn only, so a peer without them is refused "
			    "(add noesn to that proposal, e.g. "
			    "aes128-sha256-esn-noesn)", k + 1));
	}
	/* IOS: ISAKMP 60-86400 s, IKEv2 profile and IPsec SA 120-86400 s */
	if (ike->ike_lifetime < 120 || t->tn_ipsec.ips_lifetime < 120)
		return (ex_refuse(ex, "IOS lifetimes start at 120 s; the IKE "
		    "lifetime is %u s and the IPsec lifetime %u s (lifetimes "
		    "this short are for test-short-lifetimes only)",
		    ike->ike_lifetime, t->tn_ipsec.ips_lifetime));
	/*
	 * IOS counts the IPsec SA volume in kilobytes, 2560 to 4294967295
	 * (units of 1024 bytes, as gatewayd's IKEv1 proposes it).
	 */
	if (t->tn_ipsec.ips_life_bytes != 0 &&
	    (t->tn_ipsec.ips_life_bytes / 1024 < 2560 ||
	    t->tn_ipsec.ips_life_bytes / 1024 > 4294967295ULL))
		return (ex_refuse(ex, "IOS volume lifetimes are 2560 to "
		    "4294967295 kilobytes; lifetime-bytes %llu is %llu KB (use "
		    "2621440 to 4398046510080 bytes)",
		    (unsigned long long)t->tn_ipsec.ips_life_bytes,
		    (unsigned long long)(t->tn_ipsec.ips_life_bytes / 1024)));
	/* IOS: IKEv2 aes-gcm-128/256 and esp-gcm 128/256, 16-octet ICV */
	if (ike->ike_encr == ENCR_CHACHA20_POLY1305 ||
	    t->tn_ipsec.ips_encr == ENCR_CHACHA20_POLY1305)
		return (ex_refuse(ex, "IOS has no ChaCha20-Poly1305 (use "
		    "aes128gcm16 or aes256gcm16)"));
	if ((encr_is_aead(ike->ike_encr) && (ike->ike_encr !=
	    ENCR_AES_GCM_16 || ike->ike_encr_bits == 192)) ||
	    (encr_is_aead(t->tn_ipsec.ips_encr) && (t->tn_ipsec.ips_encr !=
	    ENCR_AES_GCM_16 || t->tn_ipsec.ips_encr_bits == 192)))
		return (ex_refuse(ex, "IOS has AES-GCM with 128 and 256-bit "
		    "keys and a 16-octet ICV only (use aes128gcm16 or "
		    "aes256gcm16)"));
	/* IOS's command reference: esp-gcm needs IKEv2 */
	if (ike->ike_version == 1 && encr_is_aead(t->tn_ipsec.ips_encr))
		return (ex_refuse(ex, "IOS offers esp-gcm with IKEv2 only "
		    "(use version 2, or aes128, aes192 or aes256 for ESP)"));
	if (t->tn_ipsec.ips_proto == IPPROTO_AH &&
	    t->tn_ipsec.ips_integ != AUTH_HMAC_MD5_96 &&
	    t->tn_ipsec.ips_integ != AUTH_HMAC_SHA1_96)
		return (ex_refuse(ex, "gatewayd writes IOS's AH transforms "
		    "for md5 and sha1 only (use protocol esp for sha2-256, "
		    "sha2-384 or sha2-512)"));
	/* IOS's IKEv2 proposal and PFS groups stop at 21 and 24. */
	if (ike->ike_dh == DH_CURVE25519 || t->tn_ipsec.ips_pfs ==
	    DH_CURVE25519)
		return (ex_refuse(ex, "IOS has no DH group 31 (curve25519) "
		    "(use group 19, 20 or 21 for an elliptic curve)"));
	return (0);
}

static const char *
ios_ikev2_encr(const struct cfg_ike *ike)
{
	if (ike->ike_encr == ENCR_3DES)
		return ("3des");
	if (ike->ike_encr == ENCR_AES_GCM_16)
		return (ike->ike_encr_bits == 256 ? "aes-gcm-256" :
		    "aes-gcm-128");
	return (ike->ike_encr_bits == 256 ? "aes-cbc-256" :
	    ike->ike_encr_bits == 192 ? "aes-cbc-192" : "aes-cbc-128");
}

static const char *
ios_isakmp_encr(const struct cfg_ike *ike)
{
	if (ike->ike_encr == ENCR_3DES)
		return ("3des");
	return (ike->ike_encr_bits == 256 ? "aes 256" :
	    ike->ike_encr_bits == 192 ? "aes 192" : "aes");
}

static const char *
ios_integ(int integ, int v1)
{
	switch (integ) {
	case AUTH_HMAC_MD5_96:		return ("md5");
	case AUTH_HMAC_SHA1_96:		return (v1 ? "sha" : "sha1");
	case AUTH_HMAC_SHA2_384_192:	return ("sha384");
	case AUTH_HMAC_SHA2_512_256:	return ("sha512");
	default:			return ("sha256");
	}
}

/* "esp-aes 256 esp-sha-hmac", "esp-gcm 256", "ah-md5-hmac" */
static void
ios_transform(const struct cfg_ipsec *ips, char *out, size_t len)
{
	int		 i = ips->ips_integ;
	const char	*h = i == AUTH_HMAC_MD5_96 ? "md5" :
			    i == AUTH_HMAC_SHA2_256_128 ? "sha256" :
			    i == AUTH_HMAC_SHA2_384_192 ? "sha384" :
			    i == AUTH_HMAC_SHA2_512_256 ? "sha512" : "sha";

	if (ips->ips_proto == IPPROTO_ESP && ips->ips_encr == ENCR_AES_GCM_16)
		snprintf(out, len, "%s", ips->ips_encr_bits == 256 ?
		    "esp-gcm 256" : "esp-gcm");
	else if (ips->ips_proto == IPPROTO_AH)
		snprintf(out, len, "ah-%s-hmac", h);
	else if (ips->ips_encr == ENCR_3DES)
		snprintf(out, len, "esp-3des esp-%s-hmac", h);
	else if (ips->ips_encr_bits == 128)
		snprintf(out, len, "esp-aes esp-%s-hmac", h);
	else
		snprintf(out, len, "esp-aes %d esp-%s-hmac",
		    ips->ips_encr_bits, h);
}

/* IOS DPD: interval 10-3600 s, retry interval 2-60 s (5 retries); fmt
 * takes the two. */
static void
ios_dpd(struct exp *ex, const char *fmt)
{
	const struct cfg_tunnel	*t = ex->ex_t;
	uint32_t		 delay = t->tn_dpd_delay, retry;

	if (delay == 0)
		return;
	retry = t->tn_dpd_timeout / 5;
	retry = retry < 2 ? 2 : retry > 60 ? 60 : retry;
	if (delay < 10)
		ex_add(ex, "! DPD: gatewayd probes after %u s; IOS's shortest "
		    "interval is 10 s\n", delay);
	ex_add(ex, fmt, delay < 10 ? 10 : delay, retry);
}

static void
ios_ikev2(struct exp *ex, const char *gw)
{
	const struct cfg_tunnel	*t = ex->ex_t;
	const struct cfg_ike	*ike = &t->tn_ike;
	const char		*n = t->tn_name;

	/* an AEAD proposal names its PRF instead of an integrity */
	if (ike->ike_integ == AUTH_NONE)
		ex_add(ex, "crypto ikev2 proposal %s\n encryption %s\n prf %s\n"
		    " group %d\n!\n", n, ios_ikev2_encr(ike),
		    ios_integ(ex_prf_integ(ike->ike_prf), 0), ike->ike_dh);
	else
		ex_add(ex, "crypto ikev2 proposal %s\n encryption %s\n"
		    " integrity %s\n group %d\n!\n", n, ios_ikev2_encr(ike),
		    ios_integ(ike->ike_integ, 0), ike->ike_dh);
	ex_add(ex, "crypto ikev2 policy %s\n proposal %s\n!\n", n, n);
	ex_add(ex, "crypto ikev2 keyring %s\n peer %s\n  address %s\n"
	    "  pre-shared-key %.*s\n!\n", n, t->tn_gw->gw_name, gw,
	    (int)t->tn_psk_len, t->tn_psk);
	ex_add(ex, "crypto ikev2 profile %s\n", n);
	if (ike->ike_local_id.id_type == CFG_ID_FQDN)
		ex_add(ex, " match identity remote fqdn %s\n",
		    ike->ike_local_id.id_value);
	else
		ex_add(ex, " match identity remote address %s "
		    "255.255.255.255\n", ike->ike_local_id.id_value);
	if (ike->ike_peer_id.id_type == CFG_ID_FQDN)
		ex_add(ex, " identity local fqdn %s\n",
		    ike->ike_peer_id.id_value);
	else if (ike->ike_peer_id.id_type == CFG_ID_IPV4)
		ex_add(ex, " identity local address %s\n",
		    ike->ike_peer_id.id_value);
	ex_add(ex, " authentication remote pre-share\n"
	    " authentication local pre-share\n keyring local %s\n"
	    " lifetime %u\n", n, ike->ike_lifetime);
	ios_dpd(ex, " dpd %u %u periodic\n");
	ex_add(ex, "!\n");
}

/* 1 if an IKEv1 tunnel needs an ISAKMP profile on IOS: Aggressive Mode,
 * or an FQDN identity on either side. */
static int
ios_isakmp_profiled(const struct cfg_ike *ike)
{
	return (ike->ike_mode == CFG_IKE_AGGRESSIVE ||
	    ike->ike_local_id.id_type == CFG_ID_FQDN ||
	    ike->ike_peer_id.id_type == CFG_ID_FQDN);
}

/*
 * IKEv1 with Aggressive Mode or FQDN identities: a keyring and an ISAKMP
 * profile (IOS Security Command Reference: crypto keyring, crypto isakmp
 * profile), which the crypto map names.  The keyring finds the key by
 * address (Main Mode, before the identities) and, for gatewayd's FQDN,
 * by host name (Aggressive Mode, where IOS answers by identity).
 */
static void
ios_isakmp_profile(struct exp *ex, const char *gw)
{
	const struct cfg_tunnel	*t = ex->ex_t;
	const struct cfg_ike	*ike = &t->tn_ike;
	const char		*n = t->tn_name, *dot;

	ex_add(ex, "crypto keyring %s\n pre-shared-key address %s key "
	    "%.*s\n", n, gw, (int)t->tn_psk_len, t->tn_psk);
	if (ike->ike_local_id.id_type == CFG_ID_FQDN)
		ex_add(ex, " pre-shared-key hostname %s key %.*s\n",
		    ike->ike_local_id.id_value, (int)t->tn_psk_len, t->tn_psk);
	ex_add(ex, "!\n");
	if (ike->ike_peer_id.id_type == CFG_ID_FQDN) {
		dot = strchr(ike->ike_peer_id.id_value, '.');
		ex_add(ex, "! IOS sends its host name and domain as its "
		    "identity (self-identity\n! fqdn); gatewayd expects %s",
		    ike->ike_peer_id.id_value);
		if (dot != NULL)
			ex_add(ex, ":\n!  hostname %.*s\n!  ip domain name %s\n",
			    (int)(dot - ike->ike_peer_id.id_value),
			    ike->ike_peer_id.id_value, dot + 1);
		else
			ex_add(ex, " (hostname %s)\n",
			    ike->ike_peer_id.id_value);
	}
	ex_add(ex, "crypto isakmp profile %s\n keyring %s\n", n, n);
	if (ike->ike_local_id.id_type == CFG_ID_FQDN)
		ex_add(ex, " match identity host %s\n",
		    ike->ike_local_id.id_value);
	else
		ex_add(ex, " match identity address %s 255.255.255.255\n",
		    ike->ike_local_id.id_type == CFG_ID_IPV4 ?
		    ike->ike_local_id.id_value : gw);
	ex_add(ex, " self-identity %s\n", ike->ike_peer_id.id_type ==
	    CFG_ID_FQDN ? "fqdn" : "address");
	if (ike->ike_mode == CFG_IKE_AGGRESSIVE)
		ex_add(ex, " initiate mode aggressive\n");
	ios_dpd(ex, " keepalive %u retry %u\n");
	ex_add(ex, "!\n");
}

static void
ios_isakmp(struct exp *ex, const char *gw)
{
	const struct cfg_tunnel	*t = ex->ex_t;
	const struct cfg_ike	*ike = &t->tn_ike;
	struct cfg_ike		 one;
	struct cfg_prop		 cp;
	int			 k, n = proposal_ike_count(ike);

	if (n == 1)
		ex_add(ex, "! Policy priority 10: use a free number if 10 is "
		    "taken.\n");
	else
		ex_add(ex, "! Policy priorities 10 to %d, one per suite in "
		    "gatewayd's order: use free\n! numbers in the same order "
		    "if these are taken.\n", 10 * n);
	for (k = 0; k < n; k++) {
		proposal_ike_get(ike, k, &cp);
		one = *ike;
		one.ike_encr = cp.cp_encr;
		one.ike_encr_bits = cp.cp_encr_bits;
		ex_add(ex, "crypto isakmp policy %d\n encryption %s\n hash %s\n"
		    " authentication pre-share\n group %d\n lifetime %u\n!\n",
		    10 * (k + 1), ios_isakmp_encr(&one), ios_integ(cp.cp_integ,
		    1), cp.cp_dh, ike->ike_lifetime);
	}
	if (ios_isakmp_profiled(ike)) {
		ios_isakmp_profile(ex, gw);
		return;
	}
	ex_add(ex, "crypto isakmp key %.*s address %s\n", (int)t->tn_psk_len,
	    t->tn_psk, gw);
	ios_dpd(ex, "crypto isakmp keepalive %u %u periodic\n");
	ex_add(ex, "!\n");
}

static int
exp_cisco_ios(struct exp *ex)
{
	const struct cfg_tunnel	*t = ex->ex_t;
	const struct cfg_ipsec	*ips = &t->tn_ipsec;
	const char		*n = t->tn_name;
	char			 gw[INET_ADDRSTRLEN], tf[64], a[40], b[40];
	char			 ts[CFG_MAX_PROPOSALS][CFG_NAME_MAX + 12];
	struct cfg_ipsec	 one;
	struct cfg_prop		 cp;
	int			 i, j, k, nts;

	if (ios_check(ex) == -1)
		return (-1);
	ex_addr(t->tn_gw->gw_addr, gw, sizeof(gw));
	ex_header(ex, "!", "Cisco IOS crypto configuration");
	if (t->tn_ike.ike_version == 2)
		ios_ikev2(ex, gw);
	else
		ios_isakmp(ex, gw);
	nts = t->tn_ike.ike_version == 1 ? proposal_child_count(ips) : 1;
	for (k = 0; k < nts; k++) {
		proposal_child_get(ips, k, &cp);
		one = *ips;
		one.ips_encr = cp.cp_encr;
		one.ips_encr_bits = cp.cp_encr_bits;
		one.ips_integ = cp.cp_integ;
		ios_transform(&one, tf, sizeof(tf));
		if (nts == 1)
			snprintf(ts[k], sizeof(ts[k]), "%s", n);
		else
			snprintf(ts[k], sizeof(ts[k]), "%s-%d", n, k + 1);
		ex_add(ex, "crypto ipsec transform-set %s %s\n mode tunnel\n"
		    "!\n", ts[k], tf);
	}
	ex_add(ex, "ip access-list extended %s\n", n);
	for (i = 0; i < t->tn_nremote; i++)
		for (j = 0; j < t->tn_nlocal; j++) {
			ios_wildcard(&t->tn_remote[i], a, sizeof(a));
			ios_wildcard(&t->tn_local[j], b, sizeof(b));
			ex_add(ex, " permit ip %s %s\n", a, b);
		}
	ex_add(ex, "!\n! Crypto map gatewayd, entry 10: use a free entry if "
	    "10 is taken.\n");
	/* IOS takes up to six transform sets, in order of preference */
	ex_add(ex, "crypto map gatewayd 10 ipsec-isakmp\n set peer %s\n"
	    " set transform-set", gw);
	for (k = 0; k < nts; k++)
		ex_add(ex, " %s", ts[k]);
	ex_add(ex, "\n");
	if (ips->ips_pfs != 0)
		ex_add(ex, " set pfs group%d\n", ips->ips_pfs);
	ex_add(ex, " set security-association lifetime seconds %u\n",
	    ips->ips_lifetime);
	if (ips->ips_life_bytes != 0)
		ex_add(ex, " set security-association lifetime kilobytes "
		    "%llu\n", (unsigned long long)(ips->ips_life_bytes / 1024));
	/* never negotiated: gatewayd's own SAs keep the limit */
	if (ips->ips_life_packets != 0)
		ex_add(ex, " ! IOS has no packet lifetime: gatewayd rekeys "
		    "after %llu packets on its side\n",
		    (unsigned long long)ips->ips_life_packets);
	if (t->tn_ike.ike_version == 2)
		ex_add(ex, " set ikev2-profile %s\n", n);
	else if (ios_isakmp_profiled(&t->tn_ike))
		ex_add(ex, " set isakmp-profile %s\n", n);
	ex_add(ex, " match address %s\n!\n", n);
	ex_add(ex, "! Then apply the map to the outside interface:\n"
	    "!  interface <outside>\n!   crypto map gatewayd\n");
	return (0);
}

int
export_tunnel(const struct cfg_tunnel *t, enum export_format f,
    struct buf *out, char *err, size_t errlen)
{
	struct exp	 ex;
	int		 rv = -1;

	memset(&ex, 0, sizeof(ex));
	ex.ex_t = t;
	ex.ex_fmt = f;
	ex.ex_err = err;
	ex.ex_errlen = errlen;
	if ((ex.ex_out = buf_new(4096)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	switch (f) {
	case EXPORT_IPSEC_CONF:
		rv = exp_ipsec_conf(&ex);
		break;
	case EXPORT_SWANCTL:
		rv = exp_swanctl(&ex);
		break;
	case EXPORT_LIBRESWAN:
		rv = exp_libreswan(&ex);
		break;
	case EXPORT_CISCO_IOS:
		rv = exp_cisco_ios(&ex);
		break;
	default:
		snprintf(err, errlen, "unknown export format %d", (int)f);
		break;
	}
	if (rv == 0 && ex.ex_nomem) {
		snprintf(err, errlen, "out of memory");
		rv = -1;
	}
	if (rv == 0 && buf_add(out, ex.ex_out->buf_data,
	    ex.ex_out->buf_len) == -1) {
		snprintf(err, errlen, "out of memory");
		rv = -1;
	}
	buf_free(ex.ex_out);		/* wipes the copy of the PSK */
	return (rv);
}
