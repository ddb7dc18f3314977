/*
 * ikeload.c - an IKEv2 load generator for tests/bench/handshake.sh: N
 * full PSK setups against one responder, W of them in flight.  Each
 * setup is IKE_SA_INIT, IKE_AUTH with one CHILD SA, then an
 * INFORMATIONAL DELETE of the IKE SA so that the responder frees it
 * (RFC 7296 §1.2, §1.4.1); with -K the IKE SAs are kept instead, to
 * measure a responder that holds N of them.  A setup counts only if
 * the responder's AUTH verifies with the PSK and its CHILD SA answer is
 * well formed.
 *
 * It reuses gatewayd's codec (ike/ikev2_pld.c, ike/ikev2_sk.c,
 * ike/ikev2_rules.c) and crypto (crypto/), not the engine.  Slot i
 * sends from its own source address (base + i), so that a responder's
 * per-source limits see one half-open SA per address.
 *
 * Our own DH key pairs are made before the clock starts (one per
 * setup): the generator then does one DH operation per setup and the
 * responder two, so that the responder is the one measured.
 *
 * With -N the generator claims to be behind a NAT (RFC 7296 §2.23): its
 * NAT_DETECTION_SOURCE_IP matches no address, so that the responder
 * encapsulates the CHILD SA's ESP in UDP.  charon's kernel-libipsec
 * supports nothing else; the handshake.sh runs use it for both daemons,
 * so that both do the same work.
 *
 * Output: one line "ok=N fail=N cookies=N wall=SECONDS rate=SETUPS/S".
 *
 * With -D nothing is sent: it times, on the CPU it runs on, the DH work
 * a responder does per setup through gatewayd's crypto/dh.c (a key pair
 * of the group, then the shared secret with a peer's public value),
 * N times, and prints "dh_us=MICROSECONDS" (process CPU time per
 * setup), the cost handshake.sh compares the responders' CPU with.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/socket.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/pld.h"
#include "crypto/crypto.h"
#include "ike/ikev2.h"

#define LOAD_PRF	PRF_HMAC_SHA2_256
#define LOAD_INTEG	AUTH_HMAC_SHA2_256_128
#define LOAD_ENCR	ENCR_AES_CBC
#define LOAD_KEYBITS	128
#define LOAD_RETX_MS	2000	/* retransmission interval */
#define LOAD_TRIES	4	/* sends of one request before failing */
#define LOAD_WMAX	250
#define LOAD_KEYPAD	"Key Pad for IKEv2"

enum slot_state {
	SLOT_IDLE,
	SLOT_INIT,	/* IKE_SA_INIT request sent */
	SLOT_AUTH,	/* IKE_AUTH request sent */
	SLOT_DEL	/* INFORMATIONAL { D } sent */
};

/* The exchange of the request in flight in each state. */
static const uint8_t load_exchange[] = {
	[SLOT_INIT] = IKEV2_EXCH_IKE_SA_INIT,
	[SLOT_AUTH] = IKEV2_EXCH_IKE_AUTH,
	[SLOT_DEL] = IKEV2_EXCH_INFORMATIONAL,
};

struct slot {
	int		 sl_fd;
	struct in_addr	 sl_src;
	enum slot_state	 sl_state;
	unsigned	 sl_setup;	/* number of the setup in the slot */
	uint8_t		 sl_spi_i[8];
	uint8_t		 sl_spi_r[8];
	uint32_t	 sl_msgid;
	struct dh	*sl_dh;
	uint8_t		 sl_ni[IKEV2_NONCE_LEN];
	uint8_t		 sl_nr[IKEV2_NONCE_MAX];
	size_t		 sl_nr_len;
	struct buf	*sl_cookie;	/* N(COOKIE) data, or NULL */
	struct buf	*sl_msg1;	/* RealMessage1 (RFC 7296 §2.15) */
	struct buf	*sl_msg2;	/* RealMessage2 */
	struct buf	*sl_req;	/* the request in flight */
	struct ikev2_keys sl_keys;
	uint64_t	 sl_sent_ms;
	int		 sl_tries;
};

struct load {
	struct sockaddr_in ld_dst;
	int		 ld_group;
	const char	*ld_psk;
	int		 ld_n;		/* setups to run */
	int		 ld_w;		/* in flight */
	int		 ld_started, ld_ok, ld_fail, ld_cookies;
	struct dh	**ld_pool;	/* key pairs made before the clock */
	int		 ld_npool;
	struct slot	 ld_slot[LOAD_WMAX];
	int		 ld_verbose;
	int		 ld_fake_nat;	/* -N */
	int		 ld_keep;	/* -K: no DELETE, the SAs stay */
	int		 ld_dh_only;	/* -D: time the DH work, send nothing */
	unsigned	 ld_first;	/* -o: number of the first setup */
};

