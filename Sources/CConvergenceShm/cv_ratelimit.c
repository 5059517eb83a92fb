#define _GNU_SOURCE
#include "cv_shm.h"
#include "cv_word.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Buckets: 8-way sets. The hot path (key present) is one 16-byte CAS on the
 * bucket word, lock-free. Inserting or evicting takes the set's lock — a word
 * holding the owner's thread id — so two processes can never give one key two
 * buckets. A lock whose owner no longer exists (SIGKILL) is taken over, so a
 * dead worker cannot wedge a set. */

#define LO(w) ((uint64_t)(w))
#define HI(w) ((uint64_t)((w) >> 64))
#define WORD(hash, tat) (((unsigned __int128)(tat) << 64) | (unsigned __int128)(hash))

static inline cv_bucket *bucket_set(cv_shm_header *h, uint64_t key) {
    cv_bucket *all = (cv_bucket *)((char *)h + h->buckets_offset);
    uint64_t sets = h->bucket_count / CV_BUCKET_WAYS;
    /* The high bits pick the set, so a key's hash and its set index stay independent. */
    return all + ((key >> 20) & (sets - 1)) * CV_BUCKET_WAYS;
}

static inline unsigned __int128 word_load(cv_bucket *b) { return cv_word_load(&b->word); }

static inline int word_cas(cv_bucket *b, unsigned __int128 *expected, unsigned __int128 desired) {
    return cv_word_cas(&b->word, expected, desired);
}

static inline uint64_t key_of(cv_bucket *b) {
    return __atomic_load_n((uint64_t *)&b->word, __ATOMIC_ACQUIRE); /* low half, little-endian */
}

static __thread uint64_t cached_tid;

/* 1 when locked; 0 when the lock stayed held for ~50 ms by a live (stopped?) or
 * recycled owner: the caller then answers without a bucket rather than hang. */
