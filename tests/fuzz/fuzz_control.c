/*
 * fuzz_control.c - libFuzzer target for the control protocol: the input
 * is request lines (as gatewayctl sends them, one per line) up to a NUL
 * byte; the bytes after it fill what the fake engine answers (tunnel
 * names, errors, IDs: printable, as the engine makes them).  Each line is
 * parsed (control_req_parse) and, when it parses, answered by
 * control_reply against fake callbacks, a real connection log and the
 * real export of a parsed configuration.  A refusal must be one
 * "error: ..." line; an answer must end with a newline.
 *
 * FUZZ_SOURCES: daemon/control.c daemon/status_fmt.c policy/diag.c policy/export.c policy/config.c policy/proposal.c policy/ts.c ike/net.c ike/ike_status.c crypto/dh.c crypto/prf.c crypto/cipher.c crypto/ikev1_keys.c common/connlog.c common/buf.c common/log.c
 * FUZZ_LIBS: -levent
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/connlog.h"
#include "common/log.h"
#include "daemon/control.h"
#include "policy/config.h"
#include "policy/diag.h"
#include "policy/export.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static const char fuzz_conf[] =
    "gateway gw {\n\taddress 198.51.100.1\n\tsegment 172.16.0.0/24\n}\n"
    "peer p {\n\taddress 198.51.100.2\n}\n"
    "peer any {\n\taddress 0.0.0.0\n}\n"
    "tunnel t1 {\n\tgateway gw\n\tpeer p\n"
    "\tlocal-segment 172.16.0.0/24\n\tpeer-segment 10.0.0.0/12\n"
    "\tpsk Secr3t!key\n\tike {\n\t\tversion 2\n\t\tdh-group 14\n\t}\n"
    "\tipsec {\n\t\tpfs 14\n\t}\n}\n"
    "tunnel v1 {\n\tgateway gw\n\tpeer any\n"
    "\tlocal-segment 172.16.0.0/24\n\tpeer-segment 10.32.0.0/12\n"
    "\tpeer-segment 10.16.0.0/12\n\tpsk Other\"key\\\\x\n"
    "\tike {\n\t\tversion 1\n\t\tmode aggressive\n"
    "\t\tpeer-id vpn.example.net\n\t}\n}\n";

static struct config	*fz_cfg;
static struct connlog	*fz_log;
static const uint8_t	*fz_data;	/* after the NUL */
static size_t		 fz_len;

/* n printable bytes of the fuzz data from off, terminated. */
static void
fz_str(char *dst, size_t size, size_t off, size_t n)
{
	size_t	 i;

	if (n >= size)
		n = size - 1;
	for (i = 0; i < n && off + i < fz_len; i++)
		dst[i] = (char)(0x20 + fz_data[off + i] % 0x5f);
	dst[i] = '\0';
}

static uint64_t
fz_u64(size_t off)
{
	uint64_t	 v = 0;
	size_t		 i;

	for (i = 0; i < 8 && off + i < fz_len; i++)
		v = v << 8 | fz_data[off + i];
	return (v);
}

/* CHILD SAs a fake tunnel may have: more than status once showed (16),
 * fewer than a 20 x 20 tunnel's 400, to keep each run fast. */
#define FZ_MAX_CHILD	40

