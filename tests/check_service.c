/*
 * check_service.c - gatewayd as a service: the readiness notification
 * (daemon/sdnotify.c), the pid file (daemon/pidfile.c), the reload report
 * (daemon/reload.c) against a real engine on a mock kernel and network,
 * and the connection log the engine writes during real exchanges.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <event2/event.h>

#include "common/buf.h"
#include "common/connlog.h"
#include "common/log.h"
#include "daemon/pidfile.h"
#include "daemon/reload.h"
#include "daemon/sdnotify.h"
#include "ike/ike.h"
#include "policy/config.h"
#include "tests/exchange_pair.h"
#include "tests/mock_kernel.h"
#include "tests/mock_net.h"

static char	 dir[64];

static void
dir_setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/gw-service-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
dir_teardown(void)
{
	char	 cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static const char *
str(struct buf *b)
{
	ck_assert_int_eq(buf_add_u8(b, '\0'), 0);
	b->buf_len--;
	return ((const char *)b->buf_data);
}

/* --- sd_notify --- */

/* A datagram socket at sun/len; the message it got within 1 s. */
static void
recv_msg(int fd, char *out, size_t len)
{
	struct timeval	 tv = { 1, 0 };
	ssize_t		 r;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	r = recv(fd, out, len - 1, 0);
	ck_assert_msg(r > 0, "no notification: %s", strerror(errno));
	out[r] = '\0';
}

START_TEST(test_notify_path)
{
	struct sockaddr_un	 sun;
	char			 msg[256];
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/notify", dir);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	setenv("NOTIFY_SOCKET", sun.sun_path, 1);
	ck_assert_int_eq(sdnotify("READY=1"), 1);
	recv_msg(fd, msg, sizeof(msg));
	ck_assert_str_eq(msg, "READY=1");
	ck_assert_int_eq(sdnotify("STOPPING=1"), 1);
	recv_msg(fd, msg, sizeof(msg));
	ck_assert_str_eq(msg, "STOPPING=1");
	unsetenv("NOTIFY_SOCKET");
	/* not under a service manager: nothing sent, no error */
	ck_assert_int_eq(sdnotify("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	ck_assert_int_eq(sdnotify("READY=1"), -1);
	/* nobody listens there */
	setenv("NOTIFY_SOCKET", "/nonexistent/notify", 1);
	ck_assert_int_eq(sdnotify("READY=1"), -1);
	unsetenv("NOTIFY_SOCKET");
	close(fd);
}
END_TEST

/* '@' names a socket in the abstract namespace (a leading NUL byte). */
START_TEST(test_notify_abstract)
{
	struct sockaddr_un	 sun;
	char			 name[64], msg[256];
	unsigned long long	 usec;
	socklen_t		 len;
	int			 fd;

	snprintf(name, sizeof(name), "gw-notify-test-%ld", (long)getpid());
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, name, strlen(name));
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(name));
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, len), 0);
	snprintf(msg, sizeof(msg), "@%s", name);
	setenv("NOTIFY_SOCKET", msg, 1);
	ck_assert_int_eq(sdnotify_reloading(), 1);
	recv_msg(fd, msg, sizeof(msg));
	ck_assert_msg(sscanf(msg, "RELOADING=1\nMONOTONIC_USEC=%llu",
	    &usec) == 1 && usec > 0, "%s", msg);
	ck_assert_int_eq(sdnotify("READY=1"), 1);
	recv_msg(fd, msg, sizeof(msg));
	ck_assert_str_eq(msg, "READY=1");
	unsetenv("NOTIFY_SOCKET");
	close(fd);
}
END_TEST

/* --- pid file --- */

static long
file_pid(const char *path)
{
	FILE	*fp = fopen(path, "r");
	long	 pid = -1;

	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(fscanf(fp, "%ld", &pid), 1);
	fclose(fp);
	return (pid);
}

