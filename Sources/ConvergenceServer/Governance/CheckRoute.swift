import ConvergenceAudit
import ConvergenceCore
import ConvergenceGovernance
import ConvergencePII
import ConvergenceHTTP
import ConvergenceShared
import ConvergenceIdentity
import ConvergenceStore

/// `POST /v1/check`: the governance decision for a customer's operations.
enum CheckRoute {
    /// Parser depth: body → operations → operation, plus the context bound.
    static let maxJSONDepth = CheckRequest.maxDepth + 4

    static func register(on router: inout Router<RequestContext>) {
        router.post("/v1/check") { request, context in try check(request, context) }
    }

    static func check(_ request: Request, _ context: RequestContext) throws -> Response {
        let started = MonotonicInstant.now()
        let key = try Authenticator.authenticate(request, context)
        guard key.kind == .customer, let customerID = key.customerID else {
            throw APIError(.forbidden, code: "customer_key_required", message: "Checks run with a customer's API key, not an admin key.")
        }
        let document = try request.parseJSONDocument(maxDepth: maxJSONDepth)
        let checkRequest: CheckRequest
        do { checkRequest = try CheckRequest.from(document) } catch {
            throw APIError.badRequest("invalid_check", error.message)
        }
        let policies = try activePolicies(customerID, context, requestID: request.requestID)
        let pii = PIIDetector.scan(checkRequest)
        let now = AuditRecord.nowMicros()
        let caller = Caller(keyID: key.keyID, department: key.department)
        // Budgets are reserved before the decision (exact across workers) and taken back if it blocks.
        RiskEngine.budgetDemands(checkRequest, policies: policies, at: now, caller: caller, into: &context.budgetDemands)
        let decision: Decision
        if context.budgetDemands.isEmpty {
            decision = RiskEngine.evaluate(checkRequest, policies: policies, pii: pii, at: now, caller: caller)
        } else {
            let ledger = BudgetLedger(region: context.shared, config: context.config)
            ledger.reserve(context.budgetDemands, nowNs: UInt64(started.nanoseconds), into: &context.budgetOutcomes,
                           central: RequestBudgetCentral(context: context))
            decision = RiskEngine.evaluate(checkRequest, policies: policies, pii: pii, at: now, caller: caller, budgets: context.budgetOutcomes)
            if !decision.allowed { ledger.refund(context.budgetOutcomes) }
        }
        // Exactly one record per decided check, spooled before the answer leaves.
        if let audit = context.audit {
            let subject = CheckAuditRecord.Subject(
                request: checkRequest, decision: decision, pii: pii, customerID: customerID, keyID: key.keyID, requestID: request.requestID,
                latencyMicros: Int(MonotonicInstant.now().nanoseconds - started.nanoseconds) / 1000)
            CheckAuditRecord.write(subject, createdAtMicros: now, random: &context.randomPool, into: context.scratch)
            let outcome = context.scratch.withUnsafeBytes { audit.append(payload: $0, createdAtMicros: now, lane: context.auditLane) }
            if outcome == .refused { throw auditUnavailable }
        }
        let customer = key.tenantID ?? customerID
        context.checkSeries.bundle(customer) {
            CheckSeries(context.metrics, customer: customer, seedNames: context.config.metricsSeedNames)
        }?.record(decision)
        var response = Response.rawJSON(responseBody(decision, requestID: request.requestID, buffer: context.scratch))
        response.headers.append(HTTPField("X-Convergence-Customer", key.tenantID ?? customerID))
        response.headers.append(HTTPField("X-Convergence-Decision", decision.allowed ? "allow" : "block"))
        response.headers.append(HTTPField("X-Convergence-Risk", String(decision.riskScore)))
        return response
    }

    static let auditUnavailable = APIError(
        .serviceUnavailable, code: "audit_unavailable",
        message: "The audit spool is full or cannot be written, so no check can be recorded; retry shortly.",
        headers: [HTTPField("Retry-After", "1")])

    static func activePolicies(_ customerID: String, _ context: RequestContext, requestID: String) throws(APIError) -> PolicySet {
        let now = MonotonicInstant.now()
        let generation = CacheInvalidation.policiesGeneration(context)
        if let cached = context.caches.policies(customerID, generation: generation, now: now, front: &context.cacheFront) {
            return cached
        }
        do {
            let policies = PolicySet(try PolicyRepository(db: context.database).active(customerID: customerID))
            context.caches.storePolicies(policies, for: customerID, generation: generation, now: now, front: &context.cacheFront)
            return policies
        } catch let error as PostgresError where error.isConnectionFailure {
            // PostgreSQL down: keep deciding with the policies last read (bounded like keys).
            if let stale = context.caches.stalePolicies(customerID, now: now) { return stale }
            context.logger.error("policy lookup failed", ["error": .string(String(describing: error))], requestID: requestID)
            throw APIError(.serviceUnavailable, code: "database_unavailable", message: "Policies are unreachable; retry shortly.")
        } catch {
            context.logger.error("policy lookup failed", ["error": .string(String(describing: error))], requestID: requestID)
            throw APIError(.serviceUnavailable, code: "database_unavailable", message: "Policies are unreachable; retry shortly.")
        }
    }

    /// The decision as JSON, written field by field into the thread's buffer: building
    /// a dictionary first (and sorting its keys) cost more than the rest of the serialisation.
    static func responseBody(_ d: Decision, requestID: String, buffer: ByteBuffer) -> [UInt8] {
        buffer.removeAll()
        var out = buffer
        out.append(#"{"allowed":"#)
        out.append(d.allowed ? "true" : "false")
        out.append(#","risk_score":"#)
        out.appendDecimal(d.riskScore)
        out.append(#","reason":"#)
        out.appendJSONString(d.reason)
        out.append(#","reasons":["#)
        for i in d.reasons.indices {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(#"{"factor":"#); out.appendJSONString(d.reasons[i].factor.rawValue)
            out.append(#","points":"#); out.appendDecimal(d.reasons[i].points)
            out.append(#","detail":"#); out.appendJSONString(d.reasons[i].detail); out.append(UInt8(ascii: "}"))
        }
        out.append(#"],"violations":["#)
        for i in d.violations.indices {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(#"{"policy_id":"#); out.appendJSONString(d.violations[i].policyID)
            out.append(#","version":"#); out.appendDecimal(d.violations[i].version)
            out.append(#","rule":"#); out.appendJSONString(d.violations[i].rule)
            out.append(#","detail":"#); out.appendJSONString(d.violations[i].detail)
            out.append(#","mode":"#); out.appendJSONString(d.violations[i].mode.rawValue); out.append(UInt8(ascii: "}"))
        }
        out.append(#"],"would_block":"#)
        out.append(d.wouldBlock ? "true" : "false")
        out.append(#","policy_versions":["#)
        for i in d.policyVersions.indices {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.appendJSONString(d.policyVersions[i])
        }
        out.append(#"],"would_block_by":["#)
        for i in d.wouldBlockBy.indices {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.appendJSONString(d.wouldBlockBy[i])
        }
        out.append(#"],"request_id":"#)
        out.appendJSONString(requestID)
        out.append(UInt8(ascii: "}"))
        return buffer.array
    }
}