static uint64_t
load_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void
load_slot_clear(struct slot *s)
{
	dh_free(s->sl_dh);
	s->sl_dh = NULL;
	buf_free(s->sl_cookie);
	buf_free(s->sl_msg1);
	buf_free(s->sl_msg2);
	buf_free(s->sl_req);
	s->sl_cookie = s->sl_msg1 = s->sl_msg2 = s->sl_req = NULL;
	ikev2_keys_clear(&s->sl_keys);
	s->sl_state = SLOT_IDLE;
}

static void
load_fail(struct load *ld, struct slot *s, const char *why)
{
	char	 src[INET_ADDRSTRLEN];

	if (ld->ld_verbose || ld->ld_fail < 5) {
		inet_ntop(AF_INET, &s->sl_src, src, sizeof(src));
		fprintf(stderr, "ikeload: setup from %s failed: %s\n", src,
		    why);
	}
	ld->ld_fail++;
	load_slot_clear(s);
}

static int
load_send(struct slot *s, struct load *ld)
{
	s->sl_sent_ms = load_now_ms();
	s->sl_tries++;
	if (sendto(s->sl_fd, s->sl_req->buf_data, s->sl_req->buf_len, 0,
	    (struct sockaddr *)&ld->ld_dst, sizeof(ld->ld_dst)) == -1 &&
	    errno != EAGAIN) {
		fprintf(stderr, "ikeload: sendto: %s\n", strerror(errno));
		return (-1);
	}
	return (0);
}

/* The IKE proposal: aes128-sha256-<group>, one transform of each type. */
static void
load_ike_offer(struct prop_offer *o, int group)
{
	struct prop_proposal	*p = &o->sa_prop[0];

	memset(o, 0, sizeof(*o));
	o->sa_nprop = 1;
	p->prop_num = 1;
	p->prop_proto = PROP_PROTO_IKE;
	p->prop_ntr = 4;
	p->prop_tr[0] = (struct prop_transform){ PROP_XF_ENCR, LOAD_ENCR,
	    LOAD_KEYBITS, 0 };
	p->prop_tr[1] = (struct prop_transform){ PROP_XF_PRF, LOAD_PRF, 0,
	    0 };
	p->prop_tr[2] = (struct prop_transform){ PROP_XF_INTEG, LOAD_INTEG,
	    0, 0 };
	p->prop_tr[3] = (struct prop_transform){ PROP_XF_DH,
	    (uint16_t)group, 0, 0 };
}

/* The CHILD SA's proposal: ESP aes128-sha256, no ESN, a random SPI. */
static int
load_esp_offer(struct prop_offer *o)
{
	struct prop_proposal	*p = &o->sa_prop[0];

	memset(o, 0, sizeof(*o));
	o->sa_nprop = 1;
	p->prop_num = 1;
	p->prop_proto = PROP_PROTO_ESP;
	p->prop_spi_len = 4;
	if (RAND_bytes(p->prop_spi, 4) != 1)
		return (-1);
	p->prop_ntr = 3;
	p->prop_tr[0] = (struct prop_transform){ PROP_XF_ENCR, LOAD_ENCR,
	    LOAD_KEYBITS, 0 };
	p->prop_tr[1] = (struct prop_transform){ PROP_XF_INTEG, LOAD_INTEG,
	    0, 0 };
	p->prop_tr[2] = (struct prop_transform){ PROP_XF_ESN, PROP_ESN_NONE,
	    0, 0 };
	return (0);
}

/*
 * N(NAT_DETECTION_SOURCE_IP) with a hash of nothing (random bytes), and
 * the true N(NAT_DETECTION_DESTINATION_IP):
 * SHA-1(SPIi | SPIr | IP | port), SPIr zero (RFC 7296 §2.23).
 */
static int
load_natd_add(const struct load *ld, const struct slot *s,
    struct pld_writer *w)
{
	uint8_t		 in[8 + 8 + 4 + 2], src[20], dst[20];
	unsigned int	 len = sizeof(dst);

