/*
 * sa_queue.c - the queue of pending exchanges of an IKE SA, both
 * versions (sa_base.h, ike_sa_queue_run).
 *
 * What waits is a due flag on what it concerns (the IKE SA, a CHILD SA)
 * or a segment pair of the tunnel without a CHILD SA, so an entry never
 * outlives its subject and is never queued twice.  The queue starts them
 * in one fixed order while the SA's window has room: DELETEs of replaced
 * CHILD SAs first (the peer frees them), then the IKE SA rekey, CHILD SA
 * rekeys, expired CHILD SAs set up again, and new segment pairs.  The
 * versions only say how many requests may be in flight (so_window,
 * so_inflight) and how one exchange starts (so_start); a request that
 * fails to start is the version's to retry with backoff or to fail.
 */
#include <sys/queue.h>
#include <stddef.h>

#include "ike/internal.h"
#include "ike/sa_base.h"
#include "ipsec/child_sa.h"

/* Room in b's window for one more request of ours. */
static int
queue_room(const struct ike_sa_base *b)
{
	return (b->b_ops->so_inflight(b) < b->b_ops->so_window);
}

/* Whose CHILD SAs b's queue takes: b's, or (so_shared_children) those of
 * every live SA of its tunnel and version. */
static int
queue_holder(const struct ike_sa_base *b, const struct ike_sa_base *o)
{
	if (o == b)
		return (1);
	return (b->b_ops->so_shared_children && o->b_ops == b->b_ops &&
	    o->b_tunnel == b->b_tunnel &&
	    ike_sa_base_phase(o) != IKE_PHASE_GONE);
}

/* The SA after o (NULL: the first) whose CHILD SAs b takes: b alone, or
 * the holders among its tunnel's SAs in the engine's order. */
static struct ike_sa_base *
queue_holder_next(struct ike_sa_base *b, struct ike_sa_base *o)
{
	if (!b->b_ops->so_shared_children)
		return (o == NULL ? b : NULL);
	do
		o = ike_sa_base_kin_next(b, o, b->b_ops->so_version);
	while (o != NULL && !queue_holder(b, o));
	return (o);
}

/* Whether cs waits for task (and then the flag is taken). */
static int
queue_due(struct child_sa *cs, enum ike_task task)
{
	int	*flag;

	switch (task) {
	case IKE_TASK_CHILD_DELETE:
		if (cs->cs_state != CHILD_SA_REKEYED &&
		    cs->cs_state != CHILD_SA_EXPIRED &&
		    cs->cs_state != CHILD_SA_DELETING)
			return (0);
		flag = &cs->cs_delete_due;
		break;
	case IKE_TASK_CHILD_REKEY:
		if (cs->cs_state != CHILD_SA_INSTALLED)
			return (0);
		flag = &cs->cs_rekey_due;
		break;
	case IKE_TASK_CHILD_RECREATE:
		if (cs->cs_state != CHILD_SA_EXPIRED)
			return (0);
		flag = &cs->cs_recreate_due;
		break;
	default:
		return (0);
	}
	if (!*flag)
		return (0);
	*flag = 0;
	return (1);
}

/*
 * Starts what waits for task among the CHILD SAs b takes: 1 when the
 * window is full (or b no longer takes requests), 0 when nothing of that
 * kind waits any more.
 */
static int
queue_children(struct ike_sa_base *b, enum ike_task task)
{
	struct ike_sa_base	*o;
	struct child_sa		*cs;

again:
	for (o = queue_holder_next(b, NULL); o != NULL;
	    o = queue_holder_next(b, o)) {
		TAILQ_FOREACH(cs, &o->b_children, cs_entry) {
			if (!queue_room(b))
				return (1);
			if (!queue_due(cs, task))
				continue;
			b->b_ops->so_start(b, task, cs, cs->cs_pair);
			/* a start may change the lists: look again (the
			 * flag it took keeps this from repeating) */
			goto again;
		}
	}
	return (!queue_room(b));
}

void
ike_sa_queue_run(struct ike_sa_base *b)
{
	const struct ike_sa_ops	*o = b->b_ops;
	struct ike_tunnel	*t = b->b_tunnel;
	int			 p, npair;

	if (t == NULL || b->b_ctx->ctx_shutdown ||
	    ike_sa_base_phase(b) != IKE_PHASE_UP || !queue_room(b))
		return;
	if (queue_children(b, IKE_TASK_CHILD_DELETE))
		return;
	if (b->b_rekey_due) {
		b->b_rekey_due = 0;
		o->so_start(b, IKE_TASK_IKE_REKEY, NULL, -1);
		if (ike_sa_base_phase(b) != IKE_PHASE_UP || !queue_room(b))
			return;
	}
	if (queue_children(b, IKE_TASK_CHILD_REKEY) ||
	    queue_children(b, IKE_TASK_CHILD_RECREATE))
		return;
	if (!o->so_pairs(b))
		return;
	npair = t->t_cfg->tn_nlocal * t->t_cfg->tn_nremote;
	for (p = 0; p < npair && p < IKE_PAIR_MAX; p++) {
		if (!queue_room(b))
			return;
		/* failed pairs wait for the tunnel's next attempt */
		if (t->t_pair[p] == PAIR_NONE)
			o->so_start(b, IKE_TASK_PAIR, NULL, p);
	}
}
