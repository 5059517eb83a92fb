import ConvergenceAudit
import ConvergenceCore
import ConvergenceHTTP
import ConvergenceIdentity
import Foundation

/// `/admin/keys`: issue, list, rotate, revoke customer keys.
enum KeyRoutes {
    static func register(on router: inout Router<RequestContext>) {
        router.post("/admin/keys") { request, context in
            let actor = try Authenticator.requireAdmin(request, context)
            let body = try request.decodeJSON(CreateKey.self)
            guard let requested = body.customerID else {
                throw APIError.badRequest("invalid_customer_id", "customer_id (the customer's UUID or tenant_id) is required.")
            }
            let customerID = try CustomerRoutes.resolve(requested, context)
            let name = body.name ?? "default"
            guard (1...100).contains(name.count) else { throw APIError.badRequest("invalid_name", "name must be 1 to 100 characters.") }
            let expiresAt = try body.expiresAt.map(validExpiry)
            let rateLimit = try body.rateLimit.map(validRateLimit)
            let department = try body.department.map(validDepartment)
            guard let customer = try context.identity.customer(id: customerID) else { throw CustomerRoutes.unknownCustomer }
            try AdminAudit.ensureCapacity(context)
            let issued = try context.database.transaction { tx in
                let issued = try context.identity.insertKey(tx, key: APIKeyFormat.newLiveKey(), kind: .customer, customerID: customer.id,
                                                            tenantID: customer.tenantID, name: name, expiresAt: expiresAt)
                var issuedKey = issued
                if let department, let key = try context.identity.setDepartment(keyID: issued.key.keyID, department: department, tx) {
                    issuedKey = IssuedKey(apiKey: issued.apiKey, key: key)
                }
                guard let rateLimit else { return issuedKey }
                _ = try tx.query("UPDATE convergence.api_keys SET rate_limit = $2, rate_limit_period_seconds = $3 WHERE key_id = $1",
                                 [issued.key.keyID, rateLimit.limit, rateLimit.periodSeconds])
                var key = issuedKey.key
                key.rateLimit = KeyRateLimit(rateLimit)
                return IssuedKey(apiKey: issued.apiKey, key: key)
            }
            AdminAudit.record(context, request, actor: actor, action: "key.create", target: "key:\(issued.key.keyID)",
                              customerID: customer.id)
            return try .json(issued, status: .created)
        }
        // A key's own token bucket: `{"limit": 5000, "period_seconds": 60}`, or `null` to fall back to the tier.
        router.put("/admin/keys/{key_id}/rate_limit") { request, context in
            try updateKey(request, context, action: "key.rate_limit") { keyID in
                let rule = try request.decodeJSON(KeyRateLimitBody.self).rateLimit.map(validRateLimit)
                return (rule.map { "\($0.limit)/\($0.periodSeconds)s" } ?? "tier", { try context.identity.setRateLimit(keyID: keyID, rule: rule) })
            }
        }
        // The key's department (`{"department": "finance"}`, or `null` for none): which
        // `applies_to.departments` policies its checks meet, whatever their context says.
        // An admin-chosen label, not a secret: it goes into the audit target.
        router.put("/admin/keys/{key_id}/department") { request, context in
            try updateKey(request, context, action: "key.department") { keyID in
                let department = try request.decodeJSON(KeyDepartmentBody.self).department.map(validDepartment)
                return (department ?? "none", { try context.identity.setDepartment(keyID: keyID, department: department) })
            }
        }
        router.get("/admin/keys", query: ListPage.parameters.union(["customer_id", "sort"])) { request, context in
            _ = try Authenticator.requireAdmin(request, context)
            let query = request.queryParameters
            let customerID = try query["customer_id"].map { try CustomerRoutes.resolve($0, context) }
            guard let sort = IdentityRepository.KeySort(rawValue: query["sort"] ?? "created") else {
                throw APIError.badRequest("invalid_sort", "sort must be created, last_used or expires.")
            }
            let page = try ListPage(query) { $0.hasPrefix(sort.cursorPrefix + "key_") && $0.utf8.count <= 64 }
            let (keys, next) = try context.identity.keys(customerID: customerID, kind: .customer, sort: sort, page: page)
            return try .json(ListPageBody(name: "keys", items: keys, nextCursor: next))
        }
        router.post("/admin/keys/{key_id}/rotate") { request, context in
            let actor = try Authenticator.requireAdmin(request, context)
            var grace = context.config.keyRotationGraceSeconds
            if !request.body.isEmpty {
                let body = try request.decodeJSON(Rotate.self)
                if let seconds = body.graceSeconds {
                    guard (0...(365 * 86_400)).contains(seconds) else {
                        throw APIError.badRequest("invalid_grace_seconds", "grace_seconds must be from 0 to 31536000.")
                    }
                    grace = seconds
                }
            }
            try AdminAudit.ensureCapacity(context)
            let issued: IssuedKey, previous: KeyMetadata
            switch try context.identity.rotate(keyID: request.pathParameters["key_id"]!, graceSeconds: grace) {
            case .success(let rotated): (issued, previous) = rotated
            case .failure(.notFound): throw unknownKey
            case .failure(.expired):
                throw APIError(.conflict, code: "key_expired", message: "This key has expired; issue a new key instead of rotating it.")
            case .failure(.alreadyRotated):
                throw APIError(.conflict, code: "key_already_rotated",
                               message: "This key was already rotated; rotate its replacement (replaced_by) instead.")
            }
            AdminAudit.record(context, request, actor: actor, action: "key.rotate",
                              target: "key:\(previous.keyID)->\(issued.key.keyID)", customerID: previous.customerID)
            return try .json(Rotated(issued: issued, previous: previous), status: .created)
        }
        router.delete("/admin/keys/{key_id}") { request, context in
            let actor = try Authenticator.requireAdmin(request, context)
            try AdminAudit.ensureCapacity(context)
            guard let revoked = try context.identity.revoke(keyID: request.pathParameters["key_id"]!, kinds: [.customer]) else {
                throw unknownKey
            }
            AdminAudit.record(context, request, actor: actor, action: "key.revoke", target: "key:\(revoked.keyID)",
                              customerID: revoked.customerID)
            return try .json(revoked)
        }
    }

