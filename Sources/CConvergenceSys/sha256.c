// SHA-256 of one short buffer through OpenSSL's direct interface: the EVP path
// of OpenSSL 3 spends more on provider dispatch and context setup than on
// hashing an API key. The direct functions are deprecated in 3.0 but remain
// (same assembly underneath); this file is their only user.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "CConvergenceSys.h"

void cv_sha256(const void *data, size_t length, unsigned char out[32]) {
    SHA256_CTX context;
    SHA256_Init(&context);
    SHA256_Update(&context, data, length);
    SHA256_Final(out, &context);
}
