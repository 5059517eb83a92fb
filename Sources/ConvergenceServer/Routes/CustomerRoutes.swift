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
        router.get("/admin/customers") { request, context in
            _ = try Authenticator.requireAdmin(request, context)
            return try .json(["customers": try context.identity.customers()])
        }
        router.get("/admin/customers/{id}") { request, context in
            _ = try Authenticator.requireAdmin(request, context)
            let id = try customerID(request)
            guard let customer = try context.identity.customer(id: id) else { throw unknownCustomer }
            return try .json(customer)
        }
        router.delete("/admin/customers/{id}", query: ["purge"]) { request, context in
            let actor = try Authenticator.requireAdmin(request, context)
            let id = try customerID(request)
            let purgeText = request.queryParameters["purge"] ?? "false"
            guard purgeText == "true" || purgeText == "false" else {
                throw APIError.badRequest("invalid_parameter", "purge must be true or false.")
            }
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

    static func customerID(_ request: Request) throws(APIError) -> String {
        let id = request.pathParameters["id"] ?? ""
        guard UUID(uuidString: id) != nil else {
            throw APIError.badRequest("invalid_customer_id", "The customer id must be a UUID.")
        }
        return id.lowercased()
    }
}
