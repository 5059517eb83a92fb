#include "cv_shm.h"

#include <string.h>

/* The stash: set-associative tables of opaque records under 32-byte names (a key's
 * SHA-256, a hash of a customer id), written by whichever worker last read one from
 * PostgreSQL and read by any worker that cannot ask PostgreSQL. Lock-free for readers
 * (a sequence lock plus a checksum), never blocking for writers: a busy slot is skipped. */

enum { TAKEOVER_NS = 1000000000ull };

static inline cv_stash_slot *slot_at(const cv_shm_header *h, int table, uint32_t index) {
    return (cv_stash_slot *)((char *)h + h->stash_offset[table] + (uint64_t)index * h->stash_slot_bytes[table]);
}

static inline unsigned char *payload_of(cv_stash_slot *s) { return (unsigned char *)(s + 1); }

uint32_t cv_stash_payload_max(const cv_shm_header *h, int table) {
    if (table < 0 || table >= CV_STASH_TABLES) return 0;
    return h->stash_slot_bytes[table] - (uint32_t)sizeof(cv_stash_slot);
}

static uint32_t checksum(uint64_t hash, const void *payload, uint32_t len) {
    uint64_t c = cv_hash64(hash, payload, len);
    return (uint32_t)(c ^ (c >> 32));
}

/* The slot's set: CV_STASH_WAYS consecutive slots chosen by the name's hash. */
static uint32_t set_start(const cv_shm_header *h, int table, uint64_t hash) {
    uint32_t sets = h->stash_slots[table] / CV_STASH_WAYS;
    return (uint32_t)(hash & (sets - 1)) * CV_STASH_WAYS;
}

int cv_stash_put(cv_shm_header *h, int table, const unsigned char name[32], const void *payload, uint32_t len, uint64_t now_ns) {
    if (table < 0 || table >= CV_STASH_TABLES || len > cv_stash_payload_max(h, table)) return 0;
    uint64_t hash = cv_hash64(0, name, 32);
    uint32_t start = set_start(h, table, hash);
    cv_stash_slot *chosen = NULL, *empty = NULL, *oldest = NULL;
    for (uint32_t w = 0; w < CV_STASH_WAYS; w++) {
        cv_stash_slot *s = slot_at(h, table, start + w);
        uint64_t seen = __atomic_load_n(&s->hash, __ATOMIC_ACQUIRE);
        if (seen == hash && memcmp(s->name, name, 32) == 0) { chosen = s; break; }
        if (seen == 0) { if (!empty) empty = s; continue; }
        if (!oldest || __atomic_load_n(&s->stored_ns, __ATOMIC_RELAXED) < __atomic_load_n(&oldest->stored_ns, __ATOMIC_RELAXED)) oldest = s;
    }
    cv_stash_slot *s = chosen ? chosen : empty ? empty : oldest;
    if (!s) return 0;
    uint64_t seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
    if (seq & 1) {
        /* Being written; taken over only when its writer has had a second (it died). */
        if (now_ns - __atomic_load_n(&s->writer_ns, __ATOMIC_RELAXED) < TAKEOVER_NS) return 0;
        if (!__atomic_compare_exchange_n(&s->seq, &seq, seq + 2, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return 0;
        seq += 2;
    } else {
        if (!__atomic_compare_exchange_n(&s->seq, &seq, seq + 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return 0;
        seq += 1;
    }
    __atomic_store_n(&s->writer_ns, now_ns, __ATOMIC_RELAXED);
    __atomic_store_n(&s->hash, hash, __ATOMIC_RELAXED);
    memcpy(s->name, name, 32);
    memcpy(payload_of(s), payload, len);
    s->length = len;
    s->checksum = checksum(hash, payload, len);
    __atomic_store_n(&s->stored_ns, now_ns, __ATOMIC_RELAXED);
    /* Released only if nobody took the slot over meanwhile (then its writer releases it). */
    __atomic_compare_exchange_n(&s->seq, &seq, seq + 1, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
    return 1;
}

int64_t cv_stash_get(const cv_shm_header *h, int table, const unsigned char name[32], void *out, uint32_t cap, uint64_t *stored_ns) {
    if (table < 0 || table >= CV_STASH_TABLES) return -1;
    uint64_t hash = cv_hash64(0, name, 32);
    uint32_t start = set_start(h, table, hash);
    for (uint32_t w = 0; w < CV_STASH_WAYS; w++) {
        cv_stash_slot *s = slot_at(h, table, start + w);
        uint64_t before = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
        if ((before & 1) || __atomic_load_n(&s->hash, __ATOMIC_RELAXED) != hash) continue;
        /* Copied while a writer may be at work: whatever the copy holds is checked below. */
        uint32_t len = __atomic_load_n(&s->length, __ATOMIC_RELAXED);
        uint32_t sum = __atomic_load_n(&s->checksum, __ATOMIC_RELAXED);
        uint64_t stored = __atomic_load_n(&s->stored_ns, __ATOMIC_RELAXED);
        if (len > cv_stash_payload_max(h, table) || len > cap) continue;
        int same = memcmp(s->name, name, 32) == 0;
        memcpy(out, payload_of(s), len);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) != before || !same) continue;
        if (checksum(hash, out, len) != sum) continue;
        *stored_ns = stored;
        return len;
    }
    return -1;
}
