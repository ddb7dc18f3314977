/*
 * floodgen.c - spoofed IKE first messages at a bounded rate for the lab's
 * flood test (t-flood.sh), in C: the Python generators it replaces
 * reached about 1,000 datagrams a second in UML, this one 3,000.
 *
 *   floodgen MODE DST PREFIX NSRC RATE SECONDS [ID]
 *
 * MODE: init (IKEv2 IKE_SA_INIT request, RFC 7296 §3: SA AES-CBC-128,
 * PRF-HMAC-SHA1, HMAC-SHA1-96, MODP-1024; KE of group 2; 32-byte Nonce),
 * mm1 (IKEv1 Main Mode message 1: one SA, AES-128, SHA-1, PSK, MODP-1024,
 * 28800 s, as RFC 2409 Appendix A writes it), am1 (IKEv1 Aggressive Mode
 * message 1: the same SA, KE of group 2, a 32-byte Nonce and an ID of
 * type FQDN ID, default right.lab.test).  Each datagram goes to DST:500
 * from PREFIX.N/250.N%250+1 port 500 (N = 0..NSRC-1 in turn) with a fresh
 * random SPIi / initiator cookie, KE and nonce, through a raw socket
 * (IP_HDRINCL) in batches of sendmmsg.  The test's own namespace only:
 * the sources belong to a subnet the test routes there.
 *
 * RATE datagrams a second at most, for SECONDS: what is due is sent,
 * BATCH at a time, and the generator sleeps 1 ms when it is ahead; on a
 * machine that cannot keep up it sends as fast as it can until SECONDS
 * are over.  Prints "rate R/s achieved (N in S s)" and, on the last line,
 * the number of datagrams sent (the kernel accepted).  SIGTERM ends it
 * early, still printing.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH		64
#define PKT_MAX		512
#define KE_LEN		128	/* MODP-1024 */
#define NONCE_LEN	32

static volatile sig_atomic_t stop;
static uint64_t rng_s[2];

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/* xorshift128+: fresh SPIs, KEs and nonces without a system call each */
static uint64_t
rng_next(void)
{
	uint64_t	 a = rng_s[0], b = rng_s[1];

	rng_s[0] = b;
	a ^= a << 23;
	rng_s[1] = a ^ b ^ (a >> 17) ^ (b >> 26);
	return (rng_s[1] + b);
}

static void
rng_fill(uint8_t *p, size_t n)
{
	uint64_t	 r;
	size_t		 k;

	while (n > 0) {
		r = rng_next();
		k = n < 8 ? n : 8;
		memcpy(p, &r, k);
		p += k;
		n -= k;
	}
}

static uint8_t *
put16(uint8_t *p, unsigned v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
	return (p + 2);
}

static uint8_t *
put32(uint8_t *p, uint32_t v)
{
	p = put16(p, v >> 16);
	return (put16(p, v & 0xffff));
}

/* generic payload header: next payload, reserved, length */
static uint8_t *
put_gen(uint8_t *p, unsigned next, unsigned len)
{
	*p++ = next;
	*p++ = 0;
	return (put16(p, len));
}

/* IKEv1 SA (DOI IPsec, identity only) with one KEY_IKE transform */
static uint8_t *
put_v1_sa(uint8_t *p, unsigned next)
{
	static const uint16_t attrs[][2] = {
		{ 1, 7 },	/* encryption: AES-CBC */
		{ 14, 128 },	/* key length */
		{ 2, 2 },	/* hash: SHA */
		{ 3, 1 },	/* authentication: pre-shared key */
		{ 4, 2 },	/* group: MODP-1024 */
		{ 11, 1 },	/* life type: seconds */
		{ 12, 28800 },	/* life duration */
	};
	const unsigned	 na = sizeof(attrs) / sizeof(attrs[0]);
	const unsigned	 tlen = 8 + 4 * na, plen = 8 + tlen;
	unsigned	 i;

	p = put_gen(p, next, 12 + plen);
	p = put32(p, 1);		/* DOI IPsec */
	p = put32(p, 1);		/* SIT_IDENTITY_ONLY */
	p = put_gen(p, 0, plen);
	*p++ = 1;			/* proposal 1 */
	*p++ = 1;			/* PROTO_ISAKMP */
	*p++ = 0;			/* no SPI */
	*p++ = 1;			/* one transform */
	p = put_gen(p, 0, tlen);
	*p++ = 1;			/* transform 1 */
	*p++ = 1;			/* KEY_IKE */
	p = put16(p, 0);
	for (i = 0; i < na; i++) {
		p = put16(p, 0x8000 | attrs[i][0]);	/* TV */
		p = put16(p, attrs[i][1]);
	}
	return (p);
}

