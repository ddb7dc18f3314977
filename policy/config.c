/*
 * config.c - parses and validates gatewayd.conf (see gatewayd.conf(5)).
 *
 * The file is read line by line into struct config.  Checks that need
 * only the current line or block run while parsing; checks that relate
 * blocks to each other (names of gateways and peers, limits per gateway,
 * overlapping tunnels, the IKEv1 PSK rule) run once the whole file is
 * read, so blocks may appear in any order.  The first error stops
 * everything: the caller gets either a complete configuration or a
 * message "FILE:LINE: what is wrong (what to do)".
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "common/log.h"
#include "crypto/crypto.h"
#include "policy/config.h"
#include "policy/ts.h"

#define CFG_LINE_MAX	8192
#define CFG_WORDS_MAX	8
#define CFG_FILE_MAX	(1024 * 1024)
#define CFG_LIFE_MIN	3600
#define CFG_LIFE_TEST_MIN 10	/* with test-short-lifetimes yes */
#define CFG_LIFE_MAX	86400
/* ipsec lifetime-bytes / lifetime-packets (volume lifetimes) */
#define CFG_BYTES_MIN	1048576ULL	/* 1 MiB */
#define CFG_BYTES_TEST_MIN 10240ULL	/* with test-short-lifetimes yes */
#define CFG_PACKETS_MIN	1000ULL
#define CFG_PACKETS_TEST_MIN 10ULL
#define CFG_VOLUME_MAX	1000000000000000000ULL	/* 10^18 */
#define CFG_PSK_MAX_STR	"128"	/* CFG_PSK_MAX, in messages */
_Static_assert(CFG_PSK_MAX == 128, "CFG_PSK_MAX_STR");

enum cfg_ctx {
	CTX_TOP = 0,
	CTX_GATEWAY,
	CTX_PEER,
	CTX_TUNNEL,
	CTX_IKE,
	CTX_IPSEC,
	CTX_HA			/* ha { ... }, at the top level */
};

/* What the parser remembers about a tunnel until the cross-checks. */
struct cfg_tsrc {
	char	 tx_gw[CFG_NAME_MAX];
	int	 tx_gw_line;
	char	 tx_peer[CFG_NAME_MAX];
	int	 tx_peer_line;
	int	 tx_initiate_line;	/* 0: not given */
	int	 tx_child_line;		/* child-sa */
	int	 tx_ike_line;		/* 0: no ike block */
	int	 tx_ipsec_line;
	int	 tx_mode_line;
	int	 tx_encr_line;		/* ipsec encryption */
	int	 tx_integ_line;		/* ipsec integrity */
	int	 tx_ike_encr_line;	/* ike encryption */
	int	 tx_dh_line;		/* ike dh-group */
	int	 tx_pfs_line;		/* ipsec pfs */
	int	 tx_replay_line;	/* ipsec replay-window */
	int	 tx_esn_line;		/* ipsec esn */
	int	 tx_ike_integ_line;	/* ike integrity */
	int	 tx_ike_prop_line;	/* ike proposals */
	int	 tx_ips_prop_line;	/* ipsec proposals */
	/* the values of multi-valued keywords, in the order written:
	 * encryption (cp_encr, cp_encr_bits), integrity (cp_integ,
	 * cp_prf), dh-group (cp_dh) */
	struct cfg_prop tx_ike_encrs[CFG_MAX_PROPOSALS];
	int	 tx_ike_nencr;
	struct cfg_prop tx_ike_integs[CFG_MAX_PROPOSALS];
	int	 tx_ike_ninteg;
	struct cfg_prop tx_ike_dhs[CFG_MAX_PROPOSALS];
	int	 tx_ike_ndh;
	struct cfg_prop tx_ips_encrs[CFG_MAX_PROPOSALS];
	int	 tx_ips_nencr;
	struct cfg_prop tx_ips_integs[CFG_MAX_PROPOSALS];
	int	 tx_ips_ninteg;
};

struct cfg_parser {
	struct config	*p_cfg;
	const char	*p_name;
	char		*p_err;
	size_t		 p_errlen;
	int		 p_failed;
	int		 p_line;
	enum cfg_ctx	 p_ctx;
	int		 p_block_line;	/* of gateway/peer/tunnel */
	int		 p_sub_line;	/* ike/ipsec opened here */
	uint32_t	 p_seen[CTX_HA + 1]; /* keys seen, per context */
	struct cfg_tsrc	*p_src;		/* one per tunnel */
	int		 p_tcap;
	/* words of the current line that may be a secret (a psk line or
	 * a mistyped one): never shown in a message */
	const char	*p_secret[CFG_WORDS_MAX + 1];
	int		 p_nsecret;
};

struct cfg_key {
	const char	*k_name;
	const char	*k_usage;
	int		 k_repeat;
	int		(*k_fn)(struct cfg_parser *, const char *);
	/* instead of k_fn: a keyword taking one or more values */
	int		(*k_list)(struct cfg_parser *, char **, int);
};

static int	cfg_err(struct cfg_parser *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

#define CFG_HIDDEN	"<hidden>"

/*
 * Does word w start like a key's name ("psk", "psk=...", "PSK:...",
 * "secret=...")?  Returns the length of the name and its separator, 0 if
 * it does not.  Errors on such a line never show what follows the name.
 */
static size_t
cfg_secret_prefix(const char *w)
{
	static const char *const names[] = { "psk", "pre-shared-key",
	    "preshared-key", "secret", "password", "passphrase",
	    "sync-key" };
	size_t	 i, n;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		n = strlen(names[i]);
		if (strncasecmp(w, names[i], n) == 0) {
			/* one '=' or ':', then one quote */
			if (w[n] == '=' || w[n] == ':')
				n++;
			if (w[n] == '"' || w[n] == '\'')
				n++;
			return (n);
		}
	}
	return (0);
}

/*
 * Remembers the words of a line that may hold a secret: from the first
 * word that looks like a key's name on, everything after that name.
 */
static void
cfg_secret_note(struct cfg_parser *p, char **argv, int argc)
{
	size_t	 n = 0;
	int	 i;

	p->p_nsecret = 0;
	for (i = 0; i < argc && (n = cfg_secret_prefix(argv[i])) == 0; i++)
		;
	if (i == argc)
		return;
	if (argv[i][n] != '\0')
		p->p_secret[p->p_nsecret++] = argv[i] + n;
	for (i++; i < argc; i++)
		p->p_secret[p->p_nsecret++] = argv[i];
}

/*
 * An unknown word as a message may show it: a key-like word loses what
 * follows its name ("psk=<hidden>"), any other word what follows a '='
 * or ':' (a "name=value" line may carry a secret as well).
 */
static const char *
cfg_word_shown(const char *w, char *out, size_t len)
{
	size_t	 n;

	if ((n = cfg_secret_prefix(w)) == 0 && (n = strcspn(w, "=:")) <
	    strlen(w))
		n++;
	if (n == 0 || w[n] == '\0') {
		snprintf(out, len, "%.64s", w);
		return (out);
	}
	snprintf(out, len, "%.*s%s", (int)(n > 64 ? 64 : n), w, CFG_HIDDEN);
	return (out);
}

/*
 * Defence in depth: no message built while a psk line is parsed shows
 * that line's secret words, whole or cut (the first min(len, 6)
 * characters start a match, which runs as far as the word agrees).
 */
static void
cfg_err_scrub(struct cfg_parser *p, char *msg, size_t size)
{
	const char	*w, *m;
	char		*out;
	size_t		 wl, k, run, o;
	int		 i;

	if (p->p_nsecret == 0 || size == 0)
		return;
	if ((out = malloc(size)) == NULL) {
		msg[0] = '\0';		/* nothing rather than a secret */
		return;
	}
	for (i = 0; i < p->p_nsecret; i++) {
		w = p->p_secret[i];
		if ((wl = strlen(w)) < 3)
			continue;
		k = wl < 6 ? wl : 6;
		for (m = msg, o = 0; *m != '\0' && o + 1 < size; ) {
			if (strncmp(m, w, k) != 0) {
				out[o++] = *m++;
				continue;
			}
			for (run = k; run < wl && m[run] == w[run]; run++)
				;
			m += run;
			o += snprintf(out + o, size - o, "%s", CFG_HIDDEN);
			if (o >= size)
				o = size - 1;
		}
		out[o] = '\0';
		memcpy(msg, out, o + 1);
	}
	OPENSSL_cleanse(out, size);
	free(out);
}

static int
cfg_err(struct cfg_parser *p, int line, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (p->p_failed)
		return (-1);
	p->p_failed = 1;
	if (p->p_err == NULL || p->p_errlen == 0)
		return (-1);
	if (line > 0)
		n = snprintf(p->p_err, p->p_errlen, "%s:%d: ", p->p_name, line);
	else
		n = snprintf(p->p_err, p->p_errlen, "%s: ", p->p_name);
	if (n < 0 || (size_t)n >= p->p_errlen)
		return (-1);
	va_start(ap, fmt);
	vsnprintf(p->p_err + n, p->p_errlen - n, fmt, ap);
	va_end(ap);
	cfg_err_scrub(p, p->p_err + n, p->p_errlen - n);
	return (-1);
}

/* --- value parsers --- */

static int
cfg_addr_parse(const char *s, struct in_addr *a)
{
	return (inet_pton(AF_INET, s, a) == 1 ? 0 : -1);
}

static uint32_t
cfg_mask(int plen)
{
	return (plen == 0 ? 0 : 0xffffffffU << (32 - plen));
}

/* "a.b.c.d/n"; host bits are left for the caller to check. */
static int
cfg_prefix_parse(const char *s, struct in_addr *a, int *plen)
{
	char		 addr[INET_ADDRSTRLEN];
	const char	*slash;
	size_t		 len;

	if ((slash = strchr(s, '/')) == NULL)
		return (-1);
	len = slash - s;
	if (len == 0 || len >= sizeof(addr))
		return (-1);
	memcpy(addr, s, len);
	addr[len] = '\0';
	if (cfg_addr_parse(addr, a) == -1)
		return (-1);
	slash++;
	len = strlen(slash);
	if (len == 0 || len > 2 || !isdigit((unsigned char)slash[0]) ||
	    (len == 2 && !isdigit((unsigned char)slash[1])))
		return (-1);
	*plen = atoi(slash);
	return (*plen > 32 ? -1 : 0);
}

static int
cfg_uint_parse(const char *s, unsigned long min, unsigned long max,
    unsigned long *out)
{
	const char	*c;
	char		*end;

	if (*s == '\0' || strlen(s) > 10)
		return (-1);
	for (c = s; *c != '\0'; c++)
		if (!isdigit((unsigned char)*c))
			return (-1);
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || *out < min || *out > max)
		return (-1);
	return (0);
}

static int
cfg_name_valid(const char *s)
{
	size_t	 i, len = strlen(s);

	if (len == 0 || len >= CFG_NAME_MAX)
		return (0);
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    strchr("_.-", s[i]) == NULL)
			return (0);
	return (1);
}

/* Letters, digits and '-' in dot-separated labels of 1..63, <= 253. */
static int
cfg_fqdn_valid(const char *s)
{
	size_t	 i, label = 0, len = strlen(s);

	if (len == 0 || len > 253)
		return (0);
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0)
				return (0);
			label = 0;
		} else if (isalnum((unsigned char)s[i]) || s[i] == '-') {
			if (++label > 63)
				return (0);
		} else
			return (0);
	}
	return (label > 0);
}

static int
cfg_dh_parse(const char *s, int *group)
{
	static const int groups[] = { DH_MODP_768, DH_MODP_1024, DH_MODP_1536,
	    DH_MODP_2048, DH_MODP_3072, DH_MODP_4096, DH_ECP_256, DH_ECP_384,
	    DH_ECP_521, DH_MODP_2048_256, DH_CURVE25519 };
	unsigned long	 v;
	size_t		 i;

	if (cfg_uint_parse(s, 1, 255, &v) == -1)
		return (-1);
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if ((int)v == groups[i]) {
			*group = v;
			return (0);
		}
	return (-1);
}

static const struct {
	const char	*name;
	int		 encr;
	int		 bits;
} cfg_encrs[] = {
	{ "3des", ENCR_3DES, 0 },
	{ "aes128", ENCR_AES_CBC, 128 },
	{ "aes192", ENCR_AES_CBC, 192 },
	{ "aes256", ENCR_AES_CBC, 256 },
	{ "aes128gcm8", ENCR_AES_GCM_8, 128 },
	{ "aes192gcm8", ENCR_AES_GCM_8, 192 },
	{ "aes256gcm8", ENCR_AES_GCM_8, 256 },
	{ "aes128gcm12", ENCR_AES_GCM_12, 128 },
	{ "aes192gcm12", ENCR_AES_GCM_12, 192 },
	{ "aes256gcm12", ENCR_AES_GCM_12, 256 },
	{ "aes128gcm16", ENCR_AES_GCM_16, 128 },
	{ "aes192gcm16", ENCR_AES_GCM_16, 192 },
	{ "aes256gcm16", ENCR_AES_GCM_16, 256 },
	{ "chacha20poly1305", ENCR_CHACHA20_POLY1305, 0 },
};

/*
 * The encryption keywords, in strongSwan's spelling: aes128 (CBC) and
 * aes128gcm16 (GCM, key bits then ICV octets), chacha20poly1305.
 */
static int
cfg_encr_parse(const char *s, int *encr, int *bits)
{
	size_t	 i;

	for (i = 0; i < sizeof(cfg_encrs) / sizeof(cfg_encrs[0]); i++)
		if (strcmp(s, cfg_encrs[i].name) == 0) {
			*encr = cfg_encrs[i].encr;
			*bits = cfg_encrs[i].bits;
			return (0);
		}
	return (-1);
}

/*
 * HMAC integrity keywords: gatewayd's sha2-256 and strongSwan's sha256
 * name the same transform.  The PRF of the same hash comes with it.
 */
