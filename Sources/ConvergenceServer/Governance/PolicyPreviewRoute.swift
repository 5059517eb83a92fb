import ConvergenceAudit
import ConvergenceCore
import ConvergenceGovernance
import ConvergenceHTTP
import ConvergenceJSON
import ConvergenceStore

/// `POST /policies/preview`: what a draft policy would have done to a customer's recorded
/// checks, before anyone switches it on. Reads the audit trail (the read database when one
/// is configured), changes nothing, and writes no audit record of its own.
enum PolicyPreviewRoute {
    static let fields: Set<String> = ["customer_id", "policy_id", "rules", "mode", "since", "until", "limit"]
    static let defaultWindowMicros: Int64 = 7 * 86_400 * 1_000_000
    static let maxLimit = 50_000
    static let defaultLimit = 10_000

    static func register(on router: inout Router<RequestContext>) {
        router.post("/policies/preview") { request, context in try preview(request, context) }
    }

    static func preview(_ request: Request, _ context: RequestContext) throws -> Response {
        _ = try Authenticator.requireAdmin(request, context)
        let body = try PolicyRoutes.objectBody(request)
        if let unknown = body.members.first(where: { !fields.contains($0.key) }) {
            throw APIError.badRequest("invalid_field",
                                      "\(unknown.key.shownInMessage()) is not a field of a preview (\(fields.sorted().joined(separator: ", "))).")
        }
        guard let rawRules = body["rules"] else { throw APIError.badRequest("invalid_rules", "rules (the draft's rules) is required.") }
        let rules = try PolicyRoutes.parseRules(rawRules)
        let repository = PolicyRepository(db: context.database)
        // The draft replaces an existing policy (policy_id) or joins the customer's policies.
        var replaced: PolicyRecord?
        if let named = body["policy_id"] {
            guard case .string(let id) = named, id.hasPrefix("pol_"), id.utf8.count <= 64 else {
                throw APIError.badRequest("invalid_policy_id", "policy_id must be a policy's id (pol_…).")
            }
            guard let found = try repository.find(id: id) else { throw PolicyRoutes.unknownPolicy }
            replaced = found
        }
        var customerID: String
        switch body["customer_id"] {
        case .string(let named)?:
            customerID = try CustomerRoutes.resolve(named, context).lowercased()
            guard try context.identity.customer(id: customerID) != nil else { throw CustomerRoutes.unknownCustomer }
            if let replaced, replaced.customerID != customerID {
                throw APIError.badRequest("invalid_policy_id", "policy_id names another customer's policy.")
            }
        case nil where replaced != nil: customerID = replaced!.customerID
        default: throw APIError.badRequest("invalid_customer_id", "customer_id (the customer's UUID or tenant_id) is required without policy_id.")
        }
        let mode = try PolicyRoutes.mode(body) ?? replaced?.mode ?? .enforce
        let now = AuditRecord.nowMicros()
        let until = try instant(body, "until") ?? now
        let since = try instant(body, "since") ?? (until - defaultWindowMicros)
        guard since < until else { throw APIError.badRequest("invalid_range", "since must be earlier than until.") }
        var limit = defaultLimit
        if let value = body["limit"] {
            guard case .number(let n) = value, n.rounded() == n, n >= 1, n <= Double(maxLimit) else {
                throw APIError.badRequest("invalid_limit", "limit must be an integer from 1 to \(maxLimit).")
            }
            limit = Int(n)
        }

        let active = try repository.active(customerID: customerID)
        let draftPolicy = Policy(id: replaced?.id ?? "draft", version: (replaced?.version ?? 0) + 1, mode: mode, rules: rules)
        let draft = active.filter { $0.id != replaced?.id } + [draftPolicy]
        let (checks, times, truncated) = try records(customerID: customerID, since: since, until: until, limit: limit, context)
        let summary = PolicyReplay.run(checks, current: PolicySet(active), draft: PolicySet(draft))
        return .rawJSON(JSONSerializer.bytes(json(summary, customerID: customerID, since: since, until: until, truncated: truncated,
                                                  draft: draftPolicy, times: times)))
    }