static int
fz_status(void *arg, struct tunnel_status *out, int max)
{
	int	 i, j, n = 2 + (fz_len > 0 ? fz_data[0] % 3 : 0);

	/* as ike_status() out of memory: -1, nothing filled */
	if (fz_len > 2 && fz_data[2] == 0xff)
		return (-1);
	for (i = 0; i < n && i < max; i++) {
		struct tunnel_status *t = &out[i];

		fz_str(t->ts_name, sizeof(t->ts_name), 1 + i * 40, 12);
		if (t->ts_name[0] == '\0')
			snprintf(t->ts_name, sizeof(t->ts_name), "t%d", i);
		inet_pton(AF_INET, "198.51.100.1", &t->ts_local);
		t->ts_remote.s_addr = (in_addr_t)fz_u64(8 + i);
		t->ts_state = (enum tunnel_state)(fz_u64(16 + i) % 5);
		t->ts_ike_version = 1 + (int)(fz_u64(20 + i) % 2);
		fz_str(t->ts_ike_algs, sizeof(t->ts_ike_algs), 30, 30);
		memcpy(t->ts_spi_i, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
		t->ts_established = (time_t)(fz_u64(40) % 2000000000);
		fz_str(t->ts_last_error, sizeof(t->ts_last_error), 50, 127);
		fz_str(t->ts_warning, sizeof(t->ts_warning), 60, 64);
		t->ts_nchild = (int)(fz_u64(70 + i) % (FZ_MAX_CHILD + 1));
		t->ts_child = NULL;
		if (t->ts_nchild > 0 && (t->ts_child = calloc((size_t)
		    t->ts_nchild, sizeof(*t->ts_child))) == NULL) {
			ike_status_free(out, i);
			return (-1);
		}
		for (j = 0; j < t->ts_nchild; j++) {
			struct child_status *c = &t->ts_child[j];

			c->cs_proto = j % 2 ? 51 : 50;
			c->cs_spi_in = (uint32_t)fz_u64(80 + j);
			fz_str(c->cs_local_ts, sizeof(c->cs_local_ts), 90 + j,
			    40);
			fz_str(c->cs_remote_ts, sizeof(c->cs_remote_ts), 95,
			    40);
			fz_str(c->cs_algs, sizeof(c->cs_algs), 100, 63);
			c->cs_bytes_in = fz_u64(110 + j);
			c->cs_packets_out = fz_u64(120);
		}
		fz_str(t->ts_peer_name, sizeof(t->ts_peer_name), 130, 63);
		t->ts_bytes_in = fz_u64(140);
		t->ts_failures = fz_u64(150);
	}
	return (n);
}

static int
fz_up(void *arg, const char *name)
{
	return (config_tunnel_find(fz_cfg, name) != NULL ? 0 : -1);
}

static int
fz_rekey(void *arg, const char *name, int ike)
{
	if (config_tunnel_find(fz_cfg, name) == NULL)
		return (-1);
	return (-(int)(fz_u64(3) % 4 == 1 ? 0 : fz_u64(3) % 4));
}

static void
fz_counters(void *arg, struct ike_counters *ic, struct net_counters *nc)
{
	memset(ic, 0xa5, sizeof(*ic));
	memset(nc, 0x5a, sizeof(*nc));
}

static int
fz_export(void *arg, const char *name, int format, struct buf *out,
    char *err, size_t errlen)
{
	struct cfg_tunnel	*t;

	if ((t = config_tunnel_find(fz_cfg, name)) == NULL) {
		snprintf(err, errlen, "no tunnel named %s", name);
		return (-1);
	}
	return (export_tunnel(t, (enum export_format)format, out, err,
	    errlen));
}

static int
fz_reload(void *arg, struct buf *out)
{
	static const char ok[] = "ok: f.conf reloaded: 2 tunnels\n";

	return (buf_add(out, ok, sizeof(ok) - 1) == -1 ? -1 : 0);
}

static int
fz_doctor(void *arg, const char *name, struct tunnel_diag *d,
    const char **state, int *connected)
{
	static const char *const states[] = { "Down", "Connecting",
	    "Connected", "Phase 1 failed", "Phase 2 failed" };
	uint8_t	 id[64];
	size_t	 i;

	if (config_tunnel_find(fz_cfg, name) == NULL)
		return (-1);
	memset(d, 0, sizeof(*d));
	diag_begin(d, 1 + (int)(fz_u64(5) % 2), (int)(fz_u64(6) % 2));
	diag_set(d, (enum diag_cause)(fz_u64(7) % (DIAG_OTHER + 1)),
	    1 + (int)(fz_u64(9) % 2));
	d->td_received = (int)(fz_u64(11) % 2);
	d->td_nat = (int)(fz_u64(12) % 2);
	d->td_tries = (int)(fz_u64(13) % 7);
	fz_str(d->td_notify, sizeof(d->td_notify), 14, 39);
	fz_str(d->td_ours, sizeof(d->td_ours), 20, 200);
	fz_str(d->td_theirs, sizeof(d->td_theirs), 25, 200);
	for (i = 0; i < sizeof(id) && 160 + i < fz_len; i++)
		id[i] = fz_data[160 + i];	/* raw, as received */
	diag_escape(d->td_peer_id, sizeof(d->td_peer_id), id, i);
	snprintf(d->td_expected_id, sizeof(d->td_expected_id), "%s",
	    "vpn.example.net");
	fz_str(d->td_ts_ours, sizeof(d->td_ts_ours), 33, 100);
	fz_str(d->td_ts_theirs, sizeof(d->td_ts_theirs), 44, 100);
	fz_str(d->td_detail, sizeof(d->td_detail), 55, 127);
	*state = states[fz_u64(8) % 5];
	*connected = fz_u64(8) % 5 == TUNNEL_CONNECTED;
	return (0);
}

static void
fz_init(void)
{
	char	 err[256];

	log_set_level(LOG_LVL_ERR);
	if ((fz_cfg = config_parse("f.conf", fuzz_conf, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_control: %s\n", err);
		abort();
	}
	if ((fz_log = connlog_new(8)) == NULL)
		abort();
	connlog_add(fz_log, "t1", "attempt", "IKEv2 initiator");
	connlog_add(fz_log, "t1", "state", "Connecting -> Connected");
	connlog_add(fz_log, "v1", "failure", "phase 1: \"quoted\" \\ %s",
	    "x");
	connlog_add(fz_log, "v1", "dpd", "peer dead, restart");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct control_ops	 ops = {
		.co_status = fz_status, .co_up = fz_up, .co_down = fz_up,
		.co_rekey = fz_rekey, .co_counters = fz_counters,
		.co_export = fz_export, .co_reload = fz_reload,
		.co_doctor = fz_doctor
	};
	struct control_req	 req;
	struct buf		*out;
	const uint8_t		*nul, *s, *nl;
	char			 err[512];
	size_t			 rlen, llen;

	if (fz_cfg == NULL)
		fz_init();
	ops.co_connlog = fz_log;
	nul = memchr(data, '\0', len);
	rlen = nul != NULL ? (size_t)(nul - data) : len;
	fz_data = nul != NULL ? nul + 1 : data + len;
	fz_len = nul != NULL ? len - rlen - 1 : 0;
	for (s = data; s < data + rlen; s = nl + 1) {
		if ((nl = memchr(s, '\n', (size_t)(data + rlen - s))) == NULL)
			nl = data + rlen;
		llen = (size_t)(nl - s) + (nl < data + rlen ? 1 : 0);
		if (control_req_parse((const char *)s, llen, &req, err,
		    sizeof(err)) == -1) {
			if (strncmp(err, "error: ", 7) != 0 ||
			    strchr(err, '\n') != NULL)
				__builtin_trap();
			continue;
		}
		if ((out = buf_new(0)) == NULL)
			return (0);
		if (control_reply(&ops, &req, out) == 0 &&
		    (out->buf_len == 0 ||
		    out->buf_data[out->buf_len - 1] != '\n'))
			__builtin_trap();
		buf_free(out);
	}
	return (0);
}
