/*
 * child_sa.c - CHILD SA lifecycle: SPI, KEYMAT, kernel SAs and policies.
 */
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "common/keyfile.h"
#include "common/log.h"
#include "ipsec/child_sa.h"

static const char *const child_sa_state_names[] = {
	[CHILD_SA_NEW] = "NEW",
	[CHILD_SA_INSTALLED] = "INSTALLED",
	[CHILD_SA_REKEYED] = "REKEYED",
	[CHILD_SA_DELETING] = "DELETING",
	[CHILD_SA_DEAD] = "DEAD",
	[CHILD_SA_EXPIRED] = "EXPIRED",
};

const char *
child_sa_state_name(enum child_sa_state s)
{
	if ((unsigned)s >= sizeof(child_sa_state_names) /
	    sizeof(child_sa_state_names[0]))
		return ("?");
	return (child_sa_state_names[s]);
}

void
child_sa_set_state(struct child_sa *cs, enum child_sa_state s)
{
	if (cs->cs_state == s)
		return;
	log_tdebug(cs->cs_name, "CHILD SA %08x/%08x %s -> %s",
	    ntohl(cs->cs_spi_in), ntohl(cs->cs_spi_out),
	    child_sa_state_name(cs->cs_state), child_sa_state_name(s));
	cs->cs_state = s;
	/* negotiated: a held CHILD SA keeps no proposal (issue 11) */
	if (s == CHILD_SA_INSTALLED) {
		free(cs->cs_offer);
		cs->cs_offer = NULL;
	}
}

struct prop_offer *
child_sa_offer_new(struct child_sa *cs)
{
	if (cs->cs_offer == NULL)
		cs->cs_offer = calloc(1, sizeof(*cs->cs_offer));
	else
		memset(cs->cs_offer, 0, sizeof(*cs->cs_offer));
	return (cs->cs_offer);
}

struct child_sa *
child_sa_new(const char *name, uint8_t proto, struct in_addr local,
    struct in_addr remote)
{
	struct child_sa	*cs;

	if ((cs = calloc(1, sizeof(*cs))) == NULL)
		return (NULL);
	snprintf(cs->cs_name, sizeof(cs->cs_name), "%s", name);
	cs->cs_proto = proto;
	cs->cs_reqid = kernel_reqid_new();
	cs->cs_local = local;
	cs->cs_remote = remote;
	cs->cs_pair = -1;
	/* the exchange sets the tunnel's; never a silent 0 (no check) */
	cs->cs_replay_window = CFG_REPLAY_WINDOW_DEFAULT;
	return (cs);
}

void
child_sa_free(struct child_sa *cs)
{
	if (cs == NULL)
		return;
	child_sa_life_free(cs);
	dh_free(cs->cs_kedh);
	buf_free(cs->cs_nonce);
	buf_free(cs->cs_min_nonce);
	free(cs->cs_offer);
	if (cs->cs_keys != NULL) {
		OPENSSL_cleanse(cs->cs_keys, sizeof(*cs->cs_keys));
		free(cs->cs_keys);
	}
	OPENSSL_cleanse(cs, sizeof(*cs));
	free(cs);
}

int
child_sa_spi_alloc(struct child_sa *cs, struct kernel_ops *ko)
{
	if (ko->ko_spi_alloc(ko->ko_arg, cs->cs_proto, cs->cs_remote,
	    cs->cs_local, cs->cs_reqid, &cs->cs_spi_in) == -1) {
		log_terr(cs->cs_name, "cannot allocate an inbound SPI");
		return (-1);
	}
	return (0);
}

/*
 * RFC 7296 §2.17: "All keys for SAs carrying data from the initiator to
 * the responder are taken before SAs going from the responder to the
 * initiator"; for each, the encryption key first, then the integrity key.
 */
int
child_sa_keys_derive(struct child_sa *cs, int prf, const uint8_t *sk_d,
    size_t dlen, const struct buf *gir, const struct buf *ni,
    const struct buf *nr, int initiator)
{
	uint8_t		 keymat[4 * CRYPTO_MAX_KEY];
	size_t		 elen = 0, alen, total;
	uint8_t		*i2r_e, *i2r_a, *r2i_e, *r2i_a;
	struct child_sa_keys *k;
	int		 rc = -1;

	if (cs->cs_choice.pc_encr != 0 && (elen = encr_key_len(
	    cs->cs_choice.pc_encr, cs->cs_choice.pc_encr_bits)) == 0)
		goto done;
	/* ESP with an AEAD: no integrity key, the salt ends the key
	 * (RFC 4106 §8.1, RFC 7634 §4) */
	if (cs->cs_choice.pc_integ == AUTH_NONE &&
	    encr_is_aead(cs->cs_choice.pc_encr))
		alen = 0;
	else if ((alen = integ_key_len(cs->cs_choice.pc_integ)) == 0)
		goto done;
	total = 2 * (elen + alen);
	/* KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) */
	if (ikev2_child_keymat(prf, sk_d, dlen,
	    gir ? gir->buf_data : NULL, gir ? gir->buf_len : 0,
	    ni->buf_data, ni->buf_len, nr->buf_data, nr->buf_len,
	    keymat, total) == -1)
		goto done;
	i2r_e = keymat;
	i2r_a = i2r_e + elen;
	r2i_e = i2r_a + alen;
	r2i_a = r2i_e + elen;
	if ((k = child_sa_keys_get(cs)) == NULL)
		goto done;
	memcpy(k->ck_ekey_out, initiator ? i2r_e : r2i_e, elen);
	memcpy(k->ck_akey_out, initiator ? i2r_a : r2i_a, alen);
	memcpy(k->ck_ekey_in, initiator ? r2i_e : i2r_e, elen);
	memcpy(k->ck_akey_in, initiator ? r2i_a : i2r_a, alen);
	cs->cs_ekey_len = elen;
	cs->cs_akey_len = alen;
	rc = 0;
done:
	OPENSSL_cleanse(keymat, sizeof(keymat));
	if (rc == -1)
		log_terr(cs->cs_name, "CHILD SA key derivation failed");
	return (rc);
}

