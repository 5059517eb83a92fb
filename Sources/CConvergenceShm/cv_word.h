/* 16-byte atomics shared by the bucket and lease tables (private to this target). */
#ifndef CV_WORD_H
#define CV_WORD_H

/* cmpxchg16b with equal expected/desired: an atomic 16-byte read. */
static inline unsigned __int128 cv_word_load(unsigned __int128 *word) {
    return __sync_val_compare_and_swap(word, (unsigned __int128)0, (unsigned __int128)0);
}

/* 1 when *word was *expected and is now `desired`; else 0 with *expected updated to what was there. */
static inline int cv_word_cas(unsigned __int128 *word, unsigned __int128 *expected, unsigned __int128 desired) {
    unsigned __int128 prev = __sync_val_compare_and_swap(word, *expected, desired);
    if (prev == *expected) return 1;
    *expected = prev;
    return 0;
}

/* The halves of an {owner hash (low), value (high)} word, as the bucket, lease and budget
 * tables lay them out; the value is read back signed. */
#define CV_WORD_OWNER(w) ((uint64_t)(w))
#define CV_WORD_VALUE(w) ((int64_t)(uint64_t)((w) >> 64))
#define CV_WORD(owner, value) (((unsigned __int128)(uint64_t)(value) << 64) | (unsigned __int128)(uint64_t)(owner))
/* The owner of a slot being claimed (its other fields are being written). */
#define CV_WORD_CLAIMING 1u

#endif
