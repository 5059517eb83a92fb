import ConvergenceCore

/// Applies pending migrations in order. Several processes may start at once
/// (supervisors on several hosts, `convergence migrate` racing `serve`): a
/// session advisory lock serialises them, and each migration commits together
/// with its `schema_migrations` row, so every migration runs exactly once.
public struct Migrator {
    /// Arbitrary constant naming the migration lock (pg_advisory_lock takes a bigint).
    static let lockKey: Int64 = 0x436F_6E76_4D69_6772 // "ConvMigr"

    let migrations: [Migration]
    let logger: Logger

    public init(migrations: [Migration] = Migrations.all, logger: Logger) {
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.logger = logger
    }

    /// Returns the versions applied by this call (empty when already up to date).
    @discardableResult
    public func migrate(_ connection: PostgresConnection) throws -> [Int] {
        try connection.query("SELECT pg_advisory_lock($1)", [Migrator.lockKey])
        defer { _ = try? connection.query("SELECT pg_advisory_unlock($1)", [Migrator.lockKey]) }
        try connection.query("""
            CREATE TABLE IF NOT EXISTS public.schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        let applied = Set(try connection.query("SELECT version FROM public.schema_migrations").rows.map { try $0.decode("version", as: Int.self) })
        var done: [Int] = []
        for migration in migrations where !applied.contains(migration.version) {
            let started = MonotonicInstant.now()
            try connection.transaction { tx in
                try tx.executeScript(migration.sql)
                try tx.query("INSERT INTO public.schema_migrations (version, name) VALUES ($1, $2)", [migration.version, migration.name])
            }
            logger.info("migration applied", ["version": .int(migration.version), "name": .string(migration.name),
                                               "ms": .double(MonotonicInstant.now().milliseconds(since: started))])
            done.append(migration.version)
        }
        if done.isEmpty { logger.info("schema up to date", ["version": .int(migrations.last?.version ?? 0)]) }
        return done
    }
}
