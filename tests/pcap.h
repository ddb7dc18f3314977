/*
 * pcap.h - a minimal classic pcap reader for tests: yields the UDP
 * datagrams of IPv4 packets, and the IKE messages among them.
 *
 * Link types: Ethernet (1, with 802.1Q tags), Linux cooked SLL (113) and
 * SLL2 (276), raw IPv4 (101, 228).  Both byte orders, micro- and
 * nanosecond variants.  pcapng is not supported.
 */
#ifndef GW_TEST_PCAP_H
#define GW_TEST_PCAP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

struct pcap_file;

struct pcap_udp {
	unsigned int	 pu_frame;	/* 1-based frame number */
	struct in_addr	 pu_src;
	struct in_addr	 pu_dst;
	uint16_t	 pu_sport;
	uint16_t	 pu_dport;
	const uint8_t	*pu_data;	/* borrowed from the pcap_file */
	size_t		 pu_len;
};

/* Reads the whole file; returns an owned reader or NULL. */
struct pcap_file *pcap_open(const char *path);
void	pcap_close(struct pcap_file *pf);
/* Next UDP datagram: 1, 0 at the end, -1 on a malformed file. */
int	pcap_next_udp(struct pcap_file *pf, struct pcap_udp *u);
/*
 * Next IKE message on UDP 500 or 4500: on 4500 the 4-byte non-ESP marker
 * is stripped (RFC 3948 §2.2), ESP and NAT-keepalives (a single 0xff
 * byte, RFC 3948 §2.3) are skipped.  Same returns as pcap_next_udp().
 */
int	pcap_next_ike(struct pcap_file *pf, struct pcap_udp *u);

#endif
