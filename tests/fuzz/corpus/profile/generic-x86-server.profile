# joulebench platform power profile: read by the `model` meter (meters/profile.c).
# Format: `key = value | source`. Every numeric value must name its source after '|'.
# A modeled energy is an estimate: every row it produces is labelled meter_kind=modeled.
name = generic-x86-server | joulebench
description = Dual-socket x86 server with 48 hardware threads, priced per vCPU with Cloud Carbon Footprint's AWS averages | joulebench
arch = x86_64 | joulebench
# 2 x Intel Xeon Silver 4310 (12 cores, 24 threads each), the server of Carl et al. 2025
# (research/paper.md section 3), so the model speaks of the paper's platform by default.
cores = 48 | 2 x Xeon Silver 4310 = 2 x 24 threads, Intel ARK; server named in github.com/3s-rg/chipless README
# 0.74 W and 3.5 W per vCPU at 0% and 100% CPU: Cloud Carbon Footprint methodology,
# Appendix I (AWS), derived from the SPECpower_ssj2008 database. 48 x 0.74 = 35.52 W.
idle_w = 35.52 | 48 vCPU x 0.74 W, cloudcarbonfootprint.org/docs/methodology Appendix I (AWS min watts)
loaded_w = 168.0 | 48 vCPU x 3.5 W, cloudcarbonfootprint.org/docs/methodology Appendix I (AWS max watts)
