import ConvergenceAudit
import ConvergenceGovernance
import ConvergenceHTTP
import ConvergenceJSON
import ConvergenceStore

/// Reads `convergence.audit_log` for the API: newest first, keyset pages.
struct AuditLogRepository {
    let db: PostgresConnection

    /// The page as the response body `{"logs": [...], "next_cursor": …}`.
    func page(_ query: AuditLogQuery) throws -> [UInt8] {
        var conditions: [String] = []
        var parameters: [any PostgresEncodable] = []
        func bind(_ value: any PostgresEncodable, _ cast: String) -> String {
            parameters.append(value)
            return "$\(parameters.count)::\(cast)"
        }
        if let v = query.customerID { conditions.append("customer_id = \(bind(v, "uuid"))") }
        if let v = query.decision { conditions.append("decision = \(bind(v, "text"))") }
        if let v = query.kind { conditions.append("kind = \(bind(v, "text"))") }
        if let v = query.since { conditions.append("created_at >= \(bind(AuditRecord.timestampText(micros: v), "timestamptz"))") }
        if let v = query.until { conditions.append("created_at < \(bind(AuditRecord.timestampText(micros: v), "timestamptz"))") }
        if let v = query.requestID { conditions.append("request_id = \(bind(v, "text"))") }
        if query.classification != nil || query.external != nil {
            // Over the operation summaries each check record keeps (type, model, provider, class).
            // The class is bound once; the external=false form uses its clause twice.
            let classClause = query.classification.map { "lower(o->>'data_classification') = lower(\(bind($0, "text")))" }
            var operation: [String] = []
            if let classClause { operation.append(classClause) }
            if query.external != nil { operation.append(Self.externalOperation) }
            let exists = "EXISTS (SELECT 1 FROM json_array_elements(a.operations) o WHERE \(operation.joined(separator: " AND ")))"
            if query.external == false {
                // No external operation (of the class, if named), among records that have operations at all.
                conditions.append("a.operations IS NOT NULL AND NOT " + exists)
                if let classClause { conditions.append("EXISTS (SELECT 1 FROM json_array_elements(a.operations) o WHERE \(classClause))") }
            } else {
                conditions.append(exists)
            }
        }
        if let v = query.rule {
            conditions.append("EXISTS (SELECT 1 FROM json_array_elements(a.violations) v WHERE v->>'rule' = \(bind(v, "text")))")
        }
        if let c = query.cursor {
            // Row comparison: walks the (created_at, id) indexes backwards from the cursor on.
            let at = bind(AuditRecord.timestampText(micros: c.createdAtMicros), "timestamptz")
            conditions.append("(created_at, id) < (\(at), \(bind(c.id, "uuid")))")
        }
        let predicate = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        // ORDER BY names the table's columns: bare names would mean the output
        // columns of the same name (text), which no index serves.
        let rows = try db.query("""
            SELECT id::text AS id, kind, convergence.iso(created_at) AS created_at,
                   (EXTRACT(EPOCH FROM created_at) * 1000000)::bigint AS created_us,
                   customer_id::text AS customer_id, key_id, request_id, decision, risk_score,
                   reasons::text AS reasons, operations::text AS operations, policy_versions::text AS policy_versions,
                   would_block, user_id, session_id, latency_us, action, target,
                   violations::text AS violations, would_block_by::text AS would_block_by
            FROM convergence.audit_log AS a \(predicate)
            ORDER BY a.created_at DESC, a.id DESC
            LIMIT \(query.limit + 1)
            """, parameters).rows
        var out: [UInt8] = Array(#"{"logs":["#.utf8)
        for (i, row) in rows.prefix(query.limit).enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            try AuditLogRepository.writeRow(row, to: &out)
        }
        out += Array(#"],"next_cursor":"#.utf8)
        if rows.count > query.limit, let last = rows.prefix(query.limit).last {
            let cursor = AuditCursor(createdAtMicros: try last.decode("created_us", as: Int64.self), id: try last.decode("id", as: String.self))
            JSONSerializer.writeString(cursor.encode(scope: query.scope), to: &out)
        } else {
            out += Array("null".utf8)
        }
        out += Array(#","limit":\#(query.limit)}"#.utf8)
        return out
    }

    /// An operation summary `o` that went outside: a provider that is not one of the internal
    /// ones, or a model call (llm_call, embedding, a model named) naming no provider — as the
    /// risk engine's `external_model` factor sees it.
    static let externalOperation: String = {
        let internalNames = RiskEngine.internalProviders.map { "'\($0)'" }.joined(separator: ", ")
        return "(CASE WHEN o->>'provider' IS NOT NULL THEN lower(o->>'provider') NOT IN (\(internalNames)) "
            + "ELSE (o->>'type' IN ('llm_call', 'embedding') OR o->>'model' IS NOT NULL) END)"
    }()

    /// One record as JSON; the json columns are valid JSON already and go in as they are.
    static func writeRow(_ row: PostgresRow, to out: inout [UInt8]) throws {
        var first = true
        func key(_ name: String) {
            out += Array((first ? "{\"" : ",\"").utf8) + Array(name.utf8) + Array("\":".utf8)
            first = false
        }
        func text(_ name: String) throws {
            key(name)
            if let v = try row.decodeIfPresent(name, as: String.self) { JSONSerializer.writeString(v, to: &out) } else { out += Array("null".utf8) }
        }
        func raw(_ name: String, _ column: String? = nil) throws {
            key(name)
            out += Array((try row.decodeIfPresent(column ?? name, as: String.self) ?? "null").utf8)
        }
        try text("id")
        try text("kind")
        try text("created_at")
        try text("customer_id")
        try text("key_id")
        try text("request_id")
        try text("decision")
        try raw("risk_score")
        try raw("reasons")
        try raw("operations")
        try raw("policy_versions")
        key("would_block")
        if let v = try row.decodeIfPresent("would_block", as: Bool.self) {
            out += Array((v ? "true" : "false").utf8)
        } else {
            out += Array("null".utf8)
        }
        try text("user_id")
        try text("session_id")
        key("latency_ms")
        if let us = try row.decodeIfPresent("latency_us", as: Int.self) {
            out += Array(String(Double(us) / 1000).utf8)
        } else {
            out += Array("null".utf8)
        }
        try text("action")
        try text("target")
        // Null on records written before these columns existed.
        try raw("violations")
        try raw("would_block_by")
        out.append(UInt8(ascii: "}"))
    }
}