    static func instant(_ body: JSONObject, _ name: String) throws(APIError) -> Int64? {
        guard let value = body[name] else { return nil }
        guard case .string(let text) = value, let micros = RFC3339.parseMicros(text) else {
            throw APIError.badRequest("invalid_\(name)", "\(name) must be an RFC 3339 time such as 2026-01-31T12:00:00Z.")
        }
        return micros
    }

    /// The customer's most recent `limit` check records in the window, newest first, with
    /// each key's department as it is now (a check's own context is not kept).
    static func records(customerID: String, since: Int64, until: Int64, limit: Int, _ context: RequestContext) throws
        -> (checks: [ReplayedCheck], times: [String: String], truncated: Bool) {
        let rows = try context.auditReadDatabase.query("""
            SELECT a.request_id, (extract(epoch FROM a.created_at) * 1000000)::bigint AS created_us, convergence.iso(a.created_at) AS created_at,
                   a.operations::text AS operations, a.reasons::text AS reasons, a.key_id, k.department
            FROM convergence.audit_log a LEFT JOIN convergence.api_keys k ON k.key_id = a.key_id
            WHERE a.kind = 'check' AND a.customer_id = $1::uuid AND a.created_at >= $2::timestamptz AND a.created_at < $3::timestamptz
            ORDER BY a.created_at DESC, a.id DESC
            LIMIT \(limit + 1)
            """, [customerID, AuditRecord.timestampText(micros: since), AuditRecord.timestampText(micros: until)], idempotent: true).rows
        var checks: [ReplayedCheck] = []
        var times: [String: String] = [:]
        for row in rows.prefix(limit) {
            let requestID: String = try row.decode("request_id")
            guard let operations: String = try row.decodeIfPresent("operations"),
                  let check = ReplayedCheck(requestID: requestID, createdAtMicros: try row.decode("created_us"), operationsJSON: operations,
                                            reasonsJSON: try row.decodeIfPresent("reasons"),
                                            caller: Caller(keyID: try row.decodeIfPresent("key_id") ?? "",
                                                           department: try row.decodeIfPresent("department")))
            else { continue }
            checks.append(check)
            times[requestID] = try row.decode("created_at")
        }
        return (checks, times, rows.count > limit)
    }

    static func json(_ s: PolicyReplay.Summary, customerID: String, since: Int64, until: Int64, truncated: Bool, draft: Policy,
                     times: [String: String]) -> JSONValue {
        func tally(_ t: PolicyReplay.Tally) -> JSONValue {
            .object(["allowed": .number(Double(t.allowed)), "blocked": .number(Double(t.blocked)), "would_block": .number(Double(t.wouldBlock))])
        }
        func iso(_ micros: Int64) -> String {
            let t = AuditRecord.timestampText(micros: micros) // "YYYY-MM-DD HH:MM:SS.ffffff+00"
            return String(t.prefix(10)) + "T" + String(t.dropFirst(11).prefix(15)) + "Z"
        }
        var out = JSONObject()
        out["customer_id"] = .string(customerID)
        out["since"] = .string(iso(since))
        out["until"] = .string(iso(until))
        out["replayed"] = .number(Double(s.replayed))
        out["truncated"] = .bool(truncated)
        out["current"] = tally(s.current)
        out["draft"] = tally(s.draft)
        out["newly_blocked"] = .number(Double(s.newlyBlocked))
        out["newly_allowed"] = .number(Double(s.newlyAllowed))
        out["by_rule"] = .array(s.byRule.map {
            .object(["policy_id": .string($0.policyID), "rule": .string($0.rule), "mode": .string($0.mode.rawValue),
                     "checks": .number(Double($0.checks))])
        })
        out["changes"] = .array(s.changes.map {
            .object(["request_id": .string($0.requestID), "created_at": times[$0.requestID].map(JSONValue.string) ?? .null,
                     "current": .string($0.currentAllowed ? "allow" : "block"), "draft": .string($0.draftAllowed ? "allow" : "block"),
                     "rules": .array($0.rules.map { .string($0) })])
        })
        out["draft_policy"] = .object(["id": .string(draft.id), "version": .number(Double(draft.version)), "mode": .string(draft.mode.rawValue),
                                       "rules": draft.rules.json])
        return .object(out)
    }
}
