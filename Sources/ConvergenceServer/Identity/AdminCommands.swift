import ConvergenceCore
import ConvergenceIdentity
import ConvergenceStore

/// What `convergence admin …` does against the database.
public struct AdminCommands {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// A new admin key: returns its public id and the key itself (shown once).
    public func createKey(name: String) throws -> (keyID: String, key: String) {
        let key = APIKeyFormat.newAdminKey()
        let issued = try IdentityRepository(db: connection).insertKey(
            connection, key: key, kind: .admin, customerID: nil, tenantID: nil, name: name, expiresAt: nil)
        return (issued.key.keyID, key)
    }

    public func listKeys() throws -> [String] {
        try IdentityRepository(db: connection).keys(customerID: nil, kind: .admin).map { key in
            "\(key.keyID)  \(key.name)  \(key.prefix)…\(key.last4)  created \(key.createdAt)"
                + (key.revokedAt.map { "  revoked \($0)" } ?? "") + (key.lastUsedAt.map { "  last used \($0)" } ?? "")
        }
    }

    public func revokeKey(_ keyID: String) throws -> Bool {
        try IdentityRepository(db: connection).revoke(keyID: keyID, kind: .admin) != nil
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
