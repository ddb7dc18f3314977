/*
 * ikev2.h - IKEv2 wire constants (RFC 7296 §3) and the message codec.
 *
 * Decoding is validate-then-parse: ikev2_hdr_parse() checks the fixed
 * header against the datagram, ikev2_pld_parse() walks one payload chain
 * (the cleartext one, or the decrypted contents of SK) checking every
 * length, and fills struct ikev2_msg, whose pointers borrow the packet
 * buffer.  ikev2_rules_check() then applies the per-exchange payload rule
 * table before the state machine sees the message.
 *
 * Encoding appends payloads to a struct buf through struct pld_writer,
 * which patches each previous "next payload" field; ikev2_sk_seal() and
 * ikev2_sk_open() add and remove the SK payload (RFC 7296 §3.14).
 */
#ifndef GW_IKEV2_H
#define GW_IKEV2_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/pld.h"
#include "policy/offer.h"

#define IKEV2_HDR_LEN		28
#define IKEV2_VERSION		0x20
#define IKEV2_MSG_MAX		65535
#define IKEV2_NONCE_MIN		16
#define IKEV2_NONCE_MAX		256
#define IKEV2_NONCE_LEN		32	/* what we send */

/* Exchange types */
#define IKEV2_EXCH_IKE_SA_INIT		34
#define IKEV2_EXCH_IKE_AUTH		35
#define IKEV2_EXCH_CREATE_CHILD_SA	36
#define IKEV2_EXCH_INFORMATIONAL	37

/* Header flags */
#define IKEV2_FLAG_INITIATOR	0x08
#define IKEV2_FLAG_VERSION	0x10
#define IKEV2_FLAG_RESPONSE	0x20

/* Payload types */
#define IKEV2_PLD_NONE		0
#define IKEV2_PLD_SA		33
#define IKEV2_PLD_KE		34
#define IKEV2_PLD_IDI		35
#define IKEV2_PLD_IDR		36
#define IKEV2_PLD_CERT		37
#define IKEV2_PLD_CERTREQ	38
#define IKEV2_PLD_AUTH		39
#define IKEV2_PLD_NONCE		40
#define IKEV2_PLD_NOTIFY	41
#define IKEV2_PLD_DELETE	42
#define IKEV2_PLD_VENDOR	43
#define IKEV2_PLD_TSI		44
#define IKEV2_PLD_TSR		45
#define IKEV2_PLD_SK		46
#define IKEV2_PLD_CP		47
#define IKEV2_PLD_EAP		48

#define IKEV2_CRITICAL		0x80

/* Protocol IDs (proposals, notify, delete) */
#define IKEV2_PROTO_IKE		1
#define IKEV2_PROTO_AH		2
#define IKEV2_PROTO_ESP		3

/* Transform types */
#define IKEV2_XF_ENCR		1
#define IKEV2_XF_PRF		2
#define IKEV2_XF_INTEG		3
#define IKEV2_XF_DH		4
#define IKEV2_XF_ESN		5
#define IKEV2_ATTR_KEYLEN	14	/* TV attribute, AF bit set */
#define IKEV2_ESN_NONE		0
#define IKEV2_ESN_YES		1

/* ID types */
#define IKEV2_ID_IPV4_ADDR	1
#define IKEV2_ID_FQDN		2
#define IKEV2_ID_RFC822_ADDR	3
#define IKEV2_ID_IPV6_ADDR	5
#define IKEV2_ID_KEY_ID		11

/* AUTH methods */
#define IKEV2_AUTH_PSK		2

/* Traffic selector types */
#define IKEV2_TS_IPV4_RANGE	7
#define IKEV2_TS_IPV6_RANGE	8

/* Notify types: errors */
#define IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD	1
#define IKEV2_N_INVALID_IKE_SPI			4
#define IKEV2_N_INVALID_MAJOR_VERSION		5
#define IKEV2_N_INVALID_SYNTAX			7
#define IKEV2_N_INVALID_MESSAGE_ID		9
#define IKEV2_N_INVALID_SPI			11
#define IKEV2_N_NO_PROPOSAL_CHOSEN		14
#define IKEV2_N_INVALID_KE_PAYLOAD		17
#define IKEV2_N_AUTHENTICATION_FAILED		24
#define IKEV2_N_SINGLE_PAIR_REQUIRED		34
#define IKEV2_N_NO_ADDITIONAL_SAS		35
#define IKEV2_N_INTERNAL_ADDRESS_FAILURE	36
#define IKEV2_N_FAILED_CP_REQUIRED		37
#define IKEV2_N_TS_UNACCEPTABLE			38
#define IKEV2_N_INVALID_SELECTORS		39
#define IKEV2_N_TEMPORARY_FAILURE		43
#define IKEV2_N_CHILD_SA_NOT_FOUND		44
#define IKEV2_N_ERROR_MAX			16383
/* Notify types: status */
#define IKEV2_N_INITIAL_CONTACT			16384
#define IKEV2_N_SET_WINDOW_SIZE			16385
#define IKEV2_N_ADDITIONAL_TS_POSSIBLE		16386
#define IKEV2_N_IPCOMP_SUPPORTED		16387
#define IKEV2_N_NAT_DETECTION_SOURCE_IP		16388
#define IKEV2_N_NAT_DETECTION_DESTINATION_IP	16389
#define IKEV2_N_COOKIE				16390
#define IKEV2_N_USE_TRANSPORT_MODE		16391
#define IKEV2_N_REKEY_SA			16393
#define IKEV2_N_ESP_TFC_PADDING_NOT_SUPPORTED	16394
#define IKEV2_N_NON_FIRST_FRAGMENTS_ALSO	16395
#define IKEV2_N_MOBIKE_SUPPORTED		16396
#define IKEV2_N_MULTIPLE_AUTH_SUPPORTED		16404
#define IKEV2_N_REDIRECT_SUPPORTED		16406
#define IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED	16430
#define IKEV2_N_SIGNATURE_HASH_ALGORITHMS	16431

