import ConvergenceHTTP
import ConvergenceIdentity
import Foundation

/// Operators' customer API (`/admin/customers`) and seed 000's onboarding call.
enum CustomerRoutes {
    static func register(on router: inout Router<RequestContext>) {
        router.post("/api/v1/customers/onboard") { request, context in try onboard(request, context) }
        router.post("/admin/customers") { request, context in
            let actor = try Authenticator.requireAdmin(request, context)
            let body = try request.decodeJSON(CreateCustomer.self)
            let (tenantID, name, tier) = try validated(tenantID: body.tenantID, name: body.name, tier: body.tier, nameRequired: true)
            try AdminAudit.ensureCapacity(context)
            let (customer, _) = try context.identity.provision(tenantID: tenantID, name: name, tier: tier, firstKey: nil)
            AdminAudit.record(context, request, actor: actor, action: "customer.create", target: "customer:\(customer.id)",
                              customerID: customer.id)
            return try .json(customer, status: .created)
        }
        router.get("/admin/customers", query: ListPage.parameters.union(["include_deleted", "q"])) { request, context in
            _ = try Authenticator.requireAdmin(request, context)
            let query = request.queryParameters
            let includeDeleted = try flag(query, "include_deleted")
            let search = query["q"].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
            if let search, search.count > 100 || search.unicodeScalars.contains(where: { $0.value == 0 }) {
                throw APIError.badRequest("invalid_q", "q must be at most 100 characters of text.")
            }
            let page = try ListPage(query) { UUID(uuidString: String($0)) != nil }
            let (customers, next) = try context.identity.customers(includingDeleted: includeDeleted, search: search, page: page)
            return try .json(ListPageBody(name: "customers", items: customers, nextCursor: next))
        }
        router.get("/admin/customers/{id}") { request, context in
            _ = try Authenticator.requireAdmin(request, context)
            let id = try customerID(request, context)
            guard let customer = try context.identity.customer(id: id) else { throw unknownCustomer }
            return try .json(customer)
        }
        // Name and tier. A tier change reaches every worker at once (the key cache is
        // invalidated) and the key's next request starts a bucket of the new tier's size.
        router.add("PATCH", "/admin/customers/{id}") { request, context in
            let actor = try Authenticator.requireAdmin(request, context)
            let id = try customerID(request, context)
            let body = try request.decodeJSON(UpdateCustomer.self)
            guard body.name != nil || body.tier != nil else {
                throw APIError.badRequest("empty_update", "Send name and/or tier to change.")
            }
            let name = body.name?.trimmingCharacters(in: .whitespacesAndNewlines)
            if let name, name.isEmpty || name.count > 200 { throw APIError.badRequest("invalid_name", "name must be 1 to 200 characters.") }
            if let tier = body.tier, tier != "free", tier != "pro" { throw APIError.badRequest("invalid_tier", "tier must be free or pro.") }
            try AdminAudit.ensureCapacity(context)
            guard let updated = try context.identity.updateCustomer(id: id, name: name, tier: body.tier) else { throw unknownCustomer }
            let changes = [name.map { _ in "name" }, body.tier.map { "tier=\($0)" }].compactMap { $0 }.joined(separator: ",")
            AdminAudit.record(context, request, actor: actor, action: "customer.update", target: "customer:\(id) \(changes)",
                              customerID: id)
            return try .json(updated)
        }
        router.delete("/admin/customers/{id}", query: ["purge"]) { request, context in
            let actor = try Authenticator.requireAdmin(request, context)
            let purge = try flag(request.queryParameters, "purge")
            // A purge may name a customer deleted softly before (its tenant id too).
            let id = try customerID(request, context, includingDeleted: purge)
            let purgeText = purge ? "true" : "false"
            try AdminAudit.ensureCapacity(context)
            guard try context.identity.deleteCustomer(id: id, purge: purgeText == "true") else { throw unknownCustomer }
            AdminAudit.record(context, request, actor: actor, action: purgeText == "true" ? "customer.purge" : "customer.delete",
                              target: "customer:\(id)", customerID: id)
            return try .json(DeletedCustomer(id: id, deleted: true, purged: purgeText == "true"))
        }
    }

    static let unknownCustomer = APIError(.notFound, code: "customer_not_found", message: "No such customer.")

    struct CreateCustomer: Decodable {
        let tenantID: String?
        let name: String?
        let tier: String?

        enum CodingKeys: String, CodingKey {
            case name, tier
            case tenantID = "tenant_id"
        }
    }

    struct DeletedCustomer: Encodable {
        let id: String
        let deleted: Bool
        let purged: Bool
    }

