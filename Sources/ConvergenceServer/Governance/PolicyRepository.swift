import ConvergenceCore
import ConvergenceGovernance
import ConvergenceHTTP
import ConvergenceJSON
import ConvergenceStore
import Foundation

/// A policy as the API shows it.
struct PolicyRecord {
    let id: String
    let customerID: String
    let name: String
    let rules: PolicyRules
    let active: Bool
    let mode: Policy.Mode
    let version: Int
    let createdAt: String
    let updatedAt: String

    var json: JSONValue {
        .object([
            "id": .string(id), "customer_id": .string(customerID), "name": .string(name), "rules": rules.json,
            "active": .bool(active), "mode": .string(mode.rawValue), "version": .number(Double(version)),
            "created_at": .string(createdAt), "updated_at": .string(updatedAt),
        ])
    }

    var policy: Policy { Policy(id: id, version: version, mode: mode, rules: rules) }
}

/// One version of a policy as it was made (`GET /policies/{id}/versions`).
struct PolicyVersionRecord {
    let id: String
    let version: Int
    let customerID: String
    let name: String
    let rules: PolicyRules
    let active: Bool
    let mode: Policy.Mode
    /// The version that records the policy's deletion.
    let deleted: Bool
    let adminKeyID: String?
    let createdAt: String

    var json: JSONValue {
        .object([
            "id": .string(id), "version": .number(Double(version)), "customer_id": .string(customerID), "name": .string(name),
            "rules": rules.json, "active": .bool(active), "mode": .string(mode.rawValue), "deleted": .bool(deleted),
            "admin_key_id": adminKeyID.map(JSONValue.string) ?? .null, "created_at": .string(createdAt),
        ])
    }
}

/// SQL for policies (values always bound).
struct PolicyRepository {
    let db: PostgresConnection

    static let columns = """
        id, customer_id::text AS customer_id, name, rules::text AS rules, active, mode, version,
        convergence.iso(created_at) AS created_at, convergence.iso(updated_at) AS updated_at
        """

    /// Each statement below changes `policies` and records the resulting version in
    /// `policy_versions` at once (one statement: both or neither).
    static let recordVersion = """
        INSERT INTO convergence.policy_versions (policy_id, version, customer_id, name, rules, active, mode, admin_key_id, created_at)
        SELECT id, version, customer_id, name, rules, active, mode, $ACTOR, updated_at FROM p
        """

    func create(customerID: String, name: String, rules: PolicyRules, active: Bool, mode: Policy.Mode, actorKeyID: String?) throws -> PolicyRecord {
        let id = "pol_" + SecureRandom.hex(byteCount: 8)
        try db.query("""
            WITH p AS (INSERT INTO convergence.policies (id, customer_id, name, rules, active, mode)
                       VALUES ($1, $2::uuid, $3, $4::jsonb, $5, $6) RETURNING *)
            \(Self.recordVersion.replacingOccurrences(of: "$ACTOR", with: "$7::text"))
            """, [id, customerID, name, String(decoding: JSONSerializer.bytes(rules.json), as: UTF8.self), active, mode.rawValue, actorKeyID])
        guard let created = try find(id: id) else { throw APIError.notFound } // deleted in between
        return created
    }

    func find(id: String) throws -> PolicyRecord? {
        try db.query("SELECT \(Self.columns) FROM convergence.policies WHERE id = $1", [id]).rows.first.map(Self.decode)
    }

    /// One page of policies in creation order; `cursor` continues after the last one.
    func list(customerID: String?, page: ListPage) throws -> (policies: [PolicyRecord], next: String?) {
        let rows = try db.query("""
            SELECT \(Self.columns), (extract(epoch FROM created_at) * 1000000)::bigint || '_' || id AS cursor
            FROM convergence.policies
            WHERE ($1::uuid IS NULL OR customer_id = $1::uuid)
              AND ($2::bigint IS NULL OR (created_at, id) > (timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3))
            ORDER BY created_at, id LIMIT $4
            """, [customerID, page.cursor?.micros, page.cursor?.id, page.limit + 1], idempotent: true).rows
        let policies = try rows.prefix(page.limit).map(Self.decode)
        return (policies, rows.count > page.limit ? try rows[page.limit - 1].decode("cursor") : nil)
    }

