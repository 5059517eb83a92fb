// The shared-memory region of `convergence serve`: created by the supervisor
// (memfd, handed to every child as an fd), mapped by workers, the flusher and
// the executor. Everything in it is updated with lock-free atomics, with one
// exception: inserting or evicting a rate-limit bucket takes its set's insert
// lock (see cv_bucket.reserved), whose owner is a thread id, and a lock whose
// owner has died is taken over. So a process killed at any instruction leaves
// nothing locked for good: at worst a slot half-claimed, which readers detect
// and skip, or a set lock the next inserter takes over.
#ifndef CV_SHM_H
#define CV_SHM_H

#include <stddef.h>
#include <stdint.h>

#define CV_SHM_MAGIC 0x31524756434E4F43ULL /* "CONCVGR1" little-endian */
/* Bump on any change to the structs below: a binary built for another layout refuses to attach. */
#define CV_SHM_LAYOUT_VERSION 8u

#define CV_BUCKET_WAYS 8u
#define CV_SERIES_KEY_MAX 176u
#define CV_SERIES_VALUES 20u
#define CV_STASH_WAYS 8u

/* The stash's tables (cv_stash.c): key records and customers' policies as PostgreSQL
 * last returned them to any worker, for every worker to fall back on while it is down. */
enum { CV_STASH_KEYS = 0, CV_STASH_POLICIES = 1, CV_STASH_TABLES = 2 };

/* Indexes of the region-wide counters in cv_shm_header.counters. */
enum {
    CV_COUNTER_BUCKETS_USED = 0,
    CV_COUNTER_BUCKET_EVICTIONS,
    CV_COUNTER_SERIES_USED,
    CV_COUNTER_SERIES_DROPPED,
    CV_COUNTER_CUSTOMER_LABELS,
    CV_COUNTER_KEY_GENERATION,
    CV_COUNTER_POLICY_GENERATION,
    CV_COUNTER_LOCK_TIMEOUTS,
    CV_COUNTER_SESSION_GENERATION, /* dashboard sessions revoked through the API */
    CV_COUNTER_CLUSTER_HOSTS,   /* live hosts at the last sync (rate_limit_scope = cluster) */
    CV_COUNTER_CLUSTER_OUTAGE,  /* 1 while the central buckets are unreachable */
    CV_COUNTER_LEASE_FAILURES,  /* synchronous leases past their deadline or refused (lock timeout) */
    CV_COUNTER_BUDGET_WARNINGS, /* checks admitted past a budget's warn_at */
    CV_COUNTER_BUDGET_REFUSALS, /* budget reservations refused (enforced or monitored) */
    CV_COUNTER_BUDGET_SYNC_FAILURES, /* budget loads and keeper syncs that could not reach PostgreSQL */
    CV_COUNTER_BUDGET_LEASES,   /* budget grants leased on the request path (rate_limit_scope = cluster) */
    CV_COUNTER_SYNC_LEASES,     /* rate-limit leases on the request path: one statement each (rate_limit_scope = cluster) */
    CV_COUNTER_COUNT = 17
};

typedef struct cv_shm_header {
    uint64_t magic;
    uint32_t layout_version;
    uint32_t header_size;
    uint64_t total_size;
    uint64_t hash_seed;
    uint64_t created_unix;
    uint32_t bucket_count;     /* power of two, a multiple of CV_BUCKET_WAYS */
    uint32_t series_capacity;  /* power of two */
    uint64_t buckets_offset;
    uint64_t series_offset;
    uint32_t lease_count;      /* power of two, a multiple of CV_BUCKET_WAYS */
    uint32_t budget_count;     /* power of two, a multiple of CV_BUCKET_WAYS */
    uint64_t leases_offset;
    uint64_t counters[CV_COUNTER_COUNT]; /* atomic; see the enum above */
    uint64_t stash_offset[CV_STASH_TABLES];
    uint32_t stash_slots[CV_STASH_TABLES];      /* power of two, a multiple of CV_STASH_WAYS */
    uint32_t stash_slot_bytes[CV_STASH_TABLES]; /* header + payload, a multiple of 64 */
    uint64_t budgets_offset;
} cv_shm_header;