START_TEST(test_pidfile_second_refused)
{
	struct pidfile	*pf, *pf2;
	char		 path[128], err[512];
	struct stat	 st;
	pid_t		 child;
	int		 status;

	snprintf(path, sizeof(path), "%s/gatewayd.pid", dir);
	pf = pidfile_open(path, err, sizeof(err));
	ck_assert_msg(pf != NULL, "%s", err);
	ck_assert_int_eq(file_pid(path), (long)getpid());
	/* another open (another process's view) is refused, and says who */
	pf2 = pidfile_open(path, err, sizeof(err));
	ck_assert_ptr_null(pf2);
	ck_assert_msg(strstr(err, "is locked by another gatewayd") != NULL &&
	    strstr(err, path) != NULL, "%s", err);
	snprintf(path + strlen(path), 32, "%s", "");
	{
		char	 want[64];

		snprintf(want, sizeof(want), "(pid %ld)", (long)getpid());
		ck_assert_msg(strstr(err, want) != NULL, "%s", err);
	}
	/* a second process too */
	if ((child = fork()) == 0)
		_exit(pidfile_open(path, err, sizeof(err)) == NULL ? 7 : 0);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 7);
	ck_assert_int_eq(file_pid(path), (long)getpid());
	/* no temporary file left */
	snprintf(err, sizeof(err), "%s.tmp.%ld", path, (long)getpid());
	ck_assert_int_eq(stat(err, &st), -1);
	pidfile_close(pf);
	ck_assert_int_eq(stat(path, &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	/* free again: the next one starts */
	pf = pidfile_open(path, err, sizeof(err));
	ck_assert_msg(pf != NULL, "%s", err);
	pidfile_close(pf);
}
END_TEST

/* A file a crashed gatewayd left (nobody holds its lock) is taken over. */
START_TEST(test_pidfile_stale)
{
	struct pidfile	*pf;
	char		 path[128], err[512];
	FILE		 *fp;

	snprintf(path, sizeof(path), "%s/stale.pid", dir);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "999999\n");
	fclose(fp);
	pf = pidfile_open(path, err, sizeof(err));
	ck_assert_msg(pf != NULL, "%s", err);
	ck_assert_int_eq(file_pid(path), (long)getpid());
	pidfile_close(pf);
	/* a directory that does not exist: says so */
	snprintf(path, sizeof(path), "%s/no/such/dir.pid", dir);
	ck_assert_ptr_null(pidfile_open(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, "cannot open pid file") != NULL, "%s", err);
}
END_TEST

/* --- reload report, on a real engine --- */

#define TUNNEL(name, psk, seg) \
	"tunnel " name " {\n\tgateway gw\n\tpeer p\n" \
	"\tlocal-segment 172.16." seg ".0/24\n" \
	"\tpeer-segment 10." seg ".0.0/16\n\tpsk " psk "\n\tinitiate no\n}\n"
#define HEAD	"gateway gw {\n\taddress 198.51.100.1\n}\n" \
		"peer p {\n\taddress 198.51.100.2\n}\n"

static void
write_file(const char *path, const char *text)
{
	FILE	*fp = fopen(path, "w");

	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
}

