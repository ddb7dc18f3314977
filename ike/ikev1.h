/*
 * ikev1.h - IKEv1 / ISAKMP wire constants (RFC 2408, RFC 2409, the IPsec
 * DOI RFC 2407, NAT-T RFC 3947, DPD RFC 3706) and the message codec.
 *
 * Decoding mirrors ikev2.h: ikev1_hdr_parse() checks the fixed header
 * against the datagram, ikev1_pld_parse() walks one payload chain (the
 * cleartext body, or the decrypted body of an E-flagged message) checking
 * every length, and fills struct ikev1_msg, whose pointers borrow the
 * buffer the chain was parsed from.  A received datagram is parsed once:
 * ikev1_recv() parses the header (and a cleartext chain), every layer
 * below reads that struct ikev1_msg, and ikev1_msg_open() only decrypts
 * and parses the decrypted chain into it.
 *
 * Encryption (RFC 2409 §5.3, Appendix B): everything after the 28-byte
 * header is CBC-encrypted; the caller keeps the IV state (the last
 * ciphertext block of the previous message in the same exchange).
 *
 * Encoding appends payloads to a struct buf through struct pld_writer,
 * which patches each previous "next payload" field.
 */
#ifndef GW_IKEV1_H
#define GW_IKEV1_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/pld.h"

#define IKEV1_HDR_LEN		28
#define IKEV1_VERSION		0x10	/* major 1, minor 0 */
#define IKEV1_COOKIE_LEN	8
#define IKEV1_MSG_MAX		65535
#define IKEV1_NONCE_MIN		8	/* RFC 2409 §5: 8 to 256 bytes */
#define IKEV1_NONCE_MAX		256
#define IKEV1_NONCE_LEN		32	/* what we send */

/* Exchange types (RFC 2408 §3.1, RFC 2409 §5.5) */
#define IKEV1_EXCH_NONE		0
#define IKEV1_EXCH_BASE		1
#define IKEV1_EXCH_MAIN		2	/* Identity Protection */
#define IKEV1_EXCH_AUTH_ONLY	3
#define IKEV1_EXCH_AGGRESSIVE	4
#define IKEV1_EXCH_INFORMATIONAL 5
#define IKEV1_EXCH_QUICK	32
#define IKEV1_EXCH_NEW_GROUP	33

/* Header flags (RFC 2408 §3.1) */
#define IKEV1_FLAG_ENC		0x01
#define IKEV1_FLAG_COMMIT	0x02
#define IKEV1_FLAG_AUTH_ONLY	0x04

/* Payload types (RFC 2408 §3.1, RFC 3947 §3.2 and §5.2) */
#define IKEV1_PLD_NONE		0
#define IKEV1_PLD_SA		1
#define IKEV1_PLD_P		2	/* only inside SA */
#define IKEV1_PLD_T		3	/* only inside P */
#define IKEV1_PLD_KE		4
#define IKEV1_PLD_ID		5
#define IKEV1_PLD_CERT		6
#define IKEV1_PLD_CR		7
#define IKEV1_PLD_HASH		8
#define IKEV1_PLD_SIG		9
#define IKEV1_PLD_NONCE		10
#define IKEV1_PLD_N		11
#define IKEV1_PLD_D		12
#define IKEV1_PLD_VID		13
#define IKEV1_PLD_ATTR		14	/* mode config / XAUTH (draft) */
#define IKEV1_PLD_NATD		20
#define IKEV1_PLD_NATOA		21
#define IKEV1_PLD_NATD_DRAFT	130	/* draft-ietf-ipsec-nat-t-ike-02/03 */
#define IKEV1_PLD_NATOA_DRAFT	131

/* Domain of interpretation and situation (RFC 2407 §4.2, §4.6.1) */
#define IKEV1_DOI_ISAKMP	0
#define IKEV1_DOI_IPSEC		1
#define IKEV1_SIT_IDENTITY_ONLY	1

