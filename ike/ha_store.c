/*
 * ha_store.c - the standby's table of synced SAs (ha_store.h): two
 * chained hash tables of a fixed size, IKE SAs by SPIi and CHILD SAs by
 * inbound SPI (random values chosen by the active node and its peers:
 * their low bytes spread well enough; the table is not reachable before
 * a record authenticates).
 */
#include <sys/queue.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike/ha_store.h"

#define HA_STORE_BUCKETS	1024

struct ha_ike_ent {
	LIST_ENTRY(ha_ike_ent)	 e_entry;
	uint64_t		 e_gen;		/* s_gen when last put */
	struct ha_ike_rec	 e_rec;
};

struct ha_child_ent {
	LIST_ENTRY(ha_child_ent) e_entry;
	uint64_t		 e_gen;
	struct ha_child_rec	 e_rec;
};

LIST_HEAD(ha_ike_head, ha_ike_ent);
LIST_HEAD(ha_child_head, ha_child_ent);

struct ha_store {
	struct ha_ike_head	 s_ike[HA_STORE_BUCKETS];
	struct ha_child_head	 s_child[HA_STORE_BUCKETS];
	size_t			 s_nike, s_nchild;
	uint64_t		 s_gen;		/* ha_store_gen_next */
};

static size_t
ha_store_hash(const uint8_t *p, size_t n)
{
	size_t	 h = 0, i;

	for (i = 0; i < n; i++)
		h = h * 31 + p[i];
	return (h % HA_STORE_BUCKETS);
}

struct ha_store *
ha_store_new(void)
{
	struct ha_store	*s;
	int		 i;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	for (i = 0; i < HA_STORE_BUCKETS; i++) {
		LIST_INIT(&s->s_ike[i]);
		LIST_INIT(&s->s_child[i]);
	}
	return (s);
}

static void
ha_ike_ent_free(struct ha_store *s, struct ha_ike_ent *e)
{
	LIST_REMOVE(e, e_entry);
	s->s_nike--;
	OPENSSL_clear_free(e, sizeof(*e));
}

static void
ha_child_ent_free(struct ha_store *s, struct ha_child_ent *e)
{
	LIST_REMOVE(e, e_entry);
	s->s_nchild--;
	OPENSSL_clear_free(e, sizeof(*e));
}

void
ha_store_clear(struct ha_store *s)
{
	struct ha_ike_ent	*ie;
	struct ha_child_ent	*ce;
	int			 i;

	for (i = 0; i < HA_STORE_BUCKETS; i++) {
		while ((ie = LIST_FIRST(&s->s_ike[i])) != NULL)
			ha_ike_ent_free(s, ie);
		while ((ce = LIST_FIRST(&s->s_child[i])) != NULL)
			ha_child_ent_free(s, ce);
	}
}

void
ha_store_free(struct ha_store *s)
{
	if (s == NULL)
		return;
	ha_store_clear(s);
	free(s);
}

static struct ha_ike_ent *
ha_ike_find(const struct ha_store *s, const uint8_t spi_i[8],
    const uint8_t spi_r[8])
{
	struct ha_ike_ent	*e;

	LIST_FOREACH(e, &s->s_ike[ha_store_hash(spi_i, 8)], e_entry)
		if (memcmp(e->e_rec.ir_spi_i, spi_i, 8) == 0 &&
		    memcmp(e->e_rec.ir_spi_r, spi_r, 8) == 0)
			return (e);
	return (NULL);
}

static struct ha_child_ent *
ha_child_find(const struct ha_store *s, uint8_t proto, uint32_t spi_in)
{
	struct ha_child_ent	*e;

	LIST_FOREACH(e, &s->s_child[ha_store_hash((const uint8_t *)&spi_in,
	    4)], e_entry)
		if (e->e_rec.cr_spi_in == spi_in &&
		    (proto == 0 || e->e_rec.cr_proto == proto))
			return (e);
	return (NULL);
}

const struct ha_ike_rec *
ha_store_ike_get(const struct ha_store *s, const uint8_t spi_i[8],
    const uint8_t spi_r[8])
{
	struct ha_ike_ent	*e = ha_ike_find(s, spi_i, spi_r);

	return (e == NULL ? NULL : &e->e_rec);
}

const struct ha_child_rec *
ha_store_child_get(const struct ha_store *s, uint8_t proto, uint32_t spi_in)
{
	struct ha_child_ent	*e = ha_child_find(s, proto, spi_in);

	return (e == NULL ? NULL : &e->e_rec);
}

int
ha_store_ike_put(struct ha_store *s, const struct ha_ike_rec *r)
{
	struct ha_ike_ent	*e;
	struct ha_child_ent	*ce;
	int			 i;

	if ((e = ha_ike_find(s, r->ir_spi_i, r->ir_spi_r)) == NULL) {
		if (s->s_nike >= HA_STORE_IKE_MAX ||
		    (e = calloc(1, sizeof(*e))) == NULL)
			return (-1);
		LIST_INSERT_HEAD(&s->s_ike[ha_store_hash(r->ir_spi_i, 8)], e,
		    e_entry);
		s->s_nike++;
	}
	e->e_rec = *r;
	e->e_gen = s->s_gen;
	/* the CHILD SAs it lists are its own now (an IKE SA rekey moved
	 * them from its predecessor, RFC 7296 §2.18) */
	for (i = 0; i < r->ir_nchildren; i++)
		if ((ce = ha_child_find(s, 0, r->ir_children[i])) != NULL) {
			memcpy(ce->e_rec.cr_ike_spi_i, r->ir_spi_i, 8);
			memcpy(ce->e_rec.cr_ike_spi_r, r->ir_spi_r, 8);
		}
	return (0);
}