/* IKEv2 transform; last: no more follow */
static uint8_t *
put_v2_trans(uint8_t *p, int last, unsigned type, unsigned id, int keylen)
{
	p = put_gen(p, last ? 0 : 3, keylen ? 12 : 8);
	*p++ = type;
	*p++ = 0;
	p = put16(p, id);
	if (keylen) {
		p = put16(p, 0x800e);
		p = put16(p, keylen);
	}
	return (p);
}

/*
 * The template of MODE's message into pkt (UDP payload only); the random
 * parts are rewritten per datagram at *spi (8), *ke (KE_LEN), *nonce
 * (NONCE_LEN).  Returns its length.
 */
static size_t
tmpl_build(const char *mode, const char *id, uint8_t *pkt, size_t *ke,
    size_t *nonce)
{
	uint8_t		*p = pkt + 8 + 16, *sa, *q;	/* past SPIi, SPIr */
	size_t		 idlen = strlen(id);

	memset(pkt, 0, PKT_MAX);
	if (strcmp(mode, "init") == 0) {
		*p++ = 33;		/* first payload: SA */
		*p++ = 0x20;		/* version 2.0 */
		*p++ = 34;		/* IKE_SA_INIT */
		*p++ = 0x08;		/* initiator */
		p = put32(p, 0);	/* message ID */
		p += 4;			/* length, below */
		sa = p;
		p += 4;
		q = p;
		p += 8;			/* proposal header */
		p = put_v2_trans(p, 0, 1, 12, 128);	/* ENCR_AES_CBC */
		p = put_v2_trans(p, 0, 2, 2, 0);	/* PRF_HMAC_SHA1 */
		p = put_v2_trans(p, 0, 3, 2, 0);	/* AUTH_HMAC_SHA1_96 */
		p = put_v2_trans(p, 1, 4, 2, 0);	/* MODP-1024 */
		put_gen(q, 0, p - q);
		q[4] = 1;		/* proposal 1 */
		q[5] = 1;		/* IKE */
		q[6] = 0;
		q[7] = 4;
		put_gen(sa, 34, p - sa);	/* next: KE */
		p = put_gen(p, 40, 8 + KE_LEN);	/* next: Nonce */
		p = put16(p, 2);
		p = put16(p, 0);
		*ke = p - pkt;
		p += KE_LEN;
		p = put_gen(p, 0, 4 + NONCE_LEN);
		*nonce = p - pkt;
		p += NONCE_LEN;
	} else {
		int aggr = strcmp(mode, "am1") == 0;

		if (!aggr && strcmp(mode, "mm1") != 0)
			return (0);
		*p++ = 1;		/* first payload: SA */
		*p++ = 0x10;		/* version 1.0 */
		*p++ = aggr ? 4 : 2;	/* Aggressive / Identity Protection */
		*p++ = 0;
		p = put32(p, 0);
		p += 4;
		p = put_v1_sa(p, aggr ? 4 : 0);
		*ke = *nonce = 0;
		if (aggr) {
			p = put_gen(p, 10, 4 + KE_LEN);	/* next: Nonce */
			*ke = p - pkt;
			p += KE_LEN;
			p = put_gen(p, 5, 4 + NONCE_LEN);	/* next: ID */
			*nonce = p - pkt;
			p += NONCE_LEN;
			p = put_gen(p, 0, 8 + idlen);
			*p++ = 2;	/* ID_FQDN */
			*p++ = 0;	/* protocol */
			p = put16(p, 0);	/* port */
			memcpy(p, id, idlen);
			p += idlen;
		}
	}
	put32(pkt + 8 + 24, p - (pkt + 8));	/* IKE header length */
	return (p - pkt);
}

static uint32_t
sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (; n > 1; p += 2, n -= 2)
		s += (uint32_t)p[0] << 8 | p[1];
	if (n)
		s += (uint32_t)p[0] << 8;
	return (s);
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (~s & 0xffff);
}

