/*
 * diag.c - turns a tunnel's recorded last attempt into the "gatewayctl
 * doctor" report: the state, one verdict, the evidence, and what to
 * change on which side (our gatewayd.conf keyword; the peer's setting in
 * strongSwan's words).  Pure: no engine, no secrets.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "policy/diag.h"

#define DIAG_LINE_MAX	1024
/* encryption, integrity, prf, dh, esn; IKEv1 auth method, encap mode */
#define DIAG_FIELDS	7
#define DIAG_F_AUTH	5
#define DIAG_F_ENCAP	6
#define DIAG_VAL_MAX	128

static const char *const diag_names[] = {
	"none", "psk", "psk", "ike-version", "ike-mode", "id", "proposal",
	"segments", "esp-ah", "pfs", "no-answer", "nat", "other"
};

const char *
diag_cause_name(enum diag_cause c)
{
	if ((unsigned)c >= sizeof(diag_names) / sizeof(diag_names[0]))
		return ("other");
	return (diag_names[c]);
}

void
diag_begin(struct tunnel_diag *d, int version, int initiator)
{
	memset(d, 0, sizeof(*d));
	d->td_version = version;
	d->td_initiator = initiator;
}

void
diag_set(struct tunnel_diag *d, enum diag_cause c, int phase)
{
	d->td_cause = c;
	d->td_phase = phase;
}

void
diag_escape(char *dst, size_t dstlen, const uint8_t *src, size_t len)
{
	size_t	 i, o = 0;

	if (dstlen == 0)
		return;
	for (i = 0; i < len; i++) {
		if (src[i] >= 0x20 && src[i] < 0x7f && src[i] != '\\' &&
		    src[i] != '"') {
			if (o + 1 >= dstlen)
				break;
			dst[o++] = (char)src[i];
		} else {
			if (o + 4 >= dstlen)
				break;
			snprintf(dst + o, 5, "\\x%02x", src[i]);
			o += 4;
		}
	}
	dst[o] = '\0';
}

static int
diag_printf(struct buf *out, const char *fmt, ...)
{
	char	 line[DIAG_LINE_MAX];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return (-1);
	/* table cells leave trailing blanks: drop them */
	n = (int)strlen(line);
	if (n > 0 && line[n - 1] == '\n') {
		while (n > 1 && line[n - 2] == ' ')
			n--;
		line[n - 1] = '\n';
		line[n] = '\0';
	}
	return (buf_add(out, line, strlen(line)));
}

/* The field of a proposal_describe() transform name: 0 encryption,
 * 1 integrity, 2 prf, 3 dh, 4 esn, 5 IKEv1 authentication method, 6 IKEv1
 * encapsulation mode. */
static int
diag_field(const char *n)
{
	static const char *const auth[] = { "psk", "dss", "rsa", "ecdsa",
	    "auth", "noauth" };
	static const char *const encap[] = { "tunnel", "transport", "udp",
	    "encap", "noencap" };
	size_t	 i;

	for (i = 0; i < sizeof(auth) / sizeof(auth[0]); i++)
		if (strncmp(n, auth[i], strlen(auth[i])) == 0)
			return (DIAG_F_AUTH);
	for (i = 0; i < sizeof(encap) / sizeof(encap[0]); i++)
		if (strncmp(n, encap[i], strlen(encap[i])) == 0)
			return (DIAG_F_ENCAP);
	/* an IKEv1 number ("v1integ3") belongs where its kind does */
	if (strncmp(n, "v1", 2) == 0)
		n += 2;
	if (strncmp(n, "prf", 3) == 0)
		return (2);
	if (strncmp(n, "modp", 4) == 0 || strncmp(n, "ecp", 3) == 0 ||
	    strncmp(n, "curve", 5) == 0 || strcmp(n, "nodh") == 0 ||
	    strncmp(n, "dh", 2) == 0)
		return (3);
	if (strncmp(n, "esn", 3) == 0 || strcmp(n, "noesn") == 0)
		return (4);
	if (strncmp(n, "md5", 3) == 0 || strncmp(n, "sha", 3) == 0 ||
	    strcmp(n, "nointeg") == 0 || strncmp(n, "integ", 5) == 0 ||
	    strncmp(n, "aesxcbc", 7) == 0)
		return (1);
	return (0);
}