/* Protocol IDs (RFC 2407 §4.4.1) */
#define IKEV1_PROTO_ISAKMP	1
#define IKEV1_PROTO_AH		2
#define IKEV1_PROTO_ESP		3
#define IKEV1_PROTO_IPCOMP	4

/* Transform IDs (RFC 2407 §4.4.2 - §4.4.4, RFC 3602, RFC 4868,
 * RFC 4106 §8.1) */
#define IKEV1_KEY_IKE		1	/* ISAKMP */
#define IKEV1_AH_MD5		2
#define IKEV1_AH_SHA		3
#define IKEV1_AH_SHA2_256	5
#define IKEV1_AH_SHA2_384	6
#define IKEV1_AH_SHA2_512	7
#define IKEV1_ESP_3DES		3
#define IKEV1_ESP_NULL		11
#define IKEV1_ESP_AES		12
#define IKEV1_ESP_AES_GCM_8	18	/* with a Key Length attribute, */
#define IKEV1_ESP_AES_GCM_12	19	/* no Authentication Algorithm */
#define IKEV1_ESP_AES_GCM_16	20

/* Phase 1 attribute classes (RFC 2409 Appendix A) */
#define IKEV1_ATTR_ENCR		1
#define IKEV1_ATTR_HASH		2
#define IKEV1_ATTR_AUTH		3
#define IKEV1_ATTR_GROUP	4
#define IKEV1_ATTR_GROUP_TYPE	5
#define IKEV1_ATTR_LIFE_TYPE	11
#define IKEV1_ATTR_LIFE_DUR	12
#define IKEV1_ATTR_PRF		13
#define IKEV1_ATTR_KEYLEN	14
/* Encryption algorithm values */
#define IKEV1_ENCR_DES		1
#define IKEV1_ENCR_3DES		5
#define IKEV1_ENCR_AES		7	/* RFC 3602 §5.1 */
/* Hash algorithm values */
#define IKEV1_HASH_MD5		1
#define IKEV1_HASH_SHA		2
#define IKEV1_HASH_SHA2_256	4	/* RFC 4868 §2.1 */
#define IKEV1_HASH_SHA2_384	5
#define IKEV1_HASH_SHA2_512	6
/* Authentication method values */
#define IKEV1_AUTH_PSK		1
#define IKEV1_AUTH_DSS		2
#define IKEV1_AUTH_RSA_SIG	3
/* Life type values (phase 1 and phase 2) */
#define IKEV1_LIFE_SECONDS	1
#define IKEV1_LIFE_KILOBYTES	2

/* Phase 2 (IPsec DOI) attribute classes (RFC 2407 §4.5) */
#define IKEV1_P2_LIFE_TYPE	1
#define IKEV1_P2_LIFE_DUR	2
#define IKEV1_P2_GROUP		3
#define IKEV1_P2_ENCAP		4
#define IKEV1_P2_AUTH_ALG	5
#define IKEV1_P2_KEYLEN		6
#define IKEV1_P2_KEY_ROUNDS	7
#define IKEV1_P2_ESN		11	/* RFC 4304 §2: Extended (64-bit)
					   Sequence Number, basic */
#define IKEV1_ESN_64		1	/* its only value: 64-bit numbers;
					   absent: 32-bit */
/* Encapsulation mode values (RFC 2407 §4.5, RFC 3947 §5.1) */
#define IKEV1_ENCAP_TUNNEL	1
#define IKEV1_ENCAP_TRANSPORT	2
#define IKEV1_ENCAP_UDP_TUNNEL	3
#define IKEV1_ENCAP_UDP_TRANSPORT 4
#define IKEV1_ENCAP_UDP_TUNNEL_DRAFT	61443
#define IKEV1_ENCAP_UDP_TRANSPORT_DRAFT	61444
/* Authentication algorithm values (RFC 2407 §4.5, RFC 4868 §2.1) */
#define IKEV1_AUTH_HMAC_MD5	1
#define IKEV1_AUTH_HMAC_SHA	2
#define IKEV1_AUTH_HMAC_SHA2_256 5
#define IKEV1_AUTH_HMAC_SHA2_384 6
#define IKEV1_AUTH_HMAC_SHA2_512 7