static void
child_sa_kernel_sa(const struct child_sa *cs, int inbound,
    struct kernel_sa *ks)
{
	const struct child_sa_keys *k;

	memset(ks, 0, sizeof(*ks));
	ks->ks_proto = cs->cs_proto;
	ks->ks_spi = inbound ? cs->cs_spi_in : cs->cs_spi_out;
	ks->ks_src = inbound ? cs->cs_remote : cs->cs_local;
	ks->ks_dst = inbound ? cs->cs_local : cs->cs_remote;
	ks->ks_reqid = cs->cs_reqid;
	ks->ks_encr = cs->cs_choice.pc_encr;
	ks->ks_encr_bits = cs->cs_choice.pc_encr_bits;
	/* no keys (wiped): an SA named by its SPI only (a delete) */
	if ((k = cs->cs_keys) != NULL) {
		ks->ks_ekey = inbound ? k->ck_ekey_in : k->ck_ekey_out;
		ks->ks_ekey_len = cs->cs_ekey_len;
		ks->ks_akey = inbound ? k->ck_akey_in : k->ck_akey_out;
		ks->ks_akey_len = cs->cs_akey_len;
	}
	ks->ks_integ = cs->cs_choice.pc_integ;
	ks->ks_lifetime = cs->cs_lifetime;
	ks->ks_bytes_hard = cs->cs_life_bytes;
	ks->ks_bytes_soft = cs->cs_soft_bytes;
	ks->ks_packets_hard = cs->cs_life_packets;
	ks->ks_packets_soft = cs->cs_soft_packets;
	ks->ks_no_soft_time = cs->cs_no_soft_time;
	ks->ks_replay_window = cs->cs_replay_window;
	ks->ks_esn = cs->cs_choice.pc_esn == PROP_ESN_YES;
	ks->ks_encap_sport = inbound ? cs->cs_encap_dport : cs->cs_encap_sport;
	ks->ks_encap_dport = inbound ? cs->cs_encap_sport : cs->cs_encap_dport;
	/* The inbound SPI came from XFRM_MSG_ALLOCSPI: update the larval SA
	 * (an adopted one's came from the old active node: no larval SA) */
	ks->ks_update = inbound && !cs->cs_adopted;
	ks->ks_oseq = inbound ? 0 : cs->cs_oseq;
}

/* Policy dir for local prefix l, remote prefix r (RFC 4301 §4.4.1). */
void
child_sa_policy_get(const struct child_sa *cs, int dir,
    const struct cfg_prefix *l, const struct cfg_prefix *r,
    struct kernel_policy *kp)
{
	int	out = dir == KDIR_OUT;

	memset(kp, 0, sizeof(*kp));
	kp->kp_dir = dir;
	kp->kp_src = out ? l->pf_addr : r->pf_addr;
	kp->kp_src_plen = out ? l->pf_plen : r->pf_plen;
	kp->kp_dst = out ? r->pf_addr : l->pf_addr;
	kp->kp_dst_plen = out ? r->pf_plen : l->pf_plen;
	kp->kp_tun_src = out ? cs->cs_local : cs->cs_remote;
	kp->kp_tun_dst = out ? cs->cs_remote : cs->cs_local;
	kp->kp_proto = cs->cs_proto;
	kp->kp_reqid = cs->cs_reqid;
}

/* Field by field: struct cfg_prefix has padding. */
static int
child_sa_prefix_eq(const struct cfg_prefix *a, const struct cfg_prefix *b)
{
	return (a->pf_addr.s_addr == b->pf_addr.s_addr &&
	    a->pf_plen == b->pf_plen);
}

/*
 * The siblings in others (policies installed) covering (l, r): *same, one
 * with cs's reqid, and *other, the best with another reqid (an installed
 * one before a rekeyed one, then the newest), each or NULL.  A rekey
 * collision leaves two reqids for one selector: removing an SA whose
 * successor shares its reqid must not re-point the policies to the
 * losing pair's (the v1-gw-gw soak: 6 s of traffic dropped by the
 * inbound policy's template, until the losing pair expired).
 */
static void
child_sa_siblings(const struct child_sa *cs, struct child_sa_list *others,
    const struct cfg_prefix *l, const struct cfg_prefix *r,
    const struct child_sa **same, const struct child_sa **other)
{
	const struct child_sa	*o;
	int			 i, j, covers;

	*same = *other = NULL;
	if (others == NULL)
		return;
	TAILQ_FOREACH(o, others, cs_entry) {
		if (o == cs || !o->cs_policies)
			continue;
		covers = 0;
		for (i = 0; i < o->cs_nlts; i++)
			for (j = 0; j < o->cs_nrts; j++)
				if (child_sa_prefix_eq(&o->cs_lts[i], l) &&
				    child_sa_prefix_eq(&o->cs_rts[j], r))
					covers = 1;
		if (!covers)
			continue;
		if (o->cs_reqid == cs->cs_reqid) {
			if (*same == NULL)
				*same = o;
		} else if (*other == NULL ||
		    (*other)->cs_state != CHILD_SA_INSTALLED ||
		    o->cs_state == CHILD_SA_INSTALLED)
			*other = o;
	}
}

/*
 * Adds a policy, replacing one with the same selector and direction (a
 * rekeyed or duplicate CHILD SA of the same tunnel).  The kernel's add
 * replaces in one step (XFRM_MSG_UPDPOLICY); an add that refuses an
 * existing one (the test kernel) gets a delete and another add.
 */
