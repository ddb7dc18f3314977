/*
 * export.h - the configuration a tunnel's *peer* gateway needs, in the
 * peer's own configuration language (strongSwan ipsec.conf or
 * swanctl.conf, Libreswan ipsec.conf, Cisco IOS).  Sides are swapped:
 * the text's local/left side is the peer, its remote/right side is us.
 * The output holds the tunnel's PSK: it is for the operator who asked,
 * never for a log.
 */
#ifndef GW_EXPORT_H
#define GW_EXPORT_H

#include <stddef.h>

#include "policy/config.h"

enum export_format {
	EXPORT_IPSEC_CONF = 0,	/* strongSwan ipsec.conf + ipsec.secrets */
	EXPORT_SWANCTL,		/* strongSwan swanctl.conf */
	EXPORT_LIBRESWAN,	/* Libreswan 4.x ipsec.conf + ipsec.secrets */
	EXPORT_CISCO_IOS	/* Cisco IOS crypto configuration */
};

#define EXPORT_FORMAT_NAMES	"ipsec.conf, swanctl, libreswan, cisco-ios"

/* 0 and *f set for a format name, -1 for an unknown one. */
int		 export_format_parse(const char *name, enum export_format *f);
const char	*export_format_name(enum export_format f);

struct buf;
/*
 * Appends the peer's configuration for tunnel t in format f to out.
 * 0; -1 with out unchanged and err saying what the format cannot express
 * and what to do (or "out of memory").
 */
int		 export_tunnel(const struct cfg_tunnel *t, enum export_format f,
		    struct buf *out, char *err, size_t errlen);

#endif
