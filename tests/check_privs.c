/*
 * check_privs.c - least privilege: the capability mask, the user lookup,
 * the real drop in a child process (as root, which CI and the lab are),
 * and key-log files (O_NOFOLLOW, mode 0600, owner and type checks).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "common/keyfile.h"
#include "daemon/privs.h"

/* --- the mask --- */

START_TEST(test_privs_mask)
{
	uint32_t	 lo, hi;

	/* CAP_NET_BIND_SERVICE = 10, CAP_NET_ADMIN = 12 */
	ck_assert_uint_eq(privs_keep_mask(), 0x1400);
	privs_mask_split(privs_keep_mask(), &lo, &hi);
	ck_assert_uint_eq(lo, 0x1400);
	ck_assert_uint_eq(hi, 0);
	/* capabilities from 32 on go to the second word */
	privs_mask_split((UINT64_C(1) << CAP_CHECKPOINT_RESTORE) | 1, &lo,
	    &hi);
	ck_assert_uint_eq(lo, 1);
	ck_assert_uint_eq(hi, 1U << (CAP_CHECKPOINT_RESTORE - 32));
}
END_TEST

START_TEST(test_privs_user_lookup)
{
	char	 err[256];
	uid_t	 uid;
	gid_t	 gid;

	ck_assert_int_eq(privs_user_lookup("no-such-user-gw8", &uid, &gid,
	    err, sizeof(err)), -1);
	ck_assert_str_eq(err, "user \"no-such-user-gw8\" does not exist "
	    "(create it: useradd --system --no-create-home no-such-user-gw8; "
	    "or remove \"user\" and --user to stay root)");
	ck_assert_int_eq(privs_user_lookup("root", &uid, &gid, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "user \"root\" has uid 0, which is not "
	    "unprivileged (name a system user such as gatewayd)");
	ck_assert_int_eq(privs_user_lookup("nobody", &uid, &gid, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(uid, 65534);
}
END_TEST

/* --- the real drop, in a child --- */

/* The value of "Name:" in /proc/self/status, or "". */
static void
status_field(const char *name, char *out, size_t len)
{
	FILE	*f;
	char	 line[256];
	size_t	 n = strlen(name);

	out[0] = '\0';
	ck_assert_ptr_nonnull(f = fopen("/proc/self/status", "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, name, n) == 0 && line[n] == ':') {
			snprintf(out, len, "%s", line + n + 1 +
			    strspn(line + n + 1, " \t"));
			out[strcspn(out, "\n")] = '\0';
			break;
		}
	fclose(f);
}

/*
 * Runs privs_drop(user) in a child and checks from inside: the child
 * writes its failures to the pipe, one line each; "" means all held.
 */
static void
drop_child(const char *user, int wfd)
{
	char			 err[512], v[128], out[2048] = "";
	struct sockaddr_in	 sin;
	int			 s, n = 0;
	const char		*want_uid = user[0] != '\0' ?
				    "65534\t65534\t65534\t65534" : "0\t0\t0\t0";

#define FAILED(...) n += snprintf(out + n, sizeof(out) - n, __VA_ARGS__)
	if (privs_drop(user, err, sizeof(err)) == -1) {
		FAILED("privs_drop: %s\n", err);
		goto done;
	}
	status_field("Uid", v, sizeof(v));
	if (strcmp(v, want_uid) != 0)
		FAILED("Uid %s\n", v);
	status_field("CapEff", v, sizeof(v));
	if (strcmp(v, "0000000000001400") != 0)
		FAILED("CapEff %s\n", v);
	status_field("CapPrm", v, sizeof(v));
	if (strcmp(v, "0000000000001400") != 0)
		FAILED("CapPrm %s\n", v);
	status_field("CapInh", v, sizeof(v));
	if (strcmp(v, "0000000000000000") != 0)
		FAILED("CapInh %s\n", v);
	status_field("CapBnd", v, sizeof(v));
	if (strcmp(v, "0000000000001400") != 0)
		FAILED("CapBnd %s\n", v);
	status_field("CapAmb", v, sizeof(v));
	if (strcmp(v, "0000000000000000") != 0)
		FAILED("CapAmb %s\n", v);
	status_field("NoNewPrivs", v, sizeof(v));
	if (strcmp(v, "1") != 0)
		FAILED("NoNewPrivs %s\n", v);
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		FAILED("dumpable\n");
	if (setuid(0) == 0 && user[0] != '\0')
		FAILED("setuid(0) worked\n");
	/* CAP_NET_BIND_SERVICE still works: a port below 1024 */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(987);
	if ((s = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		FAILED("bind 127.0.0.1:987: %s\n", strerror(errno));
	if (s != -1)
		close(s);
	/* CAP_DAC_OVERRIDE is gone: root's 0600 file is closed to us */
	if (user[0] != '\0' && open("/etc/shadow", O_RDONLY) != -1)
		FAILED("/etc/shadow readable\n");
done:
	if (write(wfd, out, strlen(out)) == -1)
		_exit(2);
	_exit(0);
#undef FAILED
}

static void
drop_run(const char *user)
{
	int	 p[2], st;
	pid_t	 pid;
	char	 out[2048];
	ssize_t	 r;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		close(p[0]);
		drop_child(user, p[1]);
	}
	close(p[1]);
	r = read(p[0], out, sizeof(out) - 1);
	close(p[0]);
	ck_assert_int_ge(r, 0);
	out[r] = '\0';
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (geteuid() != 0) {
		/* not root: the drop must refuse, saying so */
		ck_assert_msg(strstr(out, "privs_drop: ") != NULL, "%s", out);
		return;
	}
	ck_assert_msg(out[0] == '\0', "as %s: %s", user[0] ? user : "root",
	    out);
}

START_TEST(test_privs_drop_user)
{
	drop_run("nobody");
}
END_TEST

START_TEST(test_privs_drop_root)
{
	drop_run("");
}
END_TEST

/* An unknown user: refused before anything is dropped. */
START_TEST(test_privs_drop_no_user)
{
	char	 err[512], before[64], after[64];

	status_field("CapBnd", before, sizeof(before));
	ck_assert_int_eq(privs_drop("no-such-user-gw8", err, sizeof(err)),
	    -1);
	ck_assert_str_eq(err, "user \"no-such-user-gw8\" does not exist "
	    "(create it: useradd --system --no-create-home no-such-user-gw8; "
	    "or remove \"user\" and --user to stay root)");
	status_field("CapBnd", after, sizeof(after));
	ck_assert_str_eq(before, after);
}
END_TEST

/* --- key-log files --- */

static char	 kdir[64];

static void
kdir_make(void)
{
	snprintf(kdir, sizeof(kdir), "/tmp/check_privs.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(kdir));
}

static void
kdir_remove(const char *name)
{
	char	 path[128];

	snprintf(path, sizeof(path), "%s/%s", kdir, name);
	unlink(path);
}

START_TEST(test_keyfile_new_0600)
{
	char		 err[512], path[128];
	struct stat	 st;
	FILE		*f;
	mode_t		 old = umask(0);	/* fopen would give 0666 */

	kdir_make();
	f = keyfile_open(kdir, "esp_sa", err, sizeof(err));
	umask(old);
	ck_assert_msg(f != NULL, "%s", err);
	fputs("line\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/esp_sa", kdir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	ck_assert(S_ISREG(st.st_mode));
	/* appended to, not truncated */
	ck_assert_ptr_nonnull(f = keyfile_open(kdir, "esp_sa", err,
	    sizeof(err)));
	fputs("more\n", f);
	fclose(f);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 10);
	kdir_remove("esp_sa");
	rmdir(kdir);
}
END_TEST

/* A symbolic link in the key directory is refused; its target untouched. */
START_TEST(test_keyfile_symlink_refused)
{
	char		 err[512], target[128], link_[128], want[600];
	struct stat	 st;
	int		 fd;

	kdir_make();
	snprintf(target, sizeof(target), "%s/target", kdir);
	snprintf(link_, sizeof(link_), "%s/ikev2_decryption_table", kdir);
	ck_assert_int_ge(fd = open(target, O_WRONLY | O_CREAT, 0644), 0);
	ck_assert_int_eq(write(fd, "keep", 4), 4);
	close(fd);
	ck_assert_int_eq(symlink(target, link_), 0);
	ck_assert_ptr_null(keyfile_open(kdir, "ikev2_decryption_table", err,
	    sizeof(err)));
	snprintf(want, sizeof(want), "key file %s is a symbolic link: keys "
	    "not written (remove the link; keylog-dir must hold the files "
	    "themselves)", link_);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(stat(target, &st), 0);
	ck_assert_int_eq(st.st_size, 4);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	/* a dangling link does not create its target either */
	unlink(target);
	ck_assert_ptr_null(keyfile_open(kdir, "ikev2_decryption_table", err,
	    sizeof(err)));
	ck_assert_int_eq(stat(target, &st), -1);
	kdir_remove("ikev2_decryption_table");
	rmdir(kdir);
}
END_TEST

/* Not a regular file (a FIFO: no blocking either), not ours, too open. */
START_TEST(test_keyfile_other_refused)
{
	char		 err[512], path[128], want[600];
	struct stat	 st;
	FILE		*f;
	int		 fd;

	kdir_make();
	snprintf(path, sizeof(path), "%s/esp_sa", kdir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_ptr_null(keyfile_open(kdir, "esp_sa", err, sizeof(err)));
	snprintf(want, sizeof(want), "key file %s is not a regular file: keys "
	    "not written (remove it)", path);
	ck_assert_str_eq(err, want);
	unlink(path);

	/* an existing file with a wider mode is narrowed to 0600 */
	ck_assert_int_ge(fd = open(path, O_WRONLY | O_CREAT, 0644), 0);
	fchmod(fd, 0644);
	close(fd);
	ck_assert_ptr_nonnull(f = keyfile_open(kdir, "esp_sa", err,
	    sizeof(err)));
	fclose(f);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);

	if (geteuid() == 0) {
		/* a file of another user: refused even for root */
		ck_assert_int_eq(chown(path, 65534, 65534), 0);
		ck_assert_ptr_null(keyfile_open(kdir, "esp_sa", err,
		    sizeof(err)));
		snprintf(want, sizeof(want), "key file %s belongs to uid "
		    "65534, not to gatewayd (uid 0): keys not written (remove "
		    "it, or chown it to uid 0)", path);
		ck_assert_str_eq(err, want);
	}
	unlink(path);
	/* no directory */
	rmdir(kdir);
	ck_assert_ptr_null(keyfile_open(kdir, "esp_sa", err, sizeof(err)));
	snprintf(want, sizeof(want), "cannot open key file %s: No such file "
	    "or directory (keylog-dir must exist and be writable by uid %u)",
	    path, (unsigned)geteuid());
	ck_assert_str_eq(err, want);
}
END_TEST

static Suite *
privs_suite(void)
{
	Suite	*s = suite_create("privs");
	TCase	*tc;

	tc = tcase_create("caps");
	tcase_add_test(tc, test_privs_mask);
	tcase_add_test(tc, test_privs_user_lookup);
	tcase_add_test(tc, test_privs_drop_user);
	tcase_add_test(tc, test_privs_drop_root);
	tcase_add_test(tc, test_privs_drop_no_user);
	suite_add_tcase(s, tc);

	tc = tcase_create("keyfile");
	tcase_add_test(tc, test_keyfile_new_0600);
	tcase_add_test(tc, test_keyfile_symlink_refused);
	tcase_add_test(tc, test_keyfile_other_refused);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(privs_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