static int
child_sa_policy_put(struct kernel_ops *ko, const struct kernel_policy *kp)
{
	if (ko->ko_policy_add(ko->ko_arg, kp) == 0)
		return (0);
	ko->ko_policy_del(ko->ko_arg, kp);
	return (ko->ko_policy_add(ko->ko_arg, kp));
}

/*
 * The policies of every pair into kp (room for cs_nlts x cs_nrts x 3):
 * how many.  A rekeyed SA's successor (same reqid) finds them in place.
 */
static int
child_sa_policies_want(const struct child_sa *cs,
    struct child_sa_list *others, struct kernel_policy *kp)
{
	static const int	 dirs[] = { KDIR_OUT, KDIR_IN, KDIR_FWD };
	const struct child_sa	*same, *other;
	int			 i, j, d, n = 0;

	for (i = 0; i < cs->cs_nlts; i++)
		for (j = 0; j < cs->cs_nrts; j++) {
			child_sa_siblings(cs, others, &cs->cs_lts[i],
			    &cs->cs_rts[j], &same, &other);
			/* in place for our reqid, unless another may hold them */
			if (same != NULL && other == NULL)
				continue;
			for (d = 0; d < 3; d++)
				child_sa_policy_get(cs, dirs[d],
				    &cs->cs_lts[i], &cs->cs_rts[j], &kp[n++]);
		}
	return (n);
}

/* Room for child_sa_policies_want (NULL: no memory, logged). */
static struct kernel_policy *
child_sa_policies_alloc(const struct child_sa *cs)
{
	struct kernel_policy	*kp;

	kp = calloc((size_t)(cs->cs_nlts * cs->cs_nrts * 3) + 1, sizeof(*kp));
	if (kp == NULL)
		log_terr(cs->cs_name, "out of memory");
	return (kp);
}

/* Adds the policies of every pair, one by one. */
static int
child_sa_policies(struct child_sa *cs, struct kernel_ops *ko,
    struct child_sa_list *others)
{
	struct kernel_policy	*kp;
	int			 i, n, rv = 0;

	if ((kp = child_sa_policies_alloc(cs)) == NULL)
		return (-1);
	n = child_sa_policies_want(cs, others, kp);
	for (i = 0; i < n && rv == 0; i++)
		rv = child_sa_policy_put(ko, &kp[i]);
	free(kp);
	return (rv);
}

int
child_sa_policies_claim(struct child_sa *cs, struct kernel_ops *ko)
{
	static const int	 dirs[] = { KDIR_OUT, KDIR_IN, KDIR_FWD };
	struct kernel_policy	 kp;
	int			 i, j, d, rv = 0;

	if (!cs->cs_policies)
		return (0);
	for (i = 0; i < cs->cs_nlts; i++)
		for (j = 0; j < cs->cs_nrts; j++)
			for (d = 0; d < 3; d++) {
				child_sa_policy_get(cs, dirs[d],
				    &cs->cs_lts[i], &cs->cs_rts[j], &kp);
				if (child_sa_policy_put(ko, &kp) == -1)
					rv = -1;
			}
	return (rv);
}

void
child_sa_reqid_join(struct child_sa *cs, const struct child_sa *sibling)
{
	if (sibling == NULL || sibling == cs ||
	    sibling->cs_reqid == cs->cs_reqid || cs->cs_sa_in)
		return;
	log_tdebug(cs->cs_name, "CHILD SA %08x_i: the selectors of %08x_i, "
	    "which is up: its reqid %u", ntohl(cs->cs_spi_in),
	    ntohl(sibling->cs_spi_in), sibling->cs_reqid);
	cs->cs_reqid = sibling->cs_reqid;
	cs->cs_reqid_joined = 1;
}

/* Another CHILD SA of others with cs's reqid: cs is its rekey. */
static int
child_sa_rekeys(const struct child_sa *cs, const struct child_sa_list *others)
{
	const struct child_sa	*o;

	if (others == NULL || cs->cs_reqid_joined)
		return (0);
	TAILQ_FOREACH(o, others, cs_entry)
		if (o != cs && o->cs_reqid == cs->cs_reqid &&
		    o->cs_state != CHILD_SA_NEW)
			return (1);
	return (0);
}

/*
 * child_sa_install with ko_child_add: both SAs and every policy
 * child_sa_policies would add in one batch; a policy refused gets
 * child_sa_policy_put's second try.
 */
static int
child_sa_install_batch(struct child_sa *cs, struct kernel_ops *ko,
    struct child_sa_list *others)
{
	struct kernel_sa	 ks[2];
	struct kernel_policy	*kp;
	int			*res = NULL, i, nsa = 1, np, rv = -1;

	if ((kp = child_sa_policies_alloc(cs)) == NULL)
		return (-1);
	if ((res = calloc((size_t)(cs->cs_nlts * cs->cs_nrts * 3) + 2,
	    sizeof(*res))) == NULL) {
		log_terr(cs->cs_name, "out of memory");
		goto done;
	}
	child_sa_kernel_sa(cs, 1, &ks[0]);
	if (!cs->cs_out_deferred)
		child_sa_kernel_sa(cs, 0, &ks[nsa++]);
	np = child_sa_policies_want(cs, others, kp);
	(void)ko->ko_child_add(ko->ko_arg, ks, nsa, kp, np, res);
	cs->cs_sa_in = res[0] == 0;
	cs->cs_sa_out = nsa == 2 && res[1] == 0;
	cs->cs_policies = 1;
	if (!cs->cs_sa_in || (nsa == 2 && !cs->cs_sa_out))
		goto done;
	for (i = 0; i < np; i++)
		if (res[nsa + i] != 0 && child_sa_policy_put(ko, &kp[i]) == -1)
			goto done;
	rv = 0;
 done:
	free(kp);
	free(res);
	return (rv);
}

