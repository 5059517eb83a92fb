#include "cv_shm.h"

#include <sched.h>
#include <string.h>

/* Metric series: open addressing on a hash claimed by CAS; slots are never
 * freed while the region lives, so a series keeps its slot and its counters
 * never go backwards. A slot whose writer died between claim and "ready" stays
 * unready: lookups pass it by (after a bounded wait) and rendering skips it. */

enum { FREE = 0, WRITING = 1, READY = 2 };

static inline cv_series *slots(const cv_shm_header *h) {
    return (cv_series *)((char *)h + h->series_offset);
}

/* A claimer marks its slot ready a few instructions after the claim; it can only
 * take long if it was descheduled (then we yield to it) or died (then the slot
 * stays unready for ever and we pass it by). Waiting long before giving up keeps
 * a stalled claimer from getting a duplicate slot for the same series. */
static int wait_ready(cv_series *s) {
    for (unsigned i = 0; i < 200000; i++) {
        if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == READY) return 1;
        if (i % 64 == 63) sched_yield(); else __builtin_ia32_pause();
    }
    return 0;
}

static cv_series *lookup(cv_shm_header *h, const char *key, uint16_t len, int claim, int *created) {
    if (len > CV_SERIES_KEY_MAX) len = CV_SERIES_KEY_MAX;
    uint64_t hash = cv_shm_hash(h, key, len);
    uint32_t mask = h->series_capacity - 1;
    cv_series *table = slots(h);
    for (uint32_t probe = 0; probe <= mask; probe++) {
        cv_series *s = &table[(hash + probe) & mask];
        uint64_t seen = __atomic_load_n(&s->hash, __ATOMIC_ACQUIRE);
        if (seen == 0) {
            if (!claim) return NULL;
            uint64_t expected = 0;
            if (__atomic_compare_exchange_n(&s->hash, &expected, hash, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
                memcpy(s->key, key, len);
                s->key_len = len;
                __atomic_store_n(&s->state, READY, __ATOMIC_RELEASE);
                __atomic_add_fetch(&h->counters[CV_COUNTER_SERIES_USED], 1, __ATOMIC_RELAXED);
                if (created) *created = 1;
                return s;
            }
            seen = expected;
        }
        if (seen == hash && wait_ready(s) && s->key_len == len && memcmp(s->key, key, len) == 0) return s;
    }
    if (claim) __atomic_add_fetch(&h->counters[CV_COUNTER_SERIES_DROPPED], 1, __ATOMIC_RELAXED);
    return NULL;
}

cv_series *cv_series_get(cv_shm_header *h, const char *key, uint16_t len, int *created) {
    if (created) *created = 0;
    return lookup(h, key, len, 1, created);
}

cv_series *cv_series_find(cv_shm_header *h, const char *key, uint16_t len) {
    return lookup(h, key, len, 0, NULL);
}

const cv_series *cv_series_at(const cv_shm_header *h, uint32_t index) {
    if (index >= h->series_capacity) return NULL;
    const cv_series *s = &slots(h)[index];
    return __atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == READY ? s : NULL;
}
