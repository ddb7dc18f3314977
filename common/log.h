/*
 * log.h - logging to stderr (foreground) or syslog (daemon).
 *
 * Every line about a tunnel carries its name: use the log_t*() forms with
 * the tunnel name (NULL for none).  Never pass secrets to these functions.
 */
#ifndef GW_LOG_H
#define GW_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LVL_ERR = 0,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG
};

/* use_syslog: 0 = stderr, 1 = syslog(LOG_DAEMON). */
void	log_init(int use_syslog, int level);
void	log_set_level(int level);
int	log_get_level(void);
void	log_msg(int level, const char *tunnel, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	log_vmsg(int level, const char *tunnel, const char *fmt, va_list ap)
	    __attribute__((format(printf, 3, 0)));

/*
 * Test hook: every line at or above the level goes to fn instead of
 * stderr or syslog (NULL: back to them).  line is formatted, no prefix.
 */
typedef void	log_hook_fn(void *arg, int level, const char *tunnel,
		    const char *line);
void	log_hook_set(log_hook_fn *fn, void *arg);

#define log_err(...)		log_msg(LOG_LVL_ERR, NULL, __VA_ARGS__)
#define log_warn(...)		log_msg(LOG_LVL_WARN, NULL, __VA_ARGS__)
#define log_info(...)		log_msg(LOG_LVL_INFO, NULL, __VA_ARGS__)
#define log_debug(...)		log_msg(LOG_LVL_DEBUG, NULL, __VA_ARGS__)
#define log_terr(t, ...)	log_msg(LOG_LVL_ERR, (t), __VA_ARGS__)
#define log_twarn(t, ...)	log_msg(LOG_LVL_WARN, (t), __VA_ARGS__)
#define log_tinfo(t, ...)	log_msg(LOG_LVL_INFO, (t), __VA_ARGS__)
#define log_tdebug(t, ...)	log_msg(LOG_LVL_DEBUG, (t), __VA_ARGS__)

/* Start-up failures and broken invariants only. */
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
