/* SPDX-License-Identifier: MIT */
/*
 * The reference init for the microvm cold-start benchmark (bench_isolation.c): a guest
 * that boots to init and does the least an init can to say so, one `ready` line on the
 * first serial port, then waits to be killed. Static, so the initramfs holds nothing else:
 * the time to its line is a bare QEMU boot of the same kernel to init. The port is arm
 * virt's PL011 (ttyAMA0) where the guest has one, else the 8250 (ttyS0): a probe, so that
 * it needs no /proc to read the jb.tty= the real init reads (drivers/microvm_init.c).
 */
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

int
main(void)
{
	int fd;

	(void)mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	fd = open("/dev/ttyAMA0", O_WRONLY | O_NOCTTY);
	if (fd < 0)
		fd = open("/dev/ttyS0", O_WRONLY | O_NOCTTY);
	if (fd >= 0 && write(fd, "ready\n", 6) != 6)
		return 1;
	for (;;)
		pause();
}
