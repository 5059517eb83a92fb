import ConvergenceCore
import ConvergenceHTTP
import ConvergenceStore

/// `/health` (liveness, no I/O) and `/ready` (dependencies reachable, audit trail state).
enum HealthRoutes {
    static let healthBody = Array(#"{"status":"ok"}"#.utf8)

    static func register(on router: inout Router<RequestContext>) {
        router.get("/health") { _, _ in .rawJSON(healthBody) }
        router.get("/ready") { request, context in try ready(request, context) }
    }

    struct ReadyBody: Encodable {
        let status: String
        let checks: [String: Check]
        let audit: AuditReadiness?
        let error: ErrorBody?
    }

    struct ErrorBody: Encodable {
        let code: String
        let message: String
        let requestID: String

        enum CodingKeys: String, CodingKey {
            case code, message
            case requestID = "request_id"
        }
    }

    struct Check: Encodable {
        let ok: Bool
        let latencyMs: Double?
        let error: String?

        enum CodingKeys: String, CodingKey {
            case ok
            case latencyMs = "latency_ms"
            case error
        }
    }

    /// Ready means: PostgreSQL answers, and (auditing on) the spool has room under
    /// fail_closed, since otherwise every check would be refused. A dead or
    /// stalled flusher is reported, not fatal by itself: checks are still
    /// recorded in the spool until it fills.
    static func ready(_ request: Request, _ context: RequestContext) throws -> Response {
        let started = MonotonicInstant.now()
        let audit = context.audit.map { _ in AuditReadiness.current(config: context.config) }
        var checks: [String: Check] = [:]
        var problem: String?
        do {
            try context.database.query("SELECT 1", idempotent: true)
            let latency = (MonotonicInstant.now().milliseconds(since: started) * 100).rounded() / 100
            checks["postgres"] = Check(ok: true, latencyMs: latency, error: nil)
        } catch {
            context.logger.warning("readiness check failed", ["check": "postgres", "error": .string(String(describing: error))],
                                   requestID: request.requestID)
            checks["postgres"] = Check(ok: false, latencyMs: nil, error: "unreachable")
            problem = "Not ready: PostgreSQL is unreachable."
        }
        // Workers refuse to start without the region, so one answering has it mapped; the version proves it is readable.
        checks["shared_memory"] = Check(ok: context.shared.layoutVersion > 0, latencyMs: nil, error: nil)
        if let audit {
            checks["audit"] = Check(ok: audit.ok, latencyMs: nil, error: audit.ok ? nil : audit.problem)
            if problem == nil, audit.full, audit.fullPolicy == AuditFullPolicy.failClosed.rawValue {
                problem = "Not ready: the audit buffer is full, so checks are refused."
            }
        }
        guard let problem else {
            return try .json(ReadyBody(status: "ready", checks: checks, audit: audit, error: nil))
        }
        // 503 with the usual error body, plus the checks: the backlog matters most during an outage.
        return try .json(ReadyBody(status: "not_ready", checks: checks, audit: audit,
                                   error: ErrorBody(code: "not_ready", message: problem, requestID: request.requestID)),
                         status: .serviceUnavailable)
    }
}