/* Adds name to the "a,b" set val unless it is there. */
static void
diag_val_add(char *val, const char *name)
{
	size_t	 l = strlen(name);
	char	*p = val;

	while ((p = strstr(p, name)) != NULL) {
		if ((p == val || p[-1] == ',') && (p[l] == ',' ||
		    p[l] == '\0'))
			return;
		p += l;
	}
	if (strlen(val) + l + 2 >= DIAG_VAL_MAX)
		return;
	if (val[0] != '\0')
		strcat(val, ",");
	strcat(val, name);
}

/*
 * Splits "IKE:a-b-c, IKE:d-e" into per-field sets of names, and the
 * protocols seen ("ESP", "AH", "IKE") into proto.
 */
static void
diag_fields(const char *desc, char val[DIAG_FIELDS][DIAG_VAL_MAX],
    char *proto)
{
	char	 name[48];
	size_t	 n;
	int	 f;

	memset(val, 0, DIAG_FIELDS * DIAG_VAL_MAX);
	proto[0] = '\0';
	while (*desc != '\0') {
		while (*desc == ' ' || *desc == ',' || *desc == '-')
			desc++;
		n = strcspn(desc, ":-, ");
		if (n == 0)
			break;
		snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) ?
		    n : sizeof(name) - 1), desc);
		if (desc[n] == ':') {
			if (strlen(proto) + strlen(name) + 2 < DIAG_VAL_MAX)
				diag_val_add(proto, name);
			desc += n + 1;
			continue;
		}
		desc += n;
		if ((f = diag_field(name)) >= 0)
			diag_val_add(val[f], name);
	}
}

/* 1 if every name of ours is missing from theirs (and both known). */
static int
diag_differs(const char *ours, const char *theirs)
{
	char	 one[DIAG_VAL_MAX], set[DIAG_VAL_MAX];
	size_t	 n;

	if (ours[0] == '\0' || theirs[0] == '\0')
		return (0);
	while (*ours != '\0') {
		n = strcspn(ours, ",");
		snprintf(one, sizeof(one), "%.*s", (int)n, ours);
		snprintf(set, sizeof(set), "%s", theirs);
		diag_val_add(set, one);
		if (strcmp(set, theirs) == 0)
			return (0);	/* one of ours is theirs */
		ours += n + (ours[n] == ',');
	}
	return (1);
}

static const char *const diag_field_kw[DIAG_FIELDS] = {
	"encryption", "integrity", "prf", "dh-group", "esn", "auth-method",
	"encap-mode"
};

/*
 * The encapsulation modes of set as kinds: a UDP-encapsulated tunnel
 * (RFC 3947, or its drafts' number) is a tunnel as far as the two sides'
 * settings go (NAT-T picks the UDP one by itself), and so for transport.
 */
static void
diag_encap_kinds(const char *set, char *out)
{
	char	 one[DIAG_VAL_MAX];
	size_t	 n, l;

	out[0] = '\0';
	while (*set != '\0') {
		n = strcspn(set, ",");
		snprintf(one, sizeof(one), "%.*s", (int)n, set);
		l = strlen(one);
		if (l > 5 && strcmp(one + l - 5, "draft") == 0)
			one[l - 5] = '\0';
		diag_val_add(out, strncmp(one, "udp", 3) == 0 &&
		    (strcmp(one + 3, "tunnel") == 0 ||
		    strcmp(one + 3, "transport") == 0) ? one + 3 : one);
		set += n + (set[n] == ',');
	}
}

/* diag_differs() of field f's sets. */
static int
diag_field_differs(int f, const char *ours, const char *theirs)
{
	char	 o[DIAG_VAL_MAX], t[DIAG_VAL_MAX];

	if (f != DIAG_F_ENCAP)
		return (diag_differs(ours, theirs));
	diag_encap_kinds(ours, o);
	diag_encap_kinds(theirs, t);
	return (diag_differs(o, t));
}

/*
 * The proposals as a table, field by field; returns the first field
 * (0..DIAG_FIELDS - 1) that differs, or -1.
 */