int
child_sa_install(struct child_sa *cs, struct kernel_ops *ko,
    struct child_sa_list *others)
{
	struct kernel_sa	 ks;

	if (ko->ko_child_add != NULL) {
		if (child_sa_install_batch(cs, ko, others) == -1)
			goto fail;
		goto installed;
	}
	child_sa_kernel_sa(cs, 1, &ks);
	if (ko->ko_sa_add(ko->ko_arg, &ks) == -1)
		goto fail;
	cs->cs_sa_in = 1;
	if (!cs->cs_out_deferred) {
		child_sa_kernel_sa(cs, 0, &ks);
		if (ko->ko_sa_add(ko->ko_arg, &ks) == -1)
			goto fail;
		cs->cs_sa_out = 1;
	}
	cs->cs_policies = 1;
	if (child_sa_policies(cs, ko, others) == -1)
		goto fail;
 installed:
	cs->cs_installed_at = time(NULL);
	child_sa_set_state(cs, CHILD_SA_INSTALLED);
	/* a successor keeps its predecessor's reqid: one rekey more */
	if (ko->ko_child_acct != NULL && child_sa_rekeys(cs, others))
		ko->ko_child_acct(ko->ko_event_arg, cs->cs_name, NULL, NULL,
		    1);
	return (0);
fail:
	log_terr(cs->cs_name, "cannot install the CHILD SA in the kernel");
	child_sa_uninstall(cs, ko, NULL);
	return (-1);
}

/* Does cs still need its keys after installation?  See the header. */
static int
child_sa_keys_needed(const struct child_sa *cs)
{
	return (cs->cs_out_deferred && !cs->cs_sa_out);
}

/*
 * For child_sa_move: the keys of cs's two installed SAs back from the
 * kernel (wiped here once installed).  0, or -1 (nothing kept).
 */
static int
child_sa_keys_reload(struct child_sa *cs, struct kernel_ops *ko)
{
	struct child_sa_keys	*k;
	size_t			 el, al, el2, al2;

	if (ko->ko_sa_keys == NULL || !cs->cs_sa_in || !cs->cs_sa_out ||
	    (k = calloc(1, sizeof(*k))) == NULL)
		return (-1);
	if (ko->ko_sa_keys(ko->ko_arg, cs->cs_proto, cs->cs_spi_in,
	    cs->cs_local, k->ck_ekey_in, &el, k->ck_akey_in, &al,
	    CRYPTO_MAX_KEY) == -1 ||
	    ko->ko_sa_keys(ko->ko_arg, cs->cs_proto, cs->cs_spi_out,
	    cs->cs_remote, k->ck_ekey_out, &el2, k->ck_akey_out, &al2,
	    CRYPTO_MAX_KEY) == -1 ||
	    el != el2 || al != al2 || el != cs->cs_ekey_len ||
	    al != cs->cs_akey_len) {
		OPENSSL_cleanse(k, sizeof(*k));
		free(k);
		return (-1);
	}
	cs->cs_keys = k;
	return (0);
}

struct child_sa_keys *
child_sa_keys_get(struct child_sa *cs)
{
	if (cs->cs_keys == NULL && !cs->cs_keys_wiped &&
	    (cs->cs_keys = calloc(1, sizeof(*cs->cs_keys))) == NULL)
		log_terr(cs->cs_name, "CHILD SA keys: out of memory");
	return (cs->cs_keys);
}

static void
child_sa_keys_wipe(struct child_sa *cs)
{
	if (cs->cs_keys != NULL) {
		OPENSSL_cleanse(cs->cs_keys, sizeof(*cs->cs_keys));
		free(cs->cs_keys);
		cs->cs_keys = NULL;
	}
	cs->cs_keys_wiped = 1;
	log_tdebug(cs->cs_name, "CHILD SA %08x_i: keys wiped (installed)",
	    ntohl(cs->cs_spi_in));
}

void
child_sa_keys_done(struct child_sa *cs, const struct config *cfg)
{
	if (cs->cs_keys_wiped)
		return;
	child_sa_keylog(cs, cfg);
	if (!child_sa_keys_needed(cs))
		child_sa_keys_wipe(cs);
}

int
child_sa_install_outbound(struct child_sa *cs, struct kernel_ops *ko)
{
	struct kernel_sa	 ks;

	if (!cs->cs_out_deferred || cs->cs_sa_out ||
	    cs->cs_state != CHILD_SA_INSTALLED)
		return (0);
	cs->cs_out_deferred = 0;
	if (cs->cs_keys_wiped) {	/* cannot happen: needed until now */
		log_terr(cs->cs_name, "outbound SA %08x_o: keys already "
		    "wiped", ntohl(cs->cs_spi_out));
		return (-1);
	}
	child_sa_kernel_sa(cs, 0, &ks);
	if (ko->ko_sa_add(ko->ko_arg, &ks) == -1) {
		log_terr(cs->cs_name, "cannot install the outbound SA %08x_o "
		    "in the kernel", ntohl(cs->cs_spi_out));
		return (-1);
	}
	cs->cs_sa_out = 1;
	log_tdebug(cs->cs_name, "CHILD SA %08x_i: outbound SA %08x_o "
	    "installed (the peer has the new SA)", ntohl(cs->cs_spi_in),
	    ntohl(cs->cs_spi_out));
	if (!child_sa_keys_needed(cs))
		child_sa_keys_wipe(cs);
	return (0);
}

void
child_sa_ts_str(const struct child_sa *cs, int local, char *out, size_t len)
{
	const struct cfg_prefix	*p = local ? cs->cs_lts : cs->cs_rts;
	int			 n = local ? cs->cs_nlts : cs->cs_nrts, i;
	size_t			 off = 0;
	char			 one[24];

	if (len == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		cfg_prefix_str(&p[i], one, sizeof(one));
		if (off + (i > 0) + strlen(one) + 1 > len)
			break;
		off += (size_t)snprintf(out + off, len - off, "%s%s",
		    i > 0 ? "," : "", one);
	}
}

