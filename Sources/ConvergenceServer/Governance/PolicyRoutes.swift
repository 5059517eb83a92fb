import ConvergenceAudit
import ConvergenceGovernance
import ConvergenceHTTP
import ConvergenceJSON
import Foundation

/// `/policies`: operators' governance policies (admin key).
enum PolicyRoutes {
    static func register(on router: inout Router<RequestContext>) {
        router.post("/policies") { request, context in
            let actor = try Authenticator.requireAdmin(request, context)
            let fields = try objectBody(request)
            guard case .string(let named)? = fields["customer_id"] else {
                throw APIError.badRequest("invalid_customer_id", "customer_id (the customer's UUID or tenant_id) is required.")
            }
            guard let name = try name(fields, required: true) else { throw APIError.internalError }
            guard let rawRules = fields["rules"] else { throw APIError.badRequest("invalid_rules", "rules is required.") }
            let rules = try parseRules(rawRules)
            let active = try bool(fields, "active") ?? true
            let mode = try mode(fields) ?? .enforce
            let customerID = try CustomerRoutes.resolve(named, context)
            guard try context.identity.customer(id: customerID) != nil else { throw CustomerRoutes.unknownCustomer }
            try AdminAudit.ensureCapacity(context)
            let record = try PolicyRepository(db: context.database).create(
                customerID: customerID.lowercased(), name: name, rules: rules, active: active, mode: mode, actorKeyID: actor.keyID)
            AdminAudit.record(context, request, actor: actor, action: "policy.create", target: "policy:\(record.id):\(record.version)",
                              customerID: record.customerID)
            return .rawJSON(JSONSerializer.bytes(record.json), status: .created)
        }
        router.get("/policies", query: ListPage.parameters.union(["customer_id"])) { request, context in
            _ = try Authenticator.requireAdmin(request, context)
            let query = request.queryParameters
            let customerID = try query["customer_id"].map { try CustomerRoutes.resolve($0, context) }
            let page = try ListPage(query) { $0.hasPrefix("pol_") && $0.utf8.count <= 64 }
            let (records, next) = try PolicyRepository(db: context.database).list(customerID: customerID, page: page)
            // Monitor-mode rows say what they would have blocked lately: one rollup query for the page.
            let monitored = records.filter { $0.mode == .monitor }.map(\.id)
            let wouldBlock = try UsageRepository(db: context.database).wouldBlockLastDay(policyIDs: monitored)
            let rows: [JSONValue] = records.map { record in
                guard record.mode == .monitor, case .object(var object) = record.json else { return record.json }
                object["would_block_24h"] = .number(Double(wouldBlock[record.id] ?? 0))
                return .object(object)
            }
            return .rawJSON(JSONSerializer.bytes(.object([
                "policies": .array(rows), "next_cursor": next.map(JSONValue.string) ?? .null,
            ])))
        }
        router.get("/policies/{id}", query: ["version"]) { request, context in
            _ = try Authenticator.requireAdmin(request, context)
            let id = request.pathParameters["id"]!
            let repository = PolicyRepository(db: context.database)
            if let text = request.queryParameters["version"] {
                // An old version, as audit records cite it (`pol_…:3`); also of a deleted policy.
                guard let number = Int(text), (1...Int(Int32.max)).contains(number) else {
                    throw APIError.badRequest("invalid_version", "version must be a positive integer.")
                }
                if let version = try repository.version(id: id, version: number) { return .rawJSON(JSONSerializer.bytes(version.json)) }
                guard try repository.find(id: id) != nil || !(try repository.versions(id: id).isEmpty) else { throw unknownPolicy }
                throw APIError(.notFound, code: "version_not_found", message: "This policy has no version \(number).")
            }
            guard let record = try repository.find(id: id) else { throw unknownPolicy }
            return .rawJSON(JSONSerializer.bytes(record.json))
        }
        router.get("/policies/{id}/versions") { request, context in
            _ = try Authenticator.requireAdmin(request, context)
            let id = request.pathParameters["id"]!
            let versions = try PolicyRepository(db: context.database).versions(id: id)
            guard !versions.isEmpty else { throw unknownPolicy }
            return .rawJSON(JSONSerializer.bytes(.object(["policy_id": .string(id), "versions": .array(versions.map(\.json))])))
        }
        // PUT replaces the policy: `rules` whole, `active` and `mode` back to their
        // defaults when left out. Partial edits are PATCH.
        router.put("/policies/{id}") { request, context in
            let actor = try Authenticator.requireAdmin(request, context)
            let fields = try objectBody(request)
            try refuseUnknownFields(fields)
            // Every update bumps the version: one that changes nothing is a mistake, not a new version.
            guard fields.keys.contains(where: { $0 != "customer_id" }) else {
                throw APIError.badRequest("empty_update", "Nothing to update: give at least one of name, rules, active and mode.")
            }
            let repository = PolicyRepository(db: context.database)
            let id = request.pathParameters["id"]!
            guard let existing = try repository.find(id: id) else { throw unknownPolicy }
            let replacement = try replacement(fields, of: existing, nameRequired: false, via: "PUT")
            try AdminAudit.ensureCapacity(context)
            guard let record = try repository.replace(
                id: id, name: replacement.name, rules: replacement.rules, active: replacement.active, mode: replacement.mode,
                actorKeyID: actor.keyID) else { throw unknownPolicy }
            AdminAudit.record(context, request, actor: actor, action: "policy.update", target: "policy:\(record.id):\(record.version)",
                              customerID: record.customerID)
            return .rawJSON(JSONSerializer.bytes(record.json))
        }
        // JSON merge patch (RFC 7396) over {name, rules, active, mode}; the result is
        // checked exactly like a PUT body.
        router.patch("/policies/{id}") { request, context in
            let actor = try Authenticator.requireAdmin(request, context)
            let patch = try objectBody(request)
            guard !patch.isEmpty else {
                throw APIError.badRequest("empty_update", "Nothing to update: the merge patch is empty.")
            }
            try refuseUnknownFields(patch)
            let repository = PolicyRepository(db: context.database)
            let id = request.pathParameters["id"]!
            // Read, merge, write only if nobody changed it in between (else merge again).
            for _ in 0..<3 {
                guard let existing = try repository.find(id: id) else { throw unknownPolicy }
                let current: JSONValue = .object([
                    "name": .string(existing.name), "rules": existing.rules.json, "active": .bool(existing.active),
                    "mode": .string(existing.mode.rawValue),
                ])
                guard case .object(let merged) = JSONMergePatch.apply(.object(patch), to: current) else { throw APIError.internalError }
                let replacement = try replacement(merged, of: existing, nameRequired: true, via: "PATCH")
                try AdminAudit.ensureCapacity(context)
                if let record = try repository.replace(
                    id: id, name: replacement.name, rules: replacement.rules, active: replacement.active, mode: replacement.mode,
                    actorKeyID: actor.keyID, expectedVersion: existing.version) {
                    AdminAudit.record(context, request, actor: actor, action: "policy.patch", target: "policy:\(record.id):\(record.version)",
                                      customerID: record.customerID)
                    return .rawJSON(JSONSerializer.bytes(record.json))
                }
            }
            throw APIError(.conflict, code: "policy_conflict", message: "The policy kept changing while this patch was applied; retry.")
        }
        router.delete("/policies/{id}") { request, context in
            let actor = try Authenticator.requireAdmin(request, context)
            let id = request.pathParameters["id"]!
            try AdminAudit.ensureCapacity(context)
            let existing = try PolicyRepository(db: context.database).find(id: id)
            guard try PolicyRepository(db: context.database).delete(id: id, actorKeyID: actor.keyID) else { throw unknownPolicy }
            AdminAudit.record(context, request, actor: actor, action: "policy.delete", target: "policy:\(AuditRecord.bounded(id, maxBytes: 100))",
                              customerID: existing?.customerID)
            return .rawJSON(JSONSerializer.bytes(.object(["id": .string(id), "deleted": .bool(true)])))
        }
    }