static int
cfg_integ_parse(const char *s, int *integ, int *prf)
{
	static const struct {
		const char	*name;
		int		 integ;
		int		 prf;
	} integs[] = {
		{ "md5", AUTH_HMAC_MD5_96, PRF_HMAC_MD5 },
		{ "sha1", AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1 },
		{ "sha2-256", AUTH_HMAC_SHA2_256_128, PRF_HMAC_SHA2_256 },
		{ "sha256", AUTH_HMAC_SHA2_256_128, PRF_HMAC_SHA2_256 },
		{ "sha2-384", AUTH_HMAC_SHA2_384_192, PRF_HMAC_SHA2_384 },
		{ "sha384", AUTH_HMAC_SHA2_384_192, PRF_HMAC_SHA2_384 },
		{ "sha2-512", AUTH_HMAC_SHA2_512_256, PRF_HMAC_SHA2_512 },
		{ "sha512", AUTH_HMAC_SHA2_512_256, PRF_HMAC_SHA2_512 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(integs) / sizeof(integs[0]); i++)
		if (strcmp(s, integs[i].name) == 0) {
			*integ = integs[i].integ;
			*prf = integs[i].prf;
			return (0);
		}
	return (-1);
}

#define CFG_ENCR_LIST	"3des, aes128, aes192, aes256, aes128gcm16, " \
			"aes192gcm16, aes256gcm16 (or gcm12, gcm8) or " \
			"chacha20poly1305"
#define CFG_INTEG_LIST	"md5, sha1, sha2-256, sha2-384 or sha2-512 " \
			"(or sha256, sha384, sha512)"

/* The keyword of an IPsec policy's encryption, for messages. */
static const char *
cfg_encr_str(int encr, int bits)
{
	size_t	 i;

	for (i = 0; i < sizeof(cfg_encrs) / sizeof(cfg_encrs[0]); i++)
		if (cfg_encrs[i].encr == encr && cfg_encrs[i].bits == bits)
			return (cfg_encrs[i].name);
	return ("?");
}

void
cfg_prefix_str(const struct cfg_prefix *p, char *out, size_t len)
{
	char	 a[INET_ADDRSTRLEN];

	if (inet_ntop(AF_INET, &p->pf_addr, a, sizeof(a)) == NULL)
		snprintf(a, sizeof(a), "?");
	snprintf(out, len, "%s/%u", a, p->pf_plen);
}

/* --- the current block --- */

static struct cfg_gateway *
cfg_cur_gw(struct cfg_parser *p)
{
	return (&p->p_cfg->cfg_gateways[p->p_cfg->cfg_ngateways - 1]);
}

static struct cfg_peer *
cfg_cur_peer(struct cfg_parser *p)
{
	return (&p->p_cfg->cfg_peers[p->p_cfg->cfg_npeers - 1]);
}

static struct cfg_tunnel *
cfg_cur_tn(struct cfg_parser *p)
{
	return (&p->p_cfg->cfg_tunnels[p->p_cfg->cfg_ntunnels - 1]);
}

static struct cfg_tsrc *
cfg_cur_src(struct cfg_parser *p)
{
	return (&p->p_src[p->p_cfg->cfg_ntunnels - 1]);
}

/* Adds a segment line to one of the prefix arrays; what names the key. */
static int
cfg_segment_add(struct cfg_parser *p, const char *what, const char *s,
    struct cfg_prefix *arr, int *n)
{
	struct cfg_prefix	 pf;
	struct in_addr		 a;
	char			 fixed[32];
	int			 plen;

	if (cfg_prefix_parse(s, &a, &plen) == -1)
		return (cfg_err(p, p->p_line, "invalid %s \"%s\" (use a prefix "
		    "such as 172.16.0.0/24)", what, s));
	pf.pf_plen = plen;
	pf.pf_addr.s_addr = htonl(ntohl(a.s_addr) & cfg_mask(plen));
	if (pf.pf_addr.s_addr != a.s_addr) {
		cfg_prefix_str(&pf, fixed, sizeof(fixed));
		return (cfg_err(p, p->p_line, "%s %s has host bits set "
		    "(use %s)", what, s, fixed));
	}
	if (*n >= CFG_MAX_SEGMENTS)
		return (cfg_err(p, p->p_line, "too many %s lines (at most %d)",
		    what, CFG_MAX_SEGMENTS));
	arr[(*n)++] = pf;
	return (0);
}

/* --- global keys --- */

static int
cfg_key_socket(struct cfg_parser *p, const char *v)
{
	struct config	*cfg = p->p_cfg;

	if (v[0] != '/')
		return (cfg_err(p, p->p_line, "control-socket must be an "
		    "absolute path (start it with \"/\")"));
	if (strlen(v) >= sizeof(cfg->cfg_ctl_socket))
		return (cfg_err(p, p->p_line, "control-socket path is too long "
		    "(at most %zu characters)",
		    sizeof(cfg->cfg_ctl_socket) - 1));
	snprintf(cfg->cfg_ctl_socket, sizeof(cfg->cfg_ctl_socket), "%s", v);
	return (0);
}

static int
cfg_key_loglevel(struct cfg_parser *p, const char *v)
{
	static const char *const names[] = { "error", "warning", "info",
	    "debug" };
	int	 i;

	for (i = 0; i < 4; i++)
		if (strcmp(v, names[i]) == 0) {
			p->p_cfg->cfg_log_level = LOG_LVL_ERR + i;
			return (0);
		}
	return (cfg_err(p, p->p_line, "unknown log-level \"%s\" (use error, "
	    "warning, info or debug)", v));
}

static int
cfg_key_keylog(struct cfg_parser *p, const char *v)
{
	struct config	*cfg = p->p_cfg;

	if (v[0] != '/')
		return (cfg_err(p, p->p_line, "keylog-dir must be an absolute "
		    "path (start it with \"/\")"));
	if (strlen(v) >= sizeof(cfg->cfg_keylog_dir))
		return (cfg_err(p, p->p_line, "keylog-dir path is too long (at "
		    "most %zu characters)", sizeof(cfg->cfg_keylog_dir) - 1));
	snprintf(cfg->cfg_keylog_dir, sizeof(cfg->cfg_keylog_dir), "%s", v);
	return (0);
}

/*
 * keylog-chacha20 yes: ChaCha20-Poly1305 ESP SAs get esp_sa lines too,
 * named as Wireshark releases that decrypt them name the algorithm
 * ("ChaCha20 with Poly1305 [RFC7634]").  Off by default: Wireshark 4.0
 * (Debian 12's) does not know the name and then loads no line of the
 * file at all.
 */
static int
cfg_key_keylog_chacha(struct cfg_parser *p, const char *v)
{
	if (strcmp(v, "yes") == 0)
		p->p_cfg->cfg_keylog_chacha = 1;
	else if (strcmp(v, "no") == 0)
		p->p_cfg->cfg_keylog_chacha = 0;
	else
		return (cfg_err(p, p->p_line, "keylog-chacha20 \"%.32s\": "
		    "use yes or no", v));
	return (0);
}

/*
 * user NAME: whom gatewayd runs as after start-up.  A name as useradd
 * takes it; whether it exists is checked when gatewayd starts (and by
 * gatewayd -n), not here.
 */
static int
cfg_key_user(struct cfg_parser *p, const char *v)
{
	size_t	 i, len = strlen(v);

	if (len > CFG_USER_MAX)
		return (cfg_err(p, p->p_line, "user name is too long (at most "
		    "%d characters)", CFG_USER_MAX));
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '_' &&
		    v[i] != '-' && v[i] != '.')
			break;
	if (i < len || v[0] == '-' || isdigit((unsigned char)v[0]))
		return (cfg_err(p, p->p_line, "invalid user name \"%.32s\" "
		    "(use a user name such as gatewayd: letters, digits, "
		    "'_', '-' and '.', not starting with a digit or '-')",
		    v));
	memcpy(p->p_cfg->cfg_user, v, len + 1);
	return (0);
}

/* The flood caps: "KEY N", N from min to 65536, into *dst. */
static int
cfg_key_cap(struct cfg_parser *p, const char *key, const char *v,
    unsigned long min, int *dst)
{
	unsigned long	 n;

	if (cfg_uint_parse(v, min, 65536, &n) == -1)
		return (cfg_err(p, p->p_line, "%s: \"%.16s\" is not a number "
		    "from %lu to 65536", key, v, min));
	*dst = (int)n;
	return (0);
}

static int
cfg_key_v1_half(struct cfg_parser *p, const char *v)
{
	return (cfg_key_cap(p, "ikev1-half-open", v, 1,
	    &p->p_cfg->cfg_v1_half_open_max));
}

static int
cfg_key_v1_half_src(struct cfg_parser *p, const char *v)
{
	return (cfg_key_cap(p, "ikev1-half-open-per-source", v, 1,
	    &p->p_cfg->cfg_v1_half_open_per_source));
}

static int
cfg_key_v2_half_src(struct cfg_parser *p, const char *v)
{
	return (cfg_key_cap(p, "ikev2-half-open-per-source", v, 1,
	    &p->p_cfg->cfg_v2_half_open_per_source));
}

static int
cfg_key_rcvbuf(struct cfg_parser *p, const char *v)
{
	return (cfg_key_cap(p, "receive-buffer", v, CFG_RCVBUF_KB_MIN,
	    &p->p_cfg->cfg_rcvbuf_kb));
}

/* 0: cookies always */
static int
cfg_key_v2_cookie(struct cfg_parser *p, const char *v)
{
	return (cfg_key_cap(p, "ikev2-cookie-threshold", v, 0,
	    &p->p_cfg->cfg_v2_cookie_threshold));
}

static int
cfg_key_v2_half(struct cfg_parser *p, const char *v)
{
	return (cfg_key_cap(p, "ikev2-half-open", v, 1,
	    &p->p_cfg->cfg_v2_half_open_max));
}

/* initiate-half-open-per-peer N: 1 to 64 */
static int
cfg_key_init_half(struct cfg_parser *p, const char *v)
{
	unsigned long	 n;

	if (cfg_uint_parse(v, 1, CFG_INITIATE_HALF_OPEN_MAX, &n) == -1)
		return (cfg_err(p, p->p_line, "initiate-half-open-per-peer: "
		    "\"%.16s\" is not a number from 1 to %d", v,
		    CFG_INITIATE_HALF_OPEN_MAX));
	p->p_cfg->cfg_initiate_half_open = (int)n;
	return (0);
}

/*
 * metrics-listen A.B.C.D:PORT or [IPV6]:PORT: where the Prometheus
 * endpoint listens.  Numeric addresses only (no name lookups at start).
 */
static int
cfg_key_metrics(struct cfg_parser *p, const char *v)
{
	struct config	*cfg = p->p_cfg;
	struct in6_addr	 a6;
	struct in_addr	 a4;
	const char	*colon, *port;
	char		 host[sizeof(cfg->cfg_metrics_addr)], *end;
	size_t		 hlen;
	unsigned long	 n;
	int		 v6 = v[0] == '[';

	if (v6) {
		if ((colon = strchr(v, ']')) == NULL || colon[1] != ':')
			goto bad;
		hlen = (size_t)(colon - v - 1);
		port = colon + 2;
	} else {
		if ((colon = strrchr(v, ':')) == NULL)
			goto bad;
		hlen = (size_t)(colon - v);
		port = colon + 1;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		goto bad;
	memcpy(host, v + v6, hlen);
	host[hlen] = '\0';
	if (v6 ? inet_pton(AF_INET6, host, &a6) != 1 :
	    inet_pton(AF_INET, host, &a4) != 1)
		return (cfg_err(p, p->p_line, "metrics-listen: \"%.64s\" is "
		    "not a numeric %s address (use e.g. 127.0.0.1:9587 or "
		    "[::1]:9587)", host, v6 ? "IPv6" : "IPv4"));
	errno = 0;
	n = strtoul(port, &end, 10);
	if (port[0] < '0' || port[0] > '9' || *end != '\0' || errno != 0 ||
	    n == 0 || n > 65535)
		return (cfg_err(p, p->p_line, "metrics-listen: port \"%.16s\" "
		    "must be a number from 1 to 65535 (e.g. 9587)", port));
	snprintf(cfg->cfg_metrics_addr, sizeof(cfg->cfg_metrics_addr), "%s",
	    host);
	cfg->cfg_metrics_port = (uint16_t)n;
	return (0);
 bad:
	return (cfg_err(p, p->p_line, "metrics-listen \"%.64s\": expected "
	    "ADDRESS:PORT, e.g. 127.0.0.1:9587, or [IPV6]:PORT, e.g. "
	    "[::1]:9587", v));
}

/*
 * test-short-lifetimes yes: lifetimes from 10 s, for soak tests that
 * must see many rekeys in minutes.  Never for production: it must come
 * before the first tunnel, so that a lifetime is judged by one rule.
 */
static int
cfg_key_short_life(struct cfg_parser *p, const char *v)
{
	if (p->p_cfg->cfg_ntunnels > 0)
		return (cfg_err(p, p->p_line, "test-short-lifetimes must come "
		    "before the first tunnel block"));
	if (strcmp(v, "yes") == 0)
		p->p_cfg->cfg_test_short_life = 1;
	else if (strcmp(v, "no") == 0)
		p->p_cfg->cfg_test_short_life = 0;
	else
		return (cfg_err(p, p->p_line, "test-short-lifetimes \"%.32s\": "
		    "use yes or no", v));
	return (0);
}

/* --- gateway and peer keys --- */

static int
cfg_key_gw_address(struct cfg_parser *p, const char *v)
{
	struct cfg_gateway	*gw = cfg_cur_gw(p);

	if (cfg_addr_parse(v, &gw->gw_addr) == -1)
		return (cfg_err(p, p->p_line, "invalid gateway address \"%s\" "
		    "(use an IPv4 address such as 198.51.100.1)", v));
	if (gw->gw_addr.s_addr == INADDR_ANY)
		return (cfg_err(p, p->p_line, "gateway address 0.0.0.0 is not "
		    "allowed (use the gateway's public IPv4 address)"));
	return (0);
}

static int
cfg_key_gw_segment(struct cfg_parser *p, const char *v)
{
	struct cfg_gateway	*gw = cfg_cur_gw(p);

	return (cfg_segment_add(p, "segment", v, gw->gw_segments,
	    &gw->gw_nsegments));
}

static int
cfg_key_peer_address(struct cfg_parser *p, const char *v)
{
	if (cfg_addr_parse(v, &cfg_cur_peer(p)->pr_addr) == -1)
		return (cfg_err(p, p->p_line, "invalid peer address \"%s\" "
		    "(use an IPv4 address, or 0.0.0.0 for any peer)", v));
	return (0);
}

/* --- tunnel keys --- */

static int
cfg_key_tn_ref(struct cfg_parser *p, const char *what, const char *v,
    char *dst, int *line)
{
	if (!cfg_name_valid(v))
		return (cfg_err(p, p->p_line, "invalid %s name \"%.64s\" (use "
		    "1 to 63 letters, digits, '_', '.' or '-')", what, v));
	snprintf(dst, CFG_NAME_MAX, "%s", v);
	*line = p->p_line;
	return (0);
}

static int
cfg_key_tn_gateway(struct cfg_parser *p, const char *v)
{
	struct cfg_tsrc	*src = cfg_cur_src(p);

	return (cfg_key_tn_ref(p, "gateway", v, src->tx_gw, &src->tx_gw_line));
}

static int
cfg_key_tn_peer(struct cfg_parser *p, const char *v)
{
	struct cfg_tsrc	*src = cfg_cur_src(p);

	return (cfg_key_tn_ref(p, "peer", v, src->tx_peer,
	    &src->tx_peer_line));
}

/* A tunnel's segments never overlap, on one side or across the sides. */
static int
cfg_tn_overlap_check(struct cfg_parser *p, const char *what,
    const struct cfg_prefix *pf, const struct cfg_prefix *arr, int n,
    const char *arr_what)
{
	char	 a[32], b[32];
	int	 i;

	for (i = 0; i < n; i++) {
		if (!ts_prefix_overlap(pf, &arr[i]))
			continue;
		cfg_prefix_str(pf, a, sizeof(a));
		cfg_prefix_str(&arr[i], b, sizeof(b));
		return (cfg_err(p, p->p_line, "%s %s overlaps %s %s", what, a,
		    arr_what, b));
	}
	return (0);
}

static int
cfg_key_tn_local(struct cfg_parser *p, const char *v)
{
	struct cfg_tunnel	*t = cfg_cur_tn(p);

	if (cfg_segment_add(p, "local-segment", v, t->tn_local,
	    &t->tn_nlocal) == -1)
		return (-1);
	if (cfg_tn_overlap_check(p, "local segment", &t->tn_local[t->tn_nlocal
	    - 1], t->tn_local, t->tn_nlocal - 1, "local segment") == -1 ||
	    cfg_tn_overlap_check(p, "local segment", &t->tn_local[t->tn_nlocal
	    - 1], t->tn_remote, t->tn_nremote, "peer segment") == -1)
		return (-1);
	return (0);
}

static int
cfg_key_tn_remote(struct cfg_parser *p, const char *v)
{
	struct cfg_tunnel	*t = cfg_cur_tn(p);

	if (cfg_segment_add(p, "peer-segment", v, t->tn_remote,
	    &t->tn_nremote) == -1)
		return (-1);
	if (cfg_tn_overlap_check(p, "peer segment", &t->tn_remote[
	    t->tn_nremote - 1], t->tn_remote, t->tn_nremote - 1,
	    "peer segment") == -1 ||
	    cfg_tn_overlap_check(p, "peer segment", &t->tn_remote[
	    t->tn_nremote - 1], t->tn_local, t->tn_nlocal,
	    "local segment") == -1)
		return (-1);
	return (0);
}

/*
 * "0x" + hex digits: the key's bytes (as strongSwan's ipsec.secrets).
 * Returns the number of bytes, or -1 with the reason in *why.
 */
static int
cfg_psk_hex(const char *v, uint8_t *out, size_t outlen, const char **why)
{
	size_t	 n = strlen(v), i;
	int	 hi, lo;

	if (n == 0) {
		*why = "psk 0x has no hex digits (write the key's bytes as "
		    "hex digits after 0x, e.g. 0x3f1a...)";
		return (-1);
	}
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)v[i])) {
			*why = "psk 0x... has a character that is not a hex "
			    "digit (use only 0-9, a-f or A-F after 0x)";
			return (-1);
		}
	if (n % 2 != 0) {
		*why = "psk 0x... has an odd number of hex digits (each byte "
		    "takes two digits)";
		return (-1);
	}
	if (n / 2 > outlen) {
		*why = "psk 0x... is longer than " CFG_PSK_MAX_STR " bytes "
		    "(shorten it)";
		return (-1);
	}
	for (i = 0; i < n / 2; i++) {
		hi = isdigit((unsigned char)v[2 * i]) ? v[2 * i] - '0' :
		    (tolower((unsigned char)v[2 * i]) - 'a' + 10);
		lo = isdigit((unsigned char)v[2 * i + 1]) ?
		    v[2 * i + 1] - '0' :
		    (tolower((unsigned char)v[2 * i + 1]) - 'a' + 10);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return ((int)(n / 2));
}

