/// One schema change, applied once and recorded in `public.schema_migrations`.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: StaticString

    public init(version: Int, name: String, sql: StaticString) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

/// The ordered migrations compiled into the binary, so a deployed binary always
/// carries exactly the schema it was built for.
public enum Migrations {
    public static let all: [Migration] = [
        Migration(version: 1, name: "control_schema", sql: """
            -- The control schema holds cross-tenant data (customers, keys, policies, audit);
            -- each tenant gets a schema of its own at onboarding.
            CREATE SCHEMA convergence;
            COMMENT ON SCHEMA convergence IS 'Convergence control schema';
            """),
        Migration(version: 2, name: "customers_and_keys", sql: """
            CREATE TABLE convergence.customers (
                id uuid PRIMARY KEY,
                tenant_id text NOT NULL UNIQUE,
                name text NOT NULL,
                tier text NOT NULL CHECK (tier IN ('free', 'pro')),
                created_at timestamptz NOT NULL DEFAULT now(),
                deleted_at timestamptz
            );
            -- Every key, admin and customer: only a SHA-256 digest of the whole key
            -- (unique index: one lookup per verification) and non-secret metadata.
            CREATE TABLE convergence.api_keys (
                key_id text PRIMARY KEY,
                kind text NOT NULL CHECK (kind IN ('admin', 'customer')),
                customer_id uuid REFERENCES convergence.customers (id) ON DELETE CASCADE,
                name text NOT NULL,
                prefix text NOT NULL,
                last4 text NOT NULL,
                digest bytea NOT NULL UNIQUE,
                created_at timestamptz NOT NULL DEFAULT now(),
                rotated_at timestamptz,
                replaced_by text,
                expires_at timestamptz,
                revoked_at timestamptz,
                last_used_at timestamptz,
                CHECK ((kind = 'admin') = (customer_id IS NULL))
            );
            CREATE INDEX api_keys_customer ON convergence.api_keys (customer_id);
            -- RFC 3339 UTC text for API responses, independent of the session's TimeZone.
            CREATE FUNCTION convergence.iso(ts timestamptz) RETURNS text
                LANGUAGE sql IMMUTABLE PARALLEL SAFE
                AS $$ SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;
            """),
        Migration(version: 3, name: "policies", sql: """
            CREATE TABLE convergence.policies (
                id text PRIMARY KEY,
                customer_id uuid NOT NULL REFERENCES convergence.customers (id) ON DELETE CASCADE,
                name text NOT NULL,
                rules jsonb NOT NULL,
                active boolean NOT NULL DEFAULT true,
                mode text NOT NULL DEFAULT 'enforce' CHECK (mode IN ('enforce', 'monitor')),
                -- Bumped by every change; checks (and later audit records) name the versions they applied.
                version integer NOT NULL DEFAULT 1,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX policies_customer_active ON convergence.policies (customer_id) WHERE active;
            """),
        Migration(version: 4, name: "audit_log", sql: """
            -- One row per decided check (kind 'check') or admin mutation (kind 'admin').
            -- Rows arrive through the audit flusher; `id` is made at capture, so a
            -- replayed spool batch inserts nothing twice (ON CONFLICT (id) DO NOTHING).
            -- No foreign key to customers: the trail outlives a deleted customer.
            CREATE TABLE convergence.audit_log (
                id uuid PRIMARY KEY,
                kind text NOT NULL CHECK (kind IN ('check', 'admin')),
                created_at timestamptz NOT NULL,
                customer_id uuid,
                key_id text,
                request_id text NOT NULL,
                decision text CHECK (decision IN ('allow', 'block')),
                risk_score smallint,
                -- json, not jsonb: written once per check and read back whole, never
                -- searched inside; json only validates on input, jsonb also rebuilds.
                reasons json,
                operations json,
                policy_versions json,
                would_block boolean,
                user_id text,
                session_id text,
                latency_us integer,
                action text,
                target text
            );
            -- Keyset pagination, newest first: (created_at, id) descending, overall and
            -- per customer. B-trees, not BRIN: BRIN cannot return rows in order, so every
            -- first page would sort the whole matching range (docs/benchmarks.md).
            CREATE INDEX audit_log_created ON convergence.audit_log (created_at DESC, id DESC);
            CREATE INDEX audit_log_customer_created ON convergence.audit_log (customer_id, created_at DESC, id DESC);
            CREATE INDEX audit_log_request ON convergence.audit_log (request_id);
            """),
        Migration(version: 5, name: "pipeline_queue", sql: """
            -- Runs waiting or running, across tenants: executors claim rows with
            -- FOR UPDATE SKIP LOCKED and hold a lease they renew by heartbeat.
            -- A row leaves the queue when its run ends (the tenant's pipeline_runs keeps the history).
            CREATE TABLE convergence.pipeline_queue (
                pipeline_logging_id uuid PRIMARY KEY,
                customer_id uuid NOT NULL REFERENCES convergence.customers (id) ON DELETE CASCADE,
                tenant_id text NOT NULL,
                pipeline_id text NOT NULL,
                template text NOT NULL,
                plan jsonb NOT NULL,
                status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'RUNNING')),
                attempts integer NOT NULL DEFAULT 0,
                lease_owner text,
                lease_until timestamptz,
                cancel_requested boolean NOT NULL DEFAULT false,
                created_at timestamptz NOT NULL DEFAULT now()
            );
            -- One active run per pipeline_id: two concurrent triggers cannot both insert.
            CREATE UNIQUE INDEX pipeline_queue_one_active ON convergence.pipeline_queue (pipeline_id);
            CREATE INDEX pipeline_queue_pending ON convergence.pipeline_queue (created_at) WHERE status = 'PENDING';
            CREATE INDEX pipeline_queue_leases ON convergence.pipeline_queue (lease_until) WHERE status = 'RUNNING';
            -- For template SQL: fail a step with a readable message when a condition does not hold.
            CREATE FUNCTION convergence.pipeline_assert(ok boolean, message text) RETURNS boolean
                LANGUAGE plpgsql AS $$
                BEGIN
                    IF ok IS NOT TRUE THEN RAISE EXCEPTION USING MESSAGE = message, ERRCODE = 'P0001'; END IF;
                    RETURN true;
                END $$;
            """),
        Migration(version: 6, name: "key_rate_limits", sql: """
            -- A per-key override of the tier's token bucket (both set or both null).
            ALTER TABLE convergence.api_keys
                ADD COLUMN rate_limit integer CHECK (rate_limit BETWEEN 1 AND 1000000000),
                ADD COLUMN rate_limit_period_seconds integer CHECK (rate_limit_period_seconds BETWEEN 1 AND 2592000),
                ADD CONSTRAINT api_keys_rate_limit_pair CHECK ((rate_limit IS NULL) = (rate_limit_period_seconds IS NULL));
            """),
        Migration(version: 7, name: "audit_log_primary_key", sql: """
            -- The primary key becomes (created_at, id): one b-tree then serves both the
            -- uniqueness a replayed spool batch runs into (a record keeps its created_at
            -- and id) and the newest-first pages (scanned backwards), so every audit
            -- insert maintains one index fewer. Rows arrive in created_at order, so
            -- inserts stay at the right edge of it. On a large table this builds one
            -- index under a lock (the flusher waits; records wait in the spool).
            ALTER TABLE convergence.audit_log DROP CONSTRAINT audit_log_pkey;
            ALTER TABLE convergence.audit_log ADD CONSTRAINT audit_log_pkey PRIMARY KEY (created_at, id);
            DROP INDEX convergence.audit_log_created;
            """),
        Migration(version: 8, name: "tenant_ids_and_dq_attempts", sql: """
            -- Tenant ids are schema names, which PostgreSQL compares case-sensitively; two
            -- ids that differ only in case would be two schemas with confusable labels.
            CREATE UNIQUE INDEX customers_tenant_id_lower ON convergence.customers (lower(tenant_id));
            -- Data-quality results are numbered by the execution that produced them (as
            -- step_logs already are), so a retried run's view shows one set of results.
            DO $$
            DECLARE s text;
            BEGIN
                FOR s IN SELECT n.nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid
                         WHERE c.relname = 'dq_results' AND c.relkind = 'r' AND n.nspname <> 'convergence' LOOP
                    EXECUTE format('ALTER TABLE %I.dq_results ADD COLUMN IF NOT EXISTS attempt integer NOT NULL DEFAULT 1', s);
                END LOOP;
            END $$;
            """),
        Migration(version: 9, name: "audit_violations_and_policy_versions", sql: """
            -- Which policy version's rule decided a check, and which monitor policies
            -- would have blocked it. Null on rows written before (the flusher pads
            -- records spooled by an older binary with NULLs for these columns).
            ALTER TABLE convergence.audit_log ADD COLUMN violations json, ADD COLUMN would_block_by json;
            -- Every version of every policy, so that an audit record's `pol_…:3` can be
            -- read back. One row per create, update and delete (`deleted`); no foreign
            -- key to policies: the history outlives a deleted policy (a purged customer
            -- takes it along).
            CREATE TABLE convergence.policy_versions (
                policy_id text NOT NULL,
                version integer NOT NULL,
                customer_id uuid NOT NULL REFERENCES convergence.customers (id) ON DELETE CASCADE,
                name text NOT NULL,
                rules jsonb NOT NULL,
                active boolean NOT NULL,
                mode text NOT NULL,
                deleted boolean NOT NULL DEFAULT false,
                -- The admin key that made this version (null: made outside the API, or backfilled).
                admin_key_id text,
                created_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (policy_id, version)
            );
            CREATE INDEX policy_versions_customer ON convergence.policy_versions (customer_id);
            -- Existing policies: their current version is the only one known.
            INSERT INTO convergence.policy_versions (policy_id, version, customer_id, name, rules, active, mode, created_at)
            SELECT id, version, customer_id, name, rules, active, mode, updated_at FROM convergence.policies;
            """),
        Migration(version: 10, name: "read_only_admin_keys", sql: """
            -- A third kind of key: an admin key that may only read (the dashboard's viewers).
            -- The two checks on `kind` were named by PostgreSQL; drop them by what they test.
            DO $$
            DECLARE c text;
            BEGIN
                FOR c IN SELECT conname FROM pg_constraint
                         WHERE conrelid = 'convergence.api_keys'::regclass AND contype = 'c'
                           AND pg_get_constraintdef(oid) LIKE '%kind%' LOOP
                    EXECUTE format('ALTER TABLE convergence.api_keys DROP CONSTRAINT %I', c);
                END LOOP;
            END $$;
            ALTER TABLE convergence.api_keys
                ADD CONSTRAINT api_keys_kind_check CHECK (kind IN ('admin', 'admin_read_only', 'customer')),
                ADD CONSTRAINT api_keys_admin_without_customer CHECK ((kind <> 'customer') = (customer_id IS NULL));
            """),
        Migration(version: 11, name: "admin_sessions", sql: """
            -- Dashboard sign-ins: only a SHA-256 digest of the cookie's token (as for keys).
            -- A session lives no longer than its admin key: lookups join the key and take
            -- its revocation and expiry too; deleting the key row takes its sessions along.
            CREATE TABLE convergence.admin_sessions (
                digest bytea PRIMARY KEY,
                key_id text NOT NULL REFERENCES convergence.api_keys (key_id) ON DELETE CASCADE,
                created_at timestamptz NOT NULL DEFAULT now(),
                expires_at timestamptz NOT NULL,
                revoked_at timestamptz
            );
            CREATE INDEX admin_sessions_key ON convergence.admin_sessions (key_id);
            """),
        Migration(version: 12, name: "usage_rollups", sql: """
            -- Counts of decided checks per time bucket, kept by the audit flusher in the
            -- transaction that stores the records (from the rows it actually inserted, so a
            -- replayed batch counts once): /admin/usage reads these, never audit_log.
            -- scope: '*' (everything), 'c:<customer uuid>', 'k:<key id>'; bucket_seconds
            -- 300, 3600 or 86400, buckets aligned to the Unix epoch (UTC). latency: check
            -- counts per latency bucket (UsageRollup.latencyBoundsMicros, then one above).
            CREATE TABLE convergence.usage_rollup (
                bucket_seconds integer NOT NULL,
                scope text NOT NULL,
                bucket_start timestamptz NOT NULL,
                checks bigint NOT NULL,
                allowed bigint NOT NULL,
                blocked bigint NOT NULL,
                would_block bigint NOT NULL,
                pii_findings bigint NOT NULL,
                latency bigint[] NOT NULL,
                PRIMARY KEY (bucket_seconds, scope, bucket_start)
            );
            -- The top customers by blocks over a range, without visiting quiet customers, from
            -- the index alone (a month of daily rows for 1,000 customers is 30,000 entries).
            CREATE INDEX usage_rollup_customer_blocks ON convergence.usage_rollup (bucket_seconds, bucket_start)
                INCLUDE (scope, blocked) WHERE scope LIKE 'c:%' AND blocked > 0;
            -- Per policy rule (hourly and daily): checks an enforced rule blocked and checks a
            -- monitor-mode rule would have blocked. The counts ride in the primary key's index
            -- (INCLUDE), so ranking a month of rules reads no table pages.
            CREATE TABLE convergence.usage_rules (
                bucket_seconds integer NOT NULL,
                scope text NOT NULL,
                bucket_start timestamptz NOT NULL,
                policy_id text NOT NULL,
                rule text NOT NULL,
                blocked bigint NOT NULL,
                would_block bigint NOT NULL,
                PRIMARY KEY (bucket_seconds, scope, bucket_start, policy_id, rule) INCLUDE (blocked, would_block)
            );
            -- Per policy and hour, each check once (a policy belongs to one customer): what a
            -- monitor-mode policy would have blocked lately (GET /policies, would_block_24h).
            CREATE TABLE convergence.usage_policy_hours (
                policy_id text NOT NULL,
                bucket_start timestamptz NOT NULL,
                blocked bigint NOT NULL,
                would_block bigint NOT NULL,
                PRIMARY KEY (policy_id, bucket_start)
            );
            -- Element-wise sum of two count arrays of one length (the latency histograms).
            CREATE FUNCTION convergence.add_counts(a bigint[], b bigint[]) RETURNS bigint[]
                LANGUAGE sql IMMUTABLE PARALLEL SAFE
                AS $$ SELECT array_agg(coalesce(x, 0) + coalesce(y, 0) ORDER BY i) FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i) $$;
            """),
        Migration(version: 13, name: "cluster_rate_limits", sql: """
            -- rate_limit_scope = cluster: one token bucket per (key, rule) for every host,
            -- timed by this server's clock so that host clocks cannot matter. UNLOGGED: a
            -- PostgreSQL crash resets buckets to full, as a `serve` restart does in host scope.
            -- A row past full_at is as good as a full one, and is deleted by the leasers.
            CREATE UNLOGGED TABLE convergence.rate_buckets (
                bucket bigint PRIMARY KEY,
                tokens double precision NOT NULL,
                refreshed_at timestamptz NOT NULL,
                full_at timestamptz NOT NULL
            );
            -- Gives back p_return unspent tokens, then takes up to p_want from a bucket of
            -- p_capacity refilled at p_per_second, creating it full: one call per key per sync.
            -- The row lock orders concurrent leases and the clock is read after it; lock_timeout
            -- keeps a request that leases synchronously from waiting behind a stuck transaction.
            CREATE FUNCTION convergence.rate_lease(p_bucket bigint, p_capacity double precision, p_per_second double precision,
                                                   p_want double precision, p_return double precision,
                                                   OUT granted integer, OUT tokens_left double precision, OUT full_in_ms bigint)
            LANGUAGE plpgsql SET lock_timeout = '200ms' AS $fn$
            DECLARE
                cur double precision;
                at timestamptz;
            BEGIN
                SELECT tokens, refreshed_at INTO cur, at FROM convergence.rate_buckets WHERE bucket = p_bucket FOR UPDATE;
                IF NOT FOUND THEN
                    INSERT INTO convergence.rate_buckets VALUES (p_bucket, p_capacity, clock_timestamp(), clock_timestamp())
                    ON CONFLICT (bucket) DO NOTHING;
                    SELECT tokens, refreshed_at INTO cur, at FROM convergence.rate_buckets WHERE bucket = p_bucket FOR UPDATE;
                END IF;
                cur := LEAST(p_capacity, cur + GREATEST(0, EXTRACT(EPOCH FROM clock_timestamp() - at)) * p_per_second
                                             + GREATEST(0, p_return));
                granted := GREATEST(0, LEAST(floor(cur), floor(p_want)))::integer;
                tokens_left := cur - granted;
                full_in_ms := ceil((p_capacity - tokens_left) / p_per_second * 1000)::bigint;
                UPDATE convergence.rate_buckets
                   SET tokens = tokens_left, refreshed_at = clock_timestamp(),
                       full_at = clock_timestamp() + full_in_ms * interval '1 millisecond'
                 WHERE bucket = p_bucket;
            END
            $fn$;
            -- Hosts in cluster scope, with heartbeats: how many share a key's budget when
            -- PostgreSQL cannot be reached (each then admits 1/N of the rate).
            CREATE UNLOGGED TABLE convergence.rate_hosts (
                host_id text PRIMARY KEY,
                heartbeat_at timestamptz NOT NULL
            );
            """),
        Migration(version: 14, name: "audit_log_partitions", sql: #"""
            -- audit_log becomes range-partitioned by created_at, one partition per UTC day
            -- (audit_log_p20261205), so that retention drops whole partitions instead of
            -- deleting rows. The existing table is not copied: it is renamed and attached whole
            -- as the partition of everything before a cut-over day (audit_log_before_20261206),
            -- its indexes attached to the parent's, not rebuilt. The one scan is the CHECK that
            -- lets ATTACH skip its own (docs/operations.md, "Migrations", has the timing).

            -- Whether a day already has a partition: its own, or the pre-migration one.
            -- (Detach-pending partitions no longer take rows.)
            CREATE FUNCTION convergence.audit_partition_covers(p_day date) RETURNS boolean
                LANGUAGE sql AS $fn$
                SELECT EXISTS (
                    SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                    WHERE i.inhparent = 'convergence.audit_log'::regclass AND NOT i.inhdetachpending
                      AND (c.relname = 'audit_log_p' || to_char(p_day, 'YYYYMMDD')
                           OR CASE WHEN c.relname LIKE 'audit\_log\_before\_%'
                                   THEN to_date(substr(c.relname, 18), 'YYYYMMDD') > p_day ELSE false END))
                $fn$;
            -- Makes the day's partition unless it exists; true when it made it. Idempotent across
            -- hosts: the check is repeated under a transaction-scoped advisory lock. CREATE TABLE
            -- + ATTACH PARTITION, not CREATE TABLE … PARTITION OF: ATTACH takes SHARE UPDATE
            -- EXCLUSIVE on audit_log, which does not conflict with the flushers' inserts or with
            -- reads (PARTITION OF would take ACCESS EXCLUSIVE). The new table is empty, so
            -- ATTACH's scan and index builds are instant. A table of that name that is no
            -- partition was left by an interrupted prune: it is attached again, rows and all.
            CREATE FUNCTION convergence.audit_partition_ensure(p_day date) RETURNS boolean
                LANGUAGE plpgsql AS $fn$
                DECLARE
                    part text := 'audit_log_p' || to_char(p_day, 'YYYYMMDD');
                BEGIN
                    IF convergence.audit_partition_covers(p_day) THEN RETURN false; END IF;
                    PERFORM pg_advisory_xact_lock(4859223977389814388); -- "ConvPart"
                    IF convergence.audit_partition_covers(p_day) THEN RETURN false; END IF;
                    IF to_regclass(format('convergence.%I', part)) IS NULL THEN
                        EXECUTE format('CREATE TABLE convergence.%I (LIKE convergence.audit_log INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                                       part);
                    END IF;
                    EXECUTE format('ALTER TABLE convergence.audit_log ATTACH PARTITION convergence.%I FOR VALUES FROM (%L) TO (%L)',
                                   part, to_char(p_day, 'YYYY-MM-DD') || ' 00:00:00+00', to_char(p_day + 1, 'YYYY-MM-DD') || ' 00:00:00+00');
                    RETURN true;
                END
                $fn$;

            DO $mig$
            DECLARE
                cutover timestamp; -- UTC
                legacy text;
            BEGIN
                LOCK TABLE convergence.audit_log IN ACCESS EXCLUSIVE MODE;
                -- The day after both now and the newest row (max: one step down the primary key).
                SELECT date_trunc('day', greatest(now(), max(created_at)) AT TIME ZONE 'UTC') + interval '1 day'
                  INTO cutover FROM convergence.audit_log;
                legacy := 'audit_log_before_' || to_char(cutover, 'YYYYMMDD');
                EXECUTE format('ALTER TABLE convergence.audit_log RENAME TO %I', legacy);
                EXECUTE format('ALTER TABLE convergence.%I RENAME CONSTRAINT audit_log_pkey TO %I', legacy, legacy || '_pkey');
                EXECUTE format('ALTER INDEX convergence.audit_log_customer_created RENAME TO %I', legacy || '_customer_created');
                EXECUTE format('ALTER INDEX convergence.audit_log_request RENAME TO %I', legacy || '_request');
                EXECUTE format('CREATE TABLE convergence.audit_log (LIKE convergence.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'
                               ' PARTITION BY RANGE (created_at)', legacy);
                COMMENT ON TABLE convergence.audit_log IS
                    'One partition per UTC day (audit_log_pYYYYMMDD), made by convergence.audit_partition_ensure; never a default partition';
                ALTER TABLE convergence.audit_log ADD CONSTRAINT audit_log_pkey PRIMARY KEY (created_at, id);
                CREATE INDEX audit_log_customer_created ON convergence.audit_log (customer_id, created_at DESC, id DESC);
                CREATE INDEX audit_log_request ON convergence.audit_log (request_id);
                -- The partition constraint, proven by one scan, so that ATTACH need not scan again;
                -- ATTACH then adopts the three matching indexes instead of building new ones.
                EXECUTE format('ALTER TABLE convergence.%I ADD CONSTRAINT %I CHECK (created_at < %L)',
                               legacy, legacy || '_bound', cutover || '+00');
                EXECUTE format('ALTER TABLE convergence.audit_log ATTACH PARTITION convergence.%I FOR VALUES FROM (MINVALUE) TO (%L)',
                               legacy, cutover || '+00');
                EXECUTE format('ALTER TABLE convergence.%I DROP CONSTRAINT %I', legacy, legacy || '_bound');
                -- The next two days ahead; the flushers keep creating them from here on.
                PERFORM convergence.audit_partition_ensure(cutover::date);
                PERFORM convergence.audit_partition_ensure(cutover::date + 1);
            END
            $mig$;
            """#),
        Migration(version: 15, name: "audit_log_cheaper_indexes", sql: """
            -- PostgreSQL's time per audit row, measured by scripts/benchlib/audit-row-cost.sh
            -- (docs/performance.md): the request_id b-tree cost 3–5 µs of it. A lookup by
            -- request id is equality only, which a hash index answers; it stores a 4-byte hash
            -- per row instead of the ~36-byte id, and inserting costs ~1 µs. The per-customer
            -- index becomes ascending: newest-first pages scan it backwards just the same, and
            -- new rows then land at the end of their customer's range, not at its start.
            -- Both are rebuilt on every partition, holding off the flushers (not reads) while
            -- they build: records wait in the spool (docs/operations.md, "Migrations").
            DROP INDEX convergence.audit_log_request;
            CREATE INDEX audit_log_request ON convergence.audit_log USING hash (request_id);
            DROP INDEX convergence.audit_log_customer_created;
            CREATE INDEX audit_log_customer_created ON convergence.audit_log (customer_id, created_at, id);
            """),
        Migration(version: 16, name: "key_departments", sql: """
            -- The department a customer key belongs to: policies' applies_to.departments
            -- match it before the check's context.department (which a client could set).
            ALTER TABLE convergence.api_keys ADD COLUMN department text
                CHECK (department IS NULL OR length(department) BETWEEN 1 AND 200);
            """),
        Migration(version: 17, name: "budget_usage", sql: """
            -- Policies' budgets: the usage of each counter (policy, budget, key or department)
            -- per calendar period (Unix seconds), summed over every host. Each host's budget
            -- keeper adds what its workers admitted, about once a second, and reads the total
            -- back; a worker reads it when it first meets a counter after a restart. Logged, not
            -- UNLOGGED: a month's usage must survive a PostgreSQL crash as well as a restart.
            CREATE TABLE convergence.budget_usage (
                counter bigint NOT NULL,
                period_start bigint NOT NULL,
                period_end bigint NOT NULL,
                used bigint NOT NULL,
                updated_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (counter, period_start)
            );
            """),
        Migration(version: 18, name: "budget_lease", sql: """
            -- Budgets in rate_limit_scope = cluster: hosts lease grants from a counter's row in
            -- budget_usage, whose `used` then counts every grant handed out (spent or not) and is
            -- never raised past the limit by a grant, so every host together admits at most the
            -- limit. One call returns unspent grants (p_return), charges what a host admitted
            -- while PostgreSQL was unreachable (p_charge), and grants min(p_want, what is left)
            -- when at least p_need is left, else nothing. With nothing to return, charge or
            -- grant it only reads. The 50 ms lock timeout is below the request path's 100 ms
            -- deadline, so a lease waiting on a row another host's sync holds fails rather than
            -- commits a grant after its caller gave up (that grant would count as spent).
            CREATE FUNCTION convergence.budget_lease(p_counter bigint, p_start bigint, p_end bigint, p_limit bigint,
                                                     p_want bigint, p_need bigint, p_return bigint, p_charge bigint,
                                                     OUT granted bigint, OUT used bigint)
            LANGUAGE plpgsql SET lock_timeout = '50ms' AS $fn$
            DECLARE
                cur bigint;
            BEGIN
                granted := 0;
                IF p_want <= 0 AND p_return <= 0 AND p_charge <= 0 THEN
                    SELECT u.used INTO cur FROM convergence.budget_usage u WHERE u.counter = p_counter AND u.period_start = p_start;
                    used := COALESCE(cur, 0);
                    RETURN;
                END IF;
                SELECT u.used INTO cur FROM convergence.budget_usage u
                 WHERE u.counter = p_counter AND u.period_start = p_start FOR UPDATE;
                IF NOT FOUND THEN
                    INSERT INTO convergence.budget_usage (counter, period_start, period_end, used) VALUES (p_counter, p_start, p_end, 0)
                    ON CONFLICT (counter, period_start) DO NOTHING;
                    SELECT u.used INTO cur FROM convergence.budget_usage u
                     WHERE u.counter = p_counter AND u.period_start = p_start FOR UPDATE;
                END IF;
                cur := GREATEST(0, cur - GREATEST(0, p_return)) + GREATEST(0, p_charge);
                IF p_want > 0 AND p_limit - cur >= GREATEST(1, p_need) THEN
                    granted := LEAST(GREATEST(p_want, p_need), p_limit - cur);
                END IF;
                used := cur + granted;
                UPDATE convergence.budget_usage u SET used = budget_lease.used, updated_at = now()
                 WHERE u.counter = p_counter AND u.period_start = p_start;
            END
            $fn$;
            """),
        Migration(version: 19, name: "cluster_rate_holdings", sql: """
            -- What each host holds leased per bucket, so that the central bucket refills only to
            -- its capacity less what hosts hold: tokens in existence (central + held) never pass
            -- B, which makes admitted ≤ B + r·t exact whatever hosts keep leased, and lets a host
            -- keep a token for a key it sees every few seconds instead of leasing it per visit.
            -- A holding is what was granted to the host, less what it gave back, less what it
            -- spent: each call carries the slot's spent counter (32 bits, wrapping, only growing),
            -- and the difference to the last one seen is taken off, so calls from a host's leaser
            -- and its workers may arrive in any order (an older count is ignored). A holding
            -- expires unless refreshed (the host stops spending its tokens a little before, on its
            -- own clock from before it sent the lease); the next lease gives it back to the bucket.
            CREATE UNLOGGED TABLE convergence.rate_holdings (
                bucket bigint NOT NULL,
                host_id text NOT NULL,
                held double precision NOT NULL,
                spent bigint NOT NULL,
                expires_at timestamptz NOT NULL,
                PRIMARY KEY (bucket, host_id)
            );
            -- rate_lease with holdings: p_spent is the host's spent counter for the bucket (NULL:
            -- not known), p_keep whether the grant is held (a lease) or was spent already (a charge
            -- of what an outage admitted), p_hold_ms how long the holding lasts unrefreshed.
            CREATE FUNCTION convergence.rate_lease_held(p_bucket bigint, p_capacity double precision, p_per_second double precision,
                                                        p_want double precision, p_return double precision, p_host text,
                                                        p_spent bigint, p_keep boolean, p_hold_ms integer,
                                                        OUT granted integer, OUT tokens_left double precision, OUT full_in_ms bigint)
            LANGUAGE plpgsql SET lock_timeout = '200ms' AS $fn$
            DECLARE
                cur double precision;
                at timestamptz;
                t_now timestamptz;
                others double precision;
                mine double precision;
                mine_spent bigint;
                expired double precision;
                rows_mine integer;
                delta bigint;
            BEGIN
                SELECT tokens, refreshed_at INTO cur, at FROM convergence.rate_buckets WHERE bucket = p_bucket FOR UPDATE;
                IF NOT FOUND THEN
                    INSERT INTO convergence.rate_buckets VALUES (p_bucket, p_capacity, clock_timestamp(), clock_timestamp())
                    ON CONFLICT (bucket) DO NOTHING;
                    SELECT tokens, refreshed_at INTO cur, at FROM convergence.rate_buckets WHERE bucket = p_bucket FOR UPDATE;
                END IF;
                t_now := clock_timestamp();
                SELECT COALESCE(sum(h.held) FILTER (WHERE h.host_id <> p_host AND h.expires_at > t_now), 0),
                       COALESCE(sum(h.held) FILTER (WHERE h.host_id = p_host AND h.expires_at > t_now), 0),
                       max(h.spent) FILTER (WHERE h.host_id = p_host AND h.expires_at > t_now),
                       COALESCE(sum(h.held) FILTER (WHERE h.expires_at <= t_now), 0),
                       count(*) FILTER (WHERE h.host_id = p_host)
                  INTO others, mine, mine_spent, expired, rows_mine
                  FROM convergence.rate_holdings h WHERE h.bucket = p_bucket;
                IF expired > 0 THEN
                    DELETE FROM convergence.rate_holdings h WHERE h.bucket = p_bucket AND h.expires_at <= t_now;
                END IF;
                IF p_spent IS NOT NULL THEN
                    IF mine_spent IS NULL THEN
                        mine_spent := p_spent;
                    ELSE
                        delta := ((p_spent - mine_spent) % 4294967296 + 4294967296) % 4294967296;
                        IF delta < 2147483648 THEN
                            mine := GREATEST(0, mine - delta);
                            mine_spent := p_spent;
                        END IF;
                    END IF;
                END IF;
                mine := GREATEST(0, mine - GREATEST(0, p_return));
                -- Expired holdings come back at once: their host dropped those tokens unspent.
                cur := GREATEST(0, LEAST(p_capacity - others - mine,
                                         cur + GREATEST(0, EXTRACT(EPOCH FROM t_now - at)) * p_per_second
                                             + GREATEST(0, p_return) + expired));
                granted := GREATEST(0, LEAST(floor(cur), floor(p_want)))::integer;
                tokens_left := cur - granted;
                IF p_keep THEN
                    mine := mine + granted;
                END IF;
                full_in_ms := ceil((p_capacity - tokens_left) / p_per_second * 1000)::bigint;
                UPDATE convergence.rate_buckets
                   SET tokens = tokens_left, refreshed_at = t_now, full_at = t_now + full_in_ms * interval '1 millisecond'
                 WHERE bucket = p_bucket;
                IF mine > 0 THEN
                    INSERT INTO convergence.rate_holdings
                    VALUES (p_bucket, p_host, mine, COALESCE(mine_spent, 0), t_now + p_hold_ms * interval '1 millisecond')
                    ON CONFLICT (bucket, host_id) DO UPDATE SET held = excluded.held, spent = excluded.spent, expires_at = excluded.expires_at;
                ELSIF rows_mine > 0 THEN
                    DELETE FROM convergence.rate_holdings h WHERE h.bucket = p_bucket AND h.host_id = p_host;
                END IF;
            END
            $fn$;
            """),
    ]
}
