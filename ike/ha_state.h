/*
 * ha_state.h - the payloads of the HA state sync records (HA_REC_IKE_SA,
 * HA_REC_CHILD_SA, HA_REC_DELETE, HA_REC_SEQ_ADVANCE and the bulk dump's
 * HA_REC_BULK_*; ha_sync.h seals them): one plain struct
 * per record, an encoder and a validating decoder.  No sockets, no
 * timers: the codec runs alone in tests and in the fuzzer.
 *
 * All integers big-endian; a key or a name is a length byte and its
 * bytes.  A decoder checks every length before it reads, refuses
 * trailing bytes and values out of range, and returns -1 for anything
 * malformed (the channel counts it as HA_BAD_TYPE).  Structs holding
 * keys are wiped with ha_state_*_clear().
 *
 * What is not carried: IKEv1's phase 1 IV state beyond the last IV
 * (Quick Mode and informational IVs are derived again from it and the
 * message IDs, RFC 2409 Appendix B), nonces and DH values (a rekey
 * negotiates fresh ones), the retransmission and response caches.
 */
#ifndef GW_HA_STATE_H
#define GW_HA_STATE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define HA_NAME_MAX		64	/* = CFG_NAME_MAX, with the NUL */
#define HA_SKEY_MAX		64	/* = CRYPTO_MAX_KEY, _MAX_HASH */
#define HA_TS_MAX		20	/* = CFG_MAX_SEGMENTS */
#define HA_IKE_CHILDREN_MAX	1024	/* CHILD SAs listed per IKE SA */

/* The keys of an IKE SA record, in this order. */
#define HA_V2_SK_D		0	/* IKEv2: SK_d */
#define HA_V2_SK_AI		1
#define HA_V2_SK_AR		2
#define HA_V2_SK_EI		3
#define HA_V2_SK_ER		4
#define HA_V2_SK_PI		5
#define HA_V2_SK_PR		6
#define HA_V2_NKEYS		7
#define HA_V1_SKEYID_D		0	/* IKEv1 */
#define HA_V1_SKEYID_A		1
#define HA_V1_SKEYID_E		2
#define HA_V1_ENC		3	/* the cipher key */
#define HA_V1_IV		4	/* the last phase 1 IV */
#define HA_V1_NKEYS		5
#define HA_IKE_NKEYS_MAX	7

struct ha_skey {
	uint8_t		 k_len;
	uint8_t		 k_data[HA_SKEY_MAX];
};

/* ir_flags */
#define HA_IKE_INITIATOR	0x01	/* we are the original initiator */
#define HA_IKE_NAT		0x02	/* a NAT between us: ESP in UDP */
#define HA_IKE_NAT_LOCAL	0x04	/* the NAT is in front of us */
#define HA_IKE_FLAGS		0x07

/* IKEv1: ir_mid_peer, what phase 1 learnt (the peer's vendor IDs) */
#define HA_V1_PEER_DPD		0x01	/* RFC 3706 DPD */
#define HA_V1_PEER_NATT		0x02	/* a NAT-T VID (RFC 3947 or draft) */
#define HA_V1_NATD		0x04	/* both sent RFC 3947's */
#define HA_V1_AGGRESSIVE	0x08	/* Aggressive Mode, not Main */
#define HA_V1_BITS		0x0f

struct ha_ike_rec {
	uint8_t		 ir_version;		/* 1 or 2 */
	uint8_t		 ir_flags;		/* HA_IKE_* */
	char		 ir_name[HA_NAME_MAX];	/* the tunnel's */
	uint8_t		 ir_spi_i[8];		/* IKEv1: the cookies */
	uint8_t		 ir_spi_r[8];
	struct in_addr	 ir_local;		/* with the port: 500, 4500 */
	uint16_t	 ir_local_port;		/* host order */
	struct in_addr	 ir_peer;
	uint16_t	 ir_peer_port;
	/* IKEv2 (RFC 7296 §2.3): our next request's ID and the peer's next
	 * one we expect.  IKEv1 (its message IDs are random): ir_mid_next
	 * 0, ir_mid_peer the HA_V1_* bits below (0 from a node before
	 * them: nothing announced) */
	uint32_t	 ir_mid_next;
	uint32_t	 ir_mid_peer;
	/* transform IDs (IKEv1: its attribute values; prf: the hash) */
	uint16_t	 ir_encr, ir_encr_bits, ir_prf, ir_integ, ir_dh;
	uint32_t	 ir_life_s;		/* to the hard expiry */
	uint32_t	 ir_rekey_s;		/* to the rekey (0: due) */
	uint8_t		 ir_id_type;		/* the peer's identity */
	uint8_t		 ir_id_len;
	uint8_t		 ir_id[255];
	uint8_t		 ir_nkeys;		/* HA_V2_NKEYS, HA_V1_NKEYS */
	struct ha_skey	 ir_keys[HA_IKE_NKEYS_MAX];
	/* its CHILD SAs (their inbound SPIs, network order): after an IKE
	 * SA rekey (RFC 7296 §2.18) they belong to the new one */
	uint16_t	 ir_nchildren;
	uint32_t	 ir_children[HA_IKE_CHILDREN_MAX];
};

struct ha_prefix {
	struct in_addr	 p_addr;
	uint8_t		 p_plen;
};