static int
cfg_b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == '/')
		return (63);
	return (-1);
}

/*
 * "0s" + base64 (RFC 4648 §4, padded to a multiple of 4 characters):
 * the key's bytes.  Returns the number of bytes, or -1 with *why.
 */
static int
cfg_psk_b64(const char *v, uint8_t *out, size_t outlen, const char **why)
{
	static const char bad[] = "psk 0s... is not valid base64 (use A-Z, "
	    "a-z, 0-9, '+' and '/', padded with '=' to a multiple of 4 "
	    "characters)";
	size_t		 n = strlen(v), i, j, pad = 0, o = 0;
	uint32_t	 acc = 0;
	int		 d;

	if (n == 0) {
		*why = "psk 0s has no base64 characters (write the key's "
		    "bytes in base64 after 0s)";
		return (-1);
	}
	if (n % 4 != 0) {
		*why = bad;
		return (-1);
	}
	if (v[n - 1] == '=')
		pad = v[n - 2] == '=' ? 2 : 1;
	if ((n / 4) * 3 - pad > outlen) {
		*why = "psk 0s... is longer than " CFG_PSK_MAX_STR " bytes "
		    "(shorten it)";
		return (-1);
	}
	for (i = 0; i < n; i += 4) {
		acc = 0;
		for (j = 0; j < 4; j++) {
			if (i + j >= n - pad) {
				/* padding only at the very end */
				if (v[i + j] != '=')
					goto fail;
				acc <<= 6;
				continue;
			}
			if ((d = cfg_b64_val(v[i + j])) < 0)
				goto fail;
			acc = acc << 6 | (uint32_t)d;
		}
		/* the bits the padding drops must be zero (canonical) */
		if ((pad == 1 && i + 4 == n && (acc & 0xff) != 0) ||
		    (pad == 2 && i + 4 == n && (acc & 0xffff) != 0))
			goto fail;
		out[o++] = (uint8_t)(acc >> 16);
		if (i + 4 < n || pad < 2)
			out[o++] = (uint8_t)(acc >> 8);
		if (i + 4 < n || pad < 1)
			out[o++] = (uint8_t)acc;
	}
	OPENSSL_cleanse(&acc, sizeof(acc));
	return ((int)o);
 fail:
	OPENSSL_cleanse(&acc, sizeof(acc));
	OPENSSL_cleanse(out, outlen);
	*why = bad;
	return (-1);
}

/*
 * The PSK itself never appears in a message.  "0x..." and "0s..." give
 * the key's bytes in hex or base64 (any byte, NUL included); any other
 * word is the key itself, printable ASCII without '?'.
 */
/*
 * A secret written as a psk is: "0x" hex or "0s" base64 (any byte, NUL
 * included), or the word itself in printable ASCII (without '?' with
 * no_qmark: the psk's rule).  Its bytes go to out (CFG_PSK_MAX at most),
 * their number to *outlen, and *coded tells the first two forms from the
 * last; -1 after an error that names what (never the secret).
 */
static int
cfg_secret_parse(struct cfg_parser *p, const char *what, const char *v,
    int no_qmark, uint8_t *out, size_t *outlen, int *coded)
{
	const char	*why = NULL;
	size_t		 i, len = strlen(v);
	int		 n;

	*coded = len >= 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 's');
	if (*coded) {
		n = v[1] == 'x' ? cfg_psk_hex(v + 2, out, CFG_PSK_MAX, &why) :
		    cfg_psk_b64(v + 2, out, CFG_PSK_MAX, &why);
		if (n < 0) {
			OPENSSL_cleanse(out, CFG_PSK_MAX);
			/* the reasons name the psk */
			if (strcmp(what, "psk") == 0)
				return (cfg_err(p, p->p_line, "%s", why));
			return (cfg_err(p, p->p_line, "%s: %s", what, why));
		}
		*outlen = (size_t)n;
		return (0);
	}
	if (len > CFG_PSK_MAX)
		return (cfg_err(p, p->p_line, "%s is longer than %d "
		    "characters (shorten it)", what, CFG_PSK_MAX));
	for (i = 0; i < len; i++) {
		if (no_qmark && v[i] == '?')
			return (cfg_err(p, p->p_line, "%s must not contain "
			    "'?' (choose another character)", what));
		if (v[i] <= ' ' || v[i] > '~')
			return (cfg_err(p, p->p_line, "%s contains a "
			    "character that is not allowed (use printable "
			    "ASCII%s, or give the key's bytes as 0x hex or 0s "
			    "base64)", what, no_qmark ? " letters, digits and "
			    "specials, except '?'" : ""));
	}
	memcpy(out, v, len);
	*outlen = len;
	return (0);
}

static int
cfg_key_tn_psk(struct cfg_parser *p, const char *v)
{
	struct cfg_tunnel	*t = cfg_cur_tn(p);
	size_t			 n;
	int			 coded;

	if (cfg_secret_parse(p, "psk", v, 1, (uint8_t *)t->tn_psk, &n,
	    &coded) == -1)
		return (-1);
	t->tn_psk[n] = '\0';
	t->tn_psk_len = n;
	return (0);
}

static int
cfg_key_tn_initiate(struct cfg_parser *p, const char *v)
{
	if (strcmp(v, "yes") == 0)
		cfg_cur_tn(p)->tn_initiate = 1;
	else if (strcmp(v, "no") == 0)
		cfg_cur_tn(p)->tn_initiate = 0;
	else
		return (cfg_err(p, p->p_line, "invalid initiate value \"%s\" "
		    "(use yes or no)", v));
	cfg_cur_src(p)->tx_initiate_line = p->p_line;
	return (0);
}

static const char *const cfg_dpd_actions[] = { "hold", "restart", "clear" };

const char *
cfg_dpd_action_name(enum cfg_dpd_action a)
{
	return ((unsigned)a < 3 ? cfg_dpd_actions[a] : "?");
}

static int
cfg_key_tn_dpd_delay(struct cfg_parser *p, const char *v)
{
	unsigned long	 l;

	if (cfg_uint_parse(v, 0, 3600, &l) == -1)
		return (cfg_err(p, p->p_line, "invalid dpd-delay \"%.32s\" "
		    "(use 0 to 3600 seconds; 0 turns DPD off)", v));
	cfg_cur_tn(p)->tn_dpd_delay = l;
	return (0);
}

static int
cfg_key_tn_dpd_timeout(struct cfg_parser *p, const char *v)
{
	unsigned long	 l;

	if (cfg_uint_parse(v, 1, 3600, &l) == -1)
		return (cfg_err(p, p->p_line, "invalid dpd-timeout \"%.32s\" "
		    "(use 1 to 3600 seconds)", v));
	cfg_cur_tn(p)->tn_dpd_timeout = l;
	return (0);
}

static int
cfg_key_tn_dpd_action(struct cfg_parser *p, const char *v)
{
	int	 i;

	for (i = 0; i < 3; i++)
		if (strcmp(v, cfg_dpd_actions[i]) == 0) {
			cfg_cur_tn(p)->tn_dpd_action = i;
			return (0);
		}
	return (cfg_err(p, p->p_line, "unknown dpd-action \"%.32s\" (use "
	    "hold, restart or clear)", v));
}

static int
cfg_key_tn_keyingtries(struct cfg_parser *p, const char *v)
{
	unsigned long	 l;

	if (cfg_uint_parse(v, 1, 100, &l) == -1)
		return (cfg_err(p, p->p_line, "invalid keyingtries \"%.32s\" "
		    "(use 1 to 100)", v));
	cfg_cur_tn(p)->tn_keyingtries = (int)l;
	return (0);
}

static int
cfg_key_tn_child_sa(struct cfg_parser *p, const char *v)
{
	if (strcmp(v, "per-pair") != 0 && strcmp(v, "single") != 0)
		return (cfg_err(p, p->p_line, "unknown child-sa \"%.32s\" "
		    "(use per-pair or single)", v));
	cfg_cur_tn(p)->tn_child_single = strcmp(v, "single") == 0;
	cfg_cur_src(p)->tx_child_line = p->p_line;
	return (0);
}

/* --- ike keys --- */

static int
cfg_key_ike_version(struct cfg_parser *p, const char *v)
{
	if (strcmp(v, "1") != 0 && strcmp(v, "2") != 0)
		return (cfg_err(p, p->p_line, "unknown ike version \"%s\" "
		    "(use 1 or 2)", v));
	cfg_cur_tn(p)->tn_ike.ike_version = v[0] - '0';
	return (0);
}

static int
cfg_key_ike_mode(struct cfg_parser *p, const char *v)
{
	if (strcmp(v, "main") == 0)
		cfg_cur_tn(p)->tn_ike.ike_mode = CFG_IKE_MAIN;
	else if (strcmp(v, "aggressive") == 0)
		cfg_cur_tn(p)->tn_ike.ike_mode = CFG_IKE_AGGRESSIVE;
	else
		return (cfg_err(p, p->p_line, "unknown ike mode \"%s\" (use "
		    "main or aggressive)", v));
	cfg_cur_src(p)->tx_mode_line = p->p_line;
	return (0);
}

/*
 * The values of a multi-valued keyword ("encryption aes256 aes128"),
 * each parsed by fn into vals[i]: at most CFG_MAX_PROPOSALS, none twice.
 */
static int
cfg_values_parse(struct cfg_parser *p, const char *what, const char *use,
    char **v, int n, int (*fn)(const char *, struct cfg_prop *),
    struct cfg_prop *vals, int *nvals)
{
	int	 i, j;

	if (n > CFG_MAX_PROPOSALS)
		return (cfg_err(p, p->p_line, "too many values for %s (at "
		    "most %d)", what, CFG_MAX_PROPOSALS));
	for (i = 0; i < n; i++) {
		memset(&vals[i], 0, sizeof(vals[i]));
		if (fn(v[i], &vals[i]) == -1)
			return (cfg_err(p, p->p_line, "unknown %s \"%.32s\" "
			    "(use %s)", what, v[i], use));
		for (j = 0; j < i; j++)
			if (memcmp(&vals[j], &vals[i], sizeof(vals[i])) == 0)
				return (cfg_err(p, p->p_line, "%s \"%.32s\" "
				    "is listed twice (keep one)", what, v[i]));
	}
	*nvals = n;
	return (0);
}

static int
cfg_val_encr(const char *s, struct cfg_prop *cp)
{
	return (cfg_encr_parse(s, &cp->cp_encr, &cp->cp_encr_bits));
}

static int
cfg_val_integ(const char *s, struct cfg_prop *cp)
{
	return (cfg_integ_parse(s, &cp->cp_integ, &cp->cp_prf));
}

static int
cfg_val_dh(const char *s, struct cfg_prop *cp)
{
	return (cfg_dh_parse(s, &cp->cp_dh));
}

static int
cfg_key_ike_integ(struct cfg_parser *p, char **v, int n)
{
	struct cfg_ike	*ike = &cfg_cur_tn(p)->tn_ike;
	struct cfg_tsrc	*src = cfg_cur_src(p);

	if (cfg_values_parse(p, "ike integrity", CFG_INTEG_LIST, v, n,
	    cfg_val_integ, src->tx_ike_integs, &src->tx_ike_ninteg) == -1)
		return (-1);
	ike->ike_integ = src->tx_ike_integs[0].cp_integ;
	ike->ike_prf = src->tx_ike_integs[0].cp_prf;
	src->tx_ike_integ_line = p->p_line;
	return (0);
}

static int
cfg_key_ike_encr(struct cfg_parser *p, char **v, int n)
{
	struct cfg_ike	*ike = &cfg_cur_tn(p)->tn_ike;
	struct cfg_tsrc	*src = cfg_cur_src(p);

	if (cfg_values_parse(p, "ike encryption", CFG_ENCR_LIST, v, n,
	    cfg_val_encr, src->tx_ike_encrs, &src->tx_ike_nencr) == -1)
		return (-1);
	ike->ike_encr = src->tx_ike_encrs[0].cp_encr;
	ike->ike_encr_bits = src->tx_ike_encrs[0].cp_encr_bits;
	src->tx_ike_encr_line = p->p_line;
	return (0);
}

static int
cfg_key_ike_dh(struct cfg_parser *p, char **v, int n)
{
	struct cfg_tsrc	*src = cfg_cur_src(p);

	if (cfg_values_parse(p, "ike dh-group", "1, 2, 5, 14, 15, 16, 19, "
	    "20, 21, 24 or 31", v, n, cfg_val_dh, src->tx_ike_dhs,
	    &src->tx_ike_ndh) == -1)
		return (-1);
	cfg_cur_tn(p)->tn_ike.ike_dh = src->tx_ike_dhs[0].cp_dh;
	src->tx_dh_line = p->p_line;
	return (0);
}

static int
cfg_id_parse(struct cfg_parser *p, const char *what, const char *v,
    struct cfg_id *id)
{
	memset(id, 0, sizeof(*id));
	if (strspn(v, "0123456789.") == strlen(v)) {
		if (cfg_addr_parse(v, &id->id_addr) == -1)
			return (cfg_err(p, p->p_line, "invalid ike %s "
			    "\"%.64s\" (not a valid IPv4 address)", what, v));
		id->id_type = CFG_ID_IPV4;
	} else if (cfg_fqdn_valid(v))
		id->id_type = CFG_ID_FQDN;
	else
		return (cfg_err(p, p->p_line, "invalid ike %s \"%.64s\" (use "
		    "an IPv4 address or an FQDN: letters, digits and '-' in "
		    "dot-separated labels of 1 to 63 characters, 253 at most)",
		    what, v));
	snprintf(id->id_value, sizeof(id->id_value), "%s", v);
	return (0);
}

static int
cfg_key_ike_lid(struct cfg_parser *p, const char *v)
{
	return (cfg_id_parse(p, "local-id", v,
	    &cfg_cur_tn(p)->tn_ike.ike_local_id));
}

static int
cfg_key_ike_pid(struct cfg_parser *p, const char *v)
{
	return (cfg_id_parse(p, "peer-id", v,
	    &cfg_cur_tn(p)->tn_ike.ike_peer_id));
}

static int
cfg_lifetime_parse(struct cfg_parser *p, const char *what, const char *v,
    uint32_t *out)
{
	unsigned long	 l;
	int		 min = p->p_cfg->cfg_test_short_life ?
			    CFG_LIFE_TEST_MIN : CFG_LIFE_MIN;

	if (cfg_uint_parse(v, min, CFG_LIFE_MAX, &l) == -1)
		return (cfg_err(p, p->p_line, "invalid %s lifetime \"%.32s\" "
		    "(use %d to %d seconds)", what, v, min, CFG_LIFE_MAX));
	*out = l;
	return (0);
}

static int
cfg_key_ike_life(struct cfg_parser *p, const char *v)
{
	return (cfg_lifetime_parse(p, "ike", v,
	    &cfg_cur_tn(p)->tn_ike.ike_lifetime));
}

/* --- ipsec keys --- */

