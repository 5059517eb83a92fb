#define _GNU_SOURCE
#include "cv_shm.h"
#include "cv_word.h"

/* Budget counters: 8-way sets like the leases, claimed without a lock. The usage and
 * the owner share one 16-byte word, so a reservation on a slot that another counter
 * has just taken over fails instead of spending that counter's budget. */

static inline unsigned __int128 load(cv_budget *b) { return cv_word_load(&b->word); }
static inline int cas(cv_budget *b, unsigned __int128 *expected, unsigned __int128 desired) {
    return cv_word_cas(&b->word, expected, desired);
}

/* The counter id is a hash already: mixed with the period start (and the scope, so that a
 * reload that changes rate_limit_scope never reads one kind of slot as the other) by a
 * murmur3 finaliser. */
static uint64_t slot_hash(uint64_t counter, int64_t period_start, int cluster) {
    uint64_t x = counter ^ ((uint64_t)period_start * 0x9E3779B97F4A7C15ULL) ^ (cluster ? 0xC2B2AE3D27D4EB4FULL : 0);
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x <= CV_WORD_CLAIMING ? 2 : x;
}

cv_budget *cv_budget_at(cv_shm_header *h, uint32_t index) {
    return (cv_budget *)((char *)h + h->budgets_offset) + (index & (h->budget_count - 1));
}

uint64_t cv_budget_owner(cv_budget *b, int64_t *used) {
    unsigned __int128 w = load(b);
    if (used) *used = CV_WORD_VALUE(w);
    return CV_WORD_OWNER(w);
}

cv_budget *cv_budget_get(cv_shm_header *h, uint64_t counter, int64_t period_start, int64_t period_end, int cluster,
                         uint64_t now_ns, uint64_t *hash_out, int *created) {
    uint64_t hash = slot_hash(counter, period_start, cluster);
    *hash_out = hash;
    *created = 0;
    cv_budget *set = (cv_budget *)((char *)h + h->budgets_offset)
        + ((hash >> 20) & (h->budget_count / CV_BUCKET_WAYS - 1)) * CV_BUCKET_WAYS;
    for (unsigned attempt = 0; attempt < 16; attempt++) {
        unsigned victim = 0;
        uint64_t oldest = UINT64_MAX;
        for (unsigned i = 0; i < CV_BUCKET_WAYS; i++) {
            uint64_t owner = (uint64_t)__atomic_load_n((uint64_t *)&set[i].word, __ATOMIC_ACQUIRE);
            if (owner == hash) return &set[i];
            if (owner == CV_WORD_CLAIMING) continue;
            uint64_t age = 0;
            if (owner != 0) {
                age = __atomic_load_n(&set[i].last_used_ns, __ATOMIC_RELAXED);
                /* A slot with usage not yet in PostgreSQL goes last: evicting it loses that usage. So
                 * does a cluster slot holding grants (lost to the fleet until the period ends) or
                 * outage admissions not yet charged (an over-admission if lost). */
                if (__atomic_load_n(&set[i].unsynced, __ATOMIC_RELAXED) != 0) age |= 1ULL << 62;
                if (__atomic_load_n(&set[i].cluster, __ATOMIC_RELAXED)
                    && ((int64_t)(uint64_t)(__atomic_load_n((uint64_t *)&set[i].word + 1, __ATOMIC_RELAXED)) > 0
                        || __atomic_load_n(&set[i].outside, __ATOMIC_RELAXED) != 0)) age |= 1ULL << 62;
            }
            if (age < oldest) { oldest = age; victim = i; }
        }
        if (oldest == UINT64_MAX) continue;
        cv_budget *b = &set[victim];
        unsigned __int128 w = load(b);
        if (CV_WORD_OWNER(w) == CV_WORD_CLAIMING || CV_WORD_OWNER(w) == hash) continue;
        if (!cas(b, &w, CV_WORD(CV_WORD_CLAIMING, 0))) continue;
        __atomic_store_n(&b->unsynced, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&b->last_used_ns, now_ns, __ATOMIC_RELAXED);
        __atomic_store_n(&b->counter, counter, __ATOMIC_RELAXED);
        __atomic_store_n(&b->period_start, period_start, __ATOMIC_RELAXED);
        __atomic_store_n(&b->period_end, period_end, __ATOMIC_RELAXED);
        __atomic_store_n(&b->loaded, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&b->cluster, cluster ? 1u : 0u, __ATOMIC_RELAXED);
        __atomic_store_n(&b->central_used, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&b->central_ns, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&b->outside, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&b->limit, 0, __ATOMIC_RELAXED);
        unsigned __int128 claiming = CV_WORD(CV_WORD_CLAIMING, 0);
        cas(b, &claiming, CV_WORD(hash, 0)); /* only we write a slot while it is being claimed */
        *created = 1;
        return b;
    }
    return 0;
}

