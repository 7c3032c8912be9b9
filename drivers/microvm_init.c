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
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define TTY_DEFAULT "ttyS0"
#define FN "/joulebench-fn"

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

/* /dev/<jb.tty>, a plain device name only (no path in it). */
static void
tty_path(char *out, size_t len)
{
	char name[32];

	if (cmdline_get("jb.tty=", name, sizeof(name)) || !name[0] ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") !=
		    strlen(name))
		snprintf(name, sizeof(name), "%s", TTY_DEFAULT);
	snprintf(out, len, "/dev/%s", name);
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
	char line[160], tty_dev[48];
	long kill_ms;
	pid_t fn;
	int tty, fd, st = 0;

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
	tty_path(tty_dev, sizeof(tty_dev));
	tty = open(tty_dev, O_RDWR | O_NOCTTY);
	if (tty < 0)
		halt_vm();
	if (tcgetattr(tty, &t) == 0) {
		cfmakeraw(&t);
		cfsetspeed(&t, B115200);
		(void)tcsetattr(tty, TCSANOW, &t);
	}
	fn = fork();
	if (fn == 0) {
		char *argv[] = { FN, NULL };
		char *envp[] = { "PATH=/", "LC_ALL=C", NULL };
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