static int
cfg_key_ips_proto(struct cfg_parser *p, const char *v)
{
	if (strcmp(v, "esp") == 0)
		cfg_cur_tn(p)->tn_ipsec.ips_proto = IPPROTO_ESP;
	else if (strcmp(v, "ah") == 0)
		cfg_cur_tn(p)->tn_ipsec.ips_proto = IPPROTO_AH;
	else
		return (cfg_err(p, p->p_line, "unknown ipsec protocol \"%s\" "
		    "(use esp or ah)", v));
	return (0);
}

static int
cfg_key_ips_integ(struct cfg_parser *p, char **v, int n)
{
	struct cfg_ipsec	*ips = &cfg_cur_tn(p)->tn_ipsec;
	struct cfg_tsrc		*src = cfg_cur_src(p);

	if (cfg_values_parse(p, "ipsec integrity", CFG_INTEG_LIST, v, n,
	    cfg_val_integ, src->tx_ips_integs, &src->tx_ips_ninteg) == -1)
		return (-1);
	ips->ips_integ = src->tx_ips_integs[0].cp_integ;
	src->tx_integ_line = p->p_line;
	return (0);
}

static int
cfg_key_ips_encr(struct cfg_parser *p, char **v, int n)
{
	struct cfg_ipsec	*ips = &cfg_cur_tn(p)->tn_ipsec;
	struct cfg_tsrc		*src = cfg_cur_src(p);

	if (cfg_values_parse(p, "ipsec encryption", CFG_ENCR_LIST, v, n,
	    cfg_val_encr, src->tx_ips_encrs, &src->tx_ips_nencr) == -1)
		return (-1);
	ips->ips_encr = src->tx_ips_encrs[0].cp_encr;
	ips->ips_encr_bits = src->tx_ips_encrs[0].cp_encr_bits;
	src->tx_encr_line = p->p_line;
	return (0);
}

static int
cfg_key_ips_pfs(struct cfg_parser *p, const char *v)
{
	if (strcmp(v, "disable") == 0)
		cfg_cur_tn(p)->tn_ipsec.ips_pfs = 0;
	else if (cfg_dh_parse(v, &cfg_cur_tn(p)->tn_ipsec.ips_pfs) == -1)
		return (cfg_err(p, p->p_line, "unknown ipsec pfs \"%s\" (use "
		    "1, 2, 5, 14, 15, 16, 19, 20, 21, 24, 31 or disable)", v));
	cfg_cur_src(p)->tx_pfs_line = p->p_line;
	return (0);
}

static int
cfg_key_ips_life(struct cfg_parser *p, const char *v)
{
	return (cfg_lifetime_parse(p, "ipsec", v,
	    &cfg_cur_tn(p)->tn_ipsec.ips_lifetime));
}

/*
 * lifetime-bytes N / lifetime-packets N: a decimal count, the hard
 * volume limit of each kernel SA of the tunnel.
 */
static int
cfg_volume_parse(struct cfg_parser *p, const char *what, const char *unit,
    const char *v, unsigned long long min, uint64_t *out)
{
	unsigned long long	 n;
	const char		*c;
	char			*end;

	for (c = v; *c != '\0'; c++)
		if (!isdigit((unsigned char)*c))
			break;
	if (*v == '\0' || *c != '\0' || strlen(v) > 19)
		goto bad;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > CFG_VOLUME_MAX)
		goto bad;
	*out = n;
	return (0);
 bad:
	return (cfg_err(p, p->p_line, "invalid ipsec %s \"%.32s\" (use a "
	    "number of %s from %llu to %llu; without the line there is no "
	    "limit%s)", what, v, unit, min, CFG_VOLUME_MAX,
	    p->p_cfg->cfg_test_short_life ? "" : "; smaller limits only with "
	    "test-short-lifetimes yes"));
}

static int
cfg_key_ips_bytes(struct cfg_parser *p, const char *v)
{
	return (cfg_volume_parse(p, "lifetime-bytes", "bytes", v,
	    p->p_cfg->cfg_test_short_life ? CFG_BYTES_TEST_MIN :
	    CFG_BYTES_MIN, &cfg_cur_tn(p)->tn_ipsec.ips_life_bytes));
}

static int
cfg_key_ips_packets(struct cfg_parser *p, const char *v)
{
	return (cfg_volume_parse(p, "lifetime-packets", "packets", v,
	    p->p_cfg->cfg_test_short_life ? CFG_PACKETS_TEST_MIN :
	    CFG_PACKETS_MIN, &cfg_cur_tn(p)->tn_ipsec.ips_life_packets));
}

/*
 * replay-window N: the inbound SA's anti-replay window in packets (RFC
 * 4303 §3.4.3); 0 turns the check off.  Local, not negotiated.
 */
static int
cfg_key_ips_replay(struct cfg_parser *p, const char *v)
{
	unsigned long	 n;

	if (cfg_uint_parse(v, 0, CFG_REPLAY_WINDOW_MAX, &n) == -1)
		return (cfg_err(p, p->p_line, "invalid replay-window \"%.32s\" "
		    "(use 0 to %d packets; 0 turns the replay check off)", v,
		    CFG_REPLAY_WINDOW_MAX));
	cfg_cur_tn(p)->tn_ipsec.ips_replay_window = (uint32_t)n;
	cfg_cur_src(p)->tx_replay_line = p->p_line;
	return (0);
}

const char *
cfg_esn_name(int esn)
{
	switch (esn) {
	case CFG_ESN_NO:
		return ("no");
	case CFG_ESN_YES:
		return ("yes");
	case CFG_ESN_EITHER:
		return ("either");
	}
	return ("?");
}

/* esn yes|no|either: extended sequence numbers, negotiated. */
static int
cfg_key_ips_esn(struct cfg_parser *p, const char *v)
{
	int	 e;

	for (e = CFG_ESN_NO; e <= CFG_ESN_EITHER; e++)
		if (strcmp(v, cfg_esn_name(e)) == 0) {
			cfg_cur_tn(p)->tn_ipsec.ips_esn = e;
			cfg_cur_src(p)->tx_esn_line = p->p_line;
			return (0);
		}
	return (cfg_err(p, p->p_line, "invalid esn value \"%.32s\" (use "
	    "yes, no or either)", v));
}

/* --- proposal lists (strongSwan's syntax) --- */

/* strongSwan's names of the DH groups in a proposal */
static const struct {
	const char	*name;
	int		 group;
} cfg_dh_names[] = {
	{ "modp768", DH_MODP_768 }, { "modp1024", DH_MODP_1024 },
	{ "modp1536", DH_MODP_1536 }, { "modp2048", DH_MODP_2048 },
	{ "modp3072", DH_MODP_3072 }, { "modp4096", DH_MODP_4096 },
	{ "ecp256", DH_ECP_256 }, { "ecp384", DH_ECP_384 },
	{ "ecp521", DH_ECP_521 }, { "modp2048s256", DH_MODP_2048_256 },
	{ "curve25519", DH_CURVE25519 }, { "x25519", DH_CURVE25519 },
};

/* strongSwan's name of a group ("none" for 0). */
static const char *
cfg_dh_str(int group)
{
	size_t	 i;

	for (i = 0; i < sizeof(cfg_dh_names) / sizeof(cfg_dh_names[0]); i++)
		if (cfg_dh_names[i].group == group)
			return (cfg_dh_names[i].name);
	return ("none");
}

/* One "-"-joined proposal: its algorithms sorted by kind, in order. */
struct cfg_alts {
	struct cfg_prop	 a_encr[CFG_MAX_PROPOSALS];
	int		 a_nencr;
	struct cfg_prop	 a_integ[CFG_MAX_PROPOSALS];
	int		 a_ninteg;
	int		 a_prf[CFG_MAX_PROPOSALS];
	int		 a_nprf;
	int		 a_dh[CFG_MAX_PROPOSALS];
	int		 a_ndh;
	int		 a_esn;		/* bit 0: esn, bit 1: noesn */
};

/* Adds cp to a list unless it is there already.  0 or -1. */
static int
cfg_prop_add(struct cfg_parser *p, const char *blk, struct cfg_prop *list,
    int *n, const struct cfg_prop *cp)
{
	int	 i;

	for (i = 0; i < *n; i++)
		if (memcmp(&list[i], cp, sizeof(*cp)) == 0)
			return (0);
	if (*n >= CFG_MAX_PROPOSALS)
		return (cfg_err(p, p->p_line, "too many %s proposals (at most "
		    "%d, counting every combination of the algorithms listed)",
		    blk, CFG_MAX_PROPOSALS));
	list[(*n)++] = *cp;
	return (0);
}

static int
cfg_alts_parse(struct cfg_parser *p, const char *blk, int num, char *s,
    struct cfg_alts *a)
{
	struct cfg_prop	 cp;
	char		*tok, *save = NULL;
	size_t		 i;
	int		 found;

	memset(a, 0, sizeof(*a));
	for (tok = strtok_r(s, "-", &save); tok != NULL;
	    tok = strtok_r(NULL, "-", &save)) {
		memset(&cp, 0, sizeof(cp));
		if (a->a_nencr == CFG_MAX_PROPOSALS ||
		    a->a_ninteg == CFG_MAX_PROPOSALS ||
		    a->a_nprf == CFG_MAX_PROPOSALS ||
		    a->a_ndh == CFG_MAX_PROPOSALS)
			return (cfg_err(p, p->p_line, "%s proposal %d lists "
			    "too many algorithms", blk, num));
		if (cfg_val_encr(tok, &cp) == 0) {
			a->a_encr[a->a_nencr++] = cp;
			continue;
		}
		if (cfg_val_integ(tok, &cp) == 0) {
			a->a_integ[a->a_ninteg++] = cp;
			continue;
		}
		if (strncmp(tok, "prf", 3) == 0 &&
		    cfg_val_integ(tok + 3, &cp) == 0) {
			a->a_prf[a->a_nprf++] = cp.cp_prf;
			continue;
		}
		if (strcmp(tok, "esn") == 0 || strcmp(tok, "noesn") == 0) {
			a->a_esn |= tok[0] == 'e' ? 1 : 2;
			continue;
		}
		for (i = 0, found = 0; i < sizeof(cfg_dh_names) /
		    sizeof(cfg_dh_names[0]); i++)
			if (strcmp(tok, cfg_dh_names[i].name) == 0) {
				a->a_dh[a->a_ndh++] = cfg_dh_names[i].group;
				found = 1;
				break;
			}
		if (!found)
			return (cfg_err(p, p->p_line, "unknown algorithm "
			    "\"%.32s\" in %s proposal %d (use strongSwan's "
			    "keywords: aes128, aes256, 3des, aes256gcm16, "
			    "chacha20poly1305, sha1, sha256, prfsha256, "
			    "modp2048, ecp256, x25519, esn, ...)", tok, blk,
			    num));
	}
	return (0);
}

/* 1 if every encryption algorithm is an AEAD, 0 if none is, -1 if
 * the list mixes them. */
static int
cfg_alts_aead(const struct cfg_prop *encrs, int n)
{
	int	 i, aead = 0;

	for (i = 0; i < n; i++)
		aead += encr_is_aead(encrs[i].cp_encr) != 0;
	return (aead == 0 ? 0 : aead == n ? 1 : -1);
}

/*
 * An IKE proposal with several algorithms of a type stands for every
 * combination, in the order written (the first of each type first).
 * Without a PRF, each integrity algorithm brings its own (strongSwan).
 */
static int
cfg_ike_alts_add(struct cfg_parser *p, int num, const struct cfg_alts *a,
    struct cfg_ike *ike)
{
	struct cfg_prop	 cp;
	int		 aead, e, i, r, d, ni, nr;

	if (a->a_nencr == 0)
		return (cfg_err(p, p->p_line, "ike proposal %d has no "
		    "encryption algorithm (e.g. aes256)", num));
	if ((aead = cfg_alts_aead(a->a_encr, a->a_nencr)) == -1)
		return (cfg_err(p, p->p_line, "ike proposal %d mixes AEAD and "
		    "other ciphers (write them as two proposals)", num));
	if (a->a_esn != 0)
		return (cfg_err(p, p->p_line, "ike proposal %d: esn and noesn "
		    "belong to ipsec proposals", num));
	if (a->a_ndh == 0)
		return (cfg_err(p, p->p_line, "ike proposal %d has no DH group "
		    "(e.g. modp2048 or ecp256)", num));
	if (aead && a->a_ninteg > 0)
		return (cfg_err(p, p->p_line, "ike proposal %d: an AEAD cipher "
		    "takes no integrity algorithm (name the PRF, e.g. "
		    "prfsha256)", num));
	if (aead && a->a_nprf == 0)
		return (cfg_err(p, p->p_line, "ike proposal %d: an AEAD cipher "
		    "needs a PRF (e.g. prfsha256)", num));
	if (!aead && a->a_ninteg == 0)
		return (cfg_err(p, p->p_line, "ike proposal %d has no "
		    "integrity algorithm (e.g. sha256)", num));
	ni = aead ? 1 : a->a_ninteg;
	for (e = 0; e < a->a_nencr; e++)
	for (i = 0; i < ni; i++) {
		nr = a->a_nprf > 0 ? a->a_nprf : 1;
		for (r = 0; r < nr; r++)
		for (d = 0; d < a->a_ndh; d++) {
			memset(&cp, 0, sizeof(cp));
			cp.cp_encr = a->a_encr[e].cp_encr;
			cp.cp_encr_bits = a->a_encr[e].cp_encr_bits;
			cp.cp_integ = aead ? AUTH_NONE : a->a_integ[i].cp_integ;
			cp.cp_prf = a->a_nprf > 0 ? a->a_prf[r] :
			    a->a_integ[i].cp_prf;
			cp.cp_dh = a->a_dh[d];
			if (cfg_prop_add(p, "ike", ike->ike_props,
			    &ike->ike_nprops, &cp) == -1)
				return (-1);
		}
	}
	return (0);
}

/* An ESP or AH proposal: encryption x integrity x PFS group (none
 * without a group), each suite with the proposal's esn setting (esn,
 * noesn or both; neither: noesn, strongSwan's default). */
static int
cfg_ips_alts_add(struct cfg_parser *p, int num, const struct cfg_alts *a,
    struct cfg_ipsec *ips)
{
	struct cfg_prop	 cp;
	int		 aead, e, i, d, ne, ni, nd;

	if (a->a_nprf > 0)
		return (cfg_err(p, p->p_line, "ipsec proposal %d: a PRF has "
		    "no place in an ipsec proposal", num));
	if ((aead = cfg_alts_aead(a->a_encr, a->a_nencr)) == -1)
		return (cfg_err(p, p->p_line, "ipsec proposal %d mixes AEAD "
		    "and other ciphers (write them as two proposals)", num));
	if (aead && a->a_ninteg > 0)
		return (cfg_err(p, p->p_line, "ipsec proposal %d: an AEAD "
		    "cipher authenticates the packets itself (remove the "
		    "integrity algorithm)", num));
	if (!aead && a->a_ninteg == 0)
		return (cfg_err(p, p->p_line, "ipsec proposal %d has no "
		    "integrity algorithm (e.g. sha256)", num));
	ne = a->a_nencr > 0 ? a->a_nencr : 1;
	ni = aead ? 1 : a->a_ninteg;
	nd = a->a_ndh > 0 ? a->a_ndh : 1;
	for (e = 0; e < ne; e++)
	for (i = 0; i < ni; i++)
	for (d = 0; d < nd; d++) {
		memset(&cp, 0, sizeof(cp));
		if (a->a_nencr > 0) {
			cp.cp_encr = a->a_encr[e].cp_encr;
			cp.cp_encr_bits = a->a_encr[e].cp_encr_bits;
		}
		cp.cp_integ = aead ? AUTH_NONE : a->a_integ[i].cp_integ;
		cp.cp_dh = a->a_ndh > 0 ? a->a_dh[d] : 0;
		cp.cp_esn = a->a_esn == 1 ? CFG_ESN_YES : a->a_esn == 3 ?
		    CFG_ESN_EITHER : CFG_ESN_NO;
		if (cfg_prop_add(p, "ipsec", ips->ips_props, &ips->ips_nprops,
		    &cp) == -1)
			return (-1);
	}
	return (0);
}