START_TEST(test_reload_report)
{
	struct event_base	*eb = event_base_new();
	struct mock_kernel	 mk;
	struct mock_net		 mn;
	struct config		*cfg, *before;
	struct ike_ctx		*ike;
	struct tunnel_status	 ts[8];
	struct buf		*out = buf_new(256);
	char			 path[128], err[512];
	const char		*s;

	snprintf(path, sizeof(path), "%s/gatewayd.conf", dir);
	write_file(path, HEAD TUNNEL("t1", "Secr3t!key", "1")
	    TUNNEL("t2", "Secr3t!key", "2") TUNNEL("t4", "Secr3t!key", "4"));
	cfg = config_load(path, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	mock_kernel_init(&mk, 0xc0000001);
	mock_net_init(&mn);
	ike = ike_new(eb, cfg, &mk.mk_ops, &mn.mn_net);
	ck_assert_ptr_nonnull(ike);

	/* t1's psk changes, t2 goes, t3 comes, t4 stays */
	write_file(path, HEAD TUNNEL("t1", "0ther!key", "1")
	    TUNNEL("t3", "Secr3t!key", "3") TUNNEL("t4", "Secr3t!key", "4"));
	ck_assert_int_eq(reload_config(ike, &cfg, path, out), 0);
	s = str(out);
	ck_assert_msg(strncmp(s, "ok: ", 4) == 0, "%s", s);
	ck_assert_msg(strstr(s, "reloaded: 3 tunnels, 1 added, 1 removed, 1 "
	    "changed, 1 unchanged\n") != NULL, "%s", s);
	ck_assert_ptr_nonnull(strstr(s, "\nadded: t3\n"));
	ck_assert_ptr_nonnull(strstr(s, "\nremoved: t2\n"));
	ck_assert_ptr_nonnull(strstr(s, "\nchanged: t1\n"));
	/* t4, unchanged, is named on no line (the first line holds the
	 * file's random path, which may contain "t4") */
	ck_assert_ptr_null(strstr(strchr(s, '\n'), "t4"));
	/* the engine runs the new configuration */
	ck_assert_int_eq(ike_status(ike, ts, 8), 3);
	/* kept first, then the new ones in file order */
	ck_assert_str_eq(ts[0].ts_name, "t4");
	ck_assert_str_eq(ts[1].ts_name, "t1");
	ck_assert_str_eq(ts[2].ts_name, "t3");
	ike_status_free(ts, 3);

	/* the same file again: nothing changed */
	buf_reset(out);
	ck_assert_int_eq(reload_config(ike, &cfg, path, out), 0);
	ck_assert_msg(strstr(str(out), "0 added, 0 removed, 0 changed, 3 "
	    "unchanged\n") != NULL, "%s", str(out));
	ck_assert_ptr_null(strstr(str(out), "added:"));

	/* a broken file is refused: file:line, what, what to do */
	write_file(path, HEAD TUNNEL("t1", "0ther!key", "1")
	    "tunnel t9 {\n\tgateway gw\n\tpeer nope\n}\n");
	before = cfg;
	buf_reset(out);
	ck_assert_int_eq(reload_config(ike, &cfg, path, out), 1);
	s = str(out);
	snprintf(err, sizeof(err), "error: %s:", path);
	ck_assert_msg(strncmp(s, err, strlen(err)) == 0, "%s", s);
	ck_assert_msg(strstr(s, "the running configuration stays") != NULL &&
	    strstr(s, "gatewayctl reload") != NULL, "%s", s);
	ck_assert_ptr_eq(cfg, before);
	ck_assert_int_eq(ike_status(ike, ts, 8), 3);
	ike_status_free(ts, 3);
	/* a file that cannot be read */
	buf_reset(out);
	snprintf(err, sizeof(err), "%s/missing.conf", dir);
	ck_assert_int_eq(reload_config(ike, &cfg, err, out), 1);
	ck_assert_msg(strncmp(str(out), "error: ", 7) == 0, "%s", str(out));
	ck_assert_ptr_eq(cfg, before);

	ike_free(ike);
	config_free(cfg);
	mock_net_clear(&mn);
	event_base_free(eb);
	buf_free(out);
}
END_TEST

/* --- the connection log of real exchanges --- */

static const struct side_opts opt_a = {
	.so_version = 2, .so_local = { "172.16.0.0/24" },
	.so_remote = { "10.0.0.0/12" }, .so_initiate = 1,
	.so_ipsec = "\t\tpfs 2\n"
};
static const struct side_opts opt_b = {
	.so_version = 2, .so_local = { "10.0.0.0/12" },
	.so_remote = { "172.16.0.0/24" }, .so_initiate = 0,
	.so_ipsec = "\t\tpfs 2\n"
};

/* The index of the first event at or after from that matches, or -1. */
static int
find_event(const struct connlog_event *ev, int n, int from,
    const char *event, const char *detail)
{
	int	 i;

	for (i = from; i < n; i++)
		if (strcmp(ev[i].ce_event, event) == 0 &&
		    strstr(ev[i].ce_detail, detail) != NULL)
			return (i);
	return (-1);
}

static void
dump(const char *who, const struct connlog_event *ev, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		fprintf(stderr, "%s: %s %s %s\n", who, ev[i].ce_tunnel,
		    ev[i].ce_event, ev[i].ce_detail);
}

/*
 * A with the wrong PSK fails phase 1; B's PSK is fixed by a reload and
 * the next attempt connects.  Both logs tell the story in order.
 */
START_TEST(test_connlog_exchange)
{
	struct connlog		*la = connlog_new(0), *lb = connlog_new(0);
	struct side_opts	 b = opt_b;
	struct connlog_event	 ev[CONNLOG_RING];
	struct config		*cfg;
	int			 n, i, j, k;

	b.so_psk = "other-key";
	pair_init(&opt_a, &b);
	ike_connlog_set(A.s_ike, la);
	ike_connlog_set(B.s_ike, lb);
	/* IKE_SA_INIT --> <-- ; IKE_AUTH { AUTH (wrong key) } --> ... */
	ike_start(A.s_ike);
	pump(400);
	ck_assert_str_eq(tunnel_state_name(status(&A).ts_state),
	    "Phase 1 failed");
	n = connlog_get(la, "t1", -1, ev, CONNLOG_RING);
	i = find_event(ev, n, 0, "attempt", "IKEv2 initiator to "
	    "198.51.100.2");
	j = i < 0 ? -1 : find_event(ev, n, i, "state", "Down -> Connecting");
	k = j < 0 ? -1 : find_event(ev, n, j, "failure", "phase 1 "
	    "(attempt 1): ");
	if (k < 0)
		dump("A", ev, n);
	ck_assert_int_ge(k, 0);
	/* the failure's cause is the status's last error */
	ck_assert_ptr_nonnull(strstr(ev[k].ce_detail,
	    status(&A).ts_last_error));
	ck_assert_ptr_nonnull(strstr(ev[k].ce_detail,
	    "pre-shared key probably differs"));
	ck_assert_int_ge(find_event(ev, n, k, "state",
	    "Connecting -> Phase 1 failed"), 0);
	/* the PSK never reaches the log */
	for (i = 0; i < n; i++)
		ck_assert_ptr_null(strstr(ev[i].ce_detail, "Secr3t"));
	n = connlog_get(lb, "t1", -1, ev, CONNLOG_RING);
	for (i = 0; i < n; i++)
		ck_assert_ptr_null(strstr(ev[i].ce_detail, "other-key"));

	/* B gets the right key; A tries again and connects */
	cfg = cfg_make(ADDR_B, ADDR_A, &opt_b);
	ike_config_apply(B.s_ike, cfg);
	B.s_cfg = cfg;
	ck_assert_int_eq(ike_tunnel_up(A.s_ike, "t1"), 0);
	pump(400);
	ck_assert_str_eq(tunnel_state_name(status(&A).ts_state), "Connected");
	n = connlog_get(la, "t1", -1, ev, CONNLOG_RING);
	k = find_event(ev, n, 0, "state", "Connecting -> Phase 1 failed");
	i = find_event(ev, n, k, "attempt", "IKEv2 initiator");
	/* from Connecting (ike_tunnel_up), or straight from Phase 1 failed
	 * when a retry of the failed tunnel was already under way then (a
	 * slow host: the sanitizer build beside two lab VMs) */
	j = i < 0 ? -1 : find_event(ev, n, i, "state", "-> Connected");
	if (j < 0)
		dump("A", ev, n);
	ck_assert_int_ge(j, 0);
	n = connlog_get(lb, "t1", -1, ev, CONNLOG_RING);
	i = find_event(ev, n, 0, "attempt", "IKEv2 responder to "
	    "198.51.100.1");
	j = i < 0 ? -1 : find_event(ev, n, i, "state",
	    "-> Connected");
	if (j < 0)
		dump("B", ev, n);
	ck_assert_int_ge(j, 0);

	/* a CHILD SA rekey: started and done */
	ck_assert_int_eq(ike_tunnel_rekey(A.s_ike, "t1"), 0);
	pump(200);
	n = connlog_get(la, "t1", -1, ev, CONNLOG_RING);
	i = find_event(ev, n, 0, "rekey", "rekey started");
	j = i < 0 ? -1 : find_event(ev, n, i, "rekey", "rekey done");
	if (j < 0)
		dump("A", ev, n);
	ck_assert_int_ge(j, 0);
	/* an IKE SA rekey */
	ck_assert_int_eq(ike_tunnel_rekey_ike(A.s_ike, "t1"), 0);
	pump(200);
	n = connlog_get(la, "t1", -1, ev, CONNLOG_RING);
	i = find_event(ev, n, 0, "rekey", "IKE SA rekey started");
	j = i < 0 ? -1 : find_event(ev, n, i, "rekey", "IKE SA rekey done");
	if (j < 0)
		dump("A", ev, n);
	ck_assert_int_ge(j, 0);
	/* B takes the tunnel down: A logs the peer's delete */
	ck_assert_int_eq(ike_tunnel_down(B.s_ike, "t1"), 0);
	pump(200);
	n = connlog_get(la, "t1", -1, ev, CONNLOG_RING);
	if (find_event(ev, n, 0, "delete", "peer deleted the IKE SA") < 0)
		dump("A", ev, n);
	ck_assert_int_ge(find_event(ev, n, 0, "delete",
	    "peer deleted the IKE SA"), 0);
	n = connlog_get(lb, "t1", -1, ev, CONNLOG_RING);
	ck_assert_int_ge(find_event(ev, n, 0, "state", "Connected -> Down"),
	    0);
	pair_free();
	connlog_free(la);
	connlog_free(lb);
}
END_TEST

static Suite *
service_suite(void)
{
	Suite	*s = suite_create("service");
	TCase	*tc;

	tc = tcase_create("sdnotify");
	tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_test(tc, test_notify_path);
	tcase_add_test(tc, test_notify_abstract);
	suite_add_tcase(s, tc);
	tc = tcase_create("pidfile");
	tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_test(tc, test_pidfile_second_refused);
	tcase_add_test(tc, test_pidfile_stale);
	suite_add_tcase(s, tc);
	tc = tcase_create("reload");
	tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_test(tc, test_reload_report);
	suite_add_tcase(s, tc);
	tc = tcase_create("connlog");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_connlog_exchange);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(service_suite());
	int	 failed;

	log_init(0, LOG_LVL_ERR);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