/* One budget counter (a policy's `budgets` entry, for one scope value and one calendar
 * period). `word` is {hash of (counter, period_start, scope) (low half); a signed amount
 * (high half)} and changes only by 16-byte CAS, so a reservation checks what is left and
 * spends in one instruction: exact across workers.
 *
 * Host scope: the amount is the usage as this host sees it: PostgreSQL's total for the
 * counter at the last sync plus what was admitted here since (`unsynced`); the budget
 * keeper adds `unsynced` to PostgreSQL and sets the usage to the new total plus what
 * arrived meanwhile. Every race between the two over-counts for one tick, never
 * under-counts: a budget can refuse early for a moment, never admit late.
 *
 * Cluster scope (`cluster` = 1): the amount is what is left of the grants this host leased
 * from the central counter (PostgreSQL charges a grant when it hands it out, never beyond
 * the limit), so every host together admits at most the limit. `unsynced` counts what was
 * spent since the keeper's last pass (its demand estimate). */
typedef struct cv_budget {
    _Alignas(16) unsigned __int128 word;
    int64_t unsynced;      /* atomic: admitted here, not yet added to PostgreSQL (refunds subtract) */
    uint64_t last_used_ns; /* CLOCK_MONOTONIC of the last reservation; for LRU eviction */
    uint64_t counter;      /* the counter's id in PostgreSQL (hash of its name, seed 0) */
    int64_t period_start;  /* Unix seconds */
    int64_t period_end;
    uint32_t loaded;       /* 1 once PostgreSQL's total was added (first use or a sync) */
    uint32_t cluster;      /* 1: leased from the central counter (rate_limit_scope = cluster) */
    /* cluster scope only */
    int64_t central_used;  /* atomic: PostgreSQL's usage (every host's grants) at the last lease or sync */
    uint64_t central_ns;   /* atomic: CLOCK_MONOTONIC when central_used was read */
    int64_t outside;       /* atomic: admitted while PostgreSQL was unreachable; charged at the next sync */
    int64_t limit;         /* atomic: the budget's limit at the last lease (the keeper's refills use it) */
    uint64_t spare[4];
} cv_budget;

/* A stash slot's header; its payload follows, up to stash_slot_bytes - sizeof(cv_stash_slot).
 * `seq` is a sequence lock: odd while a writer copies, bumped to even when done. A reader
 * copies, then sees `seq` unchanged and the checksum right, or misses. A writer that died
 * mid-copy leaves `seq` odd: after a second another writer takes the slot over (a stalled
 * writer that wakes up then can only spoil the payload, which the checksum catches). */
typedef struct cv_stash_slot {
    uint64_t seq;
    uint64_t hash;      /* of name; 0: empty */
    uint64_t stored_ns; /* CLOCK_MONOTONIC when written (one clock for every process) */
    uint64_t writer_ns; /* CLOCK_MONOTONIC when the current write began */
    uint32_t length;
    uint32_t checksum;
    unsigned char name[32];
} cv_stash_slot;

/* One rate-limit bucket. `word` is {key hash (low half), theoretical arrival
 * time (high half)} and is only ever changed by one 16-byte compare-and-swap, so
 * identity and state can never tear apart. */
typedef struct cv_bucket {
    _Alignas(16) unsigned __int128 word;
    uint64_t last_used_ns; /* for LRU eviction; relaxed, approximate is fine */
    /* In the first bucket of each CV_BUCKET_WAYS-way set: the set's insert lock
     * (0, or the owner's thread id; cv_ratelimit.c). Unused in the others. */
    uint64_t reserved;
} cv_bucket;

/* Tokens a host leased from a key's central bucket (rate_limit_scope = cluster).
 * `word` is {hash of (key, rule), the same on every host (low half); unspent
 * leased tokens (high half)} and changes only by 16-byte CAS, so a token can
 * never be spent from, or added to, a slot that another key has taken over.
 * A claim goes through hash 1 ("being written") while it sets the rule. */
typedef struct cv_lease {
    _Alignas(16) unsigned __int128 word;
    uint32_t spent;           /* leased tokens ever spent (atomic; wraps: the leaser takes differences) */
    uint32_t outside;         /* requests admitted outside a lease (outage decisions; atomic, wraps): charged later */
    uint64_t last_used_ns;    /* CLOCK_MONOTONIC of the last take */
    uint32_t limit;           /* the rule, so the leaser can lease without the key */
    uint32_t period_s;
    int32_t central_left;     /* whole tokens the central bucket had after the last lease (header estimate) */
    uint32_t refused;         /* requests refused for want of a token (atomic): with the two above, the demand */
    uint64_t full_at_ns;      /* CLOCK_MONOTONIC when the central bucket is full again at the earliest (from the lease's
                                 send time): X-RateLimit-Reset, and the most it can hold before (other hosts only take) */
    uint64_t synced_ns;       /* CLOCK_MONOTONIC of the last lease (0: never): one thread at a time leases */
    uint64_t backed_until_ns; /* CLOCK_MONOTONIC until which PostgreSQL counts this host's tokens as held (a little
                                 before its holding expires there): past it they are dropped, never spent; `spent`
                                 counts them (PostgreSQL reckons what a host holds as granted − spent − returned) */
    uint64_t reserved[7];
} cv_lease;