	memcpy(in, s->sl_spi_i, 8);
	memset(in + 8, 0, 8);
	memcpy(in + 16, &ld->ld_dst.sin_addr, 4);
	memcpy(in + 20, &ld->ld_dst.sin_port, 2);
	if (RAND_bytes(src, sizeof(src)) != 1 ||
	    EVP_Digest(in, sizeof(in), dst, &len, EVP_sha1(), NULL) != 1)
		return (-1);
	if (ikev2_add_notify(w, 0, NULL, 0, IKEV2_N_NAT_DETECTION_SOURCE_IP,
	    src, sizeof(src)) == -1 ||
	    ikev2_add_notify(w, 0, NULL, 0,
	    IKEV2_N_NAT_DETECTION_DESTINATION_IP, dst, sizeof(dst)) == -1)
		return (-1);
	return (0);
}

/* IKE_SA_INIT { [N(COOKIE)], SA, KE, Ni, [N(NATD_S), N(NATD_D)] } -->
 * (RFC 7296 §1.2, §2.6, §2.23) */
static int
load_init_build(struct load *ld, struct slot *s)
{
	struct ikev2_hdr	 h;
	struct pld_writer	 w;
	struct prop_offer	 o;
	struct buf		*b, *pub;
	int			 rc = -1;

	memset(&h, 0, sizeof(h));
	memcpy(h.h_spi_i, s->sl_spi_i, 8);
	h.h_exchange = IKEV2_EXCH_IKE_SA_INIT;
	h.h_flags = IKEV2_FLAG_INITIATOR;
	load_ike_offer(&o, ld->ld_group);
	if ((b = buf_new(512)) == NULL || (pub = buf_new(256)) == NULL) {
		buf_free(b);
		return (-1);
	}
	if (dh_public_get(s->sl_dh, pub) == -1 ||
	    ikev2_hdr_write(b, &h, &w) == -1)
		goto done;
	if (s->sl_cookie != NULL && ikev2_add_notify(&w, 0, NULL, 0,
	    IKEV2_N_COOKIE, s->sl_cookie->buf_data,
	    s->sl_cookie->buf_len) == -1)
		goto done;
	if (ikev2_add_sa(&w, &o) == -1 ||
	    ikev2_add_ke(&w, (uint16_t)ld->ld_group, pub->buf_data,
	    pub->buf_len) == -1 ||
	    ikev2_add_nonce(&w, s->sl_ni, sizeof(s->sl_ni)) == -1)
		goto done;
	if (ld->ld_fake_nat && load_natd_add(ld, s, &w) == -1)
		goto done;
	ikev2_hdr_set_length(b);
	buf_free(s->sl_req);
	buf_free(s->sl_msg1);
	s->sl_req = b;
	s->sl_msg1 = buf_dup(b);
	b = NULL;
	rc = s->sl_msg1 != NULL ? 0 : -1;
done:
	buf_free(b);
	buf_free(pub);
	return (rc);
}

static int
load_start(struct load *ld, struct slot *s)
{
	load_slot_clear(s);
	if (ld->ld_started < ld->ld_npool) {
		s->sl_dh = ld->ld_pool[ld->ld_started];
		ld->ld_pool[ld->ld_started] = NULL;
	} else
		s->sl_dh = dh_new(ld->ld_group);
	s->sl_setup = ld->ld_first + (unsigned)ld->ld_started++;
	if (s->sl_dh == NULL ||
	    RAND_bytes(s->sl_spi_i, 8) != 1 ||
	    RAND_bytes(s->sl_ni, sizeof(s->sl_ni)) != 1) {
		load_fail(ld, s, "no key pair or random bytes");
		return (0);
	}
	memset(s->sl_spi_r, 0, 8);
	s->sl_msgid = 0;
	s->sl_tries = 0;
	if (load_init_build(ld, s) == -1) {
		load_fail(ld, s, "cannot build IKE_SA_INIT");
		return (0);
	}
	s->sl_state = SLOT_INIT;
	return (load_send(s, ld));
}

static void
load_sk_keys(const struct slot *s, int outbound, struct ikev2_sk_keys *k)
{
	k->sk_encr = LOAD_ENCR;
	k->sk_integ = LOAD_INTEG;
	k->sk_ekey = outbound ? s->sl_keys.k_ei : s->sl_keys.k_er;
	k->sk_ekey_len = s->sl_keys.k_e_len;
	k->sk_akey = outbound ? s->sl_keys.k_ai : s->sl_keys.k_ar;
}