    /// What a PUT body (or a merged PATCH) sets.
    struct Replacement {
        let name: String?
        let rules: PolicyRules
        let active: Bool
        let mode: Policy.Mode
    }

    static func refuseUnknownFields(_ fields: JSONObject) throws(APIError) {
        for key in fields.keys where !["name", "rules", "active", "mode", "customer_id"].contains(key) {
            throw APIError.badRequest("invalid_field", "Unknown field \(key.shownInMessage()); a policy has name, rules, active and mode.")
        }
    }

    /// A whole policy: `rules` is required (leaving it out must not silently drop
    /// every rule); `active` and `mode` left out are their defaults (true, enforce).
    static func replacement(_ fields: JSONObject, of existing: PolicyRecord, nameRequired: Bool, via method: String) throws(APIError) -> Replacement {
        try refuseUnknownFields(fields)
        if let other = fields["customer_id"] {
            guard case .string(let text) = other, text.lowercased() == existing.customerID else {
                throw APIError.badRequest("invalid_customer_id", "A policy cannot move to another customer.")
            }
        }
        guard let rawRules = fields["rules"] else {
            throw APIError.badRequest("invalid_rules", method == "PUT"
                ? "rules is required: PUT replaces the whole policy (PATCH changes single fields)."
                : "rules cannot be removed; send {} for a policy without rules.")
        }
        return Replacement(name: try name(fields, required: nameRequired), rules: try parseRules(rawRules),
                           active: try bool(fields, "active") ?? true, mode: try mode(fields) ?? .enforce)
    }

    static let unknownPolicy = APIError(.notFound, code: "policy_not_found", message: "No such policy.")

    static func objectBody(_ request: Request) throws(APIError) -> JSONObject {
        guard case .object(let fields) = try request.parseJSONBody() else {
            throw APIError.badRequest("invalid_json", "The body must be a JSON object.")
        }
        return fields
    }

    static func parseRules(_ value: JSONValue) throws(APIError) -> PolicyRules {
        do { return try PolicyRules.parse(value) } catch {
            throw APIError.badRequest("invalid_rules", error.message)
        }
    }

    static func name(_ fields: JSONObject, required: Bool) throws(APIError) -> String? {
        switch fields["name"] {
        case nil where !required: return nil
        case .string(let s)? where (1...200).contains(s.trimmingCharacters(in: .whitespaces).count):
            return s.trimmingCharacters(in: .whitespaces)
        default: throw APIError.badRequest("invalid_name", "name must be a string of 1 to 200 characters.")
        }
    }

    static func bool(_ fields: JSONObject, _ key: String) throws(APIError) -> Bool? {
        switch fields[key] {
        case nil: return nil
        case .bool(let b)?: return b
        default: throw APIError.badRequest("invalid_\(key)", "\(key) must be true or false.")
        }
    }

    static func mode(_ fields: JSONObject) throws(APIError) -> Policy.Mode? {
        switch fields["mode"] {
        case nil: return nil
        case .string(let s)?:
            guard let mode = Policy.Mode(rawValue: s) else { throw APIError.badRequest("invalid_mode", "mode must be enforce or monitor.") }
            return mode
        default: throw APIError.badRequest("invalid_mode", "mode must be enforce or monitor.")
        }
    }
}
