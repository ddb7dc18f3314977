/*
 * fuzz_config.c - libFuzzer target for the configuration parser: the
 * input is a gatewayd.conf text (cut at its first NUL, as config_load
 * refuses files with one).  A refused text must come with a message
 * that names the file; a psk line's key ("psk" then the key, or
 * "psk=KEY") must never appear in it (issue 8).  An accepted one must
 * hold its invariants: a tunnel's names resolve, segment counts fit,
 * its key (binary with 0x/0s) has 1 to CFG_PSK_MAX bytes.
 *
 * FUZZ_SOURCES: policy/config.c policy/ts.c crypto/dh.c crypto/prf.c crypto/cipher.c crypto/ikev1_keys.c common/buf.c common/log.c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "policy/config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/*
 * The refused line "f.conf:N: ...": when its first word starts with
 * "psk", its key (what follows, 8 characters or more: shorter words
 * occur in messages by chance) must not be in the message between the
 * "f.conf:N: " prefix and the hint in parentheses (fixed words such as
 * "test-short-lifetimes", which a key may be part of).
 */
static void
fuzz_psk_check(const char *text, const char *err)
{
	const char	*s, *e, *k, *msg;
	char		 key[CFG_PSK_MAX + 1], head[512];
	size_t		 n;
	long		 line, i;

	if (err[6] != ':' || (line = strtol(err + 7, (char **)&msg, 10)) <= 0 ||
	    *msg != ':')
		return;
	for (s = text, i = 1; i < line && s != NULL; i++)
		if ((s = strchr(s, '\n')) != NULL)
			s++;
	if (s == NULL)
		return;
	snprintf(head, sizeof(head), "%.*s", (int)strcspn(msg, "("), msg);
	while (*s == ' ' || *s == '\t')
		s++;
	if (strncmp(s, "psk", 3) == 0) {
		k = s + 3;
		while (*k == ' ' || *k == '\t' || *k == '=' || *k == ':')
			k++;
		for (e = k; *e != '\0' && *e != '\n' && *e != ' ' &&
		    *e != '\t' && *e != '#'; e++)
			;
		n = (size_t)(e - k);
		if (n < 8 || n > CFG_PSK_MAX)
			return;
		memcpy(key, k, n);
		key[n] = '\0';
		if (strstr(head, key) != NULL)
			__builtin_trap();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct config	*cfg;
	char		*text, err[512];
	int		 i;

	log_set_level(LOG_LVL_ERR);
	if ((text = malloc(len + 1)) == NULL)
		return (0);
	memcpy(text, data, len);
	text[len] = '\0';
	cfg = config_parse("f.conf", text, err, sizeof(err));
	if (cfg == NULL) {
		if (strncmp(err, "f.conf", 6) != 0 ||
		    strlen(err) >= sizeof(err))
			__builtin_trap();
		fuzz_psk_check(text, err);
	} else {
		for (i = 0; i < cfg->cfg_ntunnels; i++) {
			const struct cfg_tunnel *t = &cfg->cfg_tunnels[i];

			if (config_tunnel_find(cfg, t->tn_name) == NULL ||
			    t->tn_psk_len == 0 ||
			    t->tn_psk_len > CFG_PSK_MAX ||
			    t->tn_psk[t->tn_psk_len] != '\0')
				__builtin_trap();
		}
		config_free(cfg);
	}
	free(text);
	return (0);
}