/*
 * AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>)
 * SignedOctets = RealMessage | Nonce of the other side |
 *     prf(SK_px, RestOfIDPayload)                         (RFC 7296 §2.15)
 */
static int
load_auth_psk(const struct load *ld, const struct slot *s, int initiator,
    const uint8_t *idbody, size_t idlen, uint8_t *out)
{
	uint8_t			 macid[CRYPTO_MAX_HASH];
	uint8_t			 key[CRYPTO_MAX_HASH];
	const struct buf	*msg = initiator ? s->sl_msg1 : s->sl_msg2;
	struct prf_piece	 pc[3];
	size_t			 plen = prf_len(LOAD_PRF);
	int			 rc = -1;

	if (prf_compute(LOAD_PRF, initiator ? s->sl_keys.k_pi :
	    s->sl_keys.k_pr, s->sl_keys.k_p_len, idbody, idlen, macid) == -1 ||
	    prf_compute(LOAD_PRF, (const uint8_t *)ld->ld_psk,
	    strlen(ld->ld_psk), (const uint8_t *)LOAD_KEYPAD,
	    strlen(LOAD_KEYPAD), key) == -1)
		goto done;
	pc[0] = (struct prf_piece){ msg->buf_data, msg->buf_len };
	if (initiator)
		pc[1] = (struct prf_piece){ s->sl_nr, s->sl_nr_len };
	else
		pc[1] = (struct prf_piece){ s->sl_ni, sizeof(s->sl_ni) };
	pc[2] = (struct prf_piece){ macid, plen };
	rc = prf_compute_v(LOAD_PRF, key, plen, pc, 3, out);
done:
	explicit_bzero(key, sizeof(key));
	return (rc);
}

/* An encrypted request: header, then SK { inner } (RFC 7296 §3.14). */
static int
load_sk_request(struct slot *s, uint8_t exchange, const struct buf *inner,
    uint8_t first)
{
	struct ikev2_hdr	 h;
	struct ikev2_sk_keys	 k;
	struct pld_writer	 w;
	struct buf		*b;

	memset(&h, 0, sizeof(h));
	memcpy(h.h_spi_i, s->sl_spi_i, 8);
	memcpy(h.h_spi_r, s->sl_spi_r, 8);
	h.h_exchange = exchange;
	h.h_flags = IKEV2_FLAG_INITIATOR;
	h.h_msgid = s->sl_msgid;
	load_sk_keys(s, 1, &k);
	if ((b = buf_new(inner->buf_len + 128)) == NULL)
		return (-1);
	if (ikev2_hdr_write(b, &h, &w) == -1 ||
	    ikev2_sk_seal(b, &w, first, inner, &k) == -1) {
		buf_free(b);
		return (-1);
	}
	buf_free(s->sl_req);
	s->sl_req = b;
	s->sl_tries = 0;
	return (0);
}

/* IKE_AUTH { SK { IDi, AUTH, SAi2, TSi, TSr } } --> (RFC 7296 §1.2) */
static int
load_auth_build(const struct load *ld, struct slot *s)
{
	uint8_t			 idbody[4 + 32], auth[CRYPTO_MAX_HASH];
	struct prop_offer	 o;
	struct ts_list		 tsi, tsr;
	struct pld_writer	 w;
	struct buf		*in;
	size_t			 idlen;
	int			 rc = -1;

	/*
	 * IDi: an FQDN of its own per setup, so that no two IKE SAs have the
	 * same identity (a responder replaces an SA when the same identity
	 * authenticates again); -o numbers a second run's setups after the
	 * first's, so that with -K both runs' SAs stay.  RestOfInitIDPayload = type | 3 | data.
	 */
	memset(idbody, 0, sizeof(idbody));
	idbody[0] = IKEV2_ID_FQDN;
	idlen = 4 + (size_t)snprintf((char *)idbody + 4, sizeof(idbody) - 4,
	    "s%u.ikeload", s->sl_setup);
	memset(&tsi, 0, sizeof(tsi));
	memset(&tsr, 0, sizeof(tsr));
	tsi.tsl_n = tsr.tsl_n = 1;
	tsi.tsl_ts[0] = (struct ts_range){ TS_IPV4_RANGE, 0, 0, 65535,
	    { htonl(0x0a010000) }, { htonl(0x0a01ffff) } };
	tsr.tsl_ts[0] = (struct ts_range){ TS_IPV4_RANGE, 0, 0, 65535,
	    { htonl(0x0a020000) }, { htonl(0x0a02ffff) } };
	if (load_esp_offer(&o) == -1 ||
	    load_auth_psk(ld, s, 1, idbody, idlen, auth) == -1 ||
	    (in = buf_new(512)) == NULL)
		return (-1);
	ikev2_writer_init(&w, in);
	if (ikev2_add_id(&w, IKEV2_PLD_IDI, IKEV2_ID_FQDN, idbody + 4,
	    idlen - 4) == -1 ||
	    ikev2_add_auth(&w, IKEV2_AUTH_PSK, auth, prf_len(LOAD_PRF)) ==
	    -1 || ikev2_add_sa(&w, &o) == -1 ||
	    ikev2_add_ts(&w, IKEV2_PLD_TSI, &tsi) == -1 ||
	    ikev2_add_ts(&w, IKEV2_PLD_TSR, &tsr) == -1)
		goto done;
	s->sl_msgid = 1;
	rc = load_sk_request(s, IKEV2_EXCH_IKE_AUTH, in, w.w_first);
done:
	buf_free(in);
	return (rc);
}