/*
 * "proposals A, B, C": comma-separated proposals, each of
 * "-"-joined strongSwan keywords, in our order of preference.
 */
static int
cfg_props_line(struct cfg_parser *p, char **v, int n, int ike)
{
	const char	*blk = ike ? "ike" : "ipsec";
	struct cfg_alts	 a;
	char		 buf[1024], *e, *c, *end;
	size_t		 off = 0;
	int		 i, num = 0, len;

	for (i = 0; i < n; i++) {
		len = snprintf(buf + off, sizeof(buf) - off, "%s%s",
		    i ? " " : "", v[i]);
		if (len < 0 || (size_t)len >= sizeof(buf) - off)
			return (cfg_err(p, p->p_line, "proposals line too "
			    "long"));
		off += len;
	}
	for (e = buf; ; e = c + 1) {
		if ((c = strchr(e, ',')) != NULL)
			*c = '\0';
		num++;
		while (*e == ' ')
			e++;
		end = e + strlen(e);
		while (end > e && end[-1] == ' ')
			*--end = '\0';
		if (*e == '\0')
			return (cfg_err(p, p->p_line, "%s proposal %d is empty "
			    "(separate the proposals with one ',')", blk,
			    num));
		if (strchr(e, ' ') != NULL)
			return (cfg_err(p, p->p_line, "%s proposal %d "
			    "\"%.40s\" has a space (join its algorithms with "
			    "'-' and separate the proposals with ',')", blk,
			    num, e));
		if (cfg_alts_parse(p, blk, num, e, &a) == -1)
			return (-1);
		if (ike ? cfg_ike_alts_add(p, num, &a,
		    &cfg_cur_tn(p)->tn_ike) == -1 : cfg_ips_alts_add(p, num,
		    &a, &cfg_cur_tn(p)->tn_ipsec) == -1)
			return (-1);
		if (c == NULL)
			break;
	}
	return (0);
}

static int
cfg_key_ike_props(struct cfg_parser *p, char **v, int n)
{
	cfg_cur_src(p)->tx_ike_prop_line = p->p_line;
	return (cfg_props_line(p, v, n, 1));
}

static int
cfg_key_ips_props(struct cfg_parser *p, char **v, int n)
{
	cfg_cur_src(p)->tx_ips_prop_line = p->p_line;
	return (cfg_props_line(p, v, n, 0));
}

/*
 * An ike block closes: a proposals line alone, or the product of the
 * multi-valued keywords (encryption x integrity x dh-group, the first
 * value of each first); ike_encr and the others hold the first suite.
 */
static int
cfg_ike_list_close(struct cfg_parser *p, struct cfg_ike *ike,
    struct cfg_tsrc *src)
{
	struct cfg_prop	 cp, en, ig, dh;
	int		 other, e, i, d;

	other = src->tx_ike_encr_line ? src->tx_ike_encr_line :
	    src->tx_ike_integ_line ? src->tx_ike_integ_line : src->tx_dh_line;
	if (src->tx_ike_prop_line != 0 && other != 0)
		return (cfg_err(p, other, "ike encryption, integrity and "
		    "dh-group cannot be used with proposals (line %d): write "
		    "every algorithm in the proposals line",
		    src->tx_ike_prop_line));
	if (src->tx_ike_prop_line == 0 && (src->tx_ike_nencr > 1 ||
	    src->tx_ike_ninteg > 1 || src->tx_ike_ndh > 1)) {
		for (e = 0; e < (src->tx_ike_nencr ? src->tx_ike_nencr : 1);
		    e++)
		for (i = 0; i < (src->tx_ike_ninteg ? src->tx_ike_ninteg : 1);
		    i++)
		for (d = 0; d < (src->tx_ike_ndh ? src->tx_ike_ndh : 1); d++) {
			en = src->tx_ike_nencr ? src->tx_ike_encrs[e] :
			    (struct cfg_prop){ .cp_encr = ike->ike_encr,
			    .cp_encr_bits = ike->ike_encr_bits };
			ig = src->tx_ike_ninteg ? src->tx_ike_integs[i] :
			    (struct cfg_prop){ .cp_integ = ike->ike_integ,
			    .cp_prf = ike->ike_prf };
			dh = src->tx_ike_ndh ? src->tx_ike_dhs[d] :
			    (struct cfg_prop){ .cp_dh = ike->ike_dh };
			memset(&cp, 0, sizeof(cp));
			cp.cp_encr = en.cp_encr;
			cp.cp_encr_bits = en.cp_encr_bits;
			/* RFC 5282 §8: with an AEAD, integrity names the
			 * PRF only */
			cp.cp_integ = encr_is_aead(en.cp_encr) ? AUTH_NONE :
			    ig.cp_integ;
			cp.cp_prf = ig.cp_prf;
			cp.cp_dh = dh.cp_dh;
			if (cfg_prop_add(p, "ike", ike->ike_props,
			    &ike->ike_nprops, &cp) == -1)
				return (-1);
		}
	}
	if (ike->ike_nprops > 0) {
		ike->ike_encr = ike->ike_props[0].cp_encr;
		ike->ike_encr_bits = ike->ike_props[0].cp_encr_bits;
		ike->ike_integ = ike->ike_props[0].cp_integ;
		ike->ike_prf = ike->ike_props[0].cp_prf;
		ike->ike_dh = ike->ike_props[0].cp_dh;
	}
	return (0);
}

/* As cfg_ike_list_close for an ipsec block (encryption x integrity). */
static int
cfg_ips_list_close(struct cfg_parser *p, struct cfg_ipsec *ips,
    struct cfg_tsrc *src)
{
	struct cfg_prop	 cp, en, ig;
	int		 esp = ips->ips_proto == IPPROTO_ESP;
	int		 other, e, i;

	other = src->tx_encr_line ? src->tx_encr_line : src->tx_integ_line ?
	    src->tx_integ_line : src->tx_pfs_line ? src->tx_pfs_line :
	    src->tx_esn_line;
	if (src->tx_ips_prop_line != 0 && other != 0)
		return (cfg_err(p, other, "ipsec encryption, integrity, pfs "
		    "and esn cannot be used with proposals (line %d): write "
		    "every algorithm in the proposals line (the PFS group as "
		    "e.g. -modp2048, and esn or noesn)",
		    src->tx_ips_prop_line));
	if (src->tx_ips_prop_line != 0) {
		for (i = 0; i < ips->ips_nprops; i++)
			if ((ips->ips_props[i].cp_encr != 0) != esp)
				return (cfg_err(p, src->tx_ips_prop_line,
				    "ipsec proposal %d %s", i + 1, esp ?
				    "has no encryption algorithm (protocol "
				    "esp)" : "has an encryption algorithm "
				    "(protocol ah does not encrypt)"));
	} else if (esp && (src->tx_ips_nencr > 1 || src->tx_ips_ninteg > 1)) {
		for (e = 0; e < (src->tx_ips_nencr ? src->tx_ips_nencr : 1);
		    e++)
		for (i = 0; i < (src->tx_ips_ninteg ? src->tx_ips_ninteg : 1);
		    i++) {
			en = src->tx_ips_nencr ? src->tx_ips_encrs[e] :
			    (struct cfg_prop){ .cp_encr = ips->ips_encr,
			    .cp_encr_bits = ips->ips_encr_bits };
			ig = src->tx_ips_ninteg ? src->tx_ips_integs[i] :
			    (struct cfg_prop){ .cp_integ = ips->ips_integ };
			memset(&cp, 0, sizeof(cp));
			cp.cp_encr = en.cp_encr;
			cp.cp_encr_bits = en.cp_encr_bits;
			/* RFC 4106 §8.2: the integrity values go with the
			 * other ciphers only */
			cp.cp_integ = encr_is_aead(en.cp_encr) ? AUTH_NONE :
			    ig.cp_integ;
			cp.cp_dh = ips->ips_pfs;
			cp.cp_esn = ips->ips_esn;
			if (cfg_prop_add(p, "ipsec", ips->ips_props,
			    &ips->ips_nprops, &cp) == -1)
				return (-1);
		}
	} else if (!esp && src->tx_ips_ninteg > 1) {
		for (i = 0; i < src->tx_ips_ninteg; i++) {
			memset(&cp, 0, sizeof(cp));
			cp.cp_integ = src->tx_ips_integs[i].cp_integ;
			cp.cp_dh = ips->ips_pfs;
			cp.cp_esn = ips->ips_esn;
			if (cfg_prop_add(p, "ipsec", ips->ips_props,
			    &ips->ips_nprops, &cp) == -1)
				return (-1);
		}
	}
	if (ips->ips_nprops > 0) {
		ips->ips_encr = ips->ips_props[0].cp_encr;
		ips->ips_encr_bits = ips->ips_props[0].cp_encr_bits;
		ips->ips_integ = ips->ips_props[0].cp_integ;
		ips->ips_pfs = ips->ips_props[0].cp_dh;
		ips->ips_esn = ips->ips_props[0].cp_esn;
	}
	return (0);
}

/* The first ESN setting other than no among the suites, or CFG_ESN_NO
 * (0) if every suite has 32-bit sequence numbers only. */
static int
cfg_ips_esn_any(const struct cfg_ipsec *ips)
{
	int	 i;

	for (i = 0; i < ips->ips_nprops; i++)
		if (ips->ips_props[i].cp_esn != CFG_ESN_NO)
			return (ips->ips_props[i].cp_esn);
	return (ips->ips_esn);
}

/* 1 if "encryption" lists a cipher that is not an AEAD (the integrity
 * line is for it). */
static int
cfg_ips_some_cbc(const struct cfg_tsrc *src)
{
	return (src->tx_ips_nencr > 1 &&
	    cfg_alts_aead(src->tx_ips_encrs, src->tx_ips_nencr) == -1);
}

/*
 * IKEv1 and a list: every suite must be one IKEv1 can use, and the
 * suites of Aggressive Mode must share their DH group.
 */
static int
cfg_v1_list_check(struct cfg_parser *p, const struct cfg_tunnel *t,
    const struct cfg_tsrc *src)
{
	const struct cfg_ike	*ike = &t->tn_ike;
	const struct cfg_ipsec	*ips = &t->tn_ipsec;
	int			 li, ls, i;

	li = src->tx_ike_prop_line ? src->tx_ike_prop_line :
	    src->tx_ike_encr_line ? src->tx_ike_encr_line :
	    src->tx_ike_integ_line ? src->tx_ike_integ_line : src->tx_dh_line;
	ls = src->tx_ips_prop_line ? src->tx_ips_prop_line :
	    src->tx_encr_line ? src->tx_encr_line : src->tx_integ_line;
	for (i = 0; i < ike->ike_nprops; i++) {
		if (encr_is_aead(ike->ike_props[i].cp_encr))
			return (cfg_err(p, li, "ike proposal %d (%s) needs "
			    "version 2 (IKEv1 phase 1 has no AEAD cipher: RFC "
			    "5282 and RFC 7634 define them for IKEv2 only)",
			    i + 1, cfg_encr_str(ike->ike_props[i].cp_encr,
			    ike->ike_props[i].cp_encr_bits)));
		if (ike->ike_props[i].cp_dh == DH_CURVE25519)
			return (cfg_err(p, li, "ike proposal %d: curve25519 "
			    "needs version 2 (RFC 8031 defines it for IKEv2 "
			    "only)", i + 1));
	}
	for (i = 0; i < ips->ips_nprops; i++)
		if (ips->ips_props[i].cp_encr == ENCR_CHACHA20_POLY1305)
			return (cfg_err(p, ls, "ipsec proposal %d: "
			    "chacha20poly1305 needs ike version 2 (RFC 7634 "
			    "defines it for IKEv2 only)", i + 1));
	/* Quick Mode carries one KE payload (RFC 2409 §5.5), for the group
	 * of every transform: the suites must share one PFS group */
	for (i = 1; i < ips->ips_nprops; i++)
		if (ips->ips_props[i].cp_dh != ips->ips_props[0].cp_dh)
			return (cfg_err(p, ls, "ipsec proposal %d: PFS group "
			    "%s differs from proposal 1's %s: IKEv1 Quick Mode "
			    "sends one KE payload, so all its suites must "
			    "share one PFS group (or all have none); use one "
			    "group, or ike version 2", i + 1,
			    cfg_dh_str(ips->ips_props[i].cp_dh),
			    cfg_dh_str(ips->ips_props[0].cp_dh)));
	/* Aggressive Mode: message 1 carries the KE, for one group, before
	 * the responder chose a suite (RFC 2409 §5.4) */
	for (i = 1; i < ike->ike_nprops; i++)
		if (ike->ike_mode == CFG_IKE_AGGRESSIVE &&
		    ike->ike_props[i].cp_dh != ike->ike_props[0].cp_dh)
			return (cfg_err(p, src->tx_dh_line ?
			    src->tx_dh_line : li, "ike proposal %d: DH group %d "
			    "differs from proposal 1's group %d: Aggressive "
			    "Mode sends its KE in message 1, for one group, "
			    "so all its suites must share it", i + 1,
			    ike->ike_props[i].cp_dh, ike->ike_props[0].cp_dh));
	return (0);
}

/* --- the ha block --- */

static int
cfg_key_ha_priority(struct cfg_parser *p, const char *v)
{
	unsigned long	 n;

	if (cfg_uint_parse(v, 1, 255, &n) == -1)
		return (cfg_err(p, p->p_line, "invalid ha priority \"%.32s\" "
		    "(use a number from 1 to 255, as keepalived's priority)",
		    v));
	p->p_cfg->cfg_ha.ha_priority = (uint32_t)n;
	return (0);
}

/* "A.B.C.D" or "A.B.C.D:PORT" (PORT 1..65535, default 4510). */
static int
cfg_ha_endpoint(struct cfg_parser *p, const char *what, const char *v,
    int any_ok, struct in_addr *a, uint16_t *port)
{
	char		 addr[INET_ADDRSTRLEN];
	const char	*colon = strchr(v, ':');
	size_t		 alen = colon != NULL ? (size_t)(colon - v) : strlen(v);
	unsigned long	 n = CFG_HA_PORT_DEFAULT;

	if (alen >= sizeof(addr) || (memcpy(addr, v, alen), addr[alen] = '\0',
	    cfg_addr_parse(addr, a) == -1))
		return (cfg_err(p, p->p_line, "invalid ha %s \"%.64s\" (write "
		    "an IPv4 address, optionally with a port: A.B.C.D or "
		    "A.B.C.D:PORT)", what, v));
	if (colon != NULL && cfg_uint_parse(colon + 1, 1, 65535, &n) == -1)
		return (cfg_err(p, p->p_line, "invalid port in ha %s \"%.64s\" "
		    "(use a port from 1 to 65535, e.g. %s:%d)", what, v, addr,
		    CFG_HA_PORT_DEFAULT));
	if (!any_ok && a->s_addr == INADDR_ANY)
		return (cfg_err(p, p->p_line, "ha %s cannot be 0.0.0.0 (write "
		    "the other node's address on the sync network)", what));
	*port = (uint16_t)n;
	return (0);
}

static int
cfg_key_ha_peer(struct cfg_parser *p, const char *v)
{
	struct cfg_ha	*ha = &p->p_cfg->cfg_ha;

	return (cfg_ha_endpoint(p, "sync-peer", v, 0, &ha->ha_peer_addr,
	    &ha->ha_peer_port));
}

static int
cfg_key_ha_local(struct cfg_parser *p, const char *v)
{
	struct cfg_ha	*ha = &p->p_cfg->cfg_ha;

	return (cfg_ha_endpoint(p, "sync-local", v, 1, &ha->ha_local_addr,
	    &ha->ha_local_port));
}

/*
 * The sync key: as a psk ("0x" hex, "0s" base64 or printable), but long
 * enough to carry 128 bits: 16 bytes in 0x/0s form, 32 printable
 * characters otherwise.  Never shown in a message.
 */
