/*
 * ike_status.c - the memory of a status snapshot (struct tunnel_status).
 * Apart from the engine so that the control server, the formatters and
 * their tests can free snapshots without linking the engine.
 */
#include <stdlib.h>

#include "ike/ike.h"

void
ike_status_free(struct tunnel_status *ts, int n)
{
	int	 i;

	if (ts == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(ts[i].ts_child);
		ts[i].ts_child = NULL;
		ts[i].ts_nchild = 0;
	}
}
