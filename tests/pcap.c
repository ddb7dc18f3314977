/*
 * pcap.c - a minimal classic pcap reader for tests (see pcap.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "tests/pcap.h"

#define PCAP_MAGIC_US		0xa1b2c3d4
#define PCAP_MAGIC_NS		0xa1b23c4d
#define PCAP_GLOBAL_LEN		24
#define PCAP_REC_LEN		16

#define LINK_ETHERNET		1
#define LINK_RAW		101
#define LINK_SLL		113
#define LINK_IPV4		228
#define LINK_SLL2		276

#define ETHERTYPE_IPV4		0x0800
#define ETHERTYPE_VLAN		0x8100
#define IPPROTO_UDP_NUM		17

#define IKE_PORT		500
#define IKE_NATT_PORT		4500

struct pcap_file {
	uint8_t		*pf_data;
	size_t		 pf_len;
	size_t		 pf_off;
	int		 pf_swap;
	uint32_t	 pf_link;
	unsigned int	 pf_frame;
};

static uint32_t
pcap_u32(const struct pcap_file *pf, const uint8_t *p)
{
	/* The file is in the writer's byte order; pf_swap: big endian. */
	if (pf->pf_swap)
		return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3]);
	return ((uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[1] << 8 | p[0]);
}

struct pcap_file *
pcap_open(const char *path)
{
	struct pcap_file	*pf;
	FILE			*f;
	long			 n;
	uint32_t		 magic;

	if ((f = fopen(path, "rb")) == NULL)
		return (NULL);
	if ((pf = calloc(1, sizeof(*pf))) == NULL ||
	    fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < PCAP_GLOBAL_LEN ||
	    fseek(f, 0, SEEK_SET) == -1 ||
	    (pf->pf_data = malloc((size_t)n)) == NULL ||
	    fread(pf->pf_data, 1, (size_t)n, f) != (size_t)n)
		goto fail;
	fclose(f);
	f = NULL;
	pf->pf_len = (size_t)n;
	magic = pcap_u32(pf, pf->pf_data);
	if (magic != PCAP_MAGIC_US && magic != PCAP_MAGIC_NS) {
		pf->pf_swap = 1;
		magic = pcap_u32(pf, pf->pf_data);
		if (magic != PCAP_MAGIC_US && magic != PCAP_MAGIC_NS)
			goto fail;
	}
	pf->pf_link = pcap_u32(pf, pf->pf_data + 20) & 0x0fffffff;
	pf->pf_off = PCAP_GLOBAL_LEN;
	return (pf);
 fail:
	if (f != NULL)
		fclose(f);
	pcap_close(pf);
	return (NULL);
}

void
pcap_close(struct pcap_file *pf)
{
	if (pf == NULL)
		return;
	free(pf->pf_data);
	free(pf);
}

/* Skips the link header to the IPv4 packet; 0, or -1 (not IPv4). */
static int
pcap_frame_ip(const struct pcap_file *pf, struct cur *c)
{
	uint16_t	type;

	switch (pf->pf_link) {
	case LINK_ETHERNET:
		if (cur_skip(c, 12) == -1 || cur_get_u16(c, &type) == -1)
			return (-1);
		while (type == ETHERTYPE_VLAN)
			if (cur_skip(c, 2) == -1 || cur_get_u16(c, &type) == -1)
				return (-1);
		break;
	case LINK_SLL:
		if (cur_skip(c, 14) == -1 || cur_get_u16(c, &type) == -1)
			return (-1);
		break;
	case LINK_SLL2:
		if (cur_get_u16(c, &type) == -1 || cur_skip(c, 18) == -1)
			return (-1);
		break;
	case LINK_RAW:
	case LINK_IPV4:
		type = ETHERTYPE_IPV4;
		break;
	default:
		return (-1);
	}
	return (type == ETHERTYPE_IPV4 ? 0 : -1);
}

/* Parses IPv4 + UDP in c; 0 and u filled, or -1 (not an unfragmented
 * IPv4 UDP datagram). */
static int
pcap_ip_udp(struct cur *c, struct pcap_udp *u)
{
	struct cur	ip, udp;
	uint16_t	tot, frag, ulen;
	uint8_t		vhl, proto;

	if (cur_get_u8(c, &vhl) == -1 || vhl >> 4 != 4 || (vhl & 0xf) < 5)
		return (-1);
	ip = *c;
	if (cur_skip(&ip, 1) == -1 || cur_get_u16(&ip, &tot) == -1 ||
	    cur_skip(&ip, 2) == -1 || cur_get_u16(&ip, &frag) == -1 ||
	    cur_skip(&ip, 1) == -1 || cur_get_u8(&ip, &proto) == -1 ||
	    cur_skip(&ip, 2) == -1 || cur_get_bytes(&ip, &u->pu_src, 4) == -1 ||
	    cur_get_bytes(&ip, &u->pu_dst, 4) == -1)
		return (-1);
	/* Fragments (MF set or an offset) are not reassembled. */
	if (proto != IPPROTO_UDP_NUM || (frag & 0x3fff) != 0)
		return (-1);
	if (tot < (vhl & 0xf) * 4 + 8 || cur_left(c) + 1 < tot)
		return (-1);
	cur_init(&ip, c->cur_p - 1, tot);
	if (cur_skip(&ip, (vhl & 0xf) * 4) == -1 ||
	    cur_get_u16(&ip, &u->pu_sport) == -1 ||
	    cur_get_u16(&ip, &u->pu_dport) == -1 ||
	    cur_get_u16(&ip, &ulen) == -1 || cur_skip(&ip, 2) == -1 ||
	    ulen < 8 || cur_get_sub(&ip, ulen - 8, &udp) == -1)
		return (-1);
	u->pu_data = udp.cur_p;
	u->pu_len = cur_left(&udp);
	return (0);
}

int
pcap_next_udp(struct pcap_file *pf, struct pcap_udp *u)
{
	struct cur	c;
	uint32_t	caplen;

	for (;;) {
		if (pf->pf_off == pf->pf_len)
			return (0);
		if (pf->pf_len - pf->pf_off < PCAP_REC_LEN)
			return (-1);
		caplen = pcap_u32(pf, pf->pf_data + pf->pf_off + 8);
		pf->pf_off += PCAP_REC_LEN;
		if (caplen > pf->pf_len - pf->pf_off)
			return (-1);
		cur_init(&c, pf->pf_data + pf->pf_off, caplen);
		pf->pf_off += caplen;
		pf->pf_frame++;
		memset(u, 0, sizeof(*u));
		u->pu_frame = pf->pf_frame;
		if (pcap_frame_ip(pf, &c) == 0 && pcap_ip_udp(&c, u) == 0)
			return (1);
	}
}

int
pcap_next_ike(struct pcap_file *pf, struct pcap_udp *u)
{
	int	rv;

	while ((rv = pcap_next_udp(pf, u)) == 1) {
		if (u->pu_sport == IKE_NATT_PORT ||
		    u->pu_dport == IKE_NATT_PORT) {
			/* RFC 3948 §2.3: NAT-keepalive. */
			if (u->pu_len == 1 && u->pu_data[0] == 0xff)
				continue;
			/* RFC 3948 §2.2: a non-zero first word is an ESP
			 * SPI; IKE starts with the zero non-ESP marker. */
			if (u->pu_len < 4 || memcmp(u->pu_data,
			    "\0\0\0\0", 4) != 0)
				continue;
			u->pu_data += 4;
			u->pu_len -= 4;
			return (1);
		}
		if (u->pu_sport == IKE_PORT || u->pu_dport == IKE_PORT)
			return (1);
	}
	return (rv);
}
