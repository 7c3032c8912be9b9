/* SPDX-License-Identifier: MIT */
/*
 * The primitive kernels behind some workloads, exported so that the unit tests can check
 * them against published vectors (NIST FIPS 180-4 and SP 800-38A) and independent
 * references, not only against the workloads' own earlier output. Nothing outside
 * workloads/ and tests/ should need these.
 */
#ifndef JB_WORKLOAD_KERNELS_H
#define JB_WORKLOAD_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/**
 * workload_sha256_compute() - SHA-256 (OpenSSL EVP) of the @len bytes at @data.
 * @digest: 32 bytes out. Return: 0, or -EIO when libcrypto fails.
 */
int workload_sha256_compute(const void *data, size_t len, uint8_t digest[32]);

/**
 * workload_aes128_ctr_crypt() - AES-128 in CTR mode (OpenSSL EVP) over @len bytes;
 * encryption and decryption are the same operation. @iv is the initial 128-bit counter
 * block, incremented big-endian per block as SP 800-38A specifies. @in and @out may not
 * overlap. Return: 0, or -EIO when libcrypto fails.
 */
int workload_aes128_ctr_crypt(const uint8_t key[16], const uint8_t iv[16], const void *in,
			      void *out, size_t len);

/**
 * workload_linpack_residual() - the HPL-scaled residual
 * ||a x - b||_inf / (eps (||a||_inf ||x||_inf + ||b||_inf) n) of a solve of the n x n
 * row-major system @a x = @b; a correct solve gives well under 16.
 */
double workload_linpack_residual(const double *a, const double *b, const double *x, size_t n);

#endif