/* ID types (RFC 2407 §4.6.2.1) */
#define IKEV1_ID_IPV4_ADDR	1
#define IKEV1_ID_FQDN		2
#define IKEV1_ID_USER_FQDN	3
#define IKEV1_ID_IPV4_ADDR_SUBNET 4
#define IKEV1_ID_IPV6_ADDR	5
#define IKEV1_ID_IPV6_ADDR_SUBNET 6
#define IKEV1_ID_IPV4_ADDR_RANGE 7
#define IKEV1_ID_IPV6_ADDR_RANGE 8
#define IKEV1_ID_DER_ASN1_DN	9
#define IKEV1_ID_KEY_ID		11

/* Notify message types: errors (RFC 2408 §3.14.1) */
#define IKEV1_N_INVALID_PAYLOAD_TYPE	1
#define IKEV1_N_DOI_NOT_SUPPORTED	2
#define IKEV1_N_SITUATION_NOT_SUPPORTED	3
#define IKEV1_N_INVALID_COOKIE		4
#define IKEV1_N_INVALID_MAJOR_VERSION	5
#define IKEV1_N_INVALID_MINOR_VERSION	6
#define IKEV1_N_INVALID_EXCHANGE_TYPE	7
#define IKEV1_N_INVALID_FLAGS		8
#define IKEV1_N_INVALID_MESSAGE_ID	9
#define IKEV1_N_INVALID_PROTOCOL_ID	10
#define IKEV1_N_INVALID_SPI		11
#define IKEV1_N_INVALID_TRANSFORM_ID	12
#define IKEV1_N_ATTRIBUTES_NOT_SUPPORTED 13
#define IKEV1_N_NO_PROPOSAL_CHOSEN	14
#define IKEV1_N_BAD_PROPOSAL_SYNTAX	15
#define IKEV1_N_PAYLOAD_MALFORMED	16
#define IKEV1_N_INVALID_KEY_INFORMATION	17
#define IKEV1_N_INVALID_ID_INFORMATION	18
#define IKEV1_N_INVALID_CERT_ENCODING	19
#define IKEV1_N_INVALID_CERTIFICATE	20
#define IKEV1_N_CERT_TYPE_UNSUPPORTED	21
#define IKEV1_N_INVALID_CERT_AUTHORITY	22
#define IKEV1_N_INVALID_HASH_INFORMATION 23
#define IKEV1_N_AUTHENTICATION_FAILED	24
#define IKEV1_N_INVALID_SIGNATURE	25
#define IKEV1_N_ADDRESS_NOTIFICATION	26
#define IKEV1_N_NOTIFY_SA_LIFETIME	27
#define IKEV1_N_CERTIFICATE_UNAVAILABLE	28
#define IKEV1_N_UNSUPPORTED_EXCHANGE_TYPE 29
#define IKEV1_N_UNEQUAL_PAYLOAD_LENGTHS	30
#define IKEV1_N_ERROR_MAX		8191
/* Notify message types: status (RFC 2408 §3.14.1, RFC 2407 §4.6.3,
 * RFC 3706 §5.3) */
#define IKEV1_N_CONNECTED		16384
#define IKEV1_N_RESPONDER_LIFETIME	24576
#define IKEV1_N_REPLAY_STATUS		24577
#define IKEV1_N_INITIAL_CONTACT		24578
#define IKEV1_N_R_U_THERE		36136
#define IKEV1_N_R_U_THERE_ACK		36137

/* Vendor IDs (ikev1_pld.c) */
#define IKEV1_VID_LEN		16
extern const uint8_t ikev1_vid_dpd[IKEV1_VID_LEN];	/* RFC 3706 §5.1 */
extern const uint8_t ikev1_vid_natt_rfc3947[IKEV1_VID_LEN]; /* RFC 3947 §3.1 */
extern const uint8_t ikev1_vid_natt_draft02[IKEV1_VID_LEN];
extern const uint8_t ikev1_vid_natt_draft02n[IKEV1_VID_LEN]; /* "-02\n" */
extern const uint8_t ikev1_vid_natt_draft03[IKEV1_VID_LEN];
extern const uint8_t ikev1_vid_cisco_unity[IKEV1_VID_LEN]; /* first 14 match */

