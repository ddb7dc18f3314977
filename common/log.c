/*
 * log.c - stderr or syslog logging with a per-tunnel prefix.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int	log_syslog;
static int	log_level = LOG_LVL_INFO;

static log_hook_fn *log_hook;
static void	*log_hook_arg;

static const char *const log_names[] = { "ERR", "WRN", "INF", "DBG" };

void
log_init(int use_syslog, int level)
{
	log_syslog = use_syslog;
	log_level = level;
	if (use_syslog)
		openlog("gatewayd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_level(int level)
{
	log_level = level;
}

int
log_get_level(void)
{
	return (log_level);
}

void
log_hook_set(log_hook_fn *fn, void *arg)
{
	log_hook = fn;
	log_hook_arg = arg;
}

static void
log_vmsg_out(int level, const char *tunnel, const char *fmt, va_list ap)
{
	static const int	 prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO,
				    LOG_DEBUG };
	char			 line[2048];
	struct timespec		 ts;
	struct tm		 tm;

	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_hook != NULL) {
		log_hook(log_hook_arg, level, tunnel, line);
		return;
	}
	if (log_syslog) {
		if (tunnel != NULL)
			syslog(prio[level], "[%s] %s", tunnel, line);
		else
			syslog(prio[level], "%s", line);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	if (tunnel != NULL)
		fprintf(stderr, "%02d:%02d:%02d.%03ld %s [%s] %s\n", tm.tm_hour,
		    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
		    log_names[level], tunnel, line);
	else
		fprintf(stderr, "%02d:%02d:%02d.%03ld %s %s\n", tm.tm_hour,
		    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
		    log_names[level], line);
}

void
log_vmsg(int level, const char *tunnel, const char *fmt, va_list ap)
{
	if (level < LOG_LVL_ERR || level > LOG_LVL_DEBUG || level > log_level)
		return;
	log_vmsg_out(level, tunnel, fmt, ap);
}

void
log_msg(int level, const char *tunnel, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vmsg(level, tunnel, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vmsg_out(LOG_LVL_ERR, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