/* One metric series: `key` is "family\x1flabels" as exposed. */
typedef struct cv_series {
    uint64_t hash;       /* 0: free; claimed by CAS */
    uint32_t state;      /* 0 free, 1 being written, 2 ready */
    uint16_t key_len;
    uint16_t reserved;
    char key[CV_SERIES_KEY_MAX];
    uint64_t values[CV_SERIES_VALUES];
} cv_series;

/* The layout Swift and cv_ratelimit.c rely on: Swift reads counters and values by
 * MemoryLayout offsets, key_of() reads the hash as the bucket's first 8 bytes, and
 * the 16-byte CAS needs 16-byte alignment. A change here is a layout change
 * (bump CV_SHM_LAYOUT_VERSION). */
_Static_assert(sizeof(cv_bucket) == 32, "cv_bucket is 32 bytes");
_Static_assert(offsetof(cv_bucket, word) == 0, "the bucket word comes first");
_Static_assert(_Alignof(cv_bucket) == 16, "cv_bucket is 16-byte aligned for cmpxchg16b");
_Static_assert(sizeof(cv_series) == 352, "cv_series is 352 bytes");
_Static_assert(sizeof(cv_lease) == 128, "cv_lease is two cache lines (the CAS word in the first)");
_Static_assert(_Alignof(cv_lease) == 16, "cv_lease is 16-byte aligned for cmpxchg16b");
_Static_assert(offsetof(cv_shm_header, counters) % 8 == 0, "the header counters are 8-byte aligned");
_Static_assert(sizeof(cv_stash_slot) == 72, "cv_stash_slot is 72 bytes");
_Static_assert(sizeof(cv_budget) == 128, "cv_budget is two cache lines (the CAS word in the first)");
_Static_assert(_Alignof(cv_budget) == 16, "cv_budget is 16-byte aligned for cmpxchg16b");

/* ---- region ---- */

/* Bytes needed for a region with these table sizes (rounded up to powers of two). */
uint64_t cv_shm_size_for(uint32_t buckets, uint32_t series);
/* Creates an anonymous region (memfd) of that size, initialised. Returns the fd (>= 0)
 * and the mapping in *out, or -1 with errno. */
int cv_shm_create(uint32_t buckets, uint32_t series, uint64_t seed, uint64_t now_unix, void **out);
/* Initialises a zeroed mapping of cv_shm_size_for(...) bytes (tests use heap memory). */
void cv_shm_init(void *base, uint32_t buckets, uint32_t series, uint64_t seed, uint64_t now_unix);
/* Maps a region from an inherited fd and checks magic and layout version.
 * 0 on success; -1 errno set (mmap failure); -2 not a Convergence region;
 * -3 another layout version (*found_version tells which). */
int cv_shm_attach(int fd, void **out, uint32_t *found_version);
void cv_shm_detach(void *base);

uint64_t cv_shm_hash(const cv_shm_header *h, const void *bytes, size_t len);
/* The same hash with an explicit seed (0: identical on every host, for ids shared through PostgreSQL). Never 0. */
uint64_t cv_hash64(uint64_t seed, const void *bytes, size_t len);

/* Atomics on region words, for Swift (which cannot place its Atomic in foreign memory). */
uint64_t cv_atomic_load(const uint64_t *p);
void cv_atomic_store(uint64_t *p, uint64_t v);
uint64_t cv_atomic_add(uint64_t *p, uint64_t v);
uint64_t cv_atomic_sub(uint64_t *p, uint64_t v);
/* Adds a double stored as its bit pattern (CAS loop). */
void cv_atomic_add_double(uint64_t *p, double v);
/* Raises *p to v if v is larger. */
void cv_atomic_max(uint64_t *p, uint64_t v);

/* ---- rate limiting (GCRA: a token bucket kept as one timestamp) ---- */

typedef struct cv_rate_result {
    int allowed;
    uint64_t remaining;      /* whole requests left right now */
    uint64_t reset_after_ns; /* until the bucket is full again */
    uint64_t retry_after_ns; /* until the next request would pass (0 when allowed) */
    int evicted;             /* this call evicted another key's bucket */
} cv_rate_result;

