/*
 * offer.h - what policy/ and ipsec/ speak of proposals and traffic
 * selectors: a list of proposals, each a list of transforms, and a list
 * of address ranges.  The numbers (protocols, transform types, transform
 * IDs as in crypto/crypto.h) are those of the IKEv2 registry (RFC 7296
 * §3.3.2, IANA "IKEv2 Parameters"): ike/ikev2_pld.c parses SA and TS
 * payloads into these types.  IKEv1's Quick Mode keeps its own attribute
 * lists (ike/ikev1.h) and maps them to the same algorithm numbers.
 * Nothing here comes from ike/.
 */
#ifndef GW_OFFER_H
#define GW_OFFER_H

#include <netinet/in.h>
#include <stdint.h>

/* Protocols of a proposal */
#define PROP_PROTO_IKE		1
#define PROP_PROTO_AH		2
#define PROP_PROTO_ESP		3

/* Transform types */
#define PROP_XF_ENCR		1
#define PROP_XF_PRF		2
#define PROP_XF_INTEG		3
#define PROP_XF_DH		4
#define PROP_XF_ESN		5
#define PROP_ESN_NONE		0
#define PROP_ESN_YES		1
/*
 * IKEv1 only, described and never selected (ike/ikev1_pld.c
 * ikev1_sa_offer, always with tr_v1 set and the IKEv1 number as tr_id):
 * the phase 1 authentication method (RFC 2409 Appendix A, class 3) and
 * the Quick Mode encapsulation mode (RFC 2407 §4.5, RFC 3947 §5.1).
 * An IKEv2 transform of these types (tr_v1 0) is not described.
 */
#define PROP_XF_V1_AUTH		0xf1
#define PROP_XF_V1_ENCAP	0xf2

/* Limits: a received SA or selector list with more is refused. */
#define PROP_MAX_PROPOSALS	16
#define PROP_MAX_TRANSFORMS	32	/* per proposal */
#define PROP_MAX_SPI_LEN	8
#define TS_MAX			32	/* per list (TSi or TSr) */

/* Traffic selector types */
#define TS_IPV4_RANGE		7
#define TS_IPV6_RANGE		8

struct prop_transform {
	uint8_t		 tr_type;	/* PROP_XF_* */
	uint16_t	 tr_id;
	uint16_t	 tr_keylen;	/* key length in bits, 0 none */
	/* tr_id is an IKEv1 value with no IKEv2 number (described only,
	 * ike/ikev1_pld.c ikev1_sa_offer): printed as that number */
	uint8_t		 tr_v1;
};

struct prop_proposal {
	uint8_t		 prop_num;
	uint8_t		 prop_proto;	/* PROP_PROTO_* */
	uint8_t		 prop_spi_len;
	uint8_t		 prop_spi[PROP_MAX_SPI_LEN];
	int		 prop_ntr;
	struct prop_transform prop_tr[PROP_MAX_TRANSFORMS];
};

/* An SA payload's content: the proposals, in order of preference. */
struct prop_offer {
	int		 sa_nprop;
	struct prop_proposal sa_prop[PROP_MAX_PROPOSALS];
};

struct ts_range {
	uint8_t		 ts_type;	/* TS_IPV4_RANGE */
	uint8_t		 ts_proto;	/* IP protocol, 0 = any */
	uint16_t	 ts_sport;
	uint16_t	 ts_eport;
	struct in_addr	 ts_saddr;	/* network byte order */
	struct in_addr	 ts_eaddr;
};

struct ts_list {
	int		 tsl_n;
	struct ts_range	 tsl_ts[TS_MAX];
};

#endif /* GW_OFFER_H */
