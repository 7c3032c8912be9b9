/* SPDX-License-Identifier: MIT */
/*
 * joulebench-vminit: PID 1 of a microvm driver guest. It mounts /dev (devtmpfs), /proc,
 * /sys and a /tmp, puts the first serial port in raw mode (no echo, no CR/LF mapping: the
 * protocol's lines pass unchanged) as the function runner's stdin and stdout, and starts
 * /joulebench-fn on it. Which port that is depends on the machine the VMM emulates, not
 * on the guest's architecture alone, so the VMM backend names it on the kernel command
 * line, `jb.tty=NAME` (microvm_qemu.c: ttyS0, the 8250 UART of x86's microvm machine;
 * ttyAMA0, the PL011 of arm's virt machine; both built into Debian's cloud kernels);
 * without it, ttyS0. (A dotted parameter is the kernel's "module parameter" form, so the
 * kernel keeps it out of init's arguments and environment, init-main.c.)
 * The runner is a child, not PID 1 itself, for two reasons: the kernel never OOM-kills
 * init (it panics instead), and a dead PID 1 panics the guest without saying how it died.
 * So when the runner dies, this init reports on the same line, in the protocol's
 * key=value form,
 *     died pid=N signal=S code=C oom_kills=K
 * (oom_kills from /proc/vmstat, the guest kernel's count), then reboots; with the
 * kernel's `reboot=t` and QEMU's -no-reboot that ends the VM (QEMU docs/system/i386/
 * microvm.rst, older revision). A runner that exits with code 0 after `quit` ends the VM
 * the same way. Test hook: `jb.fault=kill:MS` on the kernel command line SIGKILLs the
 * runner MS ms after it started (tests/integration/test_microvm.py, a crash in the guest).
 *
 * A user's function (docs/functions.md) needs files the initramfs does not carry (an
 * interpreter, its libraries, the function's directory): the driver attaches them as a
 * read-only ext4 image on a virtio disk and says `jb.root=vda` (microvm_rootfs.c). Then
 * this init loads the virtio modules the initramfs carries (/jb/modules/order: Debian's
 * cloud kernel builds ext4 in, the virtio transport and block driver as modules), mounts
 * the disk, gives it /dev, /proc, /sys and a /tmp, shows the initramfs's /jb (the
 * resolved function files) and /joulebench-fn in it, and starts the runner chrooted
 * there, so that every file keeps its host path. Its loopback interface is up (a Lambda
 * runtime's API is on 127.0.0.1), as in a container's network namespace. A root that
 * cannot be mounted is a `died init: ...` line, which the driver reports as the start's
 * failure.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define TTY_DEFAULT "ttyS0"
#define FN "/joulebench-fn"
#define NEWROOT "/newroot"
#define ROOT_WAIT_MS 20000 /* for the disk to appear once its driver is loaded (TCG) */

static void
say(int fd, const char *line)
{
	size_t n = strlen(line);

	while (n) {
		ssize_t w = write(fd, line, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		line += w;
		n -= (size_t)w;
	}
}

/* The value of kernel parameter @key ("jb.tty=") into @out; 0, or -1 when absent. */
static int
cmdline_get(const char *key, char *out, size_t len)
{
	char buf[2048] = "";
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	const char *p;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	for (p = strstr(buf, key); p && p != buf && p[-1] != ' '; p = strstr(p + 1, key))
		;
	if (!p)
		return -1;
	p += strlen(key);
	snprintf(out, len, "%.*s", (int)strcspn(p, " \n"), p);
	return 0;
}

static long
fault_kill_ms(void)
{
	char v[32];

	return cmdline_get("jb.fault=", v, sizeof(v)) == 0 && !strncmp(v, "kill:", 5)
		       ? strtol(v + 5, NULL, 10) : -1;
}

/* A plain device name only (no path in it). */
static int
dev_name_ok(const char *name)
{
	return name[0] && strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "0123456789") == strlen(name);
}