static void
child_sa_rekey_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct child_sa	*cs = arg;

	if (cs->cs_timers != NULL && cs->cs_timers->ct_rekey != NULL)
		cs->cs_timers->ct_rekey(cs);
}

static void
child_sa_expire_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct child_sa	*cs = arg;

	if (cs->cs_timers != NULL && cs->cs_timers->ct_expire != NULL)
		cs->cs_timers->ct_expire(cs);
}

static void
child_sa_arm(void *ev, uint64_t ms)
{
	struct timeval	 tv = { (time_t)(ms / 1000),
			    (suseconds_t)(ms % 1000) * 1000 };

	if (ev != NULL)
		evtimer_add((struct event *)ev, &tv);
}

int
child_sa_life_start(struct child_sa *cs, struct event_base *base,
    uint64_t now, uint64_t life_ms, unsigned lo_pct, unsigned hi_pct,
    uint64_t margin_ms, const struct child_sa_timers *ct)
{
	if (cs->cs_timer == NULL && (cs->cs_timer = evtimer_new(base,
	    child_sa_rekey_cb, cs)) == NULL)
		return (-1);
	if (cs->cs_expire_timer == NULL && (cs->cs_expire_timer =
	    evtimer_new(base, child_sa_expire_cb, cs)) == NULL)
		return (-1);
	cs->cs_timers = ct;
	lifetime_init(&cs->cs_life, now, life_ms, lo_pct, hi_pct, margin_ms);
	child_sa_arm(cs->cs_timer, lifetime_rekey_in(&cs->cs_life, now));
	child_sa_arm(cs->cs_expire_timer, lifetime_hard_in(&cs->cs_life,
	    now));
	return (0);
}

void
child_sa_life_rekey_in(struct child_sa *cs, uint64_t ms)
{
	child_sa_arm(cs->cs_timer, ms);
}

void
child_sa_life_stop(struct child_sa *cs)
{
	if (cs->cs_timer != NULL)
		evtimer_del((struct event *)cs->cs_timer);
	if (cs->cs_expire_timer != NULL)
		evtimer_del((struct event *)cs->cs_expire_timer);
}

void
child_sa_life_free(struct child_sa *cs)
{
	if (cs->cs_timer != NULL)
		event_free((struct event *)cs->cs_timer);
	cs->cs_timer = NULL;
	if (cs->cs_expire_timer != NULL)
		event_free((struct event *)cs->cs_expire_timer);
	cs->cs_expire_timer = NULL;
	if (cs->cs_watch_ev != NULL)
		event_free((struct event *)cs->cs_watch_ev);
	cs->cs_watch_ev = NULL;
	if (cs->cs_settle_ev != NULL)
		event_free((struct event *)cs->cs_settle_ev);
	cs->cs_settle_ev = NULL;
}

static void
child_sa_watch_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct child_sa	*cs = arg;

	(void)fd;
	(void)ev;
	if (cs->cs_watch_cb != NULL)
		cs->cs_watch_cb(cs);
}

static void
child_sa_settle_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct child_sa	*cs = arg;

	(void)fd;
	(void)ev;
	if (cs->cs_settle_cb != NULL)
		cs->cs_settle_cb(cs);
}

/* Arms the one-shot timer *evp (created on first use, calling fn). */
static int
child_sa_timer_once(struct child_sa *cs, void **evp, struct event_base *base,
    event_callback_fn fn, uint64_t ms)
{
	if (*evp == NULL && (*evp = evtimer_new(base, fn, cs)) == NULL)
		return (-1);
	child_sa_arm(*evp, ms);
	return (0);
}

int
child_sa_watch(struct child_sa *cs, struct event_base *base, uint64_t ms,
    void (*cb)(struct child_sa *cs))
{
	cs->cs_watch_cb = cb;
	return (child_sa_timer_once(cs, &cs->cs_watch_ev, base,
	    child_sa_watch_cb, ms));
}

int
child_sa_settle(struct child_sa *cs, struct event_base *base, uint64_t ms,
    void (*cb)(struct child_sa *cs))
{
	cs->cs_settle_cb = cb;
	return (child_sa_timer_once(cs, &cs->cs_settle_ev, base,
	    child_sa_settle_cb, ms));
}

int
child_sa_is_kernel_sa(const struct child_sa *cs, uint8_t proto,
    uint32_t spi, struct in_addr dst)
{
	return (cs->cs_proto == proto && ((cs->cs_spi_in == spi &&
	    cs->cs_local.s_addr == dst.s_addr) || (cs->cs_spi_out == spi &&
	    cs->cs_remote.s_addr == dst.s_addr)));
}

int
child_sa_same_ts(const struct child_sa *a, const struct child_sa *b)
{
	int	 i;

	if (a->cs_nlts != b->cs_nlts || a->cs_nrts != b->cs_nrts)
		return (0);
	for (i = 0; i < a->cs_nlts; i++)
		if (a->cs_lts[i].pf_addr.s_addr != b->cs_lts[i].pf_addr.s_addr ||
		    a->cs_lts[i].pf_plen != b->cs_lts[i].pf_plen)
			return (0);
	for (i = 0; i < a->cs_nrts; i++)
		if (a->cs_rts[i].pf_addr.s_addr != b->cs_rts[i].pf_addr.s_addr ||
		    a->cs_rts[i].pf_plen != b->cs_rts[i].pf_plen)
			return (0);
	return (1);
}

