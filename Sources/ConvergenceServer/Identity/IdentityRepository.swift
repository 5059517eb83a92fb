import ConvergenceCore
import ConvergenceHTTP
import ConvergenceIdentity
import ConvergenceStore
import Foundation

/// SQL for customers and keys. Values are always bound; the only text built
/// into statements is a validated, quoted tenant schema name.
package struct IdentityRepository {
    let db: PostgresConnection

    package init(db: PostgresConnection) { self.db = db }

    static let keyColumns = """
        k.key_id, k.kind, k.customer_id::text AS customer_id, k.name, k.prefix, k.last4,
        convergence.iso(k.created_at) AS created_at, convergence.iso(k.rotated_at) AS rotated_at, k.replaced_by,
        convergence.iso(k.expires_at) AS expires_at, convergence.iso(k.revoked_at) AS revoked_at,
        convergence.iso(k.last_used_at) AS last_used_at, k.rate_limit, k.rate_limit_period_seconds, k.department,
        (SELECT c.tenant_id FROM convergence.customers c WHERE c.id = k.customer_id) AS tenant_id,
        CASE WHEN k.revoked_at IS NOT NULL THEN 'revoked' WHEN k.expires_at <= now() THEN 'expired'
             WHEN k.rotated_at IS NOT NULL THEN 'rotating' ELSE 'active' END AS state,
        CASE WHEN k.revoked_at IS NULL AND k.rotated_at IS NOT NULL AND k.expires_at > now()
             THEN convergence.iso(k.expires_at) END AS grace_until
        """

    // MARK: Customers

    /// Creates customer + tenant schema (+ optionally the first key) in one transaction.
    package func provision(tenantID: String, name: String, tier: String, firstKey: String?) throws -> (CustomerBody, IssuedKey?) {
        try db.transaction { tx in
            let id = UUID().uuidString.lowercased()
            do {
                try tx.query("INSERT INTO convergence.customers (id, tenant_id, name, tier) VALUES ($1::uuid, $2, $3, $4)",
                             [id, tenantID, name, tier])
                for statement in TenantSchema.statements(for: tenantID) { try tx.executeDDL(statement) }
            } catch let error as PostgresError where error.sqlState == "23505" || error.sqlState == "42P06" {
                throw APIError(.conflict, code: "tenant_exists", message: "Tenant \(tenantID) already exists.")
            }
            let issued = try firstKey.map { key in
                try insertKey(tx, key: key, kind: .customer, customerID: id, tenantID: tenantID, name: "default", expiresAt: nil)
            }
            return (try customer(tx, id: id)!, issued)
        }
    }

    /// A live customer; `includingDeleted`: one soft-deleted too (only a purge wants it).
    func customer(_ conn: PostgresConnection? = nil, id: String, includingDeleted: Bool = false) throws -> CustomerBody? {
        guard UUID(uuidString: id) != nil else { return nil }
        return try (conn ?? db).query("""
            SELECT id::text AS id, tenant_id, name, tier, convergence.iso(created_at) AS created_at
            FROM convergence.customers WHERE id = $1::uuid AND (deleted_at IS NULL OR $2::boolean)
            """, [id, includingDeleted]).rows.first.map(Self.decodeCustomer)
    }

    /// The customer a path or filter names, by UUID or by tenant id (admin routes take
    /// either; tenant ids are unique ignoring case). nil: no such customer.
    func resolveCustomerID(_ text: String, includingDeleted: Bool = false) throws -> String? {
        if UUID(uuidString: text) != nil { return text.lowercased() }
        guard TenantID.isWellFormed(text) else { return nil }
        return try db.query("""
            SELECT id::text AS id FROM convergence.customers
            WHERE lower(tenant_id) = lower($1) AND (deleted_at IS NULL OR $2::boolean)
            """, [text, includingDeleted], idempotent: true).rows.first?.decode("id")
    }

    /// One page of customers in creation order; `cursor` continues after the last one. `search`:
    /// a case-insensitive substring of the name or tenant id (strpos, not LIKE: no wildcards to escape).
    /// Each row carries its count of live keys (one index lookup per row of the page).
    func customers(includingDeleted: Bool, search: String? = nil, page: ListPage) throws -> (customers: [CustomerBody], next: String?) {
        let rows = try db.query("""
            SELECT c.id::text AS id, c.tenant_id, c.name, c.tier, convergence.iso(c.created_at) AS created_at,
                   convergence.iso(c.deleted_at) AS deleted_at,
                   (SELECT count(*) FROM convergence.api_keys k WHERE k.customer_id = c.id AND k.revoked_at IS NULL
                        AND (k.expires_at IS NULL OR k.expires_at > now())) AS key_count,
                   (extract(epoch FROM c.created_at) * 1000000)::bigint || '_' || c.id AS cursor
            FROM convergence.customers c
            WHERE (c.deleted_at IS NULL OR $1::boolean)
              AND ($2::bigint IS NULL OR (c.created_at, c.id) > (timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3::uuid))
              AND ($5::text IS NULL OR strpos(lower(c.name), lower($5)) > 0 OR strpos(lower(c.tenant_id), lower($5)) > 0)
            ORDER BY c.created_at, c.id LIMIT $4
            """, [includingDeleted, page.cursor?.micros, page.cursor?.id, page.limit + 1, search], idempotent: true).rows
        let customers = try rows.prefix(page.limit).map { row in
            var customer = try Self.decodeCustomer(row)
            customer.keyCount = try row.decode("key_count", as: Int.self)
            customer.status = customer.deletedAt == nil ? "active" : "deleted"
            return customer
        }
        return (customers, rows.count > page.limit ? try rows[page.limit - 1].decode("cursor") : nil)
    }

    /// Name and/or tier; nil when no such live customer.
    func updateCustomer(id: String, name: String?, tier: String?) throws -> CustomerBody? {
        try db.transaction { tx in
            let updated = try tx.query("""
                UPDATE convergence.customers SET name = coalesce($2, name), tier = coalesce($3, tier)
                WHERE id = $1::uuid AND deleted_at IS NULL
                """, [id, name, tier])
            guard updated.affectedRows > 0 else { return nil }
            return try customer(tx, id: id)
        }
    }

    /// Soft delete: every key revoked; with `purge`, the tenant schema and the rows go too
    /// (also for a customer deleted softly before: the way to erase its data later).
    package func deleteCustomer(id: String, purge: Bool) throws -> Bool {
        guard let existing = try customer(id: id, includingDeleted: purge) else { return false }
        try db.transaction { tx in
            if purge {
                try tx.executeDDL("DROP SCHEMA IF EXISTS \(TenantID.quotedSchema(existing.tenantID)) CASCADE")
                try tx.query("DELETE FROM convergence.customers WHERE id = $1::uuid", [id])
            } else {
                try tx.query("UPDATE convergence.api_keys SET revoked_at = now() WHERE customer_id = $1::uuid AND revoked_at IS NULL", [id])
                try tx.executeDDL("UPDATE \(TenantID.quotedSchema(existing.tenantID)).api_keys SET revoked_at = now() WHERE revoked_at IS NULL")
                try tx.query("UPDATE convergence.customers SET deleted_at = now() WHERE id = $1::uuid", [id])
            }
        }
        return true
    }

    static func decodeCustomer(_ row: PostgresRow) throws -> CustomerBody {
        CustomerBody(id: try row.decode("id"), tenantID: try row.decode("tenant_id"), name: try row.decode("name"),
                     tier: try row.decode("tier"), createdAt: try row.decode("created_at"),
                     deletedAt: row.has("deleted_at") ? try row.decodeIfPresent("deleted_at") : nil)
    }

    // MARK: Keys

    /// Stores a new key (digest + metadata), mirrored into the tenant's `api_keys`.
    func insertKey(_ conn: PostgresConnection, key: String, kind: APIKeyFormat.Kind, customerID: String?, tenantID: String?,
                   name: String, expiresAt: String?) throws -> IssuedKey {
        let keyID = APIKeyFormat.newKeyID()
        let parts = APIKeyFormat.displayParts(of: key)
        try conn.query("""
            INSERT INTO convergence.api_keys (key_id, kind, customer_id, name, prefix, last4, digest, expires_at)
            VALUES ($1, $2, $3::uuid, $4, $5, $6, $7::bytea, $8::timestamptz)
            """, [keyID, kind.rawValue, customerID, name, parts.prefix, parts.last4, PostgresBytes(SHA256.digest(key)), expiresAt])
        if let tenantID {
            try conn.query("""
                INSERT INTO \(TenantID.quotedSchema(tenantID)).api_keys (key_id, name, prefix, last4, created_at, expires_at)
                SELECT key_id, name, prefix, last4, created_at, expires_at FROM convergence.api_keys WHERE key_id = $1
                """, [keyID])
        }
        return IssuedKey(apiKey: key, key: try keyMetadata(conn, keyID: keyID)!)
    }

    func keyMetadata(_ conn: PostgresConnection? = nil, keyID: String) throws -> KeyMetadata? {
        try (conn ?? db).query("SELECT \(Self.keyColumns) FROM convergence.api_keys k WHERE k.key_id = $1", [keyID])
            .rows.first.map(Self.decodeKey)
    }

    func keys(customerID: String?, kinds: [APIKeyFormat.Kind]) throws -> [KeyMetadata] {
        try db.query("""
            SELECT \(Self.keyColumns) FROM convergence.api_keys k
            WHERE k.kind = ANY($1::text[]) AND ($2::uuid IS NULL OR k.customer_id = $2::uuid)
            ORDER BY k.created_at, k.key_id
            """, [Self.kindArray(kinds), customerID]).rows.map(Self.decodeKey)
    }

    /// A text[] literal of kinds (their raw values are plain words: no quoting needed).
    static func kindArray(_ kinds: [APIKeyFormat.Kind]) -> String { "{" + kinds.map(\.rawValue).joined(separator: ",") + "}" }

    /// One page of keys in `sort` order; `cursor` continues after the last one.
    func keys(customerID: String?, kind: APIKeyFormat.Kind, sort: KeySort = .created, page: ListPage) throws -> (keys: [KeyMetadata], next: String?) {
        // The cursor's id part carries the sort's prefix, so a cursor of one order is refused by another.
        let cursorID = page.cursor.map { String($0.id.dropFirst(sort.cursorPrefix.count)) }
        let rows = try db.query("""
            SELECT * FROM (
                SELECT \(Self.keyColumns), \(sort.micros) AS sort_micros FROM convergence.api_keys k
                WHERE k.kind = $1 AND ($2::uuid IS NULL OR k.customer_id = $2::uuid)) s
            WHERE $3::bigint IS NULL OR (s.sort_micros, s.key_id) \(sort.after) ($3::bigint, $4)
            ORDER BY s.sort_micros \(sort.direction), s.key_id \(sort.direction) LIMIT $5
            """, [kind.rawValue, customerID, page.cursor?.micros, cursorID, page.limit + 1], idempotent: true).rows
        let keys = try rows.prefix(page.limit).map(Self.decodeKey)
        guard rows.count > page.limit else { return (keys, nil) }
        let last = rows[page.limit - 1]
        return (keys, "\(try last.decode("sort_micros", as: Int64.self))_\(sort.cursorPrefix)\(try last.decode("key_id", as: String.self))")
    }

    /// Orders of the key list. Each maps its time to µs with a fixed stand-in for "never"
    /// (a key never used sorts last; one that never expires, last), so keyset cursors work.
    enum KeySort: String, CaseIterable {
        case created
        /// Most recently used first.
        case lastUsed = "last_used"
        /// Soonest expiry first.
        case expires

        var micros: String {
            switch self {
            case .created: "(extract(epoch FROM k.created_at) * 1000000)::bigint"
            case .lastUsed: "coalesce((extract(epoch FROM k.last_used_at) * 1000000)::bigint, 0)"
            case .expires: "coalesce((extract(epoch FROM k.expires_at) * 1000000)::bigint, 253402300799999999)"
            }
        }

        var direction: String { self == .lastUsed ? "DESC" : "ASC" }
        var after: String { self == .lastUsed ? "<" : ">" }
        var cursorPrefix: String {
            switch self {
            case .created: ""
            case .lastUsed: "u"
            case .expires: "e"
            }
        }
    }

    /// The key's owner (tenant) for mirroring; nil for admin keys.
    func tenantOfKey(_ conn: PostgresConnection, keyID: String) throws -> (customerID: String?, tenantID: String?, name: String)? {
        try conn.query("""
            SELECT k.customer_id::text AS customer_id, c.tenant_id, k.name FROM convergence.api_keys k
            LEFT JOIN convergence.customers c ON c.id = k.customer_id
            WHERE k.key_id = $1 AND k.revoked_at IS NULL AND (c.id IS NULL OR c.deleted_at IS NULL)
            """, [keyID]).rows.first.map { row in
            (try row.decodeIfPresent("customer_id", as: String.self), try row.decodeIfPresent("tenant_id", as: String.self),
             try row.decode("name", as: String.self))
        }
    }

    /// Why a key cannot be rotated: only a live key that was never rotated can be, so an
    /// expired key never comes back to life and one key never mints several live ones.
    enum RotationRefusal: Error {
        case notFound, expired, alreadyRotated
    }

    /// New key for the same owner, keeping the old key's expiry and rate limit; the old one
    /// expires after `graceSeconds` (or at its own expiry, if sooner).
    func rotate(keyID: String, graceSeconds: Int) throws -> Result<(IssuedKey, KeyMetadata), RotationRefusal> {
        try db.transaction { tx in
            // FOR UPDATE: two concurrent rotations of one key serialise here, and the second
            // sees rotated_at set (one replacement per key).
            guard let row = try tx.query("""
                SELECT k.customer_id::text AS customer_id, c.tenant_id, k.name, k.rotated_at IS NOT NULL AS rotated,
                       k.expires_at IS NOT NULL AND k.expires_at <= now() AS expired, convergence.iso(k.expires_at) AS expires_at
                FROM convergence.api_keys k JOIN convergence.customers c ON c.id = k.customer_id
                WHERE k.key_id = $1 AND k.kind = 'customer' AND k.revoked_at IS NULL AND c.deleted_at IS NULL
                FOR UPDATE OF k
                """, [keyID]).rows.first else { return .failure(.notFound) }
            if try row.decode("rotated", as: Bool.self) { return .failure(.alreadyRotated) }
            if try row.decode("expired", as: Bool.self) { return .failure(.expired) }
            let issued = try insertKey(tx, key: APIKeyFormat.newLiveKey(), kind: .customer, customerID: try row.decode("customer_id"),
                                       tenantID: try row.decode("tenant_id"), name: try row.decode("name"),
                                       expiresAt: try row.decodeIfPresent("expires_at"))
            // The replacement keeps the old key's own rate limit and department, if it had them.
            try tx.query("""
                UPDATE convergence.api_keys n SET rate_limit = o.rate_limit, rate_limit_period_seconds = o.rate_limit_period_seconds,
                    department = o.department
                FROM convergence.api_keys o WHERE n.key_id = $2 AND o.key_id = $1
                """, [keyID, issued.key.keyID])
            try tx.query("""
                UPDATE convergence.api_keys SET rotated_at = now(), replaced_by = $2,
                    expires_at = LEAST(coalesce(expires_at, 'infinity'), now() + make_interval(secs => $3::int))
                WHERE key_id = $1
                """, [keyID, issued.key.keyID, graceSeconds])
            try mirror(tx, keyID: keyID, tenantID: try row.decode("tenant_id"))
            // Read back: the replacement's rate limit was set after insertKey read its metadata.
            return .success((IssuedKey(apiKey: issued.apiKey, key: try keyMetadata(tx, keyID: issued.key.keyID)!),
                             try keyMetadata(tx, keyID: keyID)!))
        }
    }

    /// Revokes a key of one of `kinds`; nil when no such (live) key exists.
    func revoke(keyID: String, kinds: [APIKeyFormat.Kind]) throws -> KeyMetadata? {
        try db.transaction { tx in
            let updated = try tx.query("""
                UPDATE convergence.api_keys SET revoked_at = now() WHERE key_id = $1 AND kind = ANY($2::text[]) AND revoked_at IS NULL
                RETURNING customer_id::text AS customer_id
                """, [keyID, Self.kindArray(kinds)])
            guard let row = updated.rows.first else { return nil }
            if let customerID = try row.decodeIfPresent("customer_id", as: String.self),
               let tenant = try tx.query("SELECT tenant_id FROM convergence.customers WHERE id = $1::uuid", [customerID])
                .rows.first?.decode("tenant_id", as: String.self) {
                try mirror(tx, keyID: keyID, tenantID: tenant)
            }
            return try keyMetadata(tx, keyID: keyID)
        }
    }

    private func mirror(_ conn: PostgresConnection, keyID: String, tenantID: String) throws {
        try conn.query("""
            UPDATE \(TenantID.quotedSchema(tenantID)).api_keys t SET rotated_at = k.rotated_at, expires_at = k.expires_at,
                revoked_at = k.revoked_at
            FROM convergence.api_keys k WHERE k.key_id = $1 AND t.key_id = k.key_id
            """, [keyID])
    }

    /// The key record for a digest, for authentication (nil: no such key).
    func lookup(digest: [UInt8]) throws -> KeyRecord? {
        try db.query("""
            SELECT k.key_id, k.kind, k.customer_id::text AS customer_id, c.tenant_id, c.tier,
                   -- Microseconds, as stored: a 1 s grace lasts a whole second, not up to the next whole one.
                   (extract(epoch FROM k.expires_at) * 1000000)::bigint AS expires_at,
                   (extract(epoch FROM coalesce(k.revoked_at, c.deleted_at)) * 1000000)::bigint AS revoked_at, k.digest,
                   k.rate_limit, k.rate_limit_period_seconds, k.department
            FROM convergence.api_keys k LEFT JOIN convergence.customers c ON c.id = k.customer_id
            WHERE k.digest = $1::bytea
            """, [PostgresBytes(digest)], idempotent: true).rows.first.map { row in
            KeyRecord(keyID: try row.decode("key_id"),
                      kind: APIKeyFormat.Kind(rawValue: try row.decode("kind")) ?? .customer,
                      customerID: try row.decodeIfPresent("customer_id"), tenantID: try row.decodeIfPresent("tenant_id"),
                      tier: try row.decodeIfPresent("tier"), expiresAt: try row.decodeIfPresent("expires_at"),
                      revokedAt: try row.decodeIfPresent("revoked_at"), rateLimit: try Self.decodeRateLimit(row),
                      department: try row.decodeIfPresent("department"), digest: try row.decode("digest", as: PostgresBytes.self).bytes)
        }
    }

    /// Records when keys were used (key id → Unix µs; batched by the caller, not per
    /// request). Never moves a key's last use backwards (threads flush in any order).
    func touch(_ uses: [String: Int64]) throws {
        guard !uses.isEmpty else { return }
        try db.query("""
            UPDATE convergence.api_keys k
            SET last_used_at = greatest(k.last_used_at, timestamptz 'epoch' + u.t * interval '1 microsecond')
            FROM unnest($1::text[], $2::bigint[]) AS u(id, t) WHERE k.key_id = u.id
            """, ["{" + uses.keys.joined(separator: ",") + "}", "{" + uses.values.map(String.init).joined(separator: ",") + "}"],
            idempotent: true)
    }

    static func decodeKey(_ row: PostgresRow) throws -> KeyMetadata {
        KeyMetadata(keyID: try row.decode("key_id"), kind: try row.decode("kind"), customerID: try row.decodeIfPresent("customer_id"),
                    name: try row.decode("name"), prefix: try row.decode("prefix"), last4: try row.decode("last4"),
                    createdAt: try row.decode("created_at"), rotatedAt: try row.decodeIfPresent("rotated_at"),
                    replacedBy: try row.decodeIfPresent("replaced_by"), expiresAt: try row.decodeIfPresent("expires_at"),
                    revokedAt: try row.decodeIfPresent("revoked_at"), lastUsedAt: try row.decodeIfPresent("last_used_at"),
                    rateLimit: try decodeRateLimit(row).map(KeyRateLimit.init),
                    tenantID: try row.decodeIfPresent("tenant_id"), state: try row.decodeIfPresent("state"),
                    graceUntil: try row.decodeIfPresent("grace_until"), department: try row.decodeIfPresent("department"))
    }

    static func decodeRateLimit(_ row: PostgresRow) throws -> RateLimitRule? {
        guard let limit = try row.decodeIfPresent("rate_limit", as: Int.self),
              let period = try row.decodeIfPresent("rate_limit_period_seconds", as: Int.self) else { return nil }
        return RateLimitRule(limit: limit, periodSeconds: period)
    }

    /// Sets (or clears, nil) the department of a live customer key; nil when there is none.
    func setDepartment(keyID: String, department: String?, _ conn: PostgresConnection? = nil) throws -> KeyMetadata? {
        let updated = try (conn ?? db).query("""
            UPDATE convergence.api_keys SET department = $2 WHERE key_id = $1 AND kind = 'customer' AND revoked_at IS NULL
            """, [keyID, department])
        guard updated.affectedRows > 0 else { return nil }
        return try keyMetadata(conn, keyID: keyID)
    }

    /// Sets (or clears, nil) a key's own token bucket; nil when no such live customer key.
    func setRateLimit(keyID: String, rule: RateLimitRule?) throws -> KeyMetadata? {
        let updated = try db.query("""
            UPDATE convergence.api_keys SET rate_limit = $2, rate_limit_period_seconds = $3
            WHERE key_id = $1 AND kind = 'customer' AND revoked_at IS NULL
            """, [keyID, rule?.limit, rule?.periodSeconds])
        guard updated.affectedRows > 0 else { return nil }
        return try keyMetadata(keyID: keyID)
    }
}