static int
diag_table(struct buf *out, const struct tunnel_diag *d, int *rv)
{
	char	 o[DIAG_FIELDS][DIAG_VAL_MAX], t[DIAG_FIELDS][DIAG_VAL_MAX];
	char	 op[DIAG_VAL_MAX], tp[DIAG_VAL_MAX];
	int	 f, first = -1, diff;

	diag_fields(d->td_ours, o, op);
	diag_fields(d->td_theirs, t, tp);
	*rv |= diag_printf(out, "  %-12s %-24s %-24s\n", "field", "ours",
	    d->td_theirs[0] != '\0' ? "theirs" : "theirs (not seen)");
	if (op[0] != '\0' || tp[0] != '\0')
		*rv |= diag_printf(out, "  %-12s %-24s %-24s %s\n",
		    "protocol", op, tp[0] ? tp : "-",
		    diag_differs(op, tp) ? "DIFFERS" : "");
	for (f = 0; f < DIAG_FIELDS; f++) {
		if (o[f][0] == '\0' && t[f][0] == '\0')
			continue;
		diff = diag_field_differs(f, o[f], t[f]);
		if (diff && first == -1)
			first = f;
		*rv |= diag_printf(out, "  %-12s %-24s %-24s %s\n",
		    diag_field_kw[f], o[f][0] ? o[f] : "-",
		    t[f][0] ? t[f] : "-", diff ? "DIFFERS" : "");
	}
	return (first);
}

