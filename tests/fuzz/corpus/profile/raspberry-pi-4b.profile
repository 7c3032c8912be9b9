# joulebench platform power profile: read by the `model` meter (meters/profile.c).
# Format: `key = value | source`. Every numeric value must name its source after '|'.
# Secondary measurements at the 5 V USB input; measure your own board with the ina219 meter.
name = raspberry-pi-4b | joulebench
description = Raspberry Pi 4 Model B, whole board at its 5 V input, Raspberry Pi OS Lite, no peripherals | joulebench
arch = aarch64 | joulebench
cores = 4 | Raspberry Pi 4 Model B product brief: quad-core Cortex-A72 (BCM2711)
idle_w = 2.7 | 540 mA at 5 V idle, J. Geerling, pidramble.com/wiki/benchmarks/power-consumption (Pi 4 B)
loaded_w = 6.4 | 1280 mA at 5 V with `stress --cpu 4`, J. Geerling, pidramble.com/wiki/benchmarks/power-consumption (Pi 4 B)
