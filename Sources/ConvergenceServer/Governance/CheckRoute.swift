import ConvergenceCore
import ConvergenceGovernance
import ConvergenceHTTP

/// `POST /v1/check`: the governance decision for a customer's operations.
enum CheckRoute {
    /// Parser depth: body → operations → operation, plus the context bound.
    static let maxJSONDepth = CheckRequest.maxDepth + 4

    static func register(on router: inout Router<RequestContext>) {
        router.post("/v1/check") { request, context in try check(request, context) }
    }

    static func check(_ request: Request, _ context: RequestContext) throws -> Response {
        let key = try Authenticator.authenticate(request, context)
        guard key.kind == .customer, let customerID = key.customerID else {
            throw APIError(.forbidden, code: "customer_key_required", message: "Checks run with a customer's API key, not an admin key.")
        }
        let body = try request.parseJSONBody(maxDepth: maxJSONDepth)
        let checkRequest: CheckRequest
        do { checkRequest = try CheckRequest.from(body) } catch {
            throw APIError.badRequest("invalid_check", error.message)
        }
        let policies = try activePolicies(customerID, context, requestID: request.requestID)
        let decision = RiskEngine.evaluate(checkRequest, policies: policies, pii: PIIDetector.scan(checkRequest))
        var response = Response.rawJSON(JSONSerializer.bytes(json(decision, requestID: request.requestID)))
        response.headers.append(HTTPField("X-Convergence-Customer", key.tenantID ?? customerID))
        response.headers.append(HTTPField("X-Convergence-Decision", decision.allowed ? "allow" : "block"))
        response.headers.append(HTTPField("X-Convergence-Risk", String(decision.riskScore)))
        return response
    }

    static func activePolicies(_ customerID: String, _ context: RequestContext, requestID: String) throws(APIError) -> [Policy] {
        let now = MonotonicInstant.now()
        if let cached = context.policyCache[customerID], now < cached.until { return cached.policies }
        do {
            let policies = try PolicyRepository(db: context.database).active(customerID: customerID)
            if context.policyCache.count > 10_000 { context.policyCache.removeAll(keepingCapacity: true) }
            context.policyCache[customerID] = (policies, now.adding(milliseconds: context.config.policyCacheTTLMs))
            return policies
        } catch {
            context.logger.error("policy lookup failed", ["error": .string(String(describing: error))], requestID: requestID)
            throw APIError(.serviceUnavailable, code: "database_unavailable", message: "Policies are unreachable; retry shortly.")
        }
    }

    static func json(_ d: Decision, requestID: String) -> JSONValue {
        .object([
            "allowed": .bool(d.allowed),
            "risk_score": .number(Double(d.riskScore)),
            "reason": .string(d.reason),
            "reasons": .array(d.reasons.map {
                .object(["factor": .string($0.factor.rawValue), "points": .number(Double($0.points)), "detail": .string($0.detail)])
            }),
            "violations": .array(d.violations.map {
                .object(["policy_id": .string($0.policyID), "rule": .string($0.rule), "detail": .string($0.detail),
                         "mode": .string($0.mode.rawValue)])
            }),
            "would_block": .bool(d.wouldBlock),
            "policy_versions": .array(d.policyVersions.map { .string($0) }),
            "request_id": .string(requestID),
        ])
    }
}