#define HA_MODE_TUNNEL		1
#define HA_MODE_TRANSPORT	2
/* cr_flags */
#define HA_CHILD_ESN		0x01
#define HA_CHILD_INITIATED	0x02	/* we began the exchange */
#define HA_CHILD_OUT_DEFERRED	0x04	/* outbound SA not installed yet */
/* cr_seq_out was advertised ahead of use (SEQ_ADVANCE, or a bulk
 * dump's record of an advanced SA): a takeover starts there; without
 * it cr_seq_out is the number at installation and a margin is added */
#define HA_CHILD_SEQ_ADVANCED	0x08
#define HA_CHILD_FLAGS		0x0f

struct ha_child_rec {
	uint8_t		 cr_version;		/* of the IKE SA */
	uint8_t		 cr_ike_spi_i[8];	/* the IKE SA it is of */
	uint8_t		 cr_ike_spi_r[8];
	uint8_t		 cr_proto;		/* IPPROTO_ESP, _AH */
	uint8_t		 cr_mode;		/* HA_MODE_* */
	uint8_t		 cr_flags;		/* HA_CHILD_* */
	char		 cr_name[HA_NAME_MAX];
	uint32_t	 cr_spi_in;		/* network order */
	uint32_t	 cr_spi_out;
	uint32_t	 cr_reqid;
	struct in_addr	 cr_local, cr_remote;	/* outer addresses */
	uint16_t	 cr_encap_sport, cr_encap_dport; /* 0: no UDP */
	uint16_t	 cr_encr, cr_encr_bits, cr_integ, cr_dh;
	uint32_t	 cr_replay_window;
	uint32_t	 cr_life_s;		/* to the hard expiry */
	uint32_t	 cr_rekey_s;		/* 0: not drawn yet */
	uint64_t	 cr_life_bytes, cr_life_packets;	/* 0: none */
	uint64_t	 cr_soft_bytes, cr_soft_packets;
	uint64_t	 cr_seq_out;		/* outbound sequence high-water */
	uint8_t		 cr_nlts, cr_nrts;
	struct ha_prefix cr_lts[HA_TS_MAX];
	struct ha_prefix cr_rts[HA_TS_MAX];
	/* in = peer -> us, out = us -> peer (RFC 7296 §2.17) */
	struct ha_skey	 cr_ekey_in, cr_akey_in, cr_ekey_out, cr_akey_out;
};

#define HA_DEL_IKE		1
#define HA_DEL_CHILD		2
struct ha_del_rec {
	uint8_t		 dr_kind;		/* HA_DEL_* */
	uint8_t		 dr_spi_i[8];		/* HA_DEL_IKE */
	uint8_t		 dr_spi_r[8];
	uint8_t		 dr_proto;		/* HA_DEL_CHILD */
	uint32_t	 dr_spi_in;		/* network order */
};

/*
 * Encoders: the payload into out (outlen bytes).  The length, or -1 when
 * a field is out of range (the decoder would refuse it) or out is short.
 */
int	ha_ike_encode(const struct ha_ike_rec *r, uint8_t *out, size_t outlen);
int	ha_child_encode(const struct ha_child_rec *r, uint8_t *out,
	    size_t outlen);
int	ha_del_encode(const struct ha_del_rec *r, uint8_t *out, size_t outlen);
/* Decoders: 0, or -1 (malformed: r is wiped then).  Never read outside
 * pl[0..len). */
int	ha_ike_decode(const uint8_t *pl, size_t len, struct ha_ike_rec *r);
int	ha_child_decode(const uint8_t *pl, size_t len, struct ha_child_rec *r);
int	ha_del_decode(const uint8_t *pl, size_t len, struct ha_del_rec *r);
/*
 * HA_REC_SEQ_ADVANCE: outbound sequence numbers the active node will not
 * reach before its next advance (ike_ha.c pushes them ahead of the
 * kernel's counter), for up to HA_SEQ_ADV_MAX CHILD SAs, each named by
 * protocol and inbound SPI as in the standby's table.  On the wire: a
 * count (2 bytes), then per CHILD SA protocol (1), inbound SPI (4) and
 * the sequence number (8): 2 + 13 n bytes, n >= 1.
 */
#define HA_SEQ_ADV_MAX		512
#define HA_SEQ_ENT_LEN		13
struct ha_seq_ent {
	uint8_t		 se_proto;		/* IPPROTO_ESP, _AH */
	uint32_t	 se_spi_in;		/* network order */
	uint64_t	 se_seq;
};
struct ha_seq_rec {
	uint16_t	 sr_n;
	struct ha_seq_ent sr_e[HA_SEQ_ADV_MAX];
};
int	ha_seq_encode(const struct ha_seq_rec *r, uint8_t *out, size_t outlen);
int	ha_seq_decode(const uint8_t *pl, size_t len, struct ha_seq_rec *r);

/*
 * HA_REC_BULK_REQUEST, _BULK_BEGIN, _BULK_END: a standby asks for the
 * whole table (request id br_id, not 0); the active node answers BEGIN
 * (the same id), every IKE SA and CHILD SA record, then END (the same id
 * and br_count, the IKE SA and CHILD SA records of the dump).  8 bytes:
 * id, count (0 in a request and a BEGIN).
 */
#define HA_BULK_LEN		8
struct ha_bulk_rec {
	uint32_t	 br_id;
	uint32_t	 br_count;
};
int	ha_bulk_encode(const struct ha_bulk_rec *r, uint8_t *out,
	    size_t outlen);
int	ha_bulk_decode(const uint8_t *pl, size_t len, struct ha_bulk_rec *r);

/* Wipe the keys (and the rest); accept NULL. */
void	ha_ike_clear(struct ha_ike_rec *r);
void	ha_child_clear(struct ha_child_rec *r);

#endif