/* Takes `cost` tokens from the bucket of `key_hash` (capacity `limit` per `period_ns`,
 * refilled continuously) at monotonic time `now_ns`. Never blocks. */
void cv_rate_take(cv_shm_header *h, uint64_t key_hash, uint64_t limit, uint64_t period_ns,
                  uint64_t cost, uint64_t now_ns, cv_rate_result *out);
/* cv_rate_take at the current CLOCK_MONOTONIC time, read inside the bucket's update
 * loop so that concurrent takes see non-decreasing times in commit order (exact
 * `remaining` under contention). */
void cv_rate_take_now(cv_shm_header *h, uint64_t key_hash, uint64_t limit, uint64_t period_ns,
                      uint64_t cost, cv_rate_result *out);
/* Number of live buckets (scans the table). */
uint64_t cv_rate_occupancy(const cv_shm_header *h);

/* ---- leased tokens (rate_limit_scope = cluster) ---- */

/* The slot for `hash` (not 0 or 1), claimed with no tokens if new, evicting the least
 * recently used (its unspent tokens are lost to this host: under-admission, never
 * over); NULL when claims kept racing. The rule fields are set on claim. */
cv_lease *cv_lease_get(cv_shm_header *h, uint64_t hash, uint32_t limit, uint32_t period_s, uint64_t now_ns);
/* Spends one leased token: 1 when taken, 0 when the slot holds none (or changed owner). */
int cv_lease_take(cv_lease *l, uint64_t hash, uint64_t now_ns);
/* Adds `n` leased tokens if the slot still belongs to `hash`; 0 when it does not (give them back). */
int cv_lease_add(cv_lease *l, uint64_t hash, int64_t n);
/* Takes every unspent token out of the slot (to return them); 0 if it changed owner. */
int64_t cv_lease_drain(cv_lease *l, uint64_t hash);
/* Slot `index` (0 ..< lease_count), claimed or free. */
cv_lease *cv_lease_at(cv_shm_header *h, uint32_t index);
/* Elects the one thread that leases for the slot now: moves `synced_ns` from `seen` to
 * `now_ns`; 0 when another thread did first. */
int cv_lease_begin_sync(cv_lease *l, uint64_t seen, uint64_t now_ns);
/* Records that PostgreSQL holds this host's tokens for the slot until `until_ns` (never moves it back). */
void cv_lease_back(cv_lease *l, uint64_t until_ns);
/* Drops the slot's tokens (PostgreSQL no longer holds them for this host) and counts them as
 * spent: PostgreSQL learns what a host holds from the spent count, and a dropped token is gone. */
int64_t cv_lease_drop(cv_lease *l, uint64_t hash);
/* Counts a leased token spent without passing through the slot (the synchronous lease's own), a
 * request admitted outside any lease (outage share: the leaser charges it to the central bucket
 * at its next sync), or one refused (demand only). */
void cv_lease_note_spent(cv_lease *l);
void cv_lease_note_outside(cv_lease *l);
void cv_lease_note_refused(cv_lease *l);
/* The slot's owner and unspent tokens, read atomically (owner 0: free, 1: being claimed). */
uint64_t cv_lease_owner(cv_lease *l, int64_t *tokens);

/* ---- budgets (usage over calendar periods, synced with PostgreSQL) ---- */

/* The slot of (counter, period_start), claimed if new (*created = 1: its usage starts at 0
 * and PostgreSQL's total should be added with cv_budget_load). Evicts the least recently
 * used slot of its set, preferring one with nothing unsynced. NULL when claims kept racing. */
cv_budget *cv_budget_get(cv_shm_header *h, uint64_t counter, int64_t period_start, int64_t period_end, int cluster,
                         uint64_t now_ns, uint64_t *hash, int *created);
/* The slot of (counter, period_start) if this host has one; never claims. */
cv_budget *cv_budget_find(cv_shm_header *h, uint64_t counter, int64_t period_start, int cluster, uint64_t *hash);
/* Adds `amount` if the usage stays within `limit` (and is below it): 1 admitted, 0 refused,
 * -1 the slot changed owner (evicted meanwhile). *used: the usage after (admitted) or as found. */
