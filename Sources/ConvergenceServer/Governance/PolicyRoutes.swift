import ConvergenceGovernance
import ConvergenceHTTP
import Foundation

/// `/policies`: operators' governance policies (admin key).
enum PolicyRoutes {
    static func register(on router: inout Router<RequestContext>) {
        router.post("/policies") { request, context in
            let actor = try Authenticator.requireAdmin(request, context)
            let fields = try objectBody(request)
            guard case .string(let customerID)? = fields["customer_id"], UUID(uuidString: customerID) != nil else {
                throw APIError.badRequest("invalid_customer_id", "customer_id is required and must be a UUID.")
            }
            guard let name = try name(fields, required: true) else { throw APIError.internalError }
            guard let rawRules = fields["rules"] else { throw APIError.badRequest("invalid_rules", "rules is required.") }
            let rules = try parseRules(rawRules)
            let active = try bool(fields, "active") ?? true
            let mode = try mode(fields) ?? .enforce
            guard try context.identity.customer(id: customerID) != nil else { throw CustomerRoutes.unknownCustomer }
            try AdminAudit.ensureCapacity(context)
            let record = try PolicyRepository(db: context.database).create(
                customerID: customerID.lowercased(), name: name, rules: rules, active: active, mode: mode)
            AdminAudit.record(context, request, actor: actor, action: "policy.create", target: "policy:\(record.id):\(record.version)",
                              customerID: record.customerID)
            return .rawJSON(JSONSerializer.bytes(record.json), status: .created)
        }
        router.get("/policies", query: ["customer_id"]) { request, context in
            _ = try Authenticator.requireAdmin(request, context)
            let customerID = request.queryParameters["customer_id"]
            if let customerID, UUID(uuidString: customerID) == nil {
                throw APIError.badRequest("invalid_customer_id", "customer_id must be a UUID.")
            }
            let records = try PolicyRepository(db: context.database).list(customerID: customerID?.lowercased())
            return .rawJSON(JSONSerializer.bytes(.object(["policies": .array(records.map(\.json))])))
        }
        router.get("/policies/{id}") { request, context in
            _ = try Authenticator.requireAdmin(request, context)
            guard let record = try PolicyRepository(db: context.database).find(id: request.pathParameters["id"]!) else { throw unknownPolicy }
            return .rawJSON(JSONSerializer.bytes(record.json))
        }
        router.put("/policies/{id}") { request, context in
            let actor = try Authenticator.requireAdmin(request, context)
            let fields = try objectBody(request)
            for key in fields.keys where !["name", "rules", "active", "mode", "customer_id"].contains(key) {
                throw APIError.badRequest("invalid_field", "Unknown field \(key); a policy has name, rules, active and mode.")
            }
            // Every update bumps the version: one that changes nothing is a mistake, not a new version.
            guard fields.keys.contains(where: { $0 != "customer_id" }) else {
                throw APIError.badRequest("empty_update", "Nothing to update: give at least one of name, rules, active and mode.")
            }
            let rules = try fields["rules"].map(parseRules)
            let repository = PolicyRepository(db: context.database)
            let id = request.pathParameters["id"]!
            guard let existing = try repository.find(id: id) else { throw unknownPolicy }
            if let other = fields["customer_id"] {
                guard case .string(let text) = other, text.lowercased() == existing.customerID else {
                    throw APIError.badRequest("invalid_customer_id", "A policy cannot move to another customer.")
                }
            }
            try AdminAudit.ensureCapacity(context)
            guard let record = try repository.update(
                id: id, name: try name(fields, required: false), rules: rules,
                active: try bool(fields, "active"), mode: try mode(fields)) else { throw unknownPolicy }
            AdminAudit.record(context, request, actor: actor, action: "policy.update", target: "policy:\(record.id):\(record.version)",
                              customerID: record.customerID)
            return .rawJSON(JSONSerializer.bytes(record.json))
        }
        router.delete("/policies/{id}") { request, context in
            let actor = try Authenticator.requireAdmin(request, context)
            let id = request.pathParameters["id"]!
            try AdminAudit.ensureCapacity(context)
            let existing = try PolicyRepository(db: context.database).find(id: id)
            guard try PolicyRepository(db: context.database).delete(id: id) else { throw unknownPolicy }
            AdminAudit.record(context, request, actor: actor, action: "policy.delete", target: "policy:\(AuditRecord.bounded(id, maxBytes: 100))",
                              customerID: existing?.customerID)
            return .rawJSON(JSONSerializer.bytes(.object(["id": .string(id), "deleted": .bool(true)])))
        }
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