enum ikev1_vid_kind {
	IKEV1_VID_UNKNOWN = 0,
	IKEV1_VID_DPD,
	IKEV1_VID_NATT_RFC3947,
	IKEV1_VID_NATT_DRAFT_02,	/* both "-02" and "-02\n" */
	IKEV1_VID_NATT_DRAFT_03,
	IKEV1_VID_CISCO_UNITY
};

/* Parsing limits: more than this in one message is rejected. */
#define IKEV1_MAX_PROPOSALS	16
#define IKEV1_MAX_TRANSFORMS	32	/* per proposal */
#define IKEV1_MAX_SPI_LEN	16	/* ISAKMP SPI = both cookies */
#define IKEV1_MAX_ID		2	/* IDii/IDir, or IDci and IDcr */
#define IKEV1_MAX_NOTIFY	16
#define IKEV1_MAX_DELETE	8
#define IKEV1_MAX_VID		16
#define IKEV1_MAX_NATD		4
#define IKEV1_MAX_NATOA		2
#define IKEV1_MAX_PAYLOADS	64	/* payloads in one chain */

struct ikev1_hdr {
	uint8_t		 h_icookie[IKEV1_COOKIE_LEN];
	uint8_t		 h_rcookie[IKEV1_COOKIE_LEN];
	uint8_t		 h_next;
	uint8_t		 h_version;
	uint8_t		 h_exchange;
	uint8_t		 h_flags;
	uint32_t	 h_msgid;
	uint32_t	 h_length;
};

/*
 * One transform with its attributes decoded.  Which fields apply depends
 * on the proposal's protocol: ISAKMP proposals carry phase 1 attributes
 * (RFC 2409 Appendix A), AH/ESP proposals phase 2 ones (RFC 2407 §4.5).
 * 0 means "attribute absent".  Life durations may come as TV or as TLV of
 * any length the payload holds: seconds saturate at UINT32_MAX,
 * kilobytes at UINT64_MAX.
 */
struct ikev1_transform {
	uint8_t		 tr_num;
	uint8_t		 tr_id;		/* KEY_IKE, ESP_*, AH_* */
	/* phase 1 */
	uint16_t	 tr_encr;	/* IKEV1_ENCR_* */
	uint16_t	 tr_hash;	/* IKEV1_HASH_* */
	uint16_t	 tr_auth;	/* IKEV1_AUTH_PSK, ... */
	/* both: phase 1 group description, phase 2 PFS group */
	uint16_t	 tr_group;
	/* phase 2 */
	uint16_t	 tr_encap;	/* IKEV1_ENCAP_* */
	uint16_t	 tr_auth_alg;	/* IKEV1_AUTH_HMAC_* */
	/* both */
	uint16_t	 tr_keylen;	/* bits */
	uint32_t	 tr_life_secs;
	uint64_t	 tr_life_kbytes;
	/* first attribute class not understood (0 none): the engine must
	 * not select a transform it does not fully understand */
	uint16_t	 tr_unknown_attr;
	uint16_t	 tr_esn;	/* phase 2: IKEV1_ESN_64, 0 = absent */
};

struct ikev1_proposal {
	uint8_t		 prop_num;
	uint8_t		 prop_proto;	/* IKEV1_PROTO_* */
	uint8_t		 prop_spi_len;
	uint8_t		 prop_spi[IKEV1_MAX_SPI_LEN];
	int		 prop_ntr;
	struct ikev1_transform prop_tr[IKEV1_MAX_TRANSFORMS];
};