/* INFORMATIONAL { SK { D(IKE) } } --> (RFC 7296 §1.4.1) */
static int
load_delete_build(struct slot *s)
{
	struct pld_writer	 w;
	struct buf		*in;
	int			 rc = -1;

	if ((in = buf_new(64)) == NULL)
		return (-1);
	ikev2_writer_init(&w, in);
	if (ikev2_add_delete(&w, IKEV2_PROTO_IKE, 0, 0, NULL) == 0) {
		s->sl_msgid = 2;
		rc = load_sk_request(s, IKEV2_EXCH_INFORMATIONAL, in,
		    w.w_first);
	}
	buf_free(in);
	return (rc);
}

/* The first error notify of a response, or 0. */
static uint16_t
load_error_notify(const struct ikev2_msg *m)
{
	int	 i;

	for (i = 0; i < m->m_nnotify; i++)
		if (m->m_notify[i].n_type <= IKEV2_N_ERROR_MAX)
			return (m->m_notify[i].n_type);
	return (0);
}

/* <-- IKE_SA_INIT { SA, KE, Nr } or { N(COOKIE) } */
static int
load_init_recv(struct load *ld, struct slot *s, const uint8_t *pkt,
    size_t len, struct ikev2_msg *m)
{
	const struct ikev2_notify	*n;
	struct buf			*gir = NULL;
	uint8_t				 skeyseed[CRYPTO_MAX_HASH];
	char				 why[96];
	int				 rc = -1;

	if ((n = ikev2_msg_notify(m, IKEV2_N_COOKIE)) != NULL) {
		/* RFC 7296 §2.6: the same request again, cookie first */
		ld->ld_cookies++;
		buf_free(s->sl_cookie);
		if ((s->sl_cookie = buf_new_data(n->n_data, n->n_len)) ==
		    NULL || load_init_build(ld, s) == -1)
			return (-1);
		s->sl_tries = 0;
		return (load_send(s, ld));
	}
	if (load_error_notify(m) != 0) {
		snprintf(why, sizeof(why), "IKE_SA_INIT answered %s",
		    ikev2_notify_name(load_error_notify(m)));
		load_fail(ld, s, why);
		return (0);
	}
	if (ikev2_rules_check(m) == -1 || m->m_ke_group != ld->ld_group ||
	    m->m_nonce_len > sizeof(s->sl_nr)) {
		load_fail(ld, s, "malformed IKE_SA_INIT response");
		return (0);
	}
	memcpy(s->sl_spi_r, m->m_hdr.h_spi_r, 8);
	memcpy(s->sl_nr, m->m_nonce, m->m_nonce_len);
	s->sl_nr_len = m->m_nonce_len;
	if ((s->sl_msg2 = buf_new_data(pkt, len)) == NULL)
		return (-1);
	/* SKEYSEED = prf(Ni | Nr, g^ir) */
	if ((gir = dh_derive(s->sl_dh, m->m_ke_data, m->m_ke_len)) == NULL ||
	    ikev2_skeyseed(LOAD_PRF, s->sl_ni, sizeof(s->sl_ni), s->sl_nr,
	    s->sl_nr_len, gir->buf_data, gir->buf_len, skeyseed) == -1 ||
	    ikev2_keys_derive(LOAD_PRF, LOAD_INTEG, LOAD_ENCR, LOAD_KEYBITS,
	    skeyseed, s->sl_ni, sizeof(s->sl_ni), s->sl_nr, s->sl_nr_len,
	    s->sl_spi_i, s->sl_spi_r, &s->sl_keys) == -1) {
		load_fail(ld, s, "bad KE or key derivation failed");
		rc = 0;
		goto done;
	}
	if (load_auth_build(ld, s) == -1) {
		load_fail(ld, s, "cannot build IKE_AUTH");
		rc = 0;
		goto done;
	}
	s->sl_state = SLOT_AUTH;
	rc = load_send(s, ld);
done:
	explicit_bzero(skeyseed, sizeof(skeyseed));
	if (gir != NULL)
		explicit_bzero(gir->buf_data, gir->buf_len);
	buf_free(gir);
	return (rc);
}

