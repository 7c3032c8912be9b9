/* SPDX-License-Identifier: MIT */
/*
 * The reference init for the microvm cold-start benchmark (bench_isolation.c): a guest
 * that boots to init and does the least an init can to say so, one `ready` line on the
 * first serial port, then waits to be killed. Static, so the initramfs holds nothing else:
 * the time to its line is a bare QEMU microvm boot of the same kernel to init.
 */
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

int
main(void)
{
	int fd;

	(void)mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	fd = open("/dev/ttyS0", O_WRONLY | O_NOCTTY);
	if (fd >= 0 && write(fd, "ready\n", 6) != 6)
		return 1;
	for (;;)
		pause();
}