struct ikev1_sa {
	uint32_t	 sa_doi;
	uint32_t	 sa_situation;
	int		 sa_nprop;
	struct ikev1_proposal sa_prop[IKEV1_MAX_PROPOSALS];
	/* The payload body after the generic header (DOI, situation,
	 * proposals): SAi_b in HASH_I/HASH_R (RFC 2409 §5).  Borrowed. */
	const uint8_t	*sa_body;
	size_t		 sa_body_len;
};

/* ID payload (RFC 2407 §4.6.2). */
struct ikev1_id {
	uint8_t		 id_type;	/* IKEV1_ID_* */
	uint8_t		 id_proto;	/* IP protocol, 0 = any */
	uint16_t	 id_port;	/* 0 = any */
	const uint8_t	*id_data;	/* borrowed: identification data */
	size_t		 id_len;
	/* IPV4_ADDR: addr; IPV4_ADDR_SUBNET: addr + mask; IPV4_ADDR_RANGE:
	 * addr (start) + addr2 (end).  Network byte order. */
	struct in_addr	 id_addr;
	struct in_addr	 id_addr2;
	/* The whole payload body after the generic header: IDii_b/IDir_b
	 * in HASH_I/HASH_R (RFC 2409 §5).  Borrowed. */
	const uint8_t	*id_body;
	size_t		 id_body_len;
};

/* Notification payload (RFC 2408 §3.14). */
struct ikev1_notify {
	uint32_t	 n_doi;
	uint8_t		 n_proto;
	uint8_t		 n_spi_len;
	uint8_t		 n_spi[IKEV1_MAX_SPI_LEN];
	uint16_t	 n_type;
	const uint8_t	*n_data;	/* borrowed */
	size_t		 n_len;
};

/* Delete payload (RFC 2408 §3.15). */
struct ikev1_delete {
	uint32_t	 d_doi;
	uint8_t		 d_proto;
	uint8_t		 d_spi_len;
	uint16_t	 d_nspi;
	const uint8_t	*d_spis;	/* borrowed, d_nspi * d_spi_len bytes */
};

struct ikev1_vendor {
	enum ikev1_vid_kind v_kind;
	const uint8_t	*v_data;	/* borrowed */
	size_t		 v_len;
};

struct ikev1_blob {
	const uint8_t	*b_data;	/* borrowed */
	size_t		 b_len;
};

/* NAT-OA (RFC 3947 §5.2): ID type, 3 reserved, address. */
struct ikev1_natoa {
	uint8_t		 oa_type;	/* IKEV1_ID_IPV4_ADDR or _IPV6_ADDR */
	const uint8_t	*oa_addr;	/* borrowed, 4 or 16 bytes */
	size_t		 oa_len;
};

/*
 * One parsed message.  m_count[type] counts payloads of each type seen;
 * m_order lists the chain's payload types in order (the first
 * IKEV1_MAX_PAYLOADS).  Only the first SA, KE, NONCE and HASH are kept;
 * IDs, notifies, deletes, vendor IDs, NAT-D and NAT-OA up to the limits
 * above (more is an error).
 */
struct ikev1_msg {
	struct ikev1_hdr m_hdr;
	uint8_t		 m_count[256];
	int		 m_npld;
	uint8_t		 m_order[IKEV1_MAX_PAYLOADS];
	struct ikev1_sa	 m_sa;
	const uint8_t	*m_ke;		/* KE data (RFC 2408 §3.7) */
	size_t		 m_ke_len;
	const uint8_t	*m_nonce;
	size_t		 m_nonce_len;
	int		 m_nid;
	struct ikev1_id	 m_id[IKEV1_MAX_ID];	/* [0] IDii/IDci, [1] IDcr */
	const uint8_t	*m_hash;	/* HASH data */
	size_t		 m_hash_len;
	/* Quick Mode HASH(1)/(2) and informational HASH cover the rest of
	 * the chain after the HASH payload (RFC 2409 §5.5, §5.7), without
	 * the padding: m_after_hash[0..m_after_hash_len).  NULL if the
	 * message has no HASH. */
	const uint8_t	*m_after_hash;
	size_t		 m_after_hash_len;
	size_t		 m_after_hash_off;	/* offset in the chain */
	const uint8_t	*m_sig;		/* SIG data */
	size_t		 m_sig_len;
	int		 m_nnotify;
	struct ikev1_notify m_notify[IKEV1_MAX_NOTIFY];
	int		 m_ndelete;
	struct ikev1_delete m_delete[IKEV1_MAX_DELETE];
	int		 m_nvid;
	struct ikev1_vendor m_vid[IKEV1_MAX_VID];
	int		 m_nnatd;
	struct ikev1_blob m_natd[IKEV1_MAX_NATD];	/* hash data */
	int		 m_nnatoa;
	struct ikev1_natoa m_natoa[IKEV1_MAX_NATOA];
	/* Bytes of the chain used by payloads; for a decrypted chain the
	 * rest (m_pad_len bytes) was padding. */
	size_t		 m_chain_len;
	size_t		 m_pad_len;
};