/* <-- IKE_AUTH { SK { IDr, AUTH, SAr2, TSi, TSr } }: AUTH checked */
static int
load_auth_recv(struct load *ld, struct slot *s, const struct ikev2_msg *m)
{
	uint8_t	 want[CRYPTO_MAX_HASH];
	size_t	 plen = prf_len(LOAD_PRF);
	char	 why[96];

	if (load_error_notify(m) != 0) {
		snprintf(why, sizeof(why), "IKE_AUTH answered %s",
		    ikev2_notify_name(load_error_notify(m)));
		load_fail(ld, s, why);
		return (0);
	}
	if (m->m_count[IKEV2_PLD_IDR] == 0 || m->m_count[IKEV2_PLD_AUTH] == 0 ||
	    m->m_auth_method != IKEV2_AUTH_PSK || m->m_auth_len != plen) {
		load_fail(ld, s, "IKE_AUTH response without PSK AUTH");
		return (0);
	}
	if (load_auth_psk(ld, s, 0, m->m_idr.id_body, m->m_idr.id_body_len,
	    want) == -1 || CRYPTO_memcmp(want, m->m_auth_data, plen) != 0) {
		load_fail(ld, s, "the responder's AUTH does not verify");
		return (0);
	}
	if (m->m_count[IKEV2_PLD_SA] == 0 || m->m_sa.sa_nprop != 1 ||
	    m->m_sa.sa_prop[0].prop_proto != PROP_PROTO_ESP ||
	    m->m_sa.sa_prop[0].prop_spi_len != 4 || m->m_tsi.tsl_n == 0 ||
	    m->m_tsr.tsl_n == 0) {
		load_fail(ld, s, "IKE_AUTH response without a CHILD SA");
		return (0);
	}
	if (ld->ld_keep) {
		ld->ld_ok++;
		load_slot_clear(s);
		return (0);
	}
	if (load_delete_build(s) == -1) {
		load_fail(ld, s, "cannot build the DELETE");
		return (0);
	}
	s->sl_state = SLOT_DEL;
	return (load_send(s, ld));
}

/* One datagram on slot s: a response to our request, or ignored. */
static int
load_recv(struct load *ld, struct slot *s, const uint8_t *pkt, size_t len)
{
	static struct ikev2_msg	 m;
	struct ikev2_sk_keys	 k;
	struct buf		*plain = NULL;
	int			 rc = 0;

	if (s->sl_state == SLOT_IDLE || ikev2_msg_parse(pkt, len, &m) == -1 ||
	    !(m.m_hdr.h_flags & IKEV2_FLAG_RESPONSE) ||
	    m.m_hdr.h_exchange != load_exchange[s->sl_state] ||
	    memcmp(m.m_hdr.h_spi_i, s->sl_spi_i, 8) != 0 ||
	    m.m_hdr.h_msgid != s->sl_msgid)
		return (0);	/* not for this setup, or a stray request */
	if (s->sl_state == SLOT_INIT)
		return (load_init_recv(ld, s, pkt, len, &m));
	if (m.m_count[IKEV2_PLD_SK] == 0 ||
	    memcmp(m.m_hdr.h_spi_r, s->sl_spi_r, 8) != 0)
		return (0);
	load_sk_keys(s, 0, &k);
	if ((plain = buf_new(len)) == NULL)
		return (-1);
	if (ikev2_sk_open(pkt, len, &m, &k, plain) != 0 ||
	    ikev2_pld_parse(m.m_sk_next, plain->buf_data, plain->buf_len, 1,
	    &m) == -1) {
		load_fail(ld, s, "undecryptable or malformed response");
		goto done;
	}
	if (s->sl_state == SLOT_AUTH)
		rc = load_auth_recv(ld, s, &m);
	else {
		/* <-- INFORMATIONAL { SK {} }: the IKE SA is gone */
		ld->ld_ok++;
		load_slot_clear(s);
	}
done:
	buf_free(plain);
	return (rc);
}

