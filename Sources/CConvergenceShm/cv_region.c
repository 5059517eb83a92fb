#define _GNU_SOURCE
#include "cv_shm.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static uint32_t round_pow2(uint32_t v, uint32_t min) {
    uint32_t p = min;
    while (p < v && p < (1u << 30)) p <<= 1;
    return p;
}

static uint64_t align64(uint64_t v) { return (v + 63) & ~(uint64_t)63; }

/* Lease slots: one per two buckets (a host leases for the keys it serves now, not every key it ever saw).
 * Sets are 8-way and a set with more than eight keys in turn thrashes (each request claims a slot, so
 * each leases synchronously): at one slot per eight buckets that was ~11 % of 10,000 active keys. */
static uint32_t lease_slots(uint32_t buckets) { return round_pow2(round_pow2(buckets, CV_BUCKET_WAYS) / 2, 64); }

/* The stash: 8,192 key records of up to 440 bytes (a record is ~150), 1,024 customers'
 * policies of up to 4,024 bytes. 8 MiB of address space; pages are only backed once written. */
static const uint32_t stash_slots[CV_STASH_TABLES] = {8192, 1024};
static const uint32_t stash_slot_bytes[CV_STASH_TABLES] = {512, 4096};

/* Budget counters: 8,192 (one per policy budget, scope value and period in use), 512 KiB. */
static const uint32_t budget_slots = 8192;

static uint64_t stash_bytes(void) {
    uint64_t total = 0;
    for (int t = 0; t < CV_STASH_TABLES; t++) total += align64((uint64_t)stash_slots[t] * stash_slot_bytes[t]);
    return total;
}

uint64_t cv_shm_size_for(uint32_t buckets, uint32_t series) {
    uint64_t b = round_pow2(buckets, CV_BUCKET_WAYS), s = round_pow2(series, 64), l = lease_slots(buckets);
    return align64(sizeof(cv_shm_header)) + align64(b * sizeof(cv_bucket)) + align64(s * sizeof(cv_series))
        + align64(l * sizeof(cv_lease)) + stash_bytes() + align64((uint64_t)budget_slots * sizeof(cv_budget));
}

void cv_shm_init(void *base, uint32_t buckets, uint32_t series, uint64_t seed, uint64_t now_unix) {
    cv_shm_header *h = base;
    h->magic = CV_SHM_MAGIC;
    h->header_size = sizeof(cv_shm_header);
    h->total_size = cv_shm_size_for(buckets, series);
    h->hash_seed = seed;
    h->created_unix = now_unix;
    h->bucket_count = round_pow2(buckets, CV_BUCKET_WAYS);
    h->series_capacity = round_pow2(series, 64);
    h->buckets_offset = align64(sizeof(cv_shm_header));
    h->series_offset = h->buckets_offset + align64((uint64_t)h->bucket_count * sizeof(cv_bucket));
    h->lease_count = lease_slots(buckets);
    h->leases_offset = h->series_offset + align64((uint64_t)h->series_capacity * sizeof(cv_series));
    uint64_t offset = h->leases_offset + align64((uint64_t)h->lease_count * sizeof(cv_lease));
    for (int t = 0; t < CV_STASH_TABLES; t++) {
        h->stash_offset[t] = offset;
        h->stash_slots[t] = stash_slots[t];
        h->stash_slot_bytes[t] = stash_slot_bytes[t];
        offset += align64((uint64_t)stash_slots[t] * stash_slot_bytes[t]);
    }
    h->budget_count = budget_slots;
    h->budgets_offset = offset;
    /* Written last: a reader that sees this version sees a complete header. */
    __atomic_store_n(&h->layout_version, CV_SHM_LAYOUT_VERSION, __ATOMIC_RELEASE);
}

int cv_shm_create(uint32_t buckets, uint32_t series, uint64_t seed, uint64_t now_unix, void **out) {
    uint64_t size = cv_shm_size_for(buckets, series);
    /* No name in /dev/shm: nothing is left behind however the supervisor ends. */
    int fd = memfd_create("convergence-shm", MFD_CLOEXEC);
    if (fd < 0) return -1;
    if (ftruncate(fd, (off_t)size) != 0) { int e = errno; close(fd); errno = e; return -1; }
    void *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) { int e = errno; close(fd); errno = e; return -1; }
    cv_shm_init(base, buckets, series, seed, now_unix);
    *out = base;
    return fd;
}

int cv_shm_attach(int fd, void **out, uint32_t *found_version) {
    cv_shm_header probe;
    *found_version = 0;
    if (pread(fd, &probe, sizeof probe, 0) != (ssize_t)sizeof probe) return -2;
    if (probe.magic != CV_SHM_MAGIC) return -2;
    *found_version = probe.layout_version;
    if (probe.layout_version != CV_SHM_LAYOUT_VERSION || probe.header_size != sizeof(cv_shm_header)) return -3;
    void *base = mmap(NULL, probe.total_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) return -1;
    *out = base;
    return 0;
}

void cv_shm_detach(void *base) {
    const cv_shm_header *h = base;
    munmap(base, h->total_size);
}

/* FNV-1a folded with the region's random seed, then a murmur3 finaliser. */
uint64_t cv_shm_hash(const cv_shm_header *h, const void *bytes, size_t len) {
    return cv_hash64(h->hash_seed, bytes, len);
}

uint64_t cv_hash64(uint64_t seed, const void *bytes, size_t len) {
    const unsigned char *p = bytes;
    uint64_t x = 0xcbf29ce484222325ULL ^ seed;
    for (size_t i = 0; i < len; i++) { x ^= p[i]; x *= 0x100000001b3ULL; }
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x ? x : 1; /* 0 marks a free slot */
}

uint64_t cv_atomic_load(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
void cv_atomic_store(uint64_t *p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
uint64_t cv_atomic_add(uint64_t *p, uint64_t v) { return __atomic_add_fetch(p, v, __ATOMIC_RELAXED); }
uint64_t cv_atomic_sub(uint64_t *p, uint64_t v) { return __atomic_sub_fetch(p, v, __ATOMIC_RELAXED); }

void cv_atomic_add_double(uint64_t *p, double v) {
    uint64_t old = __atomic_load_n(p, __ATOMIC_RELAXED), next;
    do {
        double d;
        memcpy(&d, &old, sizeof d);
        d += v;
        memcpy(&next, &d, sizeof next);
    } while (!__atomic_compare_exchange_n(p, &old, next, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
}

void cv_atomic_max(uint64_t *p, uint64_t v) {
    uint64_t old = __atomic_load_n(p, __ATOMIC_RELAXED);
    while (v > old && !__atomic_compare_exchange_n(p, &old, v, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {}
}