/* --- decoding (ikev1_pld.c) --- */

/*
 * How many headers and payload chains the decoder has parsed since start,
 * one count per ikev1_hdr_parse() / ikev1_pld_parse() call: the tests
 * check with it that a received datagram is parsed once.  The engine is
 * single-threaded; nothing else reads it.
 */
struct ikev1_parse_stats {
	uint64_t	 ps_hdr;
	uint64_t	 ps_pld;
};
extern struct ikev1_parse_stats	ikev1_parse_stats;

/*
 * Checks and parses the header of a datagram (after any non-ESP marker).
 * Fails if len < 28, the major version is not 1, or h_length != len.
 * (RFC 2409 §5.3 says nothing of trailing bytes: we are strict.)
 */
int	ikev1_hdr_parse(const uint8_t *pkt, size_t len, struct ikev1_hdr *h);
/*
 * Parses the payload chain starting with type first over data[0..len)
 * into m (which is not zeroed: set m_hdr and clear it first, as
 * ikev1_msg_parse() does).  decrypted: the chain is the decrypted body of
 * an encrypted message, so bytes after the last payload are padding
 * (RFC 2409 §5.3: any value, at most 255 bytes); otherwise trailing bytes
 * are an error.  Every length is checked.  Unknown payload types are an
 * error (ISAKMP has no critical bit: RFC 2408 §5.2 INVALID-PAYLOAD-TYPE).
 * Returns 0 or -1 (malformed; a debug log says why).
 */
int	ikev1_pld_parse(uint8_t first, const uint8_t *data, size_t len,
	    int decrypted, struct ikev1_msg *m);
/*
 * Parses a whole datagram (m is zeroed first): the header, then, unless
 * the E flag is set, the cleartext chain.  With the E flag only the
 * header is parsed; then ikev1_msg_open() decrypts and parses the body.
 */
int	ikev1_msg_parse(const uint8_t *pkt, size_t len, struct ikev1_msg *m);
/* Zeroes everything of m but its header (m_hdr). */
void	ikev1_msg_body_clear(struct ikev1_msg *m);
/* Classifies a vendor ID payload's data. */
enum ikev1_vid_kind ikev1_vid_classify(const uint8_t *vid, size_t len);
/* Finds the first notify of a type, or NULL. */
const struct ikev1_notify *ikev1_msg_notify(const struct ikev1_msg *m,
	    uint16_t type);
/* Whether m carries a vendor ID of this kind. */
int	ikev1_msg_has_vid(const struct ikev1_msg *m, enum ikev1_vid_kind k);
/* "HASH SA No KE ID ID" style payload list for debug logs. */
void	ikev1_msg_describe(const struct ikev1_msg *m, char *out, size_t len);
const char *ikev1_exchange_name(uint8_t exchange);
const char *ikev1_notify_name(uint16_t type);

/* --- encryption (ikev1_crypt.c), RFC 2409 §5.3 and Appendix B --- */