static int
load_slots_open(struct load *ld, struct in_addr base)
{
	struct sockaddr_in	 sin;
	int			 i;

	for (i = 0; i < ld->ld_w; i++) {
		struct slot	*s = &ld->ld_slot[i];

		s->sl_src.s_addr = htonl(ntohl(base.s_addr) + (uint32_t)i);
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr = s->sl_src;
		if ((s->sl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK,
		    0)) == -1 || bind(s->sl_fd, (struct sockaddr *)&sin,
		    sizeof(sin)) == -1) {
			fprintf(stderr, "ikeload: source %s: %s\n",
			    inet_ntoa(s->sl_src), strerror(errno));
			return (-1);
		}
	}
	return (0);
}

/* Retransmissions, and failures of setups that ran out of them. */
static int
load_timers(struct load *ld)
{
	uint64_t	 now = load_now_ms();
	int		 i;

	for (i = 0; i < ld->ld_w; i++) {
		struct slot	*s = &ld->ld_slot[i];

		if (s->sl_state == SLOT_IDLE ||
		    now - s->sl_sent_ms < LOAD_RETX_MS)
			continue;
		if (s->sl_tries >= LOAD_TRIES)
			load_fail(ld, s, "no response");
		else if (load_send(s, ld) == -1)
			return (-1);
	}
	return (0);
}

static int
load_run(struct load *ld)
{
	static uint8_t	 pkt[IKEV2_MSG_MAX];
	struct pollfd	 pfd[LOAD_WMAX];
	ssize_t		 n;
	int		 i;

	for (i = 0; i < ld->ld_w; i++)
		pfd[i] = (struct pollfd){ ld->ld_slot[i].sl_fd, POLLIN, 0 };
	while (ld->ld_ok + ld->ld_fail < ld->ld_n) {
		for (i = 0; i < ld->ld_w && ld->ld_started < ld->ld_n; i++)
			if (ld->ld_slot[i].sl_state == SLOT_IDLE &&
			    load_start(ld, &ld->ld_slot[i]) == -1)
				return (-1);
		if (poll(pfd, (nfds_t)ld->ld_w, 100) == -1 && errno != EINTR)
			return (-1);
		for (i = 0; i < ld->ld_w; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			while ((n = recv(pfd[i].fd, pkt, sizeof(pkt), 0)) > 0)
				if (load_recv(ld, &ld->ld_slot[i], pkt,
				    (size_t)n) == -1)
					return (-1);
		}
		if (load_timers(ld) == -1)
			return (-1);
	}
	return (0);
}

static void
load_usage(void)
{
	fprintf(stderr, "usage: ikeload [-KNv] [-g GROUP] [-n SETUPS] "
	    "[-w WINDOW] [-o FIRST] [-s SRC-BASE] [-t DST[:PORT]] -k PSK\n"
	    "       ikeload -D [-g GROUP] [-n SETUPS]\n"
	    "  -D  send nothing: time a responder's DH work per setup (key "
	    "pair + secret)\n"
	    "  -g  DH group number: 2, 14, 19 ... (default 14)\n"
	    "  -n  setups (default 200); -w in flight (default 32, at "
	    "most %d)\n"
	    "  -K  keep the SAs (no DELETE): the responder ends with N of "
	    "them\n"
	    "  -o  number of the first setup (its identity s<N>.ikeload), "
	    "default 0\n"
	    "  -N  claim to be behind a NAT (the responder then uses UDP "
	    "encapsulation)\n"
	    "  -s  first source address (default 127.0.1.1), one per slot\n"
	    "  -t  responder (default 127.0.0.1:500)\n", LOAD_WMAX);
}

