/* SPDX-License-Identifier: MIT */
/*
 * The INA219's real transport: /dev/i2c-N through the kernel's i2c-dev interface
 * (Documentation/i2c/dev-interface.rst), with the SMBus word transfers issued as I2C_SMBUS
 * ioctls directly, so no libi2c is needed (linux/i2c-dev.h and linux/i2c.h suffice).
 * SMBus sends a word low byte first; the INA219 sends MSB first (SBOS448 §8.5.6), so every
 * word is byte-swapped on the way in and out.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ina219.h"
#include "jb_err.h"

struct i2c_link {
	int fd;
};

static uint16_t
swap16(uint16_t v)
{
	return (uint16_t)((v >> 8) | (v << 8));
}

static int
i2c_read16(void *bus_ctx, uint8_t reg, uint16_t *val)
{
	struct i2c_link *l = bus_ctx;
	union i2c_smbus_data data;
	struct i2c_smbus_ioctl_data args = {
		.read_write = I2C_SMBUS_READ, .command = reg, .size = I2C_SMBUS_WORD_DATA,
		.data = &data,
	};

	if (ioctl(l->fd, I2C_SMBUS, &args) < 0)
		return -errno;
	*val = swap16(data.word);
	return 0;
}

static int
i2c_write16(void *bus_ctx, uint8_t reg, uint16_t val)
{
	struct i2c_link *l = bus_ctx;
	union i2c_smbus_data data = { .word = swap16(val) };
	struct i2c_smbus_ioctl_data args = {
		.read_write = I2C_SMBUS_WRITE, .command = reg, .size = I2C_SMBUS_WORD_DATA,
		.data = &data,
	};

	return ioctl(l->fd, I2C_SMBUS, &args) < 0 ? -errno : 0;
}

static void
i2c_close(void *bus_ctx)
{
	struct i2c_link *l = bus_ctx;

	close(l->fd);
	free(l);
}

int
ina219_i2c_open(unsigned bus, unsigned addr, struct ina219_bus *out, char *why,
		size_t why_len)
{
	struct i2c_link *l;
	char path[32];
	int fd, rc;

	snprintf(path, sizeof(path), "/dev/i2c-%u", bus);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		if (rc == -ENOENT)
			snprintf(why, why_len, "no %s: enable I2C (Raspberry Pi: dtparam=i2c_arm=on "
				 "in config.txt, or raspi-config) and load i2c-dev (modprobe i2c-dev); "
				 "`i2cdetect -l` lists the buses; set bus=N in --meter-opts", path);
		else if (rc == -EACCES)
			snprintf(why, why_len, "%s: permission denied: run as root or add the user to "
				 "the group that owns it (usually i2c: usermod -aG i2c USER)", path);
		else
			snprintf(why, why_len, "%s: %s", path, jb_strerror(rc));
		return rc == -ENOENT ? -ENODEV : rc;
	}
	if (ioctl(fd, I2C_SLAVE, (unsigned long)addr) < 0) {
		rc = -errno;
		if (rc == -EBUSY)
			snprintf(why, why_len, "%s address 0x%02x is taken by a kernel driver (most "
				 "likely ina2xx): use the hwmon meter instead, or unbind the driver "
				 "(echo %u-%04x > /sys/bus/i2c/drivers/ina2xx/unbind)", path, addr, bus,
				 addr);
		else
			snprintf(why, why_len, "%s: I2C_SLAVE 0x%02x: %s", path, addr, jb_strerror(rc));
		close(fd);
		return rc;
	}
	l = malloc(sizeof(*l));
	if (!l) {
		close(fd);
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	l->fd = fd;
	out->read16 = i2c_read16;
	out->write16 = i2c_write16;
	out->close = i2c_close;
	out->bus_ctx = l;
	return 0;
}