cv_budget *cv_budget_find(cv_shm_header *h, uint64_t counter, int64_t period_start, int cluster, uint64_t *hash_out) {
    uint64_t hash = slot_hash(counter, period_start, cluster);
    *hash_out = hash;
    cv_budget *set = (cv_budget *)((char *)h + h->budgets_offset)
        + ((hash >> 20) & (h->budget_count / CV_BUCKET_WAYS - 1)) * CV_BUCKET_WAYS;
    for (unsigned i = 0; i < CV_BUCKET_WAYS; i++) {
        if ((uint64_t)__atomic_load_n((uint64_t *)&set[i].word, __ATOMIC_ACQUIRE) == hash) return &set[i];
    }
    return 0;
}

int cv_budget_reserve(cv_budget *b, uint64_t hash, int64_t amount, int64_t limit, uint64_t now_ns, int64_t *used) {
    /* Counted as unsynced before the usage moves: a sync in between then counts it twice for one
     * tick (refuses early) rather than not at all (admits late). */
    __atomic_add_fetch(&b->unsynced, amount, __ATOMIC_ACQ_REL);
    /* The expected word from two plain 8-byte loads (cheaper than a locked 16-byte read): if they
     * tore, the CAS fails and hands back the real word. */
    uint64_t halves[2] = {__atomic_load_n((uint64_t *)&b->word, __ATOMIC_ACQUIRE), __atomic_load_n((uint64_t *)&b->word + 1, __ATOMIC_ACQUIRE)};
    unsigned __int128 w = ((unsigned __int128)halves[1] << 64) | halves[0];
    for (;;) {
        if (CV_WORD_OWNER(w) != hash) {
            __atomic_sub_fetch(&b->unsynced, amount, __ATOMIC_ACQ_REL);
            *used = 0;
            return -1;
        }
        int64_t u = CV_WORD_VALUE(w);
        if (u >= limit || amount > limit - u) {
            __atomic_sub_fetch(&b->unsynced, amount, __ATOMIC_ACQ_REL);
            *used = u;
            return 0;
        }
        if (cas(b, &w, CV_WORD(hash, u + amount))) {
            __atomic_store_n(&b->last_used_ns, now_ns, __ATOMIC_RELAXED);
            *used = u + amount;
            return 1;
        }
    }
}

void cv_budget_refund(cv_budget *b, uint64_t hash, int64_t amount) {
    unsigned __int128 w = load(b);
    while (CV_WORD_OWNER(w) == hash) {
        if (cas(b, &w, CV_WORD(hash, CV_WORD_VALUE(w) - amount))) {
            __atomic_sub_fetch(&b->unsynced, amount, __ATOMIC_ACQ_REL);
            return;
        }
    }
}