static int
load_args(struct load *ld, int argc, char *argv[], struct in_addr *base)
{
	char	*p;
	int	 ch;

	ld->ld_group = DH_MODP_2048;
	ld->ld_n = 200;
	ld->ld_w = 32;
	inet_pton(AF_INET, "127.0.1.1", base);
	ld->ld_dst.sin_family = AF_INET;
	ld->ld_dst.sin_port = htons(500);
	inet_pton(AF_INET, "127.0.0.1", &ld->ld_dst.sin_addr);
	while ((ch = getopt(argc, argv, "Dg:Kk:Nn:o:s:t:vw:")) != -1) {
		switch (ch) {
		case 'D':
			ld->ld_dh_only = 1;
			break;
		case 'g':
			ld->ld_group = atoi(optarg);
			break;
		case 'k':
			ld->ld_psk = optarg;
			break;
		case 'K':
			ld->ld_keep = 1;
			break;
		case 'N':
			ld->ld_fake_nat = 1;
			break;
		case 'n':
			ld->ld_n = atoi(optarg);
			break;
		case 'o':
			ld->ld_first = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 's':
			if (inet_pton(AF_INET, optarg, base) != 1)
				return (-1);
			break;
		case 't':
			if ((p = strchr(optarg, ':')) != NULL) {
				*p++ = '\0';
				ld->ld_dst.sin_port = htons((uint16_t)atoi(p));
			}
			if (inet_pton(AF_INET, optarg,
			    &ld->ld_dst.sin_addr) != 1)
				return (-1);
			break;
		case 'v':
			ld->ld_verbose = 1;
			break;
		case 'w':
			ld->ld_w = atoi(optarg);
			break;
		default:
			return (-1);
		}
	}
	if ((ld->ld_psk == NULL && !ld->ld_dh_only) || ld->ld_n < 1 ||
	    ld->ld_w < 1 ||
	    ld->ld_w > LOAD_WMAX || dh_group_len(ld->ld_group) == 0)
		return (-1);
	return (0);
}

static double
load_cpu_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ((double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3);
}

/*
 * -D: the responder's DH work per setup, N times: dh_new (its key pair)
 * and dh_derive with one peer public value made beforehand.
 */
static int
load_dh_cost(const struct load *ld)
{
	struct dh	*peer, *dh;
	struct buf	*pub, *secret;
	double		 c0, c1;
	int		 i;

	if ((peer = dh_new(ld->ld_group)) == NULL ||
	    (pub = buf_new(dh_group_len(ld->ld_group))) == NULL ||
	    dh_public_get(peer, pub) == -1)
		return (-1);
	c0 = load_cpu_us();
	for (i = 0; i < ld->ld_n; i++) {
		if ((dh = dh_new(ld->ld_group)) == NULL ||
		    (secret = dh_derive(dh, pub->buf_data, pub->buf_len)) ==
		    NULL) {
			dh_free(dh);
			return (-1);
		}
		buf_free(secret);
		dh_free(dh);
	}
	c1 = load_cpu_us();
	printf("dh_us=%.1f\n", (c1 - c0) / ld->ld_n);
	buf_free(pub);
	dh_free(peer);
	return (0);
}

int
main(int argc, char *argv[])
{
	static struct load	 ld;
	struct in_addr		 base;
	uint64_t		 t0, t1;
	double			 wall;
	int			 i;

	if (load_args(&ld, argc, argv, &base) == -1) {
		load_usage();
		return (2);
	}
	log_init(0, ld.ld_verbose ? LOG_LVL_DEBUG : LOG_LVL_WARN);
	if (ld.ld_dh_only) {
		if (load_dh_cost(&ld) == -1) {
			fprintf(stderr, "ikeload: DH of group %d failed\n",
			    ld.ld_group);
			return (1);
		}
		return (0);
	}
	if (load_slots_open(&ld, base) == -1)
		return (1);
	/* our key pairs, before the clock starts */
	if ((ld.ld_pool = calloc((size_t)ld.ld_n, sizeof(*ld.ld_pool))) ==
	    NULL)
		return (1);
	for (i = 0; i < ld.ld_n; i++)
		if ((ld.ld_pool[i] = dh_new(ld.ld_group)) == NULL)
			break;
	ld.ld_npool = i;
	t0 = load_now_ms();
	if (load_run(&ld) == -1) {
		fprintf(stderr, "ikeload: %s\n", strerror(errno));
		return (1);
	}
	t1 = load_now_ms();
	wall = (double)(t1 - t0) / 1000.0;
	printf("ok=%d fail=%d cookies=%d wall=%.3f rate=%.1f\n", ld.ld_ok,
	    ld.ld_fail, ld.ld_cookies, wall, wall > 0 ? ld.ld_ok / wall : 0.0);
	for (i = 0; i < ld.ld_w; i++) {
		load_slot_clear(&ld.ld_slot[i]);
		close(ld.ld_slot[i].sl_fd);
	}
	for (i = 0; i < ld.ld_npool; i++)
		dh_free(ld.ld_pool[i]);
	free(ld.ld_pool);
	return (ld.ld_fail == 0 ? 0 : 1);
}