    static let unknownKey = APIError(.notFound, code: "key_not_found", message: "No such active key.")

    /// One setting of a live customer key: admin first, then the body (`parse`, which names what
    /// the audit target shows and the change to make), room in the audit trail, the change, the record.
    static func updateKey(_ request: Request, _ context: RequestContext, action: String,
                          _ parse: (String) throws -> (shown: String, change: () throws -> KeyMetadata?)) throws -> Response {
        let actor = try Authenticator.requireAdmin(request, context)
        let keyID = request.pathParameters["key_id"]!
        let (shown, change) = try parse(keyID)
        try AdminAudit.ensureCapacity(context)
        guard let updated = try change() else { throw unknownKey }
        AdminAudit.record(context, request, actor: actor, action: action, target: "key:\(updated.keyID) \(shown)", customerID: updated.customerID)
        return try .json(updated)
    }

    struct CreateKey: Decodable {
        let customerID: String?
        let name: String?
        let expiresAt: String?
        let rateLimit: RateLimitBody?
        let department: String?

        enum CodingKeys: String, CodingKey {
            case name, department
            case customerID = "customer_id"
            case expiresAt = "expires_at"
            case rateLimit = "rate_limit"
        }
    }

    struct RateLimitBody: Decodable {
        let limit: Int?
        let periodSeconds: Int?

        enum CodingKeys: String, CodingKey {
            case limit
            case periodSeconds = "period_seconds"
        }
    }

    /// The whole body of PUT …/rate_limit: the rule itself, or JSON null.
    struct KeyRateLimitBody: Decodable {
        let rateLimit: RateLimitBody?

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            rateLimit = container.decodeNil() ? nil : try container.decode(RateLimitBody.self)
        }
    }

    /// `{"department": "finance"}` or `{"department": null}`: the member is required, so a
    /// typo (`{"departement": …}`) is refused rather than read as "no department".
    struct KeyDepartmentBody: Decodable {
        let department: String?

        enum CodingKeys: String, CodingKey { case department }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            guard container.contains(.department) else {
                throw APIError.badRequest("invalid_department", "department is required: a name of 1 to 200 characters, or null.")
            }
            department = try container.decodeNil(forKey: .department) ? nil : container.decode(String.self, forKey: .department)
        }
    }

    /// 1-200 characters, no control characters: it is compared with policies' department names and shown in audit targets.
    static func validDepartment(_ text: String) throws(APIError) -> String {
        guard (1...200).contains(text.count), !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.badRequest("invalid_department", "department must be 1 to 200 characters without control characters.")
        }
        return text
    }

    static func validRateLimit(_ body: RateLimitBody) throws(APIError) -> RateLimitRule {
        guard let limit = body.limit, let period = body.periodSeconds,
              case let rule = RateLimitRule(limit: limit, periodSeconds: period), rule.isValid else {
            throw APIError.badRequest("invalid_rate_limit", "rate_limit needs integer limit (1 to \(RateLimitRule.maxLimit)) "
                + "and period_seconds (1 to \(RateLimitRule.maxPeriodSeconds)).")
        }
        return rule
    }

    struct Rotate: Decodable {
        let graceSeconds: Int?
        enum CodingKeys: String, CodingKey { case graceSeconds = "grace_seconds" }
    }

    struct Rotated: Encodable {
        let issued: IssuedKey
        let previous: KeyMetadata

        enum CodingKeys: String, CodingKey { case previous }

        func encode(to encoder: any Encoder) throws {
            try issued.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(previous, forKey: .previous)
        }
    }

    /// An RFC 3339 instant in the future, as UTC text: strict (a four-digit year in UTC too,
    /// so `9999-12-31T23:59:59-23:59` is refused rather than stored as year 10000).
    static func validExpiry(_ text: String) throws(APIError) -> String {
        guard let micros = RFC3339.parseMicros(text, allowDate: false) else {
            throw APIError.badRequest("invalid_expires_at", "expires_at must be an RFC 3339 time such as 2030-01-01T00:00:00Z.")
        }
        guard micros > AuditRecord.nowMicros() else {
            throw APIError.badRequest("invalid_expires_at", "expires_at must be in the future.")
        }
        return WallClock.rfc3339(seconds: micros / 1_000_000, milliseconds: Int(micros % 1_000_000 / 1000))
    }
}
