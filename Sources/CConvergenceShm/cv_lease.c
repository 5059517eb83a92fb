#define _GNU_SOURCE
#include "cv_shm.h"
#include "cv_word.h"

/* Leased tokens (rate_limit_scope = cluster): 8-way sets like the buckets, but
 * claimed without a lock. Every change of ownership or of the token count is a
 * 16-byte CAS on {hash, tokens}: spending checks the owner in the same
 * instruction, so a slot taken over by another key can never hand out, or
 * receive, the previous key's tokens. */

static inline unsigned __int128 load(cv_lease *l) { return cv_word_load(&l->word); }

static inline int cas(cv_lease *l, unsigned __int128 *expected, unsigned __int128 desired) {
    return cv_word_cas(&l->word, expected, desired);
}

static inline cv_lease *lease_set(cv_shm_header *h, uint64_t hash) {
    cv_lease *all = (cv_lease *)((char *)h + h->leases_offset);
    uint64_t sets = h->lease_count / CV_BUCKET_WAYS;
    return all + ((hash >> 20) & (sets - 1)) * CV_BUCKET_WAYS;
}

cv_lease *cv_lease_at(cv_shm_header *h, uint32_t index) {
    return (cv_lease *)((char *)h + h->leases_offset) + (index & (h->lease_count - 1));
}

uint64_t cv_lease_owner(cv_lease *l, int64_t *tokens) {
    unsigned __int128 w = load(l);
    if (tokens) *tokens = CV_WORD_VALUE(w);
    return CV_WORD_OWNER(w);
}

cv_lease *cv_lease_get(cv_shm_header *h, uint64_t hash, uint32_t limit, uint32_t period_s, uint64_t now_ns) {
    if (hash <= CV_WORD_CLAIMING) return 0;
    cv_lease *set = lease_set(h, hash);
    for (unsigned attempt = 0; attempt < 16; attempt++) {
        unsigned victim = 0;
        uint64_t oldest = UINT64_MAX;
        for (unsigned i = 0; i < CV_BUCKET_WAYS; i++) {
            uint64_t owner = (uint64_t)__atomic_load_n((uint64_t *)&set[i].word, __ATOMIC_ACQUIRE);
            if (owner == hash) return &set[i];
            if (owner == CV_WORD_CLAIMING) continue;
            uint64_t used = owner == 0 ? 0 : __atomic_load_n(&set[i].last_used_ns, __ATOMIC_RELAXED);
            if (used < oldest) { oldest = used; victim = i; }
        }
        if (oldest == UINT64_MAX) continue; /* every slot being claimed: look again */
        cv_lease *l = &set[victim];
        unsigned __int128 w = load(l);
        if (CV_WORD_OWNER(w) == CV_WORD_CLAIMING || CV_WORD_OWNER(w) == hash) continue;
        /* Take it over with no tokens; the rule is written while it reads as "being claimed". */
        if (!cas(l, &w, CV_WORD(CV_WORD_CLAIMING, 0))) continue;
        __atomic_store_n(&l->spent, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&l->outside, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&l->last_used_ns, now_ns, __ATOMIC_RELAXED);
        __atomic_store_n(&l->limit, limit, __ATOMIC_RELAXED);
        __atomic_store_n(&l->period_s, period_s, __ATOMIC_RELAXED);
        __atomic_store_n(&l->central_left, (int32_t)(limit > INT32_MAX ? INT32_MAX : limit), __ATOMIC_RELAXED);
        __atomic_store_n(&l->refused, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&l->full_at_ns, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&l->synced_ns, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&l->backed_until_ns, 0, __ATOMIC_RELAXED);
        unsigned __int128 claiming = CV_WORD(CV_WORD_CLAIMING, 0);
        cas(l, &claiming, CV_WORD(hash, 0)); /* only we write a slot while it is being claimed */
        return l;
    }
    return 0;
}

int cv_lease_take(cv_lease *l, uint64_t hash, uint64_t now_ns) {
    unsigned __int128 w = load(l);
    /* Tokens PostgreSQL no longer counts as this host's (its holding expired: the leaser could not
     * refresh it) are dropped, not spent: the central bucket has refilled in their place. */
    if (now_ns >= __atomic_load_n(&l->backed_until_ns, __ATOMIC_ACQUIRE)) {
        if (CV_WORD_OWNER(w) != hash) return 0;
        cv_lease_drop(l, hash);
        __atomic_store_n(&l->last_used_ns, now_ns, __ATOMIC_RELAXED);
        return 0;
    }
    while (CV_WORD_OWNER(w) == hash && CV_WORD_VALUE(w) > 0) {
        if (cas(l, &w, CV_WORD(hash, CV_WORD_VALUE(w) - 1))) {
            __atomic_add_fetch(&l->spent, 1, __ATOMIC_RELAXED);
            __atomic_store_n(&l->last_used_ns, now_ns, __ATOMIC_RELAXED);
            return 1;
        }
    }
    if (CV_WORD_OWNER(w) == hash) __atomic_store_n(&l->last_used_ns, now_ns, __ATOMIC_RELAXED);
    return 0;
}

int cv_lease_add(cv_lease *l, uint64_t hash, int64_t n) {
    unsigned __int128 w = load(l);
    while (CV_WORD_OWNER(w) == hash) {
        if (cas(l, &w, CV_WORD(hash, CV_WORD_VALUE(w) + n))) return 1;
    }
    return 0;
}

int64_t cv_lease_drain(cv_lease *l, uint64_t hash) {
    unsigned __int128 w = load(l);
    while (CV_WORD_OWNER(w) == hash) {
        if (cas(l, &w, CV_WORD(hash, 0))) return CV_WORD_VALUE(w) > 0 ? CV_WORD_VALUE(w) : 0;
    }
    return 0;
}

int cv_lease_begin_sync(cv_lease *l, uint64_t seen, uint64_t now_ns) {
    return __atomic_compare_exchange_n(&l->synced_ns, &seen, now_ns, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

void cv_lease_note_spent(cv_lease *l) { __atomic_add_fetch(&l->spent, 1, __ATOMIC_RELAXED); }

void cv_lease_note_outside(cv_lease *l) { __atomic_add_fetch(&l->outside, 1, __ATOMIC_RELAXED); }

void cv_lease_note_refused(cv_lease *l) { __atomic_add_fetch(&l->refused, 1, __ATOMIC_RELAXED); }

void cv_lease_back(cv_lease *l, uint64_t until_ns) {
    uint64_t seen = __atomic_load_n(&l->backed_until_ns, __ATOMIC_RELAXED);
    while (seen < until_ns && !__atomic_compare_exchange_n(&l->backed_until_ns, &seen, until_ns, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {}
}

int64_t cv_lease_drop(cv_lease *l, uint64_t hash) {
    int64_t n = cv_lease_drain(l, hash);
    if (n > 0) __atomic_add_fetch(&l->spent, (uint32_t)n, __ATOMIC_RELAXED);
    return n;
}