static int
cfg_key_ha_key(struct cfg_parser *p, const char *v)
{
	struct cfg_ha	*ha = &p->p_cfg->cfg_ha;
	size_t		 n;
	int		 coded;

	ha->ha_key_len = 0;
	if (cfg_secret_parse(p, "sync-key", v, 0, ha->ha_key, &n,
	    &coded) == -1)
		return (-1);
	if (coded && n < CFG_HA_KEY_MIN) {
		OPENSSL_cleanse(ha->ha_key, sizeof(ha->ha_key));
		return (cfg_err(p, p->p_line, "sync-key is too short: %zu "
		    "bytes, at least %d are needed (make one with \"openssl "
		    "rand -hex 32\" and write it as 0x...)", n,
		    CFG_HA_KEY_MIN));
	}
	if (!coded && n < CFG_HA_KEY_PRINT_MIN) {
		OPENSSL_cleanse(ha->ha_key, sizeof(ha->ha_key));
		return (cfg_err(p, p->p_line, "sync-key is too short: %zu "
		    "characters, at least %d are needed (or 16 random bytes "
		    "as 0x hex: \"openssl rand -hex 32\" makes one)", n,
		    CFG_HA_KEY_PRINT_MIN));
	}
	ha->ha_key_len = n;
	return (0);
}

static int
cfg_key_ha_ifname(struct cfg_parser *p, const char *v)
{
	size_t	 i, len = strlen(v);

	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)v[i]) && strchr("_.-@", v[i]) ==
		    NULL)
			break;
	if (len > CFG_IFNAME_MAX || i < len || strcmp(v, ".") == 0 ||
	    strcmp(v, "..") == 0)
		return (cfg_err(p, p->p_line, "invalid ha interface \"%.32s\" "
		    "(write the name of the interface that holds the virtual "
		    "address, e.g. eth0: 1 to %d letters, digits, '_', '.', "
		    "'-' or '@')", v, CFG_IFNAME_MAX));
	memcpy(p->p_cfg->cfg_ha.ha_ifname, v, len + 1);
	return (0);
}

/* --- key tables, one per context --- */

static const struct cfg_key cfg_top_keys[] = {
	{ "control-socket", "control-socket PATH", 0, cfg_key_socket, NULL },
	{ "log-level", "log-level error|warning|info|debug", 0,
	    cfg_key_loglevel, NULL },
	{ "keylog-dir", "keylog-dir PATH", 0, cfg_key_keylog, NULL },
	{ "keylog-chacha20", "keylog-chacha20 yes|no", 0,
	    cfg_key_keylog_chacha, NULL },
	{ "test-short-lifetimes", "test-short-lifetimes yes|no", 0,
	    cfg_key_short_life, NULL },
	{ "metrics-listen", "metrics-listen ADDRESS:PORT", 0,
	    cfg_key_metrics, NULL },
	{ "ikev1-half-open", "ikev1-half-open N", 0, cfg_key_v1_half, NULL },
	{ "ikev1-half-open-per-source", "ikev1-half-open-per-source N", 0,
	    cfg_key_v1_half_src, NULL },
	{ "ikev2-cookie-threshold", "ikev2-cookie-threshold N", 0,
	    cfg_key_v2_cookie, NULL },
	{ "ikev2-half-open", "ikev2-half-open N", 0, cfg_key_v2_half, NULL },
	{ "ikev2-half-open-per-source", "ikev2-half-open-per-source N", 0,
	    cfg_key_v2_half_src, NULL },
	{ "receive-buffer", "receive-buffer KB", 0, cfg_key_rcvbuf, NULL },
	{ "initiate-half-open-per-peer", "initiate-half-open-per-peer N", 0,
	    cfg_key_init_half, NULL },
	{ "user", "user NAME", 0, cfg_key_user, NULL },
	{ NULL, NULL, 0, NULL, NULL }
};
static const struct cfg_key cfg_gw_keys[] = {
	{ "address", "address A.B.C.D", 0, cfg_key_gw_address, NULL },
	{ "segment", "segment A.B.C.D/N", 1, cfg_key_gw_segment, NULL },
	{ NULL, NULL, 0, NULL, NULL }
};
static const struct cfg_key cfg_peer_keys[] = {
	{ "address", "address A.B.C.D", 0, cfg_key_peer_address, NULL },
	{ NULL, NULL, 0, NULL, NULL }
};
static const struct cfg_key cfg_tn_keys[] = {
	{ "gateway", "gateway NAME", 0, cfg_key_tn_gateway, NULL },
	{ "peer", "peer NAME", 0, cfg_key_tn_peer, NULL },
	{ "local-segment", "local-segment A.B.C.D/N", 1, cfg_key_tn_local,
	    NULL },
	{ "peer-segment", "peer-segment A.B.C.D/N", 1, cfg_key_tn_remote,
	    NULL },
	{ "psk", "psk KEY", 0, cfg_key_tn_psk, NULL },
	{ "initiate", "initiate yes|no", 0, cfg_key_tn_initiate, NULL },
	{ "dpd-delay", "dpd-delay SECONDS", 0, cfg_key_tn_dpd_delay, NULL },
	{ "dpd-timeout", "dpd-timeout SECONDS", 0, cfg_key_tn_dpd_timeout,
	    NULL },
	{ "dpd-action", "dpd-action hold|restart|clear", 0,
	    cfg_key_tn_dpd_action, NULL },
	{ "keyingtries", "keyingtries N", 0, cfg_key_tn_keyingtries, NULL },
	{ "child-sa", "child-sa per-pair|single", 0, cfg_key_tn_child_sa,
	    NULL },
	{ NULL, NULL, 0, NULL, NULL }
};
static const struct cfg_key cfg_ike_keys[] = {
	{ "version", "version 1|2", 0, cfg_key_ike_version, NULL },
	{ "mode", "mode main|aggressive", 0, cfg_key_ike_mode, NULL },
	{ "integrity", "integrity md5|sha1|sha2-256|sha2-384|sha2-512 ...", 0,
	    NULL, cfg_key_ike_integ },
	{ "encryption", "encryption 3des|aes128|aes192|aes256|aes128gcm16|"
	    "aes256gcm16|chacha20poly1305|... ...", 0, NULL,
	    cfg_key_ike_encr },
	{ "dh-group", "dh-group 1|2|5|14|15|16|19|20|21|24|31 ...", 0, NULL,
	    cfg_key_ike_dh },
	{ "proposals", "proposals aes256-sha256-modp2048, aes128-sha1-modp1024",
	    0, NULL, cfg_key_ike_props },
	{ "local-id", "local-id A.B.C.D|FQDN", 0, cfg_key_ike_lid, NULL },
	{ "peer-id", "peer-id A.B.C.D|FQDN", 0, cfg_key_ike_pid, NULL },
	{ "lifetime", "lifetime SECONDS", 0, cfg_key_ike_life, NULL },
	{ NULL, NULL, 0, NULL, NULL }
};
static const struct cfg_key cfg_ips_keys[] = {
	{ "protocol", "protocol esp|ah", 0, cfg_key_ips_proto, NULL },
	{ "integrity", "integrity md5|sha1|sha2-256|sha2-384|sha2-512 ...", 0,
	    NULL, cfg_key_ips_integ },
	{ "encryption", "encryption 3des|aes128|aes192|aes256|aes128gcm16|"
	    "aes256gcm16|chacha20poly1305|... ...", 0, NULL,
	    cfg_key_ips_encr },
	{ "pfs", "pfs 1|2|5|14|15|16|19|20|21|24|31|disable", 0,
	    cfg_key_ips_pfs, NULL },
	{ "lifetime", "lifetime SECONDS", 0, cfg_key_ips_life, NULL },
	{ "lifetime-bytes", "lifetime-bytes BYTES", 0, cfg_key_ips_bytes,
	    NULL },
	{ "lifetime-packets", "lifetime-packets PACKETS", 0,
	    cfg_key_ips_packets, NULL },
	{ "replay-window", "replay-window PACKETS", 0, cfg_key_ips_replay,
	    NULL },
	{ "esn", "esn yes|no|either", 0, cfg_key_ips_esn, NULL },
	{ "proposals", "proposals aes256gcm16-modp2048, aes128-sha1-modp2048",
	    0, NULL, cfg_key_ips_props },
	{ NULL, NULL, 0, NULL, NULL }
};

/* The order is p_seen's bits: cfg_block_close checks the required ones. */
#define CFG_HA_SEEN_PRIORITY	(1U << 0)
#define CFG_HA_SEEN_PEER	(1U << 1)
#define CFG_HA_SEEN_KEY		(1U << 3)
#define CFG_HA_SEEN_IFNAME	(1U << 4)
static const struct cfg_key cfg_ha_keys[] = {
	{ "priority", "priority 1-255", 0, cfg_key_ha_priority, NULL },
	{ "sync-peer", "sync-peer A.B.C.D[:PORT]", 0, cfg_key_ha_peer, NULL },
	{ "sync-local", "sync-local A.B.C.D[:PORT]", 0, cfg_key_ha_local,
	    NULL },
	{ "sync-key", "sync-key KEY", 0, cfg_key_ha_key, NULL },
	{ "interface", "interface IFNAME", 0, cfg_key_ha_ifname, NULL },
	{ NULL, NULL, 0, NULL, NULL }
};

static const struct cfg_key *const cfg_keys[] = {
	cfg_top_keys, cfg_gw_keys, cfg_peer_keys, cfg_tn_keys, cfg_ike_keys,
	cfg_ips_keys, cfg_ha_keys
};
static const char *const cfg_expected[] = {
	"gateway, peer, tunnel, control-socket, log-level, keylog-dir, "
	    "keylog-chacha20, metrics-listen, ikev1-half-open, "
	    "ikev1-half-open-per-source, ikev2-cookie-threshold, "
	    "ikev2-half-open, ikev2-half-open-per-source, receive-buffer, "
	    "initiate-half-open-per-peer, user or test-short-lifetimes",
	"address or segment",
	"address",
	"gateway, peer, local-segment, peer-segment, psk, initiate, "
	    "dpd-delay, dpd-timeout, dpd-action, keyingtries, child-sa, "
	    "\"ike {\" or \"ipsec {\"",
	"version, mode, integrity, encryption, dh-group, proposals, "
	    "local-id, peer-id or lifetime",
	"protocol, integrity, encryption, pfs, proposals, lifetime, "
	    "lifetime-bytes, lifetime-packets, replay-window or esn",
	"priority, sync-peer, sync-local, sync-key or interface"
};

/* "gateway \"gw1\"", "the ike block of tunnel \"t\"", for messages. */
static void
cfg_where(struct cfg_parser *p, char *out, size_t len)
{
	struct config	*cfg = p->p_cfg;

	switch (p->p_ctx) {
	case CTX_TOP:
		snprintf(out, len, "the global settings");
		break;
	case CTX_GATEWAY:
		snprintf(out, len, "gateway \"%s\"", cfg_cur_gw(p)->gw_name);
		break;
	case CTX_PEER:
		snprintf(out, len, "peer \"%s\"", cfg_cur_peer(p)->pr_name);
		break;
	case CTX_TUNNEL:
		snprintf(out, len, "tunnel \"%s\"", cfg_cur_tn(p)->tn_name);
		break;
	case CTX_IKE:
	case CTX_IPSEC:
		snprintf(out, len, "the %s block of tunnel \"%s\"",
		    p->p_ctx == CTX_IKE ? "ike" : "ipsec",
		    cfg->cfg_tunnels[cfg->cfg_ntunnels - 1].tn_name);
		break;
	case CTX_HA:
		snprintf(out, len, "the ha block");
		break;
	}
}

static int
cfg_key_run(struct cfg_parser *p, char **argv, int argc)
{
	const struct cfg_key	*k;
	char			 where[128], word[80];
	int			 i;

	cfg_where(p, where, sizeof(where));
	for (i = 0, k = cfg_keys[p->p_ctx]; k->k_name != NULL; i++, k++)
		if (strcmp(k->k_name, argv[0]) == 0)
			break;
	if (k->k_name == NULL) {
		if (p->p_ctx == CTX_TOP)
			return (cfg_err(p, p->p_line, "unknown keyword "
			    "\"%s\" (expected %s)", cfg_word_shown(argv[0],
			    word, sizeof(word)), cfg_expected[p->p_ctx]));
		return (cfg_err(p, p->p_line, "unknown keyword \"%s\" in %s "
		    "(expected %s)", cfg_word_shown(argv[0], word,
		    sizeof(word)), where, cfg_expected[p->p_ctx]));
	}
	if (argc == 1)
		return (cfg_err(p, p->p_line, "missing value for \"%s\" (write "
		    "\"%s\")", k->k_name, k->k_usage));
	if (argc > 2 && k->k_list == NULL) {
		if (strcmp(k->k_name, "sync-key") == 0)
			return (cfg_err(p, p->p_line, "sync-key must be one "
			    "word: spaces are not allowed in it"));
		if (strcmp(k->k_name, "psk") == 0)
			return (cfg_err(p, p->p_line, "psk must be one word: "
			    "spaces are not allowed in a PSK"));
		return (cfg_err(p, p->p_line, "too many values for \"%s\" "
		    "(write \"%s\")", k->k_name, k->k_usage));
	}
	if (!k->k_repeat && (p->p_seen[p->p_ctx] & (1U << i)))
		return (cfg_err(p, p->p_line, "\"%s\" is given twice in %s "
		    "(keep one)", k->k_name, where));
	p->p_seen[p->p_ctx] |= 1U << i;
	if (k->k_list != NULL)
		return (k->k_list(p, argv + 1, argc - 1));
	return (k->k_fn(p, argv[1]));
}

/* --- blocks --- */

static int
cfg_tunnel_new(struct cfg_parser *p, const char *name)
{
	struct config		*cfg = p->p_cfg;
	struct cfg_tunnel	*t;
	struct cfg_tsrc		*src;
	int			 cap;

	if (cfg->cfg_ntunnels >= CFG_MAX_GATEWAYS * CFG_MAX_TUNNELS)
		return (cfg_err(p, p->p_line, "too many tunnels (at most %d)",
		    CFG_MAX_GATEWAYS * CFG_MAX_TUNNELS));
	if (cfg->cfg_ntunnels == p->p_tcap) {
		cap = p->p_tcap == 0 ? 8 : p->p_tcap * 2;
		t = calloc(cap, sizeof(*t));
		src = calloc(cap, sizeof(*src));
		if (t == NULL || src == NULL) {
			free(t);
			free(src);
			return (cfg_err(p, p->p_line, "out of memory"));
		}
		if (cfg->cfg_ntunnels > 0) {
			memcpy(t, cfg->cfg_tunnels, cfg->cfg_ntunnels *
			    sizeof(*t));
			memcpy(src, p->p_src, cfg->cfg_ntunnels * sizeof(*src));
		}
		/* The old array holds PSKs. */
		OPENSSL_clear_free(cfg->cfg_tunnels, p->p_tcap * sizeof(*t));
		free(p->p_src);
		cfg->cfg_tunnels = t;
		p->p_src = src;
		p->p_tcap = cap;
	}
	t = &cfg->cfg_tunnels[cfg->cfg_ntunnels++];
	snprintf(t->tn_name, sizeof(t->tn_name), "%s", name);
	t->tn_line = p->p_line;
	t->tn_initiate = 1;
	t->tn_dpd_delay = 8;
	t->tn_dpd_timeout = 13;
	t->tn_dpd_action = CFG_DPD_HOLD;
	t->tn_keyingtries = 3;
	t->tn_ike.ike_version = 2;
	t->tn_ike.ike_mode = CFG_IKE_MAIN;
	t->tn_ike.ike_integ = AUTH_HMAC_SHA1_96;
	t->tn_ike.ike_prf = PRF_HMAC_SHA1;
	t->tn_ike.ike_encr = ENCR_AES_CBC;
	t->tn_ike.ike_encr_bits = 128;
	t->tn_ike.ike_dh = DH_MODP_1024;
	t->tn_ike.ike_lifetime = CFG_LIFE_MAX;
	t->tn_ipsec.ips_proto = IPPROTO_ESP;
	t->tn_ipsec.ips_integ = AUTH_HMAC_SHA1_96;
	t->tn_ipsec.ips_encr = ENCR_AES_CBC;
	t->tn_ipsec.ips_encr_bits = 128;
	t->tn_ipsec.ips_pfs = DH_MODP_1024;
	t->tn_ipsec.ips_lifetime = CFG_LIFE_MAX;
	t->tn_ipsec.ips_replay_window = CFG_REPLAY_WINDOW_DEFAULT;
	t->tn_ipsec.ips_esn = CFG_ESN_NO;
	return (0);
}