uint64_t
child_sa_inbound_bytes(const struct child_sa *cs, struct kernel_ops *ko)
{
	struct kernel_sa_stats	 st;

	if (!cs->cs_sa_in || ko->ko_sa_stats == NULL ||
	    ko->ko_sa_stats(ko->ko_arg, cs->cs_proto, cs->cs_spi_in,
	    cs->cs_local, &st) == -1)
		return (0);
	return (st.st_bytes);
}

/* Installs cs's SA of one direction again (update: UPDSA of a valid SA). */
static int
child_sa_sa_put(struct child_sa *cs, struct kernel_ops *ko, int inbound,
    int update)
{
	struct kernel_sa	 ks;

	child_sa_kernel_sa(cs, inbound, &ks);
	ks.ks_update = update;
	return (ko->ko_sa_add(ko->ko_arg, &ks));
}

int
child_sa_move(struct child_sa *cs, struct kernel_ops *ko,
    struct in_addr remote, uint16_t dport)
{
	int	 in = cs->cs_sa_in, out = cs->cs_sa_out, rc = 1;
	int	 reloaded = 0;

	if (dport == 0 || cs->cs_encap_dport == 0)
		dport = cs->cs_encap_dport;
	if (cs->cs_remote.s_addr == remote.s_addr &&
	    cs->cs_encap_dport == dport)
		return (0);
	if (cs->cs_keys == NULL) {
		if (!cs->cs_keys_wiped || child_sa_keys_reload(cs, ko) == -1) {
			log_twarn(cs->cs_name, "CHILD SA %08x_i cannot follow "
			    "the peer to its new address: the kernel did not "
			    "give its keys back (they were wiped here once "
			    "installed); it stays until it is rekeyed or "
			    "expires", ntohl(cs->cs_spi_in));
			return (-1);
		}
		reloaded = 1;
	}
	if (cs->cs_remote.s_addr == remote.s_addr) {
		cs->cs_encap_dport = dport;
		if ((in && child_sa_sa_put(cs, ko, 1, 1) == -1) ||
		    (out && child_sa_sa_put(cs, ko, 0, 1) == -1))
			rc = -1;
		goto done;
	}
	child_sa_sas_remove(cs, ko, 0);
	cs->cs_remote = remote;
	cs->cs_encap_dport = dport;
	if (in && child_sa_sa_put(cs, ko, 1, 0) == 0)
		cs->cs_sa_in = 1;
	if (out && child_sa_sa_put(cs, ko, 0, 0) == 0)
		cs->cs_sa_out = 1;
	if (cs->cs_sa_in != in || cs->cs_sa_out != out ||
	    (cs->cs_policies && child_sa_policies(cs, ko, NULL) == -1))
		rc = -1;
done:
	if (reloaded)
		child_sa_keys_wipe(cs);
	if (rc == -1)
		log_terr(cs->cs_name, "CHILD SA %08x_i: cannot move its SAs "
		    "to the peer's new address in the kernel",
		    ntohl(cs->cs_spi_in));
	return (rc);
}

void
child_sa_policies_refresh(struct child_sa *cs, struct kernel_ops *ko)
{
	if (cs->cs_policies)
		child_sa_policies(cs, ko, NULL);
}

static void
child_sa_policies_remove(struct child_sa *cs, struct kernel_ops *ko,
    struct child_sa_list *others)
{
	static const int	 dirs[] = { KDIR_OUT, KDIR_IN, KDIR_FWD };
	const struct child_sa	*same, *other;
	struct kernel_policy	 kp;
	int			 i, j, d;

	for (i = 0; i < cs->cs_nlts; i++)
		for (j = 0; j < cs->cs_nrts; j++) {
			child_sa_siblings(cs, others, &cs->cs_lts[i],
			    &cs->cs_rts[j], &same, &other);
			/* rekeyed: the successor uses the same policies */
			if (same != NULL)
				continue;
			for (d = 0; d < 3; d++) {
				child_sa_policy_get(other ? other : cs, dirs[d],
				    &cs->cs_lts[i], &cs->cs_rts[j], &kp);
				/* a sibling keeps the selector: re-point it */
				if (other != NULL)
					child_sa_policy_put(ko, &kp);
				else
					ko->ko_policy_del(ko->ko_arg, &kp);
			}
		}
}

/* Raises *seen to st where st is higher (kernel counters only grow). */
static void
child_sa_seen(struct kernel_sa_stats *seen, const struct kernel_sa_stats *st)
{
	if (st->st_bytes > seen->st_bytes)
		seen->st_bytes = st->st_bytes;
	if (st->st_packets > seen->st_packets)
		seen->st_packets = st->st_packets;
	if (st->st_use_time > seen->st_use_time)
		seen->st_use_time = st->st_use_time;
}

void
child_sa_traffic(struct child_sa *cs, struct kernel_ops *ko,
    struct kernel_sa_stats *in, struct kernel_sa_stats *out)
{
	struct kernel_sa_stats	 st;

	if (ko->ko_sa_stats != NULL && cs->cs_sa_in &&
	    ko->ko_sa_stats(ko->ko_arg, cs->cs_proto, cs->cs_spi_in,
	    cs->cs_local, &st) == 0)
		child_sa_seen(&cs->cs_seen_in, &st);
	if (ko->ko_sa_stats != NULL && cs->cs_sa_out &&
	    ko->ko_sa_stats(ko->ko_arg, cs->cs_proto, cs->cs_spi_out,
	    cs->cs_remote, &st) == 0)
		child_sa_seen(&cs->cs_seen_out, &st);
	*in = cs->cs_seen_in;
	*out = cs->cs_seen_out;
}

/*
 * The SAs of cs are about to leave the kernel (in/out: which ones): their
 * last counters go to the tunnel's totals (ko_child_acct), read before
 * the delete; one the kernel removed already counts what was seen.
 */