/* The verdict line and the evidence lines; sets the fix. */
static int
diag_text_cause(struct buf *out, const char *name,
    const struct tunnel_diag *d)
{
	const char	*ph = d->td_phase == 2 ? "Phase 2" : "Phase 1";
	const char	*auth = d->td_version == 1 ? "HASH" : "AUTH";
	char		 op[DIAG_VAL_MAX], tp[DIAG_VAL_MAX];
	char		 o[DIAG_FIELDS][DIAG_VAL_MAX], t[DIAG_FIELDS][DIAG_VAL_MAX];
	int		 rv = 0, f;

	switch (d->td_cause) {
	case DIAG_PSK_OURS:
		rv |= diag_printf(out, "verdict: pre-shared key mismatch: the "
		    "peer rejected our %s\n", auth);
		if (d->td_version == 1)
			rv |= diag_printf(out, "evidence: no valid Main Mode "
			    "message 6: it did not decrypt or verify with our "
			    "key, or a notify came instead (the keys come from "
			    "the PSK)\n");
		else
			rv |= diag_printf(out, "evidence: the peer answered "
			    "our IKE_AUTH with %s\n", d->td_notify[0] ?
			    d->td_notify : "a refusal");
		rv |= diag_printf(out, "fix: change psk in gatewayd.conf "
		    "(tunnel %s, keyword psk) or the peer's PSK (strongSwan: "
		    "the PSK secret for our ID in ipsec.secrets or swanctl "
		    "secrets) so both are the same\n", name);
		break;
	case DIAG_PSK_THEIRS:
		rv |= diag_printf(out, "verdict: pre-shared key mismatch: the "
		    "peer's %s does not verify with our psk\n", auth);
		rv |= diag_printf(out, "evidence: the peer's ID %s matches "
		    "peer-id, its %s does not\n", d->td_peer_id[0] ?
		    d->td_peer_id : "(not seen)", auth);
		rv |= diag_printf(out, "fix: change psk in gatewayd.conf "
		    "(tunnel %s, keyword psk) or the peer's PSK (strongSwan: "
		    "ipsec.secrets or swanctl secrets) so both are the "
		    "same\n", name);
		break;
	case DIAG_ID:
		rv |= diag_printf(out, "verdict: ID mismatch: the peer "
		    "identifies as %s, we expect %s\n", d->td_peer_id[0] ?
		    d->td_peer_id : "?", d->td_expected_id[0] ?
		    d->td_expected_id : "?");
		rv |= diag_printf(out, "evidence: peer sent ID \"%s\"; "
		    "peer-id is \"%s\"\n", d->td_peer_id,
		    d->td_expected_id);
		rv |= diag_printf(out, "fix: change peer-id in gatewayd.conf "
		    "(tunnel %s, ike block, keyword peer-id) to %s, or the "
		    "peer's own ID (strongSwan: leftid, swanctl local id) to "
		    "%s\n", name, d->td_peer_id, d->td_expected_id);
		break;
	case DIAG_VERSION:
		rv |= diag_printf(out, "verdict: IKE version mismatch: we "
		    "speak IKEv%d, the peer %s\n", d->td_version,
		    d->td_notify[0] ? "refused it" : d->td_received ?
		    "uses another version" :
		    "answers nothing to it");
		rv |= diag_printf(out, "evidence: %s%s\n", d->td_notify[0] ?
		    "the peer answered " : d->td_detail,
		    d->td_notify[0] ? d->td_notify : "");
		rv |= diag_printf(out, "fix: change version in gatewayd.conf "
		    "(tunnel %s, ike block, keyword version) or the peer's "
		    "version (strongSwan: keyexchange=ikev%d, swanctl "
		    "version = %d) so both are the same\n", name,
		    d->td_version, d->td_version);
		break;
	case DIAG_MODE:
		rv |= diag_printf(out, "verdict: IKEv1 mode mismatch (Main "
		    "against Aggressive Mode)\n");
		rv |= diag_printf(out, "evidence: %s\n", d->td_detail);
		if (d->td_psk_same)
			rv |= diag_printf(out, "note: that answer verifies "
			    "with keys from our psk, so the pre-shared key is "
			    "the same and the peer has no Main Mode connection "
			    "for our ID: strongSwan with aggressive = yes "
			    "answers so, and so does a connection that expects "
			    "another ID from us (strongSwan: remote id; ours: "
			    "keyword local-id)\n");
		else if (strcmp(d->td_notify, "AUTHENTICATION-FAILED") == 0)
			rv |= diag_printf(out, "note: a peer whose connection "
			    "expects another ID from us (strongSwan: remote "
			    "id; ours: keyword local-id) answers "
			    "AUTHENTICATION-FAILED too\n");
		rv |= diag_printf(out, "fix: change mode in gatewayd.conf "
		    "(tunnel %s, ike block, keyword mode) or the peer's "
		    "(strongSwan: aggressive=yes|no) so both are the same\n",
		    name);
		break;
	case DIAG_IKE_PROPOSAL:
	case DIAG_CHILD_PROPOSAL:
		rv |= diag_printf(out, "verdict: %s proposal mismatch%s\n",
		    d->td_cause == DIAG_IKE_PROPOSAL ? "IKE" : "IPsec",
		    d->td_theirs[0] ? "" : ": the peer refused ours");
		rv |= diag_printf(out, "evidence: %s%s\n", d->td_notify[0] ?
		    "the peer answered " : "", d->td_notify[0] ?
		    d->td_notify : "no proposal of the peer matches ours");
		f = diag_table(out, d, &rv);
		/* RFC 7296 gives no other answer to a peer without an
		 * IKEv2 connection for us: strongSwan sends this too */
		if (d->td_cause == DIAG_IKE_PROPOSAL && d->td_theirs[0] ==
		    '\0' && strcmp(d->td_notify, "NO_PROPOSAL_CHOSEN") == 0)
			rv |= diag_printf(out, "note: a peer with no IKEv%d "
			    "connection for us (strongSwan: keyexchange=ikev%d, "
			    "swanctl version = %d) answers the same: if its "
			    "proposals match, check its version\n",
			    d->td_version, 3 - d->td_version,
			    3 - d->td_version);
		diag_fields(d->td_ours, o, op);
		diag_fields(d->td_theirs, t, tp);
		if (d->td_cause == DIAG_CHILD_PROPOSAL &&
		    diag_differs(op, tp))
			rv |= diag_printf(out, "fix: change protocol in "
			    "gatewayd.conf (tunnel %s, ipsec block, keyword "
			    "protocol) or the peer's (strongSwan: esp= or "
			    "ah=) so both use the same\n", name);
		else if (d->td_cause == DIAG_CHILD_PROPOSAL && f < 0)
			rv |= diag_printf(out, "fix: change protocol, "
			    "encryption or integrity in gatewayd.conf (tunnel "
			    "%s, ipsec block) or the peer's proposals "
			    "(strongSwan: esp= or ah=) so they share one\n",
			    name);
		else if (f == DIAG_F_AUTH)
			rv |= diag_printf(out, "fix: nothing to change in "
			    "gatewayd.conf (tunnel %s authenticates with a "
			    "pre-shared key only, keyword psk); change the "
			    "peer's authentication method to a pre-shared key "
			    "without XAuth (strongSwan: auth = psk in the "
			    "connection's local and remote sections, "
			    "authby=secret in ipsec.conf)\n", name);
		else if (f == DIAG_F_ENCAP)
			rv |= diag_printf(out, "fix: nothing to change in "
			    "gatewayd.conf (tunnel %s uses tunnel mode only); "
			    "change the peer's encapsulation mode to tunnel "
			    "(strongSwan: mode = tunnel in the swanctl child, "
			    "type=tunnel in ipsec.conf)\n", name);
		else
			rv |= diag_printf(out, "fix: change %s in "
			    "gatewayd.conf (tunnel %s, %s block, keyword %s) "
			    "or the peer's proposals (strongSwan: %s=) so "
			    "they share one\n", f >= 0 ? diag_field_kw[f] :
			    "encryption, integrity or dh-group", name,
			    d->td_cause == DIAG_IKE_PROPOSAL ? "ike" : "ipsec",
			    f >= 0 ? diag_field_kw[f] : "...",
			    d->td_cause == DIAG_IKE_PROPOSAL ? "ike" : "esp");
		break;
	case DIAG_PFS:
		rv |= diag_printf(out, "verdict: PFS mismatch (%s)\n",
		    d->td_notify[0] ? d->td_notify : "DH group of the CHILD "
		    "SA differs");
		rv |= diag_printf(out, "evidence: %s\n", d->td_detail);
		if (d->td_ours[0] || d->td_theirs[0])
			(void)diag_table(out, d, &rv);
		rv |= diag_printf(out, "fix: change pfs in gatewayd.conf "
		    "(tunnel %s, ipsec block, keyword pfs) or the peer's "
		    "(strongSwan: the DH group in esp=, e.g. "
		    "esp=aes128-sha1-modp1024, none for no PFS) so both are "
		    "the same\n", name);
		break;
	case DIAG_SEGMENTS:
		rv |= diag_printf(out, "verdict: segment mismatch: traffic "
		    "selectors refused\n");
		rv |= diag_printf(out, "evidence: %s%s\n", d->td_notify[0] ?
		    "the peer answered " : "", d->td_notify[0] ?
		    d->td_notify : "the peer's selectors are outside ours");
		rv |= diag_printf(out, "  ours:   %s\n", d->td_ts_ours);
		if (d->td_ts_theirs[0])
			rv |= diag_printf(out, "  theirs: %s\n",
			    d->td_ts_theirs);
		rv |= diag_printf(out, "fix: change local-segment or "
		    "peer-segment in gatewayd.conf (tunnel %s, keywords "
		    "local-segment, peer-segment) or the peer's (strongSwan: "
		    "leftsubnet/rightsubnet, swanctl local_ts/remote_ts) so "
		    "they mirror each other\n", name);
		break;
	case DIAG_NO_ANSWER:
		rv |= diag_printf(out, "verdict: no answer from the peer\n");
		rv |= diag_printf(out, "evidence: %d transmissions of our "
		    "IKEv%d request, nothing received\n", d->td_tries,
		    d->td_version);
		rv |= diag_printf(out, "fix: check address in gatewayd.conf "
		    "(tunnel %s, peer block, keyword address), that UDP 500 "
		    "and 4500 pass both ways, and that the peer's IKE daemon "
		    "runs (strongSwan: ipsec statusall, swanctl "
		    "--list-conns)\n", name);
		break;
	case DIAG_NAT:
		rv |= diag_printf(out, "verdict: NAT without NAT-T: NAT-D "
		    "shows a NAT between us and the peer does not use UDP "
		    "4500\n");
		rv |= diag_printf(out, "evidence: %s\n", d->td_detail);
		rv |= diag_printf(out, "fix: nothing in gatewayd.conf (tunnel "
		    "%s uses NAT-T by itself); enable NAT-T on the peer "
		    "(strongSwan: nat_traversal=yes, or encap = yes) or "
		    "remove the NAT\n", name);
		break;
	default:
		rv |= diag_printf(out, "verdict: %s failed: %s\n", ph,
		    d->td_detail[0] ? d->td_detail : "no diagnosis recorded");
		rv |= diag_printf(out, "fix: see gatewayctl log %s and "
		    "gatewayd -d\n", name);
		break;
	}
	return (rv ? -1 : 0);
}

