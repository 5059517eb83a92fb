import ConvergenceCore
import ConvergenceIdentity
import ConvergenceStore

/// SQL for dashboard sessions (`convergence.admin_sessions`). Only the token's digest
/// is ever bound: the token itself exists in the cookie and nowhere else.
struct SessionRepository {
    let db: PostgresConnection

    /// What `GET /admin/session` and the sign-in answer show.
    struct Description: Encodable {
        let keyID: String
        let name: String
        let readOnly: Bool
        let expiresAt: String

        enum CodingKeys: String, CodingKey {
            case name
            case keyID = "key_id"
            case readOnly = "read_only"
            case expiresAt = "expires_at"
        }
    }

    /// Stores a new session for admin key `keyID`, lasting `ttlSeconds`.
    func create(digest: [UInt8], keyID: String, ttlSeconds: Int) throws -> Description? {
        try db.query("""
            INSERT INTO convergence.admin_sessions (digest, key_id, expires_at)
            VALUES ($1::bytea, $2, now() + make_interval(secs => $3::int))
            """, [PostgresBytes(digest), keyID, ttlSeconds])
        return try describe(digest: digest)
    }

    /// The live session for `digest` (not revoked or expired, nor its key), else nil.
    func describe(digest: [UInt8]) throws -> Description? {
        try db.query("""
            SELECT s.key_id, k.name, k.kind, convergence.iso(s.expires_at) AS expires_at
            FROM convergence.admin_sessions s JOIN convergence.api_keys k ON k.key_id = s.key_id
            WHERE s.digest = $1::bytea AND s.revoked_at IS NULL AND s.expires_at > now()
              AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
            """, [PostgresBytes(digest)], idempotent: true).rows.first.map { row in
            Description(keyID: try row.decode("key_id"), name: try row.decode("name"),
                        readOnly: try row.decode("kind", as: String.self) == APIKeyFormat.Kind.adminReadOnly.rawValue,
                        expiresAt: try row.decode("expires_at"))
        }
    }

    /// The session as the key record it stands for, for authentication: the admin key's
    /// id and kind, the earlier of the two expiries and either revocation, and the
    /// session's own digest (what the cookie is compared with). nil: no such session.
    func lookup(digest: [UInt8]) throws -> KeyRecord? {
        try db.query("""
            SELECT k.key_id, k.kind, s.digest,
                   (extract(epoch FROM least(s.expires_at, k.expires_at)) * 1000000)::bigint AS expires_at,
                   (extract(epoch FROM coalesce(s.revoked_at, k.revoked_at)) * 1000000)::bigint AS revoked_at
            FROM convergence.admin_sessions s JOIN convergence.api_keys k ON k.key_id = s.key_id
            WHERE s.digest = $1::bytea
            """, [PostgresBytes(digest)], idempotent: true).rows.first.map { row in
            KeyRecord(keyID: try row.decode("key_id"), kind: APIKeyFormat.Kind(rawValue: try row.decode("kind")) ?? .customer,
                      customerID: nil, tenantID: nil, tier: nil, expiresAt: try row.decodeIfPresent("expires_at"),
                      revokedAt: try row.decodeIfPresent("revoked_at"), digest: try row.decode("digest", as: PostgresBytes.self).bytes)
        }
    }

    /// Revokes the session; the key id it belonged to, nil when there was no live one.
    func revoke(digest: [UInt8]) throws -> String? {
        try db.query("""
            UPDATE convergence.admin_sessions SET revoked_at = now() WHERE digest = $1::bytea AND revoked_at IS NULL RETURNING key_id
            """, [PostgresBytes(digest)]).rows.first?.decode("key_id")
    }
}