static int set_lock(cv_bucket *set) {
    uint64_t *lock = &set[0].reserved;
    if (!cached_tid) cached_tid = (uint64_t)syscall(SYS_gettid);
    for (unsigned spins = 1;; spins++) {
        uint64_t owner = 0;
        if (__atomic_compare_exchange_n(lock, &owner, cached_tid, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) return 1;
        if (spins > (1u << 20)) return 0;
        if (spins % 256 == 0) {
            /* The section is a few hundred ns; a holder this slow is descheduled or dead. */
            if (kill((pid_t)owner, 0) != 0 && errno == ESRCH) {
                __atomic_compare_exchange_n(lock, &owner, 0, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
            } else {
                sched_yield();
            }
        } else {
            __builtin_ia32_pause();
        }
    }
}

static void set_unlock(cv_bucket *set) {
    __atomic_store_n(&set[0].reserved, 0, __ATOMIC_RELEASE);
}

static int find(cv_bucket *set, uint64_t key) {
    for (unsigned i = 0; i < CV_BUCKET_WAYS; i++)
        if (key_of(&set[i]) == key) return (int)i;
    return -1;
}

/* Gives `key` a bucket in its set (full: initial TAT 0), evicting the least recently used.
 * -1 when the set's lock could not be taken. */
static int insert(cv_shm_header *h, cv_bucket *set, uint64_t key, uint64_t now_ns, int *evicted) {
    if (!set_lock(set)) {
        __atomic_add_fetch(&h->counters[CV_COUNTER_LOCK_TIMEOUTS], 1, __ATOMIC_RELAXED);
        return -1;
    }
    int idx = find(set, key);
    if (idx < 0) {
        unsigned victim = 0;
        uint64_t oldest = UINT64_MAX;
        for (unsigned i = 0; i < CV_BUCKET_WAYS; i++) {
            if (key_of(&set[i]) == 0) { victim = i; oldest = 0; break; }
            uint64_t used = __atomic_load_n(&set[i].last_used_ns, __ATOMIC_RELAXED);
            if (used < oldest) { oldest = used; victim = i; }
        }
        cv_bucket *b = &set[victim];
        unsigned __int128 w = word_load(b);
        while (!word_cas(b, &w, WORD(key, 0))) {} /* only consumers race us here, and only on TAT */
        __atomic_store_n(&b->last_used_ns, now_ns, __ATOMIC_RELAXED);
        if (LO(w) != 0) {
            *evicted = 1;
            __atomic_add_fetch(&h->counters[CV_COUNTER_BUCKET_EVICTIONS], 1, __ATOMIC_RELAXED);
        } else {
            __atomic_add_fetch(&h->counters[CV_COUNTER_BUCKETS_USED], 1, __ATOMIC_RELAXED);
        }
        idx = (int)victim;
    }
    set_unlock(set);
    return idx;
}

static void fill(cv_rate_result *out, int allowed, uint64_t tat, uint64_t now, uint64_t interval, uint64_t period) {
    uint64_t backlog = tat > now ? tat - now : 0; /* time the bucket needs to be full again */
    out->allowed = allowed;
    out->reset_after_ns = backlog;
    out->remaining = backlog >= period ? 0 : (period - backlog) / interval;
}

static inline uint64_t monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* `live`: read the clock after each load of the bucket word instead of using now_ns.
 * A successful CAS means nobody wrote the word since that load, and every earlier
 * writer read its clock before its own CAS, so the times of successive takes never
 * go backwards (CLOCK_MONOTONIC is system-wide). A time read before the call can be
 * older than a competitor's that committed first: the bucket is still exact, but
 * that request would report one token fewer than remain. */
static void take(cv_shm_header *h, uint64_t key, uint64_t limit, uint64_t period_ns, uint64_t cost,
                 uint64_t now_ns, int live, cv_rate_result *out) {
    out->allowed = 0; out->remaining = 0; out->reset_after_ns = 0; out->retry_after_ns = 0; out->evicted = 0;
    if (limit == 0 || period_ns == 0) { out->retry_after_ns = period_ns; return; }
    if (key == 0) key = 1;
    uint64_t interval = period_ns / limit;
    if (interval == 0) interval = 1;
    /* A request costing more than the whole bucket could never pass; and this keeps
     * interval * cost <= period_ns (no overflow). */
    if (cost > limit) cost = limit;
    if (cost == 0) cost = 1;
    cv_bucket *set = bucket_set(h, key);
    for (;;) {
        int idx = find(set, key);
        if (idx < 0) idx = insert(h, set, key, now_ns, &out->evicted);
        if (idx < 0) {
            /* The set is wedged (see set_lock): fail open for this request, counted. */
            out->allowed = 1;
            out->remaining = limit - 1;
            return;
        }
        cv_bucket *b = &set[idx];
        unsigned __int128 w = word_load(b);
        while (LO(w) == key) {
            if (live) now_ns = monotonic_ns();
            uint64_t tat = HI(w);
            uint64_t start = tat > now_ns ? tat : now_ns;
            uint64_t next = start + interval * cost;
            if (next - now_ns > period_ns) {
                /* Over budget: nothing to write. */
                fill(out, 0, tat, now_ns, interval, period_ns);
                out->retry_after_ns = next - now_ns - period_ns;
                __atomic_store_n(&b->last_used_ns, now_ns, __ATOMIC_RELAXED);
                return;
            }
            if (word_cas(b, &w, WORD(key, next))) {
                fill(out, 1, next, now_ns, interval, period_ns);
                __atomic_store_n(&b->last_used_ns, now_ns, __ATOMIC_RELAXED);
                return;
            }
        }
        /* Evicted under us: look again. */
    }
}

void cv_rate_take(cv_shm_header *h, uint64_t key, uint64_t limit, uint64_t period_ns, uint64_t cost,
                  uint64_t now_ns, cv_rate_result *out) {
    take(h, key, limit, period_ns, cost, now_ns, 0, out);
}

void cv_rate_take_now(cv_shm_header *h, uint64_t key, uint64_t limit, uint64_t period_ns, uint64_t cost,
                      cv_rate_result *out) {
    take(h, key, limit, period_ns, cost, monotonic_ns(), 1, out);
}

uint64_t cv_rate_occupancy(const cv_shm_header *h) {
    const cv_bucket *all = (const cv_bucket *)((const char *)h + h->buckets_offset);
    uint64_t n = 0;
    for (uint32_t i = 0; i < h->bucket_count; i++)
        if (__atomic_load_n((const uint64_t *)&all[i].word, __ATOMIC_RELAXED) != 0) n++;
    return n;
}