int cv_budget_load(cv_budget *b, uint64_t hash, int64_t total) {
    uint32_t no = 0;
    if (CV_WORD_OWNER(load(b)) != hash || !__atomic_compare_exchange_n(&b->loaded, &no, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) return 0;
    unsigned __int128 w = load(b);
    while (CV_WORD_OWNER(w) == hash) {
        if (cas(b, &w, CV_WORD(hash, CV_WORD_VALUE(w) + total))) return 1;
    }
    return 0;
}

int64_t cv_budget_take_unsynced(cv_budget *b) { return __atomic_exchange_n(&b->unsynced, 0, __ATOMIC_ACQ_REL); }

void cv_budget_give_back(cv_budget *b, int64_t amount) { __atomic_add_fetch(&b->unsynced, amount, __ATOMIC_ACQ_REL); }

int cv_budget_set_total(cv_budget *b, uint64_t hash, int64_t total) {
    unsigned __int128 w = load(b);
    while (CV_WORD_OWNER(w) == hash) {
        int64_t pending = __atomic_load_n(&b->unsynced, __ATOMIC_ACQUIRE);
        if (cas(b, &w, CV_WORD(hash, total + pending))) {
            __atomic_store_n(&b->loaded, 1, __ATOMIC_RELEASE);
            return 1;
        }
    }
    return 0;
}

int cv_budget_release(cv_budget *b, uint64_t hash) {
    unsigned __int128 w = load(b);
    if (CV_WORD_OWNER(w) != hash || __atomic_load_n(&b->unsynced, __ATOMIC_ACQUIRE) != 0) return 0;
    return cas(b, &w, CV_WORD(0, 0));
}

/* ---- cluster scope: the word's amount is the grants left ---- */

int cv_budget_spend(cv_budget *b, uint64_t hash, int64_t amount, uint64_t now_ns, int64_t *left) {
    unsigned __int128 w = load(b);
    for (;;) {
        if (CV_WORD_OWNER(w) != hash) { *left = 0; return -1; }
        int64_t g = CV_WORD_VALUE(w);
        if (g < amount) { *left = g; return 0; }
        if (cas(b, &w, CV_WORD(hash, g - amount))) {
            __atomic_add_fetch(&b->unsynced, amount, __ATOMIC_ACQ_REL);
            __atomic_store_n(&b->last_used_ns, now_ns, __ATOMIC_RELAXED);
            *left = g - amount;
            return 1;
        }
    }
}

int cv_budget_grant(cv_budget *b, uint64_t hash, int64_t amount, int64_t refund) {
    unsigned __int128 w = load(b);
    while (CV_WORD_OWNER(w) == hash) {
        if (cas(b, &w, CV_WORD(hash, CV_WORD_VALUE(w) + amount + refund))) {
            if (refund) __atomic_sub_fetch(&b->unsynced, refund, __ATOMIC_ACQ_REL);
            return 1;
        }
    }
    return 0;
}

int64_t cv_budget_drain(cv_budget *b, uint64_t hash) {
    unsigned __int128 w = load(b);
    while (CV_WORD_OWNER(w) == hash) {
        if (cas(b, &w, CV_WORD(hash, 0))) return CV_WORD_VALUE(w) > 0 ? CV_WORD_VALUE(w) : 0;
    }
    return 0;
}

int cv_budget_outside(cv_budget *b, int64_t amount, int64_t allowance) {
    int64_t o = __atomic_load_n(&b->outside, __ATOMIC_ACQUIRE);
    while (o + amount <= allowance) {
        if (__atomic_compare_exchange_n(&b->outside, &o, o + amount, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return 1;
    }
    return 0;
}

void cv_budget_note_central(cv_budget *b, int64_t used, uint64_t now_ns) {
    /* Two writers (a worker's lease, the keeper's sync) may race: the later reading wins; a
     * torn pair only makes the next request lease instead of refusing locally. */
    if (__atomic_load_n(&b->central_ns, __ATOMIC_ACQUIRE) > now_ns) return;
    __atomic_store_n(&b->central_used, used, __ATOMIC_RELEASE);
    __atomic_store_n(&b->central_ns, now_ns, __ATOMIC_RELEASE);
}

int64_t cv_budget_central(cv_budget *b, uint64_t *read_ns) {
    *read_ns = __atomic_load_n(&b->central_ns, __ATOMIC_ACQUIRE);
    return __atomic_load_n(&b->central_used, __ATOMIC_ACQUIRE);
}

void cv_budget_outside_refund(cv_budget *b, int64_t amount) { __atomic_sub_fetch(&b->outside, amount, __ATOMIC_ACQ_REL); }

int64_t cv_budget_outside_pending(cv_budget *b, uint64_t hash) {
    if (CV_WORD_OWNER(load(b)) != hash) return 0;
    return __atomic_load_n(&b->outside, __ATOMIC_ACQUIRE);
}

void cv_budget_outside_settled(cv_budget *b, uint64_t hash, int64_t amount) {
    /* Only while the slot is still this counter's: a slot taken over meanwhile started from 0. */
    if (CV_WORD_OWNER(load(b)) == hash) __atomic_sub_fetch(&b->outside, amount, __ATOMIC_ACQ_REL);
}

void cv_budget_set_limit(cv_budget *b, int64_t limit) {
    if (__atomic_load_n(&b->limit, __ATOMIC_RELAXED) != limit) __atomic_store_n(&b->limit, limit, __ATOMIC_RELEASE);
}

int64_t cv_budget_limit(cv_budget *b) { return __atomic_load_n(&b->limit, __ATOMIC_ACQUIRE); }