/*
 * Decrypts the body of the E-flagged message pkt[0..len) (header already
 * checked) into out (reset first; owned by the caller).  encr is ENCR_*
 * (crypto.h); iv holds encr_block_len(encr) bytes: on entry the IV for
 * this message, on success the message's last ciphertext block (the IV
 * of the next message of the exchange).  The body must be a non-empty
 * multiple of the block size.  Returns 0 or -1; iv is unchanged on -1.
 */
int	ikev1_decrypt(int encr, const uint8_t *key, size_t klen,
	    uint8_t *iv, const uint8_t *pkt, size_t len, struct buf *out);
/*
 * Encrypts in place the message in b (header from ikev1_hdr_write() then
 * a cleartext chain): pads the body with zero bytes to a multiple of the
 * block size, sets the E flag and the length, encrypts after the header.
 * iv as for ikev1_decrypt (in: this message's IV, out: its last block).
 */
int	ikev1_encrypt(int encr, const uint8_t *key, size_t klen,
	    uint8_t *iv, struct buf *b);
/*
 * The body of m, whose header ikev1_msg_parse() took from pkt[0..len):
 * if the E flag is set, decrypts it into out (reset first) and parses the
 * decrypted chain into m (its payload part cleared first), so m's
 * payloads borrow out: keep out alive while m is used.  The header is not
 * parsed again.  A cleartext m was parsed whole already: 0, m and out
 * untouched.  iv as for ikev1_decrypt(), and unchanged on -1 (a dropped
 * message does not advance the IV chain); on -1 m keeps its header only.
 */
int	ikev1_msg_open(struct ikev1_msg *m, const uint8_t *pkt, size_t len,
	    int encr, const uint8_t *key, size_t klen, uint8_t *iv,
	    struct buf *out);

/* --- encoding (ikev1_pld.c) --- */

/* Appends the 28-byte header (h_next and h_length patched later). */
int	ikev1_hdr_write(struct buf *b, const struct ikev1_hdr *h,
	    struct pld_writer *w);
/* Sets the total length field of the message in b. */
void	ikev1_hdr_set_length(struct buf *b);

/* Small descriptions of what we propose, turned into a struct ikev1_sa. */
struct ikev1_p1_params {
	uint16_t	 p1_encr;	/* IKEV1_ENCR_* */
	uint16_t	 p1_keylen;	/* bits, 0 = none (3DES) */
	uint16_t	 p1_hash;	/* IKEV1_HASH_* */
	uint16_t	 p1_auth;	/* IKEV1_AUTH_PSK */
	uint16_t	 p1_group;	/* DH group number */
	uint32_t	 p1_life_secs;	/* 0 = not sent */
};
struct ikev1_p2_params {
	uint8_t		 p2_proto;	/* IKEV1_PROTO_ESP or _AH */
	uint8_t		 p2_id;		/* IKEV1_ESP_* / IKEV1_AH_* */
	uint32_t	 p2_spi;	/* our inbound SPI, host order */
	uint16_t	 p2_keylen;	/* bits, 0 = none */
	uint16_t	 p2_auth_alg;	/* IKEV1_AUTH_HMAC_* */
	uint16_t	 p2_group;	/* PFS group, 0 = no PFS */
	uint16_t	 p2_encap;	/* IKEV1_ENCAP_* */
	uint32_t	 p2_life_secs;	/* 0 = not sent */
	uint64_t	 p2_life_kbytes; /* 0 = not sent */
	uint16_t	 p2_esn;	/* IKEV1_ESN_64, 0 = not sent */
};
/*
 * Life attributes (RFC 2407 §4.5: life type, then duration; the data of
 * a RESPONDER-LIFETIME notify, §4.6.3.1): the seconds and kilobytes
 * found (0 absent; every length checked, durations of any length, a
 * duration without its type refused).  Other attributes are skipped.
 * 0, or -1 if malformed.
 */
int	ikev1_life_attrs_parse(const uint8_t *p, size_t len, uint32_t *secs,
	    uint64_t *kbytes);
/* Appends life type + duration attributes for secs and kbytes (0: not
 * written), as a transform carries them.  0 or -1. */