/* The datagram into out: IP and UDP headers around a fresh copy of tmpl. */
static size_t
pkt_make(uint8_t *out, const uint8_t *tmpl, size_t len, size_t ke,
    size_t nonce, struct in_addr src, struct in_addr dst)
{
	struct ip	*ip = (struct ip *)out;
	uint8_t		*u = out + sizeof(*ip);
	uint32_t	 s;
	uint16_t	 c;

	memcpy(u, tmpl, len);
	rng_fill(u + 8, 8);			/* SPIi / initiator cookie */
	if (ke) {
		rng_fill(u + ke, KE_LEN);
		u[ke] &= 0x7f;			/* below the MODP-1024 prime */
	}
	if (nonce)
		rng_fill(u + nonce, NONCE_LEN);
	put16(u, 500);
	put16(u + 2, 500);
	put16(u + 4, len);
	put16(u + 6, 0);
	/* UDP checksum over the pseudo-header (RFC 768) */
	s = sum16((const uint8_t *)&src, 4, 0);
	s = sum16((const uint8_t *)&dst, 4, s);
	s += IPPROTO_UDP + len;
	s = sum16(u, len, s);
	c = fold(s);
	put16(u + 6, c ? c : 0xffff);
	memset(ip, 0, sizeof(*ip));
	ip->ip_v = 4;
	ip->ip_hl = 5;
	ip->ip_len = htons(sizeof(*ip) + len);
	ip->ip_off = htons(IP_DF);
	ip->ip_ttl = 64;
	ip->ip_p = IPPROTO_UDP;
	ip->ip_src = src;
	ip->ip_dst = dst;
	/* the kernel fills in ip_id and the header checksum (IP_HDRINCL) */
	return (sizeof(*ip) + len);
}

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

int
main(int argc, char **argv)
{
	static uint8_t		 bufs[BATCH][PKT_MAX];
	struct mmsghdr		 msgs[BATCH];
	struct iovec		 iov[BATCH];
	struct sockaddr_in	 to;
	struct in_addr		*srcs, dst;
	struct timespec		 ms = { 0, 1000000 };
	uint8_t			 tmpl[PKT_MAX];
	size_t			 tlen, ke, nonce;
	unsigned long		 nsrc, rate, sent = 0, failed = 0, due, n, i;
	double			 secs, t0, el;
	int			 s, r;

	if (argc != 7 && argc != 8) {
		fprintf(stderr, "usage: floodgen init|mm1|am1 DST PREFIX NSRC "
		    "RATE SECONDS [ID]\n");
		return (2);
	}
	tlen = tmpl_build(argv[1], argc == 8 ? argv[7] : "right.lab.test",
	    tmpl, &ke, &nonce);
	nsrc = strtoul(argv[4], NULL, 10);
	rate = strtoul(argv[5], NULL, 10);
	secs = atof(argv[6]);
	if (tlen == 0 || inet_pton(AF_INET, argv[2], &dst) != 1 ||
	    nsrc == 0 || nsrc > 250 * 256 || rate == 0 || secs <= 0) {
		fprintf(stderr, "floodgen: bad arguments\n");
		return (2);
	}
	if ((srcs = calloc(nsrc, sizeof(*srcs))) == NULL)
		return (1);
	for (i = 0; i < nsrc; i++) {
		char	 a[32];

		snprintf(a, sizeof(a), "%s.%lu.%lu", argv[3], i / 250,
		    i % 250 + 1);
		if (inet_pton(AF_INET, a, &srcs[i]) != 1) {
			fprintf(stderr, "floodgen: bad prefix %s\n", argv[3]);
			return (2);
		}
	}
	if (getrandom(rng_s, sizeof(rng_s), 0) != sizeof(rng_s))
		return (1);
	rng_s[0] |= 1;
	if ((s = socket(AF_INET, SOCK_RAW, IPPROTO_RAW)) == -1) {
		perror("floodgen: raw socket");
		return (1);
	}
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_addr = dst;
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &to;
		msgs[i].msg_hdr.msg_namelen = sizeof(to);
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	t0 = now_s();
	while (!stop && (el = now_s() - t0) < secs) {
		due = (unsigned long)(el * rate) + 1;
		if (sent + failed >= due) {
			nanosleep(&ms, NULL);
			continue;
		}
		n = due - sent - failed;
		if (n > BATCH)
			n = BATCH;
		for (i = 0; i < n; i++)
			iov[i].iov_len = pkt_make(bufs[i], tmpl, tlen, ke,
			    nonce, srcs[(sent + failed + i) % nsrc], dst);
		r = sendmmsg(s, msgs, n, 0);
		if (r <= 0) {
			/* a full queue (ENOBUFS): count one and go on */
			if (r == -1 && errno != ENOBUFS && errno != EAGAIN &&
			    errno != EINTR) {
				perror("floodgen: sendmmsg");
				return (1);
			}
			failed++;
			continue;
		}
		sent += r;
	}
	el = now_s() - t0;
	if (failed)
		fprintf(stderr, "%lu sends failed\n", failed);
	if (stop)
		fprintf(stderr, "stopped early\n");
	printf("rate %.0f/s achieved (%lu in %.1f s)\n", sent / el, sent, el);
	printf("%lu\n", sent);
	return (0);
}