/* /dev/<jb.tty>. */
static void
tty_path(char *out, size_t len)
{
	char name[32];

	if (cmdline_get("jb.tty=", name, sizeof(name)) || !dev_name_ok(name))
		snprintf(name, sizeof(name), "%s", TTY_DEFAULT);
	snprintf(out, len, "/dev/%s", name);
}

/* The modules /jb/modules/order names, one per line, in that order (dependencies first).
 * One already there (EEXIST) is fine. */
static int
modules_load(char *why, size_t len)
{
	char list[1024], path[160];
	int fd = open("/jb/modules/order", O_RDONLY | O_CLOEXEC);
	ssize_t n;
	char *name, *save = NULL;

	if (fd < 0)
		return 0; /* none needed: the kernel has them built in */
	n = read(fd, list, sizeof(list) - 1);
	close(fd);
	list[n > 0 ? n : 0] = '\0';
	for (name = strtok_r(list, "\n", &save); name; name = strtok_r(NULL, "\n", &save)) {
		snprintf(path, sizeof(path), "/jb/modules/%.100s.ko", name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST)) {
			snprintf(why, len, "module %.100s: %s", name, strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

/* What the host has under /tmp is in the image under /.jbtmp (microvm_image.c), since the
 * guest's /tmp is a tmpfs of its own: each of its entries is bound at its /tmp path. */
static int
jbtmp_show(char *why, size_t len)
{
	DIR *d = opendir(NEWROOT "/.jbtmp");
	struct dirent *e;
	int rc = 0;

	if (!d)
		return 0;
	while (!rc && (e = readdir(d))) {
		char from[320], to[320];
		struct stat st;
		int fd;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(from, sizeof(from), NEWROOT "/.jbtmp/%.255s", e->d_name);
		snprintf(to, sizeof(to), NEWROOT "/tmp/%.255s", e->d_name);
		if (lstat(from, &st) != 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			char target[256];
			ssize_t n = readlink(from, target, sizeof(target) - 1);

			target[n > 0 ? n : 0] = '\0';
			rc = n > 0 ? symlink(target, to) : 0;
			continue;
		}
		if (S_ISDIR(st.st_mode))
			rc = mkdir(to, 0755);
		else if ((fd = open(to, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) >= 0)
			close(fd);
		if (!rc)
			rc = mount(from, to, NULL, MS_BIND, NULL);
		if (rc)
			snprintf(why, len, "/tmp/%.200s: %s", e->d_name, strerror(errno));
	}
	closedir(d);
	return rc;
}

/* jb.root=NAME: mount /dev/NAME (ext4, read-only) with /dev, /proc, /sys, /tmp, /jb and
 * the runner in it, and chroot there. 0 (also when there is none), or -1 with @why. */
static int
root_enter(char *why, size_t len)
{
	static const char *const binds[] = { "/jb", FN };
	char name[32], dev[48];
	struct stat st;
	int ms;
	size_t i;

	if (cmdline_get("jb.root=", name, sizeof(name)))
		return 0;
	if (!dev_name_ok(name)) {
		snprintf(why, len, "jb.root=%.31s is not a device name", name);
		return -1;
	}
	if (modules_load(why, len))
		return -1;
	snprintf(dev, sizeof(dev), "/dev/%s", name);
	for (ms = 0; stat(dev, &st) != 0 && ms < ROOT_WAIT_MS; ms += 5) {
		struct timespec ts = { 0, 5000000 };

		nanosleep(&ts, NULL);
	}
	(void)mkdir(NEWROOT, 0755);
	if (mount(dev, NEWROOT, "ext4", MS_RDONLY | MS_NODEV | MS_NOSUID, "") != 0) {
		snprintf(why, len, "cannot mount the function's root file system %s: %s", dev,
			 strerror(errno));
		return -1;
	}
	if (mount("devtmpfs", NEWROOT "/dev", "devtmpfs", 0, NULL) ||
	    mount("proc", NEWROOT "/proc", "proc", 0, NULL) ||
	    mount("sysfs", NEWROOT "/sys", "sysfs", 0, NULL) ||
	    mount("tmpfs", NEWROOT "/tmp", "tmpfs", 0, "mode=1777")) {
		snprintf(why, len, "mounts in the function's root: %s", strerror(errno));
		return -1;
	}
	if (jbtmp_show(why, len))
		return -1;
	for (i = 0; i < sizeof(binds) / sizeof(binds[0]); i++) {
		char to[64];

		snprintf(to, sizeof(to), NEWROOT "%s", binds[i]);
		if (mount(binds[i], to, NULL, MS_BIND, NULL) != 0) {
			snprintf(why, len, "bind %s: %s", binds[i], strerror(errno));
			return -1;
		}
	}
	if (chroot(NEWROOT) != 0 || chdir("/") != 0) {
		snprintf(why, len, "chroot: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The loopback interface up, as a container's network namespace has it. */
static void
loopback_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		(void)ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
}

static unsigned long
oom_kills(void)
{
	char buf[8192];
	int fd = open("/proc/vmstat", O_RDONLY | O_CLOEXEC);
	unsigned long k = 0;
	const char *p;
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, "\noom_kill ");
	if (p)
		k = strtoul(p + 10, NULL, 10);
	return k;
}

static void
halt_vm(void)
{
	sync();
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

int
main(void)
{
	struct termios t;
	char line[400], tty_dev[48], why[300] = "";
	long kill_ms;
	pid_t fn;
	int tty, fd, st = 0, root_rc;

	(void)mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	(void)mount("proc", "/proc", "proc", 0, NULL);
	(void)mount("sysfs", "/sys", "sysfs", 0, NULL);
	(void)mount("tmpfs", "/tmp", "tmpfs", 0, "mode=1777");
	/* Overcommit as on the host: a container's large allocation succeeds and its pages
	 * meet the cgroup's OOM killer; the guest's default heuristic would refuse it
	 * instead, and the same function would fail differently on each rung. */
	fd = open("/proc/sys/vm/overcommit_memory", O_WRONLY);
	if (fd >= 0) {
		say(fd, "1");
		close(fd);
	}
	root_rc = root_enter(why, sizeof(why));
	loopback_up();
	tty_path(tty_dev, sizeof(tty_dev));
	tty = open(tty_dev, O_RDWR | O_NOCTTY);
	if (tty < 0)
		halt_vm();
	if (tcgetattr(tty, &t) == 0) {
		cfmakeraw(&t);
		cfsetspeed(&t, B115200);
		(void)tcsetattr(tty, TCSANOW, &t);
	}
	if (root_rc) {
		snprintf(line, sizeof(line), "died init: %s\n", why);
		say(tty, line);
		(void)tcdrain(tty);
		halt_vm();
	}
	fn = fork();
	if (fn == 0) {
		char *argv[] = { FN, NULL };
		/* A function's programs are found as in a container (oci_bundle.c). */
		char *envp[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", NULL };
		int null = open("/dev/null", O_WRONLY);

		dup2(tty, 0);
		dup2(tty, 1);
		if (null >= 0)
			dup2(null, 2);
		if (tty > 2)
			close(tty);
		execve(FN, argv, envp);
		_exit(127);
	}
	if (fn < 0)
		halt_vm();
	kill_ms = fault_kill_ms();
	if (kill_ms >= 0) {
		struct timespec ts = { kill_ms / 1000, (kill_ms % 1000) * 1000000L };

		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
		kill(fn, SIGKILL);
	}
	/* PID 1 reaps every orphan; only the runner's end matters. */
	for (;;) {
		pid_t p = wait(&st);

		if (p == fn)
			break;
		if (p < 0 && errno != EINTR)
			halt_vm();
	}
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		snprintf(line, sizeof(line), "died pid=%d signal=%d code=%d oom_kills=%lu\n", (int)fn,
			 WIFSIGNALED(st) ? WTERMSIG(st) : 0, WIFEXITED(st) ? WEXITSTATUS(st) : -1,
			 oom_kills());
		say(tty, line);
		(void)tcdrain(tty);
	}
	halt_vm();
	return 0;
}