/* Parsing limits: more than this in one message is rejected. */
#define IKEV2_MAX_PROPOSALS	PROP_MAX_PROPOSALS
#define IKEV2_MAX_TRANSFORMS	PROP_MAX_TRANSFORMS	/* per proposal */
#define IKEV2_MAX_TS		TS_MAX	/* per TSi or TSr */
#define IKEV2_MAX_NOTIFY	16
#define IKEV2_MAX_DELETE	8
#define IKEV2_MAX_SPI_LEN	PROP_MAX_SPI_LEN

struct ikev2_hdr {
	uint8_t		 h_spi_i[8];
	uint8_t		 h_spi_r[8];
	uint8_t		 h_next;
	uint8_t		 h_version;
	uint8_t		 h_exchange;
	uint8_t		 h_flags;
	uint32_t	 h_msgid;
	uint32_t	 h_length;
};

struct ikev2_notify {
	uint8_t		 n_proto;
	uint8_t		 n_spi_len;
	uint8_t		 n_spi[IKEV2_MAX_SPI_LEN];
	uint16_t	 n_type;
	const uint8_t	*n_data;	/* borrowed */
	size_t		 n_len;
};

struct ikev2_delete {
	uint8_t		 d_proto;
	uint8_t		 d_spi_len;
	uint16_t	 d_nspi;
	const uint8_t	*d_spis;	/* borrowed, d_nspi * d_spi_len bytes */
};

struct ikev2_id {
	uint8_t		 id_type;
	const uint8_t	*id_data;	/* borrowed: identification data */
	size_t		 id_len;
	/* The whole payload body after the generic header (type, 3 reserved
	 * bytes, data): what RFC 7296 §2.15 signs as RestOfInitIDPayload. */
	const uint8_t	*id_body;
	size_t		 id_body_len;
};

/*
 * One parsed message.  m_count[type] counts payloads of each type seen
 * (outside and, after the second ikev2_pld_parse(), inside SK).  Only the
 * first of each singleton payload is kept; notifies and deletes are kept
 * up to the limits above.
 */
struct ikev2_msg {
	struct ikev2_hdr m_hdr;
	uint8_t		 m_count[256];
	uint8_t		 m_in_sk[256];	/* count of each type found inside SK */
	uint8_t		 m_unsupported_critical; /* first unknown critical
						    payload type, 0 if none */
	struct prop_offer	 m_sa;
	uint16_t	 m_ke_group;
	const uint8_t	*m_ke_data;
	size_t		 m_ke_len;
	const uint8_t	*m_nonce;
	size_t		 m_nonce_len;
	struct ikev2_id	 m_idi;
	struct ikev2_id	 m_idr;
	uint8_t		 m_auth_method;
	const uint8_t	*m_auth_data;
	size_t		 m_auth_len;
	struct ts_list m_tsi;
	struct ts_list m_tsr;
	int		 m_nnotify;
	struct ikev2_notify m_notify[IKEV2_MAX_NOTIFY];
	int		 m_ndelete;
	struct ikev2_delete m_delete[IKEV2_MAX_DELETE];
	/* SK payload (outer parse): the payload body = IV | C | ICV, the
	 * first inner payload type, and the offset of SK's generic header
	 * in the datagram (the ICV covers everything before the ICV). */
	uint8_t		 m_sk_next;
	const uint8_t	*m_sk_body;
	size_t		 m_sk_len;
	size_t		 m_sk_offset;
};

/* --- decoding (ikev2_pld.c) --- */

/*
 * Checks and parses the header of a datagram (after any non-ESP marker).
 * Fails if len < 28, the major version is not 2, or h_length != len.
 */