/* Opens "gateway|peer|tunnel NAME {" at the top level. */
static int
cfg_block_open(struct cfg_parser *p, char **argv, int argc)
{
	struct config	*cfg = p->p_cfg;
	const char	*kind = argv[0], *name = argv[1];
	int		 i, line = 0;

	if (argc != 3 || strcmp(argv[2], "{") != 0)
		return (cfg_err(p, p->p_line, "malformed block header (write "
		    "\"%s NAME {\")", kind));
	if (!cfg_name_valid(name))
		return (cfg_err(p, p->p_line, "invalid %s name \"%.64s\" (use "
		    "1 to 63 letters, digits, '_', '.' or '-')", kind, name));
	if (strcmp(kind, "gateway") == 0) {
		for (i = 0; i < cfg->cfg_ngateways; i++)
			if (strcmp(cfg->cfg_gateways[i].gw_name, name) == 0)
				line = cfg->cfg_gateways[i].gw_line;
	} else if (strcmp(kind, "peer") == 0) {
		for (i = 0; i < cfg->cfg_npeers; i++)
			if (strcmp(cfg->cfg_peers[i].pr_name, name) == 0)
				line = cfg->cfg_peers[i].pr_line;
	} else {
		for (i = 0; i < cfg->cfg_ntunnels; i++)
			if (strcmp(cfg->cfg_tunnels[i].tn_name, name) == 0)
				line = cfg->cfg_tunnels[i].tn_line;
	}
	if (line != 0)
		return (cfg_err(p, p->p_line, "duplicate %s name \"%s\" "
		    "(already defined on line %d; choose another name)", kind,
		    name, line));
	for (i = CTX_GATEWAY; i <= CTX_IPSEC; i++)
		p->p_seen[i] = 0;
	p->p_block_line = p->p_line;
	if (strcmp(kind, "gateway") == 0) {
		if (cfg->cfg_ngateways >= CFG_MAX_GATEWAYS)
			return (cfg_err(p, p->p_line, "too many gateways (at "
			    "most %d)", CFG_MAX_GATEWAYS));
		snprintf(cfg->cfg_gateways[cfg->cfg_ngateways].gw_name,
		    CFG_NAME_MAX, "%s", name);
		cfg->cfg_gateways[cfg->cfg_ngateways++].gw_line = p->p_line;
		p->p_ctx = CTX_GATEWAY;
	} else if (strcmp(kind, "peer") == 0) {
		if (cfg->cfg_npeers >= CFG_MAX_PEERS)
			return (cfg_err(p, p->p_line, "too many peers (at most "
			    "%d)", CFG_MAX_PEERS));
		snprintf(cfg->cfg_peers[cfg->cfg_npeers].pr_name,
		    CFG_NAME_MAX, "%s", name);
		cfg->cfg_peers[cfg->cfg_npeers++].pr_line = p->p_line;
		p->p_ctx = CTX_PEER;
	} else {
		if (cfg_tunnel_new(p, name) == -1)
			return (-1);
		p->p_ctx = CTX_TUNNEL;
	}
	return (0);
}

/* Opens "ike {" or "ipsec {" inside a tunnel. */
static int
cfg_sub_open(struct cfg_parser *p, char **argv, int argc)
{
	struct cfg_tsrc	*src = cfg_cur_src(p);
	int		*line;

	line = strcmp(argv[0], "ike") == 0 ? &src->tx_ike_line :
	    &src->tx_ipsec_line;
	if (argc != 2 || strcmp(argv[1], "{") != 0)
		return (cfg_err(p, p->p_line, "malformed block header (write "
		    "\"%s {\")", argv[0]));
	if (*line != 0)
		return (cfg_err(p, p->p_line, "%s block is given twice in "
		    "tunnel \"%s\" (merge it into the one on line %d)", argv[0],
		    cfg_cur_tn(p)->tn_name, *line));
	*line = p->p_line;
	p->p_sub_line = p->p_line;
	p->p_ctx = strcmp(argv[0], "ike") == 0 ? CTX_IKE : CTX_IPSEC;
	p->p_seen[p->p_ctx] = 0;
	return (0);
}

/* "}": checks what the block requires on its own, then closes it. */
/*
 * What IKEv1 cannot negotiate: no AEAD in phase 1 (RFC 5282 and RFC 7634
 * are IKEv2 only), no ChaCha20-Poly1305 for ESP (RFC 7634 is IKEv2
 * only).  AES-GCM for ESP (RFC 4106 §8.1 transform IDs 18-20) and
 * HMAC-SHA2 (RFC 4868 §2.1) are Quick Mode transforms.
 */
static int
cfg_v1_algs_check(struct cfg_parser *p, const struct cfg_tunnel *t,
    const struct cfg_tsrc *src)
{
	const struct cfg_ike	*ike = &t->tn_ike;
	const struct cfg_ipsec	*ips = &t->tn_ipsec;

	if (encr_is_aead(ike->ike_encr))
		return (cfg_err(p, src->tx_ike_encr_line, "ike encryption %s "
		    "needs version 2 (IKEv1 phase 1 has no AEAD cipher: "
		    "RFC 5282 and RFC 7634 define them for IKEv2 only; use "
		    "aes128, aes192 or aes256 with version 1)",
		    cfg_encr_str(ike->ike_encr, ike->ike_encr_bits)));
	if (ips->ips_encr == ENCR_CHACHA20_POLY1305)
		return (cfg_err(p, src->tx_encr_line, "ipsec encryption "
		    "chacha20poly1305 needs ike version 2 (RFC 7634 defines "
		    "it for IKEv2 only; AES-GCM, e.g. aes256gcm16, works with "
		    "version 1)"));
	return (0);
}

/* "}" of the ha block: what it must have, and its two ends. */
static int
cfg_ha_close(struct cfg_parser *p)
{
	struct cfg_ha	*ha = &p->p_cfg->cfg_ha;
	uint32_t	 seen = p->p_seen[CTX_HA];
	int		 bl = ha->ha_line;

	if (!(seen & CFG_HA_SEEN_PRIORITY))
		return (cfg_err(p, bl, "ha block has no priority (add "
		    "\"priority N\", 1 to 255, as keepalived's priority of "
		    "this node)"));
	if (!(seen & CFG_HA_SEEN_PEER))
		return (cfg_err(p, bl, "ha block has no sync-peer (add "
		    "\"sync-peer A.B.C.D\", the other node's address on the "
		    "sync network)"));
	if (!(seen & CFG_HA_SEEN_KEY))
		return (cfg_err(p, bl, "ha block has no sync-key (add "
		    "\"sync-key 0x...\", the same on both nodes; \"openssl "
		    "rand -hex 32\" makes one)"));
	if (!(seen & CFG_HA_SEEN_IFNAME))
		return (cfg_err(p, bl, "ha block has no interface (add "
		    "\"interface IFNAME\", the interface that holds the "
		    "virtual address)"));
	if (ha->ha_local_port == 0)
		ha->ha_local_port = CFG_HA_PORT_DEFAULT;
	if (ha->ha_local_addr.s_addr == ha->ha_peer_addr.s_addr &&
	    ha->ha_local_port == ha->ha_peer_port)
		return (cfg_err(p, bl, "ha sync-local and sync-peer are the "
		    "same address and port (sync-peer is the other node's "
		    "address)"));
	return (0);
}

static int
cfg_block_close(struct cfg_parser *p)
{
	struct cfg_tunnel	*t;
	struct cfg_tsrc		*src;
	int			 bl = p->p_block_line;

	switch (p->p_ctx) {
	case CTX_TOP:
		return (cfg_err(p, p->p_line, "unexpected \"}\" (no block is "
		    "open)"));
	case CTX_HA:
		if (cfg_ha_close(p) == -1)
			return (-1);
		break;
	case CTX_GATEWAY:
		if (!(p->p_seen[CTX_GATEWAY] & 1))
			return (cfg_err(p, bl, "gateway \"%s\" has no address "
			    "(add \"address A.B.C.D\")",
			    cfg_cur_gw(p)->gw_name));
		break;
	case CTX_PEER:
		if (!(p->p_seen[CTX_PEER] & 1))
			return (cfg_err(p, bl, "peer \"%s\" has no address "
			    "(add \"address A.B.C.D\", or 0.0.0.0 for any "
			    "peer)", cfg_cur_peer(p)->pr_name));
		break;
	case CTX_TUNNEL:
		t = cfg_cur_tn(p);
		src = cfg_cur_src(p);
		if (src->tx_gw_line == 0)
			return (cfg_err(p, bl, "tunnel \"%s\" has no gateway "
			    "(add \"gateway NAME\")", t->tn_name));
		if (src->tx_peer_line == 0)
			return (cfg_err(p, bl, "tunnel \"%s\" has no peer (add "
			    "\"peer NAME\")", t->tn_name));
		if (t->tn_nlocal == 0)
			return (cfg_err(p, bl, "tunnel \"%s\" has no "
			    "local-segment (add \"local-segment A.B.C.D/N\")",
			    t->tn_name));
		if (t->tn_nremote == 0)
			return (cfg_err(p, bl, "tunnel \"%s\" has no "
			    "peer-segment (add \"peer-segment A.B.C.D/N\")",
			    t->tn_name));
		if (t->tn_psk_len == 0)
			return (cfg_err(p, bl, "tunnel \"%s\" has no psk (add "
			    "\"psk KEY\")", t->tn_name));
		if (t->tn_ike.ike_version == 1 && cfg_v1_list_check(p, t,
		    src) == -1)
			return (-1);
		/* RFC 8031 defines Curve25519 for IKEv2 only. */
		if (t->tn_ike.ike_version == 1 &&
		    t->tn_ike.ike_dh == DH_CURVE25519)
			return (cfg_err(p, src->tx_dh_line, "ike dh-group 31 "
			    "(curve25519) needs version 2 (RFC 8031 defines it "
			    "for IKEv2 only)"));
		if (t->tn_ike.ike_version == 1 &&
		    t->tn_ipsec.ips_pfs == DH_CURVE25519)
			return (cfg_err(p, src->tx_pfs_line, "ipsec pfs 31 "
			    "(curve25519) needs ike version 2 (RFC 8031 "
			    "defines it for IKEv2 only)"));
		if (t->tn_ike.ike_version == 1 && cfg_v1_algs_check(p, t,
		    src) == -1)
			return (-1);
		/* RFC 2409 §5.5: a Quick Mode carries one ID pair */
		if (t->tn_ike.ike_version == 1 && t->tn_child_single)
			return (cfg_err(p, src->tx_child_line, "child-sa "
			    "single needs ike version 2 (an IKEv1 Quick Mode "
			    "carries one pair of segments; use child-sa "
			    "per-pair or set \"version 2\")"));
		break;
	case CTX_IKE:
		t = cfg_cur_tn(p);
		src = cfg_cur_src(p);
		if (t->tn_ike.ike_mode == CFG_IKE_AGGRESSIVE &&
		    t->tn_ike.ike_version != 1)
			return (cfg_err(p, src->tx_mode_line, "ike mode "
			    "aggressive needs version 1 (IKEv2 has no "
			    "aggressive mode; set \"version 1\" or remove the "
			    "mode line)"));
		if (cfg_ike_list_close(p, &t->tn_ike, src) == -1)
			return (-1);
		/* RFC 5282 §8: with an AEAD the integrity keyword names
		 * the PRF only; no integrity transform is negotiated. */
		if (encr_is_aead(t->tn_ike.ike_encr))
			t->tn_ike.ike_integ = AUTH_NONE;
		p->p_ctx = CTX_TUNNEL;
		return (0);
	case CTX_IPSEC:
		t = cfg_cur_tn(p);
		src = cfg_cur_src(p);
		if (cfg_ips_list_close(p, &t->tn_ipsec, src) == -1)
			return (-1);
		if (t->tn_ipsec.ips_proto == IPPROTO_AH) {
			if (src->tx_encr_line != 0)
				return (cfg_err(p, src->tx_encr_line, "ipsec "
				    "encryption cannot be used with protocol "
				    "ah (AH does not encrypt; remove the "
				    "encryption line or use protocol esp)"));
			t->tn_ipsec.ips_encr = 0;
			t->tn_ipsec.ips_encr_bits = 0;
		} else if (encr_is_aead(t->tn_ipsec.ips_encr)) {
			/* RFC 4106 §8.2, RFC 7634 §4: no integrity */
			if (src->tx_integ_line != 0 && !cfg_ips_some_cbc(src))
				return (cfg_err(p, src->tx_integ_line, "ipsec "
				    "integrity cannot be used with encryption "
				    "%s (an AEAD cipher authenticates the "
				    "packets itself; remove the integrity "
				    "line)", cfg_encr_str(t->tn_ipsec.ips_encr,
				    t->tn_ipsec.ips_encr_bits)));
			t->tn_ipsec.ips_integ = AUTH_NONE;
		}
		/* The kernel refuses an ESN SA without a replay window
		 * (xfrm_init_replay: the high half of the sequence number
		 * is inferred from the window) */
		if (cfg_ips_esn_any(&t->tn_ipsec) &&
		    t->tn_ipsec.ips_replay_window == 0)
			return (cfg_err(p, src->tx_replay_line, "replay-window "
			    "0 cannot be used with esn %s (with extended "
			    "sequence numbers the receiver needs a window to "
			    "infer the high 32 bits; set replay-window 1 to "
			    "%d, or esn no)", cfg_esn_name(cfg_ips_esn_any(
			    &t->tn_ipsec)),
			    CFG_REPLAY_WINDOW_MAX));
		p->p_ctx = CTX_TUNNEL;
		return (0);
	}
	p->p_ctx = CTX_TOP;
	return (0);
}

/* Opens "ha {" at the top level (once). */
static int
cfg_ha_open(struct cfg_parser *p, int argc, char **argv)
{
	struct cfg_ha	*ha = &p->p_cfg->cfg_ha;

	if (argc != 2 || strcmp(argv[1], "{") != 0)
		return (cfg_err(p, p->p_line, "malformed block header (write "
		    "\"ha {\")"));
	if (ha->ha_enabled)
		return (cfg_err(p, p->p_line, "ha block is given twice (merge "
		    "it into the one on line %d)", ha->ha_line));
	ha->ha_enabled = 1;
	ha->ha_line = p->p_line;
	ha->ha_peer_port = CFG_HA_PORT_DEFAULT;
	p->p_seen[CTX_HA] = 0;
	p->p_ctx = CTX_HA;
	return (0);
}

static int
cfg_line_run(struct cfg_parser *p, char **argv, int argc)
{
	char	 where[128];
	int	 open_line;

	if (strcmp(argv[0], "}") == 0) {
		if (argc != 1)
			return (cfg_err(p, p->p_line, "\"}\" must be alone on "
			    "its line"));
		return (cfg_block_close(p));
	}
	if (strcmp(argv[0], "gateway") == 0 || strcmp(argv[0], "peer") == 0 ||
	    strcmp(argv[0], "tunnel") == 0) {
		if (p->p_ctx == CTX_TOP)
			return (cfg_block_open(p, argv, argc));
		if (strcmp(argv[argc - 1], "{") == 0) {
			/* Most likely a "}" was forgotten above. */
			cfg_where(p, where, sizeof(where));
			open_line = p->p_ctx == CTX_HA ?
			    p->p_cfg->cfg_ha.ha_line : p->p_ctx >= CTX_IKE ?
			    p->p_sub_line : p->p_block_line;
			return (cfg_err(p, p->p_line, "%s block inside %s (is "
			    "the \"}\" of the block opened on line %d "
			    "missing?)", argv[0], where, open_line));
		}
	}
	if (strcmp(argv[0], "ha") == 0) {
		if (p->p_ctx == CTX_TOP)
			return (cfg_ha_open(p, argc, argv));
		cfg_where(p, where, sizeof(where));
		return (cfg_err(p, p->p_line, "ha block inside %s (the ha "
		    "block is global: put it at the top level; is a \"}\" "
		    "missing above?)", where));
	}
	if (strcmp(argv[0], "ike") == 0 || strcmp(argv[0], "ipsec") == 0) {
		if (p->p_ctx == CTX_TUNNEL)
			return (cfg_sub_open(p, argv, argc));
		if (p->p_ctx == CTX_IKE || p->p_ctx == CTX_IPSEC) {
			cfg_where(p, where, sizeof(where));
			return (cfg_err(p, p->p_line, "%s block inside %s (is "
			    "the \"}\" of the block opened on line %d "
			    "missing?)", argv[0], where, p->p_sub_line));
		}
	}
	return (cfg_key_run(p, argv, argc));
}