int cv_budget_reserve(cv_budget *b, uint64_t hash, int64_t amount, int64_t limit, uint64_t now_ns, int64_t *used);
/* Takes back an admitted reservation (the check was blocked after all). */
void cv_budget_refund(cv_budget *b, uint64_t hash, int64_t amount);
/* Adds PostgreSQL's total once (the first loader wins; 0 when already loaded or evicted). */
int cv_budget_load(cv_budget *b, uint64_t hash, int64_t total);
/* Slot `index` (0 ..< budget_count) and its owner hash and usage (owner 0: free, 1: being claimed). */
cv_budget *cv_budget_at(cv_shm_header *h, uint32_t index);
uint64_t cv_budget_owner(cv_budget *b, int64_t *used);
/* The keeper's sync: takes what is unsynced (to add to PostgreSQL), then sets the usage to
 * PostgreSQL's new total plus whatever was admitted meanwhile (or gives the amount back
 * when PostgreSQL could not take it). */
int64_t cv_budget_take_unsynced(cv_budget *b);
void cv_budget_give_back(cv_budget *b, int64_t amount);
int cv_budget_set_total(cv_budget *b, uint64_t hash, int64_t total);
/* Frees a slot whose period has ended and which has nothing unsynced; 1 when freed. */
int cv_budget_release(cv_budget *b, uint64_t hash);
/* Cluster scope. Spends `amount` of the host's grants if enough is left: 1 spent, 0 not
 * enough (*left: what is left), -1 the slot changed owner. */
int cv_budget_spend(cv_budget *b, uint64_t hash, int64_t amount, uint64_t now_ns, int64_t *left);
/* Adds to the grants left (a new grant, or a refund of `refund` spent: also taken off `unsynced`);
 * 0 when the slot changed owner (the caller returns a grant to PostgreSQL). */
int cv_budget_grant(cv_budget *b, uint64_t hash, int64_t amount, int64_t refund);
/* Takes every grant left (to return it to PostgreSQL). */
int64_t cv_budget_drain(cv_budget *b, uint64_t hash);
/* Adds `amount` to `outside` if it stays within `allowance` (the outage share); 1 admitted. */
int cv_budget_outside(cv_budget *b, int64_t amount, int64_t allowance);
/* Records PostgreSQL's usage as read at `now_ns` (a newer reading wins). */
void cv_budget_note_central(cv_budget *b, int64_t used, uint64_t now_ns);
/* PostgreSQL's usage as last read, and when (0: never). */
int64_t cv_budget_central(cv_budget *b, uint64_t *read_ns);
/* Takes back an outage admission (the check was blocked after all). */
void cv_budget_outside_refund(cv_budget *b, int64_t amount);
/* What was admitted during an outage and is not charged yet (0 when the slot is another counter's
 * now), and the amount a committed charge settled. Read, charged, then settled — never zeroed first:
 * workers keep measuring the outage share against it while the charge is in flight. */
int64_t cv_budget_outside_pending(cv_budget *b, uint64_t hash);
void cv_budget_outside_settled(cv_budget *b, uint64_t hash, int64_t amount);
/* The limit leases are asked under: set by the request path, read by the keeper. */
void cv_budget_set_limit(cv_budget *b, int64_t limit);
int64_t cv_budget_limit(cv_budget *b);

/* ---- stash (outage fallback for key records and policies) ---- */

/* Stores `len` payload bytes under the 32-byte `name`: the slot already holding it, else an
 * empty one, else the least recently stored of its set. 1 when stored; 0 when too large for
 * the table or its slots were busy (a cache: the next store tries again). */
int cv_stash_put(cv_shm_header *h, int table, const unsigned char name[32], const void *payload, uint32_t len, uint64_t now_ns);
/* Copies the payload stored under `name` into `out` (capacity `cap`) and its store time into
 * *stored_ns. Returns its length, or -1 when absent, being written or spoiled. */
int64_t cv_stash_get(const cv_shm_header *h, int table, const unsigned char name[32], void *out, uint32_t cap, uint64_t *stored_ns);
/* The largest payload `table` holds. */
uint32_t cv_stash_payload_max(const cv_shm_header *h, int table);

/* ---- metric series ---- */

/* The series for `key`, claimed if new (*created set to 1 then); NULL when the
 * table is full (counted). `created` may be NULL. */
cv_series *cv_series_get(cv_shm_header *h, const char *key, uint16_t len, int *created);
/* The series for `key` if it exists; never claims. */
cv_series *cv_series_find(cv_shm_header *h, const char *key, uint16_t len);
/* Series slot `index` if ready, else NULL (for rendering). */
const cv_series *cv_series_at(const cv_shm_header *h, uint32_t index);

#endif
