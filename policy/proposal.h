/*
 * proposal.h - building our IKEv2 proposals from a tunnel's policies and
 * selecting from a peer's (RFC 7296 §2.7, §3.3).  Rules: AES carries the
 * Key Length attribute, 3DES none; the PRF follows the integrity choice;
 * ESP and AH proposals always carry ESN transforms as the suite's esn
 * says (no: ESN none; yes: ESN; either: ESN, then none); AH
 * proposals carry no encryption.
 */
#ifndef GW_PROPOSAL_H
#define GW_PROPOSAL_H

#include <stddef.h>
#include <stdint.h>

#include "policy/offer.h"
#include "policy/config.h"

struct proposal_choice {
	uint8_t	pc_num;			/* the peer's proposal number */
	uint8_t	pc_proto;		/* PROP_PROTO_* */
	uint8_t	pc_spi_len;
	uint8_t	pc_spi[PROP_MAX_SPI_LEN]; /* the peer's SPI */
	int	pc_encr;		/* ENCR_*, 0 for AH */
	int	pc_encr_bits;
	int	pc_prf;			/* IKE only */
	int	pc_integ;
	int	pc_dh;			/* 0 = none */
	int	pc_esn;			/* ESP/AH: PROP_ESN_NONE or _YES */
	int	pc_suite;		/* ESP/AH: our suite (0-based) */
};

/* Our suites (ike_props, or the single fields when ike_nprops is 0):
 * how many, the i-th (0-based), whether one has DH group g, whether
 * one is exactly the choice pc. */
int	proposal_ike_count(const struct cfg_ike *ike);
void	proposal_ike_get(const struct cfg_ike *ike, int i,
	    struct cfg_prop *out);
int	proposal_ike_has_dh(const struct cfg_ike *ike, int group);
int	proposal_ike_allows(const struct cfg_ike *ike,
	    const struct proposal_choice *pc);
int	proposal_child_count(const struct cfg_ipsec *ips);
void	proposal_child_get(const struct cfg_ipsec *ips, int i,
	    struct cfg_prop *out);
/* 1 if one of our CHILD suites has PFS group group (> 0). */
int	proposal_child_has_dh(const struct cfg_ipsec *ips, int group);
/* The PFS group (0: none) of our CHILD suite (0-based; out of range:
 * the first), e.g. the suite in force when rekeying. */
int	proposal_child_suite_dh(const struct cfg_ipsec *ips, int suite);
/* One IKE proposal per suite, numbered 1..n in our order; spi_len 0 in
 * IKE_SA_INIT, 8 when rekeying.  0 or -1. */
int	proposal_ike_build(const struct cfg_ike *ike, const uint8_t *spi,
	    uint8_t spi_len, struct prop_offer *out);
/* The responder's answer: the one suite chosen (pc), with the peer's
 * proposal number.  0 or -1. */
int	proposal_ike_answer(const struct proposal_choice *pc,
	    const uint8_t *spi, uint8_t spi_len, struct prop_offer *out);
/* One ESP or AH proposal per suite (numbered 1..n) with our 4-byte
 * inbound SPI (network order); dh_group 0: no DH transform (IKE_AUTH or
 * PFS disabled); > 0: a list's suites each carry their own PFS group
 * (none: no DH transform), a single suite (ips_nprops 0) dh_group. */
int	proposal_child_build(const struct cfg_ipsec *ips, uint32_t spi,
	    int dh_group, struct prop_offer *out);
/* The responder's answer to the proposal chosen (pc): its algorithms,
 * the peer's proposal number, one ESN transform (the chosen value). */
int	proposal_child_answer(const struct cfg_ipsec *ips, uint32_t spi,
	    int dh_group, const struct proposal_choice *pc,
	    struct prop_offer *out);
/*
 * Picks the first of OUR suites that a received proposal offers (every
 * type's algorithm among its alternatives; strongSwan's rule: our order
 * of preference, not the peer's).
 * IKE: the DH group must be ours.  CHILD: dh_group is the group we
 * require (0: the proposal must offer DH none or no DH transform; -1:
 * ignore DH, as in IKE_AUTH); with a list (ips_nprops > 0) and
 * dh_group >= 0, each suite requires its own PFS group instead, and
 * pc_dh tells the chosen suite's (the caller checks the KE against it).
 * pc_suite is the chosen suite.  0 with *out filled, or -1.
 */
int	proposal_ike_select(const struct cfg_ike *ike,
	    const struct prop_offer *received, struct proposal_choice *out);
int	proposal_child_select(const struct cfg_ipsec *ips, int dh_group,
	    const struct prop_offer *received, struct proposal_choice *out);
/* A responder's answer must be exactly one proposal with one transform
 * of each type, each one we offered in ours.  0 with *out, or -1. */
int	proposal_check_answer(const struct prop_offer *ours,
	    const struct prop_offer *answer, struct proposal_choice *out);
/* "ESP:aes128-sha1-modp1024-noesn, ESP:3des-md5" for mismatch logs. */
void	proposal_describe(const struct prop_offer *sa, char *out, size_t len);

#endif