    /// Active policies of a customer, for checks.
    func active(customerID: String) throws -> [Policy] {
        try db.query("SELECT \(Self.columns) FROM convergence.policies WHERE customer_id = $1::uuid AND active ORDER BY id",
                     [customerID], idempotent: true).rows.map { try Self.decode($0).policy }
    }

    /// Replaces the policy as a whole (a `name` of nil keeps the name) and makes a new
    /// version. With `expectedVersion`, only if no other change came first: nil then.
    func replace(id: String, name: String?, rules: PolicyRules, active: Bool, mode: Policy.Mode, actorKeyID: String?,
                 expectedVersion: Int? = nil) throws -> PolicyRecord? {
        let changed = try db.query("""
            WITH p AS (UPDATE convergence.policies SET name = coalesce($2, name), rules = $3::jsonb, active = $4, mode = $5,
                           version = version + 1, updated_at = now()
                       WHERE id = $1 AND ($7::integer IS NULL OR version = $7::integer) RETURNING *)
            \(Self.recordVersion.replacingOccurrences(of: "$ACTOR", with: "$6::text"))
            """, [id, name, String(decoding: JSONSerializer.bytes(rules.json), as: UTF8.self), active, mode.rawValue, actorKeyID,
                  expectedVersion])
        return changed.affectedRows > 0 ? try find(id: id) : nil
    }

    /// Deletes the policy; its history gains a last version marked `deleted`.
    func delete(id: String, actorKeyID: String?) throws -> Bool {
        try db.query("""
            WITH p AS (DELETE FROM convergence.policies WHERE id = $1 RETURNING *)
            INSERT INTO convergence.policy_versions (policy_id, version, customer_id, name, rules, active, mode, deleted, admin_key_id)
            SELECT id, version + 1, customer_id, name, rules, false, mode, true, $2::text FROM p
            """, [id, actorKeyID]).affectedRows > 0
    }

    static let versionColumns = """
        policy_id, version, customer_id::text AS customer_id, name, rules::text AS rules, active, mode, deleted, admin_key_id,
        convergence.iso(created_at) AS created_at
        """

    /// Every version of a policy, newest first (also of a deleted one); empty if none.
    func versions(id: String) throws -> [PolicyVersionRecord] {
        try db.query("SELECT \(Self.versionColumns) FROM convergence.policy_versions WHERE policy_id = $1 ORDER BY version DESC",
                     [id]).rows.map(Self.decodeVersion)
    }

    func version(id: String, version: Int) throws -> PolicyVersionRecord? {
        try db.query("SELECT \(Self.versionColumns) FROM convergence.policy_versions WHERE policy_id = $1 AND version = $2::integer",
                     [id, version]).rows.first.map(Self.decodeVersion)
    }

    static func decodeVersion(_ row: PostgresRow) throws -> PolicyVersionRecord {
        let rulesText: String = try row.decode("rules")
        return PolicyVersionRecord(
            id: try row.decode("policy_id"), version: try row.decode("version"), customerID: try row.decode("customer_id"),
            name: try row.decode("name"), rules: try PolicyRules.parse(try JSONParser.parse(Array(rulesText.utf8))),
            active: try row.decode("active"), mode: Policy.Mode(rawValue: try row.decode("mode")) ?? .enforce,
            deleted: try row.decode("deleted"), adminKeyID: try row.decodeIfPresent("admin_key_id", as: String.self),
            createdAt: try row.decode("created_at"))
    }

    static func decode(_ row: PostgresRow) throws -> PolicyRecord {
        let rulesText: String = try row.decode("rules")
        let rules = try PolicyRules.parse(try JSONParser.parse(Array(rulesText.utf8)))
        return PolicyRecord(id: try row.decode("id"), customerID: try row.decode("customer_id"), name: try row.decode("name"),
                            rules: rules, active: try row.decode("active"),
                            mode: Policy.Mode(rawValue: try row.decode("mode")) ?? .enforce, version: try row.decode("version"),
                            createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"))
    }
}