/* A JSON string member; s is printable (escaped where recorded). */
static int
diag_json_str(struct buf *out, const char *key, const char *s, int comma)
{
	char	 e[2 * DIAG_STR_MAX];
	size_t	 i, o = 0;

	for (i = 0; s[i] != '\0' && o + 7 < sizeof(e); i++) {
		if (s[i] == '"' || s[i] == '\\')
			e[o++] = '\\';
		if ((unsigned char)s[i] < 0x20) {
			o += (size_t)snprintf(e + o, 7, "\\u%04x",
			    (unsigned char)s[i]);
			continue;
		}
		e[o++] = s[i];
	}
	e[o] = '\0';
	if (key == NULL)	/* an array element */
		return (diag_printf(out, "%s\"%s\"", comma ? "," : "", e));
	return (diag_printf(out, "%s\"%s\":\"%s\"", comma ? "," : "", key,
	    e));
}

static int
diag_json(struct buf *out, const char *name, const char *state,
    int connected, const struct tunnel_diag *d)
{
	struct buf	*txt;
	int		 rv = 0;

	if ((txt = buf_new(1024)) == NULL)
		return (-1);
	rv |= diag_report(txt, name, state, connected, d, 0);
	rv |= buf_add_u8(txt, '\0');
	rv |= diag_printf(out, "{");
	rv |= diag_json_str(out, "tunnel", name, 0);
	rv |= diag_json_str(out, "state", state, 1);
	rv |= diag_json_str(out, "cause", connected ? "none" :
	    diag_cause_name(d->td_cause), 1);
	rv |= diag_printf(out, ",\"phase\":%d,\"ike_version\":%d,"
	    "\"initiator\":%s,\"received\":%s,\"psk_same\":%s",
	    d->td_phase, d->td_version, d->td_initiator ? "true" : "false",
	    d->td_received ? "true" : "false", d->td_psk_same ? "true" :
	    "false");
	rv |= diag_json_str(out, "notify", d->td_notify, 1);
	rv |= diag_json_str(out, "ours", d->td_ours, 1);
	rv |= diag_json_str(out, "theirs", d->td_theirs, 1);
	rv |= diag_json_str(out, "peer_id", d->td_peer_id, 1);
	rv |= diag_json_str(out, "expected_id", d->td_expected_id, 1);
	rv |= diag_json_str(out, "ts_ours", d->td_ts_ours, 1);
	rv |= diag_json_str(out, "ts_theirs", d->td_ts_theirs, 1);
	rv |= diag_json_str(out, "detail", d->td_detail, 1);
	rv |= diag_printf(out, ",\"report\":[");
	{
		const char	*p = (const char *)txt->buf_data, *nl;
		int		 first = 1;
		char		 line[DIAG_STR_MAX];

		for (; *p != '\0'; p = nl + 1) {
			if ((nl = strchr(p, '\n')) == NULL)
				break;
			snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
			rv |= diag_json_str(out, NULL, line, !first);
			first = 0;
		}
	}
	rv |= diag_printf(out, "]}\n");
	buf_free(txt);
	return (rv ? -1 : 0);
}

int
diag_report(struct buf *out, const char *name, const char *state,
    int connected, const struct tunnel_diag *d, int json)
{
	int	 rv = 0;

	if (json)
		return (diag_json(out, name, state, connected, d));
	rv |= diag_printf(out, "tunnel %s: %s\n", name, state);
	if (connected)
		return (diag_printf(out, "verdict: connected, nothing to "
		    "fix\n"));
	if (d->td_cause == DIAG_NONE)
		return (rv | diag_printf(out, "verdict: no failed attempt "
		    "recorded%s%s\n", d->td_detail[0] ? ": " : "",
		    d->td_detail));
	rv |= diag_printf(out, "attempt: IKEv%d %s, %s\n", d->td_version,
	    d->td_initiator ? "initiator" : "responder", d->td_received ?
	    "the peer answered" : "nothing received from the peer");
	rv |= diag_text_cause(out, name, d);
	return (rv ? -1 : 0);
}