int	ikev2_hdr_parse(const uint8_t *pkt, size_t len, struct ikev2_hdr *h);
/*
 * Parses the payload chain starting with type first over data[0..len),
 * into m.  inside_sk: the chain is the decrypted SK contents (an SK
 * payload there is an error).  Every length is checked, trailing bytes
 * after the last payload are rejected, unknown non-critical payloads are
 * skipped, an unknown critical one is recorded in m_unsupported_critical.
 * Returns 0 or -1 (malformed; a debug log says why).
 */
int	ikev2_pld_parse(uint8_t first, const uint8_t *data, size_t len,
	    int inside_sk, struct ikev2_msg *m);
/* Parses a whole datagram's header and cleartext chain (m is zeroed). */
int	ikev2_msg_parse(const uint8_t *pkt, size_t len, struct ikev2_msg *m);
/*
 * The rule table: checks payload presence, counts and whether each is
 * inside SK, for this exchange and direction, after SK was opened.
 * Returns 0 or -1 (a debug log names the rule broken).
 */
int	ikev2_rules_check(const struct ikev2_msg *m);
/* Finds the first notify of a type, or NULL. */
const struct ikev2_notify *ikev2_msg_notify(const struct ikev2_msg *m,
	    uint16_t type);
/* "SA KE No N(NATD_S_IP) ..." style payload list for debug logs. */
void	ikev2_msg_describe(const struct ikev2_msg *m, char *out, size_t len);
const char *ikev2_exchange_name(uint8_t exchange);
const char *ikev2_notify_name(uint16_t type);

/* --- encoding (ikev2_pld.c) --- */

/* Appends the 28-byte header (h_length and h_next patched later). */
int	ikev2_hdr_write(struct buf *b, const struct ikev2_hdr *h,
	    struct pld_writer *w);
/* Starts a chain in a separate buffer (the future SK contents): the first
 * payload's type goes into w_first (w_next_off = SIZE_MAX). */
void	ikev2_writer_init(struct pld_writer *w, struct buf *b);
/* Sets the total length field of a message in b. */
void	ikev2_hdr_set_length(struct buf *b);

int	ikev2_add_sa(struct pld_writer *w, const struct prop_offer *sa);
int	ikev2_add_ke(struct pld_writer *w, uint16_t group,
	    const uint8_t *data, size_t len);
int	ikev2_add_nonce(struct pld_writer *w, const uint8_t *n, size_t len);
/* type IKEV2_PLD_IDI or _IDR. */
int	ikev2_add_id(struct pld_writer *w, uint8_t pld, uint8_t id_type,
	    const uint8_t *data, size_t len);
int	ikev2_add_auth(struct pld_writer *w, uint8_t method,
	    const uint8_t *data, size_t len);
/* pld IKEV2_PLD_TSI or _TSR. */
int	ikev2_add_ts(struct pld_writer *w, uint8_t pld,
	    const struct ts_list *ts);
int	ikev2_add_notify(struct pld_writer *w, uint8_t proto,
	    const uint8_t *spi, uint8_t spi_len, uint16_t type,
	    const uint8_t *data, size_t len);
int	ikev2_add_delete(struct pld_writer *w, uint8_t proto,
	    uint8_t spi_len, uint16_t nspi, const uint8_t *spis);
int	ikev2_add_vendor(struct pld_writer *w, const uint8_t *vid,
	    size_t len);

/* --- SK payload (ikev2_sk.c), RFC 7296 §3.14 --- */

struct ikev2_sk_keys {
	int		 sk_encr;	/* ENCR_* */
	int		 sk_integ;	/* AUTH_*; none with an AEAD */
	const uint8_t	*sk_ekey;	/* this direction's encryption key
					   (AEAD: key | salt) */
	size_t		 sk_ekey_len;
	const uint8_t	*sk_akey;	/* integrity key for this direction */
};

/*
 * Completes a message: b holds the header (from ikev2_hdr_write with
 * w_next_off pointing at the header's next-payload byte) and nothing
 * else; inner holds the cleartext payload chain whose first type is
 * first.  Appends SK { IV | E(inner | pad | padlen) | ICV } with a random
 * IV, fixes the header's next payload and length, computes the ICV.
 */
int	ikev2_sk_seal(struct buf *b, struct pld_writer *w, uint8_t first,
	    const struct buf *inner, const struct ikev2_sk_keys *k);
/*
 * Verifies the ICV (constant time) over pkt[0..len) as parsed into m
 * (m_sk_*), decrypts into out (owned by the caller, reset first), and
 * strips the padding.  The caller then runs
 * ikev2_pld_parse(m->m_sk_next, out->buf_data, out->buf_len, 1, m).
 * Returns 0, -1 (bad ICV or padding) or -2 (an SK payload that does not
 * end the datagram, is shorter than IV, one block and ICV, or holds a
 * partial block).
 */
int	ikev2_sk_open(const uint8_t *pkt, size_t len, const struct ikev2_msg *m,
	    const struct ikev2_sk_keys *k, struct buf *out);

#endif