/* Splits a line into words; a word starting with '#' starts a comment. */
static int
cfg_split(char *line, char **argv)
{
	char	*s = line;
	int	 argc = 0;

	for (;;) {
		while (*s != '\0' && strchr(" \t\r\v\f", *s) != NULL)
			s++;
		if (*s == '\0' || *s == '#')
			break;
		if (argc == CFG_WORDS_MAX)
			return (argc + 1);	/* too many anyway */
		argv[argc++] = s;
		while (*s != '\0' && strchr(" \t\r\v\f", *s) == NULL)
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
	return (argc);
}

/* --- checks across blocks, after the whole file was read --- */

static struct cfg_gateway *
cfg_gateway_find(struct config *cfg, const char *name)
{
	int	 i;

	for (i = 0; i < cfg->cfg_ngateways; i++)
		if (strcmp(cfg->cfg_gateways[i].gw_name, name) == 0)
			return (&cfg->cfg_gateways[i]);
	return (NULL);
}

static struct cfg_peer *
cfg_peer_find(struct config *cfg, const char *name)
{
	int	 i;

	for (i = 0; i < cfg->cfg_npeers; i++)
		if (strcmp(cfg->cfg_peers[i].pr_name, name) == 0)
			return (&cfg->cfg_peers[i]);
	return (NULL);
}

static void
cfg_id_default(struct cfg_id *id, struct in_addr a)
{
	id->id_type = CFG_ID_IPV4;
	id->id_addr = a;
	inet_ntop(AF_INET, &a, id->id_value, sizeof(id->id_value));
}

/* Names, initiate and the default IDs of tunnel i. */
static int
cfg_tunnel_resolve(struct cfg_parser *p, int i)
{
	struct cfg_tunnel	*t = &p->p_cfg->cfg_tunnels[i];
	struct cfg_tsrc		*src = &p->p_src[i];
	int			 any;

	if ((t->tn_gw = cfg_gateway_find(p->p_cfg, src->tx_gw)) == NULL)
		return (cfg_err(p, src->tx_gw_line, "tunnel \"%s\" uses "
		    "gateway \"%s\", which is not defined (add a \"gateway %s "
		    "{ ... }\" block)", t->tn_name, src->tx_gw, src->tx_gw));
	if ((t->tn_peer = cfg_peer_find(p->p_cfg, src->tx_peer)) == NULL)
		return (cfg_err(p, src->tx_peer_line, "tunnel \"%s\" uses peer "
		    "\"%s\", which is not defined (add a \"peer %s { ... }\" "
		    "block)", t->tn_name, src->tx_peer, src->tx_peer));
	any = t->tn_peer->pr_addr.s_addr == INADDR_ANY;
	if (any && src->tx_initiate_line != 0 && t->tn_initiate)
		return (cfg_err(p, src->tx_initiate_line, "tunnel \"%s\" "
		    "cannot initiate: peer \"%s\" has address 0.0.0.0 (any "
		    "peer), so there is no address to connect to (use "
		    "\"initiate no\")", t->tn_name, t->tn_peer->pr_name));
	if (any && src->tx_initiate_line == 0)
		t->tn_initiate = 0;
	if (t->tn_ike.ike_local_id.id_type == 0)
		cfg_id_default(&t->tn_ike.ike_local_id, t->tn_gw->gw_addr);
	if (t->tn_ike.ike_peer_id.id_type == 0 && !any)
		cfg_id_default(&t->tn_ike.ike_peer_id, t->tn_peer->pr_addr);
	return (0);
}

/*
 * Two tunnels of one gateway must not claim the same traffic: no local
 * segment of one may overlap a local segment of the other while a peer
 * segment overlaps a peer segment too (the kernel's policies would
 * collide).
 */
static int
cfg_tunnel_pair_check(struct cfg_parser *p, const struct cfg_tunnel *a,
    const struct cfg_tunnel *b)
{
	char	 la[32], lb[32], ra[32], rb[32];
	int	 i, j, k, l;

	for (i = 0; i < b->tn_nlocal; i++)
	for (j = 0; j < a->tn_nlocal; j++) {
		if (!ts_prefix_overlap(&b->tn_local[i], &a->tn_local[j]))
			continue;
		for (k = 0; k < b->tn_nremote; k++)
		for (l = 0; l < a->tn_nremote; l++) {
			if (!ts_prefix_overlap(&b->tn_remote[k],
			    &a->tn_remote[l]))
				continue;
			cfg_prefix_str(&b->tn_local[i], lb, sizeof(lb));
			cfg_prefix_str(&a->tn_local[j], la, sizeof(la));
			cfg_prefix_str(&b->tn_remote[k], rb, sizeof(rb));
			cfg_prefix_str(&a->tn_remote[l], ra, sizeof(ra));
			return (cfg_err(p, b->tn_line, "tunnel \"%s\" (local "
			    "segment %s, peer segment %s) overlaps tunnel "
			    "\"%s\" (local segment %s, peer segment %s) on "
			    "gateway \"%s\" (make the segments of the two "
			    "tunnels disjoint)", b->tn_name, lb, rb, a->tn_name,
			    la, ra, b->tn_gw->gw_name));
		}
	}
	return (0);
}

/*
 * IKEv1 Main Mode encrypts the identities with a key derived from the
 * PSK (RFC 2409 §5.4), so a responder must choose the PSK from the
 * peer's address alone; with several any-peer tunnels it cannot.
 */
static int
cfg_tunnel_v1_any(const struct cfg_tunnel *t)
{
	return (t->tn_peer->pr_addr.s_addr == INADDR_ANY &&
	    t->tn_ike.ike_version == 1 && t->tn_ike.ike_mode == CFG_IKE_MAIN);
}

static int
cfg_tunnel_cross_check(struct cfg_parser *p, int i)
{
	struct config		*cfg = p->p_cfg;
	struct cfg_tunnel	*a, *b = &cfg->cfg_tunnels[i];
	int			 j, ngw = 1, npeer = 1;

	for (j = 0; j < i; j++) {
		a = &cfg->cfg_tunnels[j];
		if (a->tn_peer == b->tn_peer)
			npeer++;
		if (a->tn_gw != b->tn_gw)
			continue;
		ngw++;
		if (cfg_tunnel_pair_check(p, a, b) == -1)
			return (-1);
		if (cfg_tunnel_v1_any(a) && cfg_tunnel_v1_any(b) &&
		    (a->tn_psk_len != b->tn_psk_len || CRYPTO_memcmp(a->tn_psk,
		    b->tn_psk, a->tn_psk_len) != 0))
			return (cfg_err(p, b->tn_line, "tunnels \"%s\" and "
			    "\"%s\" on gateway \"%s\" both accept any peer "
			    "(0.0.0.0) with IKEv1 main mode but have different "
			    "PSKs; main mode can only choose the PSK by the "
			    "peer's address (use \"mode aggressive\" or the "
			    "same psk)", a->tn_name, b->tn_name,
			    b->tn_gw->gw_name));
	}
	if (ngw > CFG_MAX_TUNNELS)
		return (cfg_err(p, b->tn_line, "gateway \"%s\" has more than "
		    "%d tunnels (tunnel \"%s\" is one too many)",
		    b->tn_gw->gw_name, CFG_MAX_TUNNELS, b->tn_name));
	if (npeer > CFG_MAX_TUNNELS)
		return (cfg_err(p, b->tn_line, "peer \"%s\" has more than %d "
		    "tunnels (tunnel \"%s\" is one too many)",
		    b->tn_peer->pr_name, CFG_MAX_TUNNELS, b->tn_name));
	return (0);
}

static int
cfg_finish(struct cfg_parser *p)
{
	struct config	*cfg = p->p_cfg;
	int		 i;

	switch (p->p_ctx) {
	case CTX_TOP:
		break;
	case CTX_GATEWAY:
	case CTX_PEER:
	case CTX_TUNNEL:
		return (cfg_err(p, p->p_block_line, "%s \"%s\" is missing its "
		    "closing \"}\" (add \"}\" at the end of the block)",
		    p->p_ctx == CTX_GATEWAY ? "gateway" : p->p_ctx == CTX_PEER ?
		    "peer" : "tunnel", p->p_ctx == CTX_GATEWAY ?
		    cfg_cur_gw(p)->gw_name : p->p_ctx == CTX_PEER ?
		    cfg_cur_peer(p)->pr_name : cfg_cur_tn(p)->tn_name));
	case CTX_HA:
		return (cfg_err(p, p->p_cfg->cfg_ha.ha_line, "ha block is "
		    "missing its closing \"}\" (add \"}\" at the end of the "
		    "block)"));
	case CTX_IKE:
	case CTX_IPSEC:
		return (cfg_err(p, p->p_sub_line, "%s block of tunnel \"%s\" "
		    "is missing its closing \"}\" (add \"}\" at the end of the "
		    "block)", p->p_ctx == CTX_IKE ? "ike" : "ipsec",
		    cfg_cur_tn(p)->tn_name));
	}
	for (i = 0; i < cfg->cfg_ntunnels; i++)
		if (cfg_tunnel_resolve(p, i) == -1)
			return (-1);
	for (i = 0; i < cfg->cfg_ntunnels; i++)
		if (cfg_tunnel_cross_check(p, i) == -1)
			return (-1);
	return (0);
}

/* --- entry points --- */

struct config *
config_parse(const char *name, const char *text, char *err, size_t errlen)
{
	struct cfg_parser	 p;
	struct config		*cfg;
	const char		*s, *nl;
	char			*line = NULL, *argv[CFG_WORDS_MAX];
	size_t			 len;
	int			 argc, rc = -1;

	memset(&p, 0, sizeof(p));
	p.p_name = name;
	p.p_err = err;
	p.p_errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL ||
	    (line = malloc(CFG_LINE_MAX)) == NULL) {
		cfg_err(&p, 0, "out of memory");
		goto done;
	}
	p.p_cfg = cfg;
	snprintf(cfg->cfg_path, sizeof(cfg->cfg_path), "%s", name);
	snprintf(cfg->cfg_ctl_socket, sizeof(cfg->cfg_ctl_socket), "%s",
	    CONFIG_DEFAULT_SOCKET);
	cfg->cfg_log_level = LOG_LVL_INFO;
	cfg->cfg_v1_half_open_max = CFG_V1_HALF_OPEN_MAX;
	cfg->cfg_v1_half_open_per_source = CFG_V1_HALF_OPEN_PER_SRC;
	cfg->cfg_v2_cookie_threshold = CFG_V2_COOKIE_THRESHOLD;
	cfg->cfg_v2_half_open_max = CFG_V2_HALF_OPEN_MAX;
	cfg->cfg_v2_half_open_per_source = CFG_V2_HALF_OPEN_PER_SRC;
	cfg->cfg_initiate_half_open = CFG_INITIATE_HALF_OPEN;
	cfg->cfg_rcvbuf_kb = CFG_RCVBUF_KB;

	for (s = text; *s != '\0'; s = nl == NULL ? s + len : nl + 1) {
		p.p_line++;
		nl = strchr(s, '\n');
		len = nl == NULL ? strlen(s) : (size_t)(nl - s);
		if (len >= CFG_LINE_MAX) {
			cfg_err(&p, p.p_line, "line is too long (at most %d "
			    "characters)", CFG_LINE_MAX - 1);
			goto done;
		}
		memcpy(line, s, len);
		line[len] = '\0';
		argc = cfg_split(line, argv);
		if (argc > CFG_WORDS_MAX) {
			cfg_err(&p, p.p_line, "too many words on this line");
			goto done;
		}
		cfg_secret_note(&p, argv, argc);
		if (argc > 0 && cfg_line_run(&p, argv, argc) == -1)
			goto done;
		p.p_nsecret = 0;
		if (nl == NULL)
			break;
	}
	if (cfg_finish(&p) == -1)
		goto done;
	rc = 0;
done:
	/* The line buffer may have held a PSK. */
	OPENSSL_clear_free(line, CFG_LINE_MAX);
	free(p.p_src);
	if (rc == -1) {
		config_free(cfg);
		cfg = NULL;
	}
	return (cfg);
}

struct config *
config_load(const char *path, char *err, size_t errlen)
{
	struct config	*cfg = NULL;
	FILE		*f;
	char		*text = NULL;
	size_t		 len = 0, n;
	int		 saved;

	if (err == NULL)
		errlen = 0;
	if ((f = fopen(path, "r")) == NULL)
		goto fail;
	if ((text = malloc(CFG_FILE_MAX + 1)) == NULL) {
		fclose(f);
		errno = ENOMEM;
		goto fail;
	}
	while ((n = fread(text + len, 1, CFG_FILE_MAX + 1 - len, f)) > 0) {
		len += n;
		if (len > CFG_FILE_MAX)
			break;
	}
	if (ferror(f)) {
		saved = errno;
		fclose(f);
		errno = saved;
		goto fail;
	}
	fclose(f);
	if (len > CFG_FILE_MAX) {
		snprintf(err, errlen, "%s: file is too large (more than %d "
		    "bytes)", path, CFG_FILE_MAX);
		goto done;
	}
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "%s: contains a NUL byte (is it a text "
		    "file?)", path);
		goto done;
	}
	text[len] = '\0';
	cfg = config_parse(path, text, err, errlen);
	goto done;
fail:
	snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
done:
	/* The text holds the PSKs. */
	if (text != NULL)
		OPENSSL_clear_free(text, CFG_FILE_MAX + 1);
	return (cfg);
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	if (cfg->cfg_tunnels != NULL)
		OPENSSL_clear_free(cfg->cfg_tunnels, cfg->cfg_ntunnels *
		    sizeof(*cfg->cfg_tunnels));
	OPENSSL_cleanse(cfg, sizeof(*cfg));
	free(cfg);
}

/* The most common prefix length of n (ties: the shorter), or 32 when it
 * is below CFG_HASH_BITS_MIN or there is none. */
static int
config_hash_bits_side(const struct config *cfg, int local)
{
	const struct cfg_tunnel	*t;
	int			 count[33] = { 0 }, i, j, n, best = 32;

	for (i = 0; i < cfg->cfg_ntunnels; i++) {
		t = &cfg->cfg_tunnels[i];
		n = local ? t->tn_nlocal : t->tn_nremote;
		for (j = 0; j < n; j++)
			count[local ? t->tn_local[j].pf_plen :
			    t->tn_remote[j].pf_plen]++;
	}
	for (i = 32; i >= 0; i--)
		if (count[i] > 0 && count[i] >= count[best])
			best = i;
	return (best < CFG_HASH_BITS_MIN ? 32 : best);
}

void
config_hash_bits(const struct config *cfg, int *lbits, int *rbits)
{
	*lbits = config_hash_bits_side(cfg, 1);
	*rbits = config_hash_bits_side(cfg, 0);
}

struct cfg_tunnel *
config_tunnel_find(struct config *cfg, const char *name)
{
	int	 i;

	for (i = 0; i < cfg->cfg_ntunnels; i++)
		if (strcmp(cfg->cfg_tunnels[i].tn_name, name) == 0)
			return (&cfg->cfg_tunnels[i]);
	return (NULL);
}