int	ikev1_life_attrs_write(struct buf *b, uint32_t secs, uint64_t kbytes);
/*
 * Fills sa (zeroed first) with DOI IPSEC, SIT_IDENTITY_ONLY and one
 * proposal (number 1) holding n transforms numbered 1..n.  Phase 1: proto
 * ISAKMP, no SPI, transform ID KEY_IKE.  Phase 2: all params must share
 * proto and SPI.  Returns 0, or -1 if n is out of 1..IKEV1_MAX_TRANSFORMS.
 */
int	ikev1_sa_p1_build(struct ikev1_sa *sa, const struct ikev1_p1_params *p,
	    int n);
int	ikev1_sa_p2_build(struct ikev1_sa *sa, const struct ikev1_p2_params *p,
	    int n);
/* Appends to sa (built above) one more phase 2 proposal, numbered
 * sa_nprop + 1, of n transforms as ikev1_sa_p2_build: a Quick Mode offer
 * of several suites (RFC 2408 §4.2: distinct numbers are alternatives).
 * 0, or -1 (n out of range, or IKEV1_MAX_PROPOSALS reached). */
int	ikev1_sa_p2_add(struct ikev1_sa *sa, const struct ikev1_p2_params *p,
	    int n);

struct prop_offer;
/*
 * sa (received, or built above) as a struct prop_offer (policy/offer.h,
 * zeroed first) for gatewayctl doctor's table and logs, never to select
 * from: each IKEv1 proposal one proposal whose transforms are the
 * distinct algorithms of its transforms (encryption with key length,
 * hash or authentication algorithm as integrity, group as DH; phase 2
 * also "no PFS" and ESN), as IKEv2 transform IDs.  A value IKEv2 has no
 * number for keeps its IKEv1 one (tr_v1), and so do the phase 1
 * authentication method and the phase 2 encapsulation mode (types
 * PROP_XF_V1_AUTH and PROP_XF_V1_ENCAP, absent as 0); lifetimes are not
 * carried.  0, or -1 if not all fitted a proposal's PROP_MAX_TRANSFORMS
 * (what fitted is kept).
 */
int	ikev1_sa_offer(const struct ikev1_sa *sa, struct prop_offer *out);

/*
 * SA payload: the proposals and transforms of sa with their non-zero
 * attribute fields (phase 1 or phase 2 set by each proposal's protocol).
 * Life durations above 0xffff are sent as 4-byte TLVs.
 */
int	ikev1_add_sa(struct pld_writer *w, const struct ikev1_sa *sa);
int	ikev1_add_ke(struct pld_writer *w, const uint8_t *data, size_t len);
int	ikev1_add_nonce(struct pld_writer *w, const uint8_t *n, size_t len);
/* addr/mask for IPV4_ADDR / _SUBNET / _RANGE may be passed as data. */
int	ikev1_add_id(struct pld_writer *w, uint8_t id_type, uint8_t proto,
	    uint16_t port, const uint8_t *data, size_t len);
/*
 * HASH payload of len bytes; data NULL writes zeros.  *off (may be NULL)
 * gets the buffer offset of the hash data, to patch it once the rest of
 * the message (RFC 2409 §5.5 HASH(1)) is written.
 */
int	ikev1_add_hash(struct pld_writer *w, const uint8_t *data, size_t len,
	    size_t *off);
int	ikev1_add_notify(struct pld_writer *w, uint8_t proto,
	    const uint8_t *spi, uint8_t spi_len, uint16_t type,
	    const uint8_t *data, size_t len);
int	ikev1_add_delete(struct pld_writer *w, uint8_t proto,
	    uint8_t spi_len, uint16_t nspi, const uint8_t *spis);
int	ikev1_add_vendor(struct pld_writer *w, const uint8_t *vid,
	    size_t len);
/* NAT-D (RFC 3947 §3.2, payload type 20): the hash. */
int	ikev1_add_natd(struct pld_writer *w, const uint8_t *hash, size_t len);

#endif