    struct OnboardResponse: Encodable {
        let tenantID: String
        let customerID: String
        let apiKey: String
        let datasetCreated: Bool
        let tablesCreated: [String]
        let dryrunStatus: String
        /// The onboarding template's run and the dryrun's, with their ids, for the runs API.
        let pipelines: [OnboardingPipelines.Ran]
        let message: String

        enum CodingKeys: String, CodingKey {
            case message, pipelines
            case tenantID = "tenant_id"
            case customerID = "customer_id"
            case apiKey = "api_key"
            case datasetCreated = "dataset_created"
            case tablesCreated = "tables_created"
            case dryrunStatus = "dryrun_status"
        }
    }

    static func onboard(_ request: Request, _ context: RequestContext) throws -> Response {
        // Open onboarding has no acting key; the record then names none.
        let actor = context.config.onboardingOpen ? nil : try Authenticator.requireAdmin(request, context)
        let body = try request.decodeJSON(CreateCustomer.self)
        guard let requested = body.tenantID else { throw APIError.badRequest("invalid_tenant_id", "tenant_id is required.") }
        let (tenantID, name, tier) = try validated(tenantID: requested, name: body.name, tier: body.tier, nameRequired: false)
        let key = APIKeyFormat.newTenantKey(tenantID: tenantID)
        try AdminAudit.ensureCapacity(context)
        let (customer, issued) = try context.identity.provision(tenantID: tenantID, name: name, tier: tier, firstKey: key)
        AdminAudit.record(context, request, actor: actor, action: "customer.onboard", target: "tenant:\(tenantID)",
                          customerID: customer.id)
        context.logger.info("tenant onboarded", ["tenant_id": .string(tenantID), "key_id": .string(issued?.key.keyID ?? "")],
                            requestID: request.requestID)
        // After the commit: a failing dryrun is reported, it never undoes onboarding.
        let ran = OnboardingPipelines.run(tenantID: tenantID, customerID: customer.id, context: context, requestID: request.requestID,
                                          metrics: SharedPipelineMetrics(region: context.shared))
        let dryrunOK = ran.last?.status == "COMPLETED"
        return try .json(OnboardResponse(
            tenantID: tenantID, customerID: customer.id, apiKey: key, datasetCreated: true, tablesCreated: TenantSchema.tables,
            dryrunStatus: dryrunOK ? "SUCCESS" : "FAILED", pipelines: ran,
            message: "Customer \(tenantID) onboarded" + (dryrunOK ? "" : " (the dryrun pipeline failed; see pipelines)")
                + ". Save the api_key now: it is shown only once."), status: .created)
    }

    /// Checks tenant id, name and tier; derives the tenant id from the name when absent.
    static func validated(tenantID: String?, name: String?, tier: String?, nameRequired: Bool) throws(APIError)
        -> (tenantID: String, name: String, tier: String) {
        let trimmedName = name?.trimmingCharacters(in: .whitespacesAndNewlines)
        if nameRequired, trimmedName?.isEmpty ?? true, tenantID == nil {
            throw APIError.badRequest("invalid_name", "name is required (1 to 200 characters).")
        }
        if let trimmedName, trimmedName.isEmpty || trimmedName.count > 200 {
            throw APIError.badRequest("invalid_name", "name must be 1 to 200 characters.")
        }
        let tier = tier ?? "free"
        guard tier == "free" || tier == "pro" else { throw APIError.badRequest("invalid_tier", "tier must be free or pro.") }
        let id = tenantID ?? TenantID.derive(fromName: trimmedName ?? "")
        do { try TenantID.validate(id) } catch { throw APIError.badRequest("invalid_tenant_id", error.description) }
        return (id, trimmedName ?? id, tier)
    }

    /// The customer the path names, by UUID or tenant id.
    static func customerID(_ request: Request, _ context: RequestContext, includingDeleted: Bool = false) throws -> String {
        try resolve(request.pathParameters["id"] ?? "", context, includingDeleted: includingDeleted)
    }

    /// A customer UUID or tenant id as the customer's UUID: 400 when it is neither
    /// shape, 404 when no such customer.
    static func resolve(_ text: String, _ context: RequestContext, includingDeleted: Bool = false) throws -> String {
        guard UUID(uuidString: text) != nil || TenantID.isWellFormed(text) else {
            throw APIError.badRequest("invalid_customer_id", "The customer must be named by its id (a UUID) or its tenant_id.")
        }
        guard let id = try context.identity.resolveCustomerID(text, includingDeleted: includingDeleted) else { throw unknownCustomer }
        return id
    }

    static func flag(_ query: [String: String], _ name: String) throws(APIError) -> Bool {
        switch query[name] {
        case nil, "false": return false
        case "true": return true
        default: throw APIError.badRequest("invalid_parameter", "\(name) must be true or false.")
        }
    }

    struct UpdateCustomer: Decodable {
        let name: String?
        let tier: String?
    }
}
