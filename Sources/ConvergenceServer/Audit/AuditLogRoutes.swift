import ConvergenceHTTP
import ConvergenceIdentity
import Foundation

/// `GET /logs` (admin: every customer, admin records too) and `GET /v1/logs`
/// (a customer key: its own customer's checks only).
enum AuditLogRoutes {
    static func register(on router: inout Router<RequestContext>) {
        router.get("/logs", query: AuditLogQuery.parameters) { request, context in
            _ = try Authenticator.requireAdmin(request, context)
            var parameters = request.queryParameters
            // A tenant id names its customer here too (deleted customers' records stay readable).
            if let named = parameters["customer_id"], UUID(uuidString: named) == nil, TenantID.isWellFormed(named) {
                parameters["customer_id"] = try CustomerRoutes.resolve(named, context, includingDeleted: true)
            }
            let query = try AuditLogQuery.parse(parameters, ownCustomer: nil)
            return .rawJSON(try AuditLogRepository(db: context.auditReadDatabase).page(query))
        }
        router.get("/v1/logs", query: AuditLogQuery.parameters) { request, context in
            let key = try Authenticator.authenticate(request, context)
            guard key.kind == .customer, let customerID = key.customerID else {
                throw APIError(.forbidden, code: "customer_key_required",
                               message: "/v1/logs answers with a customer's API key; operators use GET /logs.")
            }
            let query = try AuditLogQuery.parse(request.queryParameters, ownCustomer: customerID)
            return .rawJSON(try AuditLogRepository(db: context.auditReadDatabase).page(query))
        }
    }
}
