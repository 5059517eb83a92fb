import ConvergenceAudit
import ConvergenceCore
import ConvergenceIdentity
import ConvergenceStore

/// What `convergence admin …` does against the database.
public struct AdminCommands {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// A new admin key (`readOnly`: one that can only read): returns its public id and the key itself (shown once).
    public func createKey(name: String, readOnly: Bool = false) throws -> (keyID: String, key: String) {
        let key = APIKeyFormat.newAdminKey()
        let issued = try connection.transaction { tx in
            let issued = try IdentityRepository(db: tx).insertKey(
                tx, key: key, kind: readOnly ? .adminReadOnly : .admin, customerID: nil, tenantID: nil, name: name, expiresAt: nil)
            try recordAdminAudit(tx, action: "admin_key.create", target: "key:\(issued.key.keyID)" + (readOnly ? " read_only" : ""))
            return issued
        }
        return (issued.key.keyID, key)
    }

    /// Command-line changes have no acting API key (the operator's shell is the actor) and
    /// no spool: the record is written in the same transaction as the change.
    func recordAdminAudit(_ tx: PostgresConnection, action: String, target: String) throws {
        // No flusher may have run for days (a fresh install, an operator's first key): today's partition first.
        try tx.query("SELECT convergence.audit_partition_ensure((now() AT TIME ZONE 'UTC')::date)")
        try tx.query("""
            INSERT INTO convergence.audit_log (id, kind, created_at, request_id, action, target)
            VALUES ($1::uuid, 'admin', now(), $2, $3, $4)
            """, [AuditRecord.newID(), "cli_" + SecureRandom.hex(byteCount: 8), action, target])
    }

    public func listKeys() throws -> [String] {
        try IdentityRepository(db: connection).keys(customerID: nil, kinds: [.admin, .adminReadOnly]).map { key in
            "\(key.keyID)  \(key.name)  \(key.prefix)…\(key.last4)  created \(key.createdAt)"
                + (key.kind == APIKeyFormat.Kind.adminReadOnly.rawValue ? "  read-only" : "")
                + (key.revokedAt.map { "  revoked \($0)" } ?? "") + (key.lastUsedAt.map { "  last used \($0)" } ?? "")
        }
    }

    public func revokeKey(_ keyID: String) throws -> Bool {
        // revoke() runs its own transaction (transactions do not nest): the record follows it.
        guard try IdentityRepository(db: connection).revoke(keyID: keyID, kinds: [.admin, .adminReadOnly]) != nil else { return false }
        try recordAdminAudit(connection, action: "admin_key.revoke", target: "key:\(keyID)")
        // Every running host's cache-listener expires its cached keys: refused within a second, not a TTL.
        try CacheInvalidation.notifyHosts([.keys], database: connection)
        return true
    }

    public func schemaStatus() throws -> [String] {
        let rows = try connection.query("SELECT version, name, applied_at::text AS applied_at FROM public.schema_migrations ORDER BY version").rows
        var applied: Set<Int> = []
        var lines: [String] = []
        for row in rows {
            let version = try row.decode("version", as: Int.self)
            applied.insert(version)
            lines.append("applied  \(version)  \(try row.decode("name", as: String.self))  \(try row.decode("applied_at", as: String.self))")
        }
        for migration in Migrations.all where !applied.contains(migration.version) {
            lines.append("pending  \(migration.version)  \(migration.name)")
        }
        return lines
    }
}
