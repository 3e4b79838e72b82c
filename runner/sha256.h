/* vmfault runner — SHA-256 (FIPS 180-4), for trace digests. */
#ifndef VMFAULT_RUNNER_SHA256_H
#define VMFAULT_RUNNER_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
    uint32_t h[8];
    uint64_t len; /* bytes hashed */
    uint8_t buf[64];
    size_t nbuf;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[32]);

#endif