int
ha_store_child_put(struct ha_store *s, const struct ha_child_rec *r)
{
	struct ha_child_ent	*e;
	uint64_t		 seq = 0;
	uint8_t			 adv = 0;

	if ((e = ha_child_find(s, r->cr_proto, r->cr_spi_in)) == NULL) {
		if (s->s_nchild >= HA_STORE_CHILD_MAX ||
		    (e = calloc(1, sizeof(*e))) == NULL)
			return (-1);
		LIST_INSERT_HEAD(&s->s_child[ha_store_hash((const uint8_t *)
		    &r->cr_spi_in, 4)], e, e_entry);
		s->s_nchild++;
	} else if (e->e_rec.cr_spi_out == r->cr_spi_out &&
	    e->e_rec.cr_seq_out > r->cr_seq_out) {
		/* the same SA again (a bulk dump): never backwards */
		seq = e->e_rec.cr_seq_out;
		adv = e->e_rec.cr_flags & HA_CHILD_SEQ_ADVANCED;
	}
	e->e_rec = *r;
	if (seq > e->e_rec.cr_seq_out) {
		e->e_rec.cr_seq_out = seq;
		e->e_rec.cr_flags = (uint8_t)((e->e_rec.cr_flags &
		    ~HA_CHILD_SEQ_ADVANCED) | adv);
	}
	e->e_gen = s->s_gen;
	return (0);
}

/* An IKE SA goes with its CHILD SAs (a scan: deletes are rare). */
static int
ha_store_del_ike(struct ha_store *s, const struct ha_del_rec *r)
{
	struct ha_ike_ent	*e;
	struct ha_child_ent	*ce, *next;
	int			 i, n = 0;

	if ((e = ha_ike_find(s, r->dr_spi_i, r->dr_spi_r)) != NULL) {
		ha_ike_ent_free(s, e);
		n = 1;
	}
	for (i = 0; i < HA_STORE_BUCKETS; i++)
		for (ce = LIST_FIRST(&s->s_child[i]); ce != NULL; ce = next) {
			next = LIST_NEXT(ce, e_entry);
			if (memcmp(ce->e_rec.cr_ike_spi_i, r->dr_spi_i,
			    8) == 0 && memcmp(ce->e_rec.cr_ike_spi_r,
			    r->dr_spi_r, 8) == 0) {
				ha_child_ent_free(s, ce);
				n = 1;
			}
		}
	return (n);
}

int
ha_store_del(struct ha_store *s, const struct ha_del_rec *r)
{
	struct ha_child_ent	*ce;

	if (r->dr_kind == HA_DEL_IKE)
		return (ha_store_del_ike(s, r));
	if ((ce = ha_child_find(s, r->dr_proto, r->dr_spi_in)) == NULL)
		return (0);
	ha_child_ent_free(s, ce);
	return (1);
}

size_t
ha_store_nike(const struct ha_store *s)
{
	return (s->s_nike);
}

size_t
ha_store_nchild(const struct ha_store *s)
{
	return (s->s_nchild);
}

void
ha_store_ike_each(const struct ha_store *s,
    void (*fn)(const struct ha_ike_rec *, void *), void *arg)
{
	const struct ha_ike_ent	*e;
	int			 i;

	for (i = 0; i < HA_STORE_BUCKETS; i++)
		LIST_FOREACH(e, &s->s_ike[i], e_entry)
			fn(&e->e_rec, arg);
}

void
ha_store_child_each(const struct ha_store *s,
    void (*fn)(const struct ha_child_rec *, void *), void *arg)
{
	const struct ha_child_ent	*e;
	int				 i;

	for (i = 0; i < HA_STORE_BUCKETS; i++)
		LIST_FOREACH(e, &s->s_child[i], e_entry)
			fn(&e->e_rec, arg);
}

int
ha_store_seq(struct ha_store *s, uint8_t proto, uint32_t spi_in,
    uint64_t seq)
{
	struct ha_child_ent	*e;

	if ((e = ha_child_find(s, proto, spi_in)) == NULL ||
	    seq <= e->e_rec.cr_seq_out)
		return (0);
	e->e_rec.cr_seq_out = seq;
	e->e_rec.cr_flags |= HA_CHILD_SEQ_ADVANCED;
	return (1);
}

void
ha_store_gen_next(struct ha_store *s)
{
	s->s_gen++;
}

size_t
ha_store_sweep(struct ha_store *s)
{
	struct ha_ike_ent	*ie, *inext;
	struct ha_child_ent	*ce, *cnext;
	size_t			 n = 0;
	int			 i;

	for (i = 0; i < HA_STORE_BUCKETS; i++) {
		for (ie = LIST_FIRST(&s->s_ike[i]); ie != NULL; ie = inext) {
			inext = LIST_NEXT(ie, e_entry);
			if (ie->e_gen != s->s_gen) {
				ha_ike_ent_free(s, ie);
				n++;
			}
		}
		for (ce = LIST_FIRST(&s->s_child[i]); ce != NULL; ce = cnext) {
			cnext = LIST_NEXT(ce, e_entry);
			if (ce->e_gen != s->s_gen) {
				ha_child_ent_free(s, ce);
				n++;
			}
		}
	}
	return (n);
}
