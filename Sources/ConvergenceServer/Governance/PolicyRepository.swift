import ConvergenceCore
import ConvergenceGovernance
import ConvergenceHTTP
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

/// SQL for policies (values always bound).
struct PolicyRepository {
    let db: PostgresConnection

    static let columns = """
        id, customer_id::text AS customer_id, name, rules::text AS rules, active, mode, version,
        convergence.iso(created_at) AS created_at, convergence.iso(updated_at) AS updated_at
        """

    func create(customerID: String, name: String, rules: PolicyRules, active: Bool, mode: Policy.Mode) throws -> PolicyRecord {
        let id = "pol_" + SecureRandom.hex(byteCount: 8)
        try db.query("""
            INSERT INTO convergence.policies (id, customer_id, name, rules, active, mode)
            VALUES ($1, $2::uuid, $3, $4::jsonb, $5, $6)
            """, [id, customerID, name, String(decoding: JSONSerializer.bytes(rules.json), as: UTF8.self), active, mode.rawValue])
        guard let created = try find(id: id) else { throw APIError.notFound } // deleted in between
        return created
    }

    func find(id: String) throws -> PolicyRecord? {
        try db.query("SELECT \(Self.columns) FROM convergence.policies WHERE id = $1", [id]).rows.first.map(Self.decode)
    }

    func list(customerID: String?) throws -> [PolicyRecord] {
        try db.query("""
            SELECT \(Self.columns) FROM convergence.policies WHERE ($1::uuid IS NULL OR customer_id = $1::uuid)
            ORDER BY created_at, id
            """, [customerID]).rows.map(Self.decode)
    }

    /// Active policies of a customer, for checks.
    func active(customerID: String) throws -> [Policy] {
        try db.query("SELECT \(Self.columns) FROM convergence.policies WHERE customer_id = $1::uuid AND active ORDER BY id",
                     [customerID], idempotent: true).rows.map { try Self.decode($0).policy }
    }

    func update(id: String, name: String?, rules: PolicyRules?, active: Bool?, mode: Policy.Mode?) throws -> PolicyRecord? {
        let updated = try db.query("""
            UPDATE convergence.policies SET name = coalesce($2, name), rules = coalesce($3::jsonb, rules),
                active = coalesce($4, active), mode = coalesce($5, mode), version = version + 1, updated_at = now()
            WHERE id = $1
            """, [id, name, rules.map { String(decoding: JSONSerializer.bytes($0.json), as: UTF8.self) }, active, mode?.rawValue])
        return updated.affectedRows > 0 ? try find(id: id) : nil
    }

    func delete(id: String) throws -> Bool {
        try db.query("DELETE FROM convergence.policies WHERE id = $1", [id]).affectedRows > 0
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