static void
child_sa_retire(struct child_sa *cs, struct kernel_ops *ko, int in, int out)
{
	struct kernel_sa_stats	 si, so;

	if (!in && !out)
		return;
	child_sa_traffic(cs, ko, &si, &so);
	if (ko->ko_child_acct != NULL)
		ko->ko_child_acct(ko->ko_event_arg, cs->cs_name,
		    in ? &si : NULL, out ? &so : NULL, 0);
	/* counted once: a later removal of the other half adds only it */
	if (in)
		memset(&cs->cs_seen_in, 0, sizeof(cs->cs_seen_in));
	if (out)
		memset(&cs->cs_seen_out, 0, sizeof(cs->cs_seen_out));
}

void
child_sa_sas_remove(struct child_sa *cs, struct kernel_ops *ko,
    uint32_t gone_spi)
{
	child_sa_retire(cs, ko, cs->cs_sa_in, cs->cs_sa_out);
	if (cs->cs_sa_out && cs->cs_spi_out != gone_spi)
		ko->ko_sa_del(ko->ko_arg, cs->cs_proto, cs->cs_spi_out,
		    cs->cs_remote);
	cs->cs_sa_out = 0;
	if (cs->cs_sa_in && cs->cs_spi_in != gone_spi)
		ko->ko_sa_del(ko->ko_arg, cs->cs_proto, cs->cs_spi_in,
		    cs->cs_local);
	cs->cs_sa_in = 0;
}

void
child_sa_uninstall(struct child_sa *cs, struct kernel_ops *ko,
    struct child_sa_list *others)
{
	child_sa_retire(cs, ko, cs->cs_sa_in, cs->cs_sa_out);
	if (cs->cs_policies)
		child_sa_policies_remove(cs, ko, others);
	cs->cs_policies = 0;
	if (cs->cs_sa_out)
		ko->ko_sa_del(ko->ko_arg, cs->cs_proto, cs->cs_spi_out,
		    cs->cs_remote);
	cs->cs_sa_out = 0;
	/* also removes the larval SA ALLOCSPI left for one never
	 * installed (an expired one's SAs are gone already) */
	if (cs->cs_sa_in || (cs->cs_spi_in != 0 &&
	    cs->cs_state == CHILD_SA_NEW))
		ko->ko_sa_del(ko->ko_arg, cs->cs_proto, cs->cs_spi_in,
		    cs->cs_local);
	cs->cs_sa_in = 0;
	if (cs->cs_state != CHILD_SA_NEW)
		child_sa_set_state(cs, CHILD_SA_DEAD);
}

int
child_sa_list_count_in(const struct child_sa_list *list)
{
	const struct child_sa	*cs;
	int			 n = 0;

	TAILQ_FOREACH(cs, list, cs_entry)
		n += cs->cs_sa_in;
	return (n);
}

int
child_sa_retire_begin(int n_in, struct kernel_ops *ko)
{
	if (ko->ko_stats_snapshot == NULL || n_in < CHILD_SA_STATS_DUMP)
		return (0);
	return (ko->ko_stats_snapshot(ko->ko_arg) == 0);
}

int
child_sa_list_retire_begin(const struct child_sa_list *list,
    struct kernel_ops *ko)
{
	const struct child_sa	*cs;
	struct kernel_sa_id	*ids;
	int			 n = 0, n_in = 0, rc;

	TAILQ_FOREACH(cs, list, cs_entry) {
		n_in += cs->cs_sa_in;
		n += cs->cs_sa_in + cs->cs_sa_out;
	}
	if (ko->ko_stats_fetch == NULL)
		return (child_sa_retire_begin(n_in, ko));
	if (n_in < CHILD_SA_STATS_DUMP ||
	    (ids = calloc(n, sizeof(*ids))) == NULL)
		return (0);
	n = 0;
	TAILQ_FOREACH(cs, list, cs_entry) {
		if (cs->cs_sa_in) {
			ids[n].si_proto = cs->cs_proto;
			ids[n].si_spi = cs->cs_spi_in;
			ids[n++].si_dst = cs->cs_local;
		}
		if (cs->cs_sa_out) {
			ids[n].si_proto = cs->cs_proto;
			ids[n].si_spi = cs->cs_spi_out;
			ids[n++].si_dst = cs->cs_remote;
		}
	}
	rc = ko->ko_stats_fetch(ko->ko_arg, ids, n) == 0;
	free(ids);
	return (rc);
}

void
child_sa_retire_end(struct kernel_ops *ko, int snap)
{
	if (snap && ko->ko_stats_release != NULL)
		ko->ko_stats_release(ko->ko_arg);
}

uint64_t
child_sa_list_inbound(const struct child_sa_list *list, struct kernel_ops *ko,
    uint64_t *use)
{
	struct kernel_sa_stats	 st;
	const struct child_sa	*cs;
	uint64_t		 n = 0;

	*use = 0;
	if (ko->ko_sa_stats == NULL)
		return (0);
	TAILQ_FOREACH(cs, list, cs_entry)
		if (cs->cs_sa_in && ko->ko_sa_stats(ko->ko_arg, cs->cs_proto,
		    cs->cs_spi_in, cs->cs_local, &st) == 0) {
			n += st.st_bytes;
			if (st.st_use_time > *use)
				*use = st.st_use_time;
		}
	return (n);
}

void
child_sa_algs(const struct child_sa *cs, char *out, size_t len)
{
	const struct proposal_choice *pc = &cs->cs_choice;
	const char	*dh = cs->cs_dh ? crypto_dh_name(cs->cs_dh) : "";
	const char	*esn = pc->pc_esn == PROP_ESN_YES ? "/esn" : "";

	if (pc->pc_encr != 0 && pc->pc_integ == AUTH_NONE)	/* AEAD */
		snprintf(out, len, "%s%s%s%s",
		    crypto_encr_name(pc->pc_encr, pc->pc_encr_bits),
		    cs->cs_dh ? "/" : "", dh, esn);
	else if (pc->pc_encr != 0)
		snprintf(out, len, "%s/%s%s%s%s",
		    crypto_encr_name(pc->pc_encr, pc->pc_encr_bits),
		    crypto_integ_name(pc->pc_integ), cs->cs_dh ? "/" : "", dh,
		    esn);
	else
		snprintf(out, len, "%s%s%s%s", crypto_integ_name(pc->pc_integ),
		    cs->cs_dh ? "/" : "", dh, esn);
}

/*
 * Wireshark's ESP SA table (esp_sa) names; NULL when Wireshark has none.
 * ChaCha20-Poly1305 only with chacha (keylog-chacha20 yes): Wireshark 4.0
 * has no such name, later releases decrypt it.  An AEAD's key includes
 * its salt (RFC 4106 §8.1, RFC 7634 §4: 4 bytes after the key).
 */
static const char *
child_sa_ws_encr(int encr, int chacha)
{
	switch (encr) {
	case ENCR_AES_CBC:
		return ("AES-CBC [RFC3602]");
	case ENCR_3DES:
		return ("TripleDes-CBC [RFC2451]");
	case ENCR_AES_GCM_8:
		return ("AES-GCM with 8 octet ICV [RFC4106]");
	case ENCR_AES_GCM_12:
		return ("AES-GCM with 12 octet ICV [RFC4106]");
	case ENCR_AES_GCM_16:
		return ("AES-GCM with 16 octet ICV [RFC4106]");
	case ENCR_CHACHA20_POLY1305:
		return (chacha ? "ChaCha20 with Poly1305 [RFC7634]" : NULL);
	default:
		return (NULL);
	}
}

static const char *
child_sa_ws_integ(int integ)
{
	switch (integ) {
	case AUTH_HMAC_MD5_96:
		return ("HMAC-MD5-96 [RFC2403]");
	case AUTH_HMAC_SHA1_96:
		return ("HMAC-SHA-1-96 [RFC2404]");
	case AUTH_HMAC_SHA2_256_128:
		return ("HMAC-SHA-256-128 [RFC4868]");
	case AUTH_HMAC_SHA2_384_192:
		return ("HMAC-SHA-384-192 [RFC4868]");
	case AUTH_HMAC_SHA2_512_256:
		return ("HMAC-SHA-512-256 [RFC4868]");
	default:
		return ("NULL");	/* an AEAD */
	}
}

static void
child_sa_keylog_line(FILE *f, const struct child_sa *cs, int inbound,
    const char *encr)
{
	char	 src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
	char	 ek[2 * CRYPTO_MAX_KEY + 1], ak[2 * CRYPTO_MAX_KEY + 1];
	const struct child_sa_keys *k;

	inet_ntop(AF_INET, inbound ? &cs->cs_remote : &cs->cs_local, src,
	    sizeof(src));
	inet_ntop(AF_INET, inbound ? &cs->cs_local : &cs->cs_remote, dst,
	    sizeof(dst));
	if ((k = cs->cs_keys) == NULL)
		return;
	hex_encode(inbound ? k->ck_ekey_in : k->ck_ekey_out,
	    cs->cs_ekey_len, ek);
	hex_encode(inbound ? k->ck_akey_in : k->ck_akey_out,
	    cs->cs_akey_len, ak);
	/* an AEAD (no integrity key) gets "NULL" with an empty key */
	fprintf(f, "\"IPv4\",\"%s\",\"%s\",\"0x%08x\",\"%s\",\"0x%s\","
	    "\"%s\",\"%s%s\"\n", src, dst,
	    ntohl(inbound ? cs->cs_spi_in : cs->cs_spi_out),
	    encr, ek,
	    child_sa_ws_integ(cs->cs_choice.pc_integ),
	    cs->cs_akey_len > 0 ? "0x" : "", ak);
	OPENSSL_cleanse(ek, sizeof(ek));
	OPENSSL_cleanse(ak, sizeof(ak));
}

void
child_sa_keylog(const struct child_sa *cs, const struct config *cfg)
{
	char		 err[4400];
	const char	*encr;
	FILE		*f;

	if (cfg == NULL || cfg->cfg_keylog_dir[0] == '\0' ||
	    cs->cs_proto != IPPROTO_ESP)
		return;
	/* A name Wireshark does not know would void its whole table. */
	encr = child_sa_ws_encr(cs->cs_choice.pc_encr, cfg->cfg_keylog_chacha);
	if (encr == NULL) {
		log_tinfo(cs->cs_name, "no Wireshark key line: Wireshark 4.0 "
		    "has no ESP decryption for %s%s",
		    crypto_encr_name(cs->cs_choice.pc_encr,
		    cs->cs_choice.pc_encr_bits),
		    cs->cs_choice.pc_encr == ENCR_CHACHA20_POLY1305 ?
		    " (later releases have: keylog-chacha20 yes)" : "");
		return;
	}
	if ((f = keyfile_open(cfg->cfg_keylog_dir, "esp_sa", err,
	    sizeof(err))) == NULL) {
		log_twarn(cs->cs_name, "%s", err);
		return;
	}
	child_sa_keylog_line(f, cs, 1, encr);
	child_sa_keylog_line(f, cs, 0, encr);
	fclose(f);
}

void
child_sa_volume_set(struct child_sa *cs, uint64_t bytes, uint64_t packets,
    unsigned lo_pct, unsigned hi_pct)
{
	cs->cs_life_bytes = bytes;
	cs->cs_life_packets = packets;
	cs->cs_soft_bytes = lifetime_volume_soft(bytes, lo_pct, hi_pct);
	cs->cs_soft_packets = lifetime_volume_soft(packets, lo_pct, hi_pct);
}
